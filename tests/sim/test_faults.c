/* test_faults.c — every fault kind seen on the wire, and clearing it gives
 * normal service back: rate_limit (and the vendor limiter itself), outage in
 * each mode (503 with the status page, 500, hang, slow, reset, truncated,
 * malformed, refused), scoping and windows, probability with a fixed seed,
 * async_create, required_field, format_rule, the webhook kinds' parameters
 * (their effects: test_webhooks.c), bad parameters and the journal.
 * Virtual clock; never sleeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simfx.h"
#include "tassert.h"

#define OBO "4000001"

/* ---- helpers ------------------------------------------------------------- */


struct rq {
  const char *key;    /* API key secret; NULL = the fixture's */
  const char *obo;
  bool fresh;
  int64_t timeout_ms;
};

static struct tc_opts opts_for(struct simfx *f, const struct rq *q, char *user,
                               size_t ulen)
{
  snprintf(user, ulen, "%s:", q && q->key ? q->key : f->key);
  struct tc_opts o = {.user = user,
                      .obo = q ? q->obo : NULL,
                      .fresh = q ? q->fresh : false,
                      .timeout_ms = q ? q->timeout_ms : 0};
  return o;
}

/* A v1 request with options. */
static struct tc_resp call(struct simfx *f, const char *method,
                           const char *path, const char *body,
                           const struct rq *q)
{
  char user[96];
  struct tc_opts o = opts_for(f, q, user, sizeof user);
  return tc_do(f->loop, method, fx_url(f, path), body, &o);
}

/* Start a v1 request without waiting. */
static void start(struct simfx *f, const char *method, const char *path,
                  const char *body, const struct rq *q, struct tc_resp *out)
{
  char user[96];
  struct tc_opts o = opts_for(f, q, user, sizeof user);
  tc_start(f->loop, method, fx_url(f, path), body, &o, out);
}

static bool resp_done(void *ud) { return ((struct tc_resp *)ud)->done_at != 0; }

/* Run the loop until r completes (at most 'limit_ms' of virtual time). */
static void wait_done(struct simfx *f, struct tc_resp *r, int64_t limit_ms)
{
  at_loop_run_while(f->loop, resp_done, r, at_loop_now(f->loop) + limit_ms);
  if (r->done_at == 0)
    fail_msg("the request did not complete within %lld ms",
             (long long)limit_ms);
}

/* The status of a v1 request (the response is freed). */
static long status_of(struct simfx *f, const char *method, const char *path,
                      const char *body, const struct rq *q)
{
  struct tc_resp r = call(f, method, path, body, q);
  long s = r.status;
  tc_free(&r);
  return s;
}

/* A number member, also when it was built as a raw literal (jput_id). */
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

static long long hdr_num(const struct tc_resp *r, const char *name)
{
  char buf[64];
  if (tc_header(r, name, buf, sizeof buf) == NULL)
    fail_msg("header %s missing; headers:\n%s", name, r->headers);
  char *end;
  long long v = strtoll(buf, &end, 10);
  if (*end != '\0')
    fail_msg("header %s: '%s' is not a number", name, buf);
  return v;
}

/* A job with two stages; returns its id. */
static long long add_job(struct simfx *f, const char *name)
{
  char kv[128];
  snprintf(kv, sizeof kv, "name=%s stages=Screen|Onsite", name);
  cJSON *r = fx_action(f, "add_job", kv);
  long long id = jnum(r, "id");
  cJSON_Delete(r);
  return id;
}

/* A v1 candidate body for a job, with 'extra' members (or ""). */
static const char *cand_body(char *buf, size_t n, long long job,
                             const char *extra)
{
  snprintf(buf, n,
           "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\"%s%s,"
           "\"applications\":[{\"job_id\":%lld}]}",
           extra && *extra ? "," : "", extra ? extra : "", job);
  return buf;
}

static long count_candidates(struct simfx *f)
{
  cJSON *st = sim_state_json(f->sim);
  long n = (long)jnum(cJSON_GetObjectItem(st, "counts"), "candidates");
  cJSON_Delete(st);
  return n;
}

static struct simfx *empty_fx(void)
{
  struct simfx_opts o = {.seeded = false, .rate_limit = 0};
  return simfx_new(&o);
}

static const char *add_fault_err(struct simfx *f, const char *kind,
                                 const struct sim_kv *kv, size_t n, char *err,
                                 size_t errlen)
{
  int id = -7;
  err[0] = '\0';
  int rc = sim_fault_add(f->sim, kind, kv, n, &id, err, errlen);
  if (rc != -1)
    fail_msg("fault %s was accepted (rc %d, id %d)", kind, rc, id);
  if (err[0] == '\0')
    fail_msg("fault %s: no error message", kind);
  return err;
}

/* ---- rate_limit ---------------------------------------------------------- */

static void test_rate_limit_fault(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  int id = fx_fault(f, "rate_limit", "limit=2 window=10s");
  int64_t t0 = at_loop_now(f->loop);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 429);
  /* both requests were at t0: a slot frees up when they leave the window */
  assert_int_equal(hdr_num(&r, "Retry-After"), 10);
  assert_int_equal(hdr_num(&r, "X-RateLimit-Reset"), (t0 + 10000 + 999) / 1000);
  assert_int_equal(hdr_num(&r, "X-RateLimit-Limit"), 2);
  tc_free(&r);
  /* still limited a moment before the window rolls over */
  fx_advance(f, 9999);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 429);
  fx_advance(f, 1);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 429);
  /* clearing restores service at once */
  assert_int_equal(sim_fault_clear(f->sim, id), 0);
  for (int i = 0; i < 5; i++)
    assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(sim_fault_clear(f->sim, id), -1);
  simfx_free(f);
}

static void test_rate_limit_fault_clear_all(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  fx_fault(f, "rate_limit", "limit=1 window=1m");
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 429);
  sim_fault_clear_all(f->sim);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  cJSON *all = sim_faults_json(f->sim);
  assert_int_equal(cJSON_GetArraySize(all), 0);
  cJSON_Delete(all);
  simfx_free(f);
}

