#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The account decision made with the code: pam_authd's auth request asks
# for it (ACCOUNT), authd writes it in the code's transaction, and
# pam_acct_mgmt on the same handle answers from it without a request of
# its own.  Checked through real libpam and the audit trail: one account
# record per login, carrying the auth request's id; a deny is still a
# deny; after a failed code, and with separate_account, pam_acct_mgmt
# asks authd itself.
set -u
. "$(dirname "$0")/../lib/authd.sh"
t_need sqlite3

t_init
authd_setup
pam_stack authd-separate "system=pilot separate_account"
authd_start
enroll anna
enroll cecilia

# rows USER: "event decision reason request_id" per record, oldest first.
rows() {
	db_sql "SELECT event, decision, reason, request_id FROM audit
	    WHERE \"user\" = '$1' AND event IN ('auth', 'account')
	    ORDER BY seq" | tr '|' ' '
}

step_safe
expect_pam "anna: code accepted, account allowed" "auth acct" anna \
	-a "$(code anna 0)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS
r=$(rows anna)
check "one auth and one account record" test "$(wc -l <<<"$r")" -eq 2
auth_id=$(awk '$1 == "auth" && $2 == "allow" { print $4 }' <<<"$r")
acct_id=$(awk '$1 == "account" && $2 == "allow" { print $4 }' <<<"$r")
check "the account record carries the auth request's id" \
	test -n "$auth_id" -a "$auth_id" = "$acct_id"

expect_pam "cecilia: code accepted, account denied (no role on pilot)" \
	"auth acct" cecilia -a "$(code cecilia 0)" -e auth=PAM_SUCCESS \
	-e acct=PAM_PERM_DENIED
r=$(rows cecilia)
check "cecilia: the deny is recorded once, with the auth request's id" \
	test "$(awk '$1 == "account" && $2 == "deny" && $3 == "no-role" {
	    print $4 }' <<<"$r")" = "$(awk '$1 == "auth" { print $4 }' <<<"$r")"
check "cecilia: one account record" \
	test "$(grep -c '^account ' <<<"$r")" -eq 1

# A wrong code decides no account: pam_acct_mgmt asks authd.
expect_pam "a wrong code fails; the account phase asks on its own" \
	"auth acct" anna -a 000000 -e auth=PAM_AUTH_ERR -e acct=PAM_SUCCESS
r=$(rows anna | tail -n 2)
check "after the failed code, an account record of its own request" bash -c \
	"[[ \$(sed -n 1p <<<'$r' | cut -d' ' -f1,2) == 'auth deny' &&
	    \$(sed -n 2p <<<'$r' | cut -d' ' -f1,2) == 'account allow' &&
	    \$(sed -n 1p <<<'$r' | cut -d' ' -f4) != \$(sed -n 2p <<<'$r' | cut -d' ' -f4) ]]"

# separate_account: the old way, two requests, two transactions.
PAM_SERVICE=authd-separate expect_pam "separate_account: both phases pass" \
	"auth acct" anna -a "$(code anna 1)" -e auth=PAM_SUCCESS \
	-e acct=PAM_SUCCESS
r=$(rows anna | tail -n 2)
check "separate_account: the account record has its own request id" bash -c \
	"[[ \$(sed -n 1p <<<'$r' | cut -d' ' -f1,2) == 'auth allow' &&
	    \$(sed -n 2p <<<'$r' | cut -d' ' -f1,2) == 'account allow' &&
	    \$(sed -n 1p <<<'$r' | cut -d' ' -f4) != \$(sed -n 2p <<<'$r' | cut -d' ' -f4) ]]"

# pam_acct_mgmt alone (no code on this handle) asks authd.
expect_pam "account alone is asked of authd" acct anna -e acct=PAM_SUCCESS
check "account alone: a record" test "$(rows anna | tail -n 1 | cut -d' ' -f1,2)" = "account allow"

authd_stop
check "the audit chain verifies independently" audit_chain_check "$AUTHD_DB"
t_done
