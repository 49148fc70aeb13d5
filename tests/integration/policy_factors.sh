#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The factors a login needs come from the policy: the PAM module asks
# authd, then prompts for the directory password and the code in that
# order, or for the code only, or for nothing (PAM_IGNORE).  A wrong
# password and a wrong code get the same answer and the same delay; an
# empty password never reaches the directory; a wrong password does not
# use up the code.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
AUTHD_POLICY_DIR=$T_DIR/factors-policy
mkdir -p "$AUTHD_POLICY_DIR"
chmod 755 "$AUTHD_POLICY_DIR"
cat >"$AUTHD_POLICY_DIR/factors.policy" <<'EOP'
settings {
    mfa-threshold 2
}
system kassa {
    owner anna
    confidentiality 3
    integrity 3
    availability 2
    mfa required
    password yes
    role kassor {
        group "cn=pilot-users,ou=groups,dc=exempel,dc=se"
    }
}
system intranat {
    owner anna
    confidentiality 1
    integrity 1
    availability 1
    mfa optional
    role alla {
        group "cn=pilot-users,ou=groups,dc=exempel,dc=se"
    }
}
system lagklass {
    owner anna
    confidentiality 1
    integrity 1
    availability 0
    mfa classified
    password yes
    role alla {
        group "cn=pilot-users,ou=groups,dc=exempel,dc=se"
    }
}
EOP
chmod 644 "$AUTHD_POLICY_DIR/factors.policy"
export AUTHD_POLICY_DIR
authd_setup
# Each system's stack: pam_authd, then pam_permit, so that a PAM_IGNORE
# from pam_authd (nothing to check) leaves the decision to the stack.
for sys in kassa intranat lagklass nosuch; do
	cat >"$T_DIR/pam/$sys" <<-EOS
	auth     required $PAM_MODULE socket=$AUTHD_SOCK delay=1000 system=$sys
	auth     required pam_permit.so
	account  required $PAM_MODULE socket=$AUTHD_SOCK system=$sys
	EOS
done
authd_start
enroll anna
enroll orjan

# kassa: password, then code.  Codes of steps 0 and +1 are used below,
# so they must stay within the window while the checks run.
sleep_to_step_start() {
	local into=$(($(date +%s) % 30))
	((into > 10)) && sleep $((31 - into))
	return 0
}
sleep_to_step_start
c=$(code anna 0)
PAM_SERVICE=kassa expect_pam "kassa: right password and code" auth anna \
	-a Passw0rd-anna -a "$c" -e auth=PAM_SUCCESS
check "kassa: the password is asked first, then the code" \
	test "$(grep '^prompt=' <<<"$LAST_PAM_OUT" | tr '\n' '|')" = \
	"prompt=Password: |prompt=Verification code: |"
check "audit: auth allow with factors password,totp" \
	audit_has 'auth,allow,ok,anna,kassa,.*"password,totp"'

# The next step's code (within the window, not used yet).
c=$(code anna 1)
PAM_SERVICE=kassa expect_pam "kassa: wrong password, right code" auth anna \
	-a wrong-password -a "$c" -e auth=PAM_AUTH_ERR
wrong_pw=$(grep -E '^auth=' <<<"$LAST_PAM_OUT")
delay_pw=$(sed -n 's/^delay=//p' <<<"$LAST_PAM_OUT")
check "audit: bad-password" audit_has 'auth,deny,bad-password,anna,kassa'
PAM_SERVICE=kassa expect_pam "kassa: the code was not used up by the wrong password" \
	auth anna -a Passw0rd-anna -a "$c" -e auth=PAM_SUCCESS
PAM_SERVICE=kassa expect_pam "kassa: right password, wrong (replayed) code" auth anna \
	-a Passw0rd-anna -a "$c" -e auth=PAM_AUTH_ERR
wrong_code=$(grep -E '^auth=' <<<"$LAST_PAM_OUT")
delay_code=$(sed -n 's/^delay=//p' <<<"$LAST_PAM_OUT")
check "a wrong password and a wrong code get the same PAM answer" \
	test "$wrong_pw" = "$wrong_code"
# libpam spreads the requested delay (1 s here) by up to +-25 %.
in_band() { [[ -n $1 && $1 -ge 500000 && $1 -le 1500000 ]]; }
check "and the same requested failure delay" bash -c \
	"$(declare -f in_band); in_band '$delay_pw' && in_band '$delay_code'"

