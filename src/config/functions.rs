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
pub const HELP: &str = "available functions: file, templatefile, yamldecode, jsondecode, yamlencode, jsonencode, merge, concat, length, format, lower, upper";

/// Runs `f` with `file()` resolving paths against `dir`.
pub fn with_base_dir<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
    let previous = BASE_DIR.with(|base| base.replace(dir.to_path_buf()));
    let result = f();
    BASE_DIR.with(|base| base.replace(previous));
    result
}

/// An evaluation context with mcctl's functions, `var.<name>` and `local.<name>` declared.
#[must_use]
pub fn context_with(
    variables: hcl::Map<String, Value>,
    locals: hcl::Map<String, Value>,
) -> Context<'static> {
    let mut context = crate::config::guard::context();
    context.declare_var("var", Value::Object(variables));
    context.declare_var("local", Value::Object(locals));
    let string = || FuncDef::builder().param(ParamType::String);
    context.declare_func("file", string().build(file));
    context.declare_func("yamldecode", string().build(yamldecode));
    context.declare_func("jsondecode", string().build(jsondecode));
    context.declare_func("lower", string().build(lower));
    context.declare_func("upper", string().build(upper));
    context.declare_func(
        "templatefile",
        FuncDef::builder()
            .params([
                ParamType::String,
                ParamType::Object(Box::new(ParamType::Any)),
            ])
            .build(templatefile),
    );
    context.declare_func(
        "length",
        FuncDef::builder().param(ParamType::Any).build(length),
    );
    context.declare_func(
        "merge",
        FuncDef::builder()
            .variadic_param(ParamType::Object(Box::new(ParamType::Any)))
            .build(merge),
    );
    context.declare_func(
        "concat",
        FuncDef::builder()
            .variadic_param(ParamType::Array(Box::new(ParamType::Any)))
            .build(concat),
    );
    context.declare_func(
        "format",
        FuncDef::builder()
            .param(ParamType::String)
            .variadic_param(ParamType::Any)
            .build(format),
    );
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
    read_relative(first_string(&args)?).map(Value::String)
}

fn read_relative(relative: &str) -> Result<String, String> {
    let path = BASE_DIR.with(|base| base.borrow().join(relative));
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read `{relative}`: {error}"))?;
    READ.with(|read| {
        read.borrow_mut()
            .push((PathBuf::from(relative), text.clone()));
    });
    Ok(text)
}

fn templatefile(args: FuncArgs) -> Result<Value, String> {
    let relative = first_string(&args)?;
    let text = read_relative(relative)?;
    let template: hcl::Template = text
        .parse()
        .map_err(|error| format!("`{relative}` is not a valid template: {error}"))?;
    let mut context = context_with(hcl::Map::new(), hcl::Map::new());
    if let Some(Value::Object(variables)) = args.get(1) {
        for (name, value) in variables {
            context.declare_var(name.as_str(), value.clone());
        }
    }
    crate::config::guard::evaluate_template(&template, &context)
        .map(Value::String)
        .map_err(|error| format!("cannot render `{relative}`: {error}"))
}

fn length(args: FuncArgs) -> Result<Value, String> {
    match args.first() {
        Some(Value::String(text)) => Ok(Value::from(text.chars().count())),
        Some(Value::Array(items)) => Ok(Value::from(items.len())),
        Some(Value::Object(map)) => Ok(Value::from(map.len())),
        _ => Err("`length` takes a string, a list or an object".to_owned()),
    }
}

