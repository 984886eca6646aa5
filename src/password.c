/*
 * password - initial passwords for new accounts; see password.h.
 *
 * Every character is drawn with randombytes_uniform (no modulo bias),
 * at least one from each class the policy asks for, and the result is
 * shuffled so those guaranteed characters may land anywhere.  The
 * plaintext never leaves the sodium_malloc buffer it is built in: no
 * stdio, no copies; the shuffle swaps through the buffer's own
 * terminator slot.  This module must never log, print or copy a
 * password into memory it does not guard.
 */
#include "password.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sodium.h>

#define N_CLASSES 4
#define ALPHABET_MAX 32

_Static_assert(PASSWORD_HASH_MAX == sizeof("{ARGON2}") - 1 + crypto_pwhash_STRBYTES,
               "PASSWORD_HASH_MAX must hold the prefix and libsodium's string");

/* Indexed by the bit number of PWCLASS_*. */
static const char *const CLASS_CHARS[N_CLASSES] = {
        "abcdefghijklmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
        /* None of these needs quoting inside a word in sh, LDIF or a YAML
         * plain scalar, and none is a quote, backslash, '$', '!' (bash
         * history), glob or space.  A few are special at the start of a
         * word ('-' an option, '#' a comment, '@' and '%' YAML
         * indicators): password_generate never puts one first. */
        "#%+-.=@_",
};
#define SYMBOL_CLASS 3

/* Characters that read alike in common fonts or on paper. */
static const char AMBIGUOUS[] = "0Oo1lI";

static size_t class_alphabet(size_t cls, bool exclude_ambiguous, char out[ALPHABET_MAX])
{
        size_t n = 0;
        for (const char *c = CLASS_CHARS[cls]; *c; c++)
                if (!exclude_ambiguous || !strchr(AMBIGUOUS, *c))
                        out[n++] = *c;
        return n;
}

static bool is_symbol(char ch)
{
        return ch != '\0' && strchr(CLASS_CHARS[SYMBOL_CLASS], ch) != NULL;
}

static char pick(const char *alphabet, size_t n)
{
        return alphabet[randombytes_uniform((uint32_t)n)];
}

/* Swaps pw[a] and pw[b] through pw[len], the terminator's slot, so the
 * character never sits in a stack variable. */
static void swap_in_place(char *pw, size_t len, size_t a, size_t b)
{
        pw[len] = pw[a];
        pw[a] = pw[b];
        pw[b] = pw[len];
}

char *password_generate(const struct policy *p)
{
        size_t len = p->passwords.length;
        char alpha[N_CLASSES][ALPHABET_MAX];
        size_t n_alpha[N_CLASSES] = { 0 };
        char all[N_CLASSES * ALPHABET_MAX];
        size_t n_all = 0, n_enabled = 0;

        for (size_t c = 0; c < N_CLASSES; c++) {
                if (!(p->passwords.classes & (1u << c)))
                        continue;
                n_alpha[c] = class_alphabet(c, p->passwords.exclude_ambiguous, alpha[c]);
                memcpy(all + n_all, alpha[c], n_alpha[c]);
                n_all += n_alpha[c];
                n_enabled++;
        }
        /* The policy check guarantees 12..128 characters and 1..4 classes. */
        if (n_enabled == 0 || len < n_enabled) {
                errno = EINVAL;
                return NULL;
        }
        char *pw = sodium_malloc(len + 1);
        if (!pw)
                return NULL;

        size_t i = 0;
        for (size_t c = 0; c < N_CLASSES; c++)
                if (n_alpha[c])
                        pw[i++] = pick(alpha[c], n_alpha[c]);
        for (; i < len; i++)
                pw[i] = pick(all, n_all);

        /* Fisher-Yates: the one-per-class characters end up anywhere. */
        for (size_t j = len - 1; j > 0; j--)
                swap_in_place(pw, len, j, randombytes_uniform((uint32_t)(j + 1)));

        /* A leading symbol is the one place where our symbols mean
         * something to a shell or YAML: swap it with a random letter or
         * digit (there is one whenever another class is enabled). */
        if (is_symbol(pw[0]) && n_enabled > 1) {
                size_t others = 0;
                for (size_t k = 0; k < len; k++)
                        others += !is_symbol(pw[k]);
                size_t want = randombytes_uniform((uint32_t)others);
                for (size_t k = 0; k < len; k++) {
                        if (is_symbol(pw[k]))
                                continue;
                        if (want-- == 0) {
                                swap_in_place(pw, len, 0, k);
                                break;
                        }
                }
        }
        pw[len] = '\0';
        return pw;
}

void password_free(char *pw)
{
        sodium_free(pw);
}

int password_hash(const struct policy *p, const char *pw, char out[PASSWORD_HASH_MAX])
{
        static const char prefix[] = "{ARGON2}";
        size_t kib = p->passwords.mem_limit_kib;
        if (kib > SIZE_MAX / 1024)
                return -ENOMEM;
        memcpy(out, prefix, sizeof(prefix) - 1);
        /* crypto_pwhash_str is argon2id; slapd's argon2 module reads its
         * "$argon2id$v=19$m=...,t=...,p=1$..." encoding as is. */
        if (crypto_pwhash_str(out + sizeof(prefix) - 1, pw, strlen(pw), p->passwords.ops_limit, kib * 1024) != 0) {
                out[0] = '\0';
                return -ENOMEM;
        }
        return 0;
}
