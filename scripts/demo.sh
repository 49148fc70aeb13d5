#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The authd demo, on embedded defaults: installs what it needs, builds,
# starts a throw-away slapd with a small municipal directory and authd with
# SQLite in a temporary directory, enrolls anna, logs her in through real
# libpam with a code from oathtool, shows a wrong and a replayed code being
# refused, prints the audit trail and cleans up after itself.
set -euo pipefail
top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing dependencies (Debian packages)"
"$top/scripts/deps.sh"
say "Building authd, pam_authd.so and authctl"
"$top/scripts/build.sh" "$top/build"

export BUILD_DIR="$top/build"
# The test helpers start slapd and authd in a temporary directory and
# remove both when this script exits.
# shellcheck source=../tests/lib/authd.sh
. "$top/tests/lib/authd.sh"
set +e
t_init
authd_setup
say "Directory: slapd on $LDAP_URI (base $LDAP_BASE)"
say "Starting authd (database $AUTHD_DB)"
authd_start
grep -v '^#' "$AUTHD_CONF" | sed 's/^/    /'

say "authctl enroll anna: a pending token, shown as a QR code"
out=$(authctl enroll anna)
printf '%s\n' "$out"
SECRET_anna=$(sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' <<<"$out")
step_safe
say "anna's app shows a code; she confirms the enrollment with it"
authctl enroll --confirm anna "$(code anna -1)"

step_safe
good=$(code anna 0)
say "anna logs in to the pilot system 'pilot' (PAM stack: auth, account, session)"
sed 's/^/    /' "$T_DIR/pam/authd-test"
echo "    code from oathtool: $good"
pam "auth acct open close" anna -a "$good" || true

say "Someone tries a wrong code"
pam auth anna -a "000000" || true
say "Someone replays anna's code"
pam auth anna -a "$good" || true
say "dag (in no pilot group) is refused by the account phase"
pam acct dag || true

say "authctl audit list: every decision, with its reason"
authctl audit list

say "Stopping authd (SIGTERM: requests in hand finish, nothing is lost)"
authd_stop
say "Done; the temporary directory is removed."
