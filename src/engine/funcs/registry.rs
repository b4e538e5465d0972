//! The registry of functions templates can call besides Go's builtins, each with its Go
//! signature: the executor converts and checks arguments the way Go's
//! `text/template` does for that signature (`expected string; found 3`, `wrong type for value;
//! expected int; got float64`, `wrong number of args for upper: want 1 got 0`), so a function body
//! only sees arguments of the types it declared.

use crate::engine::fasthash::FastMap;

use crate::engine::exec::Context;
use crate::engine::value::Value;

/// A Go parameter type, as far as template argument conversion distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// `interface {}`: anything, nil included.
    Any,
    /// `string`.
    String,
    /// `int`.
    Int,
    /// `int64`.
    Int64,
    /// `float64`.
    Float64,
    /// `bool`.
    Bool,
    /// `uint32`.
    Uint32,
    /// `map[string]interface {}` (nil allowed).
    Map,
    /// `[]interface {}` (nil allowed).
    List,
    /// `[]string` (nil allowed).
    Strings,
    /// A Go struct type by name (`time.Time`).
    Object(&'static str),
}

impl Ty {
    /// Go's name of the type, as conversion errors print it.
    pub fn go_name(self) -> &'static str {
        match self {
            Ty::Any => "interface {}",
            Ty::String => "string",
            Ty::Int => "int",
            Ty::Int64 => "int64",
            Ty::Float64 => "float64",
            Ty::Bool => "bool",
            Ty::Uint32 => "uint32",
            Ty::Map => "map[string]interface {}",
            Ty::List => "[]interface {}",
            Ty::Strings => "[]string",
            Ty::Object(name) => name,
        }
    }

    /// Whether a nil value may be passed (Go's `canBeNil`).
    pub fn can_be_nil(self) -> bool {
        matches!(self, Ty::Any | Ty::Map | Ty::List | Ty::Strings)
    }

    /// Whether a value of this Go type can be passed as it is (Go's `AssignableTo`).
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (Ty::Any, _) => true,
            // a named map type is assignable to its unnamed underlying type
            (Ty::Map, Value::Map(_)) => true,
            _ => value.type_name() == self.go_name(),
        }
    }
}

/// A function body: the converted arguments and the render's context.
pub type Body = fn(&[Value], &mut Context<'_>) -> Result<Value, String>;

/// A callable function: its Go signature and its body.
#[derive(Clone, Copy)]
pub struct Func {
    /// Fixed parameters.
    pub params: &'static [Ty],
    /// The type of a trailing `...` parameter.
    pub variadic: Option<Ty>,
    /// The body.
    pub body: Body,
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Func")
            .field("params", &self.params)
            .field("variadic", &self.variadic)
            .finish_non_exhaustive()
    }
}

/// Functions by name.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    funcs: FastMap<&'static str, Func>,
}

impl Registry {
    /// An empty registry (Go's builtins only).
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `name` with fixed parameters `params` and an optional variadic tail.
    pub fn add(
        &mut self,
        name: &'static str,
        params: &'static [Ty],
        variadic: Option<Ty>,
        body: Body,
    ) {
        self.funcs.insert(
            name,
            Func {
                params,
                variadic,
                body,
            },
        );
    }

    /// The function called `name`.
    pub fn get(&self, name: &str) -> Option<&Func> {
        self.funcs.get(name)
    }

    /// Whether `name` is a registered function.
    pub fn has(&self, name: &str) -> bool {
        self.funcs.contains_key(name)
    }

    /// The registered names.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.funcs.keys().copied()
    }
}
