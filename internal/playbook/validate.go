package playbook

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
	"github.com/parleyhq/parley/internal/mask"
	"github.com/parleyhq/parley/internal/richtext"
)

// Limits on what one playbook may hold.
const (
	MaxCards         = 300  // cards in a flow, all paths together
	MaxDepth         = 10   // paths nested in paths
	MaxMarkdown      = 4000 // characters of one card's rich text
	MaxAnswers       = 10
	MaxRules         = 50
	MinWaitSeconds   = 10
	MaxWaitSeconds   = 3600
	MaxDelaySeconds  = 3600
	MaxPriority      = 1000
	maxLabel         = 80  // answer buttons
	maxFieldText     = 100 // field label and placeholder
	maxHint          = 300
	maxCheckbox      = 300
	maxConsentVer    = 40
	maxName          = 100
	maxRuleValue     = 500
	maxPattern       = 500
	maxAvatar        = 500
	maxBotName       = 60
	maxLeadTitle     = 200
	maxID            = 64
	defaultWaiting   = 120
	defaultColor     = "#1f6feb"
	defaultTextColor = "#ffffff"
)

// Problem is one reason a playbook cannot be saved, placed so an editor can show it next to the
// card and field it concerns.
type Problem struct {
	CardID   string   `json:"card_id,omitempty"`
	CardType CardType `json:"card_type,omitempty"`
	// Location places the card in the tree, for cards without an id yet: e.g.
	// "path[1].answers[0].path[2]".
	Location string `json:"location,omitempty"`
	// Field is the field at fault: within the card ("waiting_seconds", "answers[1].label",
	// "field.rules.pattern"), or of the playbook ("appearance.color", "targeting[0].value").
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	// CardText is the start of the card's text, which names it for people (ids are for programs).
	CardText string `json:"card_text,omitempty"`
}

// String is the problem as one sentence naming the card by its type and text, as the editor
// shows it: `live chat card “One moment, a colleague will be with you…”: waiting time must be
// between 10 and 3600 seconds`. A card without text is named by its place in the flow.
func (p Problem) String() string {
	switch {
	case p.CardType != "" && p.CardText != "":
		return fmt.Sprintf("%s card “%s”: %s", p.CardType.label(), p.CardText, p.Message)
	case p.CardType != "" && p.Location != "":
		return fmt.Sprintf("%s card at %s: %s", p.CardType.label(), p.Location, p.Message)
	case p.CardType != "":
		return fmt.Sprintf("%s card: %s", p.CardType.label(), p.Message)
	}
	return p.Message
}

// Problems is every reason a playbook cannot be saved.
type Problems []Problem

// Err is nil without problems; otherwise an Invalid error (code "playbook_invalid") whose message
// is the first problem and whose details hold them all as {"problems": [...]}.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	msg := ps[0].String()
	if len(ps) > 1 {
		msg += " (and " + plural(len(ps)-1, "more problem") + ")"
	}
	return errs.WithDetails(errs.Invalid, "playbook_invalid", map[string]any{"problems": ps}, "%s", msg)
}

// ProblemsOf returns the problems carried by an error from Problems.Err; nil for other errors.
func ProblemsOf(err error) Problems {
	if d, ok := errs.DetailsOf(err).(map[string]any); ok {
		if ps, ok := d["problems"].(Problems); ok {
			return ps
		}
	}
	return nil
}

// Prepare cleans in (trims text, masks card numbers, fills in defaults and the fixed keys of
// built-in fields, drops fields a card's type does not use) and checks every rule. Only when there
// are no problems does it give cards and answers without an id a new one, so problems name cards by
// the ids the client sent, or by their place in the tree. Teams are checked by the caller.
func Prepare(in *Input) Problems {
	var c checker
	in.Name = clean(in.Name)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		c.add("name", "name is required")
	case n > maxName:
		c.add("name", "name is longer than %d characters", maxName)
	}
	if in.Priority < -MaxPriority || in.Priority > MaxPriority {
		c.add("priority", "priority must be between %d and %d", -MaxPriority, MaxPriority)
	}
	if in.DelaySeconds < 0 || in.DelaySeconds > MaxDelaySeconds {
		c.add("delay_seconds", "delay must be between 0 and %d seconds", MaxDelaySeconds)
	}
	in.Targeting = c.targeting(in.Targeting)
	c.appearance(&in.Appearance)
	if in.Flow == nil {
		in.Flow = &Flow{}
	}
	c.flow(in.Flow, in.Appearance.Language)
	if len(c.problems) == 0 {
		assignIDs(in.Flow)
	}
	return c.problems
}

