/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy parser (policies/README.md is the language's reference).
 *
 * Two passes over all files: the first reads settings, networks and
 * windows (so that systems may name them in any file), the second the
 * systems and deny rules.  The first error stops the load; it is reported
 * as "file:line: message" and nothing of the new policy is kept.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/evp.h>

#include "authd_err.h"
#include "lex.h"
#include "policy_int.h"
#include "strmap.h"
#include "util.h"

#define WORDS_MAX	256		/* words on one line */

enum block { B_TOP, B_SETTINGS, B_NETWORK, B_WINDOW, B_SYSTEM, B_ROLE,
	B_DENY, B_HOST };

struct parser {
	struct policy		*p;
	int			 pass;		/* 1 or 2 */
	const char		*file;
	int			 line;
	char			*err;
	enum block		 stack[4];
	int			 depth;
	int			 open_line;	/* of the outermost open block */
	int			 settings_seen;
	int			 skip;		/* inside a block of the other pass */
	struct pol_network	*net;
	struct pol_window	*win;
	struct pol_system	*sys;
	struct pol_role		*role;
	struct pol_deny		*deny;
	struct pol_host		*host;
	unsigned		 seen;		/* statements seen in a block */
	unsigned		 sysseen;	/* the system's, inside a role */
	int			 nomem;		/* the error is out of memory */
};

/* Bits of parser.seen. */
#define S_DESC		0x001
#define S_SERVICES	0x002
#define S_OWNER		0x004
#define S_CONF		0x008
#define S_INTEG		0x010
#define S_AVAIL		0x020
#define S_MFA		0x040
#define S_PASSWORD	0x080
#define S_WHEN		0x100
#define S_FROM		0x200
#define S_ZONE		0x400
#define S_DAYS		0x800
#define S_HOURS		0x1000
#define S_THRESHOLD	0x2000
#define S_DEPTH		0x4000
#define S_SYSTEMS	0x8000

static int
fail(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct parser *ps, const char *fmt, ...)
{
	char msg[POL_ERR_MAX / 2];
	va_list ap;
	int room;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* The message is kept whole; a long path gives way. */
	room = (int)(POL_ERR_MAX - strlen(msg)) - 16;
	if (ps->line > 0)
		snprintf(ps->err, POL_ERR_MAX, "%.*s:%d: %s", room, ps->file,
		    ps->line, msg);
	else
		snprintf(ps->err, POL_ERR_MAX, "%.*s: %s", room, ps->file, msg);
	return -1;
}

/*
 * Out of memory.  Flagged, not recognised by its text: a message may
 * quote a word from the file that reads "out of memory".
 */
static int
oom(struct parser *ps)
{
	ps->nomem = 1;
	return fail(ps, "out of memory");
}

/* A word from the file, safe to quote back in a message. */
static const char *
q(const char *s, char *buf, size_t sz)
{
	char tmp[72];

	snprintf(buf, sz, "\"%s\"", str_sanitize(s, strlen(s), tmp,
	    sizeof(tmp)));
	return buf;
}
#define Q(s)	q((s), (char[80]){ 0 }, 80)

/* ---- small containers ---- */

#define GROW_LIMIT	-1
#define GROW_NOMEM	-2

/* Adds a zeroed element to `*arrp`; 0, GROW_LIMIT or GROW_NOMEM. */
static int
grow(void *arrp, size_t *n, size_t size, size_t max)
{
	void **arr = arrp, *na;

	if (*n >= max)
		return GROW_LIMIT;
	if ((na = realloc(*arr, (*n + 1) * size)) == NULL)
		return GROW_NOMEM;
	memset((char *)na + *n * size, 0, size);
	*arr = na;
	(*n)++;
	return 0;
}

/* The message for a failed grow() of `what`. */
static int
grow_fail(struct parser *ps, int r, const char *what, size_t max)
{
	if (r == GROW_NOMEM)
		return oom(ps);
	return fail(ps, "too many %s (at most %zu)", what, max);
}

static int
push_str(struct parser *ps, char ***arr, size_t *n, size_t max,
    const char *s, const char *what)
{
	char *d;
	int r;

	if ((d = strdup(s)) == NULL)
		return oom(ps);
	if ((r = grow(arr, n, sizeof(char *), max)) != 0) {
		free(d);
		return grow_fail(ps, r, what, max);
	}
	(*arr)[*n - 1] = d;
	return 0;
}

static void
free_strs(char **a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

/* ---- hash tables (FNV-1a, strmap_hash) ---- */

int
pol_htab_build(struct pol_htab *h, size_t n)
{
	size_t size = 16;

	while (size < 2 * n + 2)
		size *= 2;
	if ((h->key = calloc(size, sizeof(*h->key))) == NULL ||
	    (h->val = calloc(size, sizeof(*h->val))) == NULL) {
		free(h->key);
		h->key = NULL;
		return -1;
	}
	h->mask = size - 1;
	return 0;
}

int
pol_htab_put(struct pol_htab *h, const char *key, size_t val)
{
	size_t i = (size_t)strmap_hash(key) & h->mask;

	while (h->key[i] != NULL) {
		if (strcmp(h->key[i], key) == 0)
			return -1;
		i = (i + 1) & h->mask;
	}
	h->key[i] = key;
	h->val[i] = val;
	return 0;
}

int
pol_htab_get(const struct pol_htab *h, const char *key, size_t *val)
{
	size_t i;

	if (h->key == NULL)
		return 0;
	for (i = (size_t)strmap_hash(key) & h->mask; h->key[i] != NULL;
	    i = (i + 1) & h->mask)
		if (strcmp(h->key[i], key) == 0) {
			*val = h->val[i];
			return 1;
		}
	return 0;
}

void
pol_htab_free(struct pol_htab *h)
{
	free(h->key);
	free(h->val);
	memset(h, 0, sizeof(*h));
}

/* ---- values ---- */

char *
policy_dn_norm(const char *dn)
{
	char *out = NULL, *r;
	size_t i;

	if (dn == NULL || dn[0] == '\0' || strlen(dn) > POL_DN_MAX ||
	    strchr(dn, '=') == NULL)
		return NULL;
	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out,
	    LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || out == NULL ||
	    out[0] == '\0') {
		ldap_memfree(out);
		return NULL;
	}
	if ((r = strdup(out)) != NULL)
		for (i = 0; r[i] != '\0'; i++)
			if (r[i] >= 'A' && r[i] <= 'Z')
				r[i] = (char)(r[i] - 'A' + 'a');
	ldap_memfree(out);
	return r;
}

int
pol_range_parse(const char *s, struct pol_range *r, const char **why)
{
	char buf[64], *slash;
	uint8_t v4[4];
	long long bits = -1;
	int isv4, i, max;

	memset(r, 0, sizeof(*r));
	if (strlen(s) >= sizeof(buf)) {
		*why = "address too long";
		return -1;
	}
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		if (num_parse(slash, 0, 128, &bits, NULL) != 0) {
			*why = "invalid prefix length";
			return -1;
		}
	}
	if (inet_pton(AF_INET, buf, v4) == 1) {
		isv4 = 1;
		r->addr[10] = r->addr[11] = 0xff;
		memcpy(r->addr + 12, v4, 4);
	} else if (inet_pton(AF_INET6, buf, r->addr) == 1) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
		    0, 0xff, 0xff };

		isv4 = memcmp(r->addr, mapped, 12) == 0;
		if (isv4 && bits >= 0) {
			if (bits < 96) {
				*why = "invalid prefix length";
				return -1;
			}
			bits -= 96;
		}
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	max = isv4 ? 32 : 128;
	if (bits < 0)
		bits = max;
	if (bits > max) {
		*why = "invalid prefix length";
		return -1;
	}
	r->bits = (uint8_t)(isv4 ? bits + 96 : bits);
	/* Host bits set are a typo more often than not. */
	for (i = r->bits; i < 128; i++)
		if (r->addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "address has bits set beyond its prefix";
			return -1;
		}
	return 0;
}

