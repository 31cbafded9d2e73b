//! Evaluation that cannot panic or run away: expressions are rewritten before hcl-rs evaluates
//! them, also inside template strings and `templatefile` templates.
//!
//! - hcl-rs computes `+ - * / %` with plain integer and float operators, so `5 % 0` panics,
//!   integer overflow panics in debug builds, and `1 / 0` trips an assertion. Every arithmetic
//!   operation becomes a call to [`ARITHMETIC`], which computes the same result with checked
//!   operations (integers that leave the 64-bit range continue as floats) and reports division
//!   by zero and results out of range as evaluation errors.
//! - hcl-rs has no limit on the work an expression takes: forty nested two-element `for` loops,
//!   or a value copied from itself forty times, would run until memory is gone. Every loop
//!   iteration and every value read from a variable, a local, a loop variable, a function or a
//!   loop body is counted against a [`BUDGET`] per expression ([`ITERATE`] and [`COUNT`]); past
//!   it, evaluation stops with an error.

use std::cell::Cell;

use hcl::Value;
use hcl::eval::{Context, ErrorKind, FuncArgs, FuncDef, ParamType};
use hcl::expr::{
    BinaryOp, BinaryOperator, Conditional, Expression, ForExpr, FuncCall, Object, ObjectKey,
    Operation, TemplateExpr, Traversal, TraversalOperator, UnaryOp,
};
use hcl::template::{Directive, Element, Template};
use hcl::{Identifier, Number};

/// The function arithmetic operators are rewritten to; not a name users can write by accident.
pub const ARITHMETIC: &str = "mcctl__arithmetic";

/// The function loop collections pass through: `mcctl__iterate(collection, weight)` counts
/// `weight` per element.
pub const ITERATE: &str = "mcctl__iterate";

/// The function read values pass through: it counts the size of the value.
pub const COUNT: &str = "mcctl__count";

/// The work one expression may take, in values and bytes read plus [`ITERATION`] per loop
/// iteration: over a thousand times what a real config needs, and a fraction of a second.
pub const BUDGET: usize = 1 << 21;

/// What one loop iteration counts: hcl-rs sets up a scope for each, which costs far more than
/// copying a value.
const ITERATION: usize = 512;

thread_local! {
    /// Work spent on the expression being evaluated.
    static SPENT: Cell<usize> = const { Cell::new(0) };
}

/// Declares the functions rewritten expressions call.
pub fn declare(context: &mut Context<'_>) {
    context.declare_func(
        ARITHMETIC,
        FuncDef::builder()
            .params([ParamType::Any, ParamType::String, ParamType::Any])
            .build(arithmetic),
    );
    context.declare_func(
        ITERATE,
        FuncDef::builder()
            .params([ParamType::Any, ParamType::Number])
            .build(iterate),
    );
    context.declare_func(COUNT, FuncDef::builder().param(ParamType::Any).build(count));
}

/// A context with only the functions rewritten expressions call.
#[must_use]
pub fn context() -> Context<'static> {
    let mut context = Context::new();
    declare(&mut context);
    context
}

/// Evaluates `expression` rewritten, with a fresh [`BUDGET`]; `context` must have [`declare`]d.
pub fn evaluate(expression: &Expression, context: &Context<'_>) -> Result<Value, EvalError> {
    SPENT.with(|spent| spent.set(0));
    hcl::eval::Evaluate::evaluate(&rewrite(expression.clone()), context).map_err(EvalError::new)
}

/// Evaluates a template rewritten, on the budget of the expression that asked for it (it is
/// `templatefile`'s); `context` must have [`declare`]d.
pub fn evaluate_template(template: &Template, context: &Context<'_>) -> Result<String, EvalError> {
    hcl::eval::Evaluate::evaluate(&map_template(template.clone(), &rewrite, true), context)
        .map_err(EvalError::new)
}

fn operator_symbol(operator: BinaryOperator) -> Option<&'static str> {
    match operator {
        BinaryOperator::Plus => Some("+"),
        BinaryOperator::Minus => Some("-"),
        BinaryOperator::Mul => Some("*"),
        BinaryOperator::Div => Some("/"),
        BinaryOperator::Mod => Some("%"),
        _ => None,
    }
}

fn call(name: &str, args: impl IntoIterator<Item = Expression>) -> Expression {
    let mut call = FuncCall::new(Identifier::unchecked(name));
    call.args.extend(args);
    Expression::FuncCall(Box::new(call))
}

