/* test_push.c — the engine pushes approved candidates into the fake
 * Greenhouse on a virtual clock: the healthy path on v3 and v1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "engfx.h"

static void healthy(enum engfx_auth auth)
{
  struct engfx_opts o = {.auth = auth, .latency = true, .rate_limit = -1};
  struct engfx *f = engfx_new(&o);
  engfx_approve(f, "alice", NULL);
  engfx_approve(f, "bob", "Bob@Example.com");
  int64_t took = engfx_settle(f, 60000);
  print_message("settled in %lld ms of virtual time\n", (long long)took);
  struct atsync_candidate_info a = engfx_cand(f, "alice");
  if (a.sync != ATSYNC_SYNCED)
    fail_msg("alice: %s: %s", atsync_sync_name(a.sync), a.error);
  assert_int_equal(engfx_state(f, NULL, 0), ATSYNC_CONNECTED);
  engfx_check_exactly_once(f, "Phone Screen");
  assert_true(took < 5000);
  engfx_free(f);
}

static void test_healthy_v3_code(void **state)
{
  (void)state;
  healthy(ENGFX_V3_CODE);
}

static void test_healthy_v3_client(void **state)
{
  (void)state;
  healthy(ENGFX_V3_CLIENT);
}

static void test_healthy_v1_key(void **state)
{
  (void)state;
  healthy(ENGFX_V1_KEY);
}

/* More people share the email than one page holds (v3 lists newest
 * first, 100 a page): the engine follows Link rel="next" and picks the
 * oldest person, on the last page. */
static void test_find_walks_every_page(void **state)
{
  (void)state;
  struct engfx_opts o = {.auth = ENGFX_V3_CODE};
  struct engfx *f = engfx_new(&o);
  int64_t oldest = 0;
  for (int i = 0; i < 130; i++) {
    cJSON *r = fx_action(f->fx, "add_candidate",
                         "first_name=Dup last_name=Person email=dup@example.com");
    if (i == 0)
      oldest = fx_id(r, "id");
    cJSON_Delete(r);
  }
  engfx_approve(f, "dup", "dup@example.com");
  engfx_settle(f, 60000);
  struct atsync_candidate_info c = engfx_cand(f, "dup");
  assert_int_equal(c.sync, ATSYNC_SYNCED);
  char want[32];
  snprintf(want, sizeof want, "%lld", (long long)oldest);
  assert_string_equal(c.ats_candidate_id, want);
  assert_int_equal(engfx_people(f, "dup@example.com"), 130); /* none added */
  /* two pages were read for the search */
  assert_true(sim_journal_count(f->fx->sim, "GET /v3/candidates", 200) >= 2);
  engfx_free(f);
}

/* A new person on v3: the person and the application in one POST
 * /v3/candidates (no POST /v3/applications); v3 does not return the
 * application's id, so the engine reads it (GET /v3/applications) — unless
 * this Greenhouse names it in the create's answer, when nothing is read. */
static void v3_create(bool returns_application)
{
  struct engfx_opts o = {.auth = ENGFX_V3_CODE};
  struct engfx *f = engfx_new(&o);
  char err[256];
  assert_int_equal(sim_setting(f->fx->sim, "v3_create_returns_application",
                               returns_application ? "on" : "off", err,
                               sizeof err), 0);
  engfx_approve(f, "alice", NULL);
  engfx_settle(f, 60000);
  struct atsync_candidate_info a = engfx_cand(f, "alice");
  if (a.sync != ATSYNC_SYNCED)
    fail_msg("alice: %s: %s", atsync_sync_name(a.sync), a.error);
  engfx_check_exactly_once(f, "Phone Screen");
  struct sim *s = f->fx->sim;
  assert_int_equal(sim_journal_count(s, "POST /v3/candidates", 201), 1);
  assert_int_equal(sim_journal_count(s, "POST /v3/candidates", 0), 1);
  assert_int_equal(sim_journal_count(s, "POST /v3/applications", 0), 0);
  assert_int_equal(sim_journal_count(s, "POST /v3/applications/{id}/move", 0),
                   0);
  /* the engine's polls read GET /v3/applications?updated_at= too */
  assert_int_equal(sim_journal_count(s, "GET /v3/applications?candidate_ids=*",
                                     0),
                   returns_application ? 0 : 1);
  /* the engine recorded the application the create made */
  cJSON *st = sim_state_json(s);
  const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "candidates"), 0);
  const cJSON *app =
      cJSON_GetArrayItem(cJSON_GetObjectItem(c, "applications"), 0);
  char want[32];
  snprintf(want, sizeof want, "%lld", (long long)fx_id(app, "id"));
  assert_string_equal(a.ats_application_id, want);
  cJSON_Delete(st);
  engfx_free(f);
}

/* atsync_count reports the states atsync_candidate reports: waiting while
 * the connection holds the pushes back, then pushing, then synced. */
static void test_count_matches_candidates(void **state)
{
  (void)state;
  struct engfx_opts o = {.no_connect = true};
  struct engfx *f = engfx_new(&o);
  engfx_approve(f, "a", NULL);
  engfx_approve(f, "b", NULL);
  engfx_approve(f, "c", NULL);
  assert_int_equal(atsync_count(f->e, f->org, -1), 3);
  assert_int_equal(atsync_count(f->e, f->org, ATSYNC_WAITING), 3);
  assert_int_equal(atsync_count(f->e, f->org, ATSYNC_QUEUED), 0);
  assert_int_equal(engfx_cand(f, "a").sync, ATSYNC_WAITING);
  engfx_connect(f, ENGFX_V3_CODE);
  /* run until the first push is in flight */
  for (int i = 0; i < 100 && !atsync_busy(f->e); i++)
    engfx_run(f, 10);
  int pushing = atsync_count(f->e, f->org, ATSYNC_PUSHING);
  int queued = atsync_count(f->e, f->org, ATSYNC_QUEUED);
  int seen_pushing = 0;
  const char *refs[] = {"a", "b", "c"};
  for (int i = 0; i < 3; i++)
    seen_pushing += engfx_cand(f, refs[i]).sync == ATSYNC_PUSHING;
  assert_int_equal(pushing, seen_pushing);
  assert_int_equal(pushing + queued, 3);
  assert_int_equal(atsync_count(f->e, f->org, ATSYNC_WAITING), 0);
  engfx_settle(f, 60000);
  assert_int_equal(atsync_count(f->e, f->org, ATSYNC_SYNCED), 3);
  assert_int_equal(atsync_count(f->e, f->org, ATSYNC_PUSHING), 0);
  engfx_free(f);
}

static void test_v3_create_reads_application(void **state)
{
  (void)state;
  v3_create(false);
}

static void test_v3_create_returns_application(void **state)
{
  (void)state;
  v3_create(true);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_healthy_v3_code),
      cmocka_unit_test(test_healthy_v3_client),
      cmocka_unit_test(test_healthy_v1_key),
      cmocka_unit_test(test_find_walks_every_page),
      cmocka_unit_test(test_count_matches_candidates),
      cmocka_unit_test(test_v3_create_reads_application),
      cmocka_unit_test(test_v3_create_returns_application),
  };
  int rc = cmocka_run_group_tests_name("push", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
