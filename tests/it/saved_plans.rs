//! Nothing deleted unasked: `up` asks on a terminal before it deletes or replaces, and a plan
//! saved by `diff --out` is applied by `up --plan` exactly as reviewed, or refused. Checked on
//! moto through a second client and the recording proxy.

use crate::support;
use crate::support::text;

use std::process::{Command, Output, Stdio};

use aws_sdk_sfn::types::StateMachineType;
use support::World;

const TWO_ROUTES: &str = r#"
[stack]
name = "saved"
region = "ap-southeast-2"

[api]
name = "saved-api"

[role]
name = "saved-role"
policy_name = "saved-invoke"

[[route]]
key = "POST /a"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:saved"
authorization = "AWS_IAM"

[[route]]
key = "POST /b"
action = "StartExecution"
state_machine = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:saved"
authorization = "AWS_IAM"

[stage]
name = "$default"
auto_deploy = true
throttling_burst_limit = 10
throttling_rate_limit = 5.0
"#;

/// The stack with route `POST /b` removed.
fn one_route() -> String {
    let start = TWO_ROUTES.find("[[route]]\nkey = \"POST /b\"").unwrap_or(0);
    let end = TWO_ROUTES.find("[stage]").unwrap_or(TWO_ROUTES.len());
    format!("{}{}", &TWO_ROUTES[..start], &TWO_ROUTES[end..])
}

async fn route_keys(world: &World) -> Vec<String> {
    let api = world.only_api_id("saved").await;
    let routes = world
        .moto
        .apigw()
        .get_routes()
        .api_id(api)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut keys: Vec<String> = routes
        .items()
        .iter()
        .filter_map(|r| r.route_key().map(str::to_string))
        .collect();
    keys.sort();
    keys
}

/// `provision ARGS` on a pseudo-terminal made by `script`, with `answer` typed at the prompt.
fn on_a_terminal(world: &World, args: &[&str], answer: &str) -> Output {
    let mut command = support::provision(&world.proxy.url());
    command.args(args);
    let line = std::iter::once(format!("{:?}", env!("CARGO_BIN_EXE_provision")))
        .chain(args.iter().map(|a| format!("'{a}'")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut script = Command::new("script");
    script.args(["-q", "-e", "-c", &line, "/dev/null"]);
    // The same environment as `support::provision`, on a terminal.
    for (key, value) in command.get_envs() {
        match value {
            Some(v) => script.env(key, v),
            None => script.env_remove(key),
        };
    }
    script.current_dir(env!("CARGO_MANIFEST_DIR"));
    let mut child = script
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run script(1): {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = writeln!(stdin, "{answer}");
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_up_asks_before_deleting_and_no_changes_nothing() {
    let world = World::start(&[("saved", StateMachineType::Standard)]).await;
    let stack = world.stack("saved.toml", TWO_ROUTES);
    let stack = stack.display().to_string();
    world.ok(&["up", &stack]);
    world.stack("saved.toml", &one_route());
    world.proxy.clear();

    let out = on_a_terminal(&world, &["up", &stack], "no");
    let screen = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{screen}");
    assert!(
        screen.contains("- route POST /b"),
        "the plan is shown first:\n{screen}"
    );
    assert!(screen.contains("Type yes to continue"), "{screen}");
    assert!(screen.contains("not confirmed; nothing was changed"), "{screen}");
    assert!(
        world.proxy.mutating_calls().is_empty(),
        "{:?}",
        world.proxy.mutating_calls()
    );
    assert_eq!(route_keys(&world).await, ["POST /a", "POST /b"]);

    let out = on_a_terminal(&world, &["up", &stack], "yes");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(route_keys(&world).await, ["POST /a"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn off_a_terminal_up_proceeds_as_ci_reviewed_the_plan() {
    let world = World::start(&[("saved", StateMachineType::Standard)]).await;
    let stack = world.stack("saved.toml", TWO_ROUTES).display().to_string();
    world.ok(&["up", &stack]);
    world.stack("saved.toml", &one_route());
    world.ok(&["up", &stack]);
    assert_eq!(route_keys(&world).await, ["POST /a"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_is_applied_exactly() {
    let world = World::start(&[("saved", StateMachineType::Standard)]).await;
    let stack = world.stack("saved.toml", TWO_ROUTES).display().to_string();
    let plan = world.dir.path().join("plan.json").display().to_string();
    let out = world.ok(&["diff", &stack, "--out", &plan]);
    assert!(
        text(&out.stderr).contains("provision up --plan"),
        "{}",
        text(&out.stderr)
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap_or_default()).unwrap_or_default();
    assert_eq!(saved["stack"], "saved");
    assert_eq!(saved["format"], 1);
    assert_eq!(saved["stack_file"], stack.as_str());
    // No stack argument: the plan names its file.
    world.ok(&["up", "--plan", &plan]);
    assert_eq!(route_keys(&world).await, ["POST /a", "POST /b"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_is_refused_after_aws_changed() {
    let world = World::start(&[("saved", StateMachineType::Standard)]).await;
    let stack = world.stack("saved.toml", TWO_ROUTES).display().to_string();
    world.ok(&["up", &stack]);
    world.stack("saved.toml", &one_route());
    let plan = world.dir.path().join("plan.json").display().to_string();
    world.ok(&["diff", &stack, "--out", &plan]);
    // A second client changes what the plan was made from.
    let api = world.only_api_id("saved").await;
    world
        .moto
        .apigw()
        .update_api()
        .api_id(&api)
        .name("renamed-by-hand")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    world.proxy.clear();
    let out = world.run(&["up", "--plan", &plan]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "cannot be applied: the live state in AWS changed since the plan was made; nothing was changed"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("provision diff {stack} --out {plan}")),
        "{stderr}"
    );
    assert!(world.proxy.mutating_calls().is_empty());
    assert_eq!(route_keys(&world).await, ["POST /a", "POST /b"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_is_refused_after_the_stack_file_changed() {
    let world = World::start(&[("saved", StateMachineType::Standard)]).await;
    let stack = world.stack("saved.toml", TWO_ROUTES).display().to_string();
    let plan = world.dir.path().join("plan.json").display().to_string();
    world.ok(&["diff", &stack, "--out", &plan]);
    world.stack("saved.toml", &one_route());
    world.proxy.clear();
    let out = world.run(&["up", &stack, "--plan", &plan]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the stack file changed since the plan was made"),
        "{stderr}"
    );
    assert!(world.proxy.mutating_calls().is_empty());
    assert!(world.owned_apis("saved").await.is_empty(), "nothing was created");
}
