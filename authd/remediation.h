/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_REMEDIATION_H
#define AUTHD_REMEDIATION_H

#include <stdint.h>

struct req;

/*
 * After the close of review `id` of `system`: removes each revoked user
 * from the group that grants the role (the last of the item's path) in
 * the directory, as ldap_write_dn, and records what the directory said
 * on the item and in the trail (one writer transaction each).  A failure
 * is logged and recorded; the revocation stays in force either way.
 */
void remediation_run(struct req *rq, int64_t id, const char *system);

#endif
