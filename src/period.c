/*
 * period - the period report (laporan berkala) to the head of division;
 * see period.h.
 *
 * Every figure is computed first (per SKPD, per workflow step, per open
 * request, per official) and only then written, in one of three forms:
 * text for the terminal and the archive, CSV for a spreadsheet, and one
 * self-contained HTML document for printing on A4.  The text and the
 * HTML are rendered from the same tables of cells, so they cannot tell
 * different stories.
 *
 * Step timing (mutu baku: waktu).  The state file keeps, per request,
 * when it was received, each disposition's accepted_at, and when its
 * current step started; from those:
 *   - step i starts when step i-1 ended (step 0: when the request was
 *     received);
 *   - a verify or forward step ends at the accepted_at of its
 *     disposition, and so does any step that was rejected;
 *   - an activate step does not end with the admin's approval but when
 *     the account exists, that is when the next step started (the
 *     standard covers "activate and document", SOP 2.3); the handover
 *     and report steps have no disposition and end likewise when the
 *     next step started;
 *   - when the next step is the current one, it started at the state's
 *     step_started; when the request is done, every automatic step after
 *     activation (handover, report) ran in the executor's one pass that
 *     closed the request, and the state writes only that pass's time as
 *     the final step_started, so the activate step and the automatic
 *     steps after it all end then (the automatic ones take 0 minutes:
 *     the state does not record the seconds between them);
 *   - a step with no end yet (the current step of an open request, the
 *     step a request failed at, steps after a rejection) is not measured;
 *     open requests are listed on their own, with who must act by when.
 * "Within standard" is (end - start) <= standard_minutes * 60.  Median
 * and worst are given in whole minutes rounded up, so a figure of 15
 * with a standard of 15 is never a breach in disguise.  The share within
 * standard is rounded down, so 100% means every measured step.
 *
 * Overdue: an open request whose current step's breach was journaled, or
 * whose deadline (state_deadline) has passed at q->now.
 *
 * Every value from the states and the policy is cleaned on the way in
 * (control characters become spaces, invalid UTF-8 becomes U+FFFD), then
 * escaped for HTML (& < > " ') or quoted for CSV (RFC 4180) on the way
 * out.  The CSV's header and codes are not translated, so that the same
 * spreadsheet works for either language.
 */
#include "period.h"
#include "registry.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "chain.h"
#include "disposition.h"
#include "ycheck.h"

/* Every sentence of the report, per query language. */
struct lang {
        const char *code, *title, *to, *period, *until, *skpd, *all, *as_of;
        const char *sec_skpd, *col_done, *col_rejected, *col_failed, *col_open, *col_total, *col_activated, *col_changed;
        const char *col_name, *total, *proc1;
        const char *sec_steps, *col_step, *col_role, *col_standard, *col_measured, *col_within, *col_median;
        const char *col_worst, *steps_note, *chart;
        const char *sec_open, *col_request, *col_deadline, *col_state, *col_waiting, *overdue, *in_time;
        const char *executor, *open_word, *overdue_word, *no_open;
        const char *sec_actor, *col_official, *col_approved, *col_rejections, *no_actor;
        const char *empty, *ack;
};

static const struct lang LANG_TEXT_ID = {
        .code = "id",
        .title = "LAPORAN BERKALA PENGENDALIAN HAK AKSES",
        .to = "Kepada",
        .period = "Periode",
        .until = "s.d.",
        .skpd = "SKPD",
        .all = "semua",
        .as_of = "Keadaan pada",
        .sec_skpd = "Permohonan per SKPD",
        .col_done = "selesai",
        .col_rejected = "ditolak",
        .col_failed = "gagal",
        .col_open = "terbuka",
        .col_total = "jumlah",
        .col_activated = "akun diaktifkan",
        .col_changed = "akun diubah",
        .col_name = "nama",
        .total = "Jumlah",
        .proc1 = "Prosedur 1: Manajemen Hak Akses",
        .sec_steps = "Kepatuhan standar layanan per langkah",
        .col_step = "langkah",
        .col_role = "peran",
        .col_standard = "standar",
        .col_measured = "diukur",
        .col_within = "sesuai standar",
        .col_median = "median",
        .col_worst = "terlama",
        .steps_note = "Waktu dalam menit, dibulatkan ke atas; langkah yang belum selesai tidak diukur.",
        .chart = "Bagian langkah yang sesuai standar",
        .sec_open = "Permohonan terbuka dan terlambat",
        .col_request = "permohonan",
        .col_deadline = "batas waktu",
        .col_state = "keadaan",
        .col_waiting = "menunggu",
        .overdue = "TERLAMBAT",
        .in_time = "dalam waktu",
        .executor = "aksesd (eksekutor)",
        .open_word = "Terbuka",
        .overdue_word = "terlambat",
        .no_open = "Tidak ada permohonan terbuka.",
        .sec_actor = "Disposisi per pejabat",
        .col_official = "pejabat",
        .col_approved = "disetujui",
        .col_rejections = "ditolak",
        .no_actor = "Tidak ada disposisi.",
        .empty = "Tidak ada permohonan pada periode ini.",
        .ack = "Mengetahui,",
};

