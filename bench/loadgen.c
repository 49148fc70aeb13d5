/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The closed-loop load generator, its results and the audit count
 * (loadgen.h).
 */

#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "authd_err.h"
#include "proto.h"
#include "sock.h"
#include "util.h"

#include "loadgen.h"

uint64_t
rnd_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * UINT64_C(2685821657736338717);
}

int
recv_more(int fd, uint8_t *buf, size_t *len, size_t cap)
{
	ssize_t n;

	do
		n = recv(fd, buf + *len, cap - *len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return -1;
	*len += (size_t)n;
	return 1;
}

uint32_t
frame_len(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* CPU time so far of the machine, l's servers and this process. */
static void
cpu_take(struct cpu_sample *s, const struct load *l)
{
	double busy, steal;

	s->t = bench_now_ns();
	bench_machine_cpu(&busy, &steal);
	s->machine = busy + steal;
	s->server = bench_proc_cpu(l->server);
	s->server2 = l->server2 > 0 ? bench_proc_cpu(l->server2) : 0;
	s->self = bench_self_cpu();
}

void
frame_start(struct frame *f, uint8_t *buf, size_t cap, uint8_t type,
    uint32_t reqid)
{
	f->b = buf;
	f->cap = cap;
	f->nattr = 0;
	buf[4] = PROTO_VERSION;
	buf[5] = type;
	buf[6] = (uint8_t)(reqid >> 24);
	buf[7] = (uint8_t)(reqid >> 16);
	buf[8] = (uint8_t)(reqid >> 8);
	buf[9] = (uint8_t)reqid;
	f->len = 4 + PROTO_HDR_LEN;
}

int
frame_str(struct frame *f, uint16_t tag, const char *s)
{
	size_t n = strlen(s);

	if (f->len + 4 + n > f->cap || n > 0xffff)
		return -1;
	f->b[f->len++] = (uint8_t)(tag >> 8);
	f->b[f->len++] = (uint8_t)tag;
	f->b[f->len++] = (uint8_t)(n >> 8);
	f->b[f->len++] = (uint8_t)n;
	memcpy(f->b + f->len, s, n);
	f->len += n;
	f->nattr++;
	return 0;
}

size_t
frame_end(struct frame *f)
{
	uint32_t body = (uint32_t)(f->len - 4);

	f->b[0] = (uint8_t)(body >> 24);
	f->b[1] = (uint8_t)(body >> 16);
	f->b[2] = (uint8_t)(body >> 8);
	f->b[3] = (uint8_t)body;
	f->b[10] = (uint8_t)(f->nattr >> 8);
	f->b[11] = (uint8_t)f->nattr;
	return f->len;
}

void
lerr(struct load *l, const char *fmt, ...)
{
	va_list ap;

	if (l->err[0] != '\0')
		return;		/* the first failure is the one to report */
	va_start(ap, fmt);
	vsnprintf(l->err, sizeof(l->err), fmt, ap);
	va_end(ap);
}

uint32_t
load_reqid(struct load *l)
{
	if (++l->next_reqid == 0)
		l->next_reqid = 1;
	return l->next_reqid;
}

struct proto_msg *
reply_parse(struct load *l, struct cconn *c, const uint8_t *fr, size_t len)
{
	struct proto_msg *m = NULL;
	int r;

	if ((r = proto_parse(fr + 4, len - 4, &m)) != 0) {
		lerr(l, "%s: malformed reply: %s", l->sock, authd_strerror(r));
		return NULL;
	}
	if (m->type != PROTO_T_RESULT || m->reqid != c->reqid) {
		lerr(l, "%s: reply type %s, request id %" PRIu32 " for %"
		    PRIu32 " (%s)", l->sock, proto_type_name(m->type),
		    m->reqid, c->reqid, proto_str(m, PROTO_A_REASON, "-"));
		proto_free(m);
		return NULL;
	}
	return m;
}

static int
load_send(struct load *l, struct cconn *c)
{
	ssize_t n;

	c->t0 = bench_now_ns();
	do
		n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)c->outlen) {
		lerr(l, "%s: send: %s", l->sock, n < 0 ? strerror(errno) :
		    "short write");
		return -1;
	}
	c->busy = 1;
	l->busy++;
	l->sent++;
	return 0;
}

