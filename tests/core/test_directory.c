/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * directory.c and dircache.c against a real slapd holding
 * tests/fixtures/nested.ldif: the three membership forms, nested groups
 * at depths 1..7, a loop, a diamond, the group base, group members with
 * paths, password binds, and the cache (ttl, outage, max_stale, retry
 * interval, negative entries, eviction, a frozen server, threads).
 *
 * Run by tests/core/directory.sh, which starts slapd and passes
 * LDAP_URI, LDAP_BASE, LDAP_BIND_DN, TEST_BIND_PW_FILE and SLAPD_PID in
 * the environment.  Exits 77 when run without them.
 */
#include <sys/types.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "check.h"
#include "config.h"
#include "dircache.h"
#include "directory.h"
#include "log.h"
#include "secmem.h"
#include "util.h"

#define PEOPLE		",ou=people,dc=exempel,dc=se"
#define GROUPS		",ou=groups,dc=exempel,dc=se"
#define DEAD_URI	"ldap://127.0.0.1:1/"	/* nothing listens */
#define HANG_GUARD	60	/* seconds; only catches a hang */

static struct config	cfg;		/* the live slapd */
static struct config	dead;		/* same, but nobody answers */
static char		*bindpw;
static pid_t		 slapd_pid;

static int64_t		 fake_now = 1000000;

static int64_t
fake_clock(void)
{
	return fake_now;
}

/* The frozen-server test must never leave slapd stopped. */
static void
on_alarm(int sig)
{
	static const char msg[] = "test_directory: hang guard fired\n";

	(void)sig;
	if (slapd_pid > 0)
		kill(slapd_pid, SIGCONT);
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* "gon-direct" -> "cn=gon-direct,ou=groups,dc=exempel,dc=se" (static). */
static const char *
G(const char *cn)
{
	static char buf[8][256];
	static int k;

	k = (k + 1) % 8;
	if (strchr(cn, '=') != NULL)
		snprintf(buf[k], sizeof(buf[k]), "%s", cn);
	else
		snprintf(buf[k], sizeof(buf[k]), "cn=%s" GROUPS, cn);
	return buf[k];
}

/*
 * Checks dir_user_groups for `user` at `depth`: `want` lists "group" or
 * "group<parent" in strcmp order of the full DNs.
 */
static void
expect_groups(struct dir *d, const char *user, int depth, int loops,
    int truncated, const char *const *want, size_t nwant, int line)
{
	struct dir_groups g;
	char *dn = NULL, name[128], *lt;
	size_t i;
	int r;

	CHECK_OK(dir_user_dn(d, user, &dn));
	r = dir_user_groups(d, user, dn, depth, &g);
	CHECK_OK(r);
	if (r != 0 || g.n != nwant || g.loops != loops ||
	    g.truncated != truncated) {
		fprintf(stderr, "line %d: %s depth %d: n %zu (want %zu) "
		    "loops %d (%d) truncated %d (%d)\n", line, user, depth,
		    g.n, nwant, g.loops, loops, g.truncated, truncated);
		for (i = 0; i < g.n; i++)
			fprintf(stderr, "  %s <%d\n", g.dn[i], g.parent[i]);
		CHECK(0);
	}
	for (i = 0; r == 0 && i < g.n && i < nwant; i++) {
		snprintf(name, sizeof(name), "%s", want[i]);
		if ((lt = strchr(name, '<')) != NULL)
			*lt++ = '\0';
		CHECK_STR_EQ(g.dn[i], G(name));
		if (lt == NULL)
			CHECK_INT_EQ(g.parent[i], -1);
		else {
			CHECK(g.parent[i] >= 0 && (size_t)g.parent[i] < g.n);
			if (g.parent[i] >= 0 && (size_t)g.parent[i] < g.n)
				CHECK_STR_EQ(g.dn[g.parent[i]], G(lt));
		}
		if (i > 0)
			CHECK(strcmp(g.dn[i - 1], g.dn[i]) < 0);
	}
	dir_groups_free(&g);
	free(dn);
}

#define GROUPS_ARE(d, u, depth, loops, trunc, ...) do {			\
	static const char *const w_[] = { __VA_ARGS__ };		\
	expect_groups(d, u, depth, loops, trunc, w_,			\
	    sizeof(w_) / sizeof(w_[0]), __LINE__);			\
} while (0)

