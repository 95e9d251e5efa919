//! The CloudFormation resources of the stack's state machines: `AWS::StepFunctions::StateMachine`
//! (its definition as written, with `DefinitionSubstitutions`), `AWS::StepFunctions::StateMachineVersion`
//! when it publishes, `AWS::StepFunctions::StateMachineAlias`, and the generated
//! `AWS::IAM::Role`; and the routes' `StateMachineArn` turned into references to them.
//! Property names from the CloudFormation user guide's pages of those resource types. Pure.

use serde_json::{Map, Value, json};

use super::spec::{
    AliasTarget, DesiredMachine, GeneratedRole, MachineRole, ROLE_DESCRIPTION, ROLE_POLICY_NAME,
};
use crate::grant::{DeployerTarget, SdkCall, When, call};

/// The deployer's rows for this unit's calls (its `read.rs` and `apply.rs`) on the machines the
/// stack owns, with the IAM actions each needs ("Actions, resources, and condition keys for AWS
/// Step Functions"; CreateStateMachine and UpdateStateMachine pass the execution role, and tags
/// on create are authorized by TagResource): its fragment of the policy `provision policy`
/// prints, assembled by [`crate::deployer`].
pub const DEPLOYER_CALLS: &[SdkCall] = &[
    call(
        "list_state_machines",
        &["states:ListStateMachines"],
        When::StateMachines,
    ),
    call(
        "validate_state_machine_definition",
        &["states:ValidateStateMachineDefinition"],
        When::StateMachines,
    ),
    call(
        "list_tags_for_resource",
        &["states:ListTagsForResource"],
        When::StateMachines,
    ),
    call(
        "list_state_machine_versions",
        &["states:ListStateMachineVersions"],
        When::StateMachines,
    ),
    call(
        "list_state_machine_aliases",
        &["states:ListStateMachineAliases"],
        When::StateMachines,
    ),
    call(
        "describe_state_machine_alias",
        &["states:DescribeStateMachineAlias"],
        When::StateMachines,
    ),
    call(
        "create_state_machine",
        &["states:CreateStateMachine", "states:TagResource", "iam:PassRole"],
        When::StateMachines,
    ),
    call(
        "update_state_machine",
        &["states:UpdateStateMachine", "iam:PassRole"],
        When::StateMachines,
    ),
    call(
        "publish_state_machine_version",
        &["states:PublishStateMachineVersion"],
        When::StateMachines,
    ),
    call("tag_resource", &["states:TagResource"], When::StateMachines),
    call("untag_resource", &["states:UntagResource"], When::StateMachines),
    call(
        "delete_state_machine",
        &["states:DeleteStateMachine"],
        When::StateMachines,
    ),
    call(
        "create_state_machine_alias",
        &["states:CreateStateMachineAlias"],
        When::StateMachines,
    ),
    call(
        "update_state_machine_alias",
        &["states:UpdateStateMachineAlias"],
        When::StateMachines,
    ),
    call(
        "delete_state_machine_alias",
        &["states:DeleteStateMachineAlias"],
        When::StateMachines,
    ),
    call(
        "delete_state_machine_version",
        &["states:DeleteStateMachineVersion"],
        When::StateMachines,
    ),
];

/// Logical ids of one machine's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The machine.
    pub machine: String,
    /// Its generated role, if any.
    pub role: Option<String>,
    /// Its version, when it publishes.
    pub version: Option<String>,
    /// Its alias, if any.
    pub alias: Option<String>,
}

/// The `states:` actions of owned machines that act on no particular machine.
const UNSCOPED_STATES: &[&str] = &[
    "states:ListStateMachines",
    "states:ValidateStateMachineDefinition",
];

