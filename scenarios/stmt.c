/* stmt.c — what each statement of a scenario does: the fake ATS's setup
 * (users, jobs, people, settings) and admin actions and faults through the
 * sim's C API, the connection, mappings, organization settings and our
 * candidates through the engine's, the webhook subscription the customer
 * makes with the first connect, and the engine's restarts and webhook
 * endpoint. Symbolic action parameters (stage names, refs, emails, the
 * connection's credential) are resolved here. */
#include "run_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sim calls --------------------------------------------------------------- */

struct kvs {
  struct sim_kv v[48];
  char *own[48];
  size_t n, nown;
};

static void kv_put(struct kvs *k, const char *key, const char *value)
{
  if (k->n == sizeof k->v / sizeof *k->v)
    return;
  char *kk = scn_xstrdup(key), *vv = scn_xstrdup(value);
  k->own[k->nown++] = kk;
  k->own[k->nown++] = vv;
  k->v[k->n].key = kk;
  k->v[k->n].value = vv;
  k->n++;
  if (k->nown > sizeof k->own / sizeof *k->own - 2)
    k->nown = sizeof k->own / sizeof *k->own - 2; /* never reached: n caps */
}

static const char *kv_get(const struct kvs *k, const char *key)
{
  for (size_t i = 0; i < k->n; i++)
    if (strcmp(k->v[i].key, key) == 0)
      return k->v[i].value;
  return NULL;
}

static void kv_drop(struct kvs *k, const char *key)
{
  for (size_t i = 0; i < k->n; i++) {
    if (strcmp(k->v[i].key, key) == 0) {
      memmove(&k->v[i], &k->v[i + 1], (k->n - i - 1) * sizeof *k->v);
      k->n--;
      return;
    }
  }
}

static void kv_free(struct kvs *k)
{
  for (size_t i = 0; i < k->nown; i++)
    free(k->own[i]);
  k->nown = k->n = 0;
}

/* Run an action; on failure record an error at 'loc'. Returns the result
 * (caller frees) or NULL. */
static cJSON *action(struct world *w, const struct scn_loc *loc,
                     const char *name, struct kvs *k)
{
  char err[512];
  cJSON *res = NULL;
  if (sim_action(w->sim, name, k->v, k->n, &res, err, sizeof err) != 0) {
    w_error(w, loc, "%s", err);
    return NULL;
  }
  return res;
}

static bool is_number(const char *s)
{
  if (s == NULL || *s == '\0')
    return false;
  for (; *s; s++)
    if (!isdigit((unsigned char)*s))
      return false;
  return true;
}

/* The id of the stage called 'name' in job 'job' (0: any job; the name
 * must then be unique). */
static int64_t stage_id(struct world *w, const char *job, const char *name,
                        char *err, size_t errlen)
{
  const cJSON *st = w_ats_state(w);
  int64_t found = 0;
  int hits = 0;
  const cJSON *j;
  cJSON_ArrayForEach(j, cJSON_GetObjectItem(st, "jobs"))
  {
    if (job && json_id(j, "id") != strtoll(job, NULL, 10))
      continue;
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(j, "stages"))
    {
      const char *n = cJSON_GetStringValue(cJSON_GetObjectItem(s, "name"));
      if (n && strcmp(n, name) == 0) {
        found = json_id(s, "id");
        hits++;
      }
    }
  }
  if (hits == 1)
    return found;
  if (hits == 0)
    snprintf(err, errlen, "there is no stage \"%s\"%s%s", name,
             job ? " in job " : "", job ? job : "");
  else
    snprintf(err, errlen, "stage \"%s\" is in %d jobs: give job=", name, hits);
  return 0;
}

/* The fake ATS's own (model) id of a record the engine knows by its wire
 * id (a Lever UUID, a Workable hex id; Greenhouse's are the same): the
 * person (kind "candidate") or the application behind it. A Workable
 * candidate is an application, so a person is also found through the
 * application that carries the id. 0 when none. */
int64_t w_model_id(struct world *w, const char *kind, const char *wire)
{
  bool want_app = strcmp(kind, "application") == 0;
  const cJSON *c;
  char id[64];
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(w_ats_state(w), "candidates"))
  {
    int64_t cid = json_id(c, "id");
    if (!want_app && sim_wire_id(w->sim, "candidate", cid, id, sizeof id) == 0 &&
        strcmp(id, wire) == 0)
      return cid;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "applications"))
    {
      int64_t aid = json_id(a, "id");
      if (sim_wire_id(w->sim, "application", aid, id, sizeof id) == 0 &&
          strcmp(id, wire) == 0)
        return want_app ? aid : cid;
    }
  }
  return 0;
}

