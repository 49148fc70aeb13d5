/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The rules of access reviews over the store (authd/reviewrule.c),
 * without root, slapd or a daemon: the owner decides on their own
 * systems, nobody on their own access, the owner's own items are the
 * security function's, an item is decided once, comments where they are
 * required, revokes in force at once, and the close: no undecided items
 * without a default, the default item by item, and an account the
 * directory disables (or a member it does not know) never kept by
 * default.
 */
#include <string.h>

#include "check.h"
#include "reviewrule.h"
#include "tmpstore.h"

#define DAY	INT64_C(86400000)
#define T0	INT64_C(1800000000000)	/* ms */

static const struct review_actor owner = { "olle", 0 };
static const struct review_actor stranger = { "mallory", 0 };
static const struct review_actor sec = { "sara", 1 };

/*
 * A campaign of `system` owned by "olle" with the items `s`: user, role,
 * account state, last login `days` ago (never when < 0), and marked for
 * the security function when `admin` (else as a snapshot marks them).
 */
struct seed {
	const char	*user, *role, *account;
	int		 days;
	int		 admin;
};

static int64_t
campaign(struct store *st, const char *system, const struct seed *s,
    size_t n)
{
	struct store_review_item it[16];
	struct store_review rv;
	int64_t id = 0;
	size_t i;

	memset(&rv, 0, sizeof(rv));
	rv.system = system;
	rv.owner = owner.name;
	rv.class = "C2 I2 A2";
	rv.policy = "0123456789abcdef";
	rv.started_ms = T0;
	rv.started_by = sec.name;
	rv.due_ms = T0 + 30 * DAY;
	rv.inactive_days = 90;
	memset(it, 0, sizeof(it));
	for (i = 0; i < n && i < 16; i++) {
		it[i].user = s[i].user;
		it[i].role = s[i].role;
		it[i].path = "g-role > g-team";
		it[i].token = "active";
		it[i].account = s[i].account;
		it[i].last_login_ms = s[i].days < 0 ? 0 : T0 - s[i].days * DAY;
		reviewrule_flags(&it[i], owner.name, T0, 90);
		it[i].needs_admin |= s[i].admin;
	}
	CHECK_OK(store_review_create(st, &rv, it, n, &id));
	CHECK(id > 0);
	return id;
}

/* Decides; returns the reason (and *refused). */
static enum reason
decide(struct store *st, const struct review_actor *who, int64_t id,
    const char *user, const char *role, const char *decision,
    const char *comment, int *refused)
{
	struct reviewrule_decision d;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.user = user;
	d.role = role;
	d.decision = decision;
	d.comment = comment;
	d.now = T0 + DAY;
	d.require_comment = 1;
	CHECK_OK(reviewrule_decide(st, who, &d));
	if (refused != NULL)
		*refused = d.refused;
	if (d.why != RSN_OK)
		CHECK(d.msg != NULL);
	return d.why;
}

static int
revoked(struct store *st, const char *system, const char *user,
    const char *role)
{
	char cite[64] = "";

	return reviewrule_revoked(st, system, role, user, cite, sizeof(cite));
}

/* The one item of `user` with `role` in `id`, copied. */
static struct store_review_item *
item(struct store *st, int64_t id, const char *user, const char *role,
    struct store_item_list *l)
{
	struct store_item_filter f;

	memset(&f, 0, sizeof(f));
	f.user = user;
	f.role = role;
	CHECK_OK(store_review_items_copy(st, id, &f, l));
	CHECK_INT_EQ(l->n, 1);
	return l->n == 1 ? l->v[0] : NULL;
}

static const struct seed ekonomi[] = {
	{ "anna", "user", "ok", 3, 0 },
	{ "bertil", "user", "ok", -1, 0 },	/* never logged in */
	{ "olle", "admin", "ok", 1, 0 },	/* the owner's own */
	{ "sara", "admin", "ok", 1, 0 },	/* the function's own */
	{ "erik", "user", "ok", 2, 0 },
	{ "erik", "admin", "ok", 2, 0 },
	{ "vera", "admin", "ok", 2, 1 },	/* marked for the function */
};

