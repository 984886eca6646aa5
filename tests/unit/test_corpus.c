/*
 * Corpus tests: every invalid file under tests/corpus/ is refused, with
 * exactly the located diagnostics its .err file holds.
 *
 * tests/corpus/request/NAME.yaml and tests/corpus/policy/NAME.yaml each
 * break one thing; NAME.err is the diag_join() text after diag_sort(), the
 * file named by its path from the repository root.  Requests are checked
 * against conf/policy.example.yaml with a fixed clock (2026-12-04 12:00:00
 * UTC, TZ=UTC), so "in the past" and "in the future" never drift.
 *
 * tests/corpus/pending/{request,policy}/ hold known parser bugs: their .err
 * is what the parser SHOULD print.  They are run and reported but do not
 * fail the test (CORPUS_VERBOSE=1 prints their expected and actual text);
 * once one matches, move it (both files) into the corpus.  See
 * tests/corpus/README.
 *
 * Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "diag.h"
#include "policy.h"
#include "request.h"

#define EXAMPLE_POLICY "conf/policy.example.yaml"
#define EXAMPLES_GLOB "conf/examples/*.yaml"
#define REQUEST_DIR "tests/corpus/request"
#define POLICY_DIR "tests/corpus/policy"
#define PENDING_REQUEST_DIR "tests/corpus/pending/request"
#define PENDING_POLICY_DIR "tests/corpus/pending/policy"

#define MIN_REQUEST_CASES 45
#define MIN_POLICY_CASES 15

/* 2026-12-04 12:00:00 UTC: `date -u -d '2026-12-04 12:00:00' +%s`. */
#define FIXED_NOW ((time_t)1796385600)

/* Corpus files are small; a cap keeps a stray file from eating memory. */
#define MAX_CASE_BYTES (4 * 1024 * 1024)

enum corpus_kind { CORPUS_REQUEST, CORPUS_POLICY };

static struct policy *example_policy;

/* Reads a whole file; 0 and a malloc'd *ret (NUL-terminated, *len bytes
 * before the NUL), or -errno. */
static int read_all(const char *path, char **ret, size_t *len)
{
        FILE *f = fopen(path, "rb");
        if (!f)
                return -errno;
        size_t cap = 4096, used = 0;
        char *buf = malloc(cap);
        int r = 0;
        while (buf) {
                if (used + 1 >= cap) {
                        if (cap >= MAX_CASE_BYTES) {
                                r = -EFBIG;
                                break;
                        }
                        char *nb = realloc(buf, cap * 2);
                        if (!nb) {
                                r = -ENOMEM;
                                break;
                        }
                        buf = nb;
                        cap *= 2;
                }
                size_t got = fread(buf + used, 1, cap - 1 - used, f);
                used += got;
                if (got == 0) {
                        if (ferror(f))
                                r = -EIO;
                        break;
                }
        }
        fclose(f);
        if (!buf)
                return -ENOMEM;
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[used] = '\0';
        *ret = buf;
        *len = used;
        return 0;
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if none. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
        size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
        if (n == 0 || n > len)
                return 0;
        for (size_t i = 1; i < n; i++)
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
        return n;
}

/* Prints s with every byte that is not printable ASCII, a newline or part
 * of valid UTF-8 written as \xHH (and a backslash as \\), so escapes,
 * stray bytes and NULs in a diagnostic cannot hide. */
static void print_visible(const char *s, size_t len)
{
        const unsigned char *u = (const unsigned char *)s;
        if (len == 0) {
                print_message("(nothing)\n");
                return;
        }
        for (size_t i = 0; i < len;) {
                size_t n = u[i] >= 0x80 ? utf8_len(u + i, len - i) : 0;
                if (n > 0) {
                        print_message("%.*s", (int)n, s + i);
                        i += n;
                        continue;
                }
                if (u[i] == '\\')
                        print_message("\\\\");
                else if (u[i] == '\n' || (u[i] >= 0x20 && u[i] < 0x7F))
                        print_message("%c", u[i]);
                else
                        print_message("\\x%02X", u[i]);
                i++;
        }
        if (s[len - 1] != '\n')
                print_message("(no newline at end)\n");
}

/* Parses one file's bytes with the fixed clock; returns the parser's
 * result and the sorted, joined diagnostics in *text (malloc'd). */
