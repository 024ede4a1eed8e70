package training

import (
	"testing"

	"github.com/ganstudio/ganstudio/training/dataset"
)

func TestShapeFor(t *testing.T) {
	tests := []struct {
		spec           dataset.Spec
		network        int
		size, channels int
	}{
		{dataset.Spec{Name: "mnist"}, 32, 28, 1},
		{dataset.Spec{Name: "fashion-mnist"}, 28, 28, 1},
		{dataset.Spec{Name: "cifar10", Classes: []string{"horse"}}, 28, 32, 3},
		{dataset.Spec{Path: "/some/photos"}, 28, 32, 3},
		{dataset.Spec{Path: "/some/photos"}, 64, 64, 3},
		{dataset.Spec{Name: "mnist"}, 64, 64, 1},
	}
	for _, tt := range tests {
		if size, ch := ShapeFor(tt.spec, tt.network); size != tt.size || ch != tt.channels {
			t.Errorf("%+v: %d×%d×%d, want %d×%d×%d", tt.spec, size, size, ch, tt.size, tt.size, tt.channels)
		}
	}
}
