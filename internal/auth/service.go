package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
)

// Repo is the storage the auth service needs; internal/store implements it.
type Repo interface {
	UserSettings(ctx context.Context, userID int64) (*StoredSettings, error)
	SetUserSettings(ctx context.Context, userID int64, s *StoredSettings) error
	CompanySettings(ctx context.Context) (*CompanySettings, error)
	SaveCompanySettings(ctx context.Context, s *CompanySettings) error
	HasOwner(ctx context.Context) (bool, error)
	CountActiveOwners(ctx context.Context) (int, error)
	CreateUser(ctx context.Context, u *User, onlyIfNoOwner bool, evs ...event.Event) error
	UserByID(ctx context.Context, id int64) (*User, error)
	UserByEmail(ctx context.Context, email string) (*User, error)
	ListUsers(ctx context.Context) ([]User, error)
	UpdateUser(ctx context.Context, u *User, evs ...event.Event) error
	SetPassword(ctx context.Context, userID int64, hash string, keepSessionID int64) error
	// CreateInvitedUser inserts a user with no password yet, with the jobs that mail the link; lang
	// (when set) is their mail's language until they choose one.
	CreateInvitedUser(ctx context.Context, u *User, lang string, specs []jobs.Spec, evs ...event.Event) error
	EnqueueJobs(ctx context.Context, specs ...jobs.Spec) error
	// CreateAccountToken stores a one-time link, deleting the user's unused ones of its purpose.
	CreateAccountToken(ctx context.Context, t *AccountToken) error
	AccountTokenByHash(ctx context.Context, hash string) (*AccountToken, error)
	// SetPasswordWithToken spends the unexpired, unused token of hash (not-found otherwise), sets
	// its user's password, deletes their other links and ends their sessions: one transaction.
	SetPasswordWithToken(ctx context.Context, tokenHash, passwordHash string, now int64) error
	DeactivateUser(ctx context.Context, userID int64, at int64, evs ...event.Event) error
	ReactivateUser(ctx context.Context, userID int64, at int64, evs ...event.Event) error

	CreateSession(ctx context.Context, s *Session) error
	SessionByHash(ctx context.Context, hash string) (*Session, error)
	TouchSession(ctx context.Context, id, lastUsed, expires int64) error
	ListSessions(ctx context.Context, userID int64) ([]Session, error)
	DeleteSession(ctx context.Context, userID, id int64) error
	DeleteSessionByHash(ctx context.Context, hash string) error

	CreateAPIToken(ctx context.Context, t *APIToken) error
	APITokenByHash(ctx context.Context, hash string) (*APIToken, error)
	TouchAPIToken(ctx context.Context, id, at int64) error
	ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error)
	DeleteAPIToken(ctx context.Context, userID, id int64) error

	CreateTeam(ctx context.Context, t *Team, evs ...event.Event) error
	RenameTeam(ctx context.Context, id int64, name string, at int64, evs ...event.Event) error
	DeleteTeam(ctx context.Context, id int64, evs ...event.Event) error
	TeamByID(ctx context.Context, id int64) (*Team, error)
	ListTeams(ctx context.Context) ([]Team, error)
	SetTeamMembers(ctx context.Context, teamID int64, userIDs []int64, at int64, evs ...event.Event) error
}

// Feed announces committed events and ephemeral signals to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
	Signal(ctx context.Context, name string, data any)
}

// SignalRevoked says a user's sessions or tokens stopped being valid: live sockets close (clients
// with a still-valid session reconnect).
const SignalRevoked = "auth.revoked"

// RevokedSignal is SignalRevoked's payload.
type RevokedSignal struct {
	UserID int64 `json:"user_id"`
}

// TeamData is the payload of team.changed.
type TeamData struct {
	TeamID  int64 `json:"team_id"`
	Deleted bool  `json:"deleted,omitempty"`
}

// userPayload encodes a user when its event is written, after an insert gave it its id.
type userPayload struct{ u *User }

func (p userPayload) MarshalJSON() ([]byte, error) { return json.Marshal(p.u) }

func userEvent(t event.Type, actor *User, u *User) event.Event {
	e := event.New(t, userPayload{u})
	if actor != nil {
		e.ActorID = actor.ID
	}
	return e
}

