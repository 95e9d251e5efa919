//! Call budgets and many stacks at once, against moto through a recording proxy: a fresh `up`
//! of the onboarding stack makes only the creates it needs, a no-op `diff` reads each collection
//! once, a no-op `diff` of a 300-route stack reads no more than a small stack does (one listing
//! per collection, never a get per route), and `up DIR` applies every stack in a folder.
//! Timings are measured in `bench/`, never here.

use crate::support;

use aws_sdk_sfn::types::StateMachineType;
use support::World;

const ONBOARDING: &str = "tests/fixtures/onboarding-existing-machine.toml";

async fn env() -> World {
    World::start(&[
        ("user-onboarding", StateMachineType::Standard),
        ("user-onboarding-express", StateMachineType::Express),
    ])
    .await
}

#[tokio::test]
async fn a_fresh_up_makes_only_its_creates_and_a_no_op_diff_reads_each_collection_once() {
    let world = env().await;
    let proxy = &world.proxy;
    world.ok(&["up", ONBOARDING]);
    let mut creates: Vec<String> = proxy
        .mutating_calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    creates.sort();
    // The API with its route and integration is one ImportApi call (issue 26).
    assert_eq!(
        creates,
        ["CreateRole", "CreateStage", "ImportApi", "PutRolePolicy"]
    );

    proxy.clear();
    world.ok(&["diff", ONBOARDING]);
    let mut reads = proxy.operations();
    reads.sort();
    assert_eq!(
        reads,
        [
            "DescribeStateMachine",
            "GetApis",
            "GetIntegrations",
            "GetRole",
            "GetRolePolicy",
            "GetRoutes",
            "GetStages",
            "ListAttachedRolePolicies",
            "ListRolePolicies",
        ]
    );
}

/// What a fresh `up` of `stacks/onboarding.toml` creates (sorted): the API with its route and
/// integration is one ImportApi call (issue 26).
const SHIPPED_CREATES: &[&str] = &[
    "CreateRole",
    "CreateRole",
    "CreateStage",
    "CreateStateMachine",
    "ImportApi",
    "PutRolePolicy",
    "PutRolePolicy",
];
/// What a no-op `diff` of `stacks/onboarding.toml` reads (sorted).
/// 19: the fixture's 9, plus the caller's account (the route names the machine by name), the
/// generated role read as the API's is (4), the machine's tags, versions and aliases, the
/// account's machines listed once (an owned machine the stack no longer declares), and the
/// definition validated by Step Functions.
const SHIPPED_READS: &[&str] = &[
    "DescribeStateMachine",
    "GetApis",
    "GetCallerIdentity",
    "GetIntegrations",
    "GetRole",
    "GetRole",
    "GetRolePolicy",
    "GetRolePolicy",
    "GetRoutes",
    "GetStages",
    "ListAttachedRolePolicies",
    "ListAttachedRolePolicies",
    "ListRolePolicies",
    "ListRolePolicies",
    "ListStateMachineAliases",
    "ListStateMachineVersions",
    "ListStateMachines",
    "ListTagsForResource",
    "ValidateStateMachineDefinition",
];

/// The shipped stack declares its workflow: a fresh `up` also creates the machine and its
/// generated role, and a no-op `diff` also reads them (the machine's tags and aliases, the role
/// and its policy) and lists the account's machines once, to find one the stack owns but no
/// longer declares. The fixture's counts above stay what issue 25 pins (9 reads).
#[tokio::test]
async fn the_shipped_stack_s_fresh_up_and_no_op_diff_cost_these_calls() {
    let world = World::start(&[]).await;
    let proxy = &world.proxy;
    world.ok(&["up", "stacks/onboarding.toml"]);
    let mut creates: Vec<String> = proxy
        .mutating_calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    creates.sort();
    assert_eq!(creates, SHIPPED_CREATES);

    proxy.clear();
    world.ok(&["diff", "stacks/onboarding.toml"]);
    let mut reads = proxy.operations();
    reads.sort();
    assert_eq!(reads, SHIPPED_READS);
    assert!(proxy.mutating_calls().is_empty());
}

