/* test_pull.c — the status pull and the data rules, engine with the fake
 * Greenhouse on a virtual clock: recruiters' changes in the ATS come back
 * through the poll and through signed webhooks; the webhook endpoint
 * refuses what it cannot trust; duplicates by name and phone are flagged,
 * merges followed; data is normalised where that is safe and a refusal
 * names the field and the fix. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engfx.h"
#include "tclient.h"

static struct engfx *fx_new(bool webhooks, int64_t poll_ms)
{
  struct engfx_opts o = {.auth = ENGFX_V3_CODE, .latency = true,
                         .rate_limit = -1, .webhooks = webhooks,
                         .poll_ms = poll_ms};
  return engfx_new(&o);
}

static void synced(struct engfx *f, const char *ref)
{
  engfx_settle(f, 60000);
  struct atsync_candidate_info c = engfx_cand(f, ref);
  if (c.sync != ATSYNC_SYNCED)
    fail_msg("%s: %s: %s", ref, atsync_sync_name(c.sync), c.error);
}

static void act(struct engfx *f, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void act(struct engfx *f, const char *action, const char *fmt, ...)
{
  char kv[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(kv, sizeof kv, fmt, ap);
  va_end(ap);
  cJSON *r = fx_action(f->fx, action, kv);
  cJSON_Delete(r);
}

/* Run until the candidate's pulled status is 'want' or 'limit' passes;
 * returns the time it took (-1 when it never came). */
static int64_t wait_status(struct engfx *f, const char *ref, const char *want,
                           int64_t limit)
{
  for (int64_t t = 0; t <= limit; t += 250) {
    struct atsync_candidate_info c = engfx_cand(f, ref);
    if (strcmp(c.status, want) == 0)
      return t;
    engfx_run(f, 250);
  }
  return -1;
}

struct logfind {
  const char *text;
  int hits;
};

static void find_log(void *ud, const struct atsync_log_entry *l)
{
  struct logfind *x = ud;
  if (strstr(l->message, x->text))
    x->hits++;
}

static int log_has(struct engfx *f, const char *text)
{
  struct logfind x = {text, 0};
  atsync_log(f->e, f->org, 0, find_log, &x);
  return x.hits;
}

static void sign(const char *body, const char *secret, char *hdr, size_t len)
{
  unsigned char mac[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret, (int)strlen(secret),
       (const unsigned char *)body, strlen(body), mac, &n);
  int o = snprintf(hdr, len, "Signature: sha256 ");
  for (unsigned i = 0; i < n; i++)
    o += snprintf(hdr + o, len - (size_t)o, "%02x", mac[i]);
}

static struct tc_resp post_hook(struct engfx *f, const char *body,
                                const char *sig_secret, const char *event_id)
{
  char sig[128] = "", id[128] = "";
  struct tc_opts o = {0};
  int k = 0;
  if (sig_secret) {
    sign(body, sig_secret, sig, sizeof sig);
    o.extra[k++] = sig;
  }
  if (event_id) {
    snprintf(id, sizeof id, "Greenhouse-Event-ID: %s", event_id);
    o.extra[k++] = id;
  }
  return tc_do(f->fx->loop, "POST", f->webhook_url, body, &o);
}

/* ---- polling ---------------------------------------------------------------------- */

/* Without webhooks a recruiter's move comes back within one poll interval
 * (5 min), mapped back through the stage mapping; rejection and hire read
 * as such, an un-rejection is followed back. */
