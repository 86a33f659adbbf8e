/* pace.h — how fast and how often the engine may call an ATS: pacing under
 * the advertised rate limit, exponential backoff with full jitter, and
 * Retry-After / X-RateLimit-Reset parsing on the engine's own clock.
 * Pure functions over plain structs: the unit tests drive them directly. */
#ifndef ATSYNC_PACE_H
#define ATSYNC_PACE_H

#include <stdbool.h>
#include <stdint.h>

#include "at_prng.h"

#define PACE_RING 1024

struct pace {
  int limit;            /* requests per window (0 = not known yet): the
                           documented one (pace_assume) until an answer
                           names one */
  int64_t window;       /* ms */
  bool fixed;           /* fixed windows (reset at boundaries) vs rolling */
  int64_t window_end;   /* fixed: end of the current window, 0 = unknown */
  int used;             /* fixed: requests counted in the current window */
  int64_t sent[PACE_RING]; /* rolling: send times, oldest first */
  int head, n;
  int64_t blocked_until; /* a 429's Retry-After / Reset */
};

/* Start pacing with the connector's window model; the limit is learned from
 * X-RateLimit-Limit on the first response (or assumed, pace_assume). */
void pace_init(struct pace *p, int64_t window, bool fixed);

/* The limit the ATS documents (requests per window), for an ATS whose
 * answers name none: used until an answer's X-RateLimit-Limit does (then
 * that one). 0 changes nothing. Idempotent: call it before asking. */
void pace_assume(struct pace *p, int limit);

/* The earliest time a request may be sent (<= now: send now). */
int64_t pace_when(const struct pace *p, int64_t now);
/* Record a request sent at 'now'. */
void pace_sent(struct pace *p, int64_t now);
/* Learn from a response: limit (-1 = absent), remaining (-1 = absent),
 * reset (ms since the epoch, 0 = absent). */
void pace_seen(struct pace *p, int64_t now, int limit, int remaining,
               int64_t reset);
/* Hold every request until 'until' (after a 429). */
void pace_block(struct pace *p, int64_t until);

/* Full-jitter exponential backoff: a uniform wait in
 * [0, min(cap, base * 2^attempt)]; attempt counts from 0. */
int64_t backoff_delay(struct at_prng *r, int attempt, int64_t base,
                      int64_t cap);
/* The same ceiling with equal jitter: a uniform wait in
 * [ceiling / 2, ceiling]. Unlike full jitter it grows with every attempt,
 * for a client that must slow down (a 429 that names no time). */
int64_t backoff_delay_equal(struct at_prng *r, int attempt, int64_t base,
                            int64_t cap);

/* Retry-After as delta-seconds or an HTTP-date, relative to 'now' on the
 * engine's clock (never libcurl's). Returns the wait in ms clamped to
 * [0, cap], or -1 when the header is absent or unparseable. */
int64_t retry_after_ms(const char *value, int64_t now, int64_t cap);

/* X-RateLimit-Reset (epoch seconds, or seconds from now when small) as an
 * absolute time in ms, or 0 when absent/unparseable. */
int64_t ratelimit_reset_ms(const char *value, int64_t now);

#endif
