/*
 * daemon - aksesd's event loop; see daemon.h and docs/DESIGN.md.
 *
 * Order of writes matters everywhere here: the state file is written
 * before a disposition file is filed and before anything is journaled,
 * so a crash at any point is either finished at start-up or undone, and
 * nothing is lost or done twice (docs/DESIGN.md, "Crash safety").
 */
#include "daemon.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/statvfs.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "chain.h"
#include "diag.h"
#include "disposition.h"
#include "executor.h"
#include "fileio.h"
#include "handover.h"
#include "password.h"
#include "provision.h"
#include "archive.h"
#include "ldapdn.h"
#include "registry.h"
#include "report1.h"
#include "period.h"
#include "journal.h"
#include "policy.h"
#include "request.h"
#include "spool.h"
#include "state.h"

struct open_entry {
        char id[REQUEST_ID_LEN + 1];
        time_t deadline;
        bool breached;
        bool untimed;           /* with the executor: no person's deadline runs */
};

/* Intake is group-committed: names from inotify wait in a bounded queue,
 * a defer source drains it, and the requests of a batch are stored
 * without a sync each, made durable by one, and only then journaled
 * (docs/DESIGN.md, "Write orders"). */
#define INTAKE_QUEUE 4096       /* names waiting; beyond it drop/ is read again */
#define INTAKE_BATCH 256        /* files taken, and requests stored, per sync */

/* A request validated and waiting in work/ for its batch's sync. */
struct intake_item {
        char name[256];
        char id[REQUEST_ID_LEN + 1];    /* "" until the batch allocates one */
        enum request_kind kind;
        unsigned char digest[DIGEST_BYTES];
        uid_t owner;
        char submitter[33];
        time_t received;
        char skpd[33], letter[101], subject[ACTOR_ID_MAX + 1];
        char *buf;                      /* the validated bytes, stored as request.yaml */
        size_t len;
        bool failed;                    /* journaled; left for the next start */
};

struct daemon {
        const struct daemon_options *opts;
        struct policy *policy;
        struct spool spool;
        struct journal journal;
        sd_event *event;
        sd_event_source *deadline_timer, *space_timer;
        bool intake_paused;
        unsigned long quarantined;
        struct open_entry *open;
        size_t n_open, cap_open;
        uid_t *allowed_uids;
        size_t n_allowed_uids;
        gid_t *allowed_gids;
        size_t n_allowed_gids;
        gid_t handover_gid;             /* (gid_t)-1: password files owner-only */
        struct executor *executor;
        /* Activations handed to the executor, and those waiting for the
         * directory to come back (retried with backoff). */
        char (*in_flight)[REQUEST_ID_LEN + 1];
        size_t n_in_flight, cap_in_flight;
        sd_event_source *retry_timer, *period_timer;
        unsigned retry_delay;           /* seconds; 0 while the directory is up */
        bool directory_down;
        bool retrying;                  /* hand-offs now are retries: journaled once, at the first */
        bool resuming;                  /* processing what work/ held at start-up */
        struct registry registry;       /* actors appointed through Procedure 1 */
        struct secret_key *daemon_key;  /* signs the archive */
        int vault_fd;                   /* sealed super administrator credentials */
        char *spool_path;               /* the spool in use (a reload does not move it) */
        char **queue;                   /* names from inotify, a ring of INTAKE_QUEUE */
        size_t q_head, q_len;
        bool rescan;                    /* names were lost (queue or inotify overflow): read drop/ again */
        DIR *scan;                      /* drop/ being read again */
        sd_event_source *drain;
        struct intake_item *batch;      /* INTAKE_BATCH of them */
        size_t n_batch;
};

static void update_status(struct daemon *d)
{
        size_t overdue = 0;
        for (size_t i = 0; i < d->n_open; i++)
                overdue += d->open[i].breached && !d->open[i].untimed;
        sd_notifyf(0, "STATUS=%s%zu pending, %zu overdue, %lu quarantined", d->intake_paused ? "intake paused (low space); " : "",
                   d->n_open, overdue, d->quarantined);
}

/* --- who may drop files ------------------------------------------------ */

static int resolve_owners(struct daemon *d)
{
        const struct policy *p = d->policy;
        free(d->allowed_uids);
        free(d->allowed_gids);
        d->allowed_uids = calloc(p->spool.n_allowed_users + 2, sizeof(uid_t));
        d->allowed_gids = calloc(p->spool.n_allowed_groups + 1, sizeof(gid_t));
        d->n_allowed_uids = d->n_allowed_gids = 0;
        if (!d->allowed_uids || !d->allowed_gids)
                return -ENOMEM;
        /* The daemon's own user may always write its spool. */
        d->allowed_uids[d->n_allowed_uids++] = geteuid();
        for (size_t i = 0; i < p->spool.n_allowed_users; i++) {
                const char *name = p->spool.allowed_users[i];
                struct passwd *pw = getpwnam(name);
                char *end;
                unsigned long uid = strtoul(name, &end, 10);
                if (pw)
                        d->allowed_uids[d->n_allowed_uids++] = pw->pw_uid;
                else if (*name && !*end)
                        d->allowed_uids[d->n_allowed_uids++] = (uid_t)uid;
                else
                        journal_event(&d->journal, EV_POLICY_REFUSED, LOG_WARNING, NULL,
                                      "spool.allowed_users: no such user '%s'; it is ignored", name);
        }
        d->handover_gid = (gid_t)-1;
        if (p->handover.group) {
                struct group *hg = getgrnam(p->handover.group);
                if (hg)
                        d->handover_gid = hg->gr_gid;
                else
                        journal_event(&d->journal, EV_POLICY_REFUSED, LOG_WARNING, NULL,
                                      "handover.group: no such group '%s'; password files are owner-only",
                                      p->handover.group);
        }
        for (size_t i = 0; i < p->spool.n_allowed_groups; i++) {
                struct group *gr = getgrnam(p->spool.allowed_groups[i]);
                if (gr)
                        d->allowed_gids[d->n_allowed_gids++] = gr->gr_gid;
                else
                        journal_event(&d->journal, EV_POLICY_REFUSED, LOG_WARNING, NULL,
                                      "spool.allowed_groups: no such group '%s'; it is ignored",
                                      p->spool.allowed_groups[i]);
        }
        return 0;
}

static bool owner_allowed(const struct daemon *d, uid_t uid)
{
        for (size_t i = 0; i < d->n_allowed_uids; i++)
                if (d->allowed_uids[i] == uid)
                        return true;
        if (d->n_allowed_gids == 0)
                return false;
        struct passwd *pw = getpwuid(uid);
        if (!pw)
                return false;
        gid_t groups[256];
        int n = 256;
        if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
                n = 256;
        for (int i = 0; i < n; i++)
                for (size_t j = 0; j < d->n_allowed_gids; j++)
                        if (groups[i] == d->allowed_gids[j])
                                return true;
        return false;
}

static void user_name(uid_t uid, char out[33])
{
        struct passwd *pw = getpwuid(uid);
        if (pw)
                snprintf(out, 33, "%s", pw->pw_name);
        else
                snprintf(out, 33, "%u", (unsigned)uid);
}

/* --- the index of open requests ---------------------------------------- */

static struct open_entry *find_open(struct daemon *d, const char *id)
{
        for (size_t i = 0; i < d->n_open; i++)
                if (strcmp(d->open[i].id, id) == 0)
                        return &d->open[i];
        return NULL;
}

static void rearm_deadline_timer(struct daemon *d)
{
        time_t next = 0;
        for (size_t i = 0; i < d->n_open; i++)
                if (!d->open[i].breached && !d->open[i].untimed && (next == 0 || d->open[i].deadline < next))
                        next = d->open[i].deadline;
        if (next == 0) {
                sd_event_source_set_enabled(d->deadline_timer, SD_EVENT_OFF);
        } else {
                sd_event_source_set_time(d->deadline_timer, (uint64_t)next * 1000000ULL);
                sd_event_source_set_enabled(d->deadline_timer, SD_EVENT_ONESHOT);
        }
        update_status(d);
}

/* Records where an open request stands; removes it when it closed. */
static void index_request(struct daemon *d, const struct req_state *st)
{
        struct open_entry *e = find_open(d, st->id);
        if (st->status != STATUS_OPEN) {
                if (e)
                        *e = d->open[--d->n_open];
                rearm_deadline_timer(d);
                return;
        }
        if (!e) {
                if (d->n_open == d->cap_open) {
                        size_t cap = d->cap_open ? d->cap_open * 2 : 64;
                        struct open_entry *v = realloc(d->open, cap * sizeof(*v));
                        if (!v)
                                return;         /* the state file still holds it; found again at restart */
                        d->open = v;
                        d->cap_open = cap;
                }
                e = &d->open[d->n_open++];
                snprintf(e->id, sizeof(e->id), "%s", st->id);
        }
        e->deadline = state_deadline(st, d->policy);
        e->breached = st->breached;
        /* Once the activate step is approved the executor holds it: no
         * person's service standard runs any more. */
        e->untimed = st->activation_due;
        rearm_deadline_timer(d);
}

/* --- journal helpers ---------------------------------------------------- */

static void deadline_text(time_t t, char out[21])
{
        time_format_utc(t, out);
}

