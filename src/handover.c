/*
 * handover - the form serah terima, the delivery of the initial password
 * and the report (laporan hasil) of an activation; see handover.h.
 *
 * The form and the report are built in ordinary heap memory and must
 * therefore never contain the password: only the password file does,
 * and its bytes live in sodium_malloc memory from start to end (no
 * stdio, no copies) or are sealed before they are encoded.  Text is
 * assembled from values the request and policy parsers already
 * validated; control characters are still replaced on the way out so
 * that no value can reach a terminal raw.  Nothing here logs: errors go
 * back to the executor, which journals them once.
 */
#include "handover.h"
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "disposition.h"
#include "fileio.h"
#include "keys.h"

#define SEALED_MAGIC "aksesd-handover-v1 sealed\n"
#define PLAIN_MAGIC "aksesd-handover-v1 plain\n"
/* A password file holds at most a 128-character password, sealed and in
 * base64 about 240 bytes: anything much larger is not one of ours. */
#define HANDOVER_FILE_MAX 4096
#define PASSWORD_TEXT_MAX 1024

#define LABEL_WIDTH 22
#define SIGN_COLUMN 40

/* Every sentence of the two documents, per organisation.language. */
struct lang {
        const char *form_title, *report_title;
        const char *request_id, *letter, *dated, *skpd, *received;
        const char *applicant, *name, *nip, *position, *email;
        const char *account, *uid_number, *valid_until, *profiles, *groups, *group_word;
        const char *approvals, *approved_at, *forwarded_to;
        const char *execution, *admin, *activated_at;
        const char *delivery, *pw_file, *sealed_how, *plain_how, *owner_how, *key_word, *must_change, *no_password;
        const char *handed_by, *received_by;
        const char *to, *from, *steps_heading, *actor, *started, *done, *duration;
        const char *minutes_of, *minutes, *within, *over, *not_done, *by_aksesd;
        const char *summary, *form_name, *closing, *none;
};

static const struct lang LANG_TEXT_ID = {
        .form_title = "FORMULIR SERAH TERIMA AKUN HAK AKSES KHUSUS",
        .report_title = "LAPORAN HASIL PEMBERIAN HAK AKSES KHUSUS",
        .request_id = "Nomor permohonan",
        .letter = "Surat permohonan",
        .dated = "tanggal",
        .skpd = "SKPD",
        .received = "Diterima",
        .applicant = "Pemohon",
        .name = "Nama",
        .nip = "NIP",
        .position = "Jabatan",
        .email = "E-mail",
        .account = "Akun",
        .uid_number = "uidNumber",
        .valid_until = "Berlaku sampai",
        .profiles = "Hak akses yang diberikan",
        .groups = "Grup LDAP",
        .group_word = "grup",
        .approvals = "Persetujuan (disposisi)",
        .approved_at = "disetujui",
        .forwarded_to = "diteruskan kepada",
        .execution = "Pelaksanaan",
        .admin = "Admin pelaksana",
        .activated_at = "Diaktifkan pada",
        .delivery = "Penyerahan kata sandi awal",
        .pw_file = "Berkas kata sandi",
        .sealed_how = "Kata sandi awal disegel untuk kunci penerima; buka dengan:",
        .plain_how = "Berkas sekali pakai yang hanya dapat dibaca oleh grup serah terima; buka dengan:",
        .owner_how = "Berkas sekali pakai yang hanya dapat dibaca oleh pengguna layanan aksesd; buka dengan:",
        .key_word = "KUNCI",
        .must_change = "Kata sandi awal wajib diganti pada saat login pertama.",
        .no_password = "Formulir ini tidak memuat kata sandi.",
        .handed_by = "Yang menyerahkan (Admin)",
        .received_by = "Yang menerima (SKPD)",
        .to = "Kepada Yth.",
        .from = "Dari",
        .steps_heading = "Pelaksanaan menurut SOP",
        .actor = "Pelaksana",
        .started = "Mulai",
        .done = "Selesai",
        .duration = "Waktu",
        .minutes_of = "menit dari standar",
        .minutes = "menit",
        .within = "sesuai standar",
        .over = "melebihi standar",
        .not_done = "belum selesai",
        .by_aksesd = "dilaksanakan oleh aksesd",
        .summary = "langkah sesuai standar",
        .form_name = "Formulir serah terima",
        .closing = "Demikian laporan ini disampaikan untuk menjadi perhatian dan arsip.",
        .none = "-",
};

