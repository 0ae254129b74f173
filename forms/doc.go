// Package forms loads form definitions and validates documents against them.
//
// A definition is data (see package schemas): a JSON Schema, a layout of pages
// and fields bound to JSON pointers with visibility conditions, texts in nb,
// nn and en, and rules for cross-checks, the attachment checklist and the
// eligibility screening. A Registry compiles every definition once; a Form
// validates a document in partial mode (as the citizen types) or full mode (at
// submit) and answers with field errors in the citizen's language, the
// checklist and the screening result.
//
// forms owns what a valid application is. The rules that say whether one
// needs a caseworker before it goes to the agency are data in the
// definition (rules.json, package rules), evaluated by Form.ReviewReasons;
// the engine calls it and acts on the answer.
// forms knows nothing of HTTP, SQL or where a document is stored. Pointers,
// lookups and the conditions definitions are written with are package
// jsondoc's.
package forms
