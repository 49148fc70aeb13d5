/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef PAM_AUTHD_H
#define PAM_AUTHD_H

#include <security/pam_modules.h>

/*
 * The logic behind pam_authd.so's entry points, in a file that tests can
 * link.  Each function returns a PAM code and never exits, aborts or
 * writes to stdout; every path releases what it took.
 */

#define PA_DEFAULT_SOCKET	"/run/authd/authd.sock"
#define PA_DEFAULT_TIMEOUT_MS	3000
#define PA_DEFAULT_DELAY_MS	2000
#define PA_CODE_MAX		64	/* longest response passed to authd */

enum pa_phase {
	PA_AUTH,
	PA_ACCOUNT,
	PA_SESSION_OPEN,
	PA_SESSION_CLOSE,
};

struct pa_opts {
	const char	*socket;
	const char	*system;	/* NULL: the PAM service name */
	int		 timeout_ms;
	int		 delay_ms;
	int		 debug;
	int		 use_first_pass;
	int		 try_first_pass;
	int		 separate_account;	/* account asks on its own */
};

/*
 * How long the account decision that came with the code may stand in for
 * pam_acct_mgmt's own request, in ms.
 */
#define PA_ACCOUNT_FRESH_MS	10000

/*
 * Parses module arguments into `o`.  Unknown or malformed options are
 * logged and refused: PAM_SERVICE_ERR.  PAM_SUCCESS otherwise.
 */
int pa_parse_opts(pam_handle_t *pamh, int argc, const char **argv,
    struct pa_opts *o);

/* Runs one phase against authd and maps the answer to a PAM code. */
int pa_run(pam_handle_t *pamh, enum pa_phase phase, int flags, int argc,
    const char **argv);

#endif
