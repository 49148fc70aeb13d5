/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * budget.c: the shares carved from connections_max (and from fewer, when
 * the descriptor limit cuts it), each socket's share and root's reserve at
 * their boundaries, the per-uid caps, the refusal connections, the token
 * buckets to the millisecond (and after a long silence, and at the largest
 * settings), and a random loop of takes and gives against a model.
 */
#include <stdio.h>
#include <string.h>

#include "authd.h"
#include "budget.h"
#include "check.h"

static struct config
defaults(void)
{
	struct config c;

	/* As the keyword table in config.c has them. */
	memset(&c, 0, sizeof(c));
	c.connections_max = 1024;
	c.admin_connections = 16;
	c.root_connections = 4;
	c.review_connections = 16;
	c.review_connections_per_uid = 4;
	c.review_idle_timeout = 10;
	c.review_request_rate = 10;
	c.review_request_burst = 30;
	c.pam_connections_per_uid = 256;
	c.pam_request_rate = 200;
	c.pam_request_burst = 400;
	return c;
}

/* Takes `n` connections of `uid` on `kind`; returns how many it got. */
static size_t
take(struct budget *b, int kind, uid_t uid, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (budget_conn_take(b, kind, uid) != BUDGET_OK)
			break;
	return i;
}

static void
put(struct budget *b, int kind, uid_t uid, size_t n)
{
	while (n-- > 0)
		budget_conn_put(b, kind, uid);
}

static void
test_shares(void)
{
	struct config c = defaults();
	struct budget *b = NULL;
	size_t r;

	CHECK_OK(budget_new(&c, 1024, &b));
	CHECK_U64_EQ(budget_share(b, SOCK_PAM, &r), 1024 - 16 - 16 - 8);
	CHECK_U64_EQ(r, 4);
	CHECK_U64_EQ(budget_share(b, SOCK_ADMIN, &r), 16);
	CHECK_U64_EQ(r, 4);
	CHECK_U64_EQ(budget_share(b, SOCK_REVIEW, &r), 16);
	CHECK_U64_EQ(r, 0);
	CHECK_U64_EQ(budget_share(b, 3, &r), 0);
	CHECK_U64_EQ(budget_share(b, -1, NULL), 0);
	budget_free(b);

	/* The smallest connections_max the defaults allow. */
	c.connections_max = 64;
	CHECK_OK(budget_new(&c, 64, &b));
	CHECK_U64_EQ(budget_share(b, SOCK_PAM, &r), 64 - 16 - 16 - 4);
	CHECK_U64_EQ(r, 4);
	budget_free(b);

	/* Cut by the descriptor limit: the shares shrink in proportion. */
	c.connections_max = 1024;
	CHECK_OK(budget_new(&c, 100, &b));
	/* 16 * 100 / 1024 is 1; the admin share is 2 at least. */
	CHECK_U64_EQ(budget_share(b, SOCK_ADMIN, &r), 2);
	CHECK_U64_EQ(r, 1);
	CHECK_U64_EQ(budget_share(b, SOCK_REVIEW, NULL), 1);
	CHECK_U64_EQ(budget_share(b, SOCK_PAM, &r), 100 - 2 - 1 - 6);
	CHECK_U64_EQ(r, 1);
	budget_free(b);
	CHECK_OK(budget_new(&c, 512, &b));
	CHECK_U64_EQ(budget_share(b, SOCK_ADMIN, &r), 8);
	CHECK_U64_EQ(r, 2);
	CHECK_U64_EQ(budget_share(b, SOCK_REVIEW, NULL), 8);
	CHECK_U64_EQ(budget_share(b, SOCK_PAM, NULL), 512 - 8 - 8 - 8);
	budget_free(b);
	/* The floor clamp_connections leaves: every socket still has one. */
	CHECK_OK(budget_new(&c, 4, &b));
	CHECK(budget_share(b, SOCK_PAM, NULL) >= 1);
	CHECK(budget_share(b, SOCK_ADMIN, NULL) >= 1);
	CHECK(budget_share(b, SOCK_REVIEW, NULL) >= 1);
	budget_free(b);
	budget_free(NULL);
}

