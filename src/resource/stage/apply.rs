//! The stage: CreateStage, UpdateStage, DeleteAccessLogSettings, DeleteStage. Never a
//! DeploymentId: auto-deploy stages reject it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings};

use crate::apply::answer::{deleted, exists_is_unknown, once_gw, to_hash};
use crate::apply::create::create_safely;
use crate::apply::resolve::Resolved;
use crate::apply::resolve::api_id;
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::op::ApiRef;
use crate::resource::stage::op::StageOp;
use crate::resource::stage::spec::DesiredStage;

/// Performs one operation on the stage: the executor (`apply::call`) hands every
/// operation of this kind here, one exhaustive match.
pub(crate) async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &StageOp,
) -> Result<(), AwsError> {
    match op {
        StageOp::Create {
            api,
            spec,
            tags,
            variables,
        } => create(clients, ctx, label, api, spec, tags, variables).await,
        StageOp::Update { api_id, spec } => update(clients, api_id, spec).await,
        StageOp::DeleteAccessLog { api_id, stage } => delete_access_log(clients, api_id, stage).await,
        StageOp::Delete { api_id, name } => delete(clients, api_id, name).await,
    }
}

/// The stage's access log settings, when it has any (DeleteAccessLogSettings turns them off).
fn access_log_settings(spec: &DesiredStage) -> Option<AccessLogSettings> {
    spec.access_log.as_ref().map(|log| {
        AccessLogSettings::builder()
            .destination_arn(&log.destination_arn)
            .format(&log.format)
            .build()
    })
}

/// Default route settings only when the file sets limits: any settings object sent without them
/// may read as limits of 0, which reject every request.
fn route_settings(spec: &DesiredStage) -> Option<RouteSettings> {
    match (spec.throttling_burst_limit, spec.throttling_rate_limit) {
        (Some(burst), Some(rate)) => Some(
            RouteSettings::builder()
                .throttling_burst_limit(burst)
                .throttling_rate_limit(rate)
                .build(),
        ),
        _ => None,
    }
}

/// CreateStage with tags and stage variables; after a lost answer (or "already exists"), a
/// stage of that name counts as made.
pub(crate) async fn create(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    api: &ApiRef,
    spec: &DesiredStage,
    tags: &BTreeMap<String, String>,
    variables: &BTreeMap<String, String>,
) -> Result<(), AwsError> {
    let api = api_id(ctx, api)?;
    create_safely(
        label,
        || async {
            clients
                .apigw
                .create_stage()
                .api_id(&api)
                .stage_name(&spec.name)
                .auto_deploy(spec.auto_deploy)
                .set_default_route_settings(route_settings(spec))
                .set_access_log_settings(access_log_settings(spec))
                .set_stage_variables((!variables.is_empty()).then(|| to_hash(variables)))
                .set_tags(Some(to_hash(tags)))
                .customize()
                .config_override(once_gw())
                .send()
                .await
                .map_err(|e| {
                    exists_is_unknown(AwsError::new("CreateStage", format!("stage {}", spec.name), e))
                })?;
            Ok(())
        },
        || async {
            let stages = super::read::read_stages(clients, &api).await?;
            Ok(stages.iter().any(|s| s.name == spec.name).then_some(()))
        },
    )
    .await
}

/// UpdateStage.
pub(crate) async fn update(clients: &Clients, api_id: &str, spec: &DesiredStage) -> Result<(), AwsError> {
    clients
        .apigw
        .update_stage()
        .api_id(api_id)
        .stage_name(&spec.name)
        .auto_deploy(spec.auto_deploy)
        .set_default_route_settings(route_settings(spec))
        .set_access_log_settings(access_log_settings(spec))
        .send()
        .await
        .map_err(|e| AwsError::new("UpdateStage", format!("stage {}", spec.name), e))?;
    Ok(())
}

/// DeleteAccessLogSettings: turns the stage's access logging off.
pub(crate) async fn delete_access_log(clients: &Clients, api_id: &str, stage: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .apigw
            .delete_access_log_settings()
            .api_id(api_id)
            .stage_name(stage)
            .send()
            .await,
        "DeleteAccessLogSettings",
        format!("stage {stage}"),
    )
}

/// DeleteStage.
pub(crate) async fn delete(clients: &Clients, api_id: &str, name: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .apigw
            .delete_stage()
            .api_id(api_id)
            .stage_name(name)
            .send()
            .await,
        "DeleteStage",
        format!("stage {name}"),
    )
}
