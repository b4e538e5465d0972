//! The lexer of Go's `text/template`: text, actions between `{{` and `}}`, trim markers
//! (`{{- ` and ` -}}` with any of space, tab, CR or LF beside the dash), comments (`{{/* */}}`),
//! and the tokens inside actions. It follows the semantics of Go's `text/template/parse` lexer
//! (including its error messages) so parse errors read as Helm's do.

/// The kind of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A lexing error; the token's text is the message.
    Error,
    /// `true` or `false`.
    Bool,
    /// A printable ASCII character with no other meaning (such as `,`).
    Char,
    /// A character constant such as `'a'`.
    CharConstant,
    /// A complex constant such as `1+2i`.
    Complex,
    /// `=`.
    Assign,
    /// `:=`.
    Declare,
    /// End of input.
    Eof,
    /// `.Name` (a field, without further dots).
    Field,
    /// A function name or other identifier.
    Identifier,
    /// `{{`.
    LeftDelim,
    /// `(`.
    LeftParen,
    /// A number.
    Number,
    /// `|`.
    Pipe,
    /// A raw string with its backquotes.
    RawString,
    /// `}}`.
    RightDelim,
    /// `)`.
    RightParen,
    /// A run of spaces inside an action.
    Space,
    /// A quoted string with its quotes.
    String,
    /// Text outside actions.
    Text,
    /// `$` or `$name`.
    Variable,
    /// A comment (with its delimiters); only kept when asked for.
    Comment,
    /// The keyword `block`.
    Block,
    /// The keyword `break`.
    Break,
    /// The keyword `continue`.
    Continue,
    /// `.` alone.
    Dot,
    /// The keyword `define`.
    Define,
    /// The keyword `else`.
    Else,
    /// The keyword `end`.
    End,
    /// The keyword `if`.
    If,
    /// The keyword `nil`.
    Nil,
    /// The keyword `range`.
    Range,
    /// The keyword `template`.
    Template,
    /// The keyword `with`.
    With,
}

impl TokenKind {
    /// Whether the token is a keyword (printed as `<word>` in error messages).
    pub fn is_keyword(self) -> bool {
        matches!(
            self,
            TokenKind::Block
                | TokenKind::Break
                | TokenKind::Continue
                | TokenKind::Dot
                | TokenKind::Define
                | TokenKind::Else
                | TokenKind::End
                | TokenKind::If
                | TokenKind::Nil
                | TokenKind::Range
                | TokenKind::Template
                | TokenKind::With
        )
    }
}

/// A token: its kind, its byte offset in the template text, its text and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// The kind.
    pub kind: TokenKind,
    /// Byte offset of the start.
    pub pos: usize,
    /// The text (the message for errors).
    pub text: std::borrow::Cow<'a, str>,
    /// 1-based line of the start.
    pub line: usize,
}

impl std::fmt::Display for Token<'_> {
    /// Tokens as Go prints them in parse errors: `EOF`, keywords as `<if>`, others quoted
    /// (long ones cut after ten characters).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            TokenKind::Eof => write!(f, "EOF"),
            TokenKind::Error => write!(f, "{}", self.text),
            k if k.is_keyword() => write!(f, "<{}>", self.text),
            _ if self.text.chars().count() > 10 => {
                let head: String = self.text.chars().take(10).collect();
                write!(f, "{}...", go_quote(&head))
            }
            _ => write!(f, "{}", go_quote(&self.text)),
        }
    }
}

/// Go's `strconv.Quote` (the `%q` of a string), used by parse errors and `printf`.
pub use super::gostr::quote as go_quote;

const LEFT_DELIM: &str = "{{";

/// Where the next `{{` starts: a byte search for `{` (memchr) beats a substring search on
/// template text, where braces are rare.
fn find_left_delim(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes[from..].iter().position(|&b| b == b'{') {
        let at = from + i;
        if bytes.get(at + 1) == Some(&b'{') {
            return Some(at);
        }
        from = at + 1;
    }
    None
}
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

/// `{{- ` : a dash followed by a space character.
fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

/// ` -}}` : a space character followed by a dash.
fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

fn keyword(word: &str) -> Option<TokenKind> {
    Some(match word {
        "." => TokenKind::Dot,
        "block" => TokenKind::Block,
        "break" => TokenKind::Break,
        "continue" => TokenKind::Continue,
        "define" => TokenKind::Define,
        "else" => TokenKind::Else,
        "end" => TokenKind::End,
        "if" => TokenKind::If,
        "range" => TokenKind::Range,
        "nil" => TokenKind::Nil,
        "template" => TokenKind::Template,
        "with" => TokenKind::With,
        _ => return None,
    })
}

