//! The drift report (`plan --refresh-only`, `mcctl drift`): per cluster, which objects changed
//! outside mcctl and which fields, as text, markdown (a pull-request comment or an alert) or
//! JSON. Secret values arrive masked from the plan stage.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::addr::ClusterName;
use crate::plan::drift::{DriftKind, DriftReport, Drifted};
use crate::plan::fields::short;

/// How many fields a one-line summary names before it says "and N more".
const FIELDS_PER_LINE: usize = 3;

fn by_cluster(report: &DriftReport) -> BTreeMap<&ClusterName, Vec<&Drifted>> {
    let mut clusters: BTreeMap<&ClusterName, Vec<&Drifted>> = report
        .checked
        .keys()
        .map(|cluster| (cluster, Vec::new()))
        .collect();
    for drifted in &report.drifted {
        clusters.entry(&drifted.cluster).or_default().push(drifted);
    }
    clusters
}

/// Text as a Markdown code span: live values are whatever someone wrote on a cluster, and must
/// not become links, images or HTML in a pull-request comment.
fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// One object's drift in a few words: `spec.replicas 4 → 7, metadata.labels.x (none) → y`.
fn describe(drifted: &Drifted) -> String {
    describe_with(drifted, str::to_owned)
}

fn describe_with(drifted: &Drifted, quote: impl Fn(&str) -> String) -> String {
    if drifted.kind == DriftKind::Deleted {
        return "deleted".to_owned();
    }
    if drifted.fields.is_empty() {
        return "changed".to_owned();
    }
    let mut parts: Vec<String> = drifted
        .fields
        .iter()
        .take(FIELDS_PER_LINE)
        .map(|field| {
            format!(
                "{} {} → {}",
                quote(&short(Some(&serde_json::Value::String(field.path.clone())))),
                quote(&short(field.before.as_ref())),
                quote(&short(field.after.as_ref()))
            )
        })
        .collect();
    if drifted.fields.len() > FIELDS_PER_LINE {
        parts.push(format!(
            "and {} more",
            drifted.fields.len() - FIELDS_PER_LINE
        ));
    }
    parts.join(", ")
}

fn objects(count: usize) -> String {
    format!("{count} object{}", if count == 1 { "" } else { "s" })
}

/// Plain text: a line per cluster, then one per drifted object.
#[must_use]
pub fn text(report: &DriftReport) -> String {
    let mut out = String::new();
    for (cluster, drifted) in by_cluster(report) {
        if drifted.is_empty() {
            let _ = writeln!(out, "{cluster}: no drift");
            continue;
        }
        let _ = writeln!(out, "{cluster}: {} drifted", objects(drifted.len()));
        for item in drifted {
            let _ = writeln!(out, "  {}: {}", item.object, describe(item));
        }
    }
    for cluster in &report.unchecked {
        let _ = writeln!(out, "{cluster}: not checked (not refreshed or unreachable)");
    }
    let _ = writeln!(out, "\n{}", total(report));
    out
}

/// Markdown: a heading, a line per cluster and a bullet per object, with addresses as code.
#[must_use]
pub fn markdown(report: &DriftReport) -> String {
    let mut out = String::new();
    let heading = if report.has_drift() {
        "### mcctl drift: clusters changed outside mcctl"
    } else {
        "### mcctl drift: no drift"
    };
    let _ = writeln!(out, "{heading}\n");
    for (cluster, drifted) in by_cluster(report) {
        if drifted.is_empty() {
            let _ = writeln!(out, "- **{cluster}**: no drift");
            continue;
        }
        let _ = writeln!(out, "- **{cluster}**: {} drifted", objects(drifted.len()));
        for item in drifted {
            let _ = writeln!(out, "  - `{}`: {}", item.object, describe_with(item, code));
        }
    }
    for cluster in &report.unchecked {
        let _ = writeln!(
            out,
            "- **{cluster}**: not checked (not refreshed or unreachable)"
        );
    }
    let _ = writeln!(out, "\n{}", total(report));
    out
}

/// JSON: `{"drift": bool, "clusters": [{"name", "drifted": [{"object", "kind", "fields"}]}],
/// "unchecked": [...]}`.
#[must_use]
pub fn json(report: &DriftReport) -> Value {
    let clusters: Vec<Value> = by_cluster(report)
        .into_iter()
        .map(|(cluster, drifted)| {
            let drifted: Vec<Value> = drifted
                .into_iter()
                .map(|item| {
                    let fields: Vec<Value> = item
                        .fields
                        .iter()
                        .map(|field| {
                            json!({"path": field.path, "before": field.before, "after": field.after})
                        })
                        .collect();
                    json!({
                        "object": item.object.to_string(),
                        "kind": match item.kind {
                            DriftKind::Changed => "changed",
                            DriftKind::Deleted => "deleted",
                        },
                        "fields": fields,
                    })
                })
                .collect();
            json!({"name": cluster.to_string(), "drifted": drifted})
        })
        .collect();
    let unchecked: Vec<String> = report.unchecked.iter().map(ToString::to_string).collect();
    json!({
        "drift": report.has_drift(),
        "clusters": clusters,
        "unchecked": unchecked,
    })
}

/// The last line: how many objects drifted on how many clusters.
fn total(report: &DriftReport) -> String {
    if !report.has_drift() {
        return format!(
            "No drift: {} cluster(s) match the state.",
            report.checked.len()
        );
    }
    let clusters = by_cluster(report)
        .values()
        .filter(|drifted| !drifted.is_empty())
        .count();
    format!(
        "Drift: {} on {clusters} cluster(s). `mcctl apply` restores them; `mcctl apply --refresh-only` accepts them into the state.",
        objects(report.drifted.len())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What someone wrote on a cluster stays one code span: no markup, no extra lines.
    #[test]
    fn live_values_cannot_forge_markdown() {
        assert_eq!(code("4"), "`4`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("`x"), "`` `x ``");
        let forged = short(Some(&serde_json::json!(
            "w\n- **us-9**: 99 objects drifted <img>"
        )));
        assert!(!forged.contains('\n'), "{forged}");
        assert!(code(&forged).starts_with('`'));
    }
}
