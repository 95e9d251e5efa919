//! `provision synth`: the templates of the example stacks pass cfn-lint, and what the template
//! declares is what `up` creates, read back from moto by a second client: every property of the
//! integrations, routes, authorizer, stage and role, and the API's name, CORS and tags.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use aws_sdk_sfn::types::StateMachineType;
use serde_json::{Value, json};
use support::Moto;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn synth(stack: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_provision"))
        .current_dir(ROOT)
        .env("NO_COLOR", "1")
        .args(["synth", stack])
        .args(extra)
        .output()
        .expect("run provision synth");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 template")
}

/// cfn-lint from the test venv (beside moto_server): exit code and output.
fn cfn_lint(template: &Path) -> (i32, String) {
    let bin = support::moto_server_path().with_file_name("cfn-lint");
    let out = Command::new(&bin)
        .arg(template)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} ({e}); run scripts/moto.sh", bin.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_example_templates_pass_cfn_lint_which_does_catch_mistakes() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (stack, yaml) in [
        ("stacks/onboarding.toml", false),
        ("stacks/onboarding.toml", true),
        ("tests/fixtures/onboarding-existing-machine.toml", false),
        ("stacks/onboarding-secure.toml", false),
        ("stacks/onboarding-secure.toml", true),
        // The status route's helper machine and role, and its composed Input.
        ("stacks/onboarding-walkthrough.toml", false),
    ] {
        let path: PathBuf = dir.path().join(if yaml { "t.yaml" } else { "t.json" });
        std::fs::write(&path, synth(stack, if yaml { &["--yaml"] } else { &[] })).expect("write");
        let (code, text) = cfn_lint(&path);
        // cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
        assert_eq!(code, 0, "{stack} (yaml: {yaml}):\n{text}");
    }
    // The control: the same template with a property AWS does not have is refused.
    let mut broken: Value =
        serde_json::from_str(&synth("tests/fixtures/onboarding-existing-machine.toml", &[])).expect("JSON");
    broken["Resources"]["Api"]["Properties"]["Protocol"] = json!("HTTP");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, broken.to_string()).expect("write");
    let (code, text) = cfn_lint(&path);
    assert_ne!(code & 2, 0, "cfn-lint must report the unknown property:\n{text}");
}

