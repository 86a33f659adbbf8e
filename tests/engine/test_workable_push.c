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

#include "engfx_expect.h"
#include "tclient.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

#define CREATE "POST /spi/v3/jobs/{shortcode}/candidates"
#define MOVE "POST /spi/v3/candidates/{id}/move"

/* For the token stories told the same on Lever and Workable: a refused
 * token request is a 400 here. */
static const struct engfx_oauth_ats WORKABLE_OAUTH = {
    .ats = "workable", .api = "/spi/v3/*", .lookup = "GET~/spi/v3/candidates",
    .token = "POST /oauth/token", .refused = 400};

static struct engfx *start(enum engfx_auth auth, bool webhooks, int64_t poll)
{
  struct engfx_opts o = {.ats = "workable", .auth = auth, .latency = true,
                         .rate_limit = -1, .webhooks = webhooks,
                         .poll_ms = poll, .exact_phrases = true};
  return engfx_new(&o);
}

/* The model id behind a Workable candidate id (lower-case hex). */
static long long model_app(struct engfx *f, const char *ref)
{
  struct atsync_candidate_info c = engfx_cand(f, ref);
  assert_true(c.ats_application_id[0] != '\0');
  return strtoll(c.ats_application_id, NULL, 16);
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
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(engfx_journal(f, CREATE, 201), 2);
  assert_int_equal(engfx_journal(f, MOVE, 0), 0);
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
  engfx_action(f, "add_candidate",
               "first_name=Alice last_name=Tester "
               "email=ALICE@example.com job=4001 stage=%lld",
               (long long)f->stages[0]);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(engfx_journal(f, CREATE, 0), 0);
  assert_int_equal(engfx_journal(f, MOVE, 202), 1);
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
  engfx_action(f, "add_job", "id=4002 name=Frontend stages=Applied|Interview");
  cJSON *p = fx_action(f->fx, "add_candidate",
                       "first_name=Alice last_name=Tester "
                       "email=alice@example.com job=4002");
  long long other = (long long)fx_id(p, "application_id");
  cJSON_Delete(p);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(engfx_journal(f, CREATE, 201), 1);
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
  size_t tokens = engfx_journal(f, "POST /oauth/token", 200);
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "bob", NULL);
  engfx_settle(f, MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_expect_cand(f, "bob", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_cand(f, "bob").attempts, 0);
  assert_true(engfx_journal(f, "/spi/v3/*", 401) >= 1);
  assert_int_equal(engfx_journal(f, "POST /oauth/token", 200), tokens + 1);
  engfx_check_exactly_once(f, "Phone Screen");
  /* the rotated refresh token works: once more */
  engfx_action(f, "expire_tokens", NULL);
  engfx_approve(f, "cy", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "cy", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_journal(f, "POST /oauth/token", 400), 0);
  engfx_free(f);
}

/* Refreshes racing: one refresh serves five lookups that met the dead
 * token, one of them after the refresh had answered (see engfx_expect.h). */
static void test_racing_refreshes(void **state)
{
  (void)state;
  engfx_story_racing_refreshes(&WORKABLE_OAUTH);
}

/* The refresh answer omits the refresh token: the old one refreshes again,
 * also after a restart (see engfx_expect.h). */
static void test_refresh_omits_refresh_token(void **state)
{
  (void)state;
  engfx_story_refresh_omits_refresh_token(&WORKABLE_OAUTH);
}

/* The account token is revoked: disconnected with Workable's fix; the
 * queue waits; a new token delivers once. */
static void test_revoked_token(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, 0);
  char key[64];
  engfx_api_key_id(f, key, sizeof key);
  engfx_action(f, "revoke_api_key", "credential=%s", key);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED,
                     "Workable rejected the API access token", NULL);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "Settings > Integrations > Apps",
                     NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, "reconnect", NULL);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_connect(f, ENGFX_V1_KEY);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The OAuth grant is revoked: disconnected (invalid_grant), reconnect. */
