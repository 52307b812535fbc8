// Package reply finds what a contact actually wrote in an email reply: it hides the quoted
// history (attribution lines such as "On Tue, X wrote:" in many languages, "> " lines, Outlook's
// "From: / Sent: / To: / Subject:" blocks, "-----Original Message-----", forwarded messages) and
// signatures ("-- ", "Sent from my iPhone" and its translations). Nothing is thrown away: what is
// hidden comes back in Result.Quoted, and callers keep the original message.
//
// The rules are held to the corpus in testdata/email-replies, fixtures of several open-source
// reply parsers with their expectations (see its README and licenses).
package reply

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Result is a reply split into what the contact wrote and what is hidden.
type Result struct {
	// Visible is the reply the contact wrote, trimmed.
	Visible string
	// Quoted is everything hidden (quoted history, headers, signatures), in order, so that
	// Visible and Quoted together hold every line of the input.
	Quoted string
	// VisibleHTML is the kept part of an HTML body as an HTML fragment (SplitHTML only). It is not
	// sanitised: treat it like any HTML from outside.
	VisibleHTML string
}

// line is one line of a body with what the rules need to know about it.
type line struct {
	text  string // as written, without the line break
	clean string // for matching only (see cleanLine)
	blank bool
	quote bool // starts with ">" (or a Supercite prefix like "JD>")
	code  bool // inside a ``` fence: never a marker
	// rendered from HTML: there the markup says what is quoted, and no line is a quoted line
	// that a client wrapped.
	rendered bool
	verb     bool   // holds a "wrote" verb (set by classify)
	colon    bool   // ends with a colon
	key      string // the header field the line starts with ("from", "sent", ...), if any
}

// maxAttribution is the longest attribution looked for, in bytes (a long name, address and
// date in a script of several bytes a letter).
const maxAttribution = 600

// classify fills in what the rules ask of a line more than once.
func (l *line) classify() {
	l.blank = l.clean == ""
	if l.blank {
		return
	}
	l.colon = strings.HasSuffix(l.clean, ":") || strings.HasSuffix(l.clean, "：")
	l.key, _ = headerKey(l.clean)
	l.verb = len(l.clean) <= maxAttribution && lastVerb(strings.ToLower(l.clean)) >= 0
}

// Split finds the reply in a plain-text body.
func Split(text string) Result {
	ls := splitLines(text)
	hidden := make([]bool, len(ls))
	tail := analyse(ls, hidden)
	return result(ls, hidden, tail)
}

func splitLines(text string) []line {
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.Contains(text, "\r") {
		text = strings.ReplaceAll(text, "\r\n", "\n")
		text = strings.ReplaceAll(text, "\r", "\n") // old Mac line ends
	}
	raw := strings.Split(text, "\n")
	ls := make([]line, len(raw))
	fence := false
	for i, t := range raw {
		c := cleanLine(t)
		l := line{text: t, clean: c}
		l.classify()
		if strings.HasPrefix(c, "```") {
			l.code, fence = true, !fence
		} else if fence {
			l.code = true
		} else {
			l.quote = isQuoteLine(c)
		}
		ls[i] = l
	}
	return ls
}

func isQuoteLine(clean string) bool {
	if strings.HasPrefix(clean, ">") {
		return true
	}
	// Supercite prefixes: initials in capitals, then ">".
	for i, r := range clean {
		if r == '>' {
			return i > 0
		}
		if r < 'A' || r > 'Z' || i >= 3 {
			return false
		}
	}
	return false
}

