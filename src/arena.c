/*
 * arena - bump allocator in chained blocks; see arena.h.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 16384

struct block {
        struct block *next;
        size_t used, size;
        max_align_t data[];
};

struct arena {
        struct block *head;
};

struct arena *arena_new(void)
{
        return calloc(1, sizeof(struct arena));
}

void arena_free(struct arena *a)
{
        if (!a)
                return;
        struct block *b = a->head;
        while (b) {
                struct block *next = b->next;
                free(b);
                b = next;
        }
        free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
        const size_t align = sizeof(max_align_t);
        size = (size + align - 1) / align * align;
        if (size == 0)
                size = align;
        struct block *b = a->head;
        if (!b || b->size - b->used < size) {
                size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
                b = malloc(sizeof(*b) + cap);
                if (!b)
                        return NULL;
                b->size = cap;
                b->used = 0;
                /* A large allocation gets its own block behind the current
                 * one, so the current block's free space is not wasted. */
                if (a->head && size > ARENA_BLOCK) {
                        b->next = a->head->next;
                        a->head->next = b;
                } else {
                        b->next = a->head;
                        a->head = b;
                }
        }
        void *p = (char *)b->data + b->used;
        b->used += size;
        memset(p, 0, size);
        return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
        if (len == SIZE_MAX)
                return NULL;
        char *p = arena_alloc(a, len + 1);
        if (!p)
                return NULL;
        memcpy(p, s, len);
        p[len] = '\0';
        return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
        return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return NULL;
        char *p = arena_alloc(a, (size_t)n + 1);
        if (!p)
                return NULL;
        va_start(ap, fmt);
        vsnprintf(p, (size_t)n + 1, fmt, ap);
        va_end(ap);
        return p;
}
