package crm

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/errs"
)

// DealStatus is where a deal stands.
type DealStatus string

const (
	DealOpen DealStatus = "open"
	DealWon  DealStatus = "won"
	DealLost DealStatus = "lost"
)

func (s DealStatus) valid() bool { return s == DealOpen || s == DealWon || s == DealLost }

// Deal is a sale in progress, in a stage of a pipeline.
type Deal struct {
	ID                int64      `json:"id"`
	Title             string     `json:"title"`
	Value             int64      `json:"value"`
	Currency          string     `json:"currency"`
	ExpectedCloseDate string     `json:"expected_close_date"`
	PipelineID        int64      `json:"pipeline_id"`
	StageID           int64      `json:"stage_id"`
	Status            DealStatus `json:"status"`
	LostReason        string     `json:"lost_reason"`
	// Probability is the chance of winning in percent; null means the stage's.
	Probability     *int     `json:"probability"`
	PersonID        int64    `json:"person_id,omitempty"`
	OrganizationID  int64    `json:"organization_id,omitempty"`
	ContactID       int64    `json:"contact_id,omitempty"`
	ConversationID  int64    `json:"conversation_id,omitempty"`
	LeadID          int64    `json:"lead_id,omitempty"` // the lead it was converted from
	OwnerUserID     int64    `json:"owner_user_id,omitempty"`
	CreatedByUserID int64    `json:"created_by_user_id,omitempty"`
	Source          Source   `json:"source"`
	Labels          []string `json:"labels"`
	Fields          Values   `json:"fields"`
	ClosedAt        int64    `json:"closed_at,omitempty"` // when it was won or lost
	CreatedAt       int64    `json:"created_at"`
	UpdatedAt       int64    `json:"updated_at"`
	// Filled for the reader.
	CreatedByName    string `json:"created_by_name,omitempty"`
	OwnerName        string `json:"owner_name,omitempty"`
	PersonName       string `json:"person_name,omitempty"`
	OrganizationName string `json:"organization_name,omitempty"`
	StageName        string `json:"stage_name,omitempty"`
	// Cursor is the record's place in the list it was read for (the next page starts after it).
	Cursor string `json:"-"`
}

// DealPatch is a change to a deal; nil fields stay. Moving to a stage of another pipeline moves
// the deal to that pipeline. Probability -1 gives it back to the stage.
type DealPatch struct {
	Title             *string                    `json:"title"`
	Value             *int64                     `json:"value"`
	Currency          *string                    `json:"currency"`
	ExpectedCloseDate *string                    `json:"expected_close_date"`
	PipelineID        *int64                     `json:"pipeline_id"`
	StageID           *int64                     `json:"stage_id"`
	Status            *DealStatus                `json:"status"`
	LostReason        *string                    `json:"lost_reason"`
	Probability       *int                       `json:"probability"`
	PersonID          *int64                     `json:"person_id"`
	OrganizationID    *int64                     `json:"organization_id"`
	OwnerUserID       *int64                     `json:"owner_user_id"`
	Labels            *[]string                  `json:"labels"`
	Fields            map[string]json.RawMessage `json:"fields"`
}

// DealInput is a new deal: by default in the default pipeline's first stage.
type DealInput struct {
	DealPatch
	ContactID      int64              `json:"contact_id"`
	ConversationID int64              `json:"conversation_id"`
	Person         *PersonPatch       `json:"person"`
	Organization   *OrganizationPatch `json:"organization"`
	Note           string             `json:"note"`
	Link           bool               `json:"link"`
	Source         Source             `json:"-"`
}

const maxLostReason = 200

// apply validates p and applies it to d, except the stage, which the service resolves.
func (p DealPatch) apply(d *Deal, fields []Field, now int64) error {
	if p.Title != nil {
		t, err := cleanTitle(*p.Title)
		if err != nil {
			return err
		}
		d.Title = t
	}
	if p.Value != nil {
		if err := checkValue(*p.Value); err != nil {
			return err
		}
		d.Value = *p.Value
	}
	if p.Currency != nil {
		if *p.Currency == "" {
			return errs.Coded(errs.Invalid, "currency_invalid", "currency must be a 3-letter ISO 4217 code in capitals, such as EUR or USD")
		}
		c, err := cleanCurrency(*p.Currency)
		if err != nil {
			return err
		}
		d.Currency = c
	}
	if p.ExpectedCloseDate != nil {
		x, err := cleanDate(*p.ExpectedCloseDate, "expected_close_date")
		if err != nil {
			return err
		}
		d.ExpectedCloseDate = x
	}
	if p.Status != nil {
		if !p.Status.valid() {
			return errs.Coded(errs.Invalid, "status_invalid", "status must be open, won or lost")
		}
		if *p.Status != d.Status {
			d.Status = *p.Status
			d.ClosedAt = 0
			if d.Status != DealOpen {
				d.ClosedAt = now
			}
			if d.Status != DealLost {
				d.LostReason = ""
			}
		}
	}
	if p.LostReason != nil {
		r, err := cleanLine(*p.LostReason, "lost_reason", maxLostReason, false)
		if err != nil {
			return err
		}
		if r != "" && d.Status != DealLost {
			return errs.Coded(errs.Invalid, "lost_reason_invalid", "only a lost deal has a lost_reason")
		}
		d.LostReason = r
	}
	if p.Probability != nil {
		switch v := *p.Probability; {
		case v == -1:
			d.Probability = nil
		case v < 0 || v > 100:
			return errs.Coded(errs.Invalid, "probability_invalid", "probability is a percentage from 0 to 100 (-1: the stage's)")
		default:
			d.Probability = &v
		}
	}
	for _, ref := range []struct {
		v     *int64
		dst   *int64
		field string
	}{{p.PersonID, &d.PersonID, "person_id"}, {p.OrganizationID, &d.OrganizationID, "organization_id"}, {p.OwnerUserID, &d.OwnerUserID, "owner_user_id"},
		{p.PipelineID, &d.PipelineID, "pipeline_id"}, {p.StageID, &d.StageID, "stage_id"}} {
		if ref.v != nil {
			if err := checkID(*ref.v, ref.field); err != nil {
				return err
			}
			*ref.dst = *ref.v
		}
	}
	if p.Labels != nil {
		x, err := cleanLabels(*p.Labels)
		if err != nil {
			return err
		}
		d.Labels = x
	}
	if p.Fields != nil {
		v, err := applyValues(d.Fields, p.Fields, fields)
		if err != nil {
			return err
		}
		d.Fields = v
	}
	return nil
}

