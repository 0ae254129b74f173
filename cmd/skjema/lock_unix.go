//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDatabase takes an exclusive flock on the SQLite file for as long as
// serve runs, so that a second serve on the same file is refused at start:
// two would each seal and push the same batches. SQLite's own locks are
// POSIX record locks, which flock does not touch on Linux, so commands that
// open the file beside a running serve (backup, migrate, agency, users) work
// as before. The kernel lets go of the lock when the process dies. (On NFS,
// Linux emulates flock with POSIX locks, which would then clash with
// SQLite's: keep the SQLite file on a local disk, as SQLite itself asks.)
func lockDatabase(path string) (unlock func(), err error) {
	if path == "" || path == ":memory:" {
		return func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the database %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another skjema serve is running on %s; one SQLite file takes one server (several nodes need PostgreSQL)", path)
		}
		return nil, fmt.Errorf("lock the database %s: %w", path, err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
