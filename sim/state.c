/* state.c — the tenant as neutral JSON (/_sim/state) and the journal API. */
#include "sim_int.h"

#include <fnmatch.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"

static cJSON *contacts(const struct sim_contact *v, size_t n)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v[i].value));
  return a;
}

static cJSON *app_json(const struct sim *s, const struct sim_app *a)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", a->id);
  jput_id(o, "job_id", a->job_id);
  const struct sim_stage *st = model_stage(&s->model, a->stage_id);
  jput_id(o, "stage_id", a->stage_id);
  jput_str(o, "stage", st ? st->name : NULL);
  cJSON_AddStringToObject(o, "status", sim_app_status_name(a->status));
  jput_time(o, "applied_at", a->applied);
  if (a->source_id)
    jput_id(o, "source_id", a->source_id);
  if (a->ready_at > sim_now(s))
    jput_time(o, "visible_from", a->ready_at);
  return o;
}

cJSON *sim_state_candidate(const struct sim *s, const struct sim_candidate *c)
{
  cJSON *o = cJSON_CreateObject();
  jput_id(o, "id", c->id);
  jput_str(o, "first_name", c->first);
  jput_str(o, "last_name", c->last);
  cJSON_AddItemToObject(o, "emails", contacts(c->emails, c->nemails));
  cJSON_AddItemToObject(o, "phones", contacts(c->phones, c->nphones));
  if (c->nfields) {
    cJSON *cf = cJSON_AddObjectToObject(o, "custom_fields");
    for (size_t i = 0; i < c->nfields; i++)
      cJSON_AddStringToObject(cf, c->fields[i].key,
                              c->fields[i].value ? c->fields[i].value : "");
  }
  jput_str(o, "created_by", c->created_by[0] ? c->created_by : NULL);
  jput_time(o, "created_at", c->created);
  if (c->merged_into)
    jput_id(o, "merged_into", c->merged_into);
  if (c->ready_at > sim_now(s))
    jput_time(o, "visible_from", c->ready_at);
  cJSON *apps = cJSON_AddArrayToObject(o, "applications");
  for (size_t i = 0; i < c->apps.n; i++)
    cJSON_AddItemToArray(apps, app_json(s, c->apps.v[i]));
  return o;
}

cJSON *sim_state_json(const struct sim *s)
{
  const struct sim_model *m = &s->model;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "ats", s->p->name);
  cJSON_AddStringToObject(o, "organization", m->org_name);
  jput_time(o, "now", sim_now(s));
  cJSON *users = cJSON_AddArrayToObject(o, "users");
  for (size_t i = 0; i < m->users.n; i++) {
    const struct sim_user *u = m->users.v[i];
    cJSON *e = cJSON_CreateObject();
    jput_id(e, "id", u->id);
    jput_str(e, "first_name", u->first);
    jput_str(e, "last_name", u->last);
    jput_str(e, "email", u->email);
    jput_bool(e, "site_admin", u->site_admin);
    jput_bool(e, "disabled", u->disabled);
    cJSON_AddItemToArray(users, e);
  }
  cJSON *jobs = cJSON_AddArrayToObject(o, "jobs");
  for (size_t i = 0; i < m->jobs.n; i++) {
    const struct sim_job *j = m->jobs.v[i];
    cJSON *e = cJSON_CreateObject();
    jput_id(e, "id", j->id);
    cJSON_AddStringToObject(e, "name", j->name);
    cJSON_AddStringToObject(e, "status", j->deleted
                                             ? "deleted"
                                             : sim_job_status_name(j->status));
    cJSON *stages = cJSON_AddArrayToObject(e, "stages");
    for (size_t k = 0; k < m->stages.n; k++) {
      const struct sim_stage *st = m->stages.v[k];
      if (st->job_id != j->id)
        continue;
      cJSON *se = cJSON_CreateObject();
      jput_id(se, "id", st->id);
      cJSON_AddStringToObject(se, "name", st->name);
      jput_bool(se, "active", st->active);
      cJSON_AddItemToArray(stages, se);
    }
    cJSON_AddItemToArray(jobs, e);
  }
  cJSON *cands = cJSON_AddArrayToObject(o, "candidates");
  for (size_t i = 0; i < m->candidates.n; i++) {
    const struct sim_candidate *c = m->candidates.v[i];
    if (!c->deleted)
      cJSON_AddItemToArray(cands, sim_state_candidate(s, c));
  }
  cJSON *counts = cJSON_AddObjectToObject(o, "counts");
  jput_int(counts, "candidates", (long)model_cand_count(m));
  jput_int(counts, "applications", (long)m->apps.n);
  jput_int(counts, "requests", (long)(s->journal.next - 1));
  return o;
}

