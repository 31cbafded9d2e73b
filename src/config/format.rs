//! `mcctl fmt`'s formatter: the text of an HCL file → the same file in canonical layout.
//!
//! The layout is `terraform fmt`'s: two-space indents, `=` aligned within runs of single-line
//! attributes, one space around `=`, blank lines collapsed, comments kept where they are. Only
//! whitespace changes: strings and heredocs come out byte for byte, and the result is checked to
//! parse to the same HCL before it is returned. Pure; never reads or writes files.

use std::ops::Range;

use hcl::edit::expr::{
    Array, BinaryOp, Expression, ForExpr, FuncCall, Object, ObjectKey, ObjectValueTerminator,
    Traversal, TraversalOperator,
};
use hcl::edit::structure::{Attribute, Block, BlockLabel, Body, Structure};
use hcl::edit::visit_mut::{self, VisitMut};
use hcl::edit::{Decor, Decorate, Decorated, Ident, RawString, Span as _};

/// Why a file could not be formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The text is not valid HCL.
    #[error("invalid HCL at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The formatted text would not parse to the same HCL as the input, so it is not returned.
    #[error("formatting would change what the file means")]
    MeaningChanged,
}

/// Formats the text of one HCL file.
///
/// An empty (or blank) file stays empty; anything else ends with exactly one newline.
pub fn format_hcl(text: &str) -> Result<String, FormatError> {
    let mut body = hcl::edit::parser::parse_body(text).map_err(|error| {
        let location = error.location();
        FormatError::Syntax {
            line: location.line(),
            column: location.column(),
            message: error.message().to_owned(),
        }
    })?;
    let meaning = hcl::Body::from(body.clone());
    OperatorTrivia { source: text }.visit_body_mut(&mut body);
    let mut literals = Literals::new(text);
    literals.visit_body_mut(&mut body);
    Layout {
        literals: &literals,
        line: 0,
    }
    .file(&mut body);
    let mut formatted = literals.restore(&body.to_string());
    if !formatted.is_empty() && !formatted.ends_with('\n') {
        formatted.push('\n');
    }
    match hcl::parse(&formatted) {
        Ok(reparsed) if reparsed == meaning => Ok(formatted),
        _ => Err(FormatError::MeaningChanged),
    }
}

/// The indentation of one nesting level.
const INDENT: &str = "  ";

fn indentation(level: usize) -> String {
    INDENT.repeat(level)
}

/// Reads from the source the trivia that hcl-edit 0.10 leaves unresolved after parsing: around
/// binary operators, and before the second and later operators of a traversal. It reads as empty,
/// which would drop the comments and line breaks written there.
struct OperatorTrivia<'a> {
    source: &'a str,
}

impl OperatorTrivia<'_> {
    fn between(&self, start: Option<usize>, end: Option<usize>) -> Option<&str> {
        self.source.get(start?..end?)
    }
}

impl VisitMut for OperatorTrivia<'_> {
    fn visit_binary_op_mut(&mut self, operation: &mut BinaryOp) {
        visit_mut::visit_binary_op_mut(self, operation);
        let operator = operation.operator.span();
        let prefix = self.between(
            operation.lhs_expr.span().map(|span| span.end),
            operator.as_ref().map(|span| span.start),
        );
        let suffix = self.between(
            operator.as_ref().map(|span| span.end),
            operation.rhs_expr.span().map(|span| span.start),
        );
        if let (Some(prefix), Some(suffix)) = (prefix, suffix) {
            operation.operator.decorate((prefix, suffix));
        }
    }

    fn visit_traversal_mut(&mut self, traversal: &mut Traversal) {
        visit_mut::visit_traversal_mut(self, traversal);
        // The trivia before the first operator is the suffix of the traversed expression.
        let mut previous_end = None;
        for operator in &mut traversal.operators {
            let span = operator.span();
            if let Some(prefix) = self.between(previous_end, span.as_ref().map(|span| span.start)) {
                operator.decorate((prefix, ""));
            }
            previous_end = span.map(|span| span.end);
        }
    }
}

/// Quoted strings, string templates and heredocs, swapped for placeholder identifiers while the
/// layout is rewritten: hcl-edit's encoder would re-escape strings and re-indent `<<-` heredocs,
/// and a formatter must not touch what a file says.
struct Literals<'a> {
    source: &'a str,
    /// Starts every placeholder; chosen so that it occurs nowhere in the source.
    prefix: String,
    /// The source text of each literal, indexed by the number in its placeholder.
    texts: Vec<&'a str>,
}

impl<'a> Literals<'a> {
    fn new(source: &'a str) -> Self {
        let mut prefix = String::from("mcctl_fmt_literal_");
        while source.contains(&prefix) {
            prefix.push('x');
        }
        Self {
            source,
            prefix,
            texts: Vec::new(),
        }
    }

    /// A placeholder standing for the source text at `span`, if the span is known.
    fn stash(&mut self, span: Option<Range<usize>>) -> Option<Ident> {
        let text = self.source.get(span?)?;
        let placeholder = Ident::try_new(format!("{}{}_", self.prefix, self.texts.len())).ok()?;
        self.texts.push(text);
        Some(placeholder)
    }

    /// `text` with every placeholder replaced by the literal it stands for.
    fn restore(&self, text: &str) -> String {
        let mut restored = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(&self.prefix) {
            restored.push_str(&rest[..start]);
            let after = &rest[start + self.prefix.len()..];
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let literal = after[digits..]
                .starts_with('_')
                .then(|| after[..digits].parse::<usize>().ok())
                .flatten()
                .and_then(|index| self.texts.get(index));
            if let Some(literal) = literal {
                restored.push_str(literal);
                rest = &after[digits + 1..];
            } else {
                // Only placeholders start with the prefix, so this does not happen; keep the text.
                restored.push_str(&self.prefix);
                rest = after;
            }
        }
        restored.push_str(rest);
        restored
    }

    /// The width in characters of `text` once its placeholders are restored.
    fn width(&self, text: &str) -> usize {
        self.restore(text).chars().count()
    }

    /// The width of the last line of `text` once its placeholders are restored: where a value
    /// ends when it holds a heredoc.
    fn last_line_width(&self, text: &str) -> usize {
        let restored = self.restore(text);
        restored.rsplit('\n').next().unwrap_or("").chars().count()
    }
}

