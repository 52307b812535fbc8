package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/report"
)

// The facts reports read (internal/report, docs/reports.md), kept by the report consumer.

const ensureReportRow = `INSERT INTO report_conversations (conversation_id) VALUES ($1) ON CONFLICT (conversation_id) DO NOTHING`

// ApplyReportChanges applies the changes in order, in one transaction.
func (db *DB) ApplyReportChanges(ctx context.Context, changes []report.Change) error {
	return db.InTx(ctx, func(tx *Tx) error {
		for _, c := range changes {
			if err := applyReportChange(ctx, tx, &c); err != nil {
				return fmt.Errorf("report facts of conversation %d: %w", c.ConversationID, err)
			}
		}
		return nil
	})
}

func applyReportChange(ctx context.Context, tx *Tx, c *report.Change) error {
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	switch c.Kind {
	case report.Deleted:
		if err := exec(`DELETE FROM report_bot_cards WHERE conversation_id = $1`, c.ConversationID); err != nil {
			return err
		}
		return exec(`DELETE FROM report_conversations WHERE conversation_id = $1`, c.ConversationID)
	case report.BotCard:
		// The playbook and version the conversation runs on (bot_runs, written with its first card).
		if err := exec(`INSERT INTO report_bot_cards (conversation_id, card_id, playbook_id, playbook_version, card_type, seen_at, live_state)
			SELECT conversation_id, $2, playbook_id, version, $3, $4, $5 FROM bot_runs WHERE conversation_id = $1
			ON CONFLICT (conversation_id, card_id) DO UPDATE SET live_state = CASE WHEN report_bot_cards.live_state IN ('', 'waiting')
			THEN excluded.live_state ELSE report_bot_cards.live_state END`, c.ConversationID, c.CardID, c.CardType, c.At, c.LiveState); err != nil {
			return err
		}
		if err := exec(ensureReportRow, c.ConversationID); err != nil {
			return err
		}
		return exec(`UPDATE report_conversations SET playbook_id = r.playbook_id, playbook_version = r.version
			FROM (SELECT playbook_id, version FROM bot_runs WHERE conversation_id = $1) AS r WHERE conversation_id = $1`, c.ConversationID)
	case report.BotResponse:
		return exec(`UPDATE report_bot_cards SET answered_at = COALESCE(answered_at, $3) WHERE conversation_id = $1 AND card_id = $2`,
			c.ConversationID, c.CardID, c.At)
	}
	if err := exec(ensureReportRow, c.ConversationID); err != nil {
		return err
	}
	switch c.Kind {
	case report.Created:
		return exec(`UPDATE report_conversations SET inbox_id = $2, channel = $3, created_at = $4,
			agent_id = CASE WHEN agent_id = 0 THEN $5 ELSE agent_id END, team_id = CASE WHEN team_id = 0 THEN $6 ELSE team_id END
			WHERE conversation_id = $1`, c.ConversationID, c.InboxID, c.Channel, c.At, c.AgentID, c.TeamID)
	case report.Assigned:
		return exec(`UPDATE report_conversations SET agent_id = CASE WHEN CAST($2 AS BIGINT) <> 0 THEN CAST($2 AS BIGINT) ELSE agent_id END,
			team_id = CASE WHEN CAST($3 AS BIGINT) <> 0 THEN CAST($3 AS BIGINT) ELSE team_id END WHERE conversation_id = $1`, c.ConversationID, c.AgentID, c.TeamID)
	case report.Closed:
		return exec(`UPDATE report_conversations SET closed_at = $2 WHERE conversation_id = $1`, c.ConversationID, c.At)
	case report.Reopened:
		return exec(`UPDATE report_conversations SET closed_at = NULL, reopened = reopened + 1 WHERE conversation_id = $1`, c.ConversationID)
	case report.Rated:
		return exec(`UPDATE report_conversations SET rating = $2, rating_comment = $3, rated_at = $4 WHERE conversation_id = $1`,
			c.ConversationID, c.Rating, c.Comment, c.At)
	case report.ContactAsked:
		return exec(`UPDATE report_conversations SET first_contact_at = COALESCE(first_contact_at, $2) WHERE conversation_id = $1`,
			c.ConversationID, c.At)
	case report.AgentAnswered:
		return exec(`UPDATE report_conversations SET
			first_response_at = CASE WHEN first_contact_at IS NOT NULL AND first_response_at IS NULL THEN $2 ELSE first_response_at END,
			responder_id = CASE WHEN first_contact_at IS NOT NULL AND first_response_at IS NULL THEN $3 ELSE responder_id END,
			agent_id = CASE WHEN agent_id = 0 THEN $3 ELSE agent_id END
			WHERE conversation_id = $1`, c.ConversationID, c.At, c.AgentID)
	case report.Item:
		col := "lead"
		if c.ItemType == "deal" {
			col = "deal"
		}
		return exec(`UPDATE report_conversations SET `+col+` = 1 WHERE conversation_id = $1`, c.ConversationID)
	}
	return fmt.Errorf("unknown report change %d", c.Kind)
}

