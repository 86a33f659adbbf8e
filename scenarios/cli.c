/* cli.c — the command line of `atsim run` and `atsim list` (cli.h):
 * options as --opt VALUE, --opt=VALUE, -j N or -jN, "--" before PATHs that
 * start with '-'; an unknown option or --ats name gets a "did you mean"
 * hint (lex.c, the command-line rule). Then the PATHs: the .scn files they
 * name, read and parsed all before anything runs or is listed. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "at_clock.h"
#include "lex.h"
#include "strutil.h"

#define DEFAULT_PATH "scenarios/catalog"
#define DEFAULT_TIMEOUT_MS 120000
#define MAX_REPEAT 100000
#define PARSE_ERR_LEN 16384

/* ---- a growable vector of owned strings ---------------------------------- */

/* Append 's' (owned from here on, freed on failure too). 0 or -1. */
static int strv_add(struct cli_strv *sv, char *s)
{
  if (s == NULL)
    return -1;
  if (sv->n == sv->cap) {
    size_t cap = sv->cap != 0 ? sv->cap * 2 : 16;
    char **v = realloc(sv->v, cap * sizeof *v);
    if (v == NULL) {
      free(s);
      return -1;
    }
    sv->v = v;
    sv->cap = cap;
  }
  sv->v[sv->n++] = s;
  return 0;
}

static void strv_free(struct cli_strv *sv)
{
  for (size_t i = 0; i < sv->n; i++)
    free(sv->v[i]);
  free(sv->v);
  memset(sv, 0, sizeof *sv);
}

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the command line ---------------------------------------------------- */

struct argscan {
  const char *cmd;
  int argc;
  char **argv;
  int i;
  bool paths_only; /* after "--" */
  const struct cli_opt_def *defs;
  size_t ndefs;
};

/* "unknown option", with the closest of the command's options (the word
 * without its dashes and any "=VALUE"). */
static void unknown_option(const struct argscan *a, const char *arg)
{
  char word[64];
  size_t k = strcspn(arg, "=");
  const char *w = arg;
  while (*w == '-' && k > 0) {
    w++;
    k--;
  }
  snprintf(word, sizeof word, "%.*s", (int)(k < 63 ? k : 63), w);
  struct scn_hint h;
  scn_hint_init_rule(&h, word, SCN_HINT_OPTIONS);
  for (size_t i = 0; i < a->ndefs && i < 32; i++)
    scn_hint_offer(&h, a->defs[i].name, strlen(a->defs[i].name));
  const char *hint = scn_hint_best(&h);
  fprintf(stderr, "atsim %s: unknown option '%s'", a->cmd, arg);
  if (hint != NULL)
    fprintf(stderr, " (did you mean --%s?)", hint);
  fprintf(stderr, "\n  see 'atsim %s --help' for the options\n", a->cmd);
}

/* The next argument. Returns 1 for an option (*def, *value set), 2 for a
 * PATH (*value), 0 at the end, -1 after printing an error. */
static int next_arg(struct argscan *a, const struct cli_opt_def **def,
                    const char **value)
{
  if (a->i >= a->argc)
    return 0;
  const char *arg = a->argv[a->i++];
  if (a->paths_only || arg[0] != '-' || arg[1] == '\0') {
    *value = arg;
    return 2;
  }
  if (strcmp(arg, "--") == 0) {
    a->paths_only = true;
    return next_arg(a, def, value);
  }
  const char *inline_value = NULL;
  const struct cli_opt_def *d = NULL;
  if (arg[1] == '-') {
    size_t k = strcspn(arg + 2, "=");
    for (size_t i = 0; i < a->ndefs && d == NULL; i++)
      if (strlen(a->defs[i].name) == k &&
          strncmp(a->defs[i].name, arg + 2, k) == 0)
        d = &a->defs[i];
    if (arg[2 + k] == '=')
      inline_value = arg + 3 + k;
  } else {
    for (size_t i = 0; i < a->ndefs && d == NULL; i++)
      if (a->defs[i].short_name == arg[1])
        d = &a->defs[i];
    if (d != NULL && arg[2] != '\0') {
      if (!d->has_value)
        d = NULL; /* -qx and the like */
      else
        inline_value = arg[2] == '=' ? arg + 3 : arg + 2;
    }
  }
  if (d == NULL) {
    unknown_option(a, arg);
    return -1;
  }
  if (!d->has_value && inline_value != NULL) {
    fprintf(stderr, "atsim %s: option '--%s' takes no value\n", a->cmd,
            d->name);
    return -1;
  }
  if (d->has_value && inline_value == NULL) {
    if (a->i >= a->argc) {
      fprintf(stderr, "atsim %s: option '--%s' needs a value\n", a->cmd,
              d->name);
      return -1;
    }
    inline_value = a->argv[a->i++];
  }
  *def = d;
  *value = inline_value;
  return 1;
}

/* A whole number from 0 to 2^64-1, in at most 20 digits. */
static bool parse_u64(const char *s, uint64_t *out)
{
  return strlen(s) <= 20 && scn_str_to_u64(s, UINT64_MAX, out);
}

