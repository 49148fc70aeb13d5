/* SPDX-License-Identifier: BSD-2-Clause */
#include <sys/socket.h>
#include <sys/un.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

/*
 * fake_authd SOCKET N DUMP [MODE]: a stand-in for authd's admin socket
 * that serves N generated audit records (awkward text included) with the
 * audit-list semantics of docs/protocol.md, audit-show, audit-checkpoint
 * and audit-prune, so that authctl's audit commands can be tested without
 * the daemon.  It writes every record to DUMP, one line each, with its
 * fields as hex, for comparing what authctl wrote with what was sent.
 * MODE makes it misbehave: "extra" (a row more than LIMIT), "unordered"
 * (rows out of order), "badcp" (a control byte in a checkpoint), "norow"
 * (audit-show answered without its row).
 */

#define FAKE_FIELDS	15

static const struct {
	const char	*key;
	uint16_t	 tag;
} fake_fields[FAKE_FIELDS] = {
	{ "event", PROTO_A_EVENT }, { "actor", PROTO_A_ACTOR },
	{ "user", PROTO_A_USER }, { "system", PROTO_A_SYSTEM },
	{ "service", PROTO_A_SERVICE }, { "rhost", PROTO_A_RHOST },
	{ "tty", PROTO_A_TTY }, { "decision", PROTO_A_DECISION },
	{ "reason", PROTO_A_REASON }, { "node", PROTO_A_NODE },
	{ "detail", PROTO_A_DETAIL }, { "policy", PROTO_A_POLICY },
	{ "role", PROTO_A_ROLE }, { "rule", PROTO_A_RULE },
	{ "factors", PROTO_A_FACTORS },
};

struct fake_rec {
	uint64_t	 seq;
	uint64_t	 time_ms;
	uint64_t	 reqid;
	const char	*f[FAKE_FIELDS];
	char		 hash[65];
	int		 gone;		/* pruned */
};

static const char *const fake_details[] = {
	"plain", "comma, and \"quotes\"", "two\nlines\r\nand CRLF",
	"escape \x1b[31mred\x1b[0m and bell \x07",
	"latin-1 bytes \xe5\xe4\xf6 are not UTF-8",
	"=HYPERLINK(\"http://example.invalid\")", "\xc3\x85sa \xe2\x9c\x93",
	"back\\slash", "bidi \xe2\x80\xae override", "-dash", "'quote",
	"tab\there", "", NULL,
};
#define FAKE_NDETAILS	(sizeof(fake_details) / sizeof(fake_details[0]))

static struct fake_rec	*recs;
static size_t		 nrecs;
static const char	*mode = "";

static void
fake_gen(size_t n)
{
	static const char *const users[] = { "anna", "bo", "cecilia" };
	static const char *const events[] = { "auth", "auth", "account",
	    "session-open", "enroll" };
	struct fake_rec *r;
	size_t i;

	if ((recs = calloc(n, sizeof(*recs))) == NULL)
		exit(2);
	for (i = 0; i < n; i++) {
		r = &recs[i];
		r->seq = i + 1;
		r->time_ms = 1767225600000ULL + i * 60000ULL + i % 1000;
		r->reqid = (r->seq * 2654435761ULL) & 0xffffffffULL;
		r->f[0] = events[i % 5];
		r->f[1] = i % 7 == 0 ? "uid:0 (root)" : "pam";
		r->f[2] = users[i % 3];
		r->f[3] = i % 2 == 0 ? "pilot" : "ekonomi";
		r->f[4] = i % 5 == 4 ? NULL : "sshd";
		r->f[5] = i % 4 == 0 ? NULL : "192.0.2.7, \"x\"";
		r->f[6] = i % 3 == 0 ? "pts/\x01" : NULL;
		r->f[7] = i % 5 == 4 ? "ok" : i % 2 == 0 ? "allow" : "deny";
		r->f[8] = i % 2 == 0 ? "ok" : "bad-code";
		r->f[9] = "node-1";
		r->f[10] = fake_details[i % FAKE_NDETAILS];
		r->f[11] = i % 4 == 1 ? NULL : "v7";
		r->f[12] = i % 3 == 0 ? "=cmd|' /C calc'!A0" : NULL;
		r->f[13] = i % 3 == 0 ? "rule \"ops\", 2" : NULL;
		r->f[14] = i % 2 == 0 ? "totp" : NULL;
		snprintf(r->hash, sizeof(r->hash), "%016llx%048x",
		    (unsigned long long)(r->seq * 0x9e3779b97f4a7c15ULL), 0);
	}
	nrecs = n;
}

