/* test_pace.c — pacing under a rate limit (rolling and fixed windows),
 * full-jitter exponential backoff, and Retry-After / X-RateLimit-Reset
 * parsing on the engine's clock. Pure functions over plain structs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../engine/pace.h"
#include "at_clock.h"

#define NOW AT_CLOCK_DEFAULT_EPOCH_MS /* Mon, 02 Mar 2026 09:00:00 GMT */

/* ---- backoff ------------------------------------------------------------------ */

static int64_t ceiling_of(int attempt, int64_t base, int64_t cap)
{
  int64_t c = base;
  for (int i = 0; i < attempt && c < cap; i++)
    c *= 2;
  return c < cap ? c : cap;
}

static void test_backoff_bounds(void **state)
{
  (void)state;
  struct at_prng r;
  at_prng_seed(&r, 7);
  const int64_t base = 1000, cap = 600000;
  for (int attempt = 0; attempt < 40; attempt++) {
    int64_t ceil = ceiling_of(attempt, base, cap);
    int64_t lo = INT64_MAX, hi = -1;
    for (int k = 0; k < 2000; k++) {
      int64_t d = backoff_delay(&r, attempt, base, cap);
      if (d < 0 || d > ceil)
        fail_msg("attempt %d: delay %lld outside [0, %lld]", attempt,
                 (long long)d, (long long)ceil);
      lo = d < lo ? d : lo;
      hi = d > hi ? d : hi;
    }
    /* full jitter: the draws cover the whole range */
    if (lo > ceil / 20 || hi < ceil - ceil / 20)
      fail_msg("attempt %d: draws span [%lld, %lld] of [0, %lld]", attempt,
               (long long)lo, (long long)hi, (long long)ceil);
  }
  /* the ceiling doubles: attempt 3 may wait up to 8 s, never more */
  assert_int_equal(ceiling_of(3, base, cap), 8000);
  /* a negative attempt counts as the first */
  for (int k = 0; k < 500; k++) {
    int64_t d = backoff_delay(&r, -5, base, cap);
    assert_true(d >= 0 && d <= base);
  }
  /* a cap below the base wins; a zero base or cap waits nothing */
  for (int k = 0; k < 500; k++) {
    int64_t d = backoff_delay(&r, 0, 1000, 300);
    assert_true(d >= 0 && d <= 300);
  }
  assert_int_equal(backoff_delay(&r, 5, 0, 1000), 0);
  assert_int_equal(backoff_delay(&r, 5, 1000, 0), 0);
  /* very large attempts never overflow */
  for (int k = 0; k < 100; k++) {
    int64_t d = backoff_delay(&r, 1000000, base, INT64_MAX / 4);
    assert_true(d >= 0 && d <= INT64_MAX / 4);
  }
  /* no practical cap at all: the doubling must stop before it overflows */
  for (int k = 0; k < 100; k++) {
    int64_t d = backoff_delay(&r, 1000, base, INT64_MAX);
    assert_true(d >= 0);
  }
}

static void test_backoff_is_seeded(void **state)
{
  (void)state;
  struct at_prng a, b, c;
  at_prng_seed(&a, 1234);
  at_prng_seed(&b, 1234);
  at_prng_seed(&c, 1235);
  int differs = 0;
  for (int i = 0; i < 200; i++) {
    int attempt = i % 12;
    int64_t x = backoff_delay(&a, attempt, 1000, 600000);
    int64_t y = backoff_delay(&b, attempt, 1000, 600000);
    int64_t z = backoff_delay(&c, attempt, 1000, 600000);
    if (x != y)
      fail_msg("draw %d: same seed gave %lld and %lld", i, (long long)x,
               (long long)y);
    differs += x != z;
  }
  print_message("different seeds differ in %d of 200 draws\n", differs);
  assert_true(differs > 150);
}

/* ---- Retry-After / X-RateLimit-Reset --------------------------------------------- */

static void test_retry_after(void **state)
{
  (void)state;
  const int64_t cap = 3600000;
  assert_int_equal(retry_after_ms("30", NOW, cap), 30000);
  assert_int_equal(retry_after_ms("0", NOW, cap), 0);
  assert_int_equal(retry_after_ms("  30  ", NOW, cap), 30000);
  /* HTTP-date, relative to our clock */
  assert_int_equal(retry_after_ms("Mon, 02 Mar 2026 09:01:00 GMT", NOW, cap),
                   60000);
  assert_int_equal(
      retry_after_ms("Mon, 02 Mar 2026 09:01:00 GMT", NOW + 59500, cap), 500);
  /* a past date: go now */
  assert_int_equal(retry_after_ms("Mon, 02 Mar 2026 08:00:00 GMT", NOW, cap),
                   0);
  /* garbage: -1 */
  static const char *const junk[] = {"",      "   ",  "soon",  "30s",
                                     "3 0",   "-5",   "1.5",   "Mon, 02 Foo",
                                     "0x10",  "+30"};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
    int64_t v = retry_after_ms(junk[i], NOW, cap);
    if (v != -1)
      fail_msg("Retry-After '%s' gave %lld, want -1", junk[i], (long long)v);
  }
  assert_int_equal(retry_after_ms(NULL, NOW, cap), -1);
  /* the cap, for seconds and dates, and far beyond 64 bits */
  assert_int_equal(retry_after_ms("7200", NOW, cap), cap);
  assert_int_equal(retry_after_ms("3600", NOW, cap), cap);
  assert_int_equal(retry_after_ms("3599", NOW, cap), 3599000);
  assert_int_equal(retry_after_ms("99999999999999999999999", NOW, cap), cap);
  assert_int_equal(retry_after_ms("Tue, 03 Mar 2026 09:00:00 GMT", NOW, cap),
                   cap);
  assert_int_equal(retry_after_ms("5", NOW, 2000), 2000);
  /* epoch seconds (Greenhouse v1, retry_after=epoch): the wait until then */
  assert_int_equal(retry_after_ms("1772442060", NOW, cap), 60000);
  assert_int_equal(retry_after_ms("1772441000", NOW, cap), 0);
  assert_int_equal(retry_after_ms("1872442000", NOW, cap), cap);
}

