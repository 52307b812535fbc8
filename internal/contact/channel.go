package contact

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
)

// ChannelPerson is someone a channel knows by its own id in an inbox: a Messenger Page-scoped id,
// a WhatsApp number. The same person writing again is the same contact.
type ChannelPerson struct {
	InboxID    int64
	ExternalID string
	Name       string
	// Phone is the person's number when the channel's id is one (WhatsApp), as +E.164.
	Phone string
}

// ByChannel returns the contact a channel's sender is, by the channel's own id of them in the inbox,
// or a new contact with their name and phone (masked, as everything stored). created reports a
// new one.
func (s *Service) ByChannel(ctx context.Context, p ChannelPerson) (c *Contact, created bool, err error) {
	ext := strings.TrimSpace(p.ExternalID)
	if p.InboxID == 0 || ext == "" || len(ext) > 200 {
		return nil, false, errs.E(errs.Invalid, "a channel person needs an inbox and an id")
	}
	for attempt := 0; attempt < 2; attempt++ {
		c, err = s.repo.ContactByChannel(ctx, p.InboxID, ext)
		if err == nil || !errs.Is(err, errs.NotFound) {
			return c, false, err
		}
		now := s.now().UnixMilli()
		phone := strings.TrimSpace(p.Phone)
		if len(phone) > 40 || strings.ContainsFunc(phone, func(r rune) bool { return !strings.ContainsRune("+0123456789", r) }) {
			phone = ""
		}
		c = &Contact{Name: maskedLine(p.Name, 200), Phone: phone, Tags: []string{}, Attributes: map[string]string{}, CreatedAt: now, UpdatedAt: now}
		evs := []event.Event{contactEvent(event.ContactCreated, 0, c)}
		err = s.repo.CreateChannelContact(ctx, c, p.InboxID, ext, evs...)
		if hasCode(err, "channel_contact_taken") {
			continue // the same person's other message made them meanwhile: theirs is the contact
		}
		if err != nil {
			return nil, false, err
		}
		s.committed(ctx, evs...)
		return c, true, nil
	}
	return nil, false, err
}

// SamePhone lists other contacts with c's phone (newest first, at most 10): the people a new
// channel contact may be.
func (s *Service) SamePhone(ctx context.Context, c *Contact) ([]int64, error) {
	if c.Phone == "" {
		return nil, nil
	}
	ids, err := s.repo.ContactsWithPhone(ctx, c.Phone, 11)
	if err != nil {
		return nil, err
	}
	out := []int64{}
	for _, id := range ids {
		if id != c.ID && len(out) < 10 {
			out = append(out, id)
		}
	}
	return out, nil
}
