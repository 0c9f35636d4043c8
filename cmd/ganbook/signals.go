package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end long work the way Ctrl-C does: save what is worth keeping,
// then exit. SIGHUP comes when the terminal or SSH session closes; SIGQUIT
// (Ctrl-\) would otherwise dump every goroutine's stack and lose the run.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// stopContext is cancelled by the first stop signal.
func stopContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), stopSignals...)
}
