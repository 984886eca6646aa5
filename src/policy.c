/*
 * policy - the SOP as configuration; see policy.h and aksesd-policy(5).
 *
 * Parsing goes section by section, reporting every problem with its
 * location; cross-references (a role a step names, a profile an SKPD may
 * ask for, the shape of each workflow) are checked after all sections
 * are read.  Nothing here talks to the directory.
 */
#include "policy.h"

#include <errno.h>
#include <fcntl.h>
#include <ldap.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "fileio.h"
#include "keys.h"
#include "ycheck.h"
#include "ydoc.h"

const char *const ROLE_NAMES[] = { "kepala_bidang", "super_admin", "admin", NULL };
const char *const KIND_NAMES[] = { "skpd-access", "superadmin-appoint", "superadmin-revoke",
                                   "superadmin-rotate", "admin-appoint", "admin-update",
                                   "admin-remove", NULL };
static const char *const ACTION_NAMES[] = { "verify", "forward", "activate", "handover", "report", NULL };
static const char *const TLS_NAMES[] = { "none", "starttls", "ldaps", NULL };
static const char *const MEMBERSHIP_NAMES[] = { "member", "memberUid", "both", NULL };
static const char *const STORAGE_NAMES[] = { "argon2", "server", NULL };
static const char *const PERIOD_NAMES[] = { "daily", "weekly", "monthly", NULL };
static const char *const LANG_NAMES[] = { "id", "en", NULL };
static const char *const PWCLASS_NAMES[] = { "lower", "upper", "digit", "symbol", NULL };

#define DEFAULT_STANDARD_MINUTES 15
#define MAX_LIST 256

const char *role_name(enum role_id r) { return r >= 0 && r < ROLE_COUNT ? ROLE_NAMES[r] : "none"; }
const char *action_name(enum step_action a) { return ACTION_NAMES[a]; }
const char *kind_name(enum request_kind k) { return KIND_NAMES[k]; }

struct pctx {
        struct checker c;
        struct policy *p;
        /* Where each section was, for cross-field messages. */
        const struct ynode *roles_node, *workflows_node, *profiles_node;
        const struct ynode *step_nodes[KIND_COUNT][32];
};

static bool valid_dn(const char *s)
{
        LDAPDN dn = NULL;
        if (ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
                return false;
        bool ok = dn != NULL;
        ldap_dnfree(dn);
        return ok;
}

static const char *get_dn(struct pctx *x, const struct ynode *n, const char *path)
{
        const char *s = check_text(&x->c, n, path, 1024, 0);
        if (s && !valid_dn(s)) {
                check_error(&x->c, n, path, "not a valid LDAP DN (RFC 4514), e.g. \"ou=people,dc=example,dc=go,dc=id\"");
                return NULL;
        }
        return s;
}

/* An absolute path. */
static const char *get_path(struct pctx *x, const struct ynode *n, const char *path)
{
        const char *s = check_text(&x->c, n, path, 1024, 0);
        if (s && s[0] != '/') {
                check_error(&x->c, n, path, "expected an absolute path, found '%.60s'", s);
                return NULL;
        }
        return s;
}

/* A sequence of short names; returns the count, fills *out. */
static size_t get_names(struct pctx *x, const struct ynode *n, const char *path, size_t min,
                        const char ***out, bool (*valid)(const char *, size_t), const char *what)
{
        if (!check_seq(&x->c, n, path, min, MAX_LIST))
                return 0;
        const char **v = arena_alloc(x->c.arena, (n->n + 1) * sizeof(*v));
        if (!v)
                return 0;
        size_t count = 0;
        for (size_t i = 0; i < n->n; i++) {
                char p[PATH_MAX_LEN];
                path_index(p, path, i);
                const char *s = check_text(&x->c, n->items[i], p, 128, 0);
                if (!s)
                        continue;
                if (valid && !valid(s, strlen(s))) {
                        check_error(&x->c, n->items[i], p, "invalid %s '%.60s'", what, s);
                        continue;
                }
                for (size_t j = 0; j < count; j++)
                        if (strcmp(v[j], s) == 0)
                                check_error(&x->c, n->items[i], p, "'%.60s' is listed twice", s);
                v[count++] = s;
        }
        *out = v;
        return count;
}

static bool simple_name(const char *s, size_t len)
{
        if (len == 0 || len > 64)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      (i > 0 && (ch == '-' || ch == '_' || ch == '.'))))
                        return false;
        }
        return true;
}

static void parse_organisation(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "name", true }, { "division", true }, { "language", false }, { NULL, false } };
        if (!check_map(&x->c, n, "organisation", spec))
                return;
        const struct ynode *v;
        if ((v = ynode_get(n, "name")))
                x->p->org.name = check_text(&x->c, v, "organisation.name", 200, 0);
        if ((v = ynode_get(n, "division")))
                x->p->org.division = check_text(&x->c, v, "organisation.division", 200, 0);
        int lang = LANG_ID;
        if ((v = ynode_get(n, "language")))
                check_enum(&x->c, v, "organisation.language", LANG_NAMES, &lang);
        x->p->org.language = (enum language)lang;
}

