/* test_gh_v3.c — Harvest v3 and the OAuth token lifecycle over HTTP, on a
 * virtual clock: lists with cursor pagination and filters, writes
 * (candidates and their edits, applications, move/reject/unreject/hire,
 * merge), the /token and /authorize endpoints, and what time, revocation,
 * scope changes and deactivation do to tokens. Each test gets a fresh
 * fixture (the empty org unless it says otherwise) and never sleeps. */
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

#define HOUR_MS (3600 * INT64_C(1000))
#define ADMIN_ID INT64_C(4000001)

/* ==== helpers ============================================================== */

static int teardown(void **state)
{
  simfx_free(*state);
  *state = NULL;
  return 0;
}

/* A fresh fixture owned by the test's state (freed by teardown even when an
 * assertion fails). rate_limit as simfx_opts (0 = off, -1 = vendor). */
static struct simfx *open_fx(void **state, bool seeded, int rate_limit)
{
  struct simfx_opts o = {.seeded = seeded, .rate_limit = rate_limit};
  struct simfx *f = simfx_new(&o);
  *state = f;
  return f;
}

/* An id from a JSON member: a number, or a raw literal (the sim's action
 * results carry ids as raw integers). -1 when absent or null. */
static int64_t jid_of(const cJSON *v)
{
  if (cJSON_IsNumber(v))
    return (int64_t)v->valuedouble;
  if (cJSON_IsRaw(v) && v->valuestring)
    return strtoll(v->valuestring, NULL, 10);
  return -1;
}

static int64_t jget(const cJSON *o, const char *k)
{
  return jid_of(cJSON_GetObjectItemCaseSensitive(o, k));
}

static const char *jstr(const cJSON *o, const char *k)
{
  return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static bool jnull(const cJSON *o, const char *k)
{
  return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* Does the compact JSON text of 'j' contain 's'? */
static bool jhas(const cJSON *j, const char *s)
{
  char *t = cJSON_PrintUnformatted(j);
  bool yes = t && strstr(t, s) != NULL;
  free(t);
  return yes;
}

/* The first entry of a v3 error body's "errors" array, when it is a
 * string. */
static const char *first_error(const cJSON *j)
{
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "errors");
  return cJSON_GetStringValue(cJSON_GetArrayItem(a, 0));
}

/* A request as bearer 'tok' (NULL: no Authorization). Returns the status;
 * *j gets the parsed body (NULL when the body is empty) and, when 'hdrs' is
 * not NULL, the raw header block is copied there. */
static long call(struct simfx *f, const char *tok, const char *method,
                 const char *path, const char *body, cJSON **j,
                 char *hdrs, size_t hlen)
{
  struct tc_opts o = {.bearer = tok};
  struct tc_resp r = tc_do(f->loop, method, fx_url(f, path), body, &o);
  long st = r.status;
  if (j)
    *j = r.len ? fx_json(&r) : NULL;
  if (hdrs)
    snprintf(hdrs, hlen, "%s", r.headers ? r.headers : "");
  tc_free(&r);
  return st;
}

static long v3(struct simfx *f, const char *tok, const char *method,
               const char *path, const char *body, cJSON **j)
{
  return call(f, tok, method, path, body, j, NULL, 0);
}

/* A header value from a raw header block. */
static const char *hdr(const char *block, const char *name, char *buf,
                       size_t len)
{
  struct tc_resp r = {.headers = (char *)block};
  return tc_header(&r, name, buf, len);
}

/* POST /token with 'user' ("id:secret", NULL = no client auth). */
static long token_as(struct simfx *f, const char *user, const char *form,
                     cJSON **j)
{
  struct tc_opts o = {.user = user,
                      .ctype = "application/x-www-form-urlencoded"};
  struct tc_resp r = tc_do(f->loop, "POST", fx_url(f, "/token"), form, &o);
  long st = r.status;
  *j = r.len ? fx_json(&r) : NULL;
  tc_free(&r);
  return st;
}

static long token(struct simfx *f, const char *form, cJSON **j)
{
  struct tc_resp r = fx_token(f, form);
  long st = r.status;
  *j = r.len ? fx_json(&r) : NULL;
  tc_free(&r);
  return st;
}

/* fx_action that returns only an id member of the result. */
static int64_t act_id(struct simfx *f, const char *action, const char *kv,
                      const char *member)
{
  cJSON *r = fx_action(f, action, kv);
  int64_t id = jget(r, member);
  cJSON_Delete(r);
  return id;
}

static void act(struct simfx *f, const char *action, const char *kv)
{
  cJSON_Delete(fx_action(f, action, kv));
}

/* add_job; the stage ids go to 'stages' (up to max). */
static int64_t add_job(struct simfx *f, const char *kv, int64_t *stages,
                       size_t max)
{
  cJSON *r = fx_action(f, "add_job", kv);
  int64_t id = jget(r, "id");
  size_t i = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r, "stage_ids"))
  {
    if (stages && i < max)
      stages[i] = jid_of(e);
    i++;
  }
  cJSON_Delete(r);
  assert_true(id > 0);
  return id;
}

/* Mint an authorization code for client-1 (extra kv appended) through the
 * C API. */
static void mint_code(struct simfx *f, char *code, size_t len)
{
  struct sim_kv kv[] = {{"client", "client-1"}};
  cJSON *out = NULL;
  char err[256];
  int rc = sim_credential_add(f->sim, "authorization_code", kv, 1, &out, err,
                              sizeof err);
  if (rc != 0)
    fail_msg("authorization_code: %s", err);
  snprintf(code, len, "%s", jstr(out, "code"));
  cJSON_Delete(out);
  assert_true(strlen(code) > 0);
}

struct grant {
  char access[2048];
  char refresh[256];
  char scope[1024];
};

static void grant_from(const cJSON *j, struct grant *g)
{
  const char *a = jstr(j, "access_token"), *r = jstr(j, "refresh_token"),
             *s = jstr(j, "scope");
  assert_non_null(a);
  snprintf(g->access, sizeof g->access, "%s", a);
  snprintf(g->refresh, sizeof g->refresh, "%s", r ? r : "");
  snprintf(g->scope, sizeof g->scope, "%s", s ? s : "");
}

/* An authorization-code grant for client-1: access + refresh token. */
static void code_grant(struct simfx *f, struct grant *g)
{
  char code[128], form[256];
  mint_code(f, code, sizeof code);
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s", code);
  cJSON *j;
  long st = token(f, form, &j);
  if (st != 200)
    fail_msg("code exchange: %ld", st);
  grant_from(j, g);
  cJSON_Delete(j);
  assert_true(strlen(g->refresh) > 0);
}

/* refresh_token grant: returns the status; on 200 'g' gets the new tokens,
 * otherwise *err (if not NULL) the body. */
static long refresh(struct simfx *f, const char *rt, struct grant *g,
                    cJSON **err)
{
  char form[512];
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s", rt);
  cJSON *j;
  long st = token(f, form, &j);
  if (st == 200 && g)
    grant_from(j, g);
  if (err) {
    *err = j;
    return st;
  }
  cJSON_Delete(j);
  return st;
}

/* Is the body {"error":"invalid_grant", ...}? */
static bool invalid_grant(const cJSON *j)
{
  const char *e = jstr(j, "error");
  return e && strcmp(e, "invalid_grant") == 0;
}

/* The ids of a list body, in order. */
static size_t list_ids(const cJSON *arr, int64_t *ids, size_t max)
{
  assert_true(cJSON_IsArray(arr));
  size_t n = 0;
  const cJSON *e;
  cJSON_ArrayForEach(e, arr)
  {
    if (n < max)
      ids[n] = jget(e, "id");
    n++;
  }
  return n;
}

/* GET 'path' with the fixture token expecting 200; returns the array. */
static cJSON *get_list(struct simfx *f, const char *path)
{
  cJSON *j;
  long st = v3(f, f->access, "GET", path, NULL, &j);
  if (st != 200)
    fail_msg("GET %s: %ld", path, st);
  assert_true(cJSON_IsArray(j));
  return j;
}

/* The one application of a candidate (GET /v3/applications?candidate_ids=). */
static cJSON *app_of(struct simfx *f, int64_t cand)
{
  char path[128];
  snprintf(path, sizeof path, "/v3/applications?candidate_ids=%lld",
           (long long)cand);
  cJSON *arr = get_list(f, path);
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON *a = cJSON_DetachItemFromArray(arr, 0);
  cJSON_Delete(arr);
  return a;
}

/* The application 'id' via ?ids=. */
static cJSON *app_by_id(struct simfx *f, int64_t id)
{
  char path[128];
  snprintf(path, sizeof path, "/v3/applications?ids=%lld", (long long)id);
  cJSON *arr = get_list(f, path);
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON *a = cJSON_DetachItemFromArray(arr, 0);
  cJSON_Delete(arr);
  return a;
}

/* The URL inside Link: <URL>; rel="next" (false when there is none). The
 * header must name rel="next" only: v3 sends no prev and no last. */
static bool next_link(const char *hdrs, char *url, size_t len)
{
  char link[4096];
  if (hdr(hdrs, "Link", link, sizeof link) == NULL || link[0] == '\0')
    return false;
  assert_null(strstr(link, "rel=\"prev\""));
  assert_null(strstr(link, "rel=\"last\""));
  assert_non_null(strstr(link, "rel=\"next\""));
  const char *lt = strchr(link, '<'), *gt = strchr(link, '>');
  assert_non_null(lt);
  assert_non_null(gt);
  assert_true(gt > lt);
  size_t n = (size_t)(gt - lt - 1);
  assert_true(n < len);
  memcpy(url, lt + 1, n);
  url[n] = '\0';
  return true;
}

/* Walk a v3 list from 'path' following Link rel="next" with the fixture
 * token. Collects ids (in order), returns the number of pages; checks every
 * page has at most 'per' items and every next URL carries only a cursor. */
