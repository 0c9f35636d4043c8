package styletransfer_test

import (
	"fmt"
	"log"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ganbook/ganbook/internal/nn"
	"github.com/ganbook/ganbook/styletransfer"
)

func ExampleGramMatrix() {
	// One 2x2 feature map [B=1, H=2, W=2, C=2]: the two features at each of
	// the four positions.
	//
	//	(2, 0)  (0, 2)
	//	(2, 2)  (0, 0)
	features := tensors.FromFlatDataAndDimensions([]float32{
		2, 0, 0, 2,
		2, 2, 0, 0,
	}, 1, 2, 2, 2)

	choice, err := nn.Backend()
	if err != nil {
		log.Fatal(err)
	}
	gram, err := graph.ExecOnce(choice.Backend, styletransfer.GramMatrix, features)
	if err != nil {
		log.Fatal(err)
	}

	// Entry [c][d] sums feature c times feature d over the positions, divided
	// by the 4 positions: [0][0] = (4+0+4+0)/4 = 2, [0][1] = (0+0+4+0)/4 = 1
	// (the features fire together at one position of four), [1][1] = 2.
	flat, err := tensors.CopyFlatData[float32](gram)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(gram.Shape().Dimensions)
	fmt.Println(flat[0:2])
	fmt.Println(flat[2:4])
	// Output:
	// [1 2 2]
	// [2 1]
	// [1 2]
}
