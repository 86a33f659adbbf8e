/* test_webhooks.c — the fake Greenhouse as a webhook sender: a receiver
 * (an at_httpd on the same loop, virtual clock) records every delivery and
 * answers a programmable status. Covered: the ping and a hook created
 * disabled by a failed one, each event's payload (admin actions and API
 * writes, v1 and v3), the Signature header (HMAC-SHA256 of the raw body),
 * the event id, the retry schedule (7 attempts, then dropped), timeouts,
 * the six webhook faults and their bad parameters, the delivery log and
 * its control API, reset. Never sleeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "at_hash.h"
#include "simfx.h"
#include "tassert.h"

#define SECRET "whsec-test-1"
#define MIN (60 * 1000)

/* ---- the receiver ------------------------------------------------------------- */

struct hit {
  int64_t t;
  char path[128];
  char sig[160], event_id[64], ctype[64], ua[96];
  char *body;
  size_t len;
};

struct receiver {
  struct at_httpd *h;
  char url[96];
  struct hit hits[64];
  size_t n;
  int status;       /* the answer; 0 = hold the request (no answer) */
  int script[8];    /* answers for the next requests, before 'status' */
  size_t nscript;
};

static void copy_header(const struct at_req *r, const char *name, char *out,
                        size_t len)
{
  const char *v = at_req_header(r, name);
  snprintf(out, len, "%s", v ? v : "");
}

/* Record the request and answer it. No asserts here: a failing cmocka
 * assert must run in the test's own frame. */
static void on_hook(void *ud, struct at_req *req)
{
  struct receiver *rc = ud;
  int status = rc->status;
  if (rc->nscript) {
    status = rc->script[0];
    memmove(rc->script, rc->script + 1, --rc->nscript * sizeof *rc->script);
  }
  if (rc->n < sizeof rc->hits / sizeof *rc->hits) {
    struct hit *h = &rc->hits[rc->n++];
    h->t = at_req_arrived(req);
    snprintf(h->path, sizeof h->path, "%s", at_req_path(req));
    copy_header(req, "Signature", h->sig, sizeof h->sig);
    copy_header(req, "Greenhouse-Event-ID", h->event_id, sizeof h->event_id);
    copy_header(req, "Content-Type", h->ctype, sizeof h->ctype);
    copy_header(req, "User-Agent", h->ua, sizeof h->ua);
    const char *b = at_req_body(req, &h->len);
    h->body = malloc(h->len + 1);
    memcpy(h->body, b, h->len + 1);
  }
  if (status == 0) {
    at_req_hold(req); /* dropped when the receiver is freed */
    return;
  }
  struct at_resp *resp = at_resp_new((unsigned)status);
  at_resp_body(resp, "text/plain", "ok", 2);
  at_req_respond(req, resp, 0);
}

static struct receiver *receiver_new(struct simfx *f, int status)
{
  struct receiver *rc = calloc(1, sizeof *rc);
  rc->status = status;
  struct at_httpd_config c = {.name = "receiver", .handler = on_hook, .ud = rc};
  char err[256];
  rc->h = at_httpd_new(f->loop, &c, err, sizeof err);
  if (rc->h == NULL)
    fail_msg("receiver: %s", err);
  snprintf(rc->url, sizeof rc->url, "http://127.0.0.1:%u/hooks/greenhouse",
           at_httpd_port(rc->h));
  return rc;
}

static void receiver_free(struct receiver *rc)
{
  at_httpd_free(rc->h);
  for (size_t i = 0; i < rc->n; i++)
    free(rc->hits[i].body);
  free(rc);
}

/* Forget what was received so far. */
static void receiver_clear(struct receiver *rc)
{
  for (size_t i = 0; i < rc->n; i++)
    free(rc->hits[i].body);
  rc->n = 0;
}

/* ---- helpers ----------------------------------------------------------------- */

static struct simfx *new_fx(void)
{
  struct simfx_opts o = {.seeded = false, .rate_limit = 0};
  return simfx_new(&o);
}

static long long jnum(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (cJSON_IsNumber(v))
    return (long long)v->valuedouble;
  if (cJSON_IsRaw(v) && v->valuestring)
    return strtoll(v->valuestring, NULL, 10);
  fail_msg("member '%s' is not a number", k);
  return -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
  return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const cJSON *jget(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (v == NULL)
    fail_msg("member '%s' missing", k);
  return v;
}

/* The body of hit i, parsed (caller frees). */
static cJSON *hit_json(const struct receiver *rc, size_t i)
{
  if (i >= rc->n)
    fail_msg("hit %zu: only %zu deliveries arrived", i, rc->n);
  cJSON *j = cJSON_Parse(rc->hits[i].body);
  if (j == NULL)
    fail_msg("hit %zu: body is not JSON: %.300s", i, rc->hits[i].body);
  return j;
}

static const char *hit_action(const struct receiver *rc, size_t i,
                              char *buf, size_t len)
{
  cJSON *j = hit_json(rc, i);
  snprintf(buf, len, "%s", jstr(j, "action") ? jstr(j, "action") : "");
  cJSON_Delete(j);
  return buf;
}

/* "sha256 <hex>" of HMAC-SHA256(key, body). */
static void expected_sig(const char *key, const char *body, size_t len,
                         char *out, size_t outlen)
{
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, len,
       mac, &n);
  size_t o = (size_t)snprintf(out, outlen, "sha256 ");
  for (unsigned i = 0; i < n; i++)
    o += (size_t)snprintf(out + o, outlen - o, "%02x", mac[i]);
}

static bool sig_ok(const struct hit *h, const char *key)
{
  char want[160];
  expected_sig(key, h->body, h->len, want, sizeof want);
  return strcmp(want, h->sig) == 0;
}

/* Subscribe the receiver and let the ping arrive. Returns the hook id. */
static int subscribe(struct simfx *f, struct receiver *rc, const char *events)
{
  int id;
  char err[256];
  if (sim_webhook_add(f->sim, rc->url, SECRET, events, &id, err, sizeof err))
    fail_msg("subscribe: %s", err);
  fx_advance(f, 1);
  return id;
}

