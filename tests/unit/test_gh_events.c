/* test_gh_events.c — the Greenhouse connector reads webhook deliveries
 * (event_parse): every event kind from payloads shaped like the Greenhouse
 * webhook docs (grnhse/greenhouse-api-docs, source/includes/webhooks), the
 * ids-only variants, and malformed bodies, each refused with a message
 * that names what is wrong. Payloads are written with single quotes and
 * turned into JSON here, to stay readable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../engine/connector.h"
#include "at_clock.h"
#include "tassert.h"

/* ---- harness ------------------------------------------------------------------- */

static const char *event_id_hdr; /* Greenhouse-Event-ID (NULL: none) */

static const char *lookup(void *ud, const char *name)
{
  (void)ud;
  if (strcasecmp(name, "Greenhouse-Event-ID") == 0)
    return event_id_hdr;
  return NULL;
}

/* 'x' with single quotes turned into double quotes (malloc'd). */
static char *dq(const char *x)
{
  char *s = strdup(x);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  return s;
}

struct parsed {
  int rc;
  struct ats_event ev;
  char err[300];
};

/* Parse exactly 'len' bytes of 'body' from a buffer of that size (no NUL
 * after it: ASan catches a read past the body). */
static struct parsed parse_raw(const char *body, size_t len)
{
  struct parsed p;
  memset(&p, 0, sizeof p);
  char *copy = malloc(len ? len : 1);
  memcpy(copy, body, len);
  struct webhook_req r = {.body = copy, .len = len, .header = lookup};
  memset(&p.ev, 0x5a, sizeof p.ev); /* the parser must reset it */
  p.rc = connector_greenhouse.event_parse(&r, &p.ev, p.err, sizeof p.err);
  free(copy);
  return p;
}

static struct parsed parse(const char *single_quoted)
{
  char *b = dq(single_quoted);
  struct parsed p = parse_raw(b, strlen(b));
  free(b);
  return p;
}

#define assert_parsed(p)                                                       \
  do {                                                                         \
    if ((p).rc != 0)                                                           \
      fail_msg("%s:%d: parse failed: %s", __FILE__, __LINE__, (p).err);       \
  } while (0)

/* A refusal whose message starts with "webhook payload:" and names 'what'. */
#define assert_refused(p, what)                                                \
  do {                                                                         \
    if ((p).rc != -1)                                                          \
      fail_msg("%s:%d: accepted, want a refusal naming '%s'", __FILE__,       \
               __LINE__, (what));                                              \
    assert_contains((p).err, "webhook payload: ");                             \
    assert_contains((p).err, (what));                                          \
  } while (0)

static int64_t iso(const char *s)
{
  int64_t ms = 0;
  assert_int_equal(at_time_parse_iso8601(s, &ms), 0);
  return ms;
}

/* ---- payloads (after the docs, trimmed of what sync never reads) --------------- */

static const char stage_change[] =
    "{'action': 'candidate_stage_change', 'payload': {'application': {"
    " 'id': 265277, 'rejected_at': null, 'prospect': false,"
    " 'status': 'active', 'applied_at': '2013-03-22T00:00:00Z',"
    " 'last_activity_at': '2015-02-09T16:38:36Z',"
    " 'url': 'https://app.greenhouse.io/people/265772?application_id=265277',"
    " 'source': {'id': 31, 'name': 'Agency'},"
    " 'credited_to': {'id': 15, 'email': 'ada@example.com', 'name': 'Ada Lacey'},"
    " 'rejection_reason': null, 'rejection_details': null,"
    " 'current_stage': {'id': 71416, 'name': 'Assessment', 'interviews': [{"
    "   'id': 113101, 'name': 'Assessment', 'status': 'to_be_scheduled',"
    "   'interviewers': [{'id': 2622, 'display_name': 'Carl Buddha'}]}]},"
    " 'custom_fields': {'custom_application_field': {'name': 'Custom',"
    "   'type': 'short_text', 'value': 'Example'}},"
    " 'candidate': {'id': 265772, 'first_name': 'Giuseppe',"
    "   'last_name': 'Hurley', 'title': 'Great Person', 'company': null,"
    "   'created_at': '2013-10-04T01:24:44Z', 'external_id': '241b399c',"
    "   'phone_numbers': [{'value': '330-281-8004', 'type': 'home'}],"
    "   'email_addresses': [{'value': 'giuseppe.hurley@example.com',"
    "     'type': 'personal'}],"
    "   'addresses': [{'value': '123 Fake St.', 'type': 'home'}],"
    "   'tags': ['Import from Previous ATS'],"
    "   'custom_fields': {'favorite_color': {'name': 'Favorite Color',"
    "     'type': 'short_text', 'value': 'Blue'}}},"
    " 'jobs': [{'id': 3485, 'name': 'Designer', 'requisition_id': null,"
    "   'status': 'open', 'departments': [{'id': 237, 'name': 'Community'}],"
    "   'offices': [{'id': 54, 'name': 'New York'}]}]}}}";

