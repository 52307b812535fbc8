package report

import (
	"context"
	"slices"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/errs"
)

// Fact is what a report reads of one conversation that reached people (docs/reports.md): only
// what the figures need, so a month of them reads fast.
type Fact struct {
	CreatedAt int64
	// Asked: the contact asked (the first-response clock started); Answered: an agent answered,
	// FirstResponse ms after.
	Asked, Answered bool
	FirstResponse   int64
	// Resolved: it is closed now, Resolution ms after it began.
	Resolved   bool
	Resolution int64
	Rating     int // 0: not rated
	// Key is the breakdown's group (FactQuery.Key), "" otherwise.
	Key string
}

// FactQuery asks for the facts of conversations created in [From, To) that pass Filter and that
// Scope sees.
type FactQuery struct {
	From, To int64
	Filter
	Scope Scope
	// Key names the column a breakdown groups by: agent, team, inbox or channel ("": none).
	Key string
}

// Filter narrows the conversations a report counts (zero values: any).
type Filter struct {
	InboxID int64
	Channel string
	AgentID int64
	TeamID  int64
}

// Teams tells which teams a user is in.
type Teams interface {
	ListTeams(ctx context.Context) ([]auth.Team, error)
}

// Service answers reports.
type Service struct {
	repo  Repo
	teams Teams
}

// New returns the reports service.
func New(repo Repo, teams Teams) *Service { return &Service{repo: repo, teams: teams} }

// MaxDays is the longest range a report covers.
const MaxDays = 400

// Query is a report's range and filter: the days From to To (inclusive, "2006-01-02") in Zone.
type Query struct {
	From, To string
	Zone     string
	Filter
	// By groups a breakdown: agent, team, inbox or channel.
	By string
}

// Scope is what a user may see in reports: admins everything; an agent the conversations they
// had and those of their teams. It is the one place this rule lives.
type Scope struct {
	All     bool
	UserID  int64
	TeamIDs []int64
}

// scopeOf is the scope of actor.
func (s *Service) scopeOf(ctx context.Context, actor *auth.User) (Scope, error) {
	if actor == nil || actor.Deactivated {
		return Scope{}, errs.E(errs.Unauthenticated, "sign in first")
	}
	if actor.Role.IsAdmin() {
		return Scope{All: true}, nil
	}
	teams, err := s.teams.ListTeams(ctx)
	if err != nil {
		return Scope{}, err
	}
	sc := Scope{UserID: actor.ID}
	for _, t := range teams {
		if slices.Contains(t.MemberIDs, actor.ID) {
			sc.TeamIDs = append(sc.TeamIDs, t.ID)
		}
	}
	return sc, nil
}

// The store applies a Scope: an agent sees the conversations whose agent is them or whose team is
// one of theirs (ReportFacts).

// Durations are exact percentiles of a set of durations in ms (nearest rank, docs/reports.md).
type Durations struct {
	Count  int   `json:"count"`
	Median int64 `json:"median"`
	P90    int64 `json:"p90"`
}

// Ratings sums the contacts' ratings.
type Ratings struct {
	Count   int     `json:"count"`
	Sum     int     `json:"sum"`
	Average float64 `json:"average"`
	// Distribution counts ratings of 1 to 5 (index 0 is 1).
	Distribution [5]int `json:"distribution"`
}

// Figures are a set of conversations' figures.
type Figures struct {
	Conversations int       `json:"conversations"`
	Answered      int       `json:"answered"`
	Missed        int       `json:"missed"`
	Closed        int       `json:"closed"`
	FirstResponse Durations `json:"first_response"`
	Resolution    Durations `json:"resolution"`
	Ratings       Ratings   `json:"ratings"`
}

// Range is a report's days and their bounds (unix ms, To exclusive).
type Range struct {
	From   string `json:"from"`
	To     string `json:"to"`
	FromMS int64  `json:"from_ms"`
	ToMS   int64  `json:"to_ms"`
}

// Day is one day's figures.
type Day struct {
	Date string `json:"date"`
	Figures
}

// Comment is a rating with words.
type Comment struct {
	ConversationID int64  `json:"conversation_id"`
	Rating         int    `json:"rating"`
	Comment        string `json:"comment"`
	At             int64  `json:"at"`
	AgentID        int64  `json:"agent_id,omitempty"`
}

