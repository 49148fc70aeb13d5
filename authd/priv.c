/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

int
priv_no_dump(void)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0) != 0) {
		log_err("cannot make the process non-dumpable: %s",
		    strerror(errno));
		return -1;
	}
	if (prctl(PR_GET_DUMPABLE) != 0) {
		log_err("the process is still dumpable");
		return -1;
	}
	/* Hard limit too: nothing in this process may raise it again. */
	if (setrlimit(RLIMIT_CORE, &rl) != 0) {
		log_err("cannot set the core file size limit to 0: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
priv_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_err("user %s: %s", user, errno ? strerror(errno) :
		    "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		log_err("user %s is root; refusing to run as root", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int
priv_drop(const char *user)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	if (priv_lookup(user, &uid, &gid) != 0)
		return -1;
	if (priv_drop_ids(user, uid, gid) != 0)
		return -1;
	/*
	 * The user's own home, not root's: libraries look for per-user files
	 * there (libpq its client certificate and password file), and fail
	 * on a home they may not read.  Set before any thread starts.
	 */
	if ((pw = getpwnam(user)) != NULL && pw->pw_dir != NULL &&
	    setenv("HOME", pw->pw_dir, 1) != 0) {
		log_err("setting HOME: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
priv_drop_ids(const char *user, uid_t uid, gid_t gid)
{
	int r;

	if (uid == 0) {
		log_err("user %s is root; refusing to run as root", user);
		return -1;
	}
	if (setgroups(1, &gid) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		log_err("dropping privileges to %s: %s", user, strerror(errno));
		return -1;
	}
	/* SECURITY NOTE: make sure the old identity cannot come back. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1) {
		log_err("privileges could be regained after dropping them");
		return -1;
	}
	/*
	 * SECURITY NOTE: the kernel resets the dumpable flag on a uid change
	 * to fs.suid_dumpable, which an administrator may have set to 1:
	 * assert it again, so that no process of `user` can ptrace authd or
	 * read its memory.  (LeakSanitizer, in sanitizer builds, makes the
	 * process dumpable itself for the moment it needs to.)
	 */
	if ((r = priv_no_dump()) != 0)
		return r;
	log_info("running as %s (uid %u, gid %u)", user, (unsigned)uid,
	    (unsigned)gid);
	return 0;
}