/* A job (stages Screen, Onsite, Offer) and a candidate with an active
 * application on it, made before any subscription. */
struct world {
  long long job, stages[3], cand, app;
};

static struct world make_world(struct simfx *f)
{
  struct world w;
  cJSON *j = fx_action(f, "add_job", "name=Backend stages=Screen|Onsite|Offer");
  w.job = jnum(j, "id");
  const cJSON *ids = cJSON_GetObjectItem(j, "stage_ids");
  for (int i = 0; i < 3; i++)
    w.stages[i] = strtoll(cJSON_GetArrayItem(ids, i)->valuestring, NULL, 10);
  cJSON_Delete(j);
  char kv[200];
  snprintf(kv, sizeof kv,
           "first_name=Ada last_name=Lovelace email=ada@example.com "
           "phone=+14155550100 job=%lld",
           w.job);
  cJSON *c = fx_action(f, "add_candidate", kv);
  w.cand = jnum(c, "id");
  w.app = jnum(c, "application_id");
  cJSON_Delete(c);
  return w;
}

static void act(struct simfx *f, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void act(struct simfx *f, const char *action, const char *fmt, ...)
{
  char kv[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(kv, sizeof kv, fmt, ap);
  va_end(ap);
  cJSON_Delete(fx_action(f, action, kv));
}

static void move_to(struct simfx *f, const struct world *w, int stage)
{
  act(f, "move_application", "application=%lld stage=%lld", w->app,
      w->stages[stage]);
}

/* All log entries (up to 64) after 'after'. */
static size_t log_read(struct simfx *f, uint64_t after, struct sim_delivery *d)
{
  return sim_deliveries_read(f->sim, after, d, 64);
}

static int fault_err(struct simfx *f, const char *kind, const char *k,
                     const char *v, char *err, size_t len)
{
  struct sim_kv kv[] = {{k, v}};
  int id;
  err[0] = '\0';
  return sim_fault_add(f->sim, kind, kv, k ? 1 : 0, &id, err, len);
}

/* ---- the ping ------------------------------------------------------------------ */

static void test_ping_and_headers(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct receiver *rc = receiver_new(f, 200);
  int64_t t0 = at_loop_now(f->loop);
  int id = subscribe(f, rc, NULL);
  assert_int_equal(id, 1);
  assert_int_equal(rc->n, 1);
  const struct hit *h = &rc->hits[0];
  assert_int_equal(h->t, t0); /* a save pings at once */
  assert_string_equal(h->path, "/hooks/greenhouse");
  assert_string_equal(h->ctype, "application/json");
  assert_true(sig_ok(h, SECRET));
  assert_int_equal(strlen(h->sig), 7 + 64);
  assert_int_equal(strlen(h->event_id), 36); /* uuid-shaped */
  assert_contains(h->ua, "Greenhouse");
  cJSON *j = hit_json(rc, 0);
  assert_string_equal(jstr(j, "action"), "ping");
  const cJSON *p = jget(j, "payload");
  assert_int_equal(jnum(p, "web_hook_id"), 1);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(jget(p, "events"), 0)),
                      "*");
  cJSON_Delete(j);
  assert_null(strstr(h->body, SECRET));
  /* the subscription: enabled, ping ok, secret masked */
  cJSON *l = sim_webhooks_json(f->sim);
  char *txt = cJSON_PrintUnformatted(l);
  assert_null(strstr(txt, SECRET));
  assert_contains(txt, "\"enabled\":true");
  assert_contains(txt, "\"ping\":\"ok\"");
  free(txt);
  cJSON_Delete(l);
  /* the log */
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 0, d), 1);
  assert_int_equal(sim_deliveries_last(f->sim), 1);
  assert_int_equal(d[0].hook, 1);
  assert_int_equal(d[0].attempt, 1);
  assert_int_equal(d[0].status, 200);
  assert_string_equal(d[0].outcome, "delivered");
  assert_string_equal(d[0].action, "ping");
  assert_string_equal(d[0].event_id, h->event_id);
  assert_true(d[0].body_hash != 0);
  assert_int_equal(sim_webhooks_pending(f->sim), 0);
  receiver_free(rc);
  simfx_free(f);
}

/* A ping that fails leaves the hook disabled: events are not sent, until
 * it is enabled again (which pings again). */
static void test_ping_failure_disables(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 500);
  int id = subscribe(f, rc, "*");
  assert_int_equal(rc->n, 1);
  cJSON *l = sim_webhooks_json(f->sim);
  char *txt = cJSON_PrintUnformatted(l);
  assert_contains(txt, "\"enabled\":false");
  assert_contains(txt, "\"ping\":\"failed: HTTP 500\"");
  free(txt);
  cJSON_Delete(l);
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 0, d), 1);
  assert_string_equal(d[0].outcome, "failed");
  assert_int_equal(d[0].status, 500);
  /* an event on a disabled hook is not sent (and not retried later) */
  move_to(f, &w, 1);
  fx_advance(f, 24 * 60 * MIN);
  assert_int_equal(rc->n, 1);
  assert_int_equal(log_read(f, 1, d), 1);
  assert_string_equal(d[0].outcome, "dropped: subscription disabled");
  assert_string_equal(d[0].action, "candidate_stage_change");
  assert_int_equal(d[0].attempt, 0);
  /* enable again over the control API: a new ping, now answered */
  rc->status = 200;
  char path[64];
  snprintf(path, sizeof path, "/_sim/webhooks/%d/enable", id);
  struct tc_resp r = tc_do(f->loop, "POST", fx_url(f, path), "", NULL);
  assert_status(r, 200);
  assert_contains(r.body, "\"enabled\":true");
  tc_free(&r);
  fx_advance(f, 1);
  assert_int_equal(rc->n, 2);
  char act_name[40];
  assert_string_equal(hit_action(rc, 1, act_name, sizeof act_name), "ping");
  move_to(f, &w, 2);
  fx_advance(f, 1000);
  assert_int_equal(rc->n, 3);
  assert_string_equal(hit_action(rc, 2, act_name, sizeof act_name),
                      "candidate_stage_change");
  /* errors */
  char err[256];
  assert_int_equal(sim_webhook_enable(f->sim, 42, err, sizeof err), -1);
  assert_contains(err, "no such webhook 42");
  r = tc_do(f->loop, "POST", fx_url(f, "/_sim/webhooks/42/enable"), "", NULL);
  assert_status(r, 404);
  tc_free(&r);
  r = tc_do(f->loop, "GET", fx_url(f, path), NULL, NULL);
  assert_status(r, 405);
  tc_free(&r);
  receiver_free(rc);
  simfx_free(f);
}

