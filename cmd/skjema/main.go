// Command skjema serves digital application forms and carries completed
// applications to the agency that decides them.
//
//	skjema serve            HTTP server and River workers in one process
//	skjema migrate          apply the database and River migrations, then exit
//	skjema forms check DIR  load and check form definitions in DIR
//	skjema agency add NAME  make an agency's API key (printed once)
//	skjema users add EMAIL  add a caseworker or an admin
//	skjema users list       list the accounts
//	skjema registers import kommuner|postnummer|malform FILE
//	skjema registers status
//	skjema version          print the version
//
// The benchmark is a command of its own, cmd/skjema-bench, so that this
// binary carries no benchmark code.
//
// Configuration comes from flags, each of which may be given as an
// environment variable instead (SKJEMA_ADDR, SKJEMA_DB, ...); `skjema serve
// -h` lists them. ff (github.com/peterbourgon/ff/v4) parses both.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "skjema:", err)
		os.Exit(1)
	}
}

const usage = `usage: skjema <command> [flags]

commands:
  serve            run the HTTP server and the background workers
  migrate          apply database migrations and exit
  forms check DIR  load and check the form definitions in DIR
  agency add NAME  make an API key for an agency to pull batches (printed once);
                   -rotate [-overlap 24h] makes a new one while the old works on
  agency list      the agencies' keys and their state (never a key)
  agency revoke NAME
                   stop an agency's keys at once
  users add EMAIL  add a caseworker (-name, -kommuner) or an admin (-admin); the password
                   comes from SKJEMA_PASSWORD or is made and printed once
  users list       every account: e-mail, name, kommuner, role, state and how she signs in
  registers import kommuner|postnummer|malform FILE
                   check a register file and install it for serve: kommuner as SSB's
                   KLASS 131 (JSON or CSV) or a kommune list (JSON); postnummer as
                   Bring's register; malform as a kommune list with k_language
  registers status what the registers directory holds, as serve loads it
  backup FILE      write a consistent copy of the SQLite database to FILE, while it is served
  version          print the version, the commit and the Go it was built with
`

// run runs the command args name. Help asked for with -h is not an error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := runCommand(ctx, args, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		m := &Main{Stdout: stdout, Stderr: stderr}
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		if err := m.Run(ctx); err != nil {
			return err
		}
		<-ctx.Done()
		return m.Close()
	case "migrate":
		m := &Main{Stdout: stdout, Stderr: stderr, command: "migrate"}
		if err := m.ParseFlags(args[1:]); err != nil {
			return err
		}
		return m.Migrate(ctx)
	case "forms":
		if len(args) != 3 || args[1] != "check" {
			return fmt.Errorf("usage: skjema forms check DIR")
		}
		return formsCheck(args[2], stdout)
	case "agency":
		return agencyCommand(ctx, args[1:], &Main{Stdout: stdout, Stderr: stderr, LogLevel: "warn"})
	case "users":
		return usersCommand(ctx, args[1:], &Main{Stdout: stdout, Stderr: stderr, LogLevel: "warn"})
	case "registers":
		return registersCommand(args[1:], stdout)
	case "backup":
		return backup(ctx, args[1:], &Main{Stdout: stdout, Stderr: stderr, LogLevel: "warn"})
	case "version":
		fmt.Fprintln(stdout, versionLine())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
