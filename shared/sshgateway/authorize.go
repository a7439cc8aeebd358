package sshgateway

import (
	"bytes"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Key is an authorized key that matched: its fingerprint and the comment it was listed
// with (usually who it belongs to, e.g. alice@laptop), for the activity log.
type Key struct {
	Fingerprint string
	Comment     string
	public      ssh.PublicKey
}

// Owner is how the activity log names the key's holder: its comment when it has one.
func (k Key) Owner() string {
	if k.Comment != "" {
		return k.Comment
	}
	return k.Fingerprint
}

// Authorize reports whether offered is one of the keys in an authorized_keys file. Lines
// that do not parse, and keys restricted with options (which the gateway cannot honour on
// the environment's behalf, e.g. from= or command=), never match.
func Authorize(authorizedKeys []byte, offered ssh.PublicKey) (Key, bool) {
	want := offered.Marshal()
	rest := authorizedKeys
	for len(rest) > 0 {
		key, comment, options, next, err := ssh.ParseAuthorizedKey(rest)
		if err != nil {
			break // ParseAuthorizedKey skips bad lines itself; err means none was left
		}
		rest = next
		if len(options) == 0 && bytes.Equal(key.Marshal(), want) {
			return Key{Fingerprint: ssh.FingerprintSHA256(key), Comment: strings.TrimSpace(comment)}, true
		}
	}
	return Key{}, false
}
