/* test_store.c — the engine's SQLite store: migrations by user_version,
 * reopening, WAL, transactions, parameter binding, refusing files that are
 * not ours (foreign tables, a newer schema, not SQLite at all) and the
 * crash hook (a forked child killed before / after its N-th commit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../engine/store.h"

/* ---- temp files ------------------------------------------------------------ */

struct tmpdb {
  char path[64];
};

/* A fresh, empty file under /tmp (mkstemp). */
static void tmp_make(struct tmpdb *t)
{
  snprintf(t->path, sizeof t->path, "/tmp/atsync-test-store-XXXXXX");
  int fd = mkstemp(t->path);
  if (fd < 0)
    fail_msg("mkstemp failed");
  close(fd);
}

static void tmp_remove(struct tmpdb *t)
{
  static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
  for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
    char p[96];
    snprintf(p, sizeof p, "%s%s", t->path, sfx[i]);
    unlink(p);
  }
}

/* Each test gets its own file in *state, removed afterwards whatever
 * happened. */
static int setup_tmp(void **state)
{
  struct tmpdb *t = calloc(1, sizeof *t);
  if (t == NULL)
    return -1;
  tmp_make(t);
  *state = t;
  return 0;
}

static int teardown_tmp(void **state)
{
  struct tmpdb *t = *state;
  tmp_remove(t);
  free(t);
  return 0;
}

/* ---- raw SQLite helpers (a second, independent connection) ------------------ */

static sqlite3 *raw_open(const char *path)
{
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      NULL) != SQLITE_OK)
    fail_msg("raw open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
  return db;
}

static void raw_exec(sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    char keep[256];
    snprintf(keep, sizeof keep, "%s", msg ? msg : "?");
    sqlite3_free(msg);
    fail_msg("raw exec '%s': %s", sql, keep);
  }
}

/* The first column of the first row as an integer (-1: no row). */
static int64_t raw_int(sqlite3 *db, const char *sql)
{
  sqlite3_stmt *s;
  if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
    fail_msg("raw prepare '%s': %s", sql, sqlite3_errmsg(db));
  int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  return v;
}

static int64_t file_user_version(const char *path)
{
  sqlite3 *db = raw_open(path);
  int64_t v = raw_int(db, "PRAGMA user_version");
  sqlite3_close(db);
  return v;
}

static size_t read_file(const char *path, unsigned char *buf, size_t cap)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return 0;
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

/* Count the rows of 'orgs' named 'name' in the store (via the store). */
static int64_t org_count(struct store *st, const char *name)
{
  static const char sql[] = "SELECT count(*) FROM orgs WHERE name = ?";
  int rc = store_q(st, sql, "s", name);
  if (rc != SQLITE_ROW)
    fail_msg("count orgs: rc %d (%s)", rc, store_error(st));
  int64_t n = store_col_int(st, 0);
  store_done(st);
  return n;
}

static void add_org(struct store *st, const char *name, int64_t created)
{
  static const char sql[] = "INSERT INTO orgs (name, created) VALUES (?, ?)";
  int rc = store_q(st, sql, "sI", name, created);
  if (rc != SQLITE_DONE)
    fail_msg("insert org %s: rc %d (%s)", name, rc, store_error(st));
}

/* ---- migrations -------------------------------------------------------------- */

static void test_migrates_an_empty_file(void **state)
{
  struct tmpdb *t = *state;
  struct stat sb;
  assert_int_equal(stat(t->path, &sb), 0);
  assert_int_equal(sb.st_size, 0); /* mkstemp's file: empty, not SQLite yet */
  char err[512] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  if (st == NULL)
    fail_msg("store_open on an empty file: %s", err);
  assert_false(store_in_memory(st));
  static const char *const tables[] = {"orgs",       "connections",
                                       "job_maps",   "stage_maps",
                                       "candidates", "pushes",
                                       "log"};
  for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
    static const char sql[] =
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?";
    assert_int_equal(store_q(st, sql, "s", tables[i]), SQLITE_ROW);
    if (store_col_int(st, 0) != 1)
      fail_msg("table %s is missing after the migration", tables[i]);
    store_done(st);
  }
  store_close(st);
  int64_t v = file_user_version(t->path);
  if (v != STORE_SCHEMA_VERSION)
    fail_msg("user_version %lld, want %d", (long long)v, STORE_SCHEMA_VERSION);
}