func newDeal(in DealInput, fields []Field, now int64) (*Deal, error) {
	d := &Deal{Status: DealOpen, Currency: DefaultCurrency, Labels: []string{}, Fields: Values{}}
	if in.Title == nil {
		in.Title = new(string)
	}
	if err := in.DealPatch.apply(d, fields, now); err != nil {
		return nil, err
	}
	if err := checkID(in.ContactID, "contact_id"); err != nil {
		return nil, err
	}
	if err := checkID(in.ConversationID, "conversation_id"); err != nil {
		return nil, err
	}
	d.ContactID, d.ConversationID = in.ContactID, in.ConversationID
	return d, nil
}

// Pipeline is an ordered list of stages deals move through. Exactly one pipeline is the default,
// where new deals go unless told otherwise.
type Pipeline struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Position  int     `json:"position"`
	Default   bool    `json:"default"`
	Stages    []Stage `json:"stages"`
	CreatedAt int64   `json:"created_at"`
	UpdatedAt int64   `json:"updated_at"`
}

// Stage is one step of a pipeline.
type Stage struct {
	ID          int64  `json:"id"`
	PipelineID  int64  `json:"pipeline_id"`
	Name        string `json:"name"`
	Position    int    `json:"position"`
	Probability int    `json:"probability"` // percent
	CreatedAt   int64  `json:"created_at"`
	UpdatedAt   int64  `json:"updated_at"`
}

// PipelineInput is a new pipeline or a change to one; nil fields stay. Stages is the whole new
// list in order: a stage with an id is kept (renamed, reweighted), one without is added, and a
// stage left out is removed (refused while deals are in it).
type PipelineInput struct {
	Name     *string       `json:"name"`
	Position *int          `json:"position"`
	Default  *bool         `json:"default"` // true makes it the default (the former default stops being one)
	Stages   *[]StageInput `json:"stages"`
}

// StageInput is one stage of PipelineInput.
type StageInput struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Probability *int   `json:"probability"` // default 100
}

// Limits of pipelines.
const (
	MaxStages = 30
	maxStage  = 100
)

func (in PipelineInput) apply(p *Pipeline, now int64) error {
	if in.Name != nil {
		n, err := cleanLine(*in.Name, "name", MaxTitle, true)
		if err != nil {
			return err
		}
		p.Name = n
	}
	if in.Position != nil {
		p.Position = *in.Position
	}
	if in.Default != nil {
		if !*in.Default && p.Default {
			return errs.Coded(errs.Invalid, "default_required", "one pipeline is always the default: make another one the default instead")
		}
		p.Default = *in.Default
	}
	if in.Stages != nil {
		old := map[int64]Stage{}
		for _, s := range p.Stages {
			old[s.ID] = s
		}
		stages := []Stage{}
		for i, si := range *in.Stages {
			n, err := cleanLine(si.Name, "stage_name", maxStage, true)
			if err != nil {
				return err
			}
			s := Stage{PipelineID: p.ID, Name: n, Position: i, Probability: 100, CreatedAt: now, UpdatedAt: now}
			if si.ID != 0 {
				o, ok := old[si.ID]
				if !ok {
					return errs.Coded(errs.Invalid, "stage_unknown", "stages: the pipeline has no stage with id %d", si.ID)
				}
				s.ID, s.Probability, s.CreatedAt, s.UpdatedAt = o.ID, o.Probability, o.CreatedAt, o.UpdatedAt
				delete(old, si.ID)
			}
			if si.Probability != nil {
				if *si.Probability < 0 || *si.Probability > 100 {
					return errs.Coded(errs.Invalid, "probability_invalid", "a stage's probability is a percentage from 0 to 100")
				}
				s.Probability = *si.Probability
			}
			stages = append(stages, s)
		}
		if len(stages) == 0 || len(stages) > MaxStages {
			return errs.Coded(errs.Invalid, "stages_invalid", "a pipeline has 1 to %d stages", MaxStages)
		}
		p.Stages = stages
	}
	if p.Name == "" {
		return errs.Coded(errs.Invalid, "name_required", "name is required")
	}
	if len(p.Stages) == 0 {
		return errs.Coded(errs.Invalid, "stages_invalid", "a pipeline has 1 to %d stages", MaxStages)
	}
	return nil
}

// Stage returns the pipeline's stage with this id.
func (p *Pipeline) Stage(id int64) (*Stage, bool) {
	for i := range p.Stages {
		if p.Stages[i].ID == id {
			return &p.Stages[i], true
		}
	}
	return nil, false
}
