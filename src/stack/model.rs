//! The stack file as written, every value with its span, so that any later check can point at it.
//!
//! Required fields are `Option`s here: the loader reports a missing one, and validation goes on
//! checking everything else so that one run shows every problem of the file.
//!
//! The same types describe the file format for editors: `provision schema` derives a JSON Schema
//! from them, so the field doc comments below are the descriptions an editor shows, and the
//! `schemars` attributes say what the loader requires (see `stack::schema`, whose tests check
//! the schema against the loader's key lists).

use std::borrow::Cow;

use schemars::JsonSchema;

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

/// In the schema a spanned value is just its value: the span is bookkeeping.
impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A whole stack file: one HTTP API whose routes start Step Functions executions, the IAM role
/// API Gateway assumes to call Step Functions, and the auto-deployed stage. Unknown keys and
/// tables are errors everywhere.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(title = "provision stack file", deny_unknown_fields)]
pub struct StackFile {
    /// The stack's name and region.
    pub stack: StackSection,
    /// The HTTP API.
    pub api: ApiSection,
    /// The IAM role API Gateway assumes to call Step Functions.
    pub role: RoleSection,
    /// JWT authorizers of the API, one `[[authorizer]]` table each; routes name them.
    #[schemars(rename = "authorizer", default)]
    pub authorizers: Vec<AuthorizerSection>,
    /// The routes, one `[[route]]` table each (at least one): each starts or stops executions of
    /// a state machine through its own integration.
    #[schemars(rename = "route", length(min = 1))]
    pub routes: Vec<RouteSection>,
    /// The stage that serves the routes (`$default`, auto-deployed, when absent).
    pub stage: Option<StageSection>,
    /// State machines the stack owns, one `[[state_machine]]` table each: created, updated and
    /// deleted with the stack, tagged `provision:stack`. A route names one by its `name`.
    #[schemars(rename = "state_machine", default)]
    pub state_machines: Vec<StateMachineSection>,
    /// User tags for the role, the API and the stage: at most 49, keys 1-128 characters not
    /// starting with `aws:`, values up to 256.
    #[schemars(default, with = "std::collections::BTreeMap<String, String>")]
    pub tags: Vec<(Sp<String>, Sp<String>)>,
    /// Span of the `[tags]` table, for the count limit.
    #[schemars(skip)]
    pub tags_span: Option<Span>,
    /// Stack variables and their defaults: `${var.NAME}` in any string value of the file is
    /// replaced by the value, `--var NAME=VALUE` overriding the default. A number field written
    /// as exactly `"${var.NAME}"` takes the value as a number. Names: 1-64 of `A-Z a-z 0-9 _`,
    /// starting with a letter. (Read before the rest of the file: see `stack::vars`.)
    #[schemars(with = "Option<std::collections::BTreeMap<String, VarDeclaration>>")]
    pub vars: Option<()>,
}

/// One `[vars]` entry: its default (text, a number or a boolean), or a table with an optional
/// `default` (without one, `--var NAME=...` is required) and a `description`. Schema only.
pub struct VarDeclaration;

impl JsonSchema for VarDeclaration {
    fn schema_name() -> Cow<'static, str> {
        "VarDeclaration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The variable's default: text, a number or a boolean; or `{ default = \"...\", description = \"...\" }`, whose `default` may be left out to make `--var NAME=...` required."
        })
    }
}

/// `[stack]`: what the stack is called and where it lives.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StackSection {
    /// Span of the table, for missing fields.
    #[schemars(skip)]
    pub span: Span,
    /// The stack's name, written as the tag `provision:stack = <name>` on everything the tool
    /// creates: 1-128 of `A-Z a-z 0-9 - _ .`.
    #[schemars(required, length(min = 1, max = 128), pattern(r"^[A-Za-z0-9._-]+$"))]
    pub name: Option<Sp<String>>,
    /// The AWS region, e.g. `ap-southeast-2`. `--region` overrides it; without either,
    /// `AWS_REGION` or the profile's region.
    pub region: Option<Sp<String>>,
    /// Warnings acknowledged for the whole file, by name (`provision validate` shows each
    /// warning's name), e.g. `["no-authorization"]`.
    #[schemars(extend("items" = {"enum": warning_names()}))]
    pub allow: Option<Vec<Sp<String>>>,
}

