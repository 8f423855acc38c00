package wsapi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/bounded"
)

// FuzzDecodeFrame: the socket frame decoder never panics; a frame it
// accepts survives a round trip unchanged; every refusal is the one
// invalid-frame error.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"action":"sendMessage","clientId":"0f8fad5b-d9cb-469f-a165-70867728950e","conversationId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","body":"hi"}`,
		`{"action":"typing","conversationId":"x","on":true}`,
		`{"action":"read","seq":3}`, `{"action":"resume","afterSeq":-1}`, `{"action":"ping"}`,
		`{"action":"sendMessage","body":"\u0000\ud800"}`, `{"seq":"1"}`, `{"seq":1e400}`, `{"on":"true"}`,
		`[]`, `null`, `"x"`, `{}{}`, `{"action":"ping"} `, `{"action":{"nested":[[[]]]}}`, ``, `{`, `{"a":` + strings.Repeat("[", 100),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, err := decodeFrame(body)
		if err != nil {
			if !errors.Is(err, errBadFrame) {
				t.Fatalf("decodeFrame(%q) = %v, want the invalid-frame error", body, err)
			}
			return
		}
		again, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("decoded frame %+v does not encode: %v", got, err)
		}
		back, err := decodeFrame(string(again))
		if err != nil {
			t.Fatalf("decodeFrame(%s) (a round trip of %q) = %v", again, body, err)
		}
		if diff := cmp.Diff(got, back, cmp.AllowUnexported(frame{})); diff != "" {
			t.Fatalf("round trip of %q changed the frame (-first +second):\n%s", body, diff)
		}
	})
}

// TestDecodeFrameOnHostileInput: deep nesting, huge strings full of
// escapes and long runs of markup decode (or fail) in bounded time.
func TestDecodeFrameOnHostileInput(t *testing.T) {
	inputs := []bounded.Input{
		{Name: "deep arrays", Text: `{"body":` + bounded.Repeat("[", bounded.Size)},
		{Name: "deep objects", Text: bounded.Repeat(`{"a":`, bounded.Size)},
		{Name: "escapes", Text: `{"body":"` + bounded.Repeat(`\u00e9\ud800\n`, bounded.Size) + `"}`},
		{Name: "many unknown fields", Text: "{" + bounded.Repeat(`"x":1,`, bounded.Size) + `"action":"ping"}`},
		{Name: "a huge number", Text: `{"seq":` + bounded.Repeat("9", bounded.Size) + "}"},
	}
	for _, in := range bounded.Hostile(bounded.Size) {
		inputs = append(inputs, bounded.Input{Name: in.Name + " as a body", Text: `{"action":"sendMessage","body":` + quote(in.Text) + `}`}, in)
	}
	for _, in := range inputs {
		bounded.Check(t, in.Describe("decodeFrame"), func() { _, _ = decodeFrame(in.Text) })
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