/// The deployer's statements for the stack's own `machines`, from `actions` (those of the unit's
/// rows): the `states:` actions on the machines (their versions and aliases are `NAME:*`),
/// ListStateMachines on `*` (no resource-level permission), and the generated execution roles,
/// passed to Step Functions only.
pub fn deployer_statements(
    machines: &[DesiredMachine],
    target: &DeployerTarget<'_>,
    actions: &std::collections::BTreeSet<&str>,
) -> Vec<Value> {
    let mut statements = Vec::new();
    let states: std::collections::BTreeSet<&str> = actions
        .iter()
        .copied()
        .filter(|a| a.starts_with("states:") && !UNSCOPED_STATES.contains(a))
        // The reader describes each declared machine by its unqualified ARN (its
        // `describe_state_machine` row serves the routes' targets, which may be an alias).
        .chain(["states:DescribeStateMachine"])
        .collect();
    let machine = |name: &str| {
        crate::arn::Arn::new(
            target.partition,
            "states",
            target.region,
            target.account,
            &format!("stateMachine:{name}"),
        )
        .to_string()
    };
    let resources: Vec<String> = machines
        .iter()
        .flat_map(|m| [machine(&m.name), format!("{}:*", machine(&m.name))])
        .collect();
    statements.push(
        json!({"Sid": "OwnedStateMachines", "Effect": "Allow", "Action": states, "Resource": resources}),
    );
    // ListStateMachines and ValidateStateMachineDefinition take no resource-level permission.
    statements.push(
        json!({"Sid": "FindStateMachines", "Effect": "Allow", "Action": UNSCOPED_STATES, "Resource": "*"}),
    );
    let roles: Vec<String> = machines.iter().map(|m| role_arn_in(m, target)).collect();
    let generated: Vec<&String> = roles
        .iter()
        .zip(machines)
        .filter(|(_, m)| matches!(m.role, MachineRole::Generated(_)))
        .map(|(arn, _)| arn)
        .collect();
    if !generated.is_empty() {
        statements.push(json!({
            "Sid": "StateMachineRoles",
            "Effect": "Allow",
            "Action": ["iam:CreateRole", "iam:TagRole", "iam:GetRole", "iam:ListRolePolicies", "iam:GetRolePolicy",
                       "iam:ListAttachedRolePolicies", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy",
                       "iam:DeleteRolePolicy", "iam:DeleteRole"],
            "Resource": generated,
        }));
    }
    statements.push(json!({
        "Sid": "PassRolesToStepFunctions",
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": roles,
        "Condition": {"StringEquals": {"iam:PassedToService": "states.amazonaws.com"}},
    }));
    statements
}

/// The ARN of a machine's execution role in `target`: an existing one as written, a generated
/// one by its name (with the target's region for the region placeholder).
fn role_arn_in(machine: &DesiredMachine, target: &DeployerTarget<'_>) -> String {
    match &machine.role {
        MachineRole::Existing(arn) => arn.clone(),
        MachineRole::Generated(g) => crate::arn::RoleArn::new(
            target.partition,
            target.iam_account,
            "/",
            &super::spec::fit_role_name(
                &g.name
                    .replace(crate::stack::rules::REGION_PLACEHOLDER, target.region),
            ),
        )
        .to_string(),
    }
}

/// The logical ids of a machine (`StateMachine` + the name's letters and digits).
pub fn ids(machine: &DesiredMachine, pascal: &str) -> Ids {
    Ids {
        machine: format!("StateMachine{pascal}"),
        role: matches!(machine.role, MachineRole::Generated(_)).then(|| format!("StateMachineRole{pascal}")),
        version: machine.publish.then(|| format!("StateMachineVersion{pascal}")),
        alias: machine
            .alias
            .as_ref()
            .map(|_| format!("StateMachineAlias{pascal}")),
    }
}

