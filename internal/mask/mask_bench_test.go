package mask

import (
	"strings"
	"testing"
)

// Masking runs on every message before it is stored (and again on the preview), so it is on the
// send path. Run with: go test ./internal/mask -run '^$' -bench . -benchmem

var benchTexts = map[string]string{
	// The common case: a chat line with a few digits that are no card.
	"typical": "Hi, I ordered running shoes last week (order 4471-2291) and they have not arrived yet. Could you check where they are?",
	// No digits at all: the quick path.
	"no-digits": "Thanks a lot, that was quick! Have a nice evening.",
	// A card number to mask.
	"card": "Hello, my card is 4111 1111 1111 1111 and it expires 12/28, can you charge it again?",
	// A long message full of numbers that are not cards (order lines, phone numbers).
	"numbers-2k": strings.Repeat("Order 1234 5678 90, phone +49 30 1234567, 3 × 19.99 EUR on 2026-01-15. ", 28),
}

func BenchmarkMask(b *testing.B) {
	for _, name := range []string{"typical", "no-digits", "card", "numbers-2k"} {
		text := benchTexts[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				String(text)
			}
		})
	}
}