static int walk(struct simfx *f, const char *path, long per, int64_t *ids,
                size_t max, size_t *n)
{
  char url[4096], hdrs[8192];
  snprintf(url, sizeof url, "%s", fx_url(f, path));
  *n = 0;
  int pages = 0;
  for (;;) {
    struct tc_opts o = {.bearer = f->access};
    struct tc_resp r = tc_do(f->loop, "GET", url, NULL, &o);
    if (r.status != 200)
      fail_msg("GET %s: %ld %s", url, r.status, r.body);
    cJSON *arr = fx_json(&r);
    snprintf(hdrs, sizeof hdrs, "%s", r.headers);
    tc_free(&r);
    pages++;
    assert_true(pages < 50);
    assert_true(cJSON_GetArraySize(arr) <= per);
    assert_true(cJSON_GetArraySize(arr) > 0);
    *n += list_ids(arr, ids + *n, max - *n);
    assert_true(*n <= max);
    cJSON_Delete(arr);
    if (!next_link(hdrs, url, sizeof url))
      break;
    const char *q = strchr(url, '?');
    assert_non_null(q);
    assert_int_equal(strncmp(q, "?cursor=", 8), 0);
    assert_null(strchr(q, '&'));
  }
  return pages;
}

/* ==== v3 routing ============================================================ */

static void test_unknown_route_is_404_before_auth(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  cJSON *j;
  /* no token at all: still a 404, v3 routes first */
  assert_int_equal(v3(f, NULL, "GET", "/v3/nope", NULL, &j), 404);
  assert_string_equal(jstr(j, "message"), "Resource not found");
  assert_null(cJSON_GetObjectItemCaseSensitive(j, "errors"));
  cJSON_Delete(j);
  assert_int_equal(v3(f, "not.a.jwt", "POST", "/v3/nope/deeper", "{}", &j),
                   404);
  assert_string_equal(jstr(j, "message"), "Resource not found");
  cJSON_Delete(j);
  /* a known route without a token is a 401, not a 404 */
  char hdrs[4096], buf[256];
  assert_int_equal(call(f, NULL, "GET", "/v3/jobs", NULL, &j, hdrs,
                        sizeof hdrs), 401);
  assert_string_equal(jstr(j, "message"), "Unauthorized");
  assert_non_null(strstr(first_error(j), "could not be decoded"));
  assert_non_null(hdr(hdrs, "WWW-Authenticate", buf, sizeof buf));
  assert_non_null(strstr(buf, "Bearer"));
  cJSON_Delete(j);
  /* and a valid token on the unknown route is still a 404 */
  assert_int_equal(v3(f, f->access, "GET", "/v3/nope", NULL, &j), 404);
  cJSON_Delete(j);
}

/* ==== GET /v3/jobs ============================================================ */

static void test_jobs_filters(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t t0 = at_loop_now(f->loop);
  int64_t j1 = add_job(f, "name=Backend~Engineer stages=A|B|C", NULL, 0);
  fx_advance(f, 20 * 60 * 1000); /* within the fixture token's hour */
  int64_t j2 = add_job(f, "name=Designer stages=A", NULL, 0);
  int64_t j3 = add_job(f, "name=Closed~One status=closed stages=A", NULL, 0);
  int64_t j4 = add_job(f, "name=Drafty status=draft stages=A", NULL, 0);

  int64_t ids[16];
  cJSON *arr = get_list(f, "/v3/jobs");
  assert_int_equal(list_ids(arr, ids, 16), 4);
  assert_true(ids[0] == j4 && ids[1] == j3 && ids[2] == j2 && ids[3] == j1);
  /* the v3 shape */
  cJSON *last = cJSON_GetArrayItem(arr, 3);
  assert_string_equal(jstr(last, "name"), "Backend Engineer");
  assert_string_equal(jstr(last, "status"), "open");
  assert_true(cJSON_IsArray(cJSON_GetObjectItem(last, "office_ids")));
  assert_null(cJSON_GetObjectItem(last, "departments"));
  cJSON_Delete(arr);

  char path[256];
  snprintf(path, sizeof path, "/v3/jobs?ids=%lld,%lld", (long long)j1,
           (long long)j3);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 16), 2);
  assert_true(ids[0] == j3 && ids[1] == j1);
  cJSON_Delete(arr);

  arr = get_list(f, "/v3/jobs?status=open");
  assert_int_equal(list_ids(arr, ids, 16), 2);
  assert_true(ids[0] == j2 && ids[1] == j1);
  cJSON_Delete(arr);
  arr = get_list(f, "/v3/jobs?status=closed");
  assert_int_equal(list_ids(arr, ids, 16), 1);
  assert_true(ids[0] == j3);
  cJSON_Delete(arr);
  arr = get_list(f, "/v3/jobs?status=draft");
  assert_int_equal(list_ids(arr, ids, 16), 1);
  assert_true(ids[0] == j4);
  cJSON_Delete(arr);

  /* created_at pipe filters around the 20 minutes between j1 and the rest */
  char iso[AT_TIME_BUF];
  at_time_iso8601(t0 + 10 * 60 * 1000, false, iso);
  snprintf(path, sizeof path, "/v3/jobs?created_at=gte%%7C%s", iso);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 16), 3);
  assert_true(ids[0] == j4 && ids[1] == j3 && ids[2] == j2);
  cJSON_Delete(arr);
  snprintf(path, sizeof path, "/v3/jobs?created_at=lt%%7C%s", iso);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 16), 1);
  assert_true(ids[0] == j1);
  cJSON_Delete(arr);
  /* combined with another filter */
  snprintf(path, sizeof path, "/v3/jobs?created_at=gte%%7C%s&status=open", iso);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 16), 1);
  assert_true(ids[0] == j2);
  cJSON_Delete(arr);

  /* per_page */
  char hdrs[4096], buf[2048];
  cJSON *j;
  assert_int_equal(call(f, f->access, "GET", "/v3/jobs?per_page=2", NULL, &j,
                        hdrs, sizeof hdrs), 200);
  assert_int_equal(cJSON_GetArraySize(j), 2);
  assert_non_null(hdr(hdrs, "Link", buf, sizeof buf));
  cJSON_Delete(j);
  assert_int_equal(call(f, f->access, "GET", "/v3/jobs?per_page=4", NULL, &j,
                        hdrs, sizeof hdrs), 200);
  assert_int_equal(cJSON_GetArraySize(j), 4);
  assert_null(hdr(hdrs, "Link", buf, sizeof buf)); /* exactly one page */
  cJSON_Delete(j);

  /* bad values are 422, never clamped */
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs?per_page=501", NULL, &j),
                   422);
  assert_true(jhas(j, "per_page"));
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs?per_page=0", NULL, &j),
                   422);
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs?status=bogus", NULL, &j),
                   422);
  assert_string_equal(jstr(j, "message"), "Unprocessable Content");
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "GET",
                      "/v3/jobs?created_at=after%7C2026-01-01T00:00:00Z",
                      NULL, &j), 422);
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs?ids=1,x", NULL, &j), 422);
  cJSON_Delete(j);
}

static void test_jobs_cursor_walk(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t made[8];
  for (int i = 0; i < 7; i++) {
    char kv[128];
    snprintf(kv, sizeof kv, "name=Job~%d stages=A%s", i,
             i == 3 ? " status=closed" : "");
    made[i] = add_job(f, kv, NULL, 0);
    fx_advance(f, 1000);
  }
  int64_t ids[32];
  size_t n;
  int pages = walk(f, "/v3/jobs?per_page=3", 3, ids, 32, &n);
  assert_int_equal(pages, 3);
  assert_int_equal(n, 7);
  for (size_t i = 0; i + 1 < n; i++) /* strictly descending: no repeats */
    assert_true(ids[i] > ids[i + 1]);
  for (int i = 0; i < 7; i++) { /* every job exactly once */
    int seen = 0;
    for (size_t k = 0; k < n; k++)
      seen += ids[k] == made[i];
    assert_int_equal(seen, 1);
  }

  /* the cursor carries the filters: the closed job stays out */
  pages = walk(f, "/v3/jobs?status=open&per_page=2", 2, ids, 32, &n);
  assert_int_equal(pages, 3);
  assert_int_equal(n, 6);
  for (size_t k = 0; k < n; k++)
    assert_true(ids[k] != made[3]);
  for (size_t i = 0; i + 1 < n; i++)
    assert_true(ids[i] > ids[i + 1]);

  /* a page size that divides the total: no empty trailing page */
  pages = walk(f, "/v3/jobs?per_page=7", 7, ids, 32, &n);
  assert_int_equal(pages, 1);
  assert_int_equal(n, 7);
}

static void test_cursor_errors(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  for (int i = 0; i < 3; i++)
    add_job(f, "name=J stages=A", NULL, 0);
  char hdrs[4096], url[4096];
  cJSON *j;
  assert_int_equal(call(f, f->access, "GET", "/v3/jobs?per_page=1", NULL, &j,
                        hdrs, sizeof hdrs), 200);
  cJSON_Delete(j);
  assert_true(next_link(hdrs, url, sizeof url));
  const char *q = strchr(url, '?');
  assert_non_null(q);
  char path[4096];

  /* the cursor alone works */
  snprintf(path, sizeof path, "/v3/jobs%s", q);
  assert_int_equal(v3(f, f->access, "GET", path, NULL, &j), 200);
  assert_int_equal(cJSON_GetArraySize(j), 1);
  cJSON_Delete(j);

  /* the cursor plus any other param is refused */
  snprintf(path, sizeof path, "/v3/jobs%s&per_page=1", q);
  assert_int_equal(v3(f, f->access, "GET", path, NULL, &j), 422);
  assert_string_equal(jstr(j, "message"), "Unprocessable Content");
  assert_non_null(first_error(j));
  assert_string_equal(first_error(j),
                      "When passing a cursor, do not include other query "
                      "params.");
  cJSON_Delete(j);
  snprintf(path, sizeof path, "/v3/jobs?status=open&%s", q + 1);
  assert_int_equal(v3(f, f->access, "GET", path, NULL, &j), 422);
  assert_string_equal(first_error(j),
                      "When passing a cursor, do not include other query "
                      "params.");
  cJSON_Delete(j);

  /* garbage cursors */
  static const char *const bad[] = {
      "/v3/jobs?cursor=zzzz", "/v3/jobs?cursor=not-a-cursor",
      "/v3/jobs?cursor=%21%21%21", "/v3/jobs?cursor="};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    long st = v3(f, f->access, "GET", bad[i], NULL, &j);
    if (st != 422)
      fail_msg("%s: %ld", bad[i], st);
    assert_true(jhas(j, "cursor"));
    cJSON_Delete(j);
  }
}

/* ==== stages, users ============================================================ */

