/* creds.c — credentials of the fake ATS: API keys with per-endpoint
 * permissions; OAuth clients, authorization codes, grants (one per
 * authorization, holding the refresh token) and access tokens. Access tokens
 * are HS256 JWTs signed with a per-instance secret; the server keeps the
 * record, so expiry and revocation are decided here, not by the token. */
#include "sim_int.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void creds_init(struct sim_creds *c, struct at_prng *prng)
{
  memset(c, 0, sizeof *c);
  c->next_key = c->next_client = c->next_grant = c->next_token = 1;
  for (size_t i = 0; i < sizeof c->jwt_secret; i++)
    c->jwt_secret[i] = (unsigned char)at_prng_next(prng);
}

void creds_free(struct sim_creds *c)
{
  for (size_t i = 0; i < c->keys.n; i++) {
    struct sim_apikey *k = c->keys.v[i];
    strv_clear(&k->perms);
    free(k);
  }
  for (size_t i = 0; i < c->clients.n; i++) {
    struct sim_client *k = c->clients.v[i];
    strv_clear(&k->scopes);
    free(k);
  }
  for (size_t i = 0; i < c->codes.n; i++) {
    struct sim_code *k = c->codes.v[i];
    strv_clear(&k->scopes);
    free(k->redirect_uri);
    free(k);
  }
  for (size_t i = 0; i < c->grants.n; i++) {
    struct sim_grant *g = c->grants.v[i];
    strv_clear(&g->scopes);
    strv_clear(&g->retired);
    free(g);
  }
  for (size_t i = 0; i < c->tokens.n; i++) {
    struct sim_token *t = c->tokens.v[i];
    strv_clear(&t->scopes);
    free(t);
  }
  vec_free(&c->keys);
  vec_free(&c->clients);
  vec_free(&c->codes);
  vec_free(&c->grants);
  vec_free(&c->tokens);
}

struct sim_apikey *creds_key_add(struct sim_creds *c, struct at_prng *p,
                                 const struct strv *perms, int64_t now)
{
  struct sim_apikey *k = xcalloc(1, sizeof *k);
  snprintf(k->id, sizeof k->id, "key-%d", c->next_key++);
  at_prng_hex(p, k->secret, 32);
  k->all = perms == NULL || perms->n == 0;
  if (perms)
    strv_copy(&k->perms, perms);
  k->created = now;
  vec_push(&c->keys, k);
  return k;
}

struct sim_apikey *creds_key_by_secret(const struct sim_creds *c,
                                       const char *secret)
{
  size_t n = strlen(secret);
  for (size_t i = 0; i < c->keys.n; i++) {
    struct sim_apikey *k = c->keys.v[i];
    if (strlen(k->secret) == n && CRYPTO_memcmp(k->secret, secret, n) == 0)
      return k;
  }
  return NULL;
}

struct sim_apikey *creds_key(const struct sim_creds *c, const char *id)
{
  for (size_t i = 0; i < c->keys.n; i++) {
    struct sim_apikey *k = c->keys.v[i];
    if (strcmp(k->id, id) == 0)
      return k;
  }
  return NULL;
}

struct sim_client *creds_client_add(struct sim_creds *c, struct at_prng *p,
                                    const struct strv *scopes,
                                    int64_t user_id, int64_t now)
{
  struct sim_client *k = xcalloc(1, sizeof *k);
  int n = c->next_client++;
  snprintf(k->id, sizeof k->id, "client-%d", n);
  char hex[33];
  at_prng_hex(p, hex, 24);
  /* real client ids carry a "-<n>" suffix (docs/notes/greenhouse-wire.md) */
  snprintf(k->client_id, sizeof k->client_id, "%s-%d", hex, n);
  at_prng_hex(p, k->secret, 40);
  if (scopes)
    strv_copy(&k->scopes, scopes);
  k->user_id = user_id;
  k->created = now;
  vec_push(&c->clients, k);
  return k;
}

struct sim_client *creds_client(const struct sim_creds *c, const char *id)
{
  for (size_t i = 0; i < c->clients.n; i++) {
    struct sim_client *k = c->clients.v[i];
    if (strcmp(k->id, id) == 0)
      return k;
  }
  return NULL;
}

struct sim_client *creds_client_by_client_id(const struct sim_creds *c,
                                             const char *client_id)
{
  for (size_t i = 0; i < c->clients.n; i++) {
    struct sim_client *k = c->clients.v[i];
    if (strcmp(k->client_id, client_id) == 0)
      return k;
  }
  return NULL;
}

