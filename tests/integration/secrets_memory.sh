#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# authd's secrets stay out of core files, swap and other processes of its
# user: the process is not dumpable and has a core limit of 0 however it
# was started (as root, which drops to _authd, or directly as _authd).
# The seal key and the audit signing key are not in authd's memory at all:
# only the key keeper it forks holds them (authd/keeper.h), in memory that
# is locked (mlock) and left out of core dumps (MADV_DONTDUMP); a seed
# opened for a login is wiped there.  The keeper is as closed as authd and
# more: chrooted to a directory that no longer exists, no-new-privs, its
# socketpairs its only descriptors, a seccomp filter (builds without
# sanitizers).  Without the right to lock memory authd says so and serves
# anyway.
#
# Dumpability has no field in /proc/PID/status.  What tells it is what it
# does: the kernel gives the /proc/PID files of a non-dumpable process to
# root, and refuses a process of the same uid the ptrace-mode reads
# (/proc/PID/environ, mem, maps) that would let it read authd's memory.
# Both are checked, the second as the attack itself: _authd reading
# /proc/PID/environ of an authd running as _authd.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_need runuser openssl

t_init
authd_setup

# Core files would be allowed, were it not for authd.
ulimit -c unlimited 2>/dev/null

# user_reads PID: true if _authd can read /proc/PID/environ.
user_reads() {
	runuser -u "$AUTHD_USER" -- cat "/proc/$1/environ" >/dev/null 2>&1
}

# not_dumpable WHO PID: the checks above, for an authd running as _authd.
not_dumpable() {
	local who=$1 pid=$2
	check "$who: runs as $AUTHD_USER" \
		grep -Eq "^Uid:[[:space:]]+$(id -u "$AUTHD_USER")[[:space:]]" "/proc/$pid/status"
	check "$who: its /proc files belong to root (not dumpable)" \
		test "$(stat -c %U "/proc/$pid/status")" = root
	check "$who: $AUTHD_USER cannot read its memory through /proc" \
		not user_reads "$pid"
	check "$who: core file size limit 0, soft and hard" \
		grep -Eq '^Max core file size +0 +0 ' "/proc/$pid/limits"
}

# The control: an ordinary (dumpable) process of _authd fails both.
(runuser -u "$AUTHD_USER" -- bash -c "echo \$\$ >'$T_DIR/state/sleep.pid'; exec sleep 60" 2>/dev/null &)
for ((i = 0; i < 50; i++)); do
	[[ -s $T_DIR/state/sleep.pid ]] && break
	sleep 0.1
done
ctlpid=$(cat "$T_DIR/state/sleep.pid")
check "control: a dumpable process of $AUTHD_USER has its /proc files" \
	test "$(stat -c %U "/proc/$ctlpid/status")" = "$AUTHD_USER"
check "control: and $AUTHD_USER can read them" user_reads "$ctlpid"
kill "$ctlpid"

# locked_kb PID: the process's locked memory in kB (VmLck).
locked_kb() {
	sed -n 's/^VmLck:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

# locked_nodump PID: true if a mapping is both locked (lo) and left out of
# core dumps (dd).
locked_nodump() {
	grep '^VmFlags:' "/proc/$1/smaps" | grep -w lo | grep -qw dd
}

# mem_where PID HEX...: for each byte string, where it is in the process's
# memory: "N protected" for a copy in a locked, no-dump mapping, "N exposed"
# for any other copy (one line per copy).
mem_where() {
	python3 - "$@" <<-'EOF'
	import re, sys
	pid = int(sys.argv[1])
	needles = [bytes.fromhex(h) for h in sys.argv[2:]]
	maps, cur = [], None
	for line in open('/proc/%d/smaps' % pid):
	    m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) (\S+) ', line)
	    if m:
	        cur = {'lo': int(m.group(1), 16), 'hi': int(m.group(2), 16),
	               'perm': m.group(3), 'rss': 0, 'flags': []}
	        maps.append(cur)
	    elif line.startswith('Rss:'):
	        cur['rss'] = int(line.split()[1])
	    elif line.startswith('VmFlags:'):
	        cur['flags'] = line.split()[1:]
	mem = open('/proc/%d/mem' % pid, 'rb', 0)
	for mp in maps:
	    # Sanitizer shadow and reservations are huge and hold no data.
	    if 'r' not in mp['perm'] or mp['rss'] == 0 or \
	            mp['hi'] - mp['lo'] > (1 << 30):
	        continue
	    try:
	        mem.seek(mp['lo'])
	        data = mem.read(mp['hi'] - mp['lo'])
	    except OSError:
	        continue
	    safe = 'lo' in mp['flags'] and 'dd' in mp['flags']
	    for i, n in enumerate(needles):
	        off = data.find(n)
	        while off >= 0:
	            print(i, 'protected' if safe else 'exposed')
	            off = data.find(n, off + 1)
	EOF
}

