/* Unit tests for provision: the planned entry and groups, conflicts, the
 * diffs that make a re-run change nothing, hostile names and the LDIF. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "ldapdn.h"
#include "policy.h"
#include "provision.h"
#include "request.h"

static struct policy *policy;
static struct request *example;
/* 2026-12-04 12:00:00 UTC; the tests run with TZ=UTC. */
static const time_t NOW = 1796385600;

static const char *const APPROVERS[] = { "kepala_bidang:budi.santoso", "super_admin:rina.wulandari",
                                         "admin:agus.pratama" };
static const struct plan_input INPUT = {
        .request_id = "20261204-0001",
        .provisioned_by = "agus.pratama",
        .approvers = APPROVERS,
        .n_approvers = 3,
        .now = 1796385600,
};

#define DN "uid=diskominfo.198703152011012004,ou=people,dc=example,dc=go,dc=id"

static int setup(void **state)
{
        (void)state;
        setenv("TZ", "UTC", 1);
        tzset();
        struct diag_list d;
        diag_init(&d);
        int r = policy_load("conf/policy.example.yaml", &d, &policy);
        if (r == 0)
                r = request_load(policy, "conf/examples/skpd-access.yaml", NOW, &d, &example);
        diag_free(&d);
        return r;
}

static int teardown(void **state)
{
        (void)state;
        request_free(example);
        policy_free(policy);
        return 0;
}

static struct account_plan *plan_of(const struct policy *p, const struct request *r)
{
        struct account_plan *plan = NULL;
        char err[256];
        int rc = provision_plan(p, r, &INPUT, &plan, err, sizeof(err));
        if (rc != 0)
                fail_msg("provision_plan: %d %s", rc, err);
        return plan;
}

