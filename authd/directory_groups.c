/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "authd_err.h"
#include "directory.h"
#include "directory_int.h"
#include "log.h"
#include "policy.h"
#include "strmap.h"
#include "util.h"

/*
 * The two walks over nested groups: upward from a user to every group
 * that holds them (dir_user_groups, which the login path asks), downward
 * from a group to every user in it (dir_group_members, for access
 * listings and review snapshots).  Both search over the connection of
 * directory.c and keep what they met in a strmap, whose keys are DNs and
 * user names the directory returns: the walks' own bounds
 * (DIR_GROUPS_MAX, DIR_MEMBERS_MAX) bound the maps too.
 */

#define UID_MAX		130	/* a UID bit string, quotes and B included */
#define UIDS_MAX	4	/* UIDs (x500UniqueIdentifier) per entry */

/*
 * Nested groups.  Everything below reads values the directory returns;
 * each is bounded (DIR_DN_MAX, AUTHD_USER_MAX, no NUL) and must parse
 * before it is used in a filter, a search base, a map or a log line.
 */

/* The subtree in which groups count (ldap_group_base, else ldap_base). */
static const char *
group_base(const struct config *c)
{
	return c->ldap_group_base != NULL ? c->ldap_group_base : c->ldap_base;
}

/*
 * Splits a uniqueMember value (RFC 4517 nameAndOptionalUID: "DN" or
 * "DN#'0101'B"): returns the length of the DN; *uid and *uidlen get the
 * UID with its quotes ("'0101'B"), or NULL and 0.
 */
static size_t
uid_split(const char *v, size_t len, const char **uid, size_t *uidlen)
{
	size_t i;

	*uid = NULL;
	*uidlen = 0;
	if (len < 4 || v[len - 1] != 'B' || v[len - 2] != '\'')
		return len;
	for (i = len - 2; i > 0 && (v[i - 1] == '0' || v[i - 1] == '1'); i--)
		;
	if (i < 3 || v[i - 1] != '\'' || v[i - 2] != '#' ||
	    dir_escaped_at(v, i - 2))
		return len;
	*uid = v + i - 1;
	*uidlen = len - (i - 1);
	return i - 2;
}

/* 1 when `len` bytes at `v` are a bit string '0101'B of at most UID_MAX. */
static int
bitstring_ok(const char *v, size_t len)
{
	size_t i;

	if (len < 3 || len > UID_MAX || v[0] != '\'' || v[len - 2] != '\'' ||
	    v[len - 1] != 'B')
		return 0;
	for (i = 1; i < len - 2; i++)
		if (v[i] != '0' && v[i] != '1')
			return 0;
	return 1;
}

/*
 * Checks a DN from the directory (`len` bytes at `v`): copies it into *dn
 * and its normalised form into *norm.  Returns 0, 1 when it is not
 * acceptable (logged; the caller skips it) or AUTHD_ERR_NOMEM.
 */
