/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who is on the other end of a socket: the peer's credentials against
 * the socket's role, and how often a refused peer is written down.
 */
#include <sys/socket.h>

#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "authd.h"
#include "util.h"

#define GROUPS_MAX	256

/*
 * Returns 1 if the peer on `fd` runs as root or has `gid` among its
 * groups.  The groups are those of the connecting process itself
 * (SO_PEERGROUPS), as a file permission check would see them; where the
 * kernel cannot tell, the user's groups from the group database count.
 */
static int
peer_in_group(int fd, const struct ucred *peer, int have_gid, gid_t gid)
{
	struct passwd pw, *pwp = NULL;
	gid_t groups[GROUPS_MAX];
	socklen_t sl = sizeof(groups);
	char pwbuf[4096];
	int n, i;

	if (peer->uid == 0)
		return 1;
	if (!have_gid)
		return 0;
	if (peer->gid == gid)
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &sl) == 0) {
		n = (int)(sl / sizeof(gid_t));
	} else {
		if (getpwuid_r(peer->uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 ||
		    pwp == NULL)
			return 0;
		n = GROUPS_MAX;
		/* More groups than we look at: refused, not guessed. */
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
			return 0;
	}
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* Whether a peer with credentials `peer` may use this socket. */
int
peer_in_role(struct authd *ad, int fd, int admin, const struct ucred *peer)
{
	/* The review socket serves anyone; each request says who may act. */
	if (admin == SOCK_REVIEW)
		return 1;
	/* OpenSSL verified the host; the policy says what it may ask. */
	if (admin == SOCK_TLS)
		return 1;
	/*
	 * SECURITY NOTE: the web socket serves authd-web's user alone (not
	 * even root): what it forwards is a person's proof, and nobody else
	 * may speak for a browser.
	 */
	if (admin == SOCK_WEB)
		return ad->have_web_uid && peer->uid == ad->web_uid;
	return admin == SOCK_ADMIN ? peer_in_group(fd, peer,
	    ad->have_admin_gid, ad->admin_gid) : peer_in_group(fd, peer,
	    ad->have_client_gid, ad->client_gid);
}

const char *
peer_sock_name(int kind)
{
	return kind == SOCK_ADMIN ? "admin" : kind == SOCK_REVIEW ? "review" :
	    kind == SOCK_TLS ? "tls" : kind == SOCK_WEB ? "web" : "pam";
}

int
peer_is_admin(struct authd *ad, int fd, const struct ucred *peer)
{
	return peer_in_group(fd, peer, ad->have_admin_gid, ad->admin_gid);
}

int
peer_allowed(struct authd *ad, int fd, int admin, struct ucred *peer)
{
	socklen_t sl = sizeof(*peer);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, peer, &sl) != 0) {
		/* Unknown: nobody, refused. */
		peer->pid = 0;
		peer->uid = (uid_t)-1;
		peer->gid = (gid_t)-1;
		return 0;
	}
	return peer_in_role(ad, fd, admin, peer);
}

/*
 * Refusals are audited at most once a minute per uid, socket and cause,
 * with the number held back since: a local user knocking in a loop must
 * not be able to fill the disk or keep the writer busy.
 */
#define REFUSE_SLOTS		128
#define REFUSE_INTERVAL_MS	60000

static struct {
	uid_t		uid;
	int		admin;
	int		why;
	int		used;
	int64_t		last_ms;
	unsigned long	held;
} refusals[REFUSE_SLOTS];
static pthread_mutex_t refuse_mtx = PTHREAD_MUTEX_INITIALIZER;

int
peer_refusal_due(uid_t uid, int admin, int why, unsigned long *held)
{
	int64_t now = mono_ms();
	int i, slot = 0, due;

	pthread_mutex_lock(&refuse_mtx);
	for (i = 0; i < REFUSE_SLOTS; i++) {
		if (refusals[i].used && refusals[i].uid == uid &&
		    refusals[i].admin == admin && refusals[i].why == why) {
			slot = i;
			break;
		}
		if (!refusals[i].used || refusals[i].last_ms <
		    refusals[slot].last_ms)
			slot = i;
	}
	if (i == REFUSE_SLOTS) {	/* new (or evicted) slot */
		refusals[slot].used = 1;
		refusals[slot].uid = uid;
		refusals[slot].admin = admin;
		refusals[slot].why = why;
		refusals[slot].last_ms = now - REFUSE_INTERVAL_MS;
		refusals[slot].held = 0;
	}
	due = now - refusals[slot].last_ms >= REFUSE_INTERVAL_MS;
	*held = refusals[slot].held;
	if (due) {
		refusals[slot].last_ms = now;
		refusals[slot].held = 0;
	} else
		refusals[slot].held++;
	pthread_mutex_unlock(&refuse_mtx);
	return due;
}
