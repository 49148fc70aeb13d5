#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The audit trail's tamper evidence, end to end.  Real logins (several
# users, allow and deny) and admin actions fill the trail; with authd
# stopped, `authctl audit verify` passes on the database, and on copies of
# it that an attacker edited with sqlite3 (triggers dropped first, as
# anyone holding the file can) it fails and names the sequence numbers:
# a modified field, a deleted row, two swapped rows, a cut-off tail (caught
# by a checkpoint kept outside the database: a saved `authctl audit
# checkpoint` line, or the syslog copy), a history rewritten with
# recomputed hashes, and forged or foreign signatures.  Then a prune keeps
# the rest verifiable from the checkpoint at the cut and audits itself.
# The chain and a checkpoint signature are also recomputed here from the
# format in lib/chain.h (python3 hashlib, the openssl tool), independently
# of authd and authctl; syslog gets one line per record with its seq and
# hash; `audit show` and `audit last-login` are checked against the
# database.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
t_need sqlite3 python3 openssl
sink_start
authd_setup "audit_checkpoint_records 8" "lockout_threshold 3"
authd_start
PUB="$T_DIR/state/audit.key.pub"

# quiet CMD...: CMD without its output.
quiet() { "$@" >/dev/null 2>&1; }
# q DB SQL: one value from the database, read-only (authd may be running).
q() { sqlite3 -readonly "$1" "$2"; }
# named_is WANT...: verify_named gives exactly these numbers.
named_is() { [[ $(verify_named | tr '\n' ' ') == "$* " ]]; }
# named_has N...: verify_named includes all of these.
named_has() {
	local got n
	got=" $(verify_named | tr '\n' ' ')"
	for n in "$@"; do [[ $got == *" $n "* ]] || return 1; done
}
# named_within LO HI: every number verify_named gives is in LO..HI.
named_within() {
	local n
	for n in $(verify_named); do ((n >= $1 && n <= $2)) || return 1; done
}
show_verify() { printf '%s\n' "rc=$VERIFY_RC" "$VERIFY_OUT" | sed 's/^/    | /'; }
# verify_fails DESCRIPTION CHECK...: VERIFY_RC is 1 and CHECK holds.
verify_fails() {
	local what=$1; shift
	if [[ $VERIFY_RC -eq 1 ]] && "$@"; then
		pass "$what"
	else
		fail "$what"; show_verify
	fi
}
verify_passes() {
	if [[ $VERIFY_RC -eq 0 ]]; then pass "$1"; else fail "$1"; show_verify; fi
}
# cp_seq FILE: the seq of the checkpoint line in FILE.
cp_seq() { sed -n 's/.*authd-checkpoint v1 seq=\([0-9]*\) .*/\1/p' "$1" | head -n1; }

# --- phase A: enrollments, logins, denials, admin actions -------------------
enroll anna
enroll cecilia
step_safe
expect_pam "anna logs in to pilot" "auth acct open close" anna -a "$(code anna 0)" \
	-e auth=PAM_SUCCESS -e acct=PAM_SUCCESS -e open=PAM_SUCCESS -e close=PAM_SUCCESS
expect_pam "anna: a code from long ago is refused" auth anna -a "$(code anna -9)" -e auth=PAM_AUTH_ERR
expect_pam "dag may not use pilot" acct dag -e acct=PAM_PERM_DENIED
expect_pam "bertil has no token" auth bertil -a 123456 -e auth=PAM_AUTH_ERR
pam_stack authd-hr system=hr
PAM_SERVICE=authd-hr expect_pam "cecilia logs in to hr" "auth acct" cecilia \
	-a "$(code cecilia 0)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS
check "unlock cecilia" quiet authctl unlock cecilia
last_a=$(q "$AUTHD_DB" "SELECT max(seq) FROM audit")

# --- phase B, after a whole-second boundary (the prune cut) -----------------
sleep "$(python3 -c 'import time; print(1.2 - time.time() % 1)')"
cut_s=$(date +%s)
sleep 0.2
step_safe
pam_stack authd-finance system=finance
PAM_SERVICE=authd-finance expect_pam "anna logs in to finance" "auth acct open close" anna \
	-a "$(code anna 1)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS -e open=PAM_SUCCESS -e close=PAM_SUCCESS
