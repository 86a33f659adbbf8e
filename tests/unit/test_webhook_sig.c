/* test_webhook_sig.c — webhook signatures: hmac_sha256_hex_check (engine/
 * hmac.c) and the Greenhouse connector's event_verify, which reads
 * "Signature: sha256 <hex>" (exactly that prefix, one space) and checks it
 * over the raw body with the webhook secret. The expected digests are
 * computed here with OpenSSL's one-shot HMAC, independently of the code
 * under test, and one is pinned to a published test vector (RFC 4231). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../../engine/connector.h"

static const char secret[] = "whsec-7f3a9c";
static const char body[] =
    "{\"action\":\"candidate_stage_change\",\"payload\":{\"application\":"
    "{\"id\":265277,\"candidate\":{\"id\":265772,\"first_name\":\"Giuseppe\\u003c\"}}}}";

/* hex(HMAC-SHA256(key, data)), lowercase, into a 65-byte buffer. */
static void sign(const char *key, const void *data, size_t len, char *hex)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key, (int)strlen(key), data, len, md, &n);
  assert_int_equal(n, 32);
  for (unsigned i = 0; i < n; i++)
    sprintf(hex + 2 * i, "%02x", md[i]);
}

/* A delivery: the body and up to four headers. */
struct delivery {
  const char *names[4], *values[4];
};

static const char *lookup(void *ud, const char *name)
{
  const struct delivery *d = ud;
  for (size_t i = 0; i < 4 && d->names[i]; i++)
    if (strcasecmp(d->names[i], name) == 0)
      return d->values[i];
  return NULL;
}

/* event_verify with 'sig' as the Signature header (NULL: none). */
static enum sig_result verify(const char *key, const char *data, size_t len,
                              const char *sig)
{
  struct delivery d = {{"Content-Type", sig ? "Signature" : NULL},
                       {"application/json", sig}};
  struct webhook_req r = {.body = data, .len = len, .header = lookup,
                          .ud = &d};
  return connector_greenhouse.event_verify(key, &r);
}

static enum sig_result verify_hex(const char *key, const char *data,
                                  const char *prefix, const char *hex)
{
  char h[200];
  snprintf(h, sizeof h, "%s%s", prefix, hex);
  return verify(key, data, strlen(data), h);
}

static void test_valid(void **state)
{
  (void)state;
  char hex[65];
  sign(secret, body, strlen(body), hex);
  assert_int_equal(verify_hex(secret, body, "sha256 ", hex), SIG_OK);
  assert_int_equal(hmac_sha256_hex_check(secret, body, strlen(body), hex),
                   SIG_OK);
}

/* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?" */
static void test_rfc4231_vector(void **state)
{
  (void)state;
  static const char want[] =
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  static const char data[] = "what do ya want for nothing?";
  assert_int_equal(hmac_sha256_hex_check("Jefe", data, strlen(data), want),
                   SIG_OK);
  assert_int_equal(verify_hex("Jefe", data, "sha256 ", want), SIG_OK);
}

static void test_one_digit_changed(void **state)
{
  (void)state;
  char hex[65];
  sign(secret, body, strlen(body), hex);
  /* every position: the comparison covers the whole digest */
  for (size_t i = 0; i < 64; i++) {
    char bad[65];
    memcpy(bad, hex, sizeof bad);
    bad[i] = bad[i] == '0' ? '1' : '0';
    if (verify_hex(secret, body, "sha256 ", bad) != SIG_MISMATCH)
      fail_msg("digit %zu changed was not a mismatch", i);
  }
}

static void test_wrong_secret(void **state)
{
  (void)state;
  char hex[65];
  sign("another-secret", body, strlen(body), hex);
  assert_int_equal(verify_hex(secret, body, "sha256 ", hex), SIG_MISMATCH);
  /* the body changed after signing */
  sign(secret, body, strlen(body), hex);
  char h[80];
  snprintf(h, sizeof h, "sha256 %s", hex);
  assert_int_equal(verify(secret, body, strlen(body) - 1, h), SIG_MISMATCH);
}

