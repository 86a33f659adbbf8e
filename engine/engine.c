/* engine.c — the engine handle: organizations, connections and the state a
 * customer sees, mappings, approvals, queries, and the scheduler that
 * starts pushes when they are due and the connection allows. */
#include "engine_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {
    "not_connected", "connecting", "connected", "disconnected",
    "permission_missing", "throttled", "ats_unavailable", "misconfigured"};
static const char *const sync_names[] = {"queued", "pushing", "waiting",
                                         "needs_attention", "synced"};

const char *atsync_state_name(enum atsync_state s) { return state_names[s]; }
const char *atsync_sync_name(enum atsync_sync s) { return sync_names[s]; }

int64_t eng_now(const struct atsync *e) { return at_loop_now(e->loop); }

static void tick(void *ud);

void eng_kick(struct atsync *e, int64_t at)
{
  int64_t now = eng_now(e);
  if (at < now)
    at = now;
  if (e->wake && e->wake_at <= at)
    return;
  at_timer_cancel(e->loop, e->wake);
  e->wake = at_timer_add(e->loop, at, tick, e);
  e->wake_at = at;
}

/* ---- the sync log ---------------------------------------------------------- */

void eng_log(struct atsync *e, int64_t org, const char *ref, const char *kind,
             const char *fmt, ...)
{
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  eng_redact(e, msg, sizeof msg);
  store_q(e->st,
          "INSERT INTO log (org_id, at, candidate, kind, message) "
          "VALUES (?, ?, ?, ?, ?)",
          "IIsss", org, eng_now(e), ref ? ref : "", kind, msg);
}

/* ---- connections ---------------------------------------------------------- */

struct conn_view conn_view(const struct conn *c)
{
  struct conn_view v = {.auth = c->auth,
                        .base_url = c->base_url,
                        .token_url = c->token_url,
                        .client_id = c->client_id,
                        .client_secret = c->client_secret,
                        .redirect_uri = c->redirect_uri,
                        .sub = c->sub,
                        .access_token = c->access,
                        .api_key = c->api_key,
                        .on_behalf_of = c->obo};
  for (size_t i = 0; i < c->njobs && v.stages == NULL; i++)
    if (c->jobs[i].nstages > 0) {
      v.stages = c->jobs[i].stages;
      v.nstages = c->jobs[i].nstages;
    }
  return v;
}

static void creds_free(struct conn *c)
{
  char **fields[] = {&c->kind, &c->base_url, &c->client_id, &c->client_secret,
                     &c->token_url, &c->redirect_uri, &c->sub, &c->api_key,
                     &c->obo, &c->auth_code, &c->access, &c->refresh,
                     &c->webhook_secret};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
    free(*fields[i]);
    *fields[i] = NULL;
  }
  c->has_creds = false;
  c->access_exp = c->refresh_exp = c->refreshed_at = 0;
  free(c->jobs);
  c->jobs = NULL;
  c->njobs = 0;
}

static void conn_free(struct conn *c)
{
  pull_abandon(c);
  request_cancel(c->token_rq);
  c->token_rq = NULL;
  creds_free(c);
  free(c->waiters);
  free(c);
}

static void setup_pacing(struct conn *c)
{
  int64_t window = 10000;
  bool fixed = false;
  if (c->ops)
    c->ops->window(c->auth, &window, &fixed);
  pace_init(&c->pace, window, fixed);
}

/* Read the connection row of 'org' into c (credentials and state). */
static void conn_load(struct conn *c)
{
  struct store *st = c->e->st;
  if (store_q(st,
              "SELECT kind, base_url, auth, client_id, client_secret, "
              "token_url, redirect_uri, sub, api_key, on_behalf_of, "
              "auth_code, access_token, access_expires, refresh_token, "
              "refresh_expires, refreshed_at, state, reason, since, "
              "connected_ever, last_success, webhook_secret, poll_cursor, "
              "people_cursor, people_ready, last_poll, last_webhook FROM "
              "connections WHERE org_id = ?",
              "I", c->org) != SQLITE_ROW) {
    store_done(st);
    c->state = ATSYNC_NOT_CONNECTED;
    return;
  }
  c->kind = store_col_dup(st, 0);
  c->base_url = store_col_dup(st, 1);
  c->auth = (enum atsync_auth)store_col_int(st, 2);
  c->client_id = store_col_dup(st, 3);
  c->client_secret = store_col_dup(st, 4);
  c->token_url = store_col_dup(st, 5);
  c->redirect_uri = store_col_dup(st, 6);
  c->sub = store_col_dup(st, 7);
  c->api_key = store_col_dup(st, 8);
  c->obo = store_col_dup(st, 9);
  c->auth_code = store_col_dup(st, 10);
  c->access = store_col_dup(st, 11);
  c->access_exp = store_col_int(st, 12);
  c->refresh = store_col_dup(st, 13);
  c->refresh_exp = store_col_int(st, 14);
  c->refreshed_at = store_col_int(st, 15);
  c->state = (enum atsync_state)store_col_int(st, 16);
  c->denied_op = OP__COUNT;
  store_col_text(st, 17, c->reason, sizeof c->reason);
  c->since = store_col_int(st, 18);
  c->connected_ever = store_col_int(st, 19) != 0;
  c->last_success = store_col_int(st, 20);
  c->webhook_secret = store_col_dup(st, 21);
  c->poll_cursor = store_col_int(st, 22);
  c->people_cursor = store_col_int(st, 23);
  c->people_ready = store_col_int(st, 24) != 0;
  c->last_poll = store_col_int(st, 25);
  c->last_webhook = store_col_int(st, 26);
  store_done(st);
  c->ops = connector_find(c->kind);
  c->has_creds = c->ops != NULL && c->base_url != NULL &&
                 c->state != ATSYNC_NOT_CONNECTED;
  const char *secrets[] = {c->client_secret, c->api_key, c->auth_code,
                           c->access, c->refresh, c->webhook_secret};
  for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
    eng_secret(c->e, secrets[i]);
  setup_pacing(c);
  if (c->has_creds) /* a mapping problem from before the restart is still
                       re-checked */
    conn_check_mappings(c);
}

