package search_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/search"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// TestSearchScale is the benchmark of docs/performance.md, "Search and filters": it generates
// PARLEY_SEARCH_BENCH messages (1000000 for the documented run) in a tenth as many conversations,
// indexes them, and times searches and filtered lists (p50/p95) for an agent and an admin; then
// the message send path's throughput with the search indexer consuming the log against without
// it (median of 5 alternating runs). A benchmark, run once per engine, with PARLEY_SEARCH_BENCH
// messages (default 100,000):
//
//	PARLEY_SEARCH_BENCH=1000000 go test ./internal/search -run ^$ -bench SearchScale -benchtime 1x -v -timeout 3h
//
// (with PARLEY_TEST_POSTGRES set it runs on PostgreSQL too; PARLEY_SEARCH_BENCH_ENGINE=sqlite or
// postgres picks one).
func BenchmarkSearchScale(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("PARLEY_SEARCH_BENCH"))
	if n <= 0 {
		n = 100_000
	}
	only := os.Getenv("PARLEY_SEARCH_BENCH_ENGINE")
	if only != "postgres" {
		b.Run("sqlite", func(b *testing.B) { scale(b, storetest.SQLite(b), n) })
	}
	if only != "sqlite" {
		b.Run("postgres", func(b *testing.B) { scale(b, storetest.Postgres(b), n) })
	}
}

// vocabulary: pseudo-words drawn with a Zipf distribution (a few are in most messages, most in
// few), and real inflected words of each language so stems have something to do.
type vocabulary struct {
	words []string
	zipf  *rand.Zipf
	r     *rand.Rand
}

var inflected = []string{
	"Rechnungsadresse", "Rechnungsadressen", "Lieferung", "Lieferungen", "Bestellung", "Bestellungen", "bestellt", "geliefert",
	"fiets", "fietsen", "bestelling", "bestellingen", "levering", "geleverd", "factuur", "facturen",
	"ház", "házak", "házakban", "rendelés", "rendelések", "számla", "számlák", "szállítás",
	"sipariş", "siparişler", "siparişim", "fatura", "faturalar", "teslimat",
	"order", "orders", "ordered", "delivery", "deliveries", "invoice", "invoices", "refund", "refunded", "shipping",
}

func newVocabulary(seed uint64) *vocabulary {
	r := rand.New(rand.NewPCG(seed, 1))
	v := &vocabulary{r: r}
	syll := []string{"ka", "lo", "mi", "ten", "ra", "vo", "sun", "de", "bri", "ol", "ix", "ma", "pe", "tu", "ger", "an", "sel", "ko", "ru", "fi"}
	seen := map[string]bool{}
	for len(v.words) < 20000 {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteString(syll[r.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			v.words = append(v.words, w)
		}
	}
	// The real words sit at ranks a hundred apart, from common to rare.
	for i, w := range inflected {
		v.words[50+i*100] = w
	}
	v.zipf = rand.NewZipf(r, 1.1, 2, uint64(len(v.words)-1))
	return v
}

func (v *vocabulary) word() string { return v.words[v.zipf.Uint64()] }

func (v *vocabulary) sentence() string {
	n := 5 + v.r.IntN(20)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = v.word()
	}
	return strings.Join(parts, " ")
}

type timings struct {
	name string
	d    []time.Duration
}

func (tm *timings) add(d time.Duration) { tm.d = append(tm.d, d) }

func (tm *timings) report(t testing.TB) {
	slices.Sort(tm.d)
	p := func(q float64) time.Duration { return tm.d[min(len(tm.d)-1, int(q*float64(len(tm.d))))] }
	t.Logf("%-44s n=%d  p50 %6.1f ms  p95 %6.1f ms  max %6.1f ms", tm.name, len(tm.d),
		float64(p(0.50).Microseconds())/1000, float64(p(0.95).Microseconds())/1000, float64(tm.d[len(tm.d)-1].Microseconds())/1000)
}