// ReportFacts returns the facts of the conversations created in [from, to) that pass f.
func (db *DB) ReportFacts(ctx context.Context, from, to int64, f report.Filter) ([]report.Fact, error) {
	where := []string{"created_at >= $1", "created_at < $2"}
	args := []any{from, to}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.InboxID != 0 {
		add("inbox_id = $%d", f.InboxID)
	}
	if f.Channel != "" {
		add("channel = $%d", f.Channel)
	}
	if f.AgentID != 0 {
		add("agent_id = $%d", f.AgentID)
	}
	if f.TeamID != 0 {
		add("team_id = $%d", f.TeamID)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT conversation_id, inbox_id, channel, created_at, agent_id, team_id,
		COALESCE(first_contact_at, 0), COALESCE(first_response_at, 0), COALESCE(closed_at, 0), COALESCE(rating, 0), rating_comment,
		COALESCE(rated_at, 0) FROM report_conversations WHERE `+strings.Join(where, " AND "), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []report.Fact
	for rows.Next() {
		var r report.Fact
		if err := rows.Scan(&r.ConversationID, &r.InboxID, &r.Channel, &r.CreatedAt, &r.AgentID, &r.TeamID, &r.FirstContactAt,
			&r.FirstResponseAt, &r.ClosedAt, &r.Rating, &r.Comment, &r.RatedAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FunnelRows returns the bot cards of a playbook's conversations, and what became of them.
func (db *DB) FunnelRows(ctx context.Context, playbookID int64) ([]report.CardRow, []report.Outcome, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT conversation_id, playbook_version, card_id, card_type, seen_at, COALESCE(answered_at, 0),
		live_state FROM report_bot_cards WHERE playbook_id = $1 ORDER BY conversation_id, seen_at, card_id`, playbookID)
	if err != nil {
		return nil, nil, err
	}
	var cards []report.CardRow
	for rows.Next() {
		var c report.CardRow
		if err := rows.Scan(&c.ConversationID, &c.Version, &c.CardID, &c.CardType, &c.SeenAt, &c.AnsweredAt, &c.LiveState); err != nil {
			rows.Close()
			return nil, nil, err
		}
		cards = append(cards, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = db.read.QueryContext(ctx, `SELECT conversation_id, playbook_version, lead, deal FROM report_conversations
		WHERE playbook_id = $1 AND playbook_id <> 0`, playbookID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var outs []report.Outcome
	for rows.Next() {
		var o report.Outcome
		var lead, deal int
		if err := rows.Scan(&o.ConversationID, &o.Version, &lead, &deal); err != nil {
			return nil, nil, err
		}
		o.Lead, o.Deal = lead == 1, deal == 1
		outs = append(outs, o)
	}
	return cards, outs, rows.Err()
}