static void test_ratelimit_reset(void **state)
{
  (void)state;
  /* epoch seconds -> absolute ms */
  assert_true(ratelimit_reset_ms("1772442020", NOW) == NOW + 20000);
  assert_true(ratelimit_reset_ms("1772442020 ", NOW) == NOW + 20000);
  /* small values are seconds from now */
  assert_true(ratelimit_reset_ms("20", NOW) == NOW + 20000);
  assert_true(ratelimit_reset_ms("0", NOW) == NOW);
  assert_true(ratelimit_reset_ms("3600", NOW) == NOW + 3600000);
  /* absent or unparseable: 0 */
  assert_int_equal(ratelimit_reset_ms(NULL, NOW), 0);
  assert_int_equal(ratelimit_reset_ms("", NOW), 0);
  assert_int_equal(ratelimit_reset_ms("soon", NOW), 0);
  assert_int_equal(ratelimit_reset_ms("12x", NOW), 0);
  assert_int_equal(ratelimit_reset_ms("-5", NOW), 0);
  /* absurd values from a broken server never overflow: ignored */
  assert_int_equal(ratelimit_reset_ms("99999999999999999999", NOW), 0);
  assert_int_equal(ratelimit_reset_ms("9223372036854775807", NOW), 0);
}

/* ---- pacing: rolling window ------------------------------------------------------- */

static void test_rolling_window(void **state)
{
  (void)state;
  struct pace *p = calloc(1, sizeof *p);
  pace_init(p, 10000, false);
  /* no limit known yet: never held */
  pace_sent(p, NOW);
  pace_sent(p, NOW + 1);
  pace_sent(p, NOW + 2);
  pace_sent(p, NOW + 3);
  assert_true(pace_when(p, NOW + 4) == NOW + 4);

  pace_init(p, 10000, false);
  pace_seen(p, NOW, 3, -1, 0); /* X-RateLimit-Limit: 3 */
  assert_int_equal(p->limit, 3);
  pace_sent(p, NOW + 1000);
  assert_true(pace_when(p, NOW + 1000) == NOW + 1000);
  pace_sent(p, NOW + 4000);
  assert_true(pace_when(p, NOW + 4000) == NOW + 4000);
  pace_sent(p, NOW + 9000);
  /* three sends in the window: the fourth waits for the oldest to leave */
  int64_t w = pace_when(p, NOW + 9500);
  if (w != NOW + 11000)
    fail_msg("next send at now%+lld, want now+11000 (oldest + 10 s)",
             (long long)(w - NOW));
  assert_true(pace_when(p, NOW + 10999) == NOW + 11000);
  assert_true(pace_when(p, NOW + 11000) == NOW + 11000); /* left: go */
  assert_true(pace_when(p, NOW + 12000) == NOW + 12000);
  /* the 4th send; then the one at 4000 is next to leave */
  pace_sent(p, NOW + 11000);
  assert_true(pace_when(p, NOW + 11000) == NOW + 14000);

  /* more sends in the window than the limit (the limit was lowered): wait
   * until enough leave to get under it */
  pace_init(p, 10000, false);
  for (int i = 0; i < 5; i++)
    pace_sent(p, NOW + i * 100);
  pace_seen(p, NOW + 500, 3, -1, 0);
  /* 5 inside, limit 3: three must leave, the third at 200 + 10 s */
  assert_true(pace_when(p, NOW + 500) == NOW + 10200);
  free(p);
}

static void test_rolling_remaining_zero_blocks(void **state)
{
  (void)state;
  struct pace *p = calloc(1, sizeof *p);
  pace_init(p, 10000, false);
  pace_sent(p, NOW + 1000);
  pace_sent(p, NOW + 2000);
  /* limit 10 but the server sees no room (another client shares the key) */
  pace_seen(p, NOW + 2100, 10, 0, 0);
  int64_t w = pace_when(p, NOW + 2100);
  if (w != NOW + 11000)
    fail_msg("remaining=0: next send at now%+lld, want now+11000",
             (long long)(w - NOW));
  assert_true(pace_when(p, NOW + 11000) == NOW + 11000);
  /* room again: no block beyond the old one */
  pace_seen(p, NOW + 11000, 10, 9, 0);
  assert_true(pace_when(p, NOW + 11000) == NOW + 11000);
  free(p);
}

