#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The audit benchmark in one command (not part of the test suite):
#
#   bench/run.sh [BUILD_DIR] [audit_bench options...]
#
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
set -eu

src=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
build=$src/build-bench
if [[ $# -gt 0 && $1 != -* ]]; then
	build=$1
	shift
fi
build=$(realpath -m -- "$build")

cmake -S "$src/bench" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target audit_bench authd >/dev/null

mkdir -p "$build"
work=$(mktemp -d "$build/run.XXXXXX")
# authd drops to its own user and must reach its directory below this one.
chmod 755 "$work"
rc=0
"$build/audit_bench" --authd "$build/tree/authd/authd" --dir "$work/data" \
	--json "$build/audit-bench.json" --csv "$build/audit-bench.csv" \
	"$@" || rc=$?
if ((rc == 2)); then
	echo "setup failed; authd's logs are under $work" >&2
else
	rm -rf -- "$work"
	echo "results: $build/audit-bench.json $build/audit-bench.csv"
fi
exit "$rc"
