/*
 * help.h -- the help topics compiled into the program.
 *
 * The text lives in help/<topic>.txt; help/mkhelp.sh turns the folder into
 * help-topics.c at build time, so `help TOPIC` in the console, `qdesk help
 * TOPIC` and the man page all show the same words.  The first line of a
 * topic file is its one-line summary.
 */
#ifndef QD_HELP_H
#define QD_HELP_H

struct help_topic {
	const char *name;
	const char *text;
};

extern const struct help_topic help_topics[];
extern const int help_ntopics;

/* Returns the text of a topic, or NULL. */
const char *help_find(const char *name);

struct out;
/* Writes the man page (roff) built from the command table and topics. */
void help_write_man(struct out *o);

#endif