impl VisitMut for Literals<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expression) {
        let literal = matches!(
            expr,
            Expression::String(_) | Expression::StringTemplate(_) | Expression::HeredocTemplate(_)
        );
        if !literal {
            visit_mut::visit_expr_mut(self, expr);
        } else if let Some(placeholder) = self.stash(expr.span()) {
            let decor = std::mem::take(expr.decor_mut());
            *expr = Expression::Variable(Decorated::new(placeholder)).decorated(decor);
        }
    }

    fn visit_block_label_mut(&mut self, label: &mut BlockLabel) {
        if let BlockLabel::String(string) = label
            && let Some(placeholder) = self.stash(string.span())
        {
            let decor = std::mem::take(string.decor_mut());
            *label = BlockLabel::Ident(Decorated::new(placeholder).decorated(decor));
        }
    }

    fn visit_object_mut(&mut self, object: &mut Object) {
        // Keys can only be replaced by rebuilding the object: `iter_mut` lends their decor alone.
        let mut items = std::mem::take(object);
        let decor = std::mem::take(items.decor_mut());
        let trailing = items.trailing().clone();
        *object = items
            .into_iter()
            .map(|(key, mut value)| {
                let key = match key {
                    ObjectKey::Expression(mut expr) => {
                        self.visit_expr_mut(&mut expr);
                        ObjectKey::Expression(expr)
                    }
                    ident @ ObjectKey::Ident(_) => ident,
                };
                self.visit_object_value_mut(&mut value);
                (key, value)
            })
            .collect();
        object.set_trailing(trailing);
        *object.decor_mut() = decor;
    }
}

/// What comes right before a stretch of trivia (whitespace and comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Before {
    /// A token on the same line.
    Token,
    /// An opening bracket or brace: no blank line may follow it.
    Opener,
    /// A line break that the encoder writes, between the structures of a body.
    LineStart,
    /// The start of a file or block body: a line start that no blank line may follow.
    BodyStart,
}

/// What comes right after a stretch of trivia.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    /// A token, indented at the slot's level when it starts a line.
    Token,
    /// A `,` or `...`, which sticks to what precedes it.
    Separator,
    /// A closing bracket or brace, indented at this level when it starts a line; no blank line
    /// may precede it.
    Closer(usize),
    /// A line break that the encoder writes.
    LineEnd,
}

/// Where trivia sits: what surrounds it, what to write when there is none, and how deep its
/// lines are indented.
#[derive(Debug, Clone, Copy)]
struct Slot {
    before: Before,
    after: After,
    /// The text between the two tokens when there is no comment or line break between them.
    inline: &'static str,
    /// The indentation level of comment lines and of a token that starts a line.
    level: usize,
}

impl Slot {
    fn new(inline: &'static str, level: usize) -> Self {
        Self {
            before: Before::Token,
            after: After::Token,
            inline,
            level,
        }
    }

    fn before(self, before: Before) -> Self {
        Self { before, ..self }
    }

    fn after(self, after: After) -> Self {
        Self { after, ..self }
    }

    /// Whether the slot follows a bracket or parenthesis, which nothing is spaced from.
    fn tight_after_opener(self) -> bool {
        self.before == Before::Opener && self.inline.is_empty()
    }

    fn starts_line(self) -> bool {
        matches!(self.before, Before::LineStart | Before::BodyStart)
    }

    /// The level of whatever follows the slot, when it starts a line.
    fn next_level(self) -> usize {
        match self.after {
            After::Closer(level) => level,
            After::Token | After::Separator | After::LineEnd => self.level,
        }
    }

    /// Whether a run of line breaks may keep one blank line.
    fn allows_blank_line(self, first_run: bool, last_run: bool) -> bool {
        let at_start = first_run && matches!(self.before, Before::Opener | Before::BodyStart);
        let at_end = last_run && matches!(self.after, After::Closer(_));
        !at_start && !at_end
    }
}

/// One piece of trivia.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Newline,
    /// A comment as written, without trailing whitespace; `line` for `#` and `//` comments,
    /// which run to the end of their line.
    Comment {
        text: String,
        line: bool,
    },
}

/// The whitespace and comments that hcl-edit keeps in a decor string, reduced to what the
/// layout keeps: line breaks and comments.
#[derive(Debug, Default)]
struct Trivia {
    pieces: Vec<Piece>,
}

impl Trivia {
    fn parse(raw: &str) -> Self {
        let mut pieces = Vec::new();
        let mut rest = raw;
        while let Some(c) = rest.chars().next() {
            if c == '\n' {
                pieces.push(Piece::Newline);
                rest = &rest[1..];
            } else if c.is_whitespace() {
                rest = &rest[c.len_utf8()..];
            } else if c == '#' || rest.starts_with("//") {
                let end = rest.find('\n').unwrap_or(rest.len());
                pieces.push(Piece::Comment {
                    text: rest[..end].trim_end().to_owned(),
                    line: true,
                });
                rest = &rest[end..];
            } else {
                // A `/* … */` comment, kept as written. Decor holds nothing else, but anything
                // unexpected is kept the same way rather than dropped.
                let end = if rest.starts_with("/*") {
                    rest.find("*/").map_or(rest.len(), |end| end + 2)
                } else {
                    rest.find(char::is_whitespace).unwrap_or(rest.len())
                };
                pieces.push(Piece::Comment {
                    text: rest[..end].to_owned(),
                    line: false,
                });
                rest = &rest[end..];
            }
        }
        Self { pieces }
    }

    fn has_comments(&self) -> bool {
        self.pieces
            .iter()
            .any(|piece| matches!(piece, Piece::Comment { .. }))
    }