/* A ping that gets no answer at all (nothing listens) disables too. */
static void test_ping_refused_disables(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct receiver *gone = receiver_new(f, 200);
  char url[96];
  snprintf(url, sizeof url, "%s", gone->url);
  receiver_free(gone); /* the port is closed now */
  int id;
  char err[256];
  assert_int_equal(sim_webhook_add(f->sim, url, SECRET, "*", &id, err,
                                   sizeof err), 0);
  fx_advance(f, 1);
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 0, d), 1);
  assert_string_equal(d[0].outcome, "failed");
  assert_int_equal(d[0].status, 0);
  assert_string_equal(d[0].note, "connection refused");
  cJSON *l = sim_webhooks_json(f->sim);
  char *txt = cJSON_PrintUnformatted(l);
  assert_contains(txt, "\"ping\":\"failed: connection refused\"");
  assert_contains(txt, "\"enabled\":false");
  free(txt);
  cJSON_Delete(l);
  simfx_free(f);
}

/* ---- payloads ------------------------------------------------------------------- */

/* The application object every application event carries. */
static const cJSON *check_app(const cJSON *body, const char *action,
                              const struct world *w, const char *status)
{
  assert_string_equal(jstr(body, "action"), action);
  const cJSON *a = jget(jget(body, "payload"), "application");
  assert_int_equal(jnum(a, "id"), w->app);
  assert_string_equal(jstr(a, "status"), status);
  assert_false(cJSON_IsTrue(jget(a, "prospect")));
  /* times to the second, as in the documented examples */
  assert_int_equal(strlen(jstr(a, "applied_at")), 20);
  const cJSON *c = jget(a, "candidate");
  assert_int_equal(jnum(c, "id"), w->cand);
  assert_string_equal(jstr(c, "first_name"), "Ada");
  const cJSON *em = cJSON_GetArrayItem(jget(c, "email_addresses"), 0);
  assert_string_equal(jstr(em, "value"), "ada@example.com");
  assert_string_equal(jstr(em, "type"), "personal");
  const cJSON *ph = cJSON_GetArrayItem(jget(c, "phone_numbers"), 0);
  assert_string_equal(jstr(ph, "value"), "+14155550100");
  const cJSON *jobs = jget(a, "jobs");
  assert_int_equal(cJSON_GetArraySize(jobs), 1);
  assert_int_equal(jnum(cJSON_GetArrayItem(jobs, 0), "id"), w->job);
  assert_string_equal(jstr(cJSON_GetArrayItem(jobs, 0), "name"), "Backend");
  return a;
}

static void test_admin_application_events(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  struct world w = make_world(f); /* add_candidate with a job */
  int64_t t0 = at_loop_now(f->loop);
  fx_advance(f, 1000);
  assert_int_equal(rc->n, 1);
  assert_int_equal(rc->hits[0].t, t0 + 1000); /* webhook_delay 1 s */
  cJSON *b = hit_json(rc, 0);
  const cJSON *a = check_app(b, "new_candidate_application", &w, "active");
  assert_int_equal(jnum(jget(a, "current_stage"), "id"), w.stages[0]);
  assert_non_null(cJSON_GetObjectItem(a, "prospect_detail"));
  cJSON_Delete(b);

  move_to(f, &w, 1);
  fx_advance(f, 1000);
  b = hit_json(rc, 1);
  a = check_app(b, "candidate_stage_change", &w, "active");
  assert_int_equal(jnum(jget(a, "current_stage"), "id"), w.stages[1]);
  assert_string_equal(jstr(jget(a, "current_stage"), "name"), "Onsite");
  assert_true(cJSON_IsNull(jget(a, "rejected_at")));
  cJSON_Delete(b);

  act(f, "reject_application", "application=%lld reason=101", w.app);
  fx_advance(f, 1000);
  b = hit_json(rc, 2);
  a = check_app(b, "reject_candidate", &w, "rejected");
  assert_non_null(jstr(a, "rejected_at"));
  assert_int_equal(jnum(jget(a, "rejection_reason"), "id"), 101);
  cJSON_Delete(b);

  act(f, "unreject_application", "application=%lld", w.app);
  fx_advance(f, 1000);
  b = hit_json(rc, 3);
  a = check_app(b, "unreject_candidate", &w, "active");
  assert_true(cJSON_IsNull(jget(a, "rejection_reason")));
  cJSON_Delete(b);

  act(f, "hire_application", "application=%lld start_date=2026-04-01", w.app);
  fx_advance(f, 1000);
  b = hit_json(rc, 4);
  a = check_app(b, "hire_candidate", &w, "hired");
  assert_true(cJSON_IsNull(jget(a, "current_stage"))); /* none once hired */
  assert_string_equal(jstr(jget(a, "offer"), "starts_at"), "2026-04-01");
  cJSON_Delete(b);
  assert_int_equal(rc->n, 5);
  for (size_t i = 0; i < rc->n; i++)
    assert_true(sig_ok(&rc->hits[i], SECRET));
  receiver_free(rc);
  simfx_free(f);
}

