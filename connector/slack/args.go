package slack

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/aos-dev/aos/connector"
)

// maxArgValue bounds one argument read from a multipart body.
const maxArgValue = 64 << 10

// readArgs returns the values of the named arguments of a Web API request,
// wherever Slack would read them: the query and the body (form, JSON or
// multipart). It never guesses: an argument given twice (in one place or
// in two), or under another case of its name, or as something other than
// a string, is EBadRequest, and so is a token argument anywhere (the
// credential travels only in the Authorization header, which aos sets).
// A body of another type is EBadRequest: it could not be read here, so it
// is not passed on.
func readArgs(contentType string, query url.Values, body []byte, names []string) (map[string]string, error) {
	want := append([]string{"token"}, names...)
	found := map[string][]string{}
	add := func(key, val string) error {
		for _, w := range want {
			if !strings.EqualFold(key, w) {
				continue
			}
			if key != w {
				return connector.BadRequest("argument %.32q is %s in another case, which Slack may not read the same way", key, w)
			}
			found[w] = append(found[w], val)
		}
		return nil
	}
	for k, vs := range query {
		for _, v := range vs {
			if err := add(k, v); err != nil {
				return nil, err
			}
		}
	}
	if err := bodyArgs(contentType, body, add); err != nil {
		return nil, err
	}
	if _, ok := found["token"]; ok {
		return nil, connector.BadRequest("send no token argument: aos puts the connection's token in the Authorization header")
	}
	out := map[string]string{}
	for k, vs := range found {
		if len(vs) > 1 {
			return nil, connector.BadRequest("argument %s is given more than once", k)
		}
		out[k] = vs[0]
	}
	return out, nil
}

// bodyArgs calls add for each argument of a body.
func bodyArgs(contentType string, body []byte, add func(key, val string) error) error {
	if len(body) == 0 {
		return nil
	}
	mt, params, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
		return connector.BadRequest("a body needs a Content-Type: form, JSON or multipart")
	case mt == "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return connector.BadRequest("the form body does not parse (malformed escape or ';' separator)")
		}
		for k, vs := range form {
			for _, v := range vs {
				if err := add(k, v); err != nil {
					return err
				}
			}
		}
		return nil
	case mt == "application/json":
		return jsonArgs(body, add)
	case mt == "multipart/form-data" && params["boundary"] != "":
		return multipartArgs(body, params["boundary"], add)
	}
	return connector.BadRequest("Slack methods take form, JSON or multipart bodies, not %.64s", mt)
}

// jsonArgs reads the top-level members of a JSON object body. A member
// that add wants must be a string; others may be anything.
func jsonArgs(body []byte, add func(key, val string) error) error {
	if !json.Valid(body) {
		return connector.BadRequest("the body is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return connector.BadRequest("a JSON body must be an object of arguments")
	}
	for dec.More() {
		kt, _ := dec.Token()
		key, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return connector.BadRequest("the body is not valid JSON")
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			// Not a string: refused if it is an argument readArgs reads.
			s = "\x00"
		}
		if err := add(key, s); err != nil {
			return err
		}
	}
	return nil
}

// multipartArgs reads the fields of a multipart body; file parts are
// skipped unless they claim an argument readArgs reads.
func multipartArgs(body []byte, boundary string, add func(key, val string) error) error {
	r := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return connector.BadRequest("the multipart body does not parse")
		}
		v, err := io.ReadAll(io.LimitReader(p, maxArgValue+1))
		if err != nil {
			return connector.BadRequest("the multipart body does not parse")
		}
		if len(v) > maxArgValue {
			v = []byte("\x00") // too long to be an argument it reads
		}
		if err := add(p.FormName(), string(v)); err != nil {
			return err
		}
	}
}
