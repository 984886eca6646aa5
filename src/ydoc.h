/*
 * ydoc - a YAML document read as hostile input.
 *
 * Debian's libyaml 0.2.5 has no nesting limit and accepts duplicate keys,
 * so documents are built here from libyaml's event API with our own caps
 * on depth, node count and scalar length.  Anchors, aliases, tags, complex
 * keys, duplicate keys and multiple documents are refused.  Every node
 * keeps its one-based line and column for located error messages.  The
 * tree holds strings only: typing is the validator's job (ycheck.h).
 */
#ifndef AKSESD_YDOC_H
#define AKSESD_YDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

struct ynode {
        enum ynode_kind kind;
        unsigned line, col;             /* one-based */
        bool plain;                     /* scalar written without quotes */
        const char *str;                /* scalar text, NUL-terminated */
        size_t len;                     /* scalar length (may hold no NUL) */
        size_t n;                       /* sequence items, or map pairs */
        struct ynode **items;           /* seq: n items; map: key,value x n */
};

struct ydoc_limits {
        size_t max_depth;               /* nested collections, root = 1 */
        size_t max_nodes;
        size_t max_scalar;              /* bytes */
};

struct ydoc;

/* Parses len bytes named `name` (for messages).  On success returns 0 and
 * a document in *ret that the caller frees with ydoc_free().  Bad input:
 * -EINVAL with every problem found added to d (parsing stops at the first
 * syntax error).  -ENOMEM when out of memory. */
int ydoc_parse(const char *name, const char *buf, size_t len,
               const struct ydoc_limits *lim, struct diag_list *d, struct ydoc **ret)
        __attribute__((warn_unused_result));

/* The root node; never NULL for a parsed document (an empty document is
 * refused). Owned by the document. */
const struct ynode *ydoc_root(const struct ydoc *doc);
void ydoc_free(struct ydoc *doc);

static inline const struct ynode *ynode_key(const struct ynode *map, size_t i) { return map->items[2 * i]; }
static inline const struct ynode *ynode_value(const struct ynode *map, size_t i) { return map->items[2 * i + 1]; }

/* The value for key in a map, or NULL (also when map is not a map). */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

/* "a mapping", "a sequence", "a string": for messages. */
const char *ynode_kind_name(const struct ynode *n);

#endif