/* Sends c's next request if there is one.  -1 on a failure. */
static int
load_issue(struct load *l, struct cconn *c)
{
	int r;

	if ((r = l->next(l, c)) <= 0)
		return r;
	return load_send(l, c);
}

/* Handles what arrived on c: replies, and the next requests. */
static int
load_input(struct load *l, struct cconn *c, int stopping, int64_t mstart,
    int64_t mend)
{
	uint32_t flen;
	int64_t t1;
	int r;

	for (;;) {
		if ((r = recv_more(c->fd, c->in, &c->inlen,
		    sizeof(c->in))) == 0)
			return 0;
		if (r < 0) {
			lerr(l, "%s: the server closed a connection%s",
			    l->sock, c->busy ? " with a request outstanding" :
			    "");
			return -1;
		}
		while (c->inlen >= 4) {
			flen = frame_len(c->in);
			if (flen < PROTO_HDR_LEN || flen > PROTO_FRAME_MAX) {
				lerr(l, "%s: bad frame length %" PRIu32,
				    l->sock, flen);
				return -1;
			}
			if (c->inlen < 4 + (size_t)flen)
				break;
			t1 = bench_now_ns();
			if (!c->busy) {
				lerr(l, "%s: a reply nobody asked for",
				    l->sock);
				return -1;
			}
			if (l->reply(l, c, c->in, 4 + (size_t)flen) != 0)
				return -1;
			c->busy = 0;
			l->busy--;
			l->received++;
			if (t1 >= mstart && t1 < mend) {
				l->in_window++;
				if (c->t0 >= mstart &&
				    bench_lat_add(&l->lat, t1 - c->t0) != 0) {
					lerr(l, "out of memory");
					return -1;
				}
			}
			c->inlen -= 4 + (size_t)flen;
			memmove(c->in, c->in + 4 + flen, c->inlen);
			if (!stopping && load_issue(l, c) < 0)
				return -1;
		}
	}
}

