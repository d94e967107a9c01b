package disputes

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
)

// photo is a w×h JPEG: the left half red, the right half blue, so that
// turning it shows.
func photo(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.RGBA{20, 20, 220, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withExif puts an EXIF segment right after the JPEG's start: IFD0 with
// the orientation, an image description that gives a home address and a
// pointer to a GPS IFD with latitude N 52° 31' 12".
func withExif(jpg []byte, orientation uint16, order binary.ByteOrder) []byte {
	var t bytes.Buffer
	w16 := func(v uint16) { b := make([]byte, 2); order.PutUint16(b, v); t.Write(b) }
	w32 := func(v uint32) { b := make([]byte, 4); order.PutUint32(b, v); t.Write(b) }
	if order == binary.LittleEndian {
		t.WriteString("II")
	} else {
		t.WriteString("MM")
	}
	w16(42)
	w32(8)
	desc := "Home: Amselweg 1, GPS 52.5200N 13.4050E\x00"
	const ifd0Entries = 3
	descOff := uint32(8 + 2 + 12*ifd0Entries + 4)
	gpsOff := descOff + uint32(len(desc))
	w16(ifd0Entries)
	w16(0x010e) // ImageDescription
	w16(2)
	w32(uint32(len(desc)))
	w32(descOff)
	w16(0x0112) // Orientation
	w16(3)
	w32(1)
	w16(orientation)
	w16(0)
	w16(0x8825) // GPS IFD
	w16(4)
	w32(1)
	w32(gpsOff)
	w32(0)
	t.WriteString(desc)
	ratOff := gpsOff + 2 + 12*2 + 4
	w16(2)
	w16(0x0001) // GPSLatitudeRef
	w16(2)
	w32(2)
	t.WriteString("N\x00\x00\x00")
	w16(0x0002) // GPSLatitude
	w16(5)
	w32(3)
	w32(ratOff)
	w32(0)
	for _, v := range []uint32{52, 1, 31, 1, 12, 1} {
		w32(v)
	}
	seg := append([]byte("Exif\x00\x00"), t.Bytes()...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

func TestCheckFileStripsExifAndTurnsUpright(t *testing.T) {
	for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
		src := withExif(photo(t, 40, 20), 6, order)
		if exifOrientation(src) != 6 {
			t.Fatalf("%v: orientation %d, want 6", order, exifOrientation(src))
		}
		clean, mt, err := CheckFile(context.Background(), src)
		if err != nil || mt != MediaJPEG {
			t.Fatalf("%v: CheckFile = %q, %v", order, mt, err)
		}
		for _, leak := range []string{"Exif", "GPS", "Amselweg", "52.5200N"} {
			if bytes.Contains(clean, []byte(leak)) {
				t.Errorf("%v: the stored photo still holds %q", order, leak)
			}
		}
		img, err := jpeg.Decode(bytes.NewReader(clean))
		if err != nil {
			t.Fatal(err)
		}
		// Orientation 6: the camera was turned; upright the photo is 20
		// wide and 40 high, the red half on top.
		if b := img.Bounds(); b.Dx() != 20 || b.Dy() != 40 {
			t.Fatalf("%v: upright photo is %dx%d, want 20x40", order, b.Dx(), b.Dy())
		}
		if r, _, bl, _ := img.At(10, 5).RGBA(); r < bl {
			t.Errorf("%v: the top of the upright photo is not red", order)
		}
		if r, _, bl, _ := img.At(10, 35).RGBA(); r > bl {
			t.Errorf("%v: the bottom of the upright photo is not blue", order)
		}
	}
}

// Every EXIF orientation gives the right size and puts the red half
// where the camera saw it.
func TestOrientations(t *testing.T) {
	src, err := jpeg.Decode(bytes.NewReader(photo(t, 40, 20)))
	if err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(src.Bounds())
	for y := 0; y < 20; y++ {
		for x := 0; x < 40; x++ {
			gray.SetGray(x, y, color.Gray{Y: uint8(x * 6)})
		}
	}
	for o := 1; o <= 8; o++ {
		for _, img := range []image.Image{src, gray} {
			out := orient(img, o)
			w, h := 40, 20
			if o >= 5 {
				w, h = 20, 40
			}
			if b := out.Bounds(); b.Dx() != w || b.Dy() != h {
				t.Errorf("orientation %d (%T): %dx%d, want %dx%d", o, img, b.Dx(), b.Dy(), w, h)
			}
		}
	}
	// Orientation 3: upside down, so the red (left) half is now right.
	out := orient(src, 3)
	if r, _, b, _ := out.At(35, 10).RGBA(); r < b {
		t.Error("orientation 3: the right side is not red")
	}
	// Orientation 8: turned right to be upright, the red half at the bottom.
	out = orient(src, 8)
	if r, _, b, _ := out.At(10, 35).RGBA(); r < b {
		t.Error("orientation 8: the bottom is not red")
	}
}

func TestCheckFileByContent(t *testing.T) {
	var pngBuf bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 3, 3))
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	// A PNG with a text chunk after the image data (metadata, a comment).
	withText := append([]byte{}, pngBuf.Bytes()...)
	withText = append(withText[:len(withText)-12], append(pngChunk("tEXt", "Comment\x00secret 52.52N"), withText[len(withText)-12:]...)...)
	for _, tc := range []struct {
		name, want, refusal string
		data                []byte
	}{
		{"pdf", MediaPDF, "", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n")},
		{"png", MediaPNG, "", pngBuf.Bytes()},
		{"png with text", MediaPNG, "", withText},
		{"jpeg", MediaJPEG, "", photo(t, 8, 8)},
		{"html renamed .pdf", "", "error.dispute.file.type", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")},
		{"svg renamed .pdf", "", "error.dispute.file.type", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)},
		{"html after a BOM", "", "error.dispute.file.type", []byte("\xef\xbb\xbf<html><body onload=alert(1)>")},
		{"pdf magic later", "", "error.dispute.file.type", []byte("<html>%PDF-1.4</html>")},
		{"exe", "", "error.dispute.file.type", []byte("MZ\x90\x00\x03\x00\x00\x00")},
		{"empty", "", "error.dispute.file.empty", nil},
		{"png header only", "", "error.dispute.file.broken", pngBuf.Bytes()[:20]},
		{"truncated png", "", "error.dispute.file.broken", pngBuf.Bytes()[:len(pngBuf.Bytes())-20]},
		{"jpeg magic, garbage", "", "error.dispute.file.broken", []byte("\xff\xd8\xff\xe0garbage garbage garbage")},
		{"too large", "", "error.dispute.file.size", append([]byte("%PDF-"), make([]byte, ar.MaxDisputeFileBytes)...)},
		{"huge png", "", "error.dispute.file.pixels", hugePNG()},
	} {
		clean, mt, err := CheckFile(context.Background(), tc.data)
		if tc.refusal != "" {
			e, ok := ar.AsError(err)
			if !ok || e.Key != tc.refusal {
				t.Errorf("%s: err = %v, want %s", tc.name, err, tc.refusal)
			}
			continue
		}
		if err != nil || mt != tc.want {
			t.Errorf("%s: CheckFile = %q, %v; want %s", tc.name, mt, err, tc.want)
			continue
		}
		if bytes.Contains(clean, []byte("secret")) {
			t.Errorf("%s: metadata kept", tc.name)
		}
	}
}

// pngChunk is a PNG chunk with its CRC.
func pngChunk(typ, data string) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.WriteString(data)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE([]byte(typ+data)))
	return b.Bytes()
}