static void
fake_dump(const char *path)
{
	FILE *f;
	size_t i, k;
	const unsigned char *p;

	if ((f = fopen(path, "w")) == NULL)
		exit(2);
	for (i = 0; i < nrecs; i++) {
		fprintf(f, "seq=%llu time_ms=%llu reqid=%llu hash=%s",
		    (unsigned long long)recs[i].seq,
		    (unsigned long long)recs[i].time_ms,
		    (unsigned long long)recs[i].reqid, recs[i].hash);
		for (k = 0; k < FAKE_FIELDS; k++) {
			if (recs[i].f[k] == NULL)
				continue;
			fprintf(f, " %s=", fake_fields[k].key);
			p = (const unsigned char *)recs[i].f[k];
			for (; *p != '\0'; p++)
				fprintf(f, "%02x", *p);
		}
		fputc('\n', f);
	}
	fclose(f);
}

static struct proto_msg *
fake_row(const struct fake_rec *r, uint32_t reqid)
{
	struct proto_msg *m;
	size_t k;

	if ((m = proto_new(PROTO_T_AUDIT_ROW, reqid)) == NULL)
		exit(2);
	proto_add_u64(m, PROTO_A_SEQ, r->seq);
	proto_add_u64(m, PROTO_A_TIME, r->time_ms);
	proto_add_u64(m, PROTO_A_REQID, r->reqid);
	proto_add_str(m, PROTO_A_HASH, r->hash);
	for (k = 0; k < FAKE_FIELDS; k++)
		proto_add_str(m, fake_fields[k].tag, r->f[k]);
	return m;
}

static struct proto_msg *
fake_result(uint32_t reqid, uint64_t status, const char *reason)
{
	struct proto_msg *m;

	if ((m = proto_new(PROTO_T_RESULT, reqid)) == NULL)
		exit(2);
	proto_add_u64(m, PROTO_A_STATUS, status);
	proto_add_str(m, PROTO_A_REASON, reason);
	return m;
}

/* Does record r match the filters of request q? */
static int
fake_match(const struct fake_rec *r, const struct proto_msg *q)
{
	static const uint16_t tags[] = { PROTO_A_USER, PROTO_A_SYSTEM,
	    PROTO_A_DECISION, PROTO_A_REASON, PROTO_A_EVENT };
	static const int idx[] = { 2, 3, 7, 8, 0 };
	const char *want;
	uint64_t t;
	size_t i;

	if (r->gone)
		return 0;
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (proto_get_str(q, tags[i], &want) == 0 &&
		    (r->f[idx[i]] == NULL || strcmp(r->f[idx[i]], want) != 0))
			return 0;
	if (proto_get_u64(q, PROTO_A_TIME_FROM, &t) == 0 && r->time_ms < t)
		return 0;
	if (proto_get_u64(q, PROTO_A_TIME_UNTIL, &t) == 0 && t > 0 &&
	    r->time_ms >= t)
		return 0;
	return 1;
}

static void
fake_send(int fd, struct proto_msg *m)
{
	sock_write_msg(fd, m, mono_ms() + 5000);
	proto_free(m);
}

static void
fake_list(int fd, const struct proto_msg *q)
{
	uint64_t limit = 100, since, sent = 0;
	size_t i, first, n = 0, *pick;
	int has_since;

	if (proto_get_u64(q, PROTO_A_LIMIT, &limit) == 0 &&
	    (limit < 1 || limit > 10000)) {
		fake_send(fd, fake_result(q->reqid, PROTO_S_ERROR,
		    "bad-request"));
		return;
	}
	/* As authd does: SINCE 0 is no SINCE. */
	has_since = proto_get_u64(q, PROTO_A_SINCE, &since) == 0 && since > 0;
	if ((pick = calloc(nrecs + 1, sizeof(*pick))) == NULL)
		exit(2);
	for (i = 0; i < nrecs; i++)
		if ((!has_since || recs[i].seq >= since) &&
		    fake_match(&recs[i], q))
			pick[n++] = i;
	/* With SINCE the first LIMIT, else the newest LIMIT; oldest first. */
	first = has_since || n <= limit ? 0 : n - limit;
	if (strcmp(mode, "extra") == 0 && first > 0)
		first--;
	if (strcmp(mode, "unordered") == 0 && n - first >= 2) {
		i = pick[first];
		pick[first] = pick[first + 1];
		pick[first + 1] = i;
	}
	for (i = first; i < n && (sent < limit ||
	    (strcmp(mode, "extra") == 0 && sent == limit)); i++, sent++)
		fake_send(fd, fake_row(&recs[pick[i]], q->reqid));
	free(pick);
	fake_send(fd, fake_result(q->reqid, PROTO_S_ALLOW, "ok"));
}