# keeper_closed WHO PID: what only the keeper gives up (keeper_proc.c).
keeper_closed() {
	local who=$1 pid=$2 fds sc want=2
	check "$who: keeper has no-new-privs" \
		grep -Eq '^NoNewPrivs:[[:space:]]+1$' "/proc/$pid/status"
	# Sanitizer builds run without the filter, and say so.
	grep -q 'sanitizer build: no seccomp filter' "$T_DIR/authd.log" && want=0
	sc=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")
	check "$who: keeper's seccomp mode is $want (got $sc)" test "$sc" = "$want"
	fds=$(for f in "/proc/$pid/fd/"*; do readlink "$f"; done)
	t_log "$who: keeper's descriptors: $(tr '\n' ' ' <<<"$fds")"
	check "$who: keeper holds nothing but sockets" \
		not grep -qv '^socket:' <<<"$fds"
	check "$who: keeper has no stdin, stdout or stderr" \
		test ! -e "/proc/$pid/fd/0" -a ! -e "/proc/$pid/fd/1" -a ! -e "/proc/$pid/fd/2"
}

# --- started as root, the normal way -----------------------------------
authd_start
kpid=$(keeper_pid)
check "authd forked its key keeper (pid ${kpid:-none})" test -n "$kpid"
check "authd logs its locked secret memory" \
	grep -q 'authd\[info\]: secret memory: [0-9]* bytes locked in RAM, left out of core dumps' "$T_DIR/authd.log"
check "the keeper logs its locked secret memory" \
	grep -q 'authd-keeper\[info\]: secret memory: [0-9]* bytes locked in RAM, left out of core dumps' "$T_DIR/authd.log"
check "VmLck > 0: memory is locked (got $(locked_kb "$AUTHD_PID") kB)" \
	test "$(locked_kb "$AUTHD_PID")" -gt 0
check "a mapping is locked and left out of core dumps" locked_nodump "$AUTHD_PID"
check "keeper: VmLck > 0 (got $(locked_kb "$kpid") kB)" \
	test "$(locked_kb "$kpid")" -gt 0
check "keeper: a mapping is locked and left out of core dumps" locked_nodump "$kpid"
check "authctl status says the secret memory is locked" \
	bash -c "'$AUTHCTL_BIN' status | grep -q '^secret-memory: locked ('"
not_dumpable "started as root" "$AUTHD_PID"
not_dumpable "started as root, the keeper" "$kpid"
keeper_closed "started as root" "$kpid"
root=$(readlink "/proc/$kpid/root")
t_log "keeper's root: $root"
check "keeper: chrooted to a directory that no longer exists" \
	grep -Eq '^/tmp/authd-keeper\.[A-Za-z0-9]{6} \(deleted\)$' <<<"$root"
check "keeper: nothing of it left in /tmp" \
	test ! -e "${root% (deleted)}"

# A login opens anna's seed; afterwards it must be nowhere, and the keys
# nowhere but in the keeper's locked arena: not in authd at all.
enroll anna
step_safe
expect_pam "anna logs in" auth anna -a "$(code anna 0)" -e auth=PAM_SUCCESS
expect_pam "a wrong code is refused" auth anna -a 000000 -e auth=PAM_AUTH_ERR
expect_pam "a user without a token is refused" auth bertil -a 123456 -e auth=PAM_AUTH_ERR
check "a checkpoint is signed" authctl audit checkpoint
sealkey=$(od -An -tx1 -v "$T_DIR/state/seal.key" | tr -d ' \n')
signkey=$(openssl pkey -in "$T_DIR/state/audit.key" -outform DER | tail -c 32 |
	od -An -tx1 -v | tr -d ' \n')
