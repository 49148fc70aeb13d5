#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Exports for auditors, and what must never be in them.  Logins, denials
# and admin actions, some with hostile text from PAM (an rhost and tty
# with a comma, quotes, a newline, 0x01, 0xff, an escape sequence, a
# formula) through real libpam and, bypassing pam_authd.so, raw bytes
# sent straight to authd's socket.  Then:
#   - `audit export --format jsonl` and `--format csv` are parsed back with
#     python3's json and csv modules and compared, field by field, with the
#     database and with `audit show` of every record: every field is there,
#     and values come back exactly;
#   - the exports, `audit show` and the syslog copy are printable UTF-8: no
#     raw control character, no broken UTF-8, one syslog line per message;
#   - a record holding a newline, quotes and raw bytes (put into the file
#     directly, as no path through authd stores them) survives CSV quoting
#     and is escaped in both exports;
#   - no seed and no code that was typed (right, replayed or wrong) is in
#     any audit record, syslog line, export, `audit show` or the authd log.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
t_need python3 sqlite3
sink_start
authd_setup "syslog_facility local5"
authd_start

CODES=()
# enroll_rec USER: the helper's enroll, remembering the confirmation code.
enroll_rec() {
	local user=$1 out uri c
	out=$(authctl enroll --no-qr "$user") || { fail "enroll $user"; return 1; }
	uri=$(grep '^otpauth://' <<<"$out" | head -n1)
	printf -v "SECRET_$user" '%s' "$(sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p' <<<"$uri")"
	step_safe
	c=$(code "$user" -1)
	CODES+=("$c")
	authctl enroll --confirm "$user" "$c" >/dev/null || fail "confirm $user"
}
# typed VAR CODE: sets VAR to CODE and remembers it as a code a user typed.
typed() { printf -v "$1" '%s' "$2"; CODES+=("$2"); }

# --- records ----------------------------------------------------------------
enroll_rec anna
enroll_rec cecilia
step_safe
typed c "$(code anna 0)"
expect_pam "anna logs in" "auth acct open close" anna -a "$c" \
	-e auth=PAM_SUCCESS -e acct=PAM_SUCCESS -e open=PAM_SUCCESS -e close=PAM_SUCCESS
expect_pam "a replayed code is refused" auth anna -a "$c" -e auth=PAM_AUTH_ERR
# shellcheck disable=SC2154 # w and nt are set by typed
typed w "$(printf '%06d' $(((10#$c + 500001) % 1000000)))"
expect_pam "a wrong code is refused" auth anna -a "$w" -e auth=PAM_AUTH_ERR
typed nt 314159
expect_pam "a code typed for a user without a token is refused" auth bertil -a "$nt" -e auth=PAM_AUTH_ERR

# Hostile PAM_RHOST and PAM_TTY through real libpam and pam_authd.so.
rhost=$'10.0.0.1, "evil"\nsecond line\x01\xff\x1b[31m=HYPERLINK("x")'
tty=$'pts/1\r\t\\x41'
typed c "$(code cecilia 0)"
out=$("$PAM_DRIVER" -W 30000 -d "$T_DIR/pam" -s authd-test -u cecilia -r "$rhost" -t "$tty" \
	-a "$c" -e auth=PAM_SUCCESS auth acct open 2>&1)
check "cecilia logs in with a hostile rhost and tty" test $? -eq 0

# The same bytes and worse sent to authd directly (a client that does not
# sanitise): session-open needs no directory and takes any rhost and tty.
python3 - "$AUTHD_SOCK" >"$T_DIR/raw.out" 2>&1 <<'EOF'
import os, socket, struct, sys
def attr(tag, v):
    if isinstance(v, int):
        v = struct.pack('>Q', v)
    return struct.pack('>HH', tag, len(v)) + v
def call(attrs, reqid):
    body = struct.pack('>BBIH', 1, 0x03, reqid, len(attrs)) + b''.join(attrs)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall(struct.pack('>I', len(body)) + body)
    n = struct.unpack('>I', s.recv(4, socket.MSG_WAITALL))[0]
    reply = s.recv(n, socket.MSG_WAITALL)
    s.close()
    # RESULT, same reqid, then STATUS (tag 7) somewhere in the attributes.
    assert reply[1] == 0x80 and struct.unpack('>I', reply[2:6])[0] == reqid, reply
    return reply