/* A store written by the previous release (schema version 1, with a
 * connection, a candidate and its push) is migrated in place: its rows
 * stay, the status-pull columns get their defaults, the new tables exist,
 * and it reads as the current version. */
static const char v1_schema[] =
    "CREATE TABLE orgs ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE connections ("
    "  org_id INTEGER PRIMARY KEY REFERENCES orgs(id),"
    "  kind TEXT NOT NULL, base_url TEXT NOT NULL, auth INTEGER NOT NULL,"
    "  client_id TEXT, client_secret TEXT, token_url TEXT, redirect_uri TEXT,"
    "  sub TEXT, api_key TEXT, on_behalf_of TEXT, auth_code TEXT,"
    "  access_token TEXT, access_expires INTEGER NOT NULL DEFAULT 0,"
    "  refresh_token TEXT, refresh_expires INTEGER NOT NULL DEFAULT 0,"
    "  refreshed_at INTEGER NOT NULL DEFAULT 0,"
    "  state INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '',"
    "  since INTEGER NOT NULL, connected_ever INTEGER NOT NULL DEFAULT 0,"
    "  last_success INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE job_maps ("
    "  org_id INTEGER NOT NULL REFERENCES orgs(id), ours TEXT NOT NULL,"
    "  ats TEXT NOT NULL, PRIMARY KEY (org_id, ours));"
    "CREATE TABLE stage_maps ("
    "  org_id INTEGER NOT NULL REFERENCES orgs(id), ours TEXT NOT NULL,"
    "  ats TEXT NOT NULL, PRIMARY KEY (org_id, ours));"
    "CREATE TABLE candidates ("
    "  id INTEGER PRIMARY KEY,"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id), ref TEXT NOT NULL,"
    "  first TEXT NOT NULL, last TEXT NOT NULL, emails TEXT NOT NULL,"
    "  phone TEXT, job TEXT NOT NULL, stage TEXT NOT NULL,"
    "  sync INTEGER NOT NULL,"
    "  ats_candidate_id TEXT, ats_application_id TEXT,"
    "  ats_stage_id TEXT, ats_stage TEXT,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  error TEXT NOT NULL DEFAULT '', ats_words TEXT NOT NULL DEFAULT '',"
    "  cause TEXT NOT NULL DEFAULT '',"
    "  approved_at INTEGER NOT NULL, synced_at INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (org_id, ref));"
    "CREATE TABLE pushes ("
    "  candidate_id INTEGER PRIMARY KEY REFERENCES candidates(id),"
    "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
    "  due INTEGER NOT NULL, state INTEGER NOT NULL,"
    "  step TEXT NOT NULL DEFAULT 'find', created INTEGER NOT NULL);"
    "CREATE INDEX pushes_due ON pushes (state, due, candidate_id);"
    "CREATE TABLE log ("
    "  id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL, at INTEGER NOT NULL,"
    "  candidate TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL,"
    "  message TEXT NOT NULL);"
    "CREATE INDEX log_org ON log (org_id, id);";