static void
test_decide(struct store *st)
{
	struct store_item_list l;
	struct store_review_item *it;
	char cite[64], want[64];
	int64_t id = campaign(st, "ekonomi", ekonomi,
	    sizeof(ekonomi) / sizeof(ekonomi[0]));
	int refused;

	/* Who may act on the campaign at all. */
	CHECK_INT_EQ(decide(st, &stranger, id, "anna", NULL, "keep", NULL,
	    &refused), RSN_FORBIDDEN);
	CHECK(refused);
	CHECK_INT_EQ(decide(st, &owner, id + 100, "anna", NULL, "keep", NULL,
	    &refused), RSN_NOT_FOUND);
	CHECK(!refused);
	/* The owner decides on their system, once. */
	CHECK_INT_EQ(decide(st, &owner, id, "anna", NULL, "keep", NULL,
	    &refused), RSN_OK);
	CHECK(!refused);
	if ((it = item(st, id, "anna", "user", &l)) != NULL) {
		CHECK_STR_EQ(it->decision, "keep");
		CHECK_STR_EQ(it->decided_by, "olle");
		CHECK_INT_EQ(it->by_default, 0);
	}
	store_item_list_free(&l);
	CHECK_INT_EQ(decide(st, &owner, id, "anna", NULL, "revoke", "no",
	    NULL), RSN_EXISTS);
	CHECK(!revoked(st, "ekonomi", "anna", "user"));
	/* SECURITY NOTE: nobody decides on their own access. */
	CHECK_INT_EQ(decide(st, &owner, id, "olle", NULL, "keep", NULL,
	    &refused), RSN_FORBIDDEN);
	CHECK(refused);
	CHECK_INT_EQ(decide(st, &sec, id, "sara", NULL, "keep", NULL,
	    &refused), RSN_FORBIDDEN);
	CHECK(refused);
	/* The owner's own item is the security function's. */
	CHECK_INT_EQ(decide(st, &sec, id, "olle", NULL, "keep", NULL, NULL),
	    RSN_OK);
	CHECK_INT_EQ(decide(st, &owner, id, "sara", NULL, "keep", NULL, NULL),
	    RSN_OK);
	CHECK_INT_EQ(decide(st, &owner, id, "vera", NULL, "keep", NULL,
	    &refused), RSN_FORBIDDEN);
	CHECK(refused);
	CHECK_INT_EQ(decide(st, &sec, id, "vera", NULL, "keep", NULL, NULL),
	    RSN_OK);
	/* Comments: for a revoke, and to keep someone flagged inactive. */
	CHECK_INT_EQ(decide(st, &owner, id, "bertil", NULL, "keep", NULL,
	    NULL), RSN_BAD_REQUEST);
	CHECK_INT_EQ(decide(st, &owner, id, "bertil", NULL, "revoke", "",
	    NULL), RSN_BAD_REQUEST);
	CHECK_INT_EQ(decide(st, &owner, id, "bertil", NULL, "revoke",
	    "left in May", NULL), RSN_OK);
	/* A revoke is in force at once, citing its review. */
	CHECK(reviewrule_revoked(st, "ekonomi", "user", "bertil", cite,
	    sizeof(cite)) == 1);
	snprintf(want, sizeof(want), "review %lld", (long long)id);
	CHECK_STR_EQ(cite, want);
	CHECK(!revoked(st, "annat", "bertil", "user"));
	/* A role the user does not hold; then all roles at once. */
	CHECK_INT_EQ(decide(st, &owner, id, "erik", "ops", "revoke", "x",
	    NULL), RSN_NOT_FOUND);
	CHECK_INT_EQ(decide(st, &owner, id, "nobody", NULL, "keep", NULL,
	    NULL), RSN_NOT_FOUND);
	CHECK_INT_EQ(decide(st, &owner, id, "erik", NULL, "revoke", "moved",
	    NULL), RSN_OK);
	CHECK(revoked(st, "ekonomi", "erik", "user"));
	CHECK(revoked(st, "ekonomi", "erik", "admin"));
	/* Lifted, a revocation is no longer in force. */
	{
		int64_t n = 0;

		CHECK_OK(store_revocation_lift(st, "ekonomi", "erik", "admin",
		    T0 + 2 * DAY, sec.name, "needed after all", &n));
		CHECK_INT_EQ(n, 1);
		CHECK(revoked(st, "ekonomi", "erik", "user"));
		CHECK(!revoked(st, "ekonomi", "erik", "admin"));
	}
}

static const struct seed skola[] = {
	{ "anna", "user", "ok", 3, 0 },
	{ "cecilia", "user", "account-disabled", 3, 0 },
	{ "david", "user", "unknown-user", -1, 0 },
	{ "frida", "user", "ok", 200, 0 },	/* inactive */
	{ "gustav", "user", "account-expired", 1, 0 },
};

static int
count_state(const struct store_review *rv, void *arg)
{
	int64_t *closed = arg;

	*closed = rv->closed_ms;
	return 0;
}

