/* test_gh_pull.c — the Greenhouse connector's status-pull operations
 * without a network: build() of OP_READ_APP, OP_CHANGED_APPS and
 * OP_CHANGED_PEOPLE (and the source and custom fields a create sends) on
 * v3 and v1, parse() of canned answers shaped like the fake Greenhouse's
 * (sim/ats/greenhouse.c: v1_app_json, v3_app_json, v1_cand_json,
 * v3_cand_json) into rec / recs / next_url, their outcomes for 401, 403,
 * 404, 422, 429 and 5xx, paging (outcome_merge_page) and field labels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../../engine/connector.h"
#include "../../engine/outcome.h"
#include "at_clock.h"
#include "tassert.h"

#define NOW AT_CLOCK_DEFAULT_EPOCH_MS /* Mon, 02 Mar 2026 09:00:00 GMT */
#define BASE "https://harvest.example"

enum api { V3, V1 };

static struct conn_view view(enum api api)
{
  struct conn_view v = {.base_url = BASE};
  if (api == V1) {
    v.auth = ATSYNC_AUTH_API_KEY;
    v.api_key = "secretkey";
    v.on_behalf_of = "77";
  } else {
    v.auth = ATSYNC_AUTH_CLIENT_CREDENTIALS;
    v.access_token = "tok-abc";
  }
  return v;
}

static const char *header(const struct http_req *r, const char *name)
{
  size_t n = strlen(name);
  for (const struct curl_slist *h = r->headers; h; h = h->next)
    if (strncasecmp(h->data, name, n) == 0 && h->data[n] == ':') {
      const char *v = h->data + n + 1;
      while (*v == ' ')
        v++;
      return v;
    }
  return NULL;
}

static void build(enum api api, enum op op, const struct op_args *a,
                  struct http_req *r)
{
  struct conn_view v = view(api);
  char err[256] = "";
  memset(r, 0, sizeof *r);
  if (connector_greenhouse.build(&v, op, a, r, err, sizeof err) != 0)
    fail_msg("build %s: %s", op_name(op), err);
}

/* A GET read: no body, a reusable connection, the API's auth, no acting
 * user. */
static void assert_read(const struct http_req *r, enum api api,
                        const char *url)
{
  assert_string_equal(r->method, "GET");
  assert_string_equal(r->url, url);
  assert_null(r->body);
  assert_false(r->fresh);
  assert_null(header(r, "On-Behalf-Of"));
  assert_string_equal(header(r, "Authorization"),
                      api == V3 ? "Bearer tok-abc" : "Basic c2VjcmV0a2V5Og==");
}

/* ---- build ------------------------------------------------------------------ */

static void test_build_read_app(void **state)
{
  (void)state;
  struct op_args a = {.application_id = "60000001"};
  struct http_req r;
  build(V3, OP_READ_APP, &a, &r);
  /* v3 has no GET /v3/applications/{id}: a list filtered by the id */
  assert_read(&r, V3, BASE "/v3/applications?ids=60000001");
  http_req_free(&r);
  build(V1, OP_READ_APP, &a, &r);
  assert_read(&r, V1, BASE "/v1/applications/60000001");
  http_req_free(&r);

  /* no id: refused before anything is sent */
  struct conn_view v = view(V3);
  struct op_args none = {0};
  char err[128] = "";
  memset(&r, 0, sizeof r);
  assert_int_equal(
      connector_greenhouse.build(&v, OP_READ_APP, &none, &r, err, sizeof err),
      -1);
  assert_contains(err, "needs its id");
}

