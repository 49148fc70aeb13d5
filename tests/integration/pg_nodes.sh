#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Two authd nodes on one PostgreSQL database.  The same fresh code goes to
# both at the same moment from real libpam clients (tests/pam_race, one
# process per node), for many users and two time steps: exactly one
# accept per code, never two, and a replay refused on both.  Each node
# keeps its own hash chain in the shared trail, and both chains
# recompute.  The nodes share the seal key (tokens enrolled on one are
# checked on the other), as docs/postgresql.md says to deploy it.
set -u
AUTHD_TEST_DB=pg
. "$(dirname "$0")/../lib/authd.sh"
PAM_RACE="$BUILD_DIR/tests/pam_race"

t_init
authd_setup "workers 8" "node_heartbeat 1"
authd_start

# --- node b: the same database and seal key, its own sockets and name ----
node_b_start
check "node b serves" b_ctl ping
check "node b uses the same database" grep -q 'node test-node-b' "$T_DIR/authd-b.log"

# --- enrolled on node a ---------------------------------------------------
enroll_many race 40
users=("${USERS[@]}")
check "40 users enrolled on node a" test "${#users[@]}" -eq 40
step_safe
PAM_SERVICE=authd-test-b expect_pam "node b accepts a token enrolled on node a" \
	auth race01 -a "$(code race01 0)" -e auth=PAM_SUCCESS
check "node a refuses that code again" not pam auth race01 -a "$(code race01 0)" -e auth=PAM_SUCCESS
step_safe

# --- the race: every code to both nodes at once ------------------------------
# Round 1: the current step's code (race01's is used already); round 2:
# the next step's (inside the window, after the first); then the current
# step's again (replays).  With race01's login on node b: 80 allows.
input=""
for u in "${users[@]:1}"; do input+="$u $(code "$u" 0)"$'\n'; done
for u in "${users[@]}"; do input+="$u $(code "$u" 1)"$'\n'; done
race_check "one process per node" -s authd-test -s authd-test-b -n 2 <<<"$input"
check "all 79 rounds ran" grep -q '^rounds=79 ' <<<"$RACE_OUT"

# Four processes, two per node, on the replays.
replay=""
for u in "${users[@]}"; do replay+="$u $(code "$u" 0)"$'\n'; done
out=$(printf '%s' "$replay" | "$PAM_RACE" -d "$T_DIR/pam" -s authd-test -s authd-test-b -n 4)
check "replayed codes accepted by neither node" grep -q 'rounds=40 double_accepts=0 no_accepts=40 errors=0$' <<<"$out"

# --- the trail: one chain per node -------------------------------------------
a_allows=$(authctl audit list --limit 10000 --format csv | grep -c ',auth,allow,ok,race')
b_allows=$(b_ctl audit list --limit 10000 --format csv | grep -c ',auth,allow,ok,race')
t_log "allows: node a $a_allows, node b $b_allows"
check "the trail holds exactly one allow per code (80) over both nodes" \
	test $((a_allows + b_allows)) -eq 80
check "both nodes decided some of them" test "$a_allows" -gt 0 -a "$b_allows" -gt 0
check "node a lists its own records only" \
	not grep -q ',test-node-b,' < <(authctl audit list --limit 10000 --format csv)
# --- the nodes see each other -------------------------------------------------
out=$(authctl nodes)
printf '%s\n' "$out" | sed 's/^/    /'
check "authctl nodes lists node a alive" grep -Eq "^test-node +alive " <<<"$out"
check "... and node b alive" grep -Eq "^test-node-b +alive " <<<"$out"
out=$(authctl status)
check "authctl status: the same policy on every live node" \
	grep -q "^policy-versions: same" <<<"$out"
echo "# a change made on node b only" >>"$T_DIR/policy-b/test.policy"
b_ctl policy reload >/dev/null
sleep 2.5
out=$(authctl status)
t_log "$(grep policy-versions <<<"$out")"
check "node b's policy changed alone: node a's status says they differ" \
	grep -q "^policy-versions: differ (test-node-b has " <<<"$out"
check "... and node a's log says so once" \
	test "$(grep -c 'nodes: policy version .* but test-node-b has' "$T_DIR/authd.log")" -eq 1
authd_stop
node_b_stop
node_chains_check
check "the database is intact" db_intact
t_done
