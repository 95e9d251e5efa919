//! The keys `provision import` writes for what the tool would not derive: `[role] policy`, an
//! explicit inline policy document, and `[api] unmanaged_routes` / `_stages` / `_authorizers`, what the
//! stack leaves alone in an API it owns.

use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::StackFile;
use crate::stack::rules;

/// Checks the explicit policy and the unmanaged lists.
pub fn check(file: &StackFile, out: &mut Vec<Diagnostic>) {
    explicit_policy(file, out);
    unmanaged(file, out);
}

/// `[role] policy` is a JSON policy document (IAM's policy grammar: an object with `Statement`;
/// IAM User Guide, "IAM JSON policy element reference"), and replaces `actions`, never joins it.
fn explicit_policy(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let Some(text) = &file.role.policy else {
        return;
    };
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(&text.value);
    match parsed {
        Ok(doc) if doc.get("Statement").is_some() => {}
        Ok(_) => out.push(
            Diagnostic::error(
                text.span.clone(),
                "not a policy document",
                "no `Statement` in this JSON",
            )
            .with_help("write the whole document: {\"Version\": \"2012-10-17\", \"Statement\": [...]}"),
        ),
        Err(e) => out.push(
            Diagnostic::error(text.span.clone(), "not a JSON policy document", format!("{e}"))
                .with_help("write the document as JSON text, e.g. in a '''...''' literal string"),
        ),
    }
    if let Some(actions) = file.role.actions.as_ref().and_then(|a| a.first()) {
        out.push(
            Diagnostic::error(
                actions.span.clone(),
                "`actions` and `policy` are both given",
                "`policy` is the whole document",
            )
            .with_help("keep one: `actions` to derive the policy, or `policy` to write it out"),
        );
    }
}

/// Unmanaged route keys are route keys the stack does not declare; unmanaged stages are not
/// the stack's `[stage]`.
fn unmanaged(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let declared: Vec<&str> = file
        .routes
        .iter()
        .filter_map(|r| r.key.as_ref().map(|k| k.value.as_str()))
        .collect();
    for key in file.api.unmanaged_routes.iter().flatten() {
        if let Err(e) = rules::parse_route_key(&key.value) {
            out.push(Diagnostic::error(
                key.span.clone(),
                format!("invalid route key `{}`", key.value),
                e.reason,
            ));
        } else if declared.contains(&key.value.as_str()) {
            out.push(
                Diagnostic::error(
                    key.span.clone(),
                    format!("route `{}` is both declared and unmanaged", key.value),
                    "a [[route]] of this stack has this key",
                )
                .with_help("remove it from `unmanaged_routes` to manage it, or remove the [[route]]"),
            );
        }
    }
    let declared_authorizers: Vec<&str> = file
        .authorizers
        .iter()
        .filter_map(|a| a.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    for name in file.api.unmanaged_authorizers.iter().flatten() {
        if declared_authorizers.contains(&name.value.as_str()) {
            out.push(
                Diagnostic::error(
                    name.span.clone(),
                    format!("authorizer `{}` is both declared and unmanaged", name.value),
                    "an [[authorizer]] of this stack has this name",
                )
                .with_help("remove it from `unmanaged_authorizers`, or remove the [[authorizer]]"),
            );
        }
    }
    let stage = file
        .stage
        .as_ref()
        .and_then(|s| s.name.as_ref())
        .map_or(crate::domain::StageName::DEFAULT, |n| n.value.as_str());
    for name in file.api.unmanaged_stages.iter().flatten() {
        if name.value == stage {
            out.push(
                Diagnostic::error(
                    name.span.clone(),
                    format!("stage `{}` is both the stack's [stage] and unmanaged", name.value),
                    "the [stage] of this stack",
                )
                .with_help("remove it from `unmanaged_stages`"),
            );
        } else if !rules::is_stage_name(&name.value) {
            out.push(Diagnostic::error(
                name.span.clone(),
                format!("invalid stage name `{}`", name.value),
                "`$default` or 1-128 of A-Z a-z 0-9 _ -",
            ));
        }
    }
}
