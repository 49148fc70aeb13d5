/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The store's front: picks a back end at open and hands every operation
 * to its table (store_backend.h).  The SQL lives in the back ends' files
 * (store_sqlite*.c, store_pg*.c), never here and never in the callers.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "config.h"
#include "log.h"
#include "store_backend.h"

/* The default (NULL prefix) last. */
static const struct store_ops *const backends[] = {
	&store_pg_ops,
	&store_sqlite_ops,
};

#define NBACKENDS	(sizeof(backends) / sizeof(backends[0]))

static const struct store_ops *
backend_for(const char *database)
{
	const struct store_ops *dflt = NULL;
	size_t i;

	for (i = 0; i < NBACKENDS; i++) {
		if (backends[i]->prefix == NULL) {
			if (dflt == NULL)
				dflt = backends[i];
		} else if (strncmp(database, backends[i]->prefix,
		    strlen(backends[i]->prefix)) == 0)
			return backends[i];
	}
	return dflt;
}

/* The back end for `p`, or NULL after logging why. */
static const struct store_ops *
backend_of(const struct store_params *p)
{
	const struct store_ops *ops = NULL;

	if (p->database == NULL || (ops = backend_for(p->database)) == NULL)
		log_err("database: no store for %s", p->database != NULL ?
		    "that setting" : "(none)");
	return ops;
}

int
store_open(const struct store_params *p, int migrate, struct store **out)
{
	const struct store_ops *ops;
	int r;

	*out = NULL;
	if ((ops = backend_of(p)) == NULL)
		return AUTHD_ERR_DB;
	if ((r = ops->open(p, migrate, out)) != 0)
		return r;
	(*out)->ops = ops;
	return 0;
}

void
store_params(const struct config *c, const char *password,
    struct store_params *p)
{
	memset(p, 0, sizeof(*p));
	p->database = c->database;
	p->node = c->node_name;
	p->password = password;
	p->timeout_ms = (int)c->database_timeout * 1000;
}

