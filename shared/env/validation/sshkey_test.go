package validation

import (
	"strings"
	"testing"
)

func TestCheckAuthorizedKey(t *testing.T) {
	sk := "sk-ssh-ed25519@openssh.com"
	skECDSA := "sk-ecdsa-sha2-nistp256@openssh.com"
	tests := []struct {
		name, key string
		wantErr   string // "" means valid
	}{
		{"ed25519", testKeyEd25519, ""},
		{"ed25519 without comment", strings.TrimSuffix(testKeyEd25519, " test@devenvs"), ""},
		{"rsa 2048", testKeyRSA2048, ""},
		{"ecdsa p256", testKeyP256, ""},
		{"ecdsa p384", testKeyP384, ""},
		{"ecdsa p521", testKeyP521, ""},
		{"sk ed25519", wireKey(sk, []byte(sk), bytesOf(32, 7), []byte("ssh:")), ""},
		{"sk ecdsa", wireKey(skECDSA, []byte(skECDSA), []byte("nistp256"), bytesOf(65, 4), []byte("ssh:")), ""},
		{"tab separated", strings.ReplaceAll(testKeyEd25519, " ", "\t"), ""},

		{"rsa 1024", testKeyRSA1024, "RSA key has 1024 bits, want at least 2048"},
		{"empty", "", `expected "<type> <base64> [comment]"`},
		{"type only", "ssh-ed25519", `expected "<type> <base64> [comment]"`},
		{"options prefix", `command="id" ` + testKeyEd25519, `unsupported key type "command=\"id\""`},
		{"dsa", "ssh-dss AAAAB3NzaC1kc3M=", `unsupported key type "ssh-dss"`},
		{"second line", testKeyEd25519 + "\n" + testKeyP256, "must be a single line without control characters"},
		{"carriage return", testKeyEd25519 + "\r", "must be a single line without control characters"},
		{"not base64", "ssh-ed25519 !!!!", "key data is not base64"},
		{"type mismatch", "ssh-rsa " + strings.Fields(testKeyEd25519)[1], "key data is not a ssh-rsa key"},
		{"truncated", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKC+", "key data is truncated"},
		{"extra field", wireKey("ssh-ed25519", []byte("ssh-ed25519"), bytesOf(32, 1), []byte("x")), "ssh-ed25519 key data has 2 fields, want 1"},
		{"short ed25519", wireKey("ssh-ed25519", []byte("ssh-ed25519"), bytesOf(31, 1)), "ed25519 key is 31 bytes, want 32"},
		{"wrong curve", wireKey("ecdsa-sha2-nistp384", []byte("ecdsa-sha2-nistp384"), []byte("nistp256"), bytesOf(65, 4)), `curve "nistp256" does not match key type ecdsa-sha2-nistp384`},
		{"curve prefix", wireKey("ecdsa-sha2-nistp256", []byte("ecdsa-sha2-nistp256"), []byte("nistp2"), bytesOf(65, 4)), `curve "nistp2" does not match`},
		{"openssh private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----", "this is a private key"},
		{"pem private key line", "-----BEGIN RSA PRIVATE KEY-----", "this is a private key"},
		{"openssh private key body line", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", "this is a private key"},
		{"putty key", "PuTTY-User-Key-File-3: ssh-ed25519", "this is a private key"},
		{"too long", testKeyEd25519 + " " + strings.Repeat("c", 9000), "longer than 8192 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkAuthorizedKey(tc.key)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("checkAuthorizedKey() = %v, want valid", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("checkAuthorizedKey() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestMpintBits(t *testing.T) {
	tests := []struct {
		in   []byte
		want int
	}{
		{nil, 0},
		{[]byte{0, 0}, 0},
		{[]byte{1}, 1},
		{[]byte{0, 0x80, 0}, 16},
		{append([]byte{0x7f}, bytesOf(255, 0xff)...), 2047},
	}
	for _, tc := range tests {
		if got := mpintBits(tc.in); got != tc.want {
			t.Errorf("mpintBits(% x) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