// PrepareFlow is Prepare for a flow alone, with default texts in lang.
func PrepareFlow(f *Flow, lang string) Problems {
	var c checker
	c.flow(f, lang)
	if len(c.problems) == 0 {
		assignIDs(f)
	}
	return c.problems
}

type checker struct {
	problems Problems
	ids      map[string]bool
	cards    int
	lang     string
}

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// on records a problem with a card.
func (c *checker) on(card *Card, loc, field, format string, args ...any) {
	p := Problem{CardID: card.ID, CardType: card.Type, Field: field, Message: fmt.Sprintf(format, args...), CardText: card.Snippet()}
	if card.ID == "" {
		p.Location = loc
	}
	c.problems = append(c.problems, p)
}

// clean trims text and masks payment card numbers in it, as every stored text is.
func clean(s string) string {
	s, _ = mask.String(strings.TrimSpace(s))
	return s
}

var hexColor = regexp.MustCompile(`^#[0-9a-f]{6}$`)

func (c *checker) appearance(a *Appearance) {
	a.Language = strings.ToLower(strings.TrimSpace(a.Language))
	if a.Language == "" {
		a.Language = "en"
	}
	if !slices.Contains(Languages, a.Language) {
		c.add("appearance.language", "language must be one of %s", strings.Join(Languages, ", "))
	}
	for _, col := range []struct {
		v     *string
		field string
		def   string
	}{{&a.Color, "appearance.color", defaultColor}, {&a.TextColor, "appearance.text_color", defaultTextColor}} {
		*col.v = strings.ToLower(strings.TrimSpace(*col.v))
		if *col.v == "" {
			*col.v = col.def
		}
		if !hexColor.MatchString(*col.v) {
			c.add(col.field, "colour %q is not written as #rrggbb", *col.v)
		}
	}
	a.Icon = strings.TrimSpace(a.Icon)
	if a.Icon == "" {
		a.Icon = Icons[0]
	}
	if !slices.Contains(Icons, a.Icon) {
		c.add("appearance.icon", "icon must be one of %s", strings.Join(Icons, ", "))
	}
	a.Side = strings.TrimSpace(a.Side)
	if a.Side == "" {
		a.Side = "right"
	}
	if a.Side != "right" && a.Side != "left" {
		c.add("appearance.side", "side must be right or left")
	}
	a.BotName = clean(a.BotName)
	if a.BotName == "" {
		a.BotName = textsFor(a.Language).BotName
	}
	if utf8.RuneCountInString(a.BotName) > maxBotName {
		c.add("appearance.bot_name", "the bot's name is longer than %d characters", maxBotName)
	}
	a.Avatar = strings.TrimSpace(a.Avatar)
	if a.Avatar != "" && !validAvatar(a.Avatar) {
		c.add("appearance.avatar", "avatar must be an https:// URL or a path on this server starting with /")
	}
}

