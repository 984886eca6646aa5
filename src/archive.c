/*
 * archive - the safe place for records of super admin and admin accounts;
 * see archive.h.
 *
 * archive.log holds one record per line, fields separated by one space:
 *
 *     aksesd-archive-v1 SEQ TIME KIND REQUEST-ID SUBJECT DIGEST PREV HASH SIG
 *
 *   SEQ         1, 2, 3, ... in decimal without leading zeros; record N is
 *               line N of the file
 *   TIME        "2026-12-04T20:00:00Z" (UTC)
 *   KIND        1-32 of [a-z-] ("appointment", "rotation", "removal", ...)
 *   REQUEST-ID  REQ-YYYYMMDD-NNNNNN, or "-" for none
 *   SUBJECT     1-200 bytes of printable ASCII or UTF-8, no space and no
 *               control character (an actor id or an account DN)
 *   DIGEST      "blake2b-256:HEX" of the recorded document, or "-"
 *   PREV        the previous record's HASH; 64 zeros for record 1
 *   HASH        lower-case hex BLAKE2b-256 of the line's bytes from the
 *               start up to and including PREV (no trailing space)
 *   SIG         standard base64 of the Ed25519 signature, by the daemon's
 *               key, over the 32 raw bytes of HASH
 *
 * The file is only ever appended to: each record is one write(2) of the
 * whole line on an O_APPEND descriptor, under an exclusive flock, then
 * fsynced.  An appender reads only the tail of the file to find the last
 * record, so an append costs the same however long the archive grows; it
 * checks that last record in full (hash and signature) and refuses to go
 * on from a damaged one: a new chain is never started silently.
 *
 * The daemon's key, daemon.key, is an aksesd secret key file (keys.h)
 * for the actor "aksesd".  It is read here relative to the spool root's
 * descriptor with the same checks key_load_secret makes, and created so
 * that it is never overwritten and never seen half-written.
 *
 * Nothing here logs: problems go back to the caller as -errno and text.
 */
#include "archive.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#define ARCHIVE_MAGIC "aksesd-archive-v1"
#define DAEMON_ID "aksesd"
#define SECRET_MAGIC "aksesd-secret-key-v1 "
#define SECRET_FILE_MAX 256

#define KIND_MAX 32
#define SUBJECT_MAX 200
#define SEQ_DIGITS_MAX 19       /* always fits an unsigned long long */
#define HASH_HEX (2 * crypto_generichash_BYTES)
#define SIG_B64 (sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL) - 1)
#define FIELDS 10

/* The longest line a valid record can have, newline included. */
#define RECORD_MAX (sizeof(ARCHIVE_MAGIC) - 1 + SEQ_DIGITS_MAX + 20 + KIND_MAX + REQUEST_ID_LEN + SUBJECT_MAX + \
                    12 + 2 * DIGEST_BYTES + HASH_HEX + HASH_HEX + SIG_B64 + (FIELDS - 1) + 1)

/* How much of the file's end an appender reads to find the last record. */
#define TAIL_READ 4096

/* 9999-12-31T23:59:59Z: TIME is always 20 characters. */
#define TIME_MAX ((time_t)253402300799)

/* What verify reads at a time. */
#define READ_CHUNK 16384

_Static_assert(RECORD_MAX < TAIL_READ, "the tail read must hold a whole record");
_Static_assert(2 * RECORD_MAX < READ_CHUNK, "the read buffer must hold a record and more");
_Static_assert(crypto_generichash_BYTES == DIGEST_BYTES, "HASH and DIGEST are both BLAKE2b-256");

struct record {
        unsigned long long seq;
        size_t hashed_len;      /* bytes of the line HASH covers */
        const char *prev_hex;
        const char *hash_hex;
        unsigned char hash[crypto_generichash_BYTES];
        unsigned char sig[crypto_sign_BYTES];
};

static bool kind_valid(const char *s, size_t len)
{
        if (len == 0 || len > KIND_MAX)
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
                        return false;
        return true;
}

/* Printable ASCII but space, or well-formed UTF-8 other than the C1
 * controls: a DN may carry a person's name, but nothing may look like a
 * field separator or a line break to whoever reads the file. */
