#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The contract of "authctl review" and "authctl revocation" against
# fake_authd (a stand-in for authd with canned review answers): output
# byte for byte, exit statuses, what goes on the wire (fake_authd logs
# every request, secrets as their length), --due parsing, the identity
# proof of --as (from standard input, and from a terminal with echo off),
# the socket choice, and the evidence reports: the HTML page is
# self-contained and escapes hostile text, CSV and JSON read back, -o
# writes a whole file of mode 0640 or none.  Every authctl runs in a
# session of its own (setsid), without a controlling terminal, so that
# --as reads standard input as it does under cron.
#
#   review_cli.sh AUTHCTL FAKE_AUTHD
#
# Exit status: 0 pass, 1 fail, 77 skipped (python3 or setsid is missing).

set -u

if [[ $# -ne 2 ]]; then
	echo "usage: $0 AUTHCTL FAKE_AUTHD" >&2
	exit 2
fi
authctl=$1 fake=$2
[[ $authctl == /* ]] || authctl=$PWD/$authctl
[[ $fake == /* ]] || fake=$PWD/$fake
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
command -v setsid >/dev/null 2>&1 || { echo "SKIP: setsid is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/review-cli.XXXXXX") || exit 1
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

# run CMD...: standard input from $work/in (empty unless a test wrote it)
run() {
	setsid -w "$@" <"$work/in" >"$work/out" 2>"$work/err"
	rc=$?
	: >"$work/in"
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
ctl() { run "$authctl" --review-socket "$work/sock" -t 5 "$@"; }
nreq() { if [[ -f $work/dump.req ]]; then wc -l <"$work/dump.req"; else echo 0; fi; }
lastreq() { tail -n 1 "$work/dump.req"; }
# usage WHAT ARGS...: a usage error (exit 2, a message), nothing sent
usage() {
	local what=$1 before
	shift
	before=$(nreq)
	ctl "$@"
	if [[ $rc -eq 2 && $(nreq) -eq $before && -s $work/err ]] &&
		grep -q '^authctl: ' "$work/err"; then
		pass "$what: usage error, nothing sent"
	else
		fail "$what: exit $rc, $(($(nreq) - before)) request(s) sent"
		sed 's/^/     | /' "$work/err"
	fi
}

: >"$work/in"
start_fake

# ---- review start ----

ctl review start ekonomi
expect "review start SYSTEM" 0
same "review start: one line per review" "$work/out" <<'EOF'
review 12 started: system ekonomi, owner anna, 37 items, due 2026-12-31
EOF
check "review start: sends SYSTEM alone" test "$(lastreq)" = "review-start system=ekonomi"
check "review start: nothing on stderr" test ! -s "$work/err"

ctl review start --all --due 2026-12-31
expect "review start --all" 0
same "review start --all: every review started" "$work/out" <<'EOF'
review 12 started: system ekonomi, owner anna, 37 items, due 2026-12-31
review 13 started: system pilot, owner bo, 1 item, due 2026-12-31
review 14 started: system lon, owner cecilia, 0 items, due 2026-12-31
EOF
check "review start --all: ALL and DUE" test "$(lastreq)" = "review-start all=1 due=1798761600000"

ctl review start pilot
same "review start: a due time authd chose is an instant" "$work/out" <<'EOF'
review 12 started: system pilot, owner bo, 1 item, due 2026-05-01T06:00:00Z
EOF

# due_ok DATE MS: --due DATE sends DUE=MS
due_ok() {
	ctl review start ekonomi --due "$1"
	if [[ $rc -eq 0 && "$(lastreq)" == "review-start system=ekonomi due=$2" ]]; then
		pass "--due $1 is $2 ms"
	else
		fail "--due $1: exit $rc, sent: $(lastreq)"
		sed 's/^/     | /' "$work/err"
	fi
}
# A day is due at its end: 00:00 UTC of the next day.
due_ok 2026-12-31 1798761600000
due_ok 2027-01-01T00:00Z 1798761600000
due_ok 2026-12-31T12:00+01:00 1798714800000
due_ok 2026-12-31T23:59:59-05:00 1798779599000
due_ok 2024-02-29 1709251200000
due_ok 2026-02-28 1772323200000
due_ok 1970-01-01 86400000
due_ok 9999-12-30 253402214400000
due_ok @1798761600 1798761600000
# Ten bytes, but not a day.
due_ok @123456789 123456789000
ctl review start ekonomi --due 2026-12-31T12:00+01:00
same "--due with a time: the instant is shown" "$work/out" <<'EOF'
review 12 started: system ekonomi, owner anna, 37 items, due 2026-12-31T11:00:00Z
EOF

for bad in 2026-02-30 2025-02-29 2026-13-01 2026-00-10 2026-12-00 31/12/2026 2026-1-01 \
	"2026-12-31T12:00" "2026-12-31 12:00Z" 2026-12-31x 2026-12-31T24:00Z "2026-12-31T12:00+1" \
	1969-12-31 9999-12-31 "@-1" "@" "@x" tomorrow "" " 2026-12-31" 20261231; do
	before=$(nreq)
	ctl review start ekonomi --due "$bad"
	if [[ $rc -eq 2 && $(nreq) -eq $before ]] &&
		grep -q '^authctl: review start: --due: ' "$work/err"; then
		pass "--due '$bad' is a usage error, nothing sent"
	else
		fail "--due '$bad': exit $rc, $(($(nreq) - before)) request(s) sent"
	fi
done

ctl review start okand
expect "review start of an unknown system exits 1" 1
check "... with reason and message" \
	test "$(cat "$work/err")" = "authctl: review start: unknown-system: no such system in the policy"
check "... and nothing on stdout" test ! -s "$work/out"
ctl review start half
expect "review start: a failure after a review started exits 1" 1
same "... and the review that did start was printed" "$work/out" <<'EOF'
review 12 started: system ekonomi, owner anna, 37 items, due 2026-12-31
EOF
check "... then the reason" grep -q '^authctl: review start: directory-unavailable: ' "$work/err"
ctl review start badcount
expect "review start: a COUNT that disagrees is a protocol error" 2
check "... said so" grep -q '^authctl: review start: protocol error: 1 rows, but authd counted 2$' "$work/err"

usage "review start without a system" review start
usage "review start with two systems" review start ekonomi pilot
usage "review start SYSTEM --all" review start --all ekonomi
usage "review start with a bad system name" review start 'a/b'
usage "review start with a long system name" review start "$(printf 's%.0s' $(seq 65))"
usage "review start --due without a value" review start ekonomi --due
usage "review start --bogus" review start ekonomi --bogus
usage "review start -s (a global option)" review start ekonomi -s x

start_fake nosystems
ctl review start --all
expect "review start --all without systems" 0
same "... says so" "$work/out" <<'EOF'
no review started: the policy has no systems
EOF
start_fake

# ---- review list ----

ctl review list
expect "review list" 0
same "review list: the table, the due time last" "$work/out" <<'EOF'
ID    SYSTEM           OWNER        STATE    STARTED    CLOSED     ITEMS DECIDED DUE
10    lon              cecilia      closed   2026-04-01 2026-07-02 2     2       2026-04-30
11    pilot            bo           overdue  2026-04-01 -          1     0       2026-05-01T06:00:00Z
12    ekonomi          anna         open     2026-10-01 -          4     2       2026-12-31
EOF
check "review list: STATE all" test "$(lastreq)" = "review-list state=all"
ctl review list --open
check "review list --open: STATE open" bash -c "[[ $rc -eq 0 && '$(lastreq)' == 'review-list state=open' ]] && [[ \$(wc -l <'$work/out') -eq 3 ]]"
ctl review list --overdue
check "review list --overdue: STATE overdue" bash -c "[[ $rc -eq 0 && '$(lastreq)' == 'review-list state=overdue' ]] && [[ \$(wc -l <'$work/out') -eq 2 ]]"

ctl review list --format csv
expect "review list --format csv" 0
same "review list: CSV with the instants" "$work/out" <<EOF
id,system,owner,state,started,due,closed,items,decided$(printf '\r')
10,lon,cecilia,closed,2026-04-01T06:00:00Z,2026-05-01T00:00:00Z,2026-07-02T10:00:00Z,2,2$(printf '\r')
11,pilot,bo,overdue,2026-04-01T06:00:00Z,2026-05-01T06:00:00Z,,1,0$(printf '\r')
12,ekonomi,anna,open,2026-10-01T06:00:00Z,2027-01-01T00:00:00Z,,4,2$(printf '\r')
EOF
ctl review list --format json
expect "review list --format json" 0
same "review list: JSON, an absent close left out" "$work/out" <<'EOF'
[
{"id":10,"system":"lon","owner":"cecilia","state":"closed","started":"2026-04-01T06:00:00Z","due":"2026-05-01T00:00:00Z","closed":"2026-07-02T10:00:00Z","items":2,"decided":2},
{"id":11,"system":"pilot","owner":"bo","state":"overdue","started":"2026-04-01T06:00:00Z","due":"2026-05-01T06:00:00Z","items":1,"decided":0},
{"id":12,"system":"ekonomi","owner":"anna","state":"open","started":"2026-10-01T06:00:00Z","due":"2027-01-01T00:00:00Z","items":4,"decided":2}
]
EOF
check "review list: JSON reads back" python3 - "$work/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert [r["id"] for r in rows] == [10, 11, 12] and "closed" not in rows[2], rows
PY
printf 'pw\n123456\n' >"$work/in"
ctl review list --as tom --format json
check "review list of nobody's reviews: []" bash -c "[[ $rc -eq 0 && \$(cat '$work/out') == '[]' ]]"

usage "review list --open --overdue" review list --open --overdue
usage "review list with an argument" review list ekonomi
usage "review list --format xml" review list --format xml
usage "review list --format html" review list --format html

# ---- review show ----

ctl review show 12
expect "review show" 0
same "review show: the campaign, then the items" "$work/out" <<'EOF'
review 12: ekonomi
description:    Ekonomisystemet <Raindance> & "l\xc3\xb6n"
owner:          anna
classification: C3 I3 A2
policy:         0123456789abcdef
state:          open
started:        2026-10-01T06:00:00Z by root
due:            2026-12-31
closed:         -
default:        -
audit head:     -
items:          4 (2 decided)

USER         ROLE             TOKEN    LAST LOGIN RECOMMEND DECIDES           DECISION
anna         attestant        active   2026-09-30 keep      security function -
  via: cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se > cn=team "norr",ou=grupper,dc=exempel,dc=se
bo           handlaggare      pending  never      revoke    owner             revoke
  recommendation: revoke (no login on record)
  decided by anna at 2026-10-05T09:12:00Z
  comment: <script>alert(1)</script> & "x"
  via: cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se
cecilia      attestant        none     2026-05-01 revoke    owner             keep
  recommendation: revoke (no login in 90 days)
  decided by anna at 2026-10-06T10:00:00Z
  comment: =SUM(A1) vikarie f\xc3\xb6r \xc3\x96rjan, "tillf\xc3\xa4lligt"
  via: cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se
dag          granskare        active   2026-10-07 keep      owner             -
  via: =cn=\x1b[2Jx
EOF
check "review show: sends REVIEW" test "$(lastreq)" = "review-show review=12"
check "review show: no raw control byte reaches the terminal" bash -c "! grep -q \$'[\\x01-\\x08\\x0b-\\x1f\\x7f]' '$work/out'"

ctl review show 10
expect "review show of a closed review" 0
same "review show: closed, with the default and the chain head" "$work/out" <<'EOF'
review 10: lon
description:    -
owner:          cecilia
classification: C3 I3 A2
policy:         0123456789abcdef
state:          closed
started:        2026-04-01T06:00:00Z by root
due:            2026-04-30
closed:         2026-07-02T10:00:00Z by root
default:        revoke
audit head:     seq 4711, hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
items:          2 (2 decided)

USER         ROLE             TOKEN    LAST LOGIN RECOMMEND DECIDES           DECISION
erik         lonehandlaggare  active   2026-06-20 keep      owner             keep
  decided by cecilia at 2026-07-01T10:00:00Z
  comment: arbetar med l\xc3\xb6ner
  via: cn=lon,ou=grupper,dc=exempel,dc=se
frida        lonechef         none     never      revoke    owner             revoke (default)
  recommendation: revoke (no login on record)
  decided by root at 2026-07-02T10:00:00Z, the default at close
  comment: closed with --default revoke
  remediation: removed from cn=lon-chefer,ou=grupper,dc=exempel,dc=se
  via: cn=lon-chefer,ou=grupper,dc=exempel,dc=se
EOF
ctl review show 14
expect "review show of a review without items" 0
check "... ends with the item count" test "$(tail -n 1 "$work/out")" = "items:          0 (0 decided)"

ctl review show 13
expect "review show of someone else's review exits 1" 1
check "... with reason and message" \
	test "$(cat "$work/err")" = "authctl: review show: forbidden: only the system owner or the security function may act on this review"
ctl review show 99
expect "review show of no review exits 1" 1
check "... not-found" test "$(cat "$work/err")" = "authctl: review show: not-found: no such review"
ctl review show 9223372036854775807
expect "review show 2^63-1 is sent" 1
for id in 77 78 79 80; do
	ctl review show "$id"
	if [[ $rc -eq 2 && ! -s $work/out ]] &&
		grep -q '^authctl: review show: protocol error: ' "$work/err"; then
		pass "review show $id: a daemon that misbehaves is a protocol error, nothing shown"
	else
		fail "review show $id: exit $rc"
	fi
done
for id in 0 -1 abc 9223372036854775808 "" 1.5 " 12"; do
	usage "review show '$id'" review show "$id"
done
usage "review show without an id" review show
usage "review show with two ids" review show 12 13
usage "review show --format html" review show 12 --format html

ctl review show 12 --format csv
cp "$work/out" "$work/show.csv"
ctl review report 12 --format csv
check "review show --format csv is the report's CSV" cmp -s "$work/out" "$work/show.csv"
ctl review show 12 --format json
cp "$work/out" "$work/show.json"
ctl review report 12 --format json
check "review show --format json is the report's JSON" cmp -s "$work/out" "$work/show.json"

# ---- review decide ----

ctl review decide 12 dag revoke --comment "slutade i augusti"
expect "review decide revoke" 0
same "review decide: authd's answer" "$work/out" <<'EOF'
review 12, dag: revoked; in force now
EOF
check "review decide: REVIEW USER DECISION COMMENT" \
	test "$(lastreq)" = "review-decide review=12 user=dag decision=revoke comment=slutade i augusti"
ctl review decide 12 dag keep --role granskare
same "review decide keep --role" "$work/out" <<'EOF'
review 12, dag (role granskare): kept
EOF
check "review decide: ROLE" test "$(lastreq)" = "review-decide review=12 user=dag decision=keep role=granskare"
ctl review decide 12 dag keep --comment "$(printf '\303\226rjan vikarierar')"
check "review decide: a UTF-8 comment is sent as it is" \
	test "$(lastreq)" = 'review-decide review=12 user=dag decision=keep comment=\xc3\x96rjan vikarierar'
c1000=$(printf 'x%.0s' $(seq 1000))
ctl review decide 12 dag keep --comment "$c1000"
check "review decide: a comment of 1000 bytes is sent" bash -c "[[ $rc -eq 0 ]] && grep -q 'comment=x\\{1000\\}\$' '$work/dump.req'"

ctl review decide 12 anna keep
expect "review decide on the owner's own access exits 1" 1
check "... with authd's reason" \
	test "$(cat "$work/err")" = "authctl: review decide: forbidden: nobody decides on their own access: this item is for the security function (admin_group)"
ctl review decide 10 dag keep
expect "review decide in a closed review exits 1" 1
check "... says so" test "$(cat "$work/err")" = "authctl: review decide: bad-request: the review is closed"
ctl review decide 12 bo keep
expect "review decide of a decided item exits 1" 1

usage "review decide maybe" review decide 12 dag maybe
usage "review decide KEEP" review decide 12 dag KEEP
usage "review decide without a decision" review decide 12 dag
usage "review decide with too much" review decide 12 dag keep now
usage "review decide with a bad user" review decide 12 'a b' keep
usage "review decide with a bad id" review decide x dag keep
usage "review decide --role with a bad name" review decide 12 dag keep --role 'a b'
usage "review decide: a comment of two lines" review decide 12 dag revoke --comment $'one\ntwo'
usage "review decide: a comment with CR" review decide 12 dag revoke --comment $'one\rtwo'
usage "review decide: a comment with ESC" review decide 12 dag revoke --comment $'red \e[31m'
usage "review decide: a comment that is not UTF-8" review decide 12 dag revoke --comment $'\xe5\xe4\xf6'
usage "review decide: a comment of 1001 bytes" review decide 12 dag revoke --comment "${c1000}x"
usage "review decide: an empty comment" review decide 12 dag revoke --comment ""
check "... the long comment is not repeated" bash -c "! grep -q xxxxxxxxxx '$work/err'"

# ---- review close ----

ctl review close 12
expect "review close with undecided items exits 1" 1
check "... authd says what to do" \
	test "$(cat "$work/err")" = "authctl: review close: bad-request: 2 items are undecided: decide them, or close with --default keep or --default revoke"
check "review close: REVIEW alone" test "$(lastreq)" = "review-close review=12"
ctl review close 12 --default revoke
expect "review close --default revoke" 0
same "review close: authd's answer" "$work/out" <<'EOF'
review 12: closed: 1 kept, 3 revoked (2 by default)
EOF
check "review close: DEFAULT" test "$(lastreq)" = "review-close review=12 default=revoke"
usage "review close --default maybe" review close 12 --default maybe
usage "review close without an id" review close
usage "review close --default without a value" review close 12 --default

# ---- revocation list / lift ----

ctl revocation list
expect "revocation list" 0
same "revocation list: the table" "$work/out" <<'EOF'
SYSTEM           USER             ROLE             REVIEW REVOKED    BY
ekonomi          bo               handlaggare      12     2026-10-05 anna
lon              frida            lonechef         10     2026-07-02 root
EOF
check "revocation list: no SYSTEM" test "$(lastreq)" = "revocation-list"
ctl revocation list lon --format csv
same "revocation list SYSTEM --format csv" "$work/out" <<EOF
system,user,role,review,revoked,by$(printf '\r')
lon,frida,lonechef,10,2026-07-02T10:00:00Z,root$(printf '\r')
EOF
check "revocation list: SYSTEM" test "$(lastreq)" = "revocation-list system=lon"
ctl revocation list --format json
check "revocation list --format json reads back" python3 - "$work/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert rows[0] == {"system": "ekonomi", "user": "bo", "role": "handlaggare",
    "review": 12, "revoked": "2026-10-05T09:12:00Z", "by": "anna"}, rows
PY
usage "revocation list with a bad system" revocation list 'a;b'
usage "revocation list with two systems" revocation list ekonomi lon

usage "revocation lift without --comment" revocation lift ekonomi bo
check "... says the comment is required" grep -q '^authctl: revocation lift: --comment TEXT is required' "$work/err"
ctl revocation lift ekonomi bo --comment "tillbaka efter utredning"
expect "revocation lift" 0
same "revocation lift: authd's answer" "$work/out" <<'EOF'
revocation of bo on ekonomi: lifted
EOF
check "revocation lift: SYSTEM USER COMMENT" \
	test "$(lastreq)" = "revocation-lift system=ekonomi user=bo comment=tillbaka efter utredning"
ctl revocation lift ekonomi bo --role handlaggare --comment "ok"
same "revocation lift --role" "$work/out" <<'EOF'
revocation of bo on ekonomi (role handlaggare): lifted
EOF
ctl revocation lift lon bo --comment "x"
expect "revocation lift of nothing exits 1" 1
check "... not-found" test "$(cat "$work/err")" = "authctl: revocation lift: not-found: no revocation in force matches"
usage "revocation lift without a user" revocation lift ekonomi --comment x
usage "revocation lift with a bad user" revocation lift ekonomi '(bo)' --comment x
usage "revocation lift: an empty comment" revocation lift ekonomi bo --comment ""
usage "revocation lift: a comment of two lines" revocation lift ekonomi bo --comment $'a\nb'

# ---- --as: the identity proof ----

pw=$(printf 'hemligt l\303\266senord')
printf '%s\n907153\n' "$pw" >"$work/in"
ctl review show 12 --as anna
expect "--as reads the password and the code from standard input" 0
check "--as sends AS, PASSWORD and CODE" \
	test "$(lastreq)" = "review-show review=12 as=anna password=<17 bytes> code=<6 bytes>"
check "--as prompts on stderr" bash -c "grep -qx 'Password for anna: ' '$work/err' && grep -qx 'Verification code: ' '$work/err'"
check "--as: the secrets appear nowhere" bash -c "! grep -rq -e hemligt -e 907153 '$work/out' '$work/err' '$work/dump.req'"
printf 'pw\r\n12345678\r\n' >"$work/in"
ctl review start ekonomi --as anna
check "--as: CRLF line ends are dropped" \
	test "$(lastreq)" = "review-start system=ekonomi as=anna password=<2 bytes> code=<8 bytes>"
printf 'pw\n123456\n' >"$work/in"
ctl revocation lift ekonomi bo --comment x --as root-admin
check "--as on revocation lift" \
	test "$(lastreq)" = "revocation-lift system=ekonomi user=bo comment=x as=root-admin password=<2 bytes> code=<6 bytes>"
printf 'pw\n123456\n' >"$work/in"
ctl review decide 12 dag keep --as anna
check "--as on review decide" bash -c "[[ $rc -eq 0 ]] && [[ '$(lastreq)' == *' as=anna password=<2 bytes> code=<6 bytes>' ]]"
printf 'pw\n123456\n' >"$work/in"
ctl review list --as mallory
expect "--as with a password or code authd does not accept exits 1" 1
check "... forbidden" grep -q '^authctl: review list: forbidden: password or code not accepted$' "$work/err"
p256=$(printf 'p%.0s' $(seq 256))
printf '%s\n123456\n' "$p256" >"$work/in"
ctl review list --as anna
check "--as: a password of 256 bytes is sent" bash -c "[[ $rc -eq 0 ]] && [[ '$(lastreq)' == *'password=<256 bytes>'* ]]"

# as_bad WHAT INPUT MESSAGE: --as with INPUT is refused with MESSAGE, nothing sent
as_bad() {
	local before
	before=$(nreq)
	printf '%s' "$2" >"$work/in"
	ctl review list --as anna
	if [[ $rc -eq 2 && $(nreq) -eq $before ]] && grep -q "^authctl: review list: $3" "$work/err" &&
		! grep -q -e 12345 -e 1234567890 "$work/err"; then
		pass "--as: $1: refused, nothing sent"
	else
		fail "--as: $1: exit $rc, $(($(nreq) - before)) request(s) sent"
		sed 's/^/     | /' "$work/err"
	fi
}
as_bad "no input" "" "no password given"
as_bad "no code" $'pw\n' "no verification code given"
as_bad "an empty password" $'\n123456\n' "empty password"
as_bad "a code of 5 digits" $'pw\n12345\n' "the verification code is 6 to 8 digits"
as_bad "a code of 10 digits" $'pw\n1234567890\n' "the verification code is longer"
as_bad "a code with a letter" $'pw\n12a456\n' "the verification code is 6 to 8 digits"
as_bad "a password of 257 bytes" "${p256}p"$'\n123456\n' "the password is longer than 256 bytes"
usage "--as with a bad user name" review list --as 'a b'
usage "--as without a user" review list --as

# The terminal: echo off while the secret is typed, back on afterwards,
# also when a signal ends authctl during the prompt.
cat >"$work/term.py" <<'PY'
import os, pty, select, signal, sys, termios, time

def until(fd, want, t=5):
    buf, end = b"", time.time() + t
    while want not in buf and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 1024)
            except OSError:
                break
            if not d:
                break
            buf += d
    return buf

argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = until(fd, b"Password for anna: ")
assert not termios.tcgetattr(fd)[3] & termios.ECHO, "echo is on"
os.write(fd, b"geheim\n")
out += until(fd, b"Verification code: ")
assert not termios.tcgetattr(fd)[3] & termios.ECHO, "echo is on"
os.write(fd, b"654321\n")
out += until(fd, b"__end__", 2)
_, st = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(st) == 0, st
assert b"geheim" not in out and b"654321" not in out, out
assert b"ekonomi" in out, out

pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
until(fd, b"Password for anna: ")
assert not termios.tcgetattr(fd)[3] & termios.ECHO
os.kill(pid, signal.SIGINT)
_, st = os.waitpid(pid, 0)
assert os.WIFSIGNALED(st) and os.WTERMSIG(st) == signal.SIGINT, st
assert termios.tcgetattr(fd)[3] & termios.ECHO, "echo stays off"
PY
before=$(nreq)
if python3 "$work/term.py" "$authctl" --review-socket "$work/sock" -t 5 review list --as anna \
	>"$work/out" 2>&1; then
	pass "--as on a terminal: no echo, echo restored after SIGINT"
	check "... and the proof was sent once" bash -c "[[ \$(( \$(wc -l <'$work/dump.req') - $before )) -eq 1 ]] &&
		[[ '$(lastreq)' == 'review-list state=all as=anna password=<6 bytes> code=<6 bytes>' ]]"
else
	fail "--as on a terminal"
	sed 's/^/     | /' "$work/out"
fi

# ---- the review socket ----

run env AUTHD_REVIEW_SOCKET="$work/sock" "$authctl" -t 5 review list
check "\$AUTHD_REVIEW_SOCKET names the review socket" bash -c "[[ $rc -eq 0 && -s '$work/out' ]]"
run env AUTHD_REVIEW_SOCKET="$work/none" "$authctl" -t 5 --review-socket "$work/sock" review list
check "the global --review-socket wins over the environment" test "$rc" -eq 0
run env AUTHD_REVIEW_SOCKET="$work/none" "$authctl" -t 5 review list --review-socket "$work/sock"
check "the command's --review-socket wins over the environment" test "$rc" -eq 0
run env AUTHD_REVIEW_SOCKET="$work/none" "$authctl" -t 5 -s "$work/sock" review list
expect "-s (the admin socket) is not used for reviews" 2
check "... the review socket is named" grep -q "^authctl: cannot connect to authd at $work/none: " "$work/err"
usage "--review-socket ''" review list --review-socket ""
run "$authctl" --review-socket "" review list
expect "the global --review-socket '' is a usage error" 2

# ---- review report ----

ctl review report 12 --format html
expect "review report --format html" 0
cp "$work/out" "$work/r12.html"
check "report html: self-contained, nothing fetched, no script" bash -c "
	! grep -qi -e http -e '<script' -e '<link' -e '@import' -e 'url(' -e '<img' -e '<iframe' '$work/r12.html'"
check "report html: the hostile comment is escaped" \
	grep -qF '<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</td>' "$work/r12.html"
check "report html: the description is escaped" \
	grep -qF 'Ekonomisystemet &lt;Raindance&gt; &amp; &quot;lön&quot;' "$work/r12.html"
check "report html: non-ASCII kept as UTF-8" grep -qF 'vikarie för Örjan, &quot;tillfälligt&quot;' "$work/r12.html"
check "report html: a control byte is shown, not sent raw" bash -c "
	grep -qF '=cn=\\x1b[2Jx' '$work/r12.html' && ! grep -q \$'\\x1b' '$work/r12.html'"
check "report html: provisional while open" grep -q 'class="provisional">Provisional: this review is not closed' "$work/r12.html"
check "report html: printable on A4, rows not split" bash -c "
	grep -q '@page { size: A4' '$work/r12.html' && grep -q 'page-break-inside: avoid' '$work/r12.html' &&
	grep -q '@media print' '$work/r12.html'"
check "report html: the security function's item is marked" \
	grep -qF '<td class="sf">security function</td>' "$work/r12.html"
check "report html: well formed, valid UTF-8" python3 - "$work/r12.html" <<'PY'
import html.parser, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
void = {"meta", "br"}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.text = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in void:
            self.stack.append(tag)
    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()
    def handle_data(self, d):
        self.text.append(d)
p = P()
p.feed(text)
p.close()
assert p.stack == [], p.stack
body = "".join(p.text)
assert '<script>alert(1)</script> & "x"' in body
assert "Ekonomisystemet <Raindance> & \"lön\"" in body
PY

ctl review report 10 --format html
cp "$work/out" "$work/r10.html"
check "report html of a closed review: not provisional" bash -c "! grep -q 'Provisional:' '$work/r10.html'"
check "report html: the chain head" grep -qF 'seq 4711<br>hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' "$work/r10.html"
check "report html: the default used, and remediation" bash -c "
	grep -qF 'revoke (default at close)' '$work/r10.html' &&
	grep -qF 'revoke: the items left undecided were decided so' '$work/r10.html' &&
	grep -qF 'removed from cn=lon-chefer,ou=grupper,dc=exempel,dc=se' '$work/r10.html'"
check "report html: the summary" grep -qF '<tbody><tr><td class="num">2</td><td class="num">1</td><td class="num">1</td><td>1 (0 kept, 1 revoked)</td><td class="num">0</td><td class="num">0</td></tr></tbody>' "$work/r10.html"
check "report html: how to check the head" grep -qF '<code>authctl audit show 4711</code>' "$work/r10.html"

ctl review report 12 --format csv
expect "review report --format csv" 0
check "report csv: RFC 4180, every item, the campaign repeated" python3 - "$work/out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
h = rows[0]
assert h[:3] == ["review", "system", "description"] and h[-2:] == ["comment", "remediation"], h
assert len(rows) == 5 and all(len(r) == len(h) for r in rows), rows
d = [dict(zip(h, r)) for r in rows[1:]]
assert [r["user"] for r in d] == ["anna", "bo", "cecilia", "dag"]
assert all(r["system"] == "ekonomi" and r["owner"] == "anna" and r["state"] == "open" for r in d)
assert d[0]["description"] == 'Ekonomisystemet <Raindance> & "lön"'
assert d[1]["comment"] == '<script>alert(1)</script> & "x"', d[1]
# A leading quote guards a formula; the value comes back without it.
assert d[2]["comment"] == "'=SUM(A1) vikarie för Örjan, \"tillfälligt\"", d[2]
assert d[3]["path"] == "'=cn=\\x1b[2Jx", d[3]
assert d[0]["decides"] == "security function" and d[1]["decides"] == "owner"
assert d[1]["last_login"] == "" and d[1]["inactive"] == "yes" and d[1]["decision"] == "revoke"
assert d[0]["decision"] == "" and d[0]["by_default"] == "" and d[1]["by_default"] == "no"
assert d[0]["due"] == "2027-01-01T00:00:00Z" and d[0]["closed"] == "" and d[0]["head_seq"] == ""
PY
check "report csv: CRLF line ends, no raw control byte" bash -c "
	[[ \$(grep -c \$'\\r\$' '$work/out') -eq 5 ]] && ! grep -q \$'\\x1b' '$work/out'"
ctl review report 10 --format csv
check "report csv of a closed review: head and default" python3 - "$work/out" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
d = [dict(zip(rows[0], r)) for r in rows[1:]]
assert d[1]["head_seq"] == "4711" and len(d[1]["head_hash"]) == 64
assert d[1]["default"] == "revoke" and d[1]["by_default"] == "yes" and d[1]["closed_by"] == "root"
assert d[1]["remediation"].startswith("removed from "), d[1]
PY

ctl review report 12 --format json
expect "review report --format json" 0
check "report json: one object, campaign and items" python3 - "$work/out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert set(r) == {"campaign", "items"}, r.keys()
c = r["campaign"]
assert c["review"] == 12 and c["provisional"] is True and c["count"] == 4 and c["decided"] == 2
assert c["description"] == 'Ekonomisystemet <Raindance> & "lön"'
assert c["summary"] == {"kept": 1, "revoked": 1, "kept_by_default": 0,
    "revoked_by_default": 0, "undecided": 2, "security_function": 1}, c["summary"]
assert "closed" not in c and "head_seq" not in c
i = r["items"]
assert i[1]["comment"] == '<script>alert(1)</script> & "x"'
assert i[2]["comment"] == '=SUM(A1) vikarie för Örjan, "tillfälligt"'
assert i[3]["path"] == "=cn=\x1b[2Jx"
assert "last_login" not in i[1] and i[1]["inactive"] is True
assert "decision" not in i[0] and i[1]["by_default"] is False
PY
ctl review report 10 --format json
check "report json of a closed review" python3 - "$work/out" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["campaign"]
assert c["provisional"] is False and c["head_seq"] == 4711 and c["default"] == "revoke"
assert c["closed"] == "2026-07-02T10:00:00Z" and c["summary"]["revoked_by_default"] == 1
PY
ctl review report 14 --format json
check "report json without items" bash -c "[[ $rc -eq 0 ]] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))[\"items\"] == []' '$work/out'"

# -o FILE: whole, 0640, never over an existing file without --force.
mkdir "$work/reports"
ctl review report 10 --format html -o "$work/reports/r10.html"
expect "review report -o FILE" 0
check "-o: nothing on stdout" test ! -s "$work/out"
check "-o: mode 0640" test "$(stat -c %a "$work/reports/r10.html")" = 640
check "-o: the same page as on stdout" bash -c "
	diff <(grep -v '^<p>Generated by authctl at' '$work/reports/r10.html') <(grep -v '^<p>Generated by authctl at' '$work/r10.html') >/dev/null"
sum=$(cksum <"$work/reports/r10.html")
before=$(nreq)
ctl review report 10 --format csv -o "$work/reports/r10.html"
expect "-o over an existing file exits 2" 2
check "... says to use --force" test "$(cat "$work/err")" = "authctl: review report: $work/reports/r10.html exists; use --force to replace it"
check "... before asking authd" test "$(nreq)" -eq "$before"
check "... and the file is untouched" test "$(cksum <"$work/reports/r10.html")" = "$sum"
(umask 077 && ctl review report 10 --format csv -o "$work/reports/r10.html" --force)
check "--force replaces it, 0640 whatever the umask" bash -c "
	head -c 7 '$work/reports/r10.html' | grep -q '^review,' && [[ \$(stat -c %a '$work/reports/r10.html') == 640 ]]"
ln -s "$work/elsewhere" "$work/reports/link"
ctl review report 10 --format csv -o "$work/reports/link"
expect "-o onto a dangling symbolic link exits 2" 2
check "... which is not followed" test ! -e "$work/elsewhere"
ctl review report 77 --format html -o "$work/reports/bad.html"
expect "-o with an answer that is a protocol error" 2
check "... leaves no file, and no temporary file" bash -c "
	[[ \$(ls -A '$work/reports' | sort | tr '\\n' ' ') == 'link r10.html ' ]]"
ctl review report 13 --format json -o "$work/reports/forbidden.json"
expect "-o when authd refuses exits 1" 1
check "... and leaves no file" test ! -e "$work/reports/forbidden.json"
ctl review report 10 --format json -o "$work/missing/r.json"
expect "-o into a missing directory exits 2" 2
check "... says why" grep -q "^authctl: review report: cannot create a file next to $work/missing/r.json: No such file or directory\$" "$work/err"
(cd "$work/reports" && setsid -w "$authctl" --review-socket "$work/sock" review report 10 --format json -o plain.json \
	</dev/null >"$work/out" 2>"$work/err")
check "-o FILE in the current directory" test -s "$work/reports/plain.json"

usage "review report without --format" review report 12
usage "review report --format table" review report 12 --format table
usage "review report --format xml" review report 12 --format xml
usage "review report --force without -o" review report 12 --format csv --force
usage "review report -o ''" review report 12 --format csv -o ""
usage "review report -o DIR/" review report 12 --format csv -o "$work/reports/"
usage "review report without an id" review report --format csv

# ---- help ----

for sub in "review start" "review list" "review show" "review decide" "review close" \
	"review report" "revocation list" "revocation lift"; do
	# shellcheck disable=SC2086
	ctl $sub --help
	check "$sub --help" bash -c "[[ $rc -eq 0 ]] && head -1 '$work/out' | grep -q '^usage: authctl $sub'"
	check "$sub --help fits 80 columns" bash -c "! awk 'length > 79' '$work/out' | grep -q ."
done
for cmd in review revocation; do
	ctl help "$cmd"
	check "help $cmd" bash -c "[[ $rc -eq 0 ]] && head -1 '$work/out' | grep -q '^usage: authctl $cmd '"
	ctl "$cmd"
	expect "$cmd without a subcommand is a usage error" 2
	usage "$cmd bogus" "$cmd" bogus
done
ctl help
check "help lists review and revocation" bash -c "grep -q '^  review start SYSTEM|--all' '$work/out' && grep -q '^  revocation lift SYSTEM USER' '$work/out'"

stop_fake
ctl review list
expect "review list without a daemon exits 2" 2
check "... naming the socket" grep -q "^authctl: cannot connect to authd at $work/sock: " "$work/err"

echo "$failures failure(s)"
[[ $failures -eq 0 ]]