static void test_poll_follows_the_recruiter(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 0);
  char err[256];
  assert_int_equal(atsync_map_stage(f->e, f->org, "onsite", "Onsite", err,
                                    sizeof err), 0);
  engfx_approve(f, "ada", NULL);
  synced(f, "ada");
  struct atsync_candidate_info c = engfx_cand(f, "ada");
  assert_string_equal(c.status, "approved");
  act(f, "move_application", "application=%s stage=%lld",
      c.ats_application_id, (long long)f->stages[2]);
  int64_t took = wait_status(f, "ada", "onsite", 6 * 60000);
  assert_true(took >= 0);
  assert_true(took <= 5 * 60000 + 5000); /* one poll interval */
  c = engfx_cand(f, "ada");
  assert_string_equal(c.ats_status, "active");
  assert_string_equal(c.ats_stage, "Onsite");

  act(f, "reject_application", "application=%s", c.ats_application_id);
  assert_true(wait_status(f, "ada", "rejected", 6 * 60000) >= 0);
  assert_true(log_has(f, "Rejected in Greenhouse") >= 1);
  act(f, "unreject_application", "application=%s", c.ats_application_id);
  assert_true(wait_status(f, "ada", "onsite", 6 * 60000) >= 0);
  assert_true(log_has(f, "the rejection was undone") >= 1);
  act(f, "hire_application", "application=%s", c.ats_application_id);
  assert_true(wait_status(f, "ada", "hired", 6 * 60000) >= 0);

  struct atsync_connection st;
  atsync_connection(f->e, f->org, &st);
  assert_true(st.last_poll > 0);
  assert_true(st.people_ready);
  assert_false(st.webhooks);
  engfx_free(f);
}

/* A stage no mapping covers leaves our status as it was, says so, and
 * still shows the ATS's stage. */
static void test_unmapped_stage_keeps_status(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 60000);
  engfx_approve(f, "bob", NULL);
  synced(f, "bob");
  struct atsync_candidate_info c = engfx_cand(f, "bob");
  act(f, "move_application", "application=%s stage=%lld",
      c.ats_application_id, (long long)f->stages[3]);
  engfx_run(f, 2 * 60000);
  c = engfx_cand(f, "bob");
  assert_string_equal(c.status, "approved");
  assert_string_equal(c.ats_stage, "Offer");
  assert_true(log_has(f, "which no status mapping covers") == 1);
  /* mapped now: the next change that reads it follows */
  char err[256];
  assert_int_equal(atsync_map_status(f->e, f->org, "Offer", "offer", err,
                                     sizeof err), 0);
  act(f, "move_application", "application=%s stage=%lld",
      c.ats_application_id, (long long)f->stages[2]);
  engfx_run(f, 2 * 60000);
  act(f, "move_application", "application=%s stage=%lld",
      c.ats_application_id, (long long)f->stages[3]);
  assert_true(wait_status(f, "bob", "offer", 3 * 60000) >= 0);
  engfx_free(f);
}

/* The poll cursor never runs ahead: it moves only after the walk is
 * stored, survives a restart, and a change made while the engine was
 * down is read at the next poll. */
static void test_poll_cursor_survives_restart(void **state)
{
  (void)state;
  struct engfx_opts o = {.auth = ENGFX_V3_CODE, .rate_limit = -1,
                         .store = "/tmp/atsync-test-pull.db",
                         .poll_ms = 60000};
  struct engfx *f = engfx_new(&o);
  engfx_approve(f, "cy", NULL);
  synced(f, "cy");
  engfx_run(f, 2 * 60000);
  struct atsync_connection st;
  atsync_connection(f->e, f->org, &st);
  int64_t cursor = st.poll_cursor;
  assert_true(cursor > 0);
  struct atsync_candidate_info c = engfx_cand(f, "cy");
  atsync_close(f->e); /* down ... */
  f->e = NULL;
  act(f, "reject_application", "application=%s", c.ats_application_id);
  fx_advance(f->fx, 10 * 60000);
  engfx_restart(f); /* ... and back: the rejection is read */
  assert_true(wait_status(f, "cy", "rejected", 2 * 60000) >= 0);
  atsync_connection(f->e, f->org, &st);
  assert_true(st.poll_cursor >= cursor);
  engfx_free(f);
}

/* The poll meets the connection's faults like a push does: an outage
 * makes the connection ats_unavailable and the poll backs off; a 429
 * throttles it; both end with the next good answer, and the change made
 * meanwhile is read. Credentials revoked: disconnected. */
