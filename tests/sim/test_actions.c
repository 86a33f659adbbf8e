/* test_actions.c — every admin action seen over HTTP (credentials, users,
 * jobs, stages, candidates, applications), bad action input, and the /_sim/
 * control API over loopback (health, faults, credentials, actions,
 * webhooks, state, journal, reset, clock, errors). Virtual clock; never
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

#include "simfx.h"
#include "tassert.h"

#define OBO "4000001"

/* ---- helpers ------------------------------------------------------------- */


/* A v1 request with an explicit key secret (NULL = the fixture's). */
static struct tc_resp v1k(struct simfx *f, const char *key, const char *method,
                          const char *path, const char *body, const char *obo)
{
  char user[96];
  snprintf(user, sizeof user, "%s:", key ? key : f->key);
  struct tc_opts o = {.user = user, .obo = obo};
  return tc_do(f->loop, method, fx_url(f, path), body, &o);
}

/* A v3 request with an explicit bearer token. */
static struct tc_resp v3t(struct simfx *f, const char *token,
                          const char *method, const char *path,
                          const char *body)
{
  struct tc_opts o = {.bearer = token};
  return tc_do(f->loop, method, fx_url(f, path), body, &o);
}

/* A control API request (no credentials). */
static struct tc_resp ctl(struct simfx *f, const char *method, const char *path,
                          const char *body)
{
  return tc_do(f->loop, method, fx_url(f, path), body, NULL);
}

static long st_v1(struct simfx *f, const char *method, const char *path,
                  const char *body, const char *obo)
{
  struct tc_resp r = v1k(f, NULL, method, path, body, obo);
  long s = r.status;
  tc_free(&r);
  return s;
}

static long st_v3(struct simfx *f, const char *token, const char *path)
{
  struct tc_resp r = v3t(f, token, "GET", path, NULL);
  long s = r.status;
  tc_free(&r);
  return s;
}

/* GET (v1) expecting 200; returns the parsed body. */
static cJSON *get1(struct simfx *f, const char *path)
{
  struct tc_resp r = v1k(f, NULL, "GET", path, NULL, NULL);
  assert_status(r, 200);
  cJSON *j = fx_json(&r);
  tc_free(&r);
  return j;
}

static cJSON *getf(struct simfx *f, const char *fmt, long long id)
{
  char path[160];
  snprintf(path, sizeof path, fmt, id);
  return get1(f, path);
}

static long stf(struct simfx *f, const char *fmt, long long id)
{
  char path[160];
  snprintf(path, sizeof path, fmt, id);
  return st_v1(f, "GET", path, NULL, NULL);
}

/* A number member, also when built as a raw literal (jput_id). */
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

static long long item_num(const cJSON *a, int i)
{
  const cJSON *v = cJSON_GetArrayItem(a, i);
  if (cJSON_IsNumber(v))
    return (long long)v->valuedouble;
  if (cJSON_IsRaw(v) && v->valuestring)
    return strtoll(v->valuestring, NULL, 10);
  fail_msg("item %d is not a number", i);
  return -1;
}

static const char *jstr(const cJSON *o, const char *k)
{
  const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
  if (s == NULL)
    fail_msg("member '%s' is not a string", k);
  return s;
}

/* Run an action that must succeed; returns its "id" when it has one. */
static long long act_id(struct simfx *f, const char *action, const char *kv)
{
  cJSON *r = fx_action(f, action, kv);
  assert_non_null(r);
  assert_string_equal(jstr(r, "action"), action);
  long long id = cJSON_GetObjectItem(r, "id") ? jnum(r, "id") : 0;
  cJSON_Delete(r);
  return id;
}

static void act_ok(struct simfx *f, const char *action, const char *kv)
{
  cJSON *r = fx_action(f, action, kv);
  cJSON_Delete(r);
}

/* Run an action that must fail; returns its message. */
static const char *act_err(struct simfx *f, const char *action,
                           const char *kvs, char *err, size_t errlen)
{
  char buf[512] = "";
  struct sim_kv kv[16];
  size_t n = 0;
  if (kvs)
    snprintf(buf, sizeof buf, "%s", kvs);
  char *save = NULL;
  for (char *t = strtok_r(buf, " ", &save); t && n < 16;
       t = strtok_r(NULL, " ", &save)) {
    char *eq = strchr(t, '=');
    assert_non_null(eq);
    *eq = '\0';
    for (char *p = eq + 1; *p; p++)
      if (*p == '~')
        *p = ' ';
    kv[n].key = t;
    kv[n].value = eq + 1;
    n++;
  }
  cJSON *out = NULL;
  err[0] = '\0';
  if (sim_action(f->sim, action, kv, n, &out, err, errlen) != -1)
    fail_msg("action %s %s succeeded", action, kvs ? kvs : "");
  assert_null(out);
  if (err[0] == '\0')
    fail_msg("action %s: no message", action);
  return err;
}

/* A job with stages "A|B|C"-style; returns its id and the stage ids. */
static long long add_job(struct simfx *f, const char *name, const char *stages,
                         long long *sids, int max)
{
  char kv[256];
  snprintf(kv, sizeof kv, "name=%s stages=%s", name, stages);
  cJSON *r = fx_action(f, "add_job", kv);
  cJSON *ids = cJSON_GetObjectItem(r, "stage_ids");
  for (int i = 0; i < max && i < cJSON_GetArraySize(ids); i++)
    sids[i] = item_num(ids, i);
  long long id = jnum(r, "id");
  cJSON_Delete(r);
  return id;
}

/* add_candidate with an application on 'job'; returns the candidate id and
 * the application id in *app. */
static long long add_cand(struct simfx *f, const char *first, const char *email,
                          long long job, long long *app)
{
  char kv[256];
  snprintf(kv, sizeof kv, "first_name=%s last_name=Tester email=%s job=%lld",
           first, email, job);
  cJSON *r = fx_action(f, "add_candidate", kv);
  long long id = jnum(r, "id");
  if (app)
    *app = jnum(r, "application_id");
  cJSON_Delete(r);
  return id;
}

static struct simfx *empty_fx(void)
{
  struct simfx_opts o = {.seeded = false, .rate_limit = 0};
  return simfx_new(&o);
}

static struct simfx *seeded_fx(void)
{
  struct simfx_opts o = {.seeded = true, .rate_limit = 0};
  return simfx_new(&o);
}

/* A fresh client-credentials token for the fixture's client. */
static char *new_token(struct simfx *f, char *scope_out, size_t slen)
{
  struct tc_resp r = fx_token(f, "grant_type=client_credentials");
  assert_status(r, 200);
  cJSON *j = fx_json(&r);
  char *t = strdup(jstr(j, "access_token"));
  if (scope_out)
    snprintf(scope_out, slen, "%s", jstr(j, "scope"));
  cJSON_Delete(j);
  tc_free(&r);
  return t;
}

/* The first error message of a v3 error body. */
static void assert_v3_error(const struct tc_resp *r, const char *needle)
{
  cJSON *b = fx_json(r);
  cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "errors"), 0);
  assert_contains(cJSON_GetStringValue(e), needle);
  cJSON_Delete(b);
}

/* ---- credentials -------------------------------------------------------------- */

static void test_expire_tokens(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  assert_int_equal(st_v3(f, f->access, "/v3/jobs"), 200);
  /* another client's tokens are not touched */
  cJSON *r = fx_action(f, "expire_tokens", "credential=client-9");
  assert_int_equal(jnum(r, "expired"), 0);
  cJSON_Delete(r);
  assert_int_equal(st_v3(f, f->access, "/v3/jobs"), 200);
  r = fx_action(f, "expire_tokens", NULL);
  assert_int_equal(jnum(r, "expired"), 1);
  cJSON_Delete(r);
  struct tc_resp t = v3t(f, f->access, "GET", "/v3/jobs", NULL);
  assert_status(t, 401);
  assert_v3_error(&t, "Token has expired.");
  tc_free(&t);
  /* a new token works */
  char *tok = new_token(f, NULL, 0);
  assert_int_equal(st_v3(f, tok, "/v3/jobs"), 200);
  /* v1 keys are not tokens */
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  free(tok);
  simfx_free(f);
}

