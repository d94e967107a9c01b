package handlers

import (
	"reflect"
	"testing"

	"github.com/gorilla/securecookie"
)

// The session values round-trip, and a cookie gob wrote before the
// change still opens the session.
func TestSessionSerializer(t *testing.T) {
	values := map[any]any{"sid": "abc", "c": int64(7), "d": int64(-9007199254740993), "l": int64(0),
		"t0": int64(1763900000), "ts": int64(1763900060), "su": true, "lang": "", "as": int64(42), "x": false}
	hashKey, blockKey := securecookie.GenerateRandomKey(64), securecookie.GenerateRandomKey(32)
	ours := securecookie.New(hashKey, blockKey).SetSerializer(sessionSerializer{})
	enc, err := ours.Encode("settle_session", values)
	if err != nil {
		t.Fatal(err)
	}
	got := map[any]any{}
	if err := ours.Decode("settle_session", enc, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, values) {
		t.Errorf("round trip:\n got %v\nwant %v", got, values)
	}

	old := securecookie.New(hashKey, blockKey) // gob, as before
	encOld, err := old.Encode("settle_session", values)
	if err != nil {
		t.Fatal(err)
	}
	got = map[any]any{}
	if err := ours.Decode("settle_session", encOld, &got); err != nil {
		t.Fatalf("a gob cookie from before: %v", err)
	}
	if !reflect.DeepEqual(got, values) {
		t.Errorf("gob cookie:\n got %v\nwant %v", got, values)
	}

	// What the serializer cannot hold is refused, not dropped.
	if _, err := (sessionSerializer{}).Serialize(map[any]any{"f": 1.5}); err == nil {
		t.Error("a float64 value was serialized")
	}
	if _, err := (sessionSerializer{}).Serialize(map[any]any{1: "x"}); err == nil {
		t.Error("a non-string key was serialized")
	}
	// Malformed values (only possible with the keys) fail cleanly.
	good, _ := (sessionSerializer{}).Serialize(values)
	for i := len(sessionMagic); i < len(good); i++ {
		for _, b := range [][]byte{good[:i], append(append([]byte(nil), good[:i]...), 0xff, 0xff, 0xff)} {
			m := map[any]any{}
			_ = (sessionSerializer{}).Deserialize(b, &m) // must not panic
		}
	}
	m := map[any]any{}
	if err := (sessionSerializer{}).Deserialize(append(append([]byte(nil), sessionMagic...), 1, 'k', 'z'), &m); err == nil {
		t.Error("an unknown type byte was accepted")
	}
}

func BenchmarkSessionDecode(b *testing.B) {
	values := map[any]any{"sid": "0123456789abcdef0123456789abcdef", "c": int64(7), "d": int64(123456), "l": int64(99),
		"t0": int64(1763900000), "ts": int64(1763900060), "su": true, "lang": "de"}
	hashKey, blockKey := securecookie.GenerateRandomKey(64), securecookie.GenerateRandomKey(32)
	for _, tc := range []struct {
		name  string
		codec *securecookie.SecureCookie
	}{{"gob", securecookie.New(hashKey, blockKey)}, {"settle", securecookie.New(hashKey, blockKey).SetSerializer(sessionSerializer{})}} {
		enc, _ := tc.codec.Encode("s", values)
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				m := map[any]any{}
				if err := tc.codec.Decode("s", enc, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
