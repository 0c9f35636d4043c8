// Package score measures generated MNIST digits or Fashion-MNIST clothes with
// a classifier trained by ganbook itself (the FID idea on a domain network, not
// the Inception FID of papers):
//
//   - Frechet distance between the classifier's features of generated images
//     and of real test images (0 = same feature statistics);
//   - mean confidence: the classifier's average top probability on generated
//     images (sharp, readable digits score near 1);
//   - class histogram and its normalised entropy (1 = all classes equally
//     often; a generator that collapsed onto one digit scores 0);
//   - diversity: the spread of the generated images' features relative to the
//     real images' spread, sqrt(Tr(S_generated) / Tr(S_real)) (1 = as varied
//     as the real images; near 0 = near-copies of each other, mode collapse
//     even when every class is drawn).
package score