static const struct lang LANG_TEXT_EN = {
        .form_title = "ACCOUNT HANDOVER FORM — SPECIAL ACCESS RIGHTS",
        .report_title = "REPORT: SPECIAL ACCESS GRANTED",
        .request_id = "Request number",
        .letter = "Request letter",
        .dated = "dated",
        .skpd = "SKPD",
        .received = "Received",
        .applicant = "Applicant",
        .name = "Name",
        .nip = "NIP",
        .position = "Position",
        .email = "E-mail",
        .account = "Account",
        .uid_number = "uidNumber",
        .valid_until = "Valid until",
        .profiles = "Access granted",
        .groups = "LDAP groups",
        .group_word = "groups",
        .approvals = "Approvals (dispositions)",
        .approved_at = "approved",
        .forwarded_to = "forwarded to",
        .execution = "Execution",
        .admin = "Executing admin",
        .activated_at = "Activated at",
        .delivery = "Delivery of the initial password",
        .pw_file = "Password file",
        .sealed_how = "The initial password is sealed to the recipient's key; open it with:",
        .plain_how = "A one-time file readable only by the handover group; open it with:",
        .owner_how = "A one-time file readable only by the aksesd service user; open it with:",
        .key_word = "KEY",
        .must_change = "The initial password must be changed at first login.",
        .no_password = "This form does not contain the password.",
        .handed_by = "Handed over by (Admin)",
        .received_by = "Received by (SKPD)",
        .to = "To",
        .from = "From",
        .steps_heading = "Steps of the SOP",
        .actor = "Carried out by",
        .started = "Started",
        .done = "Done",
        .duration = "Time taken",
        .minutes_of = "min against a standard of",
        .minutes = "min",
        .within = "within standard",
        .over = "over standard",
        .not_done = "not done",
        .by_aksesd = "carried out by aksesd",
        .summary = "steps within standard",
        .form_name = "Handover form",
        .closing = "This report is submitted for your information and records.",
        .none = "-",
};

static const struct lang *lang_of(const struct policy *p)
{
        return p->org.language == LANG_EN ? &LANG_TEXT_EN : &LANG_TEXT_ID;
}

/* A growing text document in ordinary heap memory: never a secret. */
struct doc {
        char *buf;
        size_t len, cap;
        bool oom;
};

static void doc_printf(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void doc_printf(struct doc *d, const char *fmt, ...)
{
        if (d->oom)
                return;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                d->oom = true;
                return;
        }
        size_t need = d->len + (size_t)n + 1;
        if (need > d->cap) {
                size_t cap = d->cap ? d->cap : 4096;
                while (cap < need)
                        cap *= 2;
                char *nb = realloc(d->buf, cap);
                if (!nb) {
                        d->oom = true;
                        return;
                }
                d->buf = nb;
                d->cap = cap;
        }
        va_start(ap, fmt);
        vsnprintf(d->buf + d->len, d->cap - d->len, fmt, ap);
        va_end(ap);
        /* Values were validated as single-line text; a control character
         * other than the format's own newlines is replaced all the same. */
        for (size_t i = d->len; i < d->len + (size_t)n; i++) {
                unsigned char ch = (unsigned char)d->buf[i];
                if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
                        d->buf[i] = ' ';
        }
        d->len += (size_t)n;
}

/* "  Label               : value" */
static void doc_kv(struct doc *d, const char *label, const char *value)
{
        doc_printf(d, "  %-*s: %s\n", LABEL_WIDTH, label, value && *value ? value : "-");
}

