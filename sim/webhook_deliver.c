/* webhook_deliver.c — the delivery queue: each delivery waits on a timer
 * of the instance's loop, goes out as a libcurl transfer on that loop
 * (signed with the subscription's secret, abandoned at a virtual
 * deadline), and on failure is retried on the personality's schedule,
 * then dropped. Every attempt and every drop lands in a bounded log.
 *
 * ATS-neutral: the event names, the bodies, the header names and the
 * retry schedule come from the personality (struct sim_webhook_wire).
 *
 * Ownership: the queue owns each delivery (its body, its timer, its easy
 * handle while a transfer runs); wh_free() cancels every timer and
 * transfer, so nothing calls back into a freed instance. */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "at_clock.h"
#include "at_hash.h"

#define LOG_CAP 10000

/* The key a webhook_bad_signature attempt signs with instead of the
 * subscription's secret. */
static const char wrong_key[] = "atsim: not the subscription secret";

struct wh_delivery {
  struct sim *s;
  int hook;
  char action[40];
  char event_id[40];
  char *body;          /* exactly the bytes sent and signed */
  char *signed_body;   /* this attempt's body when the vendor signs inside
                          it (wire->sign_body), else NULL */
  size_t len;
  bool ping;
  int attempts;        /* made so far */
  int fault;           /* event-time faults */
  char faults[96];
  char note[24];
  int bad_sig;         /* webhook_bad_signature fault of the current
                          attempt (0 = none) */
  int64_t sent;        /* start of the current attempt */
  struct at_timer *timer;
  CURL *easy;          /* while a transfer runs */
  struct curl_slist *hdrs;
};

struct sim_wh {
  struct vec q;            /* struct wh_delivery *: waiting, held, in flight */
  struct vec held;         /* the reorder batch, oldest first */
  struct at_timer *release;
  uint64_t events;         /* event ids issued */
  struct sim_delivery *ring;
  size_t alloc;            /* ring entries allocated (grows up to LOG_CAP) */
  uint64_t next;           /* number of the next log entry */
};

static void attempt(struct wh_delivery *d);

/* ---- the personality's webhook settings ------------------------------------ */

int64_t wh_duration(const struct sim *s, const char *name, int64_t def)
{
  int64_t v = sim_duration(s, name);
  return v > 0 ? v : def; /* 0 = unknown (or a zero delay: def is 0 then) */
}

/* ---- lifecycle ------------------------------------------------------------ */

void wh_init(struct sim *s)
{
  s->wh = xcalloc(1, sizeof *s->wh);
  s->wh->next = 1;
}

static void delivery_free(struct sim *s, struct wh_delivery *d)
{
  at_timer_cancel(s->loop, d->timer);
  if (d->easy) {
    at_xfer_cancel(s->loop, d->easy);
    curl_easy_cleanup(d->easy);
  }
  curl_slist_free_all(d->hdrs);
  free(d->signed_body);
  free(d->body);
  free(d);
}

void wh_free(struct sim *s)
{
  struct sim_wh *w = s->wh;
  if (w == NULL)
    return;
  at_timer_cancel(s->loop, w->release);
  for (size_t i = 0; i < w->q.n; i++)
    delivery_free(s, w->q.v[i]);
  vec_free(&w->q);
  vec_free(&w->held);
  free(w->ring);
  free(w);
  s->wh = NULL;
}

/* Take 'd' off the queue and free it (its transfer has finished). */
static void retire(struct wh_delivery *d)
{
  struct sim_wh *w = d->s->wh;
  for (size_t i = 0; i < w->q.n; i++) {
    if (w->q.v[i] == d) {
      memmove(&w->q.v[i], &w->q.v[i + 1], (w->q.n - i - 1) * sizeof *w->q.v);
      w->q.n--;
      break;
    }
  }
  delivery_free(d->s, d);
}

/* ---- event ids ------------------------------------------------------------- */

