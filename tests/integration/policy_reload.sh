#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Reloading the policy: a good policy takes over at once (decisions cite its
# version); a policy with any error is rejected whole, its file:line is
# logged and audited, and the policy in force keeps serving - proved with
# real PAM requests.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
authd_setup
authd_start
pol=$T_DIR/policy/test.policy

# hup_and_wait N: SIGHUP, then wait until the trail holds N reload records.
hup_and_wait() {
	local want=$1 i n
	kill -HUP "$AUTHD_PID"
	for ((i = 0; i < 50; i++)); do
		n=$(authctl audit list --event policy-reload --format csv | grep -c policy-reload)
		((n >= want)) && return 0
		sleep 0.1
	done
	return 1
}
# version_of USER: the policy version cited by USER's last account record.
version_of() {
	authctl audit list --user "$1" --event account --format jsonl |
		tail -n 1 | grep -o '"policy":"[^"]*"' | cut -d'"' -f4
}

expect_pam "before: orjan may use pilot" acct orjan -e acct=PAM_SUCCESS
v1=$(version_of orjan)
check "decisions cite a 16-digit policy version" grep -Eqx '[0-9a-f]{16}' <<<"$v1"

# A good change: pilot is now for the finance group (anna, bertil).
sed -i 's/cn=pilot-users,/cn=finance-users,/' "$pol"
check "SIGHUP reloads" hup_and_wait 1
check "audit: the reload is recorded as ok" audit_has 'policy-reload,ok,ok'
expect_pam "after: orjan lost pilot" acct orjan -e acct=PAM_PERM_DENIED
expect_pam "after: anna keeps it" acct anna -e acct=PAM_SUCCESS
v2=$(version_of anna)
check "the new decisions cite the new version" test -n "$v2" -a "$v1" != "$v2"

# A broken change: a second file with an error, and an edit that would
# have given orjan access again.  Nothing of it may take effect.
sed -i '0,/cn=finance-users,/s//cn=pilot-users,/' "$pol"
printf 'system extra {\n    owner anna\n    confidentiality 9\n}\n' >"$T_DIR/policy/z.policy"
chmod 644 "$T_DIR/policy/z.policy"
check "SIGHUP with a broken policy" hup_and_wait 2
check "audit: the rejected reload is recorded with file:line" \
	audit_has "policy-reload,error,policy-error,.*z.policy:3: confidentiality must be a number from 0 to 4"
check "authd's log names file and line" \
	grep -q "z.policy:3: confidentiality must be a number from 0 to 4" "$T_DIR/authd.log"
expect_pam "the old policy keeps serving: orjan still denied" acct orjan -e acct=PAM_PERM_DENIED
expect_pam "the old policy keeps serving: anna still allowed" acct anna -e acct=PAM_SUCCESS
check "and decisions still cite the old version" test "$(version_of anna)" = "$v2"
check "authd still running" kill -0 "$AUTHD_PID"

# Fixed: the reload takes the whole new policy.
rm -f "$T_DIR/policy/z.policy"
check "SIGHUP after the fix" hup_and_wait 3
expect_pam "fixed: orjan allowed again" acct orjan -e acct=PAM_SUCCESS
check "the version is the first one again (same text)" test "$(version_of orjan)" = "$v1"
check "authd stops cleanly" authd_stop
t_done
