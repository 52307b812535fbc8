package playbook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

// Repo is the storage the playbook service needs; internal/store implements it.
type Repo interface {
	// CreatePlaybook inserts the playbook and its first version, setting p.ID and p.Version.
	CreatePlaybook(ctx context.Context, p *Playbook, v *Version, evs ...event.Event) error
	// SavePlaybook stores p's settings and v as version prev+1, only if the current version is still
	// prev (Conflict otherwise), and sets p.Version.
	SavePlaybook(ctx context.Context, p *Playbook, v *Version, prev int, evs ...event.Event) error
	// PlaybookByID returns a playbook that is not deleted, with its current flow.
	PlaybookByID(ctx context.Context, id int64) (*Playbook, error)
	// ListPlaybooks lists a website's playbooks (every website's for 0), without flows, highest
	// priority first.
	ListPlaybooks(ctx context.Context, websiteID int64) ([]Playbook, error)
	DeletePlaybook(ctx context.Context, id, at int64, evs ...event.Event) error
	SetPlaybookActive(ctx context.Context, id int64, active bool, at int64, evs ...event.Event) error
	// PlaybookVersion returns a version with its flow, also of a deleted playbook.
	PlaybookVersion(ctx context.Context, playbookID int64, version int) (*Version, error)
	// PlaybookVersions lists versions without flows, newest first.
	PlaybookVersions(ctx context.Context, playbookID int64) ([]Version, error)
	// MarkPlaybookLoaded sets loaded_at unless it is set already, reporting whether it did.
	MarkPlaybookLoaded(ctx context.Context, id, at int64) (bool, error)
	WebsiteByID(ctx context.Context, id int64) (*inbox.Website, error)
	TeamByID(ctx context.Context, id int64) (*auth.Team, error)
}

// Service manages playbooks. Admins (and owners) create and change them; every signed-in user may
// read them, since agents see their cards in conversations. The widget reads them through
// ForWebsite, and the engine through GetVersion, without a user.
type Service struct {
	repo Repo
	feed Feed
	now  func() time.Time
}

// Feed announces committed events to every node (internal/event).
type Feed interface {
	Committed(ctx context.Context, n event.Notice)
}

// NewService returns the playbook service; feed may be nil (nothing is announced).
func NewService(repo Repo, feed Feed) *Service {
	return &Service{repo: repo, feed: feed, now: time.Now}
}

// SavedData is the payload of playbook.saved and playbook.deleted.
type SavedData struct {
	PlaybookID int64  `json:"playbook_id"`
	WebsiteID  int64  `json:"website_id"`
	Name       string `json:"name,omitempty"`
	Version    int    `json:"version,omitempty"`
	Active     bool   `json:"active"`
}

// savedPayload encodes a playbook when its event is written, after the write set its id and version.
type savedPayload struct{ p *Playbook }

func (sp savedPayload) MarshalJSON() ([]byte, error) {
	return json.Marshal(SavedData{PlaybookID: sp.p.ID, WebsiteID: sp.p.WebsiteID, Name: sp.p.Name, Version: sp.p.Version, Active: sp.p.Active})
}

func savedEvent(t event.Type, u *auth.User, p *Playbook) event.Event {
	e := event.New(t, savedPayload{p})
	e.InboxID, e.ActorID = p.WebsiteID, u.ID
	return e
}

func (s *Service) committed(ctx context.Context, evs ...event.Event) {
	if s.feed != nil && len(evs) > 0 {
		s.feed.Committed(ctx, event.Notice{Events: evs})
	}
}

