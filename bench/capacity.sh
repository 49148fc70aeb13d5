#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Capacity and growth of one authd, in one command (not part of the test
# suite; see bench/README.md):
#
#   bench/capacity.sh [BUILD_DIR] [load_bench run options...]
#
# Builds a release authd and bench/load_bench.c in BUILD_DIR (default
# build-bench in the source tree), writes the directory of the largest
# population as LDIF (load_bench ldif), loads it into a throw-away slapd
# (tests/lib/slapd.sh) and runs load_bench against a real authd in a new
# directory under BUILD_DIR (so on the disk the build lives on):
#   - growth: 1,000 / 10,000 / 100,000 enrolled users x 10 / 200 systems,
#     ACCOUNT at 1 and 32 connections, AUTH at 1 connection;
#   - capacity: ACCOUNT at 1, 8, 32 and 128 connections against an echo
#     server and a durable echo server (one fdatasync per pass) at the
#     same concurrency, interleaved.
# Prints Markdown tables; writes bench/results/capacity.json and
# bench/results/capacity.md.  Options after BUILD_DIR go to load_bench run,
# e.g. --seconds 2 --growth-seconds 1 --populations 1000,10000 for a short
# run.  Exit status: 0 when every target checked was met, 1 when one was
# missed, 2 on a setup error or an unexpected answer (the work directory
# with authd's and slapd's logs is then kept).  Needs slapd, slapadd and
# ldapsearch (Debian: slapd, ldap-utils); run as root so that authd drops
# to its own user (_authd) as in production.
set -eu

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
bench_build_dir "$@"
shift "$bench_shift"
bench_need_tools slapd slapadd ldapsearch

# The directory must hold the largest population, and the role groups of
# every policy size the run measures.
users=100000
systems=10,200
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
	case ${args[i]} in
	--populations=*) pops=${args[i]#*=} ;;
	--populations) pops=${args[i + 1]:-} ;;
	--systems=*) systems=${args[i]#*=} ;;
	--systems) systems=${args[i + 1]:-} ;;
	*) continue ;;
	esac
	if [[ -n ${pops:-} ]]; then
		users=${pops##*,}
		pops=
	fi
done
[[ $users =~ ^[0-9]+$ && $systems =~ ^[0-9,]+$ ]] ||
	bench_die "bad --populations or --systems"

secs() { date +%s%N; }

cmake -S "$src/bench" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
	exit 2
cmake --build "$build" -j"$(nproc)" --target load_bench authd >/dev/null ||
	exit 2
mkdir -p "$src/bench/results"
bench_workdir capacity

# shellcheck source=../tests/lib/slapd.sh
. "$src/tests/lib/slapd.sh"
rc=2
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	slapd_stop || true
	bench_keep_work "$rc" "capacity.sh: stopped; authd's and slapd's" \
		"logs are under"
}
trap cleanup EXIT

bench=$build/load_bench
"$bench" ldif --users "$users" --systems "$systems" \
	--out "$work/directory.ldif" || exit 2
"$bench" ldif --users 1 --systems "$systems" --out "$work/base.ldif" ||
	exit 2

# slapd.sh's server holds at most 100 MB, and 100,000 users need more: it
# is started with a small directory, then the real one is loaded into a
# larger map with slapadd and the same server is started again.
echo "capacity.sh: loading $users users into slapd ..."
t0=$(secs)
SLAPD_WAIT_SECONDS=120 slapd_start "$work/slapd" "$work/base.ldif" || exit 2
slapd_stop || exit 2
sed -i 's/^maxsize.*/maxsize\t\t4294967296/' "$SLAPD_WORKDIR/slapd.conf"
rm -rf -- "$SLAPD_WORKDIR/db"
mkdir -m 0700 -- "$SLAPD_WORKDIR/db"
slapadd=$(PATH="$PATH:/usr/sbin:/sbin" command -v slapadd)
if ! "$slapadd" -q -f "$SLAPD_WORKDIR/slapd.conf" \
	-l "$work/directory.ldif" >"$SLAPD_WORKDIR/slapadd.log" 2>&1; then
	tail -n 20 "$SLAPD_WORKDIR/slapadd.log" >&2
	exit 2
fi
SLAPD_WAIT_SECONDS=120 slapd_restart || exit 2
slapd_ms=$((($(secs) - t0) / 1000000))

version=$(git -C "$src" describe --always --dirty 2>/dev/null) ||
	version=unknown
rc=0
"$bench" run --authd "$build/tree/authd/authd" --dir "$work/run" \
	--ldap-uri "$LDAP_URI" --bind-dn "$LDAP_BIND_DN" \
	--bind-pw "$LDAP_BIND_PW" --directory-users "$users" \
	--slapd-ms "$slapd_ms" --authd-version "$version" \
	--json "$src/bench/results/capacity.json" \
	--md "$src/bench/results/capacity.md" "$@" || rc=$?
if ((rc != 2)); then
	echo "results: bench/results/capacity.json bench/results/capacity.md"
fi
exit "$rc"
