//! The role as IAM returns it, with its policies; the roles the tool made for a stack.

use std::collections::BTreeMap;

use aws_sdk_iam::operation::get_role::GetRoleError;
use aws_sdk_iam::operation::get_role_policy::GetRolePolicyError;

use super::spec::{LiveRole, RoleState};
use crate::aws::Clients;
use crate::error::AwsError;
use crate::policy;
use crate::resource::paginate::required;
use crate::stack::rules::OWNER_TAG;
use crate::stack::rules::role_description;

/// The role by name with its trust policy, tags, attached policies, inline policy names, and the
/// document of `policy_name` (the stack's own). All four IAM reads go out at once.
pub async fn read_role(
    clients: &Clients,
    name: &str,
    policy_name: Option<&str>,
) -> Result<RoleState, AwsError> {
    let resource = format!("role {name}");
    let (role, names, attached, document) = tokio::join!(
        clients.iam.get_role().role_name(name).send(),
        list_inline_policies(clients, name),
        list_attached_policies(clients, name),
        read_inline_policy(clients, name, policy_name)
    );
    let role = match role {
        Ok(out) => out.role,
        Err(e)
            if e.as_service_error()
                .is_some_and(GetRoleError::is_no_such_entity_exception) =>
        {
            return Ok(RoleState::Absent);
        }
        Err(e) => return Err(AwsError::new("GetRole", resource, e)),
    };
    let Some(role) = role else {
        return Ok(RoleState::Absent);
    };
    let trust = match role.assume_role_policy_document() {
        Some(doc) => policy::parse_returned(doc)
            .map_err(|e| AwsError::invalid("GetRole", &resource, format!("trust policy is not JSON: {e}")))?,
        None => serde_json::Value::Null,
    };
    let tags = role
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let document = document?;
    let mut inline: BTreeMap<String, serde_json::Value> =
        names?.into_iter().map(|n| (n, serde_json::Value::Null)).collect();
    if let (Some(policy_name), Some(doc)) = (policy_name, document) {
        inline.insert(policy_name.to_string(), doc);
    }
    Ok(RoleState::Present(LiveRole {
        name: role.role_name().to_string(),
        arn: required(Some(role.arn()), "GetRole", &resource, "Arn")?,
        tags,
        trust,
        inline,
        attached: attached?.into_iter().collect(),
        path: role.path().to_string(),
        permissions_boundary: role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
            .map(str::to_string),
        attached_documents: BTreeMap::new(),
    }))
}

/// Every policy document of an existing role (`[role] arn`), to check what it allows: each
/// inline policy (GetRolePolicy), and each attached one's default version (GetPolicy, then
/// GetPolicyVersion). Read with the caller's permissions; only for such a role.
pub async fn read_role_documents(clients: &Clients, role: &mut LiveRole) -> Result<(), AwsError> {
    let names: Vec<String> = role.inline.keys().cloned().collect();
    for name in names {
        if let Some(doc) = read_inline_policy(clients, &role.name, Some(&name)).await? {
            role.inline.insert(name, policy::normalize(&doc));
        }
    }
    for arn in role.attached.clone() {
        let resource = format!("managed policy {arn}");
        let out = clients
            .iam
            .get_policy()
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| AwsError::new("GetPolicy", &resource, e))?;
        let Some(version) = out.policy().and_then(|p| p.default_version_id()) else {
            continue;
        };
        let out = clients
            .iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| AwsError::new("GetPolicyVersion", &resource, e))?;
        if let Some(doc) = out.policy_version().and_then(|v| v.document()) {
            let doc = policy::parse_returned(doc)
                .map_err(|e| AwsError::invalid("GetPolicyVersion", &resource, format!("not JSON: {e}")))?;
            role.attached_documents
                .insert(arn.clone(), policy::normalize(&doc));
        }
    }
    Ok(())
}

/// One inline policy's document as parsed; `None` when the role or the policy is missing.
pub(crate) async fn read_inline_policy(
    clients: &Clients,
    role: &str,
    policy_name: Option<&str>,
) -> Result<Option<serde_json::Value>, AwsError> {
    let Some(policy_name) = policy_name else {
        return Ok(None);
    };
    Ok(read_inline_policy_text(clients, role, policy_name)
        .await?
        .map(|(_, doc)| doc))
}

