package scenarios

import (
	"time"

	"github.com/baton-sim/baton/gateway/route"
)

// RolloutStep changes a gateway route's backends at a point in the run —
// a canary's weight moving from 5 % to 50 % — by reloading the gateway
// with the new split, as an operator's config push would.
//
//	rollout:
//	  - {at: 10s, route: api, backends: [{service: api-v1, weight: 75}, {service: api-v2, weight: 25}]}
type RolloutStep struct {
	// At is when the step applies, from the start of the load; >= 0.
	At time.Duration `json:"at" yaml:"at"`
	// Route names the gateway route whose backends change; required.
	Route string `json:"route" yaml:"route" required:"name the gateway route, such as route: api"`
	// Backends replace the route's backends; at least one, weights not all
	// zero.
	Backends []route.Backend `json:"backends" yaml:"backends" required:"give the new split, such as backends: [{service: v1, weight: 50}, {service: v2, weight: 50}]"`
}
