/* list.c — `atsim list`: the scenarios under the PATHs (read as for
 * `atsim run`, cli.c), kept by --filter and --ats, as a table of what the
 * files say (title, ats, auth, tags, causes, pending) or as JSON, then the
 * causes covered and those not; or (--matrix) the certification matrix:
 * every cause against every ATS, each cell naming the scenarios that
 * cover it. */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "scn.h"
#include "strutil.h"

static const struct cli_opt_def list_defs[] = {
    {"json", 0, false, CLI_JSON_FLAG},
    {"matrix", 0, false, CLI_MATRIX},
    {"filter", 0, true, CLI_FILTER},
    {"ats", 0, true, CLI_ATS},
    {"help", 'h', false, CLI_HELP},
};

static const char list_usage[] =
    "usage: atsim list [--json] [--matrix] [--filter PATTERN] [--ats NAME]\n"
    "                  [PATH...]\n"
    "\n"
    "List the scenarios under PATH (default scenarios/catalog): title, ats,\n"
    "auth, tags, causes, pending reason; then the causes covered.\n"
    "--matrix: every cause against every ATS (greenhouse lever workable\n"
    "ashby), each cell with the scenarios covering it; a pending scenario, or\n"
    "one for an ATS the runner does not have yet, covers nothing.\n";

/* The certification matrix's columns: the ATSes a connector is certified
 * against, whether or not the runner has their personality yet. */
static const char *const matrix_ats[] = {"greenhouse", "lever", "workable",
                                         "ashby", NULL};

/* The causes in order: the known ids, then any other the files name. */
struct cause_count {
  const char *id;
  size_t n;
};

static struct cause_count *count_causes(const struct cli_set *set,
                                        size_t *ncounts)
{
  size_t ncauses = 0;
  while (scn_cause_ids[ncauses] != NULL)
    ncauses++;
  size_t cap = ncauses;
  for (size_t s = 0; s < set->n; s++)
    cap += set->v[s]->ncauses;
  struct cause_count *c = calloc(cap, sizeof *c);
  if (c == NULL)
    return NULL;
  size_t n = 0;
  for (size_t i = 0; i < ncauses; i++)
    c[n++].id = scn_cause_ids[i];
  for (size_t s = 0; s < set->n; s++) {
    const struct scn_scenario *sc = set->v[s];
    for (size_t k = 0; k < sc->ncauses; k++) {
      bool dup = false; /* a cause named twice in one file counts once */
      for (size_t m = 0; m < k && !dup; m++)
        dup = strcmp(sc->causes[m], sc->causes[k]) == 0;
      if (dup)
        continue;
      size_t i = 0;
      while (i < n && strcmp(c[i].id, sc->causes[k]) != 0)
        i++;
      if (i == n)
        c[n++].id = sc->causes[k];
      c[i].n++;
    }
  }
  *ncounts = n;
  return c;
}

static cJSON *words_json(char *const *w, size_t n)
{
  if (n == 0)
    return cJSON_CreateArray();
  return cJSON_CreateStringArray((const char *const *)w, (int)n);
}

static int list_json(const struct cli_set *set, const struct cause_count *cc,
                     size_t ncc)
{
  cJSON *o = cJSON_CreateObject();
  cJSON *arr = cJSON_AddArrayToObject(o, "scenarios");
  cJSON *causes = cJSON_AddObjectToObject(o, "causes");
  cJSON *uncovered = cJSON_AddArrayToObject(o, "uncovered");
  for (size_t s = 0; arr != NULL && s < set->n; s++) {
    const struct scn_scenario *sc = set->v[s];
    cJSON *e = cJSON_CreateObject();
    if (e == NULL)
      break;
    cJSON_AddItemToArray(arr, e);
    cJSON_AddStringToObject(e, "file", sc->path);
    cJSON_AddStringToObject(e, "title", sc->title);
    cJSON_AddItemToObject(e, "ats", words_json(sc->ats, sc->nats));
    cJSON_AddStringToObject(e, "auth", scn_auth_name(sc->auth));
    cJSON_AddItemToObject(e, "tags", words_json(sc->tags, sc->ntags));
    cJSON_AddItemToObject(e, "causes", words_json(sc->causes, sc->ncauses));
    if (sc->pending != NULL)
      cJSON_AddStringToObject(e, "pending", sc->pending);
    else
      cJSON_AddNullToObject(e, "pending");
  }
  for (size_t i = 0; causes != NULL && uncovered != NULL && i < ncc; i++) {
    if (cc[i].n > 0)
      cJSON_AddNumberToObject(causes, cc[i].id, (double)cc[i].n);
    else
      cJSON_AddItemToArray(uncovered, cJSON_CreateString(cc[i].id));
  }
  char *text = cJSON_Print(o);
  cJSON_Delete(o);
  if (text == NULL)
    return 2;
  puts(text);
  free(text);
  return 0;
}

