/* test_job_read.c — a burst of pushes reads the job and its pipeline once
 * (engine/push.c, "one read of a job at a time"): a push that needs them
 * while another push of the connection reads them waits for that read and
 * goes on when it ends. The engine and each fake ATS in one loop on a
 * virtual clock; no sleeps.
 *
 *   - burst: 20 approvals at once read the job once and its pipeline once
 *     (before: each of the 4 pushes in flight read both); all 20 are
 *     synced, each person once;
 *   - a read that fails (an outage on the job's route): the pushes that
 *     waited for it wait as the connection does (not stuck in flight),
 *     two reads never go out at once, and once the outage ends every
 *     candidate is synced, once, from a single read;
 *   - the reader abandoned in the middle of its read: alone (its waiters
 *     go on, one reads again), by a reconnect, by the engine closing
 *     (ASan: nothing leaked, nothing used after free). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "../../engine/engine_int.h"
#include "engfx.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define BURST 20

struct ats {
  const char *name;
  enum engfx_auth auth;
  const char *job;      /* the job's route (OP_JOB), as a fault's route */
  const char *pipeline; /* its pipeline's (OP_PIPELINE) */
};

static const struct ats GH_V3 = {"greenhouse", ENGFX_V3_CODE, "GET /v3/jobs",
                                 "GET /v3/job_interview_stages"};
static const struct ats GH_V1 = {"greenhouse", ENGFX_V1_KEY,
                                 "GET /v1/jobs/{id}",
                                 "GET /v1/jobs/{id}/stages"};
static const struct ats LEVER = {"lever", ENGFX_V3_CODE,
                                 "GET /v1/postings/{id}", "GET /v1/stages"};
static const struct ats LEVER_KEY = {"lever", ENGFX_V1_KEY,
                                     "GET /v1/postings/{id}",
                                     "GET /v1/stages"};
static const struct ats WORKABLE = {"workable", ENGFX_V1_KEY,
                                    "GET /spi/v3/jobs/{shortcode}",
                                    "GET /spi/v3/jobs/{shortcode}/stages"};
static const struct ats WORKABLE_OAUTH = {
    "workable", ENGFX_V3_CODE, "GET /spi/v3/jobs/{shortcode}",
    "GET /spi/v3/jobs/{shortcode}/stages"};
static const struct ats ASHBY = {"ashby", ENGFX_V1_KEY, "POST /job.info",
                                 "POST /jobInterviewPlan.info"};

/* The fixture of the running story: freed by the teardown, also when the
 * story fails half-way. */
static struct engfx *g_fx;

static int free_fixture(void **state)
{
  (void)state;
  engfx_free(g_fx);
  g_fx = NULL;
  return 0;
}

/* Connected and idle; the status pull off (its polls are no part of a
 * push's reads). */
static struct engfx *start(const struct ats *a, bool latency)
{
  struct engfx_opts o = {.ats = a->name, .auth = a->auth, .latency = latency,
                         .poll_ms = -1, .acting_user = true};
  struct engfx *f = g_fx = engfx_new(&o);
  engfx_settle(f, 10 * SEC);
  char why[600];
  if (engfx_state(f, why, sizeof why) != ATSYNC_CONNECTED)
    fail_msg("%s: not connected at the start: %s", a->name, why);
  return f;
}

static void approve_burst(struct engfx *f)
{
  for (int i = 1; i <= BURST; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "c%d", i);
    engfx_approve(f, ref, NULL);
  }
}

/* Every candidate of the burst synced, each person once in the ATS. */
static void all_synced(struct engfx *f, const struct ats *a)
{
  for (int i = 1; i <= BURST; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "c%d", i);
    struct atsync_candidate_info c = engfx_cand(f, ref);
    if (c.sync != ATSYNC_SYNCED)
      fail_msg("%s: %s is %s: %s", a->name, ref, atsync_sync_name(c.sync),
               c.error);
  }
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(engfx_people_total(f), BURST);
}

/* A fault on the job's route ('~' for the space in it). */
static int job_fault(struct engfx *f, const struct ats *a, const char *spec)
{
  char route[128], kvs[300];
  snprintf(route, sizeof route, "%s", a->job);
  for (char *s = route; *s; s++)
    if (*s == ' ')
      *s = '~';
  snprintf(kvs, sizeof kvs, "%s route=%s", spec, route);
  return fx_fault(f->fx, "outage", kvs);
}

/* ---- a burst reads the job once ------------------------------------------- */

static void burst(const struct ats *a)
{
  struct engfx *f = start(a, true);
  uint64_t mark = sim_journal_last(f->fx->sim);
  approve_burst(f);
  engfx_settle(f, 10 * MIN);
  all_synced(f, a);
  size_t jobs = engfx_requests(f, mark, a->job, 0, NULL, NULL);
  size_t pipes = engfx_requests(f, mark, a->pipeline, 0, NULL, NULL);
  print_message("%s: %zu job and %zu pipeline reads for %d approvals\n",
                a->name, jobs, pipes, BURST);
  assert_int_equal(jobs, 1);
  assert_int_equal(pipes, 1);
}

/* ---- a read that fails ------------------------------------------------------ */

