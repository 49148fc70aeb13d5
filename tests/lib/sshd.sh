# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# A real OpenSSH server whose PAM stack is pam_authd.so, and a real ssh
# client answering its keyboard-interactive prompts through SSH_ASKPASS.
# Source it after authd.sh:
#
#   sshd_need                   # skips (77) when something is missing
#                               # (sshd_check: says what, without skipping)
#   t_init ...
#   sshd_users anna dag         # local accounts (sshd wants them)
#   sshd_start "socket=$AUTHD_SOCK system=pilot"
#   out=$(ssh_login anna "$(code anna)")   # "logged-in-as-anna" on success
#   trap 'sshd_cleanup; t_cleanup' EXIT
#
# Needs root: sshd reads its stack from /etc/pam.d (plain pam_start), so
# the stack lives there, as SSHD_SVC (the name of the link sshd runs as);
# it and the accounts made are removed by sshd_cleanup.  With SSHD_NETNS
# set, sshd and the client run in that network namespace.

SSHD_BIN=/usr/sbin/sshd
SSHD_SVC=sshd-authd-test.$$
SSHD_PID=
_sshd_users=()
_sshd_in=()	# the command sshd and ssh run under (ip netns exec NAME)

# sshd_check: sets SSHD_MISSING to why sshd cannot be used here (empty
# when it can) and SSH_MODULE to the module it loads.  sshd is not built
# with sanitizers, so it needs a module that is not either:
# AUTHD_PLAIN_MODULE (scripts/test.sh points it at the gcc build), or this
# build's own module when it is uninstrumented.
sshd_check() {
	local t
	SSHD_MISSING=
	SSH_MODULE=${AUTHD_PLAIN_MODULE:-$PAM_MODULE}
	for t in ssh ssh-keygen useradd userdel; do
		PATH="$PATH:/usr/sbin:/sbin" command -v "$t" >/dev/null 2>&1 ||
			{ SSHD_MISSING="$t is not installed"; return; }
	done
	if [[ ! -x $SSHD_BIN ]]; then
		SSHD_MISSING="sshd is not installed"
	elif [[ ! -f $SSH_MODULE ]]; then
		SSHD_MISSING="no module at $SSH_MODULE"
	elif nm -D "$SSH_MODULE" 2>/dev/null | grep -q '__asan\|__ubsan'; then
		SSHD_MISSING="$SSH_MODULE is built with sanitizers; set AUTHD_PLAIN_MODULE"
	fi
}

# sshd_need: skips (77) unless sshd can be used (sshd_check).
sshd_need() {
	sshd_check
	[[ -z $SSHD_MISSING ]] || skip "$SSHD_MISSING"
}

# sshd_users USER...: local accounts for the USERs that have none
# (sshd looks users up with getpwnam before PAM).
sshd_users() {
	local u
	for u in "$@"; do
		if ! id "$u" >/dev/null 2>&1; then
			useradd -M -d /nonexistent -s /bin/sh "$u" && _sshd_users+=("$u")
		fi
	done
}

# sshd_start OPTIONS: the stack /etc/pam.d/SSHD_SVC (pam_authd with
# OPTIONS in auth, account and session; no delay after a failed auth), and
# sshd on 127.0.0.1:SSHD_PORT with keyboard-interactive as its only method.
sshd_start() {
	local p i
	_sshd_in=()
	[[ -z ${SSHD_NETNS:-} ]] || _sshd_in=(ip netns exec "$SSHD_NETNS")
	cat >"/etc/pam.d/$SSHD_SVC" <<-EOS
	auth     required $SSH_MODULE $1 delay=0
	account  required $SSH_MODULE $1
	session  optional $SSH_MODULE $1
	EOS
	mkdir -p /run/sshd && chmod 755 /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/hostkey" || fail "host key"
	SSHD_PORT=
	for ((p = 30000 + RANDOM % 5000, i = 0; i < 50; i++, p++)); do
		"${_sshd_in[@]}" bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null ||
			{ SSHD_PORT=$p; break; }
	done
	[[ -n $SSHD_PORT ]] || { fail "no free port"; return 1; }
	cat >"$T_DIR/sshd_config" <<-EOS
	Port $SSHD_PORT
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
	ln -sf "$SSHD_BIN" "$T_DIR/$SSHD_SVC"
	"${_sshd_in[@]}" "$T_DIR/$SSHD_SVC" -D -e -f "$T_DIR/sshd_config" 2>"$T_DIR/sshd.log" &
	SSHD_PID=$!
	for ((i = 0; i < 50; i++)); do
		"${_sshd_in[@]}" bash -c "exec 3<>/dev/tcp/127.0.0.1/$SSHD_PORT" 2>/dev/null && break
		sleep 0.1
	done
	# The client answers a password prompt with $T_DIR/answer.pw and any
	# other prompt with $T_DIR/answer; the prompts go to $T_DIR/prompts.
	cat >"$T_DIR/askpass" <<-EOS
	#!/bin/sh
	echo "\$*" >>"$T_DIR/prompts"
	case "\$*" in
	*Password*) cat "$T_DIR/answer.pw" ;;
	*) cat "$T_DIR/answer" ;;
	esac
	EOS
	chmod 755 "$T_DIR/askpass"
}

# ssh_login USER CODE [PASSWORD]: logs in as USER over ssh, answering the
# prompts with CODE (and PASSWORD), and runs a command that prints
# "logged-in-as-USER".  Prints what the command printed.
ssh_login() {
	printf '%s\n' "$2" >"$T_DIR/answer"
	printf '%s\n' "${3:-}" >"$T_DIR/answer.pw"
	SSH_ASKPASS="$T_DIR/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY= \
		timeout 30 "${_sshd_in[@]}" setsid ssh -F /dev/null -p "$SSHD_PORT" -o BatchMode=no \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o PreferredAuthentications=keyboard-interactive \
		-o NumberOfPasswordPrompts=1 -o ConnectTimeout=10 \
		"$1@127.0.0.1" 'echo logged-in-as-$(id -un)' </dev/null 2>>"$T_DIR/ssh.err"
}

# sshd_cleanup: stops sshd, removes the stack and the accounts made.
sshd_cleanup() {
	local u
	[[ -n $SSHD_PID ]] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=
	rm -f "/etc/pam.d/$SSHD_SVC"
	for u in "${_sshd_users[@]}"; do userdel "$u" 2>/dev/null; done
	_sshd_users=()
}
