/* model.c — the tenant's data: users, jobs with their stages, candidates
 * with their applications, sources and rejection reasons, and the state
 * changes an ATS allows on them. ATS-neutral: a personality renders it. */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const job_status_names[] = {"open", "closed", "draft"};
static const char *const app_status_names[] = {"active", "rejected", "hired"};

const char *sim_job_status_name(enum sim_job_status s)
{
  return job_status_names[s];
}

int sim_job_status_parse(const char *s, enum sim_job_status *out)
{
  for (int i = 0; i < 3; i++) {
    if (strcmp(s, job_status_names[i]) == 0) {
      *out = (enum sim_job_status)i;
      return 0;
    }
  }
  return -1;
}

const char *sim_app_status_name(enum sim_app_status s)
{
  return app_status_names[s];
}

void model_init(struct sim_model *m)
{
  memset(m, 0, sizeof *m);
  m->next_user = 4000001;
  m->next_job = 4100001;
  m->next_stage = 5000001;
  m->next_cand = 30000001;
  m->next_app = 60000001;
  snprintf(m->org_name, sizeof m->org_name, "Acme Robotics");
}

static void cand_free(struct sim_candidate *c)
{
  free(c->first);
  free(c->last);
  free(c->company);
  free(c->title);
  for (size_t i = 0; i < c->nemails; i++) {
    free(c->emails[i].value);
    free(c->emails[i].type);
  }
  for (size_t i = 0; i < c->nphones; i++) {
    free(c->phones[i].value);
    free(c->phones[i].type);
  }
  for (size_t i = 0; i < c->nfields; i++) {
    free(c->fields[i].key);
    free(c->fields[i].value);
  }
  free(c->emails);
  free(c->phones);
  free(c->fields);
  strv_clear(&c->tags);
  vec_free(&c->apps);
  free(c);
}

void model_free(struct sim_model *m)
{
  for (size_t i = 0; i < m->users.n; i++) {
    struct sim_user *u = m->users.v[i];
    free(u->first);
    free(u->last);
    free(u->email);
    free(u);
  }
  for (size_t i = 0; i < m->jobs.n; i++) {
    struct sim_job *j = m->jobs.v[i];
    free(j->name);
    free(j->requisition_id);
    free(j->department);
    free(j->office);
    free(j);
  }
  for (size_t i = 0; i < m->stages.n; i++) {
    struct sim_stage *s = m->stages.v[i];
    free(s->name);
    free(s);
  }
  for (size_t i = 0; i < m->candidates.n; i++)
    cand_free(m->candidates.v[i]);
  for (size_t i = 0; i < m->apps.n; i++) {
    struct sim_app *a = m->apps.v[i];
    free(a->rejection_notes);
    free(a->start_date);
    free(a);
  }
  for (size_t i = 0; i < m->sources.n; i++) {
    struct sim_source *s = m->sources.v[i];
    free(s->name);
    free(s);
  }
  for (size_t i = 0; i < m->reasons.n; i++) {
    struct sim_reason *r = m->reasons.v[i];
    free(r->name);
    free(r->type);
    free(r);
  }
  vec_free(&m->users);
  vec_free(&m->jobs);
  vec_free(&m->stages);
  vec_free(&m->candidates);
  vec_free(&m->apps);
  vec_free(&m->sources);
  vec_free(&m->reasons);
  idmap_free(&m->cand_ix);
  idmap_free(&m->app_ix);
}

/* Take an explicit id or the next automatic one; keep automatic ids above
 * every explicit one. */
static int64_t take_id(int64_t want, int64_t *next)
{
  if (want <= 0)
    return (*next)++;
  if (want >= *next)
    *next = want + 1;
  return want;
}

/* ---- users, jobs, stages ---------------------------------------------------- */

struct sim_user *model_user_add(struct sim_model *m, int64_t id,
                                const char *first, const char *last,
                                const char *email, bool admin, int64_t now)
{
  struct sim_user *u = xcalloc(1, sizeof *u);
  u->id = take_id(id, &m->next_user);
  u->first = xstrdup(first);
  u->last = xstrdup(last);
  u->email = xstrdup(email);
  u->site_admin = admin;
  u->created = u->updated = now;
  vec_push(&m->users, u);
  return u;
}

