/* test_workable_push.c — the engine with the Workable connector against the
 * fake Workable on a virtual clock: the healthy path (account token and
 * OAuth), Workable's per-job candidates and duplicates, credentials
 * (refreshes racing, a refresh answer without refresh token), 429s and
 * outages, an unknown create, mapping and data problems, and the status
 * pull by poll and by signed webhook. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engfx.h"
#include "tclient.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

#define CREATE "POST /spi/v3/jobs/{shortcode}/candidates"
#define MOVE "POST /spi/v3/candidates/{id}/move"

static struct engfx *start(enum engfx_auth auth, bool webhooks, int64_t poll)
{
  struct engfx_opts o = {.ats = "workable", .auth = auth, .latency = true,
                         .rate_limit = -1, .webhooks = webhooks,
                         .poll_ms = poll};
  return engfx_new(&o);
}

static const char *kv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *kv(const char *fmt, ...)
{
  static char buf[8][512];
  static int i;
  char *b = buf[i++ % 8];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, 512, fmt, ap);
  va_end(ap);
  return b;
}

static void action(struct engfx *f, const char *name, const char *kvs)
{
  cJSON_Delete(fx_action(f->fx, name, kvs));
}

static size_t journal(struct engfx *f, const char *route, int status)
{
  return sim_journal_count(f->fx->sim, route, status);
}

static void expect_cand(struct engfx *f, const char *ref, enum atsync_sync s,
                        const char *needle)
{
  struct atsync_candidate_info c = engfx_cand(f, ref);
  if (c.sync != s || (needle && !strstr(c.error, needle)))
    fail_msg("%s: %s (want %s): %s", ref, atsync_sync_name(c.sync),
             atsync_sync_name(s), c.error);
}

static void expect_state(struct engfx *f, enum atsync_state s,
                         const char *needle)
{
  char why[600];
  enum atsync_state got = engfx_state(f, why, sizeof why);
  if (got != s || (needle && !strstr(why, needle)))
    fail_msg("connection: %s (want %s): %s", atsync_state_name(got),
             atsync_state_name(s), why);
}

/* The model id behind a Workable candidate id (lower-case hex). */
static long long model_app(struct engfx *f, const char *ref)
{
  struct atsync_candidate_info c = engfx_cand(f, ref);
  assert_true(c.ats_application_id[0] != '\0');
  return strtoll(c.ats_application_id, NULL, 16);
}

static int64_t wait_status(struct engfx *f, const char *ref, const char *want,
                           int64_t limit)
{
  for (int64_t t = 0; t <= limit; t += 250) {
    if (strcmp(engfx_cand(f, ref).status, want) == 0)
      return t;
    engfx_run(f, 250);
  }
  return -1;
}

struct logfind {
  const char *text;
  int hits;
};

static void find_log(void *ud, const struct atsync_log_entry *l)
{
  struct logfind *x = ud;
  if (strstr(l->message, x->text))
    x->hits++;
}

static int log_has(struct engfx *f, const char *text)
{
  struct logfind x = {text, 0};
  atsync_log(f->e, f->org, 0, find_log, &x);
  return x.hits;
}

/* ---- the healthy path ---------------------------------------------------------------- */

/* Approvals are Workable candidates on the mapped job, created straight
 * into the mapped stage (?stage=slug: no move), each exactly once. */
static void healthy(enum engfx_auth auth)
{
  struct engfx *f = start(auth, false, 0);
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", "Bob@Example.com");
  int64_t took = engfx_settle(f, MIN);
  print_message("settled in %lld ms of virtual time\n", (long long)took);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(journal(f, CREATE, 201), 2);
  assert_int_equal(journal(f, MOVE, 0), 0);
  /* the candidate is the application */
  struct atsync_candidate_info a = engfx_cand(f, "alice");
  assert_string_equal(a.ats_candidate_id, a.ats_application_id);
  assert_string_equal(a.ats_stage, "Phone Screen");
  assert_true(took < 10 * SEC);
  engfx_free(f);
}

static void test_healthy_token(void **state)
{
  (void)state;
  healthy(ENGFX_V1_KEY);
}

static void test_healthy_oauth(void **state)
{
  (void)state;
  healthy(ENGFX_V3_CODE);
}

/* Workable has no client-credentials grant; an account token without the
 * acting member is refused at connect, with what to give. */
