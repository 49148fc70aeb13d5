#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The system owners' access review in a real browser: real slapd, authd
# and authd-web (HTTPS, as its own user), headless Debian chromium driven
# by python3-selenium (tests/web/review_browser.py), with axe-core (npm,
# pinned in tests/web/axe) checking every page of authd-web in the same
# browser.  A campaign is started with authctl; the owner signs in with
# password and code, revokes one user with a comment and keeps another,
# and is refused a decision on their own access; the security function
# (web_security_groups) accepts a campaign's recommendations, closes the
# other and downloads its report.  Here: the revoked user's next login
# through real libpam is denied citing the review, and the audit trail
# names the web session and the source of each action.  The screenshots
# of the pages are left in BUILD_DIR/web-screenshots (docs/web/ holds a
# copy for the documentation: scripts/web-screenshots.sh).
set -u
. "$(dirname "$0")/../lib/authd.sh"

PY=/usr/bin/python3
web_need

t_init
t_need ldapadd
# axe-core, as pinned (integrity-checked by npm ci): scripts/deps.sh puts
# it in tests/web/axe; else once per build dir.
AXE_DIR="$BUILD_DIR/axe-core"
AXE_JS="$AXE_DIR/node_modules/axe-core/axe.min.js"
[[ -f $(dirname "$0")/../web/axe/node_modules/axe-core/axe.min.js ]] &&
	AXE_JS=$(cd "$(dirname "$0")/../web/axe" && pwd)/node_modules/axe-core/axe.min.js
if [[ ! -f $AXE_JS ]] && command -v npm >/dev/null; then
	mkdir -p "$AXE_DIR"
	cp "$(dirname "$0")/../web/axe/package.json" \
		"$(dirname "$0")/../web/axe/package-lock.json" "$AXE_DIR/"
	(cd "$AXE_DIR" && npm ci --no-audit --no-fund --ignore-scripts \
		>"$T_DIR/npm.log" 2>&1) || sed 's/^/    npm: /' "$T_DIR/npm.log"
fi
check "axe-core is at hand for the accessibility check" test -f "$AXE_JS"

AUTHD_POLICY_DIR=$T_DIR/review-policy
mkdir -m 755 "$AUTHD_POLICY_DIR"
cp "$(dirname "$0")/../fixtures/review.policy" "$AUTHD_POLICY_DIR/review.policy"
chmod 644 "$AUTHD_POLICY_DIR/review.policy"
export AUTHD_POLICY_DIR

# The security function: orjan, alone in a group of its own.
SECFN_DN="cn=sakerhetsfunktionen,ou=groups,dc=exempel,dc=se"
ldapadd -x -H "$LDAP_URI" -D "cn=admin,dc=exempel,dc=se" -w admin-secret \
	>/dev/null <<EOL || { echo "FAIL: cannot add the security function's group"; exit 1; }
dn: $SECFN_DN
objectClass: groupOfNames
cn: sakerhetsfunktionen
member: uid=orjan,ou=people,dc=exempel,dc=se
EOL

authd_setup "web_socket $T_DIR/run/web.sock" "web_user nobody" \
	"web_enroll_groups \"cn=pilot-users,ou=groups,dc=exempel,dc=se\"" \
	"web_enroll_networks \"127.0.0.0/8 ::1\"" \
	"web_security_groups \"$SECFN_DN\""
pam_stack ekonomi "system=ekonomi"
authd_start

review_people
check "the security function starts ekonomi's campaign (authctl)" \
	authctl review start ekonomi --due "$(date -u -d "+60 days" +%F)"
# Due in a few seconds: overdue by the time the security function looks.
check "and arkiv's, due at once" authctl review start arkiv --due "@$(($(date +%s) + 5))"

web_start 120
check "authd-web serves HTTPS" grep -q "serving on 127.0.0.1:$WEB_PORT (HTTPS)" "$T_DIR/web.log"

mkdir -p "$T_DIR/browser"
if env PW_anna=Passw0rd-anna PW_orjan=Passw0rd-orjan PW_race01=Passw0rd-race01 \
	SECRET_anna="$SECRET_anna" SECRET_orjan="$SECRET_orjan" \
	"$PY" "$(dirname "$0")/../web/review_browser.py" "https://127.0.0.1:$WEB_PORT" \
	"$T_DIR/browser" "$AXE_JS" >"$T_DIR/browser.out" 2>&1; then
	pass "the browser checks"
else
	fail "the browser checks"
