#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/core/pg.sh TEST_STORE_PG TEST...: the store's tests on PostgreSQL.
# Starts a throw-away cluster (tests/lib/pg.sh) and runs each TEST (the
# same binaries that run on SQLite, e.g. test_authcore) on an empty
# database of its own, then TEST_STORE_PG (what a shared back end must do
# beyond them), then TEST_STORE_PG unconfirmed with a synchronous standby
# named that never answers.  77 when not root or PostgreSQL is missing.
set -u
here=$(cd -- "$(dirname -- "$0")" && pwd)
. "$here/../lib/pg.sh"

[[ $(id -u) -eq 0 ]] || { echo "SKIP: runs as root (initdb as postgres)"; exit 77; }
pg_available || { echo "SKIP: PostgreSQL is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/authd-pg.XXXXXX")
chmod 755 "$dir"
trap 'pg_stop; rm -rf -- "$dir"' EXIT
pg_start "$dir/pg" || { echo "SKIP: PostgreSQL did not start"; exit 77; }

store_pg=$1; shift
failed=0
export AUTHD_TEST_DATABASE_PASSWORD_FILE=$PG_PWFILE

# newdb DB: an empty database DB of authd's.
newdb() {
	pg_sql "CREATE DATABASE $1 OWNER authd" postgres >/dev/null &&
		pg_sql "ALTER SCHEMA public OWNER TO authd" "$1" >/dev/null ||
		{ echo "FAIL: cannot create database $1"; failed=1; return 1; }
}

# run NAME DB CMD...: CMD on DB (made by newdb unless it exists).
run() {
	local name=$1 db=$2; shift 2
	[[ -n $(pg_sql "SELECT 1 FROM pg_database WHERE datname = '$db'" \
		postgres) ]] || newdb "$db" || return
	if AUTHD_TEST_DATABASE="postgresql://authd@127.0.0.1:$PG_PORT/$db" "$@"; then
		echo "ok: $name on PostgreSQL"
	else
		echo "FAIL: $name on PostgreSQL"
		failed=1
	fi
}

for t in "$@"; do
	run "$(basename "$t")" "t_$(basename "$t")" "$t"
done
run test_store_pg t_store_pg "$store_pg"
# Every commit waits for the standby from here on: the schema first.
run "test_store_pg migrate" t_unconfirmed "$store_pg" migrate
pg_sql "ALTER SYSTEM SET synchronous_standby_names = 'nobody'" postgres >/dev/null &&
	pg_sql "SELECT pg_reload_conf()" postgres >/dev/null
run "test_store_pg unconfirmed" t_unconfirmed "$store_pg" unconfirmed
[[ $failed -eq 0 ]] || tail -n 20 "$PG_DIR/server.log"
exit $failed
