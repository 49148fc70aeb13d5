/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The decision engine.  Pure: it reads the policy and the query and
 * nothing else (no clock, no directory, no global state), so the same
 * inputs always give the same answer and any number of threads may decide
 * at once.  The work does not grow with the number of users or systems:
 * the system is found by hash, the roles a user holds by walking the
 * system's group hashes against the user's (policy_group_hash), each
 * equal hash confirmed with strcmp.  With many users and systems the
 * cost is memory, not work, so a decision reads few cache lines and
 * makes no text that nobody asked for.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"
#include "strmap.h"
#include "util.h"

enum src_kind { SRC_LOCAL, SRC_ADDR, SRC_NAME };

struct src {
	enum src_kind	kind;
	uint8_t		addr[16];
};

static void
src_parse(const char *s, struct src *out)
{
	struct pol_range r;
	const char *why;

	memset(out, 0, sizeof(*out));
	if (s == NULL || s[0] == '\0')
		out->kind = SRC_LOCAL;
	else if (strchr(s, '/') == NULL && pol_range_parse(s, &r, &why) == 0) {
		out->kind = SRC_ADDR;
		memcpy(out->addr, r.addr, 16);
	} else
		out->kind = SRC_NAME;
}

static int
in_range(const struct pol_range *r, const uint8_t *a)
{
	int full = r->bits / 8, rest = r->bits % 8;

	if (memcmp(r->addr, a, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((r->addr[full] ^ a[full]) &
	    (uint8_t)(0xff << (8 - rest))) == 0;
}

static int
net_match(const struct pol_network *n, const struct src *s)
{
	size_t i;

	if (s->kind == SRC_LOCAL)
		return n->local;
	if (s->kind != SRC_ADDR)
		return 0;
	for (i = 0; i < n->nexcept; i++)
		if (in_range(&n->except[i], s->addr))
			return 0;
	for (i = 0; i < n->nranges; i++)
		if (in_range(&n->ranges[i], s->addr))
			return 1;
	return 0;
}

int
policy_network_match(const struct pol_network *n, const char *source)
{
	struct src s;

	src_parse(source, &s);
	return net_match(n, &s);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int
policy_window_match(const struct pol_window *w, time_t at)
{
	int64_t t = (int64_t)at, local, day;
	int min, wd, prev;
	size_t i;

	/* Keeps t + offset in range for any time_t (authctl --at). */
	if (t > INT64_MAX / 2)
		t = INT64_MAX / 2;
	else if (t < INT64_MIN / 2)
		t = INT64_MIN / 2;
	local = t + pol_zone_offset(w->zone, t);
	day = floor_div(local, 86400);
	min = (int)((local - day * 86400) / 60);
	wd = (int)(((day + 3) % 7 + 7) % 7);	/* 1970-01-01: Thu */
	prev = (wd + 6) % 7;
	if (w->nhours == 0)
		return (w->days >> wd) & 1;
	for (i = 0; i < w->nhours; i++) {
		if (w->from[i] < w->to[i]) {
			if (((w->days >> wd) & 1) && min >= w->from[i] &&
			    min < w->to[i])
				return 1;
		} else if ((((w->days >> wd) & 1) && min >= w->from[i]) ||
		    (((w->days >> prev) & 1) && min < w->to[i]))
			return 1;
	}
	return 0;
}

/*
 * FNV-1a: short, fast on DNs of a few dozen bytes, and spreads DNs that
 * differ only in their first RDN (they share the rest) over all 64 bits.
 * SECURITY NOTE: unkeyed, so whoever may name groups in the directory
 * could make DNs with equal hashes; that costs a strcmp per equal hash
 * (authd reads at most DIR_GROUPS_MAX groups per user), never a wrong
 * answer: every equal hash is confirmed with strcmp.
 */
uint64_t
policy_group_hash(const char *dn)
{
	return strmap_hash(dn);
}

/* Pairs (hash[i], order[i]) compare by hash, then by group index. */
static int
gh_less(const uint64_t *h, const uint32_t *o, size_t a, size_t b)
{
	return h[a] < h[b] || (h[a] == h[b] && o[a] < o[b]);
}

static void
gh_swap(uint64_t *h, uint32_t *o, size_t a, size_t b)
{
	uint64_t th = h[a];
	uint32_t to = o[a];

	h[a] = h[b];
	o[a] = o[b];
	h[b] = th;
	o[b] = to;
}

static void
gh_sift(uint64_t *h, uint32_t *o, size_t i, size_t n)
{
	size_t c;

	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && gh_less(h, o, c, c + 1))
			c++;
		if (!gh_less(h, o, i, c))
			return;
		gh_swap(h, o, i, c);
		i = c;
	}
}

void
policy_groups_hash(const char *const *groups, size_t n, uint64_t *hash,
    uint32_t *order)
{
	size_t i;

	for (i = 0; i < n; i++) {
		hash[i] = policy_group_hash(groups[i]);
		order[i] = (uint32_t)i;
	}
	/*
	 * Heapsort: in place (callers build entries in one block) and
	 * n log n whatever the DNs.
	 */
	for (i = n / 2; i-- > 0;)
		gh_sift(hash, order, i, n);
	for (i = n; i-- > 1;) {
		gh_swap(hash, order, 0, i);
		gh_sift(hash, order, 0, i);
	}
}

/* Index of `dn` in the user's groups by binary search with strcmp. */
static int
index_by_str(const struct pol_user *u, const char *dn)
{
	size_t lo = 0, hi = u->ngroups, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(u->groups[mid], dn)) == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * The same through the user's hashes: the first of the equal hashes by
 * binary search in one array of integers (a cache line or two), then each
 * confirmed by its DN.  A user's groups are distinct, so both ways find
 * the same index.
 */
static int
index_by_hash(const struct pol_user *u, const char *dn, uint64_t h)
{
	size_t lo = 0, hi = u->ngroups, mid;
	uint32_t gi;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (u->ghash[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < u->ngroups && u->ghash[lo] == h; lo++) {
		gi = u->gorder[lo];
		if (gi < u->ngroups && strcmp(u->groups[gi], dn) == 0)
			return (int)gi;
	}
	return -1;
}

int
pol_group_index(const struct pol_user *u, const char *dn, uint64_t h)
{
	if (u->ghash != NULL && u->gorder != NULL)
		return index_by_hash(u, dn, h);
	return index_by_str(u, dn);
}

/*
 * With a hashed user, one pass over the system's index (sorted by hash)
 * and the user's hashes, as in a merge: the cost is that of two short
 * arrays of integers, and roles the user does not hold are not read.
 */
void
pol_roles_held(const struct pol_system *sys, const struct pol_user *u,
    int *gi)
{
	const struct pol_rgroup *e;
	uint16_t first[POL_ROLES_MAX];	/* the role's group that gave gi */
	uint64_t h;
	size_t i, j, k, m;
	uint32_t g;

	for (i = 0; i < sys->nroles; i++)
		gi[i] = -1;
	if (u->ghash == NULL || u->gorder == NULL) {
		for (i = 0; i < sys->nroles; i++)
			for (j = 0; j < sys->roles[i].ngroups && gi[i] < 0; j++)
				gi[i] = index_by_str(u,
				    sys->roles[i].groups[j]);
		return;
	}
	for (k = 0, m = 0; m < sys->nrgroups && k < u->ngroups; m++) {
		h = sys->rg_hash[m];
		while (k < u->ngroups && u->ghash[k] < h)
			k++;
		for (j = k; j < u->ngroups && u->ghash[j] == h; j++) {
			e = &sys->rgroups[m];
			g = u->gorder[j];
			if (g >= u->ngroups || strcmp(u->groups[g], e->dn) != 0)
				continue;
			/* The role's first group the user is in decides. */
			if (gi[e->role] < 0 || e->group < first[e->role]) {
				gi[e->role] = (int)g;
				first[e->role] = e->group;
			}
			break;
		}
	}
}

/* "granting > ... > direct" for groups[gi]; bounded by the buffer. */
void
pol_group_path(const struct pol_user *u, int gi, char *buf, size_t sz)
{
	size_t len = 0;
	int hops = 0;

	buf[0] = '\0';
	while (gi >= 0 && (size_t)gi < u->ngroups && hops++ < 32) {
		len += (size_t)snprintf(buf + len, len < sz ? sz - len : 0,
		    "%s%s", hops > 1 ? " > " : "", u->groups[gi]);
		if (len >= sz)
			break;
		gi = u->parent != NULL ? u->parent[gi] : -1;
	}
}

/*
 * Asks for the cache lines of [p, p + len), at most `max` bytes of it,
 * without waiting for them.
 */
static void
prefetch(const void *p, size_t len, size_t max)
{
	const char *c = p;
	size_t i;

	for (i = 0; i < len && i < max; i += 64)
		__builtin_prefetch(c + i);
}

/* Appends to a bounded string. */
static void
cat(char *buf, size_t sz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
cat(char *buf, size_t sz, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= sz)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, sz - len, fmt, ap);
	va_end(ap);
}

enum cond_res { C_MET = 0, C_WINDOW, C_NETWORK };

/*
 * Checks an allow condition; on failure `why` says which.  A source given
 * as a host name satisfies no `from`.  The source is checked first: when
 * both fail, the answer is C_NETWORK (see cond_both).
 */
static enum cond_res
cond_allow(const struct pol_cond *c, const struct src *s, time_t at,
    char *why, size_t whysz)
{
	size_t i;
	int ok;

	for (i = 0, ok = c->nfrom == 0; i < c->nfrom && !ok; i++)
		ok = net_match(c->from[i], s);
	if (!ok) {
		snprintf(why, whysz, "source %s not in %s",
		    s->kind == SRC_LOCAL ? "local" : s->kind == SRC_NAME ?
		    "(a host name)" : "address", c->from[0]->name != NULL ?
		    c->from[0]->name : "the listed ranges");
		for (i = 1; i < c->nfrom; i++)
			cat(why, whysz, ", %s", c->from[i]->name != NULL ?
			    c->from[i]->name : "the listed ranges");
		return C_NETWORK;
	}
	for (i = 0, ok = c->nwhen == 0; i < c->nwhen && !ok; i++)
		ok = policy_window_match(c->when[i], at);
	if (!ok) {
		snprintf(why, whysz, "outside window%s %s", c->nwhen > 1 ?
		    "s" : "", c->when[0]->name);
		for (i = 1; i < c->nwhen; i++)
			cat(why, whysz, ", %s", c->when[i]->name);
		return C_WINDOW;
	}
	return C_MET;
}

/*
 * The system's and a role's conditions together.  A source outside the
 * allowed networks outranks a time outside the windows, whichever of the
 * two conditions says so: the reason must not depend on the order of the
 * checks (source-not-allowed, then outside-hours).
 */
static enum cond_res
cond_both(const struct pol_cond *sc, const struct pol_cond *rc,
    const struct src *s, time_t at, char *why, size_t whysz)
{
	char rwhy[256];
	enum cond_res a, b;

	if ((a = cond_allow(sc, s, at, why, whysz)) == C_NETWORK)
		return a;
	b = cond_allow(rc, s, at, rwhy, sizeof(rwhy));
	if (b == C_NETWORK || (a == C_MET && b == C_WINDOW)) {
		why[0] = '\0';
		cat(why, whysz, "%s", rwhy);
		return b;
	}
	return a;
}

/*
 * Does deny rule `d` match?  `why` says how, and with `explain` why not
 * (only a trace shows that).
 */
static int
deny_match(const struct pol_deny *d, const struct pol_query *q,
    const struct src *s, int explain, char *why, size_t whysz)
{
	const struct pol_user *u = q->user;
	size_t i;
	int who = d->nusers == 0 && d->ngroups == 0, ok;

	why[0] = '\0';
	for (i = 0; i < d->nusers && !who; i++)
		if (strcmp(d->users[i], u->name) == 0) {
			who = 1;
			snprintf(why, whysz, "user %s", u->name);
		}
	for (i = 0; i < d->ngroups && !who; i++)
		if (pol_group_index(u, d->groups[i], d->group_hash[i]) >= 0) {
			who = 1;
			snprintf(why, whysz, "member of %s", d->groups[i]);
		}
	if (!who) {
		if (explain)
			snprintf(why, whysz, "user not named, in no listed "
			    "group");
		return 0;
	}
	for (i = 0, ok = d->cond.nfrom == 0; i < d->cond.nfrom && !ok; i++)
		/* SECURITY NOTE: a source that cannot be placed is denied. */
		ok = s->kind == SRC_NAME || net_match(d->cond.from[i], s);
	if (!ok) {
		if (explain)
			snprintf(why, whysz, "source not in its networks");
		return 0;
	}
	for (i = 0, ok = d->cond.nwhen == 0; i < d->cond.nwhen && !ok; i++)
		ok = policy_window_match(d->cond.when[i], q->at);
	if (!ok) {
		if (explain)
			snprintf(why, whysz, "outside its windows");
		return 0;
	}
	if (why[0] == '\0')
		snprintf(why, whysz, "%s", d->cond.nfrom == 0 ? "within its "
		    "windows" : s->kind == SRC_NAME ? "source is a host name" :
		    "source in its networks");
	return 1;
}

unsigned
policy_factors(const struct policy *p, const struct pol_system *sys,
    int has_token, char *why)
{
	unsigned f = sys->password ? POL_F_PASSWORD : 0;
	char w[96];
	int max = sys->conf;
	char aspect = 'C';

	if (sys->integ > max) {
		max = sys->integ;
		aspect = 'I';
	}
	if (sys->avail > max) {
		max = sys->avail;
		aspect = 'A';
	}
	switch (sys->mfa) {
	case POL_MFA_REQUIRED:
		f |= POL_F_TOTP;
		snprintf(w, sizeof(w), "mfa required (system)");
		break;
	case POL_MFA_OPTIONAL:
		if (has_token)
			f |= POL_F_TOTP;
		snprintf(w, sizeof(w), "mfa optional (%s)", has_token ?
		    "user has a token" : "user has no token");
		break;
	case POL_MFA_CLASSIFIED:
		if (max >= p->mfa_threshold) {
			f |= POL_F_TOTP;
			snprintf(w, sizeof(w), "mfa required (classification "
			    "%c%d >= %d)", aspect, max, p->mfa_threshold);
		} else
			snprintf(w, sizeof(w), "mfa not required "
			    "(classification C%d I%d A%d < %d)", sys->conf,
			    sys->integ, sys->avail, p->mfa_threshold);
		break;
	}
	/*
	 * Not sizeof(w): the bytes past the NUL are stack garbage, and a
	 * decision must be the same bytes for the same query.
	 */
	if (why != NULL)
		memcpy(why, w, strlen(w) + 1);
	return f;
}

const char *
policy_factors_str(unsigned f, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s%s%s", (f & POL_F_PASSWORD) ? "password" : "",
	    (f & POL_F_PASSWORD) && (f & POL_F_TOTP) ? "," : "",
	    (f & POL_F_TOTP) ? "totp" : "");
	if (buf[0] == '\0')
		snprintf(buf, sz, "none");
	return buf;
}

