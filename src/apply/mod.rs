//! The executor: runs a plan's operations in dependency order, independent ones concurrently,
//! and reports each as it completes. Stops starting new work at the first failure or on Ctrl-C,
//! lets what is in flight finish, and says what was done.

pub(crate) mod answer;
mod call;
pub(crate) mod create;
pub(crate) mod progress;
pub(crate) mod resolve;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use crate::aws::Clients;
use crate::error::AwsError;
use crate::plan::op::ImportApiOp;
use crate::plan::{Key, Op, Plan};
pub use progress::Progress;
pub use resolve::Resolved;

/// At most this many operations at once. The rate is the pacer's business (`--max-rps`, see
/// `pace`); this bounds what is in flight, so that a failure stops little half-done work. Four
/// keep up with the account's 10 calls/s even at 300 ms a call, and a single-process local
/// endpoint (moto) serves 300 routes faster with four than with eight (1.0 s against 1.5 s).
const CONCURRENCY: usize = 4;

/// One operation that finished.
#[derive(Debug, Clone)]
pub struct Completed {
    /// What was done, e.g. `create integration POST /new-user`.
    pub label: String,
    /// How long the call took, retries included.
    pub elapsed: Duration,
}

/// What the executor reports as it goes.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// An operation completed.
    Done(&'a Completed),
    /// Something the user should know, e.g. that ImportApi was not available and the API is
    /// made one call at a time instead.
    Note(&'a str),
    /// A line from an operation that takes a while, e.g. waiting for a state machine to finish
    /// deleting.
    Progress(&'a str),
}

/// How an operation ended, when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ran {
    /// It did what it says.
    Done,
    /// It could not be done this way (ImportApi not available, for this reason): its
    /// per-resource operations run instead.
    Instead(String),
}

/// How an apply ended when it did not finish.
#[derive(Debug)]
pub enum Stopped {
    /// An AWS call failed.
    Failed(AwsError),
    /// The user pressed Ctrl-C.
    Interrupted,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Failed(e) => write!(f, "{} failed on {}: {}", e.call, e.resource, e.message),
            Stopped::Interrupted => f.write_str("interrupted by Ctrl-C"),
        }
    }
}

/// The outcome of an apply.
#[derive(Debug)]
pub struct Outcome {
    /// Operations that completed, in completion order.
    pub completed: Vec<Completed>,
    /// Operations that were planned but never started.
    pub not_started: Vec<String>,
    /// Why the apply stopped early, if it did.
    pub stopped: Option<Stopped>,
    /// Ids known at the end.
    pub resolved: Resolved,
}

