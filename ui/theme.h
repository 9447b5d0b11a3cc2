/*
 * theme.h -- the console's colours in one place: semantic roles (gain,
 * loss, bid, ask, stale, alert, killed, ...) mapped to curses attributes
 * by the scheme named in ui.theme (dark, light, mono), with NO_COLOR and
 * terminals without colour falling back to mono.
 *
 * Widgets and panels never name a colour, only a role; meaning is never
 * carried by colour alone (callers also print +/- or arrows).
 */
#ifndef QD_UI_THEME_H
#define QD_UI_THEME_H

#include <curses.h>

enum ui_role {
	UI_NORMAL = 0,
	UI_TITLE,       /* panel titles */
	UI_FOCUS,       /* the focused panel's title */
	UI_SELECT,      /* the selected row */
	UI_STATUS,      /* the status bar */
	UI_KILLED,      /* the kill switch engaged */
	UI_GAIN,        /* a rise (always with + or an up arrow) */
	UI_LOSS,        /* a fall (always with - or a down arrow) */
	UI_BID,
	UI_ASK,
	UI_STALE,       /* old data */
	UI_ALERT,       /* errors, breaches */
	UI_DIM,         /* axes, labels */
	UI_HEAT0,       /* heatmap, low .. high */
	UI_HEAT1,
	UI_HEAT2,
	UI_HEAT3,
	UI_HEAT4,
	UI_SERIES1,     /* chart series */
	UI_SERIES2,
	UI_SERIES3,
	UI_NROLES
};

/* Sets the scheme ("dark", "light", "mono"; NULL or unknown: dark) after
 * initscr(); mono when NO_COLOR is set or the terminal has no colour.
 * Returns the scheme in force. */
const char *theme_init(const char *name);
/* The attributes of a role. */
attr_t theme_attr(enum ui_role role);
/* 1 when the scheme in force is mono. */
int theme_mono(void);
/* 1 when the locale's characters are UTF-8 (braille and arrows allowed). */
int theme_utf8(void);
/* Forces the UTF-8 test's answer (benches, tests): 0, 1, or -1 to detect. */
void theme_set_utf8(int on);
/* The up/down marks for rises and falls in the current locale. */
const char *theme_up(void);
const char *theme_down(void);

#endif