static int
dn_accept(const char *v, size_t len, char **dn, char **norm)
{
	char shown[160];

	*dn = *norm = NULL;
	/* SECURITY NOTE: bounded and NUL-free before it is used at all. */
	if (len == 0 || len > DIR_DN_MAX || memchr(v, '\0', len) != NULL) {
		log_warn("directory: skipping a DN of %zu bytes: \"%s\"", len,
		    str_sanitize(v, len, shown, sizeof(shown)));
		return 1;
	}
	if ((*dn = strndup(v, len)) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((*norm = policy_dn_norm(*dn)) == NULL) {
		log_warn("directory: skipping \"%s\": not a DN",
		    str_sanitize(v, len, shown, sizeof(shown)));
		free(*dn);
		*dn = NULL;
		return 1;
	}
	return 0;
}

/* dn_accept for the DN of entry `e`. */
static int
entry_dn(struct dir *d, LDAPMessage *e, char **dn, char **norm)
{
	struct berval bv = { 0, NULL };

	*dn = *norm = NULL;
	/* In place, with its length: a NUL inside cannot cut it short. */
	if (ldap_get_dn_ber(d->ld, e, NULL, &bv) != LDAP_SUCCESS ||
	    bv.bv_val == NULL) {
		log_warn("directory: skipping an entry without a DN");
		return 1;
	}
	return dn_accept(bv.bv_val, bv.bv_len, dn, norm);
}

/* Reads one entry (base scope); *e is NULL when there is none. */
static int
read_entry(struct dir *d, const char *dn, char **attrs, LDAPMessage **res,
    LDAPMessage **e)
{
	int r;

	*e = NULL;
	if ((r = dir_search(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
	    1, res, NULL)) != 0)
		return r;
	if (*res != NULL)
		*e = ldap_first_entry(d->ld, *res);
	return 0;
}

/*
 * The x500UniqueIdentifier values of entry `e` (the UIDs that
 * uniqueMember values may name it with), at most UIDS_MAX well-formed
 * ones, joined by spaces into *out; NULL when there are none.
 */
static int
entry_uids(struct dir *d, LDAPMessage *e, char **out)
{
	struct berval **v;
	char buf[UIDS_MAX * (UID_MAX + 1)];
	size_t i, len = 0, n = 0;

	*out = NULL;
	if ((v = ldap_get_values_len(d->ld, e, "x500UniqueIdentifier")) ==
	    NULL)
		return 0;
	for (i = 0; v[i] != NULL; i++) {
		if (!bitstring_ok(v[i]->bv_val, v[i]->bv_len) ||
		    n == UIDS_MAX) {
			log_warn("directory: ignoring an x500UniqueIdentifier "
			    "(malformed, longer than %d bytes or more than %d "
			    "values)", UID_MAX, UIDS_MAX);
			continue;
		}
		memcpy(buf + len, v[i]->bv_val, v[i]->bv_len);
		len += v[i]->bv_len;
		buf[len++] = ' ';
		n++;
	}
	ldap_value_free_len(v);
	if (len == 0)
		return 0;
	buf[len - 1] = '\0';
	return (*out = strdup(buf)) == NULL ? AUTHD_ERR_NOMEM : 0;
}

/* 1 when the UID `uidlen` bytes at `uid` is one of `uids`. */
static int
uids_has(const char *uids, const char *uid, size_t uidlen)
{
	const char *p, *q;

	for (p = uids; p != NULL && *p != '\0'; p = *q != '\0' ? q + 1 : q) {
		if ((q = strchr(p, ' ')) == NULL)
			q = p + strlen(p);
		if ((size_t)(q - p) == uidlen && memcmp(p, uid, uidlen) == 0)
			return 1;
	}
	return 0;
}

/*
 * Into a new string, the filter for the groups that list the entry `dn`
 * as a member: member=DN, uniqueMember=DN, uniqueMember=DN#UID for each
 * of its `uids` (entry_uids; may be NULL) and, when `user` is not NULL,
 * memberUid=USER.  SECURITY NOTE: DN and name are escaped, and UIDs are
 * bit strings: no filter injection.
 */
static int
member_filter(const char *dn, const char *uids, const char *user,
    char **out)
{
	char *edn = NULL, *eu = NULL, *f = NULL;
	const char *p, *q;
	size_t cap, len, dl;
	int n, r = AUTHD_ERR_NOMEM;

	*out = NULL;
	if ((edn = dir_escape(dn)) == NULL ||
	    (user != NULL && (eu = dir_escape(user)) == NULL))
		goto out;
	dl = strlen(edn);
	cap = 64 + 2 * (dl + 20) + (eu != NULL ? strlen(eu) + 20 : 0) +
	    (uids != NULL ? UIDS_MAX * (dl + UID_MAX + 20) : 0);
	if ((f = malloc(cap)) == NULL)
		goto out;
	r = AUTHD_ERR_TOO_LARGE;
	if ((n = snprintf(f, cap, "(|(member=%s)(uniqueMember=%s)", edn,
	    edn)) < 0 || (size_t)n >= cap)
		goto out;
	len = (size_t)n;
	for (p = uids; p != NULL && *p != '\0'; p = *q != '\0' ? q + 1 : q) {
		if ((q = strchr(p, ' ')) == NULL)
			q = p + strlen(p);
		if ((n = snprintf(f + len, cap - len, "(uniqueMember=%s#%.*s)",
		    edn, (int)(q - p), p)) < 0 || (size_t)n >= cap - len)
			goto out;
		len += (size_t)n;
	}
	if ((n = snprintf(f + len, cap - len, "%s%s%s)",
	    eu != NULL ? "(memberUid=" : "", eu != NULL ? eu : "",
	    eu != NULL ? ")" : "")) < 0 || (size_t)n >= cap - len)
		goto out;
	*out = f;
	f = NULL;
	r = 0;
 out:
	ldap_memfree(edn);
	ldap_memfree(eu);
	free(f);
	return r;
}

/* The upward walk of dir_user_groups, in the order groups were found. */
struct gwalk {
	char		**norm;		/* normalised DNs */
	char		**srv;		/* as the server spells them */
	char		**uids;		/* entry_uids of each */
	int		 *parent;
	size_t		  n;
	struct strmap	  seen;		/* norm -> index */
	int		  loops;
	int		  truncated;
};

static void
gwalk_free(struct gwalk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free(w->norm[i]);
		free(w->srv[i]);
		free(w->uids[i]);
	}
	free(w->norm);
	free(w->srv);
	free(w->uids);
	free(w->parent);
	strmap_free(&w->seen);
}

