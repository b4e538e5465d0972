//! Execution of parsed templates with Go's `text/template` semantics: actions print values the
//! way Go does (`<no value>` for a missing one, which Helm then removes), `if`/`with`/`range`
//! follow Go's truthiness and iteration order (maps by sorted key, integers from 0), variables
//! are scoped per control structure, field chains walk maps (missing keys give the zero value,
//! as Helm's `missingkey=zero` does, and walking through nil fails with Go's
//! `nil pointer evaluating interface {}.x`), and errors carry Go's context:
//! `template: NAME:LINE:COL: executing "NAME" at <node>: message`.
//!
//! Functions beyond Go's builtins come from a [`Registry`], whose Go signatures decide how
//! arguments are converted and checked.

use std::sync::{Arc, Mutex};

use super::fasthash::FastMap;
use super::funcs::{Registry, Ty};
use super::parse::{Arg, Branch, Command, Node, Pipe, Tree};
use super::value::{IntKind, Value};

/// An execution error, formatted as Go formats it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ExecError(pub String);

/// Go's builtin function names.
/// (Go's `slice` is not here: Helm's function map replaces it with Sprig's, registered with
/// Sprig's list functions.)
pub const BUILTINS: &[&str] = &[
    "and", "or", "not", "len", "index", "eq", "ne", "lt", "le", "gt", "ge", "print", "printf",
    "println", "html", "js", "urlquery", "call",
];

/// Parsed templates by name, shared by every render. A set may lie over a base set (what `tpl`
/// adds for one call), so the shared set is never copied or changed by a render.
#[derive(Debug, Default)]
pub struct TemplateSet {
    trees: FastMap<String, Arc<Tree>>,
    sources: FastMap<String, Arc<str>>,
    base: Option<Arc<TemplateSet>>,
    /// Texts `tpl` has parsed, shared by every render of the root set.
    tpl_cache: Mutex<TplCache>,
}

/// A text parsed for `tpl`: its trees (defines first, the main tree last) and its source.
#[derive(Debug)]
pub struct ParsedText {
    /// The trees in the order they are added.
    pub trees: Vec<Arc<Tree>>,
    /// The text.
    pub source: Arc<str>,
}

type TplCache = FastMap<Arc<str>, Arc<ParsedText>>;

fn lock_cache(cache: &Mutex<TplCache>) -> std::sync::MutexGuard<'_, TplCache> {
    // every change is one insert, so a poisoned cache is still consistent
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// How many distinct `tpl` texts a template set remembers parsed.
const TPL_CACHE_ENTRIES: usize = 4096;

impl TemplateSet {
    /// An empty set over `base`: lookups fall through to the base.
    pub fn overlay(base: Arc<TemplateSet>) -> Self {
        Self {
            base: Some(base),
            ..Self::default()
        }
    }

    /// Adds a tree (a later tree of the same name replaces an earlier one, as in Go's
    /// `text/template`, unless the later one is empty); `source` is the text it was parsed from.
    pub fn add(&mut self, tree: Tree, source: Arc<str>) {
        self.add_shared(Arc::new(tree), source);
    }

    /// [`TemplateSet::add`] for a tree that is already shared.
    pub fn add_shared(&mut self, tree: Arc<Tree>, source: Arc<str>) {
        if self
            .get(&tree.name)
            .is_some_and(|old| !super::parse::is_empty_tree(&old.root))
            && super::parse::is_empty_tree(&tree.root)
        {
            return;
        }
        self.sources.insert(tree.parse_name.clone(), source);
        self.trees.insert(tree.name.clone(), tree);
    }

    /// The sets to look in, this one first (a loop, not recursion: nested `tpl` calls make
    /// chains as deep as their nesting).
    fn chain(&self) -> impl Iterator<Item = &TemplateSet> {
        std::iter::successors(Some(self), |set| set.base.as_deref())
    }

    /// A tree by name.
    pub fn get(&self, name: &str) -> Option<&Arc<Tree>> {
        self.chain().find_map(|set| set.trees.get(name))
    }

    /// Whether a template of this name exists.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The text a tree was parsed from, by the tree's parse name.
    fn source(&self, parse_name: &str) -> Option<Arc<str>> {
        self.chain()
            .find_map(|set| set.sources.get(parse_name))
            .map(Arc::clone)
    }

    fn root(&self) -> &TemplateSet {
        self.chain().last().unwrap_or(self)
    }

    /// The parsed form of a `tpl` text, from the root set's cache or from `parse`.
    ///
    /// # Errors
    /// What `parse` returns.
    pub fn parsed_text<E>(
        &self,
        text: &str,
        parse: impl FnOnce() -> Result<ParsedText, E>,
    ) -> Result<Arc<ParsedText>, E> {
        let cache = &self.root().tpl_cache;
        if let Some(hit) = lock_cache(cache).get(text) {
            return Ok(Arc::clone(hit));
        }
        let parsed = Arc::new(parse()?);
        let mut entries = lock_cache(cache);
        if entries.len() < TPL_CACHE_ENTRIES {
            entries.insert(Arc::clone(&parsed.source), Arc::clone(&parsed));
        }
        Ok(parsed)
    }
}

/// Parses `text` as template `name` and runs it with `data` as dot and `funcs` besides Go's
/// builtins: the whole of Go's `template.New(name).Funcs(funcs).Parse(text).Execute` in one call,
/// for tests, benchmarks and single-template renders.
///
/// # Errors
/// The parse or execution error, formatted as Go formats it.
pub fn render_snippet(
    funcs: &Registry,
    name: &str,
    text: &str,
    data: &Value,
) -> Result<String, String> {
    let parsed = super::parse::parse(name, text, &|n| BUILTINS.contains(&n) || funcs.has(n))
        .map_err(|e| e.to_string())?;
    let source: Arc<str> = Arc::from(text);
    let mut set = TemplateSet::default();
    for (_, tree) in parsed.defined {
        set.add(tree, Arc::clone(&source));
    }
    set.add(parsed.main, Arc::clone(&source));
    let set = Arc::new(set);
    let mut ctx = Context {
        set: &set,
        funcs,
        limits: Limits::default(),
        depth: 0,
        includes: FastMap::default(),
        lookup: None,
    };
    let mut out = String::new();
    execute(&mut ctx, name, data, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Resource limits of one render.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Nested `template`/`include`/`tpl` depth. Go allows 100000 nested `template` calls and
    /// Helm 1000 nested `include`s of one name; this bound keeps the native stack safe.
    pub max_depth: usize,
    /// Largest output of one template, in bytes.
    pub max_output: usize,
    /// When the render must stop.
    pub deadline: Option<std::time::Instant>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_depth: 2000,
            max_output: 64 << 20,
            deadline: None,
        }
    }
}