#[expect(clippy::unnecessary_wraps, reason = "hcl-rs functions return a Result")]
fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut merged = hcl::Map::new();
    for argument in args.variadic_args() {
        if let Value::Object(map) = argument {
            for (key, value) in map {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    Ok(Value::Object(merged))
}

#[expect(clippy::unnecessary_wraps, reason = "hcl-rs functions return a Result")]
fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut joined = Vec::new();
    for argument in args.variadic_args() {
        if let Value::Array(items) = argument {
            joined.extend(items.iter().cloned());
        }
    }
    Ok(Value::Array(joined))
}

/// Terraform's `format`: `%s` `%d` `%f` `%t` `%v` `%q` and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = first_string(&args)?;
    let mut values = args.variadic_args();
    let mut out = String::with_capacity(spec.len());
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars.next().ok_or("the format ends with `%`")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let value = values
            .next()
            .ok_or_else(|| format!("not enough arguments for `%{verb}`"))?;
        let text = match (verb, value) {
            ('s' | 'v', Value::String(text)) => text.clone(),
            ('d', Value::Number(number))
                if number.as_i64().is_some() || number.as_u64().is_some() =>
            {
                number.to_string()
            }
            ('f', Value::Number(number)) => number
                .as_f64()
                .map_or_else(|| number.to_string(), |value| format!("{value:.6}")),
            ('t', Value::Bool(flag)) => flag.to_string(),
            ('q', Value::String(text)) => serde_json::to_string(text).unwrap_or_default(),
            ('v' | 's', other) => other.to_string(),
            (verb, other) => return Err(format!("`%{verb}` cannot format {other}")),
        };
        out.push_str(&text);
    }
    if values.next().is_some() {
        return Err("too many arguments for the format".to_owned());
    }
    Ok(Value::String(out))
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

/// The most one evaluated value may hold, counting each value and each byte of its strings and
/// keys: far above any real config, and low enough that locals built from copies of each other
/// (`b = [local.a, local.a]`, `c = [local.b, local.b]`, …) stop long before they exhaust memory.
pub const MAX_VALUE_SIZE: usize = 1 << 20;

/// Whether `value` holds more than `limit` values and bytes of strings and keys.
#[must_use]
pub fn exceeds(value: &Value, limit: usize) -> bool {
    crate::config::guard::size_up_to(value, limit) > limit
}

/// What the expressions of a workspace can see: mcctl's functions, `var.<name>` and
/// `local.<name>`, and the names whose values could not be computed (their errors are already
/// reported, so errors that only follow from them are not reported again).
pub struct Scope {
    context: Context<'static>,
    variables: Vec<String>,
    locals: Vec<String>,
    failed: std::collections::BTreeSet<String>,
}

/// Why an expression could not be evaluated, in words.
pub struct EvalFailure {
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// It names something that has no value (yet): evaluating again once more locals have
    /// values may succeed. Any other failure is final.
    pub waiting: bool,
}

impl Scope {
    /// A scope with these variable and local values; `failed` holds `var.<name>` and
    /// `local.<name>` of the values that could not be computed.
    #[must_use]
    pub fn new(
        variables: hcl::Map<String, Value>,
        locals: hcl::Map<String, Value>,
        failed: std::collections::BTreeSet<String>,
    ) -> Self {
        let variable_names = variables.keys().cloned().collect();
        let local_names = locals.keys().cloned().collect();
        Self {
            context: context_with(variables, locals),
            variables: variable_names,
            locals: local_names,
            failed,
        }
    }

