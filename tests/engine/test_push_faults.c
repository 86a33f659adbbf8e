/* test_push_faults.c — the engine and the fake Greenhouse in one loop on a
 * virtual clock, one test per fault and admin action that applies to a
 * push, on v3 (OAuth) and on a legacy v1 key where the fault applies to
 * both. Each story asserts what a user would see (the connection state and
 * its reason, the candidate's sync state and error), that the queue is kept
 * (nothing lost), and the recovery once the fault clears or the user acts;
 * then every approved candidate is in the ATS exactly once, in job 4001 at
 * the mapped stage, and no person was created where one with a matching
 * email already existed. Time moves only through the loop: no sleeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engfx_expect.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

/* ---- helpers ------------------------------------------------------------- */

static const char *mode_name(enum engfx_auth a)
{
  return a == ENGFX_V1_KEY ? "v1 key" : a == ENGFX_V3_CLIENT
                                            ? "v3 client credentials"
                                            : "v3 authorization code";
}

static bool v1(enum engfx_auth a) { return a == ENGFX_V1_KEY; }

/* The second run of every story has the sim's latency model on. */
static bool g_latency;

static int latency_on(void **state)
{
  (void)state;
  g_latency = true;
  return 0;
}

/* A fixture that is connected (the OAuth code exchanged) and idle. */
static struct engfx *start_opts(struct engfx_opts *o)
{
  o->latency = g_latency;
  /* these stories count every request the push path makes ("nothing is
   * sent for an hour"): the status pull's polls stay out of them. The poll
   * under the same faults is tested in test_pull.c and the catalog. */
  if (o->poll_ms == 0)
    o->poll_ms = -1;
  if (getenv("PUSH_FAULTS_SEED")) /* try other seeds: jitter, latency */
    o->seed = strtoull(getenv("PUSH_FAULTS_SEED"), NULL, 10);
  struct engfx *f = engfx_new(o);
  engfx_settle(f, 10 * SEC);
  char why[600];
  enum atsync_state s = engfx_state(f, why, sizeof why);
  if (s != ATSYNC_CONNECTED)
    fail_msg("%s: not connected at the start: %s (%s)", mode_name(o->auth),
             atsync_state_name(s), why);
  return f;
}

static struct engfx *start(enum engfx_auth auth)
{
  struct engfx_opts o = {.auth = auth};
  return start_opts(&o);
}

static void approve_phone(struct engfx *f, const char *ref, const char *email,
                          const char *phone)
{
  char mail[128], err[256];
  snprintf(mail, sizeof mail, "%s", email ? email : "");
  if (email == NULL)
    snprintf(mail, sizeof mail, "%s@example.com", ref);
  struct atsync_candidate c = {.ref = ref, .first = ref, .last = "Tester",
                               .emails = {mail}, .nemails = 1,
                               .phone = phone, .job = "backend"};
  if (atsync_approve(f->e, f->org, &c, NULL, err, sizeof err) != 0)
    fail_msg("approve %s: %s", ref, err);
}

/* Step the loop until pred holds (or fail after 'limit' ms). */
static void run_until(struct engfx *f, bool (*pred)(struct engfx *),
                      int64_t limit, const char *what)
{
  int64_t end = engfx_now(f) + limit;
  while (!pred(f)) {
    if (engfx_now(f) >= end)
      fail_msg("timed out waiting for %s", what);
    engfx_run(f, 50);
  }
}

/* API writes (anything but a GET to /v1 or /v3) after 'mark'. */
static size_t writes_since(struct engfx *f, uint64_t mark)
{
  size_t n, w = 0;
  struct sim_journal_entry *j = engfx_journal_read(f, mark, &n);
  for (size_t i = 0; i < n; i++)
    w += strncmp(j[i].target, "/v", 2) == 0 && strcmp(j[i].method, "GET") != 0;
  free(j);
  return w;
}

#define ONE(fn, mode)                                                          \
  static void test_##fn(void **state)                                          \
  {                                                                            \
    (void)state;                                                               \
    fn(mode);                                                                  \
  }

/* ---- rate limits --------------------------------------------------------- */

/* A 429 storm for a minute: every API request refused with Retry-After
 * 20 s. No request may reach the API inside a 429's Retry-After window. */
static void rate_limit_storm(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  uint64_t mark = engfx_mark(f);
  int fid = engfx_fault(f, "rate_limit",
                        "limit=0 window=20s for=60s route=/v*");
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_approve(f, "carol", NULL);
  engfx_run(f, 5 * SEC);
  engfx_expect_state(f, ATSYNC_THROTTLED, "429", "nothing is lost", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_PUSHING, "429", NULL);
  engfx_expect_pending(f, 3);
  int64_t took = 5 * SEC + engfx_settle(f, 10 * MIN);
  print_message("%s: delivered after %lld s\n", mode_name(auth),
                (long long)(took / SEC));
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  /* the journal: no API request inside any Retry-After window */
  int n429 = engfx_honoured(f, mark, "/v*", 429, 20 * SEC);
  print_message("%s: %d 429s\n", mode_name(auth), n429);
  engfx_dump(f);
  /* three windows of 20 s: a handful, not a storm */
  assert_true(n429 >= 1);
  assert_true(n429 <= 9);
  /* delivered after the storm, not long after */
  assert_true(took >= 60 * SEC);
  assert_true(took < 3 * MIN);
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(rate_limit_storm)

/* 429s on the create only: a clean refusal (not applied), so the create is
 * simply sent again after the wait; one person. */
static void rate_limit_create(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "rate_limit", "limit=0 window=10s for=25s route=%s",
                        engfx_sq(gh->create));
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 5 * SEC);
  engfx_expect_state(f, ATSYNC_THROTTLED, "429", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_PUSHING, "429", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 429), 3);
  assert_int_equal(engfx_journal(f, gh->create, 0), 4);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(rate_limit_create)

/* Greenhouse v1 may give Retry-After as a time (epoch seconds), not a
 * number of seconds: it is honoured as that time — no request before it,
 * and the candidate goes once it has passed, not after the 1-hour cap. */
