/*
 * complete.h -- tab completion on the console's command line: command
 * names (one or two words, from the one command table), a command's
 * options, and symbols of the market state.
 */
#ifndef QD_UI_COMPLETE_H
#define QD_UI_COMPLETE_H

/* Installs the completion into readline; show() prints one line of
 * candidates where the console shows output (never to the terminal
 * directly: curses owns it). */
void complete_install(void (*show)(const char *line));
/* Frees what the last completion kept. */
void complete_free(void);

#endif