seed=$(printf '%s' "$SECRET_anna" | base32 -d 2>/dev/null | od -An -tx1 -v | tr -d ' \n')
check "the test has the seal key, the signing key and the seed" \
	test ${#sealkey} -eq 64 -a ${#signkey} -eq 64 -a ${#seed} -eq 40
mem_where "$AUTHD_PID" "$sealkey" "$signkey" "$seed" >"$T_DIR/where"
t_log "authd: copies found: $(sort "$T_DIR/where" | uniq -c | tr -s ' \n' ' ')"
check "authd: the seal key is not in its memory" not grep -q '^0 ' "$T_DIR/where"
check "authd: the audit signing key is not in its memory" not grep -q '^1 ' "$T_DIR/where"
check "authd: the seed is not in its memory" not grep -q '^2 ' "$T_DIR/where"
mem_where "$kpid" "$sealkey" "$signkey" "$seed" >"$T_DIR/where"
t_log "keeper: copies found: $(sort "$T_DIR/where" | uniq -c | tr -s ' \n' ' ')"
check "keeper: the seal key is in locked, no-dump memory" grep -qx '0 protected' "$T_DIR/where"
check "keeper: the seal key is nowhere else" not grep -qx '0 exposed' "$T_DIR/where"
check "keeper: the audit signing key is in locked, no-dump memory" grep -qx '1 protected' "$T_DIR/where"
check "keeper: the audit signing key is nowhere else" not grep -qx '1 exposed' "$T_DIR/where"
check "keeper: the opened seed was wiped" not grep -qx '2 exposed' "$T_DIR/where"
authd_stop
check "the keeper ends with authd" not test -e "/proc/$kpid"

# --- started directly as _authd ------------------------------------------
# authd_start_as_user [ULIMIT-ARGS...]: authd started by runuser as
# _authd, with the given ulimit settings; AUTHD_PID is authd's own pid.
chown "$AUTHD_USER:" "$T_DIR/run" "$T_DIR/ldap.pw"
# Started as _authd, authd reads the database password as _authd too.
db_pg && chown "$AUTHD_USER:" "$PG_PWFILE"
authd_start_as_user() {
	rm -f "$T_DIR"/run/*.sock "$T_DIR/run/pid"
	runuser -u "$AUTHD_USER" -- bash -c "ulimit $* && echo \$\$ >'$T_DIR/run/pid' &&
		exec '$AUTHD_BIN' -d -f '$AUTHD_CONF'" >>"$T_DIR/authd.log" 2>&1 &
	RUNUSER_PID=$!
	authd_wait "$RUNUSER_PID"
	AUTHD_PID=$(cat "$T_DIR/run/pid")
}
authd_stop_as_user() {
	kill -TERM "$AUTHD_PID" 2>/dev/null
	wait "$RUNUSER_PID" 2>/dev/null
	AUTHD_PID=
}

: >"$T_DIR/authd.log"
authd_start_as_user -c unlimited
kpid=$(keeper_pid)
check "as $AUTHD_USER: VmLck > 0 (got $(locked_kb "$AUTHD_PID") kB)" \
	test "$(locked_kb "$AUTHD_PID")" -gt 0
check "as $AUTHD_USER: keeper's VmLck > 0 (got $(locked_kb "$kpid") kB)" \
	test "$(locked_kb "$kpid")" -gt 0
not_dumpable "started as $AUTHD_USER" "$AUTHD_PID"
not_dumpable "started as $AUTHD_USER, the keeper" "$kpid"
keeper_closed "started as $AUTHD_USER" "$kpid"
check "as $AUTHD_USER: the keeper says it has no chroot" \
	grep -q 'key keeper: not started as root' "$T_DIR/authd.log"
check "as $AUTHD_USER: authd still logs in" authctl ping
mem_where "$AUTHD_PID" "$sealkey" "$signkey" >"$T_DIR/where"
check "as $AUTHD_USER: neither key is in authd's memory" not grep -q . "$T_DIR/where"
authd_stop_as_user

# Without the right to lock memory: said plainly, and authd still serves.
: >"$T_DIR/authd.log"
authd_start_as_user -c unlimited -l 0
check "a failed lock is logged with the limit and the remedy" \
	grep -q 'secret memory: cannot lock [0-9]* bytes in RAM (RLIMIT_MEMLOCK 0 bytes.*LimitMEMLOCK' "$T_DIR/authd.log"
check "authd serves without locked memory" authctl ping
check "authctl status says the secret memory is not locked" \
	bash -c "'$AUTHCTL_BIN' status | grep -q '^secret-memory: not-locked ('"
not_dumpable "as $AUTHD_USER without RLIMIT_MEMLOCK" "$AUTHD_PID"
not_dumpable "as $AUTHD_USER without RLIMIT_MEMLOCK, the keeper" "$(keeper_pid)"
authd_stop_as_user

t_done
