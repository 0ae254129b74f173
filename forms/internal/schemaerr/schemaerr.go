// Package schemaerr reads the JSON Schema validator's error tree as one
// error per failed keyword, from its typed kind: a code (error.<code> in a
// form's texts) and a limit, never the library's English text.
package schemaerr

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/skjema/skjema/forms/jsondoc"
	"github.com/skjema/skjema/forms/nid"
)

// Error is one failed keyword at a document's location.
type Error struct {
	Parts []string // the pointer's parts
	Code  string
	Limit string // the keyword's limit, for minLength and the like
	// Vars fill a message's other {placeholders}, pairs of name and value:
	// what a register said ("{liesIn}", "Bergen").
	Vars []string
}

// Collect flattens the validator's error tree into one raw error per failed
// keyword, read from its typed kind; the library's English text is never used.
func Collect(ve *jsonschema.ValidationError, maxErrors int, out *[]Error) {
	at := ve.InstanceLocation
	child := func(name string) []string {
		p := make([]string, len(at)+1)
		copy(p, at)
		p[len(at)] = name
		return p
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf, *kind.Not:
		*out = append(*out, Error{Parts: at, Code: "invalid"})
		return
	case *kind.Required:
		for _, m := range k.Missing {
			*out = append(*out, Error{Parts: child(m), Code: "required"})
		}
		return
	case *kind.DependentRequired:
		for _, m := range k.Missing {
			*out = append(*out, Error{Parts: child(m), Code: "required"})
		}
		return
	case *kind.AdditionalProperties:
		// Only the names that can be among the first MaxErrors reported
		// (forms sorts one object's unknown keys by name), and one
		// more, so that forms sees there were too many.
		for _, p := range firstNames(k.Properties, maxErrors+1) {
			*out = append(*out, Error{Parts: child(p), Code: "unknown"})
		}
		return
	}
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			Collect(c, maxErrors, out)
		}
		return
	}
	e := Error{Parts: at, Code: "invalid"}
	switch k := ve.ErrorKind.(type) {
	case *kind.Type:
		e.Code = "type"
		if k.Got == "number" && slices.Contains(k.Want, "integer") {
			e.Code = "integer"
		}
	case *kind.Enum:
		e.Code = "enum"
	case *kind.Const:
		e.Code = "const"
	case *kind.Format:
		var nerr *nid.Error
		if errors.As(k.Err, &nerr) {
			e.Code = nerr.Code()
		} else {
			e.Code = k.Want + ".invalid"
		}
	case *kind.MinLength:
		e.Code, e.Limit = "minLength", fmt.Sprint(k.Want)
	case *kind.MaxLength:
		e.Code, e.Limit = "maxLength", fmt.Sprint(k.Want)
	case *kind.Minimum:
		e.Code, e.Limit = "minimum", k.Want.RatString()
	case *kind.Maximum:
		e.Code, e.Limit = "maximum", k.Want.RatString()
	case *kind.Pattern:
		e.Code = "pattern"
	case *kind.MinItems:
		e.Code, e.Limit = "minItems", fmt.Sprint(k.Want)
	case *kind.MaxItems:
		e.Code, e.Limit = "maxItems", fmt.Sprint(k.Want)
	case *kind.FalseSchema:
		e.Code = "unknown"
	}
	*out = append(*out, e)
}

// firstNames answers the n names that come first in pointer order (the
// order fieldErrors reports them in), sorted, in one pass: a body may name
// tens of thousands of unknown keys, in the random order of a Go map.
func firstNames(names []string, n int) []string {
	type named struct{ key, name string }
	kept := make([]named, 0, min(n, len(names)))
	for _, name := range names {
		key := jsondoc.EscapePart(name)
		if len(kept) == n && key >= kept[n-1].key {
			continue
		}
		i, _ := slices.BinarySearchFunc(kept, key, func(e named, k string) int { return strings.Compare(e.key, k) })
		if len(kept) == n {
			kept = kept[:n-1]
		}
		kept = slices.Insert(kept, i, named{key, name})
	}
	out := make([]string, len(kept))
	for i, k := range kept {
		out[i] = k.name
	}
	return out
}
