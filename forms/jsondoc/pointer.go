// Package jsondoc reads and changes decoded JSON documents as the forms see
// them: JSON pointers (RFC 6901) and pointer templates with "*" for array
// indexes, lookups, and the small conditions form definitions are written
// with. It knows nothing of any form.
package jsondoc

import (
	"strconv"
	"strings"
)

// A pointer template is a JSON pointer whose array indexes are "*", as fields
// in a repeating group are written: /household/*/fodselsnummer.

// Split turns "/a/b/0" into ["a", "b", "0"], unescaping ~1 and ~0.
func Split(p string) []string {
	if p == "" || p == "/" {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		if strings.Contains(s, "~") {
			parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
		}
	}
	return parts
}

// Join is the inverse of Split.
func Join(parts []string) string {
	var b strings.Builder
	for _, s := range parts {
		b.WriteByte('/')
		b.WriteString(EscapePart(s))
	}
	return b.String()
}

// EscapePart is one reference token of a JSON pointer (RFC 6901).
func EscapePart(s string) string {
	if strings.ContainsAny(s, "~/") {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
	}
	return s
}

// Lookup returns the value at the pointer's parts, and whether it is there.
func Lookup(doc any, parts []string) (any, bool) {
	cur := doc
	for _, p := range parts {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[p]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// Remove deletes the object member the pointer's parts name, if it is there.
// Array elements are never removed: that would renumber a repeating group.
func Remove(doc any, parts []string) {
	if len(parts) == 0 {
		return
	}
	parent, ok := Lookup(doc, parts[:len(parts)-1])
	if !ok {
		return
	}
	if m, ok := parent.(map[string]any); ok {
		delete(m, parts[len(parts)-1])
	}
}

// EnsureObject makes sure an object exists at parts (creating empty objects on
// the way) unless something else is already there; it answers the object.
func EnsureObject(doc map[string]any, parts []string) (map[string]any, bool) {
	cur := doc
	for _, p := range parts {
		next, ok := cur[p]
		if !ok {
			m := map[string]any{}
			cur[p] = m
			cur = m
			continue
		}
		m, ok := next.(map[string]any)
		if !ok {
			return nil, false
		}
		cur = m
	}
	return cur, true
}

// Set writes a value at the object member the pointer's parts name,
// creating the objects on the way (never array items); nil removes the
// member. It answers the value that was there before (nil if none), and
// false if the parts name no object member (a path through a non-object,
// or the document itself).
func Set(doc map[string]any, parts []string, v any) (old any, ok bool) {
	if len(parts) == 0 {
		return nil, false
	}
	old, _ = Lookup(doc, parts)
	if v == nil {
		Remove(doc, parts)
		return old, true
	}
	parentParts := parts[:len(parts)-1]
	parent, found := Lookup(doc, parentParts)
	if !found {
		if parent, found = EnsureObject(doc, parentParts); !found {
			return nil, false
		}
	}
	m, isObject := parent.(map[string]any)
	if !isObject {
		return nil, false
	}
	m[parts[len(parts)-1]] = v
	return old, true
}

// TemplateOf replaces every array index in a concrete pointer's parts by "*",
// using the document to tell indexes from object keys that look like numbers.
func TemplateOf(doc any, parts []string) (tmpl string, indexes []int) {
	out := make([]string, len(parts))
	cur := doc
	for i, p := range parts {
		switch c := cur.(type) {
		case []any:
			n, err := strconv.Atoi(p)
			if err == nil && n >= 0 && n < len(c) {
				out[i] = "*"
				indexes = append(indexes, n)
				cur = c[n]
				continue
			}
			cur = nil
		case map[string]any:
			cur = c[p]
		default:
			cur = nil
		}
		out[i] = p
	}
	return Join(out), indexes
}
