package scenarios

import "time"

// This file holds the schema of load profiles, the closed model and the
// client mix (package sim/load builds them). LoadExt is embedded in Load
// with `yaml:",inline"`, as MeshPolicy is in Mesh, so a file writes
// load.stages, load.model, load.users and load.clients beside load.rate.
//
// Tags follow schema.go: yaml names the field, default gives the value in
// the file's own syntax when the file leaves the field out, required says
// the field must be written, form:"rate" reads 100 or 100/s. Ranges and
// cross-field rules are in each field's comment; validate_load.go checks
// every one of them, except the syntax of request templates, which
// sim/load parses (and reports) when it builds the client mix: the parser
// lives there and scenarios cannot import it.

// Load models.
const (
	// ModelOpen sends requests at the profile's times whatever the system
	// does (k6's arrival-rate executors, vegeta, wrk2): queues build when
	// it cannot keep up, which is what an SLO must see.
	ModelOpen = "open"
	// ModelClosed runs a fixed (or ramping) number of virtual users, each
	// sending, waiting for the answer, thinking and sending again (k6's
	// constant-vus and ramping-vus, Gatling's closed injection): the
	// offered rate falls when the system slows down.
	ModelClosed = "closed"
)

// LoadModels lists the values load.model accepts.
func LoadModels() []string { return []string{ModelOpen, ModelClosed} }

// Replay trace formats.
const (
	// TraceTimestamps is one arrival per CSV row, its instant in the
	// first field.
	TraceTimestamps = "timestamps"
	// TraceRates is one rate per CSV row (one row per interval), in the
	// last field.
	TraceRates = "rates"
)

// TraceFormats lists the values a replay stage's format accepts.
func TraceFormats() []string { return []string{TraceTimestamps, TraceRates} }

// Key distributions.
const (
	KeyUniform = "uniform"
	KeyZipf    = "zipf"
)

// KeyDists lists the values a key distribution's dist accepts.
func KeyDists() []string { return []string{KeyUniform, KeyZipf} }

// LoadExt holds the load's fields beyond rate, arrival and paths; Load
// embeds it.
//
// Cross-field rules: in the open model, Rate and Stages are exclusive and
// one of them is needed (Rate alone is one constant stage for the whole
// duration); Users, UserStages and Think belong to the closed model only,
// which needs Users > 0 or UserStages; Stages and Rate belong to the open
// model only.
//
// Duration: when the file gives stages (open model) or user stages
// (closed model) but no scenario duration, the scenario lasts as long as
// the stages together (a replay stage must then give its duration, since
// the loader does not measure traces). A written duration, or --duration
// (a --set of duration), wins: longer stages are cut there, shorter ones
// leave the rest of the run without load.
type LoadExt struct {
	// Model is open or closed (LoadModels); default open. The canonical
	// form leaves the default out, so that a file written before the
	// closed model existed keeps its canonical form.
	Model string `json:"model,omitempty" yaml:"model,omitdefault" default:"open"`
	// Stages are the open model's rate profile, played in order. The load
	// ends when the last stage does or at the scenario's duration,
	// whichever comes first. Default none (Rate for the whole duration).
	Stages []LoadStage `json:"stages,omitempty" yaml:"stages" example:"[{ramp: {to: 100, duration: 30s}}, {constant: {rate: 100, duration: 1m}}]"`
	// Users is the closed model's number of virtual users: the constant
	// count for the whole duration without UserStages, the starting count
	// with them. Range >= 0; default 0.
	Users int `json:"users,omitempty" yaml:"users,omitempty"`
	// UserStages ramp the closed model's user count linearly from the
	// previous stage's target (Users for the first), as k6's ramping-vus
	// stages do. Default none.
	UserStages []UserStage `json:"user_stages,omitempty" yaml:"user_stages" example:"[{target: 50, duration: 30s}]"`
	// Think is each virtual user's pause between receiving an answer and
	// sending its next request, any latency distribution (1s, or
	// {dist: exponential, mean: 2s}). Default none: no pause.
	Think *Latency `json:"think,omitempty" yaml:"think"`
	// Clients are the client classes the load is drawn from, each with its
	// share, credentials and request templates. Default none: one
	// anonymous class sending GET to each of Load.Paths uniformly.
	Clients []ClientClass `json:"clients,omitempty" yaml:"clients" example:"[{name: mobile, share: 70%, bearer: tok-1}]"`
}

