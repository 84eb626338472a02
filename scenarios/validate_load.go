package scenarios

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Bounds of the load schema. They match what sim/load builds, so that a
// scenario the loader accepts never fails there for a number.
const (
	maxUsers      = 1 << 20
	maxSteps      = 100_000
	maxTraceBytes = 64 << 20
	maxBodyBytes  = 64 << 10
	maxZipfS      = 100
	maxKeys       = 1 << 53
)

// methodRE is an upper-case HTTP method token.
var methodRE = regexp.MustCompile("^[A-Z0-9!#$%&'*+.^_`|~-]+$")

// stageKinds are the fields of LoadStage, in its order.
func stageKinds() []string { return []string{"constant", "ramp", "step", "sine", "spike", "replay"} }

func (v *validator) load() {
	if v.broken("load") {
		return // left out or not a mapping: already reported
	}
	l := &v.s.Load
	switch l.Model {
	case ModelOpen:
		v.openModel(l)
	case ModelClosed:
		v.closedModel(l)
	default:
		v.oneOf("load.model", l.Model, "model", "models", LoadModels())
	}
	if v.d.durationFrom != "" && v.s.Duration > maxDuration {
		v.errorf(v.d.durationFrom, "last %s together, and a scenario runs at most 24h; shorten them, or give a shorter duration to cut them", v.s.Duration)
	}
	if !slices.Contains(Arrivals(), l.Arrival) && !v.d.bad["load.arrival"] {
		v.errorf("load.arrival", "unknown arrival model %q%s", l.Arrival, knownHint(l.Arrival, "arrival models", Arrivals()))
	}
	if v.written("load.paths") {
		for i, p := range l.Paths {
			pp := index("load.paths", i)
			if v.d.bad[pp] {
				continue
			}
			if !strings.HasPrefix(p, "/") {
				v.errorf(pp, "must start with \"/\", got %q", p)
				continue
			}
			v.routed(pp, p, false)
		}
	}
	if len(l.Paths) == 0 && !v.broken("load.paths") && v.routesOfferNoPath() && v.needPaths(l.Clients) {
		v.errorf("load.paths", "required: no gateway route offers a path to request (regex and redirect routes offer none); list the paths, such as paths: [/api/items]")
	}
	v.clients(l.Clients)
}

// routesOfferNoPath reports a gateway whose routes all read well and
// have a path condition, none of which offers a path to request
// (defaultPaths): only then is an empty load.paths the load's problem
// rather than the routes'.
func (v *validator) routesOfferNoPath() bool {
	routes := v.s.Gateway.Routes
	if v.broken("gateway") || len(routes) == 0 {
		return false
	}
	for i := range routes {
		if kind, _ := routeShape(&routes[i]); kind == "" || v.d.brokenNear(index("gateway.routes", i)) {
			return false
		}
	}
	return true
}

// needPaths reports whether the load sends to load.paths: with no client
// classes, or a class without requests of its own.
func (v *validator) needPaths(classes []ClientClass) bool {
	if len(classes) == 0 {
		return !v.broken("load.clients")
	}
	for i, c := range classes {
		if len(c.Requests) == 0 && !v.broken(index("load.clients", i)) {
			return true
		}
	}
	return false
}

// routed reports a request path no gateway route matches (matchesRoute).
// A path with template parameters is matched by the text before its
// first one.
func (v *validator) routed(path, p string, template bool) {
	static, param := p, false
	if template {
		static, _, param = strings.Cut(p, "{")
	}
	// prefixes lists the prefixes alone, as the message for a gateway of
	// prefix routes gives them; shapes lists every route's kind and text.
	var prefixes, shapes []string
	for i := range v.s.Gateway.Routes {
		kind, shape := routeShape(&v.s.Gateway.Routes[i])
		if kind == "" || kind != "regex" && !strings.HasPrefix(shape, "/") {
			continue // the gateway's validation reports it
		}
		if matchesRoute(kind, shape, static, param) {
			return
		}
		if kind == "prefix" && !slices.Contains(prefixes, shape) {
			prefixes = append(prefixes, shape)
		}
		if s := kind + " " + shape; !slices.Contains(shapes, s) {
			shapes = append(shapes, s)
		}
	}
	switch {
	case len(shapes) == 0:
	case len(prefixes) == len(shapes):
		v.errorf(path, "no gateway route matches %q; paths must start with a route prefix (%s)", p, quoteList(prefixes))
	default:
		v.errorf(path, "no gateway route matches %q; routes match %s", p, quoteList(shapes))
	}
}

