//! The model builder, one file per kind of declaration.

mod clusters;
mod overriding;
mod propagation;
mod settings;
mod templates;

use crate::diag::{Diagnostic, Diagnostics, Span};

/// Collects the diagnostics of one build.
pub(super) struct Builder<'a> {
    pub(super) diagnostics: &'a mut Diagnostics,
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