static void assert_values(const struct entry *e, const char *attr, const char *const *want, size_t n)
{
        const struct attr_values *av = entry_attr(e, attr);
        if (!av)
                fail_msg("no %s", attr);
        assert_int_equal(av->n, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(av->values[i], want[i]);
}

static void assert_value(const struct entry *e, const char *attr, const char *want)
{
        assert_values(e, attr, &want, 1);
}

static void test_plan_of_the_example(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        assert_string_equal(plan->uid, "diskominfo.198703152011012004");
        assert_string_equal(plan->entry.dn, DN);
        assert_true(plan->posix);
        assert_int_equal(plan->membership, MEMBERSHIP_MEMBER);
        const struct entry *e = &plan->entry;
        const char *oc[] = { "inetOrgPerson", "aksesdAccount", "posixAccount", "shadowAccount" };
        assert_values(e, "objectClass", oc, 4);
        assert_value(e, "uid", "diskominfo.198703152011012004");
        assert_value(e, "cn", "Siti Rahmawati, S.Kom.");
        assert_value(e, "sn", "Rahmawati");
        assert_value(e, "givenName", "Siti");
        assert_value(e, "displayName", "Siti Rahmawati, S.Kom.");
        assert_value(e, "mail", "siti.rahmawati@diskominfo.example.go.id");
        assert_value(e, "telephoneNumber", "+62 812-3456-7890");
        assert_value(e, "title", "Pranata Komputer Ahli Muda");
        assert_value(e, "employeeNumber", "198703152011012004");
        assert_value(e, "ou", "DISKOMINFO");
        assert_value(e, "aksesdRequestId", "20261204-0001");
        assert_value(e, "aksesdLetterNumber", "045/1187/DISKOMINFO/XII/2026");
        assert_value(e, "aksesdLetterDate", "20261201000000Z");
        assert_value(e, "aksesdSkpd", "DISKOMINFO");
        const char *profiles[] = { "simpeg-operator", "sipd-viewer" };
        assert_values(e, "aksesdProfile", profiles, 2);
        assert_values(e, "aksesdApprover", APPROVERS, 3);
        assert_value(e, "aksesdValidUntil", "20291231235959Z");
        assert_value(e, "aksesdProvisionedAt", "20261204120000Z");
        assert_value(e, "aksesdProvisionedBy", "agus.pratama");
        assert_value(e, "aksesdApplicantNip", "198703152011012004");
        assert_value(e, "gidNumber", "20000");
        assert_value(e, "homeDirectory", "/home/diskominfo.198703152011012004");
        assert_value(e, "loginShell", "/bin/bash");
        assert_null(entry_attr(e, "uidNumber"));
        assert_null(entry_attr(e, "userPassword"));
        /* Attribute names are looked up case-insensitively. */
        assert_ptr_equal(entry_attr(e, "OBJECTCLASS"), entry_attr(e, "objectClass"));

        assert_int_equal(plan->n_groups, 2);
        assert_string_equal(plan->groups[0].cn, "simpeg-operator");
        assert_string_equal(plan->groups[0].dn, "cn=simpeg-operator,ou=groups,dc=example,dc=go,dc=id");
        assert_string_equal(plan->groups[1].cn, "sipd-viewer");
        assert_string_equal(plan->groups[1].dn, "cn=sipd-viewer,ou=groups,dc=example,dc=go,dc=id");
        provision_plan_free(plan);
}

static void test_uid_number_is_appended_then_replaced(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        size_t n = plan->entry.n_attrs;
        assert_int_equal(provision_set_uid_number(plan, 20001), 0);
        assert_int_equal(plan->entry.n_attrs, n + 1);
        assert_value(&plan->entry, "uidNumber", "20001");
        assert_int_equal(provision_set_uid_number(plan, 20002), 0);
        assert_int_equal(plan->entry.n_attrs, n + 1);
        assert_value(&plan->entry, "uidNumber", "20002");
        provision_plan_free(plan);

        /* Without posix there is no uidNumber and no POSIX class. */
        struct policy q = *policy;
        q.accounts.posix = false;
        plan = plan_of(&q, example);
        assert_int_equal(provision_set_uid_number(plan, 20001), -EINVAL);
        const char *oc[] = { "inetOrgPerson", "aksesdAccount" };
        assert_values(&plan->entry, "objectClass", oc, 2);
        assert_null(entry_attr(&plan->entry, "gidNumber"));
        assert_null(entry_attr(&plan->entry, "homeDirectory"));
        provision_plan_free(plan);
}

static void test_shared_groups_are_granted_once(void **state)
{
        (void)state;
        static const char doc[] =
                "version: 1\nkind: skpd-access\nletter: {number: \"050/12/BAPPEDA/2026\", date: 2026-12-02}\n"
                "skpd: BAPPEDA\n"
                "applicant: {name: Ani, nip: \"199001012015032001\", position: Perencana, email: ani@bappeda.example.go.id, phone: \"0812345678\"}\n"
                "profiles: [sipd-viewer, sipd-operator]\nvalid_until: 2027-12-31\njustification: x\n";
        struct diag_list d;
        diag_init(&d);
        struct request *r = NULL;
        assert_int_equal(request_parse(policy, "r.yaml", doc, strlen(doc), NOW, &d, &r), 0);
        diag_free(&d);
        struct account_plan *plan = plan_of(policy, r);
        assert_string_equal(plan->uid, "bappeda.199001012015032001");
        assert_int_equal(plan->n_groups, 2);
        assert_string_equal(plan->groups[0].cn, "sipd-viewer");
        assert_string_equal(plan->groups[1].cn, "sipd-operator");
        /* A one-word name is its own surname, with no given name. */
        assert_value(&plan->entry, "sn", "Ani");
        assert_null(entry_attr(&plan->entry, "givenName"));
        const char *profiles[] = { "sipd-viewer", "sipd-operator" };
        assert_values(&plan->entry, "aksesdProfile", profiles, 2);
        provision_plan_free(plan);
        request_free(r);
}

static void test_surname_and_given_name(void **state)
{
        (void)state;
        static const struct {
                const char *name, *sn, *given;
        } cases[] = {
                { "Siti Rahmawati, S.Kom.", "Rahmawati", "Siti" },
                { "Ir. Budi Santoso, M.T.", "Santoso", "Ir. Budi" },
                { "Ahmad  Yani, S.T., M.Eng.", "Yani", "Ahmad" },
                { "Muhammad", "Muhammad", NULL },
                { "Raden Ayu Kartini", "Kartini", "Raden Ayu" },
                { ", S.Kom.", "S.Kom.", "," },
        };
        const char *saved = example->applicant.name;
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                example->applicant.name = cases[i].name;
                struct account_plan *plan = plan_of(policy, example);
                assert_value(&plan->entry, "cn", cases[i].name);
                assert_value(&plan->entry, "sn", cases[i].sn);
                if (cases[i].given)
                        assert_value(&plan->entry, "givenName", cases[i].given);
                else
                        assert_null(entry_attr(&plan->entry, "givenName"));
                provision_plan_free(plan);
        }
        example->applicant.name = saved;
}

