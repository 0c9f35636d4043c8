package styletransfer

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ganbook/ganbook/styletransfer/assets"
)

// randomNetwork says what random features can and cannot do.
const randomNetwork = "random-weight VGG-19 features (He et al. 2016): colours and textures transfer, finer painterly detail needs the pretrained network"

// OfflineAfter is how long the default network (Options.Network "") waits for
// the Hugging Face Hub to connect and send the file's header before it goes
// on with random features: an offline learner waits this long at most, once
// per program (the verdict is remembered).
var OfflineAfter = 5 * time.Second

// offline remembers, for this program, why the Hub could not be reached.
var offline struct {
	sync.Mutex
	why string
}

// DefaultWeights finds the pretrained VGG-19 for the default network: a
// cached download or features file, else VGG-19's convolutions fetched once
// (80 MB of the 575 MB file, by range requests, hashes recorded; see
// assets.TryVGG19Features). When the Hub cannot be reached within
// OfflineAfter, path is "" and why says so in one line (and later calls in
// this program say it again without asking the Hub); err is only for a stop
// (the context).
func DefaultWeights(ctx context.Context) (path, why string, err error) {
	if p, ok := assets.CachedVGG19(""); ok {
		return p, "", nil
	}
	offline.Lock()
	defer offline.Unlock()
	if offline.why != "" {
		return "", offline.why, nil
	}
	p, err := assets.TryVGG19Features(ctx, "", "", nil, VGG19Tensors(), OfflineAfter)
	switch {
	case ctx.Err() != nil:
		return "", "", ctx.Err()
	case err != nil:
		first, _, _ := strings.Cut(err.Error(), "\n") // one line
		offline.why = fmt.Sprintf("the pretrained weights could not be fetched from %s, so random ones run: %s", assets.VGG19URL(), first)
		return "", offline.why, nil
	}
	return p, "", nil
}