/* The ATS candidate id of a ref or an email. */
static int64_t person_id(struct world *w, const char *v, char *err,
                         size_t errlen)
{
  if (strchr(v, '@')) {
    int64_t id = ats_person_by_email(w, v);
    if (id <= 0)
      snprintf(err, errlen, "%s people in the ATS have the email %s",
               id == 0 ? "no" : "several", v);
    return id > 0 ? id : 0;
  }
  struct atsync_candidate_info ci;
  if (w->eng == NULL || atsync_candidate(w->eng, w->org, v, &ci) != 0) {
    snprintf(err, errlen, "no candidate '%s'%s", v,
             w->eng ? "" : " (the engine is stopped)");
    return 0;
  }
  if (ci.ats_candidate_id[0] == '\0') {
    snprintf(err, errlen, "%s has no ATS candidate id yet (it is %s)", v,
             atsync_sync_name(ci.sync));
    return 0;
  }
  int64_t id = w_model_id(w, "candidate", ci.ats_candidate_id);
  if (id == 0)
    snprintf(err, errlen, "%s's person %s is not in the ATS", v,
             ci.ats_candidate_id);
  return id;
}

/* The ATS application id of a ref (the one the engine recorded) or of the
 * person with that email (on 'job' when given, else their only one). */
static int64_t application_id(struct world *w, const char *v, const char *job,
                              char *err, size_t errlen)
{
  if (!strchr(v, '@')) {
    struct atsync_candidate_info ci;
    if (w->eng && atsync_candidate(w->eng, w->org, v, &ci) == 0 &&
        ci.ats_application_id[0]) {
      int64_t id = w_model_id(w, "application", ci.ats_application_id);
      if (id == 0)
        snprintf(err, errlen, "%s's application %s is not in the ATS", v,
                 ci.ats_application_id);
      return id;
    }
    snprintf(err, errlen, "%s has no ATS application id yet", v);
    return 0;
  }
  int64_t pid = person_id(w, v, err, errlen);
  if (pid == 0)
    return 0;
  const cJSON *c;
  int64_t app = 0;
  int hits = 0;
  cJSON_ArrayForEach(c, cJSON_GetObjectItem(w_ats_state(w), "candidates"))
  {
    if (json_id(c, "id") != pid)
      continue;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(c, "applications"))
    {
      if (job && json_id(a, "job_id") != strtoll(job, NULL, 10))
        continue;
      app = json_id(a, "id");
      hits++;
    }
  }
  if (hits != 1) {
    snprintf(err, errlen, "%s has %d applications%s%s: give job=", v, hits,
             job ? " on job " : "", job ? job : "");
    return 0;
  }
  return app;
}

/* Turn a statement's parameters into the sim's: credential filled in,
 * names resolved to ids. */
static bool resolve_action(struct world *w, const struct scn_stmt *s,
                           struct kvs *k)
{
  const char *params = sim_action_params(s->name);
  for (size_t i = 0; i < s->nkv; i++)
    kv_put(k, s->kv[i].key, s->kv[i].value);
  bool takes_cred = params && strstr(params, "credential") != NULL;
  if (takes_cred && !kv_get(k, "credential") && !kv_get(k, "key")) {
    const char *cred = w->auth == SCN_AUTH_API_KEY ? w->key_cred
                                                       : w->client_cred;
    if (cred[0])
      kv_put(k, "credential", cred);
  }
  char err[400] = "", buf[32];
  const char *user = kv_get(k, "user");
  if (user && strcmp(user, "admin") == 0) {
    kv_drop(k, "user");
    kv_put(k, "user", "4000001");
  }
  const char *job = kv_get(k, "job");
  const char *stage = kv_get(k, "stage");
  if (stage && !is_number(stage)) {
    int64_t id = stage_id(w, job && is_number(job) ? job : NULL, stage, err,
                          sizeof err);
    if (id == 0) {
      w_error(w, &s->loc, "action %s: %s", s->name, err);
      return false;
    }
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    kv_drop(k, "stage");
    kv_put(k, "stage", buf);
  }
  static const char *const people[] = {"candidate", "primary", "duplicate"};
  for (size_t i = 0; i < 3; i++) {
    const char *v = kv_get(k, people[i]);
    if (v && !is_number(v)) {
      int64_t id = person_id(w, v, err, sizeof err);
      if (id == 0) {
        w_error(w, &s->loc, "action %s: %s=%s: %s", s->name, people[i], v,
                err);
        return false;
      }
      snprintf(buf, sizeof buf, "%lld", (long long)id);
      kv_drop(k, people[i]);
      kv_put(k, people[i], buf);
    }
  }
  const char *app = kv_get(k, "application");
  if (app && !is_number(app)) {
    int64_t id = application_id(w, app, job && is_number(job) ? job : NULL,
                                err, sizeof err);
    if (id == 0) {
      w_error(w, &s->loc, "action %s: application=%s: %s", s->name, app, err);
      return false;
    }
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    kv_drop(k, "application");
    kv_put(k, "application", buf);
  }
  /* job= only helped to find a stage or an application */
  if (job && params && !strstr(params, "job"))
    kv_drop(k, "job");
  return true;
}

