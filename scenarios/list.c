/* list.c — `atsim list`: the scenarios under the PATHs (read as for
 * `atsim run`, cli.c), kept by --filter and --ats, as a table of what the
 * files say (title, ats, auth, tags, causes, pending) or as JSON, then the
 * causes covered and those not. */
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
    {"filter", 0, true, CLI_FILTER},
    {"ats", 0, true, CLI_ATS},
    {"help", 'h', false, CLI_HELP},
};

static const char list_usage[] =
    "usage: atsim list [--json] [--filter PATTERN] [--ats NAME] [PATH...]\n"
    "\n"
    "List the scenarios under PATH (default scenarios/catalog): title, ats,\n"
    "auth, tags, causes, pending reason; then the causes covered.\n";

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
  if (rc == 0 && cfg.list_json) {
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
