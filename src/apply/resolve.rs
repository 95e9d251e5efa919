//! The ids an operation needs from earlier ones: what the plan knew, or what a create of this
//! run returned (recorded in [`Resolved`]).

use std::sync::{Mutex, MutexGuard};

use super::Resolved;
use crate::error::AwsError;
use crate::plan::{ApiRef, AuthorizerRef, IntegrationRef, RoleRef};

/// The shared ids, locked.
pub(super) fn lock(ctx: &Mutex<Resolved>) -> MutexGuard<'_, Resolved> {
    // A poisoned lock only means another task panicked mid-update of plain ids; the data is usable.
    ctx.lock().unwrap_or_else(|p| p.into_inner())
}

/// The API's id.
pub(super) fn api_id(ctx: &Mutex<Resolved>, api: &ApiRef) -> Result<String, AwsError> {
    match api {
        ApiRef::Existing(id) => Ok(id.clone()),
        ApiRef::New => lock(ctx)
            .api_id
            .clone()
            .ok_or_else(|| AwsError::invalid("CreateApi", "api", "the API was not created")),
    }
}

/// The role's ARN.
pub(super) fn role_arn(ctx: &Mutex<Resolved>, role: &RoleRef) -> Result<String, AwsError> {
    match role {
        RoleRef::Existing(arn) => Ok(arn.clone()),
        RoleRef::New(name) => lock(ctx).role_arn.clone().ok_or_else(|| {
            AwsError::invalid("CreateRole", format!("role {name}"), "the role was not created")
        }),
    }
}

/// The id of the integration a route targets.
pub(super) fn integration_id(
    ctx: &Mutex<Resolved>,
    integration: &IntegrationRef,
) -> Result<String, AwsError> {
    match integration {
        IntegrationRef::Existing(id) => Ok(id.clone()),
        IntegrationRef::New(key) => lock(ctx).integrations.get(key).cloned().ok_or_else(|| {
            AwsError::invalid(
                "CreateIntegration",
                format!("integration {key}"),
                "the integration was not created",
            )
        }),
    }
}

/// The id of the authorizer a route uses.
pub(super) fn authorizer_id(ctx: &Mutex<Resolved>, authorizer: &AuthorizerRef) -> Result<String, AwsError> {
    match authorizer {
        AuthorizerRef::Existing(id) => Ok(id.clone()),
        AuthorizerRef::New(name) => lock(ctx).authorizers.get(name).cloned().ok_or_else(|| {
            AwsError::invalid(
                "CreateAuthorizer",
                format!("authorizer {name}"),
                "the authorizer was not created",
            )
        }),
    }
}
