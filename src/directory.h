/*
 * directory - aksesd's one persistent session with the LDAP directory.
 *
 * Hides failover across the policy's URI list, StartTLS/LDAPS with CA
 * verification, timeouts on every call (LDAP_OPT_TIMEOUT is infinite by
 * default), referrals off, and reconnecting after the server went away.
 * Every error message carries the server's diagnostic message.  The bind
 * password is read from the systemd credential "bind.pw" when
 * $CREDENTIALS_DIRECTORY has it, else from directory.bind_password_file,
 * into sodium_malloc memory; it is never logged.  Not thread-safe: one
 * thread (the executor's) owns a session.
 *
 * Return codes: 0; -ENOENT no such entry; -EEXIST the entry or value
 * already exists;
 * -ECANCELED an assertion failed; -EAGAIN the directory is unreachable
 * (retry later; the session is dropped and re-made on the next call);
 * -EACCES the bind or an operation was refused; -EIO anything else.
 */
#ifndef AKSESD_DIRECTORY_H
#define AKSESD_DIRECTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "policy.h"
#include "provision.h"

struct directory;

/* Prepares a session for policy p (the policy must outlive it); reads the
 * bind password now.  Connects lazily.  0 or -errno with a message. */
int directory_open(const struct policy *p, struct directory **ret, char *err, size_t errlen)
        __attribute__((warn_unused_result));
void directory_close(struct directory *d);

/* Connects and binds if not connected. */
int directory_connect(struct directory *d, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Reads the entry at dn (base search) with attrs (NULL-terminated; NULL =
 * all user attributes plus those listed in extra) into arena. */
int directory_read(struct directory *d, const char *dn, const char *const *attrs, struct arena *a,
                   struct entry **ret, char *err, size_t errlen) __attribute__((warn_unused_result));

/* The only entry under base matching filter (a filter built with
 * filter_eq), or -ENOENT; -EEXIST when more than one matches. */
int directory_find(struct directory *d, const char *base, const char *filter, const char *const *attrs,
                   struct arena *a, struct entry **ret, char *err, size_t errlen) __attribute__((warn_unused_result));

int directory_add(struct directory *d, const struct entry *e, char *err, size_t errlen)
        __attribute__((warn_unused_result));

/* Applies mods to dn.  assertion (may be NULL): a filter the entry must
 * match, sent as the RFC 4528 Assertion control (-ECANCELED when it does
 * not).  relax: send the Relax control (to write pwdReset). */
int directory_modify(struct directory *d, const char *dn, const struct mod *mods, size_t n,
                     const char *assertion, bool relax, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Password Modify extended operation (RFC 3062): the server hashes. */
int directory_set_password(struct directory *d, const char *dn, const char *password, char *err, size_t errlen)
        __attribute__((warn_unused_result));

#endif
