package resilience

import (
	"errors"
	"math"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the origin of every test's explicit clock.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		field string // "" means valid
	}{
		{"retry zero", RetryOptions{}.Validate(), ""},
		{"retry backoff", RetryOptions{BaseBackoff: -time.Second}.Validate(), "RetryOptions.BaseBackoff"},
		{"retry max backoff", RetryOptions{BaseBackoff: time.Second, MaxBackoff: time.Millisecond}.Validate(), "RetryOptions.MaxBackoff"},
		{"retry codes", RetryOptions{StatusCodes: []int{503, 600}}.Validate(), "RetryOptions.StatusCodes"},
		{"retry on", RetryOptions{On: 1 << 20}.Validate(), "RetryOptions.On"},
		{"retry jitter", RetryOptions{Jitter: 9}.Validate(), "RetryOptions.Jitter"},
		{"budget zero", BudgetOptions{}.Validate(), ""},
		{"budget ratio", BudgetOptions{RetryRatio: 1e4}.Validate(), "BudgetOptions.RetryRatio"},
		{"budget reserve", BudgetOptions{MinRetriesPerSecond: 1e9}.Validate(), "BudgetOptions.MinRetriesPerSecond"},
		{"budget ttl", BudgetOptions{TTL: -time.Second}.Validate(), "BudgetOptions.TTL"},
		{"budget buckets", BudgetOptions{Buckets: -1}.Validate(), "BudgetOptions.Buckets"},
		{"budget tiny ttl", BudgetOptions{TTL: 5, Buckets: 10}.Validate(), "BudgetOptions.TTL"},
		{"limits zero", LimitsOptions{}.Validate(), ""},
		{"breaker zero", BreakerOptions{}.Validate(), ""},
		{"breaker failures", BreakerOptions{Failures: -1}.Validate(), "BreakerOptions.Failures"},
		{"breaker cool-down", BreakerOptions{CoolDown: -1}.Validate(), "BreakerOptions.CoolDown"},
		{"breaker max cool-down", BreakerOptions{CoolDown: time.Minute, MaxCoolDown: time.Second}.Validate(), "BreakerOptions.MaxCoolDown"},
		{"breaker probes", BreakerOptions{Probes: -2}.Validate(), "BreakerOptions.Probes"},
		{"outlier zero", OutlierOptions{}.Validate(), ""},
		{"outlier interval", OutlierOptions{Interval: -1}.Validate(), "OutlierOptions.Interval"},
		{"outlier max time", OutlierOptions{BaseEjectionTime: time.Minute, MaxEjectionTime: time.Second}.Validate(), "OutlierOptions.MaxEjectionTime"},
		{"outlier percent", OutlierOptions{MaxEjectionPercent: 101}.Validate(), "OutlierOptions.MaxEjectionPercent"},
		{"outlier stdev", OutlierOptions{SuccessRateStdevFactor: math.Inf(1)}.Validate(), "OutlierOptions.SuccessRateStdevFactor"},
		{"outlier failure pct", OutlierOptions{FailurePercentageThreshold: 101}.Validate(), "OutlierOptions.FailurePercentageThreshold"},
		{"outlier volume", OutlierOptions{SuccessRateRequestVolume: -5}.Validate(), "OutlierOptions.SuccessRateRequestVolume"},
		{"hedge zero", HedgeOptions{}.Validate(), ""},
		{"hedge attempts", HedgeOptions{MaxAttempts: 6}.Validate(), "HedgeOptions.MaxAttempts"},
		{"hedge delay", HedgeOptions{MaxAttempts: 2, Delay: -1}.Validate(), "HedgeOptions.Delay"},
		{"hedge codes", HedgeOptions{NonFatalStatusCodes: []int{42}}.Validate(), "HedgeOptions.NonFatalStatusCodes"},
		{"timeout zero", TimeoutOptions{}.Validate(), ""},
		{"timeout per try", TimeoutOptions{PerTryTimeout: -1}.Validate(), "TimeoutOptions.PerTryTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.field == "" {
				if tt.err != nil {
					t.Fatalf("got %v, want nil", tt.err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(tt.err, &oe) {
				t.Fatalf("got %v, want an *OptionError for %s", tt.err, tt.field)
			}
			if got, want := oe.Field, tt.field; got != want {
				t.Errorf("field: got %q, want %q (%v)", got, want, tt.err)
			}
			if !errors.Is(tt.err, ErrInvalidOptions) {
				t.Errorf("got %v, want it to wrap ErrInvalidOptions", tt.err)
			}
		})
	}
}

func TestConstructorsReject(t *testing.T) {
	if _, err := NewRetryPolicy(RetryOptions{BaseBackoff: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewRetryPolicy: got %v", err)
	}
	if _, err := NewBudget(BudgetOptions{Buckets: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewBudget: got %v", err)
	}
	if _, err := NewBreaker(BreakerOptions{Probes: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewBreaker: got %v", err)
	}
	if _, err := NewOutlierDetector(OutlierOptions{Interval: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewOutlierDetector: got %v", err)
	}
	if _, err := NewHedge(HedgeOptions{MaxAttempts: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewHedge: got %v", err)
	}
	if _, err := NewTimeouts(TimeoutOptions{PerTryTimeout: -1}); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("NewTimeouts: got %v", err)
	}
}

func TestOutcomeClassification(t *testing.T) {
	tests := []struct {
		o               Outcome
		failed, gateway bool
	}{
		{Outcome{Status: 200}, false, false},
		{Outcome{Status: 404}, false, false},
		{Outcome{Status: 500}, true, false},
		{Outcome{Status: 502}, true, true},
		{Outcome{Status: 503}, true, true},
		{Outcome{Status: 504}, true, true},
		{Outcome{Status: 505}, true, false},
		{Outcome{Reset: true}, true, true},
		{Outcome{ConnectFailure: true}, true, true},
		{Outcome{Timeout: true}, true, true},
	}
	for _, tt := range tests {
		if got := tt.o.Failed(); got != tt.failed {
			t.Errorf("%+v.Failed(): got %v, want %v", tt.o, got, tt.failed)
		}
		if got := tt.o.GatewayError(); got != tt.gateway {
			t.Errorf("%+v.GatewayError(): got %v, want %v", tt.o, got, tt.gateway)
		}
	}
}
