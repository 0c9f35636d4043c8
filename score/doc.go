// Package score measures generated digits with a classifier trained by
// ganbook itself (the FID idea on a domain network, not the Inception FID of
// papers):
//
//   - Frechet distance between the classifier's features of generated images
//     and of real test images (0 = same feature statistics);
//   - mean confidence: the classifier's average top probability on generated
//     images (sharp, readable digits score near 1);
//   - class histogram and its normalised entropy (1 = all classes equally
//     often; a generator that collapsed onto one digit scores 0).
package score
