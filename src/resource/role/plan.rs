//! The role: created, or kept when the stack owns it (adopted with `--adopt`), its trust policy,
//! tags and policies made to match the file.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::plan::change::{
    Action, Change, FieldChange, Kind, PlanOptions, changed, created, delete, field_names, tag_diff,
};
use crate::plan::error::PlanError;
use crate::plan::op::RoleOp;
use crate::plan::op::{Op, RoleRef};
use crate::resource::role::spec::{LiveRole, RoleState};
use crate::stack::Desired;
use crate::stack::rules::OWNER_TAG;

pub(crate) fn plan_role(
    desired: &Desired,
    live: &RoleState,
    options: PlanOptions,
    changes: &mut Vec<Change>,
) -> Result<RoleRef, PlanError> {
    let want = &desired.role;
    if let Some(arn) = &want.existing {
        tracing::debug!("role {arn}: an existing role the stack uses, never changed");
        return Ok(RoleRef::Existing(arn.clone()));
    }
    let role = match live {
        RoleState::Absent => {
            tracing::debug!("role {}: absent, create", want.name);
            changes.push(Change {
                action: Action::Create,
                kind: Kind::Role,
                name: want.name.clone(),
                fields: created_fields(desired),
                ops: vec![create_role_op(desired)],
            });
            // The new role then gets its policies exactly as an existing, empty one would.
            let created_role = LiveRole {
                name: want.name.clone(),
                tags: desired.tags.clone(),
                trust: want.trust.clone(),
                path: want.path.clone(),
                permissions_boundary: want.permissions_boundary.clone(),
                ..LiveRole::default()
            };
            plan_role_update(desired, &created_role, changes);
            return Ok(RoleRef::New(want.name.clone()));
        }
        RoleState::Present(role) => role,
    };
    match role.tags.get(OWNER_TAG) {
        Some(owner) if owner == &desired.stack => {
            tracing::debug!("role {}: kept, owned by the stack", role.name)
        }
        Some(owner) => {
            return Err(PlanError::OtherStacksRole {
                name: role.name.clone(),
                owner: owner.clone(),
                stack: desired.stack.clone(),
            });
        }
        None if options.adopt => tracing::debug!("role {}: adopted (untagged, --adopt)", role.name),
        None => {
            return Err(PlanError::UnownedRole {
                name: role.name.clone(),
                stack: desired.stack.clone(),
            });
        }
    }
    if role.path != want.path {
        return Ok(replace_role(desired, role, changes));
    }
    plan_role_update(desired, role, changes);
    Ok(RoleRef::Existing(role.arn.clone()))
}

fn create_role_op(desired: &Desired) -> Op {
    Op::Role(RoleOp::Create {
        name: desired.role.name.clone(),
        trust: desired.role.trust.clone(),
        tags: desired.tags.clone(),
        path: desired.role.path.clone(),
        boundary: desired.role.permissions_boundary.clone(),
    })
}

fn created_fields(desired: &Desired) -> Vec<FieldChange> {
    let want = &desired.role;
    let mut fields = vec![
        created("trust", want.trust.clone()),
        created("tags", json!(desired.tags)),
    ];
    if want.path != "/" {
        fields.push(created("path", json!(want.path)));
    }
    if let Some(boundary) = &want.permissions_boundary {
        fields.push(created("permissions_boundary", json!(boundary)));
    }
    fields
}

/// IAM has no call that changes a role's path (UpdateRole takes only the description and the
/// session duration; IAM API reference, "UpdateRole"): the role is deleted and made again under
/// the new path, and the integrations repointed at its new ARN.
fn replace_role(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) -> RoleRef {
    let want = &desired.role;
    tracing::debug!("role {}: path {} -> {}, replace", role.name, role.path, want.path);
    let ops = vec![
        Op::Role(RoleOp::ClearAndDelete {
            name: role.name.clone(),
            inline: role.inline.keys().cloned().collect(),
            attached: role.attached.iter().cloned().collect(),
        }),
        create_role_op(desired),
    ];
    changes.push(Change {
        action: Action::Replace,
        kind: Kind::Role,
        name: role.name.clone(),
        fields: vec![FieldChange {
            field: "path".into(),
            before: json!(role.path),
            after: json!(want.path),
        }],
        ops,
    });
    let created_role = LiveRole {
        name: want.name.clone(),
        tags: desired.tags.clone(),
        trust: want.trust.clone(),
        path: want.path.clone(),
        permissions_boundary: want.permissions_boundary.clone(),
        ..LiveRole::default()
    };
    plan_role_policies(desired, &created_role, changes);
    RoleRef::New(want.name.clone())
}

