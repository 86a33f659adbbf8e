/* test_scn_parse.c — the scenario language parser (scenarios/parse.c,
 * lex.c): every statement and condition lands in the right fields, with
 * its defaults, times and locations; includes read in place; every error
 * says file:line:col with a hint where one helps; the fixtures in
 * tests/scenarios/bad/ give what their EXPECTED file says; and no input,
 * however broken, crashes the parser or leaks (run it under ASan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atsync.h"
#include "lex.h"
#include "scn.h"

#define HEAD "scenario \"T\"\n"
#define MAPPED HEAD "map job backend -> 4001\n"

static char errbuf[16384];

/* Parse text that must be fine; fails the test with the errors if not. */
static struct scn_scenario *ok(const char *text)
{
  struct scn_scenario *sc =
      scn_parse_text("t.scn", text, strlen(text), errbuf, sizeof errbuf);
  if (sc == NULL)
    fail_msg("unexpected errors:\n%s\nfor:\n%s", errbuf, text);
  assert_string_equal(errbuf, "");
  return sc;
}

/* Does errbuf hold a line "PREFIX...WANT"? */
static bool has_error(const char *prefix, const char *want)
{
  for (const char *l = errbuf; *l; l += strcspn(l, "\n") + 1) {
    size_t n = strcspn(l, "\n");
    if (strncmp(l, prefix, strlen(prefix)) == 0 &&
        memmem(l, n, want, strlen(want)) != NULL)
      return true;
    if (l[n] == '\0')
      break;
  }
  return false;
}

/* Parse text that must fail; 'want' is "LINE:COL: substring" and must be
 * one of the error lines. Returns false (and prints why) when it is not. */
static bool check_bad(const char *text, const char *want)
{
  struct scn_scenario *sc =
      scn_parse_text("t.scn", text, strlen(text), errbuf, sizeof errbuf);
  if (sc != NULL) {
    scn_free(sc);
    print_error("no error for:\n%s\n", text);
    return false;
  }
  const char *sp = strchr(want, ' ');
  char prefix[64];
  assert_non_null(sp);
  snprintf(prefix, sizeof prefix, "t.scn:%.*s", (int)(sp - want), want);
  if (has_error(prefix, sp + 1))
    return true;
  print_error("wanted '%s' among:\n%sfor:\n%s\n", want, errbuf, text);
  return false;
}

/* check_bad() that fails the test; returns the error text. */
static const char *bad(const char *text, const char *want)
{
  if (!check_bad(text, want))
    fail();
  return errbuf;
}

static int count_lines(const char *s)
{
  int n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static const struct scn_stmt *last(const struct scn_scenario *sc)
{
  assert_true(sc->nstmts > 0);
  return &sc->stmts[sc->nstmts - 1];
}

static const char *kv(const struct scn_stmt *st, const char *k, int nth)
{
  for (size_t i = 0; i < st->nkv; i++)
    if (strcmp(st->kv[i].key, k) == 0 && nth-- == 0)
      return st->kv[i].value;
  return NULL;
}

/* ---- header ------------------------------------------------------------------ */

static void test_header(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      "# a comment\n"
      "scenario \"Say \\\"hi\\\" \\\\ bye\"  # trailing comment\n"
      "tags smoke auth\n"
      "tags \"long haul\" smoke\n"
      "cause expired revoked\n"
      "cause rate_limit\n"
      "ats greenhouse\n"
      "auth api_key\n"
      "pending \"engine work\"\n"
      "seed 18446744073709551615\n"
      "rate limit 50 per 10s\n"
      "latency 100ms 1s\n");
  assert_string_equal(sc->title, "Say \"hi\" \\ bye");
  assert_string_equal(sc->path, "t.scn");
  assert_int_equal(sc->ntags, 3);
  assert_string_equal(sc->tags[0], "smoke");
  assert_string_equal(sc->tags[1], "auth");
  assert_string_equal(sc->tags[2], "long haul");
  assert_int_equal(sc->ncauses, 3);
  assert_string_equal(sc->causes[2], "rate_limit");
  assert_int_equal(sc->nats, 1);
  assert_string_equal(sc->ats[0], "greenhouse");
  assert_false(sc->ats_star);
  assert_int_equal(sc->auth, SCN_AUTH_API_KEY);
  assert_string_equal(sc->pending, "engine work");
  assert_true(sc->has_seed);
  assert_true(sc->seed == UINT64_MAX);
  assert_int_equal(sc->rate_limit, 50);
  assert_int_equal(sc->rate_window_ms, 10000);
  assert_false(sc->rate_off);
  assert_int_equal(sc->latency_p50_ms, 100);
  assert_int_equal(sc->latency_p99_ms, 1000);
  assert_false(sc->latency_off);
  assert_false(sc->restarts);
  assert_int_equal(sc->nstmts, 0);
  assert_int_equal(sc->nfiles, 1);
  assert_string_equal(sc->files[0], "t.scn");
  scn_free(sc);
}

static void test_header_defaults_and_switches(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(HEAD);
  assert_int_equal(sc->nats, 1);
  assert_string_equal(sc->ats[0], "greenhouse");
  assert_int_equal(sc->auth, SCN_AUTH_OAUTH);
  assert_null(sc->pending);
  assert_false(sc->has_seed);
  assert_int_equal(sc->rate_limit, 0);
  assert_int_equal(sc->latency_p50_ms, 0);
  assert_int_equal(sc->ntags, 0);
  scn_free(sc);

  sc = ok(HEAD "ats *\nauth client_credentials\nrate limit off\n"
               "latency off\n");
  assert_true(sc->ats_star);
  assert_int_equal(sc->nats, 4); /* every personality built */
  for (size_t i = 0; i < 4; i++)
    assert_string_equal(sc->ats[i], scn_personalities[i]);
  assert_null(scn_personalities[4]);
  assert_int_equal(sc->auth, SCN_AUTH_CLIENT_CREDENTIALS);
  assert_true(sc->rate_off);
  assert_true(sc->latency_off);
  scn_free(sc);

  sc = ok(HEAD "rate limit default\nauth oauth\n");
  assert_false(sc->rate_off);
  assert_int_equal(sc->rate_limit, 0);
  assert_int_equal(sc->auth, SCN_AUTH_OAUTH);
  scn_free(sc);

  /* the scenario line need not come first */
  sc = ok("connect\nscenario T\n");
  assert_string_equal(sc->title, "T");
  scn_free(sc);
}

/* ---- setup statements ---------------------------------------------------------- */

static void test_users_jobs_people(void **state)
{
  (void)state;
  struct scn_scenario *sc;
  sc = ok(HEAD "user u1 \"Ada Lovelace\" admin deactivated\n"
               "user u2 \"Bob Jones\"\n"
               "job 4001 \"Backend Engineer\" closed stages \"Screen\" "
               "Onsite\n"
               "job 4002 \"Sales\"\n"
               "job 4003 Design draft\n"
               "person \"Jane Doe\" email=j@x.io email=j2@x.io phone=+1555 "
               "job=4001 stage=\"Screen\" company=\"ACME Inc\"\n"
               "setting retry_after=\"epoch time\"\n");
  assert_int_equal(sc->nstmts, 7);
  const struct scn_stmt *s = &sc->stmts[0];
  assert_int_equal(s->kind, SCN_S_USER);
  assert_string_equal(s->name, "u1");
  assert_string_equal(s->value, "Ada Lovelace");
  assert_int_equal(s->flags, SCN_USER_ADMIN | SCN_USER_DEACTIVATED);
  assert_int_equal(sc->stmts[1].flags, 0);
  s = &sc->stmts[2];
  assert_int_equal(s->kind, SCN_S_JOB);
  assert_string_equal(s->name, "4001");
  assert_string_equal(s->value, "Backend Engineer");
  assert_int_equal(s->flags, SCN_JOB_CLOSED);
  assert_int_equal(s->nlist, 2);
  assert_string_equal(s->list[0], "Screen");
  assert_string_equal(s->list[1], "Onsite");
  s = &sc->stmts[3];
  assert_int_equal(s->flags, SCN_JOB_OPEN);
  assert_int_equal(s->nlist, 4); /* the default stages */
  assert_string_equal(s->list[0], "Application Review");
  assert_string_equal(s->list[1], "Phone Screen");
  assert_string_equal(s->list[2], "Onsite");
  assert_string_equal(s->list[3], "Offer");
  assert_int_equal(sc->stmts[4].flags, SCN_JOB_DRAFT);
  assert_string_equal(sc->stmts[4].value, "Design");
  s = &sc->stmts[5];
  assert_int_equal(s->kind, SCN_S_PERSON);
  assert_string_equal(s->value, "Jane Doe");
  assert_int_equal(s->nkv, 6);
  assert_string_equal(kv(s, "email", 0), "j@x.io");
  assert_string_equal(kv(s, "email", 1), "j2@x.io");
  assert_string_equal(kv(s, "phone", 0), "+1555");
  assert_string_equal(kv(s, "job", 0), "4001");
  assert_string_equal(kv(s, "stage", 0), "Screen");
  assert_string_equal(kv(s, "company", 0), "ACME Inc");
  assert_int_equal(s->kv[0].loc.line, 7);
  assert_int_equal(s->kv[0].loc.col, 19);
  assert_string_equal(s->kv[0].loc.file, "t.scn");
  s = &sc->stmts[6];
  assert_int_equal(s->kind, SCN_S_SETTING);
  assert_string_equal(s->name, "retry_after");
  assert_string_equal(s->value, "epoch time");
  scn_free(sc);
}

static void test_connect_and_map(void **state)
{
  (void)state;
  struct scn_scenario *sc =
      ok(HEAD "connect\nconnect as u7\nreconnect\ndisconnect\n"
              "map job backend -> 4001\n"
              "map stage approved -> \"Application Review\"\n"
              "map job backend -> 4002\n"
              "reconnect with oauth as 4000002\n"
              "connect as 9 with api_key\n");
  assert_int_equal(sc->nstmts, 9);
  assert_int_equal(sc->stmts[0].flags, 0);
  assert_int_equal(sc->stmts[7].kind, SCN_S_RECONNECT);
  assert_int_equal(sc->stmts[7].flags, SCN_AUTH_OAUTH + 1);
  assert_string_equal(sc->stmts[7].name, "4000002");
  assert_int_equal(sc->stmts[8].kind, SCN_S_CONNECT);
  assert_int_equal(sc->stmts[8].flags, SCN_AUTH_API_KEY + 1);
  assert_string_equal(sc->stmts[8].name, "9");
  assert_int_equal(sc->stmts[0].kind, SCN_S_CONNECT);
  assert_null(sc->stmts[0].name);
  assert_string_equal(sc->stmts[1].name, "u7");
  assert_int_equal(sc->stmts[2].kind, SCN_S_RECONNECT);
  assert_int_equal(sc->stmts[3].kind, SCN_S_DISCONNECT);
  assert_int_equal(sc->stmts[4].kind, SCN_S_MAP_JOB);
  assert_string_equal(sc->stmts[4].name, "backend");
  assert_string_equal(sc->stmts[4].value, "4001");
  assert_int_equal(sc->stmts[5].kind, SCN_S_MAP_STAGE);
  assert_string_equal(sc->stmts[5].name, "approved");
  assert_string_equal(sc->stmts[5].value, "Application Review");
  scn_free(sc);
}