static void test_revoke_refresh_token(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  cJSON *code = NULL;
  char err[256];
  assert_int_equal(sim_credential_add(f->sim, "authorization_code", NULL, 0,
                                      &code, err, sizeof err), 0);
  char form[256];
  snprintf(form, sizeof form, "grant_type=authorization_code&code=%s",
           jstr(code, "code"));
  cJSON_Delete(code);
  struct tc_resp r = fx_token(f, form);
  assert_status(r, 200);
  cJSON *j = fx_json(&r);
  tc_free(&r);
  char *access = strdup(jstr(j, "access_token"));
  char refresh[128];
  snprintf(refresh, sizeof refresh, "%s", jstr(j, "refresh_token"));
  cJSON_Delete(j);
  assert_int_equal(st_v3(f, access, "/v3/jobs"), 200);
  /* a refresh works before the revocation (and rotates the token) */
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s",
           refresh);
  r = fx_token(f, form);
  assert_status(r, 200);
  j = fx_json(&r);
  tc_free(&r);
  snprintf(refresh, sizeof refresh, "%s", jstr(j, "refresh_token"));
  cJSON_Delete(j);

  cJSON *res = fx_action(f, "revoke_refresh_token", "credential=client-1");
  assert_int_equal(jnum(res, "revoked"), 1);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "access_tokens_revoked")));
  cJSON_Delete(res);
  snprintf(form, sizeof form, "grant_type=refresh_token&refresh_token=%s",
           refresh);
  r = fx_token(f, form);
  assert_status(r, 400);
  j = fx_json(&r);
  assert_string_equal(jstr(j, "error"), "invalid_grant");
  cJSON_Delete(j);
  tc_free(&r);
  /* the grant's access token went with it (revoke_cascade) */
  r = v3t(f, access, "GET", "/v3/jobs", NULL);
  assert_status(r, 401);
  assert_v3_error(&r, "revoked");
  tc_free(&r);
  /* a client-credentials token has no refresh token and is untouched */
  assert_int_equal(st_v3(f, f->access, "/v3/jobs"), 200);
  act_err(f, "revoke_refresh_token", "credential=client-1", err, sizeof err);
  assert_contains(err, "no live refresh token");
  free(access);
  simfx_free(f);
}

static void test_revoke_api_key(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  act_ok(f, "revoke_api_key", "credential=key-1");
  struct tc_resp r = v1k(f, NULL, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 401);
  char buf[128];
  assert_non_null(tc_header(&r, "WWW-Authenticate", buf, sizeof buf));
  cJSON *j = fx_json(&r);
  assert_string_equal(jstr(j, "message"), "Invalid Basic Auth credentials");
  cJSON_Delete(j);
  tc_free(&r);
  /* the OAuth client is another credential */
  assert_int_equal(st_v3(f, f->access, "/v3/users"), 200);
  char err[256];
  act_err(f, "revoke_api_key", "credential=key-9", err, sizeof err);
  assert_contains(err, "no API key 'key-9'");
  /* an OAuth client is not an API key: it is revoked another way */
  act_err(f, "revoke_api_key", "credential=client-1", err, sizeof err);
  assert_contains(err, "no API key 'client-1'");
  assert_int_equal(st_v3(f, f->access, "/v3/users"), 200);
  act_err(f, "revoke_api_key", NULL, err, sizeof err);
  assert_contains(err, "needs 'credential'");
  simfx_free(f);
}

static void test_permissions(void **state)
{
  (void)state;
  struct simfx *f = seeded_fx();
  assert_int_equal(st_v1(f, "GET", "/v1/jobs", NULL, NULL), 200);
  act_ok(f, "remove_permission", "credential=key-1 permission=GET~/v1/jobs");
  struct tc_resp r = v1k(f, NULL, "GET", "/v1/jobs", NULL, NULL);
  assert_status(r, 403);
  cJSON *j = fx_json(&r);
  assert_string_equal(jstr(j, "message"), "You do not have access to that record.");
  cJSON_Delete(j);
  tc_free(&r);
  /* only that endpoint */
  assert_int_equal(st_v1(f, "GET", "/v1/jobs/4100001", NULL, NULL), 200);
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  act_ok(f, "grant_permission", "credential=key-1 permission=GET~/v1/jobs");
  assert_int_equal(st_v1(f, "GET", "/v1/jobs", NULL, NULL), 200);
  char err[256];
  act_err(f, "remove_permission", "credential=key-1 permission=GET~/v2/everything",
          err, sizeof err);
  assert_contains(err, "'GET /v2/everything' is not a Greenhouse permission");
  act_err(f, "grant_permission", "credential=key-7 permission=GET~/v1/jobs", err,
          sizeof err);
  assert_contains(err, "no API key 'key-7'");
  act_err(f, "grant_permission", "credential=key-1", err, sizeof err);
  assert_contains(err, "needs 'credential'");
  assert_contains(err, "'permission'");
  simfx_free(f);
}

static void test_scopes(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  assert_int_equal(st_v3(f, f->access, "/v3/jobs"), 200);
  act_ok(f, "remove_scope", "credential=client-1 scope=harvest:jobs:list");
  /* enforced at request time, on a token issued before */
  struct tc_resp r = v3t(f, f->access, "GET", "/v3/jobs", NULL);
  assert_status(r, 403);
  assert_v3_error(&r, "Missing required scope: harvest:jobs:list");
  tc_free(&r);
  assert_int_equal(st_v3(f, f->access, "/v3/users"), 200);
  /* a token minted now lacks the scope */
  char scope[1024];
  char *during = new_token(f, scope, sizeof scope);
  assert_null(strstr(scope, "harvest:jobs:list"));
  assert_non_null(strstr(scope, "harvest:users:list"));
  assert_int_equal(st_v3(f, during, "/v3/jobs"), 403);
  act_ok(f, "grant_scope", "credential=client-1 scope=harvest:jobs:list");
  /* a new token carries it again and works */
  char *after = new_token(f, scope, sizeof scope);
  assert_non_null(strstr(scope, "harvest:jobs:list"));
  assert_int_equal(st_v3(f, after, "/v3/jobs"), 200);
  /* the token minted without the scope stays without it */
  assert_int_equal(st_v3(f, during, "/v3/jobs"), 403);
  char err[256];
  act_ok(f, "remove_scope", "credential=client-1 scope=harvest:users:list");
  act_err(f, "remove_scope", "credential=client-1 scope=harvest:users:list", err,
          sizeof err);
  assert_contains(err, "does not have scope 'harvest:users:list'");
  act_err(f, "grant_scope", "credential=client-5 scope=harvest:jobs:list", err,
          sizeof err);
  assert_contains(err, "no OAuth client 'client-5'");
  free(during);
  free(after);
  simfx_free(f);
}

/* ---- users ------------------------------------------------------------------- */

static void test_deactivate_reactivate_user(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long sids[2] = {0};
  long long job = add_job(f, "Designer", "Screen|Offer", sids, 2);
  long long uid = act_id(f, "add_user", "first_name=Riley last_name=Recruiter "
                                        "email=riley@acme.example");
  char obo[24], kv[64], body[256], path[64];
  snprintf(obo, sizeof obo, "%lld", uid);
  snprintf(kv, sizeof kv, "user=%lld", uid);
  snprintf(body, sizeof body, "{\"first_name\":\"Ada\",\"last_name\":\"L\","
           "\"applications\":[{\"job_id\":%lld}]}", job);
  snprintf(path, sizeof path, "/v1/users/%lld", uid);
  assert_int_equal(st_v1(f, "POST", "/v1/candidates", body, obo), 201);
  /* a v3 client acting as that user */
  cJSON *cl = NULL;
  char err[256], ukv[32];
  snprintf(ukv, sizeof ukv, "%lld", uid);
  struct sim_kv ck[] = {{"user", ukv}};
  assert_int_equal(sim_credential_add(f->sim, "oauth_client", ck, 1, &cl, err,
                                      sizeof err), 0);
  char auth[256];
  snprintf(auth, sizeof auth, "%s:%s", jstr(cl, "client_id"),
           jstr(cl, "client_secret"));
  cJSON_Delete(cl);
  struct tc_opts to = {.user = auth,
                       .ctype = "application/x-www-form-urlencoded"};
  struct tc_resp r = tc_do(f->loop, "POST", fx_url(f, "/token"),
                           "grant_type=client_credentials", &to);
  assert_status(r, 200);
  cJSON *tj = fx_json(&r);
  char *utok = strdup(jstr(tj, "access_token"));
  cJSON_Delete(tj);
  tc_free(&r);
  assert_int_equal(st_v3(f, utok, "/v3/jobs"), 200);

  act_ok(f, "deactivate_user", kv);
  r = v1k(f, NULL, "POST", "/v1/candidates", body, obo);
  assert_status(r, 403);
  assert_contains(r.body, "deactivated");
  tc_free(&r);
  cJSON *u = get1(f, path);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(u, "disabled")));
  cJSON_Delete(u);
  r = v3t(f, utok, "GET", "/v3/jobs", NULL);
  assert_status(r, 403);
  assert_v3_error(&r, "deactivated");
  tc_free(&r);
  /* other users still act */
  assert_int_equal(st_v1(f, "POST", "/v1/candidates", body, OBO), 201);

  act_ok(f, "reactivate_user", kv);
  assert_int_equal(st_v1(f, "POST", "/v1/candidates", body, obo), 201);
  assert_int_equal(st_v3(f, utok, "/v3/jobs"), 200);
  u = get1(f, path);
  assert_false(cJSON_IsTrue(cJSON_GetObjectItem(u, "disabled")));
  cJSON_Delete(u);
  act_err(f, "deactivate_user", "user=4999999", err, sizeof err);
  assert_contains(err, "no user 4999999");
  free(utok);
  simfx_free(f);
}

