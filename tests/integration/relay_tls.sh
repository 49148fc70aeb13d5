#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A pilot host reaches two central authd nodes over mutual TLS through
# authd in relay mode, across network namespaces this test makes itself:
#   pilot namespace:   the relay (10.77.0.10), pam_authd.so through libpam
#   central namespace: slapd on its loopback, authd1 (10.77.0.1:7443) and
#                      authd2 (10.77.0.2:7443), one veth pair between them
# Certificates come from the openssl CLI: the municipality's CA, another
# CA, server and client certificates, a revoked client certificate.
# Checks: a login through the relay, audited with the host's name and
# certificate; a wrong code; a host asking about a system not its own; the
# first node blackholed (its address gone: packets dropped, not refused)
# and logins through the second within the deadline; a server certificate
# from another CA skipped; client certificates from another CA, revoked or
# missing refused by the central node and audited.
set -u
if [[ ${1:-} != inner ]]; then
	[[ $(id -u) -eq 0 ]] || { echo "SKIP: needs root"; exit 77; }
	command -v ip >/dev/null && command -v openssl >/dev/null ||
		{ echo "SKIP: ip or openssl missing"; exit 77; }
	ns=authdt$$
	PILOT_NS=${ns}p CEN_NS=${ns}c
	cleanup_ns() {
		ip netns del "$PILOT_NS" 2>/dev/null
		ip netns del "$CEN_NS" 2>/dev/null
		rm -rf "/etc/netns/$PILOT_NS"
	}
	trap cleanup_ns EXIT
	ip netns add "$PILOT_NS" 2>/dev/null && ip netns add "$CEN_NS" 2>/dev/null ||
		{ echo "SKIP: cannot make network namespaces"; exit 77; }
	ip -n "$PILOT_NS" link add vp type veth peer name vc netns "$CEN_NS" || exit 77
	ip -n "$PILOT_NS" addr add 10.77.0.10/24 dev vp
	# Taking the first node's address away must leave the second's.
	ip netns exec "$CEN_NS" sysctl -qw net.ipv4.conf.vc.promote_secondaries=1
	ip -n "$CEN_NS" addr add 10.77.0.1/24 dev vc
	ip -n "$CEN_NS" addr add 10.77.0.2/24 dev vc
	for n in "$PILOT_NS" "$CEN_NS"; do
		ip -n "$n" link set lo up
	done
	ip -n "$PILOT_NS" link set vp up
	ip -n "$CEN_NS" link set vc up
	# ip netns exec shows this file as /etc/hosts inside the namespace.
	mkdir -p "/etc/netns/$PILOT_NS"
	printf '10.77.0.1 authd1.kommun.test\n10.77.0.2 authd2.kommun.test\n' \
		>"/etc/netns/$PILOT_NS/hosts"
	export PILOT_NS CEN_NS
	ip netns exec "$CEN_NS" "$0" inner
	exit $?
fi

