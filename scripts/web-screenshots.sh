#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# scripts/web-screenshots.sh [BUILD-DIR]: copies the screenshots of
# authd-web's pages that the last run of integration_web_review left in
# BUILD-DIR/web-screenshots (default: build) into docs/web/, for
# docs/web.md.
set -euo pipefail
top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
src=${1:-"$top/build"}/web-screenshots
[[ -d $src ]] || { echo "no $src: run ctest -R integration_web_review first" >&2; exit 1; }
mkdir -p "$top/docs/web"
cp "$src"/*.png "$top/docs/web/"
ls "$top/docs/web"