static void retry_after_epoch(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  char err[256];
  assert_int_equal(sim_setting(f->fx->sim, "retry_after", "epoch", err,
                               sizeof err), 0);
  int fid = engfx_fault(f, "rate_limit", "limit=0 window=20s for=25s route=%s",
                        engfx_sq(gh->create));
  /* the sim does answer with a time */
  struct tc_resp r = fx_v1(f->fx, "POST", "/v1/candidates", "{}", "4000001");
  char ra[64];
  assert_int_equal(r.status, 429);
  assert_non_null(tc_header(&r, "Retry-After", ra, sizeof ra));
  long long at = strtoll(ra, NULL, 10);
  assert_true(at * 1000 >= engfx_now(f) &&
              at * 1000 <= engfx_now(f) + 21 * SEC);
  tc_free(&r);
  uint64_t mark = engfx_mark(f);
  int64_t t0 = engfx_now(f);
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 5 * SEC);
  engfx_expect_state(f, ATSYNC_THROTTLED, "429", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_PUSHING, "429", NULL);
  engfx_settle(f, 2 * HOUR);
  int64_t took = engfx_now(f) - t0;
  print_message("%s: delivered after %lld s\n", mode_name(auth),
                (long long)(took / SEC));
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  static struct sim_journal_entry j[4096];
  size_t n = sim_journal_read(f->fx->sim, mark, j, 4096);
  int n429 = 0;
  for (size_t i = 0; i < n; i++) {
    if (j[i].status != 429)
      continue;
    n429++;
    /* the time named (the journal keeps it as whole seconds from the
     * 429's second): about the window from now, not an hour */
    assert_true(j[i].retry_after > 0 && j[i].retry_after <= 21 * SEC);
    int64_t named = j[i].t - j[i].t % 1000 + j[i].retry_after;
    for (size_t k = 0; k < n; k++)
      if (strncmp(j[k].target, "/v", 2) == 0 && j[k].t > j[i].t &&
          j[k].t < named)
        fail_msg("%s %s at +%lld ms: before the Retry-After time of the 429 "
                 "at +%lld ms", j[k].method, j[k].target,
                 (long long)(j[k].t - t0), (long long)(j[i].t - t0));
  }
  assert_true(n429 >= 1 && n429 <= 3);
  assert_int_equal(engfx_journal(f, gh->create, 201), 1);
  assert_true(took >= 20 * SEC && took < 2 * MIN);
  engfx_clear(f, fid);
  engfx_free(f);
}
ONE(retry_after_epoch, ENGFX_V1_KEY)

/* The vendor limit (v1: 50 per 10 s rolling; v3: fixed 30 s windows) under
 * a burst of 30 approvals: pacing keeps it at zero 429s. */
static void vendor_burst(enum engfx_auth auth)
{
  struct engfx_opts o = {.auth = auth, .rate_limit = -1};
  struct engfx *f = start_opts(&o);
  char ref[16];
  for (int i = 0; i < 30; i++) {
    snprintf(ref, sizeof ref, "burst%02d", i);
    engfx_approve(f, ref, NULL);
  }
  int64_t took = engfx_settle(f, 10 * MIN);
  print_message("%s: 30 candidates in %lld s, %zu requests\n", mode_name(auth),
                (long long)(took / SEC), engfx_journal(f, "/v*", 0));
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, NULL, 429), 0);
  /* more requests than one window allows: the pacing had work to do */
  assert_true(engfx_journal(f, "/v*", 0) > (v1(auth) ? 50u : 75u));
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ENGFX_BOTH(vendor_burst)

/* ---- outages -------------------------------------------------------------- */

/* An outage of the API; the candidate waits (ats_unavailable) and is
 * delivered once it ends. 'mode' as the outage fault's. */
static void outage_story(enum engfx_auth auth, const char *mode,
                         int64_t length, const char *words)
{
  struct engfx *f = start(auth);
  char spec[200];
  if (strcmp(mode, "refused") == 0)
    snprintf(spec, sizeof spec, "mode=refused for=%llds",
             (long long)(length / SEC));
  else
    snprintf(spec, sizeof spec, "mode=%s for=%llds route=/v*%s", mode,
             (long long)(length / SEC),
             strcmp(mode, "slow") == 0 ? " delay=40s" : "");
  int fid = engfx_fault(f, "outage", "%s", spec);
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_run(f, 2 * MIN);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, words, "nothing is lost", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_PUSHING, words, NULL);
  engfx_expect_pending(f, 2);
  assert_int_equal(engfx_people_total(f), 0);
  int64_t took = engfx_settle(f, length + HOUR);
  print_message("%s %s for %lld min: delivered %lld s after it ended; %zu "
                "API requests\n",
                mode_name(auth), mode, (long long)(length / MIN),
                (long long)((took + 2 * MIN - length) / SEC),
                engfx_journal(f, "/v*", 0));
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  /* the backoff is capped at 10 minutes */
  assert_true(took + 2 * MIN - length <= 11 * MIN);
  assert_true(engfx_cand(f, "alice").error[0] == '\0');
  engfx_clear(f, fid);
  engfx_free(f);
}

static void outage_503(enum engfx_auth auth)
{
  outage_story(auth, "503", 30 * MIN, "503");
}
ENGFX_BOTH(outage_503)

static void outage_500(enum engfx_auth auth)
{
  outage_story(auth, "500", 10 * MIN, "500");
}
ENGFX_BOTH(outage_500)

static void outage_refused(enum engfx_auth auth)
{
  outage_story(auth, "refused", 10 * MIN, "connection refused");
}
ENGFX_BOTH(outage_refused)

/* Requests are held and never answered: the engine's deadline (30 s)
 * decides; nothing is created twice. */
static void outage_hang(enum engfx_auth auth)
{
  outage_story(auth, "hang", 5 * MIN, "deadline");
}
ENGFX_BOTH(outage_hang)

/* Answers come 40 s late (past the 30 s deadline), writes applied all the
 * same: the engine must read before it writes again. */
static void outage_slow(enum engfx_auth auth)
{
  outage_story(auth, "slow", 5 * MIN, "deadline");
}
ENGFX_BOTH(outage_slow)

/* Every answer cut off mid-way (reads; writes get a made-up, cut 201 and
 * nothing is created): the engine settles each write by reading. */
static void outage_truncated(enum engfx_auth auth)
{
  outage_story(auth, "truncated", 5 * MIN, "not answering properly");
}
ENGFX_BOTH(outage_truncated)

static void outage_malformed(enum engfx_auth auth)
{
  outage_story(auth, "malformed", 5 * MIN, "not answering properly");
}
ENGFX_BOTH(outage_malformed)

/* Connections closed without an answer. */
static void outage_reset(enum engfx_auth auth)
{
  outage_story(auth, "reset", 5 * MIN, "without an answer");
}
ENGFX_BOTH(outage_reset)

/* A 503 with Retry-After: 5 minutes: nothing reaches the API before. */
static void outage_retry_after(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  uint64_t mark = engfx_mark(f);
  int fid = engfx_fault(f, "outage",
                        "mode=503 retry_after=5m for=4m route=/v*");
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_run(f, MIN);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, "503", NULL);
  int64_t took = MIN + engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  /* no request at all inside the Retry-After window */
  int n503 = engfx_honoured(f, mark, NULL, 503, 5 * MIN);
  assert_true(n503 >= 1 && n503 <= 2);
  assert_true(took >= 5 * MIN && took < 6 * MIN);
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(outage_retry_after)