static void
test_connections(void)
{
	struct config c = defaults();
	struct budget *b = NULL;
	char d[160];
	uid_t u;

	CHECK_OK(budget_new(&c, 1024, &b));

	/* The review socket: 4 per uid, 16 in all, root included. */
	CHECK_U64_EQ(take(b, SOCK_REVIEW, 1000, 4), 4);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_REVIEW, 1000), BUDGET_UID_FULL);
	for (u = 1001; u <= 1003; u++)
		CHECK_U64_EQ(take(b, SOCK_REVIEW, u, 5), 4);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_REVIEW, 1004),
	    BUDGET_SOCKET_FULL);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_REVIEW, 0), BUDGET_SOCKET_FULL);
	/* Full review socket: the others' shares are whole. */
	CHECK_U64_EQ(take(b, SOCK_ADMIN, 0, 16), 16);
	put(b, SOCK_ADMIN, 0, 16);
	put(b, SOCK_REVIEW, 1000, 1);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_REVIEW, 1000), BUDGET_OK);
	put(b, SOCK_REVIEW, 1000, 1);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_REVIEW, 1004), BUDGET_OK);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_REVIEW, 1000),
	    BUDGET_SOCKET_FULL);
	budget_describe(b, SOCK_REVIEW, 1000, 0, d, sizeof(d));
	CHECK_STR_EQ(d, "connections (4 per uid, 16 on this socket)");
	budget_describe(b, SOCK_REVIEW, 1000, 1, d, sizeof(d));
	CHECK_STR_EQ(d, "requests (10 a second per uid, bursts of 30)");
	budget_describe(b, SOCK_REVIEW, 1000, 0, d, 12);
	CHECK_STR_EQ(d, "connections");
	put(b, SOCK_REVIEW, 1004, 1);
	put(b, SOCK_REVIEW, 1000, 3);
	for (u = 1001; u <= 1003; u++)
		put(b, SOCK_REVIEW, u, 4);
	CHECK_U64_EQ(take(b, SOCK_REVIEW, 1000, 4), 4);
	put(b, SOCK_REVIEW, 1000, 4);

	/* The admin socket: admin_group takes 12, root the last 4. */
	CHECK_U64_EQ(take(b, SOCK_ADMIN, 1000, 100), 12);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_ADMIN, 1001), BUDGET_RESERVED);
	CHECK_U64_EQ(take(b, SOCK_ADMIN, 0, 100), 4);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_ADMIN, 0), BUDGET_SOCKET_FULL);
	put(b, SOCK_ADMIN, 1000, 1);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_ADMIN, 1001), BUDGET_RESERVED);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_ADMIN, 0), BUDGET_OK);
	budget_describe(b, SOCK_ADMIN, 1000, 0, d, sizeof(d));
	CHECK_STR_EQ(d, "connections (16 on this socket, 4 of them root's "
	    "alone)");
	put(b, SOCK_ADMIN, 0, 5);
	put(b, SOCK_ADMIN, 1000, 11);

	/* The PAM socket: 256 per uid but root, root's 4 at the end. */
	CHECK_U64_EQ(take(b, SOCK_PAM, 1000, 300), 256);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_PAM, 1000), BUDGET_UID_FULL);
	CHECK_U64_EQ(take(b, SOCK_PAM, 1001, 256), 256);
	CHECK_U64_EQ(take(b, SOCK_PAM, 1002, 256), 256);
	CHECK_U64_EQ(take(b, SOCK_PAM, 1003, 256), 984 - 4 - 768);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_PAM, 1004), BUDGET_RESERVED);
	CHECK_U64_EQ(take(b, SOCK_PAM, 0, 100), 4);
	CHECK_INT_EQ(budget_conn_take(b, SOCK_PAM, 0), BUDGET_SOCKET_FULL);
	put(b, SOCK_PAM, 0, 4);
	put(b, SOCK_PAM, 1000, 256);
	put(b, SOCK_PAM, 1001, 256);
	put(b, SOCK_PAM, 1002, 256);
	put(b, SOCK_PAM, 1003, 984 - 4 - 768);
	/* Root alone may fill the whole share: no per-uid cap. */
	CHECK_U64_EQ(take(b, SOCK_PAM, 0, 2000), 984);
	put(b, SOCK_PAM, 0, 984);

	/* Unknown kinds take nothing; giving back too much is harmless. */
	CHECK_INT_EQ(budget_conn_take(b, 3, 0), BUDGET_SOCKET_FULL);
	budget_conn_put(b, 3, 0);
	budget_conn_put(b, SOCK_REVIEW, 4242);
	CHECK_U64_EQ(take(b, SOCK_REVIEW, 1000, 4), 4);
	put(b, SOCK_REVIEW, 1000, 4);

	/* Refusal connections: at most BUDGET_REFUSING_MAX at once. */
	for (u = 0; u < BUDGET_REFUSING_MAX; u++)
		CHECK(budget_refusal_take(b));
	CHECK(!budget_refusal_take(b));
	budget_refusal_put(b);
	CHECK(budget_refusal_take(b));
	for (u = 0; u < BUDGET_REFUSING_MAX; u++)
		budget_refusal_put(b);
	budget_free(b);
}