static void test_uids_that_are_not_login_names_are_refused(void **state)
{
        (void)state;
        static const char *const bad[] = {
                "{skpd}.{nip}.X",       /* upper case */
                "{skpd} {nip}",         /* space */
                "{skpd}/{nip}",
                "{skpd}.{nip}.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 characters */
        };
        struct policy q = *policy;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                q.accounts.uid_pattern = bad[i];
                struct account_plan *plan = NULL;
                char err[256] = "";
                assert_int_equal(provision_plan(&q, example, &INPUT, &plan, err, sizeof(err)), -EINVAL);
                assert_null(plan);
                assert_non_null(strstr(err, "not a login name"));
        }
        /* 64 characters is still a login name. */
        q.accounts.uid_pattern = "{skpd}.{nip}.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        struct account_plan *plan = plan_of(&q, example);
        assert_int_equal(strlen(plan->uid), 64);
        provision_plan_free(plan);
        q.accounts.uid_pattern = "p{nip}";
        plan = plan_of(&q, example);
        assert_string_equal(plan->uid, "p198703152011012004");
        provision_plan_free(plan);

        /* Only skpd-access requests become accounts. */
        struct account_plan *none = NULL;
        char err[256];
        example->kind = KIND_ADMIN_APPOINT;
        assert_int_equal(provision_plan(policy, example, &INPUT, &none, err, sizeof(err)), -EINVAL);
        example->kind = KIND_SKPD_ACCESS;
        assert_null(none);
}

static void test_conflicts(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        char reason[256];
        assert_false(provision_conflict(plan, NULL, reason, sizeof(reason)));

        const char *foreign_oc[] = { "inetOrgPerson", "posixAccount" };
        struct attr_values foreign_attrs[] = { { "objectClass", foreign_oc, 2 } };
        struct entry foreign = { DN, foreign_attrs, 1 };
        assert_true(provision_conflict(plan, &foreign, reason, sizeof(reason)));
        assert_string_equal(reason, "uid diskominfo.198703152011012004 exists and was not provisioned by aksesd");

        const char *ours_oc[] = { "inetOrgPerson", "AKSESDACCOUNT" };
        const char *other_nip[] = { "199001012015032001" };
        struct attr_values other_attrs[] = { { "objectclass", ours_oc, 2 }, { "aksesdapplicantnip", other_nip, 1 } };
        struct entry other = { DN, other_attrs, 2 };
        assert_true(provision_conflict(plan, &other, reason, sizeof(reason)));
        assert_string_equal(reason, "uid diskominfo.198703152011012004 was provisioned by aksesd for another applicant "
                                    "(NIP 199001012015032001, not 198703152011012004)");

        const char *same_nip[] = { "198703152011012004" };
        struct attr_values same_attrs[] = { { "objectClass", ours_oc, 2 }, { "aksesdApplicantNip", same_nip, 1 } };
        struct entry same = { DN, same_attrs, 2 };
        reason[0] = '\0';
        assert_false(provision_conflict(plan, &same, reason, sizeof(reason)));
        provision_plan_free(plan);
}

/* An entry as the directory would return it after the plan was applied,
 * with order and class-name case changed, a different activation time and
 * attributes that are not aksesd's. */
struct copy {
        struct attr_values attrs[40];
        const char *values[40][8];
        struct entry e;
};

