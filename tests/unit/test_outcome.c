/* test_outcome.c — the Greenhouse connector without a network: responses
 * built by hand go through connector_greenhouse.parse and must land in the
 * right outcome class (ok / transient / auth / permission / invalid /
 * not_found / exists / unknown) with the right 'what', retry time and
 * payload; requests built by connector_greenhouse.build must carry the
 * right method, URL, headers and body. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "../../engine/connector.h"
#include "../../engine/outcome.h"
#include "at_clock.h"

#define NOW AT_CLOCK_DEFAULT_EPOCH_MS /* Mon, 02 Mar 2026 09:00:00 GMT */
#define NOW_S (NOW / 1000)
#define ANY INT64_MIN              /* retry_at: not checked */

enum api { V3, V1 };

struct row {
  const char *name;
  enum op op;
  enum api api;
  long status;            /* 0: no HTTP answer (curl_rc says why) */
  const char *body;
  const char *retry_after, *rl_reset;
  int curl_rc;
  bool sent;
  enum outcome want;
  const char *what;       /* a substring 'what' must contain (NULL: any) */
  bool throttled;
  int64_t retry_at;       /* exact, or ANY */
  /* payload (NULL / -1: not checked) */
  const char *cand, *app, *app_status, *stage_id, *stage_name;
  int partial;
};

#define JOB "4001"
#define TARGET_STAGE "12"

static const char create_v1_apps[] =
    "{\"id\":88,\"first_name\":\"Ada\",\"applications\":["
    "{\"id\":901,\"status\":\"active\",\"jobs\":[{\"id\":4001}],"
    "\"current_stage\":{\"id\":12,\"name\":\"Phone Screen\"}}]}";

static const char find_v1_embedded[] =
    "[{\"id\":9,\"applications\":["
    "{\"id\":1,\"status\":\"rejected\",\"jobs\":[{\"id\":4001}],"
    "\"current_stage\":{\"id\":11,\"name\":\"Offer\"}},"
    "{\"id\":2,\"status\":\"active\",\"jobs\":[{\"id\":4001}],"
    "\"current_stage\":{\"id\":12,\"name\":\"Phone Screen\"}},"
    "{\"id\":3,\"status\":\"active\",\"jobs\":[{\"id\":5000}],"
    "\"current_stage\":{\"id\":13,\"name\":\"Onsite\"}}]}]";

/* the active application first, a rejected one after it on the same job */
static const char find_v1_active_first[] =
    "[{\"id\":9,\"applications\":["
    "{\"id\":2,\"status\":\"active\",\"jobs\":[{\"id\":4001}],"
    "\"current_stage\":{\"id\":12,\"name\":\"Phone Screen\"}},"
    "{\"id\":1,\"status\":\"rejected\",\"jobs\":[{\"id\":4001}],"
    "\"current_stage\":{\"id\":11,\"name\":\"Offer\"}}]}]";

/* several people: the apps of the lowest id count, not of the others */
static const char find_v1_several[] =
    "[{\"id\":30,\"applications\":[{\"id\":300,\"status\":\"active\","
    "\"jobs\":[{\"id\":4001}],\"current_stage\":{\"id\":13,\"name\":\"x\"}}]},"
    "{\"id\":4,\"applications\":[{\"id\":40,\"status\":\"hired\","
    "\"jobs\":[{\"id\":4001}],\"current_stage\":{\"id\":14,\"name\":\"y\"}}]},"
    "{\"id\":100,\"applications\":[]}]";

static const char apps_v3[] =
    "[{\"id\":8,\"job_id\":5000,\"status\":\"in_process\",\"stage_id\":31,"
    "\"stage_name\":\"Elsewhere\"},"
    "{\"id\":7,\"job_id\":4001,\"status\":\"in_process\",\"stage_id\":21,"
    "\"stage_name\":\"Onsite\"}]";

