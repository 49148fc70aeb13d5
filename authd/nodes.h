/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_NODES_H
#define AUTHD_NODES_H

#include <stddef.h>

/*
 * The nodes that share the store (nodes.c).  Every node_heartbeat
 * seconds, in a writer job, a node records that it is alive, with its
 * chain head and the policy version in force, and reads the others: a
 * live node (seen within three heartbeats) whose policy version differs
 * is logged once per change and shown by `authctl status`.  The policy
 * files are deployed to every node; authd does not copy them.
 */

struct authd;
struct req;
struct proto_msg;
struct nodes;

/* Starts the heartbeat (the first one at once).  0, or -1 after logging. */
int nodes_start(struct authd *ad, struct nodes **out);
/* Stops it (before the writer stops) and frees `n`; accepts NULL. */
void nodes_stop(struct nodes *n);
/*
 * What `authctl status` shows: "same" or "differ", with `detail` (which
 * node has which version) when they differ.
 */
const char *nodes_policy_state(struct nodes *n, char *detail, size_t size);
/* NODES on the admin socket: a ROW per node, then the RESULT. */
int nodes_handle(struct req *rq, struct proto_msg *reply);

#endif
