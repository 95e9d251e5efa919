//! `provision synth --format openapi`: the example stacks' documents pass openapi-spec-validator
//! (which does refuse a broken one), say exactly what `up` creates, import into moto with
//! boto3's `import_api` as the API `up` creates (read back through a second client), and write
//! the role's account and partition out only when they are known.

use crate::support;

use std::path::Path;
use std::process::{Command, Output};

use aws_sdk_sfn::types::StateMachineType;
use serde_json::{Value, json};
use support::Moto;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `provision synth STACK --format openapi EXTRA...`, offline (no AWS variable, no endpoint).
fn synth(stack: &str, extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_provision"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(ROOT)
        .env("NO_COLOR", "1")
        .args(["synth", stack, "--format", "openapi"])
        .args(extra)
        .output()
        .expect("run provision synth")
}

fn document(stack: &str, extra: &[&str]) -> (Value, String) {
    let out = synth(stack, extra);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    let doc = serde_json::from_slice(&out.stdout).expect("a JSON document on stdout");
    (doc, stderr)
}

/// The test venv's Python (beside moto_server), running `script` with `args`.
fn python(script: &str, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let bin = support::python();
    let out = Command::new(&bin)
        .arg("-c")
        .arg(script)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}); run scripts/moto.sh", bin.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

const VALIDATE: &str = r#"
import sys, yaml
from openapi_spec_validator import validate
with open(sys.argv[1]) as f:
    validate(yaml.safe_load(f))
print("valid")
"#;

fn validate(path: &Path) -> (i32, String) {
    python(VALIDATE, &[path.to_str().expect("utf-8 path")], &[])
}

#[test]
fn the_example_documents_pass_openapi_spec_validator_which_does_catch_mistakes() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (stack, extra) in [
        ("stacks/onboarding.toml", &[][..]),
        ("tests/fixtures/onboarding-existing-machine.toml", &[][..]),
        ("stacks/onboarding-secure.toml", &[][..]),
        ("stacks/onboarding-secure.toml", &["--yaml"][..]),
        (
            "stacks/onboarding-secure.toml",
            &["--account", "111122223333", "--region", "eu-west-1"][..],
        ),
    ] {
        let out = synth(stack, extra);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let path = dir.path().join("openapi.doc");
        std::fs::write(&path, &out.stdout).expect("write");
        let (code, text) = validate(&path);
        assert_eq!((code, text.trim()), (0, "valid"), "{stack} {extra:?}");
    }
    // Every route shape: `$default`, ANY with a greedy parameter, two methods on one path, and
    // headers and query strings read by mappings.
    let machine = "arn:aws:states:us-east-1:111122223333:stateMachine:orders";
    let route = |key: &str, extra: &str| {
        format!(
            "[[route]]\nkey = \"{key}\"\naction = \"StartExecution\"\nstate_machine = \"{machine}\"\n\
             authorization = \"AWS_IAM\"\n{extra}\n"
        )
    };
    let stack = format!(
        "[stack]\nname = \"orders\"\nregion = \"us-east-1\"\n[api]\nname = \"orders-api\"\n\
         [role]\nname = \"orders-role\"\npolicy_name = \"p\"\n{}{}{}{}\
         [stage]\nname = \"live\"\nauto_deploy = true\nthrottling_rate_limit = 5\nthrottling_burst_limit = 10\n",
        route("$default", ""),
        route("ANY /orders/{proxy+}", ""),
        route(
            "GET /orders/{id}",
            "parameters = { Input = \"$request.body\", Name = \"$request.header.X-Order\", Region = \"$request.querystring.region\" }",
        ),
        route("DELETE /orders/{id}", ""),
    );
    let stack_path = dir.path().join("orders.toml");
    std::fs::write(&stack_path, stack).expect("write stack");
    let out = synth(stack_path.to_str().expect("utf-8"), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        doc["paths"]
            .as_object()
            .map(|p| p.keys().cloned().collect::<Vec<_>>()),
        Some(vec![
            "/$default".into(),
            "/orders/{proxy+}".into(),
            "/orders/{id}".into()
        ])
    );
    let path = dir.path().join("orders.json");
    std::fs::write(&path, &out.stdout).expect("write");
    let (code, text) = validate(&path);
    assert_eq!((code, text.trim()), (0, "valid"), "every route shape");

    // The control: the same document with a path parameter it does not declare is refused.
    let (mut broken, _) = document("stacks/onboarding-secure.toml", &[]);
    let op = broken["paths"]["/cancel"].clone();
    broken["paths"]["/cancel/{id}"] = op;
    let path = dir.path().join("broken.json");
    std::fs::write(&path, broken.to_string()).expect("write");
    let (code, text) = validate(&path);
    assert_ne!(
        code, 0,
        "the validator must refuse an undeclared path parameter:\n{text}"
    );
    assert!(text.contains("Path parameter 'id'"), "{text}");
}

