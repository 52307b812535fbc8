package playbook_test

import (
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/playbook"
)

func validInput(t *testing.T) *playbook.Input {
	t.Helper()
	return &playbook.Input{WebsiteID: 1, Name: "Shop bot", Flow: sample(t),
		Appearance: playbook.Appearance{Color: "#1F6FEB", Language: "en"}}
}

func card(in *playbook.Input, id string) *playbook.Card {
	c, ok := in.Flow.Card(id)
	if !ok {
		panic("no card " + id)
	}
	return c
}

func TestValidationNamesTheCardAndField(t *testing.T) {
	long := strings.Repeat("x", playbook.MaxMarkdown+1)
	for _, tc := range []struct {
		name   string
		change func(in *playbook.Input)
		// want is the error message (the first problem) and field the first problem's field.
		want, field string
	}{
		{"waiting too short", func(in *playbook.Input) { card(in, "crd_live").WaitingSeconds = 5 },
			`live chat card “One moment, a colleague will be with…”: waiting time must be between 10 and 3600 seconds`, "waiting_seconds"},
		{"waiting too long", func(in *playbook.Input) { card(in, "crd_live").WaitingSeconds = 3601 },
			`live chat card “One moment, a colleague will be with…”: waiting time must be between 10 and 3600 seconds`, "waiting_seconds"},
		{"no online message", func(in *playbook.Input) { card(in, "crd_live").OnlineMarkdown = "  " },
			`live chat card: the online message is empty`, "online_markdown"},
		{"no offline message", func(in *playbook.Input) { card(in, "crd_live").OfflineMarkdown = "" },
			`live chat card “One moment, a colleague will be with…”: the offline message is empty`, "offline_markdown"},
		{"live chat in the offline path", func(in *playbook.Input) {
			c := card(in, "crd_live")
			c.OfflinePath = append([]playbook.Card{{ID: "crd_live2", Type: playbook.LiveChatCard, OnlineMarkdown: "a", OfflineMarkdown: "b"}}, c.OfflinePath...)
		}, `live chat card “a”: a route may reach only one live chat card, and this one is below the live chat card “One moment, a colleague will be with…”`, "type"},
		{"two live chat cards in a path", func(in *playbook.Input) {
			p, _ := in.Flow.AnswerPath("crd_help", "looking")
			in.Flow.Path[2].Answers[1].Path = append([]playbook.Card{
				{ID: "crd_l1", Type: playbook.LiveChatCard, OnlineMarkdown: "a", OfflineMarkdown: "b"},
				{ID: "crd_l2", Type: playbook.LiveChatCard, OnlineMarkdown: "a", OfflineMarkdown: "b"}}, p...)
		}, `live chat card “a”: must be the last card of its path: the 3 cards after it would never be shown`, "type"},
		{"card after a question", func(in *playbook.Input) {
			in.Flow.Path = append(in.Flow.Path, playbook.Card{ID: "crd_lost", Type: playbook.MessageCard, Markdown: "hi"})
		}, `question card “How can we help?”: must be the last card of its path: the 1 card after it would never be shown`, "type"},
		{"card after an end", func(in *playbook.Input) {
			c := card(in, "crd_live")
			c.OfflinePath = append(c.OfflinePath, playbook.Card{ID: "crd_lost", Type: playbook.MessageCard, Markdown: "hi"})
		}, `end card: must be the last card of its path: the 1 card after it would never be shown`, "type"},
		{"duplicate card id", func(in *playbook.Input) { card(in, "crd_thanks").ID = "crd_email" },
			`message card “Thank you! We'll get back to you as…”: another card has the same id`, "id"},
		{"bad card id", func(in *playbook.Input) { card(in, "crd_thanks").ID = "crd x" },
			`message card “Thank you! We'll get back to you as…”: id may hold only letters, digits, _ and -, at most 64`, "id"},
		{"unknown type", func(in *playbook.Input) { card(in, "crd_thanks").Type = "video" },
			`video card “Thank you! We'll get back to you as…”: unknown card type "video"`, "type"},
		{"duplicate answer id", func(in *playbook.Input) { card(in, "crd_help").Answers[1].ID = "talk" },
			`question card “How can we help?”: answer 2 has the same id as another answer ("talk")`, "answers[1].id"},
		{"empty answer label", func(in *playbook.Input) { card(in, "crd_help").Answers[0].Label = " " },
			`question card “How can we help?”: the label of answer 1 is empty`, "answers[0].label"},
		{"no answers", func(in *playbook.Input) { card(in, "crd_help").Answers = nil },
			`question card “How can we help?”: a question needs 1 to 10 answers, not 0`, "answers"},
		{"eleven answers", func(in *playbook.Input) {
			c := card(in, "crd_help")
			for len(c.Answers) < 11 {
				c.Answers = append(c.Answers, playbook.Answer{Label: "more"})
			}
		}, `question card “How can we help?”: a question needs 1 to 10 answers, not 11`, "answers"},
		{"markdown too long", func(in *playbook.Input) { card(in, "crd_welcome").Markdown = long },
			`message card “xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…”: the text is 4001 characters long; at most 4000 are allowed`, "markdown"},
		{"empty message", func(in *playbook.Input) { card(in, "crd_welcome").Markdown = "" },
			`message card: the text is empty`, "markdown"},
		{"capture without field", func(in *playbook.Input) { card(in, "crd_email").Field = nil },
			`capture card “What's your email address?”: choose what the card asks for (name, email, phone, company or custom)`, "field"},
		{"capture type", func(in *playbook.Input) { card(in, "crd_email").Field.Type = "age" },
			`capture card “What's your email address?”: field type must be one of name, email, phone, company or custom`, "field.type"},
		{"built-in key is fixed", func(in *playbook.Input) { card(in, "crd_email").Field.Key = "mail" },
			`capture card “What's your email address?”: the key of an email field is always "email"`, "field.key"},
		{"custom key pattern", func(in *playbook.Input) {
			f := card(in, "crd_email").Field
			f.Type, f.Key = playbook.CustomField, "Order-No"
		}, `capture card “What's your email address?”: key "Order-No" must start with a lower-case letter and hold only a-z, 0-9 and _, at most 40`, "field.key"},
		{"custom key missing", func(in *playbook.Input) {
			f := card(in, "crd_email").Field
			f.Type, f.Key = playbook.CustomField, ""
		}, `capture card “What's your email address?”: a custom field needs a key to store its value under`, "field.key"},
		{"custom key taken by a built-in", func(in *playbook.Input) { card(in, "crd_email").Field.Type = playbook.CustomField },
			`capture card “What's your email address?”: key "email" belongs to the email field type; use that type instead`, "field.key"},
		{"max length over the type's limit", func(in *playbook.Input) { card(in, "crd_email").Field.Rules.MaxLength = 255 },
			`capture card “What's your email address?”: the maximum length of an email field must be between 1 and 254`, "field.rules.max_length"},
		{"min over max", func(in *playbook.Input) { card(in, "crd_email").Field.Rules.MinLength = 300 },
			`capture card “What's your email address?”: the minimum length 300 is more than the maximum 254`, "field.rules.min_length"},
		{"pattern does not compile", func(in *playbook.Input) { card(in, "crd_email").Field.Rules.Pattern = "^[a-$" },
			`capture card “What's your email address?”: the pattern is not a valid regular expression: invalid character class range: ` + "`a-$`", "field.rules.pattern"},
		{"pattern with a Python group", func(in *playbook.Input) { card(in, "crd_email").Field.Rules.Pattern = "^(?P<user>.+)@.+$" },
			`capture card “What's your email address?”: the pattern uses (?P<name>…), which JavaScript does not know; write (?<name>…)`, "field.rules.pattern"},
		{"pattern not anchored", func(in *playbook.Input) { card(in, "crd_email").Field.Rules.Pattern = "@example" },
			`capture card “What's your email address?”: the pattern must start with ^ and end with $, so it matches the whole value`, "field.rules.pattern"},
		{"consent without text", func(in *playbook.Input) { card(in, "crd_gdpr").Markdown = "" },
			`consent card “I agree to the processing of my data”: the text is empty`, "markdown"},
		{"consent without version", func(in *playbook.Input) { card(in, "crd_gdpr").ConsentVersion = "" },
			`consent card “We store what you tell us.”: the consent text's version is empty`, "version"},
		{"required consent with a declined path", func(in *playbook.Input) { card(in, "crd_gdpr").Required = true },
			`consent card “We store what you tell us.”: a required consent card cannot have a declined path: the visitor must agree to go on`, "declined_path"},
		{"unknown action", func(in *playbook.Input) { card(in, "crd_lead").Action = "delete" },
			`action card “delete”: action must be qualify, disqualify, create_person, create_lead, create_deal or create_activity`, "action"},
		{"lead without title", func(in *playbook.Input) { card(in, "crd_lead").Lead.Title = "" },
			`action card “create lead”: the lead's title is empty`, "lead.title"},
		{"lead value without currency", func(in *playbook.Input) { card(in, "crd_lead").Lead.Value = 5000 },
			`action card “create lead: Website chat”: a lead with a value needs a currency`, "lead.currency"},
		{"lead currency", func(in *playbook.Input) { card(in, "crd_lead").Lead.Currency = "euro" },
			`action card “create lead: Website chat”: currency must be a three-letter ISO 4217 code such as EUR`, "lead.currency"},
		{"card without id is placed", func(in *playbook.Input) {
			c := card(in, "crd_live")
			c.OfflinePath[2] = playbook.Card{Type: playbook.MessageCard}
		}, `message card at path[2].answers[0].path[0].offline_path[2]: the text is empty`, "markdown"},
		{"empty flow", func(in *playbook.Input) { in.Flow = &playbook.Flow{} }, `the flow needs at least one card`, "flow"},
		{"too deep", func(in *playbook.Input) {
			path := []playbook.Card{{Type: playbook.EndCard}}
			for range playbook.MaxDepth + 1 {
				path = []playbook.Card{{Type: playbook.QuestionCard, Markdown: "?", Answers: []playbook.Answer{{Label: "a", Path: path}}}}
			}
			in.Flow = &playbook.Flow{Path: path}
		}, `paths are nested more than 10 deep at path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path[0].answers[0].path`, "flow"},
		{"too many cards", func(in *playbook.Input) {
			for range playbook.MaxCards {
				in.Flow.Path = append([]playbook.Card{{Type: playbook.MessageCard, Markdown: "hi"}}, in.Flow.Path...)
			}
		}, `the flow has 301 cards; at most 300 are allowed`, "flow"},
		{"name", func(in *playbook.Input) { in.Name = " " }, `name is required`, "name"},
		{"delay", func(in *playbook.Input) { in.DelaySeconds = 3601 }, `delay must be between 0 and 3600 seconds`, "delay_seconds"},
		{"language", func(in *playbook.Input) { in.Appearance.Language = "fr" }, `language must be one of en, de, nl, tr, hu`, "appearance.language"},
		{"colour", func(in *playbook.Input) { in.Appearance.Color = "red" }, `colour "red" is not written as #rrggbb`, "appearance.color"},
		{"text colour", func(in *playbook.Input) { in.Appearance.TextColor = "#fff" }, `colour "#fff" is not written as #rrggbb`, "appearance.text_color"},
		{"icon", func(in *playbook.Input) { in.Appearance.Icon = "rocket" }, `icon must be one of chat, help, wave`, "appearance.icon"},
		{"side", func(in *playbook.Input) { in.Appearance.Side = "top" }, `side must be right or left`, "appearance.side"},
		{"avatar", func(in *playbook.Input) { in.Appearance.Avatar = "javascript:alert(1)" },
			`avatar must be an https:// URL or a path on this server starting with /`, "appearance.avatar"},
		{"rule regex", func(in *playbook.Input) {
			in.Targeting = []playbook.Rule{{Match: playbook.Regex, Value: "(unclosed"}}
		}, "URL rule 1 is not a valid regular expression: missing closing ): `(unclosed`", "targeting[0].value"},
		{"rule match", func(in *playbook.Input) { in.Targeting = []playbook.Rule{{Match: "like", Value: "/x"}} },
			`URL rule 1: match must be equals, contains, starts_with or regex`, "targeting[0].match"},
		{"rule value", func(in *playbook.Input) { in.Targeting = []playbook.Rule{{Match: playbook.Equals}} },
			`URL rule 1 has no value`, "targeting[0].value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput(t)
			tc.change(in)
			ps := playbook.Prepare(in)
			if len(ps) == 0 {
				t.Fatal("accepted")
			}
			err := ps.Err()
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("kind %v", errs.KindOf(err))
			}
			code, msg := errs.Public(err)
			msg, _, _ = strings.Cut(msg, " (and ")
			if code != "playbook_invalid" || msg != tc.want {
				t.Fatalf("got  %s %s\nwant %s", code, msg, tc.want)
			}
			if ps[0].Field != tc.field {
				t.Fatalf("field %q, want %q", ps[0].Field, tc.field)
			}
			if got := playbook.ProblemsOf(err); len(got) != len(ps) {
				t.Fatalf("details hold %d problems, want %d", len(got), len(ps))
			}
		})
	}
}

