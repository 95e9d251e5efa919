//! Live checks of the routes' state machines, run before any change.

use std::collections::BTreeMap;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineError;

use crate::aws::Clients;
use crate::domain::{Action, MachineType};
use crate::error::AwsError;
use crate::stack::Desired;

/// `an EXPRESS`, `a STANDARD`: the article for a machine type.
fn article(kind: &str) -> String {
    let an = kind.starts_with(['A', 'E', 'I', 'O', 'U']);
    format!("{} {kind}", if an { "an" } else { "a" })
}

/// What is wrong with one route's state machine, found before any change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineProblem {
    /// The route's index in the stack (and in the file's `[[route]]` tables).
    pub route: usize,
    /// The whole sentence, e.g. `route POST /t: state machine ARN does not exist (...)`.
    pub message: String,
    /// What is wrong at the route's `state_machine`, shown under it.
    pub label: String,
    /// What to change.
    pub help: String,
}

/// Describes each route's state machine once, in the region of its ARN (a Step Functions
/// client per region: a machine in another region is named by its ARN, docs/stack-format.md),
/// and returns one problem per route: a machine that does not exist, or one of the wrong type
/// for its route's action. A version or alias ARN is checked for existence (DescribeStateMachine
/// takes a version ARN, DescribeStateMachineAlias an alias ARN) and typed by the machine behind
/// it: the type is the machine's, fixed at creation.
pub async fn check_state_machines(
    clients: &Clients,
    desired: &Desired,
) -> Result<Vec<MachineProblem>, AwsError> {
    let mut lookups: Vec<Lookup> = Vec::new();
    for route in routes_on_existing_machines(desired) {
        let arn = route.state_machine.clone();
        let parsed = crate::arn::parse_state_machine_arn(&arn);
        let machine = parsed.as_ref().map_or_else(|_| arn.clone(), |m| m.machine());
        let alias = matches!(
            parsed.as_ref().map(|m| &m.qualifier),
            Ok(Some(crate::arn::Qualifier::Alias(_)))
        );
        lookups.push(Lookup::Machine(machine.clone()));
        if arn != machine {
            lookups.push(if alias {
                Lookup::Alias(arn)
            } else {
                Lookup::Machine(arn)
            });
        }
    }
    lookups.sort();
    lookups.dedup();
    let mut pending = tokio::task::JoinSet::new();
    for (i, lookup) in lookups.iter().enumerate() {
        let (sfn, lookup) = (clients.sfn_in(&region_of(lookup.arn())), lookup.clone());
        pending.spawn(async move { (i, describe(&sfn, &lookup).await) });
    }
    let mut found: BTreeMap<String, Option<String>> = BTreeMap::new();
    while let Some(joined) = pending.join_next().await {
        let (i, answer) = joined.map_err(|e| {
            AwsError::invalid(
                "DescribeStateMachine",
                "the routes' state machines",
                e.to_string(),
            )
        })?;
        found.insert(lookups[i].arn().to_string(), answer?);
    }
    Ok(problems(clients, desired, &found).await)
}

/// The region an ARN names (its fourth field); empty when it names none.
fn region_of(arn: &str) -> String {
    arn.parse::<crate::arn::Arn>()
        .map(|a| a.region)
        .unwrap_or_default()
}

/// One problem per route whose machine is missing or of the wrong type.
async fn problems(
    clients: &Clients,
    desired: &Desired,
    found: &BTreeMap<String, Option<String>>,
) -> Vec<MachineProblem> {
    let missing: Vec<&str> = found
        .iter()
        .filter(|(_, t)| t.is_none())
        .map(|(a, _)| a.as_str())
        .collect();
    let explained = super::mismatch::explain_not_found(clients, &missing).await;
    let mut near = BTreeMap::new();
    for arn in &missing {
        let region = region_of(arn);
        if !near.contains_key(&region) {
            near.insert(region.clone(), machine_names(&clients.sfn_in(&region)).await);
        }
    }
    let mut problems = Vec::new();
    for (index, route) in desired.routes.iter().enumerate() {
        if !on_existing_machine(desired, route) {
            continue;
        }
        let arn = route.state_machine.as_str();
        let parsed = crate::arn::parse_state_machine_arn(arn).ok();
        let machine = parsed.as_ref().map_or_else(|| arn.to_string(), |m| m.machine());
        let action = route.integration.action;
        match (found.get(arn), found.get(&machine)) {
            (Some(None), _) | (_, Some(None)) => {
                let why = explained
                    .iter()
                    .find(|(a, _)| a == arn || *a == machine)
                    .map_or_else(String::new, |(_, why)| format!(": {why}"));
                let region = region_of(arn);
                let source = if region == clients.region {
                    format!(", the tool's region, from {}", clients.region_source)
                } else {
                    String::new()
                };
                let names = near.get(&region).map(Vec::as_slice).unwrap_or_default();
                let name = parsed.as_ref().map_or(arn, |m| m.name.as_str());
                problems.push(MachineProblem {
                    route: index,
                    message: format!(
                        "route {}: state machine {arn} does not exist ({}){why}; asked in {region}{source}",
                        route.key,
                        if arn == machine {
                            "DescribeStateMachine"
                        } else {
                            "its version or alias was not found"
                        }
                    ),
                    label: format!("no such state machine in {region}"),
                    help: missing_help(name, names, &region),
                });
            }
            (_, Some(Some(kind))) => {
                if let Some(needed) = action.machine_type()
                    && kind != needed.as_str()
                {
                    problems.push(MachineProblem {
                        route: index,
                        message: format!(
                            "route {}: {action} needs {} state machine, but {arn} is {kind}",
                            route.key,
                            needed.with_article()
                        ),
                        label: format!("{} state machine", article(kind)),
                        help: type_help(action, needed),
                    });
                }
            }
            _ => {}
        }
    }
    problems
}

