/*
 * audit - a request's story read back from the systemd journal.
 *
 * Reads, with the sd_journal API, every aksesd event of one request of
 * one spool (AKSES_REQUEST_ID and AKSES_SPOOL: ids restart per spool), in
 * journal order: intake, each disposition with actor, role and note,
 * refusals, breaches, activation with DN and groups, handover, report.
 * Works on the live journal, a journal directory or exported journal
 * files, as journalctl's --directory and --file do.
 */
#ifndef AKSESD_AUDIT_H
#define AKSESD_AUDIT_H

#include <stdbool.h>
#include <stdio.h>

struct audit_query {
        const char *request_id;
        const char *spool;              /* NULL: any spool */
        const char *directory;          /* NULL: the local journal */
        const char *const *files;       /* NULL-terminated, or NULL */
        bool json;
};

/* Writes the story to out.  Returns the number of events (0: none found),
 * or -errno with a message in err. */
int audit_print(FILE *out, const struct audit_query *q, char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
