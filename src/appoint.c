/*
 * appoint - Procedure 1 in the directory; see appoint.h.
 */
#include "appoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "keys.h"
#include "password.h"

/* ppolicy's "locked by an administrator" value. */
#define LOCKED_FOREVER "000001010000Z"

static void result(struct actor_result *res, int r, const char *reason)
{
        /* Refused binds and missing rights are the directory's set-up, not
         * the request's fault: they wait and are retried like an outage. */
        res->status = r == -EAGAIN || r == -EACCES ? -EAGAIN : r == -EPERM ? -EPERM : -EIO;
        snprintf(res->reason, sizeof(res->reason), "%s", reason);
}

static bool has_value(const struct attr_values *v, const char *s, bool ci)
{
        for (size_t i = 0; v && i < v->n; i++)
                if (ci ? strcasecmp(v->values[i], s) == 0 : strcmp(v->values[i], s) == 0)
                        return true;
        return false;
}

static const char *last_word(struct arena *a, const char *name)
{
        const char *end = strchr(name, ',');
        size_t len = end ? (size_t)(end - name) : strlen(name);
        while (len > 0 && name[len - 1] == ' ')
                len--;
        size_t start = len;
        while (start > 0 && name[start - 1] != ' ')
                start--;
        return len > start ? arena_strndup(a, name + start, len - start) : name;
}

/* Adds (name, value) to the mods when value is set. */
static void put(struct mod *mods, size_t *n, const char **vals, enum mod_op op, const char *attr, const char *value)
{
        if (!value || !*value)
                return;
        vals[*n] = value;
        mods[*n] = (struct mod){ op, attr, &vals[*n], 1 };
        (*n)++;
}

