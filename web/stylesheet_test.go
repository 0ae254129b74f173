package web_test

import (
	"os"
	"strings"
	"testing"
)

// TestStylesheetsLayerDesignsystemet: in both built stylesheets every rule
// of designsystemet is in a cascade layer, ds.base before ds.components, and
// only our own layout (appended last) is unlayered. An unlayered rule beats
// every layered one whatever its specificity: base.css's
// `[data-size],body{font-size:…}`, once left out of ds.base, set every
// heading of the caseworker UI at body size (review finding 20).
func TestStylesheetsLayerDesignsystemet(t *testing.T) {
	t.Parallel()
	for _, s := range []struct{ built, own string }{
		{"widget/skjema.css", "widget/widget.css"},
		{"caseworker/assets/caseworker.css", "caseworker/layout.css"},
	} {
		t.Run(s.built, func(t *testing.T) {
			t.Parallel()
			built, err := os.ReadFile(s.built)
			if err != nil {
				t.Fatal(err)
			}
			own, err := os.ReadFile(s.own)
			if err != nil {
				t.Fatal(err)
			}
			ds, ok := strings.CutSuffix(string(built), string(own))
			if !ok {
				t.Fatalf("%s does not end with %s: run npm run build:css", s.built, s.own)
			}
			rules := cssRules(t, ds)
			var order string
			for _, r := range rules {
				switch {
				case strings.HasPrefix(r.prelude, "@layer ") && r.layer == "" && !r.block:
					order = r.prelude
				case strings.HasPrefix(r.prelude, "@layer "):
				case r.layer == "":
					t.Errorf("unlayered rule from designsystemet: %.80s", r.prelude)
				}
			}
			if order != "@layer ds.theme,ds.base,ds.components" {
				t.Errorf("layer order %q, want ds.theme, ds.base, ds.components", order)
			}
			// The finding itself: body's size is the base, headings' the
			// components'.
			layerOf := func(prelude string) string {
				for _, r := range rules {
					if r.prelude == prelude {
						return r.layer
					}
				}
				t.Errorf("no rule %s", prelude)
				return ""
			}
			if base, heading := layerOf("[data-size],body"), layerOf(`.ds-heading[data-size=lg]`); base != "ds.base" || (heading != "ds.base" && heading != "ds.components") {
				t.Errorf("body's size is in layer %q and a heading's in %q: want ds.base, and ds.base or ds.components", base, heading)
			}
		})
	}
}

// cssRule is a rule of a stylesheet (or an at-rule statement), with the
// cascade layer it is in: the names of the @layer blocks around it, or ""
// when it is in none.
type cssRule struct {
	prelude string // the selector, or the at-rule with its parameters
	layer   string
	block   bool // a block, not a statement ending in ;
}

// cssRules lists a minified stylesheet's rules, inner ones included, with
// their layers. It knows comments, strings and nesting, which is all the
// built stylesheets hold.
func cssRules(t *testing.T, css string) []cssRule {
	t.Helper()
	var out []cssRule
	var stack []string // the layer each open block adds ("" for none)
	layer := func() string {
		var names []string
		for _, s := range stack {
			if s != "" {
				names = append(names, s)
			}
		}
		return strings.Join(names, ".")
	}
	start := 0
	for i := 0; i < len(css); i++ {
		switch c := css[i]; c {
		case '/':
			if strings.HasPrefix(css[i:], "/*") {
				end := strings.Index(css[i+2:], "*/")
				if end < 0 {
					t.Fatal("an unterminated comment")
				}
				i += end + 3
				start = i + 1
			}
		case '"', '\'':
			end := strings.IndexByte(css[i+1:], c)
			if end < 0 {
				t.Fatal("an unterminated string")
			}
			i += end + 1
		case '{':
			prelude := strings.TrimSpace(css[start:i])
			out = append(out, cssRule{prelude: prelude, layer: layer(), block: true})
			name, _ := strings.CutPrefix(prelude, "@layer ")
			if name == prelude {
				name = ""
			}
			stack = append(stack, name)
			start = i + 1
		case ';':
			if p := strings.TrimSpace(css[start:i]); strings.HasPrefix(p, "@") {
				out = append(out, cssRule{prelude: p, layer: layer()})
			}
			start = i + 1
		case '}':
			if len(stack) == 0 {
				t.Fatal("an unbalanced }")
			}
			stack = stack[:len(stack)-1]
			start = i + 1
		}
	}
	if len(stack) != 0 {
		t.Fatalf("%d blocks left open", len(stack))
	}
	return out
}
