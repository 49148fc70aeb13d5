#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The contract of authctl's policy and access commands: policy test,
# policy reload, access list and access user against fake_authd (a
# stand-in for authd's admin socket with canned answers), and policy
# check on the policy files in POLICIES (no daemon).  Output layout byte
# for byte, exit statuses, what goes on the wire (fake_authd logs every
# request), --at and --from parsing, and CSV / JSON escaping.
#
#   policy_cli.sh AUTHCTL FAKE_AUTHD POLICIES
#
# Exit status: 0 pass, 1 fail, 77 skipped (python3 is not installed).

set -u

if [[ $# -ne 3 ]]; then
	echo "usage: $0 AUTHCTL FAKE_AUTHD POLICIES" >&2
	exit 2
fi
authctl=$1 fake=$2 policies=$3
# Some checks run in another directory.
[[ $authctl == /* ]] || authctl=$PWD/$authctl
[[ $fake == /* ]] || fake=$PWD/$fake
[[ $policies == /* ]] || policies=$PWD/$policies
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/policy-cli.XXXXXX") || exit 1
fake_pid=
stop_fake() {
	if [[ -n $fake_pid ]]; then
		kill "$fake_pid" 2>/dev/null
		wait "$fake_pid" 2>/dev/null
		fake_pid=
	fi
	rm -f "$work/sock"
}
trap 'stop_fake; rm -rf -- "$work"' EXIT
trap 'exit 1' INT TERM

failures=0
pass() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }

run() {
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
}
# expect WHAT RC: the last run exited RC
expect() {
	if [[ $rc -eq $2 ]]; then
		pass "$1"
	else
		fail "$1: exit $rc, expected $2"
		sed 's/^/     | /' "$work/err"
	fi
}
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
# same WHAT FILE: FILE holds exactly the text on standard input
same() {
	local what=$1 file=$2
	cat >"$work/want"
	if cmp -s "$work/want" "$file"; then
		pass "$what"
	else
		fail "$what"
		diff "$work/want" "$file" | sed 's/^/     | /'
	fi
}

# start_fake [MODE]: requests are logged to $work/dump.req
start_fake() {
	stop_fake
	"$fake" "$work/sock" 1 "$work/dump" ${1:-} &
	fake_pid=$!
	for _ in $(seq 100); do
		[[ -S $work/sock ]] && return
		sleep 0.05
	done
	echo "fake_authd did not start" >&2
	exit 1
}
ctl() { run "$authctl" -s "$work/sock" -t 5 "$@"; }
nreq() { if [[ -f $work/dump.req ]]; then wc -l <"$work/dump.req"; else echo 0; fi; }
lastreq() { tail -n 1 "$work/dump.req"; }

start_fake

# ---- policy test: the layout ----

ctl policy test anna ekonomi
expect "policy test: allow exits 0" 0
same "policy test: allow, every line" "$work/out" <<'EOF'
decision: allow
reason: ok
system: ekonomi
rule: system ekonomi role attestant
roles: attestant
grants: attestant: cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team "norr",ou=grupper,dc=exempel,dc=se
factors: password,totp (mfa required (classification I3 >= 2))
policy: 0123456789abcdef
detail: -
trace:
  system ekonomi: matched: by name, owner anna, classification C2 I3 A2
  deny deny avslutade: not matched: user not named, in no listed group
  deny system ekonomi deny konsulter-natt: not matched: -
  role attestant: matched: held via cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team "norr",ou=grupper,dc=exempel,dc=se
  role handlaggare: not matched: not in any of its groups
  factors password,totp: matched: mfa required (classification I3 >= 2)
  directory anna: matched: fresh
EOF
check "policy test: nothing on stderr" test ! -s "$work/err"
check "policy test: a local login at no given time sends USER and SYSTEM only" \
	test "$(lastreq)" = "policy-test user=anna system=ekonomi"

ctl policy test bo ekonomi
expect "policy test: deny exits 1" 1
same "policy test: deny is printed in full" "$work/out" <<'EOF'
decision: deny
reason: deny-rule
system: ekonomi
rule: deny avslutade
roles: -
grants: -
factors: -
policy: 0123456789abcdef
detail: member of cn=avslutade,ou=grupper,dc=exempel,dc=se
trace:
  system ekonomi: matched: by name, owner anna, classification C2 I3 A2
  deny deny avslutade: matched: member of cn=avslutade,ou=grupper,dc=exempel,dc=se
  factors password,totp: matched: mfa required (classification I3 >= 2)
  directory bo: matched: fresh
EOF
check "policy test: a deny is not an error message" test ! -s "$work/err"

ctl policy test anna okand
expect "policy test: unknown system exits 1" 1
same "policy test: unknown system, absent values as -" "$work/out" <<'EOF'
decision: deny
reason: unknown-system
system: -
rule: default-deny
roles: -
grants: -
factors: -
policy: 0123456789abcdef
detail: no system named okand
trace:
  system okand: not matched: no system named okand
  directory anna: matched: fresh
EOF

ctl policy test esc ekonomi
expect "policy test: control bytes" 0
check "policy test: text from authd is sanitised" bash -c "
	! grep -q \$'[\\x01-\\x08\\x0b-\\x1f\\x7f]' '$work/out' &&
	grep -qxF '  role attestant: matched: held via \\x1b[31mkontorstid\\x07' '$work/out'"

ctl policy test error ekonomi
expect "policy test: an error status exits 2" 2
check "policy test: ... with reason and message" \
	test "$(cat "$work/err")" = "authctl: policy test: internal-error: cannot write the answer"
check "policy test: ... and no decision on stdout" test ! -s "$work/out"

for who in flood auditrow badflag noreason; do
	ctl policy test "$who" ekonomi
	expect "policy test: a daemon that misbehaves ($who) exits 2" 2
	check "policy test: ... $who: a protocol error, no decision" bash -c "
		grep -q '^authctl: policy test: protocol error' '$work/err' &&
		test ! -s '$work/out'"
done

# ---- policy test: --at ----

# at_ok TIME MS: --at TIME sends TIME=MS
at_ok() {
	ctl policy test anna ekonomi --at "$1"
	if [[ $rc -eq 0 && "$(lastreq)" == "policy-test user=anna system=ekonomi time=$2" ]]; then
		pass "--at $1 is $2 ms"
	else
		fail "--at $1: exit $rc, sent: $(lastreq)"
		sed 's/^/     | /' "$work/err"
	fi
}
at_ok 2026-01-15T08:30Z 1768465800000
at_ok 2026-01-15T08:30:15Z 1768465815000
at_ok 2026-01-15T08:30:15+01:00 1768462215000
at_ok 2026-07-01T00:15-05:30 1782884700000
at_ok 2026-03-29T02:30+02:00 1774744200000
at_ok 2024-02-29T12:00+14:00 1709157600000
at_ok 2026-01-01T00:59:59+01:00 1767225599000
at_ok 1970-01-01T01:00+01:00 0
at_ok 1970-01-01T00:00Z 0
at_ok 9999-12-31T23:59:59Z 253402300799000
at_ok @1767225600 1767225600000
at_ok @0 0
at_ok @253402300799 253402300799000
# Options may come before the arguments too.
ctl policy test --at @60 anna ekonomi
check "--at before USER SYSTEM" test "$(lastreq)" = "policy-test user=anna system=ekonomi time=60000"

for bad in "2026-01-15T08:30" "2026-01-15T08:30:15" "2026-01-15 08:30Z" "2026-01-15" \
	"2026-02-30T08:00Z" "2025-02-29T08:00Z" "2026-13-01T08:00Z" "2026-01-15T24:00Z" \
	"2026-01-15T08:60Z" "2026-01-15T08:30:60Z" "2026-01-15T08:30+1:00" "2026-01-15T08:30+01" \
	"2026-01-15T08:30+0100" "2026-01-15T08:30+24:00" "2026-01-15T08:30+01:60" \
	"2026-01-15T08:30.5Z" "2026-01-15T08:30:15.250Z" "2026-01-15t08:30z" "2026-01-15T08:30Z " \
	" 2026-01-15T08:30Z" "1969-12-31T23:59Z" "1970-01-01T00:30+01:00" "10000-01-01T00:00Z" \
	"@-1" "@" "@abc" "@1.5" "@253402300800" "@99999999999999999999" "tomorrow" "" \
	"2026-01-15T08:30Z+01:00" "2026-01-15T08:30+01:00:00"; do
	before=$(nreq)
	ctl policy test anna ekonomi --at "$bad"
	if [[ $rc -eq 2 && $(nreq) -eq $before ]] &&
		grep -q '^authctl: policy test: --at: ' "$work/err"; then
		pass "--at '$bad' is a usage error, nothing sent"
	else
		fail "--at '$bad': exit $rc, $(($(nreq) - before)) request(s) sent"
	fi
done

# ---- policy test: --from ----

label63=$(printf 'a%.0s' $(seq 63))
host255="$label63.$label63.$label63.$(printf 'b%.0s' $(seq 63))"
for from in 10.20.1.5 2001:db8:20::5 ::ffff:10.20.1.5 ::1 host.exempel.se \
	ws-042 a_b.example "$host255"; do
	ctl policy test anna ekonomi --from "$from"
	if [[ $rc -eq 0 && "$(lastreq)" == "policy-test user=anna system=ekonomi rhost=$from" ]]; then
		pass "--from ${from:0:40} is sent as RHOST"
	else
		fail "--from ${from:0:40}: exit $rc, sent: $(lastreq | cut -c1-120)"
	fi
done
check "a 255-byte host name is the longest" test ${#host255} -eq 255
ctl policy test anna ekonomi --from 10.20.1.5 --at 2026-01-15T08:30Z
check "--from and --at together" \
	test "$(lastreq)" = "policy-test user=anna system=ekonomi rhost=10.20.1.5 time=1768465800000"

for bad in "$host255.c" "${host255}c" "$label63""x.example" "" "a b" "-bad.example" \
	"bad-.example" "10.0.0.256" "1.2.3" "host..example" ".example" "example." \
	"x;rm" "10.20.1.5/24" "fe80::1%eth0" $'host\x1b.example' "ho st"; do
	before=$(nreq)
	ctl policy test anna ekonomi --from "$bad"
	if [[ $rc -eq 2 && $(nreq) -eq $before ]] &&
		grep -q '^authctl: policy test: --from: ' "$work/err" &&
		! grep -q $'\x1b' "$work/err"; then
		pass "--from '${bad:0:40}' is a usage error, nothing sent"
	else
		fail "--from '${bad:0:40}': exit $rc, $(($(nreq) - before)) request(s) sent"
	fi
done

# ---- policy test: arguments ----

for args in "" "anna" "anna ekonomi extra" "a/b ekonomi" "-anna ekonomi" "anna x/y" \
	"anna ekonomi --from" "anna ekonomi --at" "anna ekonomi --bogus" \
	"anna $(printf 's%.0s' $(seq 65))" "$(printf 'u%.0s' $(seq 65)) ekonomi"; do
	before=$(nreq)
	# shellcheck disable=SC2086
	ctl policy test $args
	if [[ $rc -eq 2 && $(nreq) -eq $before && -s $work/err ]] &&
		grep -q '^authctl: policy test: ' "$work/err"; then
		pass "policy test ${args:0:40}: usage error, nothing sent"
	else
		fail "policy test ${args:0:40}: exit $rc"
	fi
done
ctl policy test "anna ekonomi" sys
expect "policy test: a user name with a space" 2
ctl policy test --help
check "policy test --help" bash -c "[[ $rc -eq 0 ]] && head -1 '$work/out' | grep -q '^usage: authctl policy test USER SYSTEM'"

# ---- policy reload ----

ctl policy reload
expect "policy reload" 0
same "policy reload: the new version" "$work/out" <<'EOF'
policy reloaded: version 0123456789abcdef
EOF
check "policy reload: sends nothing but the type" test "$(lastreq)" = "policy-reload"
ctl policy reload now
expect "policy reload with an argument is a usage error" 2
start_fake policyerror
ctl policy reload
expect "policy reload: a rejected policy exits 1" 1
check "policy reload: ... with file:line: message" \
	test "$(cat "$work/err")" = "authctl: policy reload: policy-error: ekonomi.policy:12: unknown window 'kvall'"
check "policy reload: ... and nothing on stdout" test ! -s "$work/out"
start_fake nover
ctl policy reload
expect "policy reload: a reply without a version is a protocol error" 2
start_fake

# ---- access list / access user ----

ctl access list ekonomi
expect "access list" 0
same "access list: the table, the path last" "$work/out" <<'EOF'
USER             ROLE             ACCOUNT          TOKEN   CONDITIONS               PATH
anna             attestant        ok               active  when\x20kontorstid;\x20from\x20stadsnat cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team "norr",ou=grupper,dc=exempel,dc=se
bo               handlaggare      ok               pending -                        cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se
cecilia          attestant        account-disabled none    when\x20natt;\x20denied\x20by\x20deny\x20avslutade =cn=\x1b[2Jx
EOF
check "access list: sends SYSTEM" test "$(lastreq)" = "access-list system=ekonomi"

ctl access list ekonomi --format csv
expect "access list --format csv" 0
same "access list: CSV, RFC 4180, in the column order" "$work/out" <<EOF
user,role,path,conditions,token,account$(printf '\r')
anna,attestant,"cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team ""norr"",ou=grupper,dc=exempel,dc=se",when kontorstid; from stadsnat,active,ok$(printf '\r')
bo,handlaggare,"cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se",,pending,ok$(printf '\r')
cecilia,attestant,'=cn=\x1b[2Jx,when natt; denied by deny avslutade,none,account-disabled$(printf '\r')
EOF
check "access list: CSV reads back" python3 - "$work/out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["user", "role", "path", "conditions", "token", "account"], rows[0]
assert rows[3][5] == "account-disabled", rows[3]
assert rows[1][2] == 'cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team "norr",ou=grupper,dc=exempel,dc=se', rows[1]
assert rows[2][3] == "" and len(rows) == 4, rows
PY

ctl access list ekonomi --format json
expect "access list --format json" 0
same "access list: JSON, one array, an object a line" "$work/out" <<'EOF'
[
{"user":"anna","role":"attestant","path":"cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team \"norr\",ou=grupper,dc=exempel,dc=se","conditions":"when kontorstid; from stadsnat","token":"active","account":"ok"},
{"user":"bo","role":"handlaggare","path":"cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se","token":"pending","account":"ok"},
{"user":"cecilia","role":"attestant","path":"=cn=\u001b[2Jx","conditions":"when natt; denied by deny avslutade","token":"none","account":"account-disabled"}
]
EOF
check "access list: JSON reads back" python3 - "$work/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows[0]["path"] == 'cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team "norr",ou=grupper,dc=exempel,dc=se'
assert "conditions" not in rows[1] and rows[2]["path"] == "=cn=\x1b[2Jx"
PY

ctl access list tom
check "access list of nobody: the header alone" bash -c "[[ $rc -eq 0 && \$(cat '$work/out') == 'USER '*' PATH' ]]"
ctl access list tom --format json
check "access list of nobody: an empty JSON array" bash -c "[[ $rc -eq 0 && \$(cat '$work/out') == '[]' ]]"
ctl access list tom --format csv
check "access list of nobody: the CSV header alone" bash -c "[[ $rc -eq 0 && \$(cat '$work/out') == user,role,path,conditions,token,account$'\\r' ]]"

ctl access list okand
expect "access list of an unknown system exits 1" 1
check "... says why" test "$(cat "$work/err")" = "authctl: access list: unknown-system: no such system"
ctl access list badcount --format json
expect "access list: a COUNT that disagrees is a protocol error" 2
check "... and the JSON array is left open" bash -c "! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' '$work/out' 2>/dev/null"
ctl access list norole
expect "access list: a row without a role is a protocol error" 2

ctl access user anna
expect "access user" 0
same "access user: the table" "$work/out" <<'EOF'
SYSTEM           ROLE             ACCOUNT          CONDITIONS               PATH
ekonomi          attestant        ok               when\x20kontorstid;\x20from\x20stadsnat cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team "norr",ou=grupper,dc=exempel,dc=se
pilot            operator         ok               -                        cn=pilot-ops,ou=grupper,dc=exempel,dc=se
EOF
check "access user: sends USER" test "$(lastreq)" = "access-user user=anna"
ctl access user anna --format csv
same "access user: CSV" "$work/out" <<EOF
system,role,path,conditions,account$(printf '\r')
ekonomi,attestant,"cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team ""norr"",ou=grupper,dc=exempel,dc=se",when kontorstid; from stadsnat,ok$(printf '\r')
pilot,operator,"cn=pilot-ops,ou=grupper,dc=exempel,dc=se",,ok$(printf '\r')
EOF
ctl access user anna --format json
check "access user: JSON" python3 - "$work/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["system"] for r in rows] == ["ekonomi", "pilot"], rows
assert set(rows[1]) == {"system", "role", "path", "account"}, rows[1]
PY
ctl access user nobody
expect "access user of an unknown user exits 1" 1
ctl access user tom --format json
check "access user of nobody: []" bash -c "[[ $rc -eq 0 && \$(cat '$work/out') == '[]' ]]"

for args in "list" "user" "list ekonomi extra" "list 'x y'" "list -- -ekonomi" "user a/b" \
	"list ekonomi --format xml" "list ekonomi --format" "user anna --bogus" "bogus" ""; do
	before=$(nreq)
	eval ctl access "$args"
	if [[ $rc -eq 2 && $(nreq) -eq $before && -s $work/err ]]; then
		pass "access $args: usage error, nothing sent"
	else
		fail "access $args: exit $rc"
	fi
done

# ---- help ----

for sub in "policy check" "policy reload" "policy test" "access list" "access user"; do
	# shellcheck disable=SC2086
	ctl $sub --help
	check "$sub --help" bash -c "[[ $rc -eq 0 ]] && head -1 '$work/out' | grep -q '^usage: authctl $sub'"
done
for cmd in policy access; do
	ctl help "$cmd"
	check "help $cmd" bash -c "[[ $rc -eq 0 ]] && head -1 '$work/out' | grep -q '^usage: authctl $cmd '"
	ctl "$cmd"
	expect "$cmd without a subcommand is a usage error" 2
done
ctl help
check "help lists policy and access" bash -c "grep -q '^  policy test USER SYSTEM' '$work/out' && grep -q '^  access list SYSTEM' '$work/out'"

stop_fake
ctl policy test anna ekonomi
expect "policy test without a daemon exits 2" 2
ctl access list ekonomi
expect "access list without a daemon exits 2" 2

# ---- policy check (no daemon: the socket is gone by now) ----

version_re='[0-9a-f]{16}'
ctl policy check -d "$policies/good"
expect "policy check -d DIR" 0
check "policy check: one line, N systems and the version" \
	grep -Eqx "policy OK: 2 systems, version $version_re" "$work/out"
v1=$(cat "$work/out")
ctl policy check --dir "$policies/good"
check "policy check: the same policy has the same version" test "$(cat "$work/out")" = "$v1"
ctl policy check "$policies/good/00-global.policy" "$policies/good/10-system.policy"
expect "policy check FILE FILE" 0
check "policy check FILE FILE: the same systems" grep -Eqx "policy OK: 2 systems, version $version_re" "$work/out"

# check_bad FILE MESSAGE: policy check FILE exits 1 with exactly MESSAGE
check_bad() {
	(cd "$policies/bad" && "$authctl" policy check "$1") >"$work/out" 2>"$work/err"
	rc=$?
	if [[ $rc -eq 1 && "$(cat "$work/err")" == "authctl: policy check: $2" && ! -s $work/out ]]; then
		pass "policy check $1: exit 1, '$2'"
	else
		fail "policy check $1: exit $rc, stderr: $(cat "$work/err")"
	fi
}
check_bad unknown-window.policy "unknown-window.policy:11: unknown window \"kvall\""
check_bad unknown-keyword.policy "unknown-keyword.policy:5: \"klassning\" is not allowed in a system"
check_bad unclosed.policy "unclosed.policy:3: block is not closed by the end of the file"
ctl policy check -d "$policies/bad"
expect "policy check of a directory with errors" 1
check "... the first error, one line" bash -c "[[ \$(wc -l <'$work/err') -eq 1 ]] && grep -Eq '^authctl: policy check: .*/bad/unclosed\\.policy:3: ' '$work/err'"

mkdir "$work/empty"
ctl policy check -d "$work/empty"
expect "policy check of a directory without *.policy files" 1
ctl policy check -d "$work/missing"
expect "policy check of a missing directory exits 2" 2
check "... naming it" grep -q "^authctl: policy check: $work/missing: No such file or directory\$" "$work/err"
ctl policy check "$work/missing.policy"
expect "policy check of a missing file exits 2" 2
cp "$policies/bad/unclosed.policy" "$work/"$'esc\x1b[2J.policy'
(cd "$work" && "$authctl" policy check $'esc\x1b[2J.policy') >"$work/out" 2>"$work/err"
rc=$?
expect "policy check: a file name with a control byte" 1
check "... is sanitised in the message" bash -c "! grep -q \$'\\x1b' '$work/err' && grep -qF 'esc\\x1b[2J.policy:3: ' '$work/err'"
ctl policy check -d "$policies/good" "$policies/good/00-global.policy"
expect "policy check -d DIR FILE is a usage error" 2
ctl policy check -d
expect "policy check -d without DIR is a usage error" 2
ctl policy check -d ""
expect "policy check -d '' is a usage error" 2
ctl policy check ""
expect "policy check '' is a usage error" 2
ctl policy check --bogus
expect "policy check --bogus is a usage error" 2
# More files than a policy may have.
many=()
for i in $(seq 257); do many+=("$policies/good/00-global.policy"); done
ctl policy check "${many[@]}"
expect "policy check of 257 files is a usage error" 2
# The default directory is the installed one; only its absence is known here.
if [[ ! -e /etc/authd/policy.d ]]; then
	ctl policy check
	expect "policy check without arguments reads the default directory" 2
	check "... and names it" grep -q "^authctl: policy check: /etc/authd/policy.d: " "$work/err"
fi

echo "$failures failure(s)"
[[ $failures -eq 0 ]]
