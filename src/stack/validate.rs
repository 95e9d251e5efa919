//! Offline checks of a parsed stack against AWS's rules. Pure: no network, no credentials.

use std::collections::HashSet;

use super::diagnostic::{Diagnostic, did_you_mean};
use super::model::{RouteSection, Sp, StackFile};
use super::rules::{self, MACHINES_TAG, Mapping, OWNER_TAG};
use crate::domain::{Action, Authorization, RouteAction};

mod execution;
mod imported;
mod limits;

pub use crate::resource::stage::check::{LOWER_THROTTLE_REGIONS, account_throttle};

pub(crate) const ROLE_ACTIONS: &[&str] = crate::domain::StatesAction::NAMES;

/// Every semantic problem of the file, errors and warnings, in file order.
pub fn validate(file: &StackFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    names(file, &mut out);
    crate::resource::api::check::cors(file, &mut out);
    source_account(file, &mut out);
    crate::resource::authorizer::check::authorizers(file, &mut out);
    routes(file, &mut out);
    role_actions(file, &mut out);
    crate::resource::role::check::validate_role_rules(file, &mut out);
    crate::resource::stage::check::check(file, &mut out);
    tags(file, &mut out);
    limits::check(file, &mut out);
    imported::check(file, &mut out);
    out.extend(crate::resource::state_machine::spec::validate(file));
    super::status_helper::validate(file, &mut out);
    out.sort_by_key(|d| d.span.as_ref().map_or(0, |s| s.start));
    out
}

fn names(file: &StackFile, out: &mut Vec<Diagnostic>) {
    if let Some(name) = &file.stack.name
        && !rules::is_stack_name(&name.value)
    {
        out.push(
            Diagnostic::error(
                name.span.clone(),
                "invalid stack name",
                "1-128 of A-Z a-z 0-9 - _ .",
            )
            .with_help("the stack name is written as a tag value on everything the stack creates"),
        );
    }
    if let Some(region) = &file.stack.region
        && !crate::arn::is_region(&region.value)
    {
        out.push(
            Diagnostic::error(
                region.span.clone(),
                format!("`{}` is not an AWS region", region.value),
                "not a region name",
            )
            .with_help("regions look like ap-southeast-2 or us-east-1"),
        );
    }
    if let Some(name) = &file.api.name
        && (name.value.is_empty() || name.value.chars().count() > 128)
    {
        out.push(Diagnostic::error(
            name.span.clone(),
            "invalid API name",
            "an API name is 1-128 characters",
        ));
    }
    if let Some(name) = &file.role.name
        && !rules::is_iam_name(&name.value, 64)
    {
        out.push(
            Diagnostic::error(
                name.span.clone(),
                "invalid IAM role name",
                "1-64 of A-Z a-z 0-9 + = , . @ _ -",
            )
            .with_help(iam_help(&name.value, 64)),
        );
    }
    if let Some(name) = &file.role.policy_name
        && !rules::is_iam_name(&name.value, 128)
    {
        out.push(
            Diagnostic::error(
                name.span.clone(),
                "invalid IAM policy name",
                "1-128 of A-Z a-z 0-9 + = , . @ _ -",
            )
            .with_help(iam_help(&name.value, 128)),
        );
    }
    for arn in &file.role.managed_policies {
        let ok = arn
            .value
            .parse::<crate::arn::Arn>()
            .is_ok_and(|a| a.service == "iam" && a.resource.starts_with("policy/"));
        if !ok {
            out.push(
                Diagnostic::error(arn.span.clone(), "not a managed policy ARN", "expected arn:aws:iam::ACCOUNT:policy/NAME")
                    .with_help("for the console's default write \"arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs\""),
            );
        }
    }
}

fn iam_help(value: &str, max: usize) -> String {
    if value.len() > max {
        format!(
            "this name is {} characters long; shorten it to {max}",
            value.len()
        )
    } else if value.is_empty() {
        "give it a name".into()
    } else {
        let mut bad: Vec<char> = Vec::new();
        for c in value.chars() {
            let allowed = c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
            if !allowed && !bad.contains(&c) {
                bad.push(c);
            }
        }
        let named: Vec<String> = bad
            .iter()
            .map(|c| match c {
                ' ' => "spaces".to_string(),
                c => format!("`{c}`"),
            })
            .collect();
        format!("remove or replace {}, e.g. with `-`", named.join(" and "))
    }
}

