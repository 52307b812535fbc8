package clienttext

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"testing"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/errs"
)

func TestFindNamesTheField(t *testing.T) {
	cases := []struct {
		in    string
		field string
		p     Problem
	}{
		{`{"body":"hello","tags":["a","b"]}`, "", ""},
		{`{"body":"caf\u00e9 \ud83d\ude00 \"quoted\" \\u0000"}`, "", ""}, // an escaped backslash, then "u0000": fine
		{`{"body":"a\u0000b"}`, "body", NUL},
		{`{"a":{"b":[1,"x",{"c":"\u0000"}]}}`, "a.b[2].c", NUL},
		{`{"tags":["ok","\ud800"]}`, "tags[1]", LoneSurrogate},
		{`{"tags":["ok","\udc00x"]}`, "tags[1]", LoneSurrogate},
		{`{"x":"\ud800\u0041"}`, "x", LoneSurrogate},
		{`{"x":"\ud800"}`, "x", LoneSurrogate},
		{`{"x":"\uD83D\uDE00"}`, "", ""},
		{"{\"name\":\"ab\xffc\"}", "name", InvalidUTF8},
		{"{\"name\":\"\xed\xa0\x80\"}", "name", InvalidUTF8}, // a surrogate encoded as UTF-8
		{`{"attributes":{"k\u0000":"v"}}`, "attributes", NUL},
		{`"\u0000"`, "", NUL},
		{`{"first":"\u0000","second":"\ud800"}`, "first", NUL},
		{`{"a":1,"b":true,"c":null,"d":-1.5e3,"e":"\u0000"}`, "e", NUL},
		{`{"body":"unterminated`, "", ""},
		{`{"body":"\u00`, "", ""},
	}
	for _, c := range cases {
		field, p := Find([]byte(c.in))
		if field != c.field || p != c.p {
			t.Errorf("Find(%s) = %q %q, want %q %q", c.in, field, p, c.field, c.p)
		}
	}
}

func TestDecodeRefusesBadTextWithItsCode(t *testing.T) {
	var dst struct {
		Body string `json:"body"`
	}
	err := Decode([]byte(`{"body":"a\u0000b"}`), &dst)
	var e *errs.Error
	if !errors.As(err, &e) || e.Kind != errs.Invalid || e.Code != Code {
		t.Fatalf("Decode = %v, want invalid_text", err)
	}
	if d, _ := e.Details.(map[string]string); d["field"] != "body" {
		t.Errorf("details = %v, want the field named", e.Details)
	}
	if e.Message != `field "body" holds a NUL character, which text may not contain` {
		t.Errorf("message = %q", e.Message)
	}
	if err := Decode([]byte(`{"body":"fine"}`), &dst); err != nil || dst.Body != "fine" {
		t.Errorf("Decode of good text = %v %q", err, dst.Body)
	}
	if err := Decode([]byte(`{"other":"x"}`), &dst); err == nil || errs.KindOf(err) != errs.Invalid {
		t.Errorf("unknown field: %v", err)
	}
	if err := Decode([]byte(`{"body":"x"} {}`), &dst); err == nil {
		t.Error("trailing data accepted")
	}
	var f struct {
		T string `json:"t"`
	}
	if err := DecodeFrame([]byte(`{"t":"send","body":"x"}`), &f, "not JSON"); err != nil || f.T != "send" {
		t.Errorf("DecodeFrame with other fields = %v", err)
	}
	if err := DecodeFrame([]byte(`{"t":"send","body":"\udfff"}`), &f, "not JSON"); !hasCode(err, Code) {
		t.Errorf("DecodeFrame with a lone surrogate = %v", err)
	}
	if err := DecodeFrame([]byte(`nope`), &f, "not JSON"); err == nil || err.Error() == "" || hasCode(err, Code) {
		t.Errorf("DecodeFrame of garbage = %v", err)
	}
}

func TestCheckValues(t *testing.T) {
	v, _ := url.ParseQuery("q=%00&x=1")
	if err := CheckValues("query parameter", v); !hasCode(err, Code) {
		t.Errorf("NUL in a query: %v", err)
	}
	v, _ = url.ParseQuery("q=%FF")
	if err := CheckValues("query parameter", v); !hasCode(err, Code) {
		t.Errorf("invalid UTF-8 in a query: %v", err)
	}
	v, _ = url.ParseQuery("q=caf%C3%A9")
	if err := CheckValues("query parameter", v); err != nil {
		t.Errorf("good query: %v", err)
	}
}

func hasCode(err error, code string) bool {
	var e *errs.Error
	return errors.As(err, &e) && e.Code == code
}

// What Find accepts, encoding/json decodes without replacing anything: the check and the decoder
// agree on what is good text.
func FuzzFindAgreesWithDecoder(f *testing.F) {
	for _, s := range []string{`"a"`, `"\u0000"`, `"\ud800"`, "\"\xff\"", `{"a":["\udc00"]}`, `"\ud83d\ude00"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		if _, p := Find(data); p != "" {
			return
		}
		if containsRune(v, 0) {
			t.Fatalf("Find passed %q, which decodes to a NUL", data)
		}
		// U+FFFD the client wrote is theirs; one the decoder made up means text was replaced.
		written := bytes.Contains(data, []byte("\xef\xbf\xbd")) || bytes.Contains(bytes.ToLower(data), []byte(`\ufffd`))
		if containsRune(v, utf8.RuneError) && !written {
			t.Fatalf("Find passed %q, which the decoder repaired", data)
		}
	})
}

func containsRune(v any, r rune) bool {
	switch x := v.(type) {
	case string:
		for _, c := range x {
			if c == r {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if containsRune(e, r) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if containsRune(k, r) || containsRune(e, r) {
				return true
			}
		}
	}
	return false
}
