//! One stack file, two environments: the same file deployed with `--var` to two moto servers
//! with different account ids (`MOTO_ACCOUNT_ID`) and regions. The route names its state machine
//! without an ARN, so each deployment resolves it in its own account (STS GetCallerIdentity) and
//! region; names, tags and the throttling rate come from variables. Each is checked through a
//! second client (the integration's `StateMachineArn`, the role policy's resource, the names and
//! tags, the stage's limits), then a `diff` in each must find nothing to change.

use crate::support;

use aws_sdk_sfn::types::StateMachineType;
use serde_json::json;
use support::Moto;

/// The one stack file: everything environment-specific is a variable or is resolved.
const STACK: &str = r#"
[vars]
env = { description = "The environment: dev, prod, ..." }
region = "ap-southeast-2"
rate = 5

[stack]
name = "onboarding-${var.env}"
region = "${var.region}"

[api]
name = "onboarding-${var.env}-api"

[role]
name = "onboarding-${var.env}-apigw-role"
policy_name = "InvokeOnboarding"

[[route]]
key = "POST /new-user"
action = "StartExecution"
state_machine = "user-onboarding"
authorization = "AWS_IAM"

[stage]
throttling_burst_limit = 10
throttling_rate_limit = "${var.rate}"

[tags]
environment = "${var.env}"
"#;

struct Environment {
    env: &'static str,
    account: &'static str,
    region: &'static str,
    /// `--var` arguments beyond `env`.
    vars: &'static [&'static str],
    rate: f64,
}

const DEV: Environment = Environment {
    env: "dev",
    account: support::ACCOUNT_ID,
    region: "ap-southeast-2",
    vars: &[],
    rate: 5.0,
};

const PROD: Environment = Environment {
    env: "prod",
    account: "222233334444",
    region: "us-east-1",
    vars: &["--var", "region=us-east-1", "--var", "rate=50"],
    rate: 50.0,
};

fn run(moto: &Moto, file: &std::path::Path, e: &Environment, command: &[&str]) -> std::process::Output {
    let env_var = format!("env={}", e.env);
    let mut args: Vec<&str> = command.to_vec();
    args.push(file.to_str().expect("utf-8 path"));
    args.extend(["--var", &env_var]);
    args.extend(e.vars);
    support::provision(&moto.url())
        .args(&args)
        .output()
        .expect("run provision")
}