fn counted(expression: Expression) -> Expression {
    call(COUNT, [expression])
}

fn iterated(collection: Expression, weight: usize) -> Expression {
    let weight = u64::try_from(weight).unwrap_or(u64::MAX);
    call(
        ITERATE,
        [collection, Expression::Number(Number::from(weight))],
    )
}

/// `expression` with arithmetic replaced by calls to [`ARITHMETIC`], loop collections passed
/// through [`ITERATE`] and values read passed through [`COUNT`].
#[must_use]
pub fn rewrite(expression: Expression) -> Expression {
    match expression {
        Expression::Operation(operation) => match *operation {
            Operation::Binary(BinaryOp {
                lhs_expr,
                operator,
                rhs_expr,
            }) if operator_symbol(operator).is_some() => call(
                ARITHMETIC,
                [
                    rewrite(lhs_expr),
                    Expression::String(operator_symbol(operator).unwrap_or_default().to_owned()),
                    rewrite(rhs_expr),
                ],
            ),
            other => map_children(Expression::Operation(Box::new(other)), &rewrite),
        },
        Expression::Traversal(traversal) => {
            let Traversal { expr, operators } = *traversal;
            let operators = operators
                .into_iter()
                .map(|operator| match operator {
                    TraversalOperator::Index(index) => TraversalOperator::Index(rewrite(index)),
                    other => other,
                })
                .collect();
            // The root is counted as the value the traversal reads, not whole.
            let expr = match expr {
                variable @ Expression::Variable(_) => variable,
                other => rewrite(other),
            };
            counted(Expression::Traversal(Box::new(Traversal {
                expr,
                operators,
            })))
        }
        variable @ Expression::Variable(_) => counted(variable),
        function @ Expression::FuncCall(_) => counted(map_children(function, &rewrite)),
        Expression::ForExpr(for_expr) => {
            let ForExpr {
                key_var,
                value_var,
                collection_expr,
                key_expr,
                value_expr,
                grouping,
                cond_expr,
            } = *for_expr;
            Expression::ForExpr(Box::new(ForExpr {
                key_var,
                value_var,
                collection_expr: iterated(rewrite(collection_expr), ITERATION),
                key_expr: key_expr.map(|key| counted(rewrite(key))),
                value_expr: counted(rewrite(value_expr)),
                grouping,
                cond_expr: cond_expr.map(rewrite),
            }))
        }
        Expression::TemplateExpr(template) => map_template_expr(*template, &|template| {
            map_template(template, &rewrite, true)
        }),
        other => map_children(other, &rewrite),
    }
}

/// The expression [`rewrite`] was given, from what it made: for error messages.
#[must_use]
pub fn restore(expression: Expression) -> Expression {
    match expression {
        Expression::FuncCall(function)
            if [COUNT, ITERATE, ARITHMETIC].contains(&function.name.name.as_str()) =>
        {
            let mut args = function.args.into_iter();
            let first = restore(args.next().unwrap_or(Expression::Null));
            if function.name.name.as_str() != ARITHMETIC {
                return first;
            }
            let symbol = args.next();
            let rhs_expr = restore(args.next().unwrap_or(Expression::Null));
            let operator = match symbol {
                Some(Expression::String(symbol)) => match symbol.as_str() {
                    "+" => BinaryOperator::Plus,
                    "-" => BinaryOperator::Minus,
                    "*" => BinaryOperator::Mul,
                    "/" => BinaryOperator::Div,
                    _ => BinaryOperator::Mod,
                },
                _ => BinaryOperator::Mod,
            };
            Expression::Operation(Box::new(Operation::Binary(BinaryOp {
                lhs_expr: first,
                operator,
                rhs_expr,
            })))
        }
        Expression::TemplateExpr(template) => map_template_expr(*template, &|template| {
            map_template(template, &restore, false)
        }),
        other => map_children(other, &restore),
    }
}

