//! Go's `strconv` quoting, shared by every message the engine words as Go does: `Quote` (the
//! `%q` of a string, with invalid UTF-8 bytes as `\xNN`), `QuoteRune`, and `IsPrint` with Go's
//! own character tables (Unicode 15, as Helm v4.2.3's Go has them).

use std::fmt::Write;

/// Go's `strconv.IsPrint`.
pub fn is_print(c: char) -> bool {
    super::funcs::strings::is_print(c)
}

fn quote_char_into(out: &mut String, c: char, quote: char) {
    match c {
        c if c == quote || c == '\\' => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Go's `strconv.Quote`.
pub fn quote(text: &str) -> String {
    quote_bytes(text.as_bytes())
}

/// Go's `strconv.Quote` of a byte string: bytes that are not UTF-8 as `\xNN`.
pub fn quote_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            quote_char_into(&mut out, c, '"');
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.QuoteRune` (the `%q` of a rune).
pub fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    quote_char_into(&mut out, c, '\'');
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_follows_strconv() {
        assert_eq!(
            quote("a\"b\\c\n\t\u{7}\u{1}\u{7f}é\u{200b}😀"),
            "\"a\\\"b\\\\c\\n\\t\\a\\x01\\x7fé\\u200b😀\""
        );
        assert_eq!(quote_bytes(b"a\xffb"), "\"a\\xffb\"");
        assert_eq!(quote_rune('\''), "'\\''");
        assert_eq!(quote_rune('"'), "'\"'");
        assert_eq!(quote_rune('\u{0}'), "'\\x00'");
    }
}
