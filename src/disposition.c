/*
 * disposition - signed routing decisions; see disposition.h.
 */
#include "disposition.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ycheck.h"
#include "ydoc.h"

#define SIG_PREFIX "signature: \"ed25519:"

static const char *const DECISION_NAMES[] = { "approve", "reject", NULL };

const char *decision_name(enum decision d) { return DECISION_NAMES[d]; }

bool disposition_is(const char *buf, size_t len)
{
        static const char marker[] = "\nkind: disposition\n";
        return memmem(buf, len, marker, sizeof(marker) - 1) != NULL;
}

void content_digest(const void *buf, size_t len, unsigned char out[DIGEST_BYTES])
{
        crypto_generichash(out, DIGEST_BYTES, buf, len, NULL, 0);
}

void digest_format(const unsigned char d[DIGEST_BYTES], char out[12 + 2 * DIGEST_BYTES + 1])
{
        memcpy(out, "blake2b-256:", 12);
        sodium_bin2hex(out + 12, 2 * DIGEST_BYTES + 1, d, DIGEST_BYTES);
}

static bool hex_decode(const char *s, size_t len, unsigned char *out, size_t outlen)
{
        size_t got = 0;
        const char *end = NULL;
        for (size_t i = 0; i < len; i++)        /* lower-case only: one spelling per value */
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return sodium_hex2bin(out, outlen, s, len, NULL, &got, &end) == 0 && got == outlen && end == s + len;
}

bool digest_parse(const char *s, size_t len, unsigned char out[DIGEST_BYTES])
{
        return len == 12 + 2 * DIGEST_BYTES && memcmp(s, "blake2b-256:", 12) == 0 &&
               hex_decode(s + 12, len - 12, out, DIGEST_BYTES);
}

bool request_id_valid(const char *s, size_t len)
{
        if (len != REQUEST_ID_LEN || memcmp(s, "REQ-", 4) != 0 || s[12] != '-')
                return false;
        for (size_t i = 4; i < len; i++)
                if (i != 12 && (s[i] < '0' || s[i] > '9'))
                        return false;
        return true;
}

void time_format_utc(time_t t, char out[21])
{
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool time_parse_utc(const char *s, size_t len, time_t *out)
{
        if (len != 20 || s[10] != 'T' || s[19] != 'Z')
                return false;
        struct ydate d;
        if (!ydate_parse(s, 10, &d))
                return false;
        int v[3];
        for (int i = 0; i < 3; i++) {
                const char *p = s + 11 + 3 * i;
                if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || (i < 2 && p[2] != ':'))
                        return false;
                v[i] = (p[0] - '0') * 10 + (p[1] - '0');
        }
        if (v[0] > 23 || v[1] > 59 || v[2] > 60)
                return false;
        struct tm tm = { .tm_year = d.year - 1900, .tm_mon = d.month - 1, .tm_mday = d.day,
                         .tm_hour = v[0], .tm_min = v[1], .tm_sec = v[2] };
        *out = timegm(&tm);
        return true;
}

/* The signature line must be the last one; returns its offset or SIZE_MAX. */
static size_t signature_offset(const char *buf, size_t len)
{
        size_t end = len;
        if (end > 0 && buf[end - 1] == '\n')
                end--;
        size_t start = end;
        while (start > 0 && buf[start - 1] != '\n')
                start--;
        if (end - start < sizeof(SIG_PREFIX) - 1 || memcmp(buf + start, SIG_PREFIX, sizeof(SIG_PREFIX) - 1) != 0)
                return SIZE_MAX;
        return start;
}

static void copy_field(char *dst, size_t dstlen, const char *src)
{
        snprintf(dst, dstlen, "%s", src ? src : "");
}

