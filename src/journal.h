/*
 * journal - aksesd's audit events in the systemd journal.
 *
 * Events are an API: each has a fixed MESSAGE_ID (listed here and in
 * systemd/aksesd.catalog) and the same AKSES_* field names everywhere, so
 * that `journalctl AKSES_REQUEST_ID=REQ-...` tells a request's story and
 * `journalctl MESSAGE_ID=...` finds every event of a kind.  No secret is
 * ever passed here.  The journal is not the system of record (journald
 * drops entries when it is not listening): the spool's state files are.
 */
#ifndef AKSESD_JOURNAL_H
#define AKSESD_JOURNAL_H

#include <stdbool.h>
#include <syslog.h>

enum akses_event {
        EV_REQUEST_RECEIVED,
        EV_INPUT_QUARANTINED,
        EV_DISPOSITION_ACCEPTED,
        EV_DISPOSITION_REFUSED,
        EV_STEP_STARTED,
        EV_DEADLINE_BREACHED,
        EV_REQUEST_REJECTED,
        EV_REQUEST_COMPLETED,
        EV_ACTIVATION_DUE,
        EV_INTAKE_PAUSED,
        EV_INTAKE_RESUMED,
        EV_POLICY_RELOADED,
        EV_POLICY_REFUSED,
        EV_DAEMON_STARTED,
        EV_DAEMON_STOPPING,
        EV_STATE_CORRUPT,
        EV_ACCOUNT_ACTIVATED,
        EV_GROUP_CHANGED,
        EV_ACTIVATION_CONFLICT,
        EV_HANDOVER_WRITTEN,
        EV_REPORT_WRITTEN,
        EV_DIRECTORY_DOWN,
        EV_DIRECTORY_UP,
        EV_ACTOR_APPOINTED,
        EV_ACTOR_UPDATED,
        EV_ACTOR_REMOVED,
        EV_CREDENTIAL_ROTATED,
        EV_ARCHIVE_RECORDED,
        EV_COUNT
};

/* Fields of an event; NULL or "" fields are left out. */
struct event_fields {
        const char *request_id, *step, *role, *actor, *skpd, *letter, *decision, *reason;
        const char *file, *submitter, *deadline, *escalate_to, *account_dn, *groups;
        const char *digest;     /* "blake2b-256:HEX" of a document */
};

struct journal {
        bool echo;              /* also write MESSAGE to stderr (foreground runs) */
        const char *spool;      /* AKSES_SPOOL on every event: request ids are per spool */
};

/* "REQUEST_RECEIVED" and its 32-hex-digit MESSAGE_ID. */
const char *event_name(enum akses_event ev);
const char *event_message_id(enum akses_event ev);

/* Sends one event.  Returns sd_journal_sendv's result; a 0 does not prove
 * the entry was stored. */
int journal_event(const struct journal *j, enum akses_event ev, int priority, const struct event_fields *f,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
