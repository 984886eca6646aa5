/*
 * policy - the SOP as configuration: roles, workflows, SKPD catalogue,
 * account templates, password rules, the directory and the spool.
 *
 * A policy is parsed and cross-checked completely before anyone sees it,
 * then never changes: a reload builds a new one and swaps it in only when
 * it is valid, so a broken file leaves the old policy in force.  The
 * format is documented key by key in aksesd-policy(5).
 */
#ifndef AKSESD_POLICY_H
#define AKSESD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sodium.h>

#include "diag.h"

#define POLICY_MAX_BYTES (1024 * 1024)

enum role_id { ROLE_KEPALA_BIDANG, ROLE_SUPER_ADMIN, ROLE_ADMIN, ROLE_COUNT, ROLE_NONE = -1 };

enum step_action { ACTION_VERIFY, ACTION_FORWARD, ACTION_ACTIVATE, ACTION_HANDOVER, ACTION_REPORT };

/* Request kinds: each has its own request format and its own workflow. */
enum request_kind {
        KIND_SKPD_ACCESS,
        KIND_SUPERADMIN_APPOINT,
        KIND_SUPERADMIN_REVOKE,
        KIND_SUPERADMIN_ROTATE,
        KIND_ADMIN_APPOINT,
        KIND_ADMIN_UPDATE,
        KIND_ADMIN_REMOVE,
        KIND_COUNT
};

enum tls_mode { TLS_NONE, TLS_STARTTLS, TLS_LDAPS };
enum membership { MEMBERSHIP_MEMBER, MEMBERSHIP_MEMBERUID, MEMBERSHIP_BOTH };
enum password_storage { PASSWORD_ARGON2, PASSWORD_SERVER };
enum report_period { PERIOD_DAILY, PERIOD_WEEKLY, PERIOD_MONTHLY };
enum language { LANG_ID, LANG_EN };

enum {
        PWCLASS_LOWER = 1 << 0,
        PWCLASS_UPPER = 1 << 1,
        PWCLASS_DIGIT = 1 << 2,
        PWCLASS_SYMBOL = 1 << 3,
};

struct actor {
        const char *id;
        const char *name;
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        bool has_expiry;
        int expires_year, expires_month, expires_day;   /* last valid day */
};

struct role {
        const char *title;
        enum role_id reports_to;        /* ROLE_NONE at the top */
        struct actor *members;
        size_t n_members;
};

struct step {
        const char *id;
        enum role_id role;
        enum step_action action;
        unsigned standard_minutes;
};

struct workflow {
        const char *title;
        struct step *steps;
        size_t n_steps;
};

struct profile {
        const char *id;
        const char *title;
        const char **groups;            /* group cn values */
        size_t n_groups;
};

struct skpd {
        const char *code;
        const char *name;
        size_t *profiles;               /* indexes into policy.profiles */
        size_t n_profiles;
};

struct policy {
        const char *path;
        struct {
                const char *name, *division;
                enum language language;
        } org;
        struct {
                const char **uris;
                size_t n_uris;
                const char *base, *bind_dn, *bind_password_file;
                unsigned timeout_seconds;
                enum tls_mode tls_mode;
                const char *tls_ca_file;        /* NULL: the system's */
                bool tls_verify;
        } directory;
        struct role roles[ROLE_COUNT];
        struct workflow workflows[KIND_COUNT];
        struct profile *profiles;
        size_t n_profiles;
        struct skpd *skpd;
        size_t n_skpd;
        struct {
                const char *people_base, *group_base, *uid_pattern;
                const char **object_classes;
                size_t n_object_classes;
                enum membership membership;
                bool posix;
                unsigned long uid_number_min, uid_number_max, gid_number;
                const char *home_pattern, *login_shell;
                const char *uid_counter_dn;     /* entry holding aksesdNextUidNumber */
                const char *superadmin_dn;      /* the super administrator account (SOP 1.2) */
                const char *role_base;          /* cn=<role> groups of the SOP's roles */
        } accounts;
        struct {
                unsigned length;
                unsigned classes;       /* PWCLASS_* */
                bool exclude_ambiguous;
                enum password_storage storage;
                unsigned long long ops_limit;
                size_t mem_limit_kib;
                bool must_change;
        } passwords;
        struct {
                const char *path;
                const char **allowed_users;
                size_t n_allowed_users;
                const char **allowed_groups;
                size_t n_allowed_groups;
                size_t max_file_kib;
                unsigned long min_free_mib, min_free_inodes;
        } spool;
        struct {
                enum report_period period;
        } reports;
        struct {
                const char *group;      /* may read one-time password files; NULL: owner only */
        } handover;
        bool separation_of_duties;
        struct arena *arena;            /* owns everything above */
        int refs;                       /* the executor thread may hold one */
};

/* Reads and validates the policy at path.  0 and *ret (free with
 * policy_free) when valid; -EINVAL with every problem in d when not;
 * other -errno (also described in d) when the file cannot be read. */
int policy_load(const char *path, struct diag_list *d, struct policy **ret)
        __attribute__((warn_unused_result));
/* The same over a buffer already read; name is used in messages. */
int policy_parse(const char *name, const char *buf, size_t len, struct diag_list *d, struct policy **ret)
        __attribute__((warn_unused_result));
/* Drops one reference; the last frees the policy.  policy_ref adds one
 * (for another thread that must keep using it across a reload). */
void policy_free(struct policy *p);
struct policy *policy_ref(struct policy *p);

/* Lookups; NULL when absent.  Results are owned by the policy. */
const struct skpd *policy_find_skpd(const struct policy *p, const char *code, size_t len);
const struct profile *policy_find_profile(const struct policy *p, const char *id, size_t len);
const struct actor *policy_find_actor(const struct policy *p, enum role_id role, const char *id);
bool skpd_allows_profile(const struct policy *p, const struct skpd *s, const struct profile *prof);

/* Names as written in policy and request files. */
const char *role_name(enum role_id r);
const char *action_name(enum step_action a);
const char *kind_name(enum request_kind k);
extern const char *const ROLE_NAMES[];
extern const char *const KIND_NAMES[];

#endif