struct conn *eng_conn(struct atsync *e, int64_t org)
{
  for (size_t i = 0; i < e->nconns; i++)
    if (e->conns[i]->org == org)
      return e->conns[i];
  char name[64]; /* as conn.org_name */
  if (store_q(e->st, "SELECT name FROM orgs WHERE id = ?", "I", org) !=
      SQLITE_ROW) {
    store_done(e->st);
    return NULL; /* no such organization: never a connection for it */
  }
  store_col_text(e->st, 0, name, sizeof name);
  store_done(e->st);
  struct conn *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->e = e;
  c->org = org;
  snprintf(c->org_name, sizeof c->org_name, "%s", name);
  if (store_q(e->st, "SELECT default_country FROM orgs WHERE id = ?", "I",
              org) == SQLITE_ROW)
    store_col_text(e->st, 0, c->default_country, sizeof c->default_country);
  store_done(e->st);
  conn_load(c);
  struct conn **v = realloc(e->conns, (e->nconns + 1) * sizeof *v);
  if (v == NULL) {
    conn_free(c);
    return NULL;
  }
  e->conns = v;
  e->conns[e->nconns++] = c;
  return c;
}

static void save_state(struct conn *c)
{
  store_q(c->e->st,
          "UPDATE connections SET state = ?, reason = ?, since = ?, "
          "connected_ever = ?, last_success = ? WHERE org_id = ?",
          "isIbII", (int)c->state, c->reason, c->since, c->connected_ever,
          c->last_success, c->org);
}

void conn_set_state(struct conn *c, enum atsync_state s, const char *reason)
{
  if (reason == NULL)
    reason = "";
  if (c->state == s && strcmp(c->reason, reason) == 0)
    return;
  bool changed = c->state != s;
  enum atsync_state was = c->state;
  c->state = s;
  snprintf(c->reason, sizeof c->reason, "%s", reason);
  eng_redact(c->e, c->reason, sizeof c->reason);
  if (changed)
    c->since = eng_now(c->e);
  if (s == ATSYNC_CONNECTED)
    c->connected_ever = true;
  save_state(c);
  if (changed)
    eng_log(c->e, c->org, NULL, "state", "Connection %s -> %s%s%s",
            atsync_state_name(was), atsync_state_name(s),
            c->reason[0] ? ": " : "", c->reason);
  if (s == ATSYNC_CONNECTED)
    eng_kick(c->e, 0);
}

void conn_success(struct conn *c)
{
  c->last_success = eng_now(c->e);
  if (c->state == ATSYNC_PERMISSION_MISSING)
    return; /* another endpoint worked: the denied one is still denied,
               and its probe keeps its backoff (see push.c on_answer) */
  c->hold_attempts = 0;
  c->hold_until = 0;
  if (c->state == ATSYNC_THROTTLED || c->state == ATSYNC_ATS_UNAVAILABLE ||
      c->state == ATSYNC_CONNECTING)
    conn_set_state(c, ATSYNC_CONNECTED, "");
}

void conn_check_mappings(struct conn *c)
{
  struct store *st = c->e->st;
  char what[sizeof c->reason] = ""; /* the whole sentence, with the fix */
  if (store_q(st,
              "SELECT error FROM candidates WHERE org_id = ? AND sync = ? AND "
              "cause IN ('job_map', 'stage_map') ORDER BY id LIMIT 1",
              "Ii", c->org, (int)ATSYNC_NEEDS_ATTENTION) == SQLITE_ROW)
    store_col_text(st, 0, what, sizeof what);
  store_done(st);
  if (what[0] && (c->state == ATSYNC_CONNECTED ||
                  c->state == ATSYNC_MISCONFIGURED))
    conn_set_state(c, ATSYNC_MISCONFIGURED, what);
  else if (!what[0] && c->state == ATSYNC_MISCONFIGURED)
    conn_set_state(c, ATSYNC_CONNECTED, "");
  /* the ATS may heal it without us (an admin reopens the job, adds the
   * stage back): check again now and then, one candidate at a time */
  if (!what[0])
    c->recheck_at = 0;
  else if (c->recheck_at == 0)
    c->recheck_at = eng_now(c->e) + RECHECK_MS;
}

/* Queue the oldest candidate held by a mapping problem again; its success
 * releases the others (push.c synced()). */
static void recheck_mapping(struct conn *c)
{
  struct atsync *e = c->e;
  int64_t cid = 0;
  char ref[64] = "";
  if (store_q(e->st,
              "SELECT id, ref FROM candidates WHERE org_id = ? AND sync = ? "
              "AND cause IN ('job_map', 'stage_map') ORDER BY id LIMIT 1",
              "Ii", c->org, (int)ATSYNC_NEEDS_ATTENTION) == SQLITE_ROW) {
    cid = store_col_int(e->st, 0);
    store_col_text(e->st, 1, ref, sizeof ref);
  }
  store_done(e->st);
  c->recheck_at = 0;
  if (cid == 0)
    return;
  c->recheck_cid = cid;
  store_begin(e->st);
  store_q(e->st, "UPDATE pushes SET state = 0, due = ? WHERE candidate_id = ?",
          "II", eng_now(e), cid);
  store_q(e->st, "UPDATE candidates SET sync = ?, cause = '' WHERE id = ?",
          "iI", (int)ATSYNC_PUSHING, cid);
  eng_log(e, c->org, ref, "retry",
          "Checking again whether the mapping problem is still there (every "
          "%d minutes while it stands)", RECHECK_MS / 60000);
  store_commit(e->st);
}

void conn_save_tokens(struct conn *c)
{
  struct store *st = c->e->st;
  store_begin(st);
  store_q(st,
          "UPDATE connections SET access_token = ?, access_expires = ?, "
          "refresh_token = ?, refresh_expires = ?, refreshed_at = ?, "
          "auth_code = NULL WHERE org_id = ?",
          "sIsIII", c->access, c->access_exp, c->refresh, c->refresh_exp,
          c->refreshed_at, c->org);
  store_commit(st);
}

void conn_forget_job(struct conn *c, const char *job)
{
  for (size_t i = 0; i < c->njobs; i++) {
    if (strcmp(c->jobs[i].id, job) == 0) {
      c->jobs[i] = c->jobs[--c->njobs];
      return;
    }
  }
}

/* ---- open / close ------------------------------------------------------------- */