static const char new_application[] =
    "{'action': 'new_candidate_application', 'payload': {'application': {"
    " 'id': 71980812, 'prospect': false, 'status': 'active',"
    " 'applied_at': '2017-10-27T14:44:43Z',"
    " 'last_activity_at': '2017-10-27T14:44:42Z',"
    " 'source': {'id': 16, 'name': 'LinkedIn (Prospecting)'},"
    " 'current_stage': {'id': 2944102, 'name': 'Preliminary Phone Screen',"
    "   'interviews': []},"
    " 'prospect_detail': {'prospect_pool': null},"
    " 'candidate': {'id': 60304594, 'first_name': 'Jane',"
    "   'last_name': 'Smith', 'company': 'Current Company Co.',"
    "   'phone_numbers': [{'value': '555-555-5555', 'type': 'mobile'},"
    "     {'value': '555-555-0001', 'type': 'home'},"
    "     {'value': '555-555-0002', 'type': 'work'},"
    "     {'value': '555-555-0003', 'type': 'other'}],"
    "   'email_addresses': [{'value': 'person@work.com', 'type': 'work'},"
    "     {'value': 'person@example.com', 'type': 'personal'}],"
    "   'recruiter': {'id': 92120, 'email': 'employee@test.com'},"
    "   'attachments': [{'filename': 'Test Resume.docx', 'type': 'resume'}]},"
    " 'jobs': [{'id': 274075, 'name': 'Data Scientist',"
    "   'hiring_team': {'hiring_managers': [{'user_id': 92913}]}}]}}}";

static const char hire[] =
    "{'action': 'hire_candidate', 'payload': {'application': {"
    " 'id': 46194062, 'opening': {'opening_id': '1234-56'},"
    " 'credited_to': {'id': 158104, 'name': 'Robert Johnson'},"
    " 'source': {'id': 25, 'public_name': 'Monster'},"
    " 'candidate': {'id': 35897443, 'first_name': 'Johnny',"
    "   'last_name': 'Smith', 'phone_numbers': [{'value': '518-555-1212',"
    "   'type': 'work'}], 'email_addresses': [{'value': 'personal@example.com',"
    "   'type': 'personal'}]},"
    " 'job': {'id': 323753, 'name': 'Developer'},"
    " 'jobs': [{'id': 323753, 'name': 'Developer'}],"
    " 'offer': {'id': 506409, 'version': 2, 'starts_at': '2015-01-23'}}}}";

static const char reject[] =
    "{'action': 'reject_candidate', 'payload': {'application': {"
    " 'id': 265293, 'rejected_at': '2015-02-11T15:50:41Z', 'prospect': false,"
    " 'status': 'rejected', 'last_activity_at': '2015-02-11T15:50:41Z',"
    " 'rejection_reason': {'id': 14, 'name': 'Too Junior',"
    "   'type': {'id': 3, 'name': 'Wrong skill set'}},"
    " 'current_stage': {'id': 2708728, 'name': 'Offer', 'interviews': []},"
    " 'candidate': {'id': 265788, 'first_name': 'Hector',"
    "   'last_name': 'Porter'},"
    " 'jobs': [{'id': 371417, 'name': 'Designer'}]}}}";

static const char prospect[] =
    "{'action': 'new_prospect_application', 'payload': {'application': {"
    " 'id': 979554, 'prospect': true, 'status': 'active',"
    " 'last_activity_at': '2014-12-02T23:10:16Z', 'current_stage': null,"
    " 'candidate': {'id': 968190, 'first_name': 'Trisha',"
    "   'last_name': 'Troy'}, 'jobs': []}}}";