static void split_name(const char *full, char *first, size_t fl, char *last,
                       size_t ll)
{
  const char *sp = strrchr(full, ' ');
  if (sp == NULL) {
    snprintf(first, fl, "%s", full);
    snprintf(last, ll, "%s", "Example");
    return;
  }
  snprintf(first, fl, "%.*s", (int)(sp - full), full);
  snprintf(last, ll, "%s", sp + 1);
}

/* ---- statements ---------------------------------------------------------------- */

static void do_user(struct world *w, const struct scn_stmt *s)
{
  char first[128], last[128];
  split_name(s->value, first, sizeof first, last, sizeof last);
  struct kvs k = {0};
  kv_put(&k, "id", s->name);
  kv_put(&k, "first_name", first);
  kv_put(&k, "last_name", last);
  if (s->flags & SCN_USER_ADMIN)
    kv_put(&k, "site_admin", "true");
  cJSON_Delete(action(w, &s->loc, "add_user", &k));
  kv_free(&k);
  if (!w->failed && (s->flags & SCN_USER_DEACTIVATED)) {
    kv_put(&k, "user", s->name);
    cJSON_Delete(action(w, &s->loc, "deactivate_user", &k));
    kv_free(&k);
  }
}

static const char *const default_stages[] = {"Application Review",
                                             "Phone Screen", "Onsite", "Offer"};

static void do_job(struct world *w, const struct scn_stmt *s)
{
  char stages[2048] = "";
  size_t n = s->nlist ? s->nlist : 4;
  for (size_t i = 0; i < n; i++) {
    size_t o = strlen(stages);
    snprintf(stages + o, sizeof stages - o, "%s%s", i ? "|" : "",
             s->nlist ? s->list[i] : default_stages[i]);
  }
  struct kvs k = {0};
  kv_put(&k, "id", s->name);
  kv_put(&k, "name", s->value);
  kv_put(&k, "status", s->flags == SCN_JOB_CLOSED  ? "closed"
                       : s->flags == SCN_JOB_DRAFT ? "draft"
                                                   : "open");
  kv_put(&k, "stages", stages);
  cJSON_Delete(action(w, &s->loc, "add_job", &k));
  kv_free(&k);
}

static void do_person(struct world *w, const struct scn_stmt *s)
{
  char first[128], last[128], emails[1024] = "";
  split_name(s->value, first, sizeof first, last, sizeof last);
  struct kvs k = {0};
  kv_put(&k, "first_name", first);
  kv_put(&k, "last_name", last);
  const char *job = NULL, *stage = NULL;
  for (size_t i = 0; i < s->nkv; i++) {
    const struct scn_kv *p = &s->kv[i];
    if (strcmp(p->key, "email") == 0) {
      size_t o = strlen(emails);
      snprintf(emails + o, sizeof emails - o, "%s%s", o ? "," : "", p->value);
    } else if (strcmp(p->key, "job") == 0) {
      job = p->value;
    } else if (strcmp(p->key, "stage") == 0) {
      stage = p->value;
    } else {
      kv_put(&k, p->key, p->value);
    }
  }
  if (emails[0])
    kv_put(&k, "email", emails);
  if (job)
    kv_put(&k, "job", job);
  if (stage) {
    char err[300], buf[32];
    int64_t id = is_number(stage) ? strtoll(stage, NULL, 10)
                                  : stage_id(w, job, stage, err, sizeof err);
    if (id == 0) {
      w_error(w, &s->loc, "person: %s", err);
      kv_free(&k);
      return;
    }
    snprintf(buf, sizeof buf, "%lld", (long long)id);
    kv_put(&k, "stage", buf);
  }
  cJSON *res = action(w, &s->loc, "add_candidate", &k);
  if (res)
    trace_add(&w->tr, w_now(w), "run", "person %s %s is candidate %lld",
              first, last, (long long)json_id(res, "id"));
  cJSON_Delete(res);
  kv_free(&k);
}