// LoadStage is one stage of an open-model profile; exactly one field is
// set.
type LoadStage struct {
	Constant *ConstantStage `json:"constant,omitempty" yaml:"constant"`
	Ramp     *RampStage     `json:"ramp,omitempty" yaml:"ramp"`
	Step     *StepStage     `json:"step,omitempty" yaml:"step"`
	Sine     *SineStage     `json:"sine,omitempty" yaml:"sine"`
	Spike    *SpikeStage    `json:"spike,omitempty" yaml:"spike"`
	Replay   *ReplayStage   `json:"replay,omitempty" yaml:"replay"`
}

// ConstantStage holds one rate.
type ConstantStage struct {
	// Rate is requests per second, >= 0 (0 is a pause); required.
	Rate float64 `json:"rate" yaml:"rate" form:"rate" required:"requests per second, e.g. rate: 100"`
	// Duration is the stage's length, > 0; required.
	Duration time.Duration `json:"duration" yaml:"duration" required:"e.g. duration: 1m"`
}

// RampStage changes the rate linearly.
type RampStage struct {
	// From is the starting rate, >= 0; default (left out) the rate the
	// previous stage ended at, 0 for the first stage.
	From *float64 `json:"from,omitempty" yaml:"from" form:"rate"`
	// To is the final rate, >= 0; required.
	To float64 `json:"to" yaml:"to" form:"rate" required:"the final rate, e.g. to: 100"`
	// Duration is the stage's length, > 0; required.
	Duration time.Duration `json:"duration" yaml:"duration" required:"e.g. duration: 30s"`
}

// StepStage climbs (or descends) a staircase of equal-length levels from
// From to To, both included.
type StepStage struct {
	// From is the first level's rate, >= 0; default (left out) the rate
	// the previous stage ended at, 0 for the first stage.
	From *float64 `json:"from,omitempty" yaml:"from" form:"rate"`
	// To is the last level's rate, >= 0; required.
	To float64 `json:"to" yaml:"to" form:"rate" required:"the last level's rate, e.g. to: 500"`
	// Steps is the number of levels, 2 to 100000 (1 only when from equals
	// to), and at most Duration in nanoseconds; required.
	Steps int `json:"steps" yaml:"steps" required:"the number of levels, e.g. steps: 5"`
	// Duration is the stage's length, > 0, split evenly between levels;
	// required.
	Duration time.Duration `json:"duration" yaml:"duration" required:"e.g. duration: 5m"`
}

// SineStage oscillates: rate(t) = mean + amplitude x sin(2π (t + phase) /
// period).
type SineStage struct {
	// Mean is the rate the wave centres on, >= 0; required.
	Mean float64 `json:"mean" yaml:"mean" form:"rate" required:"the centre rate, e.g. mean: 100"`
	// Amplitude is the swing either side of Mean, 0 to Mean; required.
	Amplitude float64 `json:"amplitude" yaml:"amplitude" form:"rate" required:"the swing, e.g. amplitude: 50"`
	// Period is one full wave, > 0; required.
	Period time.Duration `json:"period" yaml:"period" required:"e.g. period: 1m"`
	// Phase is where in the wave the stage starts, any duration (taken
	// modulo Period; Period/4 starts at the peak); default 0 (rising
	// through the mean).
	Phase time.Duration `json:"phase,omitempty" yaml:"phase,omitempty"`
	// Duration is the stage's length, > 0; required.
	Duration time.Duration `json:"duration" yaml:"duration" required:"e.g. duration: 5m"`
}

