#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# authd reaches the directory over TLS, StartTLS on ldap:// or LDAPS, and
# verifies the server's certificate against ldap_ca_file.  A throw-away CA
# issues the server certificate.  Checked against a real slapd:
#   - StartTLS and LDAPS with the right CA allow anna on pilot, and slapd's
#     log shows that the service account bound only over TLS;
#   - a CA that did not issue the certificate (even one with the same
#     name), the system trust store, a certificate for another host name
#     and a server that does not offer StartTLS all deny the account check
#     with the reason directory-unavailable, and the service account's
#     password never reaches the server;
#   - a libldap default of TLS_REQCERT never does not weaken authd;
#   - ldap_starttls yes with an ldaps:// URI is a configuration error.
set -u
. "$(dirname "$0")/../lib/authd.sh"

# authd's libldap would read these; the test sets what it needs itself.
# shellcheck disable=SC2046
unset LDAPCONF LDAPRC $(compgen -e | grep '^LDAPTLS_')

t_need openssl
t_init noslapd

# --- a throw-away PKI --------------------------------------------------------
PKI="$T_DIR/pki"
mkdir -m 755 "$PKI"

# mkca NAME: a self-signed CA, $PKI/NAME.pem with key $PKI/NAME.key.
mkca() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$PKI/$1.key" 2>/dev/null &&
	openssl req -x509 -new -key "$PKI/$1.key" -days 2 \
		-subj "/O=Exempel kommun test/CN=authd test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$PKI/$1.pem" 2>/dev/null
}

# mkcert NAME CA SUBJECT-ALT-NAMES: a server certificate issued by CA,
# $PKI/NAME.pem with key $PKI/NAME.key; its CN is the first alt name.
mkcert() {
	local name=$1 ca=$2 san=$3 cn
	cn=${san%%,*}
	cn=${cn#*:}
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$PKI/$name.key" 2>/dev/null &&
	chmod 600 "$PKI/$name.key" &&
	openssl req -new -key "$PKI/$name.key" -subj "/CN=$cn" \
		-out "$PKI/$name.csr" 2>/dev/null &&
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=serverAuth" \
		"subjectAltName=$san" \
		"subjectKeyIdentifier=hash" \
		"authorityKeyIdentifier=keyid" >"$PKI/$name.ext" &&
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.pem" \
		-CAkey "$PKI/$ca.key" -set_serial "0x$(openssl rand -hex 8)" \
		-days 2 -extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null
}

# The real CA; a rogue CA with the same name but its own key; the server's
# certificate; a certificate from the real CA for another host only.
if ! { mkca ca && mkca rogue &&
	mkcert server ca "IP:127.0.0.1,DNS:localhost" &&
	mkcert other ca "DNS:other.example"; }; then
	echo "FAIL: could not make the test certificates"
	exit 1
fi
chmod 644 "$PKI"/*.pem
# verifies CA CERT: CERT chains to CA.
verifies() { openssl verify -CAfile "$PKI/$1.pem" "$PKI/$2.pem" >/dev/null 2>&1; }
same_name() {
	[[ $(openssl x509 -noout -subject -in "$PKI/$1.pem") == \
		"$(openssl x509 -noout -subject -in "$PKI/$2.pem")" ]]
}
check "the server certificate verifies against the CA" verifies ca server
check "the other-host certificate verifies against the CA" verifies ca other
check "the rogue CA has the same name as the real one" same_name rogue ca
check "the rogue CA does not verify the server certificate" \
	bash -c "! openssl verify -CAfile '$PKI/rogue.pem' '$PKI/server.pem' >/dev/null 2>&1"

# slapd serves whatever is in $T_DIR/slapd-tls (see tests/lib/slapd.sh).
SLAPD_TLS="$T_DIR/slapd-tls"
mkdir -m 700 "$SLAPD_TLS"
serve() {
	cp "$PKI/ca.pem" "$SLAPD_TLS/ca.pem" &&
	cp "$PKI/$1.pem" "$SLAPD_TLS/server.pem" &&
	cp "$PKI/$1.key" "$SLAPD_TLS/server.key" &&
	chmod 600 "$SLAPD_TLS/server.key"
}
serve server || { echo "FAIL: cannot install the server certificate"; exit 1; }
SLAPD_TLS_DIR=$SLAPD_TLS slapd_start "$T_DIR/slapd" ||
	{ echo "FAIL: slapd with TLS did not start"; exit 1; }
t_log "slapd: $LDAP_URI (StartTLS) and $LDAPS_URI"

# --- helpers ----------------------------------------------------------------
# Only the part of slapd's log written after log_mark is looked at.
log_mark() { LOG_MARK=$(wc -l <"$SLAPD_WORKDIR/slapd.log"); }
log_new() { tail -n "+$((LOG_MARK + 1))" "$SLAPD_WORKDIR/slapd.log"; }

# service_binds: one line per bind of the service account in the new part
# of slapd's log: CONN PORT STARTTLS|- SSF (the port the connection came
# in on; STARTTLS if the connection did StartTLS before; the security
# strength factor slapd saw for the bind, 0 meaning in the clear).
service_binds() {
	log_new | awk -v dn="$LDAP_BIND_DN" '
		{
			if (!match($0, /conn=[0-9]+ /))
				next
			c = substr($0, RSTART + 5, RLENGTH - 6)
		}
		/ ACCEPT from / {
			p = $0
			sub(/.*\(IP=[^)]*:/, "", p)
			sub(/\).*/, "", p)
			port[c] = p
		}
		/ op=[0-9]+ STARTTLS$/ { stls[c] = 1 }
		index($0, "BIND dn=\"" dn "\" mech=") {
			s = $0
			sub(/.* ssf=/, "", s)
			sub(/ .*/, "", s)
			print c, (c in port ? port[c] : "?"), \
			    (c in stls ? "STARTTLS" : "-"), s
		}'
}

