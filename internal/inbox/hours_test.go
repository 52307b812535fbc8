package inbox

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/errs"
)

func TestBusinessHoursClean(t *testing.T) {
	bad := []BusinessHours{
		{Weekly: map[string][]Span{"monday": {{"09:00", "17:00"}}}},
		{Weekly: map[string][]Span{"mon": {{"9:00", "17:00"}}}},
		{Weekly: map[string][]Span{"mon": {{"17:00", "09:00"}}}},
		{Weekly: map[string][]Span{"mon": {{"09:00", "24:30"}}}},
		{Weekly: map[string][]Span{"mon": {{"09:00", "12:00"}, {"11:00", "14:00"}}}},
		{Holidays: []Holiday{{Date: "25.12.2025"}}},
	}
	for _, b := range bad {
		if err := b.Clean(); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: got %v, want invalid", b, err)
		}
	}
	b := BusinessHours{Enabled: true, Weekly: map[string][]Span{"mon": {{"13:00", "17:00"}, {"09:00", "12:00"}}, "tue": {}},
		Holidays: []Holiday{{Date: "2025-12-26"}, {Date: "2025-12-25", Name: " Christmas  Day "}, {Date: "2025-12-26"}}, AwayMessage: "  Back soon. "}
	if err := b.Clean(); err != nil {
		t.Fatal(err)
	}
	if b.Weekly["mon"][0].From != "09:00" || len(b.Weekly) != 1 || len(b.Holidays) != 2 || b.Holidays[0].Name != "Christmas Day" || b.AwayMessage != "Back soon." {
		t.Fatalf("cleaned: %+v", b)
	}
}

func TestOpenAt(t *testing.T) {
	w := &Website{TimeZone: "Europe/Vienna", BusinessHours: &BusinessHours{Enabled: true,
		Weekly:   map[string][]Span{"mon": {{"09:00", "12:00"}, {"13:00", "17:30"}}, "sat": {{"10:00", "24:00"}}},
		Holidays: []Holiday{{Date: "2025-12-08"}}}}
	vienna, _ := time.LoadLocation("Europe/Vienna")
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, vienna)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC() // the instant; OpenAt reads it in the website's time zone
	}
	for when, want := range map[string]bool{
		"2025-12-01 08:59": false, // Monday, before opening
		"2025-12-01 09:00": true,
		"2025-12-01 11:59": true,
		"2025-12-01 12:00": false, // lunch
		"2025-12-01 17:29": true,
		"2025-12-01 17:30": false,
		"2025-12-02 10:00": false, // Tuesday: no hours
		"2025-12-06 23:59": true,  // Saturday until midnight
		"2025-12-07 00:00": false, // Sunday
		"2025-12-08 10:00": false, // a Monday that is a holiday
		"2025-06-30 16:30": true,  // summer time: still the website's local hours
	} {
		if got := w.OpenAt(at(when)); got != want {
			t.Errorf("%s Vienna: open %v, want %v", when, got, want)
		}
	}
	if !(&Website{TimeZone: "UTC", BusinessHours: &BusinessHours{}}).OpenAt(time.Now()) || !(&Website{}).OpenAt(time.Now()) {
		t.Fatal("a website without business hours is always open")
	}
}