static void test_build_changed(void **state)
{
  (void)state;
  /* 123 ms past the second: cut to the second (a few records twice, never
   * one too few) */
  struct op_args a = {.since = NOW + 123};
  struct http_req r;
  build(V3, OP_CHANGED_APPS, &a, &r);
  assert_read(&r, V3, BASE "/v3/applications?updated_at=gte%7C"
                           "2026-03-02T09%3A00%3A00Z&per_page=500");
  http_req_free(&r);
  build(V1, OP_CHANGED_APPS, &a, &r);
  assert_read(&r, V1, BASE "/v1/applications?last_activity_after="
                           "2026-03-02T09%3A00%3A00Z&per_page=500");
  http_req_free(&r);
  build(V3, OP_CHANGED_PEOPLE, &a, &r);
  assert_read(&r, V3, BASE "/v3/candidates?updated_at=gte%7C"
                           "2026-03-02T09%3A00%3A00Z&per_page=500");
  http_req_free(&r);
  build(V1, OP_CHANGED_PEOPLE, &a, &r);
  assert_read(&r, V1, BASE "/v1/candidates?updated_after="
                           "2026-03-02T09%3A00%3A00Z&per_page=500");
  http_req_free(&r);

  /* since 0: everything, no filter */
  struct op_args all = {.since = 0};
  build(V3, OP_CHANGED_APPS, &all, &r);
  assert_read(&r, V3, BASE "/v3/applications?per_page=500");
  http_req_free(&r);
  build(V1, OP_CHANGED_PEOPLE, &all, &r);
  assert_read(&r, V1, BASE "/v1/candidates?per_page=500");
  http_req_free(&r);
}

static void test_build_page_url(void **state)
{
  (void)state;
  /* a later page is the ATS's URL as given: a v3 cursor must be the only
   * query parameter (no per_page, no filter added) */
  struct op_args a = {.since = NOW,
                      .page_url = BASE "/v3/applications?cursor=az02MDAw"};
  struct http_req r;
  build(V3, OP_CHANGED_APPS, &a, &r);
  assert_read(&r, V3, BASE "/v3/applications?cursor=az02MDAw");
  http_req_free(&r);
  a.page_url = BASE "/v1/candidates?page=2&per_page=500&updated_after=x";
  build(V1, OP_CHANGED_PEOPLE, &a, &r);
  assert_read(&r, V1, BASE "/v1/candidates?page=2&per_page=500&updated_after=x");
  http_req_free(&r);

  /* never our credentials to another host */
  struct conn_view v = view(V3);
  a.page_url = "https://evil.example/v3/applications?cursor=x";
  char err[128] = "";
  memset(&r, 0, sizeof r);
  assert_int_equal(connector_greenhouse.build(&v, OP_CHANGED_APPS, &a, &r, err,
                                              sizeof err),
                   -1);
  assert_contains(err, "another host");
  assert_int_equal(connector_greenhouse.build_next(&v, a.page_url, &r), -1);
  /* a host that merely starts like ours is another host */
  assert_int_equal(connector_greenhouse.build_next(
                       &v, BASE ".evil.example/v3/applications?cursor=x", &r),
                   -1);
  assert_int_equal(connector_greenhouse.build_next(&v, BASE "evil/v3/x", &r),
                   -1);
}

static const char *const keys[] = {"favorite_color", "desired_level"};
static const char *const values[] = {"Blue", "Senior \"II\""};
static const char *const emails[] = {"ada@example.com"};

static struct op_args create_args(void)
{
  struct op_args a = {.job_id = "4001", .to_stage_id = "12",
                      .candidate_id = "9", .first = "Ada", .last = "Lovelace",
                      .emails = emails, .nemails = 1, .source_id = "7",
                      .field_keys = keys, .field_values = values,
                      .nfields = 2};
  return a;
}

static cJSON *body_json(const struct http_req *r)
{
  cJSON *j = cJSON_Parse(r->body);
  if (j == NULL)
    fail_msg("body is not JSON: %s", r->body ? r->body : "(null)");
  return j;
}

