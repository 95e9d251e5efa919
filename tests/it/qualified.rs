//! Version and alias ARNs against a real moto server: `up` accepts them, the live type check
//! describes the machine behind them, and the inline policy read back through a second client
//! (IAM GetRolePolicy) grants on the unqualified machine ARN, scoped with
//! `states:StateMachineQualifier`, and the execution actions on `execution:MACHINE:*` (Step
//! Functions guide, "Authorization for versions and aliases").

use crate::support;

use aws_sdk_sfn::types::{RoutingConfigurationListItem, StateMachineType};
use serde_json::{Value, json};
use support::World;

const ROLE: &str = "orders-api-role";
const POLICY: &str = "StartOrders";

/// A machine `orders` with version 1 published and an alias `PROD` on it: (machine, version,
/// alias) ARNs.
async fn versioned_machine(world: &World) -> (String, String, String) {
    let sfn = world.moto.sfn();
    let definition = r#"{"StartAt":"Done","States":{"Done":{"Type":"Pass","End":true}}}"#;
    let created = sfn
        .create_state_machine()
        .name("orders")
        .definition(definition)
        .role_arn(support::SFN_ROLE_ARN)
        .r#type(StateMachineType::Standard)
        .publish(true)
        .send()
        .await
        .expect("CreateStateMachine with publish");
    let version = created
        .state_machine_version_arn()
        .expect("a published version")
        .to_string();
    let routing = RoutingConfigurationListItem::builder()
        .state_machine_version_arn(&version)
        .weight(100)
        .build()
        .expect("routing");
    let alias = sfn
        .create_state_machine_alias()
        .name("PROD")
        .routing_configuration(routing)
        .send()
        .await
        .expect("CreateStateMachineAlias")
        .state_machine_alias_arn
        .clone();
    (created.state_machine_arn, version, alias)
}

fn stack(routes: &str, actions: &str) -> String {
    format!(
        "[stack]\nname = \"orders\"\nregion = \"ap-southeast-2\"\n[api]\nname = \"orders-api\"\n\
         [role]\nname = \"{ROLE}\"\npolicy_name = \"{POLICY}\"\n{actions}\n{routes}\n\
         [stage]\nthrottling_burst_limit = 20\nthrottling_rate_limit = 10.0\n"
    )
}

async fn policy(world: &World) -> Value {
    let out = world
        .moto
        .iam()
        .get_role_policy()
        .role_name(ROLE)
        .policy_name(POLICY)
        .send()
        .await
        .expect("GetRolePolicy");
    support::decode_policy(out.policy_document())
}

/// (Action, Resource, Condition) of each statement, sorted, with string-or-list fields as lists.
fn statements(policy: &Value) -> Vec<(Value, Value, Value)> {
    let list = |v: &Value| match v {
        Value::Array(_) => v.clone(),
        Value::Null => Value::Null,
        other => json!([other]),
    };
    let mut out: Vec<(Value, Value, Value)> = policy["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .map(|s| (list(&s["Action"]), list(&s["Resource"]), s["Condition"].clone()))
        .collect();
    out.sort_by_key(|s| format!("{s:?}"));
    out
}

#[tokio::test]
async fn an_alias_arn_is_deployed_with_a_qualifier_scoped_policy() {
    let world = World::start(&[]).await;
    let (machine, version, alias) = versioned_machine(&world).await;
    assert_eq!(alias, format!("{machine}:PROD"));
    assert_eq!(version, format!("{machine}:1"));
    let routes = format!(
        "[[route]]\nkey = \"POST /orders/{{id}}\"\naction = \"StartExecution\"\nstate_machine = \"{alias}\"\n\
         authorization = \"AWS_IAM\"\n\
         parameters = {{ Input = \"${{request.body.input}}\", Name = \"order-${{request.path.id}}-${{context.requestId}}\" }}\n"
    );
    let file = world.stack("orders.toml", &stack(&routes, ""));
    let path = file.to_str().expect("utf-8 path");
    let out = world.ok(&["up", path]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("does not exist"), "{stderr}");

    // The integration carries the alias ARN and the composed Name unchanged.
    let api = world.only_api_id("orders").await;
    let integrations = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(&api)
        .send()
        .await
        .expect("GetIntegrations");
    let parameters = integrations.items()[0]
        .request_parameters()
        .expect("request parameters");
    assert_eq!(parameters.get("StateMachineArn"), Some(&alias));
    assert_eq!(
        parameters.get("Name").map(String::as_str),
        Some("order-${request.path.id}-${context.requestId}")
    );

    assert_eq!(
        statements(&policy(&world).await),
        vec![(
            json!(["states:StartExecution"]),
            json!([machine]),
            json!({"StringEquals": {"states:StateMachineQualifier": ["PROD"]}}),
        )]
    );
    // A second up changes nothing: the qualified ARN and the condition compare equal.
    world.proxy.clear();
    world.ok(&["up", path]);
    assert_eq!(world.proxy.mutating_calls(), vec![]);
}

#[tokio::test]
async fn a_version_arn_and_execution_actions_grant_on_machine_and_executions() {
    let world = World::start(&[]).await;
    let (machine, version, _) = versioned_machine(&world).await;
    let routes = format!(
        "[[route]]\nkey = \"POST /orders\"\naction = \"StartExecution\"\nstate_machine = \"{version}\"\n\
         authorization = \"AWS_IAM\"\n\
         [[route]]\nkey = \"DELETE /orders\"\naction = \"StopExecution\"\nstate_machine = \"{machine}\"\n\
         authorization = \"AWS_IAM\"\nparameters = {{ ExecutionArn = \"$request.querystring.executionArn\" }}\n"
    );
    let actions = "actions = [\"states:StartExecution\", \"states:StopExecution\", \"states:DescribeExecution\", \"states:GetExecutionHistory\"]";
    let file = world.stack("orders.toml", &stack(&routes, actions));
    world.ok(&["up", file.to_str().expect("utf-8 path")]);
    let executions = "arn:aws:states:ap-southeast-2:189107071895:execution:orders:*";
    assert_eq!(
        statements(&policy(&world).await),
        vec![
            (
                json!([
                    "states:DescribeExecution",
                    "states:GetExecutionHistory",
                    "states:StopExecution"
                ]),
                json!([executions]),
                Value::Null,
            ),
            // Listed actions apply to every route's machine: the StopExecution route names the
            // machine unqualified, so the start grant on it cannot be scoped to version 1.
            (json!(["states:StartExecution"]), json!([machine]), Value::Null,),
        ],
        "{:#}",
        policy(&world).await
    );
}

#[tokio::test]
async fn a_missing_alias_is_refused_before_any_change() {
    let world = World::start(&[]).await;
    let (machine, _, _) = versioned_machine(&world).await;
    let routes = format!(
        "[[route]]\nkey = \"POST /orders\"\naction = \"StartExecution\"\nstate_machine = \"{machine}:BETA\"\n\
         authorization = \"AWS_IAM\"\n"
    );
    let file = world.stack("orders.toml", &stack(&routes, ""));
    let out = world.run(&["up", file.to_str().expect("utf-8 path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(":BETA does not exist"), "{stderr}");
    assert_eq!(world.proxy.mutating_calls(), vec![]);
}