static const struct row rows[] = {
    /* ---- permission ---- */
    {"v3 403 names the missing scope", OP_CREATE, V3, 403,
     "{\"message\":\"Forbidden\",\"errors\":[\"Missing required scope: "
     "harvest:candidates:create\"]}",
     .want = OUT_PERMISSION, .what = "scope harvest:candidates:create",
     .retry_at = 0, .partial = -1},
    {"v1 403 create names the key permission", OP_CREATE, V1, 403,
     "{\"message\":\"You do not have access to that record.\"}",
     .want = OUT_PERMISSION, .what = "'POST /v1/candidates'", .retry_at = 0,
     .partial = -1},
    {"v1 403 find names the key permission", OP_FIND, V1, 403,
     "{\"message\":\"You do not have access to that record.\"}",
     .want = OUT_PERMISSION, .what = "'GET /v1/candidates'", .retry_at = 0,
     .partial = -1},
    {"v1 403 move names the key permission", OP_MOVE, V1, 403,
     "{\"message\":\"You do not have access to that record.\"}",
     .want = OUT_PERMISSION, .what = "POST /v1/applications/{id}/move",
     .retry_at = 0, .partial = -1},
    {"v1 403 add app names the key permission", OP_ADD_APP, V1, 403, "",
     .want = OUT_PERMISSION, .what = "POST /v1/candidates/{id}/applications",
     .retry_at = 0, .partial = -1},
    {"v1 403 a deactivated acting user", OP_CREATE, V1, 403,
     "{\"errors\":[{\"message\":\"User 77 is deactivated and cannot act on "
     "behalf of this key\"}]}",
     .want = OUT_PERMISSION, .what = "acting user (User 77", .retry_at = 0,
     .partial = -1},
    {"v3 403 a deactivated user", OP_FIND, V3, 403,
     "{\"message\":\"Forbidden\",\"errors\":[\"User 5 is deactivated\"]}",
     .want = OUT_PERMISSION, .what = "acting user", .retry_at = 0,
     .partial = -1},
    {"v3 403 without a scope names what it said", OP_JOB, V3, 403,
     "{\"message\":\"Forbidden\",\"errors\":[\"Not for you\"]}",
     .want = OUT_PERMISSION, .what = "Not for you", .retry_at = 0,
     .partial = -1},
    {"v1 422 On-Behalf-Of is a permission", OP_CREATE, V1, 422,
     "{\"message\":\"Validation error\",\"errors\":[{\"message\":\"Missing "
     "On-Behalf-Of header\",\"field\":\"On-Behalf-Of\"}]}",
     .want = OUT_PERMISSION, .what = "On-Behalf-Of", .retry_at = 0,
     .partial = -1},
    /* ---- invalid ---- */
    {"v1 422 names the field", OP_CREATE, V1, 422,
     "{\"message\":\"Validation error\",\"errors\":[{\"message\":\"Phone "
     "number is invalid\",\"field\":\"phone_numbers\"}]}",
     .want = OUT_INVALID, .what = "phone_numbers", .retry_at = 0,
     .partial = -1},
    {"v1 422 names every field", OP_CREATE, V1, 422,
     "{\"message\":\"Validation error\",\"errors\":["
     "{\"message\":\"required\",\"field\":\"first_name\"},"
     "{\"message\":\"bad\",\"field\":\"email_addresses\"}]}",
     .want = OUT_INVALID, .what = "first_name, email_addresses",
     .retry_at = 0, .partial = -1},
    {"v3 422 {field: message} names the field", OP_ADD_APP, V3, 422,
     "{\"message\":\"Unprocessable Content\",\"errors\":[{\"job_id\":\"Job "
     "4001 is closed\"}]}",
     .want = OUT_INVALID, .what = "job_id", .retry_at = 0, .partial = -1},
    {"v3 422 state error keeps its words", OP_MOVE, V3, 422,
     "{\"message\":\"Unprocessable Content\",\"errors\":[\"Application is "
     "rejected\"]}",
     .want = OUT_INVALID, .what = "Application is rejected", .retry_at = 0,
     .partial = -1},
    {"400 on a write is invalid", OP_ADD_APP, V3, 400,
     "{\"message\":\"Bad Request\"}", .want = OUT_INVALID,
     .what = "Bad Request", .retry_at = 0, .partial = -1},
    /* ---- auth ---- */
    {"token 400 invalid_grant", OP_TOKEN, V3, 400,
     "{\"error\":\"invalid_grant\",\"error_description\":\"The refresh token "
     "is invalid\"}",
     .want = OUT_AUTH, .what = "invalid_grant", .retry_at = 0, .partial = -1},
    {"token 401 invalid_client", OP_TOKEN, V3, 401,
     "{\"error\":\"invalid_client\"}", .want = OUT_AUTH,
     .what = "invalid_client", .retry_at = 0, .partial = -1},
    {"token 429 is only throttled", OP_TOKEN, V3, 429, "{}",
     .retry_after = "3", .want = OUT_TRANSIENT, .throttled = true,
     .retry_at = NOW + 3000, .partial = -1},
    {"token 503 is transient (not a write)", OP_TOKEN, V3, 503, "",
     .want = OUT_TRANSIENT, .retry_at = 0, .partial = -1},
    {"v3 401", OP_FIND, V3, 401,
     "{\"message\":\"Unauthorized\",\"errors\":[\"Token has expired.\"]}",
     .want = OUT_AUTH, .what = "Token has expired.", .retry_at = 0,
     .partial = -1},
    {"v1 401 on a write", OP_CREATE, V1, 401,
     "{\"message\":\"Invalid Basic Auth credentials\"}", .want = OUT_AUTH,
     .what = "Invalid Basic Auth", .retry_at = 0, .partial = -1},
    /* ---- not found / exists ---- */
    {"404", OP_APPS, V3, 404, "{\"message\":\"Resource not found\"}",
     .want = OUT_NOT_FOUND, .retry_at = 0, .partial = -1},
    {"404 on a write is still not_found", OP_MOVE, V1, 404, "",
     .want = OUT_NOT_FOUND, .retry_at = 0, .partial = -1},
    {"409", OP_CREATE, V3, 409, "{\"message\":\"exists\"}",
     .want = OUT_EXISTS, .retry_at = 0, .partial = -1},
    /* ---- 429 ---- */
    {"429 Retry-After seconds", OP_FIND, V3, 429, "{}", .retry_after = "30",
     .want = OUT_TRANSIENT, .throttled = true, .retry_at = NOW + 30000,
     .partial = -1},
    {"429 on a write is transient, never unknown", OP_CREATE, V1, 429, "",
     .retry_after = "2", .want = OUT_TRANSIENT, .throttled = true,
     .retry_at = NOW + 2000, .partial = -1},
    {"429 Retry-After HTTP-date", OP_FIND, V1, 429, "",
     .retry_after = "Mon, 02 Mar 2026 09:01:00 GMT", .want = OUT_TRANSIENT,
     .throttled = true, .retry_at = NOW + 60000, .partial = -1},
    {"429 Retry-After date in the past", OP_FIND, V1, 429, "",
     .retry_after = "Mon, 02 Mar 2026 08:00:00 GMT", .want = OUT_TRANSIENT,
     .throttled = true, .retry_at = NOW, .partial = -1},
    {"429 a later X-RateLimit-Reset wins", OP_FIND, V3, 429, "",
     .retry_after = "5", .rl_reset = "1772442020", .want = OUT_TRANSIENT,
     .throttled = true, .retry_at = NOW + 20000, .partial = -1},
    {"429 a later Retry-After wins", OP_FIND, V3, 429, "",
     .retry_after = "30", .rl_reset = "1772442010", .want = OUT_TRANSIENT,
     .throttled = true, .retry_at = NOW + 30000, .partial = -1},
    {"429 relative X-RateLimit-Reset alone", OP_FIND, V3, 429, "",
     .rl_reset = "7", .want = OUT_TRANSIENT, .throttled = true,
     .retry_at = NOW + 7000, .partial = -1},
    {"429 without headers", OP_FIND, V3, 429, "", .want = OUT_TRANSIENT,
     .throttled = true, .retry_at = 0, .partial = -1},
    {"429 Retry-After capped at an hour", OP_FIND, V3, 429, "",
     .retry_after = "999999", .want = OUT_TRANSIENT, .throttled = true,
     .retry_at = NOW + 3600000, .partial = -1},
    {"429 unparseable Retry-After", OP_FIND, V3, 429, "",
     .retry_after = "soon", .want = OUT_TRANSIENT, .throttled = true,
     .retry_at = 0, .partial = -1},
    /* ---- 5xx and transport ---- */
    {"503 on a read", OP_JOB, V3, 503, "Service Unavailable",
     .want = OUT_TRANSIENT, .retry_at = 0, .partial = -1},
    {"503 on a read with Retry-After", OP_PIPELINE, V1, 503, "",
     .retry_after = "10", .want = OUT_TRANSIENT, .retry_at = NOW + 10000,
     .partial = -1},
    {"503 on a create", OP_CREATE, V3, 503, "", .want = OUT_UNKNOWN,
     .retry_at = 0, .partial = -1},
    {"500 on a move", OP_MOVE, V1, 500, "", .want = OUT_UNKNOWN,
     .retry_at = 0, .partial = -1},
    {"502 on add application", OP_ADD_APP, V3, 502, "<html>bad gateway",
     .want = OUT_UNKNOWN, .retry_at = 0, .partial = -1},
    {"408 on a read", OP_FIND, V3, 408, "", .want = OUT_TRANSIENT,
     .retry_at = 0, .partial = -1},
    {"refused before sending a write", OP_CREATE, V3, 0, NULL,
     .curl_rc = CURLE_COULDNT_CONNECT, .sent = false, .want = OUT_TRANSIENT,
     .retry_at = 0, .partial = -1},
    {"host not found before a move", OP_MOVE, V1, 0, NULL,
     .curl_rc = CURLE_COULDNT_RESOLVE_HOST, .sent = false,
     .want = OUT_TRANSIENT, .retry_at = 0, .partial = -1},
    {"timeout after sending a write", OP_CREATE, V1, 0, NULL,
     .curl_rc = CURLE_OPERATION_TIMEDOUT, .sent = true, .want = OUT_UNKNOWN,
     .retry_at = 0, .partial = -1},
    {"reset after sending a move", OP_MOVE, V3, 0, NULL,
     .curl_rc = CURLE_RECV_ERROR, .sent = true, .want = OUT_UNKNOWN,
     .retry_at = 0, .partial = -1},
    {"timeout after sending a read", OP_FIND, V3, 0, NULL,
     .curl_rc = CURLE_OPERATION_TIMEDOUT, .sent = true,
     .want = OUT_TRANSIENT, .retry_at = 0, .partial = -1},
    /* ---- malformed 2xx ---- */
    {"201 malformed body on a create", OP_CREATE, V3, 201, "{\"id\":",
     .want = OUT_UNKNOWN, .what = "malformed", .retry_at = 0, .partial = -1},
    {"201 empty body on a create", OP_CREATE, V1, 201, "",
     .want = OUT_UNKNOWN, .what = "malformed", .retry_at = 0, .partial = -1},
    {"201 create without an id", OP_CREATE, V3, 201, "{\"first_name\":\"A\"}",
     .want = OUT_UNKNOWN, .what = "malformed", .retry_at = 0, .partial = -1},
    {"201 id beyond 2^53 is not trusted", OP_CREATE, V3, 201,
     "{\"id\":9007199254740993}", .want = OUT_UNKNOWN, .what = "malformed",
     .retry_at = 0, .partial = -1},
    {"200 malformed body on a read", OP_FIND, V3, 200, "[{\"id\":1},",
     .want = OUT_TRANSIENT, .what = "malformed", .retry_at = 0,
     .partial = -1},
    {"200 html on a read", OP_JOB, V1, 200, "<html>maintenance</html>",
     .want = OUT_TRANSIENT, .what = "malformed", .retry_at = 0,
     .partial = -1},
    {"200 find with an id-less person", OP_FIND, V3, 200,
     "[{\"name\":\"x\"}]", .want = OUT_TRANSIENT, .what = "malformed",
     .retry_at = 0, .partial = -1},
    {"200 token without access_token", OP_TOKEN, V3, 200,
     "{\"token_type\":\"bearer\"}", .want = OUT_TRANSIENT,
     .what = "malformed", .retry_at = 0, .partial = -1},
    /* ---- ok payloads ---- */
    {"v1 201 truncated create", OP_CREATE, V1, 201,
     "{\"id\":123,\"application_ids\":[456]}", .want = OUT_OK, .retry_at = 0,
     .cand = "123", .app = "456", .app_status = "active",
     .stage_id = TARGET_STAGE, .partial = 1},
    {"v1 201 full create with the application", OP_CREATE, V1, 201,
     create_v1_apps, .want = OUT_OK, .retry_at = 0, .cand = "88",
     .app = "901", .app_status = "active", .stage_id = "12",
     .stage_name = "Phone Screen", .partial = 0},
    {"v3 201 create beyond 2^31", OP_CREATE, V3, 201,
     "{\"id\":2147483649,\"first_name\":\"Ada\"}", .want = OUT_OK,
     .retry_at = 0, .cand = "2147483649", .app = "", .partial = 0},
    {"v1 ids far beyond 2^31 are exact", OP_CREATE, V1, 201,
     "{\"id\":4000000000123,\"application_ids\":[9007199254740991]}",
     .want = OUT_OK, .retry_at = 0, .cand = "4000000000123",
     .app = "9007199254740991", .partial = 1},
    {"string ids are taken as they are", OP_CREATE, V3, 201,
     "{\"id\":\"18446744073709551615\"}", .want = OUT_OK, .retry_at = 0,
     .cand = "18446744073709551615", .partial = 1},
    {"v3 find picks the lowest id", OP_FIND, V3, 200,
     "[{\"id\":30},{\"id\":4},{\"id\":100}]", .want = OUT_OK, .retry_at = 0,
     .cand = "4", .app = "", .partial = -1},
    {"v3 find lowest id beyond 2^32", OP_FIND, V3, 200,
     "[{\"id\":4294967297},{\"id\":4294967296},{\"id\":10000000000}]",
     .want = OUT_OK, .retry_at = 0, .cand = "4294967296", .partial = -1},
    {"find nobody", OP_FIND, V3, 200, "[]", .want = OUT_OK, .retry_at = 0,
     .cand = "", .app = "", .partial = -1},
    {"v1 find embedded apps: the active one on the job", OP_FIND, V1, 200,
     find_v1_embedded, .want = OUT_OK, .retry_at = 0, .cand = "9",
     .app = "2", .app_status = "active", .stage_id = "12",
     .stage_name = "Phone Screen", .partial = -1},
    {"v1 find: an active app beats a later rejected one", OP_FIND, V1, 200,
     find_v1_active_first, .want = OUT_OK, .retry_at = 0, .cand = "9",
     .app = "2", .app_status = "active", .stage_id = "12", .partial = -1},
    {"v1 find: the lowest person's apps", OP_FIND, V1, 200, find_v1_several,
     .want = OUT_OK, .retry_at = 0, .cand = "4", .app = "40",
     .app_status = "hired", .stage_id = "14", .partial = -1},
    {"v3 apps: in_process reads as active", OP_APPS, V3, 200, apps_v3,
     .want = OUT_OK, .retry_at = 0, .app = "7", .app_status = "active",
     .stage_id = "21", .stage_name = "Onsite", .partial = -1},
    {"v3 apps: none on the job", OP_APPS, V3, 200,
     "[{\"id\":8,\"job_id\":5000,\"status\":\"in_process\"}]", .want = OUT_OK,
     .retry_at = 0, .app = "", .partial = -1},
    {"v1 apps from the candidate", OP_APPS, V1, 200,
     "{\"id\":9,\"applications\":[{\"id\":55,\"status\":\"active\","
     "\"jobs\":[{\"id\":4001}],\"current_stage\":{\"id\":13,\"name\":"
     "\"Onsite\"}}]}",
     .want = OUT_OK, .retry_at = 0, .app = "55", .app_status = "active",
     .stage_id = "13", .stage_name = "Onsite", .partial = -1},
    {"v3 add application answered with ids only", OP_ADD_APP, V3, 201,
     "{\"id\":77}", .want = OUT_OK, .retry_at = 0, .app = "77",
     .app_status = "active", .stage_id = TARGET_STAGE, .partial = 1},
    {"v3 move 204", OP_MOVE, V3, 204, "", .want = OUT_OK, .retry_at = 0,
     .partial = -1},
    {"v1 move answers with the application", OP_MOVE, V1, 200,
     "{\"id\":55,\"status\":\"active\",\"current_stage\":{\"id\":12,"
     "\"name\":\"Phone Screen\"}}",
     .want = OUT_OK, .retry_at = 0, .app = "55", .stage_id = "12",
     .partial = -1},
    {"v3 job in an array, ours missing", OP_JOB, V3, 200,
     "[{\"id\":5000,\"name\":\"Other\",\"status\":\"open\"}]",
     .want = OUT_NOT_FOUND, .retry_at = 0, .partial = -1},
};

