/*
 * provision - what the directory must hold for an activated request; see
 * provision.h.
 *
 * Everything here is computed, nothing is sent: the executor applies the
 * plan and the diffs.  The module must never produce a change to
 * userPassword, pwdReset or any attribute the plan does not carry, and
 * must never delete: an entry someone else enriched stays enriched.
 */
#include "provision.h"

#include <errno.h>
#include <ldap.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "ldapdn.h"

/* A uid is a login name: the POSIX portable set, lower case, and short
 * enough for every NSS consumer we know of. */
#define UID_MAX 64

/* Enough for every attribute a plan carries (24 today, uidNumber apart). */
#define PLAN_MAX_ATTRS 32

#define OC_ACCOUNT "aksesdAccount"
#define AT_PROVISIONED_AT "aksesdProvisionedAt"

struct builder {
        struct arena *a;
        struct entry *e;
        bool nomem;
};

static bool is_blank(char ch)
{
        return ch == ' ' || ch == '\t';
}

static bool uid_valid(const char *s)
{
        size_t len = strlen(s);
        if (len == 0 || len > UID_MAX)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
                        return false;
        }
        return true;
}

/* pat with each {key} replaced by its value; unknown placeholders stay as
 * written (the policy refuses them, and the uid check would refuse the
 * braces anyway).  NULL when out of memory. */
static char *expand(struct arena *a, const char *pat, const char *const *keys, const char *const *vals, size_t n)
{
        char *out = NULL;
        size_t len = 0;
        /* Two passes: measure, then write into exactly that much. */
        for (int pass = 0; pass < 2; pass++) {
                size_t o = 0;
                for (const char *s = pat; *s;) {
                        const char *val = NULL;
                        size_t skip = 1;
                        if (*s == '{') {
                                for (size_t k = 0; k < n && !val; k++) {
                                        size_t kl = strlen(keys[k]);
                                        if (strncmp(s + 1, keys[k], kl) == 0 && s[kl + 1] == '}') {
                                                val = vals[k];
                                                skip = kl + 2;
                                        }
                                }
                        }
                        if (val) {
                                if (out)
                                        memcpy(out + o, val, strlen(val));
                                o += strlen(val);
                        } else {
                                if (out)
                                        out[o] = *s;
                                o++;
                        }
                        s += skip;
                }
                if (!out) {
                        len = o;
                        out = arena_alloc(a, len + 1);
                        if (!out)
                                return NULL;
                }
        }
        out[len] = '\0';
        return out;
}

/* A malloc'd DN from dn_child, moved into the arena. */
static const char *arena_dn(struct arena *a, const char *attr, const char *value, const char *parent)
{
        char *dn = dn_child(attr, value, parent);
        if (!dn)
                return NULL;
        char *copy = arena_strdup(a, dn);
        free(dn);
        return copy;
}

static struct attr_values *add_attr(struct builder *b, const char *name, size_t cap)
{
        if (b->nomem)
                return NULL;
        struct attr_values *av = &b->e->attrs[b->e->n_attrs];
        av->values = arena_alloc(b->a, (cap ? cap : 1) * sizeof(char *));
        if (!av->values) {
                b->nomem = true;
                return NULL;
        }
        av->name = name;
        av->n = 0;
        b->e->n_attrs++;
        return av;
}

/* One value; an attribute without a value is left out (LDAP has no empty
 * Directory String). */
static void add1(struct builder *b, const char *name, const char *value)
{
        if (!value || !*value)
                return;
        struct attr_values *av = add_attr(b, name, 1);
        /* Copied: the plan outlives the request and the caller's buffers. */
        const char *copy = av ? arena_strdup(b->a, value) : NULL;
        if (copy)
                av->values[av->n++] = copy;
        else
                b->nomem = true;
}

static void add_printf_nomem(struct builder *b, const char *name, const char *value)
{
        if (!value)
                b->nomem = true;
        else
                add1(b, name, value);
}

static bool has_ci(const char *const *v, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(v[i], s) == 0)
                        return true;
        return false;
}

