package main

import (
	"os"
	"strconv"
	"time"
)

// injectStall makes the step named by $GANBOOK_INJECT_STALL hang, so tests can
// check the watchdog on the real binary. Unset, it does nothing.
func injectStall(step int) {
	if at, err := strconv.Atoi(os.Getenv("GANBOOK_INJECT_STALL")); err == nil && at == step {
		time.Sleep(time.Hour)
	}
}