/* ---- jobs --------------------------------------------------------------------- */

static int count_with_id(const cJSON *list, long long id)
{
  int n = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, list) n += jnum(it, "id") == id;
  return n;
}

static void test_close_reopen_job(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long sa[2] = {0}, sb[2] = {0};
  long long a = add_job(f, "Alpha", "Screen|Offer", sa, 2);
  long long b = add_job(f, "Beta", "Screen|Offer", sb, 2);
  long long cid = add_cand(f, "Ada", "ada@example.com", a, NULL);
  char kv[64], path[80], body[128];
  snprintf(kv, sizeof kv, "job=%lld", b);
  snprintf(path, sizeof path, "/v1/candidates/%lld/applications", cid);
  snprintf(body, sizeof body, "{\"job_id\":%lld}", b);

  act_ok(f, "close_job", kv);
  struct tc_resp r = v1k(f, NULL, "POST", path, body, OBO);
  assert_status(r, 422);
  cJSON *j = fx_json(&r);
  cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "errors"), 0);
  assert_string_equal(jstr(e, "field"), "job_id");
  assert_contains(jstr(e, "message"), "closed");
  cJSON_Delete(j);
  tc_free(&r);
  cJSON *l = get1(f, "/v1/jobs?status=closed");
  assert_int_equal(cJSON_GetArraySize(l), 1);
  assert_int_equal(count_with_id(l, b), 1);
  assert_string_equal(jstr(cJSON_GetArrayItem(l, 0), "status"), "closed");
  assert_false(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(l, 0),
                                                "closed_at")));
  cJSON_Delete(l);
  l = get1(f, "/v1/jobs?status=open");
  assert_int_equal(cJSON_GetArraySize(l), 1);
  assert_int_equal(count_with_id(l, a), 1);
  cJSON_Delete(l);
  /* v3 filters alike */
  r = v3t(f, f->access, "GET", "/v3/jobs?status=closed", NULL);
  assert_status(r, 200);
  l = fx_json(&r);
  assert_int_equal(count_with_id(l, b), 1);
  cJSON_Delete(l);
  tc_free(&r);

  act_ok(f, "reopen_job", kv);
  r = v1k(f, NULL, "POST", path, body, OBO);
  assert_status(r, 200);
  tc_free(&r);
  l = get1(f, "/v1/jobs?status=closed");
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  j = getf(f, "/v1/jobs/%lld", b);
  assert_string_equal(jstr(j, "status"), "open");
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "closed_at")));
  cJSON_Delete(j);
  simfx_free(f);
}

static void test_delete_job(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long sa[2] = {0}, sb[2] = {0};
  long long a = add_job(f, "Doomed", "Screen|Offer", sa, 2);
  long long b = add_job(f, "Kept", "Screen|Offer", sb, 2);
  long long app_a, app_b;
  long long cid = add_cand(f, "Ada", "ada@example.com", a, &app_a);
  long long c2 = add_cand(f, "Bea", "bea@example.com", b, &app_b);
  /* Ada also applies to the kept job */
  char kv[96], path[96], body[64];
  snprintf(path, sizeof path, "/v1/candidates/%lld/applications", cid);
  snprintf(body, sizeof body, "{\"job_id\":%lld}", b);
  struct tc_resp r = v1k(f, NULL, "POST", path, body, OBO);
  assert_status(r, 200);
  cJSON *na = fx_json(&r);
  long long app_ab = jnum(na, "id");
  cJSON_Delete(na);
  tc_free(&r);
  assert_int_equal(stf(f, "/v1/jobs/%lld", a), 200);
  cJSON *l = get1(f, "/v1/applications");
  assert_int_equal(cJSON_GetArraySize(l), 3);
  cJSON_Delete(l);

  snprintf(kv, sizeof kv, "job=%lld", a);
  act_ok(f, "delete_job", kv);
  assert_int_equal(stf(f, "/v1/jobs/%lld", a), 404);
  assert_int_equal(stf(f, "/v1/jobs/%lld/stages", a), 404);
  l = get1(f, "/v1/jobs");
  assert_int_equal(cJSON_GetArraySize(l), 1);
  assert_int_equal(count_with_id(l, b), 1);
  cJSON_Delete(l);
  /* its applications disappear from the lists */
  l = get1(f, "/v1/applications");
  assert_int_equal(cJSON_GetArraySize(l), 2);
  assert_int_equal(count_with_id(l, app_b), 1);
  assert_int_equal(count_with_id(l, app_ab), 1);
  assert_int_equal(count_with_id(l, app_a), 0);
  cJSON_Delete(l);
  l = getf(f, "/v1/applications?job_id=%lld", a);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  assert_int_equal(stf(f, "/v1/applications/%lld", app_a), 404);
  l = getf(f, "/v1/candidates?job_id=%lld", a);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  r = v3t(f, f->access, "GET", "/v3/applications", NULL);
  assert_status(r, 200);
  l = fx_json(&r);
  assert_int_equal(cJSON_GetArraySize(l), 2);
  assert_int_equal(count_with_id(l, app_a), 0);
  cJSON_Delete(l);
  tc_free(&r);
  r = v3t(f, f->access, "GET", "/v3/jobs", NULL);
  l = fx_json(&r);
  assert_int_equal(count_with_id(l, a), 0);
  cJSON_Delete(l);
  tc_free(&r);
  /* the candidate is still there, with only the application that is left */
  cJSON *c = getf(f, "/v1/candidates/%lld", cid);
  cJSON *ids = cJSON_GetObjectItem(c, "application_ids");
  assert_int_equal(cJSON_GetArraySize(ids), 1);
  assert_int_equal(item_num(ids, 0), app_ab);
  cJSON *apps = cJSON_GetObjectItem(c, "applications");
  assert_int_equal(cJSON_GetArraySize(apps), 1);
  assert_int_equal(jnum(cJSON_GetArrayItem(apps, 0), "id"), app_ab);
  cJSON_Delete(c);
  l = getf(f, "/v1/candidates?job_id=%lld", b);
  assert_int_equal(cJSON_GetArraySize(l), 2);
  assert_int_equal(count_with_id(l, c2), 1);
  cJSON_Delete(l);
  char err[256];
  act_err(f, "delete_job", kv, err, sizeof err);
  assert_contains(err, "no job");
  act_err(f, "reopen_job", kv, err, sizeof err);
  assert_contains(err, "no job");
  simfx_free(f);
}

/* ---- stages ------------------------------------------------------------------- */

static void test_rename_stage(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long s[3] = {0};
  long long job = add_job(f, "Staged", "Screen|Onsite|Offer", s, 3);
  long long app;
  add_cand(f, "Ada", "ada@example.com", job, &app);
  char kv[96];
  snprintf(kv, sizeof kv, "stage=%lld name=Recruiter~Phone~Screen", s[0]);
  act_ok(f, "rename_stage", kv);
  cJSON *l = getf(f, "/v1/jobs/%lld/stages", job);
  assert_int_equal(cJSON_GetArraySize(l), 3);
  assert_int_equal(jnum(cJSON_GetArrayItem(l, 0), "id"), s[0]);
  assert_string_equal(jstr(cJSON_GetArrayItem(l, 0), "name"),
                      "Recruiter Phone Screen");
  assert_string_equal(jstr(cJSON_GetArrayItem(l, 1), "name"), "Onsite");
  cJSON_Delete(l);
  /* the application in that stage shows the new name */
  cJSON *a = getf(f, "/v1/applications/%lld", app);
  cJSON *cs = cJSON_GetObjectItem(a, "current_stage");
  assert_int_equal(jnum(cs, "id"), s[0]);
  assert_string_equal(jstr(cs, "name"), "Recruiter Phone Screen");
  cJSON_Delete(a);
  char path[96];
  snprintf(path, sizeof path, "/v3/job_interview_stages?job_ids=%lld", job);
  struct tc_resp r = v3t(f, f->access, "GET", path, NULL);
  assert_status(r, 200);
  assert_contains(r.body, "\"Recruiter Phone Screen\"");
  tc_free(&r);
  char err[256];
  snprintf(kv, sizeof kv, "stage=%lld", s[1]);
  act_err(f, "rename_stage", kv, err, sizeof err);
  assert_contains(err, "needs 'name'");
  act_err(f, "rename_stage", "stage=99 name=X", err, sizeof err);
  assert_contains(err, "no stage 99");
  simfx_free(f);
}