static void test_poll_under_faults(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 60000);
  engfx_approve(f, "flo", NULL);
  synced(f, "flo");
  struct atsync_candidate_info c = engfx_cand(f, "flo");
  char why[600];

  int out = fx_fault(f->fx, "outage", "mode=503 route=/v3/*");
  act(f, "reject_application", "application=%s", c.ats_application_id);
  engfx_run(f, 3 * 60000);
  assert_int_equal(engfx_state(f, why, sizeof why), ATSYNC_ATS_UNAVAILABLE);
  assert_non_null(strstr(why, "503"));
  size_t during = sim_journal_count(f->fx->sim, "GET /v3/applications*", 503);
  print_message("%zu polls answered 503 in 2 minutes\n", during);
  /* backing off with full jitter: waits drawn up to 1 s, 2 s, 4 s ... */
  assert_true(during >= 1 && during <= 12);
  assert_int_equal(sim_fault_clear(f->fx->sim, out), 0);
  assert_true(wait_status(f, "flo", "rejected", 10 * 60000) >= 0);
  assert_int_equal(engfx_state(f, NULL, 0), ATSYNC_CONNECTED);

  int rl = fx_fault(f->fx, "rate_limit", "limit=0 window=30s for=2m route=/v3/*");
  act(f, "unreject_application", "application=%s", c.ats_application_id);
  engfx_run(f, 90000);
  assert_int_equal(engfx_state(f, NULL, 0), ATSYNC_THROTTLED);
  assert_int_equal(sim_fault_clear(f->fx->sim, rl), 0);
  assert_true(wait_status(f, "flo", "approved", 10 * 60000) >= 0);
  assert_int_equal(engfx_state(f, NULL, 0), ATSYNC_CONNECTED);

  char kv[64];
  snprintf(kv, sizeof kv, "credential=%s", f->fx->client_cred);
  act(f, "revoke_refresh_token", "%s", kv);
  engfx_run(f, 3 * 60000);
  assert_int_equal(engfx_state(f, why, sizeof why), ATSYNC_DISCONNECTED);
  assert_non_null(strstr(why, "reconnect"));
  engfx_free(f);
}

/* ---- duplicates ------------------------------------------------------------------------ */

/* Ada is in Greenhouse under another email with the same name and phone:
 * nobody is created, the candidate needs attention naming her; once our
 * candidate carries the email Greenhouse has, the application goes onto
 * her. */
static void test_twin_by_name_and_phone(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 0);
  cJSON *p = fx_action(f->fx, "add_candidate",
                       "first_name=Ada last_name=Lovelace "
                       "email=ada.lovelace@gmail.com phone=+14155550100");
  int64_t twin = fx_id(p, "id");
  cJSON_Delete(p);
  engfx_run(f, 1000); /* the first poll reads the people */
  char err[256];
  struct atsync_candidate cd = {.ref = "ada", .first = "Ada",
                                .last = "Lovelace",
                                .emails = {"ada@analytical.io"}, .nemails = 1,
                                .phone = "(415) 555-0100", .job = "backend"};
  assert_int_equal(atsync_org_set(f->e, f->org, "default_country", "us", err,
                                  sizeof err), 0);
  assert_int_equal(atsync_approve(f->e, f->org, &cd, NULL, err, sizeof err),
                   0);
  engfx_settle(f, 60000);
  struct atsync_candidate_info c = engfx_cand(f, "ada");
  assert_int_equal(c.sync, ATSYNC_NEEDS_ATTENTION);
  char want[64];
  snprintf(want, sizeof want, "Possible duplicate of candidate %lld",
           (long long)twin);
  if (!strstr(c.error, want) ||
      !strstr(c.error, "add that email to our candidate"))
    fail_msg("error: %s", c.error);
  assert_int_equal(engfx_people_total(f), 1);
  assert_int_equal(sim_journal_count(f->fx->sim, "POST /v3/candidates", 0), 0);

  struct atsync_candidate patch = {.emails = {"ada@analytical.io",
                                              "Ada.Lovelace@gmail.com"},
                                   .nemails = 2};
  assert_int_equal(atsync_update(f->e, f->org, "ada", &patch, err, sizeof err),
                   0);
  synced(f, "ada");
  c = engfx_cand(f, "ada");
  snprintf(want, sizeof want, "%lld", (long long)twin);
  assert_string_equal(c.ats_candidate_id, want);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_free(f);
}

/* The index lags: the likely duplicate was merged into another record
 * since the last poll. The engine looks the person up by their email
 * before it flags, and names whoever holds it now. A deleted application
 * (delete_application) does not take its person out of the index. */
