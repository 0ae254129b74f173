package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// child is `skjema serve` run by the benchmark as a process of its own, so
// its memory can be read apart from the load generator's.
type child struct {
	cmd *exec.Cmd
	url string
}

// startChild runs `skjema serve` (server is the skjema binary) with the args,
// its log going to logTo (nil discards it).
func startChild(ctx context.Context, server string, logTo io.Writer, args ...string) (*child, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	c := &child{url: "http://" + addr}
	c.cmd = exec.CommandContext(ctx, server, append([]string{"serve", "-addr", addr, "-rate-limit", "0", "-log-level", "error"}, args...)...)
	// The load submits without sign-in (binaries from before sign-in
	// ignore the variable).
	c.cmd.Env = append(os.Environ(), "SKJEMA_ANONYMOUS=open")
	c.cmd.Stderr = logTo
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if res, err := http.Get(c.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return c, nil
			}
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("the server did not come up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memory reads the child's resident set now and its peak, in MiB.
func (c *child) memory() (rss, peak float64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

// cpu is the CPU time, user and system, the child has used so far (read
// at the kernel's clock tick of 1/100 s, the usual USER_HZ).
func (c *child) cpu() time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command's name, which is in parentheses and may
	// hold spaces: utime and stime are the 12th and 13th of them.
	rest := string(data[strings.LastIndexByte(string(data), ')')+1:])
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func (c *child) stop() {
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
	}
}

// postgresSchema makes a fresh schema for a bench run and answers a URL
// that uses it, and a function that drops it.
func postgresSchema(ctx context.Context, base string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	rand.Read(b)
	schema := "bench_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	}
	return u.String(), drop, nil
}

// rawCommitsPostgres is PostgreSQL's baseline: one connection, one small
// row, one durable commit (synchronous_commit as the server has it).
func rawCommitsPostgres(ctx context.Context, dsn string, d time.Duration) (measurement, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return measurement{}, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE raw_commits (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)`); err != nil {
		return measurement{}, err
	}
	var lat []time.Duration
	start := time.Now()
	for time.Since(start) < d && ctx.Err() == nil {
		t0 := time.Now()
		tx, err := conn.Begin(ctx)
		if err != nil {
			return measurement{}, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO raw_commits (body) VALUES ($1)`, "a row the size of a small audit event"); err != nil {
			return measurement{}, err
		}
		if err := tx.Commit(ctx); err != nil {
			return measurement{}, err
		}
		lat = append(lat, time.Since(t0))
	}
	m := measurement{rate: float64(len(lat)) / time.Since(start).Seconds(), ok: int64(len(lat))}
	m.p50, m.p99 = percentiles(lat)
	return m, nil
}
