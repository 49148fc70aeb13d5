#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# A lost syslog copy of the audit trail is an alarm while authd runs, not a
# line at shutdown: with nothing listening on syslog_socket, the first
# loss is logged at once, further losses are counted and logged once a
# minute (so this test waits a minute), `authctl status` counts them, and
# authd says when copies get through again.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
# syslog_socket is $T_DIR/run/syslog.sock, and nothing listens there.
authd_setup
authd_start

# wait_log PATTERN SECONDS: true once authd's log has a line matching.
wait_log() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		grep -Eq -- "$1" "$T_DIR/authd.log" && return 0
		sleep 0.1
	done
	return 1
}

# status_count NAME: the COUNT of a counter in `authctl status`.
status_count() {
	authctl status | sed -n "s/^$1: \([0-9]*\).*/\1/p"
}

enroll anna
step_safe
expect_pam "anna logs in" auth anna -a "$(code anna 0)" -e auth=PAM_SUCCESS
records=$(db_sql 'SELECT count(*) FROM audit')

check "the loss is logged at once, as an error, with its cause" \
	wait_log '\[error\]: syslog: audit copies lost: [0-9]+ could not be sent \(to .*/run/syslog.sock: .*\)' 5
lost=$(status_count audit-copies-lost)
t_log "audit records: $records; authctl status: ${lost:-none} lost"
check "authctl status without a user shows the lost copies" \
	test "${lost:-0}" -gt 0
check "every record's copy is counted as lost ($records records, ${lost:-0} lost)" \
	test "${lost:-0}" -ge "$records"
check "authctl status shows none sent" test "$(status_count audit-copies-sent)" = 0
check "authctl status shows the secret memory locked" \
	bash -c "'$AUTHCTL_BIN' status | grep -q '^secret-memory: locked ('"
check "authctl status names where the copies go" \
	bash -c "'$AUTHCTL_BIN' status | grep -q '^audit-copies-lost: [0-9]* (to .*/run/syslog.sock)$'"

# More losses within the minute are counted, not logged one by one ...
step_safe
expect_pam "a wrong code (another record)" auth anna -a 000000 -e auth=PAM_AUTH_ERR
check "authctl reset anna (another record)" authctl reset anna
before=$(status_count audit-copies-lost)
check "the count grows (${lost:-0} -> ${before:-0})" test "${before:-0}" -gt "${lost:-0}"
check "one loss line so far" test "$(grep -c 'syslog: audit copies lost' "$T_DIR/authd.log")" -eq 1
# ... and logged with their number once the minute is up.
check "a minute after the first line, the new losses are logged with their count" \
	wait_log 'syslog: audit copies lost: [0-9]+ more in the last [0-9]+ s, [0-9]+ since start' 75
line=$(grep 'more in the last' "$T_DIR/authd.log" | tail -n 1)
t_log "$line"
more=$(sed -n 's/.*lost: \([0-9]*\) more.*/\1/p' <<<"$line")
total=$(sed -n 's/.*s, \([0-9]*\) since start.*/\1/p' <<<"$line")
first=$(grep -m1 'syslog: audit copies lost' "$T_DIR/authd.log" |
	sed -n 's/.*lost: \([0-9]*\) could not be sent.*/\1/p')
check "it counts the losses since the first line (${first:-?} + ${more:-?})" \
	test "${more:-0}" -ge 2 -a "$((${first:-0} + ${more:-0}))" -eq "$before"
check "and the total since start (${total:-?})" test "${total:-0}" -eq "$before"

# syslog comes back: copies are sent again, and authd says so.
sink_start
sleep 1.2	# authd tries a missing syslog once a second
check "authctl unlock anna (a record while syslog listens)" authctl unlock anna
check "authd logs that copies get through again" \
	wait_log "syslog: audit copies reach .*/run/syslog.sock again \\($before lost since start\\)" 5
check "the copy reached syslog" grep -q 'event="unlock"' "$SYSLOG_OUT"
check "authctl status counts it as sent" test "$(status_count audit-copies-sent)" -ge 1
check "and the lost count stays" test "$(status_count audit-copies-lost)" -eq "$before"
authd_stop
check "the stop still sums the losses up" \
	grep -q "syslog: $before audit copies could not be sent" "$T_DIR/authd.log"
t_done