static void test_migrates_v1_with_data(void **state)
{
  struct tmpdb *t = *state;
  sqlite3 *db = raw_open(t->path);
  raw_exec(db, v1_schema);
  raw_exec(db,
           "INSERT INTO orgs VALUES (1, 'acme', 5);"
           "INSERT INTO connections (org_id, kind, base_url, auth, state, "
           "since) VALUES (1, 'greenhouse', 'http://gh', 0, 2, 5);"
           "INSERT INTO job_maps VALUES (1, 'backend', '4001');"
           "INSERT INTO candidates (id, org_id, ref, first, last, emails, "
           "job, stage, sync, approved_at, updated_at) VALUES (7, 1, 'ada', "
           "'Ada', 'L', 'ada@x.io', 'backend', 'approved', 0, 5, 5);"
           "INSERT INTO pushes (candidate_id, org_id, due, state, created) "
           "VALUES (7, 1, 5, 0, 5);"
           "PRAGMA user_version = 1;");
  sqlite3_close(db);
  char err[256] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  if (st == NULL)
    fail_msg("open: %s", err);
  assert_int_equal(store_q(st, "SELECT ref, status, fields, ats_status FROM "
                               "candidates WHERE id = 7", ""),
                   SQLITE_ROW);
  char buf[64];
  assert_string_equal(store_col_text(st, 0, buf, sizeof buf), "ada");
  /* the status starts as our stage (nothing pulled yet) */
  assert_string_equal(store_col_text(st, 1, buf, sizeof buf), "approved");
  assert_string_equal(store_col_text(st, 2, buf, sizeof buf), "");
  store_done(st);
  assert_int_equal(store_q(st, "SELECT poll_cursor, people_ready, "
                               "webhook_secret FROM connections", ""),
                   SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 0);
  assert_int_equal(store_col_int(st, 1), 0);
  assert_null(store_col_dup(st, 2));
  store_done(st);
  assert_int_equal(store_q(st, "SELECT source FROM job_maps", ""), SQLITE_ROW);
  assert_null(store_col_dup(st, 0));
  store_done(st);
  const char *tables[] = {"events", "pulls", "people", "status_maps"};
  for (size_t i = 0; i < 4; i++) {
    assert_int_equal(store_q(st, "SELECT count(*) FROM sqlite_master WHERE "
                                 "type = 'table' AND name = ?", "s",
                             tables[i]), SQLITE_ROW);
    assert_int_equal(store_col_int(st, 0), 1);
    store_done(st);
  }
  assert_int_equal(store_q(st, "SELECT count(*) FROM pushes", ""), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 1);
  store_done(st);
  store_close(st);
  assert_int_equal(file_user_version(t->path), STORE_SCHEMA_VERSION);
}

static void test_memory_store(void **state)
{
  (void)state;
  char err[256] = "";
  struct store *st = store_open(NULL, err, sizeof err);
  if (st == NULL)
    fail_msg("memory store: %s", err);
  assert_true(store_in_memory(st));
  char buf[32];
  assert_int_equal(store_q(st, "PRAGMA journal_mode", ""), SQLITE_ROW);
  assert_string_equal(store_col_text(st, 0, buf, sizeof buf), "memory");
  store_done(st);
  assert_int_equal(store_q(st, "PRAGMA user_version", ""), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), STORE_SCHEMA_VERSION);
  store_done(st);
  store_close(st);
  st = store_open(":memory:", err, sizeof err);
  assert_non_null(st);
  assert_true(store_in_memory(st));
  store_close(st);
  store_close(NULL); /* a no-op */
}

