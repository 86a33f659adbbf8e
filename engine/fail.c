/* fail.c — what a failed request means for the connection, whoever sent
 * it (a push or a pull): the state a customer sees, the sentence that says
 * what to do, and how long the connection holds off. The caller decides
 * what happens to its own work (retry at the hold, wait for a reconnect). */
#include "engine_int.h"

#include <stdio.h>
#include <string.h>

static const char *ats(const struct conn *c) { return c->ops->display; }

/* A 429: the connection holds until r->retry_at, which request.c set for
 * every 429 (the time the ATS named, or its backoff when it named none:
 * the pacing gate holds every request until then too). */
int64_t conn_throttled(struct conn *c, const struct op_result *r, char *msg,
                       size_t len)
{
  int64_t now = eng_now(c->e);
  char when[AT_TIME_BUF];
  int64_t until = r->retry_at > now ? r->retry_at : now + 1000;
  c->hold_until = until > c->hold_until ? until : c->hold_until;
  snprintf(msg, len, "%s is rate limiting atsync (429); sending resumes at "
           "%s. Nothing is lost.", ats(c),
           at_time_iso8601(c->hold_until, false, when));
  conn_set_state(c, ATSYNC_THROTTLED, msg);
  return c->hold_until;
}

int64_t conn_outage(struct conn *c, const struct op_result *r, char *msg,
                    size_t len)
{
  struct atsync *e = c->e;
  /* the whole connection backs off, with jitter */
  int64_t wait = backoff_delay(&e->prng, c->hold_attempts++,
                               e->cfg.backoff_base_ms, e->cfg.backoff_cap_ms);
  int64_t until = eng_now(e) + wait;
  if (r->retry_at > until)
    until = r->retry_at;
  if (until > c->hold_until)
    c->hold_until = until;
  snprintf(msg, len, "%s is not answering properly (%s); atsync retries on "
           "its own. Nothing is lost. If it lasts, check status.%s.io.",
           ats(c), r->words, c->kind);
  conn_set_state(c, ATSYNC_ATS_UNAVAILABLE, msg);
  return c->hold_until;
}

void conn_auth_failed(struct conn *c, const struct op_result *r, char *msg,
                      size_t len)
{
  if (c->ops->auth_failed) /* the ATS's own words for it (retired keys) */
    c->ops->auth_failed(c->auth, r->words, eng_now(c->e), msg, len);
  else
    snprintf(msg, len, "Sync failed: %s no longer accepts these credentials "
             "(%s). The integration is disconnected: reconnect it in Settings "
             "> Integrations.", ats(c), r->words);
  conn_set_state(c, ATSYNC_DISCONNECTED, msg);
}

int64_t conn_permission(struct conn *c, enum op op, const struct op_result *r,
                        char *msg, size_t len)
{
  struct atsync *e = c->e;
  if (strstr(r->what, "acting user") || strstr(r->what, "On-Behalf-Of"))
    snprintf(msg, len, "Sync paused: %s refused to act as %s (%s). Choose an "
             "active %s user for the integration in Settings > Integrations.",
             ats(c), c->obo ? c->obo : "the integration's user", r->words,
             ats(c));
  else if (strstr(r->what, "scope"))
    snprintf(msg, len, "Sync paused: %s denied %s (%s). A %s admin must grant "
             "it to the integration's OAuth credentials; then reconnect in "
             "Settings > Integrations.", ats(c), r->what, r->words, ats(c));
  else
    snprintf(msg, len, "Sync paused: %s denied %s (%s). In %s, %s.", ats(c),
             r->what, r->words, ats(c),
             c->ops->key_permission_fix
                 ? c->ops->key_permission_fix
                 : "give the integration's key this permission");
  conn_set_state(c, ATSYNC_PERMISSION_MISSING, msg);
  c->denied_op = op;
  /* probe again later: 1 min, doubling, at most the backoff cap */
  int64_t wait = 60000;
  for (int i = 0; i < c->hold_attempts && wait < e->cfg.backoff_cap_ms; i++)
    wait *= 2;
  if (wait > e->cfg.backoff_cap_ms)
    wait = e->cfg.backoff_cap_ms;
  c->hold_attempts++;
  c->hold_until = eng_now(e) + wait;
  return c->hold_until;
}
