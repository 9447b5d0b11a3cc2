/*
 * paths.h -- where qdesk keeps its files, following the XDG base directory
 * specification: configuration in $XDG_CONFIG_HOME/qdesk, data (the SQLite
 * store) in $XDG_DATA_HOME/qdesk, state (logs, history, the kill-switch
 * flag) in $XDG_STATE_HOME/qdesk.
 */
#ifndef QD_PATHS_H
#define QD_PATHS_H

enum paths_kind { PATHS_CONFIG, PATHS_DATA, PATHS_STATE };

/* Returns a newly allocated "DIR/qdesk" for the kind (not created). */
char *paths_dir(enum paths_kind kind);
/* Returns a newly allocated "DIR/qdesk/NAME", creating DIR/qdesk (mode
 * 0700) when create is set; NULL with cause when it cannot be created. */
char *paths_file(enum paths_kind kind, const char *name, int create, char **cause);
/* Creates a directory and its parents (like mkdir -p). 0 or -1. */
int paths_mkdir_p(const char *dir, int mode);

#endif