static void
trace(pol_trace_fn *fn, void *arg, const char *kind, const char *name,
    int matched, const char *detail)
{
	if (fn != NULL)
		fn(arg, kind, name, matched, detail);
}

static void
deny_with(struct pol_decision *d, enum reason r, const char *rule,
    const char *detail)
{
	d->allow = 0;
	d->reason = r;
	snprintf(d->rule, sizeof(d->rule), "%s", rule);
	if (detail != NULL)
		snprintf(d->detail, sizeof(d->detail), "%s", detail);
}

void
policy_decide(const struct policy *p, const struct pol_query *q,
    struct pol_decision *d, pol_trace_fn *tf, void *ta)
{
	const struct pol_system *sys;
	const struct pol_deny *dl;
	struct src s;
	char why[256], path[768], name[160], cite[64], text[1100];
	int held_gi[POL_ROLES_MAX];
	size_t i, n;
	int scope, gi, held = 0, applied = 0, revoked = 0;
	enum cond_res cr, first_fail = C_MET;

	/*
	 * With many users and systems, a decision mostly waits for memory:
	 * the user's hashed groups, then the system's, each a chain of
	 * misses.  Asked for early, the user's overlap with the system's.
	 */
	if (q->user->ghash != NULL) {
		n = q->user->ngroups;
		prefetch(q->user->ghash, n * sizeof(*q->user->ghash), 256);
		prefetch(q->user->gorder, n * sizeof(*q->user->gorder), 128);
		prefetch(q->user->groups, n * sizeof(*q->user->groups), 128);
		prefetch(q->user->parent, n * sizeof(*q->user->parent), 64);
	}
	memset(d, 0, sizeof(*d));
	d->reason = RSN_INTERNAL;
	src_parse(q->source, &s);