static void test_approve_and_update(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      MAPPED "approve alice\n"
             "approve bob email=b@x.io email=\"b2@x.io\" first=Bob last=Lee "
             "phone=555 stage=offer\n"
             "approve cand{1..50}\n"
             "approve cand51 job=backend\n"
             "approve c{0..9}\n"
             "approve c10\n"
             "update alice email=a2@x.io first=Al\n"
             "update cand50 phone=1\n"
             "update someone@x.io last=X\n");
  const struct scn_stmt *s = &sc->stmts[1];
  assert_int_equal(s->kind, SCN_S_APPROVE);
  assert_string_equal(s->name, "alice");
  assert_false(s->range);
  assert_int_equal(s->nkv, 1); /* job filled in: the only job mapped */
  assert_string_equal(kv(s, "job", 0), "backend");
  assert_int_equal(s->kv[0].loc.line, 3);
  s = &sc->stmts[2];
  assert_int_equal(s->nkv, 7);
  assert_string_equal(kv(s, "email", 1), "b2@x.io");
  assert_string_equal(kv(s, "first", 0), "Bob");
  assert_string_equal(kv(s, "stage", 0), "offer");
  assert_string_equal(kv(s, "job", 0), "backend");
  s = &sc->stmts[3];
  assert_true(s->range);
  assert_string_equal(s->name, "cand");
  assert_int_equal(s->range_lo, 1);
  assert_int_equal(s->range_hi, 50);
  assert_string_equal(kv(s, "job", 0), "backend");
  s = &sc->stmts[4];
  assert_int_equal(s->nkv, 1);
  assert_string_equal(kv(s, "job", 0), "backend");
  assert_int_equal(sc->stmts[5].range_lo, 0);
  s = &sc->stmts[7];
  assert_int_equal(s->kind, SCN_S_UPDATE);
  assert_string_equal(s->name, "alice");
  assert_int_equal(s->nkv, 2);
  assert_string_equal(kv(s, "email", 0), "a2@x.io");
  assert_string_equal(sc->stmts[8].name, "cand50");
  assert_string_equal(sc->stmts[9].name, "someone@x.io");
  scn_free(sc);

  /* with two jobs mapped, job= picks one */
  sc = ok(MAPPED "map job sales -> 4002\napprove a job=sales\n");
  assert_string_equal(kv(last(sc), "job", 0), "sales");
  assert_int_equal(last(sc)->nkv, 1);
  scn_free(sc);
  /* the same job mapped twice is still one job */
  sc = ok(MAPPED "map job backend -> 4009\napprove a\n");
  assert_string_equal(kv(last(sc), "job", 0), "backend");
  scn_free(sc);
}

static void test_faults_actions_engine(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      HEAD "fault outage mode=hang route=\"POST /v1/candidates\" as down\n"
           "fault rate_limit limit=0 window=30s count=3\n"
           "fault outage mode=503 for=5m\n"
           "clear fault down\n"
           "clear faults\n"
           "action close_job job=4001\n"
           "action expire_tokens\n"
           "action move_application application=alice stage=\"Offer\"\n"
           "restart engine\nstop engine\nstart engine\n");
  const struct scn_stmt *s = &sc->stmts[0];
  assert_int_equal(s->kind, SCN_S_FAULT);
  assert_string_equal(s->name, "outage");
  assert_string_equal(s->value, "down");
  assert_int_equal(s->nkv, 2);
  assert_string_equal(kv(s, "route", 0), "POST /v1/candidates");
  assert_null(sc->stmts[1].value);
  assert_int_equal(sc->stmts[1].nkv, 3);
  assert_int_equal(sc->stmts[3].kind, SCN_S_CLEAR_FAULT);
  assert_string_equal(sc->stmts[3].name, "down");
  assert_int_equal(sc->stmts[4].kind, SCN_S_CLEAR_FAULTS);
  s = &sc->stmts[5];
  assert_int_equal(s->kind, SCN_S_ACTION);
  assert_string_equal(s->name, "close_job");
  assert_string_equal(kv(s, "job", 0), "4001");
  assert_int_equal(sc->stmts[6].nkv, 0);
  assert_string_equal(kv(&sc->stmts[7], "stage", 0), "Offer");
  assert_int_equal(sc->stmts[8].kind, SCN_S_RESTART_ENGINE);
  assert_int_equal(sc->stmts[9].kind, SCN_S_STOP_ENGINE);
  assert_int_equal(sc->stmts[10].kind, SCN_S_START_ENGINE);
  assert_true(sc->restarts);
  scn_free(sc);
}

/* ---- times, text, locations ----------------------------------------------- */

static void test_times(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      HEAD "connect\n"
           "at 1h30m   disconnect   # a comment\n"
           "after 250ms\n"
           "\tat 1h30m250ms reconnect\r\n"
           "at 2d\n"
           "after 1s expect connection is connected\n");
  assert_int_equal(sc->nstmts, 6);
  const struct scn_stmt *s = &sc->stmts[0];
  assert_int_equal(s->when, SCN_W_NEXT);
  assert_int_equal(s->when_ms, 0);
  s = &sc->stmts[1];
  assert_int_equal(s->kind, SCN_S_DISCONNECT);
  assert_int_equal(s->when, SCN_W_AT);
  assert_int_equal(s->when_ms, 5400000);
  assert_int_equal(s->loc.line, 3);
  assert_int_equal(s->loc.col, 12); /* the keyword, after the prefix */
  assert_string_equal(s->text, "at 1h30m   disconnect");
  s = &sc->stmts[2];
  assert_int_equal(s->kind, SCN_S_WAIT);
  assert_int_equal(s->when, SCN_W_AFTER);
  assert_int_equal(s->when_ms, 250);
  assert_int_equal(s->loc.col, 1);
  assert_string_equal(s->text, "after 250ms");
  s = &sc->stmts[3];
  assert_int_equal(s->kind, SCN_S_RECONNECT);
  assert_int_equal(s->when_ms, 5400250); /* = the bound: fine */
  assert_int_equal(s->loc.col, 16);
  assert_string_equal(s->text, "at 1h30m250ms reconnect");
  assert_int_equal(sc->stmts[4].kind, SCN_S_WAIT);
  assert_int_equal(sc->stmts[4].when_ms, 2 * 86400000);
  s = &sc->stmts[5];
  assert_int_equal(s->kind, SCN_S_EXPECT);
  assert_int_equal(s->when, SCN_W_AFTER);
  assert_int_equal(s->when_ms, 1000);
  scn_free(sc);
}

static void test_columns_count_characters(void **state)
{
  (void)state;
  /* a UTF-8 byte order mark is skipped; columns count characters */
  const char *t = "\xEF\xBB\xBFscenario \"Caf\xC3\xA9 \xE2\x9C\x93\" \n"
                  "user u \"Zo\xC3\xAB Kr\xC3\xA4mer\" boss\n";
  bad(t, "2:21: unknown user flag 'boss'");
  struct scn_scenario *sc = ok("\xEF\xBB\xBFscenario \"Caf\xC3\xA9\"\n");
  assert_string_equal(sc->title, "Caf\xC3\xA9");
  scn_free(sc);
}

/* ---- expectations ----------------------------------------------------------- */

static void test_expect_modes(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      HEAD "at 1m\n"
           "expect connection is connected\n"
           "expect within 30s connection is throttled\n"
           "expect never connection is misconfigured for 5m\n"
           "expect never connection reason contains \"x\" until 10m\n"
           "expect never connection is connecting until 1m\n");
  const struct scn_expect *e = &sc->stmts[1].expect;
  assert_int_equal(e->mode, SCN_E_NOW);
  assert_int_equal(e->cond.kind, SCN_C_CONNECTION_IS);
  assert_int_equal(e->cond.state, ATSYNC_CONNECTED);
  e = &sc->stmts[2].expect;
  assert_int_equal(e->mode, SCN_E_WITHIN);
  assert_int_equal(e->within_ms, 30000);
  assert_int_equal(e->cond.state, ATSYNC_THROTTLED);
  e = &sc->stmts[3].expect;
  assert_int_equal(e->mode, SCN_E_NEVER);
  assert_int_equal(e->for_ms, 300000);
  assert_int_equal(e->until_ms, -1);
  assert_int_equal(e->cond.state, ATSYNC_MISCONFIGURED);
  e = &sc->stmts[4].expect;
  assert_int_equal(e->mode, SCN_E_NEVER);
  assert_int_equal(e->until_ms, 600000);
  assert_int_equal(e->cond.kind, SCN_C_CONNECTION_REASON);
  assert_string_equal(e->cond.text, "x");
  assert_int_equal(sc->stmts[5].expect.until_ms, 60000);
  scn_free(sc);
}

static void test_conditions(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      MAPPED "approve alice\napprove c{1..3}\n"
             "expect connection is not_connected\n"              /* 1 */
             "expect connection is permission_missing\n"
             "expect connection is ats_unavailable\n"
             "expect connection is disconnected\n"
             "expect candidate alice is needs_attention\n"       /* 5 */
             "expect candidate c3 is synced\n"
             "expect candidates == 3\n"
             "expect candidates queued != 0\n"
             "expect candidates waiting < 1\n"
             "expect candidates pushing <= 2\n"                  /* 10 */
             "expect candidates > 3\n"
             "expect candidates synced >= 4\n"
             "expect error alice contains \"Reconnect\"\n"
             "expect error c1 is empty\n"
             "expect ats has alice\n"                            /* 15 */
             "expect ats has x@y.z in 4001 at \"Phone Screen\"\n"
             "expect ats has alice at Offer in \"4001\"\n"
             "expect ats lacks alice in 4002\n"
             "expect ats lacks bob@x.io\n"
             "expect ats people == 2\n"                          /* 20 */
             "expect ats people with alice < 2\n"
             "expect requests == 0\n"
             "expect requests \"POST /v1/candidates\" status 429 between 1m "
             "and 2m >= 1\n"
             "expect requests status 503 > 0\n"
             "expect requests between 0s and 0s == 0\n"          /* 25 */
             "expect retry-after honoured\n"
             "expect log contains \"synced\"\n"
             "expect log alice contains \"pushed\"\n"
             "expect status page is major\n"
             "expect status page is none\n");                    /* 30 */
  const struct scn_stmt *st = sc->stmts + 3; /* map, approve x2 */
