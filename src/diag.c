/*
 * diag - located problems found in an input file; see diag.h.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag_list *d)
{
        memset(d, 0, sizeof(*d));
}

void diag_free(struct diag_list *d)
{
        for (size_t i = 0; i < d->n; i++)
                free(d->items[i].text);
        free(d->items);
        memset(d, 0, sizeof(*d));
}

void diag_add(struct diag_list *d, const char *file, unsigned line, unsigned col,
              const char *field, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 8;
                struct diag *items = realloc(d->items, cap * sizeof(*items));
                if (!items) {
                        d->oom = true;
                        return;
                }
                d->items = items;
                d->cap = cap;
        }

        char *text;
        int r;
        if (line > 0)
                r = asprintf(&text, "%s:%u:%u: %s: %s", file, line, col, field, msg);
        else
                r = asprintf(&text, "%s: %s: %s", file, field, msg);
        if (r < 0) {
                d->oom = true;
                return;
        }
        d->items[d->n++] = (struct diag){ .line = line, .col = col, .text = text };
}

void diag_sort(struct diag_list *d)
{
        /* Insertion sort: stable, and lists are short. */
        for (size_t i = 1; i < d->n; i++) {
                struct diag x = d->items[i];
                size_t j = i;
                while (j > 0 && (d->items[j - 1].line > x.line ||
                                 (d->items[j - 1].line == x.line && d->items[j - 1].col > x.col))) {
                        d->items[j] = d->items[j - 1];
                        j--;
                }
                d->items[j] = x;
        }
}

void diag_print(const struct diag_list *d, FILE *out)
{
        for (size_t i = 0; i < d->n; i++)
                fprintf(out, "%s\n", d->items[i].text);
        if (d->oom)
                fprintf(out, "(further problems were lost: out of memory)\n");
}

char *diag_join(const struct diag_list *d)
{
        size_t len = 1;
        for (size_t i = 0; i < d->n; i++)
                len += strlen(d->items[i].text) + 1;
        char *s = malloc(len), *p = s;
        if (!s)
                return NULL;
        for (size_t i = 0; i < d->n; i++) {
                size_t l = strlen(d->items[i].text);
                memcpy(p, d->items[i].text, l);
                p[l] = '\n';
                p += l + 1;
        }
        *p = '\0';
        return s;
}

const char *diag_snip(char *out, size_t outsize, const char *s, size_t len, size_t max_chars)
{
        size_t o = 0, chars = 0;
        const unsigned char *u = (const unsigned char *)s;
        for (size_t i = 0; i < len && chars < max_chars;) {
                unsigned char b = u[i];
                size_t n = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
                bool control = b < 0x20 || b == 0x7F || (b == 0xC2 && i + 1 < len && u[i + 1] < 0xA0);
                if (control || n > len - i || (n == 1 && b >= 0x80)) {
                        size_t k = control && b == 0xC2 ? 2 : 1;
                        for (size_t j = 0; j < k; j++) {
                                if (o + 5 > outsize)
                                        goto done;
                                o += (size_t)snprintf(out + o, outsize - o, "\\x%02X", u[i + j]);
                        }
                        i += k;
                } else {
                        if (o + n + 1 > outsize)
                                goto done;
                        memcpy(out + o, s + i, n);
                        o += n;
                        i += n;
                }
                chars++;
        }
done:
        out[o] = '\0';
        return out;
}
