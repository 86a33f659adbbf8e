/* test_normalize.c — engine/normalize.c: phone numbers to E.164 (never
 * guessed), emails (a key to match by, and what is clearly not an
 * address), whitespace, the name key for duplicate matching, and dates
 * to YYYY-MM-DD (ambiguous ones refused). Tables: input, default country,
 * what comes out or a piece of the reason it is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../engine/normalize.h"

struct row {
  const char *in, *country;
  const char *want; /* the output, or NULL: refused */
  const char *why;  /* refused: a piece of the reason */
};

static const struct row phones[] = {
    /* E.164 kept, punctuation stripped */
    {"+14155550100", "", "+14155550100", NULL},
    {"  +1 (415) 555-0100 ", NULL, "+14155550100", NULL},
    {"+44 20 7946 0958", "US", "+442079460958", NULL},
    {"+49.30.1234567", "", "+49301234567", NULL},
    {"+33 1 23 45 67 89", "GB", "+33123456789", NULL},
    {"+44 (0)20 7946 0958", "", "+442079460958", NULL}, /* bracketed trunk */
    {"+61 2/1234 5678", "", "+61212345678", NULL},
    /* 00 and the country's own international prefix */
    {"0044 20 7946 0958", "", "+442079460958", NULL},
    {"00 49 30 1234567", "DE", "+49301234567", NULL},
    {"011 44 20 7946 0958", "US", "+442079460958", NULL},
    {"0011 44 20 7946 0958", "AU", "+442079460958", NULL},
    {"010 1 415 555 0100", "JP", "+14155550100", NULL},
    /* national numbers with a default country */
    {"(415) 555-0100", "US", "+14155550100", NULL},
    {"415.555.0100", "us", "+14155550100", NULL},
    {"1-415-555-0100", "US", "+14155550100", NULL},
    {"416 555 0100", "CA", "+14165550100", NULL},
    {"020 7946 0958", "GB", "+442079460958", NULL},
    {"07911 123456", "gb", "+447911123456", NULL},
    {"7911 123456", "GB", "+447911123456", NULL},
    {"030 1234567", "DE", "+49301234567", NULL},
    {"01 23 45 67 89", "FR", "+33123456789", NULL},
    {"020 123 4567", "NL", "+31201234567", NULL},
    {"912 345 678", "ES", "+34912345678", NULL},
    {"06 1234 5678", "IT", "+390612345678", NULL}, /* Italy keeps its 0 */
    {"01 234 5678", "IE", "+35312345678", NULL},
    {"02 1234 5678", "AU", "+61212345678", NULL},
    {"098765 43210", "IN", "+919876543210", NULL},
    {"(11) 91234-5678", "BR", "+5511912345678", NULL},
    {"03-1234-5678", "JP", "+81312345678", NULL},
    /* extensions */
    {"+1 415 555 0100 ext. 123", "", "+14155550100 ext. 123", NULL},
    {"(415) 555-0100 x42", "US", "+14155550100 ext. 42", NULL},
    {"020 7946 0958 #7", "GB", "+442079460958 ext. 7", NULL},
    {"+14155550100 Extension: 9", "", "+14155550100 ext. 9", NULL},
    /* refused */
    {"", "US", NULL, "empty"},
    {"   ", "US", NULL, "empty"},
    {"(415) 555-0100", "", NULL, "no default country"},
    {"(415) 555-0100", NULL, NULL, "country code"},
    {"020 7946 0958", "KR", NULL, "no dialing rules"},
    {"020 7946 0958", "GBR", NULL, "no dialing rules"},
    {"1-800-FLOWERS", "US", NULL, "letters ('F')"},
    {"call me", "US", NULL, "letters"},
    {"555 0100", "US", NULL, "too few digits for a US number"},
    {"555-0100", "GB", NULL, "too few"},
    {"415 555 0100 1", "US", NULL, "too many digits"},
    {"+1 555", "", NULL, "8 to 15"},
    {"+1234567890123456", "", NULL, "8 to 15"},
    {"+0 20 7946 0958", "", NULL, "never start with 0"},
    {"+", "", NULL, "no digits"},
    {"415+555+0100", "US", NULL, "'+' inside"},
    {"(015) 555-0100", "US", NULL, "area code"},
    {"415*555*0100", "US", NULL, "'*'"},
    {"415\xc2\xb7" "555 0100", "US", NULL, "non-ASCII"},
    {"12345678901234567890123456", "", NULL, "too many digits"},
    /* a trunk "(0)" past the digit limit: refused, never written past the
     * buffer (found by review; ASan saw the overflow) */
    {"123456789012345678901234(0)99999999999999999999999999999", "", NULL,
     "too many digits"},
    {"ext. 12", "US", NULL, "letters"},
};

