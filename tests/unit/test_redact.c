/* test_redact.c — secrets never reach a log, an error or an output:
 * registered secrets are masked wherever they occur, credential-looking
 * patterns (Authorization values, token fields, secret parameters) too,
 * ordinary text is left alone, and the buffer's capacity is never
 * exceeded, however little room is left. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../engine/engine_int.h"

#define MASK "[redacted]"

static int setup(void **state)
{
  struct atsync *e = calloc(1, sizeof *e); /* only nsecrets/secrets used */
  if (e == NULL)
    return -1;
  *state = e;
  return 0;
}

static int teardown(void **state)
{
  struct atsync *e = *state;
  for (size_t i = 0; i < e->nsecrets; i++)
    free(e->secrets[i]);
  free(e->secrets);
  free(e);
  return 0;
}

static int count(const char *hay, const char *needle)
{
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
    n++;
  return n;
}

/* Redact 'in' in a buffer of 'cap' bytes followed by a guard; the guard
 * must survive and the result fit. Returns the result (static). */
static const char *redact_in(const struct atsync *e, const char *in,
                             size_t cap)
{
  static char out[4096];
  enum { GUARD = 32 };
  assert_true(cap + GUARD <= sizeof out);
  char *buf = malloc(cap + GUARD);
  assert_non_null(buf);
  memset(buf, 0x5a, cap + GUARD);
  snprintf(buf, cap, "%s", in);
  eng_redact(e, buf, cap);
  for (size_t i = cap; i < cap + GUARD; i++)
    if ((unsigned char)buf[i] != 0x5a)
      fail_msg("redacting '%s' (cap %zu) wrote past the buffer at +%zu", in,
               cap, i - cap);
  size_t len = strnlen(buf, cap);
  if (len >= cap)
    fail_msg("redacting '%s' (cap %zu) left no NUL inside the buffer", in,
             cap);
  memcpy(out, buf, len + 1);
  free(buf);
  return out;
}

static void test_registered_secret_everywhere(void **state)
{
  struct atsync *e = *state;
  eng_secret(e, "supersecretkey123");
  assert_int_equal(e->nsecrets, 1);
  const char *r = redact_in(e,
                            "key supersecretkey123 in a url "
                            "https://x/?k=supersecretkey123&a=1 and at the "
                            "end supersecretkey123",
                            512);
  print_message("%s\n", r);
  assert_null(strstr(r, "supersecretkey123"));
  assert_null(strstr(r, "secretkey"));
  assert_int_equal(count(r, MASK), 3);
  assert_non_null(strstr(r, "&a=1 and at the end " MASK));
  assert_true(strncmp(r, "key " MASK " in a url", 18) == 0);
  /* adjacent occurrences */
  r = redact_in(e, "supersecretkey123supersecretkey123", 512);
  assert_string_equal(r, MASK MASK);
}

static void test_several_secrets(void **state)
{
  struct atsync *e = *state;
  eng_secret(e, "client-secret-xyz");
  eng_secret(e, "rt_0123456789");
  eng_secret(e, "AUTHCODE42");
  assert_int_equal(e->nsecrets, 3);
  const char *r = redact_in(
      e, "exchanging AUTHCODE42 with client-secret-xyz gave rt_0123456789",
      256);
  assert_string_equal(r, "exchanging " MASK " with " MASK " gave " MASK);
}

static void test_registration_rules(void **state)
{
  struct atsync *e = *state;
  eng_secret(e, NULL);
  eng_secret(e, "");
  eng_secret(e, "abc12"); /* < 6 characters: too short to be a secret */
  assert_int_equal(e->nsecrets, 0);
  eng_secret(e, "abc123");
  assert_int_equal(e->nsecrets, 1);
  eng_secret(e, "abc123"); /* once only */
  assert_int_equal(e->nsecrets, 1);
  const char *r = redact_in(e, "abc12 stays, abc123 goes", 128);
  assert_string_equal(r, "abc12 stays, " MASK " goes");
  /* NULL engine: patterns only */
  char buf[128] = "token abc123 Bearer eyJ0eXAi.payload.sig";
  eng_redact(NULL, buf, sizeof buf);
  assert_string_equal(buf, "token abc123 Bearer " MASK);
  /* NULL text and zero capacity are no-ops */
  eng_redact(e, NULL, 10);
  char one[4] = "abc";
  eng_redact(e, one, 0);
  assert_string_equal(one, "abc");
}

