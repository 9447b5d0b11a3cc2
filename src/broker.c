/*
 * broker.c -- the table of brokers behind src/broker.h and what they
 * share: broker_find() picks one by name (the OMS opens the configured
 * one), broker_state_free() releases a snapshot.
 *
 * The paper broker (broker-paper.c) is the built-in default; HTTP broker
 * plugins join this table when they exist.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "broker.h"

extern const struct broker_ops broker_paper_ops;

/* Every broker this program knows, by name. */
static const struct broker_ops *const broker_table[] = {
	&broker_paper_ops,
	NULL
};

/* Returns the broker of a name ("paper"), or NULL. */
const struct broker_ops *broker_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; broker_table[i] != NULL; i++) {
		if (strcmp(broker_table[i]->name, name) == 0)
			return broker_table[i];
	}
	return NULL;
}

/* Frees the arrays of a broker's snapshot and empties it. */
void broker_state_free(struct broker_state *st)
{
	if (st == NULL)
		return;
	free(st->orders);
	free(st->fills);
	free(st->positions);
	memset(st, 0, sizeof *st);
}
