#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# Regenerates the seed corpora under tests/fuzz/corpus/ from the frame
# layout in docs/protocol.md, written out byte by byte here rather than
# produced by lib/proto.c, so the seeds also check that the document and
# the library agree (test_proto parses every proto seed and fails on any
# it rejects).  Run from anywhere; the output is committed.
#
#   proto/  frame bodies (without the 4-byte length prefix), one per file
#   conf/   configuration files for fuzz_conf's keyword table
#   util/   8-byte min, 8-byte max, 1-byte output size, then text
#   keeper/ key keeper requests (authd/keeper_msg.h), one record per file
#
# The binary seeds cannot carry a licence line; like this script, they are
# under BSD-2-Clause.

set -eu

dir=$(cd "$(dirname "$0")" && pwd)/corpus
mkdir -p "$dir/proto" "$dir/conf" "$dir/util" "$dir/keeper"

# hex "01 ff" -> the two bytes 0x01 0xff (POSIX printf only knows octal).
hex() {
	for h in "$@"; do
		# shellcheck disable=SC2059
		printf "\\$(printf '%03o' "0x$h")"
	done
}
u16() { hex "$(printf '%02x' $(($1 >> 8 & 255)))" "$(printf '%02x' $(($1 & 255)))"; }
u32() { u16 $(($1 >> 16 & 65535)); u16 $(($1 & 65535)); }
u64() { u32 $(($1 >> 32 & 4294967295)); u32 $(($1 & 4294967295)); }

# Attribute tags (proto.h enum proto_tag).
USER=1 SYSTEM=2 SERVICE=3 RHOST=4 TTY=5 CODE=6 STATUS=7 REASON=8
MESSAGE=9 URI=10 LIMIT=11 SINCE=12 FORCE=13 SEQ=14 TIME=15 EVENT=16
ACTOR=17 DECISION=18 REQID=19 NODE=20 DETAIL=21 STATE=22 FAILURES=23
LOCKED_UNTIL=24 PID=25

# hdr TYPE REQID NATTR
hdr() { hex 01 "$(printf '%02x' "$1")"; u32 "$2"; u16 "$3"; }
# s TAG VALUE / n TAG NUMBER
s() { u16 "$1"; u16 "$(printf %s "$2" | wc -c)"; printf %s "$2"; }
n() { u16 "$1"; u16 8; u64 "$2"; }

P=$dir/proto
{ hdr 0x10 1 0; } >"$P/ping"
{ hdr 0x01 2 7; s $USER alice; s $SYSTEM web01; s $SERVICE sshd
  s $RHOST 192.0.2.7; s $TTY ssh; s $CODE 123456; n $PID 4242; } >"$P/auth"
{ hdr 0x01 3 4; s $CODE 000000; s $SERVICE su; s $SYSTEM db-1
  s $USER bob; } >"$P/auth-min"
{ hdr 0x02 4 3; s $USER alice; s $SYSTEM web01; s $SERVICE sshd; } \
	>"$P/account"
{ hdr 0x03 5 4; s $USER alice; s $SYSTEM web01; s $SERVICE sshd
  s $TTY pts/3; } >"$P/session-open"
{ hdr 0x04 6 3; s $USER alice; s $SYSTEM web01; s $SERVICE sshd; } \
	>"$P/session-close"
{ hdr 0x40 7 2; s $USER carol; n $FORCE 1; } >"$P/enroll"
{ hdr 0x41 8 2; s $USER carol; s $CODE 654321; } >"$P/confirm"
{ hdr 0x42 9 1; s $USER dave; } >"$P/unlock"
{ hdr 0x43 10 1; s $USER dave; } >"$P/reset"
{ hdr 0x44 11 1; s $USER erin; } >"$P/status"
{ hdr 0x45 12 4; s $USER alice; s $SYSTEM web01; n $LIMIT 100
  n $SINCE 0; } >"$P/audit-list"
{ hdr 0x80 2 2; n $STATUS 0; s $REASON ok; } >"$P/result-allow"
{ hdr 0x80 3 3; n $STATUS 1; s $REASON bad-code
  s $MESSAGE "code does not match"; } >"$P/result-deny"
{ hdr 0x80 7 4; n $STATUS 0; s $REASON ok; s $USER carol
  s $URI "otpauth://totp/authd:carol?secret=JBSWY3DPEHPK3PXP&issuer=authd"
} >"$P/result-enroll"
{ hdr 0x80 11 6; n $STATUS 0; s $REASON ok; s $USER erin; s $STATE active
  n $FAILURES 3; n $LOCKED_UNTIL 1700000000000; } >"$P/result-status"
{ hdr 0x80 12 3; n $STATUS 0; s $REASON ok; n $SEQ 42; } \
	>"$P/result-audit"
{ hdr 0x81 12 14; n $SEQ 41; n $TIME 1700000000123; s $EVENT auth
  s $ACTOR pam; s $USER alice; s $SYSTEM web01; s $SERVICE sshd
  s $RHOST 192.0.2.7; s $TTY ssh; s $DECISION deny; s $REASON replay
  n $REQID 2; s $NODE authd-1; s $DETAIL "step 56666666"; } \
	>"$P/audit-row"

C=$dir/conf
cat >"$C/full" <<'CONF'
# SPDX-License-Identifier: BSD-2-Clause
# every keyword once
Name "a name with \"quotes\" and \\ and # inside"
Opt plain
Dir /var/lib/authd
Count 100
Big -9223372036854775808
Flag yes
Item one "two words" ""
Item 1 2 3 4 5 6 7
CONF
cat >"$C/minimal" <<'CONF'
# SPDX-License-Identifier: BSD-2-Clause
Count 1
CONF
printf '# SPDX-License-Identifier: BSD-2-Clause\n\n\t# comment\n   \nFlag no\nBig 9223372036854775807' \
	>"$C/no-newline"

U=$dir/util
{ u64 0; u64 100; hex 10; printf 42; } >"$U/small"
{ hex 80 00 00 00 00 00 00 00 7f ff ff ff ff ff ff ff 20
  printf -- -9223372036854775808; } >"$U/llong-min"
{ u64 0; u64 0; hex 00; printf 'al\\ice\033[0m'; } >"$U/escape"

K=$dir/keeper
# ks VALUE: a string field (u8 length + bytes).
ks() { hex "$(printf '%02x' "$(printf %s "$1" | wc -c)")"; printf %s "$1"; }
hash32() { for _ in 1 2 3 4; do hex 01 23 45 67 89 ab cd ef; done; }
hex 01 >"$K/pubkey"
{ hex 02; ks anna; } >"$K/enroll"
{ hex 03; ks anna; hex 31; hex 01; for _ in 1 2 3 4 5 6; do hex 00 11 22 33 44 55 66 77; done
  ks 123456; } >"$K/verify"
{ hex 04; ks 123456; } >"$K/dummy"
{ hex 05; u64 4242; u64 1700000000000; hash32; } >"$K/sign"
{ hex 04; ks ""; } >"$K/dummy-empty"
hex 06 >"$K/unknown"