static void journal_step(struct daemon *d, const struct req_state *st)
{
        const struct step *s = chain_current_step(d->policy, st);
        if (!s)
                return;
        const char *actor;
        enum role_id role = chain_who_must_act(d->policy, st, &actor);
        char deadline[21];
        deadline_text(state_deadline(st, d->policy), deadline);
        struct event_fields f = { .request_id = st->id, .step = s->id, .role = role_name(role), .actor = actor,
                                  .skpd = st->skpd, .letter = st->letter, .deadline = deadline };
        journal_event(&d->journal, EV_STEP_STARTED, LOG_INFO, &f,
                      "%s: step '%s' (%s) is with %s%s%s, due %s", st->id, s->id, action_name(s->action),
                      role_name(role), actor[0] ? " " : "", actor, deadline);
}

/* --- quarantine --------------------------------------------------------- */

static void quarantine(struct daemon *d, const char *name, const char *request_id, const char *submitter,
                       const char *reason)
{
        char qname[256] = "";
        int r = spool_quarantine(&d->spool, d->spool.work_fd, name, reason, qname);
        struct event_fields f = { .request_id = request_id, .reason = reason, .file = qname[0] ? qname : name,
                                  .submitter = submitter };
        if (r < 0) {
                /* The file stays in work/ and is retried at the next start. */
                journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_ERR, &f,
                              "could not quarantine %s: %s", name, strerror(-r));
                return;
        }
        d->quarantined++;
        journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_WARNING, &f, "%s quarantined as %s: %.300s", name,
                      qname, reason);
        update_status(d);
}

/* --- requests ------------------------------------------------------------ */

/* A name aksesctl submit gave: "REQ-YYYYMMDD-NNNNNN.yaml".  The id is
 * used only when the counter really handed it out; otherwise the request
 * gets a fresh one, so nobody can claim an id by naming a file. */
static bool id_from_name(const char *name, char id[REQUEST_ID_LEN + 1])
{
        size_t len = strlen(name);
        if (len != REQUEST_ID_LEN + 5 || strcmp(name + REQUEST_ID_LEN, ".yaml") != 0 ||
            !request_id_valid(name, REQUEST_ID_LEN))
                return false;
        memcpy(id, name, REQUEST_ID_LEN);
        id[REQUEST_ID_LEN] = '\0';
        return true;
}

static void item_state(const struct intake_item *it, struct req_state *st)
{
        memset(st, 0, sizeof(*st));
        snprintf(st->id, sizeof(st->id), "%s", it->id);
        st->kind = it->kind;
        memcpy(st->digest, it->digest, sizeof(st->digest));
        st->submitter_uid = it->owner;
        snprintf(st->submitter, sizeof(st->submitter), "%s", it->submitter);
        st->received = it->received;
        st->step_started = it->received;
        snprintf(st->skpd, sizeof(st->skpd), "%s", it->skpd);
        snprintf(st->letter, sizeof(st->letter), "%s", it->letter);
        snprintf(st->subject, sizeof(st->subject), "%s", it->subject);
        st->status = STATUS_OPEN;
}

/* Stores the batch: ids with one update of drop/.seq, every request staged
 * without a sync, one sync, then each published (its dropped file removed)
 * and journaled.  Nothing is journaled before it is durable, and the
 * dropped file is kept until its stored copy is. */
static void intake_commit(struct daemon *d)
{
        size_t n = d->n_batch, need = 0;
        if (n == 0)
                return;
        d->n_batch = 0;
        struct intake_item *b = d->batch;
        int r = 0;
        for (size_t i = 0; i < n; i++)
                need += !b[i].id[0];
        if (need) {
                char (*ids)[REQUEST_ID_LEN + 1] = malloc(need * sizeof(*ids));
                r = ids ? spool_next_ids(&d->spool, time(NULL), need, ids) : -ENOMEM;
                for (size_t i = 0, k = 0; i < n; i++) {
                        if (b[i].id[0])
                                continue;
                        if (r == 0) {
                                memcpy(b[i].id, ids[k++], sizeof(b[i].id));
                                continue;
                        }
                        b[i].failed = true;
                        journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_ERR, NULL,
                                      "cannot allocate a request id for %s: %s; it stays in work/", b[i].name,
                                      strerror(-r));
                }
                free(ids);
        }
        size_t staged = 0;
        for (size_t i = 0; i < n; i++) {
                struct req_state st;
                if (b[i].failed)
                        continue;
                item_state(&b[i], &st);
                if ((r = spool_stage_request(&d->spool, b[i].name, &st, b[i].buf, b[i].len)) < 0) {
                        b[i].failed = true;
                        journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_ERR, NULL,
                                      "cannot store request %s: %s; it is retried at restart", b[i].name, strerror(-r));
                        continue;
                }
                staged++;
        }
        /* The one sync of the batch: states, stored requests, the dropped
         * files moved beside them and the id counter, all durable. */
        if (staged && (r = spool_sync(&d->spool)) < 0) {
                for (size_t i = 0; i < n; i++) {
                        if (b[i].failed)
                                continue;
                        b[i].failed = true;
                        journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_ERR, NULL,
                                      "cannot store request %s: %s; it is retried at restart", b[i].name, strerror(-r));
                }
        }
        for (size_t i = 0; i < n; i++) {
                struct req_state st;
                if (b[i].failed)
                        continue;
                /* Published, then journaled at once: a crash in between is the
                 * only way to lose these events, as before batching. */
                if ((r = spool_publish_request(&d->spool, b[i].id)) < 0) {
                        journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_ERR, NULL,
                                      "cannot store request %s as %s: %s; it is completed at restart", b[i].name,
                                      b[i].id, strerror(-r));
                        continue;
                }
                item_state(&b[i], &st);
                struct event_fields f = { .request_id = st.id, .skpd = st.skpd, .letter = st.letter,
                                          .submitter = b[i].submitter, .file = b[i].name };
                journal_event(&d->journal, EV_REQUEST_RECEIVED, LOG_NOTICE, &f, "%s received: %s from %s%s%s, letter %s",
                              st.id, kind_name(st.kind), b[i].submitter, st.skpd[0] ? " for " : "", st.skpd,
                              st.letter[0] ? st.letter : "(none)");
                journal_step(d, &st);
                index_request(d, &st);
        }
        for (size_t i = 0; i < n; i++)
                free(b[i].buf);
}

/* Validates a request and adds it to the batch; takes buf. */
static void take_request(struct daemon *d, const char *name, char *buf, size_t len, uid_t owner,
                         const char *submitter)
{
        time_t now = time(NULL);
        struct diag_list diags;
        struct request *req = NULL;
        diag_init(&diags);
        int r = request_parse(d->policy, name, buf, len, now, &diags, &req);
        if (r < 0) {
                diag_sort(&diags);
                char *text = diag_join(&diags);
                quarantine(d, name, NULL, submitter, text ? text : "invalid request (out of memory describing it)");
                free(text);
                diag_free(&diags);
                free(buf);
                return;
        }
        diag_free(&diags);

        if (!d->batch && !(d->batch = calloc(INTAKE_BATCH, sizeof(*d->batch)))) {
                request_free(req);
                free(buf);
                journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_ERR, NULL,
                              "cannot take %s: out of memory; it stays in work/", name);
                return;
        }
        struct intake_item *it = &d->batch[d->n_batch];
        memset(it, 0, sizeof(*it));
        char id[REQUEST_ID_LEN + 1];
        if (id_from_name(name, id) && spool_id_allocated(&d->spool, id)) {
                struct req_state existing;
                bool closed, queued = false;
                char err[256];
                for (size_t i = 0; i < d->n_batch; i++)
                        queued |= strcmp(d->batch[i].id, id) == 0;
                if (queued || spool_read_state(&d->spool, id, &existing, &closed, err, sizeof(err)) != -ENOENT) {
                        request_free(req);
                        free(buf);
                        quarantine(d, name, id, submitter, "the request id in the file name is already in use");
                        return;
                }
                memcpy(it->id, id, sizeof(it->id));
        }
        snprintf(it->name, sizeof(it->name), "%s", name);
        it->kind = req->kind;
        content_digest(buf, len, it->digest);
        it->owner = owner;
        snprintf(it->submitter, sizeof(it->submitter), "%s", submitter);
        it->received = now;
        snprintf(it->skpd, sizeof(it->skpd), "%s", req->skpd ? req->skpd : "");
        snprintf(it->letter, sizeof(it->letter), "%s", req->letter_number ? req->letter_number : "");
        snprintf(it->subject, sizeof(it->subject), "%s", req->appointee.id ? req->appointee.id : "");
        request_free(req);
        /* Only the bytes: read_file_checked's buffer is the size of the cap. */
        char *small = realloc(buf, len + 1);
        it->buf = small ? small : buf;
        it->len = len;
        if (++d->n_batch == INTAKE_BATCH)
                intake_commit(d);
}

/* --- dispositions -------------------------------------------------------- */

static void close_if_final(struct daemon *d, const struct req_state *st)
{
        if (st->status == STATUS_OPEN)
                return;
        int r = spool_close_request(&d->spool, st->id);
        if (r < 0)
                journal_event(&d->journal, EV_STATE_CORRUPT, LOG_ERR, &(struct event_fields){ .request_id = st->id },
                              "%s: cannot move to closed/: %s (retried at restart)", st->id, strerror(-r));
}

/* --- activation ------------------------------------------------------------ */

