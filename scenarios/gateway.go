package scenarios

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/baton-sim/baton/gateway/config"
	"github.com/baton-sim/baton/gateway/route"
)

// The gateway block is config.Gateway, read by the tag-driven decoder
// (schema.go) and checked by config's own Validate. This file adds what
// the scenario format says on top: the defaults of the gateway's default
// tags and Defaults, route names, the messages the format always gave
// (a prefix without "/", a route name used twice), the position of every
// problem Validate finds, and that the services the gateway sends to
// exist.

// ParseGateway reads a gateway block that stands outside a scenario (the
// gateway section of `baton serve gateway`'s file) exactly as a scenario's
// gateway block is read: strictly, with its defaults and the format's
// route names, then validated. Every problem is an *Error located at
// FILE:LINE:COL with a field path starting "gateway."; together they come
// as an ErrorList. n is the block's node as yaml.v3 parsed it with the
// rest of the file, so positions are the file's. Whether the services the
// gateway sends to exist (Gateway.Services) is the caller's to check.
func ParseGateway(filename string, n *yaml.Node) (*Gateway, error) {
	d := newDecoder(filename)
	const path = "gateway"
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n != nil && n.Kind == 0 {
		n = nil // the zero Node a struct field holds when the key is absent
	}
	if n != nil && !d.guard(n) {
		return nil, d.errs.sorted()
	}
	n = resolve(n)
	if isNull(n) {
		d.errorf(n, path, "required; route requests to a service, such as gateway: {routes: [{prefix: /api, service: frontend}]}")
		return nil, d.errs.sorted()
	}
	d.root = n
	d.pos[path] = n
	g := &Gateway{}
	d.gateway(n, path, g)
	d.checkGateway(g, path)
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	return g, nil
}

// gateway reads the gateway block n into g: the default tags first, the
// file over them, then config's Defaults for what the file wrote as zero
// (the gateway reads a zero as its default, and the scenario shows it).
func (d *decoder) gateway(n *yaml.Node, path string, g *Gateway) {
	v := reflect.ValueOf(g).Elem()
	d.setDefaults(v)
	d.value(n, path, v, fieldInfo{})
	*g = g.Defaults()
	routes := join(path, "routes")
	if _, ok := d.pos[routes]; !ok && !d.broken(path) && !d.misspelt[routes] {
		d.fail(n, routes, "required; route at least one prefix, such as routes: [{prefix: /api, service: frontend}]")
	}
}

// checkGateway validates the gateway block g read from path. The format's
// own rules come first; then every problem config's Validate finds is
// placed at the line its field was read from (FieldError.Path under path),
// unless the format already said it or the field failed to read.
func (d *decoder) checkGateway(g *Gateway, path string) {
	if d.broken(path) {
		return
	}
	said := map[string]bool{}
	report := func(field, format string, args ...any) {
		said[field] = true
		d.errorf(d.node(field), field, format, args...)
	}
	routes := join(path, "routes")
	if _, ok := d.pos[routes]; ok && len(g.Routes) == 0 && !d.bad[routes] {
		report(routes, "must list at least one route, such as [{prefix: /api, service: frontend}]")
	}
	names := map[string]string{}
	for i := range g.Routes {
		r := &g.Routes[i]
		rp := index(routes, i)
		if d.broken(rp) {
			continue
		}
		for _, f := range []struct{ name, value string }{{"prefix", r.Prefix}, {"path", r.Path}, {"template", r.Template}} {
			if fp := join(rp, f.name); f.value != "" && !strings.HasPrefix(f.value, "/") && !d.bad[fp] {
				report(fp, "must start with \"/\", got %q; write /%s", f.value, f.value)
			}
		}
		np := join(rp, "name")
		if kind, _ := routeShape(r); kind == "" {
			// The route package says so of path, and a route without a
			// path has no name to take; a misspelt prefx: has said it all.
			said[join(rp, "path")] = true
			if r.Name == "" {
				said[np] = true
			}
			if !d.brokenNear(rp) {
				report(join(rp, "prefix"), "required; match a path with prefix, path, template or regex, such as prefix: /api")
			}
		}
		switch first, dup := names[r.Name]; {
		case r.Name == "" || d.bad[np]:
		case dup:
			report(np, "route name %q is already used by %s; give each route its own name", r.Name, first)
		default:
			names[r.Name] = rp
		}
	}
	type problem struct{ field, msg string }
	var problems []problem
	for _, e := range flatten(g.Validate()) {
		field, msg := path, strings.TrimPrefix(e.Error(), "gateway: ")
		if fe, ok := errors.AsType[*config.FieldError](e); ok {
			field, msg = join(path, fe.Path), fe.Msg
			if fe.Path == "" {
				field = path
			}
		}
		if errors.Is(e, route.ErrDuplicate) {
			continue // duplicates, below, are found among every valid route
		}
		if !said[field] && !d.brokenNear(field) {
			problems = append(problems, problem{field, msg})
		}
	}
	for _, p := range problems {
		// The route table checks an aggregate's calls as backends and
		// names the aggregate; the aggregate's own check names the field.
		if strings.HasSuffix(p.field, ".aggregate") && slices.ContainsFunc(problems, func(q problem) bool {
			return strings.HasPrefix(q.field, p.field+".")
		}) {
			continue
		}
		d.errorf(d.node(p.field), p.field, "%s", p.msg)
	}
	d.duplicateRoutes(g, path)
}