int
policy_range_parse(const char *s, struct pol_range *r, const char **why)
{
	return pol_range_parse(s, r, why);
}

static int
parse_int(struct parser *ps, int argc, char **argv, long long lo,
    long long hi, int *out)
{
	long long v;

	if (argc != 2)
		return fail(ps, "%s takes one number", argv[0]);
	if (num_parse(argv[1], lo, hi, &v, NULL) != 0)
		return fail(ps, "%s must be a number from %lld to %lld",
		    argv[0], lo, hi);
	*out = (int)v;
	return 0;
}

/*
 * Valid UTF-8 without control characters: no overlong forms, no
 * surrogates, nothing above U+10FFFF (RFC 3629).
 */
static int
text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo, hi;
	int n;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		/* The range allowed for the second byte. */
		lo = 0x80;
		hi = 0xbf;
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 1;
		else if (*p >= 0xe0 && *p <= 0xef) {
			n = 2;
			if (*p == 0xe0)
				lo = 0xa0;
			else if (*p == 0xed)
				hi = 0x9f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			n = 3;
			if (*p == 0xf0)
				lo = 0x90;
			else if (*p == 0xf4)
				hi = 0x8f;
		} else
			return 0;
		p++;
		if (*p < lo || *p > hi)
			return 0;
		for (p++, n--; n > 0; n--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

static int
set_text(struct parser *ps, int argc, char **argv, char **dst)
{
	if (argc != 2)
		return fail(ps, "%s takes one quoted text", argv[0]);
	if (strlen(argv[1]) > POL_TEXT_MAX || !text_ok(argv[1]))
		return fail(ps, "%s must be UTF-8 text of at most %d bytes",
		    argv[0], POL_TEXT_MAX);
	if ((*dst = strdup(argv[1])) == NULL)
		return oom(ps);
	return 0;
}

static int
push_dn(struct parser *ps, int argc, char **argv, char ***arr, size_t *n,
    size_t max)
{
	char *dn;
	size_t i;
	int r;

	if (argc != 2)
		return fail(ps, "group takes one DN (quote it if it has "
		    "blanks)");
	if ((dn = policy_dn_norm(argv[1])) == NULL)
		return fail(ps, "invalid group DN %s", Q(argv[1]));
	for (i = 0; i < *n; i++)
		if (strcmp((*arr)[i], dn) == 0) {
			free(dn);
			return fail(ps, "group %s listed twice", Q(argv[1]));
		}
	if ((r = grow(arr, n, sizeof(char *), max)) != 0) {
		free(dn);
		return grow_fail(ps, r, "groups", max);
	}
	(*arr)[*n - 1] = dn;
	return 0;
}

/* ---- lookups of names defined in pass 1 ---- */

static struct pol_network *
find_net(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nnamed; i++)
		if (strcmp(p->nets[i]->name, name) == 0)
			return p->nets[i];
	return NULL;
}

static struct pol_window *
find_win(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nwins; i++)
		if (strcmp(p->wins[i]->name, name) == 0)
			return p->wins[i];
	return NULL;
}

static void
net_free(struct pol_network *n)
{
	if (n == NULL)
		return;
	free(n->name);
	free(n->ranges);
	free(n->except);
	free(n);
}

/* Adds addresses (or "local") to `n`'s ranges or exceptions. */
static int
add_ranges(struct parser *ps, struct pol_network *n, int except, int argc,
    char **argv)
{
	struct pol_range r;
	const char *why;
	int i, e;

	if (argc < 2)
		return fail(ps, "%s needs at least one address", argv[0]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "local") == 0 && !except) {
			n->local = 1;
			continue;
		}
		if (pol_range_parse(argv[i], &r, &why) != 0)
			return fail(ps, "%s: %s", Q(argv[i]), why);
		if ((e = except ? grow(&n->except, &n->nexcept, sizeof(r),
		    POL_RANGES_MAX) : grow(&n->ranges, &n->nranges,
		    sizeof(r), POL_RANGES_MAX)) != 0)
			return grow_fail(ps, e, "address ranges",
			    POL_RANGES_MAX);
		(except ? n->except : n->ranges)[(except ? n->nexcept :
		    n->nranges) - 1] = r;
	}
	return 0;
}

/* "when W..." */
static int
cond_when(struct parser *ps, struct pol_cond *c, int argc, char **argv)
{
	const struct pol_window *w;
	int i;

	if (c->nwhen > 0)
		return fail(ps, "when given twice (list the windows on one "
		    "line)");
	if (argc < 2)
		return fail(ps, "when needs at least one window name");
	if (argc - 1 > POL_REFS_MAX)
		return fail(ps, "too many windows (at most %d)", POL_REFS_MAX);
	if ((c->when = calloc((size_t)argc - 1, sizeof(*c->when))) == NULL)
		return oom(ps);
	for (i = 1; i < argc; i++) {
		if ((w = find_win(ps->p, argv[i])) == NULL)
			return fail(ps, "unknown window %s", Q(argv[i]));
		c->when[c->nwhen++] = w;
	}
	return 0;
}

/* "from N..." with names, inline ranges and "local". */
static int
cond_from(struct parser *ps, struct pol_cond *c, int argc, char **argv)
{
	struct policy *p = ps->p;
	struct pol_network *n, *inl = NULL;
	struct pol_range r;
	const char *why;
	char *one[2];
	int i;

	if (c->nfrom > 0)
		return fail(ps, "from given twice (list the networks on one "
		    "line)");
	if (argc < 2)
		return fail(ps, "from needs at least one network");
	if (argc - 1 > POL_REFS_MAX)
		return fail(ps, "too many networks (at most %d)",
		    POL_REFS_MAX);
	if ((c->from = calloc((size_t)argc, sizeof(*c->from))) == NULL)
		return oom(ps);
	for (i = 1; i < argc; i++) {
		if ((n = find_net(p, argv[i])) != NULL) {
			c->from[c->nfrom++] = n;
			continue;
		}
		if (strcmp(argv[i], "local") != 0 &&
		    pol_range_parse(argv[i], &r, &why) != 0) {
			/* No name has ':' or '/': meant as a range. */
			if (strpbrk(argv[i], ":/") != NULL)
				return fail(ps, "%s: %s", Q(argv[i]), why);
			return fail(ps, "unknown network %s", Q(argv[i]));
		}
		if (inl == NULL) {
			if ((inl = calloc(1, sizeof(*inl))) == NULL)
				return oom(ps);
			if (grow(&p->nets, &p->nnets, sizeof(*p->nets),
			    SIZE_MAX) != 0) {
				net_free(inl);
				return oom(ps);
			}
			p->nets[p->nnets - 1] = inl;
			inl->line = ps->line;
			c->from[c->nfrom++] = inl;
		}
		one[0] = argv[0];
		one[1] = argv[i];
		if (add_ranges(ps, inl, 0, 2, one) != 0)
			return -1;
	}
	return 0;
}

