/*
 * password - initial passwords for new accounts.
 *
 * Generated from libsodium's randomness per the policy's rules; the
 * plaintext only ever lives in sodium_malloc memory (guarded, locked,
 * wiped on free) and is freed as soon as it is sealed into the handover.
 */
#ifndef AKSESD_PASSWORD_H
#define AKSESD_PASSWORD_H

#include <stddef.h>

#include "policy.h"

/* "{ARGON2}" + crypto_pwhash_STRBYTES */
#define PASSWORD_HASH_MAX (8 + 128)

/* A new password of p->passwords.length characters with at least one of
 * each class in p->passwords.classes, without ambiguous characters
 * (0 O o 1 l I | ` ' " and the like) when exclude_ambiguous, and without
 * characters that need quoting in LDIF or shells beyond the symbol set.
 * Returns sodium_malloc'd NUL-terminated text (free with password_free),
 * or NULL when out of secure memory. */
char *password_generate(const struct policy *p) __attribute__((warn_unused_result));
void password_free(char *pw);

/* out = "{ARGON2}" + crypto_pwhash_str(pw) with the policy's ops_limit and
 * mem_limit_kib (argon2id; verified by slapd's argon2 module).  0, or
 * -ENOMEM when libsodium could not allocate the hashing memory. */
int password_hash(const struct policy *p, const char *pw, char out[PASSWORD_HASH_MAX])
        __attribute__((warn_unused_result));

#endif
