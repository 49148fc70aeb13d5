#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Fail-over under load.  A PostgreSQL primary with a synchronous standby;
# two authd nodes whose database is both servers in one URI
# (target_session_attrs=read-write: libpq finds the primary).  Clients
# run real PAM transactions against both nodes (account checks allowed
# and denied, code checks denied, each with its own PAM_RHOST), and the
# same fresh code goes to both nodes at once for many users, while the
# primary is killed with SIGKILL; the standby is then promoted and its
# synchronous_standby_names cleared, as a fail-over manager does.
#   - every decision a client received has its audit record, with that
#     decision, on the new primary;
#   - no code is accepted twice, neither in a race across the gap nor
#     replayed to both nodes after it; every code is in the trail once;
#   - during the gap logins fail closed (unavailable, or a deny with its
#     record), each within the PAM module's timeout; before the kill and
#     once the nodes answer again, none is refused as unavailable;
#   - afterwards both nodes serve again without a restart, codes too;
#   - the nodes' write transactions never deadlock each other;
#   - each node's hash chain recomputes, its sequence without a gap.
set -u
AUTHD_TEST_DB=pg
. "$(dirname "$0")/../lib/authd.sh"
PAM_RACE="$BUILD_DIR/tests/pam_race"
# pam_module's default timeout bounds each exchange with authd: one for an
# account check, two for a code check (factors, then the code); SLACK_MS
# is for the rest of a PAM call on a loaded machine.
PAM_TIMEOUT_MS=3000
SLACK_MS=1000
USERS_N=24

# races_wait WHAT NAME: waits for the pam_race of each group (race_pids),
# whose output is in $T_DIR/NAME.GROUP: every round ran, none with a
# code accepted twice; with NAME "race.after" none with an error either.
races_wait() {
	local g rc want what
	for g in 0 1 2; do
		wait "${race_pids[$g]}"
		rc=$?
		t_log "$1, group $g: $(tail -n 1 "$T_DIR/$2.$g")"
		check "$1, group $g: no code accepted twice" test "$rc" -eq 0
		want="^rounds=$(wc -l <"$T_DIR/codes.$g") double_accepts=0 "
		what="every round ran"
		if [[ $2 == race.after ]]; then
			want+=".* errors=0$"
			what+=", none with an error"
		fi
		check "$1, group $g: $what" grep -q "$want" "$T_DIR/$2.$g"
	done
}

t_init
pg_standby sb1 || { echo "FAIL: the standby did not start"; exit 1; }
check "the standby confirms the primary's commits" test \
	"$(pg_sql "SELECT sync_state FROM pg_stat_replication" postgres)" == sync
AUTHD_DB=$PG_HA_URI
authd_setup "workers 4" "database_timeout 2"
authd_start
node_b_start
check "node b serves" b_ctl ping
A_PID=$AUTHD_PID

enroll cecilia
enroll orjan
enroll_many race "$USERS_N"
users=("${USERS[@]}")
check "$USERS_N users enrolled" test "${#users[@]}" -eq "$USERS_N"

# --- load on both nodes --------------------------------------------------
clients=()
for ((n = 1; n <= 6; n++)); do
	svc=authd-test
	((n % 2 == 0)) && svc=authd-test-b
	PAM_SERVICE=$svc CRASH_THROUGH=1 crash_client "$n" 1 \
		>"$T_DIR/client.1.$n" 2>&1 &
	clients+=($!)
done
for ((i = 0; i < 200; i++)); do
	(($(cat "$T_DIR"/client.1.* | wc -l) >= 60)) && break
	sleep 0.05
done

# The race: three groups of users side by side, one round a user at a
# time, each code (the next step's: valid for at least a minute) to both
# nodes at once.  Three rounds a group before the primary dies, the rest
# from the moment it is dead: across the gap and after.
step_safe
for u in "${users[@]}"; do printf '%s %s\n' "$u" "$(code "$u" 1)"; done \
	>"$T_DIR/codes"