// analyse marks hidden lines in the middle of the body and returns the index from which
// everything is hidden (len(ls) when nothing is cut off at the end). Lines already marked hidden
// (by the HTML structure) stay hidden.
func analyse(ls []line, hidden []bool) int {
	n := len(ls)
	seen := false // some line of the reply itself was found above
	hide := func(from, to int) {
		for k := from; k <= to; k++ {
			hidden[k] = true
		}
	}
	for i := 0; i < n; {
		l := &ls[i]
		switch {
		case hidden[i] || l.blank:
			i++
			continue
		case l.code:
			seen = true
			i++
			continue
		case l.quote:
			hidden[i] = true
			i++
			continue
		case wrappedQuote(ls, i):
			hidden[i] = true
			i++
			continue
		}
		// A marker with nothing of the reply above it (a forwarded message, or a reply written
		// below the quote header) hides only itself.
		if end, ok := attribution(ls, hidden, i); ok {
			next := nextNonBlank(ls, end+1)
			if next == n || ls[next].quote || hidden[next] || !seen {
				hide(i, end)
				i = end + 1
				continue
			}
			return i
		}
		// "2013/7/20 Jane <jane@example.com>" right above a quote: an old Gmail attribution,
		// with neither verb nor colon.
		if len(l.clean) < 200 && startsWithDate(l.clean) && emailRe.MatchString(l.clean) &&
			nextNonBlank(ls, i+1) < n && ls[nextNonBlank(ls, i+1)].quote {
			hidden[i] = true
			i++
			continue
		}
		if end, ok := headerBlock(ls, i); ok {
			if !seen {
				hide(i, end)
				i = end + 1
				continue
			}
			return i
		}
		if isSeparator(l.clean) || isSigDelimiter(l.clean) || isDeviceLine(l.clean) || isCutRule(ls, hidden, i) {
			if !seen {
				hidden[i] = true
				i++
				continue
			}
			return i
		}
		if !seen && isBanner(ls, i) {
			end := paragraphEnd(ls, i)
			hide(i, end)
			i = end + 1
			continue
		}
		seen = true
		i++
	}
	return n
}

// isCutRule is a rule under an empty line: what follows is a signature or a mailing list's
// footer. It is part of the text when it underlines a heading (no empty line above it), or when
// prose follows it and either the rule is a short Markdown one ("----" between paragraphs) or the
// quoted history comes only later (a rule the contact drew between two parts of the reply).
func isCutRule(ls []line, hidden []bool, i int) bool {
	c := ls[i].clean
	if !isRule(c) || i > 0 && !ls[i-1].blank {
		return false
	}
	next := nextNonBlank(ls, i+1)
	if next == len(ls) || !isProse(ls, next) {
		return true
	}
	if len(c) <= 5 && strings.Contains("-=*~#", c[:1]) && strings.Count(c, c[:1]) == len(c) {
		return false
	}
	return !quotedLater(ls, hidden, next)
}

// isProse is a paragraph of sentences (not a name, an address or a notice of confidentiality).
func isProse(ls []line, i int) bool {
	end := paragraphEnd(ls, i)
	last := ls[end].clean
	if countWords(ls[i].clean) < 6 || !strings.ContainsAny(last[len(last)-1:], ".!?") {
		return false
	}
	for k := i; k <= end; k++ {
		if disclaimerRe.MatchString(ls[k].clean) {
			return false
		}
	}
	return true
}

// quotedLater reports whether quoted lines or a quote header follow line i (within a hundred
// lines, so that a body of many rules stays cheap).
func quotedLater(ls []line, hidden []bool, i int) bool {
	for k := i; k < len(ls) && k < i+100; k++ {
		if ls[k].quote {
			return true
		}
		if ls[k].blank || ls[k].code {
			continue
		}
		if _, ok := attribution(ls, hidden, k); ok {
			return true
		}
		if _, ok := headerBlock(ls, k); ok {
			return true
		}
	}
	return false
}

// wrappedQuote is a line or two without ">" squeezed between quoted lines, under a quoted line
// long enough to have been wrapped: the rest of that line, which the sender's client wrapped
// without quoting it. (A short answer between short quoted questions is the reply.)
func wrappedQuote(ls []line, i int) bool {
	if i == 0 || !ls[i-1].quote || ls[i].rendered || utf8.RuneCountInString(ls[i-1].clean) < 60 {
		return false
	}
	for j := i; j < len(ls) && j < i+2; j++ {
		if ls[j].blank {
			return false
		}
		if j+1 < len(ls) && ls[j+1].quote {
			return true
		}
	}
	return false
}

