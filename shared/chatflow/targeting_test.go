package chatflow_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/parleychat/parley/shared/chatflow"
)

// targetingCases are the cases the loader's matcher runs too
// (web/test/widget-pages.test.mjs): the two must agree.
type targetingCases struct {
	Match []struct {
		Pattern, Host, Path string
		Match               bool
	}
	Pick []struct {
		Name      string
		Targeting chatflow.Targeting
		Pages     []struct {
			Host, Path string
			Show       chatflow.Show
		}
	}
}

func readTargetingCases(t *testing.T) targetingCases {
	t.Helper()
	b, err := os.ReadFile("testdata/targeting.json")
	if err != nil {
		t.Fatal(err)
	}
	var c targetingCases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Match) == 0 || len(c.Pick) == 0 {
		t.Fatal("testdata/targeting.json holds no cases")
	}
	return c
}

func TestMatch(t *testing.T) {
	for _, tt := range readTargetingCases(t).Match {
		if got := chatflow.Match(tt.Pattern, tt.Host, tt.Path); got != tt.Match {
			t.Errorf("Match(%q, %q, %q) = %v, want %v", tt.Pattern, tt.Host, tt.Path, got, tt.Match)
		}
	}
}

func TestPick(t *testing.T) {
	for _, tt := range readTargetingCases(t).Pick {
		t.Run(tt.Name, func(t *testing.T) {
			for _, p := range tt.Pages {
				if diff := cmp.Diff(p.Show, tt.Targeting.Pick(p.Host, p.Path)); diff != "" {
					t.Errorf("%s%s (-want +got):\n%s", p.Host, p.Path, diff)
				}
			}
		})
	}
}

func TestCheckTargeting(t *testing.T) {
	flows := []chatflow.Flow{{ID: "sales", Kind: chatflow.KindBot}, {ID: "live", Kind: chatflow.KindLive}}
	rules := func(pages ...string) chatflow.Targeting {
		t := chatflow.Targeting{}
		for _, p := range pages {
			t.Rules = append(t.Rules, chatflow.Rule{Pages: p, Show: chatflow.Show{Flow: "sales"}})
		}
		return t
	}
	tests := []struct {
		name      string
		targeting chatflow.Targeting
		want      []string // the patterns as saved
		problems  []chatflow.Problem
	}{
		{"none", chatflow.Targeting{}, []string{}, nil},
		{"normalised", rules(" Example.COM/Pricing* ", "/café/*", "*.Shop.example.com", `/a"b`, "*", "/"),
			[]string{"example.com/Pricing*", "*/caf%C3%A9/*", "*.shop.example.com/*", "*/a%22b", "*/*", "*/"}, nil},
		{"bad patterns", rules("", "https://example.com/x", "/pricing?plan=pro", "/a#b", "/a b", "example.com:8080/x", "exa_mple.com", "bücher.de/x", "/"+strings.Repeat("a", 200)),
			nil, []chatflow.Problem{
				{Field: "rules[0].pages", Message: "is required"},
				{Field: "rules[1].pages", Message: "leave out the scheme: like example.com/pricing*"},
				{Field: "rules[2].pages", Message: "the query and the fragment are not matched: leave out what follows ? or #"},
				{Field: "rules[3].pages", Message: "the query and the fragment are not matched: leave out what follows ? or #"},
				{Field: "rules[4].pages", Message: "must not contain spaces (write %20)"},
				{Field: "rules[5].pages", Message: "the port is not matched: leave it out"},
				{Field: "rules[6].pages", Message: "a host holds letters, digits, -, . and * (an international name in its xn-- form): like *.example.com/pricing*"},
				{Field: "rules[7].pages", Message: "a host holds letters, digits, -, . and * (an international name in its xn-- form): like *.example.com/pricing*"},
				{Field: "rules[8].pages", Message: "must be at most 200 characters"},
			}},
		{"flows named", chatflow.Targeting{
			Rules:      []chatflow.Rule{{Pages: "/a", Show: chatflow.Show{Flow: "gone"}}, {Pages: "/b", Show: chatflow.Show{Hide: true, Flow: "sales"}}, {Pages: "/c", Show: chatflow.Show{Flow: "live"}}},
			OtherPages: chatflow.Show{Flow: "nope"},
		}, nil, []chatflow.Problem{
			{Field: "rules[0].flow", Message: `"gone" is no chatflow of this channel`},
			{Field: "rules[1].flow", Message: "pages without the widget run no flow: choose the flow or hide, not both"},
			{Field: "otherPages.flow", Message: `"nope" is no chatflow of this channel`},
		}},
		{"too many rules", rules(strings.Split(strings.Repeat("/a,", chatflow.MaxRules+1), ",")[:chatflow.MaxRules+1]...), nil,
			[]chatflow.Problem{{Field: "rules", Message: "must hold at most 50 rules"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := chatflow.CheckTargeting(tt.targeting, flows)
			if diff := cmp.Diff(tt.problems, problems); diff != "" {
				t.Fatalf("problems (-want +got):\n%s", diff)
			}
			if tt.want == nil {
				return
			}
			saved := []string{}
			for _, r := range got.Rules {
				saved = append(saved, r.Pages)
			}
			if diff := cmp.Diff(tt.want, saved); diff != "" {
				t.Errorf("saved patterns (-want +got):\n%s", diff)
			}
		})
	}
}
