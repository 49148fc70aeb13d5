#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Checks the test tools against PAM stacks made of stock Linux-PAM modules
# (pam_permit, pam_deny, pam_faildelay, pam_echo, pam_exec):
#
#   tools_selftest.sh PAM_DRIVER PAM_RACE HANG_SERVER
#
# Exit status: 0 pass, 1 fail, 77 skipped (a tool or module is missing).
# The hang_server checks need python3 as a socket client and are skipped
# without it.

set -u

if [[ $# -ne 3 ]]; then
	echo "usage: $0 PAM_DRIVER PAM_RACE HANG_SERVER" >&2
	exit 2
fi
driver=$1 race=$2 hangsrv=$3
for t in "$driver" "$race" "$hangsrv"; do
	[[ -x $t ]] || { echo "SKIP: $t is not built"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/tools-selftest.XXXXXX") || exit 1
hs_pid=
cleanup() {
	if [[ -n $hs_pid ]]; then
		kill "$hs_pid" 2>/dev/null
		wait "$hs_pid" 2>/dev/null
	fi
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
pass() { printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }

# run CMD... : runs CMD, stdout in $out, stderr in $err, status in $rc
run() {
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	out=$(cat "$work/out")
	err=$(cat "$work/err")
}
has() { grep -qx -- "$1" <<<"$out"; }

conf=$work/pam.d
mkdir -p "$conf"
printf '%s\n' 'auth required pam_permit.so' 'account required pam_permit.so' \
	'session required pam_permit.so' >"$conf/permit"
printf '%s\n' 'auth optional pam_faildelay.so delay=2000000' \
	'auth required pam_deny.so' 'account required pam_deny.so' >"$conf/deny"
cat >"$work/checkpw" <<'EOF'
#!/bin/bash
IFS= read -r -d '' pw
[[ $pw == secret ]]
EOF
cat >"$work/slow" <<'EOF'
#!/bin/sh
exec sleep "$1"
EOF
chmod 0755 "$work/checkpw" "$work/slow"
printf '%s\n' 'auth optional pam_echo.so Hello %u on %t' \
	"auth required pam_exec.so expose_authtok $work/checkpw" >"$conf/prompt"
printf '%s\n' "auth required pam_exec.so $work/slow 3" >"$conf/hang"
printf '%s\n' "auth required pam_exec.so $work/slow 1" >"$conf/slow"

# --- pam_driver ---------------------------------------------------------

run "$driver" -d "$conf" -s permit -u anna -e auth=PAM_SUCCESS \
	-e acct=PAM_SUCCESS auth acct open close setcred
if [[ $rc -eq 0 ]] && has auth=PAM_SUCCESS && has acct=PAM_SUCCESS &&
	has open=PAM_SUCCESS && has close=PAM_SUCCESS && has setcred=PAM_SUCCESS; then
	pass "pam_driver: pam_permit stack succeeds"
else
	fail "pam_driver permit: rc=$rc out=$out err=$err"
fi

run "$driver" -d "$conf" -s deny -u anna -e auth=PAM_AUTH_ERR auth
if [[ $rc -eq 0 ]] && has auth=PAM_AUTH_ERR && grep -qx 'delay=[1-9][0-9]*' <<<"$out"; then
	pass "pam_driver: pam_deny gives PAM_AUTH_ERR and a failure delay ($(grep delay= <<<"$out"))"
else
	fail "pam_driver deny: rc=$rc out=$out err=$err"
fi

run "$driver" -d "$conf" -s deny -u anna -e auth=PAM_SUCCESS auth
if [[ $rc -eq 1 ]] && grep -q 'expected auth=PAM_SUCCESS, got PAM_AUTH_ERR' <<<"$err"; then
	pass "pam_driver: a failed expectation exits 1"
else
	fail "pam_driver expectation: rc=$rc err=$err"
fi

run "$driver" -d "$conf" -s no-such-service -u anna auth
[[ $rc -eq 2 ]] && pass "pam_driver: missing service file exits 2 ($err)" ||
	fail "pam_driver missing service: rc=$rc err=$err"
run "$driver" -d "$conf" -s permit -u anna frobnicate
[[ $rc -eq 2 ]] && pass "pam_driver: unknown op exits 2" ||
	fail "pam_driver unknown op: rc=$rc"
run "$driver" --help
[[ $rc -eq 0 && $out == usage:* ]] && pass "pam_driver: --help" ||
	fail "pam_driver --help: rc=$rc"

run "$driver" -d "$conf" -s prompt -u anna -t pts/7 -a secret -e auth=PAM_SUCCESS auth
if [[ $rc -eq 0 ]] && has 'info=Hello anna on pts/7' && has 'prompt=Password: '; then
	pass "pam_driver: prompt answered, info shown"
else
	fail "pam_driver prompt: rc=$rc out=$out err=$err"
fi
run "$driver" -d "$conf" -s prompt -u anna -a wrong auth
if has 'prompt=Password: ' && grep -q '^error=.*failed: exit code 1' <<<"$out" &&
	! has auth=PAM_SUCCESS; then
	pass "pam_driver: wrong answer fails, error message shown"
else
	fail "pam_driver wrong answer: rc=$rc out=$out"
fi
run "$driver" -d "$conf" -s prompt -u anna -e auth=PAM_CONV_ERR auth
if [[ $rc -eq 0 ]] && has prompt-unanswered; then
	pass "pam_driver: prompt without answer gives PAM_CONV_ERR"
else
	fail "pam_driver unanswered: rc=$rc out=$out err=$err"
fi

start=$(date +%s%N)
run "$driver" -d "$conf" -s hang -u anna -W 700 auth
ms=$((($(date +%s%N) - start) / 1000000))
if [[ $rc -eq 1 ]] && has auth=TIMEOUT && grep -qx 'auth_ms=[0-9]*' <<<"$out" &&
	((ms < 2500)); then
	pass "pam_driver: -W 700 gives up on a hanging op after ${ms} ms"
else
	fail "pam_driver -W: rc=$rc ms=$ms out=$out err=$err"
fi
run "$driver" -d "$conf" -s slow -u anna -T 1 -e auth=PAM_SUCCESS auth
ms=$(sed -n 's/^auth_ms=//p' <<<"$out")
if [[ $rc -eq 0 ]] && [[ -n $ms ]] && ((ms >= 900 && ms < 10000)); then
	pass "pam_driver: -T 1 prints auth_ms=$ms for a 1 s op and does not judge it"
else
	fail "pam_driver -T timing: rc=$rc out=$out err=$err"
fi

# --- pam_race -----------------------------------------------------------

rounds=$(printf 'race%02d 123456\n' 1 2 3 4 5)
run "$race" -d "$conf" -s permit -n 3 <<<"$rounds"
if [[ $rc -eq 1 ]] && has 'rounds=5 double_accepts=5 no_accepts=0 errors=0' &&
	has 'race01 123456 successes=3 failures=0 errors=0'; then
	pass "pam_race: detects double accepts with pam_permit"
else
	fail "pam_race permit: rc=$rc out=$out err=$err"
fi
run "$race" -d "$conf" -s deny -n 3 <<<"$rounds"
if [[ $rc -eq 0 ]] && has 'rounds=5 double_accepts=0 no_accepts=5 errors=0'; then
	pass "pam_race: no double accepts with pam_deny"
else
	fail "pam_race deny: rc=$rc out=$out err=$err"
fi
run "$race" -d "$conf" -s prompt <<<"anna secret"
if has 'anna secret successes=2 failures=0 errors=0'; then
	pass "pam_race: answers prompts with the code"
else
	fail "pam_race prompt: rc=$rc out=$out err=$err"
fi
run "$race" -d "$conf" -s permit <<<"just-one-field"
[[ $rc -eq 2 ]] && pass "pam_race: malformed input exits 2" ||
	fail "pam_race malformed: rc=$rc"

# --- hang_server --------------------------------------------------------

# probe SOCKET SEND -> prints "eof", "timeout" or "data <n>"
probe() {
	python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(1.0)
s.connect(sys.argv[1])
if sys.argv[2]:
    try:
        s.sendall(sys.argv[2].encode())
    except OSError:
        pass
try:
    d = s.recv(4096)
    print("eof" if not d else "data %d" % len(d))
except socket.timeout:
    print("timeout")
except ConnectionResetError:
    print("eof")
EOF
}

# start_hs MODE: starts hang_server and waits for "ready"
start_hs() {
	local i
	"$hangsrv" "$work/s.sock" "$1" >"$work/hs.out" 2>"$work/hs.err" &
	hs_pid=$!
	for ((i = 0; i < 50; i++)); do
		grep -qx ready "$work/hs.out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
stop_hs() {
	local st
	kill -TERM "$hs_pid"
	wait "$hs_pid"
	st=$?
	hs_pid=
	return "$st"
}

if ! command -v python3 >/dev/null; then
	echo "skip hang_server checks: python3 not installed"
else
	for mode_want in "hang:timeout" "close:eof" "garbage:data 64"; do
		mode=${mode_want%%:*} want=${mode_want#*:}
		if ! start_hs "$mode"; then
			fail "hang_server $mode: no ready line ($(cat "$work/hs.err"))"
			continue
		fi
		got=$(probe "$work/s.sock" "PING-REQUEST")
		if [[ $got == "$want" ]]; then
			pass "hang_server $mode: client sees '$got'"
		else
			fail "hang_server $mode: client sees '$got', want '$want'"
		fi
		if stop_hs && [[ ! -e $work/s.sock ]]; then
			pass "hang_server $mode: SIGTERM exits 0 and removes the socket"
		else
			fail "hang_server $mode: bad exit or socket left behind"
		fi
	done
	# A stale socket (server killed hard) is replaced.
	start_hs hang && kill -KILL "$hs_pid" && wait "$hs_pid" 2>/dev/null
	hs_pid=
	if [[ -S $work/s.sock ]] && start_hs close &&
		[[ $(probe "$work/s.sock" "") == eof ]]; then
		pass "hang_server: replaces a stale socket"
	else
		fail "hang_server: stale socket not replaced"
	fi
	[[ -n $hs_pid ]] && stop_hs
	# Any other file is not removed.
	: >"$work/plain"
	"$hangsrv" "$work/plain" hang >/dev/null 2>&1
	rc=$?
	[[ $rc -ne 0 && -f $work/plain ]] && pass "hang_server: refuses to remove a non-socket" ||
		fail "hang_server on a regular file: rc=$rc"
fi

if ((failures > 0)); then
	echo "$failures check(s) failed"
	exit 1
fi
echo "all checks passed"
exit 0
