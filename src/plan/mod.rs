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
mod quota;
pub mod saved;

use serde::Serialize;
use serde_json::json;

use crate::plan::op::{ApiOp, IntegrationOp, RoleOp, StageOp};
use crate::resource::api::spec::LiveApi;
use crate::resource::live::Live;
pub use crate::resource::role::existing::existing_role_gaps;
use crate::resource::role::spec::{LiveRole, RoleState};
use crate::stack::{BoundDesired, Desired};
pub use change::{Action, Change, FieldChange, Kind, PlanOptions};
pub use error::PlanError;
pub use op::{ApiRef, AuthorizerRef, IntegrationRef, Key, Op, RoleRef};

use crate::resource::api::plan::{cors_fields, plan_api_update};
use crate::resource::authorizer::plan::{delete_authorizer, delete_unused_authorizers, plan_authorizers};
use crate::resource::integration::plan::integration_label;
use crate::resource::role::plan::plan_role;
use crate::resource::route::plan::{delete_route_op, plan_routes};
use crate::resource::stage::plan::plan_stages;
use change::{created, delete, delete_inline_policy};

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
/// ([`crate::stack::Desired::bind`]).
pub fn plan(desired: &BoundDesired, live: &Live, options: PlanOptions) -> Result<Plan, PlanError> {
    let mut changes = Vec::new();
    let role_ref = plan_role(desired, &live.role, options, &mut changes)?;
    changes.extend(crate::resource::state_machine::plan::plan(
        &desired.stack,
        &desired.state_machines,
        &live.machines,
        options.adopt,
    )?);

    let apis = oldest_first(&live.apis);
    let adopted = live
        .adoptable
        .as_ref()
        .filter(|_| options.adopt && apis.is_empty());
    if let Some(api) = adopted {
        tracing::debug!("api {} ({}): adopted (untagged, --adopt)", api.name, api.id);
    }
    let kept = apis.first().copied().or(adopted);
    let api_ref = match kept {
        Some(api) => {
            tracing::debug!(
                "api {}: kept ({}), the oldest of {} tagged",
                api.name,
                api.id,
                apis.len()
            );
            plan_api_update(desired, api, &mut changes);
            ApiRef::Existing(api.id.clone())
        }
        None => {
            tracing::debug!("api {}: none tagged for the stack, create", desired.api.name);
            changes.push(Change {
                action: Action::Create,
                kind: Kind::Api,
                name: desired.api.name.clone(),
                fields: [
                    vec![
                        created("name", json!(desired.api.name)),
                        created("protocol_type", json!("HTTP")),
                    ],
                    cors_fields(None, desired.api.cors.as_ref()),
                    vec![created("tags", json!(desired.api_tags()))],
                ]
                .concat(),
                ops: vec![Op::Api(ApiOp::Create {
                    name: desired.api.name.clone(),
                    tags: desired.api_tags(),
                    cors: desired.api.cors.clone(),
                })],
            });
            ApiRef::New
        }
    };
    let empty = LiveApi::default();
    let api = kept.unwrap_or(&empty);
    let authorizers = plan_authorizers(desired, api, &api_ref, &mut changes);
    plan_routes(desired, api, &api_ref, &role_ref, &authorizers, &mut changes);
    delete_unused_authorizers(desired, api, &authorizers, &mut changes);
    plan_stages(desired, api, &api_ref, &mut changes);
    quota::integrations(api, &changes)?;
    plan_former_roles(desired, live, &mut changes);
    for duplicate in apis.iter().skip(1) {
        tracing::debug!(
            "api {} ({}): a younger duplicate, delete",
            duplicate.name,
            duplicate.id
        );
        changes.push(Change {
            action: Action::Delete,
            kind: Kind::Api,
            name: format!("{} ({}, duplicate)", duplicate.name, duplicate.id),
            fields: Vec::new(),
            ops: vec![Op::Api(ApiOp::Delete {
                id: duplicate.id.clone(),
            })],
        });
    }
    Ok(Plan {
        stack: desired.stack.clone(),
        changes,
    })
}

