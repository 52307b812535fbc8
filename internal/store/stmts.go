package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// Prepared statements on SQLite. The driver compiles a query's SQL at every call unless it runs as
// a prepared statement, and compiling was a fifth of a message send's CPU. So the read pool keeps
// a statement per query text (prepared on each connection the first time it runs there), and the
// writer's transactions run the statements of the message path, prepared once when the writer
// is first used after migrations, and every other statement from the second batch that runs it. PostgreSQL needs neither: pgx keeps a statement cache per connection.

// maxCachedReads bounds the read pool's statement cache. Queries are constants or built from a few
// shapes (placeholders for n ids), so this is never reached in practice; beyond it, queries run
// unprepared.
const maxCachedReads = 512

// maxWriteStmts bounds the statements the writer keeps prepared: the message path's, and those
// it learns from the batches it runs (group.learn).
const maxWriteStmts = 512

// The statements of the message path, run on every send in the writer's transaction.
const (
	sqlSavepoint  = "SAVEPOINT member"
	sqlRelease    = "RELEASE member"
	sqlRollbackTo = "ROLLBACK TO member"

	sqlLatestConversationID = "SELECT COALESCE(MAX(id), 0) FROM conversations WHERE inbox_id = $1 AND contact_id = $2"

	sqlInsertConversation = `INSERT INTO conversations (inbox_id, contact_id, visitor_id, channel, status, assignee_id, team_id,
	last_seq, preview, created_at, updated_at, last_message_at, joined_at, with_bot, subject, spam, first_response_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`

	sqlUpdateConversation = `UPDATE conversations SET status = $1, assignee_id = $2, team_id = $3, last_seq = last_seq + $4,
	preview = $5, rating = $6, updated_at = $7, last_message_at = $8, first_response_at = $9, joined_at = $10, closed_at = $11,
	visitor_id = $12, with_bot = $15, subject = $16, spam = $17
	WHERE id = $13 AND last_seq = $14 RETURNING last_seq`

	// A message whose client id the conversation already holds is not inserted (no row returned):
	// the send is a retry, and Commit answers with the original. One statement does the duplicate
	// check and the insert.
	sqlInsertMessage = `INSERT INTO messages (conversation_id, seq, sender_kind, sender_id, kind, body, event, client_id,
	external_id, attachment_id, created_at, position, inbox_id, delivery, delivery_via, delivery_error, delivery_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
	ON CONFLICT (conversation_id, client_id) WHERE client_id IS NOT NULL DO NOTHING RETURNING id`
)

// convColumnsUnqualified is convColumns for a RETURNING clause, which names columns unqualified on
// SQLite.
var convColumnsUnqualified = strings.ReplaceAll(convColumns, "c.", "")

// sqlAppendOpen writes a message into the contact's open conversation, changing only what a message
// changes (conversation.OpenAppend); sqlInsertMessage follows it.
var sqlAppendOpen = `UPDATE conversations SET last_seq = last_seq + 1, preview = $4, updated_at = $5, last_message_at = $5,
	visitor_id = COALESCE($6, visitor_id), with_bot = 0
	WHERE id = $1 AND inbox_id = $2 AND contact_id = $3 AND status = 'open'
	RETURNING ` + convColumnsUnqualified

// writePath lists the statements prepared on SQLite's writer connection.
var writePath = []string{sqlSavepoint, sqlRelease, sqlRollbackTo, sqlLatestConversationID, sqlInsertConversation,
	sqlUpdateConversation, sqlInsertMessage, sqlAppendOpen, sqlReadPositions, sqlSavePositions, sqlInsertEvent}

// prepareWrites prepares the write path's statements on the writer. Its one connection must not be
// held by the caller (a group's leader calls it before it begins its transaction); it fails until
// migrations have created the tables.
func prepareWrites(ctx context.Context, write *sql.DB) (map[string]*sql.Stmt, error) {
	m := make(map[string]*sql.Stmt, len(writePath))
	for _, q := range writePath {
		s, err := write.PrepareContext(ctx, q)
		if err != nil {
			for _, s := range m {
				s.Close()
			}
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		m[q] = s
	}
	return m, nil
}

// pool is a connection pool whose queries run as prepared statements, cached by query text (see
// above), when cache is set.
type pool struct {
	*sql.DB
	cache *stmtCache
}

// stmtCache holds one prepared statement per query text.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// get returns the query's statement, preparing it the first time, or nil when it should run
// unprepared: no cache, the cache is full, or it does not compile (running it then reports why).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	s, full := c.m[query], len(c.m) >= maxCachedReads
	c.mu.RUnlock()
	if s != nil || full {
		return s
	}
	// Prepared outside the lock (it waits for a free connection): two callers may both prepare,
	// and the second keeps the first's.
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if first := c.m[query]; first != nil {
		s.Close()
		return first
	}
	if len(c.m) >= maxCachedReads {
		s.Close()
		return nil
	}
	c.m[query] = s
	return s
}

// close closes the cached statements.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		s.Close()
		delete(c.m, q)
	}
}

// QueryContext runs a query, prepared when the pool caches statements.
func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.cache.get(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a query for one row, prepared when the pool caches statements.
func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.cache.get(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}

// ExecContext runs a statement, prepared when the pool caches statements.
func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.cache.get(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.DB.ExecContext(ctx, query, args...)
}