fi
sed 's/^/    /' "$T_DIR/browser.out"
rm -rf "$BUILD_DIR/web-screenshots"
cp -r "$T_DIR/browser/shots" "$BUILD_DIR/web-screenshots" 2>/dev/null

# --- a local peer cannot pose as authd-web ----------------------------------
# review-list (0x51) on the review socket, as nobody, naming a source
# (RHOST 4) and a web session (SESSION 63): refused, nothing recorded.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$PY" - "$AUTHD_REVIEW_SOCK" <<'EOF2'
import socket, struct, sys
def attr(tag, v):
    v = v.encode()
    return struct.pack(">HH", tag, len(v)) + v
attrs = [attr(4, "203.0.113.9"), attr(63, "ab" * 16), attr(22, "all")]
body = struct.pack(">BBIH", 1, 0x51, 7, len(attrs)) + b"".join(attrs)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(sys.argv[1])
c.sendall(struct.pack(">I", len(body)) + body)
got = b""
while len(got) < 4 or len(got) < 4 + struct.unpack(">I", got[:4])[0]:
    d = c.recv(4096)
    if not d:
        break
    got += d
print(got)
EOF2
)
check "the review socket refuses a source and a web session from a local peer" \
	grep -q 'bad-request' <<<"$out"
check "and nothing in the trail names that source" not audit_has '203\.0\.113\.9'

# --- what authd did with it ------------------------------------------------
step_safe
PAM_SERVICE=ekonomi expect_pam "cecilia's next login is denied: revoked in the browser" \
	"auth acct" cecilia -a "$(code cecilia 1)" -e auth=PAM_SUCCESS -e acct=PAM_PERM_DENIED
check "the denial cites the review" \
	audit_has 'account,deny,revoked-in-review,cecilia,ekonomi,.*review 1'
PAM_SERVICE=ekonomi expect_pam "bertil, kept in the browser, still logs in" "auth acct" bertil \
	-a "$(code bertil 1)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS

WEB='web:session=[0-9a-f]{32},src=127\.0\.0\.1,uid=[0-9]+'
OWNER="\"anna \\(password\\+totp, $WEB\\)\""
SECFN="\"orjan \\(password\\+totp, security function, $WEB\\)\""
check "audit: the owner's sign-in, proved as a login of authd-web" \
	audit_has "auth,allow,ok,anna,,authd-web,127\.0\.0\.1,,\"web:session=[0-9a-f]{32},src=127\.0\.0\.1,uid=[0-9]+\""
check "audit: the wrong code at sign-in" \
	audit_has "auth,deny,bad-code,anna,,authd-web,127\.0\.0\.1,,"
check "audit: the revoke, with the web session and the source" \
	audit_has "review-decide,revoke,ok,cecilia,ekonomi,authd-web,127\.0\.0\.1,,$OWNER,.*revoke cecilia \\(role lon\\): slutat i l"
check "audit: the keep, with the web session and the source" \
	audit_has "review-decide,keep,ok,bertil,ekonomi,authd-web,127\.0\.0\.1,,$OWNER"
check "audit: the refused decision on the owner's own access" \
	audit_has "review-decide,deny,forbidden,anna,ekonomi,authd-web,127\.0\.0\.1,,$OWNER"
check "audit: the security function's accepted recommendation" \
	audit_has "review-decide,revoke,ok,anna,arkiv,authd-web,127\.0\.0\.1,,$SECFN,.*accepted the recommendation"
check "audit: the close, by the security function in the browser" \
	audit_has "review-close,ok,ok,,ekonomi,authd-web,127\.0\.0\.1,,$SECFN"
authctl review report 1 --format csv -o "$T_DIR/cli.csv"
check "the report from the browser is authctl's, byte for byte" \
	cmp -s "$T_DIR/cli.csv" "$T_DIR/browser/report.csv"
authctl audit list --limit 10000 --format csv | grep -E '^[0-9]+,[^,]*,(review-|auth,)' |
	cut -d, -f3- | sed 's/^/    audit: /'
export AUTHCTL_BIN
check "no password or code in the audit trail or the logs" bash -c \
	"! (\"\$AUTHCTL_BIN\" audit list --limit 10000 --format csv; cat '$T_DIR/web.log' '$T_DIR/authd.log') | grep -q 'Passw0rd'"
check "no session id in the logs" bash -c \
	"! grep -Eq '[0-9a-f]{64}' '$T_DIR/web.log'"
t_done
