#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The directory hangs, then goes away, mid-run.  Users authd has cached are
# decided from the cache up to ldap_cache_max_stale, and the record says
# so; users it has not seen are denied with directory-unavailable; nothing
# hangs past the LDAP timeout; past the staleness bound cached users are
# denied too; and all recovers when the directory comes back.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
authd_setup "workers 3" "ldap_cache_ttl 1" "ldap_cache_max_stale 20" \
	"ldap_retry_interval 1"
authd_start

expect_pam "directory up: anna may use pilot" acct anna -e acct=PAM_SUCCESS
fetched=$(date +%s)
enroll anna
sleep 1.2	# anna's entry is past its ttl: the next decision asks again

# A directory that hangs holds the worker asking it, not the others: while
# an account check for a user never seen waits for the frozen slapd, a
# login (which needs no directory) is answered.
# The code's step must not end meanwhile: wait for a fresh one first, not
# while the check waits (that could outlast authd's ldap_timeout).
step_safe
kill -STOP "$SLAPD_PID"
# (The module waits longer than authd's ldap_timeout here, to hear its answer.)
pam_stack authd-slow "system=pilot timeout=10"
PAM_SERVICE=authd-slow pam acct bertil >"$T_DIR/slow.out" 2>&1 &
slow=$!
sleep 0.5
# The code alone (separate_account: no account decision with it, which
# would read anna's expired entry from the frozen directory too).
pam_stack authd-codeonly "system=pilot separate_account"
PAM_SERVICE=authd-codeonly expect_pam "a login is answered while the directory hangs" auth anna -a "$(code anna 0)" -e auth=PAM_SUCCESS
check "the account check of an uncached user was still waiting" kill -0 "$slow"
wait "$slow"
check "and ends in a deny at the LDAP timeout" grep -q 'acct=PAM_PERM_DENIED' "$T_DIR/slow.out"
check "audit: bertil denied, directory-unavailable" \
	audit_has 'account,deny,directory-unavailable,bertil'
expect_pam "a cached user is decided from the cache while it hangs" acct anna -W 8000 -e acct=PAM_SUCCESS
check "audit: that decision says it used a stale entry" \
	audit_has 'account,allow,ok,anna,.*directory stale'

kill -CONT "$SLAPD_PID"
slapd_stop
sleep 1.1	# past ldap_retry_interval: authd asks again and finds it gone
expect_pam "directory down: cached anna allowed within the staleness bound" acct anna -W 8000 -e acct=PAM_SUCCESS
expect_pam "directory down: uncached cecilia denied" acct cecilia -W 8000 -e acct=PAM_PERM_DENIED
check "audit: cecilia denied, directory-unavailable" \
	audit_has 'account,deny,directory-unavailable,cecilia'
check "authd still running" kill -0 "$AUTHD_PID"
check "enroll during the outage fails clearly" bash -c "! '$AUTHCTL_BIN' enroll --no-qr bertil 2>&1 | grep -q otpauth"

# Past ldap_cache_max_stale (20 s after anna's entry was read) the cache
# no longer answers for her.
now=$(date +%s)
(( now - fetched < 22 )) && sleep $((22 - (now - fetched)))
expect_pam "past the staleness bound: anna denied" acct anna -W 8000 -e acct=PAM_PERM_DENIED
check "audit: anna denied, directory-unavailable" \
	audit_has 'account,deny,directory-unavailable,anna'

slapd_restart || fail "slapd restart"
sleep 1.1	# past ldap_retry_interval
expect_pam "directory back: anna allowed again" acct anna -e acct=PAM_SUCCESS
expect_pam "directory back: bertil allowed again" acct bertil -e acct=PAM_SUCCESS
check "authd stops cleanly" authd_stop
t_done
