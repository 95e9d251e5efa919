//! The Step Functions and IAM calls of the state machine unit's operations. Deletes treat
//! NotFound as done; creates that find their thing already made by the stack take it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{
    CloudWatchLogsLogGroup, LogDestination, LogLevel, LoggingConfiguration, RoutingConfigurationListItem,
    StateMachineType, Tag, TracingConfiguration,
};
use serde_json::Value;

use super::op::{MachineOp, MachineUpdate, NewMachine, Routing};
use super::spec::{Logging, MachineType, ROLE_DESCRIPTION, ROLE_POLICY_NAME};
use crate::apply::progress::Progress;
use crate::apply::resolve::{Resolved, lock};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::resource::role::apply as role;

/// How long a new execution role may take to become assumable by Step Functions: IAM is
/// eventually consistent (Terraform waits up to 2 minutes for the same reason).
const ROLE_PROPAGATION: Duration = Duration::from_secs(120);

/// How long a replaced machine may take to finish deleting (DeleteStateMachine is
/// asynchronous: "the state machine's status is set to DELETING").
const DELETE_WAIT: Duration = Duration::from_secs(300);

/// Notes the version a create, update or publish of this run made ([`Resolved::published`]).
fn record_published(ctx: &Mutex<Resolved>, machine_arn: &str, version_arn: Option<&str>) {
    if let Some(version) = version_arn {
        lock(ctx)
            .published
            .insert(machine_arn.to_string(), version.to_string());
    }
}

/// Performs one operation; a wait for a deleted machine says how long it has waited on
/// `progress`.
pub async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    progress: &Progress,
    op: &MachineOp,
) -> Result<(), AwsError> {
    match op {
        MachineOp::CreateRole {
            name,
            trust,
            policy,
            tags,
        } => create_role(clients, name, trust, policy.as_ref(), tags).await,
        MachineOp::TagRole { name, tags } => role::tag(clients, name, tags, &[]).await,
        MachineOp::UpdateRoleTrust { name, trust } => role::update_trust(clients, name, trust).await,
        MachineOp::PutRolePolicy { name, policy } => {
            role::put_policy(clients, name, ROLE_POLICY_NAME, policy).await
        }
        MachineOp::DeleteRolePolicy { name, .. } => {
            role::delete_policy(clients, name, ROLE_POLICY_NAME).await
        }
        MachineOp::DeleteRole { name, inline, .. } => delete_role(clients, name, inline).await,
        MachineOp::Create(new) => create(clients, ctx, progress, new).await,
        MachineOp::Update(update) => self::update(clients, ctx, update).await,
        MachineOp::Publish { arn, name } => publish(clients, ctx, arn, name).await,
        MachineOp::Tag {
            arn,
            name,
            set,
            remove,
        } => tag(clients, arn, name, set, remove).await,
        MachineOp::Delete { arn, name, wait } => delete(clients, progress, arn, name, *wait).await,
        MachineOp::CreateAlias {
            machine_arn,
            name,
            routing,
            ..
        } => create_alias(clients, ctx, machine_arn, name, routing).await,
        MachineOp::UpdateAlias {
            machine_arn,
            name,
            routing,
            ..
        } => update_alias(clients, ctx, machine_arn, name, routing).await,
        MachineOp::DeleteAlias { arn, .. } => {
            let answer = clients
                .sfn
                .delete_state_machine_alias()
                .state_machine_alias_arn(arn)
                .send()
                .await;
            deleted(answer, "DeleteStateMachineAlias", format!("alias {arn}"))
        }
        MachineOp::DeleteVersion { arn, .. } => {
            let answer = clients
                .sfn
                .delete_state_machine_version()
                .state_machine_version_arn(arn)
                .send()
                .await;
            deleted(answer, "DeleteStateMachineVersion", format!("version {arn}"))
        }
    }
}

/// NotFound (the thing is already gone) counts as done.
fn deleted<T, E>(
    answer: Result<
        T,
        aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
    call: &'static str,
    resource: String,
) -> Result<(), AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match answer {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error().is_some_and(|s| {
                matches!(
                    s.code(),
                    Some(
                        "ResourceNotFound"
                            | "StateMachineDoesNotExist"
                            | "NoSuchEntity"
                            | "NotFoundException"
                    )
                )
            }) =>
        {
            Ok(())
        }
        Err(e) => Err(AwsError::new(call, resource, e)),
    }
}

