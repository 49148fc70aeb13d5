# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# A pilot host and two central authd nodes on one machine, for the tests
# of relay mode and the central TLS side.  Source it after authd.sh:
#
#   . "$(dirname "$0")/../lib/authd.sh"
#   . "$(dirname "$0")/../lib/netns.sh"
#   netns_enter "$@"            # runs the rest in the central namespace
#   t_init
#   pki_init "$T_DIR/pki"       # C=$T_DIR/pki
#   pki_ca ca && pki_leaf srv1 ca authd1.kommun.test && ...
#   central_setup anna          # node 1 and node 2, both started
#   relay_conf "$T_DIR/relay.conf" "$C/app01.crt" "$C/app01.key" "$SERVERS"
#   relay_start "$T_DIR/relay.conf" "$T_DIR/relay.log"
#
# The network, in namespaces made for one run and removed after it:
#   pilot namespace PILOT_NS:   10.77.0.10 on vp; its /etc/hosts names
#                               authd1.kommun.test (10.77.0.1) and
#                               authd2.kommun.test (10.77.0.2)
#   central namespace CEN_NS:   10.77.0.1 and 10.77.0.2 on vc (the veth
#                               peer of vp), slapd on its loopback
# The test itself runs in the central namespace; the relay (and whatever
# else stands for the pilot host) runs under `ip netns exec "$PILOT_NS"`.
# Removing 10.77.0.1 from vc blackholes the first node: packets to it are
# dropped, not refused, and 10.77.0.2 stays.

# netns_enter "$@": called first, with the script's arguments.  Outside
# the namespaces (no argument "inner"): skips (77) unless root with ip and
# openssl, makes the namespaces, runs the script again as `$0 inner` in the
# central namespace, removes the namespaces and exits with its status.
# Inside (argument "inner"): returns.
netns_enter() {
	[[ ${1:-} == inner ]] && return 0
	[[ $(id -u) -eq 0 ]] || skip "needs root"
	command -v ip >/dev/null && command -v openssl >/dev/null ||
		skip "ip or openssl missing"
	local ns=authdt$$ rc
	PILOT_NS=${ns}p CEN_NS=${ns}c
	trap _netns_remove EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	ip netns add "$PILOT_NS" 2>/dev/null && ip netns add "$CEN_NS" 2>/dev/null ||
		skip "cannot make network namespaces"
	ip -n "$PILOT_NS" link add vp type veth peer name vc netns "$CEN_NS" ||
		skip "cannot make a veth pair"
	ip -n "$PILOT_NS" addr add 10.77.0.10/24 dev vp
	# Taking the first node's address away must leave the second's.
	ip netns exec "$CEN_NS" sysctl -qw net.ipv4.conf.vc.promote_secondaries=1
	ip -n "$CEN_NS" addr add 10.77.0.1/24 dev vc
	ip -n "$CEN_NS" addr add 10.77.0.2/24 dev vc
	ip -n "$PILOT_NS" link set lo up
	ip -n "$CEN_NS" link set lo up
	ip -n "$PILOT_NS" link set vp up
	ip -n "$CEN_NS" link set vc up
	# ip netns exec shows this file as /etc/hosts inside the namespace.
	mkdir -p "/etc/netns/$PILOT_NS"
	printf '10.77.0.1 authd1.kommun.test\n10.77.0.2 authd2.kommun.test\n' \
		>"/etc/netns/$PILOT_NS/hosts"
	export PILOT_NS CEN_NS
	ip netns exec "$CEN_NS" "$0" inner
	rc=$?
	exit $rc
}

_netns_remove() {
	ip netns del "$PILOT_NS" 2>/dev/null
	ip netns del "$CEN_NS" 2>/dev/null
	rm -rf "/etc/netns/$PILOT_NS"
}

# --- certificates (the openssl CLI) ------------------------------------------

# pki_init DIR: the directory the pki_ functions make their files in
# (NAME.key, NAME.crt, CA.crl...); sets PKI_DIR.
pki_init() {
	PKI_DIR=$1
	mkdir -p "$PKI_DIR"
}

# _pki ARGS...: openssl ARGS in PKI_DIR, quiet unless it fails.
_pki() {
	(cd "$PKI_DIR" && openssl "$@" >>openssl.log 2>&1) ||
		{ echo "openssl $1 failed:" >&2; tail -n 5 "$PKI_DIR/openssl.log" >&2; return 1; }
}

