/* test_update_person.c — the engine and the fake Greenhouse (engfx, v3
 * OAuth and a v1 key) when the ATS refuses the data of a person it
 * already holds: a person found by email lacks what the job requires, so
 * the application is refused (needs attention naming the field). Once the
 * recruiter fixes our candidate, the engine sends what changed to that
 * person (PATCH /v3|v1/candidates/{id}) before it adds the application
 * again: one person, one application, the fix in the ATS, and nothing of
 * the person's own data (its name, its other emails) touched. Time moves
 * only through the loop: no sleeps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engfx.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

/* ---- helpers ------------------------------------------------------------- */

static bool v1(enum engfx_auth a) { return a == ENGFX_V1_KEY; }

static const char *patch_route(enum engfx_auth a)
{
  return v1(a) ? "PATCH /v1/candidates/{id}" : "PATCH /v3/candidates/{id}";
}

static const char *add_app_route(enum engfx_auth a)
{
  return v1(a) ? "POST /v1/candidates/{id}/applications"
               : "POST /v3/applications";
}

static const char *create_route(enum engfx_auth a)
{
  return v1(a) ? "POST /v1/candidates" : "POST /v3/candidates";
}

static size_t journal(struct engfx *f, const char *route, int status)
{
  return sim_journal_count(f->fx->sim, route, status);
}

static struct engfx *start(enum engfx_auth auth)
{
  /* the status pull's polls stay out of these counts */
  struct engfx_opts o = {.auth = auth, .poll_ms = -1, .latency = true};
  struct engfx *f = engfx_new(&o);
  engfx_settle(f, 10 * SEC);
  char why[600];
  if (engfx_state(f, why, sizeof why) != ATSYNC_CONNECTED)
    fail_msg("not connected at the start: %s", why);
  return f;
}

static void action(struct engfx *f, const char *name, const char *kvs)
{
  cJSON_Delete(fx_action(f->fx, name, kvs));
}

/* Ada is in Greenhouse already (added by a recruiter there): her own
 * name, two emails, no phone, no custom field. */
static void ada_in_ats(struct engfx *f)
{
  action(f, "add_candidate", "first_name=Ada last_name=King "
                             "email=ada@example.com,ada@home.example");
}

static void expect_cand(struct engfx *f, const char *ref,
                        enum atsync_sync want, const char *phrase)
{
  struct atsync_candidate_info c = engfx_cand(f, ref);
  if (c.sync != want)
    fail_msg("%s: want %s, got %s (error: %s)", ref, atsync_sync_name(want),
             atsync_sync_name(c.sync), c.error);
  if (phrase && strcasestr(c.error, phrase) == NULL)
    fail_msg("%s: the error does not mention '%s': %s", ref, phrase, c.error);
}

static void expect_state(struct engfx *f, enum atsync_state want,
                         const char *phrase)
{
  char why[600];
  enum atsync_state s = engfx_state(f, why, sizeof why);
  if (s != want)
    fail_msg("connection: want %s, got %s (%s)", atsync_state_name(want),
             atsync_state_name(s), why);
  if (phrase && strcasestr(why, phrase) == NULL)
    fail_msg("connection %s: the reason does not mention '%s': %s",
             atsync_state_name(s), phrase, why);
}

/* Ada as the fake Greenhouse's model holds her (its state JSON; the
 * caller deletes it): exactly one person with her email. */
static cJSON *ats_ada(struct engfx *f)
{
  cJSON *st = sim_state_json(f->fx->sim), *found = NULL;
  int n = 0;
  const cJSON *c, *e;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(st, "candidates"))
  {
    bool mine = false;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "emails"))
        mine |= strcasecmp(e->valuestring, "ada@example.com") == 0;
    if (mine && n++ == 0)
      found = cJSON_Duplicate(c, true);
  }
  cJSON_Delete(st);
  if (n != 1) {
    cJSON_Delete(found);
    fail_msg("%d people with ada@example.com in the fake ATS, want 1", n);
  }
  return found;
}

static const char *str(const cJSON *o, const char *k)
{
  const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
  return s ? s : "";
}