/* What dir_group_members reported: "user|dn|path" lines, sorted. */
struct got {
	char		*line[64];
	size_t		 n;
	int		 stop_with;	/* non-zero: return this from cb */
};

static int
collect(void *arg, const char *user, const char *user_dn, const char *path)
{
	struct got *g = arg;
	char buf[2048];

	snprintf(buf, sizeof(buf), "%s|%s|%s", user,
	    user_dn ? user_dn : "(null)", path);
	if (g->n < 64)
		g->line[g->n++] = strdup(buf);
	return g->stop_with;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
expect_members(struct dir *d, const char *group, int depth,
    const char *const *want, size_t nwant, int line)
{
	struct got g;
	size_t i;
	int r;

	memset(&g, 0, sizeof(g));
	r = dir_group_members(d, group, depth, collect, &g);
	CHECK_OK(r);
	qsort(g.line, g.n, sizeof(g.line[0]), cmpstr);
	CHECK_U64_EQ(g.n, nwant);
	if (g.n != nwant) {
		fprintf(stderr, "line %d: %s depth %d:\n", line, group, depth);
		for (i = 0; i < g.n; i++)
			fprintf(stderr, "  %s\n", g.line[i]);
	}
	for (i = 0; i < g.n && i < nwant; i++)
		CHECK_STR_EQ(g.line[i], want[i]);
	for (i = 0; i < g.n; i++)
		free(g.line[i]);
}

#define MEMBERS_ARE(d, grp, depth, ...) do {				\
	static const char *const w_[] = { __VA_ARGS__ };		\
	expect_members(d, grp, depth, w_, sizeof(w_) / sizeof(w_[0]),	\
	    __LINE__);							\
} while (0)

#define NO_MEMBERS(d, grp, depth)					\
	expect_members(d, grp, depth, NULL, 0, __LINE__)

/* Full DNs for the expectations below. */
#define GD	"cn=gon-direct" GROUPS
#define GU	"cn=gun-unique" GROUPS
#define GO	"cn=gun-outer" GROUPS
#define PS	"cn=posix-staff" GROUPS
#define TOP	"cn=top" GROUPS
#define MID	"cn=mid" GROUPS
#define OUT	"cn=outside,ou=elsewhere,dc=exempel,dc=se"
#define LA	"cn=loop-a" GROUPS
#define LB	"cn=loop-b" GROUPS
#define LC	"cn=loop-c" GROUPS
#define C(n)	"cn=chain" #n GROUPS

