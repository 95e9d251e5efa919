//! Reads the stack's state machines: each declared one by its ARN (DescribeStateMachine,
//! ListTagsForResource, its versions and aliases), with `scan` the machines tagged for the stack
//! that it no longer declares (ListStateMachines, then the tags of each undeclared one), and the
//! roles generated for them.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;

use super::op::role_name;
use super::spec::{Logging, MachineRole, ROLE_POLICY_NAME};
use super::{LiveAlias, LiveMachine, LiveMachines, LiveVersion};
use crate::arn::StateMachineArn;
use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::paginate::paginate;
use crate::resource::role::spec::RoleState;
use crate::stack::Desired;

/// Reads what the plan needs of `desired`'s machines. `scan` also finds the machines tagged for
/// the stack that it no longer declares (for `up` of a stack that declares machines, and
/// `down`); without it, and without declared machines, no call is made.
pub async fn read(clients: &Clients, desired: &Desired, scan: bool) -> Result<LiveMachines, AwsError> {
    let mut live = LiveMachines {
        versions_listed: true,
        ..LiveMachines::default()
    };
    let mut arns: BTreeSet<String> = desired.state_machines.iter().map(|m| m.arn()).collect();
    if scan {
        arns.extend(owned_undeclared(clients, desired, &arns).await?);
    }
    for arn in arns {
        if let Some(machine) = describe(clients, &arn).await? {
            live.machines.insert(machine.name.clone(), machine);
        }
    }
    for machine in live.machines.values_mut() {
        read_children(clients, machine, &mut live.versions_listed).await?;
    }
    let mut roles: BTreeSet<String> = desired
        .state_machines
        .iter()
        .filter_map(|m| match &m.role {
            MachineRole::Generated(g) => Some(g.name.clone()),
            MachineRole::Existing(_) => None,
        })
        .collect();
    roles.extend(
        live.machines
            .values()
            .filter(|m| m.owned_by(&desired.stack) && desired.machine(&m.name).is_none())
            .map(|m| role_name(&m.role_arn)),
    );
    if scan {
        // `down`: the roles of every machine of the stack.
        roles.extend(
            live.machines
                .values()
                .filter(|m| m.owned_by(&desired.stack))
                .map(|m| role_name(&m.role_arn)),
        );
    }
    for name in roles {
        if let RoleState::Present(role) =
            crate::resource::role::read::read_role(clients, &name, Some(ROLE_POLICY_NAME)).await?
        {
            live.roles.insert(name, role);
        }
    }
    Ok(live)
}

/// The ARNs of the machines tagged for the stack among those it does not declare.
async fn owned_undeclared(
    clients: &Clients,
    desired: &Desired,
    declared: &BTreeSet<String>,
) -> Result<Vec<String>, AwsError> {
    let listed: Vec<_> = clients
        .sfn
        .list_state_machines()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("ListStateMachines", "the account's state machines", e))?;
    let mut owned = Vec::new();
    for item in listed {
        let arn = item.state_machine_arn().to_string();
        if declared.contains(&arn) {
            continue;
        }
        if tags(clients, &arn).await?.get(crate::stack::rules::OWNER_TAG) == Some(&desired.stack) {
            owned.push(arn);
        }
    }
    Ok(owned)
}

async fn tags(clients: &Clients, arn: &str) -> Result<BTreeMap<String, String>, AwsError> {
    let out = clients
        .sfn
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("ListTagsForResource", format!("state machine {arn}"), e))?;
    Ok(out
        .tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect())
}

/// The machine at `arn`, `None` when there is none.
async fn describe(clients: &Clients, arn: &str) -> Result<Option<LiveMachine>, AwsError> {
    let out = match clients
        .sfn
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_state_machine_does_not_exist()) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(AwsError::new(
                "DescribeStateMachine",
                format!("state machine {arn}"),
                e,
            ));
        }
    };
    let machine = from_describe(&out).map_err(|e| {
        AwsError::invalid(
            "DescribeStateMachine",
            format!("state machine {arn}"),
            e.to_string(),
        )
    })?;
    Ok(Some(LiveMachine {
        tags: tags(clients, arn).await?,
        ..machine
    }))
}