fin_login=$(q "$AUTHD_DB" "SELECT group_concat(seq, ' ') FROM audit WHERE user='anna' AND system='finance'")
expect_pam "dag may not use pilot (again)" acct dag -e acct=PAM_PERM_DENIED
authctl audit checkpoint >"$T_DIR/cp_mid.txt"
check "audit checkpoint prints a checkpoint line" grep -q 'authd-checkpoint v1 seq=[0-9]' "$T_DIR/cp_mid.txt"
h1=$(cp_seq "$T_DIR/cp_mid.txt")

# --- phase C: the tail that will be cut off ---------------------------------
for u in anna bertil cecilia dag; do pam acct "$u" >/dev/null; done
authctl audit checkpoint >"$T_DIR/cp_head.txt"
h2=$(cp_seq "$T_DIR/cp_head.txt")
check "the second checkpoint covers the tail (seq $h1 < $h2)" test "${h1:-0}" -lt "${h2:-0}"

# --- audit show, last-login, export (authd running) ------------------------
s_auth=$(q "$AUTHD_DB" "SELECT min(seq) FROM audit WHERE event='auth' AND decision='allow' AND user='anna'")
out=$(authctl audit show "$s_auth")
check "audit show $s_auth succeeds" test -n "$out"
show_has() { grep -Eq "^$1:[[:space:]]+$2\$" <<<"$out"; }
IFS='|' read -r time_ms reqid actor policy factors hash < <(q "$AUTHD_DB" \
	"SELECT time_ms, request_id, actor, policy, factors, lower(hex(hash)) FROM audit WHERE seq=$s_auth")
check "show: seq" show_has seq "$s_auth"
check "show: time (UTC with ms)" show_has time "$(date -u -d "@$((time_ms / 1000))" +%Y-%m-%dT%H:%M:%S)\.$(printf %03d $((time_ms % 1000)))Z"
check "show: event" show_has event auth
check "show: decision" show_has decision allow
check "show: reason" show_has reason ok
check "show: user" show_has user anna
check "show: system" show_has system pilot
check "show: service" show_has service authd-test
check "show: rhost" show_has rhost '192\.0\.2\.10'
check "show: tty" show_has tty ssh
check "show: actor" show_has actor "$(sed 's/[.]/\\./g' <<<"$actor")"
check "show: node" show_has node test-node
check "show: request id" show_has '(reqid|request_id)' "$reqid"
check "show: policy version" show_has policy "$policy"
check "show: factors" show_has factors "$factors"
check "show: role is shown (- when none)" grep -Eq '^role:' <<<"$out"
check "show: rule is shown" grep -Eq '^rule:' <<<"$out"
check "show: detail is shown" grep -Eq '^detail:' <<<"$out"
check "show: hash" show_has hash "$hash"
authctl audit show 999999 >/dev/null 2>&1
check "show of a missing record exits 1" test $? -eq 1
authctl audit show nonsense >/dev/null 2>&1
check "show of a malformed number exits 2" test $? -eq 2

# login_is OUT SYSTEM OTHER SEQS: OUT names SYSTEM, not OTHER, and the seq
# of one record of that login (auth, account or session).
login_is() {
	grep -qw "$2" <<<"$1" && ! grep -qw "$3" <<<"$1" &&
		grep -Eq "^seq:[[:space:]]+($4)\$" <<<"$1"
}
out=$(authctl audit last-login anna)
rc=$?
check "last-login anna succeeds" test $rc -eq 0
check "last-login anna is the finance login (seq $fin_login)" \
	login_is "$out" finance pilot "${fin_login// /|}"
pilot_login=$(q "$AUTHD_DB" "SELECT group_concat(seq, '|') FROM audit WHERE user='anna' AND system='pilot' AND decision IN ('allow', 'ok')")
out=$(authctl audit last-login anna pilot)
check "last-login anna pilot is the pilot login (seq ${pilot_login//|/ })" \
	login_is "$out" pilot finance "$pilot_login"
authctl audit last-login dag >/dev/null 2>&1
check "last-login of a user who never got in exits 1" test $? -eq 1

authctl audit export --format jsonl >"$T_DIR/export.jsonl"
check "export succeeds" test -s "$T_DIR/export.jsonl"

