//! The model builder, one file per kind of declaration.

mod clusters;
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

pub(super) fn not_supported_yet(what: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        "mcctl::model::not_supported",
        format!("{what} is not supported yet"),
    )
    .with_label(span, "here")
    .with_help("remove it; mcctl would otherwise place or render differently from Karmada")
}

pub(super) fn not_acted_on(field: &str, span: Span) -> Diagnostic {
    Diagnostic::warning(
        "mcctl::model::not_acted_on",
        format!("`{field}` is loaded but mcctl does not act on it yet"),
    )
    .with_label(span, "ignored")
    .with_help("it has no effect on the plan")
}

pub(super) use crate::addr::is_dns_label;
