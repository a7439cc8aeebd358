package validation

import (
	"encoding/base64"
	"encoding/binary"
)

// Real keys made with ssh-keygen, so the hand-written parser is checked against the tool.
const (
	testKeyEd25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKC+umrKFyw4R09J8gWS0CR/SdQ7SdEhD9f2T2ZPY5bZ test@devenvs"
	testKeyRSA2048 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDOGN8DvCIh/tx2/fJxn/467qi+BSAbfGh7PW6KWarrj8U6xL/ByHKfwCjuVv9sz4/3WQk/DakFzx+ier/AiOQyZQDRZozW2hTZPoNfhcueQfpXiK3ueFPYaGN+dkkMKoB7YDpTn4q2jQ5qP/RjP/xZqWLb4TKJoM6YIjue2iyxWutkpuXVjjpGI/qNhVCFymjgbm+tf8ENDT7rIOJa862N7BQyfW0DmeA7B26ImsTF3Z9JAzHd48rN7NHSaf7hVnOX/2OcA4YI3p3w9CO3SGgsmGntuGyB5KrqGyWtBlqp+0WA98xF7PlKEh3i2080Acj8YoGV1kqMMzOGFU4FjSXN test@devenvs"
	testKeyRSA1024 = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDWFWr/WsxlBFO4r4YPLPVVYEWvjsofntUIBoC1Xj2D+Gb2L8YTmLgFAZ++TYJd6iHOXX61HxRs0MTDydpj37FWIz9Leem6+0n8/SxPSjhDmK7j0HHPpx2tKsLNiB9cB1ZEZXe4zPrFJaVPG4/tRbxlrlE2BNXm7okdtzIxyMe4rQ== test@devenvs"
	testKeyP256    = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCnZQTWaAJGF+tjY6KDHh7Ja1WE+ib+EPzYPG7ht/184M1Hr+YFI4XMg1TTmVtdsfde1fpUExUnZK2fVsNXCFBM= test@devenvs"
	testKeyP384    = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBP+00d5x1yK2d4rXErtiLbnsDYjmb1jJ/sQdWmHD41CyRZ1ZtK391dorBma5DWQunMVrtUNuYlGCRMqOpX/YUZt5twHVEvtKDpSgCYAalGWNmdLbadp/TXvCK9nwb6KhCw== test@devenvs"
	testKeyP521    = "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAGpG1i2mryZYQCHbuW0jpVHUfKuqCA949+vq8OX3cxkMC4QY8VmKBZiN5+WNn+XW4bLQ+7gaMUjjWrns9isLhYjPQDzPtw7XxMDEqB3Ie1zV5aTolQpsy5L9oJXJjvcojUnR8IwztgfCEm98i13JeLIMvA9Wa7lv1q9fC78P+khkGtejw== test@devenvs"
)

// wireKey builds "<typ> <base64 of the wire fields>" for cases ssh-keygen cannot make
// without hardware (sk- keys) or will not make at all (malformed blobs).
func wireKey(typ string, fields ...[]byte) string {
	var blob []byte
	for _, f := range fields {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(f)))
		blob = append(blob, f...)
	}
	return typ + " " + base64.StdEncoding.EncodeToString(blob)
}

func bytesOf(n int, b byte) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}
