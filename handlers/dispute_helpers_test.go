package handlers

// Test helpers for disputes: multipart bodies as a browser sends them,
// photos with EXIF (orientation, a home address and a GPS position),
// and a look at what was stored.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strings"
	"testing"
)

// upFile is a file a test uploads.
type upFile struct {
	name  string
	ctype string // what the browser claims ("" for application/octet-stream)
	data  []byte
}

// multipartBody builds a form as a browser posts it: the text fields in
// order of their names (the form's order does not matter to the server),
// then the files as "file" parts.
func multipartBody(fields url.Values, files []upFile) (body []byte, contentType string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range fields[k] {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		h := make(textproto.MIMEHeader)
		name := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(f.name)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, name))
		ct := f.ctype
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		w, _ := mw.CreatePart(h)
		w.Write(f.data)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// postMultipart posts a multipart form like a browser from our own page.
func (c *tclient) postFiles(path string, fields url.Values, files []upFile, hdr ...string) *tresp {
	c.h.t.Helper()
	body, ct := multipartBody(fields, files)
	res, err := c.postRaw(path, ct, body, hdr...)
	if err != nil {
		c.h.t.Fatalf("POST %s: %v", path, err)
	}
	return res
}

// postRaw posts body as is; errors are returned, not fatal (fuzz targets
// call it from their own goroutine).
func (c *tclient) postRaw(path, contentType string, body []byte, hdr ...string) (*tresp, error) {
	req, err := http.NewRequest(http.MethodPost, testBase+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", testBase)
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	return &tresp{Response: res, body: string(b)}, nil
}

// testPDF is a small PDF.
func testPDF(note string) []byte {
	return []byte("%PDF-1.4\n% " + note + "\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
}

// testPhoto is a w×h JPEG (red left half, blue right half) with EXIF:
// orientation 1, a description with a home address, and a GPS IFD with
// a latitude.
func testPhoto(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{200, 30, 30, 255}
			if x >= w/2 {
				c = color.RGBA{30, 30, 200, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return addExif(b.Bytes())
}

// photoSecrets are what testPhoto's EXIF gives away.
var photoSecrets = []string{"Exif", "GPS", "Amselweg", "52.5200N"}

func addExif(jpg []byte) []byte {
	var t bytes.Buffer
	be := binary.BigEndian
	w16 := func(v uint16) { b := make([]byte, 2); be.PutUint16(b, v); t.Write(b) }
	w32 := func(v uint32) { b := make([]byte, 4); be.PutUint32(b, v); t.Write(b) }
	t.WriteString("MM")
	w16(42)
	w32(8)
	desc := "Home: Amselweg 1, GPS 52.5200N 13.4050E\x00"
	descOff := uint32(8 + 2 + 12*3 + 4)
	gpsOff := descOff + uint32(len(desc))
	w16(3)
	w16(0x010e) // ImageDescription
	w16(2)
	w32(uint32(len(desc)))
	w32(descOff)
	w16(0x0112) // Orientation: upright
	w16(3)
	w32(1)
	w16(1)
	w16(0)
	w16(0x8825) // GPS IFD
	w16(4)
	w32(1)
	w32(gpsOff)
	w32(0)
	t.WriteString(desc)
	w16(1)
	w16(0x0001) // GPSLatitudeRef
	w16(2)
	w32(2)
	t.WriteString("N\x00\x00\x00")
	w32(0)
	seg := append([]byte("Exif\x00\x00"), t.Bytes()...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, 0xff, 0xe1, byte((len(seg)+2)>>8), byte(len(seg)+2))
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// disputeOf is the public id a dispute POST redirected to.
func disputeOf(t testing.TB, res *tresp) string {
	t.Helper()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/account/disputes/dsp_") {
		t.Fatalf("dispute POST = %d to %q, want 303 to the dispute; body: %.2000s", res.StatusCode, loc, res.body)
	}
	id := strings.TrimPrefix(loc, "/account/disputes/")
	id, _, _ = strings.Cut(id, "?")
	return id
}
