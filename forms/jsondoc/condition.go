package jsondoc

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Condition is a small predicate over a document, written in layout.json and
// rules.json to say when a page, field, attachment or screening reason
// applies. Exactly one form is used:
//
//	{"field": "/housing/type", "equals": "rented"}
//	{"field": "/housing/type", "in": ["rented", "shared"]}
//	{"field": "/income/foreignIncome", "present": true}
//	{"field": "/applicant/fodselsnummer", "startsWith": ["4", "5", "6", "7"]}
//	{"field": "/income/foreignIncome", "gt": 0}          (also gte, lt, lte)
//	{"field": "/$facts/monthlyCosts", "above": "/$facts/costCeiling"}
//	{"all": [...]}, {"any": [...]}, {"not": {...}}
//	{"some": "/household", "where": {"field": "relation", "equals": "child"}}
//
// A field pointer that does not start with "/" is relative to the array item
// a "some" is looking at, or to the repeating-group item a field belongs to.
// A field that is not there is neither equal to anything nor in any list, and
// compares false.
type Condition struct {
	Field  string `json:"field,omitempty"`
	Equals any    `json:"equals,omitempty"`
	In     []any  `json:"in,omitempty"`
	// StartsWith holds for a string that begins with one of the prefixes
	// (a D-nummer's first digit is 4 to 7).
	StartsWith []string     `json:"startsWith,omitempty"`
	Present    *bool        `json:"present,omitempty"`
	Gt         *json.Number `json:"gt,omitempty"`
	Gte        *json.Number `json:"gte,omitempty"`
	Lt         *json.Number `json:"lt,omitempty"`
	Lte        *json.Number `json:"lte,omitempty"`
	Above      string       `json:"above,omitempty"`
	All        []Condition  `json:"all,omitempty"`
	Any        []Condition  `json:"any,omitempty"`
	Not        *Condition   `json:"not,omitempty"`
	Some       string       `json:"some,omitempty"`
	Where      *Condition   `json:"where,omitempty"`
}

// Eval tells whether the condition holds for the document; item is the array
// item relative fields are read from (nil at top level). A nil condition holds.
func (c *Condition) Eval(doc, item any) bool {
	if c == nil {
		return true
	}
	switch {
	case c.All != nil:
		for i := range c.All {
			if !c.All[i].Eval(doc, item) {
				return false
			}
		}
		return true
	case c.Any != nil:
		for i := range c.Any {
			if c.Any[i].Eval(doc, item) {
				return true
			}
		}
		return false
	case c.Not != nil:
		return !c.Not.Eval(doc, item)
	case c.Some != "":
		arr, _ := c.read(c.Some, doc, item)
		items, _ := arr.([]any)
		for _, it := range items {
			if c.Where.Eval(doc, it) {
				return true
			}
		}
		return false
	}
	v, ok := c.read(c.Field, doc, item)
	switch {
	case c.Present != nil:
		return ok == *c.Present
	case !ok:
		return false
	case c.Equals != nil:
		return Equal(v, c.Equals)
	case c.In != nil:
		for _, want := range c.In {
			if Equal(v, want) {
				return true
			}
		}
		return false
	case c.StartsWith != nil:
		s, _ := v.(string)
		for _, prefix := range c.StartsWith {
			if s != "" && strings.HasPrefix(s, prefix) {
				return true
			}
		}
		return false
	}
	n, isNum := Number(v)
	if !isNum {
		return false
	}
	if c.Above != "" {
		other, _ := c.read(c.Above, doc, item)
		limit, ok := Number(other)
		return ok && n > limit
	}
	for _, cmp := range []struct {
		limit *json.Number
		holds func(a, b float64) bool
	}{
		{c.Gt, func(a, b float64) bool { return a > b }},
		{c.Gte, func(a, b float64) bool { return a >= b }},
		{c.Lt, func(a, b float64) bool { return a < b }},
		{c.Lte, func(a, b float64) bool { return a <= b }},
	} {
		if cmp.limit != nil {
			lim, _ := cmp.limit.Float64()
			return cmp.holds(n, lim)
		}
	}
	return false
}

func (c *Condition) read(ptr string, doc, item any) (any, bool) {
	if strings.HasPrefix(ptr, "/") {
		return Lookup(doc, Split(ptr))
	}
	return Lookup(item, Split("/"+ptr))
}

// Check reports a condition that uses no form, or several, and collects the
// absolute field pointers it reads.
func (c *Condition) Check(where string, reads *[]string) error {
	if c == nil {
		return nil
	}
	forms := 0
	for _, used := range []bool{c.All != nil, c.Any != nil, c.Not != nil, c.Some != "", c.Field != ""} {
		if used {
			forms++
		}
	}
	if forms != 1 {
		return fmt.Errorf("%s: a condition needs exactly one of field, all, any, not, some", where)
	}
	tests := 0
	for _, used := range []bool{c.Equals != nil, c.In != nil, c.StartsWith != nil, c.Present != nil, c.Gt != nil, c.Gte != nil, c.Lt != nil, c.Lte != nil, c.Above != ""} {
		if used {
			tests++
		}
	}
	if c.Field != "" && tests != 1 {
		return fmt.Errorf("%s: condition on %s needs exactly one of equals, in, startsWith, present, gt, gte, lt, lte, above", where, c.Field)
	}
	if c.Field == "" && tests != 0 {
		return fmt.Errorf("%s: equals/in/present/gt/… belong with field", where)
	}
	if c.Field != "" && strings.HasPrefix(c.Field, "/") {
		*reads = append(*reads, c.Field)
	}
	if c.Above != "" {
		*reads = append(*reads, c.Above)
	}
	if c.Some != "" {
		if c.Where == nil {
			return fmt.Errorf("%s: some %s needs a where", where, c.Some)
		}
		*reads = append(*reads, c.Some)
		var inner []string // relative reads inside where are not checked against the top level
		if err := c.Where.Check(where, &inner); err != nil {
			return err
		}
	}
	for _, list := range [][]Condition{c.All, c.Any} {
		for i := range list {
			if err := list[i].Check(where, reads); err != nil {
				return err
			}
		}
	}
	return c.Not.Check(where, reads)
}

func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// Equal compares two decoded JSON scalars; numbers compare by value
// whether they were decoded as json.Number or float64.
func Equal(a, b any) bool {
	if x, ok := Number(a); ok {
		y, ok := Number(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}
