/* httpd.c — HTTP servers on libmicrohttpd, driven by the loop.
 *
 * Each server runs with no internal thread (MHD_USE_EPOLL, external
 * polling by loop.c). A request goes through these states:
 *
 *   READING  headers seen, body arriving
 *   PARKED   complete; on a virtual clock it waits (suspended) until the
 *            loop decides it at a settle point, in the clients' issue order
 *   WAITING  answered, but the answer is due later (latency, a slow fault)
 *   HELD     deliberately kept waiting (a hang fault)
 *   READY    answer due now; queued on the next access-handler call
 *   DROP     to be closed without a response
 *   SENDING  handed to libmicrohttpd
 *
 * The request record is freed in the completion callback, the only place
 * libmicrohttpd guarantees to call for every request it handed to us. */
#include "loop_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rstate { R_READING, R_PARKED, R_WAITING, R_HELD, R_READY, R_DROP,
              R_SENDING };

struct chunk {
  struct chunk *next;
  size_t used, cap;
  max_align_t data[];
};

struct hdr {
  char *name, *value;
};

struct at_resp {
  unsigned status;
  struct hdr *hdrs;
  size_t nhdrs, hcap;
  char *ctype;
  char *body;
  size_t len;
  size_t send; /* bytes to send before closing; == len when whole */
  bool truncated;
  bool close;
};

struct at_req {
  struct at_httpd *h;
  struct MHD_Connection *conn;
  char *method, *path, *target;
  char *body;
  size_t blen, bcap;
  bool too_big;
  uint64_t seq;
  int64_t arrived;
  int64_t due;
  enum rstate st;
  bool suspended, in_handler;
  bool loopback;
  uint16_t peer_port;
  struct at_resp *resp;
  struct at_timer *timer;
  struct at_req *prev, *next;
  struct chunk *arena;
};

struct at_httpd {
  struct at_loop *loop;
  struct MHD_Daemon *d;
  at_handler_fn handler;
  void *ud;
  char name[32];
  struct sockaddr_in addr;
  uint16_t port;
  size_t max_body;
  unsigned conn_limit;
  struct at_req *head;
  size_t live;
  bool down, want_down, want_up;
  bool stopping; /* closing: every request that completes is dropped */
  int64_t date_sec; /* the Date header of the current second */
  char date[AT_TIME_BUF];
};

static void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (p == NULL) {
    fputs("atsim: out of memory\n", stderr);
    abort();
  }
  return p;
}

static char *xstrdup(const char *s)
{
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

/* ---- responses ---------------------------------------------------------- */

struct at_resp *at_resp_new(unsigned status)
{
  struct at_resp *p = xmalloc(sizeof *p);
  memset(p, 0, sizeof *p);
  p->status = status;
  return p;
}

void at_resp_free(struct at_resp *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->nhdrs; i++) {
    free(p->hdrs[i].name);
    free(p->hdrs[i].value);
  }
  free(p->hdrs);
  free(p->ctype);
  free(p->body);
  free(p);
}

void at_resp_header(struct at_resp *p, const char *name, const char *value)
{
  if (p->nhdrs == p->hcap) {
    p->hcap = p->hcap ? p->hcap * 2 : 8;
    struct hdr *v = realloc(p->hdrs, p->hcap * sizeof *v);
    if (v == NULL)
      abort();
    p->hdrs = v;
  }
  p->hdrs[p->nhdrs].name = xstrdup(name);
  p->hdrs[p->nhdrs].value = xstrdup(value);
  p->nhdrs++;
}

const char *at_resp_header_get(const struct at_resp *p, const char *name)
{
  for (size_t i = 0; i < p->nhdrs; i++)
    if (strcasecmp(p->hdrs[i].name, name) == 0)
      return p->hdrs[i].value;
  return NULL;
}

