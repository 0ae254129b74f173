package jsondoc

import (
	"encoding/json"
	"testing"
)

func TestConditions(t *testing.T) {
	t.Parallel()
	doc := map[string]any{"a": "x", "n": json.Number("5"), "b": true, "list": []any{map[string]any{"r": "child"}, map[string]any{"r": "spouse"}}}
	yes, no := true, false
	five := json.Number("5")
	tests := []struct {
		name string
		c    Condition
		want bool
	}{
		{"equals string", Condition{Field: "/a", Equals: "x"}, true},
		{"starts with one of the prefixes", Condition{Field: "/a", StartsWith: []string{"y", "x"}}, true},
		{"starts with none of the prefixes", Condition{Field: "/a", StartsWith: []string{"y"}}, false},
		{"a number does not start with anything", Condition{Field: "/n", StartsWith: []string{"5"}}, false},
		{"a missing field does not start with anything", Condition{Field: "/none", StartsWith: []string{""}}, false},
		{"equals bool", Condition{Field: "/b", Equals: true}, true},
		{"equals number across representations", Condition{Field: "/n", Equals: 5.0}, true},
		{"in", Condition{Field: "/a", In: []any{"y", "x"}}, true},
		{"missing field equals nothing", Condition{Field: "/zz", Equals: "x"}, false},
		{"present", Condition{Field: "/a", Present: &yes}, true},
		{"absent", Condition{Field: "/zz", Present: &no}, true},
		{"gte", Condition{Field: "/n", Gte: &five}, true},
		{"gt", Condition{Field: "/n", Gt: &five}, false},
		{"gt on a string is false", Condition{Field: "/a", Gt: &five}, false},
		{"all", Condition{All: []Condition{{Field: "/a", Equals: "x"}, {Field: "/b", Equals: false}}}, false},
		{"any", Condition{Any: []Condition{{Field: "/a", Equals: "q"}, {Field: "/b", Equals: true}}}, true},
		{"not", Condition{Not: &Condition{Field: "/a", Equals: "x"}}, false},
		{"some item", Condition{Some: "/list", Where: &Condition{Field: "r", Equals: "child"}}, true},
		{"no item", Condition{Some: "/list", Where: &Condition{Field: "r", Equals: "parent"}}, false},
		{"some over a missing list", Condition{Some: "/nothing", Where: &Condition{Field: "r", Equals: "x"}}, false},
	}
	for _, tt := range tests {
		if got := tt.c.Eval(doc, nil); got != tt.want {
			t.Errorf("%s: Eval = %v, want %v", tt.name, got, tt.want)
		}
	}
}
