// Package bounded checks in tests that a parser finishes on hostile input
// (long runs of one character, link-like strings, deep nesting) without
// timing it: the inputs are made so large that a parser slower than
// linear would run for minutes, and a guard far above what a linear one
// needs fails the test instead of letting it hang.
package bounded

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Guard is how long one call may run before the test fails: hundreds of
// times what the inputs of this package take a linear parser on a slow
// machine, and a small fraction of what a quadratic one needs.
const Guard = 20 * time.Second

// Size is the length of the generated inputs: at 1 MiB a quadratic parser
// does about 10^12 steps.
const Size = 1 << 20

// Check runs f and fails t when it has not returned within Guard. f runs
// on its own goroutine so a runaway parser cannot hang the test binary
// past the guard; a panic in f fails the test too.
func Check(t testing.TB, what string, f func()) {
	t.Helper()
	check(t, Guard, what, f)
}

func check(t testing.TB, guard time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	timer := time.NewTimer(guard)
	defer timer.Stop()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("%s panicked: %v", what, p)
		}
	case <-timer.C:
		t.Fatalf("%s did not finish within %v: super-linear on hostile input", what, guard)
	}
}

// Input is one hostile input with its name.
type Input struct {
	Name, Text string
}

// Repeat fills about n bytes with unit.
func Repeat(unit string, n int) string {
	return strings.Repeat(unit, max(1, n/max(1, len(unit))))
}

// Hostile returns the inputs every text parser should take in linear time:
// long runs of markup characters, link-like strings, nested quotes and
// one huge line, each about n bytes.
func Hostile(n int) []Input {
	return []Input{
		{"underscores", Repeat("_", n)},
		{"asterisks", Repeat("*", n)},
		{"underscores then a letter", Repeat("_", n) + "x"},
		{"asterisks and spaces", Repeat("* ", n)},
		{"http://http://…", Repeat("http://", n)},
		{"https:// then dots", "https://" + Repeat(".", n) + "x"},
		{"www.a.a.a…", "www." + Repeat("a.", n)},
		{"one very long URL", "https://example.com/" + Repeat("a/b?c=d&", n)},
		{"URL then punctuation then a letter", "http://a" + Repeat(".,;:!?)", n) + "b"},
		{"nested quotes", Repeat(">", n) + " x"},
		{"quote lines", Repeat("> > > x\n", n)},
		{"quote headers", Repeat("On Mon, 1 Jan 2024 at 10:00, A <a@b.c> wrote:\n", n)},
		{"From: lines", Repeat("From: a\n", n)},
		{"blank lines then a quote", Repeat("\n", n) + "> x"},
		{"angle brackets", Repeat("<", n)},
		{"open tags", Repeat("<p", n)},
		{"at signs", Repeat("@", n)},
		{"encoded words", Repeat("=?utf-8?q?=41?=", n)},
		{"dashes", Repeat("-", n)},
		{"one huge line", Repeat("abcdefghij", n)},
		{"invalid UTF-8", Repeat("\xff\xfe", n)},
	}
}

// Describe names an input with its size, for failure messages.
func (in Input) Describe(parser string) string {
	return fmt.Sprintf("%s on %s (%d bytes)", parser, in.Name, len(in.Text))
}