static bool parse_range(const char *s, long lo, long hi, long *out)
{
  uint64_t v;
  if (!parse_u64(s, &v) || v < (uint64_t)lo || v > (uint64_t)hi)
    return false;
  *out = (long)v;
  return true;
}

/* A duration with its unit ("90s", "5m", "1h30m"); bare numbers are not
 * accepted, as in scenario files. */
static bool parse_duration(const char *s, int64_t *ms)
{
  size_t n = strlen(s);
  if (n == 0 || s[n - 1] < 'a' || s[n - 1] > 'z')
    return false;
  return at_duration_parse(s, ms) == 0 && *ms >= 0;
}

static bool known_ats(const char *name)
{
  for (size_t i = 0; scn_personalities[i] != NULL; i++)
    if (strcmp(scn_personalities[i], name) == 0)
      return true;
  return false;
}

static void unknown_ats(const char *cmd, const char *name)
{
  struct scn_hint h;
  size_t n = 0;
  scn_hint_init_rule(&h, name, SCN_HINT_OPTIONS);
  for (; scn_personalities[n] != NULL; n++)
    scn_hint_offer(&h, scn_personalities[n], strlen(scn_personalities[n]));
  const char *hint = scn_hint_best(&h);
  fprintf(stderr, "atsim %s: unknown ats '%s'", cmd, name);
  if (hint != NULL)
    fprintf(stderr, " (did you mean %s?)", hint);
  fputs("; the sim has:", stderr);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " %s", scn_personalities[i]);
  fputc('\n', stderr);
}

/* One option of run or list into 'c'. 0, or 2 after printing an error. */
static int apply_option(const char *cmd, struct cli_cfg *c,
                        const struct cli_opt_def *d, const char *v)
{
  const char *what = NULL;
  char *end = NULL;
  switch (d->id) {
  case CLI_JOBS:
    if (!parse_range(v, 1, CLI_MAX_JOBS, &c->jobs))
      what = "-j/--jobs wants a number of runs at once from 1 to 256";
    break;
  case CLI_SHARD:
    c->shard_k = strtol(v, &end, 10);
    if (end == v || *end != '/' || v[0] < '0' || v[0] > '9' ||
        !parse_range(end + 1, 1, 1000000, &c->shard_n) || c->shard_k < 1 ||
        c->shard_k > c->shard_n)
      what = "--shard wants K/N with 1 <= K <= N (e.g. 1/4)";
    break;
  case CLI_FILTER:
    c->filter = v;
    break;
  case CLI_SEED:
    c->seed_set = parse_u64(v, &c->seed);
    if (!c->seed_set)
      what = "--seed wants a whole number from 0 to 2^64-1";
    break;
  case CLI_REPEAT:
    if (!parse_range(v, 1, MAX_REPEAT, &c->repeat))
      what = "--repeat wants a number of repetitions from 1 to 100000";
    break;
  case CLI_JUNIT: c->junit = v; break;
  case CLI_JSON: c->json = v; break;
  case CLI_JSON_FLAG: c->list_json = true; break;
  case CLI_MATRIX: c->list_matrix = true; break;
  case CLI_ATS:
    if (!known_ats(v)) {
      unknown_ats(cmd, v);
      return 2;
    }
    c->ats = v;
    break;
  case CLI_TRACE: c->trace = true; break;
  case CLI_ARTIFACTS: c->artifacts = v; break;
  case CLI_UNTIL:
    if (!parse_duration(v, &c->until_ms) || c->until_ms == 0)
      what = "--until wants a time with its unit (e.g. 90s, 5m, 1h30m)";
    break;
  case CLI_TIMEOUT:
    if (!parse_duration(v, &c->timeout_ms) || c->timeout_ms < 1000)
      what = "--timeout wants a time of at least 1s (e.g. 120s, 5m)";
    break;
  case CLI_QUIET: c->quiet = true; break;
  case CLI_HELP: break;
  }
  if (what != NULL) {
    fprintf(stderr, "atsim %s: '%s': %s\n", cmd, v != NULL ? v : "", what);
    return 2;
  }
  return 0;
}

int cli_parse(int argc, char **argv, const struct cli_opt_def *defs,
              size_t ndefs, const char *usage, struct cli_cfg *c)
{
  memset(c, 0, sizeof *c);
  c->jobs = 1;
  c->repeat = 1;
  c->timeout_ms = DEFAULT_TIMEOUT_MS;
  struct argscan a = {argv[0], argc, argv, 1, false, defs, ndefs};
  const struct cli_opt_def *d = NULL;
  const char *v = NULL;
  int k;
  while ((k = next_arg(&a, &d, &v)) > 0) {
    if (k == 2) {
      if (strv_add(&c->paths, strdup(v)) != 0)
        return 2;
      continue;
    }
    if (d->id == CLI_HELP) {
      fputs(usage, stdout);
      return 0;
    }
    if (apply_option(argv[0], c, d, v) != 0)
      return 2;
  }
  if (k < 0)
    return 2;
  if (c->paths.n == 0 && strv_add(&c->paths, strdup(DEFAULT_PATH)) != 0)
    return 2;
  return -1;
}

