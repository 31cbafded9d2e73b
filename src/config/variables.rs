//! Input variables: `variable` blocks, their types, and the values given by `--var`,
//! `--var-file` and `MCCTL_VAR_<name>`, resolved with Terraform's precedence (default, then the
//! environment, then var files in order, then `--var` in order; the last one wins).
//!
//! Pure except for reading var files, which the loader hands in as text.

use std::collections::BTreeMap;
use std::fmt;

use hcl::Value;
use hcl::edit::expr::Expression;

/// A type constraint of a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarType {
    /// Any value.
    Any,
    /// A string (numbers and booleans convert).
    String,
    /// A number (numeric strings convert).
    Number,
    /// A boolean (`"true"`/`"false"` convert).
    Bool,
    /// A list of one element type.
    List(Box<VarType>),
    /// A set of one element type (duplicates are dropped).
    Set(Box<VarType>),
    /// A map from strings to one element type.
    Map(Box<VarType>),
    /// An object with typed attributes.
    Object(BTreeMap<String, VarType>),
    /// A tuple with a type per position.
    Tuple(Vec<VarType>),
}

impl fmt::Display for VarType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::String => f.write_str("string"),
            Self::Number => f.write_str("number"),
            Self::Bool => f.write_str("bool"),
            Self::List(element) => write!(f, "list({element})"),
            Self::Set(element) => write!(f, "set({element})"),
            Self::Map(element) => write!(f, "map({element})"),
            Self::Object(attributes) => {
                let parts: Vec<String> = attributes
                    .iter()
                    .map(|(name, ty)| format!("{name} = {ty}"))
                    .collect();
                write!(f, "object({{ {} }})", parts.join(", "))
            }
            Self::Tuple(elements) => {
                let parts: Vec<String> = elements.iter().map(ToString::to_string).collect();
                write!(f, "tuple([{}])", parts.join(", "))
            }
        }
    }
}

/// Parses a type expression: `string`, `list(number)`, `object({ name = string })`, …
pub fn parse_type(expression: &Expression) -> Result<VarType, String> {
    match expression {
        Expression::Variable(name) => match name.as_str() {
            "any" => Ok(VarType::Any),
            "string" => Ok(VarType::String),
            "number" => Ok(VarType::Number),
            "bool" => Ok(VarType::Bool),
            other => Err(format!("`{other}` is not a type")),
        },
        Expression::FuncCall(call) => {
            let name = call.name.name.as_str();
            let args: Vec<&Expression> = call.args.iter().collect();
            let [arg] = args.as_slice() else {
                return Err(format!("`{name}(…)` takes one argument"));
            };
            match name {
                "list" => Ok(VarType::List(Box::new(parse_type(arg)?))),
                "set" => Ok(VarType::Set(Box::new(parse_type(arg)?))),
                "map" => Ok(VarType::Map(Box::new(parse_type(arg)?))),
                "object" => {
                    let Expression::Object(object) = arg else {
                        return Err("`object(…)` takes `{ name = type, … }`".to_owned());
                    };
                    let mut attributes = BTreeMap::new();
                    for (key, value) in object {
                        let key = match key {
                            hcl::edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                            hcl::edit::expr::ObjectKey::Expression(Expression::String(text)) => text.as_str().to_owned(),
                            hcl::edit::expr::ObjectKey::Expression(_) => return Err("object attribute names must be plain names".to_owned()),
                        };
                        attributes.insert(key, parse_type(value.expr())?);
                    }
                    Ok(VarType::Object(attributes))
                }
                "tuple" => {
                    let Expression::Array(array) = arg else {
                        return Err("`tuple(…)` takes `[type, …]`".to_owned());
                    };
                    array.iter().map(parse_type).collect::<Result<_, _>>().map(VarType::Tuple)
                }
                other => Err(format!("`{other}(…)` is not a type constructor")),
            }
        }
        _ => Err("a type is `string`, `number`, `bool`, `any`, or `list(…)`, `set(…)`, `map(…)`, `object({…})`, `tuple([…])`".to_owned()),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Converts a value to a type, as Terraform does for variables.
pub fn convert(value: &Value, ty: &VarType) -> Result<Value, String> {
    let mismatch = || Err(format!("expected {ty}, found {}", kind_of(value)));
    match (ty, value) {
        (VarType::Any, _)
        | (_, Value::Null)
        | (VarType::String, Value::String(_))
        | (VarType::Number, Value::Number(_))
        | (VarType::Bool, Value::Bool(_)) => Ok(value.clone()),
        (VarType::String, Value::Number(number)) => Ok(Value::String(number.to_string())),
        (VarType::String, Value::Bool(flag)) => Ok(Value::String(flag.to_string())),
        (VarType::Number, Value::String(text)) => match text.trim().parse::<f64>() {
            Ok(_) => hcl::from_str::<Value>(&format!("v = {}", text.trim()))
                .ok()
                .and_then(|parsed| match parsed {
                    Value::Object(mut map) => map.swap_remove("v"),
                    _ => None,
                })
                .ok_or_else(|| format!("`{text}` is not a number")),
            Err(_) => Err(format!("expected a number, found the string `{text}`")),
        },
        (VarType::Bool, Value::String(text)) => match text.as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("expected a bool, found the string `{text}`")),
        },
        (VarType::List(element), Value::Array(items)) => items
            .iter()
            .map(|item| convert(item, element))
            .collect::<Result<_, _>>()
            .map(Value::Array),
        (VarType::Set(element), Value::Array(items)) => {
            let mut converted: Vec<Value> = Vec::with_capacity(items.len());
            for item in items {
                let item = convert(item, element)?;
                if !converted.contains(&item) {
                    converted.push(item);
                }
            }
            Ok(Value::Array(converted))
        }
        (VarType::Map(element), Value::Object(map)) => {
            let mut converted = hcl::Map::new();
            for (key, item) in map {
                converted.insert(
                    key.clone(),
                    convert(item, element).map_err(|error| format!("`{key}`: {error}"))?,
                );
            }
            Ok(Value::Object(converted))
        }
        (VarType::Object(attributes), Value::Object(map)) => {
            let mut converted = hcl::Map::new();
            for (name, attribute_type) in attributes {
                let item = map
                    .get(name)
                    .ok_or_else(|| format!("attribute `{name}` is required"))?;
                converted.insert(
                    name.clone(),
                    convert(item, attribute_type).map_err(|error| format!("`{name}`: {error}"))?,
                );
            }
            Ok(Value::Object(converted))
        }
        (VarType::Tuple(elements), Value::Array(items)) => {
            if elements.len() != items.len() {
                return Err(format!(
                    "expected {} elements, found {}",
                    elements.len(),
                    items.len()
                ));
            }
            elements
                .iter()
                .zip(items)
                .map(|(ty, item)| convert(item, ty))
                .collect::<Result<_, _>>()
                .map(Value::Array)
        }
        _ => mismatch(),
    }
}