void at_resp_body_take(struct at_resp *p, const char *ctype, char *body,
                       size_t len)
{
  free(p->ctype);
  free(p->body);
  p->ctype = ctype ? xstrdup(ctype) : NULL;
  p->body = body;
  p->len = p->send = len;
}

void at_resp_body(struct at_resp *p, const char *ctype, const char *body,
                  size_t len)
{
  char *copy = xmalloc(len + 1);
  memcpy(copy, body, len);
  copy[len] = '\0';
  at_resp_body_take(p, ctype, copy, len);
}

void at_resp_truncate(struct at_resp *p, size_t n)
{
  p->truncated = true;
  p->send = n < p->len ? n : p->len;
}

void at_resp_close(struct at_resp *p) { p->close = true; }

struct at_resp *at_resp_clone(const struct at_resp *p)
{
  struct at_resp *c = at_resp_new(p->status);
  for (size_t i = 0; i < p->nhdrs; i++)
    at_resp_header(c, p->hdrs[i].name, p->hdrs[i].value);
  if (p->body)
    at_resp_body(c, p->ctype, p->body, p->len);
  else if (p->ctype)
    c->ctype = xstrdup(p->ctype);
  c->send = p->send;
  c->truncated = p->truncated;
  c->close = p->close;
  return c;
}
unsigned at_resp_status(const struct at_resp *p) { return p->status; }

const char *at_resp_body_data(const struct at_resp *p, size_t *len)
{
  if (len)
    *len = p->len;
  return p->body ? p->body : "";
}

/* ---- requests: accessors ------------------------------------------------ */

const char *at_req_method(const struct at_req *r) { return r->method; }
const char *at_req_path(const struct at_req *r) { return r->path; }
bool at_req_body_too_big(const struct at_req *r) { return r->too_big; }
bool at_req_from_loopback(const struct at_req *r) { return r->loopback; }
uint64_t at_req_seq(const struct at_req *r) { return r->seq; }
int64_t at_req_arrived(const struct at_req *r) { return r->arrived; }
struct at_httpd *at_req_server(const struct at_req *r) { return r->h; }

const char *at_req_body(const struct at_req *r, size_t *len)
{
  if (len)
    *len = r->blen;
  return r->body ? r->body : "";
}

const char *at_req_header(const struct at_req *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *at_req_query(const struct at_req *r, const char *name)
{
  const char *v = NULL;
  if (MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, name,
                                    strlen(name), &v, NULL) == MHD_NO)
    return NULL;
  return v ? v : "";
}

struct each_ctx {
  bool (*fn)(void *, const char *, const char *);
  void *ud;
};

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind,
                                const char *k, const char *v)
{
  (void)kind;
  struct each_ctx *e = cls;
  return e->fn(e->ud, k, v ? v : "") ? MHD_YES : MHD_NO;
}

void at_req_query_each(const struct at_req *r,
                       bool (*fn)(void *, const char *, const char *),
                       void *ud)
{
  struct each_ctx e = {fn, ud};
  MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, each_arg, &e);
}

void *at_req_alloc(struct at_req *r, size_t n)
{
  n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t);
  struct chunk *c = r->arena;
  if (c == NULL || c->cap - c->used < n) {
    size_t cap = n > 256 ? n : 256;
    c = xmalloc(sizeof *c + cap * sizeof(max_align_t));
    c->cap = cap;
    c->used = 0;
    c->next = r->arena;
    r->arena = c;
  }
  void *p = &c->data[c->used];
  c->used += n;
  return p;
}

char *at_req_strdup(struct at_req *r, const char *s)
{
  size_t n = strlen(s) + 1;
  return memcpy(at_req_alloc(r, n), s, n);
}

struct target_ctx {
  struct at_req *r;
  char *buf;
  size_t len, cap;
};

