package web

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"os"

	"github.com/skjema/skjema/web/assets"
)

// The citizen widget: the ES module skjema.js the embed names, which starts
// the element (element.js) and the modules it imports (doc.js, draft.js,
// render.js, signin.js) at once, and its stylesheet, from web/widget (see
// build-css.mjs for the stylesheet).
//
//go:embed widget/*.js widget/skjema.css
var widgetFiles embed.FS

var widgetAssets = mustLoad(widgetFiles, "widget")

// mustLoad reads embedded assets, minified; they are part of the binary, so
// failing is a build mistake.
func mustLoad(fsys fs.FS, dir string) assets.Set {
	set, err := assets.LoadMinified(fsys, dir)
	if err != nil {
		panic(err)
	}
	return set
}

// serveWidget: GET /widget/{file}. Kommune sites on other origins load the
// module with CORS, so it is public to every origin; the API it calls is not.
func serveWidget(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Cache-Control", "public, max-age=300, must-revalidate")
	if !widgetAssets.Serve(w, r, r.PathValue("file")) {
		writeProblem(w, r, slog.Default(), errNotFound)
	}
}

// examplePageCSP is as strict as a kommune's page could be: nothing inline,
// scripts, styles and API calls from this server only.
const examplePageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// serveExample serves the example kommune page from a directory on disk,
// for development (skjema serve -dev).
func serveExample(dir string) http.Handler {
	files := http.StripPrefix("/example/", http.FileServerFS(os.DirFS(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", examplePageCSP)
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