/* The vendor's own limit: 50 requests per rolling 10 s per v1 key. */
static void test_vendor_rate_limit(void **state)
{
  (void)state;
  struct simfx_opts o = {.seeded = false, .rate_limit = -1};
  struct simfx *f = simfx_new(&o);
  int64_t t0 = at_loop_now(f->loop);
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 200);
  assert_int_equal(hdr_num(&r, "X-RateLimit-Limit"), 50);
  assert_int_equal(hdr_num(&r, "X-RateLimit-Remaining"), 49);
  tc_free(&r);
  fx_advance(f, 1000);
  for (int i = 2; i <= 50; i++) {
    r = call(f, "GET", "/v1/users", NULL, NULL);
    assert_status(r, 200);
    assert_int_equal(hdr_num(&r, "X-RateLimit-Remaining"), 50 - i);
    tc_free(&r);
  }
  uint64_t before = sim_journal_last(f->sim);
  r = call(f, "GET", "/v1/users", NULL, NULL); /* the 51st in the window */
  assert_status(r, 429);
  /* the oldest request (t0) leaves the window at t0 + 10 s: 9 s from now */
  assert_int_equal(hdr_num(&r, "Retry-After"), 9);
  assert_int_equal(hdr_num(&r, "X-RateLimit-Reset"), (t0 + 10000 + 999) / 1000);
  assert_int_equal(hdr_num(&r, "X-RateLimit-Remaining"), 0);
  cJSON *b = fx_json(&r);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "message")),
                      "Too Many Requests");
  cJSON_Delete(b);
  tc_free(&r);
  struct sim_journal_entry e[4];
  assert_int_equal(sim_journal_read(f->sim, before, e, 4), 1);
  assert_int_equal(e[0].status, 429);
  assert_int_equal(e[0].fault, 0);
  assert_non_null(strstr(e[0].note, "rate limited"));
  /* a 429 does not count: one ms early it is still limited */
  fx_advance(f, 8999);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 429);
  fx_advance(f, 1);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  /* the window is full again; the next slot is the t0+1 s batch leaving */
  r = call(f, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 429);
  assert_int_equal(hdr_num(&r, "Retry-After"), 1);
  tc_free(&r);
  /* another key has its own bucket */
  cJSON *k = NULL;
  char err[256];
  assert_int_equal(sim_credential_add(f->sim, "api_key", NULL, 0, &k, err,
                                      sizeof err), 0);
  struct rq other = {.key = cJSON_GetStringValue(cJSON_GetObjectItem(k, "key"))};
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &other), 200);
  cJSON_Delete(k);
  simfx_free(f);
}

/* ---- outage: 503 and the status page ------------------------------------ */

static cJSON *get_json(struct simfx *f, const char *path)
{
  struct tc_resp r = tc_do(f->loop, "GET", fx_url(f, path), NULL, NULL);
  assert_status(r, 200);
  cJSON *j = fx_json(&r);
  tc_free(&r);
  return j;
}

static const char *indicator(struct simfx *f)
{
  static char buf[32];
  cJSON *j = get_json(f, "/api/v2/status.json");
  const char *ind = cJSON_GetStringValue(
      cJSON_GetObjectItem(cJSON_GetObjectItem(j, "status"), "indicator"));
  snprintf(buf, sizeof buf, "%s", ind ? ind : "(none)");
  cJSON_Delete(j);
  return buf;
}

static void test_outage_503_maintenance(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  assert_string_equal(indicator(f), "none");
  int id = fx_fault(f, "outage",
                    "mode=503 retry_after=60s message=Database~upgrade~tonight");
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 503);
  assert_int_equal(hdr_num(&r, "Retry-After"), 60);
  char ct[128];
  assert_non_null(tc_header(&r, "Content-Type", ct, sizeof ct));
  assert_non_null(strstr(ct, "text/html"));
  assert_contains(r.body, "<html>");
  assert_contains(r.body, "Database upgrade tonight");
  assert_null(cJSON_Parse(r.body)); /* a maintenance page, not JSON */
  tc_free(&r);
  /* the status page reports the maintenance */
  assert_string_equal(indicator(f), "maintenance");
  cJSON *sum = get_json(f, "/api/v2/summary.json");
  cJSON *m = cJSON_GetObjectItem(sum, "scheduled_maintenances");
  assert_int_equal(cJSON_GetArraySize(m), 1);
  cJSON *ev = cJSON_GetArrayItem(m, 0);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "status")),
                      "in_progress");
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ev, "impact")),
                      "maintenance");
  cJSON *upd = cJSON_GetArrayItem(cJSON_GetObjectItem(ev, "incident_updates"), 0);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(upd, "body")),
                      "Database upgrade tonight");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sum, "incidents")), 0);
  cJSON_Delete(sum);
  /* clearing: service and the status page are back */
  assert_int_equal(sim_fault_clear(f->sim, id), 0);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_string_equal(indicator(f), "none");
  sum = get_json(f, "/api/v2/summary.json");
  assert_int_equal(
      cJSON_GetArraySize(cJSON_GetObjectItem(sum, "scheduled_maintenances")), 0);
  cJSON_Delete(sum);
  simfx_free(f);
}

static void test_outage_503_incident_and_silent(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  int id = fx_fault(f, "outage", "mode=503");
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 503);
  char buf[32];
  assert_null(tc_header(&r, "Retry-After", buf, sizeof buf));
  tc_free(&r);
  assert_string_equal(indicator(f), "major");
  cJSON *sum = get_json(f, "/api/v2/summary.json");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sum, "incidents")), 1);
  cJSON_Delete(sum);
  sim_fault_clear(f->sim, id);
  /* page=silent: the outage is real but the status page says nothing */
  id = fx_fault(f, "outage", "mode=503 page=silent message=Hidden");
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 503);
  assert_string_equal(indicator(f), "none");
  sum = get_json(f, "/api/v2/summary.json");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(sum, "incidents")), 0);
  assert_int_equal(
      cJSON_GetArraySize(cJSON_GetObjectItem(sum, "scheduled_maintenances")), 0);
  cJSON_Delete(sum);
  sim_fault_clear(f->sim, id);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  simfx_free(f);
}

static void test_outage_500(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  fx_fault(f, "outage", "mode=500");
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 500);
  cJSON *b = fx_json(&r);
  cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "errors"), 0);
  assert_contains(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")),
                  "problem with our server");
  cJSON_Delete(b);
  tc_free(&r);
  sim_fault_clear_all(f->sim);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  simfx_free(f);
}

