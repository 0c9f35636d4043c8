package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ganbook/ganbook/dataset"
	"github.com/ganbook/ganbook/gan"

	"github.com/ganbook/ganbook/gan/run"
)

// soakCmd trains for a while and reports the process's resident memory, to
// show it stays flat: a benchmark-style command, not a test.
func soakCmd(args []string) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	minutes := fs.Float64("minutes", 60, "how long to train")
	modelName := fs.String("model", gan.MLP, gan.MLP+" or "+gan.DCGAN)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b, err := backend()
	if err != nil {
		return err
	}
	o := gan.DefaultOptions(*modelName)
	data, err := dataset.LoadMNIST(true, o.Size, o.Channels)
	if err != nil {
		return err
	}
	out, err := os.MkdirTemp("", "ganbook-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	g, _, err := run.Prepare(b, run.Config{Options: o, Out: out})
	if err != nil {
		return err
	}
	start := time.Now()
	deadline := start.Add(time.Duration(*minutes * float64(time.Minute)))
	nextReport := start
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := run.Config{Options: o, Data: data, Out: out, Steps: 1 << 30, CheckpointEvery: 1000, Keep: 1, SampleEvery: 1000,
		Progress: func(g *gan.GAN, m gan.Metrics, _ time.Duration) {
			now := time.Now()
			if now.After(nextReport) || now.After(deadline) {
				fmt.Printf("%8s  step %7d  RSS %s\n", now.Sub(start).Round(time.Second), g.Step, rss())
				nextReport = now.Add(time.Minute)
			}
			if now.After(deadline) {
				cancel()
			}
		}}
	fmt.Printf("%8s  step %7d  RSS %s (start)\n", "0s", 0, rss())
	if err := run.Train(ctx, g, cfg); err != nil && ctx.Err() == nil {
		return err
	}
	fmt.Printf("%8s  step %7d  RSS %s (end)\n", time.Since(start).Round(time.Second), g.Step, rss())
	return nil
}

// rss reads the resident set size from /proc (Linux).
func rss() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "not available on this system (read from Linux's /proc)"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmRSS:") {
			return strings.TrimSpace(strings.TrimPrefix(sc.Text(), "VmRSS:"))
		}
	}
	return "unknown"
}