static void parse_directory(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "uri", true }, { "base", true }, { "bind_dn", true }, { "bind_password_file", true },
                { "timeout_seconds", false }, { "tls", false }, { NULL, false } };
        static const struct field_spec tls_spec[] = {
                { "mode", true }, { "ca_file", false }, { "verify", false }, { NULL, false } };
        struct policy *p = x->p;
        p->directory.timeout_seconds = 10;
        p->directory.tls_verify = true;
        if (!check_map(&x->c, n, "directory", spec))
                return;
        const struct ynode *v;
        if ((v = ynode_get(n, "uri")) && check_seq(&x->c, v, "directory.uri", 1, 16)) {
                p->directory.uris = arena_alloc(x->c.arena, v->n * sizeof(char *));
                for (size_t i = 0; p->directory.uris && i < v->n; i++) {
                        char path[PATH_MAX_LEN];
                        path_index(path, "directory.uri", i);
                        const char *u = check_text(&x->c, v->items[i], path, 512, 0);
                        LDAPURLDesc *lud = NULL;
                        if (u && (ldap_url_parse(u, &lud) != LDAP_URL_SUCCESS ||
                                  (strcmp(lud->lud_scheme, "ldap") != 0 && strcmp(lud->lud_scheme, "ldaps") != 0 &&
                                   strcmp(lud->lud_scheme, "ldapi") != 0))) {
                                check_error(&x->c, v->items[i], path,
                                            "expected an LDAP URL such as ldap://host:389/ or ldaps://host/, found '%.80s'", u);
                                u = NULL;
                        }
                        if (lud)
                                ldap_free_urldesc(lud);
                        if (u)
                                p->directory.uris[p->directory.n_uris++] = u;
                }
        }
        if ((v = ynode_get(n, "base")))
                p->directory.base = get_dn(x, v, "directory.base");
        if ((v = ynode_get(n, "bind_dn")))
                p->directory.bind_dn = get_dn(x, v, "directory.bind_dn");
        if ((v = ynode_get(n, "bind_password_file")))
                p->directory.bind_password_file = get_path(x, v, "directory.bind_password_file");
        unsigned long t;
        if ((v = ynode_get(n, "timeout_seconds")) && check_uint(&x->c, v, "directory.timeout_seconds", 1, 300, &t))
                p->directory.timeout_seconds = (unsigned)t;
        p->directory.tls_mode = TLS_NONE;
        if ((v = ynode_get(n, "tls")) && check_map(&x->c, v, "directory.tls", tls_spec)) {
                const struct ynode *w;
                int mode = TLS_NONE;
                if ((w = ynode_get(v, "mode")) && check_enum(&x->c, w, "directory.tls.mode", TLS_NAMES, &mode))
                        p->directory.tls_mode = (enum tls_mode)mode;
                if ((w = ynode_get(v, "ca_file")))
                        p->directory.tls_ca_file = get_path(x, w, "directory.tls.ca_file");
                if ((w = ynode_get(v, "verify")))
                        check_bool(&x->c, w, "directory.tls.verify", &p->directory.tls_verify);
        }
}

static void parse_role(struct pctx *x, enum role_id r, const struct ynode *n, const char *path)
{
        static const struct field_spec spec[] = {
                { "title", true }, { "reports_to", false }, { "members", false }, { NULL, false } };
        static const struct field_spec member_spec[] = {
                { "id", true }, { "name", true }, { "key", true }, { "expires", false }, { NULL, false } };
        struct role *role = &x->p->roles[r];
        role->reports_to = ROLE_NONE;
        if (!check_map(&x->c, n, path, spec))
                return;
        char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
        const struct ynode *v;
        if ((v = ynode_get(n, "title")))
                role->title = check_text(&x->c, v, path_key(p, path, "title"), 200, 0);
        int up;
        if ((v = ynode_get(n, "reports_to")) && check_enum(&x->c, v, path_key(p, path, "reports_to"), ROLE_NAMES, &up)) {
                if (up == (int)r)
                        check_error(&x->c, v, p, "a role cannot report to itself");
                else
                        role->reports_to = (enum role_id)up;
        }
        if (!(v = ynode_get(n, "members")))
                return;
        path_key(p, path, "members");
        if (!check_seq(&x->c, v, p, 0, MAX_LIST))
                return;
        role->members = arena_alloc(x->c.arena, (v->n + 1) * sizeof(*role->members));
        if (!role->members)
                return;
        for (size_t i = 0; i < v->n; i++) {
                const struct ynode *m = v->items[i], *w;
                char mp[PATH_MAX_LEN];
                path_index(mp, p, i);
                if (!check_map(&x->c, m, mp, member_spec))
                        continue;
                struct actor a = { 0 };
                bool ok = true;
                if ((w = ynode_get(m, "id"))) {
                        a.id = check_text(&x->c, w, path_key(q, mp, "id"), ACTOR_ID_MAX, 0);
                        if (a.id && !actor_id_valid(a.id, strlen(a.id))) {
                                check_error(&x->c, w, q, "expected 1-64 of a-z 0-9 . _ - starting with a letter or digit, found '%.64s'", a.id);
                                a.id = NULL;
                        }
                        for (int rr = 0; a.id && rr < ROLE_COUNT; rr++)
                                for (size_t j = 0; j < x->p->roles[rr].n_members; j++)
                                        if (strcmp(x->p->roles[rr].members[j].id, a.id) == 0)
                                                check_error(&x->c, w, q, "actor '%s' is already listed (in role %s)",
                                                            a.id, ROLE_NAMES[rr]);
                }
                if ((w = ynode_get(m, "name")))
                        a.name = check_text(&x->c, w, path_key(q, mp, "name"), 200, 0);
                if ((w = ynode_get(m, "key"))) {
                        path_key(q, mp, "key");
                        if (w->kind != YNODE_SCALAR || !key_parse_public(w->str, w->len, a.pk)) {
                                check_error(&x->c, w, q, "expected an Ed25519 public key written ed25519:BASE64 (as printed by aksesctl keygen)");
                                ok = false;
                        }
                }
                struct ydate exp;
                if ((w = ynode_get(m, "expires")) && check_date(&x->c, w, path_key(q, mp, "expires"), &exp)) {
                        a.has_expiry = true;
                        a.expires_year = exp.year;
                        a.expires_month = exp.month;
                        a.expires_day = exp.day;
                }
                if (ok && a.id && a.name)
                        role->members[role->n_members++] = a;
        }
}

