package hubspot

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/aos-dev/aos"
	"github.com/aos-dev/aos/connector"
	"github.com/aos-dev/aos/connector/opdef"
)

// typeParams are the path parameters that name object types.
var typeParams = []string{"type", "fromType", "toType"}

// accountWideOps reach beyond object types: only "*" covers them.
var accountWideOps = map[string]bool{
	"owners.list": true, "owners.get": true, "imports.list": true, "imports.get": true,
}

// resourceOf returns the resource of a request matched to def, as the
// package documentation describes. body has been checked against
// connector.MaxBody; query is the parsed query.
func (k *Connector) resourceOf(c *aos.Connection, def *opdef.Def, params map[string]string,
	query url.Values, contentType string, body []byte) (string, error) {
	name := def.Name()
	switch {
	case accountWideOps[name]:
		return AccountWide, nil
	case name == "exports.start":
		return exportResource(contentType, body)
	case name == "exports.status":
		return k.exports.resource(c, params["task"]), nil
	case name == "imports.create":
		return importResource(contentType, body)
	}
	var types []string
	for _, p := range typeParams {
		if v, ok := params[p]; ok {
			t, ok := canonicalType(v)
			if !ok {
				return "", connector.BadRequest("%q in the path is not an object type", v)
			}
			types = append(types, t)
		}
	}
	if name == "contacts.gdpr_delete" {
		types = append(types, "contacts")
	}
	if name == "objects.get" || name == "objects.list" {
		// ?associations=companies,deals returns the IDs of associated
		// records: it reads those types too.
		for _, v := range query["associations"] {
			for item := range strings.SplitSeq(v, ",") {
				t, ok := canonicalType(strings.TrimSpace(item))
				if !ok {
					return "", connector.BadRequest("associations=%.40q is not a list of object types", v)
				}
				types = append(types, t)
			}
		}
	}
	if def.Operation().Access == aos.Write && strings.HasPrefix(name, "objects.") {
		inline, err := hasInlineAssociations(contentType, body)
		if err != nil {
			return "", err
		}
		if inline {
			return AccountWide, nil
		}
	}
	if len(types) == 0 {
		return "", aos.Errorf(aos.EInternal, "hubspot operation %s names no object type", name)
	}
	return objectResource(types...), nil
}

// isJSON reports whether a Content-Type is JSON.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// jsonBody checks that a non-empty body is JSON, as HubSpot requires of
// the bodies the connector reads: what it cannot read it does not pass.
func jsonBody(contentType string, body []byte) error {
	if !isJSON(contentType) {
		return connector.BadRequest("send the body as JSON, with Content-Type: application/json")
	}
	if !json.Valid(body) {
		return connector.BadRequest("the body is not valid JSON")
	}
	return nil
}

// hasInlineAssociations reports whether a record write carries an
// "associations" array with at least one element, at any depth and in any
// case (a create, or each input of a batch). Such associations name their
// targets by association type IDs, which vary by account, not by object
// type: the request does not say which types it touches.
func hasInlineAssociations(contentType string, body []byte) (bool, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return false, nil
	}
	if err := jsonBody(contentType, body); err != nil {
		return false, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	found := false
	var walk func(assoc bool) error
	walk = func(assoc bool) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			// A lone object where a list belongs may be read as a list
			// of one by a lenient decoder.
			found = found || assoc
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := key.(string)
				if err := walk(strings.EqualFold(k, "associations")); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			if assoc && dec.More() {
				found = true
			}
			for dec.More() {
				if err := walk(false); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}
		return err
	}
	if err := walk(false); err != nil {
		return false, connector.BadRequest("the body is not valid JSON")
	}
	return found, nil
}

