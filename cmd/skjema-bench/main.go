// Command skjema-bench measures the skjema server from outside, as its own
// program, so that the server binary carries no benchmark code.
//
//	skjema-bench            durable submits/s over HTTP next to raw SQLite commits
//	skjema-bench overload   twice the sustained submit rate, answered 201, 429 or 503 only
//
// Run it from the repository's root (go run ./cmd/skjema-bench). It measures
// the real `skjema serve`, started as a child process: the binary -skjema
// names, or one it builds from this module with `go build` first. The
// figures and how to read them are in BENCHMARKS.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/peterbourgon/ff/v4"
	"github.com/peterbourgon/ff/v4/ffhelp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "skjema-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "overload" {
		return benchOverload(ctx, args[1:], stdout, stderr)
	}
	return bench(ctx, args, stdout, stderr)
}

// parseFlags parses args into fs with ff, as skjema parses its own, so a
// malformed value or an unknown flag is an error naming it. -h writes the
// flags to help and answers flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string, help io.Writer, options ...ff.Option) error {
	flags := ff.NewFlagSetFrom(fs.Name(), fs)
	err := ff.Parse(flags, args, options...)
	if errors.Is(err, ff.ErrHelp) {
		ffhelp.Flags(flags).WriteTo(help)
	}
	return err
}

// skjemaFlag is the flag both measures take for the server they run.
const skjemaFlag = "skjema"

const skjemaUsage = "the skjema binary to measure (default: built from this module with go build)"

// serverBinary answers the skjema binary to run: path, or else one built
// from the module the current directory is in, into a new temporary
// directory that cleanup removes.
func serverBinary(ctx context.Context, path string) (binary string, cleanup func(), err error) {
	if path != "" {
		return path, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "skjema-bench-server-")
	if err != nil {
		return "", nil, err
	}
	binary = filepath.Join(dir, "skjema")
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, "github.com/skjema/skjema/cmd/skjema")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build the server (run from the repository, or give -%s): %w\n%s", skjemaFlag, err, out)
	}
	return binary, func() { os.RemoveAll(dir) }, nil
}