static void test_truncated(void **state)
{
  (void)state;
  char hex[65];
  sign(secret, body, strlen(body), hex);
  hex[63] = '\0'; /* 63 digits */
  assert_int_equal(verify_hex(secret, body, "sha256 ", hex), SIG_MALFORMED);
  hex[0] = '\0';
  assert_int_equal(verify_hex(secret, body, "sha256 ", hex), SIG_MALFORMED);
  /* 65 digits, and the digest twice */
  char two[140];
  sign(secret, body, strlen(body), hex);
  snprintf(two, sizeof two, "%s0", hex);
  assert_int_equal(verify_hex(secret, body, "sha256 ", two), SIG_MALFORMED);
  snprintf(two, sizeof two, "%s%s", hex, hex);
  assert_int_equal(verify_hex(secret, body, "sha256 ", two), SIG_MALFORMED);
  /* not hex: a 'g', a space, a trailing newline */
  char bad[70];
  memcpy(bad, hex, 65);
  bad[10] = 'g';
  assert_int_equal(verify_hex(secret, body, "sha256 ", bad), SIG_MALFORMED);
  memcpy(bad, hex, 65);
  bad[10] = ' ';
  assert_int_equal(verify_hex(secret, body, "sha256 ", bad), SIG_MALFORMED);
  snprintf(bad, sizeof bad, "%s\n", hex);
  assert_int_equal(verify_hex(secret, body, "sha256 ", bad), SIG_MALFORMED);
  assert_int_equal(hmac_sha256_hex_check(secret, body, strlen(body), NULL),
                   SIG_MALFORMED);
}

static void test_wrong_prefix(void **state)
{
  (void)state;
  char hex[65];
  sign(secret, body, strlen(body), hex);
  static const char *const prefixes[] = {
      "sha1 ", "sha256=", "sha256", "sha256  ", "SHA256 ", " sha256 ",
      "sha512 ", ""};
  for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
    if (verify_hex(secret, body, prefixes[i], hex) != SIG_MALFORMED)
      fail_msg("prefix '%s' was accepted", prefixes[i]);
}

static void test_missing(void **state)
{
  (void)state;
  assert_int_equal(verify(secret, body, strlen(body), NULL), SIG_MISSING);
  /* a request without a header function at all */
  struct webhook_req r = {.body = body, .len = strlen(body)};
  assert_int_equal(connector_greenhouse.event_verify(secret, &r), SIG_MISSING);
}

static void test_uppercase_hex(void **state)
{
  (void)state;
  char hex[65];
  sign(secret, body, strlen(body), hex);
  for (char *p = hex; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  assert_int_equal(verify_hex(secret, body, "sha256 ", hex), SIG_OK);
  /* mixed case too */
  for (char *p = hex; *p; p += 2)
    *p = (char)tolower((unsigned char)*p);
  assert_int_equal(verify_hex(secret, body, "sha256 ", hex), SIG_OK);
}

static void test_empty_body(void **state)
{
  (void)state;
  char hex[65];
  sign(secret, "", 0, hex);
  assert_int_equal(verify(secret, "", 0, NULL), SIG_MISSING);
  char h[80];
  snprintf(h, sizeof h, "sha256 %s", hex);
  assert_int_equal(verify(secret, "", 0, h), SIG_OK);
  struct delivery d = {{"Signature"}, {h}};
  struct webhook_req r = {.body = NULL, .len = 0, .header = lookup, .ud = &d};
  assert_int_equal(connector_greenhouse.event_verify(secret, &r), SIG_OK);
  assert_int_equal(hmac_sha256_hex_check(secret, NULL, 0, hex), SIG_OK);
  /* a signature of a non-empty body does not cover the empty one */
  sign(secret, body, strlen(body), hex);
  snprintf(h, sizeof h, "sha256 %s", hex);
  assert_int_equal(verify(secret, "", 0, h), SIG_MISMATCH);
}

/* No secret configured: a signature made with the empty key proves
 * nothing, so it never passes. */
static void test_no_secret(void **state)
{
  (void)state;
  char hex[65];
  sign("", body, strlen(body), hex);
  assert_int_equal(verify_hex("", body, "sha256 ", hex), SIG_MISMATCH);
  assert_int_equal(verify_hex(NULL, body, "sha256 ", hex), SIG_MISMATCH);
}

static void test_names(void **state)
{
  (void)state;
  assert_string_equal(sig_result_name(SIG_OK), "ok");
  assert_string_equal(sig_result_name(SIG_MISSING), "missing");
  assert_string_equal(sig_result_name(SIG_MALFORMED), "malformed");
  assert_string_equal(sig_result_name(SIG_MISMATCH), "mismatch");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid),
      cmocka_unit_test(test_rfc4231_vector),
      cmocka_unit_test(test_one_digit_changed),
      cmocka_unit_test(test_wrong_secret),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_wrong_prefix),
      cmocka_unit_test(test_missing),
      cmocka_unit_test(test_uppercase_hex),
      cmocka_unit_test(test_empty_body),
      cmocka_unit_test(test_no_secret),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests_name("webhook_sig", tests, NULL, NULL);
}
