/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <unistd.h>

#include <ldap.h>

#include "authd_err.h"
#include "directory.h"
#include "log.h"
#include "policy.h"
#include "secmem.h"
#include "strmap.h"
#include "util.h"

#define PW_MAX		256
#define FILTER_MAX	2048
#define UID_MAX		130	/* a UID bit string, quotes and B included */
#define UIDS_MAX	4	/* UIDs (x500UniqueIdentifier) per entry */

struct dir {
	const struct config	*cfg;
	const char		*bindpw;	/* the caller's */
	LDAP			*ld;
	int64_t			 deadline;	/* dir_set_deadline; 0: none */
};

static int dn_under(const char *, const char *);

/* A directory wait shorter than this is not worth starting. */
#define WAIT_MIN_MS	50

void
dir_set_deadline(struct dir *d, int64_t deadline_ms)
{
	d->deadline = deadline_ms;
}

int64_t
dir_deadline(const struct dir *d)
{
	return d->deadline;
}

/*
 * The time one operation may take: ldap_timeout, cut to the deadline of
 * the request being served.  AUTHD_ERR_DIRECTORY when none is left.
 */
static int
op_timeout(const struct dir *d, struct timeval *tv)
{
	int64_t ms = d->cfg->ldap_timeout * 1000, left;

	if (d->deadline != 0) {
		left = d->deadline - mono_ms();
		if (left < WAIT_MIN_MS)
			return AUTHD_ERR_DIRECTORY;
		if (left < ms)
			ms = left;
	}
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return 0;
}

struct dir *
dir_new(const struct config *cfg, const char *bindpw)
{
	struct dir *d;
	int v;

	/*
	 * libldap sets up its global options on first use, without a lock:
	 * two workers dialling at once would both do it.  Do it here, on
	 * the thread that makes the handles, before the workers start.
	 */
	(void)ldap_get_option(NULL, LDAP_OPT_PROTOCOL_VERSION, &v);
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->cfg = cfg;
	/* Not copied: the one copy stays in the caller's secret memory. */
	d->bindpw = bindpw;
	return d;
}

static void
dir_disconnect(struct dir *d)
{
	if (d->ld != NULL)
		ldap_unbind_ext_s(d->ld, NULL, NULL);
	d->ld = NULL;
}

void
dir_free(struct dir *d)
{
	if (d == NULL)
		return;
	dir_disconnect(d);
	free(d);
}

/*
 * Opens a connection to ldap_uri with the configured timeouts and TLS
 * (StartTLS done), not yet bound.  0 or AUTHD_ERR_DIRECTORY.
 */
/*
 * A new connection to the directory, whose connect, StartTLS and binds
 * wait at most `wait` (NULL: ldap_timeout).
 */
static int
dir_open(const struct config *c, const struct timeval *wait, LDAP **out)
{
	struct timeval tv = { (time_t)c->ldap_timeout, 0 };
	LDAP *ld = NULL;
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	int rc, tls;

	*out = NULL;
	if ((rc = ldap_initialize(&ld, c->ldap_uri)) != LDAP_SUCCESS) {
		log_err("directory: %s: %s", c->ldap_uri, ldap_err2string(rc));
		return AUTHD_ERR_DIRECTORY;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	if (wait != NULL)
		tv = *wait;
	ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
	/*
	 * SECURITY NOTE: TLS settings go into a context of this handle's
	 * own.  If that cannot be built (an unreadable ldap_ca_file, say),
	 * libldap would fall back to its global defaults, which ldap.conf
	 * or LDAPTLS_* may have set to trust anyone: refuse instead.
	 */
	tls = c->ldap_starttls || strncasecmp(c->ldap_uri, "ldaps:", 6) == 0;
	if ((ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) !=
	    LDAP_OPT_SUCCESS || (c->ldap_ca_file != NULL &&
	    ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE,
	    c->ldap_ca_file) != LDAP_OPT_SUCCESS) ||
	    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) !=
	    LDAP_OPT_SUCCESS) && tls) {
		log_err("directory: cannot set up TLS for %s%s%s", c->ldap_uri,
		    c->ldap_ca_file ? " with CA file " : "",
		    c->ldap_ca_file ? c->ldap_ca_file : "");
		goto fail;
	}
	if (c->ldap_starttls &&
	    (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
		log_err("directory: StartTLS to %s: %s", c->ldap_uri,
		    ldap_err2string(rc));
		goto fail;
	}
	*out = ld;
	return 0;
 fail:
	ldap_unbind_ext_s(ld, NULL, NULL);
	return AUTHD_ERR_DIRECTORY;
}