struct atsync *atsync_open(const struct atsync_config *cfg, char *err,
                           size_t errlen)
{
  if (cfg == NULL || cfg->loop == NULL) {
    snprintf(err, errlen, "atsync_open: a loop is required");
    return NULL;
  }
  struct atsync *e = calloc(1, sizeof *e);
  if (e == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  e->cfg = *cfg;
  e->loop = cfg->loop;
#define DEF(f, v)                                                              \
  if (e->cfg.f <= 0)                                                           \
  e->cfg.f = (v)
  DEF(max_inflight, 4);
  DEF(request_timeout_ms, 30000);
  DEF(backoff_base_ms, 1000);
  DEF(backoff_cap_ms, 300000);
  DEF(refresh_margin_ms, 300000);
  DEF(idle_refresh_ms, 20 * 3600 * 1000);
  DEF(retry_after_cap_ms, 3600 * 1000);
#undef DEF
  if (e->cfg.poll_interval_ms == 0)
    e->cfg.poll_interval_ms = 5 * 60 * 1000;
  at_prng_seed(&e->prng, cfg->seed);
  e->st = store_open(cfg->store, err, errlen);
  if (e->st == NULL) {
    free(e);
    return NULL;
  }
  if (webhook_open(e, err, errlen) != 0) {
    store_close(e->st);
    free(e);
    return NULL;
  }
  /* every organization with a connection comes back, and its due pushes */
  int64_t orgs[256];
  size_t n = 0;
  int rc = store_q(e->st, "SELECT org_id FROM connections ORDER BY org_id", "");
  for (; rc == SQLITE_ROW && n < 256; rc = store_next(e->st))
    orgs[n++] = store_col_int(e->st, 0);
  store_done(e->st);
  for (size_t i = 0; i < n; i++) {
    struct conn *c = eng_conn(e, orgs[i]);
    if (c && c->has_creds && c->auth_code && c->auth == ATSYNC_AUTH_OAUTH_CODE)
      auth_request(c, NULL); /* a code exchange that did not finish */
  }
  eng_kick(e, 0);
  return e;
}

void atsync_close(struct atsync *e)
{
  if (e == NULL)
    return;
  webhook_close(e);
  while (e->nrunning > 0)
    push_abandon(e->running[e->nrunning - 1]);
  for (size_t i = 0; i < e->nconns; i++) {
    request_cancel(e->conns[i]->token_rq);
    e->conns[i]->token_rq = NULL;
    free(e->conns[i]->waiters); /* every push is gone already */
    e->conns[i]->waiters = NULL;
    e->conns[i]->nwaiters = 0;
    conn_free(e->conns[i]);
  }
  /* last: abandoning a push kicks the scheduler (a new timer) */
  at_timer_cancel(e->loop, e->wake);
  e->wake = NULL;
  free(e->conns);
  free(e->running);
  store_close(e->st);
  for (size_t i = 0; i < e->nsecrets; i++)
    free(e->secrets[i]);
  free(e->secrets);
  free(e);
}

/* ---- organizations ------------------------------------------------------------ */

int atsync_org(struct atsync *e, const char *name, int64_t *org, char *err,
               size_t errlen)
{
  if (name == NULL || *name == '\0' || strlen(name) > 63) {
    snprintf(err, errlen, "an organization needs a name (1-63 characters)");
    return -1;
  }
  if (store_q(e->st, "SELECT id FROM orgs WHERE name = ?", "s", name) ==
      SQLITE_ROW) {
    *org = store_col_int(e->st, 0);
    store_done(e->st);
    return 0;
  }
  if (store_begin(e->st) != 0 ||
      store_q(e->st, "INSERT INTO orgs (name, created) VALUES (?, ?)", "sI",
              name, eng_now(e)) != SQLITE_DONE) {
    snprintf(err, errlen, "cannot create the organization: %s",
             store_error(e->st));
    store_rollback(e->st);
    return -1;
  }
  *org = store_last_id(e->st);
  store_commit(e->st);
  return 0;
}

/* ---- connect / disconnect -------------------------------------------------------- */

const char *atsync_auth_name(const char *kind, enum atsync_auth auth)
{
  const struct connector *ops = connector_find(kind);
  if (ops && ops->auth_name)
    return ops->auth_name(auth);
  return auth == ATSYNC_AUTH_API_KEY       ? "API key"
         : auth == ATSYNC_AUTH_OAUTH_CODE ? "OAuth authorization code"
                                          : "OAuth client credentials";
}

static bool blank(const char *s) { return s == NULL || *s == '\0'; }

static int check_creds(const struct atsync_credentials *cr, char *err,
                       size_t errlen)
{
  const struct connector *ops = cr ? connector_find(cr->kind) : NULL;
  if (ops == NULL) {
    char list[128] = "";
    for (size_t i = 0; connector_name(i); i++) {
      size_t o = strlen(list);
      snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
               connector_name(i));
    }
    snprintf(err, errlen, "unknown ATS '%s' (available: %s)",
             cr && cr->kind ? cr->kind : "", list);
    return -1;
  }
  if (blank(cr->base_url) || (strncmp(cr->base_url, "http://", 7) &&
                              strncmp(cr->base_url, "https://", 8))) {
    snprintf(err, errlen, "the ATS URL must start with http:// or https://");
    return -1;
  }
  switch (cr->auth) {
  case ATSYNC_AUTH_API_KEY:
    if (blank(cr->api_key)) {
      snprintf(err, errlen, "an API key connection needs the key");
      return -1;
    }
    return ops->check_credentials ? ops->check_credentials(cr, err, errlen)
                                  : 0;
  case ATSYNC_AUTH_OAUTH_CODE:
    if (blank(cr->auth_code)) {
      snprintf(err, errlen, "OAuth needs an authorization code (or choose "
               "client credentials)");
      return -1;
    }
    /* fall through */
  case ATSYNC_AUTH_CLIENT_CREDENTIALS:
    if (blank(cr->client_id) || blank(cr->client_secret)) {
      snprintf(err, errlen, "OAuth needs a client id and a client secret");
      return -1;
    }
    return ops->check_credentials ? ops->check_credentials(cr, err, errlen)
                                  : 0;
  }
  snprintf(err, errlen, "unknown authentication mode");
  return -1;
}

