/*
 * keys - Ed25519 signing keys of the SOP's actors; see keys.h.
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_MAGIC "aksesd-secret-key-v1 "
#define SECRET_FILE_MAX 256

bool actor_id_valid(const char *id, size_t len)
{
        if (len == 0 || len > ACTOR_ID_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = id[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
                if (!alnum && (i == 0 || (ch != '.' && ch != '_' && ch != '-')))
                        return false;
        }
        return true;
}

static bool decode_b64(const char *s, size_t len, unsigned char *out, size_t outlen)
{
        size_t got = 0;
        const char *end = NULL;
        if (sodium_base642bin(out, outlen, s, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
                return false;
        return got == outlen && end == s + len;
}

bool key_parse_public(const char *s, size_t len, unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
        if (len != KEY_PUBLIC_STRLEN - 1 || memcmp(s, "ed25519:", 8) != 0)
                return false;
        /* A small-order point can never verify a signature: refuse it here. */
        return decode_b64(s + 8, len - 8, pk, crypto_sign_PUBLICKEYBYTES) && crypto_core_ed25519_is_valid_point(pk);
}

void key_format_public(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[KEY_PUBLIC_STRLEN])
{
        memcpy(out, "ed25519:", 8);
        sodium_bin2base64(out + 8, KEY_PUBLIC_STRLEN - 8, pk, crypto_sign_PUBLICKEYBYTES,
                          sodium_base64_VARIANT_ORIGINAL);
}

static int write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t w = write(fd, buf, len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += w;
                len -= (size_t)w;
        }
        return 0;
}

/* Writes a new file that must not exist yet, then fsyncs it. */
static int write_new_file(const char *path, mode_t mode, const char *buf, size_t len)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        int r = write_all(fd, buf, len);
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r < 0)
                unlink(path);
        return r;
}

int key_generate(const char *id, const char *prefix, char pub[KEY_PUBLIC_STRLEN],
                 char *err, size_t errlen)
{
        char keypath[4096], pubpath[4096];
        if (!actor_id_valid(id, strlen(id))) {
                snprintf(err, errlen, "invalid actor id '%.64s': expected 1-64 of a-z 0-9 . _ -, starting with a letter or digit", id);
                return -EINVAL;
        }
        if ((size_t)snprintf(keypath, sizeof(keypath), "%s.key", prefix) >= sizeof(keypath) ||
            (size_t)snprintf(pubpath, sizeof(pubpath), "%s.pub", prefix) >= sizeof(pubpath)) {
                snprintf(err, errlen, "output prefix too long");
                return -ENAMETOOLONG;
        }

        /* Room for the magic, the id, a space, "ed25519:" and 88 base64 characters. */
        size_t linecap = sizeof(SECRET_MAGIC) + ACTOR_ID_MAX + 1 + 8 + 89 + 2;
        char *line = sodium_malloc(linecap);
        unsigned char *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        int r = -ENOMEM;
        if (!line || !sk) {
                snprintf(err, errlen, "out of secure memory");
                goto out;
        }
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        crypto_sign_keypair(pk, sk);
        int n = snprintf(line, linecap, SECRET_MAGIC "%s ed25519:", id);
        sodium_bin2base64(line + n, linecap - (size_t)n, sk, crypto_sign_SECRETKEYBYTES,
                          sodium_base64_VARIANT_ORIGINAL);
        size_t len = strlen(line);
        line[len++] = '\n';

        r = write_new_file(keypath, 0600, line, len);
        if (r < 0) {
                snprintf(err, errlen, "%s: %s", keypath, strerror(-r));
                goto out;
        }
        key_format_public(pk, pub);
        char publine[KEY_PUBLIC_STRLEN + 1];
        snprintf(publine, sizeof(publine), "%s\n", pub);
        r = write_new_file(pubpath, 0644, publine, strlen(publine));
        if (r < 0) {
                snprintf(err, errlen, "%s: %s", pubpath, strerror(-r));
                unlink(keypath);
        }
out:
        sodium_free(line);
        sodium_free(sk);
        return r;
}

