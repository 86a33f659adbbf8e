/* test_lever_push.c — the engine and the Lever connector against the fake
 * Lever on a virtual clock: the healthy path (API key + perform_as, and the
 * OAuth code flow), Lever's own e-mail dedupe, token refresh (refreshes
 * racing, an answer without refresh token), revoked credentials, 429s, an
 * outage, an unknown create outcome, a closed posting, a removed stage, a
 * required field, and the status pull by poll and by signed webhooks. */
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

#include "engfx.h"
#include "tclient.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define CREATE_ROUTE "POST /v1/opportunities"

static struct engfx *start(enum engfx_auth auth, bool webhooks, int64_t poll)
{
  struct engfx_opts o = {.ats = "lever", .auth = auth, .latency = true,
                         .rate_limit = -1, .webhooks = webhooks,
                         .poll_ms = poll};
  return engfx_new(&o);
}

static void expect_cand(struct engfx *f, const char *ref,
                        enum atsync_sync want, const char *text)
{
  struct atsync_candidate_info c = engfx_cand(f, ref);
  if (c.sync != want || (text && !strstr(c.error, text)))
    fail_msg("%s: want %s%s%s, got %s: %s", ref, atsync_sync_name(want),
             text ? " with " : "", text ? text : "", atsync_sync_name(c.sync),
             c.error);
}

static void expect_state(struct engfx *f, enum atsync_state want,
                         const char *text)
{
  char reason[600];
  enum atsync_state s = engfx_state(f, reason, sizeof reason);
  if (s != want || (text && !strstr(reason, text)))
    fail_msg("want state %d%s%s, got %d: %s", (int)want, text ? " with " : "",
             text ? text : "", (int)s, reason);
}

static size_t journal(struct engfx *f, const char *route, int status)
{
  return sim_journal_count(f->fx->sim, route, status);
}

/* The model id inside a Lever wire id (its last group, in hex). */
static long long model_id(const char *wire)
{
  const char *dash = strrchr(wire, '-');
  return strtoll(dash ? dash + 1 : wire, NULL, 16);
}

