#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The paths a pilot host's requests take through authd in relay mode, in
# the namespaces of tests/lib/netns.sh (the relay and sshd in the pilot's,
# slapd and the two central nodes in the central one).  Which node
# answered is read off each node's own audit database (the nodes share
# none), by the request's PAM_RHOST.
#   - Servers the relay must take as dead, never trust: a certificate from
#     the right CA with another name, an expired one, a server that speaks
#     only TLS 1.2 (openssl s_server).  Each stands first in
#     relay_servers, a good node second: the login goes through the
#     second, the first audits nothing, and the relay's log says why.
#   - Back-off and reuse: the first node blackholed, a login goes through
#     the second within the module's deadline; the relay logs the failure
#     once however often it tries again; the first node back, the relay
#     says so once, within about relay_backoff seconds, and the first node
#     answers again.
#   - A real sshd in the pilot namespace, pam_authd.so talking to the
#     relay: password and code over keyboard-interactive let anna in, a
#     wrong code or password does not, and the central records name the
#     host and its certificate.
#   - The first node killed (SIGKILL) with a request in hand (the
#     directory held still so that it cannot answer first): the relay
#     sends the request to the second, which answers it.  Killed while
#     the relay is idle: the relay's keeper takes the first for failed,
#     and the second not.
#   - Durability through the relay: clients run PAM transactions while
#     the first node is killed; they go on through the second, and every
#     decision a client received is recorded, as received, by a node.
set -u
. "$(dirname "$0")/../lib/authd.sh"
. "$(dirname "$0")/../lib/netns.sh"
. "$(dirname "$0")/../lib/sshd.sh"
netns_enter "$@"
t_init
t_need sqlite3 python3 ss
C=$T_DIR/pki
pki_init "$C"
{
	pki_ca ca &&
	pki_leaf srv1 ca authd1.kommun.test &&
	pki_leaf srv2 ca authd2.kommun.test &&
	pki_leaf app01 ca app01.kommun.test &&
	pki_leaf srv1name ca authd9.kommun.test &&
	pki_leaf_dated srv1old ca authd1.kommun.test 20200101000000Z 20200201000000Z &&
	pki_crl ca
} || { echo "FAIL: making certificates"; exit 1; }

