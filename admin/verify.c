/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "authctl.h"
#include "authd_err.h"
#include "chain.h"
#include "log.h"
#include "util.h"
#include "verify.h"
#include "verify_db.h"

/*
 * The verifier streams the trail in sequence order with one prepared
 * statement and keeps only what it found wrong, so a trail of any length
 * is checked in bounded memory.  Everything is read inside one read
 * transaction: authd may keep writing (the database is in WAL mode), and
 * the records, checkpoints and prune base checked are one consistent
 * snapshot.
 *
 * Each record's hash is recomputed from the *stored* hash of the record
 * before it, so a changed record shows at its own sequence number and not
 * at every record after it.  Rewriting the chain from some record on (new
 * content, recomputed hashes) passes that check by design: it is caught
 * by the signed checkpoints, in the database and outside it.
 */

#define VERIFY_FIND_MAX		100000	/* findings kept for the report */
#define VERIFY_MOVE_MAX		32	/* failing records examined for moves */
#define VERIFY_SLOT_MAX		64	/* missing seqs tried as move origins */
#define VERIFY_LINE_MAX		16384	/* longest line read from a file */
#define VERIFY_TEXT_MAX		512	/* a sanitised file name */
#define VERIFY_SD_ID		"[authd@32473"
#define VERIFY_SD_VALUE_MAX	128

#define VERIFY_COLUMNS	"seq, time_ms, node, event, actor, user, system, " \
			"service, rhost, tty, decision, reason, request_id, " \
			"detail, policy, role, rule, factors, hash"
#define VERIFY_COL_SEQ		0
#define VERIFY_COL_TIME		1
#define VERIFY_COL_REQID	12
#define VERIFY_COL_HASH		18

/* The text columns of VERIFY_COLUMNS and where each goes in chain_rec. */
static const struct verify_text {
	int		 col;
	const char	*name;
	size_t		 off;
} verify_text[] = {
	{ 2,	"node",		offsetof(struct chain_rec, node) },
	{ 3,	"event",	offsetof(struct chain_rec, event) },
	{ 4,	"actor",	offsetof(struct chain_rec, actor) },
	{ 5,	"user",		offsetof(struct chain_rec, user) },
	{ 6,	"system",	offsetof(struct chain_rec, system) },
	{ 7,	"service",	offsetof(struct chain_rec, service) },
	{ 8,	"rhost",	offsetof(struct chain_rec, rhost) },
	{ 9,	"tty",		offsetof(struct chain_rec, tty) },
	{ 10,	"decision",	offsetof(struct chain_rec, decision) },
	{ 11,	"reason",	offsetof(struct chain_rec, reason) },
	{ 13,	"detail",	offsetof(struct chain_rec, detail) },
	{ 14,	"policy",	offsetof(struct chain_rec, policy) },
	{ 15,	"role",		offsetof(struct chain_rec, role) },
	{ 16,	"rule",		offsetof(struct chain_rec, rule) },
	{ 17,	"factors",	offsetof(struct chain_rec, factors) },
};
#define VERIFY_NTEXT	(sizeof(verify_text) / sizeof(verify_text[0]))

enum verify_kind {
	VK_MODIFIED,	/* the hash does not match the content */
	VK_NOHASH,	/* no 32-byte hash stored */
	VK_TYPE,	/* a column holds a value of the wrong type */
	VK_NUL,		/* a text column holds a NUL byte */
	VK_BEFORE_BASE,	/* at or before the prune cut, yet still there */
	VK_UNCHECKED,	/* the record before has no usable hash */
};

/* A record that failed in the chain pass. */
struct verify_find {
	int64_t		 seq;
	int		 kind;
	const char	*col;		/* VK_TYPE, VK_NUL: the column */
	int		 after_gap;	/* the record before it is missing */
	int64_t		 moved_from;	/* > 0: it is the record of that seq */
	int		 explained;	/* fails only because another moved */
	uint8_t		 stored[CHAIN_HASH_LEN];
	uint8_t		 prev[CHAIN_HASH_LEN];	/* predecessor hash used */
};

/* Missing sequence numbers from..to. */
struct verify_gap {
	int64_t		 from;
	int64_t		 to;
	int		 prev_ok;
	uint8_t		 prev[CHAIN_HASH_LEN];	/* stored hash before it */
};

/* An owned copy of one record, for the reordering analysis. */
struct verify_copy {
	struct chain_rec r;
	char		*text[VERIFY_NTEXT];
	uint8_t		 stored[CHAIN_HASH_LEN];
	struct verify_find *find;
};

/* The highest sequence number vouched for beyond the trail's end. */
struct verify_beyond {
	int64_t		 seq;		/* 0 = none */
	uint8_t		 hash[CHAIN_HASH_LEN];
	int		 copy;		/* a syslog record copy */
	char		 where[VERIFY_TEXT_MAX + 32];	/* "FILE:LINE: " */
};

struct verify {
	const struct verify_opts *o;
	struct verify_db d;
	sqlite3_stmt	*get;		/* one record by seq */
	sqlite3_stmt	*get_hash;	/* one record's hash by seq */
	struct chain_key *key;

	int		 has_base;
	int		 base_ok;	/* base_hash is a 32-byte hash */
	int		 base_covered;	/* a valid checkpoint vouches for it */
	int64_t		 base_seq;
	uint8_t		 base_hash[CHAIN_HASH_LEN];

	int64_t		 last_seq;	/* highest seq in the trail (or base) */
	uint64_t	 nrecords;
	uint64_t	 ncheckpoints;
	uint64_t	 nproblems;

	struct verify_find *finds;
	size_t		 nfinds;
	size_t		 capfinds;
	struct verify_gap *gaps;
	size_t		 ngaps;
	size_t		 capgaps;
	uint64_t	 nlost;		/* findings past VERIFY_FIND_MAX */
	size_t		 nmoved;	/* findings with moved_from set */