static void test_reopen_keeps_data_and_wal(void **state)
{
  struct tmpdb *t = *state;
  char err[512] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  if (st == NULL)
    fail_msg("open: %s", err);
  char buf[32];
  assert_int_equal(store_q(st, "PRAGMA journal_mode", ""), SQLITE_ROW);
  assert_string_equal(store_col_text(st, 0, buf, sizeof buf), "wal");
  store_done(st);
  assert_int_equal(store_q(st, "PRAGMA synchronous", ""), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 2); /* FULL */
  store_done(st);
  assert_int_equal(store_q(st, "PRAGMA foreign_keys", ""), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 1);
  store_done(st);
  assert_int_equal(store_begin(st), 0);
  add_org(st, "acme", 1234);
  int64_t id = store_last_id(st);
  assert_true(id > 0);
  assert_int_equal(store_changes(st), 1);
  assert_int_equal(store_commit(st), 0);
  assert_int_equal(store_commits(st), 1);
  store_close(st);

  /* the second open must not run the migration again (it would fail on
   * "table orgs already exists") and sees the row */
  st = store_open(t->path, err, sizeof err);
  if (st == NULL)
    fail_msg("reopen: %s", err);
  assert_int_equal(store_commits(st), 0); /* per process-open bookkeeping */
  static const char sql[] = "SELECT id, name, created FROM orgs";
  assert_int_equal(store_q(st, sql, ""), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), id);
  char name[16];
  assert_string_equal(store_col_text(st, 1, name, sizeof name), "acme");
  assert_int_equal(store_col_int(st, 2), 1234);
  assert_int_equal(store_next(st), SQLITE_DONE);
  store_close(st);
  assert_int_equal(file_user_version(t->path), STORE_SCHEMA_VERSION);
  /* WAL is a property of the file: it persists */
  unsigned char hdr[100];
  assert_int_equal(read_file(t->path, hdr, sizeof hdr), sizeof hdr);
  assert_memory_equal(hdr, "SQLite format 3", 16);
  assert_int_equal(hdr[18], 2); /* write version 2 = WAL */
  assert_int_equal(hdr[19], 2); /* read version 2 = WAL */
}

/* ---- transactions ---------------------------------------------------------------- */

static void test_transactions(void **state)
{
  struct tmpdb *t = *state;
  char err[512] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  if (st == NULL)
    fail_msg("open: %s", err);
  sqlite3 *other = raw_open(t->path);
  sqlite3_busy_timeout(other, 0); /* never wait: a lock shows at once */

  /* BEGIN IMMEDIATE takes the write lock at begin, before any write */
  assert_int_equal(store_begin(st), 0);
  int rc = sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if ((rc & 0xff) != SQLITE_BUSY) {
    sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
    fail_msg("a second writer got BEGIN IMMEDIATE (rc %d): store_begin did "
             "not take the write lock", rc);
  }
  add_org(st, "committed", 1);
  /* not visible to another connection before the commit */
  assert_int_equal(
      raw_int(other, "SELECT count(*) FROM orgs WHERE name = 'committed'"), 0);
  assert_int_equal(store_commit(st), 0);
  assert_int_equal(
      raw_int(other, "SELECT count(*) FROM orgs WHERE name = 'committed'"), 1);
  assert_int_equal(org_count(st, "committed"), 1);

  /* rollback: gone for both */
  assert_int_equal(store_begin(st), 0);
  add_org(st, "rolled-back", 2);
  assert_int_equal(org_count(st, "rolled-back"), 1); /* our own view */
  store_rollback(st);
  assert_int_equal(org_count(st, "rolled-back"), 0);
  assert_int_equal(
      raw_int(other, "SELECT count(*) FROM orgs WHERE name = 'rolled-back'"),
      0);
  /* the lock is released after commit and rollback */
  assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE; ROLLBACK", NULL, NULL,
                                NULL),
                   SQLITE_OK);
  /* a commit without a transaction fails and says why */
  assert_int_equal(store_commit(st), -1);
  assert_non_null(strstr(store_error(st), "no transaction"));
  /* a rollback without a transaction is harmless */
  store_rollback(st);
  assert_int_equal(org_count(st, "committed"), 1);
  sqlite3_close(other);
  store_close(st);
}

static void test_foreign_keys_enforced(void **state)
{
  (void)state;
  char err[256] = "";
  struct store *st = store_open(NULL, err, sizeof err);
  assert_non_null(st);
  static const char sql[] =
      "INSERT INTO job_maps (org_id, ours, ats) VALUES (?, ?, ?)";
  int rc = store_q(st, sql, "Iss", (int64_t)999, "backend", "42");
  if (rc != SQLITE_CONSTRAINT_FOREIGNKEY)
    fail_msg("a mapping of a missing org: rc %d, want a foreign key error "
             "(%d)", rc, SQLITE_CONSTRAINT_FOREIGNKEY);
  assert_non_null(strstr(store_error(st), "FOREIGN KEY"));
  store_close(st);
}

/* ---- parameters ------------------------------------------------------------------- */