/// Did you mean one of the account's machines in that region, or where they are listed.
fn missing_help(name: &str, names: &[String], region: &str) -> String {
    let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
    match crate::stack::diagnostic::did_you_mean(name, &candidates) {
        Some(near) => format!(
            "did you mean `{near}`? (a machine of this account in {region}); fix `state_machine` in the \
             route, nothing was changed"
        ),
        None if candidates.is_empty() => format!(
            "this account has no state machine in {region}; create it first, or name a machine in another \
             region by its ARN (nothing was changed)"
        ),
        None => format!(
            "this account's machines in {region}: {}; fix `state_machine` in the route (nothing was changed)",
            candidates.join(", ")
        ),
    }
}

/// What to change when the machine's type does not suit the action ("Synchronous Express
/// Workflows", Step Functions guide: StartSyncExecution runs EXPRESS machines only;
/// StopExecution stops STANDARD executions only, API_StopExecution).
fn type_help(action: Action, needed: MachineType) -> String {
    match action {
        Action::StartSyncExecution => format!(
            "{action} runs {needed} machines only: use action = \"{}\", or point the route at {} machine (the \
             type is fixed when a machine is created)",
            Action::StartExecution,
            needed.with_article()
        ),
        Action::StartExecution | Action::StopExecution => format!(
            "{action} works on {needed} machines only: point the route at {} machine (the type is fixed \
             when a machine is created)",
            needed.with_article()
        ),
    }
}

/// The names of the account's machines in the client's region (ListStateMachines, every page);
/// empty when they cannot be listed: the suggestion is a courtesy, the error stands without it.
async fn machine_names(sfn: &aws_sdk_sfn::Client) -> Vec<String> {
    let mut names = Vec::new();
    let mut pages = sfn.list_state_machines().into_paginator().send();
    while let Some(page) = pages.next().await {
        let Ok(page) = page else { break };
        names.extend(page.state_machines().iter().map(|m| m.name().to_string()));
    }
    names
}

/// The routes whose machine the stack does not declare: a declared one is made by `up` and
/// checked offline (its type against the route's action).
fn routes_on_existing_machines(
    desired: &Desired,
) -> impl Iterator<Item = &crate::stack::desired::DesiredRoute> {
    desired.routes.iter().filter(|r| on_existing_machine(desired, r))
}

/// True for a route whose machine the stack does not declare.
fn on_existing_machine(desired: &Desired, route: &crate::stack::desired::DesiredRoute) -> bool {
    let name = crate::stack::rules::parse_state_machine_arn(&route.state_machine)
        .map_or_else(|_| String::new(), |m| m.name);
    desired.machine(&name).is_none()
}

/// One describe call: a machine or version ARN, or an alias ARN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Lookup {
    Machine(String),
    Alias(String),
}

impl Lookup {
    fn arn(&self) -> &str {
        match self {
            Lookup::Machine(a) | Lookup::Alias(a) => a,
        }
    }
}

/// The machine's type (`Some(None)` for an alias: it exists), `None` when it does not exist.
async fn describe(sfn: &aws_sdk_sfn::Client, lookup: &Lookup) -> Result<Option<String>, AwsError> {
    match lookup {
        Lookup::Machine(arn) => match sfn.describe_state_machine().state_machine_arn(arn).send().await {
            Ok(out) => Ok(Some(out.r#type().as_str().to_string())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(DescribeStateMachineError::is_state_machine_does_not_exist) =>
            {
                Ok(None)
            }
            Err(e) => Err(AwsError::new("DescribeStateMachine", arn, e)),
        },
        Lookup::Alias(arn) => match sfn
            .describe_state_machine_alias()
            .state_machine_alias_arn(arn)
            .send()
            .await
        {
            Ok(_) => Ok(Some(String::new())),
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.is_resource_not_found() || s.code() == Some("StateMachineDoesNotExist")
                }) =>
            {
                Ok(None)
            }
            Err(e) => Err(AwsError::new("DescribeStateMachineAlias", arn, e)),
        },
    }
}