# --- stop; the intact trail ---------------------------------------------------
check "authd stops cleanly" authd_stop
# authd sent its last copies before it exited; let the sink write them.
sleep 0.3
orig=$(audit_db_copy orig)
last=$(q "$orig" "SELECT max(seq) FROM audit")
t_log "trail: seq 1..$last, phase A up to $last_a, checkpoints at $h1 and $h2"
check "the tail checkpoint is the head at stop" test "$h2" -eq "$last"

out=$(audit_chain_check "$orig")
check "the stored chain follows lib/chain.h (recomputed independently: $out)" test "$out" == "ok $last"

audit_verify --database "$orig" --key "$PUB"
verify_passes "verify passes on the intact trail"
audit_verify --database "$orig" --key "$PUB" --checkpoint "$T_DIR/cp_mid.txt" \
	--checkpoint "$T_DIR/cp_head.txt" --from-syslog "$SYSLOG_OUT"
verify_passes "verify passes with both saved checkpoints and the syslog copy"

# A checkpoint signature checked with the openssl tool alone.
sig_ok() {
	python3 - "$T_DIR/cp_head.txt" "$T_DIR/cpmsg" "$T_DIR/cpsig" <<-'EOF'
	import re, struct, sys
	m = re.search(r'authd-checkpoint v1 seq=(\d+) time=(\d+) node=(\S+) hash=([0-9a-f]{64}) key=([0-9a-f]{16}) sig=([0-9a-f]{128})', open(sys.argv[1]).read())
	seq, t, node, h, key, sig = m.groups()
	msg = (b'\x01' + b'authd-checkpoint-v1' + struct.pack('>QQ', int(seq), int(t)) +
	       bytes.fromhex(h) + struct.pack('>I', len(node)) + node.encode())
	open(sys.argv[2], 'wb').write(msg)
	open(sys.argv[3], 'wb').write(bytes.fromhex(sig))
	print(key)
	EOF
}
key_id=$(sig_ok)
check "the tail checkpoint's signature verifies with openssl" quiet \
	openssl pkeyutl -verify -pubin -inkey "$PUB" -rawin -in "$T_DIR/cpmsg" -sigfile "$T_DIR/cpsig"
raw_id=$(openssl pkey -pubin -in "$PUB" -outform DER | tail -c 32 | sha256sum | cut -c1-16)
check "key= is the SHA-256 of the public key ($key_id)" test "$key_id" == "$raw_id"
check "the signing key is a 0600 file of $AUTHD_USER" bash -c \
	"[[ \$(stat -c '%a %U' '$T_DIR/state/audit.key') == '600 $AUTHD_USER' ]]"
check "the signing key is not the seal key" not cmp -s "$T_DIR/state/audit.key" "$T_DIR/state/seal.key"

# --- the syslog copy ---------------------------------------------------------
check "every syslog line is RFC 5424, authpriv, from test-node" bash -c \
	"! grep -Ev '^<8[0-7]>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z test-node authd [0-9]+ (audit|checkpoint) ' '$SYSLOG_OUT' | grep -q ."
python3 - "$SYSLOG_OUT" "$T_DIR/export.jsonl" "$orig" >"$T_DIR/syslog.check" 2>&1 <<'EOF'
import json, re, sqlite3, sys
lines = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace').split('\n')[:-1]
recs = {}
for l in lines:
    m = re.match(r'<\d+>1 \S+ \S+ authd \d+ audit \[authd@32473 seq="(\d+)" hash="([0-9a-f]{64})"', l)
    if m:
        s = int(m.group(1))
        if s in recs:
            print('seq %d twice in syslog' % s)
        recs[s] = m.group(2)
exp = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    exp[int(o['seq'])] = o.get('hash')
db = {s: h.hex() for s, h in sqlite3.connect(sys.argv[3]).execute('SELECT seq, hash FROM audit')}
if sorted(recs) != list(range(1, max(recs) + 1)):
    print('syslog seqs have gaps:', sorted(set(range(1, max(recs) + 1)) - set(recs)))
if recs != db:
    print('syslog (seq, hash) differ from the database:',
          sorted(s for s in set(recs) | set(db) if recs.get(s) != db.get(s)))
# The export was taken before the final checkpoint, with the same records.
if exp != db:
    print('export (seq, hash) differ from the database:',
          sorted(s for s in set(exp) | set(db) if exp.get(s) != db.get(s)))
