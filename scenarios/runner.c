/* runner.c — `atsim run` and `atsim list`.
 *
 * run: read every scenario file first (any error: report them all, exit 2,
 * run nothing), expand scenario x ats x repetition into instances, keep the
 * instances of --filter, --ats and --shard, and run each in a forked child
 * so that a crash is one failed run, not a dead runner. The child sends its
 * result back as JSON on a pipe (scn_result_json, report.c); the parent
 * runs up to -j children at once, kills one that passes the wall-clock
 * limit, and prints the results in instance order, so that the output is
 * the same whatever -j is, apart from times.
 *
 * list: the same reading and filtering, then a table of what the files
 * say (title, ats, auth, tags, causes, pending) and the causes covered. */
#include "runner.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "at_clock.h"
#include "report.h"
#include "scn.h"

#define DEFAULT_PATH "scenarios/catalog"
#define DEFAULT_TIMEOUT_MS 120000
#define MAX_JOBS 256
#define MAX_REPEAT 100000
#define MAX_RESULT_BYTES ((size_t)1 << 30)
#define PARSE_ERR_LEN 16384

/* The only mutable global: set by SIGINT/SIGTERM while runs are going, so
 * the loop can kill its children before it leaves. */
static volatile sig_atomic_t run_interrupted;

static void on_interrupt(int sig)
{
  (void)sig;
  run_interrupted = 1;
}

static double now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- a growable vector of owned strings ---------------------------------- */

struct strv {
  char **v;
  size_t n, cap;
};

/* Append 's' (owned from here on, freed on failure too). 0 or -1. */
static int strv_add(struct strv *sv, char *s)
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

static void strv_free(struct strv *sv)
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

/* 'words' joined with blanks into a new string ("" for none). */
static char *join_words(char *const *words, size_t n)
{
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(words[i]) + 1;
  char *s = malloc(len);
  if (s == NULL)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    size_t k = strlen(words[i]);
    if (i > 0)
      s[o++] = ' ';
    memcpy(s + o, words[i], k);
    o += k;
  }
  s[o] = '\0';
  return s;
}

/* ---- the command line ---------------------------------------------------- */

enum opt_id {
  O_JOBS,
  O_SHARD,
  O_FILTER,
  O_SEED,
  O_REPEAT,
  O_JUNIT,
  O_JSON,
  O_JSON_FLAG,
  O_ATS,
  O_TRACE,
  O_ARTIFACTS,
  O_UNTIL,
  O_TIMEOUT,
  O_QUIET,
  O_HELP
};

struct opt_def {
  const char *name; /* long name without "--" */
  char short_name;  /* or 0 */
  bool has_value;
  enum opt_id id;
};

static const struct opt_def run_defs[] = {
    {"jobs", 'j', true, O_JOBS},        {"shard", 0, true, O_SHARD},
    {"filter", 0, true, O_FILTER},      {"seed", 0, true, O_SEED},
    {"repeat", 0, true, O_REPEAT},      {"junit", 0, true, O_JUNIT},
    {"json", 0, true, O_JSON},          {"ats", 0, true, O_ATS},
    {"trace", 0, false, O_TRACE},       {"artifacts", 0, true, O_ARTIFACTS},
    {"until", 0, true, O_UNTIL},        {"timeout", 0, true, O_TIMEOUT},
    {"quiet", 'q', false, O_QUIET},     {"help", 'h', false, O_HELP},
};

static const struct opt_def list_defs[] = {
    {"json", 0, false, O_JSON_FLAG},
    {"filter", 0, true, O_FILTER},
    {"ats", 0, true, O_ATS},
    {"help", 'h', false, O_HELP},
};

struct argscan {
  const char *cmd;
  int argc;
  char **argv;
  int i;
  bool paths_only; /* after "--" */
  const struct opt_def *defs;
  size_t ndefs;
};

/* Levenshtein distance, for "did you mean"; long strings count as far. */
static size_t edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la > 40 || lb > 40)
    return 99;
  size_t row[41];
  for (size_t j = 0; j <= lb; j++)
    row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j];
      size_t best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best)
        best = up + 1;
      if (row[j - 1] + 1 < best)
        best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* The closest of 'names' to 'word', or NULL when none is close. */
static const char *closest(const char *word, const char *const *names,
                           size_t n)
{
  const char *best = NULL;
  size_t bestd = 99, len = strlen(word);
  for (size_t i = 0; i < n; i++) {
    size_t d = edit_distance(word, names[i]);
    if (len >= 2 && strncmp(names[i], word, len) == 0)
      d = 1; /* a prefix of an option is as good as a typo */
    if (d < bestd) {
      bestd = d;
      best = names[i];
    }
  }
  size_t limit = len <= 4 ? 2 : 3;
  return bestd <= limit ? best : NULL;
}

