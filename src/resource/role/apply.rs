//! The IAM role and its policies: CreateRole, TagRole / UntagRole, UpdateAssumeRolePolicy,
//! PutRolePolicy, DeleteRolePolicy, AttachRolePolicy, DetachRolePolicy, DeleteRole.

use std::collections::BTreeMap;
use std::sync::Mutex;

use aws_sdk_iam::operation::create_role::{CreateRoleError, CreateRoleOutput};
use aws_sdk_iam::types::Tag;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::Value;

use crate::apply::answer::{created_id, deleted, gone, once_iam};
use crate::apply::create::{backoff, create_safely};
use crate::apply::resolve::Resolved;
use crate::apply::resolve::lock;
use crate::aws::Clients;
use crate::error::{AwsError, Retry};
use crate::resource::role::op::RoleOp;
use crate::resource::role::spec::RoleState;
use crate::stack::rules::OWNER_TAG;

/// Performs one operation on the stack's IAM role and its policies: the executor (`apply::call`) hands every
/// operation of this kind here, one exhaustive match.
pub(crate) async fn run(
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
            let spec = NewRole {
                name,
                trust,
                tags,
                path,
                boundary: boundary.as_deref(),
            };
            create(clients, ctx, label, &spec).await
        }
        RoleOp::ClearAndDelete {
            name,
            inline,
            attached,
        } => {
            for policy in inline {
                delete_policy(clients, name, policy).await?;
            }
            for arn in attached {
                detach(clients, name, arn).await?;
            }
            delete(clients, name).await
        }
        RoleOp::PutBoundary { name, arn } => put_boundary(clients, name, arn).await,
        RoleOp::DeleteBoundary { name } => delete_boundary(clients, name).await,
        RoleOp::Tag { name, set, remove } => tag(clients, name, set, remove).await,
        RoleOp::UpdateTrust { name, trust } => update_trust(clients, name, trust).await,
        RoleOp::PutPolicy {
            role,
            policy_name,
            document,
        } => put_policy(clients, role, policy_name, document).await,
        RoleOp::DeletePolicy { role, policy_name } => delete_policy(clients, role, policy_name).await,
        RoleOp::Attach { role, arn } => attach(clients, role, arn).await,
        RoleOp::Detach { role, arn } => detach(clients, role, arn).await,
        RoleOp::Delete { name } => delete(clients, name).await,
    }
}

/// The tags as IAM takes them.
pub(crate) fn iam_tags(tags: &BTreeMap<String, String>) -> Vec<Tag> {
    tags.iter()
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect()
}

/// What CreateRole makes.
pub(crate) struct NewRole<'a> {
    pub name: &'a str,
    pub trust: &'a Value,
    pub tags: &'a BTreeMap<String, String>,
    /// IAM path: 1-512 characters, `/` first and last (botocore iam `pathType`).
    pub path: &'a str,
    /// Permissions boundary ARN, set at creation as an organisation's SCP may demand.
    pub boundary: Option<&'a str>,
}

/// CreateRole with its trust policy, tags, path and boundary; records its ARN. A role of that
/// name that carries the stack's tag (another run's, or a lost answer's) is taken instead.
pub(crate) async fn create(
    clients: &Clients,
    ctx: &Mutex<Resolved>,
    label: &str,
    spec: &NewRole<'_>,
) -> Result<(), AwsError> {
    // The description is how `down` finds the roles the tool made for a stack.
    let owner = spec.tags.get(OWNER_TAG).map_or("", String::as_str);
    let description = crate::stack::rules::role_description(owner);
    let arn = create_arn(clients, label, spec, &description, None).await?;
    lock(ctx).role_arn = Some(arn);
    Ok(())
}

/// CreateRole (the API's role and a state machine's generated role alike): sent once per
/// attempt, asked again after a refusal that left nothing behind, and a role of that name that
/// carries the stack's tag is taken instead; `foreign_help` says what to do when one that is
/// not the stack's holds the name. Its ARN.
pub(crate) async fn create_arn(
    clients: &Clients,
    label: &str,
    spec: &NewRole<'_>,
    description: &str,
    foreign_help: Option<&str>,
) -> Result<String, AwsError> {
    let NewRole {
        name,
        trust,
        tags,
        path,
        boundary,
    } = *spec;
    let owner = tags.get(OWNER_TAG);
    create_safely(
        label,
        || async {
            let answer = clients
                .iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(trust.to_string())
                .description(description)
                .set_tags(Some(iam_tags(tags)))
                .path(path)
                .set_permissions_boundary(boundary.map(str::to_string))
                .customize()
                .config_override(once_iam())
                .send()
                .await;
            created_role_arn(clients, name, owner, answer, foreign_help).await
        },
        || async { owned_role_arn(clients, name, owner).await },
    )
    .await
}

