// Package engine keeps applications from draft to receipt. Open gives a
// Store: one database (engine/storage) with a service per noun over it.
// The Store's own methods are the citizen's submissions (drafts with resume
// tokens, the durable and idempotent submit, uploads, her status view), the
// audit log's reads and retention. Store.Batches (engine/batches) routes,
// seals and delivers, with receipts; Store.Casework (engine/casework) is
// what a caseworker does; Store.Accounts (engine/accounts) her account and
// sessions. The rows they share, with the lifecycle state machine, are
// engine/internal/record's: steps that run only inside a service's
// transaction, and that nothing outside the engine can reach.
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
