package letters

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/skjema/skjema/forms/nid"
)

// ParseSenders reads a letterheads file, {"0301": {"name": "Oslo kommune",
// "address": ["Postboks 1", "0037 Oslo"], …}}, strictly, so that a mistake
// stops the start rather than sending letters from nowhere: an unknown
// member, a kommunenummer that is not four digits or not in the kommune
// register (in force on the day; reg may hold none), a letterhead without
// a name, and an empty address line are refused, saying which.
func ParseSenders(raw []byte, reg *nid.Registers, on time.Time) (map[string]Sender, error) {
	var out map[string]Sender
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Errorf(`not a letterheads file ({"0301": {"name": "Oslo kommune", "address": ["Postboks 1", "0037 Oslo"], "appealBody": "Klagenemnda"}}): %w`, err)
	}
	if dec.More() {
		return nil, errors.New("not a letterheads file: more after the object")
	}
	for _, k := range slices.Sorted(maps.Keys(out)) {
		if _, err := reg.Kommunenummer(k, on); err != nil {
			return nil, fmt.Errorf("kommune %q: %w", k, err)
		}
		s := out[k]
		if strings.TrimSpace(s.Name) == "" {
			return nil, fmt.Errorf("kommune %s: the letterhead needs the name letters are sent in (\"Oslo kommune\")", k)
		}
		if slices.ContainsFunc(s.Address, func(l string) bool { return strings.TrimSpace(l) == "" }) {
			return nil, fmt.Errorf("kommune %s: an empty line in the address", k)
		}
	}
	return out, nil
}