static void tgt_put(struct target_ctx *t, const char *s, bool escape)
{
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    bool plain = !escape || isalnum(ch) || strchr("-._~:@,|", ch);
    if (t->len + 4 >= t->cap) {
      size_t cap = t->cap * 2 + 64;
      char *nb = at_req_alloc(t->r, cap);
      memcpy(nb, t->buf, t->len);
      t->buf = nb;
      t->cap = cap;
    }
    if (plain) {
      t->buf[t->len++] = (char)ch;
    } else {
      t->buf[t->len++] = '%';
      t->buf[t->len++] = hex[ch >> 4];
      t->buf[t->len++] = hex[ch & 15];
    }
  }
  t->buf[t->len] = '\0';
}

static bool tgt_arg(void *ud, const char *k, const char *v)
{
  struct target_ctx *t = ud;
  tgt_put(t, strchr(t->buf, '?') ? "&" : "?", false);
  tgt_put(t, k, true);
  if (*v) {
    tgt_put(t, "=", false);
    tgt_put(t, v, true);
  }
  return true;
}

const char *at_req_target(struct at_req *r)
{
  if (r->target)
    return r->target;
  struct target_ctx t = {r, NULL, 0, 0};
  t.cap = strlen(r->path) + 64;
  t.buf = at_req_alloc(r, t.cap);
  t.buf[0] = '\0';
  tgt_put(&t, r->path, false);
  at_req_query_each(r, tgt_arg, &t);
  r->target = t.buf;
  return r->target;
}

/* ---- requests: lifecycle ------------------------------------------------ */

static void suspend(struct at_req *r)
{
  if (!r->suspended) {
    r->suspended = true;
    MHD_suspend_connection(r->conn);
  }
}

static void resume(struct at_req *r)
{
  if (r->suspended) {
    r->suspended = false;
    MHD_resume_connection(r->conn);
  }
}

static void on_due(void *ud)
{
  struct at_req *r = ud;
  r->timer = NULL;
  r->st = R_READY;
  resume(r);
}

static void wait_until(struct at_req *r, int64_t due)
{
  r->st = R_WAITING;
  r->due = due;
  r->timer = at_timer_add(r->h->loop, due, on_due, r);
  if (r->timer == NULL)
    abort();
  suspend(r);
}

static void answer_500(struct at_req *r, const char *why)
{
  struct at_resp *p = at_resp_new(500);
  char body[160];
  int n = snprintf(body, sizeof body, "{\"errors\":[{\"message\":\"%s\"}]}",
                   why);
  at_resp_body(p, "application/json", body, (size_t)n);
  at_resp_free(r->resp);
  r->resp = p;
  r->st = R_READY;
  r->due = 0;
}

void at_req_respond(struct at_req *r, struct at_resp *resp, int64_t at)
{
  if (r->resp != resp)
    at_resp_free(r->resp);
  r->resp = resp;
  at_timer_cancel(r->h->loop, r->timer);
  r->timer = NULL;
  r->due = at;
  if (r->in_handler) {
    r->st = R_READY; /* after_handler() decides: now or later */
    return;
  }
  if (at > at_loop_now(r->h->loop)) {
    wait_until(r, at);
    return;
  }
  r->st = R_READY;
  resume(r);
}

void at_req_hold(struct at_req *r)
{
  at_timer_cancel(r->h->loop, r->timer);
  r->timer = NULL;
  r->st = R_HELD;
  if (!r->in_handler)
    suspend(r);
}

void at_req_drop(struct at_req *r)
{
  at_timer_cancel(r->h->loop, r->timer);
  r->timer = NULL;
  r->st = R_DROP;
  if (!r->in_handler)
    resume(r);
}

static ssize_t trunc_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
  struct at_resp *p = cls;
  if (pos >= p->send)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  size_t n = p->send - (size_t)pos;
  if (n > max)
    n = max;
  memcpy(buf, p->body + pos, n);
  return (ssize_t)n;
}

