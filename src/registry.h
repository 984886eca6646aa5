/*
 * registry - actors appointed through Procedure 1.
 *
 * The policy names the root of trust (the Kepala Bidang) and may list
 * other members; everyone appointed through the daemon — Super Admins by
 * the Kepala Bidang, Admins by a Super Admin — is recorded here, one
 * state file per actor in the spool's actors/ directory (the system of
 * record; the directory holds a mirror).  An appointment takes effect the
 * moment its file is written; a revocation or removal the moment it is
 * rewritten, without editing the policy or restarting.
 */
#ifndef AKSESD_REGISTRY_H
#define AKSESD_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "disposition.h"
#include "policy.h"

struct registered {
        struct actor actor;             /* id, name, key; strings point into the fields below */
        char id[ACTOR_ID_MAX + 1];
        char name[201];
        enum role_id role;
        bool active;
        char letter[101];               /* the assignment letter (surat tugas) */
        char request_id[REQUEST_ID_LEN + 1];
        time_t since;                   /* appointed, or revoked when !active */
};

struct registry {
        struct registered *items;
        size_t n, cap;
};

/* Loads every actors/ file under dirfd (the spool root; no actors/ yet
 * means nobody appointed).  A file that does not parse is skipped and
 * named in err (the caller journals it).  Creates nothing. */
int registry_load(int dirfd, struct registry *reg, char *err, size_t errlen) __attribute__((warn_unused_result));
void registry_free(struct registry *reg);

/* Writes (atomically) and records e in reg, replacing an entry of the
 * same id. */
int registry_put(int dirfd, struct registry *reg, const struct registered *e) __attribute__((warn_unused_result));

/* The entry for id (active or not), or NULL. */
const struct registered *registry_get(const struct registry *reg, const char *id);

/* An actor who may sign for role now: the registry decides for anyone it
 * has an entry for (active, of that role); others are the policy's
 * members.  NULL otherwise. */
const struct actor *actor_lookup(const struct policy *p, const struct registry *reg, enum role_id role,
                                 const char *id);

#endif