/// The state a function may use: the template set, limits and the current depth.
pub struct Context<'a> {
    /// The templates of the render.
    pub set: &'a Arc<TemplateSet>,
    /// Functions besides Go's builtins.
    pub funcs: &'a Registry,
    /// Limits.
    pub limits: Limits,
    /// Current nesting depth.
    pub depth: usize,
    /// How deep `include` is nested per template name (Helm stops at 1000).
    pub includes: FastMap<String, usize>,
    /// The cluster reader behind Helm's `lookup` (`None`: offline, every lookup is empty).
    pub lookup: Option<&'a dyn Lookup>,
}

/// Reads live objects for Helm's `lookup` function, read-only.
pub trait Lookup: Send + Sync {
    /// The object (or, with an empty name, the list) as a map, or an empty map when absent.
    ///
    /// # Errors
    /// The read failed (Helm fails the render).
    fn lookup(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Value, String>;
}

/// Control flow out of a list.
enum Flow {
    Normal,
    Break,
    Continue,
}

struct State<'c, 'a> {
    ctx: &'c mut Context<'a>,
    tree: Arc<Tree>,
    source: Arc<str>,
    /// Variables in scope: name, value, and whether the value keeps Go's static type
    /// `interface {}` (a range element) rather than being unwrapped (a pipeline's result).
    vars: Vec<(Arc<str>, Value, bool)>,
    /// Whether dot is a range element (an `interface {}` value) rather than a pipeline's
    /// unwrapped result: a field of a nil element is Go's nil-pointer error, a field of no value
    /// at all is nothing.
    dot_interface: bool,
    out: &'c mut String,
    /// `and`/`or` commands that stopped early, as (command position, operand index), so error
    /// context can name the operand Go evaluated last.
    short_circuits: Vec<(usize, usize)>,
    /// Arguments of the function calls being evaluated.
    args: Vec<Value>,
}

/// Runs template `name` with `data` as dot, appending to `out`.
///
/// # Errors
/// Go's execution errors, with their context.
pub fn execute(
    ctx: &mut Context<'_>,
    name: &str,
    data: &Value,
    out: &mut String,
) -> Result<(), ExecError> {
    let Some(tree) = ctx.set.get(name).cloned() else {
        return Err(ExecError(format!(
            "template: no template {} associated with template {}",
            super::lex::go_quote(name),
            super::lex::go_quote(name)
        )));
    };
    let source = ctx
        .set
        .source(&tree.parse_name)
        .unwrap_or_else(|| Arc::from(""));
    execute_tree(ctx, tree, source, data, out)
}

/// Runs a parsed tree itself (not whatever its name resolves to in the set), as Go's
/// `Template.Execute` runs the template object it is called on: `tpl` of an empty text runs
/// the empty text even when a template of the same name exists.
///
/// # Errors
/// Go's execution errors, with their context.
pub fn execute_tree(
    ctx: &mut Context<'_>,
    tree: Arc<Tree>,
    source: Arc<str>,
    data: &Value,
    out: &mut String,
) -> Result<(), ExecError> {
    let name = tree.name.clone();
    if ctx.depth >= ctx.limits.max_depth {
        return Err(ExecError(format!(
            "template: {name}: exceeded maximum template depth ({})",
            ctx.limits.max_depth
        )));
    }
    ctx.depth += 1;
    let mut state = State {
        ctx,
        tree: Arc::clone(&tree),
        source,
        vars: vec![(dollar(), data.clone(), false)],
        dot_interface: false,
        out,
        short_circuits: Vec::new(),
        args: Vec::new(),
    };
    let result = grow_stack(|| state.walk_list(data, &tree.root).map(|_| ()));
    state.ctx.depth -= 1;
    result
}

/// The name of the root variable, shared rather than allocated per template call.
fn dollar() -> Arc<str> {
    static DOLLAR: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
    Arc::clone(DOLLAR.get_or_init(|| Arc::from("$")))
}

/// Runs `f` with enough native stack for one more level of template nesting: deep `include`
/// chains (Helm allows 1000 of one name) would overflow a thread's fixed stack otherwise.
fn grow_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, f)
}

impl State<'_, '_> {
    /// `template: NAME:LINE:COL: executing "NAME" at <node>: message`.
    fn error(
        &self,
        pos: usize,
        node: &dyn std::fmt::Display,
        message: impl std::fmt::Display,
    ) -> ExecError {
        let text = &self.source[..pos.min(self.source.len())];
        let line = 1 + text.matches('\n').count();
        let col = match text.rfind('\n') {
            Some(i) => pos - i - 1,
            None => pos,
        };
        ExecError(format!(
            "template: {}:{line}:{col}: executing {} at <{node}>: {message}",
            self.tree.parse_name,
            super::lex::go_quote(&self.tree.name)
        ))
    }

    fn check_limits(&self, pos: usize, node: &dyn std::fmt::Display) -> Result<(), ExecError> {
        if self.out.len() > self.ctx.limits.max_output {
            return Err(self.error(
                pos,
                node,
                format!(
                    "output exceeds the limit of {} bytes",
                    self.ctx.limits.max_output
                ),
            ));
        }
        if self
            .ctx
            .limits
            .deadline
            .is_some_and(|d| std::time::Instant::now() > d)
        {
            return Err(self.error(pos, node, "render deadline exceeded"));
        }
        Ok(())
    }

