/* loop.c — the one-thread loop: timers, client transfers, and the settle
 * logic that lets a virtual clock jump safely. The servers' side lives in
 * httpd.c. */
#include "loop_int.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct at_timer {
  int64_t due;
  uint64_t id; /* creation order: ties fire in the order added */
  size_t slot; /* index in the heap */
  at_timer_fn fn;
  void *ud;
};

enum xstate { X_RUNNING, X_DONE };

struct xfer {
  struct at_loop *loop;
  CURL *easy;
  uint64_t seq;
  at_xfer_fn cb;
  void *ud;
  struct at_timer *deadline;
  enum xstate state;
  CURLcode rc;
  struct xfer *prev, *next;
};

struct at_loop {
  struct at_clock *clock;
  CURLM *multi;
  /* timers: a binary min-heap on (due, id) */
  struct at_timer **heap;
  size_t ntimers, cap;
  uint64_t next_timer_id;
  /* transfers, in issue order */
  struct xfer *xhead, *xtail;
  size_t nxfers;
  uint64_t next_seq;
  uint64_t next_external;
  /* servers */
  struct at_httpd **servers;
  size_t nservers, scap;
  volatile sig_atomic_t stop;
  int64_t stall_limit_ms;
  char err[256];
};

#define EXTERNAL_SEQ_BASE (UINT64_C(1) << 62)

static int64_t mono_ms(void)
{
  /* Real time is read here only to detect a network that never settles;
   * nothing the run produces depends on it. */
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct at_loop *at_loop_new(struct at_clock *clock)
{
  struct at_loop *loop = calloc(1, sizeof *loop);
  if (loop == NULL)
    return NULL;
  loop->clock = clock;
  loop->multi = curl_multi_init();
  if (loop->multi == NULL) {
    free(loop);
    return NULL;
  }
  loop->next_seq = 1;
  loop->next_external = EXTERNAL_SEQ_BASE;
  loop->stall_limit_ms = 10000;
  return loop;
}

void at_loop_free(struct at_loop *loop)
{
  if (loop == NULL)
    return;
  /* Client first (one-thread-loop.md, "teardown order"). */
  struct xfer *x = loop->xhead;
  while (x) {
    struct xfer *n = x->next;
    if (x->state == X_RUNNING)
      curl_multi_remove_handle(loop->multi, x->easy);
    free(x);
    x = n;
  }
  curl_multi_cleanup(loop->multi);
  for (size_t i = 0; i < loop->ntimers; i++)
    free(loop->heap[i]);
  free(loop->heap);
  free(loop->servers);
  free(loop);
}

struct at_clock *at_loop_clock(const struct at_loop *loop) { return loop->clock; }
int64_t at_loop_now(const struct at_loop *loop) { return at_clock_now(loop->clock); }
bool at__loop_virtual(const struct at_loop *loop) { return at_clock_is_virtual(loop->clock); }
const char *at_loop_error(const struct at_loop *loop) { return loop->err; }
void at_loop_set_stall_limit(struct at_loop *loop, int64_t ms) { loop->stall_limit_ms = ms; }
void at_loop_stop(struct at_loop *loop) { loop->stop = 1; }
size_t at_loop_xfers(const struct at_loop *loop) { return loop->nxfers; }

/* ---- timers ------------------------------------------------------------- */

static bool timer_less(const struct at_timer *a, const struct at_timer *b)
{
  return a->due < b->due || (a->due == b->due && a->id < b->id);
}

static void heap_set(struct at_loop *loop, size_t i, struct at_timer *t)
{
  loop->heap[i] = t;
  t->slot = i;
}

static void heap_up(struct at_loop *loop, size_t i)
{
  struct at_timer *t = loop->heap[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!timer_less(t, loop->heap[p]))
      break;
    heap_set(loop, i, loop->heap[p]);
    i = p;
  }
  heap_set(loop, i, t);
}

