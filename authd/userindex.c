/* SPDX-License-Identifier: BSD-2-Clause */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "store.h"
#include "userindex.h"
#include "util.h"

/* Records copied per transaction: short, so readers see progress. */
#define UX_CHUNK	20000

struct uindex {
	struct store	*st;
	pthread_t	 th;
	int		 started;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	int		 stopping;
	int		 failing;	/* the last round failed */
	int64_t		 logged_ms;	/* when a failure was last logged */
};

/* Logs why a round failed, once a minute at most (it runs every second). */
static int
failed(struct uindex *u)
{
	if (!u->failing || mono_ms() - u->logged_ms >= 60000) {
		log_err("user index: %s; queries by user scan the records it "
		    "has not reached", store_errmsg(u->st));
		u->logged_ms = mono_ms();
	}
	u->failing = 1;
	return AUTHD_ERR_DB;
}

/* Indexes one chunk; *more when records remain. */
static int
index_chunk(struct uindex *u, int *more)
{
	int64_t upto, head, to;

	*more = 0;
	if (store_byuser_positions(u->st, &upto, &head) != 0)
		return failed(u);
	if (upto > head) {
		log_notice("user index: ahead of the audit trail (%lld > %lld);"
		    " rebuilding it", (long long)upto, (long long)head);
		if (store_byuser_reset(u->st) != 0)
			return failed(u);
		upto = 0;
	}
	if (upto == head)
		return 0;
	to = head - upto > UX_CHUNK ? upto + UX_CHUNK : head;
	if (store_byuser_add(u->st, upto, to) != 0)
		return failed(u);
	*more = to < head;
	return 0;
}

static void *
uindex_main(void *arg)
{
	struct uindex *u = arg;
	struct timespec ts;
	int more;

	pthread_mutex_lock(&u->mtx);
	while (!u->stopping) {
		pthread_mutex_unlock(&u->mtx);
		do {
			/* A failure is logged; the next round tries again. */
			if (index_chunk(u, &more) != 0)
				more = 0;
			else if (u->failing) {
				log_notice("user index: working again");
				u->failing = 0;
			}
			pthread_mutex_lock(&u->mtx);
			if (u->stopping)
				more = 0;
			pthread_mutex_unlock(&u->mtx);
		} while (more);
		pthread_mutex_lock(&u->mtx);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec++;
		if (!u->stopping)
			(void)pthread_cond_timedwait(&u->cv, &u->mtx, &ts);
	}
	pthread_mutex_unlock(&u->mtx);
	return NULL;
}

int
uindex_start(struct authd *ad, struct uindex **out)
{
	struct store_params sp;
	struct uindex *u;
	int r;

	*out = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return AUTHD_ERR_NOMEM;
	pthread_mutex_init(&u->mtx, NULL);
	pthread_cond_init(&u->cv, NULL);
	store_params(ad->cfg, ad->dbpw, &sp);
	if ((r = store_open(&sp, 0, &u->st)) != 0 ||
	    (r = store_attach_byuser(u->st, ad->cfg->database, 1)) != 0)
		goto fail;
	if (pthread_create(&u->th, NULL, uindex_main, u) != 0) {
		r = AUTHD_ERR_SYSTEM;
		goto fail;
	}
	u->started = 1;
	*out = u;
	return 0;
 fail:
	uindex_stop(u);
	return r;
}

void
uindex_stop(struct uindex *u)
{
	if (u == NULL)
		return;
	if (u->started) {
		pthread_mutex_lock(&u->mtx);
		u->stopping = 1;
		pthread_cond_signal(&u->cv);
		pthread_mutex_unlock(&u->mtx);
		pthread_join(u->th, NULL);
	}
	store_close(u->st);
	pthread_mutex_destroy(&u->mtx);
	pthread_cond_destroy(&u->cv);
	free(u);
}
