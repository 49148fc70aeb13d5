#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The audit chain checked by an independent implementation of its
# specification (lib/chain.h): Python's hashlib recomputes every record
# hash from the database, and the openssl command line verifies every
# checkpoint signature with the published public key.  authd's own code
# takes no part in the check.
set -u
. "$(dirname "$0")/../lib/authd.sh"
t_need python3 openssl sqlite3

t_init
authd_setup "audit_checkpoint_records 5"
authd_start
enroll anna
step_safe
pam "auth acct open close" anna -a "$(code anna 0)" >/dev/null
pam auth anna -a 000000 >/dev/null
pam acct dag >/dev/null
# An rhost with characters that must be stored escaped.
pam acct anna -r $'evil\x01host,"quoted"' >/dev/null
authctl unlock anna >/dev/null
authd_stop

check "records were written" test "$(sqlite3 "$AUTHD_DB" 'SELECT count(*) FROM audit')" -ge 9
check "checkpoints were signed (every 5 records and at shutdown)" \
	test "$(sqlite3 "$AUTHD_DB" 'SELECT count(*) FROM audit_checkpoints')" -ge 2

cat >"$T_DIR/spec.py" <<'PY'
import hashlib, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
outdir = sys.argv[2]
fields = ["node", "event", "actor", "user", "system", "service", "rhost",
          "tty", "decision", "reason", "detail", "policy", "role", "rule",
          "factors"]
base = db.execute("SELECT seq, hash FROM audit_base WHERE id = 1").fetchone()
prev = base[1] if base else bytes(32)
expect_seq = (base[0] + 1) if base else None
bad = 0
n = 0
for row in db.execute("SELECT seq, time_ms, request_id, %s, hash FROM audit "
                      "ORDER BY seq" % ", ".join(fields)):
    seq, t, reqid = row[0], row[1], row[2]
    text = row[3:3 + len(fields)]
    stored = row[-1]
    if expect_seq is not None and seq != expect_seq:
        print("gap before seq", seq); bad += 1
    enc = b"\x00" + prev + b"authd-audit-v1" + struct.pack(">QQQ", seq, t, reqid)
    for v in text:
        if v is None:
            enc += b"\x00"
        else:
            b = v.encode()
            enc += b"\x01" + struct.pack(">I", len(b)) + b
    h = hashlib.sha256(enc).digest()
    if h != stored:
        print("seq %d: hash mismatch" % seq); bad += 1
    prev = stored
    expect_seq = seq + 1
    n += 1
# Checkpoint messages, written out for openssl to verify.
k = 0
for seq, t, node, h, sig in db.execute(
        "SELECT seq, time_ms, node, hash, sig FROM audit_checkpoints"):
    msg = (b"\x01" + b"authd-checkpoint-v1" + struct.pack(">QQ", seq, t) + h +
           struct.pack(">I", len(node.encode())) + node.encode())
    open("%s/cp%d.msg" % (outdir, k), "wb").write(msg)
    open("%s/cp%d.sig" % (outdir, k), "wb").write(sig)
    k += 1
print("records=%d checkpoints=%d bad=%d" % (n, k, bad))
sys.exit(1 if bad else 0)
PY
mkdir -p "$T_DIR/cp"
out=$(python3 "$T_DIR/spec.py" "$AUTHD_DB" "$T_DIR/cp" 2>&1)
rc=$?
t_log "$out"
check "every record hash matches the specification" test $rc -eq 0
nsig=0; badsig=0
for m in "$T_DIR"/cp/*.msg; do
	nsig=$((nsig + 1))
	openssl pkeyutl -verify -pubin -inkey "$T_DIR/state/audit.key.pub" -rawin \
		-in "$m" -sigfile "${m%.msg}.sig" >/dev/null 2>&1 || badsig=$((badsig + 1))
done
check "openssl verifies all $nsig checkpoint signatures" test "$nsig" -ge 2 -a "$badsig" -eq 0
# The same check must fail on a forged checkpoint.
printf 'x' | dd of="$T_DIR/cp/cp0.sig" bs=1 seek=0 conv=notrunc 2>/dev/null
check "a forged signature is refused by openssl" bash -c "! openssl pkeyutl -verify -pubin \
	-inkey '$T_DIR/state/audit.key.pub' -rawin -in '$T_DIR/cp/cp0.msg' -sigfile '$T_DIR/cp/cp0.sig' >/dev/null 2>&1"
check "the public key file is world-readable, the private key is not" bash -c \
	"[[ \$(stat -c %a '$T_DIR/state/audit.key.pub') == 644 && \$(stat -c %a '$T_DIR/state/audit.key') == 600 ]]"
check "the escaped rhost is stored escaped, never raw" bash -c \
	"sqlite3 '$AUTHD_DB' \"SELECT rhost FROM audit WHERE rhost LIKE 'evil%'\" | grep -qF 'evil\\x01host'"
t_done
