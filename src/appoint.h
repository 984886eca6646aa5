/*
 * appoint - Procedure 1 in the directory (blocking; executor thread).
 *
 * Appointing a Super Admin or an Admin creates or updates the
 * appointee's own directory account (inetOrgPerson + aksesdActor, with
 * the role, the signing key and the assignment letter), puts it in the
 * role's group under ou=roles and gives it a new initial password.  An
 * update changes the fields the letter names; a revocation or removal
 * takes the account out of the role group, removes the role and the
 * signing key, and locks the account (ppolicy pwdAccountLockedTime).
 * Rotation gives the super administrator account a new password.  Like
 * activate, every step reads before it writes, so a re-run is harmless.
 */
#ifndef AKSESD_APPOINT_H
#define AKSESD_APPOINT_H

#include <stdbool.h>

#include "directory.h"
#include "disposition.h"
#include "policy.h"

enum actor_op { ACTOR_APPOINT, ACTOR_UPDATE, ACTOR_REMOVE, ACTOR_ROTATE };

struct actor_job {
        enum actor_op op;
        enum role_id role;              /* the role appointed to or removed from */
        char id[ACTOR_ID_MAX + 1];
        char name[201], nip[19], position[201], email[255], phone[33];
        bool has_key;
        unsigned char key[crypto_sign_PUBLICKEYBYTES];
        char letter[101];
        char request_id[REQUEST_ID_LEN + 1];
        char dn[400];                   /* the appointee's account, or the rotated account */
        char role_group_dn[400];
        char other_group_dn[400];       /* the other appointable role's group: left on appointment */
};

struct actor_result {
        int status;                     /* 0; -EAGAIN unreachable; -EPERM conflict; -EIO failed */
        char reason[768];
        char *password;                 /* sodium_malloc: appointments and rotations */
        bool created;
};

void appoint_run(struct directory *dir, const struct policy *p, const struct actor_job *job, struct actor_result *res);

#endif