/// A 300-route stack stays within CloudFormation's quotas ("AWS CloudFormation quotas": 500
/// resources, 200 outputs): its routes share one integration and the per-route URL outputs are
/// left out, and cfn-lint (which checks both quotas) is clean on what synth writes (issue 20 item 5).
#[test]
fn a_three_hundred_route_template_is_within_the_quotas_and_passes_cfn_lint() {
    let template = synth("tests/accepted/three-hundred-routes.toml", &[]);
    let parsed: Value = serde_json::from_str(&template).expect("JSON template");
    let resources = parsed["Resources"].as_object().map_or(0, |r| r.len());
    let outputs = parsed["Outputs"].as_object().map_or(0, |o| o.len());
    assert!((300..=500).contains(&resources), "{resources} resources");
    assert!(outputs <= 200, "{outputs} outputs");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.json");
    std::fs::write(&path, &template).expect("write");
    let (code, text) = cfn_lint(&path);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn the_same_stack_gives_the_same_template_and_yaml_says_the_same() {
    let json_text = synth("stacks/onboarding-secure.toml", &[]);
    assert_eq!(json_text, synth("stacks/onboarding-secure.toml", &[]));
    let yaml = synth("stacks/onboarding-secure.toml", &["--yaml"]);
    let template: Value = serde_json::from_str(&json_text).expect("JSON");
    for (id, resource) in template["Resources"].as_object().expect("resources") {
        assert!(yaml.contains(&format!("\"{id}\":")), "{id} in the YAML");
        assert!(
            yaml.contains(resource["Type"].as_str().expect("type")),
            "{id}'s type in the YAML"
        );
    }
}

/// Resolves `{"Ref": id}` and `{"Fn::GetAtt": [id, "Arn"]}` to the live id or ARN of that
/// resource; anything else is returned as it is.
fn resolve(value: &Value, ids: &std::collections::BTreeMap<String, String>) -> Value {
    if let Some(id) = value.get("Ref").and_then(Value::as_str) {
        return json!(ids.get(id).unwrap_or_else(|| panic!("no live id for {id}")));
    }
    if let Some(att) = value.get("Fn::GetAtt").and_then(Value::as_array) {
        let id = att[0].as_str().expect("logical id");
        return json!(ids.get(id).unwrap_or_else(|| panic!("no live id for {id}")));
    }
    value.clone()
}

#[tokio::test]
async fn every_integration_route_and_stage_property_is_what_up_created() {
    let moto = Moto::start();
    let sfn = moto.sfn();
    support::create_state_machine(&sfn, "user-onboarding", StateMachineType::Standard).await;
    support::create_state_machine(&sfn, "user-onboarding-express", StateMachineType::Express).await;
    let out = support::provision(&moto.url())
        .args(["up", "stacks/onboarding-secure.toml"])
        .output()
        .expect("run up");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let template: Value = serde_json::from_str(&synth("stacks/onboarding-secure.toml", &[])).expect("JSON");
    let resources = template["Resources"].as_object().expect("resources");

    // Live ids by logical id, found by what the template names them.
    let gw = moto.apigw();
    let apis = gw.get_apis().send().await.expect("GetApis");
    let api = &apis.items()[0];
    let api_id = api.api_id().expect("id").to_string();
    let role = support::owned_role(
        &moto.iam(),
        "user-onboarding-secure-api-gateway-role",
        "user-onboarding-secure",
    )
    .await;
    let routes = gw.get_routes().api_id(&api_id).send().await.expect("GetRoutes");
    let integrations = gw
        .get_integrations()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetIntegrations");
    let authorizers = gw
        .get_authorizers()
        .api_id(&api_id)
        .send()
        .await
        .expect("GetAuthorizers");
    let stages = gw.get_stages().api_id(&api_id).send().await.expect("GetStages");
    let mut ids = std::collections::BTreeMap::from([
        ("Api".to_string(), api_id.clone()),
        ("Role".to_string(), role.arn().to_string()),
    ]);
    for (id, r) in resources {
        let p = &r["Properties"];
        match r["Type"].as_str() {
            Some("AWS::ApiGatewayV2::Authorizer") => {
                let live = authorizers
                    .items()
                    .iter()
                    .find(|a| a.name() == p["Name"].as_str())
                    .expect("authorizer");
                ids.insert(id.clone(), live.authorizer_id().expect("id").to_string());
            }
            Some("AWS::ApiGatewayV2::Route") => {
                let live = routes
                    .items()
                    .iter()
                    .find(|x| x.route_key() == p["RouteKey"].as_str())
                    .expect("route");
                let target = live.target().expect("target").trim_start_matches("integrations/");
                let integration = resources
                    .iter()
                    .find(|(iid, _)| p["Target"]["Fn::Join"][1][1]["Ref"] == json!(iid))
                    .map(|(iid, _)| iid.clone())
                    .expect("the route's integration in the template");
                ids.insert(integration, target.to_string());
                ids.insert(id.clone(), live.route_id().expect("id").to_string());
            }
            _ => {}
        }
    }

    let mut compared = 0;
    for (id, r) in resources {
        let p = &r["Properties"];
        match r["Type"].as_str() {
            Some("AWS::ApiGatewayV2::Integration") => {
                let live = integrations
                    .items()
                    .iter()
                    .find(|i| i.integration_id() == Some(ids[id].as_str()))
                    .expect("integration");
                assert_eq!(resolve(&p["ApiId"], &ids), json!(api_id));
                assert_eq!(
                    p["IntegrationType"],
                    json!(live.integration_type().map(|t| t.as_str()))
                );
                assert_eq!(p["IntegrationSubtype"], json!(live.integration_subtype()));
                assert_eq!(p["PayloadFormatVersion"], json!(live.payload_format_version()));
                assert_eq!(resolve(&p["CredentialsArn"], &ids), json!(live.credentials_arn()));
                assert_eq!(p["RequestParameters"], json!(live.request_parameters()));
                compared += 1;
            }
            Some("AWS::ApiGatewayV2::Route") => {
                let live = routes
                    .items()
                    .iter()
                    .find(|x| x.route_id() == Some(ids[id].as_str()))
                    .expect("route");
                assert_eq!(
                    p["AuthorizationType"],
                    json!(live.authorization_type().map(|a| a.as_str()))
                );
                let scopes = p.get("AuthorizationScopes").cloned().unwrap_or(json!([]));
                assert_eq!(scopes, json!(live.authorization_scopes()), "{id}");
                match p.get("AuthorizerId") {
                    Some(a) => assert_eq!(resolve(a, &ids), json!(live.authorizer_id())),
                    None => assert!(live.authorizer_id().is_none_or(str::is_empty), "{id}"),
                }
                let target = p["Target"]["Fn::Join"][1][1].clone();
                assert_eq!(
                    format!("integrations/{}", resolve(&target, &ids).as_str().expect("id")),
                    live.target().expect("target")
                );
                compared += 1;
            }
            Some("AWS::ApiGatewayV2::Stage") => {
                let live = &stages.items()[0];
                assert_eq!(p["StageName"], json!(live.stage_name()));
                assert_eq!(p["AutoDeploy"], json!(live.auto_deploy()));
                let settings = live.default_route_settings().expect("route settings");
                assert_eq!(
                    p["DefaultRouteSettings"],
                    json!({
                        "ThrottlingBurstLimit": settings.throttling_burst_limit(),
                        "ThrottlingRateLimit": settings.throttling_rate_limit(),
                    })
                );
                let log = live.access_log_settings().expect("access logs");
                assert_eq!(
                    p["AccessLogSettings"],
                    json!({"DestinationArn": log.destination_arn(), "Format": log.format()})
                );
                let tags: Value = json!(live.tags());
                assert_eq!(p["Tags"], tags);
                compared += 1;
            }
            Some("AWS::ApiGatewayV2::Authorizer") => {
                let live = authorizers
                    .items()
                    .iter()
                    .find(|a| a.authorizer_id() == Some(ids[id].as_str()))
                    .expect("authorizer");
                assert_eq!(p["IdentitySource"], json!(live.identity_source()));
                let jwt = live.jwt_configuration().expect("jwt");
                assert_eq!(
                    p["JwtConfiguration"],
                    json!({"Issuer": jwt.issuer(), "Audience": jwt.audience()})
                );
                compared += 1;
            }
            Some("AWS::ApiGatewayV2::Api") => {
                assert_eq!(p["Name"], json!(api.name()));
                let cors = api.cors_configuration().expect("cors");
                assert_eq!(
                    p["CorsConfiguration"]["AllowOrigins"],
                    json!(cors.allow_origins())
                );
                let live_cors = json!({
                    "AllowOrigins": cors.allow_origins(),
                    "AllowMethods": cors.allow_methods(),
                    "AllowHeaders": cors.allow_headers(),
                    "MaxAge": cors.max_age(),
                });
                assert_eq!(p["CorsConfiguration"], live_cors);
                assert_eq!(p["Tags"], json!(api.tags()));
                compared += 1;
            }
            Some("AWS::IAM::Role") => {
                let iam = moto.iam();
                assert_eq!(p["RoleName"], json!(role.role_name()));
                let decode = |doc: &str| provision::policy::normalize(&support::decode_policy(doc));
                assert_eq!(
                    provision::policy::normalize(&p["AssumeRolePolicyDocument"]),
                    decode(role.assume_role_policy_document().expect("trust"))
                );
                let inline = &p["Policies"][0];
                let live = iam
                    .get_role_policy()
                    .role_name(role.role_name())
                    .policy_name(inline["PolicyName"].as_str().expect("policy name"))
                    .send()
                    .await
                    .expect("GetRolePolicy");
                assert_eq!(
                    provision::policy::normalize(&inline["PolicyDocument"]),
                    decode(live.policy_document())
                );
                let attached = iam
                    .list_attached_role_policies()
                    .role_name(role.role_name())
                    .send()
                    .await
                    .expect("ListAttachedRolePolicies");
                let arns: Vec<&str> = attached
                    .attached_policies()
                    .iter()
                    .filter_map(|a| a.policy_arn())
                    .collect();
                assert_eq!(p["ManagedPolicyArns"], json!(arns));
                let tags: Vec<Value> = role
                    .tags()
                    .iter()
                    .map(|t| json!({"Key": t.key(), "Value": t.value()}))
                    .collect();
                assert_eq!(p["Tags"], json!(tags));
                compared += 1;
            }
            _ => {}
        }
    }
    assert_eq!(
        compared,
        3 + 3 + 1 + 1 + 1 + 1,
        "every integration, route, stage, authorizer, the API and the role"
    );
}

/// Account ids (12 digits) and region names (`ap-southeast-2`, `us-gov-west-1`, `cn-north-1`,
/// ...) written out anywhere in a template's text.
fn account_and_region_literals(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'));
    for word in words {
        if word.len() == 12 && word.bytes().all(|b| b.is_ascii_digit()) {
            found.push(word.to_string());
        }
        let parts: Vec<&str> = word.split('-').collect();
        let region_like = parts.len() >= 3
            && parts[0].len() >= 2
            && parts[0].bytes().all(|b| b.is_ascii_lowercase())
            && parts
                .last()
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            && parts[1..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()));
        if region_like {
            found.push(word.to_string());
        }
    }
    found
}

