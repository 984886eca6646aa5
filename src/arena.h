/*
 * arena - one owner for many small allocations.
 *
 * Parsed documents and policies are built from hundreds of small strings
 * and arrays that all live and die together; an arena frees them in one
 * call and makes a leak on an error path impossible.  Never put secrets
 * in an arena: it is plain heap memory and is not wiped.
 */
#ifndef AKSESD_ARENA_H
#define AKSESD_ARENA_H

#include <stddef.h>

struct arena;

/* Returns a new arena, or NULL when out of memory. */
struct arena *arena_new(void) __attribute__((warn_unused_result));
/* Frees the arena and everything allocated from it.  NULL is fine. */
void arena_free(struct arena *a);

/* Zeroed memory owned by the arena; NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size) __attribute__((warn_unused_result));
/* A NUL-terminated copy of len bytes of s, owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t len) __attribute__((warn_unused_result));
char *arena_strdup(struct arena *a, const char *s) __attribute__((warn_unused_result));
/* A formatted string owned by the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...)
        __attribute__((format(printf, 2, 3), warn_unused_result));

#endif