static void
test_groups(struct dir *d)
{
	struct dir_groups g;

	/* The three forms; anna's uniqueMember carries her UID. */
	GROUPS_ARE(d, "anna", 5, 0, 0, "gon-direct", "gun-outer<gon-direct",
	    "gun-unique", "posix-staff");
	GROUPS_ARE(d, "anna", 1, 0, 1, "gon-direct", "gun-unique",
	    "posix-staff");
	GROUPS_ARE(d, "anna", 2, 0, 0, "gon-direct", "gun-outer<gon-direct",
	    "gun-unique", "posix-staff");
	/* A second path to top (through mid) is no loop. */
	GROUPS_ARE(d, "bertil", 5, 0, 0, "gon-direct",
	    "gun-outer<gon-direct", "mid", "top");
	GROUPS_ARE(d, "cecilia", 5, 0, 0, "gun-unique", "mid", "top<mid");
	/* dag#'1111'B in gun-unique is someone else: dag has no UID. */
	GROUPS_ARE(d, "dag", 5, 0, 0, "posix-staff");
	/* The chain of seven. */
	GROUPS_ARE(d, "erik", 1, 0, 1, "chain1");
	GROUPS_ARE(d, "erik", 2, 0, 1, "chain1", "chain2<chain1");
	GROUPS_ARE(d, "erik", 5, 0, 1, "chain1", "chain2<chain1",
	    "chain3<chain2", "chain4<chain3", "chain5<chain4");
	GROUPS_ARE(d, "erik", 6, 0, 1, "chain1", "chain2<chain1",
	    "chain3<chain2", "chain4<chain3", "chain5<chain4",
	    "chain6<chain5");
	GROUPS_ARE(d, "erik", 7, 0, 0, "chain1", "chain2<chain1",
	    "chain3<chain2", "chain4<chain3", "chain5<chain4",
	    "chain6<chain5", "chain7<chain6");
	GROUPS_ARE(d, "erik", 16, 0, 0, "chain1", "chain2<chain1",
	    "chain3<chain2", "chain4<chain3", "chain5<chain4",
	    "chain6<chain5", "chain7<chain6");
	/* The loop: counted once, and the walk ends. */
	GROUPS_ARE(d, "frida", 2, 0, 1, "loop-a", "loop-b<loop-a");
	GROUPS_ARE(d, "frida", 3, 1, 0, "loop-a", "loop-b<loop-a",
	    "loop-c<loop-b");
	GROUPS_ARE(d, "frida", 16, 1, 0, "loop-a", "loop-b<loop-a",
	    "loop-c<loop-b");
	/* No groups at all. */
	expect_groups(d, "gustav", 5, 0, 0, NULL, 0, __LINE__);

	/* memberUid only, without a DN. */
	CHECK_OK(dir_user_groups(d, "dag", NULL, 5, &g));
	CHECK_U64_EQ(g.n, 1);
	if (g.n == 1)
		CHECK_STR_EQ(g.dn[0], PS);
	dir_groups_free(&g);
	/* The DN in another spelling finds the same groups. */
	CHECK_OK(dir_user_groups(d, "cecilia", "UID=Cecilia, OU=People, "
	    "DC=exempel, DC=se", 5, &g));
	CHECK_U64_EQ(g.n, 3);
	dir_groups_free(&g);

	/* Bad arguments; every out-parameter is zeroed. */
	memset(&g, 0x55, sizeof(g));
	CHECK_ERR(dir_user_groups(d, "anna", "uid=anna" PEOPLE, 0, &g),
	    AUTHD_ERR_INVALID);
	CHECK(g.n == 0 && g.dn == NULL && g.parent == NULL);
	CHECK_ERR(dir_user_groups(d, "anna", "uid=anna" PEOPLE, 17, &g),
	    AUTHD_ERR_INVALID);
	CHECK_ERR(dir_user_groups(d, "bad user", NULL, 5, &g),
	    AUTHD_ERR_INVALID);
	CHECK_ERR(dir_user_groups(d, "anna*", NULL, 5, &g),
	    AUTHD_ERR_INVALID);
	CHECK_ERR(dir_user_groups(d, "anna", "", 5, &g), AUTHD_ERR_INVALID);
	dir_groups_free(&g);
	dir_groups_free(NULL);
}

static void
test_group_base(void)
{
	struct config c = cfg;
	struct dir *d;

	/* Without ldap_group_base the whole of ldap_base counts. */
	c.ldap_group_base = NULL;
	CHECK((d = dir_new(&c, bindpw)) != NULL);
	GROUPS_ARE(d, "anna", 5, 0, 0, "gon-direct", "gun-outer<gon-direct",
	    "gun-unique", OUT, "posix-staff", "top<" OUT);
	MEMBERS_ARE(d, TOP, 5,
	    "anna|uid=anna" PEOPLE "|" TOP " > " OUT,
	    "bertil|uid=bertil" PEOPLE "|" TOP,
	    "cecilia|uid=cecilia" PEOPLE "|" TOP " > " MID);
	dir_free(d);
}

