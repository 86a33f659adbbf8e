/* oauth.c — the OAuth 2.0 authorization-code machinery the personalities
 * share: token-request parameters, OAuth error bodies, GET /authorize
 * (consent at once, a code back to the redirect_uri), the code exchange,
 * the refresh-token lookup, the scopes a token carries and the token
 * answer. What differs between vendors (paths, grant types, client
 * authentication, the error descriptions, how a refresh token's life is
 * set, the token body's fields) stays in the personality: it calls these
 * pieces in its own order and renders its own words. The records live in
 * creds.c; the lifetimes come from the personality's settings
 * (authorization_code_ttl, access_token_ttl) and regrant_requires_reauth
 * decides whether a grant shrinks with its client's scopes. */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- token-request parameters ---------------------------------------------- */

void sim_tokreq_parse(struct sim_call *c, struct sim_tokreq *t)
{
  memset(t, 0, sizeof *t);
  size_t len;
  const char *b = at_req_body(c->req, &len);
  const char *ct = at_req_header(c->req, "Content-Type");
  if (len && ct && strstr(ct, "json")) {
    char why[64];
    t->json = jparse(b, len, why, sizeof why); /* bad JSON: no members */
  } else if (len) {
    sim_form_parse(c, b, &t->form);
  }
}

void sim_tokreq_free(struct sim_tokreq *t)
{
  cJSON_Delete(t->json);
  t->json = NULL;
}

const char *sim_tokreq_get(struct sim_call *c, const struct sim_tokreq *t,
                           const char *k, bool numbers)
{
  const char *v = sim_query_get(&t->form, k);
  if (v == NULL && t->json) {
    const char *s = jget_str(t->json, k);
    int64_t id;
    if (s) {
      v = at_req_strdup(c->req, s); /* outlives the JSON tree */
    } else if (numbers && jget_id(t->json, k, &id) == 0) { /* {"sub":123} */
      char *num = at_req_alloc(c->req, 24);
      snprintf(num, 24, "%lld", (long long)id);
      v = num;
    }
  }
  if (v == NULL)
    v = at_req_query(c->req, k);
  return v && *v ? v : NULL;
}

/* ---- answers ------------------------------------------------------------------ */

/* Token endpoint answers are never cached by clients (RFC 6749 5.1). */
static void reply_no_store(struct sim_call *c, const struct sim_oauth *o,
                           unsigned status, cJSON *body)
{
  struct at_resp *r = o->json ? o->json(status, body)
                              : sim_json_resp(status, body);
  at_resp_header(r, "Cache-Control", "no-store");
  sim_reply(c, r);
}

void sim_oauth_error(struct sim_call *c, const struct sim_oauth *o,
                     unsigned status, const char *error, const char *desc)
{
  cJSON *b = cJSON_CreateObject();
  jput_str(b, "error", error);
  if (desc)
    jput_str(b, "error_description", desc);
  reply_no_store(c, o, status, b);
}

void sim_oauth_token_reply(struct sim_call *c, const struct sim_oauth *o,
                           struct sim_grant *g, const struct strv *scopes)
{
  int64_t ttl = sim_duration(c->s, "access_token_ttl");
  char *jwt;
  creds_token_issue(&c->s->creds, g, scopes, c->now, ttl, &jwt);
  char *sc = strv_join(scopes, " ");
  cJSON *b = o->token_body(c, g, jwt, sc, ttl);
  free(sc);
  free(jwt);
  reply_no_store(c, o, 200, b);
}

void sim_oauth_grant_reply(struct sim_call *c, const struct sim_oauth *o,
                           struct sim_grant *g, const struct sim_client *cl,
                           const char *note)
{
  struct strv eff = {0};
  sim_oauth_scopes(c->s, g, cl, &eff);
  sim_note(c, note);
  sim_oauth_token_reply(c, o, g, &eff);
  strv_clear(&eff);
}

/* ---- grants -------------------------------------------------------------------- */

void sim_oauth_scopes(const struct sim *s, struct sim_grant *g,
                      const struct sim_client *cl, struct strv *out)
{
  for (size_t i = 0; i < g->scopes.n; i++)
    if (strv_has(&cl->scopes, g->scopes.v[i]))
      strv_add(out, g->scopes.v[i]);
  if (sim_flag(s, "regrant_requires_reauth")) /* the grant shrinks for good */
    strv_copy(&g->scopes, out);
}

