/* credentials.c — the C API for minting and revoking credentials. The
 * result of a mint is the only place a secret is ever shown. */
#include "sim_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kv_get(const struct sim_kv *kv, size_t n, const char *k)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(kv[i].key, k) == 0)
      return kv[i].value ? kv[i].value : "";
  return NULL;
}

static int check_keys(const struct sim_kv *kv, size_t n,
                      const char *const *allowed, const char *type, char *err,
                      size_t errlen)
{
  for (size_t i = 0; i < n; i++) {
    bool ok = false;
    for (const char *const *a = allowed; *a; a++)
      ok |= strcmp(*a, kv[i].key) == 0;
    if (!ok) {
      snprintf(err, errlen, "credential %s has no parameter '%s'", type,
               kv[i].key);
      return -1;
    }
  }
  return 0;
}

/* Check every entry of 'list' against 'known'. */
static int check_list(const struct strv *list, const char *const *known,
                      const char *what, char *err, size_t errlen)
{
  for (size_t i = 0; i < list->n; i++) {
    bool ok = false;
    for (const char *const *k = known; k && *k; k++)
      ok |= strcmp(*k, list->v[i]) == 0;
    if (!ok) {
      snprintf(err, errlen, "'%s' is not a %s (see docs/sim.md)", list->v[i],
               what);
      return -1;
    }
  }
  return 0;
}

static int64_t default_user(const struct sim *s)
{
  for (size_t i = 0; i < s->model.users.n; i++) {
    const struct sim_user *u = s->model.users.v[i];
    if (u->site_admin && !u->disabled)
      return u->id;
  }
  return s->model.users.n ? ((struct sim_user *)s->model.users.v[0])->id : 0;
}

static int user_param(const struct sim *s, const char *v, int64_t *out,
                      char *err, size_t errlen)
{
  *out = default_user(s);
  if (v == NULL)
    return 0;
  if (parse_id(v, out) != 0 || model_user(&s->model, *out) == NULL) {
    snprintf(err, errlen, "'user=%s' is not a user of this organization", v);
    return -1;
  }
  return 0;
}

static cJSON *list_json(const struct strv *v)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < v->n; i++)
    cJSON_AddItemToArray(a, cJSON_CreateString(v->v[i]));
  return a;
}

static int add_key(struct sim *s, const struct sim_kv *kv, size_t n,
                   cJSON **result, char *err, size_t errlen)
{
  static const char *const ok[] = {"type", "permissions", NULL};
  if (check_keys(kv, n, ok, "api_key", err, errlen))
    return -1;
  struct strv perms = {0};
  const char *pv = kv_get(kv, n, "permissions");
  if (pv && strcmp(pv, "all") != 0) {
    /* a comma list: a permission itself has a space ("GET /v1/jobs") */
    char *copy = xstrdup(pv), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
      while (*t == ' ')
        t++;
      size_t tl = strlen(t);
      while (tl > 0 && t[tl - 1] == ' ')
        t[--tl] = '\0';
      if (*t && !strv_has(&perms, t))
        strv_add(&perms, t);
    }
    free(copy);
  }
  if (check_list(&perms, s->p->permissions, "permission", err, errlen)) {
    strv_clear(&perms);
    return -1;
  }
  struct sim_apikey *k = creds_key_add(&s->creds, &s->prng, &perms, sim_now(s));
  strv_clear(&perms);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "id", k->id);
  cJSON_AddStringToObject(o, "type", "api_key");
  cJSON_AddStringToObject(o, "key", k->secret);
  char userpass[64];
  snprintf(userpass, sizeof userpass, "%s:", k->secret);
  unsigned char b64[128];
  EVP_EncodeBlock(b64, (const unsigned char *)userpass, (int)strlen(userpass));
  char auth[160];
  snprintf(auth, sizeof auth, "Basic %s", (char *)b64);
  cJSON_AddStringToObject(o, "authorization", auth);
  if (k->all)
    cJSON_AddStringToObject(o, "permissions", "all");
  else
    cJSON_AddItemToObject(o, "permissions", list_json(&k->perms));
  *result = o;
  return 0;
}

static int add_client(struct sim *s, const struct sim_kv *kv, size_t n,
                      cJSON **result, char *err, size_t errlen)
{
  static const char *const ok[] = {"type", "scopes", "user", NULL};
  if (check_keys(kv, n, ok, "oauth_client", err, errlen))
    return -1;
  struct strv scopes = {0};
  const char *sv = kv_get(kv, n, "scopes");
  if (sv && strcmp(sv, "all") != 0)
    strv_split(&scopes, sv);
  else
    for (const char *const *p = s->p->scopes; p && *p; p++)
      strv_add(&scopes, *p);
  int64_t uid;
  if (check_list(&scopes, s->p->scopes, "scope", err, errlen) ||
      user_param(s, kv_get(kv, n, "user"), &uid, err, errlen)) {
    strv_clear(&scopes);
    return -1;
  }
  struct sim_client *c =
      creds_client_add(&s->creds, &s->prng, &scopes, uid, sim_now(s));
  strv_clear(&scopes);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "id", c->id);
  cJSON_AddStringToObject(o, "type", "oauth_client");
  cJSON_AddStringToObject(o, "client_id", c->client_id);
  cJSON_AddStringToObject(o, "client_secret", c->secret);
  cJSON_AddItemToObject(o, "scopes", list_json(&c->scopes));
  jput_id(o, "user", uid);
  char url[128];
  snprintf(url, sizeof url, "%s/token", s->base_url);
  cJSON_AddStringToObject(o, "token_url", url);
  snprintf(url, sizeof url, "%s/authorize", s->base_url);
  cJSON_AddStringToObject(o, "authorize_url", url);
  *result = o;
  return 0;
}