/* ---- journal ---------------------------------------------------------------- */

size_t sim_journal_read(const struct sim *s, uint64_t after,
                        struct sim_journal_entry *out, size_t max)
{
  const struct sim_journal *j = &s->journal;
  uint64_t first = j->next > j->cap ? j->next - j->cap : 1;
  if (after + 1 > first)
    first = after + 1;
  size_t n = 0;
  for (uint64_t k = first; k < j->next && n < max; k++)
    out[n++] = j->ring[(k - 1) % j->cap];
  return n;
}

uint64_t sim_journal_last(const struct sim *s) { return s->journal.next - 1; }

static cJSON *entry_json(const struct sim_journal_entry *e)
{
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "n", (long)e->n);
  jput_time(o, "time", e->t);
  jput_time(o, "sent", e->sent);
  cJSON_AddStringToObject(o, "method", e->method);
  cJSON_AddStringToObject(o, "target", e->target);
  jput_str(o, "route", e->route[0] ? e->route : NULL);
  if (e->status)
    jput_int(o, "status", e->status);
  else
    cJSON_AddNullToObject(o, "status");
  jput_str(o, "credential", e->credential[0] ? e->credential : NULL);
  if (e->fault) {
    jput_int(o, "fault", e->fault);
    cJSON_AddStringToObject(o, "fault_kind", e->fault_kind);
  } else {
    cJSON_AddNullToObject(o, "fault");
  }
  if (e->note[0])
    cJSON_AddStringToObject(o, "note", e->note);
  return o;
}

cJSON *sim_journal_json(const struct sim *s, uint64_t after, size_t max)
{
  cJSON *a = cJSON_CreateArray();
  struct sim_journal_entry buf[64];
  size_t got;
  while (max > 0 &&
         (got = sim_journal_read(s, after, buf, max < 64 ? max : 64)) > 0) {
    for (size_t i = 0; i < got; i++)
      cJSON_AddItemToArray(a, entry_json(&buf[i]));
    after = buf[got - 1].n;
    max -= got;
  }
  return a;
}

size_t sim_journal_count(const struct sim *s, const char *route, int status)
{
  const struct sim_journal *j = &s->journal;
  size_t n = 0;
  uint64_t first = j->next > j->cap ? j->next - j->cap : 1;
  for (uint64_t k = first; k < j->next; k++) {
    const struct sim_journal_entry *e = &j->ring[(k - 1) % j->cap];
    if (status && e->status != status)
      continue;
    if (route && !sim_journal_match(e, route))
      continue;
    n++;
  }
  return n;
}

bool sim_journal_match(const struct sim_journal_entry *e, const char *pattern)
{
  if (pattern == NULL)
    return true;
  if (strchr(pattern, '?')) {
    /* a pattern with a query matches the target as received, query and
     * all: "GET /v3/candidates?email=*" tells a search from a poll */
    const char *p = pattern;
    size_t ml = strcspn(p, " ");
    if (p[ml] == ' ' && ml > 0 && ml < 8) {
      if (strlen(e->method) != ml || strncmp(e->method, p, ml) != 0)
        return false;
      p += ml + 1;
    }
    return fnmatch(p, e->target, 0) == 0;
  }
  char path[sizeof e->target];
  snprintf(path, sizeof path, "%s", e->target);
  path[strcspn(path, "?")] = '\0';
  return route_match(pattern, e->method, path, e->route[0] ? e->route : NULL);
}

uint64_t sim_generation(const struct sim *s) { return s->gen; }
