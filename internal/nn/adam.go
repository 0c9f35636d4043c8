package nn

// AdamEpsilon is the epsilon of ganbook's Adam optimisers (the GANs' and the
// style transfer's): PyTorch's Adam default, as in the lesson's notebook
// (GoMLX's default is 1e-7).
const AdamEpsilon = 1e-8