/* ---- windows ---- */

static const char *const daynames[7] = { "mon", "tue", "wed", "thu", "fri",
	"sat", "sun" };

static int
day_index(const char *s, size_t len)
{
	int i;

	for (i = 0; i < 7; i++)
		if (len == 3 && strncmp(s, daynames[i], 3) == 0)
			return i;
	return -1;
}

/* "mon-fri", "sat", "mon,wed" */
static int
parse_days(struct parser *ps, const char *arg, uint8_t *days)
{
	const char *p = arg, *end, *dash;
	int a, b, i;

	while (*p != '\0') {
		end = p + strcspn(p, ",");
		dash = memchr(p, '-', (size_t)(end - p));
		if (dash != NULL) {
			a = day_index(p, (size_t)(dash - p));
			b = day_index(dash + 1, (size_t)(end - dash - 1));
		} else
			a = b = day_index(p, (size_t)(end - p));
		if (a < 0 || b < 0 || b < a)
			return fail(ps, "invalid days %s (write mon-fri, sat, "
			    "...)", Q(arg));
		for (i = a; i <= b; i++)
			*days |= (uint8_t)(1 << i);
		if (*end == ',' && end[1] == '\0')
			return fail(ps, "invalid days %s (write mon-fri, sat, "
			    "...)", Q(arg));
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static int
parse_hhmm(const char *s, size_t len, int *min)
{
	if (len != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' ||
	    s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	*min = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 +
	    (s[4] - '0');
	return *min <= 24 * 60 ? 0 : -1;
}

static int
parse_hours(struct parser *ps, struct pol_window *w, const char *arg)
{
	const char *dash = strchr(arg, '-');
	int a, b;

	if (dash == NULL || parse_hhmm(arg, (size_t)(dash - arg), &a) != 0 ||
	    parse_hhmm(dash + 1, strlen(dash + 1), &b) != 0 ||
	    a == 24 * 60 || a == b)
		return fail(ps, "invalid hours %s (write 07:00-18:00)",
		    Q(arg));
	if (w->nhours >= sizeof(w->from) / sizeof(w->from[0]))
		return fail(ps, "too many hour ranges (at most %zu)",
		    sizeof(w->from) / sizeof(w->from[0]));
	w->from[w->nhours] = (uint16_t)a;
	w->to[w->nhours] = (uint16_t)b;
	w->nhours++;
	return 0;
}

static int
window_zone(struct parser *ps, struct pol_window *w, const char *name)
{
	struct policy *p = ps->p;
	struct pol_zone *z;
	char why[128];
	size_t i;

	for (i = 0; i < p->nzones; i++)
		if (strcmp(p->zones[i]->name, name) == 0) {
			w->zone = p->zones[i];
			return 0;
		}
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return oom(ps);
	if (pol_zone_build(name, z, why) != 0) {
		free(z);
		return fail(ps, "%s", why);
	}
	if (grow(&p->zones, &p->nzones, sizeof(*p->zones), SIZE_MAX) != 0) {
		free(z->name);
		free(z->start);
		free(z->offset);
		free(z);
		return oom(ps);
	}
	p->zones[p->nzones - 1] = z;
	w->zone = z;
	return 0;
}

/* ---- statements ---- */

static int
once(struct parser *ps, unsigned bit, const char *kw)
{
	if (ps->seen & bit)
		return fail(ps, "%s given twice", kw);
	ps->seen |= bit;
	return 0;
}

static int
st_settings(struct parser *ps, int argc, char **argv)
{
	if (strcmp(argv[0], "mfa-threshold") == 0)
		return once(ps, S_THRESHOLD, argv[0]) ? -1 :
		    parse_int(ps, argc, argv, 0, 4, &ps->p->mfa_threshold);
	if (strcmp(argv[0], "nesting-depth") == 0)
		return once(ps, S_DEPTH, argv[0]) ? -1 :
		    parse_int(ps, argc, argv, 1, 16, &ps->p->nesting_depth);
	return fail(ps, "unknown setting %s", Q(argv[0]));
}

static int
st_network(struct parser *ps, int argc, char **argv)
{
	if (strcmp(argv[0], "address") == 0)
		return add_ranges(ps, ps->net, 0, argc, argv);
	if (strcmp(argv[0], "except") == 0)
		return add_ranges(ps, ps->net, 1, argc, argv);
	return fail(ps, "%s is not allowed in a network (address, except)",
	    Q(argv[0]));
}

static int
st_window(struct parser *ps, int argc, char **argv)
{
	int i;

	if (strcmp(argv[0], "zone") == 0) {
		if (once(ps, S_ZONE, argv[0]) != 0)
			return -1;
		if (argc != 2)
			return fail(ps, "zone takes one time zone name");
		return window_zone(ps, ps->win, argv[1]);
	}
	if (strcmp(argv[0], "days") == 0) {
		if (once(ps, S_DAYS, argv[0]) != 0)
			return -1;
		if (argc < 2)
			return fail(ps, "days needs at least one day");
		for (i = 1; i < argc; i++)
			if (parse_days(ps, argv[i], &ps->win->days) != 0)
				return -1;
		return 0;
	}
	if (strcmp(argv[0], "hours") == 0) {
		if (argc < 2)
			return fail(ps, "hours needs at least one range");
		for (i = 1; i < argc; i++)
			if (parse_hours(ps, ps->win, argv[i]) != 0)
				return -1;
		return 0;
	}
	return fail(ps, "%s is not allowed in a window (zone, days, hours)",
	    Q(argv[0]));
}

static int
st_deny(struct parser *ps, int argc, char **argv)
{
	struct pol_deny *d = ps->deny;
	size_t j;
	int i;

	if (strcmp(argv[0], "user") == 0) {
		if (argc < 2)
			return fail(ps, "user needs at least one user name");
		for (i = 1; i < argc; i++) {
			if (!str_valid_user(argv[i]))
				return fail(ps, "invalid user name %s",
				    Q(argv[i]));
			for (j = 0; j < d->nusers; j++)
				if (strcmp(d->users[j], argv[i]) == 0)
					return fail(ps, "user %s listed twice",
					    Q(argv[i]));
			if (push_str(ps, &d->users, &d->nusers, POL_WHO_MAX,
			    argv[i], "users") != 0)
				return -1;
		}
		return 0;
	}
	if (strcmp(argv[0], "group") == 0)
		return push_dn(ps, argc, argv, &d->groups, &d->ngroups,
		    POL_WHO_MAX);
	if (strcmp(argv[0], "when") == 0)
		return cond_when(ps, &d->cond, argc, argv);
	if (strcmp(argv[0], "from") == 0)
		return cond_from(ps, &d->cond, argc, argv);
	return fail(ps, "%s is not allowed in a deny rule (user, group, from, "
	    "when)", Q(argv[0]));
}

static int
st_role(struct parser *ps, int argc, char **argv)
{
	struct pol_role *r = ps->role;

	if (strcmp(argv[0], "description") == 0)
		return once(ps, S_DESC, argv[0]) ? -1 :
		    set_text(ps, argc, argv, &r->description);
	if (strcmp(argv[0], "group") == 0)
		return push_dn(ps, argc, argv, &r->groups, &r->ngroups,
		    POL_GROUPS_MAX);
	if (strcmp(argv[0], "when") == 0)
		return cond_when(ps, &r->cond, argc, argv);
	if (strcmp(argv[0], "from") == 0)
		return cond_from(ps, &r->cond, argc, argv);
	return fail(ps, "%s is not allowed in a role (description, group, "
	    "when, from)", Q(argv[0]));
}

static int
st_system(struct parser *ps, int argc, char **argv)
{
	struct pol_system *s = ps->sys;
	size_t j;
	int i;

	if (strcmp(argv[0], "description") == 0)
		return once(ps, S_DESC, argv[0]) ? -1 :
		    set_text(ps, argc, argv, &s->description);
	if (strcmp(argv[0], "services") == 0) {
		if (once(ps, S_SERVICES, argv[0]) != 0)
			return -1;
		if (argc < 2)
			return fail(ps, "services needs at least one PAM "
			    "service name");
		for (i = 1; i < argc; i++) {
			if (!str_valid_name(argv[i]))
				return fail(ps, "invalid service name %s",
				    Q(argv[i]));
			for (j = 0; j < s->nservices; j++)
				if (strcmp(s->services[j], argv[i]) == 0)
					return fail(ps, "service %s listed "
					    "twice", Q(argv[i]));
			if (push_str(ps, &s->services, &s->nservices, 64,
			    argv[i], "services") != 0)
				return -1;
		}
		return 0;
	}
	if (strcmp(argv[0], "owner") == 0) {
		if (once(ps, S_OWNER, argv[0]) != 0)
			return -1;
		if (argc != 2 || !str_valid_user(argv[1]))
			return fail(ps, "owner takes one user name");
		if ((s->owner = strdup(argv[1])) == NULL)
			return oom(ps);
		return 0;
	}
	if (strcmp(argv[0], "confidentiality") == 0)
		return once(ps, S_CONF, argv[0]) ? -1 :
		    parse_int(ps, argc, argv, 0, 4, &s->conf);
	if (strcmp(argv[0], "integrity") == 0)
		return once(ps, S_INTEG, argv[0]) ? -1 :
		    parse_int(ps, argc, argv, 0, 4, &s->integ);
	if (strcmp(argv[0], "availability") == 0)
		return once(ps, S_AVAIL, argv[0]) ? -1 :
		    parse_int(ps, argc, argv, 0, 4, &s->avail);
	if (strcmp(argv[0], "mfa") == 0) {
		if (once(ps, S_MFA, argv[0]) != 0)
			return -1;
		if (argc == 2 && strcmp(argv[1], "required") == 0)
			s->mfa = POL_MFA_REQUIRED;
		else if (argc == 2 && strcmp(argv[1], "optional") == 0)
			s->mfa = POL_MFA_OPTIONAL;
		else if (argc == 2 && strcmp(argv[1], "classified") == 0)
			s->mfa = POL_MFA_CLASSIFIED;
		else
			return fail(ps, "mfa takes required, optional or "
			    "classified");
		return 0;
	}
	if (strcmp(argv[0], "password") == 0) {
		if (once(ps, S_PASSWORD, argv[0]) != 0)
			return -1;
		if (argc == 2 && strcmp(argv[1], "yes") == 0)
			s->password = 1;
		else if (argc == 2 && strcmp(argv[1], "no") == 0)
			s->password = 0;
		else
			return fail(ps, "password takes yes or no");
		return 0;
	}
	if (strcmp(argv[0], "when") == 0)
		return cond_when(ps, &s->cond, argc, argv);
	if (strcmp(argv[0], "from") == 0)
		return cond_from(ps, &s->cond, argc, argv);
	return fail(ps, "%s is not allowed in a system", Q(argv[0]));
}

static int
st_host(struct parser *ps, int argc, char **argv)
{
	struct pol_host *h = ps->host;
	size_t j;
	int i;

	if (strcmp(argv[0], "systems") != 0)
		return fail(ps, "%s is not allowed in a host (systems)",
		    Q(argv[0]));
	if (once(ps, S_SYSTEMS, argv[0]) != 0)
		return -1;
	if (argc < 2)
		return fail(ps, "systems needs at least one system name");
	for (i = 1; i < argc; i++) {
		/* Defined anywhere, in any file: checked once all are read. */
		if (!str_valid_name(argv[i]))
			return fail(ps, "invalid system name %s", Q(argv[i]));
		for (j = 0; j < h->nsystems; j++)
			if (strcmp(h->systems[j], argv[i]) == 0)
				return fail(ps, "system %s listed twice",
				    Q(argv[i]));
		if (push_str(ps, &h->systems, &h->nsystems,
		    POL_HOST_SYSTEMS_MAX, argv[i], "systems") != 0)
			return -1;
	}
	return 0;
}

/*
 * A host name as a certificate carries it: DNS labels of letters, digits
 * and '-', at most POL_HOST_NAME_MAX bytes, kept in lower case.
 */
static int
host_name_ok(const char *s)
{
	size_t i, label = 0;

	if (s[0] == '\0' || strlen(s) > POL_HOST_NAME_MAX)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && s[i - 1] != '-';
}

/* ---- blocks ---- */

static int
name_arg(struct parser *ps, int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[2], "{") != 0)
		return fail(ps, "write: %s NAME {", argv[0]);
	if (!str_valid_name(argv[1]) || strlen(argv[1]) > POL_NAME_MAX)
		return fail(ps, "invalid name %s (letters, digits, . _ -; at "
		    "most %d)", Q(argv[1]), POL_NAME_MAX);
	return 0;
}

static int
open_deny(struct parser *ps, struct pol_deny **arr, size_t *n,
    const char *name)
{
	size_t i;
	int r;

	for (i = 0; i < *n; i++)
		if (strcmp((*arr)[i].name, name) == 0)
			return fail(ps, "deny rule %s defined twice (first at "
			    "%s:%d)", Q(name), (*arr)[i].file,
			    (*arr)[i].line);
	if ((r = grow(arr, n, sizeof(**arr), POL_DENY_MAX)) != 0)
		return grow_fail(ps, r, "deny rules", POL_DENY_MAX);
	ps->deny = &(*arr)[*n - 1];
	ps->deny->line = ps->line;
	ps->deny->file = (char *)ps->file;
	if ((ps->deny->name = strdup(name)) == NULL)
		return oom(ps);
	return 0;
}

/* "host NAME {": read in the second pass, with the systems. */
static int
open_host(struct parser *ps, int argc, char **argv)
{
	struct policy *p = ps->p;
	size_t i;
	int r;

	if (argc != 3 || strcmp(argv[2], "{") != 0)
		return fail(ps, "write: host NAME {");
	if (!host_name_ok(argv[1]))
		return fail(ps, "invalid host name %s (a DNS name of at most "
		    "%d bytes)", Q(argv[1]), POL_HOST_NAME_MAX);
	ps->seen = 0;
	ps->stack[ps->depth++] = B_HOST;
	if ((ps->skip = ps->pass != 2))
		return 0;
	for (i = 0; i < p->nhosts; i++)
		if (strcasecmp(p->hosts[i].name, argv[1]) == 0)
			return fail(ps, "host %s defined twice (first at "
			    "%s:%d)", Q(argv[1]), p->hosts[i].file,
			    p->hosts[i].line);
	if ((r = grow(&p->hosts, &p->nhosts, sizeof(*p->hosts),
	    POL_HOSTS_MAX)) != 0)
		return grow_fail(ps, r, "hosts", POL_HOSTS_MAX);
	ps->host = &p->hosts[p->nhosts - 1];
	ps->host->line = ps->line;
	ps->host->file = (char *)ps->file;
	if ((ps->host->name = strdup(argv[1])) == NULL)
		return oom(ps);
	for (i = 0; ps->host->name[i] != '\0'; i++)
		if (ps->host->name[i] >= 'A' && ps->host->name[i] <= 'Z')
			ps->host->name[i] += 'a' - 'A';
	return 0;
}

/* "KEYWORD NAME {" or "settings {" */
static int
open_block(struct parser *ps, int argc, char **argv)
{
	struct policy *p = ps->p;
	enum block cur = ps->stack[ps->depth - 1];
	const char *kw = argv[0], *why;
	struct pol_range rng;
	size_t i;
	int r;

	if (ps->depth >= (int)(sizeof(ps->stack) / sizeof(ps->stack[0])))
		return fail(ps, "blocks nested too deep");
	if (cur == B_TOP && strcmp(kw, "settings") == 0) {
		if (argc != 2)
			return fail(ps, "write: settings {");
		ps->stack[ps->depth++] = B_SETTINGS;
		ps->skip = ps->pass != 1;
		if (!ps->skip && ps->settings_seen++)
			return fail(ps, "settings given twice");
		return 0;
	}
	/* The keyword first: "bogus {" is an unknown block, not a typo. */
	if (!(cur == B_TOP && (strcmp(kw, "network") == 0 ||
	    strcmp(kw, "window") == 0 || strcmp(kw, "deny") == 0 ||
	    strcmp(kw, "system") == 0 || strcmp(kw, "host") == 0)) &&
	    !(cur == B_SYSTEM && (strcmp(kw, "role") == 0 ||
	    strcmp(kw, "deny") == 0))) {
		if (cur == B_TOP)
			return fail(ps, "unknown block %s (settings, network, "
			    "window, deny, system, host)", Q(kw));
		return fail(ps, "a %s block is not allowed here", Q(kw));
	}
	if (cur == B_TOP && strcmp(kw, "host") == 0)
		return open_host(ps, argc, argv);
	if (name_arg(ps, argc, argv) != 0)
		return -1;
	if (cur == B_SYSTEM)
		ps->sysseen = ps->seen;
	ps->seen = 0;
	if (cur == B_TOP && strcmp(kw, "network") == 0) {
		ps->stack[ps->depth++] = B_NETWORK;
		if ((ps->skip = ps->pass != 1))
			return 0;
		if (find_net(p, argv[1]) != NULL)
			return fail(ps, "network %s defined twice (first at "
			    "%s:%d)", Q(argv[1]), find_net(p, argv[1])->file,
			    find_net(p, argv[1])->line);
		if (strcmp(argv[1], "local") == 0)
			return fail(ps, "\"local\" is reserved");
		/* `from 10.0.0.1` must not mean two things. */
		if (pol_range_parse(argv[1], &rng, &why) == 0)
			return fail(ps, "network name %s is an address",
			    Q(argv[1]));
		if ((ps->net = calloc(1, sizeof(*ps->net))) == NULL)
			return oom(ps);
		if ((r = grow(&p->nets, &p->nnets, sizeof(*p->nets),
		    POL_NETWORKS_MAX)) != 0) {
			net_free(ps->net);
			ps->net = NULL;
			return grow_fail(ps, r, "networks", POL_NETWORKS_MAX);
		}
		p->nets[p->nnets - 1] = ps->net;
		p->nnamed = p->nnets;
		ps->net->line = ps->line;
		ps->net->file = (char *)ps->file;
		if ((ps->net->name = strdup(argv[1])) == NULL)
			return oom(ps);
		return 0;
	}
	if (cur == B_TOP && strcmp(kw, "window") == 0) {
		ps->stack[ps->depth++] = B_WINDOW;
		if ((ps->skip = ps->pass != 1))
			return 0;
		if (find_win(p, argv[1]) != NULL)
			return fail(ps, "window %s defined twice (first at "
			    "%s:%d)", Q(argv[1]), find_win(p, argv[1])->file,
			    find_win(p, argv[1])->line);
		if ((ps->win = calloc(1, sizeof(*ps->win))) == NULL)
			return oom(ps);
		if ((r = grow(&p->wins, &p->nwins, sizeof(*p->wins),
		    POL_WINDOWS_MAX)) != 0) {
			free(ps->win);
			ps->win = NULL;
			return grow_fail(ps, r, "windows", POL_WINDOWS_MAX);
		}
		p->wins[p->nwins - 1] = ps->win;
		ps->win->line = ps->line;
		ps->win->file = (char *)ps->file;
		if ((ps->win->name = strdup(argv[1])) == NULL)
			return oom(ps);
		return 0;
	}
	if (cur == B_TOP && strcmp(kw, "deny") == 0) {
		ps->stack[ps->depth++] = B_DENY;
		if ((ps->skip = ps->pass != 2))
			return 0;
		return open_deny(ps, &p->deny, &p->ndeny, argv[1]);
	}
	if (cur == B_TOP && strcmp(kw, "system") == 0) {
		ps->stack[ps->depth++] = B_SYSTEM;
		if ((ps->skip = ps->pass != 2))
			return 0;
		for (i = 0; i < p->nsys; i++)
			if (strcmp(p->sys[i].name, argv[1]) == 0)
				return fail(ps, "system %s defined twice "
				    "(first at %s:%d)", Q(argv[1]),
				    p->sys[i].file, p->sys[i].line);
		if ((r = grow(&p->sys, &p->nsys, sizeof(*p->sys),
		    POL_SYSTEMS_MAX)) != 0)
			return grow_fail(ps, r, "systems", POL_SYSTEMS_MAX);
		ps->sys = &p->sys[p->nsys - 1];
		ps->sys->line = ps->line;
		ps->sys->file = (char *)ps->file;
		ps->sys->conf = ps->sys->integ = ps->sys->avail = -1;
		if ((ps->sys->name = strdup(argv[1])) == NULL)
			return oom(ps);
		return 0;
	}
	if (cur == B_SYSTEM && strcmp(kw, "role") == 0) {
		ps->stack[ps->depth++] = B_ROLE;
		if (ps->skip)
			return 0;
		for (i = 0; i < ps->sys->nroles; i++)
			if (strcmp(ps->sys->roles[i].name, argv[1]) == 0)
				return fail(ps, "role %s defined twice in "
				    "system %s", Q(argv[1]), ps->sys->name);
		if ((r = grow(&ps->sys->roles, &ps->sys->nroles,
		    sizeof(*ps->sys->roles), POL_ROLES_MAX)) != 0)
			return grow_fail(ps, r, "roles", POL_ROLES_MAX);
		ps->role = &ps->sys->roles[ps->sys->nroles - 1];
		ps->role->line = ps->line;
		ps->role->file = (char *)ps->file;
		if ((ps->role->name = strdup(argv[1])) == NULL)
			return oom(ps);
		return 0;
	}
	if (cur == B_SYSTEM && strcmp(kw, "deny") == 0) {
		ps->stack[ps->depth++] = B_DENY;
		if (ps->skip)
			return 0;
		return open_deny(ps, &ps->sys->deny, &ps->sys->ndeny, argv[1]);
	}
	return fail(ps, "internal error");
}

/* Checks a block for completeness when its "}" is reached. */
static int
close_block(struct parser *ps)
{
	enum block b = ps->stack[--ps->depth];
	struct pol_system *s = ps->sys;

	if (ps->skip) {
		if (ps->depth == 1)
			ps->skip = 0;
		return 0;
	}
	switch (b) {
	case B_NETWORK:
		if (ps->net->nranges == 0 && !ps->net->local)
			return fail(ps, "network %s has no address",
			    ps->net->name);
		break;
	case B_WINDOW:
		if (!(ps->seen & S_ZONE))
			return fail(ps, "window %s has no zone",
			    ps->win->name);
		if (!(ps->seen & S_DAYS))
			ps->win->days = 0x7f;
		break;
	case B_ROLE:
		if (ps->role->ngroups == 0)
			return fail(ps, "role %s has no group",
			    ps->role->name);
		ps->seen = ps->sysseen;
		break;
	case B_DENY:
		if (ps->deny->nusers == 0 && ps->deny->ngroups == 0 &&
		    ps->deny->cond.nwhen == 0 && ps->deny->cond.nfrom == 0)
			return fail(ps, "deny rule %s has nothing to match "
			    "(user, group, from, when)", ps->deny->name);
		if (ps->depth > 1)
			ps->seen = ps->sysseen;
		break;
	case B_HOST:
		if (ps->host->nsystems == 0)
			return fail(ps, "host %s has no systems",
			    ps->host->name);
		break;
	case B_SYSTEM:
		if (s->owner == NULL)
			return fail(ps, "system %s has no owner", s->name);
		if (s->conf < 0 || s->integ < 0 || s->avail < 0)
			return fail(ps, "system %s needs confidentiality, "
			    "integrity and availability", s->name);
		if (s->nroles == 0)
			return fail(ps, "system %s has no role", s->name);
		/* A service in two systems: build_index says so. */
		if (s->nservices == 0 && push_str(ps, &s->services,
		    &s->nservices, 1, s->name, "services") != 0)
			return -1;
		break;
	default:
		break;
	}
	return 0;
}

static int
do_line(struct parser *ps, char *line)
{
	char *argv[WORDS_MAX];
	enum lex_err le;
	int argc;

	/* A '#' ends a word too: "admin# the admins" is the word admin. */
	if ((argc = lex_split(line, argv, WORDS_MAX, LEX_HASH_ENDS,
	    &le)) < 0) {
		switch (le) {
		case LEX_TOO_MANY:
			return fail(ps, "too many words on one line (at most "
			    "%d)", WORDS_MAX);
		case LEX_UNTERMINATED:
			return fail(ps, "unterminated quote");
		case LEX_AFTER_QUOTE:
			return fail(ps, "text after closing quote");
		default:
			return fail(ps, "quote inside a word");
		}
	}
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "}") == 0) {
		if (argc != 1)
			return fail(ps, "text after }");
		if (ps->depth <= 1)
			return fail(ps, "} without an open block");
		return close_block(ps);
	}
	if (strcmp(argv[argc - 1], "{") == 0)
		return open_block(ps, argc, argv);
	if (ps->skip)
		return 0;
	switch (ps->stack[ps->depth - 1]) {
	case B_TOP:
		return fail(ps, "unknown statement %s at the top level",
		    Q(argv[0]));
	case B_SETTINGS:
		return st_settings(ps, argc, argv);
	case B_NETWORK:
		return st_network(ps, argc, argv);
	case B_WINDOW:
		return st_window(ps, argc, argv);
	case B_SYSTEM:
		return st_system(ps, argc, argv);
	case B_ROLE:
		return st_role(ps, argc, argv);
	case B_DENY:
		return st_deny(ps, argc, argv);
	case B_HOST:
		return st_host(ps, argc, argv);
	}
	return fail(ps, "internal error");
}

