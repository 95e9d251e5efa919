//! The ids an operation needs from earlier ones: what the plan knew, or what a create of this
//! run returned (recorded in [`Resolved`]).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::error::AwsError;
use crate::plan::{ApiRef, AuthorizerRef, IntegrationRef, RoleRef};

/// Ids learned while applying: what creates returned, seeded with what already existed.
#[derive(Debug, Clone, Default)]
pub struct Resolved {
    /// The stack's API id.
    pub api_id: Option<String>,
    /// The API's endpoint.
    pub api_endpoint: Option<String>,
    /// The role's ARN.
    pub role_arn: Option<String>,
    /// Integration ids by route key, for integrations this run created.
    pub integrations: HashMap<String, String>,
    /// Authorizer ids by name, for authorizers this run created.
    pub authorizers: HashMap<String, String>,
    /// The version ARN each state machine's create, update or publish of this run made, by
    /// machine ARN: an alias that follows the latest version is moved to it.
    pub published: HashMap<String, String>,
}

/// The shared ids, locked.
pub(crate) fn lock(ctx: &Mutex<Resolved>) -> MutexGuard<'_, Resolved> {
    // A poisoned lock only means another task panicked mid-update of plain ids; the data is usable.
    ctx.lock().unwrap_or_else(|p| p.into_inner())
}

/// The API's id.
pub(crate) fn api_id(ctx: &Mutex<Resolved>, api: &ApiRef) -> Result<String, AwsError> {
    match api {
        ApiRef::Existing(id) => Ok(id.clone()),
        ApiRef::New => lock(ctx)
            .api_id
            .clone()
            .ok_or_else(|| AwsError::invalid("CreateApi", "api", "the API was not created")),
    }
}

/// The role's ARN.
pub(crate) fn role_arn(ctx: &Mutex<Resolved>, role: &RoleRef) -> Result<String, AwsError> {
    match role {
        RoleRef::Existing(arn) => Ok(arn.clone()),
        RoleRef::New(name) => lock(ctx).role_arn.clone().ok_or_else(|| {
            AwsError::invalid("CreateRole", format!("role {name}"), "the role was not created")
        }),
    }
}

/// The id of the integration a route targets.
pub(crate) fn integration_id(
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
pub(crate) fn authorizer_id(ctx: &Mutex<Resolved>, authorizer: &AuthorizerRef) -> Result<String, AwsError> {
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
