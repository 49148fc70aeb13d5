/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the PostgreSQL back end (authd/store_pg*.c) must do beyond the
 * checks every back end passes (test_authcore and test_reviewrule run on
 * it too, tests/core/pg.sh): one hash chain per node in the shared trail;
 * a user's token read inside a write transaction locked until the commit,
 * so that a second node reads what the first one wrote; every wait
 * bounded; a lost connection opened again; a password never taken from
 * the URI; and (mode "unconfirmed", with a synchronous standby that never
 * answers) a commit that was not confirmed failing.
 *
 * usage: test_store_pg [migrate | unconfirmed]; AUTHD_TEST_DATABASE is
 * the URI of an empty database, AUTHD_TEST_DATABASE_PASSWORD_FILE its
 * password.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "check.h"
#include "tmpstore.h"
#include "util.h"

static struct tmpstore t;	/* the URI's store, node "test-node" */

/* A handle of node `node` whose waits give up after `timeout_ms`. */
static struct store *
node_open(const char *node, int timeout_ms)
{
	struct store_params p = { 0 };
	struct store *st = NULL;

	p.database = getenv("AUTHD_TEST_DATABASE");
	p.node = node;
	p.password = t.password;
	p.timeout_ms = timeout_ms;
	CHECK_OK(store_open(&p, 0, &st));
	if (st == NULL)
		exit(check_done("test_store_pg"));
	return st;
}

/* Appends record `seq` of `node` (an account decision of `user`). */
static int
append(struct store *st, const char *node, int64_t seq, const char *user,
    const char *decision, int64_t time_ms)
{
	struct audit_rec r;
	uint8_t hash[CHAIN_HASH_LEN];
	int ret;

	memset(&r, 0, sizeof(r));
	memset(hash, (int)seq, sizeof(hash));
	r.seq = seq;
	r.time_ms = time_ms;
	r.node = node;
	r.event = "account";
	r.actor = "pam";
	r.user = user;
	r.system = "pilot";
	r.decision = decision;
	r.reason = "ok";
	if ((ret = store_begin(st)) != 0)
		return ret;
	if ((ret = store_audit_append(st, &r, hash)) != 0 ||
	    (ret = store_commit(st)) != 0)
		store_rollback(st);
	return ret;
}

struct seen {
	int	 n;
	int	 other;		/* records of another node */
	char	 node[32];
};

static int
count_rec(const struct audit_rec *r, void *arg)
{
	struct seen *s = arg;

	s->n++;
	if (strcmp(r->node, s->node) != 0)
		s->other++;
	return 0;
}

/* Two nodes, two chains in one trail. */
static void
test_chains(void)
{
	struct store *a = node_open("node-a", 5000);
	struct store *b = node_open("node-b", 5000);
	struct audit_filter f;
	struct chain_checkpoint cp;
	struct seen s;
	uint8_t hash[CHAIN_HASH_LEN];
	int64_t seq, ms, cut, n;

	CHECK_OK(append(a, "node-a", 1, "anna", "allow", 1000));
	CHECK_OK(append(a, "node-a", 2, "anna", "deny", 2000));
	CHECK_OK(append(b, "node-b", 1, "anna", "allow", 3000));
	/* A node's head is its own chain's. */
	CHECK_OK(store_audit_head(a, &seq, hash));
	CHECK_INT_EQ(seq, 2);
	CHECK_INT_EQ(hash[0], 2);
	CHECK_OK(store_audit_head(b, &seq, hash));
	CHECK_INT_EQ(seq, 1);
	CHECK_INT_EQ(hash[0], 1);
	/* The same seq twice in one chain (two authd with one name) fails. */
	CHECK_ERR(append(b, "node-b", 1, "anna", "allow", 3000),
	    AUTHD_ERR_DB);
	/* A record of another node is refused: it would break its chain. */
	CHECK_ERR(append(a, "node-b", 2, "anna", "allow", 3000),
	    AUTHD_ERR_DB);
	/* Listings and records by seq are of the node's chain. */
	memset(&f, 0, sizeof(f));
	f.limit = 100;
	memset(&s, 0, sizeof(s));
	snprintf(s.node, sizeof(s.node), "node-a");
	CHECK_OK(store_audit_list(a, &f, count_rec, &s));
	CHECK_INT_EQ(s.n, 2);
	CHECK_INT_EQ(s.other, 0);
	f.user = "anna";
	f.since_seq = 1;
	memset(&s, 0, sizeof(s));
	snprintf(s.node, sizeof(s.node), "node-b");
	CHECK_OK(store_audit_list(b, &f, count_rec, &s));
	CHECK_INT_EQ(s.n, 1);
	CHECK_INT_EQ(s.other, 0);
	CHECK_ERR(store_audit_get(b, 2, count_rec, &s), AUTHD_ERR_NOT_FOUND);
	/* A login on any node is the user's last. */
	CHECK_OK(store_last_login(a, "anna", "pilot", &ms));
	CHECK_INT_EQ(ms, 3000);
	/* Checkpoints per node. */
	memset(&cp, 0, sizeof(cp));
	cp.seq = 2;
	cp.time_ms = 5000;
	snprintf(cp.node, sizeof(cp.node), "node-a");
	snprintf(cp.key_id, sizeof(cp.key_id), "00");
	CHECK_OK(store_begin(a));
	CHECK_OK(store_audit_checkpoint_put(a, &cp));
	CHECK_OK(store_commit(a));
	CHECK_OK(store_audit_last_checkpoint(a, &seq, &ms));
	CHECK_INT_EQ(seq, 2);
	CHECK_OK(store_audit_last_checkpoint(b, &seq, &ms));
	CHECK_INT_EQ(seq, 0);
	/* A prune cuts the node's own records, and moves its own base. */
	CHECK_OK(store_begin(a));
	CHECK_OK(store_audit_cut(a, 2500, &cut, hash, &n));
	CHECK_INT_EQ(cut, 2);
	CHECK_INT_EQ(n, 2);
	CHECK_OK(store_audit_base_set(a, cut, hash));
	CHECK_OK(store_audit_prune(a, cut, &n));
	CHECK_INT_EQ(n, 2);
	CHECK_OK(store_commit(a));
	CHECK_OK(store_audit_head(a, &seq, hash));
	CHECK_INT_EQ(seq, 2);		/* from the base */
	CHECK_OK(store_audit_head(b, &seq, hash));
	CHECK_INT_EQ(seq, 1);
	store_close(a);
	store_close(b);
}

