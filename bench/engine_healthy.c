/* engine_healthy.c — the engine's healthy path against the fake Greenhouse,
 * on the virtual clock with the sim's latency model on (p50 100 ms, p99
 * 400 ms per request):
 *
 *   (a) steady: approvals one every 2 s against 50 requests per 10 s; the
 *       approval-to-stage latency (approved_at -> synced_at) per candidate,
 *       p50/p99/max;
 *   (b) burst: 1,000 approvals at once; candidates delivered per minute
 *       against what the limit allows (limit / requests per candidate), and
 *       the number of 429s the sim answered.
 *
 * Both on v3 (OAuth) and on a v1 key. Virtual time, so the result is the
 * same on every run and machine; the wall time is printed too.
 *
 *   usage: engine_healthy [N_BURST]     (default 1000) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engfx.h"

static int cmp64(const void *a, const void *b)
{
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

struct lat {
  int64_t *v;
  size_t n, synced;
};

static void collect(void *ud, const struct atsync_candidate_info *c)
{
  struct lat *l = ud;
  if (c->sync == ATSYNC_SYNCED) {
    l->v[l->n++] = c->synced_at - c->approved_at;
    l->synced++;
  }
}

static double wall_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static const char *name(enum engfx_auth a)
{
  return a == ENGFX_V1_KEY ? "v1 key" : "v3 OAuth";
}

static size_t count_status(struct engfx *f, int status)
{
  return sim_journal_count(f->fx->sim, NULL, status);
}

static int steady(enum engfx_auth auth, int n)
{
  struct engfx_opts o = {.auth = auth, .latency = true, .rate_limit = 50,
                         .rate_window_ms = 10000};
  struct engfx *f = engfx_new(&o);
  double w0 = wall_ms();
  for (int i = 0; i < n; i++) {
    char ref[32];
    snprintf(ref, sizeof ref, "s%d", i);
    engfx_approve(f, ref, NULL);
    engfx_run(f, 2000);
  }
  engfx_settle(f, 600000);
  struct lat l = {.v = calloc((size_t)n, sizeof(int64_t))};
  atsync_candidates(f->e, f->org, collect, &l);
  qsort(l.v, l.n, sizeof *l.v, cmp64);
  size_t p99 = l.n ? (l.n * 99 + 99) / 100 - 1 : 0;
  printf("steady  %-8s %4d approvals, one every 2 s, limit 50/10s: %zu synced; "
         "approval-to-stage p50 %lld ms, p99 %lld ms, max %lld ms; 429s: %zu; "
         "wall %.0f ms\n",
         name(auth), n, l.synced, l.n ? (long long)l.v[l.n / 2] : -1,
         l.n ? (long long)l.v[p99] : -1, l.n ? (long long)l.v[l.n - 1] : -1,
         count_status(f, 429), wall_ms() - w0);
  int ok = l.synced == (size_t)n && l.n && l.v[p99] < 2000 &&
           count_status(f, 429) == 0;
  free(l.v);
  engfx_free(f);
  return ok ? 0 : 1;
}

static int burst(enum engfx_auth auth, int n)
{
  struct engfx_opts o = {.auth = auth, .latency = true, .rate_limit = 50,
                         .rate_window_ms = 10000};
  struct engfx *f = engfx_new(&o);
  engfx_settle(f, 60000); /* the connection is up */
  size_t before = sim_journal_last(f->fx->sim);
  double w0 = wall_ms();
  int64_t t0 = at_loop_now(f->fx->loop);
  for (int i = 0; i < n; i++) {
    char ref[32];
    snprintf(ref, sizeof ref, "b%d", i);
    engfx_approve(f, ref, NULL);
  }
  int64_t took = engfx_settle(f, 4 * 3600 * 1000);
  struct lat l = {.v = calloc((size_t)n, sizeof(int64_t))};
  atsync_candidates(f->e, f->org, collect, &l);
  int64_t last = 0;
  for (size_t i = 0; i < l.n; i++)
    if (l.v[i] > last)
      last = l.v[i];
  size_t requests = sim_journal_last(f->fx->sim) - before;
  double per_cand = l.synced ? (double)requests / (double)l.synced : 0;
  double rate = last > 0 ? l.synced * 60000.0 / (double)last : 0;
  double allowed3 = 50 * 6 / 3.0; /* limit/3 per minute: find, create, move */
  printf("burst   %-8s %4d approvals at once, limit 50/10s: %zu synced in "
         "%.1f min of virtual time (%lld ms to settle); %.1f candidates/min = "
         "%.0f%% of limit/3 (%.0f/min); %.2f requests per candidate; 429s: "
         "%zu; wall %.0f ms\n",
         name(auth), n, l.synced, last / 60000.0, (long long)took, rate,
         100.0 * rate / allowed3, allowed3, per_cand, count_status(f, 429),
         wall_ms() - w0);
  (void)t0;
  int ok = l.synced == (size_t)n && rate >= 0.95 * allowed3 &&
           count_status(f, 429) == 0;
  free(l.v);
  engfx_free(f);
  return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  curl_global_init(CURL_GLOBAL_ALL);
  int fails = 0;
  fails += steady(ENGFX_V3_CODE, 200);
  fails += steady(ENGFX_V1_KEY, 200);
  fails += burst(ENGFX_V3_CODE, n);
  fails += burst(ENGFX_V1_KEY, n);
  curl_global_cleanup();
  printf("%s\n", fails ? "engine bench: a target was missed" : "engine bench: "
                                                               "all targets met");
  return fails ? 1 : 0;
}
