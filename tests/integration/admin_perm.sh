#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The admin socket serves root and members of admin_group only, checked
# from the peer's credentials on every request; the PAM socket serves root
# and client_group.  Refusals are audited.
set -u
. "$(dirname "$0")/../lib/authd.sh"
t_need setpriv

t_init noslapd
groupadd -f authd-test-admins
authd_setup "admin_group authd-test-admins" "connections_max 64"
authd_start
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_admin() { setpriv --reuid=65534 --regid=65534 --groups="$(getent group authd-test-admins | cut -d: -f3)" "$@"; }

out=$(as_nobody "$AUTHCTL_BIN" -s "$AUTHD_ADMIN_SOCK" unlock anna 2>&1)
rc=$?
check "a non-admin uid is refused (exit $rc)" test $rc -ne 0
check "the refusal says so" grep -qi 'forbidden\|permission' <<<"$out"
out=$(as_nobody "$AUTHCTL_BIN" -s "$AUTHD_ADMIN_SOCK" audit list 2>&1)
check "a non-admin uid cannot read the audit trail" bash -c "! grep -q 'admin-refused' <<<'$out'"
check "audit: the refusal is recorded with the uid" audit_has 'admin-refused,deny,forbidden,.*uid=65534'
# Refused again within the minute, authd answers at once and closes:
# the answer must still reach the client, every time.
for n in 2 3 4; do
	out=$(as_nobody "$AUTHCTL_BIN" -s "$AUTHD_ADMIN_SOCK" ping 2>&1)
	check "refusal $n is an answer, not a closed connection" \
		grep -qi 'forbidden\|permission denied' <<<"$out"
done
check "no unlock was recorded" bash -c "! '$AUTHCTL_BIN' audit list --format csv | grep -q ',unlock,'"
# The group check is by membership, as the socket sees it.
check "a member of admin_group is served" as_admin "$AUTHCTL_BIN" -s "$AUTHD_ADMIN_SOCK" ping
check "root is served" authctl ping
out=$(as_nobody "$PAM_DRIVER" -d "$T_DIR/pam" -s authd-test -u anna -a 123456 auth 2>&1)
check "a non-root PAM client is refused" grep -q 'auth=PAM_AUTHINFO_UNAVAIL' <<<"$out"
check "audit: client refusal" audit_has 'client-refused,deny,forbidden'

# A local user who knocks in a loop cannot hold connection slots, and the
# refusals do not flood the audit trail (one record a minute per uid).
if [[ -x /usr/bin/python3 ]]; then
	before=$(db_sql "SELECT count(*) FROM audit WHERE event LIKE '%-refused'")
	as_nobody /usr/bin/python3 - "$AUTHD_ADMIN_SOCK" "$AUTHD_SOCK" >"$T_DIR/knock.out" 2>&1 <<'PY' &
import socket, sys, time
held = []
end = time.time() + 4
n = 0
while time.time() < end:
    for path in sys.argv[1:]:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        except OSError:
            held.pop(0).close()
            continue
        try:
            s.connect(path)
            held.append(s)
            n += 1
        except OSError:
            s.close()
    while len(held) > 200:
        held.pop(0).close()
print("connections", n)
PY
	knocker=$!
	sleep 1
	ok=0
	for i in 1 2 3 4 5; do authctl ping >/dev/null 2>&1 && ok=$((ok + 1)); sleep 0.3; done
	wait "$knocker"
	t_log "$(cat "$T_DIR/knock.out")"
	check "root is served while another user floods the sockets ($ok/5)" test "$ok" -eq 5
	after=$(db_sql "SELECT count(*) FROM audit WHERE event LIKE '%-refused'")
	check "the flood left at most one refusal record per socket ($before -> $after)" \
		test $((after - before)) -le 2
	check "authd still running" kill -0 "$AUTHD_PID"
fi
authd_stop
t_done