static int
dir_connect(struct dir *d)
{
	const struct config *c = d->cfg;
	struct berval cred;
	struct timeval tv;
	int rc;

	if (d->ld != NULL)
		return 0;
	/* Connecting and binding wait no longer than the request may. */
	if (op_timeout(d, &tv) != 0 || dir_open(c, &tv, &d->ld) != 0)
		return AUTHD_ERR_DIRECTORY;
	if (c->ldap_bind_dn != NULL) {
		/* SECURITY NOTE: an empty simple bind is anonymous; refuse. */
		if (d->bindpw == NULL || d->bindpw[0] == '\0') {
			log_err("directory: empty service bind password");
			goto fail;
		}
		cred.bv_val = (char *)(uintptr_t)d->bindpw;
		cred.bv_len = strlen(d->bindpw);
		rc = ldap_sasl_bind_s(d->ld, c->ldap_bind_dn, LDAP_SASL_SIMPLE,
		    &cred, NULL, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			log_err("directory: bind as %s: %s", c->ldap_bind_dn,
			    ldap_err2string(rc));
			goto fail;
		}
	}
	return 0;
 fail:
	dir_disconnect(d);
	return AUTHD_ERR_DIRECTORY;
}

/* Result codes after which the connection is not worth keeping. */
static int
conn_broken(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR ||
	    rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY ||
	    rc == LDAP_TIMELIMIT_EXCEEDED || rc == LDAP_OTHER ||
	    rc == LDAP_LOCAL_ERROR || rc == LDAP_ENCODING_ERROR ||
	    rc == LDAP_DECODING_ERROR;
}

/* Result codes that mean the connection itself is gone. */
static int
conn_lost(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR;
}

/*
 * Runs one search and returns its entries in *res (ldap_msgfree; may be
 * NULL when there are none).  *limited (if not NULL) is set when the size
 * limit (ours or the server's) cut the answer short; a base that does not
 * exist gives no entries.  Reconnects and retries once when the connection
 * turns out to be broken.  0 or AUTHD_ERR_DIRECTORY.
 */
static int
search_run(struct dir *d, const char *base, int scope, const char *filter,
    char **attrs, int sizelimit, LDAPMessage **res, int *limited)
{
	struct timeval tv;
	int rc = LDAP_OTHER, attempt;

	*res = NULL;
	if (limited != NULL)
		*limited = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		if (op_timeout(d, &tv) != 0 || dir_connect(d) != 0)
			return AUTHD_ERR_DIRECTORY;
		rc = ldap_search_ext_s(d->ld, base, scope, filter, attrs, 0,
		    NULL, NULL, &tv, sizelimit, res);
		if (rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT ||
		    rc == LDAP_SIZELIMIT_EXCEEDED)
			break;
		ldap_msgfree(*res);
		*res = NULL;
		log_warn("directory: search: %s%s", ldap_err2string(rc),
		    attempt == 0 && conn_lost(rc) ? "; reconnecting" : "");
		if (conn_broken(rc))
			dir_disconnect(d);
		/*
		 * Only a connection found dead (the server restarted, an idle
		 * connection was cut) is worth a second try; a server that is
		 * slow would just make the caller wait twice.
		 */
		if (!conn_lost(rc))
			return AUTHD_ERR_DIRECTORY;
	}
	if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT &&
	    rc != LDAP_SIZELIMIT_EXCEEDED) {
		ldap_msgfree(*res);
		*res = NULL;
		return AUTHD_ERR_DIRECTORY;
	}
	if (limited != NULL)
		*limited = rc == LDAP_SIZELIMIT_EXCEEDED;
	return 0;
}

