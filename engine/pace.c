/* pace.c — see pace.h. */
#include "pace.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"

void pace_init(struct pace *p, int64_t window, bool fixed)
{
  memset(p, 0, sizeof *p);
  p->window = window > 0 ? window : 10000;
  p->fixed = fixed;
}

void pace_assume(struct pace *p, int limit)
{
  if (p->limit <= 0 && limit > 0) /* an answer's limit is never replaced */
    p->limit = limit;
}

static int64_t oldest(const struct pace *p) { return p->sent[p->head]; }

/* Forget rolling sends that left the window. */
static void expire(struct pace *p, int64_t now)
{
  while (p->n > 0 && oldest(p) <= now - p->window) {
    p->head = (p->head + 1) % PACE_RING;
    p->n--;
  }
}

static void roll_fixed(struct pace *p, int64_t now)
{
  if (p->window_end == 0 || now < p->window_end)
    return;
  int64_t k = (now - p->window_end) / p->window + 1;
  p->window_end += k * p->window;
  p->used = 0;
}

int64_t pace_when(const struct pace *p, int64_t now)
{
  int64_t t = now;
  if (p->blocked_until > t)
    t = p->blocked_until;
  if (p->limit <= 0)
    return t;
  if (p->fixed && p->window_end > 0) {
    struct pace q = *p;
    roll_fixed(&q, t);
    return q.used < q.limit ? t : q.window_end;
  }
  /* rolling: count the sends still inside (t - window, t] */
  int inside = 0;
  int64_t first = 0;
  for (int i = 0; i < p->n; i++) {
    int64_t s = p->sent[(p->head + i) % PACE_RING];
    if (s > t - p->window) {
      if (inside == 0)
        first = s;
      inside++;
    }
  }
  if (inside < p->limit)
    return t;
  /* wait until enough sends leave the window */
  int over = inside - p->limit; /* index of the send that must leave */
  int seen = 0;
  for (int i = 0; i < p->n; i++) {
    int64_t s = p->sent[(p->head + i) % PACE_RING];
    if (s > t - p->window) {
      if (seen == over)
        return s + p->window;
      seen++;
    }
  }
  return first + p->window;
}

void pace_sent(struct pace *p, int64_t now)
{
  expire(p, now);
  if (p->n == PACE_RING) { /* drop the oldest: the window cannot hold more */
    p->head = (p->head + 1) % PACE_RING;
    p->n--;
  }
  p->sent[(p->head + p->n) % PACE_RING] = now;
  p->n++;
  if (p->fixed) {
    roll_fixed(p, now);
    p->used++;
  }
}

void pace_seen(struct pace *p, int64_t now, int limit, int remaining,
               int64_t reset)
{
  if (limit > 0)
    p->limit = limit;
  if (p->fixed && reset > now && reset != p->window_end) {
    /* a new window on the server: learn its length from two resets */
    if (p->window_end != 0 && reset > p->window_end) {
      int64_t len = reset - p->window_end;
      if (len >= 1000 && len < p->window)
        p->window = len;
      p->used = 0;
    }
    p->window_end = reset;
  }
  if (remaining >= 0 && p->limit > 0) {
    int used = p->limit - remaining;
    if (p->fixed) {
      if (used > p->used) /* someone else shares the budget */
        p->used = used;
    } else if (remaining == 0) {
      /* the server sees no room: wait until our oldest send leaves (a
       * whole window when someone else used the budget) */
      expire(p, now);
      int64_t until = p->n > 0 ? oldest(p) + p->window : now + p->window;
      if (until > p->blocked_until)
        p->blocked_until = until;
    }
  }
}

void pace_block(struct pace *p, int64_t until)
{
  if (until > p->blocked_until)
    p->blocked_until = until;
}

/* min(cap, base * 2^attempt), without overflow. */
static int64_t backoff_ceiling(int attempt, int64_t base, int64_t cap)
{
  if (attempt < 0)
    attempt = 0;
  int64_t ceiling = base;
  for (int i = 0; i < attempt && ceiling < cap; i++)
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2; /* never overflows */
  return ceiling > cap ? cap : ceiling;
}

int64_t backoff_delay(struct at_prng *r, int attempt, int64_t base,
                      int64_t cap)
{
  int64_t ceiling = backoff_ceiling(attempt, base, cap);
  if (ceiling <= 0)
    return 0;
  return (int64_t)at_prng_below(r, (uint64_t)ceiling + 1);
}

int64_t backoff_delay_equal(struct at_prng *r, int attempt, int64_t base,
                            int64_t cap)
{
  int64_t ceiling = backoff_ceiling(attempt, base, cap);
  if (ceiling <= 0)
    return 0;
  int64_t half = ceiling / 2;
  return half + (int64_t)at_prng_below(r, (uint64_t)(ceiling - half) + 1);
}

int64_t retry_after_ms(const char *value, int64_t now, int64_t cap)
{
  if (value == NULL)
    return -1;
  while (*value == ' ')
    value++;
  if (*value == '\0')
    return -1;
  int64_t ms;
  if (isdigit((unsigned char)*value)) {
    char *end;
    long long secs = strtoll(value, &end, 10);
    while (*end == ' ')
      end++;
    if (*end != '\0' || secs < 0)
      return -1;
    if (secs >= 1000000000LL && secs <= INT64_MAX / 1000)
      ms = secs * 1000 - now; /* an epoch time: Greenhouse v1's 2023 docs
                                 describe Retry-After as a timestamp */
    else
      ms = secs > cap / 1000 + 1 ? cap : secs * 1000;
  } else {
    int64_t at;
    if (at_time_parse_http_date(value, &at) != 0)
      return -1;
    ms = at - now;
  }
  if (ms < 0)
    ms = 0;
  if (ms > cap)
    ms = cap;
  return ms;
}

int64_t ratelimit_reset_ms(const char *value, int64_t now)
{
  if (value == NULL || !isdigit((unsigned char)*value))
    return 0;
  char *end;
  long long v = strtoll(value, &end, 10);
  if ((*end != '\0' && *end != ' ') || v > INT64_MAX / 1000)
    return 0; /* unparseable, or absurd (v * 1000 would overflow) */
  /* small values are seconds from now; epoch seconds otherwise */
  if (v < 100000000LL)
    return now + v * 1000;
  return v * 1000;
}
