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
t_need ssh ssh-keygen useradd userdel
SSHD_BIN=/usr/sbin/sshd
[[ -x $SSHD_BIN ]] || skip "sshd is not installed"

# sshd is not built with sanitizers, so it needs a module that is not
# either: AUTHD_PLAIN_MODULE (scripts/test.sh points it at the gcc build),
# or this build's own module when it is uninstrumented.
SSH_MODULE=${AUTHD_PLAIN_MODULE:-$PAM_MODULE}
[[ -f $SSH_MODULE ]] || skip "no module at $SSH_MODULE"
if nm -D "$SSH_MODULE" 2>/dev/null | grep -q '__asan\|__ubsan'; then
	skip "$SSH_MODULE is built with sanitizers; set AUTHD_PLAIN_MODULE"
fi

t_init
authd_setup
authd_start
enroll anna

SVC=sshd-authd-test.$$
PAMFILE=/etc/pam.d/$SVC
created_users=()
ssh_cleanup() {
	[[ -n ${SSHD_PID:-} ]] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	rm -f "$PAMFILE"
	for u in "${created_users[@]}"; do userdel "$u" 2>/dev/null; done
	t_cleanup
}
trap ssh_cleanup EXIT

# Local accounts (sshd looks users up with getpwnam before PAM).
for u in anna dag; do
	if ! id "$u" >/dev/null 2>&1; then
		useradd -M -d /nonexistent -s /bin/sh "$u" && created_users+=("$u")
	fi
done

# The PAM stack sshd will run: named after the binary it runs as.
cat >"$PAMFILE" <<EOS
auth     required $SSH_MODULE socket=$AUTHD_SOCK system=pilot delay=0
account  required $SSH_MODULE socket=$AUTHD_SOCK system=pilot
session  optional $SSH_MODULE socket=$AUTHD_SOCK system=pilot
EOS
mkdir -p /run/sshd && chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/hostkey" || fail "host key"
port=""
for ((p = 30000 + RANDOM % 5000, i = 0; i < 50; i++, p++)); do
	(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { port=$p; break; }
done
[[ -n $port ]] || { fail "no free port"; t_done; }
cat >"$T_DIR/sshd_config" <<EOS
Port $port
ListenAddress 127.0.0.1
HostKey $T_DIR/hostkey
PidFile $T_DIR/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
AuthenticationMethods keyboard-interactive
PermitRootLogin no
StrictModes no
LogLevel VERBOSE
EOS
ln -s "$SSHD_BIN" "$T_DIR/$SVC"
"$T_DIR/$SVC" -D -e -f "$T_DIR/sshd_config" 2>"$T_DIR/sshd.log" &
SSHD_PID=$!
for ((i = 0; i < 50; i++)); do
	(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
	sleep 0.1
done

# The client answers every prompt with the code in $T_DIR/answer.
cat >"$T_DIR/askpass" <<EOS
#!/bin/sh
echo "\$*" >>"$T_DIR/prompts"
cat "$T_DIR/answer"
EOS
chmod 755 "$T_DIR/askpass"
login() {
	printf '%s\n' "$2" >"$T_DIR/answer"
	SSH_ASKPASS="$T_DIR/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY= \
		timeout 30 setsid ssh -F /dev/null -p "$port" -o BatchMode=no \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 \
		"$1@127.0.0.1" 'echo logged-in-as-$(id -un)' </dev/null 2>>"$T_DIR/ssh.err"
}

step_safe
good=$(code anna 0)
out=$(login anna "$good")
check "anna logs in over ssh with a valid code" grep -qx 'logged-in-as-anna' <<<"$out"
check "the client was asked for the verification code" grep -q 'Verification code' "$T_DIR/prompts"
out=$(login anna "$good")
check "the same code again is refused (replay)" bash -c "! grep -q logged-in <<<'$out'"
out=$(login anna 000000)
check "a wrong code is refused" bash -c "! grep -q logged-in <<<'$out'"
out=$(login dag 123456)
check "dag (no token) is refused" bash -c "! grep -q logged-in <<<'$out'"
check "sshd still runs" kill -0 "$SSHD_PID"

audit=$(authctl audit list --limit 1000 --format csv)
check "audit: the ssh login, with rhost and tty from sshd" \
	grep -Eq "auth,allow,ok,anna,pilot,$SVC,127\.0\.0\.1,ssh" <<<"$audit"
check "audit: account allowed for the ssh login" grep -q "account,allow,ok,anna,pilot,$SVC" <<<"$audit"
check "audit: the session opened and closed" bash -c \
	"grep -q 'session-open,ok,ok,anna,pilot,$SVC' <<<'$audit' && grep -q 'session-close,ok,ok,anna,pilot,$SVC' <<<'$audit'"
check "audit: the replay" grep -q "auth,deny,replay,anna,pilot,$SVC" <<<"$audit"
check "audit: dag has no token" grep -q "auth,deny,no-token,dag,pilot,$SVC" <<<"$audit"
t_done