static void test_revoked_grant(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V3_CODE, false, 0);
  engfx_settle(f, 10 * SEC);
  engfx_action(f, "revoke_refresh_token", NULL);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_DISCONNECTED, "reconnect", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  engfx_connect(f, ENGFX_V3_CODE);
  engfx_settle(f, 10 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The account token lacks w_candidates (403 in the fake): permission
 * missing, naming the scope and where a Workable admin makes a token with
 * it; granted, the probe delivers. */
static void test_token_scope_missing(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  char key[64];
  engfx_api_key_id(f, key, sizeof key);
  engfx_action(f, "remove_permission", "credential=%s permission=w_candidates",
               key);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, "w_candidates", NULL);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING,
                     "Settings > Integrations > Apps", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_action(f, "grant_permission", "credential=%s permission=w_candidates",
               key);
  engfx_settle(f, 30 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The acting member is deactivated: a move is refused (422 member_id),
 * read as the acting user missing; the candidate waits. */
static void test_member_deactivated(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  engfx_action(f, "add_candidate",
               "first_name=Alice last_name=Tester "
               "email=alice@example.com job=4001 stage=%lld",
               (long long)f->stages[0]);
  engfx_action(f, "deactivate_user", "user=4000001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, "refused to act as", NULL);
  engfx_expect_cand(f, "alice", ATSYNC_WAITING, NULL);
  engfx_action(f, "reactivate_user", "user=4000001");
  engfx_settle(f, 30 * MIN);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
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
  int rl = engfx_fault(f, "rate_limit",
                       "limit=0 window=10s for=2m route=/spi/v3/*");
  for (int i = 0; i < 8; i++) {
    char ref[16];
    snprintf(ref, sizeof ref, "p%d", i);
    engfx_approve(f, ref, NULL);
  }
  engfx_run(f, 30 * SEC);
  engfx_expect_state(f, ATSYNC_THROTTLED, NULL);
  assert_true(engfx_journal(f, "/spi/v3/*", 429) >= 1);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(engfx_journal(f, CREATE, 201), 8);
  assert_int_equal(engfx_people_total(f), 8);
  engfx_clear(f, rl);
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
  size_t r429 = engfx_journal(f, "/spi/v3/*", 429);
  print_message("%zu answers were 429\n", r429);
  assert_true(r429 <= 2);
  engfx_free(f);
}

/* Workable is down (503) for 5 minutes: ats_unavailable, then delivered. */
static void test_outage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  int out = engfx_fault(f, "outage", "mode=503 for=5m route=/spi/v3/*");
  engfx_approve(f, "alice", NULL);
  engfx_run(f, MIN);
  engfx_expect_state(f, ATSYNC_ATS_UNAVAILABLE, "503", NULL);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_clear(f, out);
  engfx_free(f);
}

/* The create is applied but its answer is lost (a reset): the outcome is
 * unknown, the engine finds the candidate by email on the job, and never
 * creates it twice. */
static void test_unknown_create(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  int fid = engfx_fault(f, "outage",
                        "mode=reset commit=before count=1 route="
                        "POST~/spi/v3/jobs/{shortcode}/candidates");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, HOUR);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_int_equal(engfx_journal(f, CREATE, 0), 1); /* one create sent, ever */
  assert_true(engfx_log_count(f, NULL,
                              "outcome of the create request is unknown") >= 1);
  assert_true(engfx_log_count(f, NULL, "Found the person in Workable") >= 1);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_clear(f, fid);
  engfx_free(f);
}

/* ---- mapping and data -------------------------------------------------------------------- */

/* The job is closed in Workable: needs attention, misconfigured; reopened,
 * the 15-minute re-check delivers. */
static void test_closed_job(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  engfx_action(f, "close_job", "job=4001");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "closed", NULL);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_action(f, "reopen_job", "job=4001");
  engfx_run(f, 20 * MIN);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Phone Screen");
  engfx_free(f);
}

/* The mapped stage is removed: needs attention naming the mapping; mapped
 * to another stage, delivered there. */
static void test_removed_stage(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  engfx_action(f, "remove_stage", "stage=%lld", (long long)f->stages[1]);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "Stage mapping", NULL);
  engfx_expect_state(f, ATSYNC_MISCONFIGURED, NULL);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "approved", "Onsite", err,
                                    sizeof err), 0);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  engfx_check_exactly_once(f, "Onsite");
  engfx_free(f);
}

/* Workable requires a phone for this job: needs attention naming it;
 * with the phone added, delivered. */
static void test_required_field(void **state)
{
  (void)state;
  struct engfx *f = start(ENGFX_V1_KEY, false, -1);
  engfx_fault(f, "required_field", "field=phone");
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_NEEDS_ATTENTION, "phone", NULL);
  assert_int_equal(engfx_people_total(f), 0);
  engfx_update_phone(f, "alice", "+14155550100");
  engfx_settle(f, MIN);
  engfx_expect_cand(f, "alice", ATSYNC_SYNCED, NULL);
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
  engfx_expect_cand(f, "ada", ATSYNC_SYNCED, NULL);
  long long app = model_app(f, "ada");
  engfx_action(f, "move_application", "application=%lld stage=%lld", app,
               (long long)f->stages[2]);
  int64_t took = engfx_wait_status(f, "ada", "onsite", 3 * MIN);
  assert_true(took >= 0 && took <= MIN + 5 * SEC);
  assert_string_equal(engfx_cand(f, "ada").ats_stage, "Onsite");
  engfx_action(f, "reject_application", "application=%lld", app);
  assert_true(engfx_wait_status(f, "ada", "rejected", 3 * MIN) >= 0);
  engfx_action(f, "unreject_application", "application=%lld", app);
  assert_true(engfx_wait_status(f, "ada", "onsite", 3 * MIN) >= 0);
  engfx_action(f, "hire_application", "application=%lld", app);
  assert_true(engfx_wait_status(f, "ada", "hired", 3 * MIN) >= 0);
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
  engfx_expect_cand(f, "ada", ATSYNC_SYNCED, NULL);
  long long app = model_app(f, "ada");
  engfx_action(f, "move_application", "application=%lld stage=%lld", app,
               (long long)f->stages[2]);
  int64_t took = engfx_wait_status(f, "ada", "onsite", MIN);
  print_message("the move came back in %lld ms\n", (long long)took);
  assert_true(took >= 0 && took <= 10 * SEC);
  engfx_action(f, "hire_application", "application=%lld", app);
  took = engfx_wait_status(f, "ada", "hired", MIN);
  assert_true(took >= 0 && took <= 10 * SEC);
  struct atsync_connection st;
  atsync_connection(f->e, f->org, &st);
  assert_true(st.webhooks);
  assert_int_equal(st.webhooks_rejected, 0);
  engfx_free(f);
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
  engfx_sign_header(sig, sizeof sig, "X-Workable-Signature: ", body,
                    "not-the-secret");
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
  engfx_sign_header(sig, sizeof sig, "X-Workable-Signature: ", body,
                    ENGFX_WEBHOOK_SECRET);
  r = tc_do(f->fx->loop, "POST", f->webhook_url, body, &o);
  assert_int_equal(r.status, 200);
  tc_free(&r);
  engfx_run(f, 10 * SEC);
  assert_string_equal(engfx_cand(f, "ada").ats_stage, "Phone Screen");
  /* the fake's own deliveries with a wrong key are refused too */
  engfx_fault(f, "webhook_bad_signature", NULL);
  engfx_action(f, "move_application", "application=%lld stage=%lld",
               model_app(f, "ada"), (long long)f->stages[2]);
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