static void test_build_create_source_fields(void **state)
{
  (void)state;
  struct op_args a = create_args();
  struct http_req r;

  /* v1: source on the application, custom fields as name_key/value */
  build(V1, OP_CREATE, &a, &r);
  cJSON *j = body_json(&r);
  cJSON *app = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "applications"), 0);
  cJSON *src = cJSON_GetObjectItemCaseSensitive(app, "source_id");
  assert_true(cJSON_IsNumber(src));
  assert_int_equal(src->valuedouble, 7);
  assert_contains(r.body, "\"source_id\":7");
  cJSON *cf = cJSON_GetObjectItemCaseSensitive(j, "custom_fields");
  assert_true(cJSON_IsArray(cf));
  assert_int_equal(cJSON_GetArraySize(cf), 2);
  cJSON *f1 = cJSON_GetArrayItem(cf, 1);
  assert_string_equal(cJSON_GetObjectItem(f1, "name_key")->valuestring,
                      "desired_level");
  assert_string_equal(cJSON_GetObjectItem(f1, "value")->valuestring,
                      "Senior \"II\"");
  cJSON_Delete(j);
  http_req_free(&r);

  /* v3: source on the nested application, custom fields {key: value} */
  build(V3, OP_CREATE, &a, &r);
  j = body_json(&r);
  app = cJSON_GetObjectItemCaseSensitive(j, "application");
  assert_int_equal(
      cJSON_GetObjectItemCaseSensitive(app, "source_id")->valuedouble, 7);
  cf = cJSON_GetObjectItemCaseSensitive(j, "custom_fields");
  assert_true(cJSON_IsObject(cf));
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(cf, "favorite_color")->valuestring,
      "Blue");
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(cf, "desired_level")->valuestring,
      "Senior \"II\"");
  assert_null(cJSON_GetObjectItemCaseSensitive(app, "custom_fields"));
  cJSON_Delete(j);
  http_req_free(&r);

  /* add application: the source (the person's fields are not the
   * application's: Harvest's add-application takes none) */
  build(V1, OP_ADD_APP, &a, &r);
  assert_string_equal(r.body,
                      "{\"job_id\":4001,\"initial_stage_id\":12,\"source_id\":7}");
  http_req_free(&r);
  build(V3, OP_ADD_APP, &a, &r);
  assert_string_equal(r.body, "{\"candidate_id\":9,\"job_id\":4001,"
                              "\"initial_stage_id\":12,\"source_id\":7}");
  http_req_free(&r);

  /* neither given: neither sent */
  a.source_id = NULL;
  a.nfields = 0;
  build(V1, OP_CREATE, &a, &r);
  assert_null(strstr(r.body, "source_id"));
  assert_null(strstr(r.body, "custom_fields"));
  http_req_free(&r);
  a.source_id = "";
  build(V3, OP_CREATE, &a, &r);
  assert_null(strstr(r.body, "source_id"));
  assert_null(strstr(r.body, "custom_fields"));
  http_req_free(&r);
}

/* ---- parse ------------------------------------------------------------------ */

static struct op_result *parse(enum api api, enum op op,
                               const struct op_args *a, long status,
                               const char *body, const char *link)
{
  struct conn_view v = view(api);
  struct http_resp r;
  memset(&r, 0, sizeof r);
  r.status = status;
  r.sent = true;
  r.body = (char *)body;
  r.len = strlen(body);
  snprintf(r.link, sizeof r.link, "%s", link ? link : "");
  struct op_result *out = calloc(1, sizeof *out);
  assert_non_null(out);
  connector_greenhouse.parse(&v, op, a, &r, NOW, out);
  return out;
}

static void done(struct op_result *out)
{
  outcome_result_free(out);
  free(out);
}

static int64_t iso(const char *s)
{
  int64_t ms = 0;
  assert_int_equal(at_time_parse_iso8601(s, &ms), 0);
  return ms;
}

static const char v3_app[] =
    "{\"id\":60000001,\"candidate_id\":30000001,\"job_id\":4100001,"
    "\"job_post_id\":null,\"status\":\"in_process\",\"stage_id\":5000003,"
    "\"stage_name\":\"Hiring Manager Screen\",\"needs_decision\":null,"
    "\"prospect\":false,\"source_id\":7,\"rejected_at\":null,"
    "\"last_activity_at\":\"2026-11-28T21:48:00.546Z\",\"custom_fields\":{},"
    "\"created_at\":\"2026-11-28T21:48:00.546Z\","
    "\"updated_at\":\"2026-11-29T08:00:00Z\"}";

static const char v1_app_hired[] =
    "{\"id\":60000002,\"candidate_id\":30000002,\"prospect\":false,"
    "\"applied_at\":\"2026-11-28T21:48:00.546Z\",\"rejected_at\":null,"
    "\"last_activity_at\":\"2026-11-30T10:00:00Z\",\"source\":{\"id\":3,"
    "\"public_name\":\"LinkedIn\"},\"credited_to\":null,"
    "\"rejection_reason\":null,\"jobs\":[{\"id\":4100001,\"name\":\"Backend "
    "Engineer\"}],\"status\":\"hired\",\"current_stage\":null,"
    "\"answers\":[],\"custom_fields\":{},\"attachments\":[]}";