/* "a,b" of a list of Ada's ("phones", "emails"). */
static const char *ada_list(struct engfx *f, const char *list)
{
  static char buf[512];
  cJSON *c = ats_ada(f);
  size_t o = 0;
  buf[0] = '\0';
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, list))
      o += (size_t)snprintf(buf + o, o < sizeof buf ? sizeof buf - o : 0,
                            "%s%s", o ? "," : "", e->valuestring);
  cJSON_Delete(c);
  return buf;
}

/* Ada in the ATS kept what only the ATS had: her name, both emails. */
static void ada_kept_her_own(struct engfx *f)
{
  cJSON *c = ats_ada(f);
  assert_string_equal(str(c, "first_name"), "Ada");
  assert_string_equal(str(c, "last_name"), "King");
  cJSON_Delete(c);
  assert_string_equal(ada_list(f, "emails"),
                      "ada@example.com,ada@home.example");
}

/* One person, one application on the job, at the stage; the engine agrees
 * and nothing is left in the queue. */
static void delivered(struct engfx *f)
{
  expect_cand(f, "ada", ATSYNC_SYNCED, NULL);
  assert_int_equal(atsync_pending(f->e, f->org), 0);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_check_exactly_once(f, "Phone Screen");
  cJSON *c = ats_ada(f);
  assert_int_equal(
      cJSON_GetArraySize(cJSON_GetObjectItem(c, "applications")), 1);
  cJSON_Delete(c);
}

#define BOTH(fn)                                                               \
  static void test_##fn##_v3(void **state)                                     \
  {                                                                            \
    (void)state;                                                               \
    fn(ENGFX_V3_CODE);                                                         \
  }                                                                            \
  static void test_##fn##_v1(void **state)                                     \
  {                                                                            \
    (void)state;                                                               \
    fn(ENGFX_V1_KEY);                                                          \
  }

/* ---- stories ------------------------------------------------------------- */

/* The job requires a phone; Ada (found by email) has none in Greenhouse:
 * the application is refused, needs attention naming the phone, no blind
 * retry. The recruiter adds the phone to our candidate: the PATCH gives
 * it to Ada (only the phone: her name and emails stay hers), then the
 * application goes, once. */
static void required_phone(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  ada_in_ats(f);
  fx_fault(f->fx, "required_field", "field=phone job=4001");
  engfx_approve(f, "ada", "ADA@Example.com");
  engfx_settle(f, 10 * MIN);
  expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "phone");
  expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(journal(f, add_app_route(auth), 422), 1);
  size_t sent = journal(f, NULL, 0);
  engfx_run(f, HOUR); /* a data problem: no blind retry */
  assert_int_equal(journal(f, NULL, 0), sent);
  assert_int_equal(journal(f, patch_route(auth), 0), 0);

  char err[256];
  struct atsync_candidate patch = {.phone = "+14155550123"};
  assert_int_equal(atsync_update(f->e, f->org, "ada", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  delivered(f);
  assert_int_equal(journal(f, patch_route(auth), 200), 1);
  assert_int_equal(journal(f, patch_route(auth), 0), 1);
  assert_int_equal(journal(f, add_app_route(auth), 0), 2);
  assert_int_equal(journal(f, create_route(auth), 0), 0);
  assert_string_equal(ada_list(f, "phones"), "+14155550123");
  ada_kept_her_own(f);
  engfx_free(f);
}
BOTH(required_phone)

/* The job requires a custom field Ada lacks: the recruiter sets it on our
 * candidate, the PATCH sets that one key on Ada, the application goes. */
static void required_custom_field(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  ada_in_ats(f);
  fx_fault(f->fx, "required_field", "field=custom_fields.level job=4001");
  engfx_approve(f, "ada", "ada@example.com");
  engfx_settle(f, 10 * MIN);
  expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "level");
  char err[256];
  struct atsync_candidate patch = {.field_keys = {"level"},
                                   .field_values = {"Senior"},
                                   .nfields = 1};
  assert_int_equal(atsync_update(f->e, f->org, "ada", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  delivered(f);
  assert_int_equal(journal(f, patch_route(auth), 200), 1);
  cJSON *c = ats_ada(f);
  assert_string_equal(str(cJSON_GetObjectItem(c, "custom_fields"), "level"),
                      "Senior");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "phones")), 0);
  cJSON_Delete(c);
  ada_kept_her_own(f);
  engfx_free(f);
}
BOTH(required_custom_field)

