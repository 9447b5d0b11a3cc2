/*
 * conf-keys.c -- the table of every configuration key.
 *
 * Adding a key: add a row here and document it in etc/qdesk.conf.example
 * (tests/check_conf.c fails when the two disagree).
 */
#include "config.h"

#include <stddef.h>

#include "conf.h"

#define NORANGE 0, 0

const struct conf_key conf_keys[] = {
	{ "log.level", CONF_CHOICE, "info", "error|warn|info|debug", NORANGE, NULL, 0,
	  "lowest level written to the log file and the log pane" },
	{ "log.file", CONF_STRING, "", NULL, NORANGE, NULL, 0,
	  "log file; empty means $XDG_STATE_HOME/qdesk/qdesk.log" },
	{ "ui.refresh_hz", CONF_INT, "10", NULL, 1, 60, NULL, 0,
	  "console redraw rate in frames per second" },
	{ "ui.theme", CONF_CHOICE, "dark", "dark|light|mono", NORANGE, NULL, 0,
	  "console colour scheme; NO_COLOR in the environment forces mono" },
	{ "ui.history_size", CONF_INT, "1000", NULL, 0, 100000, NULL, 0,
	  "command-line history lines kept across runs" },
};

const int conf_nkeys = (int)(sizeof conf_keys / sizeof conf_keys[0]);