static void parse_roles(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "kepala_bidang", true }, { "super_admin", true }, { "admin", true }, { NULL, false } };
        size_t before = diag_count(x->c.d);
        x->roles_node = n;
        for (int r = 0; r < ROLE_COUNT; r++)
                x->p->roles[r].reports_to = ROLE_NONE;
        if (!check_map(&x->c, n, "roles", spec))
                return;
        for (int r = 0; r < ROLE_COUNT; r++) {
                const struct ynode *v = ynode_get(n, ROLE_NAMES[r]);
                char p[PATH_MAX_LEN];
                if (v)
                        parse_role(x, (enum role_id)r, v, path_key(p, "roles", ROLE_NAMES[r]));
        }
        const struct ynode *kb = ynode_get(n, "kepala_bidang");
        if (kb && x->p->roles[ROLE_KEPALA_BIDANG].n_members == 0 && diag_count(x->c.d) == before)
                check_error(&x->c, ynode_get(kb, "members") ? ynode_get(kb, "members") : kb, "roles.kepala_bidang.members",
                            "the root of trust needs at least one Kepala Bidang with a key");
}

static void parse_workflow(struct pctx *x, enum request_kind k, const struct ynode *n, const char *path)
{
        static const struct field_spec spec[] = { { "title", true }, { "steps", true }, { NULL, false } };
        static const struct field_spec step_spec[] = {
                { "id", true }, { "role", true }, { "action", true }, { "standard_minutes", false }, { NULL, false } };
        struct workflow *w = &x->p->workflows[k];
        if (!check_map(&x->c, n, path, spec))
                return;
        char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
        const struct ynode *v;
        if ((v = ynode_get(n, "title")))
                w->title = check_text(&x->c, v, path_key(p, path, "title"), 200, 0);
        if (!(v = ynode_get(n, "steps")) || !check_seq(&x->c, v, path_key(p, path, "steps"), 1, 32))
                return;
        w->steps = arena_alloc(x->c.arena, v->n * sizeof(*w->steps));
        if (!w->steps)
                return;
        for (size_t i = 0; i < v->n; i++) {
                const struct ynode *s = v->items[i], *f;
                char sp[PATH_MAX_LEN];
                path_index(sp, p, i);
                if (!check_map(&x->c, s, sp, step_spec))
                        continue;
                struct step st = { .standard_minutes = DEFAULT_STANDARD_MINUTES };
                int role = -1, action = -1;
                bool ok = true;
                if ((f = ynode_get(s, "id"))) {
                        st.id = check_text(&x->c, f, path_key(q, sp, "id"), 64, 0);
                        if (st.id && !simple_name(st.id, strlen(st.id))) {
                                check_error(&x->c, f, q, "expected a short name of letters, digits, '-', '_' or '.', found '%.64s'", st.id);
                                st.id = NULL;
                        }
                        for (size_t j = 0; st.id && j < w->n_steps; j++)
                                if (strcmp(w->steps[j].id, st.id) == 0)
                                        check_error(&x->c, f, q, "step id '%s' is used twice in this workflow", st.id);
                }
                if ((f = ynode_get(s, "role")))
                        ok &= check_enum(&x->c, f, path_key(q, sp, "role"), ROLE_NAMES, &role);
                if ((f = ynode_get(s, "action")))
                        ok &= check_enum(&x->c, f, path_key(q, sp, "action"), ACTION_NAMES, &action);
                unsigned long m;
                if ((f = ynode_get(s, "standard_minutes"))) {
                        if (check_uint(&x->c, f, path_key(q, sp, "standard_minutes"), 1, 10080, &m))
                                st.standard_minutes = (unsigned)m;
                        else
                                ok = false;
                }
                if (!ok || !st.id || role < 0 || action < 0)
                        continue;
                st.role = (enum role_id)role;
                st.action = (enum step_action)action;
                if (w->n_steps < 32)
                        x->step_nodes[k][w->n_steps] = s;
                w->steps[w->n_steps++] = st;
        }
}

