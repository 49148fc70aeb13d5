/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the policy language (lib/policy.c), the decision engine
 * (lib/policy_eval.c) and the time zone tables (lib/policy_tz.c).  No
 * directory server is involved: users are built by hand the way authd
 * builds them from LDAP (normalised group DNs sorted with strcmp, parent[]
 * pointing along the nesting, the hash index of policy_groups_hash), and
 * decisions are also made without the hash index and compared.
 *
 *	test_policy FIXTURE-DIR
 *
 * FIXTURE-DIR (tests/fixtures/policy-errors) holds one policy per parser
 * error.  Each starts with "# expect: LINE: MESSAGE"; loaded by its name
 * NAME, from a file and from memory, it must fail with AUTHD_ERR_CONFIG
 * and exactly "NAME:LINE: MESSAGE".  Files are written under $TMPDIR (or
 * /tmp) in a private directory that is removed at the end.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authd_err.h"
#include "check.h"
#include "policy_int.h"
#include "reason.h"

/* Normalised group DNs (policy_dn_norm of themselves). */
#define DN(cn)		"cn=" cn ",ou=grupper,dc=exempel,dc=se"
#define G_ATTEST	DN("ekonomi-attest")
#define G_HANDL		DN("ekonomi-handl")
#define G_EXTRA		DN("ekonomi-extra")
#define G_AVD		DN("avd-ekonomi")
#define G_TEAM		DN("team-a")
#define G_AVSLUTADE	DN("avslutade")
#define G_KONSULTER	DN("konsulter")
#define G_HR		DN("hr")
#define G_SOC		DN("soc")
#define G_OP		DN("drift-op")
#define G_JOUR		DN("drift-jour")
#define G_V6		DN("v6")

#define PATHSZ		512		/* paths under tmpdir */
static char tmpdir[256];
static char made[64][PATHSZ];		/* files to remove at the end */
static int nmade;
static char dirs[4][PATHSZ];		/* and directories */
static int ndirs;

/* ---- helpers ---- */

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

/* Loads `text` as "t.policy"; NULL (and a failed check) on error. */
static struct policy *
load_ok(const char *text, int line)
{
	struct policy *p = NULL;
	char err[POL_ERR_MAX];
	int r;

	r = policy_load_text("t.policy", text, strlen(text), &p, err);
	if (r != 0) {
		fprintf(stderr, "%s:%d: policy did not load: %s\n", __FILE__,
		    line, err);
		CHECK_OK(r);
	}
	return p;
}
#define LOAD_OK(text)	load_ok((text), __LINE__)

/* Loading `len` bytes of `text` as "t.policy" fails with `want`. */
static void
load_err_n(const char *text, size_t len, const char *want, int line)
{
	struct policy *p = (struct policy *)&p;	/* must become NULL */
	char err[POL_ERR_MAX];
	int r;

	memset(err, 'x', sizeof(err));
	r = policy_load_text("t.policy", text, len, &p, err);
	if (r != AUTHD_ERR_CONFIG || p != NULL || strcmp(err, want) != 0)
		fprintf(stderr, "%s:%d: load error\n", __FILE__, line);
	CHECK_ERR(r, AUTHD_ERR_CONFIG);
	CHECK(p == NULL);
	CHECK_STR_EQ(err, want);
	policy_free(p == (struct policy *)&p ? NULL : p);
}
#define LOAD_ERR_N(text, len, want)	load_err_n((text), (len), (want), \
	__LINE__)
#define LOAD_ERR(text, want)	LOAD_ERR_N((text), strlen(text), (want))

/* A directory under tmpdir, removed at the end; its path in `out`. */
static void
make_dir(const char *name, char *out, size_t outsz)
{
	snprintf(out, outsz, "%s/%s", tmpdir, name);
	if (mkdir(out, 0700) != 0) {
		perror(out);
		exit(1);
	}
	if (ndirs < (int)(sizeof(dirs) / sizeof(dirs[0])))
		snprintf(dirs[ndirs++], sizeof(dirs[0]), "%s", out);
}

/* Writes `name` (relative to tmpdir). */
static void
write_file(const char *name, const char *text, size_t len)
{
	char path[PATHSZ];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || write(fd, text, len) != (ssize_t)len ||
	    close(fd) != 0) {
		perror(path);
		exit(1);
	}
	if (nmade < (int)(sizeof(made) / sizeof(made[0])))
		snprintf(made[nmade++], sizeof(made[0]), "%s", path);
}

static const struct pol_system *
sys_named(const struct policy *p, const char *name)
{
	const struct pol_system *s = policy_system_by_name(p, name);

	CHECK(s != NULL);
	return s;
}

/*
 * A user built by hand.  `pairs` is "DN, VIA, DN, VIA, ..., NULL": VIA is
 * the group through which DN was reached (NULL: a direct group).  Its
 * groups are hashed as authd's directory cache hashes them; `plain` is
 * the same user without the hashes, which the engine must answer alike.
 */
struct tuser {
	struct pol_user	 u;
	struct pol_user	 plain;
	const char	*g[16];
	int		 par[16];
	uint64_t	 gh[16];
	uint32_t	 go[16];
};

static void
user_init(struct tuser *t, const char *name, const char *const *pairs)
{
	const char *via[16], *tg, *tv;
	size_t i, j, n;

	memset(t, 0, sizeof(*t));
	for (n = 0; pairs[2 * n] != NULL && n < 16; n++) {
		t->g[n] = pairs[2 * n];
		via[n] = pairs[2 * n + 1];
	}
	/* Sorted with strcmp, as authd sorts them. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(t->g[j - 1], t->g[j]) > 0; j--) {
			tg = t->g[j];
			t->g[j] = t->g[j - 1];
			t->g[j - 1] = tg;
			tv = via[j];
			via[j] = via[j - 1];
			via[j - 1] = tv;
		}
	for (i = 0; i < n; i++) {
		t->par[i] = -1;
		for (j = 0; via[i] != NULL && j < n; j++)
			if (strcmp(t->g[j], via[i]) == 0)
				t->par[i] = (int)j;
	}
	t->u.name = name;
	t->u.dn = "uid=x,ou=personer,dc=exempel,dc=se";
	t->u.groups = t->g;
	t->u.parent = t->par;
	t->u.ngroups = n;
	t->plain = t->u;
	policy_groups_hash(t->g, n, t->gh, t->go);
	t->u.ghash = t->gh;
	t->u.gorder = t->go;
}
#define USER(t, name, ...)	user_init((t), (name), \
	(const char *const[]){ __VA_ARGS__, NULL })

static void
decide(const struct policy *p, const char *system, const char *service,
    const struct tuser *u, const char *source, time_t at,
    struct pol_decision *d)
{
	struct pol_decision d2;
	struct pol_query q;

	memset(&q, 0, sizeof(q));
	q.system = system;
	q.service = service;
	q.source = source;
	q.at = at;
	q.user = &u->u;
	policy_decide(p, &q, d, NULL, NULL);
	/* Hashed groups or not: the same bytes. */
	q.user = &u->plain;
	policy_decide(p, &q, &d2, NULL, NULL);
	CHECK_MEM_EQ(d, &d2, sizeof(d2));
}

/* ---- the parser ---- */

/*
 * Every fixture in `dir` fails with its "# expect:" message.  Each is
 * copied into a private directory (mode 0600: the loader refuses policy
 * files that group or others may write, and a checkout may be 0664) and
 * loaded from there by its bare name: the messages cite the file as it
 * was given, also in "(first at FILE:LINE)".
 */
static void
test_error_fixtures(const char *dir)
{
	struct dirent **ents = NULL;
	struct policy *p, *p2;
	char want[POL_ERR_MAX + NAME_MAX], err[POL_ERR_MAX];
	char err2[POL_ERR_MAX], fx[PATHSZ], *text, *nl, *name;
	const char *pp[1];
	ssize_t got;
	size_t len;
	int i, n, nfix = 0, here, dfd, fd;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		perror(dir);
		CHECK(0);
		return;
	}
	make_dir("fx", fx, sizeof(fx));
	if ((here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    chdir(fx) != 0 || (text = malloc(POL_FILE_MAX + 1)) == NULL) {
		perror(fx);
		abort();
	}
	for (i = 0; i < n; i++) {
		name = ents[i]->d_name;
		len = strlen(name);
		if (len < 8 || strcmp(name + len - 7, ".policy") != 0)
			continue;
		if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) < 0 ||
		    (got = read(fd, text, POL_FILE_MAX)) < 0) {
			perror(name);
			abort();
		}
		close(fd);
		len = (size_t)got;
		text[len] = '\0';
		nfix++;
		if ((fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0600)) < 0 || write(fd, text, len) != (ssize_t)len ||
		    close(fd) != 0) {
			perror(name);
			abort();
		}
		/* The first line: "# expect: LINE: MESSAGE". */
		if (strncmp(text, "# expect: ", 10) != 0 ||
		    (nl = strchr(text, '\n')) == NULL) {
			fprintf(stderr, "%s: no \"# expect:\" line\n", name);
			CHECK(0);
			(void)unlink(name);
			continue;
		}
		snprintf(want, sizeof(want), "%s:%.*s", name,
		    (int)(nl - text - 10), text + 10);
		pp[0] = name;
		p = (struct policy *)&p;
		memset(err, 'x', sizeof(err));
		CHECK_ERR(policy_load_files(pp, 1, &p, err), AUTHD_ERR_CONFIG);
		CHECK(p == NULL);
		CHECK_STR_EQ(err, want);
		if (p != (struct policy *)&p)
			policy_free(p);
		/* The same text from memory gives the same message. */
		p2 = (struct policy *)&p2;
		CHECK_ERR(policy_load_text(name, text, len, &p2, err2),
		    AUTHD_ERR_CONFIG);
		CHECK(p2 == NULL);
		CHECK_STR_EQ(err2, want);
		if (p2 != (struct policy *)&p2)
			policy_free(p2);
		(void)unlink(name);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	free(text);
	close(dfd);
	if (fchdir(here) != 0)
		abort();
	close(here);
	/* A missing or emptied fixture directory must not pass. */
	CHECK(nfix >= 100);
}