static bool in_flight(struct daemon *d, const char *id, bool remove)
{
        for (size_t i = 0; i < d->n_in_flight; i++) {
                if (strcmp(d->in_flight[i], id) != 0)
                        continue;
                if (remove)
                        memcpy(d->in_flight[i], d->in_flight[--d->n_in_flight], REQUEST_ID_LEN + 1);
                return true;
        }
        return false;
}

/* The request as stored, parsed against the current policy.  Dates are
 * judged as on the day it was received, so that a request accepted then
 * is not refused now. */
static int load_request(struct daemon *d, const struct req_state *st, bool closed, struct request **ret,
                        char *err, size_t errlen)
{
        char *buf = NULL;
        size_t len;
        int r = spool_read_request(&d->spool, st->id, closed, &buf, &len);
        if (r < 0) {
                snprintf(err, errlen, "cannot read the stored request: %s", strerror(-r));
                return r;
        }
        struct diag_list diags;
        diag_init(&diags);
        r = request_parse(d->policy, "request.yaml", buf, len, st->received, &diags, ret);
        if (r < 0) {
                char *text = diag_join(&diags);
                snprintf(err, errlen, "the stored request no longer fits the policy: %s", text ? text : "");
                free(text);
        }
        diag_free(&diags);
        free(buf);
        return r;
}

static void fail_request(struct daemon *d, struct req_state *st, enum akses_event ev, const char *reason)
{
        st->status = STATUS_FAILED;
        st->activation_due = false;
        snprintf(st->reason, sizeof(st->reason), "%s", reason);
        const struct step *s = &d->policy->workflows[st->kind].steps[st->step];
        struct event_fields f = { .request_id = st->id, .step = s->id, .skpd = st->skpd, .letter = st->letter,
                                  .reason = reason };
        if (spool_write_state(&d->spool, st) < 0)
                return;         /* still activation_due on disk: retried at the next start */
        journal_event(&d->journal, ev, LOG_ERR, &f, "%s stopped at step '%s': %s", st->id, s->id, reason);
        close_if_final(d, st);
        index_request(d, st);
}


static bool track_in_flight(struct daemon *d, const char *id)
{
        if (d->n_in_flight == d->cap_in_flight) {
                size_t cap = d->cap_in_flight ? d->cap_in_flight * 2 : 16;
                void *v = realloc(d->in_flight, cap * sizeof(*d->in_flight));
                if (!v)
                        return false;
                d->in_flight = v;
                d->cap_in_flight = cap;
        }
        snprintf(d->in_flight[d->n_in_flight++], REQUEST_ID_LEN + 1, "%s", id);
        return true;
}

/* Procedure 1: what the approved request does to whom, checked against
 * the registry before anything is written. */
static int actor_job_for(struct daemon *d, const struct req_state *st, const struct request *req,
                         struct actor_job *job, char *err, size_t errlen)
{
        const struct policy *p = d->policy;
        const struct person *who = &req->appointee;
        snprintf(job->letter, sizeof(job->letter), "%s", req->letter_number ? req->letter_number : "");
        snprintf(job->request_id, sizeof(job->request_id), "%s", st->id);
        switch (st->kind) {
        case KIND_SUPERADMIN_APPOINT:
        case KIND_ADMIN_APPOINT:
                job->op = ACTOR_APPOINT;
                job->role = st->kind == KIND_SUPERADMIN_APPOINT ? ROLE_SUPER_ADMIN : ROLE_ADMIN;
                if (policy_find_actor(p, ROLE_KEPALA_BIDANG, who->id)) {
                        snprintf(err, errlen, "'%s' is a Kepala Bidang of the policy's root of trust", who->id);
                        return -EPERM;
                }
                break;
        case KIND_ADMIN_UPDATE:
        case KIND_SUPERADMIN_REVOKE:
        case KIND_ADMIN_REMOVE: {
                job->op = st->kind == KIND_ADMIN_UPDATE ? ACTOR_UPDATE : ACTOR_REMOVE;
                job->role = st->kind == KIND_SUPERADMIN_REVOKE ? ROLE_SUPER_ADMIN : ROLE_ADMIN;
                if (!actor_lookup(p, &d->registry, job->role, who->id)) {
                        snprintf(err, errlen, "'%s' is not a current %s", who->id, role_name(job->role));
                        return -EPERM;
                }
                break;
        }
        case KIND_SUPERADMIN_ROTATE:
        default:
                job->op = ACTOR_ROTATE;
                job->role = ROLE_SUPER_ADMIN;
                snprintf(job->dn, sizeof(job->dn), "%s", p->accounts.superadmin_dn);
                return 0;
        }
        snprintf(job->id, sizeof(job->id), "%s", who->id);
        snprintf(job->name, sizeof(job->name), "%s", who->name ? who->name : "");
        snprintf(job->nip, sizeof(job->nip), "%s", who->nip ? who->nip : "");
        snprintf(job->position, sizeof(job->position), "%s", who->position ? who->position : "");
        snprintf(job->email, sizeof(job->email), "%s", who->email ? who->email : "");
        snprintf(job->phone, sizeof(job->phone), "%s", who->phone ? who->phone : "");
        job->has_key = who->has_key;
        memcpy(job->key, who->key, sizeof(job->key));
        char *dn = dn_child("uid", who->id, p->accounts.people_base);
        char *group = dn_child("cn", role_name(job->role), p->accounts.role_base);
        if (job->op == ACTOR_APPOINT) {
                char *other = dn_child("cn", role_name(job->role == ROLE_ADMIN ? ROLE_SUPER_ADMIN : ROLE_ADMIN),
                                       p->accounts.role_base);
                if (other && strlen(other) < sizeof(job->other_group_dn))
                        snprintf(job->other_group_dn, sizeof(job->other_group_dn), "%s", other);
                free(other);
        }
        int r = 0;
        if (!dn || !group || strlen(dn) >= sizeof(job->dn) || strlen(group) >= sizeof(job->role_group_dn)) {
                snprintf(err, errlen, "cannot build the account's DN");
                r = -EINVAL;
        } else {
                snprintf(job->dn, sizeof(job->dn), "%s", dn);
                snprintf(job->role_group_dn, sizeof(job->role_group_dn), "%s", group);
        }
        free(dn);
        free(group);
        return r;
}

static void start_actor_job(struct daemon *d, struct req_state *st, struct event_fields *f)
{
        char err[1024];
        struct request *req = NULL;
        if (load_request(d, st, false, &req, err, sizeof(err)) < 0) {
                fail_request(d, st, EV_ACTIVATION_CONFLICT, err);
                return;
        }
        struct job *job = calloc(1, sizeof(*job));
        struct actor_job *aj = calloc(1, sizeof(*aj));
        int r = job && aj ? actor_job_for(d, st, req, aj, err, sizeof(err)) : -ENOMEM;
        request_free(req);
        if (r < 0) {
                free(job);
                free(aj);
                if (r != -ENOMEM)
                        fail_request(d, st, EV_ACTIVATION_CONFLICT, err);
                return;
        }
        snprintf(job->id, sizeof(job->id), "%s", st->id);
        job->actor = aj;
        job->policy = policy_ref(d->policy);
        if (!track_in_flight(d, st->id)) {
                executor_job_free(job);
                return;
        }
        if (!d->retrying)
                journal_event(&d->journal, EV_ACTIVATION_DUE, LOG_NOTICE, f, "%s: approved; carrying out %s for %s",
                              st->id, kind_name(st->kind), aj->dn);
        executor_submit(d->executor, job);
}

/* Hands an approved activation to the executor thread. */
static void start_activation(struct daemon *d, struct req_state *st)
{
        const struct step *s = chain_current_step(d->policy, st);
        struct event_fields f = { .request_id = st->id, .step = s ? s->id : "", .skpd = st->skpd,
                                  .letter = st->letter, .role = s ? role_name(s->role) : "" };
        if (in_flight(d, st->id, false))
                return;
        if (st->kind != KIND_SKPD_ACCESS) {
                start_actor_job(d, st, &f);
                return;
        }
        char err[1024], approvers[16][CHAIN_APPROVER_MAX];
        const char *approver_ptrs[16];
        struct request *req = NULL;
        if (load_request(d, st, false, &req, err, sizeof(err)) < 0) {
                fail_request(d, st, EV_ACTIVATION_CONFLICT, err);
                return;
        }
        size_t n = chain_approvers(d->policy, st, approvers, approver_ptrs, 16);
        struct plan_input in = { .request_id = st->id, .provisioned_by = n ? st->history[st->n_history - 1].actor : "",
                                 .approvers = approver_ptrs, .n_approvers = n, .now = time(NULL) };
        struct job *job = calloc(1, sizeof(*job));
        int r = job ? provision_plan(d->policy, req, &in, &job->plan, err, sizeof(err)) : -ENOMEM;
        request_free(req);
        if (r < 0) {
                free(job);
                if (r == -EINVAL)
                        fail_request(d, st, EV_ACTIVATION_CONFLICT, err);
                return;         /* out of memory: found again at the next start */
        }
        snprintf(job->id, sizeof(job->id), "%s", st->id);
        job->policy = policy_ref(d->policy);
        if (!track_in_flight(d, st->id)) {
                executor_job_free(job);
                return;
        }
        if (!d->retrying)
                journal_event(&d->journal, EV_ACTIVATION_DUE, LOG_NOTICE, &f, "%s: approved; activating %s", st->id,
                              job->plan->entry.dn);
        executor_submit(d->executor, job);
}

