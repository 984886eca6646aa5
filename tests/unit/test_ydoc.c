/* Unit tests for ydoc: the hostile-input YAML loader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "ydoc.h"

static const struct ydoc_limits lim = { .max_depth = 4, .max_nodes = 100, .max_scalar = 64 };

/* Parses s; returns the result code and leaves the first diagnostic in msg. */
static int parse(const char *s, size_t len, char *msg, size_t msglen, struct ydoc **doc)
{
        struct diag_list d;
        diag_init(&d);
        struct ydoc *tmp = NULL;
        int r = ydoc_parse("t.yaml", s, len, &lim, &d, doc ? doc : &tmp);
        snprintf(msg, msglen, "%s", d.n ? d.items[0].text : "");
        diag_free(&d);
        if (!doc)
                ydoc_free(tmp);
        return r;
}

static void test_builds_tree_with_positions(void **state)
{
        (void)state;
        const char *s = "a: 1\nb:\n  - x\n  - 'y'\nc: {d: e}\n";
        char msg[256];
        struct ydoc *doc = NULL;
        assert_int_equal(parse(s, strlen(s), msg, sizeof(msg), &doc), 0);
        const struct ynode *root = ydoc_root(doc);
        assert_int_equal(root->kind, YNODE_MAP);
        assert_int_equal(root->n, 3);
        const struct ynode *b = ynode_get(root, "b");
        assert_non_null(b);
        assert_int_equal(b->kind, YNODE_SEQ);
        assert_int_equal(b->n, 2);
        assert_string_equal(b->items[1]->str, "y");
        assert_false(b->items[1]->plain);
        assert_true(b->items[0]->plain);
        assert_int_equal(b->items[1]->line, 4);
        assert_int_equal(b->items[1]->col, 5);
        assert_string_equal(ynode_get(ynode_get(root, "c"), "d")->str, "e");
        assert_null(ynode_get(root, "missing"));
        ydoc_free(doc);
}

static void test_refuses_duplicate_keys(void **state)
{
        (void)state;
        char msg[256];
        const char *s = "a: 1\nb:\n  x: 1\n  x: 2\n";
        assert_int_equal(parse(s, strlen(s), msg, sizeof(msg), NULL), -EINVAL);
        assert_string_equal(msg, "t.yaml:4:3: b: duplicate key 'x' (first at line 3, column 3)");
}

static void test_refuses_anchor_alias_and_tag(void **state)
{
        (void)state;
        char msg[256];
        const char *anchor = "a: &x 1\n";
        assert_int_equal(parse(anchor, strlen(anchor), msg, sizeof(msg), NULL), -EINVAL);
        assert_string_equal(msg, "t.yaml:1:4: a: YAML anchors are not allowed");
        const char *alias = "a: [1]\nb: *x\n";
        assert_int_equal(parse(alias, strlen(alias), msg, sizeof(msg), NULL), -EINVAL);
        assert_non_null(strstr(msg, "t.yaml:2:4: b:"));
        const char *tag = "a: !!int 1\n";
        assert_int_equal(parse(tag, strlen(tag), msg, sizeof(msg), NULL), -EINVAL);
        assert_string_equal(msg, "t.yaml:1:4: a: YAML tags are not allowed");
}

static void test_deep_nesting_is_cheap_and_refused(void **state)
{
        (void)state;
        /* libyaml 0.2.5 has no depth limit: a million brackets must still
         * be refused at our limit, without walking the rest. */
        size_t n = 1000000;
        char *s = malloc(n);
        assert_non_null(s);
        memset(s, '[', n);
        char msg[256];
        clock_t t0 = clock();
        assert_int_equal(parse(s, n, msg, sizeof(msg), NULL), -EINVAL);
        double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
        assert_non_null(strstr(msg, "t.yaml:1:5: "));
        assert_non_null(strstr(msg, "nesting deeper than this format allows (4 levels)"));
        assert_true(secs < 5.0);        /* guards against an O(n) parse creeping in */
        free(s);
}

static void test_caps_nodes_and_scalars(void **state)
{
        (void)state;
        char msg[256];
        char big[200];
        snprintf(big, sizeof(big), "a: %0100d\n", 0);
        assert_int_equal(parse(big, strlen(big), msg, sizeof(msg), NULL), -EINVAL);
        assert_string_equal(msg, "t.yaml:1:4: a: value longer than 64 bytes");

        char many[1200] = "[";
        for (int i = 0; i < 150; i++)
                strcat(many, "1, ");
        strcat(many, "1]");
        assert_int_equal(parse(many, strlen(many), msg, sizeof(msg), NULL), -EINVAL);
        assert_non_null(strstr(msg, "too many YAML nodes (more than 100)"));
}

static void test_refuses_invalid_utf8_with_location(void **state)
{
        (void)state;
        char msg[256];
        const char s[] = "a: ok\nb: x\xC3\x28\n";
        assert_int_equal(parse(s, sizeof(s) - 1, msg, sizeof(msg), NULL), -EINVAL);
        /* The column of the offending byte: 0x28 follows a lead byte 0xC3. */
        assert_non_null(strstr(msg, "t.yaml:2:6: "));
        assert_non_null(strstr(msg, "invalid trailing UTF-8 octet (byte 0x28): expected UTF-8 text"));
}

static void test_refuses_empty_and_multiple_documents(void **state)
{
        (void)state;
        char msg[256];
        assert_int_equal(parse("", 0, msg, sizeof(msg), NULL), -EINVAL);
        assert_string_equal(msg, "t.yaml:1:1: document: the file is empty: expected a YAML mapping");
        const char *two = "a: 1\n---\nb: 2\n";
        assert_int_equal(parse(two, strlen(two), msg, sizeof(msg), NULL), -EINVAL);
        assert_string_equal(msg, "t.yaml:2:1: document: only one YAML document is allowed per file");
}

static void test_refuses_complex_keys(void **state)
{
        (void)state;
        char msg[256];
        const char *s = "? [a, b]\n: c\n";
        assert_int_equal(parse(s, strlen(s), msg, sizeof(msg), NULL), -EINVAL);
        assert_non_null(strstr(msg, "mapping keys must be plain strings"));
}

static void test_scalar_keeps_embedded_nul_length(void **state)
{
        (void)state;
        char msg[256];
        struct ydoc *doc = NULL;
        const char *s = "a: \"x\\0y\"\n";
        assert_int_equal(parse(s, strlen(s), msg, sizeof(msg), &doc), 0);
        const struct ynode *a = ynode_get(ydoc_root(doc), "a");
        assert_int_equal(a->len, 3);     /* validators see the NUL, not a short string */
        ydoc_free(doc);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_builds_tree_with_positions),
                cmocka_unit_test(test_refuses_duplicate_keys),
                cmocka_unit_test(test_refuses_anchor_alias_and_tag),
                cmocka_unit_test(test_deep_nesting_is_cheap_and_refused),
                cmocka_unit_test(test_caps_nodes_and_scalars),
                cmocka_unit_test(test_refuses_invalid_utf8_with_location),
                cmocka_unit_test(test_refuses_empty_and_multiple_documents),
                cmocka_unit_test(test_refuses_complex_keys),
                cmocka_unit_test(test_scalar_keeps_embedded_nul_length),
        };
        return cmocka_run_group_tests_name("ydoc", tests, NULL, NULL);
}