    fn walk_list(&mut self, dot: &Value, nodes: &[Node]) -> Result<Flow, ExecError> {
        for node in nodes {
            match self.walk(dot, node)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Value, node: &Node) -> Result<Flow, ExecError> {
        match node {
            Node::Text(_, text) => self.out.push_str(text),
            Node::Action(pipe) => {
                let value = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    print_value(self.out, &value);
                }
                self.check_limits(pipe.pos, pipe)?;
            }
            Node::If(branch) => return self.walk_if_or_with(dot, branch, false),
            Node::With(branch) => return self.walk_if_or_with(dot, branch, true),
            Node::Range(branch) => return self.walk_range(dot, branch),
            Node::Template {
                pos, name, pipe, ..
            } => {
                let data = match pipe {
                    Some(p) => self.eval_pipeline(dot, p)?,
                    None => Value::Nil,
                };
                let shown = TemplateCall(name, pipe.as_ref());
                if self.ctx.depth >= self.ctx.limits.max_depth {
                    return Err(self.error(
                        *pos,
                        &shown,
                        format!(
                            "exceeded maximum template depth ({})",
                            self.ctx.limits.max_depth
                        ),
                    ));
                }
                let Some(tree) = self.ctx.set.get(name).cloned() else {
                    return Err(self.error(
                        *pos,
                        &shown,
                        format!("template {} not defined", super::lex::go_quote(name)),
                    ));
                };
                let source = self
                    .ctx
                    .set
                    .source(&tree.parse_name)
                    .unwrap_or_else(|| Arc::from(""));
                self.ctx.depth += 1;
                let saved_tree = std::mem::replace(&mut self.tree, Arc::clone(&tree));
                let saved_source = std::mem::replace(&mut self.source, source);
                let saved_vars =
                    std::mem::replace(&mut self.vars, vec![(dollar(), data.clone(), false)]);
                let saved_dot = std::mem::replace(&mut self.dot_interface, false);
                let result = grow_stack(|| self.walk_list(&data, &tree.root));
                self.dot_interface = saved_dot;
                self.vars = saved_vars;
                self.source = saved_source;
                self.tree = saved_tree;
                self.ctx.depth -= 1;
                result?;
            }
            Node::Break(..) => return Ok(Flow::Break),
            Node::Continue(..) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(
        &mut self,
        dot: &Value,
        branch: &Branch,
        with: bool,
    ) -> Result<Flow, ExecError> {
        let mark = self.vars.len();
        self.short_circuits.clear();
        let value = self.eval_pipeline(dot, &branch.pipe)?;
        let result = if value.is_true() {
            if with {
                let saved_dot = std::mem::replace(&mut self.dot_interface, false);
                let flow = self.walk_list(&value, &branch.list);
                self.dot_interface = saved_dot;
                flow
            } else {
                self.walk_list(dot, &branch.list)
            }
        } else if let Some(else_list) = &branch.else_list {
            self.walk_list(dot, else_list)
        } else {
            Ok(Flow::Normal)
        };
        self.vars.truncate(mark);
        result
    }

    fn walk_range(&mut self, dot: &Value, branch: &Branch) -> Result<Flow, ExecError> {
        let mark = self.vars.len();
        self.short_circuits.clear();
        let value = self.eval_pipeline(dot, &branch.pipe)?;
        // a Go map or slice type with methods ranges over its contents
        let value = match &value {
            Value::Object(o) => o.elements().unwrap_or(value),
            _ => value,
        };
        // the range variables are declared by the pipeline; they are reassigned per element
        let decl = &branch.pipe.decl;
        // lazily, so `range 1000000000` costs no memory and stops at the deadline
        let items: Box<dyn Iterator<Item = (Value, Value)>> = match &value {
            Value::List(items, _) => {
                let items = Arc::clone(items);
                Box::new((0..items.len()).map(move |i| (Value::int(i as i64), items[i].clone())))
            }
            Value::Map(m) => Box::new(
                m.shared_entries()
                    .into_iter()
                    .map(|(k, v)| (Value::String(k), v)),
            ),
            Value::Int(n, _) if decl.len() > 1 => {
                self.vars.truncate(mark);
                let at = last_evaluated(&branch.pipe, &self.short_circuits);
                return Err(self.error(
                    at.pos(),
                    at,
                    format!("can't use {n} to iterate over more than one variable"),
                ));
            }
            Value::Int(n, _) => Box::new((0..*n).map(|i| (Value::int(i), Value::int(i)))),
            Value::Nil => Box::new(std::iter::empty()),
            other => {
                self.vars.truncate(mark);
                let at = last_evaluated(&branch.pipe, &self.short_circuits);
                return Err(self.error(at.pos(), at, format!("range can't iterate over {other}")));
            }
        };
        let mut ran = false;
        for (key, elem) in items {
            ran = true;
            if let Err(e) = self.check_limits(branch.pipe.pos, &branch.pipe) {
                self.vars.truncate(mark);
                return Err(e);
            }
            self.bind_range_vars(decl, mark, &key, &elem);
            let inner_mark = self.vars.len();
            let saved_dot = std::mem::replace(&mut self.dot_interface, true);
            let flow = self.walk_list(&elem, &branch.list);
            self.dot_interface = saved_dot;
            let flow = flow?;
            self.vars.truncate(inner_mark);
            if matches!(flow, Flow::Break) {
                break;
            }
        }
        if !ran && let Some(else_list) = &branch.else_list {
            self.vars.truncate(mark);
            let flow = self.walk_list(dot, else_list)?;
            self.vars.truncate(mark);
            return Ok(flow);
        }
        self.vars.truncate(mark);
        Ok(Flow::Normal)
    }

    fn bind_range_vars(&mut self, decl: &[Arc<str>], mark: usize, key: &Value, elem: &Value) {
        self.vars.truncate(mark);
        match decl {
            [v] => self.vars.push((v.clone(), elem.clone(), true)),
            [k, v] => {
                self.vars.push((k.clone(), key.clone(), false));
                self.vars.push((v.clone(), elem.clone(), true));
            }
            _ => {}
        }
    }

    fn eval_pipeline(&mut self, dot: &Value, pipe: &Pipe) -> Result<Value, ExecError> {
        let mut value: Option<Value> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?);
        }
        let value = value.unwrap_or_default();
        for name in &pipe.decl {
            if pipe.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _, _)| n == name) {
                    Some(slot) => {
                        slot.1 = value.clone();
                        slot.2 = false;
                    }
                    None => {
                        return Err(self.error(
                            pipe.pos,
                            pipe,
                            format!("undefined variable: {name}"),
                        ));
                    }
                }
            } else {
                self.vars.push((name.clone(), value.clone(), false));
            }
        }
        Ok(value)
    }

    fn eval_command(
        &mut self,
        dot: &Value,
        cmd: &Command,
        last: Option<Value>,
    ) -> Result<Value, ExecError> {
        let first = &cmd.args[0];
        match first {
            Arg::Field(pos, idents) => self.eval_field_chain(
                dot,
                dot,
                self.dot_interface,
                *pos,
                first,
                idents,
                &cmd.args[1..],
                last,
            ),
            Arg::Chain(pos, node, fields) => {
                let base = self.eval_arg(dot, node)?;
                self.eval_field_chain(dot, &base, false, *pos, first, fields, &cmd.args[1..], last)
            }
            Arg::Variable(pos, idents) => {
                let (value, interface) = self.variable_typed(*pos, first, &idents[0])?;
                if idents.len() == 1 {
                    self.not_a_function(cmd, last.as_ref())?;
                    return Ok(value);
                }
                self.eval_field_chain(
                    dot,
                    &value,
                    interface,
                    *pos,
                    first,
                    &idents[1..],
                    &cmd.args[1..],
                    last,
                )
            }
            Arg::Identifier(_, name) => self.eval_function(dot, name, cmd, last),
            Arg::Pipe(pipe) => {
                self.not_a_function(cmd, last.as_ref())?;
                self.eval_pipeline(dot, pipe)
            }
            _ => {
                self.not_a_function(cmd, last.as_ref())?;
                self.eval_literal(dot, first)
            }
        }
    }

    fn not_a_function(&self, cmd: &Command, last: Option<&Value>) -> Result<(), ExecError> {
        if cmd.args.len() > 1 || last.is_some() {
            return Err(self.error(
                cmd.pos,
                cmd,
                format!("can't give argument to non-function {}", cmd.args[0]),
            ));
        }
        Ok(())
    }

    fn eval_literal(&self, dot: &Value, arg: &Arg) -> Result<Value, ExecError> {
        Ok(match arg {
            Arg::Dot(_) => dot.clone(),
            Arg::Nil(pos) => return Err(self.error(*pos, arg, "nil is not a command")),
            Arg::Bool(_, b) => Value::Bool(*b),
            Arg::String(_, _, s) => Value::string(s.as_str()),
            Arg::Number(pos, n) => {
                if n.is_char {
                    // a character constant is an ideal integer: Go passes it on as an int
                    Value::int(n.int.unwrap_or(0))
                } else if let Some(c) = n.complex
                    && c.1 != 0.0
                {
                    return Err(self.error(*pos, arg, "complex constants are not supported"));
                } else if n.float.is_some()
                    && n.text.contains(['.', 'e', 'E', 'p', 'P'])
                    && !n.text.starts_with("0x")
                    && !n.text.starts_with("0X")
                {
                    Value::Float(n.float.unwrap_or(0.0))
                } else if let Some(i) = n.int {
                    Value::int(i)
                } else if let Some(u) = n.uint {
                    Value::Uint(u)
                } else {
                    Value::Float(n.float.unwrap_or(0.0))
                }
            }
            _ => return Err(self.error(arg.pos(), arg, "can't evaluate command")),
        })
    }

    /// A variable's value and whether it keeps the static type `interface {}`.
    fn variable_typed(
        &self,
        pos: usize,
        node: &Arg,
        name: &str,
    ) -> Result<(Value, bool), ExecError> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _, _)| **n == *name)
            .map(|(_, v, i)| (v.clone(), *i))
            .ok_or_else(|| self.error(pos, node, format!("undefined variable: {name}")))
    }

    /// Evaluates an argument of a function call (or a chain's base).
    fn eval_arg(&mut self, dot: &Value, arg: &Arg) -> Result<Value, ExecError> {
        match arg {
            Arg::Field(pos, idents) => {
                self.eval_field_chain(dot, dot, self.dot_interface, *pos, arg, idents, &[], None)
            }
            Arg::Variable(pos, idents) => {
                let (value, interface) = self.variable_typed(*pos, arg, &idents[0])?;
                if idents.len() == 1 {
                    return Ok(value);
                }
                self.eval_field_chain(dot, &value, interface, *pos, arg, &idents[1..], &[], None)
            }
            Arg::Chain(pos, node, fields) => {
                let base = self.eval_arg(dot, node)?;
                self.eval_field_chain(dot, &base, false, *pos, arg, fields, &[], None)
            }
            Arg::Pipe(pipe) => self.eval_pipeline(dot, pipe),
            // as an operand (not a command) nil is a value: `ne .x nil`
            Arg::Nil(_) => Ok(Value::Nil),
            Arg::Identifier(_, name) => {
                let cmd = Command {
                    pos: arg.pos(),
                    args: vec![arg.clone()],
                };
                self.eval_function(dot, name, &cmd, None)
            }
            other => self.eval_literal(dot, other),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        receiver: &Value,
        receiver_interface: bool,
        pos: usize,
        node: &Arg,
        idents: &[String],
        args: &[Arg],
        last: Option<Value>,
    ) -> Result<Value, ExecError> {
        let mut current = receiver.clone();
        for (i, ident) in idents.iter().enumerate() {
            let is_last = i + 1 == idents.len();
            let has_args = is_last && (!args.is_empty() || last.is_some());
            current = match &current {
                Value::Map(m) => {
                    if has_args {
                        return Err(self.error(
                            pos,
                            node,
                            format!("{ident} is not a method but has arguments"),
                        ));
                    }
                    m.get(ident).unwrap_or(Value::Nil)
                }
                // no value at all (a pipeline's nil): Go yields nothing for any field of it
                Value::Nil if i == 0 && !receiver_interface => return Ok(Value::Nil),
                Value::Nil => {
                    return Err(self.error(
                        pos,
                        node,
                        format!("nil pointer evaluating interface {{}}.{ident}"),
                    ));
                }
                Value::Object(object) if object.has_method(ident) => {
                    let object = Arc::clone(object);
                    let mut values = Vec::with_capacity(args.len() + 1);
                    if is_last {
                        for arg in args {
                            values.push(self.eval_arg(dot, arg)?);
                        }
                        if let Some(l) = last.clone() {
                            values.push(l);
                        }
                    }
                    object.call_method(ident, &values).map_err(|message| {
                        self.error(pos, node, format!("error calling {ident}: {message}"))
                    })?
                }
                Value::Object(object) => {
                    if has_args {
                        return Err(self.error(
                            pos,
                            node,
                            format!("{ident} is not a method but has arguments"),
                        ));
                    }
                    match object.field(ident) {
                        Some(value) => value,
                        None => {
                            return Err(self.error(
                                pos,
                                node,
                                format!(
                                    "can't evaluate field {ident} in type {}",
                                    object.type_name()
                                ),
                            ));
                        }
                    }
                }
                other => {
                    // values out of maps, variables and dot are interface-typed in Go; only a
                    // parenthesized pipeline yields a concrete type at the start of a chain
                    // the receiver keeps Go's static `interface {}` when it was read out of a
                    // map or is a range element; a pipeline's result or variable is unwrapped
                    let concrete = i == 0 && !receiver_interface;
                    let type_name = if concrete {
                        other.type_name()
                    } else {
                        "interface {}"
                    };
                    // Go's context is the last node it evaluated: inside a parenthesized base
                    let at = match node {
                        Arg::Chain(_, base, _) if i == 0 => match base.as_ref() {
                            Arg::Pipe(pipe) if !pipe.cmds.is_empty() => {
                                last_evaluated(pipe, &self.short_circuits)
                            }
                            _ => node,
                        },
                        _ => node,
                    };
                    return Err(self.error(
                        if std::ptr::eq(at, node) {
                            pos
                        } else {
                            at.pos()
                        },
                        at,
                        format!("can't evaluate field {ident} in type {type_name}"),
                    ));
                }
            };
        }
        Ok(current)
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        name: &str,
        cmd: &Command,
        last: Option<Value>,
    ) -> Result<Value, ExecError> {
        // `and` and `or` evaluate their arguments lazily, as Go does
        if name == "and" || name == "or" {
            let mut value = Value::Nil;
            let n = cmd.args.len() - 1 + usize::from(last.is_some());
            if n == 0 {
                return Err(self.error(
                    cmd.pos,
                    cmd,
                    format!("wrong number of args for {name}: want at least 1 got 0"),
                ));
            }
            for (i, arg) in cmd.args.iter().enumerate().skip(1) {
                value = self.eval_arg(dot, arg)?;
                if value.is_true() == (name == "or") {
                    self.short_circuits.push((cmd.pos, i));
                    return Ok(value);
                }
            }
            if let Some(l) = last {
                value = l;
            }
            return Ok(value);
        }
        if let Some(func) = self.ctx.funcs.get(name).copied() {
            return self.call_registered(dot, name, func, cmd, last);
        }
        if !BUILTINS.contains(&name) {
            return Err(self.error(
                cmd.pos,
                &cmd.args[0],
                format!("function {} not defined", super::lex::go_quote(name)),
            ));
        }
        let mut args = Vec::with_capacity(cmd.args.len());
        for arg in &cmd.args[1..] {
            args.push(self.eval_arg(dot, arg)?);
        }
        if name == "call" {
            // no template value is a Go function, so `call` fails as Go's does for data
            let (Some(target), Some(value)) = (cmd.args.get(1), args.first()) else {
                return Err(self.error(
                    cmd.pos,
                    cmd,
                    "error calling call: wrong number of args for call: want at least 1 got 0",
                ));
            };
            return Err(self.error(
                cmd.pos,
                cmd,
                format!(
                    "error calling call: non-function {target} of type {}",
                    value.type_name()
                ),
            ));
        }
        if name == "len"
            && matches!(args.as_slice(), [Value::Nil])
            && cmd.args.get(1).is_some_and(is_interface_typed)
        {
            // a nil read out of a map is a nil interface, which Go's len dereferences
            return Err(self.error(cmd.pos, cmd, "error calling len: len of nil pointer"));
        }
        if let Some(l) = last {
            args.push(l);
        }
        builtin(name, &args)
            .map_err(|message| self.error(cmd.pos, cmd, format!("error calling {name}: {message}")))
    }

    /// Calls a registered function: checks the argument count, converts each argument to its
    /// parameter's Go type as `text/template` does, then runs the body.
    fn call_registered(
        &mut self,
        dot: &Value,
        name: &str,
        func: super::funcs::Func,
        cmd: &Command,
        last: Option<Value>,
    ) -> Result<Value, ExecError> {
        let given = cmd.args.len() - 1 + usize::from(last.is_some());
        let fixed = func.params.len();
        if given < fixed || (func.variadic.is_none() && given != fixed) {
            let want = if func.variadic.is_some() {
                format!("at least {fixed}")
            } else {
                fixed.to_string()
            };
            return Err(self.error(
                cmd.args[0].pos(),
                &cmd.args[0],
                format!("wrong number of args for {name}: want {want} got {given}"),
            ));
        }
        let param = |i: usize| {
            func.params
                .get(i)
                .copied()
                .or(func.variadic)
                .unwrap_or(Ty::Any)
        };
        // arguments live on one stack per render rather than in a vector per call
        let base = self.args.len();
        for (i, arg) in cmd.args[1..].iter().enumerate() {
            match self.eval_typed_arg(dot, arg, param(i)) {
                Ok(value) => self.args.push(value),
                Err(e) => {
                    self.args.truncate(base);
                    return Err(e);
                }
            }
        }
        if let Some(value) = last {
            // Go checks the piped value last, while its error context is the last node evaluated
            let node = cmd.args.last().unwrap_or(&cmd.args[0]);
            match self.check_type(node, value, false, param(given - 1)) {
                Ok(value) => self.args.push(value),
                Err(e) => {
                    self.args.truncate(base);
                    return Err(e);
                }
            }
        }
        let result = (func.body)(&self.args[base..], self.ctx);
        self.args.truncate(base);
        result
            .map_err(|message| self.error(cmd.pos, cmd, format!("error calling {name}: {message}")))
    }

    /// Evaluates an argument for a parameter of type `ty` (Go's `evalArg`): literals must have
    /// the parameter's kind; other operands are evaluated and then checked.
    fn eval_typed_arg(&mut self, dot: &Value, arg: &Arg, ty: Ty) -> Result<Value, ExecError> {
        let literal_error =
            |what: &str| self.error(arg.pos(), arg, format!("expected {what}; found {arg}"));
        match arg {
            Arg::Nil(pos) => {
                if ty.can_be_nil() {
                    Ok(Value::Nil)
                } else {
                    Err(self.error(*pos, arg, format!("cannot assign nil to {}", ty.go_name())))
                }
            }
            Arg::Bool(_, b) => match ty {
                Ty::Any | Ty::Bool => Ok(Value::Bool(*b)),
                other => Err(self.literal_mismatch(arg, other)),
            },
            Arg::String(_, _, s) => match ty {
                Ty::Any | Ty::String => Ok(Value::string(s.as_str())),
                other => Err(self.literal_mismatch(arg, other)),
            },
            Arg::Number(_, n) => match ty {
                Ty::Any => self.eval_literal(dot, arg),
                Ty::Int | Ty::Int64 => match n.int {
                    Some(i) => Ok(Value::Int(
                        i,
                        if ty == Ty::Int {
                            super::value::IntKind::Int
                        } else {
                            super::value::IntKind::Int64
                        },
                    )),
                    _ => Err(literal_error("integer")),
                },
                Ty::Uint32 => match n.uint {
                    Some(u) if u <= u64::from(u32::MAX) => Ok(Value::Uint(u)),
                    _ => Err(literal_error("unsigned integer")),
                },
                Ty::Float64 => match n.float {
                    Some(f) => Ok(Value::Float(f)),
                    _ => Err(literal_error("float")),
                },
                other => Err(self.literal_mismatch(arg, other)),
            },
            other => {
                let value = self.eval_arg(dot, other)?;
                let at = match other {
                    Arg::Pipe(pipe) if !pipe.cmds.is_empty() => {
                        last_evaluated(pipe, &self.short_circuits)
                    }
                    other => other,
                };
                self.check_type(at, value, is_interface_typed(other), ty)
            }
        }
    }

    fn literal_mismatch(&self, arg: &Arg, ty: Ty) -> ExecError {
        let message = match ty {
            Ty::String => format!("expected string; found {arg}"),
            Ty::Bool => format!("expected bool; found {arg}"),
            Ty::Int | Ty::Int64 => format!("expected integer; found {arg}"),
            Ty::Uint32 => format!("expected unsigned integer; found {arg}"),
            Ty::Float64 => format!("expected float; found {arg}"),
            other => format!("can't handle {arg} for arg of type {}", other.go_name()),
        };
        self.error(arg.pos(), arg, message)
    }

    /// Go's `validateType`: a nil read out of a map is a nil `interface {}` (assignable only
    /// where nil is), any other nil is no value at all.
    fn check_type(
        &self,
        node: &Arg,
        value: Value,
        from_field: bool,
        ty: Ty,
    ) -> Result<Value, ExecError> {
        if matches!(value, Value::Nil) {
            // a nil read out of a map is a nil `interface {}`: only an interface parameter
            // takes it; no value at all converts to any nil-able type
            if ty == Ty::Any || (ty.can_be_nil() && !from_field) {
                return Ok(Value::Nil);
            }
            let message = if from_field {
                format!(
                    "wrong type for value; expected {}; got interface {{}}",
                    ty.go_name()
                )
            } else {
                format!("invalid value; expected {}", ty.go_name())
            };
            return Err(self.error(node.pos(), node, message));
        }
        if ty.accepts(&value) {
            Ok(value)
        } else {
            Err(self.error(
                node.pos(),
                node,
                format!(
                    "wrong type for value; expected {}; got {}",
                    ty.go_name(),
                    value.type_name()
                ),
            ))
        }
    }
}

