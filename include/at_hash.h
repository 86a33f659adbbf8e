/* at_hash.h — FNV-1a, 64 bit: the one hash behind trace hashes and the
 * journal's body hashes. Not for secrets or for hash tables exposed to
 * untrusted input; it is a fingerprint for "same bytes, same run". */
#ifndef AT_HASH_H
#define AT_HASH_H

#include <stddef.h>
#include <stdint.h>

#define AT_FNV64_INIT 0xcbf29ce484222325ULL

static inline uint64_t at_fnv1a64(uint64_t h, const void *data, size_t len)
{
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

#endif