static void act(struct engfx *f, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void act(struct engfx *f, const char *action, const char *fmt, ...)
{
  char kv[256] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(kv, sizeof kv, fmt, ap);
  va_end(ap);
  cJSON_Delete(fx_action(f->fx, action, kv[0] ? kv : NULL));
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

/* ---- push ------------------------------------------------------------------ */

static void healthy(enum engfx_auth auth)
{
  struct engfx *f = start(auth, false, 0);
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", "Bob@Example.com");
  int64_t took = engfx_settle(f, 60 * SEC);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_true(took < 5 * SEC);
  /* one create each, with the stage: no move */
  assert_int_equal(journal(f, CREATE_ROUTE, 201), 2);
  assert_int_equal(journal(f, "PUT /v1/opportunities/{id}/stage", 0), 0);
  struct atsync_candidate_info a = engfx_cand(f, "alice");
  assert_int_equal(strlen(a.ats_application_id), 36); /* a UUID */
  engfx_free(f);
}

static void test_healthy_key(void **state)
{
  (void)state;
  healthy(ENGFX_V1_KEY);
}

static void test_healthy_oauth(void **state)
{
  (void)state;
  healthy(ENGFX_V3_CODE);
}

/* The person is in Lever already (same e-mail, another posting): no
 * second person; Lever attaches the new opportunity to the contact. */
static void test_existing_person(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  cJSON_Delete(fx_action(f->fx, "add_job", "id=4002 name=Other "
                                           "stages=Application~Review"));
  cJSON_Delete(fx_action(f->fx, "add_candidate",
                         "first_name=Alice last_name=Tester "
                         "email=alice@example.com job=4002"));
  engfx_approve(f, "alice", "ALICE@example.com");
  engfx_settle(f, 60 * SEC);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_people(f, "alice@example.com"), 1);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The access token expires: refreshed silently, delivered. */
static void test_expired_token_refreshed(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V3_CODE, false, 0);
  engfx_approve(f, "early", NULL);
  engfx_settle(f, 60 * SEC);
  act(f, "expire_tokens", "%s", "");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_true(journal(f, "POST /oauth/token", 200) >= 2);
  engfx_check_exactly_once(f, "Phone Screen");
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

/* The 401s on 'api' after 'mark', measured against the first token
 * answer after it. */
static struct race race_seen(struct engfx *f, uint64_t mark, const char *api)
{
  static struct sim_journal_entry j[4096];
  size_t n = sim_journal_read(f->fx->sim, mark, j, 4096);
  int64_t refreshed = INT64_MAX;
  for (size_t i = 0; i < n && refreshed == INT64_MAX; i++)
    if (sim_journal_match(&j[i], "POST /oauth/token"))
      refreshed = j[i].sent;
  struct race r = {0, 0};
  for (size_t i = 0; i < n; i++) {
    if (!sim_journal_match(&j[i], api) || j[i].status != 401)
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
  engfx_settle(f, 60 * SEC);
  uint64_t mark = sim_journal_last(f->fx->sim);
  act(f, "expire_tokens", "%s", "");
  int fid = fx_fault(f->fx, "outage", "mode=slow delay=2s count=1 "
                                      "route=GET~/v1/opportunities");
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    engfx_approve(f, refs[i], NULL);
  engfx_settle(f, 5 * MIN);
  for (size_t i = 0; i < sizeof refs / sizeof *refs; i++)
    expect_cand(f, refs[i], ATSYNC_SYNCED, NULL);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  /* the race happened: several calls met the dead token, one of them
   * after the new token had come ... */
  struct race r = race_seen(f, mark, "/v1/*");
  if (r.denied < 2 || r.late < 1)
    fail_msg("no race: %zu call(s) met the dead token, %zu late", r.denied,
             r.late);
  /* ... and one refresh answered them all, none refused */
  assert_int_equal(journal_since(f, mark, "POST /oauth/token", 200), 1);
  assert_int_equal(journal_since(f, mark, "POST /oauth/token", 0), 1);
  assert_int_equal(journal(f, "POST /oauth/token", 403), 0);
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
  snprintf(path, sizeof path, "/tmp/test_lever_push.%d.db", (int)getpid());
  struct engfx_opts o = {.ats = "lever", .auth = ENGFX_V3_CODE,
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
    act(f, "expire_tokens", "%s", "");
    engfx_approve(f, refs[round], NULL);
    engfx_settle(f, 5 * MIN);
    expect_cand(f, refs[round], ATSYNC_SYNCED, NULL);
    expect_state(f, ATSYNC_CONNECTED, NULL);
    assert_int_equal(journal_since(f, mark, "POST /oauth/token", 200), 1);
    assert_int_equal(journal_since(f, mark, "POST /oauth/token", 0), 1);
  }
  assert_int_equal(journal(f, "POST /oauth/token", 403), 0);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* A revoked key: disconnected with Lever's fix; a new key delivers. */
static void test_revoked_key(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  cJSON *creds = sim_credentials_json(f->fx->sim);
  char key[64] = "";
  const cJSON *c;
  cJSON_ArrayForEach(c, creds)
  {
    const char *t = cJSON_GetStringValue(cJSON_GetObjectItem(c, "type"));
    if (t && strcmp(t, "api_key") == 0)
      snprintf(key, sizeof key, "%s",
               cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")));
  }
  cJSON_Delete(creds);
  act(f, "revoke_api_key", "credential=%s", key);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_DISCONNECTED, "Lever rejected the API key");
  expect_state(f, ATSYNC_DISCONNECTED, "API Credentials");
  expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  engfx_connect(f, ENGFX_V1_KEY);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* A revoked OAuth grant: disconnected (invalid_grant), reconnect. */
static void test_revoked_grant(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V3_CODE, false, 0);
  engfx_run(f, 5 * SEC); /* the code is exchanged */
  act(f, "revoke_refresh_token", "%s", "");
  act(f, "expire_tokens", "%s", "");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_DISCONNECTED, "reconnect");
  expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  engfx_connect(f, ENGFX_V3_CODE);
  engfx_settle(f, 5 * MIN);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* A 429 storm: throttled, then delivered, nobody twice. */
static void test_429_storm(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  int fid = fx_fault(f->fx, "rate_limit", "limit=0 window=20s for=60s "
                                          "route=/v*");
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_run(f, 10 * SEC);
  expect_state(f, ATSYNC_THROTTLED, NULL);
  engfx_settle(f, 10 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_true(journal(f, NULL, 429) >= 1);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_free(f);
}

/* An outage: ats_unavailable, then delivered once. */
static void test_outage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  int fid = fx_fault(f->fx, "outage", "mode=503 for=4m route=/v*");
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 30 * SEC);
  expect_state(f, ATSYNC_ATS_UNAVAILABLE, NULL);
  engfx_settle(f, 20 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_free(f);
}

/* The create is applied but its answer lost: read back, never twice. */
static void test_unknown_create(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  int fid = fx_fault(f->fx, "outage", "mode=reset commit=before count=1 "
                                      "route=POST~/v1/opportunities");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_people(f, "alice@example.com"), 1);
  /* the next run found the opportunity: one create only */
  assert_int_equal(journal(f, CREATE_ROUTE, 201), 0);
  assert_int_equal(journal(f, CREATE_ROUTE, 0), 1);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_free(f);
}

/* A closed posting: needs attention, misconfigured; reopened: delivered. */
static void test_closed_job(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  act(f, "close_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Job mapping");
  assert_int_equal(engfx_people_total(f), 0);
  act(f, "reopen_job", "job=4001");
  char err[256];
  assert_int_equal(atsync_map_job(f->e, f->org, "backend", f->job_id, err,
                                  sizeof err), 0);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The mapped stage is removed from Lever's pipeline: misconfigured;
 * mapped to another stage: delivered there. */
static void test_removed_stage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  act(f, "remove_stage", "stage=%lld", (long long)f->stages[1]);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Phone Screen");
  assert_int_equal(engfx_people_total(f), 0);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "approved", "Onsite", err,
                                    sizeof err), 0);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Onsite");
  engfx_free(f);
}

/* A phone is required: needs attention naming it; the data fixed:
 * delivered. */
static void test_required_field(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  int fid = fx_fault(f->fx, "required_field", "field=phone");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "phone");
  expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_people_total(f), 0);
  char err[256];
  struct atsync_candidate patch = {.phone = "+14155550123"};
  assert_int_equal(atsync_update(f->e, f->org, "alice", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, 5 * MIN);
  expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(sim_fault_clear(f->fx->sim, fid), 0);
  engfx_free(f);
}