/* The executor needs exactly one activate step; handover and report come
 * after it; forward is immediately followed by the role it forwards to. */
static void check_workflow_shape(struct pctx *x, enum request_kind k, const struct ynode *n, const char *path)
{
        const struct workflow *w = &x->p->workflows[k];
        size_t activate = SIZE_MAX, activates = 0;
        for (size_t i = 0; i < w->n_steps; i++)
                if (w->steps[i].action == ACTION_ACTIVATE) {
                        activates++;
                        if (activate == SIZE_MAX)
                                activate = i;
                }
        char p[PATH_MAX_LEN];
        path_key(p, path, "steps");
        if (activates != 1) {
                check_error(&x->c, ynode_get(n, "steps") ? ynode_get(n, "steps") : n, p,
                            "expected exactly one step with action 'activate', found %zu", activates);
                return;
        }
        for (size_t i = 0; i < w->n_steps; i++) {
                const struct step *s = &w->steps[i];
                const struct ynode *step_node = i < 32 ? x->step_nodes[k][i] : n;
                const struct ynode *at = ynode_get(step_node, "action") ? ynode_get(step_node, "action") : step_node;
                char sp[PATH_MAX_LEN], ap[PATH_MAX_LEN];
                path_key(ap, path_index(sp, p, i), "action");
                if ((s->action == ACTION_HANDOVER || s->action == ACTION_REPORT) && i < activate)
                        check_error(&x->c, at, ap,
                                    "'%s' must come after the 'activate' step", action_name(s->action));
                if ((s->action == ACTION_VERIFY || s->action == ACTION_FORWARD) && i > activate)
                        check_error(&x->c, at, ap,
                                    "'%s' must come before the 'activate' step", action_name(s->action));
                if (s->action == ACTION_FORWARD &&
                    (i + 1 >= w->n_steps || w->steps[i + 1].role == s->role))
                        check_error(&x->c, at, ap,
                                    "'forward' must be followed by a step of another role (the one forwarded to)");
        }
}

static void parse_workflows(struct pctx *x, const struct ynode *n)
{
        struct field_spec spec[KIND_COUNT + 1];
        for (int k = 0; k < KIND_COUNT; k++)
                spec[k] = (struct field_spec){ KIND_NAMES[k], true };
        spec[KIND_COUNT] = (struct field_spec){ NULL, false };
        x->workflows_node = n;
        if (!check_map(&x->c, n, "workflows", spec))
                return;
        for (int k = 0; k < KIND_COUNT; k++) {
                const struct ynode *v = ynode_get(n, KIND_NAMES[k]);
                char p[PATH_MAX_LEN];
                if (!v)
                        continue;
                path_key(p, "workflows", KIND_NAMES[k]);
                size_t before = diag_count(x->c.d);
                parse_workflow(x, (enum request_kind)k, v, p);
                if (diag_count(x->c.d) == before)
                        check_workflow_shape(x, (enum request_kind)k, v, p);
        }
}

static bool group_name(const char *s, size_t len)
{
        return simple_name(s, len);
}

static void parse_profiles(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "id", true }, { "title", true }, { "groups", true }, { NULL, false } };
        x->profiles_node = n;
        if (!check_seq(&x->c, n, "profiles", 1, MAX_LIST))
                return;
        x->p->profiles = arena_alloc(x->c.arena, n->n * sizeof(*x->p->profiles));
        if (!x->p->profiles)
                return;
        for (size_t i = 0; i < n->n; i++) {
                char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
                const struct ynode *m = n->items[i], *v;
                path_index(p, "profiles", i);
                if (!check_map(&x->c, m, p, spec))
                        continue;
                struct profile pr = { 0 };
                if ((v = ynode_get(m, "id"))) {
                        pr.id = check_text(&x->c, v, path_key(q, p, "id"), 64, 0);
                        if (pr.id && !simple_name(pr.id, strlen(pr.id))) {
                                check_error(&x->c, v, q, "expected a short name of letters, digits, '-', '_' or '.', found '%.64s'", pr.id);
                                pr.id = NULL;
                        }
                        if (pr.id && policy_find_profile(x->p, pr.id, strlen(pr.id))) {
                                check_error(&x->c, v, q, "profile '%s' is defined twice", pr.id);
                                pr.id = NULL;
                        }
                }
                if ((v = ynode_get(m, "title")))
                        pr.title = check_text(&x->c, v, path_key(q, p, "title"), 200, 0);
                if ((v = ynode_get(m, "groups")))
                        pr.n_groups = get_names(x, v, path_key(q, p, "groups"), 1, &pr.groups, group_name, "group name");
                if (pr.id && pr.title && pr.n_groups)
                        x->p->profiles[x->p->n_profiles++] = pr;
        }
}