/* ---- outage: hang ---------------------------------------------------------- */

static void test_outage_hang_times_out(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  int id = fx_fault(f, "outage", "mode=hang");
  int64_t t0 = at_loop_now(f->loop);
  struct rq q = {.fresh = true, .timeout_ms = 30000};
  uint64_t before = sim_journal_last(f->sim);
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_OPERATION_TIMEDOUT);
  assert_int_equal(r.status, 0);
  assert_int_equal(r.done_at - t0, 30000);
  tc_free(&r);
  struct sim_journal_entry e[2];
  assert_int_equal(sim_journal_read(f->sim, before, e, 2), 1);
  assert_int_equal(e[0].status, 0);
  assert_int_equal(e[0].fault, id);
  assert_non_null(strstr(e[0].note, "held"));
  sim_fault_clear(f->sim, id);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  simfx_free(f);
}

static void test_outage_hang_cleared_closes(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  int id = fx_fault(f, "outage", "mode=hang");
  int64_t t0 = at_loop_now(f->loop);
  struct rq q = {.fresh = true, .timeout_ms = 120000};
  struct tc_resp r;
  start(f, "GET", "/v1/users", NULL, &q, &r);
  fx_advance(f, 5000);
  assert_int_equal(r.done_at, 0); /* still held */
  assert_int_equal(sim_fault_clear(f->sim, id), 0);
  wait_done(f, &r, 60000);
  /* the held request is closed without an answer, at the moment of clearing */
  assert_int_equal(r.curl_rc, CURLE_GOT_NOTHING);
  assert_int_equal(r.done_at - t0, 5000);
  tc_free(&r);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  simfx_free(f);
}

static void test_outage_hang_hold(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  fx_fault(f, "outage", "mode=hang hold=10s");
  int64_t t0 = at_loop_now(f->loop);
  struct rq q = {.fresh = true, .timeout_ms = 60000};
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_GOT_NOTHING);
  assert_int_equal(r.done_at - t0, 10000);
  tc_free(&r);
  /* a timeout shorter than the hold still times out */
  q.timeout_ms = 3000;
  t0 = at_loop_now(f->loop);
  r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_OPERATION_TIMEDOUT);
  assert_int_equal(r.done_at - t0, 3000);
  tc_free(&r);
  simfx_free(f);
}

/* ---- outage: slow ---------------------------------------------------------- */

static void test_outage_slow(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Slowpoke");
  int id = fx_fault(f, "outage", "mode=slow delay=5s");
  int64_t t0 = at_loop_now(f->loop);
  char body[256];
  struct rq q = {.obo = OBO};
  struct tc_resp r;
  start(f, "POST", "/v1/candidates", cand_body(body, sizeof body, job, NULL),
        &q, &r);
  fx_advance(f, 1000);
  assert_int_equal(r.done_at, 0);     /* the answer is not there yet */
  assert_int_equal(count_candidates(f), 1); /* but the write is applied */
  wait_done(f, &r, 60000);
  assert_status(r, 201);
  assert_int_equal(r.done_at - t0, 5000);
  cJSON *c = fx_json(&r);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "first_name")),
                      "Ada");
  cJSON_Delete(c);
  tc_free(&r);
  /* a read is slowed too */
  t0 = at_loop_now(f->loop);
  r = call(f, "GET", "/v1/candidates", NULL, NULL);
  assert_status(r, 200);
  assert_int_equal(r.done_at - t0, 5000);
  tc_free(&r);
  sim_fault_clear(f->sim, id);
  t0 = at_loop_now(f->loop);
  r = call(f, "GET", "/v1/candidates", NULL, NULL);
  assert_status(r, 200);
  assert_int_equal(r.done_at - t0, 0);
  tc_free(&r);
  simfx_free(f);
}

/* ---- outage: reset --------------------------------------------------------- */

static void test_outage_reset(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Reset");
  char body[256];
  cand_body(body, sizeof body, job, NULL);
  struct rq q = {.obo = OBO, .fresh = true};
  /* commit=never (the default): nothing applied */
  int id = fx_fault(f, "outage", "mode=reset route=POST~/v1/candidates");
  uint64_t before = sim_journal_last(f->sim);
  struct tc_resp r = call(f, "POST", "/v1/candidates", body, &q);
  assert_int_equal(r.curl_rc, CURLE_GOT_NOTHING);
  assert_int_equal(r.status, 0);
  tc_free(&r);
  assert_int_equal(count_candidates(f), 0);
  /* exactly one request reached the sim (no silent re-send) */
  assert_int_equal(sim_journal_last(f->sim) - before, 1);
  sim_fault_clear(f->sim, id);
  /* commit=before: the candidate exists although the client saw nothing */
  id = fx_fault(f, "outage", "mode=reset commit=before route=POST~/v1/candidates");
  before = sim_journal_last(f->sim);
  r = call(f, "POST", "/v1/candidates", body, &q);
  assert_int_equal(r.curl_rc, CURLE_GOT_NOTHING);
  tc_free(&r);
  assert_int_equal(count_candidates(f), 1);
  struct sim_journal_entry e[2];
  assert_int_equal(sim_journal_read(f->sim, before, e, 2), 1);
  assert_int_equal(e[0].fault, id);
  assert_non_null(strstr(e[0].note, "reset"));
  assert_non_null(strstr(e[0].note, "applied"));
  sim_fault_clear(f->sim, id);
  r = call(f, "POST", "/v1/candidates", body, &q);
  assert_status(r, 201);
  tc_free(&r);
  assert_int_equal(count_candidates(f), 2);
  simfx_free(f);
}

/* ---- outage: truncated ----------------------------------------------------- */

