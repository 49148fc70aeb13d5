/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd.h"
#include "authd_err.h"
#include "keeper.h"
#include "log.h"
#include "priv.h"
#include "nodes.h"
#include "relay.h"
#include "secmem.h"
#include "server.h"
#include "tls.h"
#include "util.h"
#include "userindex.h"
#include "writer.h"

#define DEFAULT_CONFIG	"/etc/authd/authd.conf"

/*
 * Secret memory (lib/secmem.h): the passwords take a few KiB; OpenSSL
 * adds two random generators of about 256 bytes for every thread that
 * draws random bytes.  (The keys live in the key keeper's own.)
 */
#define SECMEM_BASE		(16 * 1024)
#define SECMEM_PER_THREAD	1024
#define SECMEM_THREADS_MORE	8	/* main, writer, index, listener... */
/* Key keeper channels besides the workers': the writer's own thread. */
#define KEEPER_CHANNELS_MORE	2

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: authd [-dTt] [-f config]\n"
	    "  -f FILE  configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -d       stay in the foreground and log to stderr\n"
	    "  -t       check the configuration and exit\n"
	    "  -T       check and print the effective configuration\n"
	    "  -h       this help\n");
}

static int
level(const char *s)
{
	if (strcmp(s, "error") == 0)
		return LOG_ERR;
	if (strcmp(s, "warning") == 0)
		return LOG_WARNING;
	if (strcmp(s, "debug") == 0)
		return LOG_DEBUG;
	return LOG_INFO;
}

static int
lookup_group(const char *name, gid_t *gid, int *have)
{
	struct group *gr;

	*have = 0;
	if (name == NULL)
		return 0;
	if ((gr = getgrnam(name)) == NULL) {
		log_warn("group %s does not exist; only root is served on "
		    "its socket", name);
		return 0;
	}
	*gid = gr->gr_gid;
	*have = 1;
	return 0;
}

/*
 * web_user: authd-web's user, the only one served on the web socket.
 * SECURITY NOTE: a web socket for a user that does not exist serves
 * nobody, so authd refuses to start rather than guess.
 */
static int
lookup_user(const char *name, uid_t *uid)
{
	struct passwd *pw;

	if ((pw = getpwnam(name)) == NULL) {
		log_err("web_user %s does not exist", name);
		return -1;
	}
	*uid = pw->pw_uid;
	return 0;
}

