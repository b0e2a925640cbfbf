package connector

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"mime"
	"slices"
	"strings"

	"github.com/aos-dev/aos"
)

// maxCodings bounds the content codings stacked on one body ("gzip, gzip"
// is two); real clients apply one.
const maxCodings = 3

// DecodeBody undoes the content codings that a request's Content-Encoding
// field values list (applied in order, so undone from last to first), so
// that the gateway reads the facts of, scans, decides on and sends
// upstream the bytes the upstream would act on. The caller sends the
// decoded bytes without Content-Encoding.
//
// It reads gzip (and x-gzip), deflate (zlib, or raw deflate as some
// clients send it) and identity, in any case, stacked up to three deep.
// Each layer is decoded to at most MaxBody bytes, so a small body that
// expands without bound (a decompression bomb) costs no more than a
// large one: past that it is ETooLarge. Any other coding (br, zstd,
// compress, or a name it does not know) is EUnsupportedEncoding, as is a
// deeper stack; a body that does not decode as its coding says is
// EBadRequest. An empty body is returned as it is, whatever coding is
// named.
func DecodeBody(contentEncoding []string, body []byte) ([]byte, error) {
	if len(body) == 0 {
		return body, nil // nothing to read, whatever coding is named
	}
	var codings []string
	for _, v := range contentEncoding {
		for c := range strings.SplitSeq(v, ",") {
			switch c = strings.ToLower(strings.Trim(c, " \t")); c {
			case "", "identity":
			case "gzip", "x-gzip", "deflate":
				codings = append(codings, c)
			default:
				return nil, aos.Errorf(aos.EUnsupportedEncoding,
					"the request body's Content-Encoding %.32q cannot be read; send it as gzip, deflate or without a coding", c)
			}
		}
	}
	if len(codings) > maxCodings {
		return nil, aos.Errorf(aos.EUnsupportedEncoding, "the request body has more than %d content codings", maxCodings)
	}
	for _, c := range slices.Backward(codings) {
		var err error
		if body, err = decodeLayer(c, body); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// decodeLayer undoes one coding, reading at most MaxBody bytes of output.
func decodeLayer(coding string, body []byte) ([]byte, error) {
	var r io.Reader
	var err error
	switch coding {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		// RFC 9110 §8.4.1.2: zlib. Some clients send raw deflate instead;
		// either way the upstream receives the decoded bytes, so reading
		// both cannot make the gateway and the upstream disagree.
		r, err = zlib.NewReader(bytes.NewReader(body))
		if errors.Is(err, zlib.ErrHeader) {
			r, err = flate.NewReader(bytes.NewReader(body)), nil
		}
	}
	if err != nil {
		return nil, aos.Errorf(aos.EBadRequest, "the request body is not valid %s", coding)
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	switch {
	case err != nil:
		return nil, aos.Errorf(aos.EBadRequest, "the request body is not valid %s", coding)
	case len(out) > MaxBody:
		return nil, aos.Errorf(aos.ETooLarge, "the request body is larger than %d MiB once decoded", MaxBody>>20)
	}
	return out, nil
}

// CheckCharset refuses a request body that the gateway and the upstream
// could read in different character encodings: a Content-Type whose
// charset is other than UTF-8 (or US-ASCII, its subset), a Content-Type
// naming a charset that does not parse, and a body that opens with a
// UTF-16 or UTF-32 byte order mark, which JSON parsers honour. Facts and
// the customer-data scan read bytes as UTF-8: a card number spelled in
// UTF-16 would pass them unseen and reach an upstream that decodes it.
// Errors: EUnsupportedEncoding.
func CheckCharset(contentTypes []string, body []byte) error {
	for _, ct := range contentTypes {
		_, params, err := mime.ParseMediaType(ct)
		if err != nil {
			if strings.Contains(strings.ToLower(ct), "charset") {
				return aos.Errorf(aos.EUnsupportedEncoding, "the request's Content-Type names a charset but does not parse; send UTF-8")
			}
			continue
		}
		switch cs := strings.ToLower(strings.TrimSpace(params["charset"])); cs {
		case "", "utf-8", "utf8", "us-ascii", "ascii":
		default:
			return aos.Errorf(aos.EUnsupportedEncoding, "the request body's charset %.32q cannot be read; send it as UTF-8", cs)
		}
	}
	for _, bom := range [][]byte{{0x00, 0x00, 0xFE, 0xFF}, {0xFF, 0xFE, 0x00, 0x00}, {0xFE, 0xFF}, {0xFF, 0xFE}} {
		if bytes.HasPrefix(body, bom) {
			return aos.Errorf(aos.EUnsupportedEncoding, "the request body is UTF-16 or UTF-32 (it opens with a byte order mark); send it as UTF-8")
		}
	}
	return nil
}
