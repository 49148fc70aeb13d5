/* SPDX-License-Identifier: BSD-2-Clause */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "authd_err.h"
#include "conf.h"
#include "config.h"
#include "log.h"
#include "policy.h"
#include "relay.h"
#include "slog.h"
#include "util.h"

#define OFF(f)	offsetof(struct config, f)
#define STR(n, f, d)		{ n, CONF_STR, OFF(f), 0, 0, d, NULL, NULL }
#define PATH(n, f, d)		{ n, CONF_PATH, OFF(f), 0, 0, d, NULL, NULL }
#define INT(n, f, lo, hi, d)	{ n, CONF_INT, OFF(f), lo, hi, d, NULL, NULL }
#define BOOL(n, f, d)		{ n, CONF_BOOL, OFF(f), 0, 0, d, NULL, NULL }

/* The one keyword table: name, type, field, bounds, default. */
static const struct conf_kw keywords[] = {
	PATH("socket", socket_path, "/run/authd/authd.sock"),
	PATH("admin_socket", admin_socket_path, "/run/authd/admin.sock"),
	/* A file (SQLite) or a postgresql:// URI (docs/postgresql.md). */
	STR("database", database, "/var/lib/authd/authd.db"),
	PATH("database_password_file", database_password_file, NULL),
	INT("database_timeout", database_timeout, 1, 300, "5"),
	PATH("seal_key", seal_key, "/var/lib/authd/seal.key"),
	STR("user", user, "_authd"),
	STR("keeper_user", keeper_user, NULL),
	STR("admin_group", admin_group, "authd-admin"),
	STR("client_group", client_group, NULL),
	STR("node_name", node_name, NULL),
	INT("node_heartbeat", node_heartbeat, 1, 3600, "10"),
	STR("issuer", issuer, "authd"),
	STR("log_level", log_level, "info"),
	STR("ldap_uri", ldap_uri, NULL),
	STR("ldap_base", ldap_base, NULL),
	STR("ldap_bind_dn", ldap_bind_dn, NULL),
	PATH("ldap_bind_password_file", ldap_bind_password_file, NULL),
	STR("ldap_user_filter", ldap_user_filter,
	    "(&(objectClass=inetOrgPerson)(uid=%u))"),
	PATH("ldap_ca_file", ldap_ca_file, NULL),
	BOOL("ldap_starttls", ldap_starttls, "no"),
	INT("ldap_timeout", ldap_timeout, 1, 60, "2"),
	STR("ldap_group_base", ldap_group_base, NULL),
	INT("ldap_cache_ttl", ldap_cache_ttl, 0, 86400, "60"),
	INT("ldap_cache_max_stale", ldap_cache_max_stale, 0, 7 * 86400,
	    "3600"),
	INT("ldap_retry_interval", ldap_retry_interval, 1, 3600, "10"),
	INT("ldap_cache_size", ldap_cache_size, 16, 10000000, "200000"),
	STR("ldap_account_policy", ldap_account_policy,
	    "shadow,ppolicy,389ds,ad"),
	STR("ldap_disabled_base", ldap_disabled_base, NULL),
	PATH("policy_dir", policy_dir, "/etc/authd/policy.d"),
	PATH("review_socket", review_socket_path, "/run/authd/review.sock"),
	INT("review_inactive_days", review_inactive_days, 1, 3650, "90"),
	INT("review_due_days", review_due_days, 1, 365, "30"),
	BOOL("review_require_comment", review_require_comment, "yes"),
	INT("review_time_offset", review_time_offset, -3650LL * 86400,
	    3650LL * 86400, "0"),
	STR("ldap_write_dn", ldap_write_dn, NULL),
	PATH("ldap_write_password_file", ldap_write_password_file, NULL),
	INT("totp_window", totp_window, 0, 10, "1"),
	INT("lockout_threshold", lockout_threshold, 1, 1000, "5"),
	INT("lockout_time", lockout_time, 1, 86400, "300"),
	INT("lockout_max", lockout_max, 1, 30 * 86400, "86400"),
	PATH("audit_key", audit_key, "/var/lib/authd/audit.key"),
	INT("audit_checkpoint_records", audit_checkpoint_records, 1, 1000000,
	    "1000"),
	INT("audit_checkpoint_interval", audit_checkpoint_interval, 1, 86400,
	    "600"),
	BOOL("audit_group_commit", audit_group_commit, "yes"),
	INT("audit_batch_max", audit_batch_max, 1, 4096, "256"),
	PATH("syslog_socket", syslog_socket, "/dev/log"),
	STR("syslog_facility", syslog_facility, "authpriv"),
	INT("workers", workers, 1, 256, "16"),
	/*
	 * Obsolete, accepted so that older files still load: requests no
	 * longer wait in a queue inside authd but in their sockets, read only
	 * by the worker that answers them.
	 */
	INT("queue_max", queue_max, 1, 65536, "256"),
	INT("connections_max", connections_max, 4, 65536, "1024"),
	INT("request_timeout", request_timeout, 100, 60000, "5000"),
	INT("idle_timeout", idle_timeout, 1, 3600, "60"),
	/*
	 * Budgets (authd/budget.h).  connections_max stays the total; the
	 * admin and review shares are carved from it (check() keeps them
	 * within half of it) and the PAM socket keeps the rest.
	 */
	INT("admin_connections", admin_connections, 2, 4096, "16"),
	INT("root_connections", root_connections, 1, 2048, "4"),
	INT("review_connections", review_connections, 1, 4096, "16"),
	INT("review_connections_per_uid", review_connections_per_uid, 1,
	    4096, "4"),
	INT("review_idle_timeout", review_idle_timeout, 1, 3600, "10"),
	INT("review_request_rate", review_request_rate, 0, 100000, "10"),
	INT("review_request_burst", review_request_burst, 1, 1000000, "30"),
	INT("pam_connections_per_uid", pam_connections_per_uid, 1, 65536,
	    "256"),
	INT("pam_request_rate", pam_request_rate, 0, 100000, "200"),
	INT("pam_request_burst", pam_request_burst, 1, 1000000, "400"),
	PATH("web_socket", web_socket_path, NULL),
	STR("web_user", web_user, NULL),
	INT("web_connections", web_connections, 1, 4096, "8"),
	INT("web_request_rate", web_request_rate, 0, 100000, "20"),
	INT("web_request_burst", web_request_burst, 1, 1000000, "40"),
	STR("web_enroll_groups", web_enroll_groups, NULL),
	STR("web_enroll_networks", web_enroll_networks, NULL),
	STR("web_security_groups", web_security_groups, NULL),
	STR("tls_listen", tls_listen, NULL),
	PATH("tls_cert", tls_cert, NULL),
	PATH("tls_key", tls_key, NULL),
	PATH("tls_client_ca", tls_client_ca, NULL),
	PATH("tls_crl", tls_crl, NULL),
	INT("tls_connections", tls_connections, 1, 4096, "256"),
	INT("tls_host_connections", tls_host_connections, 1, 4096, "128"),
	INT("tls_handshake_timeout", tls_handshake_timeout, 100, 60000,
	    "5000"),
	STR("relay_servers", relay_servers, NULL),
	PATH("relay_cert", relay_cert, NULL),
	PATH("relay_key", relay_key, NULL),
	PATH("relay_ca", relay_ca, NULL),
	INT("relay_connect_timeout", relay_connect_timeout, 50, 30000, "1000"),
	INT("relay_reply_timeout", relay_reply_timeout, 100, 60000, "4000"),
	INT("relay_backoff", relay_backoff, 1, 3600, "30"),
	INT("relay_keepalive", relay_keepalive, 1, 3600, "5"),
	INT("relay_connections", relay_connections, 1, 64, "4"),
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL },
};