static void test_params_every_type(void **state)
{
  (void)state;
  char err[256] = "";
  struct store *st = store_open(NULL, err, sizeof err);
  assert_non_null(st);
  assert_int_equal(store_q(st,
                           "CREATE TABLE t (k INTEGER PRIMARY KEY, i INTEGER, "
                           "big INTEGER, s TEXT, b INTEGER, n TEXT)",
                           ""),
                   SQLITE_DONE);
  static const char ins[] =
      "INSERT INTO t (i, big, s, b, n) VALUES (?, ?, ?, ?, ?)";
  const int64_t big = INT64_C(5000000000123); /* beyond 32 bits */
  assert_int_equal(store_q(st, ins, "iIsbs", -7, big, "h\xc3\xa9llo 'q'", 42,
                           (const char *)NULL),
                   SQLITE_DONE);
  int64_t first = store_last_id(st);
  assert_int_equal(store_q(st, ins, "iIsbs", 0, INT64_MIN, "", 0, "x"),
                   SQLITE_DONE);
  assert_int_equal(store_q(st, ins, "iIsbs", 2147483647, INT64_MAX,
                           (const char *)NULL, 1, "y"),
                   SQLITE_DONE);
  assert_int_equal(store_last_id(st), first + 2);

  static const char sel[] = "SELECT i, big, s, b, n, typeof(n), typeof(s) "
                            "FROM t ORDER BY k";
  char buf[64], ty[16];
  assert_int_equal(store_q(st, sel, ""), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), -7);
  assert_true(store_col_int(st, 1) == big);
  assert_string_equal(store_col_text(st, 2, buf, sizeof buf),
                      "h\xc3\xa9llo 'q'");
  assert_int_equal(store_col_int(st, 3), 1); /* 'b' normalizes to 0/1 */
  assert_string_equal(store_col_text(st, 4, buf, sizeof buf), ""); /* NULL */
  assert_null(store_col_dup(st, 4));
  assert_string_equal(store_col_text(st, 5, ty, sizeof ty), "null");
  assert_string_equal(store_col_text(st, 6, ty, sizeof ty), "text");
  char *dup = store_col_dup(st, 2);
  assert_non_null(dup);
  assert_string_equal(dup, "h\xc3\xa9llo 'q'");
  free(dup);

  assert_int_equal(store_next(st), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 0);
  assert_true(store_col_int(st, 1) == INT64_MIN);
  assert_string_equal(store_col_text(st, 2, buf, sizeof buf), "");
  assert_string_equal(store_col_text(st, 6, ty, sizeof ty), "text"); /* "" */
  assert_int_equal(store_col_int(st, 3), 0);

  assert_int_equal(store_next(st), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 2147483647);
  assert_true(store_col_int(st, 1) == INT64_MAX);
  assert_string_equal(store_col_text(st, 6, ty, sizeof ty), "null");
  assert_int_equal(store_col_int(st, 3), 1);

  assert_int_equal(store_next(st), SQLITE_DONE);
  /* after the end: no current row, reads are harmless */
  assert_int_equal(store_col_int(st, 0), 0);
  assert_string_equal(store_col_text(st, 2, buf, sizeof buf), "");
  assert_int_equal(store_next(st), SQLITE_DONE);

  /* a text copied into a small buffer is cut, NUL-terminated */
  assert_int_equal(store_q(st, "SELECT 'abcdefgh'", ""), SQLITE_ROW);
  char small[4];
  assert_string_equal(store_col_text(st, 0, small, sizeof small), "abc");
  store_done(st);

  /* the same literal (one prepared statement) binds fresh values */
  static const char one[] = "SELECT ? + 1";
  assert_int_equal(store_q(st, one, "i", 1), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 2);
  assert_int_equal(store_q(st, one, "i", 41), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 42);
  store_done(st);

  /* a statement left mid-way is reset by the next store_q */
  assert_int_equal(store_q(st, sel, ""), SQLITE_ROW);
  assert_int_equal(store_q(st, "SELECT count(*) FROM t", ""), SQLITE_ROW);
  assert_int_equal(store_col_int(st, 0), 3);
  store_done(st);

  /* an unknown parameter type is refused */
  assert_int_equal(store_q(st, one, "x", 1), SQLITE_MISUSE);
  assert_non_null(strstr(store_error(st), "bad parameter type 'x'"));
  /* bad SQL is an error with a message */
  int rc = store_q(st, "SELECT nope FROM nowhere", "");
  assert_int_equal(rc, SQLITE_ERROR);
  assert_non_null(strstr(store_error(st), "no such table"));
  store_close(st);
}