/* Errors that a fixture file cannot carry well, and boundaries. */
static void
test_parse_limits(void)
{
	static const char nul[] = "# a\nsettings {\n\tmfa-threshold\0 2\n}\n";
	struct policy *p;
	char *big, line[2048];
	const char *days;
	size_t i, o;

	/* NUL byte, reported at its line. */
	LOAD_ERR_N(nul, sizeof(nul) - 1, "t.policy:3: NUL byte in line");
	LOAD_ERR_N("\0", 1, "t.policy:1: NUL byte in line");

	/*
	 * A last line ending in a carriage return but no newline: once made
	 * the parser loop for ever (regression).
	 */
	alarm(30);
	p = LOAD_OK("# comment\r");
	policy_free(p);
	p = LOAD_OK("settings {\r\n\tnesting-depth 3\r\n}\r");
	CHECK(p != NULL && policy_nesting_depth(p) == 3);
	policy_free(p);
	alarm(0);

	/* Empty text: a policy with no system. */
	p = (struct policy *)&p;
	CHECK_OK(policy_load_text("t.policy", "", 0, &p, line));
	CHECK(p != NULL && policy_nsystems(p) == 0);
	CHECK(p != NULL && policy_mfa_threshold(p) == 2);
	CHECK(p != NULL && policy_nesting_depth(p) == 5);
	policy_free(p);

	/* A line of exactly POL_LINE_MAX bytes, with CRLF; one more byte. */
	memset(line, 0, sizeof(line));
	line[0] = '#';
	memset(line + 1, 'x', POL_LINE_MAX - 1);
	strcat(line, "\r\n");
	p = LOAD_OK(line);
	policy_free(p);
	line[POL_LINE_MAX] = 'x';
	line[POL_LINE_MAX + 1] = '\n';
	line[POL_LINE_MAX + 2] = '\0';
	LOAD_ERR(line, "t.policy:1: line longer than 1024 bytes");

	/* 256 words on a line of 1,024 bytes load; 257 words do not. */
	o = (size_t)snprintf(line, sizeof(line), "window w {\nzone UTC\ndays");
	for (i = 0; i < 255; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " %s",
		    i % 2 ? "sat" : "mon");
	snprintf(line + o, sizeof(line) - o, "\n}\n");
	days = strstr(line, "days");
	CHECK_INT_EQ(strchr(days, '\n') - days, POL_LINE_MAX);
	p = LOAD_OK(line);
	policy_free(p);
	o = (size_t)snprintf(line, sizeof(line), "deny d {\nuser");
	for (i = 0; i < 256; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, " u");
	snprintf(line + o, sizeof(line) - o, "\n}\n");
	LOAD_ERR(line, "t.policy:2: too many words on one line (at most "
	    "256)");

	/* Counts: one past each limit. */
	if ((big = malloc(POL_FILE_MAX + 2)) == NULL)
		abort();
	o = (size_t)snprintf(big, 64, "deny d {\n");
	for (i = 0; i <= POL_WHO_MAX; i++)
		o += (size_t)sprintf(big + o, "user u%zu\n", i);
	sprintf(big + o, "}\n");
	LOAD_ERR(big, "t.policy:130: too many users (at most 128)");

	o = (size_t)sprintf(big, "system s {\nowner o\nconfidentiality 0\n"
	    "integrity 0\navailability 0\n");
	for (i = 0; i <= POL_ROLES_MAX; i++)
		o += (size_t)sprintf(big + o,
		    "role r%zu {\ngroup cn=g,dc=x\n}\n", i);
	sprintf(big + o, "}\n");
	LOAD_ERR(big, "t.policy:198: too many roles (at most 64)");

	o = (size_t)sprintf(big, "system s {\nowner o\nconfidentiality 0\n"
	    "integrity 0\navailability 0\nrole r {\n");
	for (i = 0; i <= POL_GROUPS_MAX; i++)
		o += (size_t)sprintf(big + o, "group cn=g%zu,dc=x\n", i);
	sprintf(big + o, "}\n}\n");
	LOAD_ERR(big, "t.policy:71: too many groups (at most 64)");

	o = 0;
	for (i = 0; i <= POL_NETWORKS_MAX; i++)
		o += (size_t)sprintf(big + o, "network n%zu {\naddress "
		    "10.0.0.0/8\n}\n", i);
	LOAD_ERR(big, "t.policy:769: too many networks (at most 256)");

	o = 0;
	for (i = 0; i <= POL_WINDOWS_MAX; i++)
		o += (size_t)sprintf(big + o, "window w%zu {\nzone UTC\n}\n",
		    i);
	LOAD_ERR(big, "t.policy:769: too many windows (at most 256)");

	o = 0;
	for (i = 0; i <= POL_DENY_MAX; i++)
		o += (size_t)sprintf(big + o, "deny d%zu {\nuser u\n}\n", i);
	LOAD_ERR(big, "t.policy:769: too many deny rules (at most 256)");

	o = (size_t)sprintf(big, "network n {\n");
	for (i = 0; i <= POL_RANGES_MAX; i++)
		o += (size_t)sprintf(big + o, "address 10.%zu.%zu.0/24\n",
		    i / 256, i % 256);
	sprintf(big + o, "}\n");
	LOAD_ERR(big, "t.policy:1026: too many address ranges (at most "
	    "1024)");

	/* POL_SYSTEMS_MAX systems, each with 8 services, load quickly. */
	o = 0;
	for (i = 0; i < POL_SYSTEMS_MAX; i++) {
		o += (size_t)sprintf(big + o, "system s%zu {\nservices", i);
		for (size_t k = 0; k < 8; k++)
			o += (size_t)sprintf(big + o, " v%zu-%zu", i, k);
		o += (size_t)sprintf(big + o, "\nowner o\nconfidentiality 0\n"
		    "integrity 0\navailability 0\nrole r {\ngroup cn=g,dc=x\n"
		    "}\n}\n");
	}
	CHECK(o <= POL_FILE_MAX);
	p = LOAD_OK(big);
	CHECK(p != NULL && policy_nsystems(p) == POL_SYSTEMS_MAX);
	CHECK(p != NULL && policy_system_resolve(p, NULL, "v4095-7") ==
	    policy_system_at(p, 4095));
	policy_free(p);
	sprintf(big + o, "system one-more {\nowner o\nconfidentiality 0\n"
	    "integrity 0\navailability 0\nrole r {\ngroup cn=g,dc=x\n}\n}\n");
	LOAD_ERR(big, "t.policy:40961: too many systems (at most 4096)");

	/* Larger than a policy file may be; and exactly as large. */
	for (i = 0; i <= POL_FILE_MAX; i++)
		big[i] = i % 64 == 63 ? '\n' : '#';
	LOAD_ERR_N(big, POL_FILE_MAX + 1, "t.policy: larger than 1048576 "
	    "bytes");
	p = (struct policy *)&p;
	CHECK_OK(policy_load_text("t.policy", big, POL_FILE_MAX, &p, line));
	policy_free(p);
	free(big);

	/* Quoting: \" and \\ inside quotes, # inside quotes. */
	p = LOAD_OK("system s {\n\tdescription \"a \\\"b\\\" \\\\ # c\" # d\n"
	    "\towner o\n\tconfidentiality 0\n\tintegrity 0\n"
	    "\tavailability 0\n\trole r {\n\t\tgroup \"cn=g,dc=x\"\n\t}\n}\n");
	if (p != NULL)
		CHECK_STR_EQ(policy_system_at(p, 0)->description,
		    "a \"b\" \\ # c");
	policy_free(p);

	/* More files than a policy may have: nothing is read. */
	{
		const char *many[POL_FILES_MAX + 1];

		for (i = 0; i <= POL_FILES_MAX; i++)
			many[i] = "does-not-exist.policy";
		p = (struct policy *)&p;
		CHECK_ERR(policy_load_files(many, POL_FILES_MAX + 1, &p, line),
		    AUTHD_ERR_CONFIG);
		CHECK(p == NULL);
		CHECK_STR_EQ(line, "more than 256 policy files");
	}
}

/* What a good policy holds once loaded. */
static const char good_policy[] =
    "# The pilot: three systems and a little of everything.\n"
    "settings {\n"
    "\tmfa-threshold 3\n"
    "\tnesting-depth 4\n"
    "}\n"
    "\n"
    "network stadsnat {\n"
    "\taddress 10.20.0.0/16 2001:db8:20::/48 local\n"
    "\texcept 10.20.99.0/24\t# guest Wi-Fi\n"
    "}\n"
    "\n"
    "network v6only {\n"
    "\taddress 2001:db8:99::/48\n"
    "}\n"
    "\n"
    "window kontorstid {\n"
    "\tzone Europe/Stockholm\n"
    "\tdays mon-fri\n"
    "\thours 07:00-18:00\n"
    "}\n"
    "\n"
    "window natt {\n"
    "\tzone Europe/Stockholm\n"
    "\tdays mon-fri\n"
    "\thours 22:00-06:00\n"
    "}\n"
    "\n"
    "window sent {\n"
    "\tzone Europe/Stockholm\n"
    "\thours 18:00-24:00\n"
    "}\n"
    "\n"
    "window sondag {\n"
    "\tzone Europe/Stockholm\n"
    "\tdays sun\n"
    "}\n"
    "\n"
    "deny avslutade {\n"
    "\tgroup \"CN=Avslutade, OU=grupper, DC=exempel, DC=se\"\n"
    "}\n"
    "\n"
    "deny sparrad {\n"
    "\tuser mallory\n"
    "}\n"
    "\n"
    "system ekonomi {\n"
    "\tdescription \"Ekonomisystem (leverant\xc3\xb6rsfakturor, attest)\"\n"
    "\tservices ekonomi sshd-ekonomi\n"
    "\towner anna\n"
    "\tconfidentiality 2\n"
    "\tintegrity 3\n"
    "\tavailability 2\n"
    "\tmfa classified\n"
    "\tpassword yes\n"
    "\tfrom stadsnat\n"
    "\n"
    "\trole attestant {\n"
    "\t\tgroup \"cn=ekonomi-attest,ou=grupper,dc=exempel,dc=se\"\n"
    "\t\twhen kontorstid\n"
    "\t}\n"
    "\trole handlaggare {\n"
    "\t\tdescription \"Handl\xc3\xa4ggare\"\n"
    "\t\tgroup \"cn=ekonomi-handl,ou=grupper,dc=exempel,dc=se\"\n"
    "\t\tgroup \"cn=ekonomi-extra,ou=grupper,dc=exempel,dc=se\"\n"
    "\t}\n"
    "\tdeny konsulter-natt {\n"
    "\t\tgroup \"cn=konsulter,ou=grupper,dc=exempel,dc=se\"\n"
    "\t\twhen natt\n"
    "\t}\n"
    "\tdeny extern {\n"
    "\t\tfrom 192.0.2.0/24\n"
    "\t}\n"
    "}\n"
    "\n"
    "system hr {\n"
    "\tservices hr-app\n"
    "\towner bertil\n"
    "\tconfidentiality 1\n"
    "\tintegrity 1\n"
    "\tavailability 1\n"
    "\trole lon {\n"
    "\t\tgroup \"cn=hr,ou=grupper,dc=exempel,dc=se\"\n"
    "\t}\n"
    "}\n"
    "\n"
    "system soc {\n"
    "\towner cecilia\n"
    "\tconfidentiality 4\n"
    "\tintegrity 2\n"
    "\tavailability 0\n"
    "\tmfa optional\n"
    "\trole handl {\n"
    "\t\tgroup \"cn=soc,ou=grupper,dc=exempel,dc=se\"\n"
    "\t\tfrom 10.30.0.0/16 local\n"
    "\t}\n"
    "}\n"
    "\n"
    "system drift {\n"
    "\towner dan\n"
    "\tconfidentiality 0\n"
    "\tintegrity 0\n"
    "\tavailability 3\n"
    "\tmfa required\n"
    "\tfrom stadsnat\n"
    "\twhen kontorstid sent\n"
    "\trole jour {\n"
    "\t\tgroup \"cn=drift-jour,ou=grupper,dc=exempel,dc=se\"\n"
    "\t\twhen sent\n"
    "\t}\n"
    "\trole op {\n"
    "\t\tgroup \"cn=drift-op,ou=grupper,dc=exempel,dc=se\"\n"
    "\t\tfrom 10.20.5.0/24\n"
    "\t}\n"
    "\tdeny underhall {\n"
    "\t\twhen sondag\n"
    "\t}\n"
    "}\n"
    "\n"
    "system v6 {\n"
    "\towner erik\n"
    "\tconfidentiality 3\n"
    "\tintegrity 0\n"
    "\tavailability 3\n"
    "\tfrom v6only 10.0.0.0/8\n"
    "\trole r {\n"
    "\t\tgroup \"cn=v6,ou=grupper,dc=exempel,dc=se\"\n"
    "\t}\n"
    "}\n"
    "\n"
    "system klass {\n"
    "\towner erik\n"
    "\tconfidentiality 0\n"
    "\tintegrity 1\n"
    "\tavailability 3\n"
    "\trole r {\n"
    "\t\tgroup \"cn=v6,ou=grupper,dc=exempel,dc=se\"\n"
    "\t}\n"
    "}\n";

