package assets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/gomlx/go-huggingface/hub"

	"github.com/ganbook/ganbook/internal/fetch"
	"github.com/ganbook/ganbook/internal/fileio"
)

// The pretrained weights: torchvision's VGG-19 (ImageNet), as published by timm
// on the Hugging Face Hub. Only the features.* (convolution) tensors are used.
const (
	VGG19Repo = "timm/vgg19.tv_in1k"
	VGG19File = "model.safetensors"
)

var sha256Name = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CachedVGG19 returns the path of the pretrained weights if they were
// downloaded before, without the network: the whole file (DownloadVGG19,
// Hugging Face cache layout under cacheDir, by default ~/.cache/huggingface/hub),
// else the convolutions alone (DownloadVGG19Features, FeaturesCachePath(cacheDir)).
func CachedVGG19(cacheDir string) (string, bool) {
	hubDir := cacheDir
	if hubDir == "" {
		hubDir = hub.DefaultCacheDir()
	}
	matches, _ := filepath.Glob(filepath.Join(hubDir, "models--timm--vgg19.tv_in1k", "snapshots", "*", VGG19File))
	if p, err := FeaturesCachePath(cacheDir); err == nil {
		matches = append(matches, p)
	}
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Size() > 0 {
			return m, true
		}
	}
	return "", false
}

// DownloadVGG19 downloads the pretrained weights once into cacheDir (default:
// the Hugging Face cache, ~/.cache/huggingface/hub), then checks the file's
// SHA-256 against the hash the Hub published for it (the blob's name).
//
// Every request has ganbook's network limits (fetch.Default), and Ctrl-C stops
// the download at once: the Hub client fetches the repository's info without
// the context (go-huggingface v0.4.1, hub/info.go), so it is left behind
// rather than waited for.
func DownloadVGG19(ctx context.Context, cacheDir string) (string, error) {
	fetch.SetDefaultTransport() // the Hub client's requests go through http.DefaultTransport
	repo := hub.New(VGG19Repo).WithProgressBar(true)
	if cacheDir != "" {
		repo = repo.WithCacheDir(cacheDir)
	}
	dir, err := repo.CacheDir()
	if err != nil {
		return "", fmt.Errorf("the Hugging Face cache: %w", err)
	}
	// The idle limit, as the cache's files grow; a new request may first wait
	// for its connection and headers.
	watched, stop := fetch.WatchFolder(ctx, dir, fetch.Default.Connect+fetch.Default.FirstByte+fetch.Default.Idle)
	defer stop()
	var path string
	err = fetch.Abandon(watched, func() (err error) {
		path, err = repo.DownloadFileCtx(watched, VGG19File)
		return err
	})
	if cause := context.Cause(watched); err != nil && cause != nil && ctx.Err() == nil {
		err = cause // the idle limit, not the caller, ended it
	}
	if err != nil {
		return "", fmt.Errorf("downloading %s from the Hugging Face Hub (%s) failed: %w", VGG19File, VGG19Repo, err)
	}
	if err := verifyBlob(path); err != nil {
		return "", err
	}
	return path, nil
}

// verifyBlob checks a Hub-cache file against its blob name: for large (LFS)
// files the Hub names the blob by the content's SHA-256.
func verifyBlob(path string) error {
	blob, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	want := filepath.Base(blob)
	if !sha256Name.MatchString(want) {
		return fmt.Errorf("%s: the Hub gave no SHA-256 for this file (blob %s): delete it and download again", path, want)
	}
	got, err := fileio.SHA256File(blob)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if got != want {
		_ = os.Remove(blob)
		return fmt.Errorf("%s: SHA-256 %s does not match the Hub's %s: the download was corrupt and has been deleted; try again", path, got, want)
	}
	return nil
}

// RemoveCached deletes path if it is ganbook's own cached features file (so
// the next run fetches it again), never a file of the user's, even a copy of
// it; it reports whether it deleted it.
func RemoveCached(path string) bool {
	cached, err := FeaturesCachePath("")
	if err != nil {
		return false
	}
	a, errA := os.Stat(path)
	b, errB := os.Stat(cached)
	return errA == nil && errB == nil && os.SameFile(a, b) && os.Remove(path) == nil
}
