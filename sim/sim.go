// Package sim runs scenarios: it owns the engine interface, the load
// schedule shared by every engine, and Run, which wires an engine to the
// recorder that every reported number comes from.
package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/baton-sim/baton/reports"
	"github.com/baton-sim/baton/scenarios"
)

// Engine runs a scenario's topology. Engines own execution (sockets, event
// queues, containers); the policies they call are shared.
type Engine interface {
	// Name is how the CLI and reports call the engine ("live").
	Name() string
	// Start brings the topology up and returns once it can take load.
	Start(ctx context.Context, sc *scenarios.Scenario) (Instance, error)
}

// Instance is a running topology.
type Instance interface {
	// Drive offers the scenario's load and returns when it has ended (or ctx
	// is done) and every answer has been recorded. begin is called once,
	// with the engine's time of the first intended send, and returns the
	// recorder to fold results into.
	Drive(ctx context.Context, begin func(epoch time.Time) *reports.Recorder) error
	// Close tears the topology down, waiting for in-flight work.
	Close() error
}

// Options tune a run. The zero value means the defaults.
type Options struct {
	// Window is the recorder's window; default 1s.
	Window time.Duration
	// OnStart, if set, is called with the recorder when load begins, so a
	// caller can watch progress.
	OnStart func(*reports.Recorder)
	// OnControl, if set, is called once the topology is up with the
	// run's Control, when the engine offers one.
	OnControl func(Control)
}

// ErrNoLoad is returned when a run recorded no request at all.
var ErrNoLoad = errors.New("sim: no request was recorded")

// Run executes sc on eng and returns the run record with its summary and
// SLO verdicts.
func Run(ctx context.Context, sc *scenarios.Scenario, eng Engine, opts Options) (*reports.Run, error) {
	inst, err := eng.Start(ctx, sc)
	if err != nil {
		return nil, fmt.Errorf("sim: start %s engine: %w", eng.Name(), err)
	}
	if c, ok := inst.(Control); ok && opts.OnControl != nil {
		opts.OnControl(c)
	}
	var rec *reports.Recorder
	begin := func(epoch time.Time) *reports.Recorder {
		rec = reports.NewRecorder(epoch, opts.Window)
		if opts.OnStart != nil {
			opts.OnStart(rec)
		}
		return rec
	}
	began := time.Now()
	driveErr := inst.Drive(ctx, begin)
	ran := time.Since(began)
	closeErr := inst.Close()
	if driveErr != nil {
		return nil, fmt.Errorf("sim: drive load: %w", driveErr)
	}
	if closeErr != nil {
		return nil, fmt.Errorf("sim: stop %s engine: %w", eng.Name(), closeErr)
	}
	if rec == nil {
		return nil, ErrNoLoad
	}
	meta := reports.NewMeta(sc, eng.Name())
	if ctx.Err() != nil && ran < meta.Duration {
		// Cut short: rates are over the time that actually ran.
		meta.Duration = ran
	}
	sum := rec.Summary(meta)
	events, dropped := rec.EventLog()
	return &reports.Run{Summary: sum, Windows: rec.Windows(), Events: events, EventsDropped: dropped, Scenario: sc}, nil
}