/// Issue 15: the template of a stack that names its machine and uses variables travels. The
/// machine's ARN is `Fn::Sub` over `${AWS::Partition}`, `${AWS::Region}` and `${AWS::AccountId}`
/// (in the integration and the policy), every variable is a parameter with its default (a number
/// field's one `Type: Number`), names and tags refer to them, API Gateway's own `${context...}`
/// is escaped for `Fn::Sub`, and no account id or region is written anywhere. cfn-lint passes,
/// JSON and YAML. The scanner itself is checked on a stack that writes a full ARN.
#[test]
fn a_stack_that_names_its_machine_synthesizes_a_template_for_any_account_and_region() {
    let stack = "stacks/onboarding-anywhere.toml";
    let text = synth(stack, &[]);
    assert_eq!(account_and_region_literals(&text), Vec::<String>::new(), "{text}");
    let template: Value = serde_json::from_str(&text).expect("JSON");

    let machine = json!({"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:user-onboarding"});
    let parameters = &template["Resources"]["IntegrationPostNewUser"]["Properties"]["RequestParameters"];
    assert_eq!(parameters["StateMachineArn"], machine);
    assert_eq!(
        parameters["Name"],
        json!({"Fn::Sub": "${VarEnv}-${!context.requestId}"})
    );
    assert_eq!(parameters["Input"], json!("$request.body.input"));
    let policy = &template["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"];
    assert_eq!(policy["Statement"][0]["Resource"], json!([machine]), "{policy}");

    assert_eq!(
        template["Parameters"],
        json!({
            "VarBurst": {"Type": "Number", "Default": "20", "Description": "The stack variable `burst` (`${var.burst}`)"},
            "VarEnv": {"Type": "String", "Default": "dev", "Description": "The environment: dev, staging, prod, ..."},
            "VarRate": {"Type": "Number", "Default": "10", "Description": "The stack variable `rate` (`${var.rate}`)"},
        })
    );
    let role = &template["Resources"]["Role"]["Properties"];
    assert_eq!(
        role["RoleName"],
        json!({"Fn::Sub": "user-onboarding-${VarEnv}-api-gateway-role"})
    );
    assert!(
        role["Tags"]
            .as_array()
            .expect("tags")
            .contains(&json!({"Key": "environment", "Value": {"Ref": "VarEnv"}})),
        "{role}"
    );
    assert_eq!(
        template["Resources"]["Api"]["Properties"]["Name"],
        json!({"Fn::Sub": "user-onboarding-${VarEnv}-api"})
    );
    assert_eq!(
        template["Resources"]["Stage"]["Properties"]["DefaultRouteSettings"],
        json!({"ThrottlingBurstLimit": {"Ref": "VarBurst"}, "ThrottlingRateLimit": {"Ref": "VarRate"}})
    );
    // The template's description is literal text: the variable's value.
    assert_eq!(
        template["Description"],
        json!("provision stack user-onboarding-dev: an HTTP API that runs Step Functions workflows")
    );

    // --var sets the parameters' defaults.
    let prod: Value =
        serde_json::from_str(&synth(stack, &["--var", "env=prod", "--var", "rate=100"])).expect("JSON");
    assert_eq!(prod["Parameters"]["VarEnv"]["Default"], json!("prod"));
    assert_eq!(prod["Parameters"]["VarRate"]["Default"], json!("100"));

    // Variables in an issuer, an audience, a stage name and inside full ARNs.
    let everywhere = synth("tests/accepted/variables-everywhere.toml", &[]);
    let value: Value = serde_json::from_str(&everywhere).expect("JSON");
    assert_eq!(
        value["Resources"]["Stage"]["Properties"]["AccessLogSettings"]["DestinationArn"],
        json!({"Fn::Sub": "arn:aws:logs:ap-southeast-2:${VarAccount}:log-group:${VarLogGroup}"})
    );
    assert_eq!(
        value["Resources"]["Stage"]["Properties"]["StageName"],
        json!({"Ref": "VarEnv"})
    );
    assert_eq!(
        value["Resources"]["AuthorizerCognitoVarEnv"]["Properties"]["JwtConfiguration"]["Issuer"],
        json!({"Fn::Sub": "https://cognito-idp.ap-southeast-2.amazonaws.com/${VarPool}"})
    );

    let dir = tempfile::tempdir().expect("tempdir");
    for (name, body) in [
        ("t.json", text),
        ("t.yaml", synth(stack, &["--yaml"])),
        ("everywhere.json", everywhere),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write");
        let (code, lint) = cfn_lint(&path);
        assert_eq!(code, 0, "{name}:\n{lint}");
    }

    // The control: a stack that writes its machine's ARN keeps that account and region.
    let written = account_and_region_literals(&synth("tests/fixtures/onboarding-existing-machine.toml", &[]));
    assert!(
        written.contains(&"189107071895".to_string()) && written.contains(&"ap-southeast-2".to_string()),
        "{written:?}"
    );
}

