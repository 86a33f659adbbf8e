/* test_report.c — the reports of `atsim run`: a result survives the JSON
 * wire format unchanged and garbage is refused without a crash; XML
 * escaping covers every special and control character and bad UTF-8; the
 * JUnit XML validates against tests/junit.xsd (xmllint); the terminal
 * lines, failure blocks, pending list and summary read as documented. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

/* scn_result_free lives in run.c; these tests need report.c alone. */
static void result_free(struct scn_result *r)
{
  free(r->file);
  free(r->title);
  free(r->ats);
  free(r->tags);
  free(r->causes);
  free(r->pending);
  free(r->message);
  free(r->excerpt);
  free(r->trace);
  free(r->repro);
  memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s)
{
  return s != NULL ? strdup(s) : NULL;
}

/* A failed run with everything filled in. */
static void make_fail(struct scn_result *r)
{
  memset(r, 0, sizeof *r);
  r->file = strdup("tests/scenarios/wrong/people.scn");
  r->title = strdup("One approval, \"two\" people <wrongly> & more");
  r->ats = strdup("greenhouse");
  r->tags = strdup("smoke wrong");
  r->causes = strdup("duplicate");
  r->seed = UINT64_C(18446744073709551615); /* beyond a double's 2^53 */
  r->repeat = 2;
  r->verdict = SCN_FAIL;
  r->message = strdup("tests/scenarios/wrong/people.scn:9: expect ats people "
                      "== 2\n  saw: 1");
  r->excerpt = strdup("00:00:01.000 approve alice\n00:00:01.020 POST "
                      "/v3/candidates -> 201");
  r->trace = strdup("whole\ttrace\nline two");
  r->repro = strdup("build/atsim run tests/scenarios/wrong/people.scn --ats "
                    "greenhouse --seed 18446744073709551615");
  r->hash = UINT64_C(0x03f2a9c0d11e4b7a);
  r->virtual_ms = 123456;
  r->wall_ms = 14.25;
  r->requests = 12;
  r->status_2xx = 9;
  r->status_4xx = 2;
  r->status_429 = 1;
  r->status_5xx = 1;
  r->no_response = 0;
  r->expectations = 3;
  r->checks = 4;
}

static void make_pass(struct scn_result *r, const char *file, const char *ats)
{
  memset(r, 0, sizeof *r);
  r->file = strdup(file);
  r->title = strdup("An approval reaches Greenhouse");
  r->ats = strdup(ats);
  r->tags = strdup("");
  r->causes = strdup("");
  r->seed = 1;
  r->verdict = SCN_PASS;
  r->repro = strdup("atsim run x.scn");
  r->hash = UINT64_C(0xffffffffffffffff);
  r->virtual_ms = 123000;
  r->wall_ms = 3.5;
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
  if (a == NULL || b == NULL)
    assert_ptr_equal(a, b);
  else
    assert_string_equal(a, b);
}

static void assert_results_equal(const struct scn_result *a,
                                 const struct scn_result *b, bool trace)
{
  assert_string_equal(a->file, b->file);
  assert_string_equal(a->title, b->title);
  assert_string_equal(a->ats, b->ats);
  assert_string_equal(a->tags, b->tags);
  assert_string_equal(a->causes, b->causes);
  assert_str_eq_or_null(a->pending, b->pending);
  assert_true(a->seed == b->seed);
  assert_int_equal(a->repeat, b->repeat);
  assert_int_equal(a->verdict, b->verdict);
  assert_str_eq_or_null(a->message, b->message);
  assert_str_eq_or_null(a->excerpt, b->excerpt);
  if (trace)
    assert_str_eq_or_null(a->trace, b->trace);
  else
    assert_null(b->trace);
  assert_str_eq_or_null(a->repro, b->repro);
  assert_true(a->hash == b->hash);
  assert_true(a->virtual_ms == b->virtual_ms);
  assert_true(a->wall_ms == b->wall_ms);
  assert_int_equal(a->requests, b->requests);
  assert_int_equal(a->status_2xx, b->status_2xx);
  assert_int_equal(a->status_4xx, b->status_4xx);
  assert_int_equal(a->status_429, b->status_429);
  assert_int_equal(a->status_5xx, b->status_5xx);
  assert_int_equal(a->no_response, b->no_response);
  assert_int_equal(a->expectations, b->expectations);
  assert_int_equal(a->checks, b->checks);
}