hostile = [
    b'1.2.3.4,"q",\n\r\x01\x1b]0;title\x07\x7f\x80\xc3\x28\xff\xfe',
    'bidi \u202egnp.exe =cmd|\' /C calc\'!A0 \u2028 end'.encode(),
    b'\\' + b'x41 \\\\ backslashes',
]
for i, h in enumerate(hostile):
    call([attr(1, b'anna'), attr(2, b'pilot'), attr(3, b'raw-client'),
          attr(4, h), attr(5, h[:64]), attr(25, os.getpid())], 0x5eed0000 + i)
# A user name with raw bytes: refused, and recorded sanitised.
call([attr(1, b'eve\xff\n,"x"'), attr(2, b'pilot'), attr(3, b'raw-client'),
      attr(25, os.getpid())], 0x5eed00ff)
print('sent')
EOF
check "raw session-open requests with hostile bytes were answered" grep -qx sent "$T_DIR/raw.out"
[[ $(cat "$T_DIR/raw.out") == sent ]] || sed 's/^/    /' "$T_DIR/raw.out"
check "unlock anna (admin action)" authctl unlock anna
check "status anna (admin query)" authctl status anna

# --- exports and show, while authd runs --------------------------------------
check "export --format jsonl" bash -c "'$AUTHCTL_BIN' audit export --format jsonl >'$T_DIR/export.jsonl'"
check "export --format csv" bash -c "'$AUTHCTL_BIN' audit export --format csv >'$T_DIR/export.csv'"
authctl audit list --limit 10000 >"$T_DIR/list.table"
mkdir -p "$T_DIR/show"
for s in $(sqlite3 -readonly "$AUTHD_DB" 'SELECT seq FROM audit'); do
	authctl audit show "$s" >"$T_DIR/show/$s" || fail "audit show $s"
done
check "authd stops cleanly" authd_stop
sleep 0.2
sink_stop
db=$(audit_db_copy export)