#[test]
fn the_onboarding_document_says_what_up_creates() {
    let (doc, stderr) = document("tests/fixtures/onboarding-existing-machine.toml", &[]);
    let text = serde_json::to_string_pretty(&doc).expect("JSON");
    insta::assert_snapshot!("openapi-onboarding", text);
    assert!(
        stderr.contains(
            "note: the role ARN is arn:aws:iam::${AWS::AccountId}:role/user-onboarding-api-gateway-stepfunctions-role: \
             ${AWS::AccountId} is an AWS variable that API Gateway fills in when it imports the document"
        ),
        "{stderr}"
    );
}

#[test]
fn the_secure_document_carries_the_jwt_authorizer_iam_and_cors() {
    let (doc, _) = document("stacks/onboarding-secure.toml", &[]);
    let paths = &doc["paths"];
    assert_eq!(
        doc["components"]["securitySchemes"],
        json!({
            "cognito": {
                "type": "oauth2",
                "flows": {},
                "x-amazon-apigateway-authorizer": {
                    "type": "jwt",
                    "jwtConfiguration": {
                        "issuer": "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Example",
                        "audience": ["onboarding-client"]
                    },
                    "identitySource": "$request.header.Authorization"
                }
            },
            "sigv4": {
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4"
            }
        })
    );
    assert_eq!(
        paths["/new-user"]["post"]["security"],
        json!([{"cognito": ["onboarding/write"]}])
    );
    assert_eq!(
        paths["/new-user-sync"]["post"]["security"],
        json!([{"sigv4": []}])
    );
    assert_eq!(
        paths["/cancel"]["post"]["security"],
        json!([{"cognito": ["onboarding/admin"]}])
    );
    assert_eq!(
        doc["x-amazon-apigateway-cors"],
        json!({
            "allowOrigins": ["https://app.example.com"],
            "allowMethods": ["POST"],
            "allowHeaders": ["authorization", "content-type"],
            "maxAge": 300
        })
    );
    assert_eq!(
        paths["/cancel"]["post"]["x-amazon-apigateway-integration"],
        json!({
            "type": "aws_proxy",
            "integrationSubtype": "StepFunctions-StopExecution",
            "credentials": "arn:aws:iam::${AWS::AccountId}:role/user-onboarding-secure-api-gateway-role",
            "requestParameters": {"Cause": "$request.body.cause", "ExecutionArn": "$request.body.executionArn"},
            "payloadFormatVersion": "1.0",
            "connectionType": "INTERNET"
        })
    );
    // ExecutionArn is required by StopExecution, so its body field is.
    let body = &paths["/cancel"]["post"]["requestBody"];
    assert_eq!(body["required"], true);
    assert_eq!(
        body["content"]["application/json"]["schema"]["required"],
        json!(["executionArn"])
    );
    assert_eq!(
        paths["/new-user-sync"]["post"]["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/StartSyncExecutionOutput"})
    );
    let schemas: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert_eq!(
        schemas,
        [
            "StartExecutionOutput",
            "StartSyncExecutionOutput",
            "StopExecutionOutput"
        ]
    );
}