static void test_stages_and_users(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t s1[3], s2[2];
  int64_t j1 = add_job(f, "name=One stages=A|B|C", s1, 3);
  int64_t j2 = add_job(f, "name=Two stages=X|Y", s2, 2);
  char path[128];
  snprintf(path, sizeof path, "/v3/job_interview_stages?job_ids=%lld",
           (long long)j1);
  cJSON *arr = get_list(f, path);
  int64_t ids[16];
  assert_int_equal(list_ids(arr, ids, 16), 3);
  assert_true(ids[0] == s1[2] && ids[1] == s1[1] && ids[2] == s1[0]);
  const cJSON *e;
  long prev_order = 1000;
  const char *names[] = {"C", "B", "A"};
  int i = 0;
  cJSON_ArrayForEach(e, arr)
  {
    assert_true(jget(e, "job_id") == j1);
    assert_string_equal(jstr(e, "name"), names[i++]);
    long order = (long)jget(e, "sort_order");
    assert_true(order < prev_order); /* plan order ascends with the stage */
    prev_order = order;
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(e, "active")));
  }
  cJSON_Delete(arr);
  snprintf(path, sizeof path, "/v3/job_interview_stages?job_ids=%lld,%lld",
           (long long)j1, (long long)j2);
  arr = get_list(f, path);
  assert_int_equal(cJSON_GetArraySize(arr), 5);
  cJSON_Delete(arr);
  snprintf(path, sizeof path, "/v3/job_interview_stages?job_ids=%lld",
           (long long)j2);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 16), 2);
  assert_true(ids[0] == s2[1] && ids[1] == s2[0]);
  cJSON_Delete(arr);

  /* users: the empty org's admin, then one more */
  arr = get_list(f, "/v3/users");
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON *u = cJSON_GetArrayItem(arr, 0);
  assert_true(jget(u, "id") == ADMIN_ID);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(u, "site_admin")));
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(u, "deactivated")));
  assert_string_equal(jstr(u, "primary_email"), "avery.admin@acme.example");
  assert_null(cJSON_GetObjectItem(u, "disabled")); /* the v1 name */
  cJSON_Delete(arr);
  int64_t nu = act_id(f, "add_user",
                      "first_name=Riley last_name=Recruiter "
                      "email=riley@acme.example", "id");
  arr = get_list(f, "/v3/users");
  assert_int_equal(list_ids(arr, ids, 16), 2);
  assert_true(ids[0] == nu && ids[1] == ADMIN_ID);
  cJSON_Delete(arr);
  snprintf(path, sizeof path, "/v3/users?ids=%lld", (long long)nu);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 16), 1);
  assert_true(ids[0] == nu);
  assert_string_equal(jstr(cJSON_GetArrayItem(arr, 0), "name"),
                      "Riley Recruiter");
  cJSON_Delete(arr);
}

/* ==== candidates ================================================================ */

static void test_candidates_email_and_ids(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t c1 = act_id(f, "add_candidate",
                      "first_name=Grace last_name=Hopper "
                      "email=Grace.Hopper@Example.COM", "id");
  int64_t c2 = act_id(f, "add_candidate",
                      "first_name=Alan last_name=Turing "
                      "email=alan@example.org", "id");
  int64_t c3 = act_id(f, "add_candidate",
                      "first_name=Edsger last_name=Dijkstra", "id");
  int64_t ids[8];
  cJSON *arr = get_list(f, "/v3/candidates");
  assert_int_equal(list_ids(arr, ids, 8), 3);
  assert_true(ids[0] == c3 && ids[1] == c2 && ids[2] == c1);
  assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "applications"));
  cJSON_Delete(arr);

  /* e-mail: exact but case-insensitive */
  arr = get_list(f, "/v3/candidates?email=grace.hopper%40example.com");
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == c1);
  cJSON *em = cJSON_GetArrayItem(
      cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "email_addresses"), 0);
  assert_string_equal(jstr(em, "value"), "Grace.Hopper@Example.COM");
  cJSON_Delete(arr);
  arr = get_list(f, "/v3/candidates?email=ALAN%40EXAMPLE.ORG");
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == c2);
  cJSON_Delete(arr);
  arr = get_list(f, "/v3/candidates?email=hopper%40example.com");
  assert_int_equal(cJSON_GetArraySize(arr), 0); /* not a substring match */
  cJSON_Delete(arr);

  char path[128];
  snprintf(path, sizeof path, "/v3/candidates?ids=%lld,%lld", (long long)c1,
           (long long)c3);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 8), 2);
  assert_true(ids[0] == c3 && ids[1] == c1);
  cJSON_Delete(arr);
  snprintf(path, sizeof path, "/v3/candidates?ids=%lld&email=alan%%40example.org",
           (long long)c1);
  arr = get_list(f, path);
  assert_int_equal(cJSON_GetArraySize(arr), 0);
  cJSON_Delete(arr);
}

static void test_candidate_create_with_application(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t st[3];
  int64_t job = add_job(f, "name=Backend~Engineer stages=A|B|C", st, 3);
  char body[512];
  snprintf(body, sizeof body,
           "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
           "\"email_addresses\":[{\"value\":\"ada@example.com\","
           "\"type\":\"personal\"}],\"application\":{\"job_id\":%lld}}",
           (long long)job);
  cJSON *j;
  assert_int_equal(v3(f, f->access, "POST", "/v3/candidates", body, &j), 201);
  int64_t cid = jget(j, "id");
  assert_true(cid > 0);
  assert_string_equal(jstr(j, "first_name"), "Ada");
  assert_string_equal(jstr(j, "last_name"), "Lovelace");
  assert_non_null(jstr(j, "created_at"));
  cJSON_Delete(j);

  cJSON *a = app_of(f, cid);
  assert_true(jget(a, "candidate_id") == cid);
  assert_true(jget(a, "job_id") == job);
  assert_true(jget(a, "stage_id") == st[0]); /* the job's first stage */
  assert_string_equal(jstr(a, "stage_name"), "A");
  assert_string_equal(jstr(a, "status"), "in_process");
  cJSON_Delete(a);

  char path[128];
  snprintf(path, sizeof path, "/v3/candidates?ids=%lld", (long long)cid);
  cJSON *arr = get_list(f, path);
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON_Delete(arr);

  /* a bad nested job is a 422 and creates nothing */
  assert_int_equal(v3(f, f->access, "POST", "/v3/candidates",
                      "{\"first_name\":\"No\",\"last_name\":\"Body\","
                      "\"application\":{\"job_id\":999}}", &j), 422);
  assert_true(jhas(j, "job_id"));
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "POST", "/v3/candidates",
                      "{\"first_name\":\"No\"}", &j), 422);
  assert_true(jhas(j, "last_name"));
  cJSON_Delete(j);
  arr = get_list(f, "/v3/candidates");
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON_Delete(arr);
  arr = get_list(f, "/v3/applications");
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON_Delete(arr);

  /* no application at all: a candidate alone */
  assert_int_equal(v3(f, f->access, "POST", "/v3/candidates",
                      "{\"first_name\":\"Solo\",\"last_name\":\"Act\"}", &j),
                   201);
  int64_t solo = jget(j, "id");
  cJSON_Delete(j);
  snprintf(path, sizeof path, "/v3/applications?candidate_ids=%lld",
           (long long)solo);
  arr = get_list(f, path);
  assert_int_equal(cJSON_GetArraySize(arr), 0);
  cJSON_Delete(arr);
}

/* ==== applications ================================================================ */

static void test_application_create(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t s1[3], s2[2];
  int64_t j1 = add_job(f, "name=One stages=A|B|C", s1, 3);
  int64_t j2 = add_job(f, "name=Two stages=X|Y", s2, 2);
  int64_t cid = act_id(f, "add_candidate", "first_name=Kat last_name=Johnson",
                       "id");
  char body[256];
  cJSON *j;
  snprintf(body, sizeof body, "{\"candidate_id\":%lld,\"job_id\":%lld}",
           (long long)cid, (long long)j1);
  assert_int_equal(v3(f, f->access, "POST", "/v3/applications", body, &j), 201);
  int64_t a1 = jget(j, "id");
  assert_true(a1 > 0);
  assert_string_equal(jstr(j, "status"), "in_process");
  assert_true(jget(j, "candidate_id") == cid);
  assert_true(jget(j, "job_id") == j1);
  assert_true(jget(j, "stage_id") == s1[0]);
  cJSON_Delete(j);

  snprintf(body, sizeof body,
           "{\"candidate_id\":%lld,\"job_id\":%lld,\"initial_stage_id\":%lld}",
           (long long)cid, (long long)j2, (long long)s2[1]);
  assert_int_equal(v3(f, f->access, "POST", "/v3/applications", body, &j), 201);
  int64_t a2 = jget(j, "id");
  assert_true(jget(j, "stage_id") == s2[1]);
  cJSON_Delete(j);
  assert_true(a2 != a1);

  char path[128];
  snprintf(path, sizeof path, "/v3/applications?candidate_ids=%lld",
           (long long)cid);
  cJSON *arr = get_list(f, path);
  int64_t ids[8];
  assert_int_equal(list_ids(arr, ids, 8), 2);
  assert_true(ids[0] == a2 && ids[1] == a1);
  cJSON_Delete(arr);
  snprintf(path, sizeof path, "/v3/applications?job_ids=%lld", (long long)j2);
  arr = get_list(f, path);
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == a2);
  cJSON_Delete(arr);

  /* refusals */
  snprintf(body, sizeof body, "{\"candidate_id\":999,\"job_id\":%lld}",
           (long long)j1);
  assert_int_equal(v3(f, f->access, "POST", "/v3/applications", body, &j), 422);
  assert_true(jhas(j, "candidate_id"));
  cJSON_Delete(j);
  snprintf(body, sizeof body,
           "{\"candidate_id\":%lld,\"job_id\":%lld,\"initial_stage_id\":%lld}",
           (long long)cid, (long long)j1, (long long)s2[0]);
  assert_int_equal(v3(f, f->access, "POST", "/v3/applications", body, &j), 422);
  cJSON_Delete(j);
  snprintf(body, sizeof body, "{\"candidate_id\":%lld}", (long long)cid);
  assert_int_equal(v3(f, f->access, "POST", "/v3/applications", body, &j), 422);
  assert_true(jhas(j, "job_id"));
  cJSON_Delete(j);
  arr = get_list(f, "/v3/applications");
  assert_int_equal(cJSON_GetArraySize(arr), 2);
  cJSON_Delete(arr);
}

