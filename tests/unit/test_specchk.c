/* test_specchk.c — the spec checker the sim tests share (tests/util/
 * specchk.c) catches a renamed field, a wrong type, a value out of an enum
 * or a format, a null where none is allowed and a value no oneOf/anyOf
 * alternative fits, through $ref and allOf; and a spec's known defect is
 * allowed where it is declared and nowhere else. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "specchk.h"

#define UUID "0b9a3c1e-5f2d-4e6a-8b7c-9d0e1f2a3b4c"

static const char DOC[] =
    "{\"paths\":{\"/jobs/{id}\":{\"get\":{\"responses\":{\"200\":{"
    "\"content\":{\"application/json\":{\"schema\":"
    "{\"$ref\":\"#/components/schemas/job\"}}}}}}}},"
    "\"components\":{\"schemas\":{"
    "\"job\":{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{"
    "\"id\":{\"type\":\"string\",\"format\":\"uuid\"},"
    "\"name\":{\"type\":\"string\"},"
    "\"status\":{\"type\":\"string\",\"enum\":[\"open\",\"closed\"]},"
    "\"office\":{\"$ref\":\"#/components/schemas/office\"},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"note\":{\"type\":[\"string\",\"null\"]},"
    "\"owner\":{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"string\"}]}}},"
    "\"office\":{\"allOf\":[{\"$ref\":\"#/components/schemas/named\"},"
    "{\"type\":\"object\",\"properties\":{\"remote\":{\"type\":\"boolean\"}}}"
    "]},"
    "\"named\":{\"type\":\"object\",\"required\":[\"name\"],"
    "\"properties\":{\"name\":{\"type\":\"string\"}}}}}}";

static const char GOOD[] =
    "{\"id\":\"" UUID "\",\"name\":\"Eng\",\"status\":\"open\","
    "\"office\":{\"name\":\"HQ\",\"remote\":false},\"tags\":[\"a\"],"
    "\"note\":null,\"owner\":\"ada\"}";

static const struct specchk_rules every = {.every_property = true};
static const struct specchk_rules strict_null = {.null_declared = true};

static int setup(void **state)
{
  *state = cJSON_Parse(DOC);
  return *state ? 0 : -1;
}

static int teardown(void **state)
{
  cJSON_Delete(*state);
  return 0;
}

/* The mismatches of 'body' against the job schema: their count, and the
 * text in 'errors'. */
static int run(const cJSON *doc, const struct specchk_rules *rules,
               const char *body, char *errors, size_t len)
{
  cJSON *v = cJSON_Parse(body);
  assert_non_null(v);
  struct specchk k = {.doc = doc, .rules = rules};
  specchk_check(&k, specchk_response(doc, "/jobs/{id}", "get", "200"), v,
                "job");
  cJSON_Delete(v);
  snprintf(errors, len, "%s", k.errors);
  return k.count;
}

static void test_a_matching_body_passes(void **state)
{
  char e[4096];
  assert_int_equal(run(*state, &every, GOOD, e, sizeof e), 0);
  assert_int_equal(run(*state, &strict_null, GOOD, e, sizeof e), 0);
  assert_int_equal(run(*state, NULL, "{\"id\":\"" UUID "\"}", e, sizeof e),
                   0);
}

static void test_a_renamed_field_is_caught(void **state)
{
  char e[4096];
  /* "name" sent as "title": every named field is required */
  assert_int_equal(run(*state, &every,
                       "{\"id\":\"" UUID "\",\"title\":\"Eng\","
                       "\"status\":\"open\",\"office\":{\"name\":\"HQ\","
                       "\"remote\":false},\"tags\":[],\"note\":null,"
                       "\"owner\":null}",
                       e, sizeof e),
                   1);
  assert_non_null(strstr(e, "  job.name: missing (named by the spec)\n"));
  /* a required one, also under allOf through $ref, in either mode */
  assert_int_equal(run(*state, NULL, "{\"ID\":\"" UUID "\",\"office\":{}}", e,
                       sizeof e),
                   2);
  assert_non_null(strstr(e, "job.id: missing (required by the spec)"));
  assert_non_null(strstr(e, "job.office.name: missing (required by the spec)"));
}