/// The role's trust policy and tags, then its policies.
pub(crate) fn plan_role_update(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) {
    plan_role_settings(desired, role, changes);
    plan_role_policies(desired, role, changes);
}

/// UpdateAssumeRolePolicy and TagRole / UntagRole where the trust policy or tags differ.
pub(crate) fn plan_role_settings(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) {
    let want = &desired.role;
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    if let Some(f) = changed("trust", role.trust.clone(), want.trust.clone()) {
        fields.push(f);
        ops.push(Op::Role(RoleOp::UpdateTrust {
            name: role.name.clone(),
            trust: want.trust.clone(),
        }));
    }
    match (&role.permissions_boundary, &want.permissions_boundary) {
        (before, Some(after)) if before.as_ref() != Some(after) => {
            fields.push(FieldChange {
                field: "permissions_boundary".into(),
                before: json!(before),
                after: json!(after),
            });
            ops.push(Op::Role(RoleOp::PutBoundary {
                name: role.name.clone(),
                arn: after.clone(),
            }));
        }
        (Some(before), None) => {
            fields.push(FieldChange {
                field: "permissions_boundary".into(),
                before: json!(before),
                after: Value::Null,
            });
            ops.push(Op::Role(RoleOp::DeleteBoundary {
                name: role.name.clone(),
            }));
        }
        _ => {}
    }
    let (set, remove, tag_fields) = tag_diff(&role.tags, &desired.tags);
    if !tag_fields.is_empty() {
        fields.extend(tag_fields);
        ops.push(Op::Role(RoleOp::Tag {
            name: role.name.clone(),
            set,
            remove,
        }));
    }
    if !ops.is_empty() {
        tracing::debug!("role {}: update {}", role.name, field_names(&fields));
        changes.push(Change {
            action: Action::Update,
            kind: Kind::Role,
            name: role.name.clone(),
            fields,
            ops,
        });
    }
}

/// The stack's inline policy put where it differs (compared by meaning), every other inline
/// policy deleted, managed policies attached and detached to match the file.
pub(crate) fn plan_role_policies(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) {
    let want = &desired.role;
    match role.inline.get(&want.policy_name) {
        Some(doc) if *doc == want.policy => {
            tracing::debug!("role policy {}: kept, same document", want.policy_name);
        }
        before => changes.push(Change {
            action: if before.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            kind: Kind::RolePolicy,
            name: want.policy_name.clone(),
            fields: vec![FieldChange {
                field: "document".into(),
                before: before.cloned().unwrap_or(Value::Null),
                after: want.policy.clone(),
            }],
            ops: vec![Op::Role(RoleOp::PutPolicy {
                role: role.name.clone(),
                policy_name: want.policy_name.clone(),
                document: want.policy.clone(),
            })],
        }),
    }
    for name in role.inline.keys().filter(|n| **n != want.policy_name) {
        tracing::debug!("role policy {name}: not the stack's, delete");
        changes.push(delete_inline_policy(&role.name, name));
    }
    for arn in want.managed_policies.difference(&role.attached) {
        changes.push(Change {
            action: Action::Create,
            kind: Kind::ManagedPolicy,
            name: arn.clone(),
            fields: Vec::new(),
            ops: vec![Op::Role(RoleOp::Attach {
                role: role.name.clone(),
                arn: arn.clone(),
            })],
        });
    }
    for arn in role.attached.difference(&want.managed_policies) {
        tracing::debug!("managed policy {arn}: not in the file, detach");
        changes.push(delete(
            Kind::ManagedPolicy,
            arn,
            Op::Role(RoleOp::Detach {
                role: role.name.clone(),
                arn: arn.clone(),
            }),
        ));
    }
}

