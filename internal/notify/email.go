package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mailer"
	"github.com/parleyhq/parley/internal/richtext"
)

// emailPayload is an email batch job's payload: whose batch, of which kind.
type emailPayload struct {
	UserID int64  `json:"user_id"`
	Kind   string `json:"kind"`
}

// batchJob is the job that sends a batch, made with the batch's first entry: it waits Batch for
// more, so a busy chat makes one mail.
func (s *Service) batchJob(userID int64, kind string) jobs.Spec {
	return jobs.Spec{Kind: JobEmail, Payload: emailPayload{UserID: userID, Kind: kind}, Delay: s.o.Batch, MaxAttempts: 20}
}

// maxBatch bounds the entries one mail shows; the rest go in the next.
const maxBatch = 200

// emailJob sends an agent one mail with the entries of one kind that waited for it, leaving out
// what they read meanwhile or may no longer see, and nothing at all when they opted out since.
func (s *Service) emailJob(ctx context.Context, job *jobs.Job) error {
	var p emailPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.UserID == 0 {
		return jobs.CancelJob("unreadable payload")
	}
	items, err := s.o.Repo.PendingEmails(ctx, p.UserID, p.Kind, maxBatch)
	if err != nil {
		return err
	}
	all := make([]int64, len(items))
	for i, it := range items {
		all[i] = it.ID
	}
	finish := func() error {
		more, err := s.o.Repo.FinishEmails(ctx, p.UserID, p.Kind, all)
		if err != nil {
			return err
		}
		if more {
			return jobs.Snooze(s.o.Batch) // more came meanwhile: their mail waits its turn
		}
		return nil
	}
	if len(items) == 0 {
		return finish()
	}
	u, err := s.o.Repo.UserByID(ctx, p.UserID)
	if errs.Is(err, errs.NotFound) {
		return finish()
	}
	if err != nil {
		return err
	}
	settings, err := s.settingsOf(ctx, []int64{u.ID})
	if err != nil {
		return err
	}
	st := settings[u.ID]
	if u.Deactivated || u.Invited || !st.Notify.On(p.Kind, auth.WayEmail) {
		return finish() // opted out (or gone) since: nothing reaches them
	}
	convs, err := s.unread(ctx, u.ID, items)
	if err != nil {
		return err
	}
	if len(convs) == 0 {
		return finish() // all read meanwhile: a read message cancels its email
	}
	m, err := s.compose(ctx, u, st, p.Kind, convs)
	if err != nil {
		return err
	}
	if s.o.Mail == nil {
		return finish()
	}
	if _, err := s.o.Mail.Send(ctx, m); err != nil {
		var se *email.SendError
		switch {
		case errors.Is(err, mailer.ErrNotConfigured):
			s.log.InfoContext(ctx, "notification email not sent: the installation's mail is not set up", "user_id", u.ID)
		case errors.As(err, &se) && se.Partial:
		case email.IsTemporary(err) && job.Attempt < job.MaxAttempts:
			return err // the entries wait for the next attempt
		default:
			s.log.WarnContext(ctx, "notification email failed", "user_id", u.ID, "kind", p.Kind, "err", err)
		}
	}
	return finish()
}

// convEntries is one conversation of a mail and the entries of it to show.
type convEntries struct {
	c       *conversation.Conversation
	seqs    []int64
	entries []conversation.Message
}