race_pids=()
for g in 0 1 2; do
	awk -v g=$g 'NR % 3 == g' "$T_DIR/codes" >"$T_DIR/codes.$g"
	{
		head -n 3 "$T_DIR/codes.$g"
		while [[ ! -e $T_DIR/killed ]]; do sleep 0.02; done
		tail -n +4 "$T_DIR/codes.$g"
	} | "$PAM_RACE" -d "$T_DIR/pam" -s authd-test -s authd-test-b -n 2 \
		-w 30 >"$T_DIR/race.gap.$g" 2>&1 &
	race_pids+=($!)
done
sleep 1.5

# --- the fail-over --------------------------------------------------------
before=$(cat "$T_DIR"/client.1.* | wc -l)
killing=${EPOCHREALTIME/./}
pg_crash
killed=${EPOCHREALTIME/./}
touch "$T_DIR/killed"
t_log "primary killed after $before client transactions, in $(((killed - killing) / 1000)) ms"
sleep 3
promoting=${EPOCHREALTIME/./}
pg_promote || { echo "FAIL: the standby was not promoted"; exit 1; }
promoted=${EPOCHREALTIME/./}
t_log "gap: $(((promoted - killed) / 1000)) ms"
check "the new primary is read-write" test \
	"$(pg_sql "SELECT pg_is_in_recovery()" postgres)" == f

# --- afterwards: both nodes serve, without a restart ------------------------
for ((i = 0; i < 100; i++)); do
	o1=$(pam acct anna -r after-a 2>&1) &&
		o2=$(PAM_SERVICE=authd-test-b pam acct anna -r after-b 2>&1) &&
		break
	t_log "$(((${EPOCHREALTIME/./} - promoted) / 1000)) ms after the promotion:" \
		"$(tr '\n' ' ' <<<"$o1 / ${o2:-}")"
	sleep 0.1
done
recovered=${EPOCHREALTIME/./}
t_log "both nodes answered $(((recovered - promoted) / 1000)) ms after the promotion"
races_wait "race across the gap" race.gap
gap_rounds=$(cat "$T_DIR"/race.gap.? | grep -c ' successes=0 ')
t_log "rounds with no accept (the gap): $gap_rounds"
check "some rounds of the race fell into the gap" test "$gap_rounds" -gt 0
step_safe
expect_pam "a code login on node a after the fail-over" \
	auth cecilia -a "$(code cecilia 0)" -e auth=PAM_SUCCESS
PAM_SERVICE=authd-test-b expect_pam "a code login on node b after the fail-over" \
	auth orjan -a "$(code orjan 0)" -e auth=PAM_SUCCESS
check "node a reconnected" grep -q 'connection lost; connecting again' "$T_DIR/authd.log"
check "node b reconnected" grep -q 'connection lost; connecting again' "$T_DIR/authd-b.log"

# Every code of the race once more, to both nodes: those accepted before
# are refused by both, those the gap refused are accepted by one.
for g in 0 1 2; do
	"$PAM_RACE" -d "$T_DIR/pam" -s authd-test -s authd-test-b -n 2 \
		<"$T_DIR/codes.$g" >"$T_DIR/race.after.$g" 2>&1 &
	race_pids[$g]=$!
done
races_wait "the codes again after the fail-over" race.after

# Let the clients run on the new primary a little, then stop them.
after=$(cat "$T_DIR"/client.1.* | wc -l)
for ((i = 0; i < 200; i++)); do
	(($(cat "$T_DIR"/client.1.* | wc -l) >= after + 60)) && break
	sleep 0.05
done
touch "$T_DIR/stop.1"
wait "${clients[@]}"