static const struct lang LANG_TEXT_EN = {
        .code = "en",
        .title = "PERIODIC REPORT: ACCESS RIGHTS CONTROL",
        .to = "To",
        .period = "Period",
        .until = "to",
        .skpd = "SKPD",
        .all = "all",
        .as_of = "As of",
        .sec_skpd = "Requests per SKPD",
        .col_done = "done",
        .col_rejected = "rejected",
        .col_failed = "failed",
        .col_open = "open",
        .col_total = "total",
        .col_activated = "accounts activated",
        .col_changed = "accounts changed",
        .col_name = "name",
        .total = "Total",
        .proc1 = "Procedure 1: access rights management",
        .sec_steps = "Service standard compliance per step",
        .col_step = "step",
        .col_role = "role",
        .col_standard = "standard",
        .col_measured = "measured",
        .col_within = "within standard",
        .col_median = "median",
        .col_worst = "worst",
        .steps_note = "Times in minutes, rounded up; steps not finished yet are not measured.",
        .chart = "Share of steps within standard",
        .sec_open = "Open and overdue requests",
        .col_request = "request",
        .col_deadline = "deadline",
        .col_state = "state",
        .col_waiting = "waiting for",
        .overdue = "OVERDUE",
        .in_time = "in time",
        .executor = "aksesd (executor)",
        .open_word = "Open",
        .overdue_word = "overdue",
        .no_open = "No open requests.",
        .sec_actor = "Dispositions per official",
        .col_official = "official",
        .col_approved = "approved",
        .col_rejections = "rejected",
        .no_actor = "No dispositions.",
        .empty = "No requests in this period.",
        .ack = "Acknowledged,",
};

/* --- figures ---------------------------------------------------------- */

struct skpd_row {
        const char *code;               /* "" for Procedure 1 (no SKPD) */
        size_t rank;                    /* catalogue order; unknown codes after; Procedure 1 last */
        size_t count[4];                /* per enum req_status */
        size_t activated;               /* skpd-access requests done that created an account */
        size_t changed;                 /* ... that updated an existing one */
};

struct step_stat {
        long long *secs;
        size_t n, within;
};

struct open_row {
        const struct req_state *st;
        const struct step *s;
        enum role_id role;              /* ROLE_NONE: the executor's turn */
        const char *actor;              /* forwarded to; "" otherwise */
        time_t deadline;
        bool overdue;
};

struct actor_row {
        const char *actor;
        enum role_id role;
        enum request_kind kind;
        size_t step;
        size_t approvals, rejections;
};

struct figures {
        const struct req_state **sel;   /* the requests of the period, by received time */
        size_t n_sel;
        struct skpd_row *skpd;
        size_t n_skpd;
        struct step_stat *steps[KIND_COUNT];
        bool present[KIND_COUNT];
        struct open_row *open;
        size_t n_open, n_overdue;
        struct actor_row *actors;
        size_t n_actors;
};

/* --- output ----------------------------------------------------------- */

struct out {
        FILE *f;
        int err;                        /* the first write error, -errno */
        bool oom;
        struct arena *a;
        const struct lang *L;
        const struct policy *p;
        const struct period_query *q;
};

static void emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct out *o, const char *fmt, ...)
{
        if (o->err)
                return;
        va_list ap;
        va_start(ap, fmt);
        int r = vfprintf(o->f, fmt, ap);
        va_end(ap);
        if (r < 0)
                o->err = errno ? -errno : -EIO;
}

/* One well-formed UTF-8 sequence at s, its length; 0 when s does not
 * start one (overlong forms, surrogates and values past U+10FFFF too). */
static size_t utf8_seq(const unsigned char *s)
{
        if (s[0] < 0x80)
                return 1;
        size_t len;
        uint32_t c;
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                len = 2;
                c = s[0] & 0x1fu;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                len = 3;
                c = s[0] & 0x0fu;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                len = 4;
                c = s[0] & 0x07u;
        } else {
                return 0;
        }
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = (c << 6) | (s[i] & 0x3fu);
        }
        if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
            (c >= 0x80 && c <= 0x9f) || c == 0xfffe || c == 0xffff)
                return 0;
        return len;
}

/* A copy of s that is safe to print anywhere: control characters (C0,
 * DEL, C1) become spaces and bytes that are not UTF-8 become U+FFFD.
 * The validators already refuse both; this is the last line. */
static const char *clean(struct out *o, const char *s)
{
        if (!s)
                s = "";
        size_t len = strlen(s);
        char *d = arena_alloc(o->a, len * 3 + 1);
        if (!d) {
                o->oom = true;
                return "";
        }
        size_t j = 0;
        for (const unsigned char *u = (const unsigned char *)s; *u;) {
                if (*u < 0x20 || *u == 0x7f) {
                        d[j++] = ' ';
                        u++;
                        continue;
                }
                size_t n = utf8_seq(u);
                if (n == 0) {
                        memcpy(d + j, "\xef\xbf\xbd", 3);
                        j += 3;
                        u++;
                        continue;
                }
                memcpy(d + j, u, n);
                j += n;
                u += n;
        }
        d[j] = '\0';
        return d;
}

