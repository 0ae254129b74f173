package caseworker

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var (
	// The marked texts: tr in a template, nb, translate, h.tr and the
	// statistics' t in Go.
	templateText = regexp.MustCompile("\\{\\{tr `([^`]*)`\\}\\}")
	goText       = regexp.MustCompile(`(?:\bnb\(|translate\([^,()]+,\s*|h\.tr\(r,\s*|\bt\()("(?:[^"\\\n]|\\.)*")`)
	// An unmarked string literal that reads as Norwegian: a letter of
	// æøå, or a common word.
	anyLiteral = regexp.MustCompile(`//[^\n]*|` + "`[^`]*`" + `|"((?:[^"\\\n]|\\.)*)"`)
	norwegian  = regexp.MustCompile(`[æøåÆØÅ]|\b(er|og|ikke|til|med|som|av|fra|på|du|den|har|kan|Alle|Ingen|Meg|Papir|Digital)\b`)
	logLine    = regexp.MustCompile(`\b(log|slog)\.|Errorf|errors\.New`)
)

// uiTexts are the bokmål texts of the UI, and the Norwegian-looking string
// literals in Go that are not marked as such.
func uiTexts(t *testing.T) (texts map[string]bool, unmarked []string) {
	t.Helper()
	texts = map[string]bool{}
	pages, _ := filepath.Glob("templates/*.html")
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateText.FindAllStringSubmatch(string(b), -1) {
			texts[m[1]] = true
		}
	}
	sources, _ := filepath.Glob("*.go")
	for _, p := range sources {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		marked := map[int]bool{}
		for _, m := range goText.FindAllStringSubmatchIndex(src, -1) {
			s, err := strconv.Unquote(src[m[2]:m[3]])
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			texts[s], marked[m[2]] = true, true
		}
		for _, m := range anyLiteral.FindAllStringSubmatchIndex(src, -1) {
			if m[2] < 0 || marked[m[0]] {
				continue
			}
			lit := src[m[2]:m[3]]
			lineStart := strings.LastIndexByte(src[:m[0]], '\n') + 1
			lineEnd := m[1] + strings.IndexByte(src[m[1]:], '\n')
			if norwegian.MatchString(lit) && !strings.HasPrefix(lit, "/") && !logLine.MatchString(src[lineStart:lineEnd]) {
				unmarked = append(unmarked, p+": "+lit)
			}
		}
	}
	return texts, unmarked
}

// TestNynorskCoversEveryText: every bokmål text of the UI has its
// nynorsk, the catalogue holds nothing else, and no Norwegian text is left
// in Go without the mark that finds it.
func TestNynorskCoversEveryText(t *testing.T) {
	texts, unmarked := uiTexts(t)
	if len(unmarked) > 0 {
		t.Errorf("Norwegian text in Go not marked with nb (or translated):\n%s", strings.Join(unmarked, "\n"))
	}
	var missing, stale []string
	for s := range texts {
		if _, ok := nynorsk[s]; !ok {
			missing = append(missing, s)
		}
	}
	for s := range nynorsk {
		if !texts[s] {
			stale = append(stale, s)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	if len(missing) > 0 {
		t.Errorf("%d texts have no nynorsk in texts.nn.json:\n%q", len(missing), missing)
	}
	if len(stale) > 0 {
		t.Errorf("texts.nn.json translates %d texts the UI no longer has:\n%q", len(stale), stale)
	}
	for nb, nn := range nynorsk {
		if strings.Count(nb, "%") != strings.Count(nn, "%") {
			t.Errorf("%q and its nynorsk %q differ in their %% verbs", nb, nn)
		}
	}
}