/* A 503 for 30 minutes, with a count of the requests it cost. */
static void outage_503_requests(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  uint64_t before = engfx_journal(f, "/v*", 0);
  int fid = engfx_fault(f, "outage", "mode=503 for=30m route=/v*");
  for (int i = 0; i < 5; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "c%d", i);
    engfx_approve(f, ref, NULL);
  }
  engfx_run(f, 30 * MIN);
  size_t during = engfx_journal(f, "/v*", 503);
  print_message("%s: %zu requests in 30 minutes of 503 for 5 candidates\n",
                mode_name(auth), during);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, "503", NULL);
  engfx_expect_pending(f, 5);
  /* a connection-wide backoff: not five candidates hammering on their own */
  assert_true(during <= 40);
  engfx_settle(f, 2 * HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  assert_true(engfx_journal(f, "/v*", 0) - before > 5);
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(outage_503_requests)

/* ---- a write applied, its answer lost ------------------------------------ */

/* 'mode' with commit=before on the create, once: the person exists but the
 * engine could not tell. It must find the person by email, never create a
 * second one. */
static void create_applied(enum engfx_auth auth, const char *mode)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "outage", "mode=%s commit=before count=1 route=%s",
                        mode, engfx_sq(gh->create));
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  /* the create went out once: the engine found the person instead */
  assert_int_equal(engfx_journal(f, gh->create, 0), 1);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  assert_int_equal(engfx_people_total(f), 1);
  struct atsync_candidate_info a = engfx_cand(f, "alice");
  assert_true(a.attempts >= 1); /* the lost answer counted as a try */
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}

static void create_reset(enum engfx_auth a) { create_applied(a, "reset"); }
static void create_truncated(enum engfx_auth a) { create_applied(a, "truncated"); }
static void create_malformed(enum engfx_auth a) { create_applied(a, "malformed"); }
static void create_503(enum engfx_auth a) { create_applied(a, "503"); }
static void create_500(enum engfx_auth a) { create_applied(a, "500"); }
ENGFX_BOTH(create_reset)
ENGFX_BOTH(create_truncated)
ENGFX_BOTH(create_malformed)
ENGFX_BOTH(create_503)
ENGFX_BOTH(create_500)

/* hang commit=before on the create: applied, then held past the deadline */
static void create_hang(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "outage", "mode=hang commit=before route=%s",
                        engfx_sq(gh->create));
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 29 * SEC); /* held, under the deadline */
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_PUSHING, NULL);
  engfx_expect_pending(f, 1);
  engfx_expect_people(f, "alice@example.com", 1); /* applied all the same */
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  /* the deadline passed: the outcome was unknown, and the engine said so
   * (ats_unavailable, and a retry that reads before it writes) */
  assert_true(engfx_log_count(f, "state", "ats_unavailable") >= 1);
  assert_true(engfx_log_count(f, "retry",
                              "outcome of the create request is "
                              "unknown") == 1);
  assert_true(engfx_log_count(f, "found", "found the person") == 1);
  assert_int_equal(engfx_journal(f, gh->create, 0), 1);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(create_hang)

/* The application add is applied, its answer lost (POST /v3/applications,
 * POST /v1/candidates/{id}/applications). Both versions create a new
 * person with the application in one call, so the add is only for a person
 * who exists: one is there. One application, not two. */
static void add_app_reset(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  engfx_action(f, "add_candidate",
               "first_name=Alice last_name=Tester email=alice@example.com");
  int fid = engfx_fault(f, "outage",
                        "mode=reset commit=before count=1 route=%s",
                        engfx_sq(gh->add_app));
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 0);
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 1);
  /* the lost answer was settled by reading, not by a second add */
  assert_int_equal(engfx_log_count(f, "retry", "outcome of the add "
                                   "application request is unknown"), 1);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(add_app_reset)

/* The move is applied, its answer lost: read, do not move again. Needs an
 * application outside the target: an existing person at the first stage. */
static void move_reset(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  engfx_action(f, "add_candidate", "first_name=Alice last_name=Tester "
                                   "email=alice@example.com job=4001");
  int fid = engfx_fault(f, "outage",
                        "mode=reset commit=before count=1 route=%s",
                        engfx_sq(gh->move));
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->move, 0), 1);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(move_reset)

/* ---- async create ----------------------------------------------------------- */

/* Greenhouse builds the record for 'delay': the create's answer is cut to
 * ids and reads miss the person meanwhile. v1 creates the application with
 * the person; v3 must wait until the person is visible to add it. */
static void async_story(enum engfx_auth auth, const char *delay)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "async_create", "delay=%s", delay);
  engfx_approve(f, "alice", NULL);
  int64_t took = engfx_settle(f, HOUR);
  print_message("%s async %s: %lld s\n", mode_name(auth), delay,
                (long long)(took / SEC));
  engfx_dump(f);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 1);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}

static void async_create(enum engfx_auth a) { async_story(a, "30s"); }
static void async_create_slow(enum engfx_auth a) { async_story(a, "150s"); }
ENGFX_BOTH(async_create)
ENGFX_BOTH(async_create_slow)

/* The engine restarts while Greenhouse still builds the person it created:
 * it must keep waiting for that person, not give up or create another. */
static void async_create_restart(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  char path[64];
  snprintf(path, sizeof path, "/tmp/test_push_faults.%d.db", (int)getpid());
  struct engfx_opts o = {.auth = auth, .store = path};
  struct engfx *f = start_opts(&o);
  int fid = engfx_fault(f, "async_create", "delay=150s");
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 10 * SEC);
  assert_int_equal(engfx_journal(f, gh->create, 0), 1);
  engfx_restart(f);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 1);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(async_create_restart)

/* ---- credentials -------------------------------------------------------------- */

/* Every access token expires: the engine refreshes on the 401 without a
 * word to the user. */
static void expire_tokens(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  size_t tokens = engfx_journal(f, "POST /token", 200);
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_settle(f, MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_cand(f, "bob").attempts, 0);
  assert_true(engfx_journal(f, "/v3/*", 401) >= 1);
  assert_int_equal(engfx_journal(f, "POST /token", 200), tokens + 1);
  assert_int_equal(engfx_journal(f, "POST /token", 0), tokens + 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(expire_tokens, ENGFX_V3_CODE)
static void test_expire_tokens_client(void **state)
{
  (void)state;
  expire_tokens(ENGFX_V3_CLIENT);
}

struct log_count {
  int states;
  char last[600];
};

static void count_states(void *ud, const struct atsync_log_entry *l)
{
  struct log_count *c = ud;
  if (strcmp(l->kind, "state") == 0) {
    c->states++;
    snprintf(c->last, sizeof c->last, "%s", l->message);
  }
}

/* expire_tokens leaves nothing in the log a user would see */
static void expire_tokens_silent(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  struct log_count before = {0}, after = {0};
  atsync_log(f->e, f->org, 0, count_states, &before);
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  atsync_log(f->e, f->org, 0, count_states, &after);
  if (after.states != before.states)
    fail_msg("a state change after expire_tokens: %s", after.last);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(expire_tokens_silent, ENGFX_V3_CODE)

/* The token endpoint is down while the access token has expired: an
 * outage (ats_unavailable), never a disconnect. */
static void token_outage(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "outage", "mode=503 route=POST~/token");
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, "sign-in", "503", NULL);
  struct atsync_candidate_info a = engfx_cand(f, "alice");
  assert_true(a.sync == ATSYNC_QUEUED || a.sync == ATSYNC_PUSHING);
  assert_non_null(strcasestr(a.error, "nothing is lost"));
  engfx_expect_pending(f, 1);
  assert_int_equal(engfx_people_total(f), 0);
  /* no disconnect on the way, and few token requests */
  assert_int_equal(engfx_log_count(f, "state", "disconnected"), 0);
  assert_true(engfx_journal(f, "POST /token", 503) <= 12);
  engfx_clear(f, fid);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(token_outage, ENGFX_V3_CODE)

/* The token endpoint hangs (the engine's deadline decides) while a
 * refresh is due: ats_unavailable, then delivered. */
static void token_hang(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "outage", "mode=hang for=2m route=POST~/token");
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 90 * SEC);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, "sign-in", "deadline", NULL);
  engfx_expect_pending(f, 1);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_log_count(f, "state", "disconnected"), 0);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ONE(token_hang, ENGFX_V3_CODE)

