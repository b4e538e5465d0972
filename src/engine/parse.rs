//! The parser of Go's `text/template`: turns tokens into a tree of nodes with byte positions,
//! collects `define`d and `block` templates, checks variables and function names at parse time,
//! and reports errors the way Go does (`template: NAME:LINE: message`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::lex::{Token, TokenKind, go_quote, lex};

/// A parse error, formatted as Go's `template: NAME:LINE: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template: {name}:{line}: {message}")]
pub struct ParseError {
    /// The template's name.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// A number literal with every interpretation Go keeps for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    /// The literal as written.
    pub text: String,
    /// As a signed integer, when it is one.
    pub int: Option<i64>,
    /// As an unsigned integer, when it is one.
    pub uint: Option<u64>,
    /// As a float, when it is one (integers are floats too).
    pub float: Option<f64>,
    /// Whether it was written as a character constant.
    pub is_char: bool,
    /// A complex constant as (real, imaginary).
    pub complex: Option<(f64, f64)>,
}

/// An operand of a command.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `.` (the cursor).
    Dot(usize),
    /// `nil`.
    Nil(usize),
    /// `true` or `false`.
    Bool(usize, bool),
    /// A number.
    Number(usize, Number),
    /// A string (its value, unquoted).
    String(usize, String, String),
    /// `.A.B.C`.
    Field(usize, Vec<String>),
    /// `$x.A.B` (the first element is the variable name with its `$`).
    Variable(usize, Vec<String>),
    /// A function name.
    Identifier(usize, String),
    /// `(pipeline).A.B` or other non-field/variable operand followed by fields.
    Chain(usize, Box<Arg>, Vec<String>),
    /// `(pipeline)`.
    Pipe(Box<Pipe>),
}

impl Arg {
    /// The byte offset.
    pub fn pos(&self) -> usize {
        match self {
            Arg::Dot(p)
            | Arg::Nil(p)
            | Arg::Bool(p, _)
            | Arg::Number(p, _)
            | Arg::String(p, _, _)
            | Arg::Field(p, _)
            | Arg::Variable(p, _)
            | Arg::Identifier(p, _)
            | Arg::Chain(p, _, _) => *p,
            Arg::Pipe(pipe) => pipe.pos,
        }
    }
}

impl fmt::Display for Arg {
    /// As Go's `Node.String`, used in error contexts such as `at <.Values.x>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Dot(_) => write!(f, "."),
            Arg::Nil(_) => write!(f, "nil"),
            Arg::Bool(_, b) => write!(f, "{b}"),
            Arg::Number(_, n) => write!(f, "{}", n.text),
            Arg::String(_, quoted, _) => write!(f, "{quoted}"),
            Arg::Field(_, idents) => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Variable(_, idents) => write!(f, "{}", idents.join(".")),
            Arg::Identifier(_, name) => write!(f, "{name}"),
            Arg::Chain(_, node, fields) => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    other => write!(f, "{other}")?,
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            Arg::Pipe(p) => write!(f, "({p})"),
        }
    }
}

/// A command: operands separated by spaces.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// Byte offset.
    pub pos: usize,
    /// The operands; the first is the function, field or value.
    pub args: Vec<Arg>,
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

/// A pipeline: optional variable declarations, then commands joined by `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    /// Byte offset.
    pub pos: usize,
    /// Line of the start.
    pub line: usize,
    /// `$x = ...` rather than `$x := ...`.
    pub is_assign: bool,
    /// Declared or assigned variables (names with `$`).
    pub decl: Vec<Arc<str>>,
    /// The commands.
    pub cmds: Vec<Command>,
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            write!(
                f,
                "{} {} ",
                self.decl.join(", "),
                if self.is_assign { "=" } else { ":=" }
            )?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                write!(f, " | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

/// A node of a template's tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Plain text.
    Text(usize, String),
    /// `{{pipeline}}`.
    Action(Pipe),
    /// `{{if}}`.
    If(Branch),
    /// `{{range}}`.
    Range(Branch),
    /// `{{with}}`.
    With(Branch),
    /// `{{template "name" pipeline}}`.
    Template {
        /// Byte offset.
        pos: usize,
        /// Line.
        line: usize,
        /// The template called.
        name: String,
        /// Its argument.
        pipe: Option<Pipe>,
    },
    /// `{{break}}`.
    Break(usize, usize),
    /// `{{continue}}`.
    Continue(usize, usize),
}

