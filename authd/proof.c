/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The limits on proofs of identity (proof.h): two small tables, one keyed
 * by peer uid and one by named user, each slot a count of failures in the
 * current window and a block.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proof.h"
#include "util.h"

#define UID_SLOTS	256
#define USER_SLOTS	1024
#define SRC_SLOTS	1024

struct slot {
	int		 used;
	uid_t		 uid;
	char		 user[AUTHD_USER_MAX + 1];
	int64_t		 seen_ms;	/* last use: the oldest goes first */
	int64_t		 window_ms;	/* start of the counting window */
	int		 fails;
	int64_t		 blocked_until;
	int		 blocks;	/* blocks in a row: the next doubles */
};

static struct slot uids[UID_SLOTS];
static struct slot users[USER_SLOTS];
static struct slot srcs[SRC_SLOTS];	/* keyed by address, in `user` */
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;

/* The slot of `uid` or `user` (one of them is used), new if need be. */
static struct slot *
find(struct slot *t, size_t n, uid_t uid, const char *user, int64_t now)
{
	size_t i, victim = 0;

	for (i = 0; i < n; i++) {
		if (t[i].used && (user != NULL ? strcmp(t[i].user, user) == 0 :
		    t[i].uid == uid)) {
			t[i].seen_ms = now;
			return &t[i];
		}
		if (!t[i].used || (t[victim].used &&
		    t[i].seen_ms < t[victim].seen_ms))
			victim = i;
	}
	memset(&t[victim], 0, sizeof(t[victim]));
	t[victim].used = 1;
	t[victim].uid = uid;
	if (user != NULL)
		snprintf(t[victim].user, sizeof(t[victim].user), "%s", user);
	t[victim].seen_ms = t[victim].window_ms = now;
	return &t[victim];
}

static int64_t
wait_of(const struct slot *s, int64_t now)
{
	return s->blocked_until > now ? s->blocked_until - now : 0;
}

/* One more failure in `s`; blocks it when there are `max` in the window. */
static void
fail(struct slot *s, int max, int64_t now)
{
	int64_t d = PROOF_BLOCK_MS;
	int i;

	if (now - s->window_ms >= PROOF_WINDOW_MS) {
		s->window_ms = now;
		s->fails = 0;
		if (s->blocked_until <= now - PROOF_WINDOW_MS)
			s->blocks = 0;
	}
	if (++s->fails < max)
		return;
	for (i = 0; i < s->blocks && d < PROOF_BLOCK_MAX_MS; i++)
		d *= 2;
	s->blocked_until = now + (d < PROOF_BLOCK_MAX_MS ? d :
	    PROOF_BLOCK_MAX_MS);
	s->blocks++;
	s->fails = 0;
	s->window_ms = now;
}

int64_t
proof_admit(uid_t uid, const char *user, int64_t now_ms)
{
	int64_t w = 0, wu;

	pthread_mutex_lock(&mtx);
	if (uid != 0)
		w = wait_of(find(uids, UID_SLOTS, uid, NULL, now_ms), now_ms);
	wu = wait_of(find(users, USER_SLOTS, 0, user, now_ms), now_ms);
	pthread_mutex_unlock(&mtx);
	return w > wu ? w : wu;
}

void
proof_done(uid_t uid, const char *user, int ok, int64_t now_ms)
{
	struct slot *su;

	pthread_mutex_lock(&mtx);
	/*
	 * A success forgives nothing: proving oneself between guesses in
	 * someone else's name must not reset the count of those guesses.
	 */
	if (!ok) {
		su = find(users, USER_SLOTS, 0, user, now_ms);
		fail(su, PROOF_USER_FAILS, now_ms);
		if (uid != 0)
			fail(find(uids, UID_SLOTS, uid, NULL, now_ms),
			    PROOF_UID_FAILS, now_ms);
	}
	pthread_mutex_unlock(&mtx);
}

int64_t
proof_admit_src(const char *src, const char *user, int64_t now_ms)
{
	int64_t w, wu;

	pthread_mutex_lock(&mtx);
	w = wait_of(find(srcs, SRC_SLOTS, 0, src, now_ms), now_ms);
	wu = wait_of(find(users, USER_SLOTS, 0, user, now_ms), now_ms);
	pthread_mutex_unlock(&mtx);
	return w > wu ? w : wu;
}

void
proof_done_src(const char *src, const char *user, int ok, int64_t now_ms)
{
	pthread_mutex_lock(&mtx);
	if (!ok) {
		fail(find(users, USER_SLOTS, 0, user, now_ms),
		    PROOF_USER_FAILS, now_ms);
		fail(find(srcs, SRC_SLOTS, 0, src, now_ms), PROOF_UID_FAILS,
		    now_ms);
	}
	pthread_mutex_unlock(&mtx);
}

void
proof_reset(void)
{
	pthread_mutex_lock(&mtx);
	memset(uids, 0, sizeof(uids));
	memset(users, 0, sizeof(users));
	memset(srcs, 0, sizeof(srcs));
	pthread_mutex_unlock(&mtx);
}

void
proof_floor(int64_t start)
{
	int64_t left = start + PROOF_FLOOR_MS - mono_ms();
	struct timespec ts;

	if (left <= 0)
		return;
	will_block();
	ts.tv_sec = (time_t)(left / 1000);
	ts.tv_nsec = (long)(left % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
