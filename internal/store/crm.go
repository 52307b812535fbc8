package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/search"
)

// The CRM's writes (crm.Repo): a batch of records, on its own or inside a conversation's write.

var _ crm.Repo = (*DB)(nil)

// Apply writes a batch of records and commits evs with it.
func (db *DB) Apply(ctx context.Context, b *crm.Batch, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error { return tx.applyCRM(ctx, b, 0) })
}

// applyWith writes what a conversation's write carries of another domain (Write.With), in its
// transaction, after the conversation's row (convID is its id, new or not).
func (tx *Tx) applyWith(ctx context.Context, with any, convID int64) error {
	switch w := with.(type) {
	case nil:
		return nil
	case *crm.Batch:
		return tx.applyCRM(ctx, w, convID)
	}
	return fmt.Errorf("store: a conversation's write carries %T, which the store cannot write", with)
}

func (tx *Tx) applyCRM(ctx context.Context, b *crm.Batch, convID int64) error {
	if b.Empty() {
		return nil
	}
	if convID != 0 {
		b.InConversation(convID)
	}
	return b.Each(func(op *crm.Op) error {
		switch op.Kind {
		case crm.OpInsert:
			return tx.insertRecord(ctx, op.Record)
		case crm.OpUpdate:
			return tx.updateRecord(ctx, op.Record, op.Prev)
		case crm.OpDelete:
			d, ok := op.Record.(*crm.Deletion)
			if !ok {
				return fmt.Errorf("store: cannot delete %T", op.Record)
			}
			return tx.deleteRecord(ctx, d)
		}
		return fmt.Errorf("store: unknown batch operation %d", op.Kind)
	})
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	return string(b)
}

// refErr maps what an insert or update of a record may break: a record it points at is gone, or
// the contact is a person already.
func refErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case IsForeignKeyViolation(err):
		return errs.Coded(errs.Invalid, "reference_unknown", "a record, contact, conversation or user the %s points at no longer exists", what)
	case IsUniqueViolation(err) && what == "person":
		return errs.Coded(errs.Conflict, "contact_is_person", "the contact is a person already")
	case IsUniqueViolation(err) && what == "link":
		return errs.Coded(errs.Conflict, "already_linked", "the conversation is linked to this record already")
	}
	return fmt.Errorf("write %s: %w", what, err)
}

