/* Unit tests for password: length, classes, ambiguity, the {ARGON2} hash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "password.h"
#include "policy.h"

#define ROUNDS 200

static struct policy *policy;

static const char LOWER[] = "abcdefghijklmnopqrstuvwxyz";
static const char UPPER[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
static const char DIGIT[] = "0123456789";
static const char SYMBOL[] = "#%+-.=@_";
static const char AMBIGUOUS[] = "0Oo1lI";

static int setup(void **state)
{
        (void)state;
        setenv("TZ", "UTC", 1);
        tzset();
        if (sodium_init() < 0)
                return -1;
        struct diag_list d;
        diag_init(&d);
        int r = policy_load("conf/policy.example.yaml", &d, &policy);
        diag_free(&d);
        return r;
}

static int teardown(void **state)
{
        (void)state;
        policy_free(policy);
        return 0;
}

static bool in(const char *set, char ch)
{
        return ch != '\0' && strchr(set, ch) != NULL;
}

static void test_length_and_every_class(void **state)
{
        (void)state;
        assert_int_equal(policy->passwords.length, 16);
        assert_int_equal(policy->passwords.classes, PWCLASS_LOWER | PWCLASS_UPPER | PWCLASS_DIGIT | PWCLASS_SYMBOL);
        for (int n = 0; n < ROUNDS; n++) {
                char *pw = password_generate(policy);
                assert_non_null(pw);
                assert_int_equal(strlen(pw), 16);
                bool lo = false, up = false, dg = false, sy = false;
                for (const char *c = pw; *c; c++) {
                        lo |= in(LOWER, *c);
                        up |= in(UPPER, *c);
                        dg |= in(DIGIT, *c);
                        sy |= in(SYMBOL, *c);
                        if (!in(LOWER, *c) && !in(UPPER, *c) && !in(DIGIT, *c) && !in(SYMBOL, *c))
                                fail_msg("unexpected character 0x%02x", (unsigned char)*c);
                }
                assert_true(lo && up && dg && sy);
                /* A leading symbol could read as an option or a YAML indicator. */
                assert_false(in(SYMBOL, pw[0]));
                password_free(pw);
        }
}

static void test_policy_length_and_classes_are_followed(void **state)
{
        (void)state;
        struct policy p = *policy;
        p.passwords.length = 12;
        p.passwords.classes = PWCLASS_DIGIT;
        for (int n = 0; n < ROUNDS; n++) {
                char *pw = password_generate(&p);
                assert_non_null(pw);
                assert_int_equal(strlen(pw), 12);
                for (const char *c = pw; *c; c++)
                        assert_true(in(DIGIT, *c));
                password_free(pw);
        }
        p.passwords.length = 128;
        p.passwords.classes = PWCLASS_LOWER | PWCLASS_SYMBOL;
        for (int n = 0; n < ROUNDS; n++) {
                char *pw = password_generate(&p);
                assert_non_null(pw);
                assert_int_equal(strlen(pw), 128);
                bool sy = false;
                for (const char *c = pw; *c; c++) {
                        assert_true(in(LOWER, *c) || in(SYMBOL, *c));
                        sy |= in(SYMBOL, *c);
                }
                assert_true(sy);
                password_free(pw);
        }
        /* Only symbols: nothing to swap a leading one with, still valid. */
        p.passwords.length = 12;
        p.passwords.classes = PWCLASS_SYMBOL;
        char *pw = password_generate(&p);
        assert_non_null(pw);
        for (const char *c = pw; *c; c++)
                assert_true(in(SYMBOL, *c));
        password_free(pw);
}

static void test_no_ambiguous_characters_when_excluded(void **state)
{
        (void)state;
        struct policy p = *policy;
        assert_true(p.passwords.exclude_ambiguous);
        for (int n = 0; n < ROUNDS; n++) {
                char *pw = password_generate(&p);
                assert_non_null(pw);
                for (const char *c = pw; *c; c++)
                        if (in(AMBIGUOUS, *c))
                                fail_msg("ambiguous character '%c' in a password", *c);
                password_free(pw);
        }
        /* And they do occur when allowed (3200 draws from 70 characters). */
        p.passwords.exclude_ambiguous = false;
        bool seen = false;
        for (int n = 0; n < ROUNDS; n++) {
                char *pw = password_generate(&p);
                assert_non_null(pw);
                for (const char *c = pw; *c; c++)
                        seen |= in(AMBIGUOUS, *c);
                password_free(pw);
        }
        assert_true(seen);
}

static void test_passwords_differ(void **state)
{
        (void)state;
        char *a = password_generate(policy), *b = password_generate(policy);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_not_equal(a, b);
        password_free(a);
        password_free(b);
}

static void test_hash_is_argon2id_and_verifies(void **state)
{
        (void)state;
        struct policy p = *policy;
        p.passwords.mem_limit_kib = 8192;
        char *pw = password_generate(&p);
        assert_non_null(pw);
        char hash[PASSWORD_HASH_MAX];
        assert_int_equal(password_hash(&p, pw, hash), 0);
        assert_memory_equal(hash, "{ARGON2}$argon2id$", 18);
        assert_non_null(strstr(hash, "m=8192,t=2,"));
        assert_int_equal(crypto_pwhash_str_verify(hash + 8, pw, strlen(pw)), 0);
        assert_int_not_equal(crypto_pwhash_str_verify(hash + 8, "wrong", 5), 0);
        assert_null(strstr(hash, pw));
        password_free(pw);
}

static void test_hash_reports_enomem(void **state)
{
        (void)state;
        struct policy p = *policy;
        char hash[PASSWORD_HASH_MAX];
        /* Beyond what libsodium accepts, and beyond what size_t can hold. */
        p.passwords.mem_limit_kib = (size_t)crypto_pwhash_MEMLIMIT_MAX / 1024 + 1;
        assert_int_equal(password_hash(&p, "secret-123", hash), -ENOMEM);
        p.passwords.mem_limit_kib = SIZE_MAX / 1024 + 1;
        assert_int_equal(password_hash(&p, "secret-123", hash), -ENOMEM);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_length_and_every_class),
                cmocka_unit_test(test_policy_length_and_classes_are_followed),
                cmocka_unit_test(test_no_ambiguous_characters_when_excluded),
                cmocka_unit_test(test_passwords_differ),
                cmocka_unit_test(test_hash_is_argon2id_and_verifies),
                cmocka_unit_test(test_hash_reports_enomem),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