static void test_applications_status_filter(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t job = add_job(f, "name=One stages=A|B", NULL, 0);
  char kv[128];
  int64_t app[3];
  for (int i = 0; i < 3; i++) {
    snprintf(kv, sizeof kv, "first_name=P%d last_name=Q job=%lld", i,
             (long long)job);
    app[i] = act_id(f, "add_candidate", kv, "application_id");
    assert_true(app[i] > 0);
  }
  snprintf(kv, sizeof kv, "application=%lld reason=101", (long long)app[1]);
  act(f, "reject_application", kv);
  snprintf(kv, sizeof kv, "application=%lld", (long long)app[2]);
  act(f, "hire_application", kv);

  int64_t ids[8];
  cJSON *arr = get_list(f, "/v3/applications");
  assert_int_equal(cJSON_GetArraySize(arr), 3);
  cJSON_Delete(arr);

  arr = get_list(f, "/v3/applications?status=active");
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == app[0]);
  /* queried as "active", read back as "in_process" */
  assert_string_equal(jstr(cJSON_GetArrayItem(arr, 0), "status"), "in_process");
  cJSON_Delete(arr);

  arr = get_list(f, "/v3/applications?status=rejected");
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == app[1]);
  assert_string_equal(jstr(cJSON_GetArrayItem(arr, 0), "status"), "rejected");
  assert_non_null(jstr(cJSON_GetArrayItem(arr, 0), "rejected_at"));
  cJSON_Delete(arr);

  arr = get_list(f, "/v3/applications?status=hired");
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == app[2]);
  assert_string_equal(jstr(cJSON_GetArrayItem(arr, 0), "status"), "hired");
  cJSON_Delete(arr);

  cJSON *j;
  assert_int_equal(v3(f, f->access, "GET", "/v3/applications?status=in_process",
                      NULL, &j), 422);
  assert_string_equal(jstr(j, "message"), "Unprocessable Content");
  assert_true(jhas(j, "status"));
  cJSON_Delete(j);
}

static void test_move(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t s1[3], s2[2];
  int64_t j1 = add_job(f, "name=One stages=A|B|C", s1, 3);
  int64_t j2 = add_job(f, "name=Two stages=X|Y", s2, 2);
  char kv[128];
  snprintf(kv, sizeof kv, "first_name=M last_name=V job=%lld", (long long)j1);
  int64_t app = act_id(f, "add_candidate", kv, "application_id");
  char path[128], body[256];
  snprintf(path, sizeof path, "/v3/applications/%lld/move", (long long)app);
  cJSON *j, *a;

  /* a stale from_stage_id is refused and changes nothing */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           (long long)s1[1], (long long)s1[2]);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 422);
  assert_string_equal(jstr(j, "message"), "Unprocessable Content");
  cJSON_Delete(j);
  a = app_by_id(f, app);
  assert_true(jget(a, "stage_id") == s1[0]);
  cJSON_Delete(a);

  /* from_stage_id is required */
  snprintf(body, sizeof body, "{\"to_stage_id\":%lld}", (long long)s1[1]);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 422);
  assert_true(jhas(j, "from_stage_id"));
  cJSON_Delete(j);

  /* both targets: refused */
  snprintf(body, sizeof body,
           "{\"from_stage_id\":%lld,\"to_stage_id\":%lld,\"to_job_id\":%lld}",
           (long long)s1[0], (long long)s1[1], (long long)j2);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 422);
  cJSON_Delete(j);
  a = app_by_id(f, app);
  assert_true(jget(a, "stage_id") == s1[0]);
  assert_true(jget(a, "job_id") == j1);
  cJSON_Delete(a);

  /* neither: advance to the next stage, 204 without a body */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld}", (long long)s1[0]);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 204);
  assert_null(j);
  a = app_by_id(f, app);
  assert_true(jget(a, "stage_id") == s1[1]);
  assert_string_equal(jstr(a, "stage_name"), "B");
  cJSON_Delete(a);

  /* a stage of another job is refused */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           (long long)s1[1], (long long)s2[1]);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 422);
  cJSON_Delete(j);

  /* an explicit stage */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           (long long)s1[1], (long long)s1[2]);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 204);
  assert_null(j);
  a = app_by_id(f, app);
  assert_true(jget(a, "stage_id") == s1[2]);
  cJSON_Delete(a);

  /* the last stage cannot advance */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld}", (long long)s1[2]);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 422);
  cJSON_Delete(j);

  /* to_job_id: the other job's first stage */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_job_id\":%lld}",
           (long long)s1[2], (long long)j2);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 204);
  assert_null(j);
  a = app_by_id(f, app);
  assert_true(jget(a, "job_id") == j2);
  assert_true(jget(a, "stage_id") == s2[0]);
  assert_string_equal(jstr(a, "stage_name"), "X");
  cJSON_Delete(a);
  /* and the old stage is now stale */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld}", (long long)s1[2]);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 422);
  cJSON_Delete(j);

  /* an unknown application */
  assert_int_equal(v3(f, f->access, "POST", "/v3/applications/999/move",
                      body, &j), 404);
  cJSON_Delete(j);
}

static void test_reject_unreject_hire(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t job = add_job(f, "name=One stages=A|B", NULL, 0);
  char kv[128];
  snprintf(kv, sizeof kv, "first_name=R last_name=S job=%lld", (long long)job);
  int64_t app = act_id(f, "add_candidate", kv, "application_id");
  char rej[128], unr[128], hire[128];
  snprintf(rej, sizeof rej, "/v3/applications/%lld/reject", (long long)app);
  snprintf(unr, sizeof unr, "/v3/applications/%lld/unreject", (long long)app);
  snprintf(hire, sizeof hire, "/v3/applications/%lld/hire", (long long)app);
  cJSON *j, *a;

  /* v3 requires the reason */
  assert_int_equal(v3(f, f->access, "POST", rej, "{}", &j), 422);
  assert_true(jhas(j, "rejection_reason_id"));
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "POST", rej,
                      "{\"rejection_reason_id\":999}", &j), 422);
  cJSON_Delete(j);
  a = app_by_id(f, app);
  assert_string_equal(jstr(a, "status"), "in_process");
  cJSON_Delete(a);

  assert_int_equal(v3(f, f->access, "POST", rej,
                      "{\"rejection_reason_id\":101,\"notes\":\"no\"}", &j),
                   204);
  assert_null(j);
  a = app_by_id(f, app);
  assert_string_equal(jstr(a, "status"), "rejected");
  assert_non_null(jstr(a, "rejected_at"));
  cJSON_Delete(a);
  /* twice: the application is no longer active */
  assert_int_equal(v3(f, f->access, "POST", rej,
                      "{\"rejection_reason_id\":102}", &j), 422);
  cJSON_Delete(j);

  assert_int_equal(v3(f, f->access, "POST", unr, "{}", &j), 204);
  assert_null(j);
  a = app_by_id(f, app);
  assert_string_equal(jstr(a, "status"), "in_process");
  assert_true(jnull(a, "rejected_at"));
  cJSON_Delete(a);
  assert_int_equal(v3(f, f->access, "POST", unr, "{}", &j), 422);
  cJSON_Delete(j);

  assert_int_equal(v3(f, f->access, "POST", hire, "{\"start_date\":\"04/01\"}",
                      &j), 422);
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "POST", hire,
                      "{\"start_date\":\"2026-04-01\"}", &j), 204);
  assert_null(j);
  a = app_by_id(f, app);
  assert_string_equal(jstr(a, "status"), "hired");
  assert_true(jnull(a, "stage_id"));
  cJSON_Delete(a);
  assert_int_equal(v3(f, f->access, "POST", hire, "{}", &j), 422);
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "POST", unr, "{}", &j), 422);
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "POST", rej,
                      "{\"rejection_reason_id\":101}", &j), 422);
  cJSON_Delete(j);

  assert_int_equal(v3(f, f->access, "POST", "/v3/applications/999/hire", "{}",
                      &j), 404);
  assert_string_equal(jstr(j, "message"), "Resource not found");
  cJSON_Delete(j);
}

static void test_merge(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t job = add_job(f, "name=One stages=A|B", NULL, 0);
  char kv[160];
  snprintf(kv, sizeof kv,
           "first_name=Pri last_name=Mary email=p@example.com job=%lld",
           (long long)job);
  int64_t p = act_id(f, "add_candidate", kv, "id");
  snprintf(kv, sizeof kv,
           "first_name=Du last_name=Plicate email=d@example.com job=%lld",
           (long long)job);
  int64_t d = act_id(f, "add_candidate", kv, "id");
  char path[128], body[128];
  cJSON *j;
  snprintf(path, sizeof path, "/v3/candidates/%lld/merge", (long long)p);
  assert_int_equal(v3(f, f->access, "POST", path, "{}", &j), 422);
  assert_true(jhas(j, "duplicate_candidate_id"));
  cJSON_Delete(j);
  snprintf(body, sizeof body, "{\"duplicate_candidate_id\":%lld}", (long long)d);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 204);
  assert_null(j);

  char q[128];
  snprintf(q, sizeof q, "/v3/candidates?ids=%lld,%lld", (long long)p,
           (long long)d);
  cJSON *arr = get_list(f, q);
  int64_t ids[8];
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == p);
  /* the duplicate's e-mail came along */
  assert_true(jhas(arr, "d@example.com"));
  cJSON_Delete(arr);
  snprintf(q, sizeof q, "/v3/applications?candidate_ids=%lld", (long long)p);
  arr = get_list(f, q);
  assert_int_equal(cJSON_GetArraySize(arr), 2);
  cJSON_Delete(arr);
  arr = get_list(f, "/v3/candidates?email=d%40example.com");
  assert_int_equal(list_ids(arr, ids, 8), 1);
  assert_true(ids[0] == p);
  cJSON_Delete(arr);

  /* the duplicate is gone */
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 404);
  cJSON_Delete(j);
  snprintf(path, sizeof path, "/v3/candidates/%lld/merge", (long long)d);
  snprintf(body, sizeof body, "{\"duplicate_candidate_id\":%lld}", (long long)p);
  assert_int_equal(v3(f, f->access, "POST", path, body, &j), 404);
  cJSON_Delete(j);
}