static void test_credentials_rules(void **state)
{
  (void)state;
  struct engfx_opts o = {.ats = "workable", .no_connect = true};
  struct engfx *f = engfx_new(&o);
  char err[512];
  struct atsync_credentials cr = {.kind = "workable", .base_url = f->fx->base,
                                  .auth = ATSYNC_AUTH_CLIENT_CREDENTIALS,
                                  .client_id = "x", .client_secret = "y"};
  assert_int_not_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  assert_non_null(strstr(err, "no client-credentials grant"));
  struct atsync_credentials key = {.kind = "workable", .base_url = f->fx->base,
                                   .auth = ATSYNC_AUTH_API_KEY,
                                   .api_key = "tok"};
  assert_int_not_equal(atsync_connect(f->e, f->org, &key, err, sizeof err), 0);
  assert_non_null(strstr(err, "member"));
  key.on_behalf_of = "Not A Member";
  assert_int_not_equal(atsync_connect(f->e, f->org, &key, err, sizeof err), 0);
  assert_non_null(strstr(err, "lower-case hex"));
  engfx_free(f);
}

/* ---- duplicates ------------------------------------------------------------------------ */

/* The person is already a candidate of the job (another case of the
 * email, an earlier stage): found by email on the job, moved by the
 * acting member, never created again. */
static void test_existing_candidate_on_job(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  action(f, "add_candidate", kv("first_name=Alice last_name=Tester "
                                "email=ALICE@example.com job=4001 stage=%lld",
                                (long long)f->stages[0]));
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(journal(f, CREATE, 0), 0);
  assert_int_equal(journal(f, MOVE, 202), 1);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_free(f);
}

/* The person is a candidate of another job: in Workable a candidate is
 * per job, so this job gets its own candidate record (a new Workable id);
 * the fake keeps one person with two applications: no second person. */
static void test_person_on_another_job(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  action(f, "add_job", "id=4002 name=Frontend stages=Applied|Interview");
  cJSON *p = fx_action(f->fx, "add_candidate",
                       "first_name=Alice last_name=Tester "
                       "email=alice@example.com job=4002");
  long long other = (long long)fx_id(p, "application_id");
  cJSON_Delete(p);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(journal(f, CREATE, 201), 1);
  assert_int_equal(engfx_people_total(f), 1);
  assert_true(model_app(f, "alice") != other);
  engfx_free(f);
}

/* ---- credentials ------------------------------------------------------------------------ */

/* The OAuth access token expires: refreshed on the 401 (a new pair), no
 * word to the user, delivered. */
static void test_expired_token_refreshed(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V3_CODE, false, 0);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  size_t tokens = journal(f, "POST /oauth/token", 200);
  action(f, "expire_tokens", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_settle(f, MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_cand(f, "bob").attempts, 0);
  assert_true(journal(f, "/spi/v3/*", 401) >= 1);
  assert_int_equal(journal(f, "POST /oauth/token", 200), tokens + 1);
  engfx_check_exactly_once(f, "Phone Screen");
  /* the rotated refresh token works: once more */
  action(f, "expire_tokens", NULL);
  engfx_approve(f, "cy", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "cy", ATSYNC_SYNCED, NULL);
  assert_int_equal(journal(f, "POST /oauth/token", 400), 0);
  engfx_free(f);
}

/* Journal entries after 'mark' on 'route' ('status' 0 = any). */
static size_t journal_since(struct engfx *f, uint64_t mark, const char *route,
                            int status)
{
  static struct sim_journal_entry j[4096];
  size_t n = sim_journal_read(f->fx->sim, mark, j, 4096), k = 0;
  for (size_t i = 0; i < n; i++)
    k += sim_journal_match(&j[i], route) && (!status || j[i].status == status);
  return k;
}

struct race {
  size_t denied; /* API calls refused (401) */
  size_t late;   /* of those, answered after the refresh was: sent with the
                    old token, refused when the new one was there */
};

/* The 401s on the SPI after 'mark', measured against the first token
 * answer after it. */
static struct race race_seen(struct engfx *f, uint64_t mark)
{
  static struct sim_journal_entry j[4096];
  size_t n = sim_journal_read(f->fx->sim, mark, j, 4096);
  int64_t refreshed = INT64_MAX;
  for (size_t i = 0; i < n && refreshed == INT64_MAX; i++)
    if (sim_journal_match(&j[i], "POST /oauth/token"))
      refreshed = j[i].sent;
  struct race r = {0, 0};
  for (size_t i = 0; i < n; i++) {
    if (!sim_journal_match(&j[i], "/spi/v3/*") || j[i].status != 401)
      continue;
    r.denied++;
    r.late += j[i].sent > refreshed;
  }
  return r;
}