static void test_update_and_merge_events(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  cJSON *c2 = fx_action(f, "add_candidate",
                        "first_name=Ada last_name=Byron email=ada@work.example");
  long long dup = jnum(c2, "id");
  cJSON_Delete(c2);
  struct receiver *all = receiver_new(f, 200);
  struct receiver *del = receiver_new(f, 200);   /* deletes, not merges */
  struct receiver *moves = receiver_new(f, 200); /* stage changes only */
  subscribe(f, all, "*");
  subscribe(f, del, "delete_candidate");
  subscribe(f, moves, "candidate_stage_change");
  receiver_clear(all);
  receiver_clear(del);
  receiver_clear(moves);

  act(f, "update_candidate", "candidate=%lld company=Analytical~Engines",
      w.cand);
  fx_advance(f, 1000);
  cJSON *b = hit_json(all, 0);
  assert_string_equal(jstr(b, "action"), "update_candidate");
  const cJSON *c = jget(jget(b, "payload"), "candidate");
  assert_int_equal(jnum(c, "id"), w.cand);
  assert_string_equal(jstr(c, "company"), "Analytical Engines");
  cJSON_Delete(b);

  /* a merge: the duplicate is the person that is gone */
  int64_t before = at_loop_now(f->loop);
  act(f, "merge_candidates", "primary=%lld duplicate=%lld", dup, w.cand);
  fx_advance(f, 1000);
  b = hit_json(all, 1);
  assert_string_equal(jstr(b, "action"), "merge_candidate");
  const cJSON *p = jget(jget(b, "payload"), "person");
  assert_int_equal(jnum(p, "id"), w.cand);
  assert_int_equal(jnum(p, "new_candidate_id"), dup);
  cJSON_Delete(b);
  /* a hook for deletes only gets delete_candidate in its place */
  assert_int_equal(del->n, 1);
  b = hit_json(del, 0);
  assert_string_equal(jstr(b, "action"), "delete_candidate");
  p = jget(jget(b, "payload"), "person");
  assert_int_equal(jnum(p, "id"), w.cand);
  assert_int_equal(cJSON_GetArraySize(jget(p, "deleted_application_ids")), 0);
  cJSON_Delete(b);
  assert_int_equal(moves->n, 0);
  /* the moved application reads as changed since the merge */
  char path[128], ts[AT_TIME_BUF];
  snprintf(path, sizeof path, "/v1/applications?last_activity_after=%s",
           at_time_iso8601(before - 1, true, ts));
  struct tc_resp r = fx_v1(f, "GET", path, NULL, NULL);
  assert_status(r, 200);
  char app[32];
  snprintf(app, sizeof app, "\"id\":%lld", w.app);
  assert_contains(r.body, app);
  tc_free(&r);
  receiver_free(all);
  receiver_free(del);
  receiver_free(moves);
  simfx_free(f);
}

/* The API's writes fire as the admin's do: v1 and v3. */
static void test_api_writes_fire(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  char body[400];
  snprintf(body, sizeof body,
           "{\"first_name\":\"Grace\",\"last_name\":\"Hopper\","
           "\"email_addresses\":[{\"value\":\"grace@example.com\",\"type\":"
           "\"work\"}],\"applications\":[{\"job_id\":%lld,\"source_id\":3}]}",
           w.job);
  struct tc_resp r = fx_v1(f, "POST", "/v1/candidates", body, "4000001");
  assert_status(r, 201);
  cJSON *cj = fx_json(&r);
  long long grace = fx_id(cj, "id");
  long long gapp = (long long)cJSON_GetArrayItem(
                       cJSON_GetObjectItem(cj, "application_ids"), 0)
                       ->valuedouble;
  cJSON_Delete(cj);
  tc_free(&r);
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           w.stages[0], w.stages[1]);
  char path[96];
  snprintf(path, sizeof path, "/v1/applications/%lld/move", gapp);
  r = fx_v1(f, "POST", path, body, "4000001");
  assert_status(r, 200);
  tc_free(&r);
  snprintf(path, sizeof path, "/v3/applications/%lld/reject", gapp);
  r = fx_v3(f, "POST", path, "{\"rejection_reason_id\":102}");
  assert_status(r, 204);
  tc_free(&r);
  snprintf(path, sizeof path, "/v3/applications/%lld/unreject", gapp);
  r = fx_v3(f, "POST", path, "{}");
  assert_status(r, 204);
  tc_free(&r);
  snprintf(path, sizeof path, "/v1/applications/%lld/hire", gapp);
  r = fx_v1(f, "POST", path, "{}", "4000001");
  assert_status(r, 200);
  tc_free(&r);
  snprintf(body, sizeof body,
           "{\"primary_candidate_id\":%lld,\"duplicate_candidate_id\":%lld}",
           grace, w.cand);
  r = fx_v1(f, "PUT", "/v1/candidates/merge", body, "4000001");
  assert_status(r, 200);
  tc_free(&r);
  snprintf(body, sizeof body,
           "{\"first_name\":\"Alan\",\"last_name\":\"Turing\","
           "\"application\":{\"job_id\":%lld}}",
           w.job);
  r = fx_v3(f, "POST", "/v3/candidates", body);
  assert_status(r, 201);
  cj = fx_json(&r);
  long long alan = fx_id(cj, "id");
  cJSON_Delete(cj);
  tc_free(&r);
  snprintf(path, sizeof path, "/v3/candidates/%lld/merge", grace);
  snprintf(body, sizeof body, "{\"duplicate_candidate_id\":%lld}", alan);
  r = fx_v3(f, "POST", path, body);
  assert_status(r, 204);
  tc_free(&r);
  fx_advance(f, 1000);
  static const char *const want[] = {
      "new_candidate_application", "candidate_stage_change",
      "reject_candidate", "unreject_candidate", "hire_candidate",
      "merge_candidate", "new_candidate_application", "merge_candidate"};
  assert_int_equal(rc->n, 8);
  for (size_t i = 0; i < 8; i++) {
    char a[40];
    if (strcmp(hit_action(rc, i, a, sizeof a), want[i]) != 0)
      fail_msg("delivery %zu is %s, want %s", i, a, want[i]);
    assert_true(sig_ok(&rc->hits[i], SECRET));
  }
  cJSON *b = hit_json(rc, 0); /* the candidate as created */
  const cJSON *a = jget(jget(b, "payload"), "application");
  const cJSON *c = jget(a, "candidate");
  assert_int_equal(jnum(c, "id"), grace);
  const cJSON *em = cJSON_GetArrayItem(jget(c, "email_addresses"), 0);
  assert_string_equal(jstr(em, "value"), "grace@example.com");
  assert_string_equal(jstr(em, "type"), "work");
  /* the documented examples label the source differently per event */
  assert_string_equal(jstr(jget(a, "source"), "name"), "LinkedIn");
  cJSON_Delete(b);
  b = hit_json(rc, 2);
  a = jget(jget(b, "payload"), "application");
  assert_int_equal(jnum(a, "id"), gapp);
  assert_string_equal(jstr(jget(a, "source"), "public_name"), "LinkedIn");
  assert_int_equal(jnum(jget(a, "rejection_reason"), "id"), 102);
  cJSON_Delete(b);
  b = hit_json(rc, 7);
  const cJSON *p = jget(jget(b, "payload"), "person");
  assert_int_equal(jnum(p, "id"), alan);
  assert_int_equal(jnum(p, "new_candidate_id"), grace);
  cJSON_Delete(b);
  receiver_free(rc);
  simfx_free(f);
}

