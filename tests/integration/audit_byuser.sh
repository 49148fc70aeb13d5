#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The audit trail's index by user (authd/userindex.c), kept in its own
# database off the commit path.  `authctl audit list --user` must give
# exactly the records of that user (counted by sqlite3 on the trail
# itself), both for records the index has reached and for those it has
# not; the index must catch up within seconds; deleted, or found ahead of
# the trail (another database put in place), it is rebuilt at start and
# the answers stay the same.
set -u
. "$(dirname "$0")/../lib/authd.sh"
t_need sqlite3

t_init
authd_setup
authd_start
UX="$AUTHD_DB-byuser"

# requests N: N account decisions, alternating anna, dag and bertil.
requests() {
	local i users=(anna dag bertil)
	for ((i = 0; i < $1; i++)); do
		pam acct "${users[i % 3]}" >/dev/null
	done
}

# listed USER: how many of USER's records authctl lists.
listed() {
	authctl audit list --user "$1" --limit 10000 --format csv |
		tail -n +2 | wc -l
}
# stored USER: how many the trail holds, by a scan of the trail itself.
stored() {
	sqlite3 "$AUTHD_DB" "SELECT count(*) FROM audit WHERE user = '$1'"
}
# upto: how far the index has reached.
upto() { sqlite3 "$UX" 'SELECT upto FROM state'; }
head_seq() { sqlite3 "$AUTHD_DB" 'SELECT max(seq) FROM audit'; }

# same WHAT: each user's listing equals the trail's count (and is not 0).
same() {
	local u ok=0
	for u in anna dag bertil; do
		local l s
		l=$(listed "$u")
		s=$(stored "$u")
		t_log "$1: $u listed $l, stored $s"
		[[ $l -eq $s && $s -gt 0 ]] || ok=1
	done
	check "$1" test "$ok" -eq 0
}

requests 30
# Caught up within a few seconds (the thread runs once a second).
for ((i = 0; i < 50; i++)); do
	[[ $(upto) -eq $(head_seq) ]] && break
	sleep 0.2
done
check "the index reaches the newest record" test "$(upto)" -eq "$(head_seq)"
check "the index holds keys, not a scan" \
	test "$(sqlite3 "$UX" "SELECT count(*) FROM audit_user WHERE user = 'anna'")" -eq "$(stored anna)"
same "listing by user after the index caught up"
# Records the index has not reached yet are found too.
requests 9
same "listing by user right after new records"
check "no other user's record is listed" bash -c \
	"! '$AUTHCTL_BIN' audit list --user anna --limit 1000 --format csv | tail -n +2 | grep -v ',anna,' | grep -q ."
authd_stop

# Ahead of the trail: rebuilt.
sqlite3 "$UX" 'UPDATE state SET upto = 1000000000'
authd_start
requests 3
for ((i = 0; i < 50; i++)); do
	[[ $(upto) -eq $(head_seq) ]] && break
	sleep 0.2
done
check "an index ahead of the trail is rebuilt" grep -q 'user index: ahead of the audit trail' "$T_DIR/authd.log"
check "and catches up again" test "$(upto)" -eq "$(head_seq)"
same "listing by user after the rebuild"
authd_stop

# Deleted: rebuilt from the trail.
rm -f "$UX" "$UX-wal" "$UX-shm"
authd_start
same "listing by user with the index deleted"
for ((i = 0; i < 50; i++)); do
	[[ -f $UX && $(upto) -eq $(head_seq) ]] && break
	sleep 0.2
done
check "a deleted index is made again" test "$(upto)" -eq "$(head_seq)"
check "it is authd's alone (mode 600)" test "$(stat -c %a "$UX")" = 600
authd_stop
t_done
