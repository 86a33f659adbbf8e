/* actions.c — admin actions: state changes an ATS admin (or the ATS
 * itself) makes, which stay until another action undoes them. Parameters
 * are key=value strings; every bad one gets a message naming it. */
#include "sim_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct act {
  struct sim *s;
  const struct sim_kv *kv;
  size_t n;
  const char *name;
  char *err;
  size_t errlen;
  cJSON *out;
};

static const char *param(const struct act *a, const char *k)
{
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->kv[i].key, k) == 0)
      return a->kv[i].value ? a->kv[i].value : "";
  return NULL;
}

static int fail(struct act *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct act *a, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int o = snprintf(a->err, a->errlen, "action %s: ", a->name);
  if (o > 0 && (size_t)o < a->errlen)
    vsnprintf(a->err + o, a->errlen - (size_t)o, fmt, ap);
  va_end(ap);
  return -1;
}

/* Is 'k' a word of the space-separated list 'words'? */
static bool in_words(const char *words, const char *k)
{
  size_t kl = strlen(k);
  for (const char *p = words; *p;) {
    size_t l = strcspn(p, " ");
    if (l == kl && strncmp(p, k, l) == 0)
      return true;
    p += l;
    p += strspn(p, " ");
  }
  return false;
}

/* Only the parameters in 'allowed' (space separated) are accepted. */
static int only(struct act *a, const char *allowed)
{
  for (size_t i = 0; i < a->n; i++) {
    if (!in_words(allowed, a->kv[i].key)) {
      char list[256] = "";
      for (const char *p = allowed; *p;) {
        size_t l = strcspn(p, " ");
        size_t o = strlen(list);
        snprintf(list + o, sizeof list - o, "%s%.*s", o ? ", " : "", (int)l,
                 p);
        p += l;
        p += strspn(p, " ");
      }
      return fail(a, "has no parameter '%s' (it takes: %s)", a->kv[i].key,
                  *allowed ? list : "none");
    }
  }
  return 0;
}

static int need_id(struct act *a, const char *k, int64_t *out)
{
  const char *v = param(a, k);
  if (v == NULL)
    return fail(a, "needs '%s' (an id)", k);
  if (parse_id(v, out) != 0)
    return fail(a, "'%s=%s' is not an id", k, v);
  return 0;
}

static int opt_id(struct act *a, const char *k, int64_t *out)
{
  *out = 0;
  const char *v = param(a, k);
  if (v == NULL)
    return 0;
  if (parse_id(v, out) != 0)
    return fail(a, "'%s=%s' is not an id", k, v);
  return 0;
}

static struct sim_user *find_user(struct act *a)
{
  int64_t id;
  if (need_id(a, "user", &id) != 0)
    return NULL;
  struct sim_user *u = model_user(&a->s->model, id);
  if (u == NULL)
    fail(a, "there is no user %lld", (long long)id);
  return u;
}

static struct sim_job *find_job(struct act *a, bool allow_deleted)
{
  int64_t id;
  if (need_id(a, "job", &id) != 0)
    return NULL;
  struct sim_job *j = model_job(&a->s->model, id);
  if (j == NULL || (j->deleted && !allow_deleted))
    fail(a, "there is no job %lld", (long long)id);
  return j && (!j->deleted || allow_deleted) ? j : NULL;
}

static struct sim_stage *find_stage(struct act *a)
{
  int64_t id;
  if (need_id(a, "stage", &id) != 0)
    return NULL;
  struct sim_stage *st = model_stage(&a->s->model, id);
  if (st == NULL || !st->active)
    fail(a, "there is no stage %lld", (long long)id);
  return st && st->active ? st : NULL;
}

static struct sim_app *find_app(struct act *a)
{
  int64_t id;
  if (need_id(a, "application", &id) != 0)
    return NULL;
  struct sim_app *ap = model_app(&a->s->model, id);
  if (ap == NULL)
    fail(a, "there is no application %lld", (long long)id);
  return ap;
}

static struct sim_candidate *find_cand(struct act *a, const char *k)
{
  int64_t id;
  if (need_id(a, k, &id) != 0)
    return NULL;
  struct sim_candidate *c = model_cand(&a->s->model, id);
  if (c == NULL || !model_cand_live(c)) {
    fail(a, "there is no candidate %lld", (long long)id);
    return NULL;
  }
  return c;
}

/* ---- credentials ------------------------------------------------------------ */

