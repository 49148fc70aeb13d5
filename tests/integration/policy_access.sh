#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Who has access, and through what: `authctl access list SYSTEM` and
# `authctl access user USER` against a real authd on the municipality
# directory with the example policy, and `authctl policy reload` keeping
# the old policy when the new one is broken.
set -u
. "$(dirname "$0")/../lib/authd.sh"

SRC_DIR=$(cd -- "$(dirname -- "$0")/../.." && pwd)
t_init noslapd
t_need python3
slapd_start "$T_DIR/slapd" "$SRC_DIR/tests/fixtures/municipality.ldif" ||
	{ echo "FAIL: slapd did not start"; exit 1; }
AUTHD_POLICY_DIR=$T_DIR/policy
mkdir -m 755 "$AUTHD_POLICY_DIR"
cp "$SRC_DIR"/policies/examples/*.policy "$AUTHD_POLICY_DIR/"
chmod 644 "$AUTHD_POLICY_DIR"/*.policy
export AUTHD_POLICY_DIR
authd_setup
authd_start
enroll bengt

# json_has FILE PYTHON-EXPR: true when the expression over `rows` holds.
json_has() {
	python3 -c 'import json,sys; rows=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

authctl access list ekonomi --format json >"$T_DIR/ekonomi.json"
check "access list ekonomi answers" test $? -eq 0
check "bengt is an attestant through ekonomi-attest" json_has "$T_DIR/ekonomi.json" \
	'any(r["user"]=="bengt" and r["role"]=="attestant" and r["path"]=="cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se" for r in rows)'
check "with the role's time window as a condition" json_has "$T_DIR/ekonomi.json" \
	'any(r["user"]=="bengt" and r["role"]=="attestant" and "when=kontorstid" in r.get("conditions","") for r in rows)'
check "bengt's token state is listed" json_has "$T_DIR/ekonomi.json" \
	'any(r["user"]=="bengt" and r.get("token")=="active" for r in rows)'
check "anna is a handlaggare through a nested group (path of two)" json_has "$T_DIR/ekonomi.json" \
	'any(r["user"]=="anna" and r["role"]=="handlaggare" and r["path"].count(" > ")==1 for r in rows)'
check "gustav (terminated) is listed as denied by the rule" json_has "$T_DIR/ekonomi.json" \
	'any(r["user"]=="gustav" and "denied-by=avslutade" in r.get("conditions","") for r in rows)'
check "sven (no role) is not listed" json_has "$T_DIR/ekonomi.json" \
	'not any(r["user"]=="sven" for r in rows)'
check "every row has user, role and path" json_has "$T_DIR/ekonomi.json" \
	'len(rows) > 5 and all(r.get("user") and r.get("role") and r.get("path") for r in rows)'

authctl access list ekonomi --format csv >"$T_DIR/ekonomi.csv"
check "csv: one line per json row, plus the header" \
	test "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1])))))' "$T_DIR/ekonomi.csv")" \
	= "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1])))+1)' "$T_DIR/ekonomi.json")"
out=$(authctl access list nosuch 2>&1)
check "access list of an unknown system: exit 1" test $? -eq 1
check "and says why" grep -q "unknown-system" <<<"$out"

authctl access user anna --format json >"$T_DIR/anna.json"
check "access user anna answers" test $? -eq 0
check "anna reaches ekonomi and ekonomi-rapport" json_has "$T_DIR/anna.json" \
	'{"ekonomi","ekonomi-rapport"} <= {r["system"] for r in rows}'
authctl access user hanna --format json >"$T_DIR/hanna.json"
check "hanna reaches hr through the posixGroup" json_has "$T_DIR/hanna.json" \
	'any(r["system"]=="hr" and "hr-lon" in r["path"] for r in rows)'
out=$(authctl access user nosuchuser 2>&1)
check "access user of an unknown user: exit 1" test $? -eq 1

# authctl policy reload: a broken policy is refused and named.
v1=$(authctl policy test bengt ekonomi | sed -n 's/^policy: //p')
printf 'system trasig {\n    owner anna\n    mfa sometimes\n}\n' >"$AUTHD_POLICY_DIR/zz.policy"
chmod 644 "$AUTHD_POLICY_DIR/zz.policy"
out=$(authctl policy reload 2>&1)
check "policy reload of a broken policy: exit 1" test $? -eq 1
check "names file and line" grep -q "zz.policy:3: mfa takes required, optional or classified" <<<"$out"
check "the old policy keeps serving" test "$(authctl policy test bengt ekonomi | sed -n 's/^policy: //p')" = "$v1"
rm -f "$AUTHD_POLICY_DIR/zz.policy"
sed -i 's/^    hours 07:00-18:00/    hours 07:00-19:00/' "$AUTHD_POLICY_DIR/global.policy"
out=$(authctl policy reload 2>&1)
check "policy reload of a good policy: exit 0" test $? -eq 0
v2=$(authctl policy test bengt ekonomi | sed -n 's/^policy: //p')
check "and decisions use the new version" test -n "$v2" -a "$v1" != "$v2"
check "audit: both reloads recorded" test "$(authctl audit list --event policy-reload --format csv | grep -c policy-reload)" -eq 2
check "authd stops cleanly" authd_stop
t_done
