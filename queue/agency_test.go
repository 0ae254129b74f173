package queue

import (
	"errors"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"b1","items":[]}`)
	sig := Sign("s3cret", now, body)
	tests := []struct {
		name           string
		secret, header string
		body           []byte
		at             time.Time
		ok             bool
	}{
		{"as signed", "s3cret", sig, body, now, true},
		{"four minutes later", "s3cret", sig, body, now.Add(4 * time.Minute), true},
		{"a replay six minutes later", "s3cret", sig, body, now.Add(6 * time.Minute), false},
		{"from the future", "s3cret", sig, body, now.Add(-6 * time.Minute), false},
		{"another secret", "other", sig, body, now, false},
		{"a changed body", "s3cret", sig, []byte(`{"id":"b2","items":[]}`), now, false},
		{"no signature", "s3cret", "", body, now, false},
		{"garbage", "s3cret", "t=abc,v1=zz", body, now, false},
	}
	for _, tt := range tests {
		err := Verify(tt.secret, tt.header, tt.body, tt.at)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadSignature)) {
			t.Errorf("%s: Verify = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
