package sim_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/baton-sim/baton/scenarios"
	"github.com/baton-sim/baton/sim"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type fakeControl struct {
	rate    float64
	faults  []scenarios.Fault
	cleared []int
}

func (f *fakeControl) SetRate(rps float64) error {
	if rps <= 0 {
		return errors.New("load: invalid rate")
	}
	f.rate = rps
	return nil
}

func (f *fakeControl) InjectFault(x scenarios.Fault) (int, error) {
	f.faults = append(f.faults, x)
	return len(f.faults) - 1, nil
}

func (f *fakeControl) ClearFault(id int) error {
	if id >= len(f.faults) {
		return sim.ErrNotSteerable
	}
	f.cleared = append(f.cleared, id)
	return nil
}

func TestControlHandler(t *testing.T) {
	fc := &fakeControl{}
	srv := httptest.NewServer(sim.NewControlHandler(fc))
	defer srv.Close()
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	tests := []struct {
		method, path, body string
		status             int
		reply              string
	}{
		{"POST", "/rate?rps=500", "", 204, ""},
		{"POST", "/rate?rps=fast", "", 400, "rps: want a number of requests per second, such as /rate?rps=500"},
		{"POST", "/rate?rps=0", "", 400, "load: invalid rate"},
		{"POST", "/faults", "{at: 1s, for: 10s, kind: error, status: 503, target: {service: api}}", 200, `{"id":0}`},
		{"POST", "/faults", `{"kind": "latency", "for": "5s", "add": {"dist": "constant", "value": "200ms"}, "target": {"service": "api"}}`, 200, `{"id":1}`},
		{"POST", "/faults", "{kind: error, sttaus: 503}", 400, "fault: yaml: unmarshal errors:\n  line 1: field sttaus not found in type scenarios.Fault"},
		{"DELETE", "/faults/0", "", 204, ""},
		{"DELETE", "/faults/x", "", 400, `fault id "x": want a number`},
		{"DELETE", "/faults/9", "", 409, "sim: not steerable"},
		{"GET", "/rate", "", 405, "Method Not Allowed"},
	}
	for _, tt := range tests {
		status, reply := do(tt.method, tt.path, tt.body)
		if status != tt.status || reply != tt.reply {
			t.Errorf("%s %s: %d %q, want %d %q", tt.method, tt.path, status, reply, tt.status, tt.reply)
		}
	}
	if fc.rate != 500 || len(fc.faults) != 2 || fc.faults[0].At != time.Second || fc.faults[0].Status != 503 ||
		fc.faults[1].Add.Value != 200*time.Millisecond || len(fc.cleared) != 1 {
		t.Errorf("control saw rate %v, faults %+v, cleared %v", fc.rate, fc.faults, fc.cleared)
	}
}
