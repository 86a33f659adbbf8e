/* store.h — the engine's durable state in SQLite: organizations,
 * connections (credentials and tokens), mappings, candidates with their
 * push (the outbox), and the sync log.
 *
 * WAL, synchronous=FULL, foreign keys on; every write transaction starts
 * with BEGIN IMMEDIATE; every statement is prepared once and reused.
 * Migrations are numbered by PRAGMA user_version. */
#ifndef ATSYNC_STORE_H
#define ATSYNC_STORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct store;

#define STORE_SCHEMA_VERSION 2

/* Open (creating and migrating) the store at 'path' (NULL or ":memory:"
 * for memory). NULL with a message on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);
void store_close(struct store *st);
bool store_in_memory(const struct store *st);

/* Transactions. begin = BEGIN IMMEDIATE. commit honours the crash hook:
 * ATSYNC_CRASH_COMMIT=N kills the process (SIGKILL) just before
 * (ATSYNC_CRASH_WHEN=before, the default) or just after (=after) the N-th
 * commit, for the crash-durability tests. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);
/* How many commits this process made (for the crash tests' bookkeeping). */
long store_commits(const struct store *st);

/* Run one statement with bound parameters. 'fmt' names each parameter's
 * type: 'i' int, 'I' int64_t, 's' const char * (NULL binds NULL), 'b' bool.
 * Returns SQLITE_DONE / SQLITE_ROW (then read the row with store_col_*, and
 * step on with store_next) or an error code. The statement is prepared
 * once per distinct 'sql' pointer (pass string literals). */
int store_q(struct store *st, const char *sql, const char *fmt, ...);
int store_next(struct store *st);
int64_t store_col_int(struct store *st, int col);
/* Copies a text column into buf ("" for NULL). */
const char *store_col_text(struct store *st, int col, char *buf, size_t len);
/* A text column as a new string (NULL for NULL); caller frees. */
char *store_col_dup(struct store *st, int col);
/* Finish the current statement (reset it) early. */
void store_done(struct store *st);
int64_t store_last_id(const struct store *st);
int store_changes(const struct store *st);
/* The last error, for messages. */
const char *store_error(const struct store *st);

#endif
