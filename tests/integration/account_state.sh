#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Leavers stay out, and the trail says what happened.  A real slapd with
# the municipality's directory plus people whose accounts the directory
# disables in the ways real directories do (a leaver moved to
# ou=disabled, a past shadowExpire, OpenLDAP ppolicy's
# pwdAccountLockedTime, 389-ds nsAccountLock), all still in a group that
# grants a role:
#   - each is denied with its own reason in policy test and at a real
#     PAM login, and the auth record names it (bad password or not);
#   - access list, access user, policy test and a review snapshot agree
#     on every person of the directory, for every system;
#   - with the user base narrowed to ou=people the leaver is an
#     unknown-user member, listed and snapshotted as such, never kept;
#   - an over-long user name is a denial with a record.
set -u
. "$(dirname "$0")/../lib/authd.sh"

SRC_DIR=$(cd -- "$(dirname -- "$0")/../.." && pwd)
BASE=dc=exempel,dc=se
t_init noslapd
t_need python3 ldapsearch

# nsAccountLock is 389-ds schema; OpenLDAP learns it from this file.
cat >"$T_DIR/ns.schema" <<'EOF'
attributetype ( 2.16.840.1.113730.3.1.610 NAME 'nsAccountLock'
	EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15
	SINGLE-VALUE )
EOF
# ppolicy brings pwdAccountLockedTime.
export SLAPD_EXTRA_CONF="moduleload	ppolicy
include		$T_DIR/ns.schema"

today=$(($(date +%s) / 86400))
python3 - "$SRC_DIR/tests/fixtures/municipality.ldif" "$T_DIR/dir.ldif" "$today" <<'EOF'
import sys
src, dst, today = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(src).read().rstrip("\n") + "\n"
base = "dc=exempel,dc=se"
attest = "cn=ekonomi-attest,ou=grupper," + base
people = {
    # uid: (ou, extra lines)
    "lamnare": ("ou=disabled," + base, ["objectClass: shadowAccount",
             "shadowExpire: 1000"]),
    "utgangen": ("ou=people," + base, ["objectClass: shadowAccount",
             "shadowExpire: 19000"]),
    "ppsparr": ("ou=people," + base, ["pwdAccountLockedTime: 000001010000Z"]),
    "nslast": ("ou=people," + base, ["objectClass: extensibleObject",
             "nsAccountLock: TRUE"]),
    "aktiv": ("ou=people," + base, ["objectClass: shadowAccount",
             "shadowExpire: %d" % (today + 3650)]),
}
out = []
for block in text.split("\n\n"):
    lines = block.split("\n")
    out.append(block)
    if lines and lines[0] == "dn: " + attest:
        for uid, (ou, _) in people.items():
            out[-1] += "\nmember: uid=%s,%s" % (uid, ou)
out.append("dn: ou=disabled,%s\nobjectClass: organizationalUnit\nou: disabled" % base)
for uid, (ou, extra) in people.items():
    oc = [l for l in extra if l.startswith("objectClass:")]
    rest = [l for l in extra if not l.startswith("objectClass:")]
    out.append("\n".join(["dn: uid=%s,%s" % (uid, ou),
        "objectClass: inetOrgPerson"] + oc + ["uid: " + uid,
        "cn: " + uid.title(), "sn: " + uid.title(),
        "userPassword: pw-" + uid] + rest))
open(dst, "w").write("\n\n".join(out) + "\n")
EOF
slapd_start "$T_DIR/slapd" "$T_DIR/dir.ldif" ||
	{ echo "FAIL: slapd did not start"; exit 1; }