/* Characters, not bytes, so that the underline fits a UTF-8 title. */
static size_t utf8_chars(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += ((unsigned char)*s & 0xc0) != 0x80;
        return n;
}

static void doc_title(struct doc *d, const struct policy *p, const char *title)
{
        doc_printf(d, "%s\n%s\n%s\n", title, p->org.name ? p->org.name : "", p->org.division ? p->org.division : "");
        size_t n = utf8_chars(title);
        for (size_t i = 0; i < n; i++)
                doc_printf(d, "=");
        doc_printf(d, "\n\n");
}

static const char *str_or_dash(const char *s)
{
        return s && *s ? s : "-";
}

static void format_date(const struct ydate *dt, char out[16])
{
        snprintf(out, 16, "%04d-%02d-%02d", dt->year % 10000, dt->month % 100, dt->day % 100);
}

/* "Name (id)" when the policy knows the actor (in `role` first, then in
 * any role), else the id alone: admins appointed through Procedure 1
 * live in the directory, not in the policy. */
static void actor_label(const struct policy *p, const struct registry *reg, enum role_id role, const char *id,
                        char *out, size_t size)
{
        const struct actor *a = NULL;
        if (role >= 0 && role < ROLE_COUNT)
                a = policy_find_actor(p, role, id);
        for (int r = 0; !a && r < ROLE_COUNT; r++)
                a = policy_find_actor(p, (enum role_id)r, id);
        const struct registered *e = a ? NULL : registry_get(reg, id);
        if (e)
                a = &e->actor;
        if (a && a->name)
                snprintf(out, size, "%s (%s)", a->name, id);
        else
                snprintf(out, size, "%s", str_or_dash(id));
}

static const char *actor_name(const struct policy *p, const struct registry *reg, const char *id)
{
        for (int r = 0; r < ROLE_COUNT; r++) {
                const struct actor *a = policy_find_actor(p, (enum role_id)r, id);
                if (a && a->name)
                        return a->name;
        }
        const struct registered *e = registry_get(reg, id);
        return e && e->name[0] ? e->name : str_or_dash(id);
}

static const struct workflow *workflow_of(const struct handover_info *h)
{
        return (unsigned)h->st->kind < KIND_COUNT ? &h->p->workflows[h->st->kind] : NULL;
}

static const char *role_title(const struct policy *p, enum role_id r)
{
        if (r < 0 || r >= ROLE_COUNT)
                return "-";
        return p->roles[r].title ? p->roles[r].title : role_name(r);
}

/* The request: number, letter, SKPD (code and name from the policy). */
static void doc_request(struct doc *d, const struct handover_info *h, const struct lang *L, bool with_received)
{
        const struct request *r = h->r;
        char buf[256], date[16];
        doc_kv(d, L->request_id, h->st->id);
        if (r->has_letter) {
                format_date(&r->letter_date, date);
                snprintf(buf, sizeof(buf), "%s, %s %s", str_or_dash(r->letter_number), L->dated, date);
                doc_kv(d, L->letter, buf);
        } else {
                doc_kv(d, L->letter, NULL);
        }
        const struct skpd *s = r->skpd ? policy_find_skpd(h->p, r->skpd, strlen(r->skpd)) : NULL;
        if (s)
                snprintf(buf, sizeof(buf), "%s — %s", s->code, str_or_dash(s->name));
        else
                snprintf(buf, sizeof(buf), "%s", str_or_dash(r->skpd));
        doc_kv(d, L->skpd, buf);
        if (with_received) {
                char when[21];
                time_format_utc(h->st->received, when);
                doc_kv(d, L->received, when);
        }
}

static void doc_applicant(struct doc *d, const struct handover_info *h, const struct lang *L)
{
        const struct person *a = &h->r->applicant;
        doc_printf(d, "%s\n", L->applicant);
        doc_kv(d, L->name, a->name);
        doc_kv(d, L->nip, a->nip);
        doc_kv(d, L->position, a->position);
        doc_kv(d, L->email, a->email);
}