struct sim_code *creds_code_add(struct sim_creds *c, struct at_prng *p,
                                const struct sim_client *cl, int64_t user_id,
                                const struct strv *scopes,
                                const char *redirect_uri, int64_t expires)
{
  struct sim_code *k = xcalloc(1, sizeof *k);
  at_prng_hex(p, k->code, 32);
  snprintf(k->client, sizeof k->client, "%s", cl->id);
  k->user_id = user_id;
  strv_copy(&k->scopes, scopes);
  k->redirect_uri = xstrdup(redirect_uri);
  k->expires = expires;
  vec_push(&c->codes, k);
  return k;
}

struct sim_code *creds_code(const struct sim_creds *c, const char *code)
{
  size_t n = strlen(code);
  for (size_t i = 0; i < c->codes.n; i++) {
    struct sim_code *k = c->codes.v[i];
    if (strlen(k->code) == n && CRYPTO_memcmp(k->code, code, n) == 0)
      return k;
  }
  return NULL;
}

void creds_grant_rotate(struct sim_grant *g, struct at_prng *p)
{
  if (g->refresh[0])
    strv_add(&g->retired, g->refresh);
  at_prng_hex(p, g->refresh, 40);
}

void sim_secrets_each(const struct sim *s,
                      void (*fn)(void *ud, const char *secret), void *ud)
{
  const struct sim_creds *c = &s->creds;
  for (size_t i = 0; i < c->keys.n; i++)
    fn(ud, ((const struct sim_apikey *)c->keys.v[i])->secret);
  for (size_t i = 0; i < c->clients.n; i++)
    fn(ud, ((const struct sim_client *)c->clients.v[i])->secret);
  for (size_t i = 0; i < c->codes.n; i++)
    fn(ud, ((const struct sim_code *)c->codes.v[i])->code);
  for (size_t i = 0; i < c->grants.n; i++) {
    const struct sim_grant *g = c->grants.v[i];
    if (g->refresh[0])
      fn(ud, g->refresh);
    for (size_t j = 0; j < g->retired.n; j++)
      fn(ud, g->retired.v[j]);
  }
}

struct sim_grant *creds_grant_add(struct sim_creds *c, struct at_prng *p,
                                  const struct sim_client *cl,
                                  int64_t user_id, const struct strv *scopes,
                                  bool client_credentials)
{
  struct sim_grant *g = xcalloc(1, sizeof *g);
  g->id = c->next_grant++;
  snprintf(g->client, sizeof g->client, "%s", cl->id);
  g->user_id = user_id;
  strv_copy(&g->scopes, scopes);
  g->client_credentials = client_credentials;
  if (!client_credentials)
    creds_grant_rotate(g, p);
  vec_push(&c->grants, g);
  return g;
}

struct sim_grant *creds_grant(const struct sim_creds *c, int id)
{
  for (size_t i = 0; i < c->grants.n; i++) {
    struct sim_grant *g = c->grants.v[i];
    if (g->id == id)
      return g;
  }
  return NULL;
}

struct sim_grant *creds_grant_by_refresh(const struct sim_creds *c,
                                         const char *refresh)
{
  size_t n = strlen(refresh);
  if (n == 0)
    return NULL;
  for (size_t i = 0; i < c->grants.n; i++) {
    struct sim_grant *g = c->grants.v[i];
    if (strlen(g->refresh) == n && CRYPTO_memcmp(g->refresh, refresh, n) == 0)
      return g;
  }
  return NULL;
}

/* ---- JWT ---------------------------------------------------------------------- */

static char *b64url(const unsigned char *in, size_t n)
{
  char *out = xcalloc(1, 4 * ((n + 2) / 3) + 1);
  int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
  while (len > 0 && out[len - 1] == '=')
    out[--len] = '\0';
  for (int i = 0; i < len; i++) {
    if (out[i] == '+')
      out[i] = '-';
    else if (out[i] == '/')
      out[i] = '_';
  }
  return out;
}

