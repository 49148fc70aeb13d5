/* SPDX-License-Identifier: BSD-2-Clause */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd.h"
#include "authd_err.h"
#include "budget.h"

#define KINDS		5	/* SOCK_PAM, SOCK_ADMIN, SOCK_REVIEW, (TLS), SOCK_WEB */
#define UID_BUCKETS	256	/* hash chains of the per-uid counts */
#define RATE_SLOTS	256	/* uids whose request buckets are kept */
#define MILLI		1000	/* a token, in the buckets' unit */

/* Connections one uid holds on one socket (only where that is capped). */
struct uidconn {
	struct uidconn	*next;
	uid_t		 uid;
	int		 kind;
	size_t		 n;
};

/* One uid's token bucket on one socket. */
struct rate_slot {
	uid_t		 uid;
	int		 kind;
	int		 used;
	int64_t		 last_ms;	/* last refill, and last seen */
	int64_t		 tokens;	/* in 1/MILLI tokens */
};

struct budget {
	pthread_mutex_t	 mtx;
	size_t		 share[KINDS];
	size_t		 reserve[KINDS];	/* of share: root's alone */
	size_t		 per_uid[KINDS];	/* 0: not capped */
	size_t		 n[KINDS];
	size_t		 refusing_max, refusing;
	long long	 rate[KINDS];		/* requests/s; 0: no limit */
	long long	 burst[KINDS];
	struct uidconn	*uids[UID_BUCKETS];
	struct rate_slot rates[RATE_SLOTS];
};

static size_t
scale(long long v, size_t total, long long max, size_t lo)
{
	size_t s = (size_t)v;

	if ((long long)total < max)
		s = (size_t)((unsigned long long)v * total /
		    (unsigned long long)max);
	return s < lo ? lo : s;
}

int
budget_new(const struct config *cfg, size_t total, struct budget **out)
{
	struct budget *b;
	size_t admin, review, web, root, taken;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return AUTHD_ERR_NOMEM;
	pthread_mutex_init(&b->mtx, NULL);
	/* The configuration keeps these within half of connections_max. */
	admin = scale(cfg->admin_connections, total, cfg->connections_max, 2);
	review = scale(cfg->review_connections, total, cfg->connections_max,
	    1);
	web = cfg->web_socket_path == NULL ? 0 : scale(cfg->web_connections,
	    total, cfg->connections_max, 1);
	root = scale(cfg->root_connections, total, cfg->connections_max, 1);
	if (root > admin / 2)
		root = admin / 2;
	b->refusing_max = total / 16;
	if (b->refusing_max > BUDGET_REFUSING_MAX)
		b->refusing_max = BUDGET_REFUSING_MAX;
	if (b->refusing_max < 1)
		b->refusing_max = 1;
	taken = admin + review + web + b->refusing_max;
	b->share[SOCK_PAM] = total > taken ? total - taken : 1;
	b->share[SOCK_ADMIN] = admin;
	b->share[SOCK_REVIEW] = review;
	b->share[SOCK_WEB] = web;
	b->reserve[SOCK_PAM] = root < b->share[SOCK_PAM] / 2 ? root :
	    b->share[SOCK_PAM] / 2;
	b->reserve[SOCK_ADMIN] = root;
	b->per_uid[SOCK_PAM] = (size_t)cfg->pam_connections_per_uid;
	b->per_uid[SOCK_REVIEW] = (size_t)cfg->review_connections_per_uid;
	b->rate[SOCK_PAM] = cfg->pam_request_rate;
	b->burst[SOCK_PAM] = cfg->pam_request_burst;
	b->rate[SOCK_REVIEW] = cfg->review_request_rate;
	b->burst[SOCK_REVIEW] = cfg->review_request_burst;
	/* One uid (web_user) carries every browser: its share is its cap. */
	b->rate[SOCK_WEB] = cfg->web_request_rate;
	b->burst[SOCK_WEB] = cfg->web_request_burst;
	*out = b;
	return 0;
}

void
budget_free(struct budget *b)
{
	struct uidconn *u, *next;
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < UID_BUCKETS; i++)
		for (u = b->uids[i]; u != NULL; u = next) {
			next = u->next;
			free(u);
		}
	pthread_mutex_destroy(&b->mtx);
	free(b);
}

size_t
budget_share(const struct budget *b, int kind, size_t *reserve)
{
	if (kind < 0 || kind >= KINDS) {
		if (reserve != NULL)
			*reserve = 0;
		return 0;
	}
	if (reserve != NULL)
		*reserve = b->reserve[kind];
	return b->share[kind];
}

static struct uidconn **
uid_find(struct budget *b, int kind, uid_t uid)
{
	struct uidconn **up;

	up = &b->uids[((size_t)uid * 2654435761u + (size_t)kind) % UID_BUCKETS];
	while (*up != NULL && ((*up)->uid != uid || (*up)->kind != kind))
		up = &(*up)->next;
	return up;
}