static void schedule_retry(struct daemon *d)
{
        int enabled = SD_EVENT_OFF;
        sd_event_source_get_enabled(d->retry_timer, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;         /* one round of retries, one backoff step */
        d->retry_delay = d->retry_delay ? (d->retry_delay * 2 > 60 ? 60 : d->retry_delay * 2) : 1;
        uint64_t now_usec;
        sd_event_now(d->event, CLOCK_MONOTONIC, &now_usec);
        sd_event_source_set_time(d->retry_timer, now_usec + (uint64_t)d->retry_delay * 1000000ULL);
        sd_event_source_set_enabled(d->retry_timer, SD_EVENT_ONESHOT);
}

static void retry_one(struct daemon *d, const char *id)
{
        struct req_state st;
        bool closed;
        char err[256];
        if (spool_read_state(&d->spool, id, &st, &closed, err, sizeof(err)) == 0 && !closed &&
            st.status == STATUS_OPEN && st.activation_due)
                start_activation(d, &st);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)s;
        (void)usec;
        struct daemon *d = userdata;
        /* A snapshot: a retry that fails for good removes its entry. */
        size_t n = d->n_open;
        char (*ids)[REQUEST_ID_LEN + 1] = malloc((n ? n : 1) * sizeof(*ids));
        if (!ids) {
                schedule_retry(d);
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                memcpy(ids[i], d->open[i].id, sizeof(ids[i]));
        d->retrying = true;
        for (size_t i = 0; i < n; i++)
                retry_one(d, ids[i]);
        d->retrying = false;
        free(ids);
        return 0;
}

static void record_report(struct daemon *d, const char *request_id, const char *name, struct event_fields *f);

/* The handover and report steps that follow activation are aksesd's own:
 * carried out at once, in the policy's order. */
static int finish_after_activation(struct daemon *d, struct req_state *st, struct job *job)
{
        char err[1024];
        struct request *req = NULL;
        if (load_request(d, st, false, &req, err, sizeof(err)) < 0)
                return -EINVAL;
        const char *groups[ACTIVATE_MAX_GROUPS];
        size_t n_groups = 0;
        for (size_t i = 0; i < job->plan->n_groups && n_groups < ACTIVATE_MAX_GROUPS; i++)
                groups[n_groups++] = job->plan->groups[i].cn;
        time_t now = time(NULL);
        struct handover_info h = { .p = d->policy, .reg = &d->registry, .r = req, .st = st, .uid = job->plan->uid,
                                   .dn = job->plan->entry.dn, .uid_number = job->res.uid_number, .groups = groups,
                                   .n_groups = n_groups, .admin = st->n_history ? st->history[st->n_history - 1].actor : "",
                                   .activated_at = now };
        chain_advance(d->policy, st, now);
        int r = 0;
        bool handed_over = false;
        for (const struct step *s; r == 0 && (s = chain_current_step(d->policy, st));) {
                char doc[HANDOVER_NAME_MAX], pw[HANDOVER_NAME_MAX], name[HANDOVER_NAME_MAX];
                struct event_fields f = { .request_id = st->id, .step = s->id, .role = role_name(s->role),
                                          .actor = h.admin, .skpd = st->skpd, .letter = st->letter,
                                          .account_dn = h.dn };
                if (s->action == ACTION_HANDOVER) {
                        if ((r = handover_write(d->spool.outbox_fd, &h, job->res.password, d->handover_gid, doc, pw)) < 0)
                                break;
                        handed_over = true;
                        f.file = doc;
                        journal_event(&d->journal, EV_HANDOVER_WRITTEN, LOG_NOTICE, &f,
                                      "%s: handover form %s written; initial password in %s", st->id, doc, pw);
                } else if (s->action == ACTION_REPORT) {
                        if ((r = report_write(d->spool.reports_fd, &h, name)) < 0)
                                break;
                        record_report(d, st->id, name, &f);
                } else {
                        break;          /* a later step needs a person (not in today's workflows) */
                }
                chain_advance(d->policy, st, time(NULL));
        }
        /* Without a handover step the password would be lost: deliver it anyway. */
        if (r == 0 && !handed_over) {
                char doc[HANDOVER_NAME_MAX], pw[HANDOVER_NAME_MAX];
                r = handover_write(d->spool.outbox_fd, &h, job->res.password, d->handover_gid, doc, pw);
        }
        request_free(req);
        return r;
}


/* Records a document (a report, an appointment) in the archive and
 * journals it; request_id may be NULL for a period report. */
static void archive_record_id(struct daemon *d, const char *request_id, const char *kind, const char *subject,
                              const unsigned char *digest)
{
        char hex[12 + 2 * DIGEST_BYTES + 1] = "";
        if (digest)
                digest_format(digest, hex);
        struct event_fields f = { .request_id = request_id, .actor = subject, .digest = hex, .file = ARCHIVE_FILE };
        /* Archive subjects are one word: a DN's spaces become %20. */
        char word[201];
        size_t o = 0;
        for (const char *c = subject; *c && o + 4 < sizeof(word); c++) {
                if (*c == ' ') {
                        memcpy(word + o, "%20", 3);
                        o += 3;
                } else {
                        word[o++] = *c;
                }
        }
        word[o] = '\0';
        int r = d->daemon_key ? archive_append(d->spool.root_fd, d->daemon_key, time(NULL), kind, request_id, word, digest)
                              : -ENOKEY;
        const char *who = request_id ? request_id : "aksesd";
        if (r < 0)
                journal_event(&d->journal, EV_ARCHIVE_RECORDED, LOG_ERR, &f, "%s: could not append %s of %s to the archive: %s",
                              who, kind, subject, strerror(-r));
        else
                journal_event(&d->journal, EV_ARCHIVE_RECORDED, LOG_NOTICE, &f, "%s: %s of %s recorded in the archive",
                              who, kind, subject);
}

/* A report is written: state its digest beside it (NAME.digest), record it
 * in the archive, and journal its path and digest. */
static void record_report(struct daemon *d, const char *request_id, const char *name, struct event_fields *f)
{
        char *buf = NULL, err[128], hex[12 + 2 * DIGEST_BYTES + 1], side[HANDOVER_NAME_MAX + 16], line[300];
        size_t len;
        unsigned char digest[DIGEST_BYTES];
        if (read_file_checked(d->spool.reports_fd, name, 4 * 1024 * 1024, &buf, &len, NULL, err, sizeof(err)) < 0) {
                journal_event(&d->journal, EV_REPORT_WRITTEN, LOG_ERR, f, "report %s written but unreadable: %s", name, err);
                return;
        }
        content_digest(buf, len, digest);
        free(buf);
        digest_format(digest, hex);
        snprintf(side, sizeof(side), "%s.digest", name);
        int n = snprintf(line, sizeof(line), "%s  %s\n", hex, name);
        if (write_file_atomic(d->spool.reports_fd, side, line, (size_t)n, 0640) < 0)
                journal_event(&d->journal, EV_REPORT_WRITTEN, LOG_ERR, f, "report %s: cannot write %s", name, side);
        struct event_fields g = *f;
        g.request_id = request_id;
        g.file = name;
        g.digest = hex;
        journal_event(&d->journal, EV_REPORT_WRITTEN, LOG_NOTICE, &g, "%s: report %s written (%s)",
                      request_id ? request_id : "aksesd", name, hex);
        archive_record_id(d, request_id, "report", name, digest);
}

/* --- period reports ---------------------------------------------------- */

/* The period that ended last before now, and when the current one ends. */
static void period_bounds(enum report_period period, time_t now, time_t *from, time_t *to, time_t *next)
{
        struct tm tm;
        localtime_r(&now, &tm);
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_isdst = -1;
        if (period == PERIOD_WEEKLY)
                tm.tm_mday -= (tm.tm_wday + 6) % 7;     /* weeks start on Monday */
        else if (period == PERIOD_MONTHLY)
                tm.tm_mday = 1;
        struct tm t = tm;
        *to = mktime(&t);
        t = tm;
        if (period == PERIOD_DAILY)
                t.tm_mday -= 1;
        else if (period == PERIOD_WEEKLY)
                t.tm_mday -= 7;
        else
                t.tm_mon -= 1;
        *from = mktime(&t);
        t = tm;
        if (period == PERIOD_DAILY)
                t.tm_mday += 1;
        else if (period == PERIOD_WEEKLY)
                t.tm_mday += 7;
        else
                t.tm_mon += 1;
        *next = mktime(&t);
}

/* Writes the last finished period's report once: an existing one is
 * never replaced (a restart catches up on a missed period, no more). */
static void write_period_report(struct daemon *d)
{
        static const char *const names[] = { "harian", "mingguan", "bulanan" };
        time_t from, to, next;
        period_bounds(d->policy->reports.period, time(NULL), &from, &to, &next);
        char day[11];
        struct tm tm;
        localtime_r(&from, &tm);
        strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        const char *suffix[] = { "txt", "html" };
        const enum period_format formats[] = { PERIOD_TEXT, PERIOD_HTML };
        struct req_state *states = NULL;
        size_t n = 0, skipped = 0;
        bool collected = false;
        for (size_t i = 0; i < 2; i++) {
                char name[HANDOVER_NAME_MAX];
                snprintf(name, sizeof(name), "laporan-%s-%s.%s", names[d->policy->reports.period], day, suffix[i]);
                if (faccessat(d->spool.reports_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (!collected && spool_collect(&d->spool, from, to, &states, &n, &skipped) < 0)
                        return;
                collected = true;
                char *text = NULL;
                size_t len = 0;
                FILE *mem = open_memstream(&text, &len);
                struct period_query q = { .reg = &d->registry, .from = from, .to = to, .format = formats[i],
                                          .lang = d->policy->org.language, .now = time(NULL) };
                int r = mem ? period_report(mem, d->policy, states, n, &q) : -ENOMEM;
                if (mem)
                        fclose(mem);
                if (r == 0)
                        r = write_file_atomic(d->spool.reports_fd, name, text, len, 0640);
                free(text);
                struct event_fields f = { .file = name };
                if (r < 0)
                        journal_event(&d->journal, EV_REPORT_WRITTEN, LOG_ERR, &f, "period report %s could not be written: %s",
                                      name, strerror(-r));
                else
                        record_report(d, NULL, name, &f);
        }
        free(states);
}

static int on_period(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)usec;
        struct daemon *d = userdata;
        write_period_report(d);
        time_t from, to, next;
        period_bounds(d->policy->reports.period, time(NULL), &from, &to, &next);
        sd_event_source_set_time(s, (uint64_t)next * 1000000ULL + 1000000ULL);
        sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

static void archive_record(struct daemon *d, const struct req_state *st, const char *kind, const char *subject,
                           const unsigned char digest[DIGEST_BYTES])
{
        archive_record_id(d, st->id, kind, subject, digest);
}
/* Procedure 1 done in the directory: record it (registry, handover,
 * vault), write the report to the Kepala Bidang, archive both, finish. */
static void on_actor_done(struct daemon *d, struct req_state *st, struct job *job, struct event_fields *f)
{
        const struct actor_job *aj = job->actor;
        time_t now = time(NULL);
        char outcome[600], name[HANDOVER_NAME_MAX];
        char pwname[HANDOVER_NAME_MAX];        /* f->file may point here until the end */
        unsigned char digest[DIGEST_BYTES];
        const char *kind = "rotation";
        int r = 0;
        f->actor = aj->id;
        f->role = role_name(aj->role);
        if (aj->op != ACTOR_ROTATE) {
                const struct registered *old = registry_get(&d->registry, aj->id);
                struct registered e = old ? *old : (struct registered){ 0 };
                snprintf(e.id, sizeof(e.id), "%s", aj->id);
                if (aj->name[0])
                        snprintf(e.name, sizeof(e.name), "%s", aj->name);
                else if (!old) {
                        const struct actor *pa = policy_find_actor(d->policy, aj->role, aj->id);
                        snprintf(e.name, sizeof(e.name), "%s", pa ? pa->name : aj->id);
                }
                if (aj->has_key)
                        memcpy(e.actor.pk, aj->key, sizeof(e.actor.pk));
                else if (!old) {
                        const struct actor *pa = policy_find_actor(d->policy, aj->role, aj->id);
                        if (pa)
                                memcpy(e.actor.pk, pa->pk, sizeof(e.actor.pk));
                }
                e.role = aj->role;
                e.active = aj->op != ACTOR_REMOVE;
                snprintf(e.letter, sizeof(e.letter), "%s", aj->letter);
                snprintf(e.request_id, sizeof(e.request_id), "%s", st->id);
                if (aj->op != ACTOR_UPDATE)
                        e.since = now;
                /* From here on the actor may (or may no longer) sign. */
                if ((r = registry_put(d->spool.root_fd, &d->registry, &e)) < 0)
                        goto failed;
        }
        switch (aj->op) {
        case ACTOR_APPOINT: {
                kind = "appointment";
                unsigned char xpk[crypto_box_PUBLICKEYBYTES];
                snprintf(pwname, sizeof(pwname), "%s.password.sealed", st->id);
                if (crypto_sign_ed25519_pk_to_curve25519(xpk, aj->key) != 0) {
                        r = -EINVAL;
                        goto failed;
                }
                if ((r = handover_write_sealed(d->spool.outbox_fd, pwname, xpk, job->ares.password, d->handover_gid)) < 0)
                        goto failed;
                f->file = pwname;
                journal_event(&d->journal, EV_ACTOR_APPOINTED, LOG_NOTICE, f,
                              "%s: %s appointed %s (account %s, letter %s); may sign at once", st->id, aj->id,
                              role_name(aj->role), aj->dn, aj->letter);
                journal_event(&d->journal, EV_HANDOVER_WRITTEN, LOG_NOTICE, f,
                              "%s: account of %s handed over, password sealed to their key in %s", st->id, aj->id, pwname);
                snprintf(outcome, sizeof(outcome), "%s %s %s; %s %s; %s", aj->id,
                         d->policy->org.language == LANG_EN ? "appointed" : "ditunjuk sebagai", role_name(aj->role),
                         d->policy->org.language == LANG_EN ? "account" : "akun", aj->dn,
                         d->policy->org.language == LANG_EN ? "signing key registered" : "kunci penandatangan terdaftar");
                break;
        }
        case ACTOR_UPDATE:
                kind = "update";
                journal_event(&d->journal, EV_ACTOR_UPDATED, LOG_NOTICE, f, "%s: %s (%s) updated per letter %s", st->id,
                              aj->id, role_name(aj->role), aj->letter);
                snprintf(outcome, sizeof(outcome), "%s %s", aj->id,
                         d->policy->org.language == LANG_EN ? "updated" : "dimutakhirkan");
                break;
        case ACTOR_REMOVE:
                kind = "removal";
                journal_event(&d->journal, EV_ACTOR_REMOVED, LOG_NOTICE, f,
                              "%s: %s no longer holds role %s and may no longer sign; account %s locked", st->id,
                              aj->id, role_name(aj->role), aj->dn);
                snprintf(outcome, sizeof(outcome), "%s %s %s; %s", aj->id,
                         d->policy->org.language == LANG_EN ? "removed from" : "dicabut dari", role_name(aj->role),
                         d->policy->org.language == LANG_EN ? "account locked" : "akun dikunci");
                break;
        case ACTOR_ROTATE: {
                /* Secure media: the new password sealed to each Kepala Bidang. */
                const struct role *kb = &d->policy->roles[ROLE_KEPALA_BIDANG];
                for (size_t i = 0; i < kb->n_members; i++) {
                        char vname[HANDOVER_NAME_MAX];
                        unsigned char xpk[crypto_box_PUBLICKEYBYTES];
                        snprintf(vname, sizeof(vname), "%s.%s.sealed", st->id, kb->members[i].id);
                        if (crypto_sign_ed25519_pk_to_curve25519(xpk, kb->members[i].pk) != 0 ||
                            (r = handover_write_sealed(d->vault_fd, vname, xpk, job->ares.password, (gid_t)-1)) < 0) {
                                r = r < 0 ? r : -EINVAL;
                                goto failed;
                        }
                }
                f->actor = st->n_history ? st->history[st->n_history - 1].actor : "";
                journal_event(&d->journal, EV_CREDENTIAL_ROTATED, LOG_NOTICE, f,
                              "%s: password of %s rotated; recorded sealed to the Kepala Bidang in vault/", st->id,
                              aj->dn);
                snprintf(outcome, sizeof(outcome), "%s %s", d->policy->org.language == LANG_EN ?
                         "new password set and sealed to the Kepala Bidang in the vault for" :
                         "kata sandi baru ditetapkan dan disimpan tersegel untuk Kepala Bidang di brankas untuk", aj->dn);
                break;
        }
        }
        /* Bound to the letter as received: the request's digest. */
        archive_record(d, st, kind, aj->op == ACTOR_ROTATE ? aj->dn : aj->id, st->digest);

        /* The remaining steps (handover, report) are aksesd's own. */
        chain_advance(d->policy, st, now);
        bool reported = false;
        for (const struct step *s; (s = chain_current_step(d->policy, st));) {
                if (s->action == ACTION_REPORT && !reported) {
                        if ((r = report1_write(d->spool.reports_fd, d->policy, st, outcome, name, digest)) < 0)
                                goto failed;
                        reported = true;
                        struct event_fields g = *f;
                        g.step = s->id;
                        record_report(d, st->id, name, &g);
                } else if (s->action != ACTION_HANDOVER && s->action != ACTION_REPORT) {
                        break;
                }
                chain_advance(d->policy, st, time(NULL));
        }
        if ((r = spool_write_state(&d->spool, st)) < 0)
                goto failed;
        if (st->status == STATUS_DONE) {
                journal_event(&d->journal, EV_REQUEST_COMPLETED, LOG_NOTICE, f, "%s completed", st->id);
                close_if_final(d, st);
        }
        index_request(d, st);
        return;
failed:
        journal_event(&d->journal, EV_STATE_CORRUPT, LOG_ERR, f, "%s: done in the directory but not recorded (%s); redone at the next start",
                      st->id, strerror(-r));
}

static void on_activation_done(void *ctx, struct job *job)
{
        struct daemon *d = ctx;
        struct req_state st;
        bool closed;
        char err[256];
        in_flight(d, job->id, true);
        if (spool_read_state(&d->spool, job->id, &st, &closed, err, sizeof(err)) < 0 || closed ||
            st.status != STATUS_OPEN || !st.activation_due) {
                executor_job_free(job);
                return;
        }
        int status = job->actor ? job->ares.status : job->res.status;
        const char *why = job->actor ? job->ares.reason : job->res.reason;
        struct event_fields f = { .request_id = st.id, .skpd = st.skpd, .letter = st.letter,
                                  .account_dn = job->actor ? job->actor->dn : job->plan->entry.dn, .reason = why };
        if (status == -EAGAIN) {
                if (!d->directory_down)
                        journal_event(&d->journal, EV_DIRECTORY_DOWN, LOG_ERR, &f,
                                      "directory unreachable; activations wait and are retried: %s", why);
                d->directory_down = true;
                schedule_retry(d);
                executor_job_free(job);
                return;
        }
        if (d->directory_down) {
                d->directory_down = false;
                journal_event(&d->journal, EV_DIRECTORY_UP, LOG_NOTICE, NULL, "directory reachable again");
        }
        d->retry_delay = 0;
        if (status < 0) {
                fail_request(d, &st, EV_ACTIVATION_CONFLICT, why);
                executor_job_free(job);
                return;
        }
        if (job->actor) {
                on_actor_done(d, &st, job, &f);
                executor_job_free(job);
                return;
        }

        char groups[1024] = "";
        size_t used = 0;
        for (size_t i = 0; i < job->plan->n_groups && used < sizeof(groups); i++)
                used += (size_t)snprintf(groups + used, sizeof(groups) - used, "%s%s", i ? "," : "",
                                         job->plan->groups[i].cn);
        const struct step *s = chain_current_step(d->policy, &st);
        f.step = s ? s->id : "";
        f.groups = groups;
        f.actor = st.n_history ? st.history[st.n_history - 1].actor : "";
        f.reason = NULL;
        if (job->res.created)
                journal_event(&d->journal, EV_ACCOUNT_ACTIVATED, LOG_NOTICE, &f, "%s: account %s created, groups %s",
                              st.id, job->plan->entry.dn, groups);
        else
                journal_event(&d->journal, EV_ACCOUNT_ACTIVATED, LOG_NOTICE, &f, "%s: account %s updated (%s), groups %s",
                              st.id, job->plan->entry.dn, job->res.n_changes ? job->res.changes : "no attribute changed",
                              groups);
        for (size_t i = 0; i < job->res.n_groups_joined; i++) {
                struct event_fields g = f;
                g.groups = job->res.groups_joined[i];
                journal_event(&d->journal, EV_GROUP_CHANGED, LOG_NOTICE, &g, "%s: %s joined group %s", st.id,
                              job->plan->uid, job->res.groups_joined[i]);
        }
        st.account = job->res.created ? ACCOUNT_CREATED : ACCOUNT_UPDATED;
        int r = finish_after_activation(d, &st, job);
        password_free(job->res.password);       /* wiped: the handover holds it now */
        job->res.password = NULL;
        if (r < 0) {
                journal_event(&d->journal, EV_STATE_CORRUPT, LOG_ERR, &f,
                              "%s: activated but the handover could not be written (%s); retried at the next start",
                              st.id, strerror(-r));
                executor_job_free(job);
                return;
        }
        if (spool_write_state(&d->spool, &st) < 0) {
                executor_job_free(job);
                return;         /* activation_due on disk: redone, idempotently, at the next start */
        }
        if (st.status == STATUS_DONE) {
                journal_event(&d->journal, EV_REQUEST_COMPLETED, LOG_NOTICE, &f, "%s completed: %s can log in",
                              st.id, job->plan->uid);
                close_if_final(d, &st);
        }
        index_request(d, &st);
        executor_job_free(job);
}

/* The request id a disposition names, for journaling even a bad one. */
static void sniff_request_id(const char *buf, size_t len, char id[REQUEST_ID_LEN + 1])
{
        id[0] = '\0';
        const char *p = memmem(buf, len, "\nrequest: ", 10);
        if (p && (size_t)(buf + len - p) >= 10 + REQUEST_ID_LEN && request_id_valid(p + 10, REQUEST_ID_LEN)) {
                memcpy(id, p + 10, REQUEST_ID_LEN);
                id[REQUEST_ID_LEN] = '\0';
        }
}

static void refuse_disposition(struct daemon *d, const char *name, const struct disposition *disp,
                               const char *request_id, const char *submitter, const char *reason)
{
        struct event_fields f = { .request_id = request_id, .actor = disp ? disp->actor : NULL,
                                  .step = disp ? disp->step : NULL,
                                  .decision = disp ? decision_name(disp->decision) : NULL, .reason = reason,
                                  .submitter = submitter, .file = name };
        journal_event(&d->journal, EV_DISPOSITION_REFUSED, LOG_WARNING, &f, "%s: disposition %s refused: %.300s",
                      request_id && *request_id ? request_id : "(unknown request)", name, reason);
        quarantine(d, name, request_id, submitter, reason);
}

static void take_disposition(struct daemon *d, const char *name, const char *buf, size_t len,
                             const char *submitter)
{
        time_t now = time(NULL);
        struct disposition disp;
        struct diag_list diags;
        char sniffed[REQUEST_ID_LEN + 1];
        sniff_request_id(buf, len, sniffed);
        diag_init(&diags);
        if (disposition_parse(name, buf, len, &diags, &disp) < 0) {
                diag_sort(&diags);
                char *text = diag_join(&diags);
                refuse_disposition(d, name, NULL, sniffed, submitter, text ? text : "invalid disposition");
                free(text);
                diag_free(&diags);
                return;
        }
        diag_free(&diags);

        struct req_state st;
        bool closed;
        char err[256], reason[512];
        int r = spool_read_state(&d->spool, disp.request_id, &st, &closed, err, sizeof(err));
        if (r == -ENOENT) {
                refuse_disposition(d, name, &disp, disp.request_id, submitter, "unknown request id");
                return;
        }
        if (r < 0) {
                refuse_disposition(d, name, &disp, disp.request_id, submitter, err);
                return;
        }
        if (!chain_check(d->policy, &d->registry, &st, &disp, buf, now, reason, sizeof(reason))) {
                /* Our own disposition, accepted before a crash but not yet
                 * filed: the state has it, with this very file's inode (a
                 * replayed copy is another file).  File it, say nothing. */
                struct stat self;
                /* Only files found in work/ at start-up can be ours: inode
                 * numbers are reused once a filed copy's original is gone. */
                bool have_self = d->resuming && fstatat(d->spool.work_fd, name, &self, AT_SYMLINK_NOFOLLOW) == 0;
                for (size_t i = 0; have_self && !closed && i < st.n_history; i++) {
                        if (sodium_memcmp(st.history[i].nonce, disp.nonce, NONCE_BYTES) != 0 ||
                            st.history[i].source_ino != (unsigned long long)self.st_ino)
                                continue;
                        char stored[128];
                        const struct workflow *w = &d->policy->workflows[st.kind];
                        disposition_stored_name(stored, i, st.history[i].step < w->n_steps ? w->steps[st.history[i].step].id : "step",
                                                decision_name(st.history[i].decision));
                        const struct actor *signer = chain_find_signer(d->policy, &d->registry, disp.actor, NULL);
                        if (signer && disposition_verify(&disp, buf, signer->pk) &&
                            spool_store_disposition(&d->spool, st.id, name, stored, buf, len) == 0)
                                return;
                }
                refuse_disposition(d, name, &disp, st.id, submitter, reason);
                return;
        }

        const struct step *s = chain_current_step(d->policy, &st);
        char step_id[65], stored[128];
        snprintf(step_id, sizeof(step_id), "%s", s->id);
        enum role_id role = s->role;
        chain_apply(d->policy, &st, &disp, now);
        struct stat src;
        if (fstatat(d->spool.work_fd, name, &src, AT_SYMLINK_NOFOLLOW) == 0)
                st.history[st.n_history - 1].source_ino = (unsigned long long)src.st_ino;
        disposition_stored_name(stored, st.n_history - 1, step_id, decision_name(disp.decision));
        if ((r = spool_write_state(&d->spool, &st)) < 0 ||
            (r = spool_store_disposition(&d->spool, st.id, name, stored, buf, len)) < 0) {
                journal_event(&d->journal, EV_STATE_CORRUPT, LOG_ERR, &(struct event_fields){ .request_id = st.id },
                              "%s: cannot record disposition %s: %s (retried at restart)", st.id, name, strerror(-r));
                return;
        }
        struct event_fields f = { .request_id = st.id, .step = step_id, .role = role_name(role), .actor = disp.actor,
                                  .skpd = st.skpd, .letter = st.letter, .decision = decision_name(disp.decision),
                                  .reason = disp.note, .file = stored, .escalate_to = disp.to };
        journal_event(&d->journal, EV_DISPOSITION_ACCEPTED, LOG_NOTICE, &f, "%s: %s %s at step '%s'%s%s%s%s",
                      st.id, disp.actor, disp.decision == DECISION_APPROVE ? "approved" : "rejected", step_id,
                      disp.to[0] ? ", forwarded to " : "", disp.to, disp.note[0] ? ": " : "", disp.note);
        if (st.status == STATUS_REJECTED) {
                struct event_fields g = { .request_id = st.id, .step = step_id, .actor = disp.actor, .skpd = st.skpd,
                                          .letter = st.letter, .reason = st.reason, .decision = "reject" };
                journal_event(&d->journal, EV_REQUEST_REJECTED, LOG_NOTICE, &g, "%s rejected by %s at step '%s': %s",
                              st.id, disp.actor, step_id, st.reason);
                close_if_final(d, &st);
        } else if (st.activation_due) {
                start_activation(d, &st);
        } else {
                journal_step(d, &st);
        }
        index_request(d, &st);
}

/* --- intake -------------------------------------------------------------- */

static bool space_low(struct daemon *d)
{
        struct statvfs vfs;
        if (fstatvfs(d->spool.root_fd, &vfs) < 0)
                return false;
        unsigned long long free_mib = (unsigned long long)vfs.f_bavail * vfs.f_frsize / (1024 * 1024);
        return free_mib < d->policy->spool.min_free_mib ||
               (vfs.f_files > 0 && vfs.f_favail < d->policy->spool.min_free_inodes);
}

static void process_work_file(struct daemon *d, const char *name)
{
        char *buf = NULL, err[256];
        size_t len = 0;
        struct stat st;
        int r = read_file_checked(d->spool.work_fd, name, d->policy->spool.max_file_kib * 1024, &buf, &len, &st,
                                  err, sizeof(err));
        char submitter[33] = "";
        struct stat lst;
        if (fstatat(d->spool.work_fd, name, &lst, AT_SYMLINK_NOFOLLOW) == 0)
                user_name(lst.st_uid, submitter);
        if (r < 0) {
                char reason[320];
                snprintf(reason, sizeof(reason), "%s: file: %s", name, err);
                quarantine(d, name, NULL, submitter, reason);
                return;
        }
        char reason[320] = "";
        if (st.st_nlink != 1)
                snprintf(reason, sizeof(reason), "%s: file: has %lu hard links; expected a file of its own", name,
                         (unsigned long)st.st_nlink);
        else if (!owner_allowed(d, st.st_uid))
                snprintf(reason, sizeof(reason),
                         "%s: file: owned by %s (uid %u), who may not submit (spool.allowed_users, spool.allowed_groups)",
                         name, submitter, (unsigned)st.st_uid);
        if (reason[0]) {
                quarantine(d, name, NULL, submitter, reason);
        } else if (disposition_is(buf, len)) {
                /* The requests taken before it are stored and journaled
                 * first: it may be for one of them. */
                intake_commit(d);
                take_disposition(d, name, buf, len, submitter);
        } else {
                take_request(d, name, buf, len, st.st_uid, submitter);
                return;         /* buf is the batch's now */
        }
        free(buf);
}

static void take_file(struct daemon *d, const char *name)
{
        if (name[0] == '.' || d->intake_paused)
                return;
        if (space_low(d)) {
                d->intake_paused = true;
                journal_event(&d->journal, EV_INTAKE_PAUSED, LOG_WARNING, NULL,
                              "intake paused: the spool's filesystem is low on space or inodes (under %lu MiB or %lu inodes free)",
                              d->policy->spool.min_free_mib, d->policy->spool.min_free_inodes);
                sd_event_source_set_enabled(d->space_timer, SD_EVENT_ON);
                update_status(d);
                intake_commit(d);       /* what was already claimed */
                return;
        }
        int r = spool_claim(&d->spool, name);
        if (r == -EEXIST) {
                /* A file of that name dropped again while the first waits in
                 * work/ for its batch: store the batch, which moves it out. */
                intake_commit(d);
                r = spool_claim(&d->spool, name);
        }
        if (r == -ENOENT)
                return;
        if (r < 0) {
                journal_event(&d->journal, EV_INPUT_QUARANTINED, LOG_ERR, NULL, "cannot claim %s: %s", name, strerror(-r));
                return;
        }
        process_work_file(d, name);
}

/* Calls fn for every entry of dirfd not starting with '.'. */
static void scan_dir(struct daemon *d, int dirfd, void (*fn)(struct daemon *, const char *))
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dir) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct dirent *e;
        while ((e = readdir(dir)))
                if (e->d_name[0] != '.')
                        fn(d, e->d_name);
        closedir(dir);
}

/* The next name to take: from the queue, else from drop/ read again. */
static bool next_name(struct daemon *d, char name[256])
{
        if (d->q_len > 0) {
                char *q = d->queue[d->q_head];
                snprintf(name, 256, "%s", q);
                free(q);
                d->q_head = (d->q_head + 1) % INTAKE_QUEUE;
                d->q_len--;
                return true;
        }
        for (;;) {
                if (!d->scan && d->rescan) {
                        d->rescan = false;
                        int fd = openat(d->spool.drop_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        d->scan = fd >= 0 ? fdopendir(fd) : NULL;
                        if (!d->scan && fd >= 0)
                                close(fd);
                }
                if (!d->scan)
                        return false;
                struct dirent *e;
                while ((e = readdir(d->scan)))
                        if (e->d_name[0] != '.') {
                                snprintf(name, 256, "%s", e->d_name);
                                return true;
                        }
                closedir(d->scan);
                d->scan = NULL;
        }
}

static void clear_queue(struct daemon *d)
{
        for (; d->q_len > 0; d->q_len--, d->q_head = (d->q_head + 1) % INTAKE_QUEUE)
                free(d->queue[d->q_head]);
        if (d->scan)
                closedir(d->scan);
        d->scan = NULL;
}

/* One batch per dispatch, so that signals, timers and the executor's
 * results get their turn between batches. */
static int on_drain(sd_event_source *s, void *userdata)
{
        struct daemon *d = userdata;
        char name[256];
        for (size_t taken = 0; taken < INTAKE_BATCH && !d->intake_paused && next_name(d, name); taken++)
                take_file(d, name);
        intake_commit(d);
        if (d->intake_paused) {
                clear_queue(d);         /* drop/ is read again when intake resumes */
                d->rescan = false;
        }
        if (d->q_len == 0 && !d->scan && !d->rescan)
                sd_event_source_set_enabled(s, SD_EVENT_OFF);
        return 0;
}

static void want_drain(struct daemon *d)
{
        sd_event_source_set_enabled(d->drain, SD_EVENT_ON);
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata)
{
        (void)s;
        struct daemon *d = userdata;
        /* Only queued here: the drain takes them in batches. */
        if (ev->mask & IN_Q_OVERFLOW) {
                d->rescan = true;
        } else if (ev->len > 0 && ev->name[0] != '.' && !d->intake_paused) {
                char *name = d->q_len < INTAKE_QUEUE ? strdup(ev->name) : NULL;
                if (name) {
                        d->queue[(d->q_head + d->q_len++) % INTAKE_QUEUE] = name;
                } else {
                        d->rescan = true;       /* a full queue loses no file: drop/ is read again */
                }
        }
        want_drain(d);
        return 0;
}

static int on_space_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct daemon *d = userdata;
        if (space_low(d)) {
                sd_event_source_set_time(s, usec + 5000000ULL);
                sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        d->intake_paused = false;
        journal_event(&d->journal, EV_INTAKE_RESUMED, LOG_NOTICE, NULL, "intake resumed: space is available again");
        update_status(d);
        d->rescan = true;
        want_drain(d);
        return 0;
}

/* --- deadlines ------------------------------------------------------------ */

static void breach(struct daemon *d, struct open_entry *e)
{
        struct req_state st;
        bool closed;
        char err[256];
        if (spool_read_state(&d->spool, e->id, &st, &closed, err, sizeof(err)) < 0 || closed || st.breached) {
                e->breached = true;
                return;
        }
        st.breached = true;
        /* Marked in memory either way, so a full disk cannot spin the
         * timer; unwritten, the breach is found again at the next start. */
        e->breached = true;
        if (spool_write_state(&d->spool, &st) < 0)
                return;
        const struct step *s = chain_current_step(d->policy, &st);
        const char *actor;
        enum role_id role = chain_who_must_act(d->policy, &st, &actor);
        enum role_id above = role == ROLE_NONE ? ROLE_NONE : d->policy->roles[role].reports_to;
        char deadline[21], escalate[256] = "";
        deadline_text(state_deadline(&st, d->policy), deadline);
        if (above != ROLE_NONE) {
                size_t used = (size_t)snprintf(escalate, sizeof(escalate), "%s", role_name(above));
                for (size_t i = 0; i < d->policy->roles[above].n_members && used < sizeof(escalate); i++)
                        used += (size_t)snprintf(escalate + used, sizeof(escalate) - used, "%s%s", i ? "," : ":",
                                                 d->policy->roles[above].members[i].id);
        }
        struct event_fields f = { .request_id = st.id, .step = s ? s->id : "", .role = role_name(role),
                                  .actor = actor, .skpd = st.skpd, .letter = st.letter, .deadline = deadline,
                                  .escalate_to = escalate };
        journal_event(&d->journal, EV_DEADLINE_BREACHED, LOG_WARNING, &f,
                      "%s: service standard breached at step '%s': %s%s%s had until %s; escalated to %s", st.id,
                      s ? s->id : "?", role_name(role), actor[0] ? " " : "", actor, deadline,
                      escalate[0] ? escalate : "(nobody above)");
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void)s;
        (void)usec;
        struct daemon *d = userdata;
        time_t now = time(NULL);
        for (size_t i = 0; i < d->n_open; i++)
                if (!d->open[i].breached && !d->open[i].untimed && d->open[i].deadline <= now)
                        breach(d, &d->open[i]);
        rearm_deadline_timer(d);
        return 0;
}

/* --- signals and start-up ------------------------------------------------ */

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        (void)s;
        struct daemon *d = userdata;
        sd_notify(0, "STOPPING=1");
        journal_event(&d->journal, EV_DAEMON_STOPPING, LOG_INFO, NULL, "aksesd stopping on signal %u", si->ssi_signo);
        return sd_event_exit(d->event, 0);
}