/* 1 when group `g` is `from` or a group on the path that reached `from`. */
static int
gwalk_on_path(const struct gwalk *w, int from, int g)
{
	int i;

	/* Parents always have lower indices: this ends. */
	for (i = from; i >= 0; i = w->parent[i])
		if (i == g)
			return 1;
	return 0;
}

/*
 * Searches the group base with `filter` and records the groups found as
 * reached from group `from` (-1: from the user).  With add == 0 the depth
 * is exhausted: a group not seen yet only marks the walk truncated.
 */
static int
gwalk_search(struct dir *d, struct gwalk *w, const char *filter, int from,
    int add)
{
	char *attrs[] = { "x500UniqueIdentifier", NULL };
	char *dn, *norm, *uids, shown[160];
	LDAPMessage *res = NULL, *e;
	int limited, idx, r;

	if ((r = dir_search(d, group_base(d->cfg), LDAP_SCOPE_SUBTREE, filter,
	    attrs, DIR_GROUPS_MAX, &res, &limited)) != 0)
		return r;
	if (limited)
		w->truncated = 1;
	for (e = res != NULL ? ldap_first_entry(d->ld, res) : NULL; e != NULL;
	    e = ldap_next_entry(d->ld, e)) {
		if ((r = entry_dn(d, e, &dn, &norm)) < 0)
			goto out;
		if (r > 0)
			continue;
		if (strmap_get(&w->seen, norm, &idx)) {
			/* A group met again on its own path closes a loop;
			 * elsewhere it is just a second, longer path. */
			if (from >= 0 && gwalk_on_path(w, from, idx)) {
				w->loops++;
				log_debug("directory: group loop through %s",
				    str_sanitize(norm, strlen(norm), shown,
				    sizeof(shown)));
			}
			free(dn);
			free(norm);
			continue;
		}
		if (!add || w->n >= DIR_GROUPS_MAX) {
			w->truncated = 1;
			free(dn);
			free(norm);
			continue;
		}
		if ((r = entry_uids(d, e, &uids)) != 0 ||
		    (r = strmap_put(&w->seen, norm, (int)w->n)) != 0) {
			free(dn);
			free(norm);
			free(uids);
			goto out;
		}
		w->norm[w->n] = norm;
		w->srv[w->n] = dn;
		w->uids[w->n] = uids;
		w->parent[w->n] = from;
		w->n++;
	}
	r = 0;
 out:
	ldap_msgfree(res);
	return r;
}

struct gsort {
	const char	*dn;
	int		 old;
};

/*
 * The groups of a user are one block: dn[], hash[], order[], parent[],
 * then the DNs; `len` bytes of DNs, their NULs included.
 */
static size_t
groups_bytes(size_t n, size_t len)
{
	return n * (sizeof(char *) + sizeof(uint64_t) + sizeof(uint32_t) +
	    sizeof(int)) + len;
}

/* Points `g`'s arrays (n groups) into `mem`; returns where DNs go. */
static char *
groups_layout(void *mem, size_t n, struct dir_groups *g)
{
	g->dn = mem;
	g->hash = (uint64_t *)(g->dn + n);
	g->order = (uint32_t *)(g->hash + n);
	g->parent = (int *)(g->order + n);
	g->n = n;
	return (char *)(g->parent + n);
}

static int
gsort_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gsort *)a)->dn,
	    ((const struct gsort *)b)->dn);
}

