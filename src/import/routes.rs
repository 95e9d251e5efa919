//! Which routes and authorizers the stack can hold: Step Functions service integrations
//! (`AWS_PROXY`, subtype `StepFunctions-*`, payload format 1.0, the stack's role) on routes with
//! no settings the format lacks, each with its own integration.

use std::collections::{BTreeMap, BTreeSet};

use super::doc::DocRoute;
use super::{Skipped, SkippedKind, left_alone};
use crate::domain::{Action, Authorization, IntegrationType};
use crate::live::{ImportRead, LiveIntegration, LiveRoute};
use crate::resource::authorizer::emit::{DocAuthorizer, doc as authorizer};

/// What the routes came to.
pub(super) struct ImportedRoutes {
    pub(super) routes: Vec<DocRoute>,
    pub(super) authorizers: Vec<DocAuthorizer>,
    /// No route could be imported.
    pub(super) none_left: bool,
}

/// Every route the format can hold, in key order; the others skipped as unmanaged.
pub(super) fn routes(
    read: &ImportRead,
    role_arn: Option<&str>,
    skipped: &mut Vec<Skipped>,
) -> ImportedRoutes {
    let api = &read.api;
    let authorizers: BTreeMap<&str, Result<DocAuthorizer, String>> = api
        .authorizers
        .iter()
        .map(|a| (a.id.as_str(), authorizer(a)))
        .collect();
    let mut used_integrations = BTreeSet::new();
    let mut routes = Vec::new();
    let mut live_routes: Vec<&LiveRoute> = api.routes.iter().collect();
    live_routes.sort_by(|a, b| a.key.cmp(&b.key));
    for live in live_routes {
        let integration = live
            .integration_id()
            .and_then(|id| api.integrations.iter().find(|i| i.id == id));
        let outcome = route(
            read,
            live,
            integration,
            role_arn,
            &authorizers,
            &used_integrations,
        );
        match outcome {
            Ok(doc) => {
                if let Some(i) = integration {
                    used_integrations.insert(i.id.clone());
                }
                routes.push(doc);
            }
            Err(reason) => skipped.push(left_alone(SkippedKind::Route, &live.key, reason)),
        }
    }
    let mut docs = Vec::new();
    for a in &api.authorizers {
        match &authorizers[a.id.as_str()] {
            Ok(doc) => docs.push(doc.clone()),
            Err(reason) => skipped.push(left_alone(SkippedKind::Authorizer, &a.name, reason.clone())),
        }
    }
    ImportedRoutes {
        none_left: routes.is_empty(),
        routes,
        authorizers: docs,
    }
}

/// One route as the format holds it, or why it cannot.
fn route(
    read: &ImportRead,
    live: &LiveRoute,
    integration: Option<&LiveIntegration>,
    role_arn: Option<&str>,
    authorizers: &BTreeMap<&str, Result<DocAuthorizer, String>>,
    used: &BTreeSet<String>,
) -> Result<DocRoute, String> {
    if !live.unexpressed.is_empty() {
        return Err(format!(
            "route settings the format lacks: {}",
            live.unexpressed.join("; ")
        ));
    }
    let Some(i) = integration else {
        return Err(match &live.target {
            Some(t) => format!("target {t} is not an integration of the API"),
            None => "no integration".into(),
        });
    };
    let action = step_functions_action(i)?;
    if !i.unexpressed.is_empty() {
        return Err(format!(
            "integration settings the format lacks: {}",
            i.unexpressed.join("; ")
        ));
    }
    if i.payload_format_version.as_deref() != Some("1.0") {
        return Err(format!(
            "payload format {:?}: a Step Functions integration takes 1.0",
            i.payload_format_version
        ));
    }
    if used.contains(&i.id) {
        return Err(format!(
            "shares integration {} with another route: each route of a stack has its own",
            i.id
        ));
    }
    if i.credentials_arn.as_deref() != role_arn {
        return Err(format!(
            "its integration assumes {}, not the stack's role",
            i.credentials_arn.as_deref().unwrap_or("no role")
        ));
    }
    let machine = machine_of(read, action, i)?;
    let (authorization, authorizer, scopes) = authorization(live, authorizers)?;
    Ok(DocRoute {
        key: live.key.clone(),
        parameters: parameters(action, i, &read.region, &machine)?,
        action,
        state_machine: machine,
        authorization,
        authorizer,
        scopes,
        response: i.response.clone(),
    })
}

