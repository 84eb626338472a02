package fault

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/baton-sim/baton/scenarios"
)

// ErrInvalid is wrapped by every FieldError.
var ErrInvalid = errors.New("fault: invalid fault")

// FieldError is one problem with one field of a fault. Field is the path
// as a scenario file writes it (faults[2].for), so the loader can point at
// the line.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return "fault: " + e.Field + ": " + e.Msg }

// Unwrap makes every FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// checker collects the problems of one fault.
type checker struct {
	path string // faults[2], or fault for an injected one
	errs []error
}

func (c *checker) errorf(field, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{Field: c.path + "." + field, Msg: fmt.Sprintf(format, args...)})
}

// check validates f. injected allows For 0 (until cleared).
func check(f *scenarios.Fault, path string, injected bool) []error {
	c := &checker{path: path}
	k, ok := kindNamed(f.Kind)
	switch {
	case f.Kind == "":
		c.errorf("kind", "required; kinds are %s", quoteList(scenarios.FaultKinds()))
	case !ok:
		c.errorf("kind", "unknown kind %q%s", f.Kind, knownHint(f.Kind, scenarios.FaultKinds()))
	}

	if f.At < 0 {
		c.errorf("at", "must be >= 0, got %v", f.At)
	}
	switch {
	case f.For < 0:
		c.errorf("for", "must be > 0, got %v", f.For)
	case endless(f) && f.For != 0:
		c.errorf("for", "a crash without restart never ends; leave for out, or set restart: true")
	case f.For == 0 && !endless(f) && !injected:
		c.errorf("for", "must be > 0")
	case f.At >= 0 && f.At > Forever-f.For:
		c.errorf("for", "at + for is beyond the end of time; use shorter durations")
	}
	if !ok {
		return c.errs
	}
	sc := k.scope()

	switch {
	case f.Ramp < 0:
		c.errorf("ramp", "must be >= 0, got %v", f.Ramp)
	case f.Ramp > 0 && sc != perRequest:
		c.errorf("ramp", "not used by a %s fault, %s; leave it out", f.Kind, whole(sc))
	case f.Ramp > 0 && f.For > 0 && f.Ramp > f.For:
		c.errorf("ramp", "must be at most for (%v), got %v", f.For, f.Ramp)
	}

	// Request conditions apply only to per-request kinds.
	conditions := []struct {
		field string
		set   bool
	}{
		{"percentage", f.Percentage != 0},
		{"first_n", f.FirstN != 0},
		{"target.route", f.Target.Route != ""},
		{"target.consumer", f.Target.Consumer != ""},
		{"target.caller", f.Target.Caller != ""},
		{"target.header", f.Target.Header != nil},
	}
	for _, cond := range conditions {
		if cond.set && sc != perRequest {
			c.errorf(cond.field, "not used by a %s fault, %s; leave it out", f.Kind, whole(sc))
		}
	}
	if sc == perRequest {
		if p := f.Percentage; math.IsNaN(p) || p < 0 || p > 100 {
			c.errorf("percentage", "must be in (0, 100], got %s", strconv.FormatFloat(p, 'g', -1, 64))
		}
		if f.FirstN < 0 {
			c.errorf("first_n", "must be >= 0, got %d", f.FirstN)
		}
		if h := f.Target.Header; h != nil && h.Name == "" {
			c.errorf("target.header.name", "required: the header that turns the fault on, such as name: x-fault")
		}
	}

	if f.Target.Service == "" && sc != perRequest {
		c.errorf("target.service", "required for a %s fault", f.Kind)
	}
	if r := f.Target.Replica; r != nil {
		switch {
		case sc == network:
			c.errorf("target.replica", "not used by a partition fault, which is between whole services; leave it out")
		case *r < 0:
			c.errorf("target.replica", "must be a replica index >= 0, got %d", *r)
		}
	}

	// Parameters of other kinds are mistakes (status on a latency fault).
	params := []struct {
		field string
		set   bool
	}{
		{"add", f.Add != nil},
		{"status", f.Status != 0},
		{"bandwidth", f.Bandwidth != 0},
		{"restart", f.Restart},
		{"peer", f.Peer != ""},
	}
	uses := k.params()
	for _, p := range params {
		if p.set && !contains(uses, p.field) {
			c.errorf(p.field, "not used by a %s fault; leave it out", f.Kind)
		}
	}
	k.check(f, c)
	return c.errs
}

// endless reports a fault that never ends by itself.
func endless(f *scenarios.Fault) bool { return f.Kind == scenarios.FaultCrash && !f.Restart }

// whole says why a kind takes no request conditions.
func whole(s scope) string {
	if s == network {
		return "which cuts every call between two services"
	}
	return "which hits whole replicas"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// knownHint suggests the closest name, or lists them all.
func knownHint(word string, names []string) string {
	if s, ok := closest(word, names); ok {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	if len(names) == 0 {
		return ""
	}
	return "; known are " + quoteList(names)
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// closest finds the candidate with the smallest edit distance to word,
// accepting at most one edit per three characters (and always one), the
// first candidate winning ties so suggestions are stable. It is the
// scenarios loader's rule, so both suggest alike.
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
// deletions, substitutions and transpositions of neighbours cost one each.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// Names are short; anything long is not a misspelling.
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
