/*
 * ycheck - typed, located validation of ydoc trees; see ycheck.h.
 */
#include "ycheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void check_error(struct checker *c, const struct ynode *at, const char *field, const char *fmt, ...)
{
        char msg[768];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        diag_add(c->d, c->file, at ? at->line : 0, at ? at->col : 0, field, "%s", msg);
}

const char *path_key(char *out, const char *parent, const char *key)
{
        /* Top-level fields are named plainly: "roles", not "document.roles". */
        if (parent && strcmp(parent, "document") == 0)
                parent = NULL;
        snprintf(out, PATH_MAX_LEN, "%s%s%s", parent ? parent : "", parent && *parent ? "." : "", key);
        return out;
}

const char *path_index(char *out, const char *parent, size_t i)
{
        snprintf(out, PATH_MAX_LEN, "%s[%zu]", parent, i);
        return out;
}

static void expected(struct checker *c, const struct ynode *n, const char *path, const char *what)
{
        check_error(c, n, path, "expected %s, found %s", what, ynode_kind_name(n));
}

bool check_map(struct checker *c, const struct ynode *n, const char *path, const struct field_spec *spec)
{
        if (n->kind != YNODE_MAP) {
                expected(c, n, path, "a mapping");
                return false;
        }
        for (size_t i = 0; i < n->n; i++) {
                const struct ynode *k = ynode_key(n, i);
                bool known = false;
                for (const struct field_spec *s = spec; s->key; s++)
                        if (strlen(s->key) == k->len && memcmp(s->key, k->str, k->len) == 0)
                                known = true;
                if (known)
                        continue;
                char list[512] = "", p[PATH_MAX_LEN], key[160];
                size_t used = 0;
                for (const struct field_spec *s = spec; s->key && used < sizeof(list); s++) {
                        int r = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", s->key);
                        if (r > 0)
                                used += (size_t)r;
                }
                diag_snip(key, sizeof(key), k->str, k->len, 64);
                check_error(c, k, path_key(p, path, key), "unknown field (expected one of: %s)", list);
        }
        for (const struct field_spec *s = spec; s->key; s++) {
                if (s->required && !ynode_get(n, s->key)) {
                        char p[PATH_MAX_LEN];
                        check_error(c, n, path_key(p, path, s->key), "missing required field");
                }
        }
        return true;
}

bool check_seq(struct checker *c, const struct ynode *n, const char *path, size_t min, size_t max)
{
        if (n->kind != YNODE_SEQ) {
                expected(c, n, path, "a sequence");
                return false;
        }
        if (n->n < min) {
                check_error(c, n, path, "expected at least %zu item%s, found %zu", min, min == 1 ? "" : "s", n->n);
                return false;
        }
        if (n->n > max) {
                check_error(c, n, path, "expected at most %zu items, found %zu", max, n->n);
                return false;
        }
        return true;
}

/* Decodes one UTF-8 sequence (libyaml has already checked it is valid). */
static unsigned long utf8_next(const unsigned char *s, size_t len, size_t *i)
{
        unsigned char b = s[*i];
        int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : 0;
        unsigned long cp = extra == 3 ? b & 0x07u : extra == 2 ? b & 0x0Fu : extra == 1 ? b & 0x1Fu : b;
        (*i)++;
        for (int k = 0; k < extra && *i < len; k++, (*i)++)
                cp = (cp << 6) | (s[*i] & 0x3Fu);
        return cp;
}

const char *check_text(struct checker *c, const struct ynode *n, const char *path,
                       size_t max_chars, unsigned flags)
{
        if (n->kind != YNODE_SCALAR) {
                expected(c, n, path, "a string");
                return NULL;
        }
        if (n->len == 0 || (n->plain && n->len == 1 && n->str[0] == '~') ||
            (n->plain && n->len == 4 && memcmp(n->str, "null", 4) == 0)) {
                check_error(c, n, path, "expected a non-empty string");
                return NULL;
        }
        const unsigned char *s = (const unsigned char *)n->str;
        size_t chars = 0;
        for (size_t i = 0; i < n->len;) {
                unsigned long cp = utf8_next(s, n->len, &i);
                bool control = cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
                               cp == 0x2028 || cp == 0x2029;
                if (control && (flags & TEXT_MULTILINE) && (cp == '\n' || cp == '\t'))
                        control = false;
                if (control) {
                        check_error(c, n, path, "control character U+%04lX is not allowed here", cp);
                        return NULL;
                }
                chars++;
        }
        if (chars > max_chars) {
                check_error(c, n, path, "longer than %zu characters", max_chars);
                return NULL;
        }
        return arena_strndup(c->arena, n->str, n->len);
}

