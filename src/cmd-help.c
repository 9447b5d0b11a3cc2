/*
 * cmd-help.c -- `help [TOPIC]`, and the man page built from the same text.
 *
 * Without a topic, help lists every command (from the command table) and
 * every concept topic (from help/).  With one, it prints the command's
 * usage and options followed by its topic text.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "help.h"
#include "util.h"

/* Returns the text of a topic, or NULL. */
const char *help_find(const char *name)
{
	int i;

	for (i = 0; i < help_ntopics; i++) {
		if (strcmp(help_topics[i].name, name) == 0)
			return help_topics[i].text;
	}
	return NULL;
}

/* Returns 1 when a topic is some command's topic. */
static int help_is_command_topic(const char *name)
{
	int i;

	for (i = 0; i < cmd_table_size; i++) {
		if (strcmp(cmd_table[i]->topic, name) == 0)
			return 1;
	}
	return 0;
}

/* Prints a multi-line text through out_text, one line at a time. */
static void help_print_text(struct out *o, const char *text, int skip_first)
{
	const char *p = text, *nl;

	if (skip_first && (nl = strchr(p, '\n')) != NULL)
		p = nl + 1;
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == NULL) {
			out_text(o, "%s", p);
			break;
		}
		out_text(o, "%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
}

/* Returns the first line of a topic (its summary) in a new string. */
static char *help_summary(const char *text)
{
	const char *nl = strchr(text, '\n');

	return nl ? xasprintf("%.*s", (int)(nl - text), text) : xstrdup(text);
}

/* Lists commands and concept topics. */
static void help_list(struct out *o)
{
	int i;

	out_text(o, "Commands (help COMMAND for details):");
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];

		if (!(e->flags & CMD_HIDDEN))
			out_text(o, "  %-18s %s", e->name, e->summary);
	}
	out_text(o, "%s", "");
	out_text(o, "Topics (help TOPIC):");
	for (i = 0; i < help_ntopics; i++) {
		char *s;

		if (help_is_command_topic(help_topics[i].name))
			continue;
		s = help_summary(help_topics[i].text);
		out_text(o, "  %-18s %s", help_topics[i].name, s);
		free(s);
	}
}

/* Prints the usage, options and topic of one command. */
static void help_command(struct out *o, const struct cmd_entry *e)
{
	const char *text = help_find(e->topic);
	char *u = cmd_usage(e);
	int i;

	out_text(o, "usage: %s", u);
	free(u);
	if (e->alias != NULL)
		out_text(o, "alias: %s", e->alias);
	for (i = 0; e->opts != NULL && e->opts[i].name != NULL; i++) {
		const struct cmd_opt *op = &e->opts[i];
		char *lhs = op->type == OPT_FLAG ? xasprintf("--%s", op->name) :
		    xasprintf("--%s %s", op->name, op->arg ? op->arg : "VALUE");

		out_text(o, "  %-26s %s", lhs, op->help);
		free(lhs);
	}
	out_text(o, "%s", "");
	if (text != NULL)
		help_print_text(o, text, 0);
}

/* help [TOPIC...] */
static int cmd_help_exec(struct cmd_ctx *ctx, const struct cmd_args *args)
{
	const struct cmd_entry *e;
	char *words[3], *cause = NULL;
	const char *text;
	int n = cmd_arg_npos(args), used;

	if (n == 0) {
		help_list(ctx->out);
		return 0;
	}
	words[0] = (char *)cmd_arg_pos(args, 0);
	words[1] = (char *)cmd_arg_pos(args, 1);
	words[2] = NULL;
	if ((e = cmd_find(n, words, &used, &cause)) != NULL && used == n) {
		help_command(ctx->out, e);
		return 0;
	}
	free(cause);
	if (n == 1 && (text = help_find(words[0])) != NULL) {
		help_print_text(ctx->out, text, 0);
		return 0;
	}
	return cmd_error(ctx, "help: no topic '%s%s%s' (try 'help')", words[0],
	    n > 1 ? " " : "", n > 1 ? words[1] : "");
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.alias = "?",
	.positional = "[TOPIC]",
	.min_pos = 0,
	.max_pos = 2,
	.opts = NULL,
	.topic = "help",
	.flags = CMD_READONLY_OK,
	.summary = "list commands, or show a command or topic",
	.exec = cmd_help_exec,
};

/* Writes s escaped for roff (backslashes, leading dots and quotes). */
static void help_man_line(struct out *o, const char *s)
{
	struct buf b;
	const char *p;

	buf_init(&b);
	if (*s == '.' || *s == '\'')
		buf_adds(&b, "\\&");
	for (p = s; *p != '\0'; p++) {
		if (*p == '\\')
			buf_adds(&b, "\\e");
		else if (*p == '-')
			buf_adds(&b, "\\-");
		else
			buf_addc(&b, *p);
	}
	o->write(o->arg, b.data != NULL ? b.data : "");
	buf_free(&b);
}

/* Writes a topic's text as a no-fill block. */
static void help_man_text(struct out *o, const char *text)
{
	char *copy = xstrdup(text), *line, *save = NULL;

	o->write(o->arg, ".nf");
	for (line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		help_man_line(o, line);
	o->write(o->arg, ".fi");
	free(copy);
}

/* Writes the man page: synopsis, options, every command and topic. */
void help_write_man(struct out *o)
{
	const char *intro = help_find("qdesk");
	int i, j;

	o->write(o->arg, ".TH QDESK 1 \"\" \"qdesk " PACKAGE_VERSION "\" \"qdesk manual\"");
	o->write(o->arg, ".SH NAME");
	o->write(o->arg, "qdesk \\- terminal workstation for volatility and mean-reversion trading");
	o->write(o->arg, ".SH SYNOPSIS");
	o->write(o->arg, ".B qdesk");
	o->write(o->arg, "[\\fIoptions\\fR] [\\fB\\-b\\fR \\fIFILE\\fR | \\fICOMMAND\\fR [\\fIARGS\\fR...]]");
	if (intro != NULL) {
		o->write(o->arg, ".SH DESCRIPTION");
		help_man_text(o, intro);
	}
	o->write(o->arg, ".SH COMMANDS");
	for (i = 0; i < cmd_table_size; i++) {
		const struct cmd_entry *e = cmd_table[i];
		const char *text = help_find(e->topic);
		char *u = cmd_usage(e);

		o->write(o->arg, ".TP");
		help_man_line(o, u);
		free(u);
		help_man_line(o, e->summary);
		for (j = 0; e->opts != NULL && e->opts[j].name != NULL; j++) {
			char *l = xasprintf("--%s: %s", e->opts[j].name, e->opts[j].help);

			o->write(o->arg, ".br");
			help_man_line(o, l);
			free(l);
		}
		/* A topic shared by several commands is printed under the first. */
		for (j = 0; j < i && strcmp(cmd_table[j]->topic, e->topic) != 0; j++)
			;
		if (text != NULL && j == i)
			help_man_text(o, text);
	}
	o->write(o->arg, ".SH TOPICS");
	for (i = 0; i < help_ntopics; i++) {
		if (help_is_command_topic(help_topics[i].name) ||
		    strcmp(help_topics[i].name, "qdesk") == 0)
			continue;
		o->write(o->arg, ".SS");
		help_man_line(o, help_topics[i].name);
		help_man_text(o, help_topics[i].text);
	}
}