static void
test_requests(void)
{
	struct config c = defaults();
	struct budget *b = NULL;
	int64_t t = 5000;
	int i, ok;

	CHECK_OK(budget_new(&c, 1024, &b));
	/* A burst of 30, then 10 a second: one every 100 ms. */
	for (i = 0, ok = 0; i < 40; i++)
		ok += budget_request(b, SOCK_REVIEW, 1000, t) == BUDGET_OK;
	CHECK_INT_EQ(ok, 30);
	CHECK_INT_EQ(budget_request(b, SOCK_REVIEW, 1000, t + 99), BUDGET_RATE);
	CHECK_INT_EQ(budget_request(b, SOCK_REVIEW, 1000, t + 100), BUDGET_OK);
	CHECK_INT_EQ(budget_request(b, SOCK_REVIEW, 1000, t + 100),
	    BUDGET_RATE);
	/* Others have their own buckets; root and the admin socket none. */
	CHECK_INT_EQ(budget_request(b, SOCK_REVIEW, 1001, t + 100), BUDGET_OK);
	CHECK_INT_EQ(budget_request(b, SOCK_PAM, 1000, t + 100), BUDGET_OK);
	for (i = 0, ok = 0; i < 10000; i++)
		ok += budget_request(b, SOCK_REVIEW, 0, t) == BUDGET_OK &&
		    budget_request(b, SOCK_PAM, 0, t) == BUDGET_OK &&
		    budget_request(b, SOCK_ADMIN, 1000, t) == BUDGET_OK;
	CHECK_INT_EQ(ok, 10000);
	/* A clock that steps back refills nothing and breaks nothing. */
	CHECK_INT_EQ(budget_request(b, SOCK_REVIEW, 1000, t), BUDGET_RATE);
	CHECK_INT_EQ(budget_request(b, SOCK_REVIEW, 1000, t + 200), BUDGET_OK);
	/* After a long silence: a full bucket, no more. */
	t += 86400LL * 1000 * 365;
	for (i = 0, ok = 0; i < 40; i++)
		ok += budget_request(b, SOCK_REVIEW, 1000, t) == BUDGET_OK;
	CHECK_INT_EQ(ok, 30);
	/* The PAM socket's defaults: 400 at once, then 200 a second. */
	for (i = 0, ok = 0; i < 500; i++)
		ok += budget_request(b, SOCK_PAM, 1000, t) == BUDGET_OK;
	CHECK_INT_EQ(ok, 400);		/* refilled over the year too */
	CHECK_INT_EQ(budget_request(b, SOCK_PAM, 1000, t + 4), BUDGET_RATE);
	CHECK_INT_EQ(budget_request(b, SOCK_PAM, 1000, t + 5), BUDGET_OK);
	budget_free(b);

	/* A rate of 0 is no limit; the largest settings do not overflow. */
	c.review_request_rate = 0;
	c.pam_request_rate = 100000;
	c.pam_request_burst = 1000000;
	CHECK_OK(budget_new(&c, 1024, &b));
	for (i = 0, ok = 0; i < 100000; i++)
		ok += budget_request(b, SOCK_REVIEW, 1000, 0) == BUDGET_OK;
	CHECK_INT_EQ(ok, 100000);
	CHECK_INT_EQ(budget_request(b, SOCK_PAM, 1000, 0), BUDGET_OK);
	CHECK_INT_EQ(budget_request(b, SOCK_PAM, 1000, INT64_MAX / 2),
	    BUDGET_OK);
	budget_free(b);

	/*
	 * More uids than the table keeps: the least recently seen is
	 * forgotten; the uid that floods stays in it, with its empty bucket.
	 */
	c = defaults();
	CHECK_OK(budget_new(&c, 1024, &b));
	for (i = 0; i < 30; i++)
		(void)budget_request(b, SOCK_REVIEW, 1000, 0);
	for (i = 0; i < 1000; i++) {
		/* 10 a second: one token every 100 ms. */
		CHECK_INT_EQ(budget_request(b, SOCK_REVIEW, 1000, i),
		    i > 0 && i % 100 == 0 ? BUDGET_OK : BUDGET_RATE);
		CHECK_INT_EQ(budget_request(b, SOCK_REVIEW,
		    (uid_t)(2000 + i), i), BUDGET_OK);
	}
	budget_free(b);
}

