/* Unit tests for period: the period report (laporan berkala) over a small
 * set of request states built by hand, compared byte for byte with the
 * golden files in tests/golden/period/.
 *
 * After a deliberate change to the report, regenerate the golden files
 * with
 *     UPDATE_GOLDEN=1 build/tests/test_period
 * (from the repository root), which writes them instead of comparing,
 * then read every changed figure again before committing them: the
 * golden files are the hand-checked answer, not whatever the code says. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "period.h"
#include "policy.h"
#include "state.h"

#define GOLDEN_DIR "tests/golden/period/"

static struct policy *policy;

/* 2026-12-01T00:00:00Z; the tests run with TZ=UTC. */
static const time_t DEC1 = 1796083200;

static time_t at(int day, int h, int m, int s)
{
        return DEC1 + (time_t)(day - 1) * 86400 + h * 3600 + m * 60 + s;
}

static int setup(void **state)
{
        (void)state;
        setenv("TZ", "UTC", 1);
        tzset();
        struct diag_list d;
        diag_init(&d);
        int r = policy_load("conf/policy.example.yaml", &d, &policy);
        diag_print(&d, stderr);
        diag_free(&d);
        return r;
}

static int teardown(void **state)
{
        (void)state;
        policy_free(policy);
        return 0;
}

/* --- building states --------------------------------------------------- */

static struct req_state *new_req(struct req_state *st, const char *id, enum request_kind kind, const char *skpd,
                                 time_t received)
{
        memset(st, 0, sizeof(*st));
        snprintf(st->id, sizeof(st->id), "%s", id);
        st->kind = kind;
        snprintf(st->skpd, sizeof(st->skpd), "%s", skpd);
        st->received = received;
        st->status = STATUS_OPEN;
        st->step = 0;
        st->step_started = received;
        return st;
}

/* A disposition at step, accepted at `when`; moves the state on the way
 * chain_apply does (the activate step waits for the executor). */
static void disp(struct req_state *st, unsigned step, enum decision dec, const char *actor, const char *to,
                 time_t when)
{
        struct history_entry *h = &st->history[st->n_history++];
        memset(h, 0, sizeof(*h));
        h->step = step;
        h->decision = dec;
        snprintf(h->actor, sizeof(h->actor), "%s", actor);
        snprintf(h->to, sizeof(h->to), "%s", to ? to : "");
        h->signed_at = when - 30;
        h->accepted_at = when;
        if (dec == DECISION_REJECT) {
                st->status = STATUS_REJECTED;
                return;
        }
        if (to)
                snprintf(st->forward_to, sizeof(st->forward_to), "%s", to);
        const struct step *s = &policy->workflows[st->kind].steps[step];
        if (s->action == ACTION_ACTIVATE) {
                st->activation_due = true;
                return;
        }
        st->step = step + 1;
        st->step_started = when;
}

/* The executor's one pass: activation, handover, report, done. */
static void finish(struct req_state *st, time_t when)
{
        st->status = STATUS_DONE;
        st->activation_due = false;
        st->step = (unsigned)policy->workflows[st->kind].n_steps - 1;
        st->step_started = when;
}

/* The known set.  In the period 2026-12-01 .. 2026-12-07 (8 requests):
 *   1 BAPPEDA     done, every step within standard
 *   2 BAPPEDA     done, verifikasi took 40 minutes; it updated an existing account
 *   3 BAPPEDA     rejected at verifikasi
 *   4 BAPPEDA     open at disposisi (super_admin), breached, overdue
 *   5 BKPSDM      done, verifikasi exactly 15:00 (within)
 *   7 -           superadmin-rotate (Procedure 1), done
 *   8 DISKOMINFO  failed at aktivasi (directory conflict)
 *  10 DISKOMINFO  open at disposisi, in time (verifikasi took overnight)
 * Outside: 6 received 2026-11-30 23:59:59, 9 received 2026-12-08 00:00:00. */
