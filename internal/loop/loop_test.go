package loop

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestRunCallsHooksWhenDue(t *testing.T) {
	var log []string
	rec := func(name string) func(int) error {
		return func(i int) error { log = append(log, fmt.Sprintf("%s%d", name, i)); return nil }
	}
	err := Run(context.Background(), 2, 7, rec("s"), Hook{Every: 1, Do: rec("a")}, Hook{Every: 3, Do: rec("b")}, Hook{Do: rec("c")})
	if err != nil {
		t.Fatal(err)
	}
	want := "[s3 a3 b3 s4 a4 s5 a5 s6 a6 b6 s7 a7 b7 c7]"
	if got := fmt.Sprint(log); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestRunStops(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	err := Run(context.Background(), 0, 10, func(i int) error { n = i; return nil }, Hook{Every: 4, Do: func(int) error { return boom }})
	if !errors.Is(err, boom) || n != 4 {
		t.Errorf("hook error: %v after step %d, want boom after step 4", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = Run(ctx, 0, 10, func(i int) error {
		n = i
		if i == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n != 2 {
		t.Errorf("cancelled: %v after step %d, want context.Canceled after step 2", err, n)
	}
}

// A step that returns ErrLast is the last: the hooks due after a last step run
// after it (the "only after the last" one too), and no step follows.
func TestRunErrLastEndsEarly(t *testing.T) {
	var log []string
	rec := func(name string) func(int) error {
		return func(i int) error { log = append(log, fmt.Sprintf("%s%d", name, i)); return nil }
	}
	step := func(i int) error {
		log = append(log, fmt.Sprintf("s%d", i))
		if i == 4 {
			return ErrLast
		}
		return nil
	}
	if err := Run(context.Background(), 2, 10, step, Hook{Every: 3, Do: rec("b")}, Hook{Do: rec("c")}); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(log), "[s3 b3 s4 b4 c4]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
