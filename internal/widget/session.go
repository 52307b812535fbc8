// Package widget is the visitor's side of website chat, used alike by the widget's HTTP calls and
// its WebSocket: sessions, sending (with blocking and rate limits), history, read receipts, page
// views and identity.
package widget

import (
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
}

// From is the session as the conversation rules see the writer.
func (s *Session) From() conversation.From {
	return conversation.From{Inbox: &s.Site.Inbox, ContactID: s.Contact.ID, VisitorID: s.Visitor.ID, Name: s.Contact.DisplayName("")}
}