int atsync_connect(struct atsync *e, int64_t org,
                   const struct atsync_credentials *cr, char *err,
                   size_t errlen)
{
  if (check_creds(cr, err, errlen) != 0)
    return -1;
  struct conn *c = eng_conn(e, org);
  if (c == NULL) {
    snprintf(err, errlen, "no such organization");
    return -1;
  }
  bool again = c->connected_ever || c->has_creds;
  /* pushes in flight under the old credentials give up (they stay queued) */
  for (size_t i = e->nrunning; i-- > 0;)
    if (push_conn(e->running[i]) == c)
      push_abandon(e->running[i]);
  auth_cancel(c);
  pull_abandon(c);
  creds_free(c);
  char token_url[1024];
  size_t bl = strlen(cr->base_url);
  const struct connector *ops = connector_find(cr->kind);
  if (blank(cr->token_url)) /* the vendor's path on the base URL */
    snprintf(token_url, sizeof token_url, "%.*s%s",
             (int)(cr->base_url[bl - 1] == '/' ? bl - 1 : bl), cr->base_url,
             ops && ops->token_path ? ops->token_path : "/token");
  else
    snprintf(token_url, sizeof token_url, "%s", cr->token_url);
  c->kind = strdup(cr->kind);
  c->base_url = strndup(cr->base_url, cr->base_url[bl - 1] == '/' ? bl - 1 : bl);
  c->auth = cr->auth;
  c->client_id = cr->client_id ? strdup(cr->client_id) : NULL;
  c->client_secret = cr->client_secret ? strdup(cr->client_secret) : NULL;
  c->token_url = strdup(token_url);
  c->redirect_uri = cr->redirect_uri ? strdup(cr->redirect_uri) : NULL;
  c->sub = cr->sub ? strdup(cr->sub) : NULL;
  c->api_key = cr->api_key ? strdup(cr->api_key) : NULL;
  c->obo = cr->on_behalf_of ? strdup(cr->on_behalf_of) : NULL;
  c->auth_code = cr->auth == ATSYNC_AUTH_OAUTH_CODE ? strdup(cr->auth_code)
                                                    : NULL;
  c->webhook_secret = blank(cr->webhook_secret) ? NULL
                                                : strdup(cr->webhook_secret);
  c->ops = connector_find(cr->kind);
  c->has_creds = true;
  c->generation++;
  c->hold_until = 0;
  c->hold_attempts = 0;
  c->token_retry_at = 0;
  c->token_failures = 0;
  setup_pacing(c);
  const char *secrets[] = {c->client_secret, c->api_key, c->auth_code,
                           c->webhook_secret};
  for (size_t i = 0; i < 4; i++)
    eng_secret(e, secrets[i]);
  /* the first poll reads changes from now on (nothing of ours in the ATS
   * is older), and it comes at once: the people walk, then applications */
  if (c->poll_cursor == 0)
    c->poll_cursor = eng_now(e) - 60000;
  c->poll_at = 0;
  enum atsync_state st = cr->auth == ATSYNC_AUTH_API_KEY ? ATSYNC_CONNECTED
                                                         : ATSYNC_CONNECTING;
  store_begin(e->st);
  store_q(e->st,
          "INSERT OR REPLACE INTO connections (org_id, kind, base_url, auth, "
          "client_id, client_secret, token_url, redirect_uri, sub, api_key, "
          "on_behalf_of, auth_code, state, reason, since, connected_ever, "
          "last_success, webhook_secret, poll_cursor, people_cursor, "
          "people_ready, last_poll, last_webhook) VALUES (?, ?, ?, ?, ?, ?, "
          "?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          "Issi" "ssssssss" "i" "IbI" "sIIbII", org, c->kind, c->base_url,
          (int)c->auth, c->client_id, c->client_secret, c->token_url,
          c->redirect_uri, c->sub, c->api_key, c->obo, c->auth_code, (int)st,
          eng_now(e), c->connected_ever, c->last_success, c->webhook_secret,
          c->poll_cursor, c->people_cursor, c->people_ready, c->last_poll,
          c->last_webhook);
  eng_log(e, org, NULL, "connect", "%s %s (%s) at %s",
          again ? "Reconnected" : "Connected", c->ops->display,
          atsync_auth_name(c->kind, cr->auth), c->base_url);
  store_commit(e->st);
  /* log the change from the state the customer saw ("disconnected ->
   * connecting"); a reconnect into the same state is logged as new */
  if (c->state == st)
    c->state = ATSYNC_NOT_CONNECTED;
  conn_set_state(c, st, "");
  if (cr->auth != ATSYNC_AUTH_API_KEY)
    auth_request(c, NULL); /* a code lives a minute: exchange it now; client
                              credentials are checked at once too */
  /* pushes held by the old problem may go now */
  store_q(e->st, "UPDATE pushes SET due = ? WHERE org_id = ? AND state = 0",
          "II", eng_now(e), org);
  eng_kick(e, 0);
  return 0;
}

int atsync_disconnect(struct atsync *e, int64_t org, char *err, size_t errlen)
{
  struct conn *c = eng_conn(e, org);
  if (c == NULL || !c->has_creds) {
    snprintf(err, errlen, "the organization is not connected");
    return -1;
  }
  for (size_t i = e->nrunning; i-- > 0;)
    if (push_conn(e->running[i]) == c)
      push_abandon(e->running[i]);
  auth_cancel(c);
  pull_abandon(c);
  creds_free(c);
  c->generation++;
  store_begin(e->st);
  store_q(e->st,
          "UPDATE connections SET client_id = NULL, client_secret = NULL, "
          "api_key = NULL, auth_code = NULL, access_token = NULL, "
          "refresh_token = NULL, webhook_secret = NULL WHERE org_id = ?",
          "I", org);
  conn_set_state(c, ATSYNC_NOT_CONNECTED,
                 "Disconnected in Settings > Integrations; approvals wait "
                 "until it is connected again");
  store_commit(e->st);
  return 0;
}

int atsync_connection(struct atsync *e, int64_t org,
                      struct atsync_connection *out)
{
  struct conn *c = eng_conn(e, org);
  if (c == NULL)
    return -1;
  memset(out, 0, sizeof *out);
  out->state = c->state;
  snprintf(out->reason, sizeof out->reason, "%s", c->reason);
  out->since = c->since;
  snprintf(out->kind, sizeof out->kind, "%s", c->kind ? c->kind : "");
  out->auth = c->auth;
  out->connected_ever = c->connected_ever;
  out->last_success = c->last_success;
  out->webhooks = c->webhook_secret != NULL;
  out->last_webhook = c->last_webhook;
  out->last_poll = c->last_poll;
  out->poll_cursor = c->poll_cursor;
  out->people_ready = c->people_ready;
  out->webhooks_rejected = c->webhooks_rejected;
  return 0;
}

