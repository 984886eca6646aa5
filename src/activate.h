/*
 * activate - applies an account plan to the directory (blocking; runs on
 * the executor thread, never on the event loop).
 *
 * Idempotent: it reads what is there, refuses to touch an entry aksesd did
 * not provision for this applicant, adds or modifies only the difference,
 * allocates a uidNumber that cannot collide (Assertion control on the
 * counter entry, RFC 4528), joins the groups, and sets a new initial
 * password (pre-hashed {ARGON2}, or through the Password Modify extended
 * operation), with ppolicy's pwdReset as the policy asks.  After a lost
 * connection a write may already have been applied, so each step re-reads
 * before it writes.
 */
#ifndef AKSESD_ACTIVATE_H
#define AKSESD_ACTIVATE_H

#include <stddef.h>

#include "directory.h"
#include "policy.h"
#include "provision.h"

#define ACTIVATE_MAX_GROUPS 64

struct activation_result {
        int status;                     /* 0; -EAGAIN directory unreachable; -EPERM conflict; -EIO failed */
        char reason[768];               /* why, when status != 0 */
        char *password;                 /* the new password (sodium_malloc), when status == 0 */
        bool created;                   /* the entry was added (else updated or unchanged) */
        size_t n_changes;               /* modifications applied to the account entry */
        char changes[512];              /* what they were: "replace:mail add:objectClass", no values */
        unsigned long uid_number;       /* 0 when not POSIX */
        size_t n_groups_joined;
        const char *groups_joined[ACTIVATE_MAX_GROUPS]; /* cn values, owned by the plan */
};

/* Applies plan with session dir under policy p.  Always fills res. */
void activate_account(struct directory *dir, const struct policy *p, struct account_plan *plan,
                      struct activation_result *res);

#endif