static void fill_resp(const struct row *w, struct http_resp *r)
{
  memset(r, 0, sizeof *r);
  r->status = w->status;
  r->curl_rc = w->status ? CURLE_OK : w->curl_rc;
  r->sent = w->status ? true : w->sent;
  r->body = (char *)(w->body ? w->body : "");
  r->len = strlen(r->body);
  snprintf(r->retry_after, sizeof r->retry_after, "%s",
           w->retry_after ? w->retry_after : "");
  snprintf(r->rl_reset, sizeof r->rl_reset, "%s",
           w->rl_reset ? w->rl_reset : "");
}

static struct conn_view view(enum api api)
{
  struct conn_view v = {.base_url = "https://harvest.example"};
  if (api == V1) {
    v.auth = ATSYNC_AUTH_API_KEY;
    v.api_key = "secretkey";
    v.on_behalf_of = "77";
  } else {
    v.auth = ATSYNC_AUTH_OAUTH_CODE;
    v.access_token = "tok-abc";
    v.token_url = "https://auth.example/token";
    v.client_id = "cid-1";
    v.client_secret = "csecret-1";
  }
  return v;
}

static bool check_str(const char *row, const char *field, const char *want,
                      const char *got)
{
  if (want == NULL || strcmp(want, got) == 0)
    return true;
  print_message("[%s] %s: '%s', want '%s'\n", row, field, got, want);
  return false;
}

