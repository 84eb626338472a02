package transform

import (
	"bytes"
	"encoding/json"
	"testing"
)

// stdEncode is the reference encodeJSON must match byte for byte.
func stdEncode(tb testing.TB, v any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		tb.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestEncodeMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`null`, `true`, `false`, `0`, `-1.5e-7`, `1E400`, `""`,
		`"quote\" backslash\\ slash\/ <&> \b\f\n\r\t \u0000\u001f\u007f é 😀 \u2028\u2029 \ud800"`,
		"\"raw invalid utf-8: \xff\xfe\"",
		`{"b":1,"a":[],"":{},"A":null,"é":"x","a\u0000":2}`,
		`[[],[{}],[1,"2",[3.0]],{"z":{"y":{"x":[true,false,null]}}}]`,
	} {
		v, err := decodeJSON([]byte(in))
		if err != nil {
			t.Fatalf("decode %q: %v", in, err)
		}
		got, err := encodeJSON(v, 0)
		if err != nil {
			t.Fatalf("encode %q: %v", in, err)
		}
		if want := stdEncode(t, v); !bytes.Equal(got, want) {
			t.Errorf("%q:\ngot  %s\nwant %s", in, got, want)
		}
	}
	// Outside the canonical types it defers to encoding/json.
	for _, v := range []any{json.Number(""), map[string]any{"n": 3, "f": 0.5, "s": []string{"a"}}} {
		got, err := encodeJSON(v, 0)
		if want := stdEncode(t, v); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%#v: got %s, %v; want %s", v, got, err, want)
		}
	}
	if _, err := encodeJSON(map[string]any{"c": make(chan int)}, 0); err == nil {
		t.Errorf("encoding a channel: got no error")
	}
}