/// The names `allow` takes: every warning's.
fn warning_names() -> Vec<&'static str> {
    super::diagnostic::WARNINGS
        .iter()
        .map(|(name, _)| *name)
        .collect()
}

/// `[api]`: the HTTP API.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ApiSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The HTTP API's name, 1-128 characters. Renaming it updates the API in place.
    #[schemars(required, length(min = 1, max = 128))]
    pub name: Option<Sp<String>>,
    /// `[api.cors]`: the API's CORS configuration, for browser clients.
    pub cors: Option<CorsSection>,
    /// Route keys of the API that the stack does not manage (`provision import --partial` writes
    /// the routes the format cannot express here): `up` and `diff` leave these routes, their
    /// integrations and the authorizers they use as they are. `down` still deletes the API.
    pub unmanaged_routes: Option<Vec<Sp<String>>>,
    /// Stage names of the API that the stack does not manage (stages other than `[stage]`):
    /// `up` and `diff` leave them as they are instead of deleting them.
    pub unmanaged_stages: Option<Vec<Sp<String>>>,
    /// Authorizer names of the API that the stack does not manage (Lambda authorizers, say):
    /// `up` and `diff` leave them as they are instead of deleting them.
    pub unmanaged_authorizers: Option<Vec<Sp<String>>>,
}

/// `[api.cors]`: the API's CORS configuration.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CorsSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// Origins allowed to call the API, as the browser sends them (`https://app.example.com`),
    /// or `*`.
    pub allow_origins: Option<Vec<Sp<String>>>,
    /// HTTP methods allowed, in capitals, or `*`.
    #[schemars(extend("items" = {
        "type": "string",
        "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"]
    }))]
    pub allow_methods: Option<Vec<Sp<String>>>,
    /// Request headers allowed, or `*`.
    pub allow_headers: Option<Vec<Sp<String>>>,
    /// Response headers exposed to the browser, or `*`.
    pub expose_headers: Option<Vec<Sp<String>>>,
    /// How long a browser may cache the preflight answer, in seconds (-1 to 86400).
    #[schemars(range(min = -1, max = 86400))]
    pub max_age: Option<Sp<i64>>,
    /// Whether browsers may send credentials (not with a `*` origin).
    pub allow_credentials: Option<Sp<bool>>,
}

/// One `[[authorizer]]`: a JWT authorizer of the API.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AuthorizerSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The authorizer's name (1-128 characters): what a route's `authorizer` refers to, and the
    /// authorizer's name in AWS.
    #[schemars(required, length(min = 1, max = 128))]
    pub name: Option<Sp<String>>,
    /// The token issuer, an `https://` URL, e.g.
    /// `https://cognito-idp.REGION.amazonaws.com/USER_POOL_ID`.
    #[schemars(required)]
    pub issuer: Option<Sp<String>>,
    /// Accepted `aud` values: the client ids tokens are issued to (at least one).
    #[schemars(required, length(min = 1))]
    pub audience: Option<Vec<Sp<String>>>,
    /// Where the token is read: `$request.header.Authorization` (the default) or
    /// `$request.querystring.NAME`.
    pub identity_source: Option<Sp<String>>,
}

/// `[role]`: the IAM role API Gateway assumes, trusted by `apigateway.amazonaws.com`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RoleSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The IAM role's name: 1-64 of `A-Z a-z 0-9 + = , . @ _ -`.
    #[schemars(required, length(min = 1, max = 64), pattern(r"^[A-Za-z0-9+=,.@_-]+$"))]
    pub name: Option<Sp<String>>,
    /// The role's inline policy's name: 1-128 of `A-Z a-z 0-9 + = , . @ _ -`.
    #[schemars(required, length(min = 1, max = 128), pattern(r"^[A-Za-z0-9+=,.@_-]+$"))]
    pub policy_name: Option<Sp<String>>,
    /// Step Functions actions to grant on the routes' state machines, e.g.
    /// `["states:StartExecution"]`. When absent, the policy is derived from the routes, least
    /// privilege. Wildcards are refused.
    pub actions: Option<Vec<Sp<String>>>,
    /// The inline policy document itself, as JSON text, instead of deriving it: what
    /// `provision import` writes when a role's policy is not the one the tool would derive.
    /// Not with `actions`.
    pub policy: Option<Sp<String>>,
    /// ARNs of managed policies to attach (none unless listed).
    #[schemars(default)]
    pub managed_policies: Vec<Sp<String>>,
    /// Trust API Gateway only on behalf of this stack's account (`aws:SourceAccount`).
    pub restrict_source_account: Option<Sp<bool>>,
    /// The managed policy that sets the role's maximum permissions, as an organisation may
    /// require: `arn:aws:iam::ACCOUNT:policy/NAME`. Set, changed and removed in place.
    #[schemars(pattern(r"^arn:[a-z-]+:iam::([0-9]{12}|aws):policy/.+$"))]
    pub permissions_boundary: Option<Sp<String>>,
    /// The role's IAM path, e.g. `/service/`: 1-512 characters, starting and ending with `/`
    /// (default `/`). IAM cannot change a role's path: a change replaces the role.
    #[schemars(length(min = 1, max = 512), pattern(r"^/([\x21-\x7F]+/)?$"))]
    pub path: Option<Sp<String>>,
    /// An existing role to use, by ARN (`arn:aws:iam::ACCOUNT:role/NAME`), e.g. one a platform
    /// team manages: the tool never creates, changes or deletes it, and `diff` checks that it
    /// trusts API Gateway and allows each route's action. `name` and `policy_name` are then not
    /// needed.
    #[schemars(pattern(r"^arn:[a-z-]+:iam::[0-9]{12}:role/.+$"))]
    pub arn: Option<Sp<String>>,
}