static int act_expire_tokens(struct act *a)
{
  const char *cred = param(a, "credential");
  int64_t now = sim_now(a->s);
  long n = 0;
  for (size_t i = 0; i < a->s->creds.tokens.n; i++) {
    struct sim_token *t = a->s->creds.tokens.v[i];
    if ((cred && strcmp(cred, t->client)) || t->expires <= now)
      continue;
    t->expires = now;
    n++;
  }
  jput_int(a->out, "expired", n);
  return 0;
}

static int act_revoke_refresh(struct act *a)
{
  const char *cred = param(a, "credential");
  int64_t gid = 0;
  if (opt_id(a, "grant", &gid))
    return -1;
  struct sim_creds *cr = &a->s->creds;
  bool cascade = sim_flag(a->s, "revoke_cascade");
  long n = 0;
  for (size_t i = 0; i < cr->grants.n; i++) {
    struct sim_grant *g = cr->grants.v[i];
    if (g->client_credentials || g->revoked ||
        (cred && strcmp(cred, g->client)) || (gid && g->id != gid))
      continue;
    g->revoked = true;
    if (cascade)
      creds_revoke_grant_tokens(cr, g->id);
    n++;
  }
  if (n == 0)
    return fail(a, "no live refresh token matches");
  jput_int(a->out, "revoked", n);
  jput_bool(a->out, "access_tokens_revoked", cascade);
  return 0;
}

static int act_revoke_api_key(struct act *a)
{
  const char *id = param(a, "credential") ? param(a, "credential")
                                          : param(a, "key");
  if (id == NULL)
    return fail(a, "needs 'credential' (an API key id such as key-1)");
  struct sim_apikey *k = creds_key(&a->s->creds, id);
  if (k == NULL)
    return fail(a, "there is no API key '%s' (OAuth clients are revoked "
                "with DELETE /_sim/credentials/{id})", id);
  k->revoked = true;
  return 0;
}

static int act_permission(struct act *a, bool grant)
{
  const char *id = param(a, "credential"), *perm = param(a, "permission");
  if (id == NULL || perm == NULL)
    return fail(a, "needs 'credential' (key-N) and 'permission' (e.g. "
                "\"POST /v1/candidates\")");
  struct sim_apikey *k = creds_key(&a->s->creds, id);
  if (k == NULL)
    return fail(a, "there is no API key '%s'", id);
  bool known = false;
  for (const char *const *p = a->s->p->permissions; p && *p; p++)
    known |= strcmp(*p, perm) == 0;
  if (!known)
    return fail(a, "'%s' is not a %s permission (see docs/faults.md)", perm,
                a->s->p->display);
  if (k->all && !grant) { /* make the implicit list explicit */
    for (const char *const *p = a->s->p->permissions; *p; p++)
      strv_add(&k->perms, *p);
    k->all = false;
  }
  if (grant) {
    if (!k->all && !strv_has(&k->perms, perm))
      strv_add(&k->perms, perm);
  } else if (!strv_remove(&k->perms, perm)) {
    return fail(a, "key '%s' does not have permission '%s'", id, perm);
  }
  return 0;
}

static int act_scope(struct act *a, bool grant)
{
  const char *id = param(a, "credential"), *scope = param(a, "scope");
  if (id == NULL || scope == NULL)
    return fail(a, "needs 'credential' (client-N) and 'scope' (e.g. "
                "harvest:candidates:create)");
  struct sim_client *c = creds_client(&a->s->creds, id);
  if (c == NULL)
    return fail(a, "there is no OAuth client '%s'", id);
  if (grant) {
    if (!strv_has(&c->scopes, scope))
      strv_add(&c->scopes, scope);
  } else if (!strv_remove(&c->scopes, scope)) {
    return fail(a, "client '%s' does not have scope '%s'", id, scope);
  } else if (sim_flag(a->s, "regrant_requires_reauth")) {
    /* the authorizations shrink for good: granting the scope back to the
     * client does not restore it on refresh */
    for (size_t i = 0; i < a->s->creds.grants.n; i++) {
      struct sim_grant *g = a->s->creds.grants.v[i];
      if (!g->client_credentials && strcmp(g->client, c->id) == 0)
        strv_remove(&g->scopes, scope);
    }
  }
  return 0;
}

/* ---- users, jobs, stages -------------------------------------------------------- */

static int act_user_active(struct act *a, bool active)
{
  struct sim_user *u = find_user(a);
  if (u == NULL)
    return -1;
  u->disabled = !active;
  u->updated = sim_now(a->s);
  return 0;
}

static int act_job_status(struct act *a, enum sim_job_status st)
{
  struct sim_job *j = find_job(a, false);
  if (j == NULL)
    return -1;
  int64_t now = sim_now(a->s);
  j->status = st;
  j->updated = now;
  if (st == SIM_JOB_CLOSED)
    j->closed = now;
  else {
    j->closed = 0;
    if (j->opened == 0)
      j->opened = now;
  }
  return 0;
}

