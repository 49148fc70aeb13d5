#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A real login over a real sshd: OpenSSH runs the PAM stack with
# pam_authd.so (keyboard-interactive), the ssh client answers the
# "Verification code" prompt through SSH_ASKPASS with a code from oathtool,
# and authd decides and audits.  Needs root: the stack must live in
# /etc/pam.d (sshd uses plain pam_start) and the users need local
# accounts; both are removed afterwards.
set -u
. "$(dirname "$0")/../lib/authd.sh"
. "$(dirname "$0")/../lib/sshd.sh"
sshd_need

t_init
authd_setup
authd_start
enroll anna

trap 'sshd_cleanup; t_cleanup' EXIT
sshd_users anna dag
sshd_start "socket=$AUTHD_SOCK system=pilot" || t_done

step_safe
good=$(code anna 0)
out=$(ssh_login anna "$good")
check "anna logs in over ssh with a valid code" grep -qx 'logged-in-as-anna' <<<"$out"
check "the client was asked for the verification code" grep -q 'Verification code' "$T_DIR/prompts"
out=$(ssh_login anna "$good")
check "the same code again is refused (replay)" bash -c "! grep -q logged-in <<<'$out'"
out=$(ssh_login anna 000000)
check "a wrong code is refused" bash -c "! grep -q logged-in <<<'$out'"
out=$(ssh_login dag 123456)
check "dag (no token) is refused" bash -c "! grep -q logged-in <<<'$out'"
check "sshd still runs" kill -0 "$SSHD_PID"

audit=$(authctl audit list --limit 1000 --format csv)
check "audit: the ssh login, with rhost and tty from sshd" \
	grep -Eq "auth,allow,ok,anna,pilot,$SSHD_SVC,127\.0\.0\.1,ssh" <<<"$audit"
check "audit: account allowed for the ssh login" grep -q "account,allow,ok,anna,pilot,$SSHD_SVC" <<<"$audit"
check "audit: the session opened and closed" bash -c \
	"grep -q 'session-open,ok,ok,anna,pilot,$SSHD_SVC' <<<'$audit' && grep -q 'session-close,ok,ok,anna,pilot,$SSHD_SVC' <<<'$audit'"
check "audit: the replay" grep -q "auth,deny,replay,anna,pilot,$SSHD_SVC" <<<"$audit"
check "audit: dag has no token" grep -q "auth,deny,no-token,dag,pilot,$SSHD_SVC" <<<"$audit"
t_done
