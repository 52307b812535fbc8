package httpapi

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/report"
)

// Reports (docs/reports.md): JSON, or CSV with ?format=csv.

func (s *Server) reportQuery(r *http.Request) (report.Query, error) {
	q := r.URL.Query()
	rq := report.Query{From: q.Get("from"), To: q.Get("to"), Zone: q.Get("tz"), By: q.Get("by")}
	if rq.Zone == "" {
		rq.Zone = actorOf(r).user.TimeZone
	}
	var err error
	if rq.InboxID, err = queryInt(r, "inbox_id"); err != nil {
		return rq, err
	}
	if rq.AgentID, err = queryInt(r, "agent_id"); err != nil {
		return rq, err
	}
	if rq.TeamID, err = queryInt(r, "team_id"); err != nil {
		return rq, err
	}
	rq.Channel = q.Get("channel")
	return rq, nil
}

func (s *Server) reportOverview(w http.ResponseWriter, r *http.Request) error {
	q, err := s.reportQuery(r)
	if err != nil {
		return err
	}
	o, err := s.reports.Overview(r.Context(), actorOf(r).user, q)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "csv" {
		writeJSON(w, http.StatusOK, o)
		return nil
	}
	switch section := r.URL.Query().Get("section"); section {
	case "", "days":
		rows := [][]string{append([]string{"date"}, figureHeader...)}
		for _, d := range o.Days {
			rows = append(rows, append([]string{d.Date}, figureCells(&d.Figures)...))
		}
		return writeCSV(w, "report-days-"+o.Range.From+"-"+o.Range.To, rows)
	case "hours":
		rows := [][]string{{"weekday", "hour", "conversations"}}
		days := []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
		for d, hours := range o.Hours {
			for h, n := range hours {
				rows = append(rows, []string{days[d], strconv.Itoa(h), strconv.Itoa(n)})
			}
		}
		return writeCSV(w, "report-hours-"+o.Range.From+"-"+o.Range.To, rows)
	case "comments":
		rows := [][]string{{"conversation_id", "rating", "comment", "rated_at"}}
		for _, c := range o.Comments {
			rows = append(rows, []string{strconv.FormatInt(c.ConversationID, 10), strconv.Itoa(c.Rating), spreadsheetSafe(c.Comment), strconv.FormatInt(c.At, 10)})
		}
		return writeCSV(w, "report-comments-"+o.Range.From+"-"+o.Range.To, rows)
	default:
		return errs.Coded(errs.Invalid, "section_invalid", "section: days, hours or comments")
	}
}

func (s *Server) reportBreakdown(w http.ResponseWriter, r *http.Request) error {
	q, err := s.reportQuery(r)
	if err != nil {
		return err
	}
	b, err := s.reports.Breakdown(r.Context(), actorOf(r).user, q)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "csv" {
		writeJSON(w, http.StatusOK, b)
		return nil
	}
	rows := [][]string{append([]string{b.By}, figureHeader...)}
	for _, row := range b.Rows {
		rows = append(rows, append([]string{row.Key}, figureCells(&row.Current)...))
	}
	return writeCSV(w, "report-by-"+b.By+"-"+b.Range.From+"-"+b.Range.To, rows)
}

func (s *Server) reportFunnel(w http.ResponseWriter, r *http.Request) error {
	id, err := queryInt(r, "playbook_id")
	if err != nil {
		return err
	}
	if id == 0 {
		return errs.Coded(errs.Invalid, "playbook_id_required", "playbook_id is required")
	}
	f, err := s.reports.Funnel(r.Context(), actorOf(r).user, id)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") != "csv" {
		writeJSON(w, http.StatusOK, f)
		return nil
	}
	rows := [][]string{{"version", "card_id", "type", "seen", "answered", "dropped_off", "taken", "offline"}}
	for _, v := range f.Versions {
		for _, c := range v.Cards {
			rows = append(rows, []string{strconv.Itoa(v.Version), c.CardID, c.Type, strconv.Itoa(c.Seen), strconv.Itoa(c.Answered),
				strconv.Itoa(c.DroppedOff), strconv.Itoa(c.Taken), strconv.Itoa(c.Offline)})
		}
	}
	return writeCSV(w, fmt.Sprintf("funnel-%d", id), rows)
}

var figureHeader = []string{"conversations", "answered", "missed", "closed", "first_response_median_s", "first_response_p90_s",
	"resolution_median_s", "resolution_p90_s", "ratings", "rating_average", "rated_1", "rated_2", "rated_3", "rated_4", "rated_5"}

func figureCells(f *report.Figures) []string {
	secs := func(ms int64) string { return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64) }
	out := []string{strconv.Itoa(f.Conversations), strconv.Itoa(f.Answered), strconv.Itoa(f.Missed), strconv.Itoa(f.Closed),
		secs(f.FirstResponse.Median), secs(f.FirstResponse.P90), secs(f.Resolution.Median), secs(f.Resolution.P90),
		strconv.Itoa(f.Ratings.Count), strconv.FormatFloat(f.Ratings.Average, 'f', 2, 64)}
	for _, n := range f.Ratings.Distribution {
		out = append(out, strconv.Itoa(n))
	}
	return out
}

func writeCSV(w http.ResponseWriter, name string, rows [][]string) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// spreadsheetSafe keeps a contact's words from being read as a formula when the CSV is opened in
// a spreadsheet (OWASP's CSV injection advice: a leading quote).
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
