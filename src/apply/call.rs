//! One operation, dispatched to the module of its resource kind, which owns the AWS calls.
//! Deletes treat NotFound as done (see [`super::answer::deleted`]).

use std::sync::Mutex;

use super::{Ran, Resolved};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::Op;
use crate::resource::route::apply::RouteSpec;
use crate::resource::{api, authorizer, integration, role, route, stage};

/// Performs one operation; an ImportApi the endpoint cannot do says so, for its per-resource
/// operations to run instead.
pub(super) async fn run(clients: &Clients, ctx: &Mutex<Resolved>, op: &Op) -> Result<Ran, AwsError> {
    match op {
        Op::ImportApi {
            name,
            document,
            role_in_document,
            role,
            tags,
            ..
        } => {
            let import = api::apply::Import {
                name,
                document,
                role_in_document,
                role: role.as_ref(),
                tags,
            };
            let not_available = api::apply::import(clients, ctx, &op.label(), &import).await?;
            Ok(not_available.map_or(Ran::Done, |why| {
                Ran::Instead(format!(
                    "{why}; api {name} is created one call per resource instead"
                ))
            }))
        }
        op => run_one(clients, ctx, op).await.map(|()| Ran::Done),
    }
}

/// Performs one operation that is one call (or a fixed few).
async fn run_one(clients: &Clients, ctx: &Mutex<Resolved>, op: &Op) -> Result<(), AwsError> {
    let label = op.label();
    match op {
        Op::CreateApi { name, tags, cors } => {
            api::apply::create(clients, ctx, &label, name, tags, cors.as_ref()).await
        }
        Op::UpdateApi { id, name, cors } => api::apply::update(clients, id, name, cors.as_ref()).await,
        Op::DeleteCors { api_id } => api::apply::delete_cors(clients, api_id).await,
        Op::TagApiResource {
            api,
            stage,
            set,
            remove,
        } => api::apply::tag(clients, ctx, api, stage.as_deref(), set, remove).await,
        Op::DeleteApi { id } => api::apply::delete(clients, id).await,
        Op::CreateAuthorizer { api, spec } => {
            authorizer::apply::create(clients, ctx, &label, api, spec).await
        }
        Op::UpdateAuthorizer { api_id, id, spec } => {
            authorizer::apply::update(clients, api_id, id, spec).await
        }
        Op::DeleteAuthorizer { api_id, id, name } => {
            authorizer::apply::delete(clients, api_id, id, name).await
        }
        Op::CreateRole { .. }
        | Op::ClearAndDeleteRole { .. }
        | Op::PutRoleBoundary { .. }
        | Op::DeleteRoleBoundary { .. }
        | Op::TagRole { .. }
        | Op::UpdateTrust { .. }
        | Op::PutRolePolicy { .. }
        | Op::DeleteRolePolicy { .. }
        | Op::AttachRolePolicy { .. }
        | Op::DetachRolePolicy { .. }
        | Op::DeleteRole { .. } => run_role(clients, ctx, &label, op).await,
        Op::CreateIntegration {
            api,
            route_key,
            spec,
            role,
        } => integration::apply::create(clients, ctx, &label, api, route_key, spec, role).await,
        Op::UpdateIntegration {
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
        Op::DeleteIntegration { api_id, id } => integration::apply::delete(clients, api_id, id).await,
        Op::CreateRoute {
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
            route::apply::create(clients, ctx, &label, api, spec).await
        }
        Op::UpdateRoute {
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
        Op::DeleteRoute { api_id, id, key, .. } => route::apply::delete(clients, api_id, id, key).await,
        Op::CreateStage {
            api,
            spec,
            tags,
            variables,
        } => stage::apply::create(clients, ctx, &label, api, spec, tags, variables).await,
        Op::UpdateStage { api_id, spec } => stage::apply::update(clients, api_id, spec).await,
        Op::DeleteAccessLog { api_id, stage } => {
            stage::apply::delete_access_log(clients, api_id, stage).await
        }
        Op::DeleteStage { api_id, name } => stage::apply::delete(clients, api_id, name).await,
        Op::StateMachine(op) => crate::resource::state_machine::apply::run(clients, ctx, op).await,
        Op::ImportApi { .. } => Err(AwsError::invalid("apply", label, "not a single call")),
    }
}

/// The operations on the stack's IAM role and its policies.
async fn run_role(clients: &Clients, ctx: &Mutex<Resolved>, label: &str, op: &Op) -> Result<(), AwsError> {
    match op {
        Op::CreateRole {
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
        Op::ClearAndDeleteRole {
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
        Op::PutRoleBoundary { name, arn } => role::apply::put_boundary(clients, name, arn).await,
        Op::DeleteRoleBoundary { name } => role::apply::delete_boundary(clients, name).await,
        Op::TagRole { name, set, remove } => role::apply::tag(clients, name, set, remove).await,
        Op::UpdateTrust { name, trust } => role::apply::update_trust(clients, name, trust).await,
        Op::PutRolePolicy {
            role,
            policy_name,
            document,
        } => role::apply::put_policy(clients, role, policy_name, document).await,
        Op::DeleteRolePolicy { role, policy_name } => {
            role::apply::delete_policy(clients, role, policy_name).await
        }
        Op::AttachRolePolicy { role, arn } => role::apply::attach(clients, role, arn).await,
        Op::DetachRolePolicy { role, arn } => role::apply::detach(clients, role, arn).await,
        Op::DeleteRole { name } => role::apply::delete(clients, name).await,
        _ => Err(AwsError::invalid("apply", label, "not a role operation")),
    }
}