/* Host entries: who may ask about which systems over TLS. */
static void
test_hosts(void)
{
	static const char sys[] =
	    "system ekonomi {\n owner anna\n confidentiality 2\n"
	    " integrity 2\n availability 2\n role r {\n"
	    "  group \"cn=g,dc=x\"\n }\n}\n"
	    "system lon {\n owner anna\n confidentiality 2\n"
	    " integrity 2\n availability 2\n role r {\n"
	    "  group \"cn=g,dc=x\"\n }\n}\n";
	char text[4096], big[300];
	struct policy *p;
	const struct pol_host *h;

	/* A host may come before the systems it names. */
	snprintf(text, sizeof(text), "host Ekonomi-App01.kommun.se {\n"
	    " systems ekonomi lon\n}\nhost lon01.kommun.se {\n"
	    " systems lon\n}\n%s", sys);
	if ((p = LOAD_OK(text)) == NULL)
		return;
	CHECK_U64_EQ(policy_nhosts(p), 2);
	h = policy_host_by_name(p, "ekonomi-app01.kommun.se");
	CHECK(h != NULL);
	CHECK(h == policy_host_by_name(p, "EKONOMI-APP01.KOMMUN.SE"));
	CHECK_STR_EQ(h->name, "ekonomi-app01.kommun.se");
	CHECK(policy_host_allows(h, "ekonomi"));
	CHECK(policy_host_allows(h, "lon"));
	CHECK(!policy_host_allows(h, "Ekonomi"));
	CHECK(!policy_host_allows(h, NULL));
	h = policy_host_by_name(p, "lon01.kommun.se");
	CHECK(h != NULL && !policy_host_allows(h, "ekonomi"));
	CHECK(policy_host_allows(h, "lon"));
	CHECK(policy_host_by_name(p, "lon01") == NULL);
	CHECK(policy_host_by_name(p, NULL) == NULL);
	CHECK(!policy_host_allows(NULL, "lon"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK(policy_host_by_name(p, big) == NULL);
	policy_free(p);

	snprintf(text, sizeof(text), "%shost h.x {\n systems nope\n}\n", sys);
	LOAD_ERR(text, "t.policy:19: host h.x names system \"nope\", which "
	    "is not defined");
	LOAD_ERR("host h.x {\n}\n", "t.policy:2: host h.x has no systems");
	LOAD_ERR("host h.x {\n systems\n}\n",
	    "t.policy:2: systems needs at least one system name");
	LOAD_ERR("host h.x {\n systems a a\n}\n",
	    "t.policy:2: system \"a\" listed twice");
	LOAD_ERR("host h.x {\n systems a\n systems b\n}\n",
	    "t.policy:3: systems given twice");
	LOAD_ERR("host h.x {\n owner anna\n}\n",
	    "t.policy:2: \"owner\" is not allowed in a host (systems)");
	LOAD_ERR("host -h.x {\n systems a\n}\n",
	    "t.policy:1: invalid host name \"-h.x\" (a DNS name of at most "
	    "253 bytes)");
	LOAD_ERR("host h..x {\n systems a\n}\n",
	    "t.policy:1: invalid host name \"h..x\" (a DNS name of at most "
	    "253 bytes)");
	LOAD_ERR("host h_x {\n systems a\n}\n",
	    "t.policy:1: invalid host name \"h_x\" (a DNS name of at most "
	    "253 bytes)");
	LOAD_ERR("host h.x\n", "t.policy:1: unknown statement \"host\" at "
	    "the top level");
	snprintf(text, sizeof(text), "%shost h.x {\n systems lon\n}\n"
	    "host H.X {\n systems lon\n}\n", sys);
	LOAD_ERR(text, "t.policy:22: host \"H.X\" defined twice (first at "
	    "t.policy:19)");
	LOAD_ERR("system s {\n host h.x {\n", "t.policy:2: a \"host\" block "
	    "is not allowed here");
}

static void
test_good_policy(void)
{
	struct policy *p;
	const struct pol_system *s;
	const struct pol_deny *dn;
	size_t n;

	if ((p = LOAD_OK(good_policy)) == NULL)
		return;
	CHECK_INT_EQ(policy_mfa_threshold(p), 3);
	CHECK_INT_EQ(policy_nesting_depth(p), 4);
	CHECK_U64_EQ(policy_nsystems(p), 6);
	CHECK(policy_system_at(p, 6) == NULL);
	CHECK(policy_system_by_name(p, NULL) == NULL);
	CHECK(policy_system_by_name(p, "") == NULL);
	CHECK(policy_system_by_name(p, "Ekonomi") == NULL);

	s = policy_system_at(p, 0);
	CHECK(s == sys_named(p, "ekonomi"));
	CHECK_STR_EQ(s->description, "Ekonomisystem (leverant\xc3\xb6rs"
	    "fakturor, attest)");
	CHECK_U64_EQ(s->nservices, 2);
	CHECK_STR_EQ(s->services[0], "ekonomi");
	CHECK_STR_EQ(s->services[1], "sshd-ekonomi");
	CHECK_STR_EQ(s->owner, "anna");
	CHECK_INT_EQ(s->conf, 2);
	CHECK_INT_EQ(s->integ, 3);
	CHECK_INT_EQ(s->avail, 2);
	CHECK_INT_EQ(s->mfa, POL_MFA_CLASSIFIED);
	CHECK_INT_EQ(s->password, 1);
	CHECK_U64_EQ(s->cond.nfrom, 1);
	CHECK_STR_EQ(s->cond.from[0]->name, "stadsnat");
	CHECK_INT_EQ(s->cond.from[0]->local, 1);
	CHECK_U64_EQ(s->cond.from[0]->nranges, 2);
	CHECK_U64_EQ(s->cond.from[0]->nexcept, 1);
	CHECK_U64_EQ(s->cond.nwhen, 0);
	CHECK_U64_EQ(s->nroles, 2);
	CHECK_STR_EQ(s->roles[0].name, "attestant");
	CHECK_INT_EQ(s->roles[0].line, 57);
	CHECK_STR_EQ(s->roles[0].file, "t.policy");
	CHECK_U64_EQ(s->roles[0].cond.nwhen, 1);
	CHECK_STR_EQ(s->roles[0].cond.when[0]->name, "kontorstid");
	CHECK_INT_EQ(s->roles[0].cond.when[0]->days, 0x1f);
	CHECK_U64_EQ(s->roles[0].cond.when[0]->nhours, 1);
	CHECK_INT_EQ(s->roles[0].cond.when[0]->from[0], 7 * 60);
	CHECK_INT_EQ(s->roles[0].cond.when[0]->to[0], 18 * 60);
	CHECK_STR_EQ(s->roles[1].description, "Handl\xc3\xa4ggare");
	CHECK_U64_EQ(s->roles[1].ngroups, 2);
	CHECK_STR_EQ(s->roles[1].groups[0], G_HANDL);
	CHECK_STR_EQ(s->roles[1].groups[1], G_EXTRA);
	CHECK_U64_EQ(s->ndeny, 2);
	CHECK_STR_EQ(s->deny[0].name, "konsulter-natt");
	CHECK_STR_EQ(s->deny[1].name, "extern");
	CHECK(s->deny[1].cond.from[0]->name == NULL);	/* inline */

	s = sys_named(p, "hr");
	CHECK_STR_EQ(s->services[0], "hr-app");
	CHECK(s->description == NULL);
	CHECK_INT_EQ(s->mfa, POL_MFA_CLASSIFIED);
	CHECK_INT_EQ(s->password, 0);
	s = sys_named(p, "soc");
	CHECK_U64_EQ(s->nservices, 1);
	CHECK_STR_EQ(s->services[0], "soc");	/* default: its name */
	CHECK_INT_EQ(s->mfa, POL_MFA_OPTIONAL);
	CHECK_INT_EQ(s->roles[0].cond.from[0]->local, 1);
	s = sys_named(p, "drift");
	CHECK_U64_EQ(s->cond.nwhen, 2);
	CHECK_STR_EQ(s->cond.when[1]->name, "sent");
	CHECK_INT_EQ(s->cond.when[1]->days, 0x7f);	/* default */
	CHECK_INT_EQ(s->cond.when[1]->to[0], 24 * 60);

	dn = policy_deny_at(p, 0, &n);
	CHECK_U64_EQ(n, 2);
	CHECK(dn != NULL && strcmp(dn->name, "avslutade") == 0);
	CHECK(dn != NULL && strcmp(dn->groups[0], G_AVSLUTADE) == 0);
	dn = policy_deny_at(p, 1, &n);
	CHECK(dn != NULL && strcmp(dn->users[0], "mallory") == 0);
	CHECK(policy_deny_at(p, 2, &n) == NULL);

	CHECK_INT_EQ(strlen(policy_version(p)), 16);
	CHECK_U64_EQ(strspn(policy_version(p), "0123456789abcdef"), 16);
	policy_free(p);
	policy_free(NULL);
}

/* Names are global across files; the version hashes names and texts. */
static void
test_files(void)
{
	static const char a[] =
	    "system s {\n"
	    "\towner o\n"
	    "\tconfidentiality 0\n"
	    "\tintegrity 0\n"
	    "\tavailability 0\n"
	    "\tfrom later-net\n"
	    "\trole r {\n"
	    "\t\tgroup cn=g,dc=x\n"
	    "\t\twhen later-win\n"
	    "\t}\n"
	    "}\n";
	static const char b[] =
	    "network later-net {\n\taddress 192.0.2.0/24\n}\n"
	    "window later-win {\n\tzone UTC\n\thours 08:00-09:00\n}\n";
	struct policy *p = NULL, *p2 = NULL;
	char pa[PATHSZ], pb[PATHSZ], err[POL_ERR_MAX], want[PATHSZ + 64];
	char v1[17], v2[17];
	const char *paths[2];
	char *mod;

	make_dir("files", pa, sizeof(pa));
	write_file("files/10-a.policy", a, strlen(a));
	write_file("files/20-b.policy", b, strlen(b));
	snprintf(pa, sizeof(pa), "%s/files/10-a.policy", tmpdir);
	snprintf(pb, sizeof(pb), "%s/files/20-b.policy", tmpdir);
	paths[0] = pa;
	paths[1] = pb;
	CHECK_OK(policy_load_files(paths, 2, &p, err));
	if (p != NULL) {
		const struct pol_system *s = policy_system_at(p, 0);

		CHECK_STR_EQ(s->cond.from[0]->name, "later-net");
		CHECK_STR_EQ(s->roles[0].cond.when[0]->name, "later-win");
		CHECK_STR_EQ(s->file, pa);
		CHECK_INT_EQ(s->line, 1);
		snprintf(v1, sizeof(v1), "%s", policy_version(p));
	}
	/* Only the first file: what it names is unknown. */
	p2 = (struct policy *)&p2;
	CHECK_ERR(policy_load_files(paths, 1, &p2, err), AUTHD_ERR_CONFIG);
	CHECK(p2 == NULL);
	snprintf(want, sizeof(want), "%s:6: unknown network \"later-net\"",
	    pa);
	CHECK_STR_EQ(err, want);

	/* The same texts under the same names: the same version. */
	CHECK_OK(policy_load_files(paths, 2, &p2, err));
	if (p != NULL && p2 != NULL)
		CHECK_STR_EQ(policy_version(p2), v1);
	policy_free(p2);
	p2 = NULL;

	/* One byte changed: another version. */
	if ((mod = strdup(b)) == NULL)
		abort();
	strstr(mod, "08:00")[1] = '7';		/* 08:00 -> 07:00 */
	CHECK(strstr(mod, "07:00-09:00") != NULL);
	write_file("files/20-b.policy", mod, strlen(mod));
	CHECK_OK(policy_load_files(paths, 2, &p2, err));
	if (p != NULL && p2 != NULL) {
		CHECK_U64_EQ(strlen(policy_version(p2)), 16);
		CHECK(strcmp(policy_version(p2), v1) != 0);
	}
	policy_free(p2);
	p2 = NULL;
	free(mod);
	write_file("files/20-b.policy", b, strlen(b));

	/* In memory: the directory does not count, the name does. */
	CHECK_OK(policy_load_text("x/t.policy", a + 0, 0, &p2, err));
	snprintf(v2, sizeof(v2), "%s", p2 ? policy_version(p2) : "");
	policy_free(p2);
	CHECK_OK(policy_load_text("y/t.policy", a + 0, 0, &p2, err));
	CHECK_STR_EQ(p2 ? policy_version(p2) : "", v2);
	policy_free(p2);
	CHECK_OK(policy_load_text("y/u.policy", a + 0, 0, &p2, err));
	CHECK(p2 != NULL && strcmp(policy_version(p2), v2) != 0);
	policy_free(p2);

	/* A file that cannot be read. */
	snprintf(pb, sizeof(pb), "%s/files/missing.policy", tmpdir);
	paths[1] = pb;
	p2 = (struct policy *)&p2;
	CHECK_ERR(policy_load_files(paths, 2, &p2, err), AUTHD_ERR_SYSTEM);
	CHECK(p2 == NULL);
	snprintf(want, sizeof(want), "%s: No such file or directory", pb);
	CHECK_STR_EQ(err, want);
	policy_free(p);
}

static void
test_dir(void)
{
	static const char good[] =
	    "system s {\n\towner o\n\tconfidentiality 0\n\tintegrity 0\n"
	    "\tavailability 0\n\trole r {\n\t\tgroup cn=g,dc=x\n\t}\n}\n";
	static const char good2[] =
	    "system t {\n\towner o\n\tconfidentiality 0\n\tintegrity 0\n"
	    "\tavailability 0\n\trole r {\n\t\tgroup cn=g,dc=x\n\t}\n}\n";
	struct policy *p = NULL, *p2 = NULL;
	char err[POL_ERR_MAX], want[3 * PATHSZ], sub[PATHSZ + 32];
	char pa[PATHSZ + 32], pb[PATHSZ + 32], dir[PATHSZ];
	const char *paths[2];

	make_dir("dir", dir, sizeof(dir));

	/* Empty. */
	p = (struct policy *)&p;
	CHECK_ERR(policy_load_dir(dir, &p, err), AUTHD_ERR_CONFIG);
	CHECK(p == NULL);
	snprintf(want, sizeof(want), "%s: no *.policy files", dir);
	CHECK_STR_EQ(err, want);
	/* Missing. */
	snprintf(sub, sizeof(sub), "%s/nope", dir);
	CHECK_ERR(policy_load_dir(sub, &p, err), AUTHD_ERR_SYSTEM);
	snprintf(want, sizeof(want), "%s: No such file or directory", sub);
	CHECK_STR_EQ(err, want);

	/* Only leftovers: still empty.  Each would fail if it were read. */
	write_file("dir/.hidden.policy", "bogus\n", 6);
	write_file("dir/.policy", "bogus\n", 6);
	write_file("dir/x.policy~", "bogus\n", 6);
	write_file("dir/x.policy.bak", "bogus\n", 6);
	write_file("dir/x.policy.dpkg-old", "bogus\n", 6);
	write_file("dir/README", "bogus\n", 6);
	write_file("dir/policy", "bogus\n", 6);
	write_file("dir/xpolicy", "bogus\n", 6);
	CHECK_ERR(policy_load_dir(dir, &p, err), AUTHD_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s: no *.policy files", dir);
	CHECK_STR_EQ(err, want);

	/* Read in name order, whatever order the directory lists. */
	write_file("dir/50-t.policy", good2, strlen(good2));
	write_file("dir/05-s.policy", good, strlen(good));
	CHECK_OK(policy_load_dir(dir, &p, err));
	if (p != NULL) {
		CHECK_U64_EQ(policy_nsystems(p), 2);
		CHECK_STR_EQ(policy_system_at(p, 0)->name, "s");
		CHECK_STR_EQ(policy_system_at(p, 1)->name, "t");
		snprintf(pa, sizeof(pa), "%s/05-s.policy", dir);
		snprintf(pb, sizeof(pb), "%s/50-t.policy", dir);
		CHECK_STR_EQ(policy_system_at(p, 0)->file, pa);
		/* The same as the files named in that order. */
		paths[0] = pa;
		paths[1] = pb;
		CHECK_OK(policy_load_files(paths, 2, &p2, err));
		CHECK(p2 != NULL && strcmp(policy_version(p),
		    policy_version(p2)) == 0);
		policy_free(p2);
		/* ...and not the same as the other order. */
		paths[0] = pb;
		paths[1] = pa;
		CHECK_OK(policy_load_files(paths, 2, &p2, err));
		CHECK(p2 != NULL && strcmp(policy_version(p),
		    policy_version(p2)) != 0);
		CHECK(p2 != NULL && strcmp(policy_system_at(p2, 0)->name,
		    "t") == 0);
		policy_free(p2);
	}
	policy_free(p);

	/* A duplicate across files cites the first file:line. */
	write_file("dir/90-dup.policy", good, strlen(good));
	p = (struct policy *)&p;
	CHECK_ERR(policy_load_dir(dir, &p, err), AUTHD_ERR_CONFIG);
	CHECK(p == NULL);
	snprintf(want, sizeof(want), "%s/90-dup.policy:1: system \"s\" "
	    "defined twice (first at %s/05-s.policy:1)", dir, dir);
	CHECK_STR_EQ(err, want);
	snprintf(sub, sizeof(sub), "%s/90-dup.policy", dir);
	unlink(sub);

	/* A directory with a .policy name is not skipped silently. */
	snprintf(sub, sizeof(sub), "%s/60-dir.policy", dir);
	CHECK_INT_EQ(mkdir(sub, 0700), 0);
	CHECK_ERR(policy_load_dir(dir, &p, err), AUTHD_ERR_CONFIG);
	snprintf(want, sizeof(want), "%s: not a regular file", sub);
	CHECK_STR_EQ(err, want);
	rmdir(sub);

	/* A file, or the directory, that group or others may write. */
	snprintf(sub, sizeof(sub), "%s/05-s.policy", dir);
	CHECK_INT_EQ(chmod(sub, 0620), 0);
	CHECK_ERR(policy_load_dir(dir, &p, err), AUTHD_ERR_PERM);
	snprintf(want, sizeof(want), "%s: must be owned by root and not "
	    "writable by group or others", sub);
	CHECK_STR_EQ(err, want);
	CHECK_INT_EQ(chmod(sub, 0644), 0);
	CHECK_OK(policy_load_dir(dir, &p, err));
	policy_free(p);
	CHECK_INT_EQ(chmod(dir, 0702), 0);
	CHECK_ERR(policy_load_dir(dir, &p, err), AUTHD_ERR_PERM);
	snprintf(want, sizeof(want), "%s: must be owned by root and not "
	    "writable by group or others", dir);
	CHECK_STR_EQ(err, want);
	CHECK_INT_EQ(chmod(dir, 0700), 0);
}

static void
test_dn_norm(void)
{
	char dn[POL_DN_MAX + 2], *n;
	size_t len;

	n = policy_dn_norm("CN=Ekonomi-Attest, OU=Grupper,DC=exempel,DC=SE");
	CHECK_STR_EQ(n, G_ATTEST);
	free(n);
	n = policy_dn_norm(G_ATTEST);
	CHECK_STR_EQ(n, G_ATTEST);
	free(n);
	CHECK(policy_dn_norm(NULL) == NULL);
	CHECK(policy_dn_norm("") == NULL);
	CHECK(policy_dn_norm("ekonomi") == NULL);
	CHECK(policy_dn_norm("cn=a,,dc=x") == NULL);
	CHECK(policy_dn_norm("=x") == NULL);
	/* POL_DN_MAX bytes is a DN; one more is not. */
	strcpy(dn, "cn=");
	len = strlen(",dc=x");
	memset(dn + 3, 'a', POL_DN_MAX - 3 - len);
	strcpy(dn + POL_DN_MAX - len, ",dc=x");
	CHECK_U64_EQ(strlen(dn), POL_DN_MAX);
	n = policy_dn_norm(dn);
	CHECK(n != NULL);
	free(n);
	memmove(dn + 4, dn + 3, strlen(dn + 3) + 1);
	CHECK_U64_EQ(strlen(dn), POL_DN_MAX + 1);
	CHECK(policy_dn_norm(dn) == NULL);
}

/* ---- networks and windows, directly ---- */

static const char nw_policy[] =
    "network stadsnat {\n"
    "\taddress 10.20.0.0/16 2001:db8:20::/48 local\n"
    "\texcept 10.20.99.0/24 2001:db8:20:99::/64\n"
    "}\n"
    "network v6only {\n"
    "\taddress 2001:db8:99::/48\n"
    "}\n"
    "network alla4 {\n"
    "\taddress 0.0.0.0/0\n"
    "}\n"
    "network alla6 {\n"
    "\taddress ::/0\n"
    "}\n"
    "network mapped {\n"
    "\taddress ::ffff:192.0.2.0/120 198.51.100.7\n"
    "}\n"
    "network odd {\n"
    "\taddress 10.1.2.128/25 2001:db8::8000/113\n"
    "}\n"
    "window kontorstid {\n"
    "\tzone Europe/Stockholm\n"
    "\tdays mon-fri\n"
    "\thours 07:00-18:00\n"
    "}\n"
    "window natt {\n"
    "\tzone Europe/Stockholm\n"
    "\tdays mon-fri\n"
    "\thours 22:00-06:00\n"
    "}\n"
    "window sent {\n"
    "\tzone Europe/Stockholm\n"
    "\thours 18:00-24:00\n"
    "}\n"
    "window helg {\n"
    "\tzone Europe/Stockholm\n"
    "\tdays sat,sun\n"
    "}\n"
    "window v\xc3\xa5r {\n"
    "\tzone Europe/Stockholm\n"
    "}\n";

/* The first file's "when" and "from" hold every window and network. */
static const char nw_system[] =
    "system s {\n"
    "\towner o\n"
    "\tconfidentiality 0\n"
    "\tintegrity 0\n"
    "\tavailability 0\n"
    "\tfrom stadsnat v6only alla4 alla6 mapped odd\n"
    "\twhen kontorstid natt sent helg sommar natt-utc split\n"
    "\trole r {\n"
    "\t\tgroup cn=g,dc=x\n"
    "\t}\n"
    "}\n"
    "window sommar {\n"
    "\tzone Europe/Stockholm\n"
    "\tdays sun\n"
    "\thours 02:00-03:00 03:00-04:00\n"
    "}\n"
    "window natt-utc {\n"
    "\tzone UTC\n"
    "\thours 23:00-01:00\n"
    "}\n"
    "window split {\n"
    "\tzone Asia/Kolkata\n"
    "\tdays wed\n"
    "\thours 00:00-00:30 12:00-12:01\n"
    "}\n";

static void
test_networks(void)
{
	struct policy *p;
	const struct pol_network *sn, *v6, *a4, *a6, *mp, *odd;
	const struct pol_system *s;
	char text[4096];
	uint32_t a;
	int i, want;

	/* A window named with a non-ASCII letter is rejected first. */
	LOAD_ERR(nw_policy, "t.policy:38: invalid name \"v\\xc3\\xa5r\" "
	    "(letters, digits, . _ -; at most 64)");
	snprintf(text, sizeof(text), "%.*s%s", (int)(strstr(nw_policy,
	    "window v\xc3\xa5r") - nw_policy), nw_policy, nw_system);
	if ((p = LOAD_OK(text)) == NULL)
		return;
	s = policy_system_at(p, 0);
	sn = s->cond.from[0];
	v6 = s->cond.from[1];
	a4 = s->cond.from[2];
	a6 = s->cond.from[3];
	mp = s->cond.from[4];
	odd = s->cond.from[5];

	CHECK_INT_EQ(policy_network_match(sn, "10.20.1.5"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "10.20.0.0"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "10.20.255.255"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "10.19.255.255"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "10.21.0.0"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "10.20.99.7"), 0); /* except */
	CHECK_INT_EQ(policy_network_match(sn, "10.20.98.255"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "10.20.100.0"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "::ffff:10.20.1.5"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "::FFFF:10.20.99.7"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "::ffff:a14:105"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "2001:db8:20::1"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "2001:DB8:20:ffff::1"), 1);
	CHECK_INT_EQ(policy_network_match(sn, "2001:db8:20:99::1"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "2001:db8:21::1"), 0);
	CHECK_INT_EQ(policy_network_match(sn, NULL), 1);	/* local */
	CHECK_INT_EQ(policy_network_match(sn, ""), 1);
	/* Host names, ranges and junk are never in a network. */
	CHECK_INT_EQ(policy_network_match(sn, "ws1.exempel.se"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "10.20.1.5/32"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "10.20.1.5 "), 0);
	CHECK_INT_EQ(policy_network_match(sn, "010.020.001.005"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "fe80::1%eth0"), 0);
	CHECK_INT_EQ(policy_network_match(sn, "local"), 0);

	CHECK_INT_EQ(policy_network_match(v6, NULL), 0);	/* no local */
	CHECK_INT_EQ(policy_network_match(v6, "2001:db8:99:ffff::"), 1);
	CHECK_INT_EQ(policy_network_match(v6, "2001:db8:9a::"), 0);
	CHECK_INT_EQ(policy_network_match(v6, "10.20.1.5"), 0);

	CHECK_INT_EQ(policy_network_match(a4, "255.255.255.255"), 1);
	CHECK_INT_EQ(policy_network_match(a4, "::ffff:1.2.3.4"), 1);
	CHECK_INT_EQ(policy_network_match(a4, "2001:db8::1"), 0);
	CHECK_INT_EQ(policy_network_match(a4, "::1"), 0);
	/* IPv4 is held IPv4-mapped, so ::/0 is every address. */
	CHECK_INT_EQ(policy_network_match(a6, "2001:db8::1"), 1);
	CHECK_INT_EQ(policy_network_match(a6, "10.1.1.1"), 1);
	CHECK_INT_EQ(policy_network_match(a6, NULL), 0);

	CHECK_INT_EQ(policy_network_match(mp, "192.0.2.200"), 1);
	CHECK_INT_EQ(policy_network_match(mp, "192.0.3.0"), 0);
	CHECK_INT_EQ(policy_network_match(mp, "198.51.100.7"), 1);
	CHECK_INT_EQ(policy_network_match(mp, "198.51.100.8"), 0);

	/* Prefixes that are not a multiple of 8. */
	CHECK_INT_EQ(policy_network_match(odd, "10.1.2.127"), 0);
	CHECK_INT_EQ(policy_network_match(odd, "10.1.2.128"), 1);
	CHECK_INT_EQ(policy_network_match(odd, "10.1.2.255"), 1);
	CHECK_INT_EQ(policy_network_match(odd, "10.1.3.128"), 0);
	CHECK_INT_EQ(policy_network_match(odd, "2001:db8::7fff"), 0);
	CHECK_INT_EQ(policy_network_match(odd, "2001:db8::8000"), 1);
	CHECK_INT_EQ(policy_network_match(odd, "2001:db8::ffff"), 1);
	CHECK_INT_EQ(policy_network_match(odd, "2001:db8::1:8000"), 0);

	/* Random IPv4 addresses against plain arithmetic. */
	for (i = 0; i < 20000; i++) {
		a = (uint32_t)check_rand();
		if (i % 2)	/* half of them near 10.20/16 */
			a = (a & 0x0000ffff) | 0x0a140000u;
		snprintf(text, sizeof(text), "%u.%u.%u.%u", a >> 24,
		    (a >> 16) & 255, (a >> 8) & 255, a & 255);
		want = (a & 0xffff0000u) == 0x0a140000u &&
		    (a & 0xffffff00u) != 0x0a146300u;
		CHECK_INT_EQ(policy_network_match(sn, text), want);
		want = (a & 0xffffff80u) == 0x0a010280u;
		CHECK_INT_EQ(policy_network_match(odd, text), want);
	}
	policy_free(p);
}

static void
test_windows(void)
{
	struct policy *p;
	const struct pol_system *s;
	const struct pol_window *kt, *natt, *sent, *helg, *som, *nu, *split;
	char text[4096];
	struct tm tm;
	time_t t;
	char *oldtz;
	int i, wd, min, want;

	snprintf(text, sizeof(text), "%.*s%s", (int)(strstr(nw_policy,
	    "window v\xc3\xa5r") - nw_policy), nw_policy, nw_system);
	if ((p = LOAD_OK(text)) == NULL)
		return;
	s = policy_system_at(p, 0);
	kt = s->cond.when[0];
	natt = s->cond.when[1];
	sent = s->cond.when[2];
	helg = s->cond.when[3];
	som = s->cond.when[4];
	nu = s->cond.when[5];
	split = s->cond.when[6];
	CHECK_STR_EQ(split->name, "split");

	/* Winter (CET, UTC+1): Monday 2026-01-12. */
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 1, 12, 5, 59, 59)), 0);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 1, 12, 6, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 1, 12, 16, 59, 59)),
	    1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 1, 12, 17, 0, 0)), 0);
	/* Saturday 10:00 local. */
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 1, 10, 9, 0, 0)), 0);

	/*
	 * Summer time begins 2026-03-29 01:00 UTC (02:00 CET becomes 03:00
	 * CEST).  Friday before: 07:00 local is 06:00 UTC; Monday after:
	 * 07:00 local is 05:00 UTC.
	 */
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 27, 5, 59, 59)), 0);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 27, 6, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 27, 16, 59, 0)), 1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 27, 17, 0, 0)), 0);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 30, 4, 59, 59)), 0);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 30, 5, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 30, 15, 59, 59)),
	    1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 3, 30, 16, 0, 0)), 0);
	/* "sommar": Sundays 02:00-03:00 and 03:00-04:00 local. */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 3, 29, 0, 59, 59)),
	    0);				/* 01:59:59 CET */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 3, 29, 1, 0, 0)),
	    1);				/* 03:00:00 CEST */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 3, 29, 1, 59, 59)),
	    1);				/* 03:59:59 CEST */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 3, 29, 2, 0, 0)),
	    0);				/* 04:00:00 CEST */

	/*
	 * Summer time ends 2026-10-25 01:00 UTC (03:00 CEST becomes 02:00
	 * CET): 02:00-03:00 local happens twice.
	 */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 10, 24, 23, 59, 59)),
	    0);				/* 01:59:59 CEST */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 10, 25, 0, 0, 0)),
	    1);				/* 02:00 CEST */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 10, 25, 1, 0, 0)),
	    1);				/* 02:00 CET */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 10, 25, 2, 59, 59)),
	    1);				/* 03:59:59 CET */
	CHECK_INT_EQ(policy_window_match(som, utc(2026, 10, 25, 3, 0, 0)),
	    0);				/* 04:00 CET */
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 10, 23, 4, 59, 59)),
	    0);				/* Fri 06:59:59 CEST */
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 10, 23, 5, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 10, 26, 5, 59, 59)),
	    0);				/* Mon 06:59:59 CET */
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 10, 26, 6, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 10, 26, 16, 59, 59)),
	    1);
	CHECK_INT_EQ(policy_window_match(kt, utc(2026, 10, 26, 17, 0, 0)), 0);

	/*
	 * 22:00-06:00 on mon-fri: the hours after midnight belong to the
	 * day before.  Saturday 03:00 is Friday night; Monday 03:00 is
	 * Sunday night.
	 */
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 9, 20, 59, 59)),
	    0);				/* Fri 21:59:59 */
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 9, 21, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 10, 2, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 10, 4, 59, 59)),
	    1);				/* Sat 05:59:59 */
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 10, 5, 0, 0)), 0);
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 10, 21, 0, 0)),
	    0);				/* Sat 22:00 */
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 12, 2, 0, 0)), 0);
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 12, 21, 0, 0)),
	    1);				/* Mon 22:00 */
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 13, 2, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(natt, utc(2026, 1, 12, 12, 0, 0)),
	    0);

	/* 18:00-24:00: 24:00 is the end of the day. */
	CHECK_INT_EQ(policy_window_match(sent, utc(2026, 1, 11, 16, 59, 59)),
	    0);
	CHECK_INT_EQ(policy_window_match(sent, utc(2026, 1, 11, 17, 0, 0)),
	    1);
	CHECK_INT_EQ(policy_window_match(sent, utc(2026, 1, 11, 22, 59, 59)),
	    1);				/* Sun 23:59:59 */
	CHECK_INT_EQ(policy_window_match(sent, utc(2026, 1, 11, 23, 0, 0)),
	    0);				/* Mon 00:00 */

	/* Whole days. */
	CHECK_INT_EQ(policy_window_match(helg, utc(2026, 1, 9, 22, 59, 59)),
	    0);				/* Fri 23:59:59 */
	CHECK_INT_EQ(policy_window_match(helg, utc(2026, 1, 9, 23, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(helg, utc(2026, 1, 11, 22, 59, 59)),
	    1);
	CHECK_INT_EQ(policy_window_match(helg, utc(2026, 1, 11, 23, 0, 0)),
	    0);

	/* UTC across midnight, every day. */
	CHECK_INT_EQ(policy_window_match(nu, utc(2026, 1, 1, 22, 59, 59)), 0);
	CHECK_INT_EQ(policy_window_match(nu, utc(2026, 1, 1, 23, 0, 0)), 1);
	CHECK_INT_EQ(policy_window_match(nu, utc(2026, 1, 2, 0, 59, 59)), 1);
	CHECK_INT_EQ(policy_window_match(nu, utc(2026, 1, 2, 1, 0, 0)), 0);

	/* A zone 5:30 east, two ranges on Wednesdays. */
	CHECK_INT_EQ(policy_window_match(split, utc(2026, 1, 13, 18, 29, 59)),
	    0);				/* Tue 23:59:59 IST */
	CHECK_INT_EQ(policy_window_match(split, utc(2026, 1, 13, 18, 30, 0)),
	    1);				/* Wed 00:00 IST */
	CHECK_INT_EQ(policy_window_match(split, utc(2026, 1, 13, 19, 0, 0)),
	    0);
	CHECK_INT_EQ(policy_window_match(split, utc(2026, 1, 14, 6, 30, 0)),
	    1);				/* Wed 12:00 IST */
	CHECK_INT_EQ(policy_window_match(split, utc(2026, 1, 14, 6, 31, 0)),
	    0);

	/* Before 1970, after 2100, and the ends of time_t: no crash. */
	(void)policy_window_match(kt, (time_t)-86400 * 365 * 100);
	(void)policy_window_match(kt, utc(2200, 6, 1, 12, 0, 0));
	(void)policy_window_match(kt, (time_t)INT64_MAX);
	(void)policy_window_match(kt, (time_t)INT64_MIN);
	(void)policy_window_match(natt, (time_t)INT64_MAX);
	(void)policy_window_match(natt, (time_t)INT64_MIN);

	/*
	 * Random times from 1970 to 2100 against the C library's own
	 * local time (an independent reading of the same zone data).
	 */
	oldtz = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", ":Europe/Stockholm", 1);
	tzset();
	for (i = 0; i < 20000; i++) {
		t = (time_t)check_rand_n(UINT64_C(4102444800));
		if (localtime_r(&t, &tm) == NULL) {
			CHECK(0);
			continue;
		}
		wd = (tm.tm_wday + 6) % 7;	/* Monday 0 */
		min = tm.tm_hour * 60 + tm.tm_min;
		want = wd < 5 && min >= 7 * 60 && min < 18 * 60;
		CHECK_INT_EQ(policy_window_match(kt, t), want);
		want = (wd < 5 && min >= 22 * 60) ||
		    (wd >= 1 && wd <= 5 && min < 6 * 60);
		CHECK_INT_EQ(policy_window_match(natt, t), want);
		want = min >= 18 * 60;
		CHECK_INT_EQ(policy_window_match(sent, t), want);
		want = wd >= 5;
		CHECK_INT_EQ(policy_window_match(helg, t), want);
		want = wd == 6 && min >= 2 * 60 && min < 4 * 60;
		CHECK_INT_EQ(policy_window_match(som, t), want);
	}
	if (oldtz != NULL)
		setenv("TZ", oldtz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(oldtz);
	policy_free(p);
}

/* ---- the engine ---- */

struct trace_log {
	char	 line[32][1600];
	int	 n;
};

static void
trace_cb(void *arg, const char *kind, const char *name, int matched,
    const char *detail)
{
	struct trace_log *t = arg;

	if (t->n < 32)
		snprintf(t->line[t->n], sizeof(t->line[0]), "%s|%s|%d|%s",
		    kind, name, matched, detail);
	t->n++;
}

struct revoke {
	const char	*system, *role, *user, *cite;
	int		 fill;		/* cite filled, no NUL */
	int		 calls;
};

static int
revoked_cb(void *arg, const char *system, const char *role,
    const char *user, char *cite, size_t citesz)
{
	struct revoke *rv = arg;

	rv->calls++;
	if (strcmp(system, rv->system) != 0 || strcmp(role, rv->role) != 0 ||
	    strcmp(user, rv->user) != 0)
		return 0;
	if (rv->fill)
		memset(cite, 'x', citesz);
	else if (rv->cite != NULL)
		snprintf(cite, citesz, "%s", rv->cite);
	return 1;
}

/* Winter weekday times, CET = UTC+1. */
#define MON_DAY		utc(2026, 1, 12, 9, 0, 0)	/* Mon 10:00 */
#define MON_EVE		utc(2026, 1, 12, 19, 0, 0)	/* Mon 20:00 */
#define MON_NIGHT	utc(2026, 1, 12, 2, 0, 0)	/* Mon 03:00 */
#define TUE_NIGHT	utc(2026, 1, 13, 22, 0, 0)	/* Tue 23:00 */
#define SUN_DAY		utc(2026, 1, 11, 11, 0, 0)	/* Sun 12:00 */

static struct tuser u_anna, u_bo, u_cecilia, u_dan, u_erik, u_extra, u_both;
static struct tuser u_mallory, u_nobody, u_op, u_jour, u_opjour, u_soc;
static struct tuser u_v6, u_dk;

static void
users_init(void)
{
	USER(&u_anna, "anna", G_ATTEST, NULL);
	/* team-a is in avd-ekonomi, which is in ekonomi-handl. */
	USER(&u_bo, "bo", G_TEAM, NULL, G_AVD, G_TEAM, G_HANDL, G_AVD);
	USER(&u_cecilia, "cecilia", G_HANDL, NULL, G_ATTEST, NULL);
	USER(&u_dan, "dan", G_AVSLUTADE, NULL, G_HANDL, NULL);
	USER(&u_erik, "erik", G_KONSULTER, NULL, G_HANDL, NULL);
	USER(&u_extra, "extra", G_EXTRA, NULL);
	USER(&u_both, "both", G_EXTRA, NULL, G_HANDL, NULL);
	USER(&u_mallory, "mallory", G_HANDL, NULL);
	user_init(&u_nobody, "nobody", (const char *const[]){ NULL });
	USER(&u_op, "op", G_OP, NULL);
	USER(&u_jour, "jour", G_JOUR, NULL);
	USER(&u_opjour, "opjour", G_OP, NULL, G_JOUR, NULL);
	USER(&u_soc, "soc", G_SOC, NULL);
	USER(&u_v6, "v6", G_V6, NULL);
	USER(&u_dk, "dk", G_KONSULTER, NULL, G_AVSLUTADE, NULL, G_HANDL,
	    NULL);
}

#define CHECK_DENY(d, rsn, rl, det) do {				\
	CHECK_INT_EQ((d).allow, 0);					\
	CHECK_STR_EQ(reason_str((d).reason), reason_str(rsn));		\
	CHECK_STR_EQ((d).rule, (rl));					\
	CHECK_STR_EQ((d).detail, (det));				\
} while (0)

#define CHECK_ALLOW(d, rl, rs, gr) do {					\
	CHECK_INT_EQ((d).allow, 1);					\
	CHECK_STR_EQ(reason_str((d).reason), reason_str(RSN_OK));	\
	CHECK_STR_EQ((d).rule, (rl));					\
	CHECK_STR_EQ((d).roles, (rs));					\
	CHECK_STR_EQ((d).grants, (gr));					\
	CHECK_STR_EQ((d).detail, "");					\
} while (0)

