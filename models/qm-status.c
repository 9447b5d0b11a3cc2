/*
 * qm-status.c -- descriptions of the models library's status codes.
 */
#include <stddef.h>

#include "qm-status.h"

static const char *const qm_messages[QM_NSTATUS] = {
	[QM_OK] = "success",
	[QM_EINVAL] = "invalid argument (NaN, infinite, negative or out of domain)",
	[QM_EBOUNDS] = "price outside the no-arbitrage bounds",
	[QM_ENOCONV] = "iteration did not converge",
	[QM_EMAXITER] = "iteration limit reached",
	[QM_ETIMEOUT] = "time budget exhausted",
	[QM_ENOMEM] = "workspace too small",
	[QM_ETOOSHORT] = "series too short",
	[QM_ECONST] = "series is constant",
	[QM_ENOTMR] = "series is not mean-reverting",
	[QM_ESINGULAR] = "singular matrix",
	[QM_ENOROOT] = "no root in the bracket",
	[QM_EOVERFLOW] = "result overflows",
	[QM_ENODEV] = "no GPU device",
};

/* Returns a short English description of a status code (never NULL). */
const char *qm_strerror(int status)
{
	if (status < 0 || status >= QM_NSTATUS || qm_messages[status] == NULL)
		return "unknown status";
	return qm_messages[status];
}
