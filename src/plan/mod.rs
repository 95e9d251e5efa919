//! The planner: a pure function from desired and live state to the changes that reconcile them.
//!
//! Live items are claimed as desired items match them; whatever the stack owns and nothing
//! claimed is deleted. No SDK types here: the planner is tested on plain structs.
//!
//! Each decision (kept, adopted, replaced, orphaned, updated with which fields, which authorizer a
//! route moves between) is a `tracing::debug!` line: `PROVISION_LOG=debug provision diff` shows
//! them among the SDK's own lines, `PROVISION_LOG=provision::plan=debug` shows them alone.

mod api;
mod authorizers;
mod existing;
mod integration;
pub mod op;
mod quota;
mod role;
mod routes;
pub mod saved;
mod stage;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;
use serde_json::{Value, json};

use crate::live::{
    Live, LiveApi, LiveAuthorizer, LiveIntegration, LiveRole, LiveRoute, LiveStage, RoleState,
};
use crate::stack::Desired;
use crate::stack::desired::{Cors, DesiredIntegration, DesiredRoute, DesiredStage};
use crate::stack::rules::OWNER_TAG;
pub use existing::existing_role_gaps;
pub use op::{ApiRef, AuthorizerRef, IntegrationRef, Key, Op, RoleRef};

use api::*;
use authorizers::*;
use integration::*;
use role::*;
use routes::*;
use stage::*;

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Made from nothing.
    Create,
    /// Changed in place.
    Update,
    /// Removed.
    Delete,
    /// Made anew and the old one removed, because AWS cannot change it in place.
    Replace,
}

/// What kind of resource a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The HTTP API.
    Api,
    /// A route.
    Route,
    /// An integration.
    Integration,
    /// A JWT authorizer.
    Authorizer,
    /// A stage.
    Stage,
    /// The IAM role.
    Role,
    /// An inline policy of the role.
    RolePolicy,
    /// A managed policy attached to the role.
    ManagedPolicy,
}

/// One field's before and after; `null` where absent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Field name, e.g. `request_parameters.Input`.
    pub field: String,
    /// Live value.
    pub before: Value,
    /// Desired value.
    pub after: Value,
}

/// One resource's change, as shown to people, with the operations that make it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Create, update, delete or replace.
    pub action: Action,
    /// Resource kind.
    pub kind: Kind,
    /// Resource name: route key, API name, role name, ...
    pub name: String,
    /// Changed fields (for updates and replaces; for creates the new values).
    pub fields: Vec<FieldChange>,
    /// The AWS mutations that carry it out, in order within this change.
    #[serde(skip)]
    pub ops: Vec<Op>,
}

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

/// Options that change what the planner may do.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Take over a same-named role that lacks the ownership tag.
    pub adopt: bool,
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A role with the stack's role name exists and is not the stack's.
    #[error(
        "role {name} exists but is not owned by stack {stack} (it has no {OWNER_TAG}={stack} tag); nothing was changed\n  \
         to manage it with this stack, run `provision up --adopt`: it tags the role and from then on manages it \
         (its policies and tags become what the stack declares; `provision diff` shows how)\n  \
         otherwise choose another [role] name"
    )]
    UnownedRole {
        /// Role name.
        name: String,
        /// Stack name.
        stack: String,
    },
    /// The plan could need more integrations at once than the API's quota.
    #[error(transparent)]
    IntegrationQuota(#[from] quota::IntegrationQuota),
    /// The role belongs to another stack.
    #[error("role {name} belongs to stack {owner}, not {stack}; choose another [role] name")]
    OtherStacksRole {
        /// Role name.
        name: String,
        /// Owning stack.
        owner: String,
        /// This stack.
        stack: String,
    },
}