fn routes(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let mut seen: HashSet<&str> = HashSet::new();
    for route in &file.routes {
        let parsed_key = route.key.as_ref().and_then(|key| {
            if !seen.insert(&key.value) {
                out.push(
                    Diagnostic::error(
                        key.span.clone(),
                        format!("duplicate route key `{}`", key.value),
                        "declared again here",
                    )
                    .with_help("each route key may appear once: remove this route or change its key"),
                );
            }
            match rules::parse_route_key(&key.value) {
                Ok(k) => Some(k),
                Err(e) => {
                    let mut d = Diagnostic::error(
                        key.span.clone(),
                        format!("invalid route key `{}`", key.value),
                        e.reason,
                    );
                    if let Some(h) = e.help {
                        d = d.with_help(h);
                    }
                    out.push(d);
                    None
                }
            }
        });

        let action = route.action.as_ref().and_then(|action| {
            if let Ok(known) = action.value.parse::<RouteAction>() {
                Some(known)
            } else {
                let mut d = Diagnostic::error(
                    action.span.clone(),
                    format!("unknown action \"{}\"", action.value),
                    "expected StartExecution, StartSyncExecution, StopExecution or DescribeExecution",
                );
                if let Some(s) = did_you_mean(&action.value, RouteAction::NAMES) {
                    d = d.with_help(format!("did you mean \"{s}\"?"));
                }
                out.push(d);
                None
            }
        });

        if let Some(machine) = &route.state_machine
            && !machine.value.starts_with("arn:")
        {
            // A name: the machine of that name in the caller's account and the stack's region,
            // resolved when connecting.
            if let Err(reason) = crate::arn::check_step_functions_name(&machine.value) {
                out.push(
                    Diagnostic::error(machine.span.clone(), "not a state machine name or ARN", reason)
                        .with_help("write the machine's name (in this account and region), e.g. `user-onboarding`, or its full ARN: arn:aws:states:REGION:ACCOUNT:stateMachine:NAME"),
                );
            }
        } else if let Some(machine) = &route.state_machine
            && let Err(reason) = crate::arn::parse_state_machine_arn(&machine.value)
        {
            out.push(
                Diagnostic::error(machine.span.clone(), "not a Step Functions state machine ARN", reason)
                    .with_help("copy the ARN from the Step Functions console: arn:aws:states:REGION:ACCOUNT:stateMachine:NAME"),
            );
        }

        route_authorizer(file, route, out);
        if let Some(auth) = &route.authorization
            && auth.value != Authorization::Jwt.as_str()
            && !rules::AUTHORIZATIONS.contains(&auth.value.as_str())
        {
            let mut d = Diagnostic::error(
                auth.span.clone(),
                format!("unknown authorization `{}`", auth.value),
                "expected NONE or AWS_IAM",
            );
            if let Some(s) = did_you_mean(&auth.value, rules::AUTHORIZATIONS) {
                d = d.with_help(format!("did you mean \"{s}\"?"));
            }
            out.push(d);
        }
        let open = route.authorizer.is_none()
            && route
                .authorization
                .as_ref()
                .is_none_or(|a| a.value == Authorization::None.as_str());
        if open && let Some(key) = &route.key {
            out.push(
                Diagnostic::warning(
"no-authorization",
                    key.span.clone(),
                    format!("route `{}` has no authorization", key.value),
                    "anyone on the internet can start executions",
                )
                .with_help(
                    "name an [[authorizer]] (authorizer = \"...\") or set authorization = \"AWS_IAM\", and set throttling limits on the stage",
                ),
            );
        }
        if action == Some(RouteAction::StartSyncExecution) {
            sync_timeout(file, route, out);
        }

        parameters(route, action, parsed_key.as_ref(), out);
        execution::region(file, route, out);
        super::response::validate(route, out);
    }
}

