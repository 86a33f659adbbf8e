/* simfx.h — a fake ATS on a virtual clock for tests: clock, loop, sim, a
 * v1 API key and a v3 OAuth client, and helpers to call it. */
#ifndef SIMFX_H
#define SIMFX_H

#include <stdbool.h>
#include <stdint.h>

#include "at_clock.h"
#include "at_loop.h"
#include "sim.h"
#include "tclient.h"

struct simfx {
  struct at_clock *clock;
  struct at_loop *loop;
  struct sim *sim;
  char base[64];
  char key[64];         /* v1 API key secret (all permissions) */
  char key_id[24];      /* "key-1" */
  char client_id[64];   /* OAuth client */
  char client_secret[64];
  char client_cred[24]; /* "client-1" */
  char access[2048];    /* a v3 access token (client credentials;
                           Greenhouse only) */
  char url[2048];       /* scratch for fx_url */
};

struct simfx_opts {
  bool seeded;          /* default seed data instead of an empty org */
  bool latency;         /* keep the latency model on */
  int rate_limit;       /* as sim_config.rate_limit (0 = off, <0 default) */
  int64_t rate_window_ms;
  uint64_t seed;
  const char *ats;      /* the personality (NULL = "greenhouse"); 'access'
                           is fetched for Greenhouse only (client
                           credentials at /token): other personalities'
                           tests make their own tokens */
};

/* Build the fixture; aborts the test process with a message on failure. */
struct simfx *simfx_new(const struct simfx_opts *o);
void simfx_free(struct simfx *f);

/* Absolute URL for a path ("/v1/jobs?per_page=2"); valid until next call. */
const char *fx_url(struct simfx *f, const char *path);

/* v1 request with the fixture's key (and On-Behalf-Of when obo != NULL). */
struct tc_resp fx_v1(struct simfx *f, const char *method, const char *path,
                     const char *body, const char *obo);
/* v3 request with the fixture's access token. */
struct tc_resp fx_v3(struct simfx *f, const char *method, const char *path,
                     const char *body);
/* POST /token with client auth and a form body; returns the response. */
struct tc_resp fx_token(struct simfx *f, const char *form);

/* Run a control action / add a fault through the C API; abort on error.
 * 'kv' is "k=v k2=v2" (values without spaces) or NULL. Returns the JSON
 * result of an action (caller frees) or the fault id. */
cJSON *fx_action(struct simfx *f, const char *action, const char *kv);
int fx_fault(struct simfx *f, const char *kind, const char *kv);

/* Parse a response body as JSON (caller frees); aborts if it does not
 * parse. */
cJSON *fx_json(const struct tc_resp *r);

/* An id member read exactly (for assertions). */
int64_t fx_id(const cJSON *o, const char *k);

/* Advance the virtual clock by ms (running the loop). */
void fx_advance(struct simfx *f, int64_t ms);

#endif