/* ldap_account_policy: a comma-separated list of these, or "none". */
static const struct {
	const char	*name;
	unsigned	 flag;
} acct_policies[] = {
	{ "shadow",	CONF_ACCT_SHADOW },
	{ "ppolicy",	CONF_ACCT_PPOLICY },
	{ "389ds",	CONF_ACCT_389DS },
	{ "ad",		CONF_ACCT_AD },
};

static int
parse_acct_policy(const char *path, struct config *c)
{
	const char *p = c->ldap_account_policy;
	size_t i, len;

	c->acct_policy = 0;
	if (strcmp(p, "none") == 0)
		return 0;
	while (*p != '\0') {
		len = strcspn(p, ",");
		for (i = 0; i < sizeof(acct_policies) /
		    sizeof(acct_policies[0]); i++)
			if (strlen(acct_policies[i].name) == len &&
			    strncmp(p, acct_policies[i].name, len) == 0)
				break;
		if (len == 0 || i == sizeof(acct_policies) /
		    sizeof(acct_policies[0])) {
			log_err("%s: ldap_account_policy is a comma-separated "
			    "list of shadow, ppolicy, 389ds and ad, or none",
			    path);
			return 1;
		}
		c->acct_policy |= acct_policies[i].flag;
		p += len;
		if (*p == ',' && *++p == '\0') {
			log_err("%s: ldap_account_policy ends with a comma",
			    path);
			return 1;
		}
	}
	return 0;
}

/*
 * A list of DNs separated by ';' (`value` of keyword `kw`), kept
 * normalised in *out (*n of them, at most 64).  Logs and counts problems.
 */
