/*
 * report1 - the reports (laporan) of Procedure 1 to the Kepala Bidang:
 * after each appointment, update, removal or rotation (SOP 1.3, 1.6).
 * Plain UTF-8 text, Indonesian by default; never a password.
 */
#ifndef AKSESD_REPORT1_H
#define AKSESD_REPORT1_H

#include "disposition.h"
#include "handover.h"
#include "policy.h"
#include "state.h"

/* Writes reports/ID.laporan.txt for request st with the outcome in
 * `outcome` (one sentence), and returns its name and the BLAKE2b digest of
 * its bytes (for the archive).  0 or -errno. */
int report1_write(int reports_fd, const struct policy *p, const struct req_state *st, const char *outcome,
                  char name[HANDOVER_NAME_MAX], unsigned char digest[DIGEST_BYTES]) __attribute__((warn_unused_result));

#endif
