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
# missing refused by the central node and audited; `authctl ping` and
# `authctl status` on the relay's admin socket; a host revoked while
# connected (the CRL read again at a policy reload); one host's share of
# the central node's connections.
set -u
. "$(dirname "$0")/../lib/authd.sh"
. "$(dirname "$0")/../lib/netns.sh"
netns_enter "$@"
t_init
C=$T_DIR/pki
pki_init "$C"
{
	pki_ca ca && pki_ca otherca &&
	pki_leaf srv1 ca authd1.kommun.test &&
	pki_leaf srv2 ca authd2.kommun.test &&
	pki_leaf srv2bad otherca authd2.kommun.test &&
	pki_leaf app01 ca app01.kommun.test &&
	pki_leaf rogue otherca app01.kommun.test &&
	pki_leaf revoked ca app01.kommun.test &&
	pki_leaf stranger ca stranger.kommun.test &&
	# A CRL that revokes "revoked".
	pki_revoke ca revoked && pki_crl ca
} || { echo "FAIL: making certificates"; exit 1; }

# --- the central nodes (this namespace), the relay (the pilot's) -----------
central_setup anna

SERVERS="authd1.kommun.test:7443 authd2.kommun.test:7443"
relay_conf "$T_DIR/relay.conf" "$C/app01.crt" "$C/app01.key" "$SERVERS"
# Local users in nogroup may use the relay, each within its budget.
printf '%s\n' "client_group nogroup" "pam_connections_per_uid 8" >>"$T_DIR/relay.conf"
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
RELAY_ADMIN=$T_DIR/run/relay-admin.sock
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
# A local user holds every connection it can get: its budget's 8.
setpriv --reuid=65534 --regid=65534 --clear-groups "$BUILD_DIR/tests/flood_client" \
	hold "$RELAY_SOCK" 20 6 >"$T_DIR/flood.out" 2>&1 &
flood_pid=$!
for ((i = 0; i < 100; i++)); do grep -q '^held ' "$T_DIR/flood.out" && break; sleep 0.1; done
t_log "a local user's flood of the relay: $(head -n1 "$T_DIR/flood.out")"
check "a local user holds only its budget of the relay's connections" \
	grep -q "^held 8 of 20 (refused 12)" "$T_DIR/flood.out"
expect_pam "... and root's requests go on through the relay meanwhile" acct anna \
	-e acct=PAM_SUCCESS
wait "$flood_pid"
t_log "$(tail -n1 "$T_DIR/flood.out")"
check "... its back-to-back pings met the request budget" \
	grep -Eq "pings: [0-9]+ answered, [1-9][0-9]* busy" "$T_DIR/flood.out"
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
out=$(relay_ctl ping 2>&1)
check "authctl ping on the relay names the second node" \
	grep -q "node test-node2, as host app01.kommun.test, via authd2" <<<"$out"
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
node2_stop
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
pki_revoke ca app01 && pki_crl ca || fail "revoking the host's certificate"
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
node2_stop
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

exit $((FAILURES ? 1 : 0))
