/*
 * aksesctl - the control CLI of aksesd.
 *
 * Exit codes follow `nginx -t` and `visudo -c`: 0 when all is well, 1 when
 * the input is wrong (every problem printed as FILE:LINE:COL: field:
 * message), 2 on usage or I/O errors.  Secrets never go through argv or
 * the environment: keys are read from files.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive.h"
#include "audit.h"
#include "chain.h"
#include "directory.h"
#include "handover.h"
#include "ldapdn.h"
#include "password.h"
#include "period.h"
#include "provision.h"
#include "registry.h"
#include "diag.h"
#include "disposition.h"
#include "fileio.h"
#include "keys.h"
#include "policy.h"
#include "request.h"
#include "spool.h"
#include "state.h"

#define EXIT_INVALID 1
#define EXIT_USAGE 2

#ifndef DEFAULT_POLICY
#define DEFAULT_POLICY "/etc/aksesd/policy.yaml"
#endif

struct cli {
        const char *policy_path;
};

static void usage(FILE *out)
{
        fprintf(out,
                "usage: aksesctl [--policy FILE] COMMAND [ARGS]\n"
                "\n"
                "commands:\n"
                "  check-policy                 validate the policy; print OK or every problem\n"
                "  check-request FILE...        validate request files against the policy\n"
                "  keygen --id ID --out PREFIX  make an Ed25519 key pair PREFIX.key / PREFIX.pub\n"
                "  submit FILE                  validate a request and drop it in the spool; print its id\n"
                "  approve ID --key FILE [--note TEXT] [--to ACTOR] [--request FILE --step STEP] [--out FILE]\n"
                "  reject ID --key FILE --note TEXT [--request FILE --step STEP] [--out FILE]\n"
                "                               sign a disposition and drop it in the spool (or write\n"
                "                               it to --out, to be copied in from another machine)\n"
                "  list [--pending] [--overdue] [--role ROLE] [--json]\n"
                "  show ID [--json]             a request: its step, who must act and by when, history\n"
                "  plan ID                      the LDIF activating ID would apply now (nothing is written)\n"
                "  verify-archive               check the whole chain of the tamper-evident archive\n"
                "  report --from DATE --to DATE [--skpd CODE] [--format text|csv|html] [--lang id|en]\n"
                "                               requests, outcomes and service-standard compliance in\n"
                "                               the period [from, to] (dates YYYY-MM-DD, both included)\n"
                "  audit ID [--json] [--directory DIR | --file FILE...]\n"
                "                               the request's story from the systemd journal\n"
                "  handover open FILE [--key KEY]\n"
                "                               print the initial password of a handover (sealed: needs\n"
                "                               the recipient's secret key)\n"
                "\n"
                "The policy is --policy FILE, else $AKSES_POLICY, else " DEFAULT_POLICY ".\n"
                "Exit status: 0 valid, 1 invalid input, 2 usage or I/O error.\n");
}

/* Loads the policy, printing its problems; returns an exit code. */
static int load_policy(const struct cli *cli, struct policy **ret)
{
        struct diag_list d;
        diag_init(&d);
        int r = policy_load(cli->policy_path, &d, ret);
        diag_sort(&d);
        diag_print(&d, stderr);
        diag_free(&d);
        if (r == -EINVAL)
                return EXIT_INVALID;
        if (r == -ENOMEM) {
                fprintf(stderr, "aksesctl: out of memory\n");
                return EXIT_USAGE;
        }
        return r < 0 ? EXIT_USAGE : 0;
}