/* A cell of the table: the words, or "-" for none. */
static char *cell(char *const *w, size_t n)
{
  return n == 0 ? strdup("-") : scn_str_join(w, n);
}

static size_t max_sz(size_t a, size_t b)
{
  return a > b ? a : b;
}

static void list_table(const struct cli_set *set)
{
  size_t wp = 4, wa = 3, wu = 4, wt = 4, wc = 6;
  for (size_t s = 0; s < set->n; s++) {
    const struct scn_scenario *sc = set->v[s];
    char *a = cell(sc->ats, sc->nats), *t = cell(sc->tags, sc->ntags),
         *c = cell(sc->causes, sc->ncauses);
    wp = max_sz(wp, strlen(sc->path));
    wa = max_sz(wa, a != NULL ? strlen(a) : 0);
    wu = max_sz(wu, strlen(scn_auth_name(sc->auth)));
    wt = max_sz(wt, t != NULL ? strlen(t) : 0);
    wc = max_sz(wc, c != NULL ? strlen(c) : 0);
    free(a);
    free(t);
    free(c);
  }
  printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)wp, "FILE", (int)wa, "ATS",
         (int)wu, "AUTH", (int)wt, "TAGS", (int)wc, "CAUSES", "TITLE");
  for (size_t s = 0; s < set->n; s++) {
    const struct scn_scenario *sc = set->v[s];
    char *a = cell(sc->ats, sc->nats), *t = cell(sc->tags, sc->ntags),
         *c = cell(sc->causes, sc->ncauses);
    printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)wp, sc->path, (int)wa,
           a != NULL ? a : "", (int)wu, scn_auth_name(sc->auth), (int)wt,
           t != NULL ? t : "", (int)wc, c != NULL ? c : "",
           sc->title != NULL ? sc->title : "");
    if (sc->pending != NULL)
      printf("%-*s  pending: %s\n", (int)wp, "", sc->pending);
    free(a);
    free(t);
    free(c);
  }
}

static void list_footer(size_t nscenarios, const struct cause_count *cc,
                        size_t ncc)
{
  printf("%zu scenarios · causes covered:", nscenarios);
  size_t covered = 0;
  for (size_t i = 0; i < ncc; i++)
    if (cc[i].n > 0)
      printf("%s %s %zu", covered++ ? "," : "", cc[i].id, cc[i].n);
  if (covered == 0)
    fputs(" none", stdout);
  size_t missing = 0;
  for (size_t i = 0; i < ncc; i++)
    if (cc[i].n == 0)
      printf("%s %s", missing++ ? "," : " · not covered:", cc[i].id);
  if (missing == 0)
    fputs(" · every cause covered", stdout);
  fputc('\n', stdout);
}

/* ---- the matrix ----------------------------------------------------------- */

static bool built(const char *ats)
{
  for (size_t i = 0; scn_personalities[i] != NULL; i++)
    if (strcmp(scn_personalities[i], ats) == 0)
      return true;
  return false;
}

/* Does the scenario cover (cause, ats)? It declares the cause, is not
 * pending, and runs on that ATS (named, or 'ats *' over the ones built). */
static bool covers(const struct scn_scenario *sc, const char *cause,
                   const char *ats)
{
  if (sc->pending != NULL || !built(ats))
    return false;
  bool has = false;
  for (size_t k = 0; k < sc->ncauses && !has; k++)
    has = strcmp(sc->causes[k], cause) == 0;
  for (size_t k = 0; has && k < sc->nats; k++)
    if (strcmp(sc->ats[k], ats) == 0)
      return true;
  return false;
}

/* The file's name without the common catalog prefix, for a narrow cell. */
static const char *short_path(const char *p)
{
  const char *s = strstr(p, "catalog/");
  if (s != NULL) {
    s += 8;
    const char *slash = strchr(s, '/'); /* the ATS folder */
    return slash ? slash + 1 : s;
  }
  return p;
}

