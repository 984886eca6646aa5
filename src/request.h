/*
 * request - request files (surat permohonan + form), validated against
 * the policy.
 *
 * One YAML file per request; the kinds and their fields are documented in
 * aksesd-request(5).  A request names SKPD codes and profile ids as text,
 * not policy pointers, because a reload may replace the policy while the
 * request waits; re-validate against the new policy when that matters.
 */
#ifndef AKSESD_REQUEST_H
#define AKSESD_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "diag.h"
#include "policy.h"
#include "ycheck.h"

#define REQUEST_MAX_BYTES (64 * 1024)

struct person {
        const char *id;                 /* actor id (Procedure 1) */
        const char *name, *nip, *position, *email, *phone;
        bool has_key;
        unsigned char key[crypto_sign_PUBLICKEYBYTES];  /* appointee's signing key */
};

struct request {
        enum request_kind kind;
        bool has_letter;
        const char *letter_number;
        struct ydate letter_date;
        /* skpd-access */
        const char *skpd;               /* SKPD code */
        struct person applicant;
        const char **profiles;          /* profile ids */
        size_t n_profiles;
        struct ydate valid_until;
        const char *justification;
        bool has_recipient_key;
        unsigned char recipient_pk[crypto_box_PUBLICKEYBYTES];  /* X25519 */
        /* Procedure 1 */
        struct person appointee;
        const char *reason;
        struct arena *arena;            /* owns every string above */
};

/* Parses and validates a request file's bytes against policy p; `today`
 * decides what "in the past" means.  0 and *ret (free with request_free)
 * when valid; -EINVAL with every problem in d; -ENOMEM. */
int request_parse(const struct policy *p, const char *name, const char *buf, size_t len,
                  time_t now, struct diag_list *d, struct request **ret) __attribute__((warn_unused_result));

/* Reads the file at path (at most REQUEST_MAX_BYTES, no links, no FIFOs)
 * and parses it; read errors are described in d too. */
int request_load(const struct policy *p, const char *path, time_t now, struct diag_list *d,
                 struct request **ret) __attribute__((warn_unused_result));

void request_free(struct request *r);

/* Field syntax, exposed for the tests and for aksesctl. */
bool nip_valid(const char *s, size_t len);
bool email_valid(const char *s, size_t len);
bool phone_valid(const char *s, size_t len);

#endif
