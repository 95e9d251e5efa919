//! The role's shape, as the file declares it: its least-privilege policy derived from the
//! routes' machines.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::domain::{Action, StatesAction};
use crate::policy;
use crate::stack::model::RoleSection;
use crate::stack::rules;

/// The IAM role and its policies.
#[derive(Debug, Clone, PartialEq)]
pub struct DesiredRole {
    /// Role name.
    pub name: String,
    /// Inline policy name.
    pub policy_name: String,
    /// Inline policy document, normalised.
    pub policy: Value,
    /// Trust policy, normalised.
    pub trust: Value,
    /// ARNs of managed policies to attach.
    pub managed_policies: BTreeSet<String>,
    /// Trust API Gateway only on behalf of the stack's own account: the trust policy gets an
    /// `aws:SourceAccount` condition once the account is known ([`Desired::bind`]).
    pub restrict_source_account: bool,
    /// The IAM path, `/` unless the file says otherwise.
    pub path: String,
    /// The permissions boundary's ARN, if any.
    pub permissions_boundary: Option<String>,
    /// An existing role the stack uses and never changes (`[role] arn`); then `name` is the
    /// ARN's role name and the other fields describe what the routes need of it.
    pub existing: Option<String>,
}

/// The role: its derived least-privilege policy over the routes' machines, the API Gateway
/// trust policy, and the managed policies listed.
pub(crate) fn desired_role(
    role: &RoleSection,
    machines: &[(Action, crate::arn::StateMachineArn)],
) -> Option<DesiredRole> {
    let actions: Option<Vec<String>> = role
        .actions
        .as_ref()
        .map(|a| a.iter().map(|s| s.value.clone()).collect());
    let existing = role.arn.as_ref().map(|a| a.value.clone());
    let name = match &existing {
        Some(arn) => role_name_of(arn).to_string(),
        None => role.name.as_ref()?.value.clone(),
    };
    let policy_name = match (&existing, &role.policy_name) {
        (_, Some(p)) => p.value.clone(),
        (Some(_), None) => String::new(),
        (None, None) => return None,
    };
    Some(DesiredRole {
        name,
        policy_name,
        path: role
            .path
            .as_ref()
            .map_or_else(|| "/".to_string(), |p| p.value.clone()),
        permissions_boundary: role.permissions_boundary.as_ref().map(|b| b.value.clone()),
        existing,
        policy: match &role.policy {
            Some(text) => policy::normalize(&serde_json::from_str(&text.value).ok()?),
            None => policy::normalize(&least_privilege(machines, actions.as_deref())),
        },
        trust: policy::normalize(&policy::api_gateway_trust(None)),
        restrict_source_account: role.restrict_source_account.as_ref().is_some_and(|r| r.value),
        managed_policies: role.managed_policies.iter().map(|m| m.value.clone()).collect(),
    })
}

/// Which qualifiers a grant on a machine allows.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// The unqualified ARN is used: no condition.
    Any,
    /// Only versions and aliases are used: these qualifiers.
    Only(BTreeSet<String>),
}

