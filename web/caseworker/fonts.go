package caseworker

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// DefaultFontDir is where Debian's fonts-inter package puts Inter, the
// typeface designsystemet is drawn in.
const DefaultFontDir = "/usr/share/fonts/opentype/inter"

// interFaces are the weights designsystemet uses, by the file of each in
// the font directory.
var interFaces = []struct {
	weight int
	file   string
}{{400, "Inter-Regular.otf"}, {500, "Inter-Medium.otf"}, {600, "Inter-SemiBold.otf"}}

// fontsCSS declares Inter for the weights the font directory has: the UI
// is served with the typeface designsystemet is drawn in, from the
// operating system's package rather than a copy in this repository. Where
// it has none, the stylesheet is empty, and the UI falls back to the
// system's sans-serif, as designsystemet's font stack says.
func (h *Handler) fontsCSS(w http.ResponseWriter, r *http.Request) error {
	var b strings.Builder
	for _, f := range interFaces {
		if _, err := os.Stat(filepath.Join(h.cfg.FontDir, f.file)); err != nil {
			continue
		}
		fmt.Fprintf(&b, "@font-face{font-family:Inter;font-style:normal;font-weight:%d;font-display:swap;src:url(/caseworker/fonts/%s) format(\"opentype\")}\n", f.weight, f.file)
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write([]byte(b.String()))
	return nil
}

// font sends one of Inter's files, by name: only those interFaces names.
func (h *Handler) font(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	for _, f := range interFaces {
		if f.file != name {
			continue
		}
		file, err := os.Open(filepath.Join(h.cfg.FontDir, f.file))
		if err != nil {
			return errNotFound
		}
		defer file.Close()
		st, err := file.Stat()
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "font/otf")
		// A week, and then asked again: a package upgrade changes the file.
		w.Header().Set("Cache-Control", "public, max-age=604800")
		http.ServeContent(w, r, name, st.ModTime(), file)
		return nil
	}
	return errNotFound
}