static void test_outage_truncated(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Cut");
  char body[256];
  cand_body(body, sizeof body, job, NULL);
  struct rq q = {.obo = OBO, .fresh = true};
  int id = fx_fault(f, "outage", "mode=truncated");
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_PARTIAL_FILE);
  tc_free(&r);
  /* a write with commit=never is not applied */
  r = call(f, "POST", "/v1/candidates", body, &q);
  assert_int_equal(r.curl_rc, CURLE_PARTIAL_FILE);
  tc_free(&r);
  assert_int_equal(count_candidates(f), 0);
  sim_fault_clear(f->sim, id);
  /* commit=before leaves the write applied */
  id = fx_fault(f, "outage", "mode=truncated commit=before");
  r = call(f, "POST", "/v1/candidates", body, &q);
  assert_int_equal(r.curl_rc, CURLE_PARTIAL_FILE);
  tc_free(&r);
  assert_int_equal(count_candidates(f), 1);
  sim_fault_clear(f->sim, id);
  r = call(f, "GET", "/v1/candidates", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_OK);
  assert_status(r, 200);
  cJSON *l = fx_json(&r);
  assert_int_equal(cJSON_GetArraySize(l), 1);
  cJSON_Delete(l);
  tc_free(&r);
  simfx_free(f);
}

/* ---- outage: malformed ----------------------------------------------------- */

static void test_outage_malformed(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Garbled");
  char body[256];
  cand_body(body, sizeof body, job, NULL);
  struct rq q = {.obo = OBO};
  int id = fx_fault(f, "outage", "mode=malformed");
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_OK);
  assert_status(r, 200);
  assert_true(r.len > 0);
  assert_null(cJSON_Parse(r.body));
  tc_free(&r);
  /* a write with commit=never: a garbled 201, nothing applied */
  r = call(f, "POST", "/v1/candidates", body, &q);
  assert_status(r, 201);
  assert_null(cJSON_Parse(r.body));
  tc_free(&r);
  assert_int_equal(count_candidates(f), 0);
  sim_fault_clear(f->sim, id);
  /* commit=before: a garbled 201 for a write that happened */
  id = fx_fault(f, "outage", "mode=malformed commit=before");
  r = call(f, "POST", "/v1/candidates", body, &q);
  assert_status(r, 201);
  assert_null(cJSON_Parse(r.body));
  assert_contains(r.body, "\"first_name\":\"Ada\"");
  tc_free(&r);
  assert_int_equal(count_candidates(f), 1);
  sim_fault_clear(f->sim, id);
  r = call(f, "GET", "/v1/users", NULL, &q);
  assert_status(r, 200);
  cJSON *u = fx_json(&r);
  assert_int_equal(cJSON_GetArraySize(u), 1);
  cJSON_Delete(u);
  tc_free(&r);
  simfx_free(f);
}

/* ---- outage: refused -------------------------------------------------------- */

static void test_outage_refused(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  uint16_t port = sim_port(f->sim);
  struct rq q = {.fresh = true};
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  int id = fx_fault(f, "outage", "mode=refused");
  /* Called from outside the loop, the listener goes down at the loop's next
   * turn; libcurl may connect within that same turn, before the server
   * runs. Settle first so the first request sees the listener down. */
  assert_int_equal(at_loop_settle(f->loop), AT_RUN_OK);
  uint64_t before = sim_journal_last(f->sim);
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  assert_int_equal(r.status, 0);
  tc_free(&r);
  /* the control API on the same port is gone too */
  r = tc_do(f->loop, "GET", fx_url(f, "/_sim/health"), NULL, NULL);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  tc_free(&r);
  assert_int_equal(sim_journal_last(f->sim), before); /* nothing arrived */
  assert_int_equal(sim_fault_clear(f->sim, id), 0);
  assert_int_equal(sim_port(f->sim), port);
  r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_OK);
  assert_status(r, 200);
  tc_free(&r);
  /* a connection kept alive from before works too */
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  simfx_free(f);
}

static void test_outage_refused_window(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  struct rq q = {.fresh = true};
  fx_fault(f, "outage", "mode=refused from=+1m until=+2m");
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  fx_advance(f, 59999);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  fx_advance(f, 1);
  struct tc_resp r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  tc_free(&r);
  fx_advance(f, 59999);
  r = call(f, "GET", "/v1/users", NULL, &q);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  tc_free(&r);
  fx_advance(f, 1);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  /* the fault is still listed, but no longer active */
  cJSON *all = sim_faults_json(f->sim);
  assert_int_equal(cJSON_GetArraySize(all), 1);
  assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(all, 0),
                                                "active")));
  cJSON_Delete(all);
  simfx_free(f);
}

/* A hang held when the listener goes down is closed with it. */
static void test_outage_refused_drops_held(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  fx_fault(f, "outage", "mode=hang");
  struct rq q = {.fresh = true, .timeout_ms = 120000};
  int64_t t0 = at_loop_now(f->loop);
  struct tc_resp r;
  start(f, "GET", "/v1/users", NULL, &q, &r);
  fx_advance(f, 1000);
  assert_int_equal(r.done_at, 0);
  fx_fault(f, "outage", "mode=refused");
  wait_done(f, &r, 60000);
  assert_int_equal(r.curl_rc, CURLE_GOT_NOTHING);
  assert_int_equal(r.done_at - t0, 1000);
  tc_free(&r);
  sim_fault_clear_all(f->sim);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  simfx_free(f);
}

/* ---- scoping and windows ---------------------------------------------------- */

static void test_scope_route(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Routed");
  char body[256];
  cand_body(body, sizeof body, job, NULL);
  struct rq q = {.obo = OBO};
  fx_fault(f, "outage", "mode=503 route=POST~/v1/candidates");
  assert_int_equal(status_of(f, "GET", "/v1/candidates", NULL, &q), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  assert_int_equal(status_of(f, "POST", "/v1/candidates", body, &q), 503);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, &q), 200);
  assert_int_equal(count_candidates(f), 0);
  sim_fault_clear_all(f->sim);
  /* a path glob hits every method on matching paths */
  fx_fault(f, "outage", "mode=500 route=/v1/jobs*");
  char path[64];
  snprintf(path, sizeof path, "/v1/jobs/%lld/stages", job);
  assert_int_equal(status_of(f, "GET", path, NULL, &q), 500);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, &q), 500);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &q), 200);
  assert_int_equal(status_of(f, "POST", "/v1/candidates", body, &q), 201);
  simfx_free(f);
}

