package kernel

import (
	"fmt"
	"path/filepath"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/score"

	"github.com/ganbook/ganbook/gan/run"
)

// ShowClassGrid scores n of g's samples with the shipped classifier of
// dataName ("mnist" or "fashion") and shows them sorted by class, one row per
// class with a bar of its share: mode collapse is visible at a glance.
func ShowClassGrid(g *gan.GAN, dataName string, n int) error {
	c, ref, err := scorer(dataName, g.Opts.Channels, n)
	if err != nil {
		return err
	}
	img, s, err := c.ClassGrid(g, n, 12, ref)
	if err != nil {
		return err
	}
	Show(fmt.Sprintf("<p>%s</p>", s))
	ShowImage(img, 1)
	return nil
}

// ShowRunScores scores the newest checkpoint of each run folder (n samples,
// the shipped classifier of dataName) and shows one table; folders without a
// checkpoint are listed as such.
func ShowRunScores(dataName string, n int, runDirs ...string) error {
	backend, err := Backend()
	if err != nil {
		return err
	}
	c, ref, err := scorer(dataName, 1, n)
	if err != nil {
		return err
	}
	headers := []string{"run", "step", "Frechet", "confidence", "share > 0.9", "class entropy", "diversity"}
	var rows [][]string
	for _, dir := range runDirs {
		g, _, err := run.RestoreLatest(backend, dir)
		if err != nil {
			rows = append(rows, []string{filepath.Base(dir), "no checkpoint: run its notebook first", "", "", "", "", ""})
			continue
		}
		s, err := c.EvaluateGAN(g, n, ref)
		if err != nil {
			return err
		}
		rows = append(rows, []string{filepath.Base(dir) + " (" + g.Opts.Model + ")", fmt.Sprint(g.Step), fmt.Sprintf("%.1f", s.Frechet),
			fmt.Sprintf("%.3f", s.Confidence), fmt.Sprintf("%.3f", s.Sure), fmt.Sprintf("%.3f", s.Entropy), fmt.Sprintf("%.3f", s.Diversity)})
	}
	Show(TableHTML(headers, rows))
	return nil
}

// scorer loads the shipped classifier of dataName and the features of its
// first n test images.
func scorer(dataName string, channels, n int) (*score.Classifier, [][]float64, error) {
	backend, err := Backend()
	if err != nil {
		return nil, nil, err
	}
	c, err := score.Shipped(backend, dataName)
	if err != nil {
		return nil, nil, err
	}
	test, err := score.Labelled(dataName, false, channels)
	if err != nil {
		return nil, nil, err
	}
	ref, err := c.Reference(test, n)
	return c, ref, err
}
