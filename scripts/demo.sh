#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# The authd demo, on embedded defaults: installs what it needs, builds,
# starts a throw-away slapd with a small municipality's directory and authd
# with SQLite in a temporary directory and the example policy for three
# pilot systems (policies/examples).  It shows who may use the finance
# system and why, logs anna in through real libpam (directory password and
# a code from oathtool, as the policy requires), shows refusals, runs a
# quarterly access review, prints the audit trail, and cleans up after
# itself.
set -euo pipefail
top=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || true; }

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
t_init noslapd
slapd_start "$T_DIR/slapd" "$top/tests/fixtures/municipality.ldif" ||
	{ echo "slapd did not start"; exit 1; }
AUTHD_POLICY_DIR=$T_DIR/policy
mkdir -m 755 "$AUTHD_POLICY_DIR"
cp "$top"/policies/examples/*.policy "$AUTHD_POLICY_DIR/"
chmod 644 "$AUTHD_POLICY_DIR"/*.policy
export AUTHD_POLICY_DIR
say "Directory: slapd on $LDAP_URI (base $LDAP_BASE), 323 people, 37 groups"
authd_setup
say "Starting authd (database $AUTHD_DB)"
authd_start
grep -v '^#' "$AUTHD_CONF" | sed 's/^/    /'

say "The policy: three pilot systems (policies/examples), checked before use"
run authctl policy check "$AUTHD_POLICY_DIR"/*.policy

say "Who may use the finance system, through which group?"
run authctl access list ekonomi
say "Why may anna use it from the town network? (a dry run)"
run authctl policy test anna ekonomi --from 10.20.1.5
say "A terminated employee still in a role group: denied by a rule"
run authctl policy test gustav ekonomi --from 10.20.1.5
say "anna from an address outside the town network: denied"
run authctl policy test anna ekonomi --from 198.51.100.7

say "authctl enroll anna: a pending token, shown as a QR code"
out=$(authctl enroll anna)
printf '%s\n' "$out"
SECRET_anna=$(sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' <<<"$out")
step_safe
say "anna's app shows a code; she confirms the enrollment with it"
authctl enroll --confirm anna "$(code anna -1)"

step_safe
good=$(code anna 0)
pam_stack sshd-ekonomi
say "anna logs in to 'ekonomi' over ssh from 10.20.1.5: the policy asks for her directory password and a code"
sed 's/^/    /' "$T_DIR/pam/sshd-ekonomi"
echo "    code from oathtool: $good"
PAM_SERVICE=sshd-ekonomi pam "auth acct open close" anna -r 10.20.1.5 \
	-a Passw0rd-anna -a "$good" || true
say "Someone replays anna's code (right password)"
PAM_SERVICE=sshd-ekonomi pam auth anna -r 10.20.1.5 -a Passw0rd-anna -a "$good" || true
say "Someone guesses the password (right code next step): the same answer"
PAM_SERVICE=sshd-ekonomi pam auth anna -r 10.20.1.5 -a guess -a "$(code anna 1)" || true

if authctl help review >/dev/null 2>&1; then
	say "The quarterly access review of 'ekonomi' (security function starts it)"
	run authctl review start ekonomi --due "$(date -u -d '+30 days' +%F)"
	echo '$ authctl review show 1 | head -n 24'
	authctl review show 1 | head -n 24
	say "The owner, anna, revokes the consultant (proved with her password and a code)"
	echo '$ authctl review decide 1 kalle revoke --comment "konsultuppdraget avslutat" --as anna'
	printf 'Passw0rd-anna\n%s\n' "$(code anna 1)" | setsid -w "$AUTHCTL_BIN" \
	    review decide 1 kalle revoke --comment "konsultuppdraget avslutat" --as anna
	say "anna's own access is marked for the security function, which decides it"
	run authctl review decide 1 anna keep --comment "ekonomichef"
	say "The revoke holds at once, while the directory still lists kalle"
	run authctl policy test kalle ekonomi --from 10.20.10.5
	run authctl review close 1 --default keep
	run authctl review report 1 --format html -o "$T_DIR/review-1.html"
	echo "    report: $(wc -c <"$T_DIR/review-1.html") bytes of self-contained HTML"
	run authctl revocation list ekonomi
fi

say "authctl audit list: every decision, with its reason, rule, role and policy version"
authctl audit list --limit 30

say "Stopping authd (SIGTERM: requests in hand finish, nothing is lost)"
authd_stop
say "Done; the temporary directory is removed."
