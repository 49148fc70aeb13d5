# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# A throw-away PostgreSQL cluster for tests: run by the postgres user (initdb
# refuses root) in a directory of its own, on a free port of 127.0.0.1, its
# socket in that directory, fsync on.  It never touches the system's
# default cluster.
#
#   . tests/lib/pg.sh
#   pg_start DIR || skip ...     # sets PG_URI, PG_PWFILE, PG_PORT, PG_SOCK
#   pg_sql 'SELECT ...'          # as the superuser, over the private socket
#   pg_stop                      # also done by pg_cleanup (call it at exit)
#   pg_standby NAME              # a synchronous standby; sets PG_HA_URI
#   pg_crash; pg_promote         # kill -9 the primary, promote the standby
#
# The role and database "authd" belong to authd; its password (random) is
# in PG_PWFILE, mode 0600, owned by root.  Optional TLS: pg_start DIR tls
# makes a throw-away CA and server certificate (openssl CLI), and PG_URI
# asks for sslmode=verify-full with that CA.

PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

# pg_available: 0 when a PostgreSQL server and the postgres user exist.
pg_available() {
	[[ -x $PG_BINDIR/initdb && -x $PG_BINDIR/pg_ctl && -x $PG_BINDIR/psql ]] &&
		id postgres >/dev/null 2>&1 && command -v runuser >/dev/null 2>&1
}

_pg_free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

_pg_as() { runuser -u postgres -- "$@"; }

# pg_tls DIR: a CA and a server certificate for 127.0.0.1 in DIR (made
# with the openssl CLI); the server's key is readable by postgres only.
_pg_tls() {
	local d=$1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 2 \
		-subj "/CN=authd test database CA" >/dev/null 2>&1 || return 1
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/server.key" -out "$d/server.csr" \
		-subj "/CN=127.0.0.1" >/dev/null 2>&1 || return 1
	printf 'subjectAltName=IP:127.0.0.1\n' >"$d/san.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" \
		-CAkey "$d/ca.key" -CAcreateserial -out "$d/server.crt" \
		-days 2 -extfile "$d/san.ext" >/dev/null 2>&1 || return 1
	chown postgres: "$d/server.key" "$d/server.crt"
	chmod 600 "$d/server.key"
	chmod 644 "$d/ca.crt"
}

# _pg_watchdog PID DATA: stops the cluster in DATA once PID is gone, in
# case the test is killed (a timeout) before pg_stop runs.  In a session
# of its own, so that what kills the test's process group leaves it.
_pg_watchdog() {
	setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
		[[ -d $2 ]] && runuser -u postgres -- "$3/pg_ctl" -D "$2" \
			-m immediate stop' _ "$1" "$2" "$PG_BINDIR" \
		</dev/null >/dev/null 2>&1 &
}

# pg_start DIR [tls]: starts the cluster in DIR (created); 1 if it cannot.
pg_start() {
	local dir=$1 tls=${2:-} opts pw
	pg_available || return 1
	PG_DIR=$dir
	mkdir -p "$dir"
	chown postgres: "$dir"
	chmod 700 "$dir"
	PG_DATA="$dir/data"
	PG_SOCK=$dir
	PG_PORT=$(_pg_free_port) || return 1
	_pg_as "$PG_BINDIR/initdb" -D "$PG_DATA" -U postgres \
		--auth-local=trust --auth-host=scram-sha-256 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	opts=$(_pg_opts "$PG_PORT" "$PG_SOCK")
	if [[ $tls == tls ]]; then
		_pg_tls "$dir" || { echo "pg: cannot make certificates"; return 1; }
		opts+=" -c ssl=on -c ssl_cert_file=$dir/server.crt"
		opts+=" -c ssl_key_file=$dir/server.key"
		# Only TLS over TCP: the private socket stays for the superuser.
		_pg_as sed -i 's/^host /hostssl /' "$PG_DATA/pg_hba.conf"
	fi
	_pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w -t 60 \
		-o "$opts" start >/dev/null 2>&1 ||
		{ tail -n 20 "$dir/server.log"; PG_DATA=; return 1; }
	_pg_watchdog $$ "$PG_DATA"
	pw=$(openssl rand -hex 24)
	pg_sql "CREATE ROLE authd LOGIN PASSWORD '$pw'" >/dev/null || return 1
	pg_sql "CREATE DATABASE authd OWNER authd" >/dev/null || return 1
	# The database's default schema belongs to authd too (PostgreSQL 15
	# gives CREATE on it to the owner of the schema only).
	pg_sql "ALTER SCHEMA public OWNER TO authd" authd >/dev/null || return 1
	PG_PWFILE="$dir/authd.pw"
	(umask 077 && printf '%s\n' "$pw" >"$PG_PWFILE")
	chown root: "$PG_PWFILE"
	# The same for psql run by the tests as authd's role (pg_authd_sql).
	PG_PASSFILE="$dir/authd.pgpass"
	(umask 077 && printf '127.0.0.1:%s:*:authd:%s\n' "$PG_PORT" "$pw" \
		>"$PG_PASSFILE")
	PG_URI="postgresql://authd@127.0.0.1:$PG_PORT/authd"
	if [[ $tls == tls ]]; then
		PG_URI+="?sslmode=verify-full&sslrootcert=$dir/ca.crt"
	fi
	# authd's user reads the CA; nothing else in the directory.
	chmod 711 "$dir"
	return 0
}