static uint64_t mix64(uint64_t x) /* splitmix64's finalizer */
{
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

void wh_event_id(struct sim *s, char *out, size_t len)
{
  /* From the seed, the resets and a counter, not the PRNG: subscribing
   * must not move the random sequence the rest of a run depends on. */
  uint64_t n = ++s->wh->events;
  uint64_t a = mix64(s->seed ^ mix64(s->resets ^ mix64(n)));
  uint64_t b = mix64(a ^ n);
  snprintf(out, len, "%08llx-%04llx-4%03llx-%04llx-%012llx",
           (unsigned long long)(a >> 32),
           (unsigned long long)((a >> 16) & 0xffff),
           (unsigned long long)(a & 0xfff),
           (unsigned long long)(0x8000 | ((b >> 48) & 0x3fff)),
           (unsigned long long)(b & 0xffffffffffffULL));
}

/* ---- bodies -------------------------------------------------------------------- */

char *wh_render(const struct sim *s, const cJSON *body, size_t *len)
{
  char *text = jprint(body, len);
  if (!s->p->webhook_wire->escape_html)
    return text;
  /* cJSON escapes only quotes, backslashes and control characters, so a
   * '<', '>' or '&' in its output is always inside a string: replacing
   * them keeps the JSON valid and means the same text. */
  size_t extra = 0;
  for (size_t i = 0; i < *len; i++)
    if (text[i] == '<' || text[i] == '>' || text[i] == '&')
      extra += 5; /* one byte becomes six */
  if (extra == 0)
    return text;
  char *out = xcalloc(1, *len + extra + 1);
  size_t o = 0;
  for (size_t i = 0; i < *len; i++) {
    char ch = text[i];
    if (ch == '<' || ch == '>' || ch == '&')
      o += (size_t)sprintf(out + o, "\\u%04x", (unsigned)ch);
    else
      out[o++] = ch;
  }
  free(text);
  *len = o;
  return out;
}

/* ---- the log ------------------------------------------------------------------ */

static struct sim_delivery *log_add(struct sim_wh *w)
{
  uint64_t n = w->next++;
  if (n <= LOG_CAP && n > w->alloc) { /* grow until the ring is full size */
    size_t cap = w->alloc ? w->alloc * 2 : 64;
    if (cap > LOG_CAP)
      cap = LOG_CAP;
    struct sim_delivery *r = realloc(w->ring, cap * sizeof *r);
    if (r == NULL)
      abort();
    w->ring = r;
    w->alloc = cap;
  }
  struct sim_delivery *e = &w->ring[(n - 1) % LOG_CAP];
  memset(e, 0, sizeof *e);
  e->n = n;
  return e;
}

/* A log entry about delivery 'd' with its faults; the outcome is the
 * caller's. */
static struct sim_delivery *log_delivery(struct wh_delivery *d, int status,
                                         const char *outcome, const char *note)
{
  struct sim *s = d->s;
  struct sim_delivery *e = log_add(s->wh);
  e->t = d->sent ? d->sent : sim_now(s);
  e->done = sim_now(s);
  e->hook = d->hook;
  snprintf(e->event_id, sizeof e->event_id, "%s", d->event_id);
  snprintf(e->action, sizeof e->action, "%s", d->action);
  e->attempt = d->attempts;
  e->status = status;
  snprintf(e->outcome, sizeof e->outcome, "%s", outcome);
  e->fault = d->fault ? d->fault : d->bad_sig;
  snprintf(e->fault_kind, sizeof e->fault_kind, "%s%s%s", d->faults,
           d->bad_sig && d->faults[0] ? "," : "",
           d->bad_sig ? "webhook_bad_signature" : "");
  snprintf(e->note, sizeof e->note, "%s%s%s", d->note,
           d->note[0] && note && *note ? ", " : "", note ? note : "");
  return e;
}

void wh_log_drop(struct sim *s, int hook, const char *action,
                 const char *reason, const struct sim_fault *f)
{
  struct sim_delivery *e = log_add(s->wh);
  e->t = e->done = sim_now(s);
  e->hook = hook;
  snprintf(e->action, sizeof e->action, "%s", action);
  snprintf(e->outcome, sizeof e->outcome, "%s", reason);
  if (f) {
    e->fault = f->id;
    snprintf(e->fault_kind, sizeof e->fault_kind, "%s",
             sim_fault_kind_name(f->kind));
  }
}

/* Drop a queued delivery before an attempt (it is not sent). */
static void drop(struct wh_delivery *d, const char *reason,
                 const struct sim_fault *f)
{
  d->sent = 0;
  d->bad_sig = 0;
  struct sim_delivery *e = log_delivery(d, 0, reason, "");
  if (f) {
    e->fault = f->id;
    snprintf(e->fault_kind, sizeof e->fault_kind, "%s",
             sim_fault_kind_name(f->kind));
  }
  retire(d);
}

/* ---- queueing ------------------------------------------------------------------- */

static void on_due(void *ud)
{
  struct wh_delivery *d = ud;
  d->timer = NULL; /* the loop frees a fired timer */
  attempt(d);
}

static void schedule(struct wh_delivery *d, int64_t due)
{
  d->timer = at_timer_add(d->s->loop, due, on_due, d);
  if (d->timer == NULL)
    abort(); /* out of memory, as xcalloc would */
}

/* The reorder batch's window closed: send what it held, newest first.
 * Transfers are issued in that order, so a receiver on the same loop sees
 * them in that order. */
static void on_release(void *ud)
{
  struct sim *s = ud;
  struct sim_wh *w = s->wh;
  w->release = NULL;
  struct vec held = w->held;
  memset(&w->held, 0, sizeof w->held);
  for (size_t i = held.n; i-- > 0;)
    attempt(held.v[i]);
  vec_free(&held);
}

static void hold(struct wh_delivery *d, int64_t due, int64_t window)
{
  struct sim_wh *w = d->s->wh;
  vec_push(&w->held, d);
  if (w->release == NULL) { /* the batch opens with its first event */
    w->release = at_timer_add(d->s->loop, due + window, on_release, d->s);
    if (w->release == NULL)
      abort();
  }
}

void wh_enqueue(struct sim *s, const struct wh_new *n)
{
  struct wh_delivery *d = xcalloc(1, sizeof *d);
  d->s = s;
  d->hook = n->hook;
  snprintf(d->action, sizeof d->action, "%s", n->action ? n->action : "");
  if (n->event_id)
    snprintf(d->event_id, sizeof d->event_id, "%s", n->event_id);
  else
    wh_event_id(s, d->event_id, sizeof d->event_id);
  d->body = n->body;
  d->len = n->len;
  d->ping = n->ping;
  d->fault = n->fault;
  snprintf(d->faults, sizeof d->faults, "%s", n->faults ? n->faults : "");
  snprintf(d->note, sizeof d->note, "%s", n->note ? n->note : "");
  vec_push(&s->wh->q, d);
  if (n->hold)
    hold(d, n->due, n->window);
  else
    schedule(d, n->due);
}

size_t sim_webhooks_pending(const struct sim *s)
{
  return s->wh ? s->wh->q.n : 0;
}

/* ---- sending ---------------------------------------------------------------------- */

/* "<prefix><64 hex>" = HMAC-SHA256(key, body); "<prefix><base64>" when
 * the personality's webhook_signature_base64 flag is on (Workable's
 * encoding is UNVERIFIED). */
static void sign(const char *prefix, const char *key, const char *body,
                 size_t len, char *out, size_t outlen, bool base64)
{
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, len,
       mac, &maclen);
  size_t o = (size_t)snprintf(out, outlen, "%s", prefix);
  if (base64) {
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    EVP_EncodeBlock(b64, mac, (int)maclen);
    snprintf(out + o, outlen - o, "%s", (const char *)b64);
    return;
  }
  for (unsigned i = 0; i < maclen && o + 3 <= outlen; i++)
    o += (size_t)snprintf(out + o, outlen - o, "%02x", mac[i]);
}