static void parse_skpd(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "code", true }, { "name", true }, { "profiles", true }, { NULL, false } };
        if (!check_seq(&x->c, n, "skpd", 1, 1024))
                return;
        x->p->skpd = arena_alloc(x->c.arena, n->n * sizeof(*x->p->skpd));
        if (!x->p->skpd)
                return;
        for (size_t i = 0; i < n->n; i++) {
                char p[PATH_MAX_LEN], q[PATH_MAX_LEN];
                const struct ynode *m = n->items[i], *v;
                path_index(p, "skpd", i);
                if (!check_map(&x->c, m, p, spec))
                        continue;
                struct skpd s = { 0 };
                if ((v = ynode_get(m, "code"))) {
                        s.code = check_text(&x->c, v, path_key(q, p, "code"), 32, 0);
                        if (s.code && !simple_name(s.code, strlen(s.code))) {
                                check_error(&x->c, v, q, "expected a short code of letters, digits, '-', '_' or '.', found '%.32s'", s.code);
                                s.code = NULL;
                        }
                        if (s.code && policy_find_skpd(x->p, s.code, strlen(s.code))) {
                                check_error(&x->c, v, q, "SKPD '%s' is listed twice", s.code);
                                s.code = NULL;
                        }
                }
                if ((v = ynode_get(m, "name")))
                        s.name = check_text(&x->c, v, path_key(q, p, "name"), 200, 0);
                if ((v = ynode_get(m, "profiles")) && check_seq(&x->c, v, path_key(q, p, "profiles"), 1, MAX_LIST)) {
                        s.profiles = arena_alloc(x->c.arena, v->n * sizeof(size_t));
                        for (size_t j = 0; s.profiles && j < v->n; j++) {
                                char r[PATH_MAX_LEN];
                                path_index(r, q, j);
                                const struct ynode *it = v->items[j];
                                const struct profile *pr = it->kind == YNODE_SCALAR ?
                                        policy_find_profile(x->p, it->str, it->len) : NULL;
                                if (!pr) {
                                        if (check_text(&x->c, it, r, 64, 0))
                                                check_error(&x->c, it, r, "unknown profile '%.64s' (not in the policy's profiles)", it->str);
                                        continue;
                                }
                                s.profiles[s.n_profiles++] = (size_t)(pr - x->p->profiles);
                        }
                }
                if (s.code && s.name)
                        x->p->skpd[x->p->n_skpd++] = s;
        }
}

static bool pattern_valid(const char *pat, const char *const *allowed)
{
        for (const char *s = pat; *s; s++) {
                if (*s == '}')
                        return false;
                if (*s != '{')
                        continue;
                const char *end = strchr(s, '}');
                if (!end)
                        return false;
                bool ok = false;
                for (const char *const *a = allowed; *a; a++)
                        if (strlen(*a) == (size_t)(end - s - 1) && strncmp(*a, s + 1, (size_t)(end - s - 1)) == 0)
                                ok = true;
                if (!ok)
                        return false;
                s = end;
        }
        return true;
}

static void parse_accounts(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "people_base", true }, { "group_base", true }, { "role_base", false }, { "superadmin_dn", false },
                { "uid_pattern", true },
                { "object_classes", true }, { "membership", false }, { "posix", false }, { NULL, false } };
        static const struct field_spec posix_spec[] = {
                { "enabled", true }, { "uid_number_min", false }, { "uid_number_max", false },
                { "gid_number", false }, { "home_pattern", false }, { "login_shell", false },
                { "uid_counter_dn", false }, { NULL, false } };
        static const char *const uid_vars[] = { "skpd", "nip", NULL };
        static const char *const home_vars[] = { "uid", NULL };
        struct policy *p = x->p;
        if (!check_map(&x->c, n, "accounts", spec))
                return;
        const struct ynode *v;
        if ((v = ynode_get(n, "people_base")))
                p->accounts.people_base = get_dn(x, v, "accounts.people_base");
        if ((v = ynode_get(n, "group_base")))
                p->accounts.group_base = get_dn(x, v, "accounts.group_base");
        if ((v = ynode_get(n, "role_base")))
                p->accounts.role_base = get_dn(x, v, "accounts.role_base");
        if ((v = ynode_get(n, "superadmin_dn")))
                p->accounts.superadmin_dn = get_dn(x, v, "accounts.superadmin_dn");
        if ((v = ynode_get(n, "uid_pattern"))) {
                p->accounts.uid_pattern = check_text(&x->c, v, "accounts.uid_pattern", 64, 0);
                if (p->accounts.uid_pattern && (!pattern_valid(p->accounts.uid_pattern, uid_vars) ||
                                                !strstr(p->accounts.uid_pattern, "{nip}"))) {
                        check_error(&x->c, v, "accounts.uid_pattern",
                                    "expected text with the placeholders {skpd} and {nip} ({nip} is required so that uids are unique)");
                        p->accounts.uid_pattern = NULL;
                }
        }
        if ((v = ynode_get(n, "object_classes"))) {
                p->accounts.n_object_classes = get_names(x, v, "accounts.object_classes", 1,
                                                         &p->accounts.object_classes, simple_name, "object class");
                bool inet = false;
                for (size_t i = 0; i < p->accounts.n_object_classes; i++)
                        if (strcasecmp(p->accounts.object_classes[i], "inetOrgPerson") == 0)
                                inet = true;
                if (p->accounts.n_object_classes && !inet)
                        check_error(&x->c, v, "accounts.object_classes", "must include inetOrgPerson");
        }
        int mem = MEMBERSHIP_MEMBER;
        if ((v = ynode_get(n, "membership")))
                check_enum(&x->c, v, "accounts.membership", MEMBERSHIP_NAMES, &mem);
        p->accounts.membership = (enum membership)mem;
        p->accounts.uid_number_min = 20000;
        p->accounts.uid_number_max = 29999;
        p->accounts.gid_number = 20000;
        if (!(v = ynode_get(n, "posix")) || !check_map(&x->c, v, "accounts.posix", posix_spec))
                return;
        const struct ynode *w;
        if ((w = ynode_get(v, "enabled")))
                check_bool(&x->c, w, "accounts.posix.enabled", &p->accounts.posix);
        if ((w = ynode_get(v, "uid_number_min")))
                check_uint(&x->c, w, "accounts.posix.uid_number_min", 1000, 2147483647, &p->accounts.uid_number_min);
        if ((w = ynode_get(v, "uid_number_max")) &&
            check_uint(&x->c, w, "accounts.posix.uid_number_max", 1000, 2147483647, &p->accounts.uid_number_max) &&
            p->accounts.uid_number_max <= p->accounts.uid_number_min)
                check_error(&x->c, w, "accounts.posix.uid_number_max", "must be greater than uid_number_min (%lu)",
                            p->accounts.uid_number_min);
        if ((w = ynode_get(v, "gid_number")))
                check_uint(&x->c, w, "accounts.posix.gid_number", 1, 2147483647, &p->accounts.gid_number);
        p->accounts.home_pattern = "/home/{uid}";
        p->accounts.login_shell = "/bin/bash";
        if ((w = ynode_get(v, "home_pattern"))) {
                p->accounts.home_pattern = get_path(x, w, "accounts.posix.home_pattern");
                if (p->accounts.home_pattern && !pattern_valid(p->accounts.home_pattern, home_vars)) {
                        check_error(&x->c, w, "accounts.posix.home_pattern", "the only placeholder allowed is {uid}");
                        p->accounts.home_pattern = NULL;
                }
        }
        if ((w = ynode_get(v, "login_shell")))
                p->accounts.login_shell = get_path(x, w, "accounts.posix.login_shell");
        if ((w = ynode_get(v, "uid_counter_dn")))
                p->accounts.uid_counter_dn = get_dn(x, w, "accounts.posix.uid_counter_dn");
}

