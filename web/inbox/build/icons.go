package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// The installed inbox's icons (the manifest's, the home screen's), drawn here rather than kept as
// binary files: Parley's speech bubble (the favicon's shape) in white on its blue. Drawn the same
// every build, so dist/ stays byte-identical.

var (
	brand = color.NRGBA{0x23, 0x52, 0xc4, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

// icon is one file: its size, and whether it is maskable (the bubble kept inside the middle 80%,
// the background filling the square, for launchers that cut it into a circle or a squircle).
type icon struct {
	name     string
	size     int
	maskable bool
}

var icons = []icon{
	{"icon-192.png", 192, false},
	{"icon-512.png", 512, false},
	{"icon-maskable-512.png", 512, true},
	{"apple-touch-icon.png", 180, true}, // iOS rounds its corners itself
	{"badge-96.png", 96, false},
}

// writeIcons writes every icon into dir/dist.
func writeIcons(dir string) error {
	for _, ic := range icons {
		var img *image.NRGBA
		if ic.name == "badge-96.png" {
			img = drawBadge(ic.size)
		} else {
			img = drawIcon(ic.size, ic.maskable)
		}
		var b bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "dist", ic.name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// drawIcon draws the favicon's figure: a rounded blue square (full-bleed when maskable), a white
// bubble with a tail, three blue dots.
func drawIcon(size int, maskable bool) *image.NRGBA {
	scale, off := float64(size)/32, 0.0
	if maskable {
		// The safe zone is the middle 80%: shrink the figure into it.
		scale, off = float64(size)*0.8/32, float64(size)*0.1
	}
	layers := func(x, y float64) (color.NRGBA, bool) {
		// x, y in the favicon's 32-unit grid.
		if dot(x, y, 11.5, 15) || dot(x, y, 16, 15) || dot(x, y, 20.5, 15) {
			return brand, true
		}
		if bubble(x, y) {
			return white, true
		}
		if maskable || roundRect(x, y, 0, 0, 32, 32, 7) {
			return brand, true
		}
		return color.NRGBA{}, false
	}
	return render(size, func(px, py float64) (color.NRGBA, bool) {
		x, y := (px-off)/scale, (py-off)/scale
		return layers(x, y)
	})
}

// drawBadge is the small monochrome figure Android shows in the status bar: the bubble alone,
// white on transparent (only its alpha counts).
func drawBadge(size int) *image.NRGBA {
	scale := float64(size) / 32
	return render(size, func(px, py float64) (color.NRGBA, bool) {
		x, y := px/scale, py/scale
		if dot(x, y, 11.5, 15) || dot(x, y, 16, 15) || dot(x, y, 20.5, 15) {
			return color.NRGBA{}, false
		}
		if bubble(x, y) {
			return white, true
		}
		return color.NRGBA{}, false
	})
}

// render samples each pixel 4×4 times, so edges are smooth.
func render(size int, at func(x, y float64) (color.NRGBA, bool)) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const n = 4
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < n; sy++ {
				for sx := 0; sx < n; sx++ {
					c, ok := at(float64(px)+(float64(sx)+0.5)/n, float64(py)+(float64(sy)+0.5)/n)
					if !ok {
						continue
					}
					r += float64(c.R)
					g += float64(c.G)
					b += float64(c.B)
					a++
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(math.Round(r / a)), uint8(math.Round(g / a)), uint8(math.Round(b / a)), uint8(math.Round(a * 255 / n / n))})
		}
	}
	return img
}

// bubble is the favicon's path: a 20×14 rounded box from (6,8) with radius 3, and a tail from
// (10,22) down to (10,26) and back up to (15,22).
func bubble(x, y float64) bool {
	if roundRect(x, y, 6, 8, 26, 22, 3) {
		return true
	}
	// The tail: the triangle (10,22), (10,26), (15,22).
	return x >= 10 && y >= 22 && y <= 26 && x <= 15-(y-22)*5/4
}

func dot(x, y, cx, cy float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= 1.6*1.6 }

// roundRect reports whether (x,y) is inside the box from (x0,y0) to (x1,y1) with corners of radius r.
func roundRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}