static size_t known_set(struct req_state *s)
{
        struct req_state *st;
        size_t n = 0;

        st = new_req(&s[n++], "REQ-20261201-000001", KIND_SKPD_ACCESS, "BAPPEDA", at(1, 9, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(1, 9, 5, 0));
        disp(st, 1, DECISION_APPROVE, "rina.wulandari", "agus.pratama", at(1, 9, 12, 0));
        disp(st, 2, DECISION_APPROVE, "agus.pratama", NULL, at(1, 9, 20, 0));
        finish(st, at(1, 9, 21, 30));

        st = new_req(&s[n++], "REQ-20261202-000002", KIND_SKPD_ACCESS, "BAPPEDA", at(2, 10, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(2, 10, 40, 0));
        disp(st, 1, DECISION_APPROVE, "rina.wulandari", "agus.pratama", at(2, 10, 50, 0));
        disp(st, 2, DECISION_APPROVE, "agus.pratama", NULL, at(2, 10, 55, 0));
        finish(st, at(2, 10, 58, 0));
        st->account = ACCOUNT_UPDATED;  /* an account changed, not activated */

        st = new_req(&s[n++], "REQ-20261203-000003", KIND_SKPD_ACCESS, "BAPPEDA", at(3, 8, 0, 0));
        disp(st, 0, DECISION_REJECT, "budi.santoso", NULL, at(3, 8, 3, 0));
        snprintf(st->reason, sizeof(st->reason), "surat permohonan belum ditandatangani");

        st = new_req(&s[n++], "REQ-20261204-000004", KIND_SKPD_ACCESS, "BAPPEDA", at(4, 13, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(4, 13, 10, 0));
        st->breached = true;

        st = new_req(&s[n++], "REQ-20261205-000005", KIND_SKPD_ACCESS, "BKPSDM", at(5, 8, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(5, 8, 15, 0));
        disp(st, 1, DECISION_APPROVE, "rina.wulandari", "agus.pratama", at(5, 8, 20, 0));
        disp(st, 2, DECISION_APPROVE, "agus.pratama", NULL, at(5, 8, 30, 0));
        finish(st, at(5, 8, 31, 0));

        st = new_req(&s[n++], "REQ-20261130-000006", KIND_SKPD_ACCESS, "BAPPEDA", at(1, 0, 0, 0) - 1);
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(1, 0, 10, 0));
        disp(st, 1, DECISION_APPROVE, "rina.wulandari", "agus.pratama", at(1, 0, 20, 0));
        disp(st, 2, DECISION_APPROVE, "agus.pratama", NULL, at(1, 0, 30, 0));
        finish(st, at(1, 0, 31, 0));

        st = new_req(&s[n++], "REQ-20261205-000007", KIND_SUPERADMIN_ROTATE, "", at(5, 14, 0, 0));
        disp(st, 0, DECISION_APPROVE, "rina.wulandari", NULL, at(5, 14, 6, 0));
        finish(st, at(5, 14, 6, 20));

        st = new_req(&s[n++], "REQ-20261206-000008", KIND_SKPD_ACCESS, "DISKOMINFO", at(6, 9, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(6, 9, 4, 0));
        disp(st, 1, DECISION_APPROVE, "rina.wulandari", "agus.pratama", at(6, 9, 9, 0));
        disp(st, 2, DECISION_APPROVE, "agus.pratama", NULL, at(6, 9, 15, 0));
        st->status = STATUS_FAILED;
        st->activation_due = false;
        snprintf(st->reason, sizeof(st->reason), "directory conflict: uid exists");

        st = new_req(&s[n++], "REQ-20261208-000009", KIND_SKPD_ACCESS, "BKPSDM", at(8, 0, 0, 0));

        st = new_req(&s[n++], "REQ-20261207-000010", KIND_SKPD_ACCESS, "DISKOMINFO", at(7, 16, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(8, 8, 50, 0));
        return n;
}

static struct period_query week(enum period_format fmt, enum language lang)
{
        return (struct period_query){ .from = at(1, 0, 0, 0), .to = at(8, 0, 0, 0), .skpd = NULL, .format = fmt,
                                      .lang = lang, .now = at(8, 9, 0, 0) };
}

/* --- running and comparing ------------------------------------------------ */

static char *render(const struct req_state *s, size_t n, const struct period_query *q)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        int r = period_report(f, policy, s, n, q);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(r, 0);
        assert_non_null(buf);
        assert_int_equal(strlen(buf), len);
        return buf;
}

static void golden(const char *name, const char *got)
{
        char path[256];
        snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
        if (getenv("UPDATE_GOLDEN")) {
                FILE *f = fopen(path, "w");
                assert_non_null(f);
                assert_int_equal(fwrite(got, 1, strlen(got), f), strlen(got));
                assert_int_equal(fclose(f), 0);
                print_message("wrote %s\n", path);
                return;
        }
        FILE *f = fopen(path, "r");
        if (!f)
                fail_msg("%s: %s (run with UPDATE_GOLDEN=1 to write it)", path, strerror(errno));
        static char want[65536];
        size_t len = fread(want, 1, sizeof(want) - 1, f);
        fclose(f);
        want[len] = '\0';
        if (strcmp(want, got) == 0)
                return;
        /* Say where: the first line that differs. */
        size_t line = 1, i = 0;
        for (; want[i] && want[i] == got[i]; i++)
                line += want[i] == '\n';
        size_t start = i;
        while (start > 0 && want[start - 1] != '\n')
                start--;
        fail_msg("%s differs at line %zu:\nwant: %.120s\ngot:  %.120s", path, line, want + start, got + start);
}

/* --- structural checks ------------------------------------------------------ */

static bool name_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == ':';
}

/* Entities allowed: the five an XML parser knows without a DTD (&#39;
 * for the apostrophe) and numeric references. */
static bool entity_ok(const char *s)
{
        static const char *const known[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                if (strncmp(s, known[i], strlen(known[i])) == 0)
                        return true;
        if (s[1] != '#')
                return false;
        size_t k = 2;
        while (s[k] >= '0' && s[k] <= '9')
                k++;
        return k > 2 && s[k] == ';';
}

/* A cheap well-formedness check (what `xmllint --noout` would say, for
 * what the report can contain): one root html element after the doctype,
 * every tag closed in order, attributes quoted, '<' only as markup, '&'
 * only as an entity. */
static void assert_well_formed(const char *html)
{
        const char *doctype = "<!DOCTYPE html>\n";
        assert_memory_equal(html, doctype, strlen(doctype));
        char stack[64][16];
        size_t depth = 0, roots = 0;
        for (const char *s = html + strlen(doctype); *s;) {
                if (*s == '&') {
                        if (!entity_ok(s))
                                fail_msg("bad entity at: %.40s", s);
                        s++;
                        continue;
                }
                if (*s != '<') {
                        s++;
                        continue;
                }
                if (s[1] == '/') {
                        const char *n = s + 2, *e = n;
                        while (name_char(*e))
                                e++;
                        if (*e != '>' || depth == 0 || strlen(stack[depth - 1]) != (size_t)(e - n) ||
                            strncmp(stack[depth - 1], n, (size_t)(e - n)) != 0)
                                fail_msg("unbalanced close tag at: %.40s", s);
                        depth--;
                        s = e + 1;
                        continue;
                }
                const char *n = s + 1, *e = n;
                while (name_char(*e))
                        e++;
                if (e == n)
                        fail_msg("'<' that is not a tag at: %.40s", s);
                size_t name_len = (size_t)(e - n);
                if (depth == 0) {
                        roots++;
                        assert_true(name_len == 4 && strncmp(n, "html", 4) == 0);
                }
                /* attributes: name="value" */
                for (;;) {
                        while (*e == ' ' || *e == '\n')
                                e++;
                        if (*e == '>' || (e[0] == '/' && e[1] == '>'))
                                break;
                        const char *a = e;
                        while (name_char(*e))
                                e++;
                        if (e == a || e[0] != '=' || e[1] != '"')
                                fail_msg("unquoted or bad attribute at: %.40s", a);
                        for (e += 2; *e && *e != '"'; e++) {
                                if (*e == '<')
                                        fail_msg("'<' in an attribute at: %.40s", a);
                                if (*e == '&' && !entity_ok(e))
                                        fail_msg("bad entity in an attribute at: %.40s", a);
                        }
                        assert_true(*e == '"');
                        e++;
                }
                if (*e == '>') {
                        assert_true(depth < sizeof(stack) / sizeof(stack[0]));
                        assert_true(name_len < sizeof(stack[0]));
                        memcpy(stack[depth], n, name_len);
                        stack[depth][name_len] = '\0';
                        depth++;
                        s = e + 1;
                } else {
                        s = e + 2;
                }
        }
        assert_int_equal(depth, 0);
        assert_int_equal(roots, 1);
        /* Self-contained and printable: no scripts, no external files, A4. */
        assert_null(strstr(html, "<script"));
        assert_null(strstr(html, "<link"));
        assert_null(strstr(html, " src="));
        assert_null(strstr(html, "url("));
        assert_non_null(strstr(html, "<meta charset=\"utf-8\"/>"));
        assert_non_null(strstr(html, "@page { size: A4; margin: 20mm }"));
}

/* RFC 4180: every record ends in CRLF and has the header's 24 fields. */
static size_t assert_csv(const char *csv)
{
        size_t records = 0;
        const char *s = csv;
        while (*s) {
                size_t fields = 1;
                for (;;) {
                        if (*s == '"') {
                                for (s++;; s++) {
                                        assert_true(*s != '\0');
                                        if (s[0] == '"' && s[1] == '"')
                                                s++;
                                        else if (s[0] == '"')
                                                break;
                                }
                                s++;
                        } else {
                                while (*s && *s != ',' && *s != '\r' && *s != '\n' && *s != '"')
                                        s++;
                                assert_true(*s != '"');
                        }
                        if (*s == ',') {
                                fields++;
                                s++;
                                continue;
                        }
                        break;
                }
                assert_true(s[0] == '\r' && s[1] == '\n');
                s += 2;
                assert_int_equal(fields, 25);
                records++;
        }
        return records;
}

static size_t count(const char *hay, const char *needle)
{
        size_t n = 0;
        for (const char *s = hay; (s = strstr(s, needle)); s += strlen(needle))
                n++;
        return n;
}

/* --- tests ---------------------------------------------------------------- */

static void test_text_id(void **state)
{
        (void)state;
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_TEXT, LANG_ID);
        char *out = render(s, n, &q);
        golden("week.id.txt", out);
        /* The two requests just outside [from, to) are not in it. */
        assert_null(strstr(out, "REQ-20261130-000006"));
        assert_null(strstr(out, "REQ-20261208-000009"));
        free(out);
}

static void test_text_en(void **state)
{
        (void)state;
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_TEXT, LANG_EN);
        char *out = render(s, n, &q);
        golden("week.en.txt", out);
        free(out);
}

static void test_csv_id(void **state)
{
        (void)state;
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_CSV, LANG_ID);
        char *out = render(s, n, &q);
        golden("week.id.csv", out);
        /* header, 4 SKPD rows, 5 + 2 step rows, 2 open, 4 actor rows */
        assert_int_equal(assert_csv(out), 1 + 4 + 7 + 2 + 4);
        free(out);
}

static void test_html_id(void **state)
{
        (void)state;
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_HTML, LANG_ID);
        char *out = render(s, n, &q);
        golden("week.id.html", out);
        assert_well_formed(out);
        /* one bar label per step: 5 for skpd-access, 2 for superadmin-rotate */
        assert_int_equal(count(out, "<svg "), 2);
        assert_int_equal(count(out, "text-anchor=\"end\""), 7);
        assert_non_null(strstr(out, "(Ir. Budi Santoso, M.T.)"));
        free(out);
}