static void test_parse_read_app(void **state)
{
  (void)state;
  struct op_args a = {.application_id = "60000001"};
  char list[1024];
  snprintf(list, sizeof list, "[%s]", v3_app);
  struct op_result *out = parse(V3, OP_READ_APP, &a, 200, list, NULL);
  assert_int_equal(out->outcome, OUT_OK);
  const struct ats_record *r = &out->rec;
  assert_string_equal(r->application_id, "60000001");
  assert_string_equal(r->candidate_id, "30000001");
  assert_string_equal(r->job_id, "4100001");
  assert_string_equal(r->status, "active"); /* v3 reads in_process */
  assert_string_equal(r->stage_id, "5000003");
  assert_string_equal(r->stage_name, "Hiring Manager Screen");
  assert_int_equal(r->updated, iso("2026-11-29T08:00:00Z"));
  assert_false(r->deleted);
  /* and the fields the push reads */
  assert_string_equal(out->application_id, "60000001");
  assert_string_equal(out->candidate_id, "30000001");
  assert_string_equal(out->app_status, "active");
  assert_string_equal(out->stage_id, "5000003");
  assert_string_equal(out->stage_name, "Hiring Manager Screen");
  assert_int_equal(out->nrecs, 0);
  done(out);

  /* gone: v3 answers an empty list */
  out = parse(V3, OP_READ_APP, &a, 200, "[]", NULL);
  assert_int_equal(out->outcome, OUT_NOT_FOUND);
  done(out);
  /* a list without ours is no answer about ours */
  struct op_args other = {.application_id = "5"};
  out = parse(V3, OP_READ_APP, &other, 200, list, NULL);
  assert_int_equal(out->outcome, OUT_NOT_FOUND);
  done(out);

  /* v1: the application itself; hired has no current stage */
  struct op_args a1 = {.application_id = "60000002"};
  out = parse(V1, OP_READ_APP, &a1, 200, v1_app_hired, NULL);
  assert_int_equal(out->outcome, OUT_OK);
  assert_string_equal(out->rec.application_id, "60000002");
  assert_string_equal(out->rec.candidate_id, "30000002");
  assert_string_equal(out->rec.job_id, "4100001");
  assert_string_equal(out->rec.status, "hired");
  assert_string_equal(out->rec.stage_id, "");
  assert_string_equal(out->app_status, "hired");
  assert_int_equal(out->rec.updated, iso("2026-11-30T10:00:00Z"));
  done(out);

  out = parse(V1, OP_READ_APP, &a1, 404, "{\"message\":\"Resource not found\"}",
              NULL);
  assert_int_equal(out->outcome, OUT_NOT_FOUND);
  done(out);

  /* a 200 we cannot read is a transient read failure, and says why */
  out = parse(V3, OP_READ_APP, &a, 200, v3_app, NULL);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "malformed answer: not a list");
  done(out);
  out = parse(V1, OP_READ_APP, &a1, 200, "{\"id\":1.5}", NULL);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "'id' is not an id");
  done(out);
}

static const char v3_apps_page[] =
    "[{\"id\":60000006,\"candidate_id\":30000006,\"job_id\":4100004,"
    "\"status\":\"rejected\",\"stage_id\":5000027,\"stage_name\":\"Reference "
    "Check\",\"last_activity_at\":\"2026-11-28T21:48:00Z\","
    "\"updated_at\":\"2026-11-30T12:00:00Z\"},"
    "{\"id\":\"60000005\",\"candidate_id\":30000005,\"job_id\":4100001,"
    "\"status\":\"hired\",\"stage_id\":null,\"stage_name\":null,"
    "\"last_activity_at\":\"2026-11-28T21:48:00Z\"}]";

static const char v3_link[] =
    "<" BASE "/v3/applications?cursor=az02MDAwMDAwNQ>; rel=\"next\"";