/* Through text and back, as the child -> parent pipe does it. */
static void round_trip(const struct scn_result *a, bool trace)
{
  cJSON *j = scn_result_json(a, trace);
  assert_non_null(j);
  char *text = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  assert_non_null(text);
  cJSON *back = cJSON_Parse(text);
  free(text);
  assert_non_null(back);
  struct scn_result b;
  assert_int_equal(scn_result_from_json(back, &b), 0);
  cJSON_Delete(back);
  assert_results_equal(a, &b, trace);
  result_free(&b);
}

static void test_json_round_trip(void **state)
{
  (void)state;
  struct scn_result r;
  make_fail(&r);
  round_trip(&r, true);
  round_trip(&r, false);
  /* every verdict, a pending reason, NULL message and excerpt */
  for (int v = SCN_PASS; v <= SCN_PENDING_PASSED; v++) {
    struct scn_result p;
    make_pass(&p, "a/b.scn", "greenhouse");
    p.verdict = (enum scn_verdict)v;
    p.pending = strdup("engine work not there yet");
    round_trip(&p, true);
    result_free(&p);
  }
  result_free(&r);
}

static void test_json_fields(void **state)
{
  (void)state;
  struct scn_result r;
  make_fail(&r);
  cJSON *j = scn_result_json(&r, false);
  assert_non_null(j);
  assert_null(cJSON_GetObjectItemCaseSensitive(j, "trace"));
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "seed")->valuestring,
                      "18446744073709551615");
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "hash")->valuestring,
                      "03f2a9c0d11e4b7a");
  assert_string_equal(
      cJSON_GetObjectItemCaseSensitive(j, "verdict")->valuestring, "fail");
  cJSON *tags = cJSON_GetObjectItemCaseSensitive(j, "tags");
  assert_int_equal(cJSON_GetArraySize(tags), 2);
  assert_string_equal(cJSON_GetArrayItem(tags, 1)->valuestring, "wrong");
  cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "requests");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(q, "429")->valueint, 1);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(q, "total")->valueint, 12);
  assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "pending")));
  cJSON_Delete(j);
  j = scn_result_json(&r, true);
  assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "trace")->valuestring,
                      "whole\ttrace\nline two");
  cJSON_Delete(j);
  result_free(&r);

  assert_string_equal(scn_verdict_name(SCN_PASS), "pass");
  assert_string_equal(scn_verdict_name(SCN_FAIL), "fail");
  assert_string_equal(scn_verdict_name(SCN_ERROR), "error");
  assert_string_equal(scn_verdict_name(SCN_PENDING), "pending");
  assert_string_equal(scn_verdict_name(SCN_PENDING_PASSED),
                      "passed_but_pending");
}

/* Parse 'text' and expect from_json to refuse it, leaving 'r' empty. */
static void refuse(const char *text)
{
  cJSON *j = cJSON_Parse(text);
  struct scn_result r;
  memset(&r, 0x5a, sizeof r);
  assert_int_equal(scn_result_from_json(j, &r), -1);
  assert_null(r.file);
  assert_null(r.title);
  assert_null(r.message);
  cJSON_Delete(j);
}

/* A valid result as text with one field replaced by 'repl' (or removed
 * when repl is NULL). */
static char *mutate(const char *key, const char *repl)
{
  struct scn_result r;
  make_fail(&r);
  cJSON *j = scn_result_json(&r, true);
  result_free(&r);
  if (repl == NULL) {
    cJSON_DeleteItemFromObjectCaseSensitive(j, key);
  } else {
    cJSON *v = cJSON_Parse(repl);
    assert_non_null(v);
    cJSON_ReplaceItemInObjectCaseSensitive(j, key, v);
  }
  char *text = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  return text;
}

