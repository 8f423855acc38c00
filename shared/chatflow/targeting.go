package chatflow

// Targeting: which pages of a site get which flow. The rules travel in
// the widget's public config and the loader matches them on the page
// (web/widget/pages.ts), so the page's address never reaches the server
// before the visitor opens the chat and the config stays one per channel.
// Match is the definition the loader implements; both are checked against
// one table of cases (testdata/targeting.json). docs/chatflows.md,
// "Targeting".

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the targeting rules.
const (
	MaxRules         = 50
	MaxPatternLength = 200
)

// Targeting is a channel's rules: tried in order, the first whose pattern
// matches the page decides; OtherPages is what a page no rule matches
// gets.
type Targeting struct {
	Rules      []Rule `json:"rules"`
	OtherPages Show   `json:"otherPages"`
}

// Show is what a page gets: no widget at all (Hide), the flow named Flow,
// or, with neither, live chat with the channel's greeting.
type Show struct {
	Hide bool   `json:"hide,omitempty"`
	Flow string `json:"flow,omitempty"`
}

// Rule gives the pages its pattern matches what its Show says.
type Rule struct {
	// Pages is the pattern: host/path, * standing for any characters
	// ("example.com/pricing*"); typed without a host or a path
	// ("/docs/*", "*.example.com") it is saved with "*" there.
	Pages string `json:"pages"`
	Show
}

// Zero reports whether a targeting is the default one: no rules, and live
// chat with the greeting everywhere.
func (t Targeting) Zero() bool { return len(t.Rules) == 0 && t.OtherPages == Show{} }

// Pick returns what the page at host (without its port) and path gets.
func (t Targeting) Pick(host, path string) Show {
	for _, r := range t.Rules {
		if Match(r.Pages, host, path) {
			return r.Show
		}
	}
	return t.OtherPages
}

// Match reports whether a pattern as CheckTargeting saves it, host/path
// with * standing for any characters (including none), matches the page
// at host (without its port) and path; the query and the fragment never
// count. Host and path go between line breaks (never in either, nor in a
// pattern), and so does the pattern, its first "/" (where its path
// starts) getting one before it. Then the pattern's first piece between
// its * can only start the page, its last only end it, and the piece
// with the middle break only sit at the end of the host, so a * of the
// host never reaches into the path; each piece is found after the one
// before, as early as it can be (the earliest place never loses a match):
// linear in the page's address.
func Match(pattern, host, path string) bool {
	page := "\n" + host + "\n" + path + "\n"
	i := 0
	for _, piece := range strings.Split("\n"+strings.Replace(pattern, "/", "\n/", 1)+"\n", "*") {
		j := strings.Index(page[i:], piece)
		if j < 0 {
			return false
		}
		i += j + len(piece)
	}
	return true
}

var hostPattern = regexp.MustCompile(`^[a-z0-9.*-]*$`)

// CheckTargeting validates a channel's rules against its flows and
// returns them normalised (hosts in lower case, paths encoded as browsers
// send them), or the problems found, each at its JSON path relative to
// the targeting.
func CheckTargeting(t Targeting, flows []Flow) (Targeting, []Problem) {
	var c checker
	if t.Rules == nil {
		t.Rules = []Rule{}
	}
	if len(t.Rules) > MaxRules {
		c.add("rules", "must hold at most %d rules", MaxRules)
		return t, c.problems
	}
	for i := range t.Rules {
		at := fmt.Sprintf("rules[%d]", i)
		r := &t.Rules[i]
		p, problem := normalPattern(r.Pages)
		if problem != "" {
			c.add(at+".pages", "%s", problem)
		}
		r.Pages = p
		c.show(at, r.Show, flows)
	}
	c.show("otherPages", t.OtherPages, flows)
	return t, c.problems
}

func (c *checker) show(at string, s Show, flows []Flow) {
	switch {
	case s.Hide && s.Flow != "":
		c.add(at+".flow", "pages without the widget run no flow: choose the flow or hide, not both")
	case s.Flow != "" && !hasFlow(flows, s.Flow):
		c.add(at+".flow", "%q is no chatflow of this channel", s.Flow)
	}
}

func hasFlow(flows []Flow, id string) bool {
	for _, f := range flows {
		if f.ID == id {
			return true
		}
	}
	return false
}

// normalPattern checks a pattern and returns it as Match takes it: host
// and path both there ("/docs/*" is "*/docs/*", "example.com" is
// "example.com/*"), the host in lower case, the path with what browsers
// percent-encode in a path (letters beyond ASCII, "<>`{} and the double
// quote) encoded, so that "/café" matches the page a browser calls
// "/caf%C3%A9". It says what is wrong, or "".
func normalPattern(p string) (string, string) {
	p = strings.TrimSpace(p)
	switch {
	case p == "":
		return p, "is required"
	case utf8.RuneCountInString(p) > MaxPatternLength:
		return p, fmt.Sprintf("must be at most %d characters", MaxPatternLength)
	case strings.Contains(p, "://"):
		return p, "leave out the scheme: like example.com/pricing*"
	case strings.ContainsAny(p, "?#"):
		return p, "the query and the fragment are not matched: leave out what follows ? or #"
	case strings.ContainsFunc(p, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }):
		return p, "must not contain spaces (write %20)"
	}
	host, path, hasPath := strings.Cut(p, "/")
	host = strings.ToLower(host)
	switch {
	case strings.Contains(host, ":"):
		return p, "the port is not matched: leave it out"
	case !hostPattern.MatchString(host):
		return p, "a host holds letters, digits, -, . and * (an international name in its xn-- form): like *.example.com/pricing*"
	case host == "":
		host = "*"
	case !hasPath:
		path = "*"
	}
	var b strings.Builder
	b.WriteString(host + "/")
	for i := range len(path) {
		if c := path[i]; c >= utf8.RuneSelf || strings.IndexByte("\"<>`{}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}
