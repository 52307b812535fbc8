package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/jobs"
)

// The accounts queries: users, teams, sessions and API tokens (auth.Repo).

var _ auth.Repo = (*DB)(nil)

const userColumns = "id, email, name, avatar_url, time_zone, role, password_hash, COALESCE(deactivated_at, 0), created_at, updated_at"

func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	var u auth.User
	if err := row.Scan(&u.ID, &u.Email, &u.Name, &u.AvatarURL, &u.TimeZone, &u.Role, &u.PasswordHash, &u.DeactivatedAt, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.Deactivated = u.DeactivatedAt != 0
	u.Invited = u.PasswordHash == ""
	return &u, nil
}

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "%s not found", what)
	}
	return err
}

// HasOwner reports whether an active owner exists.
func (db *DB) HasOwner(ctx context.Context) (bool, error) {
	n, err := db.CountActiveOwners(ctx)
	return n > 0, err
}

// CountActiveOwners counts owners who are not deactivated.
func (db *DB) CountActiveOwners(ctx context.Context) (int, error) {
	var n int
	err := db.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE role = 'owner' AND deactivated_at IS NULL").Scan(&n)
	return n, err
}

// CreateUser inserts u and sets its ID. With onlyIfNoOwner it fails with a conflict when an owner
// already exists, checked in the same transaction so two first-run requests cannot both win.
func (db *DB) CreateUser(ctx context.Context, u *auth.User, onlyIfNoOwner bool, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if onlyIfNoOwner {
			if tx.Engine == Postgres {
				// PostgreSQL runs concurrent transactions; serialise first-run setups.
				if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7061726901)"); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE role = 'owner'").Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errs.Coded(errs.Conflict, "setup_done", "this Parley already has an owner; sign in instead")
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, avatar_url, time_zone, role, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			u.Email, u.Name, u.AvatarURL, u.TimeZone, u.Role, u.PasswordHash, u.CreatedAt, u.UpdatedAt).Scan(&u.ID)
		if IsUniqueViolation(err) {
			return errs.Coded(errs.Conflict, "email_taken", "a user with email %s already exists", u.Email)
		}
		return err
	})
}

// UserByID returns a user.
func (db *DB) UserByID(ctx context.Context, id int64) (*auth.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE id = $1", id))
	return u, notFound(err, "user")
}

// UserByEmail returns a user by normalised email.
func (db *DB) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	u, err := scanUser(db.read.QueryRowContext(ctx, "SELECT "+userColumns+" FROM users WHERE email = $1", email))
	return u, notFound(err, "user")
}

// ListUsers lists all users by name.
func (db *DB) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+userColumns+" FROM users ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []auth.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

// UpdateUser saves a user's name, avatar, time zone and role.
func (db *DB) UpdateUser(ctx context.Context, u *auth.User, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "UPDATE users SET name = $1, avatar_url = $2, time_zone = $3, role = $4, updated_at = $5 WHERE id = $6",
			u.Name, u.AvatarURL, u.TimeZone, u.Role, u.UpdatedAt, u.ID))("user")
	})
}

func expectOne(res sql.Result, err error) func(what string) error {
	return func(what string) error {
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.NotFound, "%s not found", what)
		}
		return nil
	}
}

// SetPassword stores a new password hash and ends every session of the user but keepSessionID.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string, keepSessionID int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if err := expectOne(tx.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", hash, userID))("user"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, keepSessionID)
		return err
	})
}

// DeactivateUser marks a user deactivated and ends all their sessions and tokens.
func (db *DB) DeactivateUser(ctx context.Context, userID, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if err := expectOne(tx.ExecContext(ctx, "UPDATE users SET deactivated_at = $1, updated_at = $1 WHERE id = $2", at, userID))("user"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM api_tokens WHERE user_id = $1", userID)
		return err
	})
}

// ReactivateUser lets a deactivated user sign in again.
func (db *DB) ReactivateUser(ctx context.Context, userID, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "UPDATE users SET deactivated_at = NULL, updated_at = $1 WHERE id = $2", at, userID))("user")
	})
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s *auth.Session) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO sessions (user_id, token_hash, ip, user_agent, created_at, last_used_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			s.UserID, s.TokenHash, s.IP, s.UserAgent, s.CreatedAt, s.LastUsedAt, s.ExpiresAt).Scan(&s.ID)
	})
}

const sessionColumns = "id, user_id, ip, user_agent, created_at, last_used_at, expires_at"

