package main

import (
	"runtime"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…"; without
// it, the module's version from the build info, or "dev".
var version = "dev"

// versionLine says what this binary is: its version, the commit it was
// built from (and whether the checkout had changes), and the Go it was
// built with, from the build information Go stamps into every binary
// (`go build` in a git checkout records the commit; `go run` does not).
func versionLine() string {
	v, commit, at, modified := version, "", "", false
	goVersion := runtime.Version()
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	line := "skjema " + v
	if commit != "" {
		line += ", commit " + commit[:min(12, len(commit))]
		if modified {
			line += " with uncommitted changes"
		}
		if at != "" {
			line += " of " + at
		}
	}
	return line + ", built with " + goVersion
}