static void
test_engine_basics(const struct policy *p)
{
	struct pol_decision d;

	/* Unknown system, by name and by service: default deny. */
	decide(p, "nope", "sshd", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK_DENY(d, RSN_UNKNOWN_SYSTEM, "default-deny",
	    "no system named nope");
	CHECK(d.sys == NULL);
	CHECK_U64_EQ(d.factors, 0);
	decide(p, NULL, "sshd", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK_DENY(d, RSN_UNKNOWN_SYSTEM, "default-deny",
	    "no system for PAM service sshd");
	decide(p, NULL, NULL, &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK_DENY(d, RSN_UNKNOWN_SYSTEM, "default-deny",
	    "no system for PAM service -");
	decide(p, "", "ekonomi", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK_DENY(d, RSN_UNKNOWN_SYSTEM, "default-deny",
	    "no system named ");
	/* What the client sent is shown sanitised. */
	decide(p, "x\033[2Jy\n", NULL, &u_bo, NULL, MON_DAY, &d);
	CHECK_STR_EQ(d.detail, "no system named x\\x1b[2Jy\\x0a");

	/* system= wins over the service; without it the service maps. */
	decide(p, NULL, "sshd-ekonomi", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK(d.sys == policy_system_by_name(p, "ekonomi"));
	CHECK_INT_EQ(d.allow, 1);
	decide(p, NULL, "ekonomi", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK(d.sys == policy_system_by_name(p, "ekonomi"));
	decide(p, "ekonomi", "hr-app", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK(d.sys == policy_system_by_name(p, "ekonomi"));
	decide(p, NULL, "hr-app", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK(d.sys == policy_system_by_name(p, "hr"));
	CHECK_DENY(d, RSN_NO_ROLE, "default-deny",
	    "the user holds no role on this system");
	/* "hr" is the system's name, not one of its services. */
	decide(p, NULL, "hr", &u_bo, "10.20.1.5", MON_DAY, &d);
	CHECK_INT_EQ(d.reason, RSN_UNKNOWN_SYSTEM);
	CHECK(policy_system_resolve(p, NULL, "hr") == NULL);
	CHECK(policy_system_resolve(p, "hr", NULL) ==
	    policy_system_by_name(p, "hr"));
	CHECK(policy_system_resolve(p, NULL, NULL) == NULL);

	/* No role. */
	decide(p, "ekonomi", NULL, &u_nobody, "10.20.1.5", MON_DAY, &d);
	CHECK_DENY(d, RSN_NO_ROLE, "default-deny",
	    "the user holds no role on this system");
	CHECK_STR_EQ(d.roles, "");
	CHECK_STR_EQ(d.grants, "");
	/* The factors are named even when denied. */
	CHECK_U64_EQ(d.factors, POL_F_TOTP | POL_F_PASSWORD);

	/* A nested group: the path from the granting group down. */
	decide(p, "ekonomi", NULL, &u_bo, "10.20.1.5", MON_EVE, &d);
	CHECK_ALLOW(d, "system ekonomi role handlaggare", "handlaggare",
	    "handlaggare: " G_HANDL " > " G_AVD " > " G_TEAM);
	CHECK_U64_EQ(d.factors, POL_F_TOTP | POL_F_PASSWORD);
	CHECK_STR_EQ(d.mfa, "mfa required (classification I3 >= 3)");

	/* A role with several groups: whichever the user is in. */
	decide(p, "ekonomi", NULL, &u_extra, "10.20.1.5", MON_DAY, &d);
	CHECK_ALLOW(d, "system ekonomi role handlaggare", "handlaggare",
	    "handlaggare: " G_EXTRA);
	/* In both: the first listed in the role. */
	decide(p, "ekonomi", NULL, &u_both, "10.20.1.5", MON_DAY, &d);
	CHECK_ALLOW(d, "system ekonomi role handlaggare", "handlaggare",
	    "handlaggare: " G_HANDL);

	/* Two roles apply: both cited, in file order. */
	decide(p, "ekonomi", NULL, &u_cecilia, "10.20.1.5", MON_DAY, &d);
	CHECK_ALLOW(d, "system ekonomi role attestant",
	    "attestant,handlaggare", "attestant: " G_ATTEST
	    "; handlaggare: " G_HANDL);
	/* Only one applies in the evening. */
	decide(p, "ekonomi", NULL, &u_cecilia, "10.20.1.5", MON_EVE, &d);
	CHECK_ALLOW(d, "system ekonomi role handlaggare", "handlaggare",
	    "handlaggare: " G_HANDL);
}

static void
test_engine_deny(const struct policy *p)
{
	struct pol_decision d;

	/* A global deny by group overrides the role. */
	decide(p, "ekonomi", NULL, &u_dan, "10.20.1.5", MON_DAY, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "deny avslutade",
	    "member of " G_AVSLUTADE);
	/* The roles the rule overrode are still named. */
	CHECK_STR_EQ(d.roles, "handlaggare");
	CHECK(d.sys == policy_system_by_name(p, "ekonomi"));
	/* ...on every system. */
	decide(p, "hr", NULL, &u_dan, NULL, MON_DAY, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "deny avslutade",
	    "member of " G_AVSLUTADE);
	/* A global deny by user. */
	decide(p, "ekonomi", NULL, &u_mallory, "10.20.1.5", MON_DAY, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "deny sparrad", "user mallory");

	/* A system deny by group and window. */
	decide(p, "ekonomi", NULL, &u_erik, "10.20.1.5", TUE_NIGHT, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "system ekonomi deny konsulter-natt",
	    "member of " G_KONSULTER);
	decide(p, "ekonomi", NULL, &u_erik, "10.20.1.5", MON_DAY, &d);
	CHECK_ALLOW(d, "system ekonomi role handlaggare", "handlaggare",
	    "handlaggare: " G_HANDL);
	/* Global before system: both match, the global one decides. */
	decide(p, "ekonomi", NULL, &u_dk, "10.20.1.5", TUE_NIGHT, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "deny avslutade",
	    "member of " G_AVSLUTADE);

	/* A deny by network, for everyone. */
	decide(p, "ekonomi", NULL, &u_bo, "192.0.2.9", MON_DAY, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "system ekonomi deny extern",
	    "source in its networks");
	decide(p, "ekonomi", NULL, &u_bo, "::ffff:192.0.2.9", MON_DAY, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "system ekonomi deny extern",
	    "source in its networks");
	/* A host name cannot be placed: it matches a deny rule's from. */
	decide(p, "ekonomi", NULL, &u_bo, "ws1.exempel.se", MON_DAY, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "system ekonomi deny extern",
	    "source is a host name");
	/* ...local does not. */
	decide(p, "ekonomi", NULL, &u_bo, NULL, MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);

	/* A deny by window only, for everyone. */
	decide(p, "drift", NULL, &u_jour, "10.20.1.5", utc(2026, 1, 11, 19, 0,
	    0), &d);			/* Sun 20:00 */
	CHECK_DENY(d, RSN_DENY_RULE, "system drift deny underhall",
	    "within its windows");
	decide(p, "drift", NULL, &u_jour, "10.20.1.5", MON_EVE, &d);
	CHECK_ALLOW(d, "system drift role jour", "jour", "jour: " G_JOUR);
	/* Deny outranks even a user with no role. */
	decide(p, "drift", NULL, &u_nobody, "10.20.1.5", SUN_DAY, &d);
	CHECK_DENY(d, RSN_DENY_RULE, "system drift deny underhall",
	    "within its windows");
}

static void
test_engine_conditions(const struct policy *p)
{
	struct pol_decision d;

	/* A role's window. */
	decide(p, "ekonomi", NULL, &u_anna, "10.20.1.5", MON_DAY, &d);
	CHECK_ALLOW(d, "system ekonomi role attestant", "attestant",
	    "attestant: " G_ATTEST);
	decide(p, "ekonomi", NULL, &u_anna, "10.20.1.5", MON_EVE, &d);
	CHECK_DENY(d, RSN_OUTSIDE_HOURS, "system ekonomi role attestant",
	    "role attestant: outside window kontorstid");
	CHECK_STR_EQ(d.roles, "");
	CHECK_STR_EQ(d.grants, "");
	/* The system's network, with its exception. */
	decide(p, "ekonomi", NULL, &u_anna, "10.20.99.7", MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system ekonomi role attestant",
	    "role attestant: source address not in stadsnat");
	/* Both wrong: the source is named, not the time. */
	decide(p, "ekonomi", NULL, &u_anna, "10.20.99.7", MON_EVE, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system ekonomi role attestant",
	    "role attestant: source address not in stadsnat");
	decide(p, "ekonomi", NULL, &u_anna, "ws1.exempel.se", MON_DAY, &d);
	CHECK_INT_EQ(d.reason, RSN_DENY_RULE);	/* deny extern */

	/* IPv6, IPv4-mapped IPv6, local. */
	decide(p, "ekonomi", NULL, &u_anna, "2001:db8:20::5", MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);
	decide(p, "ekonomi", NULL, &u_anna, "::ffff:10.20.1.5", MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);
	decide(p, "ekonomi", NULL, &u_anna, "::ffff:10.20.99.5", MON_DAY, &d);
	CHECK_INT_EQ(d.reason, RSN_SOURCE_NOT_ALLOWED);
	decide(p, "ekonomi", NULL, &u_anna, NULL, MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);
	decide(p, "ekonomi", NULL, &u_anna, "", MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);
	decide(p, "v6", NULL, &u_v6, "2001:db8:99::5", MON_DAY, &d);
	CHECK_ALLOW(d, "system v6 role r", "r", "r: " G_V6);
	decide(p, "v6", NULL, &u_v6, "::ffff:10.1.2.3", MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);
	decide(p, "v6", NULL, &u_v6, "10.1.2.3", MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);
	decide(p, "v6", NULL, &u_v6, "2001:db8:98::5", MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system v6 role r",
	    "role r: source address not in v6only, the listed ranges");
	decide(p, "v6", NULL, &u_v6, NULL, MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system v6 role r",
	    "role r: source local not in v6only, the listed ranges");
	/* A host name never satisfies an allow. */
	decide(p, "v6", NULL, &u_v6, "v6.exempel.se", MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system v6 role r",
	    "role r: source (a host name) not in v6only, the listed ranges");
	decide(p, "soc", NULL, &u_soc, NULL, MON_DAY, &d);
	CHECK_ALLOW(d, "system soc role handl", "handl", "handl: " G_SOC);
	decide(p, "soc", NULL, &u_soc, "10.30.255.1", MON_DAY, &d);
	CHECK_INT_EQ(d.allow, 1);
	decide(p, "soc", NULL, &u_soc, "soc.exempel.se", MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system soc role handl",
	    "role handl: source (a host name) not in the listed ranges");

	/* System and role conditions together (drift). */
	decide(p, "drift", NULL, &u_op, "10.20.5.9", MON_DAY, &d);
	CHECK_ALLOW(d, "system drift role op", "op", "op: " G_OP);
	decide(p, "drift", NULL, &u_op, "10.20.6.9", MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system drift role op",
	    "role op: source address not in the listed ranges");
	decide(p, "drift", NULL, &u_op, "10.20.5.9", MON_NIGHT, &d);
	CHECK_DENY(d, RSN_OUTSIDE_HOURS, "system drift role op",
	    "role op: outside windows kontorstid, sent");
	decide(p, "drift", NULL, &u_op, "10.21.0.1", MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system drift role op",
	    "role op: source address not in stadsnat");
	/* The system's window fails, the role's network fails: source. */
	decide(p, "drift", NULL, &u_op, "10.20.6.9", MON_NIGHT, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system drift role op",
	    "role op: source address not in the listed ranges");
	decide(p, "drift", NULL, &u_jour, "10.20.1.1", MON_EVE, &d);
	CHECK_ALLOW(d, "system drift role jour", "jour", "jour: " G_JOUR);
	decide(p, "drift", NULL, &u_jour, "10.20.1.1", MON_DAY, &d);
	CHECK_DENY(d, RSN_OUTSIDE_HOURS, "system drift role jour",
	    "role jour: outside window sent");
	/*
	 * Two roles fail differently (jour on the time first, then op on
	 * the source): the source outranks the time, and the rule and the
	 * detail name the role that failed on it.
	 */
	decide(p, "drift", NULL, &u_opjour, "10.20.1.1", MON_DAY, &d);
	CHECK_DENY(d, RSN_SOURCE_NOT_ALLOWED, "system drift role op",
	    "role op: source address not in the listed ranges");
	/* Both on the time: the first one is cited. */
	decide(p, "drift", NULL, &u_opjour, "10.20.5.1", MON_NIGHT, &d);
	CHECK_DENY(d, RSN_OUTSIDE_HOURS, "system drift role jour",
	    "role jour: outside windows kontorstid, sent");
	/* One applies: allowed, only it cited. */
	decide(p, "drift", NULL, &u_opjour, "10.20.5.1", MON_DAY, &d);
	CHECK_ALLOW(d, "system drift role op", "op", "op: " G_OP);
	decide(p, "drift", NULL, &u_opjour, "10.20.1.1", MON_EVE, &d);
	CHECK_ALLOW(d, "system drift role jour", "jour", "jour: " G_JOUR);
}

static void
test_engine_factors(const struct policy *p)
{
	struct pol_decision d;
	struct pol_query q;
	char why[96], buf[32];

	CHECK_U64_EQ(policy_factors(p, sys_named(p, "ekonomi"), 0, why),
	    POL_F_TOTP | POL_F_PASSWORD);
	CHECK_STR_EQ(why, "mfa required (classification I3 >= 3)");
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "hr"), 1, why), 0);
	CHECK_STR_EQ(why, "mfa not required (classification C1 I1 A1 < 3)");
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "soc"), 1, why),
	    POL_F_TOTP);
	CHECK_STR_EQ(why, "mfa optional (user has a token)");
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "soc"), 0, why), 0);
	CHECK_STR_EQ(why, "mfa optional (user has no token)");
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "drift"), 0, why),
	    POL_F_TOTP);
	CHECK_STR_EQ(why, "mfa required (system)");
	/* At the threshold; a tie names the first aspect. */
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "v6"), 0, why),
	    POL_F_TOTP);
	CHECK_STR_EQ(why, "mfa required (classification C3 >= 3)");
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "klass"), 0, NULL),
	    POL_F_TOTP);
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "klass"), 0, why),
	    POL_F_TOTP);
	CHECK_STR_EQ(why, "mfa required (classification A3 >= 3)");

	CHECK_STR_EQ(policy_factors_str(POL_F_TOTP | POL_F_PASSWORD, buf,
	    sizeof(buf)), "password,totp");
	CHECK_STR_EQ(policy_factors_str(POL_F_TOTP, buf, sizeof(buf)), "totp");
	CHECK_STR_EQ(policy_factors_str(POL_F_PASSWORD, buf, sizeof(buf)),
	    "password");
	CHECK_STR_EQ(policy_factors_str(0, buf, sizeof(buf)), "none");
	CHECK_STR_EQ(policy_factors_str(POL_F_TOTP | POL_F_PASSWORD, buf, 5),
	    "pass");

	/* Through a decision, with and without a token. */
	memset(&q, 0, sizeof(q));
	q.system = "soc";
	q.user = &u_soc.u;
	q.at = MON_DAY;
	q.has_token = 1;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_INT_EQ(d.allow, 1);
	CHECK_U64_EQ(d.factors, POL_F_TOTP);
	CHECK_STR_EQ(d.mfa, "mfa optional (user has a token)");
	q.has_token = 0;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_U64_EQ(d.factors, 0);
	CHECK_STR_EQ(d.mfa, "mfa optional (user has no token)");
	q.system = "hr";
	q.user = &u_nobody.u;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_U64_EQ(d.factors, 0);
	CHECK_STR_EQ(d.mfa, "mfa not required (classification C1 I1 A1 < 3)");
}

