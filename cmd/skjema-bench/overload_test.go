package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOverloadIsAnsweredNotDropped is `skjema-bench overload` scaled down:
// the real server (built from this module, run as a child) with a small
// in-flight cap, twice its sustained submit rate for two seconds: some
// answers are 503, and every answer is a 201, 429 or 503, with no other
// status, connection error or timeout.
func TestOverloadIsAnsweredNotDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("a load run of a few seconds")
	}
	doc, err := os.ReadFile("../../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	server, cleanup, err := serverBinary(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	cfg := overloadConfig{Measure: time.Second, Duration: 2 * time.Second, Factor: 2, Addresses: 4, ConnsPerAddress: 30}
	serverArgs := []string{"-db", filepath.Join(t.TempDir(), "s.db"), "-max-inflight", "16", "-max-conns-per-addr", "64"}
	if !loopbackAliases() {
		cfg.Addresses, cfg.ConnsPerAddress = 1, 120
		serverArgs = append(serverArgs, "-max-conns-per-addr", "0")
	}
	c, err := startChild(ctx, server, nil, serverArgs...)
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	res, err := overload(ctx, c.url+"/api/v1/forms/bostotte/submissions", doc, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for status, lat := range res.byStatus {
		t.Logf("%d × %d", len(lat), status)
	}
	if err := res.failure(); err != nil {
		t.Fatal(err)
	}
	if len(res.byStatus[http.StatusCreated]) == 0 {
		t.Fatal("nothing was accepted")
	}
	// Twice what 16 requests in flight sustain cannot all fit: some must
	// be refused at once rather than queued.
	if len(res.byStatus[http.StatusServiceUnavailable]) == 0 {
		t.Fatal("nothing was shed")
	}
}