/* The authorization code cannot be exchanged for 20 s (503): the engine
 * retries within the code's minute and connects. */
static void connect_outage(enum engfx_auth auth)
{
  struct engfx_opts o = {.auth = auth, .no_connect = true,
                         .latency = g_latency};
  if (getenv("PUSH_FAULTS_SEED"))
    o.seed = strtoull(getenv("PUSH_FAULTS_SEED"), NULL, 10);
  struct engfx *f = engfx_new(&o);
  int fid = engfx_fault(f, "outage", "mode=503 for=20s route=POST~/token");
  engfx_connect(f, auth);
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 5 * SEC);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, "sign-in", "503", NULL);
  engfx_expect_pending(f, 1);
  engfx_settle(f, 10 * MIN);
  engfx_dump(f);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ONE(connect_outage, ENGFX_V3_CODE)

/* A day and more without a push: the engine refreshes the idle grant
 * before the refresh token lapses (24 h); the next approval goes through
 * without a reconnect. */
static void idle_days(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  engfx_run(f, 50 * HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_true(engfx_journal(f, "POST /token", 200) >= 3);
  assert_int_equal(engfx_journal(f, "POST /token", 400), 0);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(idle_days, ENGFX_V3_CODE)

/* The refresh is applied (the refresh token rotated) but its answer is
 * lost: the old refresh token is dead, so the engine can only say so
 * (disconnected, reconnect), keep the queue, and deliver after the
 * reconnect. */
static void refresh_answer_lost(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "outage",
                        "mode=reset commit=before count=1 route=POST~/token");
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "reconnect", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, "reconnect", NULL);
  engfx_expect_pending(f, 1);
  engfx_connect(f, auth);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ONE(refresh_answer_lost, ENGFX_V3_CODE)

/* The OAuth client itself is revoked: disconnected (invalid_client); the
 * customer connects a new client. */
static void revoke_client(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  char err[512];
  assert_int_equal(sim_credential_revoke(f->fx->sim, f->fx->client_cred, err,
                                         sizeof err), 0);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "reconnect", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  engfx_expect_pending(f, 1);
  assert_int_equal(engfx_people_total(f), 0);
  cJSON *c = NULL;
  assert_int_equal(sim_credential_add(f->fx->sim, "oauth_client", NULL, 0, &c,
                                      err, sizeof err), 0);
  snprintf(f->fx->client_id, sizeof f->fx->client_id, "%s",
           cJSON_GetStringValue(cJSON_GetObjectItem(c, "client_id")));
  snprintf(f->fx->client_secret, sizeof f->fx->client_secret, "%s",
           cJSON_GetStringValue(cJSON_GetObjectItem(c, "client_secret")));
  snprintf(f->fx->client_cred, sizeof f->fx->client_cred, "%s",
           cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")));
  cJSON_Delete(c);
  engfx_connect(f, auth);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(revoke_client, ENGFX_V3_CODE)
static void test_revoke_client_cc(void **state)
{
  (void)state;
  revoke_client(ENGFX_V3_CLIENT);
}

/* The refresh token is revoked (with its access tokens): disconnected,
 * the queue kept; a reconnect with a fresh code delivers once. */
static void revoke_refresh_token(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  engfx_action(f, "revoke_refresh_token", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "reconnect", "invalid_grant",
                     NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, "reconnect", NULL);
  engfx_expect_pending(f, 2);
  assert_int_equal(engfx_people_total(f), 0);
  /* nothing is sent while disconnected */
  size_t sent = engfx_journal(f, NULL, 0);
  engfx_run(f, HOUR);
  assert_int_equal(engfx_journal(f, NULL, 0), sent);
  engfx_expect_pending(f, 2);
  engfx_connect(f, auth);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(revoke_refresh_token, ENGFX_V3_CODE)

/* The v1 key is revoked: disconnected; a new key delivers. */
static void revoke_api_key(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  char key[32];
  engfx_api_key_id(f, key, sizeof key);
  engfx_action(f, "revoke_api_key", "credential=%s", key);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "reconnect", "401", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, "reconnect", NULL);
  engfx_expect_pending(f, 1);
  size_t sent = engfx_journal(f, NULL, 0);
  engfx_run(f, HOUR);
  assert_int_equal(engfx_journal(f, NULL, 0), sent);
  engfx_connect(f, auth);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(revoke_api_key, ENGFX_V1_KEY)

/* ---- permissions --------------------------------------------------------------- */

/* The OAuth client loses a scope (harvest:candidates:create): permission_missing
 * naming the scope; an admin grants it back and the user reconnects. */
static void remove_scope_story(enum engfx_auth auth, const char *scope)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  /* a new person gets the application with the create itself: only a
   * person who exists needs POST /v3/applications (applications:create) */
  bool apps = strcmp(scope, "harvest:applications:create") == 0;
  if (apps) {
    engfx_action(f, "add_candidate",
                 "first_name=Alice last_name=Tester email=alice@example.com");
    engfx_action(f, "add_candidate",
                 "first_name=Bob last_name=Tester email=bob@example.com");
  }
  engfx_action(f, "remove_scope", "credential=%s scope=%s", f->fx->client_cred,
               scope);
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, scope, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, scope, NULL);
  engfx_expect_pending(f, 2);
  /* nobody created; the people who exist have no application yet */
  assert_int_equal(engfx_people_total(f), apps ? 2 : 0);
  assert_int_equal(engfx_journal(f, gh->create, 201), 0);
  if (apps) /* the add was what was denied */
    assert_true(engfx_journal(f, gh->add_app, 403) >= 1);
  engfx_expect_apps(f, "alice@example.com", 0);
  engfx_expect_apps(f, "bob@example.com", 0);
  /* it probes now and then, not in a loop */
  size_t before = engfx_journal(f, "/v3/*", 403);
  engfx_run(f, HOUR);
  size_t probes = engfx_journal(f, "/v3/*", 403) - before;
  print_message("%zu probes in an hour\n", probes);
  assert_true(probes >= 1 && probes <= 12);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, scope, NULL);
  engfx_action(f, "grant_scope", "credential=%s scope=%s", f->fx->client_cred,
               scope);
  engfx_connect(f, auth);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
static void remove_scope(enum engfx_auth a)
{
  remove_scope_story(a, "harvest:candidates:create");
}
static void remove_scope_apps(enum engfx_auth a)
{
  remove_scope_story(a, "harvest:applications:create");
}
static void remove_scope_list(enum engfx_auth a)
{
  remove_scope_story(a, "harvest:candidates:list");
}
ONE(remove_scope_apps, ENGFX_V3_CODE)
ONE(remove_scope_list, ENGFX_V3_CODE)
ONE(remove_scope, ENGFX_V3_CODE)

/* Client credentials: the admin grants the scope back; the engine's next
 * probe needs a token that carries it (no reconnect for this grant). */
static void remove_scope_client(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  engfx_action(f, "remove_scope",
               "credential=%s scope=harvest:candidates:create",
               f->fx->client_cred);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, "harvest:candidates:create",
                     NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, "harvest:candidates:create",
                    NULL);
  engfx_expect_pending(f, 1);
  engfx_action(f, "grant_scope",
               "credential=%s scope=harvest:candidates:create",
               f->fx->client_cred);
  int64_t took = engfx_settle(f, 2 * HOUR);
  print_message("delivered %lld s after the grant\n", (long long)(took / SEC));
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  /* by the next probes (1, 2, 4, 8 ... minutes), not at the token's expiry */
  assert_true(took <= 20 * MIN);
  engfx_free(f);
}
static void test_remove_scope_client(void **state)
{
  (void)state;
  remove_scope_client(ENGFX_V3_CLIENT);
}

/* The v1 key loses POST /v1/candidates: permission_missing naming it; the
 * admin ticks it again and the engine's own probe resumes the queue. */
static void remove_permission_story(enum engfx_auth auth, const char *perm)
{
  struct engfx *f = start(auth);
  char key[32];
  engfx_api_key_id(f, key, sizeof key);
  engfx_action(f, "remove_permission", "credential=%s permission=%s", key,
               engfx_sq(perm));
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, perm, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, perm, NULL);
  engfx_expect_pending(f, 2);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_action(f, "grant_permission", "credential=%s permission=%s", key,
               engfx_sq(perm));
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
static void remove_permission(enum engfx_auth a)
{
  remove_permission_story(a, "POST /v1/candidates");
}
static void remove_permission_read(enum engfx_auth a)
{
  remove_permission_story(a, "GET /v1/candidates");
}
ONE(remove_permission, ENGFX_V1_KEY)
ONE(remove_permission_read, ENGFX_V1_KEY)

/* The engine restarts while the permission is missing; it is granted
 * meanwhile: the engine's probe finds out and the state clears. */
static void permission_restart(enum engfx_auth auth)
{
  char path[64];
  snprintf(path, sizeof path, "/tmp/test_push_faults.%d.db", (int)getpid());
  struct engfx_opts o = {.auth = auth, .store = path};
  struct engfx *f = start_opts(&o);
  char key[32];
  engfx_api_key_id(f, key, sizeof key);
  engfx_action(f, "remove_permission",
               "credential=%s permission=POST~/v1/candidates", key);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, "POST /v1/candidates", NULL);
  engfx_restart(f);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, "POST /v1/candidates", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, "POST /v1/candidates", NULL);
  engfx_action(f, "grant_permission",
               "credential=%s permission=POST~/v1/candidates", key);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ONE(permission_restart, ENGFX_V1_KEY)