    /// The trivia laid out for `slot`, and the level of the line it leaves the next token on, if
    /// it ends by starting a line.
    fn render(&self, slot: Slot) -> (String, Option<usize>) {
        let next_level = slot.next_level();
        if self.pieces.is_empty() {
            return if slot.starts_line() {
                (indentation(next_level), Some(next_level))
            } else {
                (slot.inline.to_owned(), None)
            };
        }
        let mut out = String::new();
        // Line breaks since the last comment; the encoder has written one before a line start.
        let mut breaks = usize::from(slot.starts_line());
        let mut first_run = true;
        let mut last_was_line_comment = false;
        for piece in &self.pieces {
            match piece {
                Piece::Newline => breaks += 1,
                Piece::Comment { text, line } => {
                    if breaks > 0 {
                        let blank = slot.allows_blank_line(first_run, false);
                        push_line_breaks(&mut out, breaks, slot.starts_line() && first_run, blank);
                        out.push_str(&indentation(slot.level));
                    } else if *line || !(first_run && slot.tight_after_opener()) {
                        out.push(' ');
                    }
                    out.push_str(text);
                    breaks = 0;
                    first_run = false;
                    last_was_line_comment = *line;
                }
            }
        }
        if breaks > 0 {
            let blank = slot.allows_blank_line(first_run, true);
            push_line_breaks(&mut out, breaks, slot.starts_line() && first_run, blank);
            if slot.after == After::LineEnd {
                return (out, None);
            }
            out.push_str(&indentation(next_level));
            return (out, Some(next_level));
        }
        match slot.after {
            After::LineEnd => (out, None),
            // A line comment runs to the end of its line, so what follows must start a new one.
            // The grammar puts a line break there already; this keeps the output valid anyway.
            _ if last_was_line_comment => {
                out.push('\n');
                out.push_str(&indentation(next_level));
                (out, Some(next_level))
            }
            After::Separator => (out, None),
            After::Closer(_) if slot.inline.is_empty() => (out, None),
            After::Closer(_) | After::Token => {
                out.push(' ');
                (out, None)
            }
        }
    }
}

/// Ends the current line and keeps at most one blank line; `written` when the encoder has
/// already ended it.
fn push_line_breaks(out: &mut String, breaks: usize, written: bool, blank_allowed: bool) {
    let wanted = if breaks >= 2 && blank_allowed { 2 } else { 1 };
    for _ in usize::from(written)..wanted {
        out.push('\n');
    }
}

/// A line that may take part in a run of aligned `=` signs.
#[derive(Debug, Clone, Copy)]
struct Row {
    /// Whether the line is a single-line `key = value` on its own line.
    alignable: bool,
    /// Whether a blank line or a comment line comes before it, which ends a run.
    breaks_run: bool,
    /// The width of the key.
    key_width: usize,
    /// The width of the value, from after the `=` to the end of the line (without comments).
    value_width: usize,
    /// Whether the line ends with a comment.
    commented: bool,
}

/// Spaces before the `=` and before the trailing comment of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Alignment {
    before_equals: usize,
    before_comment: usize,
}

/// Aligns the `=` signs of each run of consecutive alignable rows, and within a run the trailing
/// comments of consecutive commented rows, as `terraform fmt` does.
fn align(rows: &[Row]) -> Vec<Alignment> {
    let mut alignments = vec![
        Alignment {
            before_equals: 1,
            before_comment: 1,
        };
        rows.len()
    ];
    let mut start = 0;
    while start < rows.len() {
        if !rows[start].alignable {
            start += 1;
            continue;
        }
        let mut end = start + 1;
        while end < rows.len() && rows[end].alignable && !rows[end].breaks_run {
            end += 1;
        }
        let run = &rows[start..end];
        let key_width = run.iter().map(|row| row.key_width).max().unwrap_or(0);
        for (offset, row) in run.iter().enumerate() {
            alignments[start + offset].before_equals = key_width - row.key_width + 1;
        }
        let mut comments = 0;
        while comments < run.len() {
            if !run[comments].commented {
                comments += 1;
                continue;
            }
            let mut comments_end = comments + 1;
            while comments_end < run.len() && run[comments_end].commented {
                comments_end += 1;
            }
            let commented = &run[comments..comments_end];
            let value_width = commented
                .iter()
                .map(|row| row.value_width)
                .max()
                .unwrap_or(0);
            for (offset, row) in commented.iter().enumerate() {
                alignments[start + comments + offset].before_comment =
                    value_width - row.value_width + 1;
            }
            comments = comments_end;
        }
        start = end;
    }
    alignments
}

/// `text` (a rendered suffix holding only comments) with `spaces` before its first comment.
fn respace_comment(text: &str, spaces: usize) -> String {
    format!("{}{}", " ".repeat(spaces), text.trim_start())
}

/// Whether rendered trivia is more than indentation: it holds a comment or a line break.
fn is_more_than_indentation(text: &str) -> bool {
    text.chars().any(|c| c != ' ')
}

/// Rewrites the decor of a parsed file into the canonical layout.
struct Layout<'a> {
    literals: &'a Literals<'a>,
    /// The indentation level of the line being written. A bracket opened on it indents the
    /// lines inside by one more level, and its closing bracket, on a line of its own, goes back
    /// to this level.
    line: usize,
}

