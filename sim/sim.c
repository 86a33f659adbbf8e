/* sim.c — a fake ATS instance and its request pipeline:
 *
 *   control (/_sim/) and status page requests go to their own modules;
 *   an API request is journaled, matched against the wire faults (outage,
 *   rate_limit) in the personality's terms, handed to the personality
 *   (auth, vendor limits, the data change), and its answer is sent after the
 *   simulated latency. */
#include "sim_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "at_clock.h"
#include "at_hash.h"

int64_t sim_now(const struct sim *s) { return at_loop_now(s->loop); }
uint16_t sim_port(const struct sim *s) { return at_httpd_port(s->api); }
uint16_t sim_control_port(const struct sim *s)
{
  return s->ctl ? at_httpd_port(s->ctl) : 0;
}
const char *sim_ats(const struct sim *s) { return s->p->name; }
const char *sim_base_url(const struct sim *s) { return s->base_url; }

/* One line per personality (sim/ats/NAME.c). */
static const struct sim_personality *const personalities[] = {
    &sim_greenhouse,
    &sim_lever,
    &sim_workable,
    &sim_ashby,
};

const char *sim_field_alias(const struct sim_personality *p,
                            const char *name)
{
  for (const struct sim_alias *a = p->field_aliases; a && a->from; a++)
    if (strcmp(a->from, name) == 0)
      return a->to;
  return name;
}

const char *const sim_request_kinds[] = {"token", "job",   "find",   "create",
                                         "apply", "move",  "update", NULL};

bool sim_journal_is(const struct sim *s, const struct sim_journal_entry *e,
                    const char *kind)
{
  for (const struct sim_request_kind *k = s->p->request_kinds; k && k->kind;
       k++)
    if (strcmp(k->kind, kind) == 0 && sim_journal_match(e, k->route))
      return true;
  return false;
}

int sim_wire_id(const struct sim *s, const char *kind, int64_t id, char *out,
                size_t len)
{
  if (s->p->wire_id)
    return s->p->wire_id(kind, id, out, len);
  if (strcmp(kind, "job") && strcmp(kind, "user") && strcmp(kind, "candidate") &&
      strcmp(kind, "application"))
    return -1;
  snprintf(out, len, "%lld", (long long)id);
  return 0;
}

const char *sim_personality_name(size_t i)
{
  return i < sizeof personalities / sizeof *personalities
             ? personalities[i]->name
             : NULL;
}

const struct sim_personality *sim_personality_find(const char *name)
{
  for (size_t i = 0; i < sizeof personalities / sizeof *personalities; i++)
    if (strcmp(personalities[i]->name, name) == 0)
      return personalities[i];
  return NULL;
}

/* ---- answering ------------------------------------------------------------ */

static struct sim_journal_entry *entry(struct sim_call *c)
{
  return journal_find(&c->s->journal, c->jn);
}

void sim_note(struct sim_call *c, const char *note)
{
  struct sim_journal_entry *j = entry(c);
  if (j == NULL)
    return;
  size_t o = strlen(j->note);
  snprintf(j->note + o, sizeof j->note - o, "%s%s", o ? "," : "", note);
}

static void journal_fault(struct sim_call *c, const struct sim_fault *f)
{
  struct sim_journal_entry *j = entry(c);
  if (j == NULL)
    return;
  j->fault = f->id;
  snprintf(j->fault_kind, sizeof j->fault_kind, "%s",
           sim_fault_kind_name(f->kind));
}

/* Send 'r' after the route's latency (plus 'extra'). */
static void send_after_latency(struct sim_call *c, struct at_resp *r,
                               int64_t extra)
{
  struct sim *s = c->s;
  const char *tmpl = c->routed ? c->route.tmpl : NULL;
  int64_t lat = latency_sample(&s->latency, &s->prng, c->method, c->path, tmpl);
  int64_t due = c->now + lat + extra;
  struct sim_journal_entry *j = entry(c);
  if (j) {
    j->status = (int)at_resp_status(r);
    j->sent = due;
    const char *ra = at_resp_header_get(r, "Retry-After");
    if (ra) {
      long long v = strtoll(ra, NULL, 10);
      if (v > 100000000LL) /* an epoch time: the wait from now */
        v = v - c->now / 1000;
      j->retry_after = v > 0 ? v * 1000 : 0;
    }
    size_t blen, rlen;
    const char *body = at_req_body(c->req, &blen);
    const char *rb = at_resp_body_data(r, &rlen);
    uint64_t hsh = at_fnv1a64(AT_FNV64_INIT, body, blen);
    j->body_hash = at_fnv1a64(hsh, rb, rlen);
  }
  c->replied = true;
  at_req_respond(c->req, r, due);
}

