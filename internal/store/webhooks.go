package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/webhook"
)

// Outgoing webhooks (webhook.Repo): endpoints, their sealed signing secrets, deliveries and
// attempts.
//
// Each endpoint's pending deliveries are sent by one job at a time, in position order. The
// endpoints.sending flag says that job exists: a write that leaves a delivery pending "kicks" the
// endpoint, turning the flag from 0 to 1 and, only then, enqueueing the job in the same
// transaction; the job turns it back to 0 only when no delivery is pending (StopSending). On
// PostgreSQL both take the endpoint's row lock before they look at its deliveries, and every
// transaction that touches an endpoint's deliveries takes that lock first, so a delivery
// committed while the job stops is either seen by the job or kicks a new one.

var _ webhook.Repo = (*DB)(nil)

var webhookSecret = sealedColumn{table: "webhook_secrets", id: "id", column: "secret", purpose: "webhook_secret:%d:signing"}

const endpointColumns = `e.id, e.url, e.description, e.event_types, e.active, e.disabled_reason, COALESCE(e.disabled_at, 0), e.from_position,
	COALESCE(e.last_success_at, 0), COALESCE(e.failing_since, 0), COALESCE(e.created_by, 0), e.created_at, e.updated_at,
	COALESCE((SELECT MAX(s.expires_at) FROM webhook_secrets s WHERE s.endpoint_id = e.id), 0)`

func scanEndpoint(row interface{ Scan(...any) error }) (*webhook.Endpoint, error) {
	var e webhook.Endpoint
	var types string
	var active int
	if err := row.Scan(&e.ID, &e.URL, &e.Description, &types, &active, &e.DisabledReason, &e.DisabledAt, &e.FromPosition,
		&e.LastSuccessAt, &e.FailingSince, &e.CreatedBy, &e.CreatedAt, &e.UpdatedAt, &e.PreviousSecretUntil); err != nil {
		return nil, err
	}
	e.Active = active != 0
	if err := json.Unmarshal([]byte(types), &e.EventTypes); err != nil {
		return nil, fmt.Errorf("webhook %d event types: %w", e.ID, err)
	}
	return &e, nil
}

func typesJSON(types []event.Type) string {
	if types == nil {
		types = []event.Type{}
	}
	b, _ := json.Marshal(types) // strings: cannot fail
	return string(b)
}

func nullableMS(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

// lockEndpoints takes the row locks of endpoints on PostgreSQL, in id order (so two transactions
// never wait on each other's); on SQLite the single writer serialises anyway.
func (tx *Tx) lockEndpoints(ctx context.Context, ids ...int64) error {
	if tx.Engine != Postgres {
		return nil
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		var got int64
		err := tx.QueryRowContext(ctx, "SELECT id FROM webhook_endpoints WHERE id = $1 FOR UPDATE", id).Scan(&got)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("lock webhook %d: %w", id, err)
		}
	}
	return nil
}