static const char *jstr(const cJSON *o, const char *k)
{
  const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
  return v ? v : "";
}

/* The webhook secret the customer pastes into both the ATS and our
 * settings: one per run, from the seed (so the trace and its hash do not
 * move), shaped like a vendor's secret. */
static void hook_secret(struct world *w)
{
  uint64_t x = w->r->seed ^ 0x5EC12E7ULL, h[2];
  for (int i = 0; i < 2; i++) { /* splitmix64 */
    x += 0x9E3779B97F4A7C15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    h[i] = z ^ (z >> 31);
  }
  snprintf(w->hook_secret, sizeof w->hook_secret, "whsec_%016llx%016llx",
           (unsigned long long)h[0], (unsigned long long)h[1]);
  strlist_add(&w->secrets, w->hook_secret);
}

/* After the first connect: the customer saves a webhook in the ATS that
 * points at the engine's endpoint, with the secret the engine was given.
 * The ATS pings it at once (a failed ping leaves it disabled). */
static void subscribe(struct world *w, const struct scn_stmt *s)
{
  char url[160], err[512];
  snprintf(url, sizeof url, "http://127.0.0.1:%u/webhooks/acme",
           (unsigned)w->hook_port);
  if (w->hook_port == 0) {
    w_error(w, &s->loc, "the engine has no webhook endpoint");
    return;
  }
  if (sim_webhook_add(w->sim, url, w->hook_secret, "*", &w->hook_id, err,
                      sizeof err) != 0) {
    w_error(w, &s->loc, "webhook subscription: %s", err);
    return;
  }
  trace_add(&w->tr, w_now(w), "run", "webhook hook#%d: %s, events *",
            w->hook_id, url);
}