/* ---- mappings ------------------------------------------------------------------ */

/* Candidates held by a mapping problem are tried again. */
void eng_requeue_cause(struct atsync *e, int64_t org, const char *cause)
{
  store_q(e->st,
          "UPDATE pushes SET state = 0, due = ? WHERE org_id = ? AND state = "
          "1 AND candidate_id IN (SELECT id FROM candidates WHERE org_id = ? "
          "AND cause = ?)",
          "IIIs", eng_now(e), org, org, cause);
  store_q(e->st,
          "UPDATE candidates SET sync = ?, cause = '' WHERE org_id = ? AND "
          "sync = ? AND cause = ?",
          "iIis", (int)ATSYNC_PUSHING, org, (int)ATSYNC_NEEDS_ATTENTION,
          cause);
}

static int map(struct atsync *e, int64_t org, const char *table_sql,
               const char *cause, const char *ours, const char *ats,
               const char *what, char *err, size_t errlen)
{
  if (blank(ours) || blank(ats) || strlen(ours) > 63 || strlen(ats) > 120) {
    snprintf(err, errlen, "a %s mapping needs our name and the ATS's %s",
             what, strcmp(what, "job") ? "stage name" : "job id");
    return -1;
  }
  struct conn *c = eng_conn(e, org);
  if (c == NULL) {
    snprintf(err, errlen, "no such organization");
    return -1;
  }
  store_begin(e->st);
  store_q(e->st, table_sql, "Iss", org, ours, ats);
  eng_log(e, org, NULL, "mapping", "Mapped %s '%s' to '%s'", what, ours, ats);
  eng_requeue_cause(e, org, cause);
  if (strcmp(cause, "stage_map") == 0) /* a stage name can hide a job */
    eng_requeue_cause(e, org, "job_map");
  if (strcmp(cause, "job_map") == 0) /* the job may not require it */
    eng_requeue_cause(e, org, "data");
  store_commit(e->st);
  c->njobs = 0; /* read the jobs again */
  conn_check_mappings(c);
  eng_kick(e, 0);
  return 0;
}

int atsync_map_job(struct atsync *e, int64_t org, const char *ours,
                   const char *ats_job, char *err, size_t errlen)
{
  for (const char *p = ats_job; p && *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
      snprintf(err, errlen, "'%s' is not an ATS job id", ats_job);
      return -1;
    }
  return map(e, org,
             "INSERT OR REPLACE INTO job_maps (org_id, ours, ats) VALUES "
             "(?, ?, ?)",
             "job_map", ours, ats_job, "job", err, errlen);
}

int atsync_map_stage(struct atsync *e, int64_t org, const char *ours,
                     const char *ats_stage, char *err, size_t errlen)
{
  return map(e, org,
             "INSERT OR REPLACE INTO stage_maps (org_id, ours, ats) VALUES "
             "(?, ?, ?)",
             "stage_map", ours, ats_stage, "stage", err, errlen);
}

int atsync_map_job_source(struct atsync *e, int64_t org, const char *ours,
                          const char *ats_source, char *err, size_t errlen)
{
  struct conn *c = eng_conn(e, org);
  if (c == NULL) {
    snprintf(err, errlen, "no such organization");
    return -1;
  }
  for (const char *p = ats_source; p && *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') {
      snprintf(err, errlen, "'%s' is not an ATS source id", ats_source);
      return -1;
    }
  store_begin(e->st);
  store_q(e->st, "UPDATE job_maps SET source = ? WHERE org_id = ? AND ours = ?",
          "sIs", blank(ats_source) ? NULL : ats_source, org, ours ? ours : "");
  if (store_changes(e->st) == 0) {
    store_rollback(e->st);
    snprintf(err, errlen, "our job '%s' is not mapped: map it first",
             ours ? ours : "");
    return -1;
  }
  eng_log(e, org, NULL, "mapping", "Job '%s' applications get source %s", ours,
          blank(ats_source) ? "(none)" : ats_source);
  eng_requeue_cause(e, org, "data");
  store_commit(e->st);
  eng_kick(e, 0);
  return 0;
}

int atsync_map_status(struct atsync *e, int64_t org, const char *ats_stage,
                      const char *ours, char *err, size_t errlen)
{
  if (blank(ats_stage) || blank(ours) || strlen(ats_stage) > 120 ||
      strlen(ours) > 63) {
    snprintf(err, errlen, "a status mapping needs the ATS's stage name (or "
             "'rejected', 'hired') and our status");
    return -1;
  }
  if (eng_conn(e, org) == NULL) {
    snprintf(err, errlen, "no such organization");
    return -1;
  }
  store_begin(e->st);
  store_q(e->st, "INSERT OR REPLACE INTO status_maps (org_id, ats, ours) "
                 "VALUES (?, ?, ?)", "Iss", org, ats_stage, ours);
  eng_log(e, org, NULL, "mapping", "Status mapping: '%s' in the ATS reads "
          "'%s'", ats_stage, ours);
  store_commit(e->st);
  return 0;
}

int atsync_org_set(struct atsync *e, int64_t org, const char *key,
                   const char *value, char *err, size_t errlen)
{
  struct conn *c = eng_conn(e, org);
  if (c == NULL) {
    snprintf(err, errlen, "no such organization");
    return -1;
  }
  if (key == NULL || strcmp(key, "default_country") != 0) {
    snprintf(err, errlen, "unknown organization setting '%s' (settings: "
             "default_country)", key ? key : "");
    return -1;
  }
  char cc[8] = "";
  if (!blank(value)) {
    if (strlen(value) != 2 || !isalpha((unsigned char)value[0]) ||
        !isalpha((unsigned char)value[1])) {
      snprintf(err, errlen, "default_country '%s' is not an ISO 3166 "
               "two-letter country code (e.g. US, GB, DE)", value);
      return -1;
    }
    cc[0] = (char)toupper((unsigned char)value[0]);
    cc[1] = (char)toupper((unsigned char)value[1]);
  }
  store_begin(e->st);
  store_q(e->st, "UPDATE orgs SET default_country = ? WHERE id = ?", "sI", cc,
          org);
  if (strcmp(cc, c->default_country) != 0)
    pull_people_reset(c); /* phones are compared in E.164: read them again
                             with the new country */
  eng_log(e, org, NULL, "setting", "Default country: %s", cc[0] ? cc : "none");
  eng_requeue_cause(e, org, "data");
  store_commit(e->st);
  snprintf(c->default_country, sizeof c->default_country, "%s", cc);
  eng_kick(e, 0);
  return 0;
}