static const char update_candidate[] =
    "{'action': 'update_candidate', 'payload': {'candidate': {"
    " 'id': 15696179, 'first_name': 'Ronald', 'last_name': 'Ronnie',"
    " 'title': 'Director', 'company': 'Example',"
    " 'created_at': '2016-08-23T17:51:27Z', 'external_id': '946aa514658',"
    " 'phone_numbers': [{'value': '911', 'type': 'mobile'}],"
    " 'email_addresses': [{'value': '123456email@email.com', 'type': 'work'}],"
    " 'addresses': [{'value': '99-99 5th Ave.', 'type': 'home'}],"
    " 'custom_fields': {'current_salary': {'name': 'Current Salary',"
    "   'type': 'short_text', 'value': null}}}}}";

static const char merge[] =
    "{'action': 'merge_candidate', 'payload': {'person': {"
    " 'id': 37031511, 'first_name': 'Jack', 'last_name': 'Sparrow',"
    " 'company': 'Pirate Shipping', 'created_at': '2013-03-22T00:00:00Z',"
    " 'is_private': false, 'recruiter_user_id': 123,"
    " 'coordinator_user_id': 456, 'can_email': false,"
    " 'new_candidate_id': 457456}}}";

static const char delete_candidate[] =
    "{'action': 'delete_candidate', 'payload': {'person': {"
    " 'id': 37031511, 'first_name': 'Jack', 'last_name': 'Sparrow',"
    " 'created_at': '2013-03-22T00:00:00Z', 'can_email': false,"
    " 'deleted_application_ids': [46196263, 46196258]}}}";

static const char delete_application[] =
    "{'action': 'delete_application', 'payload': {'application': {"
    " 'id': 46194062, 'candidate_id': 37031511, 'job_id': 371417,"
    " 'created_at': '2013-03-22T00:00:00Z', 'source_id': 2,"
    " 'candidate_rejection_reason_id': null, 'rejection_note_id': 123,"
    " 'rejected_at': '2014-04-22T01:00:00Z', 'referrer_id': 158104,"
    " 'prospect': false, 'rejected_by_user_id': 158103}}}";

/* ---- every kind ---------------------------------------------------------------- */

static void test_ping(void **state)
{
  (void)state;
  struct parsed p = parse("{'action': 'ping', 'payload': {'web_hook_id': 1}}");
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_PING);
  assert_string_equal(p.ev.action, "ping");
  p = parse("{'action': 'ping'}"); /* a ping's payload is not ours to judge */
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_PING);
}

static void test_stage_change(void **state)
{
  (void)state;
  event_id_hdr = "8c1b7b6e-7f1d-4c63-9d8a-3f1e2a9b0c11";
  struct parsed p = parse(stage_change);
  event_id_hdr = NULL;
  assert_parsed(p);
  const struct ats_record *r = &p.ev.rec;
  assert_int_equal(p.ev.kind, EV_APPLICATION);
  assert_string_equal(p.ev.action, "candidate_stage_change");
  assert_string_equal(p.ev.id, "8c1b7b6e-7f1d-4c63-9d8a-3f1e2a9b0c11");
  assert_string_equal(r->application_id, "265277");
  assert_string_equal(r->candidate_id, "265772");
  assert_string_equal(r->job_id, "3485");
  assert_string_equal(r->status, "active");
  assert_string_equal(r->stage_id, "71416");
  assert_string_equal(r->stage_name, "Assessment");
  assert_string_equal(r->first, "Giuseppe");
  assert_string_equal(r->last, "Hurley");
  assert_string_equal(r->phones[0], "330-281-8004");
  assert_string_equal(r->phones[1], "");
  assert_string_equal(r->emails[0], "giuseppe.hurley@example.com");
  assert_string_equal(r->merged_into, "");
  assert_false(r->deleted);
  assert_int_equal(r->updated, iso("2015-02-09T16:38:36Z"));
  assert_int_equal(p.ev.at, r->updated);
  assert_string_equal(p.ev.merged_from, "");
}

static void test_new_application(void **state)
{
  (void)state;
  struct parsed p = parse(new_application);
  assert_parsed(p);
  const struct ats_record *r = &p.ev.rec;
  assert_int_equal(p.ev.kind, EV_APPLICATION);
  assert_string_equal(p.ev.id, ""); /* no Greenhouse-Event-ID header */
  assert_string_equal(r->application_id, "71980812");
  assert_string_equal(r->candidate_id, "60304594");
  assert_string_equal(r->job_id, "274075");
  assert_string_equal(r->stage_id, "2944102");
  assert_string_equal(r->stage_name, "Preliminary Phone Screen");
  /* the first three phones, in order */
  assert_string_equal(r->phones[0], "555-555-5555");
  assert_string_equal(r->phones[2], "555-555-0002");
  assert_string_equal(r->emails[0], "person@work.com");
  assert_string_equal(r->emails[1], "person@example.com");
  assert_string_equal(r->emails[2], "");
  assert_int_equal(r->updated, iso("2017-10-27T14:44:42Z"));
}

