/*
 * tokenize.h -- splits a command line into commands and words.
 *
 * The one syntax shared by the console's command line, command files and
 * key bindings: words separated by blanks; 'single quotes' keep everything
 * literally; "double quotes" allow the escapes \" \\ \n \t; a backslash
 * outside quotes escapes the next character; an unquoted # at the start of
 * a word begins a comment; an unquoted ; separates commands.
 */
#ifndef QD_TOKENIZE_H
#define QD_TOKENIZE_H

#include <stddef.h>

struct tok_cmd {
	int argc;
	char **argv;            /* argc words, NULL-terminated */
};

struct tok_list {
	size_t n;
	struct tok_cmd *cmds;
};

/* Splits line into commands; 0 on success, -1 with *cause (allocated) on
 * a syntax error such as an unterminated quote.  Empty commands are
 * dropped, so a blank or comment-only line yields n == 0. */
int tok_parse(const char *line, struct tok_list *out, char **cause);
/* Frees what tok_parse filled in. */
void tok_list_free(struct tok_list *list);
/* Appends word to b quoted so that tok_parse reads it back unchanged. */
struct buf;
void tok_quote(struct buf *b, const char *word);

#endif