// kickEndpoint makes sure the endpoint's delivery job exists when it is active and has pending
// deliveries (see above); the caller holds its lock. With hurry, a job that already exists but
// waits (snoozed until a failed delivery's next attempt) is made due now, so a redelivery or a
// "try now" goes out at once rather than after the back-off. (A job that is recording its wait at
// that moment overwrites this; it looks again within webhook.Options.Recheck.)
func (db *DB) kickEndpoint(ctx context.Context, tx *Tx, id int64, hurry bool) error {
	var got int64
	err := tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET sending = 1 WHERE id = $1 AND sending = 0 AND active = 1
		AND EXISTS (SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'pending') RETURNING id`, id).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		if !hurry {
			return nil // its job runs already, or there is nothing to send
		}
		now, err := db.clockIn(ctx, tx)
		if err != nil {
			return err
		}
		// The jobs table is the queue's, but making a waiting job due is all this changes: the
		// runner picks it up as if its snooze had ended.
		_, err = tx.ExecContext(ctx, `UPDATE jobs SET run_at = $1, updated_at = $1 WHERE state = 'available' AND run_at > $1
			AND id = (SELECT sender_job FROM webhook_endpoints WHERE id = $2 AND sending = 1 AND active = 1)`, now, id)
		return err
	}
	if err != nil {
		return fmt.Errorf("kick webhook %d: %w", id, err)
	}
	now, err := db.clockIn(ctx, tx)
	if err != nil {
		return err
	}
	job, err := jobs.Insert(ctx, tx, webhook.SendJob(id), now)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE webhook_endpoints SET sender_job = $1 WHERE id = $2", job, id)
	return err
}

// CreateWebhook inserts an endpoint with its first secret, sealed.
func (db *DB) CreateWebhook(ctx context.Context, e *webhook.Endpoint, secret string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhook_endpoints (url, description, event_types, active, disabled_at, from_position,
			created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			e.URL, e.Description, typesJSON(e.EventTypes), activeFlag(e.Active), nullableMS(e.DisabledAt), e.FromPosition,
			nullable(e.CreatedBy), e.CreatedAt, e.UpdatedAt).Scan(&e.ID)
		if IsForeignKeyViolation(err) {
			return errs.E(errs.Invalid, "the user creating the webhook no longer exists")
		}
		if err != nil {
			return err
		}
		return db.insertWebhookSecret(ctx, tx, e.ID, secret, e.CreatedAt)
	})
}

func (db *DB) insertWebhookSecret(ctx context.Context, tx *Tx, endpointID int64, secret string, now int64) error {
	// The seal names the row, so the row comes first.
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO webhook_secrets (endpoint_id, secret, created_at) VALUES ($1, '', $2) RETURNING id`,
		endpointID, now).Scan(&id); err != nil {
		return err
	}
	sealed, err := db.sealSecret(webhookSecret, id, secret)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE webhook_secrets SET secret = $1 WHERE id = $2", sealed, id)
	return err
}