/* Refreshes racing: the access token dies under five approvals at the
 * same instant. Their lookups meet 401s together, and one of them (held
 * 2 s) is refused only after the refresh has answered: refreshing again
 * for it would be one refresh too many. One refresh (single flight)
 * serves them all. */
static void test_racing_refreshes(void **state)
{
  (void)state;
  static const char *const refs[] = {"ann", "ben", "cat", "dan", "eve"};
  struct engfx *f = start(ENGFX_V3_CODE, false, 0);
  engfx_approve(f, "early", NULL); /* the job is read and cached */
  engfx_settle(f, MIN);
  uint64_t mark = sim_journal_last(f->fx->sim);
  action(f, "expire_tokens", NULL);
  int fid = fx_fault(f->fx, "outage", "mode=slow delay=2s count=1 "
                                      "route=GET~/spi/v3/candidates");
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    engfx_approve(f, refs[i], NULL);
  engfx_settle(f, 5 * MIN);
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    expect_cand(f, refs[i], ATSYNC_SYNCED, NULL);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  /* the race happened: several calls met the dead token, one of them
   * after the new token had come ... */
  struct race r = race_seen(f, mark);
  if (r.denied < 2 || r.late < 1)
    fail_msg("no race: %zu call(s) met the dead token, %zu late", r.denied,
             r.late);
  /* ... and one refresh answered them all, none refused */
  assert_int_equal(journal_since(f, mark, "POST /oauth/token", 200), 1);
  assert_int_equal(journal_since(f, mark, "POST /oauth/token", 0), 1);
  assert_int_equal(journal(f, "POST /oauth/token", 400), 0);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_free(f);
}

/* A code exchange, then a refresh, by hand: the refresh answer has no
 * refresh_token and the same refresh token works again. */
static void expect_bare_refresh(struct engfx *f)
{
  struct sim_kv kv[] = {{"client", f->fx->client_cred}};
  cJSON *c = NULL;
  char err[256], form[512];
  assert_int_equal(sim_credential_add(f->fx->sim, "authorization_code", kv,
                                      1, &c, err, sizeof err), 0);
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s",
           cJSON_GetStringValue(cJSON_GetObjectItem(c, "code")));
  cJSON_Delete(c);
  struct tc_resp r = fx_token(f->fx, form);
  assert_int_equal(r.status, 200);
  cJSON *t = fx_json(&r);
  const char *rt = cJSON_GetStringValue(cJSON_GetObjectItem(t, "refresh_token"));
  assert_non_null(rt);
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s", rt);
  cJSON_Delete(t);
  tc_free(&r);
  for (int i = 0; i < 2; i++) {
    r = fx_token(f->fx, form);
    assert_int_equal(r.status, 200);
    t = fx_json(&r);
    assert_non_null(cJSON_GetObjectItem(t, "access_token"));
    assert_null(cJSON_GetObjectItem(t, "refresh_token"));
    cJSON_Delete(t);
    tc_free(&r);
  }
}

/* The refresh answer omits the refresh token (refresh_token_in_refresh
 * off): the engine keeps the old one, which refreshes again, also after
 * a restart (it was kept in the store). */
