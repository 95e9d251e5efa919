//! The planner: a pure function from desired and live state to the changes that reconcile them.
//!
//! Live items are claimed as desired items match them; whatever the stack owns and nothing
//! claimed is deleted. No SDK types here: the planner is tested on plain structs.
//!
//! Each decision (kept, adopted, replaced, orphaned, updated with which fields, which authorizer a
//! route moves between) is a `tracing::debug!` line: `PROVISION_LOG=debug provision diff` shows
//! them among the SDK's own lines, `PROVISION_LOG=provision::plan=debug` shows them alone.

pub mod change;
pub mod error;
pub mod key;
pub mod op;
pub mod saved;

use serde::Serialize;

use crate::resource::api::plan as api;
pub use crate::resource::api::plan::oldest_first;
use crate::resource::api::spec::LiveApi;
use crate::resource::authorizer::plan as authorizer;
use crate::resource::integration::plan as integration;
use crate::resource::live::Live;
pub use crate::resource::role::existing::existing_role_gaps;
use crate::resource::role::plan as role;
use crate::resource::route::plan as route;
use crate::resource::stage::plan as stage;
use crate::stack::BoundDesired;
pub use change::{Action, Change, FieldChange, Kind, PlanOptions};
pub use error::PlanError;
pub use op::{ApiRef, AuthorizerRef, IntegrationRef, Key, Op, RoleRef};

/// Everything `up` (or `down`) would do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Stack name.
    pub stack: String,
    /// Changes, in the order they are shown.
    pub changes: Vec<Change>,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// (create, update, delete) counts; a replace counts as one create and one delete.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.changes
            .iter()
            .fold((0, 0, 0), |(c, u, d), ch| match ch.action {
                Action::Create => (c + 1, u, d),
                Action::Update => (c, u + 1, d),
                Action::Delete => (c, u, d + 1),
                Action::Replace => (c + 1, u, d + 1),
            })
    }
}

/// Computes what `up` must do to make live state match the stack, once its names are bound
/// ([`crate::stack::Desired::bind`]). Each kind's unit plans its part; the order of the parts is
/// the order the changes are shown in.
pub fn plan(desired: &BoundDesired, live: &Live, options: PlanOptions) -> Result<Plan, PlanError> {
    let mut changes = Vec::new();
    let role_ref = role::plan_role(desired, &live.role, options, &mut changes)?;
    changes.extend(crate::resource::state_machine::plan::plan(
        &desired.stack,
        &desired.state_machines,
        &live.machines,
        options.adopt,
    )?);
    let apis = oldest_first(&live.apis);
    let kept = api::kept_api(&apis, live.adoptable.as_ref(), options.adopt);
    let api_ref = api::plan_api(desired, kept, apis.len(), &mut changes);
    let empty = LiveApi::default();
    let api = kept.unwrap_or(&empty);
    let authorizers = authorizer::plan_authorizers(desired, api, &api_ref, &mut changes);
    route::plan_routes(desired, api, &api_ref, &role_ref, &authorizers, &mut changes);
    authorizer::delete_unused_authorizers(desired, api, &authorizers, &mut changes);
    stage::plan_stages(desired, api, &api_ref, &mut changes);
    crate::resource::integration::quota::integrations(api, &changes)?;
    role::plan_former_roles(desired, &live.former_roles, &live.used_outside, &mut changes);
    changes.extend(api::delete_duplicates(&apis));
    Ok(Plan {
        stack: desired.stack.clone(),
        changes,
    })
}

/// Computes what `down` must do: delete everything the stack owns, children first.
pub fn plan_down(desired: &BoundDesired, live: &Live) -> Plan {
    let mut changes = Vec::new();
    for api in &live.apis {
        changes.extend(api.routes.iter().map(|r| route::delete_route(api, r)));
        changes.extend(
            api.integrations
                .iter()
                .map(|i| integration::delete_integration(api, i)),
        );
        changes.extend(
            api.authorizers
                .iter()
                .map(|a| authorizer::delete_authorizer(api, a)),
        );
        changes.extend(api.stages.iter().map(|s| stage::delete_stage(api, s)));
        changes.push(api::delete_api(api));
    }
    changes.extend(role::plan_roles_down(
        desired,
        &live.role,
        &live.former_roles,
        &live.used_outside,
    ));
    changes.extend(crate::resource::state_machine::plan::plan_down(
        &desired.stack,
        &live.machines,
    ));
    Plan {
        stack: desired.stack.clone(),
        changes,
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