#define C(i) (&st[(i) - 1].expect.cond)
  assert_int_equal(C(1)->state, ATSYNC_NOT_CONNECTED);
  assert_int_equal(C(2)->state, ATSYNC_PERMISSION_MISSING);
  assert_int_equal(C(3)->state, ATSYNC_ATS_UNAVAILABLE);
  assert_int_equal(C(4)->state, ATSYNC_DISCONNECTED);
  assert_int_equal(C(5)->kind, SCN_C_CANDIDATE_IS);
  assert_string_equal(C(5)->who, "alice");
  assert_int_equal(C(5)->state, ATSYNC_NEEDS_ATTENTION);
  assert_string_equal(C(6)->who, "c3");
  assert_int_equal(C(6)->state, ATSYNC_SYNCED);
  assert_int_equal(C(7)->kind, SCN_C_CANDIDATES);
  assert_int_equal(C(7)->state, -1);
  assert_int_equal(C(7)->op, SCN_EQ);
  assert_int_equal(C(7)->n, 3);
  assert_int_equal(C(8)->state, ATSYNC_QUEUED);
  assert_int_equal(C(8)->op, SCN_NE);
  assert_int_equal(C(9)->state, ATSYNC_WAITING);
  assert_int_equal(C(9)->op, SCN_LT);
  assert_int_equal(C(10)->state, ATSYNC_PUSHING);
  assert_int_equal(C(10)->op, SCN_LE);
  assert_int_equal(C(11)->op, SCN_GT);
  assert_int_equal(C(12)->op, SCN_GE);
  assert_int_equal(C(12)->n, 4);
  assert_int_equal(C(13)->kind, SCN_C_ERROR_CONTAINS);
  assert_string_equal(C(13)->text, "Reconnect");
  assert_int_equal(C(14)->kind, SCN_C_ERROR_EMPTY);
  assert_string_equal(C(14)->who, "c1");
  assert_int_equal(C(15)->kind, SCN_C_ATS_HAS);
  assert_null(C(15)->job);
  assert_null(C(15)->stage);
  assert_string_equal(C(16)->who, "x@y.z");
  assert_string_equal(C(16)->job, "4001");
  assert_string_equal(C(16)->stage, "Phone Screen");
  assert_string_equal(C(17)->job, "4001");
  assert_string_equal(C(17)->stage, "Offer");
  assert_int_equal(C(18)->kind, SCN_C_ATS_LACKS);
  assert_string_equal(C(18)->job, "4002");
  assert_null(C(19)->job);
  assert_int_equal(C(20)->kind, SCN_C_ATS_PEOPLE);
  assert_null(C(20)->who);
  assert_int_equal(C(20)->n, 2);
  assert_string_equal(C(21)->who, "alice");
  assert_int_equal(C(22)->kind, SCN_C_REQUESTS);
  assert_null(C(22)->text);
  assert_int_equal(C(22)->status, 0);
  assert_false(C(22)->has_between);
  assert_string_equal(C(23)->text, "POST /v1/candidates");
  assert_int_equal(C(23)->status, 429);
  assert_true(C(23)->has_between);
  assert_int_equal(C(23)->t1, 60000);
  assert_int_equal(C(23)->t2, 120000);
  assert_int_equal(C(23)->op, SCN_GE);
  assert_int_equal(C(24)->status, 503);
  assert_true(C(25)->has_between);
  assert_int_equal(C(26)->kind, SCN_C_RETRY_AFTER);
  assert_int_equal(C(27)->kind, SCN_C_LOG_CONTAINS);
  assert_null(C(27)->who);
  assert_string_equal(C(27)->text, "synced");
  assert_string_equal(C(28)->who, "alice");
  assert_int_equal(C(29)->kind, SCN_C_STATUS_PAGE);
  assert_string_equal(C(29)->text, "major");
  assert_string_equal(C(30)->text, "none");
#undef C
  assert_int_equal(sc->nstmts, 33);
  scn_free(sc);
}

static void test_ops(void **state)
{
  (void)state;
  assert_string_equal(scn_op_name(SCN_EQ), "==");
  assert_string_equal(scn_op_name(SCN_NE), "!=");
  assert_string_equal(scn_op_name(SCN_LT), "<");
  assert_string_equal(scn_op_name(SCN_LE), "<=");
  assert_string_equal(scn_op_name(SCN_GT), ">");
  assert_string_equal(scn_op_name(SCN_GE), ">=");
  assert_true(scn_op_eval(SCN_EQ, 2, 2));
  assert_false(scn_op_eval(SCN_EQ, 2, 3));
  assert_true(scn_op_eval(SCN_NE, 2, 3));
  assert_true(scn_op_eval(SCN_LT, 2, 3));
  assert_false(scn_op_eval(SCN_LT, 3, 3));
  assert_true(scn_op_eval(SCN_LE, 3, 3));
  assert_true(scn_op_eval(SCN_GT, 4, 3));
  assert_false(scn_op_eval(SCN_GT, 3, 3));
  assert_true(scn_op_eval(SCN_GE, 3, 3));
  assert_false(scn_op_eval(SCN_GE, 2, 3));
}

/* ---- includes ------------------------------------------------------------------ */

static char tmpdir[256];

static void put(const char *rel, const char *text)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int make_tmpdir(void **state)
{
  (void)state;
  snprintf(tmpdir, sizeof tmpdir, "%s/scnparseXXXXXX",
           getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  if (mkdtemp(tmpdir) == NULL)
    return -1;
  char sub[300];
  snprintf(sub, sizeof sub, "%s/sub", tmpdir);
  return mkdir(sub, 0700);
}

static int remove_tmpdir(void **state)
{
  (void)state;
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system(cmd) == 0 ? 0 : -1;
}

static struct scn_scenario *parse_tmp(const char *rel)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
  return scn_parse_file(path, errbuf, sizeof errbuf);
}

/* Does errbuf hold a line "TMPDIR/REL:LINE:COL: ...want..."? */
static void want_tmp_error(const char *rel, const char *lc, const char *want)
{
  char prefix[600];
  snprintf(prefix, sizeof prefix, "%s/%s:%s: ", tmpdir, rel, lc);
  const char *l = strstr(errbuf, prefix);
  if (l == NULL || !memmem(l, strcspn(l, "\n"), want, strlen(want)))
    fail_msg("wanted %s...%s among:\n%s", prefix, want, errbuf);
}

static void test_include(void **state)
{
  (void)state;
  put("main.scn", "scenario \"Main\"\n"
                  "include \"sub/setup.inc\"   # relative to this file\n"
                  "approve alice\n"
                  "expect candidate bob is queued\n");
  put("sub/setup.inc", "tags from-include\n"
                       "map job backend -> 4001\n"
                       "include \"more.inc\"\n");
  put("sub/more.inc", "\n  approve bob\n");
  struct scn_scenario *sc = parse_tmp("main.scn");
  if (sc == NULL)
    fail_msg("%s", errbuf);
  assert_int_equal(sc->nfiles, 3);
  char want[600];
  snprintf(want, sizeof want, "%s/main.scn", tmpdir);
  assert_string_equal(sc->files[0], want);
  assert_string_equal(sc->path, want);
  snprintf(want, sizeof want, "%s/sub/setup.inc", tmpdir);
  assert_string_equal(sc->files[1], want);
  snprintf(want, sizeof want, "%s/sub/more.inc", tmpdir);
  assert_string_equal(sc->files[2], want);
  assert_int_equal(sc->nstmts, 4);
  assert_int_equal(sc->ntags, 1);
  assert_int_equal(sc->stmts[0].kind, SCN_S_MAP_JOB);
  assert_ptr_equal(sc->stmts[0].loc.file, sc->files[1]);
  assert_int_equal(sc->stmts[0].loc.line, 2);
  assert_ptr_equal(sc->stmts[1].loc.file, sc->files[2]);
  assert_int_equal(sc->stmts[1].loc.line, 2);
  assert_int_equal(sc->stmts[1].loc.col, 3);
  assert_string_equal(sc->stmts[1].text, "approve bob");
  assert_ptr_equal(sc->stmts[2].loc.file, sc->files[0]);
  assert_int_equal(sc->stmts[2].loc.line, 3);
  assert_string_equal(kv(&sc->stmts[2], "job", 0), "backend");
  scn_free(sc);

  /* the same file included twice is listed once */
  put("twice.scn", "scenario T\ninclude \"sub/more.inc\"\n"
                   "include \"sub/more.inc\"\n");
  put("sub/more.inc", "connect\n");
  sc = parse_tmp("twice.scn");
  assert_non_null(sc);
  assert_int_equal(sc->nfiles, 2);
  assert_int_equal(sc->nstmts, 2);
  scn_free(sc);
}

static void test_include_errors(void **state)
{
  (void)state;
  /* a cycle of two files: reported where it closes, once */
  put("a.scn", "scenario A\ninclude \"sub/b.inc\"\nconnect\n");
  put("sub/b.inc", "include \"../a.scn\"\nconnect\n");
  assert_null(parse_tmp("a.scn"));
  want_tmp_error("sub/b.inc", "1:9", "include cycle: ");
  assert_int_equal(count_lines(errbuf), 1);
  assert_non_null(strstr(errbuf, "a.scn -> "));

  /* a scenario line inside an include, and errors keep the included
   * file's name */
  put("s.scn", "scenario S\ninclude \"sub/s.inc\"\n");
  put("sub/s.inc", "scenario \"Again\"\naprove x\n");
  assert_null(parse_tmp("s.scn"));
  want_tmp_error("sub/s.inc", "1:1", "an included file has no scenario");
  want_tmp_error("sub/s.inc", "2:1", "unknown keyword 'aprove'");

  /* nesting deeper than 8 */
  put("deep.scn", "scenario D\ninclude \"sub/d.inc\"\n");
  put("sub/d.inc", "include \"d2.inc\"\n");
  put("sub/d2.inc", "include \"d3.inc\"\n");
  put("sub/d3.inc", "include \"d4.inc\"\n");
  put("sub/d4.inc", "include \"d5.inc\"\n");
  put("sub/d5.inc", "include \"d6.inc\"\n");
  put("sub/d6.inc", "include \"d7.inc\"\n");
  put("sub/d7.inc", "include \"d8.inc\"\n");
  put("sub/d8.inc", "include \"d9.inc\"\n");
  put("sub/d9.inc", "connect\n");
  assert_null(parse_tmp("deep.scn"));
  want_tmp_error("sub/d8.inc", "1:9", "includes nested deeper than 8");
  put("sub/d8.inc", "connect\n");
  struct scn_scenario *sc = parse_tmp("deep.scn");
  if (sc == NULL)
    fail_msg("%s", errbuf);
  assert_int_equal(sc->nfiles, 9);
  scn_free(sc);

  /* an included file that is not text stops everything */
  put("bin.scn", "scenario B\ninclude \"sub/bin.inc\"\naprove x\n");
  put("sub/bin.inc", "connect\nconn\xC3\x28\n");
  assert_null(parse_tmp("bin.scn"));
  want_tmp_error("sub/bin.inc", "2:5", "invalid UTF-8 byte 0xc3");
  assert_int_equal(count_lines(errbuf), 1);

  /* a directory is not a scenario */
  assert_null(parse_tmp("sub"));
  want_tmp_error("sub", "1:1", "cannot read the scenario");
  assert_null(parse_tmp("nope.scn"));
  want_tmp_error("nope.scn", "1:1", "No such file");
}

