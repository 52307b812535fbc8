package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// waitTry waits for a condition inside the editor's "Try it" frame (/inbox/try), which may not
// exist yet or may be replaced by a new run.
func (p *tab) waitTry(what, cond string) {
	p.t.Helper()
	end := time.Now().Add(waitFor)
	for time.Now().Before(end) {
		if id, ok := p.tryContext(); ok {
			v, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](waitJS(cond, 2000), chromedp.EvalAwaitPromise, func(e *runtime.EvaluateParams) { e.ContextID = id }))
			if err == nil && v != false && v != nil {
				return
			}
		}
		time.Sleep(50 * time.Millisecond) // the frame is being replaced: look for it again
	}
	p.t.Fatalf("%s: no %s within %s in the Try it frame", p.name, what, waitFor)
}

// inTry evaluates an expression in the "Try it" frame.
func inTry[T any](p *tab, expr string) T {
	p.t.Helper()
	id, ok := p.tryContext()
	if !ok {
		p.t.Fatalf("%s: no Try it frame", p.name)
	}
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise, func(e *runtime.EvaluateParams) { e.ContextID = id }))
	if err != nil {
		p.t.Fatalf("%s: in the Try it frame: %s: %v", p.name, expr, err)
	}
	return v
}

func (p *tab) tryContext() (runtime.ExecutionContextID, bool) {
	tree, err := chromedp.Call(p.ctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return 0, false
	}
	var find func(*page.FrameTree) *cdp.Frame
	find = func(n *page.FrameTree) *cdp.Frame {
		if n.Frame != nil && strings.Contains(n.Frame.URL, "/inbox/try") {
			return n.Frame
		}
		for _, c := range n.ChildFrames {
			if f := find(c); f != nil {
				return f
			}
		}
		return nil
	}
	f := find(tree.FrameTree)
	if f == nil {
		return 0, false
	}
	w, err := chromedp.Call(p.ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: f.ID, WorldName: "parley-e2e-try"})
	if err != nil {
		return 0, false
	}
	return w.ExecutionContextID, true
}

// TestTryPlaybook: in the playbook editor, Try it runs the demo's "Chat with your leads" playbook in
// the real widget through the real engine: with an agent online the live chat card waits (its timer
// listed as what would happen); with nobody online it goes offline, the email is captured and the
// lead the playbook would create is listed. No conversation ever reaches the inbox.
func TestTryPlaybook(t *testing.T) {
	s := startParley(t)
	shots := screenshots(t)
	api := login(t, s)
	var pbID int64
	for _, p := range api.must(200, "GET", "/api/v1/playbooks", nil)["playbooks"].([]any) {
		if pb := p.(map[string]any); pb["appearance"].(map[string]any)["language"] == "en" {
			pbID = int64(pb["id"].(float64))
		}
	}
	if pbID == 0 {
		t.Fatal("the demo has no English playbook")
	}

	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.goHash(fmt.Sprintf("#/admin/playbooks/%d", pbID))
	owner.waitHost("the editor with Try it", `document.querySelector('.pb-live_chat') && document.querySelector('.try button.adm-primary') && !document.querySelector('.try button.adm-primary').disabled && document.querySelector('.pv')`)

	// An agent online (the default): the live chat card waits.
	owner.clickText(".try button", "Try it")
	owner.waitHost("the widget in place of the preview", `document.querySelector('.try-frame') && !document.querySelector('.pv')`)
	owner.waitTry("the bot's question", `[...document.querySelectorAll('.cc.ans button.opt')].some((b) => b.textContent === 'Talk to someone') && document.querySelector('.head h1').textContent === 'Assistant'`)
	inTry[chromedp.Void](owner, `[...document.querySelectorAll('.cc.ans button.opt')].find((b) => b.textContent === 'Talk to someone').click()`)
	owner.waitTry("the online message with its countdown", `document.body.textContent.includes(`+jsQuote(onlineText)+`) && document.querySelector('.cc.wait')`)
	owner.waitHost("what would happen: Unassigned, the waiting timer", `document.querySelector('.try-list [data-kind=handover]') && document.querySelector('.try-list [data-kind=timer]')`)
	checkAxe(t, owner.ctx, "admin: Try it")
	if shots != "" {
		host[chromedp.Void](owner, `document.querySelector('.try-h').scrollIntoView()`)
		owner.screenshot(filepath.Join(shots, "admin-try-online.png"))
	}

	// Nobody online: the offline path, the email and the lead.
	owner.clickText(".try button", "Back to the preview")
	owner.waitHost("the preview again", `document.querySelector('.pv') && !document.querySelector('.try-frame')`)
	host[chromedp.Void](owner, `[...document.querySelectorAll('.try-branch input')][1].click()`)
	owner.clickText(".try button", "Try it")
	owner.waitTry("the bot's question", `[...document.querySelectorAll('.cc.ans button.opt')].some((b) => b.textContent === 'Talk to someone')`)
	inTry[chromedp.Void](owner, `[...document.querySelectorAll('.cc.ans button.opt')].find((b) => b.textContent === 'Talk to someone').click()`)
	owner.waitTry("the offline message at once", `document.body.textContent.includes(`+jsQuote(offlineText)+`) && !document.querySelector('.cc.wait') && document.querySelector('form.cc.cf input[type=email]')`)
	inTry[chromedp.Void](owner, `document.querySelector('form.cc.cf input[type=email]').focus()`)
	owner.do(chromedp.KeyEvent("ana.berger@example.com"))
	inTry[chromedp.Void](owner, `document.querySelector('form.cc.cf button[type=submit]').click()`)
	owner.waitTry("the thanks", `document.body.textContent.includes("Thank you! We'll get back to you as soon as we can.")`)
	owner.waitHost("what would happen: the email, the lead", `document.querySelector('.try-list [data-kind=contact]') && document.querySelector('.try-list [data-kind=contact]').textContent.includes('ana.berger@example.com') && document.querySelector('.try-list [data-kind=lead]')`)
	if shots != "" {
		host[chromedp.Void](owner, `document.querySelector('.try-h').scrollIntoView()`)
		owner.screenshot(filepath.Join(shots, "admin-try-offline.png"))
	}

	// Nothing reached the inbox: no conversation, no contact with that email, no lead.
	for _, folder := range []string{"unassigned", "open", "closed"} {
		if list := api.must(200, "GET", "/api/v1/conversations?folder="+folder, nil)["conversations"].([]any); len(list) != 0 {
			t.Fatalf("a sandbox conversation reached the inbox's %s folder: %v", folder, list)
		}
	}
	if leads := api.must(200, "GET", "/api/v1/leads", nil)["leads"].([]any); len(leads) != 0 {
		t.Fatalf("the sandbox made a lead: %v", leads)
	}
	owner.goHash("#/f/unassigned")
	owner.waitHost("Unassigned empty", `document.querySelector('.scroller .empty') && document.querySelector('a[href="#/f/unassigned"] .count').textContent === '0'`)
}
