/*
 * activate - applies an account plan to the directory; see activate.h.
 */
#include "activate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "ldapdn.h"
#include "password.h"

#define UID_ALLOC_TRIES 16

static int failed(struct activation_result *res, int r, const char *fmt, const char *detail)
{
        /* Refused binds and missing rights are the directory's set-up, not
         * the request's fault: they wait and are retried like an outage. */
        res->status = r == -EAGAIN || r == -EACCES ? -EAGAIN : r == -EPERM ? -EPERM : -EIO;
        snprintf(res->reason, sizeof(res->reason), fmt, detail);
        return res->status;
}

/* The next free uidNumber: read the counter, then move it on only if it
 * still holds what we read (Assertion control), so two writers racing
 * can never get the same number. */
static int allocate_uid_number(struct directory *dir, const struct policy *p, struct arena *a, unsigned long *out,
                               char *err, size_t errlen)
{
        static const char *const attrs[] = { "aksesdNextUidNumber", NULL };
        for (int attempt = 0; attempt < UID_ALLOC_TRIES; attempt++) {
                struct entry *e = NULL;
                int r = directory_read(dir, p->accounts.uid_counter_dn, attrs, a, &e, err, errlen);
                if (r < 0)
                        return r;
                const struct attr_values *v = entry_attr(e, "aksesdNextUidNumber");
                if (!v || v->n != 1) {
                        snprintf(err, errlen, "%s has no aksesdNextUidNumber", p->accounts.uid_counter_dn);
                        return -EIO;
                }
                unsigned long next = strtoul(v->values[0], NULL, 10);
                if (next < p->accounts.uid_number_min)
                        next = p->accounts.uid_number_min;
                if (next > p->accounts.uid_number_max) {
                        snprintf(err, errlen, "no uidNumber left in %lu..%lu", p->accounts.uid_number_min,
                                 p->accounts.uid_number_max);
                        return -EIO;
                }
                char assertion[64], value[32];
                snprintf(assertion, sizeof(assertion), "(aksesdNextUidNumber=%s)", v->values[0]);
                snprintf(value, sizeof(value), "%lu", next + 1);
                const char *vals[] = { value };
                struct mod m = { MOD_REPLACE, "aksesdNextUidNumber", vals, 1 };
                r = directory_modify(dir, p->accounts.uid_counter_dn, &m, 1, assertion, false, err, errlen);
                if (r == -ECANCELED)
                        continue;       /* someone else took it: read again */
                if (r < 0)
                        return r;
                *out = next;
                return 0;
        }
        snprintf(err, errlen, "the uidNumber counter kept changing under us (%d tries)", UID_ALLOC_TRIES);
        return -EIO;
}

static int set_password(struct directory *dir, const struct policy *p, const char *dn, const char *pw,
                        char *err, size_t errlen)
{
        if (p->passwords.storage == PASSWORD_SERVER)
                return directory_set_password(dir, dn, pw, err, errlen);
        char hash[PASSWORD_HASH_MAX];
        if (password_hash(p, pw, hash) < 0) {
                snprintf(err, errlen, "argon2id hashing failed (out of memory)");
                return -EIO;
        }
        /* With must_change, pwdReset goes in the same write (Relax control:
         * it is an operational attribute), saving two round trips. */
        const char *vals[] = { hash }, *reset[] = { "TRUE" };
        struct mod m[2] = { { MOD_REPLACE, "userPassword", vals, 1 }, { MOD_REPLACE, "pwdReset", reset, 1 } };
        bool must = p->passwords.must_change;
        int r = directory_modify(dir, dn, m, must ? 2 : 1, NULL, must, err, errlen);
        sodium_memzero(hash, sizeof(hash));
        return r;
}

/* ppolicy sets pwdReset itself only in some cases (never on an add, and
 * only with pwdMustChange in its policy): make it what the policy says. */
static int apply_must_change(struct directory *dir, const struct policy *p, struct arena *a, const char *dn,
                             char *err, size_t errlen)
{
        static const char *const attrs[] = { "pwdReset", NULL };
        struct entry *e = NULL;
        int r = directory_read(dir, dn, attrs, a, &e, err, errlen);
        if (r < 0)
                return r;
        const struct attr_values *v = entry_attr(e, "pwdReset");
        bool is_set = v && v->n == 1 && strcasecmp(v->values[0], "TRUE") == 0;
        if (is_set == p->passwords.must_change)
                return 0;
        const char *vals[] = { "TRUE" };
        struct mod m = p->passwords.must_change ? (struct mod){ MOD_REPLACE, "pwdReset", vals, 1 }
                                                : (struct mod){ MOD_DELETE, "pwdReset", NULL, 0 };
        return directory_modify(dir, dn, &m, 1, NULL, true, err, errlen);
}