/// A route's JWT authorizer, scopes and authorization must agree.
fn route_authorizer(file: &StackFile, route: &RouteSection, out: &mut Vec<Diagnostic>) {
    let declared: Vec<&str> = file
        .authorizers
        .iter()
        .filter_map(|a| a.name.as_ref().map(|n| n.value.as_str()))
        .collect();
    match (&route.authorizer, &route.authorization) {
        (Some(name), _) if !declared.contains(&name.value.as_str()) => {
            let mut d = Diagnostic::error(
                name.span.clone(),
                format!("unknown authorizer `{}`", name.value),
                "no [[authorizer]] of this stack has this name",
            );
            d = match did_you_mean(&name.value, &declared) {
                Some(s) => d.with_help(format!("did you mean \"{s}\"?")),
                None if declared.is_empty() => d.with_help(
                    "declare it: [[authorizer]] with name, issuer and audience (a JWT authorizer)",
                ),
                None => d.with_help(format!("declared authorizers: {}", declared.join(", "))),
            };
            out.push(d);
        }
        (Some(_), Some(auth)) if auth.value != Authorization::Jwt.as_str() => out.push(
            Diagnostic::error(
                auth.span.clone(),
                format!("authorization `{}` with an authorizer", auth.value),
                "a route with an `authorizer` is a JWT route",
            )
            .with_help("remove `authorization` (JWT is implied by `authorizer`), or remove `authorizer`"),
        ),
        (None, Some(auth)) if auth.value == Authorization::Jwt.as_str() => out.push(
            Diagnostic::error(auth.span.clone(), "JWT authorization without an authorizer", "which authorizer checks the token?")
                .with_help("name one: authorizer = \"...\" (an [[authorizer]] of this stack), and remove `authorization`"),
        ),
        _ => {}
    }
    if let Some(scopes) = &route.scopes {
        if route.authorizer.is_none() {
            let span = scopes.first().map_or(route.span.clone(), |s| s.span.clone());
            out.push(
                Diagnostic::error(
                    span,
                    "scopes without an authorizer",
                    "only a JWT authorizer checks scopes",
                )
                .with_help("add authorizer = \"...\", or remove `scopes`"),
            );
        }
        for scope in scopes {
            if scope.value.is_empty() || scope.value.chars().any(char::is_whitespace) {
                out.push(
                    Diagnostic::error(
                        scope.span.clone(),
                        "invalid scope",
                        "a scope is one word without spaces",
                    )
                    .with_help("write each scope as its own string, e.g. [\"onboarding/write\"]"),
                );
            }
        }
    }
}

fn source_account(file: &StackFile, out: &mut Vec<Diagnostic>) {
    if let Some(flag) = &file.role.restrict_source_account
        && flag.value
    {
        out.push(
            Diagnostic::warning(
"source-account-condition",
                flag.span.clone(),
                "aws:SourceAccount on an integration role",
                "API Gateway has been reported not to send this key when it assumes integration credentials",
            )
            .with_help(
                "if routes answer 500 \"API Gateway does not have permission to assume the provided role\", remove this line",
            ),
        );
    }
}

/// A synchronous route whose execution can outlast API Gateway's 30 s ("Quotas for configuring
/// and running an HTTP API in API Gateway": maximum integration timeout 30 seconds, not
/// raisable): API Gateway answers 504 while the execution goes on. For a machine of the stack
/// the definition says whether it can (`state_machine::duration`); for any other machine it is
/// not known offline, and EXPRESS runs may last five minutes.
fn sync_timeout(file: &StackFile, route: &RouteSection, out: &mut Vec<Diagnostic>) {
    use crate::resource::state_machine::duration;
    let span = route
        .action
        .as_ref()
        .map_or(route.span.clone(), |a| a.span.clone());
    let declared = route.state_machine.as_ref().and_then(|written| {
        file.state_machines
            .iter()
            .find(|m| m.name.as_ref().is_some_and(|n| n.value == written.value))
    });
    let help = "API Gateway answers 504 after 30 s while the execution goes on: give the definition \
                \"TimeoutSeconds\": 29 or less, or start it with StartExecution and report it with a status \
                route (action = \"DescribeExecution\")";
    let warning = match declared.map(|m| m.loaded.as_ref().map(|l| l.parsed.as_ref())) {
        // The definition is unreadable: its own error says so.
        Some(None | Some(Err(_))) => return,
        Some(Some(Ok(definition))) => {
            let reasons = duration::longer_than_the_integration(definition);
            let Some(first) = reasons.first() else {
                return;
            };
            let more = match reasons.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            Diagnostic::warning(
                "sync-execution-timeout",
                span,
                format!(
                    "this synchronous route's workflow can run longer than API Gateway's {} s",
                    duration::INTEGRATION_TIMEOUT_SECS
                ),
                format!("{first}{more}"),
            )
            .with_help(help)
        }
        None => Diagnostic::warning(
            "sync-execution-timeout",
            span,
            "synchronous execution through API Gateway",
            "API Gateway gives up after 30 s while Express runs may last 5 minutes",
        )
        .with_help("a failed execution still answers 200: clients must read `status` in the response"),
    };
    out.push(warning);
}