/* The acting user (v1 On-Behalf-Of; v3 the token's user) is deactivated:
 * permission_missing naming the user; reactivated, the probe delivers. */
static void deactivate_user(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  engfx_action(f, "deactivate_user", "user=4000001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, "4000001", "user", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, "4000001", NULL);
  engfx_expect_pending(f, 1);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_action(f, "reactivate_user", "user=4000001");
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ENGFX_BOTH(deactivate_user)

/* ---- the job and its stages ---------------------------------------------------- */

/* How long a story leaves a mapping problem standing: three re-checks, the
 * fourth still some 10 minutes away. */
#define HOLD (50 * MIN)

/* The mapping problem stands for HOLD: the engine checks again every 15
 * minutes, one candidate at a time and with reads only — never a write,
 * never more than one job read per 15 minutes — and nobody is released.
 * Returns how many re-checks the sync log has. */
static int hold_checked(struct engfx *f, enum engfx_auth auth,
                        const char *const *held, size_t nheld)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  uint64_t mark = engfx_mark(f);
  int people = engfx_people_total(f);
  int checks = engfx_log_count(f, "retry", ENGFX_RECHECK_LOG);
  engfx_run(f, HOLD);
  int64_t gap;
  size_t reads = engfx_requests(f, mark, gh->job_read, 0, &gap, NULL);
  int rechecks = engfx_log_count(f, "retry", ENGFX_RECHECK_LOG) - checks;
  print_message("%s: %zu job reads, %d re-checks in %lld min; shortest gap "
                "%lld s\n", mode_name(auth), reads, rechecks,
                (long long)(HOLD / MIN), (long long)(gap / SEC));
  assert_int_equal(writes_since(f, mark), 0);
  assert_true(rechecks >= (int)(HOLD / ENGFX_RECHECK_MS) - 1 &&
              rechecks <= (int)(HOLD / ENGFX_RECHECK_MS));
  assert_int_equal(reads, (size_t)rechecks); /* one read, one candidate */
  if (reads >= 2)
    assert_true(gap >= ENGFX_RECHECK_MS);
  assert_int_equal(engfx_people_total(f), people);
  for (size_t i = 0; i < nheld; i++)
    engfx_expect_cand(f, held[i], ATSYNC_NEEDS_ATTENTION, NULL);
  engfx_expect_pending(f, 0);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  return engfx_log_count(f, "retry", ENGFX_RECHECK_LOG);
}

/* Job 4001 is closed: needs attention, misconfigured naming the job
 * mapping, and nobody in the ATS: the person and the application go in one
 * call, refused as a whole (v3 as v1). While it stays closed, the engine
 * checks it again every 15 minutes with reads only. Reopened in the ATS,
 * the re-check delivers both without anyone touching the mapping; when
 * the engine had seen the job open (cached), one candidate comes back at
 * once when its data is updated, the other when the mapping is saved
 * again. */
static void close_job_story(enum engfx_auth auth, bool cached)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  if (cached) { /* the engine has seen the job open */
    engfx_approve(f, "early", NULL);
    engfx_settle(f, MIN);
    engfx_expect_cand(f, "early", ATSYNC_SYNCED, NULL);
  }
  engfx_action(f, "close_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, "job", "4001", "mapping", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "4001", "job mapping",
                    NULL);
  engfx_expect_cand(f, "bob", ATSYNC_NEEDS_ATTENTION, "4001", NULL);
  engfx_expect_pending(f, 0); /* held for the user, not lost */
  /* Known open, the create was sent and refused as a whole; read closed,
   * nothing was written. Either way nobody is left without the
   * application. */
  if (cached)
    assert_true(engfx_journal(f, gh->create, 422) >= 1);
  assert_int_equal(engfx_journal(f, gh->create, 201), cached ? 1 : 0);
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 0);
  assert_int_equal(engfx_people_total(f), cached ? 1 : 0);
  engfx_expect_people(f, "alice@example.com", 0);
  engfx_expect_people(f, "bob@example.com", 0);
  const char *held[] = {"alice", "bob"};
  int checks = hold_checked(f, auth, held, 2);
  char err[256];
  engfx_action(f, "reopen_job", "job=4001");
  int64_t t0 = engfx_now(f);
  if (!cached) {
    /* nobody touches the mapping or the data: the next re-check finds the
     * job open, its candidate goes through and the other follows */
    int maps = engfx_log_count(f, "mapping", "");
    run_until(f, engfx_all_synced, ENGFX_RECHECK_MS + MIN,
              "the re-check to deliver");
    int64_t took = engfx_now(f) - t0;
    print_message("%s: delivered %lld s after the job was reopened\n",
                  mode_name(auth), (long long)(took / SEC));
    assert_true(took <= ENGFX_RECHECK_MS);
    assert_int_equal(engfx_log_count(f, "retry", ENGFX_RECHECK_LOG),
                     checks + 1);
    assert_int_equal(engfx_log_count(f, "mapping", ""), maps);
  } else {
    /* bob's data changes: he goes at once, not at the next re-check;
     * alice, the one the re-checks try, is not touched and stays held */
    engfx_update_phone(f, "bob", "+14155550100");
    engfx_settle(f, 2 * MIN);
    engfx_expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
    engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, NULL);
    engfx_expect_state(f, ATSYNC_MISCONFIGURED, "4001", NULL);
    /* the mapping saved again: alice at once */
    assert_int_equal(atsync_map_job(f->e, f->org, "backend", "4001", err,
                                    sizeof err), 0);
    engfx_settle(f, 2 * MIN);
    engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
    assert_true(engfx_now(f) - t0 < 4 * MIN);
    assert_int_equal(engfx_log_count(f, "retry", ENGFX_RECHECK_LOG), checks);
  }
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  /* the problem is gone: no more re-checks */
  uint64_t mark = engfx_mark(f);
  engfx_run(f, HOUR);
  assert_int_equal(engfx_log_count(f, "retry", ENGFX_RECHECK_LOG),
                   checks + !cached);
  assert_int_equal(engfx_requests(f, mark, "/v*", 0, NULL, NULL), 0);
  engfx_free(f);
}