# --- parse back and compare ---------------------------------------------------
# export_check DB JSONL CSV SHOWDIR: compares the exports and `audit show`
# with the database, field by field; prints problems, "ok N" when none.
export_check() {
	python3 - "$@" <<-'EOF'
	import codecs, csv, io, json, os, re, sqlite3, sys, time
	dbpath, jpath, cpath, sdir = sys.argv[1:5]
	codecs.register_error('bytes_as_latin1',
	    lambda e: (e.object[e.start:e.end].decode('latin-1'), e.end))
	cols = ['seq', 'time_ms', 'event', 'decision', 'reason', 'user', 'system',
	        'service', 'rhost', 'tty', 'actor', 'request_id', 'node', 'detail',
	        'policy', 'role', 'rule', 'factors', 'hash']
	key = {'request_id': 'reqid'}
	keys = [key.get(c, c) for c in cols]
	db = sqlite3.connect(dbpath); db.text_factory = bytes
	rows = {r[0]: dict(zip(cols, r)) for r in db.execute(
	    'SELECT %s FROM audit ORDER BY seq' % ', '.join(cols))}
	problems = []
	def bad(msg):
	    problems.append(msg)
	def iso(ms):
	    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(ms // 1000)) + '.%03dZ' % (ms % 1000)
	def text(r, c):
	    """The field as exported text: None when absent."""
	    v = r[c]
	    if c == 'hash':
	        return v.hex()
	    if c == 'time_ms':
	        return iso(v)
	    if isinstance(v, int):
	        return str(v)
	    return v
	def sanitize(b):
	    return ''.join(chr(x) if 0x20 <= x < 0x7f and x != 0x5c else
	                   '\\\\' if x == 0x5c else '\\x%02x' % x for x in b)
	def csv_unescape(v):
	    if v.startswith("'"):
	        v = v[1:]
	    out, i = bytearray(), 0
	    raw = v.encode('utf-8')
	    while i < len(raw):
	        if raw[i:i + 2] == b'\\\\':
	            out += b'\\'; i += 2
	        elif raw[i:i + 2] == b'\\x' and re.match(rb'[0-9a-f]{2}', raw[i + 2:i + 4]):
	            out.append(int(raw[i + 2:i + 4], 16)); i += 4
	        else:
	            out.append(raw[i]); i += 1
	    return bytes(out)
	# Printable UTF-8 only: no C0/C1 control, DEL, line or bidi control.
	forbidden = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]')
	def printable(name, data, allow):
	    try:
	        s = data.decode('utf-8')
	    except UnicodeDecodeError as e:
	        bad('%s: not UTF-8 at byte %d' % (name, e.start)); return
	    for ch in set(re.findall('[\r\n]', s)) - set(allow):
	        bad('%s: raw %r' % (name, ch))
	    m = forbidden.search(s)
	    if m:
	        bad('%s: raw control %r at %d' % (name, m.group(), m.start()))
	# JSON lines
	jraw = open(jpath, 'rb').read()
	printable('jsonl', jraw, '\n')
	jrows = {}
	for n, line in enumerate(jraw.decode('utf-8', 'replace').split('\n')[:-1], 1):
	    try:
	        o = json.loads(line)
	    except ValueError as e:
	        bad('jsonl line %d: %s' % (n, e)); continue
	    jrows[o.get('seq')] = o
	if sorted(jrows) != sorted(rows):
	    bad('jsonl has seqs %s, database %s' % (sorted(jrows), sorted(rows)))
	for s, r in rows.items():
	    o = jrows.get(s, {})
	    for c, k in zip(cols, keys):
	        want = r[c]
	        if c == 'time_ms':
	            if o.get('time_ms') != want or o.get('time') != iso(want):
	                bad('jsonl seq %d: time %r/%r, database %r' % (s, o.get('time'), o.get('time_ms'), want))
	            continue
	        got = o.get(k)
	        if want is None:
	            if got not in (None, ''):
	                bad('jsonl seq %d: %s is %r, database has none' % (s, k, got))
	            continue
	        if isinstance(want, bytes) and c != 'hash':
	            want = want.decode('utf-8', 'bytes_as_latin1')
	        elif c == 'hash':
	            want = want.hex()
	        if got != want:
	            bad('jsonl seq %d: %s is %r, database %r' % (s, k, got, want))
	# CSV
	craw = open(cpath, 'rb').read()
	printable('csv', craw, '\r\n')
	if not craw.endswith(b'\r\n'):
	    bad('csv: records do not end in CRLF')
	rdr = csv.reader(io.StringIO(craw.decode('utf-8', 'replace'), newline=''))
	header = next(rdr, [])
	want_header = set(keys) - {'time_ms'} | {'time'}
	if not want_header <= set(header):
	    bad('csv header %s lacks %s' % (header, sorted(want_header - set(header))))
	crows = {}
	for rec in rdr:
	    if len(rec) != len(header):
	        bad('csv: a record has %d fields, header %d: %r' % (len(rec), len(header), rec)); continue
	    d = dict(zip(header, rec))
	    crows[int(d['seq'])] = d
	if sorted(crows) != sorted(rows):
	    bad('csv has seqs %s, database %s' % (sorted(crows), sorted(rows)))
	for s, r in rows.items():
	    d = crows.get(s, {})
	    for c, k in zip(cols, keys):
	        if c == 'time_ms':
	            k = 'time' if 'time' in d else 'time_ms'
	        want = text(r, c)
	        got = d.get(k)
	        if want is None:
	            if got:
	                bad('csv seq %d: %s is %r, database has none' % (s, k, got))
	            continue
	        if isinstance(want, str):
	            want = want.encode()
	        if got is None or csv_unescape(got) != want:
	            bad('csv seq %d: %s is %r, database %r' % (s, k, got, want))
	# audit show: "key: value", sanitised, "-" when absent
	for s, r in rows.items():
	    try:
	        data = open(os.path.join(sdir, str(s)), 'rb').read()
	    except OSError:
	        bad('no audit show output for seq %d' % s); continue
	    printable('show %d' % s, data, '\n')
	    f = {}
	    for line in data.decode('utf-8', 'replace').split('\n'):
	        m = re.match(r'([a-z_]+):\s*(.*)$', line)
	        if m:
	            f[m.group(1)] = m.group(2)
	    for c, k in zip(cols, keys):
	        want = text(r, c)
	        want = '-' if want is None else want if isinstance(want, str) else sanitize(want)
	        if c == 'time_ms':
	            k = 'time'
	        if f.get(k) != want:
	            bad('show seq %d: %s is %r, database %r' % (s, k, f.get(k), want))
	for p in problems[:25]:
	    print(p)
	if len(problems) > 25:
	    print('... %d problems in all' % len(problems))
	if not problems:
	    print('ok %d' % len(rows))
	sys.exit(1 if problems else 0)
	EOF
}
out=$(export_check "$db" "$T_DIR/export.jsonl" "$T_DIR/export.csv" "$T_DIR/show")
rc=$?
check "JSONL, CSV and show give back every field of every record exactly ($(tail -n1 <<<"$out"))" test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"
n=$(sqlite3 "$db" 'SELECT count(*) FROM audit')