// topLevel reads the named keys of a JSON object body. A key given twice,
// or also in another case (which some decoders merge), is ambiguous:
// EBadRequest.
func topLevel(body []byte, keys ...string) (map[string]json.RawMessage, error) {
	var fields []struct {
		key string
		val json.RawMessage
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, connector.BadRequest("the body must be a JSON object")
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, connector.BadRequest("the body is not valid JSON")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, connector.BadRequest("the body is not valid JSON")
		}
		k, _ := kt.(string)
		fields = append(fields, struct {
			key string
			val json.RawMessage
		}{k, v})
	}
	out := map[string]json.RawMessage{}
	for _, want := range keys {
		for _, f := range fields {
			if !strings.EqualFold(f.key, want) {
				continue
			}
			if _, dup := out[want]; dup || f.key != want {
				return nil, connector.BadRequest("the body gives %q more than once, or in another case", want)
			}
			out[want] = f.val
		}
	}
	return out, nil
}

// exportResource returns the object types an export takes out: its
// objectType and every associatedObjectType (a string or a list).
func exportResource(contentType string, body []byte) (string, error) {
	if err := jsonBody(contentType, body); err != nil {
		return "", err
	}
	f, err := topLevel(body, "objectType", "associatedObjectType")
	if err != nil {
		return "", err
	}
	var main string
	if json.Unmarshal(f["objectType"], &main) != nil || main == "" {
		return "", connector.BadRequest("an export needs objectType, a string such as CONTACT or 0-1")
	}
	names := []string{main}
	if raw, ok := f["associatedObjectType"]; ok && string(raw) != "null" {
		var one string
		var many []string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			names = append(names, one)
		case json.Unmarshal(raw, &many) == nil:
			names = append(names, many...)
		default:
			return "", connector.BadRequest("associatedObjectType must be a string or a list of strings")
		}
	}
	types := make([]string, 0, len(names))
	for _, n := range names {
		t, ok := canonicalType(n)
		if !ok {
			return "", connector.BadRequest("%.40q is not an object type", n)
		}
		types = append(types, t)
	}
	return objectResource(types...), nil
}

// maxImportRequest bounds the importRequest part of an import.
const maxImportRequest = 1 << 20

// importResource returns the object types an import writes: every
// columnObjectTypeId (and toColumnObjectTypeId) of its column mappings and
// every key of importOperations, read from the importRequest part of the
// multipart body. An import that names none is account-wide.
func importResource(contentType string, body []byte) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", connector.BadRequest("an import is sent as multipart/form-data with an importRequest part")
	}
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var req []byte
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", connector.BadRequest("the multipart body does not parse")
		}
		if strings.EqualFold(p.FormName(), "importRequest") {
			if req != nil {
				return "", connector.BadRequest("the import gives importRequest more than once")
			}
			if req, err = io.ReadAll(io.LimitReader(p, maxImportRequest+1)); err != nil || len(req) > maxImportRequest {
				return "", connector.BadRequest("the importRequest part does not read, or is over 1 MiB")
			}
		}
	}
	if req == nil || !json.Valid(req) {
		return "", connector.BadRequest("the import has no importRequest part holding JSON")
	}
	var types []string
	if err := collectImportTypes(req, &types); err != nil {
		return "", err
	}
	if len(types) == 0 {
		return AccountWide, nil
	}
	return objectResource(types...), nil
}

// collectImportTypes walks an importRequest for the object types it names.
func collectImportTypes(req []byte, types *[]string) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(req))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return connector.BadRequest("the importRequest is not valid JSON")
	}
	add := func(s string) error {
		t, ok := canonicalType(s)
		if !ok {
			return connector.BadRequest("the importRequest names %.40q, which is not an object type", s)
		}
		*types = append(*types, t)
		return nil
	}
	var walk func(v any) error
	walk = func(v any) error {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				switch lk := strings.ToLower(k); {
				case lk == "columnobjecttypeid" || lk == "tocolumnobjecttypeid":
					s, ok := val.(string)
					if !ok {
						return connector.BadRequest("the importRequest's %s must be a string", k)
					}
					if err := add(s); err != nil {
						return err
					}
				case lk == "importoperations":
					ops, ok := val.(map[string]any)
					if !ok {
						return connector.BadRequest("the importRequest's importOperations must be an object")
					}
					for t := range ops {
						if err := add(t); err != nil {
							return err
						}
					}
				default:
					if err := walk(val); err != nil {
						return err
					}
				}
			}
		case []any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(v)
}
