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

// reportWhere is the condition (and its arguments) selecting the conversations q asks for that
// reached people.
func reportWhere(q report.FactQuery) (string, []any) {
	where := []string{"created_at >= $1", "created_at < $2",
		"(first_contact_at IS NOT NULL OR agent_id <> 0 OR first_response_at IS NOT NULL)"}
	args := []any{q.From, q.To}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if q.InboxID != 0 {
		add("inbox_id = $%d", q.InboxID)
	}
	if q.Channel != "" {
		add("channel = $%d", q.Channel)
	}
	if q.AgentID != 0 {
		add("agent_id = $%d", q.AgentID)
	}
	if q.TeamID != 0 {
		add("team_id = $%d", q.TeamID)
	}
	if !q.Scope.All {
		// An agent: their own conversations and their teams'.
		args = append(args, q.Scope.UserID)
		cond := fmt.Sprintf("(agent_id = $%d", len(args))
		for _, t := range q.Scope.TeamIDs {
			args = append(args, t)
			cond += fmt.Sprintf(" OR team_id = $%d", len(args))
		}
		where = append(where, cond+")")
	}
	return strings.Join(where, " AND "), args
}

// ReportFacts returns what reports read of the conversations q asks for: few columns, so a month
// of them reads fast (docs/performance.md).
func (db *DB) ReportFacts(ctx context.Context, q report.FactQuery) ([]report.Fact, error) {
	where, args := reportWhere(q)
	key := "" // the overview reads no group
	switch q.Key {
	case "agent":
		key = ", CAST(agent_id AS TEXT)"
	case "team":
		key = ", CAST(team_id AS TEXT)"
	case "inbox":
		key = ", CAST(inbox_id AS TEXT)"
	case "channel":
		key = ", channel"
	}
	// first: -2 the contact never asked, -1 not answered, else the first response time.
	rows, err := db.read.QueryContext(ctx, `SELECT created_at,
		CASE WHEN first_contact_at IS NULL THEN -2 WHEN first_response_at IS NULL THEN -1 ELSE first_response_at - first_contact_at END,
		COALESCE(closed_at - created_at, -1), COALESCE(rating, 0)`+key+` FROM report_conversations WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []report.Fact
	for rows.Next() {
		var f report.Fact
		var first int64
		dst := []any{&f.CreatedAt, &first, &f.Resolution, &f.Rating}
		if key != "" {
			dst = append(dst, &f.Key)
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, err
		}
		f.Asked, f.Answered, f.Resolved = first != -2, first >= 0, f.Resolution >= 0
		if f.Answered {
			f.FirstResponse = first
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RatingComments returns the newest ratings with a comment of the conversations q asks for.
func (db *DB) RatingComments(ctx context.Context, q report.FactQuery, limit int) ([]report.Comment, error) {
	where, args := reportWhere(q)
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, `SELECT conversation_id, COALESCE(rating, 0), rating_comment, COALESCE(rated_at, 0), agent_id
		FROM report_conversations WHERE rating_comment <> '' AND `+where+fmt.Sprintf(" ORDER BY rated_at DESC, conversation_id DESC LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []report.Comment
	for rows.Next() {
		var c report.Comment
		if err := rows.Scan(&c.ConversationID, &c.Rating, &c.Comment, &c.At, &c.AgentID); err != nil {
			return nil, err
		}
		out = append(out, c)
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