static void heap_down(struct at_loop *loop, size_t i)
{
  struct at_timer *t = loop->heap[i];
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    const struct at_timer *best = t;
    if (l < loop->ntimers && timer_less(loop->heap[l], best)) {
      m = l;
      best = loop->heap[l];
    }
    if (r < loop->ntimers && timer_less(loop->heap[r], best))
      m = r;
    if (m == i)
      break;
    heap_set(loop, i, loop->heap[m]);
    i = m;
  }
  heap_set(loop, i, t);
}

struct at_timer *at_timer_add(struct at_loop *loop, int64_t due, at_timer_fn fn,
                              void *ud)
{
  if (loop->ntimers == loop->cap) {
    size_t cap = loop->cap ? loop->cap * 2 : 64;
    struct at_timer **h = realloc(loop->heap, cap * sizeof *h);
    if (h == NULL)
      return NULL;
    loop->heap = h;
    loop->cap = cap;
  }
  struct at_timer *t = malloc(sizeof *t);
  if (t == NULL)
    return NULL;
  t->due = due;
  t->id = loop->next_timer_id++;
  t->fn = fn;
  t->ud = ud;
  loop->heap[loop->ntimers] = t;
  t->slot = loop->ntimers++;
  heap_up(loop, t->slot);
  return t;
}

static void heap_remove(struct at_loop *loop, struct at_timer *t)
{
  size_t i = t->slot;
  loop->ntimers--;
  if (i != loop->ntimers) {
    heap_set(loop, i, loop->heap[loop->ntimers]);
    heap_down(loop, i);
    heap_up(loop, loop->heap[i]->slot);
  }
}

void at_timer_cancel(struct at_loop *loop, struct at_timer *t)
{
  if (t == NULL)
    return;
  heap_remove(loop, t);
  free(t);
}

int64_t at_loop_next_timer(const struct at_loop *loop)
{
  return loop->ntimers ? loop->heap[0]->due : INT64_MAX;
}

/* Fire the earliest timer if it is due. Returns true if one fired. */
static bool fire_one_timer(struct at_loop *loop)
{
  if (loop->ntimers == 0 || loop->heap[0]->due > at_loop_now(loop))
    return false;
  struct at_timer *t = loop->heap[0];
  heap_remove(loop, t);
  at_timer_fn fn = t->fn;
  void *ud = t->ud;
  free(t);
  fn(ud);
  return true;
}

/* ---- transfers ---------------------------------------------------------- */

static void xfer_unlink(struct at_loop *loop, struct xfer *x)
{
  if (x->prev)
    x->prev->next = x->next;
  else
    loop->xhead = x->next;
  if (x->next)
    x->next->prev = x->prev;
  else
    loop->xtail = x->prev;
  loop->nxfers--;
}

static void xfer_finish(struct at_loop *loop, struct xfer *x, CURLcode rc)
{
  if (x->state != X_RUNNING)
    return;
  curl_multi_remove_handle(loop->multi, x->easy);
  at_timer_cancel(loop, x->deadline);
  x->deadline = NULL;
  x->state = X_DONE;
  x->rc = rc;
}

static void xfer_deadline(void *ud)
{
  struct xfer *x = ud;
  x->deadline = NULL; /* the loop frees a fired timer */
  xfer_finish(x->loop, x, CURLE_OPERATION_TIMEDOUT);
}

uint64_t at_xfer_start(struct at_loop *loop, CURL *easy, int64_t deadline,
                       at_xfer_fn done, void *ud)
{
  struct xfer *x = calloc(1, sizeof *x);
  if (x == NULL)
    return 0;
  x->loop = loop;
  x->easy = easy;
  x->cb = done;
  x->ud = ud;
  x->seq = loop->next_seq++;
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (char *)x);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  if (curl_multi_add_handle(loop->multi, easy) != CURLM_OK) {
    free(x);
    return 0;
  }
  x->prev = loop->xtail;
  if (loop->xtail)
    loop->xtail->next = x;
  else
    loop->xhead = x;
  loop->xtail = x;
  loop->nxfers++;
  if (deadline > 0)
    x->deadline = at_timer_add(loop, deadline, xfer_deadline, x);
  return x->seq;
}

