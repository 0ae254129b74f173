// Package engine keeps applications: the store over SQLite or PostgreSQL and
// its migrations, drafts with resume tokens, the durable and idempotent
// submit, the lifecycle state machine and the audit log.
//
// engine does not move applications anywhere: it takes an Enqueuer that adds
// the routing job inside the submit's own transaction, and the queue package
// implements it. engine knows nothing of HTTP.
//
// One set of SQL serves both databases. Queries are written with ?
// placeholders and run through an Executor: sqlx on SQLite, pgx (rebinding ?
// to $n) on PostgreSQL, whose transactions River's riverpgxv5 driver needs.
// On SQLite every write goes through one writer connection and concurrent
// writes share a transaction and its fsync (see groupCommitter).
package engine