bool check_uint(struct checker *c, const struct ynode *n, const char *path,
                unsigned long min, unsigned long max, unsigned long *out)
{
        if (n->kind != YNODE_SCALAR) {
                expected(c, n, path, "a number");
                return false;
        }
        unsigned long v = 0;
        bool ok = n->plain && n->len > 0 && n->len <= 19;
        for (size_t i = 0; ok && i < n->len; i++) {
                if (n->str[i] < '0' || n->str[i] > '9')
                        ok = false;
                else
                        v = v * 10 + (unsigned long)(n->str[i] - '0');
        }
        if (!ok) {
                char found[200];
                check_error(c, n, path, "expected a whole number from %lu to %lu, found %s'%s'", min, max,
                            n->plain ? "" : "the quoted text ", diag_snip(found, sizeof(found), n->str, n->len, 40));
                return false;
        }
        if (v < min || v > max) {
                check_error(c, n, path, "expected a whole number from %lu to %lu, found %lu", min, max, v);
                return false;
        }
        *out = v;
        return true;
}

bool check_bool(struct checker *c, const struct ynode *n, const char *path, bool *out)
{
        if (n->kind == YNODE_SCALAR && n->plain) {
                if (strcmp(n->str, "true") == 0) {
                        *out = true;
                        return true;
                }
                if (strcmp(n->str, "false") == 0) {
                        *out = false;
                        return true;
                }
        }
        check_error(c, n, path, "expected true or false");
        return false;
}

bool check_enum(struct checker *c, const struct ynode *n, const char *path,
                const char *const *names, int *out)
{
        if (n->kind == YNODE_SCALAR) {
                for (int i = 0; names[i]; i++) {
                        if (strlen(names[i]) == n->len && memcmp(names[i], n->str, n->len) == 0) {
                                *out = i;
                                return true;
                        }
                }
        }
        char list[256] = "";
        size_t used = 0;
        for (int i = 0; names[i] && used < sizeof(list); i++) {
                int r = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
                if (r > 0)
                        used += (size_t)r;
        }
        char found[200];
        if (n->kind == YNODE_SCALAR)
                check_error(c, n, path, "expected one of: %s; found '%s'", list, diag_snip(found, sizeof(found), n->str, n->len, 40));
        else
                check_error(c, n, path, "expected one of: %s; found %s", list, ynode_kind_name(n));
        return false;
}

static int days_in_month(int year, int month)
{
        static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return month == 2 && leap ? 29 : days[month - 1];
}

bool ydate_parse(const char *s, size_t len, struct ydate *out)
{
        if (len != 10 || s[4] != '-' || s[7] != '-')
                return false;
        for (size_t i = 0; i < 10; i++)
                if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
                        return false;
        struct ydate d = {
                .year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'),
                .month = (s[5] - '0') * 10 + (s[6] - '0'),
                .day = (s[8] - '0') * 10 + (s[9] - '0'),
        };
        if (d.year < 1900 || d.month < 1 || d.month > 12 || d.day < 1 ||
            d.day > days_in_month(d.year, d.month))
                return false;
        *out = d;
        return true;
}

bool check_date(struct checker *c, const struct ynode *n, const char *path, struct ydate *out)
{
        if (n->kind != YNODE_SCALAR) {
                expected(c, n, path, "a date (YYYY-MM-DD)");
                return false;
        }
        if (!ydate_parse(n->str, n->len, out)) {
                char found[200];
                check_error(c, n, path, "expected a real calendar date written YYYY-MM-DD, found '%s'",
                            diag_snip(found, sizeof(found), n->str, n->len, 40));
                return false;
        }
        return true;
}

struct ydate ydate_of(time_t t)
{
        struct tm tm;
        localtime_r(&t, &tm);
        return (struct ydate){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
}

int ydate_cmp(struct ydate a, struct ydate b)
{
        if (a.year != b.year)
                return a.year < b.year ? -1 : 1;
        if (a.month != b.month)
                return a.month < b.month ? -1 : 1;
        if (a.day != b.day)
                return a.day < b.day ? -1 : 1;
        return 0;
}