static void test_hire_reject_unreject(void **state)
{
  (void)state;
  /* the docs' hire payload has neither status nor current_stage */
  struct parsed p = parse(hire);
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_APPLICATION);
  assert_string_equal(p.ev.rec.application_id, "46194062");
  assert_string_equal(p.ev.rec.candidate_id, "35897443");
  assert_string_equal(p.ev.rec.job_id, "323753");
  assert_string_equal(p.ev.rec.status, "hired");
  assert_string_equal(p.ev.rec.stage_id, "");
  assert_int_equal(p.ev.rec.updated, 0);
  assert_int_equal(p.ev.at, 0);

  /* hired with current_stage null, as Harvest shows it */
  p = parse("{'action': 'hire_candidate', 'payload': {'application': {"
            "'id': 5, 'status': 'hired', 'current_stage': null,"
            "'candidate': {'id': 6}, 'jobs': [{'id': 7}]}}}");
  assert_parsed(p);
  assert_string_equal(p.ev.rec.status, "hired");
  assert_string_equal(p.ev.rec.stage_id, "");
  assert_string_equal(p.ev.rec.stage_name, "");

  p = parse(reject);
  assert_parsed(p);
  assert_string_equal(p.ev.action, "reject_candidate");
  assert_string_equal(p.ev.rec.status, "rejected");
  assert_string_equal(p.ev.rec.stage_name, "Offer");
  assert_string_equal(p.ev.rec.job_id, "371417");

  p = parse("{'action': 'unreject_candidate', 'payload': {'application': {"
            "'id': 265293, 'status': 'active', 'rejected_at': null,"
            "'current_stage': {'id': 2708728, 'name': 'Offer'},"
            "'candidate': {'id': 265788}, 'jobs': [{'id': 371417}]}}}");
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_APPLICATION);
  assert_string_equal(p.ev.rec.status, "active");
}

static void test_prospect_and_updated(void **state)
{
  (void)state;
  struct parsed p = parse(prospect);
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_APPLICATION);
  assert_string_equal(p.ev.rec.application_id, "979554");
  assert_string_equal(p.ev.rec.job_id, ""); /* a prospect: no job */
  assert_string_equal(p.ev.rec.stage_id, "");
  assert_string_equal(p.ev.rec.first, "Trisha");

  p = parse("{'action': 'application_updated', 'payload': {'application': {"
            "'id': 22202940, 'status': 'active',"
            "'last_activity_at': '2015-12-03T06:31:26Z',"
            "'current_stage': {'id': 711020, 'name': 'Application Review'},"
            "'candidate': {'id': 13857579, 'first_name': 'Hank',"
            "'last_name': 'Von Diablo', 'phone_numbers': [{'value': "
            "'330-281-8004', 'type': 'other '}]}, 'jobs': []}}}");
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_APPLICATION);
  assert_string_equal(p.ev.rec.last, "Von Diablo");
  assert_string_equal(p.ev.rec.stage_name, "Application Review");
}

static void test_update_candidate(void **state)
{
  (void)state;
  struct parsed p = parse(update_candidate);
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_CANDIDATE);
  assert_string_equal(p.ev.rec.candidate_id, "15696179");
  assert_string_equal(p.ev.rec.application_id, "");
  assert_string_equal(p.ev.rec.first, "Ronald");
  assert_string_equal(p.ev.rec.phones[0], "911");
  assert_string_equal(p.ev.rec.emails[0], "123456email@email.com");
}

static void test_merge(void **state)
{
  (void)state;
  struct parsed p = parse(merge);
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_MERGE);
  assert_string_equal(p.ev.merged_from, "37031511"); /* merged away */
  assert_string_equal(p.ev.rec.candidate_id, "457456"); /* survives */
  assert_string_equal(p.ev.rec.merged_into, "");
  /* the merged-away person's name is not the survivor's */
  assert_string_equal(p.ev.rec.first, "");
}