# binds_ok PORT STARTTLS|-: the service account bound at least once since
# log_mark, and every such bind came in on PORT, with or without StartTLS
# as given, at a security strength factor above 0.
binds_ok() {
	local binds
	binds=$(service_binds)
	t_log "service binds (conn port starttls ssf): ${binds//$'\n'/; }"
	[[ -n $binds ]] || return 1
	! awk -v p="$1" -v m="$2" '$2 != p || $3 != m || $4 + 0 <= 0' \
		<<<"$binds" | grep -q .
}

# no_binds: the service account did not bind (its password was not sent).
no_binds() { [[ -z $(service_binds) ]]; }

unavailable_count() {
	authctl audit list --limit 10000 --format csv |
		grep -c 'account,deny,directory-unavailable,anna,pilot,'
}

# with_authd URI [CONFIG-LINE...]: restarts authd against URI (with the
# environment the call is given).
with_authd() {
	authd_stop
	# shellcheck disable=SC2034  # read by authd_setup
	AUTHD_LDAP_URI=$1
	shift
	authd_setup "$@"
	log_mark
	authd_start
}

# denied WHAT: anna's account check on pilot is denied because the
# directory is unavailable, and the service password was never sent.
denied() {
	local before
	before=$(unavailable_count)
	expect_pam "$1: anna is denied pilot" acct anna -e acct=PAM_PERM_DENIED
	check "$1: audit records directory-unavailable" \
		test "$(unavailable_count)" -eq $((before + 1))
	check "$1: the service account never bound" no_binds
}

# --- StartTLS with the right CA ---------------------------------------------
with_authd "$LDAP_URI" "ldap_starttls yes" "ldap_ca_file $PKI/ca.pem"
expect_pam "StartTLS: anna may use pilot" acct anna -e acct=PAM_SUCCESS
expect_pam "StartTLS: dag (in no group) is denied pilot" \
	acct dag -e acct=PAM_PERM_DENIED
check "StartTLS: audit records the allow" \
	audit_has 'account,allow,ok,anna,pilot,'
check "StartTLS: audit records no-role for dag" \
	audit_has 'account,deny,no-role,dag,pilot,'
check "StartTLS: slapd saw StartTLS and every service bind over TLS" \
	binds_ok "$LDAP_PORT" STARTTLS
tls_logged() { log_new | grep -q ' TLS established tls_ssf=[1-9]'; }
check "StartTLS: slapd logged the TLS session" tls_logged

# --- LDAPS with the right CA ------------------------------------------------
with_authd "$LDAPS_URI" "ldap_ca_file $PKI/ca.pem"
expect_pam "LDAPS: anna may use pilot" acct anna -e acct=PAM_SUCCESS
expect_pam "LDAPS: dag is denied pilot" acct dag -e acct=PAM_PERM_DENIED
check "LDAPS: every service bind came in on the LDAPS port, over TLS" \
	binds_ok "$LDAPS_PORT" -

# --- the wrong CA -------------------------------------------------------------
with_authd "$LDAP_URI" "ldap_starttls yes" "ldap_ca_file $PKI/rogue.pem"
denied "StartTLS, CA that did not issue the certificate"
check "StartTLS, wrong CA: authd logs the failed StartTLS" \
	grep -q "directory: StartTLS to $LDAP_URI" "$T_DIR/authd.log"
with_authd "$LDAPS_URI" "ldap_ca_file $PKI/rogue.pem"
denied "LDAPS, CA that did not issue the certificate"

# libldap's own defaults (ldap.conf, LDAPTLS_* in the environment) must not
# loosen the verification authd asks for.
LDAPTLS_REQCERT=never with_authd "$LDAP_URI" "ldap_starttls yes" \
	"ldap_ca_file $PKI/rogue.pem"
denied "StartTLS, wrong CA, libldap default TLS_REQCERT never"
LDAPTLS_REQCERT=never with_authd "$LDAPS_URI" \
	"ldap_ca_file $PKI/rogue.pem"