static void
test_members(struct dir *d)
{
	struct got g;

	MEMBERS_ARE(d, GD, 1,
	    "anna|uid=anna" PEOPLE "|" GD,
	    "bertil|uid=bertil" PEOPLE "|" GD);
	/* The UID is stripped; dag#'1111'B is not dag. */
	MEMBERS_ARE(d, GU, 5,
	    "anna|uid=anna" PEOPLE "|" GU,
	    "cecilia|uid=cecilia" PEOPLE "|" GU);
	/* memberUid: the DN from the user filter, NULL for ghost; "bad
	 * user" is skipped. */
	MEMBERS_ARE(d, PS, 5,
	    "anna|uid=anna,ou=people,dc=exempel,dc=se|" PS,
	    "dag|uid=dag" PEOPLE "|" PS,
	    "ghost|(null)|" PS);
	NO_MEMBERS(d, GO, 1);
	MEMBERS_ARE(d, GO, 2,
	    "anna|uid=anna" PEOPLE "|" GO " > " GD,
	    "bertil|uid=bertil" PEOPLE "|" GO " > " GD);
	/* bertil directly and through mid: once, by the shorter path;
	 * outside is not under the group base; uid=nobody does not exist. */
	MEMBERS_ARE(d, TOP, 5,
	    "bertil|uid=bertil" PEOPLE "|" TOP,
	    "cecilia|uid=cecilia" PEOPLE "|" TOP " > " MID);
	MEMBERS_ARE(d, TOP, 1, "bertil|uid=bertil" PEOPLE "|" TOP);
	NO_MEMBERS(d, C(3), 2);
	MEMBERS_ARE(d, C(3), 3,
	    "erik|uid=erik" PEOPLE "|" C(3) " > " C(2) " > " C(1));
	MEMBERS_ARE(d, C(7), 7,
	    "erik|uid=erik" PEOPLE "|" C(7) " > " C(6) " > " C(5) " > " C(4)
	    " > " C(3) " > " C(2) " > " C(1));
	NO_MEMBERS(d, C(7), 6);
	/* The loop, entered at each of its groups. */
	MEMBERS_ARE(d, LA, 16, "frida|uid=frida" PEOPLE "|" LA);
	MEMBERS_ARE(d, LB, 16, "frida|uid=frida" PEOPLE "|" LB " > " LA);
	MEMBERS_ARE(d, LC, 3,
	    "frida|uid=frida" PEOPLE "|" LC " > " LB " > " LA);
	NO_MEMBERS(d, LC, 2);
	/* Another spelling of the DN; the path is normalised. */
	MEMBERS_ARE(d, "CN=Gon-Direct, OU=Groups, DC=exempel, DC=se", 1,
	    "anna|uid=anna" PEOPLE "|" GD,
	    "bertil|uid=bertil" PEOPLE "|" GD);
	/* No such group; a group outside the group base. */
	NO_MEMBERS(d, G("nothere"), 5);
	NO_MEMBERS(d, OUT, 5);

	/* The callback stops the walk. */
	memset(&g, 0, sizeof(g));
	g.stop_with = 42;
	CHECK_INT_EQ(dir_group_members(d, GD, 1, collect, &g), 42);
	CHECK_U64_EQ(g.n, 1);
	while (g.n > 0)
		free(g.line[--g.n]);

	CHECK_ERR(dir_group_members(d, "not a dn", 5, collect, &g),
	    AUTHD_ERR_INVALID);
	CHECK_ERR(dir_group_members(d, GD, 0, collect, &g),
	    AUTHD_ERR_INVALID);
	CHECK_ERR(dir_group_members(d, GD, 17, collect, &g),
	    AUTHD_ERR_INVALID);
	CHECK_U64_EQ(g.n, 0);
}

static void
test_password(struct dir *d)
{
	char big[300];
	struct dir_groups g;

	CHECK_OK(dir_check_password(d, "uid=anna" PEOPLE, "Passw0rd-anna"));
	CHECK_ERR(dir_check_password(d, "uid=anna" PEOPLE, "Passw0rd-bertil"),
	    AUTHD_ERR_PERM);
	CHECK_ERR(dir_check_password(d, "uid=nobody" PEOPLE, "x"),
	    AUTHD_ERR_PERM);
	/* Refused before any bind; directory.sh checks slapd's log has
	 * no BIND for gustav. */
	CHECK_ERR(dir_check_password(d, "uid=gustav" PEOPLE, ""),
	    AUTHD_ERR_PERM);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_ERR(dir_check_password(d, "uid=gustav" PEOPLE, big),
	    AUTHD_ERR_PERM);
	big[256] = '\0';	/* 256 bytes: allowed, and wrong */
	CHECK_ERR(dir_check_password(d, "uid=bertil" PEOPLE, big),
	    AUTHD_ERR_PERM);
	CHECK_ERR(dir_check_password(d, "", "Passw0rd-anna"), AUTHD_ERR_PERM);
	CHECK_ERR(dir_check_password(d, NULL, "x"), AUTHD_ERR_PERM);
	CHECK_ERR(dir_check_password(d, "uid=gustav" PEOPLE, NULL),
	    AUTHD_ERR_PERM);
	/*
	 * The check runs on a connection of its own: after bertil's bind
	 * the service connection still reads everything (as bertil it
	 * could read only bertil's own entry).
	 */
	CHECK_OK(dir_check_password(d, "uid=bertil" PEOPLE,
	    "Passw0rd-bertil"));
	CHECK_OK(dir_user_groups(d, "anna", "uid=anna" PEOPLE, 5, &g));
	CHECK_U64_EQ(g.n, 4);
	dir_groups_free(&g);
	/* Nobody listens: AUTHD_ERR_DIRECTORY, not a wrong password. */
	{
		struct dir *dd = dir_new(&dead, bindpw);

		CHECK_ERR(dir_check_password(dd, "uid=anna" PEOPLE,
		    "Passw0rd-anna"), AUTHD_ERR_DIRECTORY);
		dir_free(dd);
	}
}

