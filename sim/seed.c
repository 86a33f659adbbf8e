/* seed.c — the tenant a fresh instance starts with: a realistic default
 * organization, an empty one (one admin), or a JSON data file (--data).
 * The file format is documented in docs/sim.md. */
#include "sim_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void std_lists(struct sim_model *m)
{
  static const struct { int64_t id; const char *name; } sources[] = {
      {2, "Jobs page on your website"}, {3, "LinkedIn"}, {7, "Referral"},
      {11, "Agency"}, {15, "Other"}, {19, "Sourced by atsync"}};
  for (size_t i = 0; i < sizeof sources / sizeof *sources; i++)
    model_source_add(m, sources[i].id, sources[i].name);
  static const struct { int64_t id; const char *name, *type; } reasons[] = {
      {101, "Lacking skill(s)/qualification(s)", "we_rejected_them"},
      {102, "Hired another candidate", "we_rejected_them"},
      {103, "Took another job", "they_rejected_us"},
      {104, "Other", "we_rejected_them"}};
  for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
    model_reason_add(m, reasons[i].id, reasons[i].name, reasons[i].type);
}

int seed_empty(struct sim *s)
{
  struct sim_model *m = &s->model;
  int64_t now = sim_now(s);
  std_lists(m);
  model_user_add(m, 4000001, "Avery", "Admin", "avery.admin@acme.example",
                 true, now);
  return 0;
}

static const char *const pipeline[] = {
    "Application Review", "Recruiter Phone Screen", "Hiring Manager Screen",
    "Take Home Test", "Face to Face", "Reference Check", "Offer", NULL};

int seed_default(struct sim *s)
{
  struct sim_model *m = &s->model;
  int64_t now = sim_now(s);
  seed_empty(s);
  model_user_add(m, 4000002, "Riley", "Recruiter", "riley.recruiter@acme.example",
                 false, now);
  model_user_add(m, 4000003, "Harper", "Hiring", "harper.hiring@acme.example",
                 false, now);
  struct sim_user *gone = model_user_add(m, 4000004, "Morgan", "Former",
                                         "morgan.former@acme.example", false, now);
  gone->disabled = true;
  static const struct {
    int64_t id;
    const char *name, *dept, *office;
    enum sim_job_status st;
  } jobs[] = {
      {4100001, "Backend Engineer", "Engineering", "Remote", SIM_JOB_OPEN},
      {4100002, "Product Designer", "Design", "Berlin", SIM_JOB_OPEN},
      {4100003, "Data Analyst", "Analytics", "New York", SIM_JOB_OPEN},
      {4100004, "Account Executive", "Sales", "London", SIM_JOB_CLOSED},
      {4100005, "Staff Site Reliability Engineer", "Engineering", "Remote",
       SIM_JOB_DRAFT}};
  for (size_t i = 0; i < sizeof jobs / sizeof *jobs; i++) {
    struct sim_job *j = model_job_add(m, jobs[i].id, jobs[i].name, jobs[i].st, now);
    j->department = xstrdup(jobs[i].dept);
    j->office = xstrdup(jobs[i].office);
    for (const char *const *p = pipeline; *p; p++)
      model_stage_add(m, j, 0, *p, now);
  }
  static const struct {
    const char *first, *last, *email, *phone;
    int64_t job;
    int stage;
  } people[] = {
      {"Grace", "Hopper", "grace.hopper@example.com", "+14155550101", 4100001, 2},
      {"Alan", "Turing", "alan.turing@example.org", "+442079460000", 4100001, 0},
      {"Katherine", "Johnson", "kjohnson@example.net", "+17575550123", 4100003, 4},
      {"Edsger", "Dijkstra", "e.dijkstra@example.nl", NULL, 4100002, 1},
      {"Margaret", "Hamilton", "Margaret.Hamilton@Example.com", "+16175550199",
       4100001, 0},
      {"Linus", "Pauling", "linus@example.com", NULL, 4100004, 5}};
  for (size_t i = 0; i < sizeof people / sizeof *people; i++) {
    struct sim_candidate *c =
        model_cand_add(m, 0, people[i].first, people[i].last, now);
    model_cand_add_email(c, people[i].email, "personal");
    if (people[i].phone)
      model_cand_add_phone(c, people[i].phone, "mobile");
    struct sim_stage *st[16];
    size_t n = model_job_stages(m, people[i].job, st, 16);
    struct sim_app *a = model_app_add(m, c, people[i].job,
                                      st[(size_t)people[i].stage % n]->id, now);
    a->source_id = i % 2 ? 3 : 7;
  }
  return 0;
}

