#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# "authctl audit verify" as an operator runs it: a generated trail
# (gen_trail), tampered with by the sqlite3 tool, checked through the
# authctl binary; exit statuses and the sequence numbers named.  Then
# hostile files (a view that never ends, a virtual table, a FIFO), which
# are refused at once; each run is killed after 10 seconds, as the view
# once needed.
#
#   verify_cli.sh AUTHCTL GEN_TRAIL
#
# Exit status: 0 pass, 1 fail, 77 skipped (sqlite3 is not installed).

set -u

if [[ $# -ne 2 ]]; then
	echo "usage: $0 AUTHCTL GEN_TRAIL" >&2
	exit 2
fi
authctl=$1 gen=$2
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: sqlite3 is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/verify-cli.XXXXXX") || exit 1
trap 'rm -rf -- "$work"' EXIT
trap 'exit 1' INT TERM

failures=0
pass() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }

# run CMD... : runs CMD, stdout in $out, stderr in $err, status in $rc
run() {
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}
# expect WHAT RC [LINE...]: the last run exited RC and printed each LINE
expect() {
	local what=$1 want=$2 line
	shift 2
	if [[ $rc -ne $want ]]; then
		fail "$what: exit $rc, expected $want"
		printf '%s\n%s\n' "$out" "$err" | sed 's/^/     | /'
		return
	fi
	for line in "$@"; do
		if ! grep -qxF -- "$line" <<<"$out"; then
			fail "$what: no line '$line'"
			printf '%s\n' "$out" | sed 's/^/     | /'
			return
		fi
	done
	pass "$what"
}

# fresh: a copy of the pristine database to tamper with
fresh() { cp "$work/trail/authd.db" "$work/db"; }
sql() { sqlite3 "$work/db" "$1"; }
verify() { run "$authctl" audit verify --database "$work/db" --key "$key" "$@"; }

mkdir "$work/trail"
"$gen" "$work/trail" 200 50 "$work/syslog" >"$work/saved" || exit 1
key=$work/trail/audit.key.pub

fresh
sum=$(sha256sum <"$work/db")
verify
expect "a clean trail verifies" 0 "verified 200 records, 4 checkpoints: OK"
# 4 in the database, 5 in syslog (the head twice), 1 saved.
verify --checkpoint "$work/saved" --from-syslog "$work/syslog"
expect "with saved and syslog checkpoints" 0 \
	"verified 200 records, 10 checkpoints: OK"
verify --from-syslog - <"$work/syslog"
expect "syslog from standard input" 0 \
	"verified 200 records, 9 checkpoints: OK"
[[ $(sha256sum <"$work/db") == "$sum" ]] &&
	pass "verify leaves the database as it was" ||
	fail "verify changed the database"

fresh
sql "UPDATE audit SET detail = 'nothing happened' WHERE seq = 77"
verify
expect "an edited record" 1 \
	"seq 77: record modified (hash does not match its content)" \
	"verified 200 records, 4 checkpoints: 1 problem"

fresh
sql "DELETE FROM audit WHERE seq BETWEEN 120 AND 122"
verify
expect "deleted records" 1 "seq 120..122: records deleted"

fresh
sql "UPDATE audit SET seq = -1 WHERE seq = 60;
     UPDATE audit SET seq = 60 WHERE seq = 61;
     UPDATE audit SET seq = 61 WHERE seq = -1;"
verify
expect "two records swapped" 1 \
	"seq 60: reordered (this is the record of seq 61)" \
	"seq 61: reordered (this is the record of seq 60)" \
	"verified 200 records, 4 checkpoints: 2 problems"

fresh
sql "DELETE FROM audit WHERE seq > 180; DELETE FROM audit_checkpoints WHERE seq > 180"
verify
expect "a cut tail goes unseen without an outside copy" 0 \
	"verified 180 records, 3 checkpoints: OK"
verify --checkpoint "$work/saved"
expect "a cut tail, with a saved checkpoint" 1 \
	"$work/saved:1: truncated: records after seq 180 are missing (checkpoint at seq 200)"
verify --from-syslog "$work/syslog"
expect "a cut tail, with the syslog copies" 1 \
	"$work/syslog:204: truncated: records after seq 180 are missing (checkpoint at seq 200)"

fresh
sql "UPDATE audit_checkpoints SET sig = zeroblob(64) WHERE seq = 100"
verify
expect "a forged checkpoint" 1 "checkpoint at seq 100: bad signature"

# Usage and I/O errors: 2, and no verdict.
fresh
run "$authctl" audit verify --help
expect "--help" 0
[[ $out == usage:* ]] && pass "--help prints the usage" || fail "--help prints the usage"
run "$authctl" audit verify --database "$work/db" --key "$key" --bogus
expect "an unknown option" 2
run "$authctl" audit verify --database "$work/db" --key "$key" extra
expect "an extra argument" 2
run "$authctl" audit verify --database "$work/nothing" --key "$key"
expect "no database" 2
run "$authctl" audit verify --database "$work/db" --key "$work/nothing"
expect "no key" 2
run "$authctl" audit verify --database "$work/db" --key "$key" --checkpoint "$work/nothing"
expect "no checkpoint file" 2
run "$authctl" audit verify --database "$work/db" --key "$key" --checkpoint - --from-syslog - </dev/null
expect "standard input twice" 2
run "$authctl" audit verify --database "$work/syslog" --key "$key"
expect "not a database" 2

# refused WHAT MESSAGE: the last timed run exited 2, within a few seconds,
# with MESSAGE (after "authctl: audit verify: DB: ") as its only error.
refused() {
	local what=$1 want="authctl: audit verify: $work/db: $2"
	if [[ $rc -eq 124 ]]; then
		fail "$what: still running after 10 s, killed"
	elif [[ $rc -ne 2 || $err != "$want" ]]; then
		fail "$what: exit $rc, expected 2 and '$want'"
		printf '%s\n%s\n' "$out" "$err" | sed 's/^/     | /'
	elif [[ $ms -gt 5000 ]]; then
		fail "$what: refused after $ms ms"
	else
		pass "$what (${ms} ms)"
	fi
}
# timed: verify, killed after 10 s; its run time in $ms
timed() {
	local t0
	t0=$(date +%s%N)
	run timeout 10 "$authctl" audit verify --database "$work/db" --key "$key"
	ms=$((($(date +%s%N) - t0) / 1000000))
}
# A row of the audit table from an endless recursive query.
endless="WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)
	SELECT x AS seq, 0 AS time_ms, 'n' AS node, 'auth' AS event,
	'uid:0' AS actor, NULL AS user, NULL AS system, NULL AS service,
	NULL AS rhost, NULL AS tty, 'allow' AS decision, 'ok' AS reason,
	1 AS request_id, NULL AS detail, NULL AS policy, NULL AS role,
	NULL AS rule, NULL AS factors, zeroblob(32) AS hash FROM r"
cols="seq, time_ms, node, event, actor, user, system, service, rhost, tty,
	decision, reason, request_id, detail, policy, role, rule, factors, hash"

fresh
sql "ALTER TABLE audit RENAME TO audit_old; CREATE VIEW audit AS $endless"
timed
refused "audit as an endless view" "audit: not a table (view); refusing the file"

fresh
sql "ALTER TABLE audit_checkpoints RENAME TO cp_old;
     CREATE VIEW audit_checkpoints AS WITH RECURSIVE r(x) AS (SELECT 1
     UNION ALL SELECT x + 1 FROM r) SELECT x AS seq, 0 AS time_ms,
     'n' AS node, zeroblob(32) AS hash, 'k' AS key_id, zeroblob(64) AS sig
     FROM r"
timed
refused "audit_checkpoints as an endless view" \
	"audit_checkpoints: not a table (view); refusing the file"

fresh
if sql "ALTER TABLE audit RENAME TO audit_old;
	CREATE VIRTUAL TABLE audit USING fts4($cols);
	INSERT INTO audit ($cols) SELECT $cols FROM audit_old" 2>/dev/null; then
	timed
	refused "audit as a virtual table" \
		"audit: not a table (virtual table); refusing the file"
else
	echo "SKIP audit as a virtual table: this sqlite3 has no fts4"
fi

# Triggers never run while verifying, whatever they would do.
fresh
sql "CREATE TRIGGER t1 BEFORE UPDATE ON audit BEGIN
	SELECT count(*) FROM ($endless); END;
     CREATE TRIGGER t2 AFTER INSERT ON audit_checkpoints BEGIN
	SELECT count(*) FROM ($endless); END;"
timed
expect "endless triggers do not run" 0 "verified 200 records, 4 checkpoints: OK"

rm -f "$work/db"
mkfifo "$work/db"
timed
refused "a FIFO for a database" "not a regular file; refusing the file"
rm -f "$work/db"

echo "$failures failure(s)"
[[ $failures -eq 0 ]]