impl Layout<'_> {
    /// Lays out `raw` trivia for `slot`.
    fn fill(&mut self, raw: Option<&RawString>, slot: Slot) -> String {
        let raw: &str = raw.map_or("", |raw| raw);
        let (text, line) = Trivia::parse(raw).render(slot);
        if let Some(line) = line {
            self.line = line;
        }
        text
    }

    fn prefix(&mut self, decor: &mut Decor, slot: Slot) -> String {
        let text = self.fill(decor.prefix(), slot);
        decor.set_prefix(text.clone());
        text
    }

    fn suffix(&mut self, decor: &mut Decor, slot: Slot) -> String {
        let text = self.fill(decor.suffix(), slot);
        decor.set_suffix(text.clone());
        text
    }

    fn file(&mut self, body: &mut Body) {
        body.set_prefer_omit_trailing_newline(false);
        self.structures(body, 0);
        let before = if body.is_empty() {
            Before::BodyStart
        } else {
            Before::LineStart
        };
        let decor = body.decor_mut();
        decor.set_prefix("");
        self.suffix(
            decor,
            Slot::new("", 0).before(before).after(After::Closer(0)),
        );
    }

    /// Lays out the structures of a body whose lines are at `level`, then aligns the `=` of its
    /// attribute runs.
    fn structures(&mut self, body: &mut Body, level: usize) {
        let mut rows = Vec::with_capacity(body.len());
        for index in 0..body.len() {
            let Some(structure) = body.get_mut(index) else {
                continue;
            };
            let before = if index == 0 {
                Before::BodyStart
            } else {
                Before::LineStart
            };
            self.line = level;
            let prefix = self.prefix(structure.decor_mut(), Slot::new("", level).before(before));
            let mut row = match structure {
                Structure::Attribute(attribute) => self.attribute(attribute, level),
                Structure::Block(block) => {
                    self.block(block, level);
                    Row {
                        alignable: false,
                        breaks_run: true,
                        key_width: 0,
                        value_width: 0,
                        commented: false,
                    }
                }
            };
            let suffix = self.suffix(
                structure.decor_mut(),
                Slot::new("", level).after(After::LineEnd),
            );
            row.breaks_run = is_more_than_indentation(&prefix);
            row.commented = !suffix.is_empty();
            rows.push(row);
        }
        for (index, alignment) in align(&rows).into_iter().enumerate() {
            if let Some(Structure::Attribute(attribute)) = body.get_mut(index)
                && rows[index].alignable
            {
                attribute
                    .key
                    .decor_mut()
                    .set_suffix(" ".repeat(alignment.before_equals));
                if rows[index].commented {
                    let decor = attribute.decor_mut();
                    let suffix = decor.suffix().map_or("", |suffix| suffix);
                    let suffix = respace_comment(suffix, alignment.before_comment);
                    decor.set_suffix(suffix);
                }
            }
        }
    }

    /// Lays out `key = value` on a line at `level`, with one space before the `=`.
    fn attribute(&mut self, attribute: &mut Attribute, level: usize) -> Row {
        let key = attribute.key.decor_mut();
        key.set_prefix("");
        let key_suffix = self.suffix(key, Slot::new(" ", level));
        self.operand(
            &mut attribute.value,
            Slot::new(" ", level + 1),
            Slot::new("", level + 1),
        );
        let value = bare(&attribute.value);
        Row {
            alignable: key_suffix == " " && !value.contains('\n'),
            breaks_run: false,
            key_width: attribute.key.as_str().chars().count(),
            value_width: self.literals.last_line_width(&value) + 1,
            commented: false,
        }
    }

    /// Lays out `ident "label" {`, the body, and `}` at `level`.
    fn block(&mut self, block: &mut Block, level: usize) {
        let ident = block.ident.decor_mut();
        ident.set_prefix("");
        self.suffix(ident, Slot::new(" ", level));
        for label in &mut block.labels {
            let decor = label.decor_mut();
            decor.set_prefix("");
            self.suffix(decor, Slot::new(" ", level));
        }
        let body = &mut block.body;
        let one_line =
            body.prefer_oneline() && body.len() <= 1 && body.iter().all(Structure::is_attribute);
        if one_line {
            self.one_line_body(body, level);
        } else {
            self.block_body(body, level);
        }
    }

    /// `{}` or `{ key = value }`, kept on one line as written.
    fn one_line_body(&mut self, body: &mut Body, level: usize) {
        body.decor_mut().set_prefix("");
        if let Some(Structure::Attribute(attribute)) = body.get_mut(0) {
            self.prefix(attribute.decor_mut(), Slot::new(" ", level));
            self.attribute(attribute, level);
            self.suffix(attribute.decor_mut(), Slot::new(" ", level));
        }
        // `{}`, but `{ /* comment */ }` like any other braces.
        let comments = body
            .decor()
            .suffix()
            .is_some_and(|raw| Trivia::parse(raw).has_comments());
        let inline = if comments { " " } else { "" };
        self.suffix(
            body.decor_mut(),
            Slot::new(inline, level).after(After::Closer(level)),
        );
    }

    fn block_body(&mut self, body: &mut Body, level: usize) {
        let decor = body.decor();
        let comments = [decor.prefix(), decor.suffix()]
            .into_iter()
            .flatten()
            .any(|raw| Trivia::parse(raw).has_comments());
        if body.is_empty() && !comments {
            body.set_prefer_oneline(true);
            body.decor_mut().set_prefix("");
            body.decor_mut().set_suffix("");
            return;
        }
        body.set_prefer_oneline(false);
        self.prefix(body.decor_mut(), Slot::new("", level).after(After::LineEnd));
        self.structures(body, level + 1);
        let before = if body.is_empty() {
            Before::BodyStart
        } else {
            Before::LineStart
        };
        self.suffix(
            body.decor_mut(),
            Slot::new("", level + 1)
                .before(before)
                .after(After::Closer(level)),
        );
    }

    /// Lays out the decor around `expr` for the slots before and after it, and its inside.
    fn operand(&mut self, expr: &mut Expression, before: Slot, after: Slot) {
        self.prefix(expr.decor_mut(), before);
        self.expression(expr, before.level);
        self.suffix(expr.decor_mut(), after);
    }

    /// Lays out the inside of `expr`; `level` indents lines that continue it outside brackets.
    fn expression(&mut self, expr: &mut Expression, level: usize) {
        match expr {
            Expression::Array(array) => self.array(array),
            Expression::Object(object) => self.object(object),
            Expression::Parenthesis(parenthesis) => {
                let open = self.line;
                self.operand(
                    parenthesis.inner_mut(),
                    Slot::new("", open + 1).before(Before::Opener),
                    Slot::new("", open + 1).after(After::Closer(open)),
                );
            }
            Expression::FuncCall(call) => self.func_call(call, level),
            Expression::ForExpr(for_expr) => self.for_expr(for_expr),
            Expression::Conditional(conditional) => {
                let spaced = Slot::new(" ", level);
                self.operand(&mut conditional.cond_expr, Slot::new("", level), spaced);
                self.operand(&mut conditional.true_expr, spaced, spaced);
                self.operand(&mut conditional.false_expr, spaced, Slot::new("", level));
            }
            Expression::UnaryOp(operation) => {
                let tight = Slot::new("", level);
                self.operand(&mut operation.expr, tight, tight);
            }
            Expression::BinaryOp(operation) => {
                let tight = Slot::new("", level);
                self.operand(&mut operation.lhs_expr, tight, tight);
                let operator = operation.operator.decor_mut();
                self.prefix(operator, Slot::new(" ", level));
                self.suffix(operator, Slot::new(" ", level));
                self.operand(&mut operation.rhs_expr, tight, tight);
            }
            Expression::Traversal(traversal) => self.traversal(traversal, level),
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_)
            | Expression::StringTemplate(_)
            | Expression::HeredocTemplate(_)
            | Expression::Variable(_) => {}
        }
    }

    /// Sets a decor that only ever holds spaces or comments between tight tokens (`a.b`, `f(`).
    fn tighten(&mut self, decor: &mut Decor, level: usize) {
        self.prefix(decor, Slot::new("", level));
        self.suffix(decor, Slot::new("", level));
    }

    /// `[a, b]`, or one element per line when written so.
    fn array(&mut self, array: &mut Array) {
        let open = self.line;
        let inner = open + 1;
        let count = array.len();
        let trailing_comma = array.trailing_comma();
        for (index, element) in array.iter_mut().enumerate() {
            let before = if index == 0 {
                Slot::new("", inner).before(Before::Opener)
            } else {
                Slot::new(" ", inner)
            };
            let after = if index + 1 == count && !trailing_comma {
                Slot::new("", inner).after(After::Closer(open))
            } else {
                Slot::new("", inner).after(After::Separator)
            };
            self.operand(element, before, after);
        }
        let before = if count == 0 {
            Before::Opener
        } else {
            Before::Token
        };
        let trailing = self.fill(
            Some(array.trailing()),
            Slot::new("", inner)
                .before(before)
                .after(After::Closer(open)),
        );
        array.set_trailing(trailing);
    }

    /// `{ a = 1, b = 2 }`, or one item per line with aligned `=` when written so.
    fn object(&mut self, object: &mut Object) {
        /// What precedes an item's key.
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Previous {
            /// The opening brace.
            Brace,
            /// A comma after the previous item.
            Comma,
            /// A line break after the previous item.
            Newline,
            /// The previous item, with nothing after it: it is the last one.
            Value,
        }
        let open = self.line;
        let inner = open + 1;
        let mut previous = Previous::Brace;
        let mut rows = Vec::with_capacity(object.len());
        // Whether each item starts and ends its line, to know which ones may be aligned.
        let mut starts_line = Vec::with_capacity(object.len());
        let mut ends_line = Vec::with_capacity(object.len());
        for (mut key, value) in object.iter_mut() {
            let before = match previous {
                Previous::Brace => Slot::new(" ", inner).before(Before::Opener),
                Previous::Comma | Previous::Value => Slot::new(" ", inner),
                Previous::Newline => Slot::new("", inner).before(Before::LineStart),
            };
            let prefix = self.prefix(key.decor_mut(), before);
            let breaks = prefix.matches('\n').count() + usize::from(previous == Previous::Newline);
            let breaks_run = breaks >= 2 || !prefix.trim().is_empty();
            if let Some(ended) = ends_line.last_mut()
                && previous == Previous::Comma
            {
                *ended = *ended || prefix.contains('\n');
            }
            starts_line.push(previous == Previous::Newline || prefix.contains('\n'));
            let key_suffix = self.suffix(key.decor_mut(), Slot::new(" ", inner));
            let key_width = self.key_width(&key);

            let terminator = value.terminator();
            let after = match terminator {
                ObjectValueTerminator::Newline => Slot::new("", inner).after(After::LineEnd),
                ObjectValueTerminator::Comma => Slot::new("", inner).after(After::Separator),
                ObjectValueTerminator::None => Slot::new(" ", inner).after(After::Closer(open)),
            };
            self.operand(value.expr_mut(), Slot::new(" ", inner), after);
            let suffix = value.expr().decor().suffix().map_or("", |suffix| suffix);
            let text = bare(value.expr());
            ends_line.push(match terminator {
                ObjectValueTerminator::Newline => true,
                ObjectValueTerminator::Comma => false,
                ObjectValueTerminator::None => suffix.contains('\n'),
            });
            rows.push(Row {
                alignable: key_suffix == " " && !text.contains('\n'),
                breaks_run,
                key_width,
                value_width: self.literals.last_line_width(&text) + 1,
                commented: terminator == ObjectValueTerminator::Newline && !suffix.is_empty(),
            });
            previous = match terminator {
                ObjectValueTerminator::Newline => Previous::Newline,
                ObjectValueTerminator::Comma => Previous::Comma,
                ObjectValueTerminator::None => Previous::Value,
            };
        }
        let before = match previous {
            Previous::Brace => Slot::new("", inner).before(Before::Opener),
            Previous::Value => Slot::new("", inner),
            Previous::Comma => Slot::new(" ", inner),
            Previous::Newline => Slot::new("", inner).before(Before::LineStart),
        };
        let trailing = self.fill(Some(object.trailing()), before.after(After::Closer(open)));
        if let Some(ended) = ends_line.last_mut()
            && previous == Previous::Comma
        {
            *ended = *ended || trailing.contains('\n');
        }
        object.set_trailing(trailing);

        for (index, row) in rows.iter_mut().enumerate() {
            row.alignable = row.alignable && starts_line[index] && ends_line[index];
        }
        let alignments = align(&rows);
        for (index, (mut key, value)) in object.iter_mut().enumerate() {
            if !rows[index].alignable {
                continue;
            }
            let alignment = alignments[index];
            key.decor_mut()
                .set_suffix(" ".repeat(alignment.before_equals));
            if rows[index].commented {
                let decor = value.expr_mut().decor_mut();
                let suffix = decor.suffix().map_or("", |suffix| suffix);
                let suffix = respace_comment(suffix, alignment.before_comment);
                decor.set_suffix(suffix);
            }
        }
    }

    fn key_width(&self, key: &ObjectKey) -> usize {
        match key {
            ObjectKey::Ident(ident) => ident.as_str().chars().count(),
            ObjectKey::Expression(expr) => self.literals.width(&bare(expr)),
        }
    }

    /// `f(a, b)` or `ns::f(a, b)`, or one argument per line when written so.
    fn func_call(&mut self, call: &mut FuncCall, level: usize) {
        for component in &mut call.name.namespace {
            self.tighten(component.decor_mut(), level);
        }
        self.tighten(call.name.name.decor_mut(), level);
        let args = &mut call.args;
        self.tighten(args.decor_mut(), level);
        let open = self.line;
        let inner = open + 1;
        let count = args.len();
        let closes_after_last = !args.trailing_comma() && !args.expand_final();
        for (index, arg) in args.iter_mut().enumerate() {
            let before = if index == 0 {
                Slot::new("", inner).before(Before::Opener)
            } else {
                Slot::new(" ", inner)
            };
            let after = if index + 1 == count && closes_after_last {
                Slot::new("", inner).after(After::Closer(open))
            } else {
                Slot::new("", inner).after(After::Separator)
            };
            self.operand(arg, before, after);
        }
        let before = if count == 0 {
            Before::Opener
        } else {
            Before::Token
        };
        let trailing = self.fill(
            Some(args.trailing()),
            Slot::new("", inner)
                .before(before)
                .after(After::Closer(open)),
        );
        args.set_trailing(trailing);
    }

    /// `[for v in list : v if c]` and `{for k, v in map : k => v... if c}`.
    fn for_expr(&mut self, for_expr: &mut ForExpr) {
        let open = self.line;
        let inner = open + 1;
        // Braces are spaced from what they enclose, brackets are not.
        let edge = if for_expr.key_expr.is_some() { " " } else { "" };
        let spaced = Slot::new(" ", inner);
        let closing = Slot::new(edge, inner).after(After::Closer(open));
        let intro = &mut for_expr.intro;
        self.prefix(
            intro.decor_mut(),
            Slot::new(edge, inner).before(Before::Opener),
        );
        self.suffix(intro.decor_mut(), Slot::new("", inner));
        if let Some(key_var) = &mut intro.key_var {
            self.prefix(key_var.decor_mut(), spaced);
            self.suffix(
                key_var.decor_mut(),
                Slot::new("", inner).after(After::Separator),
            );
        }
        self.prefix(intro.value_var.decor_mut(), spaced);
        self.suffix(intro.value_var.decor_mut(), spaced);
        self.operand(&mut intro.collection_expr, spaced, spaced);
        if let Some(key_expr) = &mut for_expr.key_expr {
            self.operand(key_expr, spaced, spaced);
        }
        let value_after = if for_expr.cond.is_some() {
            Slot::new("", inner)
        } else if for_expr.grouping {
            Slot::new("", inner).after(After::Separator)
        } else {
            closing
        };
        self.operand(&mut for_expr.value_expr, spaced, value_after);
        if let Some(cond) = &mut for_expr.cond {
            self.prefix(cond.decor_mut(), spaced);
            self.suffix(cond.decor_mut(), Slot::new("", inner));
            self.operand(&mut cond.expr, spaced, closing);
        }
    }

    /// `a.b[0].*.c`.
    fn traversal(&mut self, traversal: &mut Traversal, level: usize) {
        let tight = Slot::new("", level);
        self.operand(&mut traversal.expr, tight, tight);
        for operator in &mut traversal.operators {
            // The decor before the `.` or `[`, then the one after it.
            self.tighten(operator.decor_mut(), level);
            match operator.value_mut() {
                TraversalOperator::Index(index) => {
                    let open = self.line;
                    self.operand(
                        index,
                        Slot::new("", open + 1).before(Before::Opener),
                        Slot::new("", open + 1).after(After::Closer(open)),
                    );
                }
                TraversalOperator::GetAttr(name) => self.tighten(name.decor_mut(), level),
                TraversalOperator::AttrSplat(splat) | TraversalOperator::FullSplat(splat) => {
                    self.tighten(splat.decor_mut(), level);
                }
                TraversalOperator::LegacyIndex(index) => self.tighten(index.decor_mut(), level),
            }
        }
    }
}

