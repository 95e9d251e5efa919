//! The role as CloudFormation declares it (`AWS::IAM::Role`).
//!
//! For `import`: the role the routes' integrations assume, and its policy as `actions`, as
//! nothing (what the routes derive), or written out. The console's way (Step Functions developer
//! guide, "Creating a Step Functions API using API Gateway", step 1): IAM console, AWS service,
//! use case "API Gateway", which makes the trust policy for `apigateway.amazonaws.com` (with an
//! empty `Sid`, which carries no meaning) and attaches `AmazonAPIGatewayPushToCloudWatchLogs`;
//! the policy granting Step Functions is added after. The trust policy is the tool's; the
//! managed policy is carried as `managed_policies`.

use std::collections::BTreeMap;

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Value, json};

use super::spec::{DesiredRole, LiveRole, RoleState, least_privilege};
use crate::grant::{DeployerTarget, SdkCall, When, call};
use crate::policy;
use crate::resource::integration::spec::LiveIntegration;
use crate::resource::route::emit::DocRoute;
use crate::stack::Desired;
use crate::stack::write::{Kind as SkippedKind, Skipped, blocking, list, quote};

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`), with the IAM actions
/// each needs ("Actions, resources, and condition keys for AWS Identity and Access Management"):
/// its fragment of the policy `provision policy` prints, assembled by [`crate::deployer`].
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call("get_role", &["iam:GetRole"], When::Always),
    call("get_role_policy", &["iam:GetRolePolicy"], When::Always),
    call("list_role_policies", &["iam:ListRolePolicies"], When::Always),
    call(
        "list_attached_role_policies",
        &["iam:ListAttachedRolePolicies"],
        When::Always,
    ),
    // CreateRole carries the tags, which IAM authorises as iam:TagRole too.
    call(
        "create_role",
        &["iam:CreateRole", "iam:TagRole"],
        When::Unit(owned),
    ),
    call("tag_role", &["iam:TagRole"], When::Unit(owned)),
    call("untag_role", &["iam:UntagRole"], When::Unit(owned)),
    call(
        "update_assume_role_policy",
        &["iam:UpdateAssumeRolePolicy"],
        When::Unit(owned),
    ),
    call("put_role_policy", &["iam:PutRolePolicy"], When::Unit(owned)),
    call("delete_role_policy", &["iam:DeleteRolePolicy"], When::Unit(owned)),
    call(
        "attach_role_policy",
        &["iam:AttachRolePolicy"],
        When::Unit(attaches_managed),
    ),
    call("detach_role_policy", &["iam:DetachRolePolicy"], When::Unit(owned)),
    call("delete_role", &["iam:DeleteRole"], When::Unit(owned)),
    call(
        "put_role_permissions_boundary",
        &["iam:PutRolePermissionsBoundary"],
        When::Unit(sets_boundary),
    ),
    // A boundary set by hand (drift) is removed, so the deployer may need this without one.
    call(
        "delete_role_permissions_boundary",
        &["iam:DeleteRolePermissionsBoundary"],
        When::Unit(owned),
    ),
    // `down` finds roles a cut-off rename left behind by the tool's description and the stack's
    // tag (ListRoles has no resource-level permission: Resource "*").
    call("list_roles", &["iam:ListRoles"], When::Unit(owned)),
    call("list_role_tags", &["iam:ListRoleTags"], When::Unit(owned)),
    // `diff` of an existing role (and `serve`): its attached policy documents.
    call("get_policy", &["iam:GetPolicy"], When::Unit(existing)),
    call(
        "get_policy_version",
        &["iam:GetPolicyVersion"],
        When::Unit(existing),
    ),
];

/// Whether the tool owns the role (not for `[role] arn`, which it never changes).
fn owned(desired: &Desired) -> bool {
    desired.role.existing.is_none()
}

/// Whether the role is an existing one (`[role] arn`): `diff` reads its attached policies.
fn existing(desired: &Desired) -> bool {
    desired.role.existing.is_some()
}

/// Whether the stack lists `managed_policies` (the only reason to attach one).
fn attaches_managed(desired: &Desired) -> bool {
    !desired.role.managed_policies.is_empty()
}

/// Whether the deployer sets a permissions boundary: the tool owns the role and the stack names one.
fn sets_boundary(desired: &Desired) -> bool {
    desired.role.existing.is_none() && desired.role.permissions_boundary.is_some()
}

/// The role's `AWS::IAM::Role` resource, tagged with `tags`.
pub fn cfn(role: &DesiredRole, tags: &BTreeMap<String, String>) -> Value {
    let mut trust = role.trust.clone();
    if role.restrict_source_account {
        // The account is the deploying one, whatever account the template is deployed into.
        trust = crate::policy::api_gateway_trust(None);
        trust["Statement"][0]["Condition"] =
            json!({"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}});
    }
    let mut properties = json!({
        "RoleName": role.name,
        "Description": crate::stack::rules::role_description(
            tags.get(crate::stack::rules::OWNER_TAG).map_or("", String::as_str)
        ),
        "AssumeRolePolicyDocument": trust,
        "Policies": [{"PolicyName": role.policy_name, "PolicyDocument": role.policy}],
        "Tags": tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
    });
    if !role.managed_policies.is_empty() {
        properties["ManagedPolicyArns"] = json!(role.managed_policies);
    }
    // AWS::IAM::Role's Path and PermissionsBoundary (CloudFormation user guide, "AWS::IAM::Role").
    if role.path != "/" {
        properties["Path"] = json!(role.path);
    }
    if let Some(boundary) = &role.permissions_boundary {
        properties["PermissionsBoundary"] = json!(boundary);
    }
    json!({"Type": "AWS::IAM::Role", "Properties": properties})
}

/// The role's ARN in `partition` and `account` (its path included), or the existing role's as
/// written: what the deployer's policy names.
pub fn arn_in(role: &DesiredRole, partition: &str, account: &str) -> String {
    if let Some(arn) = &role.existing {
        return arn.clone();
    }
    crate::arn::RoleArn::new(partition, account, &role.path, &role.name).to_string()
}

/// The ARNs IAM authorises calls on the role against ([`arn_in`]'s). A role under a path is named
/// by its path once it exists, but a call on a role that does not exist yet (the first GetRole)
/// is authorised against the ARN of its name alone. Role names are unique in an account whatever
/// the path ("IAM identifiers"), so both ARNs name the one role.
pub fn authorized_arns(role: &DesiredRole, partition: &str, account: &str) -> Vec<String> {
    let mut arns = vec![arn_in(role, partition, account)];
    if role.existing.is_none() && role.path != "/" {
        arns.push(crate::arn::RoleArn::new(partition, account, "/", &role.name).to_string());
    }
    arns
}

/// The deployer's statements for the stack's role, from `actions` (the `iam:` actions of the
/// rows the stack needs): the role's own actions on its ARNs ([`authorized_arns`]), its managed
/// policies only as listed (`iam:PolicyARN`), passing it to API Gateway only
/// (`iam:PassedToService`), and the IAM statements beyond it ([`beyond_the_role`]).
pub fn deployer_statements(desired: &Desired, at: &DeployerTarget<'_>, actions: &[&str]) -> Vec<Value> {
    let role = arn_in(&desired.role, at.partition, at.iam_account);
    let unscoped = ["iam:ListRoles", "iam:GetPolicy", "iam:GetPolicyVersion"];
    let plain: Vec<&str> = actions
        .iter()
        .copied()
        .filter(|a| *a != "iam:PassRole" && *a != "iam:AttachRolePolicy" && !unscoped.contains(a))
        .collect();
    // One ARN as a string, two (a role under a path) as a list.
    let resource = match authorized_arns(&desired.role, at.partition, at.iam_account).as_slice() {
        [one] => json!(one),
        several => json!(several),
    };
    let mut statements =
        vec![json!({"Sid": "StackRole", "Effect": "Allow", "Action": plain, "Resource": resource})];
    statements.extend(beyond_the_role(&desired.stack, at, actions));
    if actions.contains(&"iam:AttachRolePolicy") {
        // Only the managed policies the stack lists (iam:PolicyARN).
        statements.push(json!({
            "Sid": "StackRoleManagedPolicies",
            "Effect": "Allow",
            "Action": "iam:AttachRolePolicy",
            "Resource": role,
            "Condition": {"ArnEquals": {"iam:PolicyARN": desired.role.managed_policies.iter().collect::<Vec<_>>()}},
        }));
    }
    if actions.contains(&"iam:PassRole") {
        statements.push(json!({
            "Sid": "PassStackRoleToApiGateway",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role,
            "Condition": {"StringEquals": {"iam:PassedToService": policy::API_GATEWAY_PRINCIPAL}},
        }));
    }
    statements
}

/// The IAM statements beyond today's role: ListRoles (no resource-level permission), the
/// existing role's attached policies, and the roles a rename left behind, which only carry the
/// stack's tag (their names are no longer in the file).
fn beyond_the_role(stack: &str, at: &DeployerTarget<'_>, actions: &[&str]) -> Vec<Value> {
    let mut statements = Vec::new();
    if actions.contains(&"iam:ListRoles") {
        statements.push(json!({"Sid": "FindRolesLeftBehind", "Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}));
        statements.push(json!({
            "Sid": "DeleteRolesLeftBehind",
            "Effect": "Allow",
            "Action": ["iam:GetRole", "iam:ListRoleTags", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
                       "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRole"],
            "Resource": crate::arn::Arn::new(at.partition, "iam", "", at.iam_account, "role/*").to_string(),
            "Condition": {"StringEquals": {format!("iam:ResourceTag/{}", crate::stack::rules::OWNER_TAG): stack}},
        }));
    }
    if actions.contains(&"iam:GetPolicy") {
        statements.push(json!({
            "Sid": "ExistingRolePolicies",
            "Effect": "Allow",
            "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"],
            "Resource": crate::arn::Arn::new(at.partition, "iam", "", "*", "policy/*").to_string(),
        }));
    }
    statements
}

/// The role's resource for a template, or nothing for an existing role (`[role] arn`), which
/// the template does not own: the integrations only name its ARN ([`cfn_arn`]).
pub fn cfn_owned(role: &DesiredRole, tags: &BTreeMap<String, String>) -> Option<Value> {
    role.existing.is_none().then(|| cfn(role, tags))
}

/// The role's ARN as a template names it (an integration's credentials): an existing role's ARN
/// as written, else the `Arn` attribute of the role's resource of logical id `id`.
pub fn cfn_arn(role: &DesiredRole, id: &str) -> Value {
    role.existing
        .as_ref()
        .map_or_else(|| json!({"Fn::GetAtt": [id, "Arn"]}), |arn| json!(arn))
}

/// `[role]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DocRole {
    /// Role name.
    pub name: String,
    /// Its inline policy's name.
    pub policy_name: String,
    /// `actions`, when the policy is what they derive and not what the routes alone derive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    /// `policy`, the document as IAM returned it, when no derivation matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// `managed_policies`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policies: Vec<String>,
    /// `path`, when not `/`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `permissions_boundary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<String>,
    /// `restrict_source_account = true`, when the trust policy has the condition.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restrict_source_account: bool,
}

