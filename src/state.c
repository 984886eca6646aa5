/*
 * state - the state file of one request; see state.h.
 */
#include "state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_MAGIC "aksesd-state 1\n"

static const char *const STATUS_NAMES[] = { "open", "rejected", "done", "failed" };

const char *status_name(enum req_status s) { return STATUS_NAMES[s]; }

/* Free text fields are stored with spaces; no newlines can reach them
 * (validators refuse control characters), but be safe. */
static void put_text(char *dst, size_t size, const char *src)
{
        size_t i = 0;
        for (; src[i] && i + 1 < size; i++)
                dst[i] = src[i] == '\n' || src[i] == '\r' ? ' ' : src[i];
        dst[i] = '\0';
}

size_t state_format(const struct req_state *st, char *buf, size_t size)
{
        char digest[12 + 2 * DIGEST_BYTES + 1], skpd[34], letter[102], reason[sizeof(st->reason)];
        digest_format(st->digest, digest);
        put_text(skpd, sizeof(skpd), st->skpd);
        put_text(letter, sizeof(letter), st->letter);
        put_text(reason, sizeof(reason), st->reason);
        int n = snprintf(buf, size,
                         STATE_MAGIC "id %s\nkind %s\ndigest %s\nsubmitter %u %s\nreceived %" PRId64 "\n"
                         "skpd %s\nletter %s\nsubject %s\nstatus %s\nstep %u\nstep_started %" PRId64 "\nbreached %d\n"
                         "activation_due %d\nforward_to %s\nreason %s\n",
                         st->id, kind_name(st->kind), digest, (unsigned)st->submitter_uid,
                         st->submitter[0] ? st->submitter : "-", (int64_t)st->received, skpd, letter,
                         st->subject, status_name(st->status), st->step, (int64_t)st->step_started, st->breached,
                         st->activation_due, st->forward_to, reason);
        if (n < 0 || (size_t)n >= size)
                return 0;
        size_t used = (size_t)n;
        if (st->account != ACCOUNT_UNTOUCHED) {
                n = snprintf(buf + used, size - used, "account %s\n",
                             st->account == ACCOUNT_CREATED ? "created" : "updated");
                if (n < 0 || (size_t)n >= size - used)
                        return 0;
                used += (size_t)n;
        }
        for (size_t i = 0; i < st->n_history; i++) {
                const struct history_entry *h = &st->history[i];
                char nonce[2 * NONCE_BYTES + 1];
                sodium_bin2hex(nonce, sizeof(nonce), h->nonce, sizeof(h->nonce));
                n = snprintf(buf + used, size - used, "disposition %u %s %s %s %" PRId64 " %" PRId64 " %s %llu\n",
                             h->step, decision_name(h->decision), h->actor, h->to[0] ? h->to : "-",
                             (int64_t)h->signed_at, (int64_t)h->accepted_at, nonce, h->source_ino);
                if (n < 0 || (size_t)n >= size - used)
                        return 0;
                used += (size_t)n;
        }
        n = snprintf(buf + used, size - used, "end\n");
        if (n < 0 || (size_t)n >= size - used)
                return 0;
        return used + (size_t)n;
}

/* Splits the next line off *p; returns it NUL-terminated in line. */
static bool next_line(const char **p, const char *end, char *line, size_t size)
{
        const char *nl = memchr(*p, '\n', (size_t)(end - *p));
        if (!nl || (size_t)(nl - *p) >= size)
                return false;
        memcpy(line, *p, (size_t)(nl - *p));
        line[nl - *p] = '\0';
        *p = nl + 1;
        return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || *end)
                return false;
        *out = v;
        return true;
}

/* "key value" where value may be empty; returns value or NULL. */
static const char *field(const char *line, const char *key)
{
        size_t k = strlen(key);
        if (strncmp(line, key, k) != 0 || line[k] != ' ')
                return NULL;
        return line + k + 1;
}