struct holder {
	struct store	*st;
	int		 hold_ms;
	int64_t		 step;
	volatile int	 locked;
	int		 result;
};

/* Reads the token to update it, holds it a while, writes, commits. */
static void *
hold_token(void *arg)
{
	struct holder *h = arg;
	struct token tok;

	if ((h->result = store_begin(h->st)) != 0)
		return NULL;
	h->result = store_token_get(h->st, "erik", &tok);
	token_clear(&tok);
	h->locked = 1;
	usleep((useconds_t)h->hold_ms * 1000);
	if (h->result == 0)
		h->result = store_token_update(h->st, "erik", "active",
		    h->step);
	if (h->result == 0)
		h->result = store_commit(h->st);
	else
		store_rollback(h->st);
	return NULL;
}

/* Starts hold_token on `h` and returns once it holds the token. */
static void
holder_start(struct holder *h, pthread_t *th)
{
	h->locked = 0;
	h->result = -1;
	CHECK_INT_EQ(pthread_create(th, NULL, hold_token, h), 0);
	while (!h->locked)
		usleep(1000);
}

/*
 * Two nodes check one user's code at once: the second's read waits for
 * the first's commit and sees the step it accepted.
 */
static void
test_lock(void)
{
	struct store *a = node_open("node-a", 5000);
	struct store *b = node_open("node-b", 5000);
	struct holder h = { b, 700, 4242, 0, -1 };
	struct token tok;
	uint8_t sealed[40];
	pthread_t th;
	int64_t t0;

	memset(sealed, 0x5a, sizeof(sealed));
	memset(&tok, 0, sizeof(tok));
	snprintf(tok.state, sizeof(tok.state), "active");
	tok.sealed = sealed;
	tok.sealed_len = sizeof(sealed);
	tok.last_step = 1;
	CHECK_OK(store_begin(a));
	CHECK_OK(store_token_put(a, "erik", &tok));
	CHECK_OK(store_commit(a));

	holder_start(&h, &th);
	t0 = mono_ms();
	CHECK_OK(store_begin(a));
	CHECK_OK(store_token_get(a, "erik", &tok));
	CHECK(mono_ms() - t0 >= 500);		/* it waited */
	CHECK_INT_EQ(tok.last_step, 4242);	/* and saw the update */
	CHECK_INT_EQ(tok.sealed_len, sizeof(sealed));
	CHECK(tok.sealed != NULL && memcmp(tok.sealed, sealed,
	    sizeof(sealed)) == 0);
	token_clear(&tok);
	CHECK_OK(store_commit(a));
	pthread_join(th, NULL);
	CHECK_OK(h.result);

	/* A worker's read (no write transaction) does not wait. */
	h.step = 4243;
	holder_start(&h, &th);
	t0 = mono_ms();
	CHECK_OK(store_token_get(a, "erik", &tok));
	CHECK(mono_ms() - t0 < 400);
	CHECK_INT_EQ(tok.last_step, 4242);
	token_clear(&tok);
	pthread_join(th, NULL);
	CHECK_OK(h.result);
	store_close(a);
	store_close(b);
}

/*
 * Another node's write transaction held longer than the timeout: this
 * node's writer gives up at its begin (one writer at a time over all
 * nodes), and the handle serves again.
 */