static void test_include_from_text(void **state)
{
  (void)state;
  char cwd[PATH_MAX], text[1024];
  put("sub/c.inc", "connect\n");
  /* an absolute path */
  snprintf(text, sizeof text, "scenario T\ninclude \"%s/sub/c.inc\"\n",
           tmpdir);
  struct scn_scenario *sc = ok(text);
  assert_int_equal(sc->nstmts, 1);
  assert_int_equal(sc->nfiles, 2);
  scn_free(sc);
  /* a relative one resolves against the current directory */
  assert_non_null(getcwd(cwd, sizeof cwd));
  assert_int_equal(chdir(tmpdir), 0);
  const char *rel = "scenario T\ninclude \"sub/c.inc\"\n";
  sc = scn_parse_text("x/y/t.scn", rel, strlen(rel), errbuf, sizeof errbuf);
  assert_int_equal(chdir(cwd), 0);
  if (sc == NULL)
    fail_msg("%s", errbuf);
  assert_string_equal(sc->files[1], "sub/c.inc");
  assert_string_equal(sc->stmts[0].loc.file, "sub/c.inc");
  scn_free(sc);
}

/* ---- errors ---------------------------------------------------------------------- */

struct bad_case {
  const char *text;
  const char *want; /* "LINE:COL: substring" */
};