static void
test_close_keep(struct store *st)
{
	struct reviewrule_closing c;
	struct store_item_list l;
	struct store_review_item *it;
	uint8_t head[CHAIN_HASH_LEN];
	int64_t id = campaign(st, "skola", skola,
	    sizeof(skola) / sizeof(skola[0])), closed = 0;

	CHECK_INT_EQ(decide(st, &owner, id, "anna", NULL, "revoke", "gone",
	    NULL), RSN_OK);
	/* Undecided items and no default: the campaign stays open. */
	memset(&c, 0, sizeof(c));
	c.id = id;
	c.now = T0 + 40 * DAY;
	CHECK_OK(reviewrule_close(st, &owner, &c));
	CHECK_INT_EQ(c.why, RSN_BAD_REQUEST);
	CHECK_STR_HAS(c.msg, "4 items are undecided");
	/* Neither owner nor security function: no. */
	c.deflt = "keep";
	CHECK_OK(reviewrule_close(st, &stranger, &c));
	CHECK_INT_EQ(c.why, RSN_FORBIDDEN);
	/* Default keep: kept, except whom the directory disables or lost. */
	CHECK_OK(reviewrule_close(st, &owner, &c));
	CHECK_INT_EQ(c.why, RSN_OK);
	CHECK_STR_EQ(c.system, "skola");
	CHECK_INT_EQ(c.kept, 1);
	CHECK_INT_EQ(c.revoked, 4);
	CHECK_INT_EQ(c.defaulted, 4);
	if ((it = item(st, id, "frida", "user", &l)) != NULL) {
		CHECK_STR_EQ(it->decision, "keep");
		CHECK_INT_EQ(it->by_default, 1);
		CHECK_STR_EQ(it->comment, "closed with --default keep");
		CHECK_STR_EQ(it->decided_by, "olle");
	}
	store_item_list_free(&l);
	if ((it = item(st, id, "cecilia", "user", &l)) != NULL) {
		CHECK_STR_EQ(it->decision, "revoke");
		CHECK_INT_EQ(it->by_default, 1);
		CHECK_STR_EQ(it->comment, "closed: account account-disabled");
	}
	store_item_list_free(&l);
	CHECK(revoked(st, "skola", "cecilia", "user"));
	CHECK(revoked(st, "skola", "david", "user"));
	CHECK(revoked(st, "skola", "gustav", "user"));
	CHECK(revoked(st, "skola", "anna", "user"));
	CHECK(!revoked(st, "skola", "frida", "user"));
	/* Marked closed (after its record): nothing more is decided. */
	memset(head, 0xab, sizeof(head));
	CHECK_OK(store_review_close(st, id, c.now, owner.name, c.deflt, 42,
	    head));
	CHECK_OK(store_review_get(st, id, count_state, &closed));
	CHECK_INT_EQ(closed, c.now);
	CHECK_INT_EQ(decide(st, &sec, id, "frida", NULL, "revoke", "late",
	    NULL), RSN_BAD_REQUEST);
	CHECK_OK(reviewrule_close(st, &sec, &c));
	CHECK_INT_EQ(c.why, RSN_BAD_REQUEST);
	CHECK_STR_EQ(c.msg, "the review is already closed");
}

static void
test_close_revoke(struct store *st)
{
	struct reviewrule_closing c;
	int64_t id = campaign(st, "vard", skola,
	    sizeof(skola) / sizeof(skola[0]));

	CHECK_INT_EQ(decide(st, &owner, id, "frida", NULL, "keep", "on leave",
	    NULL), RSN_OK);
	memset(&c, 0, sizeof(c));
	c.id = id;
	c.now = T0 + 40 * DAY;
	c.deflt = "revoke";
	CHECK_OK(reviewrule_close(st, &sec, &c));
	CHECK_INT_EQ(c.why, RSN_OK);
	CHECK_INT_EQ(c.kept, 1);
	CHECK_INT_EQ(c.revoked, 4);
	CHECK_INT_EQ(c.defaulted, 4);
	CHECK(revoked(st, "vard", "anna", "user"));
	CHECK(!revoked(st, "vard", "frida", "user"));
	/* Nothing undecided: no default needed. */
	c.deflt = NULL;
	CHECK_OK(reviewrule_close(st, &sec, &c));
	CHECK_INT_EQ(c.why, RSN_OK);
	CHECK_INT_EQ(c.defaulted, 4);
}