# --- what the clients received ----------------------------------------------
out=$(crash_received 1 100 "$AUTHD_DB")
rc=$?
t_log "$out"
check "every decision a client received has its record on the new primary" test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"
# Inside the gap: from the kill to the promotion (before it, no server
# takes writes).  Outside it: before the kill, and once both nodes
# answered again: there a login is never refused as unavailable.
out=$(python3 - "$T_DIR/received.1" "$PAM_TIMEOUT_MS" "$SLACK_MS" \
	"$((killing / 1000))" "$((killed / 1000))" "$((promoting / 1000))" \
	"$((recovered / 1000))" <<'EOF'
import sys
timeout, slack, killing, killed, promoting, recovered = map(int, sys.argv[2:8])
bound = {'acct': timeout + slack, 'auth': 2 * timeout + slack}
n = unavail = slow = worst = 0
gap = {}
outside = []
for line in open(sys.argv[1]):
    tag, op, user, res, ms, start, end = line.split()
    n += 1
    unavail += res == 'PAM_AUTHINFO_UNAVAIL'
    worst = max(worst, int(ms))
    if int(ms) > bound[op]:
        slow += 1
        print('  %s %s %s: %s after %s ms' % (tag, op, user, res, ms))
    if killed <= int(start) and int(end) <= promoting:
        gap[res] = gap.get(res, 0) + 1
    if (int(end) < killing or int(start) > recovered) and res == 'PAM_AUTHINFO_UNAVAIL':
        outside.append(tag)
        print('  %s %s %s: %s outside the gap' % (tag, op, user, res))
print('%d transactions, %d unavailable (%d outside the gap), the longest '
      '%d ms, %d over the bound; inside the gap: %s' % (n, unavail,
      len(outside), worst, slow,
      ' '.join('%s=%d' % kv for kv in sorted(gap.items())) or 'none'))
sys.exit(1 if slow or outside or not gap or gap.get('PAM_SUCCESS') else 0)
EOF
)
rc=$?
t_log "$(tail -n 1 <<<"$out")"
check "logins failed closed inside the gap only, each within the bound" \
	test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"

# --- each code: at most one accept received, exactly one in the trail --------
db_sql "SELECT \"user\", count(*) FROM audit WHERE event = 'auth'
	AND decision = 'allow' AND \"user\" LIKE 'race%' GROUP BY 1" >"$T_DIR/allows"
cat "$T_DIR"/race.gap.? >"$T_DIR/race.gap"
cat "$T_DIR"/race.after.? >"$T_DIR/race.after"
out=$(python3 - "$T_DIR/race.gap" "$T_DIR/race.after" "$T_DIR/allows" "$USERS_N" <<'EOF'
import re, sys
got = {}
for f in sys.argv[1:3]:
    for l in open(f):
        m = re.match(r'(\S+) \S+ successes=(\d+) ', l)
        if m:
            got[m.group(1)] = got.get(m.group(1), 0) + int(m.group(2))
trail = dict(l.strip().split('|') for l in open(sys.argv[3]) if l.strip())
bad = []
for u in sorted(set(got) | set(trail)):
    if got.get(u, 0) > 1:
        bad.append('%s: accepted %d times' % (u, got[u]))
    if int(trail.get(u, 0)) != 1:
        bad.append('%s: %s allows in the trail' % (u, trail.get(u, 0)))
print('%d codes, %d accepts received, %d allows in the trail, %d wrong'
      % (len(got), sum(got.values()), sum(map(int, trail.values())), len(bad)))
for b in bad[:10]:
    print('  ' + b)
sys.exit(1 if bad or len(got) != int(sys.argv[4]) else 0)
EOF
)
rc=$?
t_log "$(head -n 1 <<<"$out")"
check "no code accepted twice across the fail-over, each once in the trail" test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"

# --- the chains -------------------------------------------------------------
authd_stop
node_b_stop
# A writer's transaction takes the locks of every user in its batch, in
# the batch's order; two nodes must not lock each other out (the server
# would refuse one of them, and authd a login).
check "no deadlock between the nodes' transactions" \
	not grep -h 'deadlock detected' "$T_DIR/authd.log" "$T_DIR/authd-b.log"
node_chains_check
check "the database is intact" db_intact
t_done