# _pg_opts PORT SOCKDIR: the server options of every test cluster.
_pg_opts() {
	local opts="-k $2 -p $1 -c listen_addresses=127.0.0.1 -c fsync=on"
	opts+=" -c synchronous_commit=on -c max_connections=200"
	# The superuser's socket (trust) is for root and postgres alone.
	opts+=" -c unix_socket_permissions=0700"
	printf '%s' "$opts"
}

# pg_sql SQL [DB]: runs SQL as the superuser on DB (default authd, or
# postgres before it exists); prints rows unaligned, fields split by |.
pg_sql() {
	local db=${2:-}
	[[ -z $db ]] && { [[ -n ${PG_PWFILE:-} ]] && db=authd || db=postgres; }
	_pg_as "$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
		-h "$PG_SOCK" -p "$PG_PORT" -U postgres -d "$db" -c "$1"
}

# pg_authd_sql SQL: runs SQL as authd's role over TCP, as authd connects.
pg_authd_sql() {
	PGPASSFILE=$PG_PASSFILE "$PG_BINDIR/psql" -X -q -A -t \
		-v ON_ERROR_STOP=1 "$PG_URI" -c "$1"
}

# pg_dump_text: all of authd's database as SQL text.
pg_dump_text() {
	_pg_as "$PG_BINDIR/pg_dump" -h "$PG_SOCK" -p "$PG_PORT" -U postgres authd
}

# pg_files_have HEX: true when the bytes HEX stand in any file of the
# cluster (tables, indexes, the write-ahead log), as written to disk.
pg_files_have() {
	python3 - "$PG_DATA" "$1" <<-'EOF'
	import os, sys
	needle = bytes.fromhex(sys.argv[2])
	for top, _, files in os.walk(sys.argv[1]):
	    for f in files:
	        try:
	            with open(os.path.join(top, f), 'rb') as fh:
	                if needle in fh.read():
	                    sys.exit(0)
	        except OSError:
	            pass
	sys.exit(1)
	EOF
}

# pg_intact: amcheck's verification of authd's tables and indexes.
pg_intact() {
	pg_sql "CREATE EXTENSION IF NOT EXISTS amcheck" >/dev/null &&
		_pg_as "$PG_BINDIR/pg_amcheck" -h "$PG_SOCK" -p "$PG_PORT" \
		-U postgres --heapallindexed --no-dependent-toast authd
}

