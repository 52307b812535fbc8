package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/secret"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

func rawSecret(t *testing.T, db *store.DB, websiteID int64) string {
	t.Helper()
	var raw string
	if err := db.Reader().QueryRow("SELECT secret FROM websites WHERE inbox_id = $1", websiteID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

// A website's identify secret is sealed in its column and opened by every read; moved to another
// website's row it does not open.
func TestWebsiteSecretIsSealedAtRest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shop, blog := newSite(t, db, "Shop"), newSite(t, db, "Blog")
		raw := rawSecret(t, db, shop.ID)
		if strings.Contains(raw, shop.Secret) || strings.Contains(raw, strings.TrimPrefix(shop.Secret, "sk_")) || !secret.Sealed(raw) {
			t.Fatalf("the secret column holds %q for secret %q: want it sealed", raw, shop.Secret)
		}
		byID, err := db.WebsiteByID(ctx, shop.ID)
		if err != nil || byID.Secret != shop.Secret {
			t.Errorf("WebsiteByID: secret %q, %v", byID.Secret, err)
		}
		byKey, err := db.WebsiteByKey(ctx, shop.PublicKey)
		if err != nil || byKey.Secret != shop.Secret {
			t.Errorf("WebsiteByKey: secret %q, %v", byKey.Secret, err)
		}
		byName, err := db.WebsiteByName(ctx, "Blog")
		if err != nil || byName.Secret != blog.Secret {
			t.Errorf("WebsiteByName: secret %q, %v", byName.Secret, err)
		}
		all, err := db.ListWebsites(ctx)
		if err != nil || len(all) != 2 || all[0].Secret != blog.Secret || all[1].Secret != shop.Secret {
			t.Errorf("ListWebsites: %+v, %v", all, err)
		}

		// Shop's sealed secret copied into Blog's row: Blog cannot be read, rather than verify
		// identities with Shop's secret.
		if _, err := db.Writer().Exec("UPDATE websites SET secret = $1 WHERE inbox_id = $2", raw, blog.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.WebsiteByID(ctx, blog.ID); !errors.Is(err, secret.ErrUnreadable) {
			t.Errorf("a secret moved to another website: %v, want it unreadable", err)
		}
	})
}

// Secrets stored in plaintext (before this version) read as they are and are sealed once at start.
func TestPlaintextSecretsAreSealedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		shop, blog := newSite(t, db, "Shop"), newSite(t, db, "Blog")
		if _, err := db.Writer().Exec("UPDATE websites SET secret = $1 WHERE inbox_id = $2", shop.Secret, shop.ID); err != nil {
			t.Fatal(err)
		}
		if w, err := db.WebsiteByID(ctx, shop.ID); err != nil || w.Secret != shop.Secret {
			t.Fatalf("a plaintext secret reads back as %q, %v", w.Secret, err)
		}
		sealedBlog := rawSecret(t, db, blog.ID)
		n, err := db.SealPlaintextSecrets(ctx)
		if err != nil || n != 1 {
			t.Fatalf("SealPlaintextSecrets: %d, %v; want 1", n, err)
		}
		if raw := rawSecret(t, db, shop.ID); !secret.Sealed(raw) || strings.Contains(raw, shop.Secret) {
			t.Errorf("after sealing: %q", raw)
		}
		if rawSecret(t, db, blog.ID) != sealedBlog {
			t.Error("a secret sealed already was sealed again")
		}
		if w, err := db.WebsiteByID(ctx, shop.ID); err != nil || w.Secret != shop.Secret {
			t.Errorf("after sealing the secret reads %q, %v", w.Secret, err)
		}
		if n, err := db.SealPlaintextSecrets(ctx); err != nil || n != 0 {
			t.Errorf("second run: %d, %v; want 0", n, err)
		}
	})
}