struct sim_grant *sim_oauth_code_grant(struct sim_call *c,
                                       const struct sim_client *cl,
                                       const char *code,
                                       const char *redirect_uri)
{
  struct sim_creds *cr = &c->s->creds;
  struct sim_code *k = code ? creds_code(cr, code) : NULL;
  if (k == NULL || k->used || c->now >= k->expires ||
      strcmp(k->client, cl->id) != 0 ||
      (k->redirect_uri &&
       (!redirect_uri || strcmp(redirect_uri, k->redirect_uri))))
    return NULL;
  k->used = true; /* a code is good for one exchange */
  return creds_grant_add(cr, &c->s->prng, cl, k->user_id, &k->scopes, false);
}

struct sim_grant *sim_oauth_refresh_grant(struct sim_call *c,
                                          const struct sim_client *cl,
                                          const char *refresh)
{
  struct sim_grant *g =
      refresh ? creds_grant_by_refresh(&c->s->creds, refresh) : NULL;
  if (g == NULL || g->revoked || strcmp(g->client, cl->id) != 0 ||
      c->now >= g->refresh_expires)
    return NULL;
  return g;
}

/* ---- GET /authorize ------------------------------------------------------------- */

static int64_t first_active_admin(const struct sim *s)
{
  for (size_t i = 0; i < s->model.users.n; i++) {
    struct sim_user *u = s->model.users.v[i];
    if (u->site_admin && !u->disabled)
      return u->id;
  }
  return 0;
}

void sim_oauth_authorize(struct sim_call *c, const struct sim_oauth *o)
{
  const char *cid = at_req_query(c->req, "client_id");
  const char *ru = at_req_query(c->req, "redirect_uri");
  const char *rt = at_req_query(c->req, "response_type");
  const char *state = at_req_query(c->req, "state");
  const char *scope = at_req_query(c->req, "scope");
  struct sim_client *cl = cid ? creds_client_by_client_id(&c->s->creds, cid)
                              : NULL;
  if (cl == NULL || cl->revoked || ru == NULL || *ru == '\0') {
    sim_oauth_error(c, o, 400, "invalid_request", "unknown client_id or "
                    "missing redirect_uri");
    return;
  }
  char loc[2048];
  const char *sep = strchr(ru, '?') ? "&" : "?";
  const char *refused = NULL;
  if (rt == NULL || strcmp(rt, "code") != 0) {
    snprintf(loc, sizeof loc, "%s%serror=unsupported_response_type", ru, sep);
  } else if (o->authorize_refuse && (refused = o->authorize_refuse(c))) {
    snprintf(loc, sizeof loc, "%s%s%s", ru, sep, refused);
  } else {
    struct strv want = {0};
    strv_split(&want, scope);
    if (want.n == 0)
      strv_copy(&want, &cl->scopes);
    bool ok = true;
    for (size_t i = 0; i < want.n; i++)
      ok &= strv_has(&cl->scopes, want.v[i]);
    const char *u = at_req_query(c->req, "user_id");
    int64_t uid = o->consenting_user ? o->consenting_user(c->s)
                                     : first_active_admin(c->s);
    if (u && (parse_id(u, &uid) != 0 || !model_user(&c->s->model, uid))) {
      strv_clear(&want);
      sim_oauth_error(c, o, 400, "invalid_request", o->unknown_user);
      return;
    }
    if (!ok) {
      snprintf(loc, sizeof loc, "%s%serror=invalid_scope", ru, sep);
    } else {
      int64_t ttl = sim_duration(c->s, "authorization_code_ttl");
      struct sim_code *k = creds_code_add(&c->s->creds, &c->s->prng, cl, uid,
                                          &want, ru, c->now + ttl);
      snprintf(loc, sizeof loc, "%s%scode=%s", ru, sep, k->code);
    }
    strv_clear(&want);
  }
  if (state) {
    size_t n = strlen(loc);
    snprintf(loc + n, sizeof loc - n, "&state=");
    n = strlen(loc);
    sim_url_put(loc, &n, sizeof loc, state);
  }
  struct at_resp *r = at_resp_new(302);
  at_resp_header(r, "Location", loc);
  sim_reply(c, r);
}
