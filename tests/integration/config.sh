#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# authd's configuration: -t checks, -T dumps a configuration that parses
# back to itself, every error is reported as file:line, and the secret
# files are refused when others may read them.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init noslapd
authd_setup
check "authd -t accepts the test configuration" "$AUTHD_BIN" -t -f "$AUTHD_CONF"
"$AUTHD_BIN" -T -f "$AUTHD_CONF" >"$T_DIR/dump1.conf"
check "authd -T output is itself a valid configuration" "$AUTHD_BIN" -t -f "$T_DIR/dump1.conf"
"$AUTHD_BIN" -T -f "$T_DIR/dump1.conf" >"$T_DIR/dump2.conf"
check "the dump parses back to itself" cmp -s "$T_DIR/dump1.conf" "$T_DIR/dump2.conf"
check "the dump shows defaults" grep -qx 'totp_window 1' "$T_DIR/dump1.conf"
check "the dump quotes values with spaces" grep -qx 'issuer "Exempel kommun"' "$T_DIR/dump1.conf"
check "the dump keeps the policy directory" grep -qx "policy_dir $T_DIR/policy" "$T_DIR/dump1.conf"
# The packaged example, with its policy directory pointed at the examples.
sed "s|^policy_dir .*|policy_dir $(cd "$(dirname "$0")/../../policies/examples" && pwd)|" \
	"$(dirname "$0")/../../packaging/authd.conf.example" >"$T_DIR/example.conf"
check "the packaged example configuration is valid" "$AUTHD_BIN" -t -f "$T_DIR/example.conf"
# The web socket's settings (docs/web.md) are checked whole at -t.
web_conf() {
	cp "$AUTHD_CONF" "$T_DIR/web.conf"
	printf '%s\n' "$@" >>"$T_DIR/web.conf"
	"$AUTHD_BIN" -t -f "$T_DIR/web.conf" 2>&1
}
check "web settings that make sense are valid" web_conf "web_socket $T_DIR/run/web.sock" \
	"web_user nobody" 'web_enroll_groups "cn=a,dc=x; cn=b,dc=x"' \
	'web_enroll_networks "10.0.0.0/8 2001:db8::/32 192.0.2.1"'
# web_refused LINE MESSAGE: -t fails with LINE added, saying MESSAGE.
web_refused() {
	local out
	out=$(web_conf "$1") && return 1
	grep -qF -- "$2" <<<"$out"
}
check "web_socket without web_user is refused" \
	web_refused "web_socket $T_DIR/run/web.sock" "web_socket needs web_user"
check "a web_enroll_networks entry that is no range is refused" \
	web_refused 'web_enroll_networks "10.0.0.0/33"' "web_enroll_networks: 10.0.0.0/33"
check "a web_enroll_groups entry that is no DN is refused" \
	web_refused 'web_enroll_groups "not a dn"' "web_enroll_groups: not a DN"
# The settings of the relay's central side and of the nodes' heartbeat.
check "tls_host_connections 0 is refused" \
	web_refused "tls_host_connections 0" "too small"
check "node_heartbeat beyond an hour is refused" \
	web_refused "node_heartbeat 3601" "too large"
check "authd --help exits 0" bash -c "'$AUTHD_BIN' --help | grep -q usage"
check "authd with a bad option exits non-zero" bash -c "! '$AUTHD_BIN' -x 2>/dev/null"

# bad LINE EXPECTED-MESSAGE: the line appended makes -t fail with file:line.
bad() {
	local line=$1 msg=$2 n out
	cp "$AUTHD_CONF" "$T_DIR/bad.conf"
	printf '%s\n' "$line" >>"$T_DIR/bad.conf"
	n=$(wc -l <"$T_DIR/bad.conf")
	out=$("$AUTHD_BIN" -t -f "$T_DIR/bad.conf" 2>&1)
	if [[ $? -ne 0 ]] && grep -qF "$T_DIR/bad.conf:$n: $msg" <<<"$out"; then
		pass "rejected: '$line'"
	else
		fail "'$line' should fail with '$T_DIR/bad.conf:$n: $msg'"
		printf '    %s\n' "$out"
	fi
}
bad "nosuchkeyword 1" "unknown keyword"
bad "workers" "missing argument"
bad "workers 4 5" "extra arguments"
bad "ldap_timeout 3" "keyword given twice"
bad "workers 0" "too small"
bad "workers 100000" "too large"
bad "workers 2x" "not a number"
bad "totp_window -1" "too small"
bad "queue_max 9223372036854775808" "too large"
bad "ldap_ca_file relative/ca.pem" "path must be absolute"
bad "ldap_starttls maybe" "expected yes or no"
bad 'issuer "unterminated' "unterminated quoted string"
bad "system pilot cn=x,dc=y" "unknown keyword"
bad "ldap_cache_ttl 99999999" "too large"
bad "$(printf 'issuer %02000d' 1)" "line too long"

sed 's/^issuer .*/issuer "Kommun:IT"/' "$AUTHD_CONF" >"$T_DIR/issuer.conf"
check "an issuer with ':' (it would split the otpauth label) is an error" bash -c \
	"'$AUTHD_BIN' -t -f '$T_DIR/issuer.conf' 2>&1 | grep -q 'issuer must be'"
