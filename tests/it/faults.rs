//! Under faults nothing is lost and nothing is duplicated: injected 5xx, throttling, 409
//! concurrent modification, connection resets and lost responses; SIGKILL at random moments;
//! two `up` runs at once. Every check reads moto directly, never through the tool.

use crate::support;

use std::collections::HashMap;
use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sfn::types::StateMachineType;
use support::{Action, Call, Moto, RecordingProxy, labelled as describe, run};

const ROLE: &str = "user-onboarding-api-gateway-stepfunctions-role";
const POLICY: &str = "InvokeUserOnboardingWorkflow";
const STACK: &str = "tests/fixtures/onboarding-existing-machine.toml";
const MACHINE: &str = "arn:aws:states:ap-southeast-2:189107071895:stateMachine:user-onboarding";

/// A small deterministic generator, so a failing seed can be replayed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

async fn moto() -> Moto {
    let moto = Moto::start();
    support::create_state_machine(&moto.sfn(), "user-onboarding", StateMachineType::Standard).await;
    moto
}

fn spawn(url: &str, args: &[&str]) -> Child {
    support::provision(url)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn provision")
}

/// Runs `args` up to three times until it succeeds; returns how many runs it took.
fn converge(url: &str, args: &[&str]) -> usize {
    let mut last = String::new();
    for attempt in 1..=3 {
        let out = run(url, args);
        if out.status.success() {
            return attempt;
        }
        last = describe(&out);
    }
    panic!("provision {args:?} did not converge in three runs; last:\n{last}");
}

/// Exactly the onboarding stack exists: one API (and no other), one route targeting the one
/// integration, one stage, the role with exactly its one inline policy.
async fn assert_exactly_declared(moto: &Moto) {
    let gw = moto.apigw();
    let apis = gw.get_apis().send().await.expect("GetApis");
    assert_eq!(apis.items().len(), 1, "exactly one API: {:?}", apis.items());
    let api = apis.items()[0].api_id().expect("id");
    let routes = gw.get_routes().api_id(api).send().await.expect("GetRoutes");
    let integrations = gw
        .get_integrations()
        .api_id(api)
        .send()
        .await
        .expect("GetIntegrations");
    let stages = gw.get_stages().api_id(api).send().await.expect("GetStages");
    assert_eq!(routes.items().len(), 1, "{:?}", routes.items());
    assert_eq!(integrations.items().len(), 1, "{:?}", integrations.items());
    assert_eq!(stages.items().len(), 1, "{:?}", stages.items());
    assert_eq!(routes.items()[0].route_key(), Some("POST /new-user"));
    assert_eq!(
        routes.items()[0].target().map(str::to_string),
        Some(format!(
            "integrations/{}",
            integrations.items()[0].integration_id().unwrap_or_default()
        ))
    );
    let iam = moto.iam();
    let role = support::owned_role(&iam, ROLE, "user-onboarding").await;
    let integration = &integrations.items()[0];
    assert_eq!(
        integration.integration_subtype(),
        Some("StepFunctions-StartExecution")
    );
    assert_eq!(integration.credentials_arn(), Some(role.arn()));
    let params = integration.request_parameters().cloned().unwrap_or_default();
    assert_eq!(
        params.get("Input").map(String::as_str),
        Some("$request.body.input")
    );
    assert_eq!(params.get("StateMachineArn").map(String::as_str), Some(MACHINE));
    assert_eq!(params.len(), 2, "{params:?}");
    assert_eq!(stages.items()[0].stage_name(), Some("$default"));
    assert_eq!(stages.items()[0].auto_deploy(), Some(true));
    let document = iam
        .get_role_policy()
        .role_name(ROLE)
        .policy_name(POLICY)
        .send()
        .await
        .expect("GetRolePolicy");
    let document: serde_json::Value = serde_json::from_str(
        &percent_encoding::percent_decode_str(document.policy_document()).decode_utf8_lossy(),
    )
    .expect("policy JSON");
    assert_eq!(document["Statement"][0]["Resource"], serde_json::json!([MACHINE]));
    let policies = iam
        .list_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .expect("ListRolePolicies");
    assert_eq!(policies.policy_names(), [POLICY.to_string()]);
    let roles = iam.list_roles().send().await.expect("ListRoles");
    let ours = roles.roles().iter().filter(|r| r.role_name() == ROLE).count();
    assert_eq!(ours, 1);
}

