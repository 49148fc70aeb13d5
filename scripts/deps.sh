#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Installs everything needed to build and test authd on Debian 12 and
# creates the system accounts authd uses.  Run as root.  Idempotent: when
# all packages are already installed the apt step is skipped, and accounts
# that exist are left alone.
#
# While packages are being installed, /usr/sbin/policy-rc.d is set to
# "exit 101" so that maintainer scripts do not start slapd, sshd or
# PostgreSQL's default cluster (the tests run throw-away clusters of their
# own, tests/lib/pg.sh).  A
# policy-rc.d that existed before is put back unchanged afterwards; one this
# script created is removed.

set -euo pipefail

PACKAGES=(
	build-essential cmake pkg-config clang libclang-rt-14-dev llvm
	libssl-dev liboath-dev oathtool libldap2-dev slapd ldap-utils
	libsqlite3-dev sqlite3 libpam0g-dev libqrencode-dev libpam-wrapper
	libpamtest0-dev openssh-server openssh-client libpam-oath procps psmisc
	python3 libseccomp-dev openssl libpq-dev postgresql-15
	libmicrohttpd-dev chromium chromium-driver python3-selenium zbar-tools
)

POLICY=/usr/sbin/policy-rc.d

log() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must be run as root"
command -v dpkg-query >/dev/null || die "dpkg-query not found (not a Debian system?)"

# --- packages -----------------------------------------------------------

is_installed() {
	# Prints one status per installed architecture; any "installed" counts.
	dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed
}

policy_saved=""		# backup of a pre-existing policy-rc.d
policy_ours=0		# 1 while our policy-rc.d is in place

restore_policy() {
	if [[ $policy_ours -eq 1 ]]; then
		if [[ -n $policy_saved ]]; then
			cp -p -- "$policy_saved" "$POLICY"
			rm -f -- "$policy_saved"
			log "restored the previous $POLICY"
		else
			rm -f -- "$POLICY"
			log "removed temporary $POLICY"
		fi
		policy_ours=0
	fi
}

install_policy() {
	trap restore_policy EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	if [[ -e $POLICY || -L $POLICY ]]; then
		policy_saved=$(mktemp /usr/sbin/.policy-rc.d.saved.XXXXXX)
		cp -p -- "$POLICY" "$policy_saved"
	fi
	policy_ours=1
	printf '#!/bin/sh\n# Installed temporarily by authd scripts/deps.sh.\nexit 101\n' \
		>"$POLICY.tmp.$$"
	chmod 0755 "$POLICY.tmp.$$"
	mv -f -- "$POLICY.tmp.$$" "$POLICY"
	log "installed temporary $POLICY (exit 101: services are not started)"
}

missing=()
for p in "${PACKAGES[@]}"; do
	is_installed "$p" || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
	log "all ${#PACKAGES[@]} packages are installed; skipping apt-get"
else
	log "missing packages: ${missing[*]}"
	install_policy
	log "running apt-get update"
	apt-get update
	log "installing: ${PACKAGES[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		"${PACKAGES[@]}"
	restore_policy
	for p in "${PACKAGES[@]}"; do
		is_installed "$p" || die "package $p is still not installed"
	done
	log "packages installed"
fi

# --- accounts -----------------------------------------------------------

if getent passwd _authd >/dev/null; then
	log "user _authd exists"
else
	log "creating system user and group _authd"
	adduser --system --group --no-create-home --home /nonexistent _authd
fi

if ! getent group _authd >/dev/null; then
	log "creating group _authd"
	addgroup --system _authd
	usermod -g _authd _authd
fi

# authd-web's own user: it holds no key and reaches authd only on the
# web socket (web_user in authd.conf).
if getent passwd _authd-web >/dev/null; then
	log "user _authd-web exists"
else
	log "creating system user and group _authd-web"
	adduser --system --group --no-create-home --home /nonexistent _authd-web
fi

if getent group authd-admin >/dev/null; then
	log "group authd-admin exists"
else
	log "creating system group authd-admin"
	addgroup --system authd-admin
fi

# axe-core for the browser tests' accessibility check, as pinned in
# tests/web/axe/package-lock.json (npm ci checks each package's integrity).
axe_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../tests/web/axe" && pwd)
if [[ -f "$axe_dir/node_modules/axe-core/axe.min.js" ]]; then
	log "axe-core is installed"
elif command -v npm >/dev/null; then
	log "installing axe-core (npm ci)"
	(cd "$axe_dir" && npm ci --no-audit --no-fund --ignore-scripts) ||
		log "npm ci failed: the accessibility check will fail"
else
	log "npm is missing: the accessibility check will fail"
fi

log "done"
