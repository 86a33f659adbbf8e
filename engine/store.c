/* store.c — SQLite plumbing for the engine: open, migrate, transactions
 * with the crash hook, and a cache of prepared statements. */
#include "store.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STMTS 96

struct store {
  sqlite3 *db;
  bool memory;
  struct {
    const char *sql; /* the caller's literal, compared by pointer */
    sqlite3_stmt *stmt;
  } cache[MAX_STMTS];
  size_t ncache;
  sqlite3_stmt *cur; /* the statement being stepped */
  long commits;
  long crash_at;      /* 0 = no crash hook */
  bool crash_after;
  char err[256];
};

/* Migration 1: the first schema. Later migrations append to this list and
 * never change an applied one. */
static const char *const migrations[] = {
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
    "CREATE INDEX log_org ON log (org_id, id);",
    /* Migration 2: status pull (webhooks, polling), duplicate detection by
     * name and phone, custom fields, job sources, organization settings. */
    "ALTER TABLE orgs ADD COLUMN default_country TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE connections ADD COLUMN webhook_secret TEXT;"
    "ALTER TABLE connections ADD COLUMN poll_cursor INTEGER NOT NULL "
    "  DEFAULT 0;"
    "ALTER TABLE connections ADD COLUMN people_cursor INTEGER NOT NULL "
    "  DEFAULT 0;"
    "ALTER TABLE connections ADD COLUMN people_ready INTEGER NOT NULL "
    "  DEFAULT 0;"
    "ALTER TABLE connections ADD COLUMN last_poll INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE connections ADD COLUMN last_webhook INTEGER NOT NULL "
    "  DEFAULT 0;"
    "ALTER TABLE job_maps ADD COLUMN source TEXT;"
    "ALTER TABLE candidates ADD COLUMN fields TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE candidates ADD COLUMN status TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE candidates ADD COLUMN ats_status TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE candidates ADD COLUMN status_at INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE candidates ADD COLUMN ats_updated INTEGER NOT NULL "
    "  DEFAULT 0;"
    "UPDATE candidates SET status = stage;"
    "CREATE INDEX candidates_app ON candidates (org_id, ats_application_id);"
    "CREATE INDEX candidates_person ON candidates (org_id, ats_candidate_id);"
    "CREATE TABLE status_maps ("
    "  org_id INTEGER NOT NULL REFERENCES orgs(id), ats TEXT NOT NULL,"
    "  ours TEXT NOT NULL, PRIMARY KEY (org_id, ats));"
    /* webhook deliveries seen (by event id), kept 8 days */
    "CREATE TABLE events ("
    "  org_id INTEGER NOT NULL, event_id TEXT NOT NULL,"
    "  received_at INTEGER NOT NULL, action TEXT NOT NULL,"
    "  PRIMARY KEY (org_id, event_id));"
    "CREATE INDEX events_age ON events (received_at);"
    /* applications to read again (a webhook's hint), durable */
    "CREATE TABLE pulls ("
    "  org_id INTEGER NOT NULL, application_id TEXT NOT NULL,"
    "  due INTEGER NOT NULL, why TEXT NOT NULL DEFAULT '',"
    "  attempts INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (org_id, application_id));"
    /* the people of the ATS, for duplicate detection by name and phone */
    "CREATE TABLE people ("
    "  org_id INTEGER NOT NULL, ats_id TEXT NOT NULL,"
    "  name_key TEXT NOT NULL, phone TEXT NOT NULL DEFAULT '',"
    "  email TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (org_id, ats_id, phone));"
    "CREATE INDEX people_match ON people (org_id, name_key, phone);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof *migrations))

static void set_err(struct store *st, const char *what)
{
  snprintf(st->err, sizeof st->err, "%s: %s", what,
           st->db ? sqlite3_errmsg(st->db) : "no database");
}

const char *store_error(const struct store *st) { return st->err; }
bool store_in_memory(const struct store *st) { return st->memory; }
long store_commits(const struct store *st) { return st->commits; }

static int exec(struct store *st, const char *sql)
{
  char *msg = NULL;
  int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) {
    snprintf(st->err, sizeof st->err, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
  }
  return rc;
}

static int user_version(struct store *st, int *v)
{
  sqlite3_stmt *s;
  int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_step(s);
  *v = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
  sqlite3_finalize(s);
  return rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Bring the schema to STORE_SCHEMA_VERSION, one migration per
 * transaction. */
static int migrate(struct store *st)
{
  int v;
  if (user_version(st, &v) != SQLITE_OK) {
    set_err(st, "not an atsync store (cannot read its version)");
    return -1;
  }
  if (v > NMIGRATIONS) {
    snprintf(st->err, sizeof st->err, "the store has schema version %d; this "
             "atsync knows up to %d: use a newer atsync", v, NMIGRATIONS);
    return -1;
  }
  for (; v < NMIGRATIONS; v++) {
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
    if (exec(st, "BEGIN IMMEDIATE") != SQLITE_OK)
      return -1;
    if (exec(st, migrations[v]) != SQLITE_OK || exec(st, pragma) != SQLITE_OK) {
      char keep[256];
      snprintf(keep, sizeof keep, "migration %d failed: %s", v + 1, st->err);
      exec(st, "ROLLBACK");
      snprintf(st->err, sizeof st->err, "%s", keep);
      return -1;
    }
    if (exec(st, "COMMIT") != SQLITE_OK)
      return -1;
  }
  return 0;
}

/* A store that exists must look like ours before we migrate it. */
static int check_foreign(struct store *st)
{
  int v;
  if (user_version(st, &v) != SQLITE_OK) {
    snprintf(st->err, sizeof st->err, "not an SQLite database (or "
             "corrupt): %s", sqlite3_errmsg(st->db));
    return -1;
  }
  if (v > 0)
    return 0;
  sqlite3_stmt *s;
  if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM sqlite_master", -1, &s,
                         NULL) != SQLITE_OK) {
    snprintf(st->err, sizeof st->err, "not an SQLite database (or corrupt): "
             "%s", sqlite3_errmsg(st->db));
    return -1;
  }
  int n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
  sqlite3_finalize(s);
  if (n != 0) {
    snprintf(st->err, sizeof st->err, "this SQLite database has tables but "
             "is not an atsync store; refusing to touch it");
    return -1;
  }
  return 0;
}