/* Parses one file's text: `len` bytes, any of which may be NUL. */
static int
parse_text(struct parser *ps, const char *text, size_t len)
{
	char buf[POL_LINE_MAX + 1];
	size_t pos = 0, n, raw;
	const char *nl;
	int first_open = 0;
	size_t i;

	ps->line = 0;
	ps->depth = 1;
	ps->stack[0] = B_TOP;
	ps->skip = 0;
	while (pos < len) {
		ps->line++;
		nl = memchr(text + pos, '\n', len - pos);
		raw = n = nl != NULL ? (size_t)(nl - text - pos) : len - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > POL_LINE_MAX)
			return fail(ps, "line longer than %d bytes",
			    POL_LINE_MAX);
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		for (i = 0; i < n; i++) {
			if (buf[i] == '\0')
				return fail(ps, "NUL byte in line");
			if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
			    buf[i] == 0x7f)
				return fail(ps, "control character in line");
		}
		if (ps->depth == 1)
			first_open = ps->line;
		if (do_line(ps, buf) != 0)
			return -1;
		/* `raw`, not `n`: a last line "...\r" must end the loop. */
		pos += raw + (nl != NULL);
	}
	if (ps->depth > 1) {
		ps->line = first_open;
		return fail(ps, "block is not closed by the end of the file");
	}
	return 0;
}