/* Mint fresh credentials and (re)connect the organization. */
static void do_connect(struct world *w, const struct scn_stmt *s, bool fresh)
{
  char err[512];
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  if (s->name)
    snprintf(w->user, sizeof w->user, "%s", s->name);
  if (s->flags)
    w->auth = (enum scn_auth)(s->flags - 1);
  if (w->user[0] == '\0')
    snprintf(w->user, sizeof w->user, "4000001");
  /* Ashby has API keys only: a scenario run there connects with one */
  if (strcmp(w->ats, "ashby") == 0)
    w->auth = SCN_AUTH_API_KEY;
  /* the acting user as this ATS names it (Lever and Workable ids) */
  char obo[64];
  if (sim_wire_id(w->sim, "user", strtoll(w->user, NULL, 10), obo,
                  sizeof obo) != 0)
    snprintf(obo, sizeof obo, "%s", w->user);
  if (!w->sc->webhooks_off && w->hook_secret[0] == '\0')
    hook_secret(w);
  struct atsync_credentials cr = {.kind = w->ats,
                                  .base_url = sim_base_url(w->sim),
                                  .webhook_secret = w->hook_secret[0]
                                                        ? w->hook_secret
                                                        : NULL};
  char secret[128] = "", code[128] = "";
  cJSON *res = NULL;
  if (w->auth == SCN_AUTH_API_KEY) {
    if (sim_credential_add(w->sim, "api_key", NULL, 0, &res, err,
                           sizeof err) != 0) {
      w_error(w, &s->loc, "%s", err);
      return;
    }
    snprintf(w->key_cred, sizeof w->key_cred, "%s", jstr(res, "id"));
    snprintf(secret, sizeof secret, "%s", jstr(res, "key"));
    cJSON_Delete(res);
    strlist_add(&w->secrets, secret);
    strlist_add(&w->creds, w->key_cred);
    cr.auth = ATSYNC_AUTH_API_KEY;
    cr.api_key = secret;
    cr.on_behalf_of = obo;
  } else {
    /* fresh credentials: oauth gets a new authorization below; client
     * credentials have nothing but the client, so a new client */
    if (w->client_cred[0] == '\0' || (fresh && s->kind == SCN_S_CONNECT) ||
        (s->kind == SCN_S_RECONNECT &&
         w->auth == SCN_AUTH_CLIENT_CREDENTIALS)) {
      struct sim_kv kv[] = {{"user", w->user}};
      if (sim_credential_add(w->sim, "oauth_client", kv, 1, &res, err,
                             sizeof err) != 0) {
        w_error(w, &s->loc, "%s", err);
        return;
      }
      snprintf(w->client_cred, sizeof w->client_cred, "%s", jstr(res, "id"));
      snprintf(w->client_id, sizeof w->client_id, "%s",
               jstr(res, "client_id"));
      snprintf(w->client_secret, sizeof w->client_secret, "%s",
               jstr(res, "client_secret"));
      cJSON_Delete(res);
      strlist_add(&w->secrets, w->client_secret);
      strlist_add(&w->creds, w->client_cred);
    }
    cr.client_id = w->client_id;
    cr.client_secret = w->client_secret;
    if (w->auth == SCN_AUTH_OAUTH) {
      struct sim_kv kv[] = {{"client", w->client_cred}, {"user", w->user}};
      if (sim_credential_add(w->sim, "authorization_code", kv, 2, &res, err,
                             sizeof err) != 0) {
        w_error(w, &s->loc, "%s", err);
        return;
      }
      snprintf(code, sizeof code, "%s", jstr(res, "code"));
      cJSON_Delete(res);
      strlist_add(&w->secrets, code);
      cr.auth = ATSYNC_AUTH_OAUTH_CODE;
      cr.auth_code = code;
      if (strcmp(w->ats, "greenhouse") != 0) /* who writes (perform_as,
                                                 member_id) */
        cr.on_behalf_of = obo;
    } else {
      cr.auth = ATSYNC_AUTH_CLIENT_CREDENTIALS;
      cr.sub = w->user;
    }
  }
  if (atsync_connect(w->eng, w->org, &cr, err, sizeof err) != 0) {
    w_error(w, &s->loc, "connect: %s", err);
    return;
  }
  w->connected_once = true;
  trace_add(&w->tr, w_now(w), "run", "%s with %s as user %s",
            s->kind == SCN_S_RECONNECT ? "reconnect" : "connect",
            w->auth == SCN_AUTH_API_KEY ? w->key_cred : w->client_cred,
            w->user);
  if (w->hook_secret[0] && w->hook_id == 0)
    subscribe(w, s);
}

static void fill_candidate(const struct scn_stmt *s, struct atsync_candidate *c,
                           const char *ref, char *email_default, size_t elen,
                           char *first_default, size_t flen, bool patch)
{
  memset(c, 0, sizeof *c);
  c->ref = ref;
  for (size_t i = 0; i < s->nkv; i++) {
    const struct scn_kv *p = &s->kv[i];
    if (strcmp(p->key, "email") == 0) {
      if (c->nemails < ATSYNC_MAX_EMAILS)
        c->emails[c->nemails++] = p->value;
    } else if (strcmp(p->key, "first") == 0) {
      c->first = p->value;
    } else if (strcmp(p->key, "last") == 0) {
      c->last = p->value;
    } else if (strcmp(p->key, "phone") == 0) {
      c->phone = p->value;
    } else if (strcmp(p->key, "job") == 0) {
      c->job = p->value;
    } else if (strcmp(p->key, "stage") == 0) {
      c->stage = p->value;
    } else if (strncmp(p->key, SCN_FIELD_PREFIX,
                       sizeof SCN_FIELD_PREFIX - 1) == 0 &&
               c->nfields < ATSYNC_MAX_FIELDS) {
      c->field_keys[c->nfields] = p->key + sizeof SCN_FIELD_PREFIX - 1;
      c->field_values[c->nfields++] = p->value;
    }
  }
  if (patch)
    return;
  if (c->nemails == 0) {
    snprintf(email_default, elen, "%s@example.com", ref);
    c->emails[c->nemails++] = email_default;
  }
  if (c->first == NULL) {
    snprintf(first_default, flen, "%s", ref);
    first_default[0] = (char)toupper((unsigned char)first_default[0]);
    c->first = first_default;
  }
  if (c->last == NULL)
    c->last = "Example";
}