void at_xfer_cancel(struct at_loop *loop, CURL *easy)
{
  for (struct xfer *x = loop->xhead; x; x = x->next) {
    if (x->easy != easy)
      continue;
    if (x->state == X_RUNNING)
      curl_multi_remove_handle(loop->multi, x->easy);
    at_timer_cancel(loop, x->deadline);
    xfer_unlink(loop, x);
    free(x);
    return;
  }
}

/* Move every transfer libcurl finished into the DONE state. */
static void drain_curl(struct at_loop *loop)
{
  CURLMsg *msg;
  int left;
  while ((msg = curl_multi_info_read(loop->multi, &left)) != NULL) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    CURL *e = msg->easy_handle;
    CURLcode rc = msg->data.result; /* copy before remove_handle */
    struct xfer *x = NULL;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
    if (x != NULL)
      xfer_finish(loop, x, rc);
  }
}

/* Deliver one finished transfer (the lowest issue number). */
static bool deliver_one(struct at_loop *loop)
{
  for (struct xfer *x = loop->xhead; x; x = x->next) {
    if (x->state != X_DONE)
      continue;
    xfer_unlink(loop, x);
    CURL *easy = x->easy;
    at_xfer_fn cb = x->cb;
    void *ud = x->ud;
    CURLcode rc = x->rc;
    free(x);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
    cb(ud, easy, rc);
    return true;
  }
  return false;
}

uint64_t at__loop_seq_for_conn(struct at_loop *loop, uint16_t server_port,
                               uint16_t client_port)
{
  for (struct xfer *x = loop->xhead; x; x = x->next) {
    if (x->state != X_RUNNING)
      continue;
    long lp = 0, rp = 0;
    if (curl_easy_getinfo(x->easy, CURLINFO_LOCAL_PORT, &lp) != CURLE_OK ||
        curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_PORT, &rp) != CURLE_OK)
      continue;
    if (lp == client_port && rp == server_port)
      return x->seq;
  }
  return 0;
}

uint64_t at__loop_external_seq(struct at_loop *loop) { return loop->next_external++; }

/* ---- servers ------------------------------------------------------------ */

void at__loop_add_server(struct at_loop *loop, struct at_httpd *h)
{
  if (loop->nservers == loop->scap) {
    size_t cap = loop->scap ? loop->scap * 2 : 8;
    struct at_httpd **v = realloc(loop->servers, cap * sizeof *v);
    if (v == NULL)
      abort();
    loop->servers = v;
    loop->scap = cap;
  }
  loop->servers[loop->nservers++] = h;
}

void at__loop_remove_server(struct at_loop *loop, struct at_httpd *h)
{
  for (size_t i = 0; i < loop->nservers; i++) {
    if (loop->servers[i] == h) {
      memmove(&loop->servers[i], &loop->servers[i + 1],
              (loop->nservers - i - 1) * sizeof *loop->servers);
      loop->nservers--;
      return;
    }
  }
}

/* ---- running ------------------------------------------------------------ */

static struct at_httpd *server_on_port(struct at_loop *loop, long port)
{
  for (size_t i = 0; i < loop->nservers; i++)
    if (at_httpd_port(loop->servers[i]) == port)
      return loop->servers[i];
  return NULL;
}

/* Is the transfer waiting on a server of this loop on purpose? */
static bool xfer_waiting(struct at_loop *loop, struct xfer *x)
{
  long lp = 0, rp = 0;
  if (curl_easy_getinfo(x->easy, CURLINFO_LOCAL_PORT, &lp) != CURLE_OK ||
      curl_easy_getinfo(x->easy, CURLINFO_PRIMARY_PORT, &rp) != CURLE_OK ||
      lp <= 0 || rp <= 0)
    return false;
  struct at_httpd *h = server_on_port(loop, rp);
  return h != NULL && at__httpd_waiting(h, (uint16_t)lp);
}