/// Evaluates the intrinsic functions a generated role's policy uses (`Ref` of a parameter or a
/// pseudo parameter, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`; `Fn::If` on the
/// template's `conditions` and the condition functions; `AWS::NoValue`, an entry of a list that
/// it drops) as CloudFormation would when deploying with `parameters` into account 189107071895
/// of ap-southeast-2.
fn evaluate_in(
    conditions: &Value,
    value: &Value,
    parameters: &std::collections::BTreeMap<String, String>,
) -> Value {
    let pseudo = |name: &str| -> Option<String> {
        match name {
            "AWS::Partition" => Some("aws".into()),
            "AWS::Region" => Some(support::REGION.into()),
            "AWS::AccountId" => Some("189107071895".into()),
            other => parameters.get(other).cloned(),
        }
    };
    let eval = |v: &Value| evaluate_in(conditions, v, parameters);
    let text = |v: &Value| eval(v).as_str().expect("a string").to_string();
    let condition = |name: &Value| eval(&conditions[name.as_str().expect("a condition name")]) == json!(true);
    match value {
        Value::Array(items) => Value::Array(items.iter().map(eval).filter(|v| !v.is_null()).collect()),
        Value::Object(map) if map.len() == 1 => {
            let (function, arg) = map.iter().next().expect("one key");
            match function.as_str() {
                "Ref" if arg == "AWS::NoValue" => Value::Null,
                "Ref" => json!(pseudo(arg.as_str().expect("name")).expect("a known parameter")),
                "Condition" => json!(condition(arg)),
                "Fn::If" => match condition(&arg[0]) {
                    true => eval(&arg[1]),
                    false => eval(&arg[2]),
                },
                "Fn::Equals" => json!(eval(&arg[0]) == eval(&arg[1])),
                "Fn::And" => json!(
                    arg.as_array()
                        .expect("list")
                        .iter()
                        .all(|c| eval(c) == json!(true))
                ),
                "Fn::Or" => json!(
                    arg.as_array()
                        .expect("list")
                        .iter()
                        .any(|c| eval(c) == json!(true))
                ),
                "Fn::Not" => json!(eval(&arg[0]) != json!(true)),
                "Fn::Sub" => {
                    let mut out = arg.as_str().expect("Fn::Sub of a string").to_string();
                    while let Some(at) = out.find("${") {
                        let end = out[at..].find('}').expect("closed") + at;
                        let name = out[at + 2..end].to_string();
                        out.replace_range(at..=end, &pseudo(&name).expect("a known parameter"));
                    }
                    json!(out)
                }
                "Fn::Join" => {
                    let sep = arg[0].as_str().expect("separator");
                    let parts: Vec<String> = arg[1].as_array().expect("list").iter().map(text).collect();
                    json!(parts.join(sep))
                }
                "Fn::Split" => {
                    let sep = arg[0].as_str().expect("separator");
                    json!(text(&arg[1]).split(sep).collect::<Vec<_>>())
                }
                "Fn::Select" => {
                    let index = arg[0].as_u64().expect("index") as usize;
                    let list = eval(&arg[1]);
                    assert!(
                        index < list.as_array().map_or(0, Vec::len),
                        "Fn::Select {index} of {list}: CloudFormation fails"
                    );
                    list[index].clone()
                }
                _ => Value::Object(map.iter().map(|(k, v)| (k.clone(), eval(v))).collect()),
            }
        }
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), eval(v))).collect()),
        other => other.clone(),
    }
}