impl DocRole {
    /// The role's own keys as read (name, managed policies, path when not `/`, boundary); the
    /// policy keys are `import`'s to decide, from the routes.
    pub fn of(role: &LiveRole) -> Self {
        DocRole {
            name: role.name.clone(),
            managed_policies: role.attached.iter().cloned().collect(),
            path: (role.path != "/").then(|| role.path.clone()),
            permissions_boundary: role.permissions_boundary.clone(),
            ..DocRole::default()
        }
    }

    /// `--portable`: the policy document, the managed policies' and the boundary's ARNs through
    /// `vars` and `arn` (account and region as variables).
    pub fn make_portable(&mut self, vars: &dyn Fn(&str) -> String, arn: &dyn Fn(&mut String)) {
        if let Some(policy) = &mut self.policy {
            *policy = vars(policy);
        }
        self.managed_policies.iter_mut().for_each(arn);
        if let Some(b) = &mut self.permissions_boundary {
            arn(b);
        }
    }
}

/// Writes `[role]` for `import`.
pub fn write(out: &mut String, role: &DocRole) {
    let _ = writeln!(
        out,
        "\n[role]\nname = {}\npolicy_name = {}",
        quote(&role.name),
        quote(&role.policy_name)
    );
    match (&role.actions, &role.policy) {
        (Some(actions), _) => {
            let _ = writeln!(
                out,
                "# The inline policy is what these actions derive on the routes' machines.\nactions = {}",
                list(actions)
            );
        }
        (None, Some(policy)) => {
            let _ = writeln!(
                out,
                "# The inline policy is not one the tool derives from the routes, so it is written out.\npolicy = {}",
                quote(policy)
            );
        }
        (None, None) => {
            let _ = writeln!(
                out,
                "# The inline policy is the one derived from the routes (no `actions`)."
            );
        }
    }
    if !role.managed_policies.is_empty() {
        let _ = writeln!(out, "managed_policies = {}", list(&role.managed_policies));
    }
    if let Some(path) = &role.path {
        let _ = writeln!(out, "path = {}", quote(path));
    }
    if let Some(b) = &role.permissions_boundary {
        let _ = writeln!(out, "permissions_boundary = {}", quote(b));
    }
    if role.restrict_source_account {
        let _ = writeln!(out, "restrict_source_account = true");
    }
}

