package widget

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/internal/bot"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/playbook"
)

// Bot is the playbook engine, as the widget drives it (internal/bot implements it).
type Bot interface {
	Playbook(ctx context.Context, websiteID int64, pageURL string) (*playbook.Playbook, error)
	Start(ctx context.Context, from conversation.From, pageURL string) (*conversation.Conversation, error)
	Respond(ctx context.Context, from conversation.From, r bot.Response) (*conversation.Message, error)
}

// Playbook returns the playbook that runs on the page, for its appearance and delay;
// bot.ErrNoPlaybook (not found) when none does.
func (s *Service) Playbook(ctx context.Context, sess *Session, pageURL string) (*playbook.Playbook, error) {
	if s.bot == nil || pageURL == "" {
		return nil, bot.ErrNoPlaybook
	}
	return s.bot.Playbook(ctx, sess.Site.ID, pageURL)
}

// Teaser is what the loader shows of the page's playbook before the chat opens: after
// DelaySeconds, its first words next to the launcher.
type Teaser struct {
	ID           int64  `json:"id"`
	DelaySeconds int    `json:"delay_seconds"`
	Text         string `json:"text"`
	BotName      string `json:"bot_name"`
	// Language is the playbook's: the launcher speaks it before the chat frame has loaded.
	Language string `json:"language"`
}

// ErrNoTeaser says the page's playbook (if any) shows nothing before the chat opens.
var ErrNoTeaser = errs.Coded(errs.NotFound, "no_teaser", "no playbook greets visitors on this page")

// Teaser returns the teaser of the playbook that runs on pageURL: the plain text of its first
// card (a message or a question; empty for another card), cut to 140 characters, and the
// playbook's language; ErrNoTeaser when no playbook runs there. No visitor is needed, so
// passers-by leave no rows.
func (s *Service) Teaser(ctx context.Context, site *inbox.Website, pageURL string) (*Teaser, error) {
	if s.bot == nil {
		return nil, ErrNoTeaser
	}
	p, err := s.bot.Playbook(ctx, site.ID, pageURL)
	if errs.Is(err, errs.NotFound) {
		return nil, ErrNoTeaser
	}
	if err != nil {
		return nil, err
	}
	t := &Teaser{ID: p.ID, DelaySeconds: p.DelaySeconds, BotName: p.Appearance.BotName, Language: p.Appearance.Language}
	first, ok := p.Flow.Start()
	if !ok || (first.Type != playbook.MessageCard && first.Type != playbook.QuestionCard) {
		return t, nil // no words to show, but the launcher speaks the playbook's language
	}
	text := []rune(strings.Join(strings.Fields(first.Wire().Text), " "))
	if len(text) > 140 {
		text = append(text[:139], '…')
	}
	t.Text = string(text)
	return t, nil
}

// guard refuses blocked visitors and visitors sending too quickly, as for messages. A session that
// was found not blocked is not read again until a block is announced (BlocksChanged): on a socket,
// that is one read per socket instead of one per message. A block made on another node takes
// effect here when its announcement arrives over the bus, as the closing of the blocked visitor's
// sockets does.
func (s *Service) guard(ctx context.Context, sess *Session, ip string) error {
	// Read the count before the block lists: a block committed after the read is announced after
	// it, so the session checks again.
	if gen := s.blocks.Load() + 1; s.alwaysCheck || sess.clear.Load() != gen {
		blocked, err := s.contacts.IsBlocked(ctx, sess.Site, sess.Visitor, ip)
		if err != nil {
			return err
		}
		if blocked {
			return errs.Coded(errs.Forbidden, "blocked", "this visitor is blocked on this website")
		}
		sess.clear.Store(gen)
	}
	if !s.allow(sess.Visitor.ID, ip) {
		return errs.Coded(errs.RateLimited, "too_many_messages", "you are sending messages too quickly; wait a moment")
	}
	return nil
}

// StartBot starts the page's playbook for the visitor, unless they have an open conversation
// (returned as it is) or no playbook runs there (bot.ErrNoPlaybook).
func (s *Service) StartBot(ctx context.Context, sess *Session, ip, pageURL string) (*conversation.Conversation, error) {
	if s.bot == nil {
		return nil, bot.ErrNoPlaybook
	}
	if err := sess.Site.CheckPage(pageURL); err != nil {
		return nil, err
	}
	if err := s.guard(ctx, sess, ip); err != nil {
		return nil, err
	}
	if sess.ContactID() == 0 {
		// A playbook's conversation needs a contact: made only when one runs on the page.
		if _, err := s.bot.Playbook(ctx, sess.Site.ID, pageURL); err != nil {
			return nil, err
		}
		if _, err := s.contactOf(ctx, sess); err != nil {
			return nil, err
		}
	}
	return s.bot.Start(ctx, sess.From(), pageURL)
}

// Respond applies the visitor's answer, capture or consent to the bot's waiting card.
func (s *Service) Respond(ctx context.Context, sess *Session, ip string, r bot.Response) (*conversation.Message, error) {
	if s.bot == nil {
		return nil, errs.Coded(errs.Invalid, "card_invalid", "card %q: no bot runs here", r.CardID)
	}
	if err := s.guard(ctx, sess, ip); err != nil {
		return nil, err
	}
	if ok, err := s.hasContact(ctx, sess); !ok {
		return nil, errOr(err, errs.Coded(errs.Invalid, "card_invalid", "card %q: no conversation yet", r.CardID))
	}
	return s.bot.Respond(ctx, sess.From(), r)
}
