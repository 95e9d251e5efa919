//! Reads live state with list calls: one paginated call per collection, never per-item gets.
//!
//! An item without the id (or key, or name) the tool needs to act on it is an error naming the
//! call ([`super::paginate::required`]): a careful reconciler does not plan on an answer it
//! cannot act on, since skipping the item could create a duplicate of it and keeping it with an
//! empty id would target or delete nothing.

use super::Live;
use super::children::read_api_children;
use crate::aws::Clients;
use crate::error::{AwsError, Error};
use crate::resource::api::read::list_apis;
use crate::resource::api::spec::LiveApi;
use crate::resource::integration::read::credentials_in;
use crate::resource::role::read::{read_role, read_role_documents, roles_made_for};
use crate::resource::role::spec::{LiveRole, RoleState};
use crate::stack::{BoundDesired, Desired};

/// What one read of live state covers.
#[derive(Debug, Clone, Copy)]
pub struct ReadScope<'a> {
    /// The stack: APIs carrying `provision:stack = stack` are its.
    pub stack: &'a str,
    /// The role, by name.
    pub role_name: &'a str,
    /// The stack's own inline policy, whose document is read.
    pub policy_name: &'a str,
    /// The stack declares authorizers, so the API's are read whatever its routes use.
    pub declares_authorizers: bool,
}

impl<'a> ReadScope<'a> {
    /// What `desired` needs read.
    pub fn of(desired: &'a Desired) -> Self {
        ReadScope {
            stack: &desired.stack,
            role_name: &desired.role.name,
            policy_name: &desired.role.policy_name,
            declares_authorizers: !desired.authorizers.is_empty(),
        }
    }
}

/// What a command reads the live state for: what it needs beyond the stack's own state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `diff`, `up`, `serve`, `invoke`: the stack's state, and with `adopt` (`--adopt`) the one
    /// untagged API named as the stack's, which the plan may take over
    /// ([`Live::adoptable`]).
    Deploy {
        /// `--adopt` was given.
        adopt: bool,
    },
    /// `down`: also the roles the tool made for the stack that neither the file nor the
    /// integrations name (left by an `up` cut off after repointing), as former roles, and
    /// whether an API outside the stack uses any role it would delete, its own included
    /// ([`Live::used_outside`]).
    Teardown,
}

impl Purpose {
    /// True when the routes' state machines must exist for the command to go on: every purpose
    /// but `down`, which deletes what the stack owns whatever became of them.
    pub fn needs_machines(self) -> bool {
        self != Purpose::Teardown
    }
}

/// Everything the stack could own, complete for `purpose`: the APIs tagged for it with their
/// children, its role (and an existing role's documents), the roles its integrations used
/// before, whether other APIs use those it would delete, and its state machines (by their bound
/// ARNs, so the stack is a [`BoundDesired`]); with `--adopt` the API it may take over, for
/// `down` the roles left behind and the use of its own. Commands only read the result.
pub async fn read(clients: &Clients, desired: &BoundDesired, purpose: Purpose) -> Result<Live, Error> {
    let mut live = read_apis_and_role(clients, ReadScope::of(desired)).await?;
    if desired.role.existing.is_some()
        && let RoleState::Present(role) = &mut live.role
    {
        read_role_documents(clients, role).await?;
    }
    let former = live.former_roles.clone();
    check_outside_use(clients, &desired.stack, &mut live, &former).await?;
    // The stack's machines, and those tagged for it that it no longer declares: also when its
    // API still carries the machines tag (the last machine was removed from the file). No call
    // at all for a stack without machines.
    let had_machines = live
        .apis
        .iter()
        .any(|api| api.tags.contains_key(crate::stack::rules::MACHINES_TAG));
    if !desired.state_machines.is_empty() || had_machines {
        live.machines = crate::resource::state_machine::read::read(clients, desired, true).await?;
    }
    match purpose {
        Purpose::Deploy { adopt: true } => super::adopt::find_adoptable(clients, desired, &mut live).await?,
        Purpose::Deploy { adopt: false } => {}
        Purpose::Teardown => read_for_teardown(clients, desired, &mut live).await?,
    }
    Ok(live)
}

