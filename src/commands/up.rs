//! `provision up`: plan, then apply in dependency order.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{FAILED, OK};
use crate::apply::{self, Resolved};
use crate::aws::AwsSettings;
use crate::live::{self, Live, RoleState};
use crate::plan::{self, Kind, Plan, PlanOptions};
use crate::render::Printer;
use crate::stack::Desired;

/// Creates or updates the stack. A second run with nothing changed makes no mutating call.
/// With `wait`, polls IAM after a role or policy change for at most that long.
pub async fn run(
    printer: &Printer,
    settings: &AwsSettings,
    given: Option<PathBuf>,
    adopt: bool,
    wait: Option<Duration>,
) -> u8 {
    let (desired, clients, live) = match super::prepare(printer, settings, given).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    let plan = match plan::plan(&desired, &live, PlanOptions { adopt }) {
        Ok(p) => p,
        Err(e) => {
            printer.error(&e.to_string());
            return FAILED;
        }
    };
    if plan.is_empty() {
        printer.progress(&format!("No changes: stack {} is up to date.", desired.stack));
    } else {
        printer.progress(&format!(
            "Applying {} change(s) to stack {}:",
            plan.changes.len(),
            desired.stack
        ));
    }
    let seed = seed(&live);
    let outcome = apply::apply(&clients, &plan, seed, |done| {
        printer.step(&done.label, done.elapsed)
    })
    .await;
    let report = json!({
        "stack": desired.stack,
        "changes": serde_json::to_value(&plan.changes).unwrap_or_default(),
        "completed": outcome.completed.iter().map(|c| &c.label).collect::<Vec<_>>(),
    });
    if let Some(stopped) = &outcome.stopped {
        let reason = stopped.to_string();
        printer.error(&format!(
            "up stopped: {reason}\n  completed: {} step(s){}\n  not started: {}\n  re-running `provision up` is safe: it reads what exists and finishes the job",
            outcome.completed.len(),
            outcome.completed.iter().map(|c| format!("\n    ✓ {}", c.label)).collect::<String>(),
            if outcome.not_started.is_empty() { "nothing".to_string() } else { outcome.not_started.join(", ") },
        ));
        let mut report = report;
        report["error"] = json!(reason);
        report["not_started"] = json!(outcome.not_started);
        printer.json(&report);
        return FAILED;
    }
    if touches_iam(&plan) {
        match wait {
            None => printer.note(
                "IAM changes can take up to a minute to reach API Gateway; until then the route may answer \
                 500 (`up --wait` waits for them)",
            ),
            Some(limit) => {
                if !wait_for_iam(printer, &clients, &desired, limit).await {
                    printer.error(&format!(
                        "IAM did not settle within {}s; the stack is applied, but routes may answer 500 for a while",
                        limit.as_secs()
                    ));
                    return FAILED;
                }
            }
        }
    }
    let outputs = outputs(&desired, &outcome.resolved, &clients.region);
    print_outputs(printer, &outputs);
    let mut report = report;
    report["outputs"] = outputs;
    printer.json(&report);
    OK
}