/// One `[[route]]`: a route and its own Step Functions integration.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RouteSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The route key: `METHOD /path` (METHOD one of GET POST PUT PATCH DELETE HEAD OPTIONS ANY;
    /// path segments `{name}`, a last greedy `{name+}`), or `$default`. Unique.
    #[schemars(required, length(min = 1))]
    pub key: Option<Sp<String>>,
    /// The Step Functions action the route calls: `StartExecution`, `StartSyncExecution`
    /// (EXPRESS machines only), `StopExecution` (STANDARD only), or `DescribeExecution` (a
    /// status route: the execution of a STANDARD `[[state_machine]]` of the stack, described by
    /// a helper machine the stack owns).
    #[schemars(required, extend("enum" = crate::domain::RouteAction::NAMES))]
    pub action: Option<Sp<String>>,
    /// The workflow: its name (`user-onboarding`: the machine of that name in the caller's
    /// account and the stack's region), or its ARN,
    /// `arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME`, or a version (`...:NAME:7`) or
    /// alias (`...:NAME:PROD`) of it.
    #[schemars(
        required,
        pattern(r##"^(arn:aws[a-z-]*:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[^\s<>{}\[\]?*"#%\\^|~`$&,;:/]{1,80}(:[A-Za-z0-9_.-]{1,80})?|[^\s<>{}\[\]?*"#%\\^|~`$&,;:/]{1,80})$"##)
    )]
    pub state_machine: Option<Sp<String>>,
    /// Integration request parameters, `Name = "value or mapping"` (`$request.body.input`,
    /// `${request.header.NAME}`, `$context.requestId`, text mixed with `${...}` variables such as
    /// `order-${request.path.id}`, ...), each value 1-512 characters. Defaults to
    /// `{ Input = "$request.body.input" }` for the two start actions.
    #[schemars(default, with = "std::collections::BTreeMap<String, String>")]
    pub parameters: Option<Vec<(Sp<String>, Sp<String>)>>,
    /// Who may call the route: `NONE` (the default: anyone), `AWS_IAM` (SigV4-signed requests)
    /// or `JWT` (implied by `authorizer`).
    #[schemars(extend("enum" = crate::domain::Authorization::IN_FILE))]
    pub authorization: Option<Sp<String>>,
    /// The name of an `[[authorizer]]` of this stack that checks the caller's JWT.
    pub authorizer: Option<Sp<String>>,
    /// OAuth scopes the JWT must carry (any one of them); needs `authorizer`.
    pub scopes: Option<Vec<Sp<String>>>,
    /// Warnings acknowledged for this route, by name, e.g. `["no-authorization"]`.
    #[schemars(extend("items" = {"enum": warning_names()}))]
    pub allow: Option<Vec<Sp<String>>>,
    /// An example request body (any TOML value, sent as JSON), used by the "Try" commands `up`
    /// prints and by `invoke` when no `--data` is given, e.g. `{ input = { userId = "u-1" } }`.
    #[schemars(with = "Option<serde_json::Value>")]
    pub example: Option<Sp<serde_json::Value>>,
    /// The alias of a `[[state_machine]]` of this stack the route starts (its
    /// `[state_machine.alias] name`), e.g. `live`: the route's ARN is the alias's.
    pub alias: Option<Sp<String>>,
    /// How API Gateway reshapes the integration's answer before the client sees it (the
    /// integration's `ResponseParameters`): `{ status = 202, headers = { Location =
    /// "$response.body.executionArn" } }` for the integration's 200 answers, or a table per
    /// integration status code (200-599) of `overwrite:statuscode` and
    /// `append|overwrite|remove:header.NAME` keys.
    pub response: Option<ResponseSection>,
}

