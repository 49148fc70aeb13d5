/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The nodes that share the store: see nodes.h.  One thread per node
 * beats; everything it writes goes through the writer, like any change.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authd.h"
#include "authd_err.h"
#include "config.h"
#include "log.h"
#include "nodes.h"
#include "req.h"
#include "sock.h"
#include "util.h"
#include "writer.h"

#define NODES_VERSION	"0.1.0"

struct nodes {
	struct authd	*ad;
	pthread_t	 th;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	int		 stop;
	int64_t		 started_ms;
	char		 differs[256];	/* under mtx: "" when all agree */
};

/* A node is live when it beat within this many heartbeats. */
#define NODES_LIVE_BEATS	3

struct beat {
	struct nodes	*n;
	char		 policy[17];
	int64_t		 now;
	char		 differs[256];
	size_t		 live;
};

static int
compare_cb(const struct store_node *o, void *arg)
{
	struct beat *b = arg;
	const struct config *cfg = b->n->ad->cfg;
	size_t l;

	if (strcmp(o->node, cfg->node_name) == 0 || b->now - o->seen_ms >
	    NODES_LIVE_BEATS * cfg->node_heartbeat * 1000)
		return 0;
	b->live++;
	if (strcmp(o->policy, b->policy) != 0 && (l = strlen(b->differs)) <
	    sizeof(b->differs) - 1)
		snprintf(b->differs + l, sizeof(b->differs) - l, "%s%.60s has "
		    "%.16s", l ? ", " : "", o->node, o->policy);
	return 0;
}

static int
beat_job(struct wtx *tx, void *arg)
{
	struct beat *b = arg;
	struct store_node me;
	uint8_t hash[CHAIN_HASH_LEN];
	int64_t head;
	int r;

	if ((r = store_audit_head(tx->st, &head, hash)) != 0)
		return r;
	memset(&me, 0, sizeof(me));
	me.node = b->n->ad->cfg->node_name;
	me.started_ms = b->n->started_ms;
	me.seen_ms = b->now;
	me.head_seq = head;
	me.policy = b->policy;
	me.version = NODES_VERSION;
	if ((r = store_node_beat(tx->st, &me)) != 0)
		return r;
	return store_node_list(tx->st, compare_cb, b);
}

static void
beat(struct nodes *n)
{
	struct beat b;

	memset(&b, 0, sizeof(b));
	b.n = n;
	b.now = wall_ms();
	pol_version(n->ad, b.policy);
	if (writer_run(n->ad->writer, beat_job, &b) != 0) {
		log_warn("nodes: heartbeat not recorded");
		return;
	}
	pthread_mutex_lock(&n->mtx);
	if (strcmp(b.differs, n->differs) != 0) {
		if (b.differs[0] != '\0')
			log_warn("nodes: policy version %s here, but %s: deploy "
			    "the same policy files to every node", b.policy,
			    b.differs);
		else
			log_notice("nodes: every live node has policy %s",
			    b.policy);
		memcpy(n->differs, b.differs, sizeof(n->differs));
	}
	pthread_mutex_unlock(&n->mtx);
}

static void *
nodes_main(void *arg)
{
	struct nodes *n = arg;
	struct timespec ts;

	pthread_mutex_lock(&n->mtx);
	while (!n->stop) {
		pthread_mutex_unlock(&n->mtx);
		beat(n);
		pthread_mutex_lock(&n->mtx);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += n->ad->cfg->node_heartbeat;
		while (!n->stop && pthread_cond_timedwait(&n->cv, &n->mtx,
		    &ts) == 0)
			;
	}
	pthread_mutex_unlock(&n->mtx);
	return NULL;
}

int
nodes_start(struct authd *ad, struct nodes **out)
{
	struct nodes *n;

	*out = NULL;
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return -1;
	n->ad = ad;
	n->started_ms = wall_ms();
	pthread_mutex_init(&n->mtx, NULL);
	pthread_cond_init(&n->cv, NULL);
	if (pthread_create(&n->th, NULL, nodes_main, n) != 0) {
		log_err("nodes: cannot start the heartbeat");
		free(n);
		return -1;
	}
	*out = n;
	return 0;
}

void
nodes_stop(struct nodes *n)
{
	if (n == NULL)
		return;
	pthread_mutex_lock(&n->mtx);
	n->stop = 1;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mtx);
	pthread_join(n->th, NULL);
	pthread_mutex_destroy(&n->mtx);
	pthread_cond_destroy(&n->cv);
	free(n);
}

const char *
nodes_policy_state(struct nodes *n, char *detail, size_t size)
{
	int same;

	pthread_mutex_lock(&n->mtx);
	same = n->differs[0] == '\0';
	snprintf(detail, size, "%s", same ? "on every live node" :
	    n->differs);
	pthread_mutex_unlock(&n->mtx);
	return same ? "same" : "differ";
}

static int
node_row(const struct store_node *o, void *arg)
{
	struct req *rq = arg;
	const struct config *cfg = rq->w->ad->cfg;
	struct proto_msg *m;
	char detail[128], since[32];
	int64_t now = wall_ms();
	time_t t = (time_t)(o->started_ms / 1000);
	struct tm tm;
	int r;

	if ((m = proto_new(PROTO_T_ROW, rq->m->reqid)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (gmtime_r(&t, &tm) == NULL || strftime(since, sizeof(since),
	    "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(since, sizeof(since), "?");
	snprintf(detail, sizeof(detail), "authd %.20s, started %s",
	    o->version, since);
	r = proto_add_str(m, PROTO_A_KIND, "node") ?:
	    proto_add_str(m, PROTO_A_NAME, o->node) ?:
	    proto_add_str(m, PROTO_A_STATE, now - o->seen_ms <=
	    NODES_LIVE_BEATS * cfg->node_heartbeat * 1000 ? "alive" :
	    "silent") ?:
	    proto_add_u64(m, PROTO_A_TIME, (uint64_t)o->seen_ms) ?:
	    proto_add_u64(m, PROTO_A_SEQ, (uint64_t)o->head_seq) ?:
	    proto_add_str(m, PROTO_A_POLICY, o->policy) ?:
	    proto_add_str(m, PROTO_A_DETAIL, detail);
	if (r == 0)
		r = sock_write_msg(rq->fd, m, rq->deadline);
	proto_free(m);
	return r;
}

int
nodes_handle(struct req *rq, struct proto_msg *reply)
{
	int r;

	if ((r = store_node_list(rq->w->st, node_row, rq)) != 0) {
		log_err("nodes: cannot list the nodes: %s", authd_strerror(r));
		return reply_set(reply, PROTO_S_ERROR, RSN_INTERNAL, "the "
		    "nodes could not be read");
	}
	return reply_set(reply, PROTO_S_ALLOW, RSN_OK, NULL);
}
