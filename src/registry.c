/*
 * registry - actors appointed through Procedure 1; see registry.h.
 *
 * File format (actors/ID), one "key value" per line in this order:
 *     aksesd-actor 1
 *     id rina.wulandari
 *     role super_admin
 *     name Rina Wulandari, S.Kom.
 *     key ed25519:BASE64
 *     active 1
 *     letter 800/112/APTIKA/XII/2026
 *     request REQ-20261204-000003
 *     since 1796400000
 *     end
 */
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "keys.h"

#define ACTORS_DIR "actors"
#define ACTOR_FILE_MAX 4096

static void fix_pointers(struct registered *e)
{
        e->actor.id = e->id;
        e->actor.name = e->name;
}

static bool parse_actor(const char *buf, size_t len, struct registered *e)
{
        memset(e, 0, sizeof(*e));
        static const char *const keys[] = { "aksesd-actor", "id", "role", "name", "key", "active", "letter",
                                            "request", "since", "end" };
        const char *p = buf, *end = buf + len;
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl)
                        return false;
                char line[512];
                size_t ll = (size_t)(nl - p);
                if (ll >= sizeof(line))
                        return false;
                memcpy(line, p, ll);
                line[ll] = '\0';
                p = nl + 1;
                size_t kl = strlen(keys[k]);
                if (k == 9)
                        return strcmp(line, "end") == 0 && p == end;
                if (strncmp(line, keys[k], kl) != 0 || line[kl] != ' ')
                        return false;
                const char *v = line + kl + 1;
                bool ok = true;
                switch (k) {
                case 0: ok = strcmp(v, "1") == 0; break;
                case 1: ok = actor_id_valid(v, strlen(v)); snprintf(e->id, sizeof(e->id), "%s", v); break;
                case 2:
                        ok = false;
                        for (int r = 0; r < ROLE_COUNT; r++)
                                if (strcmp(v, ROLE_NAMES[r]) == 0) {
                                        e->role = (enum role_id)r;
                                        ok = true;
                                }
                        break;
                case 3: snprintf(e->name, sizeof(e->name), "%s", v); break;
                case 4: ok = key_parse_public(v, strlen(v), e->actor.pk); break;
                case 5: ok = strcmp(v, "0") == 0 || strcmp(v, "1") == 0; e->active = v[0] == '1'; break;
                case 6: snprintf(e->letter, sizeof(e->letter), "%s", v); break;
                case 7: snprintf(e->request_id, sizeof(e->request_id), "%s", strcmp(v, "-") == 0 ? "" : v); break;
                case 8: {
                        char *endp;
                        long long t = strtoll(v, &endp, 10);
                        ok = endp != v && !*endp;
                        e->since = (time_t)t;
                        break;
                }
                }
                if (!ok)
                        return false;
        }
        return false;
}

static int grow(struct registry *reg)
{
        if (reg->n < reg->cap)
                return 0;
        size_t cap = reg->cap ? reg->cap * 2 : 8;
        struct registered *v = realloc(reg->items, cap * sizeof(*v));
        if (!v)
                return -ENOMEM;
        reg->items = v;
        reg->cap = cap;
        for (size_t i = 0; i < reg->n; i++)
                fix_pointers(&reg->items[i]);
        return 0;
}

int registry_load(int dirfd, struct registry *reg, char *err, size_t errlen)
{
        memset(reg, 0, sizeof(*reg));
        err[0] = '\0';
        int fd = openat(dirfd, ACTORS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 && errno == ENOENT)
                return 0;       /* nobody appointed yet */
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dir) {
                int r = -errno;
                if (fd >= 0)
                        close(fd);
                return r;
        }
        struct dirent *e;
        while ((e = readdir(dir))) {
                if (e->d_name[0] == '.')
                        continue;
                char *buf = NULL, why[128];
                size_t len;
                struct registered item;
                if (read_file_checked(fd, e->d_name, ACTOR_FILE_MAX, &buf, &len, NULL, why, sizeof(why)) < 0 ||
                    !parse_actor(buf, len, &item) || strcmp(item.id, e->d_name) != 0) {
                        snprintf(err, errlen, "%s/%s: not a valid actor file; ignored", ACTORS_DIR, e->d_name);
                        free(buf);
                        continue;
                }
                free(buf);
                if (grow(reg) < 0) {
                        closedir(dir);
                        return -ENOMEM;
                }
                reg->items[reg->n] = item;
                fix_pointers(&reg->items[reg->n++]);
        }
        closedir(dir);
        return 0;
}

void registry_free(struct registry *reg)
{
        free(reg->items);
        memset(reg, 0, sizeof(*reg));
}

int registry_put(int dirfd, struct registry *reg, const struct registered *e)
{
        char key[KEY_PUBLIC_STRLEN], buf[1024];
        key_format_public(e->actor.pk, key);
        int n = snprintf(buf, sizeof(buf),
                         "aksesd-actor 1\nid %s\nrole %s\nname %s\nkey %s\nactive %d\nletter %s\nrequest %s\n"
                         "since %" PRId64 "\nend\n",
                         e->id, role_name(e->role), e->name, key, e->active ? 1 : 0, e->letter,
                         e->request_id[0] ? e->request_id : "-", (int64_t)e->since);
        if (n < 0 || (size_t)n >= sizeof(buf) || strchr(e->name, '\n') || strchr(e->letter, '\n'))
                return -EINVAL;
        int fd = openat(dirfd, ACTORS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        int r = write_file_atomic(fd, e->id, buf, (size_t)n, 0640);
        close(fd);
        if (r < 0)
                return r;
        for (size_t i = 0; i < reg->n; i++) {
                if (strcmp(reg->items[i].id, e->id) == 0) {
                        reg->items[i] = *e;
                        fix_pointers(&reg->items[i]);
                        return 0;
                }
        }
        if ((r = grow(reg)) < 0)
                return r;
        reg->items[reg->n] = *e;
        fix_pointers(&reg->items[reg->n++]);
        return 0;
}

const struct registered *registry_get(const struct registry *reg, const char *id)
{
        for (size_t i = 0; reg && i < reg->n; i++)
                if (strcmp(reg->items[i].id, id) == 0)
                        return &reg->items[i];
        return NULL;
}

const struct actor *actor_lookup(const struct policy *p, const struct registry *reg, enum role_id role,
                                 const char *id)
{
        /* A recorded appointment or removal overrides the policy's list:
         * removing a policy-listed admin through the SOP must take effect. */
        const struct registered *e = registry_get(reg, id);
        if (e)
                return e->active && e->role == role ? &e->actor : NULL;
        return policy_find_actor(p, role, id);
}