static int act_delete_job(struct act *a)
{
  struct sim_job *j = find_job(a, false);
  if (j == NULL)
    return -1;
  j->deleted = true;
  j->updated = sim_now(a->s);
  return 0;
}

static int act_rename_stage(struct act *a)
{
  struct sim_stage *st = find_stage(a);
  if (st == NULL)
    return -1;
  const char *name = param(a, "name");
  if (name == NULL || *name == '\0')
    return fail(a, "needs 'name' (the new stage name)");
  sim_setstr(&st->name, name);
  st->updated = sim_now(a->s);
  return 0;
}

static int act_remove_stage(struct act *a)
{
  struct sim_stage *st = find_stage(a);
  if (st == NULL)
    return -1;
  st->active = false;
  st->updated = sim_now(a->s);
  return 0;
}

static int act_add_user(struct act *a)
{
  int64_t id;
  if (opt_id(a, "id", &id))
    return -1;
  if (id && model_user(&a->s->model, id))
    return fail(a, "user %lld already exists", (long long)id);
  const char *f = param(a, "first_name"), *l = param(a, "last_name");
  if (f == NULL || l == NULL)
    return fail(a, "needs 'first_name' and 'last_name'");
  const char *adm = param(a, "site_admin");
  struct sim_user *u =
      model_user_add(&a->s->model, id, f, l, param(a, "email"),
                     adm && strcmp(adm, "true") == 0, sim_now(a->s));
  jput_id(a->out, "id", u->id);
  return 0;
}

static int act_add_job(struct act *a)
{
  int64_t id;
  if (opt_id(a, "id", &id))
    return -1;
  if (id && model_job(&a->s->model, id))
    return fail(a, "job %lld already exists", (long long)id);
  const char *name = param(a, "name");
  if (name == NULL || *name == '\0')
    return fail(a, "needs 'name'");
  enum sim_job_status st = SIM_JOB_OPEN;
  const char *sv = param(a, "status");
  if (sv && sim_job_status_parse(sv, &st) != 0)
    return fail(a, "'status=%s' must be open, closed or draft", sv);
  int64_t now = sim_now(a->s);
  struct sim_job *j = model_job_add(&a->s->model, id, name, st, now);
  sim_setstr(&j->department, param(a, "department"));
  sim_setstr(&j->office, param(a, "office"));
  /* stages: "Application Review|Phone Screen|Onsite" */
  const char *stages = param(a, "stages");
  cJSON *ids = cJSON_AddArrayToObject(a->out, "stage_ids");
  if (stages) {
    char *copy = xstrdup(stages), *save = NULL;
    for (char *t = strtok_r(copy, "|", &save); t; t = strtok_r(NULL, "|", &save))
      cJSON_AddItemToArray(ids, jid(model_stage_add(&a->s->model, j, 0, t, now)->id));
    free(copy);
  }
  jput_id(a->out, "id", j->id);
  return 0;
}

static int act_add_stage(struct act *a)
{
  struct sim_job *j = find_job(a, false);
  if (j == NULL)
    return -1;
  const char *name = param(a, "name");
  int64_t id;
  if (opt_id(a, "id", &id))
    return -1;
  if (name == NULL || *name == '\0')
    return fail(a, "needs 'name'");
  if (id && model_stage(&a->s->model, id))
    return fail(a, "stage %lld already exists", (long long)id);
  struct sim_stage *st = model_stage_add(&a->s->model, j, id, name, sim_now(a->s));
  jput_id(a->out, "id", st->id);
  return 0;
}

/* ---- candidates and applications -------------------------------------------------- */

static void add_list(struct sim_candidate *c, const char *list, bool email)
{
  struct strv v = {0};
  strv_split(&v, list);
  for (size_t i = 0; i < v.n; i++) {
    if (email)
      model_cand_add_email(c, v.v[i], "personal");
    else
      model_cand_add_phone(c, v.v[i], "mobile");
  }
  strv_clear(&v);
}