func validAvatar(s string) bool {
	if len(s) > maxAvatar || strings.ContainsAny(s, " \t\r\n\\\"'<>") {
		return false
	}
	if strings.HasPrefix(s, "/") {
		return !strings.HasPrefix(s, "//")
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func (c *checker) targeting(rules []Rule) []Rule {
	if rules == nil {
		rules = []Rule{}
	}
	if len(rules) > MaxRules {
		c.add("targeting", "at most %d URL rules", MaxRules)
		return rules
	}
	for i := range rules {
		r := &rules[i]
		field := fmt.Sprintf("targeting[%d]", i)
		r.Value = strings.TrimSpace(r.Value)
		switch {
		case r.Value == "":
			c.add(field+".value", "URL rule %d has no value", i+1)
		case len(r.Value) > maxRuleValue:
			c.add(field+".value", "URL rule %d is longer than %d characters", i+1, maxRuleValue)
		}
		switch r.Match {
		case Equals, Contains, StartsWith:
			r.Value = normalizeRuleURL(r.Value)
		case Regex:
			if _, err := regexp.Compile(r.Value); err != nil && r.Value != "" {
				c.add(field+".value", "URL rule %d is not a valid regular expression: %s", i+1, reError(err))
			}
		default:
			c.add(field+".match", "URL rule %d: match must be equals, contains, starts_with or regex", i+1)
		}
	}
	return rules
}

// flow checks the whole tree.
func (c *checker) flow(f *Flow, lang string) {
	c.lang = lang
	c.ids = map[string]bool{}
	if len(f.Path) == 0 {
		c.add("flow", "the flow needs at least one card")
		return
	}
	c.path(f.Path, "path", 0, nil)
	if c.cards > MaxCards {
		c.add("flow", "the flow has %d cards; at most %d are allowed", c.cards, MaxCards)
	}
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// path checks one path. liveAbove is the live chat card whose offline path this path is (or is
// inside), if any: a route from the start to any card holds at most one live chat card.
func (c *checker) path(path []Card, loc string, depth int, liveAbove *Card) {
	if depth > MaxDepth {
		c.add("flow", "paths are nested more than %d deep at %s", MaxDepth, loc)
		return
	}
	var live *Card
	for i := range path {
		card := &path[i]
		cloc := fmt.Sprintf("%s[%d]", loc, i)
		c.cards++
		if c.cards > MaxCards {
			return // reported once by flow
		}
		card.ID = strings.TrimSpace(card.ID)
		if card.ID != "" {
			switch {
			case len(card.ID) > maxID || !idPattern.MatchString(card.ID):
				c.on(card, cloc, "id", "id may hold only letters, digits, _ and -, at most %d", maxID)
			case c.ids[card.ID]:
				c.on(card, cloc, "id", "another card has the same id")
			}
			c.ids[card.ID] = true
		}
		if !slices.Contains(CardTypes, card.Type) {
			c.on(card, cloc, "type", "unknown card type %q", card.Type)
			continue
		}
		*card = keepFieldsOf(*card)
		switch card.Type {
		case MessageCard:
			c.markdown(card, cloc, "markdown", &card.Markdown, true)
		case QuestionCard:
			c.question(card, cloc, depth, liveAbove)
		case CaptureCard:
			c.markdown(card, cloc, "markdown", &card.Markdown, true)
			c.capture(card, cloc)
		case ConsentCard:
			c.consent(card, cloc, depth, liveAbove)
		case ActionCard:
			c.action(card, cloc)
		case LiveChatCard:
			switch {
			case liveAbove != nil:
				c.on(card, cloc, "type", "a route may reach only one live chat card, and this one is below the live chat card %s", nameOf(liveAbove))
			case live != nil:
				c.on(card, cloc, "type", "a path may hold only one live chat card, and this path already has the live chat card %s", nameOf(live))
			}
			live = card
			c.liveChat(card, cloc, depth)
		}
		if (card.Type == QuestionCard || card.Type == LiveChatCard || card.Type == EndCard) && i < len(path)-1 {
			c.on(card, cloc, "type", "must be the last card of its path: the %s after it would never be shown", plural(len(path)-1-i, "card"))
		}
	}
}

// nameOf names another card in a problem's message, by its text as the editor shows it.
func nameOf(c *Card) string {
	if t := c.Snippet(); t != "" {
		return "“" + t + "”"
	}
	return "above it"
}

// Snippet is the start of the card's text (its message, question or online message, else its
// field's label or action), on one line, cut to about 40 characters: how people tell cards apart.
func (c *Card) Snippet() string {
	text := c.Markdown
	switch {
	case c.Type == LiveChatCard:
		text = c.OnlineMarkdown
	case text == "" && c.Field != nil:
		text = c.Field.Label
	case text == "" && c.Type == ConsentCard:
		text = c.CheckboxLabel
	case text == "" && c.Type == ActionCard:
		text = strings.ReplaceAll(string(c.Action), "_", " ")
		switch {
		case c.Lead != nil && c.Lead.Title != "":
			text += ": " + c.Lead.Title
		case c.Deal != nil && c.Deal.Title != "":
			text += ": " + c.Deal.Title
		case c.Activity != nil && c.Activity.Subject != "":
			text += ": " + c.Activity.Subject
		}
	default:
		text = richtext.PlainText(text)
	}
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > 40 {
		cut := strings.LastIndex(string(r[:40]), " ")
		if cut < 20 {
			cut = len(string(r[:40]))
		}
		text = strings.TrimRight(string(r[:40])[:cut], " ,.;:") + "…"
	}
	return text
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// keepFieldsOf returns the card with only the fields its type uses.
func keepFieldsOf(c Card) Card {
	out := Card{ID: c.ID, Type: c.Type}
	switch c.Type {
	case MessageCard:
		out.Markdown = c.Markdown
	case QuestionCard:
		out.Markdown, out.Answers = c.Markdown, c.Answers
	case CaptureCard:
		out.Markdown, out.Field = c.Markdown, c.Field
	case ConsentCard:
		out.Markdown, out.ConsentVersion, out.CheckboxLabel, out.Required, out.DeclinedPath =
			c.Markdown, c.ConsentVersion, c.CheckboxLabel, c.Required, c.DeclinedPath
	case ActionCard:
		out.Action, out.Lead, out.Deal, out.Activity, out.Owner = c.Action, c.Lead, c.Deal, c.Activity, c.Owner
	case LiveChatCard:
		out.OnlineMarkdown, out.WaitingSeconds, out.OfflineMarkdown, out.TeamID, out.OfflinePath =
			c.OnlineMarkdown, c.WaitingSeconds, c.OfflineMarkdown, c.TeamID, c.OfflinePath
	}
	return out
}

func (c *checker) markdown(card *Card, loc, field string, s *string, required bool) {
	*s = clean(*s)
	n := utf8.RuneCountInString(*s)
	switch {
	case n == 0 && required:
		c.on(card, loc, field, "%s is empty", textName(field))
	case n > MaxMarkdown:
		c.on(card, loc, field, "%s is %d characters long; at most %d are allowed", textName(field), n, MaxMarkdown)
	}
}

func textName(field string) string {
	switch field {
	case "online_markdown":
		return "the online message"
	case "offline_markdown":
		return "the offline message"
	}
	return "the text"
}

// text cleans a one-line text and checks its length; required text must not be empty.
func (c *checker) text(card *Card, loc, field, what string, s *string, max int, required bool) {
	*s = clean(*s)
	n := utf8.RuneCountInString(*s)
	switch {
	case n == 0 && required:
		c.on(card, loc, field, "%s is empty", what)
	case n > max:
		c.on(card, loc, field, "%s is longer than %d characters", what, max)
	}
}

func (c *checker) question(card *Card, loc string, depth int, liveAbove *Card) {
	c.markdown(card, loc, "markdown", &card.Markdown, true)
	if len(card.Answers) < 1 || len(card.Answers) > MaxAnswers {
		c.on(card, loc, "answers", "a question needs 1 to %d answers, not %d", MaxAnswers, len(card.Answers))
	}
	seen := map[string]bool{}
	for i := range card.Answers {
		a := &card.Answers[i]
		field := fmt.Sprintf("answers[%d]", i)
		a.ID = strings.TrimSpace(a.ID)
		if a.ID != "" {
			switch {
			case len(a.ID) > maxID || !idPattern.MatchString(a.ID):
				c.on(card, loc, field+".id", "answer %d: id may hold only letters, digits, _ and -, at most %d", i+1, maxID)
			case seen[a.ID]:
				c.on(card, loc, field+".id", "answer %d has the same id as another answer (%q)", i+1, a.ID)
			}
			seen[a.ID] = true
		}
		c.text(card, loc, field+".label", fmt.Sprintf("the label of answer %d", i+1), &a.Label, maxLabel, true)
		if a.Path == nil {
			a.Path = []Card{}
		}
		c.path(a.Path, fmt.Sprintf("%s.answers[%d].path", loc, i), depth+1, liveAbove)
	}
}

var customKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func (c *checker) capture(card *Card, loc string) {
	f := card.Field
	if f == nil {
		c.on(card, loc, "field", "choose what the card asks for (name, email, phone, company or custom)")
		return
	}
	f.Type = FieldType(strings.TrimSpace(string(f.Type)))
	f.Key = strings.TrimSpace(f.Key)
	t := textsFor(c.lang)
	limit := customMax
	switch f.Type {
	case NameField, EmailField, PhoneField, CompanyField:
		if f.Key == "" {
			f.Key = string(f.Type)
		}
		if f.Key != string(f.Type) {
			c.on(card, loc, "field.key", "the key of %s field is always %q", withArticle(f.Type), f.Type)
		}
		if strings.TrimSpace(f.Label) == "" {
			f.Label = t.FieldLabel[f.Type]
		}
		limit = builtinMax[f.Type]
	case CustomField:
		switch {
		case f.Key == "":
			c.on(card, loc, "field.key", "a custom field needs a key to store its value under")
		case !customKey.MatchString(f.Key):
			c.on(card, loc, "field.key", "key %q must start with a lower-case letter and hold only a-z, 0-9 and _, at most 40", f.Key)
		case builtinMax[FieldType(f.Key)] != 0:
			c.on(card, loc, "field.key", "key %q belongs to the %s field type; use that type instead", f.Key, f.Key)
		}
	default:
		c.on(card, loc, "field.type", "field type must be one of name, email, phone, company or custom")
		return
	}
	c.text(card, loc, "field.label", "the field's label", &f.Label, maxFieldText, true)
	c.text(card, loc, "field.placeholder", "the placeholder", &f.Placeholder, maxFieldText, false)
	r := &f.Rules
	c.text(card, loc, "field.rules.hint", "the hint", &r.Hint, maxHint, false)
	if r.MaxLength == 0 {
		r.MaxLength = limit
	}
	switch {
	case r.MinLength < 0:
		c.on(card, loc, "field.rules.min_length", "the minimum length cannot be negative")
	case r.MaxLength < 1 || r.MaxLength > limit:
		c.on(card, loc, "field.rules.max_length", "the maximum length of %s field must be between 1 and %d", withArticle(f.Type), limit)
	case r.MinLength > r.MaxLength:
		c.on(card, loc, "field.rules.min_length", "the minimum length %d is more than the maximum %d", r.MinLength, r.MaxLength)
	}
	r.Pattern = strings.TrimSpace(r.Pattern)
	if r.Pattern != "" {
		if err := CheckPattern(r.Pattern); err != nil {
			c.on(card, loc, "field.rules.pattern", "%s", err)
		}
	}
}

func (c *checker) consent(card *Card, loc string, depth int, liveAbove *Card) {
	c.markdown(card, loc, "markdown", &card.Markdown, true)
	c.text(card, loc, "version", "the consent text's version", &card.ConsentVersion, maxConsentVer, true)
	if strings.TrimSpace(card.CheckboxLabel) == "" {
		card.CheckboxLabel = textsFor(c.lang).ConsentCheckbox
	}
	c.text(card, loc, "checkbox_label", "the checkbox label", &card.CheckboxLabel, maxCheckbox, true)
	if card.Required && len(card.DeclinedPath) > 0 {
		c.on(card, loc, "declined_path", "a required consent card cannot have a declined path: the visitor must agree to go on")
	}
	if len(card.DeclinedPath) > 0 {
		c.path(card.DeclinedPath, loc+".declined_path", depth+1, liveAbove)
	}
}

// withArticle is "an email", "a name".
func withArticle(t FieldType) string {
	if t == EmailField {
		return "an email"
	}
	return "a " + string(t)
}

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

func (c *checker) action(card *Card, loc string) {
	if !card.Action.Creates() {
		card.Owner = nil
	}
	if card.Action != CreateLead {
		card.Lead = nil
	}
	if card.Action != CreateDeal {
		card.Deal = nil
	}
	if card.Action != CreateActivity {
		card.Activity = nil
	}
	switch card.Action {
	case Qualify, Disqualify, CreatePerson:
	case CreateLead:
		if card.Lead == nil {
			card.Lead = &Lead{}
		}
		l := card.Lead
		c.text(card, loc, "lead.title", "the lead's title", &l.Title, maxLeadTitle, true)
		c.money(card, loc, "lead", &l.Value, &l.Currency)
	case CreateDeal:
		if card.Deal == nil {
			card.Deal = &Deal{}
		}
		d := card.Deal
		c.text(card, loc, "deal.title", "the deal's title", &d.Title, maxLeadTitle, true)
		c.money(card, loc, "deal", &d.Value, &d.Currency)
		if d.PipelineID < 0 || d.StageID < 0 {
			c.on(card, loc, "deal.stage_id", "pipeline_id and stage_id are ids, or 0 for the default pipeline's first stage")
		}
	case CreateActivity:
		if card.Activity == nil {
			card.Activity = &Activity{}
		}
		a := card.Activity
		c.text(card, loc, "activity.subject", "the activity's subject", &a.Subject, maxLeadTitle, true)
		if a.Type == "" {
			a.Type = "task"
		}
		switch a.Type {
		case "call", "meeting", "task", "email", "deadline":
		default:
			c.on(card, loc, "activity.type", "the activity's type must be call, meeting, task, email or deadline")
		}
		if a.DueInDays < 0 || a.DueInDays > 365 {
			c.on(card, loc, "activity.due_in_days", "the activity is due 0 to 365 days after it is made")
		}
		if a.DueTime != "" {
			if t, err := time.Parse("15:04", a.DueTime); err != nil || t.Format("15:04") != a.DueTime {
				c.on(card, loc, "activity.due_time", "the time is written HH:MM, or left empty for all day")
			}
		}
	default:
		c.on(card, loc, "action", "action must be qualify, disqualify, create_person, create_lead, create_deal or create_activity")
	}
	if o := card.Owner; o != nil {
		switch {
		case o.UserID < 0 || o.TeamID < 0:
			c.on(card, loc, "owner", "the owner is a user's or a team's id")
		case o.UserID != 0 && o.TeamID != 0:
			c.on(card, loc, "owner", "the owner is a user or a team, not both")
		case o.UserID == 0 && o.TeamID == 0:
			card.Owner = nil
		}
	}
}

// money checks an action's value and currency.
func (c *checker) money(card *Card, loc, what string, value *int64, currency *string) {
	*currency = strings.ToUpper(strings.TrimSpace(*currency))
	switch {
	case *value < 0:
		c.on(card, loc, what+".value", "the %s's value cannot be negative", what)
	case *currency != "" && !currencyCode.MatchString(*currency):
		c.on(card, loc, what+".currency", "currency must be a three-letter ISO 4217 code such as EUR")
	case *value > 0 && *currency == "":
		c.on(card, loc, what+".currency", "a %s with a value needs a currency", what)
	}
}

func (c *checker) liveChat(card *Card, loc string, depth int) {
	c.markdown(card, loc, "online_markdown", &card.OnlineMarkdown, true)
	c.markdown(card, loc, "offline_markdown", &card.OfflineMarkdown, true)
	if card.WaitingSeconds == 0 {
		card.WaitingSeconds = defaultWaiting
	}
	if card.WaitingSeconds < MinWaitSeconds || card.WaitingSeconds > MaxWaitSeconds {
		c.on(card, loc, "waiting_seconds", "waiting time must be between %d and %d seconds", MinWaitSeconds, MaxWaitSeconds)
	}
	if card.TeamID < 0 {
		c.on(card, loc, "team_id", "team %d does not exist", card.TeamID)
	}
	c.path(card.OfflinePath, loc+".offline_path", depth+1, card)
}

// CheckPattern checks a capture rule's pattern: it must compile in RE2, mean the same in
// JavaScript (the widget checks it first, with or without the u flag), and be anchored with ^ and
// $ so it judges the whole value.
func CheckPattern(p string) error {
	if len(p) > maxPattern {
		return fmt.Errorf("the pattern is longer than %d characters", maxPattern)
	}
	if _, err := regexp.Compile(p); err != nil {
		return fmt.Errorf("the pattern is not a valid regular expression: %s", reError(err))
	}
	if err := jsCompatible(p); err != nil {
		return err
	}
	if !strings.HasPrefix(p, "^") || !strings.HasSuffix(p, "$") || escapedAt(p, len(p)-1) {
		return fmt.Errorf("the pattern must start with ^ and end with $, so it matches the whole value")
	}
	return nil
}

// jsCompatible refuses the RE2 syntax that JavaScript reads differently or not at all.
func jsCompatible(p string) error {
	inClass := false
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case ch == '\\' && i+1 < len(p):
			e := p[i+1]
			i++
			switch {
			case strings.IndexByte("dDwWsSbBnrtfv", e) >= 0:
			case e == 'x':
				if i+1 < len(p) && p[i+1] == '{' {
					return fmt.Errorf(`the pattern uses \x{…}, which JavaScript does not know; write \xHH or the character itself`)
				}
			case e == 'p' || e == 'P':
				return fmt.Errorf(`the pattern uses a Unicode class (\%c), which JavaScript reads differently; list the characters instead`, e)
			case strings.IndexByte(`^$\.*+?()[]{}|/`, e) >= 0:
			case e == '-' && inClass:
			case e >= 'a' && e <= 'z' || e >= 'A' && e <= 'Z' || e >= '0' && e <= '9':
				return fmt.Errorf(`the pattern uses \%c, which JavaScript does not know`, e)
			default:
				return fmt.Errorf(`the pattern escapes %q, which JavaScript refuses; write it without the backslash`, e)
			}
		case inClass:
			if ch == ']' {
				inClass = false
			} else if ch == '[' && i+1 < len(p) && p[i+1] == ':' {
				return fmt.Errorf("the pattern uses a POSIX class like [[:alpha:]], which JavaScript does not know")
			}
		case ch == '[':
			inClass = true
			// A ']' right after '[' or '[^' is a literal in RE2, but closes an empty class in JavaScript.
			if strings.HasPrefix(p[i+1:], "]") || strings.HasPrefix(p[i+1:], "^]") {
				return fmt.Errorf("the pattern starts a character class with ], which JavaScript reads differently; escape it as \\]")
			}
		case ch == '{':
			m := repetition.FindString(p[i:])
			if m == "" {
				return fmt.Errorf("the pattern has a { that is not a repetition like {2,5}; escape it as \\{")
			}
			i += len(m) - 1
		case ch == ']' || ch == '}':
			return fmt.Errorf("the pattern has a lone %c, which JavaScript refuses; escape it as \\%c", ch, ch)
		case ch == '(' && strings.HasPrefix(p[i+1:], "?"):
			rest := p[i+2:]
			switch {
			case strings.HasPrefix(rest, ":"):
			case strings.HasPrefix(rest, "P<"):
				return fmt.Errorf("the pattern uses (?P<name>…), which JavaScript does not know; write (?<name>…)")
			case strings.HasPrefix(rest, "<"):
			default:
				return fmt.Errorf("the pattern uses flags like (?i), which JavaScript does not know; list both cases instead, e.g. [Aa]")
			}
		}
	}
	return nil
}

var repetition = regexp.MustCompile(`^\{[0-9]+(,[0-9]*)?\}`)

// escapedAt reports whether the byte at i is escaped by an odd number of backslashes before it.
func escapedAt(s string, i int) bool {
	n := 0
	for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
		n++
	}
	return n%2 == 1
}

// reError is a regexp error without Go's "error parsing regexp: " prefix.
func reError(err error) string {
	return strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}

// assignIDs gives cards and answers without an id a new random one.
func assignIDs(f *Flow) {
	f.Walk(func(c *Card, _ int) bool {
		if c.ID == "" {
			c.ID = NewID("crd_")
		}
		for i := range c.Answers {
			if c.Answers[i].ID == "" {
				c.Answers[i].ID = NewID("ans_")
			}
		}
		return true
	})
}

// NewID returns prefix and ten random lower-case letters and digits.
func NewID(prefix string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}
