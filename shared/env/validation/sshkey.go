package validation

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// maxKeyLineBytes is far above a 16384-bit RSA key (about 2.8 KB) and keeps the
// authorized_keys Secret small.
const maxKeyLineBytes = 8192

// minRSABits follows current guidance; OpenSSH itself refuses keys under 1024 bits.
const minRSABits = 2048

// keyFields is how many length-prefixed fields follow the type name in each key type's
// wire encoding (RFC 4253, RFC 5656, RFC 8709, OpenSSH PROTOCOL.u2f).
var keyFields = map[string]int{
	"ssh-ed25519":                        1, // key
	"ssh-rsa":                            2, // e, n
	"ecdsa-sha2-nistp256":                2, // curve, point
	"ecdsa-sha2-nistp384":                2,
	"ecdsa-sha2-nistp521":                2,
	"sk-ssh-ed25519@openssh.com":         2, // key, application
	"sk-ecdsa-sha2-nistp256@openssh.com": 3, // curve, point, application
}

// ErrPrivateKey refuses a private key pasted where a public key belongs. Its text never
// includes the key: error bodies and logs must not carry it.
var ErrPrivateKey = errors.New("this is a private key, which must never leave your computer: " +
	"paste the public key instead, the contents of ~/.ssh/id_ed25519.pub (not ~/.ssh/id_ed25519)")

// privateMarkers appear in every common private key format: PEM and OpenSSH armour
// ("-----BEGIN OPENSSH PRIVATE KEY-----"), PuTTY's .ppk header, and the base64 of
// "openssh-key-v1" that starts an OpenSSH key's body when only the body lines were pasted.
var privateMarkers = []string{"PRIVATE KEY", "PuTTY-User-Key-File", "b3BlbnNzaC1rZXktdjE"}

// LooksPrivate reports whether text holds (part of) a private key.
func LooksPrivate(text string) bool {
	for _, m := range privateMarkers {
		if strings.Contains(text, m) {
			return true
		}
	}
	return false
}

// checkAuthorizedKey accepts one authorized_keys line of the form "type base64 [comment]"
// without options. It decodes the key blob and checks its structure by hand instead of
// pulling in golang.org/x/crypto/ssh: the blob must name the same type as the line, hold
// exactly that type's fields, and for ed25519/ECDSA/RSA the fields must be plausible.
// A line with a newline is rejected first, since it could smuggle a second key with
// options into authorized_keys.
func checkAuthorizedKey(line string) error {
	if LooksPrivate(line) {
		return ErrPrivateKey
	}
	if len(line) > maxKeyLineBytes {
		return fmt.Errorf("longer than %d bytes", maxKeyLineBytes)
	}
	if strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
		return errors.New("must be a single line without control characters")
	}
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return errors.New(`expected "<type> <base64> [comment]"`)
	}
	typ := fields[0]
	want, known := keyFields[typ]
	if !known {
		return fmt.Errorf("unsupported key type %q", typ)
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return fmt.Errorf("key data is not base64: %w", err)
	}
	parts, err := splitWire(blob)
	if err != nil {
		return err
	}
	if len(parts) == 0 || string(parts[0]) != typ {
		return fmt.Errorf("key data is not a %s key", typ)
	}
	parts = parts[1:]
	if len(parts) != want {
		return fmt.Errorf("%s key data has %d fields, want %d", typ, len(parts), want)
	}
	switch {
	case typ == "ssh-ed25519" || typ == "sk-ssh-ed25519@openssh.com":
		if len(parts[0]) != 32 {
			return fmt.Errorf("ed25519 key is %d bytes, want 32", len(parts[0]))
		}
	case typ == "ssh-rsa":
		if bits := mpintBits(parts[1]); bits < minRSABits {
			return fmt.Errorf("RSA key has %d bits, want at least %d", bits, minRSABits)
		}
	default: // ECDSA: the curve field repeats the curve in the type name.
		want := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(typ, "sk-"), "ecdsa-sha2-"), "@openssh.com")
		if curve := string(parts[0]); curve != want {
			return fmt.Errorf("curve %q does not match key type %s", curve, typ)
		}
	}
	return nil
}

// splitWire splits an SSH wire-format blob into its uint32-length-prefixed fields and
// fails unless they cover the blob exactly.
func splitWire(b []byte) ([][]byte, error) {
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errors.New("key data is truncated")
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, errors.New("key data is truncated")
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out, nil
}

// mpintBits is the bit length of a positive SSH mpint (big-endian, possibly with a
// leading zero byte that keeps the sign bit clear).
func mpintBits(m []byte) int {
	for len(m) > 0 && m[0] == 0 {
		m = m[1:]
	}
	if len(m) == 0 {
		return 0
	}
	bits := 8 * (len(m) - 1)
	for top := m[0]; top != 0; top >>= 1 {
		bits++
	}
	return bits
}
