//! The human plan: placement changes, drift, then the changes per cluster with Terraform's
//! symbols and a diff of the YAML that shows only changed lines with a little context, a summary
//! line per cluster, then the fleet's summary line. Secret values show as `(sensitive)` or
//! `(sensitive, changed)` unless `--show-secrets` asks for them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};

use anstyle::{AnsiColor, Style};
use rayon::prelude::*;
use serde_json::Value;

use crate::addr::ClusterName;
use crate::desired::secret::redact_marked;
use crate::plan::{Action, BindingView, Change, Orphan, Plan};

const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

/// What to show.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanView {
    /// Include unchanged objects.
    pub show_no_op: bool,
    /// Print Secret values as they are (terminal text only; never JSON or files).
    pub show_secrets: bool,
    /// Color the text (stdout is a terminal that takes colors).
    pub color: bool,
}

impl PlanView {
    fn paint(self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }

    /// Appends a diff line (`      + text`) to `out` in `style`, without intermediate strings:
    /// a large plan has millions of them.
    fn push_line(self, out: &mut String, style: Style, sign: &str, text: &str) {
        out.push_str("      ");
        if self.color {
            let _ = write!(
                out,
                "{}{sign}{text}{}",
                style.render(),
                style.render_reset()
            );
        } else {
            out.push_str(sign);
            out.push_str(text);
        }
        out.push('\n');
    }
}

fn yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|_| value.to_string())
}

fn placement_changed(binding: &BindingView) -> bool {
    binding.previous.as_ref() != Some(&binding.clusters)
}

/// One binding's placement on one line: `eu-1 4→3, us-1 2→3, eu-3 +2 (new), ap-1 2→0
/// (removed)`; on a first plan simply `eu-1 4, us-1 2`. Unchanged clusters are counted, not
/// listed, once there is a previous placement.
fn placement_line(binding: &BindingView, view: PlanView) -> String {
    let Some(previous) = &binding.previous else {
        return binding
            .clusters
            .iter()
            .map(|(cluster, count)| match count {
                Some(count) => format!("{cluster} {count}"),
                None => cluster.to_string(),
            })
            .collect::<Vec<_>>()
            .join(", ");
    };
    let mut parts = Vec::new();
    let mut unchanged = 0;
    for (cluster, count) in &binding.clusters {
        let before = previous.iter().find(|(name, _)| name == cluster);
        match (before, count) {
            (None, Some(count)) => {
                parts.push(view.paint(GREEN, &format!("{cluster} +{count} (new)")));
            }
            (None, None) => parts.push(view.paint(GREEN, &format!("+{cluster}"))),
            (Some((_, Some(before))), Some(after)) if before != after => {
                parts.push(view.paint(YELLOW, &format!("{cluster} {before}→{after}")));
            }
            _ => unchanged += 1,
        }
    }
    for (cluster, count) in previous {
        if !binding.clusters.iter().any(|(name, _)| name == cluster) {
            parts.push(view.paint(
                RED,
                &match count {
                    Some(count) => format!("{cluster} {count}→0 (removed)"),
                    None => format!("-{cluster}"),
                },
            ));
        }
    }
    if unchanged > 0 {
        parts.push(view.paint(DIM, &format!("{unchanged} unchanged")));
    }
    parts.join(", ")
}

/// The mass-delete guard's warning, above everything else it could hide behind; for `destroy`,
/// how many objects go from each cluster.
fn write_mass_deletes(out: &mut String, plan: &Plan, view: PlanView) {
    if plan.destroy {
        let mut counts: std::collections::BTreeMap<&ClusterName, usize> =
            std::collections::BTreeMap::new();
        for change in &plan.changes {
            if change.action == Action::Delete {
                *counts.entry(&change.cluster).or_default() += 1;
            }
        }
        for (cluster, count) in counts {
            let _ = writeln!(
                out,
                "{}",
                view.paint(
                    YELLOW,
                    &format!(
                        "Destroy deletes {count} object{} from cluster `{cluster}`.",
                        if count == 1 { "" } else { "s" }
                    )
                )
            );
        }
        return;
    }
    if plan.mass_deletes.is_empty() {
        return;
    }
    for mass in &plan.mass_deletes {
        let what = if mass.empties() {
            format!("ALL {} objects", mass.managed)
        } else {
            format!("{} of the {} objects", mass.deletes, mass.managed)
        };
        let _ = writeln!(
            out,
            "{}",
            view.paint(
                RED,
                &format!(
                    "Warning: this plan deletes {what} mcctl manages on cluster `{}`.",
                    mass.cluster
                )
            )
        );
    }
    let _ = writeln!(
        out,
        "  Apply refuses it unless `--allow-mass-delete` is given: check that the configuration is complete.\n"
    );
}