// Webhook returns one endpoint.
func (db *DB) Webhook(ctx context.Context, id int64) (*webhook.Endpoint, error) {
	e, err := scanEndpoint(db.read.QueryRowContext(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints e WHERE e.id = $1", id))
	if err != nil {
		return nil, notFound(err, "webhook")
	}
	return e, nil
}

func (db *DB) listEndpoints(ctx context.Context, where string) ([]webhook.Endpoint, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints e "+where+" ORDER BY e.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []webhook.Endpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}

// ListWebhooks lists every endpoint, oldest first.
func (db *DB) ListWebhooks(ctx context.Context) ([]webhook.Endpoint, error) {
	return db.listEndpoints(ctx, "")
}

// ActiveWebhooks lists the endpoints that are switched on.
func (db *DB) ActiveWebhooks(ctx context.Context) ([]webhook.Endpoint, error) {
	return db.listEndpoints(ctx, "WHERE e.active = 1")
}

// UpdateWebhook saves an admin's change, guarded by updated_at, and kicks an active endpoint.
func (db *DB) UpdateWebhook(ctx context.Context, e *webhook.Endpoint, prevUpdatedAt int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, e.ID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET url = $1, description = $2, event_types = $3, active = $4,
			disabled_reason = $5, disabled_at = $6, from_position = $7, failing_since = $8, updated_at = $9
			WHERE id = $10 AND updated_at = $11`,
			e.URL, e.Description, typesJSON(e.EventTypes), activeFlag(e.Active), e.DisabledReason, nullableMS(e.DisabledAt),
			e.FromPosition, nullableMS(e.FailingSince), e.UpdatedAt, e.ID, prevUpdatedAt)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := db.Webhook(ctx, e.ID); err != nil {
				return err
			}
			return errs.Coded(errs.Conflict, "webhook_changed", "the webhook changed meanwhile; try again")
		}
		return db.kickEndpoint(ctx, tx, e.ID, true)
	})
}

// DeleteWebhook deletes an endpoint; its secrets, deliveries and attempts go with it (ON DELETE
// CASCADE). Its job, if any, finds it gone and ends.
func (db *DB) DeleteWebhook(ctx context.Context, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM webhook_endpoints WHERE id = $1", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "webhook not found")
		}
		return nil
	})
}

// RotateWebhookSecret makes secret the endpoint's current one; the current one signs on until
// previousUntil, any older one stops now.
func (db *DB) RotateWebhookSecret(ctx context.Context, id int64, secret string, now, previousUntil int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_secrets SET expires_at = $2 WHERE endpoint_id = $1 AND expires_at IS NOT NULL AND expires_at > $2`,
			id, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_secrets SET expires_at = $2 WHERE endpoint_id = $1 AND expires_at IS NULL`,
			id, previousUntil); err != nil {
			return err
		}
		if err := db.insertWebhookSecret(ctx, tx, id, secret, now); err != nil {
			if IsForeignKeyViolation(err) {
				return errs.E(errs.NotFound, "webhook not found")
			}
			return err
		}
		return nil
	})
}

// WebhookSecrets returns the endpoint's secrets that sign at now, opened, the current one first.
func (db *DB) WebhookSecrets(ctx context.Context, id, now int64) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, secret FROM webhook_secrets WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)
		ORDER BY (CASE WHEN expires_at IS NULL THEN 0 ELSE 1 END), id DESC`, id, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var sid int64
		var stored string
		if err := rows.Scan(&sid, &stored); err != nil {
			return nil, err
		}
		plain, err := db.openSecret(webhookSecret, sid, stored)
		if err != nil {
			return nil, fmt.Errorf("webhook %d secret %d: %w", id, sid, err)
		}
		out = append(out, plain)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errs.E(errs.NotFound, "webhook %d has no signing secret", id)
	}
	return out, nil
}

// AddDeliveries inserts the fan-out's deliveries, skipping an event an endpoint already has, and
// kicks their endpoints.
func (db *DB) AddDeliveries(ctx context.Context, ds []webhook.Delivery) error {
	if len(ds) == 0 {
		return nil
	}
	var ids []int64
	for _, d := range ds {
		ids = append(ids, d.EndpointID)
	}
	return db.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, ids...); err != nil {
			return err
		}
		for _, d := range ds {
			_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, position, payload, state,
				next_attempt_at, deadline_at, created_at) SELECT $1, $2, $3, $4, $5, 'pending', $6, $7, $8
				WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE id = $1)
				ON CONFLICT (endpoint_id, position) WHERE position > 0 DO NOTHING`,
				d.EndpointID, d.MessageID, d.EventType, d.Position, d.Payload, d.NextAttemptAt, d.DeadlineAt, d.CreatedAt)
			if err != nil {
				return fmt.Errorf("insert webhook delivery: %w", err)
			}
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			if err := db.kickEndpoint(ctx, tx, id, false); err != nil {
				return err
			}
		}
		return nil
	})
}

const deliveryColumns = `id, endpoint_id, message_id, event_type, position, state, attempts, next_attempt_at, deadline_at, last_status,
	last_error, created_at, COALESCE(finished_at, 0)`

func scanDelivery(row interface{ Scan(...any) error }, withPayload bool) (*webhook.Delivery, error) {
	var d webhook.Delivery
	var state string
	dest := []any{&d.ID, &d.EndpointID, &d.MessageID, &d.EventType, &d.Position, &state, &d.Attempts, &d.NextAttemptAt, &d.DeadlineAt,
		&d.LastStatus, &d.LastError, &d.CreatedAt, &d.FinishedAt}
	if withPayload {
		dest = append(dest, &d.Payload)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	d.State = webhook.State(state)
	if d.State != webhook.Pending {
		d.NextAttemptAt = 0
	}
	return &d, nil
}

// NextDelivery returns the endpoint's pending delivery of the lowest position.
func (db *DB) NextDelivery(ctx context.Context, endpointID int64) (*webhook.Delivery, error) {
	d, err := scanDelivery(db.read.QueryRowContext(ctx, "SELECT "+deliveryColumns+`, payload FROM webhook_deliveries
		WHERE endpoint_id = $1 AND state = 'pending' ORDER BY position, id LIMIT 1`, endpointID), true)
	if err != nil {
		return nil, notFound(err, "pending delivery")
	}
	return d, nil
}

// StopSending ends the endpoint's job (see above).
func (db *DB) StopSending(ctx context.Context, endpointID int64, force bool) (bool, error) {
	var stopped bool
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, endpointID); err != nil {
			return err
		}
		q := `UPDATE webhook_endpoints SET sending = 0 WHERE id = $1
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE endpoint_id = $1 AND state = 'pending')`
		if force {
			q = "UPDATE webhook_endpoints SET sending = 0 WHERE id = $1"
		}
		res, err := tx.ExecContext(ctx, q, endpointID)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stopped = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("stop webhook %d's job: %w", endpointID, err)
	}
	return stopped, nil
}

func (tx *Tx) insertAttempt(ctx context.Context, a *webhook.Attempt) error {
	hdr, err := json.Marshal(a.RequestHeaders)
	if err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, url, request_headers, status, response_body, error,
		duration_ms, started_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		a.DeliveryID, a.Attempt, a.URL, string(hdr), a.Status, a.ResponseBody, a.Error, a.DurationMS, a.StartedAt).Scan(&a.ID)
}

// RecordAttempt stores an attempt and what it leads to: the delivery's new state (guarded by its
// attempt count), the endpoint's health, and when it is switched off, its pending deliveries
// failed — with evs (webhook.disabled) in the same transaction.
func (db *DB) RecordAttempt(ctx context.Context, o *webhook.Outcome, evs ...event.Event) error {
	d := o.Delivery
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, d.EndpointID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, last_status = $4,
			last_error = $5, finished_at = $6 WHERE id = $7 AND state = 'pending' AND attempts = $8`,
			string(d.State), d.Attempts, d.NextAttemptAt, d.LastStatus, d.LastError, nullableMS(d.FinishedAt), d.ID, o.PrevAttempts)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := db.deliveryIn(ctx, tx, d.ID); err != nil {
				return err
			}
			return errs.Coded(errs.Conflict, "delivery_changed", "the delivery changed meanwhile")
		}
		o.Attempt.DeliveryID = d.ID
		if err := tx.insertAttempt(ctx, &o.Attempt); err != nil {
			return err
		}
		at := o.FailedAt
		switch {
		case o.Test:
		case o.Success:
			_, err = tx.ExecContext(ctx, "UPDATE webhook_endpoints SET last_success_at = $1, failing_since = NULL WHERE id = $2", at, d.EndpointID)
		default:
			_, err = tx.ExecContext(ctx, "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $1) WHERE id = $2", at, d.EndpointID)
		}
		if err != nil {
			return err
		}
		if o.Disable == "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET active = 0, sending = 0, disabled_reason = $1, disabled_at = $2,
			updated_at = CASE WHEN updated_at >= $2 THEN updated_at + 1 ELSE $2 END WHERE id = $3`, o.Disable, at, d.EndpointID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = 0, finished_at = $1,
			last_error = CASE WHEN last_error = '' THEN $2 ELSE last_error END WHERE endpoint_id = $3 AND state = 'pending'`,
			at, "the endpoint was switched off before this was delivered", d.EndpointID)
		return err
	})
}