static enum MHD_Result queue(struct at_req *r)
{
  struct at_resp *p = r->resp;
  struct MHD_Response *m;
  if (p->truncated && p->send < p->len) {
    m = MHD_create_response_from_callback(p->len, 4096, trunc_reader, p, NULL);
  } else if (p->len == 0) {
    m = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  } else {
    m = MHD_create_response_from_buffer(p->len, p->body, MHD_RESPMEM_MUST_FREE);
    p->body = NULL; /* MHD frees it with free() */
  }
  if (m == NULL)
    return MHD_NO;
  int64_t sec = at_loop_now(r->h->loop) / 1000;
  if (sec != r->h->date_sec) {
    r->h->date_sec = sec;
    at_time_http_date(sec * 1000, r->h->date);
  }
  MHD_add_response_header(m, "Date", r->h->date);
  if (p->ctype)
    MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, p->ctype);
  for (size_t i = 0; i < p->nhdrs; i++)
    MHD_add_response_header(m, p->hdrs[i].name, p->hdrs[i].value);
  if (p->close)
    MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
  enum MHD_Result ok = MHD_queue_response(r->conn, p->status, m);
  MHD_destroy_response(m);
  r->st = R_SENDING;
  return ok;
}

/* After the handler ran inside the access-handler call (real clock). */
static enum MHD_Result after_handler(struct at_req *r)
{
  switch (r->st) {
  case R_READY:
    if (r->due > at_loop_now(r->h->loop)) {
      wait_until(r, r->due);
      return MHD_YES;
    }
    return queue(r);
  case R_HELD:
    suspend(r);
    return MHD_YES;
  case R_DROP:
    return MHD_NO;
  default:
    answer_500(r, "the server gave no answer");
    return queue(r);
  }
}

static void run_handler(struct at_req *r)
{
  r->in_handler = true;
  r->h->handler(r->h->ud, r);
  r->in_handler = false;
}

void at__req_decide(struct at_req *r)
{
  run_handler(r);
  switch (r->st) {
  case R_READY:
    if (r->due > at_loop_now(r->h->loop))
      wait_until(r, r->due);
    else
      resume(r);
    break;
  case R_HELD:
    break;
  case R_DROP:
    resume(r);
    break;
  default:
    answer_500(r, "the server gave no answer");
    resume(r);
  }
}

static struct at_req *req_new(struct at_httpd *h, struct MHD_Connection *c,
                              const char *url, const char *method)
{
  struct at_req *r = xmalloc(sizeof *r);
  memset(r, 0, sizeof *r);
  r->h = h;
  r->conn = c;
  r->st = R_READING;
  r->method = at_req_strdup(r, method);
  r->path = at_req_strdup(r, url);
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET) {
    const struct sockaddr_in *sa = (const struct sockaddr_in *)ci->client_addr;
    r->peer_port = ntohs(sa->sin_port);
    r->loopback = (ntohl(sa->sin_addr.s_addr) >> 24) == 127;
  }
  r->seq = r->loopback
               ? at__loop_seq_for_conn(h->loop, h->port, r->peer_port)
               : 0;
  if (r->seq == 0)
    r->seq = at__loop_external_seq(h->loop);
  r->next = h->head;
  if (h->head)
    h->head->prev = r;
  h->head = r;
  h->live++;
  return r;
}

static void req_free(struct at_req *r)
{
  struct at_httpd *h = r->h;
  if (r->prev)
    r->prev->next = r->next;
  else
    h->head = r->next;
  if (r->next)
    r->next->prev = r->prev;
  h->live--;
  at_timer_cancel(h->loop, r->timer);
  at_resp_free(r->resp);
  free(r->body);
  for (struct chunk *c = r->arena; c;) {
    struct chunk *n = c->next;
    free(c);
    c = n;
  }
  free(r);
}

