package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/skjema/skjema/forms/nid/nidtest"
)

// benchOverload is `skjema-bench overload`: it starts the real server (a
// child process, SQLite in a temporary directory, default limits but
// -rate-limit 0), measures the submit rate it sustains, then offers a
// multiple of that rate open-loop (each request sent at its scheduled time,
// latency counted from then) and counts the answers. Overload must be shed,
// not dropped: every answer is 201, 429 or 503; any other status, a
// connection error or a timeout makes it fail.
func benchOverload(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("skjema-bench overload", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory for the database and the server's log (default: a new temporary directory)")
	measure := fs.Duration("measure", 3*time.Second, "how long to measure the sustained rate, with 64 clients in a closed loop")
	duration := fs.Duration("duration", 10*time.Second, "how long to offer the overload")
	factor := fs.Float64("factor", 2, "the overload as a multiple of the sustained rate")
	body := fs.String("application", benchExample, "the application each request submits")
	serveFlags := fs.String("serve", "", "more flags for the server, e.g. \"-max-inflight 0\" to see overload without shedding")
	skjemaPath := fs.String(skjemaFlag, "", skjemaUsage)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	doc, server, cleanup, err := prepare(ctx, *body, dir, "skjema-overload-", *skjemaPath)
	if err != nil {
		return err
	}
	defer cleanup()
	logFile, err := os.Create(filepath.Join(*dir, "server.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	cfg := overloadConfig{Measure: *measure, Duration: *duration, Factor: *factor, Addresses: 32, ConnsPerAddress: 60}
	serverArgs := []string{"-db", filepath.Join(*dir, "skjema.db"), "-log-level", "warn"}
	if !loopbackAliases() {
		// One client address could not open more connections than the
		// per-address cap, and the in-flight cap would never be reached.
		fmt.Fprintln(stderr, "only 127.0.0.1 can be used here: the server runs with -max-conns-per-addr 0")
		cfg.Addresses, cfg.ConnsPerAddress = 1, 2000
		serverArgs = append(serverArgs, "-max-conns-per-addr", "0")
	}
	c, err := startChild(ctx, server, logFile, append(serverArgs, strings.Fields(*serveFlags)...)...)
	if err != nil {
		return err
	}
	defer c.stop()
	res, err := overload(ctx, c.url+"/api/v1/forms/"+benchForm+"/submissions", doc, cfg)
	if err != nil {
		return err
	}
	_, peak := c.memory()
	res.print(stdout)
	fmt.Fprintf(stdout, "server peak RSS %.0f MiB; server log in %s\n", peak, logFile.Name())
	return res.failure()
}

// overloadConfig says how hard and how long overload pushes.
type overloadConfig struct {
	Measure  time.Duration // closed-loop measurement of the sustained rate
	Duration time.Duration // the open-loop overload
	Factor   float64       // offered rate = Factor × sustained rate
	// The load comes from Addresses loopback addresses, each with at most
	// ConnsPerAddress connections: many clients, each under the server's
	// per-address cap. With one address it is 127.0.0.1; with more,
	// 127.0.0.2 onwards, apart from the measurement's connections.
	Addresses, ConnsPerAddress int
}

// overloadResult is what overload saw.
type overloadResult struct {
	sustained, offered float64
	duration           time.Duration           // of the offer
	lastAnswer         time.Duration           // after the offer began
	byStatus           map[int][]time.Duration // latencies by status
	failures           map[string]int          // connection errors, timeouts, …
}

// overload measures the sustained rate at url, then offers cfg.Factor times
// that rate open-loop for cfg.Duration.
func overload(ctx context.Context, url string, doc []byte, cfg overloadConfig) (overloadResult, error) {
	measuring := time.Now()
	sustained := hammer(ctx, url, doc, 64, func() bool { return time.Since(measuring) < cfg.Measure })
	if sustained.ok == 0 {
		return overloadResult{}, fmt.Errorf("no submit succeeded while measuring the sustained rate (%d failed)", sustained.failed)
	}
	res := overloadResult{sustained: sustained.rate, offered: cfg.Factor * sustained.rate, duration: cfg.Duration,
		byStatus: map[int][]time.Duration{}, failures: map[string]int{}}
	clients := loopbackClients(cfg.Addresses, cfg.ConnsPerAddress)
	defer func() {
		for _, c := range clients {
			c.CloseIdleConnections()
		}
	}()

	var mu sync.Mutex
	var start time.Time
	record := func(status int, failure string, latency time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		res.lastAnswer = max(res.lastAnswer, time.Since(start))
		if failure != "" {
			res.failures[failure]++
			return
		}
		res.byStatus[status] = append(res.byStatus[status], latency)
	}
	// The client never holds more than this many requests at once: a
	// server that stops answering fails the run instead of exhausting the
	// load generator.
	const maxOutstanding = 20000
	var outstanding atomic.Int64
	var wg sync.WaitGroup
	var seq atomic.Int64
	interval := time.Duration(float64(time.Second) / res.offered)
	total := int(cfg.Duration / interval)
	start = time.Now()
	for i := 0; i < total && ctx.Err() == nil; {
		now := time.Now()
		for ; i < total && start.Add(time.Duration(i)*interval).Before(now); i++ {
			scheduled := start.Add(time.Duration(i) * interval)
			if outstanding.Add(1) > maxOutstanding {
				outstanding.Add(-1)
				record(0, "dropped: too many outstanding at the client", 0)
				continue
			}
			wg.Add(1)
			go func(client *http.Client) {
				defer wg.Done()
				defer outstanding.Add(-1)
				n := seq.Add(1)
				req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(nidtest.WithApplicant(doc, int(n))))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("overload-key-%012d", n))
				r, err := client.Do(req)
				if err != nil {
					record(0, clientError(err), 0)
					return
				}
				io.Copy(io.Discard, r.Body)
				r.Body.Close()
				record(r.StatusCode, "", time.Since(scheduled))
			}(clients[i%len(clients)])
		}
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	return res, nil
}

// clientError names the kind of a failed request, without the addresses
// and ports that make every message different.
func clientError(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before an answer"
	}
	return "connection error"
}

// loopbackClients makes one HTTP client per loopback address, each keeping
// at most perAddress connections (idle ones kept, so that none is reopened).
func loopbackClients(addresses, perAddress int) []*http.Client {
	var out []*http.Client
	for i := range addresses {
		ip := net.IPv4(127, 0, 0, byte(2+i))
		if addresses == 1 {
			ip = net.IPv4(127, 0, 0, 1)
		}
		dialer := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: ip}}
		out = append(out, &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			MaxConnsPerHost:     perAddress,
			MaxIdleConnsPerHost: perAddress,
		}})
	}
	return out
}