static void reindex_all(struct daemon *d);

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        (void)s;
        (void)si;
        struct daemon *d = userdata;
        sd_notify(0, "RELOADING=1");
        struct diag_list diags;
        struct policy *p = NULL;
        diag_init(&diags);
        int r = policy_load(d->opts->policy_path, &diags, &p);
        if (r < 0) {
                diag_sort(&diags);
                char *text = diag_join(&diags);
                struct event_fields f = { .reason = text, .file = d->opts->policy_path };
                journal_event(&d->journal, EV_POLICY_REFUSED, LOG_ERR, &f,
                              "policy reload refused, the previous policy stays in force: %.600s", text ? text : "");
                free(text);
        } else {
                policy_free(d->policy);
                d->policy = p;
                resolve_owners(d);
                reindex_all(d);
                journal_event(&d->journal, EV_POLICY_RELOADED, LOG_NOTICE,
                              &(struct event_fields){ .file = d->opts->policy_path }, "policy reloaded from %s",
                              d->opts->policy_path);
        }
        diag_free(&diags);
        sd_notify(0, "READY=1");
        update_status(d);
        return 0;
}

static void index_one(struct daemon *d, const char *id)
{
        struct req_state st;
        bool closed;
        char err[256];
        int r = spool_read_state(&d->spool, id, &st, &closed, err, sizeof(err));
        if (r < 0) {
                journal_event(&d->journal, EV_STATE_CORRUPT, LOG_ERR, &(struct event_fields){ .request_id = id, .reason = err },
                              "%s: unreadable state, request left untouched: %s", id, err);
                return;
        }
        if (closed)
                return;
        if (st.status != STATUS_OPEN) {
                close_if_final(d, &st);         /* finished before a crash, not yet moved */
                return;
        }
        index_request(d, &st);
        if (st.activation_due)
                start_activation(d, &st);       /* approved before a stop or crash: resume */
}

