/*
 * spool - the request spool; see spool.h.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

static const char *const SUBDIRS[] = { "drop", "work", "open", "closed", "quarantine", "outbox", "reports" };

static int *subdir_fd(struct spool *s, size_t i)
{
        int *fds[] = { &s->drop_fd, &s->work_fd, &s->open_fd, &s->closed_fd, &s->quarantine_fd, &s->outbox_fd,
                       &s->reports_fd };
        return fds[i];
}

int spool_open(const char *path, bool create, struct spool *s, char *err, size_t errlen)
{
        memset(s, 0, sizeof(*s));
        s->root_fd = -1;
        for (size_t i = 0; i < 7; i++)
                *subdir_fd(s, i) = -1;
        s->path = strdup(path);
        if (!s->path)
                return -ENOMEM;
        if (create && mkdir(path, 0750) < 0 && errno != EEXIST) {
                int r = -errno;
                snprintf(err, errlen, "%s: %s", path, strerror(-r));
                return r;
        }
        s->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        /* A submitter may only pass through the spool's root (mode 0711). */
        if (s->root_fd < 0 && errno == EACCES && !create)
                s->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (s->root_fd < 0) {
                int r = -errno;
                snprintf(err, errlen, "%s: %s", path, strerror(-r));
                return r;
        }
        for (size_t i = 0; i < 7; i++) {
                /* drop/ is where others write: group-writable, sticky, and
                 * set-group-ID so that drop/.seq and dropped files carry the
                 * drop group, which the daemon is a member of. */
                mode_t mode = i == 0 ? 03770 : 0750;
                if (create && mkdirat(s->root_fd, SUBDIRS[i], mode) == 0)
                        fchmodat(s->root_fd, SUBDIRS[i], mode, 0);      /* umask must not narrow it */
                else if (create && errno != EEXIST) {
                        int r = -errno;
                        snprintf(err, errlen, "%s/%s: %s", path, SUBDIRS[i], strerror(-r));
                        return r;
                }
                int fd = openat(s->root_fd, SUBDIRS[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                /* A submitter may open drop/ only; the commands that need
                 * the rest say so when they find it closed. */
                if (fd < 0 && !create && errno == EACCES)
                        continue;
                if (fd < 0) {
                        int r = -errno;
                        snprintf(err, errlen, "%s/%s: %s", path, SUBDIRS[i], strerror(-r));
                        return r;
                }
                *subdir_fd(s, i) = fd;
        }
        return 0;
}

void spool_close(struct spool *s)
{
        if (s->root_fd >= 0)
                close(s->root_fd);
        for (size_t i = 0; i < 7; i++)
                if (*subdir_fd(s, i) >= 0)
                        close(*subdir_fd(s, i));
        free(s->path);
        memset(s, 0, sizeof(*s));
}

static int fsync_fd(int fd)
{
        return fsync(fd) < 0 ? -errno : 0;
}

/* rename(2) that never replaces what is at the target. */
static int rename_noreplace(int olddfd, const char *old, int newdfd, const char *new)
{
        if (renameat2(olddfd, old, newdfd, new, RENAME_NOREPLACE) == 0)
                return 0;
        if (errno != EINVAL)
                return -errno;
        /* A file system without RENAME_NOREPLACE: the same check, not atomic
         * (only the daemon writes where this is used). */
        if (faccessat(newdfd, new, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return -EEXIST;
        return renameat(olddfd, old, newdfd, new) < 0 ? -errno : 0;
}

int spool_claim(struct spool *s, const char *name)
{
        /* Never over a file of the same name still waiting in work/ for its
         * batch: that would lose it. */
        return rename_noreplace(s->drop_fd, name, s->work_fd, name);
}

/* The id counter lives in drop/.seq: submitters (aksesctl submit, as a
 * member of the drop group) must be able to take ids too, and drop/ is
 * the one directory they may write.  The dot keeps the daemon's intake
 * away from it.  It is updated in place under flock with one small
 * pwrite (a rename would need the sticky directory's owner). */
#define SEQ_FILE ".seq"
#define SEQ_RECORD 32

static int seq_open(struct spool *s, bool create)
{
        int fd = openat(s->drop_fd, SEQ_FILE, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0660);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return -EINVAL;
        }
        if (st.st_size == 0 && st.st_uid == geteuid())
                fchmod(fd, 0660);       /* umask must not keep the group out */
        return fd;
}

static bool seq_read(int fd, char day[9], unsigned long *last)
{
        char buf[SEQ_RECORD + 1];
        ssize_t n = pread(fd, buf, SEQ_RECORD, 0);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        return sscanf(buf, "%8s %lu", day, last) == 2;
}

/* Takes n ids with one update of the record; fsynced only when durable. */
static int seq_take(struct spool *s, time_t now, size_t n, char (*ids)[REQUEST_ID_LEN + 1], bool durable)
{
        int fd = seq_open(s, true);
        if (fd < 0)
                return fd;
        if (flock(fd, LOCK_EX) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        struct tm tm;
        char today[9], day[9] = "";
        unsigned long last = 0, next = 1;
        localtime_r(&now, &tm);
        strftime(today, sizeof(today), "%Y%m%d", &tm);
        if (seq_read(fd, day, &last) && strcmp(day, today) == 0)
                next = last + 1;
        int r = -EOVERFLOW;
        unsigned long top = n > 0 && n <= 999999 ? next + n - 1 : 1000000;
        if (top <= 999999) {
                char rec[SEQ_RECORD + 1];
                snprintf(rec, sizeof(rec), "%s %06lu%*s\n", today, top, SEQ_RECORD - 16, "");
                /* One write of a sector-sized record: all of it lands or none. */
                r = pwrite(fd, rec, SEQ_RECORD, 0) == SEQ_RECORD && (!durable || fsync(fd) == 0) ? 0 : -EIO;
                for (unsigned long v = next; r == 0 && v <= top; v++) {
                        char one[32];
                        snprintf(one, sizeof(one), "REQ-%s-%06lu", today, v);
                        memcpy(ids[v - next], one, REQUEST_ID_LEN + 1);
                }
        }
        close(fd);      /* releases the lock */
        return r;
}

int spool_next_id(struct spool *s, time_t now, char id[REQUEST_ID_LEN + 1])
{
        return seq_take(s, now, 1, (char (*)[REQUEST_ID_LEN + 1])id, true);
}

int spool_next_ids(struct spool *s, time_t now, size_t n, char (*ids)[REQUEST_ID_LEN + 1])
{
        return seq_take(s, now, n, ids, false);
}

bool spool_id_allocated(struct spool *s, const char *id)
{
        char day[9];
        unsigned long last;
        if (!request_id_valid(id, strlen(id)))
                return false;
        int fd = seq_open(s, false);
        if (fd < 0)
                return false;
        bool ok = seq_read(fd, day, &last) && strncmp(id + 4, day, 8) == 0 && strtoul(id + 13, NULL, 10) <= last;
        close(fd);
        return ok;
}

int spool_stage_request(struct spool *s, const char *work_name, const struct req_state *st, const char *bytes,
                        size_t nbytes)
{
        char tmp[64], buf[STATE_MAX_BYTES];
        snprintf(tmp, sizeof(tmp), ".new-%s", st->id);
        size_t len = state_format(st, buf, sizeof(buf));
        if (len == 0)
                return -E2BIG;
        /* Never into a staging directory left over: its incoming may be
         * someone's request (spool_recover deals with it at the next start). */
        if (mkdirat(s->open_fd, tmp, 0750) < 0)
                return -errno;
        int dfd = openat(s->open_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return -errno;
        int r = 0;
        if (mkdirat(dfd, "dispositions", 0750) < 0)
                r = -errno;
        if (r == 0)
                r = write_file_visible(dfd, "state", buf, len, 0640);
        /* The dropped file leaves work/ first (so it is never taken twice)
         * but is kept, as incoming, until the batch is durable; the daemon
         * stores its own copy of the bytes it validated: the submitter keeps
         * no handle on what was stored, and the daemon needs no right to
         * chmod or chown someone else's file. */
        if (r == 0 && renameat(s->work_fd, work_name, dfd, "incoming") < 0)
                r = -errno;
        if (r == 0)
                r = write_file_visible(dfd, "request.yaml", bytes, nbytes, 0440);
        close(dfd);
        return r;
}

int spool_sync(struct spool *s)
{
        /* One flush of the file system for a whole batch: far cheaper than a
         * file and a directory fsync per file written (docs/DESIGN.md). */
        return syncfs(s->root_fd) < 0 ? -errno : 0;
}

int spool_publish_request(struct spool *s, const char *id)
{
        char tmp[64], incoming[64];
        snprintf(tmp, sizeof(tmp), ".new-%s", id);
        int r = rename_noreplace(s->open_fd, tmp, s->open_fd, id);
        if (r < 0)
                return r;
        snprintf(incoming, sizeof(incoming), "%s/incoming", id);
        return unlinkat(s->open_fd, incoming, 0) < 0 ? -errno : 0;
}

int spool_quarantine(struct spool *s, int dirfd, const char *name, const char *reason, char *qname)
{
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        snprintf(qname, 256, "%llu-%.200s", (unsigned long long)st.st_ino, name);
        char rname[300];
        snprintf(rname, sizeof(rname), "%s.reason", qname);
        int r = write_file_atomic(s->quarantine_fd, rname, reason, strlen(reason), 0640);
        if (r < 0)
                return r;
        if (renameat(dirfd, name, s->quarantine_fd, qname) < 0)
                return -errno;
        r = fsync_fd(s->quarantine_fd);
        if (r == 0)
                r = fsync_fd(dirfd);
        return r;
}

static int request_dir(struct spool *s, const char *id, bool *closed)
{
        int fd = openat(s->open_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
                *closed = false;
                return fd;
        }
        fd = openat(s->closed_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
                *closed = true;
                return fd;
        }
        return -errno;
}

int spool_read_state(struct spool *s, const char *id, struct req_state *st, bool *closed, char *err, size_t errlen)
{
        if (!request_id_valid(id, strlen(id))) {
                snprintf(err, errlen, "'%.40s' is not a request id (REQ-YYYYMMDD-NNNNNN)", id);
                return -EINVAL;
        }
        int dfd = request_dir(s, id, closed);
        if (dfd < 0) {
                snprintf(err, errlen, "%s: %s", id, dfd == -ENOENT ? "no such request" : strerror(-dfd));
                return dfd;
        }
        char *buf = NULL;
        size_t len;
        int r = read_file_checked(dfd, "state", STATE_MAX_BYTES, &buf, &len, NULL, err, errlen);
        close(dfd);
        if (r < 0)
                return r;
        char why[128];
        if (!state_parse(buf, len, st, why, sizeof(why))) {
                snprintf(err, errlen, "%s/state: %s", id, why);
                r = -EBADMSG;
        }
        free(buf);
        return r;
}

int spool_write_state(struct spool *s, const struct req_state *st)
{
        char buf[STATE_MAX_BYTES];
        size_t len = state_format(st, buf, sizeof(buf));
        if (len == 0)
                return -E2BIG;
        int dfd = openat(s->open_fd, st->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return -errno;
        int r = write_file_atomic(dfd, "state", buf, len, 0640);
        close(dfd);
        return r;
}

int spool_read_request(struct spool *s, const char *id, bool closed, char **buf, size_t *len)
{
        int dfd = openat(closed ? s->closed_fd : s->open_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return -errno;
        char err[128];
        int r = read_file_checked(dfd, "request.yaml", 64 * 1024, buf, len, NULL, err, sizeof(err));
        close(dfd);
        return r;
}

void disposition_stored_name(char out[128], size_t index, const char *step, const char *decision)
{
        snprintf(out, 128, "%02zu-%.64s-%s.yaml", index + 1, step, decision);
}

static int dispositions_dir(struct spool *s, const char *id)
{
        char path[64];
        snprintf(path, sizeof(path), "%s/dispositions", id);
        int fd = openat(s->open_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

int spool_store_disposition(struct spool *s, const char *id, const char *work_name, const char *stored_name,
                            const char *bytes, size_t nbytes)
{
        int dfd = dispositions_dir(s, id);
        if (dfd < 0)
                return dfd;
        /* Our own copy of the verified bytes, as for requests. */
        int r = write_file_atomic(dfd, stored_name, bytes, nbytes, 0440);
        close(dfd);
        if (r == 0 && unlinkat(s->work_fd, work_name, 0) < 0 && errno != ENOENT)
                r = -errno;
        if (r == 0)
                r = fsync_fd(s->work_fd);
        return r;
}

bool spool_has_disposition(struct spool *s, const char *id, const char *stored_name)
{
        int dfd = dispositions_dir(s, id);
        if (dfd < 0)
                return false;
        bool has = faccessat(dfd, stored_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        close(dfd);
        return has;
}

int spool_close_request(struct spool *s, const char *id)
{
        if (renameat(s->open_fd, id, s->closed_fd, id) < 0)
                return -errno;
        int r = fsync_fd(s->closed_fd);
        if (r == 0)
                r = fsync_fd(s->open_fd);
        return r;
}

/* Reads dfd/state and checks dfd/name against its digest.  1 when name
 * holds exactly the request the state was made for, 0 when it does not
 * (missing, short, other bytes), <0 when the state is unreadable. */
static int stored_matches(int dfd, const char *name, struct req_state *st)
{
        char *buf = NULL, err[128];
        size_t len;
        int r = read_file_checked(dfd, "state", STATE_MAX_BYTES, &buf, &len, NULL, err, sizeof(err));
        if (r < 0)
                return r;
        bool ok = state_parse(buf, len, st, err, sizeof(err));
        free(buf);
        if (!ok)
                return -EBADMSG;
        buf = NULL;
        if (read_file_checked(dfd, name, 64 * 1024, &buf, &len, NULL, err, sizeof(err)) < 0)
                return 0;
        unsigned char digest[DIGEST_BYTES];
        content_digest(buf, len, digest);
        free(buf);
        return memcmp(digest, st->digest, DIGEST_BYTES) == 0;
}

/* Removes what spool_stage_request put in open/.new-ID (never incoming). */
static int remove_staged(struct spool *s, const char *name)
{
        int fd = openat(s->open_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return -errno;
        }
        struct dirent *e;
        while ((e = readdir(d)))
                if (strcmp(e->d_name, "state") == 0 || strcmp(e->d_name, "request.yaml") == 0 ||
                    strncmp(e->d_name, ".tmp.", 5) == 0)
                        unlinkat(fd, e->d_name, 0);
        unlinkat(fd, "dispositions", AT_REMOVEDIR);
        closedir(d);
        return unlinkat(s->open_fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

/* open/.new-ID: an intake the crash interrupted before its batch was
 * published.  Completed when what it holds is whole and its id is on
 * record in drop/.seq; otherwise undone, the dropped file going back to
 * work/ to be taken again. */
static enum recover_what recover_staged(struct spool *s, const char *name, const char *id, const char **why)
{
        int dfd = openat(s->open_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0) {
                *why = "cannot open its staging directory";
                return RECOVER_STUCK;
        }
        struct req_state *st = malloc(sizeof(*st));
        int whole = st ? stored_matches(dfd, "request.yaml", st) : -ENOMEM;
        free(st);
        bool incoming = faccessat(dfd, "incoming", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        bool stored = faccessat(dfd, "request.yaml", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        close(dfd);
        /* An id the counter does not show (a power loss took back its
         * update) would be handed out again: such a request is taken anew
         * from its dropped file. */
        bool allocated = spool_id_allocated(s, id);
        if (whole == 1 && (allocated || !incoming)) {
                char in[300];
                if (rename_noreplace(s->open_fd, name, s->open_fd, id) < 0) {
                        *why = "cannot rename it into place";
                        return RECOVER_STUCK;
                }
                snprintf(in, sizeof(in), "%s/incoming", id);
                unlinkat(s->open_fd, in, 0);
                return RECOVER_COMPLETED;
        }
        if (incoming) {
                /* Under its id's name only when that id is on record, so it
                 * keeps it; else a name that asks for a fresh one. */
                char in[300], back[300];
                snprintf(in, sizeof(in), "%s/incoming", name);
                snprintf(back, sizeof(back), "%s%s.yaml", allocated ? "" : "recovered-", id);
                if (rename_noreplace(s->open_fd, in, s->work_fd, back) < 0) {
                        *why = "cannot move its dropped file back to work/";
                        return RECOVER_STUCK;
                }
        } else if (stored) {
                /* Not whole, and nothing to redo it from (aksesd before
                 * group commit made it durable, then removed the file). */
                *why = "its stored request does not match its state, and the dropped file is gone";
                return RECOVER_STUCK;
        }
        /* Otherwise the dropped file is still in work/ and is taken again. */
        if (remove_staged(s, name) < 0) {
                *why = "cannot remove its staging directory";
                return RECOVER_STUCK;
        }
        return RECOVER_UNDONE;
}

/* open/ID that still holds incoming: published, but the crash came before
 * the dropped file was removed.  The stored copy is checked against the
 * state's digest and restored from the dropped file when it is not whole. */
static enum recover_what recover_incoming(struct spool *s, const char *id, const char **why)
{
        int dfd = openat(s->open_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return RECOVER_NONE;
        enum recover_what what = RECOVER_NONE;
        struct req_state *st = NULL;
        if (faccessat(dfd, "incoming", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                goto out;
        what = RECOVER_STUCK;
        st = malloc(sizeof(*st));
        int whole = st ? stored_matches(dfd, "request.yaml", st) : -ENOMEM;
        if (whole < 0) {
                *why = "its state is unreadable; the dropped file is kept as incoming";
                goto out;
        }
        if (whole == 0) {
                char *buf = NULL, err[128];
                size_t len;
                unsigned char digest[DIGEST_BYTES];
                if (read_file_checked(dfd, "incoming", 64 * 1024, &buf, &len, NULL, err, sizeof(err)) < 0) {
                        *why = "its stored request is not whole and the dropped file is unreadable";
                        goto out;
                }
                content_digest(buf, len, digest);
                int r = memcmp(digest, st->digest, DIGEST_BYTES) == 0 ?
                        write_file_atomic(dfd, "request.yaml", buf, len, 0440) : -EBADMSG;
                free(buf);
                if (r < 0) {
                        *why = r == -EBADMSG ? "neither its stored request nor the dropped file matches the state's digest; both kept" :
                                               "its stored request is not whole and cannot be restored";
                        goto out;
                }
        }
        if (unlinkat(dfd, "incoming", 0) < 0) {
                *why = "cannot remove the dropped file";
                goto out;
        }
        what = whole == 0 ? RECOVER_RESTORED : RECOVER_COMPLETED;
out:
        free(st);
        close(dfd);
        return what;
}

struct recovered {
        char id[REQUEST_ID_LEN + 1];
        enum recover_what what;
        const char *why;
};

int spool_recover(struct spool *s, void (*report)(void *ctx, const char *id, enum recover_what what, const char *why),
                  void *ctx)
{
        int fd = openat(s->open_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return -errno;
        }
        struct recovered *v = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        int r = 0;
        while ((e = readdir(d))) {
                bool staged = strncmp(e->d_name, ".new-", 5) == 0;
                const char *id = staged ? e->d_name + 5 : e->d_name;
                if (!request_id_valid(id, strlen(id)))
                        continue;
                const char *why = NULL;
                enum recover_what what = staged ? recover_staged(s, e->d_name, id, &why) : recover_incoming(s, id, &why);
                if (what == RECOVER_NONE || what == RECOVER_UNDONE)
                        continue;
                if (what == RECOVER_STUCK)
                        r = -EIO;
                if (n == cap) {
                        size_t c = cap ? cap * 2 : 16;
                        struct recovered *nv = realloc(v, c * sizeof(*nv));
                        if (!nv) {
                                r = -ENOMEM;
                                continue;       /* done all the same, only not reported */
                        }
                        v = nv;
                        cap = c;
                }
                memcpy(v[n].id, id, REQUEST_ID_LEN);   /* request_id_valid: exactly that long */
                v[n].id[REQUEST_ID_LEN] = '\0';
                v[n].what = what;
                v[n++].why = why;
        }
        closedir(d);
        /* Durable before anything is journaled about it. */
        int rs = spool_sync(s);
        if (rs < 0)
                r = rs;
        for (size_t i = 0; report && i < n; i++)
                report(ctx, v[i].id, v[i].what, v[i].why);
        free(v);
        return r;
}

static int collect_dir(struct spool *s, int dirfd, time_t from, time_t to, struct req_state **v, size_t *n,
                       size_t *cap, size_t *skipped)
{
        if (dirfd < 0)
                return -EACCES;
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dir) {
                if (fd >= 0)
                        close(fd);
                return -errno;
        }
        struct dirent *e;
        int r = 0;
        while ((e = readdir(dir))) {
                if (!request_id_valid(e->d_name, strlen(e->d_name)))
                        continue;
                struct req_state st;
                bool closed;
                char err[256];
                if (spool_read_state(s, e->d_name, &st, &closed, err, sizeof(err)) < 0) {
                        (*skipped)++;
                        continue;
                }
                if (st.received < from || (to && st.received >= to))
                        continue;
                if (*n == *cap) {
                        size_t c = *cap ? *cap * 2 : 64;
                        struct req_state *nv = realloc(*v, c * sizeof(*nv));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        *v = nv;
                        *cap = c;
                }
                (*v)[(*n)++] = st;
        }
        closedir(dir);
        return r;
}

int spool_collect(struct spool *s, time_t from, time_t to, struct req_state **ret, size_t *n, size_t *skipped)
{
        struct req_state *v = NULL;
        size_t cap = 0;
        *n = 0;
        *skipped = 0;
        int r = collect_dir(s, s->open_fd, from, to, &v, n, &cap, skipped);
        if (r == 0)
                r = collect_dir(s, s->closed_fd, from, to, &v, n, &cap, skipped);
        if (r < 0) {
                free(v);
                return r;
        }
        *ret = v;
        return 0;
}