/// Whether Go's value of this operand keeps the static type `interface {}` (a value read out of
/// a map or the cursor), so that a nil is a nil interface rather than no value at all.
fn is_interface_typed(arg: &Arg) -> bool {
    match arg {
        Arg::Field(..) | Arg::Chain(..) | Arg::Dot(_) => true,
        Arg::Variable(_, idents) => idents.len() > 1,
        _ => false,
    }
}

/// The node Go's executor last positioned itself at after evaluating `pipe` (its `s.at`), which
/// errors raised after the evaluation (`range can't iterate over ...`) name: the last operand of
/// the last command, looking into parenthesized pipelines and the base of field chains.
fn last_evaluated<'p>(pipe: &'p Pipe, short_circuits: &[(usize, usize)]) -> &'p Arg {
    let mut pipe = pipe;
    loop {
        let Some(cmd) = pipe.cmds.last() else {
            unreachable!("the parser never makes an empty pipeline in an action")
        };
        let stop = match &cmd.args[0] {
            Arg::Identifier(_, name) if name == "and" || name == "or" => short_circuits
                .iter()
                .rev()
                .find(|(pos, _)| *pos == cmd.pos)
                .map(|(_, i)| *i),
            _ => None,
        };
        let mut arg = &cmd.args[stop.unwrap_or(cmd.args.len() - 1)];
        while let Arg::Chain(_, base, _) = arg {
            arg = base;
        }
        match arg {
            Arg::Pipe(inner) if !inner.cmds.is_empty() => pipe = inner,
            other => return other,
        }
    }
}