static int act_add_candidate(struct act *a)
{
  const char *f = param(a, "first_name"), *l = param(a, "last_name");
  if (f == NULL || l == NULL)
    return fail(a, "needs 'first_name' and 'last_name'");
  int64_t id, job = 0, stage = 0;
  if (opt_id(a, "id", &id) || opt_id(a, "job", &job) || opt_id(a, "stage", &stage))
    return -1;
  if (id && model_cand(&a->s->model, id))
    return fail(a, "candidate %lld already exists", (long long)id);
  struct sim_model *m = &a->s->model;
  if (job) {
    struct sim_job *j = model_job(m, job);
    if (j == NULL || j->deleted)
      return fail(a, "there is no job %lld", (long long)job);
    if (stage == 0) {
      struct sim_stage *first = model_first_stage(m, job);
      if (first == NULL)
        return fail(a, "job %lld has no stages", (long long)job);
      stage = first->id;
    } else {
      struct sim_stage *st = model_stage(m, stage);
      if (st == NULL || st->job_id != job)
        return fail(a, "stage %lld is not a stage of job %lld",
                    (long long)stage, (long long)job);
    }
  }
  int64_t now = sim_now(a->s);
  struct sim_candidate *c = model_cand_add(m, id, f, l, now);
  add_list(c, param(a, "email"), true);
  add_list(c, param(a, "phone"), false);
  sim_setstr(&c->company, param(a, "company"));
  jput_id(a->out, "id", c->id);
  if (job) {
    struct sim_app *ap = model_app_add(m, c, job, stage, now);
    jput_id(a->out, "application_id", ap->id);
    sim_webhook_fire(a->s, SIM_EV_NEW_APPLICATION, c, ap, 0);
  }
  return 0;
}

static int act_update_candidate(struct act *a)
{
  struct sim_candidate *c = find_cand(a, "candidate");
  if (c == NULL)
    return -1;
  if (param(a, "first_name"))
    sim_setstr(&c->first, param(a, "first_name"));
  if (param(a, "last_name"))
    sim_setstr(&c->last, param(a, "last_name"));
  if (param(a, "company"))
    sim_setstr(&c->company, param(a, "company"));
  if (param(a, "email")) { /* replaces the list */
    for (size_t i = 0; i < c->nemails; i++) {
      free(c->emails[i].value);
      free(c->emails[i].type);
    }
    c->nemails = 0;
    add_list(c, param(a, "email"), true);
  }
  if (param(a, "phone")) {
    for (size_t i = 0; i < c->nphones; i++) {
      free(c->phones[i].value);
      free(c->phones[i].type);
    }
    c->nphones = 0;
    add_list(c, param(a, "phone"), false);
  }
  model_cand_touch(c, sim_now(a->s));
  sim_webhook_fire(a->s, SIM_EV_UPDATE_CANDIDATE, c, NULL, 0);
  return 0;
}

static int act_merge(struct act *a)
{
  struct sim_candidate *p = find_cand(a, "primary");
  if (p == NULL)
    return -1;
  struct sim_candidate *d = find_cand(a, "duplicate");
  if (d == NULL)
    return -1;
  char err[160];
  if (model_cand_merge(&a->s->model, p, d, sim_now(a->s), err, sizeof err))
    return fail(a, "%s", err);
  sim_webhook_fire(a->s, SIM_EV_MERGE_CANDIDATE, d, NULL, p->id);
  jput_id(a->out, "id", p->id);
  return 0;
}

static int act_app(struct act *a, int which)
{
  struct sim_app *ap = find_app(a);
  if (ap == NULL)
    return -1;
  struct sim_model *m = &a->s->model;
  int64_t now = sim_now(a->s);
  char err[200];
  int rc;
  if (which == 0) {
    int64_t stage;
    if (need_id(a, "stage", &stage))
      return -1;
    rc = model_app_move(m, ap, stage, now, err, sizeof err);
  } else if (which == 1) {
    int64_t reason;
    if (opt_id(a, "reason", &reason))
      return -1;
    if (reason && !model_reason(m, reason))
      return fail(a, "there is no rejection reason %lld", (long long)reason);
    rc = model_app_reject(m, ap, reason, param(a, "notes"), now, err,
                          sizeof err);
  } else if (which == 2) {
    rc = model_app_unreject(m, ap, now, err, sizeof err);
  } else {
    rc = model_app_hire(m, ap, param(a, "start_date"), now, err, sizeof err);
  }
  if (rc != 0)
    return fail(a, "%s", err);
  /* admin changes fire webhooks as the API's do */
  static const enum sim_event ev[] = {SIM_EV_STAGE_CHANGE, SIM_EV_REJECT,
                                      SIM_EV_UNREJECT, SIM_EV_HIRE};
  sim_webhook_fire(a->s, ev[which], NULL, ap, 0);
  jput_id(a->out, "application", ap->id);
  cJSON_AddStringToObject(a->out, "status", sim_app_status_name(ap->status));
  return 0;
}

/* ---- the table --------------------------------------------------------------------- */

