#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# authd's PostgreSQL settings, against a throw-away cluster that speaks
# only TLS over TCP (its own CA): authd -t connects and checks the schema;
# a wrong password, a password in the URI, a server certificate from
# another CA, a server that is not there, a schema newer than authd's are
# refused, and no password reaches the log.  authd itself serves over
# sslmode=verify-full.
set -u
AUTHD_TEST_DB=pg
AUTHD_TEST_PG_TLS=1
. "$(dirname "$0")/../lib/authd.sh"

t_init noslapd
authd_setup
pw=$(cat "$PG_PWFILE")

# conf NAME SED...: a copy of the configuration, edited by sed.
conf() {
	local name=$1; shift
	sed "$@" "$AUTHD_CONF" >"$T_DIR/$name.conf"
	printf '%s\n' "$T_DIR/$name.conf"
}

# t_check NAME: runs authd -t on NAME.conf; sets OUT and RC.
t_check() {
	OUT=$("$AUTHD_BIN" -t -f "$T_DIR/$1.conf" 2>&1)
	RC=$?
}

# refused WHAT PATTERN NAME SED...: authd -t fails on the configuration
# edited by SED, and its output matches PATTERN (grep -Ei).
refused() {
	local what=$1 pattern=$2 name=$3; shift 3
	conf "$name" "$@" >/dev/null
	t_check "$name"
	check "$what: authd -t fails" test "$RC" -ne 0
	check "$what: saying why" grep -qEi "$pattern" <<<"$OUT"
}

check "the URI asks for verify-full" grep -q 'sslmode=verify-full' "$AUTHD_CONF"
OUT=$("$AUTHD_BIN" -t -f "$AUTHD_CONF" 2>&1)
check "authd -t connects before the schema exists" test $? -eq 0
check "... and says the schema is migrated at start" grep -q 'schema 0; authd applies migrations up to' <<<"$OUT"

authd_start
check "authd serves over TLS" authctl ping
check "the server sees authd's connections encrypted" test "$(pg_sql \
	"SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'authd' AND NOT s.ssl")" -eq 0
check "... and has some" test "$(pg_sql \
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'authd'")" -gt 0
authd_stop
cp "$AUTHD_CONF" "$T_DIR/ok.conf"
t_check ok
check "authd -t passes on the migrated schema" test "$RC" -eq 0

printf 'not-the-password\n' >"$T_DIR/wrong.pw"
chmod 600 "$T_DIR/wrong.pw"
refused "a wrong password" 'password authentication failed' wrongpw \
	-e "s|^database_password_file .*|database_password_file $T_DIR/wrong.pw|"
refused "a password in the URI" 'holds a password.*database_password_file' \
	inuri -e "s|postgresql://authd@|postgresql://authd:$pw@|"
check "... and not echoed" not grep -qF "$pw" <<<"$OUT"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T_DIR/other.key" -out "$T_DIR/other-ca.crt" -days 1 \
	-subj "/CN=another CA" >/dev/null 2>&1
chmod 644 "$T_DIR/other-ca.crt"
refused "a server certificate from another CA" 'certificate' otherca \
	-e "s|sslrootcert=[^\"]*|sslrootcert=$T_DIR/other-ca.crt|"

conf noserver -e "s|127.0.0.1:$PG_PORT|127.0.0.1:1|" >/dev/null
start=$(date +%s)
t_check noserver
check "no server there: authd -t fails" test "$RC" -ne 0
check "... at once" test $(($(date +%s) - start)) -le 5

pg_sql "UPDATE authd_schema SET version = version + 1" >/dev/null
refused "a schema newer than authd's" 'is newer than this authd' newer -e ''
pg_sql "UPDATE authd_schema SET version = version - 1" >/dev/null

check "no password in authd's log" not grep -qF "$pw" "$T_DIR/authd.log"
t_done
