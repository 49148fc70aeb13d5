#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A primary that waits for a synchronous standby that never answers (as
# after a fail-over that left synchronous_standby_names in place): every
# commit waits until authd's database_timeout, and the server keeps the
# transaction but says so only in a WARNING.  authd must refuse the login
# (not acknowledged), within its bounds, and serve again once commits are
# confirmed: its writer reads its chain head again, so that the records
# the server kept stay in one chain without a gap.
set -u
AUTHD_TEST_DB=pg
. "$(dirname "$0")/../lib/authd.sh"

t_init
authd_setup "database_timeout 1"
authd_start
enroll anna
enroll cecilia
step_safe
expect_pam "a login while commits are confirmed" auth anna -a "$(code anna 0)" -e auth=PAM_SUCCESS

pg_sql "ALTER SYSTEM SET synchronous_standby_names = 'nobody'" postgres >/dev/null
pg_sql "SELECT pg_reload_conf()" postgres >/dev/null
sleep 0.5
start=$(date +%s)
out=$(pam auth anna -a "$(code anna 1)" 2>&1)
took=$(($(date +%s) - start))
check "a login whose commit is not confirmed is refused" not grep -q 'auth=PAM_SUCCESS' <<<"$out"
check "... as unavailable" grep -q 'auth=PAM_AUTHINFO_UNAVAIL' <<<"$out"
check "... within the bounds (${took}s)" test "$took" -le 6
check "the log says the commit was not confirmed" \
	grep -q 'commit not confirmed: canceling wait for synchronous replication' "$T_DIR/authd.log"

pg_sql "ALTER SYSTEM RESET synchronous_standby_names" postgres >/dev/null
pg_sql "SELECT pg_reload_conf()" postgres >/dev/null
sleep 0.5
expect_pam "confirmed again: authd serves" acct anna -e acct=PAM_SUCCESS
# The server kept the refused login's transaction: its code counts as used.
expect_pam "the refused code stays used" auth anna -a "$(code anna 1)" -e auth=PAM_AUTH_ERR
expect_pam "another user logs in" auth cecilia -a "$(code cecilia 0)" -e auth=PAM_SUCCESS
check "the writer read where the chain stands after the failed commit" \
	grep -q 'writer: after a failed commit the chain stands at seq' "$T_DIR/authd.log"
authd_stop
check "the chain recomputes across the unconfirmed commit" audit_chain_check "$AUTHD_DB"
seqs=$(db_sql "SELECT min(seq), max(seq), count(*) FROM audit WHERE node = '$AUTHD_NODE'")
check "its sequence numbers have no gap ($seqs)" \
	bash -c '[[ $1 =~ ^1\|([0-9]+)\|([0-9]+)$ && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]]' _ "$seqs"
t_done
