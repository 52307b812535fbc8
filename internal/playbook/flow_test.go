package playbook_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/playbook"
)

// sample is a valid flow touching every card type: the live chat template plus a consent card
// with a declined path.
func sample(t *testing.T) *playbook.Flow {
	t.Helper()
	tpl, err := playbook.TemplateByName(playbook.LiveChatTemplate, "en")
	if err != nil {
		t.Fatal(err)
	}
	f := tpl.Flow
	f.Path = append([]playbook.Card{{ID: "crd_gdpr", Type: playbook.ConsentCard, Markdown: "We store what you tell us.",
		ConsentVersion: "2026-01", DeclinedPath: []playbook.Card{
			{ID: "crd_declined", Type: playbook.MessageCard, Markdown: "Fine, bye."},
			{ID: "crd_declined_end", Type: playbook.EndCard},
		}}}, f.Path...)
	if ps := playbook.PrepareFlow(f, "en"); len(ps) > 0 {
		t.Fatalf("sample flow invalid: %v", ps)
	}
	return f
}

func TestWalkingTheFlow(t *testing.T) {
	f := sample(t)
	ids := func(path []playbook.Card) []string {
		var out []string
		for _, c := range path {
			out = append(out, c.ID)
		}
		return out
	}
	if c, ok := f.Start(); !ok || c.ID != "crd_gdpr" {
		t.Fatalf("start: %v %v", c, ok)
	}
	if c, ok := f.Card("crd_email"); !ok || c.Type != playbook.CaptureCard {
		t.Fatalf("card crd_email: %v %v", c, ok)
	}
	if _, ok := f.Card("nope"); ok {
		t.Fatal("unknown card found")
	}
	for _, tc := range []struct{ from, want string }{
		{"crd_gdpr", "crd_welcome"},        // root path
		{"crd_welcome", "crd_help"},        // root path
		{"crd_email", "crd_lead"},          // offline path
		{"crd_lead", "crd_thanks"},         // offline path
		{"crd_looking", "crd_looking_end"}, // answer path
		{"crd_declined", "crd_declined_end"},
		{"crd_help", ""}, // a question continues on its answers
		{"crd_live", ""}, // a live chat card continues on its offline path
		{"crd_end", ""},  // end of a path: the flow ends
		{"crd_thanks", "crd_end"},
		{"nope", ""},
	} {
		c, ok := f.Next(tc.from)
		got := ""
		if ok {
			got = c.ID
		}
		if got != tc.want {
			t.Errorf("Next(%s) = %q, want %q", tc.from, got, tc.want)
		}
	}
	if p, ok := f.AnswerPath("crd_help", "talk"); !ok || !reflect.DeepEqual(ids(p), []string{"crd_live"}) {
		t.Fatalf("answer talk: %v %v", ids(p), ok)
	}
	if _, ok := f.AnswerPath("crd_help", "nope"); ok {
		t.Fatal("unknown answer has a path")
	}
	if _, ok := f.AnswerPath("crd_welcome", "talk"); ok {
		t.Fatal("a message card has answers")
	}
	if a, ok := f.Answer("crd_help", "talk"); !ok || a.Label != "Talk to someone" {
		t.Fatalf("answer: %v", a)
	}
	if p, ok := f.OfflinePath("crd_live"); !ok || !reflect.DeepEqual(ids(p), []string{"crd_email", "crd_lead", "crd_thanks", "crd_end"}) {
		t.Fatalf("offline path: %v %v", ids(p), ok)
	}
	if _, ok := f.OfflinePath("crd_help"); ok {
		t.Fatal("a question has an offline path")
	}
	if p, ok := f.DeclinedPath("crd_gdpr"); !ok || p[0].ID != "crd_declined" {
		t.Fatalf("declined path: %v %v", ids(p), ok)
	}
	if live := f.LiveChatCards(); len(live) != 1 || live[0].ID != "crd_live" {
		t.Fatalf("live chat cards: %v", live)
	}

	var seen []string
	f.Walk(func(c *playbook.Card, depth int) bool {
		seen = append(seen, c.ID)
		return true
	})
	if len(seen) != 12 || seen[0] != "crd_gdpr" || seen[1] != "crd_declined" {
		t.Fatalf("walk order: %v", seen)
	}

	clone := f.Clone()
	clone.Path[1].Markdown = "changed"
	c, _ := clone.Card("crd_live")
	c.OfflinePath[0].Field.Label = "changed"
	if f.Path[1].Markdown == "changed" {
		t.Fatal("clone shares its cards")
	}
	if orig, _ := f.Card("crd_email"); orig.Field.Label == "changed" {
		t.Fatal("clone shares nested fields")
	}
}