static void test_classification_table(void **state)
{
  (void)state;
  struct op_args a = {.job_id = JOB, .to_stage_id = TARGET_STAGE,
                      .candidate_id = "9", .application_id = "55",
                      .email = "ada@example.com"};
  int bad = 0;
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    const struct row *w = &rows[i];
    struct http_resp r;
    fill_resp(w, &r);
    struct conn_view v = view(w->api);
    struct op_result *out = calloc(1, sizeof *out);
    assert_non_null(out);
    connector_greenhouse.parse(&v, w->op, &a, &r, NOW, out);
    bool ok = true;
    if (out->outcome != w->want) {
      print_message("[%s] outcome %s, want %s (what '%s', words '%s')\n",
                    w->name, outcome_name(out->outcome),
                    outcome_name(w->want), out->what, out->words);
      ok = false;
    }
    if (w->what && strstr(out->what, w->what) == NULL) {
      print_message("[%s] what '%s' lacks '%s'\n", w->name, out->what,
                    w->what);
      ok = false;
    }
    if (out->throttled != w->throttled) {
      print_message("[%s] throttled %d, want %d\n", w->name, out->throttled,
                    w->throttled);
      ok = false;
    }
    if (w->retry_at != ANY && out->retry_at != w->retry_at) {
      print_message("[%s] retry_at now%+lld ms, want now%+lld ms\n", w->name,
                    (long long)(out->retry_at - NOW),
                    (long long)(w->retry_at - NOW));
      ok = false;
    }
    /* the ATS's words: the status first, or what the transport said */
    char st[16];
    snprintf(st, sizeof st, "%ld ", w->status);
    if (w->status ? strncmp(out->words, st, strlen(st)) != 0
                  : out->words[0] == '\0') {
      print_message("[%s] words '%s'\n", w->name, out->words);
      ok = false;
    }
    ok &= check_str(w->name, "candidate_id", w->cand, out->candidate_id);
    ok &= check_str(w->name, "application_id", w->app, out->application_id);
    ok &= check_str(w->name, "app_status", w->app_status, out->app_status);
    ok &= check_str(w->name, "stage_id", w->stage_id, out->stage_id);
    ok &= check_str(w->name, "stage_name", w->stage_name, out->stage_name);
    if (w->partial >= 0 && out->partial != (w->partial == 1)) {
      print_message("[%s] partial %d, want %d\n", w->name, out->partial,
                    w->partial);
      ok = false;
    }
    free(out);
    bad += !ok;
  }
  if (bad)
    fail_msg("%d of %zu classification rows failed (see above)", bad,
             sizeof rows / sizeof *rows);
}