/// The generated execution role of `stacks/onboarding.toml`, whose queue URL and table name are
/// stack variables: the template's policy, deployed with a queue URL of another account and
/// region, allows exactly what `up` with that `--var` puts on the role (read back from moto).
/// Before the fix the whole URL stood where the queue's name goes.
#[tokio::test]
async fn a_queue_url_variable_gives_the_generated_role_the_queue_s_arn() {
    let url = "https://sqs.eu-west-1.amazonaws.com/111122223333/other-queue";
    let template: Value = serde_json::from_str(&synth("stacks/onboarding.toml", &[])).expect("JSON");
    let role = &template["Resources"]["StateMachineRoleUserOnboarding"]["Properties"];
    let policy = &role["Policies"][0]["PolicyDocument"];
    let mut parameters = std::collections::BTreeMap::new();
    for (id, p) in template["Parameters"].as_object().expect("parameters") {
        parameters.insert(id.clone(), p["Default"].as_str().expect("default").to_string());
    }
    assert_eq!(
        evaluate_in(&template["Conditions"], policy, &parameters)["Statement"][1]["Resource"],
        json!(["arn:aws:sqs:ap-southeast-2:189107071895:user-onboarding-welcome"]),
        "with the parameter's default"
    );
    parameters.insert("VarWelcomeQueueUrl".into(), url.into());
    let deployed = evaluate_in(&template["Conditions"], policy, &parameters);

    let moto = Moto::start();
    let out = support::provision(&moto.url())
        .args([
            "up",
            "stacks/onboarding.toml",
            "--var",
            &format!("welcome_queue_url={url}"),
        ])
        .output()
        .expect("run up");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let live = moto
        .iam()
        .get_role_policy()
        .role_name("StepFunctions-user-onboarding-ap-southeast-2")
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("GetRolePolicy");
    let live = support::decode_policy(live.policy_document());
    assert_eq!(
        live["Statement"][1],
        json!({"Effect": "Allow", "Action": ["sqs:SendMessage"],
               "Resource": ["arn:aws:sqs:eu-west-1:111122223333:other-queue"]}),
        "{live}"
    );
    assert_eq!(
        deployed["Statement"], live["Statement"],
        "what synth declares is what up made"
    );
}

