/* limits.c — the vendor rate limiter (rolling or fixed windows, or a token
 * bucket; one bucket per credential) and the per-route latency model
 * (log-normal). */
#include "sim_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* limit < 0: off; 0: every request is refused. */
void limiter_init(struct sim_limiter *l, int limit, int64_t window, bool fixed)
{
  limiter_free(l);
  l->limit = limit;
  l->window = window > 0 ? window : 10000;
  l->fixed = fixed;
  l->token = false;
}

static void bucket_free(struct sim_bucket *b)
{
  free(b->hits);
  free(b);
}

void limiter_reset(struct sim_limiter *l)
{
  for (size_t i = 0; i < l->buckets.n; i++)
    bucket_free(l->buckets.v[i]);
  vec_free(&l->buckets);
}

void limiter_free(struct sim_limiter *l) { limiter_reset(l); }

static struct sim_bucket *bucket(struct sim_limiter *l, const char *key)
{
  for (size_t i = 0; i < l->buckets.n; i++) {
    struct sim_bucket *b = l->buckets.v[i];
    if (strcmp(b->key, key) == 0)
      return b;
  }
  struct sim_bucket *b = xcalloc(1, sizeof *b);
  snprintf(b->key, sizeof b->key, "%s", key);
  vec_push(&l->buckets, b);
  return b;
}

static struct sim_rl_result hit_fixed(struct sim_limiter *l,
                                      struct sim_bucket *b, int64_t now)
{
  struct sim_rl_result r = {.limit = l->limit};
  int64_t start = now - (now % l->window);
  if (b->fixed_start != start) {
    b->fixed_start = start;
    b->fixed_count = 0;
  }
  r.reset = start + l->window;
  if (b->fixed_count >= l->limit) {
    r.limited = true;
    r.retry_after = r.reset - now;
    return r;
  }
  b->fixed_count++;
  r.remaining = l->limit - b->fixed_count;
  return r;
}

static struct sim_rl_result hit_rolling(struct sim_limiter *l,
                                        struct sim_bucket *b, int64_t now)
{
  struct sim_rl_result r = {.limit = l->limit};
  if (b->cap != (size_t)l->limit) { /* the limit changed: start over */
    free(b->hits);
    b->cap = (size_t)l->limit;
    b->hits = xcalloc(b->cap, sizeof *b->hits);
    b->head = b->n = 0;
  }
  while (b->n > 0 && b->hits[b->head] <= now - l->window) {
    b->head = (b->head + 1) % b->cap;
    b->n--;
  }
  if (b->n >= b->cap) {
    r.limited = true;
    r.reset = b->hits[b->head] + l->window;
    r.retry_after = r.reset - now;
    return r;
  }
  b->hits[(b->head + b->n) % b->cap] = now;
  b->n++;
  r.remaining = l->limit - (int)b->n;
  r.reset = b->hits[b->head] + l->window;
  return r;
}

/* Token bucket (Lever: 10 requests/s steady, bursts to 20 = a bucket of
 * 20 tokens refilled at 20 per 2 s). The level is kept in units of
 * 1/window token so that integer arithmetic is exact: a request costs
 * 'window' units, every ms adds 'limit' units, the bucket holds
 * limit * window units. remaining = whole tokens left; reset = when the
 * bucket is full again; retry_after = when the next whole token is in. */