static void test_transport_words(void **state)
{
  (void)state;
  struct op_args a = {.job_id = JOB};
  struct conn_view v = view(V3);
  struct http_resp r = {.status = 0, .curl_rc = CURLE_COULDNT_CONNECT};
  struct op_result *out = calloc(1, sizeof *out);
  connector_greenhouse.parse(&v, OP_CREATE, &a, &r, NOW, out);
  assert_string_equal(out->words, "connection refused");
  memset(out, 0, sizeof *out);
  r.curl_rc = CURLE_OPERATION_TIMEDOUT;
  r.sent = true;
  connector_greenhouse.parse(&v, OP_FIND, &a, &r, NOW, out);
  assert_string_equal(out->words, "no answer before the deadline");
  free(out);
}

static void test_pacing_headers_are_read(void **state)
{
  (void)state;
  struct op_args a = {.job_id = JOB};
  struct conn_view v = view(V3);
  struct http_resp r;
  memset(&r, 0, sizeof r);
  r.status = 200;
  r.body = (char *)"[]";
  r.len = 2;
  snprintf(r.rl_limit, sizeof r.rl_limit, "50");
  snprintf(r.rl_remaining, sizeof r.rl_remaining, "0");
  snprintf(r.rl_reset, sizeof r.rl_reset, "1772442030");
  struct op_result *out = calloc(1, sizeof *out);
  connector_greenhouse.parse(&v, OP_FIND, &a, &r, NOW, out);
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->rl_limit, 50);
  assert_int_equal(out->rl_remaining, 0);
  assert_true(out->rl_reset == NOW + 30000);
  /* absent headers read as -1 / 0 */
  memset(out, 0, sizeof *out);
  r.rl_limit[0] = r.rl_remaining[0] = r.rl_reset[0] = '\0';
  connector_greenhouse.parse(&v, OP_FIND, &a, &r, NOW, out);
  assert_int_equal(out->rl_limit, -1);
  assert_int_equal(out->rl_remaining, -1);
  assert_int_equal(out->rl_reset, 0);
  free(out);
}

