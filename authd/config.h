/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_CONFIG_H
#define AUTHD_CONFIG_H

#include <stdio.h>
#include <sys/types.h>

struct pol_range;

/* The effective configuration (see packaging/authd.conf.example). */
/* Account states the directory is asked for (ldap_account_policy). */
#define CONF_ACCT_SHADOW	0x01	/* shadowExpire, shadowInactive */
#define CONF_ACCT_PPOLICY	0x02	/* pwdAccountLockedTime */
#define CONF_ACCT_389DS		0x04	/* nsAccountLock */
#define CONF_ACCT_AD		0x08	/* userAccountControl, accountExpires */

struct config {
	char		*socket_path;
	char		*admin_socket_path;
	char		*database;
	char		*database_password_file;
	long long	 database_timeout;	/* s, each wait for a server */
	char		*seal_key;
	char		*user;
	char		*keeper_user;		/* default: user */
	char		*admin_group;
	char		*client_group;
	char		*node_name;
	long long	 node_heartbeat;	/* s between heartbeats */
	char		*issuer;
	char		*log_level;

	char		*ldap_uri;
	char		*ldap_base;
	char		*ldap_bind_dn;
	char		*ldap_bind_password_file;
	char		*ldap_user_filter;
	char		*ldap_ca_file;
	int		 ldap_starttls;
	long long	 ldap_timeout;
	char		*ldap_group_base;	/* default: ldap_base */
	long long	 ldap_cache_ttl;
	long long	 ldap_cache_max_stale;
	long long	 ldap_retry_interval;
	long long	 ldap_cache_size;
	char		*ldap_account_policy;	/* "shadow,ppolicy,389ds,ad" */
	char		*ldap_disabled_base;	/* "DN; DN ..." or NULL */
	unsigned	 acct_policy;		/* CONF_ACCT_*, parsed from it */
	char		**disabled_norm;	/* normalised disabled bases */
	size_t		 ndisabled;
	char		*policy_dir;

	char		*review_socket_path;
	long long	 review_inactive_days;
	long long	 review_due_days;
	int		 review_require_comment;
	long long	 review_time_offset;	/* s; drills and tests */
	char		*ldap_write_dn;		/* remediation after reviews */
	char		*ldap_write_password_file;

	long long	 totp_window;
	long long	 lockout_threshold;
	long long	 lockout_time;
	long long	 lockout_max;

	char		*audit_key;
	long long	 audit_checkpoint_records;
	long long	 audit_checkpoint_interval;
	int		 audit_group_commit;
	long long	 audit_batch_max;
	char		*syslog_socket;
	char		*syslog_facility;

	long long	 workers;
	long long	 queue_max;
	long long	 connections_max;
	long long	 request_timeout;
	long long	 idle_timeout;
	/* Budgets per socket and per uid (budget.h). */
	long long	 admin_connections;
	long long	 root_connections;
	long long	 review_connections;
	long long	 review_connections_per_uid;
	long long	 review_idle_timeout;
	long long	 review_request_rate;
	long long	 review_request_burst;
	long long	 pam_connections_per_uid;
	long long	 pam_request_rate;
	long long	 pam_request_burst;

	/* authd-web (web.c): its socket, its user, who may self-enroll. */
	char		*web_socket_path;	/* NULL: no web socket */
	char		*web_user;
	long long	 web_connections;
	long long	 web_request_rate;
	long long	 web_request_burst;
	char		*web_enroll_groups;	/* "DN; DN ..." or NULL */
	char		*web_enroll_networks;	/* "CIDR CIDR ..." or NULL */
	char		**web_groups_norm;	/* parsed from them */
	size_t		 nweb_groups;
	/* Who acts as the security function in authd-web's review pages. */
	char		*web_security_groups;	/* "DN; DN ..." or NULL */
	char		**web_security_norm;
	size_t		 nweb_security;
	struct pol_range *web_ranges;
	size_t		 nweb_ranges;

	/* Central side: TLS for pilot hosts' relays (tls.h). */
	char		*tls_listen;		/* "ADDRESS:PORT", or NULL */
	char		*tls_cert;
	char		*tls_key;
	char		*tls_client_ca;
	char		*tls_crl;
	long long	 tls_connections;
	long long	 tls_host_connections;	/* per host name */
	long long	 tls_handshake_timeout;	/* ms */

	/* Relay mode (relay.h): set by relay_servers. */
	char		*relay_servers;		/* "NAME:PORT NAME:PORT ..." */
	char		*relay_cert;
	char		*relay_key;
	char		*relay_ca;
	long long	 relay_connect_timeout;	/* ms */
	long long	 relay_reply_timeout;	/* ms, one server's answer */
	long long	 relay_backoff;		/* s before a dead server again */
	long long	 relay_keepalive;	/* s between pings of idle ones */
	long long	 relay_connections;	/* warm, per server */
};

/*
 * Loads `path` into a new configuration (*out, free with config_free).
 * Errors are logged as "file:line: message"; returns AUTHD_ERR_CONFIG.
 */
int config_load(const char *path, struct config **out);
/* Frees `c`; accepts NULL. */
void config_free(struct config *c);
/* Writes the effective configuration in config-file syntax. */
void config_dump(const struct config *c, FILE *f);

#endif