/// Parses a value given on the command line or in the environment: taken as it is for a string
/// variable, else read as an HCL expression (`[1, 2]`, `{ a = "b" }`, `true`).
pub fn parse_value(text: &str, ty: &VarType) -> Result<Value, String> {
    if *ty == VarType::String {
        return Ok(Value::String(text.to_owned()));
    }
    let expression = hcl::edit::parser::parse_expr(text)
        .map_err(|error| format!("`{text}` is not a value: {}", error.message()))?;
    let expression: hcl::Expression = expression.into();
    let value = crate::config::guard::evaluate(&expression, &crate::config::guard::context())
        .map_err(|error| format!("`{text}` is not a literal value: {error}"))?;
    if *ty == VarType::Any {
        return Ok(value);
    }
    convert(&value, ty)
}

/// The values given outside the config.
#[derive(Debug, Clone, Default)]
pub struct VariableInputs {
    /// `MCCTL_VAR_<name>` values, as (name, text).
    pub environment: Vec<(String, String)>,
    /// `--var-file` paths, in order (relative to the current directory or absolute).
    pub files: Vec<std::path::PathBuf>,
    /// `--var name=value` pairs, in order.
    pub command_line: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> VarType {
        parse_type(&hcl::edit::parser::parse_expr(text).unwrap()).unwrap()
    }

    #[test]
    fn types_parse_and_print() {
        for text in ["string", "list(number)", "map(bool)", "set(string)", "any"] {
            assert_eq!(ty(text).to_string(), text);
        }
        assert_eq!(
            ty("object({ name = string, size = number })").to_string(),
            "object({ name = string, size = number })"
        );
        assert_eq!(
            ty("tuple([string, bool])").to_string(),
            "tuple([string, bool])"
        );
        assert!(parse_type(&hcl::edit::parser::parse_expr("strin").unwrap()).is_err());
    }

    #[test]
    fn values_convert_like_terraform() {
        assert_eq!(
            convert(&Value::from(3), &VarType::String).unwrap(),
            Value::from("3")
        );
        assert_eq!(
            convert(&Value::from("4"), &VarType::Number).unwrap(),
            Value::from(4)
        );
        assert_eq!(
            convert(&Value::from("true"), &VarType::Bool).unwrap(),
            Value::Bool(true)
        );
        assert!(convert(&Value::from("x"), &VarType::Number).is_err());
        let object = ty("object({ name = string })");
        let mut map = hcl::Map::new();
        map.insert("name".to_owned(), Value::from("web"));
        map.insert("extra".to_owned(), Value::from(1));
        let mut expected = hcl::Map::new();
        expected.insert("name".to_owned(), Value::from("web"));
        assert_eq!(
            convert(&Value::Object(map), &object).unwrap(),
            Value::Object(expected)
        );
        assert_eq!(
            convert(&Value::Object(hcl::Map::new()), &object).unwrap_err(),
            "attribute `name` is required"
        );
    }

    #[test]
    fn command_line_values_are_strings_or_expressions() {
        assert_eq!(
            parse_value("1.25.3", &VarType::String).unwrap(),
            Value::from("1.25.3")
        );
        assert_eq!(parse_value("3", &VarType::Number).unwrap(), Value::from(3));
        assert_eq!(
            parse_value("[\"a\", \"b\"]", &ty("list(string)")).unwrap(),
            Value::Array(vec![Value::from("a"), Value::from("b")])
        );
        assert!(parse_value("[1, ", &ty("list(number)")).is_err());
        assert!(parse_value("var.x", &VarType::Number).is_err());
    }
}