static void parse_passwords(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "length", false }, { "classes", false }, { "exclude_ambiguous", false },
                { "storage", false }, { "argon2", false }, { "must_change", false }, { NULL, false } };
        static const struct field_spec argon_spec[] = {
                { "ops_limit", false }, { "mem_limit_kib", false }, { NULL, false } };
        struct policy *p = x->p;
        if (!check_map(&x->c, n, "passwords", spec))
                return;
        const struct ynode *v;
        unsigned long u;
        if ((v = ynode_get(n, "length")) && check_uint(&x->c, v, "passwords.length", 12, 128, &u))
                p->passwords.length = (unsigned)u;
        if ((v = ynode_get(n, "classes")) && check_seq(&x->c, v, "passwords.classes", 1, 4)) {
                p->passwords.classes = 0;
                for (size_t i = 0; i < v->n; i++) {
                        char q[PATH_MAX_LEN];
                        int cls;
                        if (check_enum(&x->c, v->items[i], path_index(q, "passwords.classes", i), PWCLASS_NAMES, &cls)) {
                                if (p->passwords.classes & (1u << cls))
                                        check_error(&x->c, v->items[i], q, "'%s' is listed twice", PWCLASS_NAMES[cls]);
                                p->passwords.classes |= 1u << cls;
                        }
                }
        }
        if ((v = ynode_get(n, "exclude_ambiguous")))
                check_bool(&x->c, v, "passwords.exclude_ambiguous", &p->passwords.exclude_ambiguous);
        int st;
        if ((v = ynode_get(n, "storage")) && check_enum(&x->c, v, "passwords.storage", STORAGE_NAMES, &st))
                p->passwords.storage = (enum password_storage)st;
        if ((v = ynode_get(n, "must_change")))
                check_bool(&x->c, v, "passwords.must_change", &p->passwords.must_change);
        if ((v = ynode_get(n, "argon2")) && check_map(&x->c, v, "passwords.argon2", argon_spec)) {
                const struct ynode *w;
                if ((w = ynode_get(v, "ops_limit")) && check_uint(&x->c, w, "passwords.argon2.ops_limit", 1, 16, &u))
                        p->passwords.ops_limit = u;
                /* The server's argon2 module needs the parameters in the hash; keep
                 * them within what libsodium accepts and a server can afford. */
                if ((w = ynode_get(v, "mem_limit_kib")) &&
                    check_uint(&x->c, w, "passwords.argon2.mem_limit_kib", 8192, 1048576, &u))
                        p->passwords.mem_limit_kib = u;
        }
}

static bool user_name(const char *s, size_t len)
{
        if (len == 0 || len > 32)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '_' || (i > 0 && (ch == '-' || ch == '.'))))
                        return false;
        }
        return true;
}

