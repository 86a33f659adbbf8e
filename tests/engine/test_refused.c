/* test_refused.c — engine/refused.c on its own: the person's data as the
 * ATS refused it, kept as a push's step, and what changed since (what an
 * OP_UPDATE_PERSON sends). The engine-with-ATS stories are in
 * test_update_person.c and test_ashby_push.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../engine/connector.h"
#include "../../engine/refused.h"

/* A person as a push holds it. */
struct person {
  const char *emails[ATSYNC_MAX_EMAILS], *fkeys[ATSYNC_MAX_FIELDS],
      *fvals[ATSYNC_MAX_FIELDS];
  struct person_data d;
};

static void person(struct person *p, const char *first, const char *last,
                   const char *phone, const char *email1, const char *email2,
                   const char *level)
{
  memset(p, 0, sizeof *p);
  p->emails[0] = email1;
  p->emails[1] = email2;
  p->fkeys[0] = "level";
  p->fvals[0] = level;
  p->d = (struct person_data){.first = first,
                              .last = last,
                              .phone = phone,
                              .emails = p->emails,
                              .nemails = email2 ? 2 : 1,
                              .fkeys = p->fkeys,
                              .fvals = p->fvals,
                              .nfields = 1};
}

#define ALL (PERSON_NAME | PERSON_PHONE | PERSON_EMAIL | PERSON_FIELDS)

/* The step keeps every fingerprint, and only a step written so reads. */
static void test_step_round_trip(void **state)
{
  (void)state;
  struct person p;
  person(&p, "Bob", "Example", "", "bob@example.com", "b@x.io", "Senior");
  struct refused r, back;
  refused_take(&r, &p.d);
  char step[REFUSED_STEP_MAX];
  refused_step(&r, step, sizeof step);
  assert_int_equal(strncmp(step, "refused n", 9), 0);
  assert_true(strlen(step) < sizeof step);
  assert_true(refused_parse(step, &back));
  assert_memory_equal(&r, &back, sizeof r);
  /* other steps: nothing remembered */
  assert_false(refused_parse("created", &back));
  assert_false(back.set);
  assert_false(refused_parse("refused n12", &back));
  step[strlen(step) - 1] = 'x'; /* not hex */
  assert_false(refused_parse(step, &back));
}

/* Nothing changed, nothing remembered: nothing to send. */
static void test_nothing_to_send(void **state)
{
  (void)state;
  struct person p;
  person(&p, "Bob", "Example", "", "bob@example.com", NULL, "Senior");
  struct refused r = {0};
  struct person_update u;
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), 0);
  assert_int_equal(u.email, -1);
  refused_take(&r, &p.d);
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), 0);
  /* the same email in another case is the same email */
  person(&p, "Bob", "Example", "", "BOB@Example.com", NULL, "Senior");
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), 0);
}

/* What changed and the connector can set, never a blank; the words say
 * what; once folded in, the same data is nothing to send. */
static void test_changes_and_fold(void **state)
{
  (void)state;
  struct person p;
  person(&p, "Bob", "Example", "", "bob@example.com", NULL, "Senior");
  struct refused r;
  refused_take(&r, &p.d);
  person(&p, "Bob", "Example", "+14155550123", "bob@example.com",
         "b@x.io", "");
  struct person_update u;
  /* the phone added, an email added; the field blanked: not sent */
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u),
                   PERSON_PHONE | PERSON_EMAIL);
  assert_int_equal(u.email, 1);
  assert_int_equal(u.nfield, 0);
  char words[200];
  assert_string_equal(person_update_words(&u, &p.d, words, sizeof words),
                      "the phone, the email b@x.io");
  /* a connector that sets only the phone */
  assert_int_equal(refused_changes(&r, &p.d, PERSON_PHONE, &u), PERSON_PHONE);
  assert_int_equal(u.email, -1);
  /* the update that set the phone went through: the email is still new */
  refused_fold(&r, &p.d, &u);
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), PERSON_EMAIL);
  refused_fold(&r, &p.d, &u);
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), 0);
  /* a new value of the field, and a new name */
  person(&p, "Robert", "Example", "+14155550123", "bob@example.com",
         "b@x.io", "Staff");
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u),
                   PERSON_NAME | PERSON_FIELDS);
  assert_int_equal(u.nfield, 1);
  assert_string_equal(u.fvals[0], "Staff");
  assert_string_equal(person_update_words(&u, &p.d, words, sizeof words),
                      "the name, the custom fields level");
}

/* A person found by email: the value the ATS refused is its own, so what
 * we hold of that field is sent at once; the other fields still wait for
 * a change. */
static void test_unknown_is_sent(void **state)
{
  (void)state;
  struct person p;
  person(&p, "Ada", "Lovelace", "+14155550123", "ada@example.com", NULL,
         "Senior");
  struct refused r;
  struct person_update u;
  refused_take(&r, &p.d);
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), 0);
  refused_unknown(&r, &p.d, "phone");
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), PERSON_PHONE);
  /* sent: nothing more */
  refused_fold(&r, &p.d, &u);
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), 0);
  /* a custom field by its key: that one only */
  refused_take(&r, &p.d);
  refused_unknown(&r, &p.d, "level");
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), PERSON_FIELDS);
  assert_int_equal(u.nfield, 1);
  assert_string_equal(u.fvals[0], "Senior");
  /* the name; and what the connector cannot set is not sent */
  refused_take(&r, &p.d);
  refused_unknown(&r, &p.d, "first name");
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), PERSON_NAME);
  assert_int_equal(refused_changes(&r, &p.d, PERSON_PHONE, &u), 0);
  /* a field not known: all we hold */
  refused_take(&r, &p.d);
  refused_unknown(&r, &p.d, NULL);
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u) &
                       (PERSON_NAME | PERSON_PHONE | PERSON_FIELDS),
                   PERSON_NAME | PERSON_PHONE | PERSON_FIELDS);
  /* a phone we do not hold is never sent blank */
  person(&p, "Ada", "Lovelace", "", "ada@example.com", NULL, "Senior");
  refused_take(&r, &p.d);
  refused_unknown(&r, &p.d, "phone");
  assert_int_equal(refused_changes(&r, &p.d, ALL, &u), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_step_round_trip),
      cmocka_unit_test(test_nothing_to_send),
      cmocka_unit_test(test_changes_and_fold),
      cmocka_unit_test(test_unknown_is_sent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
