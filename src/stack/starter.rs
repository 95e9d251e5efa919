//! The starter stack `provision init` writes: a commented file that passes `validate`.
//!
//! Pure: the values in, the text out. Checking the options and writing the file is the
//! command's business ([`crate::commands::init`]).

use std::path::{Component, Path};

pub use super::rules::is_stack_name;

/// The stack name used when neither `--name` nor the file name gives one.
pub const DEFAULT_NAME: &str = "my-workflow";
/// The route key used without `--route`.
pub const DEFAULT_ROUTE: &str = "POST /start";
/// The region used without `--region` or a `--state-machine` to take it from.
pub const DEFAULT_REGION: &str = "ap-southeast-2";
/// The account id of the placeholder state machine ARN: AWS's documentation example account.
pub const PLACEHOLDER_ACCOUNT: &str = "123456789012";

/// The values of a starter stack, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starter {
    /// The stack name.
    pub name: String,
    /// The route key.
    pub route: String,
    /// The state machine ARN; `None` writes the placeholder ARN.
    pub state_machine: Option<String>,
    /// The stack's region.
    pub region: String,
    /// The `#:schema` path for editors, relative to the stack file; `None` writes no such line.
    pub schema: Option<String>,
}

impl Default for Starter {
    fn default() -> Self {
        Self {
            name: DEFAULT_NAME.to_string(),
            route: DEFAULT_ROUTE.to_string(),
            state_machine: None,
            region: DEFAULT_REGION.to_string(),
            schema: Some(format!("../{}", super::schema::SCHEMA_PATH)),
        }
    }
}

/// A TOML string literal holding `value`, escaped as needed.
fn quote(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}

/// `base` cut so that `base` + `suffix` fits in `max` bytes (names here are ASCII).
fn fit(base: &str, suffix: &str, max: usize) -> String {
    let keep = max.saturating_sub(suffix.len()).min(base.len());
    format!("{}{suffix}", base.get(..keep).unwrap_or(base))
}

/// A state machine name derived from a stack name: 1-80 of `A-Z a-z 0-9 - _`.
fn machine_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(80)
        .collect();
    if cleaned.is_empty() {
        DEFAULT_NAME.to_string()
    } else {
        cleaned
    }
}

/// The placeholder ARN written when no state machine is given, in the region's partition
/// (`arn:aws-cn:` in China, `arn:aws-us-gov:` in GovCloud), so that it reads as the ARN to
/// replace it with.
pub fn placeholder_arn(region: &str, name: &str) -> String {
    format!(
        "arn:{}:states:{region}:{PLACEHOLDER_ACCOUNT}:stateMachine:{}",
        crate::arn::Partition::of_or_aws(region).id,
        machine_name(name)
    )
}