// hugePNG claims 20000×20000 pixels in its header (a decompression
// bomb's first bytes).
func hugePNG() []byte {
	var ihdr bytes.Buffer
	binary.Write(&ihdr, binary.BigEndian, uint32(20000))
	binary.Write(&ihdr, binary.BigEndian, uint32(20000))
	ihdr.Write([]byte{8, 6, 0, 0, 0})
	out := append([]byte{}, pngMagic...)
	return append(out, pngChunk("IHDR", ihdr.String())...)
}

func TestDisplayAndDownloadNames(t *testing.T) {
	for in, want := range map[string]string{
		"Rechnung.pdf":                  "Rechnung.pdf",
		`C:\Users\jana\Scan 1.pdf`:      "Scan 1.pdf",
		"../../etc/passwd":              "passwd",
		"rechnung\u202efdp.exe":         "rechnungfdp.exe",
		"a\x00b\nc\r\td.png":            "abcd.png",
		"  lots   of\u00a0 space .jpg ": "lots of space .jpg",
		"\xff\xfeinvalid.pdf":           "invalid.pdf",
		strings.Repeat("ä", 300):        strings.Repeat("ä", ar.MaxDisputeFileName),
	} {
		if got := DisplayName(in); got != want {
			t.Errorf("DisplayName(%q) = %q, want %q", in, got, want)
		}
	}
	for _, tc := range []struct{ display, mediaType, ascii, utf8 string }{
		{"Überweisung März.pdf", MediaPDF, "Ueberweisung_Maerz.pdf", "Überweisung März.pdf"},
		{"photo.JPEG", MediaJPEG, "photo.jpg", "photo.jpg"},
		{"evil.html", MediaPDF, "evil.html.pdf", "evil.html.pdf"},
		{`"; filename=evil.html`, MediaPNG, "filename_evil.html.png", `"; filename=evil.html.png`},
		{"<scr<script>ipt>alert(1)</scr</script>ipt>.pdf", MediaPDF, "scr_script_ipt_alert_1_scr_script_ipt.pdf", "<scr<script>ipt>alert(1)</scr</script>ipt>.pdf"},
		{"", MediaPNG, "attachment.png", "attachment.png"},
		{"日本語.pdf", MediaPDF, "attachment.pdf", "日本語.pdf"},
		{"...", MediaPDF, "attachment.pdf", "attachment.pdf"},
	} {
		a, u := DownloadName(tc.display, tc.mediaType, "attachment")
		if a != tc.ascii || u != tc.utf8 {
			t.Errorf("DownloadName(%q) = %q, %q; want %q, %q", tc.display, a, u, tc.ascii, tc.utf8)
		}
		cd := ContentDisposition(tc.display, tc.mediaType, "attachment")
		if !strings.HasPrefix(cd, `attachment; filename="`+tc.ascii+`"; filename*=UTF-8''`) {
			t.Errorf("ContentDisposition(%q) = %q", tc.display, cd)
		}
		for _, c := range cd {
			if c < 0x20 || c > 0x7e {
				t.Errorf("ContentDisposition(%q) = %q: not printable ASCII", tc.display, cd)
				break
			}
		}
		if strings.Count(cd, `"`) != 2 || strings.Count(cd, ";") != 2 {
			t.Errorf("ContentDisposition(%q) = %q: the name escapes its parameter", tc.display, cd)
		}
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"  Hallo\r\nWelt \x00\x07":   "Hallo\nWelt",
		"a\rb\tc":                    "a\nb\tc",
		"\xff<scr<script>ipt>":       "\ufffd<scr<script>ipt>",
		"Zeile 1\n\nZeile 3\u200b !": "Zeile 1\n\nZeile 3\u200b !",
	} {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}