static void test_scope_credential(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  cJSON *k = NULL;
  char err[256];
  assert_int_equal(sim_credential_add(f->sim, "api_key", NULL, 0, &k, err,
                                      sizeof err), 0);
  const char *kid = cJSON_GetStringValue(cJSON_GetObjectItem(k, "id"));
  assert_string_equal(kid, "key-2");
  struct rq two = {.key = cJSON_GetStringValue(cJSON_GetObjectItem(k, "key"))};
  fx_fault(f, "outage", "mode=503 credential=key-2");
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &two), 503);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, &two), 503);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, NULL), 200);
  /* v3 (client-1) is another credential */
  struct tc_resp r = fx_v3(f, "GET", "/v3/jobs", NULL);
  assert_status(r, 200);
  tc_free(&r);
  sim_fault_clear_all(f->sim);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, &two), 200);
  cJSON_Delete(k);
  simfx_free(f);
}

static void test_scope_after_count(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  int id = fx_fault(f, "outage", "mode=503 after=2 count=1 route=/v1/users");
  long want[] = {200, 200, 503, 200, 200};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    /* requests outside the route do not count as matches */
    assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, NULL), 200);
    long s = status_of(f, "GET", "/v1/users", NULL, NULL);
    if (s != want[i])
      fail_msg("request %zu: status %ld, want %ld", i + 1, s, want[i]);
  }
  cJSON *all = sim_faults_json(f->sim);
  cJSON *fj = cJSON_GetArrayItem(all, 0);
  assert_int_equal(jnum(fj, "id"), id);
  assert_int_equal(jnum(fj, "matched"), 5);
  assert_int_equal(jnum(fj, "applied"), 1);
  assert_false(cJSON_IsTrue(cJSON_GetObjectItem(fj, "active")));
  cJSON_Delete(all);
  simfx_free(f);
}

static void test_windows(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  /* from/until, relative */
  fx_fault(f, "outage", "mode=503 from=+1m until=+2m route=/v1/users");
  /* for: from now, 30 s long */
  fx_fault(f, "outage", "mode=500 for=30s route=/v1/jobs");
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, NULL), 500);
  fx_advance(f, 29999);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, NULL), 500);
  fx_advance(f, 1);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  fx_advance(f, 30000); /* +60 s */
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 503);
  fx_advance(f, 59999);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 503);
  fx_advance(f, 1); /* +120 s: until is exclusive */
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  /* from + for */
  fx_fault(f, "outage", "mode=503 from=+10s for=5s route=/v1/sources");
  assert_int_equal(status_of(f, "GET", "/v1/sources", NULL, NULL), 200);
  fx_advance(f, 10000);
  assert_int_equal(status_of(f, "GET", "/v1/sources", NULL, NULL), 503);
  fx_advance(f, 5000);
  assert_int_equal(status_of(f, "GET", "/v1/sources", NULL, NULL), 200);
  /* absolute ISO-8601 times work too */
  char kv[160], a[AT_TIME_BUF], b[AT_TIME_BUF];
  int64_t now = at_loop_now(f->loop);
  snprintf(kv, sizeof kv, "mode=503 route=/v1/rejection_reasons from=%s until=%s",
           at_time_iso8601(now + 1000, false, a),
           at_time_iso8601(now + 2000, false, b));
  fx_fault(f, "outage", kv);
  assert_int_equal(status_of(f, "GET", "/v1/rejection_reasons", NULL, NULL), 200);
  fx_advance(f, 1000);
  assert_int_equal(status_of(f, "GET", "/v1/rejection_reasons", NULL, NULL), 503);
  fx_advance(f, 1000);
  assert_int_equal(status_of(f, "GET", "/v1/rejection_reasons", NULL, NULL), 200);
  simfx_free(f);
}

/* 24 requests against probability=0.5; the statuses as a string. */
static void probability_run(uint64_t seed, char *out, size_t n)
{
  struct simfx_opts o = {.seeded = false, .rate_limit = 0, .seed = seed};
  struct simfx *f = simfx_new(&o);
  fx_fault(f, "outage", "mode=503 probability=0.5");
  size_t i = 0;
  for (; i + 1 < n && i < 24; i++) {
    long s = status_of(f, "GET", "/v1/users", NULL, NULL);
    assert_true(s == 200 || s == 503);
    out[i] = s == 503 ? 'X' : '.';
  }
  out[i] = '\0';
  simfx_free(f);
}

static void test_probability_deterministic(void **state)
{
  (void)state;
  char a[32], b[32], c[32];
  probability_run(42, a, sizeof a);
  probability_run(42, b, sizeof b);
  assert_string_equal(a, b);
  /* it is a mix, not all or nothing */
  assert_non_null(strchr(a, 'X'));
  assert_non_null(strchr(a, '.'));
  /* the sequence comes from the seed */
  probability_run(43, c, sizeof c);
  if (strcmp(a, c) == 0)
    fail_msg("seeds 42 and 43 gave the same sequence %s", a);
}

/* ---- async_create ----------------------------------------------------------- */

static void test_async_create(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Async");
  int id = fx_fault(f, "async_create", "delay=30s");
  char body[256];
  struct rq q = {.obo = OBO};
  uint64_t before = sim_journal_last(f->sim);
  struct tc_resp r = call(f, "POST", "/v1/candidates",
                          cand_body(body, sizeof body, job, NULL), &q);
  assert_status(r, 201);
  cJSON *c = fx_json(&r);
  tc_free(&r);
  /* a truncated body: the id and the application ids only */
  assert_int_equal(cJSON_GetArraySize(c), 2);
  long long cid = jnum(c, "id");
  assert_true(cid > 0);
  cJSON *apps = cJSON_GetObjectItem(c, "application_ids");
  assert_int_equal(cJSON_GetArraySize(apps), 1);
  long long aid = (long long)cJSON_GetArrayItem(apps, 0)->valuedouble;
  cJSON_Delete(c);
  struct sim_journal_entry e[2];
  assert_int_equal(sim_journal_read(f->sim, before, e, 2), 1);
  assert_int_equal(e[0].fault, id);
  assert_string_equal(e[0].fault_kind, "async_create");
  char path[64], apath[64];
  snprintf(path, sizeof path, "/v1/candidates/%lld", cid);
  snprintf(apath, sizeof apath, "/v1/applications/%lld", aid);
  assert_int_equal(status_of(f, "GET", path, NULL, NULL), 404);
  assert_int_equal(status_of(f, "GET", apath, NULL, NULL), 404);
  r = call(f, "GET", "/v1/candidates", NULL, NULL);
  cJSON *l = fx_json(&r);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  tc_free(&r);
  fx_advance(f, 29999);
  assert_int_equal(status_of(f, "GET", path, NULL, NULL), 404);
  fx_advance(f, 1);
  r = call(f, "GET", path, NULL, NULL);
  assert_status(r, 200);
  c = fx_json(&r);
  assert_int_equal(jnum(c, "id"), cid);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(c, "last_name")),
                      "Lovelace");
  cJSON_Delete(c);
  tc_free(&r);
  assert_int_equal(status_of(f, "GET", apath, NULL, NULL), 200);
  /* cleared: a create answers in full and reads at once */
  sim_fault_clear(f->sim, id);
  r = call(f, "POST", "/v1/candidates", body, &q);
  assert_status(r, 201);
  c = fx_json(&r);
  assert_non_null(cJSON_GetObjectItem(c, "email_addresses"));
  snprintf(path, sizeof path, "/v1/candidates/%lld", jnum(c, "id"));
  cJSON_Delete(c);
  tc_free(&r);
  assert_int_equal(status_of(f, "GET", path, NULL, NULL), 200);
  simfx_free(f);
}