/// The starter stack's text.
pub fn starter(s: &Starter) -> String {
    let name = &s.name;
    let mut t = String::new();
    if let Some(schema) = &s.schema {
        t.push_str(&format!("#:schema {schema}\n"));
    }
    t.push_str(
        "# A provision stack: an HTTP API whose route starts a Step Functions workflow, the IAM role\n\
         # API Gateway assumes to call it, and the auto-deployed stage.\n\
         #\n\
         #   provision validate FILE   offline checks, no AWS call\n\
         #   provision diff FILE       what `up` would change\n\
         #   provision up FILE         create or update, safe to re-run\n\
         #   provision down FILE       delete what this stack created, nothing else\n\
         #\n\
         # Unknown keys are errors. `provision schema` prints the format as a JSON Schema.\n\n",
    );
    t.push_str(
        "[stack]\n\
         # Written as the tag provision:stack = <name> on everything the stack creates: only what\n\
         # carries the tag is ever changed or deleted. 1-128 of A-Z a-z 0-9 - _ .\n",
    );
    t.push_str(&format!("name = {}\n", quote(name)));
    t.push_str("# `--region` overrides it.\n");
    t.push_str(&format!("region = {}\n\n", quote(&s.region)));
    t.push_str("[api]\n# The HTTP API, 1-128 characters. Renaming it updates the API in place.\n");
    t.push_str(&format!("name = {}\n\n", quote(&fit(name, "-api", 128))));
    t.push_str(
        "[role]\n\
         # The IAM role API Gateway assumes to call Step Functions (1-64 of A-Z a-z 0-9 + = , . @ _ -)\n\
         # and its inline policy. Without `actions` the policy is derived from the routes, least\n\
         # privilege: each route's action on its own state machine only.\n",
    );
    t.push_str(&format!("name = {}\n", quote(&fit(name, "-api-role", 64))));
    t.push_str(&format!(
        "policy_name = {}\n\n",
        quote(&fit(name, "-invoke-workflow", 128))
    ));
    t.push_str(
        "[[route]]\n# `METHOD /path` (path segments may be `{name}`, the last `{name+}`), or `$default`.\n",
    );
    t.push_str(&format!("key = {}\n", quote(&s.route)));
    t.push_str(
        "# StartExecution; StartSyncExecution (EXPRESS machines, answers with the result); or\n\
         # StopExecution (with parameters = { ExecutionArn = \"...\" }).\n\
         action = \"StartExecution\"\n",
    );
    let arn = match &s.state_machine {
        Some(arn) => arn.clone(),
        None => {
            t.push_str(&format!(
                "# PLACEHOLDER: {PLACEHOLDER_ACCOUNT} is not your account. Put your state machine's ARN here (Step\n\
                 # Functions console, or `aws stepfunctions list-state-machines`).\n"
            ));
            placeholder_arn(&s.region, name)
        }
    };
    t.push_str(&format!("state_machine = {}\n", quote(&arn)));
    t.push_str(
        "# Clients post {\"input\": {...}}; the `input` member is the execution's input (the\n\
         # walkthrough's convention, and the default when `parameters` is left out).\n\
         parameters = { Input = \"$request.body.input\" }\n\
         # Who may call this route:\n\
         #   \"AWS_IAM\"  requests signed with AWS credentials (SigV4); `provision invoke` signs them.\n\
         #   \"NONE\"     anyone on the internet can start executions (`validate` warns); keep the\n\
         #              stage throttling below if you open it.\n\
         #   JWT        declare an [[authorizer]] with name, issuer and audience, then set\n\
         #              authorizer = \"<its name>\" here instead of `authorization`.\n\
         authorization = \"AWS_IAM\"\n\n",
    );
    t.push_str(crate::resource::stage::emit::STARTER);
    t.push_str(
        "# User tags for the role, the API and the stage:\n\
         # [tags]\n\
         # team = \"platform\"\n",
    );
    t
}

/// The `#:schema` path for a stack written at `path`: relative to the file, up to the directory
/// that holds its `stacks/` directory, then `schema/stack.schema.json`. `None` when the file is
/// not under a `stacks/` directory.
pub fn schema_reference(path: &Path) -> Option<String> {
    let parent: Vec<Component<'_>> = path.parent()?.components().collect();
    let stacks = parent
        .iter()
        .rposition(|c| matches!(c, Component::Normal(n) if *n == "stacks"))?;
    let below = &parent[stacks + 1..];
    if below
        .iter()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return None;
    }
    let depth = 1 + below.iter().filter(|c| matches!(c, Component::Normal(_))).count();
    Some(format!("{}{}", "../".repeat(depth), super::schema::SCHEMA_PATH))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_arn_is_in_the_regions_partition() {
        assert_eq!(
            placeholder_arn("eu-west-1", "orders"),
            format!("arn:aws:states:eu-west-1:{PLACEHOLDER_ACCOUNT}:stateMachine:orders")
        );
        assert_eq!(
            placeholder_arn("cn-north-1", "orders"),
            format!("arn:aws-cn:states:cn-north-1:{PLACEHOLDER_ACCOUNT}:stateMachine:orders")
        );
        assert_eq!(
            placeholder_arn("us-gov-west-1", "orders"),
            format!("arn:aws-us-gov:states:us-gov-west-1:{PLACEHOLDER_ACCOUNT}:stateMachine:orders")
        );
        // The starter stack written for China names its machine there.
        let text = starter(&Starter {
            region: "cn-north-1".into(),
            ..Starter::default()
        });
        assert!(
            text.contains("state_machine = \"arn:aws-cn:states:cn-north-1:"),
            "{text}"
        );
    }
}
