/*
 * handover - the form serah terima, the delivery of the initial password,
 * and the report (laporan hasil) of an activation.
 *
 * Documents are plain UTF-8 text, Indonesian by default
 * (organisation.language), written atomically.  The password is written
 * either sealed (crypto_box_seal) to the recipient's public key from the
 * request, or into a one-time file readable only by the owner and the
 * handover group; it never appears in the form, the report or a log.
 */
#ifndef AKSESD_HANDOVER_H
#define AKSESD_HANDOVER_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "policy.h"
#include "request.h"
#include "state.h"

struct registry;

struct handover_info {
        const struct policy *p;
        const struct registry *reg;     /* appointed actors' names (may be NULL) */
        const struct request *r;        /* the skpd-access request */
        const struct req_state *st;     /* its state (id, history, times) */
        const char *uid, *dn;
        unsigned long uid_number;       /* 0 when not POSIX */
        const char *const *groups;      /* group cn values granted */
        size_t n_groups;
        const char *admin;              /* the executing admin's actor id */
        time_t activated_at;
};

#define HANDOVER_NAME_MAX 128

/* Writes outbox/ID.serah-terima.txt and the password file: ID.password.sealed
 * (base64 of crypto_box_seal, mode 0640) when the request has a recipient
 * key, else ID.password (mode 0640, group `group`, or 0600 when group is
 * (gid_t)-1).  Existing files of the same names are replaced (a re-run
 * after a crash).  Fills doc_name and pw_name.  0 or -errno. */
int handover_write(int outbox_fd, const struct handover_info *h, const char *password, gid_t group,
                   char doc_name[HANDOVER_NAME_MAX], char pw_name[HANDOVER_NAME_MAX])
        __attribute__((warn_unused_result));

/* Writes only a sealed password file (the format handover_open reads):
 * dirfd/name, crypto_box_seal of password to the X25519 key pk, mode
 * 0640, given to group unless (gid_t)-1.  Used for Procedure 1's sealed
 * handovers and the vault.  0 or -errno. */
int handover_write_sealed(int dirfd, const char *name, const unsigned char pk[crypto_box_PUBLICKEYBYTES],
                          const char *password, gid_t group) __attribute__((warn_unused_result));

/* Opens a password file written by handover_write: a .sealed one with the
 * recipient's aksesd secret key file (key_path), a plain one without.
 * *ret is sodium_malloc'd (free with password_free).  0, or -errno with a
 * reason in err (e.g. "this handover is sealed to another key"). */
int handover_open(const char *path, const char *key_path, char **ret, char *err, size_t errlen)
        __attribute__((warn_unused_result));

/* Writes reports/ID.laporan.txt: the report to the Kepala Bidang on the
 * request (letter, SKPD, applicant, each step with who acted, when, how
 * long it took against its service standard, the account, groups and
 * valid-until, where the handover form is).  0 or -errno. */
int report_write(int reports_fd, const struct handover_info *h, char name[HANDOVER_NAME_MAX])
        __attribute__((warn_unused_result));

#endif
