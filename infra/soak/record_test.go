package soak

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/infra/chatclient"
)

func msg(seq int64, clientID string) chatclient.Message {
	return chatclient.Message{Seq: seq, ClientID: clientID, Kind: "text", Body: "body " + clientID}
}

// The checks themselves must fail on what they are there to find: a
// missing seq, a wrong message in a seq's place, a seq never stored.
func TestCompareFindsEveryDifference(t *testing.T) {
	stored := []chatclient.Message{msg(1, "a"), msg(2, "b"), msg(3, "c")}
	tests := []struct {
		name string
		held []chatclient.Message
		want []string // one line per problem: its seq and how its text begins
	}{
		{"complete", []chatclient.Message{msg(1, "a"), msg(2, "b"), msg(3, "c")}, nil},
		{"gap", []chatclient.Message{msg(1, "a"), msg(3, "c")}, []string{"2 never delivered"}},
		{"nothing", nil, []string{"1 never delivered", "2 never delivered", "3 never delivered"}},
		{"another message in a seq's place", []chatclient.Message{msg(1, "a"), msg(2, "x"), msg(3, "c")}, []string{`2 delivered clientId "x"`}},
		{"not stored", []chatclient.Message{msg(1, "a"), msg(2, "b"), msg(3, "c"), msg(4, "d")}, []string{"4 delivered but not stored"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			th := newThread()
			for _, m := range tt.held {
				th.add(r, "agent 1", "conv", m)
			}
			var got []string
			for i, p := range th.compare("agent 1", "conv", stored, nil) {
				if p.Conversation != "conv" || p.Party != "agent 1" {
					t.Errorf("problem %v names the wrong conversation or party", p)
				}
				line := strconv.FormatInt(p.Seq, 10) + " " + p.What
				if i < len(tt.want) && strings.HasPrefix(line, tt.want[i]) {
					line = tt.want[i]
				}
				got = append(got, line)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func authored(m chatclient.Message, role string) chatclient.Message {
	m.Author.Type = role
	return m
}

// An agent without the thread open must hold every visitor message and
// event of the conversation; an agent's reply may or may not reach it. The
// owner, with the thread open, must hold everything.
func TestListMustHoldVisitorMessagesNotReplies(t *testing.T) {
	hello, answer, more := authored(msg(1, "v1"), "visitor"), authored(msg(3, "a1"), "agent"), authored(msg(4, "v2"), "visitor")
	takeover := chatclient.Message{Seq: 2, Kind: "event", Author: chatclient.Author{Type: "agent"}}
	stored := []chatclient.Message{hello, takeover, answer, more}
	tests := []struct {
		name  string
		owner bool
		held  []chatclient.Message
		want  []string
	}{
		{"list: everything", false, stored, nil},
		{"list: reply missing", false, []chatclient.Message{hello, takeover, more}, nil},
		{"list: visitor message missing", false, []chatclient.Message{hello, takeover, answer}, []string{"4 never delivered (text by visitor"}},
		{"list: event missing", false, []chatclient.Message{hello, answer, more}, []string{"2 never delivered (event by agent"}},
		{"list: reply held with other content", false, []chatclient.Message{hello, takeover, authored(msg(3, "x"), "agent"), more}, []string{`3 delivered clientId "x"`}},
		{"list: beyond the stream", false, append(append([]chatclient.Message(nil), stored...), authored(msg(5, "v3"), "visitor")), []string{"5 delivered but not stored"}},
		{"owner: reply missing", true, []chatclient.Message{hello, takeover, more}, []string{"3 never delivered (text by agent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			th := newThread()
			for _, m := range tt.held {
				th.add(r, "agent 2", "conv", m)
			}
			must := heardByList
			if tt.owner {
				must = nil
			}
			var got []string
			for i, p := range th.compare("agent 2", "conv", stored, must) {
				line := strconv.FormatInt(p.Seq, 10) + " " + p.What
				if i < len(tt.want) && strings.HasPrefix(line, tt.want[i]) {
					line = tt.want[i]
				}
				got = append(got, line)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// Copies de-duplicate by seq and know their contiguous prefix; a seq that
// comes back with other content is a problem.
func TestThreadKeepsOneMessagePerSeq(t *testing.T) {
	r := newRecorder()
	th := newThread()
	for _, m := range []chatclient.Message{msg(2, "b"), msg(1, "a"), msg(1, "a"), msg(4, "d")} {
		th.add(r, "visitor 1", "conv", m)
	}
	if th.contiguous != 2 || len(th.msgs) != 3 {
		t.Errorf("contiguous %d with %d messages, want 2 with 3", th.contiguous, len(th.msgs))
	}
	if n := r.c.overlaps.Load(); n != 1 {
		t.Errorf("overlaps = %d, want 1", n)
	}
	th.add(r, "visitor 1", "conv", msg(2, "other"))
	if len(r.problems) != 1 || !strings.Contains(r.problems[0].What, "seq carried two messages") {
		t.Errorf("problems = %v, want one for seq 2 carrying two messages", r.problems)
	}
}

// The same seq pushed twice to one connection is a duplicate unless its
// author resent it; on two connections it is not.
func TestLivePushesTwiceToOneConnection(t *testing.T) {
	tests := []struct {
		name         string
		attempts     int
		sameConn     bool
		wantProblems int
		wantRetried  int64
	}{
		{"sent once, pushed twice to one connection", 1, true, 1, 0},
		{"resent, pushed twice to one connection", 2, true, 0, 1},
		{"sent once, pushed to two connections", 1, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRecorder()
			for range tt.attempts {
				r.wrote("a", "visitor 1", "hello")
			}
			c1, c2 := r.conn("agent 1"), r.conn("agent 1")
			r.live(c1, "conv", msg(1, "a"))
			if tt.sameConn {
				r.live(c1, "conv", msg(1, "a"))
			} else {
				r.live(c2, "conv", msg(1, "a"))
			}
			if len(r.problems) != tt.wantProblems {
				t.Errorf("problems = %v, want %d", r.problems, tt.wantProblems)
			}
			if got := r.c.retriedDuplicates.Load(); got != tt.wantRetried {
				t.Errorf("repeat pushes of resent messages = %d, want %d", got, tt.wantRetried)
			}
		})
	}
}

func TestResumePagesMustBeConsecutive(t *testing.T) {
	r := newRecorder()
	r.resumed("visitor 1", "conv", []chatclient.Message{msg(3, "c"), msg(4, "d")})
	if len(r.problems) != 0 {
		t.Errorf("consecutive page: problems %v", r.problems)
	}
	r.resumed("visitor 1", "conv", []chatclient.Message{msg(3, "c"), msg(5, "e")})
	if len(r.problems) != 1 || r.problems[0].Seq != 5 {
		t.Errorf("page 3, 5: problems %v, want one at seq 5", r.problems)
	}
}

// TestThinkTime: a pause is uniform between half and one and a half of
// the mean, and no think time means no pause.
func TestThinkTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if d := ThinkTime(rng, 0); d != 0 {
		t.Errorf("no think time paused %s", d)
	}
	const mean = 2 * time.Second
	var sum time.Duration
	const n = 2000
	for range n {
		d := ThinkTime(rng, mean)
		if d < mean/2 || d >= mean*3/2 {
			t.Fatalf("pause %s outside [1s, 3s)", d)
		}
		sum += d
	}
	if avg := sum / n; avg < mean*95/100 || avg > mean*105/100 {
		t.Errorf("mean pause %s, want about %s", avg, mean)
	}
}

// TestBaselineThinks: the relay's visitors pause before each message, so
// a paced run takes at least the shortest pauses of one visitor, and
// every message still arrives.
func TestBaselineThinks(t *testing.T) {
	const think = 40 * time.Millisecond
	rep, err := Baseline(t.Context(), Config{Visitors: 4, Agents: 2, Messages: 4 * 3 * 2, Think: think, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Messages != 24 || rep.V2A.N != 12 || rep.A2V.N != 12 {
		t.Errorf("relay carried %d messages (%d and %d timed), want 24 (12 each way)", rep.Messages, rep.V2A.N, rep.A2V.N)
	}
	if rep.Duration < 3*think/2 {
		t.Errorf("3 messages a visitor with %s of think time took %s, less than 3 of the shortest pauses", think, rep.Duration)
	}
}