static const struct bad_case bad_cases[] = {
    /* files and lines */
    {"", "1:1: empty file (a scenario starts with: scenario \"Title\")"},
    {" \n\t\r\n", "1:1: empty file"},
    {"# only\n#comments\n", "1:1: missing scenario line"},
    {"connect\n", "1:1: missing scenario line"},
    {"scenario A\nscenario B\n", "2:1: 'scenario' given twice (first at "
                                 "t.scn:1)"},
    {"scenario\n", "1:9: missing the title"},
    {"scenario \"\"\n", "1:10: the title is empty"},
    {"scenario A B\n", "1:12: unexpected 'B'"},
    {"scenario \"A\"x\n", "1:13: a quoted string must be followed by a blank"},
    {"scenario \"a\\nb\"\n", "1:12: unknown escape"},
    {"scenario a\"b\n", "1:11: unexpected quote inside a word"},
    {HEAD "setting k=v\"w\"\n", "2:12: unexpected quote inside a value"},
    {HEAD "setting k=\"v\n", "2:11: missing closing quote"},
    {HEAD "\x01\n", "2:1: binary data: control character 0x01"},
    {HEAD "ok \xED\xA0\x80\n", "2:4: invalid UTF-8 byte 0xed"},
    {HEAD "ok \xC0\xAF\n", "2:4: invalid UTF-8 byte 0xc0"},
    {HEAD "ok \xF4\x90\x80\x80\n", "2:4: invalid UTF-8 byte 0xf4"},
    {HEAD "ok \xE2\x82\n", "2:4: invalid UTF-8 byte 0xe2"},
    {HEAD "\"connect\"\n", "2:1: expected a keyword, found \"connect\""},
    {HEAD "a=b\n", "2:1: expected a keyword, found 'a=b'"},
    /* keywords */
    {HEAD "aprove alice\n", "2:1: unknown keyword 'aprove' (did you mean "
                            "'approve'?)"},
    {HEAD "Connect\n", "2:1: unknown keyword 'Connect' (did you mean "
                       "'connect'?)"},
    {HEAD "expcet connection is connected\n", "2:1: (did you mean 'expect'?)"},
    {HEAD "appr x\n", "2:1: (did you mean 'approve'?)"},
    {HEAD "zzzzzz\n", "2:1: unknown keyword 'zzzzzz'"},
    {HEAD "at 1m seed 3\n", "2:7: 'seed' is a header line: it takes no 'at' "
                            "prefix"},
    {HEAD "at 1m after 2m connect\n", "2:7: one time prefix per line"},
    /* durations and time */
    {HEAD "at 5 connect\n", "2:4: '5' is not a duration: say the unit"},
    {HEAD "after 3x\n", "2:7: '3x' is not a duration (use e.g."},
    {HEAD "after 1h30\n", "2:7: every number needs a unit"},
    {HEAD "after -1s\n", "2:7: '-1s' is not a duration"},
    {HEAD "after 99999999999999d\n", "2:7: too long a duration"},
    {HEAD "after\n", "2:6: missing a duration: after DUR"},
    {HEAD "at\n", "2:3: missing a time: at DUR"},
    {HEAD "at 5m connect\nafter 1m\nat 5m30s disconnect\n",
     "4:4: 'at 5m30s' goes back in time: this line runs at 6m at the "
     "earliest"},
    {HEAD "at 2m\nat 1m\n", "3:4: goes back in time"},
    /* header lines */
    {HEAD "tags\n", "2:5: missing a tag"},
    {HEAD "cause expird\n", "2:7: unknown cause 'expird' (did you mean "
                            "'expired'?)"},
    {HEAD "cause revoked nonsense\n", "2:15: unknown cause 'nonsense' (one "
                                      "of expired, revoked"},
    {HEAD "cause\n", "2:6: missing a cause id"},
    {HEAD "ats bamboohr\n", "2:5: no personality 'bamboohr' is built (built "
                            "so far: greenhouse, lever, workable, ashby)"},
    {HEAD "ats greenhose\n", "2:5: unknown personality 'greenhose' (did you "
                             "mean 'greenhouse'?)"},
    {HEAD "ats * greenhouse\n", "2:7: unexpected 'greenhouse'"},
    {HEAD "ats greenhouse *\n", "2:16: '*' stands alone"},
    {HEAD "ats\n", "2:4: missing a personality"},
    {HEAD "ats greenhouse\nats greenhouse\n", "3:1: 'ats' given twice"},
    {HEAD "auth oath\n", "2:6: unknown auth 'oath' (did you mean 'oauth'?)"},
    {HEAD "auth basic\n", "2:6: unknown auth 'basic' (one of oauth, "
                          "client_credentials, api_key)"},
    {HEAD "pending \"\"\n", "2:9: the reason is empty"},
    {HEAD "pending\n", "2:8: missing the reason"},
    {HEAD "seed -1\n", "2:6: '-1' is not a seed"},
    {HEAD "seed 18446744073709551616\n", "2:6: is not a seed"},
    {HEAD "seed 1\nseed 2\n", "3:1: 'seed' given twice (first at t.scn:2)"},
    {HEAD "rate limt 5 per 1s\n", "2:6: expected 'limit', found 'limt'"},
    {HEAD "rate limit 0 per 1s\n", "2:12: '0' is not a rate limit"},
    {HEAD "rate limit 5 every 1s\n", "2:14: expected 'per', found 'every'"},
    {HEAD "rate limit 5 per 10\n", "2:18: '10' is not a duration: say the "
                                   "unit"},
    {HEAD "rate limit 5 per 0s\n", "2:18: the window must be longer than 0"},
    {HEAD "rate limit off\nrate limit 5 per 1s\n", "3:1: 'rate' given "
                                                   "twice"},
    {HEAD "latency 400ms 100ms\n", "2:15: the 99th percentile (100ms) is "
                                   "below the median (400ms)"},
    {HEAD "latency 0ms 100ms\n", "2:9: latency off"},
    {HEAD "latency 100\n", "2:9: '100' is not a duration"},
    {HEAD "latency 100ms\n", "2:14: missing the 99th percentile"},
    {HEAD "include\n", "2:8: missing a path"},
    {HEAD "include \"\"\n", "2:9: the include path is empty"},
    {HEAD "include \"/nonexistent/x.scn\"\n", "2:9: cannot include "
                                              "'/nonexistent/x.scn': No such "
                                              "file or directory"},
    /* setup */
    {HEAD "user\n", "2:5: missing a user id"},
    {HEAD "user u1\n", "2:8: missing the user's name"},
    {HEAD "user u1 \"\"\n", "2:9: the user's name is empty"},
    {HEAD "user u1 \"A B\" admn\n", "2:15: unknown user flag 'admn' (did you "
                                    "mean 'admin'?)"},
    {HEAD "job 1 \"X\" opn\n", "2:11: unknown job status 'opn' (did you mean "
                               "'open'?)"},
    {HEAD "job 1 \"X\" open closed\n", "2:16: expected stages"},
    {HEAD "job 1 \"X\" stages\n", "2:17: missing a stage name"},
    {HEAD "job 1 \"X\" stages A \"\"\n", "2:20: a stage name is empty"},
    {HEAD "job 1 \"X\" stages A B A\n", "2:22: stage \"A\" is listed twice"},
    {HEAD "job 1 \"X\" stages a=b\n", "2:18: expected a stage name, found "
                                      "'a=b'"},
    {HEAD "job 1 \"\"\n", "2:7: the job's name is empty"},
    {HEAD "person Cher email=c@x.io\n", "2:8: a person needs a first and a "
                                        "last name"},
    {HEAD "person \"Jane Doe\"\n", "2:1: person needs email=E"},
    {HEAD "person \"Jane Doe\" email=j@x.io stage=Offer\n",
     "2:32: stage= needs job="},
    {HEAD "person \"Jane Doe\" email=j@x.io emial=k\n",
     "2:32: person has no parameter 'emial' (did you mean 'email'?)"},
    {HEAD "person \"Jane Doe\" email=j@x.io first=J\n",
     "2:32: person has no parameter 'first' (it takes: email, phone, job, "
     "stage, company)"},
    {HEAD "person \"Jane Doe\" email=j@x.io phone=1 phone=2\n",
     "2:40: 'phone' given twice"},
    {HEAD "person \"Jane Doe\" email=j@x.io extra\n",
     "2:32: expected KEY=VALUE, found 'extra'"},
    {HEAD "setting\n", "2:8: missing KEY=VALUE"},
    {HEAD "setting a=1 b=2\n", "2:13: unexpected 'b=2'"},
    {HEAD "setting \"x\"=1\n", "2:12: a quoted string must be followed by a "
                               "blank"},
    {HEAD "connect as\n", "2:11: missing a user id"},
    {HEAD "connect now\n", "2:9: unexpected 'now'"},
    {HEAD "reconnect please\n", "2:11: unexpected 'please'"},
    {HEAD "map jb x -> 1\n", "2:5: unknown mapping 'jb' (did you mean "
                             "'job'?)"},
    {HEAD "map job x 1\n", "2:11: expected '->', found '1'"},
    {HEAD "map job x ->\n", "2:13: missing the ATS job id"},
    {HEAD "map stage x -> \"\"\n", "2:16: the stage name is empty"},
    /* approve and update */
    {HEAD "connect\napprove alice\n", "3:1: approve needs job=: no job is "
                                      "mapped above"},
    {MAPPED "map job sales -> 2\napprove alice\n",
     "4:1: approve needs job=: 2 jobs are mapped (backend, sales)"},
    {MAPPED "approve alice job=bakend\n", "3:15: job 'bakend' is not mapped "
                                          "above (did you mean 'backend'?)"},
    {MAPPED "approve alice job=zzz\n", "3:15: job 'zzz' is not mapped above "
                                       "(map it first: map job zzz -> "
                                       "ATS_JOB_ID)"},
    {MAPPED "approve alice\napprove alice\n", "4:9: candidate 'alice' is "
                                              "already approved (at "
                                              "t.scn:3)"},
    {MAPPED "approve cand{1..50}\napprove cand7\n", "4:9: candidate 'cand7' "
                                                    "is already approved"},
    {MAPPED "approve cand7\napprove cand{1..50}\n", "4:9: candidate 'cand7' "
                                                    "is already approved"},
    {MAPPED "approve c{1..5}\napprove c{5..9}\n", "4:9: candidate 'c5' is "
                                                  "already approved"},
    {MAPPED "approve c{10..20}\napprove c1{0..5}\n", "4:9: candidate 'c10' "
                                                     "is already approved"},
    {MAPPED "approve c1{0..5}\napprove c{1..20}\n", "4:9: candidate 'c10' "
                                                    "is already approved"},
    {MAPPED "approve c{1..5}\napprove c{}\n", "4:9: 'c{}' is not a "
                                              "candidate ref"},
    {MAPPED "approve c{5..1}\n", "3:9: the range 'c{5..1}' runs backwards"},
    {MAPPED "approve c{01..3}\n", "3:9: is not a candidate ref"},
    {MAPPED "approve c{1..20000}\n", "3:9: holds more than 10000"},
    {MAPPED "approve {1..2}\n", "3:9: is not a candidate ref"},
    {MAPPED "approve c{1..2}x\n", "3:9: is not a candidate ref"},
    {MAPPED "approve a@b.c\n", "3:9: 'a@b.c' is not a candidate ref"},
    {MAPPED "approve\n", "3:8: missing a candidate ref"},
    {MAPPED "approve \"alice\"\n", "3:9: expected a candidate ref"},
    {MAPPED "approve x emal=x@y\n", "3:11: approve has no parameter 'emal' "
                                    "(did you mean 'email'?)"},
    {MAPPED "approve x company=ACME\n", "3:11: approve has no parameter "
                                        "'company' (it takes: email, first, "
                                        "last, phone, job, stage, "
                                        "field.KEY)"},
    {MAPPED "approve x first=A first=B\n", "3:19: 'first' given twice"},
    {MAPPED "update bob phone=1\n", "3:8: no candidate 'bob' is approved "
                                    "above (approve it first, or give an "
                                    "email)"},
    {MAPPED "approve x\nupdate x\n", "4:9: missing KEY=VALUE"},
    {MAPPED "approve x\nupdate x job=nope\n", "4:10: job 'nope' is not "
                                              "mapped"},
    {MAPPED "approve c{1..3}\nupdate c4 phone=1\n", "4:8: no candidate 'c4'"},
    {MAPPED "approve c{1..3}\nupdate c01 phone=1\n", "4:8: no candidate "
                                                     "'c01'"},
    /* faults, actions */
    {HEAD "fault outag\n", "2:7: unknown fault kind 'outag' (did you mean "
                           "'outage'?)"},
    {HEAD "fault zzzzzzzz\n", "2:7: unknown fault kind 'zzzzzzzz' (one of "
                              "rate_limit, outage"},
    {HEAD "fault\n", "2:6: missing a fault kind"},
    {HEAD "fault outage mod=hang\n", "2:14: fault outage has no parameter "
                                     "'mod' (did you mean 'mode'?)"},
    {HEAD "fault outage zzzzz=1\n", "2:14: fault outage has no parameter "
                                    "'zzzzz' (it takes: mode"},
    {HEAD "fault outage mode=503 count=-1\n", "2:23: fault outage: "
                                              "'count=-1' must be a whole "
                                              "number >= 0"},
    {HEAD "fault outage for=1m until=+5m\n", "2:14: fault outage: give "
                                             "'until' or 'for', not both"},
    {HEAD "fault required_field\n", "2:7: fault required_field needs "
                                    "'field'"},
    {HEAD "fault outage for=200000000000d\n", "2:14: fault outage: "
                                              "'for=200000000000d' is too "
                                              "long a duration"},
    {HEAD "fault outage from=+999999999999999d\n", "2:14: too long"},
    {HEAD "fault outage mode=503 mode=500\n", "2:23: 'mode' given twice"},
    {HEAD "fault outage as\n", "2:16: missing a label"},
    {HEAD "fault outage as x y\n", "2:19: unexpected 'y'"},
    {HEAD "fault outage x\n", "2:14: expected KEY=VALUE or 'as NAME', found "
                              "'x'"},
    {HEAD "fault outage as d\nfault outage as d\n", "3:17: the label 'd' is "
                                                    "already used (at "
                                                    "t.scn:2)"},
    {HEAD "action expire_token\n", "2:8: unknown action 'expire_token' (did "
                                   "you mean 'expire_tokens'?)"},
    {HEAD "action zzzzzzzzzz\n", "2:8: unknown action 'zzzzzzzzzz' (one of "
                                 "expire_tokens"},
    {HEAD "action close_job jobs=1\n", "2:18: action close_job: has no "
                                       "parameter 'jobs' (did you mean "
                                       "'job'?)"},
    {HEAD "action close_job job=1 zzzzzz=2\n", "2:24: action close_job: has "
                                               "no parameter 'zzzzzz' (it "
                                               "takes: job)"},
    {HEAD "action\n", "2:7: missing an action"},
    {HEAD "clear fault dwn\n", "2:13: no fault is labelled 'dwn' above "
                               "(label one: fault KIND ... as dwn)"},
    {HEAD "fault outage as down\nclear fault dwn\n",
     "3:13: no fault is labelled 'dwn' above (did you mean 'down'?)"},
    {HEAD "clear fault\n", "2:12: missing a fault label"},
    {HEAD "clear all\n", "2:7: expected 'fault NAME' or 'faults', found "
                         "'all'"},
    {HEAD "clear faults now\n", "2:14: unexpected 'now'"},
    {HEAD "restart\n", "2:8: missing 'engine'"},
    {HEAD "stop engine now\n", "2:13: unexpected 'now'"},
    {HEAD "start engin\n", "2:7: expected 'engine' or 'webhooks', found "
                           "'engin' (did you mean 'engine'?)"},
    {HEAD "restart webhooks\n", "2:9: expected 'engine', found 'webhooks'"},
    /* expectations */
    {HEAD "expect\n", "2:7: missing a condition"},
    {HEAD "expect conection is connected\n", "2:8: unknown condition "
                                             "'conection' (did you mean "
                                             "'connection'?)"},
    {HEAD "expect zzzzzzzz\n", "2:8: unknown condition 'zzzzzzzz' (one of"},
    {HEAD "expect connection is conected\n", "2:22: unknown connection state "
                                             "'conected' (did you mean "
                                             "'connected'?)"},
    {HEAD "expect connection is sleepy\n", "2:22: unknown connection state "
                                           "'sleepy' (one of not_connected, "
                                           "connecting, connected"},
    {HEAD "expect connection was connected\n", "2:19: expected 'is STATE', "
                                               "'reason contains \"T\"' or "
                                               "'webhooks rejected OP N'"},
    {HEAD "expect connection reason has \"x\"\n", "2:26: expected "
                                                  "'contains', found 'has'"},
    {HEAD "expect connection reason contains\n", "2:34: missing the text"},
    {MAPPED "approve alice\nexpect candidate alicia is synced\n",
     "4:18: no candidate 'alicia' is approved above (did you mean "
     "'alice'?)"},
    {MAPPED "approve alice\nexpect candidate alice is synched\n",
     "4:27: unknown candidate state 'synched' (did you mean 'synced'?)"},
    {MAPPED "approve alice\nexpect candidate alice synced\n",
     "4:24: expected 'is STATE' or 'status is WORD', found 'synced'"},
    {HEAD "expect candidates => 1\n", "2:19: bad operator '=>' (use one of "
                                      "== != < <= > >=)"},
    {HEAD "expect candidates = 1\n", "2:19: bad operator '='"},
    {HEAD "expect candidates synced 1\n", "2:26: bad operator '1'"},
    {HEAD "expect candidates synced\n", "2:25: missing an operator"},
    {HEAD "expect candidates == x\n", "2:22: 'x' is not a number"},
    {HEAD "expect candidates == -1\n", "2:22: '-1' is not a number"},
    {HEAD "expect candidates == 99999999999999999999\n", "2:22: is not a "
                                                         "number"},
    {HEAD "expect candidates == 1 more\n", "2:24: unexpected 'more'"},
    {HEAD "expect candidates snyced == 1\n", "2:19: unknown candidate state "
                                             "'snyced' (did you mean "
                                             "'synced'?)"},
    {HEAD "expect error bob contains \"x\"\n", "2:14: no candidate 'bob'"},
    {MAPPED "approve bob\nexpect error bob is full\n", "4:21: expected "
                                                       "'empty', found "
                                                       "'full'"},
    {MAPPED "approve bob\nexpect error bob\n", "4:17: missing 'contains "
                                               "\"T\"' or 'is empty'"},
    {HEAD "expect ats hass x@y\n", "2:12: unknown ats condition 'hass' (did "
                                   "you mean 'has'?)"},
    {HEAD "expect ats has bob\n", "2:16: no candidate 'bob'"},
    {HEAD "expect ats has x@y in 1 in 2\n", "2:25: 'in' given twice"},
    {HEAD "expect ats lacks x@y at \"S\"\n", "2:22: unexpected 'at'"},
    {HEAD "expect ats has x@y in\n", "2:22: missing an ATS job id"},
    {HEAD "expect ats people with bob == 1\n", "2:24: no candidate 'bob'"},
    {HEAD "expect ats people\n", "2:18: missing an operator"},
    {HEAD "expect requests /v1/x == 1\n", "2:17: '/v1/x' is not a kind of "
                                          "request (token, job, find, create, "
                                          "apply, move, update; or a "
                                          "\"ROUTE\" in quotes)"},
    {HEAD "expect requests creat == 1\n", "2:17: 'creat' is not a kind of "
                                          "request (did you mean 'create'?)"},
    {HEAD "expect requests create \"/v1/x\" == 1\n",
     "2:24: expected status CODE"},
    {HEAD "expect requests status 99 == 1\n", "2:24: '99' is not an HTTP "
                                              "status (100..599)"},
    {HEAD "expect requests status 600 == 1\n", "2:24: is not an HTTP status"},
    {HEAD "expect requests \"\" == 1\n", "2:17: the route is empty"},
    {HEAD "expect requests between 2m and 1m == 1\n", "2:32: 'between' ends "
                                                      "before it starts"},
    {HEAD "expect requests between 1m to 2m == 1\n", "2:28: expected 'and', "
                                                     "found 'to'"},
    {HEAD "expect requests between 1 and 2m == 1\n", "2:25: '1' is not a "
                                                     "duration"},
    {HEAD "expect retry-after honored\n", "2:20: expected 'honoured', found "
                                          "'honored'"},
    {HEAD "expect log bob contains \"x\"\n", "2:12: no candidate 'bob'"},
    {HEAD "expect log contains\n", "2:20: missing the text"},
    {HEAD "expect status page is down\n", "2:23: unknown status page "
                                          "indicator 'down' (one of none, "
                                          "minor, major, maintenance)"},
    {HEAD "expect status is none\n", "2:15: expected 'page', found 'is'"},
    {HEAD "expect never connection is connected\n", "2:37: 'expect never' "
                                                    "needs 'for DUR' or "
                                                    "'until T'"},
    {HEAD "expect never connection is connected soon\n",
     "2:38: expected 'for DUR' or 'until T', found 'soon'"},
    {HEAD "expect connection is connected for 5m\n", "2:32: 'for' only "
                                                     "follows 'expect "
                                                     "never'"},
    {HEAD "expect within 1m connection is connected until 5m\n",
     "2:42: 'until' only follows 'expect never'"},
    {HEAD "expect never connection is connected for 0s\n", "2:42: 'for' "
                                                           "needs a "
                                                           "duration longer "
                                                           "than 0"},
    {HEAD "expect never connection is connected for 5\n", "2:42: '5' is not "
                                                          "a duration"},
    {HEAD "at 10m\nexpect never connection is connected until 5m\n",
     "3:44: 'until 5m' is already past: this line runs at 10m at the "
     "earliest"},
    {HEAD "expect never connection is connected for 1m more\n",
     "2:45: unexpected 'more'"},
    {HEAD "expect within connection is connected\n", "2:15: 'connection' is "
                                                     "not a duration"},
    /* the status pull: header lines */
    {HEAD "webhooks\n", "2:9: missing 'off' or 'on'"},
    {HEAD "webhooks of\n", "2:10: unknown word 'of' after webhooks (did you "
                           "mean 'off'?)"},
    {HEAD "webhooks maybe\n", "2:10: expected 'off' or 'on' after webhooks, "
                              "found 'maybe'"},
    {HEAD "webhooks \"off\"\n", "2:10: expected 'off' or 'on' after "
                              "webhooks, found \"off\""},
    {HEAD "webhooks off now\n", "2:14: unexpected 'now'"},
    {HEAD "webhooks off\nwebhooks on\n", "3:1: 'webhooks' given twice (first "
                                        "at t.scn:2)"},
    {HEAD "at 1m webhooks off\n", "2:7: 'webhooks' is a header line: it "
                                  "takes no 'at' prefix"},
    {HEAD "webhook off\n", "2:1: unknown keyword 'webhook' (did you mean "
                           "'webhooks'?)"},
    {HEAD "poll\n", "2:5: missing 'every DUR' or 'off'"},
    {HEAD "poll each 5m\n", "2:6: expected 'every DUR' or 'off': poll every "
                            "5m, found 'each'"},
    {HEAD "poll every\n", "2:11: missing an interval: poll every DUR"},
    {HEAD "poll every 5\n", "2:12: '5' is not a duration: say the unit (e.g. "
                            "5s or 5m)"},
    {HEAD "poll every 5x\n", "2:12: '5x' is not a duration (use e.g."},
    {HEAD "poll every 0s\n", "2:12: the interval must be longer than 0 (for "
                             "no polling say: poll off)"},
    {HEAD "poll every 5m often\n", "2:15: unexpected 'often'"},
    {HEAD "poll off\npoll every 1m\n", "3:1: 'poll' given twice"},
    /* map status, map job source=, org */
    {HEAD "map status \"Onsite\" onsite\n", "2:21: expected '->', found "
                                         "'onsite'"},
    {HEAD "map status \"Onsite\"\n", "2:20: missing '->'"},
    {HEAD "map status \"Onsite\" ->\n", "2:23: missing our status"},
    {HEAD "map status \"Onsite\" -> \"on site\"\n", "2:24: expected our "
                                                 "status"},
    {HEAD "map status \"\" -> x\n", "2:12: the stage name is empty"},
    {HEAD "map status rejeted -> declined\n", "2:12: unknown status "
                                             "'rejeted' (did you mean "
                                             "'rejected'?)"},
    {HEAD "map status Onsite -> onsite\n", "2:12: 'Onsite' is not rejected "
                                          "or hired: quote an ATS stage name "
                                          "(map status \"Onsite\" -> OURS)"},
    {HEAD "map status\n", "2:11: missing an ATS stage"},
    {HEAD "map status -> x\n", "2:12: '->' is not rejected or hired"},
    {HEAD "map stauts \"A\" -> x\n", "2:5: unknown mapping 'stauts' (did you "
                                     "mean 'status'?)"},
    {HEAD "map status hired -> x y\n", "2:23: unexpected 'y'"},
    {HEAD "map job x -> 1 sorce=3\n", "2:16: map has no parameter 'sorce' "
                                     "(did you mean 'source'?)"},
    {HEAD "map job x -> 1 src=3\n", "2:16: map has no parameter 'src' (it "
                                   "takes: source)"},
    {HEAD "map job x -> 1 source=3 source=4\n", "2:25: 'source' given twice"},
    {HEAD "map job x -> 1 now\n", "2:16: expected KEY=VALUE, found 'now'"},
    {HEAD "map stage x -> \"A\" source=3\n", "2:20: unexpected 'source=3'"},
    {HEAD "org default_country US\n", "2:5: expected KEY=VALUE: org KEY=VALUE "
                                     "(e.g. org default_country=US), found "
                                     "'default_country'"},
    {HEAD "org\n", "2:4: missing KEY=VALUE: org KEY=VALUE"},
    {HEAD "org a=1 b=2\n", "2:9: unexpected 'b=2'"},
    /* custom fields */
    {MAPPED "approve x field.=1\n", "3:11: 'field.' needs the field's key: "
                                   "field.KEY=VALUE"},
    {MAPPED "approve x fields.start=1\n", "3:11: approve has no parameter "
                                         "'fields.start' (did you mean "
                                         "'field.start'?)"},
    {MAPPED "approve x field.a=1 field.a=2\n", "3:21: 'field.a' given twice"},
    {MAPPED "approve x field.a=1 field.b=1 field.c=1 field.d=1 field.e=1 "
            "field.f=1 field.g=1 field.h=1 field.i=1\n",
     "3:91: too many custom fields: at most 8 field.KEY=VALUE"},
    {MAPPED "approve x\nupdate x field.=2\n", "4:10: 'field.' needs the "
                                           "field's key"},
    {HEAD "person \"Jane Doe\" email=j@x.io field.a=1\n",
     "2:32: person has no parameter 'field.a' (it takes: email, phone, job, "
     "stage, company)"},
    /* stop and start webhooks */
    {HEAD "stop webhooks now\n", "2:15: unexpected 'now'"},
    {HEAD "start webhooks please\n", "2:16: unexpected 'please'"},
    {HEAD "stop\n", "2:5: missing 'engine' or 'webhooks'"},
    {HEAD "stop webhook\n", "2:6: expected 'engine' or 'webhooks', found "
                            "'webhook' (did you mean 'webhooks'?)"},
    {HEAD "stop everything\n", "2:6: expected 'engine' or 'webhooks', found "
                               "'everything'"},
    /* candidate status, webhooks, connection webhooks rejected */
    {MAPPED "approve alice\nexpect candidate alice status onsite\n",
     "4:31: expected 'is', found 'onsite'"},
    {MAPPED "approve alice\nexpect candidate alice status is\n",
     "4:33: missing a status: candidate REF status is WORD"},
    {MAPPED "approve alice\nexpect candidate alice status is a b\n",
     "4:36: unexpected 'b'"},
    {HEAD "expect candidate bob status is x\n", "2:18: no candidate 'bob'"},
    {HEAD "expect webhooks\n", "2:16: missing an operator"},
    {HEAD "expect webhooks ping == 1\n", "2:17: expected \"ACTION\" (quoted), "
                                        "status CODE, between T1 and T2, or "
                                        "an operator, found 'ping'"},
    {HEAD "expect webhooks \"\" == 1\n", "2:17: the event name is empty"},
    {HEAD "expect webhooks status 99 == 1\n", "2:24: '99' is not an HTTP "
                                             "status (100..599, or 0 for no "
                                             "answer)"},
    {HEAD "expect webhooks status 600 == 1\n", "2:24: is not an HTTP status"},
    {HEAD "expect webhooks status == 1\n", "2:24: '==' is not an HTTP "
                                          "status"},
    {HEAD "expect webhooks status\n", "2:23: missing an HTTP status: status "
                                     "CODE (0 = no answer)"},
    {HEAD "expect webhooks between 2m and 1m == 1\n", "2:32: 'between' ends "
                                                      "before it starts"},
    {HEAD "expect webhooks == x\n", "2:20: 'x' is not a number"},
    {HEAD "expect webhoks == 1\n", "2:8: unknown condition 'webhoks' (did you "
                                  "mean 'webhooks'?)"},
    {HEAD "expect connection webhooks == 0\n", "2:28: expected 'rejected', "
                                              "found '=='"},
    {HEAD "expect connection webhooks rejected\n", "2:36: missing an "
                                                  "operator"},
    {HEAD "expect connection webhooks rejected > 1 x\n", "2:41: unexpected "
                                                        "'x'"},
};

