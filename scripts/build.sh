#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# scripts/build.sh [BUILD-DIR] [cmake options...]: configures and builds
# authd (default build dir: build).  Dependencies: scripts/deps.sh.
set -euo pipefail
top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-"$top/build"}
[[ $# -gt 0 ]] && shift
cmake -S "$top" -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