static int
parse_dn_list(const char *path, const char *kw, const char *value,
    char ***out, size_t *n)
{
	char *copy, *tok, *save = NULL, *norm;
	char **nd;
	int errors = 0;

	if (value == NULL)
		return 0;
	if ((copy = strdup(value)) == NULL)
		return 1;
	for (tok = strtok_r(copy, ";", &save); tok != NULL;
	    tok = strtok_r(NULL, ";", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		if (*tok == '\0')
			continue;
		if (*n >= 64 || (norm = policy_dn_norm(tok)) == NULL) {
			log_err("%s: %s: not a DN (or more than 64): %s", path,
			    kw, tok);
			errors++;
			continue;
		}
		if ((nd = realloc(*out, (*n + 1) * sizeof(*nd))) == NULL) {
			free(norm);
			errors++;
			break;
		}
		*out = nd;
		(*out)[(*n)++] = norm;
	}
	free(copy);
	return errors;
}

/*
 * web_enroll_groups (DNs separated by ';') and web_enroll_networks
 * (addresses and CIDR ranges separated by blanks): who may enroll their
 * own token through authd-web, and from where.
 */
static int
parse_web_enroll(const char *path, struct config *c)
{
	char *copy, *tok, *save = NULL;
	struct pol_range *nr;
	const char *why = NULL;
	int errors;

	errors = parse_dn_list(path, "web_enroll_groups", c->web_enroll_groups,
	    &c->web_groups_norm, &c->nweb_groups);
	errors += parse_dn_list(path, "web_security_groups",
	    c->web_security_groups, &c->web_security_norm, &c->nweb_security);
	if (c->web_enroll_networks != NULL &&
	    (copy = strdup(c->web_enroll_networks)) != NULL) {
		for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
		    tok = strtok_r(NULL, " \t,", &save)) {
			if (c->nweb_ranges >= 256 || (nr = realloc(c->web_ranges,
			    (c->nweb_ranges + 1) * sizeof(*nr))) == NULL) {
				log_err("%s: web_enroll_networks: more than "
				    "256 ranges", path);
				errors++;
				break;
			}
			c->web_ranges = nr;
			if (policy_range_parse(tok, &nr[c->nweb_ranges],
			    &why) != 0) {
				log_err("%s: web_enroll_networks: %s: %s",
				    path, tok, why);
				errors++;
				continue;
			}
			c->nweb_ranges++;
		}
		free(copy);
	} else if (c->web_enroll_networks != NULL)
		errors++;
	if (c->web_socket_path != NULL && c->web_user == NULL) {
		log_err("%s: web_socket needs web_user (authd-web's user)",
		    path);
		errors++;
	}
	return errors;
}

