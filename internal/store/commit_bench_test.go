package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/inbox"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// Benchmarks of the write that persists a message: Commit (conversation update + message row, one
// transaction each), and a sketch of group commit (the same statements for K messages in one
// transaction) to show what batching would buy. Run with
//
//	go test ./internal/store -run '^$' -bench . -benchtime 3s
//
// PARLEY_TEST_POSTGRES set adds the postgres sub-benchmarks.

const commitBody = "Hi, I ordered running shoes last week (order 4471-2291) and they have not arrived yet. Could you check where they are?"

// conversationsFor creates n open conversations of n contacts on a new website; it returns them
// with their current last_seq.
func conversationsFor(b testing.TB, db *store.DB, n int) []*conversation.Conversation {
	b.Helper()
	ctx := context.Background()
	site := &inbox.Website{
		Inbox:     inbox.Inbox{Name: "Website", Visibility: inbox.Private, ReopenPolicy: inbox.Final, CreatedAt: 1, UpdatedAt: 1},
		PublicKey: inbox.NewKey("pk_", 16), Secret: inbox.NewKey("sk_", 32), AllowedDomains: []string{"example.com"}, TimeZone: "UTC",
	}
	if err := db.CreateWebsite(ctx, site); err != nil {
		b.Fatal(err)
	}
	out := make([]*conversation.Conversation, n)
	for i := range out {
		var contactID int64
		if err := db.Writer().QueryRowContext(ctx, "INSERT INTO contacts (name, created_at, updated_at) VALUES ($1, 1, 1) RETURNING id",
			fmt.Sprintf("Visitor %d", i)).Scan(&contactID); err != nil {
			b.Fatal(err)
		}
		c := &conversation.Conversation{InboxID: site.ID, Channel: inbox.Web, ContactID: contactID, Status: conversation.Open, CreatedAt: 1, UpdatedAt: 1, LastMessageAt: 1}
		if _, err := db.Commit(ctx, &conversation.Write{Conv: c, Append: []conversation.Message{{SenderKind: conversation.FromVisitor, Kind: conversation.Text,
			Body: "Hello", CreatedAt: 1}}}); err != nil {
			b.Fatal(err)
		}
		out[i] = c
	}
	return out
}

func engines(b *testing.B, fn func(b *testing.B, db *store.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, storetest.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.Postgres(b)) })
}