func TestTemplatesAreValidInEveryLanguage(t *testing.T) {
	for _, lang := range playbook.Languages {
		tpls := playbook.Templates(lang)
		if len(tpls) != 3 {
			t.Fatalf("%s: %d templates", lang, len(tpls))
		}
		for _, tpl := range tpls {
			in := &playbook.Input{Name: tpl.Title, Appearance: playbook.Appearance{Language: lang}, Flow: tpl.Flow.Clone()}
			if ps := playbook.Prepare(in); len(ps) > 0 {
				t.Errorf("%s/%s: %v", lang, tpl.Name, ps.Err())
			}
			if !reflect.DeepEqual(in.Flow, tpl.Flow) {
				t.Errorf("%s/%s: saving changed the template's flow", lang, tpl.Name)
			}
			if tpl.Title == "" || tpl.Description == "" {
				t.Errorf("%s/%s: no title or description", lang, tpl.Name)
			}
			live := tpl.Flow.LiveChatCards()
			if tpl.OfflineOnly && len(live) > 0 || tpl.Name == playbook.LiveChatTemplate && len(live) != 1 {
				t.Errorf("%s/%s: offline_only=%v with %d live chat cards", lang, tpl.Name, tpl.OfflineOnly, len(live))
			}
		}
	}
	en := playbook.Templates("en")
	if en[0].Title != "Chat with your leads" || en[2].Title != "Contact form (offline only)" {
		t.Fatalf("titles: %q %q", en[0].Title, en[2].Title)
	}
	// The live chat template: a question whose "Talk to someone" answer leads to the live chat
	// card, whose offline path asks for the email address and then makes a lead.
	f := en[0].Flow
	q, _ := f.Card("crd_help")
	if q.Type != playbook.QuestionCard || q.Markdown != "How can we help?" {
		t.Fatalf("question: %+v", q)
	}
	p, _ := f.AnswerPath("crd_help", "talk")
	if len(p) != 1 || p[0].Type != playbook.LiveChatCard {
		t.Fatalf("talk path: %+v", p)
	}
	off := p[0].OfflinePath
	if off[0].Type != playbook.CaptureCard || off[0].Field.Type != playbook.EmailField || off[1].Action != playbook.CreateLead {
		t.Fatalf("offline path: %+v", off)
	}
	if de := playbook.Templates("de")[0].Flow; de.Path[1].Answers[0].Label != "Mit jemandem sprechen" {
		t.Fatalf("German template: %q", de.Path[1].Answers[0].Label)
	}
	if _, err := playbook.TemplateByName("nope", "en"); err == nil {
		t.Fatal("unknown template found")
	}
}

// fixtureCard reads the "card" object of a protocol fixture.
func fixtureCard(t *testing.T, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "realtime", "testdata", "protocol", name))
	if err != nil {
		t.Fatal(err)
	}
	var entry struct {
		Card map[string]any `json:"card"`
	}
	if err := json.Unmarshal(raw, &entry); err != nil {
		t.Fatal(err)
	}
	return entry.Card
}

