//! The integrations quota during an apply, which the planner checks once every kind has
//! planned: creates and deletes run concurrently, so a plan that creates integrations while
//! removing others can pass through more than the quota even when it ends within it. Pure.

use crate::plan::change::{Action, Change, Kind};
use crate::plan::op::{IntegrationOp, Op};
use crate::resource::api::spec::LiveApi;

/// Integrations per HTTP API (API Gateway developer guide, "Quotas for configuring and running an
/// HTTP API": 300, cannot be increased).
pub const MAX_INTEGRATIONS: usize = 300;

/// A plan that could need more integrations at once than the API may hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the API has {live} integrations and this plan creates {creates} before it can delete the ones it replaces or removes; \
     an HTTP API holds at most {MAX_INTEGRATIONS} (a quota AWS does not raise), so CreateIntegration would fail halfway. \
     Nothing was changed.\n  \
     apply it in two runs: first `up` the stack without the routes being replaced (their routes and integrations are \
     deleted{replaced}), then `up` it as written"
)]
pub struct IntegrationQuota {
    /// Integrations the API has now.
    pub live: usize,
    /// Integrations the plan creates.
    pub creates: usize,
    /// `: KEY, KEY` naming the replaced routes, or nothing.
    pub replaced: String,
}

/// Refuses a plan whose creates could push the API past [`MAX_INTEGRATIONS`] before its deletes
/// run (the executor orders a replace create-first, so that the route never points at nothing).
pub fn integrations(api: &LiveApi, changes: &[Change]) -> Result<(), IntegrationQuota> {
    let creates = changes
        .iter()
        .flat_map(|c| &c.ops)
        .filter(|op| matches!(op, Op::Integration(IntegrationOp::Create { .. })))
        .count();
    let live = api.integrations.len();
    if creates == 0 || live + creates <= MAX_INTEGRATIONS {
        return Ok(());
    }
    let replaced: Vec<&str> = changes
        .iter()
        .filter(|c| c.kind == Kind::Integration && c.action == Action::Replace)
        .map(|c| c.name.as_str())
        .collect();
    Err(IntegrationQuota {
        live,
        creates,
        replaced: if replaced.is_empty() {
            String::new()
        } else {
            format!(": {}", replaced.join(", "))
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Action as StepAction;
    use crate::plan::{ApiRef, RoleRef};
    use crate::resource::integration::spec::LiveIntegration;
    use crate::stack::desired::DesiredIntegration;

    fn api(n: usize) -> LiveApi {
        LiveApi {
            integrations: (0..n)
                .map(|i| LiveIntegration {
                    id: format!("i{i}"),
                    ..LiveIntegration::default()
                })
                .collect(),
            ..LiveApi::default()
        }
    }

    fn change(action: Action, name: &str, creates: usize) -> Change {
        let create = Op::Integration(IntegrationOp::Create {
            api: ApiRef::Existing("a".into()),
            route_key: name.into(),
            spec: DesiredIntegration {
                action: StepAction::StartExecution,
                parameters: Default::default(),
                response: Default::default(),
            },
            role: RoleRef::Existing("arn:aws:iam::189107071895:role/r".into()),
        });
        Change {
            action,
            kind: Kind::Integration,
            name: name.into(),
            fields: Vec::new(),
            ops: vec![create; creates],
        }
    }

    #[test]
    fn a_replace_at_the_limit_is_refused_with_a_way_out() {
        let replace = change(Action::Replace, "POST /orders/{id}", 1);
        let err = integrations(&api(300), std::slice::from_ref(&replace)).unwrap_err();
        assert_eq!((err.live, err.creates), (300, 1));
        let text = err.to_string();
        assert!(
            text.contains("POST /orders/{id}") && text.contains("two runs"),
            "{text}"
        );
        assert!(text.contains("at most 300"), "{text}");
        // One below the limit, the same replace fits.
        assert_eq!(integrations(&api(299), &[replace]), Ok(()));
    }

    #[test]
    fn plans_without_creates_or_within_the_quota_pass() {
        assert_eq!(integrations(&api(300), &[]), Ok(()));
        assert_eq!(
            integrations(&api(0), &[change(Action::Create, "GET /a", 300)]),
            Ok(())
        );
        let err = integrations(&api(0), &[change(Action::Create, "GET /a", 301)]).unwrap_err();
        assert_eq!(err.replaced, "");
    }
}