int
budget_conn_take(struct budget *b, int kind, uid_t uid)
{
	struct uidconn **up = NULL, *u;
	int ret = BUDGET_OK;

	if (kind < 0 || kind >= KINDS)
		return BUDGET_SOCKET_FULL;
	pthread_mutex_lock(&b->mtx);
	/*
	 * SECURITY NOTE: the last of a share are root's, so that members of
	 * admin_group or client_group who fill it still leave root a way in.
	 */
	if (b->n[kind] >= b->share[kind])
		ret = BUDGET_SOCKET_FULL;
	else if (uid != 0 && b->n[kind] >= b->share[kind] - b->reserve[kind])
		ret = BUDGET_RESERVED;
	else if (uid != 0 && b->per_uid[kind] > 0) {
		up = uid_find(b, kind, uid);
		if (*up == NULL) {
			if ((u = calloc(1, sizeof(*u))) == NULL)
				ret = BUDGET_NOMEM;
			else {
				u->uid = uid;
				u->kind = kind;
				*up = u;
			}
		}
		if (ret == BUDGET_OK && (*up)->n >= b->per_uid[kind])
			ret = BUDGET_UID_FULL;
		if (ret == BUDGET_OK)
			(*up)->n++;
	}
	if (ret == BUDGET_OK)
		b->n[kind]++;
	pthread_mutex_unlock(&b->mtx);
	return ret;
}

void
budget_conn_put(struct budget *b, int kind, uid_t uid)
{
	struct uidconn **up, *u;

	if (kind < 0 || kind >= KINDS)
		return;
	pthread_mutex_lock(&b->mtx);
	if (b->n[kind] > 0)
		b->n[kind]--;
	if (uid != 0 && b->per_uid[kind] > 0 &&
	    *(up = uid_find(b, kind, uid)) != NULL && --(*up)->n == 0) {
		u = *up;
		*up = u->next;
		free(u);
	}
	pthread_mutex_unlock(&b->mtx);
}

int
budget_refusal_take(struct budget *b)
{
	int ok;

	pthread_mutex_lock(&b->mtx);
	if ((ok = b->refusing < b->refusing_max))
		b->refusing++;
	pthread_mutex_unlock(&b->mtx);
	return ok;
}

void
budget_refusal_put(struct budget *b)
{
	pthread_mutex_lock(&b->mtx);
	if (b->refusing > 0)
		b->refusing--;
	pthread_mutex_unlock(&b->mtx);
}

int
budget_request(struct budget *b, int kind, uid_t uid, int64_t now_ms)
{
	struct rate_slot *s = NULL;
	int64_t full, dt;
	size_t i, old = 0;
	int ret;

	if (kind < 0 || kind >= KINDS || uid == 0 || b->rate[kind] == 0)
		return BUDGET_OK;
	full = b->burst[kind] * MILLI;
	pthread_mutex_lock(&b->mtx);
	for (i = 0; i < RATE_SLOTS; i++) {
		if (b->rates[i].used && b->rates[i].uid == uid &&
		    b->rates[i].kind == kind) {
			s = &b->rates[i];
			break;
		}
		if (!b->rates[i].used || (b->rates[old].used &&
		    b->rates[i].last_ms < b->rates[old].last_ms))
			old = i;
	}
	if (s == NULL) {
		/* New, or in the place of the uid seen least recently. */
		s = &b->rates[old];
		s->used = 1;
		s->uid = uid;
		s->kind = kind;
		s->last_ms = now_ms;
		s->tokens = full;
	}
	/* rate tokens a second is rate/MILLI tokens a millisecond. */
	dt = now_ms > s->last_ms ? now_ms - s->last_ms : 0;
	if (dt > full / b->rate[kind] + 1)
		dt = full / b->rate[kind] + 1;	/* full anyway; no overflow */
	s->tokens += dt * b->rate[kind];
	if (s->tokens > full)
		s->tokens = full;
	s->last_ms = now_ms > s->last_ms ? now_ms : s->last_ms;
	if (s->tokens >= MILLI) {
		s->tokens -= MILLI;
		ret = BUDGET_OK;
	} else
		ret = BUDGET_RATE;
	pthread_mutex_unlock(&b->mtx);
	return ret;
}

void
budget_describe(const struct budget *b, int kind, uid_t uid, int requests,
    char *buf, size_t size)
{
	size_t len;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (kind < 0 || kind >= KINDS)
		return;
	if (requests) {
		(void)snprintf(buf, size, "requests (%lld a second per uid, "
		    "bursts of %lld)", b->rate[kind], b->burst[kind]);
		return;
	}
	/* snprintf always leaves strlen(buf) < size. */
	(void)snprintf(buf, size, "connections (");
	if (uid != 0 && b->per_uid[kind] > 0) {
		len = strlen(buf);
		(void)snprintf(buf + len, size - len, "%zu per uid, ",
		    b->per_uid[kind]);
	}
	len = strlen(buf);
	(void)snprintf(buf + len, size - len, "%zu on this socket",
	    b->share[kind]);
	if (b->reserve[kind] > 0) {
		len = strlen(buf);
		(void)snprintf(buf + len, size - len, ", %zu of them root's "
		    "alone", b->reserve[kind]);
	}
	len = strlen(buf);
	(void)snprintf(buf + len, size - len, ")");
}
