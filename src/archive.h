/*
 * archive - the safe place for records of super admin and admin accounts
 * (SOP Procedure 1, step 7): an append-only, tamper-evident log.
 *
 * Each record is one line holding its sequence number, time, kind,
 * request id, subject and the BLAKE2b-256 digest of the document it
 * records, chained to the previous record by a BLAKE2b-256 hash and
 * signed with the daemon's own Ed25519 key.  Changing, removing or
 * reordering any record breaks the chain at that record, and nobody
 * without the daemon's key can re-sign a forged tail.
 */
#ifndef AKSESD_ARCHIVE_H
#define AKSESD_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "disposition.h"
#include "keys.h"

#define ARCHIVE_FILE "archive.log"
#define DAEMON_KEY_FILE "daemon.key"
#define DAEMON_PUB_FILE "daemon.pub"

/* The daemon's signing key in dirfd (the spool root): loaded, or created
 * (0600, with daemon.pub beside it) on first use.  *ret as key_load_secret. */
int archive_daemon_key(int dirfd, struct secret_key **ret, char *err, size_t errlen)
        __attribute__((warn_unused_result));

/* Appends one record to dirfd/archive.log and fsyncs it.  kind and
 * subject: short single-line text ("appointment", "rotation", "removal",
 * "report"; an actor id or account DN); digest: of the recorded document
 * (NULL: none).  0 or -errno. */
int archive_append(int dirfd, const struct secret_key *key, time_t when, const char *kind, const char *request_id,
                   const char *subject, const unsigned char *digest) __attribute__((warn_unused_result));

/* Verifies the whole chain of the archive at path against the daemon's
 * public key.  0 when intact (n_records set); -EBADMSG with the first bad
 * record named in problem ("record 7 (line 7): hash does not chain: a
 * record before it was changed, removed or reordered"); -errno when the
 * file cannot be read. */
int archive_verify(const char *path, const unsigned char pk[crypto_sign_PUBLICKEYBYTES], size_t *n_records,
                   char *problem, size_t len) __attribute__((warn_unused_result));

#endif