	sys = policy_system_resolve(p, q->system, q->service);
	if (sys == NULL) {
		/*
		 * SECURITY NOTE: the names come from the client; quoted back
		 * sanitised, they cannot forge log or terminal output.
		 */
		str_sanitize(q->system ? q->system : q->service ? q->service :
		    "-", strlen(q->system ? q->system : q->service ?
		    q->service : "-"), cite, sizeof(cite));
		snprintf(why, sizeof(why), "no system %s %s", q->system ?
		    "named" : "for PAM service", cite);
		trace(tf, ta, "system", q->system ? cite : "-", 0, why);
		deny_with(d, RSN_UNKNOWN_SYSTEM, "default-deny", why);
		return;
	}
	d->sys = sys;
	prefetch(sys->rg_hash, sys->nrgroups * sizeof(*sys->rg_hash), 256);
	prefetch(sys->rgroups, sys->nrgroups * sizeof(*sys->rgroups), 256);
	d->factors = policy_factors(p, sys, q->has_token, d->mfa);
	/*
	 * Texts that only a trace shows are not made without one: most of
	 * a decision's cost would be formatting them.
	 */
	if (tf != NULL) {
		snprintf(why, sizeof(why), "%s%s, owner %s, classification "
		    "C%d I%d A%d", q->system ? "by name" : "by PAM service ",
		    q->system ? "" : q->service, sys->owner, sys->conf,
		    sys->integ, sys->avail);
		tf(ta, "system", sys->name, 1, why);
	}

