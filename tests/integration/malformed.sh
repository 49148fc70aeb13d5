#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Malformed frames get an error and leave authd serving others.
set -u
. "$(dirname "$0")/../lib/authd.sh"
t_need sqlite3

t_init noslapd
authd_setup "request_timeout 1000"
authd_start
check "malformed frames on the PAM socket" "$BUILD_DIR/tests/frame_attack" "$AUTHD_SOCK" pam
check "malformed frames on the admin socket" "$BUILD_DIR/tests/frame_attack" "$AUTHD_ADMIN_SOCK" admin
check "authd still running" kill -0 "$AUTHD_PID"
check "authctl still served" authctl ping
check "the refused AUTH requests left no audit record" \
	test "$(db_sql "SELECT count(*) FROM audit WHERE event = 'auth'")" == 0
check "authd stops cleanly" authd_stop
t_done