static void parse_spool(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = {
                { "path", true }, { "allowed_users", false }, { "allowed_groups", false },
                { "max_file_kib", false }, { "min_free_mib", false }, { "min_free_inodes", false }, { NULL, false } };
        struct policy *p = x->p;
        p->spool.max_file_kib = 64;
        p->spool.min_free_mib = 64;
        p->spool.min_free_inodes = 1024;
        if (!check_map(&x->c, n, "spool", spec))
                return;
        const struct ynode *v;
        unsigned long u;
        if ((v = ynode_get(n, "path")))
                p->spool.path = get_path(x, v, "spool.path");
        if ((v = ynode_get(n, "allowed_users")))
                p->spool.n_allowed_users = get_names(x, v, "spool.allowed_users", 0, &p->spool.allowed_users,
                                                     user_name, "user name");
        if ((v = ynode_get(n, "allowed_groups")))
                p->spool.n_allowed_groups = get_names(x, v, "spool.allowed_groups", 0, &p->spool.allowed_groups,
                                                      user_name, "group name");
        if ((v = ynode_get(n, "max_file_kib")) && check_uint(&x->c, v, "spool.max_file_kib", 1, 64, &u))
                p->spool.max_file_kib = u;
        if ((v = ynode_get(n, "min_free_mib")))
                check_uint(&x->c, v, "spool.min_free_mib", 0, 1048576, &p->spool.min_free_mib);
        if ((v = ynode_get(n, "min_free_inodes")))
                check_uint(&x->c, v, "spool.min_free_inodes", 0, 100000000, &p->spool.min_free_inodes);
}

static void parse_reports(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = { { "period", false }, { NULL, false } };
        if (!check_map(&x->c, n, "reports", spec))
                return;
        const struct ynode *v;
        int period;
        if ((v = ynode_get(n, "period")) && check_enum(&x->c, v, "reports.period", PERIOD_NAMES, &period))
                x->p->reports.period = (enum report_period)period;
}

static void parse_handover(struct pctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = { { "group", false }, { NULL, false } };
        if (!check_map(&x->c, n, "handover", spec))
                return;
        const struct ynode *v;
        if ((v = ynode_get(n, "group"))) {
                x->p->handover.group = check_text(&x->c, v, "handover.group", 32, 0);
                if (x->p->handover.group && !user_name(x->p->handover.group, strlen(x->p->handover.group))) {
                        check_error(&x->c, v, "handover.group", "expected a group name, found '%.32s'", x->p->handover.group);
                        x->p->handover.group = NULL;
                }
        }
}

static bool dn_under(const char *dn, const char *base)
{
        size_t dl = strlen(dn), bl = strlen(base);
        return dl > bl && strcasecmp(dn + dl - bl, base) == 0 && dn[dl - bl - 1] == ',';
}

static void cross_check(struct pctx *x, const struct ynode *root)
{
        struct policy *p = x->p;
        /* tls.mode ldaps with an ldap:// URI would bind in clear text. */
        for (size_t i = 0; p->directory.tls_mode == TLS_LDAPS && i < p->directory.n_uris; i++)
                if (strncmp(p->directory.uris[i], "ldaps://", 8) != 0)
                        check_error(&x->c, ynode_get(ynode_get(root, "directory"), "uri"), "directory.uri",
                                    "tls.mode is ldaps, but '%.80s' is not an ldaps:// URL", p->directory.uris[i]);
        if (p->directory.base) {
                const struct ynode *acc = ynode_get(root, "accounts");
                if (p->accounts.people_base && !dn_under(p->accounts.people_base, p->directory.base))
                        check_error(&x->c, ynode_get(acc, "people_base"), "accounts.people_base",
                                    "must be under directory.base (%s)", p->directory.base);
                if (p->accounts.group_base && !dn_under(p->accounts.group_base, p->directory.base))
                        check_error(&x->c, ynode_get(acc, "group_base"), "accounts.group_base",
                                    "must be under directory.base (%s)", p->directory.base);
        }
        /* reports_to must not loop. */
        for (int r = 0; r < ROLE_COUNT; r++) {
                enum role_id cur = p->roles[r].reports_to;
                for (int hops = 0; cur != ROLE_NONE && hops <= ROLE_COUNT; hops++) {
                        if (cur == r || hops == ROLE_COUNT) {
                                char path[PATH_MAX_LEN];
                                snprintf(path, sizeof(path), "roles.%s.reports_to", ROLE_NAMES[r]);
                                check_error(&x->c, ynode_get(ynode_get(x->roles_node, ROLE_NAMES[r]), "reports_to"),
                                            path, "roles report to each other in a loop");
                                break;
                        }
                        cur = p->roles[cur].reports_to;
                }
        }
}