static void test_remove_stage(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long s[3] = {0};
  long long job = add_job(f, "Pipeline", "Screen|Onsite|Offer", s, 3);
  long long app;
  add_cand(f, "Ada", "ada@example.com", job, &app);
  char kv[96], path[96], body[128];
  snprintf(kv, sizeof kv, "stage=%lld", s[1]);
  act_ok(f, "remove_stage", kv);
  /* v1 keeps listing a removed stage, with "active": false [GH-STAGES] */
  cJSON *l = getf(f, "/v1/jobs/%lld/stages", job);
  assert_int_equal(cJSON_GetArraySize(l), 3);
  assert_int_equal(count_with_id(l, s[1]), 1);
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(l, 1), "active")));
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(l, 0), "active")));
  assert_int_equal(jnum(cJSON_GetArrayItem(l, 2), "id"), s[2]);
  cJSON_Delete(l);
  /* v3 lists only active stages when asked */
  char q[96];
  snprintf(q, sizeof q, "/v3/job_interview_stages?job_ids=%lld&active=true", job);
  struct tc_resp v3 = fx_v3(f, "GET", q, NULL);
  assert_int_equal(v3.status, 200);
  cJSON *l3 = fx_json(&v3);
  assert_int_equal(cJSON_GetArraySize(l3), 2);
  assert_int_equal(count_with_id(l3, s[1]), 0);
  cJSON_Delete(l3);
  tc_free(&v3);
  /* a move to the removed stage is refused */
  snprintf(path, sizeof path, "/v1/applications/%lld/move", app);
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           s[0], s[1]);
  struct tc_resp r = v1k(f, NULL, "POST", path, body, OBO);
  assert_status(r, 422);
  assert_contains(r.body, "does not belong");
  tc_free(&r);
  char err[256];
  snprintf(kv, sizeof kv, "application=%lld stage=%lld", app, s[1]);
  act_err(f, "move_application", kv, err, sizeof err);
  assert_contains(err, "does not belong");
  /* a move to a remaining stage works */
  snprintf(body, sizeof body, "{\"from_stage_id\":%lld,\"to_stage_id\":%lld}",
           s[0], s[2]);
  r = v1k(f, NULL, "POST", path, body, OBO);
  assert_status(r, 200);
  cJSON *a = fx_json(&r);
  assert_int_equal(jnum(cJSON_GetObjectItem(a, "current_stage"), "id"), s[2]);
  cJSON_Delete(a);
  tc_free(&r);
  snprintf(kv, sizeof kv, "stage=%lld", s[1]);
  act_err(f, "remove_stage", kv, err, sizeof err);
  assert_contains(err, "no stage");
  simfx_free(f);
}

/* ---- add_user / add_job / add_stage --------------------------------------------- */

static void test_add_user_job_stage(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long uid = act_id(f, "add_user", "id=4000100 first_name=Sam last_name=Lee "
                                        "email=sam@acme.example site_admin=true");
  assert_int_equal(uid, 4000100);
  cJSON *u = get1(f, "/v1/users/4000100");
  assert_string_equal(jstr(u, "name"), "Sam Lee");
  assert_string_equal(jstr(u, "primary_email_address"), "sam@acme.example");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(u, "site_admin")));
  cJSON_Delete(u);
  cJSON *l = get1(f, "/v1/users");
  assert_int_equal(cJSON_GetArraySize(l), 2);
  cJSON_Delete(l);
  /* the new user can act on behalf of the key */
  long long s[2] = {0};
  long long job = add_job(f, "Platform~Engineer", "Screen|Onsite", s, 2);
  char body[128];
  snprintf(body, sizeof body, "{\"first_name\":\"A\",\"last_name\":\"B\","
           "\"applications\":[{\"job_id\":%lld}]}", job);
  assert_int_equal(st_v1(f, "POST", "/v1/candidates", body, "4000100"), 201);

  long long draft = act_id(f, "add_job", "name=Staff~SRE status=draft "
                                         "department=Engineering office=Remote");
  cJSON *j = getf(f, "/v1/jobs/%lld", draft);
  assert_string_equal(jstr(j, "name"), "Staff SRE");
  assert_string_equal(jstr(j, "status"), "draft");
  cJSON *dep = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "departments"), 0);
  assert_string_equal(jstr(dep, "name"), "Engineering");
  cJSON *off = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "offices"), 0);
  assert_string_equal(jstr(off, "name"), "Remote");
  cJSON_Delete(j);
  j = getf(f, "/v1/jobs/%lld", job);
  assert_string_equal(jstr(j, "name"), "Platform Engineer");
  assert_string_equal(jstr(j, "status"), "open");
  cJSON_Delete(j);

  char kv[96];
  snprintf(kv, sizeof kv, "job=%lld name=Offer", job);
  long long sid = act_id(f, "add_stage", kv);
  l = getf(f, "/v1/jobs/%lld/stages", job);
  assert_int_equal(cJSON_GetArraySize(l), 3);
  assert_int_equal(jnum(cJSON_GetArrayItem(l, 2), "id"), sid);
  assert_string_equal(jstr(cJSON_GetArrayItem(l, 2), "name"), "Offer");
  cJSON_Delete(l);
  /* a job with no stages takes no applications until one is added */
  l = getf(f, "/v1/jobs/%lld/stages", draft);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);

  char err[256];
  act_err(f, "add_user", "id=4000100 first_name=X last_name=Y", err, sizeof err);
  assert_contains(err, "user 4000100 already exists");
  act_err(f, "add_user", "first_name=X", err, sizeof err);
  assert_contains(err, "needs 'first_name' and 'last_name'");
  act_err(f, "add_job", "name=X status=paused", err, sizeof err);
  assert_contains(err, "status=paused");
  act_err(f, "add_job", "stages=A|B", err, sizeof err);
  assert_contains(err, "needs 'name'");
  act_err(f, "add_stage", "job=4199999 name=X", err, sizeof err);
  assert_contains(err, "no job 4199999");
  snprintf(kv, sizeof kv, "job=%lld", job);
  act_err(f, "add_stage", kv, err, sizeof err);
  assert_contains(err, "needs 'name'");
  simfx_free(f);
}

/* ---- candidates ------------------------------------------------------------------ */

static void test_add_candidate(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long s[2] = {0};
  long long job = add_job(f, "Analyst", "Screen|Onsite", s, 2);
  long long c1 = act_id(f, "add_candidate", "first_name=Ada last_name=Lovelace "
                                            "email=ada@example.com "
                                            "phone=+14155550123 company=Analytical");
  /* the same person again, the email in another case, applying to a job */
  char kv[160];
  snprintf(kv, sizeof kv, "first_name=Ada last_name=Lovelace "
           "email=ADA@Example.COM job=%lld", job);
  cJSON *r = fx_action(f, "add_candidate", kv);
  long long c2 = jnum(r, "id");
  long long app = jnum(r, "application_id");
  cJSON_Delete(r);
  assert_true(c1 != c2);
  cJSON *l = get1(f, "/v1/candidates?email=ada@example.com");
  assert_int_equal(cJSON_GetArraySize(l), 2);
  assert_int_equal(count_with_id(l, c1), 1);
  assert_int_equal(count_with_id(l, c2), 1);
  cJSON_Delete(l);
  cJSON *c = getf(f, "/v1/candidates/%lld", c1);
  assert_string_equal(jstr(c, "company"), "Analytical");
  cJSON *ph = cJSON_GetArrayItem(cJSON_GetObjectItem(c, "phone_numbers"), 0);
  assert_string_equal(jstr(ph, "value"), "+14155550123");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "applications")), 0);
  cJSON_Delete(c);
  /* the application starts in the job's first stage */
  cJSON *a = getf(f, "/v1/applications/%lld", app);
  assert_int_equal(jnum(a, "candidate_id"), c2);
  assert_int_equal(jnum(cJSON_GetObjectItem(a, "current_stage"), "id"), s[0]);
  cJSON_Delete(a);
  l = getf(f, "/v1/candidates?job_id=%lld", job);
  assert_int_equal(cJSON_GetArraySize(l), 1);
  cJSON_Delete(l);
  /* an explicit stage */
  snprintf(kv, sizeof kv, "first_name=Bea last_name=B job=%lld stage=%lld", job,
           s[1]);
  r = fx_action(f, "add_candidate", kv);
  a = getf(f, "/v1/applications/%lld", jnum(r, "application_id"));
  assert_int_equal(jnum(cJSON_GetObjectItem(a, "current_stage"), "id"), s[1]);
  cJSON_Delete(a);
  cJSON_Delete(r);

  char err[256];
  long long o[2] = {0};
  long long other = add_job(f, "Other", "X|Y", o, 2);
  snprintf(kv, sizeof kv, "first_name=C last_name=D job=%lld stage=%lld", job,
           o[0]);
  act_err(f, "add_candidate", kv, err, sizeof err);
  assert_contains(err, "is not a stage of job");
  (void)other;
  act_err(f, "add_candidate", "first_name=C", err, sizeof err);
  assert_contains(err, "needs 'first_name' and 'last_name'");
  act_err(f, "add_candidate", "first_name=C last_name=D job=4199999", err,
          sizeof err);
  assert_contains(err, "no job 4199999");
  long long empty = act_id(f, "add_job", "name=Stageless");
  snprintf(kv, sizeof kv, "first_name=C last_name=D job=%lld", empty);
  act_err(f, "add_candidate", kv, err, sizeof err);
  assert_contains(err, "has no stages");
  snprintf(kv, sizeof kv, "id=%lld first_name=C last_name=D", c1);
  act_err(f, "add_candidate", kv, err, sizeof err);
  assert_contains(err, "already exists");
  simfx_free(f);
}