func scanSession(row interface{ Scan(...any) error }) (*auth.Session, error) {
	var s auth.Session
	err := row.Scan(&s.ID, &s.UserID, &s.IP, &s.UserAgent, &s.CreatedAt, &s.LastUsedAt, &s.ExpiresAt)
	return &s, err
}

// SessionByHash finds a session by the hash of its secret.
func (db *DB) SessionByHash(ctx context.Context, hash string) (*auth.Session, error) {
	s, err := scanSession(db.read.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE token_hash = $1", hash))
	if err != nil {
		return nil, notFound(err, "session")
	}
	return s, nil
}

// TouchSession records use of a session and extends it.
func (db *DB) TouchSession(ctx context.Context, id, lastUsed, expires int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE sessions SET last_used_at = $1, expires_at = $2 WHERE id = $3", lastUsed, expires, id)
		return err
	})
}

// ListSessions lists a user's sessions, newest first.
func (db *DB) ListSessions(ctx context.Context, userID int64) ([]auth.Session, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE user_id = $1 ORDER BY last_used_at DESC, id DESC", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []auth.Session{}
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, rows.Err()
}

// DeleteSession ends a session of the user; another user's session is not found.
func (db *DB) DeleteSession(ctx context.Context, userID, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = $1 AND user_id = $2", id, userID))("session")
	})
}

// DeleteSessionByHash ends the session with this secret hash, if any.
func (db *DB) DeleteSessionByHash(ctx context.Context, hash string) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = $1", hash)
		return err
	})
}

// CreateAPIToken stores a new API token.
func (db *DB) CreateAPIToken(ctx context.Context, t *auth.APIToken) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, hint, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			t.UserID, t.Name, t.TokenHash, t.Hint, t.CreatedAt).Scan(&t.ID)
	})
}

const tokenColumns = "id, user_id, name, hint, created_at, COALESCE(last_used_at, 0)"

func scanToken(row interface{ Scan(...any) error }) (*auth.APIToken, error) {
	var t auth.APIToken
	err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Hint, &t.CreatedAt, &t.LastUsedAt)
	return &t, err
}

// APITokenByHash finds a token by the hash of its secret.
func (db *DB) APITokenByHash(ctx context.Context, hash string) (*auth.APIToken, error) {
	t, err := scanToken(db.read.QueryRowContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE token_hash = $1", hash))
	if err != nil {
		return nil, notFound(err, "API token")
	}
	return t, nil
}

// TouchAPIToken records when a token was last used.
func (db *DB) TouchAPIToken(ctx context.Context, id, at int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", at, id)
		return err
	})
}

// ListAPITokens lists a user's tokens.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]auth.APIToken, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT "+tokenColumns+" FROM api_tokens WHERE user_id = $1 ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []auth.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	return out, rows.Err()
}

// DeleteAPIToken revokes a token of the user.
func (db *DB) DeleteAPIToken(ctx context.Context, userID, id int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", id, userID))("API token")
	})
}

// CreateTeam inserts a team with its members.
func (db *DB) CreateTeam(ctx context.Context, t *auth.Team, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, "INSERT INTO teams (name, created_at, updated_at) VALUES ($1, $2, $3) RETURNING id", t.Name, t.CreatedAt, t.UpdatedAt).Scan(&t.ID)
		if IsUniqueViolation(err) {
			return errs.Coded(errs.Conflict, "team_name_taken", "a team named %q already exists", t.Name)
		}
		if err != nil {
			return err
		}
		return setMembers(ctx, tx, t.ID, t.MemberIDs, t.CreatedAt)
	})
}

// RenameTeam changes a team's name.
func (db *DB) RenameTeam(ctx context.Context, id int64, name string, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE teams SET name = $1, updated_at = $2 WHERE id = $3", name, at, id)
		if IsUniqueViolation(err) {
			return errs.Coded(errs.Conflict, "team_name_taken", "a team named %q already exists", name)
		}
		return expectOne(res, err)("team")
	})
}

// SetTeamMembers replaces a team's members.
func (db *DB) SetTeamMembers(ctx context.Context, teamID int64, userIDs []int64, at int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		if err := expectOne(tx.ExecContext(ctx, "UPDATE teams SET updated_at = $1 WHERE id = $2", at, teamID))("team"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM team_members WHERE team_id = $1", teamID); err != nil {
			return err
		}
		return setMembers(ctx, tx, teamID, userIDs, at)
	})
}

