package reports

import (
	"testing"
	"time"
)

func TestRecordEvent(t *testing.T) {
	start := time.Unix(1000, 0)
	r := NewRecorder(start, time.Second)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	r.RecordEvent(Event{At: at(10), Kind: EventCall, Caller: "gateway", Service: "api"})
	r.RecordEvent(Event{At: at(10), Kind: EventAttempt, Caller: "gateway", Service: "api", Replica: "api-0"})
	r.RecordEvent(Event{At: at(20), Kind: EventRetry, Caller: "gateway", Service: "api", Replica: "api-0"})
	r.RecordEvent(Event{At: at(20), Kind: EventAttempt, Caller: "gateway", Service: "api", Replica: "api-1"})
	r.RecordEvent(Event{At: at(1500), Kind: EventEjection, Caller: "gateway", Service: "api", Replica: "api-0", Detail: "consecutive_5xx"})

	if got := r.EventCounts(); got[EventAttempt] != 2 || got[EventCall] != 1 || got[EventRetry] != 1 || got[EventEjection] != 1 {
		t.Errorf("EventCounts = %v", got)
	}
	log, dropped := r.EventLog()
	if len(log) != 2 || dropped != 0 {
		t.Fatalf("log = %+v (dropped %d), want the retry and the ejection only", log, dropped)
	}
	if log[1].AtS != 1.5 || log[1].Kind != EventEjection || log[1].Replica != "api-0" {
		t.Errorf("log[1] = %+v, want the ejection at 1.5s", log[1])
	}
	s := r.Summary(Meta{Services: []ServiceMeta{{Name: "api", Replicas: []string{"api-0", "api-1"}}}})
	if got := s.Services[0].Amplification(); got != 2 {
		t.Errorf("amplification = %v, want 2 (two attempts for one call)", got)
	}
	w := r.Windows()
	if len(w) != 2 || w[0].Events[EventRetry] != 1 || w[1].Events[EventEjection] != 1 {
		t.Errorf("window events = %v / %v, want the retry in window 0 and the ejection in window 1", w[0].Events, w[1].Events)
	}
}

func TestRouteByStatus(t *testing.T) {
	start := time.Unix(1000, 0)
	r := NewRecorder(start, time.Second)
	for _, st := range []int{200, 429, 429, 401} {
		r.RecordRequest(Request{Intended: start, Route: "gold", Status: st})
	}
	s := r.Summary(Meta{Routes: []string{"gold"}})
	got := s.Routes[0].ByStatus
	if len(got) != 3 || got["200"] != 1 || got["429"] != 2 || got["401"] != 1 {
		t.Errorf("route by_status = %v, want 200:1 401:1 429:2", got)
	}
	if o := otherStatuses(got); o != "401:1 429:2" {
		t.Errorf("otherStatuses = %q, want %q", o, "401:1 429:2")
	}
}
