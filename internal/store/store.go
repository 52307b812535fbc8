// Package store opens Parley's database — an embedded SQLite file or PostgreSQL — applies its
// migrations and holds the queries domain packages need. SQL is written once, in the subset both
// engines accept, with $N placeholders; only what truly differs lives in per-engine branches.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlitelib "modernc.org/sqlite/lib"

	"github.com/parleyhq/parley/internal/secret"
)

// Engine names the database engine behind a DB.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Options says which database to open.
type Options struct {
	// URL is a postgres:// (or postgresql://) URL; empty means SQLite in DataDir.
	URL string
	// DataDir holds the SQLite file and its lock file. Created if missing.
	DataDir string
	Logger  *slog.Logger
	// Secrets seals the secrets stored in the database (secrets.go). Without it, writing a secret
	// fails, and so does reading one that is sealed.
	Secrets *secret.Keyring
}

// DB is an open database. On SQLite it keeps one writer connection (transactions begin IMMEDIATE,
// so writers queue instead of failing on lock upgrades) and a pool of query-only readers; on
// PostgreSQL both are one pool.
type DB struct {
	Engine Engine
	write  *sql.DB
	read   *pool
	lock   *os.File
	closed sync.Once
	path   string // SQLite file path, for backup
	where  string // printable location, password removed
	log    *slog.Logger
	group  *group // SQLite: runs InTx calls in batches, one transaction each (group.go)
	// PostgreSQL: runs AppendToOpen calls in batches, one round trip and commit each (pgbatch.go)
	appends *pgBatcher
	// keys seals and opens the secrets stored in the database (secrets.go); nil: none may be written
	keys *secret.Keyring
}

// Querier is what both *sql.DB and *sql.Tx offer; read helpers accept either.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open opens the database, checks it answers, and returns it. Migrations are applied separately
// by Migrate so that `parley migrate` and `parley serve` share them.
func Open(ctx context.Context, opt Options) (*DB, error) {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var db *DB
	var err error
	if opt.URL != "" {
		db, err = openPostgres(ctx, opt.URL, log)
	} else {
		db, err = openSQLite(ctx, opt.DataDir, log)
	}
	if err != nil {
		return nil, err
	}
	db.keys = opt.Secrets
	return db, nil
}

func openPostgres(ctx context.Context, rawURL string, log *slog.Logger) (*DB, error) {
	if !strings.HasPrefix(rawURL, "postgres://") && !strings.HasPrefix(rawURL, "postgresql://") {
		return nil, fmt.Errorf("database URL must start with postgres:// (got %q)", Redact(rawURL))
	}
	where := Redact(rawURL)
	pg, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL at %s: %w", where, err)
	}
	// Every connection may stay idle (and closes after 5 idle minutes): with fewer idle ones than
	// open ones, a busy server closed connections after each use and opened new ones, and each new
	// one costs PostgreSQL a backend process and pgx its prepared statements.
	pg.SetMaxOpenConns(32)
	pg.SetMaxIdleConns(32)
	pg.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pg.PingContext(pctx); err != nil {
		pg.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %s", where, shortPgError(err))
	}
	return &DB{Engine: Postgres, write: pg, read: &pool{DB: pg}, where: where, log: log, appends: &pgBatcher{db: pg}}, nil
}

// shortPgError keeps the one useful line of a connection error.
func shortPgError(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "failed to connect") {
		return msg[i+2:]
	}
	return msg
}

func openSQLite(ctx context.Context, dir string, log *slog.Logger) (*DB, error) {
	if dir == "" {
		dir = "parley-data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", dir, err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "parley.db")
	common := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
	write, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_txlock=immediate")
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	// The writer must exist (and have switched the file to WAL) before readers open it.
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		lock.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_query_only=1")
	if err != nil {
		write.Close()
		lock.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	return &DB{Engine: SQLite, write: write, read: &pool{DB: read, cache: newStmtCache(read)}, lock: lock, path: path, where: path,
		log: log, group: newGroup(write)}, nil
}

// lockDir takes an exclusive lock on DIR/parley.lock so two processes never share one SQLite file.
// The lock goes with the process, so a crash leaves nothing to clean up.
func lockDir(dir string) (*os.File, error) {
	name := filepath.Join(dir, "parley.lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("data directory %s is in use by another parley process (lock file %s is held); stop that process or choose another --data", dir, name)
		}
		return nil, fmt.Errorf("lock %s: %w", name, err)
	}
	_ = f.Truncate(0)
	_, _ = fmt.Fprintf(f, "%d\n", os.Getpid())
	return f, nil
}

// Where tells where the data lives, without secrets, for logs and messages.
func (db *DB) Where() string { return db.where }

