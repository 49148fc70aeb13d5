# SPDX-License-Identifier: BSD-2-Clause
# shellcheck shell=bash
#
# What the benchmark scripts (bench/run.sh, bench/login.sh,
# bench/capacity.sh) share; sourced, not run.  Sets src, the source tree.
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