func TestPrepareNormalisesAndFillsIn(t *testing.T) {
	in := &playbook.Input{Name: "  Bot  ", Appearance: playbook.Appearance{Color: "#ABCDEF", Language: "de"}, Flow: &playbook.Flow{Path: []playbook.Card{
		{Type: playbook.QuestionCard, Markdown: " Pay with 4111 1111 1111 1111? ", Answers: []playbook.Answer{{Label: "Yes", Path: []playbook.Card{
			{Type: playbook.CaptureCard, Markdown: "Email?", Field: &playbook.Field{Type: playbook.EmailField}, Answers: []playbook.Answer{{Label: "stray"}}},
			{Type: playbook.ConsentCard, Markdown: "OK?", ConsentVersion: "1"},
			{Type: playbook.LiveChatCard, OnlineMarkdown: "on", OfflineMarkdown: "off"},
		}}}},
	}}}
	if ps := playbook.Prepare(in); len(ps) > 0 {
		t.Fatal(ps.Err())
	}
	a := in.Appearance
	if in.Name != "Bot" || a.Color != "#abcdef" || a.TextColor != "#ffffff" || a.Icon != "chat" || a.Side != "right" || a.BotName != "Assistent" {
		t.Fatalf("defaults: %q %+v", in.Name, a)
	}
	q := in.Flow.Path[0]
	if !strings.HasPrefix(q.ID, "crd_") || len(q.ID) != 14 || !strings.HasPrefix(q.Answers[0].ID, "ans_") {
		t.Fatalf("ids: %q %q", q.ID, q.Answers[0].ID)
	}
	if q.Markdown != "Pay with •••• •••• •••• 1111?" {
		t.Fatalf("markdown not trimmed and masked: %q", q.Markdown)
	}
	capture := q.Answers[0].Path[0]
	if f := capture.Field; f.Key != "email" || f.Label != "E-Mail" || f.Rules.MaxLength != 254 || capture.Answers != nil {
		t.Fatalf("capture: %+v %+v", capture, f)
	}
	if c := q.Answers[0].Path[1]; c.CheckboxLabel != "Ich bin mit der Verarbeitung meiner Daten einverstanden" {
		t.Fatalf("consent checkbox: %q", c.CheckboxLabel)
	}
	if c := q.Answers[0].Path[2]; c.WaitingSeconds != 120 {
		t.Fatalf("waiting default: %d", c.WaitingSeconds)
	}
	if in.Targeting == nil {
		t.Fatal("targeting left nil")
	}
	// Validation alone gives no ids: a rejected flow keeps the client's.
	bad := &playbook.Flow{Path: []playbook.Card{{Type: playbook.MessageCard}}}
	if ps := playbook.PrepareFlow(bad, "en"); len(ps) != 1 || bad.Path[0].ID != "" {
		t.Fatalf("problems %v, id %q", ps, bad.Path[0].ID)
	}
}