int
load_run(struct load *l)
{
	struct epoll_event ev, evs[256];
	struct cconn *cs = NULL;
	int64_t t, tbegin, mstart, mend, wait_ns, next_scan = 0;
	int ep = -1, i, n, ret = -1, stopping = 0, started = 0;
	int ended = 0;

	l->lat.n = 0;
	l->busy = 0;
	l->sent = l->received = l->in_window = l->allow = l->deny = 0;
	l->err[0] = '\0';
	if ((cs = calloc((size_t)l->nconns, sizeof(*cs))) == NULL ||
	    (ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		lerr(l, "out of memory");
		goto out;
	}
	for (i = 0; i < l->nconns; i++)
		cs[i].fd = -1;
	for (i = 0; i < l->nconns; i++) {
		int r = sock_connect(l->sock, mono_ms() + 10000, &cs[i].fd);

		if (r != 0) {
			lerr(l, "%s: connect: %s", l->sock, authd_strerror(r));
			goto out;
		}
		ev.events = EPOLLIN;
		ev.data.ptr = &cs[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0) {
			lerr(l, "epoll_ctl: %s", strerror(errno));
			goto out;
		}
	}
	tbegin = bench_now_ns();
	if (l->window_ns > 0) {
		mstart = tbegin + l->warmup_ns;
		mend = mstart + l->window_ns;
	} else {
		mstart = tbegin;
		mend = INT64_MAX;
		cpu_take(&l->cpu0, l);
		started = 1;
	}
	for (i = 0; i < l->nconns; i++)
		if (load_issue(l, &cs[i]) < 0)
			goto out;
	for (;;) {
		t = bench_now_ns();
		if (!started && t >= mstart) {
			cpu_take(&l->cpu0, l);
			started = 1;
		}
		if (l->window_ns > 0 && t >= mend && !stopping) {
			cpu_take(&l->cpu1, l);
			ended = 1;
			stopping = 1;
		}
		if (l->busy == 0)
			break;
		/* A reply that does not come is a failure, checked seldom. */
		if (t >= next_scan) {
			for (i = 0; i < l->nconns; i++)
				if (cs[i].busy &&
				    t - cs[i].t0 > LOAD_REPLY_TIMEOUT_NS) {
					lerr(l, "%s: no reply within %d s",
					    l->sock, (int)(LOAD_REPLY_TIMEOUT_NS /
					    1000000000));
					goto out;
				}
			next_scan = t + 100000000;
		}
		wait_ns = 100000000;
		if (!started && mstart - t < wait_ns)
			wait_ns = mstart - t;
		else if (!stopping && l->window_ns > 0 && mend - t < wait_ns)
			wait_ns = mend - t;
		n = epoll_wait(ep, evs, 256, (int)((wait_ns + 999999) /
		    1000000));
		if (n < 0 && errno != EINTR) {
			lerr(l, "epoll_wait: %s", strerror(errno));
			goto out;
		}
		for (i = 0; i < n; i++)
			if (load_input(l, evs[i].data.ptr, stopping, mstart,
			    mend) != 0)
				goto out;
	}
	if (!ended) {
		cpu_take(&l->cpu1, l);
		if (l->window_ns == 0)
			mend = l->cpu1.t;
	}
	l->secs = (double)(l->window_ns > 0 ? l->window_ns : mend - mstart) /
	    1e9;
	ret = 0;
 out:
	if (cs != NULL)
		for (i = 0; i < l->nconns; i++)
			if (cs[i].fd >= 0)
				close(cs[i].fd);
	if (ep >= 0)
		close(ep);
	free(cs);
	return ret;
}

int
load_user(struct load *l, size_t *user)
{
	if (l->list != NULL) {
		if (l->listpos == l->nlist)
			return 0;
		*user = l->list[l->listpos++];
		return 1;
	}
	*user = (size_t)(rnd_next(&l->rnd) % l->nusers);
	return 1;
}

int
count_records(const char *db, const char *event, const char *service,
    long long *allow, long long *deny, long long *other)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	const char *dec;
	long long n;
	int rc, ret = -1;

	*allow = *deny = *other = 0;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(h, 10000);
	if (sqlite3_prepare_v2(h, "SELECT decision, count(*) FROM audit WHERE "
	    "event = ?1 AND (?2 IS NULL OR service = ?2) GROUP BY decision",
	    -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, event, -1, SQLITE_STATIC);
	if (service != NULL)
		sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		dec = (const char *)sqlite3_column_text(st, 0);
		n = sqlite3_column_int64(st, 1);
		if (dec != NULL && (strcmp(dec, "allow") == 0 ||
		    strcmp(dec, "ok") == 0))
			*allow += n;
		else if (dec != NULL && strcmp(dec, "deny") == 0)
			*deny += n;
		else
			*other += n;
	}
	if (rc == SQLITE_DONE)
		ret = 0;
 out:
	if (ret != 0)
		bench_warnx("%s: %s", db, h ? sqlite3_errmsg(h) :
		    "cannot open");
	sqlite3_finalize(st);
	sqlite3_close(h);
	return ret;
}

int
acc_add(struct acc *a, struct load *l)
{
	double p50, rate;

	/* The slice's own median and rate first. */
	bench_lat_sort(&l->lat);
	p50 = bench_pct_ms(l->lat.v, l->lat.n, 50);
	rate = l->secs > 0 ? (double)l->in_window / l->secs : 0;
	if (l->lat.n > 0 && (a->slices == 0 || p50 < a->best_p50))
		a->best_p50 = p50;
	if (rate > a->best_rate)
		a->best_rate = rate;
	a->slices++;

	if (bench_lat_cat(&a->lat, &l->lat) != 0) {
		bench_warnx("out of memory");
		return -1;
	}
	a->conns = l->nconns;
	a->n += l->in_window;
	a->received += l->received;
	a->allow += l->allow;
	a->deny += l->deny;
	a->secs += l->secs;
	a->server_cpu += l->cpu1.server - l->cpu0.server;
	a->server2_cpu += l->cpu1.server2 - l->cpu0.server2;
	a->self_cpu += l->cpu1.self - l->cpu0.self;
	a->machine_cpu += l->cpu1.machine - l->cpu0.machine;
	a->wall += (double)(l->cpu1.t - l->cpu0.t) / 1e9;
	return 0;
}