static void test_update_candidate(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long c = act_id(f, "add_candidate", "first_name=Ada last_name=Byron "
                                           "email=ada@old.example,ada@two.example");
  char kv[200];
  snprintf(kv, sizeof kv, "candidate=%lld last_name=Lovelace "
           "email=ada@new.example phone=+442079460000 company=Analytical~Engines",
           c);
  act_ok(f, "update_candidate", kv);
  cJSON *j = getf(f, "/v1/candidates/%lld", c);
  assert_string_equal(jstr(j, "first_name"), "Ada");
  assert_string_equal(jstr(j, "last_name"), "Lovelace");
  assert_string_equal(jstr(j, "company"), "Analytical Engines");
  cJSON *em = cJSON_GetObjectItem(j, "email_addresses");
  assert_int_equal(cJSON_GetArraySize(em), 1); /* the list is replaced */
  assert_string_equal(jstr(cJSON_GetArrayItem(em, 0), "value"), "ada@new.example");
  assert_string_equal(
      jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "phone_numbers"), 0), "value"),
      "+442079460000");
  cJSON_Delete(j);
  cJSON *l = get1(f, "/v1/candidates?email=ada@old.example");
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  l = get1(f, "/v1/candidates?email=ada@new.example");
  assert_int_equal(cJSON_GetArraySize(l), 1);
  cJSON_Delete(l);
  char err[256];
  act_err(f, "update_candidate", "candidate=39999999 first_name=X", err,
          sizeof err);
  assert_contains(err, "no candidate 39999999");
  act_err(f, "update_candidate", "first_name=X", err, sizeof err);
  assert_contains(err, "needs 'candidate'");
  snprintf(kv, sizeof kv, "candidate=%lld title=Countess", c);
  act_err(f, "update_candidate", kv, err, sizeof err);
  assert_contains(err, "no parameter 'title'");
  simfx_free(f);
}

static void test_merge_candidates(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long sa[2] = {0}, sb[2] = {0};
  long long a = add_job(f, "Alpha", "Screen|Offer", sa, 2);
  long long b = add_job(f, "Beta", "Screen|Offer", sb, 2);
  long long app1, app2;
  long long p = add_cand(f, "Ada", "ada@example.com", a, &app1);
  long long d = add_cand(f, "Ada", "ada.lovelace@example.org", b, &app2);
  char kv[96];
  snprintf(kv, sizeof kv, "primary=%lld duplicate=%lld", p, d);
  assert_int_equal(act_id(f, "merge_candidates", kv), p);
  assert_int_equal(stf(f, "/v1/candidates/%lld", d), 404);
  cJSON *c = getf(f, "/v1/candidates/%lld", p);
  cJSON *ids = cJSON_GetObjectItem(c, "application_ids");
  assert_int_equal(cJSON_GetArraySize(ids), 2);
  assert_int_equal(item_num(ids, 0), app1);
  assert_int_equal(item_num(ids, 1), app2);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "email_addresses")), 2);
  cJSON_Delete(c);
  cJSON *l = get1(f, "/v1/candidates");
  assert_int_equal(cJSON_GetArraySize(l), 1);
  cJSON_Delete(l);
  cJSON *ap = getf(f, "/v1/applications/%lld", app2);
  assert_int_equal(jnum(ap, "candidate_id"), p);
  cJSON_Delete(ap);
  l = get1(f, "/v1/candidates?email=ada.lovelace@example.org");
  assert_int_equal(cJSON_GetArraySize(l), 1);
  assert_int_equal(count_with_id(l, p), 1);
  cJSON_Delete(l);
  char err[256];
  act_err(f, "merge_candidates", kv, err, sizeof err);
  assert_contains(err, "no candidate");
  snprintf(kv, sizeof kv, "primary=%lld duplicate=%lld", p, p);
  act_err(f, "merge_candidates", kv, err, sizeof err);
  assert_contains(err, "cannot be merged into itself");
  snprintf(kv, sizeof kv, "primary=%lld", p);
  act_err(f, "merge_candidates", kv, err, sizeof err);
  assert_contains(err, "needs 'duplicate'");
  simfx_free(f);
}

/* ---- applications ----------------------------------------------------------------- */

static void test_application_actions(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  long long s[3] = {0};
  long long job = add_job(f, "Engineer", "Screen|Onsite|Offer", s, 3);
  long long app;
  add_cand(f, "Ada", "ada@example.com", job, &app);
  char kv[160], err[256];

  snprintf(kv, sizeof kv, "application=%lld stage=%lld", app, s[1]);
  cJSON *r = fx_action(f, "move_application", kv);
  assert_int_equal(jnum(r, "application"), app);
  assert_string_equal(jstr(r, "status"), "active");
  cJSON_Delete(r);
  cJSON *a = getf(f, "/v1/applications/%lld", app);
  assert_int_equal(jnum(cJSON_GetObjectItem(a, "current_stage"), "id"), s[1]);
  assert_string_equal(jstr(cJSON_GetObjectItem(a, "current_stage"), "name"),
                      "Onsite");
  cJSON_Delete(a);

  snprintf(kv, sizeof kv, "application=%lld reason=101 notes=Not~now", app);
  act_ok(f, "reject_application", kv);
  a = getf(f, "/v1/applications/%lld", app);
  assert_string_equal(jstr(a, "status"), "rejected");
  assert_false(cJSON_IsNull(cJSON_GetObjectItem(a, "rejected_at")));
  assert_int_equal(jnum(cJSON_GetObjectItem(a, "rejection_reason"), "id"), 101);
  cJSON_Delete(a);
  cJSON *l = getf(f, "/v1/applications?status=rejected&job_id=%lld", job);
  assert_int_equal(cJSON_GetArraySize(l), 1);
  cJSON_Delete(l);
  act_err(f, "reject_application", kv, err, sizeof err);
  assert_contains(err, "must be 'active', is currently 'rejected'");
  snprintf(kv, sizeof kv, "application=%lld stage=%lld", app, s[2]);
  act_err(f, "move_application", kv, err, sizeof err);
  assert_contains(err, "is currently 'rejected'");

  snprintf(kv, sizeof kv, "application=%lld", app);
  act_ok(f, "unreject_application", kv);
  a = getf(f, "/v1/applications/%lld", app);
  assert_string_equal(jstr(a, "status"), "active");
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "rejected_at")));
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "rejection_reason")));
  cJSON_Delete(a);
  act_err(f, "unreject_application", kv, err, sizeof err);
  assert_contains(err, "must be 'rejected', is currently 'active'");

  snprintf(kv, sizeof kv, "application=%lld start_date=2026-04-01", app);
  r = fx_action(f, "hire_application", kv);
  assert_string_equal(jstr(r, "status"), "hired");
  cJSON_Delete(r);
  a = getf(f, "/v1/applications/%lld", app);
  assert_string_equal(jstr(a, "status"), "hired");
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(a, "current_stage")));
  cJSON_Delete(a);
  snprintf(kv, sizeof kv, "application=%lld", app);
  act_err(f, "unreject_application", kv, err, sizeof err);
  assert_contains(err, "is currently 'hired'");
  act_err(f, "hire_application", kv, err, sizeof err);
  assert_contains(err, "is currently 'hired'");

  /* bad input */
  long long app2;
  add_cand(f, "Bea", "bea@example.com", job, &app2);
  snprintf(kv, sizeof kv, "application=%lld reason=999", app2);
  act_err(f, "reject_application", kv, err, sizeof err);
  assert_contains(err, "no rejection reason 999");
  snprintf(kv, sizeof kv, "application=%lld", app2);
  act_err(f, "move_application", kv, err, sizeof err);
  assert_contains(err, "needs 'stage'");
  act_err(f, "hire_application", "application=69999999", err, sizeof err);
  assert_contains(err, "no application 69999999");
  snprintf(kv, sizeof kv, "application=%lld notes=x", app2);
  act_err(f, "hire_application", kv, err, sizeof err);
  assert_contains(err, "no parameter 'notes'");
  assert_contains(err, "application, start_date");
  /* nothing changed for it */
  a = getf(f, "/v1/applications/%lld", app2);
  assert_string_equal(jstr(a, "status"), "active");
  assert_int_equal(jnum(cJSON_GetObjectItem(a, "current_stage"), "id"), s[0]);
  cJSON_Delete(a);
  simfx_free(f);
}