/*
 * Runs one search (no attributes) and counts entries, up to 2; *dn (if
 * not NULL) gets the first entry's DN (ldap_memfree).
 */
static int
search_count(struct dir *d, const char *base, int scope, const char *filter,
    int *count, char **dn)
{
	char *attrs[] = { LDAP_NO_ATTRS, NULL };
	LDAPMessage *res, *e;
	int limited, r;

	*count = 0;
	if (dn != NULL)
		*dn = NULL;
	if ((r = search_run(d, base, scope, filter, attrs, 2, &res,
	    &limited)) != 0)
		return r;
	for (e = res != NULL ? ldap_first_entry(d->ld, res) : NULL; e != NULL;
	    e = ldap_next_entry(d->ld, e)) {
		if (++*count == 1 && dn != NULL)
			*dn = ldap_get_dn(d->ld, e);
	}
	if (limited && *count < 2)
		*count = 2;
	ldap_msgfree(res);
	return 0;
}

/* Escapes `v` for use as an assertion value in a filter.  NULL on error. */
static char *
escape(const char *v)
{
	struct berval in;
	struct berval out = { 0, NULL };

	in.bv_val = (char *)(uintptr_t)v;
	in.bv_len = strlen(v);
	if (ldap_bv2escaped_filter_value(&in, &out) != 0)
		return NULL;
	return out.bv_val;	/* ldap_memfree */
}

/* The attributes ldap_account_policy asks for, besides uid. */
static const struct {
	const char	*name;
	unsigned	 policy;
} acct_attrs[] = {
	{ "shadowExpire",		CONF_ACCT_SHADOW },
	{ "shadowInactive",		CONF_ACCT_SHADOW },
	{ "shadowLastChange",		CONF_ACCT_SHADOW },
	{ "shadowMax",			CONF_ACCT_SHADOW },
	{ "pwdAccountLockedTime",	CONF_ACCT_PPOLICY },
	{ "nsAccountLock",		CONF_ACCT_389DS },
	{ "userAccountControl",		CONF_ACCT_AD },
	{ "accountExpires",		CONF_ACCT_AD },
};
#define NACCT_ATTRS	(sizeof(acct_attrs) / sizeof(acct_attrs[0]))

/*
 * The single value of `attr` in `e` as an integer in [min, max]; 0 and
 * *out, or -1 when absent, multi-valued or not such a number (logged:
 * a value that cannot be read says nothing about the account).
 */
static int
attr_num(struct dir *d, LDAPMessage *e, const char *attr, long long min,
    long long max, long long *out)
{
	struct berval **v;
	char buf[24];
	int r = -1;

	if ((v = ldap_get_values_len(d->ld, e, attr)) == NULL)
		return -1;
	if (v[0] != NULL && v[1] == NULL && v[0]->bv_len > 0 &&
	    v[0]->bv_len < sizeof(buf)) {
		memcpy(buf, v[0]->bv_val, v[0]->bv_len);
		buf[v[0]->bv_len] = '\0';
		if (num_parse(buf, min, max, out, NULL) == 0)
			r = 0;
	}
	if (r != 0)
		log_warn("directory: %s of a user is not a number in range; "
		    "ignored", attr);
	ldap_value_free_len(v);
	return r;
}

/* 1 when `e` has attribute `attr` (any value). */
static int
attr_present(struct dir *d, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(d->ld, e, attr);
	int r = v != NULL && v[0] != NULL;

	ldap_value_free_len(v);
	return r;
}

/* 1 when the single value of `attr` is TRUE (any case). */
static int
attr_true(struct dir *d, LDAPMessage *e, const char *attr)
{
	struct berval **v = ldap_get_values_len(d->ld, e, attr);
	int r = v != NULL && v[0] != NULL && v[0]->bv_len == 4 &&
	    strncasecmp(v[0]->bv_val, "true", 4) == 0;

	ldap_value_free_len(v);
	return r;
}

