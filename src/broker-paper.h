/*
 * broker-paper.h -- what the paper broker offers beyond src/broker.h:
 * choosing the market state it fills against (tests and replays use
 * their own; the default is mstate_global()).
 */
#ifndef QD_BROKER_PAPER_H
#define QD_BROKER_PAPER_H

struct broker;
struct mstate;

/* Makes the paper broker b fill against the quotes of ms (NULL: the
 * process's mstate_global()).  b must be a paper broker. */
void broker_paper_set_market(struct broker *b, struct mstate *ms);

#endif
