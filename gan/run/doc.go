// Package run is the run manager of package gan's GANs: it trains a GAN over
// a dataset into a run folder and keeps what a long training needs.
//
// A run folder holds safetensors checkpoints (written atomically; Save,
// ReadCheckpoint, Restore), metrics.csv (one line per step, repaired on
// resume), sample grids and their animation (samples/, progress.gif), run.json
// (what the folder was started as) and a lock (one writer per folder).
// Prepare starts or resumes a run (the checkpoint's options win: CheckResume),
// Train runs it until a step count with its periodic work (scores, grids,
// checkpoints), Sweep compares short runs over a grid of options, and
// Prepare refuses a run whose memory estimate (EstimateMemory) does not fit.
package run
