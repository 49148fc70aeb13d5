#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A two-factor login end to end: authctl enrolls users against a real
# slapd, oathtool produces the codes, real libpam runs pam_authd.so, and
# every outcome is checked by its exact PAM code and its audit record.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
authd_setup "lockout_threshold 3" "lockout_time 6" "lockout_max 7"
authd_start

# --- enrollment ---------------------------------------------------------
out=$(authctl enroll anna) || fail "enroll anna"
check "enroll prints an otpauth URI with the issuer" \
	grep -q '^otpauth://totp/Exempel%20kommun:anna?secret=[A-Z2-7]\{32\}&issuer=Exempel%20kommun&algorithm=SHA1&digits=6&period=30$' <<<"$out"
check "enroll prints a QR code" grep -q '█' <<<"$out"
secret=$(sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' <<<"$out")
SECRET_anna=$secret
hexseed=$(printf '%s' "$secret" | base32 -d 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
[[ ${#hexseed} -eq 40 ]] || fail "seed is 160 bits (got ${#hexseed} hex digits)"
if db_pg; then
	dbhex=$(db_sql "SELECT encode(sealed, 'hex') FROM tokens WHERE \"user\" = 'anna'")
else
	dbhex=$(db_sql "SELECT hex(sealed) FROM tokens WHERE \"user\" = 'anna'" | tr 'A-F' 'a-f')
fi
check "the token is stored" test -n "$dbhex"
check "the stored seed is not the plain seed" bash -c "! grep -qi '$hexseed' <<<'$dbhex'"
if db_pg; then
	pg_dump_text >"$T_DIR/dump.sql"
	check "no seed anywhere in the database in clear" \
		not grep -qiE "$hexseed|$secret" "$T_DIR/dump.sql"
	check "no seed anywhere in the database's files in clear" \
		not pg_files_have "$hexseed"
	check "(that search finds the sealed token there)" pg_files_have "$dbhex"
	check "the database password file is root's, 0600, and the key 0600" bash -c \
		"[[ \$(stat -c %a:%U '$PG_PWFILE') == 600:root && \$(stat -c %a '$T_DIR/state/seal.key') == 600 ]]"
else
	check "no seed anywhere in the database file in clear" \
		bash -c "! cat '$AUTHD_DB' '$AUTHD_DB-wal' 2>/dev/null | od -An -tx1 -v | tr -d ' \n' | grep -qi '$hexseed'"
	check "database and key are 0600" bash -c \
		"[[ \$(stat -c %a '$AUTHD_DB') == 600 && \$(stat -c %a '$T_DIR/state/seal.key') == 600 ]]"
	check "database and key belong to $AUTHD_USER" bash -c \
		"[[ \$(stat -c %U '$AUTHD_DB') == '$AUTHD_USER' ]]"
fi

step_safe
expect_pam "a pending token does not log in" auth anna -a "$(code anna 0)" -e auth=PAM_AUTH_ERR
check "wrong confirmation code refused" bash -c "! '$AUTHCTL_BIN' enroll --confirm anna 000000 >/dev/null 2>&1 || [[ '$(code anna 0)' == 000000 ]]"
step_safe
check "confirm with the previous step's code" authctl enroll --confirm anna "$(code anna -1)"
check "confirming twice is refused" bash -c "! '$AUTHCTL_BIN' enroll --confirm anna '$(code anna 0)' >/dev/null 2>&1"
check "re-enrolling an active token needs --force" bash -c "! '$AUTHCTL_BIN' enroll --no-qr anna >/dev/null 2>&1"
check "enrolling a user the directory does not know fails" bash -c "! '$AUTHCTL_BIN' enroll --no-qr nosuchuser >/dev/null 2>&1"

# --- logins ---------------------------------------------------------------
step_safe
c0=$(code anna 0)
expect_pam "valid code: full login (auth, account, session)" \
	"auth acct open close" anna -a "$c0" \
	-e auth=PAM_SUCCESS -e acct=PAM_SUCCESS -e open=PAM_SUCCESS -e close=PAM_SUCCESS
check "the code prompt is shown" grep -q '^prompt=Verification code: ' <<<"$LAST_PAM_OUT"
expect_pam "replayed code is refused" auth anna -a "$c0" -e auth=PAM_AUTH_ERR
# libpam spreads the requested delay (1 s here) by up to +-25 %.
delay_ok() {
	local d
	d=$(sed -n 's/^delay=//p' <<<"$LAST_PAM_OUT")
	[[ -n $d && $d -ge 500000 && $d -le 1500000 ]]
}
check "a failure requests the delay" delay_ok
expect_pam "code from the next step (within the window) is accepted" \
	auth anna -a "$(code anna 1)" -e auth=PAM_SUCCESS
expect_pam "a code from 5 steps ago is refused" auth anna -a "$(code anna -5)" -e auth=PAM_AUTH_ERR
expect_pam "a code from 5 steps ahead is refused" auth anna -a "$(code anna 5)" -e auth=PAM_AUTH_ERR
expect_pam "garbage instead of a code is refused" auth anna -a "12ab56" -e auth=PAM_AUTH_ERR
expect_pam "an empty answer is refused" auth anna -a "" -e auth=PAM_AUTH_ERR
expect_pam "an overlong answer is refused" auth anna -a "$(head -c 5000 /dev/zero | tr '\0' 7)" -e auth=PAM_AUTH_ERR

# --- no user enumeration --------------------------------------------------
expect_pam "unknown user: same prompt, same answer" auth nosuchuser -a 123456 -e auth=PAM_AUTH_ERR
check "unknown user is prompted like everyone" grep -q '^prompt=Verification code: ' <<<"$LAST_PAM_OUT"
check "unknown user gets the same delay" delay_ok
expect_pam "user without a token: same answer" auth bertil -a 123456 -e auth=PAM_AUTH_ERR
check "user without a token gets the same delay" delay_ok
expect_pam "a user name with LDAP filter characters is refused" auth 'x*)(uid=*' -a 123456 -e auth=PAM_AUTH_ERR

# --- account phase --------------------------------------------------------
PAM_SERVICE=authd-finance; pam_stack authd-finance system=finance
expect_pam "anna may use finance" acct anna -e acct=PAM_SUCCESS
expect_pam "dag is in no group: finance denied" acct dag -e acct=PAM_PERM_DENIED
expect_pam "unknown user: account denied" acct nosuchuser -e acct=PAM_PERM_DENIED
pam_stack authd-hr system=hr; PAM_SERVICE=authd-hr
expect_pam "cecilia may use hr (posixGroup memberUid)" acct cecilia -e acct=PAM_SUCCESS
expect_pam "anna may not use hr" acct anna -e acct=PAM_PERM_DENIED
pam_stack authd-sc system=socialcare; PAM_SERVICE=authd-sc
expect_pam "anna may use socialcare (groupOfUniqueNames)" acct anna -e acct=PAM_SUCCESS
pam_stack authd-unknown system=nosuchsystem; PAM_SERVICE=authd-unknown
expect_pam "an unknown system is denied" acct anna -e acct=PAM_PERM_DENIED
# system= defaults to the PAM service name
pam_stack finance; PAM_SERVICE=finance
expect_pam "system defaults to the PAM service name" acct bertil -e acct=PAM_SUCCESS
PAM_SERVICE=authd-test

# --- lockout ----------------------------------------------------------------
enroll orjan
step_safe
for i in 1 2 3; do
	expect_pam "orjan wrong code $i" auth orjan -a 000001 -e auth=PAM_AUTH_ERR
done
step_safe
good=$(code orjan 0)
expect_pam "locked user with a valid code gets the same answer" auth orjan -a "$good" -e auth=PAM_AUTH_ERR
check "status shows the lock" bash -c "'$AUTHCTL_BIN' status orjan | grep -q '^locked: until '"
check "unlock orjan" authctl unlock orjan
expect_pam "after unlock the valid code works" auth orjan -a "$good" -e auth=PAM_SUCCESS
# lockout expires by itself (lockout_time 6 s)
for i in 1 2 3; do pam auth orjan -a 000001 >/dev/null 2>&1; done
sleep 6.5
step_safe
expect_pam "the lockout expires" auth orjan -a "$(code orjan 1)" -e auth=PAM_SUCCESS

# --- reset ------------------------------------------------------------------
check "reset removes the token" authctl reset orjan
check "status after reset" bash -c "'$AUTHCTL_BIN' status orjan | grep -q '^token: none'"

# --- the audit trail --------------------------------------------------------
audit=$(authctl audit list --limit 1000 --format csv)
check "audit: allow with user, system, service, rhost, tty" \
	grep -Eq 'auth,allow,ok,anna,pilot,authd-test,192\.0\.2\.10,ssh' <<<"$audit"
check "audit: replay" grep -q 'auth,deny,replay,anna' <<<"$audit"
check "audit: bad code" grep -q 'auth,deny,bad-code,anna' <<<"$audit"
check "audit: unknown user recorded with its real reason" grep -q 'auth,deny,unknown-user,nosuchuser' <<<"$audit"
check "audit: pending token" grep -q 'auth,deny,token-pending,anna' <<<"$audit"
check "audit: locked" grep -q 'auth,deny,locked,orjan' <<<"$audit"
check "audit: lockout start" grep -q 'lockout,deny,lockout-start,orjan' <<<"$audit"
check "audit: unlock by an admin" grep -Eq 'unlock,ok,ok,orjan,.*admin:uid=0' <<<"$audit"
check "audit: account no-role" grep -q 'account,deny,no-role,dag' <<<"$audit"
check "audit: account unknown-system" grep -q 'account,deny,unknown-system,anna,nosuchsystem' <<<"$audit"
check "audit: account unknown-user" grep -q 'account,deny,unknown-user,nosuchuser' <<<"$audit"
check "audit: session open and close" bash -c "grep -q 'session-open,ok,ok,anna' <<<'$audit' && grep -q 'session-close,ok,ok,anna' <<<'$audit'"
check "audit: enroll, confirm and reset" bash -c "grep -q 'enroll,ok,ok,anna' <<<'$audit' && grep -q 'confirm,ok,ok,anna' <<<'$audit' && grep -q 'reset,ok,ok,orjan' <<<'$audit'"
check "audit: the injected name is stored sanitised" grep -q 'bad-format' <<<"$audit"
check "audit list filters by user" bash -c "! '$AUTHCTL_BIN' audit list --user anna --format csv | tail -n +2 | grep -v ',anna,' | grep -q ."
check "the audit table refuses updates" not db_sql "UPDATE audit SET decision = 'allow'" 2>/dev/null

# --- no secret or code in logs or the audit trail ---------------------------
check "no seed in the authd log" bash -c "! grep -q '$secret' '$T_DIR/authd.log'"
check "no used code in the authd log" bash -c "! grep -qw '$c0' '$T_DIR/authd.log'"
check "no used code in the audit trail" bash -c "! grep -qw '$c0' <<<'$audit'"

# --- the node's heartbeat ---------------------------------------------------
ver=$(authctl policy reload | sed -n 's/^policy reloaded: version //p')
out=$(authctl nodes)
t_log "$out"
check "authctl nodes lists this node alive, with its policy version ($ver)" \
	grep -Eq "^test-node +alive .* ${ver:-none} " <<<"$out"
out=$(authctl status)
check "authctl status: one node, the same policy everywhere" \
	grep -q "^policy-versions: same (on every live node)" <<<"$out"

# --- clean shutdown ---------------------------------------------------------
check "authd stops cleanly on SIGTERM" authd_stop
t_done