static int cmd_check_policy(const struct cli *cli, int argc, char **argv)
{
        (void)argv;
        if (argc != 1) {
                fprintf(stderr, "usage: aksesctl [--policy FILE] check-policy\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        int rc = load_policy(cli, &p);
        if (rc == 0) {
                printf("OK\n");
                policy_free(p);
        }
        return rc;
}

static int cmd_check_request(const struct cli *cli, int argc, char **argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: aksesctl [--policy FILE] check-request FILE...\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        int rc = load_policy(cli, &p);
        if (rc != 0) {
                fprintf(stderr, "aksesctl: %s: the policy is not valid, cannot check requests\n", cli->policy_path);
                return EXIT_USAGE;
        }
        time_t now = time(NULL);
        bool invalid = false, io_error = false;
        for (int i = 1; i < argc; i++) {
                struct diag_list d;
                struct request *req = NULL;
                diag_init(&d);
                int r = request_load(p, argv[i], now, &d, &req);
                diag_sort(&d);
                diag_print(&d, stderr);
                diag_free(&d);
                if (r == 0) {
                        if (argc == 2)
                                printf("OK\n");
                        else
                                printf("%s: OK\n", argv[i]);
                        request_free(req);
                } else if (r == -EINVAL) {
                        invalid = true;
                } else {
                        io_error = true;
                }
        }
        policy_free(p);
        return io_error ? EXIT_USAGE : invalid ? EXIT_INVALID : 0;
}

static int cmd_keygen(int argc, char **argv)
{
        static const struct option opts[] = {
                { "id", required_argument, NULL, 'i' },
                { "out", required_argument, NULL, 'o' },
                { NULL, 0, NULL, 0 } };
        const char *id = NULL, *out = NULL;
        int c;
        optind = 0;    /* glibc: 0 re-initialises getopt for the sub-command */
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c == 'i')
                        id = optarg;
                else if (c == 'o')
                        out = optarg;
                else
                        return EXIT_USAGE;
        }
        if (!id || !out || optind != argc) {
                fprintf(stderr, "usage: aksesctl keygen --id ID --out PREFIX\n");
                return EXIT_USAGE;
        }
        char pub[KEY_PUBLIC_STRLEN], err[512];
        if (key_generate(id, out, pub, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: keygen: %s\n", err);
                return EXIT_USAGE;
        }
        printf("%s\n", pub);
        return 0;
}

/* Opens the policy's spool; prints why not.  0 or an exit code. */
static int open_spool(const struct policy *p, struct spool *sp)
{
        char err[512];
        if (spool_open(p->spool.path, false, sp, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: spool: %s\n", err);
                return EXIT_USAGE;
        }
        return 0;
}

/* Both, for the commands that read the spool; on failure nothing is
 * left to free. */
static int open_policy_and_spool(const struct cli *cli, struct policy **p, struct spool *sp)
{
        if (load_policy(cli, p) != 0)
                return EXIT_USAGE;
        if (open_spool(*p, sp) != 0) {
                policy_free(*p);
                *p = NULL;
                return EXIT_USAGE;
        }
        return 0;
}

/* Writes buf into drop/ under name, atomically: a dot-named temp file
 * the daemon ignores, then a rename it sees whole. */
static int drop_file(struct spool *sp, const char *name, const char *buf, size_t len)
{
        int r = write_file_atomic(sp->drop_fd, name, buf, len, 0640);
        if (r < 0)
                fprintf(stderr, "aksesctl: %s/drop/%s: %s\n", sp->path, name, strerror(-r));
        return r < 0 ? EXIT_USAGE : 0;
}

static int cmd_submit(const struct cli *cli, int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: aksesctl [--policy FILE] submit FILE\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        int rc = load_policy(cli, &p);
        if (rc != 0)
                return EXIT_USAGE;
        char *buf = NULL, err[256];
        size_t len;
        struct diag_list d;
        struct request *req = NULL;
        struct spool sp = { .root_fd = -1 };
        diag_init(&d);
        int r = read_file_checked(AT_FDCWD, argv[1], REQUEST_MAX_BYTES, &buf, &len, NULL, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "%s: file: %s\n", argv[1], err);
                rc = r == -ENOENT || r == -EACCES ? EXIT_USAGE : EXIT_INVALID;
                goto out;
        }
        if (request_parse(p, argv[1], buf, len, time(NULL), &d, &req) < 0) {
                diag_sort(&d);
                diag_print(&d, stderr);
                rc = EXIT_INVALID;
                goto out;
        }
        if ((rc = open_spool(p, &sp)) != 0)
                goto out;
        char id[REQUEST_ID_LEN + 1], name[64];
        if ((r = spool_next_id(&sp, time(NULL), id)) < 0) {
                fprintf(stderr, "aksesctl: cannot allocate a request id: %s\n", strerror(-r));
                rc = EXIT_USAGE;
                goto out;
        }
        snprintf(name, sizeof(name), "%s.yaml", id);
        if ((rc = drop_file(&sp, name, buf, len)) == 0)
                printf("%s\n", id);
out:
        if (sp.root_fd >= 0)
                spool_close(&sp);
        request_free(req);
        diag_free(&d);
        free(buf);
        policy_free(p);
        return rc;
}

static bool note_ok(const char *s)
{
        size_t chars = 0;
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if (*c < 0x20 || *c == 0x7f)
                        return false;
                chars += (*c & 0xC0) != 0x80;
        }
        return chars <= NOTE_MAX_CHARS;
}