/// The ARN from CreateRole's answer; when the role already exists, the existing one's if it
/// carries the stack's tag.
async fn created_role_arn(
    clients: &Clients,
    name: &str,
    owner: Option<&String>,
    answer: Result<CreateRoleOutput, SdkError<CreateRoleError, HttpResponse>>,
    foreign_help: Option<&str>,
) -> Result<String, AwsError> {
    let resource = format!("role {name}");
    let e = match answer {
        Ok(out) => return created_id(out.role().map(|r| r.arn()), "CreateRole", &resource, "Role.Arn"),
        Err(e) => e,
    };
    if !e
        .as_service_error()
        .is_some_and(CreateRoleError::is_entity_already_exists_exception)
    {
        return Err(AwsError::new("CreateRole", resource, e));
    }
    // Another run of this stack made it, or an earlier attempt whose answer was lost: take it if
    // it carries our tag.
    match super::read::read_role(clients, name, None).await? {
        RoleState::Present(role) if owner.is_some_and(|o| role.owned_by(o)) => Ok(role.arn),
        RoleState::Present(_) => {
            let refused = AwsError::invalid(
                "CreateRole",
                resource,
                "a role with this name appeared that this stack does not own",
            );
            Err(match foreign_help {
                Some(help) => refused.with_help(help),
                None => refused,
            })
        }
        // IAM is eventually consistent: the role exists but cannot be read yet. Ask again after
        // a backoff.
        RoleState::Absent => Err(AwsError {
            retry: Retry::NotDone,
            ..AwsError::invalid(
                "CreateRole",
                resource,
                "IAM says the role exists but cannot return it yet",
            )
        }),
    }
}

/// The role's ARN if it exists and carries the stack's tag.
async fn owned_role_arn(
    clients: &Clients,
    name: &str,
    owner: Option<&String>,
) -> Result<Option<String>, AwsError> {
    match super::read::read_role(clients, name, None).await? {
        RoleState::Present(role) if owner.is_some_and(|o| role.owned_by(o)) => Ok(Some(role.arn)),
        _ => Ok(None),
    }
}

/// TagRole and UntagRole.
pub(crate) async fn tag(
    clients: &Clients,
    name: &str,
    set: &BTreeMap<String, String>,
    remove: &[String],
) -> Result<(), AwsError> {
    if !set.is_empty() {
        clients
            .iam
            .tag_role()
            .role_name(name)
            .set_tags(Some(iam_tags(set)))
            .send()
            .await
            .map_err(|e| AwsError::new("TagRole", format!("role {name}"), e))?;
    }
    if !remove.is_empty() {
        clients
            .iam
            .untag_role()
            .role_name(name)
            .set_tag_keys(Some(remove.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::new("UntagRole", format!("role {name}"), e))?;
    }
    Ok(())
}

/// PutRolePermissionsBoundary.
pub(crate) async fn put_boundary(clients: &Clients, name: &str, arn: &str) -> Result<(), AwsError> {
    clients
        .iam
        .put_role_permissions_boundary()
        .role_name(name)
        .permissions_boundary(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("PutRolePermissionsBoundary", format!("role {name}"), e))?;
    Ok(())
}

/// DeleteRolePermissionsBoundary; a boundary already gone is fine.
pub(crate) async fn delete_boundary(clients: &Clients, name: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .iam
            .delete_role_permissions_boundary()
            .role_name(name)
            .send()
            .await,
        "DeleteRolePermissionsBoundary",
        format!("role {name}"),
    )
}

/// UpdateAssumeRolePolicy.
pub(crate) async fn update_trust(clients: &Clients, name: &str, trust: &Value) -> Result<(), AwsError> {
    clients
        .iam
        .update_assume_role_policy()
        .role_name(name)
        .policy_document(trust.to_string())
        .send()
        .await
        .map_err(|e| AwsError::new("UpdateAssumeRolePolicy", format!("role {name}"), e))?;
    Ok(())
}

/// PutRolePolicy.
pub(crate) async fn put_policy(
    clients: &Clients,
    role: &str,
    policy_name: &str,
    document: &Value,
) -> Result<(), AwsError> {
    clients
        .iam
        .put_role_policy()
        .role_name(role)
        .policy_name(policy_name)
        .policy_document(document.to_string())
        .send()
        .await
        .map_err(|e| AwsError::new("PutRolePolicy", format!("policy {policy_name} of role {role}"), e))?;
    Ok(())
}

/// DeleteRolePolicy.
pub(crate) async fn delete_policy(clients: &Clients, role: &str, policy_name: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .iam
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy_name)
            .send()
            .await,
        "DeleteRolePolicy",
        format!("policy {policy_name} of role {role}"),
    )
}

/// AttachRolePolicy.
pub(crate) async fn attach(clients: &Clients, role: &str, arn: &str) -> Result<(), AwsError> {
    clients
        .iam
        .attach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::new("AttachRolePolicy", format!("{arn} on role {role}"), e))?;
    Ok(())
}

/// DetachRolePolicy.
pub(crate) async fn detach(clients: &Clients, role: &str, arn: &str) -> Result<(), AwsError> {
    deleted(
        clients
            .iam
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn)
            .send()
            .await,
        "DetachRolePolicy",
        format!("{arn} on role {role}"),
    )
}

/// DeleteRole. Right after its policies go, IAM may still see them for a moment
/// (`DeleteConflict`): that is asked again a few times.
pub(crate) async fn delete(clients: &Clients, name: &str) -> Result<(), AwsError> {
    let mut attempt = 0;
    loop {
        match clients.iam.delete_role().role_name(name).send().await {
            Ok(_) => return Ok(()),
            Err(e) if e.as_service_error().is_some_and(gone) => return Ok(()),
            Err(e)
                if attempt < 5
                    && e.as_service_error()
                        .is_some_and(|s| s.is_delete_conflict_exception()) =>
            {
                attempt += 1;
                backoff(attempt).await;
            }
            Err(e) => return Err(AwsError::new("DeleteRole", format!("role {name}"), e)),
        }
    }
}
