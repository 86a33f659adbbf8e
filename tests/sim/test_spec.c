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

struct checker {
  const cJSON *doc; /* the OpenAPI document, for $ref */
  char errors[4096];
  size_t len;
  int count;
};

static void problem(struct checker *k, const char *path, const char *fmt, ...)
{
  va_list ap;
  k->count++;
  if (k->len >= sizeof k->errors - 200)
    return;
  k->len += (size_t)snprintf(k->errors + k->len, sizeof k->errors - k->len,
                             "  %s: ", path);
  va_start(ap, fmt);
  k->len += (size_t)vsnprintf(k->errors + k->len, sizeof k->errors - k->len,
                              fmt, ap);
  va_end(ap);
  k->len += (size_t)snprintf(k->errors + k->len, sizeof k->errors - k->len,
                             "\n");
}

static const cJSON *resolve(const struct checker *k, const cJSON *schema)
{
  const cJSON *ref = cJSON_GetObjectItemCaseSensitive(schema, "$ref");
  if (!cJSON_IsString(ref))
    return schema;
  const char *name = strrchr(ref->valuestring, '/');
  const cJSON *schemas = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(k->doc, "components"), "schemas");
  return cJSON_GetObjectItemCaseSensitive(schemas, name ? name + 1 : "");
}

static bool type_ok(const char *t, const cJSON *v)
{
  if (!strcmp(t, "string"))
    return cJSON_IsString(v);
  if (!strcmp(t, "number") || !strcmp(t, "integer"))
    return cJSON_IsNumber(v);
  if (!strcmp(t, "boolean"))
    return cJSON_IsBool(v);
  if (!strcmp(t, "array"))
    return cJSON_IsArray(v);
  if (!strcmp(t, "object"))
    return cJSON_IsObject(v);
  if (!strcmp(t, "null"))
    return cJSON_IsNull(v);
  return true;
}

static void check(struct checker *k, const cJSON *schema, const cJSON *v,
                  const char *path);

/* Known defects of the openSDKs document (tests/specs/SOURCES.md): fields it
 * names that the vendor's own documents do not have in these answers. */
static bool spec_type_defect(const char *field, const cJSON *mine)
{
  /* typed "null or string" by the document; the vendor documents an object
   * {id, name, type{id, name}} and {custom_fields, ...} [GH-APP] */
  return cJSON_IsObject(mine) && (!strcmp(field, "rejection_reason") ||
                                  !strcmp(field, "rejection_details"));
}

static bool spec_defect(const char *path, const char *field)
{
  /* a typo of the documented parent_department_external_id */
  if (!strcmp(field, "parent_department_external_ids"))
    return true;
  /* only with GET /v1/departments?render_as=tree, never inside a job */
  if (!strcmp(field, "children") && strstr(path, "departments["))
    return true;
  /* custom field keys are the tenant's own data, not API field names */
  return strstr(path, "custom_fields") != NULL;
}

static bool any_of_ok(struct checker *k, const cJSON *any, const cJSON *v,
                      const char *path)
{
  const cJSON *alt;
  cJSON_ArrayForEach(alt, any)
  {
    struct checker sub = {.doc = k->doc};
    check(&sub, alt, v, path);
    if (sub.count == 0)
      return true;
  }
  return false;
}

