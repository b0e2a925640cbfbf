package pii

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// contentTypeOf returns the content type of a test payload, by extension.
func contentTypeOf(path string) string {
	switch filepath.Ext(path) {
	case ".json":
		return "application/json"
	case ".form":
		return "application/x-www-form-urlencoded"
	case ".multipart":
		return "multipart/form-data; boundary=XBOUNDARY"
	case ".html":
		return "text/html; charset=utf-8"
	case ".eml":
		return "message/rfc822"
	}
	return "text/plain; charset=utf-8"
}

// testMAC stands in for the vault's keyed hash.
func testMAC(purpose string, data []byte) []byte {
	h := sha256.New()
	h.Write([]byte(purpose))
	h.Write([]byte{0})
	h.Write(data)
	return h.Sum(nil)
}

var categories = map[string]bool{
	"": true, CategoryEmail: true, CategoryPhone: true, CategoryName: true, CategoryAddress: true,
	CategoryPayment: true, CategoryNationalID: true, CategoryRecordID: true,
}

// FuzzExtract checks that Extract, and everything downstream of it, never
// panics on any payload, keeps its limits and is deterministic.
func FuzzExtract(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "payloads", "*"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds in testdata/payloads: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(contentTypeOf(p), b)
		f.Add("", b)
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		items := Extract(contentType, body)
		if len(items) > MaxItems {
			t.Fatalf("%d items, over MaxItems", len(items))
		}
		if again := Extract(contentType, body); !reflect.DeepEqual(items, again) {
			t.Fatalf("Extract is not deterministic:\n%v\n%v", items, again)
		}
		for _, it := range items {
			if !categories[it.Category] {
				t.Fatalf("unknown category %q", it.Category)
			}
			if it.Category != "" && !valid(it.Category, it.Value) {
				t.Fatalf("item %+v breaks its category's rule", it)
			}
		}
		fps := Learn(testMAC, items)
		if len(fps) > len(items) {
			t.Fatalf("%d fingerprints from %d items", len(fps), len(items))
		}
		if c := Candidates(testMAC, items); len(c) > MaxCandidates {
			t.Fatalf("%d candidates, over MaxCandidates", len(c))
		}
		Scan(items)
	})
}