/// The resources of one machine, by logical id.
pub fn resources(machine: &DesiredMachine, ids: &Ids) -> Map<String, Value> {
    let mut out = Map::new();
    let tags: Vec<Value> = machine
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    let role_arn = match (&machine.role, &ids.role) {
        (MachineRole::Generated(g), Some(id)) => {
            let mut role = json!({
                "RoleName": g.name,
                "Description": ROLE_DESCRIPTION,
                "AssumeRolePolicyDocument": g.trust,
                "Tags": tags,
            });
            // `Policies` is optional on AWS::IAM::Role: a machine that needs no permission gets
            // a role without it, as `up` makes it.
            if let Some(policy) = &g.policy {
                let document = names_resolved(&function_names_resolved(&queue_urls_split(policy), ids), ids);
                role["Policies"] = json!([{"PolicyName": ROLE_POLICY_NAME, "PolicyDocument": document}]);
            }
            out.insert(id.clone(), json!({"Type": "AWS::IAM::Role", "Properties": role}));
            json!({"Fn::GetAtt": [id, "Arn"]})
        }
        (role, _) => json!(role.arn()),
    };
    let mut properties = json!({
        "StateMachineName": machine.name,
        "StateMachineType": machine.kind.as_str(),
        "Definition": machine.template,
        "RoleArn": role_arn,
        "Tags": tags,
    });
    if !machine.substitutions.is_empty() {
        properties["DefinitionSubstitutions"] = json!(machine.substitutions);
    }
    if machine.logging.level != "OFF" {
        let mut logging = json!({
            "Level": machine.logging.level,
            "IncludeExecutionData": machine.logging.include_execution_data,
        });
        if let Some(group) = &machine.logging.log_group {
            logging["Destinations"] = json!([{"CloudWatchLogsLogGroup": {"LogGroupArn": group}}]);
        }
        properties["LoggingConfiguration"] = logging;
    }
    if machine.tracing {
        properties["TracingConfiguration"] = json!({"Enabled": true});
    }
    out.insert(
        ids.machine.clone(),
        json!({"Type": "AWS::StepFunctions::StateMachine", "Properties": properties}),
    );
    if let Some(version) = &ids.version {
        // A new revision id on every change publishes a new version.
        out.insert(
            version.clone(),
            json!({"Type": "AWS::StepFunctions::StateMachineVersion", "Properties": {
                "StateMachineArn": {"Ref": ids.machine},
                "StateMachineRevisionId": {"Fn::GetAtt": [ids.machine, "StateMachineRevisionId"]},
            }}),
        );
    }
    if let (Some(alias), Some(id)) = (&machine.alias, &ids.alias) {
        let routing: Vec<Value> = match (&alias.target, &ids.version) {
            (AliasTarget::Latest, Some(version)) => vec![json!({"StateMachineVersionArn": {"Ref": version}, "Weight": 100})],
            (AliasTarget::Latest, None) => Vec::new(),
            (AliasTarget::Versions(v), _) => v
                .iter()
                .map(|(n, w)| {
                    json!({"StateMachineVersionArn": {"Fn::Join": [":", [{"Ref": ids.machine}, n.to_string()]]}, "Weight": w})
                })
                .collect(),
        };
        out.insert(
            id.clone(),
            json!({"Type": "AWS::StepFunctions::StateMachineAlias", "Properties": {
                "Name": alias.name,
                "RoutingConfiguration": routing,
            }}),
        );
    }
    out
}