/// A DescribeStateMachine answer as plain data (without tags, versions and aliases).
/// An answer with a type or status this build does not know is refused, never read as another.
fn from_describe(out: &DescribeStateMachineOutput) -> Result<LiveMachine, crate::domain::Unknown> {
    let logging = out
        .logging_configuration()
        .map_or_else(Logging::default, |l| Logging {
            level: l
                .level()
                .map_or_else(|| "OFF".to_string(), |v| v.as_str().to_string()),
            include_execution_data: l.include_execution_data(),
            log_group: l.destinations().iter().find_map(|d| {
                d.cloud_watch_logs_log_group()?
                    .log_group_arn()
                    .map(str::to_string)
            }),
        });
    Ok(LiveMachine {
        name: out.name().to_string(),
        arn: out.state_machine_arn().to_string(),
        kind: out.r#type().as_str().parse()?,
        status: match out.status() {
            Some(status) => status.as_str().parse()?,
            None => crate::domain::MachineStatus::default(),
        },
        // AWS may return the definition reformatted: compared parsed, by meaning.
        definition: serde_json::from_str(out.definition()).ok(),
        role_arn: out.role_arn().to_string(),
        logging,
        tracing: out.tracing_configuration().is_some_and(|t| t.enabled()),
        tags: BTreeMap::new(),
        versions: Vec::new(),
        aliases: Vec::new(),
    })
}

/// True when the endpoint does not implement the operation (stock moto answers 500 or an
/// unknown-operation code for calls it lacks).
pub fn unsupported<E: ProvideErrorMetadata>(status: Option<u16>, e: Option<&E>) -> bool {
    let code = e.and_then(|e| e.code()).unwrap_or_default();
    matches!(status, Some(500 | 501))
        || [
            "UnknownOperationException",
            "InvalidAction",
            "NotImplemented",
            "UnrecognizedClientException",
        ]
        .contains(&code)
}

/// The number of a version ARN (`...:stateMachine:NAME:7`; botocore stepfunctions
/// `StateMachineVersionListItem.stateMachineVersionArn`, `RoutingConfigurationListItem`).
fn version_of(arn: &str) -> Option<u64> {
    arn.parse::<StateMachineArn>().ok()?.version()
}

/// The alias name of an alias ARN (`...:stateMachine:NAME:PROD`; botocore stepfunctions
/// `StateMachineAliasListItem.stateMachineAliasArn`).
fn alias_of(arn: &str) -> Option<String> {
    arn.parse::<StateMachineArn>().ok()?.alias().map(str::to_string)
}

/// The machine's versions (newest first) and aliases.
async fn read_children(
    clients: &Clients,
    machine: &mut LiveMachine,
    versions_listed: &mut bool,
) -> Result<(), AwsError> {
    let resource = format!("state machine {}", machine.name);
    if *versions_listed {
        let listed = list_versions(clients, &machine.arn).await;
        match listed {
            Ok(items) => {
                let mut versions: Vec<LiveVersion> = items
                    .iter()
                    .filter_map(|v| {
                        let arn = v.state_machine_version_arn();
                        Some(LiveVersion {
                            number: version_of(arn)?,
                            arn: arn.to_string(),
                        })
                    })
                    .collect();
                versions.sort_by_key(|v| std::cmp::Reverse(v.number));
                machine.versions = versions;
            }
            Err(e)
                if unsupported(
                    e.raw_response().map(|r| r.status().as_u16()),
                    e.as_service_error(),
                ) =>
            {
                tracing::debug!("ListStateMachineVersions is not available here: versions are not pruned");
                *versions_listed = false;
            }
            Err(e) => return Err(AwsError::new("ListStateMachineVersions", resource, e)),
        }
    }
    let aliases = list_aliases(clients, &machine.arn, &resource).await?;
    for item in aliases {
        let arn = item.state_machine_alias_arn().to_string();
        let out = clients
            .sfn
            .describe_state_machine_alias()
            .state_machine_alias_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsError::new("DescribeStateMachineAlias", format!("alias {arn}"), e))?;
        let routing = out
            .routing_configuration()
            .iter()
            .filter_map(|r| Some((version_of(r.state_machine_version_arn())?, r.weight())))
            .collect();
        machine.aliases.push(LiveAlias {
            name: out
                .name()
                .map_or_else(|| alias_of(&arn).unwrap_or_default(), str::to_string),
            arn,
            routing,
        });
    }
    // Without a version listing, the versions the aliases route to are at least known.
    if machine.versions.is_empty() {
        let mut routed: Vec<u64> = machine
            .aliases
            .iter()
            .flat_map(|a| a.routing.iter().map(|(v, _)| *v))
            .collect();
        routed.sort_by(|a, b| b.cmp(a));
        routed.dedup();
        machine.versions = routed
            .into_iter()
            .map(|n| LiveVersion {
                number: n,
                arn: format!("{}:{n}", machine.arn),
            })
            .collect();
    }
    Ok(())
}

