#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The audit commands of authctl against fake_authd, a stand-in for authd's
# admin socket: filters on the wire, paging in export, every field in
# JSONL and CSV (compared byte for byte with what was sent, after the
# decoding docs/audit.md describes), show, last-login, checkpoint, prune,
# and a daemon that misbehaves; and, briefly, the policy and access
# commands (policy_cli.sh has their full contract).
#
#   client_cli.sh AUTHCTL FAKE_AUTHD
#
# Exit status: 0 pass, 1 fail, 77 skipped (python3 is not installed).

set -u

if [[ $# -ne 2 ]]; then
	echo "usage: $0 AUTHCTL FAKE_AUTHD" >&2
	exit 2
fi
authctl=$1 fake=$2
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/client-cli.XXXXXX") || exit 1
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

# start_fake N [MODE]: serves N records; their bytes go to $work/dump
start_fake() {
	stop_fake
	"$fake" "$work/sock" "$1" "$work/dump" ${2:-} &
	fake_pid=$!
	for _ in $(seq 100); do
		[[ -S $work/sock ]] && return
		sleep 0.05
	done
	echo "fake_authd did not start" >&2
	exit 1
}
ctl() { run "$authctl" -s "$work/sock" -t 5 "$@"; }

# The checker: decodes JSONL and CSV as docs/audit.md says and compares
# them with the records fake_authd sent (hex in the dump).
cat >"$work/check.py" <<'PY'
import csv, io, json, re, sys

def load_dump(path):
    recs = {}
    for line in open(path):
        r = {}
        for item in line.split():
            k, v = item.split("=", 1)
            if k in ("seq", "time_ms", "reqid"):
                r[k] = int(v)
            elif k == "hash":
                r[k] = v.encode()
            else:
                r[k] = bytes.fromhex(v)
        recs[r["seq"]] = r
    return recs

def json_expect(b):
    # fmt_json_str: well-formed UTF-8 stays, other bytes read as Latin-1.
    out, i = [], 0
    while i < len(b):
        for n in (1, 2, 3, 4):
            try:
                out.append(b[i:i + n].decode("utf-8"))
                i += n
                break
            except UnicodeDecodeError:
                continue
        else:
            out.append(chr(b[i]))
            i += 1
    return "".join(out)

def csv_decode(s):
    b = s.encode("utf-8")
    if b.startswith(b"'"):
        b = b[1:]
    out, i = bytearray(), 0
    while i < len(b):
        if b[i:i + 2] == b"\\\\":
            out += b"\\"
            i += 2
        elif b[i:i + 2] == b"\\x":
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return bytes(out)

KEYS = ["seq", "time", "event", "decision", "reason", "user", "system",
        "service", "rhost", "tty", "actor", "reqid", "node", "policy",
        "role", "rule", "factors", "hash", "detail"]

def iso(ms):
    import datetime
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)

def main():
    mode, dump, data, want = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    recs = load_dump(dump)
    seqs = []
    raw = open(data, "rb").read()
    text = raw.decode("utf-8")          # must be valid UTF-8
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f\u202e]", text):
        sys.exit("raw control character in the output")
    if mode == "jsonl":
        for line in text.split("\n")[:-1]:
            o = json.loads(line)
            r = recs[o["seq"]]
            seqs.append(o["seq"])
            assert o["time_ms"] == r["time_ms"] and o["time"] == iso(r["time_ms"]), o
            assert o["reqid"] == r["reqid"], o
            assert o["hash"] == r["hash"].decode(), o
            for k in KEYS[2:]:
                if k in ("reqid", "hash"):
                    continue
                if k in r:
                    assert o.get(k) == json_expect(r[k]), (k, o.get(k), r[k])
                else:
                    assert k not in o, (k, o)
    else:
        assert "\r\n" in text
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert rows[0] == KEYS, rows[0]
        for row in rows[1:]:
            assert len(row) == len(KEYS), row
            o = dict(zip(KEYS, row))
            r = recs[int(o["seq"])]
            seqs.append(int(o["seq"]))
            assert o["time"] == iso(r["time_ms"]) and int(o["reqid"]) == r["reqid"]
            assert o["hash"].encode() == r["hash"]
            for k in KEYS[2:]:
                if k in ("reqid", "hash"):
                    continue
                assert csv_decode(o[k]) == r.get(k, b""), (k, o[k], r.get(k))
                if o[k][:1] and o[k][:1] in "=+-@":
                    sys.exit("formula not neutralised: " + o[k])
    got = ",".join(map(str, seqs))
    if want != "-" and got != want:
        sys.exit("sequence numbers %s, expected %s" % (got[:200], want[:200]))
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        sys.exit("not in ascending order or repeated")

