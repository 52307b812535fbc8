package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The CRM's screens in the real inbox: the lists, a record's page and timeline, the deals board,
// importing and merging.

// setInput gives a form field a value as typing would (the input event Preact listens to).
func (p *tab) setInput(sel, value string) {
	p.t.Helper()
	p.waitHost("the field "+sel, `document.querySelector(`+jsQuote(sel)+`)`)
	host[chromedp.Void](p, `(() => { const el = document.querySelector(`+jsQuote(sel)+`);
		const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
		Object.getOwnPropertyDescriptor(proto, 'value').set.call(el, `+jsQuote(value)+`);
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); })()`)
}

// center is the middle of the element an expression names, in the tab's viewport.
func (p *tab) center(el string) (float64, float64) {
	p.t.Helper()
	host[chromedp.Void](p, `(`+el+`).scrollIntoView({block: 'center', inline: 'center'})`)
	xy := host[[]float64](p, `(() => { const r = (`+el+`).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	return xy[0], xy[1]
}

// drag presses the mouse on one element, moves it in steps to another and lets go, as a hand does.
func (p *tab) drag(from, to string) {
	p.t.Helper()
	x0, y0 := p.center(from)
	xy := host[[]float64](p, `(() => { const r = (`+to+`).getBoundingClientRect(); return [r.x + r.width / 2, r.y + Math.min(r.height / 2, 120)]; })()`)
	x1, y1 := xy[0], xy[1]
	mouse := func(typ input.DispatchMouseEventType, x, y float64, buttons int64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: typ, X: x, Y: y, Button: input.MouseButtonLeft, Buttons: buttons, ClickCount: 1})
			return err
		})
	}
	steps := []chromedp.Action[chromedp.Void]{mouse(input.DispatchMouseEventTypeMouseMoved, x0, y0, 0), mouse(input.DispatchMouseEventTypeMousePressed, x0, y0, 1)}
	for i := 1; i <= 12; i++ {
		f := float64(i) / 12
		steps = append(steps, mouse(input.DispatchMouseEventTypeMouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, 1))
	}
	steps = append(steps, mouse(input.DispatchMouseEventTypeMouseReleased, x1, y1, 0))
	p.do(steps...)
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// conversationWith waits for an unassigned conversation whose preview holds text and returns its id.
func conversationWith(t *testing.T, a *agent, text string) int64 {
	t.Helper()
	var id int64
	eventually(t, "the conversation "+text, func() bool {
		for _, c := range a.must(200, "GET", "/api/v1/conversations?folder=open", nil)["conversations"].([]any) {
			if m := c.(map[string]any); strings.Contains(fmt.Sprint(m["preview"]), text) {
				id = num(m["id"])
				return true
			}
		}
		return false
	})
	return id
}

// A lead made from a chat is found again: in the Leads list (searched as you type, sorted by a
// column) and on its own page, whose timeline shows the chat's latest messages.
func TestCRMLeadFromAChatInTheLeadsList(t *testing.T) {
	s := startParley(t)
	a := login(t, s)
	withoutPlaybook(t, a)
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.waitHost("the owner available", `document.querySelector('.toggle').getAttribute('aria-checked') === 'true'`)

	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.openWidget()
	visitor.typeMessage("Hi, we would like 12 standing desks.")
	owner.waitHost("the chat", rowWith("12 standing desks"))
	host[chromedp.Void](owner, rowWith("12 standing desks")+`.querySelector('a').click()`)
	owner.waitHost("the conversation and its panel", `document.querySelector('.conv-head .name-btn') && document.querySelector('aside.details .details-body')`)

	// Create lead from the details panel.
	owner.clickText("aside.details .btn", "Create lead")
	owner.waitHost("the lead dialog", `document.querySelector('dialog[open] form input')`)
	owner.setInput(`dialog[open] form input`, "12 standing desks")
	owner.setInput(`dialog[open] input[inputmode=decimal]`, "4800")
	owner.clickText("dialog[open] button[type=submit]", "Create lead")
	owner.waitHost("the lead under Created items", `[...document.querySelectorAll('.items li')].some((l) => l.textContent.includes('12 standing desks'))`)

	// Another lead, made elsewhere, to search and sort among.
	a.must(201, "POST", "/api/v1/leads", map[string]any{"title": "Office chairs", "value": 90000})

	// Leads in the navigation: the list holds it.
	host[chromedp.Void](owner, `document.querySelector('nav.side a.place[href="#/crm/leads"]').click()`)
	owner.waitHost("the leads list", `location.hash === '#/crm/leads' && [...document.querySelectorAll('.crm-row')].some((r) => r.textContent.includes('12 standing desks') && r.textContent.includes('€4,800.00'))`)
	owner.waitHost("both leads", `document.querySelectorAll('.crm-row').length === 2`)
	checkAxe(t, owner.ctx, "the leads list")
	// Sorted by value, ascending then descending.
	owner.clickText(".crm-table th .crm-sort", "Value")
	owner.waitHost("cheapest first", `document.querySelector('.crm-row .crm-title').textContent === 'Office chairs'`)
	owner.clickText(".crm-table th .crm-sort", "Value")
	owner.waitHost("dearest first", `document.querySelector('.crm-row .crm-title').textContent === '12 standing desks'`)
	// Search as you type.
	owner.setInput(`.crm-search input`, "stand")
	owner.waitHost("the search's one lead", `document.querySelectorAll('.crm-row').length === 1 && document.querySelector('.crm-row').textContent.includes('12 standing desks')`)
	owner.setInput(`.crm-search input`, "")
	owner.waitHost("both again", `document.querySelectorAll('.crm-row').length === 2`)

	// Its page: the facts and the chat in the timeline.
	host[chromedp.Void](owner, `[...document.querySelectorAll('.crm-row .crm-title a')].find((a) => a.textContent === '12 standing desks').click()`)
	owner.waitHost("the lead's page", `location.hash.startsWith('#/crm/lead/') && document.querySelector('.recordpage h2').textContent.includes('12 standing desks') && `+
		`document.querySelector('.record-facts').textContent.includes('€4,800.00')`)
	owner.waitHost("the chat in its timeline", `[...document.querySelectorAll('.tl-conv .excerpt-line')].some((l) => l.textContent.includes('12 standing desks'))`)
	// A note added and edited in place; an activity added and done.
	owner.setInput(`.rec-compose textarea`, "Wants them before the summer.")
	owner.clickText(".rec-compose button[type=submit]", "Save note")
	owner.waitHost("the note", `[...document.querySelectorAll('.tl-item.note .note-body')].some((n) => n.textContent.includes('before the summer'))`)
	owner.clickText(".tl-item.note .link-btn", "Edit")
	owner.setInput(`.note-edit textarea`, "Wants them before the summer, assembled.")
	owner.clickText(".note-edit .btn-primary", "Save")
	owner.waitHost("the note edited", `[...document.querySelectorAll('.tl-item.note .note-body')].some((n) => n.textContent.includes('assembled'))`)
	owner.clickText(".rec-compose .tl-chip", "Activity")
	owner.setInput(`.rec-compose input`, "Call about delivery")
	owner.clickText(".rec-compose button[type=submit]", "Add activity")
	owner.waitHost("the planned activity", `[...document.querySelectorAll('.tl-activity')].some((a) => a.textContent.includes('Call about delivery'))`)
	host[chromedp.Void](owner, `[...document.querySelectorAll('.tl-activity')].find((a) => a.textContent.includes('Call about delivery')).querySelector('input[type=checkbox]').click()`)
	owner.waitHost("done, in the timeline", `[...document.querySelectorAll('.tl .tl-activity input:checked')].length === 1 && document.querySelector('#plan-h')`)
	// The change of value shows in the history with who and before → after.
	id := host[string](owner, `location.hash.split('/').pop()`)
	a.must(200, "PATCH", "/api/v1/leads/"+id, map[string]any{"value": 520000})
	owner.waitHost("the change in the timeline", `[...document.querySelectorAll('.tl-change')].some((c) => c.textContent.includes('Demo Owner changed') && c.textContent.includes('€4,800.00') && c.textContent.includes('€5,200.00'))`)
	checkAxe(t, owner.ctx, "a lead's page")

	if dir := screenshots(t); dir != "" {
		inboxShots(t, s, dir, owner, "crm-leads", func(p *tab, lang string) {
			p.goHash("#/crm/leads")
			p.waitHost("the leads", `document.querySelectorAll('.crm-row').length === 2`)
		})
		inboxShots(t, s, dir, owner, "crm-lead", func(p *tab, lang string) {
			p.goHash("#/crm/lead/" + id)
			p.waitHost("the lead's timeline", `document.querySelector('.tl-conv .excerpt-line') && document.querySelector('.tl-change')`)
		})
	}
}

// A deal dragged to the next stage on the board: the card moves and so do both columns' totals;
// another moves with the keyboard; one is won from its card.
func TestCRMDealsBoard(t *testing.T) {
	s := startParley(t)
	a := login(t, s)
	var stages []int64
	for _, p := range a.must(200, "GET", "/api/v1/pipelines", nil)["pipelines"].([]any) {
		if pm := p.(map[string]any); pm["default"] == true {
			for _, st := range pm["stages"].([]any) {
				stages = append(stages, num(st.(map[string]any)["id"]))
			}
		}
	}
	deal := func(title string, value int64, stage int64) int64 {
		return num(a.must(201, "POST", "/api/v1/deals", map[string]any{"title": title, "value": value, "stage_id": stage,
			"organization": map[string]any{"name": title + " GmbH"}})["deal"].(map[string]any)["id"])
	}
	desks := deal("Desks", 250000, stages[0])
	chairs := deal("Chairs", 100000, stages[0])
	lamps := deal("Lamps", 50000, stages[1])

	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	host[chromedp.Void](owner, `document.querySelector('nav.side a.place[href="#/crm/deals"]').click()`)
	owner.waitHost("the deals list", `document.querySelectorAll('.crm-row').length === 3`)
	owner.clickText(".crm-actions a", "Board")
	col := func(i int) string {
		return fmt.Sprintf(`document.querySelector('.board-col[data-stage="%d"]')`, stages[i])
	}
	heads := func(what string, i int, count, total string) {
		t.Helper()
		owner.waitHost(what, col(i)+` && `+col(i)+`.querySelector('.board-count').textContent === `+jsQuote(count)+` && `+
			col(i)+`.querySelector('.board-total').textContent === `+jsQuote(total))
	}
	heads("the first stage's head", 0, "2 deals", "€3,500.00")
	heads("the second stage's head", 1, "1 deal", "€500.00")
	checkAxe(t, owner.ctx, "the deals board")

	// Drag Desks to the next stage.
	owner.drag(col(0)+`.querySelector('.deal-card[data-id="`+fmt.Sprint(desks)+`"] .card-value')`, col(1))
	heads("the first stage after the drag", 0, "1 deal", "€1,000.00")
	heads("the second stage after the drag", 1, "2 deals", "€3,000.00")
	owner.waitHost("the card in its new column", col(1)+`.querySelector('.deal-card[data-id="`+fmt.Sprint(desks)+`"]')`)
	eventually(t, "the deal in the next stage", func() bool {
		return num(a.must(200, "GET", fmt.Sprintf("/api/v1/deals/%d", desks), nil)["deal"].(map[string]any)["stage_id"]) == stages[1]
	})
	if h := a.must(200, "GET", fmt.Sprintf("/api/v1/deals/%d/history", desks), nil)["changes"].([]any); len(h) != 1 ||
		!strings.Contains(fmt.Sprint(h[0]), "stage_id") {
		t.Fatalf("the move's history: %v", h)
	}

	// Chairs with the keyboard: its handle, then →.
	host[chromedp.Void](owner, col(0)+`.querySelector('.deal-card[data-id="`+fmt.Sprint(chairs)+`"] .card-grip').focus()`)
	owner.do(chromedp.KeyEvent(kb.ArrowRight))
	heads("the first stage emptied", 0, "0 deals", "€0.00")
	heads("the second stage with three", 1, "3 deals", "€4,000.00")
	owner.waitHost("the moved card keeps the focus", `document.activeElement && document.activeElement.closest('.deal-card[data-id="`+fmt.Sprint(chairs)+`"]') && `+
		`document.activeElement.closest('.board-col').dataset.stage === '`+fmt.Sprint(stages[1])+`'`)

	// Lamps won from its card: it leaves the board.
	host[chromedp.Void](owner, col(1)+`.querySelector('.deal-card[data-id="`+fmt.Sprint(lamps)+`"] .btn-resolve').click()`)
	heads("the second stage without the won deal", 1, "2 deals", "€3,500.00")
	eventually(t, "the deal won", func() bool {
		return a.must(200, "GET", fmt.Sprintf("/api/v1/deals/%d", lamps), nil)["deal"].(map[string]any)["status"] == "won"
	})

	// Activities: overdue, today and upcoming, each in its owner's time zone.
	today := time.Now().UTC()
	for i, x := range []struct {
		subject string
		days    int
		at      string
	}{{"Send the offer", -2, ""}, {"Call Ana about the desks", 0, "23:59"}, {"Demo at Berger AG", 3, "10:00"}, {"Follow up on chairs", 7, ""}} {
		a.must(201, "POST", "/api/v1/activities", map[string]any{"subject": x.subject, "type": []string{"email", "call", "meeting", "task"}[i],
			"due_date": today.AddDate(0, 0, x.days).Format("2006-01-02"), "due_time": x.at, "deal_id": desks})
	}
	host[chromedp.Void](owner, `document.querySelector('nav.side a.place[href="#/crm/activities"]').click()`)
	owner.waitHost("the activities, soonest first", `[...document.querySelectorAll('.crm-row .crm-title')].map((a) => a.textContent).join('|') === 'Send the offer|Call Ana about the desks|Demo at Berger AG|Follow up on chairs'`)
	owner.clickText(".crm-tabs .crm-tab", "Overdue")
	owner.waitHost("the overdue one", `document.querySelectorAll('.crm-row').length === 1 && document.querySelector('.crm-row').textContent.includes('Send the offer')`)
	checkAxe(t, owner.ctx, "the activities list")
	owner.clickText(".crm-tabs .crm-tab", "Upcoming")
	owner.waitHost("the upcoming ones", `document.querySelectorAll('.crm-row').length === 2`)
	host[chromedp.Void](owner, `[...document.querySelectorAll('.crm-row')].find((r) => r.textContent.includes('Demo at Berger AG')).querySelector('td:not(.crm-check) input[type=checkbox]').click()`)
	owner.clickText(".crm-tabs .crm-tab", "All")
	owner.waitHost("the done one gone from what is to do", `document.querySelectorAll('.crm-row').length === 3`)
	owner.goHash(fmt.Sprintf("#/crm/deal/%d", desks))
	owner.waitHost("the deal's page", `document.querySelectorAll('#plan-h ~ ul .tl-activity').length === 3 && document.querySelector('.tl-change')`)
	checkAxe(t, owner.ctx, "a deal's page")

	if dir := screenshots(t); dir != "" {
		inboxShots(t, s, dir, owner, "crm-board", func(p *tab, lang string) {
			p.goHash("#/crm/deals/board")
			p.waitHost("the board", `document.querySelectorAll('.deal-card').length === 2`)
			host[chromedp.Void](p, `document.querySelector('.deal-card').closest('.board-col').scrollIntoView({inline: 'start', block: 'nearest'})`)
		})
		inboxShots(t, s, dir, owner, "crm-activities", func(p *tab, lang string) {
			p.goHash("#/crm/activities")
			p.waitHost("the activities", `document.querySelectorAll('.crm-row').length === 3`)
		})
		inboxShots(t, s, dir, owner, "crm-deal", func(p *tab, lang string) {
			p.goHash(fmt.Sprintf("#/crm/deal/%d", desks))
			p.waitHost("the deal's page", `document.querySelectorAll('.tl-activity').length >= 4 && document.querySelector('.tl-change')`)
		})
	}
}

// A CSV of 1,000 persons: the dry run reports its 3 bad rows by line before anything is written;
// then the import makes the other 997.
func TestCRMImportPersons(t *testing.T) {
	s := startParley(t)
	a := login(t, s)
	var b strings.Builder
	b.WriteString("Full name;E-mail;Telefon;Firma\n")
	for i := 1; i <= 1000; i++ {
		name, email, phone := fmt.Sprintf("Person %04d", i), fmt.Sprintf("person%04d@example.com", i), fmt.Sprintf("+49 30 %06d", i)
		switch i {
		case 100:
			email = "person-at-example.com"
		case 500:
			name = ""
		case 900:
			phone = "call me maybe"
		}
		fmt.Fprintf(&b, "%s;%s;%s;Company %d\n", name, email, phone, i%10)
	}
	file := filepath.Join(t.TempDir(), "persons.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	host[chromedp.Void](owner, `document.querySelector('nav.side a.place[href="#/crm/persons"]').click()`)
	owner.waitHost("the persons list, empty", `document.querySelector('.crm .empty')`)
	owner.clickText(".crm-actions a", "Import")
	owner.waitHost("the import screen", `document.querySelector('.crm-import input[type=file]')`)
	owner.do(chromedp.SetUploadFiles(`.crm-import input[type=file]`, []string{file}))
	owner.waitHost("the dry run's report", `document.querySelector('.import-summary') && document.querySelector('.import-summary').textContent.startsWith('1000 rows: 997 can be imported, 3 problems')`)
	owner.waitHost("the mapping guessed", `[...document.querySelectorAll('.import-map select')].map((s) => s.value).join() === 'name,email,phone,organization'`)
	got := host[string](owner, `[...document.querySelectorAll('.import-error')].map((r) => [...r.cells].map((c) => c.textContent).slice(0, 2).join(' ')).join('|')`)
	if got != "101 E-mail|501 Full name|901 Telefon" {
		t.Fatalf("the bad rows: %q", got)
	}
	if n := len(a.must(200, "GET", "/api/v1/persons", nil)["persons"].([]any)); n != 0 {
		t.Fatalf("the dry run wrote %d persons", n)
	}
	checkAxe(t, owner.ctx, "the import screen")
	if dir := screenshots(t); dir != "" {
		owner.screenshot(filepath.Join(dir, "crm-import.png"))
	}
	owner.clickText(".import-steps .btn-primary", "Import 997 rows")
	owner.waitHost("imported", `document.querySelector('.import-done') && document.querySelector('.import-done').textContent.includes('997 imported, 3 left out')`)
	res, err := a.c.Get(s.url + "/api/v1/persons?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var csvText strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := res.Body.Read(buf)
		csvText.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if lines := strings.Count(strings.TrimSpace(csvText.String()), "\n") + 1; lines != 998 {
		t.Fatalf("the export holds %d lines, want 997 persons and the header", lines)
	}
	if orgs := a.must(200, "GET", "/api/v1/organizations?limit=200", nil)["organizations"].([]any); len(orgs) != 10 {
		t.Fatalf("%d organisations", len(orgs))
	}
	host[chromedp.Void](owner, `document.querySelector('.import-done a').click()`)
	owner.waitHost("the persons", `document.querySelectorAll('.crm-row').length > 10 && document.querySelector('.crm-count').textContent.includes('more as you scroll')`)
	checkAxe(t, owner.ctx, "the persons list")
	if dir := screenshots(t); dir != "" {
		inboxShots(t, s, dir, owner, "crm-contacts", func(p *tab, lang string) {
			p.goHash("#/crm/persons")
			p.waitHost("the persons", `document.querySelectorAll('.crm-row').length > 10`)
		})
	}
}

// Two persons merged: the merge shows which value wins before it is confirmed; the other's
// conversation then follows the person kept.
func TestCRMMergePersons(t *testing.T) {
	s := startParley(t)
	a := login(t, s)
	withoutPlaybook(t, a)
	for _, v := range []string{"home", "work"} {
		tab := newTab(t, "visitor-"+v, nil)
		tab.navigate(s.url + "/demo")
		tab.openWidget()
		tab.typeMessage("Hello, this is Vera writing from " + v + ".")
	}
	home := conversationWith(t, a, "from home")
	work := conversationWith(t, a, "from work")
	keep := num(a.must(201, "POST", "/api/v1/persons", map[string]any{"name": "Vera Berger", "emails": []map[string]string{{"value": "vera@home.example"}},
		"conversation_id": home})["person"].(map[string]any)["id"])
	other := num(a.must(201, "POST", "/api/v1/persons", map[string]any{"name": "V. Berger", "emails": []map[string]string{{"value": "vera@work.example"}},
		"phones": []map[string]string{{"value": "+43 1 555"}}, "organization": map[string]string{"name": "Berger AG"}, "conversation_id": work})["person"].(map[string]any)["id"])
	a.must(201, "POST", "/api/v1/deals", map[string]any{"title": "Desks for Berger AG", "person_id": other, "value": 120000})

	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.goHash(fmt.Sprintf("#/crm/person/%d", keep))
	owner.waitHost("Vera's page with her chat", `[...document.querySelectorAll('.tl-conv .excerpt-line')].some((l) => l.textContent.includes('from home'))`)
	owner.clickText(".rec-head .btn", "Merge")
	owner.setInput(`dialog[open] input[type=search]`, "berger")
	owner.waitHost("the other person found", `[...document.querySelectorAll('dialog[open] .merge-candidate')].some((c) => c.textContent.includes('V. Berger'))`)
	host[chromedp.Void](owner, `[...document.querySelectorAll('dialog[open] .merge-candidate')].find((c) => c.textContent.includes('V. Berger')).querySelector('button').click()`)
	row := func(field string) string {
		return `[...document.querySelectorAll('dialog[open] .merge-table tbody tr')].find((r) => r.cells[0].textContent === ` + jsQuote(field) + `)`
	}
	owner.waitHost("which value wins, before confirming", row("Name")+` && `+row("Name")+`.cells[3].textContent === 'Vera Bergerkept' && `+
		row("Emails")+`.cells[3].textContent === 'vera@home.example, vera@work.exampleboth' && `+row("Phones")+`.cells[3].textContent === '+43 1 555taken over' && `+
		`document.querySelector('dialog[open]').textContent.includes('deals: 1')`)
	checkAxe(t, owner.ctx, "the merge dialog")
	if dir := screenshots(t); dir != "" {
		owner.screenshot(filepath.Join(dir, "crm-merge.png"))
	}
	owner.clickText("dialog[open] .btn-primary", "Merge")
	owner.waitHost("the other's chat in Vera's timeline", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('.tl-conv .excerpt-line')].some((l) => l.textContent.includes('from work'))`)
	owner.waitHost("the merge in the history", `[...document.querySelectorAll('.tl-change')].some((c) => c.textContent.includes('merged “V. Berger” into this record'))`)
	owner.waitHost("the deal followed", `[...document.querySelectorAll('.rec-side a')].some((a) => a.textContent === 'Desks for Berger AG')`)
	checkAxe(t, owner.ctx, "a person's page after a merge")
	if code, _ := a.call("GET", fmt.Sprintf("/api/v1/persons/%d", other), nil); code != 404 {
		t.Fatalf("the merged person answers %d", code)
	}
	// The conversation follows: its Created items show Vera, linked.
	owner.goHash(fmt.Sprintf("#/c/%d", work))
	owner.waitHost("the work chat's items", `[...document.querySelectorAll('.items li')].some((l) => l.textContent.includes('Vera Berger') && l.querySelector('.tag-linked'))`)
	if dir := screenshots(t); dir != "" {
		inboxShots(t, s, dir, owner, "crm-merged", func(p *tab, lang string) {
			p.goHash(fmt.Sprintf("#/crm/person/%d", keep))
			p.waitHost("Vera's timeline", `document.querySelectorAll('.tl-conv').length === 2`)
		})
	}
}