// unread groups the items by conversation, leaving out conversations the user may no longer see
// and entries they have seen (read, or answered).
func (s *Service) unread(ctx context.Context, userID int64, items []EmailItem) ([]*convEntries, error) {
	var ids []int64
	by := map[int64]*convEntries{}
	for _, it := range items {
		ce := by[it.ConversationID]
		if ce == nil {
			ce = &convEntries{}
			by[it.ConversationID] = ce
			ids = append(ids, it.ConversationID)
		}
		ce.seqs = append(ce.seqs, it.Seq)
	}
	read, err := s.seen(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	var out []*convEntries
	for _, id := range ids {
		ce := by[id]
		ce.seqs = slices.DeleteFunc(ce.seqs, func(seq int64) bool { return seq <= read[id] })
		if len(ce.seqs) == 0 {
			continue
		}
		c, ok, err := s.visibleTo(ctx, userID, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		slices.Sort(ce.seqs)
		msgs, err := s.o.Repo.Messages(ctx, conversation.LogQuery{ConversationID: id, AfterSeq: ce.seqs[0] - 1, Limit: 500})
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if _, found := slices.BinarySearch(ce.seqs, m.Seq); found {
				ce.entries = append(ce.entries, m)
			}
		}
		if len(ce.entries) == 0 {
			continue
		}
		ce.c = c
		out = append(out, ce)
	}
	return out, nil
}

// compose writes the mail: an intro, each conversation with its entries and a link to it, and why
// it came with the one-click way to stop it.
func (s *Service) compose(ctx context.Context, u *auth.User, st *auth.Settings, kind string, convs []*convEntries) (*mailer.Message, error) {
	tx := textsOf(st.Language)
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil || u.TimeZone == "" {
		loc = time.UTC
	}
	base := strings.TrimRight(s.o.BaseURL, "/")
	var text, body strings.Builder
	text.WriteString(tx.intro[kind] + "\n\n")
	fmt.Fprintf(&body, `<p>%s</p>`, html.EscapeString(tx.intro[kind]))
	var first string
	for _, ce := range convs {
		name, err := s.contactName(ctx, ce.c, tx)
		if err != nil {
			return nil, err
		}
		if first == "" {
			first = name
		}
		link := base + "/inbox/#/c/" + strconv.FormatInt(ce.c.ID, 10)
		fmt.Fprintf(&text, "== %s ==\n", name)
		fmt.Fprintf(&body, `<h3 style="margin:20px 0 4px">%s</h3>`, html.EscapeString(name))
		for _, m := range ce.entries {
			at := time.UnixMilli(m.CreatedAt).In(loc).Format("2006-01-02 15:04")
			if m.Kind == conversation.EventKind {
				// An assignment says who gave it to them; other lines (back to Unassigned) need no words.
				if m.Event != nil && m.Event.ActorName != "" && (m.Event.Type == conversation.EventAssigned || m.Event.Type == conversation.EventJoined) {
					line := fill(tx.assignedBy, "actor", m.Event.ActorName)
					fmt.Fprintf(&text, "%s (%s)\n\n", line, at)
					fmt.Fprintf(&body, `<p style="color:#555"><em>%s</em> <span style="color:#888">%s</span></p>`, html.EscapeString(line), at)
				}
				continue
			}
			words := wordsOf(&m, tx)
			if words == "" {
				continue
			}
			rendered := "<p>" + richtext.Escape(words) + "</p>"
			if m.Kind == conversation.Rich {
				rendered = richtext.Render(m.Body)
			}
			fmt.Fprintf(&text, "%s (%s):\n%s\n\n", name, at, words)
			fmt.Fprintf(&body, `<p style="margin:12px 0 2px"><strong>%s</strong> <span style="color:#888">%s</span></p>%s`,
				html.EscapeString(name), at, rendered)
		}
		fmt.Fprintf(&text, "%s: %s\n\n", tx.open, link)
		fmt.Fprintf(&body, `<p><a href="%s" style="display:inline-block;padding:8px 14px;background:#2352c4;color:#fff;border-radius:6px;text-decoration:none">%s</a></p>`,
			html.EscapeString(link), html.EscapeString(tx.open))
	}
	unsub := s.UnsubscribeURL(u.ID, kind)
	why := fill(tx.why, "what", tx.what[kind])
	fmt.Fprintf(&text, "-- \n%s %s\n%s: %s\n", why, tx.settings, tx.unsub, unsub)
	fmt.Fprintf(&body, `<hr style="border:0;border-top:1px solid #ddd;margin:24px 0 12px"><p style="color:#666;font-size:13px">%s %s<br><a href="%s" style="color:#666">%s</a></p>`,
		html.EscapeString(why), html.EscapeString(tx.settings), html.EscapeString(unsub), html.EscapeString(tx.unsub))
	subject := fill(tx.subject[kind], "name", first)
	if len(convs) > 1 {
		subject = fill(tx.subjectMany[kind], "n", strconv.Itoa(len(convs)))
	}
	return &mailer.Message{To: []email.Address{{Name: u.Name, Address: u.Email}}, Subject: subject, Text: text.String(),
		HTML:      `<div style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.45;color:#222">` + body.String() + `</div>`,
		Automated: true, Unsubscribe: unsub}, nil
}
