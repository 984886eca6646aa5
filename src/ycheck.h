/*
 * ycheck - typed, located validation of ydoc trees.
 *
 * The helpers check one node each against what the format expects and
 * add a located diagnostic ("FILE:LINE:COL: field: message") when it is
 * not that.  They keep going after a problem so that one run reports
 * everything wrong with a file.  Strings that pass are copied into the
 * checker's arena, so the result outlives the YAML document.
 */
#ifndef AKSESD_YCHECK_H
#define AKSESD_YCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "arena.h"
#include "diag.h"
#include "ydoc.h"

struct checker {
        const char *file;
        struct diag_list *d;
        struct arena *arena;
};

struct field_spec {
        const char *key;
        bool required;
};

struct ydate {
        int year, month, day;
};

#define PATH_MAX_LEN 400

void check_error(struct checker *c, const struct ynode *at, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* "parent.key" / "parent[i]" into out (size PATH_MAX_LEN). */
const char *path_key(char *out, const char *parent, const char *key);
const char *path_index(char *out, const char *parent, size_t i);

/* True when n is a mapping; then every key must be in spec (a list ended
 * by a NULL key) and every required one present.  Problems are reported
 * either way. */
bool check_map(struct checker *c, const struct ynode *n, const char *path, const struct field_spec *spec);

/* A sequence of min..max items. */
bool check_seq(struct checker *c, const struct ynode *n, const char *path, size_t min, size_t max);

enum {
        TEXT_MULTILINE = 1 << 0,        /* newlines and tabs allowed */
};
/* A string of 1..max_chars characters without control characters; an
 * arena copy, or NULL after reporting the problem. */
const char *check_text(struct checker *c, const struct ynode *n, const char *path,
                       size_t max_chars, unsigned flags);

/* A plain decimal integer in [min, max]. */
bool check_uint(struct checker *c, const struct ynode *n, const char *path,
                unsigned long min, unsigned long max, unsigned long *out);

/* Plain true or false. */
bool check_bool(struct checker *c, const struct ynode *n, const char *path, bool *out);

/* One of names (NULL-terminated); *out is its index. */
bool check_enum(struct checker *c, const struct ynode *n, const char *path,
                const char *const *names, int *out);

/* A calendar date written YYYY-MM-DD that exists. */
bool check_date(struct checker *c, const struct ynode *n, const char *path, struct ydate *out);

bool ydate_parse(const char *s, size_t len, struct ydate *out);
/* The local calendar date of t. */
struct ydate ydate_of(time_t t);
int ydate_cmp(struct ydate a, struct ydate b);

#endif