static void release_held(void *ud)
{
  struct sim_held *h = ud;
  h->timer = NULL;
  for (size_t i = 0; i < h->f->held.n; i++) {
    if (h->f->held.v[i] == h) {
      h->f->held.v[i] = h->f->held.v[--h->f->held.n];
      break;
    }
  }
  at_req_drop(h->req);
  free(h);
}

void sim_fault_release(struct sim *s, struct sim_fault *f)
{
  while (f->held.n > 0) {
    struct sim_held *h = f->held.v[f->held.n - 1];
    at_timer_cancel(s->loop, h->timer);
    h->timer = NULL;
    release_held(h);
  }
}

static void hold(struct sim_call *c, struct sim_fault *f)
{
  struct sim_held *h = xcalloc(1, sizeof *h);
  h->s = c->s;
  h->f = f;
  h->req = c->req;
  vec_push(&f->held, h);
  at_req_hold(c->req);
  if (f->hold > 0)
    h->timer = at_timer_add(c->s->loop, c->now + f->hold, release_held, h);
  sim_note(c, "held");
  c->replied = true;
}

/* Break a JSON body: keep its first half and end it with junk, as a proxy
 * that cut a response and appended its own error page would. */
static void corrupt(struct at_resp *r)
{
  size_t len;
  const char *b = at_resp_body_data(r, &len);
  static const char junk[] = "<!-- upstream closed connection -->";
  size_t keep = len / 2;
  char *nb = xcalloc(1, keep + sizeof junk);
  memcpy(nb, b, keep);
  memcpy(nb + keep, junk, sizeof junk);
  at_resp_body_take(r, "application/json", nb, keep + sizeof junk - 1);
}

/* Apply an outage to the call; 'r' is the handler's answer when the
 * handler ran (commit=before, slow, or a read), else NULL. Takes 'r'. */
static void apply_outage(struct sim_call *c, struct sim_fault *f,
                         struct at_resp *r)
{
  const struct sim_personality *p = c->s->p;
  journal_fault(c, f);
  sim_note(c, sim_outage_mode_name(f->mode));
  if (r)
    sim_note(c, "applied");
  switch (f->mode) {
  case SIM_OUT_503:
  case SIM_OUT_500: {
    at_resp_free(r);
    struct at_resp *o =
        p->outage(c, f->mode == SIM_OUT_503 ? 503 : 500, f->message);
    if (f->retry_after > 0) {
      char ra[24];
      snprintf(ra, sizeof ra, "%lld", (long long)(f->retry_after / 1000));
      at_resp_header(o, "Retry-After", ra);
    }
    send_after_latency(c, o, 0);
    return;
  }
  case SIM_OUT_SLOW:
    send_after_latency(c, r, f->delay);
    return;
  case SIM_OUT_HANG:
  case SIM_OUT_REFUSED:
    at_resp_free(r);
    hold(c, f);
    return;
  case SIM_OUT_RESET:
    at_resp_free(r);
    c->replied = true;
    at_req_drop(c->req);
    return;
  case SIM_OUT_TRUNCATED:
  case SIM_OUT_MALFORMED:
    if (r == NULL) { /* a write that was not applied: a cut-off 201 */
      r = at_resp_new(201);
      const char *b = "{\"id\":null,\"message\":\"created\"}";
      at_resp_body(r, "application/json", b, strlen(b));
    }
    if (f->mode == SIM_OUT_TRUNCATED) {
      size_t len;
      at_resp_body_data(r, &len);
      at_resp_truncate(r, len / 2);
      sim_note(c, "cut");
    } else {
      corrupt(r);
    }
    send_after_latency(c, r, 0);
    return;
  }
}

/* ---- the GET cache ------------------------------------------------------ */

void sim_changed(struct sim *s) { s->gen++; }