	/* Explicit deny rules, global first: any match decides. */
	for (scope = 0; scope < 2; scope++) {
		dl = scope == 0 ? p->deny : sys->deny;
		n = scope == 0 ? p->ndeny : sys->ndeny;
		for (i = 0; i < n; i++) {
			int m = deny_match(&dl[i], q, &s, tf != NULL, why,
			    sizeof(why));

			if (tf == NULL && (!m || d->rule[0] != '\0'))
				continue;
			snprintf(name, sizeof(name), "%s%s%s", scope ? "system "
			    : "", scope ? sys->name : "", scope ? " " : "");
			cat(name, sizeof(name), "deny %s", dl[i].name);
			trace(tf, ta, "deny", name, m, why);
			if (m && d->rule[0] == '\0')
				deny_with(d, RSN_DENY_RULE, name, why);
		}
	}

	/* Roles. */
	pol_roles_held(sys, q->user, held_gi);
	for (i = 0; i < sys->nroles; i++) {
		const struct pol_role *r = &sys->roles[i];

		if ((gi = held_gi[i]) < 0) {
			/* Without a trace, a role not held is not read. */
			if (tf != NULL)
				tf(ta, "role", r->name, 0, "not in any of its "
				    "groups");
			continue;
		}
		pol_group_path(q->user, gi, path, sizeof(path));
		/* The callback may leave `cite` alone or fill it to the end. */
		cite[0] = '\0';
		if (q->revoked != NULL && q->revoked(q->revoked_arg, sys->name,
		    r->name, q->user->name, cite, sizeof(cite))) {
			cite[sizeof(cite) - 1] = '\0';
			if (tf != NULL) {
				snprintf(text, sizeof(text), "held via %s; "
				    "revoked in %s", path, cite);
				tf(ta, "role", r->name, 0, text);
			}
			/* A deny rule's or condition's detail stays. */
			if (!revoked++ && d->detail[0] == '\0')
				snprintf(d->detail, sizeof(d->detail),
				    "role %s revoked in %s", r->name, cite);
			continue;
		}
		held++;
		if ((cr = cond_both(&sys->cond, &r->cond, &s, q->at, why,
		    sizeof(why))) != C_MET) {
			if (tf != NULL) {
				snprintf(text, sizeof(text), "held via %s; "
				    "not applied: %s", path, why);
				tf(ta, "role", r->name, 0, text);
			}
			/*
			 * The first failure, or the first on the source after
			 * failures on the time, gives the reason; the rule
			 * and detail cite the same role.
			 */
			if (first_fail == C_MET || (cr == C_NETWORK &&
			    first_fail == C_WINDOW)) {
				first_fail = cr;
				if (d->reason != RSN_DENY_RULE && !applied) {
					d->detail[0] = '\0';
					cat(d->detail, sizeof(d->detail),
					    "role %s: %s", r->name, why);
					snprintf(d->rule, sizeof(d->rule),
					    "system %s role %s", sys->name,
					    r->name);
				}
			}
			continue;
		}
		if (tf != NULL) {
			snprintf(text, sizeof(text), "held via %s", path);
			tf(ta, "role", r->name, 1, text);
		}
		cat(d->roles, sizeof(d->roles), "%s%s", applied ? "," : "",
		    r->name);
		cat(d->grants, sizeof(d->grants), "%s%s: %s", applied ? "; " :
		    "", r->name, path);
		if (!applied++ && d->reason != RSN_DENY_RULE) {
			snprintf(d->rule, sizeof(d->rule), "system %s role %s",
			    sys->name, r->name);
			d->detail[0] = '\0';
		}
	}
	if (tf != NULL)
		tf(ta, "factors", policy_factors_str(d->factors, name,
		    sizeof(name)), 1, d->mfa);

	if (d->reason == RSN_DENY_RULE) {
		/* The roles stay reported: they are what the rule overrode. */
		return;
	}
	if (applied > 0) {
		d->allow = 1;
		d->reason = RSN_OK;
		d->detail[0] = '\0';	/* a revoked role is in the trace */
		return;
	}
	d->roles[0] = d->grants[0] = '\0';
	if (held > 0) {
		d->allow = 0;
		d->reason = first_fail == C_NETWORK ? RSN_SOURCE_NOT_ALLOWED :
		    RSN_OUTSIDE_HOURS;
	}
	else if (revoked > 0)
		deny_with(d, RSN_REVOKED, "default-deny", NULL);
	else
		deny_with(d, RSN_NO_ROLE, "default-deny", "the user holds no "
		    "role on this system");
}
