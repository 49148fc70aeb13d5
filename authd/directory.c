/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ldap.h>

#include "authd_err.h"
#include "directory.h"
#include "log.h"
#include "util.h"

#define PW_MAX		256
#define FILTER_MAX	2048

struct dir {
	const struct config	*cfg;
	char			*bindpw;
	LDAP			*ld;
};

struct dir *
dir_new(const struct config *cfg, const char *bindpw)
{
	struct dir *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->cfg = cfg;
	if (bindpw != NULL && (d->bindpw = strdup(bindpw)) == NULL) {
		free(d);
		return NULL;
	}
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
	secure_free_str(d->bindpw);
	free(d);
}

static int
dir_connect(struct dir *d)
{
	const struct config *c = d->cfg;
	struct timeval tv = { (time_t)c->ldap_timeout, 0 };
	struct berval cred;
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	int rc, tls;

	if (d->ld != NULL)
		return 0;
	if ((rc = ldap_initialize(&d->ld, c->ldap_uri)) != LDAP_SUCCESS) {
		log_err("directory: %s: %s", c->ldap_uri, ldap_err2string(rc));
		d->ld = NULL;
		return AUTHD_ERR_DIRECTORY;
	}
	ldap_set_option(d->ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(d->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(d->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(d->ld, LDAP_OPT_TIMEOUT, &tv);
	/*
	 * SECURITY NOTE: TLS settings go into a context of this handle's
	 * own.  If that cannot be built (an unreadable ldap_ca_file, say),
	 * libldap would fall back to its global defaults, which ldap.conf
	 * or LDAPTLS_* may have set to trust anyone: refuse instead.
	 */
	tls = c->ldap_starttls || strncasecmp(c->ldap_uri, "ldaps:", 6) == 0;
	if ((ldap_set_option(d->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) !=
	    LDAP_OPT_SUCCESS || (c->ldap_ca_file != NULL &&
	    ldap_set_option(d->ld, LDAP_OPT_X_TLS_CACERTFILE,
	    c->ldap_ca_file) != LDAP_OPT_SUCCESS) ||
	    ldap_set_option(d->ld, LDAP_OPT_X_TLS_NEWCTX, &zero) !=
	    LDAP_OPT_SUCCESS) && tls) {
		log_err("directory: cannot set up TLS for %s%s%s", c->ldap_uri,
		    c->ldap_ca_file ? " with CA file " : "",
		    c->ldap_ca_file ? c->ldap_ca_file : "");
		goto fail;
	}
	if (c->ldap_starttls &&
	    (rc = ldap_start_tls_s(d->ld, NULL, NULL)) != LDAP_SUCCESS) {
		log_err("directory: StartTLS to %s: %s", c->ldap_uri,
		    ldap_err2string(rc));
		goto fail;
	}
	if (c->ldap_bind_dn != NULL) {
		/* SECURITY NOTE: an empty simple bind is anonymous; refuse. */
		if (d->bindpw == NULL || d->bindpw[0] == '\0') {
			log_err("directory: empty service bind password");
			goto fail;
		}
		cred.bv_val = d->bindpw;
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
 * Runs one search (no attributes) and counts entries, up to 2.  Reconnects
 * and retries once when the connection turns out to be broken.
 */
static int
search_count(struct dir *d, const char *base, int scope, const char *filter,
    int *count, char **dn)
{
	struct timeval tv = { (time_t)d->cfg->ldap_timeout, 0 };
	char *attrs[] = { LDAP_NO_ATTRS, NULL };
	LDAPMessage *res = NULL, *e;
	int rc = LDAP_OTHER, attempt;

	*count = 0;
	if (dn != NULL)
		*dn = NULL;
	for (attempt = 0; attempt < 2; attempt++) {
		if (dir_connect(d) != 0)
			return AUTHD_ERR_DIRECTORY;
		rc = ldap_search_ext_s(d->ld, base, scope, filter, attrs, 0,
		    NULL, NULL, &tv, 2, &res);
		if (rc == LDAP_SUCCESS || rc == LDAP_NO_SUCH_OBJECT ||
		    rc == LDAP_SIZELIMIT_EXCEEDED)
			break;
		ldap_msgfree(res);
		res = NULL;
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
		ldap_msgfree(res);
		return AUTHD_ERR_DIRECTORY;
	}
	for (e = ldap_first_entry(d->ld, res); e != NULL;
	    e = ldap_next_entry(d->ld, e)) {
		if (++*count == 1 && dn != NULL)
			*dn = ldap_get_dn(d->ld, e);
	}
	if (rc == LDAP_SIZELIMIT_EXCEEDED && *count < 2)
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

int
dir_user_dn(struct dir *d, const char *user, char **dn)
{
	const char *tmpl = d->cfg->ldap_user_filter, *p;
	char filter[FILTER_MAX], *esc, *ldn = NULL;
	int count, r;

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

int
dir_read_password(const char *path, char **out)
{
	struct stat st;
	char buf[PW_MAX + 2];
	ssize_t n;
	size_t len = 0;
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
	while (len < sizeof(buf) && (n = read(fd, buf + len,
	    sizeof(buf) - len)) != 0) {
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
	if ((*out = strdup(buf)) == NULL)
		r = AUTHD_ERR_NOMEM;
	else
		r = 0;
 out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return r;
}