static void test_deletes(void **state)
{
  (void)state;
  struct parsed p = parse(delete_candidate);
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_DELETE);
  assert_string_equal(p.ev.rec.candidate_id, "37031511");
  assert_string_equal(p.ev.rec.application_id, "");
  assert_true(p.ev.rec.deleted);

  p = parse(delete_application);
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_DELETE);
  assert_string_equal(p.ev.rec.application_id, "46194062");
  assert_string_equal(p.ev.rec.candidate_id, "37031511");
  assert_string_equal(p.ev.rec.job_id, "371417");
  assert_true(p.ev.rec.deleted);
}

static void test_other_events(void **state)
{
  (void)state;
  static const char *const others[] = {
      "{'action': 'job_created', 'payload': {'job': {'id': 1}}}",
      "{'action': 'job_updated', 'payload': {'job': {'id': 1}}}",
      "{'action': 'offer_created', 'payload': {'id': 12345, "
      "'application_id': 234556, 'offer_status': 'Accepted'}}",
      "{'action': 'offer_deleted', 'payload': {'offer': {'id': 506406}}}",
      "{'action': 'candidate_anonymized', 'payload': {'candidate_id': "
      "37031511, 'anonymized_fields': ['full_name']}}",
      "{'action': 'interview_deleted', 'payload': {'interview': {'id': 3}}}",
  };
  for (size_t i = 0; i < sizeof others / sizeof *others; i++) {
    struct parsed p = parse(others[i]);
    assert_parsed(p);
    if (p.ev.kind != EV_OTHER)
      fail_msg("%s: kind %d, want EV_OTHER", others[i], (int)p.ev.kind);
  }
  /* an action longer than the field is cut, and still only 'other' */
  char longer[400];
  snprintf(longer, sizeof longer, "{'action': '%0200d', 'payload': {}}", 7);
  struct parsed p = parse(longer);
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_OTHER);
  assert_int_equal(strlen(p.ev.action), sizeof p.ev.action - 1);
}

/* ---- ids only ------------------------------------------------------------------ */

static void test_ids_only(void **state)
{
  (void)state;
  struct parsed p = parse("{'action': 'candidate_stage_change', 'payload': {"
                          "'application': {'id': 1, 'candidate': {'id': 2},"
                          " 'jobs': [{'id': 3}]}}}");
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_APPLICATION);
  assert_string_equal(p.ev.rec.application_id, "1");
  assert_string_equal(p.ev.rec.candidate_id, "2");
  assert_string_equal(p.ev.rec.job_id, "3");
  assert_string_equal(p.ev.rec.status, "");
  assert_string_equal(p.ev.rec.stage_id, "");
  assert_string_equal(p.ev.rec.stage_name, "");
  assert_string_equal(p.ev.rec.first, "");
  assert_string_equal(p.ev.rec.last, "");
  assert_string_equal(p.ev.rec.phones[0], "");
  assert_string_equal(p.ev.rec.emails[0], "");
  assert_int_equal(p.ev.rec.updated, 0);

  /* the application id alone, as a string */
  p = parse("{'action': 'application_updated', 'payload': {'application': "
            "{'id': '60000001'}}}");
  assert_parsed(p);
  assert_string_equal(p.ev.rec.application_id, "60000001");
  assert_string_equal(p.ev.rec.candidate_id, "");
  assert_string_equal(p.ev.rec.job_id, "");

  /* flat ids, as delete_application and Harvest v3 write them */
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 10, 'candidate_id': 20, 'job_id': 30}}}");
  assert_parsed(p);
  assert_string_equal(p.ev.rec.candidate_id, "20");
  assert_string_equal(p.ev.rec.job_id, "30");

  p = parse("{'action': 'update_candidate', 'payload': {'candidate': "
            "{'id': 5}}}");
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_CANDIDATE);
  assert_string_equal(p.ev.rec.candidate_id, "5");

  p = parse("{'action': 'merge_candidate', 'payload': {'person': {'id': 1, "
            "'new_candidate_id': '2'}}}");
  assert_parsed(p);
  assert_string_equal(p.ev.merged_from, "1");
  assert_string_equal(p.ev.rec.candidate_id, "2");

  p = parse("{'action': 'delete_candidate', 'payload': {'person': {'id': 9}}}");
  assert_parsed(p);
  assert_int_equal(p.ev.kind, EV_DELETE);
  assert_string_equal(p.ev.rec.candidate_id, "9");

  /* ids beyond 2^32, up to 2^53, are exact; strings beyond that too */
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 9007199254740991, 'candidate': {'id': "
            "'18446744073709551615'}, 'jobs': [{'id': 4294967297}]}}}");
  assert_parsed(p);
  assert_string_equal(p.ev.rec.application_id, "9007199254740991");
  assert_string_equal(p.ev.rec.candidate_id, "18446744073709551615");
  assert_string_equal(p.ev.rec.job_id, "4294967297");
}

