//! What the deployer (a person or a CI role) needs: the least-privilege IAM policy for `up`,
//! `diff` and `down` of one stack, derived from the stack alone (pure: no SDK, no network).
//!
//! The policy is built from [`sdk_calls`], the rows of every AWS SDK call the tool makes and the
//! IAM actions each one is authorised by: each unit lists its own calls' rows in its `emit.rs`
//! (`DEPLOYER_CALLS`, a [`crate::grant::SdkCall`] each), and [`SDK_CALLS`] holds the rest. A unit test scans `src/` for SDK calls and fails when
//! a call has no row (a new call without a policy entry) or a row has no call (an action the tool
//! no longer needs), so every action the policy lists is one the tool calls.
//!
//! Sources: "Actions, resources, and condition keys for Amazon API Gateway Management V2" (IAM
//! actions are HTTP verbs on resource paths, and CreateIntegration also checks `iam:PassRole`
//! with `iam:PassedToService`), "Actions, resources, and condition keys for AWS Identity and
//! Access Management" (`iam:PolicyARN` on AttachRolePolicy), the API Gateway developer guide's
//! "Configuring logging for an HTTP API" (the log-delivery permissions), the STS API reference
//! for GetCallerIdentity ("No permissions are required to perform this operation").

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::arn::Arn;
use crate::grant::call;
pub use crate::grant::{SdkCall, When};
use crate::resource::{api, authorizer, integration, role, route, stage, state_machine};
use crate::stack::Desired;

/// The SDK calls outside the units, with their IAM actions: the readers' (`live/`), `import`'s,
/// `invoke`'s and `serve`'s. Each unit lists its own calls' rows (`DEPLOYER_CALLS` in its
/// `emit.rs`); [`sdk_calls`] is all of them.
pub const SDK_CALLS: &[SdkCall] = &[
    // live/adopt.rs: `up --adopt` reads the untagged API of the stack's name.
    call("get_api", &["apigateway:GET"], When::Always),
    // live/import.rs: `import` looks for custom domains with mutual TLS that map the API.
    call("get_domain_names", &["apigateway:GET"], When::Importing),
    call("get_api_mappings", &["apigateway:GET"], When::Importing),
    call(
        "get_caller_identity",
        &["sts:GetCallerIdentity"],
        When::CallerAccount,
    ),
    // live/machines.rs: every route's machine is checked before any change.
    call(
        "describe_state_machine",
        &["states:DescribeStateMachine"],
        When::Always,
    ),
    call(
        "describe_state_machine_alias",
        &["states:DescribeStateMachineAlias"],
        When::Unit(route::emit::targets_alias),
    ),
    call(
        "list_state_machines",
        &["states:ListStateMachines"],
        When::Courtesy,
    ),
    // live/execution.rs: `invoke --follow` and `serve`, not the deployer.
    call("start_execution", &["states:StartExecution"], When::NotDeploying),
    call(
        "start_sync_execution",
        &["states:StartSyncExecution"],
        When::NotDeploying,
    ),
    call("stop_execution", &["states:StopExecution"], When::NotDeploying),
    call(
        "describe_execution",
        &["states:DescribeExecution"],
        When::NotDeploying,
    ),
];

/// Every SDK call in `src/` with its IAM actions: the units' rows and [`SDK_CALLS`].
pub fn sdk_calls() -> impl Iterator<Item = &'static SdkCall> {
    [
        SDK_CALLS,
        api::emit::DEPLOYER_CALLS,
        authorizer::emit::DEPLOYER_CALLS,
        integration::emit::DEPLOYER_CALLS,
        route::emit::DEPLOYER_CALLS,
        stage::emit::DEPLOYER_CALLS,
        role::emit::DEPLOYER_CALLS,
        state_machine::emit::DEPLOYER_CALLS,
    ]
    .into_iter()
    .flatten()
}

/// The service API Gateway assumes the stack's role as (`iam:PassedToService`).
pub use crate::policy::API_GATEWAY_PRINCIPAL as API_GATEWAY_SERVICE;

/// Where the policy's ARNs point; a value that could not be known offline is an IAM policy
/// variable, resolved by IAM for each request ("IAM policy elements: Variables and tags":
/// global condition keys can be used as variables), so the document attaches and works as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `aws`, `aws-cn`, ...
    pub partition: String,
    /// The region the stack's API lives in, or [`REGION_VARIABLE`].
    pub region: String,
    /// The account the stack deploys into, or [`ACCOUNT_VARIABLE`].
    pub account: String,
}