#[tokio::test]
async fn a_300_route_no_op_diff_lists_each_collection_once() {
    let world = env().await;
    let proxy = &world.proxy;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = std::fs::read_to_string(ONBOARDING).expect("onboarding").replace(
        "[[route]]\nkey = \"POST /new-user\"",
        "[[route]]\nkey = \"POST /r000\"",
    );
    for i in 1..300 {
        text.push_str(&format!(
            "\n[[route]]\nkey = \"POST /r{i:03}\"\naction = \"StartExecution\"\n\
             state_machine = \"arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding\"\n"
        ));
    }
    let path = dir.path().join("big.toml");
    std::fs::write(&path, text).expect("write stack");
    let path = path.to_str().expect("utf-8 path");
    world.ok(&["up", "--max-rps", "0", path]);
    // A new API of 300 routes is one ImportApi call and its stage; the routes are all there.
    let gateway: Vec<String> = proxy
        .mutating_calls()
        .iter()
        .filter(|c| c.service == "apigatewayv2")
        .map(|c| c.operation.clone())
        .collect();
    assert_eq!(gateway, ["ImportApi", "CreateStage"]);
    let api = world.only_api_id("user-onboarding").await;
    let routes = world
        .moto
        .apigw()
        .get_routes()
        .api_id(&api)
        .send()
        .await
        .expect("GetRoutes");
    assert_eq!(routes.items().len(), 300);

    proxy.clear();
    let out = world.ok(&["diff", "--exit-code", path]);
    assert_eq!(out.status.code(), Some(0), "no changes");
    // moto never pages, so one call per collection (authorizers are not read: the stack declares
    // none and no route uses one); a reader that fetched each route or integration would show
    // 300 more.
    assert_eq!(proxy.calls().len(), 9, "{:?}", proxy.operations());
}

#[tokio::test]
async fn up_of_a_folder_applies_every_stack_and_a_second_run_changes_nothing() {
    let world = env().await;
    let (moto, proxy) = (&world.moto, &world.proxy);
    let dir = tempfile::tempdir().expect("tempdir");
    // The onboarding stack whose machine exists already (the world created it), so the folder's
    // two stacks are what this test has always counted.
    for (from, file) in [
        (ONBOARDING, "onboarding.toml"),
        ("stacks/onboarding-secure.toml", "onboarding-secure.toml"),
    ] {
        std::fs::copy(from, dir.path().join(file)).expect("copy stack");
    }
    let folder = dir.path().to_str().expect("utf-8 path");
    let out = world.ok(&["up", folder]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2 stack(s) up, 0 failed"), "{stdout}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[onboarding-secure.toml]"),
        "lines carry their stack: {stderr}"
    );

    let apis = moto.apigw().get_apis().send().await.expect("GetApis");
    let mut owners: Vec<&str> = apis
        .items()
        .iter()
        .filter_map(|a| a.tags()?.get("provision:stack").map(String::as_str))
        .collect();
    owners.sort();
    assert_eq!(owners, ["user-onboarding", "user-onboarding-secure"]);

    proxy.clear();
    world.ok(&["up", folder]);
    assert!(proxy.mutating_calls().is_empty(), "{:?}", proxy.mutating_calls());
}

#[tokio::test]
async fn up_of_a_folder_with_two_files_naming_one_stack_sends_nothing() {
    let world = env().await;
    let proxy = &world.proxy;
    let dir = tempfile::tempdir().expect("tempdir");
    for file in ["a.toml", "b.toml"] {
        std::fs::copy(ONBOARDING, dir.path().join(file)).expect("copy stack");
    }
    let out = support::provision(&proxy.url())
        .args(["up", dir.path().to_str().expect("utf-8 path")])
        .output()
        .expect("run provision");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("both name the stack `user-onboarding`"),
        "{stderr}"
    );
    assert!(proxy.calls().is_empty(), "{:?}", proxy.operations());
}