/// `expression` with `f` applied to each of its direct sub-expressions.
fn map_children(expression: Expression, f: &dyn Fn(Expression) -> Expression) -> Expression {
    match expression {
        Expression::Array(items) => Expression::Array(items.into_iter().map(f).collect()),
        Expression::Object(object) => Expression::Object(
            object
                .into_iter()
                .map(|(key, value)| {
                    let key = match key {
                        ObjectKey::Expression(key) => ObjectKey::Expression(f(key)),
                        other => other,
                    };
                    (key, f(value))
                })
                .collect::<Object<ObjectKey, Expression>>(),
        ),
        Expression::Traversal(traversal) => {
            let Traversal { expr, operators } = *traversal;
            let operators = operators
                .into_iter()
                .map(|operator| match operator {
                    TraversalOperator::Index(index) => TraversalOperator::Index(f(index)),
                    other => other,
                })
                .collect();
            Expression::Traversal(Box::new(Traversal {
                expr: f(expr),
                operators,
            }))
        }
        Expression::FuncCall(function) => {
            let mut function = *function;
            function.args = function.args.into_iter().map(f).collect();
            Expression::FuncCall(Box::new(function))
        }
        Expression::Parenthesis(inner) => Expression::Parenthesis(Box::new(f(*inner))),
        Expression::Conditional(conditional) => {
            let Conditional {
                cond_expr,
                true_expr,
                false_expr,
            } = *conditional;
            Expression::Conditional(Box::new(Conditional {
                cond_expr: f(cond_expr),
                true_expr: f(true_expr),
                false_expr: f(false_expr),
            }))
        }
        Expression::Operation(operation) => Expression::Operation(Box::new(match *operation {
            Operation::Unary(UnaryOp { operator, expr }) => Operation::Unary(UnaryOp {
                operator,
                expr: f(expr),
            }),
            Operation::Binary(BinaryOp {
                lhs_expr,
                operator,
                rhs_expr,
            }) => Operation::Binary(BinaryOp {
                lhs_expr: f(lhs_expr),
                operator,
                rhs_expr: f(rhs_expr),
            }),
        })),
        Expression::ForExpr(for_expr) => {
            let ForExpr {
                key_var,
                value_var,
                collection_expr,
                key_expr,
                value_expr,
                grouping,
                cond_expr,
            } = *for_expr;
            Expression::ForExpr(Box::new(ForExpr {
                key_var,
                value_var,
                collection_expr: f(collection_expr),
                key_expr: key_expr.map(f),
                value_expr: f(value_expr),
                grouping,
                cond_expr: cond_expr.map(f),
            }))
        }
        // Literals, variables and templates; anything a later hcl-rs adds stays as it is.
        other => other,
    }
}

/// A template string is parsed only when evaluated, so its expressions are changed by parsing
/// it here and writing it back. One that does not parse is left for the evaluator to report.
fn map_template_expr(template_expr: TemplateExpr, f: &dyn Fn(Template) -> Template) -> Expression {
    let Ok(template) = Template::from_expr(&template_expr) else {
        return Expression::TemplateExpr(Box::new(template_expr));
    };
    let changed = f(template.clone());
    if changed == template {
        return Expression::TemplateExpr(Box::new(template_expr));
    }
    let Ok(text) = hcl::format::to_string(&changed) else {
        return Expression::TemplateExpr(Box::new(template_expr));
    };
    let template_expr = match template_expr {
        TemplateExpr::QuotedString(_) => TemplateExpr::QuotedString(text),
        TemplateExpr::Heredoc(mut heredoc) => {
            heredoc.template = text;
            TemplateExpr::Heredoc(heredoc)
        }
    };
    Expression::TemplateExpr(Box::new(template_expr))
}

/// `template` with `f` applied to each expression in it; with `count_loops`, each `for`
/// directive's collection also passes through [`ITERATE`].
fn map_template(
    mut template: Template,
    f: &dyn Fn(Expression) -> Expression,
    count_loops: bool,
) -> Template {
    let take = |expression: &mut Expression| std::mem::replace(expression, Expression::Null);
    for element in template.elements_mut() {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(interpolation) => {
                interpolation.expr = f(take(&mut interpolation.expr));
            }
            Element::Directive(directive) => match directive.as_mut() {
                Directive::If(directive) => {
                    directive.cond_expr = f(take(&mut directive.cond_expr));
                    directive.true_template =
                        map_template(std::mem::take(&mut directive.true_template), f, count_loops);
                    directive.false_template = directive
                        .false_template
                        .take()
                        .map(|template| map_template(template, f, count_loops));
                }
                Directive::For(directive) => {
                    let collection = f(take(&mut directive.collection_expr));
                    directive.collection_expr = if count_loops {
                        // Each iteration writes the body's text; interpolations count
                        // themselves.
                        let text: usize = directive
                            .template
                            .elements()
                            .iter()
                            .map(|element| match element {
                                Element::Literal(text) => text.len(),
                                _ => 0,
                            })
                            .sum();
                        iterated(collection, ITERATION + text)
                    } else {
                        collection
                    };
                    directive.template =
                        map_template(std::mem::take(&mut directive.template), f, count_loops);
                }
            },
        }
    }
    template
}

