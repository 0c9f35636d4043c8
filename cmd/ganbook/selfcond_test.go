package main

import (
	"strings"
	"testing"

	"github.com/ganbook/ganbook/gan"
)

// --self-condition brings its own class count (the tuned 50 clusters)
// unless --classes is given, and turning it off on a folder leaves the
// unconditional GAN, not 50 classes without labels.
func TestSelfConditionFlagSetsClasses(t *testing.T) {
	folder := t.TempDir()
	writeImages(t, folder, 4)
	for _, tc := range []struct {
		args    []string
		classes int
		self    bool
	}{
		{[]string{"--self-condition"}, gan.SelfConditionClusters, true},
		{[]string{"--self-condition", "--classes", "20"}, 20, true},
		{[]string{"--self-condition", "--preset", "lesson"}, gan.SelfConditionClusters, true},
		{[]string{"--dataset", folder}, gan.SelfConditionClusters, true},
		{[]string{"--dataset", folder, "--self-condition=false"}, 0, false},
		{[]string{"--dataset", folder, "--classes", "0"}, 0, false},
		{[]string{"--dataset", folder, "--preset", "lesson"}, 0, false},
	} {
		tr, err := parseTrain(append(tc.args, "--out", t.TempDir()))
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if o := tr.options; o.Classes != tc.classes || o.SelfConditioned() != tc.self {
			t.Errorf("%v: %d classes, self-conditioned %v; want %d, %v", tc.args, o.Classes, o.SelfConditioned(), tc.classes, tc.self)
		}
	}
}

// A folder under gan.SelfConditionMinPictures trains the unconditional GAN
// by default, and says so.
func TestSmallFolderUnconditional(t *testing.T) {
	folder := t.TempDir()
	writeImages(t, folder, 12)
	code, stderr := capture(t, "train", "--dataset", folder, "--size", "32", "--batch", "4", "--steps", "1", "--out", t.TempDir()+"/run")
	if code != 0 || !strings.Contains(stderr, "12 pictures, fewer than 500: the unconditional GAN") || strings.Contains(stderr, "self-condition seed") {
		t.Errorf("exit %d, %q; want the unconditional GAN, said", code, stderr)
	}
}
