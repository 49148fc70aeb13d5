/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_WEB_REVIEW_H
#define AUTHD_WEB_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "proto.h"
#include "report.h"

/*
 * authd-web's review requests (review.c): the review request types, sent
 * to authd's web socket with the web session's tag and the browser's
 * address.  authd decides who the session's person is, what they may see
 * and decide, and audits it; this side only carries the answers to the
 * pages.
 */

/* Where to ask, and for whom. */
struct rv_conn {
	const char	*socket;	/* authd's web socket */
	int64_t		 timeout;	/* ms for the whole answer */
	const char	*src;		/* the browser's address */
	const char	*tag;		/* the web session's tag */
};

/* authd's answer: PROTO_S_*, the reason code and its message. */
struct rv_answer {
	uint64_t	status;
	char		reason[64];
	char		message[512];
};

/* One campaign of a listing. */
struct rv_campaign {
	uint64_t	id, started, due, closed, count, decided;
	char		system[65];
	char		owner[257];
	char		state[16];	/* open, overdue, closed */
};

#define RV_CAMPAIGNS_MAX	1000

struct rv_list {
	struct rv_campaign	*c;
	size_t			 n;
};

/*
 * A new request of `type` that says who asks (the session's tag and the
 * source); NULL when out of memory.
 */
struct proto_msg *rv_request(const struct rv_conn *k, uint8_t type);
/*
 * Sends `q` (freed here; NULL fails) and reads the answer into *ans, the
 * rows to `row_cb`, the RESULT to *reply if not NULL.  A request refused
 * as over authd's budget for authd-web is sent again a little later.
 * 0, or -1 when authd could not be asked.
 */
int rv_call(const struct rv_conn *k, struct proto_msg *q,
    int (*row_cb)(const struct proto_msg *, void *), void *arg,
    struct rv_answer *ans, struct proto_msg **reply);

/*
 * Each returns 0 with *ans filled (authd may have refused: see its
 * status), or -1 when authd could not be asked or answered nonsense.
 */

/*
 * The campaigns the person may see, overdue first, then open, then
 * closed (by due time).  With `as`, `password` and `code`: the sign-in
 * (authd proves them and ties the person to the session's tag).
 */
int rv_list(const struct rv_conn *k, const char *as, const char *password,
    const char *code, struct rv_list *out, struct rv_answer *ans);
void rv_list_free(struct rv_list *l);
/* Campaign `id` with its items, into `rep` (report_init'ed). */
int rv_show(const struct rv_conn *k, uint64_t id, struct report *rep,
    struct rv_answer *ans);
/* keep / revoke `user` (`role` NULL: every role), `comment` may be NULL. */
int rv_decide(const struct rv_conn *k, uint64_t id, const char *user,
    const char *role, const char *decision, const char *comment,
    struct rv_answer *ans);
/* Closes campaign `id`; `deflt` "keep", "revoke" or NULL. */
int rv_close(const struct rv_conn *k, uint64_t id, const char *deflt,
    struct rv_answer *ans);

#endif