/// An evaluation error, told in terms of the expression as written.
#[derive(Debug)]
pub struct EvalError {
    inner: Box<(ErrorKind, Option<Expression>)>,
}

impl EvalError {
    fn new(error: hcl::eval::Error) -> Self {
        let expr = error.expr().cloned().map(restore);
        let kind = match error.into_kind() {
            ErrorKind::FuncCall(name, message)
                if [COUNT, ITERATE, ARITHMETIC].contains(&name.name.as_str()) =>
            {
                ErrorKind::Message(message)
            }
            other => other,
        };
        Self {
            inner: Box::new((kind, expr)),
        }
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.0
    }

    /// The part of the expression where it went wrong.
    #[must_use]
    pub fn expr(&self) -> Option<&Expression> {
        self.inner.1.as_ref()
    }
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind())?;
        if let Some(expr) = self.expr() {
            write!(f, " in expression `{expr}`")?;
        }
        Ok(())
    }
}

fn spend(units: usize) -> Result<(), String> {
    SPENT.with(|spent| {
        let total = spent.get().saturating_add(units);
        spent.set(total);
        if total > BUDGET {
            Err(format!(
                "evaluation takes too much work (loop iterations and values read add up to over {BUDGET}); the expression multiplies its data, e.g. with nested loops or values built from copies of each other"
            ))
        } else {
            Ok(())
        }
    })
}

/// The size of `value` in values and bytes of strings and keys, counted up to `limit` (a
/// result over `limit` means "more").
#[must_use]
pub fn size_up_to(value: &Value, limit: usize) -> usize {
    let mut size = 0_usize;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        size = size.saturating_add(match value {
            Value::String(text) => 1 + text.len(),
            Value::Array(items) => {
                pending.extend(items);
                1
            }
            Value::Object(map) => {
                pending.extend(map.values());
                1 + map.keys().map(String::len).sum::<usize>()
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => 1,
        });
        if size > limit {
            break;
        }
    }
    size
}

fn iterate(args: FuncArgs) -> Result<Value, String> {
    let mut values = args.into_values().into_iter();
    let collection = values.next().unwrap_or(Value::Null);
    let weight = values
        .next()
        .and_then(|weight| weight.as_u64())
        .and_then(|weight| usize::try_from(weight).ok())
        .unwrap_or(1);
    let elements = match &collection {
        Value::Array(items) => items.len(),
        Value::Object(map) => map.len(),
        _ => 0,
    };
    spend(elements.saturating_mul(weight))?;
    Ok(collection)
}

fn count(args: FuncArgs) -> Result<Value, String> {
    let value = args.into_values().into_iter().next().unwrap_or(Value::Null);
    spend(size_up_to(&value, BUDGET))?;
    Ok(value)
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "hcl-rs calls functions with owned arguments"
)]
fn arithmetic(args: FuncArgs) -> Result<Value, String> {
    let (Some(lhs), Some(Value::String(symbol)), Some(rhs)) =
        (args.first(), args.get(1), args.get(2))
    else {
        return Err("arithmetic takes two numbers and an operator".to_owned());
    };
    let (Value::Number(lhs), Value::Number(rhs)) = (lhs, rhs) else {
        return Err(format!(
            "`{symbol}` takes two numbers, found {lhs} and {rhs}"
        ));
    };
    checked(lhs, symbol, rhs).map(Value::Number)
}