print('records', len(recs), 'audit lines', sum(' audit [' in l for l in lines))
EOF
check "syslog: one line per record, seq and hash as in export and database, no gaps ($(tail -n1 "$T_DIR/syslog.check"))" \
	bash -c "[[ \$(wc -l <'$T_DIR/syslog.check') -eq 1 ]] && grep -q '^records $last audit lines $last\$' '$T_DIR/syslog.check'"
[[ $(wc -l <"$T_DIR/syslog.check") -eq 1 ]] || sed 's/^/    | /' "$T_DIR/syslog.check"
cps_db=$(q "$orig" "SELECT group_concat(seq || ' ' || lower(hex(hash)) || ' ' || lower(hex(sig)), ',') FROM (SELECT * FROM audit_checkpoints ORDER BY seq)")
cps_log=$(sed -n 's/.* checkpoint - authd-checkpoint v1 seq=\([0-9]*\) .* hash=\([0-9a-f]*\) key=[0-9a-f]* sig=\([0-9a-f]*\)$/\1 \2 \3/p' "$SYSLOG_OUT" | sort -n | paste -sd,)
check "syslog: every checkpoint in the database is in syslog" test "$cps_db" == "$cps_log"

# --- a modified field --------------------------------------------------------
db=$(audit_db_copy modified)
audit_tamper "$db" "UPDATE audit SET decision='deny' WHERE seq=$s_auth"
check "(the independent recomputation sees the edit too)" not quiet audit_chain_check "$db"
audit_verify --database "$db" --key "$PUB"
verify_fails "a modified decision: verify names exactly seq $s_auth" named_is "$s_auth"
check "  ... and says it was modified" grep -Eqi "seq $s_auth\b.*modif" <<<"$VERIFY_OUT"

db=$(audit_db_copy modified2)
s_rh=$(q "$orig" "SELECT min(seq) FROM audit WHERE user='dag'")
audit_tamper "$db" "UPDATE audit SET rhost='198.51.100.7' WHERE seq=$s_rh"
audit_verify --database "$db" --key "$PUB"
verify_fails "a modified rhost: verify names exactly seq $s_rh" named_is "$s_rh"

# A stored hash edited to match nothing: the record no longer hashes to it.
db=$(audit_db_copy modified3)
audit_tamper "$db" "UPDATE audit SET hash=zeroblob(32) WHERE seq=$s_rh"
audit_verify --database "$db" --key "$PUB"
verify_fails "a zeroed hash column: verify names seq $s_rh" named_has "$s_rh"

# --- history rewritten with recomputed hashes: only signatures can tell -----
db=$(audit_db_copy rechained)
audit_tamper "$db" "UPDATE audit SET user='bertil' WHERE seq=$s_auth"
python3 - "$db" <<'EOF'
import hashlib, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1]); db.text_factory = bytes
texts = ('node', 'event', 'actor', 'user', 'system', 'service', 'rhost', 'tty',
         'decision', 'reason', 'detail', 'policy', 'role', 'rule', 'factors')
prev = bytes(32)
for row in db.execute('SELECT seq, time_ms, request_id, %s FROM audit ORDER BY seq'
                      % ', '.join(texts)).fetchall():
    enc = struct.pack('>QQQ', row[0], row[1], row[2] or 0)
    for v in row[3:]:
        enc += b'\0' if v is None else b'\1' + struct.pack('>I', len(v)) + v
    prev = hashlib.sha256(b'\0' + prev + b'authd-audit-v1' + enc).digest()
    db.execute('UPDATE audit SET hash=? WHERE seq=?', (prev, row[0]))
db.commit()
EOF
check "(the rewritten chain is self-consistent)" quiet audit_chain_check "$db"
first_cp=$(q "$orig" "SELECT min(seq) FROM audit_checkpoints WHERE seq >= $s_auth")
audit_verify --database "$db" --key "$PUB"
verify_fails "a rewritten history with recomputed hashes fails at the checkpoint at seq $first_cp" \
	grep -Eq "checkpoint at seq $first_cp\b" <<<"$VERIFY_OUT"

