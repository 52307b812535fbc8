package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/conversation"
	"github.com/parleyhq/parley/internal/playbook"
	"github.com/parleyhq/parley/internal/sandbox"
	"github.com/parleyhq/parley/internal/wstest"
)

// The "Try it" socket speaks the visitor's protocol with a sandbox run: ready, the bot's cards in
// conversation frames, acks, and try_action frames for what the run would do.
func TestTrySocket(t *testing.T) {
	bus := &fakeBus{subs: map[string][]func(string, []byte){}}
	h := NewHub(Options{Bus: bus, Presence: fakePresence{}, Conversations: fakeConversations{}, Directory: testDirectory(t, nil), Render: testRender})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h.ServeTry(w, r, func(_ context.Context, f TryStart, changed func(conversation.Change), acted func(sandbox.Action)) (*sandbox.Run, error) {
			return sandbox.New(sandbox.Options{Playbook: f.Playbook, Website: shop, Online: f.Online, Changed: changed, Acted: acted})
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	tpl, err := playbook.TemplateByName(playbook.LiveChatTemplate, "en")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := json.Marshal(TryStart{T: "try", WebsiteID: shop.ID, Online: false, Playbook: playbook.Input{Name: "Draft", Flow: tpl.Flow,
		Appearance: playbook.Appearance{Color: "#1f6f43", TextColor: "#ffffff", Icon: "chat", BotName: "Bot", Language: "en", Side: "right"}}})
	ws := wstest.DialNamed(t, "admin", "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	ws.Send(first)
	ready := ws.NextRaw("ready", 0)
	if !strings.Contains(string(ready), `"agents_available":0`) || !strings.Contains(string(ready), `"bot_name":"Bot"`) {
		t.Fatalf("ready: %s", ready)
	}
	from := ws.RoundTrip([]byte(`{"t":"start","url":"https://shop.example/","client_id":"s-1"}`))
	ws.NextRaw("ack", from)
	if f := ws.NextRaw("conversation", from); !strings.Contains(string(f), "crd_help") {
		t.Fatalf("the greeting: %s", f)
	}
	from = ws.Mark()
	ws.Send([]byte(`{"t":"answer","card_id":"crd_help","answer_id":"talk","client_id":"a-1"}`))
	ws.NextRaw("ack", from)
	if f := ws.NextRaw("try_action", from); !strings.Contains(string(f), `"kind":"handover"`) {
		t.Fatalf("the action: %s", f)
	}
	if f := string(ws.NextRaw("conversation", from)); !strings.Contains(f, `"state":"offline"`) || !strings.Contains(f, "crd_email") {
		t.Fatalf("the offline branch: %s", f)
	}
}
