package crm

// Batch is what one change writes, in one transaction: inserts, guarded updates and deletions of
// records, in order. A record inserted may point at one inserted before it in the same batch (a
// lead at its new person): its references are resolved just before it is written, once the other
// has its id. internal/store writes a batch on its own (Repo.Apply) or inside a conversation's
// write (conversation.Write.With), so records and the conversation's log lines commit together or
// not at all.
type Batch struct {
	ops    []Op
	afters []func()
	convs  []*int64 // conversation_id of records made with a conversation being created
}

// OpKind is what an operation does.
type OpKind int

const (
	OpInsert OpKind = iota + 1
	OpUpdate
	OpDelete
)

// Op is one operation of a batch. Record is one of *Person, *Organization, *Lead, *Deal,
// *Activity, *Note, *Link, *Draft, *Rotation, *Move, *Change (inserted; one without fields is
// not written) or (OpDelete) *Deletion.
type Op struct {
	Kind   OpKind
	Record any
	// Prev guards an update: the updated_at the record was read with (a link's last_seq). Another
	// change committed in between fails the batch with a conflict.
	Prev    int64
	resolve func()
}

// Deletion removes a record with its notes, its links to conversations and its search terms.
type Deletion struct {
	Type RecordType
	ID   int64
}

// Rotation records the team member a round-robin owner went to last.
type Rotation struct {
	TeamID int64
	UserID int64
	At     int64
}

// Move hands a converted lead's activities, notes and conversation links to its deal.
type Move struct {
	LeadID int64
	DealID int64
}

// NewBatch returns a batch inserting recs, in order.
func NewBatch(recs ...any) *Batch {
	b := &Batch{}
	for _, r := range recs {
		b.Insert(r, nil)
	}
	return b
}

// Insert adds rec; resolve (may be nil) runs just before it is written, to point it at records
// written before it.
func (b *Batch) Insert(rec any, resolve func()) {
	b.ops = append(b.ops, Op{Kind: OpInsert, Record: rec, resolve: resolve})
}

// Update saves rec, guarded by prev (see Op.Prev).
func (b *Batch) Update(rec any, prev int64) {
	b.ops = append(b.ops, Op{Kind: OpUpdate, Record: rec, Prev: prev})
}

// Delete removes a record with its notes, links and search terms.
func (b *Batch) Delete(t RecordType, id int64) {
	b.ops = append(b.ops, Op{Kind: OpDelete, Record: &Deletion{Type: t, ID: id}})
}

// after runs fn once every operation is written (to put the new ids where others wait for them).
func (b *Batch) after(fn func()) { b.afters = append(b.afters, fn) }

// inConversation marks a record's conversation_id as the conversation's the batch is written with.
func (b *Batch) inConversation(p *int64) { b.convs = append(b.convs, p) }

// Empty reports whether the batch writes nothing.
func (b *Batch) Empty() bool { return b == nil || len(b.ops) == 0 }

// InConversation gives the records made with a conversation being created its id (a bot's first
// step creates both in one write).
func (b *Batch) InConversation(id int64) {
	for _, p := range b.convs {
		if *p == 0 {
			*p = id
		}
	}
}

// Each hands the operations to write, in order, each once its references are resolved; then it
// runs what waits for the new ids.
func (b *Batch) Each(write func(op *Op) error) error {
	for i := range b.ops {
		op := &b.ops[i]
		if op.resolve != nil {
			op.resolve()
		}
		if err := write(op); err != nil {
			return err
		}
	}
	for _, fn := range b.afters {
		fn()
	}
	return nil
}