static void test_phone(void **state)
{
  (void)state;
  int bad = 0;
  for (size_t i = 0; i < sizeof phones / sizeof *phones; i++) {
    const struct row *w = &phones[i];
    char out[64], why[300] = "";
    memset(out, 'X', sizeof out);
    int rc = norm_phone_e164(w->in, w->country, out, sizeof out, why,
                             sizeof why);
    if (w->want && (rc != 0 || strcmp(out, w->want) != 0)) {
      print_message("phone '%s' (%s): rc %d '%s' (%s), want '%s'\n", w->in,
                    w->country ? w->country : "NULL", rc, out, why, w->want);
      bad++;
    } else if (!w->want && (rc != -1 || out[0] != '\0' ||
                            strstr(why, w->why) == NULL)) {
      print_message("phone '%s' (%s): rc %d '%s', want refused with '%s' "
                    "in '%s'\n", w->in, w->country ? w->country : "NULL", rc,
                    out, w->why, why);
      bad++;
    }
  }
  if (bad)
    fail_msg("%d phone row(s) wrong", bad);
}

/* Refusals say what to do, and a short buffer is refused, not overrun. */
static void test_phone_reasons_and_room(void **state)
{
  (void)state;
  char out[64], why[300];
  assert_int_equal(norm_phone_e164("(415) 555-0100", "", out, sizeof out, why,
                                   sizeof why),
                   -1);
  assert_non_null(strstr(why, "write it with its country code"));
  assert_int_equal(norm_phone_e164("1-800-FLOWERS", "US", out, sizeof out, why,
                                   sizeof why),
                   -1);
  assert_non_null(strstr(why, "digits only"));
  char small[8];
  assert_int_equal(norm_phone_e164("+14155550100", "", small, sizeof small,
                                   why, sizeof why),
                   -1);
  assert_string_equal(small, "");
  assert_non_null(strstr(why, "no room"));
  /* NULL reason buffer is fine */
  assert_int_equal(norm_phone_e164("abc", "US", out, sizeof out, NULL, 0), -1);
  assert_int_equal(norm_phone_e164(NULL, "US", out, sizeof out, why,
                                   sizeof why),
                   -1);
}

static void test_email(void **state)
{
  (void)state;
  char out[128], why[300];
  norm_email_key("  Ada.Lovelace@Example.COM \n", out, sizeof out);
  assert_string_equal(out, "ada.lovelace@example.com");
  norm_email_key(NULL, out, sizeof out);
  assert_string_equal(out, "");
  char tiny[6];
  norm_email_key("ABCDEFGH@x.io", tiny, sizeof tiny);
  assert_string_equal(tiny, "abcde");

  static const struct row emails[] = {
      {" Ada.Lovelace@Example.com ", NULL, "Ada.Lovelace@Example.com", NULL},
      {"o'neil+tag@mail.example.co.uk", NULL, "o'neil+tag@mail.example.co.uk",
       NULL},
      {"", NULL, NULL, "empty"},
      {"ada.example.com", NULL, NULL, "no '@'"},
      {"ada lovelace@example.com", NULL, NULL, "space"},
      {"ada@exa\tmple.com", NULL, NULL, "space"},
      {"ada@localhost", NULL, NULL, "no dot"},
      {"@example.com", NULL, NULL, "nothing before"},
      {"ada@", NULL, NULL, "nothing after"},
      {"ada@@example.com", NULL, NULL, "more than one '@'"},
      {"a@b@example.com", NULL, NULL, "more than one '@'"},
      {"ada@example.", NULL, NULL, "empty part"},
      {"ada@.example.com", NULL, NULL, "empty part"},
      {"ada@example..com", NULL, NULL, "empty part"},
  };
  int bad = 0;
  for (size_t i = 0; i < sizeof emails / sizeof *emails; i++) {
    const struct row *w = &emails[i];
    why[0] = '\0';
    int rc = norm_email(w->in, out, sizeof out, why, sizeof why);
    if (w->want ? rc != 0 || strcmp(out, w->want) != 0
                : rc != -1 || strstr(why, w->why) == NULL) {
      print_message("email '%s': rc %d '%s' (%s)\n", w->in, rc, out, why);
      bad++;
    }
  }
  if (bad)
    fail_msg("%d email row(s) wrong", bad);
  assert_int_equal(norm_email("ada@example.com", tiny, sizeof tiny, why,
                              sizeof why),
                   -1);
  assert_non_null(strstr(why, "too long"));
}

