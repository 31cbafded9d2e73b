//! Workspace settings: name, state backend, rollout batches.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use super::Builder;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::default_workspace_name;
use crate::model::selector::{self};
use crate::model::{BatchSelector, Rollout, Settings};

impl Builder<'_> {
    pub(in crate::model) fn settings(
        &mut self,
        config: &Config,
        clusters: &BTreeSet<&str>,
    ) -> (String, Settings) {
        if let [first, second, ..] = config.settings.as_slice() {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::duplicate_settings",
                    "workspace settings are declared twice",
                )
                .with_label(second.spans.root(), "declared again here")
                .with_label(first.spans.root(), "first declared here")
                .with_help("keep one `settings` block or `Workspace` document"),
            );
        }
        let decl = config.settings.first();
        let raw = decl.map(|decl| decl.settings.clone()).unwrap_or_default();
        // Every setting comes from `decl`, so a problem with a setting always has a span.
        let span_of = |pointer: &str| decl.map(|decl| decl.spans.value(pointer));
        let workspace = match decl.and_then(|decl| decl.name.clone()) {
            Some(name) => {
                let valid = name.len() <= 63
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    && name.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && name.ends_with(|c: char| c.is_ascii_alphanumeric());
                if !valid {
                    self.diagnostics.push(
                        Diagnostic::error("mcctl::model::workspace_name", format!("invalid workspace name `{name}`"))
                            .with_optional_label(decl.map(|decl| &decl.name_span), "here")
                            .with_help("the name is a label value: up to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"),
                    );
                }
                name
            }
            None => default_workspace_name(&config.root),
        };
        let state = raw.state.clone().unwrap_or_default();
        if let Some(backend) = state
            .backend
            .as_deref()
            .filter(|backend| *backend != "local")
        {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::state_backend",
                    format!("state backend `{backend}` is not supported"),
                )
                .with_optional_label(span_of("/state/backend").as_ref(), "here")
                .with_help("use `local` (the default)"),
            );
        }
        let rollout = raw.rollout.clone().unwrap_or_default();
        let wait_timeout = match rollout.wait_timeout.as_deref() {
            None => Duration::from_secs(300),
            Some(text) => humantime::parse_duration(text).unwrap_or_else(|error| {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duration",
                        format!("invalid duration `{text}`: {error}"),
                    )
                    .with_optional_label(span_of("/rollout/waitTimeout").as_ref(), "here")
                    .with_help("write a duration such as `90s`, `5m` or `1h`"),
                );
                Duration::from_secs(300)
            }),
        };
        let mut order = Vec::new();
        for (index, entry) in rollout.order.iter().enumerate() {
            let span = || span_of(&format!("/rollout/order/{index}"));
            let entry = entry.trim();
            if entry == "*" {
                if order.contains(&BatchSelector::Rest) {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            "mcctl::model::rollout_order",
                            "`*` appears twice in the rollout order",
                        )
                        .with_optional_label(span().as_ref(), "here")
                        .with_help(
                            "the first `*` already takes every remaining cluster; remove this one",
                        ),
                    );
                }
                order.push(BatchSelector::Rest);
            } else if entry.contains(['=', '!', '(', ',', ' ']) {
                match selector::parse_label_selector(entry) {
                    Ok(selector) => order.push(BatchSelector::Labels(selector)),
                    Err(message) => self.diagnostics.push(
                        Diagnostic::error("mcctl::model::rollout_order", message)
                            .with_optional_label(span().as_ref(), "here")
                            .with_help("write a cluster name, a label selector such as `tier=canary`, or `*`"),
                    ),
                }
            } else if clusters.contains(entry) {
                order.push(BatchSelector::Cluster(entry.to_owned()));
            } else {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::rollout_order",
                        format!("rollout order names unknown cluster `{entry}`"),
                    )
                    .with_optional_label(span().as_ref(), "here")
                    .with_help(
                        "name a declared cluster, or write a label selector such as `tier=canary`",
                    ),
                );
            }
        }
        if rollout.max_parallel_clusters == Some(0) {
            self.diagnostics.push(
                Diagnostic::error(
                    "mcctl::model::rollout",
                    "the rollout must change at least 1 cluster at a time",
                )
                .with_optional_label(span_of("/rollout/maxParallelClusters").as_ref(), "here")
                .with_help("set how many clusters of a batch are changed at once, e.g. `4`"),
            );
        }
        let settings = Settings {
            field_manager: raw
                .field_manager
                .clone()
                .unwrap_or_else(|| "mcctl".to_owned()),
            state_path: PathBuf::from(state.path.unwrap_or_else(|| "mcctl.state".to_owned())),
            state_manifests: state.manifests.unwrap_or(true),
            rollout: Rollout {
                max_parallel_clusters: rollout
                    .max_parallel_clusters
                    .map_or(4, |max| usize::try_from(max.max(1)).unwrap_or(4)),
                wait_timeout,
                order,
            },
        };
        (workspace, settings)
    }
}