static void test_html_en_well_formed(void **state)
{
        (void)state;
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_HTML, LANG_EN);
        char *out = render(s, n, &q);
        assert_well_formed(out);
        assert_non_null(strstr(out, "lang=\"en\""));
        assert_non_null(strstr(out, "PERIODIC REPORT: ACCESS RIGHTS CONTROL"));
        free(out);
}

static void test_empty_period(void **state)
{
        (void)state;
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_TEXT, LANG_ID);
        q.from = at(1, 0, 0, 0) + 31 * 86400;
        q.to = q.from + 31 * 86400;
        char *out = render(s, n, &q);
        assert_non_null(strstr(out, "Tidak ada permohonan pada periode ini.\n"));
        assert_non_null(strstr(out, "Periode       : 2027-01-01 s.d. 2027-01-31\n"));
        assert_null(strstr(out, "1. Permohonan per SKPD"));
        assert_non_null(strstr(out, "Mengetahui,"));
        free(out);

        q.lang = LANG_EN;
        out = render(s, n, &q);
        assert_non_null(strstr(out, "No requests in this period.\n"));
        free(out);

        q.format = PERIOD_HTML;
        out = render(s, n, &q);
        assert_well_formed(out);
        assert_non_null(strstr(out, "<p>No requests in this period.</p>"));
        assert_null(strstr(out, "<svg"));
        free(out);

        q.format = PERIOD_CSV;
        out = render(s, n, &q);
        assert_int_equal(assert_csv(out), 1);
        assert_memory_equal(out, "section,skpd,name,", 18);
        free(out);

        /* No states at all. */
        out = render(NULL, 0, &q);
        assert_int_equal(assert_csv(out), 1);
        free(out);
}

