/*
 * journal - aksesd's audit events in the systemd journal; see journal.h.
 */
#include "journal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

static const struct {
        const char *name, *id;
} EVENTS[EV_COUNT] = {
        [EV_REQUEST_RECEIVED]     = { "REQUEST_RECEIVED",     "eca98465fd984ce69b11966042b24153" },
        [EV_INPUT_QUARANTINED]    = { "INPUT_QUARANTINED",    "046389312aa84dc2b32fa6057bcefb2d" },
        [EV_DISPOSITION_ACCEPTED] = { "DISPOSITION_ACCEPTED", "6a8ecc8e6b3f4760a6e5488f1cd15bdc" },
        [EV_DISPOSITION_REFUSED]  = { "DISPOSITION_REFUSED",  "6e688524356544c9b1b70d814c680e74" },
        [EV_STEP_STARTED]         = { "STEP_STARTED",         "4d0fcba7862241ec9aae4de0b26022e0" },
        [EV_DEADLINE_BREACHED]    = { "DEADLINE_BREACHED",    "bbde83fe6c3e4061ba5a8bc7c16380c3" },
        [EV_REQUEST_REJECTED]     = { "REQUEST_REJECTED",     "548d9dc9de23408fb42105d53ae21fe2" },
        [EV_REQUEST_COMPLETED]    = { "REQUEST_COMPLETED",    "85da6782f31b40d6871ef59fb3d0d6bc" },
        [EV_ACTIVATION_DUE]       = { "ACTIVATION_DUE",       "23491a480ae24daf8effd69d91abcf71" },
        [EV_INTAKE_PAUSED]        = { "INTAKE_PAUSED",        "67332969e72c4a7eadb3717aa15319e2" },
        [EV_INTAKE_RESUMED]       = { "INTAKE_RESUMED",       "e2ad72a3a5354983a682cc9448ce85dd" },
        [EV_POLICY_RELOADED]      = { "POLICY_RELOADED",      "796226a14a26436a8f4f946453755322" },
        [EV_POLICY_REFUSED]       = { "POLICY_REFUSED",       "409d4f8ce0ae471ea82e6e2b9122ae14" },
        [EV_DAEMON_STARTED]       = { "DAEMON_STARTED",       "d0b82ca3bd7841f6869fdf561799083d" },
        [EV_DAEMON_STOPPING]      = { "DAEMON_STOPPING",      "43019282bd90468d968ec4b94fd5099c" },
        [EV_STATE_CORRUPT]        = { "STATE_CORRUPT",        "c6ee642263034bd38129f54a6d09b948" },
        [EV_ACCOUNT_ACTIVATED]    = { "ACCOUNT_ACTIVATED",    "0796520078da411895d6bca5abddca7d" },
        [EV_GROUP_CHANGED]        = { "GROUP_CHANGED",        "5d57a90ac9cf41c7b9ca78725d92adfd" },
        [EV_ACTIVATION_CONFLICT]  = { "ACTIVATION_CONFLICT",  "2105b32929f24f3980073237728b9002" },
        [EV_HANDOVER_WRITTEN]     = { "HANDOVER_WRITTEN",     "c989520d693c49aea520a328df89c79e" },
        [EV_REPORT_WRITTEN]       = { "REPORT_WRITTEN",       "dd071e1361474fb7b3e1e560f4ccab7b" },
        [EV_DIRECTORY_DOWN]       = { "DIRECTORY_DOWN",       "f9c088f9dd584bbba91bc13ef66cf12a" },
        [EV_DIRECTORY_UP]         = { "DIRECTORY_UP",         "a8c155086a794fd68f3f1a65a1c2d412" },
        [EV_ACTOR_APPOINTED]      = { "ACTOR_APPOINTED",      "7c090b8ae16d4eb7aa9506f3d2608098" },
        [EV_ACTOR_UPDATED]        = { "ACTOR_UPDATED",        "0e16b5bac76c4ac294cb8d4da9892022" },
        [EV_ACTOR_REMOVED]        = { "ACTOR_REMOVED",        "3450371bc8da42e9a5d225d493ea321b" },
        [EV_CREDENTIAL_ROTATED]   = { "CREDENTIAL_ROTATED",   "7583419f7d6f4e5f8c9831a789753283" },
        [EV_ARCHIVE_RECORDED]     = { "ARCHIVE_RECORDED",     "8e1eebaa245a4ed597191534ab61a336" },
};

const char *event_name(enum akses_event ev) { return EVENTS[ev].name; }
const char *event_message_id(enum akses_event ev) { return EVENTS[ev].id; }

#define MAX_FIELDS 24
#define FIELD_MAX 2400

int journal_event(const struct journal *j, enum akses_event ev, int priority, const struct event_fields *f,
                  const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        static const struct event_fields none;
        if (!f)
                f = &none;
        const struct {
                const char *key, *value;
        } fields[] = {
                { "AKSES_REQUEST_ID", f->request_id }, { "AKSES_STEP", f->step }, { "AKSES_ROLE", f->role },
                { "AKSES_ACTOR", f->actor }, { "AKSES_SKPD", f->skpd }, { "AKSES_LETTER", f->letter },
                { "AKSES_DECISION", f->decision }, { "AKSES_REASON", f->reason }, { "AKSES_FILE", f->file },
                { "AKSES_SUBMITTER", f->submitter }, { "AKSES_DEADLINE", f->deadline },
                { "AKSES_ESCALATE_TO", f->escalate_to }, { "AKSES_ACCOUNT_DN", f->account_dn },
                { "AKSES_GROUPS", f->groups }, { "AKSES_DIGEST", f->digest },
        };
        char buf[MAX_FIELDS][FIELD_MAX];
        struct iovec iov[MAX_FIELDS];
        int n = 0;
#define ADD(...) do { \
                int len_ = snprintf(buf[n], FIELD_MAX, __VA_ARGS__); \
                iov[n].iov_base = buf[n]; \
                iov[n].iov_len = len_ < 0 ? 0 : (size_t)len_ >= FIELD_MAX ? FIELD_MAX - 1 : (size_t)len_; \
                n++; \
        } while (0)
        ADD("MESSAGE=%s", msg);
        ADD("MESSAGE_ID=%s", EVENTS[ev].id);
        ADD("PRIORITY=%d", priority);
        ADD("SYSLOG_IDENTIFIER=aksesd");
        ADD("AKSES_EVENT=%s", EVENTS[ev].name);
        if (j && j->spool)
                ADD("AKSES_SPOOL=%s", j->spool);
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                if (!fields[i].value || !fields[i].value[0])
                        continue;
                /* A trailing newline would make the field binary in exports. */
                int len = (int)strlen(fields[i].value);
                while (len > 0 && fields[i].value[len - 1] == '\n')
                        len--;
                ADD("%s=%.*s", fields[i].key, len, fields[i].value);
        }
#undef ADD
        if (j && j->echo)
                fprintf(stderr, "aksesd: %s%s%s\n", msg, f->request_id ? " " : "", f->request_id ? f->request_id : "");
        return sd_journal_sendv(iov, n);
}
