/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "audit.h"

void
audit_to_chain(const struct audit_rec *r, struct chain_rec *c)
{
	memset(c, 0, sizeof(*c));
	c->seq = r->seq;
	c->time_ms = r->time_ms;
	c->reqid = r->reqid;
	c->node = r->node;
	c->event = r->event;
	c->actor = r->actor;
	c->user = r->user;
	c->system = r->system;
	c->service = r->service;
	c->rhost = r->rhost;
	c->tty = r->tty;
	c->decision = r->decision;
	c->reason = r->reason;
	c->detail = r->detail;
	c->policy = r->policy;
	c->role = r->role;
	c->rule = r->rule;
	c->factors = r->factors;
}
