/*
 * request - request files validated against the policy; see request.h
 * and aksesd-request(5).
 */
#include "request.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fileio.h"
#include "keys.h"
#include "ydoc.h"

struct rctx {
        struct checker c;
        const struct policy *p;
        struct request *r;
        struct ydate today;
};

bool nip_valid(const char *s, size_t len)
{
        if (len != 18)
                return false;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

static bool is_alnum(char ch)
{
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool email_valid(const char *s, size_t len)
{
        const char *at = memchr(s, '@', len);
        if (!at || len > 254 || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
                return false;
        size_t local = (size_t)(at - s), dom = len - local - 1;
        if (local == 0 || local > 64 || s[0] == '.' || at[-1] == '.')
                return false;
        for (size_t i = 0; i < local; i++) {
                char ch = s[i];
                if (!is_alnum(ch) && !strchr("._%+-", ch))
                        return false;
                if (ch == '.' && i > 0 && s[i - 1] == '.')
                        return false;
        }
        /* Domain: dot-separated labels of letters, digits and inner hyphens,
         * at least two, the last alphabetic. */
        const char *d = at + 1, *label = d;
        size_t labels = 0;
        for (size_t i = 0; i <= dom; i++) {
                if (i == dom || d[i] == '.') {
                        size_t ll = (size_t)(d + i - label);
                        if (ll == 0 || ll > 63 || label[0] == '-' || label[ll - 1] == '-')
                                return false;
                        labels++;
                        if (i == dom) {
                                if (ll < 2)
                                        return false;
                                for (size_t k = 0; k < ll; k++)
                                        if (!((label[k] >= 'a' && label[k] <= 'z') || (label[k] >= 'A' && label[k] <= 'Z')))
                                                return false;
                        }
                        label = d + i + 1;
                } else if (!is_alnum(d[i]) && d[i] != '-') {
                        return false;
                }
        }
        return labels >= 2;
}

bool phone_valid(const char *s, size_t len)
{
        size_t digits = 0;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                if (ch >= '0' && ch <= '9')
                        digits++;
                else if (!(ch == '+' && i == 0) && ch != ' ' && ch != '-' && ch != '(' && ch != ')')
                        return false;
        }
        return digits >= 6 && digits <= 15;
}

static const char *get_text(struct rctx *x, const struct ynode *map, const char *key, const char *parent,
                            size_t max, unsigned flags)
{
        const struct ynode *v = ynode_get(map, key);
        char p[PATH_MAX_LEN];
        return v ? check_text(&x->c, v, path_key(p, parent, key), max, flags) : NULL;
}

static void parse_letter(struct rctx *x, const struct ynode *n)
{
        static const struct field_spec spec[] = { { "number", true }, { "date", true }, { NULL, false } };
        if (!check_map(&x->c, n, "letter", spec))
                return;
        x->r->letter_number = get_text(x, n, "number", "letter", 100, 0);
        const struct ynode *v = ynode_get(n, "date");
        if (v && check_date(&x->c, v, "letter.date", &x->r->letter_date)) {
                if (ydate_cmp(x->r->letter_date, x->today) > 0)
                        check_error(&x->c, v, "letter.date", "the letter is dated in the future (%.10s)", v->str);
                else
                        x->r->has_letter = x->r->letter_number != NULL;
        }
}

/* Fields of a person; which are required depends on the request kind. */
enum {
        P_ID = 1 << 0, P_NAME = 1 << 1, P_NIP = 1 << 2, P_POSITION = 1 << 3,
        P_EMAIL = 1 << 4, P_PHONE = 1 << 5, P_KEY = 1 << 6,
};

static void parse_person(struct rctx *x, const struct ynode *n, const char *path, unsigned allowed,
                         unsigned required, struct person *out)
{
        static const char *const names[] = { "id", "name", "nip", "position", "email", "phone", "key" };
        struct field_spec spec[8];
        size_t k = 0;
        for (unsigned i = 0; i < 7; i++)
                if (allowed & (1u << i))
                        spec[k++] = (struct field_spec){ names[i], (required & (1u << i)) != 0 };
        spec[k] = (struct field_spec){ NULL, false };
        if (!check_map(&x->c, n, path, spec))
                return;
        char p[PATH_MAX_LEN];
        const struct ynode *v;
        if ((v = ynode_get(n, "id"))) {
                out->id = check_text(&x->c, v, path_key(p, path, "id"), ACTOR_ID_MAX, 0);
                if (out->id && !actor_id_valid(out->id, strlen(out->id))) {
                        check_error(&x->c, v, p, "expected an actor id: 1-64 of a-z 0-9 . _ - starting with a letter or digit, found '%.64s'", out->id);
                        out->id = NULL;
                }
        }
        out->name = get_text(x, n, "name", path, 128, 0);
        out->position = get_text(x, n, "position", path, 200, 0);
        if ((v = ynode_get(n, "nip"))) {
                out->nip = check_text(&x->c, v, path_key(p, path, "nip"), 64, 0);
                if (out->nip && !nip_valid(out->nip, strlen(out->nip))) {
                        check_error(&x->c, v, p, "expected an 18-digit NIP (Nomor Induk Pegawai), found '%.40s'", out->nip);
                        out->nip = NULL;
                }
        }
        if ((v = ynode_get(n, "email"))) {
                out->email = check_text(&x->c, v, path_key(p, path, "email"), 254, 0);
                if (out->email && !email_valid(out->email, strlen(out->email))) {
                        check_error(&x->c, v, p, "expected an e-mail address such as nama@dinas.example.go.id, found '%.80s'", out->email);
                        out->email = NULL;
                }
        }
        if ((v = ynode_get(n, "phone"))) {
                out->phone = check_text(&x->c, v, path_key(p, path, "phone"), 32, 0);
                if (out->phone && !phone_valid(out->phone, strlen(out->phone))) {
                        check_error(&x->c, v, p, "expected a telephone number of 6-15 digits (spaces, '-', '(', ')' and a leading '+' allowed), found '%.40s'", out->phone);
                        out->phone = NULL;
                }
        }
        if ((v = ynode_get(n, "key"))) {
                path_key(p, path, "key");
                if (v->kind == YNODE_SCALAR && key_parse_public(v->str, v->len, out->key))
                        out->has_key = true;
                else
                        check_error(&x->c, v, p, "expected an Ed25519 public key written ed25519:BASE64 (as printed by aksesctl keygen)");
        }
}

static void parse_recipient_key(struct rctx *x, const struct ynode *v)
{
        unsigned char ed[crypto_sign_PUBLICKEYBYTES];
        if (v->kind == YNODE_SCALAR && key_parse_public(v->str, v->len, ed) &&
            crypto_sign_ed25519_pk_to_curve25519(x->r->recipient_pk, ed) == 0) {
                x->r->has_recipient_key = true;
                return;
        }
        if (v->kind == YNODE_SCALAR && v->len == 7 + 44 && memcmp(v->str, "x25519:", 7) == 0) {
                size_t got = 0;
                const char *end = NULL;
                if (sodium_base642bin(x->r->recipient_pk, sizeof(x->r->recipient_pk), v->str + 7, 44, NULL, &got,
                                      &end, sodium_base64_VARIANT_ORIGINAL) == 0 &&
                    got == sizeof(x->r->recipient_pk) && end == v->str + v->len) {
                        x->r->has_recipient_key = true;
                        return;
                }
        }
        check_error(&x->c, v, "recipient_key",
                    "expected the recipient's public key written ed25519:BASE64 or x25519:BASE64");
}

static void parse_skpd_access(struct rctx *x, const struct ynode *root)
{
        struct request *r = x->r;
        const struct ynode *v, *skpd_node = ynode_get(root, "skpd");
        const struct skpd *s = NULL;
        if (skpd_node && (r->skpd = check_text(&x->c, skpd_node, "skpd", 32, 0))) {
                s = policy_find_skpd(x->p, r->skpd, strlen(r->skpd));
                if (!s)
                        check_error(&x->c, skpd_node, "skpd", "unknown SKPD '%.32s' (not in the policy's SKPD catalogue)", r->skpd);
        }
        if ((v = ynode_get(root, "applicant")))
                parse_person(x, v, "applicant", P_NAME | P_NIP | P_POSITION | P_EMAIL | P_PHONE,
                             P_NAME | P_NIP | P_POSITION | P_EMAIL | P_PHONE, &r->applicant);
        if ((v = ynode_get(root, "profiles")) && check_seq(&x->c, v, "profiles", 1, 32)) {
                r->profiles = arena_alloc(r->arena, v->n * sizeof(char *));
                for (size_t i = 0; r->profiles && i < v->n; i++) {
                        char p[PATH_MAX_LEN];
                        path_index(p, "profiles", i);
                        const char *id = check_text(&x->c, v->items[i], p, 64, 0);
                        if (!id)
                                continue;
                        const struct profile *prof = policy_find_profile(x->p, id, strlen(id));
                        if (!prof) {
                                check_error(&x->c, v->items[i], p, "unknown access profile '%.64s' (not in the policy)", id);
                                continue;
                        }
                        if (s && !skpd_allows_profile(x->p, s, prof)) {
                                check_error(&x->c, v->items[i], p, "SKPD %s may not ask for profile '%s'", s->code, id);
                                continue;
                        }
                        bool dup = false;
                        for (size_t j = 0; j < r->n_profiles; j++)
                                dup |= strcmp(r->profiles[j], id) == 0;
                        if (dup)
                                check_error(&x->c, v->items[i], p, "profile '%s' is listed twice", id);
                        else
                                r->profiles[r->n_profiles++] = id;
                }
        }
        if ((v = ynode_get(root, "valid_until")) && check_date(&x->c, v, "valid_until", &r->valid_until) &&
            ydate_cmp(r->valid_until, x->today) < 0)
                check_error(&x->c, v, "valid_until", "the date %.10s is in the past", v->str);
        r->justification = get_text(x, root, "justification", NULL, 2000, TEXT_MULTILINE);
        if ((v = ynode_get(root, "recipient_key")))
                parse_recipient_key(x, v);
}

static void parse_procedure1(struct rctx *x, const struct ynode *root)
{
        struct request *r = x->r;
        const struct ynode *v = ynode_get(root, "appointee");
        unsigned full = P_ID | P_NAME | P_NIP | P_POSITION | P_EMAIL | P_PHONE | P_KEY;
        switch (r->kind) {
        case KIND_SUPERADMIN_APPOINT:
        case KIND_ADMIN_APPOINT:
                if (v)
                        parse_person(x, v, "appointee", full, full & ~(unsigned)P_PHONE, &r->appointee);
                break;
        case KIND_ADMIN_UPDATE:
                if (v) {
                        parse_person(x, v, "appointee", full, P_ID, &r->appointee);
                        if (v->kind == YNODE_MAP && v->n < 2 && r->appointee.id)
                                check_error(&x->c, v, "appointee",
                                            "an update must change at least one of: name, nip, position, email, phone, key");
                }
                break;
        case KIND_SUPERADMIN_REVOKE:
        case KIND_ADMIN_REMOVE:
                if (v)
                        parse_person(x, v, "appointee", P_ID, P_ID, &r->appointee);
                break;
        default:
                break;
        }
        r->reason = get_text(x, root, "reason", NULL, 1000, TEXT_MULTILINE);
}

int request_parse(const struct policy *p, const char *name, const char *buf, size_t len,
                  time_t now, struct diag_list *d, struct request **ret)
{
        static const struct ydoc_limits lim = { .max_depth = 2, .max_nodes = 512, .max_scalar = 4096 };
        static const struct field_spec skpd_spec[] = {
                { "version", true }, { "kind", true }, { "letter", true }, { "skpd", true },
                { "applicant", true }, { "profiles", true }, { "valid_until", true },
                { "justification", true }, { "recipient_key", false }, { NULL, false } };
        static const struct field_spec appoint_spec[] = {
                { "version", true }, { "kind", true }, { "letter", true }, { "appointee", true },
                { "reason", false }, { NULL, false } };
        static const struct field_spec remove_spec[] = {
                { "version", true }, { "kind", true }, { "letter", true }, { "appointee", true },
                { "reason", true }, { NULL, false } };
        static const struct field_spec rotate_spec[] = {
                { "version", true }, { "kind", true }, { "letter", false }, { "reason", true }, { NULL, false } };

        struct ydoc *doc = NULL;
        size_t before = diag_count(d);
        int rc = ydoc_parse(name, buf, len, &lim, d, &doc);
        if (rc < 0)
                return rc;
        struct arena *arena = arena_new();
        struct request *r = arena ? arena_alloc(arena, sizeof(*r)) : NULL;
        if (!r) {
                arena_free(arena);
                ydoc_free(doc);
                return -ENOMEM;
        }
        r->arena = arena;
        struct rctx x = { .c = { .file = name, .d = d, .arena = arena }, .p = p, .r = r, .today = ydate_of(now) };

        const struct ynode *root = ydoc_root(doc), *v;
        int kind = -1;
        unsigned long version;
        if (root->kind != YNODE_MAP) {
                check_error(&x.c, root, "document", "expected a mapping, found %s", ynode_kind_name(root));
        } else if (!(v = ynode_get(root, "kind"))) {
                /* Without a kind the other fields cannot be judged. */
                check_error(&x.c, root, "kind", "missing required field (one of: skpd-access, superadmin-appoint, "
                            "superadmin-revoke, superadmin-rotate, admin-appoint, admin-update, admin-remove)");
        } else if (check_enum(&x.c, v, "kind", KIND_NAMES, &kind)) {
                r->kind = (enum request_kind)kind;
                const struct field_spec *spec = r->kind == KIND_SKPD_ACCESS ? skpd_spec :
                        r->kind == KIND_SUPERADMIN_ROTATE ? rotate_spec :
                        r->kind == KIND_SUPERADMIN_REVOKE || r->kind == KIND_ADMIN_REMOVE ? remove_spec :
                        appoint_spec;
                check_map(&x.c, root, "document", spec);
                if ((v = ynode_get(root, "version")))
                        check_uint(&x.c, v, "version", 1, 1, &version);
                if ((v = ynode_get(root, "letter")))
                        parse_letter(&x, v);
                if (r->kind == KIND_SKPD_ACCESS)
                        parse_skpd_access(&x, root);
                else
                        parse_procedure1(&x, root);
        }
        ydoc_free(doc);
        if (diag_count(d) != before) {
                request_free(r);
                return -EINVAL;
        }
        *ret = r;
        return 0;
}

int request_load(const struct policy *p, const char *path, time_t now, struct diag_list *d,
                 struct request **ret)
{
        char *buf = NULL, err[256];
        size_t len;
        int r = read_file_checked(AT_FDCWD, path, REQUEST_MAX_BYTES, &buf, &len, NULL, err, sizeof(err));
        if (r < 0) {
                diag_add(d, path, 0, 0, "file", "%s", err);
                /* A link, a FIFO or an oversized file is bad input, not an I/O error. */
                return r == -ELOOP || r == -EFBIG || r == -EINVAL ? -EINVAL : r;
        }
        r = request_parse(p, path, buf, len, now, d, ret);
        free(buf);
        return r;
}

void request_free(struct request *r)
{
        if (r)
                arena_free(r->arena);
}
