/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Session records: nothing to decide, only to write down; the reply
 * follows the commit.
 */
#include <stdlib.h>

#include "authd.h"
#include "authd_err.h"
#include "writer.h"

struct session_rec {
	struct req	*rq;
	const char	*event;
};

static int
session_job(struct wtx *tx, void *arg)
{
	struct session_rec *s = arg;

	return req_audit(tx, s->rq, s->event, "ok", RSN_OK, NULL, NULL);
}

static void
session_finish(void *arg, int result)
{
	struct session_rec *s = arg;
	struct req *rq = s->rq;

	free(s);
	req_finish(rq, result != 0 ? reply_set(rq->reply, PROTO_S_ERROR,
	    RSN_INTERNAL, "audit write failed") : reply_set(rq->reply,
	    PROTO_S_ALLOW, RSN_OK, NULL));
}

static int
session_record(struct req *rq, const char *event)
{
	struct session_rec *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return AUTHD_ERR_NOMEM;
	s->rq = rq;
	s->event = event;
	return req_defer(rq, session_job, session_finish, s);
}

int
session_open_handle(struct req *rq, struct proto_msg *reply)
{
	(void)reply;	/* rq->reply */
	return session_record(rq, "session-open");
}

int
session_close_handle(struct req *rq, struct proto_msg *reply)
{
	(void)reply;
	return session_record(rq, "session-close");
}