func (db *DB) deliveryIn(ctx context.Context, q Querier, id int64) (*webhook.Delivery, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, "SELECT "+deliveryColumns+", payload FROM webhook_deliveries WHERE id = $1", id), true)
	if err != nil {
		return nil, notFound(err, "delivery")
	}
	return d, nil
}

// ExpireDeliveries fails the endpoint's pending deliveries whose deadline has passed.
func (db *DB) ExpireDeliveries(ctx context.Context, endpointID, now int64) (int, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, endpointID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = 0, finished_at = $1,
			last_error = $2 WHERE endpoint_id = $3 AND state = 'pending' AND deadline_at <= $1`,
			now, "not delivered within its time: it waited behind a failing delivery, or while the endpoint was off", endpointID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// ListDeliveries returns a page of an endpoint's delivery log, newest first, without payloads.
func (db *DB) ListDeliveries(ctx context.Context, q webhook.DeliveryQuery) ([]webhook.Delivery, error) {
	where := []string{"endpoint_id = $1"}
	args := []any{q.EndpointID}
	if q.State != "" {
		args = append(args, string(q.State))
		where = append(where, fmt.Sprintf("state = $%d", len(args)))
	}
	if q.BeforeID > 0 {
		args = append(args, q.BeforeID)
		where = append(where, fmt.Sprintf("id < $%d", len(args)))
	}
	args = append(args, q.Limit)
	rows, err := db.read.QueryContext(ctx, "SELECT "+deliveryColumns+" FROM webhook_deliveries WHERE "+strings.Join(where, " AND ")+
		fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []webhook.Delivery{}
	for rows.Next() {
		d, err := scanDelivery(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, rows.Err()
}

// Delivery returns one delivery with its payload.
func (db *DB) Delivery(ctx context.Context, id int64) (*webhook.Delivery, error) {
	return db.deliveryIn(ctx, db.read, id)
}

// Attempts returns a delivery's attempts, oldest first.
func (db *DB) Attempts(ctx context.Context, deliveryID int64) ([]webhook.Attempt, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, delivery_id, attempt, url, request_headers, status, response_body, error, duration_ms,
		started_at FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id`, deliveryID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []webhook.Attempt{}
	for rows.Next() {
		var a webhook.Attempt
		var hdr string
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.Attempt, &a.URL, &hdr, &a.Status, &a.ResponseBody, &a.Error, &a.DurationMS,
			&a.StartedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(hdr), &a.RequestHeaders); err != nil {
			return nil, fmt.Errorf("attempt %d headers: %w", a.ID, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AddTestDelivery stores a test delivery that was already attempted, with its attempt.
func (db *DB) AddTestDelivery(ctx context.Context, d *webhook.Delivery, a *webhook.Attempt) error {
	return db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO webhook_deliveries (endpoint_id, message_id, event_type, position, payload, state, attempts,
			next_attempt_at, deadline_at, last_status, last_error, created_at, finished_at)
			VALUES ($1, $2, $3, 0, $4, $5, $6, 0, $7, $8, $9, $10, $11) RETURNING id`,
			d.EndpointID, d.MessageID, d.EventType, d.Payload, string(d.State), d.Attempts, d.DeadlineAt, d.LastStatus, d.LastError,
			d.CreatedAt, nullableMS(d.FinishedAt)).Scan(&d.ID)
		if IsForeignKeyViolation(err) {
			return errs.E(errs.NotFound, "webhook not found")
		}
		if err != nil {
			return err
		}
		a.DeliveryID = d.ID
		return tx.insertAttempt(ctx, a)
	})
}

// Redeliver makes one finished delivery pending again, or a pending one due now, and kicks its
// endpoint at once.
func (db *DB) Redeliver(ctx context.Context, deliveryID, now, deadline int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		d, err := db.deliveryIn(ctx, tx, deliveryID)
		if err != nil {
			return err
		}
		if err := tx.lockEndpoints(ctx, d.EndpointID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $1,
			deadline_at = CASE WHEN state = 'pending' THEN deadline_at ELSE $2 END, state = 'pending', finished_at = NULL
			WHERE id = $3 AND position > 0`, now, deadline, deliveryID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "delivery not found")
		}
		return db.kickEndpoint(ctx, tx, d.EndpointID, true)
	})
}