denied "LDAPS, wrong CA, libldap default TLS_REQCERT never"

# No ldap_ca_file: the system's trust store, which does not know the test CA.
with_authd "$LDAP_URI" "ldap_starttls yes"
denied "StartTLS, system trust store"
with_authd "$LDAPS_URI"
denied "LDAPS, system trust store"

# A CA file authd cannot read after dropping privileges must not leave
# libldap's global defaults (here: trust anyone) in charge.
cp "$PKI/ca.pem" "$PKI/ca-root-only.pem"
chmod 600 "$PKI/ca-root-only.pem"
LDAPTLS_REQCERT=never with_authd "$LDAPS_URI" "ldap_ca_file $PKI/ca-root-only.pem"
denied "LDAPS, ldap_ca_file unreadable by authd, libldap default TLS_REQCERT never"
LDAPTLS_REQCERT=never with_authd "$LDAP_URI" "ldap_starttls yes" \
	"ldap_ca_file $PKI/ca-root-only.pem"
denied "StartTLS, ldap_ca_file unreadable by authd, libldap default TLS_REQCERT never"
check "authd says why" grep -q 'cannot set up TLS' "$T_DIR/authd.log"

# --- a certificate for another host name ------------------------------------
authd_stop
if ! { serve other && slapd_restart; }; then
	fail "slapd restart with the other certificate"
	t_done
fi
# The certificate slapd serves now verifies for other.example, and names
# neither 127.0.0.1 nor localhost.
serves_other_only() {
	local san
	san=$(openssl s_client -connect "127.0.0.1:$LDAPS_PORT" \
		-CAfile "$PKI/ca.pem" -verify_return_error \
		-verify_hostname other.example </dev/null 2>/dev/null |
		openssl x509 -noout -ext subjectAltName 2>/dev/null)
	grep -q 'DNS:other.example' <<<"$san" &&
		! grep -Eq '127\.0\.0\.1|localhost' <<<"$san"
}
check "slapd now serves a valid certificate for other.example only" \
	serves_other_only
with_authd "$LDAP_URI" "ldap_starttls yes" "ldap_ca_file $PKI/ca.pem"
denied "StartTLS to 127.0.0.1, certificate for other.example"
with_authd "$LDAPS_URI" "ldap_ca_file $PKI/ca.pem"
denied "LDAPS to 127.0.0.1, certificate for other.example"

# --- a server that does not offer StartTLS ---------------------------------
authd_stop
slapd_stop
SLAPD_TLS_DIR='' slapd_start "$T_DIR/slapd-plain" ||
	{ fail "slapd without TLS did not start"; t_done; }
with_authd "$LDAP_URI" "ldap_starttls yes" "ldap_ca_file $PKI/ca.pem"
denied "StartTLS refused by the server (no fallback to plain LDAP)"
# The same server without ldap_starttls works: the denial above is TLS's.
with_authd "$LDAP_URI"
expect_pam "plain LDAP to the same server: anna may use pilot" \
	acct anna -e acct=PAM_SUCCESS
# The log checks above can tell: this bind was in the clear.
clear_bind() {
	service_binds |
		awk -v p="$LDAP_PORT" '$2 == p && $3 == "-" && $4 == 0' |
		grep -q .
}
check "plain LDAP: slapd's log shows the service bind in the clear" clear_bind
if binds_ok "$LDAP_PORT" STARTTLS; then
	fail "the TLS log check would have taken a clear bind for TLS"
else
	pass "the TLS log check does not take a clear bind for TLS"
fi
check "authd stops cleanly" authd_stop

# --- configuration ------------------------------------------------------------
# conf_check URI [CONFIG-LINE...]: authd -t on such a configuration.
conf_check() {
	local uri=$1
	shift
	(AUTHD_CONF="$T_DIR/check.conf" AUTHD_LDAP_URI=$uri authd_setup "$@") &&
	"$AUTHD_BIN" -t -f "$T_DIR/check.conf" >"$T_DIR/check.out" 2>&1
}
if conf_check "ldaps://127.0.0.1:1/" "ldap_starttls yes" \
	"ldap_ca_file $PKI/ca.pem"; then
	fail "authd -t: ldaps:// with ldap_starttls yes is refused"
else
	pass "authd -t: ldaps:// with ldap_starttls yes is refused"
fi
check "authd -t: the error names the problem" \
	grep -q 'ldap_starttls with an ldaps:// URI' "$T_DIR/check.out"
check "authd -t: ldaps:// without ldap_starttls is accepted" \
	conf_check "ldaps://127.0.0.1:1/" "ldap_ca_file $PKI/ca.pem"
check "authd -t: ldap:// with ldap_starttls yes is accepted" \
	conf_check "ldap://127.0.0.1:1/" "ldap_starttls yes" \
	"ldap_ca_file $PKI/ca.pem"

t_done