/* Reads a policy file whole: a regular file of at most POL_FILE_MAX. */
static int
read_file(const char *path, char **text, size_t *len, char *err)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd;

	*text = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, POL_ERR_MAX, "%s: %s", path, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, POL_ERR_MAX, "%s: not a regular file", path);
		close(fd);
		return AUTHD_ERR_CONFIG;
	}
	/*
	 * SECURITY NOTE: whoever may write the policy decides who gets in.
	 * Like sshd's StrictModes: owned by root (or authd's user), not
	 * writable by group or others.
	 */
	if ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 022) != 0) {
		snprintf(err, POL_ERR_MAX, "%s: must be owned by root and not "
		    "writable by group or others", path);
		close(fd);
		return AUTHD_ERR_PERM;
	}
	if (st.st_size > POL_FILE_MAX) {
		snprintf(err, POL_ERR_MAX, "%s: larger than %d bytes", path,
		    POL_FILE_MAX);
		close(fd);
		return AUTHD_ERR_CONFIG;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, POL_ERR_MAX, "%s: out of memory", path);
		close(fd);
		return AUTHD_ERR_NOMEM;
	}
	while (got < (size_t)st.st_size + 1 &&
	    (n = read(fd, buf + got, (size_t)st.st_size + 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, POL_ERR_MAX, "%s: %s", path,
			    strerror(errno));
			free(buf);
			close(fd);
			return AUTHD_ERR_SYSTEM;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got > (size_t)st.st_size) {
		snprintf(err, POL_ERR_MAX, "%s: changed while read", path);
		free(buf);
		return AUTHD_ERR_CONFIG;
	}
	buf[got] = '\0';	/* NUL bytes inside: parse_text reports them */
	*text = buf;
	*len = got;
	return 0;
}