void sim_pending_until(struct sim *s, int64_t ready)
{
  if (ready > s->ready_max)
    s->ready_max = ready;
}

static void cache_clear(struct sim *s)
{
  for (size_t i = 0; i < sizeof s->cache / sizeof *s->cache; i++) {
    free(s->cache[i].key);
    at_resp_free(s->cache[i].resp);
    s->cache[i].key = NULL;
    s->cache[i].resp = NULL;
  }
}

bool sim_cache_reply(struct sim_call *c)
{
  struct sim *s = c->s;
  if (strcmp(c->method, "GET") != 0 || c->now < s->ready_max || c->after)
    return false;
  const char *target = at_req_target(c->req), *base = sim_call_base(c);
  size_t n = strlen(target) + strlen(base) + 2;
  char *key = at_req_alloc(c->req, n);
  snprintf(key, n, "%s|%s", target, base);
  for (size_t i = 0; i < sizeof s->cache / sizeof *s->cache; i++) {
    struct sim_cached *e = &s->cache[i];
    if (e->key && e->gen == s->gen && strcmp(e->key, key) == 0) {
      sim_reply(c, at_resp_clone(e->resp));
      return true;
    }
  }
  c->cache_key = key;
  return false;
}

static void cache_store(struct sim_call *c, const struct at_resp *r)
{
  struct sim *s = c->s;
  struct sim_cached *e = &s->cache[s->cache_next++ % (sizeof s->cache /
                                                      sizeof *s->cache)];
  free(e->key);
  at_resp_free(e->resp);
  e->key = xstrdup(c->cache_key);
  e->resp = at_resp_clone(r);
  e->gen = s->gen;
}

void sim_reply(struct sim_call *c, struct at_resp *r)
{
  if (c->replied) { /* a handler answered twice: keep the first */
    at_resp_free(r);
    return;
  }
  if (c->cache_key && at_resp_status(r) == 200 && !c->after)
    cache_store(c, r);
  if (c->has_rl && c->s->p->rate_headers)
    c->s->p->rate_headers(c, r, &c->rl);
  if (c->after) {
    apply_outage(c, c->after, r);
    return;
  }
  send_after_latency(c, r, 0);
}

void sim_reply_raw(struct sim_call *c, unsigned status, const char *ctype,
                   const char *body)
{
  struct at_resp *r = at_resp_new(status);
  at_resp_body(r, ctype, body, strlen(body));
  sim_reply(c, r);
}

void sim_reply_json(struct sim_call *c, unsigned status, cJSON *body)
{
  struct at_resp *r = at_resp_new(status);
  size_t len;
  char *text = jprint(body, &len);
  cJSON_Delete(body);
  at_resp_body_take(r, "application/json; charset=utf-8", text, len);
  sim_reply(c, r);
}

bool sim_rate_check(struct sim_call *c, size_t i)
{
  struct sim *s = c->s;
  c->rl = limiter_hit(&s->limiters[i], c->cred[0] ? c->cred : "anonymous",
                      c->now);
  c->has_rl = c->rl.limit >= 0;
  if (!c->rl.limited)
    return false;
  sim_note(c, "rate limited");
  struct at_resp *r = s->p->rate_limited(c, &c->rl);
  c->after = NULL; /* nothing was applied */
  send_after_latency(c, r, 0);
  return true;
}

const char *sim_call_base(struct sim_call *c)
{
  const char *host = at_req_header(c->req, "Host");
  if (host == NULL || *host == '\0' || strlen(host) > 200)
    return c->s->base_url;
  for (const char *p = host; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr(".-:[]", *p))
      return c->s->base_url;
  size_t n = strlen(host) + 8;
  char *b = at_req_alloc(c->req, n);
  snprintf(b, n, "http://%s", host);
  return b;
}

/* ---- faults at request time ---------------------------------------------- */

/* Does fault f apply to this call? Counts matches and applications. */
static bool fault_applies(struct sim_call *c, struct sim_fault *f)
{
  if (!fault_window_open(f, c->now))
    return false;
  if (f->route &&
      !route_match(f->route, c->method, c->path, c->routed ? c->route.tmpl : NULL))
    return false;
  if (f->credential && strcmp(f->credential, c->cred) != 0)
    return false;
  f->matched++;
  if (f->matched <= f->after)
    return false;
  if (f->count && f->applied >= f->count)
    return false;
  if (f->probability < 1.0 && at_prng_unit(&c->s->prng) >= f->probability)
    return false;
  f->applied++;
  return true;
}

