//! One operation, dispatched to the module of its resource kind, which owns the AWS calls: one
//! exhaustive match per kind, so a new operation cannot go without its call. Deletes treat
//! NotFound as done (see [`super::answer::deleted`]).

use std::sync::Mutex;

use super::{Progress, Ran, Resolved};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::Op;
use crate::plan::op::{ApiOp, AuthorizerOp, ImportApiOp, IntegrationOp, RoleOp, RouteOp, StageOp};
use crate::resource::route::apply::RouteSpec;
use crate::resource::{api, authorizer, integration, role, route, stage};

/// Performs one operation; an ImportApi the endpoint cannot do says so, for its per-resource
/// operations to run instead.
pub(super) async fn run(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    progress: &Progress,
    op: &Op,
) -> Result<Ran, AwsError> {
    let label = op.label();
    let done = match op {
        Op::ImportApi(import) => return run_import(clients, ctx, &label, import).await,
        Op::Api(op) => run_api(clients, ctx, &label, op).await,
        Op::Authorizer(op) => run_authorizer(clients, ctx, &label, op).await,
        Op::Role(op) => run_role(clients, ctx, &label, op).await,
        Op::Integration(op) => run_integration(clients, ctx, &label, op).await,
        Op::Route(op) => run_route(clients, ctx, &label, op).await,
        Op::Stage(op) => run_stage(clients, ctx, &label, op).await,
        Op::Machine(op) => crate::resource::state_machine::apply::run(clients, ctx, progress, op).await,
    };
    done.map(|()| Ran::Done)
}

/// A new API in one ImportApi call, or the reason it cannot be.
async fn run_import(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &ImportApiOp,
) -> Result<Ran, AwsError> {
    let import = api::apply::Import {
        name: &op.name,
        document: &op.document,
        role_in_document: &op.role_in_document,
        role: op.role.as_ref(),
        tags: &op.tags,
    };
    let not_available = api::apply::import(clients, ctx, label, &import).await?;
    Ok(not_available.map_or(Ran::Done, |why| {
        Ran::Instead(format!(
            "{why}; api {} is created one call per resource instead",
            op.name
        ))
    }))
}

/// The API itself, its CORS configuration and tags.
async fn run_api(clients: &Clients, ctx: &Mutex<Resolved>, label: &str, op: &ApiOp) -> Result<(), AwsError> {
    match op {
        ApiOp::Create { name, tags, cors } => {
            api::apply::create(clients, ctx, label, name, tags, cors.as_ref()).await
        }
        ApiOp::Update { id, name, cors } => api::apply::update(clients, id, name, cors.as_ref()).await,
        ApiOp::DeleteCors { api_id } => api::apply::delete_cors(clients, api_id).await,
        ApiOp::Tag {
            api,
            stage,
            set,
            remove,
        } => api::apply::tag(clients, ctx, api, stage.as_deref(), set, remove).await,
        ApiOp::Delete { id } => api::apply::delete(clients, id).await,
    }
}

/// JWT authorizers.
async fn run_authorizer(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &AuthorizerOp,
) -> Result<(), AwsError> {
    match op {
        AuthorizerOp::Create { api, spec } => authorizer::apply::create(clients, ctx, label, api, spec).await,
        AuthorizerOp::Update { api_id, id, spec } => {
            authorizer::apply::update(clients, api_id, id, spec).await
        }
        AuthorizerOp::Delete { api_id, id, name } => {
            authorizer::apply::delete(clients, api_id, id, name).await
        }
    }
}

/// The stack's IAM role and its policies.
async fn run_role(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &RoleOp,
) -> Result<(), AwsError> {
    match op {
        RoleOp::Create {
            name,
            trust,
            tags,
            path,
            boundary,
        } => {
            let spec = role::apply::NewRole {
                name,
                trust,
                tags,
                path,
                boundary: boundary.as_deref(),
            };
            role::apply::create(clients, ctx, label, &spec).await
        }
        RoleOp::ClearAndDelete {
            name,
            inline,
            attached,
        } => {
            for policy in inline {
                role::apply::delete_policy(clients, name, policy).await?;
            }
            for arn in attached {
                role::apply::detach(clients, name, arn).await?;
            }
            role::apply::delete(clients, name).await
        }
        RoleOp::PutBoundary { name, arn } => role::apply::put_boundary(clients, name, arn).await,
        RoleOp::DeleteBoundary { name } => role::apply::delete_boundary(clients, name).await,
        RoleOp::Tag { name, set, remove } => role::apply::tag(clients, name, set, remove).await,
        RoleOp::UpdateTrust { name, trust } => role::apply::update_trust(clients, name, trust).await,
        RoleOp::PutPolicy {
            role,
            policy_name,
            document,
        } => role::apply::put_policy(clients, role, policy_name, document).await,
        RoleOp::DeletePolicy { role, policy_name } => {
            role::apply::delete_policy(clients, role, policy_name).await
        }
        RoleOp::Attach { role, arn } => role::apply::attach(clients, role, arn).await,
        RoleOp::Detach { role, arn } => role::apply::detach(clients, role, arn).await,
        RoleOp::Delete { name } => role::apply::delete(clients, name).await,
    }
}

/// Integrations.
async fn run_integration(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &IntegrationOp,
) -> Result<(), AwsError> {
    match op {
        IntegrationOp::Create {
            api,
            route_key,
            spec,
            role,
        } => integration::apply::create(clients, ctx, label, api, route_key, spec, role).await,
        IntegrationOp::Update {
            api_id,
            id,
            route_key,
            spec,
            role,
            clear_response,
        } => {
            let target = integration::apply::Target {
                api_id,
                id,
                route_key,
            };
            integration::apply::update(clients, ctx, &target, spec, role, clear_response).await
        }
        IntegrationOp::Delete { api_id, id } => integration::apply::delete(clients, api_id, id).await,
    }
}

/// Routes.
async fn run_route(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    op: &RouteOp,
) -> Result<(), AwsError> {
    match op {
        RouteOp::Create {
            api,
            key,
            authorization,
            authorizer,
            scopes,
            integration,
        } => {
            let spec = RouteSpec {
                key,
                authorization: *authorization,
                authorizer: authorizer.as_ref(),
                scopes,
                integration,
            };
            route::apply::create(clients, ctx, label, api, spec).await
        }
        RouteOp::Update {
            api_id,
            id,
            key,
            authorization,
            authorizer,
            scopes,
            integration,
            previous_authorizer,
            ..
        } => {
            let spec = RouteSpec {
                key,
                authorization: *authorization,
                authorizer: authorizer.as_ref(),
                scopes,
                integration,
            };
            route::apply::update(clients, ctx, api_id, id, spec, previous_authorizer.as_ref()).await
        }
        RouteOp::Delete { api_id, id, key, .. } => route::apply::delete(clients, api_id, id, key).await,
    }
}

/// The stage.
async fn run_stage(
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
        } => stage::apply::create(clients, ctx, label, api, spec, tags, variables).await,
        StageOp::Update { api_id, spec } => stage::apply::update(clients, api_id, spec).await,
        StageOp::DeleteAccessLog { api_id, stage } => {
            stage::apply::delete_access_log(clients, api_id, stage).await
        }
        StageOp::Delete { api_id, name } => stage::apply::delete(clients, api_id, name).await,
    }
}