/// `up` of every stack file in `dir`, concurrently, each stack's lines prefixed with its file
/// name, then one summary. Exit 0 only when every stack is up.
pub async fn run_folder(
    printer: &Printer,
    settings: &AwsSettings,
    dir: &std::path::Path,
    adopt: bool,
    wait: Option<Duration>,
) -> u8 {
    let files = match crate::stack::list(dir) {
        Ok(files) => files,
        Err(e) => {
            printer.error(&e);
            return FAILED;
        }
    };
    if let Some(clash) = name_clash(&files) {
        printer.error(&clash);
        return FAILED;
    }
    printer.progress(&format!(
        "Applying {} stack(s) from {}:",
        files.len(),
        dir.display()
    ));
    let start = Instant::now();
    // A few stacks at a time: they share the account's pace, and a call queued for a token too
    // long would run out its attempt timeout.
    let slots = Arc::new(tokio::sync::Semaphore::new(STACKS_AT_ONCE));
    let mut running = tokio::task::JoinSet::new();
    for (i, file) in files.iter().enumerate() {
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let (scoped, settings, file) = (printer.scoped(&name), settings.clone(), file.clone());
        let slots = slots.clone();
        running.spawn(async move {
            let _slot = slots.acquire_owned().await;
            (i, run(&scoped, &settings, Some(file), adopt, wait).await)
        });
    }
    let mut codes = vec![FAILED; files.len()];
    while let Some(joined) = running.join_next().await {
        if let Ok((i, code)) = joined {
            codes[i] = code;
        }
    }
    let failed = codes.iter().filter(|c| **c != OK).count();
    printer.line("");
    for (file, code) in files.iter().zip(&codes) {
        let mark = if *code == OK { "✓" } else { "✗" };
        printer.line(&format!("{mark} {}", file.display()));
    }
    printer.line(&format!(
        "{} stack(s) up, {failed} failed, in {:.1}s",
        files.len() - failed,
        start.elapsed().as_secs_f64()
    ));
    printer.json(&json!({
        "stacks": files.iter().zip(&codes).map(|(f, c)| json!({
            "file": f.display().to_string(),
            "ok": *c == OK,
        })).collect::<Vec<_>>(),
    }));
    if failed == 0 { OK } else { FAILED }
}

/// How many stacks of a folder are applied at once.
const STACKS_AT_ONCE: usize = 3;

/// Two files of a folder that name the same stack or role would fight over the same resources:
/// say which, before anything is sent.
fn name_clash(files: &[PathBuf]) -> Option<String> {
    let mut seen: std::collections::BTreeMap<(&str, String), (&PathBuf, String)> = Default::default();
    for file in files {
        // A file with errors is reported by its own run; only valid ones can clash.
        let Some(d) = crate::stack::load(file).desired else {
            continue;
        };
        // IAM role names are unique regardless of case ("IAM identifiers": names are not
        // distinguished by case), so `Role` and `role` are one role; stack names are tag values,
        // compared exactly.
        let role_key = d.role.name.to_lowercase();
        for (what, key, name) in [
            ("stack", d.stack.clone(), d.stack),
            ("role", role_key, d.role.name),
        ] {
            if let Some((other, first)) = seen.insert((what, key), (file, name.clone())) {
                let names = if first == name {
                    format!("`{name}`")
                } else {
                    format!("`{first}` and `{name}` (IAM role names ignore case)")
                };
                return Some(format!(
                    "{} and {} both name the {what} {names}; applied together they would fight over it, so nothing was sent. Rename one.",
                    other.display(),
                    file.display(),
                ));
            }
        }
    }
    None
}

/// What already exists, so operations on existing resources need no lookup.
fn seed(live: &Live) -> Resolved {
    let apis = plan::oldest_first(&live.apis);
    Resolved {
        api_id: apis.first().map(|a| a.id.clone()),
        api_endpoint: apis.first().and_then(|a| a.endpoint.clone()),
        role_arn: match &live.role {
            RoleState::Present(r) => Some(r.arn.clone()),
            RoleState::Absent => None,
        },
        ..Resolved::default()
    }
}