static void doc_groups(struct doc *d, const struct handover_info *h, const struct lang *L)
{
        doc_printf(d, "  %-*s: ", LABEL_WIDTH, L->groups);
        if (h->n_groups == 0)
                doc_printf(d, "-");
        for (size_t i = 0; i < h->n_groups; i++)
                doc_printf(d, "%s%s", i ? ", " : "", h->groups[i]);
        doc_printf(d, "\n");
}

/* uid, DN, uidNumber (POSIX accounts), valid-until. */
static void doc_account(struct doc *d, const struct handover_info *h, const struct lang *L)
{
        char buf[32];
        doc_printf(d, "%s\n", L->account);
        doc_kv(d, "uid", h->uid);
        doc_kv(d, "DN", h->dn);
        if (h->uid_number) {
                snprintf(buf, sizeof(buf), "%lu", h->uid_number);
                doc_kv(d, L->uid_number, buf);
        }
        format_date(&h->r->valid_until, buf);
        doc_kv(d, L->valid_until, buf);
}

static void doc_profiles(struct doc *d, const struct handover_info *h, const struct lang *L)
{
        doc_printf(d, "%s\n", L->profiles);
        for (size_t i = 0; i < h->r->n_profiles; i++) {
                const char *id = h->r->profiles[i];
                const struct profile *prof = policy_find_profile(h->p, id, strlen(id));
                if (!prof) {
                        doc_printf(d, "  - %s\n", id);
                        continue;
                }
                doc_printf(d, "  - %s (%s): %s ", prof->id, str_or_dash(prof->title), L->group_word);
                for (size_t g = 0; g < prof->n_groups; g++)
                        doc_printf(d, "%s%s", g ? ", " : "", prof->groups[g]);
                doc_printf(d, "\n");
        }
        doc_groups(d, h, L);
}

static void doc_signatures(struct doc *d, const struct handover_info *h, const struct lang *L)
{
        char left[256], right[256];
        doc_printf(d, "%-*s%s\n\n\n\n", SIGN_COLUMN, L->handed_by, L->received_by);
        snprintf(left, sizeof(left), "(%s)", actor_name(h->p, h->reg, h->admin));
        snprintf(right, sizeof(right), "(%s)", str_or_dash(h->r->applicant.name));
        doc_printf(d, "%-*s%s\n", SIGN_COLUMN, left, right);
        snprintf(right, sizeof(right), "%s %s", L->nip, str_or_dash(h->r->applicant.nip));
        doc_printf(d, "%-*s%s\n", SIGN_COLUMN, "", right);
}

static void build_form(struct doc *d, const struct handover_info *h, const char *pw_name, gid_t group)
{
        const struct policy *p = h->p;
        const struct lang *L = lang_of(p);
        const struct workflow *w = workflow_of(h);
        char buf[512], when[21];

        doc_title(d, p, L->form_title);
        doc_request(d, h, L, false);
        doc_printf(d, "\n");
        doc_applicant(d, h, L);
        doc_printf(d, "\n");
        doc_account(d, h, L);
        doc_printf(d, "\n");
        doc_profiles(d, h, L);

        doc_printf(d, "\n%s\n", L->approvals);
        unsigned n = 0;
        for (size_t i = 0; i < h->st->n_history; i++) {
                const struct history_entry *e = &h->st->history[i];
                if (e->decision != DECISION_APPROVE || !w || e->step >= w->n_steps)
                        continue;
                const struct step *s = &w->steps[e->step];
                actor_label(p, h->reg, s->role, e->actor, buf, sizeof(buf));
                time_format_utc(e->accepted_at, when);
                doc_printf(d, "  %u. %s — %s: %s, %s %s", ++n, s->id, role_title(p, s->role), buf,
                           L->approved_at, when);
                if (e->to[0]) {
                        enum role_id next = e->step + 1 < w->n_steps ? w->steps[e->step + 1].role : ROLE_NONE;
                        actor_label(p, h->reg, next, e->to, buf, sizeof(buf));
                        doc_printf(d, ", %s %s", L->forwarded_to, buf);
                }
                doc_printf(d, "\n");
        }
        if (n == 0)
                doc_printf(d, "  %s\n", L->none);

        doc_printf(d, "\n%s\n", L->execution);
        actor_label(p, h->reg, ROLE_ADMIN, h->admin, buf, sizeof(buf));
        doc_kv(d, L->admin, buf);
        time_format_utc(h->activated_at, when);
        doc_kv(d, L->activated_at, when);

        doc_printf(d, "\n%s\n", L->delivery);
        doc_kv(d, L->pw_file, pw_name);
        if (h->r->has_recipient_key)
                doc_printf(d, "  %s\n      aksesctl handover open %s --key %s\n", L->sealed_how, pw_name, L->key_word);
        else
                doc_printf(d, "  %s\n      aksesctl handover open %s\n",
                           group != (gid_t)-1 ? L->plain_how : L->owner_how, pw_name);
        if (p->passwords.must_change)
                doc_printf(d, "  %s\n", L->must_change);
        doc_printf(d, "  %s\n\n", L->no_password);

        doc_signatures(d, h, L);
}

