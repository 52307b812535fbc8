package conversation

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

// Directory is one node's copy of who works in which inbox: users (role, deactivated), inboxes
// (visibility) and members. Live fan-out decides who receives each event from it without reading
// the database, and it answers how many agents are available in an inbox from memory.
//
// It follows the events that change access (user.created|updated|role_changed, inbox.created|
// updated|access_changed) in the order they arrive on the feed, each applied to a copy that is
// then swapped in atomically: a change is in effect before the next notice is delivered, so a
// demoted admin's sockets stop receiving a private inbox's messages committed after the demotion.
// When notices may have been missed (the bus reconnected) it is rebuilt from the database, off
// the feed's goroutine.
type Directory struct {
	repo DirectoryRepo
	log  *slog.Logger
	cur  atomic.Pointer[directoryState]
	// gen counts the access changes applied, so a rebuild that read the database before one of
	// them knows to read again.
	gen   atomic.Int64
	dirty chan struct{} // capacity 1: a rebuild is wanted
	mu    sync.Mutex    // held while the state is replaced
}

// DirectoryRepo reads what the directory holds.
type DirectoryRepo interface {
	ListUsers(ctx context.Context) ([]auth.User, error)
	ListInboxes(ctx context.Context) ([]inbox.Inbox, error)
	InboxMemberships(ctx context.Context) (map[int64][]int64, error)
}

type directoryState struct {
	users   map[int64]*auth.User
	inboxes map[int64]*inbox.Inbox
	members map[int64][]int64 // inbox → users, sorted
}

// NewDirectory returns an empty directory; Load fills it.
func NewDirectory(repo DirectoryRepo, log *slog.Logger) *Directory {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Directory{repo: repo, log: log, dirty: make(chan struct{}, 1)}
	d.cur.Store(&directoryState{users: map[int64]*auth.User{}, inboxes: map[int64]*inbox.Inbox{}, members: map[int64][]int64{}})
	return d
}

// Load reads the directory from the database.
func (d *Directory) Load(ctx context.Context) error {
	for {
		gen := d.gen.Load()
		users, err := d.repo.ListUsers(ctx)
		if err != nil {
			return err
		}
		inboxes, err := d.repo.ListInboxes(ctx)
		if err != nil {
			return err
		}
		members, err := d.repo.InboxMemberships(ctx)
		if err != nil {
			return err
		}
		st := &directoryState{users: make(map[int64]*auth.User, len(users)), inboxes: make(map[int64]*inbox.Inbox, len(inboxes)), members: members}
		for i := range users {
			st.users[users[i].ID] = &users[i]
		}
		for i := range inboxes {
			st.inboxes[inboxes[i].ID] = &inboxes[i]
		}
		for id := range st.members {
			slices.Sort(st.members[id])
		}
		// A change applied while this read ran may be older than what was read, or newer: read
		// again rather than guess (changes of access are rare).
		d.mu.Lock()
		same := d.gen.Load() == gen
		if same {
			d.cur.Store(st)
		}
		d.mu.Unlock()
		if same {
			return nil
		}
	}
}

// Reload asks Run to read the directory again from the database.
func (d *Directory) Reload() {
	select {
	case d.dirty <- struct{}{}:
	default:
	}
}

// Run rebuilds the directory whenever notices may have been missed, until ctx ends.
func (d *Directory) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.dirty:
		}
		for ctx.Err() == nil {
			if err := d.Load(ctx); err == nil {
				break
			} else if ctx.Err() == nil {
				d.log.Warn("reload the access directory", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		}
	}
}

// Notice applies what a notice says about access (the feed's consumer). It reads no database.
func (d *Directory) Notice(n *event.Notice) {
	if n.Resync {
		d.Reload()
		return
	}
	for i := range n.Events {
		d.apply(&n.Events[i])
	}
}