static void test_twin_index_lags(void **state)
{
  (void)state;
  struct engfx *f = fx_new(true, 0);
  cJSON *p = fx_action(f->fx, "add_candidate",
                       "first_name=Ada last_name=Lovelace "
                       "email=ada@old.example phone=+14155550100 job=4001");
  int64_t old = fx_id(p, "id");
  cJSON_Delete(p);
  p = fx_action(f->fx, "add_candidate",
                "first_name=Ada last_name=King email=ada.king@example.com");
  int64_t king = fx_id(p, "id");
  cJSON_Delete(p);
  engfx_run(f, 2000); /* the first poll indexes both */

  /* a signed delete_application for Ada's application: she stays */
  char body[300];
  snprintf(body, sizeof body,
           "{\"action\":\"delete_application\",\"payload\":{\"application\":"
           "{\"id\":1,\"candidate_id\":%lld,\"job_id\":4001}}}",
           (long long)old);
  struct tc_resp r = post_hook(f, body, ENGFX_WEBHOOK_SECRET, "del-1");
  assert_int_equal(r.status, 200);
  tc_free(&r);

  act(f, "merge_candidates", "primary=%lld duplicate=%lld", (long long)king,
      (long long)old);
  char err[256];
  struct atsync_candidate cd = {.ref = "ada", .first = "Ada",
                                .last = "Lovelace",
                                .emails = {"ada@new.example"}, .nemails = 1,
                                .phone = "+1 415 555 0100", .job = "backend"};
  assert_int_equal(atsync_approve(f->e, f->org, &cd, NULL, err, sizeof err),
                   0);
  engfx_settle(f, 60000);
  struct atsync_candidate_info c = engfx_cand(f, "ada");
  assert_int_equal(c.sync, ATSYNC_NEEDS_ATTENTION);
  char want[64];
  snprintf(want, sizeof want, "Possible duplicate of candidate %lld",
           (long long)king);
  if (!strstr(c.error, want))
    fail_msg("error: %s", c.error);
  assert_true(sim_journal_count(f->fx->sim,
                                "GET /v3/candidates?email=ada*old.example*",
                                200) >= 1);
  engfx_free(f);
}

/* The recruiter merges the person atsync created into an older record:
 * the engine follows the survivor (by poll), the application moved with
 * it, and later changes come back through it. */
static void test_merge_is_followed(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 60000);
  cJSON *p = fx_action(f->fx, "add_candidate",
                       "first_name=Eve last_name=Tester email=eve@old.example");
  int64_t old = fx_id(p, "id");
  cJSON_Delete(p);
  engfx_approve(f, "eve", NULL);
  synced(f, "eve");
  struct atsync_candidate_info c = engfx_cand(f, "eve");
  act(f, "merge_candidates", "primary=%lld duplicate=%s", (long long)old,
      c.ats_candidate_id);
  engfx_run(f, 2 * 60000);
  c = engfx_cand(f, "eve");
  char want[32];
  snprintf(want, sizeof want, "%lld", (long long)old);
  assert_string_equal(c.ats_candidate_id, want);
  assert_true(log_has(f, "atsync follows") == 1);
  act(f, "reject_application", "application=%s", c.ats_application_id);
  assert_true(wait_status(f, "eve", "rejected", 2 * 60000) >= 0);
  engfx_free(f);
}

/* ---- data rules ---------------------------------------------------------------------------- */

static int add_fault(struct engfx *f, const char *kind, const char *kv)
{
  return fx_fault(f->fx, kind, kv);
}

/* A national phone number with the organization's default country goes
 * out in E.164 and passes an E.164 rule; without a country it is sent as
 * entered, refused, and the message says why it could not be converted. */