binds_before=$(grep -c 'BIND dn="uid=anna' "$SLAPD_WORKDIR/slapd.log")
PAM_SERVICE=kassa expect_pam "kassa: empty password refused" auth anna \
	-a "" -a "$(code anna 0)" -e auth=PAM_AUTH_ERR
binds_after=$(grep -c 'BIND dn="uid=anna' "$SLAPD_WORKDIR/slapd.log")
check "an empty password never reaches the directory" test "$binds_before" = "$binds_after"
check "a right password does (bind as the user)" test "$binds_before" -gt 0
PAM_SERVICE=kassa expect_pam "kassa: unknown user is asked the same and denied" \
	auth nobody-here -a whatever -a 123456 -e auth=PAM_AUTH_ERR
check "unknown user: the same prompts" \
	test "$(grep -c '^prompt=' <<<"$LAST_PAM_OUT")" = 2

# intranat: mfa optional, no password.
step_safe
PAM_SERVICE=intranat expect_pam "intranat: a user with a token gives the code" \
	auth orjan -a "$(code orjan 0)" -e auth=PAM_SUCCESS
check "intranat: only the code is asked" \
	test "$(grep '^prompt=' <<<"$LAST_PAM_OUT")" = "prompt=Verification code: "
PAM_SERVICE=intranat expect_pam "intranat: a wrong code fails" \
	auth orjan -a 000000 -e auth=PAM_AUTH_ERR
# The same question for everyone: the prompt must not tell who has a token.
PAM_SERVICE=intranat expect_pam "intranat: a user without a token is asked the same" \
	auth bertil -a 123456 -e auth=PAM_SUCCESS
check "intranat: the same prompt (then pam_authd ignored, pam_permit decided)" \
	test "$(grep '^prompt=' <<<"$LAST_PAM_OUT")" = "prompt=Verification code: "
check "audit: bertil's code was not checked, and that is recorded" \
	audit_has 'auth,ignore,no-token,bertil,intranat'
PAM_SERVICE=intranat expect_pam "intranat: an unknown user is asked the same" \
	auth nobody-here -a 123456 -e auth=PAM_AUTH_ERR
check "intranat: the same prompt for the unknown user" \
	test "$(grep '^prompt=' <<<"$LAST_PAM_OUT")" = "prompt=Verification code: "

# lagklass: classified below the threshold: the password only.
PAM_SERVICE=lagklass expect_pam "lagklass: the password alone" \
	auth bertil -a Passw0rd-bertil -e auth=PAM_SUCCESS
check "lagklass: only the password is asked" \
	test "$(grep '^prompt=' <<<"$LAST_PAM_OUT")" = "prompt=Password: "
check "audit: auth allow with factors password" \
	audit_has 'auth,allow,ok,bertil,lagklass,.*,password,'
PAM_SERVICE=lagklass expect_pam "a name not spelled as the directory's uid is unknown" \
	auth BERTIL -a Passw0rd-bertil -e auth=PAM_AUTH_ERR
PAM_SERVICE=lagklass expect_pam "and has no account either" acct BERTIL -e acct=PAM_PERM_DENIED
check "audit: BERTIL unknown-user" audit_has 'account,deny,unknown-user,BERTIL'
PAM_SERVICE=lagklass expect_pam "lagklass: a wrong password fails" \
	auth bertil -a nope -e auth=PAM_AUTH_ERR
PAM_SERVICE=lagklass expect_pam "lagklass: account follows the policy" \
	acct bertil -e acct=PAM_SUCCESS
PAM_SERVICE=lagklass expect_pam "lagklass: dag holds no role" \
	acct dag -e acct=PAM_PERM_DENIED
check "audit: dag no-role" audit_has 'account,deny,no-role,dag,lagklass'

# An unknown system: denied without prompting.
PAM_SERVICE=nosuch expect_pam "an unknown system is denied" auth anna -e auth=PAM_AUTH_ERR
check "unknown system: nothing is asked" not grep -q '^prompt=' <<<"$LAST_PAM_OUT"
check "no secret in authd's log" not grep -qE "Passw0rd|wrong-password" "$T_DIR/authd.log"
check "no secret in the audit trail" not audit_has "Passw0rd|wrong-password"
check "authd stops cleanly" authd_stop
t_done