/// CreateRole then PutRolePolicy (none for a machine that needs no permission), through the role
/// unit's calls (the stack's own role is made the same way). A role of that name already tagged
/// for the stack (a run cut off after creating it) is taken; an untagged one is refused (the
/// plan asks for `--adopt`).
async fn create_role(
    clients: &Clients,
    name: &str,
    trust: &Value,
    policy: Option<&Value>,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let spec = role::NewRole {
        name,
        trust,
        tags,
        // CreateRole's default path (IAM API reference, CreateRole `Path`).
        path: "/",
        boundary: None,
    };
    let help = "run `provision up --adopt` to take it over, or rename the state machine";
    role::create_arn(
        clients,
        &format!("role {name}"),
        &spec,
        ROLE_DESCRIPTION,
        Some(help),
    )
    .await?;
    match policy {
        Some(policy) => role::put_policy(clients, name, ROLE_POLICY_NAME, policy).await,
        None => Ok(()),
    }
}

/// Each inline policy, then the role (asked again while IAM still sees the policies).
async fn delete_role(clients: &Clients, name: &str, inline: &[String]) -> Result<(), AwsError> {
    for policy in inline {
        role::delete_policy(clients, name, policy).await?;
    }
    role::delete(clients, name).await
}

fn logging_configuration(logging: &Logging) -> LoggingConfiguration {
    let destinations = logging.log_group.as_ref().map(|group| {
        vec![
            LogDestination::builder()
                .cloud_watch_logs_log_group(CloudWatchLogsLogGroup::builder().log_group_arn(group).build())
                .build(),
        ]
    });
    LoggingConfiguration::builder()
        .level(LogLevel::from(logging.level.as_str()))
        .include_execution_data(logging.include_execution_data)
        .set_destinations(destinations)
        .build()
}

fn sfn_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// True when Step Functions refused the role because IAM has not yet made it assumable (a
/// role made seconds ago): "Neither the global service principal states.amazonaws.com, nor the
/// regional one is authorized to assume the provided role."
///
/// Read from AWS's own message on purpose (not the tool's explanation of it): Step Functions
/// gives no distinct code for it (botocore stepfunctions has no such error shape; the answer is
/// `AccessDeniedException` or `InvalidArn`), the same codes also mean a caller without
/// `iam:PassRole` or a wrong ARN, which waiting does not cure, and only the message tells them
/// apart. Pinned by `tests::only_a_role_not_yet_assumable_is_waited_for`.
fn role_not_ready(e: &AwsError) -> bool {
    matches!(e.code.as_deref(), Some("AccessDeniedException" | "InvalidArn"))
        && e.aws_message().is_some_and(|m| m.contains("assume"))
}

/// Retries `call` while the role is not yet assumable, bounded by [`ROLE_PROPAGATION`].
async fn with_new_role<F, Fut, T>(label: &str, mut call: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    let start = Instant::now();
    let mut pause = Duration::from_secs(2);
    loop {
        match call().await {
            Err(e) if role_not_ready(&e) && start.elapsed() < ROLE_PROPAGATION => {
                tracing::info!(
                    "{label}: the role is not assumable yet (IAM is still propagating), retrying in {}s",
                    pause.as_secs()
                );
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(15));
            }
            other => return other,
        }
    }
}

/// CreateStateMachine, after waiting for a deleted machine of that name to be gone.
async fn create(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    progress: &Progress,
    new: &NewMachine,
) -> Result<(), AwsError> {
    let resource = format!("state machine {}", new.name);
    if new.wait_for_name {
        wait_gone(clients, progress, &new.arn, &new.name).await?;
    }
    let kind = match new.kind {
        MachineType::Standard => StateMachineType::Standard,
        MachineType::Express => StateMachineType::Express,
    };
    let out = with_new_role(&resource, || async {
        clients
            .sfn
            .create_state_machine()
            .name(&new.name)
            .definition(&new.definition)
            .role_arn(&new.role_arn)
            .r#type(kind.clone())
            .logging_configuration(logging_configuration(&new.logging))
            .tracing_configuration(TracingConfiguration::builder().enabled(new.tracing).build())
            .set_tags(Some(sfn_tags(&new.tags)))
            .publish(new.publish)
            .send()
            .await
            .map_err(|e| AwsError::new("CreateStateMachine", &resource, e))
    })
    .await?;
    record_published(ctx, out.state_machine_arn(), out.state_machine_version_arn());
    Ok(())
}

