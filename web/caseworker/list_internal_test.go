package caseworker

import (
	"strings"
	"testing"
)

// TestSpreadsheetSafe: a CSV cell a spreadsheet would run as a formula is
// kept as text.
func TestSpreadsheetSafe(t *testing.T) {
	if got := strings.Join(spreadsheetSafe("=HYPERLINK(1)", "BOS-1", "-3", "@x", "+A1", ""), "|"); got != "'=HYPERLINK(1)|BOS-1|'-3|'@x|'+A1|" {
		t.Fatalf("cells a spreadsheet would run: %q", got)
	}
}
