/*
 * keys - Ed25519 signing keys of the SOP's actors.
 *
 * Public keys are written "ed25519:BASE64" (32 bytes, standard base64)
 * wherever a person reads or pastes them: the policy, requests, the
 * directory.  A secret key file is one line,
 *     aksesd-secret-key-v1 ACTOR-ID ed25519:BASE64(64 bytes)
 * mode 0600, owned by whoever uses it.  Secret keys only ever live in
 * sodium_malloc memory and are wiped when freed.
 */
#ifndef AKSESD_KEYS_H
#define AKSESD_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <sodium.h>

#define ACTOR_ID_MAX 64
/* "ed25519:" + base64 of 32 bytes + NUL */
#define KEY_PUBLIC_STRLEN (8 + 44 + 1)

struct secret_key {
        char id[ACTOR_ID_MAX + 1];
        unsigned char sk[crypto_sign_SECRETKEYBYTES];
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
};

/* Actor IDs: 1..64 of [a-z0-9._-], starting with a letter or digit. */
bool actor_id_valid(const char *id, size_t len);

/* Parses "ed25519:BASE64" into pk; false when it is not exactly that. */
bool key_parse_public(const char *s, size_t len, unsigned char pk[crypto_sign_PUBLICKEYBYTES]);
void key_format_public(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[KEY_PUBLIC_STRLEN]);

/* Creates PREFIX.key (0600, O_EXCL: an existing key is never overwritten)
 * and PREFIX.pub for actor id.  On success returns 0 and the public key
 * string in pub.  On failure returns -errno and a message in err. */
int key_generate(const char *id, const char *prefix, char pub[KEY_PUBLIC_STRLEN],
                 char *err, size_t errlen) __attribute__((warn_unused_result));

/* Reads a secret key file; refuses links, non-regular files, files not
 * owned by the caller and files readable by group or others.  On success
 * *ret is sodium_malloc'd: free with key_free_secret().  On failure
 * returns -errno and a message in err. */
int key_load_secret(const char *path, struct secret_key **ret, char *err, size_t errlen)
        __attribute__((warn_unused_result));
/* The same for dirfd/path (AT_FDCWD: as key_load_secret). */
int key_load_secret_at(int dirfd, const char *path, struct secret_key **ret, char *err, size_t errlen)
        __attribute__((warn_unused_result));
void key_free_secret(struct secret_key *k);

#endif
