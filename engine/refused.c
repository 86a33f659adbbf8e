/* refused.c — the person's data as the ATS refused it, and what changed
 * since (refused.h). */
#include "refused.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_hash.h"
#include "connector.h"

static uint64_t print_of(const char *a, const char *b)
{
  uint64_t h = at_fnv1a64(AT_FNV64_INIT, a, strlen(a) + 1);
  return b ? at_fnv1a64(h, b, strlen(b) + 1) : h;
}

/* Emails are compared ignoring case, as the ATSes match them. */
static uint64_t email_print(const char *email)
{
  char low[256];
  size_t i = 0;
  for (; email[i] && i + 1 < sizeof low; i++)
    low[i] = (char)tolower((unsigned char)email[i]);
  low[i] = '\0';
  return print_of(low, NULL);
}

static bool has_print(const uint64_t *v, size_t n, uint64_t h)
{
  for (size_t i = 0; i < n; i++)
    if (v[i] == h)
      return true;
  return false;
}

void refused_take(struct refused *r, const struct person_data *d)
{
  memset(r, 0, sizeof *r);
  r->set = true;
  r->name = print_of(d->first, d->last);
  r->phone = print_of(d->phone, NULL);
  for (size_t i = 0; i < d->nemails; i++)
    r->email[r->nemail++] = email_print(d->emails[i]);
  for (size_t i = 0; i < d->nfields; i++)
    r->field[r->nfield++] = print_of(d->fkeys[i], d->fvals[i]);
}

void refused_unknown(struct refused *r, const struct person_data *d,
                     const char *label)
{
  bool all = label == NULL || *label == '\0', field = false;
  for (size_t i = 0; !all && i < d->nfields; i++)
    field |= strcmp(label, d->fkeys[i]) == 0;
  if (all || field) { /* that key's prints go: the others' stay */
    size_t n = 0;
    for (size_t i = 0; i < r->nfield; i++) {
      bool that = false;
      for (size_t k = 0; !all && k < d->nfields; k++)
        that |= strcmp(label, d->fkeys[k]) == 0 &&
                r->field[i] == print_of(d->fkeys[k], d->fvals[k]);
      if (!all && !that)
        r->field[n++] = r->field[i];
    }
    r->nfield = n;
  }
  if (all || (!field && strstr(label, "phone")))
    r->phone = 0; /* no value prints to 0 in practice */
  if (all || (!field && strstr(label, "email")))
    r->nemail = 0;
  if (all || (!field && strstr(label, "name")))
    r->name = 0;
}

const char *refused_step(const struct refused *r, char *buf, size_t len)
{
  size_t o = (size_t)snprintf(buf, len, "refused n%016" PRIx64 " p%016" PRIx64,
                              r->name, r->phone);
  for (size_t i = 0; i < r->nemail && o < len; i++)
    o += (size_t)snprintf(buf + o, len - o, " e%016" PRIx64, r->email[i]);
  for (size_t i = 0; i < r->nfield && o < len; i++)
    o += (size_t)snprintf(buf + o, len - o, " f%016" PRIx64, r->field[i]);
  return buf;
}

bool refused_parse(const char *step, struct refused *r)
{
  memset(r, 0, sizeof *r);
  if (strncmp(step, "refused ", 8) != 0)
    return false;
  for (const char *s = step + 8; *s;) {
    char kind = *s++, *end;
    uint64_t h = strtoull(s, &end, 16);
    if (end != s + 16 || (*end && *end != ' '))
      return false;
    if (kind == 'n')
      r->name = h;
    else if (kind == 'p')
      r->phone = h;
    else if (kind == 'e' && r->nemail < ATSYNC_MAX_EMAILS)
      r->email[r->nemail++] = h;
    else if (kind == 'f' && r->nfield < ATSYNC_MAX_FIELDS)
      r->field[r->nfield++] = h;
    else
      return false;
    s = *end ? end + 1 : end;
  }
  r->set = true;
  return true;
}

unsigned refused_changes(const struct refused *r, const struct person_data *d,
                         unsigned can, struct person_update *u)
{
  memset(u, 0, sizeof *u);
  u->email = -1;
  if (!r->set)
    return 0;
  if ((can & PERSON_NAME) && d->first[0] && d->last[0] &&
      print_of(d->first, d->last) != r->name)
    u->what |= PERSON_NAME;
  if ((can & PERSON_PHONE) && d->phone[0] &&
      print_of(d->phone, NULL) != r->phone)
    u->what |= PERSON_PHONE;
  for (size_t i = 0; (can & PERSON_EMAIL) && i < d->nemails; i++) {
    if (!has_print(r->email, r->nemail, email_print(d->emails[i]))) {
      u->email = (int)i;
      u->what |= PERSON_EMAIL;
      break;
    }
  }
  for (size_t i = 0; (can & PERSON_FIELDS) && i < d->nfields; i++) {
    if (d->fvals[i][0] &&
        !has_print(r->field, r->nfield, print_of(d->fkeys[i], d->fvals[i]))) {
      u->field[u->nfield] = i;
      u->fkeys[u->nfield] = d->fkeys[i];
      u->fvals[u->nfield++] = d->fvals[i];
      u->what |= PERSON_FIELDS;
    }
  }
  return u->what;
}

void refused_fold(struct refused *r, const struct person_data *d,
                  const struct person_update *u)
{
  struct refused now;
  refused_take(&now, d);
  if (u->what & PERSON_NAME)
    r->name = now.name;
  if (u->what & PERSON_PHONE)
    r->phone = now.phone;
  size_t n = 0;
  for (size_t i = 0; i < now.nemail; i++)
    if ((int)i == u->email || has_print(r->email, r->nemail, now.email[i]))
      now.email[n++] = now.email[i];
  memcpy(r->email, now.email, n * sizeof *r->email);
  r->nemail = n;
  n = 0;
  for (size_t i = 0; i < now.nfield; i++) {
    bool sent = false;
    for (size_t k = 0; k < u->nfield; k++)
      sent |= u->field[k] == i;
    if (sent || has_print(r->field, r->nfield, now.field[i]))
      now.field[n++] = now.field[i];
  }
  memcpy(r->field, now.field, n * sizeof *r->field);
  r->nfield = n;
}

const char *person_update_words(const struct person_update *u,
                                const struct person_data *d, char *buf,
                                size_t len)
{
  size_t o = 0;
  buf[0] = '\0';
  if (u->what & PERSON_NAME)
    o += (size_t)snprintf(buf + o, len - o, "the name");
  if ((u->what & PERSON_PHONE) && o < len)
    o += (size_t)snprintf(buf + o, len - o, "%sthe phone", o ? ", " : "");
  if ((u->what & PERSON_EMAIL) && o < len)
    o += (size_t)snprintf(buf + o, len - o, "%sthe email %s", o ? ", " : "",
                          d->emails[u->email]);
  for (size_t i = 0; i < u->nfield && o < len; i++) {
    const char *sep = i   ? ", "
                      : o ? ", the custom fields "
                          : "the custom fields ";
    o += (size_t)snprintf(buf + o, len - o, "%s%s", sep, u->fkeys[i]);
  }
  return buf;
}
