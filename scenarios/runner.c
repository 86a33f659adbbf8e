/* runner.c — `atsim run`.
 *
 * Read every scenario file first (cli.c; any error: report them all, exit
 * 2, run nothing), expand scenario x ats x repetition into instances, keep
 * the instances of --filter, --ats and --shard, and run each in a forked
 * child so that a crash is one failed run, not a dead runner. The child
 * sends its result back as JSON on a pipe (scn_result_json, report.c); the
 * parent runs up to -j children at once, kills one that passes the
 * wall-clock limit, and prints the results in instance order, so that the
 * output is the same whatever -j is, apart from times. Then the summary
 * and the --junit and --json reports (report.c). */
#include "runner.h"

#include <errno.h>
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
#include "cli.h"
#include "report.h"
#include "scn.h"
#include "strutil.h"

#define MAX_RESULT_BYTES ((size_t)1 << 30)

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

/* ---- the command line ---------------------------------------------------- */

static const struct cli_opt_def run_defs[] = {
    {"jobs", 'j', true, CLI_JOBS},        {"shard", 0, true, CLI_SHARD},
    {"filter", 0, true, CLI_FILTER},      {"seed", 0, true, CLI_SEED},
    {"repeat", 0, true, CLI_REPEAT},      {"junit", 0, true, CLI_JUNIT},
    {"json", 0, true, CLI_JSON},          {"ats", 0, true, CLI_ATS},
    {"trace", 0, false, CLI_TRACE},       {"artifacts", 0, true, CLI_ARTIFACTS},
    {"until", 0, true, CLI_UNTIL},        {"timeout", 0, true, CLI_TIMEOUT},
    {"quiet", 'q', false, CLI_QUIET},     {"help", 'h', false, CLI_HELP},
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
  const struct cli_cfg *cfg;
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
static int plan(struct runner *R, const struct cli_set *set)
{
  const struct cli_cfg *c = R->cfg;
  size_t cap = 0, pair = 0, matched = 0;
  const struct scn_scenario *last = NULL;
  for (size_t s = 0; s < set->n; s++) {
    const struct scn_scenario *sc = set->v[s];
    if (!cli_matches(sc, c->filter))
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

/* The command that reruns one instance, for results the child never sent. */
static char *make_repro(const struct runner *R, const struct instance *in)
{
  char *prog = scn_str_shell_quote_dup(R->argv0, SCN_SHELL_PLAIN_PCT);
  char *file = scn_str_shell_quote_dup(in->sc->path, SCN_SHELL_PLAIN_PCT);
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
  r->tags = scn_str_join(sc->tags, sc->ntags);
  r->causes = scn_str_join(sc->causes, sc->ncauses);
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
  char rep[24] = ""; /* repetitions each keep their own trace */
  if (R->cfg->repeat > 1)
    snprintf(rep, sizeof rep, ".r%d", r->repeat + 1);
  if (asprintf(&path, "%s/%s.%s.%" PRIu64 "%s.trace", R->cfg->artifacts, name,
               r->ats != NULL ? r->ats : "unknown", r->seed, rep) < 0)
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

/* A repetition whose trace hash differs from the first repetition's (same
 * scenario, personality and seed) is an error: the run is not
 * deterministic. Repetitions are planned next to each other, and results
 * are printed in order, so the first one is known here. */
static void check_repeat(struct runner *R, size_t i)
{
  int rep = R->inst[i].rep;
  if (rep == 0 || (size_t)rep > i)
    return;
  struct scn_result *r = &R->res[i], *first = &R->res[i - (size_t)rep];
  if (r->hash == first->hash || r->verdict == SCN_ERROR ||
      first->verdict == SCN_ERROR)
    return;
  char msg[400];
  snprintf(msg, sizeof msg,
           "%s: not deterministic: repetition #%d has trace hash %016llx, "
           "repetition #1 had %016llx (same scenario, personality and seed); "
           "compare their traces with --trace",
           r->file, rep + 1, (unsigned long long)r->hash,
           (unsigned long long)first->hash);
  free(r->message);
  r->message = strdup(msg);
  r->verdict = SCN_ERROR;
}

/* Print the results that are next in instance order. */
static void print_ready(struct runner *R)
{
  bool any = false;
  while (R->printed < R->ninst && R->ready[R->printed]) {
    if (!any)
      progress_clear(R);
    any = true;
    check_repeat(R, R->printed);
    if (R->cfg->artifacts != NULL &&
        scn_verdict_is_failure(R->res[R->printed].verdict))
      write_artifact(R, &R->res[R->printed]);
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
  struct pollfd pfd[CLI_MAX_JOBS];
  size_t map[CLI_MAX_JOBS], n = 0;
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
  const struct cli_cfg *c = R->cfg;
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
  struct cli_cfg cfg;
  int rc = cli_parse(argc, argv, run_defs, sizeof run_defs / sizeof *run_defs,
                     run_usage, &cfg);
  if (rc >= 0) {
    cli_cfg_free(&cfg);
    return rc;
  }
  struct cli_set set = {0};
  struct runner R;
  memset(&R, 0, sizeof R);
  R.cfg = &cfg;
  R.argv0 = program_invocation_name != NULL ? program_invocation_name
                                            : "atsim";
  R.progress = isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
  rc = cli_load("run", &cfg.paths, &set);
  if (rc == 0)
    rc = plan(&R, &set);
  if (rc == 0)
    rc = run_planned(&R, t0);
  runner_free(&R);
  cli_set_free(&set);
  cli_cfg_free(&cfg);
  return rc;
}
