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

/// Whether the byte `offset` of a config file lies in a Secret: the YAML document around it (or,
/// in HCL, the file) says `kind: Secret`. Snippets of such places are never printed, since the
/// lines around a mistake in a Secret are likely to hold its values.
fn in_secret(text: &str, offset: usize, hcl: bool) -> bool {
    if hcl {
        return text.lines().any(|line| {
            let line = line.trim().replace(' ', "");
            line == "kind=\"Secret\"" || line.starts_with("kind=\"Secret\",")
        });
    }
    let offset = offset.min(text.len());
    let is_separator = |line: &str| line.trim_end() == "---" || line.starts_with("--- ");
    let mut start = 0;
    let mut end = text.len();
    let mut position = 0;
    for line in text.split_inclusive('\n') {
        if is_separator(line) {
            if position <= offset {
                start = position + line.len();
            } else {
                end = position;
                break;
            }
        }
        position += line.len();
    }
    text.get(start..end).is_some_and(|document| {
        document.lines().any(|line| {
            let line = line.trim_end();
            line == "kind: Secret" || line == "kind: \"Secret\"" || line == "kind: 'Secret'"
        })
    })
}

/// `file:line:col` of a byte offset.
fn location(path: &str, text: &str, offset: usize) -> String {
    let before = text.get(..offset.min(text.len())).unwrap_or_default();
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    format!("[{path}:{line}:{column}]")
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
    let hidden = |file: FileId, offset: usize| {
        let source = sources.get(file);
        let hcl = source
            .path
            .extension()
            .is_some_and(|extension| extension == "hcl");
        in_secret(&source.text, offset, hcl)
    };
    if diagnostic
        .labels
        .iter()
        .any(|label| hidden(label.span.file, label.span.bytes.start))
    {
        let places: Vec<String> = diagnostic
            .labels
            .iter()
            .map(|label| {
                let source = sources.get(label.span.file);
                format!(
                    "{} ({})",
                    location(
                        &source.path.display().to_string(),
                        &source.text,
                        label.span.bytes.start
                    ),
                    label.message
                )
            })
            .collect();
        return Report {
            message: format!(
                "{message}\n  at {}\n  (the source is not shown: it is in a Secret)",
                places.join(", ")
            ),
            code: diagnostic.code,
            severity,
            help: diagnostic.help.clone(),
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_in_a_secret_document_are_found() {
        let text = "kind: ConfigMap\ndata: {a: b}\n---\nkind: Secret\nstringData:\n  password: x\n---\nkind: Service\n";
        let at = |needle: &str| text.find(needle).unwrap();
        assert!(!in_secret(text, at("data: {a"), false));
        assert!(in_secret(text, at("password"), false));
        assert!(!in_secret(text, at("kind: Service"), false));
        assert!(in_secret("kind: Secret\ndata: {a: 1}\n", 20, false));
        assert!(in_secret(
            "template \"t\" {\n  manifest = {\n    kind = \"Secret\"\n  }\n}\n",
            5,
            true
        ));
        assert_eq!(location("a.yaml", text, at("password")), "[a.yaml:6:3]");
    }
}