struct sim_fault *sim_fault_hit(struct sim_call *c, enum sim_fault_kind kind,
                                int64_t job_id)
{
  struct sim *s = c->s;
  for (size_t i = 0; i < s->faults.n; i++) {
    struct sim_fault *f = s->faults.v[i];
    if (f->kind != kind || (f->job && f->job != job_id))
      continue;
    if (fault_applies(c, f)) {
      journal_fault(c, f);
      return f;
    }
  }
  return NULL;
}

static bool rule_ok(const char *rule, const char *v)
{
  size_t n = strlen(v);
  if (strcmp(rule, "e164") == 0) {
    if (n < 8 || n > 16 || v[0] != '+' || v[1] < '1' || v[1] > '9')
      return false;
    for (size_t i = 1; i < n; i++)
      if (!isdigit((unsigned char)v[i]))
        return false;
    return true;
  }
  if (strcmp(rule, "email") == 0) {
    const char *at = strchr(v, '@');
    if (at == NULL || at == v || strchr(at + 1, '@') || strchr(v, ' '))
      return false;
    const char *dot = strrchr(at, '.');
    return dot && dot > at + 1 && dot[1] != '\0';
  }
  if (strncmp(rule, "max_length:", 11) == 0) {
    size_t chars = 0;
    for (const char *p = v; *p; p++)
      chars += ((unsigned char)*p & 0xC0) != 0x80; /* count code points */
    return chars <= (size_t)atol(rule + 11);
  }
  if (strcmp(rule, "date") == 0) {
    int64_t ms;
    return n == 10 && at_time_parse_iso8601(v, &ms) == 0;
  }
  if (strcmp(rule, "digits") == 0) {
    for (const char *p = v; *p; p++)
      if (!isdigit((unsigned char)*p))
        return false;
    return n > 0;
  }
  return true;
}

static void rule_message(const char *rule, char *msg, size_t len)
{
  if (strcmp(rule, "e164") == 0)
    snprintf(msg, len, "Must be a valid phone number in E.164 format "
             "(e.g. +14155550123)");
  else if (strcmp(rule, "email") == 0)
    snprintf(msg, len, "Must be a valid email address");
  else if (strncmp(rule, "max_length:", 11) == 0)
    snprintf(msg, len, "Is too long (maximum is %s characters)", rule + 11);
  else if (strcmp(rule, "date") == 0)
    snprintf(msg, len, "Must be a date in the format YYYY-MM-DD");
  else
    snprintf(msg, len, "Must contain only digits");
}

const char sim_rule_na[] = "(not judged here)";

struct sim_fault *sim_rules_check(struct sim_call *c, int64_t job_id,
                                  const char *(*values)(void *, const char *,
                                                        size_t),
                                  void *ud, char *msg, size_t msglen,
                                  const char **field)
{
  struct sim *s = c->s;
  for (size_t i = 0; i < s->faults.n; i++) {
    struct sim_fault *f = s->faults.v[i];
    if (f->kind != SIM_F_REQUIRED_FIELD && f->kind != SIM_F_FORMAT_RULE)
      continue;
    if (f->job && f->job != job_id)
      continue;
    const char *name = sim_field_alias(s->p, f->field);
    bool bad = false;
    if (values(ud, name, 0) == SIM_RULE_NA)
      continue;
    if (f->kind == SIM_F_REQUIRED_FIELD) {
      const char *v = values(ud, name, 0);
      bad = v == NULL || *v == '\0';
      if (bad)
        snprintf(msg, msglen, f->job ? "Is required for this job"
                                     : "Is required");
    } else {
      const char *v;
      for (size_t k = 0; (v = values(ud, name, k)) != NULL && !bad; k++)
        bad = !rule_ok(f->rule, v);
      if (bad)
        rule_message(f->rule, msg, msglen);
    }
    if (bad && fault_applies(c, f)) {
      journal_fault(c, f);
      *field = name;
      return f;
    }
  }
  return NULL;
}

/* The first wire fault (outage, rate_limit) that applies, handled here.
 * Returns true when the call has been answered. */
