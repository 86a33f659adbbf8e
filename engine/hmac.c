/* hmac.c — webhook signatures: HMAC-SHA256 of the raw body with the
 * connection's webhook secret, compared with the digest the ATS sent (hex,
 * or base64 for hmac_sha256_b64_check).
 * The comparison runs over the full 32-byte digest in constant time
 * (CRYPTO_memcmp), after decoding the hex, so neither the case of the hex
 * nor the position of the first wrong byte shows in the timing. */
#include "connector.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define DIGEST_LEN 32 /* SHA-256 */

static int hex_nibble(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Exactly 64 hex digits (either case) into 32 bytes; -1 for anything else
 * (shorter, longer, a space, a sign, a "0x"). */
static int hex_decode(const char *hex, unsigned char out[DIGEST_LEN])
{
  if (hex == NULL || strlen(hex) != 2 * DIGEST_LEN)
    return -1;
  for (size_t i = 0; i < DIGEST_LEN; i++) {
    int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return -1;
    out[i] = (unsigned char)(hi << 4 | lo);
  }
  return 0;
}

enum sig_result hmac_sha256_hex_check(const char *key, const void *data,
                                      size_t len, const char *hex)
{
  unsigned char want[DIGEST_LEN], got[EVP_MAX_MD_SIZE];
  if (hex_decode(hex, want) != 0)
    return SIG_MALFORMED;
  unsigned int got_len = 0;
  const char *k = key ? key : "";
  /* HMAC() with a NULL data pointer and length 0 is fine, but be explicit:
   * an empty body is signed like any other */
  static const unsigned char empty[1];
  const unsigned char *d = data && len ? data : empty;
  if (HMAC(EVP_sha256(), k, (int)strlen(k), d, len, got, &got_len) == NULL ||
      got_len != DIGEST_LEN)
    return SIG_MISMATCH; /* cannot compute: never accept */
  return CRYPTO_memcmp(want, got, DIGEST_LEN) == 0 ? SIG_OK : SIG_MISMATCH;
}

enum sig_result hmac_sha256_b64_check(const char *key, const void *data,
                                      size_t len, const char *b64)
{
  unsigned char got[EVP_MAX_MD_SIZE], enc[64];
  unsigned int got_len = 0;
  const char *k = key ? key : "";
  static const unsigned char empty[1];
  const unsigned char *d = data && len ? data : empty;
  if (b64 == NULL || strlen(b64) != 44 || b64[43] != '=')
    return SIG_MALFORMED;
  if (HMAC(EVP_sha256(), k, (int)strlen(k), d, len, got, &got_len) == NULL ||
      got_len != DIGEST_LEN)
    return SIG_MISMATCH; /* cannot compute: never accept */
  EVP_EncodeBlock(enc, got, DIGEST_LEN); /* 44 characters and a NUL */
  return CRYPTO_memcmp(enc, b64, 44) == 0 ? SIG_OK : SIG_MISMATCH;
}