/* ---- approvals ------------------------------------------------------------------- */

static int check_candidate(const struct atsync_candidate *c, bool partial,
                           char *err, size_t errlen)
{
  if (!partial && (blank(c->first) || blank(c->last))) {
    snprintf(err, errlen, "a candidate needs a first and a last name");
    return -1;
  }
  if (!partial && c->nemails == 0) {
    snprintf(err, errlen, "a candidate needs at least one email address");
    return -1;
  }
  if (c->nemails > ATSYNC_MAX_EMAILS) {
    snprintf(err, errlen, "at most %d email addresses", ATSYNC_MAX_EMAILS);
    return -1;
  }
  for (size_t i = 0; i < c->nemails; i++) {
    const char *m = c->emails[i];
    const char *at = m ? strchr(m, '@') : NULL;
    if (at == NULL || at == m || at[1] == '\0' || strchr(m, '\n') ||
        strlen(m) > 254) {
      snprintf(err, errlen, "'%s' is not an email address", m ? m : "");
      return -1;
    }
  }
  if (!partial && blank(c->job)) {
    snprintf(err, errlen, "a candidate needs our job (map it with "
             "'map job')");
    return -1;
  }
  if (c->nfields > ATSYNC_MAX_FIELDS) {
    snprintf(err, errlen, "at most %d custom fields", ATSYNC_MAX_FIELDS);
    return -1;
  }
  for (size_t i = 0; i < c->nfields; i++) {
    const char *k = c->field_keys[i], *v = c->field_values[i];
    bool ok = !blank(k) && strlen(k) <= 60 && v && strlen(v) <= 200 &&
              !strchr(v, '\n');
    for (const char *p = k; ok && *p; p++)
      ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok) {
      snprintf(err, errlen, "custom field '%s' needs a key of letters, digits "
               "and '_' and a one-line value (200 characters at most)",
               k ? k : "");
      return -1;
    }
  }
  const char *fields[] = {c->first, c->last, c->phone, c->job, c->stage,
                          c->ref};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
    if (fields[i] && strlen(fields[i]) > 120) {
      snprintf(err, errlen, "'%.40s...' is too long (120 characters at most)",
               fields[i]);
      return -1;
    }
  return 0;
}

static void join_fields(const struct atsync_candidate *c, char *buf,
                        size_t len)
{
  buf[0] = '\0';
  for (size_t i = 0; i < c->nfields; i++) {
    size_t o = strlen(buf);
    snprintf(buf + o, len - o, "%s%s=%s", i ? "\n" : "", c->field_keys[i],
             c->field_values[i]);
  }
}

static void join_emails(const struct atsync_candidate *c, char *buf,
                        size_t len)
{
  buf[0] = '\0';
  for (size_t i = 0; i < c->nemails; i++) {
    size_t o = strlen(buf);
    snprintf(buf + o, len - o, "%s%s", i ? "\n" : "", c->emails[i]);
  }
}

int atsync_approve(struct atsync *e, int64_t org,
                   const struct atsync_candidate *c, int64_t *id, char *err,
                   size_t errlen)
{
  if (check_candidate(c, false, err, errlen) != 0)
    return -1;
  if (eng_conn(e, org) == NULL) {
    snprintf(err, errlen, "no such organization");
    return -1;
  }
  char emails[ATSYNC_MAX_EMAILS * 256], fields[ATSYNC_MAX_FIELDS * 270];
  join_emails(c, emails, sizeof emails);
  join_fields(c, fields, sizeof fields);
  int64_t now = eng_now(e);
  struct store *st = e->st;
  if (store_begin(st) != 0) {
    snprintf(err, errlen, "the store is busy: %s", store_error(st));
    return -1;
  }
  const char *ref = blank(c->ref) ? "" : c->ref;
  if (*ref && store_q(st, "SELECT 1 FROM candidates WHERE org_id = ? AND "
                          "ref = ?", "Is", org, ref) == SQLITE_ROW) {
    store_rollback(st);
    snprintf(err, errlen, "a candidate '%s' was approved already (use update)",
             ref);
    return -1;
  }
  /* the approval and its push: one transaction */
  int rc = store_q(st,
                   "INSERT INTO candidates (org_id, ref, first, last, emails, "
                   "phone, job, stage, sync, approved_at, updated_at, fields, "
                   "status, status_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                   "?, ?, ?, ?)",
                   "IsssssssiIIssI", org, *ref ? ref : "-", c->first, c->last,
                   emails, c->phone, c->job, blank(c->stage) ? "approved"
                                                              : c->stage,
                   (int)ATSYNC_QUEUED, now, now, fields,
                   blank(c->stage) ? "approved" : c->stage, now);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "cannot save the approval: %s", store_error(st));
    store_rollback(st);
    return -1;
  }
  int64_t cid = store_last_id(st);
  char gen[32];
  if (!*ref) {
    snprintf(gen, sizeof gen, "c-%lld", (long long)cid);
    store_q(st, "UPDATE candidates SET ref = ? WHERE id = ?", "sI", gen, cid);
    ref = gen;
  }
  if (store_q(st, "INSERT INTO pushes (candidate_id, org_id, due, state, "
                  "created) VALUES (?, ?, ?, 0, ?)",
              "IIII", cid, org, now, now) != SQLITE_DONE) {
    snprintf(err, errlen, "cannot queue the push: %s", store_error(st));
    store_rollback(st);
    return -1;
  }
  eng_log(e, org, ref, "approved", "Approved %s %s for job '%s'", c->first,
          c->last, c->job);
  if (store_commit(st) != 0) {
    snprintf(err, errlen, "cannot save the approval: %s", store_error(st));
    return -1;
  }
  if (id)
    *id = cid;
  eng_kick(e, 0);
  return 0;
}