int
dir_user_groups(struct dir *d, const char *user, const char *user_dn,
    int depth, struct dir_groups *out)
{
	char *uattrs[] = { "x500UniqueIdentifier", NULL };
	struct gwalk w;
	struct gsort *s = NULL;
	LDAPMessage *res = NULL, *e;
	char *filter = NULL, *uids = NULL, *eu = NULL, *str = NULL;
	void *block;
	int *newidx = NULL, level, r = AUTHD_ERR_NOMEM;
	size_t lo, hi, i, len;

	will_block();
	memset(out, 0, sizeof(*out));
	memset(&w, 0, sizeof(w));
	if (user == NULL || !str_valid_user(user) || depth < 1 ||
	    depth > DIR_DEPTH_MAX || (user_dn != NULL &&
	    (user_dn[0] == '\0' || strnlen(user_dn, DIR_DN_MAX + 1) >
	    DIR_DN_MAX)))
		return AUTHD_ERR_INVALID;
	if ((w.norm = calloc(DIR_GROUPS_MAX, sizeof(*w.norm))) == NULL ||
	    (w.srv = calloc(DIR_GROUPS_MAX, sizeof(*w.srv))) == NULL ||
	    (w.uids = calloc(DIR_GROUPS_MAX, sizeof(*w.uids))) == NULL ||
	    (w.parent = calloc(DIR_GROUPS_MAX, sizeof(*w.parent))) == NULL)
		goto out;
	if (user_dn != NULL) {
		/*
		 * A uniqueMember value with a UID names one holder of the
		 * DN (RFC 4519): it matches only with the UID the user's
		 * entry carries, so the filter must name each.
		 */
		if ((r = read_entry(d, user_dn, uattrs, &res, &e)) != 0 ||
		    (e != NULL && (r = entry_uids(d, e, &uids)) != 0) ||
		    (r = member_filter(user_dn, uids, user, &filter)) != 0)
			goto out;
	} else {
		r = AUTHD_ERR_NOMEM;
		if ((eu = dir_escape(user)) == NULL)
			goto out;
		len = strlen(eu) + sizeof("(memberUid=)");
		if ((filter = malloc(len)) == NULL)
			goto out;
		snprintf(filter, len, "(memberUid=%s)", eu);
	}
	if ((r = gwalk_search(d, &w, filter, -1, 1)) != 0)
		goto out;
	/*
	 * Level by level: the groups that list a group of the level before
	 * as a member.  The groups of the last level are still asked about,
	 * to tell a walk the depth cut short from a complete one.
	 */
	for (lo = 0, hi = w.n, level = 1; lo < hi; lo = hi, hi = w.n,
	    level++) {
		for (i = lo; i < hi; i++) {
			free(filter);
			if ((r = member_filter(w.srv[i], w.uids[i], NULL,
			    &filter)) != 0 ||
			    (r = gwalk_search(d, &w, filter, (int)i,
			    level < depth)) != 0)
				goto out;
		}
	}

	/* Sorted by DN for the policy engine; parents renumbered; hashed. */
	r = AUTHD_ERR_NOMEM;
	if (w.n > 0 && ((s = calloc(w.n, sizeof(*s))) == NULL ||
	    (newidx = calloc(w.n, sizeof(*newidx))) == NULL))
		goto out;
	for (i = 0, len = 0; i < w.n; i++) {
		s[i].dn = w.norm[i];
		s[i].old = (int)i;
		len += strlen(w.norm[i]) + 1;
	}
	if (w.n > 0) {
		qsort(s, w.n, sizeof(*s), gsort_cmp);
		if ((block = malloc(groups_bytes(w.n, len))) == NULL)
			goto out;
		str = groups_layout(block, w.n, out);
	}
	for (i = 0; i < w.n; i++)
		newidx[s[i].old] = (int)i;
	for (i = 0; i < w.n; i++) {
		len = strlen(s[i].dn) + 1;
		out->dn[i] = memcpy(str, s[i].dn, len);
		str += len;
		out->parent[i] = w.parent[s[i].old] < 0 ? -1 :
		    newidx[w.parent[s[i].old]];
	}
	policy_groups_hash((const char *const *)out->dn, w.n, out->hash,
	    out->order);
	out->loops = w.loops;
	out->truncated = w.truncated;
	r = 0;
 out:
	ldap_msgfree(res);
	ldap_memfree(eu);
	free(filter);
	free(uids);
	free(s);
	free(newidx);
	gwalk_free(&w);
	return r;
}