/* ---- required_field and format_rule ------------------------------------------ */

/* POST a candidate; expect 422 naming 'field' (message containing 'msg'). */
static void expect_invalid(struct simfx *f, const char *body, const char *field,
                           const char *msg)
{
  struct rq q = {.obo = OBO};
  struct tc_resp r = call(f, "POST", "/v1/candidates", body, &q);
  assert_status(r, 422);
  cJSON *b = fx_json(&r);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "message")),
                      "Validation error");
  cJSON *errs = cJSON_GetObjectItem(b, "errors");
  assert_int_equal(cJSON_GetArraySize(errs), 1);
  cJSON *e = cJSON_GetArrayItem(errs, 0);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "field")),
                      field);
  assert_contains(cJSON_GetStringValue(cJSON_GetObjectItem(e, "message")), msg);
  cJSON_Delete(b);
  tc_free(&r);
}

static void expect_created(struct simfx *f, const char *body)
{
  struct rq q = {.obo = OBO};
  struct tc_resp r = call(f, "POST", "/v1/candidates", body, &q);
  assert_status(r, 201);
  tc_free(&r);
}

static void test_required_field(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Phones");
  char body[512];
  int id = fx_fault(f, "required_field", "field=phone");
  expect_invalid(f, cand_body(body, sizeof body, job, NULL), "phone_numbers",
                 "Is required");
  assert_int_equal(count_candidates(f), 0);
  expect_created(f, cand_body(body, sizeof body, job,
                              "\"phone_numbers\":[{\"value\":\"+14155550123\","
                              "\"type\":\"mobile\"}]"));
  assert_int_equal(count_candidates(f), 1);
  sim_fault_clear(f->sim, id);
  expect_created(f, cand_body(body, sizeof body, job, NULL));
  simfx_free(f);
}

static void test_required_field_job_scope(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long j1 = add_job(f, "Free");
  long long j2 = add_job(f, "Strict");
  char kv[64], body[512];
  snprintf(kv, sizeof kv, "field=source job=%lld", j2);
  fx_fault(f, "required_field", kv);
  expect_created(f, cand_body(body, sizeof body, j1, NULL));
  expect_invalid(f, cand_body(body, sizeof body, j2, NULL), "source_id",
                 "Is required for this job");
  snprintf(body, sizeof body,
           "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
           "\"applications\":[{\"job_id\":%lld,\"source_id\":3}]}", j2);
  expect_created(f, body);
  assert_int_equal(count_candidates(f), 2);
  simfx_free(f);
}

static void test_format_rules(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long job = add_job(f, "Formats");
  char body[512];
  int id = fx_fault(f, "format_rule", "rule=e164 field=phone");
  expect_invalid(f, cand_body(body, sizeof body, job,
                              "\"phone_numbers\":[{\"value\":\"(415) 555-0123\","
                              "\"type\":\"mobile\"}]"),
                 "phone_numbers", "E.164");
  expect_created(f, cand_body(body, sizeof body, job,
                              "\"phone_numbers\":[{\"value\":\"+14155550123\","
                              "\"type\":\"mobile\"}]"));
  /* a rule checks values that are there; an absent phone passes */
  expect_created(f, cand_body(body, sizeof body, job, NULL));
  sim_fault_clear(f->sim, id);

  id = fx_fault(f, "format_rule", "rule=email field=email");
  expect_invalid(f, cand_body(body, sizeof body, job,
                              "\"email_addresses\":[{\"value\":\"ada.example.com\","
                              "\"type\":\"personal\"}]"),
                 "email_addresses", "valid email");
  expect_created(f, cand_body(body, sizeof body, job,
                              "\"email_addresses\":[{\"value\":\"ada@example.com\","
                              "\"type\":\"personal\"}]"));
  sim_fault_clear(f->sim, id);

  id = fx_fault(f, "format_rule", "rule=max_length:5 field=first_name");
  snprintf(body, sizeof body,
           "{\"first_name\":\"Augusta\",\"last_name\":\"King\","
           "\"applications\":[{\"job_id\":%lld}]}", job);
  expect_invalid(f, body, "first_name", "maximum is 5");
  expect_created(f, cand_body(body, sizeof body, job, NULL)); /* "Ada" */
  sim_fault_clear(f->sim, id);

  id = fx_fault(f, "format_rule", "rule=date field=custom_fields.start_date");
  expect_invalid(f, cand_body(body, sizeof body, job,
                              "\"custom_fields\":[{\"name_key\":\"start_date\","
                              "\"value\":\"03/02/2026\"}]"),
                 "custom_fields.start_date", "YYYY-MM-DD");
  expect_created(f, cand_body(body, sizeof body, job,
                              "\"custom_fields\":[{\"name_key\":\"start_date\","
                              "\"value\":\"2026-03-02\"}]"));
  sim_fault_clear(f->sim, id);
  expect_created(f, cand_body(body, sizeof body, job,
                              "\"phone_numbers\":[{\"value\":\"555\","
                              "\"type\":\"mobile\"}]"));
  simfx_free(f);
}