/* ---- data files ----------------------------------------------------------- */

#define BAD(...)                                                               \
  do {                                                                         \
    snprintf(err, errlen, __VA_ARGS__);                                        \
    return -1;                                                                 \
  } while (0)

static int load_users(struct sim *s, const cJSON *users, char *err,
                      size_t errlen)
{
  const cJSON *u;
  int i = 0;
  cJSON_ArrayForEach(u, users)
  {
    int64_t id = 0;
    const char *f = jget_str(u, "first_name"), *l = jget_str(u, "last_name");
    if (!cJSON_IsObject(u) || f == NULL || l == NULL)
      BAD("users[%d]: needs first_name and last_name", i);
    if (jget_id(u, "id", &id) < 0)
      BAD("users[%d].id: must be an integer", i);
    if (id && model_user(&s->model, id))
      BAD("users[%d].id: %lld is used twice", i, (long long)id);
    struct sim_user *usr =
        model_user_add(&s->model, id, f, l, jget_str(u, "email"),
                       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "site_admin")),
                       sim_now(s));
    usr->disabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u, "disabled"));
    i++;
  }
  return 0;
}

static int load_jobs(struct sim *s, const cJSON *jobs, char *err, size_t errlen)
{
  const cJSON *j;
  int i = 0;
  int64_t now = sim_now(s);
  cJSON_ArrayForEach(j, jobs)
  {
    int64_t id = 0;
    const char *name = jget_str(j, "name");
    if (!cJSON_IsObject(j) || name == NULL)
      BAD("jobs[%d]: needs a name", i);
    if (jget_id(j, "id", &id) < 0)
      BAD("jobs[%d].id: must be an integer", i);
    if (id && model_job(&s->model, id))
      BAD("jobs[%d].id: %lld is used twice", i, (long long)id);
    enum sim_job_status st = SIM_JOB_OPEN;
    const char *sv = jget_str(j, "status");
    if (sv && sim_job_status_parse(sv, &st) != 0)
      BAD("jobs[%d].status: '%s' must be open, closed or draft", i, sv);
    struct sim_job *job = model_job_add(&s->model, id, name, st, now);
    sim_setstr(&job->department, jget_str(j, "department"));
    sim_setstr(&job->office, jget_str(j, "office"));
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(j, "stages");
    const cJSON *st_item;
    int k = 0;
    if (stages == NULL) {
      for (const char *const *p = pipeline; *p; p++)
        model_stage_add(&s->model, job, 0, *p, now);
    }
    cJSON_ArrayForEach(st_item, stages)
    {
      int64_t sid = 0;
      const char *sn = cJSON_IsString(st_item) ? st_item->valuestring
                                               : jget_str(st_item, "name");
      if (sn == NULL)
        BAD("jobs[%d].stages[%d]: must be a name or {\"id\", \"name\"}", i, k);
      if (cJSON_IsObject(st_item) && jget_id(st_item, "id", &sid) < 0)
        BAD("jobs[%d].stages[%d].id: must be an integer", i, k);
      if (sid && model_stage(&s->model, sid))
        BAD("jobs[%d].stages[%d].id: %lld is used twice", i, k, (long long)sid);
      model_stage_add(&s->model, job, sid, sn, now);
      k++;
    }
    i++;
  }
  return 0;
}

static struct sim_stage *stage_named(struct sim_model *m, int64_t job,
                                     const char *name)
{
  struct sim_stage *st[128];
  size_t n = model_job_stages(m, job, st, 128);
  for (size_t i = 0; i < n; i++)
    if (strcmp(st[i]->name, name) == 0)
      return st[i];
  return NULL;
}

static int load_apps(struct sim *s, struct sim_candidate *c, const cJSON *apps,
                     int ci, char *err, size_t errlen)
{
  const cJSON *a;
  int k = 0;
  cJSON_ArrayForEach(a, apps)
  {
    int64_t job;
    if (jget_id(a, "job_id", &job) != 0)
      BAD("candidates[%d].applications[%d]: needs job_id", ci, k);
    struct sim_job *j = model_job(&s->model, job);
    if (j == NULL)
      BAD("candidates[%d].applications[%d].job_id: no job %lld", ci, k,
          (long long)job);
    const char *sn = jget_str(a, "stage");
    struct sim_stage *st = sn ? stage_named(&s->model, job, sn)
                              : model_first_stage(&s->model, job);
    if (st == NULL)
      BAD("candidates[%d].applications[%d].stage: job %lld has no stage "
          "'%s'", ci, k, (long long)job, sn ? sn : "(first)");
    struct sim_app *ap = model_app_add(&s->model, c, job, st->id, sim_now(s));
    const char *status = jget_str(a, "status");
    char e[128];
    if (status && strcmp(status, "rejected") == 0)
      model_app_reject(&s->model, ap, 0, NULL, sim_now(s), e, sizeof e);
    else if (status && strcmp(status, "hired") == 0)
      model_app_hire(&s->model, ap, NULL, sim_now(s), e, sizeof e);
    else if (status && strcmp(status, "active") != 0)
      BAD("candidates[%d].applications[%d].status: '%s' must be active, "
          "rejected or hired", ci, k, status);
    k++;
  }
  return 0;
}