int policy_parse(const char *name, const char *buf, size_t len, struct diag_list *d, struct policy **ret)
{
        static const struct field_spec spec[] = {
                { "version", true }, { "organisation", true }, { "directory", true }, { "roles", true },
                { "workflows", true }, { "profiles", true }, { "skpd", true }, { "accounts", true },
                { "passwords", false }, { "spool", true }, { "reports", false }, { "handover", false },
                { "separation_of_duties", false }, { NULL, false } };
        static const struct ydoc_limits lim = { .max_depth = 8, .max_nodes = 50000, .max_scalar = 4096 };
        struct ydoc *doc = NULL;
        size_t before = diag_count(d);
        int r = ydoc_parse(name, buf, len, &lim, d, &doc);
        if (r < 0)
                return r;

        struct pctx x = { 0 };
        struct arena *arena = arena_new();
        struct policy *p = arena ? arena_alloc(arena, sizeof(*p)) : NULL;
        if (!p) {
                arena_free(arena);
                ydoc_free(doc);
                return -ENOMEM;
        }
        p->arena = arena;
        p->refs = 1;
        p->path = arena_strdup(arena, name);
        p->passwords.length = 16;
        p->passwords.classes = PWCLASS_LOWER | PWCLASS_UPPER | PWCLASS_DIGIT | PWCLASS_SYMBOL;
        p->passwords.exclude_ambiguous = true;
        p->passwords.storage = PASSWORD_ARGON2;
        p->passwords.ops_limit = 2;
        p->passwords.mem_limit_kib = 65536;
        x.c = (struct checker){ .file = name, .d = d, .arena = arena };
        x.p = p;

        const struct ynode *root = ydoc_root(doc), *v;
        if (check_map(&x.c, root, "document", spec)) {
                unsigned long version;  /* only version 1 exists */
                if ((v = ynode_get(root, "version")))
                        check_uint(&x.c, v, "version", 1, 1, &version);
                if ((v = ynode_get(root, "organisation"))) parse_organisation(&x, v);
                if ((v = ynode_get(root, "directory"))) parse_directory(&x, v);
                if ((v = ynode_get(root, "roles"))) parse_roles(&x, v);
                if ((v = ynode_get(root, "workflows"))) parse_workflows(&x, v);
                if ((v = ynode_get(root, "profiles"))) parse_profiles(&x, v);
                if ((v = ynode_get(root, "skpd"))) parse_skpd(&x, v);
                if ((v = ynode_get(root, "accounts"))) parse_accounts(&x, v);
                if ((v = ynode_get(root, "passwords"))) parse_passwords(&x, v);
                if ((v = ynode_get(root, "spool"))) parse_spool(&x, v);
                if ((v = ynode_get(root, "reports"))) parse_reports(&x, v);
                if ((v = ynode_get(root, "handover"))) parse_handover(&x, v);
                if ((v = ynode_get(root, "separation_of_duties")))
                        check_bool(&x.c, v, "separation_of_duties", &p->separation_of_duties);
                if (diag_count(d) == before)
                        cross_check(&x, root);
                if (!p->accounts.uid_counter_dn && p->directory.base)
                        p->accounts.uid_counter_dn = arena_printf(arena, "cn=uidnext,ou=services,%s", p->directory.base);
                if (!p->accounts.role_base && p->directory.base)
                        p->accounts.role_base = arena_printf(arena, "ou=roles,%s", p->directory.base);
                if (!p->accounts.superadmin_dn && p->accounts.people_base)
                        p->accounts.superadmin_dn = arena_printf(arena, "uid=superadmin,%s", p->accounts.people_base);
        }
        ydoc_free(doc);
        if (diag_count(d) != before) {
                policy_free(p);
                return -EINVAL;
        }
        *ret = p;
        return 0;
}

int policy_load(const char *path, struct diag_list *d, struct policy **ret)
{
        char *buf = NULL, err[256];
        size_t len;
        int r = read_file_checked(AT_FDCWD, path, POLICY_MAX_BYTES, &buf, &len, NULL, err, sizeof(err));
        if (r < 0) {
                diag_add(d, path, 0, 0, "file", "%s", err);
                /* A link, a FIFO or an oversized file is bad input, not an I/O error. */
                return r == -ELOOP || r == -EFBIG || r == -EINVAL ? -EINVAL : r;
        }
        r = policy_parse(path, buf, len, d, ret);
        free(buf);
        return r;
}

void policy_free(struct policy *p)
{
        if (p && __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) == 0)
                arena_free(p->arena);
}

struct policy *policy_ref(struct policy *p)
{
        __atomic_add_fetch(&p->refs, 1, __ATOMIC_ACQ_REL);
        return p;
}

const struct skpd *policy_find_skpd(const struct policy *p, const char *code, size_t len)
{
        for (size_t i = 0; i < p->n_skpd; i++)
                if (strlen(p->skpd[i].code) == len && memcmp(p->skpd[i].code, code, len) == 0)
                        return &p->skpd[i];
        return NULL;
}

const struct profile *policy_find_profile(const struct policy *p, const char *id, size_t len)
{
        for (size_t i = 0; i < p->n_profiles; i++)
                if (strlen(p->profiles[i].id) == len && memcmp(p->profiles[i].id, id, len) == 0)
                        return &p->profiles[i];
        return NULL;
}

const struct actor *policy_find_actor(const struct policy *p, enum role_id role, const char *id)
{
        const struct role *r = &p->roles[role];
        for (size_t i = 0; i < r->n_members; i++)
                if (strcmp(r->members[i].id, id) == 0)
                        return &r->members[i];
        return NULL;
}

bool skpd_allows_profile(const struct policy *p, const struct skpd *s, const struct profile *prof)
{
        size_t idx = (size_t)(prof - p->profiles);
        for (size_t i = 0; i < s->n_profiles; i++)
                if (s->profiles[i] == idx)
                        return true;
        return false;
}