// cpuPerOp reports the process's CPU time (user + system) per operation from now until the
// returned function is called. On a machine shared with other work it varies much less than
// throughput does. On PostgreSQL it leaves out the server's share.
func cpuPerOp(b *testing.B) (report func()) {
	start := cpuTime()
	return func() { b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCommit: one message appended to an open conversation, as Service.ContactWrites commits
// it (without the service's reads before the transaction).
func BenchmarkCommit(b *testing.B) {
	engines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		convs := conversationsFor(b, db, 256)
		b.ReportAllocs()
		i := 0
		report := cpuPerOp(b)
		for b.Loop() {
			c := convs[i%len(convs)]
			i++
			next := *c
			next.Preview, next.LastMessageAt, next.UpdatedAt = commitBody[:80], int64(i+1), int64(i+1)
			_, err := db.Commit(ctx, &conversation.Write{Conv: &next, ExpectSeq: c.LastSeq,
				Append: []conversation.Message{{SenderKind: conversation.FromVisitor, Kind: conversation.Text, Body: commitBody,
					ClientID: fmt.Sprintf("c-%d", i), CreatedAt: int64(i + 1)}}})
			if err != nil {
				b.Fatal(err)
			}
			*c = next
		}
		report()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkCommitParallel: BenchmarkCommit from many goroutines at once (16 per GOMAXPROCS, as
// many sockets sending at once), each appending to a conversation of its own so that no guard
// fails. This is the shape group commit batches; run with -cpu 1,2,8 to vary the senders.
func BenchmarkCommitParallel(b *testing.B) {
	engines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		convs := conversationsFor(b, db, 16*runtime.GOMAXPROCS(0))
		var slot, seq atomic.Int64
		b.ReportAllocs()
		b.SetParallelism(16)
		b.ResetTimer()
		report := cpuPerOp(b)
		b.RunParallel(func(pb *testing.PB) {
			c := *convs[(slot.Add(1)-1)%int64(len(convs))]
			for pb.Next() {
				i := seq.Add(1)
				next := c
				next.Preview, next.LastMessageAt, next.UpdatedAt = commitBody[:80], i+1, i+1
				_, err := db.Commit(ctx, &conversation.Write{Conv: &next, ExpectSeq: c.LastSeq,
					Append: []conversation.Message{{SenderKind: conversation.FromVisitor, Kind: conversation.Text, Body: commitBody,
						ClientID: fmt.Sprintf("p-%d", i), CreatedAt: i + 1}}})
				if err != nil {
					b.Error(err) // not Fatal: RunParallel's goroutines may not end the benchmark
					return
				}
				c = next
			}
		})
		report()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkGroupCommitSketch: the statements Commit runs for one message (duplicate check, guarded
// conversation update, message insert), for K messages of K conversations in one transaction. K=1
// is today's shape; larger K is what an eager group commit (a writer goroutine that takes whatever
// is queued) would pay per message. "prepared" runs the same statements prepared once on the
// writer instead of parsed at every call, as database/sql does with a plain QueryRowContext. One
// operation is one message.
func BenchmarkGroupCommitSketch(b *testing.B) {
	const (
		qDup    = "SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND client_id = $2"
		qUpdate = `UPDATE conversations SET status = $1, preview = $2, updated_at = $3, last_message_at = $4,
			last_seq = last_seq + 1 WHERE id = $5 AND last_seq = $6 RETURNING last_seq`
		qInsert = `INSERT INTO messages (conversation_id, seq, sender_kind, sender_id, kind, body, event, client_id,
			external_id, attachment_id, created_at) VALUES ($1, $2, 'visitor', NULL, 'text', $3, '{}', $4, NULL, NULL, $5) RETURNING id`
	)
	engines(b, func(b *testing.B, db *store.DB) {
		ctx := context.Background()
		convs := conversationsFor(b, db, 512)
		var stmts [3]*sql.Stmt
		for i, q := range []string{qDup, qUpdate, qInsert} {
			st, err := db.Writer().PrepareContext(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			stmts[i] = st
		}
		n := 0
		for _, prepared := range []bool{false, true} {
			for _, k := range []int{1, 8, 64, 256} {
				name := fmt.Sprintf("K=%d", k)
				if prepared {
					name += "/prepared"
				}
				b.Run(name, func(b *testing.B) {
					b.ReportAllocs()
					done := 0
					for done < b.N {
						batch := min(k, b.N-done)
						err := db.InTx(ctx, func(tx *store.Tx) error {
							row := func(i int, q string, args ...any) *sql.Row {
								if prepared {
									return tx.StmtContext(ctx, stmts[i]).QueryRowContext(ctx, args...)
								}
								return tx.QueryRowContext(ctx, q, args...)
							}
							for j := range batch {
								n++
								c := convs[(done+j)%len(convs)]
								clientID := fmt.Sprintf("g-%d", n)
								var dup, seq, id int64
								if err := row(0, qDup, c.ID, clientID).Scan(&dup); err != nil {
									return err
								}
								if err := row(1, qUpdate, c.Status, commitBody[:80], int64(n), int64(n), c.ID, c.LastSeq).Scan(&seq); err != nil {
									return err
								}
								c.LastSeq = seq
								if err := row(2, qInsert, c.ID, seq, commitBody, clientID, int64(n)).Scan(&id); err != nil {
									return err
								}
							}
							return nil
						})
						if err != nil {
							b.Fatal(err)
						}
						done += batch
					}
					b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
				})
			}
		}
	})
}
