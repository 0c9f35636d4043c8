// Package assets fetches and caches what the style-transfer lesson needs but
// does not teach: the pretrained VGG-19 weights and the sample pictures.
//
// The weights come from the Hugging Face Hub, either the whole 575 MB file
// (DownloadVGG19, checked against the SHA-256 the Hub publishes) or only the
// 80 MB of convolutions, by HTTP range requests (DownloadVGG19Features, with
// the SHA-256 of every tensor recorded at the first download and checked on
// every load). CachedVGG19 finds either without the network.
//
// The sample photos and paintings are free images carried by Debian packages
// (Samples): InstallSamples extracts them with apt-get download and dpkg -x,
// or writes ganbook's built-in smaller copies where that is not possible;
// SamplePath and EnsureSample find them.
//
// Package styletransfer builds the network and loads the weights from the
// path this package gives; this package knows nothing of the network.
package assets
