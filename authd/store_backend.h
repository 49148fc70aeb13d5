/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_STORE_BACKEND_H
#define AUTHD_STORE_BACKEND_H

#include "store.h"

/*
 * What a back end of the store implements: one table of operations,
 * chosen at store_open, each with the contract of the store_* function
 * of the same name in store.h (the front, store.c, clears the
 * out-parameters before it calls them).  Only store.c and the back ends'
 * own files include this header.
 *
 * A handle begins with struct store; the back end allocates its own
 * handle with it as the first member and casts back.
 */

struct store_ops {
	const char	*name;
	/*
	 * The prefix of the `database` settings this back end serves
	 * ("postgresql://"), or NULL for the default, a file name.
	 */
	const char	*prefix;

	int	(*open)(const struct store_params *, int migrate,
		    struct store **out);
	/* May be NULL: nothing to check before opening. */
	int	(*check)(const struct store_params *);
	void	(*close)(struct store *);
	/* May be NULL, with the byuser_* below: no index by user. */
	int	(*attach_byuser)(struct store *, const char *database,
		    int create);
	const char *(*errmsg)(struct store *);

	int	(*begin)(struct store *);
	int	(*savepoint)(struct store *);
	int	(*savepoint_undo)(struct store *);
	int	(*savepoint_release)(struct store *);
	int	(*commit)(struct store *);
	void	(*rollback)(struct store *);
	/* Both may be NULL: no write-ahead log to look after. */
	void	(*on_commit)(struct store *, void (*)(void *, int), void *);
	int	(*checkpoint)(struct store *, int *, int *);

	int	(*token_get)(struct store *, const char *, struct token *);
	int	(*token_put)(struct store *, const char *,
		    const struct token *);
	int	(*token_update)(struct store *, const char *, const char *,
		    int64_t);
	int	(*token_delete)(struct store *, const char *);
	int	(*lockout_get)(struct store *, const char *,
		    struct lockout *);
	int	(*lockout_put)(struct store *, const char *,
		    const struct lockout *);
	int	(*lockout_clear)(struct store *, const char *);

	int	(*audit_append)(struct store *, const struct audit_rec *,
		    const uint8_t *);
	int	(*audit_checkpoint_put)(struct store *,
		    const struct chain_checkpoint *);
	int	(*audit_base_set)(struct store *, int64_t, const uint8_t *);
	int	(*audit_head)(struct store *, int64_t *, uint8_t *);
	int	(*audit_last_checkpoint)(struct store *, int64_t *,
		    int64_t *);
	int	(*audit_list)(struct store *, const struct audit_filter *,
		    int (*)(const struct audit_rec *, void *), void *);
	int	(*audit_get)(struct store *, int64_t,
		    int (*)(const struct audit_rec *, void *), void *);
	int	(*audit_cut)(struct store *, int64_t, int64_t *, uint8_t *,
		    int64_t *);
	int	(*audit_prune)(struct store *, int64_t, int64_t *);
	int	(*last_login)(struct store *, const char *, const char *,
		    int64_t *);
	int	(*byuser_positions)(struct store *, int64_t *, int64_t *);
	int	(*byuser_reset)(struct store *);
	int	(*byuser_add)(struct store *, int64_t, int64_t);

	int	(*review_create)(struct store *, const struct store_review *,
		    const struct store_review_item *, size_t, int64_t *);
	int	(*review_list)(struct store *, const char *,
		    int (*)(const struct store_review *, void *), void *);
	int	(*review_get)(struct store *, int64_t,
		    int (*)(const struct store_review *, void *), void *);
	int	(*review_items)(struct store *, int64_t,
		    const struct store_item_filter *,
		    int (*)(const struct store_review_item *, void *),
		    void *);
	int	(*review_decide)(struct store *, int64_t, const char *,
		    const char *, const struct store_decision *);
	int	(*review_close)(struct store *, int64_t, int64_t,
		    const char *, const char *, int64_t, const uint8_t *);
	int	(*review_remediation)(struct store *, int64_t, const char *,
		    const char *, const char *);

	int	(*revocation_add)(struct store *,
		    const struct store_revocation *);
	int	(*revocation_find)(struct store *, const char *,
		    const char *, const char *, int64_t *);
	int	(*revocation_list)(struct store *, const char *,
		    const char *,
		    int (*)(const struct store_revocation *, void *), void *);
	int	(*revocation_lift)(struct store *, const char *,
		    const char *, const char *, int64_t, const char *,
		    const char *, int64_t *);

	int	(*node_beat)(struct store *, const struct store_node *);
	int	(*node_list)(struct store *,
		    int (*)(const struct store_node *, void *), void *);
};

/*
 * A campaign's columns as both back ends read them (table alias r): the
 * fields of struct store_review in order, the head's hash last.
 */
#define STORE_REVIEW_COLUMNS	"r.id, r.system, r.owner, r.description, " \
				"r.class, r.policy, r.started_ms, " \
				"r.started_by, r.due_ms, r.inactive_days, " \
				"COALESCE(r.closed_ms, 0), r.closed_by, " \
				"r.close_default, COALESCE(r.head_seq, 0), " \
				"r.head_hash"
#define STORE_REVIEW_NCOLUMNS	15

struct store {
	const struct store_ops	*ops;
};

/* The back ends. */
extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

#endif
