package fault

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"net/textproto"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim/synth"
)

// Forever is the end of a fault that has none: a crash without restart,
// or an injected fault without For, until it is cleared.
const Forever = time.Duration(math.MaxInt64)

// ErrUnknownFault is returned by Clear for an id the timeline never gave.
var ErrUnknownFault = errors.New("fault: unknown fault")

// Timeline is a run's faults: those of the scenario, ids 0..n-1 in file
// order, then those injected at run time. It is safe for concurrent use.
type Timeline struct {
	seed uint64

	mu      sync.Mutex
	entries []*entry // by id
}

// entry is one fault with what its decisions need.
type entry struct {
	id         int
	f          scenarios.Fault
	kind       kind
	start, end time.Duration // active in [start, end); end may be Forever
	replica    string        // the target replica's name, "" for all
	header     string        // canonical header name, "" for none
	dist       synth.Distribution
	key        uint64 // faultKey(seed, id)

	// matched counts the requests the fault matched, for FirstN.
	matched int
	// seq counts the requests the fault matched per target: the n in
	// each decision's stream.
	seq map[targetKey]uint64
}

// targetKey is what a request's decisions are numbered by.
type targetKey struct{ caller, service, replica string }

// NewTimeline validates faults and builds their timeline. Decisions are
// drawn from seed (the scenario's, or one derived from it). All problems
// are returned together, each a *FieldError naming its field.
func NewTimeline(faults []scenarios.Fault, seed uint64) (*Timeline, error) {
	t := &Timeline{seed: seed}
	var errs []error
	for i := range faults {
		if es := check(&faults[i], "faults["+strconv.Itoa(i)+"]", false); len(es) > 0 {
			errs = append(errs, es...)
			continue
		}
		if len(errs) == 0 {
			t.entries = append(t.entries, t.build(faults[i], faults[i].At))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

// build compiles a checked fault starting at start; its id is the next one.
func (t *Timeline) build(f scenarios.Fault, start time.Duration) *entry {
	id := len(t.entries)
	k, _ := kindNamed(f.Kind)
	x := &entry{
		id:    id,
		f:     f,
		kind:  k,
		start: start,
		end:   Forever,
		key:   faultKey(t.seed, id),
		seq:   make(map[targetKey]uint64),
	}
	if f.For > 0 && !endless(&f) {
		x.end = start + f.For
	}
	// The timeline keeps its own copy: the caller may change f's pointers.
	x.f = clone(f)
	if r := f.Target.Replica; r != nil {
		x.replica = reports.ReplicaName(f.Target.Service, *r)
	}
	if h := f.Target.Header; h != nil {
		x.header = textproto.CanonicalMIMEHeaderKey(h.Name)
	}
	if f.Add != nil {
		// check has built it once already, so it cannot fail here.
		x.dist, _ = synth.NewDistribution(*f.Add)
	}
	return x
}

// clone copies f deeply, so that no caller shares the timeline's faults.
func clone(f scenarios.Fault) scenarios.Fault {
	if r := f.Target.Replica; r != nil {
		v := *r
		f.Target.Replica = &v
	}
	if h := f.Target.Header; h != nil {
		v := *h
		f.Target.Header = &v
	}
	if a := f.Add; a != nil {
		v := *a
		v.Percentiles = slices.Clone(a.Percentiles)
		f.Add = &v
	}
	return f
}

// Inject adds fault f at run time: it starts at now+f.At and lasts f.For,
// or until Clear if f.For is 0. It returns the fault's id, for Clear.
func (t *Timeline) Inject(f scenarios.Fault, now time.Duration) (int, error) {
	if es := check(&f, "fault", true); len(es) > 0 {
		return 0, errors.Join(es...)
	}
	if now < 0 {
		return 0, fmt.Errorf("%w: inject at %v: now must be >= 0", ErrInvalid, now)
	}
	if f.At > Forever-now || f.For > Forever-now-f.At {
		return 0, &FieldError{Field: "fault.for", Msg: fmt.Sprintf("now (%v) + at + for is beyond the end of time; use shorter durations", now)}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	x := t.build(f, now+f.At)
	t.entries = append(t.entries, x)
	return x.id, nil
}

// Clear ends fault id at now, if it has not ended yet: it is inactive
// from now on, and Transitions reports its Stop at now (a cleared crash
// restarts its replicas, with or without restart). Clearing a fault
// before it starts cancels it, with no transitions at all.
func (t *Timeline) Clear(id int, now time.Duration) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if id < 0 || id >= len(t.entries) {
		return fmt.Errorf("%w: id %d", ErrUnknownFault, id)
	}
	x := t.entries[id]
	if now < x.end {
		x.end = now
	}
	return nil
}

// Active is one fault active at a time.
type Active struct {
	ID    int
	Fault scenarios.Fault
	// Start and End bound the fault's window [Start, End); End is Forever
	// for a fault with no end.
	Start, End time.Duration
	// Intensity is in [0, 1]: below 1 while the fault ramps up.
	Intensity float64
}

// At lists the faults active at now, by id.
func (t *Timeline) At(now time.Duration) []Active {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Active
	for _, x := range t.entries {
		if x.active(now) {
			out = append(out, Active{ID: x.id, Fault: clone(x.f), Start: x.start, End: x.end, Intensity: x.intensity(now)})
		}
	}
	return out
}

func (x *entry) active(now time.Duration) bool { return x.start <= now && now < x.end }

// intensity is x's strength at now, for an active x.
func (x *entry) intensity(now time.Duration) float64 {
	if r := x.f.Ramp; r > 0 && now-x.start < r {
		return float64(now-x.start) / float64(r)
	}
	return 1
}

// Transition is a fault starting or stopping.
type Transition struct {
	At   time.Duration
	ID   int
	Kind string
	// Start is true when the fault starts, false when it stops: a crash
	// Stop brings its replicas back, a discovery_loss Stop registers them
	// again.
	Start bool
	// Service and Replica are the fault's target; Replica is -1 for every
	// replica of Service. A partition's other side is Fault.Peer.
	Service string
	Replica int
	Fault   scenarios.Fault
}

// Transitions lists the starts and stops of every kind of fault in
// (from, to], ordered by time, stops before starts at the same instant
// (one window ends where the next begins), then by id. An engine's ticker
// calls it with consecutive intervals; the first call should pass a
// negative from, so that faults at 0 are included.
func (t *Timeline) Transitions(from, to time.Duration) []Transition {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []Transition
	for _, x := range t.entries {
		if x.start >= x.end {
			continue // cleared before it began
		}
		tr := Transition{ID: x.id, Kind: x.f.Kind, Service: x.f.Target.Service, Replica: -1, Fault: clone(x.f)}
		if r := x.f.Target.Replica; r != nil {
			tr.Replica = *r
		}
		if from < x.start && x.start <= to {
			tr.At, tr.Start = x.start, true
			out = append(out, tr)
		}
		if x.end != Forever && from < x.end && x.end <= to {
			tr.At, tr.Start = x.end, false
			out = append(out, tr)
		}
	}
	slices.SortFunc(out, func(a, b Transition) int {
		if c := cmp.Compare(a.At, b.At); c != 0 {
			return c
		}
		if a.Start != b.Start {
			if a.Start {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}