/// Written where the region could not be known: the region each request is made in
/// (`aws:RequestedRegion`), which is the stack's region when the deployer runs `up` there.
pub const REGION_VARIABLE: &str = "${aws:RequestedRegion}";
/// Written where the account could not be known: the account of the principal making the
/// request (`aws:PrincipalAccount`), which is the account `up` creates the stack in.
pub const ACCOUNT_VARIABLE: &str = "${aws:PrincipalAccount}";

impl Target {
    /// The target of `desired`: `region` when known (the command resolves it as `up` does), else the
    /// stack's; `account` as given, else the one account all the routes' machines name.
    /// Returns the target and one note per variable used, saying what would name it.
    pub fn of(desired: &Desired, region: Option<&str>, account: Option<&str>) -> (Target, Vec<String>) {
        let machines: Vec<crate::arn::StateMachineArn> = desired
            .routes
            .iter()
            .filter_map(|r| crate::arn::parse_state_machine_arn(&r.state_machine).ok())
            .collect();
        let mut notes = Vec::new();
        let region = match region.or(desired.region.as_deref()) {
            Some(r) => r.to_string(),
            None => {
                notes.push(format!(
                    "the stack names no region and none was given: the policy says `{REGION_VARIABLE}` \
                     (the region of each request) and the partition `{}`; pass --region REGION to name it",
                    machines.first().map_or("aws", |m| m.partition.as_str())
                ));
                REGION_VARIABLE.to_string()
            }
        };
        let accounts: BTreeSet<&str> = machines.iter().map(|m| m.account.as_str()).collect();
        let account = match (account, accounts.len()) {
            (Some(a), _) => a.to_string(),
            (None, 1) => accounts.iter().next().map_or(ACCOUNT_VARIABLE, |a| a).to_string(),
            (None, n) => {
                notes.push(format!(
                    "{}: the policy says `{ACCOUNT_VARIABLE}` (the account of whoever holds it) in \
                     Step Functions ARNs and `*` in IAM ARNs; pass --account ID to name the stack's account",
                    if n == 0 {
                        "no state machine ARN names the account".to_string()
                    } else {
                        format!("the state machines are in {n} accounts, so the stack's own is not known")
                    }
                ));
                ACCOUNT_VARIABLE.to_string()
            }
        };
        let partition = if region == REGION_VARIABLE {
            machines
                .first()
                .map_or("aws", |m| m.partition.as_str())
                .to_string()
        } else {
            crate::arn::Partition::of_or_aws(&region).id.to_string()
        };
        (
            Target {
                partition,
                region,
                account,
            },
            notes,
        )
    }

    /// The ARN of the stack's role (its path included), or the existing role's.
    pub fn role_arn(&self, desired: &Desired) -> String {
        role::emit::arn_in(&desired.role, &self.partition, self.iam_account())
    }

    /// The account in IAM ARNs: `*` where it is not known. IAM's own calls act only on the
    /// caller's account, so `*` grants no more than `${aws:PrincipalAccount}` would, and IAM policy
    /// validation (moto's, as the tests run it) refuses a variable in an IAM ARN's account field.
    pub fn iam_account(&self) -> &str {
        if self.account == ACCOUNT_VARIABLE {
            "*"
        } else {
            &self.account
        }
    }

    /// The target as the units' deployer statements take it.
    fn at(&self) -> crate::grant::DeployerTarget<'_> {
        crate::grant::DeployerTarget {
            partition: &self.partition,
            region: &self.region,
            account: &self.account,
            iam_account: self.iam_account(),
        }
    }

    /// API Gateway v2 resource ARNs: `arn:PARTITION:apigateway:REGION::/PATH`.
    fn apigateway(&self, path: &str) -> String {
        Arn::new(&self.partition, "apigateway", &self.region, "", path).to_string()
    }
}

/// What the stack's own state machines need, from the state machine unit: the actions of its
/// rows on the machines and their execution roles, in this target.
fn workflow_statements(desired: &Desired, target: &Target, statements: &mut Vec<Value>) {
    if desired.state_machines.is_empty() {
        return;
    }
    let actions: BTreeSet<&str> = sdk_calls()
        .filter(|c| matches!(c.when, When::StateMachines))
        .flat_map(|c| c.actions.iter().copied())
        .collect();
    statements.extend(state_machine::emit::deployer_statements(
        &desired.state_machines,
        &target.at(),
        &actions,
    ));
}

/// Whether the deployer of `desired` needs the actions of a row.
pub fn needed(desired: &Desired, when: When) -> bool {
    match when {
        When::Always => true,
        When::Unit(needs) => needs(desired),
        When::CallerAccount => desired.needs_account(),
        When::NotDeploying | When::Importing | When::Courtesy => false,
        When::StateMachines => !desired.state_machines.is_empty(),
    }
}