/* Decode base64url into a NUL-terminated buffer; NULL on bad input. */
static char *b64url_decode(const char *in, size_t n)
{
  if (n > 4096)
    return NULL;
  size_t padded = (n + 3) / 4 * 4;
  char *buf = xcalloc(1, padded + 1);
  for (size_t i = 0; i < n; i++) {
    char ch = in[i];
    if (ch == '-')
      ch = '+';
    else if (ch == '_')
      ch = '/';
    buf[i] = ch;
  }
  for (size_t i = n; i < padded; i++)
    buf[i] = '=';
  char *out = xcalloc(1, padded + 1);
  int len = EVP_DecodeBlock((unsigned char *)out, (unsigned char *)buf,
                            (int)padded);
  free(buf);
  if (len < 0) {
    free(out);
    return NULL;
  }
  len -= (int)(padded - n) % 4 == 0 ? 0 : (int)(padded - n);
  out[len < 0 ? 0 : len] = '\0';
  return out;
}

static char *sign(const struct sim_creds *c, const char *data)
{
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int maclen = 0;
  HMAC(EVP_sha256(), c->jwt_secret, (int)sizeof c->jwt_secret,
       (const unsigned char *)data, strlen(data), mac, &maclen);
  return b64url(mac, maclen);
}

struct sim_token *creds_token_issue(struct sim_creds *c,
                                    const struct sim_grant *g,
                                    const struct strv *scopes, int64_t now,
                                    int64_t ttl, char **jwt)
{
  struct sim_token *t = xcalloc(1, sizeof *t);
  snprintf(t->jti, sizeof t->jti, "tok-%d", c->next_token++);
  t->grant = g->id;
  snprintf(t->client, sizeof t->client, "%s", g->client);
  t->user_id = g->user_id;
  strv_copy(&t->scopes, scopes);
  t->issued = now;
  t->expires = now + ttl;
  vec_push(&c->tokens, t);

  static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
  char *scope = strv_join(scopes, " ");
  cJSON *pl = cJSON_CreateObject();
  cJSON_AddStringToObject(pl, "iss", "https://auth.greenhouse.io");
  cJSON_AddStringToObject(pl, "aud", "https://harvest.greenhouse.io");
  char sub[24];
  snprintf(sub, sizeof sub, "%lld", (long long)g->user_id);
  cJSON_AddStringToObject(pl, "sub", sub);
  jput_int(pl, "iat", (long)(now / 1000));
  jput_int(pl, "exp", (long)(t->expires / 1000));
  cJSON_AddStringToObject(pl, "jti", t->jti);
  cJSON_AddStringToObject(pl, "scope", scope);
  free(scope);
  char *pls = jprint(pl, NULL);
  cJSON_Delete(pl);
  char *h64 = b64url((const unsigned char *)header, strlen(header));
  char *p64 = b64url((const unsigned char *)pls, strlen(pls));
  free(pls);
  size_t n = strlen(h64) + strlen(p64) + 2;
  char *signing = xcalloc(1, n);
  snprintf(signing, n, "%s.%s", h64, p64);
  char *sig = sign(c, signing);
  size_t total = n + strlen(sig) + 1;
  *jwt = xcalloc(1, total);
  snprintf(*jwt, total, "%s.%s", signing, sig);
  free(h64);
  free(p64);
  free(signing);
  free(sig);
  return t;
}

struct sim_token *creds_token_by_jwt(const struct sim_creds *c,
                                     const char *jwt)
{
  const char *d1 = strchr(jwt, '.');
  const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
  if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.') || strlen(jwt) > 4096)
    return NULL;
  char *signing = xcalloc(1, (size_t)(d2 - jwt) + 1);
  memcpy(signing, jwt, (size_t)(d2 - jwt));
  char *want = sign(c, signing);
  free(signing);
  size_t sl = strlen(d2 + 1);
  bool ok = strlen(want) == sl && CRYPTO_memcmp(want, d2 + 1, sl) == 0;
  free(want);
  if (!ok)
    return NULL;
  char *payload = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1));
  if (payload == NULL)
    return NULL;
  cJSON *pl = cJSON_Parse(payload);
  free(payload);
  const char *jti = jget_str(pl, "jti");
  struct sim_token *found = NULL;
  for (size_t i = 0; jti && i < c->tokens.n; i++) {
    struct sim_token *t = c->tokens.v[i];
    if (strcmp(t->jti, jti) == 0)
      found = t;
  }
  cJSON_Delete(pl);
  return found;
}

void creds_revoke_grant_tokens(struct sim_creds *c, int grant)
{
  for (size_t i = 0; i < c->tokens.n; i++) {
    struct sim_token *t = c->tokens.v[i];
    if (t->grant == grant)
      t->revoked = true;
  }
}