static void crash_hook_init(struct store *st)
{
  const char *n = getenv("ATSYNC_CRASH_COMMIT");
  const char *when = getenv("ATSYNC_CRASH_WHEN");
  st->crash_at = n ? atol(n) : 0;
  st->crash_after = when && strcmp(when, "after") == 0;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
  struct store *st = calloc(1, sizeof *st);
  if (st == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  st->memory = path == NULL || strcmp(path, ":memory:") == 0;
  int rc = sqlite3_open_v2(st->memory ? ":memory:" : path, &st->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot open the store %s: %s", path,
             st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    store_close(st);
    return NULL;
  }
  sqlite3_extended_result_codes(st->db, 1);
  sqlite3_busy_timeout(st->db, 5000);
  sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)0);
  sqlite3_db_config(st->db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)0);
  if (check_foreign(st) != 0 ||
      (!st->memory && exec(st, "PRAGMA journal_mode=WAL") != SQLITE_OK) ||
      exec(st, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON") !=
          SQLITE_OK ||
      migrate(st) != 0) {
    snprintf(err, errlen, "store %s: %s", st->memory ? "(memory)" : path,
             st->err);
    store_close(st);
    return NULL;
  }
  crash_hook_init(st);
  return st;
}

void store_close(struct store *st)
{
  if (st == NULL)
    return;
  for (size_t i = 0; i < st->ncache; i++)
    sqlite3_finalize(st->cache[i].stmt);
  sqlite3_close(st->db);
  free(st);
}

/* ---- transactions --------------------------------------------------------- */

