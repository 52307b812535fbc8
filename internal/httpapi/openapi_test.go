package httpapi_test

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/event"
	"github.com/parleyhq/parley/internal/httpapi"
)

// The OpenAPI document lists exactly the API routes the server has: no route undocumented, no
// documented route missing.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	inPaths, path := false, ""
	for _, line := range strings.Split(string(doc), "\n") {
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && line != "" && !strings.HasPrefix(line, " "):
			inPaths = false
		case inPaths && strings.HasPrefix(line, "  /") && strings.HasSuffix(line, ":"):
			path = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case inPaths && strings.HasPrefix(line, "    ") && !strings.HasPrefix(line, "     "):
			m := strings.TrimSuffix(strings.TrimSpace(line), ":")
			switch m {
			case "get", "post", "put", "patch", "delete":
				documented[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range httpapi.New(httpapi.Config{}).Routes() {
		if r.Access != httpapi.Page {
			served[r.Method+" "+r.Path] = true
		}
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Fatalf("docs/openapi.yaml is out of date\nundocumented routes: %v\ndocumented but not served: %v", missing, extra)
	}
	if len(served) < 20 {
		t.Fatalf("only %d routes found", len(served))
	}
}

// The EventType enum webhooks and the event log are documented with lists every type Parley emits
// (event.Types), and nothing else: it is written by hand.
func TestOpenAPIListsEveryEventType(t *testing.T) {
	doc, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "\n    EventType:\n")
	if !ok {
		t.Fatal("no EventType schema")
	}
	_, rest, ok = strings.Cut(rest, "enum: [")
	list, _, ok2 := strings.Cut(rest, "]")
	if !ok || !ok2 {
		t.Fatal("no enum in the EventType schema")
	}
	var documented []string
	for _, f := range strings.Split(list, ",") {
		documented = append(documented, strings.TrimSpace(f))
	}
	var emitted []string
	for _, typ := range event.Types {
		emitted = append(emitted, string(typ))
	}
	sort.Strings(documented)
	sort.Strings(emitted)
	if strings.Join(documented, " ") != strings.Join(emitted, " ") {
		t.Fatalf("EventType in docs/openapi.yaml lists\n%v\nParley emits\n%v", documented, emitted)
	}
}
