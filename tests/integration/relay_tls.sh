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

exit $((FAILURES ? 1 : 0))
