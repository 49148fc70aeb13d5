#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The benchmarks, each in one command (not part of the test suite; see
# bench/README.md):
#
#   bench/run.sh [BUILD_DIR] [audit_bench options...]
#   bench/run.sh policy [BUILD_DIR] [policy_bench options...]
#   bench/run.sh login [BUILD_DIR] [login_bench options...]
#   bench/run.sh capacity [BUILD_DIR] [load_bench options...]
#   bench/run.sh relay [BUILD_DIR] [login_bench options...]
#   bench/run.sh compare [BUILD_DIR]
#
# login, capacity and relay are bench/login.sh, bench/capacity.sh and
# bench/relay.sh.  compare
# runs both, one after the other, and writes bench/results/SUMMARY.md
# (the machine, then both summaries); its exit status is the worse of the
# two (0 all targets met, 1 a target missed, 2 an unexpected failure).
#
# Audit (the default):
# Builds a release authd and bench/audit_bench.c in BUILD_DIR (default
# build-bench in the source tree), then measures, in a new directory under
# BUILD_DIR (so on the disk the build lives on):
#   - the disk's raw fdatasync rate,
#   - audited decisions per second with audit_group_commit no and yes,
#     16 concurrent connections sending session-open requests, 5 s each,
#     with p50/p99 latency.
# Prints a Markdown table and writes BUILD_DIR/audit-bench.json and .csv.
# Exit status: 0 when group commit reaches 5 times the one-per-record
# rate, 1 when it does not (or a run was not clean), 2 on setup errors.
# Options after BUILD_DIR go to audit_bench (e.g. --seconds 10); run as
# root so that authd drops to its own user as in production.
#
# Policy:
# Builds bench/policy_bench.c (release) in BUILD_DIR, has it write the
# directory of its generated populations (10 and 10,000 users) as LDIF,
# starts a throw-away slapd with it (tests/lib/slapd.sh) and measures the
# cached access decision, small against large.  Writes
# bench/results/policy.json (--json FILE to change).  Exit status: 0 when
# the large population's cached decision costs at most 2 times the small
# one's and under 10 us, 1 when not, 2 on setup errors or a decision that
# is not the expected one.  Needs slapd and slapadd (Debian: slapd).
set -eu

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
mode=audit
case ${1:-} in
login) shift; exec "$src/bench/login.sh" "$@" ;;
capacity) shift; exec "$src/bench/capacity.sh" "$@" ;;
relay) shift; exec "$src/bench/relay.sh" "$@" ;;
compare)
	shift
	# BUILD_DIR, if given, goes to both scripts as it was given.
	dir=()
	if [[ $# -gt 0 && $1 != -* ]]; then
		dir=("$1")
		shift
	fi
	rc_login=0 rc_cap=0
	"$src/bench/login.sh" "${dir[@]}" || rc_login=$?
	"$src/bench/capacity.sh" "${dir[@]}" || rc_cap=$?
	out=$src/bench/results/SUMMARY.md
	{
		echo "<!-- written by bench/run.sh compare -->"
		echo "# authd beside pam_oath and the floors"
		echo
		echo "Machine: $(uname -srm), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs, $(free -g | awk '/^Mem:/ { print $2 }') GiB; $(date -u +%Y-%m-%dT%H:%M:%SZ); authd $(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)."
		echo "Exit status: login $rc_login, capacity $rc_cap (0 targets met, 1 a target missed, 2 an unexpected failure)."
		echo
		for f in login.md capacity.md; do
			if [[ -f $src/bench/results/$f ]]; then
				sed -e '/^<!--.*-->$/d' -e 's/^#\{1,2\} /## /' \
					"$src/bench/results/$f"
				echo
			fi
		done
	} >"$out"
	echo "summary: bench/results/SUMMARY.md"
	rc=$((rc_login > rc_cap ? rc_login : rc_cap))
	exit "$rc"
	;;
policy)
	mode=policy
	shift
	;;
esac
bench_build_dir "$@"
shift "$bench_shift"

if [[ $mode == policy ]]; then
	cmake -S "$src/bench" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$build" -j"$(nproc)" --target policy_bench >/dev/null
	mkdir -p "$build" "$src/bench/results"
	work=$(mktemp -d "$build/policy.XXXXXX")
	# shellcheck source=../tests/lib/slapd.sh
	. "$src/tests/lib/slapd.sh"
	rc=2
	# shellcheck disable=SC2317 # called by the trap
	cleanup() {
		slapd_stop || true
		bench_keep_work "$rc" "setup failed; the directory and" \
			"slapd's log are under"
	}
	trap cleanup EXIT
	"$build/policy_bench" --write-ldif "$work/directory.ldif"
	# 11,000 entries take slapd longer to come up than the tests' few.
	SLAPD_WAIT_SECONDS=60 slapd_start "$work/slapd" "$work/directory.ldif" ||
		exit 2
	rc=0
	"$build/policy_bench" --ldap-uri "$LDAP_URI" --bind-dn "$LDAP_BIND_DN" \
		--bind-pw "$LDAP_BIND_PW" --workdir "$work" \
		--json "$src/bench/results/policy.json" "$@" || rc=$?
	exit "$rc"
fi

cmake -S "$src/bench" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target audit_bench authd >/dev/null

bench_workdir run
rc=0
"$build/audit_bench" --authd "$build/tree/authd/authd" --dir "$work/data" \
	--json "$build/audit-bench.json" --csv "$build/audit-bench.csv" \
	"$@" || rc=$?
bench_keep_work "$rc" "setup failed; authd's logs are under"
if ((rc != 2)); then
	echo "results: $build/audit-bench.json $build/audit-bench.csv"
fi
exit "$rc"