/// How the credentials of an integration are shown and compared: by role name, since the ARN
/// of a role that does not exist yet is not known, and a recreated role keeps its ARN (role
/// names are unique in an account whatever their path).
pub(crate) use crate::arn::role_name_of;

pub(crate) fn role_display(role: &RoleRef) -> Value {
    match role {
        RoleRef::Existing(arn) => json!(arn),
        RoleRef::New(name) => json!(format!("role/{name} (known after up)")),
    }
}

/// The role's name, as integrations' credentials are compared ([`role_name_of`]); none when
/// the role is made anew under another path, whose new ARN every integration must be given.
pub(crate) fn role_name(role: &RoleRef, replaced: bool) -> String {
    match role {
        _ if replaced => String::new(),
        RoleRef::Existing(arn) => role_name_of(arn).to_string(),
        RoleRef::New(name) => name.clone(),
    }
}

/// The roles other APIs' integrations use as credentials, by role name (`Live::used_outside`):
/// such a role is never deleted.
pub(crate) type UsedOutside = BTreeMap<String, Vec<String>>;

/// True for a role the stack may delete: tagged for it and used by no API outside it.
fn deletable(desired: &Desired, used_outside: &UsedOutside, role: &LiveRole) -> bool {
    if desired.role.existing.is_some() && role.name == desired.role.name {
        tracing::debug!(
            "role {}: an existing role the stack only uses, never deleted",
            role.name
        );
        return false;
    }
    let owned = role.owned_by(&desired.stack);
    let outside = used_outside.contains_key(&role.name);
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
pub(crate) fn plan_former_roles(
    desired: &Desired,
    former: &[LiveRole],
    used_outside: &UsedOutside,
    changes: &mut Vec<Change>,
) {
    for role in former {
        if deletable(desired, used_outside, role) {
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

/// What `down` does to the roles: the stack's role and its former ones deleted, each when
/// [`deletable`].
pub(crate) fn plan_roles_down(
    desired: &Desired,
    role: &RoleState,
    former: &[LiveRole],
    used_outside: &UsedOutside,
) -> Vec<Change> {
    let present = match role {
        RoleState::Present(role) => Some(role),
        RoleState::Absent => None,
    };
    present
        .into_iter()
        .chain(former)
        .filter(|role| deletable(desired, used_outside, role))
        .flat_map(|role| delete_role(role, &role.name))
        .collect()
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

/// The delete of an inline policy, saying which role it belongs to (a policy name alone does not
/// say, and two roles may have policies of one name).
fn delete_inline_policy(role: &str, policy_name: &str) -> Change {
    let mut change = delete(
        Kind::RolePolicy,
        policy_name,
        Op::Role(RoleOp::DeletePolicy {
            role: role.to_string(),
            policy_name: policy_name.to_string(),
        }),
    );
    change.fields.push(FieldChange {
        field: "role".into(),
        before: Value::String(role.to_string()),
        after: Value::Null,
    });
    change
}

#[cfg(test)]
mod tests {
    //! The role's diff through the whole planner, from the planner's fixtures (the onboarding stack
    //! and what `up` leaves for it).

    use crate::plan::fixtures::*;
    use crate::plan::op::RoleOp;
    use crate::plan::*;

    #[test]
    fn a_boundary_is_put_changed_and_deleted_in_place() {
        let boundary = "arn:aws:iam::189107071895:policy/OrgBoundary";
        let desired = onboarding_with(
            "policy_name = \"InvokeUserOnboardingWorkflow\"",
            &format!("policy_name = \"InvokeUserOnboardingWorkflow\"\npermissions_boundary = \"{boundary}\""),
        );
        let p = up(&desired, &converged());
        assert_eq!(
            all_ops(&p),
            vec![&Op::Role(RoleOp::PutBoundary {
                name: ROLE.into(),
                arn: boundary.into()
            })]
        );
        let live = with_role(|r| r.permissions_boundary = Some(boundary.to_string()));
        assert!(up(&desired, &live).is_empty());
        let p = up(&onboarding(), &live);
        assert_eq!(
            all_ops(&p),
            vec![&Op::Role(RoleOp::DeleteBoundary { name: ROLE.into() })]
        );
    }
}
