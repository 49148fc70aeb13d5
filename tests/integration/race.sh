#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Two processes submit the same valid code at the same moment, for many
# users and several time steps: never more than one success per code, and
# (since every code is valid and fresh) exactly one.
set -u
. "$(dirname "$0")/../lib/authd.sh"
PAM_RACE="$BUILD_DIR/tests/pam_race"

t_init
authd_setup "workers 8"
authd_start

enroll_many race 40
users=("${USERS[@]}")
check "40 race users enrolled" test "${#users[@]}" -eq 40

step_safe
# Round 1: the current step's code; round 2: the next step's code (still
# inside the window, and after the first); round 3: the current step's
# code again, which must now be refused everywhere (replay).
input=""
for u in "${users[@]}"; do input+="$u $(code "$u" 0)"$'\n'; done
for u in "${users[@]}"; do input+="$u $(code "$u" 1)"$'\n'; done
race_check "two processes" -s authd-test -n 2 <<<"$input"

replay=""
for u in "${users[@]}"; do replay+="$u $(code "$u" 0)"$'\n'; done
out=$(printf '%s' "$replay" | "$PAM_RACE" -d "$T_DIR/pam" -s authd-test -n 2)
check "replayed codes never accepted" grep -q 'successes=0' <<<"$(head -n1 <<<"$out")"
check "no replay round accepted anything" bash -c "! grep -q 'successes=[1-9]' <<<'$out'"

allows=$(authctl audit list --limit 10000 --format csv | grep -c ',auth,allow,ok,race')
check "the audit trail holds exactly one allow per code (80)" test "$allows" -eq 80
t_done