# The hostile values were stored escaped, never raw.
check "the hostile rhost reached the trail (escaped)" test \
	"$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE user='cecilia' AND rhost LIKE '10.0.0.1, \"evil\"%'")" -ge 3
check "the raw client's records are there" test \
	"$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE service='raw-client'")" -eq 4
check "no stored value holds a control character or a non-ASCII byte" test \
	"$(sqlite3 "$db" "SELECT count(*) FROM audit WHERE
	  $(for c in node event actor user system service rhost tty decision reason detail policy role rule factors; do
		printf "%s GLOB '*[^ -~]*' OR " "$c"; done) 0")" -eq 0
check "the table view is printable too" python3 -c "
import re, sys
s = open(sys.argv[1], 'rb').read().decode('utf-8')
sys.exit(1 if re.search('[\x00-\x09\x0b-\x1f\x7f-\x9f]', s) else 0)" "$T_DIR/list.table"

# --- the syslog copy ------------------------------------------------------------
lines=$(wc -l <"$SYSLOG_OUT")
cps=$(sqlite3 "$db" 'SELECT count(*) FROM audit_checkpoints')
check "syslog: one line per record and checkpoint ($lines = $n + $cps)" test "$lines" -eq $((n + cps))
check "syslog: every line is local5.info (PRI 174) as configured" bash -c \
	"! grep -v '^<174>1 ' '$SYSLOG_OUT' | grep -q ."
check "syslog: printable UTF-8, no raw control character" python3 -c "
import re, sys
s = open(sys.argv[1], 'rb').read().decode('utf-8')
sys.exit(1 if re.search('[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]', s) else 0)" "$SYSLOG_OUT"
check "syslog: the hostile rhost is escaped inside its structured-data value" \
	grep -q 'rhost="10.0.0.1, \\"evil\\"' "$SYSLOG_OUT"

# --- a record with a newline and raw bytes, written into the file directly ------
s_nl=$(sqlite3 "$db" "SELECT min(seq) FROM audit WHERE event='session-open'")
audit_tamper "$AUTHD_DB" "UPDATE audit SET detail=X'6c696e6520310a6c696e6520322c202271756f746522200d0a3d312b31015c1bff',
	rhost=',\"' || char(10) || '\"' WHERE seq=$s_nl"
authd_start
authctl audit export --format jsonl >"$T_DIR/export2.jsonl"
authctl audit export --format csv >"$T_DIR/export2.csv"
authctl audit show "$s_nl" >"$T_DIR/show/$s_nl"
authd_stop
db2=$(audit_db_copy export2)
out=$(export_check "$db2" "$T_DIR/export2.jsonl" "$T_DIR/export2.csv" "$T_DIR/show")
rc=$?
check "a value with newlines, quotes, commas and raw bytes survives CSV and JSON ($(tail -n1 <<<"$out"))" test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"

# --- no seed, no typed code, anywhere -------------------------------------------
sqlite3 "$db2" '.mode line' 'SELECT * FROM audit' >"$T_DIR/audit.dump"
# Process ids (pid=N in the actor, the syslog header) are not codes.
nopid() { sed -E 's/pid=[0-9]+//g; s/"pid":[0-9]+//g; s/^(<[0-9]+>1 [^ ]+ [^ ]+ authd) [0-9]+ /\1 /' "$@"; }
files=("$T_DIR/audit.dump" "$T_DIR/export.jsonl" "$T_DIR/export.csv" "$T_DIR/export2.jsonl"
	"$T_DIR/export2.csv" "$T_DIR/list.table" "$SYSLOG_OUT" "$T_DIR/authd.log" "$T_DIR"/show/*)
missing=
for f in "${files[@]}"; do [[ -s $f ]] || missing+=" $f"; done
check "every file to search exists and is not empty${missing:+:$missing}" test -z "$missing"
for u in anna cecilia; do
	var="SECRET_$u"
	seed=${!var}
	hex=$(printf '%s' "$seed" | base32 -d 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
	check "no seed of $u (base32 or hex) in the trail, exports, syslog or log" \
		not grep -qiF -e "$seed" -e "$hex" "${files[@]}"
done
check "${#CODES[@]} typed codes recorded" test "${#CODES[@]}" -ge 6
leak=
for c in "${CODES[@]}"; do
	nopid "${files[@]}" | grep -qw -- "$c" && leak+=" $c"
done
check "no typed code (right, replayed or wrong) anywhere:${leak:- none found}" test -z "$leak"
t_done