static int ensure_groups(struct directory *dir, struct account_plan *plan, struct activation_result *res,
                         char *err, size_t errlen)
{
        /* No read first: each value is added on its own, and one that is
         * already there (a re-run, another worker) answers
         * attributeOrValueExists.  Saves a round trip per group. */
        for (size_t i = 0; i < plan->n_groups; i++) {
                struct mod *mods = NULL;
                size_t n = provision_group_diff(plan, i, NULL, &mods);
                bool joined = false;
                for (size_t k = 0; k < n; k++) {
                        int r = directory_modify(dir, plan->groups[i].dn, &mods[k], 1, NULL, false, err, errlen);
                        if (r == -ENOENT) {
                                snprintf(err, errlen, "group %s does not exist", plan->groups[i].dn);
                                return -EIO;
                        }
                        if (r == -EEXIST)
                                continue;
                        if (r < 0)
                                return r;
                        joined = true;
                }
                if (joined && res->n_groups_joined < ACTIVATE_MAX_GROUPS)
                        res->groups_joined[res->n_groups_joined++] = plan->groups[i].cn;
        }
        return 0;
}

void activate_account(struct directory *dir, const struct policy *p, struct account_plan *plan,
                      struct activation_result *res)
{
        static const char *const attrs[] = { "*", "+", NULL };
        char err[600];
        int r;
        memset(res, 0, sizeof(*res));

        /* The uid must not exist anywhere else under the people base. */
        char *filter = filter_eq("uid", plan->uid);
        struct entry *existing = NULL;
        r = filter ? directory_find(dir, p->accounts.people_base, filter, attrs, plan->arena, &existing, err, sizeof(err))
                   : -ENOMEM;
        free(filter);
        if (r == -ENOENT)
                existing = NULL;
        else if (r < 0) {
                failed(res, r, "%s", err);
                return;
        }
        if (existing && strcasecmp(existing->dn, plan->entry.dn) != 0) {
                snprintf(err, sizeof(err), "uid %s already exists at %s", plan->uid, existing->dn);
                failed(res, -EPERM, "%s", err);
                return;
        }
        if (existing && provision_conflict(plan, existing, err, sizeof(err))) {
                failed(res, -EPERM, "%s", err);
                return;
        }

        if (plan->posix) {
                const struct attr_values *have = existing ? entry_attr(existing, "uidNumber") : NULL;
                unsigned long n = have && have->n == 1 ? strtoul(have->values[0], NULL, 10) : 0;
                if (!n && (r = allocate_uid_number(dir, p, plan->arena, &n, err, sizeof(err))) < 0) {
                        failed(res, r, "%s", err);
                        return;
                }
                if (provision_set_uid_number(plan, n) < 0) {
                        failed(res, -EIO, "%s", "out of memory");
                        return;
                }
                res->uid_number = n;
        }

        if (!existing) {
                r = directory_add(dir, &plan->entry, err, sizeof(err));
                if (r == -EEXIST) {
                        /* Added by a write whose answer we lost: diff it instead. */
                        r = directory_read(dir, plan->entry.dn, attrs, plan->arena, &existing, err, sizeof(err));
                        if (r == 0 && provision_conflict(plan, existing, err, sizeof(err)))
                                r = -EPERM;
                        /* Made meanwhile by another worker: keep its uidNumber
                         * (the one allocated here stays unused). */
                        const struct attr_values *u = r == 0 && plan->posix ? entry_attr(existing, "uidNumber") : NULL;
                        if (u && u->n == 1 && provision_set_uid_number(plan, strtoul(u->values[0], NULL, 10)) == 0)
                                res->uid_number = strtoul(u->values[0], NULL, 10);
                } else if (r == 0) {
                        res->created = true;
                }
                if (r < 0) {
                        failed(res, r, "%s", err);
                        return;
                }
        }
        if (existing) {
                struct mod *mods = NULL;
                size_t n = provision_diff(plan, existing, &mods);
                if (n > 0 && (r = directory_modify(dir, plan->entry.dn, mods, n, NULL, false, err, sizeof(err))) < 0) {
                        failed(res, r, "%s", err);
                        return;
                }
                res->n_changes = n;
                /* Attribute names only: values may be personal data. */
                size_t used = 0;
                for (size_t i = 0; i < n && used < sizeof(res->changes); i++)
                        used += (size_t)snprintf(res->changes + used, sizeof(res->changes) - used, "%s%s:%s",
                                                 i ? " " : "", mods[i].op == MOD_ADD ? "add" :
                                                 mods[i].op == MOD_REPLACE ? "replace" : "delete", mods[i].attr);
        }
        if ((r = ensure_groups(dir, plan, res, err, sizeof(err))) < 0) {
                failed(res, r, "%s", err);
                return;
        }

        char *pw = password_generate(p);
        if (!pw) {
                failed(res, -EIO, "%s", "out of secure memory for the password");
                return;
        }
        bool reset_done = p->passwords.storage == PASSWORD_ARGON2 && p->passwords.must_change;
        if ((r = set_password(dir, p, plan->entry.dn, pw, err, sizeof(err))) < 0 ||
            (!reset_done && (r = apply_must_change(dir, p, plan->arena, plan->entry.dn, err, sizeof(err))) < 0)) {
                password_free(pw);
                failed(res, r, "%s", err);
                return;
        }
        res->password = pw;
}
