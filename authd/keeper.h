/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_KEEPER_H
#define AUTHD_KEEPER_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "chain.h"

/*
 * The key keeper: the seal key (every TOTP seed) and the audit signing key
 * live only in a small process of their own, forked at start before authd
 * reads any other secret, binds its sockets or starts a thread.  As root
 * the keeper opens its keys as `keeper_user`, chroots to an empty
 * directory that no longer exists, and drops to that user for good; it
 * sets no-new-privs, is not dumpable, has no core file, keeps its keys in
 * locked memory (lib/secmem.h), closes every descriptor but its
 * socketpairs and, in builds without sanitizers, allows itself only the
 * system calls its loop makes (seccomp).  It answers the fixed message
 * set of keeper_msg.h and nothing else.
 *
 * authd talks to it over one socketpair (SOCK_SEQPACKET) per concurrent
 * caller: a call takes a free pair, sends one request, waits for its one
 * reply and gives the pair back, so that workers never wait for each
 * other's round trips (keeper_start makes `channels` of them; a caller
 * finding none free waits for one).  One more pair is never used for
 * requests: it tells authd's main thread the moment the keeper is gone
 * (keeper_watch_fd).  A keeper that died, or did not answer within
 * KEEPER_TIMEOUT_MS, is gone for good: every call fails from then on and
 * authd stops (server.c), saying why; it never runs without it.
 */

#define KEEPER_TIMEOUT_MS	5000

struct keeper;
struct config;

/*
 * Forks the keeper for configuration `c` with `channels` socketpairs and
 * waits until it answers (its keys are open).  Call before anything
 * secret is read and before any thread starts.  0 and *out (stop with
 * keeper_stop), or an AUTHD_ERR_* after logging why (the keeper's own log
 * lines say what it could not do).
 */
int keeper_start(const struct config *c, int channels, struct keeper **out);

/*
 * Closes the channels, which ends the keeper, waits a moment for it and
 * logs how it ended; frees `kp`.  Accepts NULL.
 */
void keeper_stop(struct keeper *kp);

/*
 * A descriptor that becomes readable or hung up once the keeper is gone
 * (poll it; never read it).  -1 for NULL.
 */
int keeper_watch_fd(const struct keeper *kp);

/*
 * 1 once the keeper is known to be gone (its watch descriptor hung up, a
 * call saw it die or time out), after logging why once; else 0.
 */
int keeper_gone(struct keeper *kp);

/* The keeper's process id, and the audit signing key's id (16 hex). */
pid_t keeper_pid(const struct keeper *kp);
const char *keeper_key_id(const struct keeper *kp);

/*
 * A new token for `user`: the keeper generates the seed, seals it and
 * builds the otpauth:// URI.  0 with *sealed (malloc, not secret) and
 * *uri (the seed in base32: free with secure_free_str), else an
 * AUTHD_ERR_*.
 */
int keeper_enroll(struct keeper *kp, const char *user, uint8_t **sealed,
    size_t *sealed_len, char **uri);

/*
 * Checks `code` against `user`'s sealed seed at the keeper's time within
 * its window: 0 and the matching step in *step, AUTHD_ERR_NOT_FOUND for
 * no match, AUTHD_ERR_CRYPTO when the seed does not open (modified,
 * sealed for someone else or under another key), another AUTHD_ERR_*
 * when the keeper is gone.
 */
int keeper_verify(struct keeper *kp, const char *user, const uint8_t *sealed,
    size_t sealed_len, const char *code, int64_t *step);

/*
 * The same work for a user who cannot pass (no token, unknown, locked):
 * the answer's timing does not tell them apart.  0 once done, or an
 * AUTHD_ERR_* when the keeper is gone.
 */
int keeper_dummy(struct keeper *kp, const char *code);

/*
 * Signs cp->seq, cp->time_ms, cp->hash and the configured node name
 * (copied into cp->node); fills cp->sig and cp->key_id.  0 or AUTHD_ERR_*.
 */
int keeper_sign(struct keeper *kp, struct chain_checkpoint *cp);

/*
 * One raw round trip (tests): sends `len` bytes, receives the reply into
 * `rep` (KEEPER_MSG_MAX bytes) and sets *replen.  0 or AUTHD_ERR_*.
 */
int keeper_call(struct keeper *kp, const uint8_t *req, size_t len,
    uint8_t *rep, size_t *replen);

/*
 * The keeper process (keeper_proc.c), in the child keeper_start forked:
 * `fds` its ends of the channels, `watch` its end of the watch pair.
 * Never returns.
 */
void keeper_main(const struct config *c, const int *fds, int nfds, int watch)
    __attribute__((noreturn));

#endif