/// The role most Step Functions integrations assume (the first ARN on a tie); the routes that
/// assume another are skipped by the route pass. A role that does not exist blocks.
pub fn pick(
    integrations: &[LiveIntegration],
    roles: &BTreeMap<String, RoleState>,
    skipped: &mut Vec<Skipped>,
) -> Option<LiveRole> {
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for i in integrations {
        let step_functions = i
            .subtype
            .as_deref()
            .is_some_and(|s| s.starts_with(crate::domain::SUBTYPE_PREFIX));
        if let (true, Some(arn)) = (step_functions, i.credentials_arn.as_deref()) {
            *uses.entry(arn).or_default() += 1;
        }
    }
    let most = uses.values().copied().max()?;
    let arn = uses.iter().find(|(_, n)| **n == most).map(|(arn, _)| *arn)?;
    match roles.get(arn) {
        Some(RoleState::Present(role)) => Some(role.clone()),
        _ => {
            skipped.push(blocking(
                SkippedKind::Role,
                arn,
                "the integrations' role does not exist (GetRole: NoSuchEntity): `up` would create it".into(),
            ));
            None
        }
    }
}

/// `[role]`: the trust policy must be the tool's (optionally with the account condition), the
/// role must hold exactly one inline policy, written as the routes derive it, as `actions`, or
/// out in full.
pub fn doc(
    role: &LiveRole,
    account: &str,
    policy_texts: &BTreeMap<String, BTreeMap<String, String>>,
    routes: &[DocRoute],
    skipped: &mut Vec<Skipped>,
) -> DocRole {
    let restrict_source_account = trust(account, role, skipped);
    let (policy_name, doc) = match role.inline.iter().collect::<Vec<_>>().as_slice() {
        [(name, doc)] => ((*name).clone(), Some(*doc)),
        none_or_many => {
            skipped.push(blocking(
                SkippedKind::Role,
                &role.name,
                format!(
                    "{} inline policies ({}): the format holds exactly one, and `up` would {}",
                    none_or_many.len(),
                    none_or_many
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if none_or_many.is_empty() {
                        "add one"
                    } else {
                        "delete the others"
                    }
                ),
            ));
            (
                none_or_many
                    .first()
                    .map(|(n, _)| (*n).clone())
                    .unwrap_or_default(),
                None,
            )
        }
    };
    let (actions, policy) = match doc {
        Some(doc) => policy_form(policy_texts, role, &policy_name, doc, routes),
        None => (None, None),
    };
    DocRole {
        policy_name,
        actions,
        policy,
        restrict_source_account,
        ..DocRole::of(role)
    }
}