/// A stack with two machines, one publishing versions behind an alias on the latest version
/// and one whose alias routes between two pinned versions (with logging and tracing), and a
/// route on the alias: cfn-lint passes the template (JSON and YAML), and fails it once a
/// property of the version is misspelt (the control).
#[test]
fn a_template_with_machines_versions_and_aliases_passes_cfn_lint() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        Path::new(ROOT).join("examples/onboarding.asl.json"),
        dir.path().join("onboarding.asl.json"),
    )
    .expect("copy definition");
    let stack = dir.path().join("machines.toml");
    std::fs::write(
        &stack,
        r#"
[stack]
name = "machines"
region = "ap-southeast-2"
allow = ["no-throttling", "no-authorization"]

[vars]
queue_url = "https://sqs.ap-southeast-2.amazonaws.com/189107071895/welcome"

[api]
name = "machines-api"

[role]
name = "machines-api-role"
policy_name = "StartMachines"

[[state_machine]]
name = "onboarding"
definition = "onboarding.asl.json"
substitutions = { UsersTable = "users", WelcomeQueueUrl = "${var.queue_url}" }
publish = true
keep_versions = 5

[state_machine.alias]
name = "live"
version = "latest"

[[state_machine]]
name = "onboarding-canary"
definition = "onboarding.asl.json"
substitutions = { UsersTable = "users", WelcomeQueueUrl = "${var.queue_url}" }
logging = { level = "ERROR", include_execution_data = false, log_group = "arn:aws:logs:ap-southeast-2:189107071895:log-group:/sfn/canary:*" }
tracing = true

[state_machine.alias]
name = "live"
routing = { 3 = 90, 4 = 10 }

[[route]]
key = "POST /new-user"
action = "StartExecution"
state_machine = "onboarding"
alias = "live"

[[route]]
key = "POST /canary"
action = "StartExecution"
state_machine = "onboarding-canary"
"#,
    )
    .expect("write stack");
    let stack = stack.to_str().expect("utf-8 path");
    let template: Value = serde_json::from_str(&synth(stack, &[])).expect("JSON");
    let types: Vec<&str> = template["Resources"]
        .as_object()
        .expect("resources")
        .values()
        .filter_map(|r| r["Type"].as_str())
        .filter(|t| t.starts_with("AWS::StepFunctions::"))
        .collect();
    for kind in ["StateMachine", "StateMachineVersion", "StateMachineAlias"] {
        assert!(
            types.contains(&format!("AWS::StepFunctions::{kind}").as_str()),
            "{kind} in {types:?}"
        );
    }
    for yaml in [false, true] {
        let path = dir.path().join(if yaml { "t.yaml" } else { "t.json" });
        std::fs::write(&path, synth(stack, if yaml { &["--yaml"] } else { &[] })).expect("write");
        let (code, text) = cfn_lint(&path);
        assert_eq!(code, 0, "yaml: {yaml}:\n{text}");
    }
    let mut broken = template.clone();
    broken["Resources"]["StateMachineVersionOnboarding"]["Properties"]["StateMachineRevision"] = json!("x");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, serde_json::to_string(&broken).expect("JSON")).expect("write");
    let (code, text) = cfn_lint(&path);
    assert_ne!(code, 0, "cfn-lint must refuse an unknown property:\n{text}");
}