// Changes reports whether an event changes who may see what (the hub then tells clients to
// refetch).
func Changes(e *event.Event) bool {
	switch e.Type {
	case event.UserRoleChanged, event.UserUpdated, event.InboxAccessChanged, event.InboxUpdated:
		return true
	}
	return false
}

func (d *Directory) apply(e *event.Event) {
	switch e.Type {
	case event.UserCreated, event.UserUpdated:
		var u auth.User
		if json.Unmarshal(e.Data, &u) != nil || u.ID == 0 {
			return
		}
		d.update(func(st *directoryState) { st.users = cloneSet(st.users, u.ID, &u) })
	case event.UserRoleChanged:
		var rc auth.RoleChange
		if json.Unmarshal(e.Data, &rc) != nil {
			return
		}
		d.update(func(st *directoryState) {
			if old := st.users[rc.UserID]; old != nil {
				u := *old
				u.Role = rc.Role
				st.users = cloneSet(st.users, u.ID, &u)
			}
		})
	case event.InboxCreated, event.InboxUpdated:
		var ib inbox.Inbox
		if json.Unmarshal(e.Data, &ib) != nil || ib.ID == 0 {
			return
		}
		d.update(func(st *directoryState) { st.inboxes = cloneSet(st.inboxes, ib.ID, &ib) })
	case event.InboxAccessChanged:
		var a inbox.AccessData
		if json.Unmarshal(e.Data, &a) != nil {
			return
		}
		d.update(func(st *directoryState) {
			if old := st.inboxes[a.InboxID]; old != nil {
				ib := *old
				ib.Visibility = a.Visibility
				st.inboxes = cloneSet(st.inboxes, ib.ID, &ib)
			}
			ids := slices.Clone(a.MemberIDs)
			slices.Sort(ids)
			st.members = cloneSet(st.members, a.InboxID, ids)
		})
	}
}

// update applies fn to a copy of the current state and swaps it in.
func (d *Directory) update(fn func(*directoryState)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.cur.Load()
	st := *old
	fn(&st)
	d.gen.Add(1)
	d.cur.Store(&st)
}

func cloneSet[V any](m map[int64]V, k int64, v V) map[int64]V {
	out := maps.Clone(m)
	if out == nil {
		out = map[int64]V{}
	}
	out[k] = v
	return out
}

// Know makes sure the directory holds user id (reading the database when it does not: a user
// made where no notice was published, such as by `parley user create`). Call it before the user's
// socket starts receiving, never on the feed's goroutine.
func (d *Directory) Know(ctx context.Context, id int64) error {
	if d.User(id) != nil {
		return nil
	}
	return d.Load(ctx)
}

// User returns the directory's copy of a user (nil when unknown).
func (d *Directory) User(id int64) *auth.User { return d.cur.Load().users[id] }

// Access returns what the rules know about user id and an inbox; ok is false when either is
// unknown.
func (d *Directory) Access(userID, inboxID int64) (Access, bool) {
	st := d.cur.Load()
	u, ib := st.users[userID], st.inboxes[inboxID]
	if u == nil || ib == nil {
		// Written where no notice was published (another process, e.g. `parley user create`):
		// read again, off this goroutine.
		d.Reload()
		return Access{}, false
	}
	_, member := slices.BinarySearch(st.members[inboxID], userID)
	return Access{User: u, Inbox: ib, Member: member}, true
}

// Members lists an inbox's members (Directory for the conversation service).
func (d *Directory) Members(inboxID int64) []int64 { return d.cur.Load().members[inboxID] }

// Seers lists the active users who may see c now (CanSee), from memory: the notifications decide
// whom to tell with it.
func (d *Directory) Seers(c *Conversation) []*auth.User {
	st := d.cur.Load()
	ib := st.inboxes[c.InboxID]
	if ib == nil {
		return nil
	}
	var out []*auth.User
	for _, u := range st.users {
		_, member := slices.BinarySearch(st.members[c.InboxID], u.ID)
		if CanSee(Access{User: u, Inbox: ib, Member: member}, c) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *auth.User) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