static int cmd_dispose(const struct cli *cli, enum decision decision, int argc, char **argv)
{
        static const struct option opts[] = {
                { "key", required_argument, NULL, 'k' }, { "note", required_argument, NULL, 'n' },
                { "to", required_argument, NULL, 't' }, { "request", required_argument, NULL, 'r' },
                { "step", required_argument, NULL, 's' }, { "out", required_argument, NULL, 'o' },
                { NULL, 0, NULL, 0 } };
        const char *key_path = NULL, *note = "", *to = "", *request_file = NULL, *step = NULL, *out_path = NULL;
        int c;
        optind = 0;    /* glibc: 0 re-initialises getopt for the sub-command */
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'k': key_path = optarg; break;
                case 'n': note = optarg; break;
                case 't': to = optarg; break;
                case 'r': request_file = optarg; break;
                case 's': step = optarg; break;
                case 'o': out_path = optarg; break;
                default: return EXIT_USAGE;
                }
        }
        const char *cmd = decision == DECISION_APPROVE ? "approve" : "reject";
        if (optind + 1 != argc || !key_path || (decision == DECISION_REJECT && !*note) ||
            (!request_file) != (!step)) {
                fprintf(stderr, "usage: aksesctl %s ID --key FILE %s[--request FILE --step STEP] [--out FILE]\n", cmd,
                        decision == DECISION_REJECT ? "--note TEXT " : "[--note TEXT] [--to ACTOR] ");
                return EXIT_USAGE;
        }
        const char *id = argv[optind];
        if (!request_id_valid(id, strlen(id))) {
                fprintf(stderr, "aksesctl: '%s' is not a request id (REQ-YYYYMMDD-NNNNNN)\n", id);
                return EXIT_USAGE;
        }
        if (!note_ok(note) || (*to && !actor_id_valid(to, strlen(to)))) {
                fprintf(stderr, "aksesctl: --note must be one line of at most %d characters; --to an actor id\n",
                        NOTE_MAX_CHARS);
                return EXIT_USAGE;
        }
        struct disposition disp = { .decision = decision };
        snprintf(disp.request_id, sizeof(disp.request_id), "%s", id);
        snprintf(disp.note, sizeof(disp.note), "%s", note);
        snprintf(disp.to, sizeof(disp.to), "%s", to);

        struct policy *p = NULL;
        struct spool sp = { .root_fd = -1 };
        struct secret_key *key = NULL;
        char *req = NULL, *signed_buf = NULL, err[512];
        size_t req_len = 0, signed_len = 0;
        int rc = EXIT_USAGE, r;
        if (request_file) {
                /* Offline: a copy of the request as received and the step. */
                if ((r = read_file_checked(AT_FDCWD, request_file, REQUEST_MAX_BYTES, &req, &req_len, NULL, err,
                                           sizeof(err))) < 0) {
                        fprintf(stderr, "%s: %s\n", request_file, err);
                        goto out;
                }
                snprintf(disp.step, sizeof(disp.step), "%s", step);
        } else {
                if (load_policy(cli, &p) != 0 || open_spool(p, &sp) != 0)
                        goto out;
                struct req_state st;
                bool closed;
                if (spool_read_state(&sp, id, &st, &closed, err, sizeof(err)) < 0 ||
                    spool_read_request(&sp, id, closed, &req, &req_len) < 0) {
                        fprintf(stderr, "aksesctl: %s\n", err);
                        goto out;
                }
                const struct step *cur = chain_current_step(p, &st);
                if (!cur) {
                        fprintf(stderr, "aksesctl: %s is %s: nothing to dispose\n", id, status_name(st.status));
                        goto out;
                }
                snprintf(disp.step, sizeof(disp.step), "%s", cur->id);
        }
        content_digest(req, req_len, disp.digest);
        if (key_load_secret(key_path, &key, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: %s\n", err);
                goto out;
        }
        if (disposition_sign(&disp, key, &signed_buf, &signed_len) < 0) {
                fprintf(stderr, "aksesctl: out of memory\n");
                goto out;
        }
        if (out_path) {
                int fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
                if (fd < 0 || write_all_fd(fd, signed_buf, signed_len) < 0 || close(fd) < 0) {
                        fprintf(stderr, "aksesctl: %s: %s\n", out_path, strerror(errno));
                        goto out;
                }
                printf("%s\n", out_path);
                rc = 0;
                goto out;
        }
        char name[200], nonce[9];
        sodium_bin2hex(nonce, sizeof(nonce), disp.nonce, 4);
        snprintf(name, sizeof(name), "%s.%s.%s.%s.disposition.yaml", id, disp.step, disp.actor, nonce);
        if ((rc = drop_file(&sp, name, signed_buf, signed_len)) == 0)
                printf("%s: %s at step '%s' by %s dropped as %s\n", id, cmd, disp.step, disp.actor, name);
out:
        if (sp.root_fd >= 0)
                spool_close(&sp);
        key_free_secret(key);
        free(req);
        free(signed_buf);
        policy_free(p);
        return rc;
}