type SfnError<E> = aws_smithy_runtime_api::client::result::SdkError<
    E,
    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
>;

/// Every version of the machine, page by page (the SDK has no paginator for this call). Not
/// through `resource::paginate`: the caller needs the SDK's own error to tell an endpoint without
/// the call (stock moto) from a failure.
async fn list_versions(
    clients: &Clients,
    arn: &str,
) -> Result<
    Vec<aws_sdk_sfn::types::StateMachineVersionListItem>,
    SfnError<aws_sdk_sfn::operation::list_state_machine_versions::ListStateMachineVersionsError>,
> {
    let mut items = Vec::new();
    let mut token = None;
    loop {
        let out = clients
            .sfn
            .list_state_machine_versions()
            .state_machine_arn(arn)
            .set_next_token(token)
            .customize()
            .config_override(once())
            .send()
            .await?;
        items.extend(out.state_machine_versions().iter().cloned());
        token = out.next_token().filter(|t| !t.is_empty()).map(str::to_string);
        if token.is_none() {
            return Ok(items);
        }
    }
}

/// Every alias of the machine, through the shared pager (which refuses a repeated token).
async fn list_aliases(
    clients: &Clients,
    arn: &str,
    resource: &str,
) -> Result<Vec<aws_sdk_sfn::types::StateMachineAliasListItem>, AwsError> {
    paginate("ListStateMachineAliases", resource, |token| async move {
        let out = clients
            .sfn
            .list_state_machine_aliases()
            .state_machine_arn(arn)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| AwsError::new("ListStateMachineAliases", resource, e))?;
        Ok((
            out.state_machine_aliases().to_vec(),
            out.next_token().map(str::to_string),
        ))
    })
    .await
}

/// What ValidateStateMachineDefinition said of the stack's definitions: errors (which stop
/// `diff` and `up` before any change) and notes (warnings, or that the endpoint lacks the call).
#[derive(Debug, Default)]
pub struct Validated {
    /// One line per ERROR diagnostic: machine, code, message, location.
    pub errors: Vec<String>,
    /// Warnings, and at most one line saying the endpoint has no such call.
    pub notes: Vec<String>,
}

/// Asks Step Functions to check each declared definition (ValidateStateMachineDefinition, with
/// the machine's type). Where the endpoint lacks the call (stock moto), one note says so and the
/// offline checks stand alone.
pub async fn validate_definitions(clients: &Clients, desired: &Desired) -> Result<Validated, AwsError> {
    use aws_sdk_sfn::types::{StateMachineType, ValidateStateMachineDefinitionSeverity};
    let mut out = Validated::default();
    for machine in &desired.state_machines {
        let kind = match machine.kind {
            super::MachineType::Standard => StateMachineType::Standard,
            super::MachineType::Express => StateMachineType::Express,
        };
        let answer = clients
            .sfn
            .validate_state_machine_definition()
            .definition(serde_json::to_string(&machine.definition).unwrap_or_default())
            .r#type(kind)
            .customize()
            .config_override(once())
            .send()
            .await;
        let result = match answer {
            Ok(result) => result,
            Err(e)
                if unsupported(
                    e.raw_response().map(|r| r.status().as_u16()),
                    e.as_service_error(),
                ) =>
            {
                out.notes.push(
                    "this endpoint has no ValidateStateMachineDefinition; the definitions were checked offline only"
                        .to_string(),
                );
                return Ok(out);
            }
            Err(e) => {
                return Err(AwsError::new(
                    "ValidateStateMachineDefinition",
                    format!("state machine {}", machine.name),
                    e,
                ));
            }
        };
        for d in result.diagnostics() {
            let line = format!(
                "state machine {}: {} {}{}",
                machine.name,
                d.code(),
                d.message(),
                d.location().map_or_else(String::new, |l| format!(" (at {l})"))
            );
            match d.severity() {
                ValidateStateMachineDefinitionSeverity::Error => out.errors.push(line),
                _ => out.notes.push(line),
            }
        }
    }
    Ok(out)
}

/// One attempt only, for a call the endpoint may lack: a missing operation answers 500, which
/// the default retry would send twice more before the tool could say so.
pub fn once() -> aws_sdk_sfn::config::Builder {
    aws_sdk_sfn::config::Builder::default().retry_config(aws_config::retry::RetryConfig::disabled())
}