static void do_approve(struct world *w, const struct scn_stmt *s)
{
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  long lo = s->range ? s->range_lo : 0, hi = s->range ? s->range_hi : 0;
  for (long i = lo; i <= hi && !w->failed; i++) {
    char ref[96], email[160], first[96], err[512];
    if (s->range)
      snprintf(ref, sizeof ref, "%s%ld", s->name, i);
    else
      snprintf(ref, sizeof ref, "%s", s->name);
    struct atsync_candidate c;
    fill_candidate(s, &c, ref, email, sizeof email, first, sizeof first,
                   false);
    if (atsync_approve(w->eng, w->org, &c, NULL, err, sizeof err) != 0)
      w_error(w, &s->loc, "approve %s: %s", ref, err);
  }
}

static void do_update(struct world *w, const struct scn_stmt *s)
{
  char err[512];
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  struct atsync_candidate c;
  char rb[64];
  const char *ref = who_ref(w, s->name, rb, sizeof rb);
  fill_candidate(s, &c, ref, NULL, 0, NULL, 0, true);
  if (atsync_update(w->eng, w->org, ref, &c, err, sizeof err) != 0)
    w_error(w, &s->loc, "update %s: %s", s->name, err);
}

static void do_fault(struct world *w, const struct scn_stmt *s)
{
  struct kvs k = {0};
  for (size_t i = 0; i < s->nkv; i++)
    kv_put(&k, s->kv[i].key, s->kv[i].value);
  char err[512];
  int id;
  if (sim_fault_add(w->sim, s->name, k.v, k.n, &id, err, sizeof err) != 0) {
    w_error(w, &s->loc, "%s", err);
  } else {
    trace_add(&w->tr, w_now(w), "run", "fault#%d: %s", id, s->text);
    if (s->value) {
      struct label *v = realloc(w->labels, (w->nlabels + 1) * sizeof *v);
      if (v == NULL)
        abort();
      w->labels = v;
      w->labels[w->nlabels].name = scn_xstrdup(s->value);
      w->labels[w->nlabels].id = id;
      w->nlabels++;
    }
  }
  kv_free(&k);
}

static void do_clear_fault(struct world *w, const struct scn_stmt *s)
{
  for (size_t i = 0; i < w->nlabels; i++) {
    if (strcmp(w->labels[i].name, s->name) == 0) {
      sim_fault_clear(w->sim, w->labels[i].id);
      return;
    }
  }
  w_error(w, &s->loc, "no fault is named '%s'", s->name);
}

static void do_action(struct world *w, const struct scn_stmt *s)
{
  struct kvs k = {0};
  if (resolve_action(w, s, &k)) {
    cJSON *res = action(w, &s->loc, s->name, &k);
    if (res) {
      char line[600] = "";
      for (size_t i = 0; i < k.n; i++) {
        size_t o = strlen(line);
        snprintf(line + o, sizeof line - o, " %s=%s", k.v[i].key,
                 k.v[i].value);
      }
      char *out = cJSON_PrintUnformatted(res);
      trace_add(&w->tr, w_now(w), "run", "action %s%s -> %s", s->name, line,
                out ? out : "");
      free(out);
    }
    cJSON_Delete(res);
  }
  kv_free(&k);
}

static void do_engine(struct world *w, const struct scn_stmt *s)
{
  char err[512];
  if (s->kind == SCN_S_RESTART_ENGINE || s->kind == SCN_S_STOP_ENGINE) {
    if (w->eng == NULL) {
      w_error(w, &s->loc, "the engine is already stopped");
      return;
    }
    w_collect(w);
    atsync_close(w->eng); /* no cleanup: what was in flight is abandoned */
    w->eng = NULL;
  }
  if (s->kind == SCN_S_RESTART_ENGINE || s->kind == SCN_S_START_ENGINE) {
    if (w->eng != NULL) {
      w_error(w, &s->loc, "the engine is already running");
      return;
    }
    if (w_engine_open(w, err, sizeof err) != 0)
      w_error(w, &s->loc, "the engine did not start: %s", err);
  }
}

/* stop webhooks / start webhooks: the engine's endpoint refuses
 * connections, or listens again on its port. */