static int load_cands(struct sim *s, const cJSON *cands, char *err,
                      size_t errlen)
{
  const cJSON *c;
  int i = 0;
  cJSON_ArrayForEach(c, cands)
  {
    int64_t id = 0;
    const char *f = jget_str(c, "first_name"), *l = jget_str(c, "last_name");
    if (!cJSON_IsObject(c) || f == NULL || l == NULL)
      BAD("candidates[%d]: needs first_name and last_name", i);
    if (jget_id(c, "id", &id) < 0)
      BAD("candidates[%d].id: must be an integer", i);
    if (id && model_cand(&s->model, id))
      BAD("candidates[%d].id: %lld is used twice", i, (long long)id);
    struct sim_candidate *cd = model_cand_add(&s->model, id, f, l, sim_now(s));
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "emails"))
    {
      if (!cJSON_IsString(e))
        BAD("candidates[%d].emails: must be strings", i);
      model_cand_add_email(cd, e->valuestring, "personal");
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "phones"))
    {
      if (!cJSON_IsString(e))
        BAD("candidates[%d].phones: must be strings", i);
      model_cand_add_phone(cd, e->valuestring, "mobile");
    }
    if (load_apps(s, cd, cJSON_GetObjectItemCaseSensitive(c, "applications"),
                  i, err, errlen) != 0)
      return -1;
    i++;
  }
  return 0;
}

int seed_load_json(struct sim *s, const cJSON *root, char *err, size_t errlen)
{
  if (!cJSON_IsObject(root))
    BAD("the data must be a JSON object with users, jobs and candidates");
  static const char *const known[] = {"organization", "users", "jobs",
                                      "candidates", NULL};
  const cJSON *it;
  cJSON_ArrayForEach(it, root)
  {
    bool ok = false;
    for (const char *const *k = known; *k; k++)
      ok |= strcmp(*k, it->string) == 0;
    if (!ok)
      BAD("unknown member '%s' (expected organization, users, jobs, "
          "candidates)", it->string);
    if (strcmp(it->string, "organization") && !cJSON_IsArray(it))
      BAD("'%s' must be an array", it->string);
  }
  const char *org = jget_str(root, "organization");
  if (org)
    snprintf(s->model.org_name, sizeof s->model.org_name, "%s", org);
  std_lists(&s->model);
  if (load_users(s, cJSON_GetObjectItemCaseSensitive(root, "users"), err, errlen) ||
      load_jobs(s, cJSON_GetObjectItemCaseSensitive(root, "jobs"), err, errlen) ||
      load_cands(s, cJSON_GetObjectItemCaseSensitive(root, "candidates"), err,
                 errlen))
    return -1;
  if (s->model.users.n == 0)
    BAD("the data needs at least one user (writes act on behalf of one)");
  return 0;
}

int seed_load_file(struct sim *s, const char *path, char *err, size_t errlen)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    BAD("%s: %s", path, strerror(errno));
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap ? cap * 2 : 8192;
      if (cap > ((size_t)64 << 20)) {
        free(buf);
        fclose(f);
        BAD("%s: larger than 64 MiB", path);
      }
      char *nb = realloc(buf, cap);
      if (nb == NULL)
        abort();
      buf = nb;
    }
    size_t got = fread(buf + len, 1, 4096, f);
    len += got;
    if (got < 4096)
      break;
  }
  fclose(f);
  buf[len] = '\0';
  char why[96];
  cJSON *root = jparse(buf, len, why, sizeof why);
  free(buf);
  if (root == NULL)
    BAD("%s: %s", path, why);
  char inner[200];
  int rc = seed_load_json(s, root, inner, sizeof inner);
  cJSON_Delete(root);
  if (rc != 0)
    BAD("%s: %s", path, inner);
  return 0;
}
