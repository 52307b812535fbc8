// Package mask masks payment card numbers in free text (messages, form
// capture values, file names, log lines) before it is stored, logged or sent.
//
// Product rule: a card number is a run of 13–19 digits that passes the Luhn
// check, with or without spaces or dashes, in any script's digits, with
// invisible characters ignored. Concretely:
//
//   - Digit: any Unicode decimal digit (category Nd: ASCII, Arabic-Indic,
//     Extended Arabic-Indic, Devanagari, Bengali, Thai, fullwidth, ...),
//     valued by its position in its block of ten.
//   - Separator: any unicode.IsSpace rune (including NBSP, narrow NBSP and
//     line breaks), any dash punctuation (category Pd: -, ‐, ‑, ‒, –, —,
//     fullwidth －, ...) and the minus sign U+2212. Dots, commas and slashes
//     are not separators: they join decimals, versions, IP addresses and dates,
//     and people do not write card numbers with them.
//   - Invisible: format characters (Cf: zero-width space/joiners, word
//     joiner, BOM, soft hyphen, bidi marks, ...) and combining marks (Mn, Me:
//     variation selectors, the keycap mark of 4️⃣). They are ignored wherever
//     they appear.
//   - Group: digits with only invisibles between them. Run: groups joined by
//     gaps of at most 3 separators (so "4111 - 1111" is one run; invisibles
//     do not count towards the 3). Anything else ends the run, so a card glued
//     to letters or punctuation ("card:4111111111111111.") is still a run of
//     its own.
//   - Card: a window of whole, consecutive groups of one run, 13–19 digits in
//     total, that passes the Luhn check. A run of 13–19 digits is therefore
//     checked as a whole, and in a longer run (an order id "1234 5678 ...")
//     every group-aligned window is checked, but a single group of 20 or more
//     digits is never cut into a card. Overlapping cards are masked as one span.
//     There is no issuer check: any Luhn-valid window counts, even
//     "0000 0000 0000 0000".
//
// Masking: from the first to the last digit of a card, every digit except the
// last four becomes "•" (U+2022), the last four are written as ASCII digits,
// separators are kept as they were and invisibles are removed:
// "4111 1111 1111 1111" becomes "•••• •••• •••• 1111". Text outside card spans
// is never changed.
//
// Masking is idempotent. To keep it so when the last four digits were glued to
// masked ones ("••••••••••••1111 2222 333"), a group of at most four digits
// directly after "•" (ignoring invisibles), preceded by a stretch of bullets,
// separators and invisibles holding at least nine bullets, is taken to be the
// visible tail of an earlier mask and cannot start a card.
//
// String does not allocate when nothing is masked; a string with fewer than 13
// digits is rejected by a quick pre-scan.
package mask

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	minDigits = 13
	maxDigits = 19
	// maxSeps is the most separators allowed in a row between two groups.
	maxSeps = 3
	// tailBullets is the fewest bullets before a glued group of at most
	// four digits for it to be taken as the visible tail of a mask.
	tailBullets = minDigits - 4
	keep        = 4
	bullet      = '•'
)

// ndRange is a range of Unicode decimal digits; lo is a zero and the range
// holds whole blocks of ten.
type ndRange struct{ lo, hi rune }

