// Package jsonx holds the JSON checks encoding/json does not make. It depends on the
// standard library only, so every function can use it without paying at start-up.
package jsonx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// DuplicateKeyError names a key that appears twice in one JSON object. encoding/json keeps
// the last of the two, so `{"name":"a","name":"b"}` would be read as "b" by this code and
// as "a" by a proxy, log or policy engine that keeps the first: the two would disagree about
// what was asked. So a duplicate is refused, never resolved.
type DuplicateKeyError struct {
	// Path is the key's place in the document, e.g. "labels.team" or "alerts[2].labels.env".
	Path string
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key %q: a key may appear only once in an object", e.Path)
}

// CheckDuplicateKeys returns a *DuplicateKeyError for the first key that appears twice in
// the same object anywhere in data, nil when there is none. It does not judge anything else:
// malformed JSON is left to the decoder that follows (nil is returned for it), so its
// error message stays the decoder's.
func CheckDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := walk(dec, "")
	var dup *DuplicateKeyError
	if errors.As(err, &dup) {
		return dup
	}
	return nil
}

// walk reads one value from dec; path is where it sits.
func walk(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, ok := kt.(string)
			if !ok {
				return io.ErrUnexpectedEOF
			}
			child := key
			if path != "" {
				child = path + "." + key
			}
			if seen[key] {
				return &DuplicateKeyError{Path: child}
			}
			seen[key] = true
			if err := walk(dec, child); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		return err
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := walk(dec, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return nil
}