# pki_ca NAME: a self-signed CA, with the small database `openssl ca`
# keeps for the certificates it dates, revokes and lists in its CRL.
pki_ca() {
	local n=$1
	_pki req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$n.key" -out "$n.crt" -days 30 -subj "/CN=$n" || return 1
	: >"$PKI_DIR/$n.index"
	printf '01\n' >"$PKI_DIR/$n.crlnumber"
	printf '1000\n' >"$PKI_DIR/$n.serial"
	cat >"$PKI_DIR/$n.cnf" <<-EOC
	[ ca ]
	default_ca = d
	[ d ]
	database = $n.index
	crlnumber = $n.crlnumber
	serial = $n.serial
	new_certs_dir = .
	default_md = sha256
	default_crl_days = 30
	policy = any
	unique_subject = no
	[ any ]
	commonName = supplied
	EOC
	_pki_perms "$n"
}

# _pki_req NAME DNS: a key and a signing request for DNS, and the
# extension that names it (subjectAltName).
_pki_req() {
	_pki req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.csr" -subj "/CN=$2" || return 1
	printf 'subjectAltName=DNS:%s\n' "$2" >"$PKI_DIR/$1.ext"
}

_pki_perms() {
	chmod 644 "$PKI_DIR/$1.crt"
	chmod 600 "$PKI_DIR/$1.key"
}

# pki_leaf NAME CA DNS: a certificate for DNS signed by CA, valid 30 days.
pki_leaf() {
	local n=$1 ca=$2
	_pki_req "$n" "$3" &&
		_pki x509 -req -in "$n.csr" -CA "$ca.crt" -CAkey "$ca.key" \
			-CAcreateserial -out "$n.crt" -days 30 -extfile "$n.ext" &&
		_pki_perms "$n"
}

# pki_leaf_dated NAME CA DNS START END: the same, valid from START to END
# (YYYYMMDDHHMMSSZ; either may be in the past, which `x509 -req` of
# OpenSSL 3.0 cannot do).
pki_leaf_dated() {
	local n=$1 ca=$2
	_pki_req "$n" "$3" &&
		_pki ca -batch -config "$ca.cnf" -keyfile "$ca.key" -cert "$ca.crt" \
			-in "$n.csr" -out "$n.crt" -extfile "$n.ext" -notext \
			-startdate "$4" -enddate "$5" &&
		_pki_perms "$n"
}

# pki_revoke CA NAME: records NAME's certificate as revoked by CA.
pki_revoke() {
	_pki ca -config "$1.cnf" -revoke "$2.crt" -keyfile "$1.key" -cert "$1.crt"
}

# pki_crl CA: CA's CRL, as CA.crl.
pki_crl() {
	_pki ca -config "$1.cnf" -gencrl -keyfile "$1.key" -cert "$1.crt" \
		-out "$1.crl" && chmod 644 "$PKI_DIR/$1.crl"
}

# --- the central nodes (the central namespace) --------------------------------

# central_setup USER...: the central nodes, in this namespace, both
# started, with USERs enrolled (their secrets in SECRET_USER):
#   node 1: authd_setup's authd (AUTHD_PID, PID1, CONF1, authd.log),
#           TLS on 10.77.0.1:7443 with srv1
#   node 2: a copy of node 1's state made after the enrolments, TLS on
#           10.77.0.2:7443 with srv2 (PID2, CONF2, ADMIN2, authd2.log)
# The nodes share no database: each audits what it decides in its own.
# Needs ca (and its CRL, ca.crl), srv1 and srv2 in PKI_DIR.  The policy is
# test_policy's, plus HOST_POLICY as hosts.policy (default: the host
# app01.kommun.test may ask about the system pilot).  Sets the EXIT trap
# to central_cleanup.
central_setup() {
	local C=$PKI_DIR u hosts=${HOST_POLICY:-}
	[[ -n $hosts ]] || printf -v hosts '%s\n' "host app01.kommun.test {" \
		"    systems pilot" "}"
	test_policy "$T_DIR/policy"
	printf '%s\n' "$hosts" >"$T_DIR/policy/hosts.policy"
	chmod 644 "$T_DIR/policy/hosts.policy"
	authd_setup "tls_listen 10.77.0.1:7443" "tls_cert $C/srv1.crt" \
		"tls_key $C/srv1.key" "tls_client_ca $C/ca.crt" "tls_crl $C/ca.crl"
	authd_start
	step_safe
	for u in "$@"; do enroll "$u"; done
	authd_stop
	cp -a "$T_DIR/state" "$T_DIR/state2"
	CONF1=$AUTHD_CONF
	CONF2=$T_DIR/authd2.conf
	ADMIN2=$T_DIR/run2/admin.sock
	sed -e "s|$T_DIR/state/|$T_DIR/state2/|g" -e "s|$T_DIR/run/|$T_DIR/run2/|g" \
		-e "s|10.77.0.1:7443|10.77.0.2:7443|" -e "s|srv1\.|srv2.|g" \
		-e "s|node_name test-node|node_name test-node2|" "$CONF1" >"$CONF2"
	mkdir -p "$T_DIR/run2"
	PID2=
	RELAY_PID=
	RELAY_SOCK=$T_DIR/run/relay.sock
	trap central_cleanup EXIT
	authd_start
	PID1=$AUTHD_PID
	node2_start
}

