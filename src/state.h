/*
 * state - the state file of one request in the spool.
 *
 * The state file, not the journal, is the system of record: journald
 * drops entries silently when it is not listening.  It is a line format
 * with a version header and an "end" trailer, so a torn or truncated file
 * is recognised as such when read back (it never should be: it is only
 * ever replaced atomically).  Pure: no I/O here.
 */
#ifndef AKSESD_STATE_H
#define AKSESD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "disposition.h"
#include "policy.h"

#define STATE_MAX_HISTORY 32
#define STATE_MAX_BYTES 16384

enum req_status {
        STATUS_OPEN,            /* waiting at `step` */
        STATUS_REJECTED,        /* a disposition rejected it */
        STATUS_DONE,            /* every step done */
        STATUS_FAILED,          /* stopped with a reason (e.g. a directory conflict) */
};

struct history_entry {
        unsigned step;                  /* index into the workflow */
        enum decision decision;
        char actor[ACTOR_ID_MAX + 1];
        char to[ACTOR_ID_MAX + 1];
        time_t signed_at;               /* the disposition's own time */
        time_t accepted_at;
        unsigned char nonce[NONCE_BYTES];
        unsigned long long source_ino;  /* inode of the dropped file: tells our own
                                         * half-filed disposition from a replay */
};

struct req_state {
        char id[REQUEST_ID_LEN + 1];
        enum request_kind kind;
        unsigned char digest[DIGEST_BYTES];     /* of the request as received */
        uid_t submitter_uid;
        char submitter[33];
        time_t received;
        char skpd[33];                  /* journal fields; empty for Procedure 1 */
        char letter[101];
        char subject[ACTOR_ID_MAX + 1]; /* Procedure 1: the appointee's actor id; "" otherwise */
        enum req_status status;
        unsigned step;                  /* current step index */
        time_t step_started;
        bool breached;                  /* the current step's breach was journaled */
        bool activation_due;            /* the activate step was approved: executor's turn */
        char forward_to[ACTOR_ID_MAX + 1];
        char reason[NOTE_MAX_CHARS * 4 + 1];    /* why it was rejected or failed */
        enum { ACCOUNT_UNTOUCHED, ACCOUNT_CREATED, ACCOUNT_UPDATED } account;   /* what activation did */
        size_t n_history;
        struct history_entry history[STATE_MAX_HISTORY];
};

const char *status_name(enum req_status s);

/* Serialises into buf (size STATE_MAX_BYTES); returns the length, or 0
 * when it does not fit. */
size_t state_format(const struct req_state *st, char *buf, size_t size);

/* Parses a state file; false with a reason in err when it is not a
 * complete, valid version-1 state. */
bool state_parse(const char *buf, size_t len, struct req_state *st, char *err, size_t errlen);

/* When the current step's service standard runs out. */
time_t state_deadline(const struct req_state *st, const struct policy *p);

#endif