/// A Lambda `FunctionName` that is a stack variable as a whole: Invoke takes a name, a partial
/// ARN or an ARN, each optionally qualified (Lambda API reference, Invoke, "Name formats"), and
/// `synth` cannot know which until deployed. For each form, the template's policy evaluated with
/// that value grants exactly what `up` with that `--var` puts on the role (read back from moto),
/// which is the function's ARN and, unqualified, its versions and aliases; the template passes
/// cfn-lint. Before the fix the whole value stood where the function's name goes, so an ARN gave
/// `function:arn:aws:lambda:...`.
#[tokio::test]
async fn a_function_name_variable_gives_the_generated_role_the_function_s_arn_in_every_form() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = notify_stack(
        dir.path(),
        r#"{"Notify": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${NotifyFunction}", "Payload.$": "$"}, "End": true}}"#,
        &[("NotifyFunction", "notify_function", "notify")],
    );
    let template = linted_template(dir.path(), &stack);
    let policy =
        &template["Resources"]["StateMachineRoleNotify"]["Properties"]["Policies"][0]["PolicyDocument"];

    let here = format!("arn:aws:lambda:{}:189107071895:function", support::REGION);
    let other = "arn:aws-cn:lambda:cn-north-1:111122223333:function";
    let forms = [
        (
            "notify",
            vec![format!("{here}:notify"), format!("{here}:notify:*")],
        ),
        ("notify:live", vec![format!("{here}:notify:live")]),
        (
            "111122223333:function:notify",
            vec![
                format!("arn:aws:lambda:{}:111122223333:function:notify", support::REGION),
                format!(
                    "arn:aws:lambda:{}:111122223333:function:notify:*",
                    support::REGION
                ),
            ],
        ),
        (
            "111122223333:function:notify:7",
            vec![format!(
                "arn:aws:lambda:{}:111122223333:function:notify:7",
                support::REGION
            )],
        ),
        (
            "arn:aws-cn:lambda:cn-north-1:111122223333:function:notify",
            vec![format!("{other}:notify"), format!("{other}:notify:*")],
        ),
        (
            "arn:aws-cn:lambda:cn-north-1:111122223333:function:notify:$LATEST",
            vec![format!("{other}:notify:$LATEST")],
        ),
    ];
    let moto = Moto::start();
    for (value, expected) in forms {
        let parameters =
            std::collections::BTreeMap::from([("VarNotifyFunction".to_string(), value.to_string())]);
        let deployed = evaluate_in(&template["Conditions"], policy, &parameters);
        assert_eq!(deployed["Statement"][0]["Resource"], json!(expected), "{value}");

        let live = generated_policy(&moto, &stack, &[format!("notify_function={value}")]).await;
        assert_eq!(
            deployed["Statement"], live["Statement"],
            "{value}: what synth declares is what up made"
        );
    }
}

/// The template `synth` writes for `stack`, which cfn-lint must pass (written into `dir`).
fn linted_template(dir: &Path, stack: &Path) -> Value {
    let text = synth(stack.to_str().expect("utf-8 path"), &[]);
    let template_path = dir.join("template.json");
    std::fs::write(&template_path, &text).expect("write template");
    let (code, lint) = cfn_lint(&template_path);
    assert_eq!(code, 0, "{lint}");
    serde_json::from_str(&text).expect("JSON")
}