static void test_text(void **state)
{
  (void)state;
  char out[64];
  norm_text("  Backend \t\n  Engineer  ", out, sizeof out);
  assert_string_equal(out, "Backend Engineer");
  norm_text("", out, sizeof out);
  assert_string_equal(out, "");
  norm_text(NULL, out, sizeof out);
  assert_string_equal(out, "");
  norm_text(" \r\n ", out, sizeof out);
  assert_string_equal(out, "");
  /* UTF-8 kept, the no-break space is a space */
  norm_text("Zo\xc3\xab\xc2\xa0\xc2\xa0M\xc3\xbcller  \xe6\x9d\xb1\xe4\xba\xac",
            out, sizeof out);
  assert_string_equal(out, "Zo\xc3\xab M\xc3\xbcller \xe6\x9d\xb1\xe4\xba\xac");
  /* cut at the buffer: never inside a character */
  char small[5];
  norm_text("ab\xe6\x9d\xb1", small, sizeof small); /* 5 bytes + NUL */
  assert_string_equal(small, "ab");
  norm_text("abc\xc3\xa9", small, sizeof small); /* fits exactly */
  assert_string_equal(small, "abc");
  char four[6];
  norm_text("abc\xc3\xa9", four, sizeof four);
  assert_string_equal(four, "abc\xc3\xa9");
  /* a character cut short by the input's end is not copied */
  norm_text("ab\xe6\x9d", out, sizeof out);
  assert_string_equal(out, "ab");
  char one[1];
  norm_text("abc", one, sizeof one);
  assert_string_equal(one, "");
}

static void test_name_key(void **state)
{
  (void)state;
  char a[128], b[128];
  norm_name_key("  Ada ", "LOVELACE", a, sizeof a);
  assert_string_equal(a, "ada lovelace");
  norm_name_key("ada", "  lovelace\t", b, sizeof b);
  assert_string_equal(a, b);
  norm_name_key("Mary  Ann", "Van  Der Berg", a, sizeof a);
  assert_string_equal(a, "mary ann van der berg");
  norm_name_key("\xc3\x89MILE", "Zo\xc3\x8b", a, sizeof a); /* ÉMILE ZOË */
  assert_string_equal(a, "\xc3\xa9mile zo\xc3\xab");
  norm_name_key(NULL, "Hopper", a, sizeof a);
  assert_string_equal(a, "hopper");
  norm_name_key("Grace", "", a, sizeof a);
  assert_string_equal(a, "grace");
  norm_name_key(NULL, NULL, a, sizeof a);
  assert_string_equal(a, "");
  /* the multiplication sign is not a capital letter */
  norm_name_key("A\xc3\x97" "B", "", a, sizeof a);
  assert_string_equal(a, "a\xc3\x97" "b");
}

