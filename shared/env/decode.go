package env

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/jsonx"
)

// ErrBodyTooLarge is returned (wrapped) when a body exceeds the limit; map it to 413.
var ErrBodyTooLarge = errors.New("request body too large")

// DecodeSpec strictly decodes a create request: exactly one JSON object, no unknown or
// wrongly cased fields, every field of its type. Errors the client caused are
// *apis.FieldError naming the field (map to 400); a body cut off by the function's body
// limit (http.MaxBytesReader, set by httpx.Chain) returns ErrBodyTooLarge; a failing
// reader returns its error wrapped.
func DecodeSpec(r io.Reader) (*Spec, error) {
	var s Spec
	if err := decodeStrict(r, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// DecodeUpdate decodes an update request like DecodeSpec.
func DecodeUpdate(r io.Reader) (*Update, error) {
	var u Update
	if err := decodeStrict(r, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

func decodeStrict(r io.Reader, v any) error {
	data, err := io.ReadAll(r)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, tooLarge.Limit)
	}
	if err != nil {
		return fmt.Errorf("reading request body: %w", err)
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return apis.ErrGeneric("request body must be a JSON object", apis.CurrentField)
	}
	// encoding/json keeps the last of two equal keys; refuse them instead (jsonx).
	if fe := DuplicateKeyError(data); fe != nil {
		return fe
	}

	// First pass: the object's keys. encoding/json matches field names case-insensitively,
	// so "Team" or "TEAM" would pass DisallowUnknownFields; a strict API says which key
	// it did not expect instead.
	var raw map[string]json.RawMessage
	if err := decodeOne(data, &raw); err != nil {
		return err
	}
	known := jsonFieldNames(reflect.TypeOf(v).Elem())
	var unknown []string
	for k := range raw {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		fe := apis.ErrDisallowedFields(unknown...)
		fe.Details = "unknown field; field names are case-sensitive"
		return fe
	}

	// Second pass: the typed decode, with DisallowUnknownFields as a second line of defence.
	return decodeOne(data, v)
}

// DuplicateKeyError is a FieldError naming the first key that appears twice in one object of
// data (jsonx.CheckDuplicateKeys), nil when none does.
func DuplicateKeyError(data []byte) *apis.FieldError {
	var dup *jsonx.DuplicateKeyError
	if errors.As(jsonx.CheckDuplicateKeys(data), &dup) {
		fe := apis.ErrGeneric("duplicate key: a key may appear only once in an object", dup.Path)
		return fe
	}
	return nil
}

// decodeOne decodes exactly one JSON value from data into v.
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return apis.ErrGeneric("request body must hold exactly one JSON value", apis.CurrentField)
	}
	return nil
}

// jsonError turns an encoding/json error into a FieldError naming the field.
func jsonError(err error) *apis.FieldError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = apis.CurrentField
		}
		return apis.ErrGeneric(fmt.Sprintf("expected %s, got JSON %s", jsonKind(typeErr.Type), typeErr.Value), field)
	case errors.As(err, &syntaxErr):
		return apis.ErrGeneric(fmt.Sprintf("invalid JSON at byte %d: %v", syntaxErr.Offset, err), apis.CurrentField)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apis.ErrGeneric("invalid JSON: unexpected end of input", apis.CurrentField)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apis.ErrDisallowedFields(name)
	default:
		return apis.ErrGeneric("invalid JSON: "+err.Error(), apis.CurrentField)
	}
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "a "), "an ") + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "a number"
	}
}

// jsonFieldNames returns the JSON names of a struct type's fields.
func jsonFieldNames(t reflect.Type) map[string]bool {
	names := map[string]bool{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	return names
}