bool state_parse(const char *buf, size_t len, struct req_state *st, char *err, size_t errlen)
{
        const char *p = buf, *end = buf + len;
        char line[2200];
        memset(st, 0, sizeof(*st));
        if (len < sizeof(STATE_MAGIC) - 1 || memcmp(buf, STATE_MAGIC, sizeof(STATE_MAGIC) - 1) != 0) {
                snprintf(err, errlen, "not an aksesd version 1 state file");
                return false;
        }
        p += sizeof(STATE_MAGIC) - 1;
        static const char *const keys[] = { "id", "kind", "digest", "submitter", "received", "skpd", "letter",
                                            "subject", "status", "step", "step_started", "breached", "activation_due",
                                            "forward_to", "reason" };
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                const char *v;
                int64_t n = 0;
                /* "subject" came later in version 1: a file without it has none. */
                if (k == 7 && (size_t)(end - p) > 8 && strncmp(p, "subject ", 8) != 0)
                        continue;
                bool ok = next_line(&p, end, line, sizeof(line)) && (v = field(line, keys[k]));
                if (!ok) {
                        snprintf(err, errlen, "missing or misplaced '%s' line", keys[k]);
                        return false;
                }
                switch (k) {
                case 0: ok = request_id_valid(v, strlen(v)); snprintf(st->id, sizeof(st->id), "%s", v); break;
                case 1:
                        ok = false;
                        for (int i = 0; i < KIND_COUNT; i++)
                                if (strcmp(v, KIND_NAMES[i]) == 0) {
                                        st->kind = (enum request_kind)i;
                                        ok = true;
                                }
                        break;
                case 2: ok = digest_parse(v, strlen(v), st->digest); break;
                case 3: {
                        char *sp;
                        unsigned long uid = strtoul(v, &sp, 10);
                        ok = sp != v && *sp == ' ';
                        st->submitter_uid = (uid_t)uid;
                        if (ok)
                                snprintf(st->submitter, sizeof(st->submitter), "%s", sp + 1);
                        break;
                }
                case 4: ok = parse_i64(v, &n); st->received = (time_t)n; break;
                case 5: snprintf(st->skpd, sizeof(st->skpd), "%s", v); break;
                case 6: snprintf(st->letter, sizeof(st->letter), "%s", v); break;
                case 7: ok = !*v || actor_id_valid(v, strlen(v)); snprintf(st->subject, sizeof(st->subject), "%s", v); break;
                case 8:
                        ok = false;
                        for (int i = 0; i < 4; i++)
                                if (strcmp(v, STATUS_NAMES[i]) == 0) {
                                        st->status = (enum req_status)i;
                                        ok = true;
                                }
                        break;
                case 9: ok = parse_i64(v, &n) && n >= 0 && n < 32; st->step = (unsigned)n; break;
                case 10: ok = parse_i64(v, &n); st->step_started = (time_t)n; break;
                case 11: ok = parse_i64(v, &n) && (n == 0 || n == 1); st->breached = n; break;
                case 12: ok = parse_i64(v, &n) && (n == 0 || n == 1); st->activation_due = n; break;
                case 13: ok = !*v || actor_id_valid(v, strlen(v)); snprintf(st->forward_to, sizeof(st->forward_to), "%s", v); break;
                case 14: snprintf(st->reason, sizeof(st->reason), "%s", v); break;
                }
                if (!ok) {
                        snprintf(err, errlen, "bad value in '%s' line", keys[k]);
                        return false;
                }
        }
        for (;;) {
                if (!next_line(&p, end, line, sizeof(line))) {
                        snprintf(err, errlen, "truncated: no 'end' line");
                        return false;
                }
                if (strcmp(line, "end") == 0)
                        break;
                /* Optional, after the fixed lines: what activation did. */
                if (strcmp(line, "account created") == 0 || strcmp(line, "account updated") == 0) {
                        st->account = line[8] == 'c' ? ACCOUNT_CREATED : ACCOUNT_UPDATED;
                        continue;
                }
                if (st->n_history == STATE_MAX_HISTORY) {
                        snprintf(err, errlen, "too many disposition lines");
                        return false;
                }
                struct history_entry *h = &st->history[st->n_history];
                char decision[16], to[ACTOR_ID_MAX + 1], nonce[2 * NONCE_BYTES + 1];
                long long signed_at, accepted_at;
                int used = 0;
                unsigned long long ino = 0;
                int got = sscanf(line, "disposition %u %15s %64s %64s %lld %lld %32s %llu%n", &h->step, decision,
                                 h->actor, to, &signed_at, &accepted_at, nonce, &ino, &used);
                if (got == 7) /* written before the source inode was recorded */
                        got = sscanf(line, "disposition %u %15s %64s %64s %lld %lld %32s%n", &h->step, decision,
                                     h->actor, to, &signed_at, &accepted_at, nonce, &used) == 7 ? 8 : 0;
                h->source_ino = ino;
                if (got != 8 || line[used] != '\0' ||
                    !actor_id_valid(h->actor, strlen(h->actor)) ||
                    sodium_hex2bin(h->nonce, sizeof(h->nonce), nonce, strlen(nonce), NULL, NULL, NULL) != 0) {
                        snprintf(err, errlen, "bad disposition line %zu", st->n_history + 1);
                        return false;
                }
                if (strcmp(decision, "approve") == 0)
                        h->decision = DECISION_APPROVE;
                else if (strcmp(decision, "reject") == 0)
                        h->decision = DECISION_REJECT;
                else {
                        snprintf(err, errlen, "bad decision in disposition line %zu", st->n_history + 1);
                        return false;
                }
                snprintf(h->to, sizeof(h->to), "%s", strcmp(to, "-") == 0 ? "" : to);
                h->signed_at = (time_t)signed_at;
                h->accepted_at = (time_t)accepted_at;
                st->n_history++;
        }
        if (p != end) {
                snprintf(err, errlen, "data after the 'end' line");
                return false;
        }
        return true;
}

time_t state_deadline(const struct req_state *st, const struct policy *p)
{
        const struct workflow *w = &p->workflows[st->kind];
        unsigned minutes = st->step < w->n_steps ? w->steps[st->step].standard_minutes : 15;
        return st->step_started + (time_t)minutes * 60;
}
