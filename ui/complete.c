/*
 * complete.c -- tab completion for the console (complete.h).
 *
 * Readline asks for the candidates of the word under the cursor; what they
 * are depends on the words before it: the first word completes to command
 * names (the first word of two-word families such as `calibrate`), the
 * second to the family's second words, a word starting with '-' to the
 * options of the command named so far, and any other word to the symbols
 * of the market state (quotes, chain underlyings, the simulator's pairs in
 * the parameter book) and `all`.  Filename completion never happens: this
 * is a trading command line, not a shell.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <readline/readline.h>

#include "cmd.h"
#include "complete.h"
#include "engine.h"
#include "market-state.h"
#include "util.h"

static char **complete_cand;    /* the candidates of the current completion */
static size_t complete_n, complete_cap;
static void (*complete_show)(const char *line);

/* Empties the candidate list. */
void complete_free(void)
{
	size_t i;

	for (i = 0; i < complete_n; i++)
		free(complete_cand[i]);
	complete_n = 0;
}

/* Adds a candidate once (the list is small). */
static void complete_add(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < complete_n; i++)
		if (strlen(complete_cand[i]) == len && strncmp(complete_cand[i], s, len) == 0)
			return;
	if (complete_n == complete_cap) {
		complete_cap = complete_cap ? 2 * complete_cap : 64;
		complete_cand = xrealloc(complete_cand, complete_cap * sizeof *complete_cand);
	}
	complete_cand[complete_n] = xmalloc(len + 1);
	memcpy(complete_cand[complete_n], s, len);
	complete_cand[complete_n][len] = '\0';
	complete_n++;
}

/* readline's generator over the candidates that start with text. */
static char *complete_gen(const char *text, int state)
{
	static size_t i, len;

	if (state == 0) {
		i = 0;
		len = strlen(text);
	}
	while (i < complete_n) {
		const char *c = complete_cand[i++];

		if (strncmp(c, text, len) == 0)
			return xstrdup(c);
	}
	return NULL;
}

/* The command entry named by the words before the cursor, or NULL. */
static const struct cmd_entry *complete_entry(const char *w1, const char *w2)
{
	char two[128];
	int i;

	snprintf(two, sizeof two, "%s %s", w1, w2 != NULL ? w2 : "");
	for (i = 0; i < cmd_table_size; i++)
		if (w2 != NULL && strcmp(cmd_table[i]->name, two) == 0)
			return cmd_table[i];
	for (i = 0; i < cmd_table_size; i++)
		if (strcmp(cmd_table[i]->name, w1) == 0)
			return cmd_table[i];
	return NULL;
}

/* Symbols of the market state and the parameter book. */
static void complete_symbols(void)
{
	const struct mstate_snap *ms = mstate_snapshot(mstate_global());
	const struct engine_snap *es = engine_snapshot();
	const struct calib_book *b = engine_snap_book(es);
	size_t i;

	for (i = 0; i < mstate_snap_nquotes(ms); i++) {
		const char *s = mstate_snap_quote_at(ms, i)->symbol;

		complete_add(s, strlen(s));
	}
	for (i = 0; i < mstate_snap_nchains(ms); i++) {
		const char *s = mstate_snap_chain_at(ms, i)->underlying;

		complete_add(s, strlen(s));
	}
	for (i = 0; i < b->n; i++)
		complete_add(b->v[i].symbol, strlen(b->v[i].symbol));
	complete_add("all", 3);
	engine_snap_release(es);
	mstate_snap_release(ms);
}

/* readline's entry point. */
static char **complete_attempt(const char *text, int start, int end)
{
	char w[2][64];
	int nw = 0, i;
	const char *p = rl_line_buffer;
	const struct cmd_entry *e;

	(void)end;
	rl_attempted_completion_over = 1;       /* no filename fallback */
	complete_free();
	/* The words before the one being completed. */
	while (p < rl_line_buffer + start) {
		size_t len;

		while (p < rl_line_buffer + start && *p == ' ')
			p++;
		len = strcspn(p, " ");
		if (p + len > rl_line_buffer + start || len == 0)
			break;
		if (nw < 2)
			snprintf(w[nw], sizeof w[nw], "%.*s", (int)len, p);
		nw++;
		p += len;
	}
	if (nw == 0) {
		for (i = 0; i < cmd_table_size; i++)
			complete_add(cmd_table[i]->name, strcspn(cmd_table[i]->name, " "));
	} else if (nw == 1 && text[0] != '-' && complete_entry(w[0], NULL) == NULL) {
		/* the second word of a family: "calibrate heston" */
		size_t l = strlen(w[0]);

		for (i = 0; i < cmd_table_size; i++)
			if (strncmp(cmd_table[i]->name, w[0], l) == 0 && cmd_table[i]->name[l] == ' ')
				complete_add(cmd_table[i]->name + l + 1,
				    strlen(cmd_table[i]->name + l + 1));
	} else if (text[0] == '-') {
		e = complete_entry(w[0], nw > 1 ? w[1] : NULL);
		for (i = 0; e != NULL && e->opts != NULL && e->opts[i].name != NULL; i++) {
			char opt[80];

			snprintf(opt, sizeof opt, "--%s", e->opts[i].name);
			complete_add(opt, strlen(opt));
		}
	} else
		complete_symbols();
	return rl_completion_matches(text, complete_gen);
}

/* Shows the candidates as one line of output. */
static void complete_display(char **matches, int num, int max)
{
	struct buf b;
	int i;

	(void)max;
	buf_init(&b);
	for (i = 1; i <= num && b.len < 4000; i++) {
		if (i > 1)
			buf_adds(&b, "  ");
		buf_adds(&b, matches[i]);
	}
	if (complete_show != NULL && b.data != NULL)
		complete_show(b.data);
	buf_free(&b);
}

/* Installs the completion. */
void complete_install(void (*show)(const char *line))
{
	complete_show = show;
	rl_attempted_completion_function = complete_attempt;
	rl_completion_display_matches_hook = complete_display;
	rl_completion_query_items = 1000;       /* never ask "display all?" */
}