// Options configures a Service.
type Options struct {
	Hasher     *Hasher
	Limits     LoginLimits
	SessionTTL time.Duration // idle lifetime of a session, default 30 days
	Feed       Feed          // optional: no announcements without it
	// MailReady reports whether the installation's mail can send invitations and reset links
	// (nil: it cannot; invitations then give the admin the link to pass on).
	MailReady func(ctx context.Context) bool
	// PasswordLink is the URL of a one-time link's page for token (nil: a path on this server).
	PasswordLink func(token string) string
	Logger       *slog.Logger
	Now          func() time.Time // tests only
}

// Service is accounts: sign-in, users, teams, sessions and tokens.
type Service struct {
	repo      Repo
	hasher    *Hasher
	limiter   *loginLimiter
	ttl       time.Duration
	feed      Feed
	log       *slog.Logger
	now       func() time.Time
	dummyOnce sync.Once
	dummyHash string
	mailOK    func(ctx context.Context) bool
	linkOf    func(token string) string
	links     *linkLimits
}

// NewService returns the accounts service.
func NewService(repo Repo, opt Options) *Service {
	if opt.Hasher == nil {
		opt.Hasher = NewHasher(DefaultHashParams, 2)
	}
	if opt.Limits == (LoginLimits{}) {
		opt.Limits = DefaultLoginLimits
	}
	if opt.SessionTTL == 0 {
		opt.SessionTTL = 30 * 24 * time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{repo: repo, hasher: opt.Hasher, limiter: newLoginLimiter(opt.Limits), ttl: opt.SessionTTL, feed: opt.Feed, log: opt.Logger, now: opt.Now,
		mailOK: opt.MailReady, linkOf: opt.PasswordLink, links: newLinkLimits()}
}

// dummy returns a hash checked against when the email is unknown, so a wrong email costs as long
// as a wrong password and response times do not reveal who has an account. Made on first use to
// keep start-up fast.
func (s *Service) dummy(ctx context.Context) string {
	s.dummyOnce.Do(func() { s.dummyHash, _ = s.hasher.Hash(context.WithoutCancel(ctx), "parley-timing-equaliser") })
	return s.dummyHash
}

func (s *Service) nowMS() int64 { return s.now().UnixMilli() }

// NewUser is the input for creating a user.
type NewUser struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	Password  string `json:"password"`
	Role      Role   `json:"role"`
	TimeZone  string `json:"time_zone"`
	AvatarURL string `json:"avatar_url"`
}

func (s *Service) prepare(ctx context.Context, in NewUser) (*User, error) {
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
	avatar, err := validateAvatar(in.AvatarURL)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(in.Password, email); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	now := s.nowMS()
	return &User{Email: email, Name: name, Role: in.Role, TimeZone: tz, AvatarURL: avatar, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}, nil
}

func validateAvatar(u string) (string, error) {
	u = strings.TrimSpace(u)
	if u == "" {
		return "", nil
	}
	if len(u) > 2000 || !(strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "/")) {
		return "", errs.Coded(errs.Invalid, "avatar_invalid", "avatar_url must be an http(s) URL or a path on this server")
	}
	return u, nil
}

// NeedsSetup reports whether no owner exists yet, so the first-run page should be shown.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	has, err := s.repo.HasOwner(ctx)
	return !has, err
}