async fn assert_nothing_left(moto: &Moto) {
    let apis = moto.apigw().get_apis().send().await.expect("GetApis");
    assert!(apis.items().is_empty(), "APIs left: {:?}", apis.items());
    let role = moto.iam().get_role().role_name(ROLE).send().await;
    assert!(role.is_err(), "role left: {role:?}");
}

/// 500, 503, throttling, 409 concurrent modification, a reset before forwarding, and a lost
/// response (forwarded, reply dropped), each equally likely, on `rate` percent of calls. Each
/// decision depends only on the seed, the operation and how many times it was called before, so a
/// failing seed replays the same faults whatever order concurrent calls arrive in. `injected`
/// counts the faults.
fn fault_policy(seed: u64, rate: u64, injected: Arc<AtomicUsize>) -> impl Fn(&Call) -> Action + Send + Sync {
    let seen: Mutex<HashMap<String, u64>> = Mutex::new(HashMap::new());
    move |call: &Call| {
        let n = {
            let mut seen = seen.lock().unwrap_or_else(|p| p.into_inner());
            let n = seen.entry(call.operation.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let name: u64 = call.operation.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = XorShift(
            (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ name ^ n.wrapping_mul(0xD6E8_FEB8_6659_FD93)) | 1,
        );
        rng.next();
        if rng.below(100) >= rate {
            return Action::Forward;
        }
        injected.fetch_add(1, Ordering::SeqCst);
        let throttle = if call.service == "apigatewayv2" {
            "TooManyRequestsException"
        } else {
            "Throttling"
        };
        let conflict = if call.service == "apigatewayv2" {
            "ConflictException"
        } else {
            "ConcurrentModification"
        };
        match rng.below(6) {
            0 => Action::respond(500, "InternalFailure"),
            1 => Action::respond(503, "ServiceUnavailable"),
            2 => Action::respond(429, throttle),
            3 => Action::respond(409, conflict),
            4 => Action::Reset,
            _ => Action::ForwardThenReset,
        }
    }
}

/// Seed `k` of the run: `FAULT_SEED_BASE=N` shifts all of them, to run the suite with other seeds.
fn seed(k: u64) -> u64 {
    let base: u64 = std::env::var("FAULT_SEED_BASE")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(0);
    base * 3 + k
}

async fn twenty_percent_faults(seed: u64) {
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    let injected = Arc::new(AtomicUsize::new(0));
    proxy.set_policy(fault_policy(seed, 20, injected.clone()));
    let runs = converge(&proxy.url(), &["up", STACK]);
    eprintln!("seed {seed}: up converged in {runs} run(s)");
    assert_exactly_declared(&moto).await;

    converge(&proxy.url(), &["down", "--yes", STACK]);
    assert_nothing_left(&moto).await;
    let injected = injected.load(Ordering::SeqCst);
    let calls = proxy.calls().len();
    eprintln!("seed {seed}: {injected} faults injected into {calls} calls");
    assert!(injected > 0, "faults were injected ({injected} of {calls} calls)");
}

#[tokio::test]
async fn twenty_percent_faults_seed_1() {
    twenty_percent_faults(seed(1)).await;
}

#[tokio::test]
async fn twenty_percent_faults_seed_2() {
    twenty_percent_faults(seed(2)).await;
}

#[tokio::test]
async fn twenty_percent_faults_seed_3() {
    twenty_percent_faults(seed(3)).await;
}

/// The first call of `operation` reaches moto and does its work, but its reply is lost. With
/// `one_by_one`, ImportApi is refused (AccessDenied), so that the API is made one call per
/// resource and its creates are the ones whose answers are lost.
async fn lose_the_response_of(operation: &'static str, one_by_one: bool) {
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    let lost = Mutex::new(false);
    proxy.set_policy(move |call: &Call| {
        let mut lost = lost.lock().unwrap_or_else(|p| p.into_inner());
        if one_by_one && call.operation == "ImportApi" {
            Action::respond(403, "AccessDeniedException")
        } else if call.operation == operation && !*lost {
            *lost = true;
            Action::ForwardThenReset
        } else {
            Action::Forward
        }
    });
    let out = run(&proxy.url(), &["up", STACK]);
    assert!(
        out.status.success(),
        "one lost response must not fail up:\n{}",
        describe(&out)
    );
    let sent = proxy.operations().iter().filter(|o| *o == operation).count();
    if operation.starts_with("Create") || operation == "ImportApi" {
        assert_eq!(
            sent, 1,
            "{operation} is never sent again after its response was lost"
        );
    } else {
        // PutRolePolicy replaces by name: sending it again is the safe way to learn the outcome.
        assert!(sent >= 1, "{operation} was called");
    }
    assert_exactly_declared(&moto).await;

    proxy.clear_policy();
    proxy.clear();
    let again = run(&proxy.url(), &["up", STACK]);
    assert!(again.status.success());
    assert_eq!(
        proxy.mutating_calls(),
        vec![],
        "converged after the lost response"
    );
}

/// ImportApi did its work but its answer was lost: the API is found by its ownership tag (the
/// document carries it), ImportApi is not sent again and no second API is made.
#[tokio::test]
async fn lost_import_api_response_finds_the_api_by_its_tag() {
    lose_the_response_of("ImportApi", false).await;
}

#[tokio::test]
async fn lost_create_api_response_adopts_the_api() {
    lose_the_response_of("CreateApi", true).await;
}

#[tokio::test]
async fn lost_create_integration_response_adopts_the_integration() {
    lose_the_response_of("CreateIntegration", true).await;
}

#[tokio::test]
async fn lost_create_route_response_adopts_the_route() {
    lose_the_response_of("CreateRoute", true).await;
}

#[tokio::test]
async fn lost_create_stage_response_adopts_the_stage() {
    lose_the_response_of("CreateStage", false).await;
}

#[tokio::test]
async fn lost_create_role_response_adopts_the_role() {
    lose_the_response_of("CreateRole", false).await;
}

#[tokio::test]
async fn lost_put_role_policy_response_is_harmless() {
    lose_the_response_of("PutRolePolicy", false).await;
}

/// Waits until the proxy has seen `n` mutating calls.
fn wait_for_mutations(proxy: &RecordingProxy, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while proxy.mutating_calls().len() < n {
        assert!(Instant::now() < deadline, "the run never made {n} changes");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// SIGKILL after the k-th change of a run, for k across the whole run, then a clean run finishes
/// the job. Every change is slowed at the proxy, so the kill lands mid-run by construction.
#[tokio::test]
async fn killed_mid_run_then_a_clean_run_finishes() {
    const SLOW: Duration = Duration::from_millis(150);
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    let url = proxy.url();
    proxy.clear();
    assert!(run(&url, &["up", STACK]).status.success());
    let up_changes = proxy.mutating_calls().len();
    proxy.clear();
    assert!(run(&url, &["down", "--yes", STACK]).status.success());
    let down_changes = proxy.mutating_calls().len();
    // up: CreateRole, PutRolePolicy, ImportApi (the API, its integration and route), CreateStage.
    assert!(
        up_changes >= 4 && down_changes >= 6,
        "{up_changes} {down_changes}"
    );
    proxy.set_policy(|call: &Call| {
        if call.mutating {
            Action::Delay(SLOW)
        } else {
            Action::Forward
        }
    });

    let mut rng = XorShift(0xC0FFEE);
    for round in 0..4 {
        for (command, total) in [
            (&["up", STACK][..], up_changes),
            (&["down", "--yes", STACK][..], down_changes),
        ] {
            let k = 1 + rng.below(total as u64 - 1) as usize;
            proxy.clear();
            let mut child = spawn(&url, command);
            wait_for_mutations(&proxy, k);
            child.kill().expect("SIGKILL");
            let status = child.wait().expect("wait");
            assert!(!status.success(), "round {round}: killed before it finished");
            // Let the requests the killed run had in flight land before the clean run reads.
            proxy.wait_idle();
            let out = run(&url, command);
            assert!(
                out.status.success(),
                "round {round}: {command:?} after a kill at change {k} of {total}:\n{}",
                describe(&out)
            );
            if command[0] == "up" {
                assert_exactly_declared(&moto).await;
            } else {
                assert_nothing_left(&moto).await;
            }
        }
    }
}

/// Every fault the 20% runs draw, on ImportApi itself: a refusal (429, 409), a server error
/// (500, 503) or a reset before it reached AWS, and a lost answer after it did its work. `up`
/// converges in one run with exactly one API; ImportApi is sent again only when nothing was
/// made (looked up by the ownership tag first when the outcome was unknown).
#[tokio::test]
async fn every_fault_on_import_api_converges_with_one_api() {
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    for (fault, resent) in [
        (Action::respond(500, "InternalFailure"), true),
        (Action::respond(503, "ServiceUnavailable"), true),
        (Action::respond(429, "TooManyRequestsException"), true),
        (Action::respond(409, "ConflictException"), true),
        (Action::Reset, true),
        (Action::ForwardThenReset, false),
    ] {
        let once = Mutex::new(Some(fault.clone()));
        proxy.set_policy(move |call: &Call| {
            let mut once = once.lock().unwrap_or_else(|p| p.into_inner());
            match (call.operation.as_str(), once.take()) {
                ("ImportApi", Some(fault)) => fault,
                (_, pending) => {
                    *once = pending;
                    Action::Forward
                }
            }
        });
        proxy.clear();
        let out = run(&proxy.url(), &["up", STACK]);
        assert!(out.status.success(), "{fault:?}: {}", describe(&out));
        let sent = proxy.operations().iter().filter(|o| *o == "ImportApi").count();
        assert_eq!(
            sent,
            if resent { 2 } else { 1 },
            "{fault:?}: {:?}",
            proxy.operations()
        );
        assert!(
            !proxy.operations().iter().any(|o| o == "CreateApi"),
            "{fault:?}: a passing fault never falls back to one call per resource"
        );
        assert_exactly_declared(&moto).await;
        proxy.clear_policy();
        assert!(run(&proxy.url(), &["down", "--yes", STACK]).status.success());
        assert_nothing_left(&moto).await;
    }
}

/// SIGKILL while ImportApi is on its way: the API is made but the run never learns it. The
/// next `up` finds it by its tag and only adds the stage: one API, nothing twice.
#[tokio::test]
async fn killed_right_after_import_api_the_next_up_converges() {
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    let url = proxy.url();
    proxy.set_policy(|call: &Call| {
        if call.operation == "ImportApi" {
            Action::Delay(Duration::from_millis(300))
        } else {
            Action::Forward
        }
    });
    let mut child = spawn(&url, &["up", STACK]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !proxy.operations().iter().any(|o| o == "ImportApi") {
        assert!(Instant::now() < deadline, "up never sent ImportApi");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL");
    assert!(!child.wait().expect("wait").success());
    // The delayed ImportApi still reaches moto: the API exists, its answer went nowhere.
    proxy.wait_idle();
    assert!(!proxy.operations().iter().any(|o| o == "CreateStage"));
    let apis = moto.apigw().get_apis().send().await.expect("GetApis");
    assert_eq!(apis.items().len(), 1, "ImportApi did its work");

    proxy.clear_policy();
    proxy.clear();
    let out = run(&url, &["up", STACK]);
    assert!(out.status.success(), "{}", describe(&out));
    let mutating: Vec<String> = proxy
        .mutating_calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    assert!(
        mutating.contains(&"CreateStage".to_string())
            && !mutating.iter().any(|o| o == "ImportApi" || o == "CreateApi"),
        "only what the killed run had left: {mutating:?}"
    );
    assert_exactly_declared(&moto).await;
}

/// Two `up` runs at once, forced to overlap, then one more: exactly the declared resources, and
/// of the two APIs the runs made, the oldest is the one kept.
#[tokio::test]
async fn two_concurrent_ups_then_one_more_converge() {
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    let url = proxy.url();
    // The API's create (ImportApi) is slow, so both runs plan before either API exists: both
    // create one.
    proxy.set_policy(|call: &Call| {
        if call.operation == "CreateApi" || call.operation == "ImportApi" {
            Action::Delay(Duration::from_millis(1500))
        } else {
            Action::Forward
        }
    });
    let mut a = spawn(&url, &["up", STACK]);
    let mut b = spawn(&url, &["up", STACK]);
    let (ra, rb) = (a.wait().expect("wait"), b.wait().expect("wait"));
    assert!(ra.success() && rb.success(), "both runs finish: {ra:?} {rb:?}");
    let apis = moto.apigw().get_apis().send().await.expect("GetApis");
    assert_eq!(apis.items().len(), 2, "the runs overlapped and each made an API");
    let oldest = apis
        .items()
        .iter()
        .min_by_key(|a| {
            (
                a.created_date().and_then(|d| d.to_millis().ok()),
                a.api_id().map(str::to_string),
            )
        })
        .and_then(|a| a.api_id())
        .expect("an API")
        .to_string();

    proxy.clear_policy();
    let out = run(&url, &["up", STACK]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_exactly_declared(&moto).await;
    let left = moto.apigw().get_apis().send().await.expect("GetApis");
    assert_eq!(
        left.items()[0].api_id(),
        Some(oldest.as_str()),
        "the oldest API is kept"
    );
}

/// Ctrl-C stops at a step boundary: what is in flight finishes, nothing new starts, and the
/// report says what was done; the next `up` finishes the job.
#[tokio::test]
async fn ctrl_c_stops_at_a_step_boundary_and_says_what_was_done() {
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    // A slow control plane, so that the interrupt lands while steps are still to come.
    proxy.set_policy(|call: &Call| {
        if call.mutating {
            Action::Delay(Duration::from_millis(400))
        } else {
            Action::Forward
        }
    });
    // The executor's debug line says when it took the interrupt (nothing starts after it).
    let mut child = support::provision(&proxy.url())
        .args(["up", STACK])
        .env("PROVISION_LOG", "provision::apply=debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn provision");
    let log = Arc::new(Mutex::new(String::new()));
    let reader = {
        let (log, mut pipe) = (log.clone(), child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = std::io::Read::read(&mut pipe, &mut chunk) {
                log.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while !proxy.operations().iter().any(|o| o.starts_with("Create")) {
        assert!(Instant::now() < deadline, "up never started creating");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(status.success());
    // Once the executor took the interrupt, the calls in flight have reached the proxy; none
    // may start later (a new one could only start once an in-flight one completes, 400 ms
    // after it arrived).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !log.lock().unwrap().contains("interrupted by Ctrl-C: ") {
        assert!(
            Instant::now() < deadline,
            "the interrupt was never taken: {}",
            log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let at_interrupt = proxy.mutating_calls().len();
    let out = child.wait_with_output().expect("wait");
    reader.join().expect("stderr reader");
    assert_eq!(
        proxy.mutating_calls().len(),
        at_interrupt,
        "nothing new started after Ctrl-C"
    );
    let stderr = log.lock().unwrap().clone();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted by Ctrl-C"), "{stderr}");
    assert!(
        stderr.contains("not started:") && stderr.contains("re-running `provision up` is safe"),
        "{stderr}"
    );

    proxy.clear_policy();
    let out = run(&proxy.url(), &["up", STACK]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_exactly_declared(&moto).await;
}

/// `up --wait` polls IAM after a role change and says when it settled.
#[tokio::test]
async fn up_wait_polls_iam_until_it_settles() {
    let moto = moto().await;
    let proxy = RecordingProxy::start(&moto.url());
    let out = run(&proxy.url(), &["up", "--wait", "--wait-timeout", "30", STACK]);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("IAM settled"),
        "{}",
        describe(&out)
    );
    let calls = proxy.calls();
    let last_iam_change = calls
        .iter()
        .rposition(|c| c.service == "iam" && c.mutating)
        .expect("the role was created");
    let reads_after = calls[last_iam_change..]
        .iter()
        .filter(|c| c.operation == "GetRole")
        .count();
    assert!(
        reads_after >= 3,
        "three consistent reads after the last IAM change: {reads_after}"
    );

    let quiet = run(&proxy.url(), &["up", "--wait", STACK]);
    assert!(quiet.status.success(), "{}", describe(&quiet));
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains("Waiting for IAM"),
        "nothing to wait for"
    );
}

#[tokio::test]
async fn lost_create_authorizer_response_adopts_the_authorizer() {
    const SECURE: &str = "stacks/onboarding-secure.toml";
    let moto = moto().await;
    support::create_state_machine(&moto.sfn(), "user-onboarding-express", StateMachineType::Express).await;
    let proxy = RecordingProxy::start(&moto.url());
    let lost = Mutex::new(false);
    proxy.set_policy(move |call: &Call| {
        let mut lost = lost.lock().unwrap_or_else(|p| p.into_inner());
        // Made one call per resource (ImportApi refused), so that CreateAuthorizer is sent.
        if call.operation == "ImportApi" {
            Action::respond(403, "AccessDeniedException")
        } else if call.operation == "CreateAuthorizer" && !*lost {
            *lost = true;
            Action::ForwardThenReset
        } else {
            Action::Forward
        }
    });
    let out = run(&proxy.url(), &["up", SECURE]);
    assert!(
        out.status.success(),
        "one lost response must not fail up:\n{}",
        describe(&out)
    );
    let sent = proxy
        .operations()
        .iter()
        .filter(|o| *o == "CreateAuthorizer")
        .count();
    assert_eq!(
        sent, 1,
        "CreateAuthorizer is never sent again after its response was lost"
    );

    let gw = moto.apigw();
    let apis = gw.get_apis().send().await.expect("GetApis");
    let api_id = apis.items()[0].api_id().expect("id");
    let authorizers = gw
        .get_authorizers()
        .api_id(api_id)
        .send()
        .await
        .expect("GetAuthorizers");
    assert_eq!(authorizers.items().len(), 1, "{authorizers:?}");
    let routes = gw.get_routes().api_id(api_id).send().await.expect("GetRoutes");
    let jwt: Vec<_> = routes
        .items()
        .iter()
        .filter(|r| r.authorizer_id().is_some_and(|a| !a.is_empty()))
        .collect();
    assert_eq!(
        jwt.len(),
        2,
        "both JWT routes use the adopted authorizer: {routes:?}"
    );
    assert!(
        jwt.iter()
            .all(|r| r.authorizer_id() == authorizers.items()[0].authorizer_id())
    );

    proxy.clear_policy();
    proxy.clear();
    assert!(run(&proxy.url(), &["up", SECURE]).status.success());
    assert_eq!(
        proxy.mutating_calls(),
        vec![],
        "converged after the lost response"
    );
}
