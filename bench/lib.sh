# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# What the benchmark scripts (bench/run.sh, bench/login.sh,
# bench/capacity.sh, bench/relay.sh) share; sourced, not run.  Sets src,
# the source tree.
#
#   bench_build_dir "$@"; shift "$bench_shift"
#       BUILD_DIR: the first argument unless it is an option, else
#       build-bench in the source tree; made absolute in build.
#       bench_shift is the number of arguments it took (0 or 1).
#   bench_die MESSAGE...
#       "SCRIPT: MESSAGE" on stderr, then exit 2 (a setup error).
#   bench_need_root
#       Root, and the user _authd that authd drops to; else bench_die.
#   bench_need_tools TOOL...
#       Each TOOL in PATH or an sbin directory; else bench_die.
#   bench_workdir NAME
#       A new directory BUILD_DIR/NAME.XXXXXX in work, which authd can
#       reach once it has dropped to its own user.
#   bench_keep_work RC MESSAGE...
#       After a setup error (RC 2) keeps the work directory, with
#       "MESSAGE WORK" on stderr; else removes it.
#   bench_pam_module NAME
#       Prints the path of the system's PAM module NAME (pam_permit.so);
#       fails when there is none.
#
# The authd of the login benchmarks (bench/login.sh, bench/relay.sh):
#
#   bench_login_opts USERS "$@"
#       Reads the options login_bench takes that the script needs too:
#       users (--users, default USERS) and window (--window, default 1).
#   bench_login_setup NAME USERS WINDOW SERVICE...
#       A work directory NAME (bench_workdir) with state/, run/ and
#       policy/; a throw-away slapd (tests/lib/slapd.sh) with the USERS
#       users of login_bench --write-ldif, all in one group; and the files
#         policy/bench.policy  system "bench" for the PAM services SERVICE...:
#                              mfa required, password no, the group as its
#                              one role;
#         authd.conf           authd as in production but for its log:
#                              durable audit with group commit, audit copies
#                              to a datagram socket, the directory cache
#                              kept for an hour, totp_window WINDOW.
#       The caller may add to both.  Sets the EXIT trap: the processes in
#       bench_pids are stopped, the last first, then slapd, and the work
#       directory is kept after a setup error (rc 2).
#   bench_login_start
#       Starts the syslog stand-in that drains authd's audit copies and
#       authd in the foreground, their output in the work directory;
#       adds both to bench_pids and sets AUTHD_PID.

src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

