// Package letters writes what Skjema hands a person as a document: the
// kommune's decision letter (vedtak) on an application it decides, and a
// copy of an application with every answer under the form's own labels.
// Both are PDF, made with fpdf and the Go fonts embedded (they have æ, ø
// and å), so that what is printed or archived looks the same everywhere.
//
// Like package forms it is pure: it takes what a letter says and writes
// bytes, with no I/O and no database. The same input gives the same bytes
// (the document's dates are the letter's own), so a letter can be made
// again to check it against the one that was sent.
//
// The letters are not tagged PDF (fpdf cannot write PDF/UA), so they are
// never the only way to read a decision: Mine søknader shows its text, and
// the caseworker's page its fields.
package letters