/* ---- signature and bytes -------------------------------------------------------- */

static void test_signature_and_escaping(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "update_candidate");
  receiver_clear(rc);
  act(f, "update_candidate", "candidate=%lld company=<b>R&D</b>", w.cand);
  fx_advance(f, 1000);
  assert_int_equal(rc->n, 1);
  const struct hit *h = &rc->hits[0];
  /* '<', '>' and '&' are escaped in the body, and the signature covers the
   * body exactly as sent */
  assert_contains(h->body, "\\u003cb\\u003eR\\u0026D\\u003c/b\\u003e");
  assert_null(strchr(h->body, '<'));
  assert_true(sig_ok(h, SECRET));
  assert_false(sig_ok(h, "another-secret"));
  cJSON *b = hit_json(rc, 0);
  assert_string_equal(jstr(jget(jget(b, "payload"), "candidate"), "company"),
                      "<b>R&D</b>");
  cJSON_Delete(b);
  struct sim_delivery d[64];
  size_t n = log_read(f, 0, d);
  assert_int_equal(d[n - 1].body_hash,
                   at_fnv1a64(AT_FNV64_INIT, h->body, h->len));
  receiver_free(rc);
  simfx_free(f);
}

/* ---- retries ----------------------------------------------------------------------- */

static void test_retry_schedule_then_dropped(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  uint64_t last = sim_deliveries_last(f->sim);
  rc->status = 503;
  int64_t t0 = at_loop_now(f->loop);
  move_to(f, &w, 1);
  fx_advance(f, 20 * 60 * MIN);
  static const int64_t at[] = {1000,
                               1000 + 1 * MIN,
                               1000 + 16 * MIN,
                               1000 + 76 * MIN,
                               1000 + 196 * MIN,
                               1000 + 436 * MIN,
                               1000 + 916 * MIN};
  assert_int_equal(rc->n, 7);
  for (size_t i = 0; i < 7; i++) {
    if (rc->hits[i].t - t0 != at[i])
      fail_msg("attempt %zu at +%lld ms, want +%lld", i + 1,
               (long long)(rc->hits[i].t - t0), (long long)at[i]);
    /* retries carry the same event id by default */
    assert_string_equal(rc->hits[i].event_id, rc->hits[0].event_id);
    assert_string_equal(rc->hits[i].body, rc->hits[0].body);
    assert_true(sig_ok(&rc->hits[i], SECRET));
  }
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, last, d), 7);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(d[i].attempt, i + 1);
    assert_int_equal(d[i].status, 503);
    assert_int_equal(d[i].retry_at - t0, at[i + 1]);
    assert_int_equal(strncmp(d[i].outcome, "retry at ", 9), 0);
  }
  char ts[AT_TIME_BUF];
  char want[64];
  snprintf(want, sizeof want, "retry at %s",
           at_time_iso8601(t0 + at[1], false, ts));
  assert_string_equal(d[0].outcome, want);
  assert_int_equal(d[6].attempt, 7);
  assert_string_equal(d[6].outcome, "dropped: gave up after 7 attempts");
  assert_int_equal(sim_webhooks_pending(f->sim), 0);
  receiver_free(rc);
  simfx_free(f);
}

/* webhook_retry_new_id: each retry carries a new event id. */
static void test_retry_new_id(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  char err[256];
  assert_int_equal(sim_setting(f->sim, "webhook_retry_new_id", "true", err,
                               sizeof err), 0);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  rc->script[0] = 500;
  rc->script[1] = 500;
  rc->nscript = 2;
  move_to(f, &w, 1);
  fx_advance(f, 20 * MIN);
  assert_int_equal(rc->n, 3); /* failed, failed, delivered */
  assert_string_not_equal(rc->hits[0].event_id, rc->hits[1].event_id);
  assert_string_not_equal(rc->hits[1].event_id, rc->hits[2].event_id);
  struct sim_delivery d[64];
  size_t n = log_read(f, 1, d);
  assert_int_equal(n, 3);
  assert_string_equal(d[2].outcome, "delivered");
  assert_int_equal(d[2].attempt, 3);
  assert_int_equal(sim_webhooks_pending(f->sim), 0);
  receiver_free(rc);
  simfx_free(f);
}

/* A receiver that never answers: the attempt fails at the 10 s timeout
 * (virtual), status 0, and is retried a minute after that. */