#define AD_DISABLED	0x2		/* userAccountControl ACCOUNTDISABLE */
#define AD_NEVER	9223372036854775807LL
#define AD_EPOCH_S	11644473600LL	/* 1601-01-01 to 1970-01-01 */

/* Reads the account state of entry `e` (DN `dn`) into `a`. */
static void
account_read(struct dir *d, LDAPMessage *e, const char *dn,
    struct dir_account *a)
{
	const struct config *c = d->cfg;
	long long exp, inact, last, max, uac, ae;
	char *norm;
	size_t i;

	memset(a, 0, sizeof(*a));
	a->expire_day = a->inactive_day = a->expires_s = -1;
	if (c->acct_policy & CONF_ACCT_SHADOW) {
		if (attr_num(d, e, "shadowExpire", -1, 1000000, &exp) == 0 &&
		    exp >= 0)
			a->expire_day = exp;
		/* As pam_unix: inactive days after the password expired. */
		if (attr_num(d, e, "shadowInactive", -1, 1000000, &inact) ==
		    0 && inact >= 0 &&
		    attr_num(d, e, "shadowMax", -1, 1000000, &max) == 0 &&
		    max >= 0 && max < 99999 &&
		    attr_num(d, e, "shadowLastChange", 0, 1000000, &last) ==
		    0 && last > 0)
			a->inactive_day = last + max + inact;
	}
	/*
	 * SECURITY NOTE: a pwdAccountLockedTime of any value locks.  ppolicy
	 * may unlock it after pwdLockoutDuration, which authd does not read:
	 * until the directory removes it, authd keeps the account out.
	 */
	if ((c->acct_policy & CONF_ACCT_PPOLICY) &&
	    attr_present(d, e, "pwdAccountLockedTime"))
		snprintf(a->lock_attr, sizeof(a->lock_attr),
		    "pwdAccountLockedTime");
	if ((c->acct_policy & CONF_ACCT_389DS) &&
	    attr_true(d, e, "nsAccountLock"))
		snprintf(a->lock_attr, sizeof(a->lock_attr), "nsAccountLock");
	if (c->acct_policy & CONF_ACCT_AD) {
		if (attr_num(d, e, "userAccountControl", 0, 0xffffffffLL,
		    &uac) == 0 && (uac & AD_DISABLED))
			snprintf(a->lock_attr, sizeof(a->lock_attr),
			    "userAccountControl");
		if (attr_num(d, e, "accountExpires", 0, AD_NEVER, &ae) == 0 &&
		    ae != 0 && ae != AD_NEVER)
			a->expires_s = ae / 10000000 - AD_EPOCH_S;
	}
	a->locked = a->lock_attr[0] != '\0';
	if (c->ndisabled > 0 && (norm = policy_dn_norm(dn)) != NULL) {
		for (i = 0; i < c->ndisabled; i++)
			if (dn_under(norm, c->disabled_norm[i]))
				a->subtree = 1;
		free(norm);
	}
}

enum reason
dir_account_state(const struct dir_account *a, time_t now, char *why,
    size_t whysz)
{
	int64_t today = (int64_t)now / 86400;
	char tmp[2];

	if (why == NULL) {
		why = tmp;
		whysz = sizeof(tmp);
	}
	why[0] = '\0';
	if (a->subtree) {
		snprintf(why, whysz, "the entry is under ldap_disabled_base");
		return RSN_ACCOUNT_DISABLED;
	}
	if (a->locked) {
		snprintf(why, whysz, "%s says the account is disabled or "
		    "locked", a->lock_attr);
		return RSN_ACCOUNT_DISABLED;
	}
	/* shadow(5): expired on the day shadowExpire names. */
	if (a->expire_day >= 0 && today >= a->expire_day) {
		snprintf(why, whysz, "shadowExpire: expired on day %lld",
		    (long long)a->expire_day);
		return RSN_ACCOUNT_EXPIRED;
	}
	if (a->inactive_day >= 0 && today > a->inactive_day) {
		snprintf(why, whysz, "shadowInactive: inactive since day %lld",
		    (long long)a->inactive_day);
		return RSN_ACCOUNT_EXPIRED;
	}
	if (a->expires_s >= 0 && (int64_t)now >= a->expires_s) {
		snprintf(why, whysz, "accountExpires: expired at %lld",
		    (long long)a->expires_s);
		return RSN_ACCOUNT_EXPIRED;
	}
	return RSN_OK;
}

