package rules

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, s string) *Set {
	t.Helper()
	var set Set
	if err := json.Unmarshal([]byte(s), &set); err != nil {
		t.Fatal(err)
	}
	return &set
}

func TestPrepareOrdersLookupsAfterWhatTheyRead(t *testing.T) {
	set := decode(t, `{
		"facts": {
			"aLimit": {"lookup": "size", "values": [100, 200]},
			"size": {"count": "/household", "plus": 1}
		},
		"routing": [{"id": "over", "when": {"field": "/$facts/aLimit", "gte": 200}, "source": "test"}]
	}`)
	if problems := set.Prepare(); len(problems) > 0 {
		t.Fatal(problems)
	}
	got := set.ReviewReasons(map[string]any{"household": []any{map[string]any{}}}, time.Now())
	if !reflect.DeepEqual(got, []string{"over"}) {
		t.Errorf("reasons = %v, want [over]: the lookup must see the count", got)
	}
	if got := set.ReviewReasons(map[string]any{}, time.Now()); got != nil {
		t.Errorf("alone: reasons = %v, want none", got)
	}
}

func TestPrepareRefusesLoopsAndMixedKinds(t *testing.T) {
	set := decode(t, `{"facts": {
		"a": {"lookup": "b", "values": [1]},
		"b": {"lookup": "a", "values": [1]},
		"c": {"count": "/x", "sum": ["/y"]}
	}}`)
	var all []string
	for _, p := range set.Prepare() {
		all = append(all, p.Error())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"part of a loop", `fact "c" needs exactly one`} {
		if !strings.Contains(text, want) {
			t.Errorf("problems %q lack %q", text, want)
		}
	}
}

func TestCeilingForHouseholdKommuneAndAdaptedHome(t *testing.T) {
	cc := &CostCeiling{
		PerMonth: []float64{6520, 8117}, Household: "/household",
		Monthly: []string{"/rent"}, Yearly: []string{"/tax"},
		Supplements: map[string]float64{"1": 2075}, KommuneGroups: map[string]string{"0301": "1"},
		Adapted: "/adapted", AdaptedSupplement: 424,
	}
	doc := map[string]any{"household": []any{1, 2, 3}, "rent": 9000.0, "tax": 1200.0, "adapted": true}
	c, ok := cc.For(doc, "0301")
	want := Ceiling{Costs: 9100, Limit: 8117 + 2075 + 424, Household: 4, Group: "1", Adapted: true}
	if !ok || c != want {
		t.Errorf("For = %+v, %v; want %+v (the last tier holds for larger households)", c, ok, want)
	}
	if _, ok := (*CostCeiling)(nil).For(doc, "0301"); ok {
		t.Error("a form without a ceiling has one")
	}
}