static void copy_of(const struct account_plan *plan, struct copy *c)
{
        size_t n = plan->entry.n_attrs;
        assert_true(n + 2 <= 40);
        for (size_t i = 0; i < n; i++) {
                /* Reversed: neither attribute nor value order matters. */
                const struct attr_values *src = &plan->entry.attrs[n - 1 - i];
                assert_true(src->n <= 8);
                for (size_t k = 0; k < src->n; k++)
                        c->values[i][k] = src->values[src->n - 1 - k];
                c->attrs[i] = (struct attr_values){ src->name, c->values[i], src->n };
        }
        c->e = (struct entry){ plan->entry.dn, c->attrs, n };
}

static struct attr_values *copy_attr(struct copy *c, const char *name)
{
        for (size_t i = 0; i < c->e.n_attrs; i++)
                if (strcmp(c->attrs[i].name, name) == 0)
                        return &c->attrs[i];
        fail_msg("no %s", name);
        return NULL;
}

static void test_rerun_changes_nothing(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        assert_int_equal(provision_set_uid_number(plan, 20001), 0);
        struct copy c;
        copy_of(plan, &c);
        copy_attr(&c, "aksesdProvisionedAt")->values[0] = "20261201080000Z";
        struct attr_values *oc = copy_attr(&c, "objectClass");
        oc->values[0] = "SHADOWACCOUNT";
        oc->values[oc->n++] = "top";
        const char *pw[] = { "{ARGON2}$argon2id$v=19$..." }, *reset[] = { "TRUE" };
        c.attrs[c.e.n_attrs++] = (struct attr_values){ "userPassword", pw, 1 };
        c.attrs[c.e.n_attrs++] = (struct attr_values){ "pwdReset", reset, 1 };

        struct mod *mods = (struct mod *)1;
        assert_int_equal(provision_diff(plan, &c.e, &mods), 0);
        assert_null(mods);
        assert_int_equal(provision_diff(plan, NULL, &mods), 0);
        assert_null(mods);
        provision_plan_free(plan);
}

static void test_diff_replaces_adds_and_keeps(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        struct copy c;
        copy_of(plan, &c);
        copy_attr(&c, "mail")->values[0] = "siti@old.example.go.id";
        /* Missing class: only the missing one is added, never replaced. */
        struct attr_values *oc = copy_attr(&c, "objectClass");
        const char *classes[] = { "posixAccount", "aksesdAccount", "inetOrgPerson", "mailRecipient" };
        oc->values = classes;
        oc->n = 4;
        /* A missing attribute is added, a missing activation time too. */
        copy_attr(&c, "telephoneNumber")->name = "facsimileTelephoneNumber";
        copy_attr(&c, "aksesdProvisionedAt")->name = "description";
        /* A profile taken away in the directory comes back by replace. */
        copy_attr(&c, "aksesdProfile")->n = 1;

        struct mod *m = NULL;
        size_t n = provision_diff(plan, &c.e, &m);
        assert_int_equal(n, 5);
        assert_int_equal(m[0].op, MOD_ADD);
        assert_string_equal(m[0].attr, "objectClass");
        assert_int_equal(m[0].n, 1);
        assert_string_equal(m[0].values[0], "shadowAccount");
        assert_int_equal(m[1].op, MOD_REPLACE);
        assert_string_equal(m[1].attr, "mail");
        assert_int_equal(m[1].n, 1);
        assert_string_equal(m[1].values[0], "siti.rahmawati@diskominfo.example.go.id");
        assert_int_equal(m[2].op, MOD_ADD);
        assert_string_equal(m[2].attr, "telephoneNumber");
        assert_string_equal(m[2].values[0], "+62 812-3456-7890");
        assert_int_equal(m[3].op, MOD_REPLACE);
        assert_string_equal(m[3].attr, "aksesdProfile");
        assert_int_equal(m[3].n, 2);
        assert_int_equal(m[4].op, MOD_ADD);
        assert_string_equal(m[4].attr, "aksesdProvisionedAt");
        assert_string_equal(m[4].values[0], "20261204120000Z");
        for (size_t i = 0; i < n; i++) {
                assert_int_not_equal(m[i].op, MOD_DELETE);
                assert_true(strcmp(m[i].attr, "userPassword") && strcmp(m[i].attr, "description") &&
                            strcmp(m[i].attr, "facsimileTelephoneNumber"));
        }

        /* Values other than object classes compare exactly. */
        copy_of(plan, &c);
        copy_attr(&c, "mail")->values[0] = "Siti.Rahmawati@diskominfo.example.go.id";
        assert_int_equal(provision_diff(plan, &c.e, &m), 1);
        assert_int_equal(m[0].op, MOD_REPLACE);
        assert_string_equal(m[0].attr, "mail");
        provision_plan_free(plan);
}