void
policy_free(struct policy *p)
{
	size_t i, j;

	if (p == NULL)
		return;
	for (i = 0; i < p->nnets; i++)
		net_free(p->nets[i]);
	free(p->nets);
	for (i = 0; i < p->nwins; i++) {
		free(p->wins[i]->name);
		free(p->wins[i]);
	}
	free(p->wins);
	for (i = 0; i < p->nzones; i++) {
		free(p->zones[i]->name);
		free(p->zones[i]->start);
		free(p->zones[i]->offset);
		free(p->zones[i]);
	}
	free(p->zones);
	for (i = 0; i < p->ndeny; i++) {
		free(p->deny[i].name);
		free_strs(p->deny[i].users, p->deny[i].nusers);
		free_strs(p->deny[i].groups, p->deny[i].ngroups);
		free(p->deny[i].group_hash);
		free(p->deny[i].cond.when);
		free(p->deny[i].cond.from);
	}
	free(p->deny);
	for (i = 0; i < p->nsys; i++) {
		struct pol_system *s = &p->sys[i];

		free(s->name);
		free(s->description);
		free(s->owner);
		free_strs(s->services, s->nservices);
		free(s->cond.when);
		free(s->cond.from);
		for (j = 0; j < s->nroles; j++) {
			free(s->roles[j].name);
			free(s->roles[j].description);
			free_strs(s->roles[j].groups, s->roles[j].ngroups);
			free(s->roles[j].cond.when);
			free(s->roles[j].cond.from);
		}
		free(s->roles);
		free(s->rg_hash);	/* and rgroups */
		for (j = 0; j < s->ndeny; j++) {
			free(s->deny[j].name);
			free_strs(s->deny[j].users, s->deny[j].nusers);
			free_strs(s->deny[j].groups, s->deny[j].ngroups);
			free(s->deny[j].group_hash);
			free(s->deny[j].cond.when);
			free(s->deny[j].cond.from);
		}
		free(s->deny);
	}
	free(p->sys);
	for (i = 0; i < p->nhosts; i++) {
		free(p->hosts[i].name);
		free_strs(p->hosts[i].systems, p->hosts[i].nsystems);
	}
	free(p->hosts);
	pol_htab_free(&p->byname);
	pol_htab_free(&p->byservice);
	pol_htab_free(&p->byhost);
	free_strs(p->files, p->nfiles);
	free(p);
}