/* The last approval recorded for step index i, or NULL. */
static const struct history_entry *approval_of(const struct req_state *st, size_t i)
{
        const struct history_entry *found = NULL;
        for (size_t k = 0; k < st->n_history; k++)
                if (st->history[k].step == i && st->history[k].decision == DECISION_APPROVE)
                        found = &st->history[k];
        return found;
}

static void build_report(struct doc *d, const struct handover_info *h, const char *form_name)
{
        const struct policy *p = h->p;
        const struct lang *L = lang_of(p);
        const struct workflow *w = workflow_of(h);
        const struct role *head = &p->roles[ROLE_KEPALA_BIDANG];
        char buf[512], when[21];

        doc_title(d, p, L->report_title);
        doc_printf(d, "%-*s: %s\n", LABEL_WIDTH + 2, L->to, role_title(p, ROLE_KEPALA_BIDANG));
        if (head->n_members > 0)
                doc_printf(d, "%-*s  %s\n", LABEL_WIDTH + 2, "", str_or_dash(head->members[0].name));
        actor_label(p, h->reg, ROLE_ADMIN, h->admin, buf, sizeof(buf));
        doc_printf(d, "%-*s: %s — %s\n\n", LABEL_WIDTH + 2, L->from, role_title(p, ROLE_ADMIN), buf);

        doc_request(d, h, L, true);
        doc_printf(d, "\n");
        doc_applicant(d, h, L);

        doc_printf(d, "\n%s: %s\n", L->steps_heading, w && w->title ? w->title : kind_name(h->st->kind));
        size_t n_steps = w ? w->n_steps : 0, within = 0;
        time_t prev_done = h->st->received;
        bool prev_known = true;
        for (size_t i = 0; i < n_steps; i++) {
                const struct step *s = &w->steps[i];
                const struct history_entry *e = approval_of(h->st, i);
                time_t started = prev_done, done = 0;
                bool known = false, automatic = false;
                const char *actor = NULL;
                if (e) {
                        actor = e->actor;
                        done = e->accepted_at;
                        /* The activate step lasts until the account exists,
                         * as its deadline does (the chain moves on only
                         * after the directory was written). */
                        if (s->action == ACTION_ACTIVATE && h->activated_at > done)
                                done = h->activated_at;
                        known = true;
                } else if (s->action == ACTION_HANDOVER || s->action == ACTION_REPORT) {
                        /* aksesd carries these out in the activation's pass,
                         * on behalf of the executing admin. */
                        actor = h->admin;
                        done = h->activated_at > started ? h->activated_at : started;
                        known = true;
                        automatic = true;
                }
                doc_printf(d, "  %zu. %s — %s\n", i + 1, s->id, role_title(p, s->role));
                if (actor) {
                        actor_label(p, h->reg, s->role, actor, buf, sizeof(buf));
                        if (automatic)
                                doc_printf(d, "     %-*s: %s; %s\n", LABEL_WIDTH - 3, L->actor, buf, L->by_aksesd);
                        else
                                doc_printf(d, "     %-*s: %s\n", LABEL_WIDTH - 3, L->actor, buf);
                } else {
                        doc_printf(d, "     %-*s: -\n", LABEL_WIDTH - 3, L->actor);
                }
                if (prev_known) {
                        time_format_utc(started, when);
                        doc_printf(d, "     %-*s: %s\n", LABEL_WIDTH - 3, L->started, when);
                } else {
                        doc_printf(d, "     %-*s: -\n", LABEL_WIDTH - 3, L->started);
                }
                if (!known) {
                        doc_printf(d, "     %-*s: %s\n", LABEL_WIDTH - 3, L->done, L->not_done);
                        prev_known = false;
                        continue;
                }
                time_format_utc(done, when);
                doc_printf(d, "     %-*s: %s\n", LABEL_WIDTH - 3, L->done, when);
                if (prev_known) {
                        long long secs = done > started ? (long long)(done - started) : 0;
                        long long mins = (secs + 59) / 60;
                        /* Rounded up, so "15 of 15" is never a breach in disguise. */
                        bool ok = secs <= (long long)s->standard_minutes * 60;
                        within += ok;
                        doc_printf(d, "     %-*s: %lld %s %u %s — %s\n", LABEL_WIDTH - 3, L->duration, mins,
                                   L->minutes_of, s->standard_minutes, L->minutes, ok ? L->within : L->over);
                }
                prev_done = done;
                prev_known = true;
        }
        doc_printf(d, "  %zu/%zu %s\n", within, n_steps, L->summary);

        doc_printf(d, "\n");
        doc_account(d, h, L);
        doc_groups(d, h, L);
        time_format_utc(h->activated_at, when);
        doc_kv(d, L->activated_at, when);
        doc_kv(d, L->form_name, form_name);

        doc_printf(d, "\n%s\n\n%s,\n\n\n\n(%s)\n", L->closing, role_title(p, ROLE_ADMIN), actor_name(p, h->reg, h->admin));
}