// reopenable runs fn on each engine with a function that (re)opens one database with a keyring,
// as a node restarted with other flags would.
func reopenable(t *testing.T, fn func(t *testing.T, open func(keys *secret.Keyring) *store.DB)) {
	opener := func(t *testing.T, opt store.Options) func(keys *secret.Keyring) *store.DB {
		var last *store.DB
		return func(keys *secret.Keyring) *store.DB {
			if last != nil {
				last.Close()
			}
			opt.Secrets = keys
			db, err := store.Open(t.Context(), opt)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(t.Context()); err != nil {
				t.Fatal(err)
			}
			last = db
			return db
		}
	}
	t.Run("sqlite", func(t *testing.T) { fn(t, opener(t, store.Options{DataDir: t.TempDir()})) })
	t.Run("postgres", func(t *testing.T) { fn(t, opener(t, store.Options{URL: storetest.PostgresDatabase(t)})) })
}

func keyring(t *testing.T, current []byte, old ...[]byte) *secret.Keyring {
	t.Helper()
	k, err := secret.NewKeyring(current, old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The first start records the key check; a start with another key is refused; a start with the
// new key and the old one in the ring passes, and after RotateSecrets the new key alone opens
// everything while the old one is refused.
func TestSecretKeyCheckAndRotation(t *testing.T) {
	reopenable(t, func(t *testing.T, open func(keys *secret.Keyring) *store.DB) {
		ctx := context.Background()
		oldKey, newKey := secret.NewKey(), secret.NewKey()

		db := open(keyring(t, oldKey))
		if current, err := db.CheckSecretKey(ctx); err != nil || !current {
			t.Fatalf("first check: current %v, %v", current, err)
		}
		shop, blog := newSite(t, db, "Shop"), newSite(t, db, "Blog")
		if current, err := db.CheckSecretKey(ctx); err != nil || !current {
			t.Fatalf("same key again: current %v, %v", current, err)
		}

		db = open(keyring(t, newKey))
		_, err := db.CheckSecretKey(ctx)
		if !errors.Is(err, store.ErrSecretKeyMismatch) || errs.KindOf(err) != errs.Conflict {
			t.Fatalf("another key: %v, want a mismatch", err)
		}
		if _, err := db.RotateSecrets(ctx); !errors.Is(err, store.ErrSecretKeyMismatch) {
			t.Errorf("rotating without the old key: %v, want a mismatch", err)
		}

		db = open(keyring(t, newKey, oldKey))
		if current, err := db.CheckSecretKey(ctx); err != nil || current {
			t.Fatalf("new key with the old one: current %v, %v; want passed, not current", current, err)
		}
		if w, err := db.WebsiteByID(ctx, shop.ID); err != nil || w.Secret != shop.Secret {
			t.Fatalf("before rotating, the old key opens: %q, %v", w.Secret, err)
		}
		n, err := db.RotateSecrets(ctx)
		if err != nil || n != 2 {
			t.Fatalf("rotate: %d, %v; want 2", n, err)
		}
		if n, err := db.RotateSecrets(ctx); err != nil || n != 0 {
			t.Errorf("rotate again: %d, %v; want 0", n, err)
		}

		db = open(keyring(t, newKey))
		if current, err := db.CheckSecretKey(ctx); err != nil || !current {
			t.Fatalf("new key alone after rotating: current %v, %v", current, err)
		}
		for _, site := range []*inbox.Website{shop, blog} {
			if w, err := db.WebsiteByID(ctx, site.ID); err != nil || w.Secret != site.Secret {
				t.Errorf("after rotating: %q, %v", w.Secret, err)
			}
		}
		db = open(keyring(t, oldKey))
		if _, err := db.CheckSecretKey(ctx); !errors.Is(err, store.ErrSecretKeyMismatch) {
			t.Errorf("the old key after rotating: %v, want a mismatch", err)
		}
	})
}

// Without a keyring nothing secret is written or opened.
func TestNoKeyringWritesNoSecret(t *testing.T) {
	db, err := store.Open(t.Context(), store.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	site := &inbox.Website{Inbox: inbox.Inbox{Name: "Shop", Visibility: inbox.Private, ReopenPolicy: inbox.Final},
		PublicKey: "pk_x", Secret: "sk_x", AllowedDomains: []string{}, TimeZone: "UTC"}
	if err := db.CreateWebsite(t.Context(), site); err == nil {
		t.Error("a website was created without a key to seal its secret")
	}
	if _, err := db.CheckSecretKey(t.Context()); err == nil {
		t.Error("the key check passed without a key")
	}
}
