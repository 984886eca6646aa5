/*
 * ydoc - a YAML document read as hostile input; see ydoc.h.
 */
#include "ydoc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "arena.h"

struct ydoc {
        struct arena *arena;
        struct ynode *root;
};

struct frame {
        struct ynode *node;
        struct ynode **items;           /* malloc'd while the frame is open */
        size_t n, cap;
};

struct builder {
        const char *name;
        const char *buf;
        size_t len;
        const struct ydoc_limits *lim;
        struct diag_list *d;
        struct ydoc *doc;
        struct frame *stack;
        size_t depth;
        size_t nodes;
        bool failed;
};

const struct ynode *ydoc_root(const struct ydoc *doc)
{
        return doc->root;
}

void ydoc_free(struct ydoc *doc)
{
        if (!doc)
                return;
        arena_free(doc->arena);
        free(doc);
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
        if (!map || map->kind != YNODE_MAP)
                return NULL;
        size_t klen = strlen(key);
        for (size_t i = 0; i < map->n; i++) {
                const struct ynode *k = ynode_key(map, i);
                if (k->len == klen && memcmp(k->str, key, klen) == 0)
                        return ynode_value(map, i);
        }
        return NULL;
}

const char *ynode_kind_name(const struct ynode *n)
{
        switch (n->kind) {
        case YNODE_MAP: return "a mapping";
        case YNODE_SEQ: return "a sequence";
        case YNODE_SCALAR: break;
        }
        return "a string";
}

/* The dotted path of the place being parsed, for the "field" of a message:
 * "applicant.nip", "profiles[2]", or "document" at the top. */
static void current_path(const struct builder *b, char *out, size_t size)
{
        size_t used = 0;
        out[0] = '\0';
        for (size_t i = 0; i < b->depth; i++) {
                const struct frame *f = &b->stack[i];
                int r = 0;
                if (f->node->kind == YNODE_SEQ) {
                        r = snprintf(out + used, size - used, "[%zu]", f->n);
                } else if (f->n % 2 == 1) {
                        const struct ynode *k = f->items[f->n - 1];
                        char key[300];
                        r = snprintf(out + used, size - used, "%s%s", used ? "." : "",
                                     diag_snip(key, sizeof(key), k->str, k->len, 64));
                }
                if (r < 0 || (size_t)r >= size - used)
                        break;
                used += (size_t)r;
        }
        if (!out[0])
                snprintf(out, size, "document");
}

static void fail_at(struct builder *b, unsigned line, unsigned col, const char *fmt, const char *arg)
{
        char path[256];
        current_path(b, path, sizeof(path));
        diag_add(b->d, b->name, line, col, path, fmt, arg);
        b->failed = true;
}

static void fail_mark(struct builder *b, const yaml_mark_t *m, const char *fmt, const char *arg)
{
        fail_at(b, (unsigned)m->line + 1, (unsigned)m->column + 1, fmt, arg);
}

static struct ynode *new_node(struct builder *b, enum ynode_kind kind, const yaml_mark_t *m)
{
        if (++b->nodes > b->lim->max_nodes) {
                char lim[32];
                snprintf(lim, sizeof(lim), "%zu", b->lim->max_nodes);
                fail_mark(b, m, "too many YAML nodes (more than %s)", lim);
                return NULL;
        }
        struct ynode *n = arena_alloc(b->doc->arena, sizeof(*n));
        if (!n)
                return NULL;
        n->kind = kind;
        n->line = (unsigned)m->line + 1;
        n->col = (unsigned)m->column + 1;
        return n;
}

