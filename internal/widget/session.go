// Package widget is the visitor's side of website chat, used alike by the widget's HTTP calls and
// its WebSocket: sessions, sending (with blocking and rate limits), history, read receipts, page
// views and identity.
package widget

import (
	"sync/atomic"

	"github.com/parleyhq/parley/internal/contact"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/inbox"
)

// Session is a visitor known on a website.
type Session struct {
	Site    *inbox.Website
	Visitor *contact.Visitor
	Token   string // set when the session was just started or the identity changed
	// contact is the visitor's contact, nil until they have one: it is made when they first write
	// or give details (Service.contactOf), so a session alone costs a visitor row and nothing more.
	// A socket's session is shared by the frames it reads and the hub that sends to it.
	contact atomic.Pointer[contact.Contact]
	// openID is the open conversation the visitor last wrote to through this session (a socket's
	// session lives as long as the socket): the next message goes into it without a read.
	openID atomic.Int64
	// clear is 1 + the Service's blocks count when this session was last found not blocked: until
	// a block is announced, its sends need not read the block lists again.
	clear atomic.Int64
}

// NewSession returns the session of a visitor and their contact (nil: none yet).
func NewSession(site *inbox.Website, v *contact.Visitor, c *contact.Contact, token string) *Session {
	s := &Session{Site: site, Visitor: v, Token: token}
	if c != nil {
		s.contact.Store(c)
	}
	return s
}

// Contact is the visitor's contact as the session knows it; nil while they have none.
func (s *Session) Contact() *contact.Contact { return s.contact.Load() }

// ContactID is the id of the visitor's contact; 0 while they have none.
func (s *Session) ContactID() int64 {
	if c := s.contact.Load(); c != nil {
		return c.ID
	}
	return 0
}

// From is the session as the conversation rules see the writer. Without a contact, ContactID is 0:
// such a visitor has no conversation to read, and must get a contact before writing.
func (s *Session) From() conversation.From {
	f := conversation.From{Inbox: &s.Site.Inbox, VisitorID: s.Visitor.ID, OpenID: s.openID.Load()}
	if c := s.contact.Load(); c != nil {
		f.ContactID, f.Name = c.ID, c.DisplayName("")
	}
	return f
}
