/* settings.c — a personality's settings for UNVERIFIED behaviour, from a
 * declarative table.
 *
 * Every personality keeps its settings in a plain struct (s->pdata) that
 * its handlers read directly; the table names each field, its type, its
 * default and its bounds. From the table the core creates the block with
 * its defaults, parses `key=value` (POST /_sim/settings, sim_setting()),
 * lists the settings as JSON (in table order) and answers the flag() /
 * duration() questions the ATS-neutral modules ask (webhook delays,
 * revoke cascades). The messages are the same for every personality:
 *   "<ats> has no setting 'K' (see docs/fidelity/<ats>.md)"
 *   "<ats> setting K: 'V' is not a valid value" */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"

int sim_parse_bool(const char *v, bool *out)
{
  if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "1"))
    *out = true;
  else if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "0"))
    *out = false;
  else
    return -1;
  return 0;
}

static void *field(void *block, const struct sim_setting *d)
{
  return (char *)block + d->offset;
}

static const void *cfield(const void *block, const struct sim_setting *d)
{
  return (const char *)block + d->offset;
}

static const struct sim_setting *find(const struct sim_personality *p,
                                      const char *name, bool alias)
{
  for (const struct sim_setting *d = p->settings; d && d->name; d++)
    if (strcmp(d->name, name) == 0 ||
        (alias && d->alias && strcmp(d->alias, name) == 0))
      return d;
  return NULL;
}

void *sim_settings_new(const struct sim_personality *p)
{
  if (p->settings == NULL)
    return NULL;
  void *g = xcalloc(1, p->settings_size);
  for (const struct sim_setting *d = p->settings; d->name; d++) {
    void *f = field(g, d);
    switch (d->type) {
    case SIM_SET_BOOL: *(bool *)f = d->def != 0; break;
    case SIM_SET_INT:
    case SIM_SET_ENUM: *(int *)f = (int)d->def; break;
    case SIM_SET_STATUS: *(unsigned *)f = (unsigned)d->def; break;
    case SIM_SET_DURATION: *(int64_t *)f = d->def; break;
    case SIM_SET_STRING: snprintf(f, d->size, "%s", d->str_def); break;
    }
  }
  return g;
}

void sim_settings_free(const struct sim_personality *p, void *pdata)
{
  if (pdata && p->settings_release)
    p->settings_release(pdata);
  free(pdata);
}

/* Parse 'v' into the field; false when the value is not valid. */
static bool parse(const struct sim_setting *d, void *f, const char *v)
{
  switch (d->type) {
  case SIM_SET_BOOL:
    return sim_parse_bool(v, f) == 0;
  case SIM_SET_INT:
  case SIM_SET_STATUS: {
    char *end;
    long n = strtol(v, &end, 10);
    if ((!d->lax && (*v == '\0' || *end != '\0')) || n < d->min ||
        n > d->max)
      return false;
    if (d->type == SIM_SET_INT)
      *(int *)f = (int)n;
    else
      *(unsigned *)f = (unsigned)n;
    return true;
  }
  case SIM_SET_DURATION: {
    int64_t ms;
    if (at_duration_parse(v, &ms) != 0 || ms < d->min)
      return false;
    *(int64_t *)f = ms;
    return true;
  }
  case SIM_SET_ENUM:
    for (int i = 0; d->names[i]; i++)
      if (strcmp(v, d->names[i]) == 0) {
        *(int *)f = i;
        return true;
      }
    return false;
  case SIM_SET_STRING:
    if (*v == '\0' || strlen(v) >= d->size || (d->valid && !d->valid(v)))
      return false;
    snprintf(f, d->size, "%s", v);
    return true;
  }
  return false;
}

int sim_settings_set(struct sim *s, const char *key, const char *value,
                     char *err, size_t errlen)
{
  const struct sim_setting *d = find(s->p, key, false);
  if (d == NULL) {
    snprintf(err, errlen, "%s has no setting '%s' (see "
             "docs/fidelity/%s.md)", s->p->name, key, s->p->name);
    return -1;
  }
  if (!parse(d, field(s->pdata, d), value)) {
    snprintf(err, errlen, "%s setting %s: '%s' is not a valid value",
             s->p->name, key, value);
    return -1;
  }
  return 0;
}

cJSON *sim_settings_json(const struct sim *s)
{
  cJSON *o = cJSON_CreateObject();
  for (const struct sim_setting *d = s->p->settings; d && d->name; d++) {
    const void *f = cfield(s->pdata, d);
    char buf[32];
    switch (d->type) {
    case SIM_SET_BOOL: jput_bool(o, d->name, *(const bool *)f); break;
    case SIM_SET_INT: jput_int(o, d->name, *(const int *)f); break;
    case SIM_SET_STATUS: jput_int(o, d->name, (long)*(const unsigned *)f);
      break;
    case SIM_SET_DURATION: {
      int64_t ms = *(const int64_t *)f;
      jput_str(o, d->name, ms == 0 && d->zero
                               ? d->zero
                               : at_duration_format(ms, buf, sizeof buf));
      break;
    }
    case SIM_SET_ENUM: jput_str(o, d->name, d->names[*(const int *)f]); break;
    case SIM_SET_STRING: jput_str(o, d->name, f); break;
    }
  }
  return o;
}

bool sim_settings_flag(const struct sim *s, const char *name)
{
  const struct sim_setting *d = find(s->p, name, true);
  if (d == NULL)
    return false;
  const void *f = cfield(s->pdata, d);
  if (d->type == SIM_SET_BOOL)
    return *(const bool *)f;
  if (d->type == SIM_SET_ENUM && d->alias) /* email_ci: "case_insensitive" */
    return *(const int *)f != 0;
  return false;
}

int64_t sim_settings_duration(const struct sim *s, const char *name)
{
  const struct sim_setting *d = find(s->p, name, true);
  if (d == NULL || d->type != SIM_SET_DURATION)
    return 0;
  return *(const int64_t *)cfield(s->pdata, d);
}

bool sim_flag(const struct sim *s, const char *name)
{
  return s->p->flag ? s->p->flag(s, name) : sim_settings_flag(s, name);
}

int64_t sim_duration(const struct sim *s, const char *name)
{
  return s->p->duration ? s->p->duration(s, name)
                        : sim_settings_duration(s, name);
}

const char *const sim_email_match_names[] = {"exact", "case_insensitive",
                                             NULL};
