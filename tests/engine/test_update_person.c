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

#include "engfx_expect.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

/* ---- helpers ------------------------------------------------------------- */

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

/* Ada is in Greenhouse already (added by a recruiter there): her own
 * name, two emails, no phone, no custom field. */
static void ada_in_ats(struct engfx *f)
{
  engfx_action(f, "add_candidate", "first_name=Ada last_name=King "
                                   "email=ada@example.com,ada@home.example");
}

/* Ada's email: her person in the fake ATS is the one with it. */
#define ADA "ada@example.com"

static const char *str(const cJSON *o, const char *k)
{
  const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
  return s ? s : "";
}

/* Ada in the ATS kept what only the ATS had: her name, both emails. */
static void ada_kept_her_own(struct engfx *f)
{
  cJSON *c = engfx_ats_person(f, ADA);
  assert_string_equal(str(c, "first_name"), "Ada");
  assert_string_equal(str(c, "last_name"), "King");
  cJSON_Delete(c);
  assert_string_equal(engfx_ats_list(f, ADA, "emails"),
                      "ada@example.com,ada@home.example");
}

/* One person, one application on the job, at the stage; the engine agrees
 * and nothing is left in the queue. */
static void delivered(struct engfx *f)
{
  engfx_expect_cand(f, "ada", ATSYNC_SYNCED, NULL);
  assert_int_equal(engfx_people_total(f), 1);
  engfx_expect_delivered(f, "Phone Screen");
  cJSON *c = engfx_ats_person(f, ADA);
  assert_int_equal(
      cJSON_GetArraySize(cJSON_GetObjectItem(c, "applications")), 1);
  cJSON_Delete(c);
}

/* ---- stories ------------------------------------------------------------- */

/* The job requires a phone; Ada (found by email) has none in Greenhouse:
 * the application is refused, needs attention naming the phone, no blind
 * retry. The recruiter adds the phone to our candidate: the PATCH gives
 * it to Ada (only the phone: her name and emails stay hers), then the
 * application goes, once. */
static void required_phone(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  ada_in_ats(f);
  engfx_fault(f, "required_field", "field=phone job=4001");
  engfx_approve(f, "ada", "ADA@Example.com");
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "phone", NULL);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  assert_int_equal(engfx_journal(f, gh->add_app, 422), 1);
  size_t sent = engfx_journal(f, NULL, 0);
  engfx_run(f, HOUR); /* a data problem: no blind retry */
  assert_int_equal(engfx_journal(f, NULL, 0), sent);
  assert_int_equal(engfx_journal(f, gh->patch, 0), 0);

  engfx_update_phone(f, "ada", "+14155550123");
  engfx_settle(f, 10 * MIN);
  delivered(f);
  assert_int_equal(engfx_journal(f, gh->patch, 200), 1);
  assert_int_equal(engfx_journal(f, gh->patch, 0), 1);
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 2);
  assert_int_equal(engfx_journal(f, gh->create, 0), 0);
  assert_string_equal(engfx_ats_list(f, ADA, "phones"), "+14155550123");
  ada_kept_her_own(f);
  engfx_free(f);
}
ENGFX_BOTH(required_phone)

/* The job requires a custom field Ada lacks: the recruiter sets it on our
 * candidate, the PATCH sets that one key on Ada, the application goes. */
static void required_custom_field(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  ada_in_ats(f);
  engfx_fault(f, "required_field", "field=custom_fields.level job=4001");
  engfx_approve(f, "ada", "ada@example.com");
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "level", NULL);
  char err[256];
  struct atsync_candidate patch = {.field_keys = {"level"},
                                   .field_values = {"Senior"},
                                   .nfields = 1};
  assert_int_equal(atsync_update(f->e, f->org, "ada", &patch, err,
                                 sizeof err), 0);
  engfx_settle(f, 10 * MIN);
  delivered(f);
  assert_int_equal(engfx_journal(f, gh->patch, 200), 1);
  cJSON *c = engfx_ats_person(f, ADA);
  assert_string_equal(str(cJSON_GetObjectItem(c, "custom_fields"), "level"),
                      "Senior");
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(c, "phones")), 0);
  cJSON_Delete(c);
  ada_kept_her_own(f);
  engfx_free(f);
}
ENGFX_BOTH(required_custom_field)

/* The PATCH itself is refused (the phone must be E.164): needs attention
 * naming the phone and why it could not be converted; Ada unchanged, no
 * application. Fixed again: delivered. */
static void update_refused(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  ada_in_ats(f);
  engfx_fault(f, "required_field", "field=phone job=4001");
  engfx_fault(f, "format_rule", "field=phone rule=e164");
  engfx_approve(f, "ada", "ada@example.com");
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "phone", NULL);
  engfx_update_phone(f, "ada", "555-0123");
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "E.164", NULL);
  assert_int_equal(engfx_journal(f, gh->patch, 422), 1);
  assert_int_equal(engfx_journal(f, gh->add_app, 0), 1);
  assert_string_equal(engfx_ats_list(f, ADA, "phones"), "");
  engfx_update_phone(f, "ada", "+1 (415) 555-0123");
  engfx_settle(f, 10 * MIN);
  delivered(f);
  assert_int_equal(engfx_journal(f, gh->patch, 200), 1);
  assert_string_equal(engfx_ats_list(f, ADA, "phones"), "+14155550123");
  ada_kept_her_own(f);
  engfx_free(f);
}
ENGFX_BOTH(update_refused)

/* The v1 key lacks PATCH /v1/candidates/{id}: permission_missing naming
 * it (the data fix waits, nothing lost); the admin ticks it, the engine's
 * probe sends the update, and the application goes. */
static void update_permission(enum engfx_auth auth)
{
  const struct engfx_gh_routes *gh = engfx_gh_routes(auth);
  struct engfx *f = start(auth);
  ada_in_ats(f);
  engfx_fault(f, "required_field", "field=phone job=4001");
  engfx_approve(f, "ada", "ada@example.com");
  engfx_settle(f, 10 * MIN);
  engfx_expect_cand(f, "ada", ATSYNC_NEEDS_ATTENTION, "phone", NULL);
  char key[32];
  engfx_api_key_id(f, key, sizeof key);
  engfx_action(f, "remove_permission",
               "credential=%s permission=PATCH~/v1/candidates/{id}", key);
  engfx_update_phone(f, "ada", "+14155550123");
  engfx_settle(f, 5 * MIN);
  engfx_expect_state(f, ATSYNC_PERMISSION_MISSING, "PATCH /v1/candidates/{id}",
                     NULL);
  engfx_expect_cand(f, "ada", ATSYNC_WAITING, "PATCH /v1/candidates/{id}",
                    NULL);
  assert_true(engfx_journal(f, gh->patch, 403) >= 1); /* and probes */
  engfx_action(f, "grant_permission",
               "credential=%s permission=PATCH~/v1/candidates/{id}", key);
  engfx_settle(f, HOUR);
  engfx_expect_state(f, ATSYNC_CONNECTED, NULL);
  delivered(f);
  assert_string_equal(engfx_ats_list(f, ADA, "phones"), "+14155550123");
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
