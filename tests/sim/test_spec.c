/* test_spec.c — our Greenhouse answers use the field names and JSON types of
 * the published specs that cover them: the openSDKs OpenAPI document
 * (GET /v1/jobs, /v1/jobs/{id}, /v1/candidates, /v1/candidates/{id}) and the
 * harvest-raml examples (candidate, application). tests/specs/SOURCES.md
 * lists the specs' known defects and how this test allows for them. */
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
#include "specchk.h"

/* Known defects of the openSDKs document (tests/specs/SOURCES.md): fields it
 * names that the vendor's own documents do not have in these answers. */
static bool gh_known_defect(enum specchk_kind kind,
                            const struct specchk_site *at)
{
  if (kind == SPECCHK_MISSING) {
    /* a typo of the documented parent_department_external_id */
    if (!strcmp(at->field, "parent_department_external_ids"))
      return true;
    /* only with GET /v1/departments?render_as=tree, never inside a job */
    if (!strcmp(at->field, "children") && strstr(at->parent, "departments["))
      return true;
    /* custom field keys are the tenant's own data, not API field names */
    return strstr(at->parent, "custom_fields") != NULL;
  }
  /* typed "null or string" by the document; the vendor documents an object
   * {id, name, type{id, name}} and {custom_fields, ...} [GH-APP] */
  return (kind == SPECCHK_ONEOF || kind == SPECCHK_TYPE) && at->field &&
         cJSON_IsObject(at->value) &&
         (!strcmp(at->field, "rejection_reason") ||
          !strcmp(at->field, "rejection_details"));
}

/* Every field the document names is required; null is accepted anywhere
 * (nullability is undeclared). */
static const struct specchk_rules gh_rules = {
    .every_property = true, .known_defect = gh_known_defect};

struct fixture {
  struct simfx *f;
  cJSON *oas;
  int64_t cand, app;
};

static int setup(void **state)
{
  struct fixture *x = calloc(1, sizeof *x);
  struct simfx_opts o = {.seeded = true};
  x->f = simfx_new(&o);
  x->oas = specchk_load("tests/specs/greenhouse-harvest.opensdks.oas.json");
  /* a candidate with every optional part filled, and a rejected and a
   * moved application, so non-null values get checked too */
  struct tc_resp r = fx_v1(
      x->f, "POST", "/v1/candidates",
      "{\"first_name\":\"Ada\",\"last_name\":\"Lovelace\",\"company\":\"AE\","
      "\"title\":\"Eng\",\"tags\":[\"math\"],"
      "\"email_addresses\":[{\"value\":\"ada@example.com\",\"type\":\"personal\"}],"
      "\"phone_numbers\":[{\"value\":\"+441234567890\",\"type\":\"mobile\"}],"
      "\"applications\":[{\"job_id\":4100001,\"source_id\":7},"
      "{\"job_id\":4100002}]}",
      "4000001");
  assert_int_equal(r.status, 201);
  cJSON *c = fx_json(&r);
  x->cand = fx_id(c, "id");
  const cJSON *ids = cJSON_GetObjectItem(c, "application_ids");
  x->app = (int64_t)cJSON_GetArrayItem(ids, 1)->valuedouble;
  cJSON_Delete(c);
  tc_free(&r);
  char path[96];
  snprintf(path, sizeof path, "/v1/applications/%lld/reject",
           (long long)x->app);
  r = fx_v1(x->f, "POST", path, "{\"rejection_reason_id\":101}", "4000001");
  assert_int_equal(r.status, 200);
  tc_free(&r);
  *state = x;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *x = *state;
  cJSON_Delete(x->oas);
  simfx_free(x->f);
  free(x);
  return 0;
}

static void check_route(struct fixture *x, const char *spec_route,
                        const char *path)
{
  struct tc_resp r = fx_v1(x->f, "GET", path, NULL, NULL);
  assert_int_equal(r.status, 200);
  cJSON *body = fx_json(&r);
  struct specchk k = {.doc = x->oas, .rules = &gh_rules};
  specchk_check(&k, specchk_response(x->oas, spec_route, "get", "200"), body,
                path);
  cJSON_Delete(body);
  tc_free(&r);
  if (k.count)
    fail_msg("%s differs from the spec in %d place(s):\n%s", path, k.count,
             k.errors);
}

static void test_jobs_match_the_openapi_spec(void **state)
{
  struct fixture *x = *state;
  check_route(x, "/v1/jobs", "/v1/jobs");
  check_route(x, "/v1/jobs/{id}", "/v1/jobs/4100004"); /* a closed job */
}

