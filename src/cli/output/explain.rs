//! `mcctl explain`: one template's scheduling, step by step, as text or JSON.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde_json::{Value, json};

use crate::addr::ClusterName;
use crate::plan::BindingView;
use crate::plan::json::{clusters, policy, resource};
use crate::scheduler::{Binding, ClusterReport, Explanation, Outcome, Target};

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn paint(style: Style, text: &str) -> String {
    format!("{}{text}{}", style.render(), style.render_reset())
}

fn targets(targets: &[Target]) -> String {
    if targets.is_empty() {
        return "no cluster".to_owned();
    }
    targets
        .iter()
        .map(|target| match target.replicas {
            Some(replicas) => format!("{} {replicas}", target.cluster),
            None => target.cluster.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn listed(list: &[(ClusterName, Option<u32>)]) -> String {
    let targets: Vec<Target> = list
        .iter()
        .map(|(cluster, replicas)| Target {
            cluster: cluster.clone(),
            replicas: *replicas,
        })
        .collect();
    self::targets(&targets)
}

/// What happened, in one sentence.
fn outcome(binding: &Binding) -> String {
    match &binding.outcome {
        Outcome::NotPropagated => "not propagated".to_owned(),
        Outcome::Scheduled => format!("scheduled: {}", targets(&binding.targets)),
        Outcome::Unchanged { now_feasible } if now_feasible.is_empty() => {
            format!("unchanged: {}", targets(&binding.targets))
        }
        Outcome::Unchanged { now_feasible } => format!(
            "unchanged: {} ({} would fit too; `--rebalance` divides afresh)",
            targets(&binding.targets),
            now_feasible
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Outcome::Kept { reason } => format!(
            "cannot be scheduled ({reason}); the previous placement stays: {}",
            targets(&binding.targets)
        ),
        Outcome::NoFit { .. } => "no cluster fits: the placement is emptied".to_owned(),
    }
}

fn verdict(report: &ClusterReport) -> String {
    match &report.rejected {
        Some(rejection) => paint(
            RED,
            &format!("✗ {}: {}", rejection.filter, rejection.reason),
        ),
        None => match &report.admitted {
            Some(reason) => paint(GREEN, &format!("✓ fits ({reason})")),
            None => paint(GREEN, "✓ fits"),
        },
    }
}

/// The explanation as text.
#[must_use]
pub fn render(binding: &Binding, view: Option<&BindingView>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint(BOLD, &binding.object.to_string()));
    let explanation = binding.explanation.as_deref().cloned().unwrap_or_default();
    let _ = writeln!(out, "\n{}", paint(BOLD, "Policy"));
    for line in &explanation.policy {
        let _ = writeln!(out, "  {line}");
    }
    if let Some(previous) = view.and_then(|view| view.previous.as_ref()) {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Last applied"));
        let _ = writeln!(out, "  {}", listed(previous));
    }
    if !explanation.decision.is_empty() {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Decision"));
        for line in &explanation.decision {
            let _ = writeln!(out, "  {line}");
        }
    }
    for attempt in &explanation.attempts {
        let title = match &attempt.term {
            Some(term) => format!("Affinity term `{term}`"),
            None => "Clusters".to_owned(),
        };
        let _ = writeln!(out, "\n{}", paint(BOLD, &title));
        let width = attempt
            .clusters
            .iter()
            .map(|report| report.cluster.as_str().len())
            .max()
            .unwrap_or(7)
            .max(7);
        let workload = attempt
            .clusters
            .iter()
            .any(|report| report.available.is_some());
        let _ = writeln!(
            out,
            "  {}",
            paint(
                DIM,
                &if workload {
                    format!("{:<width$}  SCORE  AVAILABLE  VERDICT", "CLUSTER")
                } else {
                    format!("{:<width$}  SCORE  VERDICT", "CLUSTER")
                }
            )
        );
        for report in &attempt.clusters {
            let tier = if report.overflow_tier > 0 {
                format!(" (overflow tier {})", report.overflow_tier)
            } else {
                String::new()
            };
            if workload {
                let available = match (report.available, report.allocatable) {
                    (Some(available), _) if !report.capacity_known => {
                        if available > 0 {
                            format!("{available}+?")
                        } else {
                            "unknown".to_owned()
                        }
                    }
                    (Some(available), Some(allocatable)) if i64::from(allocatable) != available => {
                        format!(
                            "{available} ({allocatable}+{})",
                            available - i64::from(allocatable)
                        )
                    }
                    (Some(available), _) => available.to_string(),
                    (None, _) => "-".to_owned(),
                };
                let _ = writeln!(
                    out,
                    "  {:<width$}  {:>5}  {:>9}  {}{tier}",
                    report.cluster,
                    report.score,
                    available,
                    verdict(report)
                );
            } else {
                let _ = writeln!(
                    out,
                    "  {:<width$}  {:>5}  {}{tier}",
                    report.cluster,
                    report.score,
                    verdict(report)
                );
            }
        }
        if workload && attempt.clusters.iter().any(|report| !report.capacity_known) {
            let _ = writeln!(
                out,
                "  {}",
                paint(
                    DIM,
                    "unknown: the cluster declares no capacity (`capacity`, `status.resourceSummary`) and counts as having room for none; only dynamic weights, Aggregated and spread constraints look at it"
                )
            );
        }
        if !attempt.order.is_empty() {
            let order: Vec<String> = attempt.order.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                out,
                "  {} {}",
                paint(
                    DIM,
                    "candidate order (overflow tier, score, available, name):"
                ),
                order.join(", ")
            );
        }
        for step in &attempt.steps {
            let _ = writeln!(out, "  - {step}");
        }
        match &attempt.error {
            Some(error) => {
                let _ = writeln!(out, "  {}", paint(YELLOW, &format!("→ {error}")));
            }
            None => {
                let _ = writeln!(out, "  → {}", targets(&attempt.targets));
            }
        }
    }
    let _ = writeln!(out, "\n{}", paint(BOLD, "Result"));
    let _ = writeln!(out, "  {}", outcome(binding));
    out
}

/// The explanation as JSON.
#[must_use]
pub fn render_json(binding: &Binding, view: Option<&BindingView>) -> Value {
    let explanation: Explanation = binding.explanation.as_deref().cloned().unwrap_or_default();
    let (kind, detail) = match &binding.outcome {
        Outcome::NotPropagated => ("not_propagated", Value::Null),
        Outcome::Scheduled => ("scheduled", Value::Null),
        Outcome::Unchanged { now_feasible } => ("unchanged", json!({"now_feasible": now_feasible})),
        Outcome::Kept { reason } => ("kept", json!({"reason": reason})),
        Outcome::NoFit { reasons } => (
            "no_fit",
            json!({"reasons": reasons
                .iter()
                .map(|(cluster, reason)| json!({"cluster": cluster, "reason": reason}))
                .collect::<Vec<_>>()}),
        ),
    };
    let list: Vec<(ClusterName, Option<u32>)> = binding
        .targets
        .iter()
        .map(|target| (target.cluster.clone(), target.replicas))
        .collect();
    json!({
        "format_version": "1",
        "resource": resource(&binding.object, &binding.api_version),
        "policy": binding.policy().map_or(Value::Null, policy),
        "outcome": kind,
        "outcome_detail": detail,
        "clusters": clusters(&list),
        "previous_clusters": view
            .and_then(|view| view.previous.as_ref())
            .map_or(Value::Null, |previous| clusters(previous)),
        "affinity_term": binding.affinity_term,
        "required_by": binding.required_by.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "explanation": explanation,
    })
}
