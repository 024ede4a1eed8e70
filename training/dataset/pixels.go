package dataset

// Pixels returns the images as the network sees them, before the mapping
// to [−1, 1] that Fill does (byte v becomes v/127.5 − 1): Len() images of
// Shape(), each channel-major (C, then rows, then columns), in the order
// Fill, Label and Permutation index them. The slice is the data set's
// own and must not be modified.
func (d *Dataset) Pixels() []byte { return d.pix }

// ToUnit maps a pixel byte to [−1, 1] exactly as Fill does.
func ToUnit(v byte) float32 { return lut[v] }
