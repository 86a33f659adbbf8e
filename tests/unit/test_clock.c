/* test_clock.c — clocks, time formats, durations and the seeded PRNG. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "at_clock.h"
#include "at_prng.h"

static void test_virtual_clock_moves_only_forward(void **state)
{
  (void)state;
  struct at_clock *c = at_clock_new_virtual(1000);
  assert_true(at_clock_is_virtual(c));
  assert_int_equal(at_clock_now(c), 1000);
  assert_int_equal(at_clock_advance_to(c, 5000), 0);
  assert_int_equal(at_clock_now(c), 5000);
  assert_int_equal(at_clock_advance_to(c, 4000), -1);
  assert_int_equal(at_clock_now(c), 5000);
  assert_int_equal(at_clock_epoch(c), 1000);
  at_clock_free(c);
  struct at_clock *r = at_clock_new_real();
  assert_false(at_clock_is_virtual(r));
  assert_int_equal(at_clock_advance_to(r, at_clock_now(r) + 10), -1);
  at_clock_free(r);
}

static void test_formats(void **state)
{
  (void)state;
  char buf[AT_TIME_BUF];
  /* the default epoch is Monday 2026-03-02 09:00 UTC */
  assert_string_equal(at_time_http_date(AT_CLOCK_DEFAULT_EPOCH_MS, buf),
                      "Mon, 02 Mar 2026 09:00:00 GMT");
  assert_string_equal(at_time_iso8601(AT_CLOCK_DEFAULT_EPOCH_MS + 5, true, buf),
                      "2026-03-02T09:00:00.005Z");
  assert_string_equal(at_time_iso8601(0, false, buf), "1970-01-01T00:00:00Z");
  assert_string_equal(at_time_iso8601(951782400000, false, buf),
                      "2000-02-29T00:00:00Z");
  int64_t ms;
  assert_int_equal(at_time_parse_iso8601("2026-03-02T09:00:00Z", &ms), 0);
  assert_int_equal(ms, AT_CLOCK_DEFAULT_EPOCH_MS);
  assert_int_equal(at_time_parse_iso8601("2026-03-02T10:00:00.250+01:00", &ms), 0);
  assert_int_equal(ms, AT_CLOCK_DEFAULT_EPOCH_MS + 250);
  assert_int_equal(at_time_parse_iso8601("2026-03-02", &ms), 0);
  assert_int_equal(ms, AT_CLOCK_DEFAULT_EPOCH_MS - 9 * 3600000);
  assert_int_equal(at_time_parse_iso8601("2026-02-29", &ms), -1);
  assert_int_equal(at_time_parse_iso8601("2026-03-02T09:00:00", &ms), -1);
  assert_int_equal(at_time_parse_iso8601("yesterday", &ms), -1);
  assert_int_equal(at_time_parse_iso8601("2026-13-01", &ms), -1);
  assert_int_equal(at_time_parse_http_date("Mon, 02 Mar 2026 09:00:00 GMT", &ms), 0);
  assert_int_equal(ms, AT_CLOCK_DEFAULT_EPOCH_MS);
  assert_int_equal(at_time_parse_http_date("Mon, 02 Foo 2026 09:00:00 GMT", &ms), -1);
}

static void test_durations(void **state)
{
  (void)state;
  int64_t ms;
  assert_int_equal(at_duration_parse("250ms", &ms), 0);
  assert_int_equal(ms, 250);
  assert_int_equal(at_duration_parse("1h30m", &ms), 0);
  assert_int_equal(ms, 5400000);
  assert_int_equal(at_duration_parse("90", &ms), 0);
  assert_int_equal(ms, 90000);
  assert_int_equal(at_duration_parse("2d", &ms), 0);
  assert_int_equal(ms, 172800000);
  assert_int_equal(at_duration_parse("5x", &ms), -1);
  assert_int_equal(at_duration_parse("", &ms), -1);
  assert_int_equal(at_duration_parse("-5s", &ms), -1);
  assert_int_equal(at_duration_parse("5s3", &ms), -1);
  /* sums that would overflow 64 bits are refused, not wrapped */
  assert_int_equal(at_duration_parse("200000000000d", &ms), -1);
  assert_int_equal(at_duration_parse("999999999999d999999999999d", &ms), -1);
  assert_int_equal(at_duration_parse("11574074d", &ms), 0);
  char buf[32];
  assert_string_equal(at_duration_format(5400000, buf, sizeof buf), "1h30m");
  assert_string_equal(at_duration_format(250, buf, sizeof buf), "250ms");
  assert_string_equal(at_duration_format(1500, buf, sizeof buf), "1.500s");
  assert_string_equal(at_duration_format(86400000 + 1000, buf, sizeof buf), "1d1s");
}

static void test_prng_is_seeded_and_bounded(void **state)
{
  (void)state;
  struct at_prng a, b, c;
  at_prng_seed(&a, 42);
  at_prng_seed(&b, 42);
  at_prng_seed(&c, 43);
  bool differs = false;
  for (int i = 0; i < 100; i++) {
    uint64_t x = at_prng_next(&a);
    assert_true(x == at_prng_next(&b));
    differs |= x != at_prng_next(&c);
  }
  assert_true(differs);
  for (int i = 0; i < 1000; i++) {
    assert_true(at_prng_below(&a, 7) < 7);
    double u = at_prng_unit(&a);
    assert_true(u >= 0.0 && u < 1.0);
  }
  char hex[33];
  at_prng_hex(&a, hex, 32);
  assert_int_equal(strlen(hex), 32);
  assert_int_equal(strspn(hex, "0123456789abcdef"), 32);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_virtual_clock_moves_only_forward),
      cmocka_unit_test(test_formats),
      cmocka_unit_test(test_durations),
      cmocka_unit_test(test_prng_is_seeded_and_bounded),
  };
  return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