static void
test_small_rules(void)
{
	struct store_review_item it;
	char rec[64];

	CHECK_STR_EQ(reviewrule_default("ok", "keep"), "keep");
	CHECK_STR_EQ(reviewrule_default("ok", "revoke"), "revoke");
	CHECK_STR_EQ(reviewrule_default("account-disabled", "keep"), "revoke");
	CHECK_STR_EQ(reviewrule_default("account-expired", "keep"), "revoke");
	CHECK_STR_EQ(reviewrule_default("unknown-user", "keep"), "revoke");
	CHECK_STR_EQ(reviewrule_default(NULL, "keep"), "revoke");

	memset(&it, 0, sizeof(it));
	it.user = "anna";
	it.account = "ok";
	it.last_login_ms = T0 - 90 * DAY;
	reviewrule_flags(&it, "olle", T0, 90);
	CHECK_INT_EQ(it.inactive, 0);
	CHECK_INT_EQ(it.needs_admin, 0);
	reviewrule_recommend(&it, 90, rec, sizeof(rec));
	CHECK_STR_EQ(rec, "keep");
	it.last_login_ms--;
	reviewrule_flags(&it, "anna", T0, 90);
	CHECK_INT_EQ(it.inactive, 1);
	CHECK_INT_EQ(it.needs_admin, 1);
	reviewrule_recommend(&it, 90, rec, sizeof(rec));
	CHECK_STR_EQ(rec, "revoke (no login in 90 days)");
	it.last_login_ms = 0;
	reviewrule_recommend(&it, 90, rec, sizeof(rec));
	CHECK_STR_EQ(rec, "revoke (no login on record)");
	it.account = "account-disabled";
	reviewrule_recommend(&it, 90, rec, sizeof(rec));
	CHECK_STR_EQ(rec, "revoke (account-disabled)");

	CHECK_STR_EQ(reviewrule_state(0, T0, T0), "open");
	CHECK_STR_EQ(reviewrule_state(0, T0, T0 + 1), "overdue");
	CHECK_STR_EQ(reviewrule_state(T0, T0, T0 + 1), "closed");
}

/*
 * Random decisions by random people on a campaign: whatever is accepted,
 * no item is decided by its own user, the owner's own only by the
 * security function, none twice, and every revoke is in force.
 */
static void
test_random(struct store *st)
{
	static const struct seed people[] = {
		{ "anna", "user", "ok", 3, 0 },
		{ "olle", "admin", "ok", 1, 0 },
		{ "sara", "user", "ok", 2, 0 },
		{ "mallory", "user", "ok", 5, 0 },
		{ "bertil", "user", "ok", 400, 0 },
		{ "bertil", "ops", "ok", 1, 0 },
		{ "vera", "admin", "ok", 2, 1 },
	};
	static const struct review_actor *const actors[] = {
		&owner, &stranger, &sec,
	};
	static const char *const decisions[] = { "keep", "revoke" };
	static const char *const comments[] = { NULL, "", "why" };
	const size_t np = sizeof(people) / sizeof(people[0]);
	const struct review_actor *who;
	struct store_item_list l;
	int64_t id = 0;
	const char *dec;
	enum reason why;
	size_t i, k;
	int round;

	check_rand_init();
	for (round = 0; round < 200; round++) {
		if (round % 20 == 0)
			id = campaign(st, "lab", people, np);
		who = actors[check_rand_n(3)];
		k = (size_t)check_rand_n(np);
		dec = decisions[check_rand_n(2)];
		why = decide(st, who, id, people[k].user, check_rand_n(2) ?
		    people[k].role : NULL, dec, comments[check_rand_n(3)],
		    NULL);
		if (why != RSN_OK)
			continue;
		CHECK(strcmp(who->name, people[k].user) != 0);
		CHECK(who != &stranger);
		CHECK(!people[k].admin || who->admin);
		CHECK(strcmp(people[k].user, owner.name) != 0 || who->admin);
		CHECK_OK(store_review_items_copy(st, id, NULL, &l));
		for (i = 0; i < l.n; i++) {
			if (l.v[i]->decision == NULL)
				continue;
			CHECK(strcmp(l.v[i]->decided_by, l.v[i]->user) != 0);
			if (strcmp(l.v[i]->decision, "revoke") == 0)
				CHECK(revoked(st, "lab", l.v[i]->user,
				    l.v[i]->role));
		}
		store_item_list_free(&l);
		/* Decided once: the same again is refused. */
		CHECK(decide(st, who, id, people[k].user, people[k].role, dec,
		    "again", NULL) != RSN_OK);
	}
}

static int
count_review(const struct store_review *rv, void *arg)
{
	int *n = arg;

	(void)rv;
	(*n)++;
	return 0;
}

static void
test_visibility(struct store *st)
{
	int all = 0, mine = 0, theirs = 0;

	CHECK_OK(store_review_list(st, NULL, count_review, &all));
	CHECK_OK(store_review_list(st, owner.name, count_review, &mine));
	CHECK_OK(store_review_list(st, stranger.name, count_review, &theirs));
	CHECK(all > 0);
	CHECK_INT_EQ(mine, all);
	CHECK_INT_EQ(theirs, 0);
	CHECK_ERR(store_review_get(st, 999999, count_review, &all),
	    AUTHD_ERR_NOT_FOUND);
}

int
main(void)
{
	struct tmpstore t;
	struct store *st;

	st = tmpstore_open(&t, "test_reviewrule");
	test_decide(st);
	test_close_keep(st);
	test_close_revoke(st);
	test_small_rules();
	test_random(st);
	test_visibility(st);
	tmpstore_close(&t);
	return check_done("test_reviewrule");
}