# shellcheck disable=SC2034 # bench_shift is for the script that sources this
bench_build_dir() {
	build=$src/build-bench
	bench_shift=0
	if [[ $# -gt 0 && $1 != -* ]]; then
		build=$1
		bench_shift=1
	fi
	build=$(realpath -m -- "$build")
}

bench_die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 2
}

bench_need_root() {
	[[ $(id -u) -eq 0 ]] ||
		bench_die "run as root (authd drops to its own user)"
	id _authd >/dev/null 2>&1 ||
		bench_die "user _authd missing (scripts/deps.sh creates it)"
}

bench_need_tools() {
	local t
	for t in "$@"; do
		PATH="$PATH:/usr/sbin:/sbin" command -v "$t" >/dev/null 2>&1 ||
			bench_die "$t is not installed"
	done
}

bench_workdir() {
	mkdir -p "$build"
	work=$(mktemp -d "$build/$1.XXXXXX")
	# authd drops to its own user and must reach its directory below
	# this one.
	chmod 755 "$work"
}

bench_keep_work() {
	local rc=$1
	shift
	if ((rc == 2)); then
		echo "$* $work" >&2
	else
		rm -rf -- "$work"
	fi
}

bench_pam_module() {
	local d
	for d in /lib/*-linux-gnu*/security /usr/lib/*-linux-gnu*/security \
		/lib64/security /usr/lib64/security /lib/security \
		/usr/lib/security; do
		if [[ -f $d/$1 ]]; then
			printf '%s\n' "$d/$1"
			return 0
		fi
	done
	return 1
}

bench_pids=()
rc=2

# shellcheck disable=SC2317 # called by the trap
bench_login_cleanup() {
	local i
	for ((i = ${#bench_pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${bench_pids[i]}" 2>/dev/null || true
		wait "${bench_pids[i]}" 2>/dev/null || true
	done
	slapd_stop >/dev/null 2>&1 || true
	bench_keep_work "$rc" "${0##*/}: the work directory (the logs of" \
		"authd and slapd) is kept:"
}

bench_login_opts() {
	local i args
	users=$1
	window=1
	shift
	args=("$@")
	for ((i = 0; i < ${#args[@]}; i++)); do
		case ${args[i]} in
		--users) users=${args[i + 1]:-} ;;
		--users=*) users=${args[i]#--users=} ;;
		--window) window=${args[i + 1]:-} ;;
		--window=*) window=${args[i]#--window=} ;;
		esac
	done
	[[ $users =~ ^[0-9]+$ && $window =~ ^[0-9]+$ ]] ||
		bench_die "--users and --window take numbers"
}

bench_login_setup() {
	local name=$1 users=$2 window=$3
	shift 3
	bench_workdir "$name"
	mkdir -p "$work/state" "$work/run" "$work/policy"
	chown _authd: "$work/state"
	chmod 700 "$work/state"
	# shellcheck source=../tests/lib/slapd.sh
	. "$src/tests/lib/slapd.sh"
	trap bench_login_cleanup EXIT
	"$build/login_bench" --write-ldif "$work/directory.ldif" \
		--users "$users" || exit 2
	SLAPD_WAIT_SECONDS=60 slapd_start "$work/slapd" \
		"$work/directory.ldif" || exit 2
	cat >"$work/policy/bench.policy" <<-EOF
	# generated by bench/${0##*/}
	system bench {
	    description "login benchmark"
	    services $*
	    owner u0000
	    confidentiality 2
	    integrity 2
	    availability 2
	    mfa required
	    password no
	    role users {
	        group "cn=bench-users,ou=groups,dc=exempel,dc=se"
	    }
	}
	EOF
	chmod 644 "$work/policy/bench.policy"
	printf '%s\n' "$LDAP_BIND_PW" >"$work/ldap.pw"
	chmod 600 "$work/ldap.pw"
	cat >"$work/authd.conf" <<-EOF
	# generated by bench/${0##*/}
	socket $work/run/authd.sock
	admin_socket $work/run/admin.sock
	review_socket $work/run/review.sock
	database $work/state/authd.db
	seal_key $work/state/seal.key
	audit_key $work/state/audit.key
	syslog_socket $work/run/syslog.sock
	user _authd
	node_name bench-node
	issuer "Exempel kommun"
	ldap_uri $LDAP_URI
	ldap_base $LDAP_BASE
	ldap_bind_dn $LDAP_BIND_DN
	ldap_bind_password_file $work/ldap.pw
	ldap_cache_ttl 3600
	totp_window $window
	policy_dir $work/policy
	EOF
}

bench_login_start() {
	local i
	# Audit copies go to a socket that something reads, as /dev/log
	# would be.
	"$build/tree/tests/syslog_sink" "$work/run/syslog.sock" /dev/null \
		>"$work/sink.ready" 2>"$work/sink.err" &
	bench_pids+=("$!")
	for ((i = 0; i < 50; i++)); do
		grep -qx ready "$work/sink.ready" 2>/dev/null && break
		sleep 0.1
	done
	grep -qx ready "$work/sink.ready" ||
		bench_die "syslog_sink did not start"
	# In the foreground, logging to a file in the work directory.
	"$build/tree/authd/authd" -d -f "$work/authd.conf" \
		>>"$work/authd.log" 2>&1 &
	AUTHD_PID=$!
	bench_pids+=("$AUTHD_PID")
}
