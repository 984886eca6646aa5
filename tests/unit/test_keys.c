/* Unit tests for keys: key generation, file safety, public key syntax. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"

static char dir[64];

static int setup(void **state)
{
        (void)state;
        snprintf(dir, sizeof(dir), "/tmp/aksesd-test-keys.XXXXXX");
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static void test_keygen_writes_private_key_and_signs(void **state)
{
        (void)state;
        char prefix[128], path[160], pub[KEY_PUBLIC_STRLEN], err[256];
        snprintf(prefix, sizeof(prefix), "%s/budi", dir);
        assert_int_equal(key_generate("budi.santoso", prefix, pub, err, sizeof(err)), 0);
        snprintf(path, sizeof(path), "%s.key", prefix);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        struct secret_key *k = NULL;
        assert_int_equal(key_load_secret(path, &k, err, sizeof(err)), 0);
        assert_string_equal(k->id, "budi.santoso");
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        assert_true(key_parse_public(pub, strlen(pub), pk));
        assert_memory_equal(pk, k->pk, sizeof(pk));

        /* The loaded key signs what the printed public key verifies. */
        unsigned char sig[crypto_sign_BYTES];
        const unsigned char msg[] = "disposisi";
        crypto_sign_detached(sig, NULL, msg, sizeof(msg), k->sk);
        assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof(msg), pk), 0);
        key_free_secret(k);

        /* A second keygen never overwrites the first key. */
        assert_int_equal(key_generate("budi.santoso", prefix, pub, err, sizeof(err)), -EEXIST);
}

static void test_refuses_readable_or_linked_key_files(void **state)
{
        (void)state;
        char prefix[128], path[160], link[160], err[256], pub[KEY_PUBLIC_STRLEN];
        snprintf(prefix, sizeof(prefix), "%s/rina", dir);
        assert_int_equal(key_generate("rina.wulandari", prefix, pub, err, sizeof(err)), 0);
        snprintf(path, sizeof(path), "%s.key", prefix);
        struct secret_key *k = NULL;

        assert_int_equal(chmod(path, 0640), 0);
        assert_int_equal(key_load_secret(path, &k, err, sizeof(err)), -EPERM);
        assert_non_null(strstr(err, "readable by others (mode 640)"));
        assert_int_equal(chmod(path, 0600), 0);

        snprintf(link, sizeof(link), "%s/link.key", dir);
        assert_int_equal(symlink(path, link), 0);
        assert_int_equal(key_load_secret(link, &k, err, sizeof(err)), -ELOOP);
        assert_non_null(strstr(err, "is a symbolic link"));
}

static void test_refuses_malformed_key_file(void **state)
{
        (void)state;
        char path[160], err[256];
        snprintf(path, sizeof(path), "%s/bad.key", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("aksesd-secret-key-v1 agus ed25519:AAAA\n", f);
        fclose(f);
        assert_int_equal(chmod(path, 0600), 0);
        struct secret_key *k = NULL;
        assert_int_equal(key_load_secret(path, &k, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "malformed aksesd secret key file"));
}

static void test_public_key_syntax(void **state)
{
        (void)state;
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        const char *good = "ed25519:k3CMp+wDz5+TosdPgRDmcg2vok/rfVOeHBcAtcgCMwA=";
        assert_true(key_parse_public(good, strlen(good), pk));
        char again[KEY_PUBLIC_STRLEN];
        key_format_public(pk, again);
        assert_string_equal(again, good);
        const char *bad[] = {
                "ed25519:BWsqQv33pU8t7lJkubTUkz2HsVcXGI4FYw65O6PwtpU",    /* no padding */
                "ed448:k3CMp+wDz5+TosdPgRDmcg2vok/rfVOeHBcAtcgCMwA=",
                "ed25519:BWsqQv33pU8t7lJkubTUkz2HsVcXGI4FYw65O6Pwt!U=",
                "",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_false(key_parse_public(bad[i], strlen(bad[i]), pk));
}

static void test_actor_ids(void **state)
{
        (void)state;
        assert_true(actor_id_valid("budi.santoso", 12));
        assert_true(actor_id_valid("a1_b-c", 6));
        assert_false(actor_id_valid("Budi", 4));
        assert_false(actor_id_valid(".budi", 5));
        assert_false(actor_id_valid("budi santoso", 12));
        assert_false(actor_id_valid("", 0));
        assert_false(actor_id_valid("cn=x,dc=y", 9));
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keygen_writes_private_key_and_signs),
                cmocka_unit_test(test_refuses_readable_or_linked_key_files),
                cmocka_unit_test(test_refuses_malformed_key_file),
                cmocka_unit_test(test_public_key_syntax),
                cmocka_unit_test(test_actor_ids),
        };
        return cmocka_run_group_tests_name("keys", tests, setup, teardown);
}
