#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The policy engine, table-driven: a real slapd with the municipality
# directory (tests/fixtures/municipality.ldif), a real authd reading the
# example policy (policies/examples/), and one `authctl policy test` per
# row of tests/fixtures/policy-table.tsv (the columns are described at its
# top).  Every row's exit status and its decision, reason and roles lines
# must be exactly what the row says; the factors and rule lines are
# checked where the row gives them.  Prints PASS or FAIL per row and fails
# if any row fails.
#
# Also checks that the fixture is what its generator writes and that
# `authctl policy check` accepts the example files.
#
# T_KEEP=1 keeps the work directory; POLICY_TABLE=FILE runs another table.
set -eu
. "$(dirname "$0")/../lib/authd.sh"

SRC_DIR=$(cd -- "$(dirname -- "$0")/../.." && pwd)
FIXTURES="$SRC_DIR/tests/fixtures"
LDIF="$FIXTURES/municipality.ldif"
TABLE=${POLICY_TABLE:-$FIXTURES/policy-table.tsv}
EXAMPLES="$SRC_DIR/policies/examples"

t_init noslapd
# t_cleanup is not written for errexit: run it without.
trap 'set +e; t_cleanup' EXIT

# --- the fixture and the examples ----------------------------------------
ldif_agrees() {
	"$FIXTURES/gen-municipality-ldif.sh" | cmp -s - "$LDIF"
}
check "municipality.ldif is what gen-municipality-ldif.sh writes" ldif_agrees

POLICY_DIR="$T_DIR/policies"
mkdir -m 755 -- "$POLICY_DIR"
cp -- "$EXAMPLES"/*.policy "$POLICY_DIR/"
chmod 644 -- "$POLICY_DIR"/*.policy
check "authctl policy check accepts the examples" \
	"$AUTHCTL_BIN" policy check "$POLICY_DIR"/*.policy

slapd_start "$T_DIR/slapd" "$LDIF" || { echo "FAIL: slapd did not start"; exit 1; }

# authd's configuration, with the example policy as its policy_dir.
export AUTHD_POLICY_DIR="$POLICY_DIR"
authd_setup
authd_start

# mfa optional depends on whether the user has an active token: frida has.
enroll frida || fail "enroll frida"

# --- the table -------------------------------------------------------------
# parse: the "key: value" lines of $out (up to "trace:") into F[key].
declare -A F
parse() {
	local l k
	F=()
	while IFS= read -r l; do
		[[ $l == trace:* ]] && break
		k=${l%%: *}
		[[ $k != "$l" && $k =~ ^[a-z]+$ && -z ${F[$k]+set} ]] || continue
		F[$k]=${l#*: }
	done <<<"$out"
	return 0
}

rows=0
failed=0
lineno=0
while IFS= read -r -u 3 line || [[ -n $line ]]; do
	lineno=$((lineno + 1))
	[[ -z ${line//[[:blank:]]/} || $line == \#* ]] && continue
	IFS=$'\t' read -r user system source at decision reason roles factors rule note <<<"$line"
	if [[ -z ${rule:-} || ( $decision != allow && $decision != deny ) ]]; then
		printf 'FAIL line %d: malformed row: %s\n' "$lineno" "$line"
		failed=$((failed + 1))
		continue
	fi
	rows=$((rows + 1))
	args=(policy test "$user" "$system")
	[[ $source != - ]] && args+=(--from "$source")
	args+=(--at "$at")
	out=$("$AUTHCTL_BIN" "${args[@]}" </dev/null 2>&1) && rc=0 || rc=$?

	why=()
	want_rc=1
	[[ $decision == allow ]] && want_rc=0
	((rc == want_rc)) || why+=("exit status $rc, expected $want_rc")
	parse
	got=${F[decision]-}
	[[ $got == "$decision" ]] || why+=("decision '$got', expected '$decision'")
	got=${F[reason]-}
	[[ $got == "$reason" ]] || why+=("reason '$got', expected '$reason'")
	got=${F[roles]-}
	[[ $got == "$roles" ]] || why+=("roles '$got', expected '$roles'")
	if [[ $factors != '*' ]]; then
		got=${F[factors]-}
		got=${got%%[[:blank:]]*}
		[[ $got == "$factors" ]] || why+=("factors '$got', expected '$factors'")
	fi
	if [[ $rule != '*' ]]; then
		got=${F[rule]-}
		[[ $got == *"$rule"* ]] || why+=("rule '$got' does not name '$rule'")
	fi

	what="line $lineno: $user $system from $source at $at -> $decision $reason $roles"
	if ((${#why[@]} == 0)); then
		printf 'PASS %s\n' "$what"
	else
		printf 'FAIL %s (%s)\n' "$what" "${note:-}"
		printf '     %s\n' "${why[@]}"
		printf '     $ authctl %s\n' "${args[*]}"
		mapfile -t outl <<<"$out"
		printf '     | %s\n' "${outl[@]}"
		failed=$((failed + 1))
	fi
done 3<"$TABLE"

printf '# %d rows, %d failed\n' "$rows" "$failed"
((rows >= 40)) || fail "the table has only $rows rows"
((failed == 0)) || fail "$failed row(s) of $TABLE failed"
t_done
