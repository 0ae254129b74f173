package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms/nid/nidtest"
)

// TestBackupUnderLoad takes a backup while citizens submit, restores it,
// and finds in it every application acknowledged before the backup began
// (issue #18 item 6).
func TestBackupUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load of submits: skipped with -short")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "skjema.db")
	t.Setenv("SKJEMA_DB", db)
	t.Setenv("SKJEMA_ADDR", "127.0.0.1:0")
	t.Setenv("SKJEMA_ANONYMOUS", "open")
	t.Setenv("SKJEMA_RATE_LIMIT", "0")
	m := &Main{Stdout: io.Discard, Stderr: io.Discard}
	if err := m.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	body, err := os.ReadFile("../../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var acked []string // references, in the order their receipts came
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", m.URL()+"/api/v1/forms/bostotte/submissions", bytes.NewReader(nidtest.WithApplicant(body, c*10000+i)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("backup-load-%d-%d-0123456789", c, i))
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					continue
				}
				var rc struct{ Reference string }
				json.NewDecoder(res.Body).Decode(&rc)
				res.Body.Close()
				if res.StatusCode == http.StatusCreated {
					mu.Lock()
					acked = append(acked, rc.Reference)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	backupFile := filepath.Join(dir, "backup.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", backupFile}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the load goes on after the backup
	close(stop)
	wg.Wait()
	if len(before) < 20 || !strings.Contains(out.String(), "backup written to "+backupFile) {
		t.Fatalf("%d acknowledged before the backup; it printed %q", len(before), out.String())
	}
	if err := run(context.Background(), []string{"backup", backupFile}, io.Discard, io.Discard); err == nil {
		t.Fatal("a backup over an existing file was written")
	}

	restored := enginetest.Open(t, backupFile).Store
	in := map[string]bool{}
	rows, err := restored.SQLDB().Query(`SELECT reference FROM applications WHERE reference IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ref string
		rows.Scan(&ref)
		in[ref] = true
	}
	rows.Close()
	for _, ref := range before {
		if !in[ref] {
			t.Fatalf("%s was acknowledged before the backup and is not in it (%d of %d acknowledged before are)", ref, len(in), len(before))
		}
	}
	t.Logf("%d acknowledged before the backup, all in it; %d in it in all; %d acknowledged by the end", len(before), len(in), len(acked))
}