// SpikeStage holds Base except for a rectangular burst at Peak.
type SpikeStage struct {
	// Base is the rate outside the burst, >= 0; default (left out) the
	// rate the previous stage ended at, 0 for the first stage.
	Base *float64 `json:"base,omitempty" yaml:"base" form:"rate"`
	// Peak is the rate during the burst, >= 0; required.
	Peak float64 `json:"peak" yaml:"peak" form:"rate" required:"the burst's rate, e.g. peak: 1000"`
	// At is when the burst starts, from the start of the stage, >= 0;
	// default 0.
	At time.Duration `json:"at,omitempty" yaml:"at,omitempty"`
	// Width is how long the burst lasts, > 0, with At + Width <= Duration;
	// required.
	Width time.Duration `json:"width" yaml:"width" required:"the burst's length, e.g. width: 5s"`
	// Duration is the stage's length, > 0; required.
	Duration time.Duration `json:"duration" yaml:"duration" required:"e.g. duration: 1m"`
}

// ReplayStage plays back a recorded trace (CSV). Under uniform arrivals a
// timestamp trace is reproduced exactly; under Poisson arrivals either
// format is a rate curve that fresh random arrivals follow.
type ReplayStage struct {
	// File is the CSV trace, relative to the directory of the scenario
	// file (or absolute). Open reads it into Data; a scenario parsed from
	// bytes without a way to read files (Parse, the embedded library)
	// cannot use files and must write the trace as Data. Exactly one of
	// File and Data is written. The canonical form writes File and not
	// the contents read from it.
	File string `json:"file,omitempty" yaml:"file,omitempty"`
	// Data is the CSV trace inline (a YAML block scalar), or File's
	// contents once loaded; at most 64 MiB, 16 Mi rows (sim/load counts
	// the rows).
	Data string `json:"data,omitempty" yaml:"data,omitempty"`
	// Format is timestamps or rates (TraceFormats); default timestamps.
	// Timestamps: one arrival per row, the first field in decimal seconds
	// (any origin), RFC 3339 or a Go duration, rows in any order. Rates:
	// one row per Interval, the rate in requests per second in the last
	// field. Blank lines, # comments and a header row are skipped.
	Format string `json:"format,omitempty" yaml:"format,omitempty" default:"timestamps"`
	// Interval is how long each row of a rates trace lasts, > 0; default
	// 1s. Ignored for timestamps.
	Interval time.Duration `json:"interval,omitempty" yaml:"interval,omitempty" default:"1s"`
	// Scale multiplies the trace's rate, > 0 (2 plays it twice as dense);
	// default 1.
	Scale float64 `json:"scale,omitempty" yaml:"scale,omitempty" default:"1"`
	// Duration is the stage's length, >= 0: 0 (the default) is the
	// trace's own length (the last timestamp rounded up to the next whole
	// second, or rows x Interval); shorter cuts the trace, longer ends in
	// silence.
	Duration time.Duration `json:"duration,omitempty" yaml:"duration,omitempty"`
}

// UserStage moves the closed model's user count linearly to Target.
type UserStage struct {
	// Target is the user count at the end of the stage, >= 0; required.
	Target int `json:"target" yaml:"target" required:"the user count to reach, e.g. target: 50"`
	// Duration is the stage's length, > 0; required.
	Duration time.Duration `json:"duration" yaml:"duration" required:"e.g. duration: 30s"`
}

