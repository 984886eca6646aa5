/*
 * period - the period report (laporan berkala) to the head of division:
 * who gave whom what access, on whose disposition, and whether the SOP's
 * service standards were met.
 *
 * Computed from the spool's state files (the system of record), not from
 * the journal: every request received in the period, open or closed.
 * Pure over the collected states; the caller reads the spool.
 */
#ifndef AKSESD_PERIOD_H
#define AKSESD_PERIOD_H

#include <stdio.h>
#include <time.h>

#include "policy.h"
#include "state.h"

enum period_format { PERIOD_TEXT, PERIOD_CSV, PERIOD_HTML };

struct registry;

struct period_query {
        const struct registry *reg;     /* appointed actors' names (may be NULL) */
        time_t from, to;                /* received in [from, to) */
        const char *skpd;               /* NULL: every SKPD */
        enum period_format format;
        enum language lang;
        time_t now;                     /* what "open" and "overdue" are judged against */
};

/* Writes the report on states[0..n) (already filtered to the period by
 * the caller or not: this function filters by received time and SKPD)
 * to out.  Figures: requests per SKPD and outcome (open, done, rejected,
 * failed); accounts activated (skpd-access done); for each workflow step
 * the share done within its standard, the median and the worst time
 * (minutes); open and overdue requests with who must act and by when;
 * who dispositioned what (per actor: approvals, rejections, per step).
 * An empty period says so.  HTML is one self-contained, well-formed
 * document printable on A4: the organisation's name, a compliance chart
 * per step as inline SVG, and a signature block for the Kepala Bidang.
 * Returns 0 or -errno (write errors on out). */
int period_report(FILE *out, const struct policy *p, const struct req_state *states, size_t n,
                  const struct period_query *q) __attribute__((warn_unused_result));

/* Parses "YYYY-MM-DD" as local midnight. */
bool period_parse_date(const char *s, time_t *out);

#endif
