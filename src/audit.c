/*
 * audit - a request's story read back from the systemd journal; see audit.h.
 */
#include "audit.h"

#include "diag.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-journal.h>
#include <time.h>

static const char *const FIELDS[] = { "AKSES_EVENT", "AKSES_STEP", "AKSES_ROLE", "AKSES_ACTOR", "AKSES_DECISION",
                                      "AKSES_REASON", "AKSES_ACCOUNT_DN", "AKSES_GROUPS", "AKSES_FILE",
                                      "AKSES_DIGEST", "AKSES_ESCALATE_TO", "AKSES_DEADLINE", "MESSAGE", NULL };

/* The value of field in the current entry, copied into out ("" if absent). */
static void field(sd_journal *j, const char *name, char *out, size_t size)
{
        const void *data;
        size_t len;
        out[0] = '\0';
        if (sd_journal_get_data(j, name, &data, &len) < 0)
                return;
        size_t prefix = strlen(name) + 1;
        if (len <= prefix)
                return;
        len -= prefix;
        if (len >= size)
                len = size - 1;
        memcpy(out, (const char *)data + prefix, len);
        out[len] = '\0';
}

static void json_string(FILE *out, const char *s)
{
        fputc('"', out);
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if (*c == '"' || *c == '\\')
                        fprintf(out, "\\%c", *c);
                else if (*c < 0x20)
                        fprintf(out, "\\u%04x", *c);
                else
                        fputc(*c, out);
        }
        fputc('"', out);
}

static int add_match(sd_journal *j, const char *name, const char *value)
{
        char m[512];
        int n = snprintf(m, sizeof(m), "%s=%s", name, value);
        if (n < 0 || (size_t)n >= sizeof(m))
                return -E2BIG;
        return sd_journal_add_match(j, m, (size_t)n);
}

int audit_print(FILE *out, const struct audit_query *q, char *err, size_t errlen)
{
        sd_journal *j = NULL;
        int r;
        if (q->files)
                r = sd_journal_open_files(&j, (const char **)q->files, 0);
        else if (q->directory)
                r = sd_journal_open_directory(&j, q->directory, 0);
        else
                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                snprintf(err, errlen, "cannot open the journal: %s", strerror(-r));
                return r;
        }
        if ((r = add_match(j, "AKSES_REQUEST_ID", q->request_id)) < 0 ||
            (q->spool && (r = add_match(j, "AKSES_SPOOL", q->spool)) < 0) ||
            (r = add_match(j, "SYSLOG_IDENTIFIER", "aksesd")) < 0) {
                snprintf(err, errlen, "journal match: %s", strerror(-r));
                sd_journal_close(j);
                return r;
        }
        int count = 0;
        if (q->json)
                fprintf(out, "[");
        SD_JOURNAL_FOREACH(j) {
                char values[13][2048];
                for (size_t i = 0; FIELDS[i]; i++)
                        field(j, FIELDS[i], values[i], sizeof(values[i]));
                uint64_t usec = 0;
                sd_journal_get_realtime_usec(j, &usec);
                time_t t = (time_t)(usec / 1000000);
                struct tm tm;
                char when[32];
                gmtime_r(&t, &tm);
                strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
                if (q->json) {
                        fprintf(out, "%s\n  {\"time\": \"%s\"", count ? "," : "", when);
                        for (size_t i = 0; FIELDS[i]; i++) {
                                if (!values[i][0])
                                        continue;
                                char key[32];
                                size_t k = 0;
                                const char *name = strncmp(FIELDS[i], "AKSES_", 6) == 0 ? FIELDS[i] + 6 : FIELDS[i];
                                for (; name[k] && k + 1 < sizeof(key); k++)
                                        key[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
                                key[k] = '\0';
                                fprintf(out, ", \"%s\": ", key);
                                json_string(out, values[i]);
                        }
                        fprintf(out, "}");
                } else {
                        /* time, event, then the message, which already says who did what;
                         * names submitters chose may hold escape sequences: not raw */
                        char safe[4096];
                        diag_snip(safe, sizeof(safe), values[12], strlen(values[12]), 1000);
                        fprintf(out, "%s  %-21s %s\n", when, values[0], safe);
                }
                count++;
        }
        if (q->json)
                fprintf(out, "%s]\n", count ? "\n" : "");
        sd_journal_close(j);
        return count;
}