static void body_append(struct at_req *r, const char *data, size_t n)
{
  if (r->too_big)
    return;
  if (r->blen + n > r->h->max_body) {
    r->too_big = true;
    free(r->body);
    r->body = NULL;
    r->blen = r->bcap = 0;
    return;
  }
  if (r->blen + n + 1 > r->bcap) {
    size_t cap = r->bcap ? r->bcap : 1024;
    while (cap < r->blen + n + 1)
      cap *= 2;
    char *b = realloc(r->body, cap);
    if (b == NULL)
      abort();
    r->body = b;
    r->bcap = cap;
  }
  memcpy(r->body + r->blen, data, n);
  r->blen += n;
  r->body[r->blen] = '\0';
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c,
                                 const char *url, const char *method,
                                 const char *version, const char *data,
                                 size_t *size, void **con_cls)
{
  (void)version;
  struct at_httpd *h = cls;
  struct at_req *r = *con_cls;
  if (r == NULL) {
    *con_cls = req_new(h, c, url, method);
    return MHD_YES;
  }
  switch (r->st) {
  case R_READING:
    if (*size != 0) {
      body_append(r, data, *size);
      *size = 0;
      return MHD_YES;
    }
    r->arrived = at_loop_now(h->loop);
    if (h->stopping)
      return MHD_NO;
    if (at__loop_virtual(h->loop)) {
      r->st = R_PARKED;
      suspend(r);
      return MHD_YES;
    }
    run_handler(r);
    return after_handler(r);
  case R_READY:
    return queue(r);
  case R_DROP:
    return MHD_NO;
  default:
    return MHD_YES;
  }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
  (void)cls;
  (void)c;
  (void)why;
  struct at_req *r = *con_cls;
  if (r != NULL) {
    req_free(r);
    *con_cls = NULL;
  }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
  (void)cls;
  if (getenv("ATSIM_MHD_LOG") != NULL)
    vfprintf(stderr, fmt, ap);
}

/* ---- servers ------------------------------------------------------------ */

static int start_daemon(struct at_httpd *h, char *err, size_t errlen)
{
  bool virt = at__loop_virtual(h->loop);
  unsigned int flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
                       MHD_USE_SUPPRESS_DATE_NO_CLOCK | MHD_USE_ERROR_LOG;
  /* MHD's connection timeout runs on real time: never on a virtual clock. */
  unsigned int timeout = virt ? 0u : 120u;
  unsigned int limit = h->conn_limit ? h->conn_limit : 1024u;
  h->d = MHD_start_daemon(
      flags, 0, NULL, NULL, on_access, h,
      MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&h->addr,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
      MHD_OPTION_CONNECTION_TIMEOUT, timeout,
      MHD_OPTION_CONNECTION_LIMIT, limit,
      /* 16 KiB per connection (headers and the response head); the body is
       * ours. libmicrohttpd clears this pool per request. */
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
      MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
      MHD_OPTION_END);
  if (h->d == NULL) {
    char a[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &h->addr.sin_addr, a, sizeof a);
    snprintf(err, errlen, "%s: cannot listen on %s:%u (port in use?)",
             h->name, a, ntohs(h->addr.sin_port));
    return -1;
  }
  const union MHD_DaemonInfo *di =
      MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
  h->port = di ? di->port : 0;
  h->addr.sin_port = htons(h->port);
  return 0;
}

