package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// One-click unsubscribe (RFC 8058): every notification email carries a link that switches off that
// one kind of email for that one agent. The link is its own proof — signed with the installation's
// unsubscribe key — so a mail program can use it with one POST and nobody signs in.

// UnsubscribeToken is the token of the link that switches off kind's emails for userID.
func (s *Service) UnsubscribeToken(userID int64, kind string) string {
	id := strconv.FormatInt(userID, 10)
	return id + "." + kind + "." + s.signUnsubscribe(id, kind)
}

func (s *Service) signUnsubscribe(id, kind string) string {
	m := hmac.New(sha256.New, s.o.Keys.Unsubscribe)
	m.Write([]byte("unsubscribe:" + id + ":" + kind))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// UnsubscribeURL is the link's address.
func (s *Service) UnsubscribeURL(userID int64, kind string) string {
	return strings.TrimRight(s.o.BaseURL, "/") + "/unsubscribe/" + s.UnsubscribeToken(userID, kind)
}

var errBadUnsubscribe = errs.Coded(errs.NotFound, "unsubscribe_invalid", "this unsubscribe link is not valid")

// Unsubscription is what an unsubscribe link is about, in its agent's language.
type Unsubscription struct {
	UserID   int64
	Kind     string
	Language string
	// Words for the page.
	Title, Ask, Button, Done string
}

// CheckUnsubscribe reads an unsubscribe token (errs.NotFound when it is not one of ours).
func (s *Service) CheckUnsubscribe(ctx context.Context, token string) (*Unsubscription, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || !slices.Contains(auth.NotifyEvents, parts[1]) {
		return nil, errBadUnsubscribe
	}
	if !hmac.Equal([]byte(parts[2]), []byte(s.signUnsubscribe(parts[0], parts[1]))) {
		return nil, errBadUnsubscribe
	}
	id, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return nil, errBadUnsubscribe
	}
	lang := ""
	if st, err := s.settingsOf(ctx, []int64{id}); err == nil {
		lang = st[id].Language
	}
	tx := textsOf(lang)
	what := tx.what[parts[1]]
	return &Unsubscription{UserID: id, Kind: parts[1], Language: lang, Title: tx.unsubTitle,
		Ask: fill(tx.unsubAsk, "what", what), Button: tx.unsubButton, Done: fill(tx.unsubDone, "what", what)}, nil
}

// Unsubscribe switches off the emails a token names.
func (s *Service) Unsubscribe(ctx context.Context, token string) (*Unsubscription, error) {
	u, err := s.CheckUnsubscribe(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := s.o.Accounts.Unsubscribe(ctx, u.UserID, u.Kind); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errBadUnsubscribe // the user is gone
		}
		return nil, err
	}
	return u, nil
}

// BadUnsubscribeText is the page's words for a link that is not valid.
func BadUnsubscribeText(lang string) (title, text string) {
	tx := textsOf(lang)
	return tx.unsubTitle, tx.unsubBad
}