/* authd -t: the database server reachable, its schema one authd knows. */
static int
check_store(const struct config *c)
{
	struct store_params sp;
	char *pw = NULL;
	int r;

	if (c->database_password_file != NULL &&
	    dir_read_password(c->database_password_file, &pw) != 0)
		return -1;
	store_params(c, pw, &sp);
	r = store_check(&sp);
	secmem_free_str(pw);
	return r == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conffile = DEFAULT_CONFIG;
	struct authd ad;
	struct store *st = NULL;
	struct uindex *ux = NULL;
	struct tls_server *ts = NULL;
	struct store_params sp;
	int ch, foreground = 0, check = 0, dump = 0, ret = 1;
	int pam_fd = -1, admin_fd = -1, review_fd = -1, web_fd = -1;

	/*
	 * SECURITY NOTE: before anything else, no core file and no ptrace or
	 * /proc/PID/mem by other processes of the same uid: the passwords
	 * are read below, the keys by the keeper forked from here.  Started as
	 * root, the uid change alone would do it (with fs.suid_dumpable 0);
	 * started as its own user, nothing would.
	 */
	if (priv_no_dump() != 0)
		return 1;
	memset(&ad, 0, sizeof(ad));
	while ((ch = getopt_long(argc, argv, "df:hTt", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			conffile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'T':
			dump = check = 1;
			break;
		case 't':
			check = 1;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init("authd", foreground || check, LOG_AUTHPRIV);
	if (config_load(conffile, &ad.cfg) != 0)
		return 1;
	/*
	 * The policy loader sets TZ for a moment to read a zone; TZ must
	 * exist before any thread does, so that it is only ever replaced.
	 */
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 1);
	if (check && ad.cfg->relay_servers != NULL) {
		/* A relay has no policy: the central nodes decide. */
		if (dump)
			config_dump(ad.cfg, stdout);
		else
			fprintf(stderr, "%s: configuration OK (relay)\n",
			    conffile);
		config_free(ad.cfg);
		return 0;
	}
	if (check) {
		struct policy *p = NULL;
		char err[POL_ERR_MAX];

		if (policy_load_dir(ad.cfg->policy_dir, &p, err) != 0) {
			fprintf(stderr, "%s\n", err);
			config_free(ad.cfg);
			return 1;
		}
		if (check_store(ad.cfg) != 0) {
			policy_free(p);
			config_free(ad.cfg);
			return 1;
		}
		if (dump)
			config_dump(ad.cfg, stdout);
		else
			fprintf(stderr, "%s: configuration OK; policy %s OK "
			    "(%zu systems)\n", conffile, policy_version(p),
			    policy_nsystems(p));
		policy_free(p);
		config_free(ad.cfg);
		return 0;
	}
	log_set_level(level(ad.cfg->log_level));
	umask(077);
	if (ad.cfg->relay_servers != NULL) {
		ret = relay_main(ad.cfg);
		config_free(ad.cfg);
		return ret;
	}
	/*
	 * SECURITY NOTE: the key keeper first, while this process holds no
	 * secret, has no socket and no thread: it reads the seal key and the
	 * audit signing key itself, and they never enter this process
	 * (keeper.h).  One channel per worker, and a few for the writer.
	 */
	if (keeper_start(ad.cfg, (int)ad.cfg->workers + KEEPER_CHANNELS_MORE,
	    &ad.keeper) != 0)
		goto out;
	/*
	 * Locked memory for the secrets, set up as root (CAP_IPC_LOCK) so that
	 * RLIMIT_MEMLOCK does not matter; it stays locked after the drop.
	 * If it cannot be locked (started as authd's user with a low limit),
	 * secmem_init says so and authd serves anyway: the secrets are still
	 * wiped and out of core dumps, and refusing to start would stop
	 * every login that depends on authd.
	 */
	(void)secmem_init(SECMEM_BASE + ((size_t)ad.cfg->workers +
	    SECMEM_THREADS_MORE) * SECMEM_PER_THREAD);

	/* As root: read the secrets only root may read, bind the sockets. */
	if (ad.cfg->ldap_bind_password_file != NULL &&
	    dir_read_password(ad.cfg->ldap_bind_password_file, &ad.bindpw) != 0)
		goto out;
	if (ad.cfg->ldap_write_password_file != NULL &&
	    dir_read_password(ad.cfg->ldap_write_password_file,
	    &ad.writepw) != 0)
		goto out;
	if (ad.cfg->database_password_file != NULL &&
	    dir_read_password(ad.cfg->database_password_file,
	    &ad.dbpw) != 0)
		goto out;
	lookup_group(ad.cfg->admin_group, &ad.admin_gid, &ad.have_admin_gid);
	lookup_group(ad.cfg->client_group, &ad.client_gid,
	    &ad.have_client_gid);
	if ((pam_fd = server_listen(ad.cfg->socket_path)) < 0 ||
	    (admin_fd = server_listen(ad.cfg->admin_socket_path)) < 0 ||
	    (review_fd = server_listen(ad.cfg->review_socket_path)) < 0)
		goto out;
	if (ad.cfg->web_socket_path != NULL) {
		if (lookup_user(ad.cfg->web_user, &ad.web_uid) != 0)
			goto out;
		ad.have_web_uid = 1;
		if ((web_fd = server_listen(ad.cfg->web_socket_path)) < 0)
			goto out;
	}
	/* The host key is root's to read, like the others. */
	if (ad.cfg->tls_listen != NULL && tls_listen(ad.cfg, &ts) != 0)
		goto out;
	if (priv_drop(ad.cfg->user) != 0)
		goto out;

	/* As authd's user: its database. */
	store_params(ad.cfg, ad.dbpw, &sp);
	if (store_open(&sp, 1, &st) != 0)
		goto out;
	ad.main_st = st;
	if (pol_load(&ad) != 0 || (ad.dc = dircache_new(ad.cfg)) == NULL ||
	    writer_start(&ad, &ad.writer) != 0 || uindex_start(&ad, &ux) != 0 ||
	    nodes_start(&ad, &ad.nodes) != 0)
		goto out;
	log_notice("authd %s starting: node %s, pam socket %s, admin socket "
	    "%s", "0.1.0", ad.cfg->node_name, ad.cfg->socket_path,
	    ad.cfg->admin_socket_path);
	if (ts != NULL)
		log_notice("accepting pilot hosts over TLS on %s",
		    ad.cfg->tls_listen);
	ad.tls = ts;
	ret = server_run(&ad, pam_fd, admin_fd, review_fd, web_fd, ts) == 0 ?
	    0 : 1;
	/* server_run closed them */
	pam_fd = admin_fd = review_fd = web_fd = -1;
	ts = ad.tls = NULL;			/* and freed it */
 out:
	if (pam_fd >= 0)
		close(pam_fd);
	if (admin_fd >= 0)
		close(admin_fd);
	if (review_fd >= 0)
		close(review_fd);
	if (web_fd >= 0)
		close(web_fd);
	tls_free(ts);
	/* The workers are gone: the writer drains and signs the head. */
	nodes_stop(ad.nodes);
	writer_stop(ad.writer);
	uindex_stop(ux);
	dircache_free(ad.dc);
	pol_done(&ad);
	store_close(st);
	/* A keeper that died makes authd's exit status non-zero. */
	if (keeper_gone(ad.keeper))
		ret = 1;
	keeper_stop(ad.keeper);
	secmem_free_str(ad.bindpw);
	secmem_free_str(ad.writepw);
	secmem_free_str(ad.dbpw);
	config_free(ad.cfg);
	secmem_done();
	return ret;
}