void
dir_groups_free(struct dir_groups *g)
{
	if (g == NULL)
		return;
	/* dn[] is the start of the block that holds everything. */
	free(g->dn);
	memset(g, 0, sizeof(*g));
}

size_t
dir_groups_size(const struct dir_groups *g)
{
	size_t i, len = 0;

	for (i = 0; i < g->n; i++)
		len += strlen(g->dn[i]) + 1;
	return g->n > 0 ? groups_bytes(g->n, len) : 0;
}

void
dir_groups_copy(const struct dir_groups *g, void *mem,
    struct dir_groups *out)
{
	char *str;
	size_t i, len;

	memset(out, 0, sizeof(*out));
	out->loops = g->loops;
	out->truncated = g->truncated;
	if (g->n == 0)
		return;
	str = groups_layout(mem, g->n, out);
	memcpy(out->hash, g->hash, g->n * sizeof(*g->hash));
	memcpy(out->order, g->order, g->n * sizeof(*g->order));
	memcpy(out->parent, g->parent, g->n * sizeof(*g->parent));
	for (i = 0; i < g->n; i++) {
		len = strlen(g->dn[i]) + 1;
		out->dn[i] = memcpy(str, g->dn[i], len);
		str += len;
	}
}

/* The downward walk of dir_group_members. */
struct mwalk {
	struct dir	 *d;
	char		 *nbase;	/* normalised group base */
	char		**srv;		/* groups to read */
	char		**path;		/* and the path to each */
	int		 *level;
	size_t		  n;
	struct strmap	  dns;		/* normalised member DNs met */
	struct strmap	  users;	/* user names reported */
	size_t		  looked;	/* entries read */
	int		  depth;
	dir_member_fn	 *cb;
	void		 *arg;
};

static void
mwalk_free(struct mwalk *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		free(w->srv[i]);
		free(w->path[i]);
	}
	free(w->srv);
	free(w->path);
	free(w->level);
	free(w->nbase);
	strmap_free(&w->dns);
	strmap_free(&w->users);
}

/* Reports user `name` once; returns the callback's value or an error. */
static int
mwalk_report(struct mwalk *w, const char *name, const char *dn,
    const char *path)
{
	int r;

	if (strmap_get(&w->users, name, NULL))
		return 0;
	if (w->users.n >= DIR_MEMBERS_MAX) {
		log_warn("directory: more than %d members; list incomplete",
		    DIR_MEMBERS_MAX);
		return AUTHD_ERR_TOO_MANY;
	}
	if ((r = strmap_put(&w->users, name, 0)) != 0)
		return r;
	return w->cb(w->arg, name, dn, path);
}

/* Counts one more entry read; the walk stops at its bound. */
static int
mwalk_count(struct mwalk *w)
{
	if (++w->looked > (size_t)DIR_MEMBERS_MAX + DIR_GROUPS_MAX) {
		log_warn("directory: more than %d entries read for one group; "
		    "list incomplete", DIR_MEMBERS_MAX + DIR_GROUPS_MAX);
		return AUTHD_ERR_TOO_MANY;
	}
	return 0;
}

/* 1 when entry `e` is a group of one of the three kinds. */
static int
entry_is_group(struct dir *d, LDAPMessage *e)
{
	static const char *const kinds[] = { "groupOfNames",
	    "groupOfUniqueNames", "posixGroup" };
	struct berval **oc;
	size_t i, k;
	int group = 0;

	if ((oc = ldap_get_values_len(d->ld, e, "objectClass")) == NULL)
		return 0;
	for (i = 0; oc[i] != NULL && !group; i++)
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (oc[i]->bv_len == strlen(kinds[k]) &&
			    strncasecmp(oc[i]->bv_val, kinds[k],
			    oc[i]->bv_len) == 0)
				group = 1;
	ldap_value_free_len(oc);
	return group;
}

/*
 * Copies a user name from the directory into *name when it is one authd
 * accepts.  0, 1 (not acceptable, logged) or AUTHD_ERR_NOMEM.
 */