static void test_ring_never_overflows(void **state)
{
  (void)state;
  struct pace *p = calloc(1, sizeof *p);
  pace_init(p, 1000000, false);
  pace_seen(p, NOW, 100000, -1, 0);
  for (int i = 0; i < 3 * PACE_RING; i++)
    pace_sent(p, NOW + i);
  assert_int_equal(p->n, PACE_RING);
  assert_true(p->head >= 0 && p->head < PACE_RING);
  assert_true(pace_when(p, NOW + 3 * PACE_RING) == NOW + 3 * PACE_RING);
  free(p);
}

/* ---- pacing: fixed windows ----------------------------------------------------------- */

static void test_fixed_window(void **state)
{
  (void)state;
  struct pace *p = calloc(1, sizeof *p);
  pace_init(p, 30000, true);
  const int64_t end = NOW + 30000;
  pace_seen(p, NOW, 3, 3, end); /* limit 3, reset at the window's end */
  assert_true(p->window_end == end);
  for (int i = 0; i < 3; i++) {
    assert_true(pace_when(p, NOW + i) == NOW + i);
    pace_sent(p, NOW + i);
  }
  assert_int_equal(p->used, 3);
  int64_t w = pace_when(p, NOW + 10);
  if (w != end)
    fail_msg("used = limit: next send at now%+lld, want the window end "
             "(now+30000)", (long long)(w - NOW));
  assert_true(pace_when(p, end - 1) == end);
  assert_true(pace_when(p, end) == end); /* the new window: go */
  /* sending in the next window rolls it */
  pace_sent(p, end + 5);
  assert_int_equal(p->used, 1);
  assert_true(p->window_end == end + 30000);
  /* idle for several windows: the boundary moves by whole windows */
  pace_sent(p, end + 30000 + 75000);
  assert_int_equal(p->used, 1);
  assert_true(p->window_end == end + 4 * 30000);
  free(p);
}

static void test_fixed_window_server_counts(void **state)
{
  (void)state;
  struct pace *p = calloc(1, sizeof *p);
  pace_init(p, 30000, true);
  const int64_t end = NOW + 30000;
  /* the server says 0 left (others used the budget): wait for the end */
  pace_seen(p, NOW, 50, 0, end);
  assert_int_equal(p->used, 50);
  assert_true(pace_when(p, NOW + 1) == end);
  /* the server's count never lowers ours */
  pace_seen(p, NOW + 2, 50, 40, end);
  assert_int_equal(p->used, 50);
  /* a new reset value: a new window started on the server */
  pace_seen(p, NOW + 3, 50, 49, end + 30000);
  assert_true(p->window_end == end + 30000);
  assert_int_equal(p->used, 1);
  assert_true(pace_when(p, NOW + 3) == NOW + 3);
  /* a reset in the past is ignored */
  pace_seen(p, NOW + 4, 50, -1, NOW - 1000);
  assert_true(p->window_end == end + 30000);
  free(p);
}

static void test_block(void **state)
{
  (void)state;
  struct pace *p = calloc(1, sizeof *p);
  pace_init(p, 10000, false);
  pace_block(p, NOW + 30000); /* a 429's Retry-After, limit unknown */
  assert_true(pace_when(p, NOW) == NOW + 30000);
  pace_block(p, NOW + 5000); /* an earlier block never shortens it */
  assert_true(pace_when(p, NOW) == NOW + 30000);
  pace_block(p, NOW + 45000);
  assert_true(pace_when(p, NOW) == NOW + 45000);
  assert_true(pace_when(p, NOW + 50000) == NOW + 50000);
  /* a block and a full window: the later of the two */
  pace_init(p, 10000, false);
  pace_seen(p, NOW, 1, -1, 0);
  pace_sent(p, NOW);
  pace_block(p, NOW + 4000);
  assert_true(pace_when(p, NOW + 1) == NOW + 10000);
  pace_block(p, NOW + 12000);
  assert_true(pace_when(p, NOW + 1) == NOW + 12000);
  /* pace_init defaults a bad window */
  pace_init(p, 0, false);
  assert_int_equal(p->window, 10000);
  free(p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_backoff_bounds),
      cmocka_unit_test(test_backoff_is_seeded),
      cmocka_unit_test(test_retry_after),
      cmocka_unit_test(test_ratelimit_reset),
      cmocka_unit_test(test_rolling_window),
      cmocka_unit_test(test_rolling_remaining_zero_blocks),
      cmocka_unit_test(test_ring_never_overflows),
      cmocka_unit_test(test_fixed_window),
      cmocka_unit_test(test_fixed_window_server_counts),
      cmocka_unit_test(test_block),
  };
  return cmocka_run_group_tests_name("pace", tests, NULL, NULL);
}