// duplicateRouteRE finds the earlier route a duplicate repeats in the
// route package's message.
var duplicateRouteRE = regexp.MustCompile(`routes\[(\d+)\]`)

// duplicateRoutes reports a route that repeats an earlier one's host,
// path condition and conditions, so could never match. Validate looks for
// one only once every route is valid; this looks among the valid ones, so
// that it shows with the other problems, in the words the format used
// for a prefix routed twice.
func (d *decoder) duplicateRoutes(g *Gateway, path string) {
	var (
		tables []route.Route
		at     []int // at[k] is the index in g.Routes of tables[k]
	)
	for i := range g.Routes {
		if t := g.Routes[i].Table(); t.Validate() == nil && !d.brokenNear(index(join(path, "routes"), i)) {
			tables = append(tables, t)
			at = append(at, i)
		}
	}
	_, err := route.Compile(tables)
	fe, ok := errors.AsType[*route.FieldError](err)
	if !ok || !errors.Is(err, route.ErrDuplicate) || fe.Index < 0 || fe.Index >= len(at) {
		return
	}
	m := duplicateRouteRE.FindStringSubmatch(fe.Err.Error())
	if m == nil {
		return
	}
	first, err := strconv.Atoi(m[1])
	if err != nil || first < 0 || first >= len(at) {
		return
	}
	i := at[fe.Index]
	kind, shape := routeShape(&g.Routes[i])
	field := join(index(join(path, "routes"), i), kind)
	d.errorf(d.node(field), field, "%s %q is already routed by %s; route each %s once, or tell the routes apart by host, methods, headers or query",
		kind, shape, index(join(path, "routes"), at[first]), kind)
}

// brokenNear reports whether field, a parent of it or a field inside it
// failed to read, or a field inside it was misspelt: a problem Validate
// finds there may be only the echo of what could not be read (a route
// "with no service" whose service: was written servce:).
func (d *decoder) brokenNear(field string) bool {
	if d.broken(field) || d.misspelt[field] {
		return true
	}
	for _, m := range []map[string]bool{d.bad, d.misspelt} {
		for p := range m {
			if strings.HasPrefix(p, field+".") || strings.HasPrefix(p, field+"[") {
				return true
			}
		}
	}
	return false
}

// flatten lists the errors errors.Join put together.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// gateway checks the scenario's gateway block, and that every service it
// sends to (backends, the service shorthand, mirrors, aggregation calls)
// is one of the scenario's.
func (v *validator) gateway() {
	v.d.checkGateway(&v.s.Gateway, "gateway")
	if v.broken("gateway") {
		return
	}
	checked := map[string]bool{}
	ref := func(path, name string) {
		// An empty name is Validate's to report ("must be set").
		if name != "" {
			checked[name] = true
			v.reference(path, name)
		}
	}
	for i := range v.s.Gateway.Routes {
		r := &v.s.Gateway.Routes[i]
		rp := index("gateway.routes", i)
		ref(rp+".service", r.Service)
		for j, b := range r.Route.Backends {
			ref(index(rp+".backends", j)+".service", b.Service)
		}
		if r.Mirror != nil {
			ref(rp+".mirror.service", r.Mirror.Service)
		}
		if r.Aggregate != nil {
			for j, b := range r.Aggregate.Backends {
				ref(index(rp+".aggregate.backends", j)+".service", b.Service)
			}
		}
	}
	// Services is the gateway's own list; should it learn a new place to
	// send to, its services are still checked, if less precisely placed.
	for _, name := range v.s.Gateway.Services() {
		if !checked[name] {
			v.reference("gateway", name)
		}
	}
}

