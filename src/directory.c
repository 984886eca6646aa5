/*
 * directory - aksesd's LDAP session; see directory.h.
 */
#include "directory.h"

#include <errno.h>
#include <fcntl.h>
#include <ldap.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"

#define BIND_PW_MAX 1024

struct directory {
        const struct policy *p;
        LDAP *ld;
        char *bind_pw;                  /* sodium_malloc */
        size_t bind_pw_len;
};

static int read_bind_password(struct directory *d, char *err, size_t errlen)
{
        char path[4096];
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        const char *file = d->p->directory.bind_password_file;
        if (creds && *creds) {
                snprintf(path, sizeof(path), "%s/bind.pw", creds);
                int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (fd >= 0) {
                        close(fd);
                        file = path;
                }
        }
        char *buf = NULL, why[128];
        size_t len = 0;
        int r = read_file_checked(AT_FDCWD, file, BIND_PW_MAX, &buf, &len, NULL, why, sizeof(why));
        if (r < 0) {
                snprintf(err, errlen, "bind password file %s: %s", file, why);
                return r;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
                len--;
        d->bind_pw = sodium_malloc(len + 1);
        if (d->bind_pw) {
                memcpy(d->bind_pw, buf, len);
                d->bind_pw[len] = '\0';
                d->bind_pw_len = len;
        }
        sodium_memzero(buf, len);
        free(buf);
        if (!d->bind_pw) {
                snprintf(err, errlen, "out of secure memory");
                return -ENOMEM;
        }
        return 0;
}

int directory_open(const struct policy *p, struct directory **ret, char *err, size_t errlen)
{
        struct directory *d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->p = p;
        int r = read_bind_password(d, err, errlen);
        if (r < 0) {
                free(d);
                return r;
        }
        *ret = d;
        return 0;
}

static void drop(struct directory *d)
{
        if (d->ld)
                ldap_unbind_ext_s(d->ld, NULL, NULL);
        d->ld = NULL;
}

void directory_close(struct directory *d)
{
        if (!d)
                return;
        drop(d);
        sodium_free(d->bind_pw);
        free(d);
}

static bool retryable(int rc)
{
        return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE ||
               rc == LDAP_BUSY;
}

/* Maps an LDAP result to our codes, with the server's diagnostic in err. */
static int fail(struct directory *d, int rc, const char *what, char *err, size_t errlen)
{
        char *diag = NULL;
        if (d->ld)
                ldap_get_option(d->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
        snprintf(err, errlen, "%s: %s%s%s", what, ldap_err2string(rc), diag && *diag ? " — " : "", diag ? diag : "");
        if (diag)
                ldap_memfree(diag);
        if (retryable(rc)) {
                drop(d);
                return -EAGAIN;
        }
        switch (rc) {
        case LDAP_NO_SUCH_OBJECT: return -ENOENT;
        case LDAP_ALREADY_EXISTS:
        case LDAP_TYPE_OR_VALUE_EXISTS: return -EEXIST;       /* already there: another worker, or a retried write */
        case LDAP_ASSERTION_FAILED: return -ECANCELED;
        case LDAP_INVALID_CREDENTIALS:
        case LDAP_INSUFFICIENT_ACCESS:
        case LDAP_STRONG_AUTH_REQUIRED: return -EACCES;
        default: return -EIO;
        }
}

/* A fresh handle on uri with the policy's options; -EAGAIN when the
 * server cannot be reached. */
static int connect_one(const struct policy *p, const char *uri, LDAP **ret, char *err, size_t errlen)
{
        LDAP *ld = NULL;
        int rc = ldap_initialize(&ld, uri);
        if (rc != LDAP_SUCCESS) {
                snprintf(err, errlen, "%s: %s", uri, ldap_err2string(rc));
                return -EIO;
        }
        int version = LDAP_VERSION3;
        struct timeval tv = { .tv_sec = (time_t)p->directory.timeout_seconds };
        ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
        ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
        ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
        ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
        if (p->directory.tls_mode != TLS_NONE) {
                /* NEWCTX builds this handle's TLS context from the options set
                 * before it; if it fails, libldap would silently fall back to
                 * ldap.conf and LDAPTLS_* — never connect then. */
                int req = p->directory.tls_verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER, zero = 0;
                if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &req) != LDAP_OPT_SUCCESS ||
                    (p->directory.tls_ca_file &&
                     ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, p->directory.tls_ca_file) != LDAP_OPT_SUCCESS) ||
                    ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
                        snprintf(err, errlen, "%s: cannot set up TLS with CA file %s", uri,
                                 p->directory.tls_ca_file ? p->directory.tls_ca_file : "(system default)");
                        ldap_unbind_ext_s(ld, NULL, NULL);
                        return -EAGAIN;         /* a set-up problem: requests wait, they are not failed */
                }
        }
        if (p->directory.tls_mode == TLS_STARTTLS && (rc = ldap_start_tls_s(ld, NULL, NULL)) != LDAP_SUCCESS) {
                char *diag = NULL;
                ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
                snprintf(err, errlen, "%s: StartTLS: %s%s%s", uri, ldap_err2string(rc), diag ? " — " : "", diag ? diag : "");
                if (diag)
                        ldap_memfree(diag);
                ldap_unbind_ext_s(ld, NULL, NULL);
                return retryable(rc) ? -EAGAIN : -EIO;
        }
        *ret = ld;
        return 0;
}