// misspelt reports whether an unknown key in the load was probably meant
// to be one of fields (so their absence is not reported again).
func (v *validator) misspelt(fields ...string) bool {
	for _, f := range fields {
		if v.d.misspelt["load."+f] || v.broken("load."+f) {
			return true
		}
	}
	return false
}

func (v *validator) openModel(l *Load) {
	rate, stages := v.written("load.rate"), v.written("load.stages")
	switch {
	case rate && stages:
		v.errorf("load.rate", "not with stages: rate alone is one constant stage; write it as a stage such as {constant: {rate: %s/s, duration: 1m}}, or leave rate out", float(l.Rate))
	case stages:
		if len(l.Stages) == 0 && !v.broken("load.stages") {
			v.errorf("load.stages", "must list at least one stage, such as [{ramp: {to: 100/s, duration: 30s}}], or give a rate instead")
		}
		v.stages(l.Stages)
	case rate:
		switch {
		case v.broken("load.rate"):
		case l.Rate <= 0:
			v.errorf("load.rate", "must be positive, got %s", v.got("load.rate", float(l.Rate)))
		case l.Rate > maxRate:
			v.errorf("load.rate", "must be at most 1000000/s, got %s", v.got("load.rate", float(l.Rate)))
		}
	case !v.misspelt("rate", "stages"):
		v.errorf("load.rate", "required; give requests per unit of time, such as rate: 100/s")
	}
	for _, f := range []struct{ field, what string }{
		{"users", "users"}, {"user_stages", "user stages"}, {"think", "think time"},
	} {
		if p := "load." + f.field; v.written(p) && !v.broken(p) {
			v.errorf(p, "only the closed model has %s; set model: closed, or leave %s out", f.what, f.field)
		}
	}
}

func (v *validator) closedModel(l *Load) {
	const why = "not used by the closed model, whose users send as fast as answers and think time allow"
	if v.written("load.rate") && !v.broken("load.rate") {
		v.errorf("load.rate", "%s; leave rate out (--set load.rate= removes it)", why)
	}
	if v.written("load.stages") && !v.broken("load.stages") {
		v.errorf("load.stages", "%s; ramp the users with user_stages, or leave stages out", why)
	}
	v.between("load.users", l.Users, 0, maxUsers)
	v.nonEmpty("load.user_stages", len(l.UserStages), "stage", "[{target: 50, duration: 30s}]")
	for i, st := range l.UserStages {
		sp := index("load.user_stages", i)
		if v.broken(sp) {
			continue
		}
		v.between(sp+".target", st.Target, 0, maxUsers)
		v.stageDuration(sp+".duration", st.Duration)
	}
	if l.Users == 0 && len(l.UserStages) == 0 && !v.broken("load.users") && !v.misspelt("users", "user_stages") {
		at := "load.model"
		if v.written("load.users") {
			at = "load.users"
		}
		v.errorf(at, "the closed model needs users above 0 or user_stages, such as users: 20")
	}
	if l.Think != nil && !v.broken("load.think") {
		checkLatency(*l.Think, func(rel, format string, args ...any) {
			v.errorf(joinRel("load.think", rel), format, args...)
		})
	}
}

// stageDuration checks the duration of a stage: above 0 and, as no stage
// can outlast a scenario, at most 24h.
func (v *validator) stageDuration(path string, d time.Duration) {
	switch {
	case v.broken(path):
	case d <= 0:
		v.errorf(path, "must be positive, got %s", v.got(path, d.String()))
	case d > maxDuration:
		v.errorf(path, "must be at most 24h, got %s", v.got(path, d.String()))
	}
}

