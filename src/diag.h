/*
 * diag - located problems found in an input file.
 *
 * Parsers and validators never print: they add one diagnostic per problem
 * here, and the caller (aksesctl, the daemon's quarantine) decides where
 * the text goes.  A diagnostic reads "FILE:LINE:COL: field: message",
 * LINE and COL one-based, the convention of compilers and `nginx -t`.
 */
#ifndef AKSESD_DIAG_H
#define AKSESD_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct diag {
        unsigned line, col;     /* 0 when the problem has no position */
        char *text;             /* the whole formatted line, owned */
};

struct diag_list {
        struct diag *items;
        size_t n, cap;
        bool oom;               /* a diagnostic was lost to memory pressure */
};

void diag_init(struct diag_list *d);
void diag_free(struct diag_list *d);

/* Adds "file:line:col: field: message".  line/col are one-based; pass 0
 * for a problem about the file as a whole ("file: field: message"). */
void diag_add(struct diag_list *d, const char *file, unsigned line, unsigned col,
              const char *field, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

static inline size_t diag_count(const struct diag_list *d) { return d->n + (d->oom ? 1 : 0); }

/* Copies at most max_chars characters of untrusted text s (len bytes)
 * into out for quoting in a message: whole UTF-8 characters only, and
 * control characters written as \xHH, so that input can neither forge
 * a diagnostic line nor reach a terminal raw.  Returns out. */
const char *diag_snip(char *out, size_t outsize, const char *s, size_t len, size_t max_chars);

/* Sorts by position (stable) so output reads top to bottom. */
void diag_sort(struct diag_list *d);

/* Writes every diagnostic, one per line. */
void diag_print(const struct diag_list *d, FILE *out);

/* All diagnostics joined by newlines in a malloc'd string the caller frees;
 * NULL when out of memory. */
char *diag_join(const struct diag_list *d);

#endif