static void test_group_membership(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        struct mod *m = NULL;
        /* Unknown or empty group: the member is added. */
        assert_int_equal(provision_group_diff(plan, 0, NULL, &m), 1);
        assert_int_equal(m[0].op, MOD_ADD);
        assert_string_equal(m[0].attr, "member");
        assert_int_equal(m[0].n, 1);
        assert_string_equal(m[0].values[0], DN);

        const char *others[] = { "uid=someone,ou=people,dc=example,dc=go,dc=id" };
        struct attr_values other_attrs[] = { { "member", others, 1 } };
        struct entry g = { plan->groups[0].dn, other_attrs, 1 };
        assert_int_equal(provision_group_diff(plan, 0, &g, &m), 1);
        assert_string_equal(m[0].values[0], DN);

        /* Already a member, written differently: nothing to do. */
        const char *members[] = { others[0], "UID=diskominfo.198703152011012004, OU=People,DC=example,DC=go,DC=id" };
        struct attr_values member_attrs[] = { { "Member", members, 2 } };
        g.attrs = member_attrs;
        m = (struct mod *)1;
        assert_int_equal(provision_group_diff(plan, 0, &g, &m), 0);
        assert_null(m);
        assert_int_equal(provision_group_diff(plan, 2, NULL, &m), 0);
        provision_plan_free(plan);

        struct policy q = *policy;
        q.accounts.membership = MEMBERSHIP_MEMBERUID;
        plan = plan_of(&q, example);
        assert_int_equal(provision_group_diff(plan, 1, &g, &m), 1);
        assert_int_equal(m[0].op, MOD_ADD);
        assert_string_equal(m[0].attr, "memberUid");
        assert_string_equal(m[0].values[0], "diskominfo.198703152011012004");
        const char *uids[] = { "diskominfo.198703152011012004" };
        struct attr_values uid_attrs[] = { { "memberUid", uids, 1 } };
        struct entry pg = { plan->groups[1].dn, uid_attrs, 1 };
        assert_int_equal(provision_group_diff(plan, 1, &pg, &m), 0);
        provision_plan_free(plan);

        q.accounts.membership = MEMBERSHIP_BOTH;
        plan = plan_of(&q, example);
        assert_int_equal(provision_group_diff(plan, 1, NULL, &m), 2);
        assert_string_equal(m[0].attr, "member");
        assert_string_equal(m[1].attr, "memberUid");
        assert_int_equal(provision_group_diff(plan, 1, &pg, &m), 1);
        assert_string_equal(m[0].attr, "member");
        assert_int_equal(provision_group_diff(plan, 1, &g, &m), 1);
        assert_string_equal(m[0].attr, "memberUid");
        provision_plan_free(plan);
}

static void test_hostile_names_are_kept_exactly(void **state)
{
        (void)state;
        static const char *const names[] = {
                "a*b(c)\\d", "Doe, John", "x+y=z", "\"quoted\" name", "<a>;b", "#hash tag", " leading space",
                "trailing space ", "Ñoño", "cn=admin,dc=example,dc=go,dc=id", "*)(uid=*))(|(uid=*",
                "Ñoño \\2C ; + = < > # \" ,",
        };
        const char *saved = example->applicant.name;
        for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
                example->applicant.name = names[i];
                struct account_plan *plan = plan_of(policy, example);
                assert_value(&plan->entry, "cn", names[i]);
                assert_value(&plan->entry, "displayName", names[i]);
                /* The account's DN is built from the uid, never the name. */
                assert_string_equal(plan->entry.dn, DN);
                char *dn = dn_child("cn", names[i], policy->accounts.people_base);
                assert_non_null(dn);
                if (!dn_first_rdn_is(dn, "cn", names[i]))
                        fail_msg("'%s' did not round-trip through %s", names[i], dn);
                free(dn);
                provision_plan_free(plan);
        }
        example->applicant.name = saved;
}

