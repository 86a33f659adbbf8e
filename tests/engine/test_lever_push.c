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

#include "engfx_expect.h"
#include "tclient.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define CREATE_ROUTE "POST /v1/opportunities"

/* For the token stories told the same on Lever and Workable: a refused
 * token request is a 403 here. */
static const struct engfx_oauth_ats LEVER_OAUTH = {
    .ats = "lever", .api = "/v1/*", .lookup = "GET~/v1/opportunities",
    .token = "POST /oauth/token", .refused = 403};

static struct engfx *start(enum engfx_auth auth, bool webhooks, int64_t poll)
{
  struct engfx_opts o = {.ats = "lever", .auth = auth, .latency = true,
                         .rate_limit = -1, .webhooks = webhooks,
                         .poll_ms = poll, .exact_phrases = true};
  return engfx_new(&o);
}

/* The model id inside a Lever wire id (its last group, in hex). */
static long long model_id(const char *wire)
{
  const char *dash = strrchr(wire, '-');
  return strtoll(dash ? dash + 1 : wire, NULL, 16);
}

/* ---- push ------------------------------------------------------------------ */

static void healthy(enum engfx_auth auth)
{
  struct engfx *f = start(auth, false, 0);
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", "Bob@Example.com");
  int64_t took = engfx_settle(f, 60 * SEC);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_true(took < 5 * SEC);
  /* one create each, with the stage: no move */
  assert_int_equal(engfx_journal(f, CREATE_ROUTE, 201), 2);
  assert_int_equal(engfx_journal(f, "PUT /v1/opportunities/{id}/stage", 0), 0);
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
  engfx_action(f, "add_job", "id=4002 name=Other stages=Application~Review");
  engfx_action(f, "add_candidate", "first_name=Alice last_name=Tester "
                                   "email=alice@example.com job=4002");
  engfx_approve(f, "alice", "ALICE@example.com");
  engfx_settle(f, 60 * SEC);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
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
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_true(engfx_journal(f, "POST /oauth/token", 200) >= 2);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* Refreshes racing: one refresh serves five lookups that met the dead
 * token, one of them after the refresh had answered (see engfx_expect.h). */
static void test_racing_refreshes(void **state)
{
  (void)state;
  engfx_story_racing_refreshes(&LEVER_OAUTH);
}

/* The refresh answer omits the refresh token: the old one refreshes again,
 * also after a restart (see engfx_expect.h). */
static void test_refresh_omits_refresh_token(void **state)
{
  (void)state;
  engfx_story_refresh_omits_refresh_token(&LEVER_OAUTH);
}

/* A revoked key: disconnected with Lever's fix; a new key delivers. */
static void test_revoked_key(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  char key[64];
  engfx_api_key_id(f, key, sizeof key);
  engfx_action(f, "revoke_api_key", "credential=%s", key);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "Lever rejected the API key",
                     NULL);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "API Credentials", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  engfx_connect(f, ENGFX_V1_KEY);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* A revoked OAuth grant: disconnected (invalid_grant), reconnect. */
static void test_revoked_grant(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V3_CODE, false, 0);
  engfx_run(f, 5 * SEC); /* the code is exchanged */
  engfx_action(f, "revoke_refresh_token", NULL);
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "reconnect", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, NULL);
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
  int fid = engfx_fault(f, "rate_limit",
                        "limit=0 window=20s for=60s route=/v*");
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_run(f, 10 * SEC);
  engfx_expect_state(f, ATSYNC_THROTTLED, NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_true(engfx_journal(f, NULL, 429) >= 1);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}

/* An outage: ats_unavailable, then delivered once. */
static void test_outage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  int fid = engfx_fault(f, "outage", "mode=503 for=4m route=/v*");
  engfx_approve(f, "alice", NULL);
  engfx_run(f, 30 * SEC);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, NULL);
  engfx_settle(f, 20 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}

/* The create is applied but its answer lost: read back, never twice. */
static void test_unknown_create(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  int fid = engfx_fault(f, "outage", "mode=reset commit=before count=1 "
                                     "route=POST~/v1/opportunities");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_people(f, "alice@example.com"), 1);
  /* the next run found the opportunity: one create only */
  assert_int_equal(engfx_journal(f, CREATE_ROUTE, 201), 0);
  assert_int_equal(engfx_journal(f, CREATE_ROUTE, 0), 1);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_clear(f, fid);
  engfx_free(f);
}

/* A closed posting: needs attention, misconfigured; reopened: delivered. */
static void test_closed_job(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  engfx_action(f, "close_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Job mapping", NULL);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_action(f, "reopen_job", "job=4001");
  char err[256];
  assert_int_equal(atsync_map_job(f->e, f->org, "backend", f->job_id, err,
                                  sizeof err), 0);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The mapped stage is removed from Lever's pipeline: misconfigured;
 * mapped to another stage: delivered there. */
static void test_removed_stage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  engfx_action(f, "remove_stage", "stage=%lld", (long long)f->stages[1]);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Phone Screen", NULL);
  assert_int_equal(engfx_people_total(f), 0);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "approved", "Onsite", err,
                                    sizeof err), 0);
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Onsite");
  engfx_free(f);
}

/* A phone is required: needs attention naming it; the data fixed:
 * delivered. */
static void test_required_field(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  int fid = engfx_fault(f, "required_field", "field=phone");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 5 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "phone", NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_update_phone(f, "alice", "+14155550123");
  engfx_settle(f, 5 * MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_clear(f, fid);
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
  engfx_action(f, "move_application", "application=%lld stage=%lld", app,
               (long long)f->stages[2]);
  int64_t took = engfx_wait_status(f, "ada", "onsite", limit);
  assert_true(took >= 0);
  c = engfx_cand(f, "ada");
  assert_string_equal(c.ats_stage, "Onsite");
  engfx_action(f, "reject_application", "application=%lld", app);
  if (engfx_wait_status(f, "ada", "rejected", limit) < 0) {
    c = engfx_cand(f, "ada");
    fail_msg("not rejected: status '%s' ats '%s' stage '%s'", c.status,
             c.ats_status, c.ats_stage);
  }
  engfx_action(f, "unreject_application", "application=%lld", app);
  assert_true(engfx_wait_status(f, "ada", "onsite", limit) >= 0);
  engfx_action(f, "hire_application", "application=%lld", app);
  assert_true(engfx_wait_status(f, "ada", "hired", limit) >= 0);
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