static const char *fmt_cell(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static const char *fmt_cell(struct out *o, const char *fmt, ...)
{
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return clean(o, buf);
}

/* Characters on screen, for aligning columns: UTF-8 lead bytes (the
 * strings are clean, so every sequence is whole). */
static size_t width_of(const char *s)
{
        size_t w = 0;
        for (; *s; s++)
                w += ((unsigned char)*s & 0xc0) != 0x80;
        return w;
}

static void put_bytes(struct out *o, const char *s, size_t len)
{
        if (!o->err && len && fwrite(s, 1, len, o->f) != len)
                o->err = errno ? -errno : -EIO;
}

/* Text as HTML character data or attribute value: & < > " ' escaped
 * (&#39; rather than &apos;, which HTML 4 lacks). */
static void html_put(struct out *o, const char *s)
{
        while (*s) {
                size_t run = strcspn(s, "&<>\"'");
                put_bytes(o, s, run);
                s += run;
                if (!*s)
                        break;
                switch (*s++) {
                case '&': emit(o, "&amp;"); break;
                case '<': emit(o, "&lt;"); break;
                case '>': emit(o, "&gt;"); break;
                case '"': emit(o, "&quot;"); break;
                default: emit(o, "&#39;"); break;
                }
        }
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break (which
 * clean() already turned into spaces), or starts or ends with a space;
 * quotes inside are doubled. */
static void csv_put(struct out *o, const char *s)
{
        size_t len = strlen(s);
        bool quote = strpbrk(s, ",\"\r\n") != NULL || (len && (s[0] == ' ' || s[len - 1] == ' '));
        if (!quote) {
                emit(o, "%s", s);
                return;
        }
        emit(o, "\"");
        while (*s) {
                size_t run = strcspn(s, "\"");
                put_bytes(o, s, run);
                s += run;
                if (*s) {
                        emit(o, "\"\"");
                        s++;
                }
        }
        emit(o, "\"");
}

/* --- tables (text and HTML) -------------------------------------------- */

#define COLS_MAX 9

struct table {
        size_t ncols;
        const char *head[COLS_MAX];
        bool right[COLS_MAX];           /* numbers, right-aligned */
        const char **cells;             /* nrows * ncols, clean */
        size_t nrows, cap;
};

static void table_row(struct out *o, struct table *t, ...)
{
        if (t->nrows == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 8;
                const char **c = arena_alloc(o->a, cap * t->ncols * sizeof(*c));
                if (!c) {
                        o->oom = true;
                        return;
                }
                if (t->nrows)
                        memcpy(c, t->cells, t->nrows * t->ncols * sizeof(*c));
                t->cells = c;
                t->cap = cap;
        }
        va_list ap;
        va_start(ap, t);
        for (size_t i = 0; i < t->ncols; i++)
                t->cells[t->nrows * t->ncols + i] = clean(o, va_arg(ap, const char *));
        va_end(ap);
        t->nrows++;
}

static void text_pad(struct out *o, size_t n)
{
        for (; n > 0; n--)
                emit(o, " ");
}

/* Columns two spaces apart, indented by three; the last non-empty cell
 * of a line is not padded, so no line ends in spaces. */
static void text_line(struct out *o, const struct table *t, const char *const *cells, const size_t *w)
{
        size_t last = 0;
        for (size_t i = 0; i < t->ncols; i++)
                if (cells[i][0])
                        last = i;
        emit(o, "   ");
        for (size_t i = 0; i <= last; i++) {
                size_t cw = width_of(cells[i]);
                size_t pad = w[i] > cw ? w[i] - cw : 0;
                if (i)
                        emit(o, "  ");
                if (t->right[i])
                        text_pad(o, pad);
                emit(o, "%s", cells[i]);
                if (!t->right[i] && i < last)
                        text_pad(o, pad);
        }
        emit(o, "\n");
}

static void text_table(struct out *o, const struct table *t)
{
        size_t w[COLS_MAX];
        for (size_t i = 0; i < t->ncols; i++) {
                w[i] = width_of(t->head[i]);
                for (size_t r = 0; r < t->nrows; r++) {
                        size_t cw = width_of(t->cells[r * t->ncols + i]);
                        w[i] = cw > w[i] ? cw : w[i];
                }
        }
        text_line(o, t, t->head, w);
        for (size_t r = 0; r < t->nrows; r++)
                text_line(o, t, t->cells + r * t->ncols, w);
}

static void html_table(struct out *o, const struct table *t)
{
        emit(o, "<table>\n<thead><tr>");
        for (size_t i = 0; i < t->ncols; i++) {
                emit(o, t->right[i] ? "<th class=\"n\">" : "<th>");
                html_put(o, t->head[i]);
                emit(o, "</th>");
        }
        emit(o, "</tr></thead>\n<tbody>\n");
        for (size_t r = 0; r < t->nrows; r++) {
                emit(o, "<tr>");
                for (size_t i = 0; i < t->ncols; i++) {
                        emit(o, t->right[i] ? "<td class=\"n\">" : "<td>");
                        html_put(o, t->cells[r * t->ncols + i]);
                        emit(o, "</td>");
                }
                emit(o, "</tr>\n");
        }
        emit(o, "</tbody>\n</table>\n");
}

/* --- computing the figures --------------------------------------------- */

static const char *role_title(const struct policy *p, enum role_id r)
{
        if (r < 0 || r >= ROLE_COUNT)
                return "-";
        return p->roles[r].title ? p->roles[r].title : role_name(r);
}

static const char *workflow_title(const struct policy *p, enum request_kind k)
{
        return p->workflows[k].title ? p->workflows[k].title : kind_name(k);
}

static const char *actor_name(const struct out *o, enum role_id r, const char *id)
{
        const struct actor *a = r >= 0 && r < ROLE_COUNT ? policy_find_actor(o->p, r, id) : NULL;
        const struct registered *e = a ? NULL : registry_get(o->q->reg, id);
        return a && a->name ? a->name : e ? e->name : "";
}

static bool automatic(const struct step *s)
{
        return s->action == ACTION_HANDOVER || s->action == ACTION_REPORT;
}

/* When step i of st ended, if it has; the rule is at the top of the file. */
static bool step_end(const struct workflow *w, const struct req_state *st, size_t i, time_t *end)
{
        const struct history_entry *h = NULL;
        for (size_t k = 0; k < st->n_history; k++)
                if (st->history[k].step == i)
                        h = &st->history[k];
        const struct step *s = &w->steps[i];
        if (h && (h->decision == DECISION_REJECT || s->action == ACTION_VERIFY || s->action == ACTION_FORWARD)) {
                *end = h->accepted_at;
                return true;
        }
        if (s->action != ACTION_ACTIVATE && !automatic(s))
                return false;           /* a person's step without its disposition */
        if (st->status == STATUS_DONE) {
                for (size_t k = i + 1; k < w->n_steps; k++)
                        if (!automatic(&w->steps[k]))
                                return false;   /* not in today's workflows: the pass time is not this step's */
                *end = st->step_started;
                return true;
        }
        if (st->step == i + 1) {
                *end = st->step_started;
                return true;
        }
        return false;
}

static int by_received(const void *a, const void *b)
{
        const struct req_state *x = *(const struct req_state *const *)a, *y = *(const struct req_state *const *)b;
        if (x->received != y->received)
                return x->received < y->received ? -1 : 1;
        return strcmp(x->id, y->id);
}

static int by_rank(const void *a, const void *b)
{
        const struct skpd_row *x = a, *y = b;
        return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int by_secs(const void *a, const void *b)
{
        long long x = *(const long long *)a, y = *(const long long *)b;
        return x < y ? -1 : x > y;
}

static int by_actor(const void *a, const void *b)
{
        const struct actor_row *x = a, *y = b;
        if (x->role != y->role)
                return x->role < y->role ? -1 : 1;
        int c = strcmp(x->actor, y->actor);
        if (c)
                return c;
        if (x->kind != y->kind)
                return x->kind < y->kind ? -1 : 1;
        return x->step < y->step ? -1 : x->step > y->step;
}

static struct skpd_row *skpd_row_of(const struct policy *p, struct figures *f, const char *code)
{
        for (size_t i = 0; i < f->n_skpd; i++)
                if (strcmp(f->skpd[i].code, code) == 0)
                        return &f->skpd[i];
        struct skpd_row *r = &f->skpd[f->n_skpd++];
        r->code = code;
        r->rank = code[0] ? p->n_skpd + f->n_skpd : SIZE_MAX;
        for (size_t i = 0; i < p->n_skpd; i++)
                if (strcmp(p->skpd[i].code, code) == 0)
                        r->rank = i;
        return r;
}

static void count_actor(struct figures *f, const struct req_state *st, const struct history_entry *h,
                        enum role_id role)
{
        struct actor_row *r = NULL;
        for (size_t i = 0; i < f->n_actors && !r; i++)
                if (strcmp(f->actors[i].actor, h->actor) == 0 && f->actors[i].role == role &&
                    f->actors[i].kind == st->kind && f->actors[i].step == h->step)
                        r = &f->actors[i];
        if (!r) {
                r = &f->actors[f->n_actors++];
                *r = (struct actor_row){ .actor = h->actor, .role = role, .kind = st->kind, .step = h->step };
        }
        if (h->decision == DECISION_REJECT)
                r->rejections++;
        else
                r->approvals++;
}

static void measure(const struct policy *p, struct figures *f, const struct req_state *st)
{
        const struct workflow *w = &p->workflows[st->kind];
        time_t start = st->received;
        for (size_t i = 0; i < w->n_steps; i++) {
                time_t end;
                if (!step_end(w, st, i, &end))
                        break;          /* then no later step has a known start either */
                long long secs = end > start ? (long long)(end - start) : 0;
                struct step_stat *s = &f->steps[st->kind][i];
                s->secs[s->n++] = secs;
                s->within += secs <= (long long)w->steps[i].standard_minutes * 60;
                start = end;
        }
}

static int compute(struct out *o, const struct req_state *states, size_t n, struct figures *f)
{
        const struct policy *p = o->p;
        const struct period_query *q = o->q;
        size_t n_hist = 0, per_kind[KIND_COUNT] = { 0 };
        f->sel = arena_alloc(o->a, (n ? n : 1) * sizeof(*f->sel));
        if (!f->sel)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct req_state *st = &states[i];
                if (st->received < q->from || st->received >= q->to || (q->skpd && strcmp(st->skpd, q->skpd) != 0))
                        continue;
                /* state_parse admits nothing else; a hand-built state might. */
                if ((unsigned)st->kind >= KIND_COUNT || (unsigned)st->status > STATUS_FAILED)
                        continue;
                f->sel[f->n_sel++] = st;
                per_kind[st->kind]++;
                n_hist += st->n_history < STATE_MAX_HISTORY ? st->n_history : STATE_MAX_HISTORY;
        }
        qsort(f->sel, f->n_sel, sizeof(*f->sel), by_received);

        f->skpd = arena_alloc(o->a, (f->n_sel + 1) * sizeof(*f->skpd));
        f->open = arena_alloc(o->a, (f->n_sel + 1) * sizeof(*f->open));
        f->actors = arena_alloc(o->a, (n_hist + 1) * sizeof(*f->actors));
        if (!f->skpd || !f->open || !f->actors)
                return -ENOMEM;
        for (int k = 0; k < KIND_COUNT; k++) {
                const struct workflow *w = &p->workflows[k];
                if (!per_kind[k] || !w->n_steps)
                        continue;
                f->present[k] = true;
                if (!(f->steps[k] = arena_alloc(o->a, w->n_steps * sizeof(*f->steps[k]))))
                        return -ENOMEM;
                for (size_t i = 0; i < w->n_steps; i++)
                        if (!(f->steps[k][i].secs = arena_alloc(o->a, per_kind[k] * sizeof(long long))))
                                return -ENOMEM;
        }

        for (size_t i = 0; i < f->n_sel; i++) {
                const struct req_state *st = f->sel[i];
                const struct workflow *w = &p->workflows[st->kind];
                struct skpd_row *r = skpd_row_of(p, f, st->skpd);
                r->count[st->status]++;
                bool granted = st->kind == KIND_SKPD_ACCESS && st->status == STATUS_DONE;
                r->activated += granted && st->account != ACCOUNT_UPDATED;
                r->changed += granted && st->account == ACCOUNT_UPDATED;
                if (f->present[st->kind])
                        measure(p, f, st);
                for (size_t k = 0; k < st->n_history && k < STATE_MAX_HISTORY; k++) {
                        const struct history_entry *h = &st->history[k];
                        count_actor(f, st, h, h->step < w->n_steps ? w->steps[h->step].role : ROLE_NONE);
                }
                const struct step *s = chain_current_step(p, st);
                if (s) {
                        struct open_row *op = &f->open[f->n_open++];
                        op->st = st;
                        op->s = s;
                        op->role = chain_who_must_act(p, st, &op->actor);
                        op->deadline = state_deadline(st, p);
                        op->overdue = st->breached || q->now > op->deadline;
                        f->n_overdue += op->overdue;
                }
        }
        qsort(f->skpd, f->n_skpd, sizeof(*f->skpd), by_rank);
        qsort(f->actors, f->n_actors, sizeof(*f->actors), by_actor);
        for (int k = 0; k < KIND_COUNT; k++)
                for (size_t i = 0; f->present[k] && i < p->workflows[k].n_steps; i++)
                        qsort(f->steps[k][i].secs, f->steps[k][i].n, sizeof(long long), by_secs);
        return 0;
}

/* Whole minutes, rounded up. */
static long long minutes_up(long long secs)
{
        return (secs + 59) / 60;
}

static long long median_minutes(const struct step_stat *s)
{
        if (s->n % 2)
                return minutes_up(s->secs[s->n / 2]);
        /* The mean of the two middle values, rounded up as a whole. */
        return (s->secs[s->n / 2 - 1] + s->secs[s->n / 2] + 119) / 120;
}

/* Rounded down: 100% only when every measured step was within. */
static size_t share(const struct step_stat *s)
{
        return s->n ? s->within * 100 / s->n : 0;
}

static const char *skpd_name(const struct out *o, const char *code)
{
        if (!code[0])
                return o->L->proc1;
        const struct skpd *s = policy_find_skpd(o->p, code, strlen(code));
        return s && s->name ? s->name : "";
}

static const char *waiting_for(struct out *o, const struct open_row *r)
{
        if (r->role == ROLE_NONE)
                return o->L->executor;
        if (r->actor[0])
                return fmt_cell(o, "%s: %s", role_title(o->p, r->role), r->actor);
        return role_title(o->p, r->role);
}

/* --- the sections as tables -------------------------------------------- */

static void skpd_table(struct out *o, const struct figures *f, struct table *t)
{
        const struct lang *L = o->L;
        *t = (struct table){ .ncols = 9,
                             .head = { L->skpd, L->col_done, L->col_rejected, L->col_failed, L->col_open,
                                       L->col_total, L->col_activated, L->col_changed, L->col_name },
                             .right = { false, true, true, true, true, true, true, true, false } };
        size_t sum[4] = { 0 }, total = 0, activated = 0, changed = 0;
        for (size_t i = 0; i < f->n_skpd; i++) {
                const struct skpd_row *r = &f->skpd[i];
                size_t n = r->count[0] + r->count[1] + r->count[2] + r->count[3];
                for (int k = 0; k < 4; k++)
                        sum[k] += r->count[k];
                total += n;
                activated += r->activated;
                changed += r->changed;
                table_row(o, t, r->code[0] ? r->code : "-", fmt_cell(o, "%zu", r->count[STATUS_DONE]),
                          fmt_cell(o, "%zu", r->count[STATUS_REJECTED]), fmt_cell(o, "%zu", r->count[STATUS_FAILED]),
                          fmt_cell(o, "%zu", r->count[STATUS_OPEN]), fmt_cell(o, "%zu", n),
                          fmt_cell(o, "%zu", r->activated), fmt_cell(o, "%zu", r->changed), skpd_name(o, r->code));
        }
        table_row(o, t, L->total, fmt_cell(o, "%zu", sum[STATUS_DONE]), fmt_cell(o, "%zu", sum[STATUS_REJECTED]),
                  fmt_cell(o, "%zu", sum[STATUS_FAILED]), fmt_cell(o, "%zu", sum[STATUS_OPEN]),
                  fmt_cell(o, "%zu", total), fmt_cell(o, "%zu", activated), fmt_cell(o, "%zu", changed), "");
}

static void step_table(struct out *o, const struct figures *f, enum request_kind k, struct table *t)
{
        const struct lang *L = o->L;
        const struct workflow *w = &o->p->workflows[k];
        *t = (struct table){ .ncols = 7,
                             .head = { L->col_step, L->col_role, L->col_standard, L->col_measured, L->col_within,
                                       L->col_median, L->col_worst },
                             .right = { false, false, true, true, true, true, true } };
        for (size_t i = 0; i < w->n_steps; i++) {
                const struct step_stat *s = &f->steps[k][i];
                const char *within = "-", *median = "-", *worst = "-";
                if (s->n) {
                        within = fmt_cell(o, "%zu (%zu%%)", s->within, share(s));
                        median = fmt_cell(o, "%lld", median_minutes(s));
                        worst = fmt_cell(o, "%lld", minutes_up(s->secs[s->n - 1]));
                }
                table_row(o, t, w->steps[i].id, role_name(w->steps[i].role),
                          fmt_cell(o, "%u", w->steps[i].standard_minutes), fmt_cell(o, "%zu", s->n), within, median,
                          worst);
        }
}

static void open_table(struct out *o, const struct figures *f, struct table *t)
{
        const struct lang *L = o->L;
        *t = (struct table){ .ncols = 6,
                             .head = { L->col_request, L->skpd, L->col_step, L->col_deadline, L->col_state,
                                       L->col_waiting } };
        for (size_t i = 0; i < f->n_open; i++) {
                const struct open_row *r = &f->open[i];
                char when[21];
                time_format_utc(r->deadline, when);
                table_row(o, t, r->st->id, r->st->skpd[0] ? r->st->skpd : "-", r->s->id, when,
                          r->overdue ? L->overdue : L->in_time, waiting_for(o, r));
        }
}

static void actor_table(struct out *o, const struct figures *f, struct table *t)
{
        const struct lang *L = o->L;
        *t = (struct table){ .ncols = 6,
                             .head = { L->col_official, L->col_role, L->col_step, L->col_approved,
                                       L->col_rejections, L->col_name },
                             .right = { false, false, false, true, true, false } };
        for (size_t i = 0; i < f->n_actors; i++) {
                const struct actor_row *r = &f->actors[i];
                const struct workflow *w = &o->p->workflows[r->kind];
                table_row(o, t, r->actor, r->role == ROLE_NONE ? "-" : role_name(r->role),
                          r->step < w->n_steps ? w->steps[r->step].id : "?", fmt_cell(o, "%zu", r->approvals),
                          fmt_cell(o, "%zu", r->rejections), actor_name(o, r->role, r->actor));
        }
}

/* --- the header and the signature ---------------------------------------- */

static void local_date(time_t t, char out[16])
{
        struct tm tm;
        if (!localtime_r(&t, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
                snprintf(out, 16, "?");
}

/* The period as dates: [from, to) ends the day before `to`. */
static const char *period_text(struct out *o)
{
        char from[16], to[16];
        local_date(o->q->from, from);
        local_date(o->q->to > o->q->from ? o->q->to - 1 : o->q->from, to);
        return fmt_cell(o, "%s %s %s", from, o->L->until, to);
}

static const char *skpd_text(struct out *o)
{
        if (!o->q->skpd)
                return o->L->all;
        const char *name = skpd_name(o, o->q->skpd);
        return name[0] ? fmt_cell(o, "%s — %s", o->q->skpd, name) : clean(o, o->q->skpd);
}

static const struct actor *head_of_division(const struct policy *p)
{
        const struct role *r = &p->roles[ROLE_KEPALA_BIDANG];
        return r->n_members ? &r->members[0] : NULL;
}

static const char *to_text(struct out *o)
{
        const struct actor *kb = head_of_division(o->p);
        const char *title = role_title(o->p, ROLE_KEPALA_BIDANG);
        return kb && kb->name ? fmt_cell(o, "%s — %s", title, kb->name) : clean(o, title);
}

/* --- text ------------------------------------------------------------------ */

#define LABEL_WIDTH 14
#define SIGN_COLUMN 40

static void text_kv(struct out *o, const char *label, const char *value)
{
        emit(o, "%s", label);
        text_pad(o, LABEL_WIDTH > width_of(label) ? LABEL_WIDTH - width_of(label) : 0);
        emit(o, ": %s\n", value);
}

static void text_report(struct out *o, const struct figures *f)
{
        const struct lang *L = o->L;
        char now[21];
        time_format_utc(o->q->now, now);
        emit(o, "%s\n%s\n%s\n\n", L->title, clean(o, o->p->org.name), clean(o, o->p->org.division));
        text_kv(o, L->to, to_text(o));
        text_kv(o, L->period, period_text(o));
        text_kv(o, L->skpd, skpd_text(o));
        text_kv(o, L->as_of, now);

        if (!f->n_sel) {
                emit(o, "\n%s\n", L->empty);
        } else {
                struct table t;
                emit(o, "\n1. %s\n\n", L->sec_skpd);
                skpd_table(o, f, &t);
                text_table(o, &t);

                emit(o, "\n2. %s\n", L->sec_steps);
                for (int k = 0; k < KIND_COUNT; k++) {
                        if (!f->present[k])
                                continue;
                        enum request_kind kind = (enum request_kind)k;
                        emit(o, "\n   %s (%s)\n", clean(o, workflow_title(o->p, kind)), kind_name(kind));
                        step_table(o, f, kind, &t);
                        text_table(o, &t);
                }
                emit(o, "\n   %s\n", L->steps_note);

                emit(o, "\n3. %s\n\n", L->sec_open);
                emit(o, "   %s: %zu; %s: %zu\n", L->open_word, f->n_open, L->overdue_word, f->n_overdue);
                if (f->n_open) {
                        emit(o, "\n");
                        open_table(o, f, &t);
                        text_table(o, &t);
                }

                emit(o, "\n4. %s\n\n", L->sec_actor);
                if (f->n_actors) {
                        actor_table(o, f, &t);
                        text_table(o, &t);
                } else {
                        emit(o, "   %s\n", L->no_actor);
                }
        }

        const struct actor *kb = head_of_division(o->p);
        emit(o, "\n\n%*s%s\n%*s%s\n\n\n\n%*s(%s)\n", SIGN_COLUMN, "", L->ack, SIGN_COLUMN, "",
             clean(o, role_title(o->p, ROLE_KEPALA_BIDANG)), SIGN_COLUMN, "",
             clean(o, kb && kb->name ? kb->name : "................................"));
}

/* --- HTML ------------------------------------------------------------------- */

#define CHART_LABEL 150
#define CHART_BAR 300
#define CHART_ROW 22

static const char HTML_STYLE[] =
        "@page { size: A4; margin: 20mm }\n"
        "body { font-family: \"DejaVu Serif\", \"Times New Roman\", serif; font-size: 10.5pt; color: #000 }\n"
        "h1 { font-size: 14pt; text-align: center; margin: 0.5em 0 }\n"
        "h2 { font-size: 12pt; margin: 1.2em 0 0.4em }\n"
        "h3 { font-size: 10.5pt; margin: 0.8em 0 0.3em }\n"
        ".org { text-align: center; font-weight: bold; margin: 0 }\n"
        "table { border-collapse: collapse; width: 100%; margin: 0.3em 0; page-break-inside: auto }\n"
        "tr { page-break-inside: avoid }\n"
        "th, td { border: 1px solid #444; padding: 2px 5px; text-align: left; vertical-align: top }\n"
        "th { background: #e8e8e8 }\n"
        ".n { text-align: right }\n"
        "table.meta, table.meta th, table.meta td { border: none; width: auto; background: none }\n"
        ".note { font-size: 9pt }\n"
        "svg { display: block; margin: 0.3em 0 }\n"
        ".sign { margin: 3em 0 0 55%; page-break-inside: avoid }\n"
        ".sign .name { margin-top: 5em }\n";

static void html_kv(struct out *o, const char *label, const char *value)
{
        emit(o, "<tr><th>");
        html_put(o, label);
        emit(o, "</th><td>");
        html_put(o, value);
        emit(o, "</td></tr>\n");
}

/* One bar per step: the share within standard, 100% the full width. */
static void html_chart(struct out *o, const struct figures *f, enum request_kind k)
{
        const struct workflow *w = &o->p->workflows[k];
        size_t height = w->n_steps * CHART_ROW + 8;
        emit(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\" "
                "role=\"img\" font-family=\"sans-serif\" font-size=\"11\">\n<title>",
             CHART_LABEL + CHART_BAR + 60, height, CHART_LABEL + CHART_BAR + 60, height);
        html_put(o, fmt_cell(o, "%s: %s", o->L->chart, kind_name(k)));
        emit(o, "</title>\n");
        for (size_t i = 0; i < w->n_steps; i++) {
                const struct step_stat *s = &f->steps[k][i];
                size_t y = 4 + i * CHART_ROW;
                emit(o, "<rect x=\"%d\" y=\"%zu\" width=\"%d\" height=\"16\" fill=\"#f2f2f2\" stroke=\"#999999\"/>\n",
                     CHART_LABEL, y, CHART_BAR);
                if (s->n) {
                        /* Tenths of a pixel, in integers: the same bytes everywhere. */
                        size_t tenths = s->within * CHART_BAR * 10 / s->n;
                        emit(o, "<rect x=\"%d\" y=\"%zu\" width=\"%zu.%zu\" height=\"16\" fill=\"#3b7d3b\"/>\n",
                             CHART_LABEL, y, tenths / 10, tenths % 10);
                }
                emit(o, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", CHART_LABEL - 6, y + 12);
                html_put(o, clean(o, w->steps[i].id));
                emit(o, "</text>\n<text x=\"%d\" y=\"%zu\">", CHART_LABEL + CHART_BAR + 6, y + 12);
                if (s->n)
                        emit(o, "%zu%%", share(s));
                else
                        emit(o, "-");
                emit(o, "</text>\n");
        }
        emit(o, "</svg>\n");
}

static void html_report(struct out *o, const struct figures *f)
{
        const struct lang *L = o->L;
        char now[21];
        time_format_utc(o->q->now, now);
        emit(o, "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"%s\" xml:lang=\"%s\">\n"
                "<head>\n<meta charset=\"utf-8\"/>\n<title>", L->code, L->code);
        html_put(o, fmt_cell(o, "%s — %s", L->title, o->p->org.name ? o->p->org.name : ""));
        emit(o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<p class=\"org\">", HTML_STYLE);
        html_put(o, clean(o, o->p->org.name));
        emit(o, "<br/>");
        html_put(o, clean(o, o->p->org.division));
        emit(o, "</p>\n<h1>");
        html_put(o, L->title);
        emit(o, "</h1>\n<table class=\"meta\">\n");
        html_kv(o, L->to, to_text(o));
        html_kv(o, L->period, period_text(o));
        html_kv(o, L->skpd, skpd_text(o));
        html_kv(o, L->as_of, now);
        emit(o, "</table>\n");

        if (!f->n_sel) {
                emit(o, "<p>");
                html_put(o, L->empty);
                emit(o, "</p>\n");
        } else {
                struct table t;
                emit(o, "<h2>1. ");
                html_put(o, L->sec_skpd);
                emit(o, "</h2>\n");
                skpd_table(o, f, &t);
                html_table(o, &t);

                emit(o, "<h2>2. ");
                html_put(o, L->sec_steps);
                emit(o, "</h2>\n");
                for (int k = 0; k < KIND_COUNT; k++) {
                        if (!f->present[k])
                                continue;
                        emit(o, "<h3>");
                        enum request_kind kind = (enum request_kind)k;
                        html_put(o, fmt_cell(o, "%s (%s)", workflow_title(o->p, kind), kind_name(kind)));
                        emit(o, "</h3>\n");
                        html_chart(o, f, kind);
                        step_table(o, f, kind, &t);
                        html_table(o, &t);
                }
                emit(o, "<p class=\"note\">");
                html_put(o, L->steps_note);
                emit(o, "</p>\n<h2>3. ");
                html_put(o, L->sec_open);
                emit(o, "</h2>\n<p>");
                html_put(o, fmt_cell(o, "%s: %zu; %s: %zu", L->open_word, f->n_open, L->overdue_word, f->n_overdue));
                emit(o, "</p>\n");
                if (f->n_open) {
                        open_table(o, f, &t);
                        html_table(o, &t);
                }

                emit(o, "<h2>4. ");
                html_put(o, L->sec_actor);
                emit(o, "</h2>\n");
                if (f->n_actors) {
                        actor_table(o, f, &t);
                        html_table(o, &t);
                } else {
                        emit(o, "<p>");
                        html_put(o, L->no_actor);
                        emit(o, "</p>\n");
                }
        }

        const struct actor *kb = head_of_division(o->p);
        emit(o, "<div class=\"sign\">\n<p>");
        html_put(o, L->ack);
        emit(o, "<br/>");
        html_put(o, clean(o, role_title(o->p, ROLE_KEPALA_BIDANG)));
        emit(o, "</p>\n<p class=\"name\">(");
        html_put(o, clean(o, kb && kb->name ? kb->name : "................................"));
        emit(o, ")</p>\n</div>\n</body>\n</html>\n");
}

/* --- CSV -------------------------------------------------------------------- */

enum csv_col {
        C_SECTION, C_SKPD, C_NAME, C_WORKFLOW, C_STEP, C_ROLE, C_ACTOR, C_REQUEST,
        C_DONE, C_REJECTED, C_FAILED, C_OPEN, C_TOTAL, C_ACTIVATED, C_CHANGED,
        C_STANDARD, C_MEASURED, C_WITHIN, C_WITHIN_PCT, C_MEDIAN, C_WORST,
        C_DEADLINE, C_OVERDUE, C_APPROVALS, C_REJECTIONS, C_COUNT
};

static const char *const CSV_HEAD[C_COUNT] = {
        "section", "skpd", "name", "workflow", "step", "role", "actor", "request",
        "done", "rejected", "failed", "open", "total", "activated", "changed",
        "standard_min", "measured", "within", "within_pct", "median_min", "worst_min",
        "deadline", "overdue", "approvals", "rejections",
};

/* One record; NULL cells are empty.  Lines end in CRLF (RFC 4180). */
static void csv_row(struct out *o, const char *const *cells)
{
        for (size_t i = 0; i < C_COUNT; i++) {
                if (i)
                        emit(o, ",");
                if (cells[i])
                        csv_put(o, clean(o, cells[i]));
        }
        emit(o, "\r\n");
}

static void csv_report(struct out *o, const struct figures *f)
{
        csv_row(o, CSV_HEAD);
        for (size_t i = 0; i < f->n_skpd; i++) {
                const struct skpd_row *r = &f->skpd[i];
                const char *c[C_COUNT] = {
                        [C_SECTION] = "skpd", [C_SKPD] = r->code, [C_NAME] = skpd_name(o, r->code),
                        [C_DONE] = fmt_cell(o, "%zu", r->count[STATUS_DONE]),
                        [C_REJECTED] = fmt_cell(o, "%zu", r->count[STATUS_REJECTED]),
                        [C_FAILED] = fmt_cell(o, "%zu", r->count[STATUS_FAILED]),
                        [C_OPEN] = fmt_cell(o, "%zu", r->count[STATUS_OPEN]),
                        [C_TOTAL] = fmt_cell(o, "%zu", r->count[0] + r->count[1] + r->count[2] + r->count[3]),
                        [C_ACTIVATED] = fmt_cell(o, "%zu", r->activated),
                        [C_CHANGED] = fmt_cell(o, "%zu", r->changed),
                };
                csv_row(o, c);
        }
        for (int k = 0; k < KIND_COUNT; k++) {
                const struct workflow *w = &o->p->workflows[k];
                for (size_t i = 0; f->present[k] && i < w->n_steps; i++) {
                        const struct step_stat *s = &f->steps[k][i];
                        const char *c[C_COUNT] = {
                                [C_SECTION] = "step", [C_WORKFLOW] = kind_name((enum request_kind)k),
                                [C_STEP] = w->steps[i].id, [C_ROLE] = role_name(w->steps[i].role),
                                [C_STANDARD] = fmt_cell(o, "%u", w->steps[i].standard_minutes),
                                [C_MEASURED] = fmt_cell(o, "%zu", s->n),
                                [C_WITHIN] = fmt_cell(o, "%zu", s->within),
                                [C_WITHIN_PCT] = s->n ? fmt_cell(o, "%zu", share(s)) : NULL,
                                [C_MEDIAN] = s->n ? fmt_cell(o, "%lld", median_minutes(s)) : NULL,
                                [C_WORST] = s->n ? fmt_cell(o, "%lld", minutes_up(s->secs[s->n - 1])) : NULL,
                        };
                        csv_row(o, c);
                }
        }
        for (size_t i = 0; i < f->n_open; i++) {
                const struct open_row *r = &f->open[i];
                char when[21];
                time_format_utc(r->deadline, when);
                const char *c[C_COUNT] = {
                        [C_SECTION] = "open", [C_SKPD] = r->st->skpd, [C_WORKFLOW] = kind_name(r->st->kind),
                        [C_STEP] = r->s->id, [C_ROLE] = r->role == ROLE_NONE ? "" : role_name(r->role),
                        [C_ACTOR] = r->role == ROLE_NONE ? "aksesd" : r->actor, [C_REQUEST] = r->st->id,
                        [C_DEADLINE] = when, [C_OVERDUE] = r->overdue ? "yes" : "no",
                };
                csv_row(o, c);
        }
        for (size_t i = 0; i < f->n_actors; i++) {
                const struct actor_row *r = &f->actors[i];
                const struct workflow *w = &o->p->workflows[r->kind];
                const char *c[C_COUNT] = {
                        [C_SECTION] = "actor", [C_NAME] = actor_name(o, r->role, r->actor),
                        [C_WORKFLOW] = kind_name(r->kind), [C_STEP] = r->step < w->n_steps ? w->steps[r->step].id : "",
                        [C_ROLE] = r->role == ROLE_NONE ? "" : role_name(r->role), [C_ACTOR] = r->actor,
                        [C_APPROVALS] = fmt_cell(o, "%zu", r->approvals),
                        [C_REJECTIONS] = fmt_cell(o, "%zu", r->rejections),
                };
                csv_row(o, c);
        }
}

/* --- entry points --------------------------------------------------------------- */

int period_report(FILE *out, const struct policy *p, const struct req_state *states, size_t n,
                  const struct period_query *q)
{
        struct out o = { .f = out, .p = p, .q = q, .L = q->lang == LANG_EN ? &LANG_TEXT_EN : &LANG_TEXT_ID };
        if (!(o.a = arena_new()))
                return -ENOMEM;
        struct figures f = { 0 };
        int r = compute(&o, states, n, &f);
        if (r == 0) {
                switch (q->format) {
                case PERIOD_TEXT: text_report(&o, &f); break;
                case PERIOD_CSV: csv_report(&o, &f); break;
                case PERIOD_HTML: html_report(&o, &f); break;
                }
                if (!o.err && fflush(out) != 0)
                        o.err = errno ? -errno : -EIO;
                r = o.err ? o.err : o.oom ? -ENOMEM : 0;
        }
        arena_free(o.a);
        return r;
}

bool period_parse_date(const char *s, time_t *out)
{
        struct ydate d;
        if (!s || !ydate_parse(s, strlen(s), &d))
                return false;
        struct tm tm = { .tm_year = d.year - 1900, .tm_mon = d.month - 1, .tm_mday = d.day, .tm_isdst = -1 };
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
                return false;
        *out = t;
        return true;
}
