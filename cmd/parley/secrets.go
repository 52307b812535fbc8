package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/parleyhq/parley/internal/secret"
	"github.com/parleyhq/parley/internal/store"
)

// keyFileName is where an installation on SQLite keeps its generated secret key, beside the database.
const keyFileName = "secret.key"

// secretFlags are the flags of the key that seals stored secrets (docs/operations.md, "Secrets at rest").
func secretFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.SecretKey, "secret-key", "", "key sealing the secrets stored in the database: 32 bytes in base64 (`parley secrets new-key` makes one); required on PostgreSQL, the same on every node; default on SQLite: DATA/secret.key, made on first start")
	fs.StringVar(&c.SecretKeysOld, "secret-keys-old", "", "comma-separated keys --secret-key replaced, still opening what they sealed until `parley secrets rotate` has run")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// secretKeys is a command's keyring and where its key came from.
type secretKeys struct {
	ring      *secret.Keyring
	file      string // the key file, when the key came from one
	generated bool   // the key file was made by this start
}

// from names where the key came from, for messages.
func (k *secretKeys) from() string {
	if k.file != "" {
		return "the key in " + k.file
	}
	return "this --secret-key"
}

// loadSecretKeys reads --secret-key and --secret-keys-old. Without --secret-key, an installation on
// SQLite reads its key from DATA/secret.key, which create makes when it is missing; PostgreSQL
// needs the flag, because every node must seal with the same key.
func loadSecretKeys(c *Config, create bool) (*secretKeys, error) {
	old, err := secret.ParseKeys(c.SecretKeysOld)
	if err != nil {
		return nil, fmt.Errorf("--secret-keys-old: %w", err)
	}
	keys := &secretKeys{}
	var current []byte
	switch {
	case c.SecretKey != "":
		if current, err = secret.ParseKey(c.SecretKey); err != nil {
			return nil, fmt.Errorf("--secret-key: %w", err)
		}
	case c.Database != "":
		return nil, errors.New("PostgreSQL needs --secret-key (or PARLEY_SECRET_KEY), the same on every node: it seals the secrets stored in the database. Make one with `parley secrets new-key` and keep it apart from the database's backups")
	default:
		dir := c.DataDir
		if dir == "" {
			dir = "parley-data"
		}
		keys.file = filepath.Join(dir, keyFileName)
		if !create {
			current, err = secret.ReadKeyFile(keys.file)
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("no secret key: pass --secret-key, or start `parley serve --data %s` once to make %s", dir, keys.file)
			}
			break
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", dir, err)
		}
		current, keys.generated, err = secret.LoadOrCreateKeyFile(keys.file)
	}
	if err != nil {
		return nil, err
	}
	keys.ring, err = secret.NewKeyring(current, old...)
	return keys, err
}

// openSealedStore opens and migrates the database for serve, with the keyring: it makes sure the
// key opens this database's secrets and seals those still stored in plaintext.
func openSealedStore(ctx context.Context, c *Config, stderr io.Writer) (*store.DB, *secretKeys, error) {
	log := c.logger(stderr)
	keys, err := loadSecretKeys(c, true)
	if err != nil {
		return nil, nil, err
	}
	db, err := store.Open(ctx, store.Options{URL: c.Database, DataDir: c.DataDir, Logger: log, Secrets: keys.ring})
	if err != nil {
		return nil, nil, err
	}
	if err := prepareSecrets(ctx, db, keys, log); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, keys, nil
}

func prepareSecrets(ctx context.Context, db *store.DB, keys *secretKeys, log *slog.Logger) error {
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	current, err := db.CheckSecretKey(ctx)
	if errors.Is(err, store.ErrSecretKeyMismatch) {
		if keys.generated {
			// The key made a moment ago sealed nothing: leave no wrong key behind.
			_ = os.Remove(keys.file)
			return fmt.Errorf("%s was missing, and the new key made there is not the key this database's secrets were sealed with: put this installation's %s back (or pass its key in --secret-key)", keys.file, keyFileName)
		}
		return fmt.Errorf("%s is not the key this database's secrets were sealed with; pass the old key in --secret-keys-old to rotate (docs/operations.md, \"Secrets at rest\")", keys.from())
	}
	if err != nil {
		return err
	}
	if !current {
		log.Info("stored secrets are still sealed with an old key; run `parley secrets rotate` once every node has the new --secret-key")
	}
	n, err := db.SealPlaintextSecrets(ctx)
	if err != nil {
		return fmt.Errorf("seal secrets stored in plaintext: %w", err)
	}
	if n > 0 {
		log.Info("sealed secrets that were stored in plaintext", "count", n)
	}
	if keys.generated {
		log.Warn("generated the key that seals the secrets stored in the database; back it up apart from the database: without it they cannot be read", "file", keys.file)
	}
	return nil
}

func cmdSecrets(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	const usage = "Usage:\n  parley secrets new-key    print a new random key for --secret-key\n  parley secrets rotate [--data DIR | --database URL] --secret-key NEW --secret-keys-old OLD\n                            seal every stored secret again with the current key\n"
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "new-key") {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	if args[0] == "new-key" {
		fs := newFlags("secrets new-key", stderr)
		fs.Usage = usageWithEnv(fs, stderr, "parley secrets new-key")
		if err := parse(fs, args[1:], getenv); err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret.EncodeKey(secret.NewKey()))
		return nil
	}
	var c Config
	fs := newFlags("secrets rotate", stderr)
	storageFlags(fs, &c)
	secretFlags(fs, &c)
	fs.Usage = usageWithEnv(fs, stderr, "parley secrets rotate [--data DIR | --database URL] [--secret-key NEW] --secret-keys-old OLD")
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	keys, err := loadSecretKeys(&c, false)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{URL: c.Database, DataDir: c.DataDir, Logger: c.logger(stderr), Secrets: keys.ring})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	n, err := db.RotateSecrets(ctx)
	if errors.Is(err, store.ErrSecretKeyMismatch) {
		return fmt.Errorf("%s and the keys of --secret-keys-old do not open this database's secrets; pass the key they were sealed with in --secret-keys-old", keys.from())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sealed %d stored secrets again with key %s; the keys in --secret-keys-old are no longer needed by this database\n", n, keys.ring.CurrentID())
	return nil
}