static void
test_engine_revoked(const struct policy *p)
{
	struct pol_decision d;
	struct pol_query q;
	struct revoke rv;

	memset(&rv, 0, sizeof(rv));
	rv.system = "ekonomi";
	rv.role = "handlaggare";
	rv.cite = "review 12";
	memset(&q, 0, sizeof(q));
	q.system = "ekonomi";
	q.source = "10.20.1.5";
	q.at = MON_DAY;
	q.revoked = revoked_cb;
	q.revoked_arg = &rv;

	/* The only role revoked. */
	rv.user = "bo";
	q.user = &u_bo.u;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_DENY(d, RSN_REVOKED, "default-deny",
	    "role handlaggare revoked in review 12");
	CHECK_STR_EQ(d.roles, "");
	CHECK_INT_EQ(rv.calls, 1);
	/* Another role still applies. */
	rv.user = "cecilia";
	q.user = &u_cecilia.u;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_ALLOW(d, "system ekonomi role attestant", "attestant",
	    "attestant: " G_ATTEST);
	/* ...but not in the evening: the time is what is left. */
	q.at = MON_EVE;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_DENY(d, RSN_OUTSIDE_HOURS, "system ekonomi role attestant",
	    "role attestant: outside window kontorstid");
	q.at = MON_DAY;
	/* A revocation for someone else changes nothing. */
	rv.user = "bo";
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_STR_EQ(d.roles, "attestant,handlaggare");
	/* A deny rule keeps its own detail. */
	rv.user = "dan";
	q.user = &u_dan.u;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_DENY(d, RSN_DENY_RULE, "deny avslutade",
	    "member of " G_AVSLUTADE);
	/* A callback that writes no cite, or one with no NUL. */
	rv.user = "bo";
	rv.cite = NULL;
	q.user = &u_bo.u;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_DENY(d, RSN_REVOKED, "default-deny",
	    "role handlaggare revoked in ");
	rv.fill = 1;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_STR_HAS(d.detail, "revoked in xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	CHECK_U64_EQ(strlen(d.detail), strlen("role handlaggare revoked in ")
	    + 63);
	/* Not called for roles the user does not hold. */
	rv.calls = 0;
	q.user = &u_nobody.u;
	policy_decide(p, &q, &d, NULL, NULL);
	CHECK_INT_EQ(rv.calls, 0);
	CHECK_INT_EQ(d.reason, RSN_NO_ROLE);
}