int atsync_update(struct atsync *e, int64_t org, const char *ref,
                  const struct atsync_candidate *patch, char *err,
                  size_t errlen)
{
  if (check_candidate(patch, true, err, errlen) != 0)
    return -1;
  struct store *st = e->st;
  store_begin(st);
  if (store_q(st, "SELECT id, sync FROM candidates WHERE org_id = ? AND "
                  "ref = ?", "Is", org, ref ? ref : "") != SQLITE_ROW) {
    store_rollback(st);
    snprintf(err, errlen, "no candidate '%s'", ref ? ref : "");
    return -1;
  }
  int64_t cid = store_col_int(st, 0);
  int sync = (int)store_col_int(st, 1);
  store_done(st);
  char emails[ATSYNC_MAX_EMAILS * 256], fields[ATSYNC_MAX_FIELDS * 270];
  join_emails(patch, emails, sizeof emails);
  join_fields(patch, fields, sizeof fields);
  store_q(st,
          "UPDATE candidates SET first = coalesce(?, first), last = "
          "coalesce(?, last), emails = coalesce(?, emails), phone = "
          "coalesce(?, phone), job = coalesce(?, job), stage = coalesce(?, "
          "stage), fields = coalesce(?, fields), updated_at = ? WHERE id = ?",
          "sssssssII", patch->first, patch->last,
          patch->nemails ? emails : NULL, patch->phone, patch->job,
          patch->stage, patch->nfields ? fields : NULL, eng_now(e), cid);
  if (sync == ATSYNC_NEEDS_ATTENTION) { /* the data changed: try again */
    store_q(st, "UPDATE pushes SET state = 0, due = ? WHERE candidate_id = ?",
            "II", eng_now(e), cid);
    store_q(st, "UPDATE candidates SET sync = ?, cause = '' WHERE id = ?",
            "iI", (int)ATSYNC_PUSHING, cid);
  }
  eng_log(e, org, ref, "updated", "Candidate data changed%s",
          sync == ATSYNC_NEEDS_ATTENTION ? "; the push is queued again" : "");
  store_commit(st);
  struct conn *c = eng_conn(e, org);
  if (c)
    conn_check_mappings(c);
  eng_kick(e, 0);
  return 0;
}

/* ---- queries ---------------------------------------------------------------------- */

static void read_cand(struct atsync *e, struct conn *c,
                      struct atsync_candidate_info *o)
{
  struct store *st = e->st;
  memset(o, 0, sizeof *o);
  o->id = store_col_int(st, 0);
  store_col_text(st, 1, o->ref, sizeof o->ref);
  store_col_text(st, 2, o->first, sizeof o->first);
  store_col_text(st, 3, o->last, sizeof o->last);
  store_col_text(st, 4, o->emails, sizeof o->emails);
  for (char *p = o->emails; *p; p++)
    if (*p == '\n')
      *p = ',';
  store_col_text(st, 5, o->job, sizeof o->job);
  store_col_text(st, 6, o->stage, sizeof o->stage);
  o->sync = (enum atsync_sync)store_col_int(st, 7);
  store_col_text(st, 8, o->ats_candidate_id, sizeof o->ats_candidate_id);
  store_col_text(st, 9, o->ats_application_id, sizeof o->ats_application_id);
  store_col_text(st, 10, o->ats_stage, sizeof o->ats_stage);
  o->attempts = (int)store_col_int(st, 11);
  store_col_text(st, 12, o->error, sizeof o->error);
  store_col_text(st, 13, o->ats_words, sizeof o->ats_words);
  o->approved_at = store_col_int(st, 14);
  o->synced_at = store_col_int(st, 15);
  store_col_text(st, 16, o->status, sizeof o->status);
  store_col_text(st, 17, o->ats_status, sizeof o->ats_status);
  o->status_at = store_col_int(st, 18);
  store_col_text(st, 19, o->fields, sizeof o->fields);
  for (char *p = o->fields; *p; p++)
    if (*p == '\n')
      *p = ',';
  /* a push in flight is pushing, though nothing was recorded yet */
  if (o->sync == ATSYNC_QUEUED && push_running(e, o->id))
    o->sync = ATSYNC_PUSHING;
  /* a push the connection holds back is waiting, not failing */
  if ((o->sync == ATSYNC_QUEUED || o->sync == ATSYNC_PUSHING) && c &&
      (c->state == ATSYNC_DISCONNECTED || c->state == ATSYNC_NOT_CONNECTED ||
       c->state == ATSYNC_PERMISSION_MISSING))
    o->sync = ATSYNC_WAITING;
}

int atsync_candidate(struct atsync *e, int64_t org, const char *ref,
                     struct atsync_candidate_info *out)
{
  static const char sql[] =
      "SELECT id, ref, first, last, emails, job, stage, sync, "
      "ats_candidate_id, ats_application_id, ats_stage, attempts, error, "
      "ats_words, approved_at, synced_at, status, ats_status, status_at, "
      "fields FROM candidates "
      "WHERE org_id = ? AND ref = ?";
  struct conn *c = eng_conn(e, org);
  if (store_q(e->st, sql, "Is", org, ref ? ref : "") != SQLITE_ROW)
    return -1;
  read_cand(e, c, out);
  store_done(e->st);
  return 0;
}

int atsync_candidates(struct atsync *e, int64_t org,
                      void (*fn)(void *, const struct atsync_candidate_info *),
                      void *ud)
{
  static const char sql[] =
      "SELECT id, ref, first, last, emails, job, stage, sync, "
      "ats_candidate_id, ats_application_id, ats_stage, attempts, error, "
      "ats_words, approved_at, synced_at, status, ats_status, status_at, "
      "fields FROM candidates "
      "WHERE org_id = ? AND id > ? ORDER BY id LIMIT 1";
  struct conn *c = eng_conn(e, org);
  int64_t after = 0;
  /* one row per query: the callback may query the engine itself */
  while (store_q(e->st, sql, "II", org, after) == SQLITE_ROW) {
    struct atsync_candidate_info info;
    read_cand(e, c, &info);
    store_done(e->st);
    after = info.id;
    fn(ud, &info);
  }
  return 0;
}

int atsync_log(struct atsync *e, int64_t org, int64_t after,
               void (*fn)(void *, const struct atsync_log_entry *), void *ud)
{
  static const char sql[] =
      "SELECT id, at, candidate, kind, message FROM log WHERE org_id = ? "
      "AND id > ? ORDER BY id LIMIT 1";
  while (store_q(e->st, sql, "II", org, after) == SQLITE_ROW) {
    struct atsync_log_entry l;
    l.id = store_col_int(e->st, 0);
    l.at = store_col_int(e->st, 1);
    store_col_text(e->st, 2, l.candidate, sizeof l.candidate);
    store_col_text(e->st, 3, l.kind, sizeof l.kind);
    store_col_text(e->st, 4, l.message, sizeof l.message);
    store_done(e->st);
    after = l.id;
    fn(ud, &l);
  }
  return 0;
}