struct sim_user *model_user(const struct sim_model *m, int64_t id)
{
  for (size_t i = 0; i < m->users.n; i++) {
    struct sim_user *u = m->users.v[i];
    if (u->id == id)
      return u;
  }
  return NULL;
}

struct sim_job *model_job_add(struct sim_model *m, int64_t id,
                              const char *name, enum sim_job_status st,
                              int64_t now)
{
  struct sim_job *j = xcalloc(1, sizeof *j);
  j->id = take_id(id, &m->next_job);
  j->name = xstrdup(name);
  j->status = st;
  j->created = j->updated = now;
  if (st != SIM_JOB_DRAFT)
    j->opened = now;
  if (st == SIM_JOB_CLOSED)
    j->closed = now;
  char req[32];
  snprintf(req, sizeof req, "REQ-%lld", (long long)(j->id % 100000));
  j->requisition_id = xstrdup(req);
  vec_push(&m->jobs, j);
  return j;
}

struct sim_job *model_job(const struct sim_model *m, int64_t id)
{
  for (size_t i = 0; i < m->jobs.n; i++) {
    struct sim_job *j = m->jobs.v[i];
    if (j->id == id)
      return j;
  }
  return NULL;
}

struct sim_stage *model_stage_add(struct sim_model *m, struct sim_job *j,
                                  int64_t id, const char *name, int64_t now)
{
  struct sim_stage *s = xcalloc(1, sizeof *s);
  s->id = take_id(id, &m->next_stage);
  s->job_id = j->id;
  s->name = xstrdup(name);
  s->active = true;
  s->created = s->updated = now;
  int prio = 0;
  for (size_t i = 0; i < m->stages.n; i++) {
    struct sim_stage *o = m->stages.v[i];
    if (o->job_id == j->id && o->priority >= prio)
      prio = o->priority + 1;
  }
  s->priority = prio;
  vec_push(&m->stages, s);
  return s;
}

struct sim_stage *model_stage(const struct sim_model *m, int64_t id)
{
  for (size_t i = 0; i < m->stages.n; i++) {
    struct sim_stage *s = m->stages.v[i];
    if (s->id == id)
      return s;
  }
  return NULL;
}

static size_t collect_stages(const struct sim_model *m, int64_t job_id,
                             struct sim_stage **out, size_t max, bool removed)
{
  size_t n = 0;
  for (size_t i = 0; i < m->stages.n && n < max; i++) {
    struct sim_stage *s = m->stages.v[i];
    if (s->job_id != job_id || (!s->active && !removed))
      continue;
    /* insertion by priority keeps the pipeline order */
    size_t k = n++;
    while (k > 0 && out[k - 1]->priority > s->priority) {
      out[k] = out[k - 1];
      k--;
    }
    out[k] = s;
  }
  return n;
}

size_t model_job_stages(const struct sim_model *m, int64_t job_id,
                        struct sim_stage **out, size_t max)
{
  return collect_stages(m, job_id, out, max, false);
}

size_t model_job_stages_all(const struct sim_model *m, int64_t job_id,
                            struct sim_stage **out, size_t max)
{
  return collect_stages(m, job_id, out, max, true);
}

struct sim_stage *model_first_stage(const struct sim_model *m, int64_t job_id)
{
  struct sim_stage *all[128];
  return model_job_stages(m, job_id, all, 128) ? all[0] : NULL;
}

/* ---- candidates and applications ------------------------------------------- */

struct sim_candidate *model_cand_add(struct sim_model *m, int64_t id,
                                     const char *first, const char *last,
                                     int64_t now)
{
  struct sim_candidate *c = xcalloc(1, sizeof *c);
  c->id = take_id(id, &m->next_cand);
  c->first = xstrdup(first);
  c->last = xstrdup(last);
  c->created = c->updated = c->last_activity = now;
  vec_push(&m->candidates, c);
  idmap_put(&m->cand_ix, c->id, c);
  return c;
}