static bool network_settled(struct at_loop *loop)
{
  for (size_t i = 0; i < loop->nservers; i++)
    if (at__httpd_busy(loop->servers[i]))
      return false;
  for (struct xfer *x = loop->xhead; x; x = x->next)
    if (x->state == X_RUNNING && !xfer_waiting(loop, x))
      return false;
  return true;
}

static void describe_stall(struct at_loop *loop)
{
  size_t o = (size_t)snprintf(loop->err, sizeof loop->err,
                              "the network did not settle:");
  for (struct xfer *x = loop->xhead; x && o < sizeof loop->err; x = x->next) {
    if (x->state != X_RUNNING || xfer_waiting(loop, x))
      continue;
    const char *url = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
    o += (size_t)snprintf(loop->err + o, sizeof loop->err - o,
                          " transfer #%llu to %s still in flight;",
                          (unsigned long long)x->seq, url ? url : "?");
  }
  for (size_t i = 0; i < loop->nservers && o < sizeof loop->err; i++)
    if (at__httpd_busy(loop->servers[i]))
      o += (size_t)snprintf(loop->err + o, sizeof loop->err - o,
                            " server on port %u busy;",
                            at_httpd_port(loop->servers[i]));
}

/* Wait for network events for at most 'cap' ms. Returns the number of
 * descriptors with events. */
static int wait_io(struct at_loop *loop, long cap)
{
  long to = cap;
  long ct = -1;
  curl_multi_timeout(loop->multi, &ct);
  if (ct >= 0 && ct < to)
    to = ct;
  struct curl_waitfd fds[16];
  unsigned nfds = 0;
  for (size_t i = 0; i < loop->nservers; i++) {
    long st = at__httpd_timeout(loop->servers[i]);
    if (st >= 0 && st < to)
      to = st;
    int fd = at__httpd_epoll_fd(loop->servers[i]);
    if (fd >= 0 && nfds < 16) {
      fds[nfds].fd = fd;
      fds[nfds].events = CURL_WAIT_POLLIN;
      fds[nfds].revents = 0;
      nfds++;
    }
  }
  if (to < 0)
    to = 0;
  int n = 0;
  curl_multi_poll(loop->multi, fds, nfds, (int)to, &n);
  return n;
}

static void pump(struct at_loop *loop)
{
  int running = 0;
  /* a listener that went down refuses the clients of this turn */
  for (size_t i = 0; i < loop->nservers; i++)
    at__httpd_apply(loop->servers[i]);
  curl_multi_perform(loop->multi, &running);
  drain_curl(loop);
  for (size_t i = 0; i < loop->nservers; i++)
    at__httpd_run(loop->servers[i]);
  curl_multi_perform(loop->multi, &running);
  drain_curl(loop);
}

/* Virtual clock: run the network until it is settled. */
static int io_settle(struct at_loop *loop)
{
  int64_t last = mono_ms();
  for (;;) {
    pump(loop);
    if (network_settled(loop))
      return 0;
    if (wait_io(loop, 100) > 0) {
      last = mono_ms();
    } else if (mono_ms() - last > loop->stall_limit_ms) {
      describe_stall(loop);
      return -1;
    }
  }
}

static int cmp_req_seq(const void *a, const void *b)
{
  uint64_t x = at_req_seq(*(struct at_req *const *)a);
  uint64_t y = at_req_seq(*(struct at_req *const *)b);
  return x < y ? -1 : x > y;
}

/* Decide every parked request, in the clients' issue order. */
static bool decide_parked(struct at_loop *loop)
{
  struct at_req *batch[256];
  size_t n = 0;
  for (size_t i = 0; i < loop->nservers && n < 256; i++)
    n += at__httpd_parked(loop->servers[i], batch + n, 256 - n);
  if (n == 0)
    return false;
  qsort(batch, n, sizeof *batch, cmp_req_seq);
  for (size_t i = 0; i < n; i++)
    at__req_decide(batch[i]);
  return true;
}