void cli_cfg_free(struct cli_cfg *c)
{
  strv_free(&c->paths);
}

/* ---- finding and reading the files --------------------------------------- */

static bool has_scn_suffix(const char *name)
{
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

/* Every *.scn under 'dir' (recursively; hidden entries and symlinked
 * folders are left out) into 'out'. 0, or -1 after printing an error. */
static int walk_dir(const char *cmd, const char *dir, struct cli_strv *out)
{
  DIR *d = opendir(dir);
  if (d == NULL) {
    fprintf(stderr, "atsim %s: %s: %s\n", cmd, dir, strerror(errno));
    return -1;
  }
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char *p = scn_str_path_join(dir, e->d_name);
    struct stat st;
    if (p == NULL || lstat(p, &st) != 0) {
      free(p);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      rc = walk_dir(cmd, p, out);
      free(p);
    } else if (has_scn_suffix(e->d_name) &&
               (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
      rc = strv_add(out, p);
    } else {
      free(p);
    }
  }
  closedir(d);
  return rc;
}

/* The files the PATHs name, sorted bytewise, each once. 0, or 2 after
 * printing an error. */
static int collect_files(const char *cmd, const struct cli_strv *paths,
                         struct cli_strv *files)
{
  for (size_t i = 0; i < paths->n; i++) {
    const char *p = paths->v[i];
    struct stat st;
    if (stat(p, &st) != 0) {
      fprintf(stderr, "atsim %s: %s: %s\n", cmd, p, strerror(errno));
      return 2;
    }
    if (!S_ISDIR(st.st_mode)) {
      if (strv_add(files, strdup(p)) != 0)
        return 2;
      continue;
    }
    size_t before = files->n;
    if (walk_dir(cmd, p, files) != 0)
      return 2;
    if (files->n == before) {
      fprintf(stderr, "atsim %s: %s: no .scn file in this folder\n", cmd, p);
      return 2;
    }
  }
  qsort(files->v, files->n, sizeof *files->v, cmp_str);
  size_t o = 0;
  for (size_t i = 0; i < files->n; i++) {
    if (o > 0 && strcmp(files->v[o - 1], files->v[i]) == 0)
      free(files->v[i]);
    else
      files->v[o++] = files->v[i];
  }
  files->n = o;
  return 0;
}

void cli_set_free(struct cli_set *s)
{
  for (size_t i = 0; i < s->n; i++)
    scn_free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}

int cli_load(const char *cmd, const struct cli_strv *paths,
             struct cli_set *set)
{
  struct cli_strv files = {0};
  int rc = collect_files(cmd, paths, &files);
  if (rc != 0) {
    strv_free(&files);
    return rc;
  }
  set->v = calloc(files.n != 0 ? files.n : 1, sizeof *set->v);
  char *err = malloc(PARSE_ERR_LEN);
  if (set->v == NULL || err == NULL) {
    free(err);
    strv_free(&files);
    return 2;
  }
  size_t bad = 0;
  for (size_t i = 0; i < files.n; i++) {
    err[0] = '\0';
    struct scn_scenario *sc = scn_parse_file(files.v[i], err, PARSE_ERR_LEN);
    if (sc == NULL) {
      bad++;
      size_t n = strlen(err);
      if (n == 0)
        fprintf(stderr, "%s: could not be read\n", files.v[i]);
      else
        fprintf(stderr, "%s%s", err, err[n - 1] == '\n' ? "" : "\n");
      continue;
    }
    set->v[set->n++] = sc;
  }
  if (bad > 0)
    fprintf(stderr, "atsim %s: %zu of %zu %s %s errors; nothing was %s\n",
            cmd, bad, files.n, files.n == 1 ? "file" : "files",
            bad == 1 ? "has" : "have",
            strcmp(cmd, "run") == 0 ? "run" : "listed");
  free(err);
  strv_free(&files);
  return bad > 0 ? 2 : 0;
}

static bool match_one(const char *pat, const char *s, bool glob)
{
  if (s == NULL)
    return false;
  return glob ? fnmatch(pat, s, 0) == 0 : strstr(s, pat) != NULL;
}

bool cli_matches(const struct scn_scenario *sc, const char *pat)
{
  if (pat == NULL)
    return true;
  bool glob = strpbrk(pat, "*?[") != NULL;
  if (match_one(pat, sc->path, glob) || match_one(pat, sc->title, glob))
    return true;
  for (size_t i = 0; i < sc->ntags; i++)
    if (match_one(pat, sc->tags[i], glob))
      return true;
  return false;
}

bool cli_has_ats(const struct scn_scenario *sc, const char *ats)
{
  for (size_t i = 0; i < sc->nats; i++)
    if (strcmp(sc->ats[i], ats) == 0)
      return true;
  return false;
}