/* ---- bad action input --------------------------------------------------------------- */

static void test_bad_action_input(void **state)
{
  (void)state;
  struct simfx *f = seeded_fx();
  char err[1024];
  act_err(f, "explode", NULL, err, sizeof err);
  assert_contains(err, "unknown action 'explode'");
  assert_contains(err, "close_job");
  assert_contains(err, "hire_application");
  act_err(f, "close_job", "job=4100001 colour=red", err, sizeof err);
  assert_contains(err, "action close_job: has no parameter 'colour'");
  assert_contains(err, "(it takes: job)");
  act_err(f, "close_job", NULL, err, sizeof err);
  assert_contains(err, "needs 'job'");
  act_err(f, "close_job", "job=999", err, sizeof err);
  assert_contains(err, "there is no job 999");
  act_err(f, "close_job", "job=abc", err, sizeof err);
  assert_contains(err, "'job=abc' is not an id");
  act_err(f, "deactivate_user", NULL, err, sizeof err);
  assert_contains(err, "needs 'user'");
  act_err(f, "reject_application", "application=1 reason=x", err, sizeof err);
  assert_contains(err, "no application 1");
  /* none of them changed anything */
  cJSON *j = get1(f, "/v1/jobs/4100001");
  assert_string_equal(jstr(j, "status"), "open");
  cJSON_Delete(j);
  /* NULL result pointer is allowed */
  struct sim_kv kv[] = {{"job", "4100001"}};
  assert_int_equal(sim_action(f->sim, "close_job", kv, 1, NULL, err, sizeof err),
                   0);
  j = get1(f, "/v1/jobs/4100001");
  assert_string_equal(jstr(j, "status"), "closed");
  cJSON_Delete(j);
  simfx_free(f);
}

/* ---- the control API ----------------------------------------------------------------- */

static cJSON *ctl_json(struct simfx *f, const char *method, const char *path,
                       const char *body, long want)
{
  struct tc_resp r = ctl(f, method, path, body);
  assert_status(r, want);
  cJSON *j = fx_json(&r);
  tc_free(&r);
  return j;
}

/* A control error: status, a JSON {"error": ...} containing 'needle'. */
static void ctl_error(struct simfx *f, const char *method, const char *path,
                      const char *body, long want, const char *needle)
{
  struct tc_resp r = ctl(f, method, path, body);
  assert_status(r, want);
  char ct[96];
  assert_non_null(tc_header(&r, "Content-Type", ct, sizeof ct));
  assert_contains(ct, "application/json");
  cJSON *j = fx_json(&r);
  assert_contains(jstr(j, "error"), needle);
  cJSON_Delete(j);
  tc_free(&r);
}

static void test_control_health(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  cJSON *h = ctl_json(f, "GET", "/_sim/health", NULL, 200);
  assert_string_equal(jstr(h, "status"), "ok");
  assert_string_equal(jstr(h, "ats"), "greenhouse");
  assert_string_equal(jstr(h, "clock"), "virtual");
  assert_string_equal(jstr(h, "base_url"), f->base);
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(h, "listening")));
  assert_string_equal(jstr(h, "now"), "2026-03-02T09:00:00.000Z");
  cJSON_Delete(h);
  /* control requests are not journaled, and no API credential is needed */
  uint64_t last = sim_journal_last(f->sim);
  h = ctl_json(f, "GET", "/_sim/health", NULL, 200);
  cJSON_Delete(h);
  assert_int_equal(sim_journal_last(f->sim), last);
  simfx_free(f);
}

static void test_control_faults(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  cJSON *fj = ctl_json(f, "POST", "/_sim/faults",
                       "{\"kind\":\"outage\",\"mode\":\"503\"}", 201);
  long long id = jnum(fj, "id");
  assert_true(id > 0);
  assert_string_equal(jstr(fj, "kind"), "outage");
  assert_string_equal(jstr(fj, "mode"), "503");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(fj, "active")));
  cJSON_Delete(fj);
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 503);
  /* the control API is not behind the outage */
  cJSON *l = ctl_json(f, "GET", "/_sim/faults", NULL, 200);
  assert_int_equal(cJSON_GetArraySize(l), 1);
  assert_int_equal(jnum(cJSON_GetArrayItem(l, 0), "id"), id);
  assert_int_equal(jnum(cJSON_GetArrayItem(l, 0), "applied"), 1);
  cJSON_Delete(l);
  char path[64];
  snprintf(path, sizeof path, "/_sim/faults/%lld", id);
  fj = ctl_json(f, "GET", path, NULL, 200);
  assert_int_equal(jnum(fj, "id"), id);
  cJSON_Delete(fj);
  struct tc_resp r = ctl(f, "DELETE", path, NULL);
  assert_status(r, 204);
  assert_int_equal(r.len, 0);
  tc_free(&r);
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  ctl_error(f, "DELETE", path, NULL, 404, "no such fault");
  ctl_error(f, "GET", path, NULL, 404, "no such fault");
  /* numbers and lists become parameters; DELETE /_sim/faults clears all */
  fj = ctl_json(f, "POST", "/_sim/faults",
                "{\"kind\":\"outage\",\"mode\":\"500\",\"route\":\"GET /v1/jobs\","
                "\"count\":1}", 201);
  assert_int_equal(jnum(fj, "count"), 1);
  assert_string_equal(jstr(fj, "route"), "GET /v1/jobs");
  cJSON_Delete(fj);
  fj = ctl_json(f, "POST", "/_sim/faults",
                "{\"kind\":\"rate_limit\",\"limit\":5,\"window\":\"1m\"}", 201);
  assert_int_equal(jnum(fj, "limit"), 5);
  cJSON_Delete(fj);
  assert_int_equal(st_v1(f, "GET", "/v1/jobs", NULL, NULL), 500);
  assert_int_equal(st_v1(f, "GET", "/v1/jobs", NULL, NULL), 200);
  r = ctl(f, "DELETE", "/_sim/faults", NULL);
  assert_status(r, 204);
  tc_free(&r);
  l = ctl_json(f, "GET", "/_sim/faults", NULL, 200);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  simfx_free(f);
}

