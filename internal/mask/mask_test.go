package mask

import (
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// inScript rewrites the ASCII digits of s with the digits of the block
// starting at zero.
func inScript(s string, zero rune) string {
	return strings.Map(func(r rune) rune {
		if '0' <= r && r <= '9' {
			return zero + r - '0'
		}
		return r
	}, s)
}

// keycap writes every ASCII digit of s as a keycap emoji (digit, VS16, U+20E3).
func keycap(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
		if '0' <= r && r <= '9' {
			b.WriteString("\uFE0F\u20E3")
		}
	}
	return b.String()
}

func luhnOK(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
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

var cases = []struct {
	name, in, want string
}{
	// Brands, plain and formatted.
	{"visa plain", "4111111111111111", "••••••••••••1111"},
	{"visa spaces", "4111 1111 1111 1111", "•••• •••• •••• 1111"},
	{"visa dashes", "4111-1111-1111-1111", "••••-••••-••••-1111"},
	{"visa nbsp", "4111\u00a01111\u00a01111\u00a01111", "••••\u00a0••••\u00a0••••\u00a01111"},
	{"visa mixed separators", "4111 - 1111–1111\u202f1111", "•••• - ••••–••••\u202f1111"},
	{"visa 4012", "my card is 4012 8888 8888 1881, exp 12/27", "my card is •••• •••• •••• 1881, exp 12/27"},
	{"visa 13 digits", "4222222222222", "•••••••••2222"},
	{"mastercard", "5555 5555 5555 4444", "•••• •••• •••• 4444"},
	{"mastercard 2-series", "2223003122003222", "••••••••••••3222"},
	{"mastercard em dash", "5105—1051—0510—5100", "••••—••••—••••—5100"},
	{"amex", "3782 822463 10005", "•••• •••••• •0005"},
	{"amex plain", "371449635398431", "•••••••••••8431"},
	{"discover", "6011-1111-1111-1117", "••••-••••-••••-1117"},
	{"discover plain", "6011000990139424", "••••••••••••9424"},
	{"jcb", "3530 1113 3330 0000", "•••• •••• •••• 0000"},
	{"jcb plain", "3566002020360505", "••••••••••••0505"},
	{"diners", "3056 930902 5904", "•••• •••••• 5904"},
	{"diners plain", "38520000023237", "••••••••••3237"},
	{"maestro 19", "6799 9901 0000 0000 019", "•••• •••• •••• •••0 019"},
	{"maestro 19 plain", "6799990100000000019", "•••••••••••••••0019"},
	{"luhn-valid zeros", "0000 0000 0000 0000", "•••• •••• •••• 0000"},
	{"line breaks", "4111\n1111\n1111\n1111", "••••\n••••\n••••\n1111"},
	{"tabs", "4111\t1111\t1111\t1111", "••••\t••••\t••••\t1111"},

	// Other scripts.
	{"arabic-indic", "٤١١١١١١١١١١١١١١١", "••••••••••••1111"},
	{"arabic-indic spaced", "رقم البطاقة ٤١١١ ١١١١ ١١١١ ١١١١ شكرا", "رقم البطاقة •••• •••• •••• 1111 شكرا"},
	{"extended arabic-indic", "۴۱۱۱-۱۱۱۱-۱۱۱۱-۱۱۱۱", "••••-••••-••••-1111"},
	{"devanagari", "४१११ ११११ ११११ ११११", "•••• •••• •••• 1111"},
	{"fullwidth", "４１１１－１１１１－１１１１－１１１１", "••••－••••－••••－1111"},
	{"fullwidth ideographic space", "４１１１\u3000１１１１\u3000１１１１\u3000１１１１", "••••\u3000••••\u3000••••\u30001111"},
	{"thai", "บัตร ๔๑๑๑๑๑๑๑๑๑๑๑๑๑๑๑ ครับ", "บัตร ••••••••••••1111 ครับ"},
	{"bengali", "৪১১১১১১১১১১১১১১১", "••••••••••••1111"},
	{"mathematical bold", "𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏", "••••••••••••1111"},
	{"mixed scripts", "4111 ١١١١ ११११ １１１１", "•••• •••• •••• 1111"},

	// Invisible characters.
	{"zero-width spaces", "4111\u200b1111\u200b1111\u200b1111", "••••••••••••1111"},
	{"zwsp between every digit", "4\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1\u200b1", "••••••••••••1111"},
	{"soft hyphens", "4111\u00ad1111\u00ad1111\u00ad1111", "••••••••••••1111"},
	{"assorted format chars", "4\u200c1\u200d1\u20601\ufeff1111 1111\u200e1111\u200f", "•••••••• ••••1111\u200f"},
	{"bidi embedding kept outside", "\u202a4111 1111 1111 1111\u202c", "\u202a•••• •••• •••• 1111\u202c"},
	{"isolates inside", "\u20664111\u2069 \u20661111\u2069 \u20661111\u2069 \u20661111\u2069", "\u2066•••• •••• •••• 1111\u2069"},
	{"invisible beside separator", "4111 \u200b1111\u200b 1111 \u00ad 1111", "•••• •••• ••••  1111"},
	// The marks after the last digit are outside the span and stay.
	{"keycaps", keycap("4111111111111111"), "••••••••••••1111\uFE0F\u20E3"},
	{"arabic number sign", "\u0600٤١١١١١١١١١١١١١١١", "\u0600••••••••••••1111"},

	// Not card numbers.
	{"luhn fails", "4111111111111112", "4111111111111112"},
	{"luhn fails spaced", "4111 1111 1111 1112", "4111 1111 1111 1112"},
	{"12 digits luhn ok", "411111111117", "411111111117"},
	{"phone tr", "+90 532 123 45 67", "+90 532 123 45 67"},
	{"phone de", "+49 30 1234567", "+49 30 1234567"},
	{"date", "2026-11-22", "2026-11-22"},
	{"order id 20 digits", "Order 12345678901234567890", "Order 12345678901234567890"},
	{"order id grouped", "order 1234 5678 9012 3456 7890", "order 1234 5678 9012 3456 7890"},
	{"card glued in 25 digits", "id 4111111111111111123456789", "id 4111111111111111123456789"},
	{"iban", "IBAN DE89 3704 0044 0532 0130 00", "IBAN DE89 3704 0044 0532 0130 00"},
	{"price", "1 234 567,89", "1 234 567,89"},
	{"dots", "4111.1111.1111.1111", "4111.1111.1111.1111"},
	{"slashes", "4111/1111/1111/1111", "4111/1111/1111/1111"},
	{"too many separators", "4111 1111    1111 1111", "4111 1111    1111 1111"},
	{"numbers in prose", "I paid 4111 on the 11th, 1111 more later, 1111 in total 1111", "I paid 4111 on the 11th, 1111 more later, 1111 in total 1111"},
	{"no digits", "hello, how can I help you today?", "hello, how can I help you today?"},
	{"empty", "", ""},

	// Several cards, positions, surroundings.
	{"two cards", "4111111111111111 and 5555-5555-5555-4444", "••••••••••••1111 and ••••-••••-••••-4444"},
	{"two cards one run", "4111111111111111 5555555555554444", "••••••••••••1111 ••••••••••••4444"},
	{"card at start", "4111111111111111 is my card", "••••••••••••1111 is my card"},
	{"card at end", "my card: 4111 1111 1111 1111", "my card: •••• •••• •••• 1111"},
	{"glued to punctuation", "card:4111111111111111.", "card:••••••••••••1111."},
	{"glued to letters", "4111111111111111abc", "••••••••••••1111abc"},
	{"between letters", "x4111111111111111x", "x••••••••••••1111x"},
	{"parentheses", "(4111-1111-1111-1111)", "(••••-••••-••••-1111)"},
	{"quoted file name", `"scan_4111111111111111.pdf"`, `"scan_••••••••••••1111.pdf"`},
	{"minus sign", "4111−1111−1111−1111", "••••−••••−••••−1111"},
	{"card in longer run", "ref 1234 4111 1111 1111 1111 99", "ref 1234 •••• •••• •••• 1111 99"},
	{"overlapping cards", "4111 1111 1111 1111 02", "•••• •••• •••• ••11 02"},
	{"bullet list", "• 4111 1111 1111 1111", "• •••• •••• •••• 1111"},
	{"glued bullet", "•4111111111111111", "•••••••••••••1111"},

	// Already masked text stays as it is.
	{"masked", "•••• •••• •••• 1111", "•••• •••• •••• 1111"},
	{"masked tail then digits", "••••••••••••1111 222222220", "••••••••••••1111 222222220"},
}

func TestString(t *testing.T) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, masked := String(tc.in)
			if got != tc.want {
				t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if masked != (tc.in != tc.want) {
				t.Errorf("String(%q) masked = %v, want %v", tc.in, masked, tc.in != tc.want)
			}
			again, masked2 := String(got)
			if again != got || masked2 {
				t.Errorf("not idempotent: String(%q) = %q, %v", got, again, masked2)
			}
		})
	}
}