int directory_connect(struct directory *d, char *err, size_t errlen)
{
        if (d->ld)
                return 0;
        int r = -EAGAIN;
        for (size_t i = 0; i < d->p->directory.n_uris; i++) {
                const char *uri = d->p->directory.uris[i];
                LDAP *ld = NULL;
                r = connect_one(d->p, uri, &ld, err, errlen);
                if (r < 0)
                        continue;
                struct berval cred = { .bv_val = d->bind_pw, .bv_len = d->bind_pw_len };
                int rc = ldap_sasl_bind_s(ld, d->p->directory.bind_dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
                if (rc == LDAP_SUCCESS) {
                        d->ld = ld;
                        return 0;
                }
                d->ld = ld;
                char what[600];
                snprintf(what, sizeof(what), "%s: bind as %s", uri, d->p->directory.bind_dn);
                r = fail(d, rc, what, err, errlen);
                drop(d);
                if (r != -EAGAIN)
                        return r;       /* a refused bind is not fixed by the next server */
        }
        return r;
}

/* Copies a search result entry into arena. */
static int copy_entry(LDAP *ld, LDAPMessage *msg, struct arena *a, struct entry **ret)
{
        struct entry *e = arena_alloc(a, sizeof(*e));
        char *dn = ldap_get_dn(ld, msg);
        if (!e || !dn) {
                ldap_memfree(dn);
                return -ENOMEM;
        }
        e->dn = arena_strdup(a, dn);
        ldap_memfree(dn);
        size_t cap = 0;
        BerElement *ber = NULL;
        for (char *attr = ldap_first_attribute(ld, msg, &ber); attr; attr = ldap_next_attribute(ld, msg, ber)) {
                struct berval **vals = ldap_get_values_len(ld, msg, attr);
                if (e->n_attrs == cap) {
                        cap = cap ? cap * 2 : 16;
                        struct attr_values *n = arena_alloc(a, cap * sizeof(*n));
                        if (!n) {
                                ldap_value_free_len(vals);
                                ldap_memfree(attr);
                                ber_free(ber, 0);
                                return -ENOMEM;
                        }
                        if (e->n_attrs)
                                memcpy(n, e->attrs, e->n_attrs * sizeof(*n));
                        e->attrs = n;
                }
                struct attr_values *av = &e->attrs[e->n_attrs++];
                av->name = arena_strdup(a, attr);
                size_t nv = (size_t)ldap_count_values_len(vals);
                av->values = arena_alloc(a, (nv + 1) * sizeof(char *));
                for (size_t i = 0; av->values && i < nv; i++)
                        av->values[av->n++] = arena_strndup(a, vals[i]->bv_val, vals[i]->bv_len);
                ldap_value_free_len(vals);
                ldap_memfree(attr);
        }
        ber_free(ber, 0);
        *ret = e;
        return 0;
}

static int search(struct directory *d, const char *base, int scope, const char *filter, const char *const *attrs,
                  struct arena *a, struct entry **ret, char *err, size_t errlen)
{
        int r = directory_connect(d, err, errlen);
        if (r < 0)
                return r;
        LDAPMessage *res = NULL;
        struct timeval tv = { .tv_sec = (time_t)d->p->directory.timeout_seconds };
        int rc = ldap_search_ext_s(d->ld, base, scope, filter, (char **)attrs, 0, NULL, NULL, &tv, 2, &res);
        if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
                ldap_msgfree(res);
                char what[600];
                snprintf(what, sizeof(what), "search %s %s", base, filter);
                return fail(d, rc, what, err, errlen);
        }
        int n = ldap_count_entries(d->ld, res);
        if (n == 0 || rc == LDAP_SIZELIMIT_EXCEEDED || n > 1) {
                ldap_msgfree(res);
                if (n == 0)
                        return -ENOENT;
                snprintf(err, errlen, "more than one entry under %s matches %s", base, filter);
                return -EEXIST;
        }
        r = copy_entry(d->ld, ldap_first_entry(d->ld, res), a, ret);
        ldap_msgfree(res);
        return r;
}

int directory_read(struct directory *d, const char *dn, const char *const *attrs, struct arena *a,
                   struct entry **ret, char *err, size_t errlen)
{
        return search(d, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, a, ret, err, errlen);
}

int directory_find(struct directory *d, const char *base, const char *filter, const char *const *attrs,
                   struct arena *a, struct entry **ret, char *err, size_t errlen)
{
        return search(d, base, LDAP_SCOPE_SUBTREE, filter, attrs, a, ret, err, errlen);
}

/* LDAPMod array for n mods (values as berval so any bytes pass); freed
 * with free_mods. */
