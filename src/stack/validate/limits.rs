//! Quotas and field limits AWS enforces, checked before any call so that nothing is half made.

use crate::policy;
use crate::resource::role::spec::least_privilege;
use crate::resource::route::spec::desired_route;
use crate::stack::diagnostic::Diagnostic;
use crate::stack::model::{Sp, StackFile};
use crate::stack::rules;

/// Routes per API by default (API Gateway developer guide, "Quotas for configuring and running an
/// HTTP API": 300, raisable).
pub const MAX_ROUTES: usize = 300;
/// Integrations per API (same page: 300, not raisable). Routes that declare the same integration
/// share one, so this caps the distinct integrations, not the routes.
pub const MAX_INTEGRATIONS: usize = 300;
/// Authorizers per API (same page).
pub const MAX_AUTHORIZERS: usize = 10;
/// Audiences per authorizer (same page, not raisable).
pub const MAX_AUDIENCES: usize = 50;
/// Scopes per route (same page, not raisable).
pub const MAX_SCOPES: usize = 10;
/// A scope's length (botocore apigatewayv2 `AuthorizationScopes` members,
/// StringWithLengthBetween1And64).
pub const MAX_SCOPE_LENGTH: usize = 64;
/// An issuer's length (botocore apigatewayv2 `JWTConfiguration.Issuer`,
/// UriWithLengthBetween1And2048).
pub const MAX_ISSUER_LENGTH: usize = 2048;
/// Managed policies per role: 10 by default, 20 at most (IAM and AWS STS quotas).
pub const MANAGED_POLICIES_DEFAULT: usize = 10;
/// See [`MANAGED_POLICIES_DEFAULT`].
pub const MANAGED_POLICIES_MAX: usize = 20;
/// All inline policies of a role, in characters without white space (IAM and AWS STS quotas,
/// "Role policy size cannot exceed 10,240 characters").
pub const MAX_ROLE_POLICY_CHARS: usize = 10_240;
/// Every quota and field-limit problem of the file.
pub(super) fn check(file: &StackFile, out: &mut Vec<Diagnostic>) {
    counts(file, out);
    authorizer_fields(file, out);
    managed_policies(file, out);
    tag_characters(file, out);
    policy_size(file, out);
}

fn counts(file: &StackFile, out: &mut Vec<Diagnostic>) {
    // The route that brings the 301st distinct integration.
    let mut distinct = Vec::new();
    let over = file.routes.iter().find(|r| {
        if let Some((route, _, _)) = desired_route(r)
            && !distinct.contains(&route.integration)
        {
            distinct.push(route.integration);
        }
        distinct.len() > MAX_INTEGRATIONS
    });
    if let Some(extra) = over {
        out.push(
            Diagnostic::error(
                extra.span.start..extra.span.start,
                format!("too many integrations: {} routes declare more than {MAX_INTEGRATIONS} distinct ones", file.routes.len()),
                format!("an HTTP API holds at most {MAX_INTEGRATIONS} integrations; this route's is one too many"),
            )
            .with_help("the integrations quota cannot be raised: routes with the same action, state machine and parameters share one integration; or split the routes over two stacks"),
        );
    } else if let Some(extra) = file.routes.get(MAX_ROUTES) {
        out.push(
            Diagnostic::warning(
                "route-quota",
                extra.span.start..extra.span.start,
                format!("{} routes: over the default quota of {MAX_ROUTES} routes per API", file.routes.len()),
                "CreateRoute fails past the quota",
            )
            .with_help("the routes quota can be raised (Service Quotas, \"Routes per API\"); once it is, acknowledge with allow = [\"route-quota\"] in [stack]"),
        );
    }
    if let Some(extra) = file.authorizers.get(MAX_AUTHORIZERS) {
        out.push(
            Diagnostic::error(
                extra.span.start..extra.span.start,
                format!("too many authorizers: {}", file.authorizers.len()),
                format!("an HTTP API has at most {MAX_AUTHORIZERS} authorizers"),
            )
            .with_help("routes can share an authorizer; or ask AWS Support to raise the quota and split the stack until then"),
        );
    }
    for route in &file.routes {
        let scopes = route.scopes.as_deref().unwrap_or_default();
        if let Some(extra) = scopes.get(MAX_SCOPES) {
            out.push(
                Diagnostic::error(
                    extra.span.clone(),
                    format!("too many scopes: {}", scopes.len()),
                    format!("a route requires at most {MAX_SCOPES} scopes"),
                )
                .with_help("a token needs only one of the route's scopes: keep the ones clients are issued"),
            );
        }
        for scope in scopes {
            let length = scope.value.chars().count();
            if length > MAX_SCOPE_LENGTH {
                out.push(
                    Diagnostic::error(
                        scope.span.clone(),
                        "scope too long",
                        format!("a scope is 1-{MAX_SCOPE_LENGTH} characters; this one has {length}"),
                    )
                    .with_help("use the scope's short name, e.g. \"orders/write\""),
                );
            }
        }
    }
}