int atsync_pending(struct atsync *e, int64_t org)
{
  int n = 0;
  if (store_q(e->st, "SELECT count(*) FROM pushes WHERE org_id = ? AND "
                     "state = 0", "I", org) == SQLITE_ROW)
    n = (int)store_col_int(e->st, 0);
  store_done(e->st);
  return n;
}

static int count_stored(struct atsync *e, int64_t org, int sync)
{
  int n = 0;
  int rc = sync < 0
               ? store_q(e->st,
                         "SELECT count(*) FROM candidates WHERE org_id = ?",
                         "I", org)
               : store_q(e->st,
                         "SELECT count(*) FROM candidates WHERE org_id = ? "
                         "AND sync = ?",
                         "Ii", org, sync);
  if (rc == SQLITE_ROW)
    n = (int)store_col_int(e->st, 0);
  store_done(e->st);
  return n;
}

/* The same states atsync_candidate() reports (see read_candidate): queued
 * and running reads pushing; queued or pushing on a connection that holds
 * them back reads waiting. */
int atsync_count(struct atsync *e, int64_t org, int sync)
{
  if (sync < 0 || sync == ATSYNC_SYNCED || sync == ATSYNC_NEEDS_ATTENTION)
    return count_stored(e, org, sync);
  struct conn *c = eng_conn(e, org);
  bool held = c && (c->state == ATSYNC_DISCONNECTED ||
                    c->state == ATSYNC_NOT_CONNECTED ||
                    c->state == ATSYNC_PERMISSION_MISSING);
  int queued = count_stored(e, org, ATSYNC_QUEUED);
  int pushing = count_stored(e, org, ATSYNC_PUSHING);
  if (sync == ATSYNC_WAITING)
    return held ? queued + pushing : 0;
  if (held)
    return 0;
  int running_queued = 0; /* stored queued, but in flight: pushing */
  for (size_t i = 0; i < e->nrunning; i++) {
    if (push_conn(e->running[i]) != c)
      continue;
    if (store_q(e->st, "SELECT sync FROM candidates WHERE id = ?", "I",
                push_id(e->running[i])) == SQLITE_ROW &&
        store_col_int(e->st, 0) == ATSYNC_QUEUED)
      running_queued++;
    store_done(e->st);
  }
  return sync == ATSYNC_QUEUED ? queued - running_queued
                               : pushing + running_queued;
}

void atsync_redact(struct atsync *e, char *text)
{
  eng_redact(e, text, strlen(text) + 1);
}

/* ---- the scheduler --------------------------------------------------------------------- */

static bool conn_may_push(const struct conn *c)
{
  return c->has_creds && c->state != ATSYNC_NOT_CONNECTED &&
         c->state != ATSYNC_DISCONNECTED && c->state != ATSYNC_CONNECTING;
}

/* The next queued push of the connection that is not running: its due
 * time and id (false when none). */
static bool next_push(struct conn *c, int64_t *due, int64_t *cid)
{
  struct atsync *e = c->e;
  int64_t ids[64], dues[64];
  bool shares[64];
  size_t n = 0;
  char emails[ATSYNC_MAX_EMAILS * 256];
  /* the running ones, and those that share an email with a running one,
   * are skipped: look a little further than that */
  int rc = store_q(e->st,
                   "SELECT p.due, p.candidate_id, c.emails FROM pushes p JOIN "
                   "candidates c ON c.id = p.candidate_id WHERE p.org_id = ? "
                   "AND p.state = 0 ORDER BY p.due, p.candidate_id LIMIT ?",
                   "Ii", c->org, (int)e->nrunning + 16);
  for (; rc == SQLITE_ROW && n < 64; rc = store_next(e->st)) {
    dues[n] = store_col_int(e->st, 0);
    ids[n] = store_col_int(e->st, 1);
    store_col_text(e->st, 2, emails, sizeof emails);
    shares[n++] = push_shares_email(c, emails);
  }
  store_done(e->st);
  for (size_t i = 0; i < n; i++) {
    if (!push_running(e, ids[i]) && !shares[i]) {
      *due = dues[i];
      *cid = ids[i];
      return true;
    }
  }
  return false;
}

static void tick(void *ud)
{
  struct atsync *e = ud;
  e->wake = NULL;
  int64_t now = eng_now(e);
  int64_t next = INT64_MAX;
  for (size_t i = 0; i < e->nconns; i++) {
    struct conn *c = e->conns[i];
    if (!c->has_creds)
      continue;
    int64_t r = auth_next_refresh(c);
    if (r <= now && !c->token_busy)
      auth_request(c, NULL); /* keep an idle grant alive */
    else if (r < next)
      next = r;
    if (!conn_may_push(c))
      continue;
    if (c->recheck_at && c->recheck_at <= now)
      recheck_mapping(c);
    else if (c->recheck_at && c->recheck_at < next)
      next = c->recheck_at;
    int64_t due, cid;
    if (c->hold_until > now) { /* the connection backs off */
      if (c->inflight == 0 && next_push(c, &due, &cid))
        next = c->hold_until < next ? c->hold_until : next;
      pull_tick(c, now, &next); /* a poll waits for the hold too */
      continue;
    }
    while (c->inflight < e->cfg.max_inflight && next_push(c, &due, &cid)) {
      if (due > now) {
        if (due < next)
          next = due;
        break;
      }
      /* while a permission is missing, the ATS is down or it throttles,
       * one push at a time probes; the others follow once it gets
       * through */
      if ((c->state == ATSYNC_PERMISSION_MISSING ||
           c->state == ATSYNC_ATS_UNAVAILABLE ||
           c->state == ATSYNC_THROTTLED) && c->inflight > 0)
        break;
      push_start(c, cid);
    }
    pull_tick(c, now, &next);
  }
  if (next != INT64_MAX)
    eng_kick(e, next);
}

bool atsync_busy(struct atsync *e)
{
  if (e->nrunning > 0)
    return true;
  for (size_t i = 0; i < e->nconns; i++)
    if (e->conns[i]->token_busy || e->conns[i]->pull || e->conns[i]->poll)
      return true;
  return e->wake != NULL && e->wake_at <= eng_now(e);
}

int64_t atsync_next_wakeup(struct atsync *e)
{
  return e->wake ? e->wake_at : INT64_MAX;
}
