package load

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxTraceRows bounds the rows a trace may hold, so a hostile or mistaken
// file cannot exhaust memory (16 Mi rows is over four hours at 1000
// requests per second).
const MaxTraceRows = 1 << 24

// ParseTimestamps reads an arrival trace: CSV with one arrival per row,
// its instant in the first field, as decimal seconds (Unix time or any
// other origin, up to nanosecond precision: 1712345678.123456789), an
// RFC 3339 time (2024-04-05T19:34:38.123Z) or a Go duration (1.5s).
// Further fields are ignored, as are blank lines, lines starting with #
// and a header row. Rows may come in any order (traces merged from several
// hosts rarely are in order); the result is sorted and rebased so that the
// earliest arrival is at 0, ready for NewReplayTimestamps.
func ParseTimestamps(data []byte) ([]time.Duration, error) {
	var ns []int64
	err := readTrace(data, func(fields []string, line int, first bool) error {
		v, err := parseInstant(strings.TrimSpace(fields[0]))
		if err != nil {
			if first {
				return errHeader
			}
			return fmt.Errorf("%w: line %d: %w", ErrTrace, line, err)
		}
		ns = append(ns, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, fmt.Errorf("%w: no arrivals", ErrTrace)
	}
	slices.Sort(ns)
	lo, hi := ns[0], ns[len(ns)-1]
	if lo < 0 && hi > math.MaxInt64+lo {
		return nil, fmt.Errorf("%w: arrivals span more than %v", ErrTrace, time.Duration(math.MaxInt64))
	}
	out := make([]time.Duration, len(ns))
	for i, v := range ns {
		out[i] = time.Duration(v - lo)
	}
	return out, nil
}

// ParseRates reads a rate trace: CSV with one row per interval (per
// second, usually) and the rate in requests per second in the last field,
// so exports with a time label in front ("12:00:01,340") read as they
// are. Blank lines, lines starting with # and a header row are skipped.
// Rates must be finite and not negative.
func ParseRates(data []byte) ([]float64, error) {
	var rates []float64
	err := readTrace(data, func(fields []string, line int, first bool) error {
		s := strings.TrimSpace(fields[len(fields)-1])
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			if first {
				return errHeader
			}
			return fmt.Errorf("%w: line %d: rate %q is not a number", ErrTrace, line, s)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return fmt.Errorf("%w: line %d: rate %q, want a finite number >= 0", ErrTrace, line, s)
		}
		rates = append(rates, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rates) == 0 {
		return nil, fmt.Errorf("%w: no rates", ErrTrace)
	}
	return rates, nil
}

// errHeader tells readTrace that the first row is a header to skip.
var errHeader = errors.New("header")

// readTrace calls row for every CSV record of data, with its line number
// and whether it is the first record (which may be a header).
func readTrace(data []byte, row func(fields []string, line int, first bool) error) error {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.ReuseRecord = true
	for n := 0; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return fmt.Errorf("%w: line %d: %w", ErrTrace, pe.Line, pe.Err)
			}
			return fmt.Errorf("%w: %w", ErrTrace, err)
		}
		if n >= MaxTraceRows {
			return fmt.Errorf("%w: more than %d rows", ErrTrace, MaxTraceRows)
		}
		line, _ := r.FieldPos(0)
		if err := row(rec, line, n == 0); err != nil {
			if errors.Is(err, errHeader) {
				continue
			}
			return err
		}
	}
}

// parseInstant reads one arrival instant in nanoseconds.
func parseInstant(s string) (int64, error) {
	if s == "" {
		return 0, errors.New("empty timestamp")
	}
	if strings.ContainsRune(s, 'T') && strings.Count(s, "-") >= 2 {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return 0, fmt.Errorf("timestamp %q is not RFC 3339", s)
		}
		return t.UnixNano(), nil
	}
	if c := s[len(s)-1]; c >= 'a' && c <= 'z' {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("timestamp %q is not seconds, RFC 3339 or a duration", s)
		}
		return int64(d), nil
	}
	return parseSeconds(s)
}

// parseSeconds reads decimal seconds exactly to the nanosecond (digits
// past the ninth decimal are dropped): a float64 cannot hold a Unix time
// to better than a few hundred nanoseconds.
func parseSeconds(s string) (int64, error) {
	bad := fmt.Errorf("timestamp %q is not seconds, RFC 3339 or a duration", s)
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || !digits(whole) || !digits(frac) {
		return 0, bad
	}
	var sec int64
	for i := 0; i < len(whole); i++ {
		if sec > (math.MaxInt64/1_000_000_000-9)/10 {
			return 0, fmt.Errorf("timestamp %q is out of range", s)
		}
		sec = sec*10 + int64(whole[i]-'0')
	}
	var ns int64
	for i := range 9 {
		ns *= 10
		if i < len(frac) {
			ns += int64(frac[i] - '0')
		}
	}
	v := sec*1e9 + ns
	if neg {
		v = -v
	}
	return v, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
