// Package search finds anything: messages of every channel (notes too, for agents), contacts,
// persons, organisations, leads and deals, by words in any of the languages Parley stems, with
// folded diacritics, prefixes and phrases (docs/inbox.md, "Search").
//
// Words are analysed here (text.go) and the store keeps them per engine: an FTS5 table on
// SQLite, a tsvector column on PostgreSQL. Messages are indexed off the send path by a durable
// consumer of the event log (Consumer); records and contacts by their own writes, and a deleted
// conversation or record leaves the index in the transaction that deletes it. Who sees a
// conversation's messages is decided by the conversation package's one rule (conversation.Scope).
package search

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
)

// Kind is what a document is.
type Kind string

const (
	Message      Kind = "message" // a message or an internal note of a conversation
	Contact      Kind = "contact"
	Person       Kind = "person"
	Organization Kind = "organization"
	Lead         Kind = "lead"
	Deal         Kind = "deal"
)

// Kinds lists the kinds in the order results are grouped.
var Kinds = []Kind{Message, Contact, Person, Organization, Lead, Deal}

// Doc is one document of the index.
type Doc struct {
	Kind           Kind
	RefID          int64 // the message's, contact's or record's id
	ConversationID int64 // a message's conversation
	InboxID        int64
	Language       Language
	Title          string // a record's name or title (messages: empty; the text is the message's)
	Body           string // what else is searched (emails, phones, an address; a message: its text)
	At             int64
}

// Text is what the document's words are read from.
func (d *Doc) Text() string {
	if d.Title == "" {
		return d.Body
	}
	return d.Title + "\n" + d.Body
}

// Hit is one result.
type Hit struct {
	Kind           Kind   `json:"type"`
	ID             int64  `json:"id"` // the message's (with its conversation) or the record's id
	ConversationID int64  `json:"conversation_id,omitempty"`
	InboxID        int64  `json:"inbox_id,omitempty"`
	Seq            int64  `json:"seq,omitempty"`
	Note           bool   `json:"note,omitempty"`
	Status         string `json:"status,omitempty"` // a conversation's status; a lead's or deal's
	Title          string `json:"title"`            // the contact's name (messages), the record's name or title
	Snippet        string `json:"snippet"`          // HTML: the text around the match, matches in <mark>
	At             int64  `json:"at"`
	// Text and Language are what the snippet is made from (store → service).
	Text     string   `json:"-"`
	Language Language `json:"-"`
}

// Group is the results of one kind, best first.
type Group struct {
	Type Kind  `json:"type"`
	Hits []Hit `json:"hits"`
	More bool  `json:"more"` // there are more than shown
}

// Results is a search's answer, grouped by kind (only kinds with hits).
type Results struct {
	Query  string  `json:"query"`
	Groups []Group `json:"groups"`
}

// StoreQuery is one kind's part of a search, as the store runs it.
type StoreQuery struct {
	Terms []Term
	Kind  Kind
	// Scope is who sees which conversations (conversation.ScopeFor): messages of conversations
	// outside it never show, nor contacts with no conversation in it unless Admin.
	Scope conversation.Scope
	Admin bool
	Limit int
}

// Repo is what search needs of the store.
type Repo interface {
	SearchDocs(ctx context.Context, q StoreQuery) ([]Hit, error)
	// IndexMessages writes message documents, skipping those already there and those whose
	// message is gone (its conversation deleted meanwhile).
	IndexMessages(ctx context.Context, docs []Doc) error
	ListInboxes(ctx context.Context) ([]inbox.Inbox, error)
	// MessagesToIndex returns up to limit messages with ids above afterID, as documents without
	// their language.
	MessagesToIndex(ctx context.Context, afterID int64, limit int) ([]Doc, error)
	// ClearSearch empties the index.
	ClearSearch(ctx context.Context) error
	// IndexRecords writes again the documents of every contact, person, organisation, lead and deal.
	IndexRecords(ctx context.Context) error
}

// Scoper tells whose conversations a user sees (conversation.Service).
type Scoper interface {
	VisibleScope(ctx context.Context, u *auth.User) (conversation.Scope, error)
}

// Service searches and keeps the index.
type Service struct {
	repo  Repo
	convs Scoper
	log   *slog.Logger
}

// New returns the search service.
func New(repo Repo, convs Scoper, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{repo: repo, convs: convs, log: log}
}

// Query is a search as asked.
type Query struct {
	Q     string
	Types []Kind // none: every kind
	Limit int    // per kind, default 5, at most 50
}

// ParseKinds reads a comma-separated list of kinds.
func ParseKinds(s string) ([]Kind, error) {
	var out []Kind
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		ok := false
		for _, k := range Kinds {
			if string(k) == p {
				out, ok = append(out, k), true
			}
		}
		if !ok {
			return nil, errs.Coded(errs.Invalid, "type_invalid", "type must be one of message, contact, person, organization, lead, deal")
		}
	}
	return out, nil
}