static int write_doc(int dirfd, const char *name, struct doc *d)
{
        int r = d->oom ? -ENOMEM : write_file_atomic(dirfd, name, d->buf, d->len, 0640);
        free(d->buf);
        d->buf = NULL;
        return r;
}

/* Hands name to the handover group and only then opens it to the group:
 * the file is written 0600, so there is no moment at which the daemon's
 * own group could read a password.  On failure the file is removed. */
static int give_to_group(int dirfd, const char *name, gid_t group)
{
        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        int r = 0;
        struct stat st;
        if (fd < 0)
                r = -errno;
        else if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        /* In a set-group-ID outbox the file already has the group: no
         * fchown, which the service's system call filter forbids. */
        else if ((st.st_gid != group && fchown(fd, (uid_t)-1, group) < 0) || fchmod(fd, 0640) < 0 || fsync(fd) < 0)
                r = -errno;
        if (fd >= 0)
                close(fd);
        if (r < 0)
                unlinkat(dirfd, name, 0);
        return r;
}

int handover_write_sealed(int dirfd, const char *name, const unsigned char pk[crypto_box_PUBLICKEYBYTES],
                          const char *password, gid_t group)
{
        size_t pwlen = strlen(password);
        size_t clen = crypto_box_SEALBYTES + pwlen;
        size_t b64len = sodium_base64_ENCODED_LEN(clen, sodium_base64_VARIANT_ORIGINAL);
        size_t hdr = sizeof(SEALED_MAGIC) - 1;
        /* Only ciphertext from here on: ordinary memory is fine. */
        unsigned char *c = malloc(clen);
        char *out = malloc(hdr + b64len + 1);
        int r = -ENOMEM;
        if (!c || !out)
                goto out;
        r = -EINVAL;    /* a public key libsodium refuses (e.g. of small order) */
        if (crypto_box_seal(c, (const unsigned char *)password, pwlen, pk) != 0)
                goto out;
        memcpy(out, SEALED_MAGIC, hdr);
        sodium_bin2base64(out + hdr, b64len, c, clen, sodium_base64_VARIANT_ORIGINAL);
        size_t len = strlen(out);
        out[len++] = '\n';
        r = write_file_atomic(dirfd, name, out, len, 0640);
        /* Sealed: the group may carry it to the recipient, not open it. */
        if (r == 0 && group != (gid_t)-1)
                r = give_to_group(dirfd, name, group);
out:
        free(c);
        free(out);
        return r;
}

