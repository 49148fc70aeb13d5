#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A hostile local user blocks no login: a real unprivileged account opens
# more connections to the review socket (which anyone may reach) than
# authd's whole pool used to hold, keeps them alive and floods requests on
# them.  While it does, root logs in through real libpam with a valid
# code, `authctl ping` is answered, and another uid is served on the
# review socket; the flooder holds no more than its per-uid share, its
# requests over budget are refused, and the refusals are logged and
# audited once, with a count.  Then an admin_group member who floods the
# admin socket cannot take root's reserve there, and a client_group
# member who floods the PAM socket cannot take root's logins.
set -u
. "$(dirname "$0")/../lib/authd.sh"
t_need setpriv useradd userdel groupadd groupdel
FLOOD_BIN="$BUILD_DIR/tests/flood_client"
[[ -x $FLOOD_BIN ]] || { echo "FAIL: $FLOOD_BIN is not built"; exit 1; }

t_init
FLOOD_USER=authd-flood$$
FLOOD_GROUP=authd-floodgrp$$
made_user="" made_group=""
flood_cleanup() {
	[[ -n ${FLOOD_PID:-} ]] && kill "$FLOOD_PID" 2>/dev/null && wait "$FLOOD_PID" 2>/dev/null
	[[ -n $made_user ]] && userdel "$FLOOD_USER" 2>/dev/null
	[[ -n $made_group ]] && groupdel "$FLOOD_GROUP" 2>/dev/null
	t_cleanup
}
trap flood_cleanup EXIT
groupadd "$FLOOD_GROUP" && made_group=1 || { fail "groupadd"; t_done; }
useradd -M -d /nonexistent -s /usr/sbin/nologin "$FLOOD_USER" && made_user=1 ||
	{ fail "useradd"; t_done; }
FLOOD_UID=$(id -u "$FLOOD_USER")
FLOOD_GID=$(getent group "$FLOOD_GROUP" | cut -d: -f3)
as_flooder() { setpriv --reuid="$FLOOD_UID" --regid="$FLOOD_UID" --clear-groups "$@"; }
# The same uid, in the group that the admin and PAM sockets serve.
as_member() { setpriv --reuid="$FLOOD_UID" --regid="$FLOOD_UID" --groups="$FLOOD_GID" "$@"; }
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# The default budgets, but for the groups that make the flooder a member.
authd_setup "admin_group $FLOOD_GROUP" "client_group $FLOOD_GROUP"
authd_start
enroll anna
enroll bertil

dump=$("$AUTHD_BIN" -T -f "$AUTHD_CONF" 2>&1)
for kw in "admin_connections 16" "root_connections 4" "review_connections 16" \
    "review_connections_per_uid 4" "review_idle_timeout 10" \
    "review_request_rate 10" "review_request_burst 30" \
    "pam_connections_per_uid 256" "pam_request_rate 200" \
    "pam_request_burst 400"; do
	check "authd -T prints $kw" grep -qx "$kw" <<<"$dump"
done

# flood SOCKET N SECONDS [as_...]: starts a flood_client in the background;
# returns once it holds what it could get, in FLOOD_HELD.
flood() {
	local sock=$1 n=$2 secs=$3 as=${4:-as_flooder} i
	: >"$T_DIR/flood.out"
	$as "$FLOOD_BIN" hold "$sock" "$n" "$secs" >"$T_DIR/flood.out" 2>&1 &
	FLOOD_PID=$!
	for ((i = 0; i < 300; i++)); do
		grep -q '^held ' "$T_DIR/flood.out" && break
		kill -0 "$FLOOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	FLOOD_HELD=$(sed -n 's/^held \([0-9]*\) .*/\1/p' "$T_DIR/flood.out")
	t_log "flood of $sock: $(head -n1 "$T_DIR/flood.out")"
	[[ -n $FLOOD_HELD ]]
}
flood_wait() {
	wait "$FLOOD_PID" 2>/dev/null
	FLOOD_PID=
	t_log "$(tail -n1 "$T_DIR/flood.out")"
}
# idle_closed SECONDS: a silent connection to the review socket is served
# and then closed by authd within SECONDS (run as nobody).
idle_closed() {
	as_nobody /usr/bin/python3 - "$AUTHD_REVIEW_SOCK" "$1" <<-'EOF'
	import socket, sys, time
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.connect(sys.argv[1])
	s.settimeout(float(sys.argv[2]))
	t = time.time()
	try:
	    closed = s.recv(1) == b''
	except OSError:
	    closed = False
	took = time.time() - t
	print('# closed after %.1f s' % took if closed else
	      '# still open after %s s' % sys.argv[2])
	# Closed at once would be a refusal, not the idle timeout.
	sys.exit(0 if closed and took >= 1 else 1)
	EOF
}

