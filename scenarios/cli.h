/* cli.h — what `atsim run` and `atsim list` share (cli.c): the option
 * scanner with its "did you mean" hints and value checks, the .scn files a
 * command line names, and reading them all. Private to scenarios/. */
#ifndef SCN_CLI_H
#define SCN_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scn.h"

#define CLI_MAX_JOBS 256 /* -j/--jobs at most */

enum cli_opt_id {
  CLI_JOBS,
  CLI_SHARD,
  CLI_FILTER,
  CLI_SEED,
  CLI_REPEAT,
  CLI_JUNIT,
  CLI_JSON,      /* run --json FILE */
  CLI_JSON_FLAG, /* list --json */
  CLI_MATRIX,    /* list --matrix */
  CLI_ATS,
  CLI_TRACE,
  CLI_ARTIFACTS,
  CLI_UNTIL,
  CLI_TIMEOUT,
  CLI_QUIET,
  CLI_HELP
};

/* One option a command takes. */
struct cli_opt_def {
  const char *name; /* long name without "--" */
  char short_name;  /* or 0 */
  bool has_value;
  enum cli_opt_id id;
};

/* A growable vector of owned strings. */
struct cli_strv {
  char **v;
  size_t n, cap;
};

/* The command line of run or list; the options a command does not take
 * keep their defaults. */
struct cli_cfg {
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
  bool list_matrix; /* list --matrix */
  struct cli_strv paths; /* the PATHs, scenarios/catalog when none */
};

/* Scan argv (argv[0] the command's name, "run" or "list") into 'c' by the
 * options 'defs' names; --help prints 'usage' to stdout. Errors go to
 * stderr as "atsim CMD: ...", with a hint for an unknown option or --ats
 * name. Returns -1 to go on, or an exit status: 0 after --help, 2 after an
 * error. Either way release 'c' with cli_cfg_free(). */
int cli_parse(int argc, char **argv, const struct cli_opt_def *defs,
              size_t ndefs, const char *usage, struct cli_cfg *c);
void cli_cfg_free(struct cli_cfg *c);

/* The scenarios read from a command line's PATHs, in path order. */
struct cli_set {
  struct scn_scenario **v;
  size_t n;
};

/* Find the .scn files 'paths' name (a folder: every .scn under it, hidden
 * entries and symlinked folders left out), sorted bytewise, each once, and
 * parse them all. Every error of every file goes to stderr, then
 * "atsim CMD: N of M files have errors; nothing was run|listed". Returns
 * 0, or 2 (when a path or any file failed, or out of memory). Either way
 * release 'set' with cli_set_free(). */
int cli_load(const char *cmd, const struct cli_strv *paths,
             struct cli_set *set);
void cli_set_free(struct cli_set *s);

/* --filter: does the path, the title or any tag match 'pat' (a glob when
 * it has * ? [, else a substring)? True for a NULL 'pat'. */
bool cli_matches(const struct scn_scenario *sc, const char *pat);

/* Does the scenario run on the personality 'ats'? */
bool cli_has_ats(const struct scn_scenario *sc, const char *ats);

#endif
