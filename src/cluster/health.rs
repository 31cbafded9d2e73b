//! Health of applied objects read from their live status, for backends that can read it.
//!
//! Pure. Apply waits for every object of a wave to be [`Health::Ready`] before the next wave,
//! so a custom resource in a later wave than its CRD reaches the API server only once the CRD
//! serves it. The directory backend cannot observe health (a `GitOps` agent applies later) and
//! relies on wave order alone; a live (Push) backend must answer `health` for a CRD with
//! [`crd_health`].

use serde_json::Value;

use super::Health;

/// A CRD is ready once the API server reports it `Established` (its API is
/// served); `NamesAccepted: False` means its names clash with another CRD's and it never will be.
#[must_use]
pub fn crd_health(live: &Value) -> Health {
    let condition = |kind: &str| {
        live.pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|condition| condition.get("type").and_then(Value::as_str) == Some(kind))
    };
    let text = |condition: &Value, field: &str| {
        condition
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(names) = condition("NamesAccepted")
        && names.get("status").and_then(Value::as_str) == Some("False")
    {
        return Health::Failed(format!("names not accepted: {}", text(names, "message")));
    }
    match condition("Established") {
        Some(established) if established.get("status").and_then(Value::as_str) == Some("True") => {
            Health::Ready
        }
        Some(established) => Health::Progressing(format!(
            "not established yet: {}",
            text(established, "message")
        )),
        None => Health::Progressing("not established yet".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_crd_is_ready_once_established() {
        let established = json!({"status": {"conditions": [
            {"type": "NamesAccepted", "status": "True"},
            {"type": "Established", "status": "True"}
        ]}});
        assert_eq!(crd_health(&established), Health::Ready);
        let waiting = json!({"status": {"conditions": [
            {"type": "Established", "status": "False", "message": "installing"}
        ]}});
        assert_eq!(
            crd_health(&waiting),
            Health::Progressing("not established yet: installing".to_owned())
        );
        assert!(matches!(crd_health(&json!({})), Health::Progressing(_)));
    }

    #[test]
    fn a_crd_whose_names_clash_fails() {
        let clash = json!({"status": {"conditions": [
            {"type": "NamesAccepted", "status": "False", "message": "\"widgets\" is already in use"},
            {"type": "Established", "status": "False"}
        ]}});
        assert_eq!(
            crd_health(&clash),
            Health::Failed("names not accepted: \"widgets\" is already in use".to_owned())
        );
    }
}
