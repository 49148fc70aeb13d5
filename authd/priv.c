/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/prctl.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

int
priv_drop(const char *user)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return 0;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		log_err("user %s: %s", user, errno ? strerror(errno) :
		    "no such user");
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
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
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * Sanitizer builds only: LeakSanitizer inspects the process through
	 * ptrace, which a process that changed its uid is not open to.
	 * Release builds stay non-dumpable (no core file with secrets).
	 */
	(void)prctl(PR_SET_DUMPABLE, 1);
#endif
	log_info("running as %s (uid %u, gid %u)", user, (unsigned)uid,
	    (unsigned)gid);
	return 0;
}