static int list_matrix(const struct cli_set *set, bool json)
{
  size_t na = 0, nc = 0;
  while (matrix_ats[na] != NULL)
    na++;
  while (scn_cause_ids[nc] != NULL)
    nc++;
  size_t covered = 0;
  size_t *per_ats = calloc(na, sizeof *per_ats);
  cJSON *o = json ? cJSON_CreateObject() : NULL;
  cJSON *cells = o ? cJSON_AddObjectToObject(o, "cells") : NULL;
  size_t w0 = 5, w[8] = {0};
  for (size_t a = 0; a < na && a < 8; a++)
    w[a] = strlen(matrix_ats[a]);
  for (size_t c = 0; c < nc; c++)
    w0 = max_sz(w0, strlen(scn_cause_ids[c]));
  /* first pass: widths (text) or the JSON cells */
  char *text[64][8] = {{0}};
  for (size_t c = 0; c < nc && c < 64; c++) {
    cJSON *row = cells ? cJSON_AddObjectToObject(cells, scn_cause_ids[c]) : NULL;
    for (size_t a = 0; a < na && a < 8; a++) {
      cJSON *list = row ? cJSON_AddArrayToObject(row, matrix_ats[a]) : NULL;
      const char *first = NULL;
      size_t n = 0;
      for (size_t s = 0; s < set->n; s++) {
        if (!covers(set->v[s], scn_cause_ids[c], matrix_ats[a]))
          continue;
        if (n++ == 0)
          first = set->v[s]->path;
        if (list)
          cJSON_AddItemToArray(list, cJSON_CreateString(set->v[s]->path));
      }
      if (n > 0) {
        covered++;
        per_ats[a]++;
      }
      char buf[512];
      if (n == 0)
        snprintf(buf, sizeof buf, "-");
      else if (n == 1)
        snprintf(buf, sizeof buf, "%s", short_path(first));
      else
        snprintf(buf, sizeof buf, "%s (+%zu)", short_path(first), n - 1);
      text[c][a] = strdup(buf);
      if (text[c][a])
        w[a] = max_sz(w[a], strlen(text[c][a]));
    }
  }
  if (o) {
    cJSON *ats = cJSON_AddArrayToObject(o, "ats");
    for (size_t a = 0; a < na; a++)
      cJSON_AddItemToArray(ats, cJSON_CreateString(matrix_ats[a]));
    cJSON *cs = cJSON_AddArrayToObject(o, "causes");
    for (size_t c = 0; c < nc; c++)
      cJSON_AddItemToArray(cs, cJSON_CreateString(scn_cause_ids[c]));
    cJSON_AddNumberToObject(o, "covered", (double)covered);
    cJSON_AddNumberToObject(o, "total", (double)(na * nc));
    char *out = cJSON_Print(o);
    if (out)
      puts(out);
    free(out);
    cJSON_Delete(o);
  } else {
    printf("%-*s", (int)w0, "CAUSE");
    for (size_t a = 0; a < na && a < 8; a++)
      printf("  %-*s", a + 1 < na ? (int)w[a] : 0, matrix_ats[a]);
    fputc('\n', stdout);
    for (size_t c = 0; c < nc && c < 64; c++) {
      printf("%-*s", (int)w0, scn_cause_ids[c]);
      for (size_t a = 0; a < na && a < 8; a++)
        printf("  %-*s", a + 1 < na ? (int)w[a] : 0,
               text[c][a] ? text[c][a] : "?");
      fputc('\n', stdout);
    }
    printf("%zu of %zu cells covered (", covered, na * nc);
    for (size_t a = 0; a < na; a++)
      printf("%s%s %zu/%zu%s", a ? ", " : "", matrix_ats[a], per_ats[a], nc,
             built(matrix_ats[a]) ? "" : ": no personality yet");
    printf("); pending scenarios cover nothing\n");
  }
  for (size_t c = 0; c < nc && c < 64; c++)
    for (size_t a = 0; a < na && a < 8; a++)
      free(text[c][a]);
  free(per_ats);
  return 0;
}

int scn_main_list(int argc, char **argv)
{
  struct cli_cfg cfg;
  int rc = cli_parse(argc, argv, list_defs,
                     sizeof list_defs / sizeof *list_defs, list_usage, &cfg);
  if (rc >= 0) {
    cli_cfg_free(&cfg);
    return rc;
  }
  struct cli_set all = {0};
  rc = cli_load("list", &cfg.paths, &all);
  struct cli_set shown = {0};
  if (rc == 0) {
    shown.v = calloc(all.n + 1, sizeof *shown.v);
    if (shown.v == NULL)
      rc = 2;
  }
  for (size_t s = 0; rc == 0 && s < all.n; s++)
    if (cli_matches(all.v[s], cfg.filter) &&
        (cfg.ats == NULL || cli_has_ats(all.v[s], cfg.ats)))
      shown.v[shown.n++] = all.v[s];
  size_t ncc = 0;
  struct cause_count *cc = rc == 0 ? count_causes(&shown, &ncc) : NULL;
  if (rc == 0 && cc == NULL)
    rc = 2;
  if (rc == 0 && cfg.list_matrix) {
    rc = list_matrix(&shown, cfg.list_json);
  } else if (rc == 0 && cfg.list_json) {
    rc = list_json(&shown, cc, ncc);
  } else if (rc == 0) {
    list_table(&shown);
    list_footer(shown.n, cc, ncc);
  }
  free(cc);
  free(shown.v); /* borrowed from 'all' */
  cli_set_free(&all);
  cli_cfg_free(&cfg);
  return rc;
}