// Overview is the report of a range with the previous one of the same length.
type Overview struct {
	TimeZone      string  `json:"time_zone"`
	Range         Range   `json:"range"`
	PreviousRange Range   `json:"previous_range"`
	Current       Figures `json:"current"`
	Previous      Figures `json:"previous"`
	Days          []Day   `json:"days"`
	PreviousDays  []Day   `json:"previous_days"`
	// Hours counts the range's conversations by weekday (0 Monday … 6 Sunday) and hour, in the
	// time zone.
	Hours    [7][24]int `json:"hours"`
	Comments []Comment  `json:"comments"`
}

// Row is one group of a breakdown.
type Row struct {
	Key      string  `json:"key"`
	Current  Figures `json:"current"`
	Previous Figures `json:"previous"`
}

// Breakdown is a range's figures by agent, team, inbox or channel.
type Breakdown struct {
	TimeZone      string `json:"time_zone"`
	By            string `json:"by"`
	Range         Range  `json:"range"`
	PreviousRange Range  `json:"previous_range"`
	Rows          []Row  `json:"rows"`
}

// ranges reads q's days in its zone and the previous range of as many days.
func ranges(q Query) (cur, prev Range, loc *time.Location, err error) {
	loc = time.UTC
	if q.Zone != "" && q.Zone != "Local" {
		if loc, err = time.LoadLocation(q.Zone); err != nil {
			return cur, prev, nil, errs.Coded(errs.Invalid, "time_zone_invalid", "tz: an IANA time zone such as Europe/Berlin")
		}
	}
	from, err1 := time.ParseInLocation(time.DateOnly, q.From, loc)
	to, err2 := time.ParseInLocation(time.DateOnly, q.To, loc)
	if err1 != nil || err2 != nil {
		return cur, prev, nil, errs.Coded(errs.Invalid, "range_invalid", "from and to: dates as 2006-01-02")
	}
	days := dayCount(from, to)
	if days < 1 || days > MaxDays {
		return cur, prev, nil, errs.Coded(errs.Invalid, "range_invalid", "from must not be after to, and a range has at most %d days", MaxDays)
	}
	end := to.AddDate(0, 0, 1)
	pfrom := from.AddDate(0, 0, -days)
	cur = Range{From: q.From, To: q.To, FromMS: from.UnixMilli(), ToMS: end.UnixMilli()}
	prev = Range{From: pfrom.Format(time.DateOnly), To: from.AddDate(0, 0, -1).Format(time.DateOnly), FromMS: pfrom.UnixMilli(), ToMS: from.UnixMilli()}
	return cur, prev, loc, nil
}

// dayCount counts the calendar days from..to inclusive (days of 23 or 25 hours count once).
func dayCount(from, to time.Time) int {
	n := 0
	for d := from; !d.After(to) && n <= MaxDays; d = d.AddDate(0, 0, 1) {
		n++
	}
	return n
}

// facts reads the facts of both ranges that the actor may see.
func (s *Service) facts(ctx context.Context, actor *auth.User, q Query, key string) (cur, prev Range, loc *time.Location, sc Scope, now, before []Fact, err error) {
	if sc, err = s.scopeOf(ctx, actor); err != nil {
		return
	}
	if cur, prev, loc, err = ranges(q); err != nil {
		return
	}
	all, err := s.repo.ReportFacts(ctx, FactQuery{From: prev.FromMS, To: cur.ToMS, Filter: q.Filter, Scope: sc, Key: key})
	if err != nil {
		return
	}
	for _, f := range all {
		if f.CreatedAt >= cur.FromMS {
			now = append(now, f)
		} else {
			before = append(before, f)
		}
	}
	return
}

