package report_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/report"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// BenchmarkMonthReport: a month's overview and breakdown over 100,000 conversations' facts, on
// both engines, with the 95th percentile of one report's time (docs/performance.md):
//
//	go test ./internal/report/ -run '^$' -bench MonthReport -benchtime 40x
func BenchmarkMonthReport(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var db *store.DB
			if engine == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			seedFacts(b, db, 100_000)
			svc := report.New(db, db)
			admin := &auth.User{ID: 1, Role: auth.Owner}
			ctx := context.Background()
			q := report.Query{From: "2026-03-01", To: "2026-03-30", Zone: "Europe/Berlin"}
			for _, kind := range []string{"overview", "breakdown"} {
				b.Run(kind, func(b *testing.B) {
					var took []time.Duration
					for b.Loop() {
						start := time.Now()
						var err error
						if kind == "overview" {
							var o *report.Overview
							o, err = svc.Overview(ctx, admin, q)
							if err == nil && o.Current.Conversations < 99_000 {
								err = fmt.Errorf("%d conversations", o.Current.Conversations)
							}
						} else {
							_, err = svc.Breakdown(ctx, admin, report.Query{From: q.From, To: q.To, Zone: q.Zone, By: "agent"})
						}
						if err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(start))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[report.Rank(95, len(took))-1].Microseconds())/1000, "p95-ms")
				})
			}
		})
	}
}

// seedFacts writes n conversations' facts spread over March 2026: most answered within seconds to
// minutes, a tenth missed, most closed, a third rated.
func seedFacts(b *testing.B, db *store.DB, n int) {
	b.Helper()
	r := rand.New(rand.NewPCG(21, 2026))
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	const month = 30 * 24 * 3600 * 1000
	const batch = 100 // rows per INSERT: SQLite parses many numbered parameters slowly
	ctx := context.Background()
	for done := 0; done < n; done += batch {
		var rows []string
		var args []any
		for i := done; i < min(done+batch, n); i++ {
			created := start + r.Int64N(month-3600_000)
			var response, closed, rating, rated any
			if r.IntN(10) > 0 {
				response = created + 5_000 + r.Int64N(20*60_000)
			}
			if r.IntN(10) < 7 {
				closed = created + 60_000 + r.Int64N(3*3600_000)
			}
			comment := ""
			if r.IntN(3) == 0 {
				rating, rated = 1+r.IntN(5), created+3600_000
				if r.IntN(20) == 0 {
					comment = "Thanks!"
				}
			}
			channel := "web"
			if i%5 == 0 {
				channel = "email"
			}
			p := len(args)
			rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
				p+1, p+2, p+3, p+4, p+5, p+6, p+7, p+8, p+9, p+10, p+11, p+12))
			args = append(args, int64(i+1), int64(1+i%3), channel, created, int64(1+r.IntN(20)), int64(1+r.IntN(4)), created, response,
				closed, rating, comment, rated)
		}
		if _, err := db.Writer().ExecContext(ctx, `INSERT INTO report_conversations (conversation_id, inbox_id, channel, created_at,
			agent_id, team_id, first_contact_at, first_response_at, closed_at, rating, rating_comment, rated_at) VALUES `+strings.Join(rows, ", "), args...); err != nil {
			b.Fatal(err)
		}
	}
}