// Setup creates the first owner. It fails with a conflict once an owner exists, so the first-run
// page cannot be used to take over an installed account.
func (s *Service) Setup(ctx context.Context, in NewUser) (*User, error) {
	in.Role = Owner
	u, err := s.prepare(ctx, in)
	if err != nil {
		return nil, err
	}
	evs := []event.Event{userEvent(event.UserCreated, nil, u)}
	if err := s.repo.CreateUser(ctx, u, true, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	s.log.InfoContext(ctx, "owner created at first run", "user_id", u.ID)
	return u, nil
}

// CreateUser creates a user. actor is nil for the trusted shell (`parley user create`).
func (s *Service) CreateUser(ctx context.Context, actor *User, in NewUser) (*User, error) {
	if actor != nil {
		role := in.Role
		if role == "" {
			role = Agent
		}
		if err := AuthorizeUserChange(actor, UserChange{NewRole: role}); err != nil {
			return nil, err
		}
	}
	u, err := s.prepare(ctx, in)
	if err != nil {
		return nil, err
	}
	evs := []event.Event{userEvent(event.UserCreated, actor, u)}
	if err := s.repo.CreateUser(ctx, u, false, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return u, nil
}

// Login checks credentials and starts a session, returning its secret (for the cookie). Wrong
// email and wrong password give the same error.
func (s *Service) Login(ctx context.Context, email, password, ip, userAgent string) (*User, string, *Session, error) {
	norm, err := NormalizeEmail(email)
	if err != nil || password == "" {
		return nil, "", nil, errs.Coded(errs.Invalid, "credentials_required", "enter your email and password")
	}
	ok, done := s.limiter.attempt(ip, norm, s.now())
	if !ok {
		return nil, "", nil, errs.Coded(errs.RateLimited, "too_many_attempts", "too many sign-in attempts; wait a minute and try again")
	}
	u, err := s.repo.UserByEmail(ctx, norm)
	if err != nil && !errs.Is(err, errs.NotFound) {
		done(false)
		return nil, "", nil, err
	}
	var hash string
	if u != nil && !u.Invited {
		hash = u.PasswordHash
	} else {
		hash = s.dummy(ctx) // unknown, or invited and without a password yet
	}
	match, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		done(false)
		return nil, "", nil, err
	}
	if u == nil || u.Invited || !match || u.Deactivated {
		done(false)
		return nil, "", nil, errs.Coded(errs.Unauthenticated, "invalid_credentials", "wrong email or password")
	}
	done(true)
	secret, sess, err := s.startSession(ctx, u.ID, ip, userAgent)
	if err != nil {
		return nil, "", nil, err
	}
	return u, secret, sess, nil
}

func (s *Service) startSession(ctx context.Context, userID int64, ip, ua string) (string, *Session, error) {
	secret := newSecret(sessionPrefix)
	now := s.nowMS()
	if utf8.RuneCountInString(ua) > 300 {
		ua = string([]rune(ua)[:300])
	}
	sess := &Session{UserID: userID, IP: ip, UserAgent: ua, CreatedAt: now, LastUsedAt: now, ExpiresAt: now + s.ttl.Milliseconds(), TokenHash: HashSecret(secret)}
	if err := s.repo.CreateSession(ctx, sess); err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// Logout ends the session with this secret. Unknown secrets are ignored.
func (s *Service) Logout(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.repo.DeleteSessionByHash(ctx, HashSecret(secret))
}

// touchEvery limits last-used writes to one per session or token per interval, so reading the API
// does not write on every request.
const touchEvery = 5 * time.Minute

var errBadCredential = errs.Coded(errs.Unauthenticated, "unauthenticated", "sign in first")

// AuthenticateSession returns the user and session for a session secret.
func (s *Service) AuthenticateSession(ctx context.Context, secret string) (*User, *Session, error) {
	if !strings.HasPrefix(secret, sessionPrefix) {
		return nil, nil, errBadCredential
	}
	sess, err := s.repo.SessionByHash(ctx, HashSecret(secret))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, nil, errBadCredential
		}
		return nil, nil, err
	}
	now := s.nowMS()
	if sess.ExpiresAt <= now {
		_ = s.repo.DeleteSession(ctx, sess.UserID, sess.ID)
		return nil, nil, errs.Coded(errs.Unauthenticated, "session_expired", "your session has expired; sign in again")
	}
	u, err := s.activeUser(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if now-sess.LastUsedAt > touchEvery.Milliseconds() {
		sess.LastUsedAt, sess.ExpiresAt = now, now+s.ttl.Milliseconds()
		if err := s.repo.TouchSession(ctx, sess.ID, sess.LastUsedAt, sess.ExpiresAt); err != nil {
			s.log.WarnContext(ctx, "touch session", "err", err)
		}
	}
	return u, sess, nil
}

// AuthenticateToken returns the user and token for an API token secret.
func (s *Service) AuthenticateToken(ctx context.Context, secret string) (*User, *APIToken, error) {
	if !strings.HasPrefix(secret, apiTokenPrefix) {
		return nil, nil, errBadCredential
	}
	t, err := s.repo.APITokenByHash(ctx, HashSecret(secret))
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, nil, errBadCredential
		}
		return nil, nil, err
	}
	u, err := s.activeUser(ctx, t.UserID)
	if err != nil {
		return nil, nil, err
	}
	if now := s.nowMS(); now-t.LastUsedAt > touchEvery.Milliseconds() {
		t.LastUsedAt = now
		if err := s.repo.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.log.WarnContext(ctx, "touch api token", "err", err)
		}
	}
	return u, t, nil
}

