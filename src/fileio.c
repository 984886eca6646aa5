/*
 * fileio - reading input as hostile, writing state atomically; see fileio.h.
 */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

int read_file_checked(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                      struct stat *st_out, char *err, size_t errlen)
{
        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int e = errno;
                snprintf(err, errlen, "%s", e == ELOOP ? "is a symbolic link" : strerror(e));
                return -e;
        }
        struct stat st;
        char *buf = NULL;
        int r;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                snprintf(err, errlen, "%s", strerror(-r));
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                r = -EINVAL;
                snprintf(err, errlen, "is not a regular file (%s)",
                         S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO" :
                         S_ISSOCK(st.st_mode) ? "a socket" : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "special");
                goto out;
        }
        if ((size_t)st.st_size > max) {
                r = -EFBIG;
                snprintf(err, errlen, "is larger than %zu bytes", max);
                goto out;
        }
        buf = malloc(max + 1);
        if (!buf) {
                r = -ENOMEM;
                snprintf(err, errlen, "out of memory");
                goto out;
        }
        size_t len = 0;
        for (;;) {
                /* Read one byte past the cap to notice a file growing under us. */
                ssize_t got = read(fd, buf + len, max + 1 - len);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0) {
                        r = -errno;
                        snprintf(err, errlen, "%s", strerror(-r));
                        goto out;
                }
                if (got == 0)
                        break;
                len += (size_t)got;
                if (len > max) {
                        r = -EFBIG;
                        snprintf(err, errlen, "is larger than %zu bytes", max);
                        goto out;
                }
        }
        buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        buf = NULL;
        if (st_out)
                *st_out = st;
        r = 0;
out:
        if (buf)
                sodium_memzero(buf, max + 1);   /* it may have held a secret */
        free(buf);
        close(fd);
        return r;
}

int write_all_fd(int fd, const void *buf, size_t len)
{
        const char *p = buf;
        while (len > 0) {
                ssize_t w = write(fd, p, len);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                len -= (size_t)w;
        }
        return 0;
}

/* Temp file, rename over name; with durable, fsync of the file before the
 * rename and of the directory after it. */
static int write_file(int dirfd, const char *name, const void *buf, size_t len, mode_t mode, bool durable)
{
        char tmp[512];
        unsigned char rnd[6];
        randombytes_buf(rnd, sizeof(rnd));
        if ((size_t)snprintf(tmp, sizeof(tmp), ".tmp.%02x%02x%02x%02x%02x%02x.%s", rnd[0], rnd[1], rnd[2],
                             rnd[3], rnd[4], rnd[5], name) >= sizeof(tmp))
                return -ENAMETOOLONG;
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        int r = write_all_fd(fd, buf, len);
        if (r == 0 && fchmod(fd, mode) < 0)     /* umask must not widen or narrow it */
                r = -errno;
        if (r == 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                unlinkat(dirfd, tmp, 0);
                return r;
        }
        if (!durable)
                return 0;
        int dfd = dirfd == AT_FDCWD ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dirfd;
        if (dfd >= 0 && fsync(dfd) < 0)
                r = -errno;
        if (dirfd == AT_FDCWD && dfd >= 0)
                close(dfd);
        return r;
}

int write_file_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode)
{
        return write_file(dirfd, name, buf, len, mode, true);
}

int write_file_visible(int dirfd, const char *name, const void *buf, size_t len, mode_t mode)
{
        return write_file(dirfd, name, buf, len, mode, false);
}
