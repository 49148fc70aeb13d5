/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * authd-web's requests to authd (review.h).  The same request types as
 * `authctl review`, on authd's web socket: the person is the one authd
 * tied to the session's tag at sign-in, so no password and no code is
 * sent after the sign-in, and none is kept here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "authd_err.h"
#include "log.h"
#include "proto.h"
#include "review.h"
#include "sock.h"
#include "util.h"

/* A request over authd's budget for authd-web is tried again. */
#define BUSY_TRIES	20
#define BUSY_WAIT_MS	100

struct proto_msg *
rv_request(const struct rv_conn *k, uint8_t type)
{
	struct proto_msg *q;
	uint32_t reqid;

	if (RAND_bytes((unsigned char *)&reqid, sizeof(reqid)) != 1 ||
	    (q = proto_new(type, reqid | 1)) == NULL)
		return NULL;
	if (proto_add_str(q, PROTO_A_RHOST, k->src) != 0 ||
	    proto_add_str(q, PROTO_A_SESSION, k->tag) != 0) {
		proto_free(q);
		return NULL;
	}
	return q;
}

int
rv_call(const struct rv_conn *k, struct proto_msg *q,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct rv_answer *ans, struct proto_msg **reply)
{
	struct proto_msg *a = NULL;
	struct timespec ts = { 0, BUSY_WAIT_MS * 1000000L };
	int64_t deadline = mono_ms() + k->timeout;
	int fd = -1, r = -1, tries;

	memset(ans, 0, sizeof(*ans));
	ans->status = PROTO_S_ERROR;
	for (tries = 0; tries < BUSY_TRIES; tries++) {
		if (q == NULL || sock_connect(k->socket, deadline, &fd) != 0) {
			log_err("cannot reach authd at %s", k->socket);
			goto out;
		}
		if ((r = sock_call(fd, q, deadline, row_cb, arg, &a)) != 0) {
			log_err("authd: %s", authd_strerror(r));
			r = -1;
			goto out;
		}
		close(fd);
		fd = -1;
		/* Refused before it was looked at: nothing happened. */
		if (strcmp(proto_str(a, PROTO_A_REASON, ""), "busy") != 0 ||
		    mono_ms() + BUSY_WAIT_MS >= deadline)
			break;
		proto_free(a);
		a = NULL;
		nanosleep(&ts, NULL);
	}
	if (a == NULL || proto_get_u64(a, PROTO_A_STATUS, &ans->status) != 0) {
		r = -1;
		goto out;
	}
	snprintf(ans->reason, sizeof(ans->reason), "%s",
	    proto_str(a, PROTO_A_REASON, ""));
	snprintf(ans->message, sizeof(ans->message), "%s",
	    proto_str(a, PROTO_A_MESSAGE, ""));
	if (reply != NULL) {
		*reply = a;
		a = NULL;
	}
	r = 0;
 out:
	if (fd >= 0)
		close(fd);
	proto_free(q);
	proto_free(a);
	return r;
}

/* Overdue first, then open, then closed; earlier due first. */
static int
state_rank(const char *s)
{
	return strcmp(s, "overdue") == 0 ? 0 : strcmp(s, "open") == 0 ? 1 : 2;
}