func (s *Service) activeUser(ctx context.Context, id int64) (*User, error) {
	u, err := s.repo.UserByID(ctx, id)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errBadCredential
		}
		return nil, err
	}
	if u.Deactivated {
		return nil, errs.Coded(errs.Unauthenticated, "deactivated", "this account has been deactivated")
	}
	return u, nil
}

// ListUsers lists every user, active or not.
func (s *Service) ListUsers(ctx context.Context, actor *User) ([]User, error) {
	if err := Authorize(actor, ViewPeople); err != nil {
		return nil, err
	}
	return s.repo.ListUsers(ctx)
}

// GetUser returns one user.
func (s *Service) GetUser(ctx context.Context, actor *User, id int64) (*User, error) {
	if err := Authorize(actor, ViewPeople); err != nil {
		return nil, err
	}
	return s.repo.UserByID(ctx, id)
}

// UserPatch is a partial change to a user; nil fields stay as they are.
type UserPatch struct {
	Name        *string `json:"name"`
	AvatarURL   *string `json:"avatar_url"`
	TimeZone    *string `json:"time_zone"`
	Role        *Role   `json:"role"`
	Deactivated *bool   `json:"deactivated"`
}

// UpdateUser applies an admin's change to a user.
func (s *Service) UpdateUser(ctx context.Context, actor *User, id int64, p UserPatch) (*User, error) {
	if err := Authorize(actor, ManagePeople); err != nil {
		return nil, err
	}
	u, err := s.repo.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	owners, err := s.repo.CountActiveOwners(ctx)
	if err != nil {
		return nil, err
	}
	change := UserChange{Target: u, OwnersAfter: owners}
	losesOwner := false
	if p.Role != nil {
		if !p.Role.Valid() {
			return nil, errs.Coded(errs.Invalid, "role_invalid", "role must be owner, admin or agent")
		}
		change.NewRole = *p.Role
		losesOwner = u.Role == Owner && *p.Role != Owner
	}
	if p.Deactivated != nil && *p.Deactivated && !u.Deactivated {
		change.Deactivate = true
		losesOwner = losesOwner || u.Role == Owner
	}
	if losesOwner {
		change.OwnersAfter--
	}
	if err := AuthorizeUserChange(actor, change); err != nil {
		return nil, err
	}
	if err := applyProfile(u, p.Name, p.AvatarURL, p.TimeZone); err != nil {
		return nil, err
	}
	previous := u.Role
	if p.Role != nil {
		u.Role = *p.Role
	}
	u.UpdatedAt = s.nowMS()
	activation := p.Deactivated != nil && *p.Deactivated != u.Deactivated
	if activation {
		u.Deactivated = *p.Deactivated
	}
	// The events go with the last write, so they are committed exactly when the change is whole.
	evs := []event.Event{userEvent(event.UserUpdated, actor, u)}
	if u.Role != previous {
		rc := event.New(event.UserRoleChanged, RoleChange{UserID: u.ID, Role: u.Role, PreviousRole: previous})
		rc.ActorID = actor.ID
		evs = append(evs, rc)
	}
	var last []event.Event
	if !activation {
		last = evs
	}
	if err := s.repo.UpdateUser(ctx, u, last...); err != nil {
		return nil, err
	}
	if activation {
		if u.Deactivated {
			err = s.repo.DeactivateUser(ctx, u.ID, u.UpdatedAt, evs...)
		} else {
			err = s.repo.ReactivateUser(ctx, u.ID, u.UpdatedAt, evs...)
		}
		if err != nil {
			return nil, err
		}
	}
	s.committed(ctx, evs...)
	if activation && u.Deactivated {
		s.revoked(ctx, u.ID)
	}
	return s.repo.UserByID(ctx, id)
}

func applyProfile(u *User, name, avatar, tz *string) error {
	if name != nil {
		n, err := ValidateName(*name)
		if err != nil {
			return err
		}
		u.Name = n
	}
	if avatar != nil {
		a, err := validateAvatar(*avatar)
		if err != nil {
			return err
		}
		u.AvatarURL = a
	}
	if tz != nil {
		z, err := ValidateTimeZone(*tz)
		if err != nil {
			return err
		}
		u.TimeZone = z
	}
	return nil
}

// ProfilePatch is a user's change to their own profile.
type ProfilePatch struct {
	Name      *string `json:"name"`
	AvatarURL *string `json:"avatar_url"`
	TimeZone  *string `json:"time_zone"`
}

