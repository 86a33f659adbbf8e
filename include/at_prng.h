/* at_prng.h — a small seeded PRNG (xoshiro256**), owned by whoever needs
 * one (a sim instance, an engine, a run). No global state: the same seed
 * gives the same sequence on every machine. */
#ifndef AT_PRNG_H
#define AT_PRNG_H

#include <stdint.h>

struct at_prng {
  uint64_t s[4]; /* private */
};

/* Seed the generator; any 64-bit value (including 0) is fine. */
void at_prng_seed(struct at_prng *p, uint64_t seed);

uint64_t at_prng_next(struct at_prng *p);

/* Uniform double in [0, 1). */
double at_prng_unit(struct at_prng *p);

/* Uniform integer in [0, n); n must be > 0. */
uint64_t at_prng_below(struct at_prng *p, uint64_t n);

/* A standard normal deviate (Box-Muller). */
double at_prng_normal(struct at_prng *p);

/* Fill 'out' with 'n' lowercase hex characters and a NUL (out has n+1). */
void at_prng_hex(struct at_prng *p, char *out, unsigned n);

#endif
