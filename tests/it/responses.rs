//! A route's `response` ("Transforming API requests and responses"): written to the
//! integration's ResponseParameters, kept by a no-op `up`, updated and removed in place (checked
//! through a second client), served exactly by `provision serve`, and carried by `synth` and the
//! OpenAPI export.

use crate::support;
use crate::support::printed;

use std::collections::HashMap;

use aws_sdk_sfn::types::StateMachineType;
use serde_json::Value;
use support::World;
use support::{Serve, executions};

const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:resp-async";

fn stack(response: &str) -> String {
    format!(
        r#"[stack]
name = "resp"
region = "ap-southeast-2"
allow = ["no-authorization", "no-throttling"]

[api]
name = "resp-api"

[role]
name = "resp-role"
policy_name = "Invoke"

[[route]]
key = "POST /process-user-onboarding"
action = "StartExecution"
state_machine = "resp-async"
{response}
"#
    )
}

/// The live integration's ResponseParameters, read by the test's own client.
async fn live_response(world: &World, api: &str) -> HashMap<String, HashMap<String, String>> {
    let out = world
        .moto
        .apigw()
        .get_integrations()
        .api_id(api)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(out.items().len(), 1, "{out:?}");
    out.items()[0]
        .response_parameters()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, m)| !m.is_empty())
        .collect()
}

fn map(pairs: &[(&str, &[(&str, &str)])]) -> HashMap<String, HashMap<String, String>> {
    pairs
        .iter()
        .map(|(code, kv)| {
            (
                code.to_string(),
                kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn response_parameters_are_created_kept_updated_removed_and_served() {
    let world = World::start(&[]).await;
    // Executions run in moto's executing store, which the machine must be created in.
    world.moto.enable_execution();
    support::create_state_machine(&world.moto.sfn(), "resp-async", StateMachineType::Standard).await;
    let first = r#"response = { status = 202, headers = { Location = "$response.body.executionArn" }, "400" = { "overwrite:statuscode" = "422", "append:header.X-Request" = "$context.requestId" } }"#;
    let path = world.stack("resp.toml", &stack(first));
    let path = path.to_str().expect("path");
    world.ok(&["up", path]);
    let api = world.only_api_id("resp").await;
    assert_eq!(
        live_response(&world, &api).await,
        map(&[
            (
                "200",
                &[
                    ("overwrite:statuscode", "202"),
                    ("overwrite:header.Location", "$response.body.executionArn")
                ]
            ),
            (
                "400",
                &[
                    ("overwrite:statuscode", "422"),
                    ("append:header.X-Request", "$context.requestId")
                ]
            ),
        ])
    );

    // A second up changes nothing.
    world.proxy.clear();
    world.ok(&["up", path]);
    assert_eq!(world.proxy.mutating_calls(), Vec::new());

    // Through serve: 202 with the execution's ARN in Location, the body StartExecution's answer.
    let serve = Serve::start(&world.moto.url(), path, &[], &[]);
    let reply = serve.send(
        "POST",
        "/process-user-onboarding",
        &[],
        br#"{"input": {"userId": "u-1"}}"#,
    );
    assert_eq!(reply.status, 202, "{reply:?}\n{}", serve.log());
    let body: Value = serde_json::from_str(&reply.body).expect("JSON body");
    let arn = body["executionArn"].as_str().expect("executionArn");
    assert_eq!(reply.header("location"), Some(arn));
    let started = executions(&world.moto.sfn(), MACHINE).await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].execution_arn(), arn);
    // A 400 from Step Functions (a body that is not JSON input) is shaped by the "400" map.
    let refused = serve.send(
        "POST",
        "/process-user-onboarding",
        &[],
        br#"{"input": "not json {"}"#,
    );
    assert_eq!(refused.status, 422, "{refused:?}\n{}", serve.log());
    assert!(
        refused.header("x-request").is_some_and(|v| !v.is_empty()),
        "{refused:?}"
    );
    drop(serve);

    // A key of 200 goes, one is added, and the 400 map goes: diff names each, up updates in place.
    let second = r#"response = { status = 202, headers = { X-Execution = "$response.body.executionArn" } }"#;
    std::fs::write(path, stack(second)).expect("write");
    let diff = world.run(&["diff", path]);
    let shown = printed(&diff);
    for field in [
        "response_parameters.200.overwrite:header.Location",
        "response_parameters.200.overwrite:header.X-Execution",
        "response_parameters.400.overwrite:statuscode",
    ] {
        assert!(shown.contains(field), "{field} not in:\n{shown}");
    }
    world.proxy.clear();
    world.ok(&["up", path]);
    let ops = world.proxy.operations();
    assert!(
        ops.iter()
            .all(|o| o != "CreateIntegration" && o != "DeleteIntegration"),
        "{ops:?}"
    );
    assert!(ops.iter().any(|o| o == "UpdateIntegration"), "{ops:?}");
    assert_eq!(
        live_response(&world, &api).await,
        map(&[(
            "200",
            &[
                ("overwrite:statuscode", "202"),
                ("overwrite:header.X-Execution", "$response.body.executionArn")
            ]
        )])
    );
    let serve = Serve::start(&world.moto.url(), path, &[], &[]);
    let reply = serve.send("POST", "/process-user-onboarding", &[], br#"{"input": {}}"#);
    assert_eq!(reply.status, 202, "{reply:?}");
    assert!(reply.header("location").is_none(), "{reply:?}");
    assert!(
        reply
            .header("x-execution")
            .is_some_and(|v| v.contains(":execution:resp-async:"))
    );
    drop(serve);

    // No response at all: the live map is emptied, and the route answers the service's 200.
    std::fs::write(path, stack("")).expect("write");
    world.ok(&["up", path]);
    assert_eq!(live_response(&world, &api).await, HashMap::new());
    world.proxy.clear();
    world.ok(&["up", path]);
    assert_eq!(world.proxy.mutating_calls(), Vec::new());
}

#[tokio::test]
async fn synth_and_the_openapi_export_carry_the_response_parameters() {
    let world = World::start(&[]).await;
    let path = world.stack(
        "resp.toml",
        &stack(r#"response = { status = 202, headers = { Location = "$response.body.executionArn" } }"#),
    );
    let path = path.to_str().expect("path");
    let out = world.ok(&["synth", path]);
    let template: Value = serde_json::from_slice(&out.stdout).expect("template JSON");
    let integration = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .find(|r| r["Type"] == "AWS::ApiGatewayV2::Integration")
        .expect("an integration");
    let mut listed: Vec<Value> = integration["Properties"]["ResponseParameters"]["200"]["ResponseParameters"]
        .as_array()
        .expect("CloudFormation's list form")
        .clone();
    listed.sort_by_key(|v| v["Destination"].to_string());
    assert_eq!(
        listed,
        vec![
            serde_json::json!({"Destination": "overwrite:header.Location", "Source": "$response.body.executionArn"}),
            serde_json::json!({"Destination": "overwrite:statuscode", "Source": "202"}),
        ]
    );
    let out = world.ok(&["synth", path, "--format", "openapi", "--account", "189107071895"]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("OpenAPI JSON");
    let op = &doc["paths"]["/process-user-onboarding"]["post"];
    assert_eq!(
        op["x-amazon-apigateway-integration"]["responseParameters"]["200"]["overwrite:statuscode"],
        "202"
    );
    assert!(op["responses"]["202"]["headers"]["Location"].is_object(), "{op}");
    assert!(op["responses"].get("200").is_none(), "{op}");
}