/// The shared shape of `if`, `range` and `with`.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Byte offset.
    pub pos: usize,
    /// Line.
    pub line: usize,
    /// The condition.
    pub pipe: Pipe,
    /// The body.
    pub list: Vec<Node>,
    /// The `else` body.
    pub else_list: Option<Vec<Node>>,
}

/// One parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Tree {
    /// Its name (`define` name, or the file name for the top level).
    pub name: String,
    /// The name of the source it was parsed from (for error positions).
    pub parse_name: String,
    /// The nodes.
    pub root: Vec<Node>,
}

/// Whether a tree has no content other than whitespace text (Go's `IsEmptyTree`).
pub fn is_empty_tree(nodes: &[Node]) -> bool {
    nodes
        .iter()
        .all(|n| matches!(n, Node::Text(_, t) if t.trim().is_empty()))
}

/// The result of parsing one source: the top-level tree and every template it defines.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The top-level tree.
    pub main: Tree,
    /// Templates defined with `define` or `block`, by name, in definition order.
    pub defined: BTreeMap<String, Tree>,
}

/// Parses `text` named `name`. `is_function` says which identifiers are functions.
///
/// # Errors
/// The first syntax error, as Go reports it.
pub fn parse(
    name: &str,
    text: &str,
    is_function: &dyn Fn(&str) -> bool,
) -> std::result::Result<Parsed, ParseError> {
    let tokens = lex(text, false);
    let mut p = Parser {
        tokens,
        pos: 0,
        name: name.to_owned(),
        vars: vec!["$".to_owned()],
        range_depth: 0,
        action_line: 0,
        is_function,
        defined: BTreeMap::new(),
        last_line: 1,
    };
    let root = p.parse_top()?;
    Ok(Parsed {
        main: Tree {
            name: name.to_owned(),
            parse_name: name.to_owned(),
            root,
        },
        defined: p.defined,
    })
}

struct Parser<'a, 'f> {
    tokens: Vec<Token<'a>>,
    pos: usize,
    name: String,
    vars: Vec<String>,
    range_depth: usize,
    action_line: usize,
    is_function: &'f dyn Fn(&str) -> bool,
    defined: BTreeMap<String, Tree>,
    last_line: usize,
}

/// What `textOrAction` returned: a node, or the `end`/`else` that closes a list.
enum Item {
    Node(Node),
    End,
    Else,
}

type Result<T> = std::result::Result<T, ParseError>;

