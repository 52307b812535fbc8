package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/push"
	"github.com/parleyhq/parley/internal/richtext"
)

// pushPayload is the push job's payload.
type pushPayload struct {
	UserID         int64  `json:"user_id"`
	ConversationID int64  `json:"conversation_id"`
	Event          string `json:"event"`
	Seq            int64  `json:"seq"` // the newest entry it is about: read by then, it is not sent
}

// PushData is what the service worker receives (web/inbox/src/sw.ts): it shows title and body,
// replaces an earlier notification with the same tag, and opens url on a click.
type PushData struct {
	Title          string `json:"title"`
	Body           string `json:"body"`
	Tag            string `json:"tag"`
	URL            string `json:"url"`
	ConversationID int64  `json:"conversation_id"`
	Event          string `json:"event"`
	Lang           string `json:"lang,omitempty"`
}

// pushTTL is how long a push service keeps a push for a phone that is off: after an hour, the news
// is better read in the inbox.
const pushTTL = time.Hour

// pushJob pushes one notice to the agent's devices, unless they are looking at an inbox tab (which
// tells them itself), read it meanwhile, or switched the push off.
func (s *Service) pushJob(ctx context.Context, job *jobs.Job) error {
	var p pushPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.UserID == 0 {
		return jobs.CancelJob("unreadable payload")
	}
	if s.o.Push == nil || s.o.Presence.Attentive(p.UserID) {
		return nil
	}
	settings, err := s.settingsOf(ctx, []int64{p.UserID})
	if err != nil {
		return err
	}
	st := settings[p.UserID]
	if !st.Notify.On(p.Event, auth.WayPush) {
		return nil
	}
	c, ok, err := s.visibleTo(ctx, p.UserID, p.ConversationID)
	if err != nil || !ok {
		return err
	}
	read, err := s.seen(ctx, p.UserID, []int64{c.ID})
	if err != nil {
		return err
	}
	if read[c.ID] >= p.Seq {
		return nil // read on another device meanwhile
	}
	tx := textsOf(st.Language)
	name, err := s.contactName(ctx, c, tx)
	if err != nil {
		return err
	}
	body, err := s.latestWords(ctx, c, tx)
	if err != nil {
		return err
	}
	data, _ := json.Marshal(PushData{Title: fill(tx.pushTitle[p.Event], "name", name), Body: body, Tag: "parley-c" + strconv.FormatInt(c.ID, 10),
		URL: "/inbox/#/c/" + strconv.FormatInt(c.ID, 10), ConversationID: c.ID, Event: p.Event, Lang: st.Language})
	r := s.o.Push.SendToUser(ctx, p.UserID, push.Message{Payload: data, TTL: pushTTL, Topic: "c" + strconv.FormatInt(c.ID, 10), Urgency: "high"})
	if r.Retry > 0 {
		return fmt.Errorf("push to user %d: %w", p.UserID, r.Err)
	}
	return nil
}

// visibleTo returns the conversation when the user may see it now (an agent removed from the inbox
// meanwhile is told nothing of it).
func (s *Service) visibleTo(ctx context.Context, userID, convID int64) (*conversation.Conversation, bool, error) {
	c, err := s.o.Repo.ConversationByID(ctx, convID)
	if errs.Is(err, errs.NotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	a, ok := s.o.Directory.Access(userID, c.InboxID)
	if !ok || !conversation.CanSee(a, c) {
		return nil, false, nil
	}
	return c, true, nil
}

func (s *Service) contactName(ctx context.Context, c *conversation.Conversation, tx *texts) (string, error) {
	ct, err := s.o.Repo.ContactByID(ctx, c.ContactID)
	if errs.Is(err, errs.NotFound) {
		return tx.visitor, nil
	}
	if err != nil {
		return "", err
	}
	if n := strings.TrimSpace(ct.Name); n != "" {
		return n, nil
	}
	if ct.Email != "" {
		return ct.Email, nil
	}
	return tx.visitor, nil
}

// latestWords is the contact's newest words in the conversation, cut to a notification's length.
func (s *Service) latestWords(ctx context.Context, c *conversation.Conversation, tx *texts) (string, error) {
	msgs, err := s.o.Repo.Messages(ctx, conversation.LogQuery{ConversationID: c.ID, Limit: 20})
	if err != nil {
		return "", err
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].SenderKind != conversation.FromVisitor {
			continue
		}
		if w := wordsOf(&msgs[i], tx); w != "" {
			return clip(w, 140), nil
		}
	}
	return c.Preview, nil
}

// wordsOf is a log entry as plain text: its body, its file, or the card answer it gave.
func wordsOf(m *conversation.Message, tx *texts) string {
	body := m.Body
	if m.Kind == conversation.Rich {
		body = richtext.PlainText(body)
	}
	body = strings.TrimSpace(body)
	if m.Attachment != nil {
		body = strings.TrimSpace(body + "\n" + fill(tx.file, "name", m.Attachment.Name))
	}
	return body
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