static const char fake_cp_tail[] =
    " node=node-1 hash=00112233445566778899aabbccddeeff00112233445566778899"
    "aabbccddeeff key=0123456789abcdef sig=" "00000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000";

static void
fake_checkpoint_line(char *out, size_t sz, uint64_t seq)
{
	snprintf(out, sz, "authd-checkpoint v1 seq=%llu time=1767225600000%s",
	    (unsigned long long)seq, fake_cp_tail);
	if (strcmp(mode, "badcp") == 0)
		out[strlen("authd-checkpoint v1 seq=1 time=1767225600000 "
		    "node=node")] = '\x1b';
}

static void
fake_request(int fd, const struct proto_msg *q)
{
	char line[600];
	struct proto_msg *m;
	uint64_t v, count = 0, cut = 0;
	size_t i;

	switch (q->type) {
	case PROTO_T_PING:
		fake_send(fd, fake_result(q->reqid, PROTO_S_ALLOW, "ok"));
		break;
	case PROTO_T_AUDIT_LIST:
		fake_list(fd, q);
		break;
	case PROTO_T_AUDIT_SHOW:
		if (proto_get_u64(q, PROTO_A_SEQ, &v) != 0 || v == 0 ||
		    v > nrecs || recs[v - 1].gone) {
			m = fake_result(q->reqid, PROTO_S_DENY, "not-found");
			proto_add_str(m, PROTO_A_MESSAGE, "no such record");
			fake_send(fd, m);
			break;
		}
		if (strcmp(mode, "norow") != 0)
			fake_send(fd, fake_row(&recs[v - 1], q->reqid));
		fake_send(fd, fake_result(q->reqid, PROTO_S_ALLOW, "ok"));
		break;
	case PROTO_T_AUDIT_CHECKPOINT:
		if (nrecs == 0) {
			fake_send(fd, fake_result(q->reqid, PROTO_S_DENY,
			    "not-found"));
			break;
		}
		m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
		fake_checkpoint_line(line, sizeof(line), nrecs);
		proto_add_str(m, PROTO_A_CHECKPOINT, line);
		fake_send(fd, m);
		break;
	case PROTO_T_AUDIT_PRUNE:
		if (proto_get_u64(q, PROTO_A_BEFORE, &v) != 0) {
			fake_send(fd, fake_result(q->reqid, PROTO_S_ERROR,
			    "bad-request"));
			break;
		}
		for (i = 0; i < nrecs && recs[i].time_ms < v; i++)
			if (!recs[i].gone) {
				recs[i].gone = 1;
				count++;
				cut = recs[i].seq;
			}
		m = fake_result(q->reqid, PROTO_S_ALLOW, "ok");
		proto_add_u64(m, PROTO_A_COUNT, count);
		proto_add_u64(m, PROTO_A_SEQ, cut);
		if (count > 0) {
			fake_checkpoint_line(line, sizeof(line), cut);
			proto_add_str(m, PROTO_A_CHECKPOINT, line);
		}
		fake_send(fd, m);
		break;
	default:
		fake_send(fd, fake_result(q->reqid, PROTO_S_ERROR,
		    "bad-request"));
		break;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	struct proto_msg *q;
	int lfd, fd;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: fake_authd SOCKET N DUMP [MODE]\n");
		return 2;
	}
	if (argc == 5)
		mode = argv[4];
	signal(SIGPIPE, SIG_IGN);
	fake_gen((size_t)strtoul(argv[2], NULL, 10));
	fake_dump(argv[3]);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0 ||
	    listen(lfd, 8) != 0) {
		perror(argv[1]);
		return 2;
	}
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		while (sock_read_msg(fd, mono_ms() + 5000, &q) == 0) {
			fake_request(fd, q);
			proto_free(q);
		}
		close(fd);
	}
}