/*
 * SECURITY NOTE: directories match uid without regard to case, so "ANNA"
 * finds anna's entry; but deny rules, revocations, tokens and owners are
 * keyed by the exact name.  A name that is not spelled exactly as one of
 * the entry's uid values is an unknown user.  (An entry without uid, in
 * a schema whose filter uses another attribute, is taken as found.)  The
 * same read fills in the account's state when `a` is not NULL.
 */
static int
uid_exact(struct dir *d, const char *dn, const char *user,
    struct dir_account *a)
{
	struct timeval tv;
	char *attrs[NACCT_ATTRS + 2];
	struct berval **vals = NULL;
	LDAPMessage *res = NULL, *e;
	size_t i, n = 0, len = strlen(user);
	int rc, r = AUTHD_ERR_NOT_FOUND;

	if (d->ld == NULL || op_timeout(d, &tv) != 0)
		return AUTHD_ERR_DIRECTORY;
	attrs[n++] = "uid";
	for (i = 0; a != NULL && i < NACCT_ATTRS; i++)
		if (d->cfg->acct_policy & acct_attrs[i].policy)
			attrs[n++] = (char *)(uintptr_t)acct_attrs[i].name;
	attrs[n] = NULL;
	rc = ldap_search_ext_s(d->ld, dn, LDAP_SCOPE_BASE, "(objectClass=*)",
	    attrs, 0, NULL, NULL, &tv, 1, &res);
	if (rc != LDAP_SUCCESS || (e = ldap_first_entry(d->ld, res)) == NULL) {
		ldap_msgfree(res);
		if (conn_broken(rc))
			dir_disconnect(d);
		return rc == LDAP_NO_SUCH_OBJECT ? AUTHD_ERR_NOT_FOUND :
		    AUTHD_ERR_DIRECTORY;
	}
	if ((vals = ldap_get_values_len(d->ld, e, "uid")) == NULL)
		r = 0;
	for (i = 0; vals != NULL && vals[i] != NULL && r != 0; i++)
		if (vals[i]->bv_len == len &&
		    memcmp(vals[i]->bv_val, user, len) == 0)
			r = 0;
	if (r != 0)
		log_info("directory: \"%s\" is not spelled as the entry's "
		    "uid; treating the user as unknown", user);
	else if (a != NULL)
		account_read(d, e, dn, a);
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return r;
}

int
dir_user_dn(struct dir *d, const char *user, char **dn)
{
	return dir_user_entry(d, user, dn, NULL);
}

int
dir_user_entry(struct dir *d, const char *user, char **dn,
    struct dir_account *acct)
{
	const char *tmpl = d->cfg->ldap_user_filter, *p;
	char filter[FILTER_MAX], *esc, *ldn = NULL;
	int count, r;