func setMembers(ctx context.Context, tx *Tx, teamID int64, userIDs []int64, at int64) error {
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, uid := range ids {
		_, err := tx.ExecContext(ctx, "INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1, $2, $3)", teamID, uid, at)
		if IsForeignKeyViolation(err) {
			return errs.Coded(errs.Invalid, "unknown_user", "there is no user with id %d", uid)
		}
		if err != nil {
			return fmt.Errorf("add team member: %w", err)
		}
	}
	return nil
}

// DeleteTeam deletes a team and its memberships.
func (db *DB) DeleteTeam(ctx context.Context, id int64, evs ...event.Event) error {
	return db.eventTx(ctx, unitOf(evs), func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "DELETE FROM teams WHERE id = $1", id))("team")
	})
}

// TeamByID returns a team with its members.
func (db *DB) TeamByID(ctx context.Context, id int64) (*auth.Team, error) {
	var t auth.Team
	err := db.read.QueryRowContext(ctx, "SELECT id, name, created_at, updated_at FROM teams WHERE id = $1", id).Scan(&t.ID, &t.Name, &t.CreatedAt, &t.UpdatedAt)
	if err != nil {
		return nil, notFound(err, "team")
	}
	teams := []auth.Team{t}
	if err := db.fillMembers(ctx, teams); err != nil {
		return nil, err
	}
	return &teams[0], nil
}

// ListTeams lists teams by name, with members.
func (db *DB) ListTeams(ctx context.Context) ([]auth.Team, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT id, name, created_at, updated_at FROM teams ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []auth.Team{}
	for rows.Next() {
		var t auth.Team
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt, &t.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, db.fillMembers(ctx, out)
}

func (db *DB) fillMembers(ctx context.Context, teams []auth.Team) error {
	idx := map[int64]int{}
	for i := range teams {
		idx[teams[i].ID] = i
		teams[i].MemberIDs = []int64{}
	}
	if len(teams) == 0 {
		return nil
	}
	q := "SELECT team_id, user_id FROM team_members ORDER BY team_id, user_id"
	var args []any
	if len(teams) == 1 {
		q = "SELECT team_id, user_id FROM team_members WHERE team_id = $1 ORDER BY user_id"
		args = append(args, teams[0].ID)
	}
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tid, uid int64
		if err := rows.Scan(&tid, &uid); err != nil {
			return err
		}
		if i, ok := idx[tid]; ok {
			teams[i].MemberIDs = append(teams[i].MemberIDs, uid)
		}
	}
	return rows.Err()
}

// Availability returns the user's online toggle.
func (db *DB) Availability(ctx context.Context, userID int64) (bool, error) {
	var on int
	err := db.read.QueryRowContext(ctx, "SELECT availability FROM users WHERE id = $1", userID).Scan(&on)
	if err != nil {
		return false, notFound(err, "user")
	}
	return on != 0, nil
}

// SetAvailability stores the user's online toggle.
func (db *DB) SetAvailability(ctx context.Context, userID int64, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return db.InTx(ctx, func(tx *Tx) error {
		return expectOne(tx.ExecContext(ctx, "UPDATE users SET availability = $1 WHERE id = $2", v, userID))("user")
	})
}

// UserSettings returns a user's stored settings; not-found when never set.
func (db *DB) UserSettings(ctx context.Context, userID int64) (*auth.StoredSettings, error) {
	var st auth.StoredSettings
	err := db.read.QueryRowContext(ctx, "SELECT notify, sounds, volume, language, updated_at FROM user_settings WHERE user_id = $1", userID).
		Scan(&st.Notify, &st.Sounds, &st.Volume, &st.Language, &st.UpdatedAt)
	if err != nil {
		return nil, notFound(err, "settings")
	}
	return &st, nil
}

