package realtime

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/parleyhq/parley/internal/auth"
	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/inbox"
)

// The tests' feed and directory: a node's feed over the test bus, and the fixtures' people, all
// members of the shop.

func testFeed(t testing.TB, bus Bus) *event.Feed {
	t.Helper()
	f := event.NewFeed(bus, nil)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := f.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

type fakeDirectoryRepo struct{ users []auth.User }

func (r fakeDirectoryRepo) ListUsers(context.Context) ([]auth.User, error) {
	if r.users != nil {
		return r.users, nil
	}
	return []auth.User{*jana, *tom, *eva}, nil
}

func (fakeDirectoryRepo) ListInboxes(context.Context) ([]inbox.Inbox, error) {
	return []inbox.Inbox{shop.Inbox}, nil
}

func (fakeDirectoryRepo) InboxMemberships(context.Context) (map[int64][]int64, error) {
	return map[int64][]int64{shop.ID: {jana.ID, tom.ID, eva.ID}}, nil
}

func testDirectory(t testing.TB, repo conversation.DirectoryRepo) *conversation.Directory {
	t.Helper()
	if repo == nil {
		repo = fakeDirectoryRepo{}
	}
	d := conversation.NewDirectory(repo, nil)
	if err := d.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// publishChange announces a committed change as the conversation service does.
func publishChange(t testing.TB, f *event.Feed, ch conversation.Change) {
	t.Helper()
	b, err := json.Marshal(ch)
	if err != nil {
		t.Fatal(err)
	}
	f.Committed(context.Background(), event.Notice{Change: b})
}
