package store_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/crm"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// BenchmarkPersonSearch times ?q= over 100,000 persons (the person list's query: a page of 50,
// newest first, with their organisation's and owner's names), on both engines, and reports the
// median and 95th percentile of the queries. The queries are what people type: a first letter, a
// few letters of a name, a full name, the start of an email, a domain, a phone number's digits.
//
//	go test ./internal/store/ -run '^$' -bench PersonSearch -benchtime 2000x -timeout 30m
func BenchmarkPersonSearch(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPersonSearch(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchPersonSearch(b, storetest.Postgres(b)) })
}

const benchPersons = 100_000

var (
	benchFirst = []string{"Ana", "Bob", "Carla", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jan", "Kim", "Lena", "Mark", "Nina", "Otto",
		"Paula", "Quinn", "Rosa", "Sven", "Tara", "Uwe", "Vera", "Walt", "Xenia", "Yusuf", "Zoe", "Ahmet", "Ayşe", "Bence", "Réka", "Jean-Luc",
		"Marie", "Lucas", "Emma", "Noah", "Mia", "Liam", "Sofia", "Elif", "Mehmet", "Anna", "Peter", "Julia", "Tom", "Sara", "Max", "Lea",
		"Finn", "Clara", "Jonas"}
	benchLast = []string{"Berger", "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann", "Yılmaz",
		"Kaya", "Demir", "Şahin", "Çelik", "Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "de Vries", "Jansen", "van Dijk", "Bakker", "Visser",
		"Smith", "Jones", "Taylor", "Brown", "Wilson", "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Rossi", "Russo", "Ferrari",
		"Esposito", "Bianchi", "García", "López", "Novak", "Horvat", "Kowalski", "Nowak", "Larsen", "Hansen", "Johansson", "Virtanen"}
	benchDomains = []string{"example.com", "mail.example", "firma.example", "bedrijf.example", "sirket.example", "ceg.example"}
)

func benchPersonSearch(b *testing.B, db *store.DB) {
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	for done := 0; done < benchPersons; {
		batch := &crm.Batch{}
		for range min(1000, benchPersons-done) {
			first, last := benchFirst[rng.IntN(len(benchFirst))], benchLast[rng.IntN(len(benchLast))]
			p := &crm.Person{Name: first + " " + last, Labels: []string{}, Fields: crm.Values{}, Source: crm.SourceManual, CreatedAt: 1, UpdatedAt: 1,
				Emails: []crm.Email{{Value: fmt.Sprintf("%s.%d@%s", ascii(first), done, benchDomains[rng.IntN(len(benchDomains))])}},
				Phones: []crm.Phone{{Value: fmt.Sprintf("+49 %d %07d", 30+rng.IntN(60), rng.IntN(10_000_000))}}}
			batch.Insert(p, nil)
			done++
		}
		if err := db.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: %d persons written in %s", db.Engine, benchPersons, time.Since(start).Round(time.Second))
	if db.Engine == store.Postgres {
		// What autovacuum does soon after a bulk load: statistics, and the visibility map that lets
		// the terms be read from their index alone.
		if _, err := db.Writer().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	queries := []string{"a", "m", "s", "an", "ber", "mül", "yıl", "kov", "jean", "ana berger", "emma sch", "lucas.12", "sofia.9",
		"firma.example", "sirket", "+4930", "4955 12", "zo", "van", "de vries", "horv", "ss", "q", "x"}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := queries[i%len(queries)]
		t0 := time.Now()
		if _, err := db.ListPersons(ctx, crm.Query{Q: q, Limit: 50}); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[min(len(durations)-1, int(p*float64(len(durations))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// ascii keeps an email's local part to plain letters.
func ascii(s string) string {
	out := []rune{}
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r >= 'a' && r <= 'z' {
			out = append(out, r)
		}
	}
	return string(out)
}