static void failed_read(const struct ats *a)
{
  struct engfx *f = start(a, false);
  uint64_t mark = sim_journal_last(f->fx->sim);
  int fid = job_fault(f, a, "mode=503");
  approve_burst(f);
  engfx_run(f, 2 * MIN);
  char why[600];
  assert_int_equal(engfx_state(f, why, sizeof why), ATSYNC_ATS_UNAVAILABLE);
  assert_int_equal(engfx_people_total(f), 0);
  /* the first pushes (the reader and those that waited for its read) are
   * all back in the queue with the connection's reason: none is left in
   * flight, waiting for a read that is over */
  for (int i = 1; i <= 4; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "c%d", i);
    struct atsync_candidate_info c = engfx_cand(f, ref);
    assert_int_equal(c.sync, ATSYNC_PUSHING);
    if (strstr(c.error, "not answering properly") == NULL)
      fail_msg("%s: %s: '%s'", a->name, ref, c.error);
  }
  int64_t gap;
  size_t failed = engfx_requests(f, mark, a->job, 503, &gap, NULL);
  print_message("%s: %zu failed job reads in 2 min, %lld ms apart at "
                "least\n", a->name, failed, (long long)gap);
  assert_true(failed >= 1);
  assert_true(gap > 0); /* one read at a time, never a burst of them */
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_settle(f, HOUR);
  all_synced(f, a);
  assert_int_equal(engfx_requests(f, mark, a->job, 200, NULL, NULL), 1);
  assert_int_equal(engfx_requests(f, mark, a->pipeline, 200, NULL, NULL), 1);
}

/* ---- the reader abandoned ---------------------------------------------------- */

/* A burst whose job read takes 10 s (a slow ATS): after 2 s the read is
 * in flight and the other pushes wait for it. */
static struct engfx *slow_read(const struct ats *a, int *fid, uint64_t *mark)
{
  struct engfx *f = start(a, false);
  *mark = sim_journal_last(f->fx->sim);
  *fid = job_fault(f, a, "mode=slow delay=10s");
  approve_burst(f);
  engfx_run(f, 2 * SEC);
  assert_int_equal(f->e->nrunning, 4);
  assert_int_equal(engfx_people_total(f), 0);
  return f;
}

/* The reader alone is abandoned: its waiters go on (from the loop), one
 * of them reads the job again, and everyone is synced; the abandoned
 * push stays queued and runs again. */
static void reader_abandoned(const struct ats *a)
{
  int fid;
  uint64_t mark;
  struct engfx *f = slow_read(a, &fid, &mark);
  /* the first push started reads; the three after it wait */
  push_abandon(f->e->running[0]);
  assert_int_equal(f->e->nrunning, 3);
  engfx_run(f, 1 * SEC);
  assert_int_equal(engfx_requests(f, mark, a->job, 0, NULL, NULL), 2);
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_settle(f, 10 * MIN);
  all_synced(f, a);
}

/* A reconnect abandons the reader and its waiters: they run again under
 * the new credentials. */
static void reconnect_mid_read(const struct ats *a)
{
  int fid;
  uint64_t mark;
  struct engfx *f = slow_read(a, &fid, &mark);
  engfx_connect(f, a->auth);
  assert_int_equal(f->e->nrunning, 0);
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_settle(f, 10 * MIN);
  all_synced(f, a);
}

/* The engine closes with the reader and its waiters running (the
 * teardown frees the fixture: ASan sees the rest). */
static void close_mid_read(const struct ats *a)
{
  int fid;
  uint64_t mark;
  struct engfx *f = slow_read(a, &fid, &mark);
  (void)f;
  (void)fid;
}

#define ON(story, a, tag)                                                      \
  static void test_##story##_##tag(void **state)                               \
  {                                                                            \
    (void)state;                                                               \
    story(&a);                                                                 \
  }

ON(burst, GH_V3, greenhouse)
ON(burst, GH_V1, greenhouse_v1)
ON(burst, LEVER, lever)
ON(burst, LEVER_KEY, lever_key)
ON(burst, WORKABLE, workable)
ON(burst, WORKABLE_OAUTH, workable_oauth)
ON(burst, ASHBY, ashby)
ON(failed_read, GH_V3, greenhouse)
ON(failed_read, LEVER, lever)
ON(failed_read, WORKABLE, workable)
ON(failed_read, ASHBY, ashby)
ON(reader_abandoned, GH_V1, greenhouse_v1)
ON(reader_abandoned, LEVER, lever)
ON(reader_abandoned, ASHBY, ashby)
ON(reconnect_mid_read, GH_V3, greenhouse)
ON(reconnect_mid_read, WORKABLE, workable)
ON(close_mid_read, GH_V3, greenhouse)
ON(close_mid_read, ASHBY, ashby)

#define T(name) cmocka_unit_test_teardown(test_##name, free_fixture)

int main(void)
{
  const struct CMUnitTest tests[] = {
      T(burst_greenhouse),
      T(burst_greenhouse_v1),
      T(burst_lever),
      T(burst_lever_key),
      T(burst_workable),
      T(burst_workable_oauth),
      T(burst_ashby),
      T(failed_read_greenhouse),
      T(failed_read_lever),
      T(failed_read_workable),
      T(failed_read_ashby),
      T(reader_abandoned_greenhouse_v1),
      T(reader_abandoned_lever),
      T(reader_abandoned_ashby),
      T(reconnect_mid_read_greenhouse),
      T(reconnect_mid_read_workable),
      T(close_mid_read_greenhouse),
      T(close_mid_read_ashby),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