static size_t discard(char *p, size_t sz, size_t nm, void *ud)
{
  (void)p;
  (void)ud;
  return sz * nm; /* the receiver's body does not matter */
}

static struct curl_slist *headers(const struct wh_delivery *d,
                                  const struct sim_webhook_wire *wire,
                                  const char *sig)
{
  char line[256];
  struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
  if (sig != NULL) {
    snprintf(line, sizeof line, "%s: %s", wire->sig_header, sig);
    h = curl_slist_append(h, line);
  }
  if (wire->id_header) {
    snprintf(line, sizeof line, "%s: %s", wire->id_header, d->event_id);
    h = curl_slist_append(h, line);
  }
  snprintf(line, sizeof line, "User-Agent: %s", wire->user_agent);
  h = curl_slist_append(h, line);
  /* no 100-continue round trip: it waits on the real clock */
  return curl_slist_append(h, "Expect:");
}

static void on_done(void *ud, CURL *easy, CURLcode rc);

/* Start one attempt (it counts as made even if the transfer cannot
 * start). Returns 0, or -1 when the transfer could not start. */
static int send_attempt(struct wh_delivery *d, const struct sim_webhook *h)
{
  struct sim *s = d->s;
  const struct sim_webhook_wire *wire = s->p->webhook_wire;
  d->sent = sim_now(s);
  d->attempts++;
  char sig[160];
  const char *key = d->bad_sig ? wrong_key : h->secret;
  const char *body = d->body;
  size_t len = d->len;
  free(d->signed_body);
  d->signed_body = NULL;
  if (wire->sign_body) { /* signed inside the body, per attempt */
    d->signed_body = wire->sign_body(d->body, d->len, key, d->sent, &len);
    if (d->signed_body == NULL)
      return -1;
    body = d->signed_body;
  } else {
    sign(wire->sig_prefix, key, d->body, d->len, sig, sizeof sig,
         sim_flag(s, "webhook_signature_base64"));
  }
  CURL *e = curl_easy_init();
  if (e == NULL)
    return -1;
  d->hdrs = headers(d, wire, wire->sign_body ? NULL : sig);
  curl_easy_setopt(e, CURLOPT_URL, h->url);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)len);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, d->hdrs);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  /* a POST is never silently re-sent on a stale connection (c-libs.md) */
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  int64_t timeout = wh_duration(s, "webhook_timeout", 10000);
  if (!at_clock_is_virtual(at_loop_clock(s->loop))) /* a real-time backstop */
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout + 1000);
  if (at_xfer_start(s->loop, e, d->sent + timeout, on_done, d) == 0) {
    curl_easy_cleanup(e);
    curl_slist_free_all(d->hdrs);
    d->hdrs = NULL;
    return -1;
  }
  d->easy = e;
  return 0;
}