/// True for the trust policy with the `aws:SourceAccount` condition; the plain one is the
/// default; any other blocks (`up` would replace it with the tool's).
fn trust(account: &str, role: &LiveRole, skipped: &mut Vec<Skipped>) -> bool {
    let plain = policy::normalize(&policy::api_gateway_trust(None));
    let guarded = policy::normalize(&policy::api_gateway_trust(Some(account)));
    if role.trust == plain {
        return false;
    }
    if role.trust == guarded {
        return true;
    }
    skipped.push(blocking(
        SkippedKind::Role,
        &role.name,
        format!(
            "its trust policy is not the one the tool writes (apigateway.amazonaws.com may assume it, optionally only for account {}): {}",
            account, role.trust
        ),
    ));
    false
}

/// Nothing when the policy is what the routes derive, `actions` when it is what a list of
/// actions derives, else the document as IAM returned it.
fn policy_form(
    policy_texts: &BTreeMap<String, BTreeMap<String, String>>,
    role: &LiveRole,
    policy_name: &str,
    doc: &Value,
    routes: &[DocRoute],
) -> (Option<Vec<String>>, Option<String>) {
    let machines: Vec<(crate::domain::Action, crate::arn::StateMachineArn)> = routes
        .iter()
        .filter_map(|r| {
            crate::arn::parse_state_machine_arn(&r.state_machine)
                .ok()
                .map(|m| (r.action, m))
        })
        .collect();
    if policy::normalize(&least_privilege(&machines, None)) == *doc {
        return (None, None);
    }
    let actions = granted_actions(doc);
    let covers = routes
        .iter()
        .all(|r| actions.iter().any(|a| a == r.action.iam_action()));
    let known = actions
        .iter()
        .all(|a| crate::stack::validate::ROLE_ACTIONS.contains(&a.as_str()));
    if !actions.is_empty()
        && covers
        && known
        && policy::normalize(&least_privilege(&machines, Some(&actions))) == *doc
    {
        return (Some(actions), None);
    }
    let text = policy_texts
        .get(&role.name)
        .and_then(|t| t.get(policy_name))
        .cloned()
        .unwrap_or_else(|| doc.to_string());
    (None, Some(text))
}

