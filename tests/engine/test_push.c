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

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_healthy_v3_code),
      cmocka_unit_test(test_healthy_v3_client),
      cmocka_unit_test(test_healthy_v1_key),
      cmocka_unit_test(test_find_walks_every_page),
  };
  int rc = cmocka_run_group_tests_name("push", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
