package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadRun reads a run record as WriteJSON wrote it (baton run --out DIR
// writes DIR/run.json). Its Summary answers SLO rules on the percentiles
// it holds (see EvaluateSLO). Errors say where the JSON is wrong, by line
// and column.
func ReadRun(r io.Reader) (*Run, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reports: read run record: %w", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(data, err)
	}
	if _, ok := top["summary"]; !ok {
		hint := ""
		if _, ok := top["requests"]; ok {
			hint = " (this looks like a summary from --format json; the run record is the run.json that --out DIR writes)"
		}
		return nil, fmt.Errorf("reports: not a run record: no \"summary\" field%s", hint)
	}
	var run Run
	if err := json.Unmarshal(data, &run); err != nil {
		return nil, jsonError(data, err)
	}
	return &run, nil
}

// jsonError places a decoding error at its line and column.
func jsonError(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return fmt.Errorf("reports: run record: %w", err)
	}
	// Offset counts the bytes read, the offending one (or the value's
	// last) included: point at that byte.
	i := min(max(int(off)-1, 0), len(data))
	line := bytes.Count(data[:i], []byte("\n")) + 1
	col := i - bytes.LastIndexByte(data[:i], '\n')
	return fmt.Errorf("reports: run record: line %d, column %d: %w", line, col, err)
}