static void test_refresh_omits_refresh_token(void **state)
{
  (void)state;
  char path[64], err[256];
  snprintf(path, sizeof path, "/tmp/test_workable_push.%d.db", (int)getpid());
  struct engfx_opts o = {.ats = "workable", .auth = ENGFX_V3_CODE,
                         .latency = true, .rate_limit = -1, .store = path};
  struct engfx *f = engfx_new(&o);
  assert_int_equal(sim_setting(f->fx->sim, "refresh_token_in_refresh", "off",
                               err, sizeof err), 0);
  engfx_run(f, 5 * SEC); /* the engine's code is exchanged */
  expect_bare_refresh(f);
  static const char *const refs[] = {"ann", "ben", "cat"};
  for (int round = 0; round < 3; round++) {
    if (round == 2)
      engfx_restart(f);
    uint64_t mark = sim_journal_last(f->fx->sim);
    action(f, "expire_tokens", NULL);
    engfx_approve(f, refs[round], NULL);
    engfx_settle(f, 5 * MIN);
    expect_cand(f, refs[round], ATSYNC_SYNCED, NULL);
    expect_state(f, ATSYNC_CONNECTED, NULL);
    assert_int_equal(journal_since(f, mark, "POST /oauth/token", 200), 1);
    assert_int_equal(journal_since(f, mark, "POST /oauth/token", 0), 1);
  }
  assert_int_equal(journal(f, "POST /oauth/token", 400), 0);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The account token is revoked: disconnected with Workable's fix; the
 * queue waits; a new token delivers once. */
static void test_revoked_token(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  cJSON *a = sim_credentials_json(f->fx->sim);
  char key[64] = "";
  const cJSON *c;
  cJSON_ArrayForEach(c, a)
  {
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(c, "type"));
    if (t && strcmp(t, "api_key") == 0)
      snprintf(key, sizeof key, "%s",
               cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")));
  }
  cJSON_Delete(a);
  action(f, "revoke_api_key", kv("credential=%s", key));
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  expect_state(f, ATSYNC_DISCONNECTED, "Workable rejected the API access token");
  expect_state(f, ATSYNC_DISCONNECTED, "Settings > Integrations > Apps");
  expect_cand(f, "alice", ATSYNC_WAITING, "reconnect");
  assert_int_equal(engfx_people_total(f), 0);
  engfx_connect(f, ENGFX_V1_KEY);
  engfx_settle(f, 10 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The OAuth grant is revoked: disconnected (invalid_grant), reconnect. */
static void test_revoked_grant(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V3_CODE, false, 0);
  engfx_settle(f, 10 * SEC);
  action(f, "revoke_refresh_token", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  expect_state(f, ATSYNC_DISCONNECTED, "reconnect");
  expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  engfx_connect(f, ENGFX_V3_CODE);
  engfx_settle(f, 10 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

static void key_id(struct engfx *f, char *key, size_t len)
{
  cJSON *a = sim_credentials_json(f->fx->sim);
  const cJSON *c;
  cJSON_ArrayForEach(c, a)
  {
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(c, "type"));
    if (t && strcmp(t, "api_key") == 0)
      snprintf(key, len, "%s",
               cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")));
  }
  cJSON_Delete(a);
  assert_true(key[0] != '\0');
}

/* The account token lacks w_candidates (403 in the fake): permission
 * missing, naming the scope and where a Workable admin makes a token with
 * it; granted, the probe delivers. */
static void test_token_scope_missing(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  char key[64] = "";
  key_id(f, key, sizeof key);
  action(f, "remove_permission", kv("credential=%s permission=w_candidates", key));
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  expect_state(f, ATSYNC_PERMISSION_MISSING, "w_candidates");
  expect_state(f, ATSYNC_PERMISSION_MISSING, "Settings > Integrations > Apps");
  expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  assert_int_equal(engfx_people_total(f), 0);
  action(f, "grant_permission", kv("credential=%s permission=w_candidates", key));
  engfx_settle(f, 30 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The acting member is deactivated: a move is refused (422 member_id),
 * read as the acting user missing; the candidate waits. */
static void test_member_deactivated(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  action(f, "add_candidate", kv("first_name=Alice last_name=Tester "
                                "email=alice@example.com job=4001 stage=%lld",
                                (long long)f->stages[0]));
  action(f, "deactivate_user", "user=4000001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  expect_state(f, ATSYNC_PERMISSION_MISSING, "refused to act as");
  expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  action(f, "reactivate_user", "user=4000001");
  engfx_settle(f, 30 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* ---- 429s and outages ---------------------------------------------------------------- */

/* A 429 storm (X-Rate-Limit-Reset, no Retry-After): throttled, then every
 * approval delivered once. */
static void test_429_storm(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  int rl = fx_fault(f->fx, "rate_limit", "limit=0 window=10s for=2m route=/spi/v3/*");
  for (int i = 0; i < 8; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "p%d", i);
    engfx_approve(f, ref, NULL);
  }
  engfx_run(f, 30 * SEC);
  expect_state(f, ATSYNC_THROTTLED, NULL);
  assert_true(journal(f, "/spi/v3/*", 429) >= 1);
  engfx_settle(f, HOUR);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(journal(f, CREATE, 201), 8);
  assert_int_equal(engfx_people_total(f), 8);
  (void)sim_fault_clear(f->fx->sim, rl);
  engfx_free(f);
}

/* A burst at Workable's own limit (10 / 10 s for an account token): paced
 * from the X-Rate-Limit-* headers. */
static void test_burst_paced(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  for (int i = 0; i < 30; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "b%d", i);
    engfx_approve(f, ref, NULL);
  }
  engfx_settle(f, HOUR);
  engfx_check_exactly_once(f, "Phone Screen");
  size_t r429 = journal(f, "/spi/v3/*", 429);
  print_message("%zu answers were 429\n", r429);
  assert_true(r429 <= 2);
  engfx_free(f);
}

/* Workable is down (503) for 5 minutes: ats_unavailable, then delivered. */
static void test_outage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  int out = fx_fault(f->fx, "outage", "mode=503 for=5m route=/spi/v3/*");
  engfx_approve(f, "alice", NULL);
  engfx_run(f, MIN);
  expect_state(f, ATSYNC_ATS_UNAVAILABLE, "503");
  engfx_settle(f, HOUR);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  (void)sim_fault_clear(f->fx->sim, out);
  engfx_free(f);
}

/* The create is applied but its answer is lost (a reset): the outcome is
 * unknown, the engine finds the candidate by email on the job, and never
 * creates it twice. */
static void test_unknown_create(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  int fid = fx_fault(f->fx, "outage",
                     "mode=reset commit=before count=1 route=" "POST~/spi/v3/jobs/{shortcode}/candidates");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, HOUR);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(journal(f, CREATE, 0), 1); /* one create sent, ever */
  assert_true(log_has(f, "outcome of the create request is unknown") >= 1);
  assert_true(log_has(f, "Found the person in Workable") >= 1);
  assert_int_equal(engfx_people_total(f), 1);
  (void)sim_fault_clear(f->fx->sim, fid);
  engfx_free(f);
}

/* ---- mapping and data -------------------------------------------------------------------- */

/* The job is closed in Workable: needs attention, misconfigured; reopened,
 * the 15-minute re-check delivers. */
static void test_closed_job(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  action(f, "close_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "closed");
  expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  assert_int_equal(engfx_people_total(f), 0);
  action(f, "reopen_job", "job=4001");
  engfx_run(f, 20 * MIN);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The mapped stage is removed: needs attention naming the mapping; mapped
 * to another stage, delivered there. */
static void test_removed_stage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  action(f, "remove_stage", kv("stage=%lld", (long long)f->stages[1]));
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Stage mapping");
  expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "approved", "Onsite", err,
                                    sizeof err), 0);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Onsite");
  engfx_free(f);
}

/* Workable requires a phone for this job: needs attention naming it;
 * with the phone added, delivered. */
static void test_required_field(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  fx_fault(f->fx, "required_field", "field=phone");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "phone");
  assert_int_equal(engfx_people_total(f), 0);
  char err[256];
  struct atsync_candidate patch = {.phone = "+14155550100"};
  assert_int_equal(atsync_update(f->e, f->org, "alice", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* ---- the status pull ----------------------------------------------------------------- */

/* Without webhooks: a move, a disqualification and a hire in Workable
 * come back by the poll (one interval). */
static void test_pull_by_poll(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, MIN);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "onsite", "Onsite", err,
                                    sizeof err), 0);
  engfx_approve(f, "ada", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "ada", ATSYNC_SYNCED, NULL);
  long long app = model_app(f, "ada");
  action(f, "move_application", kv("application=%lld stage=%lld", app,
                                   (long long)f->stages[2]));
  int64_t took = wait_status(f, "ada", "onsite", 3 * MIN);
  assert_true(took >= 0 && took <= MIN + 5 * SEC);
  assert_string_equal(engfx_cand(f, "ada").ats_stage, "Onsite");
  action(f, "reject_application", kv("application=%lld", app));
  assert_true(wait_status(f, "ada", "rejected", 3 * MIN) >= 0);
  action(f, "unreject_application", kv("application=%lld", app));
  assert_true(wait_status(f, "ada", "onsite", 3 * MIN) >= 0);
  action(f, "hire_application", kv("application=%lld", app));
  assert_true(wait_status(f, "ada", "hired", 3 * MIN) >= 0);
  engfx_free(f);
}

/* With webhooks (polling off): a move and a hire come back within
 * seconds by the signed candidate_moved delivery. */
static void test_pull_by_webhook(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, true, -1);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "onsite", "Onsite", err,
                                    sizeof err), 0);
  engfx_approve(f, "ada", NULL);
  engfx_settle(f, MIN);
  expect_cand(f, "ada", ATSYNC_SYNCED, NULL);
  long long app = model_app(f, "ada");
  action(f, "move_application", kv("application=%lld stage=%lld", app,
                                   (long long)f->stages[2]));
  int64_t took = wait_status(f, "ada", "onsite", MIN);
  print_message("the move came back in %lld ms\n", (long long)took);
  assert_true(took >= 0 && took <= 10 * SEC);
  action(f, "hire_application", kv("application=%lld", app));
  took = wait_status(f, "ada", "hired", MIN);
  assert_true(took >= 0 && took <= 10 * SEC);
  struct atsync_connection st;
  atsync_connection(f->e, f->org, &st);
  assert_true(st.webhooks);
  assert_int_equal(st.webhooks_rejected, 0);
  engfx_free(f);
}

static void sign_hex(const char *body, const char *secret, char *hdr,
                     size_t len)
{
  unsigned char mac[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret),
       (const unsigned char *)body, strlen(body), mac, &n);
  int o = snprintf(hdr, len, "X-Workable-Signature: ");
  for (unsigned i = 0; i < n; i++)
    o += snprintf(hdr + o, len - (size_t)o, "%02x", mac[i]);
}