// Overview reports the range of q and the previous one.
func (s *Service) Overview(ctx context.Context, actor *auth.User, q Query) (*Overview, error) {
	cur, prev, loc, sc, now, before, err := s.facts(ctx, actor, q, "")
	if err != nil {
		return nil, err
	}
	comments, err := s.repo.RatingComments(ctx, FactQuery{From: cur.FromMS, To: cur.ToMS, Filter: q.Filter, Scope: sc}, 100)
	if err != nil {
		return nil, err
	}
	o := &Overview{TimeZone: loc.String(), Range: cur, PreviousRange: prev, Current: figuresOf(now), Previous: figuresOf(before),
		Days: daysOf(cur, loc, now), PreviousDays: daysOf(prev, loc, before), Comments: comments}
	if o.Comments == nil {
		o.Comments = []Comment{}
	}
	for i := range now {
		t := time.UnixMilli(now[i].CreatedAt).In(loc)
		o.Hours[(int(t.Weekday())+6)%7][t.Hour()]++
	}
	return o, nil
}

// Breakdown reports the range of q by q.By.
func (s *Service) Breakdown(ctx context.Context, actor *auth.User, q Query) (*Breakdown, error) {
	switch q.By {
	case "agent", "team", "inbox", "channel":
	default:
		return nil, errs.Coded(errs.Invalid, "by_invalid", "by: agent, team, inbox or channel")
	}
	cur, prev, loc, _, now, before, err := s.facts(ctx, actor, q, q.By)
	if err != nil {
		return nil, err
	}
	group := func(fs []Fact) map[string][]Fact {
		m := map[string][]Fact{}
		for _, f := range fs {
			m[f.Key] = append(m[f.Key], f)
		}
		return m
	}
	gn, gb := group(now), group(before)
	keys := make([]string, 0, len(gn))
	for k := range gn {
		keys = append(keys, k)
	}
	for k := range gb {
		if _, ok := gn[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	b := &Breakdown{TimeZone: loc.String(), By: q.By, Range: cur, PreviousRange: prev, Rows: []Row{}}
	for _, k := range keys {
		b.Rows = append(b.Rows, Row{Key: k, Current: figuresOf(gn[k]), Previous: figuresOf(gb[k])})
	}
	return b, nil
}

// daysOf splits facts into the range's days in loc (every day, also those without any).
func daysOf(r Range, loc *time.Location, fs []Fact) []Day {
	byDate := map[string][]Fact{}
	for _, f := range fs {
		d := time.UnixMilli(f.CreatedAt).In(loc).Format(time.DateOnly)
		byDate[d] = append(byDate[d], f)
	}
	var out []Day
	from, _ := time.ParseInLocation(time.DateOnly, r.From, loc)
	for d := from; d.UnixMilli() < r.ToMS; d = d.AddDate(0, 0, 1) {
		k := d.Format(time.DateOnly)
		out = append(out, Day{Date: k, Figures: figuresOf(byDate[k])})
	}
	return out
}

// figuresOf computes the figures of a set of conversations (docs/reports.md defines each).
func figuresOf(fs []Fact) Figures {
	var f Figures
	var firsts, resolutions []int64
	for i := range fs {
		c := &fs[i]
		f.Conversations++
		switch {
		case c.Answered:
			f.Answered++
			firsts = append(firsts, c.FirstResponse)
		case c.Asked:
			f.Missed++
		}
		if c.Resolved {
			f.Closed++
			resolutions = append(resolutions, c.Resolution)
		}
		if c.Rating >= 1 && c.Rating <= 5 {
			f.Ratings.Count++
			f.Ratings.Sum += c.Rating
			f.Ratings.Distribution[c.Rating-1]++
		}
	}
	if f.Ratings.Count > 0 {
		f.Ratings.Average = float64(f.Ratings.Sum) / float64(f.Ratings.Count)
	}
	f.FirstResponse, f.Resolution = durationsOf(firsts), durationsOf(resolutions)
	return f
}

// durationsOf: the median and the 90th percentile by nearest rank (the value at rank ⌈p·n⌉ of
// the sorted values), so each figure is one conversation's own time.
func durationsOf(v []int64) Durations {
	if len(v) == 0 {
		return Durations{}
	}
	slices.Sort(v)
	return Durations{Count: len(v), Median: v[Rank(50, len(v))-1], P90: v[Rank(90, len(v))-1]}
}

// Rank is the nearest rank of percentile p among n values: ⌈p·n/100⌉, at least 1.
func Rank(p, n int) int {
	r := (p*n + 99) / 100
	return max(r, 1)
}
