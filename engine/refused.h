/* refused.h — the person's data as the ATS refused it, and what changed
 * since.
 *
 * When the ATS refuses the data of a person it already holds (a phone
 * required on the application of a person we created or found), the push
 * remembers a fingerprint of each value (FNV-1a: "the same bytes"). What
 * differs later is what the recruiter changed: what the connector can set
 * of it (never a blank) goes to the person (OP_UPDATE_PERSON) before the
 * application is tried again, and what the update sent is folded in.
 * The fingerprints are kept as the push's step in the store ("refused
 * n<hex> p<hex> e<hex>... f<hex>..."), so a retry or a restart keeps them.
 *
 * Pure functions on the values they are given: no engine state, no
 * allocation. */
#ifndef ATSYNC_REFUSED_H
#define ATSYNC_REFUSED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atsync.h"

/* The person's data as the push holds it now (normalised). The strings
 * are the caller's; phone is "" when there is none. */
struct person_data {
  const char *first, *last, *phone;
  const char *const *emails;
  size_t nemails;
  const char *const *fkeys, *const *fvals; /* custom fields */
  size_t nfields;
};

/* The fingerprints of the data the ATS refused. */
struct refused {
  bool set; /* a refusal is remembered */
  uint64_t name, phone;
  uint64_t email[ATSYNC_MAX_EMAILS], field[ATSYNC_MAX_FIELDS];
  size_t nemail, nfield;
};

/* The longest step refused_step writes: "refused", then 18 characters per
 * value. */
#define REFUSED_STEP_MAX (8 + 18 * (2 + ATSYNC_MAX_EMAILS + ATSYNC_MAX_FIELDS))

/* An OP_UPDATE_PERSON: what it sets (PERSON_* bits of connector.h), the
 * email it adds (an index into the person's emails; -1 none) and the
 * custom fields it sets (their indices, and the arguments: the caller's
 * strings). */
struct person_update {
  unsigned what;
  int email;
  size_t field[ATSYNC_MAX_FIELDS], nfield;
  const char *fkeys[ATSYNC_MAX_FIELDS], *fvals[ATSYNC_MAX_FIELDS];
};

/* Remember the data as it is now (the ATS just refused it). */
void refused_take(struct refused *r, const struct person_data *d);

/* The person was not made from this data (found in the ATS by email):
 * what the ATS refused under 'label' (the connector's field label:
 * "phone", "email", "first name", a custom field's key; NULL: not known)
 * is the ATS's own value, not ours. Forget our fingerprint of it, so
 * that what we hold of it counts as changed and is sent. */
void refused_unknown(struct refused *r, const struct person_data *d,
                     const char *label);

/* The step that keeps them, in buf (REFUSED_STEP_MAX); returns buf. */
const char *refused_step(const struct refused *r, char *buf, size_t len);

/* Read a step written by refused_step into *r; false (r->set false) for
 * any other step. */
bool refused_parse(const char *step, struct refused *r);

/* What changed since the refusal that the connector can set ('can':
 * PERSON_* bits), never a blank (a phone removed is not removed from the
 * ATS): the name, the phone, one added email (one per request), the
 * custom fields with a new value. Fills *u; returns its PERSON_* bits, 0
 * when nothing is remembered or there is nothing to send. */
unsigned refused_changes(const struct refused *r, const struct person_data *d,
                         unsigned can, struct person_update *u);

/* The update *u went through: what it set is what the ATS holds now. The
 * emails and fields kept are those the person still has. */
void refused_fold(struct refused *r, const struct person_data *d,
                  const struct person_update *u);

/* "the name, the phone, the email a@b.c, the custom fields level, start",
 * for the log; returns buf. */
const char *person_update_words(const struct person_update *u,
                                const struct person_data *d, char *buf,
                                size_t len);

#endif