/// Splits a template into tokens, ending with `Eof` or `Error`.
pub fn lex(input: &str, keep_comments: bool) -> Vec<Token<'_>> {
    let mut l = Lexer {
        input,
        pos: 0,
        start: 0,
        line: 1,
        start_line: 1,
        paren_depth: 0,
        // templates average a token per dozen bytes or so; growing from empty costs copies
        tokens: Vec::with_capacity(input.len() / 12 + 4),
        keep_comments,
    };
    l.run();
    l.tokens
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    line: usize,
    start_line: usize,
    paren_depth: i32,
    tokens: Vec<Token<'a>>,
    keep_comments: bool,
}

#[derive(Clone, Copy)]
enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Done,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn backup(&mut self, c: char) {
        self.pos -= c.len_utf8();
        if c == '\n' {
            self.line -= 1;
        }
    }

    fn emit(&mut self, kind: TokenKind) {
        let text = &self.input[self.start..self.pos];
        self.tokens.push(Token {
            kind,
            pos: self.start,
            text: text.into(),
            line: self.start_line,
        });
        self.ignore();
    }

    fn ignore(&mut self) {
        // lines are counted for everything skipped or emitted
        self.line = self.start_line
            + self.input.as_bytes()[self.start..self.pos]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
        self.start = self.pos;
        self.start_line = self.line;
    }

    fn error(&mut self, message: String) -> State {
        self.tokens.push(Token {
            kind: TokenKind::Error,
            pos: self.start,
            text: message.into(),
            line: self.start_line,
        });
        State::Done
    }

    fn run(&mut self) {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Done => return,
            };
        }
    }

    fn lex_text(&mut self) -> State {
        match find_left_delim(self.rest()) {
            Some(x) => {
                let delim_at = self.pos + x;
                let after = &self.input[delim_at + LEFT_DELIM.len()..];
                let mut end = delim_at;
                if has_left_trim_marker(after) {
                    let text = &self.input[self.start..delim_at];
                    end = self.start + text.trim_end_matches(is_space).len();
                }
                self.pos = end;
                if self.pos > self.start {
                    self.emit(TokenKind::Text);
                }
                self.pos = delim_at;
                self.ignore();
                State::LeftDelim
            }
            None => {
                self.pos = self.input.len();
                if self.pos > self.start {
                    self.emit(TokenKind::Text);
                }
                self.emit(TokenKind::Eof);
                State::Done
            }
        }
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest) && rest[2..].starts_with(RIGHT_DELIM) {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM), false)
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { 2 } else { 0 };
        if self.input[self.pos + after_marker..].starts_with(LEFT_COMMENT) {
            self.pos += after_marker;
            self.ignore();
            return State::Comment;
        }
        self.emit(TokenKind::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.paren_depth = 0;
        State::InsideAction
    }

    fn lex_comment(&mut self) -> State {
        self.pos += LEFT_COMMENT.len();
        let Some(i) = self.rest().find(RIGHT_COMMENT) else {
            return self.error("unclosed comment".into());
        };
        self.pos += i + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if self.keep_comments {
            self.emit(TokenKind::Comment);
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT_DELIM.len();
        if trim {
            self.skip_space();
        }
        self.ignore();
        State::Text
    }

    /// Skips the space a trim marker removes after a right delimiter.
    fn skip_space(&mut self) {
        self.pos += self.rest().len() - self.rest().trim_start_matches(is_space).len();
    }

    fn scan_alphanumeric(&mut self) {
        // identifiers are almost always ASCII: skip those bytes without decoding characters
        let ascii = self.input.as_bytes()[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count();
        self.pos += ascii;
        while self.peek().is_some_and(is_alphanumeric) {
            self.next();
        }
    }

    fn lex_right_delim(&mut self) -> State {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += RIGHT_DELIM.len();
        self.emit(TokenKind::RightDelim);
        if trim {
            self.skip_space();
            self.ignore();
        }
        State::Text
    }

    fn lex_inside_action(&mut self) -> State {
        let (delim, _) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return State::RightDelim;
            }
            return self.error("unclosed left paren".into());
        }
        let Some(c) = self.next() else {
            return self.error("unclosed action".into());
        };
        match c {
            c if is_space(c) => {
                self.backup(c);
                return self.lex_space();
            }
            '=' => self.emit(TokenKind::Assign),
            ':' => {
                if self.next() != Some('=') {
                    return self.error("expected :=".into());
                }
                self.emit(TokenKind::Declare);
            }
            '|' => self.emit(TokenKind::Pipe),
            '"' => return self.lex_quote(),
            '`' => return self.lex_raw_quote(),
            '$' => return self.lex_variable(),
            '\'' => return self.lex_char(),
            '.' => {
                if self.peek().is_some_and(|n| !n.is_ascii_digit()) {
                    return self.lex_field_or_variable(TokenKind::Field);
                }
                self.backup('.');
                return self.lex_number();
            }
            '+' | '-' | '0'..='9' => {
                self.backup(c);
                return self.lex_number();
            }
            c if is_alphanumeric(c) => {
                self.backup(c);
                return self.lex_identifier();
            }
            '(' => {
                self.emit(TokenKind::LeftParen);
                self.paren_depth += 1;
            }
            ')' => {
                self.emit(TokenKind::RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error(format!("unexpected right paren {}", go_rune(c)));
                }
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.emit(TokenKind::Char),
            c => return self.error(format!("unrecognized character in action: {}", go_rune(c))),
        }
        State::InsideAction
    }

    fn lex_space(&mut self) -> State {
        let mut spaces = 0;
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.next();
            spaces += 1;
        }
        // a space right before "-}}" belongs to the trim marker
        let before = &self.input[self.pos - 1..];
        if has_right_trim_marker(before) && before[2..].starts_with(RIGHT_DELIM) {
            let last = self.input[..self.pos].chars().next_back().unwrap_or(' ');
            self.backup(last);
            if spaces == 1 {
                return State::InsideAction;
            }
        }
        self.emit(TokenKind::Space);
        State::InsideAction
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(' | '=') => true,
            Some(c) => RIGHT_DELIM.starts_with(c),
        }
    }

    fn lex_identifier(&mut self) -> State {
        self.scan_alphanumeric();
        if !self.at_terminator() {
            let c = self.peek().unwrap_or('\0');
            return self.error(format!("bad character {}", go_rune(c)));
        }
        let word = &self.input[self.start..self.pos];
        let kind = match keyword(word) {
            Some(k) => k,
            None if word == "true" || word == "false" => TokenKind::Bool,
            None => TokenKind::Identifier,
        };
        self.emit(kind);
        State::InsideAction
    }

    fn lex_variable(&mut self) -> State {
        if self.at_terminator() {
            self.emit(TokenKind::Variable);
            return State::InsideAction;
        }
        self.lex_field_or_variable(TokenKind::Variable)
    }

    fn lex_field_or_variable(&mut self, kind: TokenKind) -> State {
        if self.at_terminator() {
            self.emit(if kind == TokenKind::Variable {
                TokenKind::Variable
            } else {
                TokenKind::Dot
            });
            return State::InsideAction;
        }
        self.scan_alphanumeric();
        if !self.at_terminator() {
            let c = self.peek().unwrap_or('\0');
            return self.error(format!("bad character {}", go_rune(c)));
        }
        self.emit(kind);
        State::InsideAction
    }

    /// A quoted literal whose opening quote was read: backslash escapes, no newlines.
    fn lex_quoted(&mut self, quote: char, kind: TokenKind, unterminated: &str) -> State {
        loop {
            match self.next() {
                Some('\\') => match self.next() {
                    Some(c) if c != '\n' => {}
                    _ => return self.error(unterminated.into()),
                },
                None | Some('\n') => return self.error(unterminated.into()),
                Some(c) if c == quote => break,
                Some(_) => {}
            }
        }
        self.emit(kind);
        State::InsideAction
    }

    fn lex_char(&mut self) -> State {
        self.lex_quoted(
            '\'',
            TokenKind::CharConstant,
            "unterminated character constant",
        )
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next();
            return false;
        }
        true
    }

    fn lex_number(&mut self) -> State {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_owned();
            return self.error(format!("bad number syntax: {}", go_quote(&text)));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                let text = self.input[self.start..self.pos].to_owned();
                return self.error(format!("bad number syntax: {}", go_quote(&text)));
            }
            self.emit(TokenKind::Complex);
        } else {
            self.emit(TokenKind::Number);
        }
        State::InsideAction
    }

    fn lex_quote(&mut self) -> State {
        self.lex_quoted('"', TokenKind::String, "unterminated quoted string")
    }

    fn lex_raw_quote(&mut self) -> State {
        loop {
            match self.next() {
                None => return self.error("unterminated raw quoted string".into()),
                Some('`') => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::RawString);
        State::InsideAction
    }
}

