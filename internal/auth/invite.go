package auth

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Invitations and password resets: a one-time link, sent by email, that sets the password. Only
// the link's token's SHA-256 is stored; a new link of the same kind replaces the one before; a
// link works once and for a while (an invitation a week, a reset an hour). Asking for a reset
// never tells whether the address has an account.

// linkLimits throttle asking for resets (per IP and per address, whether it has an account or
// not), using links (per IP; a token cannot be guessed, but nobody needs to try often) and sending
// invitations (per inviting admin, and resending per invited user), so neither an account taken
// over nor a mistake can turn the installation's mail into a spam cannon.
type linkLimits struct {
	resetsByIP, resetsByEmail, usesByIP *ratelimit.Keyed
	invitesByAdmin, resendsByUser       *ratelimit.Keyed
}

func newLinkLimits() *linkLimits {
	return &linkLimits{resetsByIP: ratelimit.New(5*time.Minute, 10), resetsByEmail: ratelimit.New(20*time.Minute, 3),
		usesByIP:       ratelimit.New(30*time.Second, 10),
		invitesByAdmin: ratelimit.New(time.Minute, 50), resendsByUser: ratelimit.New(10*time.Minute, 3)}
}

// takeInvite takes one emailed invitation from the admin's allowance (50 at once, then one a
// minute) and, for a resend, from the invited user's (3, then one every 10 minutes).
func (s *Service) takeInvite(actor *User, userID int64) error {
	now := s.now()
	admin := "0"
	if actor != nil {
		admin = strconv.FormatInt(actor.ID, 10)
	}
	ok := true
	if userID == 0 {
		ok = s.links.invitesByAdmin.Take(now, admin)
	} else {
		ok, _ = ratelimit.TakeBoth(now, s.links.invitesByAdmin, admin, s.links.resendsByUser, strconv.FormatInt(userID, 10))
	}
	if !ok {
		return errs.Coded(errs.RateLimited, "too_many_invitations", "too many invitation emails in a short time; wait a few minutes and try again")
	}
	return nil
}

// Purposes of one-time links.
const (
	PurposeInvite = "invite"
	PurposeReset  = "reset"
)

// Jobs sending the links (internal/notify handles them: the mail is written there). The token is
// made when the mail is written, so no job holds a usable link.
const (
	JobInviteMail = "account.invite_mail"
	JobResetMail  = "account.reset_mail"
)

// AccountMail is the payload of the link jobs.
type AccountMail struct {
	UserID int64 `json:"user_id"`
	// Language of the mail: the inviting admin's (an invitee has chosen none yet), or the one the
	// sign-in page showed.
	Language string `json:"language,omitempty"`
	// InvitedBy names who invited them.
	InvitedBy string `json:"invited_by,omitempty"`
}

// How long links last.
const (
	InviteTTL = 7 * 24 * time.Hour
	ResetTTL  = time.Hour
)

const tokenPrefix = "plk_" // parley link

// AccountToken is a one-time link's stored side.
type AccountToken struct {
	ID        int64
	UserID    int64
	Purpose   string
	TokenHash string
	ExpiresAt int64
	CreatedAt int64
	UsedAt    int64
}

// Invitation says how an invitation went out.
type Invitation struct {
	// Emailed: the invitation is on its way by email.
	Emailed bool `json:"emailed"`
	// URL is the one-time link itself, given to the admin when the installation's mail is not set
	// up, to pass on another way. Empty when emailed.
	URL       string `json:"url,omitempty"`
	ExpiresAt int64  `json:"expires_at,omitempty"`
}

// LinkInfo is what a valid link shows on the page that sets the password.
type LinkInfo struct {
	Purpose   string `json:"purpose"`
	Email     string `json:"email"`
	Name      string `json:"name"`
	ExpiresAt int64  `json:"expires_at"`
}

