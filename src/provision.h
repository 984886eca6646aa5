/*
 * provision - what the directory must hold for an activated request.
 *
 * Pure: from the policy, the validated request and who approved it, this
 * computes the account entry and the group memberships; given what the
 * directory holds now, it computes only the difference.  No LDAP calls
 * here (the executor applies the result), so every rule is unit-tested
 * without a server.  DNs are built with ldapdn (RFC 4514).
 */
#ifndef AKSESD_PROVISION_H
#define AKSESD_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "policy.h"
#include "request.h"

/* One attribute and its values. */
struct attr_values {
        const char *name;
        const char **values;
        size_t n;
};

/* An entry: desired (from a plan) or existing (read from the directory). */
struct entry {
        const char *dn;
        struct attr_values *attrs;
        size_t n_attrs;
};

enum mod_op { MOD_ADD, MOD_REPLACE, MOD_DELETE };

/* One modification, as LDAPMod will carry it. */
struct mod {
        enum mod_op op;
        const char *attr;
        const char **values;
        size_t n;
};

struct group_target {
        const char *cn;         /* as the profile names it */
        const char *dn;         /* cn=ESCAPED,accounts.group_base */
};

struct account_plan {
        const char *uid;
        struct entry entry;             /* desired attributes; never userPassword */
        bool posix;                     /* uidNumber is allocated by the executor */
        enum membership membership;
        struct group_target *groups;    /* union of the granted profiles' groups, no duplicates */
        size_t n_groups;
        struct arena *arena;            /* owns everything above */
};

struct plan_input {
        const char *request_id;
        const char *provisioned_by;     /* the executing admin's actor id */
        const char *const *approvers;   /* "role:actor", in order of the chain */
        size_t n_approvers;
        time_t now;
};

/* The account an skpd-access request asks for.  0 and *ret (free with
 * provision_plan_free); -EINVAL with a reason in err (e.g. a uid the
 * policy's uid_pattern cannot make); -ENOMEM. */
int provision_plan(const struct policy *p, const struct request *r, const struct plan_input *in,
                   struct account_plan **ret, char *err, size_t errlen) __attribute__((warn_unused_result));
void provision_plan_free(struct account_plan *plan);

/* Adds uidNumber (posix plans) once the executor has allocated or found it. */
int provision_set_uid_number(struct account_plan *plan, unsigned long uid_number) __attribute__((warn_unused_result));

/* True (with the reason) when an existing entry at the plan's DN or with
 * its uid must not be touched: not provisioned by aksesd (no aksesdAccount
 * object class) or provisioned for another applicant (aksesdApplicantNip
 * differs). */
bool provision_conflict(const struct account_plan *plan, const struct entry *existing, char *reason, size_t len);

/* The modifications that turn existing into the plan's entry: missing
 * object classes and attributes added, differing managed attributes
 * replaced; attributes the plan does not manage are left alone, and
 * aksesdProvisionedAt is kept when present.  existing NULL: nothing to
 * diff (the caller adds the whole entry).  Returns the number of mods,
 * written into *mods (owned by the plan's arena); 0 means nothing to do. */
size_t provision_diff(struct account_plan *plan, const struct entry *existing, struct mod **mods);

/* What group i needs so that the account is a member (member: the DN,
 * memberUid: the uid, per plan->membership), given the group's existing
 * entry.  Returns the number of mods (0: already a member). */
size_t provision_group_diff(struct account_plan *plan, size_t i, const struct entry *group, struct mod **mods);

/* The value of attr in e (case-insensitive name), or NULL. */
const struct attr_values *entry_attr(const struct entry *e, const char *attr);

/* Writes, as LDIF, what activation would do: an add of the whole entry
 * when existing is NULL, else a modify with the diff ("# no change" when
 * empty); then each group's modify.  groups[i] may be NULL (the group's
 * state is unknown).  Used by `aksesctl plan`. */
void provision_ldif(FILE *out, struct account_plan *plan, const struct entry *existing,
                    const struct entry *const *groups);

#endif
