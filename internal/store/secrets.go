package store

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/secret"
)

// Secrets in the database are sealed with the keyring of Options.Secrets: written sealed, opened
// when read. A stored value that is not sealed (written before secrets were sealed, or by a node
// of an older version during an upgrade) is read as it is and sealed by SealPlaintextSecrets at
// the next start, or by RotateSecrets.

// ErrSecretKeyMismatch says the keyring cannot open this database's key check: the node was
// given another key than the one its secrets were sealed with.
var ErrSecretKeyMismatch = errs.Coded(errs.Conflict, "secret_key_mismatch", "the secret key is not the key this database's secrets were sealed with")

var errNoSecretKey = errs.Coded(errs.Internal, "no_secret_key", "no secret key is configured to seal or open stored secrets")

// sealedColumn is a column that holds sealed secrets, one per row, each sealed for its row.
type sealedColumn struct {
	table, id, column string
	purpose           string // with the row's id: the associated data the secret is sealed for
}

func (c sealedColumn) purposeOf(id int64) string { return fmt.Sprintf(c.purpose, id) }

// sealedColumns lists every column holding secrets, for SealPlaintextSecrets and RotateSecrets.
// A new kind of secret joins here.
var sealedColumns = []sealedColumn{websiteSecret, webhookSecret, mailSMTPPassword, mailIMAPPassword, inboxSMTPPassword, inboxIMAPPassword,
	messengerToken, messengerAppSecret, messengerVerifyToken, whatsappAuthToken, whatsappAPIKeySecret,
	vapidPrivateKey, unsubscribeKey, pushAuthSecret}

var websiteSecret = sealedColumn{table: "websites", id: "inbox_id", column: "secret", purpose: "website:%d:identify"}

// The key check: a known text sealed for its own purpose.
const (
	checkPurpose = "installation:secret_check"
	checkText    = "parley secret check"
)

func (db *DB) sealSecret(c sealedColumn, id int64, plaintext string) (string, error) {
	if db.keys == nil {
		return "", errNoSecretKey
	}
	return db.keys.Seal([]byte(plaintext), c.purposeOf(id))
}

func (db *DB) openSecret(c sealedColumn, id int64, stored string) (string, error) {
	if !secret.Sealed(stored) {
		return stored, nil
	}
	if db.keys == nil {
		return "", errNoSecretKey
	}
	p, err := db.keys.Open(stored, c.purposeOf(id))
	if err != nil {
		return "", err
	}
	return string(p), nil
}

// CheckSecretKey makes sure the keyring opens this database's secrets. The first node to start
// with a key records a check sealed with it; every later start must open that check, or gets
// ErrSecretKeyMismatch. current is false while the check is still sealed with an old key of the
// ring (a rotation is under way).
func (db *DB) CheckSecretKey(ctx context.Context) (current bool, err error) {
	if db.keys == nil {
		return false, errNoSecretKey
	}
	fresh, err := db.keys.Seal([]byte(checkText), checkPurpose)
	if err != nil {
		return false, err
	}
	// Nodes starting together: the first insert wins and every one of them checks what it wrote.
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO secret_check (singleton, sealed, updated_at) VALUES (1, $1, $2) ON CONFLICT (singleton) DO NOTHING",
			fresh, time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record the secret key check: %w", err)
	}
	var sealed string
	if err := db.read.QueryRowContext(ctx, "SELECT sealed FROM secret_check WHERE singleton = 1").Scan(&sealed); err != nil {
		return false, fmt.Errorf("read the secret key check: %w", err)
	}
	p, err := db.keys.Open(sealed, checkPurpose)
	if err != nil || string(p) != checkText {
		return false, fmt.Errorf("%w (%v)", ErrSecretKeyMismatch, err)
	}
	return db.keys.SealedWithCurrent(sealed), nil
}

// SealPlaintextSecrets seals every stored secret that is not sealed yet, and returns how many.
// It is idempotent and safe while other nodes run: each update only replaces the value it read.
func (db *DB) SealPlaintextSecrets(ctx context.Context) (int, error) {
	return db.reseal(ctx, false)
}

// RotateSecrets seals every stored secret again with the keyring's current key (opening it with
// whichever key of the ring sealed it), then the key check, and returns how many secrets it
// sealed. Once it has run, old keys may be dropped.
func (db *DB) RotateSecrets(ctx context.Context) (int, error) {
	if _, err := db.CheckSecretKey(ctx); err != nil {
		return 0, err
	}
	n, err := db.reseal(ctx, true)
	if err != nil {
		return n, err
	}
	sealed, err := db.keys.Seal([]byte(checkText), checkPurpose)
	if err != nil {
		return n, err
	}
	err = db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE secret_check SET sealed = $1, updated_at = $2 WHERE singleton = 1", sealed, time.Now().UnixMilli())
		return err
	})
	if err != nil {
		return n, fmt.Errorf("rewrite the secret key check: %w", err)
	}
	return n, nil
}

// reseal seals the secrets of every sealed column that are in plaintext, or, with all, every one
// not sealed with the current key.
func (db *DB) reseal(ctx context.Context, all bool) (int, error) {
	if db.keys == nil {
		return 0, errNoSecretKey
	}
	total := 0
	for _, c := range sealedColumns {
		type row struct {
			id     int64
			stored string
		}
		var todo []row
		rows, err := db.read.QueryContext(ctx, fmt.Sprintf("SELECT %s, %s FROM %s ORDER BY %[1]s", c.id, c.column, c.table))
		if err != nil {
			return total, err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.stored); err != nil {
				rows.Close()
				return total, err
			}
			if r.stored == "" {
				continue // an optional secret that is not set (a relay without a password)
			}
			if !secret.Sealed(r.stored) || (all && !db.keys.SealedWithCurrent(r.stored)) {
				todo = append(todo, r)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, err
		}
		update := fmt.Sprintf("UPDATE %s SET %s = $1 WHERE %s = $2 AND %[2]s = $3", c.table, c.column, c.id)
		for _, r := range todo {
			plain, err := db.openSecret(c, r.id, r.stored)
			if err != nil {
				return total, fmt.Errorf("%s %d: %w", c.table, r.id, err)
			}
			sealed, err := db.sealSecret(c, r.id, plain)
			if err != nil {
				return total, err
			}
			// Guarded by the value read: a change made meanwhile (by another node) wins.
			var changed int64
			err = db.InTx(ctx, func(tx *Tx) error {
				res, err := tx.ExecContext(ctx, update, sealed, r.id, r.stored)
				if err != nil {
					return err
				}
				changed, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return total, fmt.Errorf("seal %s %d: %w", c.table, r.id, err)
			}
			total += int(changed)
		}
	}
	return total, nil
}