static void close_job(enum engfx_auth a) { close_job_story(a, false); }
static void close_job_cached(enum engfx_auth a) { close_job_story(a, true); }
ENGFX_BOTH(close_job)
ENGFX_BOTH(close_job_cached)

/* Job 4001 is deleted: needs attention, and nobody in the ATS (known to
 * exist, the create carried the application and was refused as a whole;
 * otherwise the job read said so before any write); mapped to a new job,
 * delivered there. */
static void delete_job_story(enum engfx_auth auth, bool cached)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  if (cached) {
    engfx_approve(f, "early", NULL);
    engfx_settle(f, MIN);
    engfx_expect_cand(f, "early", ATSYNC_SYNCED, NULL);
  }
  engfx_action(f, "delete_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, "4001", "job mapping", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "4001", "job mapping",
                    NULL);
  engfx_expect_pending(f, 0);
  if (cached)
    assert_int_equal(engfx_journal(f, gh->create, 422), 1);
  assert_int_equal(engfx_journal(f, gh->create, 201), cached ? 1 : 0);
  engfx_expect_people(f, "alice@example.com", 0);
  assert_int_equal(engfx_people_total(f), cached ? 1 : 0);
  cJSON *j = fx_action(f->fx, "add_job",
                       "id=4002 name=Backend~Engineer~II "
                       "stages=Application~Review|Phone~Screen|Onsite");
  cJSON_Delete(j);
  char err[256];
  assert_int_equal(atsync_map_job(f->e, f->org, "backend", "4002", err,
                                  sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  f->job = 4002; /* check the new job */
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_pending(f, 0);
  if (cached) { /* early stays where it was, on the deleted job */
    engfx_expect_people(f, "early@example.com", 1);
    engfx_expect_people(f, "alice@example.com", 1);
    char st[128];
    assert_string_equal(engfx_ats_stage(f, "alice@example.com", st, sizeof st),
                        "Phone Screen");
  } else {
    engfx_expect_delivered(f, "Phone Screen");
  }
  engfx_free(f);
}

static void delete_job(enum engfx_auth a) { delete_job_story(a, false); }
static void delete_job_cached(enum engfx_auth a) { delete_job_story(a, true); }
ENGFX_BOTH(delete_job)
ENGFX_BOTH(delete_job_cached)

/* "Phone Screen" is removed from the pipeline: the stage mapping is
 * invalid (misconfigured), and nobody in the ATS (a create with the removed
 * stage is refused as a whole); mapped to "Onsite", delivered at Onsite. */
static void remove_stage_story(enum engfx_auth auth, bool cached)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  if (cached) {
    engfx_approve(f, "early", NULL);
    engfx_settle(f, MIN);
    engfx_expect_cand(f, "early", ATSYNC_SYNCED, NULL);
  }
  engfx_action(f, "remove_stage", "stage=%lld", (long long)f->stages[1]);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, "Phone Screen", "stage mapping",
                     NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Phone Screen",
                    "stage mapping", NULL);
  engfx_expect_pending(f, 0);
  if (cached)
    assert_int_equal(engfx_journal(f, gh->create, 422), 1);
  assert_int_equal(engfx_journal(f, gh->create, 201), cached ? 1 : 0);
  engfx_expect_people(f, "alice@example.com", 0);
  assert_int_equal(engfx_people_total(f), cached ? 1 : 0);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "approved", "Onsite", err,
                                    sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  char st[128];
  assert_string_equal(engfx_ats_stage(f, "alice@example.com", st, sizeof st),
                      "Onsite");
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  if (!cached)
    engfx_expect_delivered(f, "Onsite");
  else /* early was delivered at Phone Screen before the change */
    assert_string_equal(engfx_ats_stage(f, "early@example.com", st, sizeof st),
                        "Phone Screen");
  engfx_free(f);
}

static void remove_stage(enum engfx_auth a) { remove_stage_story(a, false); }
static void remove_stage_cached(enum engfx_auth a) { remove_stage_story(a, true); }
ENGFX_BOTH(remove_stage)
ENGFX_BOTH(remove_stage_cached)

/* The admin fixes it in the ATS, not in atsync: the job reopened, or the
 * stage added back. Nobody touches the mapping or the data: the re-check
 * 15 minutes after the problem appeared tries the oldest candidate held
 * (reads only until then: nothing is sent before it), it goes through, and
 * the others follow at once. */
