// Package styletransfer is the lesson's second half: neural style transfer
// (Gatys, Ecker and Bethge, 2015, "A Neural Algorithm of Artistic Style").
//
// A picture is repainted in the style of another by optimising its pixels. A
// convolutional network (VGG-19) turns images into feature maps; three losses
// say how far the picture is from what we want:
//
//   - ContentLoss: its features at a deep layer should match the content image's;
//   - StyleLoss: the Gram matrices (which features fire together) of its features
//     at several layers should match the style image's;
//   - VariationLoss: neighbouring pixels should not differ much (less noise).
//
// Transfer minimises their weighted sum over the pixels, by default with
// L-BFGS (as Gatys et al.) or with the lesson's Adam, starting from noise, from
// the content image, or from the content image plus noise.
//
// The pretrained weights and the sample pictures are fetched by the
// sub-package assets; this package builds the network and loads them.
package styletransfer
