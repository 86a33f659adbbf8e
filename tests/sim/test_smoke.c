/* test_smoke.c — the fixture and both Greenhouse APIs answer on a virtual
 * clock: a v1 key lists the seed jobs, a v3 token lists them too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>

#include "simfx.h"

static void test_v1_and_v3_list_jobs(void **state)
{
  (void)state;
  struct simfx_opts o = {.seeded = true};
  struct simfx *f = simfx_new(&o);
  struct tc_resp r = fx_v1(f, "GET", "/v1/jobs", NULL, NULL);
  assert_int_equal(r.status, 200);
  cJSON *j = fx_json(&r);
  assert_int_equal(cJSON_GetArraySize(j), 5);
  cJSON_Delete(j);
  tc_free(&r);
  r = fx_v3(f, "GET", "/v3/jobs?status=open", NULL);
  assert_int_equal(r.status, 200);
  j = fx_json(&r);
  assert_int_equal(cJSON_GetArraySize(j), 3);
  cJSON_Delete(j);
  tc_free(&r);
  simfx_free(f);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v1_and_v3_list_jobs),
  };
  int rc = cmocka_run_group_tests_name("smoke", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
