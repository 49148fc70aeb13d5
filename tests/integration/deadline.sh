#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The trail never shows a login that nobody got.  With slapd frozen
# (SIGSTOP) and the directory timeout longer than the PAM module waits:
#   - a recently seen user logs in from the cache, within the module's
#     timeout, and the records say the entry was stale;
#   - a user authd has not seen waits until the module's deadline; authd
#     then commits no allow: the record says abandoned (deadline) and the
#     module hears a deny, never an allow it cannot use;
#   - for every login, the module's result and the trail agree.
# And with slapd running, a client that hangs up before its allow is
# written gets a reply-lost record beside the allow.
set -u
. "$(dirname "$0")/../lib/authd.sh"

t_init
t_need python3
# ldap_timeout 5 (longer than the module's 3 s): the deadline the module
# sends is what must bound the wait.
AUTHD_LDAP_TIMEOUT=5 authd_setup "ldap_cache_ttl 1" "ldap_cache_max_stale 120" \
	"ldap_retry_interval 30"
authd_start

enroll anna
enroll bertil
enroll orjan
expect_pam "directory up: anna's account decision (her entry cached)" \
	acct anna -e acct=PAM_SUCCESS
sleep 1.2	# past ldap_cache_ttl: the next decision asks the directory

# records USER: "event,decision,reason" of each of USER's auth and
# account records, one a line, oldest first.
records() {
	authctl audit list --format jsonl --limit 10000 | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r.get("user") == sys.argv[1] and r["event"] in ("auth", "account", "reply-lost"):
        print("%s,%s,%s,%s" % (r["event"], r["decision"], r["reason"], r.get("detail", "")))' "$1"
}

step_safe
kill -STOP "$SLAPD_PID"
trap 'kill -CONT "$SLAPD_PID" 2>/dev/null; t_cleanup' EXIT

# A user authd has not seen, on a code-only stack (no account decision
# with the code): the look-up runs into the module's deadline.  (First:
# after a failed look-up authd does not ask the directory again for
# ldap_retry_interval.)
pam_stack authd-codeonly "system=pilot separate_account"
out=$(PAM_SERVICE=authd-codeonly pam auth bertil -a "$(code bertil 0)" -T 1 2>&1)
printf '%s\n' "$out" | sed 's/^/    /'
rec=$(records bertil)
printf '%s\n' "$rec" | sed 's/^/    /'
if grep -q '^auth=PAM_SUCCESS' <<<"$out"; then
	check "bertil got in: then the trail's allow is his" grep -q '^auth,allow,ok' <<<"$rec"
else
	pass "bertil did not get in ($(grep '^auth=' <<<"$out"))"
	check "and the trail records no allow for him" not grep -q '^auth,allow' <<<"$rec"
	check "but the request, abandoned at the deadline" grep -q '^auth,abandoned,deadline' <<<"$rec"
fi
ms=$(sed -n 's/^auth_ms=//p' <<<"$out")
check "the module's answer came within its timeout (${ms:-?} ms)" test "${ms:-99999}" -lt 3300


# A recently seen user (the directory now known to hang): the whole login (code and account decision in
# one request) inside the module's 3 s.
t0=$(date +%s%N)
expect_pam "slapd frozen: anna logs in from the cache" auth anna \
	-a "$(code anna 0)" -W 2900 -e auth=PAM_SUCCESS
ms=$((($(date +%s%N) - t0) / 1000000))
check "within the module's timeout ($ms ms)" test "$ms" -lt 3000
check "her records: auth allow, account allow from a stale entry" \
	grep -q '^account,allow,ok,.*directory stale' <<<"$(records anna)"

kill -CONT "$SLAPD_PID"
trap t_cleanup EXIT

# A client that hangs up before its allow is written: the trail says so.
# The request carries no WAIT, so authd commits the allow.
step_safe
python3 - "$AUTHD_SOCK" orjan "$(code orjan 0)" <<'EOF'
import socket, struct, sys
path, user, code = sys.argv[1], sys.argv[2], sys.argv[3]
def s(tag, v):
    v = v.encode()
    return struct.pack(">HH", tag, len(v)) + v
# USER 1, SYSTEM 2, SERVICE 3, CODE 6 (docs/protocol.md)
attrs = [s(1, user), s(2, "pilot"), s(3, "authd-test"), s(6, code)]
body = struct.pack(">BBIH", 1, 0x01, 4242, len(attrs)) + b"".join(attrs)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
c.sendall(struct.pack(">I", len(body)) + body)
c.close()
EOF
rec=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
	rec=$(records orjan)
	grep -q '^reply-lost' <<<"$rec" && break
	sleep 0.3
done
printf '%s\n' "$rec" | sed 's/^/    /'
check "the allow was committed" grep -q '^auth,allow,ok' <<<"$rec"
check "and its lost reply recorded" grep -q '^reply-lost,error,reply-lost,.*00001092' <<<"$rec"

[[ $FAILURES -eq 0 ]] || exit 1
echo "all deadline checks passed"
