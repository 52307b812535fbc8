package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// reportVisitor is a website visitor through the widget's HTTP API who can write and rate.
type reportVisitor struct {
	t     *testing.T
	s     *parleyServer
	key   string
	token string
}

func (v *reportVisitor) post(path string, body any, want int) map[string]any {
	v.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", v.s.url+"/widget/v1/"+v.key+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	if v.token != "" {
		req.Header.Set("Authorization", "Visitor "+v.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != want {
		v.t.Fatalf("POST %s: %d %v", path, res.StatusCode, out)
	}
	if tok, ok := out["token"].(string); ok && v.token == "" {
		v.token = tok
	}
	return out
}

// nearest is the nearest-rank percentile p of sorted values (docs/reports.md).
func nearest(sorted []int64, p int) int64 {
	r := max((p*len(sorted)+99)/100, 1)
	return sorted[r-1]
}

// seconds writes ms as the Reports screen does in English.
func seconds(ms int64) string {
	s := int64(math.Round(float64(ms) / 1000))
	switch {
	case s < 60:
		return fmt.Sprintf("%d s", s)
	case s < 3600 && s%60 != 0:
		return fmt.Sprintf("%d min %d s", s/60, s%60)
	case s < 3600:
		return fmt.Sprintf("%d min", s/60)
	}
	return fmt.Sprintf("%d h %d min", s/3600, (s%3600)/60)
}

// TestReportsScreen: conversations seeded through the API, answered, missed, closed and rated; the
// test computes the figures itself from the messages' own times, and the Reports screen shows
// exactly those, with its charts loaded only when it opens.
func TestReportsScreen(t *testing.T) {
	s := startParley(t)
	ag := signIn(t, s)
	key := demoKey(t, s)

	type seeded struct {
		id      int64
		visitor *reportVisitor
	}
	var convs []seeded
	for i := range 6 {
		v := &reportVisitor{t: t, s: s, key: key}
		v.post("/session", map[string]string{}, 201)
		body := fmt.Sprintf("Report question %d", i)
		v.post("/messages", map[string]string{"body": body, "client_id": "r-" + strconv.Itoa(i)}, 201)
		convs = append(convs, seeded{id: ag.waitMessage(body), visitor: v})
	}
	// Four are answered (one after a note, which is no answer), two are missed; two are closed and
	// rated, one with a comment.
	ag.must(201, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convs[1].id), map[string]any{"body": "checking", "note": true})
	for _, c := range convs[:4] {
		ag.reply(c.id, "Happy to help")
	}
	ag.reply(convs[0].id, "Anything else?")
	for _, c := range convs[:2] {
		ag.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/close", c.id), nil)
	}
	convs[0].visitor.post("/rating", map[string]any{"conversation_id": convs[0].id, "rating": 5, "comment": "Quick and kind"}, 204)
	convs[1].visitor.post("/rating", map[string]any{"conversation_id": convs[1].id, "rating": 2}, 204)

	// The figures, computed from the log as an auditor would.
	var firsts []int64
	missed := 0
	for _, c := range convs {
		msgs, _ := ag.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages", c.id), nil)["messages"].([]any)
		var asked, answered int64
		for _, m := range msgs {
			mm := m.(map[string]any)
			at := int64(mm["created_at"].(float64))
			switch {
			case mm["sender_kind"] == "visitor" && mm["kind"] == "text" && asked == 0:
				asked = at
			case mm["sender_kind"] == "agent" && (mm["kind"] == "text" || mm["kind"] == "rich") && asked != 0 && answered == 0:
				answered = at
			}
		}
		if answered == 0 {
			missed++
		} else {
			firsts = append(firsts, answered-asked)
		}
	}
	slices.Sort(firsts)
	median, p90 := nearest(firsts, 50), nearest(firsts, 90)
	if missed != 2 || len(firsts) != 4 {
		t.Fatalf("seeded %d missed, %d answered", missed, len(firsts))
	}
	// The facts follow the log within a moment.
	today := time.Now().UTC().Format(time.DateOnly)
	eventually(t, "the report's figures", func() bool {
		o := ag.must(200, "GET", "/api/v1/reports/overview?tz=UTC&from="+today+"&to="+today, nil)
		cur := o["current"].(map[string]any)
		return cur["conversations"] == float64(6) && cur["ratings"].(map[string]any)["count"] == float64(2)
	})

	p := openInbox(t, s, "reports", "demo@parley.test", s.password)
	if host[bool](p, `performance.getEntriesByType('resource').some((r) => r.name.includes('/charts.'))`) {
		t.Fatal("the charts chunk loaded before the Reports screen opened")
	}
	p.do(chromedp.Click(`a[href="#/reports"]`))
	fig := func(k string) string { return `document.querySelector('.rep-fig[data-k="` + k + `"] .rep-val')` }
	p.waitHost("the figures", fig("conversations")+` && `+fig("conversations")+`.textContent === '6' && `+fig("missed")+`.textContent === '2' && `+
		fig("fr_median")+`.dataset.ms === '`+strconv.FormatInt(median, 10)+`' && `+fig("fr_median")+`.textContent === '`+seconds(median)+`' && `+
		fig("fr_p90")+`.dataset.ms === '`+strconv.FormatInt(p90, 10)+`' && `+fig("fr_p90")+`.textContent === '`+seconds(p90)+`' && `+
		fig("rating")+`.textContent === '3.50' && `+fig("ratings")+`.textContent === '2'`)
	p.waitHost("the ratings table and the comment", `[...document.querySelectorAll('[data-table="ratings"] tbody tr')].map((r) => r.lastElementChild.textContent).join() === '0,1,0,0,1' && `+
		`document.querySelector('.rep-comments q').textContent === 'Quick and kind'`)
	p.waitHost("today's row", `document.querySelector('[data-table="days"] tr[data-date="`+today+`"] td').textContent === '6'`)
	p.waitHost("the charts, drawn from the lazily loaded chunk", `document.querySelectorAll('.rep-chart canvas').length === 3 && `+
		`performance.getEntriesByType('resource').some((r) => r.name.includes('/charts.js'))`)
	// The busiest hours, in the browser's time zone: the six conversations' hours.
	loc, err := time.LoadLocation(host[string](p, `Intl.DateTimeFormat().resolvedOptions().timeZone`))
	if err != nil {
		t.Fatal(err)
	}
	cells := map[[2]int]int{}
	for _, c := range convs {
		conv := ag.must(200, "GET", fmt.Sprintf("/api/v1/conversations/%d", c.id), nil)["conversation"].(map[string]any)
		at := time.UnixMilli(int64(conv["created_at"].(float64))).In(loc)
		cells[[2]int{(int(at.Weekday()) + 6) % 7, at.Hour()}]++
	}
	for cell, n := range cells {
		p.waitHost("the busiest hours", fmt.Sprintf(`[...document.querySelectorAll('[data-table="hours"] tbody tr')][%d].querySelectorAll('td')[%d].dataset.n === '%d'`, cell[0], cell[1], n))
	}
	if dir := screenshots(t); dir != "" {
		p.screenshot(dir + "/reports.png")
	}
}

