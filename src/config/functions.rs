//! The HCL functions mcctl provides, and the evaluation context that carries them.
//!
//! hcl-rs takes plain function pointers, so the workspace directory that `file()` resolves
//! against is set per thread with [`with_base_dir`] around the evaluation of one workspace.

#![expect(
    clippy::needless_pass_by_value,
    reason = "hcl-rs calls functions with owned arguments"
)]

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

thread_local! {
    static BASE_DIR: RefCell<PathBuf> = RefCell::new(PathBuf::from("."));
    /// Files read by `file()`, as (path relative to the workspace, text): they are inputs too.
    static READ: RefCell<Vec<(PathBuf, String)>> = const { RefCell::new(Vec::new()) };
}

/// The files `file()` read since the last call, in reading order.
#[must_use]
pub fn take_read_files() -> Vec<(PathBuf, String)> {
    READ.with(|read| std::mem::take(&mut *read.borrow_mut()))
}

/// The help line shown with evaluation errors.
pub const HELP: &str =
    "available functions: file, yamldecode, jsondecode, yamlencode, jsonencode, lower, upper";

/// Runs `f` with `file()` resolving paths against `dir`.
pub fn with_base_dir<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
    let previous = BASE_DIR.with(|base| base.replace(dir.to_path_buf()));
    let result = f();
    BASE_DIR.with(|base| base.replace(previous));
    result
}

/// An evaluation context with mcctl's functions declared.
#[must_use]
pub fn context() -> Context<'static> {
    let mut context = Context::new();
    let string = || FuncDef::builder().param(ParamType::String);
    context.declare_func("file", string().build(file));
    context.declare_func("yamldecode", string().build(yamldecode));
    context.declare_func("jsondecode", string().build(jsondecode));
    context.declare_func("lower", string().build(lower));
    context.declare_func("upper", string().build(upper));
    context.declare_func(
        "jsonencode",
        FuncDef::builder().param(ParamType::Any).build(jsonencode),
    );
    context.declare_func(
        "yamlencode",
        FuncDef::builder().param(ParamType::Any).build(yamlencode),
    );
    context
}

fn first_string(args: &FuncArgs) -> Result<&str, String> {
    args.first()
        .and_then(Value::as_str)
        .ok_or_else(|| "expected a string argument".to_owned())
}

fn file(args: FuncArgs) -> Result<Value, String> {
    let relative = first_string(&args)?;
    let path = BASE_DIR.with(|base| base.borrow().join(relative));
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read `{relative}`: {error}"))?;
    READ.with(|read| {
        read.borrow_mut()
            .push((PathBuf::from(relative), text.clone()));
    });
    Ok(Value::String(text))
}

fn yamldecode(args: FuncArgs) -> Result<Value, String> {
    let text = first_string(&args)?;
    let options = serde_saphyr::options! { legacy_octal_numbers: true, with_snippet: false };
    let json: serde_json::Value = serde_saphyr::from_str_with_options(text, options)
        .map_err(|error| format!("invalid YAML: {error}"))?;
    hcl::to_value(json).map_err(|error| error.to_string())
}

fn jsondecode(args: FuncArgs) -> Result<Value, String> {
    let text = first_string(&args)?;
    let json: serde_json::Value =
        serde_json::from_str(text).map_err(|error| format!("invalid JSON: {error}"))?;
    hcl::to_value(json).map_err(|error| error.to_string())
}

fn jsonencode(args: FuncArgs) -> Result<Value, String> {
    let value = args.first().cloned().unwrap_or(Value::Null);
    serde_json::to_string(&value)
        .map(Value::String)
        .map_err(|error| error.to_string())
}

fn yamlencode(args: FuncArgs) -> Result<Value, String> {
    let value = args.first().cloned().unwrap_or(Value::Null);
    serde_saphyr::to_string(&value)
        .map(Value::String)
        .map_err(|error| error.to_string())
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(first_string(&args)?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(first_string(&args)?.to_uppercase()))
}