func scale(t testing.TB, db *store.DB, messages int) {
	ctx := context.Background()
	f := &fixture{t: t, ctx: ctx, db: db}
	admin := f.user("admin", auth.Admin)
	agent := f.user("agent", auth.Agent)
	colleague := f.user("colleague", auth.Agent)
	langs := []string{"en", "de", "nl", "tr", "hu"}
	var inboxes []int64
	for i, l := range langs {
		vis := "shared"
		if i%2 == 0 {
			vis = "private"
		}
		members := []*auth.User{colleague}
		if i < 3 {
			members = append(members, agent)
		}
		inboxes = append(inboxes, f.inbox("Inbox "+l, vis, l, members...))
	}
	for _, name := range []string{"billing", "vip", "bug", "refund", "lead", "spam-check", "follow-up", "urgent", "b2b", "press"} {
		f.insert("INSERT INTO tags (name, name_key, color, created_at, updated_at) VALUES ($1, $1, '', 1, 1)", name)
	}

	convs := max(messages/10, 1)
	v := newVocabulary(42)
	start := time.Now()
	generate(t, ctx, db, v, inboxes, []int64{agent.ID, colleague.ID, admin.ID}, convs, messages)
	t.Logf("generated %d messages in %d conversations in %s", messages, convs, time.Since(start).Round(time.Second))

	svc := search.New(db, scoper{db}, nil)
	analyze(t, db)
	start = time.Now()
	if err := svc.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("indexed in %s (%.0f messages/s)", took.Round(time.Second), float64(messages)/took.Seconds())
	analyze(t, db)

	// Searches: common, middling and rare words, two words, a prefix, a phrase; as an agent
	// (three inboxes, two private) and as an admin.
	queries := []struct {
		name string
		q    func() string
	}{
		{"one common word", func() string { return v.words[v.r.IntN(20)] }},
		{"one middling word", func() string { return v.words[100+v.r.IntN(900)] }},
		{"one rare word", func() string { return v.words[2000+v.r.IntN(18000)] }},
		{"an inflected word", func() string { return inflected[v.r.IntN(len(inflected))] }},
		{"two words", func() string { return v.words[v.r.IntN(200)] + " " + v.words[200+v.r.IntN(2000)] }},
		{"a prefix (4 letters)", func() string { w := v.words[v.r.IntN(2000)]; return w[:min(4, len(w))] }},
		{"a phrase", func() string { return `"` + v.words[v.r.IntN(30)] + " " + v.words[v.r.IntN(30)] + `"` }},
	}
	for _, who := range []*auth.User{agent, admin} {
		all := &timings{name: "search, all kinds, " + who.Name}
		for _, q := range queries {
			tm := &timings{name: "search " + q.name + ", " + who.Name}
			for range 40 {
				s := q.q()
				at := time.Now()
				if _, err := svc.Search(ctx, who, search.Query{Q: s}); err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				tm.add(time.Since(at))
				all.add(tm.d[len(tm.d)-1])
			}
			tm.report(t)
		}
		all.report(t)
	}

	// Filtered lists: the first page (50) and the count, within the user's scope.
	week := int64(7 * 24 * time.Hour / time.Millisecond)
	now := int64(1_780_000_000_000)
	filters := []struct {
		name string
		f    conversation.Filter
		fold conversation.Folder
	}{
		{"open, unassigned", conversation.Filter{Assignee: conversation.Unassigned}, conversation.FolderOpen},
		{"closed, rated 1–2", conversation.Filter{Ratings: []int{1, 2}}, conversation.FolderClosed},
		{"all, tag + channel", conversation.Filter{Tags: []int64{3}, Channel: inbox.Web}, conversation.FolderAll},
		{"all, country + last week", conversation.Filter{Country: "DE", Created: conversation.Range{From: now - week}}, conversation.FolderAll},
		{"all, page URL contains", conversation.Filter{PageURL: "checkout"}, conversation.FolderAll},
		{"all, IP range /16", conversation.Filter{IP: mustPrefix("10.7.0.0/16")}, conversation.FolderAll},
		{"all, has a lead, team", conversation.Filter{HasLead: ptr(false), Team: conversation.Unassigned}, conversation.FolderAll},
	}
	for _, who := range []*auth.User{agent, admin} {
		sc, err := scoper{db}.VisibleScope(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		all := &timings{name: "filtered list (first page), " + who.Name}
		counts := &timings{name: "filtered count (a view's), " + who.Name}
		for _, fl := range filters {
			tm := &timings{name: "list " + fl.name + ", " + who.Name}
			for range 20 {
				q := conversation.ListQuery{Scope: sc, Folder: fl.fold, Filter: fl.f, Limit: 50}
				at := time.Now()
				if _, err := db.ListConversations(ctx, q); err != nil {
					t.Fatal(err)
				}
				tm.add(time.Since(at))
				all.add(tm.d[len(tm.d)-1])
				at = time.Now()
				if _, err := db.CountConversations(ctx, q); err != nil {
					t.Fatal(err)
				}
				counts.add(time.Since(at))
			}
			tm.report(t)
		}
		all.report(t)
		counts.report(t)
	}

	sendThroughput(t, db, svc, inboxes[0])
}

func ptr[T any](v T) *T { return &v }

func generate(t testing.TB, ctx context.Context, db *store.DB, v *vocabulary, inboxes, users []int64, convs, messages int) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	countries := []string{"DE", "NL", "TR", "HU", "US", "GB", "FR", "AT"}
	pages := []string{"/", "/pricing", "/checkout", "/blog/how-to", "/contact", "/products/shoes"}
	now := int64(1_780_000_000_000)
	const batch = 500
	var tx *sql.Tx
	exec := func(q string, rows int, cols int, row func(i int) []any) {
		var b strings.Builder
		b.WriteString(q)
		args := make([]any, 0, rows*cols)
		for i := range rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for c := range cols {
				if c > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "$%d", len(args)+c+1)
			}
			b.WriteString(")")
			args = append(args, row(i)...)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(table string) int64 {
		var id int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+table).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	for from := 0; from < convs; from += batch {
		var err error
		if tx, err = db.Writer().BeginTx(ctx, nil); err != nil {
			t.Fatal(err)
		}
		rows := min(batch, convs-from)
		contact0 := ids("contacts")
		exec("INSERT INTO contacts (name, email, created_at, updated_at) VALUES ", rows, 4, func(i int) []any {
			n := from + i
			return []any{fmt.Sprintf("%s %s", v.words[1000+n%5000], v.words[6000+n%7000]), fmt.Sprintf("c%d@example.com", n), now, now}
		})
		visitor0 := ids("visitors")
		exec("INSERT INTO visitors (website_id, contact_id, token_hash, ip, ip_key, country, first_seen, last_seen) VALUES ", rows, 8, func(i int) []any {
			n := from + i
			ip := fmt.Sprintf("10.%d.%d.%d", n%16, (n/16)%256, n%251)
			return []any{inboxes[n%len(inboxes)], contact0 + int64(i) + 1, fmt.Sprintf("tok%d", n), ip, store.IPKey(ip), countries[n%len(countries)], now, now}
		})
		exec("INSERT INTO page_views (visitor_id, url, at) VALUES ", rows, 3, func(i int) []any {
			return []any{visitor0 + int64(i) + 1, "https://shop.example" + pages[r.IntN(len(pages))], now}
		})
		conv0 := ids("conversations")
		per := messages / convs
		exec(`INSERT INTO conversations (inbox_id, contact_id, visitor_id, channel, status, assignee_id, rating, last_seq, created_at, updated_at,
			last_message_at, closed_at) VALUES `, rows, 12, func(i int) []any {
			n := from + i
			created := now - int64(r.IntN(365*24*3600))*1000
			status, closed, rating := "open", any(nil), any(nil)
			if r.IntN(10) < 7 {
				status, closed = "closed", created+3600_000
				if r.IntN(3) == 0 {
					rating = 1 + r.IntN(5)
				}
			}
			var assignee any
			if r.IntN(3) > 0 {
				assignee = users[r.IntN(len(users))]
			}
			return []any{inboxes[n%len(inboxes)], contact0 + int64(i) + 1, visitor0 + int64(i) + 1, "web", status, assignee, rating, per, created, created,
				created + int64(per)*60_000, closed}
		})
		exec("INSERT INTO conversation_tags (conversation_id, tag_id, created_at) VALUES ", rows/5, 3, func(i int) []any {
			return []any{conv0 + int64(i*5) + 1, 1 + int64(i%10), now}
		})
		// Messages: per each, in batches of 500 rows.
		var msgs [][]any
		for i := range rows {
			conv := conv0 + int64(i) + 1
			for s := 1; s <= per; s++ {
				sender := "visitor"
				if s%2 == 0 {
					sender = "agent"
				}
				msgs = append(msgs, []any{conv, inboxes[(from+i)%len(inboxes)], s, sender, "text", v.sentence(), now})
			}
		}
		for m := 0; m < len(msgs); m += batch {
			part := msgs[m:min(m+batch, len(msgs))]
			exec("INSERT INTO messages (conversation_id, inbox_id, seq, sender_kind, kind, body, created_at) VALUES ", len(part), 7, func(i int) []any { return part[i] })
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// sendThroughput compares the message send path (visitors writing into their open conversations,
// 32 at once) with the search indexer consuming the event log and without it: 5 runs each,
// alternating, 5 seconds each; the medians.
func sendThroughput(t testing.TB, db *store.DB, svc *search.Service, inboxID int64) {
	ctx := context.Background()
	web, err := db.InboxByID(ctx, inboxID)
	if err != nil {
		t.Fatal(err)
	}
	var runner *event.Runner
	feed := &wakeFeed{}
	convs := conversation.NewService(conversation.Options{Repo: db, Presence: always{}, Feed: feed})
	froms := make([]conversation.From, 64)
	for i := range froms {
		var id int64
		if err := db.Writer().QueryRowContext(ctx, "INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id", fmt.Sprintf("Sender %d", i)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		froms[i] = conversation.From{Inbox: web, ContactID: id, Name: "Sender"}
		if _, _, err := convs.ContactWrites(ctx, froms[i], conversation.MessageInput{Body: "Hello", ClientID: "first"}); err != nil {
			t.Fatal(err)
		}
	}
	var seq atomic.Int64
	// Each run: messages per second, and this process's CPU time per message (on a shared
	// machine it moves much less than throughput; PostgreSQL's own share is not in it).
	run := func(indexing bool) (float64, float64) {
		rctx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		if indexing {
			// The indexer first catches up with what is in the log, then follows it.
			runner = event.NewRunner(db, nil, event.RunnerOptions{Node: "bench", Poll: 20 * time.Millisecond}, svc.Consumer())
			feed.wake.Store(runner)
			wg.Go(func() { runner.Run(rctx) })
			deadline := time.Now().Add(10 * time.Minute)
			for time.Now().Before(deadline) {
				last, err := db.LastPosition(ctx)
				if err != nil {
					t.Fatal(err)
				}
				var at int64
				_ = db.Reader().QueryRowContext(ctx, "SELECT position FROM event_consumers WHERE name = 'search'").Scan(&at)
				if at >= last {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		var sent atomic.Int64
		cpu0 := cpuTime()
		end := time.Now().Add(5 * time.Second)
		var senders sync.WaitGroup
		for range 32 {
			senders.Go(func() {
				for time.Now().Before(end) {
					n := seq.Add(1)
					if _, _, err := convs.ContactWrites(ctx, froms[n%int64(len(froms))], conversation.MessageInput{Body: "Meine Rechnungsadresse hat sich geändert, bitte die Lieferung umleiten", ClientID: fmt.Sprintf("s-%d", n)}); err != nil {
						t.Error(err)
						return
					}
					sent.Add(1)
				}
			})
		}
		senders.Wait()
		cpu := cpuTime() - cpu0
		stop()
		wg.Wait()
		feed.wake.Store(nil)
		n := float64(sent.Load())
		return n / 5, float64(cpu.Microseconds()) / n
	}
	var on, off, onCPU, offCPU []float64
	for i := range 10 {
		rate, cpu := run(i%2 == 1)
		if i%2 == 0 {
			off, offCPU = append(off, rate), append(offCPU, cpu)
		} else {
			on, onCPU = append(on, rate), append(onCPU, cpu)
		}
	}
	for _, l := range [][]float64{on, off, onCPU, offCPU} {
		slices.Sort(l)
	}
	t.Logf("send path, 32 senders: indexing off %.0f msgs/s, on %.0f msgs/s; medians %.0f vs %.0f (%+.1f %%)", off, on, off[2], on[2], (on[2]-off[2])/off[2]*100)
	t.Logf("send path CPU of this process per message (indexing included when on): off %.0f µs, on %.0f µs; medians %.0f vs %.0f µs (%+.1f %%)",
		offCPU, onCPU, offCPU[2], onCPU[2], (onCPU[2]-offCPU[2])/offCPU[2]*100)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type wakeFeed struct{ wake atomic.Pointer[event.Runner] }

func (f *wakeFeed) Committed(context.Context, event.Notice) {
	if r := f.wake.Load(); r != nil {
		r.Wake()
	}
}

func (f *wakeFeed) Signal(context.Context, string, any) {}

type always struct{}

func (always) Available(context.Context, int64) bool { return true }
func (always) OnlineUsers() []int64                  { return nil }

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// analyze gives the query planner its statistics, as autovacuum (PostgreSQL) and a running
// installation's use would have them after a bulk load.
func analyze(t testing.TB, db *store.DB) {
	t.Helper()
	if _, err := db.Writer().ExecContext(context.Background(), "ANALYZE"); err != nil {
		t.Fatal(err)
	}
}