/* ---- malformed ------------------------------------------------------------------- */

static void test_not_json(void **state)
{
  (void)state;
  struct parsed p = parse("hello");
  assert_refused(p, "not JSON");
  p = parse_raw("", 0);
  assert_refused(p, "empty");
  /* the stage-change payload cut in the middle */
  char *b = dq(stage_change);
  p = parse_raw(b, strlen(b) / 2);
  assert_refused(p, "not JSON");
  p = parse_raw(b, strlen(b) - 1); /* the last brace missing */
  assert_refused(p, "not JSON");
  free(b);
  /* something after the object */
  p = parse("{'action': 'ping', 'payload': {}} trailing");
  assert_refused(p, "not JSON");
  /* a NUL byte inside the body */
  static const char nul[] = "{\"action\":\"ping\"}\0{}";
  p = parse_raw(nul, sizeof nul - 1);
  assert_refused(p, "NUL");
  /* nested beyond cJSON's limit: refused, not a crash */
  size_t depth = 5000;
  char *deep = malloc(2 * depth + 1);
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  p = parse_raw(deep, 2 * depth);
  assert_refused(p, "not JSON");
  free(deep);
}

static void test_not_an_object(void **state)
{
  (void)state;
  struct parsed p = parse("[{'action': 'ping', 'payload': {}}]");
  assert_refused(p, "not a JSON object");
  p = parse("'ping'");
  assert_refused(p, "not a JSON object");
  p = parse("null");
  assert_refused(p, "not a JSON object");
}

static void test_bad_action(void **state)
{
  (void)state;
  struct parsed p = parse("{'payload': {'application': {'id': 1}}}");
  assert_refused(p, "'action' is missing");
  p = parse("{'action': null, 'payload': {}}");
  assert_refused(p, "'action' is missing");
  p = parse("{'action': 7, 'payload': {}}");
  assert_refused(p, "'action' is not a string");
  p = parse("{'action': ['ping'], 'payload': {}}");
  assert_refused(p, "'action' is not a string");
  p = parse("{'action': '', 'payload': {}}");
  assert_refused(p, "'action' is empty");
  /* JSON is case-sensitive: 'Action' is not 'action' */
  p = parse("{'Action': 'ping', 'payload': {}}");
  assert_refused(p, "'action' is missing");
}

static void test_bad_payload(void **state)
{
  (void)state;
  struct parsed p = parse("{'action': 'candidate_stage_change'}");
  assert_refused(p, "'payload' is missing");
  p = parse("{'action': 'job_created'}");
  assert_refused(p, "'payload' is missing");
  p = parse("{'action': 'candidate_stage_change', 'payload': null}");
  assert_refused(p, "'payload' is missing");
  p = parse("{'action': 'candidate_stage_change', 'payload': [1]}");
  assert_refused(p, "'payload' is not an object");
  p = parse("{'action': 'ping', 'payload': 'x'}");
  assert_refused(p, "'payload' is not an object");
  p = parse("{'action': 'candidate_stage_change', 'payload': {}}");
  assert_refused(p, "'payload.application' is missing");
  p = parse("{'action': 'reject_candidate', 'payload': {'application': 5}}");
  assert_refused(p, "'payload.application' is not an object");
  p = parse("{'action': 'update_candidate', 'payload': {}}");
  assert_refused(p, "'payload.candidate' is missing");
  p = parse("{'action': 'merge_candidate', 'payload': {'candidate': {}}}");
  assert_refused(p, "'payload.person' is missing");
  p = parse("{'action': 'delete_application', 'payload': {}}");
  assert_refused(p, "'payload.application' is missing");
}