static void
test_engine_trace(const struct policy *p)
{
	struct trace_log t;
	struct pol_decision d, d2;
	struct pol_query q;

	memset(&t, 0, sizeof(t));
	memset(&q, 0, sizeof(q));
	q.system = "ekonomi";
	q.source = "10.20.1.5";
	q.at = TUE_NIGHT;
	q.user = &u_erik.u;
	policy_decide(p, &q, &d, trace_cb, &t);
	CHECK_INT_EQ(t.n, 8);
	CHECK_STR_EQ(t.line[0], "system|ekonomi|1|by name, owner anna, "
	    "classification C2 I3 A2");
	CHECK_STR_EQ(t.line[1], "deny|deny avslutade|0|user not named, in no "
	    "listed group");
	CHECK_STR_EQ(t.line[2], "deny|deny sparrad|0|user not named, in no "
	    "listed group");
	CHECK_STR_EQ(t.line[3], "deny|system ekonomi deny konsulter-natt|1|"
	    "member of " G_KONSULTER);
	CHECK_STR_EQ(t.line[4], "deny|system ekonomi deny extern|0|source not "
	    "in its networks");
	CHECK_STR_EQ(t.line[5], "role|attestant|0|not in any of its groups");
	CHECK_STR_EQ(t.line[6], "role|handlaggare|1|held via " G_HANDL);
	CHECK_STR_EQ(t.line[7], "factors|password,totp|1|mfa required "
	    "(classification I3 >= 3)");
	/* The trace does not change the decision. */
	policy_decide(p, &q, &d2, NULL, NULL);
	CHECK_MEM_EQ(&d, &d2, sizeof(d));

	/* By service; a role held but not applied. */
	memset(&t, 0, sizeof(t));
	q.system = NULL;
	q.service = "sshd-ekonomi";
	q.user = &u_bo.u;
	q.source = "10.20.99.1";
	q.at = MON_DAY;
	policy_decide(p, &q, &d, trace_cb, &t);
	CHECK_INT_EQ(t.n, 8);
	CHECK_STR_EQ(t.line[0], "system|ekonomi|1|by PAM service "
	    "sshd-ekonomi, owner anna, classification C2 I3 A2");
	CHECK_STR_EQ(t.line[6], "role|handlaggare|0|held via " G_HANDL " > "
	    G_AVD " > " G_TEAM "; not applied: source address not in "
	    "stadsnat");

	/* Unknown system: one entry. */
	memset(&t, 0, sizeof(t));
	q.service = "nope";
	policy_decide(p, &q, &d, trace_cb, &t);
	CHECK_INT_EQ(t.n, 1);
	CHECK_STR_EQ(t.line[0], "system|-|0|no system for PAM service nope");
}

