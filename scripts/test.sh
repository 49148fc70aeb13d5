#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The whole test suite: installs dependencies, builds authd with clang,
# AddressSanitizer and UBSan (and the libFuzzer targets), runs ctest, and
# checks that the gcc build used by the demo compiles warning-free too.
# Run as root on Debian 12; CI runs exactly this (.ci/run).
set -euo pipefail
top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

"$top/scripts/deps.sh"

echo "== gcc build (-Wall -Wextra -Werror)"
"$top/scripts/build.sh" "$top/build-gcc"

echo "== clang build with AddressSanitizer, UBSan and libFuzzer targets"
CC=clang "$top/scripts/build.sh" "$top/build-test" \
	-DAUTHD_SANITIZE=ON -DAUTHD_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug

echo "== ctest"
# sshd is not instrumented: the real-sshd test loads the gcc build's module.
export AUTHD_PLAIN_MODULE="$top/build-gcc/pam_module/pam_authd.so"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$top/build-test" --output-on-failure -j "$(nproc)" "$@"