/* ---- the status pull ----------------------------------------------------------- */

static void test_status_pull_header(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(HEAD);
  assert_false(sc->webhooks_off);
  assert_int_equal(sc->poll_ms, 0);
  scn_free(sc);
  sc = ok(HEAD "webhooks off\npoll every 2m30s\n");
  assert_true(sc->webhooks_off);
  assert_int_equal(sc->poll_ms, 150000);
  assert_int_equal(sc->nstmts, 0);
  scn_free(sc);
  sc = ok(HEAD "webhooks on\npoll off\n");
  assert_false(sc->webhooks_off);
  assert_int_equal(sc->poll_ms, -1);
  scn_free(sc);
  /* header lines: anywhere, once across includes */
  sc = ok("connect\npoll every 1s\nscenario T\n");
  assert_int_equal(sc->poll_ms, 1000);
  scn_free(sc);
}

static void test_status_pull_statements(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      HEAD "map job backend -> 4001 source=7\n"
           "map job data -> 4002\n"
           "map status \"Phone Screen\" -> screening\n"
           "map status rejected -> declined\n"
           "map status hired -> hired\n"
           "map status \"rejected\" -> stage-named-rejected\n"
           "org default_country=US\n"
           "approve alice job=backend field.available_from=\"28/11/2026\" "
           "field.salary=90000 email=a@x.io\n"
           "update alice field.available_from=2026-12-01\n"
           "stop webhooks\n"
           "at 1m start webhooks\n");
  assert_int_equal(sc->nstmts, 11);
  const struct scn_stmt *s = &sc->stmts[0];
  assert_int_equal(s->kind, SCN_S_MAP_JOB);
  assert_string_equal(s->name, "backend");
  assert_string_equal(s->value, "4001");
  assert_int_equal(s->nkv, 1);
  assert_string_equal(kv(s, "source", 0), "7");
  assert_int_equal(s->kv[0].loc.col, 25);
  assert_int_equal(sc->stmts[1].nkv, 0);
  s = &sc->stmts[2];
  assert_int_equal(s->kind, SCN_S_MAP_STATUS);
  assert_string_equal(s->name, "Phone Screen");
  assert_string_equal(s->value, "screening");
  assert_int_equal(s->flags, SCN_STATUS_STAGE);
  s = &sc->stmts[3];
  assert_string_equal(s->name, "rejected");
  assert_string_equal(s->value, "declined");
  assert_int_equal(s->flags, SCN_STATUS_REJECTED);
  assert_int_equal(sc->stmts[4].flags, SCN_STATUS_HIRED);
  assert_string_equal(sc->stmts[4].name, "hired");
  /* quoted, "rejected" is a stage's name */
  assert_int_equal(sc->stmts[5].flags, SCN_STATUS_STAGE);
  s = &sc->stmts[6];
  assert_int_equal(s->kind, SCN_S_ORG);
  assert_string_equal(s->name, "default_country");
  assert_string_equal(s->value, "US");
  s = &sc->stmts[7];
  assert_int_equal(s->kind, SCN_S_APPROVE);
  assert_int_equal(s->nkv, 4);
  assert_string_equal(kv(s, "field.available_from", 0), "28/11/2026");
  assert_string_equal(kv(s, "field.salary", 0), "90000");
  assert_string_equal(kv(s, "job", 0), "backend");
  s = &sc->stmts[8];
  assert_int_equal(s->kind, SCN_S_UPDATE);
  assert_int_equal(s->nkv, 1);
  assert_string_equal(kv(s, "field.available_from", 0), "2026-12-01");
  assert_int_equal(sc->stmts[9].kind, SCN_S_STOP_WEBHOOKS);
  assert_int_equal(sc->stmts[10].kind, SCN_S_START_WEBHOOKS);
  assert_int_equal(sc->stmts[10].when, SCN_W_AT);
  assert_int_equal(sc->stmts[10].when_ms, 60000);
  /* the webhook endpoint needs no file store; the engine's restarts do */
  assert_false(sc->restarts);
  scn_free(sc);

  /* eight custom fields are fine */
  sc = ok(MAPPED "approve x field.a=1 field.b=1 field.c=1 field.d=1 "
                 "field.e=1 field.f=1 field.g=1 field.h=1\n");
  assert_int_equal(last(sc)->nkv, 9);
  scn_free(sc);
  assert_int_equal(ATSYNC_MAX_FIELDS, 8);
}