static bool same_scalar(const struct ynode *a, const struct ynode *b)
{
        return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

/* Attaches a finished node to the open collection (or makes it the root). */
static int attach(struct builder *b, struct ynode *n)
{
        if (b->depth == 0) {
                b->doc->root = n;
                return 0;
        }
        struct frame *f = &b->stack[b->depth - 1];
        if (f->node->kind == YNODE_MAP && f->n % 2 == 0) {
                if (n->kind != YNODE_SCALAR) {
                        fail_at(b, n->line, n->col, "%s", "mapping keys must be plain strings");
                        return -EINVAL;
                }
                for (size_t i = 0; i < f->n; i += 2) {
                        if (same_scalar(f->items[i], n)) {
                                char what[400], key[300];
                                snprintf(what, sizeof(what), "duplicate key '%s' (first at line %u, column %u)",
                                         diag_snip(key, sizeof(key), n->str, n->len, 64),
                                         f->items[i]->line, f->items[i]->col);
                                fail_at(b, n->line, n->col, "%s", what);
                                return -EINVAL;
                        }
                }
        }
        if (f->n == f->cap) {
                size_t cap = f->cap ? f->cap * 2 : 8;
                struct ynode **items = realloc(f->items, cap * sizeof(*items));
                if (!items)
                        return -ENOMEM;
                f->items = items;
                f->cap = cap;
        }
        f->items[f->n++] = n;
        return 0;
}

static int open_collection(struct builder *b, enum ynode_kind kind, const yaml_event_t *ev,
                           const yaml_char_t *anchor, const yaml_char_t *tag)
{
        if (anchor) {
                fail_mark(b, &ev->start_mark, "%s", "YAML anchors are not allowed");
                return -EINVAL;
        }
        if (tag) {
                fail_mark(b, &ev->start_mark, "%s", "YAML tags are not allowed");
                return -EINVAL;
        }
        if (b->depth >= b->lim->max_depth) {
                char lim[32];
                snprintf(lim, sizeof(lim), "%zu", b->lim->max_depth);
                fail_mark(b, &ev->start_mark, "nesting deeper than this format allows (%s levels)", lim);
                return -EINVAL;
        }
        struct ynode *n = new_node(b, kind, &ev->start_mark);
        if (!n)
                return b->failed ? -EINVAL : -ENOMEM;
        /* A collection cannot be a key; say so before descending into it. */
        if (b->depth > 0) {
                struct frame *p = &b->stack[b->depth - 1];
                if (p->node->kind == YNODE_MAP && p->n % 2 == 0) {
                        fail_at(b, n->line, n->col, "%s", "mapping keys must be plain strings");
                        return -EINVAL;
                }
        }
        b->stack[b->depth++] = (struct frame){ .node = n };
        return 0;
}

static int close_collection(struct builder *b)
{
        struct frame f = b->stack[--b->depth];
        struct ynode *n = f.node;
        n->n = n->kind == YNODE_MAP ? f.n / 2 : f.n;
        if (f.n > 0) {
                n->items = arena_alloc(b->doc->arena, f.n * sizeof(*n->items));
                if (!n->items) {
                        free(f.items);
                        return -ENOMEM;
                }
                memcpy(n->items, f.items, f.n * sizeof(*n->items));
        }
        free(f.items);
        return attach(b, n);
}

static int add_scalar(struct builder *b, const yaml_event_t *ev)
{
        const yaml_char_t *anchor = ev->data.scalar.anchor, *tag = ev->data.scalar.tag;
        size_t length = ev->data.scalar.length;
        if (anchor) {
                fail_mark(b, &ev->start_mark, "%s", "YAML anchors are not allowed");
                return -EINVAL;
        }
        if (tag) {
                fail_mark(b, &ev->start_mark, "%s", "YAML tags are not allowed");
                return -EINVAL;
        }
        if (length > b->lim->max_scalar) {
                char lim[32];
                snprintf(lim, sizeof(lim), "%zu", b->lim->max_scalar);
                fail_mark(b, &ev->start_mark, "value longer than %s bytes", lim);
                return -EINVAL;
        }
        struct ynode *n = new_node(b, YNODE_SCALAR, &ev->start_mark);
        if (!n)
                return b->failed ? -EINVAL : -ENOMEM;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n->len = length;
        n->str = arena_strndup(b->doc->arena, (const char *)ev->data.scalar.value, length);
        if (!n->str)
                return -ENOMEM;
        return attach(b, n);
}

/* libyaml's reader reports a byte offset, not a mark: turn it into one. */
static void offset_to_mark(const char *buf, size_t len, size_t off, unsigned *line, unsigned *col)
{
        *line = 1;
        *col = 1;
        for (size_t i = 0; i < off && i < len; i++) {
                if (buf[i] == '\n') {
                        (*line)++;
                        *col = 1;
                } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
                        (*col)++;
                }
        }
}

static void syntax_error(struct builder *b, const yaml_parser_t *p)
{
        char msg[320];
        const char *problem = p->problem ? p->problem : "malformed YAML";
        if (p->error == YAML_READER_ERROR) {
                unsigned line, col;
                offset_to_mark(b->buf, b->len, p->problem_offset, &line, &col);
                if (p->problem_value != -1)
                        snprintf(msg, sizeof(msg), "%s (byte 0x%02X): expected UTF-8 text",
                                 problem, (unsigned)p->problem_value & 0xFF);
                else
                        snprintf(msg, sizeof(msg), "%s: expected UTF-8 text", problem);
                fail_at(b, line, col, "%s", msg);
                return;
        }
        if (p->context)
                snprintf(msg, sizeof(msg), "%s %s", p->context, problem);
        else
                snprintf(msg, sizeof(msg), "%s", problem);
        fail_mark(b, &p->problem_mark, "%s", msg);
}