static void test_long_body_excerpt(void **state)
{
  (void)state;
  char body[2000];
  memset(body, 'x', sizeof body - 1);
  body[sizeof body - 1] = '\0';
  body[5] = '\n'; /* control characters become spaces */
  struct op_args a = {.job_id = JOB};
  struct conn_view v = view(V3);
  struct http_resp r;
  memset(&r, 0, sizeof r);
  r.status = 500;
  r.body = body;
  r.len = strlen(body);
  struct op_result *out = calloc(1, sizeof *out);
  connector_greenhouse.parse(&v, OP_JOB, &a, &r, NOW, out);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  size_t n = strlen(out->words);
  print_message("words: %zu chars\n", n);
  assert_true(n < sizeof out->words);
  assert_true(n > 100);
  assert_null(strchr(out->words, '\n'));
  assert_memory_equal(out->words + n - 3, "...", 3); /* marked as cut */
  free(out);
}

static void test_token_ok(void **state)
{
  (void)state;
  struct op_args a = {.grant = GRANT_REFRESH, .refresh_token = "r1"};
  struct conn_view v = view(V3);
  static const char body[] = "{\"access_token\":\"eyJ.abc.def\",\"token_type\":"
                             "\"bearer\",\"refresh_token\":\"r2\","
                             "\"expires_in\":3600}";
  struct http_resp r;
  memset(&r, 0, sizeof r);
  r.status = 200;
  r.body = (char *)body;
  r.len = strlen(body);
  struct op_result *out = calloc(1, sizeof *out);
  connector_greenhouse.parse(&v, OP_TOKEN, &a, &r, NOW, out);
  assert_int_equal(out->outcome, OUT_OK);
  assert_string_equal(out->access_token, "eyJ.abc.def");
  assert_string_equal(out->refresh_token, "r2");
  assert_int_equal(out->expires_in_ms, 3600000);
  free(out);
}

static void test_job_and_pipeline(void **state)
{
  (void)state;
  struct op_args a = {.job_id = JOB};
  struct http_resp r;
  struct op_result *out = calloc(1, sizeof *out);
  /* v3: the job in an array */
  static const char job3[] = "[{\"id\":5000,\"name\":\"Other\",\"status\":"
                             "\"closed\"},{\"id\":4001,\"name\":\"Backend "
                             "Engineer\",\"status\":\"open\"}]";
  memset(&r, 0, sizeof r);
  r.status = 200;
  r.body = (char *)job3;
  r.len = strlen(job3);
  struct conn_view v3 = view(V3), v1 = view(V1);
  connector_greenhouse.parse(&v3, OP_JOB, &a, &r, NOW, out);
  assert_int_equal(out->outcome, OUT_OK);
  assert_string_equal(out->job_name, "Backend Engineer");
  assert_string_equal(out->job_status, "open");

  /* v3 pipeline by sort_order (input out of order; inactive kept) */
  static const char pipe3[] =
      "[{\"id\":3,\"name\":\"Offer\",\"sort_order\":3},"
      "{\"id\":1,\"name\":\"Application Review\",\"sort_order\":0},"
      "{\"id\":2,\"name\":\"Phone Screen\",\"sort_order\":1,\"active\":false},"
      "{\"id\":4294967300,\"name\":\"Onsite\",\"sort_order\":2}]";
  memset(out, 0, sizeof *out);
  r.body = (char *)pipe3;
  r.len = strlen(pipe3);
  connector_greenhouse.parse(&v3, OP_PIPELINE, &a, &r, NOW, out);
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->nstages, 4);
  static const char *const names3[] = {"Application Review", "Phone Screen",
                                       "Onsite", "Offer"};
  static const char *const ids3[] = {"1", "2", "4294967300", "3"};
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(out->stages[i].name, names3[i]) != 0 ||
        strcmp(out->stages[i].id, ids3[i]) != 0)
      fail_msg("v3 stage %zu: %s (%s), want %s (%s)", i, out->stages[i].name,
               out->stages[i].id, names3[i], ids3[i]);
  }
  assert_true(out->stages[0].active);
  assert_false(out->stages[1].active);

  /* v1 pipeline by priority; equal priorities keep their order */
  static const char pipe1[] =
      "[{\"id\":30,\"name\":\"C\",\"priority\":2},"
      "{\"id\":10,\"name\":\"A\",\"priority\":0},"
      "{\"id\":21,\"name\":\"B1\",\"priority\":1},"
      "{\"id\":22,\"name\":\"B2\",\"priority\":1}]";
  memset(out, 0, sizeof *out);
  r.body = (char *)pipe1;
  r.len = strlen(pipe1);
  connector_greenhouse.parse(&v1, OP_PIPELINE, &a, &r, NOW, out);
  assert_int_equal(out->outcome, OUT_OK);
  assert_int_equal(out->nstages, 4);
  static const char *const names1[] = {"A", "B1", "B2", "C"};
  for (size_t i = 0; i < 4; i++)
    if (strcmp(out->stages[i].name, names1[i]) != 0)
      fail_msg("v1 stage %zu: %s, want %s", i, out->stages[i].name, names1[i]);

  /* a stage without a name is a malformed pipeline (a read: transient) */
  static const char bad[] = "[{\"id\":1}]";
  memset(out, 0, sizeof *out);
  r.body = (char *)bad;
  r.len = strlen(bad);
  connector_greenhouse.parse(&v1, OP_PIPELINE, &a, &r, NOW, out);
  assert_int_equal(out->outcome, OUT_TRANSIENT);
  free(out);
}

