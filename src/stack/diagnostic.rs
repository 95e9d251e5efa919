//! Problems found in a stack file, each pointing at a span of the source.

use std::ops::Range;

/// A byte range into the stack file's source text.
pub type Span = Range<usize>;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; `--deny-warnings` turns it into a failure.
    Warning,
    /// The stack cannot be deployed as written.
    Error,
}

/// One problem in a stack file: a message, where it is, what is wrong there and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The headline, e.g. `unknown action "StartExecutions"`.
    pub message: String,
    /// Where in the file; `None` when the problem is about the file as a whole.
    pub span: Option<Span>,
    /// What is wrong at the span, shown under it.
    pub label: String,
    /// A known fix, e.g. `did you mean "StartExecution"?`.
    pub help: Option<String>,
    /// A warning's name, which `allow = [...]` takes (see [`WARNINGS`]); errors have none.
    pub code: Option<&'static str>,
}

/// Every warning's name, with what it says: `allow = ["NAME"]` in `[stack]` (whole file) or in
/// a `[[route]]` (that route) acknowledges it, like clippy's `#[allow]`.
pub const WARNINGS: &[(&str, &str)] = &[
    ("no-authorization", "a route anyone on the internet can call"),
    (
        "no-throttling",
        "a stage without throttling limits, the only cost cap",
    ),
    (
        "body-path-100kb",
        "a body path other than the body convention reads only the first 100 KB",
    ),
    (
        "static-execution-name",
        "a static execution Name: every execution after the first fails",
    ),
    (
        "sync-execution-timeout",
        "StartSyncExecution: API Gateway gives up after 30 s",
    ),
    ("unused-authorizer", "an authorizer no route names"),
    (
        "source-account-condition",
        "aws:SourceAccount on the integration role's trust",
    ),
    (
        "unbracketed-variable",
        "a variable inside static text without ${...}",
    ),
    (
        "managed-policy-quota",
        "more managed policies than IAM's default quota",
    ),
    (
        "throttling-account-limit",
        "stage throttling above the account's default limits",
    ),
    ("existing-role", "a [role] arn whose policies are unknown offline"),
    (
        "unused-substitution",
        "a state machine substitution its definition does not use",
    ),
    (
        "run-time-resource",
        "a workflow resource read at run time, granted broadly",
    ),
    (
        "region-not-the-machines",
        "a static Region other than the state machine's",
    ),
    (
        "route-quota",
        "more routes than API Gateway's default quota of 300",
    ),
];

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            span: Some(span),
            label: label.into(),
            help: None,
            code: None,
        }
    }

    /// A warning at `span`, named `code` (one of [`WARNINGS`]).
    pub fn warning(
        code: &'static str,
        span: Span,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        debug_assert!(
            WARNINGS.iter().any(|(name, _)| *name == code),
            "unlisted warning {code}"
        );
        Self {
            severity: Severity::Warning,
            code: Some(code),
            ..Self::error(span, message, label)
        }
    }

    /// The same problem with a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The closest candidate to `input`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (levenshtein(&lower, &c.to_ascii_lowercase()), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let actions = ["StartExecution", "StartSyncExecution", "StopExecution"];
        assert_eq!(did_you_mean("StartExecutions", &actions), Some("StartExecution"));
        assert_eq!(did_you_mean("startexecution", &actions), Some("StartExecution"));
        assert_eq!(did_you_mean("Invoke", &actions), None);
    }
}
