//go:build !unix

package main

import "errors"

// mkfifo: named pipes of this kind exist only on Unix.
func mkfifo(string) error { return errors.New("no FIFOs on this system") }
