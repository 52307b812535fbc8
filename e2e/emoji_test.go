package e2e

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestEmoji: the widget loads its emoji picker only when it is opened; a visitor searches it, picks
// with the keyboard and the emoji reaches the agent. In the inbox the agent picks one from the
// same picker and completes a ":shortcode"; the visitor receives both.
func TestEmoji(t *testing.T) {
	s := startParley(t)
	shots := screenshots(t)
	ag := signIn(t, s)

	visitor := newTab(t, "visitor", nil)
	visitor.navigate(s.url + "/demo")
	visitor.openWidget()
	visitor.waitFrame("the emoji button, and no picker loaded yet", `document.querySelector('.comp button[aria-haspopup=dialog]') && !document.querySelector('script[src*="emoji.js"]') && !performance.getEntriesByType('resource').some((r) => r.name.includes('/emoji'))`)
	inFrame[chromedp.Void](visitor, `document.querySelector('.comp button[aria-haspopup=dialog]').click()`)
	visitor.waitFrame("the picker with its groups", `document.querySelector('.emo input[type=search]') === document.activeElement && document.querySelectorAll('.emo-g .emo-e').length > 1000`)
	if shots != "" {
		visitor.screenshot(filepath.Join(shots, "widget-emoji.png"))
	}
	checkAxeFrame(t, visitor, "the widget's emoji picker")
	visitor.do(chromedp.KeyEvent("thumbs"))
	visitor.waitFrame("the search result", `document.querySelector('.emo-e') && document.querySelector('.emo-e').getAttribute('aria-label') === 'thumbs up'`)
	visitor.do(press("ArrowDown"), enter)
	visitor.waitFrame("the emoji in the composer, the picker closed", `!document.querySelector('.emo') && document.querySelector('.comp textarea').value.startsWith('👍') && document.activeElement === document.querySelector('.comp textarea')`)
	visitor.do(chromedp.KeyEvent(" Thanks!"), enter)
	conv := ag.waitMessage("👍️ Thanks!")
	if n := ag.count(conv, "👍️ Thanks!"); n != 1 {
		t.Fatalf("the agent has the visitor's emoji %d times", n)
	}
	// Recently used comes first next time.
	inFrame[chromedp.Void](visitor, `document.querySelector('.comp button[aria-haspopup=dialog]').click()`)
	visitor.waitFrame("the recent emoji", `document.querySelector('.emo-h') && document.querySelector('.emo-h').textContent === 'Recently used' && document.querySelector('.emo-g .emo-e').textContent === '👍️'`)
	visitor.do(press("Escape"))
	visitor.waitFrame("closed by Escape", `!document.querySelector('.emo') && document.activeElement === document.querySelector('.comp textarea')`)

	// The agent: the picker in the composer, and :shortcode completion.
	owner := openInbox(t, s, "owner", "demo@parley.test", s.password)
	owner.goHash(fmt.Sprintf("#/c/%d", conv))
	owner.clickText(".conv-actions .btn", "Assign to me")
	owner.waitHost("the composer", `document.querySelector('.conv-status').textContent === 'Assigned to you' && `+composerOn)
	host[chromedp.Void](owner, `document.querySelector('.composer .tools button[aria-haspopup=dialog]').click()`)
	owner.waitHost("the picker", `document.querySelector('.composer .emo input[type=search]') === document.activeElement && document.querySelectorAll('.emo-e').length > 1000`)
	owner.do(chromedp.KeyEvent("popper"))
	owner.waitHost("the party popper", `document.querySelector('.emo-e') && document.querySelector('.emo-e').getAttribute('aria-label') === 'party popper'`)
	checkAxe(t, owner.ctx, "the inbox's emoji picker")
	if shots != "" {
		owner.screenshot(filepath.Join(shots, "inbox-emoji.png"))
	}
	host[chromedp.Void](owner, `document.querySelector('.emo-e').click()`)
	owner.waitHost("the emoji in the composer", `!document.querySelector('.emo') && `+composerText+` === '🎉' && document.activeElement === document.querySelector('.composer .editor')`)
	owner.do(chromedp.KeyEvent(" Great :hear"))
	owner.waitHost("shortcode suggestions", `document.querySelector('.cpl[data-source=emoji] .cpl-item[aria-selected=true]') && document.querySelector('.cpl .cpl-item .cpl-label').textContent === ':heart:'`)
	if shots != "" {
		owner.screenshot(filepath.Join(shots, "inbox-emoji-shortcode.png"))
	}
	owner.do(enter)
	owner.waitHost("the heart in the composer", composerText+` === '🎉 Great ❤️' && !document.querySelector('.cpl')`)
	owner.do(enter)
	visitor.waitFrame("the agent's emoji", bubbles("🎉 Great ❤️")+` === 1`)

	// German names in a German widget.
	de := newTab(t, "visitor-de", nil)
	de.navigate(s.url + "/demo?lang=de")
	de.openWidget()
	inFrame[chromedp.Void](de, `document.querySelector('.comp button[aria-haspopup=dialog]').click()`)
	de.waitFrame("the German picker", `document.querySelector('.emo input').placeholder === 'Emoji suchen' && document.querySelectorAll('.emo-e').length > 1000`)
	de.do(chromedp.KeyEvent("daumen"))
	de.waitFrame("German names", `document.querySelector('.emo-e') && document.querySelector('.emo-e').getAttribute('aria-label') === 'Daumen hoch'`)
	if shots != "" {
		de.screenshot(filepath.Join(shots, "widget-emoji-de.png"))
		for _, lang := range []string{"en", "de"} {
			phone := newTab(t, "phone-"+lang, nil)
			phone.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
			phone.navigate(s.url + "/demo?lang=" + lang)
			phone.openWidget()
			inFrame[chromedp.Void](phone, `document.querySelector('.comp button[aria-haspopup=dialog]').click()`)
			phone.waitFrame("the picker on a phone", `document.querySelectorAll('.emo-e').length > 1000`)
			suffix := "-phone"
			if lang == "de" {
				suffix += "-de"
			}
			phone.screenshot(filepath.Join(shots, "widget-emoji"+suffix+".png"))
		}
	}
}
