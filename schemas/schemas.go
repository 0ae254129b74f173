// Package schemas holds the form definitions that ship inside the binary, as
// data: one directory per form with schema.json (JSON Schema 2020-12),
// layout.json (pages and fields), texts.{nb,nn,en}.json and rules.json. The
// forms package loads and checks them; nothing here is code but the embed.
package schemas

import "embed"

// FS holds every shipped definition, as <form>/<file>.
//
//go:embed */*.json
var FS embed.FS