/// Checks a route's parameters: their keys against `action` when it is known, their mapping
/// expressions always.
fn parameters(
    route: &RouteSection,
    action: Option<RouteAction>,
    key: Option<&rules::RouteKey>,
    out: &mut Vec<Diagnostic>,
) {
    let empty = Vec::new();
    let params = route.parameters.as_ref().unwrap_or(&empty);
    let Some(action) = action else {
        for (_, value) in params {
            mapping(value, None, key, out);
        }
        return;
    };
    let (required, optional) = action.parameters();
    let allowed: Vec<&str> = required
        .iter()
        .chain(optional)
        .copied()
        .filter(|k| *k != "StateMachineArn")
        .collect();
    for (name, value) in params {
        if name.value == "StateMachineArn" && action.integration().starts() {
            out.push(
                Diagnostic::error(
                    name.span.clone(),
                    "`StateMachineArn` comes from `state_machine`",
                    "do not set it in parameters",
                )
                .with_help("remove this key; the route's state_machine fills it"),
            );
        } else if !allowed.contains(&name.value.as_str()) {
            let d = Diagnostic::error(
                name.span.clone(),
                format!("`{}` is not a parameter of {action}", name.value),
                format!("{action} takes {}", allowed.join(", ")),
            );
            let elsewhere = RouteAction::ALL.iter().find(|a| {
                let (r, o) = a.parameters();
                **a != action && r.iter().chain(o).any(|k| *k == name.value)
            });
            out.push(match (did_you_mean(&name.value, &allowed), elsewhere) {
                (Some(s), _) => d.with_help(format!("did you mean `{s}`? keys are PascalCase")),
                (None, Some(other)) => d.with_help(format!(
                    "`{}` is a parameter of {other}: remove it, or change the action",
                    name.value
                )),
                (None, None) => d.with_help("remove this key"),
            });
        }
        // A status route's keys are the helper's input, not StartSyncExecution's own.
        let param = match action {
            RouteAction::DescribeExecution => None,
            other => Some((name.value.as_str(), other.integration())),
        };
        mapping(value, param, key, out);
    }
    for req in required.iter().filter(|r| **r != "StateMachineArn") {
        if !params.iter().any(|(k, _)| k.value == *req) {
            let span = route
                .action
                .as_ref()
                .map_or(route.span.clone(), |a| a.span.clone());
            out.push(
                Diagnostic::error(
                    span,
                    format!("{action} needs `{req}` in parameters"),
                    format!("no `{req}` is mapped"),
                )
                .with_help(format!(
                    "add parameters = {{ {req} = \"$request.querystring.executionArn\" }} or another mapping"
                )),
            );
        }
    }
}