/// The IAM actions the deployer of `desired` needs, sorted.
pub fn actions(desired: &Desired) -> BTreeSet<&'static str> {
    sdk_calls()
        .filter(|c| needed(desired, c.when))
        .flat_map(|c| c.actions.iter().copied())
        .collect()
}

/// The least-privilege policy document for deploying `desired` to `target`: each action on
/// exactly the resources it acts on, in statements named by what they allow.
pub fn policy(desired: &Desired, target: &Target) -> Value {
    let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for action in actions(desired) {
        let service = action.split(':').next().unwrap_or_default();
        by_service.entry(service).or_default().push(action);
    }
    let mut statements = Vec::new();
    if let Some(actions) = by_service.get("apigateway") {
        // API ids are not known before CreateApi, so the account's APIs in the region: the
        // collection (GetApis, CreateApi), everything under it, and the tags of those resources.
        statements.push(json!({
            "Sid": "HttpApis",
            "Effect": "Allow",
            "Action": actions,
            "Resource": [target.apigateway("/apis"), target.apigateway("/apis/*"), target.apigateway("/tags/*")],
        }));
    }
    if let Some(actions) = by_service.get("iam") {
        statements.extend(role::emit::deployer_statements(desired, &target.at(), actions));
    }
    let route_states: Vec<&str> = by_service
        .get("states")
        .into_iter()
        .flatten()
        .copied()
        .filter(|a| {
            sdk_calls().any(|c| {
                !matches!(c.when, When::StateMachines) && needed(desired, c.when) && c.actions.contains(a)
            })
        })
        .collect();
    if !route_states.is_empty() {
        statements.push(route::emit::deployer_statement(
            &desired.routes,
            &target.at(),
            &route_states,
        ));
    }
    workflow_statements(desired, target, &mut statements);
    if let Some(actions) = by_service.get("sts") {
        statements
            .push(json!({"Sid": "CallerAccount", "Effect": "Allow", "Action": actions, "Resource": "*"}));
    }
    if let Some(actions) = by_service.get("logs") {
        // Log-delivery actions take no resource-level permissions ("Configuring logging for an
        // HTTP API" grants them on "*").
        statements
            .push(json!({"Sid": stage::emit::LOG_DELIVERY_SID, "Effect": "Allow", "Action": actions, "Resource": "*"}));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stack::load::parse;

    fn desired_of(source: &str) -> Desired {
        let (file, diags) = parse(source);
        assert!(diags.is_empty(), "{diags:?}");
        crate::stack::desired::desired(&file).unwrap()
    }

    fn onboarding() -> Desired {
        desired_of(include_str!("../tests/fixtures/onboarding-existing-machine.toml"))
    }

    /// The SDK client methods called in one file: `<client>.<method>(` where the client is one of
    /// the four the tool holds (`apigw`, `iam`, `sfn`, `sts`), across line breaks, comments
    /// skipped.
    fn sdk_calls_in(source: &str) -> Vec<String> {
        let code: String = source
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let call = regex_lite::Regex::new(r"\b(?:apigw|iam|sfn|sts)\s*\.\s*([a-z_]+)\s*\(").unwrap();
        call.captures_iter(&code)
            .map(|c| c[1].to_string())
            // Client plumbing, not AWS calls: `clients.sfn.clone()` hands the client to a task;
            // aws.rs builds the clients' configurations (`apigw.http_client(..)`, `apigw.build()`,
            // `sfn.config()` for a client in another region).
            .filter(|m| !["clone", "build", "http_client", "config"].contains(&m.as_str()))
            .collect()
    }

    /// Every SDK call in src/ has a row (a unit's or SDK_CALLS), and every row is a call the tool makes: a
    /// new call without a policy entry fails here, and so does an action nobody calls any more.
    #[test]
    fn every_sdk_call_in_src_has_a_policy_entry_and_every_entry_is_called() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        crate::resource::purity::rust_files(&src, &mut files);
        let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for file in &files {
            if file.ends_with("deployer.rs") {
                continue;
            }
            let text = std::fs::read_to_string(file).unwrap();
            for method in sdk_calls_in(&text) {
                found
                    .entry(method)
                    .or_default()
                    .push(file.strip_prefix(&src).unwrap().display().to_string());
            }
        }
        // The scan sees the calls it must: a broken scan cannot pass by finding nothing.
        for known in [
            "get_apis",
            "create_role",
            "describe_state_machine",
            "create_integration",
            "delete_role",
        ] {
            assert!(found.contains_key(known), "scan missed {known}: {found:?}");
        }
        let rows: BTreeSet<&str> = sdk_calls().map(|c| c.method).collect();
        let missing: Vec<_> = found.iter().filter(|(m, _)| !rows.contains(m.as_str())).collect();
        assert!(
            missing.is_empty(),
            "SDK calls without a row (add their IAM actions to the unit's DEPLOYER_CALLS or deployer::SDK_CALLS): {missing:?}"
        );
        let stale: Vec<_> = rows.iter().filter(|m| !found.contains_key(**m)).collect();
        assert!(
            stale.is_empty(),
            "rows (a unit's DEPLOYER_CALLS or deployer::SDK_CALLS) that nothing calls: {stale:?}"
        );
        // A unit's rows are its own calls: each is made by a file of the unit.
        for (unit, rows) in [
            ("api", api::emit::DEPLOYER_CALLS),
            ("authorizer", authorizer::emit::DEPLOYER_CALLS),
            ("integration", integration::emit::DEPLOYER_CALLS),
            ("route", route::emit::DEPLOYER_CALLS),
            ("stage", stage::emit::DEPLOYER_CALLS),
            ("role", role::emit::DEPLOYER_CALLS),
            ("state_machine", state_machine::emit::DEPLOYER_CALLS),
        ] {
            let folder = format!("resource/{unit}/");
            for row in rows {
                assert!(
                    found[row.method].iter().any(|f| f.starts_with(&folder)),
                    "{unit}'s DEPLOYER_CALLS lists {}, which only {:?} call",
                    row.method,
                    found[row.method]
                );
            }
        }
        // Invoke-only calls are made only by the execution module.
        for row in sdk_calls().filter(|c| matches!(c.when, When::NotDeploying)) {
            assert_eq!(found[row.method], ["live/execution.rs"], "{}", row.method);
        }
    }

    #[test]
    fn sdk_calls_are_found_across_lines_and_not_in_comments() {
        let text = "let r = clients\n    .iam\n    .create_role()\n;\n// clients.iam.delete_role()\nsfn.describe_state_machine().send();\nlet s = clients.sfn.clone();";
        assert_eq!(sdk_calls_in(text), ["create_role", "describe_state_machine"]);
    }

    #[test]
    fn onboarding_policy_is_exactly_what_up_diff_and_down_call() {
        let d = onboarding();
        let (target, notes) = Target::of(&d, None, None);
        assert!(notes.is_empty(), "{notes:?}");
        // The whole document, as `provision policy` prints it for this stack.
        let expected: Value =
            serde_json::from_str(include_str!("../tests/fixtures/deployer/onboarding-policy.json")).unwrap();
        assert_eq!(policy(&d, &target), expected);
    }

    #[test]
    fn attach_only_the_listed_managed_policies_and_log_delivery_only_when_the_stage_logs() {
        let plain = onboarding();
        let (target, _) = Target::of(&plain, None, None);
        let text = policy(&plain, &target).to_string();
        assert!(!text.contains("iam:AttachRolePolicy") && !text.contains("logs:") && !text.contains("sts:"));

        let secure = desired_of(include_str!("../stacks/onboarding-secure.toml"));
        let doc = policy(&secure, &Target::of(&secure, None, None).0);
        let statements = doc["Statement"].as_array().unwrap();
        let by_sid = |sid: &str| statements.iter().find(|s| s["Sid"] == sid).cloned();
        let attach = by_sid("StackRoleManagedPolicies").expect("attach statement");
        assert_eq!(attach["Action"], "iam:AttachRolePolicy");
        assert_eq!(
            attach["Condition"]["ArnEquals"]["iam:PolicyARN"],
            json!(["arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"])
        );
        let logs = by_sid(stage::emit::LOG_DELIVERY_SID).expect("log delivery statement");
        assert!(
            logs["Action"]
                .as_array()
                .unwrap()
                .contains(&json!("logs:CreateLogDelivery"))
        );
        assert_eq!(logs["Resource"], "*");
        // The role's own statement never grants attaching whatever policy.
        assert!(
            !by_sid("StackRole").unwrap()["Action"]
                .as_array()
                .unwrap()
                .contains(&json!("iam:AttachRolePolicy"))
        );
    }

    #[test]
    fn caller_identity_only_when_the_trust_policy_needs_the_account() {
        let mut d = onboarding();
        assert!(!actions(&d).contains("sts:GetCallerIdentity"));
        d.role.restrict_source_account = true;
        assert!(actions(&d).contains("sts:GetCallerIdentity"));
    }

    #[test]
    fn no_wildcard_actions_and_star_resources_only_where_aws_allows_nothing_narrower() {
        let secure = desired_of(include_str!("../stacks/onboarding-secure.toml"));
        let mut d = secure.clone();
        d.role.restrict_source_account = true;
        let doc = policy(&d, &Target::of(&d, None, None).0);
        for s in doc["Statement"].as_array().unwrap() {
            let actions: Vec<String> = match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                other => other
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
            };
            assert!(actions.iter().all(|a| !a.contains('*')), "{s}");
            if s["Resource"] == "*" {
                // ListRoles has no resource-level permission (IAM service authorization reference).
                assert!(
                    s["Sid"] == "CallerAccount"
                        || s["Sid"] == stage::emit::LOG_DELIVERY_SID
                        || s["Sid"] == "FindRolesLeftBehind",
                    "{s}"
                );
            }
        }
    }

    #[test]
    fn account_and_region_are_iam_policy_variables_when_they_cannot_be_known() {
        let source = include_str!("../tests/fixtures/onboarding-existing-machine.toml")
            .replace("region = \"ap-southeast-2\"\n", "")
            .replace(
                "parameters = { Input = \"$request.body.input\" }",
                "parameters = { Input = \"$request.body.input\" }\n\n[[route]]\nkey = \"POST /b\"\naction = \"StartExecution\"\nstate_machine = \"arn:aws:states:ap-southeast-2:111122223333:stateMachine:b\"",
            );
        let d = desired_of(&source);
        let (target, notes) = Target::of(&d, None, None);
        assert_eq!(
            (target.region.as_str(), target.account.as_str()),
            (REGION_VARIABLE, ACCOUNT_VARIABLE)
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[1].contains("2 accounts"), "{notes:?}");
        let (target, notes) = Target::of(&d, Some("cn-north-1"), Some("999988887777"));
        assert!(notes.is_empty());
        assert_eq!(
            target.role_arn(&d),
            "arn:aws-cn:iam::999988887777:role/user-onboarding-api-gateway-stepfunctions-role"
        );
        assert_eq!(
            target.apigateway("/apis"),
            "arn:aws-cn:apigateway:cn-north-1::/apis"
        );
    }

    /// Issue 20 item 1: a machine named without an ARN is resolved with the target, never left
    /// as a CloudFormation placeholder (`${AWS::...}`), which IAM refuses in a Resource.
    #[test]
    fn a_machine_named_without_an_arn_is_resolved_with_the_target_never_a_cloudformation_placeholder() {
        let source = include_str!("../tests/fixtures/onboarding-existing-machine.toml").replace(
            "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding",
            "user-onboarding",
        );
        let d = desired_of(&source);
        let by_sid = |doc: &Value, sid: &str| {
            doc["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["Sid"] == sid)
                .cloned()
                .unwrap()
        };
        let (target, notes) = Target::of(&d, None, Some("111122223333"));
        assert!(notes.is_empty(), "{notes:?}");
        let doc = policy(&d, &target);
        assert!(!doc.to_string().contains("${AWS::"), "{doc:#}");
        assert_eq!(
            by_sid(&doc, "StateMachines")["Resource"],
            json!(["arn:aws:states:ap-southeast-2:111122223333:stateMachine:user-onboarding"])
        );
        let (target, notes) = Target::of(&d, Some("cn-north-1"), None);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].contains("--account"), "{notes:?}");
        let doc = policy(&d, &target);
        assert!(!doc.to_string().contains("${AWS::"), "{doc:#}");
        assert_eq!(
            by_sid(&doc, "StateMachines")["Resource"],
            json!(["arn:aws-cn:states:cn-north-1:${aws:PrincipalAccount}:stateMachine:user-onboarding"])
        );
        assert_eq!(
            by_sid(&doc, "StackRole")["Resource"],
            "arn:aws-cn:iam::*:role/user-onboarding-api-gateway-stepfunctions-role"
        );
    }

    /// Issue 20 item 3: the partition follows botocore's partitions.json in every ARN.
    #[test]
    fn every_arn_follows_the_regions_partition() {
        let d = desired_of(include_str!("../tests/fixtures/onboarding-existing-machine.toml"));
        for (region, partition) in [
            ("eusc-de-east-1", "aws-eusc"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("us-gov-west-1", "aws-us-gov"),
        ] {
            let (target, _) = Target::of(&d, Some(region), Some("111122223333"));
            let doc = policy(&d, &target);
            let text = doc.to_string();
            for arn in text.split('"').filter(|t| t.starts_with("arn:")) {
                // The state machine ARN is the stack's, written for ap-southeast-2.
                if !arn.contains(":states:") {
                    assert!(arn.starts_with(&format!("arn:{partition}:")), "{region}: {arn}");
                }
            }
        }
    }
}