static const char v1_apps_page[] =
    "[{\"id\":60000001,\"candidate_id\":30000001,\"prospect\":false,"
    "\"last_activity_at\":\"2026-11-28T21:48:00.546Z\",\"jobs\":[{\"id\":"
    "4100001,\"name\":\"Backend Engineer\"}],\"status\":\"active\","
    "\"current_stage\":{\"id\":5000003,\"name\":\"Hiring Manager Screen\"}},"
    "{\"id\":60000002,\"candidate_id\":30000002,\"prospect\":false,"
    "\"last_activity_at\":\"2026-11-28T21:49:00Z\",\"jobs\":[{\"id\":4100001}],"
    "\"status\":\"converted\",\"current_stage\":{\"id\":5000001,\"name\":"
    "\"Application Review\"}}]";

static const char v1_link[] =
    "<" BASE "/v1/applications?page=2&per_page=500>; rel=\"next\", <" BASE
    "/v1/applications?page=3&per_page=500>; rel=\"last\"";

static void test_parse_changed_apps(void **state)
{
  (void)state;
  struct op_args a = {.since = NOW};
  struct op_result *out =
      parse(V3, OP_CHANGED_APPS, &a, 200, v3_apps_page, v3_link);
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->nrecs, 2);
  assert_string_equal(out->next_url, BASE "/v3/applications?cursor=az02MDAwMDAwNQ");
  const struct ats_record *r = out->recs;
  assert_string_equal(r[0].application_id, "60000006");
  assert_string_equal(r[0].candidate_id, "30000006");
  assert_string_equal(r[0].job_id, "4100004");
  assert_string_equal(r[0].status, "rejected");
  assert_string_equal(r[0].stage_name, "Reference Check");
  assert_int_equal(r[0].updated, iso("2026-11-30T12:00:00Z")); /* updated_at */
  assert_string_equal(r[1].application_id, "60000005");
  assert_string_equal(r[1].status, "hired");
  assert_string_equal(r[1].stage_id, "");
  /* no updated_at: the last activity */
  assert_int_equal(r[1].updated, iso("2026-11-28T21:48:00Z"));
  done(out);

  out = parse(V1, OP_CHANGED_APPS, &a, 200, v1_apps_page, v1_link);
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->nrecs, 2);
  assert_string_equal(out->next_url,
                      BASE "/v1/applications?page=2&per_page=500");
  assert_string_equal(out->recs[0].job_id, "4100001");
  assert_string_equal(out->recs[0].stage_id, "5000003");
  assert_string_equal(out->recs[0].stage_name, "Hiring Manager Screen");
  assert_int_equal(out->recs[0].updated, iso("2026-11-28T21:48:00.546Z"));
  assert_string_equal(out->recs[1].status, "converted");
  done(out);

  /* the last page: no Link, no next */
  out = parse(V3, OP_CHANGED_APPS, &a, 200, "[]", NULL);
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->nrecs, 0);
  assert_null(out->recs);
  assert_string_equal(out->next_url, "");
  done(out);

  /* a record we cannot read: the page is refused whole (a read: retried),
   * naming the record, and no next page is followed from it */
  out = parse(V3, OP_CHANGED_APPS, &a, 200,
              "[{\"id\":1,\"candidate_id\":2},{\"candidate_id\":3}]", v3_link);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "'[1].id' is missing");
  assert_null(out->recs);
  assert_int_equal(out->nrecs, 0);
  assert_string_equal(out->next_url, "");
  done(out);
  out = parse(V1, OP_CHANGED_APPS, &a, 200, "[{\"id\":9007199254740993}]",
              NULL);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "'[0].id' is not an id");
  done(out);
  out = parse(V1, OP_CHANGED_APPS, &a, 200, "[1,2]", NULL);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "'[0]' is not an object");
  done(out);
  out = parse(V3, OP_CHANGED_APPS, &a, 200, "{\"id\":1}", NULL);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "not a list");
  done(out);
}

static const char v3_people[] =
    "[{\"id\":30000006,\"first_name\":\"Linus\",\"last_name\":\"Pauling\","
    "\"preferred_name\":null,\"company\":null,\"private\":false,"
    "\"email_addresses\":[{\"value\":\"linus@example.com\",\"type\":"
    "\"personal\"},{\"value\":\"l.pauling@work.example\",\"type\":\"work\"}],"
    "\"phone_numbers\":[],\"custom_fields\":{},"
    "\"last_activity_at\":\"2026-11-28T21:48:00.546Z\","
    "\"created_at\":\"2026-11-28T21:48:00.546Z\","
    "\"updated_at\":\"2026-12-01T09:30:00Z\"},"
    "{\"id\":30000001,\"first_name\":\"Grace\",\"last_name\":\"Hopper\","
    "\"email_addresses\":[],\"phone_numbers\":["
    "{\"value\":\"+14155550101\",\"type\":\"mobile\"},"
    "{\"value\":\"+14155550102\",\"type\":\"home\"},"
    "{\"value\":\"+14155550103\",\"type\":\"work\"},"
    "{\"value\":\"+14155550104\",\"type\":\"other\"}],"
    "\"updated_at\":\"2026-11-28T21:48:00.546Z\"}]";