/// Checks one parameter value; `param` is its key and the route's action, when known. A composed
/// value's variables are each checked as a bare one is.
fn mapping(
    value: &Sp<String>,
    param: Option<(&str, Action)>,
    key: Option<&rules::RouteKey>,
    out: &mut Vec<Diagnostic>,
) {
    let length = value.value.chars().count();
    if length == 0 || length > 512 {
        // botocore apigatewayv2 `IntegrationParameters` values: StringWithLengthBetween1And512.
        out.push(
            Diagnostic::error(
                value.span.clone(),
                "request parameter value out of range",
                format!("a value is 1-512 characters; this one has {length}"),
            )
            .with_help(if length == 0 {
                "remove the parameter, or give it a value"
            } else {
                "map the value from the request instead, e.g. $request.body.input"
            }),
        );
    }
    let parsed = match rules::parse_mapping(&value.value) {
        Ok(m) => m,
        Err(e) => {
            let mut d = Diagnostic::error(
                value.span.clone(),
                format!("invalid mapping expression `{}`", value.value),
                e.reason,
            );
            if let Some(h) = e.help {
                d = d.with_help(h);
            }
            out.push(d);
            return;
        }
    };
    let variables = parsed.variables();
    for variable in &variables {
        if let Mapping::Path(p) = variable {
            path_parameter(value, p, key, out);
        }
    }
    if variables.iter().any(|v| v.is_response()) {
        // Request parameter mapping values ("Transforming API requests and responses") read the
        // request, context and stage variables; `$response` exists only once the integration
        // has answered.
        out.push(
            Diagnostic::error(
                value.span.clone(),
                format!("`{}` reads the integration's answer", value.value),
                "a request parameter is evaluated before the integration is called",
            )
            .with_help(
                "map it in the route's `response` instead, or read the request ($request.body.input, ...)",
            ),
        );
        return;
    }
    // The tool's one body convention (the walkthrough's `Input = $request.body.input`) is a
    // deliberate choice whose 100 KB limit the stack format docs state: no warning for it.
    let convention = param.is_some_and(|(name, _)| name == "Input")
        && matches!(
            value.value.as_str(),
            "$request.body.input" | "${request.body.input}"
        );
    if !convention && variables.iter().any(|v| matches!(v, Mapping::BodyPath(_))) {
        out.push(
            Diagnostic::warning(
                "body-path-100kb",
                value.span.clone(),
                "body path mapping",
                "bodies over 100 KB are cut before this path is read",
            )
            .with_help("for large payloads map `$request.body` and select inside the workflow"),
        );
    }
    execution::unbracketed_variable(value, &parsed, out);
    if let Some((name, action)) = param {
        execution::parameter(value, name, action, &parsed, out);
    }
}