/// A `{{template "name" pipeline}}` node as Go prints it in error context.
struct TemplateCall<'a>(&'a str, Option<&'a Pipe>);

impl std::fmt::Display for TemplateCall<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            Some(pipe) => write!(
                f,
                "{{{{template {} {pipe}}}}}",
                super::lex::go_quote(self.0)
            ),
            None => write!(f, "{{{{template {}}}}}", super::lex::go_quote(self.0)),
        }
    }
}

/// How an action prints a value: Go's `fmt.Fprint`, with `<no value>` for nil.
fn print_value(out: &mut String, value: &Value) {
    use std::fmt::Write;
    match value {
        Value::Nil => out.push_str("<no value>"),
        // the common cases skip the formatting machinery
        Value::String(s) => out.push_str(s),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Object(o) if let Some(text) = o.action_text() => out.push_str(&text),
        Value::Int(i, _) => {
            let _ = write!(out, "{i}");
        }
        other => {
            let _ = write!(out, "{other}");
        }
    }
}

/// The capacity Go's JSON decoder leaves a slice of `len` elements with (it appends one by
/// one), which decides between Go's two messages for an index past the end.
fn decoded_capacity(len: usize) -> usize {
    if len <= 512 {
        len.next_power_of_two() * usize::from(len > 0)
    } else {
        len
    }
}