/* Without perform_as an API key cannot be connected. */
static void test_key_needs_perform_as(void **state)
{
  (void)state;
  struct engfx_opts o = {.ats = "lever", .no_connect = true};
  struct engfx *f = engfx_new(&o);
  struct atsync_credentials cr = {.kind = "lever", .base_url = f->fx->base,
                                  .auth = ATSYNC_AUTH_API_KEY,
                                  .api_key = "k"};
  char err[256];
  assert_int_not_equal(atsync_connect(f->e, f->org, &cr, err, sizeof err), 0);
  assert_non_null(strstr(err, "perform_as"));
  engfx_free(f);
}

/* ---- the status pull ------------------------------------------------------ */

static void pull_story(bool webhooks)
{
  struct engfx *f = start(ENGFX_V1_KEY, webhooks, webhooks ? -1 : 0);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "onsite", "Onsite", err,
                                    sizeof err), 0);
  engfx_approve(f, "ada", NULL);
  engfx_settle(f, 60 * SEC);
  struct atsync_candidate_info c = engfx_cand(f, "ada");
  assert_int_equal(c.sync, ATSYNC_SYNCED);
  long long app = model_id(c.ats_application_id);
  int64_t limit = webhooks ? 30 * SEC : 6 * MIN;
  act(f, "move_application", "application=%lld stage=%lld", app,
      (long long)f->stages[2]);
  int64_t took = wait_status(f, "ada", "onsite", limit);
  assert_true(took >= 0);
  c = engfx_cand(f, "ada");
  assert_string_equal(c.ats_stage, "Onsite");
  act(f, "reject_application", "application=%lld", app);
  if (wait_status(f, "ada", "rejected", limit) < 0) {
    c = engfx_cand(f, "ada");
    fail_msg("not rejected: status '%s' ats '%s' stage '%s'", c.status,
             c.ats_status, c.ats_stage);
  }
  act(f, "unreject_application", "application=%lld", app);
  assert_true(wait_status(f, "ada", "onsite", limit) >= 0);
  act(f, "hire_application", "application=%lld", app);
  assert_true(wait_status(f, "ada", "hired", limit) >= 0);
  if (webhooks) {
    struct atsync_connection st;
    atsync_connection(f->e, f->org, &st);
    assert_true(st.webhooks);
  }
  engfx_free(f);
}