/* ---- files that are not ours ----------------------------------------------------------- */

static void test_refuses_foreign_sqlite(void **state)
{
  struct tmpdb *t = *state;
  sqlite3 *db = raw_open(t->path);
  raw_exec(db, "CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('mine')");
  sqlite3_close(db);
  char err[512] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  if (st != NULL) {
    store_close(st);
    fail_msg("a foreign SQLite database was opened as a store");
  }
  print_message("message: %s\n", err);
  assert_non_null(strstr(err, "not an atsync store"));
  assert_non_null(strstr(err, t->path)); /* names the file */
  /* untouched: no migration, no tables of ours, not switched to WAL */
  db = raw_open(t->path);
  assert_int_equal(raw_int(db, "PRAGMA user_version"), 0);
  assert_int_equal(
      raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'orgs'"), 0);
  assert_int_equal(raw_int(db, "SELECT count(*) FROM notes"), 1);
  sqlite3_close(db);
  unsigned char hdr[100];
  assert_int_equal(read_file(t->path, hdr, sizeof hdr), sizeof hdr);
  assert_int_equal(hdr[18], 1); /* still a rollback-journal database */
}

static void test_refuses_newer_schema(void **state)
{
  struct tmpdb *t = *state;
  char err[512] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  assert_non_null(st);
  store_close(st);
  sqlite3 *db = raw_open(t->path);
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
           STORE_SCHEMA_VERSION + 7);
  raw_exec(db, sql);
  sqlite3_close(db);
  st = store_open(t->path, err, sizeof err);
  if (st != NULL) {
    store_close(st);
    fail_msg("a store from a newer atsync was opened");
  }
  print_message("message: %s\n", err);
  assert_non_null(strstr(err, "use a newer atsync"));
  char v[16];
  snprintf(v, sizeof v, "%d", STORE_SCHEMA_VERSION + 7);
  assert_non_null(strstr(err, v)); /* says which version it found */
  assert_int_equal(file_user_version(t->path), STORE_SCHEMA_VERSION + 7);
}

static void test_refuses_garbage_file(void **state)
{
  struct tmpdb *t = *state;
  unsigned char junk[8192];
  for (size_t i = 0; i < sizeof junk; i++)
    junk[i] = (unsigned char)("this is not a database\n"[i % 23] ^ (i & 7));
  FILE *f = fopen(t->path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(junk, 1, sizeof junk, f), sizeof junk);
  fclose(f);
  char err[512] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  if (st != NULL) {
    store_close(st);
    fail_msg("a file of garbage bytes was opened as a store");
  }
  print_message("message: %s\n", err);
  assert_non_null(strstr(err, "not an SQLite database"));
  assert_non_null(strstr(err, t->path));
  /* the bytes are untouched */
  unsigned char back[sizeof junk + 16];
  assert_int_equal(read_file(t->path, back, sizeof back), sizeof junk);
  assert_memory_equal(back, junk, sizeof junk);
}

static void test_unopenable_path(void **state)
{
  (void)state;
  char err[512] = "";
  struct store *st =
      store_open("/nonexistent-dir-atsync/x/store.db", err, sizeof err);
  if (st != NULL) {
    store_close(st);
    fail_msg("opened a store in a missing directory");
  }
  print_message("message: %s\n", err);
  assert_non_null(strstr(err, "cannot open the store"));
  assert_non_null(strstr(err, "/nonexistent-dir-atsync/x/store.db"));
}

