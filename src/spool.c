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

int spool_claim(struct spool *s, const char *name)
{
        if (renameat(s->drop_fd, name, s->work_fd, name) < 0)
                return -errno;
        return 0;
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

int spool_next_id(struct spool *s, time_t now, char id[REQUEST_ID_LEN + 1])
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
        if (next <= 999999) {
                char rec[SEQ_RECORD + 1];
                snprintf(rec, sizeof(rec), "%s %06lu%*s\n", today, next, SEQ_RECORD - 16, "");
                /* One write of a sector-sized record: all of it lands or none. */
                r = pwrite(fd, rec, SEQ_RECORD, 0) == SEQ_RECORD && fsync(fd) == 0 ? 0 : -EIO;
                if (r == 0)
                        snprintf(id, REQUEST_ID_LEN + 1, "REQ-%s-%06lu", today, next);
        }
        close(fd);      /* releases the lock */
        return r;
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

int spool_store_request(struct spool *s, const char *work_name, const struct req_state *st, const char *bytes,
                        size_t nbytes)
{
        char tmp[64], buf[STATE_MAX_BYTES];
        snprintf(tmp, sizeof(tmp), ".new-%s", st->id);
        size_t len = state_format(st, buf, sizeof(buf));
        if (len == 0)
                return -E2BIG;
        if (mkdirat(s->open_fd, tmp, 0750) < 0 && errno != EEXIST)
                return -errno;
        int dfd = openat(s->open_fd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return -errno;
        int r = 0;
        if (mkdirat(dfd, "dispositions", 0750) < 0 && errno != EEXIST)
                r = -errno;
        if (r == 0)
                r = write_file_atomic(dfd, "state", buf, len, 0640);
        /* The dropped file leaves work/ first (so it is never taken twice),
         * then the daemon stores its own copy of the bytes it validated: the
         * submitter keeps no handle on what was stored, and the daemon
         * needs no right to chmod or chown someone else's file. */
        if (r == 0 && renameat(s->work_fd, work_name, dfd, "incoming") < 0)
                r = -errno;
        if (r == 0)
                r = write_file_atomic(dfd, "request.yaml", bytes, nbytes, 0440);
        if (r == 0 && unlinkat(dfd, "incoming", 0) < 0)
                r = -errno;
        if (r == 0)
                r = fsync_fd(dfd);
        close(dfd);
        if (r == 0 && renameat(s->open_fd, tmp, s->open_fd, st->id) < 0)
                r = -errno;
        if (r == 0)
                r = fsync_fd(s->open_fd);
        if (r == 0)
                r = fsync_fd(s->work_fd);
        return r;
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

int spool_recover(struct spool *s, void (*done)(void *ctx, const char *id), void *ctx)
{
        int fd = dup(s->open_fd);
        if (fd < 0)
                return -errno;
        DIR *d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        rewinddir(d);
        struct dirent *e;
        int r = 0;
        while ((e = readdir(d))) {
                if (strncmp(e->d_name, ".new-", 5) != 0)
                        continue;
                const char *id = e->d_name + 5;
                if (!request_id_valid(id, strlen(id)))
                        continue;
                char path[300], incoming[300];
                snprintf(path, sizeof(path), "%s/request.yaml", e->d_name);
                snprintf(incoming, sizeof(incoming), "%s/incoming", e->d_name);
                if (faccessat(s->open_fd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                        /* Complete but not yet renamed: finish it. */
                        unlinkat(s->open_fd, incoming, 0);
                        if (renameat(s->open_fd, e->d_name, s->open_fd, id) < 0) {
                                r = -errno;
                                continue;
                        }
                        if (done)
                                done(ctx, id);
                } else {
                        /* Not stored yet: the dropped file goes back to work/
                         * under its id's name (still allocated to it) and is
                         * taken again. */
                        char back[64];
                        snprintf(back, sizeof(back), "%s.yaml", id);
                        if (renameat(s->open_fd, incoming, s->work_fd, back) < 0 && errno != ENOENT) {
                                r = -errno;
                                continue;
                        }
                        char sub[300];
                        snprintf(sub, sizeof(sub), "%s/state", e->d_name);
                        unlinkat(s->open_fd, sub, 0);
                        snprintf(sub, sizeof(sub), "%s/dispositions", e->d_name);
                        unlinkat(s->open_fd, sub, AT_REMOVEDIR);
                        if (unlinkat(s->open_fd, e->d_name, AT_REMOVEDIR) < 0)
                                r = -errno;
                }
        }
        closedir(d);
        fsync(s->open_fd);
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