# pg_standby NAME: a streaming standby of the running cluster in
# PG_DIR/NAME (pg_basebackup -R -X stream), on a port of its own, that
# the primary waits for on every commit (synchronous_standby_names
# 'FIRST 1 (NAME)', set in the primary's postgresql.auto.conf before the
# copy: the standby inherits it, as after a real fail-over).  Sets
# PG_SB_DATA, PG_SB_PORT, PG_SB_SOCK and PG_HA_URI (both servers,
# target_session_attrs=read-write: libpq finds the primary); authd's
# password file for psql covers both ports.  1 if it cannot.
pg_standby() {
	local name=$1 i
	[[ -n ${PG_DATA:-} ]] || return 1
	PG_SB_SOCK="$PG_DIR/$name"
	PG_SB_DATA="$PG_SB_SOCK/data"
	PG_SB_PORT=$(_pg_free_port) || return 1
	mkdir -p "$PG_SB_SOCK"
	chown postgres: "$PG_SB_SOCK"
	chmod 700 "$PG_SB_SOCK"
	pg_sql "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 ($name)'" \
		postgres >/dev/null || return 1
	pg_sql "SELECT pg_reload_conf()" postgres >/dev/null || return 1
	_pg_as "$PG_BINDIR/pg_basebackup" -h "$PG_SOCK" -p "$PG_PORT" \
		-U postgres -D "$PG_SB_DATA" -R -X stream -c fast \
		>"$PG_SB_SOCK/basebackup.log" 2>&1 ||
		{ cat "$PG_SB_SOCK/basebackup.log"; return 1; }
	# -R wrote primary_conninfo; the last setting in the file wins.
	printf "primary_conninfo = 'host=%s port=%s user=postgres application_name=%s'\n" \
		"$PG_SOCK" "$PG_PORT" "$name" |
		_pg_as tee -a "$PG_SB_DATA/postgresql.auto.conf" >/dev/null
	_pg_as "$PG_BINDIR/pg_ctl" -D "$PG_SB_DATA" -l "$PG_SB_SOCK/server.log" \
		-w -t 60 -o "$(_pg_opts "$PG_SB_PORT" "$PG_SB_SOCK")" start \
		>/dev/null 2>&1 ||
		{ tail -n 20 "$PG_SB_SOCK/server.log"; PG_SB_DATA=; return 1; }
	_pg_watchdog $$ "$PG_SB_DATA"
	for ((i = 0; i < 100; i++)); do
		[[ $(pg_sql "SELECT sync_state FROM pg_stat_replication
			WHERE application_name = '$name'" postgres) == sync ]] && break
		sleep 0.1
	done
	((i < 100)) || { echo "pg: standby $name is not synchronous"; return 1; }
	printf '127.0.0.1:%s:*:authd:%s\n' "$PG_SB_PORT" \
		"$(cut -d: -f5- "$PG_PASSFILE" | head -n 1)" >>"$PG_PASSFILE"
	PG_HA_URI="postgresql://authd@127.0.0.1:$PG_PORT,127.0.0.1:$PG_SB_PORT/authd"
	PG_HA_URI+="?target_session_attrs=read-write"
	return 0
}

# pg_crash: the primary dies at once, as in a power cut: SIGKILL to its
# postmaster and every process of it at the same moment.
pg_crash() {
	local pm pids s
	pm=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null) || return 1
	pids=$(ps -o pid= --ppid "$pm")
	# shellcheck disable=SC2086
	kill -KILL "$pm" $pids 2>/dev/null
	# Dead once gone or a zombie (whoever reaps it may take its time).
	while s=$(ps -o stat= -p "$pm") && [[ $s != Z* ]]; do sleep 0.05; done
	return 0
}

# pg_promote: promotes the standby of pg_standby and clears the
# synchronous_standby_names it inherited (with no standby left every
# commit would wait for one), as a fail-over manager does.  From then on
# pg_sql, pg_authd_sql and pg_stop are about the new primary.
pg_promote() {
	_pg_as "$PG_BINDIR/pg_ctl" -D "$PG_SB_DATA" -w -t 60 promote \
		>/dev/null 2>&1 || return 1
	PG_OLD_DATA=$PG_DATA
	PG_DATA=$PG_SB_DATA PG_PORT=$PG_SB_PORT PG_SOCK=$PG_SB_SOCK
	PG_SB_DATA=
	PG_URI="postgresql://authd@127.0.0.1:$PG_PORT/authd"
	pg_sql "ALTER SYSTEM SET synchronous_standby_names = ''" postgres \
		>/dev/null || return 1
	pg_sql "SELECT pg_reload_conf()" postgres >/dev/null
}

# pg_stop: stops the cluster and removes its directory.
pg_stop() {
	[[ -n ${PG_DATA:-} ]] || return 0
	local d
	for d in "${PG_SB_DATA:-}" "${PG_OLD_DATA:-}"; do
		[[ -n $d ]] && _pg_as "$PG_BINDIR/pg_ctl" -D "$d" -m immediate \
			stop >/dev/null 2>&1
	done
	PG_SB_DATA= PG_OLD_DATA=
	_pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop \
		>/dev/null 2>&1 ||
		_pg_as "$PG_BINDIR/pg_ctl" -D "$PG_DATA" -m immediate stop \
		>/dev/null 2>&1
	PG_DATA=
	[[ -n ${PG_DIR:-} && -z ${T_KEEP:-} ]] && rm -rf -- "$PG_DIR"
	PG_DIR=
	return 0
}
