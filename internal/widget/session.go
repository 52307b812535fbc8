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
	Contact *contact.Contact
	Token   string // set when the session was just started or the identity changed
	// openID is the open conversation the visitor last wrote to through this session (a socket's
	// session lives as long as the socket): the next message goes into it without a read.
	openID atomic.Int64
	// clear is 1 + the Service's blocks count when this session was last found not blocked: until
	// a block is announced, its sends need not read the block lists again.
	clear atomic.Int64
}

// From is the session as the conversation rules see the writer.
func (s *Session) From() conversation.From {
	return conversation.From{Inbox: &s.Site.Inbox, ContactID: s.Contact.ID, VisitorID: s.Visitor.ID, Name: s.Contact.DisplayName(""),
		OpenID: s.openID.Load()}
}
