package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// actor is the signed-in user of a request and how they signed in.
type actor struct {
	user    *auth.User
	session *auth.Session // nil when signed in with an API token
}

func actorOf(r *http.Request) *actor {
	a, _ := r.Context().Value(keyActor).(*actor)
	return a
}

func (s *Server) cookieName() string {
	if s.secure {
		return "__Host-parley_session"
	}
	return "parley_session"
}

// authenticate finds the user behind a request: a Bearer API token, else the session cookie.
func (s *Server) authenticate(r *http.Request) (*actor, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, errs.E(errs.Unauthenticated, "the Authorization header must be \"Bearer <token>\"")
		}
		u, _, err := s.auth.AuthenticateToken(r.Context(), strings.TrimSpace(token))
		if err != nil {
			return nil, err
		}
		return &actor{user: u}, nil
	}
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return nil, errs.E(errs.Unauthenticated, "sign in first")
	}
	u, sess, err := s.auth.AuthenticateSession(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	return &actor{user: u, session: sess}, nil
}

func (s *Server) setSessionCookie(w http.ResponseWriter, secret string, expires int64) {
	http.SetCookie(w, &http.Cookie{
		Name: s.cookieName(), Value: secret, Path: "/", HttpOnly: true, Secure: s.secure,
		SameSite: http.SameSiteLaxMode, Expires: time.UnixMilli(expires),
	})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// signIn checks credentials and starts a new session, ending the one the browser had: the
// session is rotated at every login.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, email, password string) (*auth.User, error) {
	u, secret, sess, err := s.auth.Login(r.Context(), email, password, s.clientIP(r), r.UserAgent())
	if err != nil {
		return nil, err
	}
	if c, err := r.Cookie(s.cookieName()); err == nil {
		_ = s.auth.Logout(r.Context(), c.Value)
	}
	s.setSessionCookie(w, secret, sess.ExpiresAt)
	return u, nil
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in credentials
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.signIn(w, r, in.Email, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		if err := s.auth.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearSessionCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getSetup(w http.ResponseWriter, r *http.Request) error {
	need, err := s.auth.NeedsSetup(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"needs_setup": need})
	return nil
}

// postSetup creates the first owner and signs them in. Once an owner exists it answers 409.
func (s *Server) postSetup(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Name     string `json:"name"`
		Password string `json:"password"`
		TimeZone string `json:"time_zone"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if _, err := s.auth.Setup(r.Context(), auth.NewUser{Email: in.Email, Name: in.Name, Password: in.Password, TimeZone: in.TimeZone}); err != nil {
		return err
	}
	u, err := s.signIn(w, r, in.Email, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": u})
	return nil
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	out := map[string]any{"user": a.user}
	if a.session != nil {
		out["session_id"] = a.session.ID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.auth.Settings(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) putSettings(w http.ResponseWriter, r *http.Request) error {
	var in auth.SettingsPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	st, err := s.auth.SetSettings(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) patchMe(w http.ResponseWriter, r *http.Request) error {
	var in auth.ProfilePatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.auth.UpdateProfile(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

func (s *Server) putPassword(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a := actorOf(r)
	var keep int64
	if a.session != nil {
		keep = a.session.ID
	}
	if err := s.auth.ChangePassword(r.Context(), a.user, in.Current, in.New, keep); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	a := actorOf(r)
	var current int64
	if a.session != nil {
		current = a.session.ID
	}
	list, err := s.auth.ListSessions(r.Context(), a.user, current)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": list})
	return nil
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.auth.RevokeSession(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	list, err := s.auth.ListAPITokens(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": list})
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, secret, err := s.auth.CreateAPIToken(r.Context(), actorOf(r).user, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secret})
	return nil
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.auth.RevokeAPIToken(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	list, err := s.auth.ListUsers(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": list})
	return nil
}

// createUser creates a user with the password given, or — with none — invites them by email to
// set their own (the admin area's way).
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email     string    `json:"email"`
		Name      string    `json:"name"`
		Password  string    `json:"password"`
		Role      auth.Role `json:"role"`
		TimeZone  string    `json:"time_zone"`
		AvatarURL string    `json:"avatar_url"`
		// Language of the invitation mail (the inviting admin's).
		Language string `json:"language"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	nu := auth.NewUser{Email: in.Email, Name: in.Name, Password: in.Password, Role: in.Role, TimeZone: in.TimeZone, AvatarURL: in.AvatarURL}
	if in.Password == "" {
		u, inv, err := s.auth.Invite(r.Context(), actorOf(r).user, nu, in.Language)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, map[string]any{"user": u, "invitation": inv})
		return nil
	}
	u, err := s.auth.CreateUser(r.Context(), actorOf(r).user, nu)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"user": u})
	return nil
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.auth.GetUser(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in auth.UserPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.auth.UpdateUser(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": u})
	return nil
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) error {
	list, err := s.auth.ListTeams(r.Context(), actorOf(r).user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"teams": list})
	return nil
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) error {
	var in auth.TeamInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.auth.CreateTeam(r.Context(), actorOf(r).user, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"team": t})
	return nil
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.auth.GetTeam(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"team": t})
	return nil
}

func (s *Server) patchTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in auth.TeamInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, err := s.auth.UpdateTeam(r.Context(), actorOf(r).user, id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"team": t})
	return nil
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.auth.DeleteTeam(r.Context(), actorOf(r).user, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
