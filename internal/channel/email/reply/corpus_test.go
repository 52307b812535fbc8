package reply

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// corpusCase is one entry of testdata/email-replies/manifest.json (the fields the check uses).
type corpusCase struct {
	ID                  string   `json:"id"`
	File                string   `json:"file"`
	Kind                string   `json:"kind"`
	Language            string   `json:"language"`
	Client              *string  `json:"client"`
	ExpectedReply       *string  `json:"expected_reply"`
	AlsoAccepted        []string `json:"also_accepted"`
	ExpectedContains    []string `json:"expected_contains"`
	ExpectedNotContains []string `json:"expected_not_contains"`
	ExpectedStartsWith  []string `json:"expected_starts_with"`
	ExpectedEndsWith    []string `json:"expected_ends_with"`
	Compare             string   `json:"compare"`
}

const corpusDir = "testdata/email-replies"

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		CaseCount int          `json:"case_count"`
		Cases     []corpusCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Cases) != m.CaseCount || len(m.Cases) == 0 {
		t.Fatalf("manifest lists %d cases, says %d", len(m.Cases), m.CaseCount)
	}
	return m.Cases
}

func readCase(t testing.TB, c corpusCase) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, filepath.FromSlash(c.File)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// splitCase runs the stripper the way the case's kind says.
func splitCase(t testing.TB, c corpusCase, raw []byte) Result {
	t.Helper()
	switch c.Kind {
	case "text":
		return Split(string(raw))
	case "html":
		return SplitHTML(string(raw))
	case "eml":
		r, err := SplitMessage(raw)
		if err != nil {
			t.Fatalf("%s: %v", c.ID, err)
		}
		return r
	}
	t.Fatalf("%s: unknown kind %q", c.ID, c.Kind)
	return Result{}
}

var blankRuns = regexp.MustCompile(`\n{3,}`)

// normalise is the corpus README's normalisation: CRLF and CR to LF, no leading byte-order mark,
// no trailing spaces or tabs on any line, runs of blank lines collapsed to one, trimmed; with
// ignore_all_whitespace, no whitespace at all.
func normalise(s, compare string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimPrefix(s, "\ufeff")
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, " \t")
	}
	s = blankRuns.ReplaceAllString(strings.Join(ls, "\n"), "\n\n")
	s = strings.TrimSpace(s)
	if compare == "ignore_all_whitespace" {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	return s
}

// judge applies the corpus pass rule and returns why a case fails ("" when it passes).
func judge(c corpusCase, visible string) string {
	out := normalise(visible, c.Compare)
	var why []string
	if c.ExpectedReply != nil {
		ok := out == normalise(*c.ExpectedReply, c.Compare)
		for _, a := range c.AlsoAccepted {
			ok = ok || out == normalise(a, c.Compare)
		}
		if !ok {
			why = append(why, "differs from expected_reply and also_accepted")
		}
	}
	for _, s := range c.ExpectedContains {
		if !strings.Contains(out, normalise(s, c.Compare)) {
			why = append(why, "lacks "+strconvQuote(s))
		}
	}
	for _, s := range c.ExpectedNotContains {
		if strings.Contains(out, normalise(s, c.Compare)) {
			why = append(why, "contains "+strconvQuote(s))
		}
	}
	if len(c.ExpectedStartsWith) > 0 && !anyAffix(out, c.ExpectedStartsWith, c.Compare, strings.HasPrefix) {
		why = append(why, "starts with none of expected_starts_with")
	}
	if len(c.ExpectedEndsWith) > 0 && !anyAffix(out, c.ExpectedEndsWith, c.Compare, strings.HasSuffix) {
		why = append(why, "ends with none of expected_ends_with")
	}
	return strings.Join(why, "; ")
}

func anyAffix(out string, affixes []string, compare string, has func(s, affix string) bool) bool {
	for _, a := range affixes {
		if has(out, normalise(a, compare)) {
			return true
		}
	}
	return false
}

func strconvQuote(s string) string {
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return strconv.Quote(s)
}

// TestCorpus checks every case of the corpus by its pass rule.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	type tally struct{ pass, all int }
	byLang, byClient := map[string]*tally{}, map[string]*tally{}
	count := func(m map[string]*tally, k string, ok bool) {
		if m[k] == nil {
			m[k] = &tally{}
		}
		m[k].all++
		if ok {
			m[k].pass++
		}
	}
	passed := 0
	for _, c := range cases {
		raw := readCase(t, c)
		got := splitCase(t, c, raw)
		why := judge(c, got.Visible)
		if why != "" {
			t.Errorf("%s (%s, %s): %s\n--- got:\n%s\n---", c.ID, c.Kind, c.Language, why, got.Visible)
		} else {
			passed++
		}
		client := "unknown"
		if c.Client != nil {
			client = *c.Client
		}
		count(byLang, c.Language, why == "")
		count(byClient, client, why == "")
	}
	report := func(title string, m map[string]*tally) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return m[keys[i]].all > m[keys[j]].all || m[keys[i]].all == m[keys[j]].all && keys[i] < keys[j]
		})
		var b strings.Builder
		for _, k := range keys {
			b.WriteString(" " + k + " " + strconv.Itoa(m[k].pass) + "/" + strconv.Itoa(m[k].all))
		}
		t.Logf("%s:%s", title, b.String())
	}
	t.Logf("passed %d of %d cases", passed, len(cases))
	report("by language", byLang)
	report("by client", byClient)
}

// BenchmarkCorpus splits every case of the corpus once per iteration; ns/op divided by the case
// count is the cost of one message.
func BenchmarkCorpus(b *testing.B) {
	cases := loadCorpus(b)
	raws := make([][]byte, len(cases))
	for i, c := range cases {
		raws[i] = readCase(b, c)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, c := range cases {
			splitCase(b, c, raws[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(cases)), "ns/message")
}