// Reader is the pool for queries that change nothing.
func (db *DB) Reader() *sql.DB { return db.read.DB }

// Writer is the pool (on SQLite: the single connection) that writes. Prefer Tx.
func (db *DB) Writer() *sql.DB { return db.write }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Now returns the database's clock in unix milliseconds. Timers use it rather than the node's clock
// so that nodes with skewed clocks agree on when a job is due.
func (db *DB) Now(ctx context.Context) (int64, error) {
	if db.Engine == SQLite {
		// Same machine, same process: the database's clock is ours.
		return time.Now().UnixMilli(), nil
	}
	var ms int64
	err := db.read.QueryRowContext(ctx, "SELECT floor(extract(epoch from clock_timestamp()) * 1000)::bigint").Scan(&ms)
	return ms, err
}

// Close closes the pools and releases the data directory lock. Closing again does nothing. On
// SQLite it first lets the running batch of InTx calls finish; calls still waiting fail.
func (db *DB) Close() error {
	var errs []error
	db.closed.Do(func() {
		if db.group != nil {
			db.group.stop()
		}
		db.read.cache.close()
		errs = append(errs, db.write.Close())
		if db.read.DB != db.write {
			errs = append(errs, db.read.Close())
		}
		if db.lock != nil {
			errs = append(errs, db.lock.Close())
		}
	})
	return errors.Join(errs...)
}

// Tx is a write transaction. Functions registered with AfterCommit run once it has committed, so
// events are published and runners woken only for changes that exist.
type Tx struct {
	*sql.Tx
	Engine      Engine
	afterCommit []func()
	shared      bool     // one member of a group-committed SQLite transaction (group.go)
	stmts       *txStmts // SQLite: the writer's prepared statements, bound to this transaction
	// positionsLocked: on PostgreSQL, the transaction holds the event position counter's lock
	// (events.go).
	positionsLocked bool
	grp             *group // SQLite: the group whose batch this is (positions come from its memory)
}

// AfterCommit registers fn to run after a successful commit.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// InTx runs fn in a write transaction, committing when it returns nil and rolling back otherwise.
// The isolation level is each engine's default (READ COMMITTED on PostgreSQL; SQLite's single
// writer is serialisable): code such as the jobs queue's insert-then-select relies on that.
//
// On SQLite, calls that wait while a transaction runs share the next one, each fn in a savepoint
// of its own (group.go): fns still run one at a time, each sees all earlier writes, a failing fn
// undoes only its own, and InTx returns once the shared transaction committed. Within fn, a
// statement started with tx's ExecContext, QueryContext or QueryRowContext runs to its end even if
// ctx ends meanwhile (the next one then fails with ctx.Err()).
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	if db.group != nil {
		return db.group.inTx(ctx, fn)
	}
	stx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: stx, Engine: db.Engine}
	defer func() {
		if p := recover(); p != nil {
			_ = stx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation, on either engine.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlitelib.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlitelib.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return false
}

// IsForeignKeyViolation reports whether err is a foreign-key violation, on either engine.
func IsForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlitelib.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	return false
}

// Redact removes the password from a database or NATS URL for display.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Backup writes a consistent copy of a SQLite database to dest while Parley keeps running.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if db.Engine != SQLite {
		return errors.New("backup of PostgreSQL is done with pg_dump, e.g. pg_dump --format=custom --file=parley.dump \"$DATABASE_URL\"")
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("%s already exists; choose a new file name", dest)
	}
	// VACUUM INTO reads one snapshot, so the copy is consistent while writers go on. It needs a
	// connection that is not query-only, and using the writer would hold up writes meanwhile.
	conn, err := sql.Open("sqlite", "file:"+db.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "VACUUM INTO "+sqlString(abs)); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}

func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// BackupFile copies the SQLite database in dataDir to dest without taking the data directory's
// lock, so it works while a server runs on it.
func BackupFile(ctx context.Context, dataDir, dest string) error {
	path := filepath.Join(dataDir, "parley.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no Parley database at %s: %w", path, err)
	}
	db := &DB{Engine: SQLite, path: path}
	return db.Backup(ctx, dest)
}

// InstallationID returns this installation's random id, creating it on first use. Every node of
// one database gets the same id.
func (db *DB) InstallationID(ctx context.Context) (string, error) {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO installation (singleton, id, created_at) VALUES (1, $1, $2) ON CONFLICT (singleton) DO NOTHING",
			hex.EncodeToString(b), time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("installation id: %w", err)
	}
	var id string
	if err := db.write.QueryRowContext(ctx, "SELECT id FROM installation WHERE singleton = 1").Scan(&id); err != nil {
		return "", fmt.Errorf("installation id: %w", err)
	}
	return id, nil
}
