/*
 * spool - the request spool: a file's state is the directory it is in.
 *
 *   drop/        sysadmins and aksesctl drop request and disposition files
 *   work/        claimed from drop/ by rename, being processed
 *   open/ID/     an accepted request in progress: request.yaml (exactly as
 *                received, never modified), state, dispositions/
 *   closed/ID/   the same, once done, rejected or failed
 *   quarantine/  refused input as dropped, each with NAME.reason
 *   outbox/      handover documents;  reports/  reports
 *   drop/.seq    the request id counter, flock'ed and updated in place, so
 *                that submitters (who may write only drop/) can take ids too
 *
 * Every change is atomic and durable (temp file or temp directory,
 * fsync, rename, fsync of the directory; for a batch of new requests one
 * sync of the file system for all), so a crash at any point leaves each
 * file in exactly one place, and spool_recover() finishes or undoes what
 * was half done.
 */
#ifndef AKSESD_SPOOL_H
#define AKSESD_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "state.h"

struct spool {
        char *path;
        int root_fd, drop_fd, work_fd, open_fd, closed_fd, quarantine_fd, outbox_fd, reports_fd;
};

/* Opens (creating missing directories when create) the spool at path.
 * 0 or -errno with a message in err.  Close with spool_close(). */
int spool_open(const char *path, bool create, struct spool *s, char *err, size_t errlen)
        __attribute__((warn_unused_result));
void spool_close(struct spool *s);

/* Moves drop/name to work/name.  -ENOENT when someone else took it,
 * -EEXIST while a file of that name still waits in work/. */
int spool_claim(struct spool *s, const char *name) __attribute__((warn_unused_result));

/* Allocates the next request id for now's date, durably. */
int spool_next_id(struct spool *s, time_t now, char id[REQUEST_ID_LEN + 1]) __attribute__((warn_unused_result));

/* True when id was handed out by spool_next_id (aksesctl submit names
 * its file after the id it got; any other name is not trusted). */
bool spool_id_allocated(struct spool *s, const char *id);

/* Allocates n request ids for now's date with one update of drop/.seq,
 * NOT fsynced: the caller makes it durable (spool_sync) before any of
 * the ids is used outside a staging directory (spool_recover takes a
 * request anew when its id is not on record). */
int spool_next_ids(struct spool *s, time_t now, size_t n, char (*ids)[REQUEST_ID_LEN + 1])
        __attribute__((warn_unused_result));

/* Intake with group commit (docs/DESIGN.md, "Write orders"), per batch:
 *   spool_stage_request for each request: open/.new-ID with state and
 *     request.yaml = bytes (the validated content of work/name), the
 *     dropped file moved beside them as incoming; nothing fsynced;
 *   spool_sync once: everything staged (and drop/.seq) is durable;
 *   spool_publish_request for each: open/.new-ID -> open/ID, and only
 *     then is incoming removed.  Then the request may be journaled. */
int spool_stage_request(struct spool *s, const char *work_name, const struct req_state *st, const char *bytes,
                        size_t nbytes) __attribute__((warn_unused_result));
int spool_sync(struct spool *s) __attribute__((warn_unused_result));
int spool_publish_request(struct spool *s, const char *id) __attribute__((warn_unused_result));

/* Moves dirfd/name to quarantine/ with a NAME.reason file beside it.
 * The quarantine name is derived from the file's inode, so retrying
 * after a crash overwrites rather than duplicates.  qname (size 256)
 * receives the quarantined name. */
int spool_quarantine(struct spool *s, int dirfd, const char *name, const char *reason, char *qname)
        __attribute__((warn_unused_result));

/* The state of request id, open or closed.  *closed says where it is. */
int spool_read_state(struct spool *s, const char *id, struct req_state *st, bool *closed, char *err, size_t errlen)
        __attribute__((warn_unused_result));
/* Writes the state of an open request. */
int spool_write_state(struct spool *s, const struct req_state *st) __attribute__((warn_unused_result));
/* The stored request bytes (malloc'd, caller frees). */
int spool_read_request(struct spool *s, const char *id, bool closed, char **buf, size_t *len)
        __attribute__((warn_unused_result));

/* Stores bytes (the verified content of work/name) as
 * open/ID/dispositions/stored_name and removes work/name. */
int spool_store_disposition(struct spool *s, const char *id, const char *work_name, const char *stored_name,
                            const char *bytes, size_t nbytes) __attribute__((warn_unused_result));
bool spool_has_disposition(struct spool *s, const char *id, const char *stored_name);

/* open/ID -> closed/ID. */
int spool_close_request(struct spool *s, const char *id) __attribute__((warn_unused_result));

/* Every request's state, open and closed, received in [from, to) (to 0:
 * no upper bound), into a malloc'd array the caller frees.  Unreadable
 * states are skipped and counted in *skipped.  For reports: its cost grows
 * with the spool, which is why it is never on the intake path. */
int spool_collect(struct spool *s, time_t from, time_t to, struct req_state **ret, size_t *n, size_t *skipped)
        __attribute__((warn_unused_result));

/* What spool_recover did about one request. */
enum recover_what {
        RECOVER_NONE,           /* nothing to do */
        RECOVER_UNDONE,         /* staging removed; its file is taken again from work/ */
        RECOVER_COMPLETED,      /* the intake was finished (not journaled yet) */
        RECOVER_RESTORED,       /* the same, request.yaml restored from the dropped file */
        RECOVER_STUCK,          /* left as found; why says what is wrong */
};

/* Finishes or undoes half-done intakes: open/.new-ID, and open/ID that
 * still holds the dropped file as incoming.  Makes the result durable,
 * then calls report for each request completed, restored or stuck, so
 * the caller can journal it. */
int spool_recover(struct spool *s, void (*report)(void *ctx, const char *id, enum recover_what what, const char *why),
                  void *ctx);

/* The name a disposition is stored under: "NN-STEP-DECISION.yaml". */
void disposition_stored_name(char out[128], size_t index, const char *step, const char *decision);

#endif
