package queue

import "testing"

func TestScrub(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"fodselsnummer 12038512356 is not registered":   "fodselsnummer <tall> is not registered",
		"konto 1234.56.78903 ugyldig":                   "konto <tall> ugyldig",
		"550 5.1.1 <kari.nordmann@example.no>: unknown": "550 5.1.1 <<e-post>>: unknown",
		"Vedlikehold til kl. 03.00, 2026-12-02":         "Vedlikehold til kl. 03.00, 2026-12-02",
		"telefon 912 34 567":                            "telefon <tall>",
		"503 Service Unavailable":                       "503 Service Unavailable",
	} {
		if got := scrub(in); got != want {
			t.Errorf("scrub(%q) = %q, want %q", in, got, want)
		}
	}
}