static void test_status_pull_conditions(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(
      MAPPED "approve alice\n"
             "expect candidate alice status is screening\n"          /* 1 */
             "expect candidate alice@x.io status is \"Phone Screen\"\n"
             "expect candidate alice status is \"\"\n"
             "expect webhooks == 0\n"
             "expect webhooks \"candidate_stage_change\" status 200 "  /* 5 */
             "between 1m and 2m >= 1\n"
             "expect webhooks status 0 > 2\n"
             "expect within 1h webhooks \"*candidate*\" != 1\n"
             "expect connection webhooks rejected == 0\n"
             "expect never connection webhooks rejected > 0 for 1m\n");
  const struct scn_stmt *st = sc->stmts + 2; /* map, approve */
#define C(i) (&st[(i) - 1].expect.cond)
  assert_int_equal(C(1)->kind, SCN_C_CANDIDATE_STATUS);
  assert_string_equal(C(1)->who, "alice");
  assert_string_equal(C(1)->text, "screening");
  assert_string_equal(C(2)->who, "alice@x.io");
  assert_string_equal(C(2)->text, "Phone Screen");
  assert_string_equal(C(3)->text, "");
  assert_int_equal(C(4)->kind, SCN_C_WEBHOOKS);
  assert_null(C(4)->text);
  assert_int_equal(C(4)->status, -1);
  assert_false(C(4)->has_between);
  assert_int_equal(C(4)->op, SCN_EQ);
  assert_int_equal(C(4)->n, 0);
  assert_string_equal(C(5)->text, "candidate_stage_change");
  assert_int_equal(C(5)->status, 200);
  assert_true(C(5)->has_between);
  assert_int_equal(C(5)->t1, 60000);
  assert_int_equal(C(5)->t2, 120000);
  assert_int_equal(C(5)->op, SCN_GE);
  assert_int_equal(C(5)->n, 1);
  assert_int_equal(C(6)->status, 0);
  assert_int_equal(C(6)->op, SCN_GT);
  assert_string_equal(C(7)->text, "*candidate*");
  assert_int_equal(st[6].expect.mode, SCN_E_WITHIN);
  assert_int_equal(C(8)->kind, SCN_C_WEBHOOKS_REJECTED);
  assert_int_equal(C(8)->op, SCN_EQ);
  assert_int_equal(C(8)->n, 0);
  assert_int_equal(C(9)->kind, SCN_C_WEBHOOKS_REJECTED);
  assert_int_equal(st[8].expect.mode, SCN_E_NEVER);
#undef C
  assert_int_equal(sc->nstmts, 11);
  scn_free(sc);
}

/* 'clock starts' sets the clock's start; job= may narrow a stage name or an
 * application that the runner resolves, even for an action without job. */
static void test_start_and_action_job(void **state)
{
  (void)state;
  struct scn_scenario *sc = ok(HEAD "clock starts 2026-08-28T09:00:00Z\n"
                                    "action remove_stage job=4001 "
                                    "stage=\"Phone Screen\"\n"
                                    "action move_application "
                                    "application=x@y.io job=4001 "
                                    "stage=Onsite\n");
  assert_int_equal(sc->epoch_ms, INT64_C(1787907600000));
  assert_int_equal(sc->nstmts, 2);
  assert_string_equal(kv(&sc->stmts[0], "job", 0), "4001");
  scn_free(sc);
  sc = ok(HEAD);
  assert_int_equal(sc->epoch_ms, 0);
  scn_free(sc);
  /* a numeric stage needs no job: job= is then a plain unknown parameter */
  bad(HEAD "action remove_stage job=4001 stage=5000001\n",
      "2:21: action remove_stage: has no parameter 'job'");
  bad(HEAD "clock starts tomorrow\n", "2:14: 'tomorrow' is not a time");
  bad(HEAD "clock starts 2026-08-28\nclock starts 2026-08-29\n",
      "3:1: 'clock' given twice");
}

static void test_errors(void **state)
{
  (void)state;
  int failed = 0;
  for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++)
    failed += !check_bad(bad_cases[i].text, bad_cases[i].want);
  assert_int_equal(failed, 0);
}

static void test_error_collection(void **state)
{
  (void)state;
  /* errors on several lines, each with its own line; the parse goes on */
  const char *e = bad(HEAD "aprove a\nconect\nat 5 connect\nconnect\n",
                      "2:1: unknown keyword 'aprove'");
  assert_int_equal(count_lines(e), 3);
  assert_non_null(strstr(e, "t.scn:3:1: unknown keyword 'conect'"));
  assert_non_null(strstr(e, "t.scn:4:4: '5' is not a duration"));

  /* at most 20 */
  char text[4096] = HEAD;
  for (int i = 0; i < 30; i++)
    strcat(text, "nope\n");
  e = bad(text, "2:1: unknown keyword 'nope'");
  assert_int_equal(count_lines(e), 20);
  assert_null(strstr(e, "t.scn:22:"));

  /* a binary file stops at the first bad byte */
  static const char bin[] = "scenario \"B\"\naprove\nx\0y\nzzz\n";
  assert_null(scn_parse_text("t.scn", bin, sizeof bin - 1, errbuf,
                             sizeof errbuf));
  assert_non_null(strstr(errbuf, "t.scn:2:1: unknown keyword 'aprove'"));
  assert_non_null(strstr(errbuf, "t.scn:3:2: binary data: a NUL byte"));
  assert_int_equal(count_lines(errbuf), 2);

  /* a line too long, then the parse goes on */
  char *big = malloc(6000);
  assert_non_null(big);
  strcpy(big, HEAD "tags ");
  memset(big + strlen(big), 'x', 4200);
  strcpy(big + strlen(HEAD) + 5 + 4200, "\naprove a\n");
  e = bad(big, "2:4097: line longer than 4096 bytes");
  assert_non_null(strstr(e, "t.scn:3:1: unknown keyword 'aprove'"));
  free(big);

  /* a line of exactly 4096 bytes is fine */
  char line[5000] = HEAD "tags ";
  memset(line + strlen(line), 'y', 4096 - 5);
  line[strlen(HEAD) + 4096] = '\0';
  struct scn_scenario *sc = ok(line);
  assert_int_equal(strlen(sc->tags[0]), 4091);
  scn_free(sc);

  /* CRLF line ends and a last line without one */
  sc = ok("scenario T\r\nconnect\r\n\r\nexpect connection is connected");
  assert_int_equal(sc->nstmts, 2);
  assert_string_equal(sc->stmts[1].text, "expect connection is connected");
  scn_free(sc);
  bad("scenario T\r\nconect\r\n", "2:1: unknown keyword 'conect' (did you "
                                  "mean 'connect'?)");
}