static int parse_case(enum corpus_kind kind, const char *name, const char *buf, size_t len, char **text)
{
        struct diag_list d;
        diag_init(&d);
        int r;
        if (kind == CORPUS_REQUEST) {
                struct request *req = NULL;
                r = request_parse(example_policy, name, buf, len, FIXED_NOW, &d, &req);
                if (r == 0)
                        request_free(req);
        } else {
                struct policy *p = NULL;
                r = policy_parse(name, buf, len, &d, &p);
                if (r == 0)
                        policy_free(p);
        }
        diag_sort(&d);
        *text = diag_join(&d);
        diag_free(&d);
        return r;
}

/* NAME.yaml -> NAME.err (or the other way round). */
static void sibling(char *out, size_t size, const char *path, const char *ext)
{
        size_t base = strlen(path);
        const char *dot = strrchr(path, '.');
        if (dot)
                base = (size_t)(dot - path);
        snprintf(out, size, "%.*s%s", (int)base, path, ext);
}

/* Sorted matches of pattern (glob(3) sorts by default); an empty list when
 * nothing matches. */
static void glob_sorted(const char *pattern, glob_t *g)
{
        memset(g, 0, sizeof(*g));
        int r = glob(pattern, 0, NULL, g);
        assert_true(r == 0 || r == GLOB_NOMATCH);
}

/* Checks one corpus case; returns true when it is refused with exactly
 * the expected text.  For a pending case a mismatch is the known bug (one
 * line, or the details with CORPUS_VERBOSE) and a match is news. */
static bool check_case(enum corpus_kind kind, const char *path, bool pending)
{
        char errpath[4096];
        char *buf = NULL, *want = NULL, *got = NULL;
        size_t len = 0, want_len = 0;
        bool ok = false;

        sibling(errpath, sizeof(errpath), path, ".err");
        int r = read_all(path, &buf, &len);
        if (r < 0) {
                print_message("[ CORPUS ] %s: cannot read: %s\n", path, strerror(-r));
                return false;
        }
        r = read_all(errpath, &want, &want_len);
        if (r < 0) {
                print_message("[ CORPUS ] %s: cannot read %s: %s\n", path, errpath, strerror(-r));
                free(buf);
                return false;
        }
        int rc = parse_case(kind, path, buf, len, &got);
        assert_non_null(got);
        size_t got_len = strlen(got);
        ok = rc == -EINVAL && got_len == want_len && memcmp(got, want, want_len) == 0;
        if (!ok && pending && !getenv("CORPUS_VERBOSE")) {
                print_message("[ KNOWN BUG ] %s%s\n", path, rc == 0 ? " (ACCEPTED)" : "");
        } else if (!ok) {
                print_message("[ %s ] %s\n", pending ? "KNOWN BUG" : " MISMATCH", path);
                if (rc != -EINVAL)
                        print_message("  parser returned %d (%s), expected -EINVAL\n", rc,
                                      rc == 0 ? "the file was ACCEPTED" : strerror(-rc));
                print_message("  --- expected (%s)\n", errpath);
                print_visible(want, want_len);
                print_message("  --- actual\n");
                print_visible(got, got_len);
        } else if (pending) {
                print_message("[  FIXED  ] %s now gives the expected text: move it and its .err into the corpus\n",
                              path);
        }
        free(got);
        free(want);
        free(buf);
        return ok;
}

/* Runs every .yaml file in dir; returns the number of failures and the
 * number of cases in *count.  A .err without its .yaml is a failure too. */
static size_t check_dir(const char *dir, enum corpus_kind kind, bool pending, size_t *count)
{
        char pattern[512];
        glob_t g;
        size_t failures = 0;

        snprintf(pattern, sizeof(pattern), "%s/*.yaml", dir);
        glob_sorted(pattern, &g);
        for (size_t i = 0; i < g.gl_pathc; i++)
                if (!check_case(kind, g.gl_pathv[i], pending))
                        failures++;
        *count = g.gl_pathc;
        globfree(&g);

        snprintf(pattern, sizeof(pattern), "%s/*.err", dir);
        glob_sorted(pattern, &g);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                char yaml[4096];
                sibling(yaml, sizeof(yaml), g.gl_pathv[i], ".yaml");
                FILE *f = fopen(yaml, "rb");
                if (f) {
                        fclose(f);
                        continue;
                }
                print_message("[ CORPUS ] %s has no %s\n", g.gl_pathv[i], yaml);
                failures++;
        }
        globfree(&g);
        return failures;
}

