/* test_simcore.c — pieces of the sim core without HTTP: route patterns, the
 * rate limiter (rolling and fixed windows), the latency model's
 * percentiles, fault parameter parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../sim/sim_int.h"

static void test_route_patterns(void **state)
{
  (void)state;
  const char *t = "POST /v1/applications/{id}/move";
  assert_true(route_match(NULL, "GET", "/v1/jobs", NULL));
  assert_true(route_match("*", "GET", "/v1/jobs", NULL));
  assert_true(route_match("POST /v1/applications/*/move", "POST",
                          "/v1/applications/12/move", t));
  assert_false(route_match("GET /v1/applications/*/move", "POST",
                           "/v1/applications/12/move", t));
  assert_true(route_match("POST /v1/applications/{id}/move", "POST",
                          "/v1/applications/12/move", t));
  assert_true(route_match("/v1/*", "DELETE", "/v1/x", NULL));
  assert_false(route_match("/v3/*", "GET", "/v1/jobs", "GET /v1/jobs"));
  assert_true(route_match("*/move", "POST", "/v1/applications/1/move", t));
}

static void test_rolling_window(void **state)
{
  (void)state;
  struct sim_limiter l = {0};
  limiter_init(&l, 3, 10000, false);
  struct sim_rl_result r;
  r = limiter_hit(&l, "k", 0);
  assert_false(r.limited);
  assert_int_equal(r.remaining, 2);
  limiter_hit(&l, "k", 4000);
  r = limiter_hit(&l, "k", 9000);
  assert_int_equal(r.remaining, 0);
  r = limiter_hit(&l, "k", 9500);
  assert_true(r.limited);
  assert_int_equal(r.retry_after, 500); /* the request at 0 leaves at 10000 */
  assert_int_equal(r.reset, 10000);
  r = limiter_hit(&l, "other", 9500); /* buckets are per credential */
  assert_false(r.limited);
  r = limiter_hit(&l, "k", 10000);
  assert_false(r.limited);
  limiter_free(&l);
}

static void test_fixed_window_and_off(void **state)
{
  (void)state;
  struct sim_limiter l = {0};
  limiter_init(&l, 2, 30000, true);
  assert_false(limiter_hit(&l, "k", 1000).limited);
  assert_false(limiter_hit(&l, "k", 2000).limited);
  struct sim_rl_result r = limiter_hit(&l, "k", 29999);
  assert_true(r.limited);
  assert_int_equal(r.reset, 30000);
  assert_int_equal(r.retry_after, 1);
  assert_false(limiter_hit(&l, "k", 30000).limited);
  limiter_init(&l, -1, 10000, false);
  for (int i = 0; i < 1000; i++)
    assert_false(limiter_hit(&l, "k", 5).limited);
  limiter_init(&l, 0, 60000, false);
  r = limiter_hit(&l, "k", 5);
  assert_true(r.limited);
  assert_int_equal(r.retry_after, 60000);
  limiter_free(&l);
}

static int cmp64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static void test_latency_percentiles(void **state)
{
  (void)state;
  struct sim_latency lat = {0};
  latency_init(&lat, false);
  struct at_prng p;
  at_prng_seed(&p, 1);
  enum { N = 20000 };
  int64_t *v = malloc(N * sizeof *v);
  for (int i = 0; i < N; i++)
    v[i] = latency_sample(&lat, &p, "GET", "/v1/jobs", "GET /v1/jobs");
  qsort(v, N, sizeof *v, cmp64);
  int64_t p50 = v[N / 2], p99 = v[N * 99 / 100];
  print_message("latency p50 %lld ms, p99 %lld ms\n", (long long)p50,
                (long long)p99);
  assert_in_range(p50, 90, 110);
  assert_in_range(p99, 340, 460);
  /* a route override, and zero */
  assert_int_equal(latency_set(&lat, "POST /v1/candidates", 0, 0), 0);
  assert_int_equal(latency_sample(&lat, &p, "POST", "/v1/candidates",
                                  "POST /v1/candidates"), 0);
  assert_true(latency_sample(&lat, &p, "GET", "/v1/jobs", "GET /v1/jobs") > 0);
  assert_int_equal(latency_set(&lat, NULL, 200, 100), -1);
  free(v);
  latency_free(&lat);
}

