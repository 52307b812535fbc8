package sandbox

import (
	"context"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
)

// The channel side of conversation.Repo. A sandbox run reaches no one outside it: its website is
// not found for follow-ups and transcripts (so none is planned), and nothing is delivered by a
// channel.

func (m *memory) WebsiteByID(context.Context, int64) (*inbox.Website, error) {
	return nil, errs.E(errs.NotFound, "a sandbox run emails no one")
}

func (m *memory) MessageByExternalID(context.Context, int64, string) (*conversation.Message, error) {
	return nil, errs.E(errs.NotFound, "message not found")
}

func (m *memory) MessageByID(_ context.Context, conversationID, id int64) (*conversation.Message, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range m.logs[conversationID] {
		if msg.ID == id {
			out := msg
			return &out, nil
		}
	}
	return nil, errs.E(errs.NotFound, "message not found")
}

func (m *memory) Original(context.Context, int64) (*conversation.Original, error) {
	return nil, errs.E(errs.NotFound, "nothing was hidden from this message")
}

func (m *memory) SetDelivery(context.Context, *conversation.DeliveryChange) error {
	return notHere("deliver through a channel")
}

func (m *memory) SetExternalID(context.Context, int64, int64, string) (string, error) {
	return "", notHere("deliver through a channel")
}

func (m *memory) EnqueueJobs(context.Context, ...jobs.Spec) error {
	return notHere("queue work")
}

// ReplyWindowFacts: a sandbox run is a website chat, which has no reply window.
func (m *memory) ReplyWindowFacts(context.Context, int64, int64) (conversation.WindowFacts, error) {
	return conversation.WindowFacts{}, nil
}

// ContactPicture: a sandbox's contact has no channel profile.
func (m *memory) ContactPicture(context.Context, int64) (int64, error) { return 0, nil }