static const char v1_people[] =
    "[{\"id\":30000001,\"first_name\":\"Grace\",\"last_name\":\"Hopper\","
    "\"company\":null,\"title\":null,\"created_at\":\"2026-11-28T21:48:00Z\","
    "\"updated_at\":\"2026-11-28T21:48:00.546Z\",\"last_activity\":"
    "\"2026-11-28T21:48:00.546Z\",\"is_private\":false,\"application_ids\":"
    "[60000001],\"phone_numbers\":[{\"value\":\"+14155550101\",\"type\":"
    "\"mobile\"}],\"addresses\":[],\"email_addresses\":[{\"value\":"
    "\"grace.hopper@example.com\",\"type\":\"personal\"}],\"tags\":[],"
    "\"applications\":[{\"id\":60000001,\"candidate_id\":30000001,\"jobs\":"
    "[{\"id\":4100001}],\"status\":\"active\",\"current_stage\":{\"id\":"
    "5000003,\"name\":\"Hiring Manager Screen\"}}],\"custom_fields\":{},"
    "\"keyed_custom_fields\":{}}]";

static void test_parse_changed_people(void **state)
{
  (void)state;
  struct op_args a = {.since = NOW};
  struct op_result *out = parse(V3, OP_CHANGED_PEOPLE, &a, 200, v3_people,
                                "<" BASE "/v3/candidates?cursor=x>; rel=\"next\"");
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->nrecs, 2);
  assert_string_equal(out->next_url, BASE "/v3/candidates?cursor=x");
  const struct ats_record *r = out->recs;
  assert_string_equal(r[0].candidate_id, "30000006");
  assert_string_equal(r[0].application_id, "");
  assert_string_equal(r[0].first, "Linus");
  assert_string_equal(r[0].last, "Pauling");
  assert_string_equal(r[0].emails[0], "linus@example.com");
  assert_string_equal(r[0].emails[1], "l.pauling@work.example");
  assert_string_equal(r[0].phones[0], "");
  assert_int_equal(r[0].updated, iso("2026-12-01T09:30:00Z"));
  /* the first three phones */
  assert_string_equal(r[1].phones[0], "+14155550101");
  assert_string_equal(r[1].phones[2], "+14155550103");
  assert_string_equal(r[1].merged_into, ""); /* lists do not show merges */
  done(out);

  out = parse(V1, OP_CHANGED_PEOPLE, &a, 200, v1_people, NULL);
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->nrecs, 1);
  assert_string_equal(out->recs[0].candidate_id, "30000001");
  assert_string_equal(out->recs[0].first, "Grace");
  assert_string_equal(out->recs[0].phones[0], "+14155550101");
  assert_string_equal(out->recs[0].emails[0], "grace.hopper@example.com");
  assert_int_equal(out->recs[0].updated, iso("2026-11-28T21:48:00.546Z"));
  assert_string_equal(out->next_url, "");
  done(out);

  out = parse(V3, OP_CHANGED_PEOPLE, &a, 200,
              "[{\"id\":1,\"first_name\":\"A\",\"updated_at\":\"soon\"}]", NULL);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "'[0].updated_at' is not an ISO-8601 time");
  done(out);
  out = parse(V1, OP_CHANGED_PEOPLE, &a, 200, "[{\"first_name\":\"A\"}]", NULL);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  assert_contains(out->what, "'[0].id' is missing");
  done(out);
}

/* ---- outcomes of the new ops -------------------------------------------------- */

struct orow {
  const char *name;
  enum op op;
  enum api api;
  long status;
  const char *body, *retry_after;
  enum outcome want;
  const char *what;
  bool throttled;
  int64_t retry_at;
};

