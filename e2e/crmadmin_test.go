package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The CRM's settings screens (web/inbox/src/admin/pipelines.tsx and fields.tsx): an admin makes a
// pipeline, moves a stage from the keyboard and adds a custom field to deals; the API shows them.

// selectValue picks an option of the select matching sel as a user does (the change event).
func (p *tab) selectValue(sel, value string) {
	p.t.Helper()
	p.waitHost("the select "+sel, `document.querySelector(`+jsQuote(sel)+`)`)
	host[chromedp.Void](p, `(() => { const el = document.querySelector(`+jsQuote(sel)+`); el.value = `+jsQuote(value)+`;
		el.dispatchEvent(new Event('change', {bubbles: true})); })()`)
}

func TestAdminCRMSettings(t *testing.T) {
	s := startParley(t)
	api := login(t, s)
	p := openInbox(t, s, "admin", "demo@parley.test", s.password)

	// A pipeline with three stages.
	p.goHash("#/admin/pipelines")
	p.setInput(`input[name=pipeline]`, "Partners")
	p.setInput(`textarea[name=stages]`, "Contact\nQualify\nSign")
	p.clickText("button", "Create pipeline")
	card := `[data-pipeline="Partners"]`
	p.waitHost("the new pipeline", `document.querySelectorAll(`+jsQuote(card+` [data-stage]`)+`).length === 3 && document.body.textContent.includes('Pipeline Partners created.')`)
	checkAxe(t, p.ctx, "admin: pipelines")

	// Contact moves down from the keyboard; the focus stays on its button.
	host[chromedp.Void](p, `document.querySelector(`+jsQuote(card+` [data-stage="Contact"] [data-move=down] button`)+`).focus()`)
	p.do(chromedp.KeyEvent("\r"))
	p.waitHost("the stage moved", `[...document.querySelectorAll(`+jsQuote(card+` [data-stage]`)+`)].map((r) => r.dataset.stage).join() === 'Qualify,Contact,Sign'
		&& document.activeElement && document.activeElement.closest('[data-stage]') && document.activeElement.closest('[data-stage]').dataset.stage === 'Contact'`)
	p.clickText(card+` button`, "Save")
	p.waitHost("the pipeline saved", `document.querySelector(`+jsQuote(card+` .adm-ok`)+`)`)

	var found bool
	var sign int64
	for _, x := range api.must(200, "GET", "/api/v1/pipelines", nil)["pipelines"].([]any) {
		pl := x.(map[string]any)
		if pl["name"] != "Partners" {
			continue
		}
		found = true
		var names []string
		for _, st := range pl["stages"].([]any) {
			names = append(names, st.(map[string]any)["name"].(string))
			if st.(map[string]any)["name"] == "Sign" {
				sign = num(st.(map[string]any)["id"])
			}
		}
		if got := strings.Join(names, ","); got != "Qualify,Contact,Sign" {
			t.Errorf("the pipeline's stages are %s, want Qualify,Contact,Sign", got)
		}
		if pl["default"] == true {
			t.Error("a new pipeline became the default")
		}
	}
	if !found {
		t.Fatal("the API has no pipeline Partners")
	}

	// A stage that holds a deal cannot be removed: the API's refusal is shown and nothing changes.
	api.must(201, "POST", "/api/v1/deals", map[string]any{"title": "Reseller deal", "stage_id": sign})
	host[chromedp.Void](p, `document.querySelector(`+jsQuote(card+` [data-stage="Sign"] .adm-ibtn-danger`)+`).click()`)
	p.waitHost("the stage gone from the form", `!document.querySelector(`+jsQuote(card+` [data-stage="Sign"]`)+`)`)
	p.clickText(card+` button`, "Save")
	p.waitHost("the refusal", `[...document.querySelectorAll(`+jsQuote(card+` .adm-err`)+`)].some((e) => e.textContent.includes('A stage that still holds deals cannot be removed'))`)

	for _, x := range api.must(200, "GET", "/api/v1/pipelines", nil)["pipelines"].([]any) {
		if pl := x.(map[string]any); pl["name"] == "Partners" && len(pl["stages"].([]any)) != 3 {
			t.Errorf("after the refusal the pipeline has %d stages, want 3", len(pl["stages"].([]any)))
		}
	}

	// The default pipeline cannot be deleted: the confirmation shows why.
	def := `[...document.querySelectorAll('[data-pipeline]')].find((c) => c.querySelector('.adm-badge'))`
	host[chromedp.Void](p, `[...`+def+`.querySelectorAll('button')].find((b) => b.textContent.includes('Delete pipeline')).click()`)
	p.waitHost("the confirmation", `document.querySelector('dialog[open]')`)
	host[chromedp.Void](p, `[...document.querySelectorAll('dialog[open] button')].find((b) => b.textContent.includes('Delete pipeline')).click()`)
	p.waitHost("the default's refusal", `document.querySelector('dialog[open] .adm-err') && document.querySelector('dialog[open] .adm-err').textContent.includes('The default pipeline cannot be deleted')`)
	checkAxe(t, p.ctx, "admin: pipelines, a refusal")
	p.clickText(`dialog[open] button`, "Cancel")
	p.waitHost("the confirmation closed", `!document.querySelector('dialog[open]')`)

	// A custom field of type option on deals; its key comes from the label.
	p.goHash("#/admin/fields")
	p.selectValue(`select[name=record_type]`, "deal")
	p.waitHost("the deals' fields", `document.querySelector('#adm-field-new').textContent === 'New field for Deals' && document.body.textContent.includes('No custom fields for this record type yet.')`)
	p.setInput(`input[name=label]`, "Lead source")
	if k := host[string](p, `document.querySelector('input[name=key]').value`); k != "lead_source" {
		t.Errorf("the key derived from the label is %q, want lead_source", k)
	}
	p.selectValue(`select[name=type]`, "option")
	p.setInput(`textarea[name=options]`, "Web\nReferral")
	p.clickText("button", "Add field")
	p.waitHost("the new field", `document.querySelector('[data-field="lead_source"]') && document.body.textContent.includes('Field Lead source added.')`)
	checkAxe(t, p.ctx, "admin: custom fields")

	// A second field, moved above the first from the keyboard.
	p.setInput(`input[name=label]`, "Budget")
	p.selectValue(`select[name=type]`, "number")
	p.clickText("button", "Add field")
	p.waitHost("the second field", `document.querySelector('[data-field="budget"]')`)
	host[chromedp.Void](p, `document.querySelector('[data-field="budget"] [data-move=up] button').focus()`)
	p.do(chromedp.KeyEvent("\r"))
	p.waitHost("the field moved", `[...document.querySelectorAll('[data-field]')].map((f) => f.dataset.field).join() === 'budget,lead_source'
		&& document.activeElement && document.activeElement.closest('[data-field]') && document.activeElement.closest('[data-field]').dataset.field === 'budget'`)

	fields := api.must(200, "GET", "/api/v1/custom-fields?record_type=deal", nil)["fields"].([]any)
	if len(fields) != 2 || fields[0].(map[string]any)["key"] != "budget" {
		t.Fatalf("the deals' custom fields: %v", fields)
	}
	f := fields[1].(map[string]any)
	if f["key"] != "lead_source" || f["label"] != "Lead source" || f["type"] != "option" || len(f["options"].([]any)) != 2 {
		t.Errorf("the field is %v", f)
	}
}