static int
name_accept(const struct berval *v, char **name)
{
	char shown[96];

	*name = NULL;
	if (v->bv_len == 0 || v->bv_len > AUTHD_USER_MAX ||
	    memchr(v->bv_val, '\0', v->bv_len) != NULL)
		goto bad;
	if ((*name = strndup(v->bv_val, v->bv_len)) == NULL)
		return AUTHD_ERR_NOMEM;
	if (str_valid_user(*name))
		return 0;
	free(*name);
	*name = NULL;
 bad:
	log_warn("directory: skipping the user name \"%s\"",
	    str_sanitize(v->bv_val, v->bv_len, shown, sizeof(shown)));
	return 1;
}

/*
 * One member/uniqueMember value of group `gi`: a nested group is queued
 * (within the depth and the group base), a user reported.  A uniqueMember
 * value with a UID counts only for the entry that carries that UID, as
 * the directory's own matching rule has it (and dir_user_groups finds).
 */
static int
mwalk_member(struct mwalk *w, size_t gi, const struct berval *v, int unique)
{
	char *attrs[] = { "objectClass", "uid", "x500UniqueIdentifier", NULL };
	LDAPMessage *res = NULL, *e;
	struct berval **uidv = NULL;
	char *dn = NULL, *norm = NULL, *name = NULL, *path = NULL;
	char *key = NULL, *uids = NULL;
	const char *uid = NULL;
	size_t len = v->bv_len, uidlen = 0, plen;
	int r;

	if (unique)
		len = uid_split(v->bv_val, len, &uid, &uidlen);
	if (uid != NULL && !bitstring_ok(uid, uidlen)) {
		log_warn("directory: skipping a uniqueMember with a UID of "
		    "%zu bytes", uidlen);
		return 0;
	}
	if ((r = dn_accept(v->bv_val, len, &dn, &norm)) != 0)
		return r < 0 ? r : 0;
	/* The same DN with another UID may be someone else. */
	plen = strlen(norm) + 1 + uidlen + 1;
	if ((key = malloc(plen)) == NULL) {
		r = AUTHD_ERR_NOMEM;
		goto out;
	}
	snprintf(key, plen, "%s%s%.*s", norm, uid != NULL ? "#" : "",
	    (int)uidlen, uid != NULL ? uid : "");
	/* Met before: on a path no longer than this one, or in a loop. */
	if (strmap_get(&w->dns, key, NULL)) {
		r = 0;
		goto out;
	}
	if ((r = strmap_put(&w->dns, key, 0)) != 0 ||
	    (r = mwalk_count(w)) != 0 ||
	    (r = read_entry(w->d, dn, attrs, &res, &e)) != 0)
		goto out;
	if (e == NULL)
		goto out;		/* a member that does not exist */
	if (uid != NULL) {
		if ((r = entry_uids(w->d, e, &uids)) != 0)
			goto out;
		if (!uids_has(uids, uid, uidlen)) {
			log_debug("directory: a uniqueMember names an earlier "
			    "holder of a DN (another UID); skipped");
			goto out;
		}
	}
	if (entry_is_group(w->d, e)) {
		if (w->level[gi] >= w->depth || !dir_dn_under(norm, w->nbase))
			goto out;
		if (w->n >= DIR_GROUPS_MAX) {
			log_warn("directory: more than %d nested groups; "
			    "list incomplete", DIR_GROUPS_MAX);
			r = AUTHD_ERR_TOO_MANY;
			goto out;
		}
		plen = strlen(w->path[gi]) + 3 + strlen(norm) + 1;
		if ((path = malloc(plen)) == NULL) {
			r = AUTHD_ERR_NOMEM;
			goto out;
		}
		snprintf(path, plen, "%s > %s", w->path[gi], norm);
		w->srv[w->n] = dn;
		w->path[w->n] = path;
		w->level[w->n] = w->level[gi] + 1;
		w->n++;
		dn = NULL;
		goto out;
	}
	if ((uidv = ldap_get_values_len(w->d->ld, e, "uid")) == NULL ||
	    uidv[0] == NULL) {
		log_debug("directory: a member without uid; skipped");
		goto out;
	}
	if ((r = name_accept(uidv[0], &name)) != 0) {
		r = r < 0 ? r : 0;
		goto out;
	}
	r = mwalk_report(w, name, dn, w->path[gi]);
 out:
	ldap_value_free_len(uidv);
	ldap_msgfree(res);
	free(dn);
	free(norm);
	free(key);
	free(uids);
	free(name);
	return r;
}

