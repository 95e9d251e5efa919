//! The stage's shape, as the file declares it.

use serde::Serialize;

use crate::domain::StageName;
use crate::stack::model::StageSection;
use std::collections::BTreeMap;

/// The stage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DesiredStage {
    /// Stage name.
    pub name: StageName,
    /// Auto-deploy.
    pub auto_deploy: bool,
    /// Default route throttling burst.
    pub throttling_burst_limit: Option<i32>,
    /// Default route throttling rate.
    pub throttling_rate_limit: Option<f64>,
    /// Access logging; `None` means off.
    pub access_log: Option<AccessLog>,
}

/// Where and how a stage writes access logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessLog {
    /// CloudWatch Logs log group ARN.
    pub destination_arn: String,
    /// One line per request, `$context` variables substituted.
    pub format: String,
}

/// What `invoke` says when API Gateway refused a request without a reason: the stage's access
/// log holds it (`$context.integrationErrorMessage` and the status, see
/// [`DEFAULT_ACCESS_LOG_FORMAT`]), so the hint names the stage's key.
pub const WHY_REFUSED_HINT: &str = "API Gateway does not say why in the answer: its access log does, when the stage \
     has one ([stage] access_log)";

/// The access log line when the file sets none: one JSON object per request with the fields
/// needed to see who called what and why it failed.
pub const DEFAULT_ACCESS_LOG_FORMAT: &str = concat!(
    r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","#,
    r#""requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","#,
    r#""routeKey":"$context.routeKey","status":"$context.status","#,
    r#""integrationStatus":"$context.integrationStatus","#,
    r#""integrationErrorMessage":"$context.integrationErrorMessage","#,
    r#""responseLength":"$context.responseLength"}"#
);

/// The stage when the file has no `[stage]`: `$default`, auto-deployed, no limits, no logs.
pub(crate) fn default_stage() -> DesiredStage {
    DesiredStage {
        name: StageName::default_stage(),
        auto_deploy: true,
        throttling_burst_limit: None,
        throttling_rate_limit: None,
        access_log: None,
    }
}

/// The stage as written, `$default` and auto-deploy unless the file says otherwise.
pub(crate) fn desired_stage(s: &StageSection) -> Option<DesiredStage> {
    Some(DesiredStage {
        name: s
            .name
            .as_ref()
            .map_or_else(StageName::default_stage, |n| StageName::new(n.value.clone())),
        auto_deploy: s.auto_deploy.as_ref().is_none_or(|a| a.value),
        throttling_burst_limit: s
            .throttling_burst_limit
            .as_ref()
            .and_then(|b| i32::try_from(b.value).ok()),
        throttling_rate_limit: s.throttling_rate_limit.as_ref().map(|r| r.value),
        access_log: match &s.access_log {
            Some(log) => Some(AccessLog {
                destination_arn: log.destination_arn.as_ref()?.value.clone(),
                format: log
                    .format
                    .as_ref()
                    .map_or_else(|| DEFAULT_ACCESS_LOG_FORMAT.to_string(), |f| f.value.clone()),
            }),
            None => None,
        },
    })
}

/// A stage.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct LiveStage {
    /// Stage name.
    pub name: StageName,
    /// Auto-deploy.
    pub auto_deploy: bool,
    /// Default route throttling burst.
    pub throttling_burst_limit: Option<i32>,
    /// Default route throttling rate.
    pub throttling_rate_limit: Option<f64>,
    /// Access logging, when on.
    pub access_log: Option<AccessLog>,
    /// Tags, when the listing returned them (`None`: not known, not compared).
    pub tags: Option<BTreeMap<String, String>>,
    /// Stage variables, for `$stageVariables.X` in the local gateway.
    pub variables: BTreeMap<String, String>,
    /// Settings the stack format lacks, as read: what `import` lists. Not part of what a saved
    /// plan was computed from.
    #[serde(skip)]
    pub unexpressed: Vec<String>,
}

/// Stages for tests outside the unit (the planner's, the operations' pins), so that they do not
/// spell the stage's fields: the unit owns its shapes.
#[cfg(test)]
pub(crate) mod samples {
    use super::{DesiredStage, LiveStage};
    use crate::domain::StageName;

    /// The `$default` stage, auto-deployed, with no limits and no access log: what a `[stage]`
    /// table with only `auto_deploy = true` declares.
    pub fn plain() -> DesiredStage {
        DesiredStage {
            name: StageName::default_stage(),
            auto_deploy: true,
            throttling_burst_limit: None,
            throttling_rate_limit: None,
            access_log: None,
        }
    }

    /// [`plain`] with default route throttling.
    pub fn throttled(burst: i32, rate: f64) -> DesiredStage {
        DesiredStage {
            throttling_burst_limit: Some(burst),
            throttling_rate_limit: Some(rate),
            ..plain()
        }
    }

    /// A `[stage]` table with default route throttling, for a stack text that must not draw the
    /// `no-throttling` warning; more keys of the table may follow it.
    pub fn throttled_table(burst: i32, rate: f64) -> String {
        format!("[stage]\nthrottling_burst_limit = {burst}\nthrottling_rate_limit = {rate:?}\n")
    }

    /// The stage as `up` leaves it for `desired`, read back (no tags read, no variables).
    pub fn live_of(desired: &DesiredStage) -> LiveStage {
        LiveStage {
            name: desired.name.clone(),
            auto_deploy: desired.auto_deploy,
            throttling_burst_limit: desired.throttling_burst_limit,
            throttling_rate_limit: desired.throttling_rate_limit,
            access_log: desired.access_log.clone(),
            ..LiveStage::default()
        }
    }
}