# --- a deleted row, two deleted rows ------------------------------------------
db=$(audit_db_copy deleted)
s_del=$(q "$orig" "SELECT min(seq) FROM audit WHERE user='bertil'")
audit_tamper "$db" "DELETE FROM audit WHERE seq=$s_del"
audit_verify --database "$db" --key "$PUB"
verify_fails "a deleted row: verify names exactly seq $s_del" named_is "$s_del"
check "  ... and says it was deleted" grep -Eqi "seq $s_del\b.*delet" <<<"$VERIFY_OUT"

db=$(audit_db_copy deleted2)
audit_tamper "$db" "DELETE FROM audit WHERE seq IN ($s_del, $((s_del + 1)))"
audit_verify --database "$db" --key "$PUB"
verify_fails "two deleted rows: verify names seq $s_del..$((s_del + 1))" named_is "$s_del" "$((s_del + 1))"

# --- two rows swapped ---------------------------------------------------------
db=$(audit_db_copy reordered)
sa=$((s_auth + 1)) sb=$((s_auth + 3))
audit_tamper "$db" "UPDATE audit SET seq=-1 WHERE seq=$sa; UPDATE audit SET seq=$sa WHERE seq=$sb;
	UPDATE audit SET seq=$sb WHERE seq=-1"
check "(the copy really has the two rows swapped)" test \
	"$(q "$db" "SELECT hash FROM audit WHERE seq=$sa")" == "$(q "$orig" "SELECT hash FROM audit WHERE seq=$sb")"
audit_verify --database "$db" --key "$PUB"
swap_named() { named_has "$sa" "$sb" && named_within "$sa" "$sb"; }
verify_fails "swapped rows: verify names seq $sa and $sb, nothing outside them" swap_named

# --- a cut-off tail -----------------------------------------------------------
keep=$((h2 - 3))
db=$(audit_db_copy truncated)
audit_tamper "$db" "DELETE FROM audit WHERE seq > $keep; DELETE FROM audit_checkpoints WHERE seq > $keep"
audit_verify --database "$db" --key "$PUB"
t_log "verify of the truncated database alone: rc $VERIFY_RC (nothing in it shows the cut)"
audit_verify --database "$db" --key "$PUB" --checkpoint "$T_DIR/cp_head.txt"
verify_fails "truncated tail vs the saved checkpoint: names seq $keep and the checkpoint at $h2" \
	grep -Eqi "(truncat|missing).*seq $keep\b.*$h2|$h2.*(truncat|missing).*seq $keep\b" <<<"$VERIFY_OUT"
audit_verify --database "$db" --key "$PUB" --from-syslog "$SYSLOG_OUT"
verify_fails "truncated tail vs the syslog copy: names seq $keep" \
	grep -Eqi "(truncat|missing).*seq $keep\b" <<<"$VERIFY_OUT"
audit_verify --database "$db" --key "$PUB" --checkpoint "$T_DIR/cp_mid.txt"
verify_passes "the truncated database still matches an older checkpoint (seq $h1)"

# --- signatures ---------------------------------------------------------------
db=$(audit_db_copy badsig)
c_bad=$(q "$orig" "SELECT min(seq) FROM audit_checkpoints WHERE seq > 1")
audit_tamper "$db" "UPDATE audit_checkpoints SET sig=randomblob(64) WHERE seq=$c_bad"
audit_verify --database "$db" --key "$PUB"
verify_fails "a forged signature in the database: checkpoint at seq $c_bad" \
	grep -Eqi "checkpoint at seq $c_bad\b.*signature" <<<"$VERIFY_OUT"

flip() { sed 's/\(sig=[0-9a-f]*\)\([0-9a-f]\)$/\1X\2/; s/X0/1/; s/X[1-9a-f]/0/' "$1"; }
flip "$T_DIR/cp_head.txt" >"$T_DIR/cp_forged.txt"
check "(the forged checkpoint file differs in its signature only)" bash -c \
	"! cmp -s '$T_DIR/cp_head.txt' '$T_DIR/cp_forged.txt' && grep -q 'sig=[0-9a-f]\{128\}$' '$T_DIR/cp_forged.txt'"
audit_verify --database "$orig" --key "$PUB" --checkpoint "$T_DIR/cp_forged.txt"
verify_fails "a forged signature in a checkpoint file: checkpoint at seq $h2" \
	grep -Eqi "checkpoint at seq $h2\b.*signature" <<<"$VERIFY_OUT"

