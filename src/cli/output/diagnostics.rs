//! Renders [`Diagnostics`] with miette: message, `file:line:col`, the source with labels, help.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::diag::{Diagnostic, Diagnostics, FileId, Severity, Sources};

/// One diagnostic in miette's terms: its labels in one file, and labels in other files as
/// related reports.
struct Report {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source
            .as_ref()
            .map(|source| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related
                    .iter()
                    .map(|report| report as &dyn miette::Diagnostic),
            ))
        }
    }
}

fn source_of(sources: &Sources, file: FileId) -> NamedSource<String> {
    let source = sources.get(file);
    NamedSource::new(source.path.display().to_string(), source.text.clone()).with_language("yaml")
}

fn report(diagnostic: &Diagnostic, sources: &Sources) -> Report {
    let severity = match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    let mut message = diagnostic.message.clone();
    if let Some(cluster) = &diagnostic.cluster
        && !message.contains(&format!("`{cluster}`"))
    {
        message = format!("{message} (cluster `{cluster}`)");
    }
    let primary = diagnostic.primary_span().map(|span| span.file);
    let mut labels = Vec::new();
    let mut related = Vec::new();
    for label in &diagnostic.labels {
        let length = label.span.bytes.end.saturating_sub(label.span.bytes.start);
        let span = LabeledSpan::new_with_span(
            Some(label.message.clone()),
            SourceSpan::from((label.span.bytes.start, length)),
        );
        if Some(label.span.file) == primary {
            labels.push(span);
        } else {
            related.push(Report {
                message: label.message.clone(),
                code: diagnostic.code,
                severity: miette::Severity::Advice,
                help: None,
                source: Some(source_of(sources, label.span.file)),
                labels: vec![span],
                related: Vec::new(),
            });
        }
    }
    Report {
        message,
        code: diagnostic.code,
        severity,
        help: diagnostic.help.clone(),
        source: primary.map(|file| source_of(sources, file)),
        labels,
        related,
    }
}

/// Renders every diagnostic, errors and warnings alike, separated by blank lines.
#[must_use]
pub fn render(diagnostics: &Diagnostics, sources: &Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = report(diagnostic, sources);
        let mut text = String::new();
        if handler.render_report(&mut text, &report).is_err() {
            text = format!("{}: {}\n", diagnostic.severity, diagnostic.message);
        }
        out.push_str(&text);
        out.push('\n');
    }
    out
}
