/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_PRIV_H
#define AUTHD_PRIV_H

/*
 * Makes the process non-dumpable (PR_SET_DUMPABLE 0: no core file, and no
 * ptrace or /proc/PID/mem, environ... by other processes of the same uid)
 * and sets the core file size limit, soft and hard, to 0.  Returns 0, or
 * -1 after logging why.
 */
int priv_no_dump(void);

#include <sys/types.h>

/*
 * Drops to `user` (its primary group only, no supplementary groups) with
 * setres[gu]id, verifies that root cannot be regained and makes the
 * process non-dumpable again (priv_no_dump).  Does nothing when not running
 * as root.  Returns 0, or -1 after logging why.
 */
int priv_drop(const char *user);

/*
 * Looks `user` up: its uid and primary gid.  Refuses root.  0, or -1
 * after logging why.
 */
int priv_lookup(const char *user, uid_t *uid, gid_t *gid);

/*
 * priv_drop with ids already looked up (after a chroot, where the user
 * database is out of reach); `user` names them in the log.  Must run as
 * root.  0, or -1 after logging why.
 */
int priv_drop_ids(const char *user, uid_t uid, gid_t gid);

#endif