static void test_skpd_filter(void **state)
{
        (void)state;
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_TEXT, LANG_ID);
        q.skpd = "BAPPEDA";
        char *out = render(s, n, &q);
        assert_non_null(strstr(out, "SKPD          : BAPPEDA — Badan Perencanaan Pembangunan Daerah\n"));
        /* 2 done, 1 rejected, 0 failed, 1 open, 4 in all, 1 account activated, 1 changed */
        assert_non_null(strstr(out, "   BAPPEDA        2        1      0        1       4                1            1  "
                                    "Badan Perencanaan Pembangunan Daerah\n"));
        assert_non_null(strstr(out, "   Jumlah         2        1      0        1       4                1            1\n"));
        assert_null(strstr(out, "BKPSDM"));
        assert_null(strstr(out, "DISKOMINFO"));
        assert_null(strstr(out, "superadmin-rotate"));
        assert_null(strstr(out, "REQ-20261207-000010"));
        /* verifikasi: 5, 40, 3, 10 minutes: 3 of 4 within, median 7.5 -> 8;
         * disposisi: 7, 10: median 8.5 -> 9; aktivasi: 9.5, 8: median 8.75 -> 9, worst 9.5 -> 10 */
        assert_non_null(strstr(out, "   verifikasi    kepala_bidang       15"
                                    "       4         3 (75%)       8       40\n"));
        assert_non_null(strstr(out, "   disposisi     super_admin         15"
                                    "       2        2 (100%)       9       10\n"));
        assert_non_null(strstr(out, "   aktivasi      admin               15"
                                    "       2        2 (100%)       9       10\n"));
        assert_non_null(strstr(out, "   Terbuka: 1; terlambat: 1\n"));
        free(out);

        q.format = PERIOD_CSV;
        out = render(s, n, &q);
        assert_int_equal(assert_csv(out), 1 + 1 + 5 + 1 + 3);
        assert_int_equal(count(out, "\r\nskpd,"), 1);
        free(out);

        /* An SKPD without requests: an empty report, not an error. */
        q.format = PERIOD_TEXT;
        q.skpd = "BPKAD";
        out = render(s, n, &q);
        assert_non_null(strstr(out, "Tidak ada permohonan pada periode ini."));
        free(out);
}

