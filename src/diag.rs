//! Diagnostics: what is wrong with the user's input, where, and how to fix it.
//!
//! Stages append to a [`Diagnostics`] list instead of returning at the first problem, so one run
//! shows every config error. Spans point into [`Sources`]; only `cli/` renders them (with miette).

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::addr::ObjectRef;

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(u32);

/// A byte range in one source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offsets into the file's text.
    pub bytes: Range<usize>,
}

impl Span {
    /// A span covering `bytes` of `file`.
    #[must_use]
    pub fn new(file: FileId, bytes: Range<usize>) -> Self {
        Self { file, bytes }
    }
}

/// One file read as config, kept for error reporting and input digests.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the workspace where possible).
    pub path: PathBuf,
    /// The whole text of the file.
    pub text: String,
    line_starts: Vec<usize>,
}

/// A position in a file, 1-based, as editors show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineColumn {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl SourceFile {
    /// Line and column of a byte offset.
    #[must_use]
    pub fn line_column(&self, offset: usize) -> LineColumn {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index - 1,
        };
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        LineColumn {
            line: line + 1,
            column: column + 1,
        }
    }

    /// Byte offset of a 1-based line and column (clamped to the file).
    #[must_use]
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        let line_text = rest.split('\n').next().unwrap_or("");
        let column_bytes = line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(index, _)| index);
        start + column_bytes
    }
}

/// Every file read as config, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(index, _)| index + 1))
            .collect();
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path,
            text,
            line_starts,
        });
        id
    }

    /// The file behind an id.
    #[must_use]
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The id of an already added path.
    #[must_use]
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|file| file.path == path)
            .and_then(|index| u32::try_from(index).ok())
            .map(FileId)
    }

    /// All files with their ids, in the order they were read.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(index, file)| (FileId(u32::try_from(index).unwrap_or(u32::MAX)), file))
    }

    /// `path:line:column` of the start of a span.
    #[must_use]
    pub fn locate(&self, span: &Span) -> (PathBuf, LineColumn) {
        let file = self.get(span.file);
        (file.path.clone(), file.line_column(span.bytes.start))
    }

    /// `path:line:column` of the start of a span, as text; `None` for a span of a file these
    /// sources do not hold.
    #[must_use]
    pub fn position(&self, span: &Span) -> Option<String> {
        let file = self.files.get(span.file.0 as usize)?;
        let at = file.line_column(span.bytes.start);
        Some(format!("{}:{}:{}", file.path.display(), at.line, at.column))
    }
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The run cannot go on.
    Error,
    /// Worth reading; the run goes on.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Error => "error",
            Self::Warning => "warning",
        })
    }
}

/// A span with a short message shown under it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What is there.
    pub message: String,
}

/// One problem found in the user's input or in what it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code, `mcctl::<stage>::<what>`.
    pub code: &'static str,
    /// Lowercase, names in backticks, no trailing period.
    pub message: String,
    /// Spans in the config; the first one is the primary location.
    pub labels: Vec<Label>,
    /// What to do about it.
    pub help: Option<String>,
    /// The resource template the problem is about.
    pub resource: Option<ObjectRef>,
    /// The cluster the problem is about.
    pub cluster: Option<String>,
}

impl Diagnostic {
    /// A new error.
    #[must_use]
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message.into())
    }

    /// A new warning.
    #[must_use]
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message.into())
    }

    fn new(severity: Severity, code: &'static str, message: String) -> Self {
        Self {
            severity,
            code,
            message,
            labels: Vec::new(),
            help: None,
            resource: None,
            cluster: None,
        }
    }

    /// Adds a labelled span.
    #[must_use]
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a labelled span if there is one.
    #[must_use]
    pub fn with_optional_label(self, span: Option<&Span>, message: impl Into<String>) -> Self {
        match span {
            Some(span) => self.with_label(span.clone(), message),
            None => self,
        }
    }

    /// Sets the help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Names the resource the diagnostic is about.
    #[must_use]
    pub fn with_resource(mut self, resource: ObjectRef) -> Self {
        self.resource = Some(resource);
        self
    }

    /// Names the cluster the diagnostic is about.
    #[must_use]
    pub fn with_cluster(mut self, cluster: impl Into<String>) -> Self {
        self.cluster = Some(cluster.into());
        self
    }

    /// The primary span, if any.
    #[must_use]
    pub fn primary_span(&self) -> Option<&Span> {
        self.labels.first().map(|label| &label.span)
    }

    /// Whether this is an error.
    #[must_use]
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of a run, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// An empty list.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    /// Appends all of another list.
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    /// Whether any diagnostic is an error.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Number of errors.
    #[must_use]
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count()
    }

    /// Whether the list is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of diagnostics.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterates in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Drops exact duplicates (the same problem found twice), keeping the first.
    pub fn dedup(&mut self) {
        let keep: Vec<bool> = {
            let mut seen = std::collections::HashSet::with_capacity(self.0.len());
            self.0
                .iter()
                .map(|diagnostic| seen.insert(diagnostic))
                .collect()
        };
        let mut keep = keep.into_iter();
        self.0.retain(|_| keep.next().unwrap_or(true));
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(vec![diagnostic])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one() {
        let mut sources = Sources::default();
        let id = sources.add("a.yaml".into(), "ab\ncdé\nx".into());
        let file = sources.get(id);
        assert_eq!(file.line_column(0), LineColumn { line: 1, column: 1 });
        assert_eq!(file.line_column(4), LineColumn { line: 2, column: 2 });
        // After a two-byte character the column still advances by one.
        assert_eq!(file.line_column(7), LineColumn { line: 2, column: 4 });
        assert_eq!(file.line_column(8), LineColumn { line: 3, column: 1 });
        assert_eq!(file.offset(2, 3), 5);
        assert_eq!(file.offset(3, 1), 8);
    }

    #[test]
    fn errors_are_counted_apart_from_warnings() {
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic::warning("mcctl::test", "careful"));
        assert!(!diagnostics.has_errors());
        diagnostics.push(Diagnostic::error("mcctl::test", "broken"));
        diagnostics.push(Diagnostic::error("mcctl::test", "broken"));
        diagnostics.dedup();
        assert_eq!(diagnostics.error_count(), 1);
        assert_eq!(diagnostics.len(), 2);
    }
}
