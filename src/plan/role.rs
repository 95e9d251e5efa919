//! The role: created, or kept when the stack owns it (adopted with `--adopt`), its trust policy,
//! tags and policies made to match the file.

use super::*;

pub(super) fn plan_role(
    desired: &Desired,
    live: &RoleState,
    options: PlanOptions,
    changes: &mut Vec<Change>,
) -> Result<RoleRef, PlanError> {
    let want = &desired.role;
    let role = match live {
        RoleState::Absent => {
            tracing::debug!("role {}: absent, create", want.name);
            changes.push(Change {
                action: Action::Create,
                kind: Kind::Role,
                name: want.name.clone(),
                fields: vec![
                    created("trust", want.trust.clone()),
                    created("tags", json!(desired.tags)),
                ],
                ops: vec![Op::CreateRole {
                    name: want.name.clone(),
                    trust: want.trust.clone(),
                    tags: desired.tags.clone(),
                }],
            });
            // The new role then gets its policies exactly as an existing, empty one would.
            let created_role = LiveRole {
                name: want.name.clone(),
                tags: desired.tags.clone(),
                trust: want.trust.clone(),
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
    plan_role_update(desired, role, changes);
    Ok(RoleRef::Existing(role.arn.clone()))
}

/// The role's trust policy and tags, then its policies.
pub(super) fn plan_role_update(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) {
    plan_role_settings(desired, role, changes);
    plan_role_policies(desired, role, changes);
}

/// UpdateAssumeRolePolicy and TagRole / UntagRole where the trust policy or tags differ.
pub(super) fn plan_role_settings(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) {
    let want = &desired.role;
    let mut fields = Vec::new();
    let mut ops = Vec::new();
    if let Some(f) = changed("trust", role.trust.clone(), want.trust.clone()) {
        fields.push(f);
        ops.push(Op::UpdateTrust {
            name: role.name.clone(),
            trust: want.trust.clone(),
        });
    }
    let (set, remove, tag_fields) = tag_diff(&role.tags, &desired.tags);
    if !tag_fields.is_empty() {
        fields.extend(tag_fields);
        ops.push(Op::TagRole {
            name: role.name.clone(),
            set,
            remove,
        });
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
pub(super) fn plan_role_policies(desired: &Desired, role: &LiveRole, changes: &mut Vec<Change>) {
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
            ops: vec![Op::PutRolePolicy {
                role: role.name.clone(),
                policy_name: want.policy_name.clone(),
                document: want.policy.clone(),
            }],
        }),
    }
    for name in role.inline.keys().filter(|n| **n != want.policy_name) {
        tracing::debug!("role policy {name}: not the stack's, delete");
        changes.push(delete(
            Kind::RolePolicy,
            name,
            Op::DeleteRolePolicy {
                role: role.name.clone(),
                policy_name: name.clone(),
            },
        ));
    }
    for arn in want.managed_policies.difference(&role.attached) {
        changes.push(Change {
            action: Action::Create,
            kind: Kind::ManagedPolicy,
            name: arn.clone(),
            fields: Vec::new(),
            ops: vec![Op::AttachRolePolicy {
                role: role.name.clone(),
                arn: arn.clone(),
            }],
        });
    }
    for arn in role.attached.difference(&want.managed_policies) {
        tracing::debug!("managed policy {arn}: not in the file, detach");
        changes.push(delete(
            Kind::ManagedPolicy,
            arn,
            Op::DetachRolePolicy {
                role: role.name.clone(),
                arn: arn.clone(),
            },
        ));
    }
}