static void test_json_garbage(void **state)
{
  (void)state;
  refuse("null");
  refuse("[]");
  refuse("{}");
  refuse("42");
  refuse("\"a string\"");
  refuse("{\"file\":\"x\"}");
  assert_int_equal(scn_result_from_json(NULL, &(struct scn_result){0}), -1);
  static const struct {
    const char *key, *value;
  } bad[] = {
      {"file", NULL},          {"file", "3"},
      {"title", "[]"},         {"tags", "\"a b\""},
      {"tags", "[1]"},         {"causes", "{}"},
      {"pending", "false"},    {"seed", "1"},
      {"seed", "\"\""},        {"seed", "\"-1\""},
      {"seed", "\"18446744073709551616\""},
      {"seed", "\"12a\""},     {"repeat", "-1"},
      {"repeat", "1.5"},       {"repeat", "\"1\""},
      {"verdict", "\"PASS\""}, {"verdict", "\"passed\""},
      {"verdict", "0"},        {"message", "1"},
      {"excerpt", "{}"},       {"trace", "7"},
      {"repro", "[]"},         {"hash", "\"0123\""},
      {"hash", "\"0123456789abcdeg\""},
      {"hash", "\"0123456789abcdef0\""},
      {"hash", "81985529216486895"},
      {"virtual_ms", "-5"},    {"virtual_ms", "1e300"},
      {"virtual_ms", "0.5"},   {"wall_ms", "\"3\""},
      {"wall_ms", "-1"},       {"requests", NULL},
      {"requests", "{}"},      {"requests", "[1,2,3,4,5,6]"},
      {"requests", "{\"total\":1,\"2xx\":1,\"4xx\":0,\"429\":0,\"5xx\":0}"},
      {"expectations", "null"}, {"checks", "-2"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *text = mutate(bad[i].key, bad[i].value);
    refuse(text);
    free(text);
  }
  /* a result without its trace is fine: the trace is optional */
  char *text = mutate("trace", NULL);
  cJSON *j = cJSON_Parse(text);
  struct scn_result r;
  assert_int_equal(scn_result_from_json(j, &r), 0);
  assert_null(r.trace);
  result_free(&r);
  cJSON_Delete(j);
  free(text);
}

/* Truncated and corrupted wire text: parse or not, never a crash. */
static void test_json_truncated(void **state)
{
  (void)state;
  struct scn_result r;
  make_fail(&r);
  cJSON *j = scn_result_json(&r, true);
  char *text = cJSON_PrintUnformatted(j);
  cJSON_Delete(j);
  result_free(&r);
  size_t n = strlen(text);
  for (size_t cut = 0; cut < n; cut++) {
    cJSON *p = cJSON_ParseWithLength(text, cut);
    struct scn_result b;
    if (p != NULL) {
      if (scn_result_from_json(p, &b) == 0)
        result_free(&b);
    }
    cJSON_Delete(p);
  }
  for (size_t i = 0; i < n; i += 3) {
    char saved = text[i];
    text[i] = (char)(i % 2 ? '}' : '"');
    cJSON *p = cJSON_Parse(text);
    struct scn_result b;
    if (p != NULL && scn_result_from_json(p, &b) == 0)
      result_free(&b);
    cJSON_Delete(p);
    text[i] = saved;
  }
  free(text);
}

/* ---- XML ----------------------------------------------------------------- */

static void expect_escape(const char *in, bool attr, const char *want)
{
  char *got = scn_xml_escape(in, attr);
  assert_non_null(got);
  assert_string_equal(got, want);
  free(got);
}

static void test_xml_specials(void **state)
{
  (void)state;
  expect_escape("a&b<c>d\"e'f", false, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  expect_escape("a&b<c>d\"e'f", true, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
  expect_escape("]]>", false, "]]&gt;");
  expect_escape("&amp;", false, "&amp;amp;");
  expect_escape("", false, "");
  expect_escape(NULL, false, "");
  /* whitespace: kept in text, character references in attributes */
  expect_escape("a\tb\nc\rd", false, "a\tb\nc&#13;d");
  expect_escape("a\tb\nc\rd", true, "a&#9;b&#10;c&#13;d");
}

static void test_xml_controls(void **state)
{
  (void)state;
  /* every C0 control but tab, newline and carriage return is dropped */
  for (int c = 1; c < 0x20; c++) {
    char in[4] = {'x', (char)c, 'y', '\0'};
    char *got = scn_xml_escape(in, false);
    assert_non_null(got);
    if (c == '\t' || c == '\n')
      assert_int_equal(got[1], c);
    else if (c == '\r')
      assert_string_equal(got, "x&#13;y");
    else
      assert_string_equal(got, "xy");
    free(got);
  }
  /* DEL and the C1 controls (U+0080..U+009F) are allowed in XML 1.0 */
  expect_escape("a\x7f" "b", false, "a\x7f" "b");
  expect_escape("a\xc2\x85" "b", false, "a\xc2\x85" "b");
  /* U+FFFE and U+FFFF are not characters; U+FFFD is */
  expect_escape("a\xef\xbf\xbe\xef\xbf\xbf" "b", false, "ab");
  expect_escape("\xef\xbf\xbd", false, "\xef\xbf\xbd");
  /* multibyte text passes untouched: é, €, 𝄞 */
  expect_escape("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e", false,
                "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e");
  expect_escape("· ×", true, "· ×");
}

static void test_xml_bad_utf8(void **state)
{
  (void)state;
  const char *fffd = "\xef\xbf\xbd";
  char want[64];
  /* a lone continuation byte, a truncated sequence, an overlong '/', a
   * surrogate (U+D800), past U+10FFFF, 0xFF */
  static const char *const bad[] = {
      "\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
      "\xf4\x90\x80\x80", "\xff", "\xf0\x9d\x84",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char in[16];
    snprintf(in, sizeof in, "<%s>", bad[i]);
    char *got = scn_xml_escape(in, true);
    assert_non_null(got);
    /* each bad byte becomes one U+FFFD, nothing else is lost */
    char exp[64] = "&lt;";
    for (size_t k = 0; k < strlen(bad[i]); k++)
      strcat(exp, fffd);
    strcat(exp, "&gt;");
    assert_string_equal(got, exp);
    free(got);
  }
  snprintf(want, sizeof want, "a%sb", fffd);
  expect_escape("a\x80" "b", false, want);
}

/* ---- JUnit --------------------------------------------------------------- */

static char *write_temp(const char *prefix, void (*fill)(FILE *, void *),
                        void *arg)
{
  char *path = NULL;
  assert_true(asprintf(&path, "/tmp/%s.XXXXXX", prefix) > 0);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  FILE *f = fdopen(fd, "w");
  assert_non_null(f);
  fill(f, arg);
  assert_int_equal(fclose(f), 0);
  return path;
}

struct junit_case {
  struct scn_result *rs;
  size_t n;
  bool repeating;
};

static void fill_junit(FILE *f, void *arg)
{
  struct junit_case *c = arg;
  struct scn_summary s = {.wall_ms = 1234.5};
  assert_int_equal(scn_report_junit(f, c->rs, c->n, c->repeating, &s), 0);
}

/* The schema, wherever the tests run from (make runs them at the root). */
static const char *schema_path(void)
{
  static const char *const where[] = {"tests/junit.xsd", "../tests/junit.xsd",
                                      "../../tests/junit.xsd"};
  for (size_t i = 0; i < 3; i++)
    if (access(where[i], R_OK) == 0)
      return where[i];
  return NULL;
}

/* xmllint's exit status; its messages only when 'loud' (for our own
 * output, where a complaint explains the failure). */
static int xmllint(const char *schema, const char *file, bool loud)
{
  char *cmd = NULL;
  assert_true(asprintf(&cmd, "xmllint --noout --schema %s %s %s", schema,
                       file, loud ? "1>&2" : ">/dev/null 2>&1") > 0);
  int rc = system(cmd);
  free(cmd);
  return rc;
}

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char *buf = calloc(1, 1 << 20);
  assert_non_null(buf);
  size_t n = fread(buf, 1, (1 << 20) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

static void test_junit_validates(void **state)
{
  (void)state;
  const char *schema = schema_path();
  assert_non_null(schema);
  struct scn_result rs[6];
  make_pass(&rs[0], "scenarios/catalog/greenhouse/a.scn", "greenhouse");
  make_fail(&rs[1]);
  /* every control character, bad UTF-8 and the specials in every field */
  char nasty[64];
  for (int c = 1; c < 32; c++)
    nasty[c - 1] = (char)c;
  snprintf(nasty + 31, sizeof nasty - 31, "&<>\"'\x80\xff]]>\xef\xbf\xbf");
  free(rs[1].message);
  free(rs[1].trace);
  free(rs[1].excerpt);
  free(rs[1].title);
  rs[1].message = strdup(nasty);
  rs[1].trace = strdup(nasty);
  rs[1].excerpt = strdup(nasty);
  rs[1].title = strdup(nasty);
  make_pass(&rs[2], "scenarios/catalog/greenhouse/b.scn", "lever");
  rs[2].verdict = SCN_ERROR;
  rs[2].message = strdup("the run crashed: killed by signal 11");
  make_pass(&rs[3], "x.scn", "greenhouse");
  rs[3].verdict = SCN_PENDING;
  rs[3].pending = dup_or_null("needs <webhooks> & \"pull\"");
  make_pass(&rs[4], "scenarios/catalog/greenhouse/c.scn", "greenhouse");
  rs[4].verdict = SCN_PENDING_PASSED;
  rs[4].pending = strdup("later");
  make_pass(&rs[5], "scenarios/catalog/greenhouse/a.scn", "greenhouse");
  rs[5].repeat = 1;

  struct junit_case c = {rs, 6, true};
  char *path = write_temp("atsim-junit", fill_junit, &c);
  assert_int_equal(xmllint(schema, path, true), 0);
  char *xml = slurp(path);
  /* three folders: the catalog's, the wrong fixtures', the current one */
  assert_non_null(strstr(xml, "<testsuites name=\"atsim\" tests=\"6\" "
                              "failures=\"2\" errors=\"1\" skipped=\"1\" "
                              "time=\"1.234\">"));
  assert_non_null(strstr(xml, "<testsuite name=\"scenarios/catalog/"
                              "greenhouse\" tests=\"4\" failures=\"1\" "
                              "errors=\"1\" skipped=\"0\""));
  assert_non_null(strstr(xml, "<testsuite name=\".\" tests=\"1\""));
  assert_non_null(strstr(xml, "classname=\"scenarios.catalog.greenhouse\""));
  assert_non_null(strstr(xml, "name=\"An approval reaches Greenhouse "
                              "[greenhouse] #2\""));
  assert_non_null(strstr(xml, "file=\"tests/scenarios/wrong/people.scn\""));
  assert_non_null(strstr(xml, "<property name=\"hash\" "
                              "value=\"03f2a9c0d11e4b7a\"/>"));
  assert_non_null(strstr(xml, "<property name=\"seed\" "
                              "value=\"18446744073709551615\"/>"));
  assert_non_null(strstr(xml, "<property name=\"virtual_ms\" "
                              "value=\"123456\"/>"));
  assert_non_null(strstr(xml, "type=\"expectation\""));
  assert_non_null(strstr(xml, "<error message=\"the run crashed: killed by "
                              "signal 11\" type=\"error\">"));
  assert_non_null(strstr(xml, "<skipped message=\"pending: needs "
                              "&lt;webhooks&gt; &amp; &quot;pull&quot;\"/>"));
  assert_non_null(strstr(xml, "<failure message=\"passes but is marked "
                              "pending: remove its pending line\" "
                              "type=\"pending-passed\">"));
  assert_non_null(strstr(xml, "<system-out>"));
  assert_non_null(strstr(xml, "reproduce: build/atsim run"));
  free(xml);
  unlink(path);
  free(path);

  /* no runs at all, and runs without repetition */
  c.n = 0;
  path = write_temp("atsim-junit", fill_junit, &c);
  assert_int_equal(xmllint(schema, path, true), 0);
  unlink(path);
  free(path);
  c.n = 1;
  c.repeating = false;
  path = write_temp("atsim-junit", fill_junit, &c);
  assert_int_equal(xmllint(schema, path, true), 0);
  xml = slurp(path);
  assert_non_null(strstr(xml, "name=\"An approval reaches Greenhouse "
                              "[greenhouse]\""));
  free(xml);
  unlink(path);
  free(path);
  for (size_t i = 0; i < 6; i++)
    result_free(&rs[i]);
}

/* The schema is not a rubber stamp: it refuses what JUnit readers would. */
static void test_junit_schema_refuses(void **state)
{
  (void)state;
  const char *schema = schema_path();
  assert_non_null(schema);
  /* first, that the schema itself loads and takes a minimal report */
  static const char good[] = "<testsuites><testsuite name=\"s\" tests=\"1\">"
                             "<testcase name=\"x\"/></testsuite></testsuites>";
  char gpath[] = "/tmp/atsim-xsd.XXXXXX";
  int gfd = mkstemp(gpath);
  assert_true(gfd >= 0);
  assert_true(write(gfd, good, strlen(good)) == (ssize_t)strlen(good));
  close(gfd);
  assert_int_equal(xmllint(schema, gpath, true), 0);
  unlink(gpath);
  static const char *const bad[] = {
      "<testsuites><testcase name=\"x\"/></testsuites>",
      "<testsuites><testsuite tests=\"1\"><testcase name=\"x\"/></testsuite>"
      "</testsuites>",
      "<testsuites><testsuite name=\"s\" tests=\"-1\"/></testsuites>",
      "<testsuites><testsuite name=\"s\" tests=\"1\"><testcase/></testsuite>"
      "</testsuites>",
      "<testsuites><testsuite name=\"s\" tests=\"1\"><testcase name=\"x\" "
      "time=\"soon\"/></testsuite></testsuites>",
      "<testsuites><testsuite name=\"s\" tests=\"1\"><testcase name=\"x\">"
      "<system-out>o</system-out><failure/></testcase></testsuite>"
      "</testsuites>",
      "<testsuites><testsuite name=\"s\" tests=\"1\"><testcase name=\"x\">"
      "<banana/></testcase></testsuite></testsuites>",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char path[] = "/tmp/atsim-xsd.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_true(write(fd, bad[i], strlen(bad[i])) == (ssize_t)strlen(bad[i]));
    close(fd);
    assert_int_not_equal(xmllint(schema, path, false), 0);
    unlink(path);
  }
}

/* ---- terminal ------------------------------------------------------------ */

static char *capture_run(const struct scn_result *r, bool repeating,
                         bool quiet, bool trace)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  assert_non_null(f);
  scn_report_run(f, r, repeating, quiet, trace);
  fclose(f);
  return out;
}

static void test_durations(void **state)
{
  (void)state;
  char b[SCN_DURATION_BUF];
  assert_string_equal(scn_duration_str(0, b, sizeof b), "0ms");
  assert_string_equal(scn_duration_str(250, b, sizeof b), "250ms");
  assert_string_equal(scn_duration_str(999, b, sizeof b), "999ms");
  assert_string_equal(scn_duration_str(1000, b, sizeof b), "1s");
  assert_string_equal(scn_duration_str(1500, b, sizeof b), "1.5s");
  assert_string_equal(scn_duration_str(45000, b, sizeof b), "45s");
  assert_string_equal(scn_duration_str(60000, b, sizeof b), "1m00s");
  assert_string_equal(scn_duration_str(123000, b, sizeof b), "2m03s");
  assert_string_equal(scn_duration_str(3900000, b, sizeof b), "1h05m");
  assert_string_equal(scn_duration_str(86400000, b, sizeof b), "1d00h");
  assert_string_equal(scn_duration_str(183600000, b, sizeof b), "2d03h");
  assert_string_equal(scn_duration_str(-5, b, sizeof b), "0ms");
}

static void test_terminal_lines(void **state)
{
  (void)state;
  struct scn_result p;
  make_pass(&p, "scenarios/catalog/greenhouse/healthy/approval.scn",
            "greenhouse");
  p.hash = UINT64_C(0x3f2a9c0d11e4b7a2);
  p.wall_ms = 14.2;
  char *out = capture_run(&p, false, false, false);
  assert_string_equal(out, "PASS  scenarios/catalog/greenhouse/healthy/"
                           "approval.scn [greenhouse] seed 1 · 2m03s "
                           "simulated · 14 ms · hash 3f2a9c0d11e4b7a2\n");
  free(out);
  out = capture_run(&p, false, true, false); /* -q: nothing for a pass */
  assert_string_equal(out, "");
  free(out);
  p.repeat = 2;
  out = capture_run(&p, true, false, false);
  assert_non_null(strstr(out, "[greenhouse] #3 seed 1"));
  free(out);
  result_free(&p);

  struct scn_result f;
  make_fail(&f);
  out = capture_run(&f, false, true, true);
  assert_string_equal(
      out,
      "FAIL  tests/scenarios/wrong/people.scn [greenhouse] seed "
      "18446744073709551615 · 2m03s simulated · 14 ms · hash "
      "03f2a9c0d11e4b7a\n"
      "  tests/scenarios/wrong/people.scn:9: expect ats people == 2\n"
      "    saw: 1\n"
      "  trace around the failure:\n"
      "    00:00:01.000 approve alice\n"
      "    00:00:01.020 POST /v3/candidates -> 201\n"
      "  reproduce: build/atsim run tests/scenarios/wrong/people.scn --ats "
      "greenhouse --seed 18446744073709551615\n"
      "  trace:\n"
      "    whole\ttrace\n"
      "    line two\n");
  free(out);
  f.verdict = SCN_PENDING_PASSED;
  free(f.message);
  f.message = NULL;
  out = capture_run(&f, false, false, false);
  assert_true(strncmp(out, "PASSED-BUT-PENDING tests/", 25) == 0);
  assert_non_null(strstr(out, "  passes but is marked pending"));
  free(out);
  f.verdict = SCN_ERROR;
  f.message = strdup("timed out after 120 s");
  out = capture_run(&f, false, false, false);
  assert_true(strncmp(out, "ERROR tests/", 12) == 0);
  assert_non_null(strstr(out, "\n  timed out after 120 s\n"));
  free(out);
  result_free(&f);
}

static void test_summary_and_pending(void **state)
{
  (void)state;
  struct scn_result rs[5];
  make_pass(&rs[0], "a.scn", "greenhouse");
  make_fail(&rs[1]);
  make_pass(&rs[2], "p.scn", "greenhouse");
  rs[2].verdict = SCN_PENDING;
  rs[2].pending = strdup("engine work not there yet");
  make_pass(&rs[3], "p.scn", "lever");
  rs[3].verdict = SCN_PENDING;
  rs[3].pending = strdup("engine work not there yet");
  make_pass(&rs[4], "e.scn", "greenhouse");
  rs[4].verdict = SCN_ERROR;
  struct scn_summary s = {.scenarios = 4, .wall_ms = 420};
  for (size_t i = 0; i < 5; i++)
    scn_summary_add(&s, &rs[i]);
  assert_int_equal(s.runs, 5);
  assert_int_equal(s.passed, 1);
  assert_int_equal(s.failed, 1);
  assert_int_equal(s.pending, 2);
  assert_int_equal(s.errors, 1);
  assert_true(s.virtual_ms == 123000 * 4 + 123456);

  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  scn_report_pending(f, rs, 5);
  scn_report_summary(f, &s);
  fclose(f);
  assert_string_equal(
      out, "pending (failing as expected; not counted as failures):\n"
           "  p.scn [greenhouse lever]: engine work not there yet\n"
           "4 scenarios, 5 runs: 1 passed, 1 failed, 1 errors, 2 pending · "
           "10m15s simulated in 0.42 s wall (1465× real time)\n");
  free(out);

  /* one of everything, with passed-but-pending; nothing at all */
  struct scn_summary one = {.scenarios = 1, .runs = 1, .passed_but_pending = 1,
                            .virtual_ms = 5000, .wall_ms = 2000};
  f = open_memstream(&out, &len);
  scn_report_summary(f, &one);
  struct scn_summary none = {0};
  scn_report_summary(f, &none);
  scn_report_pending(f, rs, 2); /* no pending run: nothing */
  fclose(f);
  assert_string_equal(out, "1 scenarios, 1 runs: 0 passed, 0 failed, 0 errors, "
                           "0 pending, 1 passed-but-pending · 5s simulated in "
                           "2.00 s wall (2.50× real time)\n"
                           "0 scenarios, 0 runs: 0 passed, 0 failed, 0 errors, "
                           "0 pending · 0ms simulated in 0.00 s wall\n");
  free(out);
  for (size_t i = 0; i < 5; i++)
    result_free(&rs[i]);
}

static void test_json_report(void **state)
{
  (void)state;
  struct scn_result rs[2];
  make_pass(&rs[0], "a.scn", "greenhouse");
  make_fail(&rs[1]);
  struct scn_summary s = {.scenarios = 2, .wall_ms = 10};
  for (size_t i = 0; i < 2; i++)
    scn_summary_add(&s, &rs[i]);
  cJSON *j = scn_report_json(rs, 2, &s);
  assert_non_null(j);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "version")->valueint,
                   1);
  cJSON *sum = cJSON_GetObjectItemCaseSensitive(j, "summary");
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(sum, "runs")->valueint, 2);
  assert_int_equal(cJSON_GetObjectItemCaseSensitive(sum, "failed")->valueint,
                   1);
  assert_non_null(cJSON_GetObjectItemCaseSensitive(sum, "passed_but_pending"));
  cJSON *runs = cJSON_GetObjectItemCaseSensitive(j, "runs");
  assert_int_equal(cJSON_GetArraySize(runs), 2);
  /* the report's runs carry no trace, and read back as results */
  cJSON *r1 = cJSON_GetArrayItem(runs, 1);
  assert_null(cJSON_GetObjectItemCaseSensitive(r1, "trace"));
  struct scn_result back;
  assert_int_equal(scn_result_from_json(r1, &back), 0);
  assert_results_equal(&rs[1], &back, false);
  result_free(&back);
  cJSON_Delete(j);
  for (size_t i = 0; i < 2; i++)
    result_free(&rs[i]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_round_trip),
      cmocka_unit_test(test_json_fields),
      cmocka_unit_test(test_json_garbage),
      cmocka_unit_test(test_json_truncated),
      cmocka_unit_test(test_xml_specials),
      cmocka_unit_test(test_xml_controls),
      cmocka_unit_test(test_xml_bad_utf8),
      cmocka_unit_test(test_junit_validates),
      cmocka_unit_test(test_junit_schema_refuses),
      cmocka_unit_test(test_durations),
      cmocka_unit_test(test_terminal_lines),
      cmocka_unit_test(test_summary_and_pending),
      cmocka_unit_test(test_json_report),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
