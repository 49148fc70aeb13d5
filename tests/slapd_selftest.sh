#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Checks the test LDAP server (tests/lib/slapd.sh) and the directory
# fixture: the service account finds people and group memberships,
# non-ASCII values survive, access rules hide people from anonymous clients
# and passwords from everybody, and the server restarts with its data.
#
# Exit status: 0 pass, 1 fail, 77 skipped (OpenLDAP tools not installed).

set -u

here=$(cd -- "$(dirname -- "$0")" && pwd)

for tool in slapd slapadd ldapsearch ldapwhoami; do
	if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$tool" >/dev/null; then
		echo "SKIP: $tool is not installed"
		exit 77
	fi
done

# shellcheck source=lib/slapd.sh
. "$here/lib/slapd.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/slapd-selftest.XXXXXX") || exit 1
cleanup() {
	slapd_stop
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
pass() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }

# search AS_DN AS_PW BASE FILTER [ATTR...] -> LDIF on stdout, unwrapped
search() {
	local dn=$1 pw=$2 base=$3 filter=$4
	shift 4
	if [[ -n $dn ]]; then
		LDAPNOINIT=1 ldapsearch -x -LLL -o ldif-wrap=no -H "$LDAP_URI" \
			-D "$dn" -w "$pw" -b "$base" "$filter" "$@" 2>/dev/null
	else
		LDAPNOINIT=1 ldapsearch -x -LLL -o ldif-wrap=no -H "$LDAP_URI" \
			-b "$base" "$filter" "$@" 2>/dev/null
	fi
}
svc() { search "$LDAP_BIND_DN" "$LDAP_BIND_PW" "$@"; }
people="ou=people,dc=exempel,dc=se"
anna_dn="uid=anna,$people"

if ! slapd_start "$work"; then
	echo "FAIL slapd did not start"
	exit 1
fi
pass "slapd started: $LDAP_URI (pid $SLAPD_PID)"

# The service account finds anna.
out=$(svc "$people" "(uid=anna)" cn)
if grep -qx "dn: $anna_dn" <<<"$out" && grep -qx 'cn: Anna Andersson' <<<"$out"; then
	pass "service account finds uid=anna"
else
	fail "service account does not find uid=anna: $out"
fi

# ... and that anna is in pilot-users (member) and socialcare-users
# (uniqueMember), and cecilia in hr-users (memberUid); dag is in no group.
out=$(svc "cn=pilot-users,ou=groups,$LDAP_BASE" "(member=$anna_dn)" dn)
if grep -qx "dn: cn=pilot-users,ou=groups,$LDAP_BASE" <<<"$out"; then
	pass "anna is a member of pilot-users"
else
	fail "anna is not seen as a member of pilot-users: $out"
fi
out=$(svc "ou=groups,$LDAP_BASE" "(uniqueMember=$anna_dn)" cn)
grep -qx 'cn: socialcare-users' <<<"$out" &&
	pass "anna is a uniqueMember of socialcare-users" ||
	fail "socialcare-users lookup: $out"
out=$(svc "ou=groups,$LDAP_BASE" "(memberUid=cecilia)" cn)
grep -qx 'cn: hr-users' <<<"$out" &&
	pass "cecilia is a memberUid of hr-users" ||
	fail "hr-users lookup: $out"
out=$(svc "ou=groups,$LDAP_BASE" "(|(member=uid=dag,$people)(uniqueMember=uid=dag,$people)(memberUid=dag))" dn)
[[ -z $out ]] && pass "dag is in no group" || fail "dag is in a group: $out"
n=$(svc "cn=pilot-users,ou=groups,$LDAP_BASE" "(objectClass=*)" member | grep -c '^member: uid=race')
[[ $n -eq 40 ]] && pass "pilot-users has 40 race users" || fail "pilot-users has $n race users"

# Non-ASCII cn is stored base64-encoded and decodes to UTF-8.
b64=$(svc "$people" "(uid=orjan)" cn | sed -n 's/^cn:: //p')
cn=$(printf '%s' "$b64" | base64 -d 2>/dev/null)
if [[ $cn == "Örjan Öberg" ]]; then
	pass "orjan's cn decodes to Örjan Öberg"
else
	fail "orjan's cn is '$cn' (base64 '$b64')"
fi

# Anonymous clients see no people and nothing else.
out=$(search "" "" "$LDAP_BASE" "(uid=*)" dn)
if grep -q '^dn:' <<<"$out"; then
	fail "anonymous search returned entries: $out"
else
	pass "anonymous search returns no people"
fi

# Nobody reads password hashes, not even the service account.
out=$(svc "$people" "(uid=anna)" userPassword)
grep -qi '^userPassword' <<<"$out" &&
	fail "service account can read userPassword" ||
	pass "service account cannot read userPassword"

# People can bind with their password, read themselves but not others.
who=$(LDAPNOINIT=1 ldapwhoami -x -H "$LDAP_URI" -D "$anna_dn" -w Passw0rd-anna 2>&1)
[[ $who == "dn:$anna_dn" ]] && pass "anna binds with Passw0rd-anna" ||
	fail "anna cannot bind: $who"
LDAPNOINIT=1 ldapwhoami -x -H "$LDAP_URI" -D "$anna_dn" -w wrong >/dev/null 2>&1
rc=$?
[[ $rc -eq 49 ]] && pass "wrong password is rejected (49)" ||
	fail "wrong password gave exit $rc, want 49"
# (A user cannot see ou=people itself, so searches must start at their
# own entry; a search based at ou=people gets noSuchObject.)
out=$(search "$anna_dn" Passw0rd-anna "$anna_dn" "(objectClass=*)" uid userPassword)
if grep -qx 'uid: anna' <<<"$out" && ! grep -qi '^userPassword' <<<"$out"; then
	pass "anna reads her own entry, without userPassword"
else
	fail "anna's view of her own entry: $out"
fi
out=$(search "$anna_dn" Passw0rd-anna "uid=bertil,$people" "(objectClass=*)" uid)
out2=$(search "$anna_dn" Passw0rd-anna "$LDAP_BASE" "(uid=*)" dn)
if [[ -z $out && $(grep -c '^dn:' <<<"$out2") -le 1 ]] && ! grep -q bertil <<<"$out2"; then
	pass "anna cannot read other people"
else
	fail "anna sees others: $out $out2"
fi
who=$(LDAPNOINIT=1 ldapwhoami -x -H "$LDAP_URI" -D "uid=orjan,$people" -w Passw0rd-orjan 2>&1)
[[ $who == "dn:uid=orjan,$people" ]] && pass "orjan binds" || fail "orjan cannot bind: $who"

# Restart keeps port and data.
old_port=$LDAP_PORT
if slapd_restart; then
	out=$(svc "$people" "(uid=race40)" uid)
	if [[ $LDAP_PORT == "$old_port" ]] && grep -qx 'uid: race40' <<<"$out"; then
		pass "slapd_restart: same port $LDAP_PORT, data kept"
	else
		fail "after restart: port $LDAP_PORT (was $old_port), search: $out"
	fi
else
	fail "slapd_restart failed"
fi

pid=$SLAPD_PID
slapd_stop
if [[ -d /proc/$pid ]] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
	fail "slapd (pid $pid) still running after slapd_stop"
else
	pass "slapd_stop stopped pid $pid"
fi

if ((failures > 0)); then
	echo "$failures check(s) failed; end of the slapd log:"
	tail -n 20 -- "$work/slapd.log"
	exit 1
fi
echo "all checks passed"
exit 0