static const struct orow orows[] = {
    {"v3 401 read", OP_READ_APP, V3, 401,
     "{\"message\":\"Unauthorized\",\"errors\":[\"Token has expired.\"]}", NULL,
     OUT_AUTH, "Token has expired.", false, 0},
    {"v1 401 changed", OP_CHANGED_APPS, V1, 401,
     "{\"message\":\"Invalid Basic Auth credentials\"}", NULL, OUT_AUTH,
     "Invalid Basic Auth", false, 0},
    {"v3 403 names the scope", OP_CHANGED_APPS, V3, 403,
     "{\"message\":\"Forbidden\",\"errors\":[\"Missing required scope: "
     "harvest:applications:list\"]}",
     NULL, OUT_PERMISSION, "the scope harvest:applications:list", false, 0},
    {"v3 403 people scope", OP_CHANGED_PEOPLE, V3, 403,
     "{\"message\":\"Forbidden\",\"errors\":[\"Missing required scope: "
     "harvest:candidates:list\"]}",
     NULL, OUT_PERMISSION, "harvest:candidates:list", false, 0},
    {"v1 403 read names the key permission", OP_READ_APP, V1, 403,
     "{\"message\":\"You do not have access to that record.\"}", NULL,
     OUT_PERMISSION, "'GET /v1/applications/{id}'", false, 0},
    {"v1 403 changed apps", OP_CHANGED_APPS, V1, 403, "", NULL,
     OUT_PERMISSION, "'GET /v1/applications'", false, 0},
    {"v1 403 changed people", OP_CHANGED_PEOPLE, V1, 403, "", NULL,
     OUT_PERMISSION, "'GET /v1/candidates'", false, 0},
    {"v1 404 read", OP_READ_APP, V1, 404, "{\"message\":\"Resource not found\"}",
     NULL, OUT_NOT_FOUND, NULL, false, 0},
    {"v3 422 a bad filter names it", OP_CHANGED_APPS, V3, 422,
     "{\"message\":\"Unprocessable Content\",\"errors\":[{\"updated_at\":"
     "\"must look like gte|2024-01-01T00:00:00Z\"}]}",
     NULL, OUT_INVALID, "updated_at", false, 0},
    {"v3 422 a cursor with other params", OP_CHANGED_PEOPLE, V3, 422,
     "{\"message\":\"Unprocessable Content\",\"errors\":[\"When passing a "
     "cursor, do not include other query params.\"]}",
     NULL, OUT_INVALID, "When passing a cursor", false, 0},
    {"429 read", OP_READ_APP, V3, 429, "{}", "30", OUT_TRANSIENT, NULL, true,
     NOW + 30000},
    {"429 changed", OP_CHANGED_PEOPLE, V1, 429, "", "2", OUT_TRANSIENT, NULL,
     true, NOW + 2000},
    {"500 on a read is transient, never unknown", OP_READ_APP, V1, 500, "",
     NULL, OUT_TRANSIENT, NULL, false, 0},
    {"503 changed with Retry-After", OP_CHANGED_APPS, V3, 503,
     "<html><body>Maintenance</body></html>", "60", OUT_TRANSIENT, NULL, false,
     NOW + 60000},
    {"502 changed people", OP_CHANGED_PEOPLE, V3, 502, "bad gateway", NULL,
     OUT_TRANSIENT, NULL, false, 0},
};