static void json_str(FILE *f, const char *s)
{
        fputc('"', f);
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if (*c == '"' || *c == '\\')
                        fprintf(f, "\\%c", *c);
                else if (*c < 0x20)
                        fprintf(f, "\\u%04x", *c);
                else
                        fputc(*c, f);
        }
        fputc('"', f);
}

struct view {
        const struct policy *p;
        const struct req_state *st;
        const struct step *step;
        enum role_id role;
        const char *actor;
        time_t deadline;
        bool overdue;
};

static void make_view(const struct policy *p, const struct req_state *st, time_t now, struct view *v)
{
        v->p = p;
        v->st = st;
        v->step = chain_current_step(p, st);
        v->role = chain_who_must_act(p, st, &v->actor);
        v->deadline = v->step ? state_deadline(st, p) : 0;
        v->overdue = v->step && !st->activation_due && (st->breached || v->deadline <= now);
}

static void print_json(const struct view *v, bool full)
{
        const struct req_state *st = v->st;
        char t[21];
        printf("{\"id\": \"%s\", \"kind\": \"%s\", \"status\": \"%s\"", st->id, kind_name(st->kind), status_name(st->status));
        printf(", \"skpd\": ");
        json_str(stdout, st->skpd);
        printf(", \"letter\": ");
        json_str(stdout, st->letter);
        time_format_utc(st->received, t);
        printf(", \"received\": \"%s\", \"submitter\": ", t);
        json_str(stdout, st->submitter);
        if (v->step) {
                time_format_utc(v->deadline, t);
                printf(", \"step\": \"%s\", \"action\": \"%s\", \"role\": \"%s\", \"actor\": ", v->step->id,
                       action_name(v->step->action), role_name(v->role));
                json_str(stdout, v->actor);
                printf(", \"due\": \"%s\", \"overdue\": %s, \"awaiting_activation\": %s", t, v->overdue ? "true" : "false",
                       st->activation_due ? "true" : "false");
        } else {
                printf(", \"step\": null");
        }
        if (st->reason[0]) {
                printf(", \"reason\": ");
                json_str(stdout, st->reason);
        }
        if (full) {
                const struct workflow *w = &v->p->workflows[st->kind];
                printf(", \"history\": [");
                for (size_t i = 0; i < st->n_history; i++) {
                        const struct history_entry *h = &st->history[i];
                        char a[21], b[21];
                        time_format_utc(h->signed_at, a);
                        time_format_utc(h->accepted_at, b);
                        printf("%s{\"step\": \"%s\", \"role\": \"%s\", \"decision\": \"%s\", \"actor\": \"%s\", \"to\": ",
                               i ? ", " : "", h->step < w->n_steps ? w->steps[h->step].id : "?",
                               h->step < w->n_steps ? role_name(w->steps[h->step].role) : "?",
                               decision_name(h->decision), h->actor);
                        json_str(stdout, h->to);
                        printf(", \"signed\": \"%s\", \"accepted\": \"%s\"}", a, b);
                }
                printf("]");
        }
        printf("}");
}

static void print_text_row(const struct view *v)
{
        char due[21] = "-";
        if (v->step)
                time_format_utc(v->deadline, due);
        char who[100] = "-";
        if (v->step)
                snprintf(who, sizeof(who), "%s%s%s", role_name(v->role), v->actor[0] ? ":" : "", v->actor);
        printf("%-19s  %-18s  %-8s  %-14s  %-30s  %s%s\n", v->st->id, kind_name(v->st->kind), status_name(v->st->status),
               v->step ? v->step->id : "-", who, due, v->overdue ? " OVERDUE" : "");
}

struct list_filter {
        bool pending, overdue, json;
        int role;
        size_t shown;
};

static void list_dir(const struct policy *p, struct spool *sp, int dirfd, struct list_filter *f, time_t now)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dir)
                return;
        struct dirent *e;
        while ((e = readdir(dir))) {
                if (!request_id_valid(e->d_name, strlen(e->d_name)))
                        continue;
                struct req_state st;
                bool closed;
                char err[256];
                if (spool_read_state(sp, e->d_name, &st, &closed, err, sizeof(err)) < 0) {
                        fprintf(stderr, "aksesctl: %s\n", err);
                        continue;
                }
                struct view v;
                make_view(p, &st, now, &v);
                if ((f->pending && st.status != STATUS_OPEN) || (f->overdue && !v.overdue) ||
                    (f->role >= 0 && (int)v.role != f->role))
                        continue;
                if (f->json) {
                        printf("%s\n  ", f->shown ? "," : "");
                        print_json(&v, false);
                } else {
                        print_text_row(&v);
                }
                f->shown++;
        }
        closedir(dir);
}

