/*
 * executor - the thread that activates accounts, so that the event loop
 * keeps taking files, answering signals and the watchdog while LDAP
 * round trips and argon2id hashing (tens of ms, 64 MiB) run.
 *
 * The event loop hands over a job (a plan and a policy reference) and
 * gets it back, with its result, through a pipe watched by sd-event; the
 * callback runs on the event loop thread.  The thread owns the directory
 * session and keeps it open between jobs.
 */
#ifndef AKSESD_EXECUTOR_H
#define AKSESD_EXECUTOR_H

#include <systemd/sd-event.h>

#include "activate.h"
#include "appoint.h"
#include "disposition.h"
#include "policy.h"
#include "provision.h"

struct job {
        struct job *next;
        char id[REQUEST_ID_LEN + 1];
        struct policy *policy;          /* a reference, dropped by executor_job_free */
        /* One of: an SKPD account (Procedure 2) or an actor (Procedure 1). */
        struct account_plan *plan;      /* owned by the job */
        struct activation_result res;
        struct actor_job *actor;        /* owned by the job */
        struct actor_result ares;
};

struct executor;

typedef void (*executor_done_fn)(void *ctx, struct job *job);

int executor_start(sd_event *e, executor_done_fn done, void *ctx, struct executor **ret)
        __attribute__((warn_unused_result));
/* Queues job; the executor owns it until done() gets it back. */
void executor_submit(struct executor *x, struct job *job);
/* Finishes the job in hand, drops queued ones (they are found again at
 * the next start: their state still says activation_due) and joins. */
void executor_stop(struct executor *x);

/* Frees a job, its plan, its password and its policy reference. */
void executor_job_free(struct job *job);

#endif
