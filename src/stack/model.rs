//! The stack file as written, every value with its span, so that any later check can point at it.
//!
//! Required fields are `Option`s here: the loader reports a missing one, and validation goes on
//! checking everything else so that one run shows every problem of the file.

use super::diagnostic::Span;

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Its byte range in the source.
    pub span: Span,
}

impl<T> Sp<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// A whole stack file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StackFile {
    /// `[stack]`.
    pub stack: StackSection,
    /// `[api]`.
    pub api: ApiSection,
    /// `[role]`.
    pub role: RoleSection,
    /// Every `[[authorizer]]`, in file order.
    pub authorizers: Vec<AuthorizerSection>,
    /// Every `[[route]]`, in file order.
    pub routes: Vec<RouteSection>,
    /// `[stage]`, when written.
    pub stage: Option<StageSection>,
    /// `[tags]`: user tags for everything taggable, in file order.
    pub tags: Vec<(Sp<String>, Sp<String>)>,
    /// Span of the `[tags]` table, for the count limit.
    pub tags_span: Option<Span>,
}

/// `[stack]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StackSection {
    /// Span of the table, for missing fields.
    pub span: Span,
    /// `name`: the ownership tag's value.
    pub name: Option<Sp<String>>,
    /// `region`.
    pub region: Option<Sp<String>>,
}

/// `[api]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiSection {
    /// Span of the table.
    pub span: Span,
    /// `name`.
    pub name: Option<Sp<String>>,
    /// `[api.cors]`, when written.
    pub cors: Option<CorsSection>,
}

/// `[api.cors]`: the API's CORS configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorsSection {
    /// Span of the table.
    pub span: Span,
    /// `allow_origins`.
    pub allow_origins: Option<Vec<Sp<String>>>,
    /// `allow_methods`.
    pub allow_methods: Option<Vec<Sp<String>>>,
    /// `allow_headers`.
    pub allow_headers: Option<Vec<Sp<String>>>,
    /// `expose_headers`.
    pub expose_headers: Option<Vec<Sp<String>>>,
    /// `max_age`, seconds.
    pub max_age: Option<Sp<i64>>,
    /// `allow_credentials`.
    pub allow_credentials: Option<Sp<bool>>,
}

/// One `[[authorizer]]`: a JWT authorizer of the API.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthorizerSection {
    /// Span of the table.
    pub span: Span,
    /// `name`: what routes refer to, and the authorizer's name in AWS.
    pub name: Option<Sp<String>>,
    /// `issuer`: the token issuer URL.
    pub issuer: Option<Sp<String>>,
    /// `audience`: accepted `aud` values.
    pub audience: Option<Vec<Sp<String>>>,
    /// `identity_source`, `$request.header.Authorization` when absent.
    pub identity_source: Option<Sp<String>>,
}

/// `[role]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoleSection {
    /// Span of the table.
    pub span: Span,
    /// `name`: the IAM role.
    pub name: Option<Sp<String>>,
    /// `policy_name`: the inline policy.
    pub policy_name: Option<Sp<String>>,
    /// `actions`: when absent the policy is derived from the routes.
    pub actions: Option<Vec<Sp<String>>>,
    /// `managed_policies`: ARNs of managed policies to attach.
    pub managed_policies: Vec<Sp<String>>,
    /// `restrict_source_account`: trust API Gateway only on behalf of this account.
    pub restrict_source_account: Option<Sp<bool>>,
}

/// One `[[route]]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RouteSection {
    /// Span of the table.
    pub span: Span,
    /// `key`, e.g. `POST /new-user`.
    pub key: Option<Sp<String>>,
    /// `action`: StartExecution, StartSyncExecution or StopExecution.
    pub action: Option<Sp<String>>,
    /// `state_machine`: the workflow ARN.
    pub state_machine: Option<Sp<String>>,
    /// `parameters`: integration request parameters, in file order.
    pub parameters: Option<Vec<(Sp<String>, Sp<String>)>>,
    /// `authorization`: `NONE` (default) or `AWS_IAM`; `JWT` is implied by `authorizer`.
    pub authorization: Option<Sp<String>>,
    /// `authorizer`: the name of an `[[authorizer]]` of this stack.
    pub authorizer: Option<Sp<String>>,
    /// `scopes`: OAuth scopes the JWT must carry (any one of them).
    pub scopes: Option<Vec<Sp<String>>>,
}

/// `[stage]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageSection {
    /// Span of the table.
    pub span: Span,
    /// `name`, `$default` when absent.
    pub name: Option<Sp<String>>,
    /// `auto_deploy`, true when absent.
    pub auto_deploy: Option<Sp<bool>>,
    /// `throttling_burst_limit`: default route burst.
    pub throttling_burst_limit: Option<Sp<i64>>,
    /// `throttling_rate_limit`: default route requests per second.
    pub throttling_rate_limit: Option<Sp<f64>>,
    /// `[stage.access_log]`, when written.
    pub access_log: Option<AccessLogSection>,
    /// Every key written in the table, readable or not, so that a check about a missing key
    /// does not fire when the key is there with a value already reported as wrong.
    pub written: Vec<String>,
}

/// `[stage.access_log]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccessLogSection {
    /// Span of the table.
    pub span: Span,
    /// `destination_arn`: a CloudWatch Logs log group ARN.
    pub destination_arn: Option<Sp<String>>,
    /// `format`: the log line; a JSON line of the usual fields when absent.
    pub format: Option<Sp<String>>,
}