	will_block();
	*dn = NULL;
	if ((esc = escape(user)) == NULL)
		return AUTHD_ERR_NOMEM;
	/* SECURITY NOTE: the name is escaped: no filter injection. */
	p = strstr(tmpl, "%u");
	r = snprintf(filter, sizeof(filter), "%.*s%s%s", (int)(p - tmpl),
	    tmpl, esc, p + 2);
	ldap_memfree(esc);
	if (r < 0 || (size_t)r >= sizeof(filter))
		return AUTHD_ERR_TOO_LARGE;
	if ((r = search_count(d, d->cfg->ldap_base, LDAP_SCOPE_SUBTREE,
	    filter, &count, &ldn)) != 0)
		return r;
	if (count != 1) {
		if (count > 1)
			log_warn("directory: user filter matches more than "
			    "one entry; treating the user as unknown");
		ldap_memfree(ldn);
		return AUTHD_ERR_NOT_FOUND;
	}
	/* SECURITY NOTE: a DN is later part of filters and logs: bounded. */
	if (ldn == NULL || ldn[0] == '\0' || strlen(ldn) > DIR_DN_MAX) {
		log_warn("directory: the entry of a user has an empty or "
		    "overlong DN; treating the user as unknown");
		ldap_memfree(ldn);
		return AUTHD_ERR_NOT_FOUND;
	}
	if ((r = uid_exact(d, ldn, user, acct)) != 0) {
		ldap_memfree(ldn);
		return r;
	}
	*dn = strdup(ldn);
	ldap_memfree(ldn);
	return *dn == NULL ? AUTHD_ERR_NOMEM : 0;
}

int
dir_is_member(struct dir *d, const char *group_dn, const char *user_dn,
    const char *user, int *member)
{
	char filter[FILTER_MAX], *edn = NULL, *euser = NULL;
	int count = 0, r = AUTHD_ERR_NOMEM, n;

	will_block();
	*member = 0;
	if ((edn = escape(user_dn)) == NULL || (euser = escape(user)) == NULL)
		goto out;
	n = snprintf(filter, sizeof(filter), "(|(member=%s)(uniqueMember=%s)"
	    "(memberUid=%s))", edn, edn, euser);
	if (n < 0 || (size_t)n >= sizeof(filter)) {
		r = AUTHD_ERR_TOO_LARGE;
		goto out;
	}
	if ((r = search_count(d, group_dn, LDAP_SCOPE_BASE, filter, &count,
	    NULL)) != 0)
		goto out;
	*member = count > 0;
 out:
	ldap_memfree(edn);
	ldap_memfree(euser);
	return r;
}

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