/* Random queries: decided twice the same way, and self-consistent. */
static void
test_engine_random(const struct policy *p)
{
	static const struct tuser *users[] = { &u_anna, &u_bo, &u_cecilia,
	    &u_dan, &u_erik, &u_extra, &u_both, &u_mallory, &u_nobody, &u_op,
	    &u_jour, &u_opjour, &u_soc, &u_v6, &u_dk };
	static const char *systems[] = { "ekonomi", "hr", "soc", "drift",
	    "v6", "klass", "nope", NULL };
	static const char *services[] = { "sshd-ekonomi", "hr-app", "soc",
	    "sshd", NULL };
	static const char *sources[] = { NULL, "", "10.20.1.5", "10.20.99.1",
	    "10.20.5.3", "10.30.1.1", "192.0.2.1", "2001:db8:20::1",
	    "2001:db8:99::1", "::ffff:10.20.5.3", "host.exempel.se",
	    "10.1.1.1" };
	static struct trace_log t, t2;
	const struct tuser *u;
	struct pol_decision d1, d2;
	struct pol_query q;
	char why[96];
	int i, k;

	for (i = 0; i < 5000; i++) {
		memset(&q, 0, sizeof(q));
		u = users[check_rand_n(sizeof(users) / sizeof(users[0]))];
		q.user = &u->u;
		q.system = systems[check_rand_n(sizeof(systems) /
		    sizeof(systems[0]))];
		q.service = services[check_rand_n(sizeof(services) /
		    sizeof(services[0]))];
		q.source = sources[check_rand_n(sizeof(sources) /
		    sizeof(sources[0]))];
		q.at = utc(2026, 1, 1, 0, 0, 0) +
		    (time_t)check_rand_n(365 * 86400);
		q.has_token = (int)check_rand_n(2);
		memset(&t, 0, sizeof(t));
		policy_decide(p, &q, &d1, trace_cb, &t);
		memset(&d2, 0xa5, sizeof(d2));
		policy_decide(p, &q, &d2, NULL, NULL);
		CHECK_MEM_EQ(&d1, &d2, sizeof(d1));
		/* Without the hashes: the same decision and explanation. */
		q.user = &u->plain;
		memset(&t2, 0, sizeof(t2));
		memset(&d2, 0x5a, sizeof(d2));
		policy_decide(p, &q, &d2, trace_cb, &t2);
		CHECK_MEM_EQ(&d1, &d2, sizeof(d1));
		CHECK_INT_EQ(t.n, t2.n);
		for (k = 0; k < t.n && k < t2.n && k < 32; k++)
			CHECK_STR_EQ(t.line[k], t2.line[k]);
		q.user = &u->u;
		CHECK_INT_EQ(d1.allow, d1.reason == RSN_OK);
		CHECK(t.n >= 1 && strncmp(t.line[0], "system|", 7) == 0);
		if (d1.reason == RSN_UNKNOWN_SYSTEM) {
			CHECK(d1.sys == NULL);
			CHECK_INT_EQ(t.n, 1);
			continue;
		}
		CHECK(d1.sys != NULL && d1.sys == policy_system_resolve(p,
		    q.system, q.service));
		CHECK(t.n >= 2 && strncmp(t.line[t.n - 1], "factors|", 8) ==
		    0);
		if (d1.sys != NULL) {
			CHECK_U64_EQ(d1.factors, policy_factors(p, d1.sys,
			    q.has_token, why));
			CHECK_STR_EQ(d1.mfa, why);
		}
		if (d1.allow) {
			CHECK(d1.roles[0] != '\0' && d1.grants[0] != '\0');
			CHECK(strncmp(d1.rule, "system ", 7) == 0);
			CHECK_STR_EQ(d1.detail, "");
		} else {
			CHECK(d1.reason == RSN_NO_ROLE || d1.reason ==
			    RSN_DENY_RULE || d1.reason == RSN_OUTSIDE_HOURS ||
			    d1.reason == RSN_SOURCE_NOT_ALLOWED);
			CHECK(d1.rule[0] != '\0' && d1.detail[0] != '\0');
		}
	}
}

