package web

import (
	"testing"

	"github.com/gorilla/securecookie"
)

// A session cookie carries its token as it is; one written before, with the
// token gob-encoded, still signs its holder in; anything else is refused.
func TestSessionCookieCodecs(t *testing.T) {
	keys := [][]byte{securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32)}
	st := newDBStore(nil, keys)
	const token = "Abc-123_xyzABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg"

	fresh, err := securecookie.EncodeMulti(CookieName, token, st.codecs...)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := securecookie.New(keys[0], keys[1]).Encode(CookieName, token) // gob, as before
	if err != nil {
		t.Fatal(err)
	}
	for name, cookie := range map[string]string{"fresh": fresh, "legacy gob": legacy} {
		var got string
		if err := securecookie.DecodeMulti(CookieName, cookie, &got, st.codecs...); err != nil || got != token {
			t.Errorf("%s cookie decodes to %q, %v; want %q", name, got, err, token)
		}
	}
	if len(fresh) >= len(legacy) {
		t.Errorf("the fresh cookie (%d bytes) is not shorter than the gob one (%d)", len(fresh), len(legacy))
	}

	// Signed with the right keys but holding something else than a token.
	odd, err := securecookie.New(keys[0], keys[1]).SetSerializer(securecookie.JSONEncoder{}).Encode(CookieName, "not a token!")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := securecookie.DecodeMulti(CookieName, odd, &got, st.codecs...); err == nil {
		t.Errorf("a cookie holding %q was accepted", got)
	}
	forged, _ := securecookie.New(securecookie.GenerateRandomKey(32), keys[1]).Encode(CookieName, token)
	if err := securecookie.DecodeMulti(CookieName, forged, &got, st.codecs...); err == nil {
		t.Error("a cookie signed with another key was accepted")
	}
}