fn write_placement(out: &mut String, plan: &Plan, view: PlanView) {
    let changed: Vec<&BindingView> = plan
        .bindings
        .iter()
        .filter(|binding| {
            (binding.policy.is_some() || binding.auto_namespace || !binding.required_by.is_empty())
                && placement_changed(binding)
        })
        .collect();
    if !changed.is_empty() {
        let _ = writeln!(out, "{}", view.paint(BOLD, "Placement:"));
        for binding in changed {
            let mut by = match &binding.policy {
                Some(policy) => policy.to_string(),
                None if binding.auto_namespace => "namespace propagation".to_owned(),
                None => String::new(),
            };
            if !binding.required_by.is_empty() {
                // The full list is in the JSON; a line names a few.
                const SHOWN: usize = 3;
                let mut required: Vec<String> = binding
                    .required_by
                    .iter()
                    .take(SHOWN)
                    .map(ToString::to_string)
                    .collect();
                if binding.required_by.len() > SHOWN {
                    required.push(format!("{} more", binding.required_by.len() - SHOWN));
                }
                if !by.is_empty() {
                    by.push_str("; ");
                }
                let _ = write!(by, "propagateDeps of {}", required.join(", "));
            }
            let by = view.paint(DIM, &format!("({by})"));
            if binding.clusters.is_empty() {
                let removed: Vec<String> = binding
                    .previous
                    .iter()
                    .flatten()
                    .map(|(cluster, _)| cluster.to_string())
                    .collect();
                let line = if removed.is_empty() {
                    "no cluster (see the warning above)".to_owned()
                } else {
                    format!(
                        "no cluster: its objects will be DELETED from {} (see the warning above)",
                        removed.join(", ")
                    )
                };
                let _ = writeln!(
                    out,
                    "  {}: {}  {by}",
                    binding.object,
                    view.paint(RED.bold(), &line)
                );
                continue;
            }
            let _ = writeln!(
                out,
                "  {}: {}  {by}",
                binding.object,
                placement_line(binding, view)
            );
        }
        out.push('\n');
    }
    let unplaced: Vec<&BindingView> = plan
        .bindings
        .iter()
        .filter(|binding| {
            binding.policy.is_none() && !binding.auto_namespace && binding.required_by.is_empty()
        })
        .collect();
    if !unplaced.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            view.paint(
                BOLD,
                "Not propagated (no PropagationPolicy or ClusterPropagationPolicy selects them):"
            )
        );
        for binding in unplaced {
            let _ = writeln!(out, "  {}", binding.object);
        }
        out.push('\n');
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Replace => "must be replaced",
        Action::Delete => "will be deleted",
        Action::NoOp => "is unchanged",
    }
}

fn style_of(action: Action) -> Style {
    match action {
        Action::Create => GREEN,
        Action::Update => YELLOW,
        Action::Replace | Action::Delete => RED,
        Action::NoOp => DIM,
    }
}

/// The `+` lines of created manifests that several clusters share (a template no override
/// makes different), written once and copied for the other clusters: most of a large plan's
/// text. A manifest's lines are kept from its second sighting on, so unshared ones cost one
/// address each. The plan holds every manifest while it is rendered, so an address names one
/// manifest throughout.
#[derive(Default)]
struct CreatedText {
    seen: Mutex<HashSet<usize>>,
    text: Mutex<HashMap<usize, Arc<str>>>,
}

impl CreatedText {
    /// The lines of a create, from the cache or made by `make`.
    fn lines(&self, manifest: &Arc<Value>, make: impl FnOnce() -> String) -> Arc<str> {
        let address = Arc::as_ptr(manifest) as usize;
        if let Some(text) = self
            .text
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&address)
        {
            return Arc::clone(text);
        }
        let text: Arc<str> = make().into();
        let again = !self
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(address);
        if again {
            self.text
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(address, Arc::clone(&text));
        }
        text
    }
}