static void healed_in_ats(enum engfx_auth auth, bool stage)
{
  struct engfx *f = start(auth);
  if (stage)
    engfx_action(f, "remove_stage", "stage=%lld", (long long)f->stages[1]);
  else
    engfx_action(f, "close_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_approve(f, "carol", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED,
                     stage ? "stage mapping" : "job mapping", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, NULL);
  engfx_expect_cand(f, "bob", ATSYNC_NEEDS_ATTENTION, NULL);
  engfx_expect_cand(f, "carol", ATSYNC_NEEDS_ATTENTION, NULL);
  assert_int_equal(engfx_people_total(f), 0);
  int64_t held_at = engfx_log_when(f, "attention", "mapping").first;
  assert_true(held_at > 0);
  engfx_run(f, MIN);
  uint64_t mark = engfx_mark(f);
  if (stage)
    engfx_action(f, "add_stage", "job=4001 name=Phone~Screen");
  else
    engfx_action(f, "reopen_job", "job=4001");
  int maps = engfx_log_count(f, "mapping", "");
  run_until(f, engfx_all_synced, ENGFX_RECHECK_MS + MIN,
            "the re-check to deliver");
  int64_t first;
  engfx_requests(f, mark, "/v*", 0, NULL, &first);
  struct engfx_log_when rc = engfx_log_when(f, "retry", ENGFX_RECHECK_LOG);
  struct engfx_log_when sy = engfx_log_when(f, "synced", "");
  print_message("%s: held at 0, first request at +%lld s, re-check at +%lld "
                "s, all synced by +%lld s\n", mode_name(auth),
                (long long)((first - held_at) / SEC),
                (long long)((rc.first - held_at) / SEC),
                (long long)((sy.last - held_at) / SEC));
  /* one re-check, of the oldest, 15 minutes after the problem appeared */
  assert_int_equal(rc.n, 1);
  assert_string_equal(rc.first_ref, "alice");
  assert_true(rc.first >= held_at + ENGFX_RECHECK_MS &&
              rc.first < held_at + ENGFX_RECHECK_MS + MIN);
  /* nothing was sent before it */
  assert_true(first >= rc.first);
  /* alice went first, the others followed within the minute */
  assert_string_equal(sy.first_ref, "alice");
  assert_int_equal(sy.n, 3);
  assert_true(sy.last - rc.first < MIN);
  assert_int_equal(engfx_log_count(f, "mapping", ""), maps);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}

static void reopen_job(enum engfx_auth a) { healed_in_ats(a, false); }
static void add_stage_back(enum engfx_auth a) { healed_in_ats(a, true); }
ENGFX_BOTH(reopen_job)
ENGFX_BOTH(add_stage_back)

/* "Phone Screen" is renamed "Phone Interview": the mapping by name no
 * longer resolves; mapped to the new name, delivered there. */
static void rename_stage(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  engfx_action(f, "rename_stage", "stage=%lld name=Phone~Interview",
               (long long)f->stages[1]);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, "Phone Screen", "stage mapping",
                     NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Phone Screen", NULL);
  engfx_expect_pending(f, 0);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "approved",
                                    "Phone Interview", err, sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Interview");
  engfx_free(f);
}
ENGFX_BOTH(rename_stage)

/* The same after the engine read the pipeline: renamed later, the stage is
 * no longer where the mapping points once the engine reads the job again
 * (it does not trust a pipeline read long ago). */
static void rename_stage_cached(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  engfx_approve(f, "early", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "early", ATSYNC_SYNCED, NULL);
  engfx_action(f, "rename_stage", "stage=%lld name=Phone~Interview",
               (long long)f->stages[1]);
  engfx_run(f, HOUR);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, "Phone Screen", "stage mapping",
                     NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Phone Screen", NULL);
  engfx_expect_people(f, "alice@example.com", 0);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "approved",
                                    "Phone Interview", err, sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  char st[128];
  assert_string_equal(engfx_ats_stage(f, "alice@example.com", st, sizeof st),
                      "Phone Interview");
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_people(f, "early@example.com", 1);
  engfx_free(f);
}
ENGFX_BOTH(rename_stage_cached)

/* ---- duplicates ---------------------------------------------------------------- */

/* The person exists in the ATS with the same email in another case: an
 * application is added to that person; no second person. */
static void existing_person(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  engfx_action(f, "add_candidate",
               "first_name=Alice last_name=Existing email=ALICE@Example.COM");
  engfx_approve(f, "alice", "alice@example.com");
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 0);
  engfx_expect_people(f, "alice@example.com", 1);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ENGFX_BOTH(existing_person)

/* The person exists under the candidate's second email only: found by it,
 * an application added; no second person. */
static void existing_second_email(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  engfx_action(f, "add_candidate",
               "first_name=Alice last_name=Existing "
               "email=Alice.Work@Corp.example");
  char err[256];
  struct atsync_candidate c = {.ref = "alice", .first = "Alice",
                               .last = "Tester",
                               .emails = {"alice@example.com",
                                          "alice.work@corp.example"},
                               .nemails = 2, .job = "backend"};
  assert_int_equal(atsync_approve(f->e, f->org, &c, NULL, err, sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 0);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_expect_people(f, "alice.work@corp.example", 1);
  engfx_expect_people(f, "alice@example.com", 0);
  engfx_expect_apps(f, "alice.work@corp.example", 1);
  char st[128];
  assert_string_equal(engfx_ats_stage(f, "alice.work@corp.example", st,
                                      sizeof st), "Phone Screen");
  engfx_expect_pending(f, 0);
  engfx_free(f);
}
ENGFX_BOTH(existing_second_email)

/* ... and already has an application on the job at its first stage: it is
 * moved, not duplicated. */
static void existing_application(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  engfx_action(f, "add_candidate",
               "first_name=Alice last_name=Existing email=Alice@Example.com "
               "job=4001");
  engfx_approve(f, "alice", "alice@example.com");
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 0);
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 0);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ENGFX_BOTH(existing_application)

/* Two candidates with the same email in another case, approved together:
 * their pushes never run at the same time (both would find nobody and both
 * create the person). The first creates the person, the second finds it
 * and its application: one person, one application, both synced to it. */
static void same_email(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  engfx_approve(f, "sam", "sam@example.com");
  engfx_approve(f, "sam2", "SAM@Example.COM");
  engfx_approve(f, "other", NULL); /* another email: goes as usual */
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "sam", ATSYNC_SYNCED, NULL);
  engfx_expect_cand(f, "sam2", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 2); /* sam, other */
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 0);
  engfx_expect_people(f, "sam@example.com", 1);
  engfx_expect_apps(f, "sam@example.com", 1);
  assert_int_equal(engfx_people_total(f), 2);
  struct atsync_candidate_info a = engfx_cand(f, "sam"),
                               b = engfx_cand(f, "sam2");
  assert_string_equal(a.ats_candidate_id, b.ats_candidate_id);
  assert_string_equal(a.ats_application_id, b.ats_application_id);
  assert_int_equal(engfx_log_count(f, "found", "found the person"), 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ENGFX_BOTH(same_email)

/* ---- the ATS refuses the data ------------------------------------------------- */

/* A phone is required: needs attention naming phone_numbers; the
 * recruiter adds a phone and it is delivered. */
static void required_field(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "required_field", "field=phone");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "phone_numbers", NULL);
  /* a data problem, not the link */
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_pending(f, 0);
  assert_int_equal(engfx_people_total(f), 0);
  size_t sent = engfx_journal(f, NULL, 0);
  engfx_run(f, HOUR); /* no blind retry */
  assert_int_equal(engfx_journal(f, NULL, 0), sent);
  engfx_update_phone(f, "alice", "+14155550123");
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(required_field)