/// UpdateStateMachine with the fields that changed.
async fn update(clients: &Clients, ctx: &Mutex<Resolved>, u: &MachineUpdate) -> Result<(), AwsError> {
    let resource = format!("state machine {}", u.name);
    let out = with_new_role(&resource, || async {
        clients
            .sfn
            .update_state_machine()
            .state_machine_arn(&u.arn)
            .set_definition(u.definition.clone())
            .set_role_arn(u.role_arn.clone())
            .set_logging_configuration(u.logging.as_ref().map(logging_configuration))
            .set_tracing_configuration(
                u.tracing
                    .map(|t| TracingConfiguration::builder().enabled(t).build()),
            )
            .set_publish(u.publish.then_some(true))
            .send()
            .await
            .map_err(|e| AwsError::new("UpdateStateMachine", &resource, e))
    })
    .await?;
    record_published(ctx, &u.arn, out.state_machine_version_arn());
    Ok(())
}

/// PublishStateMachineVersion of the current revision. Where the endpoint lacks it (stock moto),
/// UpdateStateMachine with the same definition and `publish` does the same.
async fn publish(clients: &Clients, ctx: &Mutex<Resolved>, arn: &str, name: &str) -> Result<(), AwsError> {
    let resource = format!("state machine {name}");
    let answer = clients
        .sfn
        .publish_state_machine_version()
        .state_machine_arn(arn)
        .customize()
        .config_override(super::read::once())
        .send()
        .await;
    match answer {
        Ok(out) => {
            record_published(ctx, arn, Some(out.state_machine_version_arn()));
            Ok(())
        }
        Err(e)
            if super::read::unsupported(
                e.raw_response().map(|r| r.status().as_u16()),
                e.as_service_error(),
            ) =>
        {
            tracing::info!(
                "PublishStateMachineVersion is not available here; publishing with UpdateStateMachine"
            );
            let current = clients
                .sfn
                .describe_state_machine()
                .state_machine_arn(arn)
                .send()
                .await
                .map_err(|e| AwsError::new("DescribeStateMachine", &resource, e))?;
            let out = clients
                .sfn
                .update_state_machine()
                .state_machine_arn(arn)
                .definition(current.definition())
                .publish(true)
                .send()
                .await
                .map_err(|e| AwsError::new("UpdateStateMachine", &resource, e))?;
            record_published(ctx, arn, out.state_machine_version_arn());
            Ok(())
        }
        Err(e) => Err(AwsError::new("PublishStateMachineVersion", resource, e)),
    }
}

async fn tag(
    clients: &Clients,
    arn: &str,
    name: &str,
    set: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), AwsError> {
    let resource = format!("state machine {name}");
    if !set.is_empty() {
        clients
            .sfn
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sfn_tags(set)))
            .send()
            .await
            .map_err(|e| AwsError::new("TagResource", &resource, e))?;
    }
    if !remove.is_empty() {
        clients
            .sfn
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(remove.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::new("UntagResource", &resource, e))?;
    }
    Ok(())
}

/// DeleteStateMachine ("This API action also deletes all versions and aliases associated with
/// a state machine"); with `wait`, until it is gone, so that its name is free.
async fn delete(
    clients: &Clients,
    progress: &Progress,
    arn: &str,
    name: &str,
    wait: bool,
) -> Result<(), AwsError> {
    let answer = clients
        .sfn
        .delete_state_machine()
        .state_machine_arn(arn)
        .send()
        .await;
    deleted(answer, "DeleteStateMachine", format!("state machine {name}"))?;
    if wait {
        wait_gone(clients, progress, arn, name).await?;
    }
    Ok(())
}

