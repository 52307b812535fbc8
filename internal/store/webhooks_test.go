package store_test

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/secret"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/webhook"
)

// A webhook's signing secrets are sealed at rest (and listed among the sealed columns, so a key
// rotation reseals them) and opened when they sign; after a secret rotation the previous one signs until its time is up, the one before
// it stops at once.
func TestWebhookSecretsAreSealedAndRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		e := &webhook.Endpoint{URL: "https://example.com/in", Active: true, CreatedAt: 1, UpdatedAt: 1}
		first := webhook.NewSecret()
		if err := db.CreateWebhook(ctx, e, first); err != nil {
			t.Fatal(err)
		}
		raw := func() []string {
			rows, err := db.Reader().QueryContext(ctx, "SELECT secret FROM webhook_secrets ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			return out
		}
		if r := raw(); len(r) != 1 || !secret.Sealed(r[0]) || strings.Contains(r[0], strings.TrimPrefix(first, "whsec_")) {
			t.Fatalf("stored %q for %q: want it sealed", r, first)
		}
		got, err := db.WebhookSecrets(ctx, e.ID, 10)
		if err != nil || len(got) != 1 || got[0] != first {
			t.Fatalf("secrets %v, %v", got, err)
		}

		second, third := webhook.NewSecret(), webhook.NewSecret()
		if err := db.RotateWebhookSecret(ctx, e.ID, second, 100, 200); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.WebhookSecrets(ctx, e.ID, 150); len(got) != 2 || got[0] != second || got[1] != first {
			t.Fatalf("during the overlap: %v", got)
		}
		if got, _ := db.WebhookSecrets(ctx, e.ID, 200); len(got) != 1 || got[0] != second {
			t.Fatalf("after the overlap: %v", got)
		}
		// Rotating again within the overlap: the first stops now, the second overlaps.
		if err := db.RotateWebhookSecret(ctx, e.ID, third, 150, 250); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.WebhookSecrets(ctx, e.ID, 160); len(got) != 2 || got[0] != third || got[1] != second {
			t.Fatalf("second rotation: %v", got)
		}
		if ep, err := db.Webhook(ctx, e.ID); err != nil || ep.PreviousSecretUntil != 250 {
			t.Fatalf("endpoint %+v, %v", ep, err)
		}
		if n, err := db.PruneWebhooks(ctx, 0, 160); err != nil || n != 0 || len(raw()) != 2 {
			t.Fatalf("prune: %d, %v, %d secrets left", n, err, len(raw()))
		}

		if err := db.RotateWebhookSecret(ctx, 99999, webhook.NewSecret(), 1, 2); !errs.Is(err, errs.NotFound) {
			t.Fatalf("rotate a missing webhook: %v", err)
		}
		if err := db.DeleteWebhook(ctx, e.ID); err != nil || len(raw()) != 0 {
			t.Fatalf("delete: %v, %d secrets left", err, len(raw()))
		}
	})
}