static void test_a_wrong_type_is_caught(void **state)
{
  char e[4096];
  assert_int_equal(run(*state, NULL,
                       "{\"id\":\"" UUID "\",\"name\":7,"
                       "\"office\":{\"name\":\"HQ\",\"remote\":\"no\"},"
                       "\"tags\":[\"a\",2],\"note\":{}}",
                       e, sizeof e),
                   4);
  assert_non_null(strstr(e, "job.name: expected string, got number"));
  assert_non_null(strstr(e, "job.office.remote: expected boolean, got string"));
  assert_non_null(strstr(e, "job.tags[1]: expected string, got number"));
  assert_non_null(strstr(e, "job.note: expected string or null, got object"));
}

static void test_enum_format_oneof_and_null(void **state)
{
  char e[4096];
  assert_int_equal(run(*state, NULL,
                       "{\"id\":\"42\",\"status\":\"paused\",\"owner\":7}", e,
                       sizeof e),
                   3);
  assert_non_null(strstr(e, "job.id: expected a uuid, got '42'"));
  assert_non_null(strstr(e, "job.status: expected one of the enum, got "
                            "'paused'"));
  assert_non_null(strstr(e, "job.owner: matches no alternative of "
                            "oneOf/anyOf; the first:\n"
                            "  job.owner: expected null, got number"));
  /* null is accepted anywhere unless the rules say it must be declared */
  const char *nulls = "{\"id\":\"" UUID "\",\"name\":null,\"note\":null,"
                      "\"owner\":null}";
  assert_int_equal(run(*state, NULL, nulls, e, sizeof e), 0);
  assert_int_equal(run(*state, &strict_null, nulls, e, sizeof e), 1);
  assert_non_null(strstr(e, "job.name: expected string, got null"));
}

/* A spec whose "named" schema wrongly requires a name of the job's office
 * (a made-up defect): allowed there, still caught on the job itself. */
static bool office_name_defect(enum specchk_kind kind,
                               const struct specchk_site *at)
{
  return kind == SPECCHK_MISSING && !strcmp(at->field, "name") &&
         !strcmp(at->parent, "job.office");
}

static void test_a_known_defect_is_allowed_where_declared(void **state)
{
  static const struct specchk_rules defects = {
      .every_property = true, .known_defect = office_name_defect};
  char e[4096];
  const char *body = "{\"id\":\"" UUID "\",\"status\":\"open\","
                     "\"office\":{\"remote\":true},\"tags\":[],\"note\":null,"
                     "\"owner\":null}";
  assert_int_equal(run(*state, &every, body, e, sizeof e), 2);
  assert_non_null(strstr(e, "job.office.name: missing"));
  assert_int_equal(run(*state, &defects, body, e, sizeof e), 1);
  assert_non_null(strstr(e, "job.name: missing"));
  assert_null(strstr(e, "job.office.name"));
}

static void test_lookups(void **state)
{
  const cJSON *doc = *state;
  assert_ptr_equal(specchk_schema(doc, "job"),
                   specchk_at(doc, "#/components/schemas/job"));
  /* through the response's $ref into the job schema */
  const cJSON *id = specchk_at(doc, "#/paths/~1jobs~1{id}/get/responses/200/"
                                    "content/application~1json/schema/"
                                    "properties/id");
  assert_string_equal(cJSON_GetObjectItem(id, "format")->valuestring, "uuid");
  assert_null(specchk_at(doc, "#/components/schemas/nope"));
  assert_null(specchk_schema(doc, "nope"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_a_matching_body_passes),
      T(test_a_renamed_field_is_caught),
      T(test_a_wrong_type_is_caught),
      T(test_enum_format_oneof_and_null),
      T(test_a_known_defect_is_allowed_where_declared),
      T(test_lookups),
  };
  return cmocka_run_group_tests_name("specchk", tests, NULL, NULL);
}