func asMap(t *testing.T, w playbook.WireCard) map[string]any {
	t.Helper()
	raw, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// sameHTML compares HTML ignoring the newlines between blocks and how an apostrophe is escaped.
func sameHTML(a, b any) bool {
	norm := func(v any) string {
		s, _ := v.(string)
		return strings.ReplaceAll(strings.ReplaceAll(s, "\n", ""), "&#39;", "'")
	}
	return norm(a) == norm(b)
}

// The cards Wire produces are the protocol's fixtures: every field the same, the HTML the same up
// to insignificant whitespace. Plain text follows richtext.PlainText ("• item", "label (url)"),
// so it is compared only where the fixture has neither lists nor links.
func TestWireCardsMatchProtocolFixtures(t *testing.T) {
	consent := playbook.Card{ID: "crd_gdpr_1", Type: playbook.ConsentCard, ConsentVersion: "2026-01", Required: true,
		CheckboxLabel: "I agree to the processing of my data",
		Markdown:      "We store your email address to answer your question. See our [privacy policy](https://shop.example/privacy)."}
	live := playbook.Card{ID: "crd_live_1", Type: playbook.LiveChatCard, WaitingSeconds: 120,
		OnlineMarkdown:  "One moment, a colleague will be with you shortly.",
		OfflineMarkdown: "Sorry, nobody is free right now. Leave your email address and we'll answer you *today*."}
	for _, tc := range []struct {
		fixture   string
		card      playbook.WireCard
		checkText bool
	}{
		{"bot-message.json", (&playbook.Card{ID: "crd_welcome_1", Type: playbook.MessageCard,
			Markdown: "Hi there! I'm the **Shop** assistant.\n\n- Orders ship within 3 working days\n- Free returns for 30 days"}).Wire(), false},
		{"bot-question.json", (&playbook.Card{ID: "crd_q_1", Type: playbook.QuestionCard, Markdown: "How can we help you today?",
			Answers: []playbook.Answer{{ID: "track", Label: "Track my order"}, {ID: "returns", Label: "Returns & exchanges"},
				{ID: "talk", Label: "Talk to someone", Path: []playbook.Card{{ID: "x", Type: playbook.EndCard}}}}}).Wire(), true},
		{"bot-capture.json", (&playbook.Card{ID: "crd_email_1", Type: playbook.CaptureCard,
			Markdown: "What's your email address, so we can get back to you?",
			Field: &playbook.Field{Type: playbook.EmailField, Key: "email", Label: "Email", Placeholder: "you@example.com",
				Rules: playbook.Rules{Required: true, MaxLength: 254}}}).Wire(), true},
		{"bot-capture-custom.json", (&playbook.Card{ID: "crd_order_1", Type: playbook.CaptureCard, Markdown: "Which order is it about?",
			Field: &playbook.Field{Type: playbook.CustomField, Key: "order_number", Label: "Order number", Placeholder: "e.g. 20260142",
				Rules: playbook.Rules{MinLength: 6, MaxLength: 10, Pattern: "^[0-9]+$", Hint: "Order numbers have 6 to 10 digits."}}}).Wire(), true},
		{"bot-consent.json", consent.Wire(), false},
		{"bot-livechat-waiting.json", live.LiveChatWaiting(1767364325123), true},
		{"bot-livechat-joined.json", live.LiveChatJoined(12, "Jana Novak", "/avatars/12.png"), true},
		{"bot-livechat-offline.json", live.LiveChatOffline(playbook.ReasonTimeout), true},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			want := fixtureCard(t, tc.fixture)
			got := asMap(t, tc.card)
			if !sameHTML(got["html"], want["html"]) {
				t.Errorf("html:\n got %v\nwant %v", got["html"], want["html"])
			}
			if tc.checkText && got["text"] != want["text"] {
				t.Errorf("text:\n got %q\nwant %q", got["text"], want["text"])
			}
			if _, ok := got["text"]; ok != (want["text"] != nil) {
				t.Errorf("text present %v, fixture has it %v", ok, want["text"] != nil)
			}
			for _, m := range []map[string]any{got, want} {
				delete(m, "html")
				delete(m, "text")
			}
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("card:\n got %s\nwant %s", g, w)
			}
		})
	}
	if (&playbook.Card{Type: playbook.ActionCard}).Visible() || (&playbook.Card{Type: playbook.EndCard}).Visible() {
		t.Fatal("action and end cards are visible")
	}
	// Without a deadline Wire gives the waiting state of a live chat card.
	if w := live.Wire(); w.State != playbook.StateWaiting || w.WaitingSeconds != 120 {
		t.Fatalf("live chat wire: %+v", w)
	}
	// A consent card that is not required says so.
	consent.Required = false
	if m := asMap(t, consent.Wire()); m["required"] != false {
		t.Fatalf("required: %v", m["required"])
	}
}

