/*
 * theme.c -- colour schemes for the console's semantic roles (theme.h).
 *
 * Colours are pairs 1..UI_NROLES, one per role, set once by theme_init();
 * mono maps every role to plain attributes (bold, reverse, underline,
 * dim) so a monochrome terminal or NO_COLOR still tells roles apart.
 */
#include "config.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

static attr_t theme_attrs[UI_NROLES];
static int theme_is_mono;
static int theme_force_utf8 = -1;

/* One role's colours: foreground, background (-1: the terminal's) and
 * extra attributes. */
struct theme_def {
	short fg, bg;
	attr_t extra;
};

/* Dark backgrounds. */
static const struct theme_def theme_dark[UI_NROLES] = {
	[UI_NORMAL] = { -1, -1, 0 },
	[UI_TITLE] = { COLOR_CYAN, -1, A_BOLD },
	[UI_FOCUS] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
	[UI_SELECT] = { COLOR_BLACK, COLOR_WHITE, 0 },
	[UI_STATUS] = { COLOR_WHITE, COLOR_BLUE, 0 },
	[UI_KILLED] = { COLOR_WHITE, COLOR_RED, A_BOLD | A_REVERSE },
	[UI_GAIN] = { COLOR_GREEN, -1, 0 },
	[UI_LOSS] = { COLOR_RED, -1, 0 },
	[UI_BID] = { COLOR_GREEN, -1, 0 },
	[UI_ASK] = { COLOR_RED, -1, 0 },
	[UI_STALE] = { COLOR_YELLOW, -1, A_DIM },
	[UI_ALERT] = { COLOR_YELLOW, -1, A_BOLD },
	[UI_DIM] = { COLOR_WHITE, -1, A_DIM },
	[UI_HEAT0] = { COLOR_WHITE, COLOR_BLUE, 0 },
	[UI_HEAT1] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[UI_HEAT2] = { COLOR_BLACK, COLOR_GREEN, 0 },
	[UI_HEAT3] = { COLOR_BLACK, COLOR_YELLOW, 0 },
	[UI_HEAT4] = { COLOR_WHITE, COLOR_RED, 0 },
	[UI_SERIES1] = { COLOR_CYAN, -1, 0 },
	[UI_SERIES2] = { COLOR_YELLOW, -1, 0 },
	[UI_SERIES3] = { COLOR_MAGENTA, -1, 0 },
};

/* Light backgrounds: no yellow or white text. */
static const struct theme_def theme_light[UI_NROLES] = {
	[UI_NORMAL] = { -1, -1, 0 },
	[UI_TITLE] = { COLOR_BLUE, -1, A_BOLD },
	[UI_FOCUS] = { COLOR_WHITE, COLOR_BLUE, A_BOLD },
	[UI_SELECT] = { COLOR_WHITE, COLOR_BLACK, 0 },
	[UI_STATUS] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[UI_KILLED] = { COLOR_WHITE, COLOR_RED, A_BOLD | A_REVERSE },
	[UI_GAIN] = { COLOR_GREEN, -1, A_BOLD },
	[UI_LOSS] = { COLOR_RED, -1, A_BOLD },
	[UI_BID] = { COLOR_BLUE, -1, 0 },
	[UI_ASK] = { COLOR_RED, -1, 0 },
	[UI_STALE] = { COLOR_MAGENTA, -1, 0 },
	[UI_ALERT] = { COLOR_RED, -1, A_BOLD },
	[UI_DIM] = { COLOR_BLACK, -1, A_DIM },
	[UI_HEAT0] = { COLOR_WHITE, COLOR_BLUE, 0 },
	[UI_HEAT1] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[UI_HEAT2] = { COLOR_BLACK, COLOR_GREEN, 0 },
	[UI_HEAT3] = { COLOR_BLACK, COLOR_YELLOW, 0 },
	[UI_HEAT4] = { COLOR_WHITE, COLOR_RED, 0 },
	[UI_SERIES1] = { COLOR_BLUE, -1, 0 },
	[UI_SERIES2] = { COLOR_RED, -1, 0 },
	[UI_SERIES3] = { COLOR_MAGENTA, -1, 0 },
};

/* Monochrome: attributes only. */
static const attr_t theme_mono_attrs[UI_NROLES] = {
	[UI_NORMAL] = A_NORMAL,
	[UI_TITLE] = A_BOLD,
	[UI_FOCUS] = A_REVERSE | A_BOLD,
	[UI_SELECT] = A_REVERSE,
	[UI_STATUS] = A_REVERSE,
	[UI_KILLED] = A_REVERSE | A_BOLD,
	[UI_GAIN] = A_BOLD,
	[UI_LOSS] = A_UNDERLINE,
	[UI_BID] = A_NORMAL,
	[UI_ASK] = A_NORMAL,
	[UI_STALE] = A_DIM,
	[UI_ALERT] = A_BOLD,
	[UI_DIM] = A_DIM,
	[UI_HEAT0] = A_DIM,
	[UI_HEAT1] = A_NORMAL,
	[UI_HEAT2] = A_NORMAL,
	[UI_HEAT3] = A_BOLD,
	[UI_HEAT4] = A_BOLD | A_REVERSE,
	[UI_SERIES1] = A_NORMAL,
	[UI_SERIES2] = A_BOLD,
	[UI_SERIES3] = A_NORMAL,
};

/* Sets the scheme in force. */
const char *theme_init(const char *name)
{
	const struct theme_def *defs = theme_dark;
	const char *nc = getenv("NO_COLOR");
	int i;

	if (name != NULL && strcmp(name, "light") == 0)
		defs = theme_light;
	theme_is_mono = (name != NULL && strcmp(name, "mono") == 0) ||
	    (nc != NULL && *nc != '\0') || !has_colors() || start_color() == ERR ||
	    COLORS < 8;
	if (theme_is_mono) {
		memcpy(theme_attrs, theme_mono_attrs, sizeof theme_attrs);
		return "mono";
	}
	use_default_colors();
	for (i = 0; i < UI_NROLES; i++) {
		init_pair((short)(i + 1), defs[i].fg, defs[i].bg);
		theme_attrs[i] = COLOR_PAIR(i + 1) | defs[i].extra;
	}
	/* The killed role is reverse video on every scheme: unmistakable
	 * without colour too. */
	return defs == theme_light ? "light" : "dark";
}

/* The attributes of a role. */
attr_t theme_attr(enum ui_role role)
{
	return role >= 0 && role < UI_NROLES ? theme_attrs[role] : A_NORMAL;
}

/* 1 when mono. */
int theme_mono(void)
{
	return theme_is_mono;
}

/* 1 when the locale's codeset is UTF-8 (or forced). */
int theme_utf8(void)
{
	const char *cs;

	if (theme_force_utf8 >= 0)
		return theme_force_utf8;
	cs = nl_langinfo(CODESET);
	return cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

/* Forces the UTF-8 answer (-1: detect). */
void theme_set_utf8(int on)
{
	theme_force_utf8 = on;
}

/* The rise mark. */
const char *theme_up(void)
{
	return theme_utf8() ? "\xe2\x96\xb2" : "+";
}

/* The fall mark. */
const char *theme_down(void)
{
	return theme_utf8() ? "\xe2\x96\xbc" : "-";
}