static void test_candidates_match_the_openapi_spec(void **state)
{
  struct fixture *x = *state;
  check_route(x, "/v1/candidates", "/v1/candidates");
  char path[64];
  snprintf(path, sizeof path, "/v1/candidates/%lld", (long long)x->cand);
  check_route(x, "/v1/candidates/{id}", path);
}

/* Every field of the example exists in ours with the same JSON type. */
static void same_shape(struct specchk *k, const cJSON *example,
                       const cJSON *mine, const char *path)
{
  if (cJSON_IsNull(example) || cJSON_IsNull(mine))
    return;
  if ((example->type & 0xFF) != (mine->type & 0xFF) &&
      !(cJSON_IsNumber(example) && cJSON_IsRaw(mine)) &&
      !(cJSON_IsBool(example) && cJSON_IsBool(mine))) {
    specchk_problem(k, path, "has another JSON type than the example");
    return;
  }
  char sub[256];
  if (cJSON_IsObject(example)) {
    const cJSON *e;
    cJSON_ArrayForEach(e, example)
    {
      snprintf(sub, sizeof sub, "%s.%s", path, e->string);
      const cJSON *m = cJSON_GetObjectItemCaseSensitive(mine, e->string);
      /* custom field names are the tenant's own, not the API's */
      if (strstr(path, "custom_fields"))
        continue;
      if (m == NULL)
        specchk_problem(k, sub, "missing (the example has it)");
      else
        same_shape(k, e, m, sub);
    }
  } else if (cJSON_IsArray(example) && cJSON_GetArraySize(example) > 0 &&
             cJSON_GetArraySize(mine) > 0) {
    snprintf(sub, sizeof sub, "%s[0]", path);
    same_shape(k, cJSON_GetArrayItem(example, 0), cJSON_GetArrayItem(mine, 0),
               sub);
  }
}

static void check_example(struct fixture *x, const char *file,
                          const char *path)
{
  cJSON *ex = specchk_load(file);
  struct tc_resp r = fx_v1(x->f, "GET", path, NULL, NULL);
  assert_int_equal(r.status, 200);
  cJSON *mine = cJSON_Parse(r.body);
  assert_non_null(mine);
  struct specchk k = {0};
  same_shape(&k, ex, mine, path);
  cJSON_Delete(mine);
  cJSON_Delete(ex);
  tc_free(&r);
  if (k.count)
    fail_msg("%s differs from %s in %d place(s):\n%s", path, file, k.count,
             k.errors);
}

static void test_candidate_matches_the_raml_example(void **state)
{
  struct fixture *x = *state;
  char path[64];
  snprintf(path, sizeof path, "/v1/candidates/%lld", (long long)x->cand);
  check_example(x, "tests/specs/greenhouse-raml/candidate.json", path);
}

static void test_application_matches_the_raml_example(void **state)
{
  struct fixture *x = *state;
  char path[64];
  snprintf(path, sizeof path, "/v1/applications/%lld", (long long)x->app);
  check_example(x, "tests/specs/greenhouse-raml/application.json", path);
}

/* The checker itself must catch a renamed field and a wrong type, or the
 * tests above prove nothing. */
static void test_checker_catches_drift(void **state)
{
  struct fixture *x = *state;
  const cJSON *schema = specchk_schema(x->oas, "job");
  cJSON *job = cJSON_Parse("{\"id\":1,\"title\":\"x\",\"status\":\"open\"}");
  struct specchk k = {.doc = x->oas, .rules = &gh_rules};
  specchk_check(&k, schema, job, "job");
  assert_true(k.count > 0);
  assert_non_null(strstr(k.errors, "job.name: missing"));
  cJSON_Delete(job);
  cJSON *bad = cJSON_Parse("{\"status\":\"paused\",\"confidential\":\"no\"}");
  struct specchk k2 = {.doc = x->oas, .rules = &gh_rules};
  specchk_check(&k2, schema, bad, "job");
  assert_non_null(
      strstr(k2.errors, "job.status: expected one of the enum, got 'paused'"));
  assert_non_null(
      strstr(k2.errors, "job.confidential: expected boolean, got string"));
  cJSON_Delete(bad);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_jobs_match_the_openapi_spec, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_candidates_match_the_openapi_spec,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_candidate_matches_the_raml_example,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_application_matches_the_raml_example,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_checker_catches_drift, setup,
                                      teardown),
  };
  int rc = cmocka_run_group_tests_name("spec", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