static void reindex_all(struct daemon *d)
{
        d->n_open = 0;
        scan_dir(d, d->spool.open_fd, index_one);
}

static void recovered(void *ctx, const char *id, enum recover_what what, const char *why)
{
        struct daemon *d = ctx;
        struct event_fields f = { .request_id = id };
        if (what == RECOVER_STUCK)
                journal_event(&d->journal, EV_STATE_CORRUPT, LOG_ERR, &f,
                              "%s: intake interrupted by a crash and not completed: %s", id, why);
        else
                journal_event(&d->journal, EV_REQUEST_RECEIVED, LOG_NOTICE, &f, "%s received (intake completed after a restart%s)",
                              id, what == RECOVER_RESTORED ? "; request.yaml restored from the dropped file" : "");
}

static void count_quarantine(struct daemon *d, const char *name)
{
        size_t len = strlen(name);
        if (len < 7 || strcmp(name + len - 7, ".reason") != 0)
                d->quarantined++;
}

int daemon_run(const struct daemon_options *opts)
{
        struct daemon d = { .opts = opts, .journal = { .echo = opts->foreground_echo }, .vault_fd = -1 };
        struct diag_list diags;
        char err[512];
        int r, rc = 1;
        diag_init(&diags);
        r = policy_load(opts->policy_path, &diags, &d.policy);
        if (r < 0) {
                diag_sort(&diags);
                diag_print(&diags, stderr);
                fprintf(stderr, "aksesd: %s: the policy is not valid; not starting\n", opts->policy_path);
                diag_free(&diags);
                return r == -EINVAL ? 1 : 2;
        }
        diag_free(&diags);
        d.journal.spool = d.spool_path = strdup(d.policy->spool.path);
        if ((r = spool_open(d.policy->spool.path, true, &d.spool, err, sizeof(err))) < 0) {
                fprintf(stderr, "aksesd: spool: %s\n", err);
                goto out;
        }
        if (resolve_owners(&d) < 0)
                goto out;

        if (mkdirat(d.spool.root_fd, "actors", 0750) < 0 && errno != EEXIST) {
                fprintf(stderr, "aksesd: actors/: %s\n", strerror(errno));
                goto out;
        }
        if ((r = registry_load(d.spool.root_fd, &d.registry, err, sizeof(err))) < 0) {
                fprintf(stderr, "aksesd: actors/: %s\n", strerror(-r));
                goto out;
        }
        if (err[0])
                journal_event(&d.journal, EV_STATE_CORRUPT, LOG_ERR, NULL, "%s", err);
        if ((r = archive_daemon_key(d.spool.root_fd, &d.daemon_key, err, sizeof(err))) < 0) {
                fprintf(stderr, "aksesd: the daemon's archive key: %s\n", err);
                goto out;
        }
        /* The vault: sealed credentials, for the daemon's user alone. */
        if (mkdirat(d.spool.root_fd, "vault", 0700) < 0 && errno != EEXIST) {
                fprintf(stderr, "aksesd: vault: %s\n", strerror(errno));
                goto out;
        }
        d.vault_fd = openat(d.spool.root_fd, "vault", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (d.vault_fd < 0 || fchmod(d.vault_fd, 0700) < 0) {
                fprintf(stderr, "aksesd: vault: %s\n", strerror(errno));
                goto out;
        }

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if ((r = sd_event_default(&d.event)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGTERM, on_sigterm, &d)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGINT, on_sigterm, &d)) < 0 ||
            (r = sd_event_add_signal(d.event, NULL, SIGHUP, on_sighup, &d)) < 0 ||
            (r = sd_event_add_time(d.event, &d.deadline_timer, CLOCK_REALTIME, 0, 1000000, on_deadline, &d)) < 0 ||
            (r = sd_event_add_time(d.event, &d.space_timer, CLOCK_REALTIME, 0, 1000000, on_space_timer, &d)) < 0 ||
            (r = sd_event_add_time(d.event, &d.retry_timer, CLOCK_MONOTONIC, 0, 100000, on_retry, &d)) < 0 ||
            (r = sd_event_add_time(d.event, &d.period_timer, CLOCK_REALTIME, 0, 1000000, on_period, &d)) < 0 ||
            (r = sd_event_add_defer(d.event, &d.drain, on_drain, &d)) < 0 ||
            /* Below every other source: names pile up while inotify has
             * more to say, and are then stored a batch at a time. */
            (r = sd_event_source_set_priority(d.drain, SD_EVENT_PRIORITY_IDLE)) < 0 ||
            (r = executor_start(d.event, on_activation_done, &d, &d.executor)) < 0 ||
            (r = sd_event_set_watchdog(d.event, true)) < 0) {
                fprintf(stderr, "aksesd: event loop: %s\n", strerror(-r));
                goto out;
        }
        sd_event_source_set_enabled(d.deadline_timer, SD_EVENT_OFF);
        sd_event_source_set_enabled(d.space_timer, SD_EVENT_OFF);
        sd_event_source_set_enabled(d.retry_timer, SD_EVENT_OFF);
        sd_event_source_set_enabled(d.drain, SD_EVENT_OFF);
        if (!(d.queue = calloc(INTAKE_QUEUE, sizeof(*d.queue)))) {
                fprintf(stderr, "aksesd: out of memory\n");
                goto out;
        }

        /* Resume everything left before taking anything new: half-done
         * intakes, claimed files, then the open requests' deadlines. */
        spool_recover(&d.spool, recovered, &d);
        scan_dir(&d, d.spool.quarantine_fd, count_quarantine);
        /* Claimed files first: a disposition half-filed before a crash must
         * find its request still in open/, before finished ones are closed. */
        d.resuming = true;
        scan_dir(&d, d.spool.work_fd, process_work_file);
        intake_commit(&d);
        d.resuming = false;
        reindex_all(&d);

        char drop[4096];
        snprintf(drop, sizeof(drop), "%s/drop", d.policy->spool.path);
        if ((r = sd_event_add_inotify(d.event, NULL, drop, IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR, on_inotify, &d)) < 0) {
                fprintf(stderr, "aksesd: inotify on %s: %s\n", drop, strerror(-r));
                goto out;
        }
        scan_dir(&d, d.spool.drop_fd, take_file);
        intake_commit(&d);
        on_deadline(d.deadline_timer, 0, &d);
        on_period(d.period_timer, 0, &d);       /* catches up on a period that ended while down */

        journal_event(&d.journal, EV_DAEMON_STARTED, LOG_INFO, &(struct event_fields){ .file = opts->policy_path },
                      "aksesd started: policy %s, spool %s, %zu requests open", opts->policy_path,
                      d.policy->spool.path, d.n_open);
        sd_notify(0, "READY=1");
        update_status(&d);
        r = sd_event_loop(d.event);
        rc = r < 0 ? 1 : 0;
out:
        executor_stop(d.executor);      /* before the policy it may be using goes */
        sd_event_source_unref(d.retry_timer);
        sd_event_source_unref(d.period_timer);
        sd_event_source_unref(d.deadline_timer);
        sd_event_source_unref(d.space_timer);
        sd_event_source_unref(d.drain);
        sd_event_unref(d.event);
        if (d.queue)
                clear_queue(&d);        /* left in drop/: taken at the next start */
        free(d.queue);
        free(d.batch);
        spool_close(&d.spool);
        policy_free(d.policy);
        free(d.open);
        free(d.allowed_uids);
        free(d.allowed_gids);
        free(d.in_flight);
        registry_free(&d.registry);
        free(d.spool_path);
        key_free_secret(d.daemon_key);
        if (d.vault_fd >= 0)
                close(d.vault_fd);
        return rc;
}
