#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Self-enrollment in a real browser: real slapd, authd and authd-web
# (HTTPS, as its own user), headless Debian chromium driven by
# python3-selenium (tests/web/enroll_browser.py).  An employee signs in,
# the QR code is read from a screenshot with zbarimg, oathtool makes the
# code that confirms it, and then the employee logs in through real
# libpam with that token.  The browser script also checks the refusals
# (outside the groups, forged POST, replayed cookie, idle timeout,
# framing); here the audit trail is checked for the web actor.
set -u
. "$(dirname "$0")/../lib/authd.sh"

PY=/usr/bin/python3
web_need zbarimg

t_init
WEB_IDLE=6
authd_setup "web_socket $T_DIR/run/web.sock" "web_user nobody" \
	"web_enroll_groups \"cn=pilot-users,ou=groups,dc=exempel,dc=se\"" \
	"web_enroll_networks \"127.0.0.0/8 ::1\""
authd_start

web_start "$WEB_IDLE"
check "authd-web serves HTTPS" grep -q "serving on 127.0.0.1:$WEB_PORT (HTTPS)" "$T_DIR/web.log"
check "authd-web runs as its own user, not root" \
	bash -c "[[ \$(ps -o user= -p $WEB_PID) == nobody ]]"
check "TLS 1.1 is refused" bash -c "! openssl s_client -connect 127.0.0.1:$WEB_PORT \
	-tls1_1 </dev/null >/dev/null 2>&1"

mkdir -p "$T_DIR/browser"
step_safe
if "$PY" "$(dirname "$0")/../web/enroll_browser.py" "https://127.0.0.1:$WEB_PORT" \
	"$T_DIR/browser" anna Passw0rd-anna dag Passw0rd-dag "$WEB_IDLE" \
	>"$T_DIR/browser.out" 2>&1; then
	pass "the browser checks"
else
	fail "the browser checks"
fi
sed 's/^/    /' "$T_DIR/browser.out"

SECRET_anna=$(cat "$T_DIR/browser/secret" 2>/dev/null)
check "the browser enrolled anna" test -n "$SECRET_anna"
# The confirming code is used up: log in with the next step's.
expect_pam "anna logs in through libpam with the token enrolled in the browser" \
	"auth acct" anna -a "$(code anna 1)" -e auth=PAM_SUCCESS -e acct=PAM_SUCCESS

WEB_ACTOR='"web:session=[0-9a-f]{32},src=127\.0\.0\.1,uid=[0-9]+"'
check "the sign-in is audited with the web actor" \
	audit_has "web-signin,allow,ok,anna,,authd-web,127\.0\.0\.1,,$WEB_ACTOR"
check "the enrollment is audited with the web actor" \
	audit_has "enroll,ok,ok,anna,,authd-web,127\.0\.0\.1,,$WEB_ACTOR"
check "the confirmation is audited with the web actor" \
	audit_has "confirm,ok,ok,anna,,authd-web,127\.0\.0\.1,,$WEB_ACTOR"
check "dag's refusal is audited" audit_has "web-signin,deny,not-member,dag,.*$WEB_ACTOR"
check "the wrong password is audited" audit_has "web-signin,deny,bad-password,anna,.*$WEB_ACTOR"
export AUTHCTL_BIN
check "no password in the audit trail or the logs" bash -c \
	"! (\"\$AUTHCTL_BIN\" audit list --limit 10000 --format csv; cat '$T_DIR/web.log' '$T_DIR/authd.log') | grep -q 'Passw0rd'"
check "no secret in the logs" bash -c "! grep -q '$SECRET_anna' '$T_DIR/web.log' '$T_DIR/authd.log'"
t_done
