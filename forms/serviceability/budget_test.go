package serviceability

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAnnuity(t *testing.T) {
	t.Parallel()
	// Expected figures from the textbook formula, computed independently.
	tests := []struct {
		name      string
		principal int
		rate      float64
		years     int
		payment   int
	}{
		{"1 000 000 at 5 % over 30 years", 1000000, 5, 30, 5369},
		{"2 000 000 at 6.25 % over 30 years (Husbanken's old calculation rate)", 2000000, 6.25, 30, 12315},
		{"zero rate: equal parts, rounded up", 1200000, 0, 30, 3334},
		{"zero rate, exact division is not rounded up by noise", 120000, 0, 10, 1000},
		{"nothing borrowed", 0, 5, 30, 0},
	}
	for _, tt := range tests {
		if got := Payment(tt.principal, tt.rate, tt.years); got != tt.payment {
			t.Errorf("%s: Payment = %d, want %d", tt.name, got, tt.payment)
		}
	}
	// Principal is Payment's cautious inverse: the largest loan it finds
	// never costs more than the payment it was given.
	for _, pay := range []int{1, 999, 5368, 13661, 36780} {
		for _, rate := range []float64{0, 2.5, 5, 8.5} {
			for _, years := range []int{1, 30, MaxYears} {
				p := Principal(pay, rate, years)
				if Payment(p, rate, years) > pay {
					t.Errorf("Principal(%d, %g, %d) = %d costs %d", pay, rate, years, p, Payment(p, rate, years))
				}
				if Payment(p+years*12, rate, years) <= pay && rate > 0 {
					t.Errorf("Principal(%d, %g, %d) = %d is not the largest", pay, rate, years, p)
				}
			}
		}
	}
	if Principal(0, 5, 30) != 0 || Principal(-100, 5, 30) != 0 {
		t.Error("a surplus of nothing carries no loan")
	}
}

func TestBudgetChecks(t *testing.T) {
	t.Parallel()
	// Compacted, so that the replacements below need not know the file's layout.
	var buf bytes.Buffer
	if err := json.Compact(&buf, mustRead(t, "testdata/referanse-test.json")); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	if _, err := ParseBudget(buf.Bytes()); err != nil {
		t.Fatalf("the test budget: %v", err)
	}
	tests := []struct {
		name, from, to, wantErr string
	}{
		{"a gap in the child rates", `"fromAge":6,"toAge":10,"amount":3950`, `"fromAge":7,"toAge":10,"amount":3950`, "child bands"},
		{"no name of the figures' origin", `"name":"Statlige veiledende retningslinjer for økonomisk stønad 2024"`, `"name":""`, "name and source are required"},
		{"an unknown field", `"year":2024`, `"year":2024,"yaer":2025`, "unknown field"},
		{"a closed last individual band", `{"fromAge":51,"female":5000`, `{"fromAge":51,"toAge":80,"female":5000`, "open-ended"},
		{"household sizes out of order", `{"members":2,"amount":4200}`, `{"members":3,"amount":4200}`, "household sizes"},
		{"a scale of 100 %", `"percent":12`, `"percent":100`, "scale"},
	}
	for _, tt := range tests {
		bad := strings.Replace(good, tt.from, tt.to, 1)
		if bad == good {
			t.Fatalf("%s: the test's replacement did not apply", tt.name)
		}
		_, err := ParseBudget([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want one about %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestLoadBudgetStaysInTheFormsDirectory(t *testing.T) {
	t.Parallel()
	data := mustRead(t, "testdata/sosialhjelp-2024.json")
	fsys := fstest.MapFS{
		"forms/a/budget.json": {Data: data},
		"forms/b/budget.json": {Data: data},
	}
	if _, err := LoadBudget(fsys, "forms/a", Config{BudgetFile: "budget.json"}); err != nil {
		t.Errorf("own file: %v", err)
	}
	for _, name := range []string{"../b/budget.json", "/forms/a/budget.json", ""} {
		if _, err := LoadBudget(fsys, "forms/a", Config{BudgetFile: name}); err == nil {
			t.Errorf("%q: accepted", name)
		}
	}
}

func TestConfigChecks(t *testing.T) {
	t.Parallel()
	good := string(mustRead(t, "testdata/config.json"))
	tests := []struct{ name, from, to, wantErr string }{
		{"a relative item pointer", `"pointer": "/expenses/otherMonthly"`, `"pointer": "expenses/otherMonthly"`, "must start with /"},
		{"an absolute group field", `"label": "creditor"`, `"label": "/creditor"`, "relative"},
		{"an unknown period", `"per": "year"`, `"per": "week"`, "per must be"},
		{"no loan source", `"amount": "/loan/amount", "price": "/property/price",`, ``, "amount or price"},
		{"no budget file", `"budgetFile": "referanse-test.json"`, `"budgetFile": ""`, "budgetFile"},
		{"a misspelt key", `"fixedCosts"`, `"fixedCost"`, "unknown field"},
	}
	for _, tt := range tests {
		bad := strings.Replace(good, tt.from, tt.to, 1)
		if bad == good {
			t.Fatalf("%s: the test's replacement did not apply", tt.name)
		}
		_, err := ParseConfig([]byte(bad))
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v, want one about %q", tt.name, err, tt.wantErr)
		}
	}
}