fn authorizer_fields(file: &StackFile, out: &mut Vec<Diagnostic>) {
    for authorizer in &file.authorizers {
        let audience = authorizer.audience.as_deref().unwrap_or_default();
        if let Some(extra) = audience.get(MAX_AUDIENCES) {
            out.push(
                Diagnostic::error(
                    extra.span.clone(),
                    format!("too many audiences: {}", audience.len()),
                    format!("a JWT authorizer accepts at most {MAX_AUDIENCES} audiences"),
                )
                .with_help("the quota cannot be raised: split the clients over two authorizers"),
            );
        }
        if let Some(issuer) = &authorizer.issuer {
            let length = issuer.value.chars().count();
            if length > MAX_ISSUER_LENGTH {
                out.push(Diagnostic::error(
                    issuer.span.clone(),
                    "issuer too long",
                    format!("an issuer is at most {MAX_ISSUER_LENGTH} characters; this one has {length}"),
                ));
            }
        }
    }
}

fn managed_policies(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let policies = &file.role.managed_policies;
    let count = policies.len();
    if let Some(extra) = policies.get(MANAGED_POLICIES_MAX) {
        out.push(
            Diagnostic::error(
                extra.span.clone(),
                format!("too many managed policies: {count}"),
                format!("IAM attaches at most {MANAGED_POLICIES_MAX} managed policies to a role"),
            )
            .with_help("combine policies into fewer customer managed ones"),
        );
    } else if let Some(extra) = policies.get(MANAGED_POLICIES_DEFAULT) {
        out.push(
            Diagnostic::warning(
"managed-policy-quota",
                extra.span.clone(),
                format!("{count} managed policies"),
                format!("IAM's default quota is {MANAGED_POLICIES_DEFAULT} managed policies per role"),
            )
            .with_help(format!(
                "`up` fails unless the account's quota \"Managed policies per role\" was raised (up to {MANAGED_POLICIES_MAX})"
            )),
        );
    }
}

/// IAM's tag alphabet: letters, separators (`\p{Z}`), numbers and `_ . : / = + - @` (botocore iam
/// `tagKeyType` and `tagValueType`, pattern `[\p{L}\p{Z}\p{N}_.:/=+\-@]`). Rust's `Alphabetic`
/// stands in for `\p{L}`.
pub fn is_tag_character(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
}

fn tag_characters(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let mut check = |text: &Sp<String>, what: &str| {
        if let Some(c) = text.value.chars().find(|c| !is_tag_character(*c)) {
            let shown = if c.is_control() {
                format!("U+{:04X}", c as u32)
            } else {
                format!("`{c}`")
            };
            out.push(
                Diagnostic::error(
                    text.span.clone(),
                    format!("invalid character in tag {what}"),
                    format!("IAM refuses {shown} in tags"),
                )
                .with_help("tags hold letters, digits, spaces and _ . : / = + - @"),
            );
        }
    };
    for (k, v) in &file.tags {
        check(k, "key");
        check(v, "value");
    }
}

/// The inline policy `up` would write, measured as IAM measures it.
fn policy_size(file: &StackFile, out: &mut Vec<Diagnostic>) {
    if file.role.policy.is_some() {
        // An explicit document is the user's (or what `import` read from IAM, which accepted it).
        return;
    }
    let mut machines = Vec::new();
    for route in &file.routes {
        let (Some(action), Some(arn)) = (&route.action, &route.state_machine) else {
            continue;
        };
        let Ok(action) = action.value.parse::<crate::domain::RouteAction>() else {
            continue;
        };
        // A status route starts its helper (`stack::status_helper`), named after the machine.
        let machine = match action {
            crate::domain::RouteAction::DescribeExecution => {
                rules::state_machine_reference(&crate::stack::status_helper::name(&arn.value))
            }
            _ => rules::state_machine_reference(&arn.value),
        };
        if let Ok(m) = machine {
            machines.push((action.integration(), m));
        }
    }
    let actions: Option<Vec<String>> = file
        .role
        .actions
        .as_ref()
        .map(|a| a.iter().map(|s| s.value.clone()).collect());
    let document = policy::normalize(&least_privilege(&machines, actions.as_deref()));
    let chars = policy_chars(&document);
    if chars > MAX_ROLE_POLICY_CHARS {
        let span = file
            .role
            .policy_name
            .as_ref()
            .map_or(file.role.span.start..file.role.span.start, |p| p.span.clone());
        out.push(
            Diagnostic::error(
                span,
                "the derived inline policy is too large",
                format!(
                    "{chars} characters; IAM allows {MAX_ROLE_POLICY_CHARS} for a role's inline policies"
                ),
            )
            .with_help(
                "routes on fewer state machines make a shorter policy; or split the routes over two stacks",
            ),
        );
    }
}

/// A policy's size as IAM counts it: its JSON text without white space.
pub fn policy_chars(document: &serde_json::Value) -> usize {
    document
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_characters_follow_iam() {
        for ok in ["team", "Café", "a b", "a_b.c:d/e=f+g-h@i", "ünïcödé", "٣"] {
            assert!(ok.chars().all(is_tag_character), "{ok}");
        }
        for bad in ['*', '#', '!', '\t', '\n', '"', '<', '%', ','] {
            assert!(!is_tag_character(bad), "{bad:?}");
        }
    }

    #[test]
    fn policy_size_ignores_white_space() {
        let doc = serde_json::json!({"A": "x y", "B": ["1", "2"]});
        assert_eq!(policy_chars(&doc), r#"{"A":"xy","B":["1","2"]}"#.len());
    }
}
