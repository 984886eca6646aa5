/*
 * chain - the SOP's approval chain: may this disposition move this
 * request, and where does it go next?
 *
 * Pure functions over the policy, a request's state and a parsed
 * disposition: no I/O, no clock (the caller passes `now`), so every
 * rule is unit-tested without a spool.  The daemon journals and
 * quarantines on the reasons returned here.
 */
#ifndef AKSESD_CHAIN_H
#define AKSESD_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "disposition.h"
#include "policy.h"
#include "state.h"

struct registry;

/* How far in the future a disposition's own time may be (clock skew). */
#define CHAIN_MAX_SKEW_SECONDS 300

/* The step a request waits at, or NULL when it is closed. */
const struct step *chain_current_step(const struct policy *p, const struct req_state *st);

/* Who must act now: the role, and the one actor when the request was
 * forwarded to someone ("" otherwise). */
enum role_id chain_who_must_act(const struct policy *p, const struct req_state *st, const char **actor);

/* The actor with this id in any role of the policy, else in the registry
 * of appointees (active or not: the caller says why a revoked one may not
 * sign), and that role when role is not NULL; NULL when nobody has it. */
const struct actor *chain_find_signer(const struct policy *p, const struct registry *reg, const char *id,
                                      enum role_id *role);

/* Checks a disposition whose bytes are buf against the request's state.
 * Returns true when it may be applied; otherwise false with the reason
 * (one sentence, for the journal and the .reason file) in reason. */
bool chain_check(const struct policy *p, const struct registry *reg, const struct req_state *st,
                 const struct disposition *d, const char *buf, time_t now, char *reason, size_t reasonlen);

/* Applies a checked disposition: records it and moves the request on. */
void chain_apply(const struct policy *p, struct req_state *st, const struct disposition *d, time_t now);

/* Marks the current automatic step (activate after approval, handover,
 * report) done and moves on; the request is done after its last step. */
void chain_advance(const struct policy *p, struct req_state *st, time_t now);

#define CHAIN_APPROVER_MAX (ACTOR_ID_MAX + 32)

/* "role:actor" for each approving disposition in the history, in order,
 * into out (pointers in ptrs); returns how many (at most max). */
size_t chain_approvers(const struct policy *p, const struct req_state *st, char out[][CHAIN_APPROVER_MAX],
                       const char **ptrs, size_t max);

#endif
