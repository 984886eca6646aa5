/* Unit tests for request: field rules and the parsed form of the examples. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "keys.h"
#include "policy.h"
#include "request.h"

static struct policy *policy;
/* 2026-12-04 12:00:00 UTC; the tests run with TZ=UTC. */
static const time_t NOW = 1796385600;

static int setup(void **state)
{
        (void)state;
        setenv("TZ", "UTC", 1);
        tzset();
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

static void test_nip_rules(void **state)
{
        (void)state;
        assert_true(nip_valid("198703152011012004", 18));
        assert_false(nip_valid("19870315201101200", 17));
        assert_false(nip_valid("1987031520110120041", 19));
        assert_false(nip_valid("19870315201101200A", 18));
}

static void test_email_rules(void **state)
{
        (void)state;
        const char *good[] = { "siti@diskominfo.example.go.id", "a.b+c@x.id", "x_y-z%1@a-b.co" };
        const char *bad[] = { "siti", "siti@", "@x.id", "a@b", "a@@b.id", "a@b@c.id", ".a@b.id", "a.@b.id",
                              "a..b@c.id", "a@-b.id", "a@b-.id", "a@b.i", "a@b.1d", "a b@c.id", "a@b..id" };
        for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
                assert_true(email_valid(good[i], strlen(good[i])));
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                if (email_valid(bad[i], strlen(bad[i])))
                        fail_msg("accepted bad e-mail '%s'", bad[i]);
        }
}

static void test_phone_rules(void **state)
{
        (void)state;
        assert_true(phone_valid("+62 812-3456-7890", 17));
        assert_true(phone_valid("(0274) 555123", 13));
        assert_false(phone_valid("12345", 5));
        assert_false(phone_valid("0812+345678", 11));
        assert_false(phone_valid("0812 345 678 x12", 16));
}

static void test_skpd_access_example_parses(void **state)
{
        (void)state;
        struct diag_list d;
        diag_init(&d);
        struct request *r = NULL;
        assert_int_equal(request_load(policy, "conf/examples/skpd-access.yaml", NOW, &d, &r), 0);
        assert_int_equal(r->kind, KIND_SKPD_ACCESS);
        assert_string_equal(r->skpd, "DISKOMINFO");
        assert_string_equal(r->applicant.nip, "198703152011012004");
        assert_string_equal(r->letter_number, "045/1187/DISKOMINFO/XII/2026");
        assert_int_equal(r->letter_date.day, 1);
        assert_int_equal(r->n_profiles, 2);
        assert_string_equal(r->profiles[1], "sipd-viewer");
        assert_false(r->has_recipient_key);
        assert_non_null(strchr(r->justification, '\n'));
        request_free(r);
        diag_free(&d);
}

static void test_recipient_key_is_converted_for_sealing(void **state)
{
        (void)state;
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(pk, sk);
        char pub[KEY_PUBLIC_STRLEN], doc[2048];
        key_format_public(pk, pub);
        snprintf(doc, sizeof(doc),
                 "version: 1\nkind: skpd-access\nletter: {number: \"1/2\", date: 2026-12-01}\nskpd: BKPSDM\n"
                 "applicant: {name: Ani, nip: \"198703152011012004\", position: Staf, email: ani@bkpsdm.example.go.id, phone: \"0812345678\"}\n"
                 "profiles: [simpeg-operator]\nvalid_until: 2026-12-04\njustification: x\nrecipient_key: \"%s\"\n", pub);
        struct diag_list d;
        diag_init(&d);
        struct request *r = NULL;
        assert_int_equal(request_parse(policy, "r.yaml", doc, strlen(doc), NOW, &d, &r), 0);
        assert_true(r->has_recipient_key);
        /* What is sealed to the converted key opens with the Ed25519 holder's key. */
        unsigned char xsk[crypto_box_SECRETKEYBYTES], xpk[crypto_box_PUBLICKEYBYTES];
        assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(xsk, sk), 0);
        crypto_scalarmult_base(xpk, xsk);
        const unsigned char secret[] = "kata-sandi";
        unsigned char sealed[crypto_box_SEALBYTES + sizeof(secret)], opened[sizeof(secret)];
        crypto_box_seal(sealed, secret, sizeof(secret), r->recipient_pk);
        assert_int_equal(crypto_box_seal_open(opened, sealed, sizeof(sealed), xpk, xsk), 0);
        assert_memory_equal(opened, secret, sizeof(secret));
        request_free(r);
        diag_free(&d);
}

static void test_valid_until_today_is_accepted_yesterday_is_not(void **state)
{
        (void)state;
        const char *base =
                "version: 1\nkind: skpd-access\nletter: {number: \"1/2\", date: 2026-12-04}\nskpd: BKPSDM\n"
                "applicant: {name: Ani, nip: \"198703152011012004\", position: Staf, email: ani@bkpsdm.example.go.id, phone: \"0812345678\"}\n"
                "profiles: [simpeg-operator]\njustification: x\nvalid_until: ";
        char doc[1024];
        struct diag_list d;
        struct request *r = NULL;
        diag_init(&d);
        snprintf(doc, sizeof(doc), "%s2026-12-04\n", base);
        assert_int_equal(request_parse(policy, "r.yaml", doc, strlen(doc), NOW, &d, &r), 0);
        request_free(r);
        snprintf(doc, sizeof(doc), "%s2026-12-03\n", base);
        assert_int_equal(request_parse(policy, "r.yaml", doc, strlen(doc), NOW, &d, &r), -EINVAL);
        assert_int_equal(d.n, 1);
        assert_string_equal(d.items[0].text, "r.yaml:8:14: valid_until: the date 2026-12-03 is in the past");
        diag_free(&d);
}

int main(void)
{
        if (sodium_init() < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_nip_rules),
                cmocka_unit_test(test_email_rules),
                cmocka_unit_test(test_phone_rules),
                cmocka_unit_test(test_skpd_access_example_parses),
                cmocka_unit_test(test_recipient_key_is_converted_for_sealing),
                cmocka_unit_test(test_valid_until_today_is_accepted_yesterday_is_not),
        };
        return cmocka_run_group_tests_name("request", tests, setup, teardown);
}