/// `lhs <symbol> rhs` as hcl-rs computes it, without panics: integers stay integers while the
/// result fits in 64 bits, division is always on floats, and a result that is not a finite
/// number is an error.
pub fn checked(lhs: &Number, symbol: &str, rhs: &Number) -> Result<Number, String> {
    let integer = |number: &Number| {
        number
            .as_i64()
            .map(i128::from)
            .or_else(|| number.as_u64().map(i128::from))
    };
    let zero_divisor = matches!(symbol, "/" | "%") && rhs.as_f64() == Some(0.0);
    if zero_divisor {
        return Err(match symbol {
            "/" => "division by zero".to_owned(),
            _ => "modulo by zero".to_owned(),
        });
    }
    if symbol != "/"
        && let (Some(a), Some(b)) = (integer(lhs), integer(rhs))
    {
        let result = match symbol {
            "+" => a.checked_add(b),
            "-" => a.checked_sub(b),
            "*" => a.checked_mul(b),
            "%" => a.checked_rem(b),
            _ => return Err(format!("unknown operator `{symbol}`")),
        };
        if let Some(result) = result {
            if let Ok(result) = i64::try_from(result) {
                return Ok(Number::from(result));
            }
            if let Ok(result) = u64::try_from(result) {
                return Ok(Number::from(result));
            }
        }
    }
    let (Some(a), Some(b)) = (lhs.as_f64(), rhs.as_f64()) else {
        return Err("not a number".to_owned());
    };
    let result = match symbol {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" => a / b,
        "%" => a % b,
        _ => return Err(format!("unknown operator `{symbol}`")),
    };
    Number::from_f64(result).ok_or_else(|| format!("`{lhs} {symbol} {rhs}` is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expression: &str) -> Result<Value, String> {
        let parsed: Expression = hcl::edit::parser::parse_expr(expression).unwrap().into();
        evaluate(&parsed, &context()).map_err(|error| error.to_string())
    }

    #[test]
    fn arithmetic_matches_hcl() {
        for (expression, expected) in [
            ("1 + 2 * 3", Value::from(7)),
            ("7 / 2", Value::from(3.5)),
            ("6 / 3", Value::from(2)),
            ("-7 % 2", Value::from(-1)),
            ("1.5 + 1", Value::from(2.5)),
            (
                "9223372036854775807 + 1",
                Value::from(9_223_372_036_854_775_808_u64),
            ),
            ("\"${2 * 21}!\"", Value::from("42!")),
            ("[for n in [1, 2] : n * 10]", Value::from(vec![10, 20])),
            (
                "\"%{ for n in [1, 2] }${n + 1}%{ endfor }\"",
                Value::from("23"),
            ),
            ("1 < 2 && 3 >= 3", Value::Bool(true)),
        ] {
            assert_eq!(eval(expression).unwrap(), expected, "{expression}");
        }
    }

    #[test]
    fn templates_keep_their_meaning() {
        let context = {
            let mut context = context();
            let mut variables = hcl::Map::new();
            variables.insert("name".to_owned(), Value::from("web"));
            context.declare_var("var", Value::Object(variables));
            context
        };
        for (expression, expected) in [
            (
                "\"a ${var.name} $${literal} %%{x}\"",
                "a web ${literal} %{x}",
            ),
            ("\"%{ for n in [1, 2] ~} ${n} %{~ endfor }\"", "12"),
            ("\"%{ if 1 + 1 == 2 }yes%{ else }no%{ endif }\"", "yes"),
            ("<<EOT\n  ${var.name}\n  x\nEOT", "  web\n  x\n"),
            ("<<-EOT\n    ${var.name}\n      x\n    EOT", "web\n  x\n"),
        ] {
            let parsed: Expression = hcl::edit::parser::parse_expr(expression).unwrap().into();
            assert_eq!(
                evaluate(&parsed, &context).unwrap(),
                Value::from(expected),
                "{expression}"
            );
        }
    }

    #[test]
    fn runaway_evaluation_is_an_error() {
        let mut nested_loops = "1".to_owned();
        let mut nested_directives = "x".to_owned();
        for depth in 0..40 {
            nested_loops = format!("[for a{depth} in [1, 2] : {nested_loops}]");
            nested_directives =
                format!("%{{ for b{depth} in [1, 2] }}{nested_directives}%{{ endfor }}");
        }
        let error = eval(&nested_loops).unwrap_err();
        assert!(error.contains("too much work"), "{error}");
        assert!(eval(&format!("\"{nested_directives}\"")).is_err());
        // Real loops are far from the budget.
        assert!(eval("[for a in [1, 2, 3] : [for b in [1, 2, 3] : a * b]]").is_ok());
    }

    #[test]
    fn what_would_panic_is_an_error() {
        for expression in [
            "5 % 0",
            "1 / 0",
            "0 / 0",
            "\"${5 % 0}\"",
            "1e308 * 10",
            "-9223372036854775808 % -1 + 18446744073709551615 * 18446744073709551615 * 1e308",
        ] {
            assert!(eval(expression).is_err(), "{expression}");
        }
        assert_eq!(
            eval("5 % 0").unwrap_err(),
            "modulo by zero in expression `5 % 0`"
        );
        assert_eq!(
            eval("[for n in [1] : n / 0]").unwrap_err(),
            "division by zero in expression `n / 0`"
        );
        assert_eq!(eval("-9223372036854775808 % -1").unwrap(), Value::from(0));
    }
}