/* The lines of what provision_ldif wrote, NUL-separated in place. */
struct lines {
        char *buf;
        const char *line[200];
        size_t n;
};

static void ldif_of(struct account_plan *plan, const struct entry *existing, const struct entry *const *groups,
                    struct lines *l)
{
        size_t size = 0;
        FILE *f = open_memstream(&l->buf, &size);
        assert_non_null(f);
        provision_ldif(f, plan, existing, groups);
        assert_int_equal(fclose(f), 0);
        l->n = 0;
        for (char *s = l->buf, *nl; *s; s = nl + 1) {
                nl = strchr(s, '\n');
                assert_non_null(nl);    /* every line ends with a newline */
                *nl = '\0';
                assert_true(l->n < 200);
                l->line[l->n++] = s;
        }
}

static size_t find_line(const struct lines *l, const char *want)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->line[i], want) == 0)
                        return i;
        fail_msg("no line '%s' in the LDIF", want);
        return 0;
}

static bool has_line(const struct lines *l, const char *want)
{
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->line[i], want) == 0)
                        return true;
        return false;
}

static void test_ldif_of_a_new_account(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        struct lines l;
        ldif_of(plan, NULL, NULL, &l);
        assert_string_equal(l.line[0], "dn: " DN);
        assert_string_equal(l.line[1], "changetype: add");
        assert_string_equal(l.line[2], "objectClass: inetOrgPerson");
        size_t uid = find_line(&l, "uid: diskominfo.198703152011012004");
        assert_true(find_line(&l, "cn: Siti Rahmawati, S.Kom.") > uid);
        find_line(&l, "sn: Rahmawati");
        find_line(&l, "telephoneNumber: +62 812-3456-7890");
        find_line(&l, "aksesdLetterNumber: 045/1187/DISKOMINFO/XII/2026");
        find_line(&l, "aksesdValidUntil: 20291231235959Z");
        size_t a1 = find_line(&l, "aksesdApprover: kepala_bidang:budi.santoso");
        size_t a2 = find_line(&l, "aksesdApprover: super_admin:rina.wulandari");
        assert_int_equal(a2, a1 + 1);
        size_t shell = find_line(&l, "loginShell: /bin/bash");
        assert_int_equal(find_line(&l, "# uidNumber: allocated at activation"), shell + 1);
        assert_string_equal(l.line[shell + 2], "");
        assert_string_equal(l.line[shell + 3], "# cn=simpeg-operator,ou=groups,dc=example,dc=go,dc=id: not in the directory or not read");
        assert_string_equal(l.line[shell + 4], "dn: cn=simpeg-operator,ou=groups,dc=example,dc=go,dc=id");
        assert_string_equal(l.line[shell + 5], "changetype: modify");
        assert_string_equal(l.line[shell + 6], "add: member");
        assert_string_equal(l.line[shell + 7], "member: " DN);
        assert_string_equal(l.line[shell + 8], "-");
        find_line(&l, "dn: cn=sipd-viewer,ou=groups,dc=example,dc=go,dc=id");
        for (size_t i = 0; i < l.n; i++)
                assert_null(strstr(l.line[i], "userPassword"));
        free(l.buf);

        /* With a uidNumber the line is written instead of the comment. */
        assert_int_equal(provision_set_uid_number(plan, 20001), 0);
        ldif_of(plan, NULL, NULL, &l);
        assert_int_equal(find_line(&l, "uidNumber: 20001"), shell + 1);
        assert_false(has_line(&l, "# uidNumber: allocated at activation"));
        free(l.buf);
        provision_plan_free(plan);
}

