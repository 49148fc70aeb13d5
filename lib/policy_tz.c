/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time zones for policy windows.  glibc reads a zone's rules only through
 * the process-wide TZ; so, once per zone and policy load, authd sets TZ
 * for a moment (under log_tz_lock, which syslog(3) also takes), samples
 * the UTC offset and records every change between 1970 and 2100.  A
 * decision then costs a binary search, with no global state touched.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policy_int.h"
#include "util.h"

#define TZ_FIRST	INT64_C(0)		/* 1970-01-01 */
#define TZ_LAST		INT64_C(4102444800)	/* 2100-01-01 */
/*
 * Changes are months apart: sampling once a day finds every one of them
 * (to the second, by bisection) at a quarter of the cost of every six
 * hours, which made a policy reload take 0.1 s per zone.
 */
#define TZ_STEP		INT64_C(86400)
#define TZ_CHANGES_MAX	1024

/* A zone name as in the tz database: no "..", no leading '/'. */
static int
zone_name_ok(const char *n)
{
	size_t i, len = strlen(n);

	if (len == 0 || len > 64 || n[0] == '/' || n[0] == '.' ||
	    strstr(n, "..") != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' &&
		    n[i] <= 'Z') || (n[i] >= '0' && n[i] <= '9') ||
		    strchr("/_+-", n[i]) != NULL))
			return 0;
	return 1;
}

/*
 * A regular file in TZif format.  The zoneinfo directory also holds
 * tables (leapseconds, zone.tab) that glibc would take as UTC.
 */
static int
zone_file_ok(const char *path)
{
	struct stat st;
	char magic[4];
	int fd, ok;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return 0;
	ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
	    memcmp(magic, "TZif", sizeof(magic)) == 0;
	close(fd);
	return ok;
}

static int32_t
offset_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

int
pol_zone_build(const char *name, struct pol_zone *z, char *why)
{
	char path[128], spec[80], *old = NULL;
	const char *cur;
	int64_t t, lo, hi, mid;
	int32_t prev, off;
	int r = -1;

	memset(z, 0, sizeof(*z));
	if (!zone_name_ok(name)) {
		snprintf(why, 128, "invalid time zone name \"%s\"",
		    str_sanitize(name, strlen(name), spec, 64));
		return -1;
	}
	/*
	 * glibc falls back to UTC for a zone it cannot find; a policy must
	 * not silently run on the wrong clock.
	 */
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if (!zone_file_ok(path)) {
		snprintf(why, 128, "unknown time zone \"%s\"", name);
		return -1;
	}
	if ((z->name = strdup(name)) == NULL ||
	    (z->start = calloc(TZ_CHANGES_MAX, sizeof(*z->start))) == NULL ||
	    (z->offset = calloc(TZ_CHANGES_MAX, sizeof(*z->offset))) ==
	    NULL) {
		snprintf(why, 128, "out of memory");
		goto out;
	}
	snprintf(spec, sizeof(spec), ":%s", name);

	log_tz_lock();
	if ((cur = getenv("TZ")) != NULL && (old = strdup(cur)) == NULL) {
		log_tz_unlock();
		snprintf(why, 128, "out of memory");
		goto out;
	}
	setenv("TZ", spec, 1);
	tzset();
	prev = offset_at(TZ_FIRST);
	z->start[0] = INT64_MIN;
	z->offset[0] = prev;
	z->n = 1;
	for (t = TZ_FIRST + TZ_STEP; t <= TZ_LAST; t += TZ_STEP) {
		if ((off = offset_at(t)) == prev)
			continue;
		/* The change lies in (t - TZ_STEP, t]: find its second. */
		lo = t - TZ_STEP;
		hi = t;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (offset_at(mid) == prev)
				lo = mid;
			else
				hi = mid;
		}
		if (z->n == TZ_CHANGES_MAX)
			break;
		z->start[z->n] = hi;
		z->offset[z->n] = off;
		z->n++;
		prev = off;
	}
	if (old != NULL)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	log_tz_unlock();
	r = 0;
 out:
	free(old);
	if (r != 0) {
		free(z->name);
		free(z->start);
		free(z->offset);
		memset(z, 0, sizeof(*z));
	}
	return r;
}

int32_t
pol_zone_offset(const struct pol_zone *z, int64_t t)
{
	size_t lo = 0, hi = z->n, mid;

	/* The last i with start[i] <= t; start[0] is INT64_MIN. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (z->start[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->offset[lo];
}