/// What the policy derivation makes of a queue URL that is a stack variable as a whole
/// (`QueueUrl = "${WelcomeQueueUrl}"` with `WelcomeQueueUrl = "${var.welcome_queue_url}"`): in
/// `synth` the variable is a template parameter, unknown until deployed, so the derivation can
/// only put it where the queue's name goes.
const QUEUE_OF_WHOLE_URL: &str = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${var.";

/// The policy with every queue ARN made from a variable URL built from that URL's parts when
/// the stack is deployed, as `up` builds it from the value (`https://sqs.REGION.amazonaws.com/
/// ACCOUNT/NAME`, SQS developer guide, "Queue and message identifiers"): region, account and
/// name are selected from the parameter split at `/` and `.` (`Fn::Split`, `Fn::Select`).
fn queue_urls_split(policy: &Value) -> Value {
    match policy {
        Value::String(s) => match s
            .strip_prefix(QUEUE_OF_WHOLE_URL)
            .and_then(|r| r.strip_suffix('}'))
        {
            Some(name) if !name.contains(['$', '{', '}']) => {
                let url = format!("${{var.{name}}}");
                let part = |i: usize| json!({"Fn::Select": [i, {"Fn::Split": ["/", url]}]});
                json!({"Fn::Join": ["", [
                    "arn:${AWS::Partition}:sqs:",
                    {"Fn::Select": [1, {"Fn::Split": [".", part(2)]}]},
                    ":",
                    part(3),
                    ":",
                    part(4),
                ]]})
            }
            _ => policy.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(queue_urls_split).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), queue_urls_split(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What the policy derivation makes of a Lambda `FunctionName` that is a stack variable as a
/// whole (`FunctionName = "${Notify}"` with `Notify = "${var.notify}"`): in `synth` the value is
/// a template parameter, so the derivation takes it for a name, where Invoke also takes a
/// partial ARN or an ARN, each optionally qualified ([`crate::arn::FunctionArn::from_function_name`]).
const FUNCTION_OF_WHOLE_NAME: &str =
    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${var.";

/// The stack variables that are a whole `FunctionName` in `policy`, each once, in order.
fn function_variables(policy: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                let name = s
                    .strip_prefix(FUNCTION_OF_WHOLE_NAME)
                    .and_then(|r| r.strip_suffix('}').or_else(|| r.strip_suffix("}:*")));
                if let Some(name) = name.filter(|n| !n.contains(['$', '{', '}', ':']))
                    && !out.iter().any(|o| o == name)
                {
                    out.push(name.to_string());
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(policy, &mut out);
    out
}

/// Resources the derivation names from a value that may be a name or an ARN, as (service,
/// resource type prefix, label of the conditions): DynamoDB's `TableName` ("The name of the
/// table ... You can also provide the Amazon Resource Name (ARN) of the table in this
/// parameter", DynamoDB API reference, PutItem) and EventBridge's `EventBusName` ("The name or
/// ARN of the event bus", EventBridge API reference, PutEventsRequestEntry). A stack variable as
/// a whole there is, in `synth`, put where the name goes.
const NAME_OR_ARN: &[(&str, &str, &str)] = &[
    ("dynamodb", "table/", "Table"),
    ("events", "event-bus/", "EventBus"),
];

/// What the derivation writes for a whole variable in the `kind`th of [`NAME_OR_ARN`], up to
/// the variable's name.
fn named_prefix(kind: usize) -> String {
    let (service, resource, _) = NAME_OR_ARN[kind];
    format!("arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}${{var.")
}

/// The (kind, variable) of each whole variable in a [`NAME_OR_ARN`] resource of `policy`, each
/// once, in order.
fn named_variables(policy: &Value) -> Vec<(usize, String)> {
    fn walk(v: &Value, out: &mut Vec<(usize, String)>) {
        match v {
            Value::String(s) => {
                for kind in 0..NAME_OR_ARN.len() {
                    let name = s
                        .strip_prefix(&named_prefix(kind))
                        .and_then(|r| r.strip_suffix('}'));
                    if let Some(name) = name.filter(|n| !n.contains(['$', '{', '}', ':']))
                        && !out.iter().any(|(k, o)| *k == kind && o == name)
                    {
                        out.push((kind, name.to_string()));
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            Value::Object(map) => map.values().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(policy, &mut out);
    out
}

/// The logical id of the condition that the `n`th name-or-ARN variable of a machine is an ARN.
fn named_condition(ids: &Ids, kind: usize, n: usize) -> String {
    format!("{}{}{}IsArn", ids.machine, NAME_OR_ARN[kind].2, n + 1)
}

/// The policy with each resource made from a whole variable of [`NAME_OR_ARN`] chosen when the
/// stack is deployed, as `up` chooses from the value: an ARN (`arn:...`) as it is, a name in the
/// stack's partition, region and account.
fn names_resolved(policy: &Value, ids: &Ids) -> Value {
    fn walk(v: &Value, names: &[(usize, String)], ids: &Ids) -> Value {
        match v {
            Value::String(s) => names
                .iter()
                .enumerate()
                .find(|(_, (kind, name))| *s == format!("{}{name}}}", named_prefix(*kind)))
                .map_or_else(
                    || v.clone(),
                    |(n, (kind, name))| {
                        json!({"Fn::If": [named_condition(ids, *kind, n), format!("${{var.{name}}}"), s]})
                    },
                ),
            Value::Array(items) => Value::Array(items.iter().map(|i| walk(i, names, ids)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, i)| (k.clone(), walk(i, names, ids))).collect()),
            other => other.clone(),
        }
    }
    walk(policy, &named_variables(policy), ids)
}

/// The logical ids of the three conditions that read the form of the `n`th function variable of
/// a machine: an ARN, a partial ARN, and no qualifier.
fn function_conditions(ids: &Ids, n: usize) -> [String; 3] {
    let base = format!("{}Function{}", ids.machine, n + 1);
    [
        format!("{base}IsArn"),
        format!("{base}IsPartialArn"),
        format!("{base}IsUnqualified"),
    ]
}

/// The variable's value split at `:`, padded with seven empty fields so that `Fn::Select`
/// finds a field 0-7 in every form (a qualified ARN has eight).
fn padded_fields(name: &str) -> Value {
    json!({"Fn::Split": [":", {"Fn::Join": [":", [format!("${{var.{name}}}"), "", "", "", "", "", "", ""]]}]})
}

/// The template's conditions for the machine's generated role: for each variable that is a
/// whole `FunctionName`, whether its value is an ARN (`arn:...`), a partial ARN
/// (`ACCOUNT:function:NAME`) and unqualified, read from the value's fields at `:` (Lambda API
/// reference, Invoke, `FunctionName` "Name formats"); for each that is a whole table or event
/// bus name ([`NAME_OR_ARN`]), whether it is an ARN.
///
/// Inside `Fn::Equals` these use `Fn::Select`, `Fn::Split` and `Fn::Join`: the CloudFormation
/// Template Reference ("Condition functions") lists only `Fn::FindInMap`, `Ref` and other
/// condition functions there, while cfn-lint, AWS's own template linter, allows `Ref`,
/// `Fn::FindInMap`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::Length` and
/// `Fn::ToJsonString` (its `schemas/other/functions/equals.json`), and the CI runs it on these
/// templates. Not confirmed with a deploy to CloudFormation itself.
pub fn conditions(machine: &DesiredMachine, ids: &Ids) -> Map<String, Value> {
    let MachineRole::Generated(GeneratedRole {
        policy: Some(policy), ..
    }) = &machine.role
    else {
        return Map::new();
    };
    let mut out = Map::new();
    for (n, name) in function_variables(policy).iter().enumerate() {
        let [arn, partial, unqualified] = function_conditions(ids, n);
        let field = |i: usize| json!({"Fn::Select": [i, padded_fields(name)]});
        out.insert(arn.clone(), json!({"Fn::Equals": [field(0), "arn"]}));
        out.insert(partial.clone(), json!({"Fn::Equals": [field(1), "function"]}));
        out.insert(
            unqualified,
            json!({"Fn::Or": [
                {"Fn::And": [{"Condition": arn}, {"Fn::Equals": [field(7), ""]}]},
                {"Fn::And": [{"Condition": partial}, {"Fn::Equals": [field(3), ""]}]},
                {"Fn::Equals": [field(1), ""]},
            ]}),
        );
    }
    for (n, (kind, name)) in named_variables(policy).iter().enumerate() {
        let first = json!({"Fn::Select": [0, {"Fn::Split": [":", format!("${{var.{name}}}")]}]});
        out.insert(
            named_condition(ids, *kind, n),
            json!({"Fn::Equals": [first, "arn"]}),
        );
    }
    out
}

/// The policy with each function ARN made from a whole-variable `FunctionName` chosen by the
/// value's form when the stack is deployed, as `up` makes it from the value: the ARN as it is, a
/// partial ARN in the stack's partition and region, a name in the stack's account too; and
/// its versions and aliases (`:*`) only when unqualified (`AWS::NoValue` drops the entry).
fn function_names_resolved(policy: &Value, ids: &Ids) -> Value {
    let names = function_variables(policy);
    resolve_functions(policy, &names, ids)
}

fn resolve_functions(v: &Value, names: &[String], ids: &Ids) -> Value {
    match v {
        Value::String(s) => {
            let Some(rest) = s.strip_prefix(FUNCTION_OF_WHOLE_NAME) else {
                return v.clone();
            };
            let (name, all) = match rest.strip_suffix("}:*") {
                Some(name) => (name, true),
                None => (rest.strip_suffix('}').unwrap_or(rest), false),
            };
            let Some(n) = names.iter().position(|x| x == name) else {
                return v.clone();
            };
            let [arn, partial, unqualified] = function_conditions(ids, n);
            let value = format!("${{var.{name}}}");
            let function = json!({"Fn::If": [arn, value, {"Fn::If": [partial,
                format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:{value}"),
                format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{value}"),
            ]}]});
            match all {
                false => function,
                true => {
                    json!({"Fn::If": [unqualified, {"Fn::Join": ["", [function, ":*"]]}, {"Ref": "AWS::NoValue"}]})
                }
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| resolve_functions(i, names, ids)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, i)| (k.clone(), resolve_functions(i, names, ids)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The value a route's `StateMachineArn` takes for a machine of the stack: a reference to the
/// alias (`Ref` of a StateMachineAlias is its ARN) or to the machine (`Ref` is its ARN).
pub fn reference(machine: &DesiredMachine, ids: &Ids, arn: &str) -> Option<Value> {
    if arn == machine.arn() {
        return Some(json!({"Ref": ids.machine}));
    }
    let alias = machine.alias.as_ref()?;
    let id = ids.alias.as_ref()?;
    (arn == format!("{}:{}", machine.arn(), alias.name)).then(|| json!({"Ref": id}))
}