// Invite creates a user who sets their own password from an emailed one-time link (the admin
// area's way to add people; `parley user create` still takes a password). lang is the inviting
// admin's language, for the mail.
func (s *Service) Invite(ctx context.Context, actor *User, in NewUser, lang string) (*User, *Invitation, error) {
	role := in.Role
	if role == "" {
		role = Agent
	}
	if err := AuthorizeUserChange(actor, UserChange{NewRole: role}); err != nil {
		return nil, nil, err
	}
	in.Password = ""
	u, err := s.prepareInvited(in)
	if err != nil {
		return nil, nil, err
	}
	evs := []event.Event{userEvent(event.UserCreated, actor, u)}
	mail := s.mailReady(ctx)
	var specs []jobs.Spec
	if mail {
		if err := s.takeInvite(actor, 0); err != nil {
			return nil, nil, err
		}
		specs = []jobs.Spec{inviteJob(0, lang, actor)}
	}
	if !slices.Contains(Languages, lang) {
		lang = ""
	}
	if err := s.repo.CreateInvitedUser(ctx, u, lang, specs, evs...); err != nil {
		return nil, nil, err
	}
	s.committed(ctx, evs...)
	if mail {
		s.jobsCommitted(ctx)
		return u, &Invitation{Emailed: true}, nil
	}
	inv, err := s.linkForAdmin(ctx, u)
	return u, inv, err
}

// ResendInvitation sends an invited user a new link (the one before stops working).
func (s *Service) ResendInvitation(ctx context.Context, actor *User, userID int64, lang string) (*Invitation, error) {
	u, err := s.repo.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	if err := AuthorizeUserChange(actor, UserChange{Target: u}); err != nil {
		return nil, err
	}
	if u.Deactivated {
		return nil, errs.Coded(errs.Conflict, "user_deactivated", "%s is deactivated: reactivate them first", u.Name)
	}
	if !u.Invited {
		return nil, errs.Coded(errs.Conflict, "already_joined", "%s has set a password already; they can reset it from the sign-in page", u.Name)
	}
	if !s.mailReady(ctx) {
		return s.linkForAdmin(ctx, u)
	}
	if err := s.takeInvite(actor, u.ID); err != nil {
		return nil, err
	}
	if err := s.repo.EnqueueJobs(ctx, inviteJob(u.ID, lang, actor)); err != nil {
		return nil, err
	}
	s.jobsCommitted(ctx)
	return &Invitation{Emailed: true}, nil
}

func inviteJob(userID int64, lang string, by *User) jobs.Spec {
	p := AccountMail{UserID: userID, Language: lang}
	if by != nil {
		p.InvitedBy = by.Name
	}
	return jobs.Spec{Kind: JobInviteMail, Payload: p, MaxAttempts: 20}
}

// linkForAdmin makes an invitation link the admin passes on themselves.
func (s *Service) linkForAdmin(ctx context.Context, u *User) (*Invitation, error) {
	token, expires, err := s.IssueLink(ctx, u.ID, PurposeInvite)
	if err != nil {
		return nil, err
	}
	return &Invitation{URL: s.link(token), ExpiresAt: expires}, nil
}

func (s *Service) prepareInvited(in NewUser) (*User, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	name, err := ValidateName(in.Name)
	if err != nil {
		return nil, err
	}
	if in.Role == "" {
		in.Role = Agent
	}
	if !in.Role.Valid() {
		return nil, errs.Coded(errs.Invalid, "role_invalid", "role must be owner, admin or agent")
	}
	tz, err := ValidateTimeZone(in.TimeZone)
	if err != nil {
		return nil, err
	}
	now := s.nowMS()
	return &User{Email: email, Name: name, Role: in.Role, TimeZone: tz, Invited: true, CreatedAt: now, UpdatedAt: now}, nil
}

// RequestReset emails a password reset link to the account of email, if there is one that is
// active. It answers the same whether or not there is (only a flood of requests is refused, also
// the same either way).
func (s *Service) RequestReset(ctx context.Context, email, ip, lang string) error {
	norm, err := NormalizeEmail(email)
	if err != nil {
		return errs.Coded(errs.Invalid, "email_invalid", "enter the email address you sign in with")
	}
	if ok, _ := ratelimit.TakeBoth(s.now(), s.links.resetsByIP, ip, s.links.resetsByEmail, norm); !ok {
		return errs.Coded(errs.RateLimited, "too_many_requests", "too many reset requests; wait a while and try again")
	}
	u, err := s.repo.UserByEmail(ctx, norm)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Deactivated || !s.mailReady(ctx) {
		if !u.Deactivated {
			s.log.WarnContext(ctx, "password reset asked for, but the installation's mail is not set up", "user_id", u.ID)
		}
		return nil
	}
	// One pending reset mail per account: a burst of requests sends one link.
	spec := jobs.Spec{Kind: JobResetMail, Payload: AccountMail{UserID: u.ID, Language: lang}, UniqueKey: "user:" + strconv.FormatInt(u.ID, 10), MaxAttempts: 20}
	if err := s.repo.EnqueueJobs(ctx, spec); err != nil {
		return err
	}
	s.jobsCommitted(ctx)
	return nil
}

