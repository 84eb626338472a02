package balance

import (
	"fmt"
	"slices"
	"strings"
)

// Names of the built-in balancers, as scenarios write them.
const (
	NameRoundRobin         = "round_robin"
	NameWeightedRoundRobin = "weighted_round_robin"
	NameRandom             = "random"
	NameLeastRequest       = "least_request"
	NameLeastRequestFull   = "least_request_full"
	NameP2CPeakEWMA        = "p2c_peak_ewma"
	NameRingHash           = "ring_hash"
	NameMaglev             = "maglev"
	NameLeastTime          = "least_time"
)

// Factory builds a balancer from options.
type Factory func(Options) (Balancer, error)

// Registry maps balancer names to factories. It is built explicitly
// (Builtin, Register) rather than filled by init functions, so that what a
// program can name is visible where the program is wired.
type Registry struct {
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{factories: make(map[string]Factory)}
}

// Register adds a factory under name; a name registered twice is an error.
func (r *Registry) Register(name string, f Factory) error {
	if name == "" || f == nil {
		return fmt.Errorf("balance: register %q: empty name or nil factory", name)
	}
	if _, dup := r.factories[name]; dup {
		return fmt.Errorf("balance: register %q: name already registered", name)
	}
	r.factories[name] = f
	return nil
}

// New builds the balancer registered under name. An unknown name is an
// error that lists the known ones.
func (r *Registry) New(name string, opts Options) (Balancer, error) {
	f, ok := r.factories[name]
	if !ok {
		return nil, fmt.Errorf("balance: unknown balancer %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	b, err := f(opts)
	if err != nil {
		return nil, fmt.Errorf("balance: %s: %w", name, err)
	}
	return b, nil
}

// Names lists the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Builtin returns a new registry holding every built-in balancer.
func Builtin() *Registry {
	r := NewRegistry()
	for _, e := range builtins() {
		if err := r.Register(e.name, e.factory); err != nil {
			panic(err) // the built-in table is a constant; a duplicate is a bug here
		}
	}
	return r
}

type entry struct {
	name    string
	factory Factory
}

// builtins is a function, not a package variable, so that no mutable
// state lives at package level.
func builtins() []entry {
	return []entry{
		{NameRoundRobin, factory(NewRoundRobin)},
		{NameWeightedRoundRobin, factory(NewWeightedRoundRobin)},
		{NameRandom, factory(NewRandom)},
		{NameLeastRequest, factory(NewLeastRequest)},
		{NameLeastRequestFull, factory(NewLeastRequestFull)},
		{NameP2CPeakEWMA, factory(NewP2CPeakEWMA)},
		{NameRingHash, factory(NewRingHash)},
		{NameMaglev, factory(NewMaglev)},
		{NameLeastTime, factory(NewLeastTime)},
	}
}

// factory adapts a concrete constructor, so that a failed construction
// yields a nil Balancer rather than a typed nil inside the interface.
func factory[T Balancer](f func(Options) (T, error)) Factory {
	return func(o Options) (Balancer, error) {
		b, err := f(o)
		if err != nil {
			return nil, err
		}
		return b, nil
	}
}

// New builds the built-in balancer called name; see Names.
func New(name string, opts Options) (Balancer, error) {
	return Builtin().New(name, opts)
}

// Names lists the built-in balancers, sorted.
func Names() []string {
	return Builtin().Names()
}
