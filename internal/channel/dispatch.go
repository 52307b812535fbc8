package channel

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/jobs"
)

// Result is what a channel says of a reply it took.
type Result struct {
	// ExternalID is the channel's id of the sent message (an email's Message-ID), stored on it.
	ExternalID string
	// Note is said next to "sent" (recipients an email's relay refused while it took the others).
	Note string
}

// Sender sends the replies of one channel. Send may be called again for a reply it already sent
// (jobs run at least once): a channel makes that harmless where it can (an email goes out with
// the same Message-ID, which mail programs show once).
type Sender interface {
	Send(ctx context.Context, c *conversation.Conversation, m *conversation.Message) (Result, error)
}

// Deliveries is what the dispatcher needs of the conversation service.
type Deliveries interface {
	ChannelMessage(ctx context.Context, convID, msgID int64) (*conversation.Conversation, *conversation.Message, error)
	RecordDelivery(ctx context.Context, convID, msgID int64, d conversation.Delivery, externalID string) error
}

// Queue is where the dispatcher's job handler is registered.
type Queue interface {
	Handle(kind string, h jobs.Handler)
}

// Dispatcher runs the send jobs the conversation service enqueues with each reply (JobSend),
// through the conversation's channel, and stores what happened on the message.
type Dispatcher struct {
	convs   Deliveries
	senders map[inbox.Kind]Sender
	log     *slog.Logger
}

// NewDispatcher registers the send job's handler on q; senders are the channels that send.
func NewDispatcher(q Queue, convs Deliveries, senders map[inbox.Kind]Sender, log *slog.Logger) *Dispatcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{convs: convs, senders: senders, log: log}
	if q != nil {
		q.Handle(conversation.JobSend, d.send)
	}
	return d
}

func (d *Dispatcher) send(ctx context.Context, job *jobs.Job) error {
	var p conversation.SendPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return jobs.CancelJob("unreadable payload: " + err.Error())
	}
	c, m, err := d.convs.ChannelMessage(ctx, p.ConversationID, p.MessageID)
	if errs.Is(err, errs.NotFound) {
		return jobs.CancelJob("the message is gone") // its conversation was deleted meanwhile
	}
	if err != nil {
		return err
	}
	if m.Delivery != nil && m.Delivery.Status != conversation.Queued {
		return nil // sent (or given up on) by an earlier run
	}
	s, ok := d.senders[c.Channel]
	if !ok {
		return d.Fail(ctx, job, c.ID, m.ID, "", Permanent(errs.E(errs.Invalid, "replies cannot be sent through %s", c.Channel)))
	}
	res, err := s.Send(ctx, c, m)
	if err != nil {
		return d.Fail(ctx, job, c.ID, m.ID, "", err)
	}
	return d.convs.RecordDelivery(ctx, c.ID, m.ID, conversation.Delivery{Status: conversation.Sent, Error: res.Note}, res.ExternalID)
}

// Fail records a failed attempt of job to send message msgID and says what the queue does next:
// a temporary failure keeps the reply queued with the error shown and is tried again after the
// queue's back-off, until its last attempt; a permanent one fails the reply at once. via names the
// channel when it is not the conversation's own.
func (d *Dispatcher) Fail(ctx context.Context, job *jobs.Job, convID, msgID int64, via string, err error) error {
	text := errorText(err)
	var f *Failure
	if errors.As(err, &f) && f.RetryAfter > 0 {
		// The channel's rate limit: wait as long as it asks, without spending an attempt.
		d.log.InfoContext(ctx, "channel send rate limited; waiting", "conversation_id", convID, "message_id", msgID, "for", f.RetryAfter)
		if rerr := d.convs.RecordDelivery(ctx, convID, msgID, conversation.Delivery{Status: conversation.Queued, Via: via, Error: text}, ""); rerr != nil {
			d.log.WarnContext(ctx, "record delivery", "err", rerr)
		}
		return jobs.Snooze(f.RetryAfter)
	}
	if IsTemporary(err) && job.Attempt < job.MaxAttempts {
		d.log.WarnContext(ctx, "channel send failed; will retry", "conversation_id", convID, "message_id", msgID, "attempt", job.Attempt, "err", err)
		if rerr := d.convs.RecordDelivery(ctx, convID, msgID, conversation.Delivery{Status: conversation.Queued, Via: via, Error: text}, ""); rerr != nil {
			d.log.WarnContext(ctx, "record delivery", "err", rerr)
		}
		return err
	}
	d.log.WarnContext(ctx, "channel send failed for good", "conversation_id", convID, "message_id", msgID, "err", err)
	if rerr := d.convs.RecordDelivery(ctx, convID, msgID, conversation.Delivery{Status: conversation.Failed, Via: via, Error: text}, ""); rerr != nil {
		return rerr // try again to record it: the reply must not look queued forever
	}
	return jobs.CancelJob(text)
}