// IssueLink makes a new one-time link token for the user (replacing an unused one of the same
// purpose) and returns it with its expiry. The link mail jobs call it as they write the mail.
func (s *Service) IssueLink(ctx context.Context, userID int64, purpose string) (token string, expiresAt int64, err error) {
	ttl := ResetTTL
	if purpose == PurposeInvite {
		ttl = InviteTTL
	}
	token = newSecret(tokenPrefix)
	now := s.nowMS()
	t := &AccountToken{UserID: userID, Purpose: purpose, TokenHash: HashSecret(token), CreatedAt: now, ExpiresAt: now + ttl.Milliseconds()}
	if err := s.repo.CreateAccountToken(ctx, t); err != nil {
		return "", 0, err
	}
	return token, t.ExpiresAt, nil
}

// Link is the URL of a one-time link's page (the inbox's password page).
func (s *Service) Link(token string) string { return s.link(token) }

func (s *Service) link(token string) string {
	if s.linkOf == nil {
		return "/inbox/#/password/" + token
	}
	return s.linkOf(token)
}

var errLinkInvalid = errs.Coded(errs.NotFound, "link_invalid", "this link has expired or has been used already; ask for a new one")

// LinkInfo says what a valid link is for, for its page.
func (s *Service) LinkInfo(ctx context.Context, token string) (*LinkInfo, error) {
	t, u, err := s.validLink(ctx, token)
	if err != nil {
		return nil, err
	}
	return &LinkInfo{Purpose: t.Purpose, Email: u.Email, Name: u.Name, ExpiresAt: t.ExpiresAt}, nil
}

func (s *Service) validLink(ctx context.Context, token string) (*AccountToken, *User, error) {
	if len(token) < len(tokenPrefix)+20 || token[:len(tokenPrefix)] != tokenPrefix {
		return nil, nil, errLinkInvalid
	}
	t, err := s.repo.AccountTokenByHash(ctx, HashSecret(token))
	if errs.Is(err, errs.NotFound) {
		return nil, nil, errLinkInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	if t.UsedAt != 0 || t.ExpiresAt <= s.nowMS() {
		return nil, nil, errLinkInvalid
	}
	u, err := s.repo.UserByID(ctx, t.UserID)
	if err != nil || u.Deactivated {
		return nil, nil, errLinkInvalid
	}
	return t, u, nil
}

// UseLink sets the password with a one-time link, spends the link (and every other link of the
// user), ends the user's other sessions and signs them in.
func (s *Service) UseLink(ctx context.Context, token, password, ip, userAgent string) (*User, string, *Session, error) {
	if !s.links.usesByIP.Take(s.now(), ip) {
		return nil, "", nil, errs.Coded(errs.RateLimited, "too_many_attempts", "too many attempts; wait a minute and try again")
	}
	_, u, err := s.validLink(ctx, token)
	if err != nil {
		return nil, "", nil, err
	}
	if err := ValidatePassword(password, u.Email); err != nil {
		return nil, "", nil, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, "", nil, err
	}
	// Spent in the same transaction that sets the password: two tabs using one link, one wins.
	if err := s.repo.SetPasswordWithToken(ctx, HashSecret(token), hash, s.nowMS()); err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, "", nil, errLinkInvalid
		}
		return nil, "", nil, err
	}
	if s.feed != nil {
		s.feed.Signal(ctx, SignalRevoked, RevokedSignal{UserID: u.ID}) // its other sessions ended
	}
	u.PasswordHash, u.Invited = hash, false
	secret, sess, err := s.startSession(ctx, u.ID, ip, userAgent)
	if err != nil {
		return nil, "", nil, err
	}
	return u, secret, sess, nil
}

// mailReady reports whether the installation's mail can send links.
func (s *Service) mailReady(ctx context.Context) bool {
	return s.mailOK != nil && s.mailOK(ctx)
}

// jobsCommitted wakes the job runners after a commit that enqueued jobs.
func (s *Service) jobsCommitted(ctx context.Context) {
	if s.feed != nil {
		s.feed.Committed(context.WithoutCancel(ctx), event.Notice{Jobs: true})
	}
}