static void contact_add(struct sim_contact **v, size_t *n, const char *value,
                        const char *type)
{
  struct sim_contact *nv = realloc(*v, (*n + 1) * sizeof *nv);
  if (nv == NULL)
    abort();
  *v = nv;
  nv[*n].value = xstrdup(value);
  nv[*n].type = xstrdup(type);
  (*n)++;
}

void model_cand_add_email(struct sim_candidate *c, const char *v,
                          const char *type)
{
  contact_add(&c->emails, &c->nemails, v, type ? type : "personal");
}

void model_cand_add_phone(struct sim_candidate *c, const char *v,
                          const char *type)
{
  contact_add(&c->phones, &c->nphones, v, type ? type : "mobile");
}

void model_cand_set_field(struct sim_candidate *c, const char *k,
                          const char *v)
{
  for (size_t i = 0; i < c->nfields; i++) {
    if (strcmp(c->fields[i].key, k) == 0) {
      sim_setstr(&c->fields[i].value, v);
      return;
    }
  }
  struct sim_field *nf = realloc(c->fields, (c->nfields + 1) * sizeof *nf);
  if (nf == NULL)
    abort();
  c->fields = nf;
  nf[c->nfields].key = xstrdup(k);
  nf[c->nfields].value = xstrdup(v);
  c->nfields++;
}

struct sim_candidate *model_cand(const struct sim_model *m, int64_t id)
{
  return idmap_get(&m->cand_ix, id);
}

bool model_cand_has_email(const struct sim_candidate *c, const char *email,
                          bool ci)
{
  for (size_t i = 0; i < c->nemails; i++) {
    const char *v = c->emails[i].value;
    if (ci ? strcasecmp(v, email) == 0 : strcmp(v, email) == 0)
      return true;
  }
  return false;
}

bool model_cand_live(const struct sim_candidate *c)
{
  return c->merged_into == 0 && !c->deleted;
}

size_t model_cand_count(const struct sim_model *m)
{
  size_t n = 0;
  for (size_t i = 0; i < m->candidates.n; i++)
    n += model_cand_live(m->candidates.v[i]);
  return n;
}

void model_cand_touch(struct sim_candidate *c, int64_t now)
{
  c->updated = c->last_activity = now;
}

struct sim_app *model_app_add(struct sim_model *m, struct sim_candidate *c,
                              int64_t job_id, int64_t stage_id, int64_t now)
{
  struct sim_app *a = xcalloc(1, sizeof *a);
  a->id = take_id(0, &m->next_app);
  a->candidate_id = c->id;
  a->job_id = job_id;
  a->stage_id = stage_id;
  a->status = SIM_APP_ACTIVE;
  a->applied = a->last_activity = a->updated = now;
  vec_push(&m->apps, a);
  idmap_put(&m->app_ix, a->id, a);
  vec_push(&c->apps, a);
  model_cand_touch(c, now);
  return a;
}

struct sim_app *model_app(const struct sim_model *m, int64_t id)
{
  return idmap_get(&m->app_ix, id);
}

static void app_touch(struct sim_model *m, struct sim_app *a, int64_t now)
{
  a->last_activity = a->updated = now;
  struct sim_candidate *c = model_cand(m, a->candidate_id);
  if (c)
    model_cand_touch(c, now);
}

static int state_err(char *err, size_t errlen, const char *want,
                     const struct sim_app *a)
{
  snprintf(err, errlen, "Application must be '%s', is currently '%s'", want,
           sim_app_status_name(a->status));
  return -1;
}

int model_app_move(struct sim_model *m, struct sim_app *a, int64_t to_stage,
                   int64_t now, char *err, size_t errlen)
{
  if (a->status != SIM_APP_ACTIVE)
    return state_err(err, errlen, "active", a);
  struct sim_stage *st = model_stage(m, to_stage);
  if (st == NULL || !st->active || st->job_id != a->job_id) {
    snprintf(err, errlen, "Stage %lld does not belong to the job of this "
             "application", (long long)to_stage);
    return -1;
  }
  a->stage_id = to_stage;
  app_touch(m, a, now);
  return 0;
}