/// The Step Functions action of a service integration; anything else (Lambda, HTTP proxy, a
/// VPC link, another AWS service) is named.
fn step_functions_action(i: &LiveIntegration) -> Result<Action, String> {
    let subtype = i.subtype.as_deref().unwrap_or_default();
    let kind = i.integration_type.map_or("", IntegrationType::as_str);
    if let (Some(action), Some(IntegrationType::AwsProxy)) = (i.action(), i.integration_type) {
        return Ok(action);
    }
    let what = match (
        i.integration_type,
        subtype,
        i.unexpressed.iter().any(|u| u.contains("VPC_LINK")),
    ) {
        (_, _, true) => "an HTTP integration through a VPC link".to_string(),
        (Some(IntegrationType::AwsProxy), "", _) => format!(
            "a Lambda integration ({})",
            i.uri.as_deref().unwrap_or("no function")
        ),
        (Some(IntegrationType::AwsProxy), other, _) => format!("an AWS service integration ({other})"),
        (Some(IntegrationType::HttpProxy), _, _) => format!(
            "an HTTP proxy integration ({})",
            i.uri.as_deref().unwrap_or("no URI")
        ),
        _ => format!("a {kind} integration"),
    };
    Err(format!(
        "{what}: the format holds Step Functions integrations only"
    ))
}

/// The machine: `StateMachineArn` for the start actions; for StopExecution, whose parameters
/// name only an execution, the one machine whose executions the role's policy scopes (the
/// execution ARN pattern, `arn:...:execution:NAME:*`).
fn machine_of(read: &ImportRead, action: Action, i: &LiveIntegration) -> Result<String, String> {
    if action.starts() {
        let arn = i
            .parameters
            .get("StateMachineArn")
            .ok_or("no StateMachineArn parameter")?;
        if arn.contains('$') {
            return Err(format!(
                "StateMachineArn is mapped from the request ({arn}): the format takes one machine"
            ));
        }
        crate::arn::parse_state_machine_arn(arn).map_err(|e| format!("StateMachineArn {arn}: {e}"))?;
        return Ok(arn.clone());
    }
    let role = i
        .credentials_arn
        .as_ref()
        .and_then(|arn| read.roles.get(arn))
        .and_then(|r| match r {
            crate::live::RoleState::Present(role) => Some(role),
            crate::live::RoleState::Absent => None,
        });
    let mut machines = BTreeSet::new();
    for doc in role.iter().flat_map(|r| r.inline.values()) {
        for s in doc["Statement"].as_array().into_iter().flatten() {
            for r in s["Resource"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str())
            {
                if let Some(machine) = crate::arn::StateMachineArn::of_executions(r) {
                    machines.insert(machine.machine());
                }
            }
        }
    }
    match machines.len() {
        1 => Ok(machines.into_iter().next().unwrap_or_default()),
        n => Err(format!(
            "a StopExecution route names no machine, and the role's policy scopes the executions of {n} machines: the format needs the one it acts on"
        )),
    }
}

/// The parameters as written, without `StateMachineArn` (it comes from `state_machine`); none
/// when they are the default `{ Input = "$request.body.input" }`. A machine in another region
/// with no `Region` would get one from `up` (docs/stack-format.md, `route.state_machine`).
fn parameters(
    action: Action,
    i: &LiveIntegration,
    region: &str,
    machine: &str,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let mut p = i.parameters.clone();
    p.remove("StateMachineArn");
    if let Ok(m) = crate::arn::parse_state_machine_arn(machine)
        && m.region != region
        && !p.contains_key("Region")
    {
        return Err(format!(
            "its machine is in {} and the integration has no Region parameter: `up` would add one",
            m.region
        ));
    }
    let default =
        action.starts() && p.len() == 1 && p.get("Input").map(String::as_str) == Some("$request.body.input");
    Ok((!default).then_some(p))
}

/// `authorization`, `authorizer` and `scopes`: NONE is the default, JWT names its authorizer,
/// a Lambda (CUSTOM) authorizer cannot be expressed.
type RouteAuth = (Option<String>, Option<String>, Vec<String>);

fn authorization(
    live: &LiveRoute,
    authorizers: &BTreeMap<&str, Result<DocAuthorizer, String>>,
) -> Result<RouteAuth, String> {
    match live.authorization {
        Authorization::None => Ok((None, None, Vec::new())),
        Authorization::AwsIam => Ok((Some(Authorization::AwsIam.to_string()), None, Vec::new())),
        Authorization::Jwt => {
            let id = live.authorizer_id.as_deref().unwrap_or_default();
            match authorizers.get(id) {
                Some(Ok(a)) => Ok((None, Some(a.name.clone()), live.scopes.clone())),
                Some(Err(_)) => Err(format!("its authorizer {id} cannot be expressed")),
                None => Err(format!("its authorizer {id} is not one of the API's")),
            }
        }
        other @ Authorization::Custom => Err(format!(
            "authorization {other}: the format has NONE, AWS_IAM and JWT"
        )),
    }
}