func TestMatchPicksTheHighestPriorityActivePlaybook(t *testing.T) {
	rules := func(rs ...string) []playbook.Rule {
		var out []playbook.Rule
		for i := 0; i+1 < len(rs); i += 2 {
			out = append(out, playbook.Rule{Match: playbook.RuleMatch(rs[i]), Value: rs[i+1]})
		}
		return out
	}
	all := []playbook.Playbook{
		{ID: 1, Active: true, Priority: 0},                                                     // every page
		{ID: 2, Active: true, Priority: 10, Targeting: rules("starts_with", "/pricing")},       // pricing pages
		{ID: 3, Active: false, Priority: 100, Targeting: rules("contains", "pricing")},         // inactive
		{ID: 4, Active: true, Priority: 10, Targeting: rules("equals", "/pricing/enterprise")}, // same priority, newer
		{ID: 5, Active: true, Priority: 20, Targeting: rules("regex", `^/blog/\d+$`, "equals", "https://Shop.example/help")},
		{ID: 6, Active: true, Priority: 30, Targeting: rules("contains", "utm_source=ads")},
		{ID: 7, Active: true, Priority: 40, Targeting: rules("regex", `^https://other\.example/`)},
	}
	for _, tc := range []struct {
		url  string
		want int64
	}{
		{"https://shop.example/", 1},
		{"https://shop.example/pricing", 2},
		{"https://shop.example/pricing/enterprise", 2}, // 2 and 4 tie: the older wins
		{"https://shop.example/blog/42", 5},
		{"https://shop.example/blog/42?x=1", 1}, // the regex is anchored at the end of the path and query
		{"https://shop.example/help/", 5},       // full-URL equals, host case and trailing slash ignored
		{"https://shop.example/help#top", 5},    // the fragment never counts
		{"https://shop.example/?utm_source=ads", 6},
		{"https://other.example/pricing", 7},
	} {
		got := playbook.Match(all, tc.url)
		if got == nil || got.ID != tc.want {
			t.Errorf("%s: got %v, want %d", tc.url, got, tc.want)
		}
	}
	if playbook.Match(all[2:3], "https://shop.example/pricing") != nil {
		t.Fatal("an inactive playbook matched")
	}
	if playbook.Match(nil, "https://shop.example/") != nil {
		t.Fatal("nothing matched something")
	}
	// Rule values are saved the way pages are compared.
	in := &playbook.Input{Name: "x", Flow: &playbook.Flow{Path: []playbook.Card{{Type: playbook.EndCard}}},
		Targeting: rules("equals", " HTTPS://Shop.Example/%C3%BCber ", "starts_with", "/%C3%BCber")}
	if ps := playbook.Prepare(in); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if in.Targeting[0].Value != "https://shop.example/über" || in.Targeting[1].Value != "/über" {
		t.Fatalf("normalised rules: %+v", in.Targeting)
	}
	p := playbook.Playbook{Active: true, Targeting: in.Targeting[1:]}
	if !p.MatchesURL("https://shop.example/%C3%BCber/team") {
		t.Fatal("decoded path did not match")
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	f := sample(t)
	p := &playbook.Playbook{ID: 7, WebsiteID: 3, Name: "Shop bot", Active: true, Priority: 5, DelaySeconds: 10,
		Targeting: []playbook.Rule{{Match: playbook.StartsWith, Value: "/shop"}},
		Appearance: playbook.Appearance{Color: "#112233", TextColor: "#ffffff", Icon: "wave", BotName: "Shop assistant",
			Language: "de", Side: "left"}, Flow: f, Version: 4}
	raw, err := json.Marshal(playbook.ExportDocument(p))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"format":"parley-playbook"`, `"format_version":1`, `"name":"Shop bot"`} {
		if !strings.Contains(string(raw), s) {
			t.Fatalf("export lacks %s: %s", s, raw)
		}
	}
	if strings.Contains(string(raw), `"website_id"`) || strings.Contains(string(raw), `"priority"`) {
		t.Fatalf("export holds installation details: %s", raw)
	}
	var doc playbook.Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	in, err := doc.Input(9)
	if err != nil {
		t.Fatal(err)
	}
	if ps := playbook.Prepare(in); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	if !reflect.DeepEqual(in.Flow, f) || in.Appearance != p.Appearance || in.Name != p.Name || in.WebsiteID != 9 ||
		!reflect.DeepEqual(in.Targeting, p.Targeting) || in.DelaySeconds != 10 {
		t.Fatalf("round trip changed the playbook:\n%+v", in)
	}

	doc.Format = "something-else"
	if _, err := doc.Input(9); err == nil {
		t.Fatal("foreign format accepted")
	}
	doc.Format, doc.FormatVersion = playbook.ExportFormat, 2
	if _, err := doc.Input(9); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("newer format version: %v", err)
	}
}

func TestPlaybookJSONShowsOfflineOnly(t *testing.T) {
	raw, _ := json.Marshal(playbook.Playbook{ID: 1})
	if !strings.Contains(string(raw), `"offline_only":true`) || !strings.Contains(string(raw), `"loaded_at":null`) {
		t.Fatalf("never loaded: %s", raw)
	}
	at := int64(5)
	raw, _ = json.Marshal(&playbook.Playbook{ID: 1, LoadedAt: &at})
	if !strings.Contains(string(raw), `"offline_only":false`) {
		t.Fatalf("loaded: %s", raw)
	}
}