static void test_ldif_base64_for_unsafe_values(void **state)
{
        (void)state;
        const char *saved = example->applicant.name;
        example->applicant.name = "Ñoño Pérez";
        struct account_plan *plan = plan_of(policy, example);
        struct lines l;
        ldif_of(plan, NULL, NULL, &l);
        find_line(&l, "cn:: w5Fvw7FvIFDDqXJleg==");
        find_line(&l, "displayName:: w5Fvw7FvIFDDqXJleg==");
        find_line(&l, "sn:: UMOpcmV6");
        find_line(&l, "givenName:: w5Fvw7Fv");
        find_line(&l, "title: Pranata Komputer Ahli Muda");
        free(l.buf);
        provision_plan_free(plan);

        static const struct {
                const char *name, *line;
        } cases[] = {
                { " lead", "cn:: IGxlYWQ=" },
                { ":colon", "cn:: OmNvbG9u" },
                { "<angle", "cn:: PGFuZ2xl" },
                { "trail ", "cn:: dHJhaWwg" },
                { "a:b <c> #d", "cn: a:b <c> #d" },
                { "#hash", "cn: #hash" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
                example->applicant.name = cases[i].name;
                plan = plan_of(policy, example);
                ldif_of(plan, NULL, NULL, &l);
                find_line(&l, cases[i].line);
                free(l.buf);
                provision_plan_free(plan);
        }
        example->applicant.name = saved;
}

static void test_ldif_of_an_existing_account(void **state)
{
        (void)state;
        struct account_plan *plan = plan_of(policy, example);
        assert_int_equal(provision_set_uid_number(plan, 20001), 0);
        struct copy c;
        copy_of(plan, &c);
        copy_attr(&c, "aksesdProvisionedAt")->values[0] = "20261201080000Z";
        const char *members[] = { DN };
        struct attr_values member_attrs[] = { { "member", members, 1 } };
        struct entry g0 = { plan->groups[0].dn, member_attrs, 1 }, g1 = { plan->groups[1].dn, NULL, 0 };
        const struct entry *groups[] = { &g0, &g1 };

        struct lines l;
        ldif_of(plan, &c.e, groups, &l);
        assert_string_equal(l.line[0], "# " DN ": no change");
        assert_string_equal(l.line[1], "");
        assert_string_equal(l.line[2], "# cn=simpeg-operator,ou=groups,dc=example,dc=go,dc=id: already a member");
        assert_string_equal(l.line[3], "");
        assert_string_equal(l.line[4], "dn: cn=sipd-viewer,ou=groups,dc=example,dc=go,dc=id");
        assert_string_equal(l.line[5], "changetype: modify");
        assert_string_equal(l.line[6], "add: member");
        assert_string_equal(l.line[7], "member: " DN);
        assert_string_equal(l.line[8], "-");
        assert_int_equal(l.n, 9);
        free(l.buf);

        copy_attr(&c, "mail")->values[0] = "siti@old.example.go.id";
        struct attr_values *oc = copy_attr(&c, "objectClass");
        oc->n--;        /* reversed copy: inetOrgPerson is last */
        ldif_of(plan, &c.e, groups, &l);
        assert_string_equal(l.line[0], "dn: " DN);
        assert_string_equal(l.line[1], "changetype: modify");
        assert_string_equal(l.line[2], "add: objectClass");
        assert_string_equal(l.line[3], "objectClass: inetOrgPerson");
        assert_string_equal(l.line[4], "-");
        assert_string_equal(l.line[5], "replace: mail");
        assert_string_equal(l.line[6], "mail: siti.rahmawati@diskominfo.example.go.id");
        assert_string_equal(l.line[7], "-");
        assert_string_equal(l.line[8], "");
        free(l.buf);
        provision_plan_free(plan);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plan_of_the_example),
                cmocka_unit_test(test_uid_number_is_appended_then_replaced),
                cmocka_unit_test(test_shared_groups_are_granted_once),
                cmocka_unit_test(test_surname_and_given_name),
                cmocka_unit_test(test_uids_that_are_not_login_names_are_refused),
                cmocka_unit_test(test_conflicts),
                cmocka_unit_test(test_rerun_changes_nothing),
                cmocka_unit_test(test_diff_replaces_adds_and_keeps),
                cmocka_unit_test(test_group_membership),
                cmocka_unit_test(test_hostile_names_are_kept_exactly),
                cmocka_unit_test(test_ldif_of_a_new_account),
                cmocka_unit_test(test_ldif_base64_for_unsafe_values),
                cmocka_unit_test(test_ldif_of_an_existing_account),
        };
        return cmocka_run_group_tests_name("provision", tests, setup, teardown);
}