static void test_phone_normalised(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 0);
  add_fault(f, "format_rule", "field=phone rule=e164");
  char err[256];
  struct atsync_candidate cd = {.ref = "pat", .first = " Pat ",
                                .last = "Smith", .emails = {" pat@example.com "},
                                .nemails = 1, .phone = "(415) 555-0123",
                                .job = "backend"};
  assert_int_equal(atsync_approve(f->e, f->org, &cd, NULL, err, sizeof err),
                   0);
  engfx_settle(f, 60000);
  struct atsync_candidate_info c = engfx_cand(f, "pat");
  assert_int_equal(c.sync, ATSYNC_NEEDS_ATTENTION);
  if (!strstr(c.error, "(415) 555-0123") || !strstr(c.error, "E.164") ||
      !strstr(c.error, "country"))
    fail_msg("error: %s", c.error);
  assert_int_equal(atsync_org_set(f->e, f->org, "default_country", "US", err,
                                  sizeof err), 0);
  synced(f, "pat");
  cJSON *s = sim_state_json(f->fx->sim);
  char *txt = cJSON_PrintUnformatted(s);
  assert_non_null(strstr(txt, "+14155550123"));
  assert_null(strstr(txt, " pat@example.com"));
  free(txt);
  cJSON_Delete(s);
  assert_int_equal(atsync_org_set(f->e, f->org, "default_country", "USA", err,
                                  sizeof err), -1);
  assert_non_null(strstr(err, "two-letter"));
  engfx_free(f);
}

/* Greenhouse requires a source on this job: the candidate needs attention
 * with the fix (a default source in the job mapping); setting it sends the
 * candidate with that source. */
static void test_source_from_job_mapping(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 0);
  add_fault(f, "required_field", "field=source job=4001");
  engfx_approve(f, "sam", NULL);
  engfx_settle(f, 60000);
  struct atsync_candidate_info c = engfx_cand(f, "sam");
  assert_int_equal(c.sync, ATSYNC_NEEDS_ATTENTION);
  if (!strstr(c.error, "requires 'Source' for this job") ||
      !strstr(c.error, "default source"))
    fail_msg("error: %s", c.error);
  char err[256];
  assert_int_equal(atsync_map_job_source(f->e, f->org, "nope", "7", err,
                                         sizeof err), -1);
  assert_int_equal(atsync_map_job_source(f->e, f->org, "backend", "7", err,
                                         sizeof err), 0);
  synced(f, "sam");
  engfx_free(f);
}

/* A date custom field: an unambiguous date is sent as YYYY-MM-DD; an
 * ambiguous one is sent as entered, refused, and explained. */
static void test_date_field(void **state)
{
  (void)state;
  struct engfx *f = fx_new(false, 0);
  add_fault(f, "format_rule", "field=custom_fields.available_from rule=date");
  char err[256];
  struct atsync_candidate cd = {.ref = "dee", .first = "Dee", .last = "Tester",
                                .emails = {"dee@example.com"}, .nemails = 1,
                                .job = "backend",
                                .field_keys = {"available_from"},
                                .field_values = {"03/04/2026"}, .nfields = 1};
  assert_int_equal(atsync_approve(f->e, f->org, &cd, NULL, err, sizeof err),
                   0);
  engfx_settle(f, 60000);
  struct atsync_candidate_info c = engfx_cand(f, "dee");
  assert_int_equal(c.sync, ATSYNC_NEEDS_ATTENTION);
  if (!strstr(c.error, "available_from") || !strstr(c.error, "03/04/2026"))
    fail_msg("error: %s", c.error);
  struct atsync_candidate patch = {.field_keys = {"available_from"},
                                   .field_values = {"28 Nov 2026"},
                                   .nfields = 1};
  assert_int_equal(atsync_update(f->e, f->org, "dee", &patch, err, sizeof err),
                   0);
  synced(f, "dee");
  cJSON *s = sim_state_json(f->fx->sim);
  char *txt = cJSON_PrintUnformatted(s);
  assert_non_null(strstr(txt, "2026-11-28"));
  free(txt);
  cJSON_Delete(s);
  engfx_free(f);
}

/* ---- the webhook endpoint -------------------------------------------------------------- */

static void hook_body(char *buf, size_t len, const char *action,
                      const struct atsync_candidate_info *c)
{
  snprintf(buf, len,
           "{\"action\":\"%s\",\"payload\":{\"application\":{\"id\":%s,"
           "\"status\":\"rejected\",\"current_stage\":{\"id\":1,\"name\":"
           "\"Onsite\"},\"candidate\":{\"id\":%s},\"jobs\":[{\"id\":4001}]}}}",
           action, c->ats_application_id, c->ats_candidate_id);
}

