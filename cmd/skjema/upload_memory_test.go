package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/skjema/skjema/engine"
)

// TestUploadMemoryIsBounded: 40 concurrent 10 MiB uploads keep the server's
// peak resident memory under 250 MiB, because uploads stream to the store a
// chunk at a time within a global memory budget (security review V4: it
// peaked at 850 MiB when each upload was read whole).
func TestUploadMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("an upload load test; skipped with -short")
	}
	dir := t.TempDir()
	n := startNode(t, dir, "-db", dir+"/skjema.db", "-rate-limit", "0", "-drafts-per-hour", "0", "-upload-mb-per-hour", "0")

	const uploads = 40
	content := make([]byte, engine.MaxFileSize)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range content {
		content[i] = byte(rng.Uint32())
	}
	copy(content, "%PDF-1.4\n")
	type draft struct{ ID, Token string }
	drafts := make([]draft, uploads)
	for i := range drafts {
		res, err := http.Post(n.url+"/api/v1/drafts", "application/json", strings.NewReader(`{"form":"bostotte","kommune":"0301"}`))
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(res.Body).Decode(&drafts[i])
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Fatalf("draft %d: %d", i, res.StatusCode)
		}
	}
	before := peakRSS(t, n.cmd.Process.Pid)
	var wg sync.WaitGroup
	statuses := make([]int, uploads)
	for i, d := range drafts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var head bytes.Buffer
			mw := multipart.NewWriter(&head)
			mw.CreateFormFile("file", "kontrakt.pdf")
			headLen := head.Len()
			mw.Close()
			tail := append([]byte{}, head.Bytes()[headLen:]...)
			body := io.MultiReader(bytes.NewReader(head.Bytes()[:headLen]), bytes.NewReader(content), bytes.NewReader(tail))
			req, _ := http.NewRequest("POST", n.url+"/api/v1/drafts/"+d.ID+"/files?attachment=lease", body)
			req.Header.Set("Authorization", "Bearer "+d.Token)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			// Ten client addresses, four uploads each: what one address may
			// send at once.
			client := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
				LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%10))}}).DialContext}}
			res, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 201 {
			t.Fatalf("upload %d answered %d", i, s)
		}
	}
	peak := peakRSS(t, n.cmd.Process.Pid)
	t.Logf("peak RSS %d MiB before the uploads, %d MiB after %d concurrent uploads of 10 MiB", before>>20, peak>>20, uploads)
	if peak > 250<<20 {
		t.Fatalf("peak RSS %d MiB, want under 250 MiB", peak>>20)
	}
}

// peakRSS is a process's peak resident set size (VmHWM), in bytes.
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc to read memory from: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}