/* The PATCH itself is refused (the phone must be E.164): needs attention
 * naming the phone and why it could not be converted; Ada unchanged, no
 * application. Fixed again: delivered. */
static void update_refused(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  ada_in_ats(f);
  fx_fault(f->fx, "required_field", "field=phone job=4001");
  fx_fault(f->fx, "format_rule", "field=phone rule=e164");
  engfx_approve(f, "ada", "ada@example.com");
  engfx_settle(f, 10 * MIN);
  expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "phone");
  char err[256];
  struct atsync_candidate patch = {.phone = "555-0123"};
  assert_int_equal(atsync_update(f->e, f->org, "ada", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "E.164");
  assert_int_equal(journal(f, patch_route(auth), 422), 1);
  assert_int_equal(journal(f, add_app_route(auth), 0), 1);
  assert_string_equal(ada_list(f, "phones"), "");
  patch.phone = "+1 (415) 555-0123";
  assert_int_equal(atsync_update(f->e, f->org, "ada", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  delivered(f);
  assert_int_equal(journal(f, patch_route(auth), 200), 1);
  assert_string_equal(ada_list(f, "phones"), "+14155550123");
  ada_kept_her_own(f);
  engfx_free(f);
}
BOTH(update_refused)

/* The v1 key lacks PATCH /v1/candidates/{id}: permission_missing naming
 * it (the data fix waits, nothing lost); the admin ticks it, the engine's
 * probe sends the update, and the application goes. */
static void update_permission(enum engfx_auth auth)
{
  struct engfx *f = start(auth);
  ada_in_ats(f);
  fx_fault(f->fx, "required_field", "field=phone job=4001");
  engfx_approve(f, "ada", "ada@example.com");
  engfx_settle(f, 10 * MIN);
  expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "phone");
  char key[32] = "", kv[160];
  cJSON *a = sim_credentials_json(f->fx->sim);
  const cJSON *c;
  cJSON_ArrayForEach(c, a)
  {
    if (strcmp(str(c, "type"), "api_key") == 0)
      snprintf(key, sizeof key, "%s", str(c, "id"));
  }
  cJSON_Delete(a);
  assert_true(key[0] != '\0');
  snprintf(kv, sizeof kv, "credential=%s permission=PATCH~/v1/candidates/{id}",
           key);
  action(f, "remove_permission", kv);
  char err[256];
  struct atsync_candidate patch = {.phone = "+14155550123"};
  assert_int_equal(atsync_update(f->e, f->org, "ada", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, 5 * MIN);
  expect_state(f, ATSYNC_PERMISSION_MISSING, "PATCH /v1/candidates/{id}");
  expect_cand(f, "ada", ATSYNC_WAITING, "PATCH /v1/candidates/{id}");
  assert_true(journal(f, patch_route(auth), 403) >= 1); /* and probes */
  action(f, "grant_permission", kv);
  engfx_settle(f, HOUR);
  expect_state(f, ATSYNC_CONNECTED, NULL);
  delivered(f);
  assert_string_equal(ada_list(f, "phones"), "+14155550123");
  engfx_free(f);
}
static void test_update_permission_v1(void **state)
{
  (void)state;
  update_permission(ENGFX_V1_KEY);
}

int main(void)
{
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_required_phone_v3),
      cmocka_unit_test(test_required_phone_v1),
      cmocka_unit_test(test_required_custom_field_v3),
      cmocka_unit_test(test_required_custom_field_v1),
      cmocka_unit_test(test_update_refused_v3),
      cmocka_unit_test(test_update_refused_v1),
      cmocka_unit_test(test_update_permission_v1),
  };
  int rc = cmocka_run_group_tests_name("update person", tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
