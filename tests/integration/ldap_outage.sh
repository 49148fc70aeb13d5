#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The directory goes away mid-run: account decisions are denied with the
# reason directory-unavailable, authd keeps serving, and recovers when the
# directory comes back.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
authd_setup "workers 2"
authd_start

expect_pam "directory up: anna may use pilot" acct anna -e acct=PAM_SUCCESS
enroll anna

# A directory that hangs holds the worker asking it, not the others: while
# one account check waits for the frozen slapd, a login (which needs no
# directory) is answered.
kill -STOP "$SLAPD_PID"
# (The module waits longer than authd's ldap_timeout here, to hear its answer.)
pam_stack authd-slow "system=pilot timeout=10"
PAM_SERVICE=authd-slow pam acct bertil >"$T_DIR/slow.out" 2>&1 &
slow=$!
sleep 0.5
step_safe
expect_pam "a login is answered while the directory hangs" auth anna -a "$(code anna 0)" -e auth=PAM_SUCCESS
check "the account check was still waiting for the directory" kill -0 "$slow"
wait "$slow"
check "the waiting account check ends in a deny at the LDAP timeout" grep -q 'acct=PAM_PERM_DENIED' "$T_DIR/slow.out"
kill -CONT "$SLAPD_PID"
expect_pam "the directory thaws: allowed again" acct anna -e acct=PAM_SUCCESS
slapd_stop
expect_pam "directory down: account denied (within the hang guard)" acct anna -W 8000 -e acct=PAM_PERM_DENIED
expect_pam "directory down: again denied (no crash)" acct bertil -e acct=PAM_PERM_DENIED
check "authd still running" kill -0 "$AUTHD_PID"
check "audit: directory-unavailable recorded" audit_has 'account,deny,directory-unavailable,anna'
check "enroll during the outage fails clearly" bash -c "! '$AUTHCTL_BIN' enroll --no-qr bertil 2>&1 | grep -q otpauth"
slapd_restart || fail "slapd restart"
expect_pam "directory back: anna allowed again" acct anna -e acct=PAM_SUCCESS
expect_pam "directory back: bertil allowed again" acct bertil -e acct=PAM_SUCCESS
check "authd stops cleanly" authd_stop
t_done
