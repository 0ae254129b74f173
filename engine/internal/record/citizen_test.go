package record

import (
	"testing"

	"github.com/skjema/skjema/engine/secret"
)

// TestNoResumeTokenLooksLikeACitizens: a resume token is never taken for a
// signed-in citizen's session (with the first prefix, "c_", one in 4,096
// was, and its draft could not be opened).
func TestNoResumeTokenLooksLikeACitizens(t *testing.T) {
	t.Parallel()
	for range 100000 {
		if tok := secret.Token(); IsCitizenToken(tok) {
			t.Fatalf("the resume token %q is taken for a citizen's", tok)
		}
	}
	if !IsCitizenToken(CitizenTokenPrefix + secret.Token()) {
		t.Fatal("a citizen's token is not")
	}
}