static struct sim_rl_result hit_token(struct sim_limiter *l,
                                      struct sim_bucket *b, int64_t now)
{
  struct sim_rl_result r = {.limit = l->limit};
  int64_t cap = (int64_t)l->limit * l->window;
  if (!b->primed || b->level > cap) { /* new bucket, or the limit shrank */
    b->primed = true;
    b->level = cap;
    b->filled = now;
  }
  if (now > b->filled) {
    int64_t dt = now - b->filled;
    /* no overflow: dt is capped at one full refill */
    if (dt > l->window)
      dt = l->window;
    b->level += dt * l->limit;
    if (b->level > cap)
      b->level = cap;
    b->filled = now;
  }
  if (b->level < l->window) {
    r.limited = true;
    int64_t need = l->window - b->level;
    r.retry_after = (need + l->limit - 1) / l->limit;
    if (r.retry_after < 1)
      r.retry_after = 1;
    r.reset = now + (cap - b->level + l->limit - 1) / l->limit;
    return r;
  }
  b->level -= l->window;
  r.remaining = (int)(b->level / l->window);
  r.reset = now + (cap - b->level + l->limit - 1) / l->limit;
  return r;
}

struct sim_rl_result limiter_hit(struct sim_limiter *l, const char *key,
                                 int64_t now)
{
  if (l->limit < 0) { /* off */
    struct sim_rl_result off = {.limit = -1};
    return off;
  }
  if (l->limit == 0) { /* a limit of zero refuses every request */
    struct sim_rl_result r = {.limited = true, .limit = 0};
    r.reset = now + l->window;
    r.retry_after = l->window;
    return r;
  }
  struct sim_bucket *b = bucket(l, key);
  if (l->token)
    return hit_token(l, b, now);
  return l->fixed ? hit_fixed(l, b, now) : hit_rolling(l, b, now);
}

/* ---- latency --------------------------------------------------------------- */

#define Z99 2.3263478740408408 /* the 99th percentile of N(0,1) */

static struct sim_latency_rule *rule_new(const char *route, int64_t p50,
                                         int64_t p99)
{
  struct sim_latency_rule *r = xcalloc(1, sizeof *r);
  r->route = xstrdup(route);
  r->off = p50 <= 0 && p99 <= 0;
  if (!r->off) {
    if (p50 <= 0)
      p50 = 1;
    if (p99 < p50)
      p99 = p50;
    r->mu = log((double)p50);
    r->sigma = (log((double)p99) - r->mu) / Z99;
  }
  return r;
}

static void rules_free(struct sim_latency *l)
{
  for (size_t i = 0; i < l->rules.n; i++) {
    struct sim_latency_rule *r = l->rules.v[i];
    free(r->route);
    free(r);
  }
  vec_free(&l->rules);
}

void latency_init(struct sim_latency *l, bool off)
{
  rules_free(l);
  vec_push(&l->rules, rule_new(NULL, off ? 0 : 100, off ? 0 : 400));
}

void latency_free(struct sim_latency *l) { rules_free(l); }

int latency_set(struct sim_latency *l, const char *route, int64_t p50,
                int64_t p99)
{
  if (p50 < 0 || p99 < 0 || (p99 > 0 && p99 < p50))
    return -1;
  for (size_t i = 0; i < l->rules.n; i++) {
    struct sim_latency_rule *r = l->rules.v[i];
    bool same = (route == NULL && r->route == NULL) ||
                (route && r->route && strcmp(route, r->route) == 0);
    if (same) {
      struct sim_latency_rule *n = rule_new(route, p50, p99);
      free(r->route);
      free(r);
      l->rules.v[i] = n;
      return 0;
    }
  }
  vec_push(&l->rules, rule_new(route, p50, p99));
  return 0;
}

int64_t latency_sample(const struct sim_latency *l, struct at_prng *p,
                       const char *method, const char *path, const char *tmpl)
{
  const struct sim_latency_rule *use = NULL;
  /* the last matching route rule wins; the default is rule 0 */
  for (size_t i = l->rules.n; i-- > 0;) {
    const struct sim_latency_rule *r = l->rules.v[i];
    if (r->route == NULL || route_match(r->route, method, path, tmpl)) {
      use = r;
      break;
    }
  }
  if (use == NULL || use->off)
    return 0;
  double v = exp(use->mu + use->sigma * at_prng_normal(p));
  if (v > 120000.0)
    v = 120000.0;
  return (int64_t)(v + 0.5);
}
