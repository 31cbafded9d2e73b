//! The model builder, one file per kind of declaration.

mod clusters;
mod karmada_rules;
mod overriders;
mod overriding;
mod propagation;
mod settings;
mod templates;

use crate::config::source::SpanIndex;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::model::PolicyId;

/// Collects the diagnostics of one build.
pub(super) struct Builder<'a> {
    pub(super) diagnostics: &'a mut Diagnostics,
}

impl Builder<'_> {
    /// Keeps the first policy of each id (reporting the others), sorted by id.
    pub(super) fn unique_policies<P>(
        &mut self,
        built: Vec<P>,
        identity: impl Fn(&P) -> (&PolicyId, &SpanIndex),
    ) -> Vec<P> {
        let mut policies: Vec<P> = Vec::with_capacity(built.len());
        for policy in built {
            let (id, spans) = identity(&policy);
            if let Some(first) = policies.iter().find(|other| identity(other).0 == id) {
                self.diagnostics.push(
                    Diagnostic::error(
                        "mcctl::model::duplicate_policy",
                        format!("`{id}` is declared twice"),
                    )
                    .with_label(spans.root(), "declared again here")
                    .with_label(identity(first).1.root(), "first declared here")
                    .with_help(
                        "policy names are unique per kind and namespace; rename or remove one",
                    ),
                );
                continue;
            }
            policies.push(policy);
        }
        policies.sort_by(|a, b| identity(a).0.cmp(identity(b).0));
        policies
    }
}

/// A field mcctl loads and checks but does not act on yet; `consequence` says what the plan
/// does instead.
pub(super) fn not_acted_on(field: &str, span: Span, consequence: &str) -> Diagnostic {
    Diagnostic::warning(
        "mcctl::model::not_acted_on",
        format!("`{field}` is not acted on yet"),
    )
    .with_label(span, "loaded and checked, not acted on")
    .with_help(consequence.to_owned())
}

pub(super) use crate::addr::is_dns_label;