/* ---- webhook kinds: parsed and listed (deliveries: test_webhooks.c) ---------- */

static void test_webhook_kinds_parse(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  static const struct {
    const char *kind, *kv;
  } k[] = {{"webhook_disabled", NULL},          {"webhook_delay", "delay=10m"},
           {"webhook_duplicate", "copies=2"},   {"webhook_reorder", NULL},
           {"webhook_bad_signature", "for=1h"}, {"webhook_ids_only", NULL}};
  int ids[6];
  for (size_t i = 0; i < 6; i++) {
    char buf[64] = "", err[256];
    struct sim_kv kv[2];
    size_t n = 0;
    if (k[i].kv) {
      snprintf(buf, sizeof buf, "%s", k[i].kv);
      char *eq = strchr(buf, '=');
      *eq = '\0';
      kv[0].key = buf;
      kv[0].value = eq + 1;
      n = 1;
    }
    ids[i] = 0;
    if (sim_fault_add(f->sim, k[i].kind, kv, n, &ids[i], err, sizeof err) != 0)
      fail_msg("%s: %s", k[i].kind, err);
    assert_true(ids[i] > 0);
  }
  cJSON *all = sim_faults_json(f->sim);
  assert_int_equal(cJSON_GetArraySize(all), 6);
  for (int i = 0; i < 6; i++) {
    cJSON *fj = cJSON_GetArrayItem(all, i);
    assert_int_equal(jnum(fj, "id"), ids[i]);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(fj, "kind")),
                        k[i].kind);
  }
  assert_string_equal(
      cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(all, 1), "delay")),
      "10m");
  assert_int_equal(jnum(cJSON_GetArrayItem(all, 2), "copies"), 2);
  cJSON_Delete(all);
  /* they change nothing on the API */
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  /* a webhook kind rejects outage parameters */
  char err[512];
  struct sim_kv bad[] = {{"mode", "503"}};
  add_fault_err(f, "webhook_delay", bad, 1, err, sizeof err);
  assert_contains(err, "no parameter 'mode'");
  assert_contains(err, "delay");
  simfx_free(f);
}

/* ---- bad parameters ----------------------------------------------------------- */

static void test_bad_parameters(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  char err[512];
  add_fault_err(f, "outtage", NULL, 0, err, sizeof err);
  assert_contains(err, "unknown fault kind 'outtage'");
  assert_contains(err, "rate_limit");
  assert_contains(err, "webhook_ids_only");

  struct sim_kv unknown[] = {{"mode", "503"}, {"colour", "red"}};
  add_fault_err(f, "outage", unknown, 2, err, sizeof err);
  assert_contains(err, "no parameter 'colour'");
  assert_contains(err, "mode");
  assert_contains(err, "retry_after");
  assert_contains(err, "probability");

  struct sim_kv rl_unknown[] = {{"mode", "503"}};
  add_fault_err(f, "rate_limit", rl_unknown, 1, err, sizeof err);
  assert_contains(err, "no parameter 'mode'");
  assert_contains(err, "limit, window");

  struct sim_kv dur[] = {{"window", "10 parsecs"}};
  add_fault_err(f, "rate_limit", dur, 1, err, sizeof err);
  assert_contains(err, "window=10 parsecs");
  assert_contains(err, "not a duration");

  struct sim_kv hold[] = {{"mode", "hang"}, {"hold", "-5s"}};
  add_fault_err(f, "outage", hold, 2, err, sizeof err);
  assert_contains(err, "hold");
  assert_contains(err, "not a duration");

  struct sim_kv when[] = {{"from", "yesterday"}};
  add_fault_err(f, "outage", when, 1, err, sizeof err);
  assert_contains(err, "from=yesterday");
  assert_contains(err, "not a time");

  struct sim_kv refused[] = {{"mode", "refused"}, {"route", "/v1/users"}};
  add_fault_err(f, "outage", refused, 2, err, sizeof err);
  assert_contains(err, "refused");
  assert_contains(err, "route");

  struct sim_kv mode[] = {{"mode", "418"}};
  add_fault_err(f, "outage", mode, 1, err, sizeof err);
  assert_contains(err, "mode=418");
  assert_contains(err, "not a mode");

  struct sim_kv commit[] = {{"commit", "after"}};
  add_fault_err(f, "outage", commit, 1, err, sizeof err);
  assert_contains(err, "commit=after");

  struct sim_kv prob[] = {{"probability", "1.5"}};
  add_fault_err(f, "outage", prob, 1, err, sizeof err);
  assert_contains(err, "probability=1.5");

  struct sim_kv count[] = {{"count", "-1"}};
  add_fault_err(f, "outage", count, 1, err, sizeof err);
  assert_contains(err, "count=-1");
  assert_contains(err, "whole number");

  struct sim_kv both[] = {{"until", "+1m"}, {"for", "30s"}};
  add_fault_err(f, "outage", both, 2, err, sizeof err);
  assert_contains(err, "not both");

  struct sim_kv backwards[] = {{"from", "+2m"}, {"until", "+1m"}};
  add_fault_err(f, "outage", backwards, 2, err, sizeof err);
  assert_contains(err, "ends before it starts");

  add_fault_err(f, "required_field", NULL, 0, err, sizeof err);
  assert_contains(err, "needs 'field'");

  struct sim_kv norule[] = {{"field", "phone"}};
  add_fault_err(f, "format_rule", norule, 1, err, sizeof err);
  assert_contains(err, "needs 'rule'");

  struct sim_kv badrule[] = {{"field", "phone"}, {"rule", "max_length:x"}};
  add_fault_err(f, "format_rule", badrule, 2, err, sizeof err);
  assert_contains(err, "rule=max_length:x");

  struct sim_kv badjob[] = {{"field", "phone"}, {"job", "abc"}};
  add_fault_err(f, "required_field", badjob, 2, err, sizeof err);
  assert_contains(err, "job=abc");

  /* nothing was added by any of them, and the API is untouched */
  cJSON *all = sim_faults_json(f->sim);
  assert_int_equal(cJSON_GetArraySize(all), 0);
  cJSON_Delete(all);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(sim_fault_clear(f->sim, 1), -1);
  simfx_free(f);
}

/* ---- the journal --------------------------------------------------------------- */