/// Reads the role back until it matches the stack several times in a row. IAM has no call that
/// says whether API Gateway can assume a role yet; consistent reads from IAM's replicas are the
/// usual sign that a change has spread.
async fn wait_for_iam(
    printer: &Printer,
    clients: &crate::aws::Clients,
    desired: &Desired,
    limit: Duration,
) -> bool {
    const IN_A_ROW: u32 = 3;
    let deadline = Instant::now() + limit;
    let mut streak = 0;
    printer.progress("Waiting for IAM to settle...");
    while Instant::now() < deadline {
        let settled =
            match live::read_role(clients, &desired.role.name, Some(&desired.role.policy_name)).await {
                Ok(RoleState::Present(role)) => {
                    role.trust == desired.role.trust
                        && role.inline.get(&desired.role.policy_name) == Some(&desired.role.policy)
                        && desired.role.managed_policies.is_subset(&role.attached)
                }
                Ok(RoleState::Absent) | Err(_) => false,
            };
        streak = if settled { streak + 1 } else { 0 };
        if streak >= IN_A_ROW {
            printer.progress(&format!(
                "  ✓ IAM settled  {:.1}s",
                (limit - (deadline - Instant::now())).as_secs_f64()
            ));
            return true;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    false
}

fn touches_iam(plan: &Plan) -> bool {
    plan.changes
        .iter()
        .any(|c| matches!(c.kind, Kind::Role | Kind::RolePolicy | Kind::ManagedPolicy))
}

/// The walkthrough's sample user, wrapped for the `$request.body.input` mapping.
fn sample_body() -> Value {
    json!({"input": {"user": {
        "userId": "user-88888",
        "email": "api-gateway@example.com",
        "name": "API Gateway User",
        "signupDate": "2025-11-10T10:30:00Z",
        "source": "web",
        "metadata": {"referralCode": "FRIEND2025", "country": "US"}
    }}})
}

fn outputs(desired: &Desired, resolved: &Resolved, region: &str) -> Value {
    let api_id = resolved.api_id.clone().unwrap_or_default();
    let endpoint = resolved
        .api_endpoint
        .clone()
        .unwrap_or_else(|| format!("https://{api_id}.execute-api.{region}.amazonaws.com"));
    let base = if desired.stage.name == "$default" {
        endpoint
    } else {
        format!("{endpoint}/{}", desired.stage.name)
    };
    let routes: Vec<Value> = desired
        .routes
        .iter()
        .map(|r| {
            let (method, path) = r.key.split_once(' ').unwrap_or(("ANY", "/"));
            let url = format!("{base}{path}");
            let body = r.integration.parameters.get("Input").map(|input| {
                if input == "$request.body.input" {
                    sample_body()
                } else {
                    sample_body()["input"].clone()
                }
            });
            // StopExecution maps body fields: show the ones the route reads.
            let body = body.or_else(|| {
                let fields: serde_json::Map<String, Value> = r
                    .integration
                    .parameters
                    .values()
                    .filter_map(|v| v.strip_prefix("$request.body."))
                    .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .map(|f| (f.to_string(), json!(format!("<{f}>"))))
                    .collect();
                (!fields.is_empty()).then_some(Value::Object(fields))
            });
            let mut curl = match (&body, method) {
                (Some(b), "POST" | "PUT" | "PATCH" | "ANY") => format!(
                    "curl -X {} '{url}' -H 'content-type: application/json' -d '{b}'",
                    if method == "ANY" { "POST" } else { method }
                ),
                _ => format!("curl -X {} '{url}'", if method == "ANY" { "GET" } else { method }),
            };
            match r.authorization.as_str() {
                "JWT" => curl.push_str(" -H \"authorization: Bearer $TOKEN\""),
                "AWS_IAM" => curl.push_str(&format!(
                    " --aws-sigv4 'aws:amz:{region}:execute-api' --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
                )),
                _ => {}
            }
            json!({"route": r.key, "invoke_url": url, "curl": curl})
        })
        .collect();
    json!({
        "api_id": api_id,
        "role_arn": resolved.role_arn,
        "stage": desired.stage.name,
        "routes": routes,
    })
}

fn print_outputs(printer: &Printer, outputs: &Value) {
    printer.line("Outputs:");
    printer.line(&format!(
        "  api_id      {}",
        outputs["api_id"].as_str().unwrap_or("")
    ));
    printer.line(&format!(
        "  role_arn    {}",
        outputs["role_arn"].as_str().unwrap_or("")
    ));
    printer.line(&format!(
        "  stage       {}",
        outputs["stage"].as_str().unwrap_or("")
    ));
    let routes = outputs["routes"].as_array().cloned().unwrap_or_default();
    for r in &routes {
        printer.line(&format!(
            "  invoke_url  {}  {}",
            r["route"].as_str().unwrap_or(""),
            r["invoke_url"].as_str().unwrap_or("")
        ));
    }
    for r in &routes {
        printer.line("");
        printer.line(&format!("Try {}:", r["route"].as_str().unwrap_or("")));
        printer.line(&format!("  {}", r["curl"].as_str().unwrap_or("")));
    }
}