int
store_check(const struct store_params *p)
{
	const struct store_ops *ops;

	if ((ops = backend_of(p)) == NULL)
		return AUTHD_ERR_DB;
	return ops->check != NULL ? ops->check(p) : 0;
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

int
store_attach_byuser(struct store *s, const char *database, int create)
{
	if (s->ops->attach_byuser == NULL)
		return 0;
	return s->ops->attach_byuser(s, database, create);
}

const char *
store_errmsg(struct store *s)
{
	const char *m = s->ops->errmsg(s);

	return m != NULL ? m : "unknown error";
}

int
store_begin(struct store *s)
{
	return s->ops->begin(s);
}

int
store_savepoint(struct store *s)
{
	return s->ops->savepoint(s);
}

int
store_savepoint_undo(struct store *s)
{
	return s->ops->savepoint_undo(s);
}

int
store_savepoint_release(struct store *s)
{
	return s->ops->savepoint_release(s);
}

int
store_commit(struct store *s)
{
	return s->ops->commit(s);
}

void
store_rollback(struct store *s)
{
	s->ops->rollback(s);
}

void
store_on_commit(struct store *s, void (*fn)(void *, int), void *arg)
{
	if (s->ops->on_commit != NULL)
		s->ops->on_commit(s, fn, arg);
}

int
store_checkpoint(struct store *s, int *log, int *done)
{
	*log = *done = 0;
	if (s->ops->checkpoint == NULL)
		return 0;
	return s->ops->checkpoint(s, log, done);
}

/* ---- tokens and lockout ---- */

int
store_token_get(struct store *s, const char *user, struct token *t)
{
	memset(t, 0, sizeof(*t));
	return s->ops->token_get(s, user, t);
}

int
store_token_put(struct store *s, const char *user, const struct token *t)
{
	return s->ops->token_put(s, user, t);
}

int
store_token_update(struct store *s, const char *user, const char *state,
    int64_t last_step)
{
	return s->ops->token_update(s, user, state, last_step);
}

int
store_token_delete(struct store *s, const char *user)
{
	return s->ops->token_delete(s, user);
}

void
token_clear(struct token *t)
{
	free(t->sealed);
	memset(t, 0, sizeof(*t));
}

const char *
store_token_state(struct store *s, const char *user)
{
	struct token t;
	const char *state = "none";

	if (store_token_get(s, user, &t) == 0)
		state = strcmp(t.state, "active") == 0 ? "active" : "pending";
	token_clear(&t);
	return state;
}

int
store_lockout_get(struct store *s, const char *user, struct lockout *l)
{
	memset(l, 0, sizeof(*l));
	return s->ops->lockout_get(s, user, l);
}

int
store_lockout_put(struct store *s, const char *user, const struct lockout *l)
{
	return s->ops->lockout_put(s, user, l);
}

int
store_lockout_clear(struct store *s, const char *user)
{
	return s->ops->lockout_clear(s, user);
}

/* ---- the audit trail ---- */

int
store_audit_append(struct store *s, const struct audit_rec *r,
    const uint8_t hash[CHAIN_HASH_LEN])
{
	return s->ops->audit_append(s, r, hash);
}

int
store_audit_checkpoint_put(struct store *s, const struct chain_checkpoint *cp)
{
	return s->ops->audit_checkpoint_put(s, cp);
}

int
store_audit_base_set(struct store *s, int64_t seq,
    const uint8_t hash[CHAIN_HASH_LEN])
{
	return s->ops->audit_base_set(s, seq, hash);
}

int
store_audit_head(struct store *s, int64_t *seq, uint8_t hash[CHAIN_HASH_LEN])
{
	*seq = 0;
	memset(hash, 0, CHAIN_HASH_LEN);
	return s->ops->audit_head(s, seq, hash);
}

int
store_audit_last_checkpoint(struct store *s, int64_t *seq, int64_t *time_ms)
{
	*seq = *time_ms = 0;
	return s->ops->audit_last_checkpoint(s, seq, time_ms);
}

int
store_audit_list(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
	return s->ops->audit_list(s, f, cb, arg);
}

int
store_audit_get(struct store *s, int64_t seq,
    int (*cb)(const struct audit_rec *, void *), void *arg)
{
	return s->ops->audit_get(s, seq, cb, arg);
}

int
store_audit_cut(struct store *s, int64_t before_ms, int64_t *cut,
    uint8_t hash[CHAIN_HASH_LEN], int64_t *count)
{
	*cut = *count = 0;
	return s->ops->audit_cut(s, before_ms, cut, hash, count);
}

int
store_audit_prune(struct store *s, int64_t cut, int64_t *count)
{
	*count = 0;
	return s->ops->audit_prune(s, cut, count);
}

int
store_last_login(struct store *s, const char *user, const char *system,
    int64_t *ms)
{
	*ms = 0;
	return s->ops->last_login(s, user, system, ms);
}

int
store_byuser_positions(struct store *s, int64_t *upto, int64_t *head)
{
	*upto = *head = 0;
	if (s->ops->byuser_positions == NULL)
		return 0;	/* nothing to index: it has reached the head */
	return s->ops->byuser_positions(s, upto, head);
}

int
store_byuser_reset(struct store *s)
{
	if (s->ops->byuser_reset == NULL)
		return 0;
	return s->ops->byuser_reset(s);
}

int
store_byuser_add(struct store *s, int64_t from, int64_t to)
{
	if (s->ops->byuser_add == NULL)
		return 0;
	return s->ops->byuser_add(s, from, to);
}

/* ---- access reviews ---- */

int
store_review_create(struct store *s, const struct store_review *r,
    const struct store_review_item *items, size_t n, int64_t *id)
{
	*id = 0;
	return s->ops->review_create(s, r, items, n, id);
}

int
store_review_list(struct store *s, const char *owner,
    int (*cb)(const struct store_review *, void *), void *arg)
{
	return s->ops->review_list(s, owner, cb, arg);
}

int
store_review_get(struct store *s, int64_t id,
    int (*cb)(const struct store_review *, void *), void *arg)
{
	return s->ops->review_get(s, id, cb, arg);
}

int
store_review_items(struct store *s, int64_t id,
    const struct store_item_filter *f,
    int (*cb)(const struct store_review_item *, void *), void *arg)
{
	static const struct store_item_filter all;

	return s->ops->review_items(s, id, f != NULL ? f : &all, cb, arg);
}

/* The strings of an item, where they are in it. */
static const size_t item_strings[] = {
	offsetof(struct store_review_item, user),
	offsetof(struct store_review_item, role),
	offsetof(struct store_review_item, path),
	offsetof(struct store_review_item, token),
	offsetof(struct store_review_item, account),
	offsetof(struct store_review_item, decision),
	offsetof(struct store_review_item, decided_by),
	offsetof(struct store_review_item, comment),
	offsetof(struct store_review_item, remediation),
};

#define ITEM_STR(it, i)	((const char **)((char *)(it) + item_strings[i]))
#define NITEM_STRINGS	(sizeof(item_strings) / sizeof(item_strings[0]))

/* Copies `it` into one block: the item, then its strings. */
static struct store_review_item *
item_dup(const struct store_review_item *it)
{
	struct store_review_item *c;
	const char *v;
	size_t i, len = 0;
	char *p;

	for (i = 0; i < NITEM_STRINGS; i++)
		if ((v = *ITEM_STR(it, i)) != NULL)
			len += strlen(v) + 1;
	if ((c = malloc(sizeof(*c) + len)) == NULL)
		return NULL;
	*c = *it;
	p = (char *)(c + 1);
	for (i = 0; i < NITEM_STRINGS; i++) {
		if ((v = *ITEM_STR(it, i)) == NULL)
			continue;
		len = strlen(v) + 1;
		memcpy(p, v, len);
		*ITEM_STR(c, i) = p;
		p += len;
	}
	return c;
}

static int
item_add(const struct store_review_item *it, void *arg)
{
	struct store_item_list *l = arg;
	struct store_review_item **v;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? 2 * l->cap : 64;
		if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL)
			return AUTHD_ERR_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n] = item_dup(it)) == NULL)
		return AUTHD_ERR_NOMEM;
	l->n++;
	return 0;
}

