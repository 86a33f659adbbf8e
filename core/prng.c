/* prng.c — xoshiro256** seeded through splitmix64. */
#include "at_prng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

void at_prng_seed(struct at_prng *p, uint64_t seed)
{
  for (int i = 0; i < 4; i++)
    p->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t at_prng_next(struct at_prng *p)
{
  uint64_t *s = p->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double at_prng_unit(struct at_prng *p)
{
  return (double)(at_prng_next(p) >> 11) * 0x1.0p-53;
}

uint64_t at_prng_below(struct at_prng *p, uint64_t n)
{
  /* Lemire-free rejection: unbiased and simple. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do
    v = at_prng_next(p);
  while (v >= limit);
  return v % n;
}

double at_prng_normal(struct at_prng *p)
{
  double u1 = at_prng_unit(p), u2 = at_prng_unit(p);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

void at_prng_hex(struct at_prng *p, char *out, unsigned n)
{
  static const char hex[] = "0123456789abcdef";
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) {
    if (i % 16 == 0)
      v = at_prng_next(p);
    out[i] = hex[v & 15];
    v >>= 4;
  }
  out[n] = '\0';
}
