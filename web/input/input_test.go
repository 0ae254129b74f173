package input_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/skjema/skjema/web/input"
)

func TestJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		ok   bool
	}{
		{"plain text", `{"a":"Kari Nordmann","b":[1,2]}`, true},
		{"æøå and emoji raw", `{"a":"Ærlig øl på å 😀"}`, true},
		{"a paired surrogate escape", `{"a":"\ud83d\ude00"}`, true},
		{"tab, newline and return escaped", `{"a":"x\ty\nz\r\u000a"}`, true},
		{"an escaped quote before a control-looking text", `{"a":"\"\\u0000"}`, true},
		{"NUL escaped", `{"a":"x\u0000"}`, false},
		{"NUL in a key", `{"\u0000":1}`, false},
		{"escape of another C0 control", `{"a":"\u001b[31m"}`, false},
		{"backspace escape", `{"a":"\b"}`, false},
		{"DEL escaped", `{"a":"\u007f"}`, false},
		{"C1 control escaped", `{"a":"\u0085"}`, false},
		{"C1 control raw", "{\"a\":\"\u0085\"}", false},
		{"lone high surrogate", `{"a":"\ud800"}`, false},
		{"high surrogate then text", `{"a":"\ud800x"}`, false},
		{"high surrogate then a high one", `{"a":"\ud800\ud800"}`, false},
		{"lone low surrogate", `{"a":"\udc00"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := input.JSON([]byte(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("JSON(%s) = %v, want ok=%v", tc.body, err, tc.ok)
			}
			var ie *input.Error
			if err != nil && !errors.As(err, &ie) {
				t.Fatalf("error %v is not an *input.Error", err)
			}
		})
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		s  string
		ok bool
	}{
		{"Kari", true}, {"linje 1\nlinje 2\ttab", true}, {"a\x00b", false}, {"\xff", false},
		{"a\x0bb", false}, {"\u2028 line separator is text", true}, {"ok\u0085", false},
	} {
		if err := input.Text("x", tc.s); (err == nil) != tc.ok {
			t.Errorf("Text(%q) = %v, want ok=%v", tc.s, err, tc.ok)
		}
	}
}

func TestRequest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target string
		header [2]string
		ok     bool
	}{
		{"ordinary", "/api/v1/drafts/abc?lang=nn", [2]string{}, true},
		{"NUL in the path", "/example/%00", [2]string{}, false},
		{"invalid UTF-8 in the path", "/api/v1/agency/batches/%ff", [2]string{}, false},
		{"invalid UTF-8 in the query", "/api/v1/drafts?kommune=%ff", [2]string{}, false},
		{"NUL in a query name", "/x?%00=1", [2]string{}, false},
		{"a malformed query", "/x?a=%zz", [2]string{}, false},
		{"invalid UTF-8 in a header", "/x", [2]string{"Idempotency-Key", "key-\xf8-0123456789"}, false},
		{"UTF-8 in a header", "/x", [2]string{"Idempotency-Key", "nøkkel-0123456789"}, true},
		{"odd bytes in a header nothing reads", "/x", [2]string{"User-Agent", "Mozilla \xe6\xf8\xe5"}, true},
		{"invalid UTF-8 in the bearer", "/x", [2]string{"Authorization", "Bearer \xff"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			u, err := url.Parse(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			r.URL = u
			if tc.header[0] != "" {
				r.Header.Set(tc.header[0], tc.header[1])
			}
			if err := input.Request(r); (err == nil) != tc.ok {
				t.Fatalf("Request(%s) = %v, want ok=%v", tc.target, err, tc.ok)
			}
		})
	}
}