func nextNonBlank(ls []line, i int) int {
	for i < len(ls) && ls[i].blank {
		i++
	}
	return i
}

func paragraphEnd(ls []line, i int) int {
	for i+1 < len(ls) && !ls[i+1].blank {
		i++
	}
	return i
}

// isBanner is a mail gateway's "CAUTION: this message is from an external sender" paragraph.
func isBanner(ls []line, i int) bool {
	if !bannerRe.MatchString(ls[i].clean) {
		return false
	}
	end := paragraphEnd(ls, i)
	if end-i > 4 {
		return false
	}
	for k := i; k <= end; k++ {
		if outsideRe.MatchString(ls[k].clean) {
			return true
		}
	}
	return false
}

// attribution reports whether an attribution ("On <date>, <name> wrote:", wrapped over up to six
// lines) starts at line i, and its last line.
func attribution(ls []line, hidden []bool, i int) (int, bool) {
	first := ls[i].clean
	if len(first) > 1600 || utf8.RuneCountInString(first) > 400 {
		return 0, false
	}
	// Every attribution has a "wrote" verb or ends with a colon (or is Gmail's old dated
	// line); most lines are ruled out here, before the costlier patterns below.
	possible := startsWithDigit(first)
	for j := i; j < len(ls) && j < i+6 && !possible; j++ {
		possible = ls[j].verb || ls[j].colon
	}
	if !possible {
		return 0, false
	}
	lead := leadRe.MatchString(first)
	// Only a line that can start an attribution may continue on the next lines: one opening
	// with "On"/"Le"/"Am"..., a date, or holding the address; otherwise "Hi," above
	// "John <j@example.com> wrote:" would be taken in.
	multi := lead || startsWithDate(first) || emailRe.MatchString(first)
	var w strings.Builder
	crossedBlank, verb := false, false
	for j := i; j < len(ls) && j < i+6; j++ {
		l := &ls[j]
		if j > i {
			if l.blank {
				// Some clients break "On <date> <name>" and "<address> wrote:" apart with an
				// empty line; only an opening "On <date>" line may reach over it.
				if !lead || crossedBlank {
					break
				}
				crossedBlank = true
				continue
			}
			// A quoted line may only close the attribution ("<address>\n> wrote:").
			if !multi || l.code || hidden[j] || l.quote && len(l.clean) > 40 {
				break
			}
			prev := ls[j-1].clean
			if ls[j-1].blank {
				prev = ls[j-2].clean
			}
			if endsSentence(prev) {
				break
			}
			if crossedBlank && utf8.RuneCountInString(l.clean) > 60 {
				break
			}
			w.WriteByte(' ')
		}
		w.WriteString(strings.TrimLeft(l.clean, "> "))
		if w.Len() > maxAttribution {
			break
		}
		verb = verb || l.verb
		if (verb || l.colon || j == i) && isAttribution(w.String(), lead, j == i) {
			if j > i && !dateRe.MatchString(first) && !emailRe.MatchString(first) && laterLead(ls, i, j) {
				return 0, false
			}
			return j, true
		}
	}
	return 0, false
}

// laterLead reports whether an attribution that ends at line j starts with "On"/"Le"/"Am"... on a
// line after i. When line i has no date or address of its own, it is then the end of the reply
// ("Il est signalé ..." above "Le mar. 30 avr. 2024, 11:53, X a écrit :"), not the start of the
// attribution.
func laterLead(ls []line, i, j int) bool {
	for k := i + 1; k <= j; k++ {
		if ls[k].blank || !leadRe.MatchString(ls[k].clean) {
			continue
		}
		var w strings.Builder
		for m := k; m <= j; m++ {
			if !ls[m].blank {
				w.WriteString(strings.TrimLeft(ls[m].clean, "> "))
				w.WriteByte(' ')
			}
		}
		if isAttribution(w.String(), true, k == j) {
			return true
		}
	}
	return false
}

