/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_USERINDEX_H
#define AUTHD_USERINDEX_H

/*
 * The audit trail's index by user, kept off the commit path.  An index on
 * audit(user, seq) costs every commit one B-tree page per record (users
 * come in no order), and that page must reach the WAL, its fsync and
 * later the checkpoint; under load it was most of what a decision wrote.
 * Instead a thread of its own copies (bucket, user, seq) of new records,
 * sorted, into a database of its own (store_attach_byuser), once a second
 * and in chunks.  The bucket (seq / 65536) keeps its writes within the
 * newest part of that index however long the trail grows.  Queries take
 * the indexed records and scan the few after them (store_sqlite.h),
 * so they are complete whatever the index has reached.  The index is
 * derived data: should it be ahead of the trail (another database put in
 * place) it is rebuilt from the start.
 */

struct authd;
struct uindex;

/*
 * Creates the index database if needed and starts its thread.  Must run
 * before any connection attaches the index.  0 or an AUTHD_ERR_*.
 */
int uindex_start(struct authd *ad, struct uindex **out);
/* Stops the thread and frees `u`; accepts NULL. */
void uindex_stop(struct uindex *u);

#endif