// RedeliverFailed makes the endpoint's failed event deliveries created at since or later pending
// again, and kicks it.
func (db *DB) RedeliverFailed(ctx context.Context, endpointID, since, now, deadline int64) (int, error) {
	var n int64
	err := db.InTx(ctx, func(tx *Tx) error {
		if err := tx.lockEndpoints(ctx, endpointID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $1, deadline_at = $2, finished_at = NULL
			WHERE endpoint_id = $3 AND state = 'failed' AND position > 0 AND created_at >= $4`, now, deadline, endpointID, since)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		return db.kickEndpoint(ctx, tx, endpointID, true)
	})
	return int(n), err
}

// PruneWebhooks deletes deliveries (with their attempts) finished before before, and secrets that
// stopped signing by now, a batch at a time.
func (db *DB) PruneWebhooks(ctx context.Context, before, now int64) (int, error) {
	total := 0
	for {
		var n int64
		err := db.InTx(ctx, func(tx *Tx) error {
			// Attempts go with their deliveries (ON DELETE CASCADE).
			res, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE id IN
				(SELECT id FROM webhook_deliveries WHERE finished_at IS NOT NULL AND finished_at < $1 ORDER BY finished_at LIMIT 500)`, before)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < 500 || ctx.Err() != nil {
			break
		}
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM webhook_secrets WHERE expires_at IS NOT NULL AND expires_at <= $1", now)
		return err
	})
	return total, err
}