/// The inline policy: each action on exactly the resources it acts on, never `*`.
///
/// Without `actions`, each route grants its own action on its own machine. With `actions`, every
/// listed action applies to all the routes' machines. Execution actions (Stop, Describe,
/// GetExecutionHistory) are granted on the machines' executions. A version or alias ARN is
/// authorized by the unqualified machine ARN ("Authorization for versions and aliases" in the Step
/// Functions guide), so the start actions grant on the machine, scoped with the
/// `states:StateMachineQualifier` condition when every route on that machine is qualified.
pub fn least_privilege(
    machines: &[(Action, crate::arn::StateMachineArn)],
    actions: Option<&[String]>,
) -> Value {
    let mut pairs: Vec<(String, &crate::arn::StateMachineArn)> = Vec::new();
    match actions {
        None => pairs.extend(machines.iter().map(|(a, m)| (a.iam_action().to_string(), m))),
        Some(actions) => {
            for full in actions {
                pairs.extend(machines.iter().map(|(_, m)| (full.clone(), m)));
            }
        }
    }
    // (action, resource) -> scope, the unqualified use winning over any qualifier.
    let mut scopes: BTreeMap<(String, String), Scope> = BTreeMap::new();
    for (full, m) in pairs {
        let action = full.trim_start_matches("states:");
        // Actions whose IAM resource type is the execution: on `execution:MACHINE:*`, never on
        // the machine.
        let resource = if StatesAction::named(action).is_some_and(StatesAction::on_execution) {
            m.executions()
        } else {
            m.machine()
        };
        // A version or alias ARN's start actions are scoped with `states:StateMachineQualifier`.
        let starts = action.parse::<Action>().is_ok_and(Action::starts);
        let scope = match (&m.qualifier, starts) {
            (Some(q), true) => Scope::Only(BTreeSet::from([q.to_string()])),
            _ => Scope::Any,
        };
        let entry = scopes.entry((full.clone(), resource)).or_insert(scope.clone());
        *entry = match (&*entry, scope) {
            (Scope::Only(a), Scope::Only(b)) => Scope::Only(a.union(&b).cloned().collect()),
            _ => Scope::Any,
        };
    }
    // (scope, action) -> resources, then one statement per (scope, resource set).
    let mut grants: BTreeMap<(Scope, String), BTreeSet<String>> = BTreeMap::new();
    for ((action, resource), scope) in scopes {
        grants.entry((scope, action)).or_default().insert(resource);
    }
    let mut statements: BTreeMap<(Scope, Vec<String>), Vec<String>> = BTreeMap::new();
    for ((scope, action), resources) in grants {
        statements
            .entry((scope, resources.into_iter().collect()))
            .or_default()
            .push(action);
    }
    let statements: Vec<Value> = statements
        .into_iter()
        .map(|((scope, resources), actions)| {
            let mut statement = json!({"Effect": "Allow", "Action": actions, "Resource": resources});
            if let Scope::Only(qualifiers) = scope {
                statement["Condition"] =
                    json!({"StringEquals": {"states:StateMachineQualifier": qualifiers}});
            }
            statement
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

pub use crate::arn::role_name_of;

/// The stack's role, as found by name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
// One value per read: boxing the role would only add noise to every match.
#[allow(clippy::large_enum_variant)]
pub enum RoleState {
    /// No role with that name.
    #[default]
    Absent,
    /// A role with that name exists.
    Present(LiveRole),
}

/// An IAM role with its policies.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LiveRole {
    /// Role name.
    pub name: String,
    /// Role ARN.
    pub arn: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Trust policy, normalised.
    pub trust: Value,
    /// Inline policies by name. The stack's own policy is read, normalised; any other is only
    /// listed (`Value::Null`), since the plan deletes it whatever it says.
    pub inline: BTreeMap<String, Value>,
    /// Attached managed policy ARNs.
    pub attached: BTreeSet<String>,
    /// The IAM path (`/` by default).
    pub path: String,
    /// The permissions boundary's ARN, if any.
    pub permissions_boundary: Option<String>,
    /// Attached managed policies' default-version documents, normalised: read only for an
    /// existing role (`[role] arn`), whose permissions are checked, not managed.
    pub attached_documents: BTreeMap<String, Value>,
}

impl Default for LiveRole {
    fn default() -> Self {
        LiveRole {
            name: String::new(),
            arn: String::new(),
            tags: BTreeMap::new(),
            trust: Value::Null,
            inline: BTreeMap::new(),
            attached: BTreeSet::new(),
            path: "/".to_string(),
            permissions_boundary: None,
            attached_documents: BTreeMap::new(),
        }
    }
}

impl LiveRole {
    /// The role's policies for the one evaluator ([`crate::iam`]): the trust policy, each inline
    /// policy as `inline NAME`, each attached one by its ARN. Inline policies whose document was
    /// not read count as empty.
    pub fn policies(&self) -> crate::iam::RolePolicies {
        let inline = self
            .inline
            .iter()
            .map(|(name, doc)| (format!("inline {name}"), doc.clone()));
        let attached = self
            .attached_documents
            .iter()
            .map(|(arn, doc)| (arn.clone(), doc.clone()));
        crate::iam::RolePolicies {
            arn: self.arn.clone(),
            trust: self.trust.clone(),
            permissions: inline.chain(attached).collect(),
        }
    }

    /// True when the role carries `provision:stack = stack`.
    pub fn owned_by(&self, stack: &str) -> bool {
        self.tags.get(rules::OWNER_TAG).map(String::as_str) == Some(stack)
    }

    /// True when a read of the role shows what `up` applied of `desired`: its trust policy, the
    /// stack's inline policy and (at least) its managed policies. What waiting for IAM to settle
    /// compares each read with.
    pub fn shows_applied(&self, desired: &DesiredRole) -> bool {
        self.trust == desired.trust
            && self.inline.get(&desired.policy_name) == Some(&desired.policy)
            && desired.managed_policies.is_subset(&self.attached)
    }
}

/// `[role]` lines for tests outside the unit (`synth`'s), so that they do not spell its keys: the
/// unit owns its shapes.
#[cfg(test)]
pub(crate) mod samples {
    /// The `[role]` line that puts the role under the permissions boundary `arn`.
    pub fn boundary_line(arn: &str) -> String {
        format!("permissions_boundary = \"{arn}\"")
    }
}
