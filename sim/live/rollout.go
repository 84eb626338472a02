package live

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/baton-sim/baton/reports"
)

// applyRollout pushes the rollout steps due at now to the gateway: the
// route's backends replaced, the config reloaded whole, as a config push
// would. Requests in flight finish on the split they started with.
func (in *Instance) applyRollout(now time.Time) {
	ep := in.faults.epoch.Load()
	if ep == nil {
		return
	}
	for in.rolledOut < len(in.sc.Rollout) && in.sc.Rollout[in.rolledOut].At <= now.Sub(*ep) {
		st := in.sc.Rollout[in.rolledOut]
		in.rolledOut++
		cfg := *in.gw.Current().Config()
		cfg.Routes = slices.Clone(cfg.Routes)
		var split []string
		for i := range cfg.Routes {
			if cfg.Routes[i].Name != st.Route {
				continue
			}
			cfg.Routes[i].Route.Backends = slices.Clone(st.Backends)
			cfg.Routes[i].Service = ""
		}
		for _, b := range st.Backends {
			split = append(split, fmt.Sprintf("%s=%d", b.Service, b.Weight))
		}
		detail := st.Route + ": " + strings.Join(split, " ")
		if err := in.gw.Reload(cfg); err != nil {
			detail += " (rejected: " + err.Error() + ")"
		}
		in.event(reports.Event{At: now, Kind: reports.EventRollout, Detail: detail})
	}
}