/* Random takes and gives against a model of the rules in budget.h. */
static void
test_random(void)
{
	struct config c = defaults();
	struct budget *b = NULL;
	static const uid_t uids[] = { 0, 1000, 1001, 1002, 1003, 1004, 1005 };
	size_t cnt[3][7], n[3], share[3], reserve[3], per_uid[3];
	int i, k, x, want;

	c.connections_max = 128;
	c.admin_connections = 8;
	c.root_connections = 2;
	c.review_connections = 10;
	c.review_connections_per_uid = 3;
	c.pam_connections_per_uid = 40;
	CHECK_OK(budget_new(&c, 128, &b));
	for (k = 0; k < 3; k++)
		share[k] = budget_share(b, k, &reserve[k]);
	per_uid[SOCK_PAM] = 40;
	per_uid[SOCK_ADMIN] = 0;
	per_uid[SOCK_REVIEW] = 3;
	memset(cnt, 0, sizeof(cnt));
	memset(n, 0, sizeof(n));
	check_rand_init();
	for (i = 0; i < 200000; i++) {
		k = (int)check_rand_n(3);
		x = (int)check_rand_n(7);
		if (check_rand_n(2) == 0 && cnt[k][x] > 0) {
			budget_conn_put(b, k, uids[x]);
			cnt[k][x]--;
			n[k]--;
			continue;
		}
		want = n[k] >= share[k] ? BUDGET_SOCKET_FULL :
		    uids[x] == 0 ? BUDGET_OK :
		    n[k] >= share[k] - reserve[k] ? BUDGET_RESERVED :
		    per_uid[k] > 0 && cnt[k][x] >= per_uid[k] ?
		    BUDGET_UID_FULL : BUDGET_OK;
		CHECK_INT_EQ(budget_conn_take(b, k, uids[x]), want);
		if (want == BUDGET_OK) {
			cnt[k][x]++;
			n[k]++;
		}
	}
	for (k = 0; k < 3; k++)
		for (x = 0; x < 7; x++)
			put(b, k, uids[x], cnt[k][x]);
	/* Everything given back: each share is whole again. */
	for (k = 0; k < 3; k++)
		CHECK_U64_EQ(take(b, k, 0, 1000), share[k]);
	budget_free(b);
}

int
main(void)
{
	test_shares();
	test_connections();
	test_requests();
	test_random();
	return check_done("test_budget");
}