// TestTailNotRemasked checks the case that needs the visible-tail rule: the
// last four digits of a mask glued to masked digits, then a group that makes
// "1111 222222220" a Luhn-valid 13-digit run.
func TestTailNotRemasked(t *testing.T) {
	if !luhnOK("1111222222220") || luhnOK("4111111111111111222222220") {
		t.Fatal("bad test data")
	}
	in := "4111111111111111 222222220"
	once, _ := String(in)
	if want := "••••••••••••1111 222222220"; once != want {
		t.Fatalf("String(%q) = %q, want %q", in, once, want)
	}
	if twice, masked := String(once); twice != once || masked {
		t.Fatalf("String(%q) = %q, %v", once, twice, masked)
	}
	// A short stretch of bullets is not a mask: the card glued to it is masked.
	if got, _ := String("••••4111 1111 1111 1111"); got != "•••••••• •••• •••• 1111" {
		t.Errorf("got %q", got)
	}
	// Nine or more bullets are: a glued group of at most four digits after
	// them is the visible tail of a mask and cannot start a card (a
	// deliberate, documented blind spot).
	if got, _ := String("•••••••••4111 1111 1111 1111"); got != "•••••••••4111 1111 1111 1111" {
		t.Errorf("got %q", got)
	}
}

func TestIBANNotLuhn(t *testing.T) {
	// Every whole-group window of 13–19 digits of the IBAN fails Luhn.
	for _, w := range []string{"89370400440532", "893704004405320130", "3704004405320130", "370400440532013000", "00440532013000"} {
		if luhnOK(w) {
			t.Errorf("%s passes Luhn", w)
		}
	}
}

