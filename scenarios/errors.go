package scenarios

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a scenario, located as precisely as the input
// allows. Its text has the form
//
//	FILE:LINE:COL: FIELD: what is wrong; what would be right
//
// Line and Col are 1-based; both are 0 when the problem lies in a --set
// argument, whose text then stands in File ("--set load.rate=x"). Field is the dotted path of the offending field
// (`services.frontend.calls[1].service`) and is empty for problems of the
// file as a whole, such as YAML syntax errors.
type Error struct {
	File      string
	Line, Col int
	Field     string
	Msg       string
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Line > 0 && e.File != "":
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Col)
	case e.Line > 0:
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Col)
	case e.File != "":
		b.WriteString(e.File + ": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in one scenario, sorted by position, one
// per line. Parse and Open return an ErrorList whenever the scenario itself
// is at fault; errors.As finds both the list and, through Unwrap, its first
// *Error.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As and errors.Is see each *Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// orNil returns l as an error, or nil when it is empty, so that no
// caller meets a non-nil error holding no problem.
func (l ErrorList) orNil() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// maxErrors caps a list so a pathological file yields a readable report
// rather than thousands of lines about the same mistake.
const maxErrors = 50

// sorted orders the list by position (errors without a line first: they
// come from --set arguments, and keep the arguments' order), drops exact duplicates (a mistake inside a
// merged mapping is met once per merge) and caps the length.
func (l ErrorList) sorted() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	l = slices.CompactFunc(l, func(a, b *Error) bool { return *a == *b })
	if len(l) > maxErrors {
		more := len(l) - maxErrors
		next := l[maxErrors]
		l = append(l[:maxErrors:maxErrors], &Error{
			File: next.File, Line: next.Line, Col: next.Col,
			Msg: fmt.Sprintf("too many errors, %d more not shown; fix the ones above first", more),
		})
	}
	return l
}

// didYouMean returns ` (did you mean "x"?)` for the candidate closest to
// word, or "" when none is close enough to be a plausible misspelling.
func didYouMean(word string, candidates []string) string {
	if s, ok := closest(word, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

// closest finds the candidate with the smallest edit distance to word,
// accepting at most one edit per three characters (and always one), the
// first candidate winning ties so suggestions are stable.
func closest(word string, candidates []string) (string, bool) {
	best, bestDist := "", -1
	limit := max(1, len([]rune(word))/3)
	for _, c := range candidates {
		d := editDistance(strings.ToLower(word), strings.ToLower(c))
		if d <= limit && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best, bestDist >= 0
}

// editDistance is the optimal-string-alignment distance: insertions,
// deletions, substitutions and transpositions of neighbours each cost one,
// so "catalgo" is one edit from "catalog".
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Inputs are keys and names; anything long is not a misspelling.
	if len(s) > 64 || len(t) > 64 {
		if a == b {
			return 0
		}
		return max(len(s), len(t))
	}
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}

// quoteList renders names for a message: "a", "b" and "c" as a, b, c.
func quoteList(names []string) string {
	return strings.Join(names, ", ")
}
