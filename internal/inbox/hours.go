package inbox

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
)

// BusinessHours are when a website is open: weekly hours in its time zone, and holidays when it is
// closed all day. Outside them the widget shows the away message and the live chat card goes
// straight to its offline path; agents can still answer. Disabled (the default) means always open.
type BusinessHours struct {
	Enabled bool `json:"enabled"`
	// Weekly holds the open hours of each day, "mon" … "sun"; a day not listed is closed.
	Weekly map[string][]Span `json:"weekly"`
	// Holidays are dates (in the website's time zone) when it is closed all day.
	Holidays []Holiday `json:"holidays"`
	// AwayMessage is what the widget says outside the hours; empty: its own words, in the
	// visitor's language.
	AwayMessage string `json:"away_message"`
}

// Span is a time of day from From until To, "HH:MM" in 24 hours; To may be "24:00".
type Span struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Holiday is a closed day.
type Holiday struct {
	Date string `json:"date"` // YYYY-MM-DD
	Name string `json:"name,omitempty"`
}

// Days are the keys of Weekly, Monday first.
var Days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

const (
	maxSpansPerDay = 6
	maxHolidays    = 200
	maxAwayMessage = 1000
)

// minutes reads "HH:MM" as minutes after midnight (24:00 is 1440).
func minutes(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[3]-'0')*10+int(s[4]-'0')
	for _, c := range []byte{s[0], s[1], s[3], s[4]} {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

func hoursInvalid(format string, args ...any) error {
	return errs.Coded(errs.Invalid, "business_hours_invalid", format, args...)
}

// Clean validates business hours and puts them in order: spans sorted, days without spans dropped,
// holidays sorted and unique. Nil stays nil.
func (b *BusinessHours) Clean() error {
	if b == nil {
		return nil
	}
	weekly := map[string][]Span{}
	for day, spans := range b.Weekly {
		if !slices.Contains(Days, day) {
			return hoursInvalid("%q is not a day; use mon, tue, wed, thu, fri, sat or sun", day)
		}
		if len(spans) > maxSpansPerDay {
			return hoursInvalid("at most %d periods a day", maxSpansPerDay)
		}
		out := slices.Clone(spans)
		for _, sp := range out {
			from, ok1 := minutes(sp.From)
			to, ok2 := minutes(sp.To)
			if !ok1 || !ok2 {
				return hoursInvalid("%s: write times as HH:MM (00:00 to 24:00)", day)
			}
			if from >= to {
				return hoursInvalid("%s: %s–%s ends before it starts (split a period past midnight over two days)", day, sp.From, sp.To)
			}
		}
		slices.SortFunc(out, func(a, b Span) int { return strings.Compare(a.From, b.From) })
		for i := 1; i < len(out); i++ {
			if out[i].From < out[i-1].To {
				return hoursInvalid("%s: %s–%s overlaps %s–%s", day, out[i-1].From, out[i-1].To, out[i].From, out[i].To)
			}
		}
		if len(out) > 0 {
			weekly[day] = out
		}
	}
	b.Weekly = weekly
	if len(b.Holidays) > maxHolidays {
		return hoursInvalid("at most %d holidays", maxHolidays)
	}
	seen := map[string]bool{}
	holidays := []Holiday{}
	for _, h := range b.Holidays {
		if _, err := time.Parse(time.DateOnly, h.Date); err != nil {
			return hoursInvalid("holiday %q: write dates as YYYY-MM-DD", h.Date)
		}
		if seen[h.Date] {
			continue
		}
		seen[h.Date] = true
		h.Name = strings.Join(strings.Fields(h.Name), " ")
		if utf8.RuneCountInString(h.Name) > 100 {
			return hoursInvalid("holiday %s: the name is longer than 100 characters", h.Date)
		}
		holidays = append(holidays, h)
	}
	slices.SortFunc(holidays, func(a, b Holiday) int { return strings.Compare(a.Date, b.Date) })
	b.Holidays = holidays
	b.AwayMessage = strings.TrimSpace(b.AwayMessage)
	if utf8.RuneCountInString(b.AwayMessage) > maxAwayMessage {
		return hoursInvalid("the away message is longer than %d characters", maxAwayMessage)
	}
	return nil
}

// OpenAt reports whether the website is within its business hours at instant t: always when it
// keeps none. Reports use it to count response times within hours only.
func (w *Website) OpenAt(t time.Time) bool {
	b := w.BusinessHours
	if b == nil || !b.Enabled {
		return true
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := t.In(loc)
	date := local.Format(time.DateOnly)
	for _, h := range b.Holidays {
		if h.Date == date {
			return false
		}
	}
	day := Days[(int(local.Weekday())+6)%7]
	now := local.Hour()*60 + local.Minute()
	for _, sp := range b.Weekly[day] {
		from, _ := minutes(sp.From)
		to, _ := minutes(sp.To)
		if now >= from && now < to {
			return true
		}
	}
	return false
}
