#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Login cost through real libpam, in one command (not part of the test
# suite; see bench/README.md, "Login cost beside pam_oath"):
#
#   bench/login.sh [BUILD_DIR] [login_bench options...]
#
# Builds a release authd, pam_authd.so, the test suite's syslog stand-in
# and bench/login_bench.c in BUILD_DIR (default build-bench in the source
# tree), then, in a new directory under BUILD_DIR (on the disk the build
# lives on, which also holds pam_oath's usersfile):
#   - writes a directory of --users users (default 4,000) in one group and
#     starts a throw-away slapd with it (tests/lib/slapd.sh);
#   - writes a policy with one system, "bench", for the PAM service
#     bench-authd: mfa required, password no, the group as its one role;
#   - starts authd (durable audit with group commit, the default; the
#     directory cache kept for an hour; audit copies to a datagram socket
#     that syslog_sink drains; its own log in the work directory);
#   - runs login_bench, which enrolls the users, writes pam_oath's
#     usersfile and the three PAM stacks, and measures.
# Results: bench/results/login.json and bench/results/login.md.
#
# Exit status: 0 when the targets are met, 1 when a pam_authd target is
# missed, 2 on setup errors or an unexpected failure (the work directory
# with authd's and slapd's logs is then kept).  Run as root: authd drops
# to its own user (_authd, which scripts/deps.sh creates).  Needs slapd,
# slapadd, ldapsearch (Debian: slapd, ldap-utils), libpam-oath and the
# liboath and libpam development files.
set -eu

# shellcheck source=lib.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/lib.sh"
bench_build_dir "$@"
shift "$bench_shift"
bench_need_root
bench_need_tools slapd slapadd ldapsearch

# The options the script needs too; everything goes to login_bench.
bench_login_opts 4000 "$@"

# PAM modules of the system: pam_permit (the floor) and pam_oath.
permit=$(bench_pam_module pam_permit.so) ||
	bench_die "pam_permit.so not found"
oath=$(bench_pam_module pam_oath.so) ||
	bench_die "pam_oath.so not found (libpam-oath)"
# Its locking changed between releases: the results name the version.
oath_version=$(dpkg-query -W -f='${Version}' libpam-oath 2>/dev/null) ||
	oath_version=unknown

cmake -S "$src/bench" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target login_bench authd pam_authd \
	syslog_sink >/dev/null

mkdir -p "$src/bench/results"
bench_login_setup login "$users" "$window" bench-authd
bench_login_start

rc=0
"$build/login_bench" --workdir "$work" --socket "$work/run/authd.sock" \
	--admin-socket "$work/run/admin.sock" --permit "$permit" \
	--oath "$oath" --authd-module "$build/tree/pam_module/pam_authd.so" \
	--authd-pid "$AUTHD_PID" --slapd-pid "$SLAPD_PID" \
	--oath-version "libpam-oath $oath_version" \
	--json "$src/bench/results/login.json" \
	--md "$src/bench/results/login.md" "$@" || rc=$?
if ! kill -0 "$AUTHD_PID" 2>/dev/null; then
	echo "login.sh: authd is no longer running" >&2
	rc=2
fi
echo "results: $src/bench/results/login.json $src/bench/results/login.md"
exit "$rc"
