/*
 * fileio - reading input as hostile, writing state atomically.
 *
 * Reads never follow a symbolic link and never block on a FIFO: the file
 * is opened O_NOFOLLOW|O_NONBLOCK and fstat'ed before a byte is read.
 * Writes go to an O_EXCL temp file in the same directory, are fsynced,
 * renamed into place and the directory fsynced, so a crash leaves either
 * the old file or the new one, never a torn one.
 */
#ifndef AKSESD_FILEIO_H
#define AKSESD_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Reads `name` relative to dirfd (AT_FDCWD for a path) into a malloc'd,
 * NUL-terminated buffer the caller frees.  Refuses links, anything but a
 * regular file, and files over max bytes.  st (may be NULL) receives the
 * file's status.  Returns 0, or -errno with a reason in err ("is a
 * symbolic link", "larger than 65536 bytes", ...). */
int read_file_checked(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len,
                      struct stat *st, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Replaces dirfd/name with len bytes atomically and durably (temp file,
 * fsync, rename, fsync of the directory).  mode applies to the new file. */
int write_file_atomic(int dirfd, const char *name, const void *buf, size_t len, mode_t mode)
        __attribute__((warn_unused_result));

/* The same without any fsync: the file appears whole or not at all, but
 * is durable only once the caller syncs (the intake's group commit,
 * spool_sync).  For files that nothing relies on before that sync. */
int write_file_visible(int dirfd, const char *name, const void *buf, size_t len, mode_t mode)
        __attribute__((warn_unused_result));

/* write(2) until done, retrying EINTR. */
int write_all_fd(int fd, const void *buf, size_t len) __attribute__((warn_unused_result));

#endif