// loopbackAliases is whether this machine routes 127.0.0.2 to itself (Linux
// does all of 127.0.0.0/8).
func loopbackAliases() bool {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return false
	}
	defer ln.Close()
	d := net.Dialer{Timeout: time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// shedStatuses are the answers an overloaded server may give.
var shedStatuses = []int{http.StatusCreated, http.StatusTooManyRequests, http.StatusServiceUnavailable}

// failure is nil when every request got 201, 429 or 503.
func (r overloadResult) failure() error {
	var bad []string
	for status, lat := range r.byStatus {
		if !slices.Contains(shedStatuses, status) {
			bad = append(bad, fmt.Sprintf("%d × %d", len(lat), status))
		}
	}
	for what, n := range r.failures {
		bad = append(bad, fmt.Sprintf("%d × %s", n, what))
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("overload was not all shed: %v", bad)
	}
	return nil
}

func (r overloadResult) print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	n := 0
	var all []time.Duration
	var statuses []int
	for status, lat := range r.byStatus {
		n += len(lat)
		all = append(all, lat...)
		statuses = append(statuses, status)
	}
	for _, f := range r.failures {
		n += f
	}
	sort.Ints(statuses)
	fmt.Fprintf(tw, "sustained (64 clients, closed loop)\t%.0f /s\t\t\n", r.sustained)
	fmt.Fprintf(tw, "offered (open loop, %s)\t%.0f /s\t%d requests\t\n", r.duration, r.offered, n)
	fmt.Fprintf(tw, "answer\tcount\tp50\tp99\n")
	for _, s := range statuses {
		p50, p99 := percentiles(r.byStatus[s])
		fmt.Fprintf(tw, "%d\t%d\t%s\t%s\n", s, len(r.byStatus[s]), p50, p99)
	}
	for what, count := range r.failures {
		fmt.Fprintf(tw, "%s\t%d\t\t\n", what, count)
	}
	p50, p99 := percentiles(all)
	fmt.Fprintf(tw, "all answers\t%d\t%s\t%s\n", len(all), p50, p99)
	if ok := len(r.byStatus[http.StatusCreated]); ok > 0 {
		fmt.Fprintf(tw, "201 per second, until the last answer (%s)\t%.0f /s\t\t\n", r.lastAnswer.Round(time.Millisecond), float64(ok)/r.lastAnswer.Seconds())
	}
	tw.Flush()
}
