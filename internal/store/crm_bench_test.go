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

// BenchmarkPersonList times the person list's pages over 100,000 persons as the inbox asks for
// them: sorted by a column (name, newest change, a custom number field), filtered by a label,
// searched, and paged on with the keyset cursor — each page's query of 50 rows with their
// organisation's and owner's names. It reports the median and 95th percentile of the pages.
//
//	go test ./internal/store/ -run '^$' -bench PersonList -benchtime 600x -timeout 30m
func BenchmarkPersonList(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPersonList(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchPersonList(b, storetest.Postgres(b)) })
}

func benchPersonList(b *testing.B, db *store.DB) {
	ctx := b.Context()
	rng := rand.New(rand.NewPCG(3, 4))
	for done := 0; done < benchPersons; {
		batch := &crm.Batch{}
		for range min(1000, benchPersons-done) {
			first, last := benchFirst[rng.IntN(len(benchFirst))], benchLast[rng.IntN(len(benchLast))]
			labels := []string{}
			if rng.IntN(10) == 0 {
				labels = append(labels, "vip")
			}
			fields := crm.Values{}
			if rng.IntN(3) > 0 {
				fields["seats"] = float64(rng.IntN(500))
			}
			at := int64(1_700_000_000_000 + rng.IntN(1_000_000_000))
			batch.Insert(&crm.Person{Name: first + " " + last, Labels: labels, Fields: fields, Source: crm.SourceManual, CreatedAt: at, UpdatedAt: at,
				Emails: []crm.Email{{Value: fmt.Sprintf("%s.%d@%s", ascii(first), done, benchDomains[rng.IntN(len(benchDomains))])}}}, nil)
			done++
		}
		if err := db.Apply(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if db.Engine == store.Postgres {
		if _, err := db.Writer().ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	seats := &crm.Field{Key: "seats", Type: crm.NumberField}
	lists := []crm.Query{
		{Sort: crm.Sort{Key: "name"}},
		{Sort: crm.Sort{Key: "name", Desc: true}},
		{Sort: crm.Sort{Key: "updated_at", Desc: true}},
		{Sort: crm.Sort{Key: "fields.seats", Desc: true, Field: seats}},
		{Sort: crm.Sort{Key: "name"}, Label: "vip"},
		{Sort: crm.Sort{Key: "name"}, Q: "ber"},
		{Sort: crm.Sort{Key: "organization_name"}},
		{},
	}
	durations := make([]time.Duration, 0, 3*b.N)
	per := make([]time.Duration, len(lists))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		q := lists[i%len(lists)]
		q.Limit = 50
		// Three pages: the first, then on from each one's last row.
		for range 3 {
			t0 := time.Now()
			page, err := db.ListPersons(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			durations = append(durations, time.Since(t0))
			per[i%len(lists)] = max(per[i%len(lists)], time.Since(t0))
			if len(page) < 50 {
				break
			}
			q.Cursor = page[len(page)-1].Cursor
		}
	}
	b.StopTimer()
	for i, q := range lists {
		b.Logf("%s: sort %q label %q q %q: slowest page %s", db.Engine, q.Sort.Key, q.Label, q.Q, per[i].Round(time.Millisecond))
	}
	slices.Sort(durations)
	pct := func(p float64) float64 {
		return float64(durations[min(len(durations)-1, int(p*float64(len(durations))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