fn write_change(out: &mut String, change: &Change, view: PlanView, created: Option<&CreatedText>) {
    let style = style_of(change.action);
    let mut reasons = change.reasons.join("; ");
    if change.implicit && reasons.is_empty() {
        "implicit namespace".clone_into(&mut reasons);
    }
    let drift = if change.drift {
        format!(" {}", view.paint(YELLOW, "[drift]"))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "  {} {}{drift} {}",
        view.paint(style, change.action.symbol()),
        view.paint(BOLD, &change.object.to_string()),
        view.paint(DIM, &format!("{} ({reasons})", verb(change.action)))
    );
    if change.action != Action::Delete {
        // Paths and policy names only: a Secret's values never reach this line.
        for applied in change.overrides.iter() {
            let _ = writeln!(
                out,
                "      {}",
                view.paint(DIM, &format!("overridden: {applied}"))
            );
        }
        for ignored in &change.ignored {
            let _ = writeln!(
                out,
                "      {}",
                view.paint(DIM, &format!("not applied: {ignored}"))
            );
        }
    }
    let shown = |value: &Value| {
        if view.show_secrets {
            yaml(value)
        } else {
            // `before` marks nothing: the marker on the `after` side makes the line differ.
            yaml(&redact_marked(&change.object, value, &[]))
        }
    };
    let after = |value: &Value| {
        if view.show_secrets {
            yaml(value)
        } else {
            yaml(&redact_marked(
                &change.object,
                value,
                &change.sensitive_changes,
            ))
        }
    };
    match change.action {
        Action::Create => {
            let Some(manifest) = &change.after else {
                return;
            };
            let make = || {
                let mut lines = String::new();
                for line in after(manifest).lines() {
                    view.push_line(&mut lines, GREEN, "+ ", line);
                }
                lines
            };
            // Marks of changed Secret values are this change's own.
            match created.filter(|_| change.sensitive_changes.is_empty()) {
                Some(created) => out.push_str(&created.lines(manifest, make)),
                None => out.push_str(&make()),
            }
        }
        Action::Update | Action::Replace => {
            let before = change.before.as_deref().map(&shown).unwrap_or_default();
            let after = change.after.as_deref().map(after).unwrap_or_default();
            let diff = similar::TextDiff::from_lines(&before, &after);
            for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
                let _ = writeln!(
                    out,
                    "      {}",
                    view.paint(CYAN, &hunk.header().to_string())
                );
                for change in hunk.iter_changes() {
                    let line = change.value().trim_end_matches('\n');
                    match change.tag() {
                        similar::ChangeTag::Delete => view.push_line(out, RED, "- ", line),
                        similar::ChangeTag::Insert => view.push_line(out, GREEN, "+ ", line),
                        similar::ChangeTag::Equal => view.push_line(out, Style::new(), "  ", line),
                    }
                }
            }
        }
        Action::Delete | Action::NoOp => {}
    }
}

/// One change as the plan shows it: its line and the diff of its YAML (`mcctl import`).
#[must_use]
pub fn render_change(change: &Change, color: bool) -> String {
    let mut out = String::new();
    // Secret values stay hidden here: import has no `--show-secrets`.
    write_change(
        &mut out,
        change,
        PlanView {
            color,
            ..PlanView::default()
        },
        None,
    );
    out
}

/// The summary line, Terraform's way (a replace counts as an add and a destroy).
#[must_use]
pub fn summary_line(plan: &Plan) -> String {
    counts_line(plan.changes.iter(), plan.orphans.len())
}

fn counts_line<'a>(changes: impl Iterator<Item = &'a Change>, orphans: usize) -> String {
    let (mut add, mut change, mut destroy, mut drifted) = (0, 0, 0, 0);
    for item in changes {
        match item.action {
            Action::Create => add += 1,
            Action::Update => change += 1,
            Action::Replace => {
                add += 1;
                destroy += 1;
            }
            Action::Delete => destroy += 1,
            Action::NoOp => continue,
        }
        if item.drift {
            drifted += 1;
        }
    }
    let mut line = format!("Plan: {add} to add, {change} to change, {destroy} to destroy.");
    if orphans > 0 {
        line.pop();
        let _ = write!(line, ", {orphans} to leave in place.");
    }
    if drifted > 0 {
        line.pop();
        let _ = write!(line, " ({drifted} restoring drift).");
    }
    line
}

/// The drifted objects, before the actions: what changed on the clusters outside mcctl.
fn write_drift(out: &mut String, plan: &Plan, view: PlanView) {
    let drifted: Vec<&Change> = plan.changes.iter().filter(|change| change.drift).collect();
    if drifted.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        view.paint(
            YELLOW.bold(),
            "Drift: objects changed outside mcctl since the last apply (applying this plan restores them):"
        )
    );
    for change in drifted {
        let what = change
            .reasons
            .iter()
            .find_map(|reason| reason.strip_prefix("drift: "))
            .unwrap_or("changed");
        let _ = writeln!(out, "  {}@{}: {what}", change.object, change.cluster);
    }
    out.push('\n');
}