static void test_error_buffer(void **state)
{
  (void)state;
  const char *t = HEAD "aprove alice\n";
  char small[24];
  memset(small, 'Z', sizeof small);
  assert_null(scn_parse_text("t.scn", t, strlen(t), small, sizeof small));
  assert_int_equal(strlen(small), sizeof small - 1);
  assert_memory_equal(small, "t.scn:2:1: unknown keyw", sizeof small - 1);
  char one[1] = {'Z'};
  assert_null(scn_parse_text("t.scn", t, strlen(t), one, 1));
  assert_int_equal(one[0], '\0');
  assert_null(scn_parse_text("t.scn", t, strlen(t), NULL, 0));
  assert_null(scn_parse_file(NULL, NULL, 0));
  /* success clears the buffer */
  strcpy(errbuf, "stale");
  struct scn_scenario *sc = scn_parse_text(NULL, HEAD, strlen(HEAD), errbuf,
                                           sizeof errbuf);
  assert_non_null(sc);
  assert_string_equal(errbuf, "");
  assert_string_equal(sc->path, "<text>");
  scn_free(sc);
  scn_free(NULL);
  /* text that is not NUL-terminated is read only up to len */
  sc = scn_parse_text("t.scn", HEAD "garbage", strlen(HEAD), errbuf,
                      sizeof errbuf);
  assert_non_null(sc);
  scn_free(sc);
}

/* ---- the fixtures ------------------------------------------------------------------ */

static void test_bad_fixtures(void **state)
{
  (void)state;
  const char *src = getenv("ATSIM_SRCDIR") ? getenv("ATSIM_SRCDIR") : ".";
  char path[1024], line[1024], file[256], lc[32], want[512];
  snprintf(path, sizeof path, "%s/tests/scenarios/bad/EXPECTED", src);
  FILE *f = fopen(path, "r");
  if (f == NULL)
    fail_msg("cannot open %s (run from the repository root or set "
             "ATSIM_SRCDIR)", path);
  int n = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    line[strcspn(line, "\n")] = '\0';
    assert_int_equal(sscanf(line, "%255s %31s %511[^\n]", file, lc, want), 3);
    /* without ATSIM_SRCDIR, name it as `atsim run` from the root would */
    snprintf(path, sizeof path, "%s%stests/scenarios/bad/%s",
             getenv("ATSIM_SRCDIR") ? src : "",
             getenv("ATSIM_SRCDIR") ? "/" : "", file);
    struct scn_scenario *sc = scn_parse_file(path, errbuf, sizeof errbuf);
    if (sc != NULL)
      fail_msg("%s parsed without an error", file);
    char prefix[1200];
    snprintf(prefix, sizeof prefix, "%s:%s: ", path, lc);
    const char *at = strstr(errbuf, prefix);
    if (at == NULL || !memmem(at, strcspn(at, "\n"), want, strlen(want)))
      fail_msg("%s: wanted %s...%s in:\n%s", file, prefix, want, errbuf);
    n++;
  }
  fclose(f);
  assert_true(n >= 24);
}

/* ---- never crash ---------------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static const char *const corpus =
    "scenario \"F\"\ntags a b\ncause expired\nats *\nauth oauth\n"
    "seed 7\nrate limit 5 per 1s\nlatency 1ms 2ms\npending \"p\"\n"
    "user u \"A B\" admin\njob 1 \"J\" open stages \"S\" T\n"
    "person \"A B\" email=a@b job=1 stage=\"S\"\nsetting a=\"b c\"\n"
    "connect as u\nmap job j -> 1\nmap stage s -> \"S\"\n"
    "at 1s approve a{1..3} email=x@y\nupdate a1 first=\"Q\\\"\"\n"
    "fault outage mode=hang as f\nclear fault f\nclear faults\n"
    "action close_job job=1\nrestart engine\n"
    "expect within 5s candidate a2 is synced\n"
    "expect never requests \"GET *\" status 200 between 1s and 2s > 1 "
    "for 1m\nafter 1m\nexpect ats has a1 in 1 at \"S\"\n"
    "expect log a3 contains \"x\" # c\n"
    "webhooks off\npoll every 2m\nmap job j -> 1 source=4\n"
    "map status \"S\" -> s\nmap status rejected -> r\norg k=v\n"
    "approve b field.x=\"1/2\" field.y=z\nupdate b field.x=2\n"
    "stop webhooks\nstart webhooks\n"
    "expect candidate b status is \"s\"\n"
    "expect webhooks \"c*\" status 0 between 1s and 2s >= 1\n"
    "expect connection webhooks rejected == 0\n";

/* Random bytes, and random edits of a good scenario: every result is
 * either a scenario or a message, and ASan sees nothing. */
static void test_fuzz(void **state)
{
  (void)state;
  uint64_t seed = 0x9e3779b97f4a7c15u;
  size_t clen = strlen(corpus);
  char *buf = malloc(clen + 64);
  assert_non_null(buf);
  struct scn_scenario *sc = ok(corpus);
  scn_free(sc);
  static const char pieces[] = "\"\\#={}.. \n\r\t@*->=<!\xff\xc3";
  for (int iter = 0; iter < 20000; iter++) {
    size_t len;
    if (iter % 4 == 0) {
      len = rnd(&seed) % 64;
      for (size_t i = 0; i < len; i++)
        buf[i] = (char)(rnd(&seed) & 0xff);
    } else {
      memcpy(buf, corpus, clen);
      len = clen;
      int edits = 1 + (int)(rnd(&seed) % 4);
      for (int k = 0; k < edits; k++) {
        size_t at = rnd(&seed) % len;
        uint64_t r = rnd(&seed);
        if (r % 3 == 0)
          buf[at] = pieces[(r >> 8) % (sizeof pieces - 1)];
        else if (r % 3 == 1 && len > 1)
          memmove(buf + at, buf + at + 1, len - at - 1), len--;
        else
          buf[at] = (char)(r >> 16);
      }
    }
    char *exact = malloc(len ? len : 1); /* no slack for ASan to miss */
    assert_non_null(exact);
    memcpy(exact, buf, len);
    char err[512];
    sc = scn_parse_text("f.scn", exact, len, err, sizeof err);
    if (sc == NULL)
      assert_true(strncmp(err, "f.scn:", 6) == 0);
    scn_free(sc);
    free(exact);
  }
  free(buf);
}

/* ---- lexer helpers ------------------------------------------------------------ */

static void test_lex_helpers(void **state)
{
  (void)state;
  int64_t ms = -1;
  assert_int_equal(scn_lex_duration("250ms", &ms), 0);
  assert_int_equal(ms, 250);
  assert_int_equal(scn_lex_duration("1h30m", &ms), 0);
  assert_int_equal(ms, 5400000);
  assert_int_equal(scn_lex_duration("1d", &ms), 0);
  assert_int_equal(ms, 86400000);
  assert_int_equal(scn_lex_duration("0s", &ms), 0);
  assert_int_equal(ms, 0);
  assert_int_equal(scn_lex_duration("30", &ms), -1);
  assert_int_equal(scn_lex_duration("1m30", &ms), -1);
  assert_int_equal(scn_lex_duration("", &ms), -2);
  assert_int_equal(scn_lex_duration("3x", &ms), -2);
  assert_int_equal(scn_lex_duration("m", &ms), -2);
  assert_int_equal(scn_lex_duration("+5m", &ms), -2);
  assert_int_equal(scn_lex_duration("99999999999999999999999d", &ms), -3);
  assert_int_equal(scn_lex_duration("200000000000d", &ms), -3);
  assert_int_equal(scn_lex_duration("9000000000000ms2000000000000ms", &ms),
                   -3);

  struct scn_hint h;
  scn_hint_init(&h, "aprove");
  scn_hint_offer(&h, "approve", 7);
  scn_hint_offer(&h, "update", 6);
  assert_string_equal(scn_hint_best(&h), "approve");
  scn_hint_init(&h, "teh");
  scn_hint_offer_words(&h, "the, then", ", ");
  assert_string_equal(scn_hint_best(&h), "the"); /* a transposition */
  scn_hint_init(&h, "x");
  scn_hint_offer(&h, "at", 2);
  assert_null(scn_hint_best(&h));
  scn_hint_init(&h, "retr");
  scn_hint_offer(&h, "retry-after", 11);
  assert_string_equal(scn_hint_best(&h), "retry-after"); /* a prefix */

  assert_int_equal(scn_lex_col("a\xC3\xA9z", 3), 3);
  struct scn_lex_line l;
  int col = 0;
  char msg[128];
  const char *t = "  k=\"a b\" w \"s\\\\\" # c \"";
  assert_int_equal(scn_lex_line(t, strlen(t), &l, &col, msg, sizeof msg), 0);
  assert_int_equal(l.n, 3);
  assert_int_equal(l.tok[0].kind, SCN_TOK_KV);
  assert_string_equal(l.tok[0].text, "k");
  assert_string_equal(l.tok[0].value, "a b");
  assert_int_equal(l.tok[0].col, 3);
  assert_int_equal(l.tok[0].vcol, 5);
  assert_int_equal(l.tok[1].kind, SCN_TOK_WORD);
  assert_int_equal(l.tok[2].kind, SCN_TOK_STRING);
  assert_string_equal(l.tok[2].text, "s\\");
  assert_int_equal(l.text_start, 2);
  assert_int_equal(l.text_end, 17);
  assert_int_equal(l.eol_col, 18);
  scn_lex_line_free(&l);
  /* "==" and "<=" are words; "a==b" is a=(=b) */
  t = "== <= a==b";
  assert_int_equal(scn_lex_line(t, strlen(t), &l, &col, msg, sizeof msg), 0);
  assert_int_equal(l.tok[0].kind, SCN_TOK_WORD);
  assert_int_equal(l.tok[1].kind, SCN_TOK_WORD);
  assert_int_equal(l.tok[2].kind, SCN_TOK_KV);
  assert_string_equal(l.tok[2].value, "=b");
  scn_lex_line_free(&l);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_header),
      cmocka_unit_test(test_header_defaults_and_switches),
      cmocka_unit_test(test_users_jobs_people),
      cmocka_unit_test(test_connect_and_map),
      cmocka_unit_test(test_approve_and_update),
      cmocka_unit_test(test_faults_actions_engine),
      cmocka_unit_test(test_times),
      cmocka_unit_test(test_columns_count_characters),
      cmocka_unit_test(test_expect_modes),
      cmocka_unit_test(test_conditions),
      cmocka_unit_test(test_ops),
      cmocka_unit_test(test_include),
      cmocka_unit_test(test_include_errors),
      cmocka_unit_test(test_include_from_text),
      cmocka_unit_test(test_start_and_action_job),
      cmocka_unit_test(test_status_pull_header),
      cmocka_unit_test(test_status_pull_statements),
      cmocka_unit_test(test_status_pull_conditions),
      cmocka_unit_test(test_errors),
      cmocka_unit_test(test_error_collection),
      cmocka_unit_test(test_error_buffer),
      cmocka_unit_test(test_bad_fixtures),
      cmocka_unit_test(test_fuzz),
      cmocka_unit_test(test_lex_helpers),
  };
  return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