static void failed(struct wh_delivery *d, int status, const char *why);

/* The delivery's timer fired (or its reorder batch was released). */
static void attempt(struct wh_delivery *d)
{
  struct sim *s = d->s;
  struct sim_webhook *h = webhook_find(s, d->hook);
  if (h == NULL) {
    drop(d, "dropped: subscription removed", NULL);
    return;
  }
  if (!d->ping) {
    if (!h->enabled) {
      drop(d, "dropped: subscription disabled", NULL);
      return;
    }
    struct sim_fault *off = wh_fault_hit(s, SIM_F_WEBHOOK_DISABLED);
    if (off) {
      drop(d, "dropped: webhook disabled", off);
      return;
    }
  }
  struct sim_fault *bad =
      d->ping ? NULL : wh_fault_hit(s, SIM_F_WEBHOOK_BAD_SIGNATURE);
  d->bad_sig = bad ? bad->id : 0;
  if (send_attempt(d, h) != 0)
    failed(d, 0, "could not start the transfer");
}

/* A short reason for a transfer that got no HTTP answer. */
static const char *no_answer(CURLcode rc)
{
  switch (rc) {
  case CURLE_OPERATION_TIMEDOUT: return "timeout";
  case CURLE_COULDNT_CONNECT: return "connection refused";
  case CURLE_COULDNT_RESOLVE_HOST: return "unknown host";
  case CURLE_GOT_NOTHING: return "empty reply";
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR: return "connection reset";
  default: return curl_easy_strerror(rc);
  }
}

/* Does this answer count as delivered? Any 2xx; only 200 with the
 * personality's webhook_require_200 flag (Greenhouse's doc says a "non
 * HTTP 200 response" is retried). */
static bool delivered(struct sim *s, int status)
{
  if (sim_flag(s, "webhook_require_200"))
    return status == 200;
  return status >= 200 && status < 300;
}

static void on_done(void *ud, CURL *easy, CURLcode rc)
{
  struct wh_delivery *d = ud;
  long code = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(easy);
  curl_slist_free_all(d->hdrs);
  d->easy = NULL;
  d->hdrs = NULL;
  int status = rc == CURLE_OK ? (int)code : 0;
  if (delivered(d->s, status)) {
    struct sim_delivery *e = log_delivery(d, status, "delivered", "");
    e->body_hash = at_fnv1a64(AT_FNV64_INIT, d->body, d->len);
    struct sim_webhook *h = d->ping ? webhook_find(d->s, d->hook) : NULL;
    if (h)
      snprintf(h->ping, sizeof h->ping, "ok");
    retire(d);
    return;
  }
  char note[64];
  snprintf(note, sizeof note, "%s", rc == CURLE_OK ? "" : no_answer(rc));
  failed(d, status, note);
}

/* The wait before retry number 'n' (1 = the first retry). */
static int64_t retry_wait(struct sim *s, int n)
{
  const struct sim_webhook_wire *wire = s->p->webhook_wire;
  int64_t wait = wire->retry_waits[n - 1];
  if (sim_flag(s, "webhook_retry_jitter")) /* rand(30) * n seconds */
    wait += (int64_t)at_prng_below(&s->prng, 30) * n * 1000;
  return wait;
}