    /// Evaluates an expression. `Err(None)` means it failed only because it uses a value that
    /// already failed.
    pub fn evaluate(&self, expression: &hcl::Expression) -> Result<Value, Option<EvalFailure>> {
        use hcl::eval::ErrorKind;
        let error = match crate::config::guard::evaluate(expression, &self.context) {
            Ok(value) if exceeds(&value, MAX_VALUE_SIZE) => {
                return Err(Some(EvalFailure {
                    message: format!("the value is too large (over {MAX_VALUE_SIZE} elements and bytes)"),
                    help: "a config value is this large only when values are built from copies of each other; build it from fewer copies".to_owned(),
                    waiting: false,
                }));
            }
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        let mentioned = |prefix: &str, name: &str| {
            let text = error.expr().map(ToString::to_string).unwrap_or_default();
            text.contains(&format!("{prefix}.{name}"))
        };
        match error.kind() {
            ErrorKind::NoSuchKey(key) => {
                for (prefix, names, what) in [("var", &self.variables, "variable"), ("local", &self.locals, "local")] {
                    if !mentioned(prefix, key) {
                        continue;
                    }
                    if self.failed.contains(&format!("{prefix}.{key}")) {
                        return Err(None);
                    }
                    let help = match crate::config::source::closest(key, names) {
                        Some(best) => format!("did you mean `{prefix}.{best}`?"),
                        None if prefix == "var" => format!("declare it: `variable \"{key}\" {{ … }}`"),
                        None => format!("declare it in a `locals` block: `{key} = …`"),
                    };
                    return Err(Some(EvalFailure { message: format!("{what} `{key}` is not declared"), help, waiting: true }));
                }
                Err(Some(EvalFailure { message: format!("there is no key `{key}`"), help: "check the names in this expression".to_owned(), waiting: true }))
            }
            ErrorKind::UndefinedVar(name) => Err(Some(EvalFailure {
                message: format!("`{name}` is not defined"),
                help: "expressions can use `var.<name>`, `local.<name>` and functions; `template.<name>` only in `depends_on`".to_owned(),
                waiting: false,
            })),
            ErrorKind::UndefinedFunc(name) => Err(Some(EvalFailure { message: format!("there is no function `{name}`"), help: HELP.to_owned(), waiting: false })),
            other => Err(Some(EvalFailure { message: other.to_string(), help: HELP.to_owned(), waiting: false })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expression: &str) -> Result<Value, String> {
        let scope = Scope::new(
            hcl::Map::new(),
            hcl::Map::new(),
            std::collections::BTreeSet::new(),
        );
        let parsed: hcl::Expression = hcl::edit::parser::parse_expr(expression).unwrap().into();
        scope
            .evaluate(&parsed)
            .map_err(|failure| failure.map(|failure| failure.message).unwrap_or_default())
    }

    #[test]
    fn collection_functions() {
        assert_eq!(
            eval("merge({a = 1, b = 1}, {b = 2})").unwrap().to_string(),
            eval("{a = 1, b = 2}").unwrap().to_string()
        );
        assert_eq!(
            eval("concat([1], [2, 3])").unwrap(),
            eval("[1, 2, 3]").unwrap()
        );
        assert_eq!(eval("upper(\"eu\")").unwrap(), Value::from("EU"));
        assert_eq!(eval("length([1, 2])").unwrap(), Value::from(2));
        assert_eq!(eval("length(\"héllo\")").unwrap(), Value::from(5));
        assert_eq!(
            eval("jsondecode(jsonencode({a = [1]}))").unwrap(),
            eval("{a = [1]}").unwrap()
        );
        assert_eq!(
            eval("yamldecode(\"a: 1\")").unwrap(),
            eval("{a = 1}").unwrap()
        );
    }

    #[test]
    fn values_over_the_size_limit_are_errors() {
        assert!(!exceeds(&Value::from("abc"), 4));
        assert!(exceeds(&Value::from("abcd"), 4));
        let nested = eval("{ab = [1, 2], c = \"x\"}").unwrap();
        assert!(!exceeds(&nested, 9));
        assert!(exceeds(&nested, 8));
    }

    #[test]
    fn format_follows_terraform() {
        assert_eq!(
            eval("format(\"%s-%d %t %q %%\", \"web\", 3, true, \"x\")").unwrap(),
            Value::from("web-3 true \"x\" %")
        );
        assert!(eval("format(\"%d\", \"x\")").is_err());
        assert!(eval("format(\"%s\")").is_err());
        assert!(eval("format(\"a\", 1)").is_err());
    }

    #[test]
    fn file_functions_read_relative_to_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("motd.tpl"),
            "hello ${name}, ${upper(region)}",
        )
        .unwrap();
        let rendered = with_base_dir(dir.path(), || {
            eval("templatefile(\"motd.tpl\", {name = \"ana\", region = \"eu\"})")
        });
        assert_eq!(rendered.unwrap(), Value::from("hello ana, EU"));
        let read = take_read_files();
        assert_eq!(read[0].0, PathBuf::from("motd.tpl"));
        assert!(with_base_dir(dir.path(), || eval("file(\"missing.txt\")")).is_err());
    }
}