// TestFunnelOnThePlaybookTree: visitors walk down each path of the demo's live chat playbook through
// the widget's API, and the playbook editor's tree shows how many saw, answered and dropped off at
// each card, and how the live chat card went.
func TestFunnelOnThePlaybookTree(t *testing.T) {
	s := startParley(t)
	ag := login(t, s) // no socket yet: nobody is available
	key := demoKey(t, s)
	page := s.url + "/demo"
	visitor := func() (*reportVisitor, int64) {
		v := &reportVisitor{t: t, s: s, key: key}
		v.post("/session", map[string]string{"page_url": page}, 201)
		out := v.post("/start", map[string]string{"page_url": page}, 200)
		id, _ := out["conversation"].(map[string]any)["id"].(float64)
		return v, int64(id)
	}
	answer := func(v *reportVisitor, card, ans string) {
		v.post("/answer", map[string]string{"card_id": card, "answer_id": ans, "client_id": card + "-" + ans}, 201)
	}
	// Reads the greeting and leaves.
	visitor()
	// Just looking.
	v, _ := visitor()
	answer(v, "crd_help", "looking")
	// Asks for a person while nobody is there: offline; leaves no email.
	v, _ = visitor()
	answer(v, "crd_help", "talk")
	// The same, and leaves an email: a lead.
	v, _ = visitor()
	answer(v, "crd_help", "talk")
	v.post("/capture", map[string]string{"card_id": "crd_email", "value": "ana@example.com", "client_id": "e-1"}, 201)
	// With the owner online, the chat waits; the owner takes it in time.
	ag.goOnline(s)
	v, id := visitor()
	answer(v, "crd_help", "talk")
	me := ag.must(200, "GET", "/api/v1/me", nil)["user"].(map[string]any)
	ag.must(200, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", id), map[string]any{"user_id": me["id"]})

	var playbookID int64
	for _, pb := range ag.must(200, "GET", "/api/v1/playbooks", nil)["playbooks"].([]any) {
		if m := pb.(map[string]any); m["name"] == "Live chat" {
			playbookID = int64(m["id"].(float64))
		}
	}
	eventually(t, "the funnel", func() bool {
		vs, _ := ag.must(200, "GET", fmt.Sprintf("/api/v1/reports/funnel?playbook_id=%d", playbookID), nil)["versions"].([]any)
		return len(vs) == 1 && vs[0].(map[string]any)["conversations"] == float64(5) && vs[0].(map[string]any)["taken"] == float64(1) &&
			vs[0].(map[string]any)["leads"] == float64(1)
	})

	p := openInbox(t, s, "funnel", "demo@parley.test", s.password)
	host[chromedp.Void](p, fmt.Sprintf(`location.hash = '#/admin/playbooks/%d'`, playbookID))
	card := func(id string, want map[string]int) string {
		cond := `document.querySelector('.pb-funnel[data-funnel="` + id + `"]')`
		for k, n := range want {
			cond += fmt.Sprintf(` && document.querySelector('.pb-funnel[data-funnel="%s"] [data-k="%s"] b').textContent === '%d'`, id, k, n)
		}
		return cond
	}
	p.waitHost("the funnel on the tree", card("crd_welcome", map[string]int{"seen": 5})+" && "+
		card("crd_help", map[string]int{"seen": 5, "answered": 4, "dropped": 1})+" && "+
		card("crd_looking", map[string]int{"seen": 1})+" && "+
		card("crd_live", map[string]int{"seen": 3, "taken": 1, "offline": 2})+" && "+
		card("crd_email", map[string]int{"seen": 2, "answered": 1, "dropped": 1})+" && "+
		card("crd_thanks", map[string]int{"seen": 1})+" && "+
		`document.querySelector('.pb-funnel-sum').textContent === 'Version 1: 5 conversations, 1 leads, 0 deals'`)
	if dir := screenshots(t); dir != "" {
		p.screenshot(dir + "/playbook-funnel.png")
	}
}