static int cmd_list(const struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "pending", no_argument, NULL, 'p' }, { "overdue", no_argument, NULL, 'o' },
                { "role", required_argument, NULL, 'r' }, { "json", no_argument, NULL, 'j' },
                { NULL, 0, NULL, 0 } };
        struct list_filter f = { .role = -1 };
        int c;
        optind = 0;    /* glibc: 0 re-initialises getopt for the sub-command */
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'p': f.pending = true; break;
                case 'o': f.overdue = true; break;
                case 'j': f.json = true; break;
                case 'r':
                        for (int i = 0; i < ROLE_COUNT; i++)
                                if (strcmp(optarg, ROLE_NAMES[i]) == 0)
                                        f.role = i;
                        if (f.role < 0) {
                                fprintf(stderr, "aksesctl: --role must be kepala_bidang, super_admin or admin\n");
                                return EXIT_USAGE;
                        }
                        break;
                default: return EXIT_USAGE;
                }
        }
        if (optind != argc)
                return EXIT_USAGE;
        struct policy *p = NULL;
        struct spool sp;
        if (open_policy_and_spool(cli, &p, &sp) != 0)
                return EXIT_USAGE;
        time_t now = time(NULL);
        if (f.json)
                printf("[");
        else
                printf("%-19s  %-18s  %-8s  %-14s  %-30s  %s\n", "ID", "KIND", "STATUS", "STEP", "WHO MUST ACT", "DUE (UTC)");
        list_dir(p, &sp, sp.open_fd, &f, now);
        if (!f.pending && !f.overdue && f.role < 0)
                list_dir(p, &sp, sp.closed_fd, &f, now);
        if (f.json)
                printf("%s]\n", f.shown ? "\n" : "");
        spool_close(&sp);
        policy_free(p);
        return 0;
}

/* The documents produced for a request: its handover form and password
 * file in outbox/, its report in reports/. */