/* The look-up tables, once every system is known. */
static int
build_index(struct parser *ps)
{
	struct policy *p = ps->p;
	size_t i, j, k, nserv = 0;

	for (i = 0; i < p->nsys; i++)
		nserv += p->sys[i].nservices;
	if (pol_htab_build(&p->byname, p->nsys) != 0 ||
	    pol_htab_build(&p->byservice, nserv) != 0)
		return oom(ps);
	for (i = 0; i < p->nsys; i++) {
		/* Unique: open_block checked each name as it came. */
		(void)pol_htab_put(&p->byname, p->sys[i].name, i);
		/*
		 * A hash, not a comparison with every earlier system: 4,096
		 * systems with 64 services each would take minutes.
		 */
		for (j = 0; j < p->sys[i].nservices; j++) {
			if (pol_htab_put(&p->byservice, p->sys[i].services[j],
			    i) == 0)
				continue;
			(void)pol_htab_get(&p->byservice,
			    p->sys[i].services[j], &k);
			ps->file = p->sys[i].file;
			ps->line = p->sys[i].line;
			return fail(ps, "service %s already maps to system %s",
			    Q(p->sys[i].services[j]), p->sys[k].name);
		}
	}
	/* A host may name only systems that exist. */
	if (pol_htab_build(&p->byhost, p->nhosts) != 0)
		return oom(ps);
	for (i = 0; i < p->nhosts; i++) {
		(void)pol_htab_put(&p->byhost, p->hosts[i].name, i);
		for (j = 0; j < p->hosts[i].nsystems; j++) {
			if (pol_htab_get(&p->byname, p->hosts[i].systems[j],
			    &k))
				continue;
			ps->file = p->hosts[i].file;
			ps->line = p->hosts[i].line;
			return fail(ps, "host %s names system %s, which is not "
			    "defined", p->hosts[i].name,
			    Q(p->hosts[i].systems[j]));
		}
	}
	return 0;
}

/* policy_group_hash of each of `n` DNs into a new array. */
static int
hash_dns(struct parser *ps, char *const *dn, size_t n, uint64_t **out)
{
	size_t i;

	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return oom(ps);
	for (i = 0; i < n; i++)
		(*out)[i] = policy_group_hash(dn[i]);
	return 0;
}

/* A system's role group while its index is sorted. */
struct rgsort {
	uint64_t		 hash;
	struct pol_rgroup	 rg;
};

static int
rgsort_cmp(const void *a, const void *b)
{
	const struct rgsort *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->rg.role != y->rg.role)
		return x->rg.role < y->rg.role ? -1 : 1;
	return (x->rg.group > y->rg.group) - (x->rg.group < y->rg.group);
}

/* A system's index of the groups its roles name (struct pol_rgroup). */
static int
index_roles(struct parser *ps, struct pol_system *s)
{
	struct rgsort *t;
	size_t i, j, k, n = 0;

	for (j = 0; j < s->nroles; j++)
		n += s->roles[j].ngroups;
	if (n == 0)
		return 0;
	if ((t = calloc(n, sizeof(*t))) == NULL ||
	    (s->rg_hash = calloc(n, sizeof(*s->rg_hash) +
	    sizeof(*s->rgroups))) == NULL) {
		free(t);
		return oom(ps);
	}
	for (j = 0, i = 0; j < s->nroles; j++)
		for (k = 0; k < s->roles[j].ngroups; k++, i++) {
			t[i].hash = policy_group_hash(s->roles[j].groups[k]);
			t[i].rg.dn = s->roles[j].groups[k];
			/* At most POL_ROLES_MAX and POL_GROUPS_MAX. */
			t[i].rg.role = (uint16_t)j;
			t[i].rg.group = (uint16_t)k;
		}
	qsort(t, n, sizeof(*t), rgsort_cmp);
	s->rgroups = (struct pol_rgroup *)(s->rg_hash + n);
	for (i = 0; i < n; i++) {
		s->rg_hash[i] = t[i].hash;
		s->rgroups[i] = t[i].rg;
	}
	s->nrgroups = n;
	free(t);
	return 0;
}

/*
 * The hashes of the groups that roles and deny rules name, once every
 * block is read: a decision then finds them in a user's groups by
 * comparing integers (policy_eval.c).  Made system by system, so that a
 * system's arrays lie close together.
 */
static int
hash_groups(struct parser *ps)
{
	struct policy *p = ps->p;
	struct pol_system *s;
	size_t i, j;

	for (i = 0; i < p->ndeny; i++)
		if (hash_dns(ps, p->deny[i].groups, p->deny[i].ngroups,
		    &p->deny[i].group_hash) != 0)
			return -1;
	for (i = 0; i < p->nsys; i++) {
		s = &p->sys[i];
		if (index_roles(ps, s) != 0)
			return -1;
		for (j = 0; j < s->ndeny; j++)
			if (hash_dns(ps, s->deny[j].groups, s->deny[j].ngroups,
			    &s->deny[j].group_hash) != 0)
				return -1;
	}
	return 0;
}

/*
 * The common loader: `names` are what messages cite, `texts` the files'
 * contents.
 */
static int
load(char *const *names, char *const *texts, const size_t *lens, size_t n,
    struct policy **out, char *err)
{
	struct parser ps;
	struct policy *p;
	EVP_MD_CTX *md = NULL;
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int diglen = 0;
	uint64_t len64;
	size_t i;
	int pass, r = AUTHD_ERR_CONFIG;

