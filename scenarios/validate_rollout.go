package scenarios

import (
	"slices"
	"strconv"
)

// rollout checks the rollout steps: times in order (a step past the end of
// a run shortened with --duration simply never comes),
// routes that exist and carry backends, services that exist, weights that
// send somewhere.
func (v *validator) rollout() {
	var routes []string
	for _, r := range v.s.Gateway.Routes {
		routes = append(routes, r.Name)
	}
	for i, st := range v.s.Rollout {
		p := "rollout[" + strconv.Itoa(i) + "]"
		v.nonNegative(p+".at", st.At)
		if i > 0 && !v.broken(p+".at") && st.At < v.s.Rollout[i-1].At {
			v.errorf(p+".at", "is %s, before the previous step's %s; list steps in time order", st.At, v.s.Rollout[i-1].At)
		}
		if !v.broken(p+".route") && st.Route != "" && !slices.Contains(routes, st.Route) {
			v.errorf(p+".route", "unknown gateway route %q%s", st.Route, knownHint(st.Route, "routes", routes))
		}
		var total uint64
		for j, b := range st.Backends {
			v.reference(p+".backends["+strconv.Itoa(j)+"].service", b.Service)
			total += uint64(b.Weight)
		}
		if len(st.Backends) > 0 && total == 0 && !v.broken(p+".backends") {
			v.errorf(p+".backends", "weights are all 0; give at least one backend a weight")
		}
	}
}
