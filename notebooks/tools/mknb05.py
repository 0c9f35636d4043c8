"""Writes notebooks/05-gan-problems.ipynb (run from the repository root).

Kept in the repository so the notebook's cells can be reviewed and regenerated
as plain text; the .ipynb is what learners open.
"""
import json

SETUP = """// Setup: make ganbook's packages importable in this notebook (GANBOOK_ROOT is set by `ganbook kernel install`).
!*go mod edit -require=github.com/ganbook/ganbook@v0.0.0-00010101000000-000000000000 -replace=github.com/ganbook/ganbook=${GANBOOK_ROOT}"""

cells = [
("markdown", """# 05. The four problems of GAN training, measured and fixed

The lesson names four problems: **mode collapse**, **sensitivity to hyperparameters**, **the balance between the two networks**, and **high resolution**. Here each one happens in a short run, is measured, and is fixed, with the score before and after.

The score (package `score`) uses ganbook's own MNIST classifier (97.5% test accuracy): the **Fréchet distance** between its features of generated and real digits (lower is better; the idea of FID, on a small domain network, so not comparable with the FID numbers of papers), the **mean confidence** of its predictions (does it look like *some* digit), the **class entropy** (1.0: all ten digits equally often; 0: one digit only) and the **diversity** (the spread of the generated features relative to real digits; near 0: copies of each other). A run whose entropy is below 0.8 or diversity below 0.5 is reported as **mode collapse**.

The runs are short, so the digits are rough; the README lists the same comparisons measured with longer runs. In quick mode (`GANBOOK_QUICK=1`, for CI) every run is a few steps only and the numbers mean nothing."""),
("code", SETUP),
("code", """import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ganbook/ganbook/gan"
	"github.com/ganbook/ganbook/kernel"
	"github.com/ganbook/ganbook/score"
)

func steps(full, quick int) int {
	if gan.QuickMode() {
		return quick
	}
	return full
}

// setup loads MNIST and the scorer every comparison below uses.
func setup() (*gan.Dataset, func(*gan.GAN) (gan.QualityScore, error)) {
	backend, err := kernel.Backend()
	if err != nil {
		panic(err)
	}
	data, err := gan.LoadMNIST(true, 28, 1)
	if err != nil {
		panic(err)
	}
	scorer, err := score.NewScorer(backend, "mnist", 1, steps(1000, 100))
	if err != nil {
		panic(err)
	}
	return data, scorer
}

// report prints, for each run, whether its scores show mode collapse.
func report(results []gan.SweepResult) {
	for _, r := range results {
		if r.Score == nil {
			continue
		}
		if collapsed, why := r.Score.Collapsed(); collapsed {
			fmt.Printf("%s: mode collapse: %s\\n", r.Options, why)
		}
	}
}"""),
("markdown", """## 1. Mode collapse

The generator finds a few pictures that fool the discriminator and draws only those. We provoke it by making the generator learn ten times faster than the discriminator (learning rate 0.002 against 0.0002): it jumps to whatever currently fools the discriminator, and the class entropy and diversity drop.

The fix: **feature matching** (Salimans et al. 2016). Besides fooling the discriminator, the generator must match the *average features* the discriminator sees in a real batch. One kind of digit cannot match the average of all ten. (`gan.Options.FeatureMatching`; `ganbook train --feature-matching 1`. A minibatch standard deviation layer, `--minibatch-std`, is the other mitigation ganbook offers; in our measurements it did not stop this collapse.)"""),
("code", """%%
data, scorer := setup()
collapse := gan.DefaultOptions("mlp")
collapse.LRG = 2e-3 // the generator ten times faster than the discriminator
fixed := collapse
fixed.FeatureMatching = 1
results, err := kernel.Compare(data, []gan.Options{collapse, fixed}, steps(500, 10), scorer)
if err != nil {
	panic(err)
}
report(results)"""),
("markdown", """## 2. Hyperparameters

GANs are sensitive to the learning rate and to Adam's beta1 (the DCGAN paper's 0.5 instead of the usual 0.9). `gan.SweepGrid` and `gan.Sweep` train short runs over a grid and score each; `ganbook sweep --lr 5e-5,2e-4,1e-3 --beta1 0.5,0.9` does the same from the command line. A decaying learning rate is one more knob: `ganbook train --lr-decay 0.5` lowers both rates linearly to 0 over the second half of the run."""),
("code", """%%
data, scorer := setup()
grid := gan.SweepGrid(gan.DefaultOptions("mlp"), []float64{5e-5, 2e-4, 1e-3}, []float64{0.5, 0.9}, nil)
if _, err := kernel.Compare(data, grid, steps(300, 5), scorer); err != nil {
	panic(err)
}"""),
("markdown", """## 3. Balance between the two networks

When the discriminator learns much faster than the generator, it wins: its loss falls near 0 (the table's column "D loss < 0.1" counts those steps), D(G(z)) near 0, and the generator's gradient vanishes, so the digits stop improving. We provoke it with a discriminator learning rate of 0.002 and a generator learning rate of 0.00002.

The lesson's advice is the fix: **skip the discriminator's step while its loss is low** (`SkipDBelow`; ganbook measures the loss on the step's batch first), plus **one-sided label smoothing** (real pictures labelled 0.9, Salimans et al. 2016), so the discriminator cannot become certain. The third run gives both networks the same learning rate, as the DCGAN paper does; different rates on purpose, with the discriminator a little faster, are the TTUR of Heusel et al. 2017 (`--lr-d 4e-4 --lr-g 1e-4`)."""),
("code", """%%
data, scorer := setup()
dWins := gan.DefaultOptions("mlp")
dWins.LRD, dWins.LRG = 2e-3, 2e-5
fixed := dWins
fixed.SkipDBelow, fixed.LabelSmoothing = 0.5, 0.1
balanced := gan.DefaultOptions("mlp")
results, err := kernel.Compare(data, []gan.Options{dWins, fixed, balanced}, steps(1000, 10), scorer)
if err != nil {
	panic(err)
}
report(results)"""),
("markdown", """## 4. High resolution

Bigger pictures make the discriminator's job easy and the generator's gradient weak. The lesson cites **MSG-GAN** (multi-scale gradients, Karnewar and Wang 2020): the generator also outputs its half- and quarter-size intermediate pictures, and the discriminator reads each one at the layer of the same size, so gradients reach every scale of the generator directly.

We write 64x64 versions of MNIST digits into a folder (a "folder of your own images" whose content the classifier knows), then train the plain DCGAN and the MSG-GAN with the same step budget. Their samples are shrunk to 28x28 for the score. (`ganbook train --dataset FOLDER --model dcgan --size 64 --multi-scale`.)

A surprise worth discussing: in our measurements (README, 300 steps) the MSG-GAN did **worse** than the plain DCGAN. Its discriminator also sees the generator's small pictures, which early on look nothing like shrunk real digits, so it wins (problem 3). The paper trains with other losses and for much longer. Try it with the balance fixes of problem 3."""),
("code", """%%
data, scorer := setup()
folder := filepath.Join("runs", "05-digits64")
if _, err := os.Stat(folder); err != nil {
	if err := data.Take(steps(2000, 64)).SaveFolder(folder, 64); err != nil {
		panic(err)
	}
}
big, rep, err := gan.LoadFolder(folder, 64, 1)
if err != nil {
	panic(err)
}
fmt.Println(rep.Summary(folder))
plain := gan.DefaultOptions("dcgan")
plain.Size, plain.Channels, plain.Batch = 64, 1, 32
plain.GBase, plain.DBase = 32, 16 // narrower, so a step at 64x64 stays under a second on a laptop
msg := plain
msg.MultiScale = true
if _, err := kernel.Compare(big, []gan.Options{plain, msg}, steps(200, 3), scorer); err != nil {
	panic(err)
}"""),
("markdown", """## What to try

- Run problem 1 with `collapse.MinibatchStd = true` instead of feature matching, and with `FeatureMatching` on the default options: does it help a healthy run too?
- In problem 3, try only the skipping or only the label smoothing.
- Train longer from the command line and watch the scores in `metrics.csv`: `ganbook train --score-every 500`."""),
]

def cell(kind, text):
    lines = text.split("\n")
    src = [l + "\n" for l in lines[:-1]] + [lines[-1]]
    c = {"cell_type": kind, "metadata": {}, "source": src}
    if kind == "code":
        c["execution_count"] = None
        c["outputs"] = []
    return c

nb = {
    "cells": [cell(k, t) for k, t in cells],
    "metadata": {"kernelspec": {"display_name": "Go (ganbook)", "language": "go", "name": "ganbook"}, "language_info": {"name": "go"}},
    "nbformat": 4,
    "nbformat_minor": 5,
}
with open("notebooks/05-gan-problems.ipynb", "w") as f:
    json.dump(nb, f, indent=1, ensure_ascii=False)
    f.write("\n")
