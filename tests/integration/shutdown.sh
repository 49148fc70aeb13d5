#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# SIGTERM while clients are logging in: authd finishes the requests it has
# received, exits 0, and every answer a client received has its audit
# record; the database is intact and authd starts again.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
authd_setup "workers 4"
authd_start

# Six clients ask account questions in a loop until authd is gone.
clients=()
for n in 1 2 3 4 5 6; do
	(
		for ((i = 0; i < 400; i++)); do
			out=$("$PAM_DRIVER" -W 30000 -d "$T_DIR/pam" -s authd-test -u anna acct 2>&1)
			printf '%s\n' "$out" | grep '^acct=' 
			grep -q 'acct=PAM_SUCCESS' <<<"$out" || break
		done >"$T_DIR/client.$n"
	) &
	clients+=($!)
done
# Let them get going, then stop authd under load.
for ((i = 0; i < 100; i++)); do
	[[ $(cat "$T_DIR"/client.* 2>/dev/null | grep -c PAM_SUCCESS) -ge 30 ]] && break
	sleep 0.1
done
kill -TERM "$AUTHD_PID"
wait "$AUTHD_PID"
rc=$?
AUTHD_PID=
check "authd exits 0 on SIGTERM under load (rc $rc)" test $rc -eq 0
wait "${clients[@]}"
answered=$(cat "$T_DIR"/client.* | grep -c 'acct=PAM_SUCCESS')
unavail=$(cat "$T_DIR"/client.* | grep -c 'acct=PAM_AUTHINFO_UNAVAIL')
audited=$(db_sql "SELECT count(*) FROM audit WHERE event='account' AND decision='allow'")
t_log "clients received $answered allows and $unavail unavailable; audit holds $audited allows"
check "clients got answers before the stop" test "$answered" -ge 30
check "every allow a client received is in the audit trail" test "$audited" -ge "$answered"
check "no allow was audited that no client received" test "$audited" -le "$answered"
check "the database is intact" db_intact
check "the shutdown is logged" grep -q 'stopping: finishing' "$T_DIR/authd.log"
authd_start
check "authd starts again on the same database" authctl ping
expect_pam "and answers" acct anna -e acct=PAM_SUCCESS
authd_stop
t_done