/// Polls DescribeStateMachine until the machine is gone (its status is DELETING meanwhile),
/// bounded by [`DELETE_WAIT`], saying so on `progress` at the first answer that it is still
/// there (a wait of seconds to minutes should not look like a hang) and every 10 s after.
async fn wait_gone(clients: &Clients, progress: &Progress, arn: &str, name: &str) -> Result<(), AwsError> {
    let start = Instant::now();
    let mut said: Option<Duration> = None;
    loop {
        match clients
            .sfn
            .describe_state_machine()
            .state_machine_arn(arn)
            .send()
            .await
        {
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_state_machine_does_not_exist()) =>
            {
                return Ok(());
            }
            Err(e) => {
                return Err(AwsError::new(
                    "DescribeStateMachine",
                    format!("state machine {name}"),
                    e,
                ));
            }
            Ok(_) if start.elapsed() >= DELETE_WAIT => {
                return Err(AwsError::invalid(
                    "DeleteStateMachine",
                    format!("state machine {name}"),
                    format!("still deleting after {}s", DELETE_WAIT.as_secs()),
                )
                .with_help("Step Functions deletes a machine once its executions stop; run `provision up` again later"));
            }
            Ok(_) => {
                let waited = start.elapsed();
                if said.is_none_or(|at| waited >= at + Duration::from_secs(10)) {
                    said = Some(waited);
                    progress.say(format!(
                        "  … waiting for state machine {name} to finish deleting ({}s)",
                        waited.as_secs()
                    ));
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// The routing configuration of an alias.
fn routing_items(
    ctx: &Mutex<Resolved>,
    machine_arn: &str,
    routing: &Routing,
) -> Result<Vec<RoutingConfigurationListItem>, AwsError> {
    let versions: Vec<(String, i32)> = match routing {
        Routing::Published => {
            let published = lock(ctx).published.get(machine_arn).cloned();
            let arn = published.ok_or_else(|| {
                AwsError::invalid(
                    "CreateStateMachineAlias",
                    format!("state machine {machine_arn}"),
                    "no version was published by this run to route the alias to",
                )
                .with_help("run `provision up` again: the alias then routes to the newest version")
            })?;
            vec![(arn, 100)]
        }
        Routing::Versions(v) => v
            .iter()
            .map(|(n, w)| (format!("{machine_arn}:{n}"), *w))
            .collect(),
    };
    versions
        .into_iter()
        .map(|(arn, weight)| {
            RoutingConfigurationListItem::builder()
                .state_machine_version_arn(arn)
                .weight(weight)
                .build()
                .map_err(|e| AwsError::invalid("CreateStateMachineAlias", machine_arn, e.to_string()))
        })
        .collect()
}

async fn create_alias(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    machine_arn: &str,
    name: &str,
    routing: &Routing,
) -> Result<(), AwsError> {
    let items = routing_items(ctx, machine_arn, routing)?;
    clients
        .sfn
        .create_state_machine_alias()
        .name(name)
        .set_routing_configuration(Some(items))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            AwsError::new(
                "CreateStateMachineAlias",
                format!("alias {machine_arn}:{name}"),
                e,
            )
        })
}

async fn update_alias(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    machine_arn: &str,
    name: &str,
    routing: &Routing,
) -> Result<(), AwsError> {
    let items = routing_items(ctx, machine_arn, routing)?;
    let arn = format!("{machine_arn}:{name}");
    clients
        .sfn
        .update_state_machine_alias()
        .state_machine_alias_arn(&arn)
        .set_routing_configuration(Some(items))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsError::new("UpdateStateMachineAlias", format!("alias {arn}"), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(code: &str, message: &str) -> AwsError {
        AwsError::refused("CreateStateMachine", "state machine m", code, message)
    }

    #[test]
    fn only_a_role_not_yet_assumable_is_waited_for() {
        let assume = "Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.";
        assert!(role_not_ready(&refused("AccessDeniedException", assume)));
        assert!(role_not_ready(&refused("InvalidArn", assume)));
        // The same codes for anything else are not waited on.
        assert!(!role_not_ready(&refused(
            "AccessDeniedException",
            "User is not authorized to perform: states:CreateStateMachine"
        )));
        assert!(!role_not_ready(&refused(
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: user'"
        )));
        assert!(!role_not_ready(&refused("StateMachineAlreadyExists", assume)));
    }
}