/* ==== PATCH /v3/candidates/{id} ================================================ */

/* A person made through POST /v3/candidates with an e-mail, a phone, a
 * tag, a custom field and a company; returns its id. */
static int64_t patch_subject(struct simfx *f)
{
  cJSON *j;
  assert_int_equal(
      v3(f, f->access, "POST", "/v3/candidates",
         "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\","
         "\"company\":\"Analytical Engines\","
         "\"email_addresses\":[{\"value\":\"ada@example.com\","
         "\"type\":\"personal\"}],"
         "\"phone_numbers\":[{\"value\":\"+15555550100\",\"type\":\"mobile\"}],"
         "\"tags\":[\"math\"],\"custom_fields\":{\"current_salary\":\"$1\"}}",
         &j),
      201);
  int64_t id = jget(j, "id");
  cJSON_Delete(j);
  assert_true(id > 0);
  return id;
}

/* The candidate read back through GET /v3/candidates?ids= (caller frees). */
static cJSON *cand_by_id(struct simfx *f, int64_t id)
{
  char path[96];
  snprintf(path, sizeof path, "/v3/candidates?ids=%lld", (long long)id);
  cJSON *arr = get_list(f, path);
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON *c = cJSON_DetachItemFromArray(arr, 0);
  cJSON_Delete(arr);
  return c;
}

/* The candidate's compact JSON without its times (for "nothing changed"). */
static char *cand_state(struct simfx *f, int64_t id)
{
  cJSON *c = cand_by_id(f, id);
  cJSON_DeleteItemFromObjectCaseSensitive(c, "updated_at");
  cJSON_DeleteItemFromObjectCaseSensitive(c, "last_activity_at");
  char *s = cJSON_PrintUnformatted(c);
  cJSON_Delete(c);
  return s;
}

/* A v3 validation answer: "Unprocessable Content" with an errors[] entry
 * {field: message}; returns the message. */
static const char *v3_invalid(const cJSON *j, const char *field)
{
  assert_string_equal(jstr(j, "message"), "Unprocessable Content");
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(j, "errors"))
  {
    const char *m = jstr(e, field);
    if (m)
      return m;
  }
  char *t = cJSON_PrintUnformatted(j);
  fail_msg("no error names '%s': %s", field, t);
  return NULL;
}

static void test_candidate_patch(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t id = patch_subject(f);
  int64_t t0 = at_loop_now(f->loop);
  fx_advance(f, 60000);
  char path[96];
  snprintf(path, sizeof path, "/v3/candidates/%lld", (long long)id);
  cJSON *j;
  assert_int_equal(
      v3(f, f->access, "PATCH", path,
         "{\"last_name\":\"Byron\",\"email_addresses\":[{\"value\":"
         "\"countess@example.com\",\"type\":\"work\"}],\"custom_fields\":"
         "{\"desired_salary\":\"$2\",\"current_salary\":null}}",
         &j),
      200);
  /* the v3 candidate: no embedded applications, custom fields {key: value} */
  assert_true(jget(j, "id") == id);
  assert_string_equal(jstr(j, "first_name"), "Ada"); /* not sent: kept */
  assert_string_equal(jstr(j, "last_name"), "Byron");
  assert_string_equal(jstr(j, "company"), "Analytical Engines");
  assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "private"));
  assert_null(cJSON_GetObjectItemCaseSensitive(j, "applications"));
  assert_null(cJSON_GetObjectItemCaseSensitive(j, "keyed_custom_fields"));
  const cJSON *em = cJSON_GetObjectItemCaseSensitive(j, "email_addresses");
  assert_int_equal(cJSON_GetArraySize(em), 1); /* the list replaces */
  assert_string_equal(jstr(cJSON_GetArrayItem(em, 0), "value"),
                      "countess@example.com");
  assert_string_equal(jstr(cJSON_GetArrayItem(em, 0), "type"), "work");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
                       j, "phone_numbers")), 1);
  assert_true(jhas(j, "\"tags\":[\"math\"]"));
  const cJSON *cf = cJSON_GetObjectItemCaseSensitive(j, "custom_fields");
  assert_string_equal(jstr(cf, "current_salary"), "$1"); /* null: kept */
  assert_string_equal(jstr(cf, "desired_salary"), "$2");
  assert_string_not_equal(jstr(j, "updated_at"), jstr(j, "created_at"));
  char updated[64];
  snprintf(updated, sizeof updated, "%s", jstr(j, "updated_at"));
  cJSON_Delete(j);

  /* it reads back; the e-mail search follows the new list */
  j = cand_by_id(f, id);
  assert_string_equal(jstr(j, "last_name"), "Byron");
  assert_string_equal(jstr(j, "updated_at"), updated);
  assert_true(jhas(j, "countess@example.com"));
  assert_false(jhas(j, "ada@example.com"));
  assert_string_equal(
      jstr(cJSON_GetObjectItemCaseSensitive(j, "custom_fields"),
           "desired_salary"), "$2");
  cJSON_Delete(j);
  cJSON *arr = get_list(f, "/v3/candidates?email=countess%40example.com");
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  cJSON_Delete(arr);
  arr = get_list(f, "/v3/candidates?email=ada%40example.com");
  assert_int_equal(cJSON_GetArraySize(arr), 0);
  cJSON_Delete(arr);
  /* and it counts as an update for updated_at filters */
  char iso[AT_TIME_BUF], q[160];
  at_time_iso8601(t0 + 30000, true, iso);
  snprintf(q, sizeof q, "/v3/candidates?updated_at=gte%%7C%s", iso);
  arr = get_list(f, q);
  assert_int_equal(cJSON_GetArraySize(arr), 1);
  assert_true(jget(cJSON_GetArrayItem(arr, 0), "id") == id);
  cJSON_Delete(arr);
}

/* Only the members sent change. */
static void test_candidate_patch_only_given(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t id = patch_subject(f);
  char path[96];
  snprintf(path, sizeof path, "/v3/candidates/%lld", (long long)id);
  char *before = cand_state(f, id);
  cJSON *j;
  assert_int_equal(v3(f, f->access, "PATCH", path, "{}", &j), 200);
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "PATCH", path,
                      "{\"custom_fields\":{}}", &j), 200);
  cJSON_Delete(j);
  char *after = cand_state(f, id);
  assert_string_equal(after, before);
  free(after);
  free(before);
  assert_int_equal(v3(f, f->access, "PATCH", path,
                      "{\"title\":\"Countess\",\"tags\":[]}", &j), 200);
  assert_string_equal(jstr(j, "title"), "Countess");
  assert_string_equal(jstr(j, "company"), "Analytical Engines");
  assert_true(jhas(j, "\"tags\":[]"));
  cJSON_Delete(j);
  j = cand_by_id(f, id);
  assert_string_equal(jstr(j, "first_name"), "Ada");
  assert_string_equal(jstr(j, "last_name"), "Lovelace");
  assert_string_equal(jstr(j, "title"), "Countess");
  assert_true(jhas(j, "ada@example.com"));
  assert_true(jhas(j, "+15555550100"));
  assert_true(jhas(j, "\"current_salary\":\"$1\""));
  cJSON_Delete(j);
}

static void test_candidate_patch_refused(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t id = patch_subject(f);
  char path[96];
  snprintf(path, sizeof path, "/v3/candidates/%lld", (long long)id);
  const char *edit = "{\"first_name\":\"Augusta\"}";
  char *before = cand_state(f, id);
  cJSON *j;
  /* v3 routes first: a path id that is not a number is a 404 unauthenticated */
  assert_int_equal(v3(f, NULL, "PATCH", "/v3/candidates/abc", edit, &j), 404);
  cJSON_Delete(j);
  /* no token, a token that does not decode */
  assert_int_equal(v3(f, NULL, "PATCH", path, edit, &j), 401);
  assert_string_equal(jstr(j, "message"), "Unauthorized");
  cJSON_Delete(j);
  assert_int_equal(v3(f, "not.a.jwt", "PATCH", path, edit, &j), 401);
  cJSON_Delete(j);
  /* an unknown candidate */
  assert_int_equal(v3(f, f->access, "PATCH", "/v3/candidates/31999999", edit,
                      &j), 404);
  assert_string_equal(jstr(j, "message"), "Resource not found");
  cJSON_Delete(j);
  /* bodies that are not JSON objects: 400 */
  static const char *const junk[] = {"{\"first_name\":", "[1]", "42"};
  for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
    assert_int_equal(v3(f, f->access, "PATCH", path, junk[i], &j), 400);
    assert_string_equal(jstr(j, "message"), "Bad Request");
    assert_non_null(strstr(first_error(j), "Invalid JSON payload"));
    cJSON_Delete(j);
  }
  /* members of the wrong shape: 422 naming each; v1's custom field list
   * is not v3's {key: value} */
  static const struct {
    const char *body, *field;
  } bad[] = {
      {"{\"first_name\":\"\"}", "first_name"},
      {"{\"last_name\":5}", "last_name"},
      {"{\"company\":{}}", "company"},
      {"{\"phone_numbers\":[{\"value\":\"+15555550101\",\"type\":\"fax\"}]}",
       "phone_numbers"},
      {"{\"custom_fields\":[{\"name_key\":\"k\",\"value\":\"v\"}]}",
       "custom_fields"},
      {"{\"custom_fields\":{\"k\":5}}", "custom_fields"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    long st = v3(f, f->access, "PATCH", path, bad[i].body, &j);
    if (st != 422)
      fail_msg("%s: %ld, want 422", bad[i].body, st);
    v3_invalid(j, bad[i].field);
    cJSON_Delete(j);
  }
  char *after = cand_state(f, id);
  assert_string_equal(after, before);
  free(after);
  free(before);
  /* the scope: removed, the edit is refused at once (reads still work);
   * it is the edit's own (harvest:candidates:update, as the v3 reference
   * read by [SV-CAP] names it): the create scope alone does not edit */
  act(f, "remove_scope", "credential=client-1 scope=harvest:candidates:update");
  assert_int_equal(v3(f, f->access, "PATCH", path, edit, &j), 403);
  assert_string_equal(jstr(j, "message"), "Forbidden");
  assert_string_equal(first_error(j),
                      "Missing required scope: harvest:candidates:update");
  cJSON_Delete(j);
  j = cand_by_id(f, id);
  assert_string_equal(jstr(j, "first_name"), "Ada");
  cJSON_Delete(j);
}

