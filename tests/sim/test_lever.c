/* test_lever.c — the fake Lever over HTTP, on a virtual clock: every route
 * (postings, stages, archive reasons, users, opportunities: list, read,
 * create with e-mail dedupe, stage change, archive/hire/un-archive,
 * deleted), UUID ids and epoch-ms times, perform_as, the API key and the
 * OAuth flow (authorize, code, refresh with rotation, offline_access) and
 * each auth failure, {data, hasNext, next} pages with offset tokens, the
 * token-bucket rate limit and its headers, the webhook signature inside
 * the body, validation faults, outages, async creates, the status page,
 * and the response shapes against the openSDKs OpenAPI document. Never
 * sleeps. */
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

#include "simfx.h"
#include "specchk.h"

#define SECRET "lever-signature-token-1"

/* ==== helpers ================================================================ */

static int teardown(void **state)
{
  simfx_free(*state);
  *state = NULL;
  return 0;
}

/* A Lever fixture (seeded unless empty); rate_limit as simfx_opts. */
static struct simfx *open_fx(void **state, bool seeded, int rate_limit)
{
  struct simfx_opts o = {.seeded = seeded, .rate_limit = rate_limit,
                         .ats = "lever"};
  struct simfx *f = simfx_new(&o);
  *state = f;
  return f;
}

static void setting(struct simfx *f, const char *k, const char *v)
{
  char err[256];
  if (sim_setting(f->sim, k, v, err, sizeof err) != 0)
    fail_msg("setting %s: %s", k, err);
}

/* A request; auth: "key" = the fixture's API key, "none", "basic:<key>",
 * else a bearer token. *j gets the JSON body (NULL when empty); hdrs (when
 * not NULL) the raw header block. */
static long req(struct simfx *f, const char *auth, const char *method,
                const char *path, const char *body, cJSON **j, char *hdrs,
                size_t hlen)
{
  char user[128];
  /* a fresh connection: libcurl never re-sends a POST the sim reset */
  struct tc_opts o = {.fresh = true};
  if (strcmp(auth, "key") == 0) {
    snprintf(user, sizeof user, "%s:", f->key);
    o.user = user;
  } else if (strncmp(auth, "basic:", 6) == 0) {
    snprintf(user, sizeof user, "%s:", auth + 6);
    o.user = user;
  } else if (strcmp(auth, "none") != 0) {
    o.bearer = auth;
  }
  struct tc_resp r = tc_do(f->loop, method, fx_url(f, path), body, &o);
  long st = r.status;
  if (j)
    *j = r.len ? fx_json(&r) : NULL;
  if (hdrs)
    snprintf(hdrs, hlen, "%s", r.headers ? r.headers : "");
  tc_free(&r);
  return st;
}

static long get(struct simfx *f, const char *path, cJSON **j)
{
  return req(f, "key", "GET", path, NULL, j, NULL, 0);
}

static const char *hdr(const char *block, const char *name, char *buf,
                       size_t len)
{
  struct tc_resp r = {.headers = (char *)block};
  return tc_header(&r, name, buf, len);
}