/// Go's builtin functions that need no template state.
fn builtin(name: &str, args: &[Value]) -> Result<Value, String> {
    let want = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want {n} got {}",
                args.len()
            ))
        }
    };
    match name {
        "not" => {
            want(1)?;
            Ok(Value::Bool(!args[0].is_true()))
        }
        "len" => {
            want(1)?;
            let elements = match &args[0] {
                Value::Object(o) => o.elements(),
                _ => None,
            };
            match elements.as_ref().unwrap_or(&args[0]) {
                Value::String(s) => Ok(Value::int(s.len() as i64)),
                Value::List(l, _) => Ok(Value::int(l.len() as i64)),
                Value::Map(m) => Ok(Value::int(m.len() as i64)),
                // Go asks the type of the missing value and panics
                Value::Nil => Err("reflect: call of reflect.Value.Type on zero Value".into()),
                other => Err(format!("len of type {}", other.type_name())),
            }
        }
        "index" => {
            let Some((first, keys)) = args.split_first() else {
                return Err("wrong number of args for index: want at least 1 got 0".into());
            };
            let mut item = first.clone();
            for key in keys {
                if let Value::Object(o) = &item
                    && let Some(elements) = o.elements()
                {
                    item = elements;
                }
                item = match (&item, key) {
                    (Value::Map(m), Value::String(k)) => m.get(k).unwrap_or(Value::Nil),
                    (Value::Map(_), other) => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.type_name()
                        ));
                    }
                    (Value::List(l, _), k) => {
                        let i = int_of(k).ok_or_else(|| {
                            format!("cannot index slice/array with type {}", k.type_name())
                        })?;
                        if i < 0 || i as usize > decoded_capacity(l.len()) {
                            return Err(format!("index out of range: {i}"));
                        }
                        match l.get(i as usize) {
                            Some(item) => item.clone(),
                            None => return Err("reflect: slice index out of range".into()),
                        }
                    }
                    (Value::String(s), k) => {
                        let i = int_of(k).ok_or_else(|| {
                            format!("cannot index slice/array with type {}", k.type_name())
                        })?;
                        if i < 0 || i as usize > s.len() {
                            return Err(format!("index out of range: {i}"));
                        }
                        match s.as_bytes().get(i as usize) {
                            Some(b) => Value::Int(i64::from(*b), IntKind::Uint8),
                            None => return Err("reflect: string index out of range".into()),
                        }
                    }
                    (Value::Nil, _) => return Err("index of untyped nil".into()),
                    (other, _) => {
                        return Err(format!("can't index item of type {}", other.type_name()));
                    }
                };
            }
            Ok(item)
        }
        "eq" => {
            let Some((first, rest)) = args.split_first() else {
                return Err("missing argument for comparison".into());
            };
            if rest.is_empty() {
                return Err("missing argument for comparison".into());
            }
            for other in rest {
                if compare_eq(first, other)? {
                    return Ok(Value::Bool(true));
                }
            }
            Ok(Value::Bool(false))
        }
        "ne" => {
            want(2)?;
            Ok(Value::Bool(!compare_eq(&args[0], &args[1])?))
        }
        "lt" | "le" | "gt" | "ge" => {
            want(2)?;
            let ord = compare_order(&args[0], &args[1])?;
            Ok(Value::Bool(match name {
                "lt" => ord.is_lt(),
                "le" => ord.is_le(),
                "gt" => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
        "print" => Ok(Value::string(sprint(args))),
        "println" => Ok(Value::string({
            let mut s = args
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ");
            s.push('\n');
            s
        })),
        "printf" => match args.split_first() {
            Some((Value::String(format), rest)) => {
                Ok(Value::string(super::gofmt::sprintf(format, rest)))
            }
            Some((other, _)) => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )),
            None => Err("wrong number of args for printf: want at least 1 got 0".into()),
        },
        "html" => Ok(Value::string(html_escape(&escaper_input(args)))),
        "js" => Ok(Value::string(js_escape(&escaper_input(args)))),
        "urlquery" => Ok(Value::string(query_escape(&escaper_input(args)))),
        _ => Err(format!("function {name} not defined")),
    }
}