// ClientClass is one kind of client in the load: a share of the
// requests, credentials and what it sends. Credentials are opaque data
// the load driver puts on requests (Baton's gateway decides what they
// mean); like paths, headers and bodies they are templates (see
// sim/load.Template), so "key-{int:1-100}" spreads a class over 100 API
// keys.
type ClientClass struct {
	// Name identifies the class in reports, unique in the load; required.
	Name string `json:"name" yaml:"name" required:"e.g. name: mobile"`
	// Share is the class's weight relative to the other classes, >= 0
	// (at least one class above 0); written 0.7 or 70%; default 1.
	Share float64 `json:"share" yaml:"share" form:"fraction" default:"1"`
	// APIKey is sent in the APIKeyHeader header; default none.
	APIKey string `json:"api_key,omitempty" yaml:"api_key,omitempty"`
	// APIKeyHeader names the API key's header; default apikey (the
	// gateway's default key name).
	APIKeyHeader string `json:"api_key_header,omitempty" yaml:"api_key_header,omitempty" default:"apikey"`
	// Bearer is sent as "Authorization: Bearer <token>"; default none.
	// Exclusive with Basic.
	Bearer string `json:"bearer,omitempty" yaml:"bearer,omitempty"`
	// Basic is "user:password", sent base64-encoded as "Authorization:
	// Basic ..."; default none. Exclusive with Bearer.
	Basic string `json:"basic,omitempty" yaml:"basic,omitempty"`
	// ClientCert and ClientKey are PEM files (paths relative to the
	// working directory) of a certificate the class presents when the
	// gateway terminates TLS (gateway.tls), for the mtls auth kind; give
	// both or neither; default none. The loader reads neither file: the
	// live engine does when it starts.
	ClientCert string `json:"client_cert,omitempty" yaml:"client_cert,omitempty"`
	ClientKey  string `json:"client_key,omitempty" yaml:"client_key,omitempty"`
	// Headers are added to every request of the class (templates);
	// default none.
	Headers map[string]string `json:"headers,omitempty" yaml:"headers"`
	// Requests are what the class sends, chosen by weight; default one GET
	// per entry of Load.Paths (which defaults to a path per gateway route), uniformly.
	Requests []RequestTemplate `json:"requests,omitempty" yaml:"requests" example:"[{path: '/items/{id:int:1-1000}'}]"`
	// Key draws a routing key per request for hash-based balancing;
	// default none.
	Key *KeyDist `json:"key,omitempty" yaml:"key"`
}

// RequestTemplate is one kind of request a class sends.
type RequestTemplate struct {
	// Method is the HTTP method, an upper-case token; default GET.
	Method string `json:"method,omitempty" yaml:"method,omitempty" default:"GET"`
	// Path is the request path and query, a template starting with /
	// (e.g. /items/{id:int:1-1000}); required.
	Path string `json:"path" yaml:"path" required:"e.g. path: /items/{id:int:1-1000}"`
	// Headers are added to the request (templates); default none.
	Headers map[string]string `json:"headers,omitempty" yaml:"headers"`
	// Body is the request body (a template of at most 64 KiB; double
	// literal braces: {{"id": {id}}}); default empty.
	Body string `json:"body,omitempty" yaml:"body,omitempty"`
	// Weight is the request's weight within its class, >= 0 (at least one
	// above 0); default 1.
	Weight float64 `json:"weight" yaml:"weight" default:"1"`
}

// KeyDist draws a routing key, a rank in 1..N, per request: uniform, or
// Zipf (a few hot keys and a long tail, as real tenants and users are).
type KeyDist struct {
	// Dist is uniform or zipf (KeyDists); default uniform.
	Dist string `json:"dist,omitempty" yaml:"dist,omitempty" default:"uniform"`
	// N is the number of distinct keys, 1 to 2^53; required.
	N int64 `json:"n" yaml:"n" required:"the number of keys, e.g. n: 10000"`
	// S is the Zipf exponent, 0 < S <= 100 (around 1: 1.1 is skewed, 0.99
	// is YCSB's); default 1.1. Ignored for uniform.
	S float64 `json:"s,omitempty" yaml:"s,omitempty" default:"1.1"`
	// Header is the request header that carries the key (what a
	// ring_hash or maglev hash_key.header reads); default X-Baton-Key.
	Header string `json:"header,omitempty" yaml:"header,omitempty" default:"X-Baton-Key"`
}
