// Package engine keeps applications from draft to receipt: drafts with
// resume tokens, the durable and idempotent submit, uploads, the caseworker's
// actions, routing into batches, sealing, delivery and receipts, retention,
// the lifecycle state machine and the audit log. The caseworkers' accounts
// and sessions are engine/accounts' (its methods are promoted on Store).
//
// Every exported method that changes anything is one transaction: no caller
// composes engine transactions. Work that
// a change makes due for the job queue (a route for a submit, a delivery for
// a seal) is added to that transaction as a Job and inserted by the
// Enqueuer, which the queue package implements, just before the commit.
// engine imports neither River nor HTTP.
//
// The database itself, with every difference between SQLite and PostgreSQL,
// is engine/storage's. See docs/architecture.md for one submission followed
// through every package.
package engine