var ndRanges = func() []ndRange {
	var rs []ndRange
	for _, r := range unicode.Nd.R16 {
		rs = appendNd(rs, rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	for _, r := range unicode.Nd.R32 {
		rs = appendNd(rs, rune(r.Lo), rune(r.Hi), rune(r.Stride))
	}
	return rs
}()

func appendNd(rs []ndRange, lo, hi, stride rune) []ndRange {
	if stride == 1 {
		return append(rs, ndRange{lo, hi})
	}
	// Not present in any Unicode version so far; keep the table correct anyway.
	for r := lo; r <= hi; r += stride {
		rs = append(rs, ndRange{r, r})
	}
	return rs
}

// digitValue returns the numeric value of r if r is a decimal digit.
func digitValue(r rune) (int, bool) {
	if r < utf8.RuneSelf {
		if '0' <= r && r <= '9' {
			return int(r - '0'), true
		}
		return 0, false
	}
	i, j := 0, len(ndRanges)
	for i < j {
		h := int(uint(i+j) >> 1)
		if ndRanges[h].hi < r {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(ndRanges) && ndRanges[i].lo <= r {
		return int(r-ndRanges[i].lo) % 10, true
	}
	return 0, false
}

// Rune classes.
const (
	other = iota
	digit
	separator
	invisible
	bulletClass
)

func classify(r rune) (class, value int) {
	if r < utf8.RuneSelf {
		switch {
		case '0' <= r && r <= '9':
			return digit, int(r - '0')
		case r == ' ', r == '-', '\t' <= r && r <= '\r':
			return separator, 0
		}
		return other, 0
	}
	if v, ok := digitValue(r); ok {
		return digit, v
	}
	switch {
	case r == bullet:
		return bulletClass, 0
	case unicode.IsSpace(r), r == '\u2212', unicode.Is(unicode.Pd, r):
		return separator, 0
	case unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me):
		return invisible, 0
	}
	return other, 0
}

// span is a byte range of s, from the first byte of a card's first digit to
// the byte after its last digit.
type span struct{ start, end int }

// scanner finds card spans in one left-to-right pass. It keeps only the last
// 32 digits and group starts of the current run, which is enough for windows
// of at most 19 digits, so it never allocates until a card is found.
type scanner struct {
	spans []span

	inRun, inGroup bool
	seps           int // separators since the last digit of the run

	n        int      // digits in the current run
	vals     [32]int8 // digit values, indexed by digit number & 31
	offs     [32]int  // byte offsets of digits, same index
	lastEnd  int      // byte offset after the last digit
	groupBeg int      // digit number that starts the current group

	g      int      // groups ended in the current run
	gStart [32]int  // digit number starting each group, indexed by group & 31
	gOK    [32]bool // whether the group may start a card

	glued       bool // the run started right after a bullet ending a long bullet stretch
	afterBullet bool // the last visible rune was a bullet
	bullets     int  // bullets in the current stretch of bullets, separators and invisibles
}

func (sc *scanner) step(r rune, i, size int) {
	class, v := classify(r)
	switch class {
	case digit:
		if !sc.inRun {
			sc.inRun = true
			sc.n, sc.g = 0, 0
			sc.glued = sc.afterBullet && sc.bullets >= tailBullets
		}
		if !sc.inGroup {
			sc.inGroup = true
			sc.groupBeg = sc.n
		}
		sc.vals[sc.n&31] = int8(v)
		sc.offs[sc.n&31] = i
		sc.n++
		sc.lastEnd = i + size
		sc.seps = 0
		sc.afterBullet, sc.bullets = false, 0
	case invisible:
	case separator:
		if sc.inRun {
			if sc.inGroup {
				sc.endGroup()
			}
			sc.seps++
			if sc.seps > maxSeps {
				sc.inRun = false
			}
		}
		sc.afterBullet = false
	case bulletClass:
		sc.endRun()
		sc.afterBullet = true
		sc.bullets++
	default:
		sc.endRun()
		sc.afterBullet, sc.bullets = false, 0
	}
}

func (sc *scanner) endRun() {
	if sc.inRun && sc.inGroup {
		sc.endGroup()
	}
	sc.inRun = false
}

// endGroup records the group that just ended and checks every card window
// that ends with it.
func (sc *scanner) endGroup() {
	sc.inGroup = false
	ok := !(sc.g == 0 && sc.glued && sc.n-sc.groupBeg <= keep)
	sc.gStart[sc.g&31] = sc.groupBeg
	sc.gOK[sc.g&31] = ok
	sc.g++
	for k := sc.g - 1; k >= 0 && k > sc.g-32; k-- {
		st := sc.gStart[k&31]
		l := sc.n - st
		if l > maxDigits {
			break
		}
		if l >= minDigits && sc.gOK[k&31] && sc.luhn(st) {
			sc.add(span{sc.offs[st&31], sc.lastEnd})
		}
	}
}

// luhn reports whether digits st..n-1 of the run pass the Luhn check.
func (sc *scanner) luhn(st int) bool {
	sum, double := 0, false
	for j := sc.n - 1; j >= st; j-- {
		d := int(sc.vals[j&31])
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// add records a card span, merging it with the spans it overlaps. Spans
// arrive in order of their end.
func (sc *scanner) add(sp span) {
	for len(sc.spans) > 0 {
		last := sc.spans[len(sc.spans)-1]
		if sp.start >= last.end {
			break
		}
		sp.start = min(sp.start, last.start)
		sp.end = max(sp.end, last.end)
		sc.spans = sc.spans[:len(sc.spans)-1]
	}
	sc.spans = append(sc.spans, sp)
}

// String returns s with every card number masked, and whether anything was
// masked. When nothing is masked it returns s itself without allocating.
func String(s string) (string, bool) {
	if !enoughDigits(s) {
		return s, false
	}
	var sc scanner // sc.spans stays nil, and nothing is allocated, until a card is found
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			// Outside a run and a bullet stretch, an ASCII non-digit
			// changes nothing: skip it without the state machine.
			if sc.inRun || sc.bullets != 0 || '0' <= c && c <= '9' {
				sc.step(rune(c), i, 1)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		sc.step(r, i, size)
		i += size
	}
	sc.endRun()
	if len(sc.spans) == 0 {
		return s, false
	}
	return apply(s, sc.spans), true
}

// enoughDigits reports whether s holds at least minDigits decimal digits.
func enoughDigits(s string) bool {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			if '0' <= c && c <= '9' {
				n++
				if n >= minDigits {
					return true
				}
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if _, ok := digitValue(r); ok {
			n++
			if n >= minDigits {
				return true
			}
		}
	}
	return false
}

// apply masks the given spans of s.
func apply(s string, spans []span) string {
	grow := len(s)
	for _, sp := range spans {
		grow += 2 * (sp.end - sp.start)
	}
	var b strings.Builder
	b.Grow(grow)
	prev := 0
	for _, sp := range spans {
		b.WriteString(s[prev:sp.start])
		prev = sp.end
		part := s[sp.start:sp.end]
		total := 0
		for _, r := range part {
			if c, _ := classify(r); c == digit {
				total++
			}
		}
		seen := 0
		for _, r := range part {
			switch c, v := classify(r); c {
			case digit:
				if seen < total-keep {
					b.WriteRune(bullet)
				} else {
					b.WriteByte(byte('0' + v))
				}
				seen++
			case separator:
				b.WriteRune(r)
			}
		}
	}
	b.WriteString(s[prev:])
	return b.String()
}