/* ---- the crash hook ---------------------------------------------------------------------- */

/* In a child: open the store with the crash hook armed at the 2nd commit,
 * commit "one" then "two". Exit codes say where an unexpected survivor
 * stopped (the parent expects SIGKILL). No cmocka in the child. */
static void crash_child(const char *path, const char *when)
{
  setenv("ATSYNC_CRASH_COMMIT", "2", 1);
  if (when)
    setenv("ATSYNC_CRASH_WHEN", when, 1);
  else
    unsetenv("ATSYNC_CRASH_WHEN");
  char err[512];
  struct store *st = store_open(path, err, sizeof err);
  if (st == NULL)
    _exit(10);
  static const char sql[] = "INSERT INTO orgs (name, created) VALUES (?, ?)";
  if (store_begin(st) != 0 || store_q(st, sql, "sI", "one", (int64_t)1) !=
                                  SQLITE_DONE)
    _exit(11);
  if (store_commit(st) != 0 || store_commits(st) != 1)
    _exit(12);
  if (store_begin(st) != 0 || store_q(st, sql, "sI", "two", (int64_t)2) !=
                                  SQLITE_DONE)
    _exit(13);
  store_commit(st); /* the hook kills us here */
  _exit(14);
}

static void crash_case(struct tmpdb *t, const char *when, bool two_expected)
{
  /* the file exists and is migrated before the child runs */
  char err[512] = "";
  struct store *st = store_open(t->path, err, sizeof err);
  if (st == NULL)
    fail_msg("open: %s", err);
  store_close(st);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    crash_child(t->path, when);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
    fail_msg("the child was not killed by the crash hook (WHEN=%s): %s %d",
             when ? when : "(unset)",
             WIFEXITED(status) ? "exit" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  /* the hook must not leak into this process */
  assert_null(getenv("ATSYNC_CRASH_COMMIT"));
  st = store_open(t->path, err, sizeof err);
  if (st == NULL)
    fail_msg("reopen after the crash: %s", err);
  int64_t one = org_count(st, "one"), two = org_count(st, "two");
  print_message("WHEN=%s: one=%lld two=%lld\n", when ? when : "(unset)",
                (long long)one, (long long)two);
  assert_int_equal(one, 1);
  if (two != (two_expected ? 1 : 0))
    fail_msg("WHEN=%s: the second commit is %s the file", when ? when : "",
             two ? "in" : "not in");
  /* the store still works after recovery */
  assert_int_equal(store_begin(st), 0);
  add_org(st, "three", 3);
  assert_int_equal(store_commit(st), 0);
  assert_int_equal(org_count(st, "three"), 1);
  store_close(st);
}

static void test_crash_before_commit(void **state)
{
  crash_case(*state, "before", false);
}

static void test_crash_default_is_before(void **state)
{
  crash_case(*state, NULL, false);
}

static void test_crash_after_commit(void **state)
{
  crash_case(*state, "after", true);
}

int main(void)
{
  /* the hook is read at open: none of it may come from the environment */
  unsetenv("ATSYNC_CRASH_COMMIT");
  unsetenv("ATSYNC_CRASH_WHEN");
#define T(f) cmocka_unit_test_setup_teardown(f, setup_tmp, teardown_tmp)
  const struct CMUnitTest tests[] = {
      T(test_migrates_an_empty_file),
      T(test_migrates_v1_with_data),
      cmocka_unit_test(test_memory_store),
      T(test_reopen_keeps_data_and_wal),
      T(test_transactions),
      cmocka_unit_test(test_foreign_keys_enforced),
      cmocka_unit_test(test_params_every_type),
      T(test_refuses_foreign_sqlite),
      T(test_refuses_newer_schema),
      T(test_refuses_garbage_file),
      cmocka_unit_test(test_unopenable_path),
      T(test_crash_before_commit),
      T(test_crash_default_is_before),
      T(test_crash_after_commit),
  };
#undef T
  return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