/* The data faults judge the candidate as it would be after the edit. */
static void test_candidate_patch_data_faults(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  int64_t id = patch_subject(f);
  char path[96];
  snprintf(path, sizeof path, "/v3/candidates/%lld", (long long)id);
  cJSON *j;
  int rule = fx_fault(f, "required_field", "field=phone");
  assert_int_equal(v3(f, f->access, "PATCH", path, "{\"title\":\"T\"}", &j),
                   200);
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "PATCH", path,
                      "{\"phone_numbers\":[],\"title\":\"U\"}", &j), 422);
  assert_string_equal(v3_invalid(j, "phone_numbers"), "Is required");
  cJSON_Delete(j);
  j = cand_by_id(f, id);
  assert_true(jhas(j, "+15555550100"));
  assert_string_equal(jstr(j, "title"), "T");
  cJSON_Delete(j);
  sim_fault_clear(f->sim, rule);

  rule = fx_fault(f, "format_rule", "rule=email field=email");
  assert_int_equal(v3(f, f->access, "PATCH", path,
                      "{\"email_addresses\":[{\"value\":\"ada.example.com\","
                      "\"type\":\"personal\"}]}", &j), 422);
  assert_non_null(strstr(v3_invalid(j, "email_addresses"), "valid email"));
  cJSON_Delete(j);
  sim_fault_clear(f->sim, rule);

  fx_fault(f, "format_rule", "rule=date field=custom_fields.start_date");
  assert_int_equal(v3(f, f->access, "PATCH", path,
                      "{\"custom_fields\":{\"start_date\":\"03/02/2026\"}}",
                      &j), 422);
  v3_invalid(j, "custom_fields.start_date");
  cJSON_Delete(j);
  assert_int_equal(v3(f, f->access, "PATCH", path,
                      "{\"custom_fields\":{\"start_date\":\"2026-03-02\"}}",
                      &j), 200);
  assert_true(jhas(j, "\"start_date\":\"2026-03-02\""));
  cJSON_Delete(j);
}

static void test_rejection_reasons(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  cJSON *arr = get_list(f, "/v3/rejection_reasons");
  int64_t ids[8];
  assert_int_equal(list_ids(arr, ids, 8), 4);
  assert_true(ids[0] == 104 && ids[1] == 103 && ids[2] == 102 &&
              ids[3] == 101);
  const cJSON *e;
  cJSON_ArrayForEach(e, arr)
  {
    assert_non_null(jstr(e, "name"));
    assert_true(strlen(jstr(e, "name")) > 0);
  }
  cJSON_Delete(arr);
  /* paginated like any list */
  char hdrs[4096], buf[2048];
  cJSON *j;
  assert_int_equal(call(f, f->access, "GET", "/v3/rejection_reasons?per_page=3",
                        NULL, &j, hdrs, sizeof hdrs), 200);
  assert_int_equal(cJSON_GetArraySize(j), 3);
  assert_non_null(hdr(hdrs, "Link", buf, sizeof buf));
  cJSON_Delete(j);
}

/* ==== rate-limit headers ============================================================ */

static long hnum(const char *hdrs, const char *name)
{
  char buf[64];
  if (hdr(hdrs, name, buf, sizeof buf) == NULL)
    fail_msg("no %s header", name);
  return strtol(buf, NULL, 10);
}

static void expect_rl(const char *hdrs, long remaining, long reset)
{
  assert_int_equal(hnum(hdrs, "X-RateLimit-Limit"), 75);
  long r = hnum(hdrs, "X-RateLimit-Remaining");
  if (r != remaining)
    fail_msg("X-RateLimit-Remaining %ld, want %ld", r, remaining);
  long z = hnum(hdrs, "X-RateLimit-Reset");
  if (z != reset)
    fail_msg("X-RateLimit-Reset %ld, want %ld", z, reset);
}

static void test_rate_limit_headers(void **state)
{
  struct simfx *f = open_fx(state, false, -1);
  int64_t s[2];
  int64_t job = add_job(f, "name=One stages=A|B", s, 2);
  int64_t now = at_loop_now(f->loop);
  long reset = (long)((now - now % 30000 + 30000) / 1000);
  char hdrs[8192], body[256];
  cJSON *j;

  /* 200 */
  assert_int_equal(call(f, f->access, "GET", "/v3/jobs", NULL, &j, hdrs,
                        sizeof hdrs), 200);
  cJSON_Delete(j);
  expect_rl(hdrs, 74, reset);
  /* 422 */
  assert_int_equal(call(f, f->access, "GET", "/v3/jobs?per_page=9999", NULL,
                        &j, hdrs, sizeof hdrs), 422);
  cJSON_Delete(j);
  expect_rl(hdrs, 73, reset);
  /* 201 */
  snprintf(body, sizeof body,
           "{\"first_name\":\"R\",\"last_name\":\"L\","
           "\"application\":{\"job_id\":%lld}}", (long long)job);
  assert_int_equal(call(f, f->access, "POST", "/v3/candidates", body, &j, hdrs,
                        sizeof hdrs), 201);
  int64_t cid = jget(j, "id");
  cJSON_Delete(j);
  expect_rl(hdrs, 72, reset);
  /* 204 */
  cJSON *a = app_of(f, cid); /* 71 */
  char path[128];
  snprintf(path, sizeof path, "/v3/applications/%lld/move",
           (long long)jget(a, "id"));
  cJSON_Delete(a);
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld}", (long long)s[0]);
  assert_int_equal(call(f, f->access, "POST", path, body, &j, hdrs,
                        sizeof hdrs), 204);
  expect_rl(hdrs, 70, reset);
  /* 403 */
  act(f, "remove_scope", "credential=client-1 scope=harvest:users:list");
  assert_int_equal(call(f, f->access, "GET", "/v3/users", NULL, &j, hdrs,
                        sizeof hdrs), 403);
  cJSON_Delete(j);
  expect_rl(hdrs, 69, reset);

  /* use up the window: the 75th request leaves 0, the 76th is a 429 */
  for (long left = 68; left >= 0; left--) {
    assert_int_equal(call(f, f->access, "GET", "/v3/jobs", NULL, &j, hdrs,
                          sizeof hdrs), 200);
    cJSON_Delete(j);
    assert_int_equal(hnum(hdrs, "X-RateLimit-Remaining"), left);
  }
  assert_int_equal(call(f, f->access, "GET", "/v3/jobs", NULL, &j, hdrs,
                        sizeof hdrs), 429);
  cJSON_Delete(j);
  expect_rl(hdrs, 0, reset);
  long ra = hnum(hdrs, "Retry-After");
  assert_true(ra >= 1 && ra <= 30);

  /* the next fixed window starts afresh */
  fx_advance(f, reset * 1000 - at_loop_now(f->loop));
  assert_int_equal(call(f, f->access, "GET", "/v3/jobs", NULL, &j, hdrs,
                        sizeof hdrs), 200);
  cJSON_Delete(j);
  expect_rl(hdrs, 74, reset + 30);
}

/* ==== the token endpoint ============================================================= */

static void test_token_client_credentials(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  fx_advance(f, 12345);
  int64_t now = at_loop_now(f->loop);
  struct tc_resp r = fx_token(f, "grant_type=client_credentials");
  assert_int_equal(r.status, 200);
  char buf[128];
  assert_non_null(tc_header(&r, "Cache-Control", buf, sizeof buf));
  assert_string_equal(buf, "no-store");
  cJSON *j = fx_json(&r);
  tc_free(&r);
  assert_string_equal(jstr(j, "token_type"), "Bearer");
  const char *at = jstr(j, "access_token");
  assert_non_null(at);
  /* a JWT: three non-empty dot-separated parts */
  const char *d1 = strchr(at, '.');
  assert_non_null(d1);
  const char *d2 = strchr(d1 + 1, '.');
  assert_non_null(d2);
  assert_null(strchr(d2 + 1, '.'));
  assert_true(d1 > at && d2 > d1 + 1 && d2[1] != '\0');
  assert_int_equal(jget(j, "expires_in"), 3600);
  char iso[AT_TIME_BUF];
  assert_string_equal(jstr(j, "expires_at"),
                      at_time_iso8601(now + HOUR_MS, true, iso));
  const char *scope = jstr(j, "scope");
  assert_non_null(scope);
  assert_non_null(strstr(scope, "harvest:jobs:list"));
  assert_non_null(strstr(scope, "harvest:candidates:create"));
  assert_null(cJSON_GetObjectItem(j, "refresh_token"));
  assert_int_equal(v3(f, at, "GET", "/v3/jobs", NULL, NULL), 200);
  cJSON_Delete(j);

  /* grant_type in the query string (the vendor OpenAPI's spelling) */
  char user[160];
  snprintf(user, sizeof user, "%s:%s", f->client_id, f->client_secret);
  struct tc_opts o = {.user = user};
  r = tc_do(f->loop, "POST",
            fx_url(f, "/token?grant_type=client_credentials"), NULL, &o);
  assert_int_equal(r.status, 200);
  tc_free(&r);
  /* and in a JSON body */
  struct tc_opts oj = {.user = user, .ctype = "application/json"};
  r = tc_do(f->loop, "POST", fx_url(f, "/token"),
            "{\"grant_type\":\"client_credentials\"}", &oj);
  assert_int_equal(r.status, 200);
  tc_free(&r);
}

