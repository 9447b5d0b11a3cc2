/*
 * paths.c -- XDG base directories for qdesk's configuration, data and state.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "util.h"

/* Returns the XDG base directory for a kind, without the qdesk suffix. */
static char *paths_base(enum paths_kind kind)
{
	static const char *const envs[] = { "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME" };
	static const char *const defs[] = { ".config", ".local/share", ".local/state" };
	const char *v = getenv(envs[kind]);
	const char *home;

	/* The spec says a relative value is invalid and must be ignored. */
	if (v != NULL && v[0] == '/')
		return xstrdup(v);
	home = getenv("HOME");
	if (home == NULL || *home == '\0')
		home = "/tmp";
	return xasprintf("%s/%s", home, defs[kind]);
}

/* Returns DIR/qdesk for a kind. */
char *paths_dir(enum paths_kind kind)
{
	char *base = paths_base(kind);
	char *dir = xasprintf("%s/qdesk", base);

	free(base);
	return dir;
}

/* Creates dir and its parents. */
int paths_mkdir_p(const char *dir, int mode)
{
	char *tmp = xstrdup(dir);
	char *p;

	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, (mode_t)mode) != 0 && errno != EEXIST) {
			free(tmp);
			return -1;
		}
		*p = '/';
	}
	free(tmp);
	if (mkdir(dir, (mode_t)mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Returns DIR/qdesk/NAME, creating the directory when asked. */
char *paths_file(enum paths_kind kind, const char *name, int create, char **cause)
{
	char *dir = paths_dir(kind);
	char *file;

	if (create && paths_mkdir_p(dir, 0700) != 0) {
		*cause = xasprintf("cannot create directory %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	file = xasprintf("%s/%s", dir, name);
	free(dir);
	return file;
}