/* Virtual clock: run everything that happens at the current instant. */
static enum at_run run_instant(struct at_loop *loop)
{
  for (;;) {
    if (io_settle(loop) < 0)
      return AT_RUN_STALL;
    if (loop->stop) {
      loop->stop = 0;
      return AT_RUN_STOPPED;
    }
    if (decide_parked(loop))
      continue;
    if (deliver_one(loop))
      continue;
    if (fire_one_timer(loop))
      continue;
    return AT_RUN_OK;
  }
}

/* Real clock: one turn of the loop, waiting at most 'max_wait' ms. */
static void real_turn(struct at_loop *loop, int64_t max_wait)
{
  pump(loop);
  while (deliver_one(loop))
    ;
  for (int i = 0; i < 1024 && fire_one_timer(loop); i++)
    ;
  int64_t wait = max_wait < 200 ? max_wait : 200;
  int64_t next = at_loop_next_timer(loop);
  if (next != INT64_MAX) {
    int64_t d = next - at_loop_now(loop);
    if (d < wait)
      wait = d;
  }
  if (loop->nxfers > 0 && wait > 0) {
    /* a finished transfer may be waiting to be delivered */
    for (struct xfer *x = loop->xhead; x; x = x->next)
      if (x->state == X_DONE)
        wait = 0;
  }
  wait_io(loop, wait < 0 ? 0 : (long)wait);
}

enum at_run at_loop_settle(struct at_loop *loop)
{
  if (at__loop_virtual(loop))
    return run_instant(loop);
  real_turn(loop, 0);
  return AT_RUN_OK;
}

static bool never(void *ud)
{
  (void)ud;
  return false;
}

enum at_run at_loop_run_while(struct at_loop *loop, bool (*done)(void *),
                              void *ud, int64_t limit)
{
  if (!at__loop_virtual(loop)) {
    while (!done(ud)) {
      if (loop->stop) {
        loop->stop = 0;
        return AT_RUN_STOPPED;
      }
      int64_t now = at_loop_now(loop);
      if (now >= limit)
        return AT_RUN_OK;
      real_turn(loop, limit - now);
    }
    return AT_RUN_OK;
  }
  for (;;) {
    enum at_run r = run_instant(loop);
    if (r != AT_RUN_OK)
      return r;
    if (done(ud))
      return AT_RUN_OK;
    int64_t now = at_loop_now(loop);
    int64_t next = at_loop_next_timer(loop);
    if (next > limit) {
      if (limit > now) {
        at_clock_advance_to(loop->clock, limit);
        continue;
      }
      return next == INT64_MAX && loop->nxfers == 0 ? AT_RUN_IDLE : AT_RUN_OK;
    }
    at_clock_advance_to(loop->clock, next);
  }
}

enum at_run at_loop_run_until(struct at_loop *loop, int64_t t)
{
  enum at_run r = at_loop_run_while(loop, never, NULL, t);
  return r == AT_RUN_IDLE ? AT_RUN_OK : r;
}

static bool idle(void *ud)
{
  struct at_loop *loop = ud;
  return loop->ntimers == 0 && loop->nxfers == 0;
}

enum at_run at_loop_run_until_idle(struct at_loop *loop, int64_t limit)
{
  enum at_run r = at_loop_run_while(loop, idle, loop, limit);
  if (r == AT_RUN_OK && idle(loop))
    return AT_RUN_IDLE;
  return r;
}

enum at_run at_loop_run(struct at_loop *loop)
{
  while (!loop->stop) {
    if (at__loop_virtual(loop)) {
      enum at_run r = run_instant(loop);
      if (r != AT_RUN_OK)
        return r;
      int64_t next = at_loop_next_timer(loop);
      if (next == INT64_MAX)
        return AT_RUN_IDLE;
      at_clock_advance_to(loop->clock, next);
    } else {
      real_turn(loop, 200);
    }
  }
  loop->stop = 0;
  return AT_RUN_STOPPED;
}
