package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play the real server as a child process:
// with SKJEMA_TEST_CHILD set it runs `skjema` with the arguments it holds.
func TestMain(m *testing.M) {
	if args := os.Getenv("SKJEMA_TEST_CHILD"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := run(ctx, argv, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "skjema:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// node is a skjema serve child process.
type node struct {
	t    *testing.T
	args []string
	url  string
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the child has exited
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNode runs serve as a child on a fixed address, so it can be
// restarted on the same one, and waits until it answers.
func startNode(t *testing.T, dir string, extra ...string) *node {
	t.Helper()
	return startNodeAt(t, dir, freeAddr(t), extra...)
}

// startNodeAt runs serve as startNode does, on an address the test chose
// (one that had to be known before, as an OpenID client's callback).
func startNodeAt(t *testing.T, dir, addr string, extra ...string) *node {
	t.Helper()
	n := &node{t: t, url: "http://" + addr, log: filepath.Join(dir, "node-"+addr[len("127.0.0.1:"):]+".log"),
		args: append([]string{"serve", "-addr", addr}, extra...)}
	n.start()
	t.Cleanup(func() { n.kill() })
	return n
}

func (n *node) start() {
	n.t.Helper()
	argv, _ := json.Marshal(n.args)
	logf, err := os.OpenFile(n.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.t.Fatal(err)
	}
	n.cmd = exec.Command(os.Args[0], "-test.run=^$")
	// The crash tests submit as the load does, without sign-in.
	n.cmd.Env = append(os.Environ(), "SKJEMA_TEST_CHILD="+string(argv), "SKJEMA_ANONYMOUS=open")
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func() { n.cmd.Wait(); logf.Close(); close(n.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(n.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(n.log)
			n.t.Fatalf("node did not come up: %v\n%s", err, log)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// kill ends the child at once, as a power cut or the OOM killer would.
func (n *node) kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		<-n.done
	}
}

// stop asks the child to shut down gracefully and waits for it.
func (n *node) stop(limit time.Duration) error {
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
		if !n.cmd.ProcessState.Success() {
			return fmt.Errorf("exited with %v", n.cmd.ProcessState)
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("still running %s after SIGTERM", limit)
	}
}