static const char *jstr(const cJSON *o, const char *k)
{
  return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const cJSON *jget(const cJSON *o, const char *k)
{
  return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const cJSON *data(const cJSON *j) { return jget(j, "data"); }

/* The error body: {"code", "message"}; checks the code, returns message. */
static const char *err_msg(const cJSON *j, const char *code)
{
  assert_non_null(j);
  if (code)
    assert_string_equal(jstr(j, "code"), code);
  const char *m = jstr(j, "message");
  assert_non_null(m);
  return m;
}


/* Copy the id of the first element of data[] whose 'k' is 'v'. */
static void find_id(struct simfx *f, const char *path, const char *k,
                    const char *v, char *out, size_t len)
{
  cJSON *j;
  assert_int_equal(get(f, path, &j), 200);
  const cJSON *e;
  out[0] = '\0';
  cJSON_ArrayForEach(e, data(j))
  {
    if (jstr(e, k) && strcmp(jstr(e, k), v) == 0) {
      snprintf(out, len, "%s", jstr(e, "id"));
      break;
    }
  }
  cJSON_Delete(j);
  if (out[0] == '\0')
    fail_msg("%s: no element with %s=%s", path, k, v);
}

static void admin_id(struct simfx *f, char *out)
{
  find_id(f, "/v1/users", "email", "avery.admin@acme.example", out, 40);
}

static void posting_id(struct simfx *f, const char *name, char *out)
{
  find_id(f, "/v1/postings?state=published", "text", name, out, 40);
}

static void stage_id(struct simfx *f, const char *name, char *out)
{
  find_id(f, "/v1/stages", "text", name, out, 40);
}

/* POST /opportunities as the admin; returns the status, *j the body. */
static long create(struct simfx *f, const char *auth, const char *body,
                   cJSON **j)
{
  char uid[40], path[128];
  admin_id(f, uid);
  snprintf(path, sizeof path, "/v1/opportunities?perform_as=%s", uid);
  return req(f, auth, "POST", path, body, j, NULL, 0);
}

/* Create an opportunity for 'email' on 'posting'; its id into out. */
static void create_opp(struct simfx *f, const char *name, const char *email,
                       const char *posting, char *out)
{
  char body[512];
  snprintf(body, sizeof body,
           "{\"name\":\"%s\",\"emails\":[\"%s\"],\"postings\":[\"%s\"],"
           "\"sources\":[\"LinkedIn\"],\"origin\":\"sourced\"}",
           name, email, posting);
  cJSON *j;
  assert_int_equal(create(f, "key", body, &j), 201);
  snprintf(out, 40, "%s", jstr(data(j), "id"));
  cJSON_Delete(j);
}

static long put(struct simfx *f, const char *opp, const char *what,
                const char *body, cJSON **j)
{
  char uid[40], path[200];
  admin_id(f, uid);
  snprintf(path, sizeof path, "/v1/opportunities/%s/%s?perform_as=%s", opp,
           what, uid);
  return req(f, "key", "PUT", path, body, j, NULL, 0);
}

/* ==== routes ================================================================== */

static void test_postings(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  cJSON *j;
  char h[4096], buf[64];
  assert_int_equal(req(f, "key", "GET", "/v1/postings", NULL, &j, h,
                       sizeof h), 200);
  assert_string_equal(hdr(h, "x-lever-region", buf, sizeof buf), "global");
  /* published and not: the default lists every state but confidential */
  assert_int_equal(cJSON_GetArraySize(data(j)), 5);
  assert_true(cJSON_IsFalse(jget(j, "hasNext")));
  assert_null(jget(j, "next"));
  const cJSON *p = cJSON_GetArrayItem(data(j), 0);
  assert_true(specchk_is_uuid(jstr(p, "id")));
  assert_string_equal(jstr(p, "text"), "Backend Engineer");
  assert_string_equal(jstr(p, "state"), "published");
  assert_true(cJSON_IsNumber(jget(p, "createdAt")));
  assert_true(jget(p, "createdAt")->valuedouble > 1e12); /* epoch ms */
  assert_string_equal(jstr(jget(p, "categories"), "department"),
                      "Engineering");
  char id[40];
  snprintf(id, sizeof id, "%s", jstr(p, "id"));
  cJSON_Delete(j);

  assert_int_equal(get(f, "/v1/postings?state=closed", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1);
  assert_string_equal(jstr(cJSON_GetArrayItem(data(j), 0), "text"),
                      "Account Executive");
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/postings?state=nope", &j), 400);
  err_msg(j, "BadRequestError");
  cJSON_Delete(j);

  char path[128];
  snprintf(path, sizeof path, "/v1/postings/%s", id);
  assert_int_equal(get(f, path, &j), 200);
  assert_string_equal(jstr(data(j), "id"), id);
  cJSON_Delete(j);
  /* an opportunity-shaped id of another kind is not a posting */
  assert_int_equal(get(f, "/v1/postings/00000000-0000-4000-8000-0000003e9001",
                       &j), 404);
  err_msg(j, "ResourceNotFoundError");
  cJSON_Delete(j);

  /* close_job / delete_job show */
  cJSON_Delete(fx_action(f, "close_job", "job=4100001"));
  assert_int_equal(get(f, path, &j), 200);
  assert_string_equal(jstr(data(j), "state"), "closed");
  cJSON_Delete(j);
  cJSON_Delete(fx_action(f, "delete_job", "job=4100001"));
  assert_int_equal(get(f, path, &j), 404);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/postings", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 4);
  cJSON_Delete(j);

  /* updated_at_start in ms */
  int64_t now = at_loop_now(f->loop);
  snprintf(path, sizeof path, "/v1/postings?updated_at_start=%lld",
           (long long)now + 1);
  assert_int_equal(get(f, path, &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 0);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/postings?updated_at_start=yesterday", &j), 400);
  cJSON_Delete(j);
}

static void test_stages_and_reasons(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  cJSON *j;
  assert_int_equal(get(f, "/v1/stages", &j), 200);
  /* one org-wide pipeline: the seed's seven stage names, once each */
  assert_int_equal(cJSON_GetArraySize(data(j)), 7);
  const cJSON *first = cJSON_GetArrayItem(data(j), 0);
  assert_string_equal(jstr(first, "text"), "Application Review");
  assert_true(specchk_is_uuid(jstr(first, "id")));
  const cJSON *offer = cJSON_GetArrayItem(data(j), 6);
  assert_string_equal(jstr(offer, "text"), "Offer");
  assert_string_equal(jstr(offer, "id"), "offer"); /* a built-in slug */
  char review[40];
  snprintf(review, sizeof review, "%s", jstr(first, "id"));
  cJSON_Delete(j);
  char path[128];
  snprintf(path, sizeof path, "/v1/stages/%s", review);
  assert_int_equal(get(f, path, &j), 200);
  assert_string_equal(jstr(data(j), "text"), "Application Review");
  cJSON_Delete(j);

  /* a rename keeps the id */
  cJSON *st = fx_action(f, "add_job", "name=Solo stages=Screen|Onsite");
  cJSON *ids = cJSON_GetObjectItemCaseSensitive(st, "stage_ids");
  char sid[24];
  snprintf(sid, sizeof sid, "%lld",
           (long long)strtoll(cJSON_GetArrayItem(ids, 0)->valuestring, NULL,
                              10));
  cJSON_Delete(st);
  char screen[40], kv[64];
  stage_id(f, "Screen", screen);
  snprintf(kv, sizeof kv, "stage=%s name=Phone~screen", sid);
  cJSON_Delete(fx_action(f, "rename_stage", kv));
  char renamed[40];
  stage_id(f, "Phone screen", renamed);
  assert_string_equal(renamed, screen);
  /* a removed stage leaves the pipeline (no other job has it) */
  snprintf(kv, sizeof kv, "stage=%s", sid);
  cJSON_Delete(fx_action(f, "remove_stage", kv));
  assert_int_equal(get(f, "/v1/stages", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 8); /* + Onsite */
  cJSON_Delete(j);

  assert_int_equal(get(f, "/v1/archive_reasons", &j), 200);
  int hired = 0, other = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, data(j))
  {
    assert_true(specchk_is_uuid(jstr(e, "id")));
    assert_string_equal(jstr(e, "status"), "active");
    if (strcmp(jstr(e, "type"), "hired") == 0)
      hired++;
    else if (strcmp(jstr(e, "type"), "non-hired") == 0)
      other++;
  }
  assert_int_equal(hired, 1);
  assert_int_equal(other, 4);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/archive_reasons?type=hired", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1);
  assert_string_equal(jstr(cJSON_GetArrayItem(data(j), 0), "text"), "Hired");
  cJSON_Delete(j);
}

static void test_users(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  cJSON *j;
  assert_int_equal(get(f, "/v1/users", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 3); /* one is deactivated */
  const cJSON *u = cJSON_GetArrayItem(data(j), 0);
  assert_true(specchk_is_uuid(jstr(u, "id")));
  assert_string_equal(jstr(u, "accessRole"), "super admin");
  assert_true(cJSON_IsNull(jget(u, "deactivatedAt")));
  char path[128];
  snprintf(path, sizeof path, "/v1/users/%s", jstr(u, "id"));
  cJSON_Delete(j);
  assert_int_equal(get(f, path, &j), 200);
  assert_string_equal(jstr(data(j), "email"), "avery.admin@acme.example");
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/users?includeDeactivated=true", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 4);
  assert_true(cJSON_IsNumber(jget(cJSON_GetArrayItem(data(j), 3),
                                  "deactivatedAt")));
  cJSON_Delete(j);
}

static void test_create_dedupe_and_read(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  char backend[40], designer[40], uid[40];
  posting_id(f, "Backend Engineer", backend);
  posting_id(f, "Product Designer", designer);
  admin_id(f, uid);
  char body[512];
  snprintf(body, sizeof body,
           "{\"name\":\"Ada Lovelace\",\"headline\":\"Analyst\","
           "\"emails\":[\"ada@example.com\"],\"phones\":[{\"value\":"
           "\"+14155550100\",\"type\":\"mobile\"}],\"postings\":[\"%s\"],"
           "\"sources\":[\"LinkedIn\"],\"tags\":[\"atsync\"],"
           "\"origin\":\"sourced\"}",
           backend);
  cJSON *j;
  assert_int_equal(create(f, "key", body, &j), 201);
  assert_true(cJSON_IsFalse(jget(j, "deduped")));
  const cJSON *o = data(j);
  char opp[40], contact[40];
  snprintf(opp, sizeof opp, "%s", jstr(o, "id"));
  snprintf(contact, sizeof contact, "%s", jstr(o, "contact"));
  assert_true(specchk_is_uuid(opp));
  assert_true(specchk_is_uuid(contact));
  assert_string_equal(jstr(o, "name"), "Ada Lovelace");
  assert_string_equal(jstr(o, "headline"), "Analyst");
  assert_string_equal(cJSON_GetArrayItem(jget(o, "emails"), 0)->valuestring,
                      "ada@example.com");
  assert_string_equal(jstr(cJSON_GetArrayItem(jget(o, "phones"), 0), "type"),
                      "mobile");
  assert_string_equal(cJSON_GetArrayItem(jget(o, "sources"), 0)->valuestring,
                      "LinkedIn");
  assert_true(cJSON_IsNull(jget(o, "archived")));
  assert_string_equal(jstr(o, "owner"), uid);
  char review[40];
  stage_id(f, "Application Review", review);
  assert_string_equal(jstr(o, "stage"), review);
  assert_true(jget(o, "createdAt")->valuedouble > 1e12);
  cJSON_Delete(j);

  /* find by e-mail (case-insensitive) */
  assert_int_equal(get(f, "/v1/opportunities?email=ADA@example.com", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1);
  assert_string_equal(jstr(cJSON_GetArrayItem(data(j), 0), "id"), opp);
  cJSON_Delete(j);

  /* the same e-mail again: a new opportunity on the same contact */
  snprintf(body, sizeof body,
           "{\"name\":\"Ada L.\",\"emails\":[\"Ada@Example.com\"],"
           "\"postings\":[\"%s\"]}",
           designer);
  assert_int_equal(create(f, "key", body, &j), 201);
  assert_true(cJSON_IsTrue(jget(j, "deduped")));
  assert_string_equal(jstr(data(j), "contact"), contact);
  assert_string_not_equal(jstr(data(j), "id"), opp);
  cJSON_Delete(j);
  char path[200];
  snprintf(path, sizeof path, "/v1/opportunities?contact_id=%s", contact);
  assert_int_equal(get(f, path, &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 2);
  cJSON_Delete(j);
  snprintf(path, sizeof path, "/v1/opportunities?posting_id=%s&email="
           "ada%%40example.com", designer);
  assert_int_equal(get(f, path, &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1);
  cJSON_Delete(j);

  snprintf(path, sizeof path, "/v1/opportunities/%s", opp);
  assert_int_equal(get(f, path, &j), 200);
  assert_string_equal(jstr(data(j), "id"), opp);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/opportunities/not-an-id", &j), 404);
  err_msg(j, "ResourceNotFoundError");
  cJSON_Delete(j);
  /* a posting id is not an opportunity id */
  snprintf(path, sizeof path, "/v1/opportunities/%s", backend);
  assert_int_equal(get(f, path, &j), 404);
  cJSON_Delete(j);

  /* the seed's six plus two; updated_at_start */
  assert_int_equal(get(f, "/v1/opportunities", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 8);
  cJSON_Delete(j);
  fx_advance(f, 1000);
  int64_t t = at_loop_now(f->loop);
  cJSON_Delete(fx_action(f, "update_candidate",
                         "candidate=30000001 company=Acme"));
  snprintf(path, sizeof path, "/v1/opportunities?updated_at_start=%lld",
           (long long)t);
  assert_int_equal(get(f, path, &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1); /* Grace's */
  assert_string_equal(jstr(cJSON_GetArrayItem(data(j), 0), "name"),
                      "Grace Hopper");
  cJSON_Delete(j);

  /* the deleted list answers (no opportunity is deleted here) */
  assert_int_equal(get(f, "/v1/opportunities/deleted", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 0);
  cJSON_Delete(j);

  /* create errors: emails as objects, no posting, closed posting, bad
   * stage */
  snprintf(body, sizeof body, "{\"emails\":[{\"value\":\"x@y.z\"}],"
           "\"postings\":[\"%s\"]}", backend);
  assert_int_equal(create(f, "key", body, &j), 400);
  assert_non_null(strstr(err_msg(j, "BadRequestError"), "emails"));
  cJSON_Delete(j);
  assert_int_equal(create(f, "key", "{\"name\":\"No Posting\"}", &j), 400);
  cJSON_Delete(j);
  cJSON_Delete(fx_action(f, "close_job", "job=4100002"));
  snprintf(body, sizeof body, "{\"name\":\"Late\",\"postings\":[\"%s\"]}",
           designer);
  assert_int_equal(create(f, "key", body, &j), 400);
  assert_non_null(strstr(err_msg(j, NULL), "closed"));
  cJSON_Delete(j);
  snprintf(body, sizeof body, "{\"name\":\"X\",\"stage\":\"nope\","
           "\"postings\":[\"%s\"]}", backend);
  assert_int_equal(create(f, "key", body, &j), 400);
  cJSON_Delete(j);
  assert_int_equal(create(f, "key", "{not json", &j), 400);
  cJSON_Delete(j);
}

static void test_stage_archive_hire(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  char backend[40], opp[40], screen[40], path[160];
  posting_id(f, "Backend Engineer", backend);
  create_opp(f, "Bo Bo", "bo@example.com", backend, opp);
  stage_id(f, "Recruiter Phone Screen", screen);
  char body[160];
  snprintf(body, sizeof body, "{\"stage\":\"%s\"}", screen);
  cJSON *j;
  assert_int_equal(put(f, opp, "stage", body, &j), 200);
  assert_string_equal(jstr(data(j), "stage"), screen);
  cJSON_Delete(j);
  snprintf(path, sizeof path, "/v1/opportunities?stage_id=%s&email="
           "bo%%40example.com", screen);
  assert_int_equal(get(f, path, &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1);
  cJSON_Delete(j);
  assert_int_equal(put(f, opp, "stage", "{\"stage\":\"lead-nope\"}", &j), 400);
  cJSON_Delete(j);
  assert_int_equal(put(f, opp, "stage", "{}", &j), 400);
  cJSON_Delete(j);
  /* "offer" is a slug */
  assert_int_equal(put(f, opp, "stage", "{\"stage\":\"offer\"}", &j), 200);
  assert_string_equal(jstr(data(j), "stage"), "offer");
  cJSON_Delete(j);

  /* reject with a non-hired reason, then un-archive */
  char nonhired[40], hired[40];
  find_id(f, "/v1/archive_reasons", "text", "Took another job", nonhired,
          sizeof nonhired);
  find_id(f, "/v1/archive_reasons", "text", "Hired", hired, sizeof hired);
  snprintf(body, sizeof body, "{\"reason\":\"%s\",\"cleanInterviews\":false}",
           nonhired);
  assert_int_equal(put(f, opp, "archived", body, &j), 200);
  const cJSON *ar = jget(data(j), "archived");
  assert_string_equal(jstr(ar, "reason"), nonhired);
  assert_true(cJSON_IsNumber(jget(ar, "archivedAt")));
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/opportunities?archived=true", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1);
  cJSON_Delete(j);
  /* an archived opportunity cannot change stage */
  assert_int_equal(put(f, opp, "stage", "{\"stage\":\"offer\"}", &j), 400);
  cJSON_Delete(j);
  assert_int_equal(put(f, opp, "archived", "{\"reason\":null}", &j), 200);
  assert_true(cJSON_IsNull(jget(data(j), "archived")));
  cJSON_Delete(j);
  assert_int_equal(put(f, opp, "archived", "{}", &j), 400);
  cJSON_Delete(j);
  assert_int_equal(put(f, opp, "archived", "{\"reason\":\"bogus\"}", &j), 400);
  cJSON_Delete(j);

  /* hire = archive with the hired-type reason */
  snprintf(body, sizeof body, "{\"reason\":\"%s\"}", hired);
  assert_int_equal(put(f, opp, "archived", body, &j), 200);
  assert_string_equal(jstr(jget(data(j), "archived"), "reason"), hired);
  assert_string_equal(jstr(data(j), "stage"), "offer");
  cJSON_Delete(j);
  assert_int_equal(put(f, opp, "archived", "{\"reason\":null}", &j), 400);
  cJSON_Delete(j);

  /* admin actions show: a rejection by the admin, a move, a merge */
  cJSON_Delete(fx_action(f, "reject_application",
                         "application=60000001 reason=101"));
  assert_int_equal(get(f, "/v1/opportunities?archived=true", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 2);
  cJSON_Delete(j);
  cJSON_Delete(fx_action(f, "merge_candidates",
                         "primary=30000002 duplicate=30000001"));
  assert_int_equal(get(f, "/v1/opportunities", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 7); /* nothing is lost */
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/opportunities?email=grace.hopper%40example.com",
                       &j), 200);
  /* Grace's opportunity now belongs to Alan's contact, with both e-mails */
  assert_int_equal(cJSON_GetArraySize(data(j)), 2);
  const cJSON *a = cJSON_GetArrayItem(data(j), 0);
  const cJSON *b = cJSON_GetArrayItem(data(j), 1);
  assert_string_equal(jstr(a, "contact"), jstr(b, "contact"));
  cJSON_Delete(j);
}

static void test_perform_as(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  char backend[40], body[256], path[200];
  posting_id(f, "Backend Engineer", backend);
  snprintf(body, sizeof body, "{\"name\":\"P A\",\"postings\":[\"%s\"]}",
           backend);
  cJSON *j;
  assert_int_equal(req(f, "key", "POST", "/v1/opportunities", body, &j, NULL,
                       0), 400);
  assert_non_null(strstr(err_msg(j, "BadRequestError"), "perform_as"));
  cJSON_Delete(j);
  assert_int_equal(req(f, "key", "POST", "/v1/opportunities?perform_as="
                       "00000000-0000-4000-8000-000000000001", body, &j, NULL,
                       0), 400);
  cJSON_Delete(j);
  char gone[40];
  find_id(f, "/v1/users?includeDeactivated=true", "email",
          "morgan.former@acme.example", gone, sizeof gone);
  snprintf(path, sizeof path, "/v1/opportunities?perform_as=%s", gone);
  assert_int_equal(req(f, "key", "POST", path, body, &j, NULL, 0), 403);
  assert_non_null(strstr(err_msg(j, "ForbiddenError"), "deactivated"));
  cJSON_Delete(j);
  /* deactivate_user takes effect */
  char riley[40];
  find_id(f, "/v1/users", "email", "riley.recruiter@acme.example", riley,
          sizeof riley);
  snprintf(path, sizeof path, "/v1/opportunities?perform_as=%s", riley);
  assert_int_equal(req(f, "key", "POST", path, body, &j, NULL, 0), 201);
  cJSON_Delete(j);
  cJSON_Delete(fx_action(f, "deactivate_user", "user=4000002"));
  assert_int_equal(req(f, "key", "POST", path, body, &j, NULL, 0), 403);
  cJSON_Delete(j);
  /* the posting-owner alternative */
  assert_int_equal(req(f, "key", "POST", "/v1/opportunities?"
                       "perform_as_posting_owner=true", body, &j, NULL, 0),
                   201);
  cJSON_Delete(j);
  setting(f, "perform_as_deactivated_status", "400");
  assert_int_equal(req(f, "key", "POST", path, body, &j, NULL, 0), 400);
  cJSON_Delete(j);
}

/* ==== auth ===================================================================== */

static void test_api_key_failures(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  cJSON *j;
  char h[4096], buf[128];
  assert_int_equal(req(f, "none", "GET", "/v1/postings", NULL, &j, h,
                       sizeof h), 401);
  err_msg(j, "UnauthorizedError");
  assert_non_null(hdr(h, "WWW-Authenticate", buf, sizeof buf));
  cJSON_Delete(j);
  assert_int_equal(req(f, "basic:wrong-key", "GET", "/v1/postings", NULL, &j,
                       NULL, 0), 401);
  cJSON_Delete(j);
  assert_int_equal(req(f, "not-a-token", "GET", "/v1/postings", NULL, &j,
                       NULL, 0), 401);
  cJSON_Delete(j);
  /* a key without a permission */
  cJSON_Delete(fx_action(f, "remove_permission",
                         "credential=key-1 permission=stages:read:admin"));
  assert_int_equal(get(f, "/v1/stages", &j), 403);
  assert_non_null(strstr(err_msg(j, "ForbiddenError"), "stages:read:admin"));
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/postings", &j), 200);
  cJSON_Delete(j);
  /* revoked */
  cJSON_Delete(fx_action(f, "revoke_api_key", "credential=key-1"));
  assert_int_equal(get(f, "/v1/postings", &j), 401);
  cJSON_Delete(j);
  /* an unknown route after authentication */
  char err[256];
  cJSON *k = NULL;
  assert_int_equal(sim_credential_add(f->sim, "api_key", NULL, 0, &k, err,
                                      sizeof err), 0);
  char auth[96];
  snprintf(auth, sizeof auth, "basic:%s", jstr(k, "key"));
  cJSON_Delete(k);
  assert_int_equal(req(f, auth, "GET", "/v1/nothing", NULL, &j, NULL, 0), 404);
  cJSON_Delete(j);
}

/* The authorization-code flow: /authorize -> code -> /oauth/token. */
static long token_call(struct simfx *f, const char *form, cJSON **j)
{
  char user[160];
  snprintf(user, sizeof user, "%s:%s", f->client_id, f->client_secret);
  struct tc_opts o = {.user = user,
                      .ctype = "application/x-www-form-urlencoded"};
  struct tc_resp r = tc_do(f->loop, "POST", fx_url(f, "/oauth/token"), form,
                           &o);
  long st = r.status;
  *j = r.len ? fx_json(&r) : NULL;
  tc_free(&r);
  return st;
}

static void authorize(struct simfx *f, const char *scope, char *code,
                      size_t len)
{
  char path[1024], h[4096], loc[1024];
  snprintf(path, sizeof path, "/authorize?client_id=%s&redirect_uri="
           "https%%3A%%2F%%2Fapp.example%%2Fcb&response_type=code&state=s1"
           "&audience=https%%3A%%2F%%2Fapi.lever.co%%2Fv1%%2F&scope=%s",
           f->client_id, scope);
  assert_int_equal(req(f, "none", "GET", path, NULL, NULL, h, sizeof h), 302);
  assert_non_null(hdr(h, "Location", loc, sizeof loc));
  const char *c = strstr(loc, "code=");
  if (c == NULL)
    fail_msg("no code in %s", loc);
  snprintf(code, len, "%.*s", (int)strcspn(c + 5, "&"), c + 5);
}

static void tokens(struct simfx *f, const char *scope, char *access,
                   char *refresh)
{
  char code[128], form[512];
  authorize(f, scope, code, sizeof code);
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s&"
           "redirect_uri=https%%3A%%2F%%2Fapp.example%%2Fcb&audience="
           "https%%3A%%2F%%2Fapi.lever.co%%2Fv1%%2F", code);
  cJSON *j;
  assert_int_equal(token_call(f, form, &j), 200);
  assert_string_equal(jstr(j, "token_type"), "Bearer");
  assert_int_equal((long)jget(j, "expires_in")->valuedouble, 3600);
  snprintf(access, 2048, "%s", jstr(j, "access_token"));
  if (refresh)
    snprintf(refresh, 128, "%s", jstr(j, "refresh_token") ? jstr(j,
             "refresh_token") : "");
  cJSON_Delete(j);
}

static void test_oauth(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  static char access[2048], access2[2048];
  char refresh[128], refresh2[128];
  tokens(f, "opportunities%3Aread%3Aadmin+postings%3Aread%3Aadmin+"
         "offline_access", access, refresh);
  assert_true(refresh[0] != '\0');
  cJSON *j;
  assert_int_equal(req(f, access, "GET", "/v1/postings", NULL, &j, NULL, 0),
                   200);
  cJSON_Delete(j);
  /* a scope the token lacks */
  assert_int_equal(req(f, access, "GET", "/v1/stages", NULL, &j, NULL, 0),
                   403);
  assert_non_null(strstr(err_msg(j, "ForbiddenError"), "stages:read:admin"));
  cJSON_Delete(j);
  /* a write scope the token lacks */
  assert_int_equal(req(f, access, "PUT", "/v1/opportunities/x/stage", "{}",
                       &j, NULL, 0), 403);
  cJSON_Delete(j);

  /* expiry after an hour, then a refresh with rotation */
  fx_advance(f, 3600 * 1000);
  assert_int_equal(req(f, access, "GET", "/v1/postings", NULL, &j, NULL, 0),
                   401);
  assert_non_null(strstr(err_msg(j, "UnauthorizedError"), "expired"));
  cJSON_Delete(j);
  char form[256];
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s",
           refresh);
  assert_int_equal(token_call(f, form, &j), 200);
  snprintf(access2, sizeof access2, "%s", jstr(j, "access_token"));
  snprintf(refresh2, sizeof refresh2, "%s", jstr(j, "refresh_token"));
  assert_string_not_equal(refresh2, refresh);
  cJSON_Delete(j);
  assert_int_equal(token_call(f, form, &j), 403); /* the old one is spent */
  assert_string_equal(jstr(j, "error"), "invalid_grant");
  cJSON_Delete(j);
  assert_int_equal(req(f, access2, "GET", "/v1/postings", NULL, &j, NULL, 0),
                   200);
  cJSON_Delete(j);

  /* remove_scope: enforced at request time on a live token */
  cJSON_Delete(fx_action(f, "remove_scope",
                         "credential=client-1 scope=postings:read:admin"));
  assert_int_equal(req(f, access2, "GET", "/v1/postings", NULL, &j, NULL, 0),
                   403);
  cJSON_Delete(j);
  cJSON_Delete(fx_action(f, "grant_scope",
                         "credential=client-1 scope=postings:read:admin"));

  /* expire_tokens */
  cJSON_Delete(fx_action(f, "expire_tokens", "credential=client-1"));
  assert_int_equal(req(f, access2, "GET", "/v1/opportunities", NULL, &j, NULL,
                       0), 401);
  cJSON_Delete(j);

  /* revoke_refresh_token: the refresh fails, the tokens die */
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s",
           refresh2);
  assert_int_equal(token_call(f, form, &j), 200);
  snprintf(access2, sizeof access2, "%s", jstr(j, "access_token"));
  snprintf(refresh2, sizeof refresh2, "%s", jstr(j, "refresh_token"));
  cJSON_Delete(j);
  cJSON_Delete(fx_action(f, "revoke_refresh_token", "credential=client-1"));
  assert_int_equal(req(f, access2, "GET", "/v1/opportunities", NULL, &j, NULL,
                       0), 401);
  assert_non_null(strstr(err_msg(j, NULL), "revoked"));
  cJSON_Delete(j);
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s",
           refresh2);
  assert_int_equal(token_call(f, form, &j), 403);
  cJSON_Delete(j);

  /* without offline_access: no refresh token */
  tokens(f, "opportunities%3Aread%3Aadmin", access, refresh);
  assert_string_equal(refresh, "");
  /* a wrong client secret; client credentials are not offered */
  struct tc_opts o = {.user = "nobody:nothing",
                      .ctype = "application/x-www-form-urlencoded"};
  struct tc_resp r = tc_do(f->loop, "POST", fx_url(f, "/oauth/token"),
                           "grant_type=refresh_token&refresh_token=x", &o);
  assert_int_equal(r.status, 401);
  tc_free(&r);
  assert_int_equal(token_call(f, "grant_type=client_credentials", &j), 403);
  assert_string_equal(jstr(j, "error"), "unauthorized_client");
  cJSON_Delete(j);
  assert_int_equal(token_call(f, "grant_type=authorization_code&code=nope",
                              &j), 403);
  cJSON_Delete(j);
  /* the audience must be Lever's API */
  char path[512], h[2048], loc[1024];
  snprintf(path, sizeof path, "/authorize?client_id=%s&redirect_uri="
           "https%%3A%%2F%%2Fapp.example%%2Fcb&response_type=code",
           f->client_id);
  assert_int_equal(req(f, "none", "GET", path, NULL, NULL, h, sizeof h), 302);
  hdr(h, "Location", loc, sizeof loc);
  assert_non_null(strstr(loc, "error=access_denied"));

  /* revoking the client kills every token */
  assert_int_equal(req(f, access, "GET", "/v1/opportunities", NULL, &j, NULL,
                       0), 200);
  cJSON_Delete(j);
  char err[128];
  assert_int_equal(sim_credential_revoke(f->sim, "client-1", err, sizeof err),
                   0);
  assert_int_equal(req(f, access, "GET", "/v1/opportunities", NULL, &j, NULL,
                       0), 401);
  cJSON_Delete(j);
}

/* ==== pagination ================================================================= */

static void test_pagination(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  /* the seed's six opportunities, two per page */
  char next[128] = "", path[256];
  int pages = 0, seen = 0;
  char ids[8][40];
  for (;;) {
    if (next[0])
      snprintf(path, sizeof path, "/v1/opportunities?limit=2&offset=%s",
               next);
    else
      snprintf(path, sizeof path, "/v1/opportunities?limit=2");
    cJSON *j;
    assert_int_equal(get(f, path, &j), 200);
    pages++;
    const cJSON *e;
    cJSON_ArrayForEach(e, data(j))
    {
      assert_true(seen < 8);
      snprintf(ids[seen++], 40, "%s", jstr(e, "id"));
    }
    bool more = cJSON_IsTrue(jget(j, "hasNext"));
    if (more)
      snprintf(next, sizeof next, "%s", jstr(j, "next"));
    else
      assert_null(jget(j, "next"));
    cJSON_Delete(j);
    if (!more)
      break;
    assert_true(pages < 10);
  }
  assert_int_equal(pages, 3);
  assert_int_equal(seen, 6);
  for (int a = 0; a < seen; a++)
    for (int b = a + 1; b < seen; b++)
      assert_string_not_equal(ids[a], ids[b]);

  cJSON *j;
  assert_int_equal(get(f, "/v1/opportunities?offset=1.0000000000000000", &j),
                   400);
  assert_non_null(strstr(err_msg(j, "BadRequestError"), "offset"));
  cJSON_Delete(j);
  /* a token of another route is not valid here */
  assert_int_equal(get(f, "/v1/postings?limit=2", &j), 200);
  snprintf(path, sizeof path, "/v1/opportunities?offset=%s", jstr(j, "next"));
  cJSON_Delete(j);
  assert_int_equal(get(f, path, &j), 400);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/opportunities?limit=0", &j), 400);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/opportunities?limit=101", &j), 400);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/opportunities?limit=100", &j), 200);
  cJSON_Delete(j);
}

/* ==== rate limits ================================================================== */

static void test_rate_limit(void **state)
{
  struct simfx *f = open_fx(state, true, -1); /* Lever's own limits */
  setting(f, "rate_headers", "x-ratelimit");
  cJSON *j;
  char h[4096], buf[64];
  /* a burst of 20 in the same instant passes, the 21st does not */
  for (int i = 0; i < 20; i++) {
    assert_int_equal(req(f, "key", "GET", "/v1/stages", NULL, &j, h,
                         sizeof h), 200);
    cJSON_Delete(j);
  }
  assert_string_equal(hdr(h, "X-RateLimit-Limit", buf, sizeof buf), "20");
  assert_string_equal(hdr(h, "X-RateLimit-Remaining", buf, sizeof buf), "0");
  assert_int_equal(req(f, "key", "GET", "/v1/stages", NULL, &j, h, sizeof h),
                   429);
  err_msg(j, "TooManyRequestsError");
  cJSON_Delete(j);
  assert_string_equal(hdr(h, "Retry-After", buf, sizeof buf), "1");
  assert_string_equal(hdr(h, "X-RateLimit-Remaining", buf, sizeof buf), "0");
  assert_non_null(hdr(h, "X-RateLimit-Reset", buf, sizeof buf));
  /* steady 10/s: 100 ms brings one token */
  fx_advance(f, 100);
  assert_int_equal(req(f, "key", "GET", "/v1/stages", NULL, &j, NULL, 0), 200);
  cJSON_Delete(j);
  assert_int_equal(req(f, "key", "GET", "/v1/stages", NULL, &j, NULL, 0), 429);
  cJSON_Delete(j);
  /* two seconds fill the bucket again */
  fx_advance(f, 2000);
  for (int i = 0; i < 20; i++) {
    assert_int_equal(req(f, "key", "GET", "/v1/stages", NULL, &j, NULL, 0),
                     200);
    cJSON_Delete(j);
  }
  /* the default: no rate headers at all (none documented) */
  setting(f, "rate_headers", "none");
  assert_int_equal(req(f, "key", "GET", "/v1/stages", NULL, &j, h, sizeof h),
                   429);
  cJSON_Delete(j);
  assert_null(hdr(h, "Retry-After", buf, sizeof buf));
  assert_null(hdr(h, "X-RateLimit-Limit", buf, sizeof buf));

  /* creates: 2/s on top */
  fx_advance(f, 2000);
  char backend[40], opp[40];
  posting_id(f, "Backend Engineer", backend);
  create_opp(f, "R One", "r1@example.com", backend, opp);
  create_opp(f, "R Two", "r2@example.com", backend, opp);
  char body[256];
  snprintf(body, sizeof body, "{\"name\":\"R Three\",\"postings\":[\"%s\"]}",
           backend);
  assert_int_equal(create(f, "key", body, &j), 429);
  cJSON_Delete(j);
  fx_advance(f, 500);
  assert_int_equal(create(f, "key", body, &j), 201);
  cJSON_Delete(j);

  /* the rate_limit fault answers Lever's 429 */
  fx_advance(f, 5000);
  fx_fault(f, "rate_limit", "limit=1 window=10s");
  assert_int_equal(get(f, "/v1/stages", &j), 200);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/stages", &j), 429);
  err_msg(j, "TooManyRequestsError");
  cJSON_Delete(j);
}

/* ==== webhooks ======================================================================= */

struct hook_rx {
  struct at_httpd *h;
  char url[96];
  char *bodies[16];
  size_t n;
};

static void on_hook(void *ud, struct at_req *r)
{
  struct hook_rx *rx = ud;
  size_t len;
  const char *b = at_req_body(r, &len);
  if (rx->n < 16)
    rx->bodies[rx->n++] = strdup(b);
  struct at_resp *resp = at_resp_new(200);
  at_resp_body(resp, "text/plain", "ok", 2);
  at_req_respond(r, resp, 0);
}

static void rx_free(struct hook_rx *rx)
{
  at_httpd_free(rx->h);
  for (size_t i = 0; i < rx->n; i++)
    free(rx->bodies[i]);
}

/* hex(HMAC-SHA256(key, token + triggeredAt)) */
static void lever_sig(const char *key, const char *token, long long at,
                      char *out)
{
  char msg[128];
  snprintf(msg, sizeof msg, "%s%lld", token, at);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int ml = 0;
  HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)msg,
       strlen(msg), mac, &ml);
  for (unsigned i = 0; i < ml; i++)
    sprintf(out + 2 * i, "%02x", mac[i]);
}

static bool sig_ok(const cJSON *b, const char *key)
{
  char want[80];
  lever_sig(key, jstr(b, "token"),
            (long long)jget(b, "triggeredAt")->valuedouble, want);
  return strcmp(want, jstr(b, "signature")) == 0;
}

static void test_webhooks(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  struct hook_rx rx = {0};
  struct at_httpd_config c = {.name = "rx", .handler = on_hook, .ud = &rx};
  char err[256];
  rx.h = at_httpd_new(f->loop, &c, err, sizeof err);
  assert_non_null(rx.h);
  snprintf(rx.url, sizeof rx.url, "http://127.0.0.1:%u/lever",
           at_httpd_port(rx.h));
  int id;
  assert_int_equal(sim_webhook_add(f->sim, rx.url, SECRET,
                                   "candidateStageChange,applicationCreated,"
                                   "candidateArchiveChange",
                                   &id, err, sizeof err), 0);
  fx_advance(f, 1000);
  /* the connection test: signed, no opportunityId */
  assert_int_equal(rx.n, 1);
  cJSON *b = cJSON_Parse(rx.bodies[0]);
  assert_non_null(b);
  assert_string_equal(jstr(b, "event"), "candidateStageChange");
  assert_null(jget(jget(b, "data"), "opportunityId"));
  assert_true(sig_ok(b, SECRET));
  cJSON_Delete(b);

  char backend[40], opp[40];
  posting_id(f, "Backend Engineer", backend);
  create_opp(f, "Wh Ook", "wh@example.com", backend, opp);
  fx_advance(f, 2000);
  assert_int_equal(rx.n, 2);
  /* token, triggeredAt and signature come first, then event and data */
  assert_int_equal(strncmp(rx.bodies[1], "{\"token\":\"", 10), 0);
  b = cJSON_Parse(rx.bodies[1]);
  assert_string_equal(jstr(b, "event"), "applicationCreated");
  assert_string_equal(jstr(jget(b, "data"), "opportunityId"), opp);
  assert_string_equal(jstr(jget(b, "data"), "postingId"), backend);
  assert_true(jget(b, "triggeredAt")->valuedouble > 1e12);
  assert_null(strstr(rx.bodies[1], "Signature:"));
  assert_true(sig_ok(b, SECRET));
  assert_false(sig_ok(b, "another-key")); /* a wrong key fails */
  cJSON_Delete(b);

  char screen[40], body[128];
  stage_id(f, "Recruiter Phone Screen", screen);
  snprintf(body, sizeof body, "{\"stage\":\"%s\"}", screen);
  cJSON *j;
  assert_int_equal(put(f, opp, "stage", body, &j), 200);
  cJSON_Delete(j);
  fx_advance(f, 2000);
  assert_int_equal(rx.n, 3);
  b = cJSON_Parse(rx.bodies[2]);
  assert_string_equal(jstr(b, "event"), "candidateStageChange");
  assert_string_equal(jstr(jget(b, "data"), "toStageId"), screen);
  assert_non_null(jstr(jget(b, "data"), "fromStageId"));
  assert_true(sig_ok(b, SECRET));
  cJSON_Delete(b);

  /* a hire reaches a hook without candidateHired as an archive change */
  char hired[40];
  find_id(f, "/v1/archive_reasons?type=hired", "text", "Hired", hired,
          sizeof hired);
  snprintf(body, sizeof body, "{\"reason\":\"%s\"}", hired);
  assert_int_equal(put(f, opp, "archived", body, &j), 200);
  cJSON_Delete(j);
  fx_advance(f, 2000);
  assert_int_equal(rx.n, 4);
  b = cJSON_Parse(rx.bodies[3]);
  assert_string_equal(jstr(b, "event"), "candidateArchiveChange");
  assert_string_equal(jstr(jget(jget(b, "data"), "toArchived"), "reason"),
                      hired);
  cJSON_Delete(b);

  /* webhook_bad_signature: signed with another key */
  fx_fault(f, "webhook_bad_signature", "count=1");
  create_opp(f, "Bad Sig", "bad@example.com", backend, opp);
  fx_advance(f, 2000);
  assert_int_equal(rx.n, 5);
  b = cJSON_Parse(rx.bodies[4]);
  assert_false(sig_ok(b, SECRET));
  cJSON_Delete(b);
  rx_free(&rx);
}

/* ==== faults ========================================================================== */

static void test_validation_faults(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  char backend[40], body[256];
  posting_id(f, "Backend Engineer", backend);
  fx_fault(f, "required_field", "field=phone job=4100001");
  snprintf(body, sizeof body, "{\"name\":\"No Phone\",\"emails\":"
           "[\"np@example.com\"],\"postings\":[\"%s\"]}", backend);
  cJSON *j;
  assert_int_equal(create(f, "key", body, &j), 400);
  assert_string_equal(err_msg(j, "BadRequestError"),
                      "Invalid value for phones: Is required for this job");
  cJSON_Delete(j);
  sim_fault_clear_all(f->sim);
  fx_fault(f, "format_rule", "field=email rule=email");
  snprintf(body, sizeof body, "{\"name\":\"Bad Mail\",\"emails\":"
           "[\"not-an-address\"],\"postings\":[\"%s\"]}", backend);
  assert_int_equal(create(f, "key", body, &j), 400);
  assert_string_equal(err_msg(j, NULL),
                      "Invalid value for emails: Must be a valid email "
                      "address");
  cJSON_Delete(j);
  /* the shape setting */
  setting(f, "error_shape", "message");
  assert_int_equal(create(f, "key", body, &j), 400);
  assert_null(jget(j, "code"));
  assert_non_null(jstr(j, "message"));
  cJSON_Delete(j);
  /* nothing was created */
  assert_int_equal(get(f, "/v1/opportunities?email=np%40example.com", &j),
                   200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 0);
  cJSON_Delete(j);
}

static void test_outage_and_status_page(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  fx_fault(f, "outage", "mode=503 for=30m retry_after=10m");
  cJSON *j;
  char h[2048], buf[32];
  assert_int_equal(req(f, "key", "GET", "/v1/postings", NULL, &j, h,
                       sizeof h), 503);
  assert_non_null(strstr(err_msg(j, "ServiceUnavailableError"), "status"));
  cJSON_Delete(j);
  assert_string_equal(hdr(h, "Retry-After", buf, sizeof buf), "600");
  /* the status page: Lever's */
  struct tc_resp r = tc_do(f->loop, "GET",
                           fx_url(f, "/api/v2/summary.json"), NULL, NULL);
  assert_int_equal(r.status, 200);
  cJSON *s = fx_json(&r);
  tc_free(&r);
  assert_string_equal(jstr(jget(s, "page"), "name"), "Lever");
  assert_string_equal(jstr(jget(s, "page"), "url"), "https://status.lever.co");
  char *txt = cJSON_PrintUnformatted(s);
  assert_non_null(strstr(txt, "Lever API"));
  free(txt);
  cJSON_Delete(s);
  sim_fault_clear_all(f->sim);
  fx_fault(f, "outage", "mode=500 count=1");
  assert_int_equal(get(f, "/v1/postings", &j), 500);
  err_msg(j, "InternalServerError");
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/postings", &j), 200);
  cJSON_Delete(j);
  /* reset: the create is applied, the answer lost */
  char backend[40], body[256];
  posting_id(f, "Backend Engineer", backend);
  fx_fault(f, "outage", "mode=reset commit=before count=1 "
           "route=POST~/v1/opportunities");
  snprintf(body, sizeof body, "{\"name\":\"Lost Answer\",\"emails\":"
           "[\"lost@example.com\"],\"postings\":[\"%s\"]}", backend);
  assert_int_equal(create(f, "key", body, &j), 0);
  assert_int_equal(get(f, "/v1/opportunities?email=lost%40example.com", &j),
                   200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 1);
  cJSON_Delete(j);
  /* and a retry dedupes onto the same contact */
  assert_int_equal(create(f, "key", body, &j), 201);
  assert_true(cJSON_IsTrue(jget(j, "deduped")));
  cJSON_Delete(j);
}

static void test_async_create(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  char backend[40], opp[40], path[128];
  posting_id(f, "Backend Engineer", backend);
  fx_fault(f, "async_create", "delay=30s");
  create_opp(f, "Slow Write", "slow@example.com", backend, opp);
  snprintf(path, sizeof path, "/v1/opportunities/%s", opp);
  cJSON *j;
  assert_int_equal(get(f, path, &j), 404);
  cJSON_Delete(j);
  assert_int_equal(get(f, "/v1/opportunities?email=slow%40example.com", &j),
                   200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 0);
  cJSON_Delete(j);
  fx_advance(f, 30000);
  assert_int_equal(get(f, path, &j), 200);
  cJSON_Delete(j);
}

/* ==== the OpenAPI document ============================================================== */

/* The document's known defects (tests/specs/SOURCES.md). */
static bool lever_known_defect(enum specchk_kind kind,
                               const struct specchk_site *at)
{
  /* top-level archivedAt/archiveReason: the live API sends
   * archived{reason, archivedAt} [NT-LV]; resume is deprecated;
   * salaryRange is only there when the posting has one */
  if (kind == SPECCHK_MISSING)
    return !strcmp(at->field, "archivedAt") ||
           !strcmp(at->field, "archiveReason") ||
           !strcmp(at->field, "resume") || !strcmp(at->field, "salaryRange");
  /* null in [NT-LV] */
  if (kind == SPECCHK_NULL)
    return strstr(at->path, "dataProtection") != NULL;
  /* workplaceType lists only "remote" (Lever: onsite, remote, hybrid,
   * unspecified) */
  if (kind == SPECCHK_ENUM)
    return strstr(at->path, "workplaceType") != NULL;
  return false;
}

/* The 'required' fields must be there; null only where the document's type
 * allows it (or no type is given). */
static const struct specchk_rules lever_rules = {
    .null_declared = true, .known_defect = lever_known_defect};

static void check_route(struct simfx *f, const cJSON *doc, const char *spec,
                        const char *path)
{
  cJSON *j;
  assert_int_equal(get(f, path, &j), 200);
  struct specchk k = {.doc = doc, .rules = &lever_rules};
  specchk_check(&k, specchk_response(doc, spec, "get", "200"), j, path);
  cJSON_Delete(j);
  if (k.count)
    fail_msg("GET %s does not match the spec of %s (%d problems):\n%s", path,
             spec, k.count, k.errors);
}

static void test_spec_shapes(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  cJSON *doc = specchk_load("tests/specs/lever.opensdks.oas.json");
  /* an archived (rejected) and a hired opportunity too */
  cJSON_Delete(fx_action(f, "reject_application", "application=60000001 "
                         "reason=101"));
  cJSON_Delete(fx_action(f, "hire_application", "application=60000002"));
  check_route(f, doc, "/postings", "/v1/postings?state=published");
  check_route(f, doc, "/opportunities", "/v1/opportunities");
  check_route(f, doc, "/stages", "/v1/stages");
  check_route(f, doc, "/archive_reasons", "/v1/archive_reasons");
  char pid[40], path[128];
  posting_id(f, "Backend Engineer", pid);
  snprintf(path, sizeof path, "/v1/postings/%s", pid);
  check_route(f, doc, "/postings/{id}", path);
  cJSON *j;
  assert_int_equal(get(f, "/v1/opportunities?limit=1", &j), 200);
  snprintf(path, sizeof path, "/v1/opportunities/%s",
           jstr(cJSON_GetArrayItem(data(j), 0), "id"));
  cJSON_Delete(j);
  check_route(f, doc, "/opportunities/{id}", path);
  cJSON_Delete(doc);
}

static void test_settings(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  char err[256];
  assert_int_equal(sim_setting(f->sim, "rate_headers", "bogus", err,
                               sizeof err), -1);
  assert_non_null(strstr(err, "rate_headers"));
  assert_int_equal(sim_setting(f->sim, "nope", "1", err, sizeof err), -1);
  assert_non_null(strstr(err, "docs/fidelity/lever.md"));
  assert_int_equal(sim_setting(f->sim, "access_token_ttl", "2h", err,
                               sizeof err), 0);
  assert_int_equal(sim_setting(f->sim, "invalid_grant_status", "400", err,
                               sizeof err), 0);
}

/* A rejection without a reason (an admin action) shows a non-hired
 * archive reason, never the hired one (model reason 0): a reader that
 * tells hires by the reason's type must not read it as a hire. */
static void test_reasonless_rejection_not_hired(void **state)
{
  struct simfx *f = open_fx(state, true, 0);
  cJSON_Delete(fx_action(f, "reject_application", "application=60000001"));
  cJSON_Delete(fx_action(f, "hire_application", "application=60000002"));
  cJSON *j, *h;
  assert_int_equal(get(f, "/v1/archive_reasons?type=hired", &h), 200);
  assert_int_equal(cJSON_GetArraySize(data(h)), 1);
  const char *hired = jstr(cJSON_GetArrayItem(data(h), 0), "id");
  assert_int_equal(get(f, "/v1/opportunities?archived=true", &j), 200);
  assert_int_equal(cJSON_GetArraySize(data(j)), 2);
  int hires = 0;
  const cJSON *o;
  cJSON_ArrayForEach(o, data(j))
  {
    const char *r = jstr(jget(o, "archived"), "reason");
    assert_non_null(r);
    hires += strcmp(r, hired) == 0;
  }
  assert_int_equal(hires, 1); /* the hire only */
  cJSON_Delete(j);
  cJSON_Delete(h);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_teardown(test_postings, teardown),
      cmocka_unit_test_teardown(test_stages_and_reasons, teardown),
      cmocka_unit_test_teardown(test_users, teardown),
      cmocka_unit_test_teardown(test_create_dedupe_and_read, teardown),
      cmocka_unit_test_teardown(test_stage_archive_hire, teardown),
      cmocka_unit_test_teardown(test_perform_as, teardown),
      cmocka_unit_test_teardown(test_api_key_failures, teardown),
      cmocka_unit_test_teardown(test_oauth, teardown),
      cmocka_unit_test_teardown(test_pagination, teardown),
      cmocka_unit_test_teardown(test_rate_limit, teardown),
      cmocka_unit_test_teardown(test_webhooks, teardown),
      cmocka_unit_test_teardown(test_validation_faults, teardown),
      cmocka_unit_test_teardown(test_outage_and_status_page, teardown),
      cmocka_unit_test_teardown(test_async_create, teardown),
      cmocka_unit_test_teardown(test_spec_shapes, teardown),
      cmocka_unit_test_teardown(test_settings, teardown),
      cmocka_unit_test_teardown(test_reasonless_rejection_not_hired,
                                teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
