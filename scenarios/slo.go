package scenarios

import "errors"

// ParseSLO reads one SLO rule as a scenario's slo list writes it
// (`p99 < 150ms`, `error_rate < 1%`, `rps >= 100`), for rules given
// outside a scenario file, such as on a command line.
func ParseSLO(text string) (SLO, error) {
	s, msg := parseSLO(text)
	if msg != "" {
		return SLO{}, errors.New(msg)
	}
	return s, nil
}
