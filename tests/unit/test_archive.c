/* Unit tests for archive: the daemon's key, appending, and that every kind
 * of tampering is caught at the first bad record. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "archive.h"

#define WHEN ((time_t)1796414400)       /* 2026-12-04T20:00:00Z */
#define MAX_LINES 16
#define LINE_CAP 1024

static char dir[64];

struct lines {
        size_t n;
        char l[MAX_LINES][LINE_CAP];    /* each without its newline */
};

static int setup(void **state)
{
        (void)state;
        if (sodium_init() < 0)
                return -1;
        snprintf(dir, sizeof(dir), "/tmp/aksesd-test-archive.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

/* A fresh directory under the test directory, open. */
static int subdir(const char *name, char path[256])
{
        snprintf(path, 256, "%s/%s", dir, name);
        assert_int_equal(mkdir(path, 0700), 0);
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

static void subject_of(int i, char out[64])
{
        snprintf(out, 64, "uid=admin%d,ou=people,dc=kominfo,dc=go,dc=id", i);
}

/* A directory holding a daemon key and an archive of five records. */
static struct secret_key *five_records(const char *name, char path[256], int *dfd)
{
        char err[256];
        struct secret_key *k = NULL;
        *dfd = subdir(name, path);
        assert_int_equal(archive_daemon_key(*dfd, &k, err, sizeof(err)), 0);
        static const char *kinds[] = { "appointment", "rotation", "appointment", "removal", "report" };
        for (int i = 1; i <= 5; i++) {
                char subject[64], rid[32];
                unsigned char digest[DIGEST_BYTES];
                subject_of(i, subject);
                snprintf(rid, sizeof(rid), "REQ-20261204-%06d", i);
                content_digest(subject, strlen(subject), digest);
                assert_int_equal(archive_append(*dfd, k, WHEN + i, kinds[i - 1], i == 5 ? NULL : rid, subject,
                                                i == 2 ? NULL : digest), 0);
        }
        return k;
}

static void read_lines(const char *path, struct lines *ls)
{
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        ls->n = 0;
        while (ls->n < MAX_LINES && fgets(ls->l[ls->n], LINE_CAP, f)) {
                size_t len = strlen(ls->l[ls->n]);
                assert_true(len > 0 && ls->l[ls->n][len - 1] == '\n');
                ls->l[ls->n][len - 1] = '\0';
                ls->n++;
        }
        fclose(f);
}

/* Writes the lines to path; the last one is cut to last_len bytes and
 * given no newline when last_len is not SIZE_MAX. */
static void write_lines(const char *path, const struct lines *ls, size_t last_len)
{
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        for (size_t i = 0; i < ls->n; i++) {
                if (i + 1 == ls->n && last_len != SIZE_MAX)
                        fwrite(ls->l[i], 1, last_len, f);
                else
                        fprintf(f, "%s\n", ls->l[i]);
        }
        assert_int_equal(fclose(f), 0);
}

static void delete_line(struct lines *ls, size_t i)
{
        memmove(ls->l[i], ls->l[i + 1], (ls->n - i - 1) * LINE_CAP);
        ls->n--;
}

/* Field f (0-based) of a record line, as a copy. */
static void field(const char *line, int f, char *out, size_t cap)
{
        const char *p = line;
        for (int i = 0; i < f; i++) {
                p = strchr(p, ' ');
                assert_non_null(p);
                p++;
        }
        size_t len = strcspn(p, " ");
        assert_true(len < cap);
        memcpy(out, p, len);
        out[len] = '\0';
}

/* Builds a record the way the format says, independently of archive.c:
 * HASH over the text up to PREV, SIG over HASH's raw bytes with sk. */
static void make_record(char *out, size_t cap, unsigned long long seq, const char *rest, const char *prev,
                        const unsigned char *sk)
{
        char text[LINE_CAP], hash_hex[65], sig_b64[89];
        unsigned char hash[32], sig[crypto_sign_BYTES];
        snprintf(text, sizeof(text), "aksesd-archive-v1 %llu %s %s", seq, rest, prev);
        crypto_generichash(hash, sizeof(hash), (const unsigned char *)text, strlen(text), NULL, 0);
        crypto_sign_detached(sig, NULL, hash, sizeof(hash), sk);
        sodium_bin2hex(hash_hex, sizeof(hash_hex), hash, sizeof(hash));
        sodium_bin2base64(sig_b64, sizeof(sig_b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
        snprintf(out, cap, "%s %s %s", text, hash_hex, sig_b64);
}

static void expect_problem(const char *path, const unsigned char *pk, const char *want)
{
        char problem[512] = "";
        size_t n = 12345;
        assert_int_equal(archive_verify(path, pk, &n, problem, sizeof(problem)), -EBADMSG);
        if (strncmp(problem, want, strlen(want)) != 0)
                fail_msg("problem '%s', expected it to start '%s'", problem, want);
        assert_int_equal(n, 12345);     /* untouched on failure */
}

static void test_daemon_key_created_once_then_loaded(void **state)
{
        (void)state;
        char path[256], file[300], err[256];
        int dfd = subdir("key", path);
        struct secret_key *a = NULL, *b = NULL;
        assert_int_equal(archive_daemon_key(dfd, &a, err, sizeof(err)), 0);
        assert_string_equal(a->id, "aksesd");

        struct stat st;
        assert_int_equal(fstatat(dfd, DAEMON_KEY_FILE, &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0600);

        /* daemon.key is an ordinary aksesd secret key file. */
        snprintf(file, sizeof(file), "%s/%s", path, DAEMON_KEY_FILE);
        assert_int_equal(key_load_secret(file, &b, err, sizeof(err)), 0);
        assert_string_equal(b->id, "aksesd");
        assert_memory_equal(a->sk, b->sk, sizeof(a->sk));
        key_free_secret(b);
        b = NULL;

        /* daemon.pub holds the public half. */
        char pubtext[128] = "";
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        snprintf(file, sizeof(file), "%s/%s", path, DAEMON_PUB_FILE);
        FILE *f = fopen(file, "r");
        assert_non_null(f);
        assert_non_null(fgets(pubtext, sizeof(pubtext), f));
        fclose(f);
        pubtext[strcspn(pubtext, "\n")] = '\0';
        assert_true(key_parse_public(pubtext, strlen(pubtext), pk));
        assert_memory_equal(pk, a->pk, sizeof(pk));

        /* Loaded again, the same key; a lost daemon.pub is written again. */
        assert_int_equal(unlink(file), 0);
        assert_int_equal(archive_daemon_key(dfd, &b, err, sizeof(err)), 0);
        assert_memory_equal(a->sk, b->sk, sizeof(a->sk));
        assert_memory_equal(a->pk, b->pk, sizeof(a->pk));
        assert_int_equal(access(file, F_OK), 0);
        key_free_secret(b);
        b = NULL;

        /* A key others can read is refused, never replaced. */
        assert_int_equal(fchmodat(dfd, DAEMON_KEY_FILE, 0640, 0), 0);
        assert_int_equal(archive_daemon_key(dfd, &b, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "readable by others (mode 640)"));
        assert_int_equal(fchmodat(dfd, DAEMON_KEY_FILE, 0600, 0), 0);
        assert_int_equal(archive_daemon_key(dfd, &b, err, sizeof(err)), 0);
        assert_memory_equal(a->sk, b->sk, sizeof(a->sk));
        key_free_secret(b);
        key_free_secret(a);
        close(dfd);
}

static void test_daemon_key_refuses_links_and_other_actors(void **state)
{
        (void)state;
        char path[256], prefix[300], target[320], pub[KEY_PUBLIC_STRLEN], err[256];
        struct secret_key *k = NULL;

        int dfd = subdir("keylink", path);
        snprintf(prefix, sizeof(prefix), "%s/elsewhere", path);
        assert_int_equal(key_generate("aksesd", prefix, pub, err, sizeof(err)), 0);
        snprintf(target, sizeof(target), "%s.key", prefix);
        assert_int_equal(symlinkat(target, dfd, DAEMON_KEY_FILE), 0);
        assert_int_equal(archive_daemon_key(dfd, &k, err, sizeof(err)), -ELOOP);
        assert_non_null(strstr(err, "is a symbolic link"));
        close(dfd);

        dfd = subdir("keyother", path);
        snprintf(prefix, sizeof(prefix), "%s/daemon", path);
        assert_int_equal(key_generate("budi.santoso", prefix, pub, err, sizeof(err)), 0);
        assert_int_equal(archive_daemon_key(dfd, &k, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "the key of 'budi.santoso'"));
        close(dfd);
}

static void test_append_five_and_verify(void **state)
{
        (void)state;
        char path[256], file[300], problem[256] = "";
        int dfd;
        struct secret_key *k = five_records("five", path, &dfd);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);

        size_t n = 0;
        assert_int_equal(archive_verify(file, k->pk, &n, problem, sizeof(problem)), 0);
        assert_int_equal(n, 5);

        struct stat st;
        assert_int_equal(stat(file, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0640);

        struct lines ls;
        read_lines(file, &ls);
        assert_int_equal(ls.n, 5);
        char f[128], hash1[128];
        field(ls.l[0], 0, f, sizeof(f));
        assert_string_equal(f, "aksesd-archive-v1");
        field(ls.l[0], 1, f, sizeof(f));
        assert_string_equal(f, "1");
        field(ls.l[0], 2, f, sizeof(f));
        assert_string_equal(f, "2026-12-04T20:00:01Z");
        field(ls.l[0], 3, f, sizeof(f));
        assert_string_equal(f, "appointment");
        field(ls.l[0], 4, f, sizeof(f));
        assert_string_equal(f, "REQ-20261204-000001");
        field(ls.l[0], 5, f, sizeof(f));
        assert_string_equal(f, "uid=admin1,ou=people,dc=kominfo,dc=go,dc=id");
        field(ls.l[0], 6, f, sizeof(f));
        assert_int_equal(strncmp(f, "blake2b-256:", 12), 0);
        field(ls.l[0], 7, f, sizeof(f));
        assert_string_equal(f, "0000000000000000000000000000000000000000000000000000000000000000");
        field(ls.l[0], 8, hash1, sizeof(hash1));
        field(ls.l[1], 7, f, sizeof(f));
        assert_string_equal(f, hash1);          /* record 2 chains to record 1 */
        field(ls.l[1], 6, f, sizeof(f));
        assert_string_equal(f, "-");            /* no document */
        field(ls.l[4], 4, f, sizeof(f));
        assert_string_equal(f, "-");            /* no request */
        field(ls.l[4], 1, f, sizeof(f));
        assert_string_equal(f, "5");

        /* The format is what the comment says: a record made from it by
         * hand, with the daemon's key, verifies as record 6. */
        field(ls.l[4], 8, hash1, sizeof(hash1));
        ls.n = 6;
        make_record(ls.l[5], LINE_CAP, 6, "2026-12-05T08:00:00Z report - uid=kepala,ou=people -", hash1, k->sk);
        char copy[300];
        snprintf(copy, sizeof(copy), "%s/by-hand.log", path);
        write_lines(copy, &ls, SIZE_MAX);
        assert_int_equal(archive_verify(copy, k->pk, &n, problem, sizeof(problem)), 0);
        assert_int_equal(n, 6);

        /* Another key verifies nothing. */
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(pk, sk);
        expect_problem(file, pk, "record 1: bad signature (not written by this daemon's key)");

        key_free_secret(k);
        close(dfd);
}

static void test_empty_and_missing_archive(void **state)
{
        (void)state;
        char path[256], file[300], problem[256], err[256];
        struct secret_key *k = NULL;
        int dfd = subdir("empty", path);
        assert_int_equal(archive_daemon_key(dfd, &k, err, sizeof(err)), 0);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        size_t n = 99;
        assert_int_equal(archive_verify(file, k->pk, &n, problem, sizeof(problem)), -ENOENT);
        int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0640);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(archive_verify(file, k->pk, &n, problem, sizeof(problem)), 0);
        assert_int_equal(n, 0);
        /* An empty file starts the chain at 1. */
        assert_int_equal(archive_append(dfd, k, WHEN, "appointment", NULL, "aksesd", NULL), 0);
        assert_int_equal(archive_verify(file, k->pk, &n, problem, sizeof(problem)), 0);
        assert_int_equal(n, 1);
        key_free_secret(k);
        close(dfd);
}

static void test_refuses_bad_fields(void **state)
{
        (void)state;
        char path[256], err[256];
        struct secret_key *k = NULL;
        int dfd = subdir("fields", path);
        assert_int_equal(archive_daemon_key(dfd, &k, err, sizeof(err)), 0);
        char long_subject[202];
        memset(long_subject, 'a', 201);
        long_subject[201] = '\0';
        const char *bad_subjects[] = { "", "cn=Budi Santoso", "a\tb", "a\nb", "x\x7f", "\xc3", "\xc2\x85",
                                       "\xc0\xaf", long_subject };
        for (size_t i = 0; i < sizeof(bad_subjects) / sizeof(bad_subjects[0]); i++)
                assert_int_equal(archive_append(dfd, k, WHEN, "appointment", NULL, bad_subjects[i], NULL), -EINVAL);
        const char *bad_kinds[] = { "", "Appointment", "appoint ment", "rotation2",
                                    "abcdefghijklmnopqrstuvwxyzabcdefg" };
        for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++)
                assert_int_equal(archive_append(dfd, k, WHEN, bad_kinds[i], NULL, "aksesd", NULL), -EINVAL);
        assert_int_equal(archive_append(dfd, k, WHEN, "appointment", "REQ-2026-1", "aksesd", NULL), -EINVAL);
        assert_int_equal(archive_append(dfd, k, (time_t)-1, "appointment", NULL, "aksesd", NULL), -EINVAL);
        assert_int_equal(faccessat(dfd, ARCHIVE_FILE, F_OK, 0), -1);    /* nothing was written */

        /* At the limits, and a DN with a person's name in UTF-8. */
        memset(long_subject, 'a', 200);
        long_subject[200] = '\0';
        assert_int_equal(archive_append(dfd, k, WHEN, "abcdefghijklmnopqrstuvwxyzabcdef", NULL, long_subject, NULL), 0);
        assert_int_equal(archive_append(dfd, k, WHEN, "appointment", "-", "cn=Siti\xc2\xa0N\xc3\xbcr,ou=people", NULL), 0);
        char file[300], problem[256];
        size_t n = 0;
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        assert_int_equal(archive_verify(file, k->pk, &n, problem, sizeof(problem)), 0);
        assert_int_equal(n, 2);
        key_free_secret(k);
        close(dfd);
}

static void test_changed_subject(void **state)
{
        (void)state;
        char path[256], file[300], copy[300];
        int dfd;
        struct secret_key *k = five_records("changed", path, &dfd);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        snprintf(copy, sizeof(copy), "%s/copy.log", path);
        struct lines ls;
        read_lines(file, &ls);
        char *p = strstr(ls.l[2], "admin3");
        assert_non_null(p);
        p[5] = '7';
        write_lines(copy, &ls, SIZE_MAX);
        expect_problem(copy, k->pk, "record 3: its hash does not match its content (the record was changed)");
        key_free_secret(k);
        close(dfd);
}

static void test_deleted_record(void **state)
{
        (void)state;
        char path[256], file[300], copy[300];
        int dfd;
        struct secret_key *k = five_records("deleted", path, &dfd);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        snprintf(copy, sizeof(copy), "%s/copy.log", path);
        struct lines ls;
        read_lines(file, &ls);
        delete_line(&ls, 2);
        write_lines(copy, &ls, SIZE_MAX);
        expect_problem(copy, k->pk, "record 3: sequence number 4 where 3 was expected (a record was removed or reordered)");

        /* Renumbered after the deletion, record 3 still does not chain. */
        for (size_t i = 2; i < ls.n; i++) {
                char *sp = strchr(ls.l[i], ' ');
                assert_non_null(sp);
                sp[1] = (char)('1' + i);
        }
        write_lines(copy, &ls, SIZE_MAX);
        expect_problem(copy, k->pk, "record 3: does not chain to record 2 (a record was changed, removed or reordered)");

        /* Deleting record 1 is caught too. */
        read_lines(file, &ls);
        delete_line(&ls, 0);
        write_lines(copy, &ls, SIZE_MAX);
        expect_problem(copy, k->pk, "record 1: sequence number 2 where 1 was expected");
        key_free_secret(k);
        close(dfd);
}

static void test_swapped_records(void **state)
{
        (void)state;
        char path[256], file[300], copy[300], tmp[LINE_CAP];
        int dfd;
        struct secret_key *k = five_records("swapped", path, &dfd);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        snprintf(copy, sizeof(copy), "%s/copy.log", path);
        struct lines ls;
        read_lines(file, &ls);
        memcpy(tmp, ls.l[1], LINE_CAP);
        memcpy(ls.l[1], ls.l[2], LINE_CAP);
        memcpy(ls.l[2], tmp, LINE_CAP);
        write_lines(copy, &ls, SIZE_MAX);
        expect_problem(copy, k->pk, "record 2: sequence number 3 where 2 was expected (a record was removed or reordered)");
        key_free_secret(k);
        close(dfd);
}

static void test_truncated_last_record(void **state)
{
        (void)state;
        char path[256], file[300], copy[300];
        int dfd;
        struct secret_key *k = five_records("truncated", path, &dfd);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        snprintf(copy, sizeof(copy), "%s/copy.log", path);
        struct lines ls;
        read_lines(file, &ls);
        write_lines(copy, &ls, strlen(ls.l[4]) / 2);
        expect_problem(copy, k->pk, "record 5: malformed");
        /* Even a whole last line without its newline is a partial write. */
        write_lines(copy, &ls, strlen(ls.l[4]));
        expect_problem(copy, k->pk, "record 5: malformed (cut short");
        key_free_secret(k);
        close(dfd);
}

static void test_forged_tail(void **state)
{
        (void)state;
        char path[256], file[300], copy[300], prev[128];
        int dfd;
        struct secret_key *k = five_records("forged", path, &dfd);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        snprintf(copy, sizeof(copy), "%s/copy.log", path);
        struct lines ls;
        read_lines(file, &ls);

        /* Record 5 rewritten to name someone else, hashed and chained
         * correctly, but signed with a key that is not the daemon's. */
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(pk, sk);
        field(ls.l[3], 8, prev, sizeof(prev));
        make_record(ls.l[4], LINE_CAP, 5, "2026-12-04T20:00:05Z removal - uid=intruder,ou=people -", prev, sk);
        write_lines(copy, &ls, SIZE_MAX);
        expect_problem(copy, k->pk, "record 5: bad signature (not written by this daemon's key)");

        /* The same forgery from record 3 on fails at record 3. */
        read_lines(file, &ls);
        for (size_t i = 2; i < 5; i++) {
                char rest[128];
                field(ls.l[i - 1], 8, prev, sizeof(prev));
                snprintf(rest, sizeof(rest), "2026-12-04T20:00:0%zuZ removal - uid=intruder%zu -", i + 1, i);
                make_record(ls.l[i], LINE_CAP, i + 1, rest, prev, sk);
        }
        write_lines(copy, &ls, SIZE_MAX);
        expect_problem(copy, k->pk, "record 3: bad signature");
        key_free_secret(k);
        close(dfd);
}

/* Puts damaged archive content in a directory of its own and checks that
 * an append refuses it and leaves it as it was. */
static void expect_append_refused(const char *name, const struct secret_key *k, const struct lines *ls,
                                  size_t last_len)
{
        char path[256], file[300];
        int dfd = subdir(name, path);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        write_lines(file, ls, last_len);
        struct stat before, after;
        assert_int_equal(stat(file, &before), 0);
        assert_int_equal(archive_append(dfd, k, WHEN + 10, "appointment", NULL, "aksesd", NULL), -EBADMSG);
        assert_int_equal(stat(file, &after), 0);
        assert_int_equal(before.st_size, after.st_size);
        close(dfd);
}

static void test_append_refuses_damaged_archive(void **state)
{
        (void)state;
        char path[256], file[300];
        int dfd;
        struct secret_key *k = five_records("damaged", path, &dfd);
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        struct lines ls, orig;
        read_lines(file, &orig);

        ls = orig;
        expect_append_refused("damaged-cut", k, &ls, strlen(ls.l[4]) / 2);
        expect_append_refused("damaged-nonl", k, &ls, strlen(ls.l[4]));

        char *p = strstr(ls.l[4], "admin5");
        assert_non_null(p);
        p[5] = '9';
        expect_append_refused("damaged-changed", k, &ls, SIZE_MAX);

        ls = orig;
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        char prev[128];
        crypto_sign_keypair(pk, sk);
        field(ls.l[3], 8, prev, sizeof(prev));
        make_record(ls.l[4], LINE_CAP, 5, "2026-12-04T20:00:05Z removal - uid=intruder,ou=people -", prev, sk);
        expect_append_refused("damaged-forged", k, &ls, SIZE_MAX);

        ls = orig;
        snprintf(ls.l[5], LINE_CAP, "garbage");
        ls.n = 6;
        expect_append_refused("damaged-garbage", k, &ls, SIZE_MAX);

        /* The undamaged archive still takes records. */
        assert_int_equal(archive_append(dfd, k, WHEN + 10, "report", NULL, "aksesd", NULL), 0);
        key_free_secret(k);
        close(dfd);
}

static void test_concurrent_appenders(void **state)
{
        (void)state;
        char path[256], file[300], problem[256] = "", err[256];
        struct secret_key *k = NULL;
        int dfd = subdir("concurrent", path);
        assert_int_equal(archive_daemon_key(dfd, &k, err, sizeof(err)), 0);
        enum { WORKERS = 4, EACH = 25 };
        pid_t pids[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
                pids[w] = fork();
                assert_true(pids[w] >= 0);
                if (pids[w] == 0) {
                        char subject[32];
                        snprintf(subject, sizeof(subject), "worker-%d", w);
                        for (int i = 0; i < EACH; i++)
                                if (archive_append(dfd, k, WHEN + i, "report", NULL, subject, NULL) != 0)
                                        _exit(1);
                        _exit(0);
                }
        }
        for (int w = 0; w < WORKERS; w++) {
                int status = 0;
                assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
                assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        snprintf(file, sizeof(file), "%s/%s", path, ARCHIVE_FILE);
        size_t n = 0;
        int r = archive_verify(file, k->pk, &n, problem, sizeof(problem));
        if (r != 0)
                fail_msg("verify: %d %s", r, problem);
        assert_int_equal(n, WORKERS * EACH);
        key_free_secret(k);
        close(dfd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_daemon_key_created_once_then_loaded),
                cmocka_unit_test(test_daemon_key_refuses_links_and_other_actors),
                cmocka_unit_test(test_append_five_and_verify),
                cmocka_unit_test(test_empty_and_missing_archive),
                cmocka_unit_test(test_refuses_bad_fields),
                cmocka_unit_test(test_changed_subject),
                cmocka_unit_test(test_deleted_record),
                cmocka_unit_test(test_swapped_records),
                cmocka_unit_test(test_truncated_last_record),
                cmocka_unit_test(test_forged_tail),
                cmocka_unit_test(test_append_refuses_damaged_archive),
                cmocka_unit_test(test_concurrent_appenders),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
