package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // pg_stat_database for --pg-url
)

// serverCPU is the server's user+system CPU time so far (/proc/PID/stat), -1 when unknown.
func serverCPU(pid int) time.Duration {
	if pid == 0 {
		return -1
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name may hold spaces: fields count from the closing parenthesis.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// forceGC asks the server for a garbage collection through --gc-url (a /debug/pprof/heap?gc=1
// URL, if the server offers one), so the memory read next is live memory, not garbage.
func (l *Load) forceGC(ctx context.Context) bool {
	if l.o.GCURL == "" {
		return false
	}
	req, err := http.NewRequestWithContext(ctx, "GET", l.o.GCURL, nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		l.logf("--gc-url: %v", err)
		return false
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// rssKB is the process's resident memory (VmRSS) in kB, 0 when unknown.
func rssKB(pid int) int64 {
	return procField(pid, "status", "VmRSS:")
}

// writeBytes is what the process caused to be written to storage (/proc/PID/io), -1 when unknown.
func writeBytes(pid int) int64 {
	if pid == 0 {
		return -1
	}
	return procField(pid, "io", "write_bytes:")
}

func procField(pid int, file, key string) int64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, key) {
			f := strings.Fields(line[len(key):])
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return -1
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// processCPU is this process's user+system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func openPG(u string, l *Load) *sql.DB {
	if u == "" {
		return nil
	}
	db, err := sql.Open("pgx", u)
	if err != nil {
		l.logf("--pg-url: %v", err)
		return nil
	}
	db.SetMaxOpenConns(1)
	return db
}

// pgStats is the database's committed transactions (read-only ones included) and rows written so
// far (ok false without --pg-url). Backends report their counters about once a second; the reading
// waits that out. Each reading is itself one transaction.
type pgStats struct {
	commits, rows int64
	ok            bool
}

func readPG(ctx context.Context, db *sql.DB) pgStats {
	if db == nil {
		return pgStats{}
	}
	time.Sleep(1500 * time.Millisecond)
	var s pgStats
	err := db.QueryRowContext(ctx, `SELECT xact_commit, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database
		WHERE datname = current_database()`).Scan(&s.commits, &s.rows)
	s.ok = err == nil
	return s
}