static void test_timeout_then_retry(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  rc->status = 0; /* hold */
  int64_t t0 = at_loop_now(f->loop);
  move_to(f, &w, 1);
  fx_advance(f, 1000 + 10000 + MIN);
  assert_int_equal(rc->n, 2);
  assert_int_equal(rc->hits[1].t - t0, 1000 + 10000 + MIN);
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 1, d), 1);
  assert_int_equal(d[0].status, 0);
  assert_string_equal(d[0].note, "timeout");
  assert_int_equal(d[0].t - t0, 1000);
  assert_int_equal(d[0].done - t0, 11000);
  assert_int_equal(sim_webhooks_pending(f->sim), 1); /* in flight again */
  receiver_free(rc);
  simfx_free(f);
}

/* The webhook settings: delay, timeout, which answers count, jitter. */
static void test_webhook_settings(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  char err[256];
  assert_int_equal(sim_setting(f->sim, "webhook_delay", "0s", err, sizeof err), 0);
  assert_int_equal(sim_setting(f->sim, "webhook_timeout", "2s", err, sizeof err), 0);
  assert_int_equal(sim_setting(f->sim, "webhook_require_200", "true", err, sizeof err), 0);
  assert_int_equal(sim_setting(f->sim, "webhook_retry_jitter", "on", err, sizeof err), 0);
  assert_int_equal(sim_setting(f->sim, "webhook_timeout", "0s", err, sizeof err), -1);
  assert_contains(err, "greenhouse setting webhook_timeout: '0s' is not a valid value");
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  rc->script[0] = 204; /* not a 200: retried with webhook_require_200 */
  rc->script[1] = 0;   /* no answer: the 2 s timeout */
  rc->nscript = 2;
  int64_t t0 = at_loop_now(f->loop);
  move_to(f, &w, 1);
  fx_advance(f, 0);
  assert_int_equal(rc->n, 1);
  assert_int_equal(rc->hits[0].t, t0); /* webhook_delay 0 */
  fx_advance(f, 20 * MIN);
  assert_int_equal(rc->n, 3);
  /* jitter: rand(30) * n seconds on top of each wait */
  int64_t w1 = rc->hits[1].t - rc->hits[0].t;
  assert_true(w1 >= MIN && w1 <= MIN + 29000);
  int64_t w2 = rc->hits[2].t - rc->hits[1].t - 2000; /* after the timeout */
  assert_true(w2 >= 15 * MIN && w2 <= 15 * MIN + 58000);
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 1, d), 3);
  assert_int_equal(d[0].status, 204);
  assert_contains(d[0].outcome, "retry at");
  assert_string_equal(d[1].note, "timeout");
  assert_int_equal(d[1].done - d[1].t, 2000);
  assert_string_equal(d[2].outcome, "delivered");
  receiver_free(rc);
  simfx_free(f);
}

/* ---- faults --------------------------------------------------------------------------- */

static void test_fault_disabled(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  int id = fx_fault(f, "webhook_disabled", "for=10m");
  move_to(f, &w, 1);
  fx_advance(f, 60 * MIN);
  assert_int_equal(rc->n, 0); /* lost, not late */
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 1, d), 1);
  assert_string_equal(d[0].outcome, "dropped: webhook disabled");
  assert_int_equal(d[0].fault, id);
  assert_string_equal(d[0].fault_kind, "webhook_disabled");
  /* the window is over: events go out again */
  move_to(f, &w, 2);
  fx_advance(f, 1000);
  assert_int_equal(rc->n, 1);
  receiver_free(rc);
  simfx_free(f);
}

static void test_fault_delay(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  int id = fx_fault(f, "webhook_delay", "delay=5m");
  int64_t t0 = at_loop_now(f->loop);
  move_to(f, &w, 1);
  fx_advance(f, 5 * MIN);
  assert_int_equal(rc->n, 0);
  fx_advance(f, 1000);
  assert_int_equal(rc->n, 1);
  assert_int_equal(rc->hits[0].t - t0, 5 * MIN + 1000);
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 1, d), 1);
  assert_int_equal(d[0].fault, id);
  assert_string_equal(d[0].fault_kind, "webhook_delay");
  assert_string_equal(d[0].outcome, "delivered");
  receiver_free(rc);
  simfx_free(f);
}

static void test_fault_duplicate(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  int id = fx_fault(f, "webhook_duplicate", "count=1");
  int64_t t0 = at_loop_now(f->loop);
  move_to(f, &w, 1);
  fx_advance(f, MIN);
  assert_int_equal(rc->n, 2);
  assert_int_equal(rc->hits[0].t - t0, 1000);
  assert_int_equal(rc->hits[1].t - t0, 3000); /* the copy 2 s later */
  assert_string_equal(rc->hits[0].event_id, rc->hits[1].event_id);
  assert_string_equal(rc->hits[0].body, rc->hits[1].body);
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 1, d), 2);
  assert_string_equal(d[1].note, "copy 1");
  assert_int_equal(d[1].fault, id);
  sim_fault_clear(f->sim, id);
  /* same_id=false: the copy has an id of its own; copies=2 */
  receiver_clear(rc);
  fx_fault(f, "webhook_duplicate", "same_id=false delay=10s copies=2");
  t0 = at_loop_now(f->loop);
  move_to(f, &w, 2);
  fx_advance(f, MIN);
  assert_int_equal(rc->n, 3);
  assert_int_equal(rc->hits[1].t - t0, 11000);
  assert_int_equal(rc->hits[2].t - t0, 21000);
  assert_string_not_equal(rc->hits[0].event_id, rc->hits[1].event_id);
  assert_string_not_equal(rc->hits[1].event_id, rc->hits[2].event_id);
  assert_string_equal(rc->hits[0].body, rc->hits[2].body);
  receiver_free(rc);
  simfx_free(f);
}