static int a_expire(struct act *a) { return act_expire_tokens(a); }
static int a_rrt(struct act *a) { return act_revoke_refresh(a); }
static int a_rak(struct act *a) { return act_revoke_api_key(a); }
static int a_rmp(struct act *a) { return act_permission(a, false); }
static int a_grp(struct act *a) { return act_permission(a, true); }
static int a_rms(struct act *a) { return act_scope(a, false); }
static int a_grs(struct act *a) { return act_scope(a, true); }
static int a_deu(struct act *a) { return act_user_active(a, false); }
static int a_reu(struct act *a) { return act_user_active(a, true); }
static int a_clj(struct act *a) { return act_job_status(a, SIM_JOB_CLOSED); }
static int a_roj(struct act *a) { return act_job_status(a, SIM_JOB_OPEN); }
static int a_mov(struct act *a) { return act_app(a, 0); }
static int a_rej(struct act *a) { return act_app(a, 1); }
static int a_unr(struct act *a) { return act_app(a, 2); }
static int a_hir(struct act *a) { return act_app(a, 3); }

/* Every action with the parameters it takes (the one list both the
 * action and sim_action_check() read). */
static const struct {
  const char *name;
  int (*fn)(struct act *);
  const char *params;
} actions[] = {
    {"expire_tokens", a_expire, "credential"},
    {"revoke_refresh_token", a_rrt, "credential grant"},
    {"revoke_api_key", a_rak, "credential key"},
    {"remove_permission", a_rmp, "credential permission"},
    {"grant_permission", a_grp, "credential permission"},
    {"remove_scope", a_rms, "credential scope"},
    {"grant_scope", a_grs, "credential scope"},
    {"deactivate_user", a_deu, "user"},
    {"reactivate_user", a_reu, "user"},
    {"close_job", a_clj, "job"},
    {"reopen_job", a_roj, "job"},
    {"delete_job", act_delete_job, "job"},
    {"rename_stage", act_rename_stage, "stage name"},
    {"remove_stage", act_remove_stage, "stage"},
    {"add_user", act_add_user, "id first_name last_name email site_admin"},
    {"add_job", act_add_job, "id name status stages department office"},
    {"add_stage", act_add_stage, "job name id"},
    {"add_candidate", act_add_candidate,
     "id first_name last_name email phone job stage company"},
    {"update_candidate", act_update_candidate,
     "candidate first_name last_name email phone company"},
    {"merge_candidates", act_merge, "primary duplicate"},
    {"move_application", a_mov, "application stage"},
    {"reject_application", a_rej, "application reason notes"},
    {"unreject_application", a_unr, "application"},
    {"hire_application", a_hir, "application start_date"},
};

#define NACTIONS (sizeof actions / sizeof *actions)

static int unknown_action(const char *action, char *err, size_t errlen)
{
  size_t o = (size_t)snprintf(err, errlen, "unknown action '%s' (one of ",
                              action ? action : "");
  for (size_t i = 0; i < NACTIONS && o < errlen; i++)
    o += (size_t)snprintf(err + o, errlen - o, "%s%s", actions[i].name,
                          i + 1 < NACTIONS ? ", " : ")");
  return -1;
}

int sim_action_check(const char *action, const struct sim_kv *kv, size_t n,
                     char *err, size_t errlen)
{
  for (size_t i = 0; i < NACTIONS; i++) {
    if (action && strcmp(actions[i].name, action) == 0) {
      struct act a = {NULL, kv, n, action, err, errlen, NULL};
      return only(&a, actions[i].params);
    }
  }
  return unknown_action(action, err, errlen);
}

const char *sim_action_params(const char *action)
{
  for (size_t i = 0; i < NACTIONS; i++)
    if (action && strcmp(actions[i].name, action) == 0)
      return actions[i].params;
  return NULL;
}

const char *sim_action_name(size_t i)
{
  return i < NACTIONS ? actions[i].name : NULL;
}

int sim_action(struct sim *s, const char *action, const struct sim_kv *kv,
               size_t n, cJSON **result, char *err, size_t errlen)
{
  struct act a = {s, kv, n, action ? action : "", err, errlen,
                  cJSON_CreateObject()};
  for (size_t i = 0; i < NACTIONS; i++) {
    if (action && strcmp(actions[i].name, action) == 0) {
      int rc = only(&a, actions[i].params);
      if (rc == 0)
        rc = actions[i].fn(&a);
      sim_changed(s);
      if (rc == 0) {
        cJSON_AddStringToObject(a.out, "action", action);
        if (result)
          *result = a.out;
        else
          cJSON_Delete(a.out);
      } else {
        cJSON_Delete(a.out);
      }
      return rc;
    }
  }
  cJSON_Delete(a.out);
  return unknown_action(action, err, errlen);
}