int model_app_reject(struct sim_model *m, struct sim_app *a, int64_t reason,
                     const char *notes, int64_t now, char *err, size_t errlen)
{
  if (a->status != SIM_APP_ACTIVE)
    return state_err(err, errlen, "active", a);
  a->status = SIM_APP_REJECTED;
  a->rejected_at = now;
  a->rejection_reason_id = reason;
  sim_setstr(&a->rejection_notes, notes);
  app_touch(m, a, now);
  return 0;
}

int model_app_unreject(struct sim_model *m, struct sim_app *a, int64_t now,
                       char *err, size_t errlen)
{
  if (a->status != SIM_APP_REJECTED)
    return state_err(err, errlen, "rejected", a);
  a->status = SIM_APP_ACTIVE;
  a->rejected_at = 0;
  a->rejection_reason_id = 0;
  sim_setstr(&a->rejection_notes, NULL);
  app_touch(m, a, now);
  return 0;
}

int model_app_hire(struct sim_model *m, struct sim_app *a,
                   const char *start_date, int64_t now, char *err,
                   size_t errlen)
{
  if (a->status != SIM_APP_ACTIVE)
    return state_err(err, errlen, "active", a);
  a->status = SIM_APP_HIRED;
  a->hired_at = now;
  a->stage_id = 0; /* a hired application has no current stage */
  sim_setstr(&a->start_date, start_date);
  app_touch(m, a, now);
  return 0;
}

int model_cand_merge(struct sim_model *m, struct sim_candidate *primary,
                     struct sim_candidate *dup, int64_t now, char *err,
                     size_t errlen)
{
  if (primary == dup) {
    snprintf(err, errlen, "A candidate cannot be merged into itself");
    return -1;
  }
  if (!model_cand_live(primary) || !model_cand_live(dup)) {
    snprintf(err, errlen, "Candidate %lld no longer exists",
             (long long)(model_cand_live(primary) ? dup->id : primary->id));
    return -1;
  }
  for (size_t i = 0; i < dup->apps.n; i++) {
    struct sim_app *a = dup->apps.v[i];
    a->candidate_id = primary->id;
    /* the application changed hands: changes-since reads must see it */
    a->updated = a->last_activity = now;
    vec_push(&primary->apps, a);
  }
  dup->apps.n = 0;
  for (size_t i = 0; i < dup->nemails; i++)
    if (!model_cand_has_email(primary, dup->emails[i].value, true))
      model_cand_add_email(primary, dup->emails[i].value, dup->emails[i].type);
  for (size_t i = 0; i < dup->nphones; i++) {
    bool have = false;
    for (size_t k = 0; k < primary->nphones; k++)
      have |= strcmp(primary->phones[k].value, dup->phones[i].value) == 0;
    if (!have)
      model_cand_add_phone(primary, dup->phones[i].value, dup->phones[i].type);
  }
  dup->merged_into = primary->id;
  dup->updated = now;
  model_cand_touch(primary, now);
  (void)m;
  return 0;
}

/* ---- sources and rejection reasons ------------------------------------------- */

void model_source_add(struct sim_model *m, int64_t id, const char *name)
{
  struct sim_source *s = xcalloc(1, sizeof *s);
  s->id = id;
  s->name = xstrdup(name);
  vec_push(&m->sources, s);
}

void model_reason_add(struct sim_model *m, int64_t id, const char *name,
                      const char *type)
{
  struct sim_reason *r = xcalloc(1, sizeof *r);
  r->id = id;
  r->name = xstrdup(name);
  r->type = xstrdup(type);
  vec_push(&m->reasons, r);
}

struct sim_source *model_source(const struct sim_model *m, int64_t id)
{
  for (size_t i = 0; i < m->sources.n; i++) {
    struct sim_source *s = m->sources.v[i];
    if (s->id == id)
      return s;
  }
  return NULL;
}

struct sim_reason *model_reason(const struct sim_model *m, int64_t id)
{
  for (size_t i = 0; i < m->reasons.n; i++) {
    struct sim_reason *r = m->reasons.v[i];
    if (r->id == id)
      return r;
  }
  return NULL;
}