static void check(struct checker *k, const cJSON *schema, const cJSON *v,
                  const char *path)
{
  schema = resolve(k, schema);
  if (schema == NULL || cJSON_IsNull(v)) /* nullability is undeclared */
    return;
  const cJSON *any = cJSON_GetObjectItemCaseSensitive(schema, "anyOf");
  if (cJSON_IsArray(any)) {
    if (!any_of_ok(k, any, v, path))
      problem(k, path, "matches no alternative of anyOf");
    return;
  }
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
  if (cJSON_IsString(type) && !type_ok(type->valuestring, v)) {
    problem(k, path, "is not of type %s", type->valuestring);
    return;
  }
  if (cJSON_IsArray(type)) {
    bool ok = false;
    const cJSON *t;
    cJSON_ArrayForEach(t, type) ok |= type_ok(t->valuestring, v);
    if (!ok) {
      problem(k, path, "has none of the declared types");
      return;
    }
  }
  const cJSON *enm = cJSON_GetObjectItemCaseSensitive(schema, "enum");
  if (cJSON_IsArray(enm) && cJSON_IsString(v)) {
    bool ok = false;
    const cJSON *e;
    cJSON_ArrayForEach(e, enm) ok |= cJSON_IsString(e) &&
                                     !strcmp(e->valuestring, v->valuestring);
    if (!ok)
      problem(k, path, "'%s' is not in the enum", v->valuestring);
  }
  char sub[256];
  if (cJSON_IsObject(v)) {
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    const cJSON *p;
    cJSON_ArrayForEach(p, props)
    {
      snprintf(sub, sizeof sub, "%s.%s", path, p->string);
      const cJSON *mine = cJSON_GetObjectItemCaseSensitive(v, p->string);
      if (mine == NULL && spec_defect(path, p->string))
        continue;
      if (mine == NULL)
        problem(k, sub, "missing (the spec names this field)");
      else if (spec_type_defect(p->string, mine))
        continue;
      else
        check(k, p, mine, sub);
    }
    const cJSON *addl =
        cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
    if (cJSON_IsObject(addl)) {
      const cJSON *m;
      cJSON_ArrayForEach(m, v)
      {
        if (props && cJSON_GetObjectItemCaseSensitive(props, m->string))
          continue;
        snprintf(sub, sizeof sub, "%s.%s", path, m->string);
        check(k, addl, m, sub);
      }
    }
  }
  if (cJSON_IsArray(v)) {
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
    int i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
      snprintf(sub, sizeof sub, "%s[%d]", path, i++);
      check(k, items, e, sub);
    }
  }
}

static cJSON *load(const char *rel)
{
  const char *dir = getenv("ATSIM_SRCDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", rel);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fail_msg("cannot open %s (run from the repository root or set "
             "ATSIM_SRCDIR)", path);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  cJSON *j = cJSON_Parse(buf);
  free(buf);
  assert_non_null(j);
  return j;
}

/* The 200 schema of GET 'route' in the OpenAPI document. */
static const cJSON *response_schema(const cJSON *doc, const char *route)
{
  const cJSON *op = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(doc, "paths"), route),
      "get");
  const cJSON *s = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(
          cJSON_GetObjectItemCaseSensitive(
              cJSON_GetObjectItemCaseSensitive(
                  cJSON_GetObjectItemCaseSensitive(op, "responses"), "200"),
              "content"),
          "application/json"),
      "schema");
  assert_non_null(s);
  return s;
}

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
  x->oas = load("tests/specs/greenhouse-harvest.opensdks.oas.json");
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
  struct checker k = {.doc = x->oas};
  check(&k, response_schema(x->oas, spec_route), body, path);
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
static void same_shape(struct checker *k, const cJSON *example,
                       const cJSON *mine, const char *path)
{
  if (cJSON_IsNull(example) || cJSON_IsNull(mine))
    return;
  if ((example->type & 0xFF) != (mine->type & 0xFF) &&
      !(cJSON_IsNumber(example) && cJSON_IsRaw(mine)) &&
      !(cJSON_IsBool(example) && cJSON_IsBool(mine))) {
    problem(k, path, "has another JSON type than the example");
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
        problem(k, sub, "missing (the example has it)");
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
  cJSON *ex = load(file);
  struct tc_resp r = fx_v1(x->f, "GET", path, NULL, NULL);
  assert_int_equal(r.status, 200);
  cJSON *mine = cJSON_Parse(r.body);
  assert_non_null(mine);
  struct checker k = {0};
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
  cJSON *job = cJSON_Parse("{\"id\":1,\"title\":\"x\",\"status\":\"open\"}");
  cJSON *ref = cJSON_Parse("{\"$ref\":\"#/components/schemas/job\"}");
  struct checker k = {.doc = x->oas};
  check(&k, resolve(&k, ref), job, "job");
  assert_true(k.count > 0);
  assert_non_null(strstr(k.errors, "job.name: missing"));
  cJSON_Delete(job);
  cJSON *bad = cJSON_Parse("{\"status\":\"paused\",\"confidential\":\"no\"}");
  struct checker k2 = {.doc = x->oas};
  check(&k2, resolve(&k2, ref), bad, "job");
  assert_non_null(strstr(k2.errors, "'paused' is not in the enum"));
  assert_non_null(strstr(k2.errors, "job.confidential: is not of type boolean"));
  cJSON_Delete(ref);
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
