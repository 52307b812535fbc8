package conversation

import (
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/inbox"
)

// Filter narrows a list of conversations (docs/inbox.md, "Filters"). Every field that is set must
// hold; within the user's scope, which no filter widens.
type Filter struct {
	InboxID int64
	Channel inbox.Kind
	Status  Status // "" any
	// Assignee: a user's id; Unassigned for none.
	Assignee int64
	// Team: a team's id; Unassigned for none.
	Team    int64
	Tags    []int64 // carries every one of these tags
	Ratings []int   // rated one of these (1–5)
	PageURL string  // the visitor opened a page whose address contains this
	IP      netip.Prefix
	Country string // the visitor's country, ISO 3166 alpha-2, upper case
	HasLead *bool  // a lead was made from it or linked to it
	HasDeal *bool
	// Ranges of unix ms, [From, To), 0 for open.
	Created, Closed, LastMessage Range
}

// Range is a span of time in unix ms: [From, To), either 0 for open.
type Range struct{ From, To int64 }

// Set reports whether the range narrows anything.
func (r Range) Set() bool { return r.From != 0 || r.To != 0 }

// Unassigned as a Filter's Assignee or Team: none.
const Unassigned int64 = -1

// IsZero reports whether f narrows nothing.
func (f *Filter) IsZero() bool {
	return f.InboxID == 0 && f.Channel == "" && f.Status == "" && f.Assignee == 0 && f.Team == 0 && len(f.Tags) == 0 &&
		len(f.Ratings) == 0 && f.PageURL == "" && !f.IP.IsValid() && f.Country == "" && f.HasLead == nil && f.HasDeal == nil &&
		!f.Created.Set() && !f.Closed.Set() && !f.LastMessage.Set()
}

// FilterParams are the query parameters ParseFilter reads, for clients and docs.
var FilterParams = []string{"inbox_id", "channel", "status", "assignee", "team", "tags", "rating", "page_url", "ip", "country",
	"has_lead", "has_deal", "created_from", "created_to", "closed_from", "closed_to", "last_message_from", "last_message_to"}

func invalid(code, format string, args ...any) error {
	return errs.Coded(errs.Invalid, code, format, args...)
}

// ParseFilter reads a filter from query parameters; me is the user "assignee=me" stands for. A
// bad value is an error naming the parameter.
func ParseFilter(q url.Values, me int64) (Filter, error) {
	var f Filter
	if q.Has("q") {
		return f, invalid("filter_invalid", "q is not a filter of the list: words are searched with GET /api/v1/search?q=…")
	}
	id := func(name string, allowNone bool) (int64, error) {
		v := strings.TrimSpace(q.Get(name))
		switch {
		case v == "":
			return 0, nil
		case allowNone && v == "none":
			return Unassigned, nil
		case name == "assignee" && v == "me":
			return me, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			extra := ""
			if allowNone {
				extra = ", or none"
			}
			if name == "assignee" {
				extra = ", me or none"
			}
			return 0, invalid("filter_invalid", "%s must be an id%s", name, extra)
		}
		return n, nil
	}
	var err error
	if f.InboxID, err = id("inbox_id", false); err != nil {
		return f, err
	}
	if f.Assignee, err = id("assignee", true); err != nil {
		return f, err
	}
	if f.Team, err = id("team", true); err != nil {
		return f, err
	}
	switch ch := inbox.Kind(q.Get("channel")); ch {
	case "", inbox.Web, inbox.Email, inbox.Messenger, inbox.WhatsApp:
		f.Channel = ch
	default:
		return f, invalid("channel_invalid", "channel must be web, email, messenger or whatsapp")
	}
	switch st := Status(q.Get("status")); st {
	case "", Open, Closed:
		f.Status = st
	default:
		return f, invalid("filter_invalid", "status must be open or closed")
	}
	for _, v := range list(q.Get("tags")) {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, invalid("filter_invalid", "tags must be tag ids separated by commas")
		}
		if !slices.Contains(f.Tags, n) {
			f.Tags = append(f.Tags, n)
		}
	}
	for _, v := range list(q.Get("rating")) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5 {
			return f, invalid("filter_invalid", "rating must be 1 to 5 (several separated by commas)")
		}
		if !slices.Contains(f.Ratings, n) {
			f.Ratings = append(f.Ratings, n)
		}
	}
	f.PageURL = strings.TrimSpace(q.Get("page_url"))
	if len(f.PageURL) > 500 {
		return f, invalid("filter_invalid", "page_url is too long")
	}
	if v := strings.TrimSpace(q.Get("ip")); v != "" {
		if strings.Contains(v, "/") {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return f, invalid("filter_invalid", "ip must be an IP address or a CIDR range such as 203.0.113.0/24")
			}
			f.IP = p.Masked()
		} else {
			a, err := netip.ParseAddr(v)
			if err != nil {
				return f, invalid("filter_invalid", "ip must be an IP address or a CIDR range such as 203.0.113.0/24")
			}
			a = a.Unmap()
			f.IP = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if v := strings.TrimSpace(q.Get("country")); v != "" {
		if len(v) != 2 || !isLetters(v) {
			return f, invalid("filter_invalid", "country must be a two-letter ISO 3166 code such as DE")
		}
		f.Country = strings.ToUpper(v)
	}
	for _, b := range []struct {
		name string
		dst  **bool
	}{{"has_lead", &f.HasLead}, {"has_deal", &f.HasDeal}} {
		switch q.Get(b.name) {
		case "":
		case "true":
			t := true
			*b.dst = &t
		case "false":
			v := false
			*b.dst = &v
		default:
			return f, invalid("filter_invalid", "%s must be true or false", b.name)
		}
	}
	for _, r := range []struct {
		name string
		dst  *Range
	}{{"created", &f.Created}, {"closed", &f.Closed}, {"last_message", &f.LastMessage}} {
		if r.dst.From, err = instant(q.Get(r.name+"_from"), r.name+"_from", false); err != nil {
			return f, err
		}
		if r.dst.To, err = instant(q.Get(r.name+"_to"), r.name+"_to", true); err != nil {
			return f, err
		}
		if r.dst.From != 0 && r.dst.To != 0 && r.dst.To <= r.dst.From {
			return f, invalid("filter_invalid", "%s_to must be after %s_from", r.name, r.name)
		}
	}
	return f, nil
}

// instant reads a date (YYYY-MM-DD, UTC; as an end, the whole day is in) or an RFC 3339 time, as
// unix ms.
func instant(v, name string, end bool) (int64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d.UnixMilli(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return 0, invalid("filter_invalid", "%s must be a date (2026-01-31) or a time (2026-01-31T12:00:00Z)", name)
	}
	return t.UnixMilli(), nil
}

func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}
