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
#include "directory_int.h"
#include "log.h"
#include "policy.h"
#include "secmem.h"
#include "util.h"

/*
 * The directory's connection: opening it with TLS, the service bind, the
 * searches every look-up runs (reconnecting once when the connection
 * died), the user's entry and account state, password binds and group
 * writes on connections of their own.  The nested-group walks built on
 * dir_search are in directory_groups.c.
 */

#define PW_MAX		256
#define FILTER_MAX	2048

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
 * Opens a connection to ldap_uri with the configured TLS (StartTLS done),
 * not yet bound, whose connect, StartTLS and binds wait at most `wait`
 * (NULL: ldap_timeout).  0 or AUTHD_ERR_DIRECTORY.
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

int
dir_search(struct dir *d, const char *base, int scope, const char *filter,
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
	if ((r = dir_search(d, base, scope, filter, attrs, 2, &res,
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

char *
dir_escape(const char *v)
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
			if (dir_dn_under(norm, c->disabled_norm[i]))
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
	if ((esc = dir_escape(user)) == NULL)
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
	if ((edn = dir_escape(user_dn)) == NULL ||
	    (euser = dir_escape(user)) == NULL)
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

/* The DN helpers that account_read and the group walks share. */

int
dir_escaped_at(const char *s, size_t pos)
{
	size_t k = 0;

	while (k < pos && s[pos - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

int
dir_dn_under(const char *norm, const char *nbase)
{
	size_t nl = strlen(norm), bl = strlen(nbase);

	if (bl == 0)
		return 1;
	if (nl == bl)
		return strcmp(norm, nbase) == 0;
	if (nl < bl + 2 || strcmp(norm + nl - bl, nbase) != 0 ||
	    norm[nl - bl - 1] != ',')
		return 0;
	return !dir_escaped_at(norm, nl - bl - 1);
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