static void unknown_option(const struct argscan *a, const char *arg)
{
  const char *names[32];
  size_t n = 0;
  for (size_t i = 0; i < a->ndefs && n < 32; i++)
    names[n++] = a->defs[i].name;
  char word[64];
  size_t k = strcspn(arg, "=");
  const char *w = arg;
  while (*w == '-' && k > 0) {
    w++;
    k--;
  }
  snprintf(word, sizeof word, "%.*s", (int)(k < 63 ? k : 63), w);
  const char *hint = closest(word, names, n);
  fprintf(stderr, "atsim %s: unknown option '%s'", a->cmd, arg);
  if (hint != NULL)
    fprintf(stderr, " (did you mean --%s?)", hint);
  fprintf(stderr, "\n  see 'atsim %s --help' for the options\n", a->cmd);
}

/* The next argument. Returns 1 for an option (*def, *value set), 2 for a
 * PATH (*value), 0 at the end, -1 after printing an error. */
static int next_arg(struct argscan *a, const struct opt_def **def,
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
  const struct opt_def *d = NULL;
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

static bool parse_u64(const char *s, uint64_t *out)
{
  size_t n = strlen(s);
  if (n == 0 || n > 20 || strspn(s, "0123456789") != n)
    return false;
  errno = 0;
  unsigned long long v = strtoull(s, NULL, 10);
  if (errno != 0)
    return false;
  *out = (uint64_t)v;
  return true;
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
  size_t n = 0;
  while (scn_personalities[n] != NULL)
    n++;
  const char *hint = closest(name, scn_personalities, n);
  fprintf(stderr, "atsim %s: unknown ats '%s'", cmd, name);
  if (hint != NULL)
    fprintf(stderr, " (did you mean %s?)", hint);
  fputs("; the sim has:", stderr);
  for (size_t i = 0; i < n; i++)
    fprintf(stderr, " %s", scn_personalities[i]);
  fputc('\n', stderr);
}

struct run_cfg {
  long jobs;
  long shard_k, shard_n; /* 0/0: no shard */
  const char *filter;
  bool seed_set;
  uint64_t seed;
  long repeat;
  const char *junit, *json;
  const char *ats;
  bool trace;
  const char *artifacts;
  int64_t until_ms;
  int64_t timeout_ms;
  bool quiet;
  bool list_json; /* list --json */
  struct strv paths;
};

static const char run_usage[] =
    "usage: atsim run [OPTIONS] [PATH...]\n"
    "\n"
    "Run scenarios (.scn files; a folder means every .scn under it) on the\n"
    "virtual clock, each on every ATS it names. PATH defaults to\n"
    "scenarios/catalog.\n"
    "\n"
    "options (--opt VALUE or --opt=VALUE):\n"
    "  -j, --jobs N       runs at once, each in its own process (default 1)\n"
    "  --shard K/N        only the K-th of N slices of the runs (1-based)\n"
    "  --filter PATTERN   only scenarios whose path, title or a tag matches\n"
    "                     (a glob when PATTERN has * ? [, else a substring)\n"
    "  --ats NAME         run on NAME only; scenarios without it are skipped\n"
    "  --seed N           the PRNG seed (default: the file's, else 1)\n"
    "  --repeat N         run each N times; the hashes must agree\n"
    "  --until TIME       stop each timeline at TIME (e.g. 5m); skips the\n"
    "                     after-run checks\n"
    "  --trace            print each run's whole trace after its result\n"
    "  --artifacts DIR    write each failed run's message and trace to DIR\n"
    "  --junit FILE       write JUnit XML\n"
    "  --json FILE        write a JSON report\n"
    "  --timeout TIME     wall-clock limit of one run (default 120s)\n"
    "  -q, --quiet        only failures and the summary\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 every run passed (or is pending and failed as expected),\n"
    "1 a run failed, errored or passed while pending, 2 invalid files or\n"
    "command line.\n";

static const char list_usage[] =
    "usage: atsim list [--json] [--filter PATTERN] [--ats NAME] [PATH...]\n"
    "\n"
    "List the scenarios under PATH (default scenarios/catalog): title, ats,\n"
    "auth, tags, causes, pending reason; then the causes covered.\n";

/* One option of run or list into 'c'. 0, or 2 after printing an error. */
static int apply_option(const char *cmd, struct run_cfg *c,
                        const struct opt_def *d, const char *v)
{
  const char *what = NULL;
  char *end = NULL;
  switch (d->id) {
  case O_JOBS:
    if (!parse_range(v, 1, MAX_JOBS, &c->jobs))
      what = "-j/--jobs wants a number of runs at once from 1 to 256";
    break;
  case O_SHARD:
    c->shard_k = strtol(v, &end, 10);
    if (end == v || *end != '/' || v[0] < '0' || v[0] > '9' ||
        !parse_range(end + 1, 1, 1000000, &c->shard_n) || c->shard_k < 1 ||
        c->shard_k > c->shard_n)
      what = "--shard wants K/N with 1 <= K <= N (e.g. 1/4)";
    break;
  case O_FILTER:
    c->filter = v;
    break;
  case O_SEED:
    c->seed_set = parse_u64(v, &c->seed);
    if (!c->seed_set)
      what = "--seed wants a whole number from 0 to 2^64-1";
    break;
  case O_REPEAT:
    if (!parse_range(v, 1, MAX_REPEAT, &c->repeat))
      what = "--repeat wants a number of repetitions from 1 to 100000";
    break;
  case O_JUNIT: c->junit = v; break;
  case O_JSON: c->json = v; break;
  case O_JSON_FLAG: c->list_json = true; break;
  case O_ATS:
    if (!known_ats(v)) {
      unknown_ats(cmd, v);
      return 2;
    }
    c->ats = v;
    break;
  case O_TRACE: c->trace = true; break;
  case O_ARTIFACTS: c->artifacts = v; break;
  case O_UNTIL:
    if (!parse_duration(v, &c->until_ms) || c->until_ms == 0)
      what = "--until wants a time with its unit (e.g. 90s, 5m, 1h30m)";
    break;
  case O_TIMEOUT:
    if (!parse_duration(v, &c->timeout_ms) || c->timeout_ms < 1000)
      what = "--timeout wants a time of at least 1s (e.g. 120s, 5m)";
    break;
  case O_QUIET: c->quiet = true; break;
  case O_HELP: break;
  }
  if (what != NULL) {
    fprintf(stderr, "atsim %s: '%s': %s\n", cmd, v != NULL ? v : "", what);
    return 2;
  }
  return 0;
}

/* Parse argv into 'c'. Returns -1 to go on, or an exit status (0 after
 * --help, 2 after an error). */
static int parse_args(int argc, char **argv, const struct opt_def *defs,
                      size_t ndefs, const char *usage, struct run_cfg *c)
{
  memset(c, 0, sizeof *c);
  c->jobs = 1;
  c->repeat = 1;
  c->timeout_ms = DEFAULT_TIMEOUT_MS;
  struct argscan a = {argv[0], argc, argv, 1, false, defs, ndefs};
  const struct opt_def *d = NULL;
  const char *v = NULL;
  int k;
  while ((k = next_arg(&a, &d, &v)) > 0) {
    if (k == 2) {
      if (strv_add(&c->paths, strdup(v)) != 0)
        return 2;
      continue;
    }
    if (d->id == O_HELP) {
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

/* ---- finding and reading the files --------------------------------------- */

static bool has_scn_suffix(const char *name)
{
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".scn") == 0;
}

static char *path_join(const char *dir, const char *name)
{
  size_t n = strlen(dir);
  char *s = NULL;
  if (asprintf(&s, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/",
               name) < 0)
    return NULL;
  return s;
}

/* Every *.scn under 'dir' (recursively; hidden entries and symlinked
 * folders are left out) into 'out'. 0, or -1 after printing an error. */
static int walk_dir(const char *cmd, const char *dir, struct strv *out)
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
    char *p = path_join(dir, e->d_name);
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
static int collect_files(const char *cmd, const struct strv *paths,
                         struct strv *files)
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

struct scn_set {
  struct scn_scenario **v;
  size_t n;
};

static void scn_set_free(struct scn_set *s)
{
  for (size_t i = 0; i < s->n; i++)
    scn_free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}

/* Parse every file; print every error. 0, or 2 when any file failed. */
static int load_all(const char *cmd, const struct strv *paths,
                    struct scn_set *set)
{
  struct strv files = {0};
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

/* --filter: the path, the title or any tag. */
static bool scenario_matches(const struct scn_scenario *sc, const char *pat)
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

static bool scenario_has_ats(const struct scn_scenario *sc, const char *ats)
{
  for (size_t i = 0; i < sc->nats; i++)
    if (strcmp(sc->ats[i], ats) == 0)
      return true;
  return false;
}

/* ---- instances and results ----------------------------------------------- */

struct instance {
  const struct scn_scenario *sc;
  const char *ats;
  int rep;
};

struct slot {
  bool busy;
  bool exiting; /* pipe at EOF, child not reaped yet */
  pid_t pid;
  int fd;
  size_t inst;
  double t0;
  char *buf;
  size_t len, cap;
};

struct runner {
  const struct run_cfg *cfg;
  const char *argv0;
  struct instance *inst;
  size_t ninst;
  size_t nscenarios;
  struct scn_result *res;
  bool *ready;
  size_t printed, done;
  struct slot *slots;
  bool progress;
};

/* The instances that --filter, --ats and --shard leave, in order. The
 * shard splits scenario x ats pairs (all repetitions of one go together).
 * 0, or 2 after printing an error. */
static int plan(struct runner *R, const struct scn_set *set)
{
  const struct run_cfg *c = R->cfg;
  size_t cap = 0, pair = 0, matched = 0;
  const struct scn_scenario *last = NULL;
  for (size_t s = 0; s < set->n; s++) {
    const struct scn_scenario *sc = set->v[s];
    if (!scenario_matches(sc, c->filter))
      continue;
    matched++;
    for (size_t a = 0; a < sc->nats; a++) {
      if (c->ats != NULL && strcmp(sc->ats[a], c->ats) != 0)
        continue;
      size_t idx = pair++;
      if (c->shard_n > 0 && idx % (size_t)c->shard_n != (size_t)c->shard_k - 1)
        continue;
      for (long rep = 0; rep < c->repeat; rep++) {
        if (R->ninst == cap) {
          cap = cap != 0 ? cap * 2 : 64;
          struct instance *v = realloc(R->inst, cap * sizeof *v);
          if (v == NULL)
            return 2;
          R->inst = v;
        }
        R->inst[R->ninst++] = (struct instance){sc, sc->ats[a], (int)rep};
      }
      if (last != sc)
        R->nscenarios++;
      last = sc;
    }
  }
  if (matched == 0 && c->filter != NULL) {
    fprintf(stderr, "atsim run: no scenario matches --filter '%s'\n",
            c->filter);
    return 2;
  }
  if (pair == 0 && c->ats != NULL) {
    fprintf(stderr, "atsim run: no scenario runs on --ats %s\n", c->ats);
    return 2;
  }
  return 0;
}

static uint64_t effective_seed(const struct runner *R,
                               const struct scn_scenario *sc)
{
  if (R->cfg->seed_set)
    return R->cfg->seed;
  return sc->has_seed ? sc->seed : 1;
}

/* 's' quoted for a POSIX shell when it needs it; caller frees. */
static char *shell_quote(const char *s)
{
  size_t n = strlen(s);
  if (n > 0 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                         "0123456789_./:=@%+,-") == n)
    return strdup(s);
  char *q = malloc(4 * n + 3), *o = q;
  if (q == NULL)
    return NULL;
  *o++ = '\'';
  for (const char *p = s; *p != '\0'; p++) {
    if (*p == '\'') {
      memcpy(o, "'\\''", 4);
      o += 4;
    } else {
      *o++ = *p;
    }
  }
  *o++ = '\'';
  *o = '\0';
  return q;
}

/* The command that reruns one instance, for results the child never sent. */
static char *make_repro(const struct runner *R, const struct instance *in)
{
  char *prog = shell_quote(R->argv0), *file = shell_quote(in->sc->path);
  char until[SCN_DURATION_BUF + 16] = "";
  if (R->cfg->until_ms > 0) {
    char d[SCN_DURATION_BUF];
    snprintf(until, sizeof until, " --until %s",
             at_duration_format(R->cfg->until_ms, d, sizeof d));
  }
  char *s = NULL;
  if (prog == NULL || file == NULL ||
      asprintf(&s, "%s run %s --ats %s --seed %" PRIu64 "%s", prog, file,
               in->ats, effective_seed(R, in->sc), until) < 0)
    s = NULL;
  free(prog);
  free(file);
  return s;
}

/* A result made by the parent: the run could not report its own. */
static void error_result(const struct runner *R, size_t i, const char *msg,
                         double wall_ms, struct scn_result *r)
{
  const struct instance *in = &R->inst[i];
  const struct scn_scenario *sc = in->sc;
  memset(r, 0, sizeof *r);
  r->file = strdup(sc->path);
  r->title = strdup(sc->title != NULL ? sc->title : "");
  r->ats = strdup(in->ats);
  r->tags = join_words(sc->tags, sc->ntags);
  r->causes = join_words(sc->causes, sc->ncauses);
  r->pending = sc->pending != NULL ? strdup(sc->pending) : NULL;
  r->seed = effective_seed(R, sc);
  r->repeat = in->rep;
  r->verdict = SCN_ERROR;
  r->message = strdup(msg);
  r->repro = make_repro(R, in);
  r->wall_ms = wall_ms;
}

/* ---- the child ----------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Run instance i in this (forked) process, send the result, _exit. */
static void child_main(const struct runner *R, size_t i, int wfd)
{
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGINT, &dfl, NULL);
  sigaction(SIGTERM, &dfl, NULL);
  for (size_t k = 0; k < (size_t)R->cfg->jobs; k++)
    if (R->slots[k].busy && R->slots[k].fd >= 0)
      close(R->slots[k].fd);
  dup2(STDERR_FILENO, STDOUT_FILENO); /* stray prints must not interleave */

  const struct instance *in = &R->inst[i];
  struct scn_run_opts o;
  memset(&o, 0, sizeof o);
  o.seed = R->cfg->seed;
  o.seed_set = R->cfg->seed_set;
  o.until_ms = R->cfg->until_ms;
  o.keep_trace = R->cfg->trace || R->cfg->artifacts != NULL;
  o.argv0 = R->argv0;
  struct scn_result r;
  memset(&r, 0, sizeof r);
  scn_run(in->sc, in->ats, &o, &r);
  r.repeat = in->rep;
  cJSON *j = scn_result_json(&r, o.keep_trace);
  char *s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
  if (s == NULL)
    _exit(3);
  if (write_all(wfd, s, strlen(s)) != 0)
    _exit(4);
  _exit(0);
}

/* ---- the parent: starting, reading, finishing ---------------------------- */

static void progress_clear(const struct runner *R)
{
  if (R->progress)
    fputs("\r\033[K", stderr);
}

static void progress_draw(const struct runner *R)
{
  if (!R->progress)
    return;
  const char *path = NULL;
  for (size_t k = 0; k < (size_t)R->cfg->jobs && path == NULL; k++)
    if (R->slots[k].busy)
      path = R->inst[R->slots[k].inst].sc->path;
  if (path == NULL)
    return;
  fprintf(stderr, "\r\033[K[%zu/%zu] running %s", R->done + 1, R->ninst,
          path);
  fflush(stderr);
}

/* Write DIR/<path with / as _>.<ats>.<seed>.trace for a failed run. */
static void write_artifact(const struct runner *R, const struct scn_result *r)
{
  char *name = strdup(r->file != NULL ? r->file : "unknown");
  char *path = NULL;
  if (name == NULL)
    return;
  for (char *p = name; *p != '\0'; p++)
    if (*p == '/')
      *p = '_';
  if (asprintf(&path, "%s/%s.%s.%" PRIu64 ".trace", R->cfg->artifacts, name,
               r->ats != NULL ? r->ats : "unknown", r->seed) < 0)
    path = NULL;
  FILE *f = path != NULL ? fopen(path, "w") : NULL;
  if (f == NULL) {
    fprintf(stderr, "atsim run: cannot write %s: %s\n",
            path != NULL ? path : "an artifact", strerror(errno));
  } else {
    fprintf(f, "%s\n", r->message != NULL ? r->message : "");
    if (r->repro != NULL)
      fprintf(f, "reproduce: %s\n", r->repro);
    fputc('\n', f);
    const char *t = r->trace != NULL ? r->trace
                                     : "(no trace: the run did not finish)";
    size_t n = strlen(t);
    fprintf(f, "%s%s", t, n > 0 && t[n - 1] == '\n' ? "" : "\n");
    if (fclose(f) != 0)
      fprintf(stderr, "atsim run: cannot write %s\n", path);
  }
  free(path);
  free(name);
}

/* Print the results that are next in instance order. */
static void print_ready(struct runner *R)
{
  bool any = false;
  while (R->printed < R->ninst && R->ready[R->printed]) {
    if (!any)
      progress_clear(R);
    any = true;
    scn_report_run(stdout, &R->res[R->printed], R->cfg->repeat > 1,
                   R->cfg->quiet, R->cfg->trace);
    R->printed++;
  }
  if (any) {
    fflush(stdout);
    progress_draw(R);
  }
}

/* Store the result of instance i. */
static void complete(struct runner *R, size_t i)
{
  R->ready[i] = true;
  R->done++;
  if (R->cfg->artifacts != NULL && scn_verdict_is_failure(R->res[i].verdict))
    write_artifact(R, &R->res[i]);
  print_ready(R);
}

static int start_one(struct runner *R, struct slot *s, size_t i)
{
  int p[2];
  if (pipe(p) != 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "could not start the run: pipe: %s",
             strerror(errno));
    error_result(R, i, msg, 0, &R->res[i]);
    complete(R, i);
    return 0;
  }
  fflush(NULL);
  double t0 = now_ms();
  pid_t pid = fork();
  if (pid < 0) {
    char msg[160];
    snprintf(msg, sizeof msg, "could not start the run: fork: %s",
             strerror(errno));
    close(p[0]);
    close(p[1]);
    error_result(R, i, msg, 0, &R->res[i]);
    complete(R, i);
    return 0;
  }
  if (pid == 0) {
    close(p[0]);
    child_main(R, i, p[1]);
  }
  close(p[1]);
  *s = (struct slot){.busy = true, .pid = pid, .fd = p[0], .inst = i,
                     .t0 = t0};
  progress_draw(R);
  return 0;
}

/* Why the child gave no complete result, from its wait status. */
static void describe_exit(int status, bool got_result, char *msg, size_t len)
{
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    snprintf(msg, len, "the run crashed: killed by signal %d (%s)", sig,
             strsignal(sig));
  } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
    snprintf(msg, len, "the run's process exited with code %d without a "
                       "result", WEXITSTATUS(status));
  } else if (got_result) {
    snprintf(msg, len, "the run's process sent a result that does not "
                       "parse");
  } else {
    snprintf(msg, len, "the run's process exited without a result");
  }
}