struct at_httpd *at_httpd_new(struct at_loop *loop,
                              const struct at_httpd_config *cfg, char *err,
                              size_t errlen)
{
  struct at_httpd *h = calloc(1, sizeof *h);
  if (h == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  h->loop = loop;
  h->handler = cfg->handler;
  h->ud = cfg->ud;
  snprintf(h->name, sizeof h->name, "%s", cfg->name ? cfg->name : "httpd");
  h->max_body = cfg->max_body ? cfg->max_body : (size_t)1 << 20;
  h->conn_limit = cfg->conn_limit;
  h->addr.sin_family = AF_INET;
  h->addr.sin_port = htons(cfg->port);
  h->date_sec = -1;
  const char *bind = cfg->bind ? cfg->bind : "127.0.0.1";
  if (inet_pton(AF_INET, bind, &h->addr.sin_addr) != 1) {
    snprintf(err, errlen, "%s: '%s' is not an IPv4 address", h->name, bind);
    free(h);
    return NULL;
  }
  if (start_daemon(h, err, errlen) != 0) {
    free(h);
    return NULL;
  }
  at__loop_add_server(loop, h);
  return h;
}

/* Drop every suspended request and stop the daemon. */
static void stop_daemon(struct at_httpd *h)
{
  if (h->d == NULL)
    return;
  h->stopping = true;
  for (struct at_req *r = h->head; r; r = r->next) {
    if (r->suspended) {
      at_timer_cancel(h->loop, r->timer);
      r->timer = NULL;
      r->st = R_DROP;
      resume(r);
    }
  }
  MHD_run(h->d);
  MHD_stop_daemon(h->d); /* completes (and frees) what is left */
  h->d = NULL;
  h->stopping = false;
}

void at_httpd_free(struct at_httpd *h)
{
  if (h == NULL)
    return;
  stop_daemon(h);
  while (h->head) /* only if libmicrohttpd did not report them */
    req_free(h->head);
  at__loop_remove_server(h->loop, h);
  free(h);
}

uint16_t at_httpd_port(const struct at_httpd *h) { return h->port; }
bool at_httpd_is_down(const struct at_httpd *h) { return h->down || h->want_down; }
size_t at_httpd_live(const struct at_httpd *h) { return h->live; }

int at_httpd_set_down(struct at_httpd *h, bool down)
{
  /* Going down waits for the loop's next network turn, which applies it
   * before any client transfer runs (at__httpd_apply): a handler may be
   * running right now, on this server or another. */
  h->want_down = down && !h->down;
  h->want_up = !down && h->down;
  if (!h->want_up)
    return 0;
  /* Bring it back now, so a caller learns at once if the port was taken. */
  char err[160];
  h->want_up = false;
  if (start_daemon(h, err, sizeof err) != 0)
    return -1;
  h->down = false;
  return 0;
}

void at__httpd_apply(struct at_httpd *h)
{
  if (h->want_down) {
    h->want_down = false;
    stop_daemon(h);
    h->down = true;
  }
}

void at__httpd_run(struct at_httpd *h)
{
  at__httpd_apply(h);
  if (h->d)
    MHD_run(h->d);
}

int at__httpd_epoll_fd(const struct at_httpd *h)
{
  if (h->d == NULL)
    return -1;
  const union MHD_DaemonInfo *di =
      MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
  return di ? di->epoll_fd : -1;
}

long at__httpd_timeout(struct at_httpd *h)
{
  MHD_UNSIGNED_LONG_LONG to = 0;
  if (h->d == NULL || MHD_get_timeout(h->d, &to) != MHD_YES)
    return h->want_down ? 0 : -1;
  return to > 1000000 ? 1000000 : (long)to;
}

bool at__httpd_busy(const struct at_httpd *h)
{
  if (h->want_down)
    return true;
  for (const struct at_req *r = h->head; r; r = r->next)
    if (r->st == R_READING || r->st == R_READY || r->st == R_DROP ||
        r->st == R_SENDING)
      return true;
  return false;
}

bool at__httpd_waiting(const struct at_httpd *h, uint16_t client_port)
{
  for (const struct at_req *r = h->head; r; r = r->next)
    if (r->peer_port == client_port)
      return r->st == R_PARKED || r->st == R_WAITING || r->st == R_HELD;
  return false;
}

size_t at__httpd_parked(struct at_httpd *h, struct at_req **out, size_t max)
{
  size_t n = 0;
  for (struct at_req *r = h->head; r && n < max; r = r->next)
    if (r->st == R_PARKED)
      out[n++] = r;
  return n;
}