sed "s/^issuer .*/issuer $(printf 'x%.0s' {1..65})/" "$AUTHD_CONF" >"$T_DIR/issuer.conf"
check "an overlong issuer is an error" bash -c \
	"'$AUTHD_BIN' -t -f '$T_DIR/issuer.conf' 2>&1 | grep -q 'issuer must be'"
sed '/^ldap_uri/d' "$AUTHD_CONF" >"$T_DIR/nouri.conf"
check "a missing ldap_uri is an error" bash -c "'$AUTHD_BIN' -t -f '$T_DIR/nouri.conf' 2>&1 | grep -q 'ldap_uri and ldap_base are required'"
# cross LINE MESSAGE: the line appended makes -t fail, saying MESSAGE.
cross() {
	cp "$AUTHD_CONF" "$T_DIR/cross.conf"
	printf '%s\n' "$1" >>"$T_DIR/cross.conf"
	check "rejected: '$1'" bash -c \
		"! '$AUTHD_BIN' -t -f '$T_DIR/cross.conf' >'$T_DIR/cross.out' 2>&1 && grep -qF '$2' '$T_DIR/cross.out'"
}
cross "ldap_account_policy shadow,bogus" "ldap_account_policy is a comma-separated list"
cross "ldap_account_policy shadow," "ldap_account_policy ends with a comma"
cross "ldap_account_policy ,shadow" "ldap_account_policy is a comma-separated list"
cross 'ldap_disabled_base "ou=gone,dc=x; not a dn"' "ldap_disabled_base: not a DN"
cp "$AUTHD_CONF" "$T_DIR/acct.conf"
printf '%s\n' "ldap_account_policy none" \
	'ldap_disabled_base "ou=disabled,dc=exempel,dc=se; ou=gone,dc=exempel,dc=se"' >>"$T_DIR/acct.conf"
check "account policy none and two disabled bases are accepted" "$AUTHD_BIN" -t -f "$T_DIR/acct.conf"
check "a missing config file is an error" bash -c "! '$AUTHD_BIN' -t -f '$T_DIR/nonexistent.conf' 2>/dev/null"

# The budgets: the admin and review shares are carved from
# connections_max and leave the PAM socket at least half of it.
budget_conf() { cp "$AUTHD_CONF" "$T_DIR/budget.conf"; printf '%s\n' "$@" >>"$T_DIR/budget.conf"; }
budget_conf "connections_max 64"
check "the default shares fit connections_max 64" "$AUTHD_BIN" -t -f "$T_DIR/budget.conf"
budget_conf "connections_max 63"
check "they do not fit 63" bash -c "'$AUTHD_BIN' -t -f '$T_DIR/budget.conf' 2>&1 | grep -q 'at most half of connections_max'"
budget_conf "connections_max 24" "admin_connections 8" "review_connections 4" "root_connections 4"
check "smaller shares fit a smaller connections_max" "$AUTHD_BIN" -t -f "$T_DIR/budget.conf"
budget_conf "admin_connections 8" "root_connections 5"
check "root's reserve is at most half of the admin share" bash -c "'$AUTHD_BIN' -t -f '$T_DIR/budget.conf' 2>&1 | grep -q 'root_connections may be at most half'"
bad "admin_connections 1" "too small"
bad "review_connections_per_uid 0" "too small"
bad "review_idle_timeout 3601" "too large"
bad "pam_request_rate -1" "too small"

# A broken policy fails -t with its file:line, and so does a missing one.
cp -r "$T_DIR/policy" "$T_DIR/badpolicy"
printf 'system extra {\n    owner anna\n    when nowhere\n}\n' >"$T_DIR/badpolicy/z.policy"
sed "s|^policy_dir .*|policy_dir $T_DIR/badpolicy|" "$AUTHD_CONF" >"$T_DIR/badpol.conf"
out=$("$AUTHD_BIN" -t -f "$T_DIR/badpol.conf" 2>&1)
check "authd -t rejects a broken policy" test $? -ne 0
check "and names file and line" grep -qF "$T_DIR/badpolicy/z.policy:3: unknown window \"nowhere\"" <<<"$out"
sed "s|^policy_dir .*|policy_dir $T_DIR/nopolicy|" "$AUTHD_CONF" >"$T_DIR/nopol.conf"
check "authd -t rejects a missing policy directory" bash -c "! '$AUTHD_BIN' -t -f '$T_DIR/nopol.conf' 2>/dev/null"

# Secret files that others may read are refused at start.
chmod 644 "$T_DIR/ldap.pw"
out=$("$AUTHD_BIN" -d -f "$AUTHD_CONF" 2>&1)
rc=$?
check "a world-readable bind password file stops authd" test $rc -ne 0
check "and says why" grep -q 'mode 0600' <<<"$out"
chmod 600 "$T_DIR/ldap.pw"
: >"$T_DIR/ldap.pw"
out=$("$AUTHD_BIN" -d -f "$AUTHD_CONF" 2>&1)
check "an empty bind password is refused" grep -q 'non-empty line' <<<"$out"
t_done
