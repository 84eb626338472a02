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
	"github.com/baton-sim/baton/sim/host"
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
	// Host are the limits past which the summary's host section calls
	// the machine saturated; the zero value means the defaults.
	Host reports.HostThresholds
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
	var (
		rec     *reports.Recorder
		sampler *host.Sampler
	)
	begin := func(epoch time.Time) *reports.Recorder {
		rec = reports.NewRecorder(epoch, opts.Window)
		// The host is measured over the load only, one interval per
		// window (within 250ms..1s), aligned to the recorder's epoch.
		sampler = host.Start(ctx, epoch, min(max(rec.Window(), 250*time.Millisecond), time.Second))
		if opts.OnStart != nil {
			opts.OnStart(rec)
		}
		return rec
	}
	began := time.Now()
	driveErr := inst.Drive(ctx, begin)
	ran := time.Since(began)
	var measured host.Measurement
	if sampler != nil {
		measured = sampler.Stop()
	}
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
	windows := rec.Windows()
	hs := reports.JudgeHost(hostEvidence(sum, windows, measured), opts.Host)
	sum.Host = &hs
	events, dropped := rec.EventLog()
	return &reports.Run{Summary: sum, Windows: windows, Events: events, EventsDropped: dropped, Scenario: sc}, nil
}

// hostEvidence puts what the sampler measured beside the run's send lag
// and windows.
func hostEvidence(sum reports.Summary, windows []reports.Window, m host.Measurement) reports.HostEvidence {
	e := reports.HostEvidence{
		SendLag:    sum.ScheduleLag,
		SchedP99Ms: ms(m.Run.SchedP99),
		CPU:        m.Run.CPU,
		Cores:      m.Cores,
		Windows:    windows,
		DurationS:  sum.DurationS,
	}
	for _, iv := range m.Intervals {
		e.Intervals = append(e.Intervals, reports.HostInterval{
			FromS: iv.From.Seconds(), ToS: iv.To.Seconds(), SchedP99Ms: ms(iv.SchedP99), CPU: iv.CPU,
		})
	}
	return e
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