/// Computes what `up` must do to make live state match the stack.
pub fn plan(desired: &Desired, live: &Live, options: PlanOptions) -> Result<Plan, PlanError> {
    let mut changes = Vec::new();
    let role_ref = plan_role(desired, &live.role, options, &mut changes)?;

    let apis = oldest_first(&live.apis);
    let kept = apis.first().copied();
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
                    vec![created("tags", json!(desired.tags))],
                ]
                .concat(),
                ops: vec![Op::CreateApi {
                    name: desired.api.name.clone(),
                    tags: desired.tags.clone(),
                    cors: desired.api.cors.clone(),
                }],
            });
            ApiRef::New
        }
    };
    let empty = LiveApi::default();
    let api = kept.unwrap_or(&empty);
    let authorizers = plan_authorizers(desired, api, &api_ref, &mut changes);
    plan_routes(desired, api, &api_ref, &role_ref, &authorizers, &mut changes);
    delete_unused_authorizers(api, &authorizers, &mut changes);
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
            ops: vec![Op::DeleteApi {
                id: duplicate.id.clone(),
            }],
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
pub fn plan_down(desired: &Desired, live: &Live) -> Plan {
    let mut changes = Vec::new();
    for api in &live.apis {
        for route in &api.routes {
            changes.push(delete(Kind::Route, &route.key, delete_route_op(api, route)));
        }
        for integration in &api.integrations {
            changes.push(delete(
                Kind::Integration,
                &integration_label(api, integration),
                Op::DeleteIntegration {
                    api_id: api.id.clone(),
                    id: integration.id.clone(),
                },
            ));
        }
        for authorizer in &api.authorizers {
            changes.push(delete_authorizer(api, authorizer));
        }
        for stage in &api.stages {
            changes.push(delete(
                Kind::Stage,
                &stage.name,
                Op::DeleteStage {
                    api_id: api.id.clone(),
                    name: stage.name.clone(),
                },
            ));
        }
        changes.push(delete(
            Kind::Api,
            &format!("{} ({})", api.name, api.id),
            Op::DeleteApi { id: api.id.clone() },
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
            Op::DetachRolePolicy {
                role: role.name.clone(),
                arn: arn.clone(),
            },
        ));
    }
    changes.push(delete(
        Kind::Role,
        label,
        Op::DeleteRole {
            name: role.name.clone(),
        },
    ));
    changes
}

fn delete(kind: Kind, name: &str, op: Op) -> Change {
    Change {
        action: Action::Delete,
        kind,
        name: name.to_string(),
        fields: Vec::new(),
        ops: vec![op],
    }
}

/// The delete of an inline policy, saying which role it belongs to (a policy name alone does not
/// say, and two roles may have policies of one name).
fn delete_inline_policy(role: &str, policy_name: &str) -> Change {
    let mut change = delete(
        Kind::RolePolicy,
        policy_name,
        Op::DeleteRolePolicy {
            role: role.to_string(),
            policy_name: policy_name.to_string(),
        },
    );
    change.fields.push(FieldChange {
        field: "role".into(),
        before: Value::String(role.to_string()),
        after: Value::Null,
    });
    change
}

fn created(field: &str, after: Value) -> FieldChange {
    FieldChange {
        field: field.to_string(),
        before: Value::Null,
        after,
    }
}

fn changed(field: &str, before: Value, after: Value) -> Option<FieldChange> {
    (before != after).then(|| FieldChange {
        field: field.to_string(),
        before,
        after,
    })
}

/// Tag differences: what to set, what to remove (never `aws:` keys, which nobody can remove),
/// and the field changes that show it.
fn tag_diff(
    live: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>, Vec<FieldChange>) {
    let mut set = BTreeMap::new();
    let mut fields = Vec::new();
    for (k, v) in desired {
        if live.get(k) != Some(v) {
            set.insert(k.clone(), v.clone());
            fields.push(FieldChange {
                field: format!("tags.{k}"),
                before: live.get(k).map_or(Value::Null, |v| json!(v)),
                after: json!(v),
            });
        }
    }
    let remove: Vec<String> = live
        .keys()
        .filter(|k| !desired.contains_key(*k) && !k.starts_with("aws:"))
        .cloned()
        .collect();
    for k in &remove {
        fields.push(FieldChange {
            field: format!("tags.{k}"),
            before: json!(live[k]),
            after: Value::Null,
        });
    }
    (set, remove, fields)
}

/// The names of changed fields, for the log.
fn field_names(fields: &[FieldChange]) -> String {
    fields
        .iter()
        .map(|f| f.field.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
