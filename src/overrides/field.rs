//! The field overrider: JSON-patch operations inside a string field that holds a JSON or YAML
//! document (a `ConfigMap`'s `config.yaml`, say), as Karmada's `fieldOverrider` does (KARMADA.md
//! §1.2). The string is decoded, patched at each `subPath`, encoded again and written back.

use serde_json::Value;

use super::Failure;
use super::command_args::type_name;
use crate::model::{FieldEncoding, FieldOverrider};

/// Applies one overrider; returns the `subPath`s that changed (empty when the text is unchanged).
pub fn apply(manifest: &mut Value, overrider: &FieldOverrider) -> Result<Vec<String>, Failure> {
    let path = &overrider.field_path;
    let Some(field) = manifest.pointer_mut(path) else {
        return Err(Failure::new(path, "the field does not exist"));
    };
    let Value::String(text) = field else {
        return Err(Failure::new(
            path,
            format!(
                "the field is {}, not a string holding {}",
                type_name(field),
                overrider.encoding.as_str().to_uppercase()
            ),
        ));
    };
    let mut document =
        decode(text, overrider.encoding).map_err(|message| Failure::new(path, message))?;
    let changed =
        super::plaintext::apply(&mut document, &overrider.operations).map_err(|failure| {
            Failure::new(
                path,
                format!("at subPath `{}`: {}", failure.path, failure.message),
            )
        })?;
    let encoded =
        encode(&document, overrider.encoding).map_err(|message| Failure::new(path, message))?;
    if encoded == *text {
        return Ok(Vec::new());
    }
    *text = encoded;
    Ok(changed)
}

fn decode(text: &str, encoding: FieldEncoding) -> Result<Value, String> {
    match encoding {
        FieldEncoding::Json => serde_json::from_str(text)
            .map_err(|error| format!("the field does not hold valid JSON: {error}")),
        FieldEncoding::Yaml => {
            // Karmada decodes with YAML 1.1 rules, where `0644` is an octal number.
            let options =
                serde_saphyr::options! { legacy_octal_numbers: true, with_snippet: false };
            serde_saphyr::from_str_with_options(text, options)
                .map_err(|error| format!("the field does not hold valid YAML: {error}"))
        }
    }
}

/// JSON is written compactly; YAML in block style with two-space indents. Keys come out
/// sorted either way (Karmada keeps a JSON document's key order; its YAML is sorted too).
fn encode(document: &Value, encoding: FieldEncoding) -> Result<String, String> {
    match encoding {
        FieldEncoding::Json => serde_json::to_string(document).map_err(|error| error.to_string()),
        FieldEncoding::Yaml => serde_saphyr::to_string(document).map_err(|error| error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{PatchOperator, PlaintextPatch};

    fn overrider(encoding: FieldEncoding, sub_path: &str, value: Value) -> FieldOverrider {
        FieldOverrider {
            field_path: "/data/config".into(),
            encoding,
            operations: vec![PlaintextPatch {
                path: sub_path.into(),
                operator: PatchOperator::Replace,
                value: Some(value),
            }],
        }
    }

    #[test]
    fn yaml_is_decoded_patched_and_encoded_again() {
        let mut manifest = json!({"data": {"config": "log:\n  level: info\nports:\n- 80\n"}});
        let changed = apply(
            &mut manifest,
            &overrider(FieldEncoding::Yaml, "/log/level", json!("debug")),
        )
        .unwrap();
        assert_eq!(
            manifest["data"]["config"],
            "log:\n  level: debug\nports:\n- 80\n"
        );
        assert_eq!(changed, ["/log/level"]);
    }

    #[test]
    fn json_is_written_compactly() {
        let mut manifest = json!({"data": {"config": "{ \"b\": 1,\n  \"a\": {\"x\": true} }"}});
        apply(
            &mut manifest,
            &overrider(FieldEncoding::Json, "/a/x", json!(false)),
        )
        .unwrap();
        assert_eq!(manifest["data"]["config"], r#"{"a":{"x":false},"b":1}"#);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (json!({"data": {}}), "the field does not exist"),
            (
                json!({"data": {"config": 3}}),
                "the field is a number, not a string holding JSON",
            ),
            (
                json!({"data": {"config": "{"}}),
                "the field does not hold valid JSON",
            ),
            (
                json!({"data": {"config": "{}"}}),
                "at subPath `/a/x`: `replace` needs the field to exist",
            ),
        ];
        for (mut manifest, message) in cases {
            let failure = apply(
                &mut manifest,
                &overrider(FieldEncoding::Json, "/a/x", json!(1)),
            )
            .unwrap_err();
            assert_eq!(failure.path, "/data/config");
            assert!(failure.message.starts_with(message), "{}", failure.message);
        }
    }
}