func (tx *Tx) insertRecord(ctx context.Context, rec any) error {
	var err error
	switch r := rec.(type) {
	case *crm.Person:
		err = tx.QueryRowContext(ctx, `INSERT INTO persons (name, emails, phones, organization_id, contact_id, owner_user_id, labels, fields,
			conversation_id, created_by_user_id, source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			r.Name, jsonText(r.Emails), jsonText(r.Phones), nullable(r.OrganizationID), nullable(r.ContactID), nullable(r.OwnerUserID),
			jsonText(r.Labels), jsonText(r.Fields), nullable(r.ConversationID), nullable(r.CreatedByUserID), r.Source, r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
		if err = refErr(err, "person"); err == nil {
			err = tx.writeTerms(ctx, r)
		}
	case *crm.Organization:
		err = tx.QueryRowContext(ctx, `INSERT INTO organizations (name, address, owner_user_id, labels, fields, conversation_id, created_by_user_id,
			source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			r.Name, r.Address, nullable(r.OwnerUserID), jsonText(r.Labels), jsonText(r.Fields), nullable(r.ConversationID), nullable(r.CreatedByUserID),
			r.Source, r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
		if err = refErr(err, "organization"); err == nil {
			err = tx.writeTerms(ctx, r)
		}
	case *crm.Lead:
		err = tx.QueryRowContext(ctx, `INSERT INTO leads (title, value, currency, status, source, lead_status, lead_source, expected_close_date,
			person_id, organization_id, contact_id, conversation_id, deal_id, owner_user_id, created_by_user_id, labels, fields, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
			r.Title, r.Value, r.Currency, crm.LegacyLeadStatus(r.Status), crm.LegacySource(r.Source), r.Status, r.Source, r.ExpectedCloseDate,
			nullable(r.PersonID), nullable(r.OrganizationID), nullable(r.ContactID), nullable(r.ConversationID), nullable(r.DealID),
			nullable(r.OwnerUserID), nullable(r.CreatedByUserID), jsonText(r.Labels), jsonText(r.Fields), r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
		if err = refErr(err, "lead"); err == nil {
			err = tx.writeTerms(ctx, r)
		}
	case *crm.Deal:
		err = tx.QueryRowContext(ctx, `INSERT INTO deals (title, value, currency, expected_close_date, pipeline_id, stage_id, status, lost_reason,
			probability, person_id, organization_id, contact_id, conversation_id, lead_id, owner_user_id, created_by_user_id, source, labels, fields,
			closed_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id`,
			r.Title, r.Value, r.Currency, r.ExpectedCloseDate, r.PipelineID, r.StageID, r.Status, r.LostReason, probability(r.Probability),
			nullable(r.PersonID), nullable(r.OrganizationID), nullable(r.ContactID), nullable(r.ConversationID), nullable(r.LeadID),
			nullable(r.OwnerUserID), nullable(r.CreatedByUserID), r.Source, jsonText(r.Labels), jsonText(r.Fields), nullable(r.ClosedAt),
			r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
		if err = refErr(err, "deal"); err == nil {
			err = tx.writeTerms(ctx, r)
		}
	case *crm.Activity:
		err = tx.QueryRowContext(ctx, `INSERT INTO activities (type, subject, note, due_date, due_time, time_zone, due_at, duration_minutes, done,
			done_at, person_id, organization_id, lead_id, deal_id, owner_user_id, labels, fields, conversation_id, created_by_user_id, source,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id`,
			r.Type, r.Subject, r.Note, r.DueDate, r.DueTime, r.TimeZone, r.DueAt, r.DurationMinutes, boolInt(r.Done), nullable(r.DoneAt),
			nullable(r.PersonID), nullable(r.OrganizationID), nullable(r.LeadID), nullable(r.DealID), nullable(r.OwnerUserID), jsonText(r.Labels),
			jsonText(r.Fields), nullable(r.ConversationID), nullable(r.CreatedByUserID), r.Source, r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
		if err = refErr(err, "activity"); err == nil {
			err = tx.writeTerms(ctx, r)
		}
	case *crm.Note:
		err = tx.QueryRowContext(ctx, `INSERT INTO notes (record_type, record_id, body, conversation_id, excerpt, created_by_user_id,
			edited_by_user_id, edited_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			r.RecordType, r.RecordID, r.Body, nullable(r.ConversationID), excerptText(r.Excerpt), nullable(r.CreatedByUserID),
			nullable(r.EditedByUserID), nullable(r.EditedAt), r.CreatedAt, r.UpdatedAt).Scan(&r.ID)
		if err = refErr(err, "note"); err == nil {
			err = tx.setTerms(ctx, crm.NoteType, r.ID, crm.NoteTerms(r))
		}
	case *crm.Link:
		err = tx.QueryRowContext(ctx, `INSERT INTO conversation_links (conversation_id, record_type, record_id, note_id, window_start, last_seq,
			created_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			r.ConversationID, r.RecordType, r.RecordID, nullable(r.NoteID), r.WindowStart, r.LastSeq, nullable(r.CreatedByUserID), r.CreatedAt).Scan(&r.ID)
		err = refErr(err, "link")
	case *crm.Change:
		if len(r.Fields) == 0 && r.Action == crm.ChangeUpdated {
			return nil // the update changed nothing the history shows
		}
		data := struct {
			Fields     []crm.FieldChange `json:"fields"`
			MergedID   int64             `json:"merged_id,omitempty"`
			MergedName string            `json:"merged_name,omitempty"`
		}{r.Fields, r.MergedID, r.MergedName}
		err = tx.QueryRowContext(ctx, `INSERT INTO crm_changes (record_type, record_id, user_id, action, changes, at) VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING id`, r.RecordType, r.RecordID, nullable(r.UserID), r.Action, jsonText(data), r.At).Scan(&r.ID)
		err = refErr(err, "change")
	case *crm.Rotation:
		_, err = tx.ExecContext(ctx, `INSERT INTO crm_rotation (team_id, last_user_id, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (team_id) DO UPDATE SET last_user_id = excluded.last_user_id, updated_at = excluded.updated_at`, r.TeamID, r.UserID, r.At)
		err = refErr(err, "rotation")
	case *crm.Merge:
		err = tx.merge(ctx, r)
	case *crm.Move:
		for _, q := range []string{
			"UPDATE activities SET deal_id = $2 WHERE lead_id = $1 AND deal_id IS NULL",
			"UPDATE notes SET record_type = 'deal', record_id = $2 WHERE record_type = 'lead' AND record_id = $1",
			`UPDATE conversation_links SET record_type = 'deal', record_id = $2 WHERE record_type = 'lead' AND record_id = $1
				AND NOT EXISTS (SELECT 1 FROM conversation_links o WHERE o.record_type = 'deal' AND o.record_id = $2
					AND o.conversation_id = conversation_links.conversation_id)`,
		} {
			if _, err = tx.ExecContext(ctx, q, r.LeadID, r.DealID); err != nil {
				return fmt.Errorf("move a converted lead's records: %w", err)
			}
		}
	default:
		return fmt.Errorf("store: cannot insert %T", rec)
	}
	return err
}

// merge hands the notes and conversation links of a merged record to the one it was merged into,
// and for persons lets go of the merged one's contact (linking its conversations to the other when
// that one keeps a contact of its own).
func (tx *Tx) merge(ctx context.Context, m *crm.Merge) error {
	steps := []struct {
		q    string
		args []any
	}{
		{"UPDATE notes SET record_id = $3 WHERE record_type = $1 AND record_id = $2", []any{m.Type, m.FromID, m.IntoID}},
		{`UPDATE conversation_links SET record_id = $3 WHERE record_type = $1 AND record_id = $2
			AND NOT EXISTS (SELECT 1 FROM conversation_links o WHERE o.record_type = $1 AND o.record_id = $3
				AND o.conversation_id = conversation_links.conversation_id)`, []any{m.Type, m.FromID, m.IntoID}},
	}
	if m.Type == crm.PersonType {
		if m.ContactID != 0 {
			steps = append(steps, struct {
				q    string
				args []any
			}{`INSERT INTO conversation_links (conversation_id, record_type, record_id, note_id, window_start, last_seq, created_by_user_id, created_at)
				SELECT c.id, 'person', $1, NULL, $2, c.last_seq, $3, $2 FROM conversations c WHERE c.contact_id = $4
				AND NOT EXISTS (SELECT 1 FROM conversation_links o WHERE o.record_type = 'person' AND o.record_id = $1 AND o.conversation_id = c.id)`,
				[]any{m.IntoID, m.At, nullable(m.UserID), m.ContactID}})
		}
		steps = append(steps, struct {
			q    string
			args []any
		}{"UPDATE persons SET contact_id = NULL WHERE id = $1", []any{m.FromID}})
	}
	for _, st := range steps {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("merge %s %d into %d: %w", m.Type, m.FromID, m.IntoID, err)
		}
	}
	return nil
}

func probability(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func excerptText(e *crm.Excerpt) any {
	if e == nil {
		return nil
	}
	return jsonText(e)
}

// changed answers a guarded update that changed no row: the record is gone, or another change
// committed since it was read.
func (tx *Tx) changed(ctx context.Context, table string, id int64, what string) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id = $1", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.NotFound, "%s not found", what)
	}
	return errs.Coded(errs.Conflict, "record_changed", "the %s was changed meanwhile; try again", what)
}

// guarded runs an update that must change one row.
func (tx *Tx) guarded(ctx context.Context, table, what string, id int64, q string, args ...any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return refErr(err, what)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return tx.changed(ctx, table, id, what)
	}
	return nil
}

func (tx *Tx) updateRecord(ctx context.Context, rec any, prev int64) error {
	switch r := rec.(type) {
	case *crm.Person:
		err := tx.guarded(ctx, "persons", "person", r.ID, `UPDATE persons SET name = $1, emails = $2, phones = $3, organization_id = $4,
			contact_id = $5, owner_user_id = $6, labels = $7, fields = $8, updated_at = $9 WHERE id = $10 AND updated_at = $11`,
			r.Name, jsonText(r.Emails), jsonText(r.Phones), nullable(r.OrganizationID), nullable(r.ContactID), nullable(r.OwnerUserID),
			jsonText(r.Labels), jsonText(r.Fields), r.UpdatedAt, r.ID, prev)
		if err != nil {
			return err
		}
		return tx.writeTerms(ctx, r)
	case *crm.Organization:
		err := tx.guarded(ctx, "organizations", "organization", r.ID, `UPDATE organizations SET name = $1, address = $2, owner_user_id = $3,
			labels = $4, fields = $5, updated_at = $6 WHERE id = $7 AND updated_at = $8`,
			r.Name, r.Address, nullable(r.OwnerUserID), jsonText(r.Labels), jsonText(r.Fields), r.UpdatedAt, r.ID, prev)
		if err != nil {
			return err
		}
		return tx.writeTerms(ctx, r)
	case *crm.Lead:
		err := tx.guarded(ctx, "leads", "lead", r.ID, `UPDATE leads SET title = $1, value = $2, currency = $3, status = $4, lead_status = $5,
			expected_close_date = $6, person_id = $7, organization_id = $8, deal_id = $9, owner_user_id = $10, labels = $11, fields = $12,
			updated_at = $13 WHERE id = $14 AND updated_at = $15`,
			r.Title, r.Value, r.Currency, crm.LegacyLeadStatus(r.Status), r.Status, r.ExpectedCloseDate, nullable(r.PersonID),
			nullable(r.OrganizationID), nullable(r.DealID), nullable(r.OwnerUserID), jsonText(r.Labels), jsonText(r.Fields), r.UpdatedAt, r.ID, prev)
		if err != nil {
			return err
		}
		return tx.writeTerms(ctx, r)
	case *crm.Deal:
		err := tx.guarded(ctx, "deals", "deal", r.ID, `UPDATE deals SET title = $1, value = $2, currency = $3, expected_close_date = $4,
			pipeline_id = $5, stage_id = $6, status = $7, lost_reason = $8, probability = $9, person_id = $10, organization_id = $11,
			owner_user_id = $12, labels = $13, fields = $14, closed_at = $15, updated_at = $16 WHERE id = $17 AND updated_at = $18`,
			r.Title, r.Value, r.Currency, r.ExpectedCloseDate, r.PipelineID, r.StageID, r.Status, r.LostReason, probability(r.Probability),
			nullable(r.PersonID), nullable(r.OrganizationID), nullable(r.OwnerUserID), jsonText(r.Labels), jsonText(r.Fields), nullable(r.ClosedAt),
			r.UpdatedAt, r.ID, prev)
		if err != nil {
			return err
		}
		return tx.writeTerms(ctx, r)
	case *crm.Activity:
		err := tx.guarded(ctx, "activities", "activity", r.ID, `UPDATE activities SET type = $1, subject = $2, note = $3, due_date = $4,
			due_time = $5, time_zone = $6, due_at = $7, duration_minutes = $8, done = $9, done_at = $10, person_id = $11, organization_id = $12,
			lead_id = $13, deal_id = $14, owner_user_id = $15, labels = $16, fields = $17, updated_at = $18 WHERE id = $19 AND updated_at = $20`,
			r.Type, r.Subject, r.Note, r.DueDate, r.DueTime, r.TimeZone, r.DueAt, r.DurationMinutes, boolInt(r.Done), nullable(r.DoneAt),
			nullable(r.PersonID), nullable(r.OrganizationID), nullable(r.LeadID), nullable(r.DealID), nullable(r.OwnerUserID), jsonText(r.Labels),
			jsonText(r.Fields), r.UpdatedAt, r.ID, prev)
		if err != nil {
			return err
		}
		return tx.writeTerms(ctx, r)
	case *crm.Note:
		err := tx.guarded(ctx, "notes", "note", r.ID, `UPDATE notes SET body = $1, excerpt = $2, edited_by_user_id = $3, edited_at = $4,
			updated_at = $5 WHERE id = $6 AND updated_at = $7`,
			r.Body, excerptText(r.Excerpt), nullable(r.EditedByUserID), nullable(r.EditedAt), r.UpdatedAt, r.ID, prev)
		if err != nil {
			return err
		}
		return tx.setTerms(ctx, crm.NoteType, r.ID, crm.NoteTerms(r))
	case *crm.Link:
		return tx.guarded(ctx, "conversation_links", "link", r.ID, `UPDATE conversation_links SET note_id = $1, window_start = $2, last_seq = $3
			WHERE id = $4 AND last_seq = $5`, nullable(r.NoteID), r.WindowStart, r.LastSeq, r.ID, prev)
	case *crm.Draft:
		if prev == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO crm_drafts (conversation_id, data, updated_by_user_id, updated_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (conversation_id) DO NOTHING`, r.ConversationID, jsonText(r), nullable(r.UpdatedByUserID), r.UpdatedAt)
			if err != nil {
				return refErr(err, "draft")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errs.Coded(errs.Conflict, "record_changed", "the details were changed meanwhile; try again")
			}
			return nil
		}
		res, err := tx.ExecContext(ctx, `UPDATE crm_drafts SET data = $1, updated_by_user_id = $2, updated_at = $3
			WHERE conversation_id = $4 AND updated_at = $5`, jsonText(r), nullable(r.UpdatedByUserID), r.UpdatedAt, r.ConversationID, prev)
		if err != nil {
			return refErr(err, "draft")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.Coded(errs.Conflict, "record_changed", "the details were changed meanwhile; try again")
		}
		return nil
	}
	return fmt.Errorf("store: cannot update %T", rec)
}

// recordTables names each record type's table.
var recordTables = map[crm.RecordType]string{
	crm.PersonType: "persons", crm.OrganizationType: "organizations", crm.LeadType: "leads", crm.DealType: "deals",
	crm.ActivityType: "activities", crm.NoteType: "notes",
}

func (tx *Tx) deleteRecord(ctx context.Context, d *crm.Deletion) error {
	table, ok := recordTables[d.Type]
	if !ok {
		return fmt.Errorf("store: cannot delete a %s", d.Type)
	}
	if d.Type != crm.NoteType {
		// Its notes, and the conversations' links to it, go with it.
		for _, q := range []string{
			"DELETE FROM crm_terms WHERE record_type = 'note' AND record_id IN (SELECT id FROM notes WHERE record_type = $1 AND record_id = $2)",
			"DELETE FROM notes WHERE record_type = $1 AND record_id = $2",
			"DELETE FROM conversation_links WHERE record_type = $1 AND record_id = $2",
			"DELETE FROM crm_changes WHERE record_type = $1 AND record_id = $2",
		} {
			if _, err := tx.ExecContext(ctx, q, d.Type, d.ID); err != nil {
				return fmt.Errorf("delete a %s's notes: %w", d.Type, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM crm_terms WHERE record_type = $1 AND record_id = $2", d.Type, d.ID); err != nil {
		return err
	}
	if err := tx.deleteDoc(ctx, search.Kind(d.Type), d.ID); err != nil {
		return err
	}
	return expectOne(tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE id = $1", d.ID))(string(d.Type))
}

// writeTerms replaces a record's search terms and its sort key.
func (tx *Tx) writeTerms(ctx context.Context, rec any) error {
	t, id, terms, ok := crm.Terms(rec)
	if !ok {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "UPDATE "+recordTables[t]+" SET sort_name = $1 WHERE id = $2 AND sort_name <> $1", crm.SortName(rec), id); err != nil {
		return fmt.Errorf("write sort key: %w", err)
	}
	if err := tx.setTerms(ctx, t, id, terms); err != nil {
		return err
	}
	return tx.writeRecordDoc(ctx, rec)
}

func (tx *Tx) setTerms(ctx context.Context, t crm.RecordType, id int64, terms []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM crm_terms WHERE record_type = $1 AND record_id = $2", t, id); err != nil {
		return fmt.Errorf("write search terms: %w", err)
	}
	if len(terms) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("INSERT INTO crm_terms (record_type, term, record_id) VALUES ")
	args := []any{t, id}
	for i, term := range terms {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, term)
		fmt.Fprintf(&b, "($1, $%d, $2)", len(args))
	}
	b.WriteString(" ON CONFLICT DO NOTHING")
	if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("write search terms: %w", err)
	}
	return nil
}

// ---- reads

type rowScanner interface{ Scan(...any) error }

func unjson(s string, dst any, what string) error {
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

const personColumns = `p.id, p.name, p.emails, p.phones, COALESCE(p.organization_id, 0), COALESCE(p.contact_id, 0), COALESCE(p.owner_user_id, 0),
	p.labels, p.fields, COALESCE(p.conversation_id, 0), COALESCE(p.created_by_user_id, 0), p.source, p.created_at, p.updated_at,
	COALESCE(o.name, ''), COALESCE(ow.name, ''), COALESCE(cb.name, '')`

const personFrom = ` FROM persons p LEFT JOIN organizations o ON o.id = p.organization_id LEFT JOIN users ow ON ow.id = p.owner_user_id
	LEFT JOIN users cb ON cb.id = p.created_by_user_id `

func scanPerson(row rowScanner) (*crm.Person, error) {
	var x crm.Person
	var emails, phones, labels, fields string
	if err := row.Scan(&x.ID, &x.Name, &emails, &phones, &x.OrganizationID, &x.ContactID, &x.OwnerUserID, &labels, &fields, &x.ConversationID,
		&x.CreatedByUserID, &x.Source, &x.CreatedAt, &x.UpdatedAt, &x.OrganizationName, &x.OwnerName, &x.CreatedByName); err != nil {
		return nil, err
	}
	for _, j := range []struct {
		s   string
		dst any
	}{{emails, &x.Emails}, {phones, &x.Phones}, {labels, &x.Labels}, {fields, &x.Fields}} {
		if err := unjson(j.s, j.dst, fmt.Sprintf("person %d", x.ID)); err != nil {
			return nil, err
		}
	}
	return &x, nil
}

const organizationColumns = `o.id, o.name, o.address, COALESCE(o.owner_user_id, 0), o.labels, o.fields, COALESCE(o.conversation_id, 0),
	COALESCE(o.created_by_user_id, 0), o.source, o.created_at, o.updated_at, COALESCE(ow.name, ''), COALESCE(cb.name, '')`

const organizationFrom = ` FROM organizations o LEFT JOIN users ow ON ow.id = o.owner_user_id LEFT JOIN users cb ON cb.id = o.created_by_user_id `

func scanOrganization(row rowScanner) (*crm.Organization, error) {
	var x crm.Organization
	var labels, fields string
	if err := row.Scan(&x.ID, &x.Name, &x.Address, &x.OwnerUserID, &labels, &fields, &x.ConversationID, &x.CreatedByUserID, &x.Source,
		&x.CreatedAt, &x.UpdatedAt, &x.OwnerName, &x.CreatedByName); err != nil {
		return nil, err
	}
	if err := unjson(labels, &x.Labels, "organization labels"); err != nil {
		return nil, err
	}
	return &x, unjson(fields, &x.Fields, "organization fields")
}

// A lead an old node wrote (lead_status NULL) is read through the columns it wrote (see
// migration 00011).
const leadColumns = `l.id, l.title, l.value, l.currency, l.expected_close_date,
	COALESCE(l.lead_status, CASE l.status WHEN 'won' THEN 'converted' WHEN 'lost' THEN 'disqualified' ELSE 'open' END),
	COALESCE(l.person_id, 0), COALESCE(l.organization_id, 0), COALESCE(l.contact_id, 0), COALESCE(l.conversation_id, 0), COALESCE(l.deal_id, 0),
	COALESCE(l.owner_user_id, 0), COALESCE(l.created_by_user_id, 0),
	COALESCE(l.lead_source, CASE WHEN l.source = 'bot' THEN 'bot' WHEN l.source = 'api' THEN 'api' WHEN l.conversation_id IS NULL THEN 'manual' ELSE 'chat' END),
	l.labels, l.fields, l.created_at, l.updated_at, COALESCE(cb.name, ''), COALESCE(ow.name, ''), COALESCE(p.name, ''), COALESCE(o.name, '')`

const leadFrom = ` FROM leads l LEFT JOIN users cb ON cb.id = l.created_by_user_id LEFT JOIN users ow ON ow.id = l.owner_user_id
	LEFT JOIN persons p ON p.id = l.person_id LEFT JOIN organizations o ON o.id = l.organization_id `

func scanLead(row rowScanner) (*crm.Lead, error) {
	var l crm.Lead
	var labels, fields string
	if err := row.Scan(&l.ID, &l.Title, &l.Value, &l.Currency, &l.ExpectedCloseDate, &l.Status, &l.PersonID, &l.OrganizationID, &l.ContactID,
		&l.ConversationID, &l.DealID, &l.OwnerUserID, &l.CreatedByUserID, &l.Source, &labels, &fields, &l.CreatedAt, &l.UpdatedAt,
		&l.CreatedByName, &l.OwnerName, &l.PersonName, &l.OrganizationName); err != nil {
		return nil, err
	}
	if err := unjson(labels, &l.Labels, "lead labels"); err != nil {
		return nil, err
	}
	return &l, unjson(fields, &l.Fields, "lead fields")
}

const dealColumns = `d.id, d.title, d.value, d.currency, d.expected_close_date, d.pipeline_id, d.stage_id, d.status, d.lost_reason, d.probability,
	COALESCE(d.person_id, 0), COALESCE(d.organization_id, 0), COALESCE(d.contact_id, 0), COALESCE(d.conversation_id, 0), COALESCE(d.lead_id, 0),
	COALESCE(d.owner_user_id, 0), COALESCE(d.created_by_user_id, 0), d.source, d.labels, d.fields, COALESCE(d.closed_at, 0), d.created_at,
	d.updated_at, COALESCE(cb.name, ''), COALESCE(ow.name, ''), COALESCE(p.name, ''), COALESCE(o.name, ''), COALESCE(st.name, '')`

const dealFrom = ` FROM deals d LEFT JOIN users cb ON cb.id = d.created_by_user_id LEFT JOIN users ow ON ow.id = d.owner_user_id
	LEFT JOIN persons p ON p.id = d.person_id LEFT JOIN organizations o ON o.id = d.organization_id
	LEFT JOIN pipeline_stages st ON st.id = d.stage_id `

func scanDeal(row rowScanner) (*crm.Deal, error) {
	var d crm.Deal
	var labels, fields string
	var prob sql.NullInt64
	if err := row.Scan(&d.ID, &d.Title, &d.Value, &d.Currency, &d.ExpectedCloseDate, &d.PipelineID, &d.StageID, &d.Status, &d.LostReason, &prob,
		&d.PersonID, &d.OrganizationID, &d.ContactID, &d.ConversationID, &d.LeadID, &d.OwnerUserID, &d.CreatedByUserID, &d.Source, &labels,
		&fields, &d.ClosedAt, &d.CreatedAt, &d.UpdatedAt, &d.CreatedByName, &d.OwnerName, &d.PersonName, &d.OrganizationName, &d.StageName); err != nil {
		return nil, err
	}
	if prob.Valid {
		v := int(prob.Int64)
		d.Probability = &v
	}
	if err := unjson(labels, &d.Labels, "deal labels"); err != nil {
		return nil, err
	}
	return &d, unjson(fields, &d.Fields, "deal fields")
}

const activityColumns = `a.id, a.type, a.subject, a.note, a.due_date, a.due_time, a.time_zone, a.due_at, a.duration_minutes, a.done,
	COALESCE(a.done_at, 0), COALESCE(a.person_id, 0), COALESCE(a.organization_id, 0), COALESCE(a.lead_id, 0), COALESCE(a.deal_id, 0),
	COALESCE(a.owner_user_id, 0), a.labels, a.fields, COALESCE(a.conversation_id, 0), COALESCE(a.created_by_user_id, 0), a.source,
	a.created_at, a.updated_at, COALESCE(ow.name, ''), COALESCE(cb.name, '')`

const activityFrom = ` FROM activities a LEFT JOIN users ow ON ow.id = a.owner_user_id LEFT JOIN users cb ON cb.id = a.created_by_user_id `

func scanActivity(row rowScanner) (*crm.Activity, error) {
	var a crm.Activity
	var labels, fields string
	var done int64
	if err := row.Scan(&a.ID, &a.Type, &a.Subject, &a.Note, &a.DueDate, &a.DueTime, &a.TimeZone, &a.DueAt, &a.DurationMinutes, &done, &a.DoneAt,
		&a.PersonID, &a.OrganizationID, &a.LeadID, &a.DealID, &a.OwnerUserID, &labels, &fields, &a.ConversationID, &a.CreatedByUserID, &a.Source,
		&a.CreatedAt, &a.UpdatedAt, &a.OwnerName, &a.CreatedByName); err != nil {
		return nil, err
	}
	a.Done = done != 0
	if err := unjson(labels, &a.Labels, "activity labels"); err != nil {
		return nil, err
	}
	return &a, unjson(fields, &a.Fields, "activity fields")
}

const noteColumns = `n.id, n.record_type, n.record_id, n.body, COALESCE(n.conversation_id, 0), n.excerpt, COALESCE(n.created_by_user_id, 0),
	COALESCE(n.edited_by_user_id, 0), COALESCE(n.edited_at, 0), n.created_at, n.updated_at, COALESCE(cb.name, ''), COALESCE(eb.name, '')`

const noteFrom = ` FROM notes n LEFT JOIN users cb ON cb.id = n.created_by_user_id LEFT JOIN users eb ON eb.id = n.edited_by_user_id `

func scanNote(row rowScanner) (*crm.Note, error) {
	var n crm.Note
	var excerpt sql.NullString
	if err := row.Scan(&n.ID, &n.RecordType, &n.RecordID, &n.Body, &n.ConversationID, &excerpt, &n.CreatedByUserID, &n.EditedByUserID,
		&n.EditedAt, &n.CreatedAt, &n.UpdatedAt, &n.CreatedByName, &n.EditedByName); err != nil {
		return nil, err
	}
	if excerpt.Valid {
		n.Excerpt = &crm.Excerpt{}
		if err := unjson(excerpt.String, n.Excerpt, "note excerpt"); err != nil {
			return nil, err
		}
	}
	return &n, nil
}

// byID reads one record with its scanner.
func byID[T any](ctx context.Context, db *DB, columns, from, alias string, scan func(rowScanner) (*T, error), what string, id int64) (*T, error) {
	x, err := scan(db.read.QueryRowContext(ctx, "SELECT "+columns+from+"WHERE "+alias+".id = $1", id))
	if err != nil {
		return nil, notFound(err, what)
	}
	return x, nil
}

// PersonByID returns a person.
func (db *DB) PersonByID(ctx context.Context, id int64) (*crm.Person, error) {
	return byID(ctx, db, personColumns, personFrom, "p", scanPerson, "person", id)
}

// PersonOfContact returns the person a contact is.
func (db *DB) PersonOfContact(ctx context.Context, contactID int64) (*crm.Person, error) {
	x, err := scanPerson(db.read.QueryRowContext(ctx, "SELECT "+personColumns+personFrom+"WHERE p.contact_id = $1", contactID))
	if err != nil {
		return nil, notFound(err, "person")
	}
	return x, nil
}

// OrganizationByID returns an organisation.
func (db *DB) OrganizationByID(ctx context.Context, id int64) (*crm.Organization, error) {
	return byID(ctx, db, organizationColumns, organizationFrom, "o", scanOrganization, "organization", id)
}

// OrganizationByName returns the oldest organisation of exactly that name.
func (db *DB) OrganizationByName(ctx context.Context, name string) (*crm.Organization, error) {
	x, err := scanOrganization(db.read.QueryRowContext(ctx, "SELECT "+organizationColumns+organizationFrom+"WHERE o.name = $1 ORDER BY o.id LIMIT 1", name))
	if err != nil {
		return nil, notFound(err, "organization")
	}
	return x, nil
}

// LeadByID returns a lead.
func (db *DB) LeadByID(ctx context.Context, id int64) (*crm.Lead, error) {
	return byID(ctx, db, leadColumns, leadFrom, "l", scanLead, "lead", id)
}

// DealByID returns a deal.
func (db *DB) DealByID(ctx context.Context, id int64) (*crm.Deal, error) {
	return byID(ctx, db, dealColumns, dealFrom, "d", scanDeal, "deal", id)
}

// ActivityByID returns an activity.
func (db *DB) ActivityByID(ctx context.Context, id int64) (*crm.Activity, error) {
	return byID(ctx, db, activityColumns, activityFrom, "a", scanActivity, "activity", id)
}

// NoteByID returns a note.
func (db *DB) NoteByID(ctx context.Context, id int64) (*crm.Note, error) {
	return byID(ctx, db, noteColumns, noteFrom, "n", scanNote, "note", id)
}

// listQuery builds a list's query: its conditions, and the records a search starts from.
type listQuery struct {
	where  []string
	args   []any
	table  string // the records' table, with alias
	driver string // a search's records to start from (a subquery of ids), when one word is selective
}

func (l *listQuery) arg(v any) string {
	l.args = append(l.args, v)
	return fmt.Sprintf("$%d", len(l.args))
}

// eq filters column = v when v is set.
func (l *listQuery) eq(column string, v int64) {
	if v != 0 {
		l.where = append(l.where, column+" = "+l.arg(v))
	}
}

// hasTerm is the condition that the record of type t whose id is in column has a term starting
// with prefix: one probe of the terms' (record_type, record_id, term) index per record. It is a
// scalar subquery rather than EXISTS on purpose: PostgreSQL may turn an EXISTS into a hash of every
// match, which for a common prefix means reading tens of thousands of terms to fill one page.
func (l *listQuery) hasTerm(t crm.RecordType, column, prefix string) string {
	return fmt.Sprintf("(SELECT 1 FROM crm_terms WHERE record_type = %s AND record_id = %s AND term >= %s AND term < %s LIMIT 1) IS NOT NULL",
		l.arg(string(t)), column, l.arg(prefix), l.arg(crm.PrefixEnd(prefix)))
}

// selective is how many terms a word may match for a search to start from them: up to it, the list
// reads the records those terms name (and probes them for the other words); above, it walks the
// records newest first and probes each, which finds a page quickly because so many match.
var selective = 8000

// hashable is how many terms a word that does not drive a search may match for its records to be
// read once as a set; a word that matches more is checked record by record.
var hashable = 30000

// search requires every word of q to start a term of the record, its own or that of the records it
// points at (via maps a type to the column pointing at it). Prefix search has two costs to avoid:
// a short, common prefix matches tens of thousands of terms, and a rare one matches almost none, so
// neither "read every match, then sort" nor "walk the records newest first until a page is full"
// is fast for both. So each word's terms are counted first, up to a bound. When one word matches
// at most that many, the matches are read from its records, checked for the other words, in a
// materialised CTE the list joins and orders by: both engines then read a few thousand records at
// most and never walk the whole table hoping the other words match soon. When every word matches
// more, the list walks the records newest first and checks each, finding a page after a few
// hundred records at most because so many match.
func (db *DB) search(ctx context.Context, l *listQuery, q string, t crm.RecordType, alias string, via map[crm.RecordType]string) error {
	words := crm.QueryTerms(q)
	// The types whose terms count (the record's own first) and the column naming each.
	types := []crm.RecordType{t}
	cols := map[crm.RecordType]string{t: "id"}
	for _, vt := range []crm.RecordType{crm.PersonType, crm.OrganizationType} {
		if col, ok := via[vt]; ok && vt != t {
			types = append(types, vt)
			cols[vt] = col
		}
	}
	// counts[i][vt]: the terms word i matches of type vt, up to hashable+1.
	counts := make([]map[crm.RecordType]int, len(words))
	best, fewest := -1, 0
	for i, w := range words {
		counts[i] = map[crm.RecordType]int{}
		total := 0
		for _, vt := range types {
			n, err := db.termCount(ctx, vt, w)
			if err != nil {
				return err
			}
			counts[i][vt] = n
			total += n
		}
		if total == 0 {
			l.where = append(l.where, "1 = 0") // a word nothing starts: nothing matches
			return nil
		}
		if total <= selective && (best < 0 || total < fewest) {
			best, fewest = i, total
		}
	}
	// A word's condition: of the types it matches at all, a set of ids read once (with a driver,
	// when it matches few enough terms to hash them) or a probe of each record's terms (otherwise,
	// and when walking the records newest first).
	cond := func(i int) string {
		var conds []string
		for _, vt := range types {
			n := counts[i][vt]
			switch {
			case n == 0:
			case best >= 0 && n <= hashable:
				conds = append(conds, alias+"."+cols[vt]+" IN ("+l.termIDs(vt, words[i])+")")
			default:
				conds = append(conds, l.hasTerm(vt, alias+"."+cols[vt], words[i]))
			}
		}
		return "(" + strings.Join(conds, " OR ") + ")"
	}
	for i := range words {
		if i != best {
			l.where = append(l.where, cond(i))
		}
	}
	if best < 0 {
		return nil
	}
	var from []string
	for _, vt := range types {
		switch {
		case counts[best][vt] == 0:
		case vt == t:
			from = append(from, l.termIDs(t, words[best]))
		default:
			from = append(from, "SELECT id AS record_id FROM "+recordTables[t]+" WHERE "+cols[vt]+" IN ("+l.termIDs(vt, words[best])+")")
		}
	}
	l.driver = strings.Join(from, " UNION ")
	return nil
}

// termIDs is the subquery of the ids of records of type t with a term starting with prefix.
func (l *listQuery) termIDs(t crm.RecordType, prefix string) string {
	return fmt.Sprintf("SELECT record_id FROM crm_terms WHERE record_type = %s AND term >= %s AND term < %s",
		l.arg(string(t)), l.arg(prefix), l.arg(crm.PrefixEnd(prefix)))
}

// termCount counts the terms of records of type t a word starts, up to hashable+1.
func (db *DB) termCount(ctx context.Context, t crm.RecordType, word string) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM crm_terms WHERE record_type = $1 AND term >= $2 AND term < $3
		LIMIT $4) AS matches`, string(t), word, crm.PrefixEnd(word), hashable+1).Scan(&n)
	return n, err
}

// query is the list's SQL: a page of the records, newest first. A search that starts from a
// selective word's records (driver) picks the page's ids first, in a materialised CTE, so the
// joins for names run for one page only: from the driver's ids alone when nothing else is asked
// (no record is read), otherwise from the records among them that meet the conditions. "+ 0" keeps
// PostgreSQL from walking the whole table newest first to merge it with those few thousand ids (the
// primary key's order being the order asked for): as an expression it sorts what matched instead.
func (l *listQuery) query(columns, from, alias string, beforeID int64, limit int) string {
	lim := l.arg(limit)
	if l.driver == "" {
		if beforeID != 0 {
			l.where = append(l.where, alias+".id < "+l.arg(beforeID))
		}
		return "SELECT " + columns + from + where(l.where) + " ORDER BY " + alias + ".id DESC LIMIT " + lim
	}
	var m string
	if len(l.where) == 0 {
		cursor := ""
		if beforeID != 0 {
			cursor = " WHERE d.record_id < " + l.arg(beforeID)
		}
		// DISTINCT: a record may have several terms starting with the word (bob, bob@example.com).
		m = "SELECT DISTINCT d.record_id FROM (" + l.driver + ") d" + cursor + " ORDER BY d.record_id DESC LIMIT " + lim
	} else {
		if beforeID != 0 {
			l.where = append(l.where, alias+".id < "+l.arg(beforeID))
		}
		m = "SELECT " + alias + ".id AS record_id FROM " + l.table + " " + alias + " WHERE " + alias + ".id IN (" + l.driver + ") AND " +
			strings.Join(l.where, " AND ") + " ORDER BY " + alias + ".id + 0 DESC LIMIT " + lim
	}
	i := strings.Index(from, " LEFT JOIN")
	if i < 0 {
		i = len(from)
	}
	return "WITH m AS MATERIALIZED (" + m + ") SELECT " + columns + from[:i] + " JOIN m ON m.record_id = " + alias + ".id" + from[i:] +
		" ORDER BY " + alias + ".id DESC"
}

func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(conds, " AND ")
}

func list[T any](ctx context.Context, db *DB, query string, args []any, scan func(rowScanner) (*T, error)) ([]T, error) {
	rows, err := db.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *x)
	}
	return out, rows.Err()
}

// ListPersons lists persons newest first.
func (db *DB) ListPersons(ctx context.Context, q crm.Query) ([]crm.Person, error) {
	l := listQuery{table: "persons"}
	l.eq("p.organization_id", q.OrganizationID)
	l.eq("p.owner_user_id", q.OwnerUserID)
	l.eq("p.contact_id", q.ContactID)
	l.eq("p.conversation_id", q.ConversationID)
	if err := db.search(ctx, &l, q.Q, crm.PersonType, "p", map[crm.RecordType]string{crm.OrganizationType: "organization_id"}); err != nil {
		return nil, err
	}
	return listRecords(ctx, db, &l, crm.PersonType, personColumns, personFrom, "p", q, scanPerson, func(x *crm.Person) (int64, *string) { return x.ID, &x.Cursor })
}

// ListOrganizations lists organisations newest first.
func (db *DB) ListOrganizations(ctx context.Context, q crm.Query) ([]crm.Organization, error) {
	l := listQuery{table: "organizations"}
	l.eq("o.owner_user_id", q.OwnerUserID)
	l.eq("o.conversation_id", q.ConversationID)
	if err := db.search(ctx, &l, q.Q, crm.OrganizationType, "o", nil); err != nil {
		return nil, err
	}
	return listRecords(ctx, db, &l, crm.OrganizationType, organizationColumns, organizationFrom, "o", q, scanOrganization,
		func(x *crm.Organization) (int64, *string) { return x.ID, &x.Cursor })
}

// ListLeads lists leads newest first.
func (db *DB) ListLeads(ctx context.Context, q crm.Query) ([]crm.Lead, error) {
	l := listQuery{table: "leads"}
	l.eq("l.person_id", q.PersonID)
	l.eq("l.organization_id", q.OrganizationID)
	l.eq("l.owner_user_id", q.OwnerUserID)
	l.eq("l.contact_id", q.ContactID)
	l.eq("l.conversation_id", q.ConversationID)
	if q.Status != "" {
		l.where = append(l.where, leadStatusExpr+" = "+l.arg(q.Status))
	}
	if err := db.search(ctx, &l, q.Q, crm.LeadType, "l", map[crm.RecordType]string{crm.PersonType: "person_id", crm.OrganizationType: "organization_id"}); err != nil {
		return nil, err
	}
	return listRecords(ctx, db, &l, crm.LeadType, leadColumns, leadFrom, "l", q, scanLead, func(x *crm.Lead) (int64, *string) { return x.ID, &x.Cursor })
}

// ListDeals lists deals newest first.
func (db *DB) ListDeals(ctx context.Context, q crm.Query) ([]crm.Deal, error) {
	l, err := db.dealQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	return listRecords(ctx, db, l, crm.DealType, dealColumns, dealFrom, "d", q, scanDeal, func(x *crm.Deal) (int64, *string) { return x.ID, &x.Cursor })
}

// dealQuery is the deal list's own filters and search.
func (db *DB) dealQuery(ctx context.Context, q crm.Query) (*listQuery, error) {
	l := &listQuery{table: "deals"}
	l.eq("d.pipeline_id", q.PipelineID)
	l.eq("d.stage_id", q.StageID)
	l.eq("d.person_id", q.PersonID)
	l.eq("d.organization_id", q.OrganizationID)
	l.eq("d.owner_user_id", q.OwnerUserID)
	l.eq("d.contact_id", q.ContactID)
	l.eq("d.conversation_id", q.ConversationID)
	l.eq("d.lead_id", q.LeadID)
	if q.Status != "" {
		l.where = append(l.where, "d.status = "+l.arg(q.Status))
	}
	if err := db.search(ctx, l, q.Q, crm.DealType, "d", map[crm.RecordType]string{crm.PersonType: "person_id", crm.OrganizationType: "organization_id"}); err != nil {
		return nil, err
	}
	return l, nil
}

// DealSummary counts the deals a list's filters keep, and adds up their values, per stage and
// currency.
func (db *DB) DealSummary(ctx context.Context, q crm.Query) ([]crm.StageSummary, error) {
	l, err := db.dealQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	db.filters(l, crm.DealType, "d", q)
	if l.driver != "" {
		l.where = append(l.where, "d.id IN ("+l.driver+")")
	}
	rows, err := db.read.QueryContext(ctx, "SELECT d.stage_id, d.currency, COUNT(*), COALESCE(SUM(d.value), 0) FROM deals d "+where(l.where)+
		" GROUP BY d.stage_id, d.currency ORDER BY d.stage_id, d.currency", l.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.StageSummary{}
	for rows.Next() {
		var stage, n, sum int64
		var cur string
		if err := rows.Scan(&stage, &cur, &n, &sum); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].StageID != stage {
			out = append(out, crm.StageSummary{StageID: stage, Totals: []crm.Money{}})
		}
		s := &out[len(out)-1]
		s.Count += int(n)
		s.Totals = append(s.Totals, crm.Money{Value: sum, Currency: cur})
	}
	return out, rows.Err()
}

// ListActivities lists activities newest first.
func (db *DB) ListActivities(ctx context.Context, q crm.Query) ([]crm.Activity, error) {
	l := listQuery{table: "activities"}
	l.eq("a.person_id", q.PersonID)
	l.eq("a.organization_id", q.OrganizationID)
	l.eq("a.lead_id", q.LeadID)
	l.eq("a.deal_id", q.DealID)
	l.eq("a.owner_user_id", q.OwnerUserID)
	l.eq("a.conversation_id", q.ConversationID)
	if q.Done != nil {
		l.where = append(l.where, "a.done = "+l.arg(boolInt(*q.Done)))
	}
	if err := db.search(ctx, &l, q.Q, crm.ActivityType, "a", map[crm.RecordType]string{crm.PersonType: "person_id", crm.OrganizationType: "organization_id"}); err != nil {
		return nil, err
	}
	return listRecords(ctx, db, &l, crm.ActivityType, activityColumns, activityFrom, "a", q, scanActivity, func(x *crm.Activity) (int64, *string) { return x.ID, &x.Cursor })
}

// ListNotes lists a record's notes newest first.
func (db *DB) ListNotes(ctx context.Context, t crm.RecordType, id int64, q crm.Query) ([]crm.Note, error) {
	l := listQuery{table: "notes"}
	l.where = append(l.where, "n.record_type = "+l.arg(string(t)), "n.record_id = "+l.arg(id))
	if err := db.search(ctx, &l, q.Q, crm.NoteType, "n", nil); err != nil {
		return nil, err
	}
	return list(ctx, db, l.query(noteColumns, noteFrom, "n", q.BeforeID, q.Limit), l.args, scanNote)
}

// Changes lists a record's history, newest first.
func (db *DB) Changes(ctx context.Context, t crm.RecordType, id int64, q crm.Query) ([]crm.Change, error) {
	var l listQuery
	cond := "c.record_type = " + l.arg(string(t)) + " AND c.record_id = " + l.arg(id)
	if q.BeforeID != 0 {
		cond += " AND c.id < " + l.arg(q.BeforeID)
	}
	return list(ctx, db, `SELECT c.id, c.record_type, c.record_id, COALESCE(c.user_id, 0), c.action, c.changes, c.at, COALESCE(u.name, '')
		FROM crm_changes c LEFT JOIN users u ON u.id = c.user_id WHERE `+cond+" ORDER BY c.id DESC LIMIT "+l.arg(crm.PageSize(q.Limit)),
		l.args, func(row rowScanner) (*crm.Change, error) {
			var x crm.Change
			var data string
			if err := row.Scan(&x.ID, &x.RecordType, &x.RecordID, &x.UserID, &x.Action, &data, &x.At, &x.UserName); err != nil {
				return nil, err
			}
			var d struct {
				Fields     []crm.FieldChange `json:"fields"`
				MergedID   int64             `json:"merged_id"`
				MergedName string            `json:"merged_name"`
			}
			if err := unjson(data, &d, "change"); err != nil {
				return nil, err
			}
			x.Fields, x.MergedID, x.MergedName = d.Fields, d.MergedID, d.MergedName
			if x.Fields == nil {
				x.Fields = []crm.FieldChange{}
			}
			return &x, nil
		})
}

// PersonsByEmail finds the persons with these emails (each an email term of theirs).
func (db *DB) PersonsByEmail(ctx context.Context, emails []string) (map[string]int64, error) {
	return db.byTerms(ctx, emails, func(l *listQuery, ph string) string {
		return "SELECT term, MIN(record_id) FROM crm_terms WHERE record_type = 'person' AND term IN (" + ph + ") GROUP BY term"
	})
}

// OrganizationsByName finds the oldest organisation of each of these exact names.
func (db *DB) OrganizationsByName(ctx context.Context, names []string) (map[string]int64, error) {
	return db.byTerms(ctx, names, func(l *listQuery, ph string) string {
		return "SELECT name, MIN(id) FROM organizations WHERE name IN (" + ph + ") GROUP BY name"
	})
}

// byTerms runs a query naming keys, 500 at a time, reading (key, id) rows.
func (db *DB) byTerms(ctx context.Context, keys []string, query func(l *listQuery, placeholders string) string) (map[string]int64, error) {
	out := map[string]int64{}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		var l listQuery
		ph := make([]string, n)
		for i, k := range keys[:n] {
			ph[i] = l.arg(k)
		}
		keys = keys[n:]
		rows, err := db.read.QueryContext(ctx, query(&l, strings.Join(ph, ", ")), l.args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListSettings returns a user's settings of a list.
func (db *DB) ListSettings(ctx context.Context, userID int64, t crm.RecordType) (*crm.ListSettings, error) {
	var data string
	err := db.read.QueryRowContext(ctx, "SELECT settings FROM crm_list_settings WHERE user_id = $1 AND record_type = $2", userID, t).Scan(&data)
	out := &crm.ListSettings{Columns: []string{}}
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	return out, unjson(data, out, "list settings")
}

// SaveListSettings keeps a user's settings of a list.
func (db *DB) SaveListSettings(ctx context.Context, userID int64, t crm.RecordType, s *crm.ListSettings, at int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO crm_list_settings (user_id, record_type, settings, updated_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, record_type) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`, userID, t, jsonText(s), at)
		return err
	})
}

// ActiveUsers lists the users who are not deactivated.
func (db *DB) ActiveUsers(ctx context.Context) ([]auth.User, error) {
	all, err := db.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, u := range all {
		if !u.Deactivated {
			out = append(out, u)
		}
	}
	return out, nil
}

// ActivityZones lists the time zones activities are due in.
func (db *DB) ActivityZones(ctx context.Context) ([]string, error) {
	return list(ctx, db, "SELECT DISTINCT time_zone FROM activities ORDER BY time_zone", nil, func(row rowScanner) (*string, error) {
		var z string
		return &z, row.Scan(&z)
	})
}

// LinksOfRecord lists the conversations linked to a record, oldest first.
func (db *DB) LinksOfRecord(ctx context.Context, t crm.RecordType, id int64) ([]crm.Link, error) {
	return list(ctx, db, `SELECT id, conversation_id, record_type, record_id, COALESCE(note_id, 0), window_start, last_seq,
		COALESCE(created_by_user_id, 0), created_at FROM conversation_links WHERE record_type = $1 AND record_id = $2 ORDER BY id LIMIT 200`,
		[]any{t, id}, func(row rowScanner) (*crm.Link, error) {
			var x crm.Link
			err := row.Scan(&x.ID, &x.ConversationID, &x.RecordType, &x.RecordID, &x.NoteID, &x.WindowStart, &x.LastSeq, &x.CreatedByUserID, &x.CreatedAt)
			return &x, err
		})
}

// LinksOfConversations returns the links of the conversations, oldest first.
func (db *DB) LinksOfConversations(ctx context.Context, ids []int64) ([]crm.Link, error) {
	if len(ids) == 0 {
		return []crm.Link{}, nil
	}
	var l listQuery
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = l.arg(id)
	}
	return list(ctx, db, `SELECT id, conversation_id, record_type, record_id, COALESCE(note_id, 0), window_start, last_seq,
		COALESCE(created_by_user_id, 0), created_at FROM conversation_links WHERE conversation_id IN (`+strings.Join(ph, ", ")+`) ORDER BY id`,
		l.args, func(row rowScanner) (*crm.Link, error) {
			var x crm.Link
			err := row.Scan(&x.ID, &x.ConversationID, &x.RecordType, &x.RecordID, &x.NoteID, &x.WindowStart, &x.LastSeq, &x.CreatedByUserID, &x.CreatedAt)
			return &x, err
		})
}

// DraftOf returns what a conversation's details panel captured.
func (db *DB) DraftOf(ctx context.Context, convID int64) (*crm.Draft, error) {
	var data string
	var by, at int64
	err := db.read.QueryRowContext(ctx, "SELECT data, COALESCE(updated_by_user_id, 0), updated_at FROM crm_drafts WHERE conversation_id = $1",
		convID).Scan(&data, &by, &at)
	if err != nil {
		return nil, notFound(err, "draft")
	}
	var d crm.Draft
	if err := unjson(data, &d, "draft"); err != nil {
		return nil, err
	}
	d.ConversationID, d.UpdatedByUserID, d.UpdatedAt = convID, by, at
	return &d, nil
}

// LastRotation is the member a team's round-robin owner went to last.
func (db *DB) LastRotation(ctx context.Context, teamID int64) (int64, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, "SELECT last_user_id FROM crm_rotation WHERE team_id = $1", teamID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// Reindex writes again the search terms of up to limit records of type t with ids above after.
func (db *DB) Reindex(ctx context.Context, t crm.RecordType, after int64, limit int) (int64, error) {
	var recs []any
	var err error
	collect := func(x any) { recs = append(recs, x) }
	switch t {
	case crm.PersonType:
		err = each(ctx, db, personColumns+personFrom, "p", after, limit, scanPerson, collect)
	case crm.OrganizationType:
		err = each(ctx, db, organizationColumns+organizationFrom, "o", after, limit, scanOrganization, collect)
	case crm.LeadType:
		err = each(ctx, db, leadColumns+leadFrom, "l", after, limit, scanLead, collect)
	case crm.DealType:
		err = each(ctx, db, dealColumns+dealFrom, "d", after, limit, scanDeal, collect)
	case crm.ActivityType:
		err = each(ctx, db, activityColumns+activityFrom, "a", after, limit, scanActivity, collect)
	case crm.NoteType:
		err = each(ctx, db, noteColumns+noteFrom, "n", after, limit, scanNote, collect)
	default:
		return 0, fmt.Errorf("store: no search terms for %s", t)
	}
	if err != nil || len(recs) == 0 {
		return 0, err
	}
	var last int64
	err = db.InTx(ctx, func(tx *Tx) error {
		for _, r := range recs {
			if n, ok := r.(*crm.Note); ok {
				last = n.ID
				if err := tx.setTerms(ctx, crm.NoteType, n.ID, crm.NoteTerms(n)); err != nil {
					return err
				}
				continue
			}
			_, id, _, _ := crm.Terms(r)
			last = id
			if err := tx.writeTerms(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	return last, err
}

func each[T any](ctx context.Context, db *DB, colsFrom, alias string, after int64, limit int, scan func(rowScanner) (*T, error), fn func(any)) error {
	xs, err := list(ctx, db, "SELECT "+colsFrom+"WHERE "+alias+".id > $1 ORDER BY "+alias+".id LIMIT $2", []any{after, limit}, scan)
	if err != nil {
		return err
	}
	for i := range xs {
		fn(&xs[i])
	}
	return nil
}
