/* auth.c — tokens for OAuth connections: the authorization-code exchange,
 * refresh (single flight per connection, rotation honoured, the old refresh
 * token kept when the answer omits one), client credentials, and the
 * refresh of an idle grant before its refresh token lapses. A transient
 * failure of the token endpoint is an outage (ats_unavailable and a retry),
 * never a disconnect; invalid_grant or a rejected client is. */
#include "engine_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCESS_DEFAULT (3600 * 1000LL)
/* The longest wait between tries of an authorization-code exchange. */
#define CODE_RETRY_CAP (5 * 1000LL)

bool auth_ready(struct conn *c)
{
  if (c->auth == ATSYNC_AUTH_API_KEY)
    return true;
  if (c->access == NULL || c->auth_code != NULL)
    return false;
  return c->access_exp == 0 ||
         eng_now(c->e) < c->access_exp - c->e->cfg.refresh_margin_ms;
}

void auth_invalidate(struct conn *c)
{
  free(c->access);
  c->access = NULL;
  c->access_exp = 0;
}

int64_t auth_next_refresh(const struct conn *c)
{
  if (c->auth != ATSYNC_AUTH_OAUTH_CODE || c->refresh == NULL ||
      c->state == ATSYNC_DISCONNECTED || c->state == ATSYNC_NOT_CONNECTED)
    return INT64_MAX;
  if (c->token_retry_at > eng_now(c->e))
    return c->token_retry_at;
  int64_t ttl = c->ops ? c->ops->refresh_ttl_ms : 0;
  if (ttl <= 0)
    return INT64_MAX; /* refresh tokens that do not lapse */
  int64_t idle = c->e->cfg.idle_refresh_ms;
  if (idle > ttl / 6 * 5) /* well before the lapse, whatever the TTL */
    idle = ttl / 6 * 5;
  return c->refreshed_at + idle;
}

static void resume_all(struct conn *c, bool ok)
{
  /* a waiter may wait again (or be released): take the list first */
  size_t n = c->nwaiters;
  struct push **w = c->waiters;
  c->waiters = NULL;
  c->nwaiters = c->capwaiters = 0;
  for (size_t i = 0; i < n; i++)
    push_resume(w[i], ok);
  free(w);
}

static void add_waiter(struct conn *c, struct push *p)
{
  for (size_t i = 0; i < c->nwaiters; i++)
    if (c->waiters[i] == p)
      return;
  if (c->nwaiters == c->capwaiters) {
    size_t cap = c->capwaiters ? c->capwaiters * 2 : 8;
    struct push **v = realloc(c->waiters, cap * sizeof *v);
    if (v == NULL)
      return;
    c->waiters = v;
    c->capwaiters = cap;
  }
  c->waiters[c->nwaiters++] = p;
}

static void disconnect(struct conn *c, const char *words)
{
  char msg[600];
  snprintf(msg, sizeof msg, "Sync failed: %s no longer accepts these "
           "credentials (%s). The integration is disconnected: reconnect it "
           "in Settings > Integrations.", c->ops->display, words);
  auth_invalidate(c);
  free(c->auth_code);
  c->auth_code = NULL;
  conn_set_state(c, ATSYNC_DISCONNECTED, msg);
}

static void on_token(void *ud, struct op_result *r)
{
  struct conn *c = ud;
  struct atsync *e = c->e;
  int64_t now = eng_now(e);
  c->token_busy = false;
  c->token_rq = NULL;
  if (r->outcome == OUT_OK) {
    free(c->access);
    c->access = strdup(r->access_token);
    eng_secret(e, c->access);
    c->access_exp = now + (r->expires_in_ms > 0 ? r->expires_in_ms
                                                : ACCESS_DEFAULT);
    c->token_gen++; /* calls sent before now carry an older token */
    if (r->refresh_token[0]) { /* rotation; kept when the answer omits it */
      free(c->refresh);
      c->refresh = strdup(r->refresh_token);
      eng_secret(e, c->refresh);
    }
    if (c->auth == ATSYNC_AUTH_OAUTH_CODE) {
      c->refreshed_at = now;
      /* the connector says how long its refresh tokens live (0: no
       * lapse known, no idle refresh needed) */
      c->refresh_exp = c->ops->refresh_ttl_ms ? now + c->ops->refresh_ttl_ms
                                              : 0;
    }
    free(c->auth_code);
    c->auth_code = NULL;
    c->token_failures = 0;
    c->token_retry_at = 0;
    conn_save_tokens(c);
    if (c->state == ATSYNC_CONNECTING || c->state == ATSYNC_ATS_UNAVAILABLE)
      conn_set_state(c, ATSYNC_CONNECTED, "");
    resume_all(c, true);
    eng_kick(e, 0);
    return;
  }
  if (r->outcome == OUT_TRANSIENT || r->outcome == OUT_UNKNOWN) {
    /* the token endpoint is down: an outage, not a disconnect. An
     * authorization code lives about a minute: retry it often enough to
     * use it before it lapses. */
    int64_t cap = c->auth_code ? CODE_RETRY_CAP : e->cfg.backoff_cap_ms;
    int64_t wait = backoff_delay(&e->prng, c->token_failures++,
                                 e->cfg.backoff_base_ms, cap);
    if (r->retry_at > now + wait)
      wait = r->retry_at - now;
    c->token_retry_at = now + wait;
    if (c->token_retry_at > c->hold_until)
      c->hold_until = c->token_retry_at;
    char msg[600];
    snprintf(msg, sizeof msg, "%s's sign-in service is not answering "
             "properly (%s); atsync retries on its own. Nothing is lost.",
             c->ops->display, r->words);
    conn_set_state(c, ATSYNC_ATS_UNAVAILABLE, msg);
    resume_all(c, false);
    eng_kick(e, c->token_retry_at);
    return;
  }
  char words[500];
  snprintf(words, sizeof words, "%s%s%s", r->words, r->what[0] ? "; " : "",
           r->what);
  disconnect(c, words);
  resume_all(c, false);
}

void auth_request(struct conn *c, struct push *p)
{
  if (p)
    add_waiter(c, p);
  if (c->token_busy)
    return; /* single flight: the answer resumes every waiter */
  int64_t now = eng_now(c->e);
  if (c->token_retry_at > now) {
    resume_all(c, false); /* not yet: the waiters try again later */
    return;
  }
  struct op_args a = {0};
  if (c->auth == ATSYNC_AUTH_CLIENT_CREDENTIALS) {
    a.grant = GRANT_CLIENT_CREDENTIALS;
  } else if (c->auth_code) {
    a.grant = GRANT_CODE;
    a.code = c->auth_code;
  } else if (c->refresh) {
    a.grant = GRANT_REFRESH;
    a.refresh_token = c->refresh;
  } else {
    disconnect(c, "no refresh token is stored");
    resume_all(c, false);
    return;
  }
  c->token_busy = true;
  c->token_rq = conn_request(c, OP_TOKEN, &a, on_token, c);
  if (c->token_rq == NULL) {
    c->token_busy = false;
    resume_all(c, false);
  }
}

void auth_cancel(struct conn *c)
{
  request_cancel(c->token_rq);
  c->token_rq = NULL;
  c->token_busy = false;
  resume_all(c, false);
}