int disposition_parse(const char *name, const char *buf, size_t len, struct diag_list *d,
                      struct disposition *out)
{
        static const struct ydoc_limits lim = { .max_depth = 1, .max_nodes = 64, .max_scalar = 2048 };
        static const struct field_spec spec[] = {
                { "version", true }, { "kind", true }, { "request", true }, { "digest", true },
                { "step", true }, { "decision", true }, { "actor", true }, { "to", false },
                { "time", true }, { "nonce", true }, { "note", false }, { "signature", true },
                { NULL, false } };
        struct ydoc *doc = NULL;
        size_t before = diag_count(d);
        int r = ydoc_parse(name, buf, len, &lim, d, &doc);
        if (r < 0)
                return r;
        struct arena *arena = arena_new();
        if (!arena) {
                ydoc_free(doc);
                return -ENOMEM;
        }
        struct checker c = { .file = name, .d = d, .arena = arena };
        const struct ynode *root = ydoc_root(doc), *v;
        memset(out, 0, sizeof(*out));
        if (check_map(&c, root, "document", spec)) {
                unsigned long version;
                int kind = 0, decision;
                static const char *const kinds[] = { "disposition", NULL };
                if ((v = ynode_get(root, "version")))
                        check_uint(&c, v, "version", 1, 1, &version);
                if ((v = ynode_get(root, "kind")))
                        check_enum(&c, v, "kind", kinds, &kind);
                if ((v = ynode_get(root, "request"))) {
                        const char *s = check_text(&c, v, "request", 32, 0);
                        if (s && !request_id_valid(s, strlen(s)))
                                check_error(&c, v, "request", "expected a request id such as REQ-20261204-000042, found '%.32s'", s);
                        else
                                copy_field(out->request_id, sizeof(out->request_id), s);
                }
                if ((v = ynode_get(root, "digest")) &&
                    (v->kind != YNODE_SCALAR || !digest_parse(v->str, v->len, out->digest)))
                        check_error(&c, v, "digest", "expected blake2b-256: and 64 lower-case hex digits");
                if ((v = ynode_get(root, "step")))
                        copy_field(out->step, sizeof(out->step), check_text(&c, v, "step", 64, 0));
                if ((v = ynode_get(root, "decision")) && check_enum(&c, v, "decision", DECISION_NAMES, &decision))
                        out->decision = (enum decision)decision;
                if ((v = ynode_get(root, "actor"))) {
                        const char *s = check_text(&c, v, "actor", ACTOR_ID_MAX, 0);
                        if (s && !actor_id_valid(s, strlen(s)))
                                check_error(&c, v, "actor", "expected an actor id, found '%.64s'", s);
                        else
                                copy_field(out->actor, sizeof(out->actor), s);
                }
                if ((v = ynode_get(root, "to"))) {
                        const char *s = check_text(&c, v, "to", ACTOR_ID_MAX, 0);
                        if (s && !actor_id_valid(s, strlen(s)))
                                check_error(&c, v, "to", "expected an actor id, found '%.64s'", s);
                        else
                                copy_field(out->to, sizeof(out->to), s);
                }
                if ((v = ynode_get(root, "time")) &&
                    (v->kind != YNODE_SCALAR || !time_parse_utc(v->str, v->len, &out->time)))
                        check_error(&c, v, "time", "expected a UTC time written YYYY-MM-DDTHH:MM:SSZ");
                if ((v = ynode_get(root, "nonce")) &&
                    (v->kind != YNODE_SCALAR || v->len != 2 * NONCE_BYTES ||
                     !hex_decode(v->str, v->len, out->nonce, NONCE_BYTES)))
                        check_error(&c, v, "nonce", "expected 32 lower-case hex digits");
                if ((v = ynode_get(root, "note")))
                        copy_field(out->note, sizeof(out->note), check_text(&c, v, "note", NOTE_MAX_CHARS, 0));
                if ((v = ynode_get(root, "signature"))) {
                        /* The signature must be the file's last line. */
                        size_t off = signature_offset(buf, len);
                        size_t got = 0;
                        const char *end = NULL;
                        if (off == SIZE_MAX || v->kind != YNODE_SCALAR || v->len != 8 + 88 ||
                            memcmp(v->str, "ed25519:", 8) != 0 ||
                            sodium_base642bin(out->signature, sizeof(out->signature), v->str + 8, 88, NULL, &got,
                                              &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
                            got != sizeof(out->signature))
                                check_error(&c, v, "signature",
                                            "expected the last line to be signature: \"ed25519:BASE64\" (64 bytes)");
                        else
                                out->signed_len = off;
                }
        }
        arena_free(arena);
        ydoc_free(doc);
        return diag_count(d) == before ? 0 : -EINVAL;
}

bool disposition_verify(const struct disposition *disp, const char *buf, const unsigned char *pk)
{
        return disp->signed_len > 0 &&
               crypto_sign_verify_detached(disp->signature, (const unsigned char *)buf, disp->signed_len, pk) == 0;
}

int disposition_sign(struct disposition *disp, const struct secret_key *key, char **ret, size_t *ret_len)
{
        char digest[12 + 2 * DIGEST_BYTES + 1], when[21], nonce[2 * NONCE_BYTES + 1], to[ACTOR_ID_MAX + 16] = "";
        randombytes_buf(disp->nonce, sizeof(disp->nonce));
        disp->time = time(NULL);
        /* The actor is whoever holds the key, never what the caller claims. */
        snprintf(disp->actor, sizeof(disp->actor), "%s", key->id);
        digest_format(disp->digest, digest);
        time_format_utc(disp->time, when);
        sodium_bin2hex(nonce, sizeof(nonce), disp->nonce, sizeof(disp->nonce));
        if (disp->to[0])
                snprintf(to, sizeof(to), "to: %s\n", disp->to);

        /* The note is the only free text: quote it, escaping '"' and '\'. */
        char note[sizeof(disp->note) * 2 + 16] = "";
        if (disp->note[0]) {
                size_t o = 0;
                o += (size_t)snprintf(note, sizeof(note), "note: \"");
                for (const char *s = disp->note; *s && o + 4 < sizeof(note); s++) {
                        if (*s == '"' || *s == '\\')
                                note[o++] = '\\';
                        note[o++] = *s;
                }
                snprintf(note + o, sizeof(note) - o, "\"\n");
        }
        char *body = NULL;
        int n = asprintf(&body,
                         "# aksesd disposition: signed; any change to these bytes voids it\n"
                         "version: 1\nkind: disposition\nrequest: %s\ndigest: \"%s\"\nstep: %s\n"
                         "decision: %s\nactor: %s\n%stime: \"%s\"\nnonce: \"%s\"\n%s",
                         disp->request_id, digest, disp->step, decision_name(disp->decision), disp->actor, to,
                         when, nonce, note);
        if (n < 0)
                return -ENOMEM;
        crypto_sign_detached(disp->signature, NULL, (const unsigned char *)body, (unsigned long long)n, key->sk);
        char sig[89];
        sodium_bin2base64(sig, sizeof(sig), disp->signature, sizeof(disp->signature), sodium_base64_VARIANT_ORIGINAL);
        char *all = NULL;
        int m = asprintf(&all, "%s" SIG_PREFIX "%s\"\n", body, sig);
        free(body);
        if (m < 0)
                return -ENOMEM;
        disp->signed_len = (size_t)n;
        *ret = all;
        *ret_len = (size_t)m;
        return 0;
}