static int
campaign_cmp(const void *a, const void *b)
{
	const struct rv_campaign *x = a, *y = b;
	int rx = state_rank(x->state), ry = state_rank(y->state);

	if (rx != ry)
		return rx - ry;
	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
list_row(const struct proto_msg *m, void *arg)
{
	struct rv_list *l = arg;
	struct rv_campaign *c, *nc;

	if (l->n >= RV_CAMPAIGNS_MAX)
		return AUTHD_ERR_TOO_MANY;
	if ((nc = realloc(l->c, (l->n + 1) * sizeof(*nc))) == NULL)
		return AUTHD_ERR_NOMEM;
	l->c = nc;
	c = &l->c[l->n];
	memset(c, 0, sizeof(*c));
	if (proto_get_u64(m, PROTO_A_REVIEW, &c->id) != 0)
		return AUTHD_ERR_MISSING;
	(void)proto_get_u64(m, PROTO_A_TIME, &c->started);
	(void)proto_get_u64(m, PROTO_A_DUE, &c->due);
	(void)proto_get_u64(m, PROTO_A_CLOSED, &c->closed);
	(void)proto_get_u64(m, PROTO_A_COUNT, &c->count);
	(void)proto_get_u64(m, PROTO_A_DECIDED, &c->decided);
	snprintf(c->system, sizeof(c->system), "%s",
	    proto_str(m, PROTO_A_SYSTEM, ""));
	snprintf(c->owner, sizeof(c->owner), "%s",
	    proto_str(m, PROTO_A_OWNER, ""));
	snprintf(c->state, sizeof(c->state), "%s",
	    proto_str(m, PROTO_A_STATE, ""));
	l->n++;
	return 0;
}

int
rv_list(const struct rv_conn *k, const char *as, const char *password,
    const char *code, struct rv_list *out, struct rv_answer *ans)
{
	struct proto_msg *q = rv_request(k, PROTO_T_REVIEW_LIST);

	memset(out, 0, sizeof(*out));
	if (q != NULL && as != NULL &&
	    (proto_add_str(q, PROTO_A_AS, as) != 0 ||
	    proto_add_str(q, PROTO_A_PASSWORD, password) != 0 ||
	    proto_add_str(q, PROTO_A_CODE, code) != 0)) {
		proto_free(q);
		q = NULL;
	}
	if (q != NULL && proto_add_str(q, PROTO_A_STATE, "all") != 0) {
		proto_free(q);
		q = NULL;
	}
	if (rv_call(k, q, list_row, out, ans, NULL) != 0) {
		rv_list_free(out);
		return -1;
	}
	if (out->n > 1)
		qsort(out->c, out->n, sizeof(*out->c), campaign_cmp);
	return 0;
}

void
rv_list_free(struct rv_list *l)
{
	free(l->c);
	memset(l, 0, sizeof(*l));
}

static int
show_row(const struct proto_msg *m, void *arg)
{
	const char *why;

	return report_add_item(arg, m, &why);
}

int
rv_show(const struct rv_conn *k, uint64_t id, struct report *rep,
    struct rv_answer *ans)
{
	struct proto_msg *q = rv_request(k, PROTO_T_REVIEW_SHOW), *a = NULL;
	const char *why;
	int r;

	if (q != NULL && proto_add_u64(q, PROTO_A_REVIEW, id) != 0) {
		proto_free(q);
		q = NULL;
	}
	if (rv_call(k, q, show_row, rep, ans, &a) != 0)
		return -1;
	r = ans->status != PROTO_S_ALLOW ? 0 :
	    report_set_campaign(rep, a, &why) == 0 ? 0 : -1;
	proto_free(a);
	return r;
}

int
rv_decide(const struct rv_conn *k, uint64_t id, const char *user,
    const char *role, const char *decision, const char *comment,
    struct rv_answer *ans)
{
	struct proto_msg *q = rv_request(k, PROTO_T_REVIEW_DECIDE);

	if (q != NULL && (proto_add_u64(q, PROTO_A_REVIEW, id) != 0 ||
	    proto_add_str(q, PROTO_A_USER, user) != 0 ||
	    proto_add_str(q, PROTO_A_DECISION, decision) != 0 ||
	    (role != NULL && proto_add_str(q, PROTO_A_ROLE, role) != 0) ||
	    (comment != NULL && proto_add_str(q, PROTO_A_COMMENT,
	    comment) != 0))) {
		proto_free(q);
		q = NULL;
	}
	return rv_call(k, q, NULL, NULL, ans, NULL);
}

int
rv_close(const struct rv_conn *k, uint64_t id, const char *deflt,
    struct rv_answer *ans)
{
	struct proto_msg *q = rv_request(k, PROTO_T_REVIEW_CLOSE);

	if (q != NULL && (proto_add_u64(q, PROTO_A_REVIEW, id) != 0 ||
	    (deflt != NULL && proto_add_str(q, PROTO_A_DEFAULT, deflt) != 0))) {
		proto_free(q);
		q = NULL;
	}
	return rv_call(k, q, NULL, NULL, ans, NULL);
}