impl<'a> Parser<'a, '_> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(ParseError {
            name: self.name.clone(),
            line: self.last_line,
            message: message.into(),
        })
    }

    fn peek(&self) -> &Token<'a> {
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token<'a> {
        let t = self.peek().clone();
        self.last_line = t.line;
        // always advance, so that backup() undoes exactly one next() even at the end
        self.pos += 1;
        t
    }

    fn backup(&mut self) {
        self.pos -= 1;
    }

    fn next_non_space(&mut self) -> Token<'a> {
        loop {
            let t = self.next();
            if t.kind != TokenKind::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Token<'a> {
        let t = self.next_non_space();
        self.backup();
        t
    }

    fn unexpected<T>(&self, token: &Token<'_>, context: &str) -> Result<T> {
        if token.kind == TokenKind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != token.line {
                extra = format!(" in action started at {}:{}", self.name, self.action_line);
                if token.text.ends_with(" action") {
                    extra = extra[" in action".len()..].to_owned();
                }
            }
            return self.error(format!("{token}{extra}"));
        }
        self.error(format!("unexpected {token} in {context}"))
    }

    fn expect(&mut self, kind: TokenKind, context: &str) -> Result<Token<'a>> {
        let t = self.next_non_space();
        if t.kind != kind {
            return self.unexpected(&t, context);
        }
        Ok(t)
    }

    fn parse_top(&mut self) -> Result<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != TokenKind::Eof {
            if self.peek().kind == TokenKind::LeftDelim {
                let save = self.pos;
                self.next();
                if self.next_non_space().kind == TokenKind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.pos = save;
            }
            match self.text_or_action()? {
                Item::Node(n) => root.push(n),
                Item::End => return self.error("unexpected {{end}}"),
                Item::Else => return self.error("unexpected {{else}}"),
            }
        }
        Ok(root)
    }

    fn template_name(&mut self, token: &Token<'_>, context: &str) -> Result<String> {
        match token.kind {
            TokenKind::String | TokenKind::RawString => {
                unquote(&token.text).map_err(|e| ParseError {
                    name: self.name.clone(),
                    line: self.last_line,
                    message: e,
                })
            }
            _ => self.unexpected(token, context),
        }
    }

    fn add_definition(&mut self, tree: Tree) -> Result<()> {
        match self.defined.get(&tree.name) {
            Some(existing) if !is_empty_tree(&existing.root) && !is_empty_tree(&tree.root) => self
                .error(format!(
                    "template: multiple definition of template {}",
                    go_quote(&tree.name)
                )),
            Some(existing) if !is_empty_tree(&existing.root) => Ok(()),
            _ => {
                self.defined.insert(tree.name.clone(), tree);
                Ok(())
            }
        }
    }

    fn parse_definition(&mut self) -> Result<()> {
        const CONTEXT: &str = "define clause";
        let token = self.next_non_space();
        if !matches!(token.kind, TokenKind::String | TokenKind::RawString) {
            return self.unexpected(&token, CONTEXT);
        }
        let name = self.template_name(&token, CONTEXT)?;
        self.expect(TokenKind::RightDelim, CONTEXT)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_owned()]);
        let (root, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, Item::End) {
            return self.error(format!("unexpected {} in {CONTEXT}", item_name(&end)));
        }
        self.add_definition(Tree {
            name,
            parse_name: self.name.clone(),
            root,
        })
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, Item)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != TokenKind::Eof {
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                end => return Ok((list, end)),
            }
        }
        self.error("unexpected EOF")
    }

    fn text_or_action(&mut self) -> Result<Item> {
        let token = self.next_non_space();
        match token.kind {
            TokenKind::Text => Ok(Item::Node(Node::Text(token.pos, token.text.into_owned()))),
            TokenKind::LeftDelim => {
                self.action_line = token.line;
                let result = self.action();
                self.action_line = 0;
                result
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> Result<Item> {
        let token = self.next_non_space();
        match token.kind {
            TokenKind::Block => return self.block_control().map(Item::Node),
            TokenKind::Break => return self.loop_control(&token, "break").map(Item::Node),
            TokenKind::Continue => return self.loop_control(&token, "continue").map(Item::Node),
            TokenKind::Else => return self.else_control(),
            TokenKind::End => {
                self.expect(TokenKind::RightDelim, "end")?;
                return Ok(Item::End);
            }
            TokenKind::If => return self.control("if").map(|b| Item::Node(Node::If(b))),
            TokenKind::Range => return self.control("range").map(|b| Item::Node(Node::Range(b))),
            TokenKind::Template => return self.template_control().map(Item::Node),
            TokenKind::With => return self.control("with").map(|b| Item::Node(Node::With(b))),
            _ => {}
        }
        self.backup();
        let pipe = self.pipeline("command", TokenKind::RightDelim)?;
        Ok(Item::Node(Node::Action(pipe)))
    }

    fn loop_control(&mut self, token: &Token<'_>, word: &str) -> Result<Node> {
        let t = self.next_non_space();
        if t.kind != TokenKind::RightDelim {
            return self.unexpected(&t, &format!("{{{{{word}}}}}"));
        }
        if self.range_depth == 0 {
            return self.error(format!("{{{{{word}}}}} outside {{{{range}}}}"));
        }
        Ok(if word == "break" {
            Node::Break(token.pos, token.line)
        } else {
            Node::Continue(token.pos, token.line)
        })
    }

    fn else_control(&mut self) -> Result<Item> {
        let peek = self.peek_non_space();
        if matches!(peek.kind, TokenKind::If | TokenKind::With) {
            return Ok(Item::Else);
        }
        self.expect(TokenKind::RightDelim, "else")?;
        Ok(Item::Else)
    }

    fn control(&mut self, context: &str) -> Result<Branch> {
        let vars_before = self.vars.len();
        let pipe = self.pipeline(context, TokenKind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        if let Item::Else = next {
            let chained = match (context, self.peek().kind) {
                ("if", TokenKind::If) => Some(("if", TokenKind::If)),
                ("with", TokenKind::With) => Some(("with", TokenKind::With)),
                _ => None,
            };
            match chained {
                Some((word, _)) => {
                    // "{{else if x}}" is "{{else}}{{if x}}...{{end}}" with the inner end shared
                    self.next();
                    let inner = self.control(word)?;
                    else_list = Some(vec![if word == "if" {
                        Node::If(inner)
                    } else {
                        Node::With(inner)
                    }]);
                }
                None => {
                    let (list, end) = self.item_list()?;
                    if !matches!(end, Item::End) {
                        return self.error(format!("expected end; found {}", item_name(&end)));
                    }
                    else_list = Some(list);
                }
            }
        }
        self.vars.truncate(vars_before);
        Ok(Branch {
            pos: pipe.pos,
            line: pipe.line,
            pipe,
            list,
            else_list,
        })
    }

    fn block_control(&mut self) -> Result<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, TokenKind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_owned()]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let (root, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        if !matches!(end, Item::End) {
            return self.error(format!("unexpected {} in {CONTEXT}", item_name(&end)));
        }
        self.add_definition(Tree {
            name: name.clone(),
            parse_name: self.name.clone(),
            root,
        })?;
        Ok(Node::Template {
            pos: token.pos,
            line: token.line,
            name,
            pipe: Some(pipe),
        })
    }

    fn template_control(&mut self) -> Result<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = if self.next_non_space().kind != TokenKind::RightDelim {
            self.backup();
            Some(self.pipeline(CONTEXT, TokenKind::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            pos: token.pos,
            line: token.line,
            name,
            pipe,
        })
    }

    fn pipeline(&mut self, context: &str, end: TokenKind) -> Result<Pipe> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            pos: start.pos,
            line: start.line,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // declarations: "$x :=", "$x =", "$i, $v :=" (range only)
        loop {
            let v = self.peek_non_space();
            if v.kind != TokenKind::Variable {
                break;
            }
            let save = self.pos;
            self.next_non_space();
            let after = self.peek_non_space();
            match after.kind {
                TokenKind::Assign | TokenKind::Declare => {
                    pipe.is_assign = after.kind == TokenKind::Assign;
                    self.next_non_space();
                    pipe.decl.push(Arc::from(&*v.text));
                    self.vars.push(v.text.to_string());
                    break;
                }
                TokenKind::Char if after.text == "," => {
                    self.next_non_space();
                    pipe.decl.push(Arc::from(&*v.text));
                    self.vars.push(v.text.to_string());
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().kind {
                            TokenKind::Variable | TokenKind::RightDelim | TokenKind::RightParen => {
                                continue;
                            }
                            _ => return self.error("range can only initialize variables"),
                        }
                    }
                    return self.error(format!("too many declarations in {context}"));
                }
                _ => {
                    self.pos = save;
                    break;
                }
            }
        }
        loop {
            let token = self.next_non_space();
            match token.kind {
                k if k == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                TokenKind::Bool
                | TokenKind::CharConstant
                | TokenKind::Complex
                | TokenKind::Dot
                | TokenKind::Field
                | TokenKind::Identifier
                | TokenKind::Number
                | TokenKind::Nil
                | TokenKind::RawString
                | TokenKind::String
                | TokenKind::Variable
                | TokenKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> Result<()> {
        if pipe.cmds.is_empty() {
            return self.error(format!("missing value for {context}"));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args[0],
                Arg::Bool(..) | Arg::Dot(_) | Arg::Nil(_) | Arg::Number(..) | Arg::String(..)
            ) {
                return self.error(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> Result<Command> {
        let start = self.peek_non_space();
        let mut cmd = Command {
            pos: start.pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next();
            match token.kind {
                TokenKind::Space => continue,
                TokenKind::RightDelim | TokenKind::RightParen => self.backup(),
                TokenKind::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.error("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> Result<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != TokenKind::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().kind == TokenKind::Field {
            fields.push(self.next().text[1..].to_owned());
        }
        Ok(Some(match node {
            Arg::Field(_, mut idents) => {
                // Go positions a field chain at its second element (the chain's start)
                idents.extend(fields);
                Arg::Field(chain_pos, idents)
            }
            Arg::Variable(_, mut idents) => {
                // Go rebuilds a variable with fields from its chain, positioned at the first field
                idents.extend(fields);
                Arg::Variable(chain_pos, idents)
            }
            Arg::Bool(..) | Arg::String(..) | Arg::Number(..) | Arg::Nil(_) | Arg::Dot(_) => {
                return self.error(format!(
                    "unexpected . after term {}",
                    go_quote(&node.to_string())
                ));
            }
            other => Arg::Chain(chain_pos, Box::new(other), fields),
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>> {
        let token = self.next_non_space();
        let arg = match token.kind {
            TokenKind::Identifier => {
                if !(self.is_function)(&token.text) {
                    return self.error(format!("function {} not defined", go_quote(&token.text)));
                }
                Arg::Identifier(token.pos, token.text.into_owned())
            }
            TokenKind::Dot => Arg::Dot(token.pos),
            TokenKind::Nil => Arg::Nil(token.pos),
            TokenKind::Variable => {
                let idents: Vec<String> = token.text.split('.').map(String::from).collect();
                if !self.vars.iter().any(|v| *v == idents[0]) {
                    return self.error(format!("undefined variable {}", go_quote(&idents[0])));
                }
                Arg::Variable(token.pos, idents)
            }
            TokenKind::Field => Arg::Field(
                token.pos,
                token.text[1..].split('.').map(String::from).collect(),
            ),
            TokenKind::Bool => Arg::Bool(token.pos, token.text == "true"),
            TokenKind::CharConstant | TokenKind::Complex | TokenKind::Number => {
                let n = number(&token.text, token.kind).map_err(|e| ParseError {
                    name: self.name.clone(),
                    line: self.last_line,
                    message: e,
                })?;
                Arg::Number(token.pos, n)
            }
            TokenKind::LeftParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", TokenKind::RightParen)?,
            )),
            TokenKind::String | TokenKind::RawString => {
                let value = unquote(&token.text).map_err(|e| ParseError {
                    name: self.name.clone(),
                    line: self.last_line,
                    message: e,
                })?;
                Arg::String(token.pos, token.text.into_owned(), value)
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(arg))
    }
}

fn item_name(item: &Item) -> &'static str {
    match item {
        Item::End => "{{end}}",
        Item::Else => "{{else}}",
        Item::Node(_) => "node",
    }
}

/// Go's `strconv.Unquote` for `"..."` and `` `...` `` strings.
///
/// # Errors
/// `invalid syntax` as Go reports it.
pub fn unquote(quoted: &str) -> std::result::Result<String, String> {
    if let Some(raw) = quoted.strip_prefix('`').and_then(|q| q.strip_suffix('`')) {
        return Ok(raw.replace('\r', ""));
    }
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .ok_or("invalid syntax")?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(unescape(&mut chars, '"')?);
    }
    Ok(out)
}

fn unescape(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    quote: char,
) -> std::result::Result<char, String> {
    let bad = || "invalid syntax".to_owned();
    let c = chars.next().ok_or_else(bad)?;
    let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
               n: usize|
     -> std::result::Result<u32, String> {
        let digits: String = (0..n).filter_map(|_| chars.next()).collect();
        if digits.len() != n {
            return Err(bad());
        }
        u32::from_str_radix(&digits, 16).map_err(|_| bad())
    };
    Ok(match c {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        '\\' => '\\',
        c if c == quote => c,
        'x' => char::from_u32(hex(chars, 2)?).ok_or_else(bad)?,
        'u' => char::from_u32(hex(chars, 4)?).ok_or_else(bad)?,
        'U' => char::from_u32(hex(chars, 8)?).ok_or_else(bad)?,
        '0'..='7' => {
            let rest: String = (0..2).filter_map(|_| chars.next()).collect();
            let value = u32::from_str_radix(&format!("{c}{rest}"), 8).map_err(|_| bad())?;
            if value > 255 {
                return Err(bad());
            }
            char::from_u32(value).ok_or_else(bad)?
        }
        _ => return Err(bad()),
    })
}

fn parse_int_literal(text: &str) -> Option<(bool, u64)> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_owned(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_owned(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_owned(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_owned(), true)
    } else {
        (10, lower.clone(), false)
    };
    // underscores only between digits (or right after a base prefix)
    if digits.starts_with('_') && !prefixed
        || digits.ends_with('_')
        || digits.contains("__")
        || digits.is_empty()
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let value = u64::from_str_radix(&clean, radix).ok()?;
    Some((negative, value))
}

/// Parses a number literal the way Go's template parser does.
fn number(text: &str, kind: TokenKind) -> std::result::Result<Number, String> {
    let mut n = Number {
        text: text.to_owned(),
        int: None,
        uint: None,
        float: None,
        is_char: false,
        complex: None,
    };
    if kind == TokenKind::CharConstant {
        let inner = &text[1..];
        let mut chars = inner.chars().peekable();
        let c = match chars.next() {
            Some('\\') => unescape(&mut chars, '\'')
                .map_err(|_| format!("malformed character constant: {text}"))?,
            Some(c) => c,
            None => return Err(format!("malformed character constant: {text}")),
        };
        if chars.collect::<String>() != "'" {
            return Err(format!("malformed character constant: {text}"));
        }
        n.is_char = true;
        n.int = Some(c as i64);
        n.uint = Some(c as u64);
        n.float = Some(f64::from(c as u32));
        return Ok(n);
    }
    if kind == TokenKind::Complex || text.ends_with('i') {
        let body = text.trim_end_matches('i');
        let split = body
            .rfind(['+', '-'])
            .filter(|i| *i > 0 && !matches!(body.as_bytes()[i - 1], b'e' | b'E'));
        let (re, im) = match split {
            Some(i) => (
                body[..i]
                    .parse::<f64>()
                    .map_err(|_| format!("illegal number syntax: {}", go_quote(text)))?,
                body[i..]
                    .parse::<f64>()
                    .map_err(|_| format!("illegal number syntax: {}", go_quote(text)))?,
            ),
            None => (
                0.0,
                body.parse::<f64>()
                    .map_err(|_| format!("illegal number syntax: {}", go_quote(text)))?,
            ),
        };
        n.complex = Some((re, im));
        if im == 0.0 {
            // Go simplifies a complex with zero imaginary part to its real number
            n.float = Some(re);
            if re.fract() == 0.0 && re.abs() < 9.2e18 {
                n.int = Some(re as i64);
                if re >= 0.0 {
                    n.uint = Some(re as u64);
                }
            }
        }
        return Ok(n);
    }
    if let Some((negative, value)) = parse_int_literal(text) {
        if !negative {
            n.uint = Some(value);
            if let Ok(i) = i64::try_from(value) {
                n.int = Some(i);
            }
        } else if value <= i64::MAX as u64 + 1 {
            n.int = Some((value as i128).wrapping_neg() as i64);
            if value == 0 {
                n.uint = Some(0);
            }
        }
    }
    if let Some(i) = n.int {
        n.float = Some(i as f64);
    } else if let Some(u) = n.uint {
        n.float = Some(u as f64);
    } else {
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        let parsed = if clean.to_ascii_lowercase().contains("0x") {
            parse_hex_float(&clean)
        } else {
            clean.parse::<f64>().ok()
        };
        if let Some(f) = parsed {
            if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                return Err(format!("integer overflow: {}", go_quote(text)));
            }
            n.float = Some(f);
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                n.int = Some(f as i64);
                if f >= 0.0 {
                    n.uint = Some(f as u64);
                }
            }
        }
    }
    if n.int.is_none() && n.uint.is_none() && n.float.is_none() {
        return Err(format!("illegal number syntax: {}", go_quote(text)));
    }
    Ok(n)
}

/// `0x1.8p3` style floats.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let body = body.get(2..)?;
    let (mantissa, exponent) = body
        .split_once(['p', 'P'])
        .map_or((body, "0"), |(m, e)| (m, e));
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut value = 0f64;
    for c in int_part.chars() {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        value += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let e: i32 = exponent.parse().ok()?;
    let v = value * 2f64.powi(e);
    Some(if negative { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn funcs(name: &str) -> bool {
        matches!(
            name,
            "quote" | "include" | "printf" | "default" | "eq" | "not"
        )
    }

    fn ok(text: &str) -> Parsed {
        parse("t", text, &funcs).unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(text: &str) -> String {
        parse("t", text, &funcs).expect_err(text).to_string()
    }

    #[test]
    fn actions_and_pipelines_keep_their_shape() {
        let p = ok("a{{ .Values.image.tag | default \"latest\" | quote }}b");
        let Node::Action(pipe) = &p.main.root[1] else {
            panic!("{:?}", p.main.root)
        };
        assert_eq!(
            pipe.to_string(),
            ".Values.image.tag | default \"latest\" | quote"
        );
        // Go positions a field chain at its second element: ".image" starts at byte 11
        assert_eq!(
            pipe.cmds[0].args[0],
            Arg::Field(11, vec!["Values".into(), "image".into(), "tag".into()])
        );
    }

    #[test]
    fn control_structures_nest_and_chain() {
        let p = ok(
            "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}{{ range $i, $v := .l }}{{ $v }}{{ else }}none{{ end }}{{ with .x }}{{ . }}{{ else with .y }}y{{ end }}",
        );
        let Node::If(b) = &p.main.root[0] else {
            panic!()
        };
        let Some(else_list) = &b.else_list else {
            panic!()
        };
        assert!(matches!(&else_list[0], Node::If(inner) if inner.else_list.is_some()));
        let Node::Range(r) = &p.main.root[1] else {
            panic!()
        };
        assert_eq!(r.pipe.decl, [Arc::from("$i"), Arc::from("$v")]);
        assert!(matches!(&p.main.root[2], Node::With(w) if w.else_list.is_some()));
    }

    #[test]
    fn define_block_and_template_are_collected() {
        let p =
            ok("{{ define \"a\" }}A{{ end }}{{ template \"a\" . }}{{ block \"b\" . }}B{{ end }}");
        assert_eq!(p.defined.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(matches!(&p.main.root[0], Node::Template { name, .. } if name == "a"));
        assert_eq!(
            err("{{ define \"a\" }}A{{ end }}{{ define \"a\" }}B{{ end }}"),
            "template: t:1: template: multiple definition of template \"a\""
        );
    }

    #[test]
    fn variables_are_scoped_and_checked() {
        ok("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}");
        assert_eq!(err("{{ $y }}"), "template: t:1: undefined variable \"$y\"");
        assert_eq!(
            err("{{ if true }}{{ $z := 1 }}{{ end }}{{ $z }}"),
            "template: t:1: undefined variable \"$z\""
        );
        ok("{{ define \"d\" }}{{ $ }}{{ end }}");
    }

    #[test]
    fn errors_read_like_go() {
        assert_eq!(
            err("{{ nope }}"),
            "template: t:1: function \"nope\" not defined"
        );
        assert_eq!(err("a\n{{ end }}"), "template: t:2: unexpected {{end}}");
        assert_eq!(err("{{ if .x }}"), "template: t:1: unexpected EOF");
        assert_eq!(err("{{ }}"), "template: t:1: missing value for command");
        assert_eq!(
            err("{{ break }}"),
            "template: t:1: {{break}} outside {{range}}"
        );
        assert_eq!(
            err("{{ .a | 3 }}"),
            "template: t:1: non executable command in pipeline stage 2"
        );
        assert_eq!(
            err("{{ \"x\".y }}"),
            "template: t:1: unexpected . after term \"\\\"x\\\"\""
        );
        assert_eq!(
            err("{{ .a\n"),
            "template: t:2: unclosed action started at t:1"
        );
        assert_eq!(err("{{ .a"), "template: t:1: unclosed action");
        assert_eq!(
            err("{{ range $a, $b, $c := . }}{{end}}"),
            "template: t:1: too many declarations in range"
        );
        assert_eq!(
            err("{{ range $a, 3 }}{{end}}"),
            "template: t:1: range can only initialize variables"
        );
        assert_eq!(
            err("{{ 99999999999999999999 }}"),
            "template: t:1: integer overflow: \"99999999999999999999\""
        );
    }

    #[test]
    fn numbers_keep_every_interpretation() {
        let n = |s: &str| number(s, TokenKind::Number).unwrap();
        assert_eq!((n("42").int, n("42").float), (Some(42), Some(42.0)));
        assert_eq!((n("1.5").int, n("1.5").float), (None, Some(1.5)));
        assert_eq!(n("1e6").int, Some(1_000_000));
        assert_eq!(n("0x1F").int, Some(31));
        assert_eq!(n("017").int, Some(15));
        assert_eq!(n("1_000").int, Some(1000));
        assert_eq!(n("-3").uint, None);
        assert_eq!(
            number("'a'", TokenKind::CharConstant).unwrap().int,
            Some(97)
        );
        assert_eq!(
            number("'\\n'", TokenKind::CharConstant).unwrap().int,
            Some(10)
        );
    }

    #[test]
    fn strings_unquote_like_go() {
        assert_eq!(unquote(r#""a\tb\"c\x41\u00e9""#).unwrap(), "a\tb\"cAé");
        assert_eq!(unquote("`raw\\n`").unwrap(), "raw\\n");
        assert!(unquote(r#""\q""#).is_err());
    }
}
