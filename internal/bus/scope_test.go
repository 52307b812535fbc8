package bus

import (
	"context"
	"testing"
	"time"
)

// Two installations on one NATS hear only their own events.
func TestScopesDoNotHearEachOther(t *testing.T) {
	b, err := Open(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := t.Context()
	one, two := Scope(b, "one"), Scope(b, "two")
	got := make(chan string, 10)
	for name, s := range map[string]*Scoped{"one": one, "two": two} {
		if err := s.Subscribe(ctx, "parley.conv.change", func(subject string, data []byte) { got <- name + ":" + subject + ":" + string(data) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := one.Publish(ctx, "parley.conv.change", []byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := two.Publish(ctx, "parley.conv.change", []byte("b")); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"one:parley.conv.change:a": true, "two:parley.conv.change:b": true}
	for range 2 {
		select {
		case g := <-got:
			if !want[g] {
				t.Fatalf("unexpected delivery %q", g)
			}
			delete(want, g)
		case <-time.After(5 * time.Second):
			t.Fatalf("missing %v", want)
		}
	}
	// Nothing crossed: a sentinel published after both arrives next, with nothing before it.
	if err := one.Publish(ctx, "parley.conv.change", []byte("sentinel")); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-got:
		if g != "one:parley.conv.change:sentinel" {
			t.Fatalf("got %q, want the sentinel", g)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no sentinel")
	}
}