# The system sshd logs in to also wants the directory password.
HOST_POLICY='system pilotssh {
    owner anna
    confidentiality 2
    integrity 2
    availability 2
    mfa required
    password yes
    role users {
        group "cn=pilot-users,ou=groups,dc=exempel,dc=se"
    }
}
host app01.kommun.test {
    systems pilot pilotssh
}'
# A user per login with a code: the nodes do not share which codes were
# used, and each login must be free to go to either.
central_setup anna race01 race02 race03 race04 race05 race06
AUTHD_SOCK=$RELAY_SOCK
pam_stack authd-test "system=pilot timeout=3"
SERVERS="authd1.kommun.test:7443 authd2.kommun.test:7443"
S1=authd1.kommun.test:7443
S2=authd2.kommun.test:7443
FP=$(openssl x509 -in "$C/app01.crt" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' | cut -c1-16)
ACTOR="\"tls:host=app01.kommun.test,fp=$FP\""

# relay LOG: a new relay with both nodes, node 1 first, logging to LOG.
relay() {
	relay_stop
	relay_conf "$T_DIR/relay.conf" "$C/app01.crt" "$C/app01.key" "$SERVERS"
	relay_start "$T_DIR/relay.conf" "$1"
}

# login WHAT USER RHOST: auth and account through the relay succeed.
login() {
	step_safe
	expect_pam "$1" "auth acct" "$2" -r "$3" -a "$(code "$2")" \
		-e auth=PAM_SUCCESS -e acct=PAM_SUCCESS
}

# count PATTERN FILE: the number of lines of FILE that match.
count() { grep -c -- "$1" "$2"; }

# node1_cert NAME: node 1 restarted with the server certificate NAME.
node1_cert() {
	authd_stop
	sed -i -e "s|^tls_cert .*|tls_cert $C/$1.crt|" \
		-e "s|^tls_key .*|tls_key $C/$1.key|" "$CONF1"
	authd_start
}

# --- servers the relay must not trust ----------------------------------------
# bad_first WHAT USER WHY: with node 1's place taken by a bad server, a
# login succeeds through node 2, node 1 audits none of it, and the relay's
# log says the first server failed, and WHY.
bad_first() {
	local log=$T_DIR/relay-$2.log
	relay "$log"
	login "$1: the login goes through the second node" "$2" "$2-bad"
	check "... answered by the second node only" test "$(answered_by "$2-bad")" = 2
	check "... and the relay says why the first failed ($3)" \
		grep -q "server $S1 failed: 10.77.0.1: $3" "$log"
}
node1_cert srv1name
bad_first "a server certificate for another name" race01 \
	"certificate: hostname mismatch"
node1_cert srv1old
bad_first "an expired server certificate" race02 \
	"certificate: certificate has expired"
authd_stop
openssl s_server -tls1_2 -cert "$C/srv1.crt" -key "$C/srv1.key" \
	-accept 10.77.0.1:7443 -quiet </dev/null >"$T_DIR/s_server.log" 2>&1 &
SSERVER_PID=$!
for ((i = 0; i < 50; i++)); do
	(exec 3<>/dev/tcp/10.77.0.1/7443) 2>/dev/null && break
	sleep 0.1
done
bad_first "a server that speaks only TLS 1.2" race03 "handshake"
check "... which the relay reached, offering TLS 1.3 only" \
	grep -q "unsupported protocol" "$T_DIR/s_server.log"
kill "$SSERVER_PID"; wait "$SSERVER_PID" 2>/dev/null
node1_cert srv1

# --- back-off, and the first node used again ----------------------------------
LOG=$T_DIR/relay-backoff.log
relay "$LOG"
login "both nodes up: a login through the relay" race04 b-up
check "... answered by the first node" test "$(answered_by b-up)" = 1
ip addr del 10.77.0.1/24 dev vc
t0=$(date +%s%N)
login "the first node blackholed: a login succeeds" race05 b-hole
ms=$((($(date +%s%N) - t0) / 1000000))
t_log "the login with the first node blackholed took $ms ms"
check "... within the module's deadline (3000 ms)" test "$ms" -lt 3000
check "... answered by the second node" test "$(answered_by b-hole)" = 2
# Longer than the back-off: the relay tries the first node again, and fails.
sleep 3
expect_pam "still blackholed: an account check succeeds" acct anna -r b-hole2 \
	-e acct=PAM_SUCCESS
check "... answered by the second node" test "$(answered_by b-hole2)" = 2
check "the relay logged the failed server once" \
	test "$(count "server $S1 failed" "$LOG")" -eq 1
ip addr add 10.77.0.1/24 dev vc
t0=$(date +%s%N)
for ((i = 0; i < 80; i++)); do
	grep -q "server $S1 answers again" "$LOG" && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
t_log "the relay found the first node back after $ms ms"
# The back-off (2 s) and a connection attempt already under way (up to
# four relay_connect_timeout) at the most.
check "the relay says once that the first node answers again" \
	test "$(count "server $S1 answers again (10.77.0.1)" "$LOG")" -eq 1
check "... within relay_backoff and one connection attempt ($ms ms)" test "$ms" -le 4500
expect_pam "the first node back: an account check succeeds" acct anna -r b-back \
	-e acct=PAM_SUCCESS
check "... answered by the first node again" test "$(answered_by b-back)" = 1
check "the relay logged no other failure of it" \
	test "$(count "server $S1 failed" "$LOG")" -eq 1

# --- one name, two addresses -------------------------------------------------------
# Both nodes behind one name (its certificate names it): with the first
# address blackholed after the relay warmed connections to it, a request
# goes to the second address within the deadline, and the name is not
# taken for failed while one of its addresses answers.
pki_leaf srvboth ca authd.kommun.test || fail "making a certificate for authd.kommun.test"
printf '10.77.0.1 authd.kommun.test\n10.77.0.2 authd.kommun.test\n' \
	>>"/etc/netns/$PILOT_NS/hosts"
node1_cert srvboth
node2_stop
sed -i -e "s|^tls_cert .*|tls_cert $C/srvboth.crt|" \
	-e "s|^tls_key .*|tls_key $C/srvboth.key|" "$CONF2"
node2_start
LOG=$T_DIR/relay-twoaddr.log
relay_stop
relay_conf "$T_DIR/relay.conf" "$C/app01.crt" "$C/app01.key" "authd.kommun.test:7443"
relay_start "$T_DIR/relay.conf" "$LOG"
expect_pam "one name, two addresses: an account check succeeds" acct anna \
	-r t-both -e acct=PAM_SUCCESS
check "... answered by the first address" test "$(answered_by t-both)" = 1
ip addr del 10.77.0.1/24 dev vc
t0=$(date +%s%N)
expect_pam "the first address blackholed: an account check succeeds" acct anna \
	-r t-second -e acct=PAM_SUCCESS
ms=$((($(date +%s%N) - t0) / 1000000))
check "... within the module's deadline ($ms ms)" test "$ms" -lt 3000
check "... answered at the second address" test "$(answered_by t-second)" = 2
expect_pam "... and the next one too" acct anna -r t-second2 -e acct=PAM_SUCCESS
check "... at the second address" test "$(answered_by t-second2)" = 2
ip addr add 10.77.0.1/24 dev vc
relay_stop
node1_cert srv1
node2_stop
sed -i -e "s|^tls_cert .*|tls_cert $C/srv2.crt|" \
	-e "s|^tls_key .*|tls_key $C/srv2.key|" "$CONF2"
node2_start
relay "$T_DIR/relay-sshd.log"

# --- a real sshd on the pilot host -----------------------------------------------
sshd_check
if [[ -z $SSHD_MISSING ]]; then
	SSHD_NETNS=$PILOT_NS
	trap 'sshd_cleanup; central_cleanup' EXIT
	sshd_users anna
	sshd_start "socket=$RELAY_SOCK system=pilotssh timeout=3"
	step_safe
	out=$(ssh_login anna "$(code anna)" Passw0rd-anna)
	check "ssh through the relay: anna logs in with password and code" \
		grep -qx logged-in-as-anna <<<"$out"
	check "... asked for the password, then the code" python3 -c '
import sys
p = open(sys.argv[1]).read()
sys.exit(not 0 <= p.find("Password") < p.find("Verification code"))' "$T_DIR/prompts"
	out=$(ssh_login anna 000000 Passw0rd-anna)
	check "ssh through the relay: a wrong code is refused" not grep -q logged-in <<<"$out"
	out=$(ssh_login anna "$(code anna 1)" Wrong-password)
	check "ssh through the relay: a wrong password is refused" not grep -q logged-in <<<"$out"
	check "sshd still runs" kill -0 "$SSHD_PID"
	audit=$(authctl audit list --limit 10000 --format csv)
	at="anna,pilotssh,$SSHD_SVC,127\.0\.0\.1,ssh,$ACTOR"
	# The login's phases, then the two refusals: each with sshd's rhost
	# and tty and the host's name and certificate.
	for r in auth,allow,ok account,allow,ok session-open,ok,ok \
		session-close,ok,ok auth,deny,bad-code auth,deny,bad-password; do
		check "audit: $r for anna through sshd, naming the host" \
			grep -q ",$r,$at," <<<"$audit"
	done
	sshd_cleanup
else
	t_log "no sshd test: $SSHD_MISSING"
fi

# --- a central node dies ---------------------------------------------------------
# With a request in hand (the directory held still, so that it cannot
# answer first): the relay sends the request to the second node, which
# answers it, and takes only the first for failed.
# ldap_waiting: true while a query waits, unread, at slapd.
ldap_waiting() { ss -Htn "sport = :$LDAP_PORT" | awk '$2 > 0 { f = 1 } END { exit !f }'; }
LOG=$T_DIR/relay-inhand.log
relay "$LOG"
kill -STOP "$SLAPD_PID"
check "nothing waits at the held directory yet" not ldap_waiting
pam acct race06 -r d-inhand >"$T_DIR/inhand.out" 2>&1 &
inhand=$!
# The request is in hand when node 1's query waits, unread, at slapd.
for ((i = 0; i < 60; i++)); do ldap_waiting && break; sleep 0.05; done
check "the first node has a request in hand (its query waits at slapd)" ldap_waiting
authd_crash
kill -CONT "$SLAPD_PID"
wait "$inhand"
check "the first node dies with a request in hand: the second answers it" \
	grep -qx acct=PAM_SUCCESS "$T_DIR/inhand.out"
check "... answered by the second node" test "$(answered_by d-inhand)" = 2
check "... the relay took the first node for failed" grep -q "server $S1 failed" "$LOG"
check "... and not the second" not grep -q "server $S2 failed" "$LOG"
# While the relay is idle: its keeper is the first to meet the dead node.
authd_start
LOG=$T_DIR/relay-idle.log
relay "$LOG"
authd_crash
sleep 2.5
check "the first node dies while the relay is idle: the relay takes it for failed" \
	grep -q "server $S1 failed" "$LOG"
check "... and not the second" not grep -q "server $S2 failed" "$LOG"
expect_pam "... a login then goes through the second" acct anna -r d-idle \
	-e acct=PAM_SUCCESS
check "... answered by the second node" test "$(answered_by d-idle)" = 2

# Durability: crash_client transactions through the relay; node 1 is
# killed with SIGKILL mid-run, the clients go on through node 2 for a
# while.
authd_start
LOG=$T_DIR/relay-crash.log
relay "$LOG"
expect_pam "before the crash: the first node answers" acct anna -r d-before \
	-e acct=PAM_SUCCESS
check "... answered by the first node" test "$(answered_by d-before)" = 1
CLIENTS=4
clients=()
for ((n = 1; n <= CLIENTS; n++)); do
	crash_client "$n" 1 >"$T_DIR/client.1.$n" 2>&1 &
	clients+=($!)
done
lines() { cat "$T_DIR"/client.1.* | wc -l; }
for ((i = 0; i < 200; i++)); do
	(($(lines) >= 40)) && break
	sleep 0.05
done
sleep "0.0$((RANDOM % 10))"
pid=$AUTHD_PID
authd_crash
not_running() { ! kill -0 "$1" 2>/dev/null; }
check "the first node was killed (after $(lines) transactions)" not_running "$pid"
got=$(lines)
for ((i = 0; i < 200; i++)); do
	(($(lines) >= got + 30)) && break
	sleep 0.05
done
touch "$T_DIR/stop.1"
wait "${clients[@]}"
check "the relay did not take the second node for failed" \
	not grep -q "server $S2 failed" "$LOG"
node2_stop
db1=$(audit_db_copy crash1)
out=$(crash_received 1 60 "$db1" "$T_DIR/state2/authd.db")
rc=$?
t_log "$out"
check "every decision a client received through the relay is recorded as received" \
	test $rc -eq 0
[[ $rc -eq 0 ]] || sed 's/^/    /' <<<"$out"
check "... and no client was refused for want of a server" grep -q " 0 unavailable" <<<"$out"
held=$(sed -n 's/.*held by each database: //p' <<<"$out" | head -n 1)
check "... by the first node before the crash and the second after ($held)" \
	bash -c '[[ $1 =~ ^([0-9]+)\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] > 0 && BASH_REMATCH[2] > 0))' _ "$held"
check "the first node's database is intact" \
	test "$(sqlite3 "$db1" 'PRAGMA integrity_check')" == ok
check "the relay logged the crashed node's failure once" \
	test "$(count "server $S1 failed" "$LOG")" -eq 1
[[ -z $SSHD_MISSING || $FAILURES -ne 0 ]] ||
	skip "no sshd test: $SSHD_MISSING (the other checks passed)"
t_done