static bool wire_faults(struct sim_call *c)
{
  struct sim *s = c->s;
  for (size_t i = 0; i < s->faults.n; i++) {
    struct sim_fault *f = s->faults.v[i];
    if (f->kind != SIM_F_OUTAGE && f->kind != SIM_F_RATE_LIMIT)
      continue;
    if (f->kind == SIM_F_OUTAGE && f->mode == SIM_OUT_REFUSED)
      continue; /* the listener itself is down */
    if (!fault_applies(c, f))
      continue;
    if (f->kind == SIM_F_RATE_LIMIT) {
      struct sim_rl_result rl =
          limiter_hit(&f->rl, c->cred[0] ? c->cred : "anonymous", c->now);
      if (!rl.limited) {
        f->applied--; /* in scope, but under the fault's limit */
        continue;
      }
      journal_fault(c, f);
      sim_note(c, "rate limited");
      send_after_latency(c, s->p->rate_limited(c, &rl), 0);
      return true;
    }
    bool through = f->mode == SIM_OUT_SLOW ||
                   ((f->mode == SIM_OUT_TRUNCATED ||
                     f->mode == SIM_OUT_MALFORMED) &&
                    !c->route.write) ||
                   (f->commit && c->route.write);
    if (through) {
      c->after = f; /* the handler runs; sim_reply applies the outage */
      return false;
    }
    apply_outage(c, f, NULL);
    return true;
  }
  return false;
}

/* ---- the API listener ---------------------------------------------------- */

static bool is_prefix(const char *s, const char *p)
{
  return strncmp(s, p, strlen(p)) == 0;
}

static void on_api(void *ud, struct at_req *req)
{
  struct sim *s = ud;
  const char *path = at_req_path(req);
  if (is_prefix(path, "/_sim/") || strcmp(path, "/_sim") == 0) {
    control_serve(s, req);
    return;
  }
  if (is_prefix(path, "/api/v2/") && statuspage_serve(s, req))
    return;
  struct sim_call *c = at_req_alloc(req, sizeof *c);
  memset(c, 0, sizeof *c);
  c->s = s;
  c->req = req;
  c->method = at_req_method(req);
  c->path = path;
  c->now = sim_now(s);
  struct sim_journal_entry *j = journal_add(&s->journal);
  c->jn = j->n;
  j->t = c->now;
  snprintf(j->method, sizeof j->method, "%s", c->method);
  snprintf(j->target, sizeof j->target, "%s", at_req_target(req));
  c->routed = s->p->route(c, &c->route);
  if (c->routed)
    snprintf(j->route, sizeof j->route, "%s", c->route.tmpl);
  s->p->identify(c, c->cred, sizeof c->cred);
  snprintf(j->credential, sizeof j->credential, "%s", c->cred);
  if (wire_faults(c))
    return;
  s->p->handle(c);
  if (c->routed && c->route.write)
    sim_changed(s);
  if (!c->replied) { /* a personality bug: never leave a client hanging */
    sim_reply_raw(c, 500, "application/json",
                  "{\"errors\":[{\"message\":\"the simulator gave no "
                  "answer\"}]}");
  }
}

static void on_control(void *ud, struct at_req *req)
{
  struct sim *s = ud;
  const char *path = at_req_path(req);
  if (is_prefix(path, "/api/v2/") && statuspage_serve(s, req))
    return;
  control_serve(s, req);
}

/* ---- refused ---------------------------------------------------------------- */

void sim_refused_update(struct sim *s)
{
  bool down = false;
  int64_t now = sim_now(s);
  for (size_t i = 0; i < s->faults.n; i++) {
    const struct sim_fault *f = s->faults.v[i];
    if (f->kind == SIM_F_OUTAGE && f->mode == SIM_OUT_REFUSED &&
        fault_window_open(f, now))
      down = true;
  }
  if (down == s->refused || s->api == NULL)
    return;
  if (down) { /* drop what hang faults hold: the listener closes them */
    for (size_t i = 0; i < s->faults.n; i++)
      sim_fault_release(s, s->faults.v[i]);
  }
  s->refused = down;
  at_httpd_set_down(s->api, down);
}

/* ---- faults: add / clear ------------------------------------------------- */

