#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The key keeper (authd/keeper.h) holds the seal key and the audit signing
# key; authd never runs without it.  A keeper killed (SIGKILL) is reported
# in authd's log and authd stops serving cleanly: it finishes what it has,
# commits it, and exits non-zero.  A keeper that cannot start keeps authd
# from starting.  Killed authd takes its keeper with it.  With a
# keeper_user of its own, authd's user cannot even read the key files.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
authd_setup "workers 4"
authd_start
enroll anna
step_safe
expect_pam "anna logs in" auth anna -a "$(code anna 0)" -e auth=PAM_SUCCESS

# --- signals meant for authd -----------------------------------------------
# A service manager signals the whole group; the keeper waits for authd.
kpid=$(keeper_pid)
check "authd forked its key keeper (pid ${kpid:-none})" test -n "$kpid"
kill -TERM "$kpid"
kill -INT "$kpid"
kill -HUP "$kpid"
sleep 0.3
check "the keeper ignores TERM, INT and HUP" kill -0 "$kpid"
check "and authd still serves" authctl ping

# --- the keeper is killed ---------------------------------------------------
kill -KILL "$kpid"
for ((i = 0; i < 50; i++)); do
	kill -0 "$AUTHD_PID" 2>/dev/null || break
	sleep 0.1
done
check "authd stops within 5 s of its keeper's death" not kill -0 "$AUTHD_PID" 2>/dev/null
wait "$AUTHD_PID"
rc=$?
AUTHD_PID=
check "authd exits non-zero (rc $rc)" test "$rc" -ne 0
check "the log names the keeper, its pid and the signal" \
	grep -q "key keeper (pid $kpid) is gone: .*killed by signal 9" "$T_DIR/authd.log"
check "the log says that authd stops" grep -q 'stopping: finishing' "$T_DIR/authd.log"
check "authd stopped its server cleanly" grep -q 'authd\[notice\]: stopped' "$T_DIR/authd.log"
check "nothing serves the sockets any more" not authctl ping
check "the database is intact" db_intact
check "the trail's hash chain is whole" audit_chain_check "$AUTHD_DB"

# --- started again: the same keys ----------------------------------------
authd_start
kpid2=$(keeper_pid)
check "a new keeper (pid ${kpid2:-none})" test -n "$kpid2" -a "$kpid2" != "$kpid"
step_safe
used=$(code anna 1)
expect_pam "anna logs in with the token sealed before" auth anna -a "$used" -e auth=PAM_SUCCESS
check "a checkpoint is signed by the same key" bash -c \
	"'$AUTHCTL_BIN' audit checkpoint | grep -q \"key=\$(openssl pkey -pubin -in '$T_DIR/state/audit.key.pub' -outform DER | tail -c 32 | openssl dgst -sha256 -r | cut -c1-16)\""

# --- authd killed: its keeper does not stay behind -----------------------
authd_crash
for ((i = 0; i < 30; i++)); do
	[[ -e /proc/$kpid2 ]] || break
	sleep 0.1
done
check "the keeper ends when authd is killed" test ! -e "/proc/$kpid2"

# --- a keeper that cannot start keeps authd from starting ------------------
chmod 644 "$T_DIR/state/seal.key"
: >"$T_DIR/authd.log"
"$AUTHD_BIN" -d -f "$AUTHD_CONF" >>"$T_DIR/authd.log" 2>&1
rc=$?
check "authd does not start without its keeper (rc $rc)" test "$rc" -ne 0
check "the keeper says why" grep -q 'authd-keeper\[error\]: seal key .*mode 0600' "$T_DIR/authd.log"
check "authd says its keeper did not start" grep -q 'key keeper (pid [0-9]*) did not start' "$T_DIR/authd.log"
check "authd never served" not grep -q 'serving with' "$T_DIR/authd.log"
chmod 600 "$T_DIR/state/seal.key"

# --- a keeper_user of its own ---------------------------------------------
# nobody stands in for a user made for the keeper: the keys move to a
# directory of its own, which authd's user cannot even enter.
kdir="$T_DIR/keeper"
mkdir -m 700 "$kdir"
mv "$T_DIR/state/seal.key" "$T_DIR/state/audit.key" "$T_DIR/state/audit.key.pub" "$kdir/"
chown -R nobody: "$kdir"
sed -i -e "s|^seal_key .*|seal_key $kdir/seal.key|" \
	-e "s|^audit_key .*|audit_key $kdir/audit.key|" "$AUTHD_CONF"
echo "keeper_user nobody" >>"$AUTHD_CONF"
check "the configuration with keeper_user loads" "$AUTHD_BIN" -t -f "$AUTHD_CONF"
check "-T prints keeper_user" bash -c "'$AUTHD_BIN' -T -f '$AUTHD_CONF' | grep -qx 'keeper_user nobody'"
: >"$T_DIR/authd.log"
authd_start
kpid=$(keeper_pid)
check "the keeper runs as nobody" \
	grep -Eq "^Uid:[[:space:]]+$(id -u nobody)[[:space:]]" "/proc/$kpid/status"
check "authd runs as $AUTHD_USER" \
	grep -Eq "^Uid:[[:space:]]+$(id -u "$AUTHD_USER")[[:space:]]" "/proc/$AUTHD_PID/status"
check "$AUTHD_USER cannot read the seal key file" \
	not runuser -u "$AUTHD_USER" -- cat "$kdir/seal.key" 2>/dev/null
check "$AUTHD_USER cannot read the signing key file" \
	not runuser -u "$AUTHD_USER" -- cat "$kdir/audit.key" 2>/dev/null
# The code anna used above, now a replay: refused as such only if her
# seed opened and matched.
expect_pam "anna's used code is refused" auth anna -a "$used" -e auth=PAM_AUTH_ERR
check "as a replay: her token opens with the keys in their new place" bash -c \
	"'$AUTHCTL_BIN' audit list --user anna --event auth --format csv | tail -n 1 | grep -q ',deny,replay,anna,'"
enroll bertil
step_safe
expect_pam "bertil enrolls and logs in" auth bertil -a "$(code bertil 0)" -e auth=PAM_SUCCESS
check "authd stops cleanly, exit 0" authd_stop
check "the keeper ended with it" test ! -e "/proc/$kpid"
check "the log says the keeper exited 0" grep -q 'key keeper exited with status 0' "$T_DIR/authd.log"
t_done