/// For `down`: the roles the tool made for the stack that neither the file nor the
/// integrations name (found by description and tag, read, checked for use outside the stack)
/// join the former roles; then, when the stack's own role is tagged for it, whether an API
/// outside the stack uses it (such a role is left alone).
async fn read_for_teardown(clients: &Clients, desired: &Desired, live: &mut Live) -> Result<(), AwsError> {
    let known: Vec<String> = std::iter::once(desired.role.name.to_lowercase())
        .chain(live.former_roles.iter().map(|r| r.name.to_lowercase()))
        .collect();
    let mut found = Vec::new();
    for name in roles_made_for(clients, &desired.stack).await? {
        if known.contains(&name.to_lowercase()) {
            continue;
        }
        if let RoleState::Present(role) = read_role(clients, &name, None).await? {
            found.push(role);
        }
    }
    check_outside_use(clients, &desired.stack, live, &found).await?;
    live.former_roles.extend(found);
    if let RoleState::Present(role) = &live.role
        && role.owned_by(&desired.stack)
    {
        let role = role.clone();
        check_outside_use(clients, &desired.stack, live, std::slice::from_ref(&role)).await?;
    }
    Ok(())
}

/// Fills `live.used_outside` for those of `roles` tagged for the stack (the ones it would
/// delete). The other APIs' integrations are read once, and not at all when no tagged role is in
/// question.
async fn check_outside_use(
    clients: &Clients,
    stack: &str,
    live: &mut Live,
    roles: &[LiveRole],
) -> Result<(), AwsError> {
    let tagged: Vec<&LiveRole> = roles.iter().filter(|r| r.owned_by(stack)).collect();
    if tagged.is_empty() {
        return Ok(());
    }
    if live.outside_credentials.is_none() {
        live.outside_credentials = Some(credentials_in(clients, &live.other_apis).await?);
    }
    let used = live
        .outside_credentials
        .as_ref()
        .map_or_else(Default::default, |all| {
            tagged
                .iter()
                .filter_map(|r| all.get(&r.arn).map(|apis| (r.name.clone(), apis.clone())))
                .collect::<Vec<_>>()
        });
    live.used_outside.extend(used);
    Ok(())
}

/// The APIs tagged for the stack (with their children) and its role (with the stack's policy
/// document), concurrently: the API's children wait only for its id. What `serve` re-reads;
/// [`read`] completes it.
pub async fn read_apis_and_role(clients: &Clients, scope: ReadScope<'_>) -> Result<Live, AwsError> {
    let (apis, role) = tokio::join!(
        read_apis(clients, scope),
        read_role(
            clients,
            scope.role_name,
            Some(scope.policy_name).filter(|p| !p.is_empty())
        )
    );
    let (apis, other_apis) = apis?;
    let mut live = Live {
        apis,
        other_apis,
        role: role?,
        ..Live::default()
    };
    live.former_roles = read_former_roles(clients, &live, scope.role_name).await?;
    Ok(live)
}

/// The roles other than the stack's that its integrations use (the old role after a rename),
/// read by name with every inline policy listed. None in the usual case, so no call is made;
/// a role that no longer exists is skipped.
async fn read_former_roles(clients: &Clients, live: &Live, current: &str) -> Result<Vec<LiveRole>, AwsError> {
    let mut roles = Vec::new();
    for name in live.credential_role_names(current) {
        tracing::debug!("role {name}: used by the stack's integrations, read");
        if let RoleState::Present(role) = read_role(clients, &name, None).await? {
            roles.push(role);
        }
    }
    Ok(roles)
}

/// The stack's APIs with their children, and the (id, name) of every other API of the account.
async fn read_apis(
    clients: &Clients,
    scope: ReadScope<'_>,
) -> Result<(Vec<LiveApi>, Vec<(String, String)>), AwsError> {
    let (mut owned, others) = list_apis(clients, scope.stack).await?;
    // Usually one API; duplicates are rare and read one after the other to spare the shared
    // control-plane rate limit.
    for api in &mut owned {
        let children = read_api_children(clients, &api.id, scope.declares_authorizers).await?;
        children.fill(api);
    }
    Ok((owned, others))
}

/// The account the credentials belong to (STS GetCallerIdentity).
pub async fn account_id(clients: &Clients) -> Result<String, AwsError> {
    let out = clients
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| AwsError::new("GetCallerIdentity", "the caller's account", e))?;
    out.account().map(str::to_string).ok_or_else(|| {
        AwsError::invalid(
            "GetCallerIdentity",
            "the caller's account",
            "no account in the answer",
        )
    })
}