/// One inline policy (GetRolePolicy): its document as IAM returned it (URL-decoded) and parsed;
/// `None` when the role or the policy is missing. The one reader of an inline policy: `diff`,
/// `serve` and `import` all read through it.
pub(crate) async fn read_inline_policy_text(
    clients: &Clients,
    role: &str,
    policy_name: &str,
) -> Result<Option<(String, serde_json::Value)>, AwsError> {
    let out = match clients
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(policy_name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(GetRolePolicyError::is_no_such_entity_exception) =>
        {
            return Ok(None);
        }
        Err(e) => {
            return Err(AwsError::new(
                "GetRolePolicy",
                format!("policy {policy_name} of role {role}"),
                e,
            ));
        }
    };
    let doc = policy::parse_returned(out.policy_document()).map_err(|e| {
        AwsError::invalid(
            "GetRolePolicy",
            format!("policy {policy_name} of role {role}"),
            format!("not JSON: {e}"),
        )
    })?;
    let text = percent_encoding::percent_decode_str(out.policy_document())
        .decode_utf8_lossy()
        .into_owned();
    Ok(Some((text, doc)))
}

/// The role with every inline policy's document read (GetRolePolicy each), normalised in the
/// role and as returned (URL-decoded) beside it: what `import` reads of each role its
/// integrations name.
pub(crate) async fn read_role_with_policy_texts(
    clients: &Clients,
    name: &str,
) -> Result<(RoleState, BTreeMap<String, String>), AwsError> {
    let mut state = read_role(clients, name, None).await?;
    let mut texts = BTreeMap::new();
    if let RoleState::Present(role) = &mut state {
        let names: Vec<String> = role.inline.keys().cloned().collect();
        for policy in names {
            // A policy deleted between the listing and this read has nothing left to import.
            let Some((text, doc)) = read_inline_policy_text(clients, name, &policy).await? else {
                role.inline.remove(&policy);
                continue;
            };
            role.inline.insert(policy.clone(), doc);
            texts.insert(policy, text);
        }
    }
    Ok((state, texts))
}

/// The names of the role's inline policies (ListRolePolicies, through the SDK's paginator).
pub(crate) async fn list_inline_policies(clients: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    clients
        .iam
        .list_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("ListRolePolicies", format!("role {role}"), e))
}

/// The ARNs of the managed policies attached to the role (ListAttachedRolePolicies, through the
/// SDK's paginator).
pub(crate) async fn list_attached_policies(clients: &Clients, role: &str) -> Result<Vec<String>, AwsError> {
    let attached: Vec<_> = clients
        .iam
        .list_attached_role_policies()
        .role_name(role)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("ListAttachedRolePolicies", format!("role {role}"), e))?;
    Ok(attached
        .iter()
        .filter_map(|p| p.policy_arn().map(str::to_string))
        .collect())
}

/// The names of the roles the tool made for `stack` (their description is [`role_description`]
/// of it) that carry `provision:stack = stack`: ListRoles (which returns descriptions but not
/// tags, IAM API reference "ListRoles"), then ListRoleTags for the roles described as the
/// stack's only, so no other stack's role is read. For `down`, so that a role no integration
/// names any more (an `up` cut off between repointing and deleting it) is still found.
pub async fn roles_made_for(clients: &Clients, stack: &str) -> Result<Vec<String>, AwsError> {
    let description = role_description(stack);
    let candidates: Vec<String> = clients
        .iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| AwsError::new("ListRoles", "the account's roles", e))?
        .into_iter()
        .filter(|r| r.description() == Some(description.as_str()))
        .map(|r| r.role_name().to_string())
        .collect();
    let mut owned = Vec::new();
    for name in candidates {
        let tags: Vec<_> = clients
            .iam
            .list_role_tags()
            .role_name(&name)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| AwsError::new("ListRoleTags", format!("role {name}"), e))?;
        if tags.iter().any(|t| t.key() == OWNER_TAG && t.value() == stack) {
            owned.push(name);
        }
    }
    Ok(owned)
}