static void test_credential_patterns(void **state)
{
  struct atsync *e = *state;
  static const struct {
    const char *in, *leak, *keep;
  } cases[] = {
      {"Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "eyJhbGciOi",
       "Authorization"},
      {"authorization: bearer abcdef0123456789", "abcdef0123456789",
       "authorization"},
      {"-H 'Authorization: Basic c2VjcmV0a2V5Og=='", "c2VjcmV0a2V5Og", "-H '"},
      {"{\"access_token\":\"tok-1234567890\",\"token_type\":\"bearer\"}",
       "tok-1234567890", "\"token_type\""},
      {"{\"access_token\": \"tok-1234567890\"}", "tok-1234567890",
       "access_token"},
      {"grant_type=refresh_token&refresh_token=rt-abcdef123&x=1", "rt-abcdef",
       "&x=1"},
      {"client_id=cid&client_secret=cs-98765432&grant_type=client_credentials",
       "cs-98765432", "&grant_type=client_credentials"},
      {"{\"client_secret\":\"s3cr3t-value\"}", "s3cr3t-value", "{\""},
      {"api_key=k-0011223344 sent", "k-0011223344", " sent"},
      {"grant_type=authorization_code&code=AbCd1234EfGh", "AbCd1234EfGh",
       "grant_type="},
      {"password: hunter2hunter2", "hunter2", "password"},
      /* letters only, but not an error code's shape: still a code */
      {"code=AbCdEfGhIjKlMn&state=x", "AbCdEfGhIjKlMn", "&state=x"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *r = redact_in(e, cases[i].in, 512);
    if (strstr(r, cases[i].leak) || !strstr(r, MASK) ||
        !strstr(r, cases[i].keep))
      fail_msg("'%s' -> '%s' (must hide '%s', keep '%s')", cases[i].in, r,
               cases[i].leak, cases[i].keep);
  }
}

static void test_plain_text_intact(void **state)
{
  struct atsync *e = *state;
  eng_secret(e, "supersecretkey123");
  static const char *const texts[] = {
      "Created candidate 123 in Greenhouse; moved to Phone Screen (job 4001)",
      "Connection connected -> ats_unavailable: Greenhouse is not answering "
      "properly (connection refused); atsync retries on its own.",
      "GET https://harvest.greenhouse.io/v1/candidates?email=ada%40example.com",
      "Approved Ada Lovelace for job 'backend'",
      "Connected Greenhouse (Harvest v1 API key) at http://127.0.0.1:1",
      "422 {\"message\":\"Validation error\",\"errors\":[{\"field\":"
      "\"phone_numbers\"}]}",
      /* an ATS's error code is a word, not an authorization code */
      "200 {\"success\":false,\"errorInfo\":{\"code\":\"invalid_input\"}}",
      "403 {\"code\": \"missing_endpoint_permission\"}",
      "403 {\"code\":\"ForbiddenError\",\"message\":\"perform_as: user "
      "d9651c5d is deactivated\"}",
      "",
  };
  for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
    const char *r = redact_in(e, texts[i], 512);
    if (strcmp(r, texts[i]) != 0)
      fail_msg("plain text changed:\n  '%s'\n->'%s'", texts[i], r);
  }
}

static void test_idempotent(void **state)
{
  struct atsync *e = *state;
  eng_secret(e, "supersecretkey123");
  char buf[256] = "Bearer supersecretkey123 and access_token=abcdefgh1234";
  eng_redact(e, buf, sizeof buf);
  char once[256];
  snprintf(once, sizeof once, "%s", buf);
  eng_redact(e, buf, sizeof buf);
  assert_string_equal(buf, once);
  assert_null(strstr(buf, "supersecret"));
  assert_null(strstr(buf, "abcdefgh1234"));
}

/* The mask is longer than a short secret: with no room left, the text is
 * cut, never written past its buffer, and the secret is still gone. */
static void test_small_capacity(void **state)
{
  struct atsync *e = *state;
  eng_secret(e, "sec123");     /* 6: shorter than the mask */
  eng_secret(e, "longsecretvalue-0123456789"); /* longer than the mask */
  static const char *const ins[] = {
      "sec123",
      "x sec123",
      "key=sec123",
      "sec123 sec123 sec123",
      "ab sec123 cd sec123",
      "Bearer abcd",
      "Authorization: Bearer abcdefghij",
      "longsecretvalue-0123456789 then sec123",
      "refresh_token=zzzz&client_secret=yyyy",
  };
  for (size_t i = 0; i < sizeof ins / sizeof *ins; i++) {
    size_t len = strlen(ins[i]);
    /* every capacity from exactly the string down to a single byte */
    for (size_t cap = len + 1; cap >= 1; cap--) {
      char in[128];
      snprintf(in, sizeof in, "%.*s", (int)(cap - 1), ins[i]);
      const char *r = redact_in(e, in, cap);
      if (strstr(r, "sec123") || strstr(r, "longsecretvalue-0123456789"))
        fail_msg("'%s' (cap %zu) -> '%s' still shows a secret", in, cap, r);
    }
  }
  /* the public entry point redacts in place within the string's size */
  char buf[] = "the key is sec123";
  atsync_redact(e, buf);
  assert_string_equal(buf, "the key is [redac"); /* cut to its size */
  char buf2[] = "the key is longsecretvalue-0123456789!";
  atsync_redact(e, buf2);
  assert_string_equal(buf2, "the key is " MASK "!");
}

/* A secret that happens to occur in the mask itself must not make the
 * redaction loop on its own output. */
static void test_secret_inside_the_mask(void **state)
{
  struct atsync *e = *state;
  eng_secret(e, "redacted");
  const char *r = redact_in(e, "x redacted y redacted z", 64);
  print_message("-> %s\n", r);
  assert_string_equal(r, "x " MASK " y " MASK " z");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_registered_secret_everywhere),
      T(test_several_secrets),
      T(test_registration_rules),
      T(test_credential_patterns),
      T(test_plain_text_intact),
      T(test_idempotent),
      T(test_small_capacity),
      T(test_secret_inside_the_mask),
  };
#undef T
  return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
