/* report.h — what a scenario run looks like to people and to CI: the
 * terminal lines and blocks of `atsim run`, its summary, JUnit XML and the
 * JSON report. All of it is made from struct scn_result (scn.h) alone, so
 * it needs neither the parser nor the run loop.
 *
 * The result <-> JSON functions (the child -> parent wire format) are
 * declared in scn.h and defined in report.c too. */
#ifndef SCN_REPORT_H
#define SCN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "scn.h"

/* A duration for people: "250ms", "45s", "2m03s", "1h05m", "2d03h".
 * Writes into buf (at least SCN_DURATION_BUF bytes) and returns it. */
#define SCN_DURATION_BUF 32
char *scn_duration_str(int64_t ms, char *buf, size_t len);

/* The verdict as the terminal prints it: "PASS", "FAIL", "ERROR",
 * "PENDING", "PASSED-BUT-PENDING". Never NULL. */
const char *scn_verdict_label(enum scn_verdict v);

/* True for the verdicts that fail a run of the runner: FAIL, ERROR and
 * PASSED-BUT-PENDING. */
bool scn_verdict_is_failure(enum scn_verdict v);

/* The counts of a summary. 'scenarios' and 'wall_ms' (the runner's own
 * elapsed time) are the caller's to fill; scn_summary_add counts a run. */
struct scn_summary {
  size_t scenarios, runs;
  size_t passed, failed, errors, pending, passed_but_pending;
  int64_t virtual_ms;
  double wall_ms;
};

void scn_summary_add(struct scn_summary *s, const struct scn_result *r);

/* Terminal output of one run, written to 'f':
 *   the line "PASS  FILE [ATS] seed N · 2m03s simulated · 14 ms · hash H"
 *   (with " #REP" after [ATS] when 'repeating'), left out when 'quiet'
 *   unless the run failed;
 *   for a failure, the block under it: the message, "trace around the
 *   failure:" and the excerpt, "reproduce: REPRO";
 *   with 'with_trace', the whole trace when the result holds one. */
void scn_report_run(FILE *f, const struct scn_result *r, bool repeating,
                    bool quiet, bool with_trace);

/* The pending runs (verdict PENDING), one line per file with its reason
 * and the personalities it ran on. Writes nothing when there are none. */
void scn_report_pending(FILE *f, const struct scn_result *rs, size_t n);

/* The summary line:
 *   "N scenarios, M runs: P passed, F failed, E errors, K pending
 *    [, X passed-but-pending] · 2h05m simulated in 0.42 s wall
 *    (17857× real time)" (on one line). */
void scn_report_summary(FILE *f, const struct scn_summary *s);

/* Write 's' as XML character data (attr false) or as an attribute value
 * (attr true: tab, newline and carriage return become character
 * references so they survive attribute normalisation). &<>"' are escaped,
 * characters XML 1.0 forbids are dropped, and bytes that are not UTF-8
 * become U+FFFD. NULL writes nothing. */
void scn_xml_write(FILE *f, const char *s, bool attr);

/* The same into a new string; caller frees. NULL on allocation failure. */
char *scn_xml_escape(const char *s, bool attr);

/* JUnit XML of 'n' results: one <testsuite> per folder of scenario files
 * (in order of first appearance), one <testcase> per run. 'repeating' adds
 * " #REP" to the test names; 's' gives the totals' wall time. Returns 0, or
 * -1 when writing failed. */
int scn_report_junit(FILE *f, const struct scn_result *rs, size_t n,
                     bool repeating, const struct scn_summary *s);

/* The JSON report: {"version":1,"summary":{...},"runs":[...]}, each run
 * as scn_result_json(r, false). Caller frees with cJSON_Delete; NULL on
 * allocation failure. */
cJSON *scn_report_json(const struct scn_result *rs, size_t n,
                       const struct scn_summary *s);

#endif