static void test_outcomes(void **state)
{
  (void)state;
  struct op_args a = {.application_id = "55", .since = NOW};
  int bad = 0;
  for (size_t i = 0; i < sizeof orows / sizeof *orows; i++) {
    const struct orow *w = &orows[i];
    struct conn_view v = view(w->api);
    struct http_resp r;
    memset(&r, 0, sizeof r);
    r.status = w->status;
    r.sent = true;
    r.body = (char *)w->body;
    r.len = strlen(w->body);
    snprintf(r.retry_after, sizeof r.retry_after, "%s",
             w->retry_after ? w->retry_after : "");
    struct op_result *out = calloc(1, sizeof *out);
    connector_greenhouse.parse(&v, w->op, &a, &r, NOW, out);
    bool ok = out->outcome == w->want && out->throttled == w->throttled &&
              out->retry_at == w->retry_at &&
              (w->what == NULL || strstr(out->what, w->what) != NULL) &&
              out->nrecs == 0 && out->recs == NULL;
    if (!ok) {
      print_message("[%s] outcome %s (want %s), what '%s', throttled %d, "
                    "retry_at now%+lld\n", w->name, outcome_name(out->outcome),
                    outcome_name(w->want), out->what, out->throttled,
                    (long long)(out->retry_at - NOW));
      bad++;
    }
    done(out);
  }
  /* no answer at all: a read is transient, sent or not */
  struct conn_view v = view(V3);
  struct http_resp r;
  memset(&r, 0, sizeof r);
  r.curl_rc = CURLE_OPERATION_TIMEDOUT;
  r.sent = true;
  r.body = (char *)"";
  struct op_result *out = calloc(1, sizeof *out);
  connector_greenhouse.parse(&v, OP_CHANGED_APPS, &a, &r, NOW, out);
  if (out->outcome != OUT_TRANSIENT) {
    print_message("[timeout] outcome %s\n", outcome_name(out->outcome));
    bad++;
  }
  done(out);
  if (bad)
    fail_msg("%d outcome row(s) wrong", bad);
}

/* ---- paging, names, labels ------------------------------------------------------ */

static void test_merge_pages(void **state)
{
  (void)state;
  struct op_args a = {.since = NOW};
  struct op_result *acc =
      parse(V3, OP_CHANGED_APPS, &a, 200, v3_apps_page, v3_link);
  struct op_result *page = parse(V3, OP_CHANGED_APPS, &a, 200,
                                 "[{\"id\":7,\"candidate_id\":8}]", NULL);
  outcome_merge_page(OP_CHANGED_APPS, acc, page);
  assert_int_equal(acc->nrecs, 3);
  assert_string_equal(acc->recs[0].application_id, "60000006");
  assert_string_equal(acc->recs[2].application_id, "7");
  assert_string_equal(acc->next_url, ""); /* the last page's */
  done(page);                             /* the copies stay acc's */
  assert_string_equal(acc->recs[2].candidate_id, "8");
  done(acc);
  /* freeing twice, or an empty result, is harmless */
  struct op_result empty;
  memset(&empty, 0, sizeof empty);
  outcome_result_free(&empty);
  outcome_result_free(&empty);
  outcome_result_free(NULL);
}

static void test_names(void **state)
{
  (void)state;
  assert_string_equal(op_name(OP_READ_APP), "read application");
  assert_string_equal(op_name(OP_CHANGED_APPS), "changed applications");
  assert_string_equal(op_name(OP_CHANGED_PEOPLE), "changed people");
  assert_string_equal(op_name(OP_MOVE), "move");
  assert_false(op_is_write(OP_READ_APP));
  assert_false(op_is_write(OP_CHANGED_APPS));
  assert_false(op_is_write(OP_CHANGED_PEOPLE));
  assert_true(op_is_write(OP_CREATE));
  for (int o = 0; o < OP__COUNT; o++)
    assert_non_null(op_name((enum op)o));
}

static void test_field_labels(void **state)
{
  (void)state;
  const char *(*label)(const char *) = connector_greenhouse.field_label;
  assert_non_null(label);
  assert_string_equal(label("phone_numbers"), "phone");
  assert_string_equal(label("email_addresses"), "email");
  assert_string_equal(label("source_id"), "Source");
  assert_string_equal(label("first_name"), "first name");
  assert_string_equal(label("last_name"), "last name");
  assert_string_equal(label("custom_fields.desired_salary"), "desired_salary");
  assert_null(label("custom_fields."));
  assert_null(label("company"));
  assert_null(label(""));
  assert_null(label(NULL));
}

int main(void)
{
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build_read_app),
      cmocka_unit_test(test_build_changed),
      cmocka_unit_test(test_build_page_url),
      cmocka_unit_test(test_build_create_source_fields),
      cmocka_unit_test(test_parse_read_app),
      cmocka_unit_test(test_parse_changed_apps),
      cmocka_unit_test(test_parse_changed_people),
      cmocka_unit_test(test_outcomes),
      cmocka_unit_test(test_merge_pages),
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_field_labels),
  };
  int rc = cmocka_run_group_tests_name("gh_pull", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