// Search finds what u may see, grouped by kind.
func (s *Service) Search(ctx context.Context, u *auth.User, q Query) (*Results, error) {
	terms := Parse(q.Q)
	if len(terms) == 0 {
		return nil, errs.Coded(errs.Invalid, "query_empty", "q must hold at least one word")
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 5
	}
	limit = min(limit, 50)
	kinds := q.Types
	if len(kinds) == 0 {
		kinds = Kinds
	}
	sc, err := s.convs.VisibleScope(ctx, u)
	if err != nil {
		return nil, err
	}
	res := &Results{Query: q.Q, Groups: []Group{}}
	for _, k := range Kinds {
		if !containsKind(kinds, k) {
			continue
		}
		hits, err := s.repo.SearchDocs(ctx, StoreQuery{Terms: terms, Kind: k, Scope: sc, Admin: u.Role.IsAdmin(), Limit: limit + 1})
		if err != nil {
			return nil, err
		}
		if len(hits) == 0 {
			continue
		}
		g := Group{Type: k, More: len(hits) > limit}
		if g.More {
			hits = hits[:limit]
		}
		for i := range hits {
			hits[i].Snippet = Snippet(terms, hits[i].Language, hits[i].Text)
		}
		g.Hits = hits
		res.Groups = append(res.Groups, g)
	}
	return res, nil
}

func containsKind(list []Kind, k Kind) bool {
	for _, x := range list {
		if x == k {
			return true
		}
	}
	return false
}

// ConsumerName is the search indexer's cursor in the event log.
const ConsumerName = "search"

// Consumer is the durable consumer that indexes messages as their events commit: off the send
// path, in batches, on one node at a time. It reads the log from its start, so an installation
// that had messages before search existed has them indexed too.
func (s *Service) Consumer() event.Consumer {
	// Gather: what commits within a quarter of a second is indexed together, well within the
	// second a new message takes to be found.
	return event.Consumer{Name: ConsumerName, FromStart: true, Batch: 500, Gather: 250 * time.Millisecond, Handle: s.index}
}

func (s *Service) index(ctx context.Context, evs []event.Event) (int64, error) {
	var docs []Doc
	for _, e := range evs {
		if e.Type != event.MessageCreated {
			continue
		}
		var m conversation.MessageData
		if json.Unmarshal(e.Data, &m) != nil || !Indexed(m.Kind, m.Body) {
			continue
		}
		docs = append(docs, Doc{Kind: Message, RefID: m.MessageID, ConversationID: m.ConversationID, InboxID: m.InboxID,
			Body: m.Body, At: m.CreatedAt})
	}
	if len(docs) == 0 {
		return 0, nil
	}
	if err := s.languages(ctx, docs); err != nil {
		return 0, err
	}
	return 0, s.repo.IndexMessages(ctx, docs)
}

// Indexed reports whether a log entry of kind k with body is searched: what people wrote (notes
// too), not system lines nor bot cards' structure.
func Indexed(k conversation.Kind, body string) bool {
	return k != conversation.EventKind && strings.TrimSpace(body) != ""
}

// languages sets each message document's language from its inbox's.
func (s *Service) languages(ctx context.Context, docs []Doc) error {
	inboxes, err := s.repo.ListInboxes(ctx)
	if err != nil {
		return err
	}
	lang := make(map[int64]Language, len(inboxes))
	for _, ib := range inboxes {
		lang[ib.ID] = ParseLanguage(ib.Language)
	}
	for i := range docs {
		if l, ok := lang[docs[i].InboxID]; ok {
			docs[i].Language = l
		} else {
			docs[i].Language = English
		}
	}
	return nil
}

// Reindex builds the index again from the messages, contacts and records (parley reindex).
func (s *Service) Reindex(ctx context.Context, progress func(messages int)) error {
	if err := s.repo.ClearSearch(ctx); err != nil {
		return err
	}
	if err := s.repo.IndexRecords(ctx); err != nil {
		return err
	}
	var after int64
	n := 0
	for {
		docs, err := s.repo.MessagesToIndex(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(docs) == 0 {
			return nil
		}
		after = docs[len(docs)-1].RefID
		kept := docs[:0]
		for _, d := range docs {
			if strings.TrimSpace(d.Body) != "" {
				kept = append(kept, d)
			}
		}
		if err := s.languages(ctx, kept); err != nil {
			return err
		}
		if err := s.repo.IndexMessages(ctx, kept); err != nil {
			return err
		}
		n += len(docs)
		if progress != nil {
			progress(n)
		}
	}
}

// IndexJob is the kind of the job that indexes the contacts and records made before search
// existed (enqueued by the migration that made the index).
const IndexJob = "search.index"

// IndexJob writes every contact's and record's document again. Running it twice does no harm.
func (s *Service) IndexJob(ctx context.Context, _ *jobs.Job) error { return s.repo.IndexRecords(ctx) }
