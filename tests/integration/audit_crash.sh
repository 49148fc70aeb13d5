#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# kill -9 while many clients are being answered.  Eight clients run real
# PAM transactions (account checks that are allowed and denied, code
# checks that are denied) back to back, each with its own PAM_RHOST, so
# every answer can be matched to its audit record.  authd is killed with
# SIGKILL mid-run, three times.  After each crash:
#   - every decision a client received has its record, with the decision
#     it received (authd answers only after the record is committed);
#   - the database is intact, the chain recomputes (lib/chain.h, python3)
#     and `authctl audit verify` passes;
#   - authd starts again on it and continues the chain where it stopped.
# In the last round an administrator reads the database with the sqlite3
# tool while the clients run.  At the end no syslog copy names a record
# that the database does not hold with the same hash (copies leave only
# after the commit).
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
t_need sqlite3 python3
sink_start
authd_setup "workers 4" "audit_checkpoint_records 40"
PUB="$T_DIR/state/audit.key.pub"
CLIENTS=8
not_running() { ! kill -0 "$1" 2>/dev/null; }

prev_last=0
for round in 1 2 3; do
	authd_start
	if ((round > 1)); then
		check "round $round: authd restarted on the crashed database at seq $prev_last" \
			grep -q "audit chain at seq $prev_last " "$T_DIR/authd.log"
	fi
	clients=()
	for ((n = 1; n <= CLIENTS; n++)); do
		crash_client "$n" "$round" >"$T_DIR/client.$round.$n" 2>&1 &
		clients+=($!)
	done
	# Let the load build up, then crash at a moment that varies by round.
	# In the last round an administrator also looks at the trail with the
	# sqlite3 tool while authd runs, as anyone may: that must not cost
	# authd its write-ahead log (the answers after it would die with it).
	for ((i = 0; i < 200; i++)); do
		got=$(cat "$T_DIR"/client."$round".* | wc -l)
		if ((round == 3 && got >= 35)) && [[ -z ${peeked:-} ]]; then
			peeked=$(sqlite3 "$AUTHD_DB" 'SELECT count(*) FROM audit')
			t_log "round $round: the sqlite3 tool counted $peeked records mid-run"
		fi
		((got >= 50 + 20 * round)) && break
		sleep 0.05
	done
	sleep "0.0$((RANDOM % 10))"
	pid=$AUTHD_PID
	authd_crash
	check "round $round: authd was killed" not_running "$pid"
	touch "$T_DIR/stop.$round"
	wait "${clients[@]}"

	# The database as the crash left it (WAL included).
	db=$(audit_db_copy "crash$round")
	out=$(crash_received "$round" 30 "$db")
	rc=$?
	t_log "round $round: $out"
	check "round $round: every decision a client received has its audit record" test $rc -eq 0
	[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"
	check "round $round: the database is intact" test "$(sqlite3 "$db" 'PRAGMA integrity_check')" == ok
	out=$(audit_chain_check "$db")
	check "round $round: the chain recomputes with no gap ($out)" grep -q '^ok ' <<<"$out"
	last=$(sqlite3 "$db" 'SELECT max(seq) FROM audit')
	check "round $round: the chain went on from seq $prev_last (now $last)" test "$last" -gt "$prev_last"
	# The real file, offline, as an administrator would after a crash.
	audit_verify --database "$AUTHD_DB" --key "$PUB"
	check "round $round: audit verify passes on the crashed database" test "$VERIFY_RC" -eq 0
	[[ $VERIFY_RC -eq 0 ]] || sed 's/^/    | /' <<<"$VERIFY_OUT"
	prev_last=$last
done

# --- a clean restart continues the chain -------------------------------------
authd_start
check "authd starts cleanly after the last crash" grep -q "audit chain at seq $prev_last " "$T_DIR/authd.log"
expect_pam "and answers" acct anna -r after-crash -e acct=PAM_SUCCESS
check "the next record is seq $((prev_last + 1))" test \
	"$(sqlite3 "$AUTHD_DB" "SELECT seq FROM audit WHERE rhost='after-crash'")" == $((prev_last + 1))
check "authd stops cleanly" authd_stop
sleep 0.2
sink_stop
audit_verify --database "$AUTHD_DB" --key "$PUB" --from-syslog "$SYSLOG_OUT"
check "audit verify passes after the restart, with the syslog copy" test "$VERIFY_RC" -eq 0
[[ $VERIFY_RC -eq 0 ]] || sed 's/^/    | /' <<<"$VERIFY_OUT"
out=$(python3 - "$SYSLOG_OUT" "$AUTHD_DB" <<'EOF'
import re, sqlite3, sys
db = {s: h.hex() for s, h in sqlite3.connect(sys.argv[2]).execute('SELECT seq, hash FROM audit')}
n = bad = 0
for l in open(sys.argv[1], errors='replace'):
    m = re.match(r'<\d+>1 \S+ \S+ authd \d+ audit \[authd@32473 seq="(\d+)" hash="([0-9a-f]{64})"', l)
    if m:
        n += 1
        if db.get(int(m.group(1))) != m.group(2):
            bad += 1
            print('syslog seq %s hash %s: database has %s' % (m.group(1), m.group(2), db.get(int(m.group(1)))))
print('%d syslog copies, %d records, %d not in the database' % (n, len(db), bad))
sys.exit(1 if bad or n == 0 else 0)
EOF
)
rc=$?
check "every syslog copy is a committed record ($(tail -n1 <<<"$out"))" test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"
t_done