/* Who must act: the forwarded admin, the executor after approval, and
 * overdue by a journaled breach before the deadline has passed. */
static void test_open_who_must_act(void **state)
{
        (void)state;
        struct req_state s[3];
        struct req_state *st = new_req(&s[0], "REQ-20261207-000011", KIND_SKPD_ACCESS, "BPKAD", at(7, 8, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(7, 8, 5, 0));
        disp(st, 1, DECISION_APPROVE, "rina.wulandari", "agus.pratama", at(7, 8, 10, 0));
        st = new_req(&s[1], "REQ-20261207-000012", KIND_SKPD_ACCESS, "BPKAD", at(7, 9, 0, 0));
        disp(st, 0, DECISION_APPROVE, "budi.santoso", NULL, at(7, 9, 5, 0));
        disp(st, 1, DECISION_APPROVE, "rina.wulandari", "agus.pratama", at(7, 9, 10, 0));
        disp(st, 2, DECISION_APPROVE, "agus.pratama", NULL, at(7, 9, 12, 0));
        st = new_req(&s[2], "REQ-20261207-000013", KIND_SKPD_ACCESS, "BPKAD", at(7, 10, 0, 0));
        st->breached = true;

        struct period_query q = week(PERIOD_TEXT, LANG_ID);
        q.now = at(7, 10, 5, 0);        /* #11 late, #12 late, #13 within its time but breached */
        char *out = render(s, 3, &q);
        assert_non_null(strstr(out, "REQ-20261207-000011  BPKAD  aktivasi    2026-12-07T08:25:00Z  TERLAMBAT  "
                                    "Admin (Staf): agus.pratama\n"));
        assert_non_null(strstr(out, "REQ-20261207-000012  BPKAD  aktivasi    2026-12-07T09:25:00Z  TERLAMBAT  "
                                    "aksesd (eksekutor)\n"));
        assert_non_null(strstr(out, "REQ-20261207-000013  BPKAD  verifikasi  2026-12-07T10:15:00Z  TERLAMBAT  "
                                    "Kepala Bidang APTIKA\n"));
        assert_non_null(strstr(out, "Terbuka: 3; terlambat: 3\n"));
        free(out);

        q.now = at(7, 9, 20, 0);
        s[2].breached = false;
        out = render(s, 3, &q);
        assert_non_null(strstr(out, "2026-12-07T09:25:00Z  dalam waktu  aksesd (eksekutor)\n"));
        assert_non_null(strstr(out, "2026-12-07T10:15:00Z  dalam waktu  Kepala Bidang APTIKA\n"));
        assert_non_null(strstr(out, "Terbuka: 3; terlambat: 1\n"));
        free(out);

        q.format = PERIOD_CSV;
        out = render(s, 3, &q);
        assert_non_null(strstr(out, "open,BPKAD,,skpd-access,aktivasi,,aksesd,REQ-20261207-000012,"));
        free(out);
}

/* Values the validators would refuse still come out escaped, quoted and
 * clean: markup, quotes and commas, a control character, a stray byte. */
static void test_escaping(void **state)
{
        (void)state;
        struct req_state s[1];
        new_req(&s[0], "REQ-20261202-000001", KIND_SKPD_ACCESS, "X<b>&\"q\",'y'\x1b\xff", at(2, 8, 0, 0));
        struct period_query q = week(PERIOD_HTML, LANG_ID);
        char *out = render(s, 1, &q);
        assert_well_formed(out);
        assert_non_null(strstr(out, "<td>X&lt;b&gt;&amp;&quot;q&quot;,&#39;y&#39; \xef\xbf\xbd</td>"));
        free(out);

        q.format = PERIOD_CSV;
        out = render(s, 1, &q);
        assert_csv(out);
        assert_non_null(strstr(out, "\r\nskpd,\"X<b>&\"\"q\"\",'y' \xef\xbf\xbd\",,"));
        free(out);

        q.format = PERIOD_TEXT;
        out = render(s, 1, &q);
        assert_null(strchr(out, '\x1b'));
        free(out);
}

/* A full disk is reported, not swallowed. */
static void test_write_error(void **state)
{
        (void)state;
        FILE *f = fopen("/dev/full", "w");
        if (!f)
                skip();
        struct req_state s[16];
        size_t n = known_set(s);
        struct period_query q = week(PERIOD_HTML, LANG_ID);
        int r = period_report(f, policy, s, n, &q);
        fclose(f);
        assert_int_equal(r, -ENOSPC);
}

static void test_parse_date(void **state)
{
        (void)state;
        time_t t = 0;
        assert_true(period_parse_date("2026-12-01", &t));
        assert_int_equal(t, DEC1);
        assert_true(period_parse_date("2028-02-29", &t));
        assert_false(period_parse_date("2026-02-29", &t));
        assert_false(period_parse_date("2026-12-1", &t));
        assert_false(period_parse_date("2026-12-01T00:00:00Z", &t));
        assert_false(period_parse_date("", &t));
        assert_false(period_parse_date(NULL, &t));
        /* Local midnight: 7 hours earlier in WIB (UTC+7; a POSIX TZ, no tzdata needed). */
        setenv("TZ", "WIB-7", 1);
        tzset();
        bool ok = period_parse_date("2026-12-01", &t);
        setenv("TZ", "UTC", 1);
        tzset();
        assert_true(ok);
        assert_int_equal(t, DEC1 - 7 * 3600);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_text_id),
                cmocka_unit_test(test_text_en),
                cmocka_unit_test(test_csv_id),
                cmocka_unit_test(test_html_id),
                cmocka_unit_test(test_html_en_well_formed),
                cmocka_unit_test(test_empty_period),
                cmocka_unit_test(test_skpd_filter),
                cmocka_unit_test(test_open_who_must_act),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_write_error),
                cmocka_unit_test(test_parse_date),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
