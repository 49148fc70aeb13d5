/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef AUTHD_TESTS_PAM_CODES_H
#define AUTHD_TESTS_PAM_CODES_H

/*
 * Symbolic names of the Linux-PAM return codes, shared by the test tools.
 * pam_code_name() gives "PAM_AUTH_ERR" etc., or "PAM_<n>" (in a static
 * buffer) for a value not in the table; pam_code_parse() accepts the
 * symbolic names, "PAM_<n>" and plain numbers.
 */

#include <security/_pam_types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pam_code_entry {
	int code;
	const char *name;
};

#define PAM_CODE_ENTRY(c) { c, #c }

static const struct pam_code_entry pam_code_table[] = {
	PAM_CODE_ENTRY(PAM_SUCCESS),
	PAM_CODE_ENTRY(PAM_OPEN_ERR),
	PAM_CODE_ENTRY(PAM_SYMBOL_ERR),
	PAM_CODE_ENTRY(PAM_SERVICE_ERR),
	PAM_CODE_ENTRY(PAM_SYSTEM_ERR),
	PAM_CODE_ENTRY(PAM_BUF_ERR),
	PAM_CODE_ENTRY(PAM_PERM_DENIED),
	PAM_CODE_ENTRY(PAM_AUTH_ERR),
	PAM_CODE_ENTRY(PAM_CRED_INSUFFICIENT),
	PAM_CODE_ENTRY(PAM_AUTHINFO_UNAVAIL),
	PAM_CODE_ENTRY(PAM_USER_UNKNOWN),
	PAM_CODE_ENTRY(PAM_MAXTRIES),
	PAM_CODE_ENTRY(PAM_NEW_AUTHTOK_REQD),
	PAM_CODE_ENTRY(PAM_ACCT_EXPIRED),
	PAM_CODE_ENTRY(PAM_SESSION_ERR),
	PAM_CODE_ENTRY(PAM_CRED_UNAVAIL),
	PAM_CODE_ENTRY(PAM_CRED_EXPIRED),
	PAM_CODE_ENTRY(PAM_CRED_ERR),
	PAM_CODE_ENTRY(PAM_NO_MODULE_DATA),
	PAM_CODE_ENTRY(PAM_CONV_ERR),
	PAM_CODE_ENTRY(PAM_AUTHTOK_ERR),
	PAM_CODE_ENTRY(PAM_AUTHTOK_RECOVERY_ERR),
	PAM_CODE_ENTRY(PAM_AUTHTOK_LOCK_BUSY),
	PAM_CODE_ENTRY(PAM_AUTHTOK_DISABLE_AGING),
	PAM_CODE_ENTRY(PAM_TRY_AGAIN),
	PAM_CODE_ENTRY(PAM_IGNORE),
	PAM_CODE_ENTRY(PAM_ABORT),
	PAM_CODE_ENTRY(PAM_AUTHTOK_EXPIRED),
	PAM_CODE_ENTRY(PAM_MODULE_UNKNOWN),
	PAM_CODE_ENTRY(PAM_BAD_ITEM),
	PAM_CODE_ENTRY(PAM_CONV_AGAIN),
	PAM_CODE_ENTRY(PAM_INCOMPLETE),
};

#undef PAM_CODE_ENTRY

/*
 * libpam itself leaks a little when pam_start_confdir() fails; keep
 * LeakSanitizer builds from turning that into a changed exit status.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PAM_CODES_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAM_CODES_LSAN 1
#endif
#endif
#ifdef PAM_CODES_LSAN
const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:libpam.so\n";
}
const char *__lsan_default_options(void);
const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}
#endif

static inline const char *
pam_code_name(int code)
{
	static char buf[32];
	size_t i;

	for (i = 0; i < sizeof(pam_code_table) / sizeof(pam_code_table[0]); i++)
		if (pam_code_table[i].code == code)
			return pam_code_table[i].name;
	snprintf(buf, sizeof(buf), "PAM_%d", code);
	return buf;
}

/* Returns 0 and the code in *out, or -1 if `s` is not a PAM code. */
static inline int
pam_code_parse(const char *s, int *out)
{
	const char *num = s;
	char *end;
	long v;
	size_t i;

	for (i = 0; i < sizeof(pam_code_table) / sizeof(pam_code_table[0]); i++)
		if (strcasecmp(pam_code_table[i].name, s) == 0) {
			*out = pam_code_table[i].code;
			return 0;
		}
	/* PAM_AUTHTOK_RECOVER_ERR is the other spelling of code 21. */
	if (strcasecmp(s, "PAM_AUTHTOK_RECOVER_ERR") == 0) {
		*out = PAM_AUTHTOK_RECOVERY_ERR;
		return 0;
	}
	if (strncasecmp(s, "PAM_", 4) == 0)
		num = s + 4;
	if (*num < '0' || *num > '9')
		return -1;
	v = strtol(num, &end, 10);
	if (*end != '\0' || v < 0 || v > 1000)
		return -1;
	*out = (int)v;
	return 0;
}

#endif