// rateIn checks a rate of a stage.
func (v *validator) rateIn(path string, r float64) {
	switch {
	case v.broken(path):
	case r < 0:
		v.errorf(path, "must not be negative, got %s", v.got(path, float(r)+"/s"))
	case r > maxRate:
		v.errorf(path, "must be at most 1000000/s, got %s", v.got(path, float(r)+"/s"))
	}
}

// stages checks the open model's profile. Each stage starts, when its
// starting rate is left out, where the one before ended; prev is that
// rate, when it is known without reading a trace or evaluating a wave.
func (v *validator) stages(stages []LoadStage) {
	prev, known := 0.0, true
	for i := range stages {
		// from is a stage's starting rate: its own, or where the stage
		// before ended.
		prevRate, prevKnown := prev, known
		from := func(p *float64) (float64, bool) {
			if p != nil {
				return *p, true
			}
			return prevRate, prevKnown
		}
		known = false
		sp := index("load.stages", i)
		st := &stages[i]
		var set []string
		for _, k := range []struct {
			name string
			on   bool
		}{{"constant", st.Constant != nil}, {"ramp", st.Ramp != nil}, {"step", st.Step != nil},
			{"sine", st.Sine != nil}, {"spike", st.Spike != nil}, {"replay", st.Replay != nil}} {
			if k.on {
				set = append(set, k.name)
			}
		}
		misspelt := false
		for _, k := range stageKinds() {
			misspelt = misspelt || v.d.misspelt[sp+"."+k]
		}
		switch {
		case v.broken(sp):
			continue
		case len(set) == 0:
			if !misspelt {
				v.errorf(sp, "needs one of %s, such as {ramp: {to: 100/s, duration: 30s}}", andOr(stageKinds()))
			}
			continue
		case len(set) > 1:
			// The kind written second is the mistake.
			slices.SortStableFunc(set, func(a, b string) int {
				na, nb := v.d.node(sp+"."+a), v.d.node(sp+"."+b)
				return cmp.Or(cmp.Compare(na.Line, nb.Line), cmp.Compare(na.Column, nb.Column))
			})
			v.errorf(sp+"."+set[1], "a stage is one of %s, and this one is a %s already; write one list item per stage", andOr(stageKinds()), set[0])
			continue
		}
		p := sp + "." + set[0]
		if v.broken(p) {
			continue
		}
		switch {
		case st.Constant != nil:
			c := st.Constant
			v.rateIn(p+".rate", c.Rate)
			v.stageDuration(p+".duration", c.Duration)
			prev, known = c.Rate, true
		case st.Ramp != nil:
			c := st.Ramp
			if c.From != nil {
				v.rateIn(p+".from", *c.From)
			}
			v.rateIn(p+".to", c.To)
			v.stageDuration(p+".duration", c.Duration)
			prev, known = c.To, true
		case st.Step != nil:
			c := st.Step
			if c.From != nil {
				v.rateIn(p+".from", *c.From)
			}
			v.rateIn(p+".to", c.To)
			v.stageDuration(p+".duration", c.Duration)
			np := p + ".steps"
			switch first, ok := from(c.From); {
			case v.broken(np):
			case c.Steps < 1 || c.Steps > maxSteps:
				v.errorf(np, "must be from 2 to %d, got %d", maxSteps, c.Steps)
			case c.Steps == 1 && !ok:
				v.errorf(np, "one level needs from equal to to, and the rate the stage before ends at is not known here; give steps: 2 or more, or use a constant stage")
			case c.Steps == 1 && first != c.To:
				v.errorf(np, "one level cannot go from %s/s to %s/s; give steps: 2 or more, or use a constant stage", float(first), float(c.To))
			case c.Duration > 0 && time.Duration(c.Steps) > c.Duration:
				v.errorf(np, "%d levels do not fit in %s; use fewer steps", c.Steps, c.Duration)
			}
			prev, known = c.To, true
		case st.Sine != nil:
			c := st.Sine
			v.rateIn(p+".mean", c.Mean)
			ap := p + ".amplitude"
			switch {
			case v.broken(ap) || v.broken(p+".mean"):
			case c.Amplitude < 0:
				v.errorf(ap, "must not be negative, got %s", v.got(ap, float(c.Amplitude)+"/s"))
			case c.Amplitude > c.Mean:
				v.errorf(ap, "must not exceed mean (%s/s), or the rate would go negative; got %s", float(c.Mean), v.got(ap, float(c.Amplitude)+"/s"))
			case c.Mean+c.Amplitude > maxRate:
				v.errorf(ap, "takes the rate to %s/s at the peak; mean + amplitude must be at most 1000000/s", float(c.Mean+c.Amplitude))
			}
			if pp := p + ".period"; !v.broken(pp) && c.Period <= 0 {
				v.errorf(pp, "must be positive, got %s", v.got(pp, c.Period.String()))
			}
			v.stageDuration(p+".duration", c.Duration)
		case st.Spike != nil:
			c := st.Spike
			if c.Base != nil {
				v.rateIn(p+".base", *c.Base)
			}
			v.rateIn(p+".peak", c.Peak)
			v.nonNegative(p+".at", c.At)
			v.stageDuration(p+".duration", c.Duration)
			wp := p + ".width"
			switch {
			case v.broken(wp) || v.broken(p+".at") || v.broken(p+".duration"):
			case c.Width <= 0:
				v.errorf(wp, "must be positive, got %s", v.got(wp, c.Width.String()))
			case c.At >= 0 && c.Duration > 0 && c.At > c.Duration-c.Width:
				v.errorf(wp, "the burst from %s for %s must end within the stage's %s", c.At, c.Width, c.Duration)
			}
			if c.At+c.Width == c.Duration {
				prev, known = c.Peak, true
			} else {
				prev, known = from(c.Base)
			}
		case st.Replay != nil:
			v.replay(p, st.Replay)
		}
	}
}