	struct verify_beyond inside;	/* checkpoints in the database */
	struct verify_beyond outside_cp; /* external checkpoints */
	struct verify_beyond outside_copy; /* syslog record copies */
};

static void
verify_problem(struct verify *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
verify_problem(struct verify *v, const char *fmt, ...)
{
	va_list ap;

	v->nproblems++;
	va_start(ap, fmt);
	vfprintf(v->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->o->out);
}

static void
verify_note(struct verify *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A consequence of a problem already reported, or information. */
static void
verify_note(struct verify *v, const char *fmt, ...)
{
	va_list ap;

	fputs("note: ", v->o->out);
	va_start(ap, fmt);
	vfprintf(v->o->out, fmt, ap);
	va_end(ap);
	fputc('\n', v->o->out);
}

static int
verify_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly 2 * len lower-case hex digits into `out`.  0 or -1. */
static int
verify_unhex(const char *s, size_t slen, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	if (slen != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		if ((hi = verify_hexval(s[2 * i])) < 0 ||
		    (lo = verify_hexval(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Keeps a finding; past VERIFY_FIND_MAX only counts it.  NULL if not kept. */
static struct verify_find *
verify_add_find(struct verify *v, int64_t seq, int kind)
{
	struct verify_find *f;
	size_t cap;

	if (v->nfinds == v->capfinds) {
		if (v->capfinds == VERIFY_FIND_MAX) {
			v->nlost++;
			return NULL;
		}
		cap = v->capfinds == 0 ? 64 : v->capfinds * 2;
		if (cap > VERIFY_FIND_MAX)
			cap = VERIFY_FIND_MAX;
		if ((f = reallocarray(v->finds, cap, sizeof(*f))) == NULL) {
			v->nlost++;
			return NULL;
		}
		v->finds = f;
		v->capfinds = cap;
	}
	f = &v->finds[v->nfinds++];
	memset(f, 0, sizeof(*f));
	f->seq = seq;
	f->kind = kind;
	return f;
}

static void
verify_add_gap(struct verify *v, int64_t from, int64_t to, int prev_ok,
    const uint8_t *prev)
{
	struct verify_gap *g;
	size_t cap;

	if (v->ngaps == v->capgaps) {
		if (v->capgaps == VERIFY_FIND_MAX) {
			v->nlost++;
			return;
		}
		cap = v->capgaps == 0 ? 16 : v->capgaps * 2;
		if (cap > VERIFY_FIND_MAX)
			cap = VERIFY_FIND_MAX;
		if ((g = reallocarray(v->gaps, cap, sizeof(*g))) == NULL) {
			v->nlost++;
			return;
		}
		v->gaps = g;
		v->capgaps = cap;
	}
	g = &v->gaps[v->ngaps++];
	g->from = from;
	g->to = to;
	g->prev_ok = prev_ok;
	if (prev_ok)
		memcpy(g->prev, prev, CHAIN_HASH_LEN);
}

/*
 * Reads the current row of `st` (VERIFY_COLUMNS) into *r, pointing into
 * the statement (valid until its next step), and its stored hash into
 * *hash (NULL unless a 32-byte blob).  Returns 0, or VK_TYPE / VK_NUL with
 * the offending column in *col.
 *
 * SECURITY NOTE: the types are checked because SQLite compares by type: a
 * decision rewritten as the blob X'616c6c6f77' hashes like the text
 * 'allow' but no longer matches a filter on decision = 'allow', which
 * would hide a record from every listing while the chain still verified.
 * A NUL inside a text value would be cut off by the C string the hash
 * reads, so bytes could be appended unseen.
 */
static int
verify_read_row(sqlite3_stmt *st, struct chain_rec *r, const uint8_t **hash,
    const char **col)
{
	const struct verify_text *t;
	const char *s;
	size_t i;
	int n;

	memset(r, 0, sizeof(*r));
	*hash = NULL;
	*col = NULL;
	r->seq = sqlite3_column_int64(st, VERIFY_COL_SEQ);
	if (sqlite3_column_type(st, VERIFY_COL_HASH) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, VERIFY_COL_HASH) == CHAIN_HASH_LEN)
		*hash = sqlite3_column_blob(st, VERIFY_COL_HASH);
	if (sqlite3_column_type(st, VERIFY_COL_TIME) != SQLITE_INTEGER) {
		*col = "time_ms";
		return VK_TYPE;
	}
	r->time_ms = sqlite3_column_int64(st, VERIFY_COL_TIME);
	if (sqlite3_column_type(st, VERIFY_COL_REQID) != SQLITE_INTEGER) {
		*col = "request_id";
		return VK_TYPE;
	}
	r->reqid = (uint64_t)sqlite3_column_int64(st, VERIFY_COL_REQID);
	for (i = 0; i < VERIFY_NTEXT; i++) {
		t = &verify_text[i];
		switch (sqlite3_column_type(st, t->col)) {
		case SQLITE_NULL:
			s = NULL;
			break;
		case SQLITE_TEXT:
			s = (const char *)sqlite3_column_text(st, t->col);
			n = sqlite3_column_bytes(st, t->col);
			if (s == NULL || strlen(s) != (size_t)n) {
				*col = t->name;
				return VK_NUL;
			}
			break;
		default:
			*col = t->name;
			return VK_TYPE;
		}
		*(const char **)(void *)((char *)r + t->off) = s;
	}
	return 0;
}

/*
 * Looks up the stored hash of record `seq`.  Returns 1 (found, in `out`),
 * 0 (no such record), 2 (found without a usable hash), or -1 on a database
 * error.
 */
static int
verify_lookup(struct verify *v, int64_t seq, uint8_t out[CHAIN_HASH_LEN])
{
	int rc, ret = 0;

	sqlite3_reset(v->get_hash);
	sqlite3_bind_int64(v->get_hash, 1, seq);
	rc = verify_db_step(&v->d, v->get_hash);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(v->get_hash, 0) == SQLITE_BLOB &&
		    sqlite3_column_bytes(v->get_hash, 0) == CHAIN_HASH_LEN) {
			memcpy(out, sqlite3_column_blob(v->get_hash, 0),
			    CHAIN_HASH_LEN);
			ret = 1;
		} else
			ret = 2;
	} else if (rc != SQLITE_DONE)
		ret = -1;
	sqlite3_reset(v->get_hash);
	return ret;
}

static int
verify_open_db(struct verify *v)
{
	if (verify_db_open(&v->d, v->o->db_path) != AUTHCTL_EXIT_OK)
		return AUTHCTL_EXIT_FAIL;
	if (sqlite3_prepare_v2(v->d.db, "SELECT " VERIFY_COLUMNS " FROM audit "
	    "WHERE seq = ?1", -1, &v->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(v->d.db, "SELECT hash FROM audit WHERE seq = "
	    "?1", -1, &v->get_hash, NULL) != SQLITE_OK)
		return verify_db_error(&v->d, "not an authd database with a "
		    "hash chain");
	return AUTHCTL_EXIT_OK;
}

static int
verify_load_key(struct verify *v)
{
	const char *path = v->o->key_path;
	char spath[VERIFY_TEXT_MAX];
	int fd, level, r;

	str_sanitize(path, strlen(path), spath, sizeof(spath));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		fprintf(stderr, "authctl: audit verify: cannot open the public "
		    "key %s: %s\n", spath, strerror(errno));
		return AUTHCTL_EXIT_FAIL;
	}
	close(fd);
	/* The library logs its own errors; this command reports them. */
	level = log_get_level();
	log_set_level(LOG_CRIT);
	r = chain_pubkey_load(path, &v->key);
	log_set_level(level);
	if (r != 0) {
		fprintf(stderr, "authctl: audit verify: %s: %s\n", spath,
		    r == AUTHD_ERR_CRYPTO ? "not an Ed25519 public key in PEM "
		    "form" : authd_strerror(r));
		return AUTHCTL_EXIT_FAIL;
	}
	return AUTHCTL_EXIT_OK;
}

/* Reads audit_base: where the chain starts after a prune. */
static int
verify_read_base(struct verify *v)
{
	struct verify_db_scan scan = { 0, 0 };
	sqlite3_stmt *st = NULL;
	int rc, n = 0, ret = AUTHCTL_EXIT_FAIL;

	if (sqlite3_prepare_v2(v->d.db, "SELECT id, seq, hash FROM audit_base "
	    "ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return verify_db_error(&v->d, "not an authd database with a "
		    "hash chain");
	while ((rc = verify_db_next(&v->d, st, "audit_base", &scan)) ==
	    SQLITE_ROW) {
		if (n++ > 0 || sqlite3_column_int64(st, 0) != 1) {
			verify_problem(v, "prune base: the table audit_base "
			    "holds an extra row");
			continue;
		}
		v->has_base = 1;
		v->base_seq = sqlite3_column_int64(st, 1);
		if (sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    v->base_seq < 0 || v->base_seq == INT64_MAX ||
		    sqlite3_column_type(st, 2) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 2) != CHAIN_HASH_LEN) {
			verify_problem(v, "prune base: malformed");
			if (v->base_seq < 0 || v->base_seq == INT64_MAX)
				v->base_seq = 0;
			continue;
		}
		memcpy(v->base_hash, sqlite3_column_blob(st, 2),
		    CHAIN_HASH_LEN);
		v->base_ok = 1;
	}
	if (rc != SQLITE_DONE)
		goto out;
	ret = AUTHCTL_EXIT_OK;
 out:
	sqlite3_finalize(st);
	return ret;
}

/*
 * The chain pass: every record in sequence order, each hash recomputed
 * from the stored hash before it.  Findings are kept, not printed, so
 * that the reordering analysis can explain them first.
 */
static int
verify_chain(struct verify *v)
{
	static const uint8_t zero[CHAIN_HASH_LEN];
	uint8_t prev[CHAIN_HASH_LEN], h[CHAIN_HASH_LEN];
	struct verify_db_scan scan = { 0, 0 };
	struct verify_find *f;
	struct chain_rec r;
	sqlite3_stmt *st = NULL;
	const uint8_t *hash;
	const char *col;
	int64_t seq, expect;
	int rc, k, prev_ok, after_gap = 0, ret = AUTHCTL_EXIT_FAIL;

	prev_ok = !v->has_base || v->base_ok;
	memcpy(prev, v->has_base && v->base_ok ? v->base_hash : zero,
	    CHAIN_HASH_LEN);
	expect = v->has_base ? v->base_seq + 1 : 1;
	v->last_seq = v->has_base ? v->base_seq : 0;
	if (sqlite3_prepare_v2(v->d.db, "SELECT " VERIFY_COLUMNS " FROM audit "
	    "ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return verify_db_error(&v->d, "not an authd database with a "
		    "hash chain");
	while ((rc = verify_db_next(&v->d, st, "audit", &scan)) ==
	    SQLITE_ROW) {
		seq = sqlite3_column_int64(st, VERIFY_COL_SEQ);
		v->nrecords++;
		/* Sequence numbers start at 1, or after the prune cut. */
		if (seq < expect) {
			verify_add_find(v, seq, VK_BEFORE_BASE);
			continue;
		}
		if (seq > v->last_seq)
			v->last_seq = seq;
		if (seq > expect) {
			verify_add_gap(v, expect, seq - 1, prev_ok, prev);
			after_gap = 1;
		}
		/* SECURITY NOTE: a forged INT64_MAX must not overflow. */
		expect = seq < INT64_MAX ? seq + 1 : INT64_MAX;
		k = verify_read_row(st, &r, &hash, &col);
		if (k != 0 || hash == NULL) {
			if ((f = verify_add_find(v, seq, k != 0 ? k :
			    VK_NOHASH)) != NULL)
				f->col = col;
		} else if (!prev_ok) {
			verify_add_find(v, seq, VK_UNCHECKED);
		} else {
			if (chain_hash(prev, &r, h) != 0) {
				fprintf(stderr, "authctl: audit verify: cannot "
				    "hash record %lld\n", (long long)seq);
				goto out;
			}
			if (memcmp(h, hash, CHAIN_HASH_LEN) != 0 &&
			    (f = verify_add_find(v, seq, VK_MODIFIED)) !=
			    NULL) {
				f->after_gap = after_gap;
				memcpy(f->stored, hash, CHAIN_HASH_LEN);
				memcpy(f->prev, prev, CHAIN_HASH_LEN);
			}
		}
		/* The next record links to what is stored here. */
		if ((prev_ok = hash != NULL))
			memcpy(prev, hash, CHAIN_HASH_LEN);
		after_gap = 0;
	}
	if (rc != SQLITE_DONE)
		goto out;
	ret = AUTHCTL_EXIT_OK;
 out:
	sqlite3_finalize(st);
	return ret;
}

static void
verify_copy_free(struct verify_copy *c)
{
	size_t i;

	for (i = 0; i < VERIFY_NTEXT; i++)
		free(c->text[i]);
	memset(c, 0, sizeof(*c));
}

/* Copies record `seq` out of the database.  0, or -1 (not there, error). */
static int
verify_copy_load(struct verify *v, int64_t seq, struct verify_copy *c)
{
	struct chain_rec r;
	const uint8_t *hash;
	const char *col, *s;
	size_t i;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	sqlite3_reset(v->get);
	sqlite3_bind_int64(v->get, 1, seq);
	if (verify_db_step(&v->d, v->get) != SQLITE_ROW ||
	    verify_read_row(v->get, &r, &hash, &col) != 0 || hash == NULL)
		goto out;
	c->r = r;
	memcpy(c->stored, hash, CHAIN_HASH_LEN);
	for (i = 0; i < VERIFY_NTEXT; i++) {
		s = *(const char *const *)(const void *)((const char *)&r +
		    verify_text[i].off);
		if (s != NULL && (c->text[i] = strdup(s)) == NULL)
			goto out;
		*(const char **)(void *)((char *)&c->r + verify_text[i].off) =
		    c->text[i];
	}
	ret = 0;
 out:
	sqlite3_reset(v->get);
	if (ret != 0)
		verify_copy_free(c);
	return ret;
}

/* 1 if record `c`, placed at `seq` after `prev`, hashes to its hash. */
static int
verify_fits(struct verify_copy *c, int64_t seq, const uint8_t *prev)
{
	uint8_t h[CHAIN_HASH_LEN];
	int64_t saved = c->r.seq;
	int ok;

	c->r.seq = seq;
	ok = chain_hash(prev, &c->r, h) == 0 &&
	    memcmp(h, c->stored, CHAIN_HASH_LEN) == 0;
	c->r.seq = saved;
	return ok;
}

/*
 * Reordering: a record whose stored hash verifies at another position (its
 * content and hash were moved together, or its seq was changed) is
 * reported as reordered there, and a record that fails only because the
 * record before it moved away is not reported at all.  The candidates are
 * the other failing positions and the missing ones, each after its own
 * stored predecessor or after any moved record; the search is bounded, so
 * it runs only when few records fail (more is a rewrite, not a reorder).
 */
static void
verify_moves(struct verify *v)
{
	struct verify_copy copies[VERIFY_MOVE_MAX];
	struct {
		int64_t		 seq;
		const uint8_t	*prev;	/* its own stored predecessor */
	} slots[VERIFY_MOVE_MAX + VERIFY_SLOT_MAX];
	size_t ncopies = 0, nslots = 0, i, j, k;
	int64_t s;

	for (i = 0; i < v->nfinds; i++)
		if (v->finds[i].kind == VK_MODIFIED &&
		    ++ncopies > VERIFY_MOVE_MAX)
			return;
	if (ncopies == 0 || v->nlost > 0)
		return;
	ncopies = 0;
	for (i = 0; i < v->nfinds; i++) {
		if (v->finds[i].kind != VK_MODIFIED)
			continue;
		slots[nslots].seq = v->finds[i].seq;
		slots[nslots++].prev = v->finds[i].prev;
		if (verify_copy_load(v, v->finds[i].seq, &copies[ncopies]) == 0)
			copies[ncopies++].find = &v->finds[i];
	}
	for (i = 0; i < v->ngaps; i++)
		for (s = v->gaps[i].from; s <= v->gaps[i].to &&
		    nslots < sizeof(slots) / sizeof(slots[0]); s++) {
			slots[nslots].seq = s;
			slots[nslots++].prev = s == v->gaps[i].from &&
			    v->gaps[i].prev_ok ? v->gaps[i].prev : NULL;
		}

	/* Where did each failing record come from? */
	for (i = 0; i < ncopies; i++) {
		for (j = 0; j < nslots && copies[i].find->moved_from == 0;
		    j++) {
			if (slots[j].seq == copies[i].r.seq)
				continue;
			if (slots[j].prev != NULL && verify_fits(&copies[i],
			    slots[j].seq, slots[j].prev))
				copies[i].find->moved_from = slots[j].seq;
		}
		/* Its predecessor may have moved as well. */
		for (j = 0; j < nslots && copies[i].find->moved_from == 0; j++)
			for (k = 0; k < ncopies; k++) {
				if (slots[j].seq == copies[i].r.seq || k == i)
					continue;
				if (verify_fits(&copies[i], slots[j].seq,
				    copies[k].stored)) {
					copies[i].find->moved_from =
					    slots[j].seq;
					break;
				}
			}
	}
	for (i = 0; i < ncopies; i++)
		if (copies[i].find->moved_from != 0)
			v->nmoved++;
	/* Intact records after a record that moved away. */
	for (i = 0; i < ncopies; i++) {
		if (copies[i].find->moved_from != 0)
			continue;
		for (k = 0; k < ncopies; k++)
			if (copies[k].find->moved_from == copies[i].r.seq - 1 &&
			    verify_fits(&copies[i], copies[i].r.seq,
			    copies[k].stored)) {
				copies[i].find->explained = 1;
				break;
			}
	}
	for (i = 0; i < ncopies; i++)
		verify_copy_free(&copies[i]);
}

/* Returns the seq now holding the record of `seq`, or 0. */
static int64_t
verify_moved_to(const struct verify *v, int64_t seq)
{
	size_t i;

	for (i = 0; i < v->nfinds; i++)
		if (v->finds[i].kind == VK_MODIFIED &&
		    v->finds[i].moved_from == seq)
			return v->finds[i].seq;
	return 0;
}

/* Prints missing seqs from..to, if any. */
static void
verify_deleted(struct verify *v, int64_t from, int64_t to)
{
	if (from > to)
		return;
	if (from == to)
		verify_problem(v, "seq %lld: record deleted", (long long)from);
	else
		verify_problem(v, "seq %lld..%lld: records deleted",
		    (long long)from, (long long)to);
}

/* Prints a run of missing seqs, minus those whose record moved. */
static void
verify_print_gap(struct verify *v, const struct verify_gap *g)
{
	int64_t s, start = g->from, dest, last;

	/* Only the first slots of a gap were tried as origins of moves. */
	if (v->nmoved == 0)
		last = g->from - 1;
	else if (g->to - g->from < VERIFY_SLOT_MAX)
		last = g->to;
	else
		last = g->from + VERIFY_SLOT_MAX - 1;
	for (s = g->from; s <= last; s++) {
		if ((dest = verify_moved_to(v, s)) == 0)
			continue;
		verify_deleted(v, start, s - 1);
		verify_note(v, "seq %lld: its record is now at seq %lld",
		    (long long)s, (long long)dest);
		start = s + 1;
	}
	verify_deleted(v, start, g->to);
}

static void
verify_print_find(struct verify *v, const struct verify_find *f)
{
	switch (f->kind) {
	case VK_MODIFIED:
		if (f->moved_from != 0)
			verify_problem(v, "seq %lld: reordered (this is the "
			    "record of seq %lld)", (long long)f->seq,
			    (long long)f->moved_from);
		else if (f->explained)
			break;
		else if (f->after_gap)
			verify_note(v, "seq %lld: not verifiable, the record "
			    "before it is missing", (long long)f->seq);
		else
			verify_problem(v, "seq %lld: record modified (hash "
			    "does not match its content)", (long long)f->seq);
		break;
	case VK_NOHASH:
		verify_problem(v, "seq %lld: record modified (no hash stored)",
		    (long long)f->seq);
		break;
	case VK_TYPE:
		verify_problem(v, "seq %lld: record modified (%s has the wrong "
		    "type)", (long long)f->seq, f->col);
		break;
	case VK_NUL:
		verify_problem(v, "seq %lld: record modified (%s holds a NUL "
		    "byte)", (long long)f->seq, f->col);
		break;
	case VK_BEFORE_BASE:
		if (v->has_base)
			verify_problem(v, "seq %lld: record inside the pruned "
			    "part of the chain (which ends at seq %lld)",
			    (long long)f->seq, (long long)v->base_seq);
		else
			verify_problem(v, "seq %lld: record with an invalid "
			    "sequence number", (long long)f->seq);
		break;
	case VK_UNCHECKED:
		verify_note(v, "seq %lld: not verifiable, the record before it "
		    "has no usable hash", (long long)f->seq);
		break;
	}
}

/* The chain pass's findings and gaps, merged in sequence order. */
static void
verify_print_chain(struct verify *v)
{
	size_t i = 0, j = 0;

	while (i < v->nfinds || j < v->ngaps) {
		if (j < v->ngaps &&
		    (i == v->nfinds || v->gaps[j].from < v->finds[i].seq))
			verify_print_gap(v, &v->gaps[j++]);
		else
			verify_print_find(v, &v->finds[i++]);
	}
	if (v->nlost > 0) {
		verify_problem(v, "... and %llu more problems in the chain, "
		    "not listed", (unsigned long long)v->nlost);
		/* The summary counts them all, not this line. */
		v->nproblems += v->nlost - 1;
	}
}

static void
verify_beyond_keep(struct verify_beyond *b, int64_t seq,
    const uint8_t *hash, int copy, const char *where)
{
	if (seq <= b->seq)
		return;
	b->seq = seq;
	memcpy(b->hash, hash, CHAIN_HASH_LEN);
	b->copy = copy;
	snprintf(b->where, sizeof(b->where), "%s", where);
}

/*
 * Checks one checkpoint: its signature, then its hash against the record
 * (or the prune base) at its seq.  `where` prefixes the messages
 * ("FILE:LINE: " for an external one, "" for the database).
 */
static int
verify_checkpoint(struct verify *v, const struct chain_checkpoint *cp,
    const char *where, int external)
{
	uint8_t h[CHAIN_HASH_LEN];
	long long seq = (long long)cp->seq;
	int r;

	v->ncheckpoints++;
	if (chain_verify(v->key, cp) != 0) {
		/* key_id is hex: parsed so, or checked in the database. */
		if (strcmp(cp->key_id, chain_key_id(v->key)) != 0)
			verify_problem(v, "%scheckpoint at seq %lld: bad "
			    "signature (made with key %s, the public key given "
			    "is %s)", where, seq, cp->key_id,
			    chain_key_id(v->key));
		else
			verify_problem(v, "%scheckpoint at seq %lld: bad "
			    "signature", where, seq);
		return 0;
	}
	if (v->has_base && cp->seq == v->base_seq) {
		if (v->base_ok && memcmp(cp->hash, v->base_hash,
		    CHAIN_HASH_LEN) == 0)
			v->base_covered = 1;
		else
			verify_problem(v, "%scheckpoint at seq %lld: does not "
			    "match the prune base", where, seq);
		return 0;
	}
	/* Pruned: the signature is all there is to check. */
	if (v->has_base && cp->seq < v->base_seq)
		return 0;
	if (cp->seq > v->last_seq) {
		verify_beyond_keep(external ? &v->outside_cp : &v->inside,
		    cp->seq, cp->hash, 0, where);
		return 0;
	}
	if ((r = verify_lookup(v, cp->seq, h)) < 0)
		return verify_db_error(&v->d, "audit");
	if (r == 0)
		verify_note(v, "%scheckpoint at seq %lld: its record is "
		    "missing", where, seq);
	else if (r == 1 && memcmp(h, cp->hash, CHAIN_HASH_LEN) != 0)
		verify_problem(v, "%scheckpoint at seq %lld: does not match "
		    "the record's hash (records up to seq %lld were changed "
		    "after it was signed)", where, seq, seq);
	return 0;
}

/* The checkpoints in the database. */
static int
verify_checkpoints(struct verify *v)
{
	struct verify_db_scan scan = { 0, 0 };
	struct chain_checkpoint cp;
	sqlite3_stmt *st = NULL;
	const char *node, *id;
	int rc, ret = AUTHCTL_EXIT_FAIL;

	if (sqlite3_prepare_v2(v->d.db, "SELECT seq, time_ms, node, hash, "
	    "key_id, sig FROM audit_checkpoints ORDER BY seq", -1, &st,
	    NULL) != SQLITE_OK)
		return verify_db_error(&v->d, "not an authd database with a "
		    "hash chain");
	while ((rc = verify_db_next(&v->d, st, "audit_checkpoints", &scan)) ==
	    SQLITE_ROW) {
		memset(&cp, 0, sizeof(cp));
		cp.seq = sqlite3_column_int64(st, 0);
		cp.time_ms = sqlite3_column_int64(st, 1);
		node = (const char *)sqlite3_column_text(st, 2);
		id = (const char *)sqlite3_column_text(st, 4);
		if (sqlite3_column_type(st, 1) != SQLITE_INTEGER ||
		    sqlite3_column_type(st, 2) != SQLITE_TEXT || node == NULL ||
		    strlen(node) != (size_t)sqlite3_column_bytes(st, 2) ||
		    strlen(node) >= sizeof(cp.node) ||
		    sqlite3_column_type(st, 3) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 3) != CHAIN_HASH_LEN ||
		    sqlite3_column_type(st, 4) != SQLITE_TEXT || id == NULL ||
		    strlen(id) != CHAIN_KEYID_LEN ||
		    strspn(id, "0123456789abcdef") != CHAIN_KEYID_LEN ||
		    sqlite3_column_type(st, 5) != SQLITE_BLOB ||
		    sqlite3_column_bytes(st, 5) != CHAIN_SIG_LEN) {
			v->ncheckpoints++;
			verify_problem(v, "checkpoint at seq %lld: malformed",
			    (long long)cp.seq);
			continue;
		}
		memcpy(cp.node, node, strlen(node) + 1);
		memcpy(cp.key_id, id, CHAIN_KEYID_LEN + 1);
		memcpy(cp.hash, sqlite3_column_blob(st, 3), CHAIN_HASH_LEN);
		memcpy(cp.sig, sqlite3_column_blob(st, 5), CHAIN_SIG_LEN);
		if (verify_checkpoint(v, &cp, "", 0) != 0)
			goto out;
	}
	if (rc != SQLITE_DONE)
		goto out;
	ret = AUTHCTL_EXIT_OK;
 out:
	sqlite3_finalize(st);
	return ret;
}

/*
 * Finds authd's RFC 5424 structured data element in a syslog line and
 * reads its seq and hash.  Returns 1 (found, *seq and hash set), 0 (none
 * in this line) or -1 (there, but malformed).
 */
static int
verify_sd_parse(const char *line, int64_t *seq, uint8_t hash[CHAIN_HASH_LEN])
{
	char name[32], value[VERIFY_SD_VALUE_MAX];
	const char *p;
	long long n;
	size_t nl, vl;
	int have = 0;

	*seq = 0;
	if ((p = strstr(line, VERIFY_SD_ID)) == NULL)
		return 0;
	p += sizeof(VERIFY_SD_ID) - 1;
	/* SD-PARAMs: ' ' NAME '="' VALUE '"', with \" \\ \] in VALUE. */
	while (*p != ']') {
		if (*p++ != ' ')
			return -1;
		for (nl = 0; *p != '\0' && *p != '=' && *p != ' ' &&
		    *p != ']' && *p != '"'; p++)
			if (nl < sizeof(name) - 1)
				name[nl++] = *p;
		name[nl] = '\0';
		if (p[0] != '=' || p[1] != '"')
			return -1;
		for (p += 2, vl = 0; *p != '"'; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\' ||
			    p[1] == ']'))
				p++;
			if (*p == '\0')
				return -1;
			if (vl < sizeof(value) - 1)
				value[vl++] = *p;
		}
		value[vl] = '\0';
		p++;
		if (strcmp(name, "seq") == 0) {
			if (num_parse(value, 1, INT64_MAX, &n, NULL) != 0)
				return -1;
			*seq = n;
			have |= 1;
		} else if (strcmp(name, "hash") == 0) {
			if (verify_unhex(value, vl, hash, CHAIN_HASH_LEN) != 0)
				return -1;
			have |= 2;
		}
	}
	return have == 3 ? 1 : -1;
}

/* A syslog copy of one record: compare it with the database. */
static int
verify_copy_line(struct verify *v, int64_t seq, const uint8_t *hash,
    const char *where)
{
	uint8_t h[CHAIN_HASH_LEN];
	int r;

	if (v->has_base && seq <= v->base_seq)
		return 0;
	if (seq > v->last_seq) {
		verify_beyond_keep(&v->outside_copy, seq, hash, 1, where);
		return 0;
	}
	if ((r = verify_lookup(v, seq, h)) < 0)
		return verify_db_error(&v->d, "audit");
	/* A missing record is reported as deleted already. */
	if (r == 1 && memcmp(h, hash, CHAIN_HASH_LEN) != 0)
		verify_problem(v, "%sseq %lld: record differs from its syslog "
		    "copy", where, (long long)seq);
	return 0;
}

/*
 * Reads one line of at most `size` - 1 bytes into `buf`, without its
 * newline, and discards the rest of a longer one (*cut = 1).  Returns 0,
 * or -1 at the end of the file.  A NUL byte ends the line as the parsers
 * see it, but not as it is read.
 */
static int
verify_getline(FILE *f, char *buf, size_t size, int *cut)
{
	size_t len = 0;
	int c;

	*cut = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (len < size - 1)
			buf[len++] = (char)c;
		else
			*cut = 1;
	}
	buf[len] = '\0';
	return c == EOF && len == 0 && !*cut ? -1 : 0;
}

/*
 * Reads one external file: every checkpoint in it, and with `syslog` also
 * every copy of a record.  A --checkpoint file must hold at least one.
 */
static int
verify_file(struct verify *v, const char *path, FILE *f, int syslog)
{
	struct chain_checkpoint cp;
	uint8_t hash[CHAIN_HASH_LEN];
	char line[VERIFY_LINE_MAX], spath[VERIFY_TEXT_MAX];
	char where[VERIFY_TEXT_MAX + 32];
	unsigned long lineno = 0, found = 0, longlines = 0;
	int64_t seq = 0;
	int cut, r;

	str_sanitize(strcmp(path, "-") == 0 ? "(stdin)" : path,
	    strcmp(path, "-") == 0 ? 7 : strlen(path), spath, sizeof(spath));
	while (verify_getline(f, line, sizeof(line), &cut) == 0) {
		lineno++;
		/* Longer than any line authd writes: the rest is ignored. */
		if (cut)
			longlines++;
		snprintf(where, sizeof(where), "%s:%lu: ", spath, lineno);
		/*
		 * SECURITY NOTE: outsiders choose part of the text in a
		 * syslog file (a user name reaches authd's own copy of a
		 * refusal, and other programs log what they are sent), so
		 * there, text that only looks like a checkpoint or a record
		 * copy is noted, not a failure: else anyone could make
		 * verification fail.  A well-formed one is checked in full;
		 * it does not fit in any field an outsider can fill.  A
		 * --checkpoint file is the operator's own, and held to it.
		 */
		r = chain_checkpoint_parse(line, &cp);
		if (r == 0) {
			found++;
			if (verify_checkpoint(v, &cp, where, 1) != 0)
				return AUTHCTL_EXIT_FAIL;
		} else if (r != AUTHD_ERR_NOT_FOUND && syslog)
			verify_note(v, "%snot a checkpoint, though it looks "
			    "like one; ignored", where);
		else if (r != AUTHD_ERR_NOT_FOUND) {
			v->ncheckpoints++;
			verify_problem(v, "%smalformed checkpoint", where);
		}
		if (!syslog)
			continue;
		if ((r = verify_sd_parse(line, &seq, hash)) < 0)
			verify_note(v, "%snot an authd record copy, though it "
			    "looks like one; ignored", where);
		else if (r == 1 && verify_copy_line(v, seq, hash, where) != 0)
			return AUTHCTL_EXIT_FAIL;
	}
	if (ferror(f)) {
		fprintf(stderr, "authctl: audit verify: %s: cannot read: %s\n",
		    spath, strerror(errno));
		return AUTHCTL_EXIT_FAIL;
	}
	if (longlines > 0)
		verify_note(v, "%s: %lu line%s longer than %d bytes, read only "
		    "up to there", spath, longlines, longlines == 1 ? "" : "s",
		    VERIFY_LINE_MAX - 1);
	if (!syslog && found == 0)
		verify_problem(v, "%s: no checkpoint in this file", spath);
	return AUTHCTL_EXIT_OK;
}

/*
 * The tail: a signed checkpoint (or a syslog copy) of a record past the
 * end of the trail means records were cut off.  The database's own
 * checkpoints are of the same snapshot.  An external one may be newer
 * than the snapshot, written while this ran; that is settled by looking
 * at the database again, now, outside the snapshot.
 */
static int
verify_tail(struct verify *v)
{
	struct verify_beyond *b = NULL;
	uint8_t h[CHAIN_HASH_LEN];
	int r;

	if (v->outside_cp.seq > 0)
		b = &v->outside_cp;
	else if (v->outside_copy.seq > 0)
		b = &v->outside_copy;
	if (b != NULL) {
		/* A new snapshot, with its schema checked again. */
		if (verify_db_renew(&v->d) != AUTHCTL_EXIT_OK)
			return AUTHCTL_EXIT_FAIL;
		if ((r = verify_lookup(v, b->seq, h)) < 0)
			return verify_db_error(&v->d, "audit");
		if (r == 1 && memcmp(h, b->hash, CHAIN_HASH_LEN) == 0) {
			verify_note(v, "%s%s seq %lld is newer than the "
			    "verified trail, which ends at seq %lld: records "
			    "were added while verifying", b->where, b->copy ?
			    "syslog copy of" : "checkpoint at",
			    (long long)b->seq, (long long)v->last_seq);
			b = NULL;
		}
	}
	if (b == NULL || (v->inside.seq > 0 && v->inside.seq >= b->seq))
		b = v->inside.seq > 0 ? &v->inside : NULL;
	if (b == NULL)
		return AUTHCTL_EXIT_OK;
	if (b->copy)
		verify_problem(v, "%struncated: records after seq %lld are "
		    "missing (syslog copy of seq %lld)", b->where,
		    (long long)v->last_seq, (long long)b->seq);
	else
		verify_problem(v, "%struncated: records after seq %lld are "
		    "missing (checkpoint at seq %lld)", b->where,
		    (long long)v->last_seq, (long long)b->seq);
	return AUTHCTL_EXIT_OK;
}

/* Opens the external files up front: a typo is a usage error, not a finding. */
static int
verify_open_files(const char *const *paths, size_t n, FILE **files,
    int *stdin_used)
{
	char spath[VERIFY_TEXT_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(paths[i], "-") == 0) {
			if ((*stdin_used)++ > 0) {
				fprintf(stderr, "authctl: audit verify: "
				    "standard input ('-') can be read only "
				    "once\n");
				return AUTHCTL_EXIT_FAIL;
			}
			files[i] = stdin;
			continue;
		}
		if ((files[i] = fopen(paths[i], "re")) == NULL) {
			str_sanitize(paths[i], strlen(paths[i]), spath,
			    sizeof(spath));
			fprintf(stderr, "authctl: audit verify: cannot open "
			    "%s: %s\n", spath, strerror(errno));
			return AUTHCTL_EXIT_FAIL;
		}
	}
	return AUTHCTL_EXIT_OK;
}