static int add_code(struct sim *s, const struct sim_kv *kv, size_t n,
                    cJSON **result, char *err, size_t errlen)
{
  static const char *const ok[] = {"type", "client", "user", "scopes",
                                   "redirect_uri", NULL};
  if (check_keys(kv, n, ok, "authorization_code", err, errlen))
    return -1;
  const char *cid = kv_get(kv, n, "client");
  struct sim_client *c = NULL;
  if (cid) {
    c = creds_client(&s->creds, cid);
    if (c == NULL)
      c = creds_client_by_client_id(&s->creds, cid);
  } else if (s->creds.clients.n > 0) {
    c = s->creds.clients.v[s->creds.clients.n - 1];
  }
  if (c == NULL || c->revoked) {
    snprintf(err, errlen, "an authorization code needs a live OAuth client "
             "('client' = client-N or its client_id; mint one first)");
    return -1;
  }
  int64_t uid;
  if (user_param(s, kv_get(kv, n, "user"), &uid, err, errlen))
    return -1;
  struct strv scopes = {0};
  const char *sv = kv_get(kv, n, "scopes");
  if (sv && strcmp(sv, "all") != 0)
    strv_split(&scopes, sv);
  else
    strv_copy(&scopes, &c->scopes);
  if (check_list(&scopes, s->p->scopes, "scope", err, errlen)) {
    strv_clear(&scopes);
    return -1;
  }
  int64_t ttl = sim_duration(s, "authorization_code_ttl");
  if (ttl <= 0)
    ttl = 60000;
  struct sim_code *k = creds_code_add(&s->creds, &s->prng, c, uid, &scopes,
                                      kv_get(kv, n, "redirect_uri"),
                                      sim_now(s) + ttl);
  strv_clear(&scopes);
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "type", "authorization_code");
  cJSON_AddStringToObject(o, "code", k->code);
  cJSON_AddStringToObject(o, "client", c->id);
  jput_id(o, "user", uid);
  jput_time(o, "expires_at", k->expires);
  *result = o;
  return 0;
}

int sim_credential_add(struct sim *s, const char *type,
                       const struct sim_kv *kv, size_t n, cJSON **result,
                       char *err, size_t errlen)
{
  cJSON *dummy = NULL;
  if (result == NULL)
    result = &dummy;
  int rc;
  if (type && strcmp(type, "api_key") == 0)
    rc = add_key(s, kv, n, result, err, errlen);
  else if (type && strcmp(type, "oauth_client") == 0)
    rc = add_client(s, kv, n, result, err, errlen);
  else if (type && strcmp(type, "authorization_code") == 0)
    rc = add_code(s, kv, n, result, err, errlen);
  else {
    snprintf(err, errlen, "unknown credential type '%s' (one of api_key, "
             "oauth_client, authorization_code)", type ? type : "");
    return -1;
  }
  cJSON_Delete(dummy);
  return rc;
}

int sim_credential_revoke(struct sim *s, const char *id, char *err,
                          size_t errlen)
{
  struct sim_apikey *k = creds_key(&s->creds, id);
  if (k) {
    k->revoked = true;
    return 0;
  }
  struct sim_client *c = creds_client(&s->creds, id);
  if (c) {
    c->revoked = true;
    for (size_t i = 0; i < s->creds.grants.n; i++) {
      struct sim_grant *g = s->creds.grants.v[i];
      if (strcmp(g->client, c->id) == 0) {
        g->revoked = true;
        creds_revoke_grant_tokens(&s->creds, g->id);
      }
    }
    return 0;
  }
  snprintf(err, errlen, "there is no credential '%s'", id);
  return -1;
}

cJSON *sim_credentials_json(const struct sim *s)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < s->creds.keys.n; i++) {
    const struct sim_apikey *k = s->creds.keys.v[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", k->id);
    cJSON_AddStringToObject(o, "type", "api_key");
    cJSON_AddStringToObject(o, "status", k->revoked ? "revoked" : "active");
    if (k->all)
      cJSON_AddStringToObject(o, "permissions", "all");
    else
      cJSON_AddItemToObject(o, "permissions", list_json(&k->perms));
    jput_time(o, "created_at", k->created);
    cJSON_AddItemToArray(a, o);
  }
  for (size_t i = 0; i < s->creds.clients.n; i++) {
    const struct sim_client *c = s->creds.clients.v[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "type", "oauth_client");
    cJSON_AddStringToObject(o, "client_id", c->client_id);
    cJSON_AddStringToObject(o, "status", c->revoked ? "revoked" : "active");
    cJSON_AddItemToObject(o, "scopes", list_json(&c->scopes));
    int grants = 0, live = 0, tokens = 0;
    for (size_t g = 0; g < s->creds.grants.n; g++) {
      const struct sim_grant *gr = s->creds.grants.v[g];
      if (strcmp(gr->client, c->id))
        continue;
      grants++;
      live += !gr->revoked && !gr->client_credentials &&
              gr->refresh_expires > sim_now(s);
    }
    for (size_t t = 0; t < s->creds.tokens.n; t++) {
      const struct sim_token *tk = s->creds.tokens.v[t];
      tokens += !strcmp(tk->client, c->id) && !tk->revoked &&
                tk->expires > sim_now(s);
    }
    jput_int(o, "grants", grants);
    jput_int(o, "live_refresh_tokens", live);
    jput_int(o, "live_access_tokens", tokens);
    jput_time(o, "created_at", c->created);
    cJSON_AddItemToArray(a, o);
  }
  return a;
}