// andOr renders alternatives: a, b or c.
func andOr(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// replay checks a replay stage and reads its file.
func (v *validator) replay(path string, r *ReplayStage) {
	fp, dp := path+".file", path+".data"
	file, data := v.written(fp) && !v.broken(fp), v.written(dp) && !v.broken(dp)
	switch {
	case v.broken(fp) || v.broken(dp):
	case file && data:
		v.errorf(dp, "a trace is given as file or as data, not both; keep one")
	case !file && !data:
		v.errorf(path, "needs a trace: file: (a CSV file beside the scenario) or data: (the CSV inline)")
	case data && r.Data == "":
		v.errorf(dp, "the trace is empty; give at least one row")
	case data && len(r.Data) > maxTraceBytes:
		v.errorf(dp, "is %d bytes; a trace may be at most %d bytes (64 MiB)", len(r.Data), maxTraceBytes)
	case file && r.File == "":
		v.errorf(fp, "must name a file, such as file: trace.csv")
	case file:
		v.readTrace(fp, r)
	}
	v.oneOf(path+".format", r.Format, "trace format", "formats", TraceFormats())
	if ip := path + ".interval"; !v.broken(ip) && r.Interval <= 0 {
		v.errorf(ip, "must be positive, got %s", v.got(ip, r.Interval.String()))
	}
	if sp := path + ".scale"; !v.broken(sp) && !(r.Scale > 0) {
		v.errorf(sp, "must be positive, got %s", v.got(sp, float(r.Scale)))
	}
	dur := path + ".duration"
	switch {
	case v.broken(dur):
	case r.Duration < 0:
		v.errorf(dur, "must not be negative, got %s", v.got(dur, r.Duration.String()))
	case r.Duration > maxDuration:
		v.errorf(dur, "must be at most 24h, got %s", v.got(dur, r.Duration.String()))
	case r.Duration == 0 && !v.written("duration"):
		v.errorf(path, "lasts as long as its trace, which the loader does not measure, so the scenario's duration cannot be the sum of the stages; give this stage a duration, or the scenario one")
	}
}

// readTrace reads a replay stage's file into its data.
func (v *validator) readTrace(path string, r *ReplayStage) {
	if v.d.read == nil {
		v.errorf(path, "cannot read %q: only a scenario opened from a file reads the files it names (the embedded library cannot); write the trace inline as data", r.File)
		return
	}
	data, err := v.d.read(r.File)
	switch {
	case err != nil:
		v.errorf(path, "cannot read the trace: %v", err)
	case len(data) > maxTraceBytes:
		v.errorf(path, "%s is more than %d bytes; a trace may be at most 64 MiB", r.File, maxTraceBytes)
	case len(data) == 0:
		v.errorf(path, "%s is empty; a trace needs at least one row", r.File)
	default:
		r.Data = string(data)
	}
}

func (v *validator) clients(classes []ClientClass) {
	v.nonEmpty("load.clients", len(classes), "client class", "[{name: web}]")
	names := map[string]string{}
	total, sure := 0.0, true
	for i := range classes {
		c := &classes[i]
		cp := index("load.clients", i)
		if v.broken(cp) {
			sure = false
			continue
		}
		if np := cp + ".name"; !v.broken(np) {
			v.name(np, "client name", c.Name)
			if first, dup := names[c.Name]; dup {
				v.errorf(np, "client name %q is already used by %s; give each class its own name", c.Name, first)
			} else {
				names[c.Name] = cp
			}
		}
		if sp := cp + ".share"; v.broken(sp) {
			sure = false
		} else if c.Share < 0 {
			v.errorf(sp, "must not be negative, got %s", v.got(sp, float(c.Share)))
			sure = false
		}
		total += c.Share
		if (c.ClientCert == "") != (c.ClientKey == "") && !v.broken(cp+".client_cert") && !v.broken(cp+".client_key") {
			missing := cp + ".client_key"
			if c.ClientCert == "" {
				missing = cp + ".client_cert"
			}
			v.errorf(missing, "a client certificate needs both client_cert and client_key (PEM files)")
		}
		if c.Bearer != "" && c.Basic != "" && !v.broken(cp+".bearer") && !v.broken(cp+".basic") {
			v.errorf(cp+".basic", "a request has one Authorization header, and bearer sets it already; keep bearer or basic")
		} else if bp := cp + ".basic"; c.Basic != "" && !v.broken(bp) && !strings.Contains(c.Basic, ":") {
			v.errorf(bp, "must be user:password, got %q", c.Basic)
		}
		v.headerName(cp+".api_key_header", c.APIKeyHeader)
		v.headers(cp+".headers", c.Headers)
		v.requests(cp+".requests", c.Requests)
		if k := c.Key; k != nil && !v.broken(cp+".key") {
			kp := cp + ".key"
			v.oneOf(kp+".dist", k.Dist, "key distribution", "distributions", KeyDists())
			if np := kp + ".n"; !v.broken(np) && (k.N < 1 || k.N > maxKeys) {
				v.errorf(np, "must be from 1 to 2^53, got %d", k.N)
			}
			if sp := kp + ".s"; !v.broken(sp) && !(k.S > 0 && k.S <= maxZipfS) {
				v.errorf(sp, "must be above 0 and at most %d (around 1: 1.1 is skewed), got %s", maxZipfS, v.got(sp, float(k.S)))
			}
			v.headerName(kp+".header", k.Header)
		}
	}
	if len(classes) > 0 && sure && total <= 0 {
		v.errorf("load.clients", "every share is 0, so no class sends; give at least one class a share above 0")
	}
}

// headerName checks an HTTP header name.
func (v *validator) headerName(path, name string) {
	if !v.broken(path) && !tokenRE.MatchString(name) {
		v.errorf(path, "%q is not a valid header name; use letters, digits and dashes, such as X-Tenant", name)
	}
}

// headers checks a header map: valid names, each once whatever its case,
// and values that fit on one line.
func (v *validator) headers(path string, m map[string]string) {
	seen := map[string]string{}
	for _, name := range sortedKeys(m) {
		hp := path + "." + name
		if v.broken(hp) {
			continue
		}
		v.headerName(hp, name)
		if first, dup := seen[strings.ToLower(name)]; dup {
			v.errorf(hp, "is the header %s again (header names ignore case); keep one", first)
		}
		seen[strings.ToLower(name)] = name
		if strings.ContainsAny(m[name], "\r\n\x00") {
			v.errorf(hp, "must not hold a line break or NUL")
		}
	}
}

func (v *validator) requests(path string, reqs []RequestTemplate) {
	v.nonEmpty(path, len(reqs), "request", "[{path: /api}]")
	total, sure := 0.0, true
	for i, r := range reqs {
		rp := index(path, i)
		if v.broken(rp) {
			sure = false
			continue
		}
		if mp := rp + ".method"; !v.broken(mp) && !methodRE.MatchString(r.Method) {
			v.errorf(mp, "%q is not an HTTP method; write an upper-case token such as GET or POST", r.Method)
		}
		if pp := rp + ".path"; !v.broken(pp) {
			if !strings.HasPrefix(r.Path, "/") {
				v.errorf(pp, "must start with \"/\", got %q", r.Path)
			} else {
				v.routed(pp, r.Path, true)
			}
		}
		v.headers(rp+".headers", r.Headers)
		if bp := rp + ".body"; !v.broken(bp) && len(r.Body) > maxBodyBytes {
			v.errorf(bp, "is %d bytes; a body template may be at most %d bytes (64 KiB)", len(r.Body), maxBodyBytes)
		}
		if wp := rp + ".weight"; v.broken(wp) {
			sure = false
		} else if r.Weight < 0 {
			v.errorf(wp, "must not be negative, got %s", v.got(wp, float(r.Weight)))
			sure = false
		}
		total += r.Weight
	}
	if len(reqs) > 0 && sure && total <= 0 {
		v.errorf(path, "every weight is 0, so the class sends nothing; give at least one request a weight above 0")
	}
}

// deriveDuration makes the scenario last as long as its load's stages
// when the file gives no duration. It runs before validation, which
// reports stages it cannot add up (a replay stage of unknown length).
func (d *decoder) deriveDuration(s *Scenario) {
	if _, written := d.pos["duration"]; written || d.bad["load"] {
		return
	}
	var (
		from string
		ds   []time.Duration
	)
	switch l := &s.Load; {
	case l.Model == ModelOpen && len(l.Stages) > 0:
		from = "load.stages"
		for _, st := range l.Stages {
			d, ok := stageLength(st)
			if !ok {
				return
			}
			ds = append(ds, d)
		}
	case l.Model == ModelClosed && len(l.UserStages) > 0:
		from = "load.user_stages"
		for _, st := range l.UserStages {
			ds = append(ds, st.Duration)
		}
	default:
		return
	}
	var sum time.Duration
	for _, x := range ds {
		if x <= 0 {
			return // a bad stage, reported by validation
		}
		// Saturate well above 24h, which validation reports.
		sum = min(sum+min(x, 2*maxDuration), 2*maxDuration)
	}
	s.Duration, d.durationFrom = sum, from
}

// stageLength is how long an open-model stage lasts, false when only its
// trace can tell.
func stageLength(st LoadStage) (time.Duration, bool) {
	switch {
	case st.Constant != nil:
		return st.Constant.Duration, true
	case st.Ramp != nil:
		return st.Ramp.Duration, true
	case st.Step != nil:
		return st.Step.Duration, true
	case st.Sine != nil:
		return st.Sine.Duration, true
	case st.Spike != nil:
		return st.Spike.Duration, true
	case st.Replay != nil:
		return st.Replay.Duration, st.Replay.Duration > 0
	}
	return 0, false
}