/* Checks that belong to no single keyword.  Logs and counts problems. */
static int
check(const char *path, struct config *c)
{
	const char *p;
	int errors = 0, fac;
	char host[256];

	if (c->relay_servers != NULL) {
		/* A relay holds no directory, database or keys of its own. */
		if (c->relay_cert == NULL || c->relay_key == NULL ||
		    c->relay_ca == NULL) {
			log_err("%s: relay_servers needs relay_cert, relay_key "
			    "and relay_ca", path);
			errors++;
		}
		if (c->tls_listen != NULL) {
			log_err("%s: a relay does not listen for TLS "
			    "(tls_listen)", path);
			errors++;
		}
		if (relay_servers_check(c->relay_servers, host,
		    sizeof(host)) != 0) {
			log_err("%s: relay_servers: %s", path, host);
			errors++;
		}
	} else if (c->ldap_uri == NULL || c->ldap_base == NULL) {
		log_err("%s: ldap_uri and ldap_base are required", path);
		errors++;
	}
	if ((c->ldap_bind_dn == NULL) != (c->ldap_bind_password_file == NULL)) {
		log_err("%s: ldap_bind_dn and ldap_bind_password_file go "
		    "together", path);
		errors++;
	}
	if ((c->ldap_write_dn == NULL) !=
	    (c->ldap_write_password_file == NULL)) {
		log_err("%s: ldap_write_dn and ldap_write_password_file go "
		    "together", path);
		errors++;
	}
	if ((p = strstr(c->ldap_user_filter, "%u")) == NULL ||
	    strstr(p + 2, "%u") != NULL || c->ldap_user_filter[0] != '(') {
		log_err("%s: ldap_user_filter must be a filter with exactly "
		    "one %%u", path);
		errors++;
	}
	if (c->ldap_uri != NULL && strpbrk(c->ldap_uri, " \t,") != NULL) {
		log_err("%s: ldap_uri must name one server", path);
		errors++;
	}
	if (c->ldap_starttls && c->ldap_uri != NULL &&
	    strncasecmp(c->ldap_uri, "ldaps:", 6) == 0) {
		log_err("%s: ldap_starttls with an ldaps:// URI", path);
		errors++;
	}
	if (c->ldap_ca_file != NULL && access(c->ldap_ca_file, R_OK) != 0) {
		log_err("%s: ldap_ca_file %s cannot be read", path,
		    c->ldap_ca_file);
		errors++;
	}
	if (strcmp(c->socket_path, c->admin_socket_path) == 0) {
		log_err("%s: socket and admin_socket must differ", path);
		errors++;
	}
	if (strcmp(c->log_level, "error") && strcmp(c->log_level, "warning") &&
	    strcmp(c->log_level, "info") && strcmp(c->log_level, "debug")) {
		log_err("%s: log_level must be error, warning, info or debug",
		    path);
		errors++;
	}
	/* The issuer goes into every otpauth:// label: "issuer:user". */
	if (c->issuer[0] == '\0' || strlen(c->issuer) > 64 ||
	    strchr(c->issuer, ':') != NULL) {
		log_err("%s: issuer must be 1..64 bytes without ':'", path);
		errors++;
	}
	errors += parse_acct_policy(path, c);
	errors += parse_dn_list(path, "ldap_disabled_base",
	    c->ldap_disabled_base, &c->disabled_norm, &c->ndisabled);
	errors += parse_web_enroll(path, c);
	if (c->lockout_max < c->lockout_time) {
		log_err("%s: lockout_max is less than lockout_time", path);
		errors++;
	}
	if (slog_facility(c->syslog_facility, &fac) != 0) {
		log_err("%s: syslog_facility must be authpriv, auth, daemon or "
		    "local0..local7", path);
		errors++;
	}
	if (c->node_name != NULL && !str_valid_name(c->node_name)) {
		log_err("%s: node_name must be a host name ([A-Za-z0-9._-])",
		    path);
		errors++;
	}
	if (c->database[0] != '/' && strncmp(c->database, "postgresql://",
	    13) != 0) {
		log_err("%s: database must be an absolute path or a "
		    "postgresql:// URI", path);
		errors++;
	}
	if (strcmp(c->audit_key, c->seal_key) == 0) {
		log_err("%s: audit_key and seal_key must be different files",
		    path);
		errors++;
	}
	/* What the PAM socket keeps: logins never get less than half. */
	if (2 * (c->admin_connections + c->review_connections +
	    (c->web_socket_path != NULL ? c->web_connections : 0)) >
	    c->connections_max) {
		log_err("%s: admin_connections, review_connections and "
		    "web_connections may take at most half of connections_max "
		    "together", path);
		errors++;
	}
	if (2 * c->root_connections > c->admin_connections) {
		log_err("%s: root_connections may be at most half of "
		    "admin_connections", path);
		errors++;
	}
	if (c->tls_listen != NULL && (c->tls_cert == NULL ||
	    c->tls_key == NULL || c->tls_client_ca == NULL)) {
		log_err("%s: tls_listen needs tls_cert, tls_key and "
		    "tls_client_ca", path);
		errors++;
	}
	if (c->tls_listen != NULL && c->tls_connections >
	    c->connections_max / 2) {
		log_err("%s: tls_connections may take at most half of "
		    "connections_max", path);
		errors++;
	}
	/* The key keeper runs as authd's user unless told otherwise. */
	if (c->keeper_user == NULL && (c->keeper_user = strdup(c->user)) ==
	    NULL)
		errors++;
	if (c->node_name == NULL) {
		if (gethostname(host, sizeof(host)) != 0)
			strcpy(host, "localhost");
		host[sizeof(host) - 1] = '\0';
		if ((c->node_name = strdup(host)) == NULL)
			errors++;
	}
	return errors;
}

int
config_load(const char *path, struct config **out)
{
	struct config *c;
	int r;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return AUTHD_ERR_NOMEM;
	if ((r = conf_load(path, keywords, c)) != 0 || check(path, c) != 0) {
		config_free(c);
		return r != 0 ? r : AUTHD_ERR_CONFIG;
	}
	*out = c;
	return 0;
}

void
config_dump(const struct config *c, FILE *f)
{
	conf_dump(f, keywords, c);
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ndisabled; i++)
		free(c->disabled_norm[i]);
	free(c->disabled_norm);
	for (i = 0; i < c->nweb_groups; i++)
		free(c->web_groups_norm[i]);
	free(c->web_groups_norm);
	for (i = 0; i < c->nweb_security; i++)
		free(c->web_security_norm[i]);
	free(c->web_security_norm);
	free(c->web_ranges);
	conf_free(keywords, c);
	free(c);
}