static void
test_timeout(void)
{
	struct store *a = node_open("node-a", 1000);
	struct store *b = node_open("node-b", 5000);
	struct holder h = { b, 2500, 4250, 0, -1 };
	struct token tok;
	struct lockout lo;
	pthread_t th;
	int64_t t0, took;

	holder_start(&h, &th);
	t0 = mono_ms();
	CHECK_ERR(store_begin(a), AUTHD_ERR_DB);
	took = mono_ms() - t0;
	CHECK(took >= 900 && took < 2000);
	/* Outside a write transaction a read does not wait for the lock. */
	t0 = mono_ms();
	CHECK_OK(store_token_get(a, "erik", &tok));
	CHECK(mono_ms() - t0 < 900);
	token_clear(&tok);
	/* The handle serves again after the rollback. */
	CHECK_OK(store_lockout_get(a, "erik", &lo));
	pthread_join(th, NULL);
	CHECK_OK(h.result);
	store_close(a);
	store_close(b);
}

/* The server drops the connections: the next read opens a new one. */
static void
test_reconnect(void)
{
	struct store *a = node_open("node-a", 5000);
	struct token tok;
	PGconn *c;
	PGresult *res;
	const char *kw[] = { "dbname", "password", "application_name", NULL };
	const char *val[] = { getenv("AUTHD_TEST_DATABASE"), t.password,
	    "test", NULL };

	CHECK_OK(store_token_get(a, "erik", &tok));
	token_clear(&tok);
	c = PQconnectdbParams(kw, val, 1);
	CHECK(PQstatus(c) == CONNECTION_OK);
	res = PQexec(c, "SELECT pg_terminate_backend(pid) FROM "
	    "pg_stat_activity WHERE application_name = 'authd' AND "
	    "datname = current_database()");
	CHECK(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) >= 1);
	PQclear(res);
	PQfinish(c);
	usleep(200 * 1000);
	CHECK_OK(store_token_get(a, "erik", &tok));
	CHECK_INT_EQ(tok.last_step, 4250);
	token_clear(&tok);
	/* And a write transaction begins on it. */
	CHECK_OK(store_begin(a));
	CHECK_OK(store_commit(a));
	store_close(a);
}

/* No password in the URI; a wrong password or server is an error. */
static void
test_refused(void)
{
	struct store_params p = { 0 };
	struct store *st = NULL;
	char uri[1024];
	const char *db = getenv("AUTHD_TEST_DATABASE");
	const char *at = strchr(db, '@');

	p.node = "node-a";
	p.timeout_ms = 2000;
	if (at != NULL) {
		snprintf(uri, sizeof(uri), "postgresql://authd:%s%s",
		    t.password, at);
		p.database = uri;
		CHECK_ERR(store_open(&p, 0, &st), AUTHD_ERR_DB);
		CHECK(st == NULL);
	}
	p.database = db;
	p.password = "not-the-password";
	CHECK_ERR(store_open(&p, 0, &st), AUTHD_ERR_DB);
	CHECK_ERR(store_check(&p), AUTHD_ERR_DB);
	p.password = t.password;
	CHECK_OK(store_check(&p));
	p.node = NULL;
	CHECK_ERR(store_open(&p, 0, &st), AUTHD_ERR_DB);
	/* A port nobody listens on: refused at once, not hanging. */
	p.node = "node-a";
	p.database = "postgresql://authd@127.0.0.1:1/authd";
	CHECK_ERR(store_open(&p, 0, &st), AUTHD_ERR_DB);
}

/*
 * With a synchronous standby named that never answers, a commit waits
 * until statement_timeout cancels the wait: the server keeps the
 * transaction and says so only in a WARNING.  The store must call that
 * a failure, within the timeout.
 */
static void
test_unconfirmed(void)
{
	struct store *a = node_open("node-a", 1000);
	struct token tok;
	uint8_t sealed[8] = { 1 };
	int64_t t0, took;

	memset(&tok, 0, sizeof(tok));
	snprintf(tok.state, sizeof(tok.state), "active");
	tok.sealed = sealed;
	tok.sealed_len = sizeof(sealed);
	t0 = mono_ms();
	CHECK_OK(store_begin(a));
	CHECK_OK(store_token_put(a, "sync", &tok));
	CHECK_ERR(store_commit(a), AUTHD_ERR_DB);
	took = mono_ms() - t0;
	CHECK(took >= 900 && took < 3000);
	store_rollback(a);
	/* It was kept here all the same: hence the writer reads its head
	 * again after a failed commit. */
	CHECK_OK(store_token_get(a, "sync", &tok));
	token_clear(&tok);
	store_close(a);
}

int
main(int argc, char **argv)
{
	if (getenv("AUTHD_TEST_DATABASE") == NULL) {
		fprintf(stderr, "test_store_pg: AUTHD_TEST_DATABASE is not "
		    "set\n");
		return 77;
	}
	/* The first open migrates, as authd's main does. */
	tmpstore_open(&t, "test_store_pg");
	if (argc > 1 && strcmp(argv[1], "unconfirmed") == 0)
		test_unconfirmed();
	else if (argc > 1 && strcmp(argv[1], "migrate") == 0)
		;
	else {
		test_refused();
		test_chains();
		test_lock();
		test_timeout();
		test_reconnect();
	}
	tmpstore_close(&t);
	return check_done("test_store_pg");
}