static void test_token_errors(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  cJSON *j;
  char user[200];

  /* no client credentials */
  assert_int_equal(token_as(f, NULL, "grant_type=client_credentials", &j), 401);
  assert_string_equal(jstr(j, "message"), "Unauthorized");
  assert_non_null(jstr(j, "errorId"));
  cJSON_Delete(j);

  /* a client id without the "-N" suffix */
  assert_int_equal(token_as(f, "notaclient:whatever",
                            "grant_type=client_credentials", &j), 400);
  assert_non_null(jstr(j, "message"));
  assert_string_equal(jstr(j, "message"), "client_id=notaclient does not "
                      "contain a valid client ID suffix");
  cJSON_Delete(j);

  /* the right id, a wrong secret */
  snprintf(user, sizeof user, "%s:wrong-secret", f->client_id);
  assert_int_equal(token_as(f, user, "grant_type=client_credentials", &j), 401);
  assert_string_equal(jstr(j, "error"), "invalid_client");
  cJSON_Delete(j);
  /* a well-formed id nobody issued */
  assert_int_equal(token_as(f, "abcdef0123-9:x", "grant_type=client_credentials",
                            &j), 401);
  assert_string_equal(jstr(j, "error"), "invalid_client");
  cJSON_Delete(j);

  /* no grant_type */
  assert_int_equal(token(f, "scope=harvest:jobs:list", &j), 400);
  assert_non_null(jstr(j, "message"));
  assert_non_null(strstr(jstr(j, "message"), "Must include `grant_type`"));
  cJSON_Delete(j);

  /* a grant_type that does not exist: the message names the valid ones */
  assert_int_equal(token(f, "grant_type=password", &j), 400);
  const char *m = jstr(j, "message");
  assert_non_null(m);
  assert_non_null(strstr(m, "grant_type=password is invalid"));
  assert_non_null(strstr(m, "authorization_code"));
  assert_non_null(strstr(m, "refresh_token"));
  assert_non_null(strstr(m, "client_credentials"));
  assert_non_null(strstr(m, "urn:ietf:params:oauth:grant-type:token-exchange"));
  cJSON_Delete(j);
}

static void test_authorization_code_exchange(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  char code[128], form[256];
  cJSON *j;
  mint_code(f, code, sizeof code);
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s", code);
  assert_int_equal(token(f, form, &j), 200);
  assert_string_equal(jstr(j, "token_type"), "Bearer");
  assert_non_null(jstr(j, "refresh_token"));
  assert_true(strlen(jstr(j, "refresh_token")) > 0);
  assert_int_equal(jget(j, "expires_in"), 3600);
  assert_int_equal(v3(f, jstr(j, "access_token"), "GET", "/v3/jobs", NULL,
                      NULL), 200);
  cJSON_Delete(j);

  /* a code is good once */
  assert_int_equal(token(f, form, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);

  /* a code lives one minute of virtual time */
  mint_code(f, code, sizeof code);
  fx_advance(f, 59 * 1000);
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s", code);
  assert_int_equal(token(f, form, &j), 200);
  cJSON_Delete(j);
  mint_code(f, code, sizeof code);
  fx_advance(f, 61 * 1000);
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s", code);
  assert_int_equal(token(f, form, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);

  /* a code nobody issued, and none at all */
  assert_int_equal(token(f, "grant_type=authorization_code&code=deadbeef", &j),
                   400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
  assert_int_equal(token(f, "grant_type=authorization_code", &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
}

static void test_authorize_redirect(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  char path[512], hdrs[4096], loc[2048];
  cJSON *j;
  snprintf(path, sizeof path,
           "/authorize?response_type=code&client_id=%s"
           "&redirect_uri=http%%3A%%2F%%2Fcb.example%%2Fx&state=abc",
           f->client_id);
  assert_int_equal(call(f, NULL, "GET", path, NULL, NULL, hdrs, sizeof hdrs),
                   302);
  assert_non_null(hdr(hdrs, "Location", loc, sizeof loc));
  static const char pre[] = "http://cb.example/x?code=";
  assert_int_equal(strncmp(loc, pre, strlen(pre)), 0);
  assert_non_null(strstr(loc, "&state=abc"));
  char code[128];
  const char *cs = loc + strlen(pre), *ce = strchr(cs, '&');
  assert_non_null(ce);
  assert_true(ce > cs && (size_t)(ce - cs) < sizeof code);
  memcpy(code, cs, (size_t)(ce - cs));
  code[ce - cs] = '\0';

  /* the exchange must repeat the same redirect_uri */
  char form[512];
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s", code);
  assert_int_equal(token(f, form, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
  snprintf(form, sizeof form,
           "grant_type=authorization_code&code=%s"
           "&redirect_uri=http%%3A%%2F%%2Fother.example%%2Fx", code);
  assert_int_equal(token(f, form, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
  snprintf(form, sizeof form,
           "grant_type=authorization_code&code=%s"
           "&redirect_uri=http%%3A%%2F%%2Fcb.example%%2Fx", code);
  assert_int_equal(token(f, form, &j), 200);
  assert_non_null(jstr(j, "refresh_token"));
  assert_int_equal(v3(f, jstr(j, "access_token"), "GET", "/v3/candidates",
                      NULL, NULL), 200);
  cJSON_Delete(j);

  /* a response_type other than code comes back as an error redirect */
  snprintf(path, sizeof path,
           "/authorize?response_type=token&client_id=%s"
           "&redirect_uri=http%%3A%%2F%%2Fcb.example%%2Fx&state=abc",
           f->client_id);
  assert_int_equal(call(f, NULL, "GET", path, NULL, NULL, hdrs, sizeof hdrs),
                   302);
  assert_non_null(hdr(hdrs, "Location", loc, sizeof loc));
  assert_non_null(strstr(loc, "error=unsupported_response_type"));
  assert_null(strstr(loc, "code="));
  /* an unknown client never redirects */
  assert_int_equal(call(f, NULL, "GET",
                        "/authorize?response_type=code&client_id=nope-1"
                        "&redirect_uri=http%3A%2F%2Fcb.example%2Fx",
                        NULL, &j, NULL, 0), 400);
  cJSON_Delete(j);
}

/* ==== the token lifecycle ============================================================ */

static void test_access_token_expires_after_an_hour(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  cJSON *j;
  assert_int_equal(token(f, "grant_type=client_credentials", &j), 200);
  int64_t issued = at_loop_now(f->loop);
  char tok[2048];
  snprintf(tok, sizeof tok, "%s", jstr(j, "access_token"));
  cJSON_Delete(j);
  assert_int_equal(v3(f, tok, "GET", "/v3/jobs", NULL, NULL), 200);
  fx_advance(f, issued + HOUR_MS - 1 - at_loop_now(f->loop));
  assert_int_equal(v3(f, tok, "GET", "/v3/jobs", NULL, NULL), 200);
  fx_advance(f, 1);
  char hdrs[4096], buf[256];
  assert_int_equal(call(f, tok, "GET", "/v3/jobs", NULL, &j, hdrs,
                        sizeof hdrs), 401);
  assert_string_equal(jstr(j, "message"), "Unauthorized");
  assert_string_equal(first_error(j), "Token has expired.");
  assert_non_null(hdr(hdrs, "WWW-Authenticate", buf, sizeof buf));
  cJSON_Delete(j);
  /* the fixture's own token (older) is expired too */
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, NULL), 401);
}

static void test_refresh_rotates(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  struct grant g1, g2, g3;
  code_grant(f, &g1);
  fx_advance(f, 10 * 60 * 1000);
  assert_int_equal(refresh(f, g1.refresh, &g2, NULL), 200);
  assert_true(strlen(g2.refresh) > 0);
  assert_string_not_equal(g2.refresh, g1.refresh);
  assert_string_not_equal(g2.access, g1.access);
  assert_int_equal(v3(f, g2.access, "GET", "/v3/jobs", NULL, NULL), 200);

  /* the old refresh token is spent */
  cJSON *j;
  assert_int_equal(refresh(f, g1.refresh, NULL, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
  /* the new one works, and rotates again */
  assert_int_equal(refresh(f, g2.refresh, &g3, NULL), 200);
  assert_string_not_equal(g3.refresh, g2.refresh);
  assert_string_not_equal(g3.refresh, g1.refresh);
  assert_int_equal(v3(f, g3.access, "GET", "/v3/jobs", NULL, NULL), 200);
  /* a refresh token nobody issued */
  assert_int_equal(refresh(f, "0123456789abcdef", NULL, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
}

static void check_revoked(struct simfx *f, const struct grant *g)
{
  cJSON *j;
  assert_int_equal(refresh(f, g->refresh, NULL, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
  assert_int_equal(v3(f, g->access, "GET", "/v3/jobs", NULL, &j), 401);
  assert_string_equal(first_error(j), "Token has been revoked.");
  cJSON_Delete(j);
}

static void test_revoke_refresh_token_cascades(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  struct grant g, g2;
  code_grant(f, &g);
  assert_int_equal(refresh(f, g.refresh, &g2, NULL), 200);
  assert_int_equal(v3(f, g.access, "GET", "/v3/jobs", NULL, NULL), 200);
  assert_int_equal(v3(f, g2.access, "GET", "/v3/jobs", NULL, NULL), 200);

  cJSON *r = fx_action(f, "revoke_refresh_token", NULL);
  assert_int_equal(jget(r, "revoked"), 1);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "access_tokens_revoked")));
  cJSON_Delete(r);
  check_revoked(f, &g2);
  /* every access token of that grant, the first one included */
  assert_int_equal(v3(f, g.access, "GET", "/v3/jobs", NULL, NULL), 401);
  /* a client-credentials token is a different grant and keeps working */
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, NULL), 200);

  /* the same, scoped to the credential */
  struct grant h;
  code_grant(f, &h);
  assert_int_equal(v3(f, h.access, "GET", "/v3/jobs", NULL, NULL), 200);
  r = fx_action(f, "revoke_refresh_token", "credential=client-1");
  assert_int_equal(jget(r, "revoked"), 1);
  cJSON_Delete(r);
  check_revoked(f, &h);
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, NULL), 200);
}

static void test_refresh_token_lives_24h(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  struct grant a, b, a2;
  code_grant(f, &a);
  code_grant(f, &b);
  fx_advance(f, 24 * HOUR_MS - 1);
  assert_int_equal(refresh(f, a.refresh, &a2, NULL), 200);
  fx_advance(f, 1);
  cJSON *j;
  assert_int_equal(refresh(f, b.refresh, NULL, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
  /* the one refreshed just in time got a new 24 h */
  assert_int_equal(v3(f, a2.access, "GET", "/v3/jobs", NULL, NULL), 200);
}

static void test_refresh_every_23h_survives_3_days(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  struct grant g;
  code_grant(f, &g);
  int64_t start = at_loop_now(f->loop);
  for (int i = 0; i < 4; i++) {
    fx_advance(f, 23 * HOUR_MS);
    struct grant n;
    long st = refresh(f, g.refresh, &n, NULL);
    if (st != 200)
      fail_msg("refresh %d (after %d h): %ld", i, (i + 1) * 23, st);
    assert_int_equal(v3(f, n.access, "GET", "/v3/jobs", NULL, NULL), 200);
    /* last round's access token has long expired */
    assert_int_equal(v3(f, g.access, "GET", "/v3/jobs", NULL, NULL), 401);
    g = n;
  }
  assert_true(at_loop_now(f->loop) - start > 72 * HOUR_MS);
  /* and a day of silence ends it */
  fx_advance(f, 24 * HOUR_MS);
  cJSON *j;
  assert_int_equal(refresh(f, g.refresh, NULL, &j), 400);
  assert_true(invalid_grant(j));
  cJSON_Delete(j);
}

static void test_expire_tokens_action(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  struct grant g, g2;
  code_grant(f, &g);
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, NULL), 200);
  assert_int_equal(v3(f, g.access, "GET", "/v3/jobs", NULL, NULL), 200);
  cJSON *r = fx_action(f, "expire_tokens", NULL);
  assert_int_equal(jget(r, "expired"), 2);
  cJSON_Delete(r);
  cJSON *j;
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, &j), 401);
  assert_string_equal(first_error(j), "Token has expired.");
  cJSON_Delete(j);
  assert_int_equal(v3(f, g.access, "GET", "/v3/jobs", NULL, NULL), 401);
  /* the refresh token is untouched: a new access token works */
  assert_int_equal(refresh(f, g.refresh, &g2, NULL), 200);
  assert_int_equal(v3(f, g2.access, "GET", "/v3/jobs", NULL, NULL), 200);
  /* as does a new client-credentials token */
  assert_int_equal(token(f, "grant_type=client_credentials", &j), 200);
  assert_int_equal(v3(f, jstr(j, "access_token"), "GET", "/v3/jobs", NULL,
                      NULL), 200);
  cJSON_Delete(j);
}

static const char cand_body[] =
    "{\"first_name\":\"Scope\",\"last_name\":\"Test\"}";

/* POST /v3/candidates as 'tok': 201, or a 403 whose error names 'why'
 * (default: the missing scope). */
static void expect_create_why(struct simfx *f, const char *tok, long want,
                              const char *why)
{
  cJSON *j;
  long st = v3(f, tok, "POST", "/v3/candidates", cand_body, &j);
  if (st != want)
    fail_msg("POST /v3/candidates: %ld, want %ld", st, want);
  if (want == 403) {
    assert_string_equal(jstr(j, "message"), "Forbidden");
    assert_non_null(first_error(j));
    assert_non_null(strstr(first_error(j), why));
  }
  cJSON_Delete(j);
}

static void expect_create(struct simfx *f, const char *tok, long want)
{
  expect_create_why(f, tok, want, "harvest:candidates:create");
}

static void test_scope_removal_and_regrant(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  struct grant g, g2, g3, g4;
  code_grant(f, &g);
  assert_non_null(strstr(g.scope, "harvest:candidates:create"));
  expect_create(f, g.access, 201);

  act(f, "remove_scope", "credential=client-1 scope=harvest:candidates:create");
  /* enforced at once on unexpired tokens of both kinds */
  expect_create(f, g.access, 403);
  expect_create(f, f->access, 403);
  /* other scopes still work */
  assert_int_equal(v3(f, g.access, "GET", "/v3/candidates", NULL, NULL), 200);
  assert_int_equal(v3(f, f->access, "GET", "/v3/candidates", NULL, NULL), 200);
  /* the refresh token stays valid and carries the smaller set */
  assert_int_equal(refresh(f, g.refresh, &g2, NULL), 200);
  assert_null(strstr(g2.scope, "harvest:candidates:create"));
  assert_non_null(strstr(g2.scope, "harvest:candidates:list"));
  expect_create(f, g2.access, 403);
  assert_int_equal(v3(f, g2.access, "GET", "/v3/candidates", NULL, NULL), 200);

  act(f, "grant_scope", "credential=client-1 scope=harvest:candidates:create");
  /* an addition needs a new authorization: refreshing is not enough */
  assert_int_equal(refresh(f, g2.refresh, &g3, NULL), 200);
  assert_null(strstr(g3.scope, "harvest:candidates:create"));
  expect_create(f, g3.access, 403);
  /* a new authorization code grant has it */
  code_grant(f, &g4);
  assert_non_null(strstr(g4.scope, "harvest:candidates:create"));
  expect_create(f, g4.access, 201);
  /* so does a new client-credentials token */
  cJSON *j;
  assert_int_equal(token(f, "grant_type=client_credentials", &j), 200);
  assert_non_null(strstr(jstr(j, "scope"), "harvest:candidates:create"));
  expect_create(f, jstr(j, "access_token"), 201);
  cJSON_Delete(j);
}

/* Removed and granted back with no refresh in between: the grant still
 * does not get the scope back without a new authorization. */
static void test_scope_regrant_without_refresh(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  struct grant g, g2;
  code_grant(f, &g);
  act(f, "remove_scope", "credential=client-1 scope=harvest:candidates:create");
  act(f, "grant_scope", "credential=client-1 scope=harvest:candidates:create");
  /* the access token issued before the removal does not get it back
   * either: its authorization lost the scope for good */
  expect_create(f, g.access, 403);
  assert_int_equal(refresh(f, g.refresh, &g2, NULL), 200);
  assert_null(strstr(g2.scope, "harvest:candidates:create"));
  expect_create(f, g2.access, 403);
}

static void test_deactivated_user_is_403(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, NULL), 200);
  act(f, "deactivate_user", "user=4000001");
  cJSON *j;
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, &j), 403);
  assert_string_equal(jstr(j, "message"), "Forbidden");
  assert_non_null(strstr(first_error(j), "4000001"));
  assert_non_null(strstr(first_error(j), "deactivated"));
  cJSON_Delete(j);
  expect_create_why(f, f->access, 403, "deactivated"); /* writes too */
  assert_int_equal(v3(f, f->access, "GET", "/v3/users", NULL, NULL), 403);
  act(f, "reactivate_user", "user=4000001");
  assert_int_equal(v3(f, f->access, "GET", "/v3/jobs", NULL, NULL), 200);
}