static void test_fault_reorder(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  fx_fault(f, "webhook_reorder", "window=30s");
  int64_t t0 = at_loop_now(f->loop);
  move_to(f, &w, 1);
  fx_advance(f, 5000);
  move_to(f, &w, 2);
  fx_advance(f, 5000);
  act(f, "reject_application", "application=%lld", w.app);
  fx_advance(f, 20999); /* the batch opened at t0 + 1 s */
  assert_int_equal(rc->n, 0);
  fx_advance(f, 1);
  assert_int_equal(rc->n, 3);
  char a[40];
  assert_string_equal(hit_action(rc, 0, a, sizeof a), "reject_candidate");
  cJSON *b = hit_json(rc, 1);
  assert_string_equal(jstr(b, "action"), "candidate_stage_change");
  assert_string_equal(jstr(jget(jget(jget(b, "payload"), "application"),
                                "current_stage"), "name"), "Offer");
  cJSON_Delete(b);
  b = hit_json(rc, 2);
  assert_string_equal(jstr(jget(jget(jget(b, "payload"), "application"),
                                "current_stage"), "name"), "Onsite");
  cJSON_Delete(b);
  for (int i = 0; i < 3; i++)
    assert_int_equal(rc->hits[i].t - t0, 31000);
  receiver_free(rc);
  simfx_free(f);
}

static void test_fault_bad_signature(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  int id = fx_fault(f, "webhook_bad_signature", "count=1");
  move_to(f, &w, 1);
  move_to(f, &w, 2);
  fx_advance(f, 1000);
  assert_int_equal(rc->n, 2);
  /* well-formed, but not made with the subscription's secret */
  assert_int_equal(strncmp(rc->hits[0].sig, "sha256 ", 7), 0);
  assert_int_equal(strlen(rc->hits[0].sig), 7 + 64);
  assert_false(sig_ok(&rc->hits[0], SECRET));
  assert_true(sig_ok(&rc->hits[1], SECRET)); /* count=1 */
  struct sim_delivery d[64];
  assert_int_equal(log_read(f, 1, d), 2);
  assert_int_equal(d[0].fault, id);
  assert_string_equal(d[0].fault_kind, "webhook_bad_signature");
  assert_int_equal(d[1].fault, 0);
  receiver_free(rc);
  simfx_free(f);
}

/* Only the ids are left; an object with exactly 'n' members. */
static void only_members(const cJSON *o, int n)
{
  if (cJSON_GetArraySize(o) != n) {
    char t[512];
    cJSON_PrintPreallocated((cJSON *)o, t, sizeof t, false);
    fail_msg("want %d members, got: %s", n, t);
  }
}

static void test_fault_ids_only(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  cJSON *c2 = fx_action(f, "add_candidate", "first_name=A last_name=B");
  long long other = jnum(c2, "id");
  cJSON_Delete(c2);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  receiver_clear(rc);
  fx_fault(f, "webhook_ids_only", NULL);
  move_to(f, &w, 1);
  act(f, "merge_candidates", "primary=%lld duplicate=%lld", other, w.cand);
  fx_advance(f, 1000);
  assert_int_equal(rc->n, 2);
  cJSON *b = hit_json(rc, 0);
  assert_string_equal(jstr(b, "action"), "candidate_stage_change");
  const cJSON *a = jget(jget(b, "payload"), "application");
  only_members(a, 3);
  assert_int_equal(jnum(a, "id"), w.app);
  only_members(jget(a, "candidate"), 1);
  assert_int_equal(jnum(jget(a, "candidate"), "id"), w.cand);
  const cJSON *j = cJSON_GetArrayItem(jget(a, "jobs"), 0);
  only_members(j, 1);
  assert_int_equal(jnum(j, "id"), w.job);
  cJSON_Delete(b);
  b = hit_json(rc, 1);
  const cJSON *p = jget(jget(b, "payload"), "person");
  only_members(p, 2);
  assert_int_equal(jnum(p, "id"), w.cand);
  assert_int_equal(jnum(p, "new_candidate_id"), other);
  cJSON_Delete(b);
  assert_true(sig_ok(&rc->hits[0], SECRET));
  receiver_free(rc);
  simfx_free(f);
}

static void test_fault_parameters(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  char err[512];
  assert_int_equal(fault_err(f, "webhook_delay", "delay", "0s", err, sizeof err), -1);
  assert_contains(err, "fault webhook_delay: 'delay' must be more than 0");
  assert_int_equal(fault_err(f, "webhook_delay", "delay", "soon", err, sizeof err), -1);
  assert_contains(err, "'delay=soon' is not a duration");
  assert_int_equal(fault_err(f, "webhook_reorder", "window", "0s", err, sizeof err), -1);
  assert_contains(err, "'window' must be more than 0");
  assert_int_equal(fault_err(f, "webhook_duplicate", "same_id", "maybe", err, sizeof err), -1);
  assert_contains(err, "'same_id=maybe' must be true");
  assert_int_equal(fault_err(f, "webhook_duplicate", "copies", "0", err, sizeof err), -1);
  assert_contains(err, "'copies=0' must be from 1 to 10");
  assert_int_equal(fault_err(f, "webhook_ids_only", "route", "/v1/*", err, sizeof err), -1);
  assert_contains(err, "fault webhook_ids_only has no parameter 'route'");
  assert_contains(err, "probability");
  assert_int_equal(fault_err(f, "webhook_bad_signature", "credential", "key-1", err, sizeof err), -1);
  assert_contains(err, "has no parameter 'credential'");
  assert_int_equal(fault_err(f, "webhook_reorder", "delay", "1s", err, sizeof err), -1);
  assert_contains(err, "(it takes: window, from");
  /* the faults as listed */
  fx_fault(f, "webhook_duplicate", "same_id=false");
  fx_fault(f, "webhook_reorder", NULL);
  cJSON *l = sim_faults_json(f->sim);
  char *t = cJSON_PrintUnformatted(l);
  assert_contains(t, "\"same_id\":false,\"delay\":\"2s\",\"copies\":1");
  assert_contains(t, "\"window\":\"30s\"");
  assert_null(strstr(t, "parsed"));
  free(t);
  cJSON_Delete(l);
  simfx_free(f);
}

