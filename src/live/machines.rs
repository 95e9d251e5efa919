//! Live checks of the routes' state machines, run before any change.

use std::collections::BTreeMap;

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineError;

use crate::aws::Clients;
use crate::error::AwsError;
use crate::stack::Desired;

/// The type each action needs, if it needs one.
fn required_type(action: &str) -> Option<&'static str> {
    match action {
        "StartSyncExecution" => Some("EXPRESS"),
        "StopExecution" => Some("STANDARD"),
        _ => None,
    }
}

/// Describes each route's state machine once and returns one message per problem: a machine
/// that does not exist, or one of the wrong type for its route's action. A version or alias ARN
/// is checked for existence (DescribeStateMachine takes a version ARN, DescribeStateMachineAlias
/// an alias ARN) and typed by the machine behind it: the type is the machine's, fixed at creation.
pub async fn check_state_machines(clients: &Clients, desired: &Desired) -> Result<Vec<String>, AwsError> {
    let mut lookups: Vec<Lookup> = Vec::new();
    for route in &desired.routes {
        let arn = route.state_machine.clone();
        let machine = crate::arn::parse_state_machine_arn(&arn).map_or_else(|_| arn.clone(), |m| m.machine());
        let alias = matches!(
            crate::arn::parse_state_machine_arn(&arn).map(|m| m.qualifier),
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
        let (sfn, lookup) = (clients.sfn.clone(), lookup.clone());
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
    let missing: Vec<&str> = found
        .iter()
        .filter(|(_, t)| t.is_none())
        .map(|(a, _)| a.as_str())
        .collect();
    let explained = super::mismatch::explain_not_found(clients, &missing).await;
    let mut problems = Vec::new();
    for route in &desired.routes {
        let arn = route.state_machine.as_str();
        let machine =
            crate::arn::parse_state_machine_arn(arn).map_or_else(|_| arn.to_string(), |m| m.machine());
        let action = route.integration.action();
        let why = explained
            .iter()
            .find(|(a, _)| a == arn || *a == machine)
            .map_or_else(String::new, |(_, why)| format!(": {why}"));
        match (found.get(arn), found.get(&machine)) {
            (Some(None), _) | (_, Some(None)) => problems.push(format!(
                "route {}: state machine {arn} does not exist ({}){why}",
                route.key,
                if arn == machine {
                    "DescribeStateMachine"
                } else {
                    "its version or alias was not found"
                }
            )),
            (_, Some(Some(kind))) => {
                if let Some(needed) = required_type(action)
                    && kind != needed
                {
                    problems.push(format!(
                        "route {}: {action} needs a {needed} state machine, but {arn} is {kind}",
                        route.key
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(problems)
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