static void test_pull_by_poll(void **state)
{
  (void)state;
  pull_story(false);
}

static void test_pull_by_webhook(void **state)
{
  (void)state;
  pull_story(true);
}

/* A delivery signed with another secret is refused (401), nothing read. */
static void test_bad_signature_refused(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, true, -1);
  engfx_approve(f, "ada", NULL);
  engfx_settle(f, 60 * SEC);
  struct atsync_candidate_info c = engfx_cand(f, "ada");
  char body[512];
  /* signature = hex(HMAC(secret, token + triggeredAt)) with a wrong key */
  snprintf(body, sizeof body,
           "{\"token\":\"abc\",\"triggeredAt\":1700000000000,\"signature\":"
           "\"%064d\",\"event\":\"candidateStageChange\",\"data\":"
           "{\"opportunityId\":\"%s\"}}", 0, c.ats_application_id);
  struct tc_opts o = {0};
  struct tc_resp r = tc_do(f->fx->loop, "POST", f->webhook_url, body, &o);
  assert_int_equal(r.status, 401);
  tc_free(&r);
  /* no signature at all */
  snprintf(body, sizeof body, "{\"event\":\"candidateStageChange\",\"data\":"
           "{\"opportunityId\":\"%s\"}}", c.ats_application_id);
  r = tc_do(f->fx->loop, "POST", f->webhook_url, body, &o);
  assert_int_equal(r.status, 401);
  tc_free(&r);
  engfx_free(f);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_healthy_key),
      cmocka_unit_test(test_healthy_oauth),
      cmocka_unit_test(test_existing_person),
      cmocka_unit_test(test_expired_token_refreshed),
      cmocka_unit_test(test_racing_refreshes),
      cmocka_unit_test(test_refresh_omits_refresh_token),
      cmocka_unit_test(test_revoked_key),
      cmocka_unit_test(test_revoked_grant),
      cmocka_unit_test(test_429_storm),
      cmocka_unit_test(test_outage),
      cmocka_unit_test(test_unknown_create),
      cmocka_unit_test(test_closed_job),
      cmocka_unit_test(test_removed_stage),
      cmocka_unit_test(test_required_field),
      cmocka_unit_test(test_key_needs_perform_as),
      cmocka_unit_test(test_pull_by_poll),
      cmocka_unit_test(test_pull_by_webhook),
      cmocka_unit_test(test_bad_signature_refused),
  };
  int rc = cmocka_run_group_tests_name("lever_push", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