func signedIn(u *auth.User) error {
	if u == nil || u.Deactivated {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	return nil
}

func mayEdit(u *auth.User) error {
	if err := signedIn(u); err != nil {
		return err
	}
	if !u.Role.IsAdmin() {
		return errs.Coded(errs.Forbidden, "forbidden", "only admins may change playbooks")
	}
	return nil
}

// Templates lists the templates with their texts in lang.
func (s *Service) Templates(ctx context.Context, u *auth.User, lang string) ([]Template, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	return Templates(lang), nil
}

// List returns a website's playbooks (every website's for 0), without flows.
func (s *Service) List(ctx context.Context, u *auth.User, websiteID int64) ([]Playbook, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	return s.repo.ListPlaybooks(ctx, websiteID)
}

// Get returns a playbook with its current flow.
func (s *Service) Get(ctx context.Context, u *auth.User, id int64) (*Playbook, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	return s.repo.PlaybookByID(ctx, id)
}

// Create makes a playbook from in: its flow, or when that is absent the named template's flow in
// the playbook's language (and the template's title as the name when none is given). It starts
// inactive unless in.Active says otherwise.
func (s *Service) Create(ctx context.Context, u *auth.User, in Input) (*Playbook, error) {
	if err := mayEdit(u); err != nil {
		return nil, err
	}
	if err := s.checkWebsite(ctx, in.WebsiteID); err != nil {
		return nil, err
	}
	if err := fromTemplate(&in); err != nil {
		return nil, err
	}
	if err := s.prepare(ctx, &in); err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	p := &Playbook{WebsiteID: in.WebsiteID, CreatedBy: u.ID, CreatedAt: now, UpdatedAt: now}
	apply(p, &in)
	v := &Version{Flow: in.Flow, Appearance: in.Appearance, CreatedBy: u.ID, CreatedAt: now}
	evs := []event.Event{savedEvent(event.PlaybookSaved, u, p)}
	if err := s.repo.CreatePlaybook(ctx, p, v, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.repo.PlaybookByID(ctx, p.ID)
}

// fromTemplate fills in a template's flow (and name) when in has no flow.
func fromTemplate(in *Input) error {
	switch {
	case in.Flow != nil && in.Template != "":
		return errs.Coded(errs.Invalid, "flow_or_template", "send either a flow or a template, not both")
	case in.Flow == nil && in.Template == "":
		return errs.Coded(errs.Invalid, "flow_required", "send a flow, or a template to start from (%s, %s or %s)",
			LiveChatTemplate, LeadQualificationTemplate, ContactFormTemplate)
	case in.Flow != nil:
		return nil
	}
	lang := in.Appearance.Language
	if lang == "" {
		lang = "en"
	}
	tpl, err := TemplateByName(in.Template, lang)
	if err != nil {
		return errs.Coded(errs.Invalid, "template_not_found", "%s", errMessage(err))
	}
	in.Flow = tpl.Flow
	if in.Name == "" {
		in.Name = tpl.Title
	}
	in.Template = ""
	return nil
}

func errMessage(err error) string {
	_, msg := errs.Public(err)
	return msg
}

// apply copies the saved settings of in to p.
func apply(p *Playbook, in *Input) {
	p.Name, p.Priority, p.DelaySeconds, p.Targeting, p.Appearance = in.Name, in.Priority, in.DelaySeconds, in.Targeting, in.Appearance
	if in.Active != nil {
		p.Active = *in.Active
	}
	p.Flow = in.Flow
}

// Update saves a new version of a playbook: every field of in replaces the current one (Active only
// when present).
func (s *Service) Update(ctx context.Context, u *auth.User, id int64, in Input) (*Playbook, error) {
	if err := mayEdit(u); err != nil {
		return nil, err
	}
	p, err := s.repo.PlaybookByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.WebsiteID != 0 && in.WebsiteID != p.WebsiteID {
		return nil, errs.Coded(errs.Invalid, "website_fixed", "a playbook stays on its website; export it and import it on the other one")
	}
	if in.Template != "" {
		return nil, errs.Coded(errs.Invalid, "flow_or_template", "templates start new playbooks; send the flow to save")
	}
	if in.BaseVersion != 0 && in.BaseVersion != p.Version {
		return nil, errs.Coded(errs.Conflict, "version_conflict",
			"someone saved version %d of this playbook after version %d you edited; reload it and make your change again", p.Version, in.BaseVersion)
	}
	in.WebsiteID = p.WebsiteID
	if in.Flow == nil {
		return nil, errs.Coded(errs.Invalid, "flow_required", "send the playbook's flow")
	}
	if err := s.prepare(ctx, &in); err != nil {
		return nil, err
	}
	prev := p.Version
	now := s.now().UnixMilli()
	apply(p, &in)
	p.UpdatedAt = now
	v := &Version{Flow: in.Flow, Appearance: in.Appearance, CreatedBy: u.ID, CreatedAt: now}
	evs := []event.Event{savedEvent(event.PlaybookSaved, u, p)}
	if err := s.repo.SavePlaybook(ctx, p, v, prev, evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.repo.PlaybookByID(ctx, id)
}

// prepare cleans and checks in, teams included, returning the problems as one Invalid error.
func (s *Service) prepare(ctx context.Context, in *Input) error {
	ps := Prepare(in)
	more, err := s.checkTeams(ctx, in.Flow)
	if err != nil {
		return err
	}
	return append(ps, more...).Err()
}

// checkTeams reports live chat cards whose team does not exist.
func (s *Service) checkTeams(ctx context.Context, f *Flow) (Problems, error) {
	var ps Problems
	for _, c := range f.LiveChatCards() {
		if c.TeamID <= 0 {
			continue
		}
		if _, err := s.repo.TeamByID(ctx, c.TeamID); err != nil {
			if !errs.Is(err, errs.NotFound) {
				return nil, err
			}
			p := Problem{CardID: c.ID, CardType: c.Type, Field: "team_id", Message: fmt.Sprintf("team %d does not exist", c.TeamID), CardText: c.Snippet()}
			ps = append(ps, p)
		}
	}
	return ps, nil
}

func (s *Service) checkWebsite(ctx context.Context, id int64) error {
	if id <= 0 {
		return errs.Coded(errs.Invalid, "website_required", "website_id is required")
	}
	if _, err := s.repo.WebsiteByID(ctx, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return errs.Coded(errs.Invalid, "website_not_found", "website %d does not exist", id)
		}
		return err
	}
	return nil
}

// Validate checks in as a save would, without saving: the problems, none when it may be saved.
func (s *Service) Validate(ctx context.Context, u *auth.User, in Input) (Problems, error) {
	if err := mayEdit(u); err != nil {
		return nil, err
	}
	if in.Flow == nil && in.Template != "" {
		if err := fromTemplate(&in); err != nil {
			return nil, err
		}
	}
	in.Flow = in.Flow.Clone()
	in.Targeting = append([]Rule(nil), in.Targeting...)
	ps := Prepare(&in)
	if in.WebsiteID != 0 {
		if err := s.checkWebsite(ctx, in.WebsiteID); err != nil {
			if !errs.Is(err, errs.Invalid) {
				return nil, err
			}
			ps = append(ps, Problem{Field: "website_id", Message: errMessage(err)})
		}
	}
	more, err := s.checkTeams(ctx, in.Flow)
	if err != nil {
		return nil, err
	}
	return append(ps, more...), nil
}

// Delete removes a playbook from its website. Conversations running one of its versions finish
// it: versions stay readable through GetVersion.
func (s *Service) Delete(ctx context.Context, u *auth.User, id int64) error {
	if err := mayEdit(u); err != nil {
		return err
	}
	p, err := s.repo.PlaybookByID(ctx, id)
	if err != nil {
		return err
	}
	p.Active = false
	evs := []event.Event{savedEvent(event.PlaybookDeleted, u, p)}
	if err := s.repo.DeletePlaybook(ctx, id, s.now().UnixMilli(), evs...); err != nil {
		return err
	}
	s.committed(ctx, evs...)
	return nil
}

// SetActive switches a playbook on or off without making a new version.
func (s *Service) SetActive(ctx context.Context, u *auth.User, id int64, active bool) (*Playbook, error) {
	if err := mayEdit(u); err != nil {
		return nil, err
	}
	p, err := s.repo.PlaybookByID(ctx, id)
	if err != nil {
		return nil, err
	}
	p.Active = active
	evs := []event.Event{savedEvent(event.PlaybookSaved, u, p)}
	if err := s.repo.SetPlaybookActive(ctx, id, active, s.now().UnixMilli(), evs...); err != nil {
		return nil, err
	}
	s.committed(ctx, evs...)
	return s.repo.PlaybookByID(ctx, id)
}

// Versions lists a playbook's versions, newest first, without their flows.
func (s *Service) Versions(ctx context.Context, u *auth.User, id int64) ([]Version, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	if _, err := s.repo.PlaybookByID(ctx, id); err != nil {
		return nil, err
	}
	return s.repo.PlaybookVersions(ctx, id)
}

// Version returns one version of a playbook with its flow.
func (s *Service) Version(ctx context.Context, u *auth.User, id int64, version int) (*Version, error) {
	if err := signedIn(u); err != nil {
		return nil, err
	}
	if _, err := s.repo.PlaybookByID(ctx, id); err != nil {
		return nil, err
	}
	return s.repo.PlaybookVersion(ctx, id, version)
}

// Export returns a playbook's current version as a document.
func (s *Service) Export(ctx context.Context, u *auth.User, id int64) (*Document, error) {
	p, err := s.Get(ctx, u, id)
	if err != nil {
		return nil, err
	}
	return ExportDocument(p), nil
}

// ImportInput says where a document goes: a new, inactive playbook on WebsiteID, or, with
// PlaybookID, a new version of that playbook (which keeps its website, state and priority).
type ImportInput struct {
	WebsiteID  int64     `json:"website_id"`
	PlaybookID int64     `json:"playbook_id,omitempty"`
	Document   *Document `json:"document"`
}

// Import saves a document as a new playbook or a new version of one, checked like any save.
func (s *Service) Import(ctx context.Context, u *auth.User, in ImportInput) (*Playbook, error) {
	if err := mayEdit(u); err != nil {
		return nil, err
	}
	if in.Document == nil {
		return nil, errs.Coded(errs.Invalid, "document_required", "send the playbook file as document")
	}
	if in.PlaybookID == 0 {
		pin, err := in.Document.Input(in.WebsiteID)
		if err != nil {
			return nil, err
		}
		return s.Create(ctx, u, *pin)
	}
	p, err := s.repo.PlaybookByID(ctx, in.PlaybookID)
	if err != nil {
		return nil, err
	}
	if in.WebsiteID != 0 && in.WebsiteID != p.WebsiteID {
		return nil, errs.Coded(errs.Invalid, "website_fixed", "playbook %d belongs to website %d, not %d", p.ID, p.WebsiteID, in.WebsiteID)
	}
	pin, err := in.Document.Input(p.WebsiteID)
	if err != nil {
		return nil, err
	}
	pin.Priority = p.Priority
	return s.Update(ctx, u, p.ID, *pin)
}

// ForWebsite returns the playbook to run for a visitor on pageURL, with its current flow (see
// Match); NotFound (code "no_playbook") when none matches. No user: the widget asks.
func (s *Service) ForWebsite(ctx context.Context, websiteID int64, pageURL string) (*Playbook, error) {
	all, err := s.repo.ListPlaybooks(ctx, websiteID)
	if err != nil {
		return nil, err
	}
	m := Match(all, pageURL)
	if m == nil {
		return nil, errs.Coded(errs.NotFound, "no_playbook", "no playbook runs on this page")
	}
	v, err := s.repo.PlaybookVersion(ctx, m.ID, m.Version)
	if err != nil {
		return nil, err
	}
	p := *m
	p.Flow, p.Appearance = v.Flow, v.Appearance
	return &p, nil
}

// GetVersion returns a version of a playbook, deleted or not, for a conversation that started on
// it. No user: the engine asks.
func (s *Service) GetVersion(ctx context.Context, playbookID int64, version int) (*Version, error) {
	return s.repo.PlaybookVersion(ctx, playbookID, version)
}

// MarkLoaded records that a widget loaded the playbook, the first time only: from then on its live
// chat card is no longer "offline only". Callers holding the playbook skip the call when LoadedAt is
// set, so a page view costs no write.
func (s *Service) MarkLoaded(ctx context.Context, playbookID int64) error {
	_, err := s.repo.MarkPlaybookLoaded(ctx, playbookID, s.now().UnixMilli())
	return err
}