/// The Step Functions actions an all-Allow policy grants, in the order they first appear.
fn granted_actions(doc: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in doc["Statement"].as_array().into_iter().flatten() {
        if s["Effect"] != "Allow" {
            return Vec::new();
        }
        for a in s["Action"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !a.starts_with("states:") || a.contains('*') {
                return Vec::new();
            }
            if !out.iter().any(|o| o == a) {
                out.push(a.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The onboarding stack with `lines` added to its `[role]` table.
    fn with_role_lines(lines: &str) -> crate::stack::Desired {
        let text = include_str!("../../../tests/fixtures/onboarding-existing-machine.toml").replace(
            "policy_name = \"InvokeUserOnboardingWorkflow\"",
            &format!("policy_name = \"InvokeUserOnboardingWorkflow\"\n{lines}"),
        );
        crate::stack::from_source(&text).desired.expect("valid")
    }

    /// PutRolePermissionsBoundary is the deployer's only when the tool owns the role and the stack
    /// names a boundary; DeleteRolePermissionsBoundary whenever it owns the role (drift repair).
    #[test]
    fn the_boundary_rows_are_needed_only_for_an_owned_role_with_a_boundary() {
        let row = |method: &str| {
            DEPLOYER_CALLS
                .iter()
                .find(|c| c.method == method)
                .copied()
                .expect(method)
        };
        let When::Unit(needs) = row("put_role_permissions_boundary").when else {
            panic!("put_role_permissions_boundary: not the unit's predicate")
        };
        let bounded =
            with_role_lines("permissions_boundary = \"arn:aws:iam::189107071895:policy/OrgBoundary\"");
        let existing = with_role_lines("arn = \"arn:aws:iam::189107071895:role/platform/apigw\"");
        assert!(needs(&bounded) && !needs(&with_role_lines("")) && !needs(&existing));
        // Removing a boundary set by hand (drift) is needed for any role the tool owns.
        let When::Unit(owned) = row("delete_role_permissions_boundary").when else {
            panic!("delete_role_permissions_boundary: not the unit's predicate")
        };
        assert!(owned(&with_role_lines("")) && owned(&bounded) && !owned(&existing));
    }

    /// `synth`'s own test checks the template's `Role` is this fragment.
    #[test]
    fn the_role_s_path_and_boundary_are_in_its_resource() {
        let boundary = "arn:aws:iam::189107071895:policy/OrgBoundary";
        let d = with_role_lines(&format!(
            "path = \"/service/\"\npermissions_boundary = \"{boundary}\""
        ));
        let role = &cfn(&d.role, &d.tags)["Properties"];
        assert_eq!(role["Path"], json!("/service/"));
        assert_eq!(role["PermissionsBoundary"], json!(boundary));
        let plain = with_role_lines("");
        assert!(cfn(&plain.role, &plain.tags)["Properties"].get("Path").is_none());
    }
}
