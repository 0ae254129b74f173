package queue

import (
	"runtime/debug"
	"slices"
)

// modulePath is Skjema's Go module, whose version the User-Agent names.
const modulePath = "github.com/skjema/skjema"

// userAgent names Skjema to the agencies it pushes to, so that their logs
// and firewalls can tell its requests from any other Go program's
// (Go-http-client/1.1): "Skjema/<version> (+https://github.com/skjema/skjema)".
var userAgent = "Skjema/" + moduleVersion() + " (+https://" + modulePath + ")"

// moduleVersion is the version of Skjema's module this binary was built
// from, whether Skjema is the main module or a dependency of it; "dev" when
// it has none (a build from a checkout, or a test).
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	m := &info.Main
	if m.Path != modulePath {
		if i := slices.IndexFunc(info.Deps, func(d *debug.Module) bool { return d.Path == modulePath }); i >= 0 {
			m = info.Deps[i]
		}
	}
	if m.Path != modulePath || m.Version == "" || m.Version == "(devel)" {
		return "dev"
	}
	return m.Version
}