/// A stack in `dir` with one machine, `notify`, whose definition's `States` are `states` (the
/// first is where it starts), each (substitution, variable, default) of `vars` a definition
/// substitution that is a stack variable as a whole; a route starts it.
fn notify_stack(dir: &Path, states: &str, vars: &[(&str, &str, &str)]) -> PathBuf {
    let states: Value = serde_json::from_str(states).expect("states are JSON");
    let first = states
        .as_object()
        .and_then(|s| s.keys().next())
        .expect("a state")
        .clone();
    let definition = json!({"StartAt": first, "States": states});
    std::fs::write(dir.join("notify.asl.json"), definition.to_string()).expect("write definition");
    let defaults: String = vars
        .iter()
        .map(|(_, var, value)| format!("{var} = \"{value}\"\n"))
        .collect();
    let substitutions: Vec<String> = vars
        .iter()
        .map(|(key, var, _)| format!("{key} = \"${{var.{var}}}\""))
        .collect();
    let stack = dir.join("notify.toml");
    std::fs::write(
        &stack,
        format!(
            r#"[stack]
name = "notify"
region = "{region}"
allow = ["no-throttling"]

[vars]
{defaults}
[api]
name = "notify-api"

[role]
name = "notify-api-role"
policy_name = "Invoke"

[[state_machine]]
name = "notify"
definition = "notify.asl.json"
substitutions = {{ {substitutions} }}

[[route]]
key = "POST /notify"
action = "StartExecution"
state_machine = "notify"
parameters = {{ Input = "$request.body" }}
allow = ["no-authorization"]

[stage]
name = "$default"
auto_deploy = true
"#,
            region = support::REGION,
            substitutions = substitutions.join(", ")
        ),
    )
    .expect("write stack");
    stack
}

/// What `up` with `vars` (NAME=VALUE) puts in the generated role's policy of the `notify` stack.
async fn generated_policy(moto: &Moto, stack: &Path, vars: &[String]) -> Value {
    let mut up = support::provision(&moto.url());
    up.arg("up").arg(stack);
    for var in vars {
        up.args(["--var", var]);
    }
    let out = up.output().expect("run up");
    assert!(
        out.status.success(),
        "{vars:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live = moto
        .iam()
        .get_role_policy()
        .role_name(format!("StepFunctions-notify-{}", support::REGION))
        .policy_name("StateMachineExecution")
        .send()
        .await
        .expect("GetRolePolicy");
    support::decode_policy(live.policy_document())
}

/// A DynamoDB `TableName` and an EventBridge `EventBusName` that are stack variables as a whole:
/// each takes a name or an ARN (DynamoDB API reference, PutItem: "You can also provide the
/// Amazon Resource Name (ARN) of the table"; EventBridge, PutEventsRequestEntry: "The name or ARN
/// of the event bus"). For each form, the template's policy evaluated with the values grants
/// exactly what `up` with them puts on the role (read back from moto), and cfn-lint passes.
/// Before the fix an ARN stood where the name goes (`table/arn:aws:dynamodb:...`).
#[tokio::test]
async fn table_and_event_bus_variables_give_the_generated_role_their_arns_in_both_forms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let stack = notify_stack(
        dir.path(),
        r#"{"Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
              "Parameters": {"TableName": "${Table}", "Item": {"id": {"S.$": "$.id"}}}, "Next": "Tell"},
            "Tell": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
              "Parameters": {"Entries": [{"EventBusName": "${Bus}", "Source": "notify", "DetailType": "saved", "Detail.$": "$"}]}, "End": true}}"#,
        &[("Table", "table", "users"), ("Bus", "bus", "orders")],
    );
    let template = linted_template(dir.path(), &stack);
    let policy =
        &template["Resources"]["StateMachineRoleNotify"]["Properties"]["Policies"][0]["PolicyDocument"];
    let here = format!("{}:189107071895", support::REGION);
    let forms = [
        (
            ("users", "orders"),
            (
                format!("arn:aws:dynamodb:{here}:table/users"),
                format!("arn:aws:events:{here}:event-bus/orders"),
            ),
        ),
        (
            (
                "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/users",
                "arn:aws:events:eu-west-1:111122223333:event-bus/orders",
            ),
            (
                "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/users".to_string(),
                "arn:aws:events:eu-west-1:111122223333:event-bus/orders".to_string(),
            ),
        ),
    ];
    let moto = Moto::start();
    for ((table, bus), (table_arn, bus_arn)) in forms {
        let parameters = std::collections::BTreeMap::from([
            ("VarTable".to_string(), table.to_string()),
            ("VarBus".to_string(), bus.to_string()),
        ]);
        let deployed = evaluate_in(&template["Conditions"], policy, &parameters);
        let granted: Vec<Value> = deployed["Statement"]
            .as_array()
            .expect("statements")
            .iter()
            .flat_map(|s| s["Resource"].as_array().cloned().unwrap_or_default())
            .collect();
        assert!(granted.contains(&json!(table_arn)), "{table}: {deployed}");
        assert!(granted.contains(&json!(bus_arn)), "{bus}: {deployed}");
        let live = generated_policy(&moto, &stack, &[format!("table={table}"), format!("bus={bus}")]).await;
        assert_eq!(
            deployed["Statement"], live["Statement"],
            "{table}, {bus}: what synth declares is what up made"
        );
    }
}