static void test_bad_ids(void **state)
{
  (void)state;
  struct parsed p = parse("{'action': 'candidate_stage_change', 'payload': {"
                          "'application': {'status': 'active', 'candidate': "
                          "{'id': 2}}}}");
  assert_refused(p, "'payload.application.id' is missing");
  p = parse("{'action': 'hire_candidate', 'payload': {'application': "
            "{'id': null}}}");
  assert_refused(p, "'payload.application.id' is missing");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1.5}}}");
  assert_refused(p, "'payload.application.id' is not an id");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 9007199254740993}}}");
  assert_refused(p, "'payload.application.id' is not an id");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1e300}}}");
  assert_refused(p, "'payload.application.id' is not an id");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': -4}}}");
  assert_refused(p, "not an id");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': '12 OR 1=1'}}}");
  assert_refused(p, "'payload.application.id' is not an id");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1, 'candidate': {'id': true}}}}");
  assert_refused(p, "'payload.application.candidate.id' is not an id");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1, 'jobs': [{'id': {}}]}}}");
  assert_refused(p, "'payload.application.jobs[0].id' is not an id");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1, 'jobs': {'id': 3}}}}");
  assert_refused(p, "'payload.application.jobs' is not a list");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1, 'current_stage': {'id': 'x y'}}}}");
  assert_refused(p, "'payload.application.current_stage.id' is not an id");
  p = parse("{'action': 'update_candidate', 'payload': {'candidate': "
            "{'first_name': 'A'}}}");
  assert_refused(p, "'payload.candidate.id' is missing");
  p = parse("{'action': 'merge_candidate', 'payload': {'person': {'id': 1}}}");
  assert_refused(p, "'payload.person.new_candidate_id' is missing");
  p = parse("{'action': 'merge_candidate', 'payload': {'person': {"
            "'new_candidate_id': 2}}}");
  assert_refused(p, "'payload.person.id' is missing");
  p = parse("{'action': 'delete_candidate', 'payload': {'person': {'id': 1, "
            "'deleted_application_ids': [1, 2.5]}}}");
  assert_refused(p, "'payload.person.deleted_application_ids'");
}

static void test_bad_fields(void **state)
{
  (void)state;
  struct parsed p = parse("{'action': 'candidate_stage_change', 'payload': {"
                          "'application': {'id': 1, 'status': 3}}}");
  assert_refused(p, "'payload.application.status' is not a string");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1, 'last_activity_at': 'yesterday'}}}");
  assert_refused(p, "'payload.application.last_activity_at' is not an "
                    "ISO-8601 time");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1, 'candidate': {'id': 2, 'phone_numbers': [{'type': "
            "'home'}]}}}}");
  assert_refused(p, "'payload.application.candidate.phone_numbers' has an "
                    "entry without");
  p = parse("{'action': 'update_candidate', 'payload': {'candidate': {'id': 2, "
            "'email_addresses': 'a@b.c'}}}");
  assert_refused(p, "'payload.candidate.email_addresses' is not a list");
  p = parse("{'action': 'candidate_stage_change', 'payload': {'application': "
            "{'id': 1, 'candidate': 'Jane'}}}");
  assert_refused(p, "'payload.application.candidate' is not an object");
}

/* Long names are cut at a character boundary (UTF-8), never mid-way. */
static void test_long_utf8_name(void **state)
{
  (void)state;
  char name[400] = "";
  for (int i = 0; i < 100; i++)
    strcat(name, "\xc3\xa9"); /* é */
  char json[800];
  snprintf(json, sizeof json, "{'action': 'update_candidate', 'payload': {"
           "'candidate': {'id': 1, 'first_name': 'a%s'}}}", name);
  struct parsed p = parse(json);
  assert_parsed(p);
  size_t n = strlen(p.ev.rec.first);
  assert_true(n < sizeof p.ev.rec.first);
  assert_int_equal(n % 2, 1); /* 'a' + whole two-byte characters */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ping),
      cmocka_unit_test(test_stage_change),
      cmocka_unit_test(test_new_application),
      cmocka_unit_test(test_hire_reject_unreject),
      cmocka_unit_test(test_prospect_and_updated),
      cmocka_unit_test(test_update_candidate),
      cmocka_unit_test(test_merge),
      cmocka_unit_test(test_deletes),
      cmocka_unit_test(test_other_events),
      cmocka_unit_test(test_ids_only),
      cmocka_unit_test(test_not_json),
      cmocka_unit_test(test_not_an_object),
      cmocka_unit_test(test_bad_action),
      cmocka_unit_test(test_bad_payload),
      cmocka_unit_test(test_bad_ids),
      cmocka_unit_test(test_bad_fields),
      cmocka_unit_test(test_long_utf8_name),
  };
  return cmocka_run_group_tests_name("gh_events", tests, NULL, NULL);
}