. "$(dirname "$0")/../lib/authd.sh"
t_init
C=$T_DIR/pki
mkdir -p "$C"
(
	cd "$C" || exit 1
	ossl() { openssl "$@" >/dev/null 2>&1 || { echo "openssl $1 failed" >&2; exit 1; }; }
	ca() {	# NAME
		ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$1.key" -out "$1.crt" -days 30 -subj "/CN=$1"
	}
	leaf() {	# NAME CA DNS [extra x509 args]
		local n=$1 ca=$2 dns=$3; shift 3
		ossl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout "$n.key" -out "$n.csr" -subj "/CN=$dns"
		printf 'subjectAltName=DNS:%s\n' "$dns" >"$n.ext"
		ossl x509 -req -in "$n.csr" -CA "$ca.crt" -CAkey "$ca.key" \
			-CAcreateserial -out "$n.crt" -days 30 -extfile "$n.ext" "$@"
	}
	ca ca
	ca otherca
	leaf srv1 ca authd1.kommun.test
	leaf srv2 ca authd2.kommun.test
	leaf srv2bad otherca authd2.kommun.test
	leaf app01 ca app01.kommun.test
	leaf rogue otherca app01.kommun.test
	leaf revoked ca app01.kommun.test
	leaf stranger ca stranger.kommun.test
	# A CRL that revokes "revoked" (openssl ca needs its small database).
	: >index.txt
	printf '01\n' >crlnumber
	cat >ca.cnf <<-EOC
	[ ca ]
	default_ca = d
	[ d ]
	database = index.txt
	crlnumber = crlnumber
	default_md = sha256
	default_crl_days = 30
	EOC
	ossl ca -config ca.cnf -revoke revoked.crt -keyfile ca.key -cert ca.crt
	ossl ca -config ca.cnf -gencrl -keyfile ca.key -cert ca.crt -out ca.crl
) || { echo "FAIL: making certificates"; exit 1; }
chmod 644 "$C"/*.crt "$C"/*.crl
chmod 600 "$C"/*.key

# --- the central nodes (this namespace) ------------------------------------
cat >"$T_DIR/policy-hosts.policy" <<EOP
host app01.kommun.test {
    systems pilot
}
EOP
test_policy "$T_DIR/policy"
cp "$T_DIR/policy-hosts.policy" "$T_DIR/policy/hosts.policy"
chmod 644 "$T_DIR/policy/hosts.policy"
authd_setup "tls_listen 10.77.0.1:7443" "tls_cert $C/srv1.crt" \
	"tls_key $C/srv1.key" "tls_client_ca $C/ca.crt" "tls_crl $C/ca.crl"
authd_start
step_safe
enroll anna
# The second node: the same state, its own address and certificate.
authd_stop
cp -a "$T_DIR/state" "$T_DIR/state2"
CONF1=$AUTHD_CONF
CONF2=$T_DIR/authd2.conf
sed -e "s|$T_DIR/state/|$T_DIR/state2/|g" -e "s|$T_DIR/run/|$T_DIR/run2/|g" \
	-e "s|10.77.0.1:7443|10.77.0.2:7443|" -e "s|srv1\.|srv2.|g" \
	-e "s|node_name test-node|node_name test-node2|" "$CONF1" >"$CONF2"
mkdir -p "$T_DIR/run2"
authd_start
PID1=$AUTHD_PID
ADMIN2=$T_DIR/run2/admin.sock
node2_start() {
	"$AUTHD_BIN" -d -f "$CONF2" >>"$T_DIR/authd2.log" 2>&1 &
	PID2=$!
	for ((i = 0; i < 100; i++)); do
		AUTHD_ADMIN_SOCKET=$ADMIN2 authctl ping >/dev/null 2>&1 && break
		sleep 0.1
	done
}
node2_start

# --- the relay (the pilot host's namespace) ---------------------------------
RELAY_SOCK=$T_DIR/run/relay.sock
RELAY_ADMIN=$T_DIR/run/relay-admin.sock
relay_conf() {	# FILE CERT KEY SERVERS
	cat >"$1" <<-EOF2
	socket $RELAY_SOCK
	admin_socket $RELAY_ADMIN
	user $AUTHD_USER
	relay_servers "$4"
	relay_cert $2
	relay_key $3
	relay_ca $C/ca.crt
	relay_connect_timeout 500
	relay_reply_timeout 1000
	relay_backoff 2
	relay_keepalive 1
	EOF2
}
RELAY_PID=
relay_start() {	# CONF LOG
	ip netns exec "$PILOT_NS" "$AUTHD_BIN" -d -f "$1" >>"$2" 2>&1 &
	RELAY_PID=$!
	for ((i = 0; i < 50; i++)); do [[ -S $RELAY_SOCK ]] && break; sleep 0.1; done
	sleep 1.5	# the keeper warms its connections
}
relay_stop() {
	[[ -n $RELAY_PID ]] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
	rm -f "$RELAY_SOCK"
}
all_cleanup() {
	relay_stop
	kill "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null
	t_cleanup
}
trap all_cleanup EXIT

SERVERS="authd1.kommun.test:7443 authd2.kommun.test:7443"
relay_conf "$T_DIR/relay.conf" "$C/app01.crt" "$C/app01.key" "$SERVERS"
check "authd -t accepts the relay configuration" \
	"$AUTHD_BIN" -t -f "$T_DIR/relay.conf"
relay_start "$T_DIR/relay.conf" "$T_DIR/relay.log"
AUTHD_SOCK=$RELAY_SOCK
pam_stack authd-test "system=pilot timeout=3"
pam_stack authd-finance "system=finance timeout=3"

step_safe
expect_pam "a login through the relay and TLS succeeds" "auth acct" anna \
	-a "$(code anna)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS
fp=$(openssl x509 -in "$C/app01.crt" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' | cut -c1-16)
check "the audit record names the host and its certificate" \
	audit_has ",auth,allow,ok,anna,pilot,authd-test,192.0.2.10,ssh,\"tls:host=app01.kommun.test,fp=$fp\","
expect_pam "a wrong code through the relay fails" auth anna -a 000000 \
	-e auth=PAM_AUTH_ERR
relay_ctl() { AUTHD_ADMIN_SOCKET=$RELAY_ADMIN authctl "$@"; }
out=$(relay_ctl ping 2>&1)
t_log "authctl ping on the relay: $out"
check "authctl ping on the relay names the node, the host and the server" \
	grep -q "alive: node test-node, as host app01.kommun.test, via authd1.kommun.test:7443 (10.77.0.1)" <<<"$out"
out=$(relay_ctl status 2>&1)
printf '%s\n' "$out" | sed 's/^/    /'
check "authctl status on the relay: the first server is up" \
	grep -q "^server authd1.kommun.test:7443: up" <<<"$out"
check "... and no login waited for a handshake" \
	grep -q "^tls-handshakes-on-requests: 0" <<<"$out"
check "... the requests forwarded are counted" \
	grep -Eq "^requests-forwarded: [3-9]" <<<"$out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$AUTHCTL_BIN" \
	-s "$RELAY_ADMIN" status 2>&1)
t_log "as nobody: $out"
check "the relay's admin socket refuses a user outside the admin group" \
	grep -q "status: forbidden: permission denied" <<<"$out"
PAM_SERVICE=authd-finance expect_pam "a system not bound to the host is denied" \
	acct anna -e acct=PAM_PERM_DENIED
check "the denial is audited as host-not-allowed" \
	audit_has ",account,deny,host-not-allowed,anna,finance,.*\"tls:host=app01.kommun.test,"

# --- the first node blackholed: its address gone, packets dropped ----------
ip addr del 10.77.0.1/24 dev vc
t0=$(date +%s%N)
expect_pam "with the first node blackholed, a login succeeds through the second" \
	"auth acct" anna -a "$(code anna)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
t_log "login with the first node blackholed took $ms ms"
check "... within the module's deadline (3000 ms)" test "$ms" -lt 3000
check "... answered by the second node" grep -q "tls: host app01.kommun.test" "$T_DIR/authd2.log"
check "the relay logged the failed server once" \
	test "$(grep -c 'server authd1.kommun.test:7443 failed' "$T_DIR/relay.log")" -eq 1
out=$(relay_ctl status 2>&1)
check "authctl status on the relay shows the first server down and why" \
	grep -Eq "^server authd1.kommun.test:7443: down .*last error: 10.77.0.1: (connect timed out|no answer)" <<<"$out"
check "authctl ping on the relay names the second node" \
	sh -c "AUTHD_ADMIN_SOCKET=$RELAY_ADMIN $AUTHCTL_BIN ping | grep -q 'node test-node2, as host app01.kommun.test, via authd2'"
ip addr add 10.77.0.1/24 dev vc

# --- no server at all: fail closed within the deadline ----------------------
kill -STOP "$PID1" "$PID2"
ip addr del 10.77.0.1/24 dev vc
ip addr del 10.77.0.2/24 dev vc
t0=$(date +%s%N)
expect_pam "no central node: PAM_AUTHINFO_UNAVAIL" auth anna \
	-a "$(code anna)" -e auth=PAM_AUTHINFO_UNAVAIL
ms=$((($(date +%s%N) - t0) / 1000000))
check "... within the deadline ($ms ms)" test "$ms" -lt 3000
ip addr add 10.77.0.1/24 dev vc
ip addr add 10.77.0.2/24 dev vc
kill -CONT "$PID1" "$PID2"
relay_stop

# --- a server certificate from another CA is skipped ------------------------
kill "$PID2"; wait "$PID2" 2>/dev/null
sed -i "s|$C/srv2\.|$C/srv2bad.|g" "$CONF2"
node2_start
relay_conf "$T_DIR/relay2.conf" "$C/app01.crt" "$C/app01.key" \
	"authd2.kommun.test:7443 authd1.kommun.test:7443"
relay_start "$T_DIR/relay2.conf" "$T_DIR/relay2.log"
step_safe
expect_pam "a server with a certificate from another CA is skipped" auth anna \
	-a "$(code anna 1)" -e auth=PAM_SUCCESS
check "... and the relay says why" \
	grep -q "authd2.kommun.test:7443 failed: .*certificate" "$T_DIR/relay2.log"
relay_stop

# --- client certificates the central node refuses ---------------------------
refused() {	# WHAT CERT KEY
	relay_conf "$T_DIR/relay3.conf" "$2" "$3" "authd1.kommun.test:7443"
	relay_start "$T_DIR/relay3.conf" "$T_DIR/relay3.log"
	expect_pam "$1: refused, the login gets PAM_AUTHINFO_UNAVAIL" auth anna \
		-a "$(code anna)" -e auth=PAM_AUTHINFO_UNAVAIL
	relay_stop
}
refused "a client certificate from another CA" "$C/rogue.crt" "$C/rogue.key"
check "... audited by the central node" audit_has ",tls-refused,deny,forbidden,.*\"tls:addr=10.77.0.10,fp=.*certificate: unable to get local issuer"
grep "tls: refused" "$T_DIR/authd.log" | sed 's/^/    /' | head -3
refused "a revoked client certificate" "$C/revoked.crt" "$C/revoked.key"
check "... the central node says it is revoked" grep -q "refused 10.77.0.10: certificate: certificate revoked" "$T_DIR/authd.log"
# No client certificate at all: openssl s_client without one.
out=$(printf '' | timeout 5 ip netns exec "$PILOT_NS" openssl s_client -connect 10.77.0.1:7443 \
	-CAfile "$C/ca.crt" -servername authd1.kommun.test -tls1_3 2>&1)
sleep 0.5
check "no client certificate: refused by the central node" \
	grep -q "refused 10.77.0.10: .*certificate" "$T_DIR/authd.log"
out=$(printf '' | timeout 5 ip netns exec "$PILOT_NS" openssl s_client -connect 10.77.0.1:7443 \
	-cert "$C/app01.crt" -key "$C/app01.key" -CAfile "$C/ca.crt" -tls1_2 2>&1)
check "TLS 1.2 is refused by the central node" grep -q "refused 10.77.0.10: handshake" "$T_DIR/authd.log"
relay_conf "$T_DIR/relay3.conf" "$C/stranger.crt" "$C/stranger.key" "authd1.kommun.test:7443"
relay_start "$T_DIR/relay3.conf" "$T_DIR/relay3.log"
expect_pam "a host no host block names is denied" acct anna -e acct=PAM_PERM_DENIED
check "... audited with its name" audit_has ",account,deny,host-not-allowed,anna,pilot,.*\"tls:host=stranger.kommun.test,"
relay_stop

# --- a host revoked while connected: the CRL is read again on reload -------
relay_conf "$T_DIR/relay4.conf" "$C/app01.crt" "$C/app01.key" "authd1.kommun.test:7443"
relay_start "$T_DIR/relay4.conf" "$T_DIR/relay4.log"
check "before its revocation the host is served" relay_ctl ping
(
	cd "$C" &&
	openssl ca -config ca.cnf -revoke app01.crt -keyfile ca.key -cert ca.crt &&
	openssl ca -config ca.cnf -gencrl -keyfile ca.key -cert ca.crt -out ca.crl.new
) >/dev/null 2>&1 && mv "$C/ca.crl.new" "$C/ca.crl" && chmod 644 "$C/ca.crl" ||
	fail "revoking the host's certificate"
nrev=$(grep -c "refused 10.77.0.10: certificate: certificate revoked" "$T_DIR/authd.log")
check "authctl policy reload reads the CRL again" authctl policy reload
check "... and says so in its record" audit_has ",policy-reload,ok,.*CRL reloaded"
expect_pam "the revoked host's warm connections are gone: refused" auth anna \
	-a "$(code anna)" -e auth=PAM_AUTHINFO_UNAVAIL
check "... the central node says it is revoked" \
	test "$(grep -c "refused 10.77.0.10: certificate: certificate revoked" "$T_DIR/authd.log")" -gt "$nrev"
cp "$C/ca.crl" "$C/ca.crl.good"
echo garbage >"$C/ca.crl"
check "a CRL file that holds no CRL: reload reports it" \
	sh -c "! $AUTHCTL_BIN policy reload"
check "... and the CRL in force stays" audit_has ",policy-reload,error,.*no CRL in it"
relay_stop
mv "$C/ca.crl.good" "$C/ca.crl"

# --- one host holds only its share of the connections -----------------------
kill "$PID2"; wait "$PID2" 2>/dev/null
echo "tls_host_connections 2" >>"$CONF2"
node2_start
sfp=$(openssl x509 -in "$C/stranger.crt" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f' | cut -c1-16)
pat="tls: host stranger.kommun.test (10.77.0.10, certificate $sfp) connected"
n0=$(grep -c "$pat" "$T_DIR/authd2.log")
hold=()
for i in 1 2 3; do
	sleep 4 | ip netns exec "$PILOT_NS" openssl s_client -connect 10.77.0.2:7443 \
		-cert "$C/stranger.crt" -key "$C/stranger.key" -CAfile "$C/ca.crt" \
		-tls1_3 >/dev/null 2>&1 &
	hold+=($!)
	sleep 0.5
done
check "a host's third connection is refused when it may hold two" \
	grep -q "refused 10.77.0.10: host stranger.kommun.test already holds 2 connections" "$T_DIR/authd2.log"
check "... its first two were taken" \
	test "$(grep -c "$pat" "$T_DIR/authd2.log")" -eq $((n0 + 2))
wait "${hold[@]}"

if ((FAILURES)); then
	for f in relay.log relay2.log relay3.log relay4.log authd2.log; do
		echo "--- $f (tail) ---"; tail -n 15 "$T_DIR/$f" 2>/dev/null
	done
fi
exit $((FAILURES ? 1 : 0))