static bool no_retry(const struct sim_webhook_wire *wire, int status)
{
  for (const int *p = wire->no_retry; p && *p; p++)
    if (*p == status)
      return true;
  return false;
}

/* An attempt failed: retry it, or give up. */
static void failed(struct wh_delivery *d, int status, const char *why)
{
  struct sim *s = d->s;
  const struct sim_webhook_wire *wire = s->p->webhook_wire;
  struct sim_delivery *e;
  if (d->ping) { /* a failed ping leaves the hook disabled */
    e = log_delivery(d, status, "failed", why);
    struct sim_webhook *h = webhook_find(s, d->hook);
    if (h) {
      h->enabled = false;
      if (status)
        snprintf(h->ping, sizeof h->ping, "failed: HTTP %d", status);
      else
        snprintf(h->ping, sizeof h->ping, "failed: %s", why);
    }
  } else if (no_retry(wire, status)) {
    char outcome[48];
    snprintf(outcome, sizeof outcome, "dropped: HTTP %d is not retried",
             status);
    e = log_delivery(d, status, outcome, why);
  } else if ((size_t)d->attempts <= wire->nretries) {
    int64_t at = sim_now(s) + retry_wait(s, d->attempts);
    char outcome[48], buf[AT_TIME_BUF];
    snprintf(outcome, sizeof outcome, "retry at %s",
             at_time_iso8601(at, false, buf));
    e = log_delivery(d, status, outcome, why);
    e->retry_at = at;
    e->body_hash = at_fnv1a64(AT_FNV64_INIT, d->body, d->len);
    if (sim_flag(s, "webhook_retry_new_id"))
      wh_event_id(s, d->event_id, sizeof d->event_id);
    d->bad_sig = 0;
    schedule(d, at);
    return;
  } else {
    char outcome[48];
    snprintf(outcome, sizeof outcome, "dropped: gave up after %d attempts",
             d->attempts);
    e = log_delivery(d, status, outcome, why);
  }
  e->body_hash = at_fnv1a64(AT_FNV64_INIT, d->body, d->len);
  retire(d);
}

/* ---- reading the log ------------------------------------------------------------- */

size_t sim_deliveries_read(const struct sim *s, uint64_t after,
                           struct sim_delivery *out, size_t max)
{
  const struct sim_wh *w = s->wh;
  uint64_t first = w->next > LOG_CAP ? w->next - LOG_CAP : 1;
  if (after + 1 > first)
    first = after + 1;
  size_t n = 0;
  for (uint64_t k = first; k < w->next && n < max; k++)
    out[n++] = w->ring[(k - 1) % LOG_CAP];
  return n;
}

uint64_t sim_deliveries_last(const struct sim *s) { return s->wh->next - 1; }

static cJSON *delivery_json(const struct sim_delivery *e)
{
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "n", (long)e->n);
  jput_time(o, "time", e->t);
  jput_time(o, "done", e->done);
  jput_int(o, "webhook", e->hook);
  jput_str(o, "event_id", e->event_id[0] ? e->event_id : NULL);
  jput_str(o, "action", e->action);
  jput_int(o, "attempt", e->attempt);
  if (e->status)
    jput_int(o, "status", e->status);
  else
    jadd_null(o, "status");
  jput_str(o, "outcome", e->outcome);
  if (e->retry_at)
    jput_time(o, "retry_at", e->retry_at);
  if (e->fault) {
    jput_int(o, "fault", e->fault);
    jput_str(o, "fault_kind", e->fault_kind);
  } else {
    jadd_null(o, "fault");
  }
  if (e->note[0])
    jput_str(o, "note", e->note);
  if (e->body_hash) {
    char hex[20];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)e->body_hash);
    jput_str(o, "body_hash", hex);
  }
  return o;
}

cJSON *sim_deliveries_json(const struct sim *s, uint64_t after, size_t max)
{
  cJSON *a = cJSON_CreateArray();
  struct sim_delivery buf[32];
  size_t got;
  while (max > 0 &&
         (got = sim_deliveries_read(s, after, buf, max < 32 ? max : 32)) > 0) {
    for (size_t i = 0; i < got; i++)
      cJSON_AddItemToArray(a, delivery_json(&buf[i]));
    after = buf[got - 1].n;
    max -= got;
  }
  return a;
}