/// One cluster's part of the plan: its changes (no-ops included, for the counts) and orphans.
#[derive(Default)]
struct Section<'a> {
    changes: Vec<&'a Change>,
    orphans: Vec<&'a Orphan>,
}

impl Section<'_> {
    /// The cluster's heading, its changes by wave, its orphans and its summary line; empty when
    /// nothing is shown.
    fn render(&self, cluster: &ClusterName, view: PlanView, created: &CreatedText) -> String {
        let mut out = String::new();
        let shown = self
            .changes
            .iter()
            .filter(|change| view.show_no_op || change.action != Action::NoOp);
        if shown.clone().next().is_none() && self.orphans.is_empty() {
            return out;
        }
        let _ = writeln!(
            out,
            "\n{}",
            view.paint(BOLD, &format!("Cluster {cluster}:"))
        );
        let mut wave = None;
        for change in shown {
            let this_wave = (change.action != Action::Delete).then_some(change.wave);
            if this_wave != wave {
                let heading =
                    this_wave.map_or_else(|| "deletions".to_owned(), |wave| format!("wave {wave}"));
                let _ = writeln!(out, "  {}", view.paint(DIM, &format!("# {heading}")));
                wave = this_wave;
            }
            write_change(&mut out, change, view, Some(created));
        }
        for orphan in &self.orphans {
            let _ = writeln!(
                out,
                "  {} {} {}",
                view.paint(YELLOW, "!"),
                view.paint(BOLD, &orphan.object.to_string()),
                view.paint(DIM, &format!("will be left in place ({})", orphan.reason))
            );
        }
        let line = counts_line(self.changes.iter().copied(), self.orphans.len());
        let _ = writeln!(out, "  {}", view.paint(DIM, &format!("{cluster}: {line}")));
        out
    }
}

/// Renders the whole plan and hands it to `emit` part by part, in order: a large plan's text is
/// hundreds of megabytes, so clusters are rendered a few at a time (side by side) and each part
/// is let go once emitted.
pub fn render(plan: &Plan, view: PlanView, emit: &mut dyn FnMut(&str)) {
    let mut out = String::new();
    if let Some(limit) = &plan.limit {
        let names: Vec<&str> = limit.clusters.iter().map(ClusterName::as_str).collect();
        let _ = writeln!(
            out,
            "{}\n",
            view.paint(
                BOLD,
                &format!(
                    "Limited to clusters: {} ({} of {})",
                    names.join(", "),
                    limit.clusters.len(),
                    limit.total
                )
            )
        );
    }
    write_placement(&mut out, plan, view);
    write_mass_deletes(&mut out, plan, view);
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "{}",
            view.paint(GREEN, "No changes. The clusters match the configuration.")
        );
        emit(&out);
        return;
    }
    if view.show_secrets {
        let _ = writeln!(
            out,
            "{}",
            view.paint(
                RED.bold(),
                "Warning: --show-secrets prints Secret values; do not share this output."
            )
        );
        out.push('\n');
    }
    write_drift(&mut out, plan, view);
    let _ = writeln!(out, "mcctl will perform the following actions:");
    // One pass to group by cluster, then the clusters' sections side by side: a large plan's
    // text is tens of megabytes, mostly the YAML of created objects.
    let mut sections: BTreeMap<&ClusterName, Section<'_>> = BTreeMap::new();
    for change in &plan.changes {
        sections
            .entry(&change.cluster)
            .or_default()
            .changes
            .push(change);
    }
    for orphan in &plan.orphans {
        sections
            .entry(&orphan.cluster)
            .or_default()
            .orphans
            .push(orphan);
    }
    emit(&out);
    let sections: Vec<(&ClusterName, Section<'_>)> = sections.into_iter().collect();
    let created = CreatedText::default();
    for chunk in sections.chunks(4 * rayon::current_num_threads()) {
        let texts: Vec<String> = chunk
            .par_iter()
            .map(|(cluster, section)| section.render(cluster, view, &created))
            .collect();
        for text in texts {
            emit(&text);
        }
    }
    emit(&format!("\n{}\n", view.paint(BOLD, &summary_line(plan))));
}