/* ---- build ------------------------------------------------------------------ */

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

static void build(const struct conn_view *v, enum op op,
                  const struct op_args *a, struct http_req *r)
{
  char err[256] = "";
  memset(r, 0, sizeof *r);
  if (connector_greenhouse.build(v, op, a, r, err, sizeof err) != 0)
    fail_msg("build %s: %s", op_name(op), err);
}

static const char *const emails[] = {"ada@example.com", "a.l@example.org"};

static struct op_args write_args(void)
{
  struct op_args a = {.job_id = "4001", .to_stage_id = "12",
                      .from_stage_id = "11", .candidate_id = "9",
                      .application_id = "55", .first = "Ada",
                      .last = "Lovelace", .phone = "+1 555 0100",
                      .emails = emails, .nemails = 2};
  return a;
}

static void test_build_v1(void **state)
{
  (void)state;
  struct conn_view v = view(V1);
  struct op_args a = write_args();
  struct http_req r;

  build(&v, OP_CREATE, &a, &r);
  assert_string_equal(r.method, "POST");
  assert_string_equal(r.url, "https://harvest.example/v1/candidates");
  assert_non_null(header(&r, "Authorization"));
  assert_string_equal(header(&r, "Authorization"), "Basic c2VjcmV0a2V5Og==");
  assert_non_null(header(&r, "On-Behalf-Of"));
  assert_string_equal(header(&r, "On-Behalf-Of"), "77");
  assert_true(r.fresh);
  assert_non_null(header(&r, "Content-Type"));
  assert_string_equal(header(&r, "Content-Type"), "application/json");
  cJSON *j = cJSON_Parse(r.body);
  assert_non_null(j);
  cJSON *apps = cJSON_GetObjectItemCaseSensitive(j, "applications");
  assert_int_equal(cJSON_GetArraySize(apps), 1);
  cJSON *app = cJSON_GetArrayItem(apps, 0);
  assert_int_equal(cJSON_GetObjectItem(app, "job_id")->valuedouble, 4001);
  assert_int_equal(cJSON_GetObjectItem(app, "initial_stage_id")->valuedouble,
                   12);
  cJSON *em = cJSON_GetObjectItemCaseSensitive(j, "email_addresses");
  assert_int_equal(cJSON_GetArraySize(em), 2);
  assert_string_equal(
      cJSON_GetObjectItem(cJSON_GetArrayItem(em, 1), "value")->valuestring,
      "a.l@example.org");
  cJSON *ph = cJSON_GetObjectItemCaseSensitive(j, "phone_numbers");
  assert_string_equal(
      cJSON_GetObjectItem(cJSON_GetArrayItem(ph, 0), "value")->valuestring,
      "+1 555 0100");
  assert_string_equal(cJSON_GetObjectItem(j, "first_name")->valuestring,
                      "Ada");
  cJSON_Delete(j);
  http_req_free(&r);

  build(&v, OP_ADD_APP, &a, &r);
  assert_string_equal(r.url,
                      "https://harvest.example/v1/candidates/9/applications");
  assert_string_equal(header(&r, "On-Behalf-Of"), "77");
  assert_true(r.fresh);
  assert_null(strstr(r.body, "candidate_id")); /* in the URL on v1 */
  http_req_free(&r);

  build(&v, OP_MOVE, &a, &r);
  assert_string_equal(r.url,
                      "https://harvest.example/v1/applications/55/move");
  assert_string_equal(r.body, "{\"from_stage_id\":11,\"to_stage_id\":12}");
  assert_true(r.fresh);
  assert_non_null(header(&r, "On-Behalf-Of"));
  http_req_free(&r);

  /* reads: Basic auth, no acting user, reusable connections */
  a.email = "ada+test@example.com";
  build(&v, OP_FIND, &a, &r);
  assert_string_equal(r.method, "GET");
  assert_string_equal(
      r.url, "https://harvest.example/v1/candidates?email=ada%2Btest%40example.com");
  assert_string_equal(header(&r, "Authorization"), "Basic c2VjcmV0a2V5Og==");
  assert_null(header(&r, "On-Behalf-Of"));
  assert_false(r.fresh);
  assert_null(r.body);
  http_req_free(&r);

  build(&v, OP_APPS, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v1/candidates/9");
  assert_false(r.fresh);
  http_req_free(&r);
  build(&v, OP_JOB, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v1/jobs/4001");
  http_req_free(&r);
  build(&v, OP_PIPELINE, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v1/jobs/4001/stages");
  http_req_free(&r);
}

static void test_build_v3(void **state)
{
  (void)state;
  struct conn_view v = view(V3);
  struct op_args a = write_args();
  struct http_req r;

  build(&v, OP_CREATE, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v3/candidates");
  assert_string_equal(header(&r, "Authorization"), "Bearer tok-abc");
  assert_null(header(&r, "On-Behalf-Of"));
  assert_true(r.fresh);
  assert_null(strstr(r.body, "applications")); /* v3 adds it separately */
  http_req_free(&r);

  build(&v, OP_ADD_APP, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v3/applications");
  assert_true(r.fresh);
  assert_string_equal(
      r.body, "{\"candidate_id\":9,\"job_id\":4001,\"initial_stage_id\":12}");
  http_req_free(&r);

  /* ids beyond 2^53 travel as the exact digits */
  a.candidate_id = "9007199254740993";
  build(&v, OP_ADD_APP, &a, &r);
  assert_non_null(strstr(r.body, "\"candidate_id\":9007199254740993"));
  http_req_free(&r);

  build(&v, OP_MOVE, &a, &r);
  assert_string_equal(r.url,
                      "https://harvest.example/v3/applications/55/move");
  assert_true(r.fresh);
  http_req_free(&r);

  a.email = "o'neil & co@example.com";
  build(&v, OP_FIND, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v3/candidates?email="
                             "o%27neil%20%26%20co%40example.com");
  assert_string_equal(header(&r, "Authorization"), "Bearer tok-abc");
  assert_false(r.fresh);
  http_req_free(&r);

  build(&v, OP_APPS, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v3/applications?"
                             "candidate_ids=9007199254740993&job_ids=4001");
  http_req_free(&r);
  build(&v, OP_JOB, &a, &r);
  assert_string_equal(r.url, "https://harvest.example/v3/jobs?ids=4001");
  assert_false(r.fresh);
  http_req_free(&r);
  build(&v, OP_PIPELINE, &a, &r);
  assert_non_null(
      strstr(r.url, "/v3/job_interview_stages?job_ids=4001"));
  http_req_free(&r);

  char err[128] = "";
  assert_int_equal(connector_greenhouse.build(&v, OP__COUNT, &a, &r, err,
                                              sizeof err),
                   -1);
  assert_non_null(strstr(err, "no operation"));
}

static void test_build_token(void **state)
{
  (void)state;
  struct conn_view v = view(V3);
  v.redirect_uri = "https://app.example/cb?x=1";
  struct http_req r;
  struct op_args a = {.grant = GRANT_CODE, .code = "c0de/+="};
  build(&v, OP_TOKEN, &a, &r);
  assert_string_equal(r.method, "POST");
  assert_string_equal(r.url, "https://auth.example/token");
  assert_string_equal(header(&r, "Authorization"),
                      "Basic Y2lkLTE6Y3NlY3JldC0x"); /* cid-1:csecret-1 */
  assert_string_equal(header(&r, "Content-Type"),
                      "application/x-www-form-urlencoded");
  assert_true(r.fresh);
  assert_string_equal(r.body, "grant_type=authorization_code&code=c0de%2F%2B%3D"
                              "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1");
  assert_int_equal(r.body_len, strlen(r.body));
  http_req_free(&r);

  v.redirect_uri = NULL;
  build(&v, OP_TOKEN, &a, &r);
  assert_string_equal(r.body, "grant_type=authorization_code&code=c0de%2F%2B%3D");
  http_req_free(&r);

  struct op_args rf = {.grant = GRANT_REFRESH, .refresh_token = "rt-1.2"};
  build(&v, OP_TOKEN, &rf, &r);
  assert_string_equal(r.body, "grant_type=refresh_token&refresh_token=rt-1.2");
  assert_true(r.fresh);
  http_req_free(&r);

  struct op_args cc = {.grant = GRANT_CLIENT_CREDENTIALS};
  v.sub = "user 42";
  build(&v, OP_TOKEN, &cc, &r);
  assert_string_equal(r.body, "grant_type=client_credentials&sub=user%2042");
  http_req_free(&r);
  v.sub = NULL;
  build(&v, OP_TOKEN, &cc, &r);
  assert_string_equal(r.body, "grant_type=client_credentials");
  assert_null(header(&r, "On-Behalf-Of"));
  http_req_free(&r);
}

static void test_names(void **state)
{
  (void)state;
  assert_string_equal(outcome_name(OUT_OK), "ok");
  assert_string_equal(outcome_name(OUT_UNKNOWN), "unknown");
  assert_string_equal(outcome_name(OUT_NOT_FOUND), "not_found");
  assert_string_equal(op_name(OP_ADD_APP), "add application");
  assert_true(op_is_write(OP_CREATE));
  assert_true(op_is_write(OP_ADD_APP));
  assert_true(op_is_write(OP_MOVE));
  assert_false(op_is_write(OP_TOKEN));
  assert_false(op_is_write(OP_FIND));
  assert_ptr_equal(connector_find("greenhouse"), &connector_greenhouse);
  assert_null(connector_find("bamboohr"));
  assert_null(connector_find(NULL));
  int64_t w;
  bool fixed;
  connector_greenhouse.window(ATSYNC_AUTH_API_KEY, &w, &fixed);
  assert_int_equal(w, 10000);
  assert_false(fixed);
  connector_greenhouse.window(ATSYNC_AUTH_CLIENT_CREDENTIALS, &w, &fixed);
  assert_int_equal(w, 30000);
  assert_true(fixed);
}

int main(void)
{
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_classification_table),
      cmocka_unit_test(test_transport_words),
      cmocka_unit_test(test_pacing_headers_are_read),
      cmocka_unit_test(test_long_body_excerpt),
      cmocka_unit_test(test_token_ok),
      cmocka_unit_test(test_job_and_pipeline),
      cmocka_unit_test(test_build_v1),
      cmocka_unit_test(test_build_v3),
      cmocka_unit_test(test_build_token),
      cmocka_unit_test(test_names),
  };
  int rc = cmocka_run_group_tests_name("outcome", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
