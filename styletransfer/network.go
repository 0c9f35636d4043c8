package styletransfer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ganbook/ganbook/styletransfer/assets"
)

// randomNetwork says what random features can and cannot do.
const randomNetwork = "random-weight VGG-19 features (He et al. 2016): colours and textures transfer, finer painterly detail needs the pretrained network"

// OfflineAfter is how long the default network (Options.Network "") waits for
// the Hugging Face Hub to connect and answer before it goes on with random
// features: an offline learner waits this long at most, once per run.
var OfflineAfter = 5 * time.Second

// DefaultWeights finds the pretrained VGG-19 for the default network: a
// cached download or features file, else VGG-19's convolutions fetched once
// (80 MB of the 575 MB file, by range requests, hashes recorded; see
// assets.TryVGG19Features). When the Hub cannot be reached within
// OfflineAfter, path is "" and offline says why in a few words; err is only
// for a stop (the context) or a cache that cannot be used.
func DefaultWeights(ctx context.Context) (path, offline string, err error) {
	if p, ok := assets.CachedVGG19(""); ok {
		return p, "", nil
	}
	p, err := assets.TryVGG19Features(ctx, "", "", nil, VGG19Tensors(), OfflineAfter)
	switch {
	case ctx.Err() != nil:
		return "", "", ctx.Err()
	case err != nil:
		why, _, _ := strings.Cut(err.Error(), "\n") // one line
		return "", fmt.Sprintf("the pretrained weights could not be fetched from %s, so random ones run: %s", assets.VGG19URL(), why), nil
	}
	return p, "", nil
}
