// Command baton runs traffic scenarios through a real gateway and service
// mesh and reports what happened.
//
// Exit codes are a contract with CI scripts: 0 ok, 1 an SLO failed, 2 bad
// input (scenario or flags), 3 the run itself failed.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK        = 0
	exitSLOFailed = 1
	exitBadInput  = 2
	exitRunFailed = 3
)

// exitError carries an exit code through cobra's error return.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func badInput(err error) error  { return &exitError{code: exitBadInput, err: err} }
func runFailed(err error) error { return &exitError{code: exitRunFailed, err: err} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Main runs the CLI with args and returns the exit code. It is main without
// the process: tests call it directly.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.code != exitSLOFailed {
			fmt.Fprintln(stderr, "baton:", ee.err)
		}
		return ee.code
	}
	// Cobra's own errors are about flags and arguments.
	fmt.Fprintln(stderr, "baton:", err)
	return exitBadInput
}
