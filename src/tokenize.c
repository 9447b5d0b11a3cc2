/*
 * tokenize.c -- the command-line tokenizer (see tokenize.h for the syntax).
 *
 * A small state machine over the bytes of one line.  Words are collected
 * in a growable buffer; a word that was quoted counts even when empty
 * (so '' is an empty argument, as in a shell).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tokenize.h"
#include "util.h"

struct tok_state {
	struct tok_list *list;
	char **words;
	int nwords;
	int capwords;
};

/* Adds a finished word to the current command. */
static void tok_push_word(struct tok_state *st, struct buf *w)
{
	if (st->nwords + 2 > st->capwords) {
		st->capwords = st->capwords ? st->capwords * 2 : 8;
		st->words = xrealloc(st->words, (size_t)st->capwords * sizeof *st->words);
	}
	st->words[st->nwords++] = xstrdup(w->data != NULL ? w->data : "");
	buf_reset(w);
}

/* Ends the current command, dropping it when empty. */
static void tok_push_cmd(struct tok_state *st)
{
	struct tok_list *l = st->list;
	struct tok_cmd *c;

	if (st->nwords == 0)
		return;
	l->cmds = xrealloc(l->cmds, (l->n + 1) * sizeof *l->cmds);
	c = &l->cmds[l->n++];
	st->words[st->nwords] = NULL;
	c->argc = st->nwords;
	c->argv = st->words;
	st->words = NULL;
	st->nwords = 0;
	st->capwords = 0;
}

/* Splits one line into commands and words. */
int tok_parse(const char *line, struct tok_list *out, char **cause)
{
	struct tok_state st = { out, NULL, 0, 0 };
	struct buf w;
	const char *p;
	int inword = 0;

	out->n = 0;
	out->cmds = NULL;
	buf_init(&w);
	for (p = line; *p != '\0'; p++) {
		char c = *p;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (inword)
				tok_push_word(&st, &w);
			inword = 0;
		} else if (c == ';') {
			if (inword)
				tok_push_word(&st, &w);
			inword = 0;
			tok_push_cmd(&st);
		} else if (c == '#' && !inword) {
			break;
		} else if (c == '\\') {
			if (p[1] == '\0') {
				*cause = xasprintf("trailing backslash at column %d", (int)(p - line) + 1);
				goto fail;
			}
			buf_addc(&w, *++p);
			inword = 1;
		} else if (c == '\'') {
			const char *start = p;

			for (p++; *p != '\0' && *p != '\''; p++)
				buf_addc(&w, *p);
			if (*p == '\0') {
				*cause = xasprintf("unterminated single quote at column %d",
				    (int)(start - line) + 1);
				goto fail;
			}
			if (w.data == NULL)
				buf_add(&w, "", 0);
			inword = 1;
		} else if (c == '"') {
			const char *start = p;

			for (p++; *p != '\0' && *p != '"'; p++) {
				if (*p == '\\' && p[1] != '\0') {
					p++;
					switch (*p) {
					case 'n': buf_addc(&w, '\n'); break;
					case 't': buf_addc(&w, '\t'); break;
					case '"': case '\\': buf_addc(&w, *p); break;
					default: buf_addc(&w, '\\'); buf_addc(&w, *p); break;
					}
				} else
					buf_addc(&w, *p);
			}
			if (*p == '\0') {
				*cause = xasprintf("unterminated double quote at column %d",
				    (int)(start - line) + 1);
				goto fail;
			}
			if (w.data == NULL)
				buf_add(&w, "", 0);
			inword = 1;
		} else {
			buf_addc(&w, c);
			inword = 1;
		}
	}
	if (inword)
		tok_push_word(&st, &w);
	tok_push_cmd(&st);
	buf_free(&w);
	return 0;

fail:
	buf_free(&w);
	while (st.nwords > 0)
		free(st.words[--st.nwords]);
	free(st.words);
	tok_list_free(out);
	return -1;
}

/* Frees every command and word. */
void tok_list_free(struct tok_list *list)
{
	size_t i;
	int j;

	for (i = 0; i < list->n; i++) {
		for (j = 0; j < list->cmds[i].argc; j++)
			free(list->cmds[i].argv[j]);
		free(list->cmds[i].argv);
	}
	free(list->cmds);
	list->cmds = NULL;
	list->n = 0;
}

/* Quotes a word so that tok_parse reads it back unchanged. */
void tok_quote(struct buf *b, const char *word)
{
	const char *p;
	int plain = *word != '\0';

	for (p = word; *p != '\0'; p++) {
		if (strchr(" \t\n\r;#'\"\\", *p) != NULL)
			plain = 0;
	}
	if (plain) {
		buf_adds(b, word);
		return;
	}
	buf_addc(b, '\'');
	for (p = word; *p != '\0'; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}