# node2_start, node2_stop, node2_crash: node 2 (CONF2) as authd_start,
# authd_stop and authd_crash do node 1.
node2_start() {
	"$AUTHD_BIN" -d -f "$CONF2" >>"$T_DIR/authd2.log" 2>&1 &
	PID2=$!
	AUTHD_ADMIN_SOCK=$ADMIN2 AUTHD_ADMIN_SOCKET=$ADMIN2 authd_wait "$PID2"
}

node2_stop() {
	local AUTHD_PID=${PID2:-}
	PID2=
	authd_stop
}

node2_crash() {
	local AUTHD_PID=${PID2:-}
	PID2=
	authd_crash
}

# authctl2 ARGS...: authctl on node 2's admin socket.
authctl2() { AUTHD_ADMIN_SOCKET=$ADMIN2 "$AUTHCTL_BIN" "$@"; }

# answered_by RHOST: which running nodes audited a request with PAM_RHOST
# RHOST: "1", "2", "12", or nothing; "?" for a running node whose
# audit trail could not be read.
answered_by() {
	local n='' csv
	if [[ -n ${AUTHD_PID:-} ]]; then
		csv=$(authctl audit list --limit 10000 --format csv) || n='?'
		grep -q -- ",$1," <<<"$csv" && n=1
	fi
	if [[ -n ${PID2:-} ]]; then
		csv=$(authctl2 audit list --limit 10000 --format csv) || n="$n?"
		grep -q -- ",$1," <<<"$csv" && n=${n}2
	fi
	printf '%s\n' "$n"
}

# --- the relay (the pilot host's namespace) -------------------------------------

RELAY_PID=
RELAY_SOCK=
# relay_conf FILE CERT KEY SERVERS: a relay configuration with CERT and
# KEY as the host's certificate, trusting ca, short timeouts; the relay's
# PAM socket is RELAY_SOCK ($T_DIR/run/relay.sock), its admin socket
# $T_DIR/run/relay-admin.sock (relay_ctl).
relay_conf() {
	cat >"$1" <<-EOF
	socket $RELAY_SOCK
	admin_socket $T_DIR/run/relay-admin.sock
	user $AUTHD_USER
	relay_servers "$4"
	relay_cert $2
	relay_key $3
	relay_ca $PKI_DIR/ca.crt
	relay_connect_timeout 500
	relay_reply_timeout 1000
	relay_backoff 2
	relay_keepalive 1
	EOF
}

# relay_ctl ARGS...: authctl on the relay's admin socket.
relay_ctl() { AUTHD_ADMIN_SOCKET=$T_DIR/run/relay-admin.sock "$AUTHCTL_BIN" "$@"; }

# relay_start CONF LOG: the relay in the pilot namespace (RELAY_PID),
# given the time to warm its connections.
relay_start() {
	local i
	# ip execs the relay: RELAY_PID is the relay's.
	ip netns exec "$PILOT_NS" "$AUTHD_BIN" -d -f "$1" >>"$2" 2>&1 &
	RELAY_PID=$!
	for ((i = 0; i < 50; i++)); do [[ -S $RELAY_SOCK ]] && break; sleep 0.1; done
	sleep 1.5	# the keeper warms its connections
}

relay_stop() {
	[[ -n ${RELAY_PID:-} ]] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
	rm -f "$RELAY_SOCK"
}

# central_cleanup: the EXIT trap central_setup sets: stops the relay and
# node 2, shows the tails of the relays' and node 2's logs if a check
# failed, then t_cleanup.
central_cleanup() {
	local f
	relay_stop
	node2_stop
	if ((FAILURES)); then
		for f in "$T_DIR"/relay*.log "$T_DIR/authd2.log"; do
			[[ -f $f ]] || continue
			echo "--- ${f##*/} (tail) ---"; tail -n 15 "$f"
		done
	fi
	t_cleanup
}