#[test]
fn account_and_region_are_written_out_only_when_given() {
    let (doc, stderr) = document(
        "stacks/onboarding-secure.toml",
        &["--account", "111122223333", "--region", "us-gov-west-1"],
    );
    let integration = &doc["paths"]["/new-user"]["post"]["x-amazon-apigateway-integration"];
    assert_eq!(
        integration["credentials"],
        "arn:aws-us-gov:iam::111122223333:role/user-onboarding-secure-api-gateway-role"
    );
    // As `up` does: a machine in another region than the API's is called in its own region.
    assert_eq!(integration["requestParameters"]["Region"], "ap-southeast-2");
    assert_eq!(
        doc["servers"][0]["variables"]["region"]["default"],
        "us-gov-west-1"
    );
    assert!(doc.get("x-provision-placeholders").is_none());
    assert!(!doc.to_string().contains("${AWS::"), "no import variable is left");
    assert!(!stderr.contains("note: the role ARN"), "{stderr}");

    let out = synth(
        "tests/fixtures/onboarding-existing-machine.toml",
        &["--account", "1234"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`1234` is not an AWS account id (12 digits)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_provision"))
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        .args([
            "synth",
            "tests/fixtures/onboarding-existing-machine.toml",
            "--account",
            "111122223333",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("error: --account applies to --format openapi"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn yaml_and_output_file_write_the_same_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (json_doc, _) = document("stacks/onboarding-secure.toml", &[]);
    let path = dir.path().join("openapi.yaml");
    let out = synth(
        "stacks/onboarding-secure.toml",
        &["--yaml", "--output-file", path.to_str().expect("utf-8")],
    );
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "the document goes to the file only");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "Wrote {} (3 routes) from stacks/onboarding-secure.toml",
            path.display()
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, text) = python(
        "import sys, yaml, json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        &[path.to_str().expect("utf-8")],
        &[],
    );
    assert_eq!(code, 0, "{text}");
    let yaml_doc: Value = serde_json::from_str(text.trim()).expect("JSON from the YAML");
    assert_eq!(yaml_doc, json_doc);
}

/// boto3's `import_api` of the document at `path` on moto at `endpoint`: the new API's id.
fn import_with_boto3(endpoint: &str, path: &Path) -> String {
    let script = r#"
import sys, boto3
client = boto3.client("apigatewayv2", endpoint_url=sys.argv[1], region_name="ap-southeast-2")
with open(sys.argv[2]) as f:
    print(client.import_api(Body=f.read())["ApiId"])
"#;
    let (code, text) = python(
        script,
        &[endpoint, path.to_str().expect("utf-8 path")],
        &[("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")],
    );
    assert_eq!(code, 0, "import_api failed:\n{text}");
    text.trim().to_string()
}

async fn route_keys(gw: &aws_sdk_apigatewayv2::Client, api: &str) -> Vec<String> {
    let routes = gw.get_routes().api_id(api).send().await.expect("GetRoutes");
    let mut keys: Vec<String> = routes
        .items()
        .iter()
        .filter_map(|r| r.route_key().map(str::to_string))
        .collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn imported_into_moto_the_document_gives_the_api_up_creates() {
    let moto = Moto::start();
    let sfn = moto.sfn();
    support::create_state_machine(&sfn, "user-onboarding", StateMachineType::Standard).await;
    support::create_state_machine(&sfn, "user-onboarding-express", StateMachineType::Express).await;
    let out = support::provision(&moto.url())
        .args(["up", "stacks/onboarding-secure.toml"])
        .output()
        .expect("run up");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let gw = moto.apigw();
    let apis = gw.get_apis().send().await.expect("GetApis");
    assert_eq!(apis.items().len(), 1);
    let up_api = apis.items()[0].clone();
    let up_id = up_api.api_id().expect("id");

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("openapi.json");
    let out = synth(
        "stacks/onboarding-secure.toml",
        &["--output-file", path.to_str().expect("utf-8")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let imported_id = import_with_boto3(&moto.url(), &path);
    assert_ne!(imported_id, up_id);

    // Read back through the SDK: the API's name, CORS, routes and integrations.
    let imported = gw.get_api().api_id(&imported_id).send().await.expect("GetApi");
    assert_eq!(imported.name(), up_api.name());
    assert_eq!(imported.name(), Some("user-onboarding-secure-api"));
    assert_eq!(imported.cors_configuration(), up_api.cors_configuration());
    assert!(imported.cors_configuration().is_some());
    let keys = route_keys(&gw, &imported_id).await;
    assert_eq!(keys, ["POST /cancel", "POST /new-user", "POST /new-user-sync"]);
    assert_eq!(keys, route_keys(&gw, up_id).await);
    let integrations = gw
        .get_integrations()
        .api_id(&imported_id)
        .send()
        .await
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 3);
    for integration in integrations.items() {
        // moto keeps the type as the document writes it (`aws_proxy`, as API Gateway exports it).
        let kind = integration
            .integration_type()
            .map(|t| t.as_str().to_ascii_uppercase());
        assert_eq!(kind.as_deref(), Some("AWS_PROXY"));
        assert_eq!(integration.payload_format_version(), Some("1.0"));
    }

    // The control: a document moto cannot read is refused, not half-imported.
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\"openapi\": \"3.0.1\", \"paths\": {\"/x\": {\"parameters\": []}}}",
    )
    .expect("write");
    let script = r#"
import sys, boto3, botocore.config
config = botocore.config.Config(retries={"max_attempts": 1})
client = boto3.client("apigatewayv2", endpoint_url=sys.argv[1], region_name="ap-southeast-2", config=config)
try:
    client.import_api(Body=open(sys.argv[2]).read())
except Exception as e:
    print("refused", type(e).__name__)
"#;
    let (_, text) = python(
        script,
        &[&moto.url(), broken.to_str().expect("utf-8")],
        &[("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")],
    );
    assert!(text.contains("refused"), "{text}");
    let apis = gw.get_apis().send().await.expect("GetApis");
    assert_eq!(apis.items().len(), 2, "the refused import left no API behind");
}

/// Issue 15 with item 4: the document of a stack that names its machine and uses variables.
/// Offline the machine's ARN keeps the import variables API Gateway resolves on import
/// (`${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}`, "AWS variables for OpenAPI
/// import"), which the document lists and stderr notes; with `--region` and `--account` they are
/// written out. Names come from `--var`. Both documents pass openapi-spec-validator, and boto3's
/// `import_api` on moto takes the offline one.
#[test]
fn a_stack_that_names_its_machine_gives_a_valid_document_with_import_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = "stacks/onboarding-anywhere.toml";
    let (doc, stderr) = document(stack, &["--var", "env=prod"]);
    assert_eq!(doc["info"]["title"], "user-onboarding-prod-api");
    let integration = &doc["paths"]["/new-user"]["post"]["x-amazon-apigateway-integration"];
    assert_eq!(
        integration["requestParameters"]["StateMachineArn"],
        "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:user-onboarding"
    );
    assert_eq!(
        integration["requestParameters"]["Name"],
        "prod-${context.requestId}"
    );
    assert!(integration["requestParameters"].get("Region").is_none());
    assert_eq!(
        integration["credentials"],
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/user-onboarding-prod-api-gateway-role"
    );
    let placeholders = doc["x-provision-placeholders"].as_object().expect("placeholders");
    let mut listed: Vec<&str> = placeholders.keys().map(String::as_str).collect();
    listed.sort();
    assert_eq!(
        listed,
        ["${AWS::AccountId}", "${AWS::Partition}", "${AWS::Region}"]
    );
    assert!(stderr.contains("state machines named without one"), "{stderr}");
    assert_eq!(
        doc["paths"]["/new-user"]["post"]["summary"],
        "Start an execution of user-onboarding"
    );
    let path = dir.path().join("offline.json");
    std::fs::write(&path, doc.to_string()).expect("write");
    let (code, text) = validate(&path);
    assert_eq!(code, 0, "{text}");
    // boto3's import_api takes it, import variables and all.
    let moto = Moto::start();
    let imported = import_with_boto3(&moto.url(), &path);
    let integrations = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(moto.apigw().get_integrations().api_id(&imported).send())
        .expect("GetIntegrations");
    assert_eq!(integrations.items().len(), 1);

    let (doc, _) = document(stack, &["--region", "eu-west-1", "--account", "111122223333"]);
    let integration = &doc["paths"]["/new-user"]["post"]["x-amazon-apigateway-integration"];
    assert_eq!(
        integration["requestParameters"]["StateMachineArn"],
        "arn:aws:states:eu-west-1:111122223333:stateMachine:user-onboarding"
    );
    assert!(
        !doc.to_string().contains("${AWS::"),
        "no import variable is left: {doc}"
    );
    let path = dir.path().join("bound.json");
    std::fs::write(&path, doc.to_string()).expect("write");
    let (code, text) = validate(&path);
    assert_eq!(code, 0, "{text}");
}

/// The integration's `credentials` is the role's real ARN (issue 20 item 4): a role under a path
/// keeps its path (IAM User Guide, "IAM identifiers": `arn:aws:iam::ACCOUNT:role/PATH/NAME`), and
/// an existing role (`[role] arn`) is exported as given, account included, with or without
/// `--account`. Both documents pass openapi-spec-validator.
#[test]
fn credentials_keep_the_roles_path_and_an_existing_roles_arn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let route = r#"
[[route]]
key = "POST /new-user"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding"
parameters = { Input = "$request.body.input" }
"#;
    let head = "[stack]\nname = \"creds\"\nregion = \"ap-southeast-2\"\n\n[api]\nname = \"creds-api\"\n\n";
    let cases = [
        (
            "[role]\nname = \"creds-role\"\npolicy_name = \"Invoke\"\npath = \"/service/team/\"\n",
            &["--account", "111122223333"][..],
            "arn:aws:iam::111122223333:role/service/team/creds-role",
        ),
        (
            "[role]\narn = \"arn:aws:iam::444455556666:role/platform/shared-role\"\n",
            &[][..],
            "arn:aws:iam::444455556666:role/platform/shared-role",
        ),
        (
            "[role]\narn = \"arn:aws:iam::444455556666:role/platform/shared-role\"\n",
            &["--account", "111122223333"][..],
            "arn:aws:iam::444455556666:role/platform/shared-role",
        ),
    ];
    for (i, (role, extra, expected)) in cases.iter().enumerate() {
        let stack = dir.path().join(format!("creds{i}.toml"));
        std::fs::write(&stack, format!("{head}{role}{route}")).expect("write stack");
        let (doc, stderr) = document(stack.to_str().expect("utf-8 path"), extra);
        let text = doc.to_string();
        assert!(
            text.contains(&format!("\"credentials\":\"{expected}\"")),
            "case {i}: credentials must be {expected}:\n{text}\n{stderr}"
        );
        let path = dir.path().join(format!("creds{i}.json"));
        std::fs::write(&path, &text).expect("write");
        let (code, out) = validate(&path);
        assert_eq!(code, 0, "case {i}: {out}");
    }
}
