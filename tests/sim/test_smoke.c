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

/* Each personality shows a job under its own id, the one its routes
 * take: decimal (Greenhouse), a shortcode (Workable), a UUID (Lever,
 * Ashby); an unknown kind is refused. */
static void test_wire_ids(void **state)
{
  (void)state;
  static const struct { const char *ats, *job; } want[] = {
      {"greenhouse", "4100001"},
      {"workable", "003E8FA1"},
      {"ashby", "a5b00002-0000-4000-8000-0000003e8fa1"},
      {"lever", NULL}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    struct simfx_opts o = {.ats = want[i].ats};
    struct simfx *f = simfx_new(&o);
    char id[64], again[64];
    assert_int_equal(sim_wire_id(f->sim, "job", 4100001, id, sizeof id), 0);
    if (want[i].job)
      assert_string_equal(id, want[i].job);
    else /* Lever: a UUID shape */
      assert_int_equal(strlen(id), 36);
    assert_int_equal(sim_wire_id(f->sim, "job", 4100001, again, sizeof again),
                     0);
    assert_string_equal(id, again); /* stable */
    assert_int_equal(sim_wire_id(f->sim, "nonsense", 1, id, sizeof id), -1);
    simfx_free(f);
  }
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v1_and_v3_list_jobs),
      cmocka_unit_test(test_wire_ids),
  };
  int rc = cmocka_run_group_tests_name("smoke", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