func TestEveryDigitBlock(t *testing.T) {
	var zeros []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		v, ok := digitValue(r)
		if ok != unicode.IsDigit(r) {
			t.Fatalf("digitValue(%U) ok = %v, unicode.IsDigit = %v", r, ok, !ok)
		}
		if !ok {
			continue
		}
		// r-v is the zero of r's block: the block is ten digits and the rune
		// before the zero is not a digit or is the nine of an earlier block.
		zero := r - rune(v)
		for k := rune(0); k < 10; k++ {
			if kv, ok := digitValue(zero + k); !ok || kv != int(k) {
				t.Fatalf("%U: block at %U broken at +%d (%d, %v)", r, zero, k, kv, ok)
			}
		}
		if pv, ok := digitValue(zero - 1); ok && pv != 9 {
			t.Fatalf("%U: rune before zero %U has value %d", r, zero, pv)
		}
		if v == 0 {
			zeros = append(zeros, r)
		}
	}
	for _, z := range []rune{'0', 0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10, 0x1D7CE, 0x1D7D8, 0x1D7F6} {
		if v, ok := digitValue(z); !ok || v != 0 {
			t.Errorf("digitValue(%U) = %d, %v, want 0", z, v, ok)
		}
	}
	if len(zeros) < 60 {
		t.Fatalf("only %d digit blocks", len(zeros))
	}
	for _, z := range zeros {
		in := inScript("4111 1111 1111 1111", z)
		if got, masked := String(in); got != "•••• •••• •••• 1111" || !masked {
			t.Errorf("block %U: String(%q) = %q, %v", z, in, got, masked)
		}
		in = inScript("4111111111111112", z)
		if got, masked := String(in); got != in || masked {
			t.Errorf("block %U: String(%q) = %q, %v", z, in, got, masked)
		}
	}
}

func TestNoAllocWhenNothingMasked(t *testing.T) {
	for _, s := range []string{noDigits, longText, "4111111111111112 and ٤١١١١١١١١١١١١١١٢"} {
		if got, masked := String(s); got != s || masked {
			t.Fatalf("String(%.40q...) masked", s)
		}
		if n := testing.AllocsPerRun(100, func() { String(s) }); n != 0 {
			t.Errorf("String(%.40q...) allocates %v times", s, n)
		}
	}
}