/// The owned APIs, the one `up` keeps first: the oldest wins, so every run (and every concurrent
/// run) keeps the same one. An unknown creation time sorts last, then the id decides.
pub fn oldest_first(apis: &[LiveApi]) -> Vec<&LiveApi> {
    let mut apis: Vec<&LiveApi> = apis.iter().collect();
    apis.sort_by_key(|a| (a.created.is_none(), a.created, a.id.clone()));
    apis
}

/// Computes what `down` must do: delete everything the stack owns, children first.
pub fn plan_down(desired: &BoundDesired, live: &Live) -> Plan {
    let mut changes = Vec::new();
    for api in &live.apis {
        for route in &api.routes {
            changes.push(delete(Kind::Route, &route.key, delete_route_op(api, route)));
        }
        for integration in &api.integrations {
            changes.push(delete(
                Kind::Integration,
                &integration_label(api, integration),
                Op::Integration(IntegrationOp::Delete {
                    api_id: api.id.clone(),
                    id: integration.id.clone(),
                }),
            ));
        }
        for authorizer in &api.authorizers {
            changes.push(delete_authorizer(api, authorizer));
        }
        for stage in &api.stages {
            changes.push(delete(
                Kind::Stage,
                &stage.name,
                Op::Stage(StageOp::Delete {
                    api_id: api.id.clone(),
                    name: stage.name.clone(),
                }),
            ));
        }
        changes.push(delete(
            Kind::Api,
            &format!("{} ({})", api.name, api.id),
            Op::Api(ApiOp::Delete { id: api.id.clone() }),
        ));
    }
    if let RoleState::Present(role) = &live.role
        && deletable(desired, live, role)
    {
        changes.extend(delete_role(role, &role.name));
    }
    for role in &live.former_roles {
        if deletable(desired, live, role) {
            changes.extend(delete_role(role, &role.name));
        }
    }
    changes.extend(crate::resource::state_machine::plan::plan_down(
        &desired.stack,
        &live.machines,
    ));
    Plan {
        stack: desired.stack.clone(),
        changes,
    }
}

/// True for a role the stack may delete: tagged for it and used by no API outside it.
fn deletable(desired: &Desired, live: &Live, role: &LiveRole) -> bool {
    if desired.role.existing.is_some() && role.name == desired.role.name {
        tracing::debug!(
            "role {}: an existing role the stack only uses, never deleted",
            role.name
        );
        return false;
    }
    let owned = role.owned_by(&desired.stack);
    let outside = live.used_outside.contains_key(&role.name);
    if owned && outside {
        tracing::debug!(
            "role {}: tagged for the stack but used outside it, kept",
            role.name
        );
    }
    owned && !outside
}

/// The roles the stack's integrations used before and that it deletes once they are repointed
/// (after a `[role] name` rename): create-new, repoint, delete-old.
fn plan_former_roles(desired: &Desired, live: &Live, changes: &mut Vec<Change>) {
    for role in &live.former_roles {
        if deletable(desired, live, role) {
            tracing::debug!(
                "role {}: the stack's former role, delete after repointing",
                role.name
            );
            let label = format!("{} (replaced by {})", role.name, desired.role.name);
            changes.extend(delete_role(role, &label));
        } else {
            tracing::debug!(
                "role {}: used by the stack but not deletable, left alone",
                role.name
            );
        }
    }
}

/// Every inline policy deleted, every managed policy detached, then the role deleted.
fn delete_role(role: &LiveRole, label: &str) -> Vec<Change> {
    let mut changes = Vec::new();
    for name in role.inline.keys() {
        changes.push(delete_inline_policy(&role.name, name));
    }
    for arn in &role.attached {
        changes.push(delete(
            Kind::ManagedPolicy,
            arn,
            Op::Role(RoleOp::Detach {
                role: role.name.clone(),
                arn: arn.clone(),
            }),
        ));
    }
    changes.push(delete(
        Kind::Role,
        label,
        Op::Role(RoleOp::Delete {
            name: role.name.clone(),
        }),
    ));
    changes
}

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;
