/*
 * disposition - signed routing decisions (disposisi) on a request.
 *
 * A disposition file is a small YAML mapping whose last line is
 *     signature: "ed25519:BASE64"
 * The signature covers the file's exact bytes before that line: nothing
 * is ever re-serialised before signing or verifying.  It binds the
 * request id, the BLAKE2b digest of the request's bytes as received, the
 * step, the decision, the actor, the forward target, the time, a random
 * nonce and the note.  Format: aksesd-request(5), DISPOSITIONS.
 */
#ifndef AKSESD_DISPOSITION_H
#define AKSESD_DISPOSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <sodium.h>

#include "diag.h"
#include "keys.h"

#define DIGEST_BYTES 32
#define NONCE_BYTES 16
#define REQUEST_ID_LEN 19       /* REQ-YYYYMMDD-NNNNNN */
#define DISPOSITION_MAX_BYTES 8192
#define NOTE_MAX_CHARS 500

enum decision { DECISION_APPROVE, DECISION_REJECT };

struct disposition {
        char request_id[REQUEST_ID_LEN + 1];
        unsigned char digest[DIGEST_BYTES];
        char step[65];
        enum decision decision;
        char actor[ACTOR_ID_MAX + 1];
        char to[ACTOR_ID_MAX + 1];      /* "" when not forwarded */
        time_t time;
        unsigned char nonce[NONCE_BYTES];
        char note[NOTE_MAX_CHARS * 4 + 1];
        unsigned char signature[crypto_sign_BYTES];
        size_t signed_len;              /* bytes of the file the signature covers */
};

/* True when buf is a disposition rather than a request file. */
bool disposition_is(const char *buf, size_t len);

/* Parses and validates a disposition file (not its signature).  0 on
 * success; -EINVAL with located problems in d. */
int disposition_parse(const char *name, const char *buf, size_t len, struct diag_list *d,
                      struct disposition *out) __attribute__((warn_unused_result));

/* True when the signature over buf's first out->signed_len bytes verifies
 * with pk.  buf must be the bytes the disposition was parsed from. */
bool disposition_verify(const struct disposition *disp, const char *buf, const unsigned char *pk);

/* Writes a signed disposition for the fields of disp (time, nonce and
 * actor, the key's id, are filled in here) into a malloc'd buffer.  0 or -errno. */
int disposition_sign(struct disposition *disp, const struct secret_key *key, char **ret, size_t *ret_len)
        __attribute__((warn_unused_result));

/* BLAKE2b-256 of bytes, and its "blake2b-256:HEX" text form. */
void content_digest(const void *buf, size_t len, unsigned char out[DIGEST_BYTES]);
void digest_format(const unsigned char d[DIGEST_BYTES], char out[12 + 2 * DIGEST_BYTES + 1]);
bool digest_parse(const char *s, size_t len, unsigned char out[DIGEST_BYTES]);

bool request_id_valid(const char *s, size_t len);
const char *decision_name(enum decision d);

/* "2026-12-04T20:00:00Z" <-> time_t (UTC). */
void time_format_utc(time_t t, char out[21]);
bool time_parse_utc(const char *s, size_t len, time_t *out);

#endif
