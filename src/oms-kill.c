/*
 * oms-kill.c -- the kill switch when no order manager runs: engaged in the
 * store, where the next OMS to start finds it (and starts killed).
 *
 * The `kill` command and the console's kill key both need it: a trader may
 * press the key with the engine stopped, and the switch must still hold
 * when trading starts again.  With an OMS running, oms_kill() is the path.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "oms.h"
#include "store.h"
#include "util.h"

/* Engages the persisted switch with its reason and an audit record. */
int oms_kill_stored(struct conf *conf, const char *why, char **cause)
{
	struct store *s = store_open(conf, STORE_MIGRATE, cause);
	int rc;

	if (s == NULL)
		return -1;
	rc = store_meta_set(s, "kill_switch", "1", cause) != 0 ||
	    store_meta_set(s, "kill_reason", why, cause) != 0 ||
	    store_audit_append(s, (double)time(NULL), "kill",
	    "{\"event\":\"engage\",\"engine\":\"stopped\"}", NULL, cause) != 0 ? -1 : 0;
	store_close(s);
	return rc;
}
