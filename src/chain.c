/*
 * chain - the SOP's approval chain; see chain.h.
 */
#include "chain.h"

#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "ycheck.h"

const struct step *chain_current_step(const struct policy *p, const struct req_state *st)
{
        const struct workflow *w = &p->workflows[st->kind];
        if (st->status != STATUS_OPEN || st->step >= w->n_steps)
                return NULL;
        return &w->steps[st->step];
}

enum role_id chain_who_must_act(const struct policy *p, const struct req_state *st, const char **actor)
{
        const struct step *s = chain_current_step(p, st);
        *actor = "";
        if (!s || st->activation_due)   /* approved: aksesd acts, not a person */
                return ROLE_NONE;
        if (st->forward_to[0] && st->step > 0 &&
            p->workflows[st->kind].steps[st->step - 1].action == ACTION_FORWARD)
                *actor = st->forward_to;
        return s->role;
}

const struct actor *chain_find_signer(const struct policy *p, const struct registry *reg, const char *id,
                                      enum role_id *role)
{
        const struct registered *e = registry_get(reg, id);
        if (e) {
                if (role)
                        *role = e->role;
                return &e->actor;
        }
        for (int r = 0; r < ROLE_COUNT; r++) {
                const struct actor *a = policy_find_actor(p, (enum role_id)r, id);
                if (a) {
                        if (role)
                                *role = (enum role_id)r;
                        return a;
                }
        }
        return NULL;
}

bool chain_check(const struct policy *p, const struct registry *reg, const struct req_state *st,
                 const struct disposition *d, const char *buf, time_t now, char *reason, size_t len)
{
        enum role_id signer_role = ROLE_NONE;
        const struct actor *a = chain_find_signer(p, reg, d->actor, &signer_role);
        if (!a) {
                snprintf(reason, len, "unknown actor '%s': not a member of any role in the policy, nor appointed",
                         d->actor);
                return false;
        }
        if (!disposition_verify(d, buf, a->pk)) {
                snprintf(reason, len, "bad signature: the disposition does not verify with the key of '%s'", d->actor);
                return false;
        }
        if (a->has_expiry) {
                struct ydate today = ydate_of(now), exp = { a->expires_year, a->expires_month, a->expires_day };
                if (ydate_cmp(today, exp) > 0) {
                        snprintf(reason, len, "the key of '%s' expired on %04d-%02d-%02d", d->actor,
                                 a->expires_year, a->expires_month, a->expires_day);
                        return false;
                }
        }
        for (size_t i = 0; i < st->n_history; i++) {
                if (sodium_memcmp(st->history[i].nonce, d->nonce, NONCE_BYTES) == 0) {
                        snprintf(reason, len, "replayed disposition: this one was already accepted at step %u",
                                 st->history[i].step + 1);
                        return false;
                }
        }
        if (sodium_memcmp(st->digest, d->digest, DIGEST_BYTES) != 0) {
                snprintf(reason, len, "the disposition was signed over different request content: "
                                      "the request changed after it was received, or this is another request");
                return false;
        }
        const struct step *s = chain_current_step(p, st);
        if (!s) {
                snprintf(reason, len, "the request is already closed (%s)", status_name(st->status));
                return false;
        }
        if (strcmp(d->step, s->id) != 0) {
                snprintf(reason, len, "wrong step: the disposition is for step '%s' but the request is at step '%s'",
                         d->step, s->id);
                return false;
        }
        if (s->action == ACTION_HANDOVER || s->action == ACTION_REPORT || st->activation_due) {
                snprintf(reason, len, "step '%s' is carried out by aksesd, not by a disposition", s->id);
                return false;
        }
        const struct registered *appointed = registry_get(reg, d->actor);
        if (appointed && !appointed->active) {
                char when[21];
                time_format_utc(appointed->since, when);
                snprintf(reason, len, "'%s' no longer holds role %s: the appointment was revoked on %s", d->actor,
                         role_name(appointed->role), when);
                return false;
        }
        if (!actor_lookup(p, reg, s->role, d->actor)) {
                snprintf(reason, len, "wrong role: '%s' is %s, but step '%s' needs %s", d->actor,
                         role_name(signer_role), s->id, role_name(s->role));
                return false;
        }
        const char *forwarded;
        chain_who_must_act(p, st, &forwarded);
        /* Forwarded to someone who has since lost the role: the role as a
         * whole may act, or the request would be stuck for ever. */
        if (forwarded[0] && strcmp(forwarded, d->actor) != 0 && actor_lookup(p, reg, s->role, forwarded)) {
                snprintf(reason, len, "wrong admin: the request was forwarded to '%s', not '%s'", forwarded, d->actor);
                return false;
        }
        if (p->separation_of_duties) {
                if (st->subject[0] && strcmp(st->subject, d->actor) == 0) {
                        snprintf(reason, len, "separation of duties: '%s' may not dispose of their own appointment",
                                 d->actor);
                        return false;
                }
                const struct workflow *w = &p->workflows[st->kind];
                for (size_t i = 0; i < st->n_history; i++) {
                        if (strcmp(st->history[i].actor, d->actor) == 0 && st->history[i].step != st->step) {
                                snprintf(reason, len, "separation of duties: '%s' already acted at step '%s' of this request",
                                         d->actor, st->history[i].step < w->n_steps ? w->steps[st->history[i].step].id : "?");
                                return false;
                        }
                }
        }
        if (d->time > now + CHAIN_MAX_SKEW_SECONDS) {
                snprintf(reason, len, "the disposition is dated in the future");
                return false;
        }
        if (d->decision == DECISION_REJECT && !d->note[0]) {
                snprintf(reason, len, "a rejection must say why (a note)");
                return false;
        }
        if (d->decision == DECISION_APPROVE && s->action == ACTION_FORWARD) {
                const struct step *next = &p->workflows[st->kind].steps[st->step + 1];
                if (!d->to[0]) {
                        snprintf(reason, len, "step '%s' forwards: name the %s it goes to (--to)", s->id,
                                 role_name(next->role));
                        return false;
                }
                if (!actor_lookup(p, reg, next->role, d->to)) {
                        snprintf(reason, len, "cannot forward to '%s': not a member of role %s", d->to,
                                 role_name(next->role));
                        return false;
                }
        } else if (d->to[0]) {
                snprintf(reason, len, "step '%s' does not forward, but the disposition names '%s'", s->id, d->to);
                return false;
        }
        return true;
}