static bool subject_valid(const char *str, size_t len)
{
        const unsigned char *s = (const unsigned char *)str;
        if (len == 0 || len > SUBJECT_MAX)
                return false;
        for (size_t i = 0; i < len;) {
                unsigned char c = s[i];
                if (c > 0x20 && c < 0x7f) {
                        i++;
                        continue;
                }
                size_t n;
                unsigned int cp;
                if (c >= 0xc2 && c <= 0xdf) {
                        n = 2;
                        cp = c & 0x1fu;
                } else if (c >= 0xe0 && c <= 0xef) {
                        n = 3;
                        cp = c & 0x0fu;
                } else if (c >= 0xf0 && c <= 0xf4) {
                        n = 4;
                        cp = c & 0x07u;
                } else {
                        return false;
                }
                if (len - i < n)
                        return false;
                for (size_t j = 1; j < n; j++) {
                        if ((s[i + j] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (s[i + j] & 0x3fu);
                }
                /* Overlong forms, surrogates, beyond U+10FFFF, C1 controls. */
                if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
                    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
                        return false;
                i += n;
        }
        return true;
}

static bool hex_valid(const char *s, size_t len, unsigned char *out, size_t outlen)
{
        size_t got = 0;
        const char *end = NULL;
        if (len != 2 * outlen)
                return false;
        for (size_t i = 0; i < len; i++)        /* lower-case only: one spelling per value */
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return sodium_hex2bin(out, outlen, s, len, NULL, &got, &end) == 0 && got == outlen && end == s + len;
}

static bool b64_decode(const char *s, size_t len, unsigned char *out, size_t outlen)
{
        size_t got = 0;
        const char *end = NULL;
        if (sodium_base642bin(out, outlen, s, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
                return false;
        return got == outlen && end == s + len;
}

static bool seq_parse(const char *s, size_t len, unsigned long long *out)
{
        if (len == 0 || len > SEQ_DIGITS_MAX || s[0] == '0')
                return false;
        unsigned long long v = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned long long)(s[i] - '0');
        }
        *out = v;
        return true;
}

/* Checks one line's syntax (without its newline) and fills r; does not
 * check the hash or signature.  On failure names the bad field in why. */
static bool record_parse(const char *line, size_t len, struct record *r, const char **why)
{
        const char *f[FIELDS];
        size_t fl[FIELDS];
        size_t n = 0;
        const char *p = line, *end = line + len;
        for (;;) {
                const char *sp = memchr(p, ' ', (size_t)(end - p));
                if (n == FIELDS) {
                        *why = "too many fields";
                        return false;
                }
                f[n] = p;
                fl[n] = sp ? (size_t)(sp - p) : (size_t)(end - p);
                n++;
                if (!sp)
                        break;
                p = sp + 1;
        }
        if (n != FIELDS) {
                *why = "too few fields";
                return false;
        }
        unsigned char raw[DIGEST_BYTES];
        time_t t;
        if (fl[0] != sizeof(ARCHIVE_MAGIC) - 1 || memcmp(f[0], ARCHIVE_MAGIC, fl[0]) != 0)
                *why = "not an aksesd-archive-v1 record";
        else if (!seq_parse(f[1], fl[1], &r->seq))
                *why = "bad sequence number";
        else if (!time_parse_utc(f[2], fl[2], &t))
                *why = "bad time";
        else if (!kind_valid(f[3], fl[3]))
                *why = "bad kind";
        else if (!(fl[4] == 1 && f[4][0] == '-') && !request_id_valid(f[4], fl[4]))
                *why = "bad request id";
        else if (!subject_valid(f[5], fl[5]))
                *why = "bad subject";
        else if (!(fl[6] == 1 && f[6][0] == '-') && !digest_parse(f[6], fl[6], raw))
                *why = "bad document digest";
        else if (!hex_valid(f[7], fl[7], raw, sizeof(raw)))
                *why = "bad previous hash";
        else if (!hex_valid(f[8], fl[8], r->hash, sizeof(r->hash)))
                *why = "bad hash";
        else if (fl[9] != SIG_B64 || !b64_decode(f[9], fl[9], r->sig, sizeof(r->sig)))
                *why = "bad signature encoding";
        else {
                r->hashed_len = (size_t)(f[7] + fl[7] - line);
                r->prev_hex = f[7];
                r->hash_hex = f[8];
                return true;
        }
        return false;
}

static bool record_hash_ok(const char *line, const struct record *r)
{
        unsigned char h[crypto_generichash_BYTES];
        crypto_generichash(h, sizeof(h), (const unsigned char *)line, r->hashed_len, NULL, 0);
        return sodium_memcmp(h, r->hash, sizeof(h)) == 0;
}

static bool record_sig_ok(const struct record *r, const unsigned char pk[crypto_sign_PUBLICKEYBYTES])
{
        return crypto_sign_verify_detached(r->sig, r->hash, sizeof(r->hash), pk) == 0;
}

/* ---- the daemon's key ---- */

/* Reads dirfd/daemon.key with key_load_secret's checks (no link, a
 * regular file owned by us that nobody else can read, whole), and that it
 * is the daemon's own key. */
static int load_daemon_key(int dirfd, struct secret_key **ret, char *err, size_t errlen)
{
        struct secret_key *k = NULL;
        int r = key_load_secret_at(dirfd, DAEMON_KEY_FILE, &k, err, errlen);
        if (r < 0)
                return r;
        if (strcmp(k->id, DAEMON_ID) != 0) {
                snprintf(err, errlen, "%s: the key of '%s', not of '%s'", DAEMON_KEY_FILE, k->id, DAEMON_ID);
                key_free_secret(k);
                return -EINVAL;
        }
        *ret = k;
        return 0;
}

/* Writes a new daemon.key: complete in a temp file first, then moved in
 * place without replacing anything, so a crash never leaves a torn key
 * and a second daemon starting at the same time never overwrites the key
 * the first one already signs with (it gets -EEXIST and loads that key). */
static int create_daemon_key(int dirfd, char *err, size_t errlen)
{
        size_t linecap = sizeof(SECRET_MAGIC) + sizeof(DAEMON_ID) + 8 +
                         sodium_base64_ENCODED_LEN(crypto_sign_SECRETKEYBYTES, sodium_base64_VARIANT_ORIGINAL) + 1;
        char *line = sodium_malloc(linecap);
        unsigned char *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        char tmp[64];
        unsigned char rnd[6];
        int r = -ENOMEM, fd = -1;
        bool made_tmp = false;
        if (!line || !sk) {
                snprintf(err, errlen, "out of secure memory");
                goto out;
        }
        crypto_sign_keypair(pk, sk);
        int n = snprintf(line, linecap, SECRET_MAGIC DAEMON_ID " ed25519:");
        sodium_bin2base64(line + n, linecap - (size_t)n, sk, crypto_sign_SECRETKEYBYTES, sodium_base64_VARIANT_ORIGINAL);
        size_t len = strlen(line);
        line[len++] = '\n';

        randombytes_buf(rnd, sizeof(rnd));
        snprintf(tmp, sizeof(tmp), ".tmp.%02x%02x%02x%02x%02x%02x.%s", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                 rnd[5], DAEMON_KEY_FILE);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: cannot create: %s", DAEMON_KEY_FILE, strerror(-r));
                goto out;
        }
        made_tmp = true;
        r = write_all_fd(fd, line, len);
        if (r == 0 && fchmod(fd, 0600) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        fd = -1;
        if (r < 0) {
                snprintf(err, errlen, "%s: cannot write: %s", DAEMON_KEY_FILE, strerror(-r));
                goto out;
        }
        if (renameat2(dirfd, tmp, dirfd, DAEMON_KEY_FILE, RENAME_NOREPLACE) == 0) {
                made_tmp = false;
        } else if (errno == EINVAL || errno == ENOSYS) {
                /* A file system without RENAME_NOREPLACE: a hard link
                 * never replaces either; the temp name goes after. */
                if (linkat(dirfd, tmp, dirfd, DAEMON_KEY_FILE, 0) < 0)
                        r = -errno;
        } else {
                r = -errno;
        }
        if (r < 0) {
                if (r != -EEXIST)
                        snprintf(err, errlen, "%s: cannot create: %s", DAEMON_KEY_FILE, strerror(-r));
                goto out;
        }
        if (made_tmp) {
                unlinkat(dirfd, tmp, 0);
                made_tmp = false;
        }
        if (fsync(dirfd) < 0) {         /* the key's name must survive a crash with the records it signs */
                r = -errno;
                snprintf(err, errlen, "%s: cannot fsync the directory: %s", DAEMON_KEY_FILE, strerror(-r));
        }
out:
        if (fd >= 0)
                close(fd);
        if (made_tmp)
                unlinkat(dirfd, tmp, 0);
        sodium_free(line);
        sodium_free(sk);
        return r;
}

/* daemon.pub is only a copy of the public half for verifiers: (re)write
 * it whenever it is missing or does not match the key. */
static int ensure_daemon_pub(int dirfd, const struct secret_key *k, char *err, size_t errlen)
{
        char pub[KEY_PUBLIC_STRLEN], want[KEY_PUBLIC_STRLEN + 1], rerr[128];
        char *have = NULL;
        size_t have_len = 0;
        key_format_public(k->pk, pub);
        snprintf(want, sizeof(want), "%s\n", pub);
        int r = read_file_checked(dirfd, DAEMON_PUB_FILE, 256, &have, &have_len, NULL, rerr, sizeof(rerr));
        bool same = r == 0 && have_len == strlen(want) && memcmp(have, want, have_len) == 0;
        free(have);
        if (same)
                return 0;
        r = write_file_atomic(dirfd, DAEMON_PUB_FILE, want, strlen(want), 0644);
        if (r < 0)
                snprintf(err, errlen, "%s: cannot write: %s", DAEMON_PUB_FILE, strerror(-r));
        return r;
}

int archive_daemon_key(int dirfd, struct secret_key **ret, char *err, size_t errlen)
{
        struct secret_key *k = NULL;
        int r = load_daemon_key(dirfd, &k, err, errlen);
        if (r == -ENOENT) {
                r = create_daemon_key(dirfd, err, errlen);
                if (r < 0 && r != -EEXIST)      /* EEXIST: another process made it first */
                        return r;
                r = load_daemon_key(dirfd, &k, err, errlen);
        }
        if (r < 0)
                return r;
        r = ensure_daemon_pub(dirfd, k, err, errlen);
        if (r < 0) {
                key_free_secret(k);
                return r;
        }
        *ret = k;
        return 0;
}

/* ---- appending ---- */

static ssize_t pread_full(int fd, char *buf, size_t len, off_t off)
{
        size_t done = 0;
        while (done < len) {
                ssize_t got = pread(fd, buf + done, len - done, off + (off_t)done);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return -errno;
                if (got == 0)
                        break;
                done += (size_t)got;
        }
        return (ssize_t)done;
}

/* Finds the last record from the file's last TAIL_READ bytes and checks
 * it in full.  size 0: an empty archive, the next record is 1. */
static int read_last(int fd, off_t size, const unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                     unsigned long long *seq, char prev_hex[HASH_HEX + 1])
{
        if (size == 0) {
                *seq = 0;
                memset(prev_hex, '0', HASH_HEX);
                prev_hex[HASH_HEX] = '\0';
                return 0;
        }
        char buf[TAIL_READ];
        size_t want = (size_t)size < sizeof(buf) ? (size_t)size : sizeof(buf);
        ssize_t got = pread_full(fd, buf, want, size - (off_t)want);
        if (got < 0)
                return (int)got;
        if ((size_t)got != want || buf[want - 1] != '\n')
                return -EBADMSG;        /* a partial last line */
        size_t end = want - 1, start = end;
        while (start > 0 && buf[start - 1] != '\n')
                start--;
        if (start == 0 && want < (size_t)size)
                return -EBADMSG;        /* a last line longer than any record */
        struct record r;
        const char *why;
        if (!record_parse(buf + start, end - start, &r, &why) || !record_hash_ok(buf + start, &r) ||
            !record_sig_ok(&r, pk))
                return -EBADMSG;
        if (r.seq >= 9999999999999999999ULL)
                return -EOVERFLOW;
        *seq = r.seq;
        memcpy(prev_hex, r.hash_hex, HASH_HEX);
        prev_hex[HASH_HEX] = '\0';
        return 0;
}

/* Opens archive.log for appending, creating it (0640: the head of
 * division's auditors may read it through the group) on first use. */
static int open_archive(int dirfd, bool *created)
{
        for (int tries = 0; tries < 8; tries++) {
                int fd = openat(dirfd, ARCHIVE_FILE, O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
                if (fd >= 0 || errno != ENOENT) {
                        *created = false;
                        return fd >= 0 ? fd : -errno;
                }
                fd = openat(dirfd, ARCHIVE_FILE, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
                if (fd >= 0) {
                        if (fchmod(fd, 0640) < 0) {     /* the umask must not change who may read it */
                                int r = -errno;
                                close(fd);
                                return r;
                        }
                        *created = true;
                        return fd;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EAGAIN;
}

int archive_append(int dirfd, const struct secret_key *key, time_t when, const char *kind, const char *request_id,
                   const char *subject, const unsigned char *digest)
{
        char when_s[21], digest_s[12 + 2 * DIGEST_BYTES + 1] = "-";
        if (when < 0 || when > TIME_MAX || !kind || !subject || !kind_valid(kind, strlen(kind)) ||
            !subject_valid(subject, strlen(subject)))
                return -EINVAL;
        time_format_utc(when, when_s);
        if (!request_id || strcmp(request_id, "-") == 0)
                request_id = "-";
        else if (!request_id_valid(request_id, strlen(request_id)))
                return -EINVAL;
        if (digest)
                digest_format(digest, digest_s);

        bool created = false;
        int fd = open_archive(dirfd, &created);
        if (fd < 0)
                return fd;
        int r;
        struct stat st;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EINVAL;
                goto out;
        }
        /* Appenders take turns: each must see the record the one before
         * it wrote, or two records would carry the same number.  The size
         * is read again once the lock is ours. */
        while ((r = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
                ;
        if (r < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        unsigned long long seq = 0;
        char prev[HASH_HEX + 1];
        r = read_last(fd, st.st_size, key->pk, &seq, prev);
        if (r < 0)
                goto out;

        char line[RECORD_MAX + 1], hash_hex[HASH_HEX + 1];
        unsigned char hash[crypto_generichash_BYTES], sig[crypto_sign_BYTES];
        int n = snprintf(line, sizeof(line), ARCHIVE_MAGIC " %llu %s %s %s %s %s %s", seq + 1, when_s, kind,
                         request_id, subject, digest_s, prev);
        if (n < 0 || (size_t)n + 1 + HASH_HEX + 1 + SIG_B64 + 1 > RECORD_MAX) {
                r = -EINVAL;
                goto out;
        }
        size_t len = (size_t)n;
        crypto_generichash(hash, sizeof(hash), (const unsigned char *)line, len, NULL, 0);
        crypto_sign_detached(sig, NULL, hash, sizeof(hash), key->sk);
        sodium_bin2hex(hash_hex, sizeof(hash_hex), hash, sizeof(hash));
        line[len++] = ' ';
        memcpy(line + len, hash_hex, HASH_HEX);
        len += HASH_HEX;
        line[len++] = ' ';
        sodium_bin2base64(line + len, sizeof(line) - len, sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
        len += SIG_B64;
        line[len++] = '\n';

        /* One write(2), so a reader never sees half a record; a short
         * write (a full disk) is cut back off before the lock goes, so the
         * next appender finds the chain as it was. */
        ssize_t w;
        while ((w = write(fd, line, len)) < 0 && errno == EINTR)
                ;
        if (w < 0 || (size_t)w != len) {
                r = w < 0 ? -errno : -ENOSPC;
                if (w > 0 && ftruncate(fd, st.st_size) < 0)
                        r = -EIO;
                goto out;
        }
        if (fsync(fd) < 0) {
                r = -errno;
                goto out;
        }
        if (created && fsync(dirfd) < 0)        /* the new file's name must be durable too */
                r = -errno;
out:
        close(fd);      /* releases the lock */
        return r;
}

/* ---- verifying ---- */

static int check_line(const char *line, size_t len, unsigned long long n, char prev_hex[HASH_HEX + 1],
                      const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *problem, size_t plen)
{
        struct record r;
        const char *why;
        if (!record_parse(line, len, &r, &why)) {
                snprintf(problem, plen, "record %llu: malformed (%s)", n, why);
                return -EBADMSG;
        }
        if (r.seq != n) {
                snprintf(problem, plen, "record %llu: sequence number %llu where %llu was expected "
                         "(a record was removed or reordered)", n, r.seq, n);
                return -EBADMSG;
        }
        if (memcmp(r.prev_hex, prev_hex, HASH_HEX) != 0) {
                if (n == 1)
                        snprintf(problem, plen, "record 1: does not start the chain "
                                 "(records before it were removed)");
                else
                        snprintf(problem, plen, "record %llu: does not chain to record %llu "
                                 "(a record was changed, removed or reordered)", n, n - 1);
                return -EBADMSG;
        }
        if (!record_hash_ok(line, &r)) {
                snprintf(problem, plen, "record %llu: its hash does not match its content (the record was changed)", n);
                return -EBADMSG;
        }
        if (!record_sig_ok(&r, pk)) {
                snprintf(problem, plen, "record %llu: bad signature (not written by this daemon's key)", n);
                return -EBADMSG;
        }
        memcpy(prev_hex, r.hash_hex, HASH_HEX);
        return 0;
}

int archive_verify(const char *path, const unsigned char pk[crypto_sign_PUBLICKEYBYTES], size_t *n_records,
                   char *problem, size_t len)
{
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int r = -errno;
                snprintf(problem, len, "%s: %s", path, r == -ELOOP ? "is a symbolic link" : strerror(-r));
                return r;
        }
        char *buf = NULL;
        struct stat st;
        int r;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                snprintf(problem, len, "%s: %s", path, strerror(-r));
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EINVAL;
                snprintf(problem, len, "%s: not a regular file", path);
                goto out;
        }
        /* A shared lock: an append in progress finishes before we read. */
        while ((r = flock(fd, LOCK_SH)) < 0 && errno == EINTR)
                ;
        if (r < 0) {
                r = -errno;
                snprintf(problem, len, "%s: %s", path, strerror(-r));
                goto out;
        }
        buf = malloc(READ_CHUNK);
        if (!buf) {
                r = -ENOMEM;
                snprintf(problem, len, "out of memory");
                goto out;
        }
        char prev[HASH_HEX + 1];
        memset(prev, '0', HASH_HEX);
        prev[HASH_HEX] = '\0';
        unsigned long long n = 0;
        size_t start = 0, have = 0;
        bool eof = false;
        for (;;) {
                char *nl = memchr(buf + start, '\n', have - start);
                if (nl) {
                        size_t l = (size_t)(nl - (buf + start));
                        if (l + 1 > RECORD_MAX) {
                                snprintf(problem, len, "record %llu: malformed (longer than any record)", n + 1);
                                r = -EBADMSG;
                                goto out;
                        }
                        r = check_line(buf + start, l, ++n, prev, pk, problem, len);
                        if (r < 0)
                                goto out;
                        start += l + 1;
                        continue;
                }
                if (have - start > RECORD_MAX) {
                        snprintf(problem, len, "record %llu: malformed (longer than any record)", n + 1);
                        r = -EBADMSG;
                        goto out;
                }
                if (eof) {
                        if (have > start) {
                                snprintf(problem, len, "record %llu: malformed (cut short: no newline at the end)",
                                         n + 1);
                                r = -EBADMSG;
                                goto out;
                        }
                        break;
                }
                memmove(buf, buf + start, have - start);
                have -= start;
                start = 0;
                ssize_t got = read(fd, buf + have, READ_CHUNK - have);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        r = -errno;
                        snprintf(problem, len, "%s: %s", path, strerror(-r));
                        goto out;
                }
                if (got == 0)
                        eof = true;
                have += (size_t)got;
        }
        *n_records = (size_t)n;
        r = 0;
out:
        free(buf);
        close(fd);
        return r;
}