	*out = NULL;
	err[0] = '\0';
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, POL_ERR_MAX, "out of memory");
		return AUTHD_ERR_NOMEM;
	}
	p->mfa_threshold = 2;
	p->nesting_depth = 5;
	memset(&ps, 0, sizeof(ps));
	ps.p = p;
	ps.err = err;
	ps.file = "policy";	/* until the first file is read */
	for (i = 0; i < n; i++)
		if (push_str(&ps, &p->files, &p->nfiles, POL_FILES_MAX + 1,
		    names[i], "files") != 0)
			goto out;
	for (pass = 1; pass <= 2; pass++) {
		ps.pass = pass;
		for (i = 0; i < n; i++) {
			ps.file = p->files[i];
			if (parse_text(&ps, texts[i], lens[i]) != 0)
				goto out;
		}
	}
	ps.line = 0;
	ps.file = n > 0 ? p->files[0] : "policy";
	if (build_index(&ps) != 0 || hash_groups(&ps) != 0)
		goto out;

	/* The version: SHA-256 over each file's name, length and text. */
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		snprintf(err, POL_ERR_MAX, "cannot hash the policy");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *base = strrchr(names[i], '/');
		uint8_t lb[8];
		int k;

		base = base != NULL ? base + 1 : names[i];
		len64 = lens[i];
		for (k = 0; k < 8; k++)
			lb[k] = (uint8_t)(len64 >> (56 - 8 * k));
		if (EVP_DigestUpdate(md, base, strlen(base) + 1) != 1 ||
		    EVP_DigestUpdate(md, lb, 8) != 1 ||
		    EVP_DigestUpdate(md, texts[i], lens[i]) != 1) {
			snprintf(err, POL_ERR_MAX, "cannot hash the policy");
			goto out;
		}
	}
	if (EVP_DigestFinal_ex(md, dig, &diglen) != 1 || diglen < 8) {
		snprintf(err, POL_ERR_MAX, "cannot hash the policy");
		goto out;
	}
	for (i = 0; i < 8; i++)
		snprintf(p->version + 2 * i, 3, "%02x", dig[i]);
	*out = p;
	p = NULL;
	r = 0;
 out:
	EVP_MD_CTX_free(md);
	if (r != 0 && ps.nomem)
		r = AUTHD_ERR_NOMEM;
	policy_free(p);
	return r;
}

int
policy_load_text(const char *name, const char *text, size_t len,
    struct policy **out, char *err)
{
	char *copy;
	int r;

	*out = NULL;
	err[0] = '\0';
	if (len > POL_FILE_MAX) {
		snprintf(err, POL_ERR_MAX, "%s: larger than %d bytes", name,
		    POL_FILE_MAX);
		return AUTHD_ERR_CONFIG;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		snprintf(err, POL_ERR_MAX, "%s: out of memory", name);
		return AUTHD_ERR_NOMEM;
	}
	if (len > 0)
		memcpy(copy, text, len);
	copy[len] = '\0';
	r = load((char *const *)&name, &copy, &len, 1, out, err);
	free(copy);
	return r;
}

int
policy_load_files(const char *const *paths, size_t n, struct policy **out,
    char *err)
{
	char **texts;
	size_t *lens, i;
	int r = 0;

	*out = NULL;
	err[0] = '\0';
	if (n > POL_FILES_MAX) {
		snprintf(err, POL_ERR_MAX, "more than %d policy files",
		    POL_FILES_MAX);
		return AUTHD_ERR_CONFIG;
	}
	if ((texts = calloc(n + 1, sizeof(*texts))) == NULL ||
	    (lens = calloc(n + 1, sizeof(*lens))) == NULL) {
		free(texts);
		snprintf(err, POL_ERR_MAX, "out of memory");
		return AUTHD_ERR_NOMEM;
	}
	for (i = 0; i < n && r == 0; i++)
		r = read_file(paths[i], &texts[i], &lens[i], err);
	if (r == 0)
		r = load((char *const *)paths, texts, lens, n, out, err);
	for (i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	free(lens);
	return r;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
policy_load_dir(const char *dir, struct policy **out, char *err)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char **paths = NULL, *path;
	size_t n = 0, len, i;
	int r = 0;

	*out = NULL;
	err[0] = '\0';
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, POL_ERR_MAX, "%s: %s", dir, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	/* SECURITY NOTE: nor may others add a file to the directory. */
	if (fstat(dirfd(d), &st) != 0 || (st.st_uid != 0 &&
	    st.st_uid != geteuid()) || (st.st_mode & 022) != 0) {
		snprintf(err, POL_ERR_MAX, "%s: must be owned by root and not "
		    "writable by group or others", dir);
		closedir(d);
		return AUTHD_ERR_PERM;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		/* Editors' and package managers' leftovers are skipped. */
		if (de->d_name[0] == '.' || len < 8 ||
		    strcmp(de->d_name + len - 7, ".policy") != 0)
			continue;
		if (n == POL_FILES_MAX) {
			snprintf(err, POL_ERR_MAX, "%s: more than %d policy "
			    "files", dir, POL_FILES_MAX);
			r = AUTHD_ERR_CONFIG;
			break;
		}
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			snprintf(err, POL_ERR_MAX, "out of memory");
			r = AUTHD_ERR_NOMEM;
			break;
		}
		if (grow(&paths, &n, sizeof(*paths), POL_FILES_MAX) != 0) {
			free(path);
			snprintf(err, POL_ERR_MAX, "out of memory");
			r = AUTHD_ERR_NOMEM;
			break;
		}
		paths[n - 1] = path;
	}
	closedir(d);
	if (r == 0 && n == 0) {
		snprintf(err, POL_ERR_MAX, "%s: no *.policy files", dir);
		r = AUTHD_ERR_CONFIG;
	}
	if (r == 0) {
		qsort(paths, n, sizeof(*paths), cmp_str);
		r = policy_load_files((const char *const *)paths, n, out, err);
	}
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return r;
}

/* ---- accessors ---- */

const char *
policy_version(const struct policy *p)
{
	return p->version;
}

int
policy_mfa_threshold(const struct policy *p)
{
	return p->mfa_threshold;
}

int
policy_nesting_depth(const struct policy *p)
{
	return p->nesting_depth;
}

size_t
policy_nsystems(const struct policy *p)
{
	return p->nsys;
}

const struct pol_system *
policy_system_at(const struct policy *p, size_t i)
{
	return i < p->nsys ? &p->sys[i] : NULL;
}

const struct pol_system *
policy_system_by_name(const struct policy *p, const char *name)
{
	size_t i;

	return name != NULL && pol_htab_get(&p->byname, name, &i) ?
	    &p->sys[i] : NULL;
}

const struct pol_system *
policy_system_resolve(const struct policy *p, const char *system,
    const char *service)
{
	size_t i;

	if (system != NULL)
		return policy_system_by_name(p, system);
	return service != NULL && pol_htab_get(&p->byservice, service, &i) ?
	    &p->sys[i] : NULL;
}

const struct pol_deny *
policy_deny_at(const struct policy *p, size_t i, size_t *n)
{
	*n = p->ndeny;
	return i < p->ndeny ? &p->deny[i] : NULL;
}