// UpdateProfile changes the actor's own name, avatar or time zone.
func (s *Service) UpdateProfile(ctx context.Context, actor *User, p ProfilePatch) (*User, error) {
	if err := Authorize(actor, ManageOwn); err != nil {
		return nil, err
	}
	u := *actor
	if err := applyProfile(&u, p.Name, p.AvatarURL, p.TimeZone); err != nil {
		return nil, err
	}
	u.UpdatedAt = s.nowMS()
	evs := []event.Event{userEvent(event.UserUpdated, actor, &u)}
	if err := s.repo.UpdateUser(ctx, &u, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return &u, nil
}

// ChangePassword changes the actor's password after checking the current one, and signs out every
// other session (keepSessionID stays; 0 keeps none).
func (s *Service) ChangePassword(ctx context.Context, actor *User, current, next string, keepSessionID int64) error {
	if err := Authorize(actor, ManageOwn); err != nil {
		return err
	}
	ok, done := s.limiter.attempt("user:"+actor.Email, actor.Email, s.now())
	if !ok {
		return errs.Coded(errs.RateLimited, "too_many_attempts", "too many attempts; wait a minute and try again")
	}
	match, err := s.hasher.Verify(ctx, actor.PasswordHash, current)
	if err != nil {
		done(false)
		return err
	}
	if !match {
		done(false)
		return errs.Coded(errs.Invalid, "current_password_wrong", "the current password is wrong")
	}
	done(true)
	if err := ValidatePassword(next, actor.Email); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return err
	}
	if err := s.repo.SetPassword(ctx, actor.ID, hash, keepSessionID); err != nil {
		return err
	}
	s.revoked(ctx, actor.ID)
	return nil
}

// ResetPassword sets a user's password from the trusted shell and signs out all their sessions.
func (s *Service) ResetPassword(ctx context.Context, email, password string) (*User, error) {
	norm, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	u, err := s.repo.UserByEmail(ctx, norm)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(password, u.Email); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	if err := s.repo.SetPassword(ctx, u.ID, hash, 0); err != nil {
		return nil, err
	}
	s.revoked(ctx, u.ID)
	return u, nil
}

func (s *Service) revoked(ctx context.Context, userID int64) {
	if s.feed != nil {
		s.feed.Signal(ctx, SignalRevoked, RevokedSignal{UserID: userID})
	}
}

// committed announces events the service's last write committed.
func (s *Service) committed(ctx context.Context, evs ...event.Event) {
	if s.feed != nil && len(evs) > 0 {
		s.feed.Committed(ctx, event.Notice{Events: evs})
	}
}

func teamEvent(actor *User, id int64, deleted bool) event.Event {
	e := event.New(event.TeamChanged, TeamData{TeamID: id, Deleted: deleted})
	e.ActorID = actor.ID
	return e
}

// ListSessions lists the actor's sessions, marking the current one.
func (s *Service) ListSessions(ctx context.Context, actor *User, currentID int64) ([]Session, error) {
	if err := Authorize(actor, ManageOwn); err != nil {
		return nil, err
	}
	list, err := s.repo.ListSessions(ctx, actor.ID)
	for i := range list {
		list[i].Current = list[i].ID == currentID
	}
	return list, err
}

// RevokeSession ends one of the actor's sessions.
func (s *Service) RevokeSession(ctx context.Context, actor *User, id int64) error {
	if err := Authorize(actor, ManageOwn); err != nil {
		return err
	}
	if err := s.repo.DeleteSession(ctx, actor.ID, id); err != nil {
		return err
	}
	s.revoked(ctx, actor.ID)
	return nil
}

// CreateAPIToken makes a personal API token and returns its secret, shown only this once.
func (s *Service) CreateAPIToken(ctx context.Context, actor *User, name string) (*APIToken, string, error) {
	if err := Authorize(actor, ManageOwn); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, "", errs.Coded(errs.Invalid, "name_required", "give the token a name, e.g. the integration that will use it")
	}
	if utf8.RuneCountInString(name) > 100 {
		return nil, "", errs.Coded(errs.Invalid, "name_too_long", "name is longer than 100 characters")
	}
	secret := newSecret(apiTokenPrefix)
	t := &APIToken{UserID: actor.ID, Name: name, Hint: secret[len(secret)-4:], CreatedAt: s.nowMS(), TokenHash: HashSecret(secret)}
	if err := s.repo.CreateAPIToken(ctx, t); err != nil {
		return nil, "", err
	}
	return t, secret, nil
}