// routeShape is a route's path condition: its kind (prefix, path,
// template or regex) and text, or "" for a route that has none.
func routeShape(r *Route) (kind, shape string) {
	switch {
	case r.Prefix != "":
		return "prefix", r.Prefix
	case r.Path != "":
		return "path", r.Path
	case r.Template != "":
		return "template", r.Template
	case r.Regex != "":
		return "regex", r.Regex
	}
	return "", ""
}

// defaultPaths are the request paths load.paths defaults to: one per route
// that offers one, in route order, each once. A prefix or path route
// offers its own; a template offers itself with each {name} replaced by
// the name and a final {name...} left empty (/users/{id} gives /users/id,
// /files/{rest...} gives /files/). A regex route offers none (a pattern is
// not a path), nor does a redirect route (it answers before any service).
// A scenario whose routes offer none lists its paths, or gives every
// client class requests of its own.
func defaultPaths(routes []Route) []string {
	var out []string
	for i := range routes {
		r := &routes[i]
		if r.Redirect != nil {
			continue
		}
		var p string
		switch kind, shape := routeShape(r); kind {
		case "prefix", "path":
			p = shape
		case "template":
			p = fillTemplate(shape)
		}
		if p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// fillTemplate writes a path a template matches: each {name} becomes name
// and a final {name...} is left empty.
func fillTemplate(t string) string {
	segs := strings.Split(t, "/")
	for i, s := range segs {
		name, ok := strings.CutPrefix(s, "{")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(name, "}")
		if strings.HasSuffix(name, "...") {
			name = ""
		}
		segs[i] = name
	}
	return strings.Join(segs, "/")
}

// matchesRoute reports whether a request to p can take a route of the
// given path condition, by the route table's rules (prefixes match whole
// segments; templates segment by segment; regexes whole). Other
// conditions (host, methods, headers, query) are not considered: the load
// may well send what they need. When p is a load template with
// parameters, only static, the text before the first one, is known, and
// a route matches when either could extend the other.
func matchesRoute(kind, shape, p string, param bool) bool {
	p, _, _ = strings.Cut(p, "?")
	switch kind {
	case "prefix":
		if param {
			return strings.HasPrefix(p, shape) || strings.HasPrefix(shape, p)
		}
		if shape == "/" || strings.HasSuffix(shape, "/") {
			return strings.HasPrefix(p, shape)
		}
		return p == shape || strings.HasPrefix(p, shape+"/")
	case "path":
		if param {
			return strings.HasPrefix(shape, p)
		}
		return p == shape
	case "template":
		if param {
			static, _, _ := strings.Cut(shape, "{")
			return strings.HasPrefix(p, static) || strings.HasPrefix(static, p)
		}
		return matchTemplate(shape, p)
	case "regex":
		if param {
			return true
		}
		re, err := regexp.Compile(`^(?:` + shape + `)$`)
		return err != nil || re.MatchString(p)
	}
	return false
}

// matchTemplate matches path p against template t segment by segment.
func matchTemplate(t, p string) bool {
	if !strings.HasPrefix(t, "/") || !strings.HasPrefix(p, "/") {
		return false
	}
	ts, ps := strings.Split(t[1:], "/"), strings.Split(p[1:], "/")
	for i, s := range ts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}") {
			// The rest, possibly empty, after the slash before it.
			return len(ps) > i
		}
		if i >= len(ps) {
			return false
		}
		if strings.HasPrefix(s, "{") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if s != ps[i] {
			return false
		}
	}
	return len(ps) == len(ts)
}
