package eventlog

import (
	"fmt"
	"testing"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		want    string
		wantErr bool
	}{
		{name: "no url falls back to memory", url: "", want: "*eventlog.MemoryLog"},
		{name: "redis url", url: "redis://127.0.0.1:6390/0", want: "*eventlog.RedisLog"},
		{name: "bad scheme", url: "http://127.0.0.1:6390", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.url)
			if (err != nil) != tt.wantErr {
				t.Fatalf("New(%q) error = %v, wantErr %v", tt.url, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer l.Close()
			if got := fmt.Sprintf("%T", l); got != tt.want {
				t.Errorf("New(%q) = %s, want %s", tt.url, got, tt.want)
			}
		})
	}
}

func TestNewRedisRejectsBadOptions(t *testing.T) {
	for _, opt := range []Option{WithStream(""), WithMaxLen(0)} {
		if _, err := NewRedis("redis://127.0.0.1:6390/0", opt); err == nil {
			t.Error("want error for invalid option, got nil")
		}
	}
}