// endsSentence is a line that ends with a full stop, question, exclamation or colon, so the next
// line does not continue it. "28." and "Apr." (parts of a wrapped date) do continue.
func endsSentence(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s)
	switch r {
	case '!', '?', ':', '：':
		return true
	case '.':
		words := strings.Fields(s)
		last := words[len(words)-1]
		return utf8.RuneCountInString(last) > 5
	}
	return false
}

func startsWithDigit(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsDigit(r)
}

// startsWithDate is a line whose first three words hold a number ("30.09.2017, 18.30, ...",
// "ср, 30 апр. 2025 г. ...", "Wednesday, 17 November 2021 ...").
func startsWithDate(s string) bool {
	f := strings.Fields(strings.TrimLeft(s, "-*> "))
	if len(f) > 3 {
		f = f[:3]
	}
	for _, w := range f {
		for _, r := range w {
			if unicode.IsDigit(r) {
				return true
			}
		}
	}
	return false
}

// isAttribution decides whether w (one or more lines joined by spaces) is an attribution line.
func isAttribution(w string, lead, oneLine bool) bool {
	w = strings.TrimSpace(strings.TrimRight(w, " -"))
	if w == "" {
		return false
	}
	hasEmail := emailRe.MatchString(w)
	hasDate := dateRe.MatchString(w)
	if oneLine && gmailDateRe.MatchString(w) {
		return true
	}
	if !hasEmail && !hasDate {
		return false
	}
	endsColon := strings.HasSuffix(w, ":") || strings.HasSuffix(w, "：")
	lower := strings.ToLower(w)
	if end := lastVerb(lower); end >= 0 {
		rest := strings.TrimLeft(lower[end:], " ")
		// "... wrote:" (the verb at the end)
		if strings.Trim(rest, " :：-–—.…)]>") == "" {
			return true
		}
		// "Am <date> schrieb <name> <address>:" (the name after the verb)
		if endsColon && countWords(rest) <= 12 {
			return true
		}
		// "Am 20.06.24 um 16:20 schrieb Klarstein" (no colon at all)
		if lead && hasDate && countWords(rest) <= 6 && !endsSentence(rest) && !strings.ContainsAny(rest, ",;") {
			return true
		}
	}
	// "30.09.2017, 18.30, "Name" <address>:" (no verb, in any language)
	if endsColon && hasEmail && hasDate && (lead || startsWithDate(w)) {
		return true
	}
	return false
}

// headerBlock reports whether a quoted message's header block ("From: / Sent: / To: / Subject:",
// in many languages) starts at line i, and its last line.
func headerBlock(ls []line, i int) (int, bool) {
	c := ls[i].clean
	// Some clients run the fields together on one line.
	if len(c) < 400 && strings.Count(c, ":")+strings.Count(c, "：") >= 3 &&
		len(headerKeyAnyRe.FindAllStringIndex(c, 4)) >= 3 && (emailRe.MatchString(c) || dateRe.MatchString(c)) {
		return i, true
	}
	if ls[i].key == "" {
		return 0, false
	}
	keys := map[string]bool{}
	count, last, gap, cont := 0, i, 0, 0
	for j := i; j < len(ls) && j < i+24; j++ {
		l := &ls[j]
		if l.blank {
			if gap++; gap > 2 {
				break
			}
			continue
		}
		if k := l.key; k != "" {
			keys[k] = true
			count++
			last, gap, cont = j, 0, 0
			continue
		}
		// A long value wraps onto the next line or two.
		if gap == 0 && cont < 2 && j == last+1+cont {
			cont++
			continue
		}
		break
	}
	if count >= 3 && len(keys) >= 2 && (keys["from"] || keys["subject"] || keys["sent"] && keys["to"]) {
		return last, true
	}
	return 0, false
}