// ListAPITokens lists the actor's tokens (never their secrets).
func (s *Service) ListAPITokens(ctx context.Context, actor *User) ([]APIToken, error) {
	if err := Authorize(actor, ManageOwn); err != nil {
		return nil, err
	}
	return s.repo.ListAPITokens(ctx, actor.ID)
}

// RevokeAPIToken deletes one of the actor's tokens.
func (s *Service) RevokeAPIToken(ctx context.Context, actor *User, id int64) error {
	if err := Authorize(actor, ManageOwn); err != nil {
		return err
	}
	if err := s.repo.DeleteAPIToken(ctx, actor.ID, id); err != nil {
		return err
	}
	s.revoked(ctx, actor.ID)
	return nil
}

// TeamInput creates or changes a team.
type TeamInput struct {
	Name      *string  `json:"name"`
	MemberIDs *[]int64 `json:"member_ids"`
}

func validateTeamName(p *string) (string, error) {
	if p == nil {
		return "", errs.Coded(errs.Invalid, "name_required", "name is required")
	}
	n := strings.TrimSpace(*p)
	if n == "" {
		return "", errs.Coded(errs.Invalid, "name_required", "name is required")
	}
	if utf8.RuneCountInString(n) > 100 {
		return "", errs.Coded(errs.Invalid, "name_too_long", "name is longer than 100 characters")
	}
	return n, nil
}

// ListTeams lists teams with their members.
func (s *Service) ListTeams(ctx context.Context, actor *User) ([]Team, error) {
	if err := Authorize(actor, ViewPeople); err != nil {
		return nil, err
	}
	return s.repo.ListTeams(ctx)
}

// GetTeam returns one team.
func (s *Service) GetTeam(ctx context.Context, actor *User, id int64) (*Team, error) {
	if err := Authorize(actor, ViewPeople); err != nil {
		return nil, err
	}
	return s.repo.TeamByID(ctx, id)
}

// CreateTeam creates a team, optionally with members.
func (s *Service) CreateTeam(ctx context.Context, actor *User, in TeamInput) (*Team, error) {
	if err := Authorize(actor, ManagePeople); err != nil {
		return nil, err
	}
	name, err := validateTeamName(in.Name)
	if err != nil {
		return nil, err
	}
	now := s.nowMS()
	t := &Team{Name: name, CreatedAt: now, UpdatedAt: now}
	if in.MemberIDs != nil {
		t.MemberIDs = *in.MemberIDs
	}
	evs := []event.Event{event.New(event.TeamChanged, teamPayload{t})}
	evs[0].ActorID = actor.ID
	if err := s.repo.CreateTeam(ctx, t, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.repo.TeamByID(ctx, t.ID)
}

// UpdateTeam renames a team and/or replaces its members.
func (s *Service) UpdateTeam(ctx context.Context, actor *User, id int64, in TeamInput) (*Team, error) {
	if err := Authorize(actor, ManagePeople); err != nil {
		return nil, err
	}
	if _, err := s.repo.TeamByID(ctx, id); err != nil {
		return nil, err
	}
	now := s.nowMS()
	if in.Name != nil {
		name, err := validateTeamName(in.Name)
		if err != nil {
			return nil, err
		}
		evs := []event.Event{teamEvent(actor, id, false)}
		if err := s.repo.RenameTeam(ctx, id, name, now, evs...); err != nil {
			return nil, err
		}
		s.committed(ctx, evs...)
	}
	if in.MemberIDs != nil {
		evs := []event.Event{teamEvent(actor, id, false)}
		if err := s.repo.SetTeamMembers(ctx, id, *in.MemberIDs, now, evs...); err != nil {
			return nil, err
		}
		s.committed(ctx, evs...)
	}
	return s.repo.TeamByID(ctx, id)
}

// DeleteTeam deletes a team; its members stay users.
func (s *Service) DeleteTeam(ctx context.Context, actor *User, id int64) error {
	if err := Authorize(actor, ManagePeople); err != nil {
		return err
	}
	evs := []event.Event{teamEvent(actor, id, true)}
	if err := s.repo.DeleteTeam(ctx, id, evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	return nil
}

// teamPayload encodes a new team's event once the insert gave it its id.
type teamPayload struct{ t *Team }

func (p teamPayload) MarshalJSON() ([]byte, error) { return json.Marshal(TeamData{TeamID: p.t.ID}) }
