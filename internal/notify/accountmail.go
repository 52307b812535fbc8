package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/channel/email"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/mailer"
)

// linkJob mails an invitation or a password reset link (auth's link jobs). The link's token is
// made here, as the mail is written, so no job row ever holds a usable link; each attempt makes a
// new one, which replaces the one before.
func (s *Service) linkJob(purpose string) func(ctx context.Context, job *jobs.Job) error {
	return func(ctx context.Context, job *jobs.Job) error {
		var p auth.AccountMail
		if err := json.Unmarshal(job.Payload, &p); err != nil || p.UserID == 0 {
			return jobs.CancelJob("unreadable payload")
		}
		u, err := s.o.Repo.UserByID(ctx, p.UserID)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if u.Deactivated || (purpose == auth.PurposeInvite && !u.Invited) {
			return nil // deactivated, or joined already
		}
		if s.o.Mail == nil || s.o.Accounts == nil {
			return jobs.CancelJob("the installation's mail is not set up")
		}
		lang := p.Language
		if st, err := s.settingsOf(ctx, []int64{u.ID}); err == nil && st[u.ID].Language != "" {
			lang = st[u.ID].Language
		}
		tx := textsOf(lang)
		token, _, err := s.o.Accounts.IssueLink(ctx, u.ID, purpose)
		if err != nil {
			return err
		}
		link := s.o.Accounts.Link(token)
		subject, intro, action, expiry, after := tx.resetSubject, tx.resetIntro, tx.resetAction, tx.resetExpiry, tx.resetIgnore
		if purpose == auth.PurposeInvite {
			inviter := p.InvitedBy
			if inviter == "" {
				inviter = "Parley"
			}
			subject, intro, action, expiry, after = tx.inviteSubject, fill(tx.inviteIntro, "inviter", inviter), tx.inviteAction, tx.inviteExpiry, ""
		}
		text := fmt.Sprintf("%s\n\n%s: %s\n\n%s\n", intro, action, link, expiry)
		body := fmt.Sprintf(`<div style="font-family:system-ui,sans-serif;font-size:15px;line-height:1.45;color:#222"><p>%s</p>`+
			`<p><a href="%s" style="display:inline-block;padding:10px 16px;background:#2352c4;color:#fff;border-radius:6px;text-decoration:none">%s</a></p>`+
			`<p style="color:#666">%s</p>`, html.EscapeString(intro), html.EscapeString(link), html.EscapeString(action), html.EscapeString(expiry))
		if after != "" {
			text += "\n" + after + "\n"
			body += fmt.Sprintf(`<p style="color:#666">%s</p>`, html.EscapeString(after))
		}
		body += "</div>"
		m := &mailer.Message{To: []email.Address{{Name: u.Name, Address: u.Email}}, Subject: subject, Text: text, HTML: body, Automated: true}
		if _, err := s.o.Mail.Send(ctx, m); err != nil {
			var se *email.SendError
			switch {
			case errors.Is(err, mailer.ErrNotConfigured):
				return jobs.CancelJob("the installation's mail is not set up")
			case errors.As(err, &se) && se.Partial:
				return nil
			case email.IsTemporary(err):
				return err
			}
			return jobs.CancelJob(strings.Join(strings.Fields(err.Error()), " "))
		}
		return nil
	}
}
