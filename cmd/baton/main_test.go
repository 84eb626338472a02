package main

import (
	"context"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// testscript re-executes this test binary as `baton`; goleak guards the
	// in-process tests.
	testscript.Main(goleakM{m}, map[string]func(){
		"baton": func() { os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

type goleakM struct{ m *testing.M }

func (g goleakM) Run() int {
	code := g.m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			return 1
		}
	}
	return code
}

// TestScripts runs the CLI end to end from txtar scripts in testdata/script:
// real scenarios, real sockets, the exit codes CI relies on.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