// UsersSettings returns the stored settings of the users named (those never set are left out).
func (db *DB) UsersSettings(ctx context.Context, ids []int64) (map[int64]*auth.StoredSettings, error) {
	out := map[int64]*auth.StoredSettings{}
	for chunk := range slices.Chunk(ids, 500) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.read.QueryContext(ctx, "SELECT user_id, notify, sounds, volume, language, updated_at FROM user_settings WHERE user_id IN ("+
			placeholders(1, len(chunk))+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var st auth.StoredSettings
			if err := rows.Scan(&id, &st.Notify, &st.Sounds, &st.Volume, &st.Language, &st.UpdatedAt); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = &st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetUserSettings stores a user's settings, replacing what was there.
func (db *DB) SetUserSettings(ctx context.Context, userID int64, st *auth.StoredSettings) error {
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO user_settings (user_id, notify, sounds, volume, language, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (user_id) DO UPDATE SET notify = excluded.notify, sounds = excluded.sounds, volume = excluded.volume,
			language = excluded.language, updated_at = excluded.updated_at`, userID, st.Notify, st.Sounds, st.Volume, st.Language, st.UpdatedAt)
		return err
	})
}

// CompanySettings returns the company's settings (the defaults when never saved).
func (db *DB) CompanySettings(ctx context.Context) (*auth.CompanySettings, error) {
	var inApp int
	var at int64
	err := db.read.QueryRowContext(ctx, "SELECT in_app_notifications, updated_at FROM company_settings WHERE singleton = 1").Scan(&inApp, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return &auth.CompanySettings{InAppNotifications: true}, nil
	}
	if err != nil {
		return nil, err
	}
	return &auth.CompanySettings{InAppNotifications: inApp != 0, UpdatedAt: at}, nil
}

// SaveCompanySettings stores the company's settings.
func (db *DB) SaveCompanySettings(ctx context.Context, s *auth.CompanySettings) error {
	inApp := 0
	if s.InAppNotifications {
		inApp = 1
	}
	return db.InTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO company_settings (singleton, in_app_notifications, updated_at) VALUES (1, $1, $2)
			ON CONFLICT (singleton) DO UPDATE SET in_app_notifications = excluded.in_app_notifications, updated_at = excluded.updated_at`, inApp, s.UpdatedAt)
		return err
	})
}

// CreateInvitedUser inserts a user who has no password yet, with the jobs that mail their link;
// lang, when set, starts their settings (the language of the mail Parley sends them).
func (db *DB) CreateInvitedUser(ctx context.Context, u *auth.User, lang string, specs []jobs.Spec, evs ...event.Event) error {
	u.PasswordHash = ""
	return db.eventTx(ctx, &Unit{Events: evs}, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, avatar_url, time_zone, role, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, '', $6, $7) RETURNING id`,
			u.Email, u.Name, u.AvatarURL, u.TimeZone, u.Role, u.CreatedAt, u.UpdatedAt).Scan(&u.ID)
		if IsUniqueViolation(err) {
			return errs.Coded(errs.Conflict, "email_taken", "a user with email %s already exists", u.Email)
		}
		if err != nil {
			return err
		}
		if lang != "" {
			if _, err := tx.ExecContext(ctx, "INSERT INTO user_settings (user_id, language, updated_at) VALUES ($1, $2, $3)", u.ID, lang, u.CreatedAt); err != nil {
				return err
			}
		}
		for i := range specs {
			if p, ok := specs[i].Payload.(auth.AccountMail); ok && p.UserID == 0 {
				p.UserID = u.ID // the mail is for the user just inserted
				specs[i].Payload = p
			}
		}
		return tx.writeJobs(ctx, db, specs)
	})
}

// CreateAccountToken stores a one-time link, deleting the user's unused ones of the same purpose
// (a new invitation or reset replaces the one before).
func (db *DB) CreateAccountToken(ctx context.Context, t *auth.AccountToken) error {
	return db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL", t.UserID, t.Purpose); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO account_tokens (user_id, purpose, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)
			RETURNING id`, t.UserID, t.Purpose, t.TokenHash, t.ExpiresAt, t.CreatedAt).Scan(&t.ID)
	})
}

// AccountTokenByHash returns a one-time link by its token's hash.
func (db *DB) AccountTokenByHash(ctx context.Context, hash string) (*auth.AccountToken, error) {
	var t auth.AccountToken
	err := db.read.QueryRowContext(ctx, `SELECT id, user_id, purpose, token_hash, expires_at, created_at, COALESCE(used_at, 0)
		FROM account_tokens WHERE token_hash = $1`, hash).Scan(&t.ID, &t.UserID, &t.Purpose, &t.TokenHash, &t.ExpiresAt, &t.CreatedAt, &t.UsedAt)
	if err != nil {
		return nil, notFound(err, "link")
	}
	return &t, nil
}

// SetPasswordWithToken spends a one-time link and sets its user's password in one transaction:
// the link works once however many requests race with it. The user's other links and sessions end.
func (db *DB) SetPasswordWithToken(ctx context.Context, tokenHash, passwordHash string, now int64) error {
	return db.InTx(ctx, func(tx *Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `UPDATE account_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
			RETURNING user_id`, now, tokenHash).Scan(&userID)
		if err != nil {
			return notFound(err, "link")
		}
		if err := expectOne(tx.ExecContext(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2 AND deactivated_at IS NULL", passwordHash, userID))("user"); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM account_tokens WHERE user_id = $1 AND used_at IS NULL", userID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1", userID)
		return err
	})
}