/* A badly signed delivery (wrong secret, no signature, malformed) is
 * refused 401 and changes nothing; it is logged once for the minute. A
 * good one is a hint: the application is read again, and what Greenhouse
 * says — not what the payload claimed — is applied. The same event id
 * again is acknowledged as a duplicate. */
static void test_endpoint_verifies_and_rereads(void **state)
{
  (void)state;
  struct engfx *f = fx_new(true, -1); /* webhooks only */
  engfx_approve(f, "ida", NULL);
  synced(f, "ida");
  engfx_run(f, 5000);
  struct atsync_candidate_info c = engfx_cand(f, "ida");
  char body[600];
  hook_body(body, sizeof body, "reject_candidate", &c);

  struct tc_resp r = post_hook(f, body, "not-the-secret", "ev-1");
  assert_int_equal(r.status, 401);
  tc_free(&r);
  r = post_hook(f, body, NULL, "ev-2");
  assert_int_equal(r.status, 401);
  tc_free(&r);
  r = post_hook(f, "{\"action\":", ENGFX_WEBHOOK_SECRET, "ev-3");
  assert_int_equal(r.status, 400);
  tc_free(&r);
  engfx_run(f, 5000);
  c = engfx_cand(f, "ida");
  assert_string_equal(c.status, "approved"); /* nothing changed */
  assert_int_equal(log_has(f, "bad signature"), 1); /* once a minute */
  struct atsync_connection st;
  atsync_connection(f->e, f->org, &st);
  assert_int_equal(st.webhooks_rejected, 3);

  /* a good signature on a payload that lies: it says rejected; the ATS
   * says the application is active at its stage: nothing changes */
  r = post_hook(f, body, ENGFX_WEBHOOK_SECRET, "ev-4");
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "accepted"));
  tc_free(&r);
  engfx_run(f, 5000);
  c = engfx_cand(f, "ida");
  assert_string_equal(c.status, "approved");
  assert_true(sim_journal_count(f->fx->sim, "GET /v3/applications?ids=*", 200) >=
              1);
  /* the same event again: acknowledged, not processed */
  r = post_hook(f, body, ENGFX_WEBHOOK_SECRET, "ev-4");
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "duplicate"));
  tc_free(&r);
  /* now the recruiter really rejects: the next hint reads it */
  act(f, "reject_application", "application=%s", c.ats_application_id);
  r = post_hook(f, body, ENGFX_WEBHOOK_SECRET, "ev-5");
  assert_int_equal(r.status, 200);
  tc_free(&r);
  assert_true(wait_status(f, "ida", "rejected", 5000) >= 0);
  atsync_connection(f->e, f->org, &st);
  assert_true(st.last_webhook > 0);
  engfx_free(f);
}

/* The endpoint is down: deliveries fail, nothing is lost, the poll (the
 * backstop) reads the change. */
static void test_endpoint_down_poll_catches_up(void **state)
{
  (void)state;
  struct engfx *f = fx_new(true, 0);
  engfx_approve(f, "joe", NULL);
  synced(f, "joe");
  assert_int_equal(atsync_webhook_set_down(f->e, true), 0);
  struct atsync_candidate_info c = engfx_cand(f, "joe");
  act(f, "reject_application", "application=%s", c.ats_application_id);
  int64_t took = wait_status(f, "joe", "rejected", 6 * 60000);
  assert_true(took > 5000);                /* no webhook got through */
  assert_true(took <= 5 * 60000 + 5000);   /* one poll interval */
  assert_int_equal(atsync_webhook_set_down(f->e, false), 0);
  engfx_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_poll_follows_the_recruiter),
      cmocka_unit_test(test_unmapped_stage_keeps_status),
      cmocka_unit_test(test_poll_cursor_survives_restart),
      cmocka_unit_test(test_poll_under_faults),
      cmocka_unit_test(test_twin_by_name_and_phone),
      cmocka_unit_test(test_twin_index_lags),
      cmocka_unit_test(test_merge_is_followed),
      cmocka_unit_test(test_phone_normalised),
      cmocka_unit_test(test_source_from_job_mapping),
      cmocka_unit_test(test_date_field),
      cmocka_unit_test(test_endpoint_verifies_and_rereads),
      cmocka_unit_test(test_endpoint_down_poll_catches_up),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
