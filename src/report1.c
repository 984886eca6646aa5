/*
 * report1 - the reports of Procedure 1; see report1.h.
 */
#include "report1.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

struct text {
        char buf[8192];
        size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
        if (t->len >= sizeof(t->buf))
                return;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
        va_end(ap);
        if (n > 0)
                t->len += (size_t)n < sizeof(t->buf) - t->len ? (size_t)n : sizeof(t->buf) - t->len - 1;
}

int report1_write(int reports_fd, const struct policy *p, const struct req_state *st, const char *outcome,
                  char name[HANDOVER_NAME_MAX], unsigned char digest[DIGEST_BYTES])
{
        bool en = p->org.language == LANG_EN;
        const struct workflow *w = &p->workflows[st->kind];
        const struct role *kabid = &p->roles[ROLE_KEPALA_BIDANG];
        struct text t = { .len = 0 };
        char title[256], when[21];
        size_t i;
        for (i = 0; w->title[i] && i + 1 < sizeof(title); i++)
                title[i] = (char)toupper((unsigned char)w->title[i]);
        title[i] = '\0';
        add(&t, "%s %s\n%s\n%s\n\n", en ? "REPORT:" : "LAPORAN", title, p->org.name, p->org.division);
        add(&t, "%-22s %s%s%s\n", en ? "To" : "Kepada", kabid->title, kabid->n_members ? " — " : "",
            kabid->n_members ? kabid->members[0].name : "");
        add(&t, "%-22s %s\n", en ? "Request" : "Nomor permohonan", st->id);
        add(&t, "%-22s %s\n", en ? "Assignment letter" : "Surat tugas", st->letter[0] ? st->letter : "-");
        if (st->subject[0])
                add(&t, "%-22s %s\n", en ? "Official" : "Pejabat", st->subject);
        add(&t, "%-22s %s\n\n", en ? "Outcome" : "Hasil", outcome);
        add(&t, "%s\n", en ? "Steps:" : "Langkah:");
        for (size_t k = 0; k < st->n_history; k++) {
                const struct history_entry *h = &st->history[k];
                time_format_utc(h->accepted_at, when);
                add(&t, "  - %-14s %-14s %-8s %s  %s\n", h->step < w->n_steps ? w->steps[h->step].id : "?",
                    h->step < w->n_steps ? role_name(w->steps[h->step].role) : "?", decision_name(h->decision),
                    h->actor, when);
        }
        time_format_utc(time(NULL), when);
        add(&t, "\n%s %s.\n", en ? "Recorded in the tamper-evident archive (archive.log) at" :
                                   "Dicatat dalam arsip aman (archive.log) pada", when);
        if (t.len >= sizeof(t.buf) - 1)
                return -E2BIG;
        if (!request_id_valid(st->id, strlen(st->id)))
                return -EINVAL;
        snprintf(name, HANDOVER_NAME_MAX, "%s.laporan.txt", st->id);
        content_digest(t.buf, t.len, digest);
        return write_file_atomic(reports_fd, name, t.buf, t.len, 0640);
}