int
store_review_items_copy(struct store *s, int64_t id,
    const struct store_item_filter *f, struct store_item_list *l)
{
	memset(l, 0, sizeof(*l));
	return store_review_items(s, id, f, item_add, l);
}

void
store_item_list_free(struct store_item_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int
store_review_decide(struct store *s, int64_t id, const char *user,
    const char *role, const struct store_decision *d)
{
	return s->ops->review_decide(s, id, user, role, d);
}

int
store_review_close(struct store *s, int64_t id, int64_t when_ms,
    const char *by, const char *deflt, int64_t head_seq,
    const uint8_t head_hash[CHAIN_HASH_LEN])
{
	return s->ops->review_close(s, id, when_ms, by, deflt, head_seq,
	    head_hash);
}

int
store_review_remediation(struct store *s, int64_t id, const char *user,
    const char *role, const char *text)
{
	return s->ops->review_remediation(s, id, user, role, text);
}

/* ---- revocations ---- */

int
store_revocation_add(struct store *s, const struct store_revocation *r)
{
	return s->ops->revocation_add(s, r);
}

int
store_revocation_find(struct store *s, const char *system, const char *user,
    const char *role, int64_t *review_id)
{
	*review_id = 0;
	return s->ops->revocation_find(s, system, user, role, review_id);
}

int
store_revocation_list(struct store *s, const char *system, const char *owner,
    int (*cb)(const struct store_revocation *, void *), void *arg)
{
	return s->ops->revocation_list(s, system, owner, cb, arg);
}

int
store_revocation_lift(struct store *s, const char *system, const char *user,
    const char *role, int64_t when_ms, const char *by, const char *comment,
    int64_t *n)
{
	*n = 0;
	return s->ops->revocation_lift(s, system, user, role, when_ms, by,
	    comment, n);
}

int
store_node_beat(struct store *s, const struct store_node *n)
{
	return s->ops->node_beat(s, n);
}

int
store_node_list(struct store *s, int (*cb)(const struct store_node *,
    void *), void *arg)
{
	return s->ops->node_list(s, cb, arg);
}
