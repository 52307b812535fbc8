package httpapi_test

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/parleyhq/parley/internal/blob"
	"github.com/parleyhq/parley/internal/httpapi"
	"github.com/parleyhq/parley/internal/savedreply"
	"github.com/parleyhq/parley/internal/store"
	"github.com/parleyhq/parley/internal/storetest"
)

// The saved replies API: personal and shared replies, an attachment uploaded and read back, and a
// reply filled in for a conversation.
func TestSavedRepliesAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCRMEnv(t, db)
		blobs := blob.New(db, blob.Limits{}, nil)
		proxies, _ := httpapi.ParseProxies("127.0.0.1")
		e.api = httpapi.New(httpapi.Config{Auth: e.accounts, Proxies: proxies, Conversations: e.convs, Blobs: blobs,
			SavedReplies: savedreply.NewService(savedreply.Options{Repo: db, Conversations: e.convs, Uploads: blobs})})
		e.srv.Close()
		e.srv = httptest.NewServer(e.api.Handler())
		t.Cleanup(e.srv.Close)

		admin, agent := e.client(), e.client()
		e.login(admin, "admin@example.com")
		e.login(agent, "alice@example.com")

		expect(t, e.do(agent, "POST", "/api/v1/saved-replies", `{"scope":"shared","shortcut":"hi","title":"Hi","body":"Hi"}`), 403, "shared_reply_admins_only")
		r := e.do(admin, "POST", "/api/v1/saved-replies", `{"scope":"shared","shortcut":"hi","title":"Greeting","body":"Hello {{contact.first_name|there}}, {{agent.first_name}} here."}`)
		expect(t, r, 201, "")
		shared := int64(r.body["saved_reply"].(map[string]any)["id"].(float64))
		expect(t, e.do(admin, "POST", "/api/v1/saved-replies", `{"scope":"shared","shortcut":"HI","title":"Again","body":"x"}`), 409, "shortcut_taken")
		expect(t, e.do(agent, "POST", "/api/v1/saved-replies", `{"shortcut":"x","title":"x","body":"{{nope}}"}`), 400, "variable_unknown")
		r = e.do(agent, "POST", "/api/v1/saved-replies", `{"shortcut":"brochure","title":"Brochure","body":"Here is our brochure."}`)
		expect(t, r, 201, "")
		mine := int64(r.body["saved_reply"].(map[string]any)["id"].(float64))
		base := "/api/v1/saved-replies/"

		r = e.do(agent, "GET", "/api/v1/saved-replies?q=bro", "")
		expect(t, r, 200, "")
		if list := r.body["saved_replies"].([]any); len(list) != 1 {
			t.Fatalf("search: %s", r.raw)
		}
		expect(t, e.do(admin, "GET", base+strconv.FormatInt(mine, 10), ""), 404, "saved_reply_not_found")
		expect(t, e.do(agent, "PATCH", base+strconv.FormatInt(shared, 10), `{"title":"Mine"}`), 403, "shared_reply_admins_only")
		expect(t, e.do(agent, "PATCH", base+strconv.FormatInt(mine, 10), `{"scope":"shared"}`), 400, "scope_fixed")

		// The attachment: the body is the file.
		var img bytes.Buffer
		_ = png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 3, 3)))
		req, _ := http.NewRequest("PUT", e.srv.URL+base+strconv.FormatInt(mine, 10)+"/attachment?name=brochure.png", bytes.NewReader(img.Bytes()))
		res, err := agent.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("upload: %d", res.StatusCode)
		}
		res, err = agent.Get(e.srv.URL + base + strconv.FormatInt(mine, 10) + "/attachment")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, img.Bytes()) || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("download: %d %s, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(got))
		}
		expect(t, e.do(admin, "GET", base+strconv.FormatInt(mine, 10)+"/attachment", ""), 404, "saved_reply_not_found")
		expect(t, e.do(admin, "GET", base+strconv.FormatInt(shared, 10)+"/attachment", ""), 404, "no_attachment")

		// Filled in for a conversation the agent sees.
		c := e.conversation("Jane Doe")
		r = e.do(agent, "GET", base+strconv.FormatInt(shared, 10)+"/fill?conversation_id="+strconv.FormatInt(c.ID, 10), "")
		expect(t, r, 200, "")
		if r.body["body"] != "Hello Jane, alice here." {
			t.Fatalf("filled: %s", r.raw)
		}
		r = e.do(agent, "GET", base+strconv.FormatInt(mine, 10)+"/fill?conversation_id="+strconv.FormatInt(c.ID, 10), "")
		if att, _ := r.body["attachment"].(map[string]any); att == nil || att["name"] != "brochure.png" {
			t.Fatalf("filled without the attachment: %s", r.raw)
		}
		outsider := e.client()
		e.login(outsider, "olga@example.com")
		expect(t, e.do(outsider, "GET", base+strconv.FormatInt(shared, 10)+"/fill?conversation_id="+strconv.FormatInt(c.ID, 10), ""), 404, "")
		expect(t, e.do(agent, "GET", base+strconv.FormatInt(shared, 10)+"/fill", ""), 400, "conversation_required")

		r = e.do(agent, "DELETE", base+strconv.FormatInt(mine, 10)+"/attachment", "")
		if expect(t, r, 200, ""); r.body["saved_reply"].(map[string]any)["attachment"] != nil {
			t.Fatalf("attachment not removed: %s", r.raw)
		}
		expect(t, e.do(agent, "DELETE", base+strconv.FormatInt(mine, 10), ""), 204, "")
		expect(t, e.do(agent, "GET", base+strconv.FormatInt(mine, 10), ""), 404, "")
	})
}