/// `expr` as written, without the decor around it.
fn bare(expr: &Expression) -> String {
    let mut expr = expr.clone();
    expr.decor_mut().clear();
    expr.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn formats(input: &str, expected: &str) {
        let formatted = format_hcl(input).unwrap();
        assert_eq!(formatted, expected, "formatting\n{input}");
        assert_eq!(
            format_hcl(&formatted).unwrap(),
            formatted,
            "formatting is not idempotent"
        );
    }

    #[test]
    fn equals_signs_align_within_runs_of_attributes() {
        formats(
            "cluster \"eu-1\" {\ndirectory=\"out/eu-1\"\n  region = \"eu-west-1\"\n    zones     =   [\"a\"]\n}\n",
            "cluster \"eu-1\" {\n  directory = \"out/eu-1\"\n  region    = \"eu-west-1\"\n  zones     = [\"a\"]\n}\n",
        );
    }

    #[test]
    fn blank_lines_blocks_and_comment_lines_end_a_run() {
        formats(
            "settings {\n  a = 1\n  long_name = 2\n\n  bb = 3\n  # about c\n  cccc = 4\n  d = 5\n  nested {}\n  eeeeee = 6\n}\n",
            "settings {\n  a         = 1\n  long_name = 2\n\n  bb = 3\n  # about c\n  cccc = 4\n  d    = 5\n  nested {}\n  eeeeee = 6\n}\n",
        );
    }

    #[test]
    fn nested_blocks_are_indented_two_spaces_per_level() {
        formats(
            "propagation_policy   \"web\"{\nplacement {\n      cluster_affinity {\n cluster_names = [\"a\"]\n}\n}\n}\n",
            "propagation_policy \"web\" {\n  placement {\n    cluster_affinity {\n      cluster_names = [\"a\"]\n    }\n  }\n}\n",
        );
    }

    #[test]
    fn comments_stay_where_they_are() {
        formats(
            "# The file.\n// Two styles.\ncluster \"a\" { # after the brace\n    # before an attribute\n  region = \"eu\"   # trailing\n  zones = [\"a\"] /* inline */\n  /* block\n     comment */\n  provider = \"aws\"\n    # at the end of the block\n}\n# at the end of the file\n",
            "# The file.\n// Two styles.\ncluster \"a\" { # after the brace\n  # before an attribute\n  region = \"eu\"  # trailing\n  zones  = [\"a\"] /* inline */\n  /* block\n     comment */\n  provider = \"aws\"\n  # at the end of the block\n}\n# at the end of the file\n",
        );
    }

    #[test]
    fn trailing_comments_of_a_run_are_aligned() {
        formats(
            "settings {\n  a = 1 # one\n  bbb = \"three\" # three\n  c = 2\n  dd = 4 // four\n}\n",
            "settings {\n  a   = 1       # one\n  bbb = \"three\" # three\n  c   = 2\n  dd  = 4 // four\n}\n",
        );
    }

    #[test]
    fn runs_of_blank_lines_collapse_to_one() {
        formats(
            "\n\n\ncluster \"a\" {\n\n\n  region = \"eu\"\n\n\n\n  zones = [\"a\"]\n\n}\n\n\n\ncluster \"b\" {}\n\n\n",
            "cluster \"a\" {\n  region = \"eu\"\n\n  zones = [\"a\"]\n}\n\ncluster \"b\" {}\n",
        );
    }

    #[test]
    fn the_file_ends_with_one_newline_and_no_trailing_whitespace() {
        formats(
            "cluster \"a\" {   \n  region = \"eu\"   \n}",
            "cluster \"a\" {\n  region = \"eu\"\n}\n",
        );
        formats("cluster \"a\" {}   \n# end   ", "cluster \"a\" {}\n# end\n");
        formats("", "");
        formats("\n\n  \n", "");
        formats("# only a comment", "# only a comment\n");
    }

    #[test]
    fn an_empty_block_closes_on_its_line() {
        formats("cluster \"a\" {\n}\n", "cluster \"a\" {}\n");
        formats(
            "cluster \"a\" {\n  # nothing yet\n}\n",
            "cluster \"a\" {\n  # nothing yet\n}\n",
        );
    }

    #[test]
    fn one_line_objects_stay_on_one_line() {
        formats(
            "cluster \"a\" {\n  labels = {a=\"b\",   c = \"d\"}\n  empty = {  }\n  list = [ \"x\" ,\"y\" ]\n}\n",
            "cluster \"a\" {\n  labels = { a = \"b\", c = \"d\" }\n  empty  = {}\n  list   = [\"x\", \"y\"]\n}\n",
        );
    }

    #[test]
    fn multi_line_objects_are_re_indented_and_aligned() {
        formats(
            "template \"config\" {\n      manifest = {\n  apiVersion = \"v1\"\n          kind = \"ConfigMap\"\n metadata = { name = \"web\" }\n   data = {\n        LOG_LEVEL = \"info\"\n  GREETING = \"hello\"\n            }\n     }\n}\n",
            "template \"config\" {\n  manifest = {\n    apiVersion = \"v1\"\n    kind       = \"ConfigMap\"\n    metadata   = { name = \"web\" }\n    data = {\n      LOG_LEVEL = \"info\"\n      GREETING  = \"hello\"\n    }\n  }\n}\n",
        );
    }

    #[test]
    fn multi_line_arrays_and_calls_are_re_indented() {
        formats(
            "settings {\nlist = [\n\"a\",\n        \"b\", # the b\n  ]\n  call = merge(\n{ a = 1 },\n      { b = 2 }\n)\n  nested = [{\n      a = 1\n        }, {\n  b = 2\n}]\n}\n",
            "settings {\n  list = [\n    \"a\",\n    \"b\", # the b\n  ]\n  call = merge(\n    { a = 1 },\n    { b = 2 }\n  )\n  nested = [{\n    a = 1\n  }, {\n    b = 2\n  }]\n}\n",
        );
    }

    #[test]
    fn expressions_get_terraform_spacing() {
        formats(
            "settings {\n  a = var . x [ 0 ]\n  b = x ? 1 : 2\n  c = ( 1+2 ) * - x\n  d = [ for v in xs : upper( v ) if v != \"\" ]\n  e = {for k , v in m : k => v}\n  f = \"${ var.x }\"\n}\n",
            "settings {\n  a = var.x[0]\n  b = x ? 1 : 2\n  c = (1 + 2) * -x\n  d = [for v in xs : upper(v) if v != \"\"]\n  e = { for k, v in m : k => v }\n  f = \"${ var.x }\"\n}\n",
        );
    }

    #[test]
    fn heredocs_are_kept_byte_for_byte() {
        let heredoc = "<<-EOT\n\t  indented with a tab   \n\n    ${ x }   \n  EOT";
        formats(
            &format!("template \"a\" {{\n      script   =   {heredoc}\n  b = 1\n}}\n"),
            &format!("template \"a\" {{\n  script = {heredoc}\n  b      = 1\n}}\n"),
        );
        formats(
            "settings {\n  lines = [<<EOT\n  raw\nEOT\n  , \"x\"]\n}\n",
            "settings {\n  lines = [<<EOT\n  raw\nEOT\n    , \"x\"]\n}\n",
        );
    }

    #[test]
    fn strings_keep_their_escapes() {
        formats(
            "settings {\n  a   =   \"caf\\u00e9 \\\"quoted\\\" $${literal}\"\n  obj = {\"key\" = \"v\\tx\"}\n}\n",
            "settings {\n  a   = \"caf\\u00e9 \\\"quoted\\\" $${literal}\"\n  obj = { \"key\" = \"v\\tx\" }\n}\n",
        );
    }

    #[test]
    fn quoted_object_keys_align_by_their_written_width() {
        formats(
            "settings {\n  labels = {\n    \"app.kubernetes.io/name\" = \"web\"\n    tier = \"front\"\n  }\n}\n",
            "settings {\n  labels = {\n    \"app.kubernetes.io/name\" = \"web\"\n    tier                     = \"front\"\n  }\n}\n",
        );
    }

    #[test]
    fn one_line_blocks_stay_on_one_line() {
        formats(
            "cluster \"a\" {   region = \"eu\"   }\ncluster \"b\" {   }\n",
            "cluster \"a\" { region = \"eu\" }\ncluster \"b\" {}\n",
        );
    }

    #[test]
    fn no_comment_is_ever_dropped() {
        let input = "# c01\n/* c02 */\nblock /* c03 */ \"label\" /* c04 */ { # c05\n    # c06\n  key /* c07 */ = /* c08 */ \"v\" /* c09 */ # c10\n  list = [ /* c11 */ \"a\" /* c12 */ , # c13\n  # c14\n  \"b\" # c15\n  /* c16 */ ]\n  obj = { /* c17 */ a /* c18 */ = /* c19 */ 1 /* c20 */, b = 2 # c21\n  # c22\n  c = 3 /* c23 */\n  # c24\n  }\n  call = f( /* c25 */ 1 /* c26 */ , # c27\n  2 # c28\n  )\n  paren = ( # c29\n  1 # c30\n  )\n  cond = (a # c31\n  ? b # c32\n  : c) # c33\n  bin = (1 # c34\n  + 2)\n  trav = (x # c35\n  .y)\n  idx = x[ /* c36 */ 0 /* c37 */ ]\n  fe = [ /* c38 */ for v in xs : v if v # c39\n  ]\n  one { a = 1 /* c40 */ }\n  empty {   /* c41 */   }\n  # c42\n}\n# c43\n";
        formats(
            input,
            "# c01\n/* c02 */\nblock /* c03 */ \"label\" /* c04 */ { # c05\n  # c06\n  key /* c07 */ = /* c08 */ \"v\" /* c09 */ # c10\n  list = [/* c11 */ \"a\" /* c12 */, # c13\n    # c14\n    \"b\" # c15\n    /* c16 */]\n  obj = { /* c17 */ a /* c18 */ = /* c19 */ 1 /* c20 */, b = 2 # c21\n    # c22\n    c = 3 /* c23 */\n    # c24\n  }\n  call = f(/* c25 */ 1 /* c26 */, # c27\n    2 # c28\n  )\n  paren = ( # c29\n    1 # c30\n  )\n  cond = (a # c31\n    ? b # c32\n    : c) # c33\n  bin = (1 # c34\n    + 2)\n  trav = (x # c35\n    .y)\n  idx = x[/* c36 */ 0 /* c37 */]\n  fe = [/* c38 */ for v in xs : v if v # c39\n  ]\n  one { a = 1 /* c40 */ }\n  empty { /* c41 */ }\n  # c42\n}\n# c43\n",
        );
    }

    #[test]
    fn meaning_is_preserved_for_every_kind_of_expression() {
        let input = r#"settings   {
workspace="shop"
  nested {
  list = [ "a" , "b" , ]
     object = {a=1,b={c=[1,2]}}
  }
  call = merge({
  a = 1
  }, {
  b = 2
  },)
  spread = concat(var.lists...)
  ns = provider::aws::arn_parse("arn")
  cond = var.a ? var.b : var.c
  ops = (1 + 2 * 3) / -4 % 5 >= 6 && !false || null == true
  traversal = var.list[ 0 ].name.*.id
  splat = var.list[*].id
  legacy = var.tuple.0
  template = "${var.x}-%{ if var.y }yes%{ else }no%{ endif }"
  heredoc = <<EOT
keep ${var.x}
  as   written
EOT
  list_for = [for i, v in var.list : v if i > 0]
  map_for = {for k, v in var.map : k => v... if v != null}
}
"#;
        let formatted = format_hcl(input).unwrap();
        assert_eq!(hcl::parse(&formatted).unwrap(), hcl::parse(input).unwrap());
        assert_eq!(format_hcl(&formatted).unwrap(), formatted);
        assert!(
            formatted.contains("<<EOT\nkeep ${var.x}\n  as   written\nEOT\n"),
            "{formatted}"
        );
    }

    #[test]
    fn syntax_errors_report_line_and_column() {
        let error = format_hcl("cluster \"a\" {\n  region =\n}\n").unwrap_err();
        let FormatError::Syntax { line, column, .. } = error else {
            panic!("{error:?}")
        };
        assert_eq!((line, column), (2, 11));
    }

    #[test]
    fn placeholders_never_clash_with_the_source() {
        formats(
            "settings {\n  mcctl_fmt_literal_0_ = \"a\"\n  b = mcctl_fmt_literal_x0_\n}\n",
            "settings {\n  mcctl_fmt_literal_0_ = \"a\"\n  b                    = mcctl_fmt_literal_x0_\n}\n",
        );
    }

    /// Every `.hcl` file of the repository's examples and fixtures that parses.
    fn repository_files() -> Vec<(std::path::PathBuf, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut pending = vec![root.join("examples"), root.join("testdata")];
        let mut files = Vec::new();
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|extension| extension == "hcl") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    if hcl::parse(&text).is_ok() {
                        files.push((path, text));
                    }
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn repository_files_are_canonical() {
        let files = repository_files();
        assert!(files.len() >= 5, "{files:?}");
        for (path, text) in files {
            assert_eq!(
                format_hcl(&text).unwrap(),
                text,
                "{} is not canonical; run `mcctl fmt`",
                path.display()
            );
        }
    }

    /// Replaces every run of spaces outside strings and comments by `spaces` spaces and every
    /// line break by `newlines` line breaks, which keeps the meaning of files without heredocs.
    fn scramble(text: &str, spaces: usize, newlines: usize) -> String {
        let mut out = String::new();
        for line in text.lines() {
            let mut in_string = false;
            let mut previous = '\n';
            let mut chars = line.char_indices().peekable();
            while let Some((index, c)) = chars.next() {
                if !in_string && (c == '#' || line[index..].starts_with("//")) {
                    out.push_str(&line[index..]);
                    break;
                }
                match c {
                    '"' if previous != '\\' => in_string = !in_string,
                    ' ' if !in_string => {
                        if chars.peek().is_none_or(|(_, next)| *next != ' ') {
                            out.push_str(&" ".repeat(spaces));
                        }
                        previous = c;
                        continue;
                    }
                    _ => {}
                }
                out.push(c);
                previous = c;
            }
            out.push_str(&"\n".repeat(newlines));
        }
        out
    }

    proptest::proptest! {
        /// Any spacing of a repository file formats back to it; extra line breaks anywhere
        /// change the layout but never the meaning, and formatting again changes nothing.
        #[test]
        fn scrambled_whitespace_formats_back(spaces in 1usize..4, newlines in 1usize..4, index in 0usize..64) {
            let files = repository_files();
            let (path, text) = &files[index % files.len()];
            let scrambled = scramble(text, spaces, newlines);
            let formatted = format_hcl(&scrambled).unwrap();
            proptest::prop_assert_eq!(hcl::parse(&formatted).unwrap(), hcl::parse(text).unwrap());
            proptest::prop_assert_eq!(&format_hcl(&formatted).unwrap(), &formatted);
            proptest::prop_assert!(formatted.lines().all(|line| line == line.trim_end()));
            if newlines == 1 {
                proptest::prop_assert_eq!(&formatted, text, "{}", path.display());
            }
        }
    }
}
