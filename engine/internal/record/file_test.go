package record

import "testing"

// TestFileName: an upload is kept under a name that ends in its sniffed
// type's extension and shows no hidden characters (security review V5).
func TestFileName(t *testing.T) {
	for _, tc := range []struct{ name, contentType, want string }{
		{"husleiekontrakt.pdf", "application/pdf", "husleiekontrakt.pdf"},
		{"Husleiekontrakt.PDF", "application/pdf", "Husleiekontrakt.PDF"},
		{"husleiekontrakt.pdf.hta", "application/pdf", "husleiekontrakt.pdf"},
		{"kvittering.html", "application/pdf", "kvittering.pdf"},
		{"skann", "application/pdf", "skann.pdf"},
		{"bilde.jpeg", "image/jpeg", "bilde.jpeg"},
		{"bilde.png", "image/jpeg", "bilde.jpg"},
		{"leie\u202eexe.pdf", "application/pdf", "leieexe.pdf"},
		{"leie\u202efdp.exe", "application/pdf", "leiefdp.pdf"},
		{"a\u200bb\u2066c.png", "image/png", "abc.png"},
		{"../../../../etc/passwd", "application/pdf", "passwd.pdf"},
		{`..\..\windows\x.pdf`, "application/pdf", "x.pdf"},
		{"ctrl\x00\x1b.pdf", "application/pdf", "ctrl.pdf"},
		{"bad\xffutf8.pdf", "application/pdf", "badutf8.pdf"},
		{"", "application/pdf", "fil.pdf"},
		{".pdf", "application/pdf", "fil.pdf"},
		{"\u202e", "image/png", "fil.png"},
		{"rapport.2026.pdf", "application/pdf", "rapport.2026.pdf"},
		{"rapport v2.final", "application/pdf", "rapport v2.pdf"},
	} {
		if got := FileName(tc.name, tc.contentType); got != tc.want {
			t.Errorf("FileName(%q, %s) = %q, want %q", tc.name, tc.contentType, got, tc.want)
		}
	}
}