/* The run stopped at --until: so must its reproduction. */
static void add_until(const struct runner *R, struct scn_result *r)
{
  if (R->cfg->until_ms <= 0 || r->repro == NULL ||
      strstr(r->repro, " --until ") != NULL)
    return;
  char d[SCN_DURATION_BUF];
  char *s = NULL;
  if (asprintf(&s, "%s --until %s", r->repro,
               at_duration_format(R->cfg->until_ms, d, sizeof d)) < 0)
    return;
  free(r->repro);
  r->repro = s;
}

/* The child has been reaped with 'status' (timed_out: killed by us). */
static void finish(struct runner *R, struct slot *s, int status,
                   bool timed_out)
{
  size_t i = s->inst;
  double wall = now_ms() - s->t0;
  struct scn_result *r = &R->res[i];
  cJSON *j = s->len > 0 ? cJSON_ParseWithLength(s->buf, s->len) : NULL;
  int ok = j != NULL && !timed_out ? scn_result_from_json(j, r) : -1;
  cJSON_Delete(j);
  if (ok == 0) {
    r->repeat = R->inst[i].rep;
    if (r->wall_ms <= 0)
      r->wall_ms = wall;
    add_until(R, r);
  } else {
    char msg[200];
    if (timed_out)
      snprintf(msg, sizeof msg, "timed out after %lld s",
               (long long)(R->cfg->timeout_ms / 1000));
    else
      describe_exit(status, s->len > 0, msg, sizeof msg);
    error_result(R, i, msg, wall, r);
  }
  free(s->buf);
  *s = (struct slot){.fd = -1};
  complete(R, i);
}