/* 1 when s[pos] is escaped by an odd number of backslashes before it. */
static int
escaped_at(const char *s, size_t pos)
{
	size_t k = 0;

	while (k < pos && s[pos - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

/*
 * 1 when the normalised DN `norm` is `nbase` or lies under it.  The ','
 * before the suffix must separate RDNs, not be an escaped one in a value.
 */
static int
dn_under(const char *norm, const char *nbase)
{
	size_t nl = strlen(norm), bl = strlen(nbase);

	if (bl == 0)
		return 1;
	if (nl == bl)
		return strcmp(norm, nbase) == 0;
	if (nl < bl + 2 || strcmp(norm + nl - bl, nbase) != 0 ||
	    norm[nl - bl - 1] != ',')
		return 0;
	return !escaped_at(norm, nl - bl - 1);
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
	    escaped_at(v, i - 2))
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
	if ((r = search_run(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs,
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
	if ((edn = escape(dn)) == NULL ||
	    (user != NULL && (eu = escape(user)) == NULL))
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

	if ((r = search_run(d, group_base(d->cfg), LDAP_SCOPE_SUBTREE, filter,
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
		if ((eu = escape(user)) == NULL)
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

int
dir_check_password(struct dir *d, const char *user_dn, const char *password)
{
	struct berval cred;
	struct timeval tv;
	LDAP *ld;
	size_t len, dnlen;
	int rc;

	will_block();
	if (user_dn == NULL || password == NULL)
		return AUTHD_ERR_PERM;
	/*
	 * SECURITY NOTE: a simple bind with an empty password (or an empty
	 * DN) is an unauthenticated bind, and servers answer it with
	 * success: it must never reach the server as a password check.
	 */
	len = strnlen(password, PW_MAX + 1);
	dnlen = strnlen(user_dn, DIR_DN_MAX + 1);
	if (len == 0 || len > PW_MAX || dnlen == 0 || dnlen > DIR_DN_MAX)
		return AUTHD_ERR_PERM;
	/*
	 * SECURITY NOTE: a connection of its own.  Binding as the user on
	 * the service connection would run the next searches with the
	 * user's rights, and a failed bind would leave it anonymous.
	 */
	/* The bind waits no longer than the request's client does. */
	if (op_timeout(d, &tv) != 0 || dir_open(d->cfg, &tv, &ld) != 0)
		return AUTHD_ERR_DIRECTORY;
	cred.bv_val = (char *)(uintptr_t)password;
	cred.bv_len = len;
	rc = ldap_sasl_bind_s(ld, user_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL,
	    NULL);
	ldap_unbind_ext_s(ld, NULL, NULL);
	switch (rc) {
	case LDAP_SUCCESS:
		return 0;
	case LDAP_INVALID_CREDENTIALS:
	case LDAP_INAPPROPRIATE_AUTH:
	case LDAP_INVALID_DN_SYNTAX:
	case LDAP_NO_SUCH_OBJECT:
	case LDAP_CONSTRAINT_VIOLATION:
	case LDAP_INSUFFICIENT_ACCESS:
	case LDAP_UNWILLING_TO_PERFORM:	/* e.g. an inactivated account */
		log_debug("directory: password bind refused: %s",
		    ldap_err2string(rc));
		return AUTHD_ERR_PERM;
	default:
		log_warn("directory: password bind: %s", ldap_err2string(rc));
		return AUTHD_ERR_DIRECTORY;
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
		if (w->level[gi] >= w->depth || !dn_under(norm, w->nbase))
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
	if (!dn_under(norm, w.nbase)) {
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

int
dir_read_password(const char *path, char **out)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t len = 0, bufsz = PW_MAX + 2;
	int fd, r = AUTHD_ERR_PERM;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) <
	    0) {
		log_err("%s: %s", path, strerror(errno));
		return AUTHD_ERR_SYSTEM;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 077) != 0) {
		log_err("%s: must be a regular file owned by root with mode "
		    "0600 or stricter", path);
		goto out;
	}
	/* Read straight into secret memory: no other copy is made. */
	if ((buf = secmem_alloc(bufsz)) == NULL) {
		r = AUTHD_ERR_NOMEM;
		goto out;
	}
	while (len < bufsz && (n = read(fd, buf + len, bufsz - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = AUTHD_ERR_SYSTEM;
			goto out;
		}
		len += (size_t)n;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len == 0 || len > PW_MAX || memchr(buf, '\n', len) != NULL ||
	    memchr(buf, '\0', len) != NULL) {
		log_err("%s: must hold one non-empty line of at most %d bytes",
		    path, PW_MAX);
		goto out;
	}
	buf[len] = '\0';
	*out = buf;
	buf = NULL;
	r = 0;
 out:
	secmem_free(buf, bufsz);
	close(fd);
	return r;
}

/*
 * Which attribute of the group entry `e` lists the user, and the value as
 * stored: a DN in member / uniqueMember (compared normalised, a UID suffix
 * ignored) or the name in memberUid.
 */
static int
find_member_value(LDAP *ld, LDAPMessage *e, const char *user,
    const char *nudn, char **attr, struct berval **val)
{
	static const char *const attrs[] = { "member", "uniqueMember",
	    "memberUid" };
	struct berval **vals;
	char *v, *hash, *n;
	size_t a, i;
	int found = 0;

	for (a = 0; a < 3 && !found; a++) {
		if ((vals = ldap_get_values_len(ld, e, attrs[a])) == NULL)
			continue;
		for (i = 0; vals[i] != NULL && !found; i++) {
			if (vals[i]->bv_len == 0 || vals[i]->bv_len > DIR_DN_MAX ||
			    memchr(vals[i]->bv_val, '\0', vals[i]->bv_len))
				continue;
			if ((v = strndup(vals[i]->bv_val, vals[i]->bv_len)) ==
			    NULL)
				continue;
			if (a == 2)
				found = strcmp(v, user) == 0;
			else {
				if (a == 1 && (hash = strrchr(v, '#')) != NULL &&
				    hash[1] == '\'')
					*hash = '\0';
				n = policy_dn_norm(v);
				found = n != NULL && nudn != NULL &&
				    strcmp(n, nudn) == 0;
				free(n);
			}
			free(v);
			if (found) {
				*attr = (char *)(uintptr_t)attrs[a];
				*val = ber_bvdup(vals[i]);
				if (*val == NULL)
					found = 0;
			}
		}
		ldap_value_free_len(vals);
	}
	return found;
}

int
dir_remove_member(struct dir *d, const char *write_dn, const char *write_pw,
    const char *group_dn, const char *user, const char *user_dn,
    char *msg, size_t msgsz)
{
	const struct config *c = d->cfg;
	struct timeval tv = { (time_t)c->ldap_timeout, 0 };
	char *attrs[] = { "member", "uniqueMember", "memberUid", NULL };
	struct berval cred, *val = NULL, *vals[2];
	LDAPMessage *res = NULL, *e;
	LDAPMod mod, *mods[2];
	char *attr = NULL, *nudn = NULL;
	LDAP *ld = NULL;
	int rc, r = AUTHD_ERR_DIRECTORY;

	will_block();
	msg[0] = '\0';
	/* SECURITY NOTE: an empty simple bind is anonymous; refuse. */
	if (write_dn == NULL || write_pw == NULL || write_pw[0] == '\0') {
		snprintf(msg, msgsz, "no write identity configured");
		return AUTHD_ERR_CONFIG;
	}
	if (dir_open(c, NULL, &ld) != 0) {
		snprintf(msg, msgsz, "the directory could not be reached");
		return AUTHD_ERR_DIRECTORY;
	}
	cred.bv_val = (char *)(uintptr_t)write_pw;
	cred.bv_len = strlen(write_pw);
	if ((rc = ldap_sasl_bind_s(ld, write_dn, LDAP_SASL_SIMPLE, &cred,
	    NULL, NULL, NULL)) != LDAP_SUCCESS) {
		snprintf(msg, msgsz, "bind as the write identity: %s",
		    ldap_err2string(rc));
		goto out;
	}
	if ((rc = ldap_search_ext_s(ld, group_dn, LDAP_SCOPE_BASE,
	    "(objectClass=*)", attrs, 0, NULL, NULL, &tv, 1, &res)) !=
	    LDAP_SUCCESS || (e = ldap_first_entry(ld, res)) == NULL) {
		snprintf(msg, msgsz, "reading the group: %s",
		    ldap_err2string(rc));
		if (rc == LDAP_NO_SUCH_OBJECT)
			r = AUTHD_ERR_NOT_FOUND;
		goto out;
	}
	nudn = user_dn != NULL ? policy_dn_norm(user_dn) : NULL;
	if (!find_member_value(ld, e, user, nudn, &attr, &val)) {
		snprintf(msg, msgsz, "not a direct member (nothing to remove)");
		r = AUTHD_ERR_NOT_FOUND;
		goto out;
	}
	vals[0] = val;
	vals[1] = NULL;
	mod.mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES;
	mod.mod_type = attr;
	mod.mod_bvalues = vals;
	mods[0] = &mod;
	mods[1] = NULL;
	if ((rc = ldap_modify_ext_s(ld, group_dn, mods, NULL, NULL)) !=
	    LDAP_SUCCESS) {
		snprintf(msg, msgsz, "removing %s: %s", attr,
		    ldap_err2string(rc));
		r = rc == LDAP_INSUFFICIENT_ACCESS ? AUTHD_ERR_PERM :
		    AUTHD_ERR_DIRECTORY;
		goto out;
	}
	snprintf(msg, msgsz, "removed from %s (%s)", group_dn, attr);
	r = 0;
 out:
	ber_bvfree(val);
	free(nudn);
	ldap_msgfree(res);
	ldap_unbind_ext_s(ld, NULL, NULL);
	return r;
}
