/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_PROOF_H
#define AUTHD_PROOF_H

#include <sys/types.h>

#include <stdint.h>

/*
 * How often a local user may try to prove that they are a directory
 * user (the review socket's --as: password and code).  A proof is not a
 * login: it never counts toward the PAM lockout of the user it names, so
 * that nobody can lock anyone out by guessing in their name.  It is
 * limited instead, in memory:
 *   - per peer uid: PROOF_UID_FAILS failed proofs within PROOF_WINDOW_MS,
 *     then no proof from that uid for PROOF_BLOCK_MS (doubling with each
 *     block in a row, up to PROOF_BLOCK_MAX_MS);
 *   - per named user, over all uids: PROOF_USER_FAILS failed proofs
 *     within PROOF_WINDOW_MS, then no proof in that user's name for
 *     PROOF_BLOCK_MS (a spread-out guessing of one person's password).
 * Root is never limited per uid (it could stop authd anyway); the limit
 * per named user holds for root too.  Tables are bounded: the least
 * recently seen entries are forgotten first.  Any thread may call these.
 */
#define PROOF_WINDOW_MS		(15 * 60 * 1000)
#define PROOF_UID_FAILS		5
#define PROOF_USER_FAILS	20
#define PROOF_BLOCK_MS		(15 * 60 * 1000)
#define PROOF_BLOCK_MAX_MS	(24 * 60 * 60 * 1000)
/* Every proof is answered this long after it came, at the earliest. */
#define PROOF_FLOOR_MS		300

/*
 * 0 when `uid` may try a proof for `user` at `now_ms` (mono_ms()), else
 * how many ms it must wait.
 */
int64_t proof_admit(uid_t uid, const char *user, int64_t now_ms);
/* Counts the outcome of an admitted proof (`ok` 1: proved). */
void proof_done(uid_t uid, const char *user, int ok, int64_t now_ms);
/*
 * The same for proofs forwarded by authd-web: its uid carries every
 * browser, so the limit per uid is one per source address (`src`, as
 * authd-web saw it) instead, with PROOF_UID_FAILS, and the limit per
 * named user as above.  One attacker blocks their own address, not
 * everybody's web sign-in; nothing here touches the PAM lockout.
 */
int64_t proof_admit_src(const char *src, const char *user, int64_t now_ms);
void proof_done_src(const char *src, const char *user, int ok,
    int64_t now_ms);
/* Sleeps until PROOF_FLOOR_MS after `start` (mono_ms()). */
void proof_floor(int64_t start);
/* Forgets everything (for tests). */
void proof_reset(void);

#endif