static void test_control_credentials(void **state)
{
  (void)state;
  struct simfx *f = seeded_fx();
  cJSON *k = ctl_json(f, "POST", "/_sim/credentials",
                      "{\"type\":\"api_key\",\"permissions\":[\"GET /v1/jobs\"]}",
                      201);
  assert_string_equal(jstr(k, "id"), "key-2");
  char key[80];
  snprintf(key, sizeof key, "%s", jstr(k, "key"));
  cJSON *perms = cJSON_GetObjectItem(k, "permissions");
  assert_int_equal(cJSON_GetArraySize(perms), 1);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(perms, 0)),
                      "GET /v1/jobs");
  cJSON_Delete(k);
  struct tc_resp r = v1k(f, key, "GET", "/v1/jobs", NULL, NULL);
  assert_status(r, 200);
  cJSON *l = fx_json(&r);
  assert_int_equal(cJSON_GetArraySize(l), 5);
  cJSON_Delete(l);
  tc_free(&r);
  r = v1k(f, key, "GET", "/v1/users", NULL, NULL);
  assert_status(r, 403);
  tc_free(&r);
  r = v1k(f, key, "GET", "/v1/jobs/4100001", NULL, NULL);
  assert_status(r, 403);
  tc_free(&r);
  /* listed without secrets */
  r = ctl(f, "GET", "/_sim/credentials", NULL);
  assert_status(r, 200);
  assert_contains(r.body, "\"key-2\"");
  assert_null(strstr(r.body, key));
  tc_free(&r);
  r = ctl(f, "DELETE", "/_sim/credentials/key-2", NULL);
  assert_status(r, 204);
  tc_free(&r);
  r = v1k(f, key, "GET", "/v1/jobs", NULL, NULL);
  assert_status(r, 401);
  tc_free(&r);
  assert_int_equal(st_v1(f, "GET", "/v1/jobs", NULL, NULL), 200); /* key-1 */
  ctl_error(f, "DELETE", "/_sim/credentials/key-99", NULL, 404,
            "no credential 'key-99'");
  ctl_error(f, "POST", "/_sim/credentials",
            "{\"type\":\"api_key\",\"permissions\":[\"DELETE /v1/everything\"]}",
            422, "'DELETE /v1/everything' is not a permission");
  ctl_error(f, "POST", "/_sim/credentials", "{\"type\":\"magic\"}", 422,
            "unknown credential type 'magic'");
  /* an OAuth client minted over HTTP gets tokens */
  k = ctl_json(f, "POST", "/_sim/credentials",
               "{\"type\":\"oauth_client\",\"scopes\":[\"harvest:jobs:list\"]}",
               201);
  char auth[200];
  snprintf(auth, sizeof auth, "%s:%s", jstr(k, "client_id"),
           jstr(k, "client_secret"));
  cJSON_Delete(k);
  struct tc_opts to = {.user = auth,
                       .ctype = "application/x-www-form-urlencoded"};
  r = tc_do(f->loop, "POST", fx_url(f, "/token"),
            "grant_type=client_credentials", &to);
  assert_status(r, 200);
  cJSON *t = fx_json(&r);
  assert_string_equal(jstr(t, "scope"), "harvest:jobs:list");
  char *tok = strdup(jstr(t, "access_token"));
  cJSON_Delete(t);
  tc_free(&r);
  assert_int_equal(st_v3(f, tok, "/v3/jobs"), 200);
  assert_int_equal(st_v3(f, tok, "/v3/users"), 403);
  free(tok);
  simfx_free(f);
}

static void test_control_actions(void **state)
{
  (void)state;
  struct simfx *f = seeded_fx();
  cJSON *res = ctl_json(f, "POST", "/_sim/actions",
                        "{\"action\":\"close_job\",\"job\":4100001}", 200);
  assert_string_equal(jstr(res, "action"), "close_job");
  cJSON_Delete(res);
  cJSON *j = get1(f, "/v1/jobs/4100001");
  assert_string_equal(jstr(j, "status"), "closed");
  cJSON_Delete(j);
  /* ids as strings work too; the result carries new ids */
  res = ctl_json(f, "POST", "/_sim/actions",
                 "{\"action\":\"add_job\",\"name\":\"Platform Engineer\","
                 "\"stages\":\"Screen|Offer\"}", 200);
  long long id = jnum(res, "id");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(res, "stage_ids")), 2);
  cJSON_Delete(res);
  j = getf(f, "/v1/jobs/%lld", id);
  assert_string_equal(jstr(j, "name"), "Platform Engineer");
  cJSON_Delete(j);
  char body[128];
  snprintf(body, sizeof body, "{\"action\":\"close_job\",\"job\":\"%lld\"}", id);
  res = ctl_json(f, "POST", "/_sim/actions", body, 200);
  cJSON_Delete(res);
  j = getf(f, "/v1/jobs/%lld", id);
  assert_string_equal(jstr(j, "status"), "closed");
  cJSON_Delete(j);
  ctl_error(f, "POST", "/_sim/actions", "{\"action\":\"close_job\"}", 422,
            "needs 'job'");
  ctl_error(f, "POST", "/_sim/actions", "{\"action\":\"close_job\",\"job\":999}",
            422, "there is no job 999");
  ctl_error(f, "POST", "/_sim/actions", "{\"job\":4100002}", 400,
            "needs 'action'");
  ctl_error(f, "POST", "/_sim/actions", "{\"action\":\"teleport\"}", 422,
            "unknown action 'teleport'");
  ctl_error(f, "GET", "/_sim/actions", NULL, 405, "method GET not allowed");
  simfx_free(f);
}

static void test_control_webhooks(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  cJSON *w = ctl_json(f, "POST", "/_sim/webhooks",
                      "{\"url\":\"http://127.0.0.1:9/hooks\",\"secret\":\"s3cret\","
                      "\"events\":[\"candidate_hired\",\"application_updated\"]}",
                      201);
  long long id = jnum(w, "id");
  assert_int_equal(id, 1);
  cJSON_Delete(w);
  struct tc_resp r = ctl(f, "GET", "/_sim/webhooks", NULL);
  assert_status(r, 200);
  assert_null(strstr(r.body, "s3cret")); /* the secret is masked */
  cJSON *l = fx_json(&r);
  tc_free(&r);
  assert_int_equal(cJSON_GetArraySize(l), 1);
  cJSON *h = cJSON_GetArrayItem(l, 0);
  assert_string_equal(jstr(h, "url"), "http://127.0.0.1:9/hooks");
  assert_string_equal(jstr(h, "secret"), "********");
  cJSON *ev = cJSON_GetObjectItem(h, "events");
  assert_int_equal(cJSON_GetArraySize(ev), 2);
  assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(ev, 1)),
                      "application_updated");
  cJSON_Delete(l);
  r = ctl(f, "DELETE", "/_sim/webhooks/1", NULL);
  assert_status(r, 204);
  tc_free(&r);
  l = ctl_json(f, "GET", "/_sim/webhooks", NULL, 200);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  ctl_error(f, "DELETE", "/_sim/webhooks/1", NULL, 404, "no such webhook");
  ctl_error(f, "POST", "/_sim/webhooks", "{\"url\":\"http://127.0.0.1:9/h\"}",
            422, "needs 'secret'");
  ctl_error(f, "POST", "/_sim/webhooks", "{\"url\":\"ftp://x\",\"secret\":\"s\"}",
            422, "needs 'url'");
  simfx_free(f);
}

static void test_control_state_and_journal(void **state)
{
  (void)state;
  struct simfx *f = seeded_fx();
  cJSON *s = ctl_json(f, "GET", "/_sim/state", NULL, 200);
  assert_string_equal(jstr(s, "ats"), "greenhouse");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "jobs")), 5);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(s, "users")), 4);
  assert_int_equal(jnum(cJSON_GetObjectItem(s, "counts"), "candidates"), 6);
  cJSON_Delete(s);
  act_ok(f, "add_candidate", "first_name=New last_name=Person");
  s = ctl_json(f, "GET", "/_sim/state", NULL, 200);
  assert_int_equal(jnum(cJSON_GetObjectItem(s, "counts"), "candidates"), 7);
  cJSON_Delete(s);

  cJSON *j = ctl_json(f, "GET", "/_sim/journal", NULL, 200);
  long long last = jnum(j, "last");
  assert_true(last >= 1); /* the fixture's token request */
  cJSON_Delete(j);
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(st_v1(f, "GET", "/v1/jobs/4100099", NULL, NULL), 404);
  char path[64];
  snprintf(path, sizeof path, "/_sim/journal?after=%lld", last);
  j = ctl_json(f, "GET", path, NULL, 200);
  assert_int_equal(jnum(j, "last"), last + 2);
  cJSON *e = cJSON_GetObjectItem(j, "entries");
  assert_int_equal(cJSON_GetArraySize(e), 2);
  assert_int_equal(jnum(cJSON_GetArrayItem(e, 0), "n"), last + 1);
  assert_string_equal(jstr(cJSON_GetArrayItem(e, 0), "target"), "/v1/users");
  assert_int_equal(jnum(cJSON_GetArrayItem(e, 0), "status"), 200);
  assert_string_equal(jstr(cJSON_GetArrayItem(e, 0), "credential"), "key-1");
  assert_string_equal(jstr(cJSON_GetArrayItem(e, 1), "route"),
                      "GET /v1/jobs/{id}");
  assert_int_equal(jnum(cJSON_GetArrayItem(e, 1), "status"), 404);
  cJSON_Delete(j);
  snprintf(path, sizeof path, "/_sim/journal?after=%lld&limit=1", last);
  j = ctl_json(f, "GET", path, NULL, 200);
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "entries")), 1);
  cJSON_Delete(j);
  ctl_error(f, "GET", "/_sim/journal?after=yesterday", NULL, 400,
            "'after' and 'limit' must be whole numbers");
  ctl_error(f, "POST", "/_sim/state", "{}", 405, "method POST not allowed");
  simfx_free(f);
}

