/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer target for proto_parse, the parser every frame from a PAM
 * client or authctl goes through.  Beyond "no crash, no leak, no UB" it
 * checks the round trip: the parser is strict, so any body it accepts has
 * exactly one encoding, and proto_encode must reproduce the input byte for
 * byte; parsing that again must give the same message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authd_err.h"
#include "proto.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const struct proto_msg *a, const struct proto_msg *b)
{
	size_t i;

	if (a->version != b->version || a->type != b->type ||
	    a->reqid != b->reqid || a->nattr != b->nattr)
		return 0;
	for (i = 0; i < a->nattr; i++) {
		const struct proto_attr *x = &a->attr[i], *y = &b->attr[i];

		if (x->tag != y->tag || x->len != y->len ||
		    (x->str == NULL) != (y->str == NULL))
			return 0;
		if (x->str != NULL ? memcmp(x->str, y->str, x->len + 1) != 0 :
		    x->u64 != y->u64)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg *m = NULL, *m2 = NULL;
	const char *s;
	uint8_t *f = NULL;
	size_t flen = 0, i;
	uint64_t u;
	int r;

	r = proto_parse(data, size, &m);
	if (r != 0) {
		/* Errors are negative codes with a name, and no message. */
		if (r > 0 || m != NULL ||
		    strcmp(authd_strerror(r), "unknown error") == 0)
			abort();
		return 0;
	}
	if (m == NULL || m->version != PROTO_VERSION ||
	    m->nattr > PROTO_ATTR_MAX ||
	    strcmp(proto_type_name(m->type), "unknown") == 0)
		abort();
	for (i = 0; i < m->nattr; i++) {
		const struct proto_attr *a = &m->attr[i];

		if (a->str != NULL) {
			if (strlen(a->str) != a->len ||
			    proto_get_str(m, a->tag, &s) != 0 || s != a->str)
				abort();
		} else if (proto_get_u64(m, a->tag, &u) != 0 || u != a->u64)
			abort();
	}
	if (proto_encode(m, &f, &flen) != 0)
		abort();
	if (flen != size + 4 || memcmp(f + 4, data, size) != 0)
		abort();
	if (((size_t)f[0] << 24 | (size_t)f[1] << 16 | (size_t)f[2] << 8 |
	    f[3]) != size)
		abort();
	if (proto_parse(f + 4, flen - 4, &m2) != 0 || !same(m, m2))
		abort();
	secure_free(f, flen);
	proto_free(m);
	proto_free(m2);
	return 0;
}