async fn deploy_and_check(moto: &Moto, file: &std::path::Path, e: &Environment) {
    let machine = support::create_state_machine(
        &moto.sfn_in(e.region),
        "user-onboarding",
        StateMachineType::Standard,
    )
    .await;
    let expected = format!(
        "arn:aws:states:{}:{}:stateMachine:user-onboarding",
        e.region, e.account
    );
    assert_eq!(
        machine, expected,
        "moto names the machine in its own account and region"
    );

    let out = run(moto, file, e, &["diff", "--exit-code"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(2),
        "diff before up ({}):\n{stdout}",
        e.env
    );
    assert!(
        stdout.contains(&expected),
        "diff shows the resolved ARN:\n{stdout}"
    );

    let out = run(moto, file, e, &["up", "--output", "json"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(0), "up ({}):\n{stdout}\n{stderr}", e.env);
    // up's report lists the changes it applied, with the resolved ARN.
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("up --output json");
    assert!(
        report["changes"].to_string().contains(&expected),
        "up shows the resolved ARN: {report}"
    );
    assert!(
        !stdout.contains("${AWS::"),
        "no placeholder reaches AWS: {stdout}"
    );

    // A second client: the API, its tags, the integration and the stage, in the region.
    let apigw = moto.apigw_in(e.region);
    let apis = apigw.get_apis().send().await.expect("GetApis");
    let api = apis
        .items()
        .iter()
        .find(|a| a.name() == Some(format!("onboarding-{}-api", e.env).as_str()))
        .unwrap_or_else(|| panic!("API onboarding-{}-api in {}: {:?}", e.env, e.region, apis.items()));
    let tags = api.tags().expect("tags");
    assert_eq!(tags.get("environment").map(String::as_str), Some(e.env));
    assert_eq!(
        tags.get("provision:stack").map(String::as_str),
        Some(format!("onboarding-{}", e.env).as_str())
    );
    let api_id = api.api_id().expect("api id");
    let integrations = apigw
        .get_integrations()
        .api_id(api_id)
        .send()
        .await
        .expect("GetIntegrations");
    let parameters = integrations.items()[0].request_parameters().expect("parameters");
    assert_eq!(parameters.get("StateMachineArn"), Some(&expected));
    assert!(
        !parameters.contains_key("Region"),
        "the machine is in the API's region: {parameters:?}"
    );
    let stages = apigw.get_stages().api_id(api_id).send().await.expect("GetStages");
    let settings = stages.items()[0]
        .default_route_settings()
        .expect("route settings");
    assert_eq!(settings.throttling_rate_limit(), Some(e.rate));
    assert_eq!(settings.throttling_burst_limit(), Some(10));

    // The policy grants on the resolved ARN only.
    let role = format!("onboarding-{}-apigw-role", e.env);
    support::owned_role(&moto.iam(), &role, &format!("onboarding-{}", e.env)).await;
    let policy = moto
        .iam()
        .get_role_policy()
        .role_name(&role)
        .policy_name("InvokeOnboarding")
        .send()
        .await
        .expect("GetRolePolicy");
    let policy = support::decode_policy(policy.policy_document());
    let resource = &policy["Statement"][0]["Resource"];
    assert!(
        resource == &json!(expected) || resource == &json!([expected]),
        "policy resource: {policy}"
    );

    // Nothing left to change, and the account is read once, with no change sent.
    let proxy = support::RecordingProxy::start(&moto.url());
    let env_var = format!("env={}", e.env);
    let mut args = vec![
        "diff",
        "--exit-code",
        file.to_str().expect("utf-8 path"),
        "--var",
        &env_var,
    ];
    args.extend(e.vars);
    let out = support::provision(&proxy.url())
        .args(&args)
        .output()
        .expect("run provision");
    let operations = proxy.operations();
    assert_eq!(
        operations.iter().filter(|o| *o == "GetCallerIdentity").count(),
        1,
        "{operations:?}"
    );
    assert!(proxy.mutating_calls().is_empty(), "{:?}", proxy.mutating_calls());
    // The onboarding no-op diff's 9 reads (tests/scale.rs) plus GetCallerIdentity.
    assert_eq!(operations.len(), 10, "{operations:?}");
    assert_eq!(
        out.status.code(),
        Some(0),
        "no-op diff ({}):\n{}\n{}",
        e.env,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_file_deploys_to_two_accounts_and_regions() {
    let dev = Moto::start();
    let prod = Moto::start_as(PROD.account);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("onboarding.toml");
    std::fs::write(&file, STACK).expect("write stack");

    deploy_and_check(&dev, &file, &DEV).await;
    deploy_and_check(&prod, &file, &PROD).await;

    // Each environment holds only its own stack.
    let prod_in_dev = dev
        .apigw_in(PROD.region)
        .get_apis()
        .send()
        .await
        .expect("GetApis");
    assert!(prod_in_dev.items().is_empty(), "{:?}", prod_in_dev.items());
}

/// Without `--var env=...` the variable with no default is an error naming it, before any call.
#[test]
fn a_variable_without_a_value_is_refused_offline() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("onboarding.toml");
    std::fs::write(&file, STACK).expect("write stack");
    let out = support::provision("http://127.0.0.1:9")
        .args(["diff", file.to_str().expect("utf-8 path")])
        .output()
        .expect("run provision");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("variable `env` has no value"), "{stderr}");
    assert!(stderr.contains("--var env=VALUE"), "{stderr}");
}