/// A route's `response`: either the short form (`status` and `headers`, applied to the
/// integration's 200 answers) or the integration's response parameters as AWS spells them, one
/// table per integration status code. The two forms do not mix.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResponseSection {
    /// Span of the table.
    pub span: Span,
    /// Short form: the status the client receives instead of 200 (`overwrite:statuscode`).
    pub status: Option<Sp<i64>>,
    /// Short form: headers set on a 200 answer (`overwrite:header.NAME`), name to value.
    pub headers: Option<Vec<(Sp<String>, Sp<String>)>>,
    /// Long form: integration status code to its response parameters, as written.
    pub codes: Vec<(Sp<String>, StringPairs)>,
}

/// A table of strings as written: each key and value with its span.
pub type StringPairs = Vec<(Sp<String>, Sp<String>)>;

/// Both forms in the schema: `status` and `headers`, or any status code naming a table of
/// strings. (The JSON Schema cannot say "one form only" with the keywords this schema uses;
/// validation says it.)
impl JsonSchema for ResponseSection {
    fn schema_name() -> Cow<'static, str> {
        "ResponseSection".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How API Gateway reshapes the integration's answer (its `ResponseParameters`, \"Transforming API requests and responses\"): `status` and `headers` for the integration's 200 answers, or one table per integration status code (200-599) of `overwrite:statuscode` and `append|overwrite|remove:header.NAME` keys whose values are static text, `$response.header.NAME`, `$response.body.PATH`, `$context.NAME` or `$stageVariables.NAME`.",
            "type": "object",
            "properties": {
                "status": {
                    "description": "The status the client receives when the integration answers 200, e.g. 202.",
                    "type": "integer",
                    "minimum": 200,
                    "maximum": 599
                },
                "headers": {
                    "description": "Headers set on the integration's 200 answers, e.g. `{ Location = \"$response.body.executionArn\" }`.",
                    "type": "object",
                    "additionalProperties": { "type": "string" }
                }
            },
            "additionalProperties": {
                "description": "The response parameters for one integration status code (200-599).",
                "type": "object",
                "additionalProperties": { "type": "string" }
            }
        })
    }
}

/// `[stage]`: the auto-deployed stage that serves the routes.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StageSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The stage's name: `$default` (the default) or 1-128 of `A-Z a-z 0-9 _ -`.
    #[schemars(pattern(r"^(\$default|[A-Za-z0-9_-]{1,128})$"))]
    pub name: Option<Sp<String>>,
    /// Deploy every change automatically: `true` (the default); `false` is refused.
    pub auto_deploy: Option<Sp<bool>>,
    /// Default route burst limit (0-2147483647): how many requests may arrive at once. Set both
    /// limits or neither.
    #[schemars(range(min = 0, max = 2147483647))]
    pub throttling_burst_limit: Option<Sp<i64>>,
    /// Default route rate limit, steady requests per second (0 or more). Set both limits or
    /// neither.
    #[schemars(range(min = 0))]
    pub throttling_rate_limit: Option<Sp<f64>>,
    /// `[stage.access_log]`: where and how the stage logs each request.
    pub access_log: Option<AccessLogSection>,
    /// Every key written in the table, readable or not, so that a check about a missing key
    /// does not fire when the key is there with a value already reported as wrong.
    #[schemars(skip)]
    pub written: Vec<String>,
}

/// `[stage.access_log]`: the stage's access logging.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AccessLogSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The CloudWatch Logs log group ARN, without the trailing `:*`:
    /// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME`.
    #[schemars(required)]
    pub destination_arn: Option<Sp<String>>,
    /// The log line, on one line, with `$context.requestId` or `$context.extendedRequestId`; a
    /// JSON line of the usual fields when absent.
    pub format: Option<Sp<String>>,
}