static void
test_engine(void)
{
	struct policy *p;

	if ((p = LOAD_OK(good_policy)) == NULL)
		return;
	users_init();
	test_engine_basics(p);
	test_engine_deny(p);
	test_engine_conditions(p);
	test_engine_factors(p);
	test_engine_revoked(p);
	test_engine_trace(p);
	test_engine_random(p);
	policy_free(p);
}

/* The groups' hash index (policy_groups_hash), and look-ups with it. */
static void
test_group_hash(void)
{
	static const char *const g[] = { DN("a"), DN("b"), DN("c"), DN("d"),
	    DN("e") };
	static const uint64_t run[] = { 1, 7, 7, 7, 9 };
	static const uint32_t runo[] = { 3, 0, 4, 1, 2 };
	static const uint64_t same[] = { 7, 7, 7, 7, 7 };
	static const uint32_t sameo[] = { 0, 1, 2, 3, 4 };
	static const uint32_t bad[] = { 99 };
	char names[100][32];
	const char *rg[64];
	size_t idx[100], i, n;
	uint64_t h[64];
	uint32_t o[64];
	int seen[64], round;
	struct pol_user u, plain;

	/* Fixed, not keyed: FNV-1a 64 (its published test values). */
	CHECK_U64_EQ(policy_group_hash(""), UINT64_C(0xcbf29ce484222325));
	CHECK_U64_EQ(policy_group_hash("a"), UINT64_C(0xaf63dc4c8601ec8c));
	policy_groups_hash(NULL, 0, NULL, NULL);

	/* Random sets of groups: each found where it is, nothing else. */
	for (i = 0; i < 100; i++)
		snprintf(names[i], sizeof(names[i]), "cn=g%03zu,dc=x", i);
	for (round = 0; round < 300; round++) {
		for (i = 0, n = 0; i < 100; i++) {
			idx[i] = SIZE_MAX;
			if (n < 64 && check_rand_n(4) == 0) {
				idx[i] = n;
				rg[n++] = names[i];	/* strcmp order */
			}
		}
		policy_groups_hash(rg, n, h, o);
		memset(seen, 0, sizeof(seen));
		for (i = 0; i < n; i++) {
			CHECK(o[i] < n);
			if (o[i] >= n)
				continue;
			CHECK_INT_EQ(seen[o[i]]++, 0);
			CHECK_U64_EQ(h[i], policy_group_hash(rg[o[i]]));
			if (i > 0)
				CHECK(h[i - 1] < h[i]);
		}
		memset(&u, 0, sizeof(u));
		u.groups = rg;
		u.ngroups = n;
		plain = u;
		u.ghash = h;
		u.gorder = o;
		for (i = 0; i < 100; i++) {
			CHECK_INT_EQ(pol_group_index(&u, names[i],
			    policy_group_hash(names[i])),
			    idx[i] == SIZE_MAX ? -1 : (int)idx[i]);
			CHECK_INT_EQ(pol_group_index(&plain, names[i], 0),
			    idx[i] == SIZE_MAX ? -1 : (int)idx[i]);
		}
	}

	/* Equal hashes are told apart by the DN, wherever the run is. */
	memset(&u, 0, sizeof(u));
	u.groups = g;
	u.ngroups = 5;
	u.ghash = same;
	u.gorder = sameo;
	for (i = 0; i < 5; i++) {
		CHECK_INT_EQ(pol_group_index(&u, g[i], 7), (int)i);
		CHECK_INT_EQ(pol_group_index(&u, g[i], 6), -1);
		CHECK_INT_EQ(pol_group_index(&u, g[i], 8), -1);
	}
	CHECK_INT_EQ(pol_group_index(&u, DN("x"), 7), -1);
	u.ghash = run;
	u.gorder = runo;
	CHECK_INT_EQ(pol_group_index(&u, g[3], 1), 3);
	CHECK_INT_EQ(pol_group_index(&u, g[0], 7), 0);
	CHECK_INT_EQ(pol_group_index(&u, g[4], 7), 4);
	CHECK_INT_EQ(pol_group_index(&u, g[1], 7), 1);
	CHECK_INT_EQ(pol_group_index(&u, g[2], 9), 2);
	CHECK_INT_EQ(pol_group_index(&u, g[3], 7), -1);
	CHECK_INT_EQ(pol_group_index(&u, g[2], 7), -1);
	CHECK_INT_EQ(pol_group_index(&u, g[0], 0), -1);
	CHECK_INT_EQ(pol_group_index(&u, g[0], UINT64_MAX), -1);
	/* An order that points outside the groups is not followed. */
	u.ngroups = 1;
	u.ghash = same;
	u.gorder = bad;
	CHECK_INT_EQ(pol_group_index(&u, g[0], 7), -1);
}

/*
 * The roles a user holds, through the system's index and through the
 * strings: for every set of groups, each role's first listed group that
 * the user is in, whatever order the hashes put the groups in.
 */
static void
test_roles_held(void)
{
	static const char *const all[] = { DN("a"), DN("b"), DN("c"),
	    DN("d"), DN("e") };
	/* The roles' groups as indices into all[], in the listed order. */
	static const int rg[4][4] = { { 0, 1, 2, -1 }, { 2, 0, -1, -1 },
	    { 3, -1, -1, -1 }, { 4, 2, 1, 0 } };
	const struct pol_system *sys;
	struct tuser t;
	struct policy *p;
	const char *pairs[2 * 5 + 1];
	int gi[POL_ROLES_MAX], gs[POL_ROLES_MAX], want, set, i, j, n;

	p = LOAD_OK("system s {\n\towner o\n\tconfidentiality 1\n"
	    "\tintegrity 1\n\tavailability 1\n"
	    "\trole r0 {\n\t\tgroup " DN("a") "\n\t\tgroup " DN("b")
	    "\n\t\tgroup " DN("c") "\n\t}\n"
	    "\trole r1 {\n\t\tgroup " DN("c") "\n\t\tgroup " DN("a")
	    "\n\t}\n"
	    "\trole r2 {\n\t\tgroup " DN("d") "\n\t}\n"
	    "\trole r3 {\n\t\tgroup " DN("e") "\n\t\tgroup " DN("c")
	    "\n\t\tgroup " DN("b") "\n\t\tgroup " DN("a") "\n\t}\n"
	    "}\n");
	if (p == NULL)
		return;
	sys = sys_named(p, "s");
	CHECK_U64_EQ(sys->nroles, 4);
	CHECK_U64_EQ(sys->nrgroups, 10);
	for (set = 0; set < 32; set++) {
		for (i = 0, n = 0; i < 5; i++)
			if (set & (1 << i)) {
				pairs[2 * n] = all[i];
				pairs[2 * n++ + 1] = NULL;
			}
		pairs[2 * n] = NULL;
		user_init(&t, "u", pairs);
		pol_roles_held(sys, &t.u, gi);
		pol_roles_held(sys, &t.plain, gs);
		for (i = 0; i < 4; i++) {
			for (j = 0, want = -1; j < 4 && rg[i][j] >= 0 &&
			    want < 0; j++)
				if (set & (1 << rg[i][j]))
					want = pol_group_index(&t.plain,
					    all[rg[i][j]], 0);
			CHECK_INT_EQ(gi[i], want);
			CHECK_INT_EQ(gs[i], want);
		}
		CHECK_U64_EQ(policy_roles_held(sys, &t.u, NULL, NULL),
		    policy_roles_held(sys, &t.plain, NULL, NULL));
	}
	policy_free(p);
}

/* Threshold default 2, and classification below and at it. */
static void
test_threshold_default(void)
{
	struct policy *p;
	char why[96];

	p = LOAD_OK("system lo {\n\towner o\n\tconfidentiality 1\n"
	    "\tintegrity 1\n\tavailability 0\n\trole r {\n\t\tgroup cn=g,dc=x\n"
	    "\t}\n}\nsystem at {\n\towner o\n\tconfidentiality 1\n"
	    "\tintegrity 1\n\tavailability 2\n\tpassword no\n\trole r {\n"
	    "\t\tgroup cn=g,dc=x\n\t}\n}\n");
	if (p == NULL)
		return;
	CHECK_INT_EQ(policy_mfa_threshold(p), 2);
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "lo"), 1, why), 0);
	CHECK_STR_EQ(why, "mfa not required (classification C1 I1 A0 < 2)");
	CHECK_U64_EQ(policy_factors(p, sys_named(p, "at"), 0, why),
	    POL_F_TOTP);
	CHECK_STR_EQ(why, "mfa required (classification A2 >= 2)");
	policy_free(p);
	/* Threshold 0: every classified system needs TOTP. */
	p = LOAD_OK("settings {\n\tmfa-threshold 0\n}\nsystem s {\n\towner o\n"
	    "\tconfidentiality 0\n\tintegrity 0\n\tavailability 0\n"
	    "\trole r {\n\t\tgroup cn=g,dc=x\n\t}\n}\n");
	if (p == NULL)
		return;
	CHECK_U64_EQ(policy_factors(p, policy_system_at(p, 0), 0, why),
	    POL_F_TOTP);
	CHECK_STR_EQ(why, "mfa required (classification C0 >= 0)");
	policy_free(p);
}

static void
cleanup(void)
{
	int i;

	for (i = 0; i < nmade; i++)
		(void)unlink(made[i]);
	for (i = 0; i < ndirs; i++)
		(void)rmdir(dirs[i]);
	if (rmdir(tmpdir) != 0)
		perror(tmpdir);
}

int
main(int argc, char **argv)
{
	const char *t = getenv("TMPDIR");

	if (argc != 2) {
		fprintf(stderr, "usage: test_policy FIXTURE-DIR\n");
		return 2;
	}
	if (t == NULL || strlen(t) > 200)	/* room for our names */
		t = "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/policyXXXXXX", t);
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	check_rand_init();
	test_error_fixtures(argv[1]);
	test_parse_limits();
	test_good_policy();
	test_hosts();
	test_files();
	test_dir();
	test_dn_norm();
	test_networks();
	test_windows();
	test_engine();
	test_group_hash();
	test_roles_held();
	test_threshold_default();
	cleanup();
	return check_done("test_policy");
}