static void print_documents(struct spool *sp, const char *id)
{
        const int dirs[] = { sp->outbox_fd, sp->reports_fd };
        const char *names[] = { "outbox", "reports" };
        size_t idlen = strlen(id);
        bool any = false;
        for (size_t i = 0; i < 2; i++) {
                int fd = openat(dirs[i], ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
                if (!dir)
                        continue;
                struct dirent *e;
                while ((e = readdir(dir))) {
                        if (strncmp(e->d_name, id, idlen) != 0 || e->d_name[idlen] != '.')
                                continue;
                        printf("  %s %s/%s/%s\n", any ? "          " : "documents", sp->path, names[i], e->d_name);
                        any = true;
                }
                closedir(dir);
        }
}

static int cmd_show(const struct cli *cli, int argc, char **argv)
{
        bool json = argc == 3 && strcmp(argv[2], "--json") == 0;
        if (argc != 2 && !json) {
                fprintf(stderr, "usage: aksesctl show ID [--json]\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        struct spool sp;
        if (open_policy_and_spool(cli, &p, &sp) != 0)
                return EXIT_USAGE;
        struct req_state st;
        bool closed;
        char err[256];
        int rc = 0;
        if (spool_read_state(&sp, argv[1], &st, &closed, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: %s\n", err);
                rc = EXIT_INVALID;
        } else {
                struct view v;
                make_view(p, &st, time(NULL), &v);
                if (json) {
                        print_json(&v, true);
                        printf("\n");
                } else {
                        char t[21];
                        const struct workflow *w = &p->workflows[st.kind];
                        time_format_utc(st.received, t);
                        printf("%s  %s (%s)\n", st.id, kind_name(st.kind), w->title);
                        printf("  status     %s%s%s\n", status_name(st.status), st.reason[0] ? ": " : "", st.reason);
                        if (st.skpd[0])
                                printf("  skpd       %s\n", st.skpd);
                        printf("  letter     %s\n", st.letter[0] ? st.letter : "-");
                        printf("  received   %s from %s\n", t, st.submitter);
                        if (v.step) {
                                time_format_utc(v.deadline, t);
                                printf("  step       %s (%s)%s\n", v.step->id, action_name(v.step->action),
                                       st.activation_due ? ", approved: waiting for the directory executor" : "");
                                printf("  must act   %s%s%s by %s%s\n", role_name(v.role), v.actor[0] ? " " : "", v.actor, t,
                                       v.overdue ? " (OVERDUE)" : "");
                        }
                        print_documents(&sp, st.id);
                        printf("  history\n");
                        for (size_t i = 0; i < st.n_history; i++) {
                                const struct history_entry *h = &st.history[i];
                                time_format_utc(h->accepted_at, t);
                                printf("    %s  %-14s %-8s %s%s%s\n", t, h->step < w->n_steps ? w->steps[h->step].id : "?",
                                       decision_name(h->decision), h->actor, h->to[0] ? " -> " : "", h->to);
                        }
                }
        }
        spool_close(&sp);
        policy_free(p);
        return rc;
}

static int cmd_plan(const struct cli *cli, int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: aksesctl plan ID\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        struct spool sp;
        if (open_policy_and_spool(cli, &p, &sp) != 0)
                return EXIT_USAGE;
        struct req_state st;
        bool closed;
        char err[1024], *buf = NULL;
        size_t len;
        int rc = EXIT_USAGE;
        struct request *req = NULL;
        struct account_plan *plan = NULL;
        struct directory *dir = NULL;
        struct diag_list diags;
        diag_init(&diags);
        if (spool_read_state(&sp, argv[1], &st, &closed, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: %s\n", err);
                goto out;
        }
        int rr = spool_read_request(&sp, argv[1], closed, &buf, &len);
        if (rr < 0) {
                fprintf(stderr, "aksesctl: %s: cannot read the stored request: %s\n", argv[1], strerror(-rr));
                goto out;
        }
        if (st.kind != KIND_SKPD_ACCESS) {
                fprintf(stderr, "aksesctl: %s is %s: only skpd-access requests activate SKPD accounts\n", st.id,
                        kind_name(st.kind));
                goto out;
        }
        if (request_parse(p, "request.yaml", buf, len, st.received, &diags, &req) < 0) {
                diag_print(&diags, stderr);
                goto out;
        }
        char approvers[16][CHAIN_APPROVER_MAX];
        const char *ptrs[16];
        size_t n = chain_approvers(p, &st, approvers, ptrs, 16);
        const char *admin;
        chain_who_must_act(p, &st, &admin);
        struct plan_input in = { .request_id = st.id, .approvers = ptrs, .n_approvers = n, .now = time(NULL),
                                 .provisioned_by = *admin ? admin : st.forward_to[0] ? st.forward_to :
                                                   n ? st.history[st.n_history - 1].actor : "" };
        if (provision_plan(p, req, &in, &plan, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: %s: %s\n", st.id, err);
                rc = EXIT_INVALID;
                goto out;
        }
        /* Compare with the live directory when it can be reached. */
        static const char *const attrs[] = { "*", "+", NULL };
        struct entry *existing = NULL;
        const struct entry **groups = calloc(plan->n_groups + 1, sizeof(*groups));
        if (!groups)
                goto out;
        int r = directory_open(p, &dir, err, sizeof(err));
        if (r == 0) {
                char *filter = filter_eq("uid", plan->uid);
                r = filter ? directory_find(dir, p->accounts.people_base, filter, attrs, plan->arena, &existing, err,
                                            sizeof(err)) : -ENOMEM;
                free(filter);
                if (r == -ENOENT) {
                        existing = NULL;
                        r = 0;
                }
                for (size_t i = 0; r == 0 && i < plan->n_groups; i++) {
                        struct entry *g = NULL;
                        int gr = directory_read(dir, plan->groups[i].dn, attrs, plan->arena, &g, err, sizeof(err));
                        if (gr < 0 && gr != -ENOENT)
                                r = gr;
                        groups[i] = g;
                }
        }
        if (r < 0) {
                printf("# directory not consulted (%s): showing the whole entry\n", err);
                existing = NULL;
                memset(groups, 0, (plan->n_groups + 1) * sizeof(*groups));
        } else if (existing) {
                const struct attr_values *u = entry_attr(existing, "uidNumber");
                if (u && u->n == 1 && provision_set_uid_number(plan, strtoul(u->values[0], NULL, 10)) < 0)
                        goto out_groups;
                if (provision_conflict(plan, existing, err, sizeof(err)))
                        printf("# CONFLICT: %s; activation would stop here\n", err);
        }
        provision_ldif(stdout, plan, existing, groups);
        rc = 0;
out_groups:
        free(groups);
out:
        directory_close(dir);
        provision_plan_free(plan);
        request_free(req);
        diag_free(&diags);
        free(buf);
        spool_close(&sp);
        policy_free(p);
        return rc;
}

static int cmd_handover(int argc, char **argv)
{
        static const struct option opts[] = { { "key", required_argument, NULL, 'k' }, { NULL, 0, NULL, 0 } };
        const char *key = NULL;
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                if (c != 'k')
                        return EXIT_USAGE;
                key = optarg;
        }
        if (optind + 2 != argc || strcmp(argv[optind], "open") != 0) {
                fprintf(stderr, "usage: aksesctl handover open FILE [--key KEY]\n");
                return EXIT_USAGE;
        }
        char *pw = NULL, err[512];
        if (handover_open(argv[optind + 1], key, &pw, err, sizeof(err)) < 0) {
                fprintf(stderr, "aksesctl: %s: %s\n", argv[optind + 1], err);
                return EXIT_INVALID;
        }
        printf("%s\n", pw);
        password_free(pw);
        return 0;
}

static int cmd_verify_archive(const struct cli *cli, int argc, char **argv)
{
        (void)argv;
        if (argc != 1) {
                fprintf(stderr, "usage: aksesctl verify-archive\n");
                return EXIT_USAGE;
        }
        struct policy *p = NULL;
        struct spool sp;
        if (open_policy_and_spool(cli, &p, &sp) != 0)
                return EXIT_USAGE;
        char *pub = NULL, err[512], path[4200];
        size_t len;
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        int rc = EXIT_USAGE;
        int r = read_file_checked(sp.root_fd, DAEMON_PUB_FILE, 256, &pub, &len, NULL, err, sizeof(err));
        while (r == 0 && len > 0 && pub[len - 1] == '\n')
                len--;
        if (r < 0 || !key_parse_public(pub, len, pk)) {
                fprintf(stderr, "aksesctl: %s/%s: %s\n", sp.path, DAEMON_PUB_FILE, r < 0 ? err : "not a public key");
                goto out;
        }
        snprintf(path, sizeof(path), "%s/%s", sp.path, ARCHIVE_FILE);
        size_t n = 0;
        r = archive_verify(path, pk, &n, err, sizeof(err));
        if (r == 0) {
                printf("OK: %zu records, chain and signatures intact\n", n);
                rc = 0;
        } else if (r == -EBADMSG) {
                printf("%s: %s\n", path, err);
                rc = EXIT_INVALID;
        } else {
                fprintf(stderr, "aksesctl: %s: %s\n", path, err);
        }
out:
        free(pub);
        spool_close(&sp);
        policy_free(p);
        return rc;
}

static int cmd_audit(const struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "json", no_argument, NULL, 'j' }, { "directory", required_argument, NULL, 'D' },
                { "file", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
        struct audit_query q = { 0 };
        const char *files[64];
        size_t n_files = 0;
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'j': q.json = true; break;
                case 'D': q.directory = optarg; break;
                case 'f':
                        if (n_files + 1 >= sizeof(files) / sizeof(files[0]))
                                return EXIT_USAGE;
                        files[n_files++] = optarg;
                        break;
                default: return EXIT_USAGE;
                }
        }
        if (optind + 1 != argc || (q.directory && n_files) || !request_id_valid(argv[optind], strlen(argv[optind]))) {
                fprintf(stderr, "usage: aksesctl audit ID [--json] [--directory DIR | --file FILE...]\n");
                return EXIT_USAGE;
        }
        files[n_files] = NULL;
        q.request_id = argv[optind];
        q.files = n_files ? files : NULL;
        /* Ids restart per spool: with a readable policy, only its spool's story. */
        struct policy *p = NULL;
        struct diag_list d;
        diag_init(&d);
        if (policy_load(cli->policy_path, &d, &p) == 0)
                q.spool = p->spool.path;
        diag_free(&d);
        char err[512];
        int r = audit_print(stdout, &q, err, sizeof(err));
        policy_free(p);
        if (r < 0) {
                fprintf(stderr, "aksesctl: %s\n", err);
                return EXIT_USAGE;
        }
        if (r == 0) {
                fprintf(stderr, "aksesctl: no journal entries for %s\n", q.request_id);
                return EXIT_INVALID;
        }
        return 0;
}

static int cmd_report(const struct cli *cli, int argc, char **argv)
{
        static const struct option opts[] = {
                { "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' },
                { "skpd", required_argument, NULL, 's' }, { "format", required_argument, NULL, 'F' },
                { "lang", required_argument, NULL, 'l' }, { NULL, 0, NULL, 0 } };
        const char *from = NULL, *to = NULL, *format = "text", *lang = NULL;
        struct period_query q = { .now = time(NULL) };
        int c;
        optind = 0;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'f': from = optarg; break;
                case 't': to = optarg; break;
                case 's': q.skpd = optarg; break;
                case 'F': format = optarg; break;
                case 'l': lang = optarg; break;
                default: return EXIT_USAGE;
                }
        }
        bool ok = optind == argc && from && to && period_parse_date(from, &q.from) && period_parse_date(to, &q.to);
        if (ok && strcmp(format, "text") == 0)
                q.format = PERIOD_TEXT;
        else if (ok && strcmp(format, "csv") == 0)
                q.format = PERIOD_CSV;
        else if (ok && strcmp(format, "html") == 0)
                q.format = PERIOD_HTML;
        else
                ok = false;
        if (ok && lang && strcmp(lang, "id") != 0 && strcmp(lang, "en") != 0)
                ok = false;
        if (!ok || q.to < q.from) {
                fprintf(stderr, "usage: aksesctl report --from YYYY-MM-DD --to YYYY-MM-DD [--skpd CODE] "
                                "[--format text|csv|html] [--lang id|en]\n");
                return EXIT_USAGE;
        }
        /* --to names the last day of the period. */
        struct tm tm;
        localtime_r(&q.to, &tm);
        tm.tm_mday++;
        tm.tm_isdst = -1;
        q.to = mktime(&tm);
        struct policy *p = NULL;
        struct spool sp;
        if (open_policy_and_spool(cli, &p, &sp) != 0)
                return EXIT_USAGE;
        q.lang = lang ? (strcmp(lang, "en") == 0 ? LANG_EN : LANG_ID) : p->org.language;
        if (q.skpd && !policy_find_skpd(p, q.skpd, strlen(q.skpd))) {
                fprintf(stderr, "aksesctl: unknown SKPD '%s'\n", q.skpd);
                spool_close(&sp);
                policy_free(p);
                return EXIT_USAGE;
        }
        struct req_state *states = NULL;
        size_t n = 0, skipped = 0;
        int rc = 0;
        /* Appointees' names, when this user may read actors/. */
        struct registry reg;
        char rerr[256];
        if (registry_load(sp.root_fd, &reg, rerr, sizeof(rerr)) == 0)
                q.reg = &reg;
        int r = spool_collect(&sp, q.from, q.to, &states, &n, &skipped);
        if (r < 0) {
                fprintf(stderr, "aksesctl: reading the spool: %s\n", strerror(-r));
                rc = EXIT_USAGE;
        } else {
                if (skipped)
                        fprintf(stderr, "aksesctl: %zu unreadable state file(s) left out\n", skipped);
                if (period_report(stdout, p, states, n, &q) < 0 || fflush(stdout) != 0) {
                        fprintf(stderr, "aksesctl: writing the report: %s\n", strerror(errno));
                        rc = EXIT_USAGE;
                }
        }
        free(states);
        if (q.reg)
                registry_free(&reg);
        spool_close(&sp);
        policy_free(p);
        return rc;
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                { "policy", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 } };
        struct cli cli = { .policy_path = getenv("AKSES_POLICY") };
        if (!cli.policy_path || !*cli.policy_path)
                cli.policy_path = DEFAULT_POLICY;
        int c;
        /* '+' stops at the command so that its own options are its own. */
        while ((c = getopt_long(argc, argv, "+p:h", opts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        cli.policy_path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }
        if (sodium_init() < 0) {
                fprintf(stderr, "aksesctl: libsodium failed to initialise\n");
                return EXIT_USAGE;
        }
        const char *cmd = argv[optind];
        int sub_argc = argc - optind;
        char **sub_argv = argv + optind;
        if (strcmp(cmd, "check-policy") == 0)
                return cmd_check_policy(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "check-request") == 0)
                return cmd_check_request(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "keygen") == 0)
                return cmd_keygen(sub_argc, sub_argv);
        if (strcmp(cmd, "submit") == 0)
                return cmd_submit(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "approve") == 0)
                return cmd_dispose(&cli, DECISION_APPROVE, sub_argc, sub_argv);
        if (strcmp(cmd, "reject") == 0)
                return cmd_dispose(&cli, DECISION_REJECT, sub_argc, sub_argv);
        if (strcmp(cmd, "list") == 0)
                return cmd_list(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "show") == 0)
                return cmd_show(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "plan") == 0)
                return cmd_plan(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "report") == 0)
                return cmd_report(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "audit") == 0)
                return cmd_audit(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "verify-archive") == 0)
                return cmd_verify_archive(&cli, sub_argc, sub_argv);
        if (strcmp(cmd, "handover") == 0)
                return cmd_handover(sub_argc, sub_argv);
        fprintf(stderr, "aksesctl: unknown command '%s'\n", cmd);
        usage(stderr);
        return EXIT_USAGE;
}