/* A delivery signed with another key, or unsigned, is refused (401) and
 * changes nothing; the same body signed with the secret is accepted and
 * read back from Workable (what the ATS shows, not what the body says). */
static void test_bad_signature_refused(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, true, -1);
  engfx_approve(f, "ada", NULL);
  engfx_settle(f, MIN);
  struct atsync_candidate_info c = engfx_cand(f, "ada");
  char body[400], sig[160];
  snprintf(body, sizeof body,
           "{\"id\":\"%s\",\"job\":{\"shortcode\":\"%s\"},\"stage\":\"Offer\","
           "\"disqualified\":false,\"updated_at\":\"2030-01-01T00:00:00Z\"}",
           c.ats_application_id, f->job_id);
  sign_hex(body, "not-the-secret", sig, sizeof sig);
  struct tc_opts o = {.extra = {sig}};
  struct tc_resp r = tc_do(f->fx->loop, "POST", f->webhook_url, body, &o);
  assert_int_equal(r.status, 401);
  tc_free(&r);
  struct tc_opts none = {0};
  r = tc_do(f->fx->loop, "POST", f->webhook_url, body, &none);
  assert_int_equal(r.status, 401);
  tc_free(&r);
  engfx_run(f, 10 * SEC);
  c = engfx_cand(f, "ada");
  assert_string_equal(c.ats_stage, "Phone Screen");
  struct atsync_connection st;
  atsync_connection(f->e, f->org, &st);
  assert_true(st.webhooks_rejected >= 2);
  /* signed: accepted, and the read shows Phone Screen (the body lied) */
  sign_hex(body, ENGFX_WEBHOOK_SECRET, sig, sizeof sig);
  r = tc_do(f->fx->loop, "POST", f->webhook_url, body, &o);
  assert_int_equal(r.status, 200);
  tc_free(&r);
  engfx_run(f, 10 * SEC);
  assert_string_equal(engfx_cand(f, "ada").ats_stage, "Phone Screen");
  /* the fake's own deliveries with a wrong key are refused too */
  fx_fault(f->fx, "webhook_bad_signature", "");
  action(f, "move_application", kv("application=%lld stage=%lld",
                                   model_app(f, "ada"),
                                   (long long)f->stages[2]));
  engfx_run(f, 10 * SEC);
  assert_string_equal(engfx_cand(f, "ada").ats_stage, "Phone Screen");
  engfx_free(f);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_healthy_token),
      cmocka_unit_test(test_healthy_oauth),
      cmocka_unit_test(test_credentials_rules),
      cmocka_unit_test(test_existing_candidate_on_job),
      cmocka_unit_test(test_person_on_another_job),
      cmocka_unit_test(test_expired_token_refreshed),
      cmocka_unit_test(test_racing_refreshes),
      cmocka_unit_test(test_refresh_omits_refresh_token),
      cmocka_unit_test(test_revoked_token),
      cmocka_unit_test(test_revoked_grant),
      cmocka_unit_test(test_token_scope_missing),
      cmocka_unit_test(test_member_deactivated),
      cmocka_unit_test(test_429_storm),
      cmocka_unit_test(test_burst_paced),
      cmocka_unit_test(test_outage),
      cmocka_unit_test(test_unknown_create),
      cmocka_unit_test(test_closed_job),
      cmocka_unit_test(test_removed_stage),
      cmocka_unit_test(test_required_field),
      cmocka_unit_test(test_pull_by_poll),
      cmocka_unit_test(test_pull_by_webhook),
      cmocka_unit_test(test_bad_signature_refused),
  };
  int rc = cmocka_run_group_tests_name("workable_push", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