static int load_example_policy(void **state)
{
        (void)state;
        struct diag_list d;
        diag_init(&d);
        int r = policy_load(EXAMPLE_POLICY, &d, &example_policy);
        if (r != 0) {
                diag_sort(&d);
                char *text = diag_join(&d);
                print_error("%s does not load (%d):\n%s", EXAMPLE_POLICY, r, text ? text : "");
                free(text);
        }
        diag_free(&d);
        return r == 0 ? 0 : -1;
}

static int free_example_policy(void **state)
{
        (void)state;
        policy_free(example_policy);
        example_policy = NULL;
        return 0;
}

static void test_example_policy_is_valid(void **state)
{
        (void)state;
        assert_non_null(example_policy);
        /* The corpus relies on these parts of the example. */
        assert_non_null(policy_find_skpd(example_policy, "DISKOMINFO", strlen("DISKOMINFO")));
        assert_non_null(policy_find_profile(example_policy, "sipd-operator", strlen("sipd-operator")));
}

static void test_example_requests_are_valid(void **state)
{
        (void)state;
        glob_t g;
        size_t failures = 0;
        glob_sorted(EXAMPLES_GLOB, &g);
        assert_true(g.gl_pathc >= 7);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                char *buf = NULL, *text = NULL;
                size_t len = 0;
                int r = read_all(g.gl_pathv[i], &buf, &len);
                if (r < 0) {
                        print_message("[ EXAMPLE ] %s: cannot read: %s\n", g.gl_pathv[i], strerror(-r));
                        failures++;
                        continue;
                }
                r = parse_case(CORPUS_REQUEST, g.gl_pathv[i], buf, len, &text);
                if (r != 0) {
                        print_message("[ EXAMPLE ] %s is refused (%d):\n", g.gl_pathv[i], r);
                        print_visible(text ? text : "", text ? strlen(text) : 0);
                        failures++;
                }
                free(text);
                free(buf);
        }
        globfree(&g);
        assert_int_equal(failures, 0);
}

static void test_request_corpus(void **state)
{
        (void)state;
        size_t n;
        size_t failures = check_dir(REQUEST_DIR, CORPUS_REQUEST, false, &n);
        print_message("[ CORPUS ] %zu request cases, %zu failed\n", n, failures);
        assert_int_equal(failures, 0);
}

static void test_policy_corpus(void **state)
{
        (void)state;
        size_t n;
        size_t failures = check_dir(POLICY_DIR, CORPUS_POLICY, false, &n);
        print_message("[ CORPUS ] %zu policy cases, %zu failed\n", n, failures);
        assert_int_equal(failures, 0);
}

static void test_corpus_is_big_enough(void **state)
{
        (void)state;
        glob_t g;
        glob_sorted(REQUEST_DIR "/*.yaml", &g);
        size_t requests = g.gl_pathc;
        globfree(&g);
        glob_sorted(POLICY_DIR "/*.yaml", &g);
        size_t policies = g.gl_pathc;
        globfree(&g);
        assert_in_range(requests, MIN_REQUEST_CASES, SIZE_MAX);
        assert_in_range(policies, MIN_POLICY_CASES, SIZE_MAX);
}

/* Known parser bugs: reported, never failed (see the header comment). */
static void test_pending_cases(void **state)
{
        (void)state;
        size_t nr, np;
        size_t open = check_dir(PENDING_REQUEST_DIR, CORPUS_REQUEST, true, &nr);
        open += check_dir(PENDING_POLICY_DIR, CORPUS_POLICY, true, &np);
        print_message("[ PENDING ] %zu known parser bugs in %zu pending cases\n", open, nr + np);
}

int main(void)
{
        /* The clock is fixed; the calendar must not depend on the host. */
        setenv("TZ", "UTC", 1);
        tzset();
        if (sodium_init() < 0) {
                fprintf(stderr, "test_corpus: libsodium failed to initialise\n");
                return 1;
        }
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_example_policy_is_valid),
                cmocka_unit_test(test_example_requests_are_valid),
                cmocka_unit_test(test_corpus_is_big_enough),
                cmocka_unit_test(test_request_corpus),
                cmocka_unit_test(test_policy_corpus),
                cmocka_unit_test(test_pending_cases),
        };
        return cmocka_run_group_tests(tests, load_example_policy, free_example_policy);
}
