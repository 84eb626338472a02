package waitctx

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestSleep(t *testing.T) {
	if !Sleep(context.Background(), time.Millisecond) {
		t.Errorf("Sleep(1ms) = false on a live context")
	}
	if !Sleep(context.Background(), 0) {
		t.Errorf("Sleep(0) = false on a live context")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if Sleep(ctx, time.Hour) {
		t.Errorf("Sleep(1h) = true on a cancelled context")
	}
	if Sleep(ctx, 0) {
		t.Errorf("Sleep(0) = true on a cancelled context")
	}
}

func TestCancelOnClose(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	body := CancelOnClose(io.NopCloser(strings.NewReader("x")), cancel)
	if ctx.Err() != nil {
		t.Fatal("cancelled before Close")
	}
	body.Close()
	if ctx.Err() == nil {
		t.Errorf("Close did not cancel the context")
	}
}