static LDAPMod **make_mods(const struct mod *mods, size_t n)
{
        LDAPMod **v = calloc(n + 1, sizeof(*v));
        if (!v)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                LDAPMod *m = calloc(1, sizeof(*m));
                struct berval **bv = calloc(mods[i].n + 1, sizeof(*bv));
                struct berval *vals = calloc(mods[i].n + 1, sizeof(*vals));
                if (!m || !bv || !vals) {
                        free(m);
                        free(bv);
                        free(vals);
                        for (size_t j = 0; j < i; j++) {
                                free(v[j]->mod_bvalues ? v[j]->mod_bvalues[0] : NULL);
                                free(v[j]->mod_bvalues);
                                free(v[j]);
                        }
                        free(v);
                        return NULL;
                }
                int op = mods[i].op == MOD_ADD ? LDAP_MOD_ADD : mods[i].op == MOD_REPLACE ? LDAP_MOD_REPLACE : LDAP_MOD_DELETE;
                m->mod_op = op | LDAP_MOD_BVALUES;
                m->mod_type = (char *)mods[i].attr;
                for (size_t k = 0; k < mods[i].n; k++) {
                        vals[k].bv_val = (char *)mods[i].values[k];
                        vals[k].bv_len = strlen(mods[i].values[k]);
                        bv[k] = &vals[k];
                }
                if (mods[i].n == 0) {   /* delete the whole attribute */
                        free(vals);
                        free(bv);
                        bv = NULL;
                }
                m->mod_bvalues = bv;
                v[i] = m;
        }
        return v;
}

static void free_mods(LDAPMod **v)
{
        for (size_t i = 0; v && v[i]; i++) {
                free(v[i]->mod_bvalues ? v[i]->mod_bvalues[0] : NULL);
                free(v[i]->mod_bvalues);
                free(v[i]);
        }
        free(v);
}

int directory_add(struct directory *d, const struct entry *e, char *err, size_t errlen)
{
        int r = directory_connect(d, err, errlen);
        if (r < 0)
                return r;
        struct mod *mods = calloc(e->n_attrs + 1, sizeof(*mods));
        if (!mods)
                return -ENOMEM;
        for (size_t i = 0; i < e->n_attrs; i++)
                mods[i] = (struct mod){ MOD_ADD, e->attrs[i].name, e->attrs[i].values, e->attrs[i].n };
        LDAPMod **lm = make_mods(mods, e->n_attrs);
        free(mods);
        if (!lm)
                return -ENOMEM;
        int rc = ldap_add_ext_s(d->ld, e->dn, lm, NULL, NULL);
        free_mods(lm);
        if (rc == LDAP_SUCCESS)
                return 0;
        char what[600];
        snprintf(what, sizeof(what), "add %s", e->dn);
        return fail(d, rc, what, err, errlen);
}

int directory_modify(struct directory *d, const char *dn, const struct mod *mods, size_t n,
                     const char *assertion, bool relax, char *err, size_t errlen)
{
        int r = directory_connect(d, err, errlen);
        if (r < 0)
                return r;
        LDAPControl *ctrls[3] = { NULL, NULL, NULL }, *assert_ctrl = NULL;
        LDAPControl relax_ctrl = { .ldctl_oid = (char *)LDAP_CONTROL_RELAX, .ldctl_iscritical = 1 };
        size_t nc = 0;
        if (assertion) {
                int rc = ldap_create_assertion_control(d->ld, (char *)assertion, 1, &assert_ctrl);
                if (rc != LDAP_SUCCESS)
                        return fail(d, rc, "assertion control", err, errlen);
                ctrls[nc++] = assert_ctrl;
        }
        if (relax)
                ctrls[nc++] = &relax_ctrl;
        LDAPMod **lm = make_mods(mods, n);
        if (!lm) {
                ldap_control_free(assert_ctrl);
                return -ENOMEM;
        }
        int rc = ldap_modify_ext_s(d->ld, dn, lm, nc ? ctrls : NULL, NULL);
        free_mods(lm);
        ldap_control_free(assert_ctrl);
        if (rc == LDAP_SUCCESS)
                return 0;
        char what[600];
        snprintf(what, sizeof(what), "modify %s", dn);
        return fail(d, rc, what, err, errlen);
}

int directory_set_password(struct directory *d, const char *dn, const char *password, char *err, size_t errlen)
{
        int r = directory_connect(d, err, errlen);
        if (r < 0)
                return r;
        struct berval user = { .bv_val = (char *)dn, .bv_len = strlen(dn) };
        struct berval pw = { .bv_val = (char *)password, .bv_len = strlen(password) };
        struct berval generated = { 0, NULL };
        int rc = ldap_passwd_s(d->ld, &user, NULL, &pw, &generated, NULL, NULL);
        ber_memfree(generated.bv_val);
        if (rc == LDAP_SUCCESS)
                return 0;
        char what[600];
        snprintf(what, sizeof(what), "password modify %s", dn);
        return fail(d, rc, what, err, errlen);
}