// result builds the Result from the hidden marks and the tail cut.
func result(ls []line, hidden []bool, tail int) Result {
	for k := tail; k < len(ls); k++ {
		hidden[k] = true
	}
	trimSignature(ls, hidden)
	// A rule or an empty line left at the end belonged to what was cut ("________" or a
	// separator the sender's client garbled, "-----Urspr=C3=BCngliche Nachricht-----", above
	// "From:").
	for k := len(ls) - 1; k >= 0; k-- {
		if hidden[k] {
			continue
		}
		if !ls[k].blank && !isRule(ls[k].clean) && !(k+1 < len(ls) && hidden[k+1] && dashedAnyRe.MatchString(ls[k].clean)) {
			break
		}
		hidden[k] = true
	}
	joinAcrossHidden(ls, hidden)
	// Empty lines that met where hidden lines were taken out count as one.
	blank := true
	for k, l := range ls {
		if hidden[k] {
			continue
		}
		if l.blank && blank {
			hidden[k] = true
		}
		blank = l.blank
	}

	var vis, quo strings.Builder
	for k, l := range ls {
		b := &vis
		if hidden[k] {
			b = &quo
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.text)
	}
	return Result{Visible: strings.TrimSpace(vis.String()), Quoted: strings.TrimSpace(quo.String())}
}

// trimSignature hides a short line or two after "sign-off, name" ("All the best, / Paul / SOME
// MORE TEXT"): after a name that closes a letter, that is signature, not message. A sentence
// there ("Also, the invoice is wrong.") is message and stays.
func trimSignature(ls []line, hidden []bool) {
	var vis []int
	for k, l := range ls {
		if !hidden[k] && !l.blank {
			vis = append(vis, k)
		}
	}
	// A closing among the last dozen lines, with a name and something after it.
	for p := len(vis) - 3; p >= 0 && p >= len(vis)-12; p-- {
		if !signoffRe.MatchString(ls[vis[p]].clean) {
			continue
		}
		name := ls[vis[p+1]]
		if countWords(name.clean) > 3 || utf8.RuneCountInString(name.clean) > 40 || endsSentence(name.clean) {
			return
		}
		rest := vis[p+2:]
		// A signature card that repeats the name ("Anke" above "Anke McElligott, Specialist,
		// <logo>, <advert>") is all signature, the closing with it.
		card := strings.ToLower(ls[rest[0]].clean)
		if first := strings.ToLower(strings.Fields(name.clean)[0]); utf8.RuneCountInString(first) >= 3 &&
			countWords(card) <= 5 && containsWord(card, first) {
			for k := vis[p]; k < len(ls); k++ {
				hidden[k] = true
			}
			return
		}
		if len(rest) > 2 || rest[0] == vis[p+1]+1 { // the rest must stand apart from the name
			return
		}
		for _, k := range rest {
			c := strings.ToLower(ls[k].clean)
			if countWords(c) > 6 || endsSentence(c) || strings.HasPrefix(c, "p.s") || strings.HasPrefix(c, "ps:") ||
				strings.HasPrefix(c, "ps ") || strings.HasPrefix(c, "pps") {
				return
			}
		}
		for k := vis[p+1] + 1; k < len(ls); k++ {
			hidden[k] = true
		}
		return
	}
}

// containsWord reports whether w stands in s as a word of its own.
func containsWord(s, w string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		if !letterBefore(s, i) && !letterAfter(s, i+len(w)) {
			return true
		}
		from = i + len(w)
	}
}

// joinAcrossHidden drops the empty lines between a hidden block and the text below it when the
// text above it ended in a comma or colon ("Hi," + quote + answer reads "Hi,\nanswer").
func joinAcrossHidden(ls []line, hidden []bool) {
	for k := 1; k < len(ls); k++ {
		if !hidden[k] || hidden[k-1] || ls[k-1].blank || ls[k].blank {
			continue
		}
		c := ls[k-1].clean
		if !strings.HasSuffix(c, ",") && !strings.HasSuffix(c, ":") {
			continue
		}
		j := k
		for j < len(ls) && (hidden[j] || ls[j].blank) {
			j++
		}
		if j == len(ls) {
			return
		}
		for m := k; m < j; m++ {
			hidden[m] = true
		}
	}
}
