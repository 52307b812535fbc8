package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// migrationLockID is the PostgreSQL advisory lock taken while migrating, so nodes that start
// together apply each migration once.
const migrationLockID = 0x7061726c6579 // "parley"

// MigrationFS returns the migrations of engine e.
func MigrationFS(e Engine) fs.FS {
	sub, err := fs.Sub(migrations, "migrations/"+string(e))
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// Migrate applies pending migrations, each in its own transaction. It returns the version reached.
func (db *DB) Migrate(ctx context.Context) (int64, error) {
	p, err := db.migrationProvider()
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrate %s: %w", db.where, err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// MigrateTo applies pending migrations up to and including version (to build a database as an
// earlier version of Parley left it, in tests of later migrations).
func (db *DB) MigrateTo(ctx context.Context, version int64) (int64, error) {
	p, err := db.migrationProvider()
	if err != nil {
		return 0, err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return 0, fmt.Errorf("migrate %s to %d: %w", db.where, version, err)
	}
	return p.GetDBVersion(ctx)
}

// MigrationStatus reports the current and latest schema versions.
func (db *DB) MigrationStatus(ctx context.Context) (current, latest int64, err error) {
	p, err := db.migrationProvider()
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

func (db *DB) migrationProvider() (*goose.Provider, error) {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if db.Engine == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.write, MigrationFS(db.Engine), opts...)
}
