#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# When authd cannot answer, a login fails with PAM_AUTHINFO_UNAVAIL within
# the module's timeout: never a hang, never success.  The time limits below
# are hang guards (the module's timeout is 2 s), not performance checks.
set -u
. "$(dirname "$0")/../lib/authd.sh"
HANG_SERVER="$BUILD_DIR/tests/hang_server"

t_init noslapd
authd_setup
pam_stack authd-test "system=pilot timeout=2"

# -W 8000: pam_driver fails any call that takes longer (a hang guard).
cat >"$T_DIR/pam/authd-session" <<EOS
session required $PAM_MODULE socket=$AUTHD_SOCK system=pilot timeout=2
EOS

expect_pam "authd not running: auth unavailable" auth anna -W 8000 -a 123456 -e auth=PAM_AUTHINFO_UNAVAIL
expect_pam "authd not running: account unavailable" acct anna -W 8000 -e acct=PAM_AUTHINFO_UNAVAIL
PAM_SERVICE=authd-session expect_pam "authd not running: session error" open anna -W 8000 -e open=PAM_SESSION_ERR

for mode in hang close garbage; do
	rm -f "$AUTHD_SOCK"
	"$HANG_SERVER" "$AUTHD_SOCK" "$mode" >"$T_DIR/hang.out" 2>&1 &
	hs=$!
	for ((i = 0; i < 50; i++)); do grep -q ready "$T_DIR/hang.out" && break; sleep 0.1; done
	expect_pam "authd $mode: auth unavailable" auth anna -W 8000 -a 123456 -e auth=PAM_AUTHINFO_UNAVAIL
	expect_pam "authd $mode: account unavailable" acct anna -W 8000 -e acct=PAM_AUTHINFO_UNAVAIL
	kill "$hs"; wait "$hs" 2>/dev/null
done

# An option the module does not know is refused, not ignored.
pam_stack authd-test "system=pilot nosuchoption"
expect_pam "unknown module option: refused" auth anna -a 123456 -e auth=PAM_SERVICE_ERR
pam_stack authd-test "system=pilot timeout=0"
expect_pam "out-of-range timeout: refused" auth anna -a 123456 -e auth=PAM_SERVICE_ERR
t_done