static int build(struct builder *b, yaml_parser_t *p)
{
        size_t documents = 0;
        for (;;) {
                yaml_event_t ev;
                if (!yaml_parser_parse(p, &ev)) {
                        if (p->error == YAML_MEMORY_ERROR)
                                return -ENOMEM;
                        syntax_error(b, p);
                        return -EINVAL;
                }
                int r = 0;
                bool done = false;
                switch (ev.type) {
                case YAML_DOCUMENT_START_EVENT:
                        if (++documents > 1) {
                                fail_mark(b, &ev.start_mark, "%s", "only one YAML document is allowed per file");
                                r = -EINVAL;
                        } else if (ev.data.document_start.tag_directives.start !=
                                   ev.data.document_start.tag_directives.end) {
                                fail_mark(b, &ev.start_mark, "%s", "YAML %TAG directives are not allowed");
                                r = -EINVAL;
                        }
                        break;
                case YAML_MAPPING_START_EVENT:
                        r = open_collection(b, YNODE_MAP, &ev, ev.data.mapping_start.anchor,
                                            ev.data.mapping_start.tag);
                        break;
                case YAML_SEQUENCE_START_EVENT:
                        r = open_collection(b, YNODE_SEQ, &ev, ev.data.sequence_start.anchor,
                                            ev.data.sequence_start.tag);
                        break;
                case YAML_MAPPING_END_EVENT:
                case YAML_SEQUENCE_END_EVENT:
                        r = close_collection(b);
                        break;
                case YAML_SCALAR_EVENT:
                        r = add_scalar(b, &ev);
                        break;
                case YAML_ALIAS_EVENT:
                        fail_mark(b, &ev.start_mark, "%s", "YAML aliases are not allowed");
                        r = -EINVAL;
                        break;
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                default:
                        break;
                }
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                if (done)
                        return 0;
        }
}

/* libyaml takes a lone CR, NEL (U+0085) and U+2028/U+2029 as line
 * breaks: inside a quoted value they would be folded away unseen, and
 * every later line number would be off.  Refuse them before parsing. */
static bool refuse_odd_breaks(const char *name, const char *buf, size_t len, struct diag_list *d)
{
        unsigned line = 1, col = 1;
        for (size_t i = 0; i < len; i++) {
                const unsigned char *u = (const unsigned char *)buf + i;
                const char *what = NULL;
                if (u[0] == '\r' && (i + 1 >= len || u[1] != '\n'))
                        what = "a carriage return (CR) not followed by a line feed";
                else if (u[0] == 0xC2 && i + 1 < len && u[1] == 0x85)
                        what = "the control character U+0085 (NEL)";
                else if (u[0] == 0xE2 && i + 2 < len && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
                        what = u[2] == 0xA8 ? "U+2028 (LINE SEPARATOR)" : "U+2029 (PARAGRAPH SEPARATOR)";
                if (what) {
                        diag_add(d, name, line, col, "document", "%s is not allowed: expected lines ending in LF", what);
                        return true;
                }
                if (u[0] == '\n') {
                        line++;
                        col = 1;
                } else if ((u[0] & 0xC0) != 0x80) {
                        col++;
                }
        }
        return false;
}

int ydoc_parse(const char *name, const char *buf, size_t len,
               const struct ydoc_limits *lim, struct diag_list *d, struct ydoc **ret)
{
        if (refuse_odd_breaks(name, buf, len, d))
                return -EINVAL;
        struct builder b = { .name = name, .buf = buf, .len = len, .lim = lim, .d = d };
        int r = -ENOMEM;
        yaml_parser_t parser;
        bool parser_ok = false;

        b.doc = calloc(1, sizeof(*b.doc));
        if (!b.doc)
                goto out;
        b.doc->arena = arena_new();
        b.stack = calloc(lim->max_depth + 1, sizeof(*b.stack));
        if (!b.doc->arena || !b.stack)
                goto out;
        if (!yaml_parser_initialize(&parser))
                goto out;
        parser_ok = true;
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
        yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

        r = build(&b, &parser);
        if (r == 0 && !b.doc->root) {
                diag_add(d, name, 1, 1, "document", "the file is empty: expected a YAML mapping");
                r = -EINVAL;
        }
out:
        if (parser_ok)
                yaml_parser_delete(&parser);
        while (b.depth > 0)
                free(b.stack[--b.depth].items);
        free(b.stack);
        if (r < 0) {
                ydoc_free(b.doc);
                return r;
        }
        *ret = b.doc;
        return 0;
}