int store_begin(struct store *st)
{
  store_done(st);
  int rc = exec(st, "BEGIN IMMEDIATE");
  return rc == SQLITE_OK ? 0 : -1;
}

int store_commit(struct store *st)
{
  store_done(st);
  st->commits++;
  if (st->crash_at == st->commits && !st->crash_after)
    raise(SIGKILL); /* the crash tests: die before the commit */
  int rc = exec(st, "COMMIT");
  if (st->crash_at == st->commits && st->crash_after)
    raise(SIGKILL); /* ... or just after it */
  if (rc != SQLITE_OK) {
    exec(st, "ROLLBACK");
    return -1;
  }
  return 0;
}

void store_rollback(struct store *st)
{
  store_done(st);
  exec(st, "ROLLBACK");
}

/* ---- statements -------------------------------------------------------------- */

static sqlite3_stmt *prepared(struct store *st, const char *sql)
{
  for (size_t i = 0; i < st->ncache; i++)
    if (st->cache[i].sql == sql)
      return st->cache[i].stmt;
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                         NULL) != SQLITE_OK) {
    set_err(st, "prepare");
    return NULL;
  }
  if (st->ncache < MAX_STMTS) {
    st->cache[st->ncache].sql = sql;
    st->cache[st->ncache].stmt = s;
    st->ncache++;
  }
  return s;
}

void store_done(struct store *st)
{
  if (st->cur) {
    sqlite3_reset(st->cur);
    sqlite3_clear_bindings(st->cur);
    /* a statement beyond the cache is finalized instead */
    bool cached = false;
    for (size_t i = 0; i < st->ncache; i++)
      cached |= st->cache[i].stmt == st->cur;
    if (!cached)
      sqlite3_finalize(st->cur);
    st->cur = NULL;
  }
}

int store_q(struct store *st, const char *sql, const char *fmt, ...)
{
  store_done(st);
  sqlite3_stmt *s = prepared(st, sql);
  if (s == NULL)
    return SQLITE_ERROR;
  va_list ap;
  va_start(ap, fmt);
  int idx = 1;
  for (const char *f = fmt; f && *f; f++, idx++) {
    switch (*f) {
    case 'i':
      sqlite3_bind_int(s, idx, va_arg(ap, int));
      break;
    case 'b':
      sqlite3_bind_int(s, idx, va_arg(ap, int) ? 1 : 0);
      break;
    case 'I':
      sqlite3_bind_int64(s, idx, va_arg(ap, int64_t));
      break;
    case 's': {
      const char *v = va_arg(ap, const char *);
      if (v)
        sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_null(s, idx);
      break;
    }
    default:
      va_end(ap);
      snprintf(st->err, sizeof st->err, "bad parameter type '%c'", *f);
      return SQLITE_MISUSE;
    }
  }
  va_end(ap);
  st->cur = s;
  return store_next(st);
}

int store_next(struct store *st)
{
  if (st->cur == NULL)
    return SQLITE_DONE;
  int rc = sqlite3_step(st->cur);
  if (rc == SQLITE_DONE) {
    store_done(st);
  } else if (rc != SQLITE_ROW) {
    set_err(st, "step");
    store_done(st);
  }
  return rc;
}

int64_t store_col_int(struct store *st, int col)
{
  return st->cur ? sqlite3_column_int64(st->cur, col) : 0;
}

const char *store_col_text(struct store *st, int col, char *buf, size_t len)
{
  const unsigned char *t = st->cur ? sqlite3_column_text(st->cur, col) : NULL;
  snprintf(buf, len, "%s", t ? (const char *)t : "");
  return buf;
}

char *store_col_dup(struct store *st, int col)
{
  const unsigned char *t = st->cur ? sqlite3_column_text(st->cur, col) : NULL;
  return t ? strdup((const char *)t) : NULL;
}

int64_t store_last_id(const struct store *st)
{
  return sqlite3_last_insert_rowid(st->db);
}

int store_changes(const struct store *st) { return sqlite3_changes(st->db); }