# --- the review socket: more connections than the old pool ------------------
step_safe
flood "$AUTHD_REVIEW_SOCK" 1100 20 || fail "the flood did not start"
check "the flooder holds at most its 4 review connections (${FLOOD_HELD:-?})" \
	test "${FLOOD_HELD:-9999}" -le 4
check "the flooder holds some (${FLOOD_HELD:-?})" test "${FLOOD_HELD:-0}" -ge 1
idle_closed 14 >"$T_DIR/idle.out" 2>&1 &
idle_pid=$!
check "authctl ping is answered during the flood" authctl -t 5 ping
expect_pam "root's login with a valid code succeeds during the flood" \
	"auth acct" anna -a "$(code anna 0)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS
check "another uid is served on the review socket during the flood" \
	as_nobody "$FLOOD_BIN" ping "$AUTHD_REVIEW_SOCK"
out=$(as_flooder "$FLOOD_BIN" ping "$AUTHD_REVIEW_SOCK")
check "the flooder gets no further connection ($out)" test "$out" = "ping: busy"
sleep 3
check "authctl ping is still answered" authctl -t 5 ping
expect_pam "root's second login succeeds" auth anna -a "$(code anna 1)" -e auth=PAM_SUCCESS
wait "$idle_pid"
check "an idle review connection is closed within review_idle_timeout" test $? -eq 0
t_log "$(cat "$T_DIR/idle.out")"
flood_wait
read -r answered busy < <(sed -n 's/^pings: \([0-9]*\) answered, \([0-9]*\) busy.*/\1 \2/p' "$T_DIR/flood.out")
check "the flooder's requests within its budget are answered (${answered:-?})" \
	test "${answered:-0}" -ge 1
check "its requests over the budget are refused busy (${busy:-?})" test "${busy:-0}" -ge 100
check "its connections stayed open (no loss)" grep -q 'lost 0$' "$T_DIR/flood.out"
n=$(grep -c "review socket: uid $FLOOD_UID (pid [0-9]*) over budget: connections" "$T_DIR/authd.log")
check "refused connections: one log line in the minute ($n)" test "$n" -eq 1
n=$(grep -c "review socket: uid $FLOOD_UID (pid [0-9]*) over budget: requests" "$T_DIR/authd.log")
check "refused requests: one log line ($n)" test "$n" -eq 1
n=$(db_sql "SELECT count(*) FROM audit WHERE event = 'over-budget' AND actor LIKE 'review:uid=$FLOOD_UID,%'")
check "the refusals are audited once each ($n records)" test "$n" -eq 2
check "the audit records say why" audit_has "over-budget,deny,busy,.*review:uid=$FLOOD_UID"
sleep 1
check "once the flood ends the flooder is served again" as_flooder "$FLOOD_BIN" ping "$AUTHD_REVIEW_SOCK"

# --- the admin socket: root's reserve -----------------------------------------
flood "$AUTHD_ADMIN_SOCK" 200 3 as_member || fail "the admin flood did not start"
check "an admin_group member holds at most 16 - 4 admin connections (${FLOOD_HELD:-?})" \
	test "${FLOOD_HELD:-9999}" -eq 12
check "root reaches the admin socket past it" authctl -t 5 ping
flood_wait

# --- the PAM socket: a client_group member's share ----------------------------
flood "$AUTHD_SOCK" 300 3 as_member || fail "the PAM flood did not start"
check "a client_group member holds at most 256 PAM connections (${FLOOD_HELD:-?})" \
	test "${FLOOD_HELD:-9999}" -eq 256
expect_pam "root's login succeeds past it" auth bertil -a "$(code bertil 0)" -e auth=PAM_SUCCESS
flood_wait

check "authd still running" kill -0 "$AUTHD_PID"
check "authd stops cleanly" authd_stop
t_done