AUTHD_POLICY_DIR=$T_DIR/policy
mkdir -m 755 "$AUTHD_POLICY_DIR"
cp "$SRC_DIR"/policies/examples/*.policy "$AUTHD_POLICY_DIR/"
chmod 644 "$AUTHD_POLICY_DIR"/*.policy
export AUTHD_POLICY_DIR
# Hundreds of people are looked up at once (a review's snapshot): on a
# loaded machine that may take longer than the default directory timeout,
# which is not what this test is about (deadline.sh tests it).
export AUTHD_LDAP_TIMEOUT=10
# As packaging/authd.conf.example suggests: the whole tree.
authd_setup "ldap_disabled_base \"ou=disabled,$BASE\"" "ldap_cache_ttl 0"
pam_stack ekonomi "system=ekonomi"
authd_start

AT=2026-06-09T08:00:00Z	# a Tuesday, 10:00 in Stockholm: office hours
FROM=10.20.1.10		# the city network
declare -A WANT=([lamnare]=account-disabled [utgangen]=account-expired
	[ppsparr]=account-disabled [nslast]=account-disabled [aktiv]=ok)

for u in lamnare utgangen ppsparr nslast aktiv; do
	out=$(authctl policy test "$u" ekonomi --from $FROM --at $AT 2>&1)
	want=${WANT[$u]}
	check "policy test $u ekonomi: reason $want" \
		grep -qx "reason: $want" <<<"$out"
done

# A real login through libpam: the right password gets nobody in whose
# account the directory disables; the auth record names the real reason.  The directory password decides
# first on ekonomi, so a token is not even needed to show it.
login_reason() {	# USER PASSWORD -> the reason of the auth record
	"$PAM_DRIVER" -d "$T_DIR/pam" -s ekonomi -u "$1" -r $FROM \
		-a "$2" -a 123456 -e auth=PAM_AUTH_ERR auth >/dev/null 2>&1
	authctl audit list --format jsonl --limit 10000 |
		python3 -c 'import json,sys
recs=[json.loads(l) for l in sys.stdin if l.strip()]
a=[r for r in recs if r.get("event")=="auth" and r.get("user")==sys.argv[1]]
print(a[-1]["reason"] if a else "none")' "$1"
}
for u in lamnare utgangen ppsparr nslast; do
	r=$(login_reason "$u" "pw-$u")
	check "login $u (right password): auth record says ${WANT[$u]} (got $r)" \
		test "$r" = "${WANT[$u]}"
done
r=$(login_reason nosuchperson whatever)
check "login of an unknown user: auth record says unknown-user (got $r)" \
	test "$r" = unknown-user
r=$(login_reason aktiv wrong-password)
check "login with a wrong password: bad-password (got $r)" test "$r" = bad-password

out=$(authctl enroll lamnare 2>&1)
check "a disabled account cannot enroll" grep -q "account-disabled" <<<"$out"

# An over-long name is a denial, with a record.
long=$(printf 'x%.0s' {1..300})
"$PAM_DRIVER" -d "$T_DIR/pam" -s ekonomi -u "$long" -a pw -a 123456 \
	-e auth=PAM_AUTH_ERR -e acct=PAM_PERM_DENIED auth acct >"$T_DIR/long.out" 2>&1
check "a 300-byte user name: PAM_AUTH_ERR, then PAM_PERM_DENIED" test $? -eq 0 ||
	cat "$T_DIR/long.out"
check "and a bad-format record" grep -q '"reason":"bad-format"' \
	<(authctl audit list --format jsonl --limit 10000)

# One resolution: every person, every system.  policy test, access user,
# access list and a review snapshot must tell the same story.
users=$(ldapsearch -LLL -x -H "$LDAP_URI" -D "cn=admin,$BASE" -w admin-secret \
	-b "$BASE" '(objectClass=inetOrgPerson)' uid | sed -n 's/^uid: //p' | sort -u)
nusers=$(wc -l <<<"$users")
check "the directory has its people ($nusers)" test "$nusers" -gt 300
systems=$(grep -ho '^system [a-z-]*' "$AUTHD_POLICY_DIR"/*.policy | cut -d' ' -f2)
mkdir "$T_DIR/cmp"
for s in $systems; do
	authctl access list "$s" --format json >"$T_DIR/cmp/list.$s.json" ||
		fail "access list $s"
	authctl review start "$s" >/dev/null || fail "review start $s"
done
authctl review list --format json >"$T_DIR/cmp/reviews.json"
for id in $(python3 -c 'import json,sys; print(" ".join(str(r["id"]) for r in json.load(open(sys.argv[1]))))' "$T_DIR/cmp/reviews.json"); do
	authctl review show "$id" --format json >"$T_DIR/cmp/review.$id.json" ||
		fail "review show $id"
done
for u in $users; do
	authctl access user "$u" --format json >"$T_DIR/cmp/user.$u.json" 2>/dev/null ||
		echo '"denied"' >"$T_DIR/cmp/user.$u.json"
	for s in $systems; do
		authctl policy test "$u" "$s" --from $FROM --at $AT \
			>"$T_DIR/cmp/test.$u.$s" 2>&1
	done
done
python3 - "$T_DIR/cmp" "$users" "$systems" >"$T_DIR/cmp.out" 2>&1 <<'EOF'
import glob, json, os, sys
d, users, systems = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
bad = []
listed = {}	# (user, system) -> {role: account}
for s in systems:
    for r in json.load(open(os.path.join(d, "list.%s.json" % s))):
        listed.setdefault((r["user"], s), {})[r["role"]] = r.get("account")
items = {}
for f in glob.glob(os.path.join(d, "review.*.json")):
    rv = json.load(open(f))
    s = rv["campaign"]["system"]
    for it in rv["items"]:
        items[(it["user"], s, it["role"])] = it
for u in users:
    ua = json.load(open(os.path.join(d, "user.%s.json" % u)))
    held = {}
    if ua != "denied":
        for r in ua:
            held.setdefault(r["system"], {})[r["role"]] = r.get("account")
    for s in systems:
        t = {}
        for l in open(os.path.join(d, "test.%s.%s" % (u, s))):
            if l.startswith("trace:"):
                break
            k, _, v = l.rstrip("\n").partition(": ")
            t.setdefault(k, v)
        reason = t.get("reason", "?")
        lr = listed.get((u, s), {})
        hr = held.get(s, {})
        if ua != "denied" and lr != hr:
            bad.append("%s %s: access list %s, access user %s" % (u, s, lr, hr))
        states = set(lr.values())
        if reason.startswith("account-") and states != {reason} and lr:
            bad.append("%s %s: policy test %s, listed %s" % (u, s, reason, lr))
        if lr and "ok" in states and reason in ("no-role", "unknown-user") :
            bad.append("%s %s: listed as holder but policy test says %s" % (u, s, reason))
        if ua == "denied" and any(v != "unknown-user" for v in lr.values()):
            bad.append("%s %s: access user denied, listed %s" % (u, s, lr))
        if not lr and reason not in ("no-role", "unknown-user", "deny-rule",
                                     "unknown-system", "account-disabled",
                                     "account-expired"):
            bad.append("%s %s: not listed but policy test says %s" % (u, s, reason))
        for role, acct in lr.items():
            it = items.get((u, s, role))
            if it is None:
                continue	# revoked or shut out by a deny rule
            if it.get("account", "ok") != acct:
                bad.append("%s %s %s: review item %s, listed %s" % (u, s, role, it.get("account"), acct))
            if acct != "ok" and not it.get("recommendation", "").startswith("revoke"):
                bad.append("%s %s %s: %s item recommended %s" % (u, s, role, acct, it.get("recommendation")))
print("compared %d users x %d systems" % (len(users), len(systems)))
for b in bad[:40]:
    print("MISMATCH " + b)
sys.exit(1 if bad else 0)
EOF
rc=$?
cat "$T_DIR/cmp.out"
check "access list, access user, policy test and review agree for everyone" test $rc -eq 0
check "the leaver is listed as account-disabled on ekonomi" python3 -c '
import json,sys; rows=json.load(open(sys.argv[1]))
sys.exit(0 if any(r["user"]=="lamnare" and r.get("account")=="account-disabled" for r in rows) else 1)' "$T_DIR/cmp/list.ekonomi.json"

# The user base narrowed to ou=people: the leaver is a member the
# directory does not resolve.
authd_stop
LDAP_BASE=ou=people,$BASE authd_setup "ldap_group_base ou=grupper,$BASE" \
	"ldap_cache_ttl 0"
pam_stack ekonomi "system=ekonomi"
authd_start
out=$(authctl policy test lamnare ekonomi --from $FROM --at $AT 2>&1)
check "narrowed base: policy test lamnare is unknown-user" grep -qx "reason: unknown-user" <<<"$out"
authctl access list ekonomi --format json >"$T_DIR/narrow.json"
check "narrowed base: access list shows lamnare as unknown-user, not a holder" python3 -c '
import json,sys; rows=[r for r in json.load(open(sys.argv[1])) if r["user"]=="lamnare"]
sys.exit(0 if rows and all(r.get("account")=="unknown-user" for r in rows) else 1)' "$T_DIR/narrow.json"
id=$(authctl review start ekonomi | sed -n 's/^review \([0-9]*\) started.*/\1/p')
authctl review show "$id" --format json >"$T_DIR/narrow-review.json"
check "narrowed base: the review snapshots lamnare as unknown-user, to revoke" python3 -c '
import json,sys; it=[i for i in json.load(open(sys.argv[1]))["items"] if i["user"]=="lamnare"]
sys.exit(0 if it and all(i.get("account")=="unknown-user" and i["recommendation"].startswith("revoke") for i in it) else 1)' "$T_DIR/narrow-review.json"
authctl review close "$id" --default keep >/dev/null 2>&1
authctl review show "$id" --format json >"$T_DIR/narrow-closed.json"
check "closed with --default keep, lamnare is revoked, not kept" python3 -c '
import json,sys; it=[i for i in json.load(open(sys.argv[1]))["items"] if i["user"]=="lamnare"]
sys.exit(0 if it and all(i.get("decision")=="revoke" for i in it) else 1)' "$T_DIR/narrow-closed.json"

[[ $FAILURES -eq 0 ]] || exit 1
echo "all account-state checks passed"
