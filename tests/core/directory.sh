#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Runs test_directory (tests/core/test_directory.c) against a throw-away
# slapd holding tests/fixtures/nested.ldif, then reads slapd's log to
# check that the passwords refused before binding (empty, too long) never
# reached the server, while a real check did.
#
#   tests/core/directory.sh PATH-TO-test_directory
#
# Exits 77 when slapd or its tools are missing.

set -u

here=$(cd -- "$(dirname -- "$0")" && pwd)
prog=${1:?usage: directory.sh PATH-TO-test_directory}

skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

for t in slapd slapadd ldapsearch; do
	PATH="$PATH:/usr/sbin:/sbin" command -v "$t" >/dev/null 2>&1 ||
		skip "$t is not installed"
done
[[ -r /etc/ldap/schema/nis.schema ]] || skip "no OpenLDAP schema files"
[[ -x $prog ]] || { echo "FAIL: $prog is missing"; exit 1; }

# shellcheck source=../lib/slapd.sh
. "$here/../lib/slapd.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/authd-directory.XXXXXX") || exit 1
# shellcheck disable=SC2317  # run by the trap
cleanup() {
	if [[ -n ${SLAPD_PID:-} ]]; then
		# A failed run may have left it stopped (SIGSTOP).
		kill -CONT "$SLAPD_PID" 2>/dev/null
		slapd_stop >/dev/null 2>&1
	fi
	rm -rf -- "$work"
}
trap cleanup EXIT

export LDAPNOINIT=1
slapd_start "$work/slapd" "$here/../fixtures/nested.ldif" ||
	{ echo "FAIL: slapd did not start"; exit 1; }
(umask 077 && printf '%s\n' "$LDAP_BIND_PW" >"$work/bind.pw") || exit 1

rc=0
TEST_BIND_PW_FILE="$work/bind.pw" "$prog" || rc=$?
if ((rc == 77)); then
	exit 77
fi

log=$SLAPD_WORKDIR/slapd.log
failures=0
# Positive control: a real password check shows up as a simple bind.
if grep -q 'BIND dn="uid=anna,ou=people,dc=exempel,dc=se" method=128' \
	"$log"; then
	echo "ok: slapd logged the password bind for anna"
else
	echo "FAIL: no BIND for anna in slapd's log"
	failures=$((failures + 1))
fi
# gustav's passwords (empty, 299 bytes) must be refused before a bind.
if grep -qi 'BIND dn="uid=gustav,' "$log"; then
	echo "FAIL: a password for gustav reached slapd:"
	grep -i 'BIND dn="uid=gustav,' "$log"
	failures=$((failures + 1))
else
	echo "ok: no bind for gustav's empty and overlong passwords"
fi

if ((rc != 0 || failures != 0)); then
	echo "FAIL: test_directory exit $rc, $failures log check(s) failed"
	exit 1
fi
exit 0
