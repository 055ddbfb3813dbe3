package text

import "unicode/utf8"

// Visible returns s with its control characters made visible: C0 controls other than tab,
// newline and carriage return, DEL and the C1 controls (U+0080–U+009F) become Go escapes such as
// \u0000 and \u001b, and bytes that are not UTF-8 become \xNN. Everything else, backslashes
// included, is left as it is. Text without such characters is returned unchanged, without
// copying.
func Visible(s string) string {
	i := firstControl(s)
	if i < 0 {
		return s
	}
	return string(appendVisible(append(make([]byte, 0, len(s)+16), s[:i]...), s[i:]))
}

// VisibleBytes is Visible for a byte slice. It returns b itself when b holds no control
// character, and a new slice otherwise.
func VisibleBytes(b []byte) []byte {
	i := firstControl(b)
	if i < 0 {
		return b
	}
	return appendVisible(append(make([]byte, 0, len(b)+16), b[:i]...), b[i:])
}

// firstControl returns the index of the first character Visible changes, or -1.
func firstControl[S ~string | ~[]byte](s S) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isControlByte(c) {
				return i
			}
			i++
			continue
		}
		r, size := decode(s[i:])
		if r == utf8.RuneError && size == 1 || isC1(r) {
			return i
		}
		i += size
	}
	return -1
}

// appendVisible appends s to dst with its control characters escaped.
func appendVisible[S ~string | ~[]byte](dst []byte, s S) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if isControlByte(c) {
				dst = appendEscape(dst, rune(c))
			} else {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := decode(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\x`...)
			dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
		case isC1(r):
			dst = appendEscape(dst, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendEscape appends \u00XX for a control character r (r < 0x100).
func appendEscape(dst []byte, r rune) []byte {
	dst = append(dst, `\u00`...)
	return append(dst, hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// isControlByte reports an ASCII control character other than tab, newline and carriage return.
func isControlByte(c byte) bool {
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f
}

func isC1(r rune) bool { return r >= 0x80 && r <= 0x9f }

// decode is utf8.DecodeRune for either a string or a byte slice, without copying a string.
func decode[S ~string | ~[]byte](s S) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	// A type defined on string or []byte: copy at most one rune.
	n := min(len(s), utf8.UTFMax)
	return utf8.DecodeRune([]byte(string(s[:n])))
}