/* A record created during a cursor walk never makes a page repeat or skip
 * a row: the cursor names the last id served, not an offset. */
static void test_cursor_stable_while_records_are_created(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  for (int i = 0; i < 5; i++)
    act(f, "add_candidate", "first_name=A last_name=B email=a@example.com");
  char hdrs[8192], url[4096];
  cJSON *page = NULL;
  assert_int_equal(call(f, f->access, "GET", "/v3/candidates?per_page=2", NULL,
                        &page, hdrs, sizeof hdrs), 200);
  int64_t seen[16];
  size_t n = list_ids(page, seen, 16);
  cJSON_Delete(page);
  assert_int_equal(n, 2);
  act(f, "add_candidate", "first_name=New last_name=Comer"); /* a higher id */
  while (next_link(hdrs, url, sizeof url)) {
    const char *path = strstr(url, "/v3/");
    assert_int_equal(call(f, f->access, "GET", path, NULL, &page, hdrs,
                          sizeof hdrs), 200);
    n += list_ids(page, seen + n, 16 - n);
    cJSON_Delete(page);
  }
  assert_int_equal(n, 5); /* the 5 that existed, once each, newest first */
  for (size_t i = 1; i < n; i++)
    assert_true(seen[i] < seen[i - 1]);
}

/* The token endpoint also takes client_id/client_secret as parameters and
 * a numeric "sub" in a JSON body; the journal names the client either way. */
static void test_token_parameters_and_json_sub(void **state)
{
  struct simfx *f = open_fx(state, false, 0);
  char form[512];
  snprintf(form, sizeof form,
           "grant_type=client_credentials&client_id=%s&client_secret=%s",
           f->client_id, f->client_secret);
  cJSON *j = NULL;
  assert_int_equal(token_as(f, NULL, form, &j), 200);
  cJSON_Delete(j);
  struct sim_journal_entry e;
  assert_int_equal(sim_journal_read(f->sim, sim_journal_last(f->sim) - 1, &e, 1), 1);
  assert_string_equal(e.credential, f->client_cred);
  char user[160];
  snprintf(user, sizeof user, "%s:%s", f->client_id, f->client_secret);
  struct tc_opts o = {.user = user};
  struct tc_resp r = tc_do(f->loop, "POST", fx_url(f, "/token"),
                           "{\"grant_type\":\"client_credentials\",\"sub\":4000001}", &o);
  assert_int_equal(r.status, 200);
  tc_free(&r);
  r = tc_do(f->loop, "POST", fx_url(f, "/token"),
            "{\"grant_type\":\"client_credentials\",\"sub\":99}", &o);
  assert_int_equal(r.status, 400);
  assert_non_null(strstr(r.body, "invalid_request"));
  tc_free(&r);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
#define T(fn) cmocka_unit_test_teardown(fn, teardown)
  const struct CMUnitTest tests[] = {
      T(test_unknown_route_is_404_before_auth),
      T(test_jobs_filters),
      T(test_jobs_cursor_walk),
      T(test_cursor_errors),
      T(test_stages_and_users),
      T(test_candidates_email_and_ids),
      T(test_candidate_create_with_application),
      T(test_application_create),
      T(test_applications_status_filter),
      T(test_move),
      T(test_reject_unreject_hire),
      T(test_merge),
      T(test_candidate_patch),
      T(test_candidate_patch_only_given),
      T(test_candidate_patch_refused),
      T(test_candidate_patch_data_faults),
      T(test_rejection_reasons),
      T(test_rate_limit_headers),
      T(test_token_client_credentials),
      T(test_token_errors),
      T(test_authorization_code_exchange),
      T(test_authorize_redirect),
      T(test_access_token_expires_after_an_hour),
      T(test_refresh_rotates),
      T(test_revoke_refresh_token_cascades),
      T(test_refresh_token_lives_24h),
      T(test_refresh_every_23h_survives_3_days),
      T(test_expire_tokens_action),
      T(test_scope_removal_and_regrant),
      T(test_scope_regrant_without_refresh),
      T(test_deactivated_user_is_403),
      T(test_cursor_stable_while_records_are_created),
      T(test_token_parameters_and_json_sub),
  };
#undef T
  int rc = cmocka_run_group_tests_name("gh_v3", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