static int appoint(struct directory *dir, const struct actor_job *job, struct arena *a,
                   struct actor_result *res, char *err, size_t errlen)
{
        static const char *const attrs[] = { "*", "+", NULL };
        char key[KEY_PUBLIC_STRLEN];
        key_format_public(job->key, key);
        struct entry *e = NULL;
        int r = directory_read(dir, job->dn, attrs, a, &e, err, errlen);
        if (r < 0 && r != -ENOENT)
                return r;
        const char *vals[16];
        struct mod mods[16];
        size_t n = 0;
        if (r == -ENOENT) {
                const char *oc[] = { "inetOrgPerson", "aksesdActor" };
                mods[n++] = (struct mod){ MOD_ADD, "objectClass", oc, 2 };
                put(mods, &n, vals, MOD_ADD, "uid", job->id);
                put(mods, &n, vals, MOD_ADD, "cn", job->name);
                put(mods, &n, vals, MOD_ADD, "sn", last_word(a, job->name));
                put(mods, &n, vals, MOD_ADD, "mail", job->email);
                put(mods, &n, vals, MOD_ADD, "title", job->position);
                put(mods, &n, vals, MOD_ADD, "employeeNumber", job->nip);
                put(mods, &n, vals, MOD_ADD, "telephoneNumber", job->phone);
                put(mods, &n, vals, MOD_ADD, "aksesdActorId", job->id);
                put(mods, &n, vals, MOD_ADD, "aksesdRole", role_name(job->role));
                put(mods, &n, vals, MOD_ADD, "aksesdSigningKey", key);
                put(mods, &n, vals, MOD_ADD, "aksesdAppointmentLetter", job->letter);
                put(mods, &n, vals, MOD_ADD, "aksesdRequestId", job->request_id);
                struct attr_values av[16];
                for (size_t i = 0; i < n; i++)
                        av[i] = (struct attr_values){ mods[i].attr, mods[i].values, mods[i].n };
                struct entry add = { job->dn, av, n };
                r = directory_add(dir, &add, err, errlen);
                if (r == 0)
                        res->created = true;
                else if (r != -EEXIST)
                        return r;
                if (r == -EEXIST && (r = directory_read(dir, job->dn, attrs, a, &e, err, errlen)) < 0)
                        return r;
        }
        if (e) {
                /* An existing account must be this actor's, made by aksesd. */
                if (!has_value(entry_attr(e, "objectClass"), "aksesdActor", true) ||
                    !has_value(entry_attr(e, "aksesdActorId"), job->id, false)) {
                        snprintf(err, errlen, "%s exists and is not aksesd's account of actor %s", job->dn, job->id);
                        return -EPERM;
                }
                n = 0;
                put(mods, &n, vals, MOD_REPLACE, "aksesdRole", role_name(job->role));
                put(mods, &n, vals, MOD_REPLACE, "aksesdSigningKey", key);
                put(mods, &n, vals, MOD_REPLACE, "aksesdAppointmentLetter", job->letter);
                put(mods, &n, vals, MOD_REPLACE, "aksesdRequestId", job->request_id);
                if (entry_attr(e, "pwdAccountLockedTime")) {
                        mods[n++] = (struct mod){ MOD_DELETE, "pwdAccountLockedTime", NULL, 0 };
                        if ((r = directory_modify(dir, job->dn, &mods[n - 1], 1, NULL, true, err, errlen)) < 0)
                                return r;
                        n--;
                }
                if ((r = directory_modify(dir, job->dn, mods, n, NULL, false, err, errlen)) < 0)
                        return r;
        }
        /* The role group; a Super Admin who was an Admin (or the other way
         * round) leaves the other group, as the registry holds one role. */
        static const char *const gattrs[] = { "member", NULL };
        struct entry *g = NULL;
        if (job->other_group_dn[0]) {
                r = directory_read(dir, job->other_group_dn, gattrs, a, &g, err, errlen);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r == 0 && has_value(entry_attr(g, "member"), job->dn, true)) {
                        const char *m[] = { job->dn };
                        struct mod del = { MOD_DELETE, "member", m, 1 };
                        if ((r = directory_modify(dir, job->other_group_dn, &del, 1, NULL, false, err, errlen)) < 0)
                                return r;
                }
        }
        if ((r = directory_read(dir, job->role_group_dn, gattrs, a, &g, err, errlen)) < 0)
                return r;
        if (!has_value(entry_attr(g, "member"), job->dn, true)) {
                const char *m[] = { job->dn };
                struct mod add = { MOD_ADD, "member", m, 1 };
                r = directory_modify(dir, job->role_group_dn, &add, 1, NULL, false, err, errlen);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

static int update(struct directory *dir, const struct actor_job *job, struct arena *a, char *err, size_t errlen)
{
        static const char *const attrs[] = { "objectClass", "aksesdActorId", NULL };
        struct entry *e = NULL;
        int r = directory_read(dir, job->dn, attrs, a, &e, err, errlen);
        if (r < 0)
                return r;
        if (!has_value(entry_attr(e, "aksesdActorId"), job->id, false)) {
                snprintf(err, errlen, "%s is not aksesd's account of actor %s", job->dn, job->id);
                return -EPERM;
        }
        char key[KEY_PUBLIC_STRLEN] = "";
        if (job->has_key)
                key_format_public(job->key, key);
        const char *vals[16];
        struct mod mods[16];
        size_t n = 0;
        put(mods, &n, vals, MOD_REPLACE, "cn", job->name);
        if (job->name[0])
                put(mods, &n, vals, MOD_REPLACE, "sn", last_word(a, job->name));
        put(mods, &n, vals, MOD_REPLACE, "mail", job->email);
        put(mods, &n, vals, MOD_REPLACE, "title", job->position);
        put(mods, &n, vals, MOD_REPLACE, "employeeNumber", job->nip);
        put(mods, &n, vals, MOD_REPLACE, "telephoneNumber", job->phone);
        put(mods, &n, vals, MOD_REPLACE, "aksesdSigningKey", key);
        put(mods, &n, vals, MOD_REPLACE, "aksesdAppointmentLetter", job->letter);
        put(mods, &n, vals, MOD_REPLACE, "aksesdRequestId", job->request_id);
        return n ? directory_modify(dir, job->dn, mods, n, NULL, false, err, errlen) : 0;
}

static int removal(struct directory *dir, const struct actor_job *job, struct arena *a, char *err, size_t errlen)
{
        static const char *const attrs[] = { "*", "+", NULL };
        struct entry *e = NULL, *g = NULL;
        int r = directory_read(dir, job->role_group_dn, attrs, a, &g, err, errlen);
        if (r < 0)
                return r;
        if (has_value(entry_attr(g, "member"), job->dn, true)) {
                const char *m[] = { job->dn };
                struct mod del = { MOD_DELETE, "member", m, 1 };
                if ((r = directory_modify(dir, job->role_group_dn, &del, 1, NULL, false, err, errlen)) < 0)
                        return r;
        }
        r = directory_read(dir, job->dn, attrs, a, &e, err, errlen);
        if (r == -ENOENT)
                return 0;       /* listed only in the policy: nothing in the directory */
        if (r < 0)
                return r;
        if (!has_value(entry_attr(e, "aksesdActorId"), job->id, false)) {
                snprintf(err, errlen, "%s is not aksesd's account of actor %s", job->dn, job->id);
                return -EPERM;
        }
        struct mod mods[2];
        size_t n = 0;
        if (entry_attr(e, "aksesdRole"))
                mods[n++] = (struct mod){ MOD_DELETE, "aksesdRole", NULL, 0 };
        if (entry_attr(e, "aksesdSigningKey"))
                mods[n++] = (struct mod){ MOD_DELETE, "aksesdSigningKey", NULL, 0 };
        if (n && (r = directory_modify(dir, job->dn, mods, n, NULL, false, err, errlen)) < 0)
                return r;
        if (!entry_attr(e, "pwdAccountLockedTime")) {
                const char *v[] = { LOCKED_FOREVER };
                struct mod lock = { MOD_REPLACE, "pwdAccountLockedTime", v, 1 };
                if ((r = directory_modify(dir, job->dn, &lock, 1, NULL, true, err, errlen)) < 0)
                        return r;
        }
        return 0;
}

static int new_password(struct directory *dir, const struct policy *p, const char *dn, struct arena *a,
                        struct actor_result *res, char *err, size_t errlen)
{
        char *pw = password_generate(p);
        if (!pw) {
                snprintf(err, errlen, "out of secure memory for the password");
                return -EIO;
        }
        int r;
        if (p->passwords.storage == PASSWORD_SERVER) {
                r = directory_set_password(dir, dn, pw, err, errlen);
        } else {
                char hash[PASSWORD_HASH_MAX];
                if (password_hash(p, pw, hash) < 0) {
                        password_free(pw);
                        snprintf(err, errlen, "argon2id hashing failed (out of memory)");
                        return -EIO;
                }
                const char *v[] = { hash };
                struct mod m = { MOD_REPLACE, "userPassword", v, 1 };
                r = directory_modify(dir, dn, &m, 1, NULL, false, err, errlen);
                sodium_memzero(hash, sizeof(hash));
        }
        (void)a;
        if (r < 0) {
                password_free(pw);
                return r;
        }
        res->password = pw;
        return 0;
}

void appoint_run(struct directory *dir, const struct policy *p, const struct actor_job *job, struct actor_result *res)
{
        char err[700];
        int r;
        memset(res, 0, sizeof(*res));
        struct arena *a = arena_new();
        if (!a) {
                result(res, -EIO, "out of memory");
                return;
        }
        switch (job->op) {
        case ACTOR_APPOINT:
                r = appoint(dir, job, a, res, err, sizeof(err));
                if (r == 0)
                        r = new_password(dir, p, job->dn, a, res, err, sizeof(err));
                break;
        case ACTOR_UPDATE:
                r = update(dir, job, a, err, sizeof(err));
                break;
        case ACTOR_REMOVE:
                r = removal(dir, job, a, err, sizeof(err));
                break;
        case ACTOR_ROTATE:
        default: {
                static const char *const attrs[] = { "objectClass", NULL };
                struct entry *e = NULL;
                r = directory_read(dir, job->dn, attrs, a, &e, err, sizeof(err));
                if (r == -ENOENT)
                        snprintf(err, sizeof(err), "the super administrator account %s does not exist", job->dn);
                if (r == 0)
                        r = new_password(dir, p, job->dn, a, res, err, sizeof(err));
                break;
        }
        }
        if (r < 0) {
                password_free(res->password);
                res->password = NULL;
                result(res, r == -ENOENT ? -EIO : r, err);
        }
        arena_free(a);
}