void
acc_done(struct acc *a, struct lres *r)
{
	memset(r, 0, sizeof(*r));
	bench_lat_sort(&a->lat);
	r->done = 1;
	r->conns = a->conns;
	r->n = a->n;
	r->received = a->received;
	r->allow = a->allow;
	r->deny = a->deny;
	r->secs = a->secs;
	r->rate = a->secs > 0 ? (double)a->n / a->secs : 0;
	r->p50 = bench_pct_ms(a->lat.v, a->lat.n, 50);
	r->p90 = bench_pct_ms(a->lat.v, a->lat.n, 90);
	r->p99 = bench_pct_ms(a->lat.v, a->lat.n, 99);
	r->max = bench_pct_ms(a->lat.v, a->lat.n, 100);
	r->slices = a->slices;
	r->best_p50 = a->best_p50;
	r->best_rate = a->best_rate;
	r->server_cpu = a->server_cpu;
	r->server2_cpu = a->server2_cpu;
	r->self_cpu = a->self_cpu;
	r->others_cpu = a->wall > 0 ? (a->machine_cpu - a->server_cpu -
	    a->server2_cpu - a->self_cpu) / a->wall : 0;
	if (r->others_cpu < 0)
		r->others_cpu = 0;
	r->audited = -1;
	free(a->lat.v);
	memset(a, 0, sizeof(*a));
}

int
lres_fill(struct lres *r, struct load *l)
{
	struct acc a;

	memset(&a, 0, sizeof(a));
	if (acc_add(&a, l) != 0)
		return -1;
	acc_done(&a, r);
	return 0;
}

double
us_per(const struct lres *r)
{
	return r->n ? r->server_cpu * 1e6 / (double)r->n : 0;
}

double
us_per2(const struct lres *r)
{
	return r->n ? r->server2_cpu * 1e6 / (double)r->n : 0;
}

int
audit_check(const char *db, const char *event, const char *service,
    struct lres *r)
{
	long long a, n, o;

	if (count_records(db, event, service, &a, &n, &o) != 0)
		return -1;
	r->audited = a + n + o;
	if (a != (long long)r->allow || n != (long long)r->deny || o != 0) {
		bench_warnx("%s %s: the clients got %" PRIu64 " allow and %"
		    PRIu64 " deny answers; the audit trail holds %lld allow, "
		    "%lld deny, %lld other records", event, service, r->allow,
		    r->deny, a, n, o);
		return -1;
	}
	return 0;
}

void
load_init(struct load *l, const char *sock, pid_t server, void *arg)
{
	uint64_t seed;

	free(l->lat.v);
	memset(l, 0, sizeof(*l));
	l->sock = sock;
	l->server = server;
	l->arg = arg;
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)bench_now_ns();
	l->rnd = seed | 1;
	l->next_reqid = (uint32_t)(seed >> 32);
}

int
phase_fail(const struct load *l, const char *what)
{
	bench_warnx("%s: %s", what, l->err[0] ? l->err : "failed");
	return -1;
}

void
json_lres(FILE *f, const char *name, const struct lres *r)
{
	fprintf(f, "\"%s\":{\"connections\":%d,\"per_s\":%.1f,\"p50_ms\":%.4f,"
	    "\"p90_ms\":%.4f,\"p99_ms\":%.4f,\"max_ms\":%.4f,\"in_window\":%" PRIu64 ","
	    "\"received\":%" PRIu64 ",\"allow\":%" PRIu64 ",\"deny\":%" PRIu64
	    ",\"seconds\":%.3f,\"slices\":%d,\"best_slice_p50_ms\":%.4f,"
	    "\"best_slice_per_s\":%.1f,\"server_cpu_s\":%.3f,"
	    "\"server_cpu_us_per\":"
	    "%.1f,\"client_cpu_s\":%.3f,\"other_cpus\":%.3f,\"audited\":%lld}",
	    name, r->conns, r->rate, r->p50, r->p90, r->p99, r->max, r->n, r->received,
	    r->allow, r->deny, r->secs, r->slices, r->best_p50, r->best_rate,
	    r->server_cpu, us_per(r), r->self_cpu,
	    r->others_cpu, r->audited);
}