/* ---- observability, reset, determinism ------------------------------------------------ */

static void test_control_deliveries(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  rc->status = 500;
  move_to(f, &w, 1);
  fx_advance(f, 1000);
  struct tc_resp r =
      tc_do(f->loop, "GET", fx_url(f, "/_sim/webhooks/deliveries?after=1"),
            NULL, NULL);
  assert_status(r, 200);
  assert_null(strstr(r.body, SECRET));
  cJSON *o = fx_json(&r);
  tc_free(&r);
  assert_int_equal(jnum(o, "last"), 2);
  assert_int_equal(jnum(o, "pending"), 1);
  const cJSON *d = cJSON_GetArrayItem(jget(o, "deliveries"), 0);
  assert_int_equal(cJSON_GetArraySize(jget(o, "deliveries")), 1);
  assert_int_equal(jnum(d, "n"), 2);
  assert_int_equal(jnum(d, "webhook"), 1);
  assert_string_equal(jstr(d, "action"), "candidate_stage_change");
  assert_int_equal(jnum(d, "attempt"), 1);
  assert_int_equal(jnum(d, "status"), 500);
  assert_contains(jstr(d, "outcome"), "retry at ");
  assert_non_null(jstr(d, "retry_at"));
  assert_string_equal(jstr(d, "event_id"), rc->hits[1].event_id);
  assert_int_equal(strlen(jstr(d, "body_hash")), 16);
  assert_true(cJSON_IsNull(jget(d, "fault")));
  cJSON_Delete(o);
  r = tc_do(f->loop, "GET",
            fx_url(f, "/_sim/webhooks/deliveries?after=soon"), NULL, NULL);
  assert_status(r, 400);
  tc_free(&r);
  r = tc_do(f->loop, "POST", fx_url(f, "/_sim/webhooks/deliveries"), "{}",
            NULL);
  assert_status(r, 405);
  tc_free(&r);
  receiver_free(rc);
  simfx_free(f);
}

static void test_reset_clears_queue(void **state)
{
  (void)state;
  struct simfx *f = new_fx();
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  rc->status = 503;
  fx_fault(f, "webhook_reorder", NULL);
  move_to(f, &w, 1);
  move_to(f, &w, 2);
  fx_advance(f, 1000);
  assert_int_equal(sim_webhooks_pending(f->sim), 2); /* held */
  fx_advance(f, 30000);
  assert_int_equal(sim_webhooks_pending(f->sim), 2); /* retrying */
  size_t seen = rc->n;
  rc->status = 0;
  fx_advance(f, MIN); /* both retries now in flight, held by the receiver */
  assert_int_equal(rc->n, seen + 2);
  char err[256];
  assert_int_equal(sim_reset(f->sim, err, sizeof err), 0);
  assert_int_equal(sim_webhooks_pending(f->sim), 0);
  assert_int_equal(sim_deliveries_last(f->sim), 0);
  cJSON *l = sim_webhooks_json(f->sim);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  seen = rc->n;
  fx_advance(f, 24 * 60 * MIN);
  assert_int_equal(rc->n, seen); /* nothing left to send */
  receiver_free(rc);
  simfx_free(f);
}

/* The same story with the same seed sends the same bytes and ids. */
static void run_story(uint64_t *hashes, char ids[][40], size_t *n)
{
  struct simfx_opts o = {.seeded = false, .rate_limit = 0, .seed = 99};
  struct simfx *f = simfx_new(&o);
  struct world w = make_world(f);
  struct receiver *rc = receiver_new(f, 200);
  subscribe(f, rc, "*");
  fx_fault(f, "webhook_duplicate", "same_id=false");
  move_to(f, &w, 1);
  act(f, "hire_application", "application=%lld", w.app);
  fx_advance(f, MIN);
  struct sim_delivery d[64];
  *n = log_read(f, 0, d);
  for (size_t i = 0; i < *n; i++) {
    hashes[i] = d[i].body_hash;
    snprintf(ids[i], 40, "%s", d[i].event_id);
  }
  receiver_free(rc);
  simfx_free(f);
}

static void test_deterministic(void **state)
{
  (void)state;
  uint64_t h1[64], h2[64];
  char i1[64][40], i2[64][40];
  size_t n1, n2;
  run_story(h1, i1, &n1);
  run_story(h2, i2, &n2);
  assert_int_equal(n1, 5); /* ping, two events, two copies */
  assert_int_equal(n1, n2);
  for (size_t i = 0; i < n1; i++) {
    assert_int_equal(h1[i], h2[i]);
    assert_string_equal(i1[i], i2[i]);
  }
}

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ping_and_headers),
      cmocka_unit_test(test_ping_failure_disables),
      cmocka_unit_test(test_ping_refused_disables),
      cmocka_unit_test(test_admin_application_events),
      cmocka_unit_test(test_update_and_merge_events),
      cmocka_unit_test(test_api_writes_fire),
      cmocka_unit_test(test_signature_and_escaping),
      cmocka_unit_test(test_retry_schedule_then_dropped),
      cmocka_unit_test(test_retry_new_id),
      cmocka_unit_test(test_timeout_then_retry),
      cmocka_unit_test(test_webhook_settings),
      cmocka_unit_test(test_fault_disabled),
      cmocka_unit_test(test_fault_delay),
      cmocka_unit_test(test_fault_duplicate),
      cmocka_unit_test(test_fault_reorder),
      cmocka_unit_test(test_fault_bad_signature),
      cmocka_unit_test(test_fault_ids_only),
      cmocka_unit_test(test_fault_parameters),
      cmocka_unit_test(test_control_deliveries),
      cmocka_unit_test(test_reset_clears_queue),
      cmocka_unit_test(test_deterministic),
  };
  int rc = cmocka_run_group_tests_name("webhooks", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