static void enter_step(struct req_state *st, unsigned step, time_t now)
{
        st->step = step;
        st->step_started = now;
        st->breached = false;
        st->activation_due = false;
}

void chain_advance(const struct policy *p, struct req_state *st, time_t now)
{
        const struct workflow *w = &p->workflows[st->kind];
        if (st->step + 1 >= w->n_steps) {
                st->status = STATUS_DONE;
                st->activation_due = false;
                st->step_started = now;
                return;
        }
        enter_step(st, st->step + 1, now);
}

void chain_apply(const struct policy *p, struct req_state *st, const struct disposition *d, time_t now)
{
        const struct step *s = chain_current_step(p, st);
        if (st->n_history < STATE_MAX_HISTORY) {
                struct history_entry *h = &st->history[st->n_history++];
                memset(h, 0, sizeof(*h));
                h->step = st->step;
                h->decision = d->decision;
                snprintf(h->actor, sizeof(h->actor), "%s", d->actor);
                snprintf(h->to, sizeof(h->to), "%s", d->to);
                h->signed_at = d->time;
                h->accepted_at = now;
                memcpy(h->nonce, d->nonce, NONCE_BYTES);
        }
        if (d->decision == DECISION_REJECT) {
                st->status = STATUS_REJECTED;
                snprintf(st->reason, sizeof(st->reason), "%s", d->note);
                return;
        }
        if (s->action == ACTION_FORWARD)
                snprintf(st->forward_to, sizeof(st->forward_to), "%s", d->to);
        if (s->action == ACTION_ACTIVATE) {
                /* The executor's turn: the request stays at this step until
                 * the directory has been written. */
                st->activation_due = true;
                return;
        }
        chain_advance(p, st, now);
}

/* "role:actor" for each approval in the history, in order. */
size_t chain_approvers(const struct policy *p, const struct req_state *st, char out[][CHAIN_APPROVER_MAX],
                           const char **ptrs, size_t max)
{
        const struct workflow *w = &p->workflows[st->kind];
        size_t n = 0;
        for (size_t i = 0; i < st->n_history && n < max; i++) {
                const struct history_entry *h = &st->history[i];
                if (h->decision != DECISION_APPROVE || h->step >= w->n_steps)
                        continue;
                snprintf(out[n], CHAIN_APPROVER_MAX, "%s:%s", role_name(w->steps[h->step].role), h->actor);
                ptrs[n] = out[n];
                n++;
        }
        return n;
}
