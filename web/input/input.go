// Package input refuses text from outside that the two databases would not
// store alike: invalid UTF-8, NUL and other control characters, and JSON
// escapes of unpaired surrogates. PostgreSQL refuses such text with an error
// (a 500 if it got that far), while SQLite stores it, or a replacement
// character, silently; checked at the edge, both answer 400 the same way.
//
// Text may hold tab, line feed and carriage return (a caseworker's message
// has lines); nothing else below U+0020, nor U+007F–U+009F.
package input

import (
	"errors"
	"net/http"
	"net/url"
	"unicode/utf8"
)

// Error says what was refused and where, never the text itself.
type Error struct {
	Where string // "path", "query", "header Idempotency-Key", "body", "form field email"
	Why   string
}

func (e *Error) Error() string { return e.Where + ": " + e.Why }

const (
	whyUTF8      = "is not valid UTF-8"
	whyControl   = "holds a control character (such as NUL)"
	whySurrogate = "holds an unpaired UTF-16 surrogate escape"
)

// allowed says whether a character may be stored.
func allowed(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return false
	}
	return true
}

// Text checks one string.
func Text(where, s string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return &Error{Where: where, Why: whyUTF8}
			}
		}
		if !allowed(r) {
			return &Error{Where: where, Why: whyControl}
		}
	}
	return nil
}

// Values checks every name and value of a parsed query or form.
func Values(where string, v url.Values) error {
	for k, vs := range v {
		if err := Text(where+" field name", k); err != nil {
			return err
		}
		for _, s := range vs {
			if err := Text(where+" "+safeName(k), s); err != nil {
				return err
			}
		}
	}
	return nil
}

// safeName is a field name fit to show in an error: names are ours, but a
// client may send any.
func safeName(k string) string {
	if len(k) > 40 || Text("", k) != nil {
		return "(a field)"
	}
	return k
}

// readHeaders are the headers a handler reads, compares or stores. Others
// (User-Agent, Referer, …) may carry any bytes HTTP allows; nothing here
// reads them, so they are not refused.
var readHeaders = []string{"Authorization", "Idempotency-Key", "If-Match", "Accept-Language", "X-Csrf-Token", "Content-Type"}

// Request checks what every handler may read before its body: the path
// (decoded), the query and the headers handlers read.
func Request(r *http.Request) error {
	if err := Text("path", r.URL.Path); err != nil {
		return err
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return &Error{Where: "query", Why: "is not a valid query string"}
	}
	if err := Values("query", q); err != nil {
		return err
	}
	for _, name := range readHeaders {
		for _, v := range r.Header.Values(name) {
			if err := Text("header "+name, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// ErrNotJSON is answered by JSON for a body that is not one JSON text; the
// caller usually checked that already.
var ErrNotJSON = errors.New("input: not JSON")

// JSON checks a JSON text that is already known to be valid UTF-8 and well
// formed: no character that Text refuses, raw or escaped, and no \u escape
// of a lone surrogate (which Go's decoder would silently turn into U+FFFD).
func JSON(body []byte) error {
	const where = "body"
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !inString {
			if c == '"' {
				inString = true
			}
			continue
		}
		switch {
		case c == '"':
			inString = false
		case c == '\\':
			if i+1 >= len(body) {
				return ErrNotJSON
			}
			i++
			switch body[i] {
			case 'b', 'f':
				return &Error{Where: where, Why: whyControl}
			case 'u':
				r, ok := hex4(body, i+1)
				if !ok {
					return ErrNotJSON
				}
				i += 4
				switch {
				case r >= 0xd800 && r <= 0xdbff:
					// A high surrogate must be followed by an escaped low one.
					if i+2 >= len(body) || body[i+1] != '\\' || body[i+2] != 'u' {
						return &Error{Where: where, Why: whySurrogate}
					}
					low, ok := hex4(body, i+3)
					if !ok || low < 0xdc00 || low > 0xdfff {
						return &Error{Where: where, Why: whySurrogate}
					}
					i += 6
				case r >= 0xdc00 && r <= 0xdfff:
					return &Error{Where: where, Why: whySurrogate}
				case !allowed(r):
					return &Error{Where: where, Why: whyControl}
				}
			}
		case c < 0x20 || c == 0x7f:
			return &Error{Where: where, Why: whyControl}
		case c == 0xc2 && i+1 < len(body) && body[i+1] >= 0x80 && body[i+1] <= 0x9f:
			return &Error{Where: where, Why: whyControl} // U+0080–U+009F in UTF-8
		}
	}
	return nil
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}
