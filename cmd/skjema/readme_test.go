package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECommands holds the README to the binary: every skjema command it
// shows (in a shell block or inline) is a command this binary has, with
// flags that command takes, and every `go run ./…` and `go test ./…` names a
// package (and a fuzz target) the repository has. The commands themselves
// are run by the tests of each (TestREADMEFlow, TestCommands,
// TestRegistersFormats, the agency and backup tests) and by .ci/run.
func TestREADMECommands(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var commands []string
	inBlock := false
	var line strings.Builder
	for _, l := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(l, "```") {
			inBlock = strings.HasPrefix(l, "```sh") && !inBlock
			continue
		}
		if !inBlock {
			for _, m := range regexp.MustCompile("`(skjema [^`]*)`").FindAllStringSubmatch(l, -1) {
				commands = append(commands, m[1])
			}
			continue
		}
		l, _, _ = strings.Cut(l, " #")
		line.WriteString(strings.TrimSuffix(strings.TrimSpace(l), "\\") + " ")
		if !strings.HasSuffix(strings.TrimSpace(l), "\\") {
			commands = append(commands, strings.TrimSpace(line.String()))
			line.Reset()
		}
	}
	env := regexp.MustCompile(`^([A-Z_]+=\S+\s+)+`)
	checked := 0
	for _, c := range commands {
		c = strings.TrimSuffix(strings.TrimSpace(env.ReplaceAllString(c, "")), "&")
		c = strings.Replace(c, "go run ./cmd/skjema ", "skjema ", 1)
		words := strings.Fields(c)
		switch {
		case len(words) > 1 && words[0] == "skjema":
			checkSkjemaCommand(t, c, words[1:])
			checked++
		case len(words) > 2 && words[0] == "go" && (words[1] == "run" || words[1] == "test"):
			pkg := strings.TrimSuffix(words[2], "/...")
			if st, err := os.Stat(filepath.Join("../..", pkg)); err != nil || !st.IsDir() {
				t.Errorf("README: %q names %s, which is no package here", c, pkg)
				continue
			}
			for i, w := range words {
				if w == "-fuzz" && i+1 < len(words) && !hasFunc(filepath.Join("../..", pkg), words[i+1]) {
					t.Errorf("README: %q names fuzz target %s, which %s does not have", c, words[i+1], pkg)
				}
			}
			checked++
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d commands of the README, want every one (over 20)", checked)
	}
}

// checkSkjemaCommand asks the command for its help: it must exist and know
// every flag the README gives it.
func checkSkjemaCommand(t *testing.T, line string, args []string) {
	t.Helper()
	depth := 1
	switch args[0] {
	case "agency", "users", "registers", "forms":
		depth = 2
	}
	if len(args) < depth {
		t.Errorf("README: %q is not a whole command", line)
		return
	}
	path := args[:depth]
	switch strings.Join(path, " ") {
	case "version", "forms check":
		return // they take no flags; TestCommands runs both
	}
	var help bytes.Buffer
	if err := run(context.Background(), append(append([]string{}, path...), "-h"), &help, io.Discard); err != nil {
		t.Errorf("README: %q: skjema %s -h: %v", line, strings.Join(path, " "), err)
		return
	}
	for _, w := range args[depth:] {
		if flag, ok := strings.CutPrefix(w, "-"); ok && flag != "" && flag != "h" && !strings.Contains(help.String(), "-"+flag+" ") && !strings.Contains(help.String(), "-"+flag+"\n") {
			t.Errorf("README: %q: skjema %s has no flag -%s", line, strings.Join(path, " "), flag)
		}
	}
}

// hasFunc tells whether a Go file of dir declares func name.
func hasFunc(dir, name string) bool {
	files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	for _, f := range files {
		src, _ := os.ReadFile(f)
		if bytes.Contains(src, []byte("func "+name+"(")) {
			return true
		}
	}
	return false
}