openssl genpkey -algorithm ed25519 -out "$T_DIR/other.key" 2>/dev/null
openssl pkey -in "$T_DIR/other.key" -pubout -out "$T_DIR/other.pub" 2>/dev/null
audit_verify --database "$orig" --key "$T_DIR/other.pub"
verify_fails "the intact trail under someone else's public key does not verify" \
	grep -Eqi "checkpoint at seq $h2\b.*bad signature" <<<"$VERIFY_OUT"

# --- prune ----------------------------------------------------------------------
authd_start
pruned=$(q "$orig" "SELECT count(*) FROM audit WHERE time_ms < $((cut_s * 1000))")
check "(the cut falls between phase A, $last_a records, and phase B)" test "$pruned" -eq "$last_a"
out=$(authctl audit prune --before "@$cut_s")
check "prune --before @$cut_s reports $pruned removed" grep -qx "removed: $pruned" <<<"$out"
check "prune names the cut (seq $last_a)" grep -qx "cut: $last_a" <<<"$out"
list=$(authctl audit list --event audit-prune --format jsonl)
check "audit list shows the prune record" grep -q '"event":"audit-prune"' <<<"$list"
check "the prune record says how many were removed" grep -Eq "\"detail\":\"[^\"]*removed $pruned records" <<<"$list"
check "the prune record names the admin" grep -q '"actor":"admin:uid=0' <<<"$list"
check "the oldest record listed is the one after the cut" grep -q "^{\"seq\":$((last_a + 1))," \
	<<<"$(authctl audit list --since-seq 1 --limit 1 --format jsonl)"
expect_pam "authd keeps recording after the prune" acct anna -e acct=PAM_SUCCESS
check "authd stops cleanly" authd_stop
pr=$(audit_db_copy pruned)
check "the base is the cut" test "$(q "$pr" "SELECT seq FROM audit_base")" -eq "$last_a"
check "the oldest record left follows the cut" test "$(q "$pr" "SELECT min(seq) FROM audit")" -eq $((last_a + 1))
out=$(audit_chain_check "$pr")
check "the pruned chain recomputes from its base ($out)" grep -q '^ok ' <<<"$out"
audit_verify --database "$pr" --key "$PUB"
verify_passes "verify passes after the prune"
audit_verify --database "$pr" --key "$PUB" --checkpoint "$T_DIR/cp_head.txt" --from-syslog "$SYSLOG_OUT"
verify_passes "verify after the prune passes with the saved checkpoint and syslog (which still has the pruned records)"

# Faking a prune: drop the oldest record left and move the base onto it.
db=$(audit_db_copy fakeprune)
s0=$((last_a + 1))
audit_tamper "$db" "UPDATE audit_base SET seq=$s0, hash=(SELECT hash FROM audit WHERE seq=$s0);
	DELETE FROM audit WHERE seq=$s0; DELETE FROM audit_checkpoints WHERE seq=$last_a"
audit_verify --database "$db" --key "$PUB"
verify_fails "a prune faked by moving the base (no signed checkpoint there) fails" \
	grep -Eqi "base|seq $s0\b|seq $last_a\b" <<<"$VERIFY_OUT"
db=$(audit_db_copy prunemod)
audit_tamper "$db" "UPDATE audit SET detail='x' WHERE seq=$s0"
audit_verify --database "$db" --key "$PUB"
verify_fails "after the prune, a modified first record is named (seq $s0)" named_is "$s0"

# --- text from outside that looks like a checkpoint ----------------------------
# An outsider chooses the user name before any check, and it reaches the
# syslog copy (escaped) with the refusal: text that looks like a checkpoint
# or like the copy's structured data is data, not a checkpoint.
authd_start
fake='authd-checkpoint v1 seq=1 x" seq="2" hash="00"'
expect_pam "a user name dressed as a checkpoint is refused" auth "$fake" -a 123456 -e auth=PAM_AUTH_ERR
check "authd stops cleanly" authd_stop
sleep 0.3
check "(the name reached the syslog copy)" grep -q 'user="authd-checkpoint v1 seq=1 x' "$SYSLOG_OUT"
db=$(audit_db_copy outsider)
audit_verify --database "$db" --key "$PUB" --checkpoint "$T_DIR/cp_head.txt" --from-syslog "$SYSLOG_OUT"
verify_passes "a checkpoint-like user name in the syslog copy does not fail verification"

t_done