/* A refused outage's window opened or closed. */
static void fault_timer(void *ud)
{
  struct sim *s = ud;
  for (size_t i = 0; i < s->faults.n; i++) {
    struct sim_fault *f = s->faults.v[i];
    if (f->timer_on && f->from <= sim_now(s))
      f->timer_on = NULL;
    if (f->timer_off && f->until <= sim_now(s))
      f->timer_off = NULL;
  }
  sim_refused_update(s);
}

int sim_fault_add(struct sim *s, const char *kind, const struct sim_kv *kv,
                  size_t n, int *id, char *err, size_t errlen)
{
  struct sim_fault *f = fault_parse(kind, kv, n, sim_now(s), err, errlen);
  if (f == NULL)
    return -1;
  f->id = s->next_fault++;
  if (f->kind == SIM_F_RATE_LIMIT)
    limiter_init(&f->rl, f->limit, f->window, false);
  vec_push(&s->faults, f);
  if (f->kind == SIM_F_OUTAGE && f->mode == SIM_OUT_REFUSED) {
    if (f->from > sim_now(s))
      f->timer_on = at_timer_add(s->loop, f->from, fault_timer, s);
    if (f->until)
      f->timer_off = at_timer_add(s->loop, f->until, fault_timer, s);
    sim_refused_update(s);
  }
  if (id)
    *id = f->id;
  return 0;
}

static void fault_drop(struct sim *s, size_t i)
{
  struct sim_fault *f = s->faults.v[i];
  memmove(&s->faults.v[i], &s->faults.v[i + 1],
          (s->faults.n - i - 1) * sizeof *s->faults.v);
  s->faults.n--;
  at_timer_cancel(s->loop, f->timer_on);
  at_timer_cancel(s->loop, f->timer_off);
  sim_fault_release(s, f);
  limiter_free(&f->rl);
  fault_free(f);
}

int sim_fault_clear(struct sim *s, int id)
{
  for (size_t i = 0; i < s->faults.n; i++) {
    struct sim_fault *f = s->faults.v[i];
    if (f->id == id) {
      fault_drop(s, i);
      sim_refused_update(s);
      return 0;
    }
  }
  return -1;
}

void sim_fault_clear_all(struct sim *s)
{
  while (s->faults.n > 0)
    fault_drop(s, s->faults.n - 1);
  sim_refused_update(s);
}

cJSON *sim_faults_json(const struct sim *s)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < s->faults.n; i++)
    cJSON_AddItemToArray(a, fault_json(s->faults.v[i], sim_now(s)));
  return a;
}

int sim_latency_set(struct sim *s, const char *route, int64_t p50, int64_t p99,
                    char *err, size_t errlen)
{
  if (latency_set(&s->latency, route, p50, p99) != 0) {
    snprintf(err, errlen, "latency: p50 and p99 must be >= 0 with p99 >= p50");
    return -1;
  }
  return 0;
}

/* ---- lifecycle ------------------------------------------------------------- */

static void limiters_init(struct sim *s)
{
  for (size_t i = 0; i < s->p->nlimiters && i < SIM_MAX_LIMITERS; i++) {
    int limit;
    int64_t window;
    bool fixed;
    s->p->limiter_defaults(i, &limit, &window, &fixed);
    if (s->cfg.rate_limit_off)
      limit = -1;
    else if (s->cfg.rate_limit > 0)
      limit = s->cfg.rate_limit;
    if (s->cfg.rate_window_ms > 0)
      window = s->cfg.rate_window_ms;
    limiter_init(&s->limiters[i], limit, window, fixed);
    s->limiters[i].token = (s->p->token_buckets >> i) & 1u;
  }
}

/* (Re)build the tenant, credentials and plans from the configuration. */
static int state_init(struct sim *s, char *err, size_t errlen)
{
  /* after a reset the same data, but fresh secrets: a credential minted
   * before the reset never works again */
  at_prng_seed(&s->prng, s->seed + s->resets * UINT64_C(0x9E3779B97F4A7C15));
  model_init(&s->model);
  creds_init(&s->creds, &s->prng);
  s->next_fault = 1;
  s->next_webhook = 1;
  wh_init(s);
  journal_init(&s->journal, s->cfg.journal_cap);
  limiters_init(s);
  latency_init(&s->latency, s->cfg.latency_off);
  if (!s->cfg.latency_off && s->cfg.latency_p50_ms > 0)
    latency_set(&s->latency, NULL, s->cfg.latency_p50_ms,
                s->cfg.latency_p99_ms > s->cfg.latency_p50_ms
                    ? s->cfg.latency_p99_ms
                    : s->cfg.latency_p50_ms);
  s->pdata = sim_settings_new(s->p);
  if (s->data_file)
    return seed_load_file(s, s->data_file, err, errlen);
  return s->cfg.empty ? seed_empty(s) : seed_default(s);
}