main()
PY
# verify_output MODE FILE SEQS: FILE (jsonl or csv) holds exactly the
# records SEQS ("1,2,3", or a seq expression for python: "range(a,b)").
verify_output() {
	local want=$3
	if [[ $want == range* ]]; then
		want=$(python3 -c "print(','.join(map(str, $want)))")
	fi
	python3 "$work/check.py" "$1" "$work/dump" "$2" "$want"
}

start_fake 2500

# list
ctl audit list
expect "list" 0
check "list: a table of the newest 100, with a short HASH" bash -c "
	head -1 '$work/out' | grep -q '^SEQ .* ACTOR *HASH *DETAIL\$' &&
	[[ \$(wc -l <'$work/out') -eq 101 ]] &&
	sed -n 2p '$work/out' | grep -Eq '^2401 .* [0-9a-f]{12} ' &&
	! grep -q \$'\\x1b' '$work/out'"
ctl audit list --limit 5 --format jsonl
expect "list --limit 5" 0
check "list --limit 5: the newest five, oldest first" \
	verify_output jsonl "$work/out" 2496,2497,2498,2499,2500
ctl audit list --since-seq 10 --limit 3 --format csv
expect "list --since-seq" 0
check "list --since-seq 10 --limit 3: 10, 11, 12" verify_output csv "$work/out" 10,11,12
ctl audit list --since 2026-01-01T01:00:00Z --until 2026-01-01T02:00:00Z --format jsonl
expect "list --since --until" 0
check "list --since/--until: one hour, until exclusive" \
	verify_output jsonl "$work/out" "range(61,121)"
ctl audit list --since-time @1767229200 --until @1767232800 --format jsonl
check "--since-time and @SECONDS are the same" verify_output jsonl "$work/out" "range(61,121)"
ctl audit list --user anna --decision allow --reason ok --event auth --system pilot --limit 10000 --format jsonl
expect "list with every filter" 0
check "list filters: every row matches" python3 -c "
import json, sys
rows = [json.loads(l) for l in open('$work/out')]
assert len(rows) > 50, len(rows)
for o in rows:
    assert (o['user'], o['decision'], o['reason'], o['event'], o['system']) == ('anna', 'allow', 'ok', 'auth', 'pilot'), o
"
ctl audit list --since-seq 0 --limit 2 --format csv
check "list --since-seq 0: from the start" verify_output csv "$work/out" 1,2
ctl audit list --since 1234
expect "list --since with a bare number is refused" 2
check "... and the message points to --since-seq" grep -q -- "--since-seq" "$work/err"
for bad in "--since 2026-02-30" "--until tomorrow" "--decision maybe" "--limit 0" \
	"--limit 10001" "--user a/b" "--system 'x y'" "--reason 'a b'" "--format xml" \
	"--since 2026-02-01 --until 2026-01-01" "--until @0" "extra"; do
	eval ctl audit list "$bad"
	expect "list $bad is a usage error" 2
done

# export
ctl audit export
expect "export (jsonl)" 0
check "export jsonl: all 2500 records, every field" verify_output jsonl "$work/out" "range(1,2501)"
ctl audit export --format csv
expect "export csv" 0
check "export csv: all 2500 records, every field, round trip" \
	verify_output csv "$work/out" "range(1,2501)"
ctl audit export --format csv --event enroll --since-seq 2000
check "export with filters" verify_output csv "$work/out" "range(2000,2501,5)"
ctl audit export --format csv --user nobody
check "export of nothing: the CSV header alone" \
	bash -c "[[ \$(cat '$work/out') == seq,time,event,*,hash,detail$'\\r' ]]"
ctl audit export --format table
expect "export --format table is a usage error" 2

# show
ctl audit show 17
expect "show" 0
check "show: every field, key: value" bash -c "
	cut -d: -f1 '$work/out' | tr '\\n' ' ' | grep -qx 'seq time event decision reason user system service rhost tty actor reqid node policy role rule factors hash detail ' &&
	grep -qx 'seq:      17' '$work/out' && grep -qx 'rule:     -' '$work/out' &&
	grep -qx 'tty:      -' '$work/out' &&
	grep -Eqx 'hash:     [0-9a-f]{64}' '$work/out'"
ctl audit show 16
check "show: text is sanitised" bash -c "grep -qx 'tty:      pts/\\\\x01' '$work/out' && grep -qx 'role:     =cmd|'\\'' /C calc'\\''!A0' '$work/out'"
ctl audit show --format jsonl 3
check "show --format jsonl" verify_output jsonl "$work/out" 3
ctl audit show 99999
expect "show of a missing record" 1
check "... says not-found" grep -q "audit show: not-found" "$work/err"
ctl audit show 0
expect "show 0 is a usage error" 2
ctl audit show
expect "show without SEQ is a usage error" 2