/// What Go's escaping builtins escape: a lone string as it is, anything else `fmt.Sprint`ed.
fn escaper_input(args: &[Value]) -> String {
    match args {
        [Value::String(s)] => s.to_string(),
        // Go's `printableValue` shows a missing value as `<no value>` before escaping
        _ => sprint(
            &args
                .iter()
                .map(|a| match a {
                    Value::Nil => Value::string("<no value>"),
                    other => other.clone(),
                })
                .collect::<Vec<_>>(),
        ),
    }
}

/// Go's `template.HTMLEscapeString`.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' | '>' | '&' | '=' | '`' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Go's `fmt.Sprint`: spaces between operands when neither side is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, Value::String(_)) && !matches!(args[i - 1], Value::String(_)) {
            out.push(' ');
        }
        match a {
            Value::Nil => out.push_str("<nil>"),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i, _) => Some(*i),
        Value::Uint(u) => i64::try_from(*u).ok(),
        _ => None,
    }
}

#[derive(PartialEq)]
enum Basic {
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Option<Basic> {
    Some(match v {
        Value::Bool(_) => Basic::Bool,
        Value::Int(..) => Basic::Int,
        Value::Uint(_) => Basic::Uint,
        Value::Float(_) => Basic::Float,
        Value::String(_) => Basic::String,
        _ => return None,
    })
}

/// Go's `eq` for two values: basic kinds compare by value (signed and unsigned integers across
/// each other), different kinds are `incompatible types for comparison`, nil equals only nil.
fn compare_eq(a: &Value, b: &Value) -> Result<bool, String> {
    match (basic_kind(a), basic_kind(b)) {
        (Some(ka), Some(kb)) => match (a, b) {
            (Value::Int(x, _), Value::Uint(y)) => Ok(*x >= 0 && *x as u64 == *y),
            (Value::Uint(x), Value::Int(y, _)) => Ok(*y >= 0 && *y as u64 == *x),
            (Value::Int(x, kx), Value::Int(y, ky))
                if kx == ky || matches!((kx, ky), (IntKind::Int, _) | (_, IntKind::Int)) =>
            {
                Ok(x == y)
            }
            _ if ka != kb => Err(format!(
                "incompatible types for comparison: {} and {}",
                a.type_name(),
                b.type_name()
            )),
            (Value::Bool(x), Value::Bool(y)) => Ok(x == y),
            (Value::Float(x), Value::Float(y)) => Ok(x == y),
            (Value::String(x), Value::String(y)) => Ok(x == y),
            (Value::Uint(x), Value::Uint(y)) => Ok(x == y),
            (Value::Int(x, _), Value::Int(y, _)) => Ok(x == y),
            _ => Err(format!(
                "incompatible types for comparison: {} and {}",
                a.type_name(),
                b.type_name()
            )),
        },
        (None, None) if matches!((a, b), (Value::Nil, Value::Nil)) => Ok(true),
        (None, _) | (_, None) if matches!(a, Value::Nil) || matches!(b, Value::Nil) => Ok(false),
        (Some(_), None) | (None, Some(_)) => Err(format!(
            "incompatible types for comparison: {} and {}",
            a.type_name(),
            b.type_name()
        )),
        (None, None) if a.type_name() != b.type_name() => Err(super::gofmt::sprintf(
            "non-comparable types %s: %v, %s: %v",
            &[
                a.clone(),
                Value::string(a.type_name()),
                Value::string(b.type_name()),
                b.clone(),
            ],
        )),
        (None, None) => Err(super::gofmt::sprintf(
            "non-comparable type %s: %v",
            &[b.clone(), Value::string(b.type_name())],
        )),
    }
}

/// Go's `lt` and friends: only basic kinds of the same kind (integers across signedness).
fn compare_order(a: &Value, b: &Value) -> Result<std::cmp::Ordering, String> {
    match (a, b) {
        (Value::Int(x, _), Value::Int(y, _)) => Ok(x.cmp(y)),
        (Value::Uint(x), Value::Uint(y)) => Ok(x.cmp(y)),
        (Value::Int(x, _), Value::Uint(y)) => Ok(if *x < 0 {
            std::cmp::Ordering::Less
        } else {
            (*x as u64).cmp(y)
        }),
        (Value::Uint(x), Value::Int(y, _)) => Ok(if *y < 0 {
            std::cmp::Ordering::Greater
        } else {
            x.cmp(&(*y as u64))
        }),
        (Value::Float(x), Value::Float(y)) => x
            .partial_cmp(y)
            .ok_or_else(|| "invalid type for comparison".to_owned()),
        (Value::String(x), Value::String(y)) => Ok(x.cmp(y)),
        // Go: two different basic kinds are incompatible; a kind that cannot be ordered
        // (bool, maps, nil) is a bad type
        _ => match (basic_kind(a), basic_kind(b)) {
            (Some(ka), Some(kb)) if ka != kb => Err(format!(
                "incompatible types for comparison: {} and {}",
                a.type_name(),
                b.type_name()
            )),
            _ => Err("invalid type for comparison".into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, data: serde_json::Value) -> Result<String, String> {
        // Helm's function set: Helm's `slice` is Sprig's
        render_snippet(
            crate::engine::render::helm_functions(),
            "t",
            text,
            &Value::from_json(&data),
        )
    }

    fn ok(text: &str, data: serde_json::Value) -> String {
        render(text, data).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn actions_print_values_as_go_does() {
        let data = serde_json::json!({"s": "x", "n": 8080, "f": 1000000, "b": true, "l": [1, "a"], "m": {"k": 1}});
        assert_eq!(
            ok(
                "{{ .s }} {{ .n }} {{ .f }} {{ .b }} {{ .l }} {{ .m }}",
                data
            ),
            "x 8080 1e+06 true [1 a] map[k:1]"
        );
        assert_eq!(ok("{{ .missing }}", serde_json::json!({})), "<no value>");
        assert_eq!(
            ok(
                "{{ 3 }} {{ 1.5 }} {{ 'a' }} {{ \"q\" }} {{ true }}",
                serde_json::json!({})
            ),
            "3 1.5 97 q true"
        );
    }

    #[test]
    fn control_structures_follow_go() {
        let data =
            serde_json::json!({"l": ["a", "b", "c"], "m": {"z": 1, "a": 2}, "e": [], "s": "x"});
        assert_eq!(ok("{{ range .l }}{{ . }}{{ end }}", data.clone()), "abc");
        assert_eq!(
            ok(
                "{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}",
                data.clone()
            ),
            "0=a;1=b;2=c;"
        );
        assert_eq!(
            ok(
                "{{ range $k, $v := .m }}{{ $k }}{{ $v }}{{ end }}",
                data.clone()
            ),
            "a2z1"
        );
        assert_eq!(
            ok("{{ range .e }}x{{ else }}empty{{ end }}", data.clone()),
            "empty"
        );
        assert_eq!(ok("{{ range 3 }}{{ . }}{{ end }}", data.clone()), "012");
        assert_eq!(
            ok(
                "{{ range .l }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
                data.clone()
            ),
            "a"
        );
        assert_eq!(
            ok(
                "{{ range .l }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}",
                data.clone()
            ),
            "ac"
        );
        assert_eq!(
            ok(
                "{{ with .s }}{{ . }}{{ end }}{{ with .none }}y{{ else }}n{{ end }}",
                data.clone()
            ),
            "xn"
        );
        assert_eq!(
            ok(
                "{{ if .none }}a{{ else if .s }}b{{ else }}c{{ end }}",
                data.clone()
            ),
            "b"
        );
        assert_eq!(
            ok(
                "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}",
                data
            ),
            "2"
        );
    }

    #[test]
    fn templates_and_defines_run_with_their_own_dot() {
        assert_eq!(
            ok(
                "{{ define \"d\" }}[{{ . }}]{{ end }}{{ template \"d\" .s }}{{ block \"b\" 1 }}<{{ . }}>{{ end }}",
                serde_json::json!({"s": "x"})
            ),
            "[x]<1>"
        );
        assert_eq!(
            render("{{ template \"none\" }}", serde_json::json!({})).unwrap_err(),
            "template: t:1:12: executing \"t\" at <{{template \"none\"}}>: template \"none\" not defined"
        );
    }

    /// The expected messages and positions were printed by Helm v4.2.3 for the same templates.
    #[test]
    fn errors_carry_gos_context() {
        assert_eq!(
            render("a\n  {{ .Values.a.b }}", serde_json::json!({"Values": {}})).unwrap_err(),
            "template: t:2:12: executing \"t\" at <.Values.a.b>: nil pointer evaluating interface {}.b"
        );
        assert_eq!(
            render("{{ .s.x }}", serde_json::json!({"s": "str"})).unwrap_err(),
            "template: t:1:5: executing \"t\" at <.s.x>: can't evaluate field x in type interface {}"
        );
        assert_eq!(
            render("{{ eq 1 \"a\" }}", serde_json::json!({})).unwrap_err(),
            "template: t:1:3: executing \"t\" at <eq 1 \"a\">: error calling eq: incompatible types for comparison: int and string"
        );
        assert_eq!(
            render("{{ index .l 5 }}", serde_json::json!({"l": [1]})).unwrap_err(),
            "template: t:1:3: executing \"t\" at <index .l 5>: error calling index: index out of range: 5"
        );
    }

    #[test]
    fn builtins_compare_and_index_like_go() {
        let data = serde_json::json!({"n": 3, "l": [10, 20], "m": {"k": "v"}});
        assert_eq!(
            ok(
                "{{ eq .n 3.0 }} {{ lt 1 2 }} {{ gt \"b\" \"a\" }} {{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }}",
                data.clone()
            ),
            "true true true true true"
        );
        assert_eq!(
            ok(
                "{{ index .l 1 }} {{ index .m \"k\" }} {{ len .l }} {{ len \"héllo\" }}",
                data.clone()
            ),
            "20 v 2 6"
        );
        assert_eq!(
            ok(
                "{{ and 1 0 }} {{ or 0 \"x\" }} {{ not .none }} {{ and .none .missing.x }}",
                data.clone()
            ),
            "0 x true <no value>"
        );
        assert_eq!(
            ok("{{ print 1 2 \"a\" 3 }}|{{ println \"a\" 1 }}", data),
            "1 2a3|a 1\n"
        );
    }

    /// Expected strings and errors as Helm v4.2.3 printed them.
    #[test]
    fn printf_escapers_slice_and_call_like_helm() {
        let data = serde_json::json!({"l": [1, 2, 3], "f": 1, "port": 8080});
        assert_eq!(
            ok(r#"{{ printf "%s-%d|%d" "a" 3 .port }}"#, data.clone()),
            "a-3|%!d(float64=8080)"
        );
        assert_eq!(
            ok(
                r#"{{ html "<a href=\"x\">&'</a>" }}|{{ js "a'b\"c<d>\\e\n" }}|{{ urlquery "a b&c=d/é" }}|{{ html 1 "x" }}|{{ urlquery 1 2 }}"#,
                data.clone()
            ),
            r#"&lt;a href=&#34;x&#34;&gt;&amp;&#39;&lt;/a&gt;|a\'b\"c\u003Cd\u003E\\e\u000A|a+b%26c%3Dd%2F%C3%A9|1x|1+2"#
        );
        assert_eq!(
            ok(
                "{{ slice .l 1 }}|{{ slice .l 1 2 }}|{{ slice .l }}",
                data.clone()
            ),
            "[2 3]|[2]|[1 2 3]"
        );
        assert!(
            render("{{ slice \"hello\" 1 3 }}", data.clone())
                .unwrap_err()
                .ends_with("error calling slice: list should be type of slice or array but string")
        );
        assert!(
            render("{{ slice .l 3 1 }}", data.clone())
                .unwrap_err()
                .ends_with("error calling slice: reflect.Value.Slice: slice index out of bounds")
        );
        assert_eq!(
            render("{{ call .f }}", data).unwrap_err(),
            "template: t:1:3: executing \"t\" at <call .f>: error calling call: non-function .f of type float64"
        );
    }
}