static int write_plain(int dirfd, const char *name, const char *password, gid_t group)
{
        size_t pwlen = strlen(password);
        size_t hdr = sizeof(PLAIN_MAGIC) - 1;
        size_t len = hdr + pwlen + 1;
        char *buf = sodium_malloc(len);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, PLAIN_MAGIC, hdr);
        memcpy(buf + hdr, password, pwlen);
        buf[len - 1] = '\n';
        int r = write_file_atomic(dirfd, name, buf, len, 0600);
        sodium_free(buf);
        if (r == 0 && group != (gid_t)-1)
                r = give_to_group(dirfd, name, group);
        return r;
}

static bool names_for(const struct req_state *st, const char *suffix, char out[HANDOVER_NAME_MAX])
{
        /* The id becomes a file name: only ever REQ-YYYYMMDD-NNNNNN. */
        if (!request_id_valid(st->id, strlen(st->id)))
                return false;
        return (size_t)snprintf(out, HANDOVER_NAME_MAX, "%s.%s", st->id, suffix) < HANDOVER_NAME_MAX;
}

int handover_write(int outbox_fd, const struct handover_info *h, const char *password, gid_t group,
                   char doc_name[HANDOVER_NAME_MAX], char pw_name[HANDOVER_NAME_MAX])
{
        char doc[HANDOVER_NAME_MAX], pwf[HANDOVER_NAME_MAX];
        bool sealed = h->r->has_recipient_key;
        if (!names_for(h->st, "serah-terima.txt", doc) ||
            !names_for(h->st, sealed ? "password.sealed" : "password", pwf))
                return -EINVAL;

        /* The password file first: a form never names a file that is not there. */
        int r = sealed ? handover_write_sealed(outbox_fd, pwf, h->r->recipient_pk, password, group)
                       : write_plain(outbox_fd, pwf, password, group);
        if (r < 0)
                return r;

        struct doc d = { 0 };
        build_form(&d, h, pwf, group);
        r = write_doc(outbox_fd, doc, &d);
        if (r < 0)
                return r;
        memcpy(doc_name, doc, sizeof(doc));
        memcpy(pw_name, pwf, sizeof(pwf));
        return 0;
}

int report_write(int reports_fd, const struct handover_info *h, char name[HANDOVER_NAME_MAX])
{
        char rep[HANDOVER_NAME_MAX], form[HANDOVER_NAME_MAX];
        if (!names_for(h->st, "laporan.txt", rep) || !names_for(h->st, "serah-terima.txt", form))
                return -EINVAL;
        struct doc d = { 0 };
        build_report(&d, h, form);
        int r = write_doc(reports_fd, rep, &d);
        if (r < 0)
                return r;
        memcpy(name, rep, sizeof(rep));
        return 0;
}

/* The one line after the magic: the password, no control characters.
 * Returns its length, or 0 when the body is not exactly that. */
static size_t password_line(const char *body, size_t len)
{
        if (len > 0 && body[len - 1] == '\n')
                len--;
        if (len == 0 || len > PASSWORD_TEXT_MAX)
                return 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char ch = (unsigned char)body[i];
                if (ch < 0x20 || ch == 0x7f)
                        return 0;
        }
        return len;
}

static int open_plain(const char *body, size_t len, char **ret, char *err, size_t errlen)
{
        size_t pwlen = password_line(body, len);
        if (pwlen == 0) {
                snprintf(err, errlen, "malformed handover file");
                return -EINVAL;
        }
        char *pw = sodium_malloc(pwlen + 1);
        if (!pw) {
                snprintf(err, errlen, "out of secure memory");
                return -ENOMEM;
        }
        memcpy(pw, body, pwlen);
        pw[pwlen] = '\0';
        *ret = pw;
        return 0;
}