/// `$request.path.NAME` must name a `{NAME}` of the route's path.
fn path_parameter(value: &Sp<String>, p: &str, key: Option<&rules::RouteKey>, out: &mut Vec<Diagnostic>) {
    let Some(k) = key else { return };
    let have = k.path_parameters();
    if have.iter().any(|h| h == p) {
        return;
    }
    let d = Diagnostic::error(
        value.span.clone(),
        format!("`$request.path.{p}` is not a parameter of this route's path"),
        match k.path() {
            Some(path) => format!("{path} has no {{{p}}}"),
            None => "$default has no path parameters".into(),
        },
    );
    let names: Vec<&str> = have.iter().map(String::as_str).collect();
    out.push(match did_you_mean(p, &names) {
        Some(s) => d.with_help(format!("did you mean `$request.path.{s}`?")),
        None if k.path().is_none() => {
            d.with_help("map a header, query string or body value instead, or give the route a path")
        }
        None if names.is_empty() => d.with_help(format!(
            "add `{{{p}}}` to the route key's path, or map another source"
        )),
        None => d.with_help(format!(
            "use {}, or add `{{{p}}}` to the route key's path",
            names
                .iter()
                .map(|n| format!("`$request.path.{n}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        )),
    });
}

fn role_actions(file: &StackFile, out: &mut Vec<Diagnostic>) {
    let Some(actions) = &file.role.actions else {
        return;
    };
    for a in actions {
        if a.value.contains('*') {
            out.push(
                Diagnostic::error(a.span.clone(), "wildcard action", "grant named actions only")
                    .with_help("list the actions the routes call, or leave `actions` out to derive them"),
            );
        } else if !ROLE_ACTIONS.contains(&a.value.as_str()) {
            let mut d = Diagnostic::error(
                a.span.clone(),
                format!("unknown action `{}`", a.value),
                "not a Step Functions action this role can use",
            );
            if let Some(s) = did_you_mean(&a.value, ROLE_ACTIONS) {
                d = d.with_help(format!("did you mean \"{s}\"?"));
            }
            out.push(d);
        }
    }
    if actions.iter().any(|a| a.value.contains('*')) {
        // Already an error above; "does not grant" would be false.
        return;
    }
    for route in &file.routes {
        let Some(action) = &route.action else { continue };
        let Ok(known) = action.value.parse::<RouteAction>() else {
            continue;
        };
        // A status route's role starts its helper (`stack::status_helper`).
        let needed = known.integration().iam_action();
        if !actions.iter().any(|a| a.value == needed) {
            out.push(
                Diagnostic::error(action.span.clone(), format!("[role] actions does not grant {needed}"), "this route would answer 500 on every call")
                    .with_help(format!("add \"{needed}\" to [role] actions, or remove `actions` to derive the policy from the routes")),
            );
        }
    }
}

fn tags(file: &StackFile, out: &mut Vec<Diagnostic>) {
    // The API also carries `MACHINES_TAG` while the stack declares machines (a status route's
    // helper counts).
    let machines =
        !file.state_machines.is_empty() || file.routes.iter().any(super::status_helper::is_status_route);
    let (allowed, added) = if machines {
        (48, format!("`{OWNER_TAG}` and, on the API, `{MACHINES_TAG}`"))
    } else {
        (49, format!("`{OWNER_TAG}`"))
    };
    if file.tags.len() > allowed
        && let Some(span) = &file.tags_span
    {
        out.push(
            Diagnostic::error(
                span.start..span.start,
                format!("too many tags: {}", file.tags.len()),
                "AWS allows 50 tags per resource",
            )
            .with_help(format!("the tool adds {added}, so at most {allowed} of your own")),
        );
    }
    for (k, v) in &file.tags {
        if k.value.is_empty() || k.value.chars().count() > 128 {
            out.push(
                Diagnostic::error(k.span.clone(), "invalid tag key", "a tag key is 1-128 characters")
                    .with_help(format!(
                        "this key is {} characters long; shorten it to 128",
                        k.value.chars().count()
                    )),
            );
        } else if k.value.to_ascii_lowercase().starts_with("aws:") {
            out.push(
                Diagnostic::error(
                    k.span.clone(),
                    "reserved tag key",
                    "keys starting with `aws:` are reserved by AWS",
                )
                .with_help("drop the `aws:` prefix or choose another key"),
            );
        } else if k.value.to_lowercase() == MACHINES_TAG {
            out.push(
                Diagnostic::error(
                    k.span.clone(),
                    "reserved tag key",
                    format!("the tool writes `{MACHINES_TAG}` on the API itself while the stack declares state machines"),
                )
                .with_help("remove this tag"),
            );
        } else if k.value.to_lowercase() == OWNER_TAG {
            // IAM: "Tag keys are case insensitive", so `Provision:Stack` is the ownership tag too.
            out.push(
                Diagnostic::error(
                    k.span.clone(),
                    "reserved tag key",
                    format!("the tool writes `{OWNER_TAG}` itself from stack.name, and tag keys are case insensitive"),
                )
                .with_help("remove this tag; set [stack] name instead"),
            );
        } else if let Some((first, _)) = file
            .tags
            .iter()
            .take_while(|(other, _)| !std::ptr::eq(other, k))
            .find(|(other, _)| other.value.to_lowercase() == k.value.to_lowercase())
        {
            out.push(
                Diagnostic::error(
                    k.span.clone(),
                    "duplicate tag key",
                    format!(
                        "`{}` is the same key as `{}`: IAM tag keys are case insensitive",
                        k.value, first.value
                    ),
                )
                .with_help("keep one of the two keys"),
            );
        }
        if v.value.chars().count() > 256 {
            out.push(
                Diagnostic::error(
                    v.span.clone(),
                    "tag value too long",
                    "a tag value is at most 256 characters",
                )
                .with_help(format!(
                    "this value is {} characters long; shorten it to 256",
                    v.value.chars().count()
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::load::parse;

    fn problems(source: &str) -> Vec<Diagnostic> {
        let (file, mut diags) = parse(source);
        diags.extend(validate(&file));
        diags
    }

    #[test]
    fn a_sync_route_warns_of_the_30_s_timeout_when_its_machines_definition_can_run_longer() {
        // "Quotas for configuring and running an HTTP API in API Gateway": maximum integration
        // timeout 30 seconds. Definitions with a long Wait, a long Task timeout, a heartbeat.
        let warned = |states: &str| {
            let source = format!(
                "[stack]\nname = \"s\"\nallow = [\"no-throttling\", \"no-authorization\"]\n[api]\nname = \"a\"\n\
                 [role]\nname = \"r\"\npolicy_name = \"p\"\n\
                 [[state_machine]]\nname = \"m\"\ntype = \"EXPRESS\"\ndefinition = {{ StartAt = \"A\", States = {{ {states} }} }}\n\
                 [[route]]\nkey = \"POST /m\"\naction = \"StartSyncExecution\"\nstate_machine = \"m\"\n"
            );
            let (mut file, mut diags) = parse(&source);
            crate::resource::state_machine::spec::load_definitions(&mut file, std::path::Path::new("."));
            diags.extend(validate(&file));
            diags
                .into_iter()
                .filter(|d| d.code == Some("sync-execution-timeout"))
                .map(|d| d.label)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            warned("A = { Type = \"Wait\", Seconds = 45, End = true }"),
            ["Wait state `A` waits 45 s"]
        );
        assert_eq!(
            warned(
                "A = { Type = \"Task\", Resource = \"arn:aws:states:::sqs:sendMessage\", Parameters = { QueueUrl = \"https://sqs.ap-southeast-2.amazonaws.com/111122223333/q\", MessageBody = \"x\" }, TimeoutSeconds = 300, End = true }"
            ),
            ["Task `A` may run 300 s (TimeoutSeconds)"]
        );
        assert!(warned("A = { Type = \"Wait\", Seconds = 5, End = true }").is_empty());
    }

    #[test]
    fn onboarding_has_only_the_expected_warnings() {
        let d = problems(include_str!(
            "../../tests/fixtures/onboarding-existing-machine.toml"
        ));
        assert!(d.iter().all(|d| !d.is_error()), "{d:?}");
        let labels: Vec<_> = d.iter().map(|d| d.label.as_str()).collect();
        assert!(labels.contains(&"anyone on the internet can start executions"));
        assert!(
            !labels.iter().any(|l| l.contains("100 KB")),
            "the body convention is not warned about"
        );
    }

    #[test]
    fn catches_route_mistakes_with_fixes() {
        let source = r#"
[stack]
name = "s"
[api]
name = "a"
[role]
name = "r"
policy_name = "p"
[[route]]
key = "POST /users/{id}"
action = "StartExecutions"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:m"
[[route]]
key = "POST /users/{id}"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:m"
parameters = { TraceHeader = "x", Input = "$request.bdy.input", Name = "$request.path.ids", StateMachineArn = "x" }
[[route]]
key = "DELETE /run"
action = "StopExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:m"
"#;
        let d = problems(source);
        let find = |m: &str| {
            d.iter()
                .find(|d| d.message.contains(m))
                .unwrap_or_else(|| panic!("no {m:?} in {d:#?}"))
        };
        assert_eq!(
            find("unknown action").help.as_deref(),
            Some("did you mean \"StartExecution\"?")
        );
        let dup = find("duplicate route key");
        assert!(dup.span.as_ref().unwrap().start > source.find("POST /users").unwrap() + 10);
        find("`TraceHeader` is not a parameter of StartExecution");
        assert_eq!(
            find("invalid mapping expression").help.as_deref(),
            Some("did you mean `$request.body`?")
        );
        assert_eq!(
            find("$request.path.ids").help.as_deref(),
            Some("did you mean `$request.path.id`?")
        );
        find("`StateMachineArn` comes from `state_machine`");
        find("StopExecution needs `ExecutionArn`");
    }
}

#[cfg(test)]
mod option_tests {
    use super::*;
    use crate::stack::load::parse;

    #[test]
    fn the_source_account_guard_warns_and_the_secure_stack_has_no_error() {
        let secure = include_str!("../../stacks/onboarding-secure.toml");
        let (file, diags) = parse(secure);
        assert!(diags.is_empty(), "{diags:?}");
        let d = validate(&file);
        assert!(d.iter().all(|d| !d.is_error()), "{d:#?}");
        assert!(!d.iter().any(|d| d.message.contains("SourceAccount")));

        let guarded = secure.replace(
            "# restrict_source_account = true",
            "restrict_source_account = true",
        );
        let (file, _) = parse(&guarded);
        let d = validate(&file);
        let warning = d
            .iter()
            .find(|d| d.message.contains("aws:SourceAccount"))
            .expect("a warning about the guard");
        assert!(!warning.is_error());
        let span = warning.span.clone().expect("points at the line");
        assert_eq!(&guarded[span], "true");
    }
}