static void do_webhooks(struct world *w, const struct scn_stmt *s)
{
  bool down = s->kind == SCN_S_STOP_WEBHOOKS;
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  if (down == w->hooks_down) {
    w_error(w, &s->loc, "the webhook endpoint is already %s",
            down ? "down" : "up");
    return;
  }
  if (atsync_webhook_set_down(w->eng, down) != 0) {
    w_error(w, &s->loc, "the webhook endpoint could not %s",
            down ? "go down" : "listen again on its port");
    return;
  }
  w->hooks_down = down;
}

static void do_map(struct world *w, const struct scn_stmt *s)
{
  char err[512];
  int rc = 0;
  if (w->eng == NULL) {
    w_error(w, &s->loc, "the engine is stopped (start engine first)");
    return;
  }
  switch (s->kind) {
  case SCN_S_MAP_JOB: {
    /* the scenario names the job by its id in the fake ATS; the engine
     * gets it as this ATS shows it (a Lever UUID, a Workable shortcode) */
    char wire[64];
    const char *job = s->value;
    char *end;
    long long id = strtoll(s->value, &end, 10);
    if (*s->value && *end == '\0' &&
        sim_wire_id(w->sim, "job", id, wire, sizeof wire) == 0)
      job = wire;
    rc = atsync_map_job(w->eng, w->org, s->name, job, err, sizeof err);
    for (size_t i = 0; rc == 0 && i < s->nkv; i++)
      if (strcmp(s->kv[i].key, "source") == 0)
        rc = atsync_map_job_source(w->eng, w->org, s->name, s->kv[i].value,
                                   err, sizeof err);
    break;
  }
  case SCN_S_MAP_STAGE:
    rc = atsync_map_stage(w->eng, w->org, s->name, s->value, err, sizeof err);
    break;
  case SCN_S_MAP_STATUS:
    rc = atsync_map_status(w->eng, w->org, s->name, s->value, err, sizeof err);
    break;
  case SCN_S_ORG:
    rc = atsync_org_set(w->eng, w->org, s->name, s->value, err, sizeof err);
    break;
  default:
    break;
  }
  if (rc != 0)
    w_error(w, &s->loc, "%s", err);
}

/* ---- one statement ---------------------------------------------------------------- */

void stmt_run(struct world *w, const struct scn_stmt *s)
{
  char err[512];
  switch (s->kind) {
  case SCN_S_WAIT:
    break;
  case SCN_S_USER:
    do_user(w, s);
    break;
  case SCN_S_JOB:
    do_job(w, s);
    break;
  case SCN_S_PERSON:
    do_person(w, s);
    break;
  case SCN_S_SETTING:
    if (sim_setting(w->sim, s->name, s->value, err, sizeof err) != 0)
      w_error(w, &s->loc, "%s", err);
    break;
  case SCN_S_CONNECT:
    do_connect(w, s, !w->connected_once);
    break;
  case SCN_S_RECONNECT:
    do_connect(w, s, false);
    break;
  case SCN_S_DISCONNECT:
    if (w->eng == NULL)
      w_error(w, &s->loc, "the engine is stopped (start engine first)");
    else if (atsync_disconnect(w->eng, w->org, err, sizeof err) != 0)
      w_error(w, &s->loc, "disconnect: %s", err);
    break;
  case SCN_S_MAP_JOB:
  case SCN_S_MAP_STAGE:
  case SCN_S_MAP_STATUS:
  case SCN_S_ORG:
    do_map(w, s);
    break;
  case SCN_S_APPROVE:
    do_approve(w, s);
    break;
  case SCN_S_UPDATE:
    do_update(w, s);
    break;
  case SCN_S_FAULT:
    do_fault(w, s);
    break;
  case SCN_S_CLEAR_FAULT:
    do_clear_fault(w, s);
    break;
  case SCN_S_CLEAR_FAULTS:
    sim_fault_clear_all(w->sim);
    break;
  case SCN_S_ACTION:
    do_action(w, s);
    break;
  case SCN_S_RESTART_ENGINE:
  case SCN_S_STOP_ENGINE:
  case SCN_S_START_ENGINE:
    do_engine(w, s);
    break;
  case SCN_S_STOP_WEBHOOKS:
  case SCN_S_START_WEBHOOKS:
    do_webhooks(w, s);
    break;
  case SCN_S_EXPECT:
    expect_run(w, s);
    break;
  }
}