// visibleText drops digits, invisibles and bullets: what is left must survive
// masking unchanged.
func visibleText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch c, _ := classify(r); c {
		case digit, invisible, bulletClass:
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func countDigitsAndBullets(s string) int {
	n := 0
	for _, r := range s {
		if c, _ := classify(r); c == digit || c == bulletClass {
			n++
		}
	}
	return n
}

// cardFor derives a Luhn-valid 16-digit card number from s.
func cardFor(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	x := h.Sum64()
	d := []byte("4")
	for len(d) < 15 {
		d = append(d, byte('0'+x%10))
		x /= 10
	}
	for c := byte('0'); c <= '9'; c++ {
		if luhnOK(string(append(d, c))) {
			return string(append(d, c))
		}
	}
	panic("unreachable")
}

func FuzzString(f *testing.F) {
	for _, tc := range cases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, masked := String(in)
		if !masked && out != in {
			t.Fatalf("String(%q) = %q but reports nothing masked", in, out)
		}
		if masked && out == in {
			t.Fatalf("String(%q) reports masking but returned the input", in)
		}
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("String(%q) = %q: invalid UTF-8", in, out)
		}
		if again, m := String(out); again != out || m {
			t.Fatalf("not idempotent: String(%q) = %q, String of that = %q", in, out, again)
		}
		if a, b := visibleText(in), visibleText(out); a != b {
			t.Fatalf("String(%q) = %q changed text outside digits: %q -> %q", in, out, a, b)
		}
		if a, b := countDigitsAndBullets(in), countDigitsAndBullets(out); a != b {
			t.Fatalf("String(%q) = %q: %d digits and bullets became %d", in, out, a, b)
		}

		card := cardFor(in)
		if strings.Contains(in, card) {
			return
		}
		at := len(in) / 2
		with := in[:at] + "x" + card + "x" + in[at:]
		got, masked := String(with)
		if !masked || strings.Contains(got, card) {
			t.Fatalf("String(%q) = %q: card %s not masked", with, got, card)
		}
		checkMasked(t, with, got)
	})
}

// checkMasked checks the invariants of out = String(in) when in was masked.
func checkMasked(t *testing.T, in, out string) {
	t.Helper()
	if again, m := String(out); again != out || m {
		t.Fatalf("not idempotent: String(%q) = %q, String of that = %q", in, out, again)
	}
	if a, b := visibleText(in), visibleText(out); a != b {
		t.Fatalf("String(%q) = %q changed text outside digits: %q -> %q", in, out, a, b)
	}
	if a, b := countDigitsAndBullets(in), countDigitsAndBullets(out); a != b {
		t.Fatalf("String(%q) = %q: %d digits and bullets became %d", in, out, a, b)
	}
}

// TestRandomDense runs the fuzz invariants on random strings made mostly of
// digits, separators, invisibles and bullets, where cards, overlaps and
// masked tails are common.
func TestRandomDense(t *testing.T) {
	digits := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "٤", "१", "０"}
	others := []string{" ", " ", "-", "\u00a0", "\n", "\u200b", "\u00ad", "•", "•", "a", "."}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 100000
	if testing.Short() {
		n = 10000
	}
	masked := 0
	for range n {
		var b strings.Builder
		for range 5 + rng.IntN(60) {
			if rng.IntN(4) == 0 {
				b.WriteString(others[rng.IntN(len(others))])
			} else {
				b.WriteString(digits[rng.IntN(len(digits))])
			}
		}
		in := b.String()
		out, m := String(in)
		if !m {
			if out != in {
				t.Fatalf("String(%q) = %q but reports nothing masked", in, out)
			}
			continue
		}
		masked++
		checkMasked(t, in, out)
	}
	if masked < n/20 {
		t.Fatalf("only %d of %d random strings masked", masked, n)
	}
}

const noDigits = "Hi! Thanks for reaching out. Could you tell me a bit more about the issue, please?"

var longText = func() string {
	para := "Hello, and thanks for contacting support. Your order 20260314-7781 was shipped on 2026-03-14 " +
		"and should arrive within 3 to 5 business days. If you have questions call +49 30 1234567 or " +
		"+90 532 123 45 67 between 9:00 and 17:30. The total was 1 234,56 EUR for 12 items; ticket #48213. "
	var b strings.Builder
	for b.Len() < 4096 {
		b.WriteString(para)
	}
	return b.String()[:4096]
}()

func BenchmarkStringNoDigits(b *testing.B) {
	b.SetBytes(int64(len(noDigits)))
	for b.Loop() {
		String(noDigits)
	}
}

func BenchmarkStringWithCard(b *testing.B) {
	const s = "Sure, my card number is 4111 1111 1111 1111 and it expires 12/27. Thanks!"
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		String(s)
	}
}

func BenchmarkStringLongText(b *testing.B) {
	b.SetBytes(int64(len(longText)))
	for b.Loop() {
		String(longText)
	}
}