int key_load_secret_at(int dirfd, const char *path, struct secret_key **ret, char *err, size_t errlen)
{
        struct secret_key *k = NULL;
        char *buf = NULL;
        int r;
        int fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: %s", path, r == -ELOOP ? "is a symbolic link" : strerror(-r));
                return r;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: %s", path, strerror(-r));
                goto out;
        }
        r = -EPERM;
        if (!S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "%s: not a regular file", path);
                goto out;
        }
        if (st.st_uid != geteuid()) {
                snprintf(err, errlen, "%s: owned by uid %u, expected %u (the key's user)", path,
                         (unsigned)st.st_uid, (unsigned)geteuid());
                goto out;
        }
        if (st.st_mode & 077) {
                snprintf(err, errlen, "%s: readable by others (mode %03o); chmod 600 it", path,
                         (unsigned)(st.st_mode & 0777));
                goto out;
        }
        r = -ENOMEM;
        buf = sodium_malloc(SECRET_FILE_MAX + 1);
        k = sodium_malloc(sizeof(*k));
        if (!buf || !k) {
                snprintf(err, errlen, "out of secure memory");
                goto out;
        }
        size_t len = 0;
        for (;;) {
                ssize_t got = read(fd, buf + len, SECRET_FILE_MAX + 1 - len);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        r = -errno;
                        snprintf(err, errlen, "%s: %s", path, strerror(-r));
                        goto out;
                }
                if (got == 0 || (len += (size_t)got) > SECRET_FILE_MAX)
                        break;
        }
        r = -EINVAL;
        if (len > SECRET_FILE_MAX || len < sizeof(SECRET_MAGIC) ||
            memcmp(buf, SECRET_MAGIC, sizeof(SECRET_MAGIC) - 1) != 0) {
                snprintf(err, errlen, "%s: not an aksesd secret key file", path);
                goto out;
        }
        if (buf[len - 1] == '\n')
                len--;
        buf[len] = '\0';
        char *id = buf + sizeof(SECRET_MAGIC) - 1;
        char *sp = memchr(id, ' ', len - (size_t)(id - buf));
        if (!sp || !actor_id_valid(id, (size_t)(sp - id)) || strncmp(sp + 1, "ed25519:", 8) != 0 ||
            !decode_b64(sp + 9, len - (size_t)(sp + 9 - buf), k->sk, sizeof(k->sk))) {
                snprintf(err, errlen, "%s: malformed aksesd secret key file", path);
                goto out;
        }
        memcpy(k->id, id, (size_t)(sp - id));
        k->id[sp - id] = '\0';
        crypto_sign_ed25519_sk_to_pk(k->pk, k->sk);
        /* The secret key holds its public half too: a damaged file whose
         * halves disagree would sign what nobody can verify. */
        unsigned char seed_pk[crypto_sign_PUBLICKEYBYTES];
        unsigned char *seed_sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        bool whole = seed_sk && (crypto_sign_seed_keypair(seed_pk, seed_sk, k->sk), true) &&
                     sodium_memcmp(seed_sk, k->sk, crypto_sign_SECRETKEYBYTES) == 0;
        sodium_free(seed_sk);
        if (!whole) {
                snprintf(err, errlen, "%s: damaged: its public half does not match its secret half", path);
                goto out;
        }
        *ret = k;
        k = NULL;
        r = 0;
out:
        close(fd);
        sodium_free(buf);
        sodium_free(k);
        return r;
}

void key_free_secret(struct secret_key *k)
{
        sodium_free(k);
}

int key_load_secret(const char *path, struct secret_key **ret, char *err, size_t errlen)
{
        return key_load_secret_at(AT_FDCWD, path, ret, err, errlen);
}