/* One memberUid value of group `gi`. */
static int
mwalk_uid(struct mwalk *w, size_t gi, const struct berval *v)
{
	char *name = NULL, *dn = NULL;
	int r;

	if ((r = name_accept(v, &name)) != 0)
		return r < 0 ? r : 0;
	if (strmap_get(&w->users, name, NULL)) {
		free(name);
		return 0;
	}
	if ((r = mwalk_count(w)) != 0)
		goto out;
	r = dir_user_dn(w->d, name, &dn);
	if (r != 0 && r != AUTHD_ERR_NOT_FOUND)
		goto out;
	r = mwalk_report(w, name, dn, w->path[gi]);
 out:
	free(name);
	free(dn);
	return r;
}

/* Reads group `gi` and walks its members. */
static int
mwalk_group(struct mwalk *w, size_t gi)
{
	char *attrs[] = { "member", "uniqueMember", "memberUid", NULL };
	struct berval **mv = NULL, **uv = NULL, **pv = NULL;
	LDAPMessage *res = NULL, *e;
	size_t i;
	int r;

	if ((r = read_entry(w->d, w->srv[gi], attrs, &res, &e)) != 0)
		return r;
	if (e != NULL) {
		/* Copies: the searches below may replace the connection. */
		mv = ldap_get_values_len(w->d->ld, e, "member");
		uv = ldap_get_values_len(w->d->ld, e, "uniqueMember");
		pv = ldap_get_values_len(w->d->ld, e, "memberUid");
	}
	ldap_msgfree(res);
	for (i = 0; mv != NULL && mv[i] != NULL; i++)
		if ((r = mwalk_member(w, gi, mv[i], 0)) != 0)
			goto out;
	for (i = 0; uv != NULL && uv[i] != NULL; i++)
		if ((r = mwalk_member(w, gi, uv[i], 1)) != 0)
			goto out;
	for (i = 0; pv != NULL && pv[i] != NULL; i++)
		if ((r = mwalk_uid(w, gi, pv[i])) != 0)
			goto out;
	r = 0;
 out:
	ldap_value_free_len(mv);
	ldap_value_free_len(uv);
	ldap_value_free_len(pv);
	return r;
}

int
dir_group_members(struct dir *d, const char *group_dn, int depth,
    dir_member_fn *cb, void *arg)
{
	struct mwalk w;
	char *dn = NULL, *norm = NULL, shown[160];
	size_t gi;
	int r = AUTHD_ERR_NOMEM;

	will_block();
	memset(&w, 0, sizeof(w));
	if (group_dn == NULL || cb == NULL || depth < 1 ||
	    depth > DIR_DEPTH_MAX)
		return AUTHD_ERR_INVALID;
	w.d = d;
	w.depth = depth;
	w.cb = cb;
	w.arg = arg;
	if ((w.srv = calloc(DIR_GROUPS_MAX, sizeof(*w.srv))) == NULL ||
	    (w.path = calloc(DIR_GROUPS_MAX, sizeof(*w.path))) == NULL ||
	    (w.level = calloc(DIR_GROUPS_MAX, sizeof(*w.level))) == NULL)
		goto out;
	if ((r = dn_accept(group_dn, strnlen(group_dn, DIR_DN_MAX + 1), &dn,
	    &norm)) != 0) {
		r = r < 0 ? r : AUTHD_ERR_INVALID;
		goto out;
	}
	if ((w.nbase = policy_dn_norm(group_base(d->cfg))) == NULL) {
		log_err("directory: the group base is not a DN");
		r = AUTHD_ERR_CONFIG;
		goto out;
	}
	/* As in dir_user_groups: a group outside the base grants nothing. */
	if (!dir_dn_under(norm, w.nbase)) {
		log_warn("directory: %s is not under the group base; it has "
		    "no members for authd", str_sanitize(norm, strlen(norm),
		    shown, sizeof(shown)));
		r = 0;
		goto out;
	}
	if ((r = strmap_put(&w.dns, norm, 0)) != 0)
		goto out;
	w.srv[0] = dn;
	w.path[0] = norm;
	w.level[0] = 1;
	w.n = 1;
	dn = norm = NULL;
	for (gi = 0; gi < w.n; gi++)
		if ((r = mwalk_group(&w, gi)) != 0)
			goto out;
	r = 0;
 out:
	free(dn);
	free(norm);
	mwalk_free(&w);
	return r;
}
