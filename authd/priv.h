/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_PRIV_H
#define AUTHD_PRIV_H

/*
 * Drops to `user` (its primary group only, no supplementary groups) with
 * setres[gu]id and verifies that root cannot be regained.  Does nothing
 * when not running as root.  Returns 0, or -1 after logging why.
 */
int priv_drop(const char *user);

#endif
