#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The admin socket serves root and members of admin_group only, checked
# from the peer's credentials on every request; the PAM socket serves root
# and client_group.  Refusals are audited.
set -u
. "$(dirname "$0")/../lib/authd.sh"
t_need setpriv

t_init noslapd
groupadd -f authd-test-admins
authd_setup "admin_group authd-test-admins"
authd_start
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
as_admin() { setpriv --reuid=65534 --regid=65534 --groups="$(getent group authd-test-admins | cut -d: -f3)" "$@"; }

out=$(as_nobody "$AUTHCTL_BIN" -s "$AUTHD_ADMIN_SOCK" unlock anna 2>&1)
rc=$?
check "a non-admin uid is refused (exit $rc)" test $rc -ne 0
check "the refusal says so" grep -qi 'forbidden\|permission' <<<"$out"
out=$(as_nobody "$AUTHCTL_BIN" -s "$AUTHD_ADMIN_SOCK" audit list 2>&1)
check "a non-admin uid cannot read the audit trail" bash -c "! grep -q 'admin-refused' <<<'$out'"
check "audit: the refusal is recorded with the uid" audit_has 'admin-refused,deny,forbidden,.*uid=65534'
check "no unlock was recorded" bash -c "! '$AUTHCTL_BIN' audit list --format csv | grep -q ',unlock,'"
# The group check is by membership, as the socket sees it.
check "a member of admin_group is served" as_admin "$AUTHCTL_BIN" -s "$AUTHD_ADMIN_SOCK" ping
check "root is served" authctl ping
out=$(as_nobody "$PAM_DRIVER" -d "$T_DIR/pam" -s authd-test -u anna -a 123456 auth 2>&1)
check "a non-root PAM client is refused" grep -q 'auth=PAM_AUTHINFO_UNAVAIL' <<<"$out"
check "audit: client refusal" audit_has 'client-refused,deny,forbidden'
authd_stop
t_done