/* dircache_get with the checks every call needs. */
static int
cget(struct dircache *c, struct dir *d, const char *user, int depth,
    struct dc_info *info, const struct dc_entry **e)
{
	int r;

	memset(info, 0x55, sizeof(*info));
	r = dircache_get(c, d, user, depth, e, info);
	CHECK(r == 0 ? *e != NULL && (*e)->found &&
	    strcmp((*e)->pu.name, user) == 0 : *e == NULL);
	return r;
}

static void
test_cache(struct dir *d, struct dir *dd)
{
	struct dircache *c;
	const struct dc_entry *e, *held;
	struct dc_info in;
	struct config small;

	CHECK((c = dircache_new(&cfg)) != NULL);
	dircache_set_clock(c, fake_clock);

	/* First look-up asks; the second is a hit. */
	CHECK_OK(cget(c, d, "anna", 5, &in, &e));
	CHECK(in.from_cache == 0 && in.stale == 0 && in.age_s == 0);
	CHECK_U64_EQ(e->pu.ngroups, 4);
	CHECK_STR_EQ(e->pu.dn, "uid=anna" PEOPLE);
	CHECK_STR_EQ(e->pu.groups[1], GO);
	CHECK_INT_EQ(e->pu.parent[1], 0);
	CHECK_INT_EQ(e->loops, 0);
	CHECK_INT_EQ(e->truncated, 0);
	CHECK_INT_EQ(e->depth, 5);
	held = e;
	fake_now += 30000;
	/* Fresh: served without the directory (dd reaches nobody). */
	CHECK_OK(cget(c, dd, "anna", 5, &in, &e));
	CHECK(in.from_cache == 1 && in.stale == 0 && in.age_s == 30);
	CHECK(e == held);
	dircache_put(e);
	dircache_put(held);

	/* Unknown users are cached negatively for the ttl. */
	CHECK_ERR(cget(c, d, "nosuchuser", 5, &in, &e), AUTHD_ERR_NOT_FOUND);
	CHECK(in.from_cache == 0);
	CHECK_ERR(cget(c, dd, "nosuchuser", 5, &in, &e), AUTHD_ERR_NOT_FOUND);
	CHECK(in.from_cache == 1 && in.stale == 0);

	/* Past the ttl: asked again (successfully). */
	fake_now += 31000;		/* anna 61 s old */
	CHECK_OK(cget(c, d, "anna", 5, &in, &e));
	CHECK(in.from_cache == 0 && in.stale == 0);
	dircache_put(e);
	CHECK_OK(cget(c, d, "bertil", 5, &in, &e));
	dircache_put(e);

	/* Past the ttl with the directory gone: stale within max_stale. */
	fake_now += 61000;
	CHECK_OK(cget(c, dd, "anna", 5, &in, &e));
	CHECK(in.from_cache == 1 && in.stale == 1 && in.age_s == 61);
	CHECK_U64_EQ(e->pu.ngroups, 4);
	dircache_put(e);
	/*
	 * The directory is now marked down for ldap_retry_interval: not
	 * even a working handle is used.  cecilia (never cached) gets
	 * AUTHD_ERR_DIRECTORY at once; bertil is served stale; the
	 * negative entry is past its ttl and is no answer.
	 */
	CHECK_ERR(cget(c, d, "cecilia", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	CHECK_OK(cget(c, d, "bertil", 5, &in, &e));
	CHECK(in.from_cache == 1 && in.stale == 1);
	dircache_put(e);
	CHECK_ERR(cget(c, d, "nosuchuser", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	fake_now += 9999;
	CHECK_ERR(cget(c, d, "cecilia", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	/* After the retry interval the directory is asked again. */
	fake_now += 1;
	CHECK_OK(cget(c, d, "cecilia", 5, &in, &e));
	CHECK(in.from_cache == 0 && in.stale == 0);
	CHECK_U64_EQ(e->pu.ngroups, 3);
	dircache_put(e);

	/* Beyond max_stale nothing is served. */
	fake_now += 3600 * 1000;
	CHECK_ERR(cget(c, dd, "anna", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	CHECK_ERR(cget(c, dd, "cecilia", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	fake_now += 10000;

	/* Another depth is another entry. */
	CHECK_OK(cget(c, d, "anna", 1, &in, &e));
	CHECK(in.from_cache == 0);
	CHECK_U64_EQ(e->pu.ngroups, 3);
	CHECK_INT_EQ(e->truncated, 1);
	CHECK_INT_EQ(e->depth, 1);
	dircache_put(e);
	CHECK_OK(cget(c, d, "frida", 5, &in, &e));
	CHECK_INT_EQ(e->loops, 1);
	CHECK_U64_EQ(e->pu.ngroups, 3);
	dircache_put(e);

	/* Flush: nothing served from before; held entries stay valid. */
	CHECK_OK(cget(c, d, "bertil", 5, &in, &e));
	held = e;
	dircache_flush(c);
	CHECK_OK(cget(c, d, "bertil", 5, &in, &e));
	CHECK(in.from_cache == 0);
	CHECK(e != held);
	CHECK_STR_EQ(held->pu.name, "bertil");
	CHECK_STR_EQ(held->pu.groups[0], GD);
	dircache_put(held);
	dircache_put(e);
	dircache_flush(c);
	CHECK_ERR(cget(c, dd, "bertil", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	fake_now += 10000;

	/* Bad arguments. */
	CHECK_ERR(cget(c, d, "bad user", 5, &in, &e), AUTHD_ERR_INVALID);
	CHECK_ERR(cget(c, d, "", 5, &in, &e), AUTHD_ERR_INVALID);
	CHECK_ERR(cget(c, d, "anna", 0, &in, &e), AUTHD_ERR_INVALID);
	CHECK_ERR(cget(c, d, "anna", 17, &in, &e), AUTHD_ERR_INVALID);
	CHECK_OK(dircache_get(c, d, "anna", 5, &e, NULL));
	dircache_put(e);
	dircache_put(NULL);
	dircache_free(c);
	dircache_free(NULL);

	/* A full cache makes room by dropping the oldest entry. */
	small = cfg;
	small.ldap_cache_size = 3;
	CHECK((c = dircache_new(&small)) != NULL);
	dircache_set_clock(c, fake_clock);
	CHECK_OK(cget(c, d, "anna", 5, &in, &e));
	dircache_put(e);
	fake_now += 1000;
	CHECK_OK(cget(c, d, "bertil", 5, &in, &e));
	dircache_put(e);
	fake_now += 1000;
	CHECK_OK(cget(c, d, "cecilia", 5, &in, &e));
	held = e;
	fake_now += 1000;
	/* The fourth user: anna, the oldest, goes. */
	CHECK_ERR(cget(c, d, "nosuchuser", 5, &in, &e), AUTHD_ERR_NOT_FOUND);
	CHECK_OK(cget(c, dd, "bertil", 5, &in, &e));	/* still there */
	CHECK(in.from_cache == 1 && in.stale == 0);
	dircache_put(e);
	fake_now += 1000;
	/* Oldest by when it was read, not by use: bertil goes. */
	CHECK_OK(cget(c, d, "dag", 5, &in, &e));
	dircache_put(e);
	CHECK_ERR(cget(c, dd, "anna", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	CHECK_ERR(cget(c, dd, "bertil", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	/* The directory is down now, but these are fresh. */
	CHECK_OK(cget(c, dd, "cecilia", 5, &in, &e));
	CHECK(in.from_cache == 1 && in.stale == 0 && e == held);
	dircache_put(e);
	CHECK_OK(cget(c, dd, "dag", 5, &in, &e));
	CHECK(in.from_cache == 1 && in.stale == 0);
	dircache_put(e);
	CHECK_STR_EQ(held->pu.name, "cecilia");
	dircache_put(held);
	dircache_free(c);
	fake_now += 10000;
}

/*
 * A frozen server (SIGSTOP): the first look-up of an expired entry waits
 * ldap_timeout (connecting, or searching on the open connection) and is
 * answered stale; then nothing waits for it until the retry interval.
 */
struct frozen_arg {
	struct dircache	*c;
	int		 r, stale;
};

static void *
frozen_thread(void *p)
{
	struct frozen_arg *a = p;
	const struct dc_entry *e = NULL;
	struct dc_info in;
	struct dir *d = dir_new(&cfg, bindpw);

	a->r = dircache_get(a->c, d, "bertil", 5, &e, &in);
	a->stale = in.stale;
	dircache_put(e);
	dir_free(d);
	return NULL;
}

static void
test_frozen(struct dir *d)
{
	struct frozen_arg fa[4];
	pthread_t t[4];
	struct dircache *c;
	const struct dc_entry *e;
	struct dc_info in;
	size_t i;

	if (slapd_pid <= 0) {
		printf("# frozen-server test skipped: no SLAPD_PID\n");
		return;
	}
	CHECK((c = dircache_new(&cfg)) != NULL);
	dircache_set_clock(c, fake_clock);
	CHECK_OK(cget(c, d, "anna", 5, &in, &e));
	dircache_put(e);
	CHECK_OK(cget(c, d, "bertil", 5, &in, &e));
	dircache_put(e);
	fake_now += 61000;

	signal(SIGALRM, on_alarm);
	alarm(HANG_GUARD);
	CHECK(kill(slapd_pid, SIGSTOP) == 0);
	/* Several threads at once on one expired user: all answered. */
	for (i = 0; i < 4; i++) {
		fa[i].c = c;
		CHECK(pthread_create(&t[i], NULL, frozen_thread, &fa[i]) == 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		CHECK_OK(fa[i].r);
		CHECK_INT_EQ(fa[i].stale, 1);
	}
	/* Marked down: anna is served stale without asking. */
	CHECK_OK(cget(c, d, "anna", 5, &in, &e));
	CHECK(in.stale == 1 && in.from_cache == 1 && in.age_s == 61);
	dircache_put(e);
	CHECK_ERR(cget(c, d, "cecilia", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	/*
	 * Past the retry interval, still frozen: the search on the open
	 * service connection times out, and anna is served stale.
	 */
	fake_now += 10000;
	CHECK_OK(cget(c, d, "anna", 5, &in, &e));
	CHECK(in.stale == 1 && in.from_cache == 1 && in.age_s == 71);
	dircache_put(e);
	CHECK_ERR(cget(c, d, "cecilia", 5, &in, &e), AUTHD_ERR_DIRECTORY);
	/* The password bind is bounded by ldap_timeout too. */
	CHECK_ERR(dir_check_password(d, "uid=anna" PEOPLE, "Passw0rd-anna"),
	    AUTHD_ERR_DIRECTORY);
	CHECK(kill(slapd_pid, SIGCONT) == 0);
	alarm(0);

	/* Thawed, after the retry interval: asked again. */
	fake_now += 10000;
	CHECK_OK(cget(c, d, "anna", 5, &in, &e));
	CHECK(in.from_cache == 0 && in.stale == 0);
	dircache_put(e);
	dircache_free(c);
}

/* Threads sharing one cache, each with its own handle. */
struct stress_arg {
	struct dircache	*c;
	unsigned	 seed;
	int		 rounds;
	int		 bad;
};

static void *
stress_thread(void *p)
{
	static const struct { const char *user; size_t ngroups; } u[] = {
		{ "anna", 4 }, { "bertil", 4 }, { "cecilia", 3 },
		{ "dag", 1 }, { "erik", 5 }, { "frida", 3 }, { "gustav", 0 },
		{ "nosuchuser", 0 }, { "ghost", 0 },
	};
	struct stress_arg *a = p;
	const struct dc_entry *e;
	struct dc_info in;
	struct dir *d = dir_new(&cfg, bindpw);
	size_t k;
	int i, r;

	for (i = 0; i < a->rounds; i++) {
		a->seed = a->seed * 1103515245 + 12345;
		k = (a->seed >> 16) % (sizeof(u) / sizeof(u[0]));
		r = dircache_get(a->c, d, u[k].user, 5, &e, &in);
		if (k >= 7) {
			if (r != AUTHD_ERR_NOT_FOUND || e != NULL)
				a->bad++;
		} else if (r != 0 || e->pu.ngroups != u[k].ngroups ||
		    strcmp(e->pu.name, u[k].user) != 0)
			a->bad++;
		dircache_put(e);
		if (i % 500 == 0 && (a->seed & 1))
			dircache_flush(a->c);
	}
	dir_free(d);
	return NULL;
}

static void
test_threads(void)
{
	struct stress_arg sa[4];
	pthread_t t[4];
	struct dircache *c;
	struct config c1 = cfg;
	size_t i;
	int pass;

	/* First without hits (every get asks), then mostly hits. */
	c1.ldap_cache_ttl = 0;
	for (pass = 0; pass < 2; pass++) {
		CHECK((c = dircache_new(pass == 0 ? &c1 : &cfg)) != NULL);
		for (i = 0; i < 4; i++) {
			sa[i].c = c;
			sa[i].seed = (unsigned)(i * 7919 + pass);
			sa[i].rounds = pass == 0 ? 150 : 5000;
			sa[i].bad = 0;
			CHECK(pthread_create(&t[i], NULL, stress_thread,
			    &sa[i]) == 0);
		}
		for (i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			CHECK_INT_EQ(sa[i].bad, 0);
		}
		dircache_free(c);
	}
}

/* What a hit costs with 10,000 users cached (printed, not asserted). */
static void
test_scale(struct dir *d)
{
	struct dircache *c;
	const struct dc_entry *e;
	struct dc_info in;
	char name[32];
	int64_t t0, t1;
	int i, n = 10000, hits = 200000;

	CHECK((c = dircache_new(&cfg)) != NULL);
	t0 = mono_ms();
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "x%05d", i);
		CHECK_ERR(dircache_get(c, d, name, 5, &e, NULL),
		    AUTHD_ERR_NOT_FOUND);
	}
	CHECK_OK(dircache_get(c, d, "anna", 5, &e, &in));
	dircache_put(e);
	t1 = mono_ms();
	printf("# %d users cached in %lld ms\n", n + 1,
	    (long long)(t1 - t0));
	t0 = mono_ms();
	for (i = 0; i < hits; i++) {
		if (dircache_get(c, d, i % 2 ? "anna" : "x04242", 5, &e,
		    &in) == 0)
			dircache_put(e);
		if (!in.from_cache)
			break;
	}
	t1 = mono_ms();
	CHECK_INT_EQ(i, hits);
	printf("# a cache hit costs %.3f us on average (%d hits)\n",
	    (double)(t1 - t0) * 1000.0 / hits, hits);
	dircache_free(c);
}

int
main(void)
{
	const char *uri = getenv("LDAP_URI"), *base = getenv("LDAP_BASE");
	const char *bind_dn = getenv("LDAP_BIND_DN");
	const char *pwfile = getenv("TEST_BIND_PW_FILE");
	const char *pid = getenv("SLAPD_PID");
	struct dir *d, *dd;
	long long v;

	if (uri == NULL || base == NULL || bind_dn == NULL ||
	    pwfile == NULL) {
		printf("SKIP: run through tests/core/directory.sh (needs "
		    "LDAP_URI, LDAP_BASE, LDAP_BIND_DN, TEST_BIND_PW_FILE)\n");
		return 77;
	}
	if (pid != NULL && num_parse(pid, 1, 0x7fffffff, &v, NULL) == 0)
		slapd_pid = (pid_t)v;
	log_init("test_directory", 1, LOG_AUTHPRIV);
	log_set_level(getenv("TEST_DEBUG") != NULL ? LOG_DEBUG : LOG_ERR);
	if (dir_read_password(pwfile, &bindpw) != 0) {
		fprintf(stderr, "cannot read %s\n", pwfile);
		return 1;
	}
	cfg.ldap_uri = (char *)(uintptr_t)uri;
	cfg.ldap_base = (char *)(uintptr_t)base;
	cfg.ldap_group_base = "ou=groups,dc=exempel,dc=se";
	cfg.ldap_bind_dn = (char *)(uintptr_t)bind_dn;
	cfg.ldap_user_filter = "(&(objectClass=inetOrgPerson)(uid=%u))";
	cfg.ldap_timeout = 2;
	cfg.ldap_cache_ttl = 60;
	cfg.ldap_cache_max_stale = 3600;
	cfg.ldap_retry_interval = 10;
	cfg.ldap_cache_size = 200000;
	dead = cfg;
	dead.ldap_uri = DEAD_URI;

	if ((d = dir_new(&cfg, bindpw)) == NULL ||
	    (dd = dir_new(&dead, bindpw)) == NULL)
		return 1;
	test_groups(d);
	test_group_base();
	test_members(d);
	test_password(d);
	test_cache(d, dd);
	test_frozen(d);
	test_threads();
	test_scale(d);
	dir_free(d);
	dir_free(dd);
	secmem_free_str(bindpw);
	return check_done("test_directory");
}