func TestCheckPattern(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		ok      bool
	}{
		{`^[0-9]+$`, true},
		{`^\d{6,10}$`, true},
		{`^[A-Z]{2}-\d+$`, true},
		{`^(?:ab|cd)\.x$`, true},
		{`^(?<user>[a-z]+)@example\.com$`, true},
		{`^[\w.+-]+$`, true},
		{`^[a\-z]+$`, true},
		{`^\$\d+$`, true},
		{`^(?P<user>[a-z]+)$`, false}, // Python-style name
		{`(?i)^abc$`, false},          // flags
		{`^\pL+$`, false},             // Unicode class
		{`^\p{L}+$`, false},
		{`^[[:alpha:]]+$`, false}, // POSIX class
		{`\A[a-z]+\z`, false},
		{`^\x{41}$`, false},
		{`^\@$`, false},    // identity escape JavaScript's u mode refuses
		{`^a\-b$`, false},  // \- outside a class
		{`^a{$`, false},    // lone brace
		{`^a]$`, false},    // lone bracket
		{`^[]a]$`, false},  // ] first in a class
		{`^abc\$`, false},  // the $ is escaped: not anchored
		{`abc$`, false},    // not anchored at the start
		{`^(a$`, false},    // does not compile
		{`^(?=a)$`, false}, // lookahead: not RE2
	} {
		err := playbook.CheckPattern(tc.pattern)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.pattern, err, tc.ok)
		}
	}
}