/// Runs every operation of `plan`. `on_event` is called as each completes, and with a note when
/// an operation is replaced by the ones it stands for.
pub async fn apply(
    clients: &Clients,
    plan: &Plan,
    seed: Resolved,
    mut on_event: impl FnMut(Event<'_>),
) -> Outcome {
    let mut ops: Vec<Op> = plan.changes.iter().flat_map(|c| c.ops.iter().cloned()).collect();
    // Operations replaced by their `instead` (ImportApi where the endpoint lacks it): done, and
    // providing nothing, so what waited for them waits for their replacements.
    let mut retired: HashSet<usize> = HashSet::new();
    let mut deps = dependencies(&ops, &retired);
    let ctx = Arc::new(Mutex::new(seed));
    let mut done: HashSet<usize> = HashSet::new();
    let mut started: HashSet<usize> = HashSet::new();
    let mut running = JoinSet::new();
    let mut completed = Vec::new();
    let mut stopped: Option<Stopped> = None;
    let (progress, mut heard) = Progress::channel();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    loop {
        if stopped.is_none() {
            for (i, op) in ops.iter().enumerate() {
                if running.len() >= CONCURRENCY {
                    break;
                }
                if started.contains(&i) || !deps[i].iter().all(|d| done.contains(d)) {
                    continue;
                }
                started.insert(i);
                let (clients, ctx, op) = (clients.clone(), ctx.clone(), op.clone());
                let progress = progress.clone();
                running.spawn(async move {
                    let start = Instant::now();
                    let result = call::run(&clients, &ctx, &progress, &op).await;
                    (i, op.label(), start.elapsed(), result)
                });
            }
        }
        if running.is_empty() {
            break;
        }
        tokio::select! {
            // Progress first: an operation's lines come before the step they lead to.
            biased;
            Some(line) = heard.recv() => on_event(Event::Progress(&line)),
            joined = running.join_next() => {
                let Some(joined) = joined else { break };
                match joined {
                    Ok((i, label, elapsed, Ok(Ran::Done))) => {
                        done.insert(i);
                        let c = Completed { label, elapsed };
                        on_event(Event::Done(&c));
                        completed.push(c);
                    }
                    Ok((i, _, _, Ok(Ran::Instead(why)))) => {
                        on_event(Event::Note(&why));
                        let instead = match &ops[i] {
                            Op::ImportApi(ImportApiOp { instead, .. }) => instead.clone(),
                            // Only an ImportApi is ever done instead of by another means.
                            Op::Api(_)
                            | Op::Route(_)
                            | Op::Integration(_)
                            | Op::Authorizer(_)
                            | Op::Stage(_)
                            | Op::Role(_)
                            | Op::Machine(_) => Vec::new(),
                        };
                        retired.insert(i);
                        done.insert(i);
                        ops.extend(instead);
                        deps = dependencies(&ops, &retired);
                    }
                    Ok((_, _, _, Err(e))) => {
                        if stopped.is_none() {
                            stopped = Some(Stopped::Failed(e));
                        }
                    }
                    Err(join) => {
                        if stopped.is_none() {
                            stopped = Some(Stopped::Failed(AwsError::invalid("apply", "executor", join.to_string())));
                        }
                    }
                }
            }
            _ = &mut ctrl_c, if stopped.is_none() => {
                // Said as it happens (the report comes at the end), so that a reader of the log,
                // and the test of this stop, know when nothing new starts any more.
                tracing::debug!(
                    "interrupted by Ctrl-C: {} operation(s) in flight finish, none starts",
                    running.len()
                );
                stopped = Some(Stopped::Interrupted);
            }
        }
    }

    while let Ok(line) = heard.try_recv() {
        on_event(Event::Progress(&line));
    }
    let not_started = ops
        .iter()
        .enumerate()
        .filter(|(i, _)| !started.contains(i))
        .map(|(_, op)| op.label())
        .collect();
    let resolved = ctx.lock().map(|r| r.clone()).unwrap_or_default();
    Outcome {
        completed,
        not_started,
        stopped,
        resolved,
    }
}

/// For each operation, the indices of the operations it must wait for; `retired` ones provide
/// nothing.
fn dependencies(ops: &[Op], retired: &HashSet<usize>) -> Vec<Vec<usize>> {
    let mut providers: HashMap<Key, Vec<usize>> = HashMap::new();
    for (i, op) in ops.iter().enumerate().filter(|(i, _)| !retired.contains(i)) {
        for key in op.provides() {
            providers.entry(key).or_default().push(i);
        }
    }
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let mut deps: Vec<usize> = op
                .needs()
                .iter()
                .flat_map(|k| providers.get(k).cloned().unwrap_or_default())
                .filter(|d| *d != i)
                .collect();
            // Twins (creates a unit says must not run at once) run one after the other.
            deps.extend((0..i).filter(|&j| op.waits_for_twin(&ops[j])));
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Action, Authorization};
    use crate::plan::op::{ApiOp, IntegrationOp, RoleOp, RouteOp};
    use crate::plan::{ApiRef, IntegrationRef, RoleRef};
    use crate::stack::desired::DesiredIntegration;

    fn spec() -> DesiredIntegration {
        DesiredIntegration {
            action: Action::StartExecution,
            parameters: Default::default(),
            response: Default::default(),
        }
    }

    #[test]
    fn integrations_wait_for_api_and_role_routes_for_their_integration() {
        let ops = vec![
            Op::Route(RouteOp::Create {
                authorizer: None,
                scopes: Vec::new(),
                api: ApiRef::New,
                key: "POST /a".into(),
                authorization: Authorization::None,
                integration: IntegrationRef::New("POST /a".into()),
            }),
            Op::Integration(IntegrationOp::Create {
                api: ApiRef::New,
                route_key: "POST /a".into(),
                spec: spec(),
                role: RoleRef::New("r".into()),
            }),
            Op::Api(ApiOp::Create {
                cors: None,
                name: "a".into(),
                tags: Default::default(),
            }),
            Op::Role(RoleOp::Create {
                name: "r".into(),
                trust: serde_json::Value::Null,
                tags: Default::default(),
                path: "/".into(),
                boundary: None,
            }),
            Op::Integration(IntegrationOp::Delete {
                api_id: "x".into(),
                id: "old".into(),
            }),
            Op::Route(RouteOp::Update {
                authorizer: None,
                previous_authorizer: None,
                scopes: Vec::new(),
                api_id: "x".into(),
                id: "r1".into(),
                key: "GET /b".into(),
                authorization: Authorization::None,
                integration: IntegrationRef::Existing("i".into()),
                previous: Some("old".into()),
            }),
        ];
        let deps = dependencies(&ops, &HashSet::new());
        assert_eq!(deps[0], vec![1, 2]);
        assert_eq!(deps[1], vec![2, 3]);
        assert!(deps[2].is_empty() && deps[3].is_empty());
        assert_eq!(deps[4], vec![5]);
    }

    #[test]
    fn an_adopted_role_is_tagged_before_its_policies_change_and_never_left_without_one() {
        let ops = vec![
            Op::Role(RoleOp::DeletePolicy {
                role: "r".into(),
                policy_name: "old".into(),
            }),
            Op::Role(RoleOp::PutPolicy {
                role: "r".into(),
                policy_name: "new".into(),
                document: serde_json::Value::Null,
            }),
            Op::Role(RoleOp::Tag {
                name: "r".into(),
                set: Default::default(),
                remove: Vec::new(),
            }),
            Op::Role(RoleOp::Detach {
                role: "r".into(),
                arn: "arn:aws:iam::aws:policy/x".into(),
            }),
        ];
        let deps = dependencies(&ops, &HashSet::new());
        assert_eq!(
            deps[0],
            vec![1, 2],
            "delete the old policy after tagging and after the new one"
        );
        assert_eq!(deps[1], vec![2], "put the new policy after tagging");
        assert!(deps[2].is_empty());
        assert_eq!(deps[3], vec![1, 2]);
    }

    #[test]
    fn identical_integrations_are_created_one_after_the_other() {
        let create = |key: &str| {
            Op::Integration(IntegrationOp::Create {
                api: ApiRef::Existing("a".into()),
                route_key: key.into(),
                spec: spec(),
                role: RoleRef::Existing("arn".into()),
            })
        };
        let ops = vec![create("GET /a"), create("POST /a"), create("PUT /a")];
        let deps = dependencies(&ops, &HashSet::new());
        assert!(deps[0].is_empty());
        assert_eq!(deps[1], vec![0]);
        assert_eq!(deps[2], vec![0, 1]);
    }
}