static void state_free(struct sim *s)
{
  cache_clear(s);
  s->gen++;
  s->ready_max = 0;
  sim_fault_clear_all(s);
  vec_free(&s->faults);
  wh_free(s); /* cancels the deliveries' timers and transfers */
  webhooks_free(s);
  model_free(&s->model);
  creds_free(&s->creds);
  journal_free(&s->journal);
  for (size_t i = 0; i < SIM_MAX_LIMITERS; i++)
    limiter_free(&s->limiters[i]);
  latency_free(&s->latency);
  sim_settings_free(s->p, s->pdata);
  s->pdata = NULL;
}

struct sim *sim_new(const struct sim_config *cfg, char *err, size_t errlen)
{
  const struct sim_personality *p =
      sim_personality_find(cfg->ats ? cfg->ats : "greenhouse");
  if (p == NULL) {
    char list[128] = "";
    for (size_t i = 0; sim_personality_name(i); i++) {
      size_t o = strlen(list);
      snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
               sim_personality_name(i));
    }
    snprintf(err, errlen, "unknown ATS '%s' (available: %s)", cfg->ats, list);
    return NULL;
  }
  struct sim *s = xcalloc(1, sizeof *s);
  s->p = p;
  s->loop = cfg->loop;
  s->cfg = *cfg;
  s->bind = xstrdup(cfg->bind ? cfg->bind : "127.0.0.1");
  s->data_file = xstrdup(cfg->data_file);
  s->cfg.bind = s->bind;
  s->cfg.data_file = s->data_file;
  s->seed = cfg->seed;
  if (state_init(s, err, errlen) != 0)
    goto fail;
  struct at_httpd_config hc = {.name = p->name, .bind = s->bind,
                               .port = cfg->port, .max_body = cfg->max_body,
                               .handler = on_api, .ud = s};
  s->api = at_httpd_new(s->loop, &hc, err, errlen);
  if (s->api == NULL)
    goto fail;
  const char *host = strcmp(s->bind, "0.0.0.0") == 0 ? "127.0.0.1" : s->bind;
  snprintf(s->base_url, sizeof s->base_url, "http://%s:%u", host,
           at_httpd_port(s->api));
  if (cfg->control_listener) {
    struct at_httpd_config cc = {.name = "control", .bind = "127.0.0.1",
                                 .port = cfg->control_port,
                                 .handler = on_control, .ud = s};
    s->ctl = at_httpd_new(s->loop, &cc, err, errlen);
    if (s->ctl == NULL)
      goto fail;
  }
  return s;
fail:
  sim_free(s);
  return NULL;
}

void sim_free(struct sim *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->faults.n; i++) /* before the listeners close */
    sim_fault_release(s, s->faults.v[i]);
  at_httpd_free(s->api);
  at_httpd_free(s->ctl);
  s->api = s->ctl = NULL;
  state_free(s);
  free(s->bind);
  free(s->data_file);
  free(s);
}

int sim_reset(struct sim *s, char *err, size_t errlen)
{
  state_free(s);
  s->resets++;
  memset(&s->model, 0, sizeof s->model);
  memset(&s->creds, 0, sizeof s->creds);
  memset(s->limiters, 0, sizeof s->limiters);
  memset(&s->latency, 0, sizeof s->latency);
  return state_init(s, err, errlen);
}

int sim_setting(struct sim *s, const char *key, const char *value, char *err,
                size_t errlen)
{
  if (s->p->settings == NULL) {
    snprintf(err, errlen, "%s has no settings", s->p->name);
    return -1;
  }
  if (sim_settings_set(s, key, value, err, errlen) != 0)
    return -1;
  sim_changed(s);
  return 0;
}
