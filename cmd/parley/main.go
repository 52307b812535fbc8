// Command parley is the whole of Parley in one binary: the server, its migrations, user
// management from the shell, backups and the version.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/search"
	"github.com/parleyhq/parley/internal/store"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

const mainUsage = `Parley: website live chat, chatbot lead capture and a shared inbox, in one binary.

Usage:
  parley serve [flags]          run the server (HTTP API, widget, inbox, jobs)
  parley migrate [flags]        apply database migrations and exit
  parley user create [flags]    create a user (owner, admin or agent)
  parley user set-password      set a user's password and sign them out everywhere
  parley backup --out FILE      copy the SQLite database while Parley runs
  parley reindex [flags]        build the search index again from the messages and records
  parley secrets new-key        print a new key for --secret-key
  parley secrets rotate         seal every stored secret again with the current --secret-key
  parley version                print the version

Run "parley COMMAND --help" for a command's flags. Every flag can also be set with an environment
variable: --base-url is PARLEY_BASE_URL, and so on.

Quick start:
  parley serve --demo           SQLite in ./parley-data, demo data, prints the URLs to open
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// errUsage marks an error already explained by a usage message.
var errUsage = errors.New("usage")

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr, getenv)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], stdout, stderr, getenv)
	case "user":
		err = cmdUser(ctx, args[1:], stdin, stdout, stderr, getenv)
	case "backup":
		err = cmdBackup(ctx, args[1:], stdout, stderr, getenv)
	case "reindex":
		err = cmdReindex(ctx, args[1:], stdout, stderr, getenv)
	case "secrets":
		err = cmdSecrets(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "parley", versionString())
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, mainUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "parley: unknown command %q\n\n%s", args[0], mainUsage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "parley: %v\n", err)
	return 1
}

func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		v += " " + bi.GoVersion
	}
	return v
}

// newFlags makes a flag set whose errors are returned, not printed-and-exited.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	err := parseFlags(fs, args, getenv)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(fs.Output(), "parley: %v\n", err)
		fs.Usage()
		return errUsage
	}
	return err
}

func openStore(ctx context.Context, c *Config, stderr io.Writer) (*store.DB, error) {
	return store.Open(ctx, store.Options{URL: c.Database, DataDir: c.DataDir, Logger: c.logger(stderr)})
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c Config
	fs := newFlags("migrate", stderr)
	storageFlags(fs, &c)
	fs.Usage = usageWithEnv(fs, stderr, "parley migrate [--data DIR | --database URL]")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	db, err := openStore(ctx, &c, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "database %s is at schema version %d\n", db.Where(), v)
	return nil
}

// cmdReindex builds the search index again: every contact and record, then every message. On
// SQLite the server must be stopped (it holds the data folder); on PostgreSQL it may run, and
// what is written meanwhile is indexed by the server as usual.
func cmdReindex(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c Config
	fs := newFlags("reindex", stderr)
	storageFlags(fs, &c)
	fs.Usage = usageWithEnv(fs, stderr, "parley reindex [--data DIR | --database URL]")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	db, err := openStore(ctx, &c, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	started := time.Now()
	last := time.Now()
	err = search.New(db, nil, c.logger(stderr)).Reindex(ctx, func(n int) {
		if time.Since(last) > 5*time.Second {
			fmt.Fprintf(stdout, "%d messages…\n", n)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "search index of %s rebuilt in %s\n", db.Where(), time.Since(started).Round(time.Millisecond))
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var c Config
	var out string
	fs := newFlags("backup", stderr)
	storageFlags(fs, &c)
	fs.StringVar(&out, "out", "", "file to write the copy to (must not exist)")
	fs.Usage = usageWithEnv(fs, stderr, "parley backup --out FILE [--data DIR]")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if c.Database != "" {
		return errors.New("parley backup copies the embedded SQLite database; for PostgreSQL use pg_dump, e.g.\n  pg_dump --format=custom --file=parley.dump \"$PARLEY_DATABASE\"\nand restore with pg_restore --dbname=URL parley.dump")
	}
	if out == "" {
		fmt.Fprintln(stderr, "parley: --out FILE is required")
		fs.Usage()
		return errUsage
	}
	// The running server holds the data directory's lock, so the backup reads the file directly
	// rather than through store.Open; SQLite's own locking keeps the copy consistent.
	if err := store.BackupFile(ctx, c.DataDir, out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", out)
	if key := filepath.Join(c.DataDir, keyFileName); fileExists(key) {
		fmt.Fprintf(stdout, "the secret key %s is not in the copy: keep it too, apart from the copy\n", key)
	}
	return nil
}

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	const usage = "Usage:\n  parley user create --email E --name N --role owner|admin|agent [--password P | password on standard input]\n  parley user set-password --email E [--password P | password on standard input]\n"
	if len(args) == 0 || (args[0] != "create" && args[0] != "set-password") {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	var c Config
	var in auth.NewUser
	var role string
	fs := newFlags("user "+args[0], stderr)
	storageFlags(fs, &c)
	fs.StringVar(&in.Email, "email", "", "the user's email (their sign-in)")
	fs.StringVar(&in.Password, "password", "", "the password; omit it (or give -) to read it from standard input")
	if args[0] == "create" {
		fs.StringVar(&in.Name, "name", "", "the user's display name")
		fs.StringVar(&role, "role", "agent", "owner, admin or agent")
		fs.StringVar(&in.TimeZone, "time-zone", "UTC", "IANA time zone, e.g. Europe/Amsterdam")
	}
	fs.Usage = usageWithEnv(fs, stderr, "parley user "+args[0]+" [flags]")
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	in.Role = auth.Role(role)
	if in.Password == "" || in.Password == "-" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password given: pass --password or write it on standard input")
		}
		in.Password = strings.TrimRight(line, "\r\n")
	}
	db, err := openStore(ctx, &c, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	accounts := auth.NewService(db, auth.Options{Hasher: auth.NewHasher(auth.DefaultHashParams, 1)})
	if args[0] == "set-password" {
		u, err := accounts.ResetPassword(ctx, in.Email, in.Password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "password of %s changed; their sessions were ended\n", u.Email)
		return nil
	}
	u, err := accounts.CreateUser(ctx, nil, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s (id %d)\n", u.Role, u.Email, u.ID)
	return nil
}