/// One `[[state_machine]]`: a Step Functions state machine the stack owns.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StateMachineSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The machine's name, 1-80 characters, none of `< > { } [ ] ? * " # % \ ^ | ~ $ & , ; : /`,
    /// no whitespace. A route's `state_machine` names it. A new name replaces the machine.
    #[schemars(required, length(min = 1, max = 80))]
    pub name: Option<Sp<String>>,
    /// `STANDARD` (the default) or `EXPRESS`. Step Functions cannot change a machine's type: a
    /// new type replaces the machine.
    #[schemars(rename = "type", extend("enum" = crate::domain::MachineType::NAMES))]
    pub kind: Option<Sp<String>>,
    /// The Amazon States Language definition: the path of a JSON or YAML file, relative to the
    /// stack file (`../examples/onboarding.asl.json`), or the definition inline as a table.
    #[schemars(required, with = "serde_json::Value")]
    pub definition: Option<Sp<serde_json::Value>>,
    /// `${Name}` placeholders of the definition and their values, e.g.
    /// `{ QueueUrl = "${var.queue_url}" }` (as CloudFormation's `DefinitionSubstitutions`).
    #[schemars(default, with = "std::collections::BTreeMap<String, String>")]
    pub substitutions: Vec<(Sp<String>, Sp<String>)>,
    /// Execution logging to CloudWatch Logs (off when absent).
    pub logging: Option<MachineLoggingSection>,
    /// X-Ray tracing of executions (default false).
    pub tracing: Option<Sp<bool>>,
    /// Tags of this machine, besides the stack's `[tags]` and the ownership tag.
    #[schemars(default, with = "std::collections::BTreeMap<String, String>")]
    pub tags: Vec<(Sp<String>, Sp<String>)>,
    /// The execution role's ARN (`arn:aws:iam::ACCOUNT:role/NAME`); when absent the stack
    /// makes one trusted by `states.amazonaws.com` with a policy derived from the definition.
    #[schemars(pattern(r"^arn:[a-z-]+:iam::[0-9]{12}:role/.+$"))]
    pub role: Option<Sp<String>>,
    /// Publish a version on every change of the definition or the role (default false; true
    /// when an `[state_machine.alias]` follows `latest`).
    pub publish: Option<Sp<bool>>,
    /// How many published versions to keep (default 10, 1-1000); older ones no alias routes to
    /// are deleted.
    #[schemars(range(min = 1, max = 1000))]
    pub keep_versions: Option<Sp<i64>>,
    /// `[state_machine.alias]`: an alias routed to the latest version or pinned ones.
    pub alias: Option<MachineAliasSection>,
    /// The definition read from its file (or the inline table), filled while loading.
    #[schemars(skip)]
    pub loaded: Option<crate::resource::state_machine::definition::Source>,
}

/// `logging` of a `[[state_machine]]`.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MachineLoggingSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// `ALL`, `ERROR`, `FATAL` or `OFF`.
    #[schemars(required, extend("enum" = ["ALL", "ERROR", "FATAL", "OFF"]))]
    pub level: Option<Sp<String>>,
    /// Include the executions' input and output in the log (default false).
    pub include_execution_data: Option<Sp<bool>>,
    /// The CloudWatch Logs log group ARN, ending in `:*`
    /// (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*`); required unless `level = "OFF"`.
    pub log_group: Option<Sp<String>>,
}

/// `[state_machine.alias]`: an alias of the machine.
#[derive(Debug, Clone, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct MachineAliasSection {
    /// Span of the table.
    #[schemars(skip)]
    pub span: Span,
    /// The alias's name: 1-80 of `A-Z a-z 0-9 - _`, not only digits.
    #[schemars(required, length(min = 1, max = 80))]
    pub name: Option<Sp<String>>,
    /// `"latest"` (the default: the version the last change published) or a version number.
    #[schemars(with = "Option<serde_json::Value>")]
    pub version: Option<Sp<serde_json::Value>>,
    /// Two versions and their weights, summing to 100, e.g. `{ 3 = 90, 4 = 10 }`; instead of
    /// `version`.
    #[schemars(default, with = "Option<std::collections::BTreeMap<String, u8>>")]
    pub routing: Option<Vec<(Sp<String>, Sp<i64>)>>,
}

/// Items sorted and de-duplicated: the canonical form of a list the file may write in any order.
pub(crate) fn sorted(items: impl Iterator<Item = String>) -> Vec<String> {
    items
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}
