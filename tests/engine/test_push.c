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

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_healthy_v3_code),
      cmocka_unit_test(test_healthy_v3_client),
      cmocka_unit_test(test_healthy_v1_key),
  };
  int rc = cmocka_run_group_tests_name("push", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
