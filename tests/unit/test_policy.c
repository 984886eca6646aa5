/* Unit tests for policy: the example models the SOP; problems are all reported. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "policy.h"

static void test_example_models_the_sop(void **state)
{
        (void)state;
        struct diag_list d;
        diag_init(&d);
        struct policy *p = NULL;
        assert_int_equal(policy_load("conf/policy.example.yaml", &d, &p), 0);
        assert_int_equal(d.n, 0);

        /* Procedure 2: Kepala Bidang verifies, Super Admin forwards, Admin
         * activates, hands over and reports; 15 minutes each. */
        const struct workflow *w = &p->workflows[KIND_SKPD_ACCESS];
        assert_int_equal(w->n_steps, 5);
        const enum role_id roles[] = { ROLE_KEPALA_BIDANG, ROLE_SUPER_ADMIN, ROLE_ADMIN, ROLE_ADMIN, ROLE_ADMIN };
        const enum step_action actions[] = { ACTION_VERIFY, ACTION_FORWARD, ACTION_ACTIVATE, ACTION_HANDOVER, ACTION_REPORT };
        for (size_t i = 0; i < 5; i++) {
                assert_int_equal(w->steps[i].role, roles[i]);
                assert_int_equal(w->steps[i].action, actions[i]);
                assert_int_equal(w->steps[i].standard_minutes, 15);
        }
        /* Procedure 1, step 5: informing the user takes 1 minute. */
        assert_int_equal(p->workflows[KIND_ADMIN_APPOINT].steps[1].standard_minutes, 1);
        /* A step without standard_minutes gets the SOP's 15. */
        assert_int_equal(p->workflows[KIND_SUPERADMIN_APPOINT].steps[1].standard_minutes, 15);

        assert_int_equal(p->roles[ROLE_ADMIN].reports_to, ROLE_SUPER_ADMIN);
        assert_int_equal(p->roles[ROLE_KEPALA_BIDANG].reports_to, ROLE_NONE);
        assert_non_null(policy_find_actor(p, ROLE_KEPALA_BIDANG, "budi.santoso"));
        assert_null(policy_find_actor(p, ROLE_ADMIN, "budi.santoso"));

        const struct skpd *s = policy_find_skpd(p, "BKPSDM", 6);
        assert_non_null(s);
        assert_true(skpd_allows_profile(p, s, policy_find_profile(p, "simpeg-operator", 15)));
        assert_false(skpd_allows_profile(p, s, policy_find_profile(p, "sipd-viewer", 11)));
        assert_int_equal(policy_find_profile(p, "sipd-operator", 13)->n_groups, 2);

        assert_int_equal(p->directory.n_uris, 2);
        assert_int_equal(p->directory.tls_mode, TLS_STARTTLS);
        assert_int_equal(p->passwords.storage, PASSWORD_ARGON2);
        assert_int_equal(p->passwords.mem_limit_kib, 65536);
        assert_true(p->accounts.posix);
        assert_int_equal(p->spool.max_file_kib, 64);
        policy_free(p);
        diag_free(&d);
}

static void test_reports_every_problem_at_once(void **state)
{
        (void)state;
        const char *text =
                "version: 1\n"
                "organisation: {name: X, division: Y, langauge: id}\n"
                "directory: {uri: [\"http://x/\"], base: \"not a dn\", bind_dn: \"cn=a,dc=x\", bind_password_file: rel.pw}\n";
        struct diag_list d;
        diag_init(&d);
        struct policy *p = NULL;
        assert_int_equal(policy_parse("p.yaml", text, strlen(text), &d, &p), -EINVAL);
        diag_sort(&d);
        char *all = diag_join(&d);
        assert_non_null(all);
        assert_non_null(strstr(all, "p.yaml:2:38: organisation.langauge: unknown field (expected one of: name, division, language)\n"));
        assert_non_null(strstr(all, "p.yaml:3:19: directory.uri[0]: expected an LDAP URL"));
        assert_non_null(strstr(all, "p.yaml:3:39: directory.base: not a valid LDAP DN"));
        assert_non_null(strstr(all, "directory.bind_password_file: expected an absolute path, found 'rel.pw'"));
        assert_non_null(strstr(all, "p.yaml:1:1: roles: missing required field\n"));
        assert_non_null(strstr(all, "p.yaml:1:1: spool: missing required field\n"));
        free(all);
        diag_free(&d);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_example_models_the_sop),
                cmocka_unit_test(test_reports_every_problem_at_once),
        };
        return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