# last-login
ctl audit last-login anna
expect "last-login" 0
check "last-login: the newest auth allow of anna" bash -c "
	grep -qx 'user:     anna' '$work/out' && grep -qx 'seq:      2497' '$work/out' &&
	grep -qx 'time:     2026-01-02T17:36:00.496Z' '$work/out' &&
	[[ \$(wc -l <'$work/out') -eq 6 ]]"
ctl audit last-login bo ekonomi
expect "last-login USER SYSTEM" 1
check "... none: a clear message" grep -qx "authctl: audit last-login: no successful login of 'bo' on 'ekonomi' in the audit trail" "$work/err"
ctl audit last-login
expect "last-login without USER is a usage error" 2
ctl audit last-login anna pilot extra
expect "last-login with three arguments is a usage error" 2

# checkpoint and prune
ctl audit checkpoint
expect "checkpoint" 0
check "checkpoint: one line, as stored" grep -Eqx 'authd-checkpoint v1 seq=2500 time=[0-9]+ node=node-1 hash=[0-9a-f]{64} key=[0-9a-f]{16} sig=[0-9a-f]{128}' "$work/out"
ctl audit prune --before 2026-01-01T00:10:00Z
expect "prune" 0
check "prune: count, cut and checkpoint" bash -c "
	[[ \$(sed -n 1,2p '$work/out' | tr '\\n' ' ') == 'removed: 10 cut: 10 ' ]] &&
	sed -n 3p '$work/out' | grep -Eq '^checkpoint: authd-checkpoint v1 seq=10 '"
ctl audit prune --before 2026-01-01T00:10:00Z
check "prune of nothing" bash -c "[[ \$(cat '$work/out') == 'removed: 0' ]]"
ctl audit prune --before 2999-01-01
expect "prune into the future is refused" 2
ctl audit prune
expect "prune without --before is refused" 2
ctl audit prune --before 1970-01-01
expect "prune --before the epoch is refused" 2

# --help everywhere
for sub in list export show last-login checkpoint prune verify; do
	ctl audit "$sub" --help
	check "audit $sub --help" bash -c "[[ $rc -eq 0 ]] && head -1 '$work/out' | grep -q '^usage: authctl audit $sub'"
done

# An export whose last page is full: the next, empty one ends it.
start_fake 2000
ctl audit export --format jsonl
check "export of exactly two pages" verify_output jsonl "$work/out" "range(1,2001)"

# A daemon that misbehaves is a protocol error (2), not a listing.
start_fake 50 extra
ctl audit list --limit 3
expect "more rows than LIMIT" 2
start_fake 50 unordered
ctl audit export
expect "rows out of order" 2
start_fake 50 badcp
ctl audit checkpoint
expect "a control byte in a checkpoint" 2
check "... nothing printed" test ! -s "$work/out"
start_fake 50 norow
ctl audit show 5
expect "show answered without its record" 2

# The policy and access commands share the exchange (policy_cli.sh tests
# them in depth): one request each, the rows before the RESULT taken, and
# a deny of policy test printed rather than refused.
start_fake 50
ctl policy reload
check "policy reload" bash -c "[[ $rc -eq 0 ]] && head -1 '$work/out' | grep -Eqx 'policy reloaded: version [0-9a-f]{16}'"
ctl policy test anna ekonomi --from 10.20.1.5 --at 2026-01-15T09:30+01:00
check "policy test: allow" bash -c "[[ $rc -eq 0 ]] && [[ \$(sed -n 1p '$work/out') == 'decision: allow' ]] && grep -qx 'trace:' '$work/out'"
check "... one request with RHOST and TIME" \
	test "$(tail -n 1 "$work/dump.req")" = "policy-test user=anna system=ekonomi rhost=10.20.1.5 time=1768465800000"
ctl policy test bo ekonomi
check "policy test: deny is an answer (exit 1, on stdout)" bash -c "[[ $rc -eq 1 ]] && [[ \$(sed -n 2p '$work/out') == 'reason: deny-rule' ]] && [[ ! -s '$work/err' ]]"
ctl access list ekonomi --format csv
check "access list" bash -c "[[ $rc -eq 0 ]] && [[ \$(wc -l <'$work/out') -eq 4 ]]"
ctl access user anna --format json
check "access user" bash -c "[[ $rc -eq 0 ]] && python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))) == 2' '$work/out'"
ctl audit list --limit 1
expect "audit list still works on the same daemon" 0

stop_fake
ctl audit list
expect "no daemon" 2
ctl policy reload
expect "policy reload without a daemon" 2
ctl access user anna
expect "access user without a daemon" 2

echo "$failures failure(s)"
[[ $failures -eq 0 ]]