static void test_fault_parameters(void **state)
{
  (void)state;
  char err[512];
  struct sim_kv ok[] = {{"mode", "hang"}, {"for", "30m"}, {"route", "POST /v1/candidates"},
                        {"after", "2"}, {"count", "1"}};
  struct sim_fault *f = fault_parse("outage", ok, 5, 1000, err, sizeof err);
  assert_non_null(f);
  assert_int_equal(f->mode, SIM_OUT_HANG);
  assert_int_equal(f->from, 1000);
  assert_int_equal(f->until, 1000 + 1800000);
  assert_int_equal(f->after, 2);
  assert_int_equal(f->count, 1);
  assert_true(fault_window_open(f, 1000));
  assert_false(fault_window_open(f, 1000 + 1800000));
  fault_free(f);
  struct sim_kv typo[] = {{"moed", "503"}};
  assert_null(fault_parse("outage", typo, 1, 0, err, sizeof err));
  assert_non_null(strstr(err, "no parameter 'moed'"));
  assert_non_null(strstr(err, "mode"));
  assert_null(fault_parse("outrage", NULL, 0, 0, err, sizeof err));
  assert_non_null(strstr(err, "unknown fault kind 'outrage'"));
  struct sim_kv bad_dur[] = {{"for", "soon"}};
  assert_null(fault_parse("outage", bad_dur, 1, 0, err, sizeof err));
  assert_non_null(strstr(err, "not a duration"));
  struct sim_kv refused[] = {{"mode", "refused"}, {"route", "/v1/*"}};
  assert_null(fault_parse("outage", refused, 2, 0, err, sizeof err));
  assert_non_null(strstr(err, "whole server"));
  struct sim_kv rule[] = {{"field", "phone"}, {"rule", "max_length:x"}};
  assert_null(fault_parse("format_rule", rule, 2, 0, err, sizeof err));
  assert_non_null(strstr(err, "not a rule"));
  struct sim_kv both[] = {{"until", "+1h"}, {"for", "1h"}};
  assert_null(fault_parse("rate_limit", both, 2, 0, err, sizeof err));
  assert_non_null(strstr(err, "not both"));
  struct sim_kv wh[] = {{"delay", "5m"}};
  f = fault_parse("webhook_delay", wh, 1, 0, err, sizeof err);
  assert_non_null(f);
  assert_int_equal(f->delay, 300000);
  fault_free(f);
}

static int digit(int ch) { return ch >= '0' && ch <= '9'; }

/* The personalities' route matcher: one segment per placeholder, of the
 * characters the personality accepts, and a trailing slash tolerated. */
static void test_path_match(void **state)
{
  (void)state;
  char seg[8];
  assert_true(sim_path_match("/v1/jobs/{id}/stages", "/v1/jobs/4001/stages",
                             digit, seg, sizeof seg));
  assert_string_equal(seg, "4001");
  assert_true(sim_path_match("/v1/jobs/{id}", "/v1/jobs/4001/", digit, seg,
                             sizeof seg));
  assert_false(sim_path_match("/v1/jobs/{id}", "/v1/jobs/abc", digit, seg,
                              sizeof seg));
  assert_false(sim_path_match("/v1/jobs/{id}", "/v1/jobs/", NULL, seg,
                              sizeof seg));
  assert_false(sim_path_match("/v1/jobs/{id}", "/v1/jobs/12345678", NULL,
                              seg, sizeof seg)); /* does not fit */
  assert_true(sim_path_match("/jobs/{shortcode}/candidates",
                             "/jobs/0FA1-x/candidates", NULL, seg,
                             sizeof seg));
  assert_string_equal(seg, "0FA1-x");
  assert_false(sim_path_match("/jobs/{shortcode}", "/jobs/a/b", NULL, seg,
                              sizeof seg));
  assert_true(sim_path_match("/v1/users", "/v1/users", NULL, seg,
                             sizeof seg));
  assert_false(sim_path_match("/v1/users", "/v1/user", NULL, seg,
                              sizeof seg));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_route_patterns),
      cmocka_unit_test(test_path_match),
      cmocka_unit_test(test_rolling_window),
      cmocka_unit_test(test_fixed_window_and_off),
      cmocka_unit_test(test_latency_percentiles),
      cmocka_unit_test(test_fault_parameters),
  };
  return cmocka_run_group_tests_name("simcore", tests, NULL, NULL);
}