static void test_journal_records_faults(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  int out = fx_fault(f, "outage", "mode=503 route=GET~/v1/jobs");
  int rl = fx_fault(f, "rate_limit", "limit=1 window=1m route=/v1/sources");
  uint64_t before = sim_journal_last(f->sim);
  assert_int_equal(status_of(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/jobs", NULL, NULL), 503);
  assert_int_equal(status_of(f, "GET", "/v1/sources", NULL, NULL), 200);
  assert_int_equal(status_of(f, "GET", "/v1/sources", NULL, NULL), 429);
  struct sim_journal_entry e[8];
  assert_int_equal(sim_journal_read(f->sim, before, e, 8), 4);
  assert_string_equal(e[0].target, "/v1/users");
  assert_int_equal(e[0].status, 200);
  assert_int_equal(e[0].fault, 0);
  assert_string_equal(e[0].fault_kind, "");
  assert_string_equal(e[0].credential, "key-1");

  assert_string_equal(e[1].route, "GET /v1/jobs");
  assert_int_equal(e[1].status, 503);
  assert_int_equal(e[1].fault, out);
  assert_string_equal(e[1].fault_kind, "outage");
  assert_non_null(strstr(e[1].note, "503"));

  assert_int_equal(e[2].status, 200);
  assert_int_equal(e[2].fault, 0); /* under the fault's limit */

  assert_int_equal(e[3].status, 429);
  assert_int_equal(e[3].fault, rl);
  assert_string_equal(e[3].fault_kind, "rate_limit");
  assert_non_null(strstr(e[3].note, "rate limited"));
  assert_true(e[0].n < e[1].n && e[1].n < e[2].n && e[2].n < e[3].n);

  assert_int_equal(sim_journal_count(f->sim, "/v1/sources", 429), 1);
  assert_int_equal(sim_journal_count(f->sim, "GET /v1/jobs", 0), 1);
  /* the JSON form carries the same */
  cJSON *j = sim_journal_json(f->sim, before, 10);
  assert_int_equal(cJSON_GetArraySize(j), 4);
  cJSON *e1 = cJSON_GetArrayItem(j, 1);
  assert_int_equal(jnum(e1, "fault"), out);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e1, "fault_kind")),
                      "outage");
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "fault")));
  cJSON_Delete(j);
  simfx_free(f);
}

/* A refused outage added over HTTP, by a request the loop is deciding,
 * must not free requests still being decided (regression: the listener was
 * stopped from inside a handler on a virtual clock). */
static void test_refused_added_over_http(void **state)
{
  (void)state;
  struct at_clock *clock = at_clock_new_virtual(AT_CLOCK_DEFAULT_EPOCH_MS);
  struct at_loop *loop = at_loop_new(clock);
  struct sim_config cfg = {.ats = "greenhouse", .loop = loop, .seed = 3,
                           .empty = true, .latency_off = true,
                           .rate_limit_off = true, .control_listener = true};
  char err[256], url[128], ctl[128];
  struct sim *s = sim_new(&cfg, err, sizeof err);
  assert_non_null(s);
  snprintf(url, sizeof url, "%s/_sim/faults", sim_base_url(s));
  snprintf(ctl, sizeof ctl, "http://127.0.0.1:%u/_sim/faults",
           sim_control_port(s));
  const char *body = "{\"kind\":\"outage\",\"mode\":\"refused\"}";
  /* on the API port itself */
  struct tc_resp r = tc_do(loop, "POST", url, body, NULL);
  assert_true(r.status == 201 || r.curl_rc != 0);
  tc_free(&r);
  snprintf(url, sizeof url, "%s/_sim/health", sim_base_url(s));
  r = tc_do(loop, "GET", url, NULL, NULL);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  tc_free(&r);
  sim_fault_clear_all(s);
  r = tc_do(loop, "GET", url, NULL, NULL);
  assert_int_equal(r.status, 200);
  tc_free(&r);
  /* on the control port while an API request is decided in the same
   * instant */
  struct tc_resp api, ctl_r;
  tc_start(loop, "GET", url, NULL, NULL, &api);
  tc_start(loop, "POST", ctl, body, NULL, &ctl_r);
  at_loop_run_until(loop, at_loop_now(loop) + 1000);
  assert_int_equal(ctl_r.status, 201); /* the control port stays up */
  assert_true(api.done_at != 0);       /* answered or closed, not lost */
  tc_free(&api);
  tc_free(&ctl_r);
  r = tc_do(loop, "GET", url, NULL, NULL);
  assert_int_equal(r.curl_rc, CURLE_COULDNT_CONNECT);
  tc_free(&r);
  sim_free(s);
  at_loop_free(loop);
  at_clock_free(clock);
}

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rate_limit_fault),
      cmocka_unit_test(test_rate_limit_fault_clear_all),
      cmocka_unit_test(test_vendor_rate_limit),
      cmocka_unit_test(test_outage_503_maintenance),
      cmocka_unit_test(test_outage_503_incident_and_silent),
      cmocka_unit_test(test_outage_500),
      cmocka_unit_test(test_outage_hang_times_out),
      cmocka_unit_test(test_outage_hang_cleared_closes),
      cmocka_unit_test(test_outage_hang_hold),
      cmocka_unit_test(test_outage_slow),
      cmocka_unit_test(test_outage_reset),
      cmocka_unit_test(test_outage_truncated),
      cmocka_unit_test(test_outage_malformed),
      cmocka_unit_test(test_outage_refused),
      cmocka_unit_test(test_outage_refused_window),
      cmocka_unit_test(test_outage_refused_drops_held),
      cmocka_unit_test(test_scope_route),
      cmocka_unit_test(test_scope_credential),
      cmocka_unit_test(test_scope_after_count),
      cmocka_unit_test(test_windows),
      cmocka_unit_test(test_probability_deterministic),
      cmocka_unit_test(test_async_create),
      cmocka_unit_test(test_required_field),
      cmocka_unit_test(test_required_field_job_scope),
      cmocka_unit_test(test_format_rules),
      cmocka_unit_test(test_webhook_kinds_parse),
      cmocka_unit_test(test_bad_parameters),
      cmocka_unit_test(test_journal_records_faults),
      cmocka_unit_test(test_refused_added_over_http),
  };
  int rc = cmocka_run_group_tests_name("faults", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