/* A phone is required for job 4001 only: the person alone would be
 * accepted, the application not. The person goes with the application in
 * one call, so the refusal leaves nobody in the ATS (v3 as v1); the
 * recruiter adds a phone and the candidate is delivered exactly once. */
static void required_for_job(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "required_field", "field=phone job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "phone_numbers", NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_pending(f, 0);
  assert_int_equal(engfx_journal(f, gh->create, 422), 1);
  assert_int_equal(engfx_journal(f, gh->create, 0), 1);
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 0);
  assert_int_equal(engfx_people_total(f), 0);
  size_t sent = engfx_journal(f, NULL, 0);
  engfx_run(f, HOUR); /* a data problem: no blind retry, no re-check */
  assert_int_equal(engfx_journal(f, NULL, 0), sent);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_update_phone(f, "alice", "+14155550123");
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 201), 1);
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 0);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(required_for_job)

/* The phone must be E.164: "555-1234" is refused; +14155550123 goes. */
static void format_rule(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  int fid = engfx_fault(f, "format_rule", "field=phone rule=e164");
  approve_phone(f, "alice", NULL, "555-1234");
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "phone_numbers", NULL);
  struct atsync_candidate_info a = engfx_cand(f, "alice");
  if (strcasestr(a.ats_words, "E.164") == NULL)
    fail_msg("the ATS's words are not kept: '%s'", a.ats_words);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_pending(f, 0);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_update_phone(f, "alice", "+14155550123");
  engfx_settle(f, 10 * MIN);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}
ENGFX_BOTH(format_rule)

/* ---- a crash between the create and recording its id --------------------------- */

static bool create_held(struct engfx *f)
{
  return engfx_journal(f, NULL, -1) > 0;
}

static void crash_after_create(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  char path[64];
  snprintf(path, sizeof path, "/tmp/test_push_faults.%d.db", (int)getpid());
  struct engfx_opts o = {.auth = auth, .store = path};
  struct engfx *f = start_opts(&o);
  int fid = engfx_fault(f, "outage", "mode=hang commit=before route=%s",
                        engfx_sq(gh->create));
  engfx_approve(f, "alice", NULL);
  run_until(f, create_held, 20 * SEC, "the create to be held");
  engfx_expect_people(f, "alice@example.com", 1); /* applied, id not recorded */
  assert_true(engfx_cand(f, "alice").ats_candidate_id[0] == '\0');
  engfx_restart(f); /* the engine dies */
  engfx_clear(f, fid);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->create, 0), 1);
  engfx_expect_people(f, "alice@example.com", 1);
  engfx_expect_apps(f, "alice@example.com", 1);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ENGFX_BOTH(crash_after_create)

/* The engine restarts while a candidate is held by a closed job: the
 * 15-minute re-check goes on after the restart. */
static void reopen_after_restart(enum engfx_auth auth)
{
  char path[64];
  snprintf(path, sizeof path, "/tmp/test_push_faults.%d.db", (int)getpid());
  struct engfx_opts o = {.auth = auth, .store = path};
  struct engfx *f = start_opts(&o);
  engfx_action(f, "close_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "4001", NULL);
  engfx_restart(f);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, "4001", NULL);
  engfx_action(f, "reopen_job", "job=4001");
  run_until(f, engfx_all_synced, ENGFX_RECHECK_MS + 2 * MIN,
            "the re-check after a restart");
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_delivered(f, "Phone Screen");
  engfx_free(f);
}
ENGFX_BOTH(reopen_after_restart)

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
#define T2(fn) cmocka_unit_test(test_##fn##_v3), cmocka_unit_test(test_##fn##_v1)
  const struct CMUnitTest tests[] = {
      T2(rate_limit_storm),
      T2(rate_limit_create),
      cmocka_unit_test(test_retry_after_epoch),
      T2(vendor_burst),
      T2(outage_503),
      T2(outage_503_requests),
      T2(outage_500),
      T2(outage_refused),
      T2(outage_hang),
      T2(outage_slow),
      T2(outage_truncated),
      T2(outage_malformed),
      T2(outage_reset),
      T2(outage_retry_after),
      T2(create_reset),
      T2(create_truncated),
      T2(create_malformed),
      T2(create_503),
      T2(create_500),
      T2(create_hang),
      T2(add_app_reset),
      T2(move_reset),
      T2(async_create),
      T2(async_create_slow),
      T2(async_create_restart),
      cmocka_unit_test(test_expire_tokens),
      cmocka_unit_test(test_expire_tokens_client),
      cmocka_unit_test(test_expire_tokens_silent),
      cmocka_unit_test(test_token_outage),
      cmocka_unit_test(test_token_hang),
      cmocka_unit_test(test_connect_outage),
      cmocka_unit_test(test_idle_days),
      cmocka_unit_test(test_refresh_answer_lost),
      cmocka_unit_test(test_revoke_client),
      cmocka_unit_test(test_revoke_client_cc),
      cmocka_unit_test(test_revoke_refresh_token),
      cmocka_unit_test(test_revoke_api_key),
      cmocka_unit_test(test_remove_scope),
      cmocka_unit_test(test_remove_scope_apps),
      cmocka_unit_test(test_remove_scope_list),
      cmocka_unit_test(test_remove_scope_client),
      cmocka_unit_test(test_remove_permission),
      cmocka_unit_test(test_remove_permission_read),
      cmocka_unit_test(test_permission_restart),
      T2(deactivate_user),
      T2(close_job),
      T2(close_job_cached),
      T2(delete_job),
      T2(delete_job_cached),
      T2(remove_stage),
      T2(remove_stage_cached),
      T2(reopen_job),
      T2(add_stage_back),
      T2(rename_stage),
      T2(rename_stage_cached),
      T2(existing_person),
      T2(existing_second_email),
      T2(existing_application),
      T2(same_email),
      T2(required_field),
      T2(required_for_job),
      T2(format_rule),
      T2(crash_after_create),
      T2(reopen_after_restart),
  };
  int rc = cmocka_run_group_tests_name("push faults", tests, NULL, NULL);
  rc |= cmocka_run_group_tests_name("push faults, sim latency on", tests,
                                    latency_on, NULL);
  curl_global_cleanup();
  return rc;
}