/// Go's `%#U` of a rune: `U+0041 'A'`.
pub fn go_rune(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<(TokenKind, std::string::String)> {
        lex(input, false)
            .into_iter()
            .map(|t| (t.kind, t.text.into_owned()))
            .collect()
    }

    use TokenKind::*;

    #[test]
    fn text_and_actions() {
        assert_eq!(
            kinds("a {{ .Values.x | quote }} b"),
            vec![
                (Text, "a ".into()),
                (LeftDelim, "{{".into()),
                (Space, " ".into()),
                (Field, ".Values".into()),
                (Field, ".x".into()),
                (Space, " ".into()),
                (Pipe, "|".into()),
                (Space, " ".into()),
                (Identifier, "quote".into()),
                (Space, " ".into()),
                (RightDelim, "}}".into()),
                (Text, " b".into()),
                (Eof, "".into()),
            ]
        );
    }

    #[test]
    fn trim_markers_eat_surrounding_space_including_newlines() {
        assert_eq!(
            kinds("a  \n {{- 3 -}} \n\t b"),
            vec![
                (Text, "a".into()),
                (LeftDelim, "{{".into()),
                (Number, "3".into()),
                (RightDelim, "}}".into()),
                (Text, "b".into()),
                (Eof, "".into())
            ]
        );
        // "{{-3}}" is a negative number, not a trim marker
        assert_eq!(kinds("{{-3}}")[1], (Number, "-3".into()));
        // a newline after the dash counts as the marker's space
        assert_eq!(kinds("x {{-\n3}}")[0], (Text, "x".into()));
    }

    #[test]
    fn comments_are_dropped_with_their_trim_markers() {
        assert_eq!(
            kinds("a {{- /* hi */ -}} b"),
            vec![(Text, "a".into()), (Text, "b".into()), (Eof, "".into())]
        );
        assert_eq!(kinds("{{/* x */}}")[0].0, Eof);
        assert_eq!(
            kinds("{{/* x */ }}")[0],
            (Error, "comment ends before closing delimiter".into())
        );
        assert_eq!(kinds("{{/* x ")[0], (Error, "unclosed comment".into()));
    }

    #[test]
    fn keywords_variables_and_declarations() {
        let k = kinds("{{ $x := .a }}{{ $x = 1 }}{{ range $i, $v := . }}{{ break }}{{ end }}");
        assert!(
            k.contains(&(Variable, "$x".into()))
                && k.contains(&(Declare, ":=".into()))
                && k.contains(&(Assign, "=".into()))
        );
        assert!(
            k.contains(&(Range, "range".into()))
                && k.contains(&(Break, "break".into()))
                && k.contains(&(Char, ",".into()))
        );
        assert_eq!(kinds("{{ $ }}")[2], (Variable, "$".into()));
        assert_eq!(kinds("{{ . }}")[2], (Dot, ".".into()));
    }

    #[test]
    fn strings_numbers_and_their_errors() {
        assert_eq!(kinds(r#"{{ "a\"b" }}"#)[2], (String, r#""a\"b""#.into()));
        assert_eq!(
            kinds("{{ `raw\nline` }}")[2],
            (RawString, "`raw\nline`".into())
        );
        for n in [
            "1", "-1.5", "1e6", "0x1F", "0o17", "0b101", "1_000", ".5", "0x1p-2",
        ] {
            assert_eq!(
                kinds(&format!("{{{{ {n} }}}}"))[2],
                (Number, n.into()),
                "{n}"
            );
        }
        assert_eq!(kinds("{{ 1+2i }}")[2].0, Complex);
        let last = |s: &str| kinds(s).pop().unwrap();
        assert_eq!(
            last(r#"{{ "abc }}"#),
            (Error, "unterminated quoted string".into())
        );
        assert_eq!(
            last("{{ 3x }}"),
            (Error, "bad number syntax: \"3x\"".into())
        );
        assert_eq!(last("{{ .a"), (Error, "unclosed action".into()));
        assert_eq!(last("{{ ( 1 }}"), (Error, "unclosed left paren".into()));
        assert_eq!(
            last("{{ ) }}"),
            (Error, "unexpected right paren U+0029 ')'".into())
        );
    }

    #[test]
    fn lines_are_tracked_for_error_messages() {
        let tokens = lex("a\nb\n{{ x\n y }}", false);
        let x = tokens.iter().find(|t| t.text == "x").unwrap();
        let y = tokens.iter().find(|t| t.text == "y").unwrap();
        assert_eq!((x.line, y.line), (3, 4));
    }
}