static const struct row dates[] = {
    {"2026-11-28", NULL, "2026-11-28", NULL},
    {" 2026-1-5 ", NULL, "2026-01-05", NULL},
    {"2026/11/28", NULL, "2026-11-28", NULL},
    {"2026-11-28T10:00:00Z", NULL, "2026-11-28", NULL},
    {"2026-11-28T23:30:00-05:00", NULL, "2026-11-28", NULL},
    {"2026-11-28 10:00", NULL, "2026-11-28", NULL},
    {"28 Nov 2026", NULL, "2026-11-28", NULL},
    {"28 November 2026", NULL, "2026-11-28", NULL},
    {"Nov 28, 2026", NULL, "2026-11-28", NULL},
    {"nov. 28 2026", NULL, "2026-11-28", NULL},
    {"November 28 2026", NULL, "2026-11-28", NULL},
    {"Sept 3, 2026", NULL, "2026-09-03", NULL},
    {"28/11/2026", NULL, "2026-11-28", NULL},  /* D/M: 28 is no month */
    {"11/28/2026", NULL, "2026-11-28", NULL},  /* M/D */
    {"28.11.2026", NULL, "2026-11-28", NULL},
    {"5/5/2026", NULL, "2026-05-05", NULL},    /* the same either way */
    {"29 Feb 2028", NULL, "2028-02-29", NULL}, /* a leap year */
    {"2000-02-29", NULL, "2000-02-29", NULL},
    /* refused */
    {"03/04/2026", NULL, NULL, "03/04/2026 could be 3 April or 4 March: "
                               "write it as YYYY-MM-DD"},
    {"1.2.2026", NULL, NULL, "could be 1 February or 2 January"},
    {"2026-02-30", NULL, NULL, "February 2026 has 28 days"},
    {"30 Feb 2026", NULL, NULL, "not a date"},
    {"1900-02-29", NULL, NULL, "February 1900 has 28 days"},
    {"2026-13-01", NULL, NULL, "no month 13"},
    {"2026-00-10", NULL, NULL, "no month 0"},
    {"31/31/2026", NULL, NULL, "neither"},
    {"31/04/2026", NULL, NULL, "April 2026 has 30 days"},
    {"28/11/26", NULL, NULL, "2-digit year"},
    {"Nov 28, 26", NULL, NULL, "2-digit year"},
    {"0999-01-01", NULL, NULL, "four digits"},
    {"", NULL, NULL, "empty"},
    {"tomorrow", NULL, NULL, "write it as YYYY-MM-DD"},
    {"2026-11-28T", NULL, NULL, "YYYY-MM-DD"},
    {"2026-11-28 and more", NULL, NULL, "YYYY-MM-DD"},
    {"2026-11/28", NULL, NULL, "YYYY-MM-DD"},
    {"Nov 28 2026 2027", NULL, NULL, "YYYY-MM-DD"},
    {"Smarch 28, 2026", NULL, NULL, "YYYY-MM-DD"},
    {"00/00/2026", NULL, NULL, "not a date"},
};

static void test_date(void **state)
{
  (void)state;
  int bad = 0;
  for (size_t i = 0; i < sizeof dates / sizeof *dates; i++) {
    const struct row *w = &dates[i];
    char out[16], why[300] = "";
    int rc = norm_date_iso(w->in, out, sizeof out, why, sizeof why);
    if (w->want ? rc != 0 || strcmp(out, w->want) != 0
                : rc != -1 || out[0] != '\0' || strstr(why, w->why) == NULL) {
      print_message("date '%s': rc %d '%s' (%s), want %s '%s'\n", w->in, rc,
                    rc == 0 ? out : "", why, w->want ? "" : "refused:",
                    w->want ? w->want : w->why);
      bad++;
    }
  }
  if (bad)
    fail_msg("%d date row(s) wrong", bad);
  char small[10], why[200];
  assert_int_equal(norm_date_iso("2026-11-28", small, sizeof small, why,
                                 sizeof why),
                   -1);
  assert_non_null(strstr(why, "no room"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_phone),
      cmocka_unit_test(test_phone_reasons_and_room),
      cmocka_unit_test(test_email),
      cmocka_unit_test(test_text),
      cmocka_unit_test(test_name_key),
      cmocka_unit_test(test_date),
  };
  return cmocka_run_group_tests_name("normalize", tests, NULL, NULL);
}