/* Read what the child sent; at EOF close the pipe and try to reap it. */
static void read_slot(struct runner *R, struct slot *s)
{
  if (s->cap - s->len < 65536) {
    size_t cap = s->cap != 0 ? s->cap * 2 : 65536 * 2;
    char *b = cap <= MAX_RESULT_BYTES ? realloc(s->buf, cap) : NULL;
    if (b == NULL) { /* too big or no memory: treat as a broken result */
      kill(s->pid, SIGKILL);
      s->len = 0;
      close(s->fd);
      s->fd = -1;
      s->exiting = true;
      return;
    }
    s->buf = b;
    s->cap = cap;
  }
  ssize_t k = read(s->fd, s->buf + s->len, s->cap - s->len);
  if (k < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (k > 0) {
    s->len += (size_t)k;
    return;
  }
  close(s->fd);
  s->fd = -1;
  s->exiting = true;
  (void)R;
}

static void reap_exiting(struct runner *R, struct slot *s)
{
  int status = 0;
  pid_t w = waitpid(s->pid, &status, WNOHANG);
  if (w == s->pid || (w < 0 && errno == ECHILD))
    finish(R, s, status, false);
}

static void kill_slot(struct runner *R, struct slot *s, bool timed_out)
{
  kill(s->pid, SIGKILL);
  int status = 0;
  while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (s->fd >= 0)
    close(s->fd);
  s->fd = -1;
  if (timed_out) {
    finish(R, s, status, true);
  } else {
    free(s->buf);
    *s = (struct slot){.fd = -1};
  }
}

/* Wait for output or exits, at most until the nearest deadline. */
static void wait_step(struct runner *R)
{
  size_t jobs = (size_t)R->cfg->jobs;
  struct pollfd pfd[MAX_JOBS];
  size_t map[MAX_JOBS], n = 0;
  double now = now_ms(), wait = 250;
  for (size_t k = 0; k < jobs; k++) {
    struct slot *s = &R->slots[k];
    if (!s->busy)
      continue;
    double left = s->t0 + (double)R->cfg->timeout_ms - now;
    if (left < wait)
      wait = left;
    if (s->exiting) {
      if (wait > 5)
        wait = 5;
      continue;
    }
    pfd[n] = (struct pollfd){.fd = s->fd, .events = POLLIN};
    map[n++] = k;
  }
  int rc = poll(pfd, (nfds_t)n, wait > 0 ? (int)wait + 1 : 0);
  for (size_t m = 0; rc > 0 && m < n; m++)
    if (pfd[m].revents != 0)
      read_slot(R, &R->slots[map[m]]);
  now = now_ms();
  for (size_t k = 0; k < jobs; k++) {
    struct slot *s = &R->slots[k];
    if (s->busy && s->exiting)
      reap_exiting(R, s);
    if (s->busy && now - s->t0 >= (double)R->cfg->timeout_ms)
      kill_slot(R, s, true);
  }
}

/* Run every instance; 0, or 130 when interrupted. */
static int run_all(struct runner *R)
{
  size_t next = 0, jobs = (size_t)R->cfg->jobs;
  while (R->done < R->ninst) {
    for (size_t k = 0; k < jobs && next < R->ninst && !run_interrupted; k++)
      if (!R->slots[k].busy)
        start_one(R, &R->slots[k], next++);
    if (run_interrupted)
      break;
    if (R->done < R->ninst)
      wait_step(R);
    if (run_interrupted)
      break;
  }
  if (!run_interrupted)
    return 0;
  for (size_t k = 0; k < jobs; k++)
    if (R->slots[k].busy)
      kill_slot(R, &R->slots[k], false);
  progress_clear(R);
  fprintf(stderr, "atsim run: interrupted; %zu of %zu runs done\n", R->done,
          R->ninst);
  return 130;
}

/* ---- reports ------------------------------------------------------------- */

static int mkdir_p(const char *dir)
{
  char *p = strdup(dir);
  if (p == NULL)
    return -1;
  int rc = 0;
  for (char *q = p + 1; rc == 0; q++) {
    if (*q != '/' && *q != '\0')
      continue;
    char c = *q;
    *q = '\0';
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
      rc = -1;
    *q = c;
    if (c == '\0')
      break;
  }
  free(p);
  struct stat st;
  return rc == 0 && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

static int write_reports(const struct runner *R, const struct scn_summary *s,
                         FILE *junit, FILE *json)
{
  int rc = 0;
  if (junit != NULL) {
    if (scn_report_junit(junit, R->res, R->ninst, R->cfg->repeat > 1, s) !=
            0 ||
        fclose(junit) != 0) {
      fprintf(stderr, "atsim run: cannot write %s\n", R->cfg->junit);
      rc = 2;
    }
  }
  if (json != NULL) {
    cJSON *j = scn_report_json(R->res, R->ninst, s);
    char *text = j != NULL ? cJSON_Print(j) : NULL;
    if (text == NULL || fputs(text, json) < 0 || fputc('\n', json) < 0 ||
        fclose(json) != 0) {
      fprintf(stderr, "atsim run: cannot write %s\n", R->cfg->json);
      rc = 2;
    }
    free(text);
    cJSON_Delete(j);
  }
  return rc;
}

static FILE *open_report(const char *path)
{
  if (path == NULL)
    return NULL;
  FILE *f = fopen(path, "w");
  if (f == NULL)
    fprintf(stderr, "atsim run: cannot write %s: %s\n", path, strerror(errno));
  return f;
}

static void runner_free(struct runner *R)
{
  for (size_t i = 0; i < R->ninst && R->res != NULL; i++)
    scn_result_free(&R->res[i]);
  free(R->res);
  free(R->ready);
  free(R->slots);
  free(R->inst);
}

/* Everything after the files are read and the instances planned. */
static int run_planned(struct runner *R, double t0)
{
  const struct run_cfg *c = R->cfg;
  R->res = calloc(R->ninst + 1, sizeof *R->res);
  R->ready = calloc(R->ninst + 1, sizeof *R->ready);
  R->slots = calloc((size_t)c->jobs, sizeof *R->slots);
  if (R->res == NULL || R->ready == NULL || R->slots == NULL)
    return 2;
  for (long k = 0; k < c->jobs; k++)
    R->slots[k].fd = -1;
  if (c->artifacts != NULL && mkdir_p(c->artifacts) != 0) {
    fprintf(stderr, "atsim run: cannot create %s: %s\n", c->artifacts,
            strerror(errno));
    return 2;
  }
  FILE *junit = open_report(c->junit);
  FILE *json = open_report(c->json);
  if ((c->junit != NULL && junit == NULL) ||
      (c->json != NULL && json == NULL)) {
    if (junit != NULL)
      fclose(junit);
    if (json != NULL)
      fclose(json);
    return 2;
  }
  struct sigaction sa, old_int, old_term;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt; /* no SA_RESTART: poll must wake up */
  sigemptyset(&sa.sa_mask);
  run_interrupted = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  int rc = run_all(R);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  if (rc != 0) {
    if (junit != NULL)
      fclose(junit);
    if (json != NULL)
      fclose(json);
    return rc;
  }
  progress_clear(R);
  struct scn_summary s = {.scenarios = R->nscenarios};
  for (size_t i = 0; i < R->ninst; i++)
    scn_summary_add(&s, &R->res[i]);
  s.wall_ms = now_ms() - t0;
  scn_report_pending(stdout, R->res, R->ninst);
  scn_report_summary(stdout, &s);
  fflush(stdout);
  int wrc = write_reports(R, &s, junit, json);
  if (wrc != 0)
    return wrc;
  return s.failed + s.errors + s.passed_but_pending > 0 ? 1 : 0;
}

int scn_main_run(int argc, char **argv)
{
  double t0 = now_ms();
  struct run_cfg cfg;
  int rc = parse_args(argc, argv, run_defs, sizeof run_defs / sizeof *run_defs,
                      run_usage, &cfg);
  if (rc >= 0) {
    strv_free(&cfg.paths);
    return rc;
  }
  struct scn_set set = {0};
  struct runner R;
  memset(&R, 0, sizeof R);
  R.cfg = &cfg;
  R.argv0 = program_invocation_name != NULL ? program_invocation_name
                                            : "atsim";
  R.progress = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
  rc = load_all("run", &cfg.paths, &set);
  if (rc == 0)
    rc = plan(&R, &set);
  if (rc == 0)
    rc = run_planned(&R, t0);
  runner_free(&R);
  scn_set_free(&set);
  strv_free(&cfg.paths);
  return rc;
}

/* ---- atsim list ---------------------------------------------------------- */

static const char *const cause_ids[] = {
    "expired",      "revoked",       "access_removed", "scope_missing",
    "rate_limit",   "downtime",      "job_mapping",    "stage_mapping",
    "duplicate",    "required_field", "format",
};
#define NCAUSES (sizeof cause_ids / sizeof cause_ids[0])

static const char *auth_name(enum scn_auth a)
{
  switch (a) {
  case SCN_AUTH_CLIENT_CREDENTIALS: return "client_credentials";
  case SCN_AUTH_API_KEY: return "api_key";
  case SCN_AUTH_OAUTH:
  default: return "oauth";
  }
}

/* The causes in order: the known ids, then any other the files name. */
struct cause_count {
  const char *id;
  size_t n;
};

static struct cause_count *count_causes(const struct scn_set *set,
                                        size_t *ncounts)
{
  size_t cap = NCAUSES;
  for (size_t s = 0; s < set->n; s++)
    cap += set->v[s]->ncauses;
  struct cause_count *c = calloc(cap, sizeof *c);
  if (c == NULL)
    return NULL;
  size_t n = 0;
  for (size_t i = 0; i < NCAUSES; i++)
    c[n++].id = cause_ids[i];
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

static int list_json(const struct scn_set *set, const struct cause_count *cc,
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
    cJSON_AddStringToObject(e, "auth", auth_name(sc->auth));
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
  return n == 0 ? strdup("-") : join_words(w, n);
}

static size_t max_sz(size_t a, size_t b)
{
  return a > b ? a : b;
}

static void list_table(const struct scn_set *set)
{
  size_t wp = 4, wa = 3, wu = 4, wt = 4, wc = 6;
  for (size_t s = 0; s < set->n; s++) {
    const struct scn_scenario *sc = set->v[s];
    char *a = cell(sc->ats, sc->nats), *t = cell(sc->tags, sc->ntags),
         *c = cell(sc->causes, sc->ncauses);
    wp = max_sz(wp, strlen(sc->path));
    wa = max_sz(wa, a != NULL ? strlen(a) : 0);
    wu = max_sz(wu, strlen(auth_name(sc->auth)));
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
           a != NULL ? a : "", (int)wu, auth_name(sc->auth), (int)wt,
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
  struct run_cfg cfg;
  int rc = parse_args(argc, argv, list_defs,
                      sizeof list_defs / sizeof *list_defs, list_usage, &cfg);
  if (rc >= 0) {
    strv_free(&cfg.paths);
    return rc;
  }
  struct scn_set all = {0};
  rc = load_all("list", &cfg.paths, &all);
  struct scn_set shown = {0};
  if (rc == 0) {
    shown.v = calloc(all.n + 1, sizeof *shown.v);
    if (shown.v == NULL)
      rc = 2;
  }
  for (size_t s = 0; rc == 0 && s < all.n; s++)
    if (scenario_matches(all.v[s], cfg.filter) &&
        (cfg.ats == NULL || scenario_has_ats(all.v[s], cfg.ats)))
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
  scn_set_free(&all);
  strv_free(&cfg.paths);
  return rc;
}