static int open_sealed(const char *body, size_t len, const char *key_path, char **ret,
                       char *err, size_t errlen)
{
        if (!key_path) {
                snprintf(err, errlen, "this handover is sealed: give the recipient's key file (--key)");
                return -EINVAL;
        }
        if (len > 0 && body[len - 1] == '\n')
                len--;
        unsigned char c[HANDOVER_FILE_MAX];
        size_t clen = 0;
        const char *end = NULL;
        if (sodium_base642bin(c, sizeof(c), body, len, NULL, &clen, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            end != body + len || clen <= crypto_box_SEALBYTES || clen - crypto_box_SEALBYTES > PASSWORD_TEXT_MAX) {
                snprintf(err, errlen, "malformed handover file");
                return -EINVAL;
        }

        struct secret_key *k = NULL;
        char kerr[512];
        int r = key_load_secret(key_path, &k, kerr, sizeof(kerr));
        if (r < 0) {
                snprintf(err, errlen, "%s", kerr);
                return r;
        }
        size_t mlen = clen - crypto_box_SEALBYTES;
        unsigned char *xsk = sodium_malloc(crypto_box_SECRETKEYBYTES);
        unsigned char *m = sodium_malloc(mlen + 1);
        unsigned char xpk[crypto_box_PUBLICKEYBYTES];
        r = -ENOMEM;
        if (!xsk || !m) {
                snprintf(err, errlen, "out of secure memory");
                goto out;
        }
        /* The recipient's signing key doubles as its sealing key: the
         * request carries the Ed25519 public key converted the same way. */
        r = -EINVAL;
        if (crypto_sign_ed25519_sk_to_curve25519(xsk, k->sk) != 0 ||
            crypto_sign_ed25519_pk_to_curve25519(xpk, k->pk) != 0) {
                snprintf(err, errlen, "%s: key cannot be used for sealing", key_path);
                goto out;
        }
        r = -EACCES;
        if (crypto_box_seal_open(m, c, clen, xpk, xsk) != 0) {
                snprintf(err, errlen, "this handover is sealed to another key");
                goto out;
        }
        r = -EINVAL;
        if (password_line((const char *)m, mlen) != mlen) {
                snprintf(err, errlen, "malformed handover file");
                goto out;
        }
        m[mlen] = '\0';
        *ret = (char *)m;
        m = NULL;
        r = 0;
out:
        sodium_free(m);
        sodium_free(xsk);
        key_free_secret(k);
        return r;
}

int handover_open(const char *path, const char *key_path, char **ret, char *err, size_t errlen)
{
        /* Messages about the file do not repeat its path: the caller names it. */
        char *buf = NULL, rerr[256];
        size_t len = 0;
        int r = read_file_checked(AT_FDCWD, path, HANDOVER_FILE_MAX, &buf, &len, NULL, rerr, sizeof(rerr));
        if (r < 0) {
                snprintf(err, errlen, "%s", rerr);
                return r;
        }
        size_t sl = sizeof(SEALED_MAGIC) - 1, pl = sizeof(PLAIN_MAGIC) - 1;
        if (len >= sl && memcmp(buf, SEALED_MAGIC, sl) == 0) {
                r = open_sealed(buf + sl, len - sl, key_path, ret, err, errlen);
        } else if (len >= pl && memcmp(buf, PLAIN_MAGIC, pl) == 0) {
                /* A key given for a plain file is simply not needed. */
                r = open_plain(buf + pl, len - pl, ret, err, errlen);
        } else {
                snprintf(err, errlen, "not an aksesd handover file");
                r = -EINVAL;
        }
        /* read_file_checked's buffer is plain heap: wipe it before it goes back. */
        sodium_memzero(buf, len);
        free(buf);
        return r;
}
