/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The policy in force.
 *
 * A loaded policy never changes.  Reload builds a new one beside it and
 * swaps a pointer; requests that hold the old one finish with it, and the
 * last to let go frees it.  A policy with any error is never swapped in.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authd.h"
#include "authd_err.h"
#include "log.h"
#include "tls.h"
#include "writer.h"

struct polref {
	struct policy	*p;
	unsigned long	 refs;
};

static pthread_mutex_t reload_mtx = PTHREAD_MUTEX_INITIALIZER;

int
pol_load(struct authd *ad)
{
	char err[POL_ERR_MAX];
	struct policy *p;

	pthread_mutex_init(&ad->pol_mtx, NULL);
	if (policy_load_dir(ad->cfg->policy_dir, &p, err) != 0) {
		log_err("policy: %s", err);
		return AUTHD_ERR_CONFIG;
	}
	if ((ad->pol = calloc(1, sizeof(*ad->pol))) == NULL) {
		policy_free(p);
		return AUTHD_ERR_NOMEM;
	}
	ad->pol->p = p;
	ad->pol->refs = 1;	/* the daemon's own */
	log_notice("policy %s loaded from %s: %zu systems", policy_version(p),
	    ad->cfg->policy_dir, policy_nsystems(p));
	return 0;
}

const struct policy *
pol_hold(struct authd *ad, struct polref **ref)
{
	pthread_mutex_lock(&ad->pol_mtx);
	*ref = ad->pol;
	(*ref)->refs++;
	pthread_mutex_unlock(&ad->pol_mtx);
	return (*ref)->p;
}

void
pol_release(struct authd *ad, struct polref *ref)
{
	int last;

	if (ref == NULL)
		return;
	pthread_mutex_lock(&ad->pol_mtx);
	last = --ref->refs == 0;
	pthread_mutex_unlock(&ad->pol_mtx);
	if (last) {
		policy_free(ref->p);
		free(ref);
	}
}

void
pol_version(struct authd *ad, char out[17])
{
	out[0] = '\0';
	if (ad->pol == NULL)
		return;
	pthread_mutex_lock(&ad->pol_mtx);
	snprintf(out, 17, "%s", policy_version(ad->pol->p));
	pthread_mutex_unlock(&ad->pol_mtx);
}

void
pol_done(struct authd *ad)
{
	if (ad->pol == NULL)
		return;
	pol_release(ad, ad->pol);
	ad->pol = NULL;
	pthread_mutex_destroy(&ad->pol_mtx);
}

struct reload_rec {
	struct req	*rq;
	const char	*detail;
	int		 ok;
};

static int
reload_job(struct wtx *tx, void *arg)
{
	struct reload_rec *r = arg;

	return req_audit(tx, r->rq, "policy-reload", r->ok ? "ok" : "error",
	    r->ok ? RSN_OK : RSN_POLICY_ERROR, r->detail, NULL);
}

int
pol_reload(struct authd *ad, const char *by, char *errout, size_t errsz)
{
	char err[POL_ERR_MAX], detail[POL_ERR_MAX + 320], crl[256] = "";
	struct policy *p = NULL;
	struct polref *nref = NULL, *old;
	struct worker w;
	struct req rq;
	struct reload_rec rec;
	int r, rc = 0, depth_changed = 0;
	size_t dl;

	pthread_mutex_lock(&reload_mtx);
	r = policy_load_dir(ad->cfg->policy_dir, &p, err);
	if (r == 0 && (nref = calloc(1, sizeof(*nref))) == NULL) {
		policy_free(p);
		snprintf(err, sizeof(err), "out of memory");
		r = AUTHD_ERR_NOMEM;
	}
	if (r == 0) {
		nref->p = p;
		nref->refs = 1;
		pthread_mutex_lock(&ad->pol_mtx);
		old = ad->pol;
		depth_changed = policy_nesting_depth(old->p) !=
		    policy_nesting_depth(p);
		ad->pol = nref;
		pthread_mutex_unlock(&ad->pol_mtx);
		snprintf(detail, sizeof(detail), "version %s (was %s), %zu "
		    "systems", policy_version(p), policy_version(old->p),
		    policy_nsystems(p));
		log_notice("policy reloaded (%s): %s", by, detail);
		pol_release(ad, old);
		/* Cached groups were walked to the old depth. */
		if (depth_changed)
			dircache_flush(ad->dc);
	} else {
		snprintf(detail, sizeof(detail), "%s", err);
		log_err("policy reload (%s) rejected, the policy in force "
		    "stays: %s", by, err);
		if (errout != NULL)
			snprintf(errout, errsz, "%s", err);
	}

	/*
	 * The CRL is read again with the policy, whether or not the policy
	 * was accepted: revoking a host must not wait for a good policy.
	 */
	if (ad->tls != NULL) {
		rc = tls_reload_crl(ad->tls, crl, sizeof(crl));
		dl = strlen(detail);
		if (*crl != '\0')
			snprintf(detail + dl, sizeof(detail) - dl, "; %s", crl);
		if (rc != 0 && r == 0 && errout != NULL)
			snprintf(errout, errsz, "the policy was reloaded, but "
			    "%s: the CRL in force stays", crl);
	}

	/* The reload is a change of rules: it goes on the record. */
	memset(&w, 0, sizeof(w));
	memset(&rq, 0, sizeof(rq));
	w.ad = ad;
	rq.w = &w;
	snprintf(rq.actor, sizeof(rq.actor), "%s", by);
	pol_version(ad, rq.policy_version);
	rec.rq = &rq;
	rec.detail = detail;
	rec.ok = r == 0 && rc == 0;
	if (writer_run(ad->writer, reload_job, &rec) != 0)
		log_err("policy reload: audit write failed");
	pthread_mutex_unlock(&reload_mtx);
	return r == 0 && rc == 0 ? 0 : AUTHD_ERR_CONFIG;
}