static void test_control_reset(void **state)
{
  (void)state;
  struct simfx *f = seeded_fx();
  act_ok(f, "add_candidate", "first_name=New last_name=Person");
  act_ok(f, "close_job", "job=4100001");
  fx_fault(f, "outage", "mode=503 route=/v1/sources");
  struct tc_resp r = ctl(f, "POST", "/_sim/webhooks",
                         "{\"url\":\"http://127.0.0.1:9/h\",\"secret\":\"s\"}");
  assert_status(r, 201);
  tc_free(&r);
  assert_int_equal(st_v1(f, "GET", "/v1/sources", NULL, NULL), 503);
  uint16_t port = sim_port(f->sim);

  r = ctl(f, "POST", "/_sim/reset", NULL);
  assert_status(r, 204);
  tc_free(&r);
  assert_int_equal(sim_port(f->sim), port);
  cJSON *s = ctl_json(f, "GET", "/_sim/state", NULL, 200);
  assert_int_equal(jnum(cJSON_GetObjectItem(s, "counts"), "candidates"), 6);
  assert_int_equal(jnum(cJSON_GetObjectItem(s, "counts"), "requests"), 0);
  cJSON *jobs = cJSON_GetObjectItem(s, "jobs");
  assert_int_equal(cJSON_GetArraySize(jobs), 5);
  assert_string_equal(jstr(cJSON_GetArrayItem(jobs, 0), "status"), "open");
  cJSON_Delete(s);
  cJSON *l = ctl_json(f, "GET", "/_sim/faults", NULL, 200);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  l = ctl_json(f, "GET", "/_sim/webhooks", NULL, 200);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  cJSON *j = ctl_json(f, "GET", "/_sim/journal", NULL, 200);
  assert_int_equal(jnum(j, "last"), 0);
  cJSON_Delete(j);
  /* credentials are back to none: the old key is unknown */
  assert_int_equal(st_v1(f, "GET", "/v1/sources", NULL, NULL), 401);
  cJSON *k = ctl_json(f, "POST", "/_sim/credentials", "{\"type\":\"api_key\"}",
                      201);
  assert_string_equal(jstr(k, "id"), "key-1");
  char key[80];
  snprintf(key, sizeof key, "%s", jstr(k, "key"));
  cJSON_Delete(k);
  r = v1k(f, key, "GET", "/v1/sources", NULL, NULL);
  assert_status(r, 200);
  tc_free(&r);
  r = v1k(f, key, "GET", "/v1/jobs/4100001", NULL, NULL);
  assert_status(r, 200);
  j = fx_json(&r);
  assert_string_equal(jstr(j, "status"), "open");
  cJSON_Delete(j);
  tc_free(&r);
  ctl_error(f, "GET", "/_sim/reset", NULL, 405, "use POST");
  simfx_free(f);
}

static void test_control_clock(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  cJSON *c = ctl_json(f, "GET", "/_sim/clock", NULL, 200);
  assert_string_equal(jstr(c, "clock"), "virtual");
  assert_string_equal(jstr(c, "now"), "2026-03-02T09:00:00.000Z");
  cJSON_Delete(c);
  fx_fault(f, "rate_limit", "limit=1 window=30s route=/v1/users");
  fx_fault(f, "outage", "mode=503 for=20s route=/v1/jobs");
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 429);
  int64_t before = at_loop_now(f->loop);
  c = ctl_json(f, "POST", "/_sim/clock", "{\"advance\":\"30s\"}", 200);
  assert_string_equal(jstr(c, "now"), "2026-03-02T09:00:30.000Z");
  cJSON_Delete(c);
  assert_int_equal(at_loop_now(f->loop) - before, 30000);
  /* time-based state moved with it */
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  assert_int_equal(st_v1(f, "GET", "/v1/jobs", NULL, NULL), 200);
  c = ctl_json(f, "POST", "/_sim/clock", "{\"to\":\"2026-03-02T10:00:00Z\"}", 200);
  cJSON_Delete(c);
  assert_int_equal(at_loop_now(f->loop), AT_CLOCK_DEFAULT_EPOCH_MS + 3600000);
  ctl_error(f, "POST", "/_sim/clock", "{\"advance\":\"soon\"}", 422,
            "give 'advance'");
  ctl_error(f, "POST", "/_sim/clock", "{\"to\":\"2026-03-02T09:00:00Z\"}", 422,
            "not in the past");
  assert_int_equal(at_loop_now(f->loop), AT_CLOCK_DEFAULT_EPOCH_MS + 3600000);
  simfx_free(f);
}

static void test_control_errors(void **state)
{
  (void)state;
  struct simfx *f = empty_fx();
  ctl_error(f, "POST", "/_sim/faults", "{\"kind\":", 400, "");
  ctl_error(f, "POST", "/_sim/faults", "[1,2]", 400, "must be a JSON object");
  ctl_error(f, "GET", "/_sim/nope", NULL, 404, "/_sim/nope");
  ctl_error(f, "GET", "/_sim", NULL, 404, "no control endpoint");
  struct tc_resp r = ctl(f, "PUT", "/_sim/faults", "{}");
  assert_status(r, 405);
  char allow[64];
  assert_non_null(tc_header(&r, "Allow", allow, sizeof allow));
  assert_string_equal(allow, "GET, POST, DELETE");
  cJSON *j = fx_json(&r);
  assert_contains(jstr(j, "error"), "method PUT not allowed");
  cJSON_Delete(j);
  tc_free(&r);
  ctl_error(f, "POST", "/_sim/faults", "{\"kind\":\"gremlins\"}", 422,
            "unknown fault kind 'gremlins'");
  ctl_error(f, "POST", "/_sim/faults", "{\"mode\":\"503\"}", 400, "needs 'kind'");
  ctl_error(f, "POST", "/_sim/faults", "{\"kind\":\"outage\",\"colour\":\"red\"}",
            422, "no parameter 'colour'");
  ctl_error(f, "POST", "/_sim/faults",
            "{\"kind\":\"outage\",\"mode\":{\"deep\":1}}", 400,
            "'mode' must be a string");
  ctl_error(f, "POST", "/_sim/faults",
            "{\"kind\":\"outage\",\"mode\":\"refused\",\"route\":\"/v1/jobs\"}",
            422, "refused");
  ctl_error(f, "DELETE", "/_sim/faults/abc", NULL, 404, "no such fault");
  ctl_error(f, "PUT", "/_sim/credentials/key-1", "{}", 405, "use DELETE");
  /* after all that, nothing was added and the API is fine */
  cJSON *l = ctl_json(f, "GET", "/_sim/faults", NULL, 200);
  assert_int_equal(cJSON_GetArraySize(l), 0);
  cJSON_Delete(l);
  assert_int_equal(st_v1(f, "GET", "/v1/users", NULL, NULL), 200);
  simfx_free(f);
}

int main(int argc, char **argv)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  if (argc > 1)
    cmocka_set_test_filter(argv[1]);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expire_tokens),
      cmocka_unit_test(test_revoke_refresh_token),
      cmocka_unit_test(test_revoke_api_key),
      cmocka_unit_test(test_permissions),
      cmocka_unit_test(test_scopes),
      cmocka_unit_test(test_deactivate_reactivate_user),
      cmocka_unit_test(test_close_reopen_job),
      cmocka_unit_test(test_delete_job),
      cmocka_unit_test(test_rename_stage),
      cmocka_unit_test(test_remove_stage),
      cmocka_unit_test(test_add_user_job_stage),
      cmocka_unit_test(test_add_candidate),
      cmocka_unit_test(test_update_candidate),
      cmocka_unit_test(test_merge_candidates),
      cmocka_unit_test(test_application_actions),
      cmocka_unit_test(test_bad_action_input),
      cmocka_unit_test(test_control_health),
      cmocka_unit_test(test_control_faults),
      cmocka_unit_test(test_control_credentials),
      cmocka_unit_test(test_control_actions),
      cmocka_unit_test(test_control_webhooks),
      cmocka_unit_test(test_control_state_and_journal),
      cmocka_unit_test(test_control_reset),
      cmocka_unit_test(test_control_clock),
      cmocka_unit_test(test_control_errors),
  };
  int rc = cmocka_run_group_tests_name("actions", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