static void
verify_close_files(FILE **files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (files[i] != NULL && files[i] != stdin)
			fclose(files[i]);
}

int
verify_run(const struct verify_opts *o)
{
	struct verify v;
	FILE **cpf = NULL, **slf = NULL;
	size_t i;
	int stdin_used = 0, ret = AUTHCTL_EXIT_FAIL;

	memset(&v, 0, sizeof(v));
	v.o = o;
	if ((cpf = calloc(o->ncheckpoint_files + 1, sizeof(*cpf))) == NULL ||
	    (slf = calloc(o->nsyslog_files + 1, sizeof(*slf))) == NULL) {
		fprintf(stderr, "authctl: audit verify: %s\n",
		    authd_strerror(AUTHD_ERR_NOMEM));
		goto out;
	}
	if (verify_open_files(o->checkpoint_files, o->ncheckpoint_files, cpf,
	    &stdin_used) != AUTHCTL_EXIT_OK ||
	    verify_open_files(o->syslog_files, o->nsyslog_files, slf,
	    &stdin_used) != AUTHCTL_EXIT_OK ||
	    verify_load_key(&v) != AUTHCTL_EXIT_OK ||
	    verify_open_db(&v) != AUTHCTL_EXIT_OK ||
	    verify_read_base(&v) != AUTHCTL_EXIT_OK ||
	    verify_chain(&v) != AUTHCTL_EXIT_OK)
		goto out;
	verify_moves(&v);
	verify_print_chain(&v);
	if (verify_checkpoints(&v) != AUTHCTL_EXIT_OK)
		goto out;
	for (i = 0; i < o->ncheckpoint_files; i++)
		if (verify_file(&v, o->checkpoint_files[i], cpf[i], 0) !=
		    AUTHCTL_EXIT_OK)
			goto out;
	for (i = 0; i < o->nsyslog_files; i++)
		if (verify_file(&v, o->syslog_files[i], slf[i], 1) !=
		    AUTHCTL_EXIT_OK)
			goto out;
	/*
	 * SECURITY NOTE: after a prune the chain starts from a stored hash;
	 * without a signature over it, whoever can write the database could
	 * cut records off the old end and store a new base.
	 */
	if (v.has_base && !v.base_covered)
		verify_problem(&v, "prune base at seq %lld: no valid "
		    "checkpoint at the cut vouches for it",
		    (long long)v.base_seq);
	if (verify_tail(&v) != AUTHCTL_EXIT_OK)
		goto out;
	fprintf(o->out, "verified %llu record%s, %llu checkpoint%s: ",
	    (unsigned long long)v.nrecords, v.nrecords == 1 ? "" : "s",
	    (unsigned long long)v.ncheckpoints,
	    v.ncheckpoints == 1 ? "" : "s");
	if (v.nproblems == 0)
		fprintf(o->out, "OK\n");
	else
		fprintf(o->out, "%llu problem%s\n",
		    (unsigned long long)v.nproblems,
		    v.nproblems == 1 ? "" : "s");
	ret = v.nproblems == 0 ? AUTHCTL_EXIT_OK : AUTHCTL_EXIT_DENIED;
 out:
	if (cpf != NULL)
		verify_close_files(cpf, o->ncheckpoint_files);
	if (slf != NULL)
		verify_close_files(slf, o->nsyslog_files);
	free(cpf);
	free(slf);
	sqlite3_finalize(v.get);
	sqlite3_finalize(v.get_hash);
	verify_db_close(&v.d);
	chain_key_free(v.key);
	free(v.finds);
	free(v.gaps);
	return ret;
}