static bool has_exact(const char *const *v, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

/* Adds value to av unless an equal one (case-insensitive) is there:
 * multi-valued attributes refuse duplicate values on add. */
static void append_unique_ci(struct builder *b, struct attr_values *av, const char *value)
{
        if (!value || !*value || has_ci(av->values, av->n, value))
                return;
        const char *copy = arena_strdup(b->a, value);
        if (copy)
                av->values[av->n++] = copy;
        else
                b->nomem = true;
}

/* sn and givenName from a full name as written on the form: a trailing
 * academic title after a comma is not part of the surname ("Siti
 * Rahmawati, S.Kom." is Rahmawati), the surname is the last word, and the
 * given name the words before it.  cn keeps the name exactly. */
static bool split_name(struct arena *a, const char *name, const char **sn, const char **given)
{
        const char *start = name, *end = name + strcspn(name, ",");
        while (start < end && is_blank(*start))
                start++;
        while (end > start && is_blank(end[-1]))
                end--;
        if (start == end) {
                /* Nothing before the comma: the whole name is all we have. */
                start = name;
                end = name + strlen(name);
                while (start < end && is_blank(*start))
                        start++;
                while (end > start && is_blank(end[-1]))
                        end--;
        }
        const char *last = end;
        while (last > start && !is_blank(last[-1]))
                last--;
        *sn = arena_strndup(a, last, (size_t)(end - last));
        *given = NULL;
        const char *gend = last;
        while (gend > start && is_blank(gend[-1]))
                gend--;
        if (gend > start && !(*given = arena_strndup(a, start, (size_t)(gend - start))))
                return false;
        return *sn != NULL;
}

static bool name_blank(const char *s)
{
        for (; *s; s++)
                if (!is_blank(*s))
                        return false;
        return true;
}

static char *generalized_date(struct arena *a, struct ydate d, const char *clock)
{
        return arena_printf(a, "%04d%02d%02d%sZ", d.year, d.month, d.day, clock);
}

static int fail(char *err, size_t errlen, int rc, const char *fmt, const char *arg)
{
        if (err && errlen)
                snprintf(err, errlen, fmt, arg);
        return rc;
}

/* The groups of the granted profiles, first appearance first, each once
 * (two profiles may grant the same group: sipd-viewer and sipd-operator). */
static int plan_groups(const struct policy *p, const struct profile *const *profs, size_t n_profs,
                       struct account_plan *plan, char *err, size_t errlen)
{
        size_t cap = 0;
        for (size_t i = 0; i < n_profs; i++)
                cap += profs[i]->n_groups;
        plan->groups = arena_alloc(plan->arena, (cap ? cap : 1) * sizeof(*plan->groups));
        if (!plan->groups)
                return -ENOMEM;
        for (size_t i = 0; i < n_profs; i++) {
                for (size_t g = 0; g < profs[i]->n_groups; g++) {
                        const char *cn = profs[i]->groups[g];
                        bool seen = false;
                        for (size_t k = 0; k < plan->n_groups && !seen; k++)
                                seen = strcasecmp(plan->groups[k].cn, cn) == 0;
                        if (seen)
                                continue;
                        const char *dn = arena_dn(plan->arena, "cn", cn, p->accounts.group_base);
                        if (!dn)
                                return fail(err, errlen, -EINVAL, "cannot build the DN of group '%.64s' under accounts.group_base", cn);
                        plan->groups[plan->n_groups++] = (struct group_target){ .cn = cn, .dn = dn };
                }
        }
        return 0;
}

static int build_entry(const struct policy *p, const struct request *r, const struct plan_input *in,
                       const struct profile *const *profs, size_t n_profs, struct account_plan *plan,
                       char *err, size_t errlen)
{
        struct arena *a = plan->arena;
        struct entry *e = &plan->entry;
        struct builder b = { .a = a, .e = e };

        e->attrs = arena_alloc(a, PLAN_MAX_ATTRS * sizeof(*e->attrs));
        if (!e->attrs)
                return -ENOMEM;

        const char *sn = NULL, *given = NULL;
        if (!split_name(a, r->applicant.name, &sn, &given))
                return -ENOMEM;

        struct attr_values *oc = add_attr(&b, "objectClass", p->accounts.n_object_classes + 3);
        if (oc) {
                for (size_t i = 0; i < p->accounts.n_object_classes; i++)
                        append_unique_ci(&b, oc, p->accounts.object_classes[i]);
                append_unique_ci(&b, oc, OC_ACCOUNT);
                if (plan->posix) {
                        append_unique_ci(&b, oc, "posixAccount");
                        append_unique_ci(&b, oc, "shadowAccount");
                }
        }
        add1(&b, "uid", plan->uid);
        add1(&b, "cn", r->applicant.name);
        add1(&b, "sn", sn);
        add1(&b, "givenName", given);
        add1(&b, "displayName", r->applicant.name);
        add1(&b, "mail", r->applicant.email);
        add1(&b, "telephoneNumber", r->applicant.phone);
        add1(&b, "title", r->applicant.position);
        add1(&b, "employeeNumber", r->applicant.nip);
        add1(&b, "ou", r->skpd);

        add1(&b, "aksesdRequestId", in->request_id);
        if (r->has_letter) {
                add1(&b, "aksesdLetterNumber", r->letter_number);
                add_printf_nomem(&b, "aksesdLetterDate", generalized_date(a, r->letter_date, "000000"));
        }
        add1(&b, "aksesdSkpd", r->skpd);
        struct attr_values *av = add_attr(&b, "aksesdProfile", n_profs);
        for (size_t i = 0; av && i < n_profs; i++)
                append_unique_ci(&b, av, profs[i]->id);
        if (in->n_approvers) {
                /* The same person may approve two steps; the attribute
                 * holds each "role:actor" once, in chain order. */
                av = add_attr(&b, "aksesdApprover", in->n_approvers);
                for (size_t i = 0; av && i < in->n_approvers; i++)
                        append_unique_ci(&b, av, in->approvers[i]);
                if (av && av->n == 0)
                        e->n_attrs--;
        }
        add_printf_nomem(&b, "aksesdValidUntil", generalized_date(a, r->valid_until, "235959"));
        struct tm tm;
        char stamp[32];
        if (!gmtime_r(&in->now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%SZ", &tm) == 0)
                return fail(err, errlen, -EINVAL, "%s", "the activation time cannot be written as a UTC time");
        add_printf_nomem(&b, AT_PROVISIONED_AT, arena_strdup(a, stamp));
        add1(&b, "aksesdProvisionedBy", in->provisioned_by);
        add1(&b, "aksesdApplicantNip", r->applicant.nip);

        if (plan->posix) {
                add_printf_nomem(&b, "gidNumber", arena_printf(a, "%lu", p->accounts.gid_number));
                const char *home_keys[] = { "uid" }, *home_vals[] = { plan->uid };
                const char *home = p->accounts.home_pattern ? expand(a, p->accounts.home_pattern, home_keys, home_vals, 1) : NULL;
                if (p->accounts.home_pattern && !home)
                        return -ENOMEM;
                add1(&b, "homeDirectory", home);
                add1(&b, "loginShell", p->accounts.login_shell);
        }
        return b.nomem ? -ENOMEM : 0;
}

int provision_plan(const struct policy *p, const struct request *r, const struct plan_input *in,
                   struct account_plan **ret, char *err, size_t errlen)
{
        if (err && errlen)
                err[0] = '\0';
        if (r->kind != KIND_SKPD_ACCESS)
                return fail(err, errlen, -EINVAL, "a %s request grants no SKPD account", kind_name(r->kind));
        if (!r->skpd || !r->applicant.name || !r->applicant.nip || !in->request_id || !*in->request_id)
                return fail(err, errlen, -EINVAL, "%s", "the request lacks its SKPD, applicant name, NIP or id");
        if (name_blank(r->applicant.name))
                return fail(err, errlen, -EINVAL, "%s", "the applicant's name is blank");
        if (!p->accounts.uid_pattern || !p->accounts.people_base || !p->accounts.group_base)
                return fail(err, errlen, -EINVAL, "%s", "the policy has no accounts section");

        /* The request was validated against the policy in force when it
         * arrived; a reload since may have dropped its SKPD or profiles,
         * and what is no longer allowed is not granted. */
        const struct skpd *s = policy_find_skpd(p, r->skpd, strlen(r->skpd));
        if (!s)
                return fail(err, errlen, -EINVAL, "SKPD '%.32s' is no longer in the policy", r->skpd);

        struct arena *a = arena_new();
        struct account_plan *plan = a ? arena_alloc(a, sizeof(*plan)) : NULL;
        const struct profile **profs = plan ? arena_alloc(a, (r->n_profiles ? r->n_profiles : 1) * sizeof(*profs)) : NULL;
        char *skpd_lower = plan ? arena_strdup(a, r->skpd) : NULL;
        if (!profs || !skpd_lower) {
                arena_free(a);
                return -ENOMEM;
        }
        plan->arena = a;
        plan->posix = p->accounts.posix;
        plan->membership = p->accounts.membership;

        int rc = 0;
        size_t n_profs = 0;
        for (size_t i = 0; i < r->n_profiles; i++) {
                const struct profile *prof = policy_find_profile(p, r->profiles[i], strlen(r->profiles[i]));
                if (!prof) {
                        rc = fail(err, errlen, -EINVAL, "access profile '%.64s' is no longer in the policy", r->profiles[i]);
                        goto out;
                }
                if (!skpd_allows_profile(p, s, prof)) {
                        rc = fail(err, errlen, -EINVAL, "the policy no longer lets this SKPD ask for profile '%.64s'", prof->id);
                        goto out;
                }
                bool dup = false;
                for (size_t k = 0; k < n_profs; k++)
                        dup |= profs[k] == prof;
                if (!dup)
                        profs[n_profs++] = prof;
        }
        if (n_profs == 0) {
                rc = fail(err, errlen, -EINVAL, "%s", "the request grants no access profile");
                goto out;
        }

        for (char *c = skpd_lower; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                        *c = (char)(*c - 'A' + 'a');
        const char *uid_keys[] = { "skpd", "nip" }, *uid_vals[] = { skpd_lower, r->applicant.nip };
        char *uid = expand(a, p->accounts.uid_pattern, uid_keys, uid_vals, 2);
        if (!uid) {
                rc = -ENOMEM;
                goto out;
        }
        if (!uid_valid(uid)) {
                rc = fail(err, errlen, -EINVAL,
                          "accounts.uid_pattern makes the uid '%.80s', which is not a login name "
                          "(1-64 of a-z 0-9 . _ -)", uid);
                goto out;
        }
        plan->uid = uid;
        plan->entry.dn = arena_dn(a, "uid", uid, p->accounts.people_base);
        if (!plan->entry.dn) {
                rc = fail(err, errlen, -EINVAL, "%s", "cannot build the account's DN under accounts.people_base");
                goto out;
        }
        if ((rc = build_entry(p, r, in, profs, n_profs, plan, err, errlen)) < 0)
                goto out;
        if ((rc = plan_groups(p, profs, n_profs, plan, err, errlen)) < 0)
                goto out;
        *ret = plan;
        return 0;
out:
        arena_free(a);
        return rc;
}

void provision_plan_free(struct account_plan *plan)
{
        if (plan)
                arena_free(plan->arena);
}

int provision_set_uid_number(struct account_plan *plan, unsigned long uid_number)
{
        if (!plan->posix)
                return -EINVAL;
        const char *value = arena_printf(plan->arena, "%lu", uid_number);
        const char **values = arena_alloc(plan->arena, sizeof(char *));
        if (!value || !values)
                return -ENOMEM;
        values[0] = value;
        struct entry *e = &plan->entry;
        for (size_t i = 0; i < e->n_attrs; i++) {
                if (strcasecmp(e->attrs[i].name, "uidNumber") == 0) {
                        e->attrs[i].values = values;
                        e->attrs[i].n = 1;
                        return 0;
                }
        }
        /* Arena memory cannot grow in place: copy into a longer array. */
        struct attr_values *attrs = arena_alloc(plan->arena, (e->n_attrs + 1) * sizeof(*attrs));
        if (!attrs)
                return -ENOMEM;
        if (e->n_attrs)
                memcpy(attrs, e->attrs, e->n_attrs * sizeof(*attrs));
        attrs[e->n_attrs] = (struct attr_values){ .name = "uidNumber", .values = values, .n = 1 };
        e->attrs = attrs;
        e->n_attrs++;
        return 0;
}

const struct attr_values *entry_attr(const struct entry *e, const char *attr)
{
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_attrs; i++)
                if (e->attrs[i].name && strcasecmp(e->attrs[i].name, attr) == 0)
                        return &e->attrs[i];
        return NULL;
}

bool provision_conflict(const struct account_plan *plan, const struct entry *existing, char *reason, size_t len)
{
        if (!existing)
                return false;
        const struct attr_values *oc = entry_attr(existing, "objectClass");
        if (!oc || !has_ci(oc->values, oc->n, OC_ACCOUNT)) {
                if (reason && len)
                        snprintf(reason, len, "uid %s exists and was not provisioned by aksesd", plan->uid);
                return true;
        }
        const struct attr_values *want = entry_attr(&plan->entry, "aksesdApplicantNip");
        const struct attr_values *have = entry_attr(existing, "aksesdApplicantNip");
        if (want && want->n && have) {
                for (size_t i = 0; i < have->n; i++) {
                        if (strcmp(have->values[i], want->values[0]) != 0) {
                                if (reason && len)
                                        snprintf(reason, len, "uid %s was provisioned by aksesd for another applicant (NIP %.40s, not %.40s)",
                                                 plan->uid, have->values[i], want->values[0]);
                                return true;
                        }
                }
        }
        return false;
}

/* The diff functions have no error return in provision.h, and returning 0
 * on a failed allocation would read as "nothing to do" and skip a change
 * the SOP approved.  Running out of memory there ends the process
 * instead; the request stays in the spool and activation runs again. */
static void *diff_alloc(struct arena *a, size_t size)
{
        void *p = arena_alloc(a, size);
        if (!p)
                abort();
        return p;
}

static bool same_values(const struct attr_values *want, const struct attr_values *have)
{
        for (size_t i = 0; i < want->n; i++)
                if (!has_exact(have->values, have->n, want->values[i]))
                        return false;
        for (size_t i = 0; i < have->n; i++)
                if (!has_exact(want->values, want->n, have->values[i]))
                        return false;
        return true;
}

size_t provision_diff(struct account_plan *plan, const struct entry *existing, struct mod **mods)
{
        *mods = NULL;
        if (!existing || plan->entry.n_attrs == 0)
                return 0;
        struct mod *m = diff_alloc(plan->arena, plan->entry.n_attrs * sizeof(*m));
        size_t n = 0;
        for (size_t i = 0; i < plan->entry.n_attrs; i++) {
                const struct attr_values *want = &plan->entry.attrs[i];
                const struct attr_values *have = entry_attr(existing, want->name);
                if (!have || have->n == 0) {
                        m[n++] = (struct mod){ MOD_ADD, want->name, want->values, want->n };
                        continue;
                }
                if (strcasecmp(want->name, "objectClass") == 0) {
                        /* Only add: the entry may carry classes of other
                         * tools (a mail or Samba class) that must stay. */
                        const char **missing = NULL;
                        size_t k = 0;
                        for (size_t j = 0; j < want->n; j++) {
                                if (has_ci(have->values, have->n, want->values[j]))
                                        continue;
                                if (!missing)
                                        missing = diff_alloc(plan->arena, want->n * sizeof(char *));
                                missing[k++] = want->values[j];
                        }
                        if (k)
                                m[n++] = (struct mod){ MOD_ADD, want->name, missing, k };
                        continue;
                }
                /* The first activation's time stays: a re-run that changes
                 * nothing else must change nothing. */
                if (strcasecmp(want->name, AT_PROVISIONED_AT) == 0)
                        continue;
                if (!same_values(want, have))
                        m[n++] = (struct mod){ MOD_REPLACE, want->name, want->values, want->n };
        }
        if (n)
                *mods = m;
        return n;
}

/* The DN in the string form libldap prints, so that "UID=x, ou=People"
 * and "uid=x,ou=People" compare equal; malloc'd, NULL when it is not a DN. */
static char *dn_normal(const char *dn)
{
        char *out = NULL;
        if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &out, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
                return NULL;
        return out;
}

static bool has_dn(const struct attr_values *av, const char *dn)
{
        if (!av)
                return false;
        for (size_t i = 0; i < av->n; i++)
                if (strcasecmp(av->values[i], dn) == 0)
                        return true;
        char *want = dn_normal(dn);
        bool found = false;
        for (size_t i = 0; want && i < av->n && !found; i++) {
                char *have = dn_normal(av->values[i]);
                found = have && strcasecmp(have, want) == 0;
                ldap_memfree(have);
        }
        ldap_memfree(want);
        return found;
}

size_t provision_group_diff(struct account_plan *plan, size_t i, const struct entry *group, struct mod **mods)
{
        *mods = NULL;
        if (i >= plan->n_groups)
                return 0;
        bool want_member = plan->membership == MEMBERSHIP_MEMBER || plan->membership == MEMBERSHIP_BOTH;
        bool want_uid = plan->membership == MEMBERSHIP_MEMBERUID || plan->membership == MEMBERSHIP_BOTH;
        /* memberUid is caseExactIA5Match (RFC 2307): compare exactly. */
        const struct attr_values *uids = entry_attr(group, "memberUid");
        bool need_member = want_member && !has_dn(entry_attr(group, "member"), plan->entry.dn);
        bool need_uid = want_uid && !(uids && has_exact(uids->values, uids->n, plan->uid));
        if (!need_member && !need_uid)
                return 0;
        struct mod *m = diff_alloc(plan->arena, 2 * sizeof(*m));
        size_t n = 0;
        if (need_member) {
                const char **v = diff_alloc(plan->arena, sizeof(char *));
                v[0] = plan->entry.dn;
                m[n++] = (struct mod){ MOD_ADD, "member", v, 1 };
        }
        if (need_uid) {
                const char **v = diff_alloc(plan->arena, sizeof(char *));
                v[0] = plan->uid;
                m[n++] = (struct mod){ MOD_ADD, "memberUid", v, 1 };
        }
        *mods = m;
        return n;
}

/* RFC 2849 SAFE-STRING, and no trailing space (which readers strip) and
 * no control characters (DEL included) written as they are. */
static bool ldif_safe(const char *v)
{
        const unsigned char *s = (const unsigned char *)v;
        if (!*s)
                return true;
        if (*s == ' ' || *s == ':' || *s == '<')
                return false;
        for (; *s; s++)
                if (*s < 0x20 || *s >= 0x7F)
                        return false;
        return s[-1] != ' ';
}

static void ldif_line(FILE *out, const char *attr, const char *value)
{
        if (ldif_safe(value)) {
                fprintf(out, "%s: %s\n", attr, value);
                return;
        }
        size_t len = strlen(value);
        size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
        char small[512];
        char *buf = b64len <= sizeof(small) ? small : malloc(b64len);
        if (!buf) {
                fprintf(out, "# %s: value not written (out of memory)\n", attr);
                return;
        }
        sodium_bin2base64(buf, b64len, (const unsigned char *)value, len, sodium_base64_VARIANT_ORIGINAL);
        fprintf(out, "%s:: %s\n", attr, buf);
        if (buf != small)
                free(buf);
}

/* A comment naming a DN: comments cannot be base64, so bytes that would
 * end or corrupt the line are shown as '?'. */
static void ldif_comment(FILE *out, const char *dn, const char *text)
{
        fputs("# ", out);
        for (const unsigned char *s = (const unsigned char *)dn; *s; s++)
                fputc(*s < 0x20 || *s == 0x7F ? '?' : *s, out);
        fprintf(out, ": %s\n", text);
}

static const char *op_name(enum mod_op op)
{
        switch (op) {
        case MOD_ADD:
                return "add";
        case MOD_REPLACE:
                return "replace";
        case MOD_DELETE:
                return "delete";
        }
        return "?";
}

static void ldif_mods(FILE *out, const char *dn, const struct mod *m, size_t n)
{
        ldif_line(out, "dn", dn);
        fputs("changetype: modify\n", out);
        for (size_t i = 0; i < n; i++) {
                fprintf(out, "%s: %s\n", op_name(m[i].op), m[i].attr);
                for (size_t k = 0; k < m[i].n; k++)
                        ldif_line(out, m[i].attr, m[i].values[k]);
                fputs("-\n", out);
        }
}

void provision_ldif(FILE *out, struct account_plan *plan, const struct entry *existing,
                    const struct entry *const *groups)
{
        const struct entry *e = &plan->entry;
        bool uid_pending = plan->posix && !entry_attr(e, "uidNumber");
        if (!existing) {
                ldif_line(out, "dn", e->dn);
                fputs("changetype: add\n", out);
                for (size_t i = 0; i < e->n_attrs; i++)
                        for (size_t k = 0; k < e->attrs[i].n; k++)
                                ldif_line(out, e->attrs[i].name, e->attrs[i].values[k]);
                if (uid_pending)
                        fputs("# uidNumber: allocated at activation\n", out);
        } else {
                struct mod *m = NULL;
                size_t n = provision_diff(plan, existing, &m);
                /* An entry that has a uidNumber keeps it; the executor
                 * allocates one only when it has none. */
                uid_pending = uid_pending && !entry_attr(existing, "uidNumber");
                if (n) {
                        ldif_mods(out, e->dn, m, n);
                        if (uid_pending)
                                fputs("# add: uidNumber (allocated at activation)\n", out);
                } else {
                        ldif_comment(out, e->dn, uid_pending ? "uidNumber allocated at activation, no other change"
                                                             : "no change");
                }
        }
        for (size_t i = 0; i < plan->n_groups; i++) {
                const struct entry *g = groups ? groups[i] : NULL;
                struct mod *m = NULL;
                size_t n = provision_group_diff(plan, i, g, &m);
                fputc('\n', out);
                if (!g)
                        ldif_comment(out, plan->groups[i].dn, "not in the directory or not read");
                if (n)
                        ldif_mods(out, plan->groups[i].dn, m, n);
                else
                        ldif_comment(out, plan->groups[i].dn, "already a member");
        }
}
