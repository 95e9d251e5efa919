//! The command line: parsing, logging set-up and exit codes. Each command's options are its own
//! `Args` struct (in its module under [`crate::commands`]); the AWS settings are one group
//! ([`AwsSettings`]) flattened in, global like `--output` and `--var`.

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::aws::AwsSettings;
use crate::commands::{self, Outcome};
use crate::error::{Error, ExitStatus};
use crate::render::{Format, Printer};
use crate::stack::LoadOptions;

/// Expose a Step Functions workflow over an API Gateway HTTP API, from one TOML stack.
///
/// AWS is the source of truth: there is no state file. Everything the tool creates carries the
/// tag provision:stack=<stack name>, and only what carries it is ever changed or deleted.
#[derive(Debug, Parser)]
#[command(name = "provision", version = env!("PROVISION_VERSION"), max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    #[command(flatten)]
    aws: AwsSettings,

    /// Output format: text for people, json for programs (stdout holds one JSON document).
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    output: Format,

    /// Set a stack variable, `NAME=VALUE` (repeatable): the value of `${var.NAME}` in the stack
    /// file, over its `[vars]` default.
    #[arg(long = "var", global = true, value_name = "NAME=VALUE", value_parser = crate::stack::vars::parse_override)]
    vars: Vec<(String, String)>,

    /// Hide warnings, notes and progress; results and errors are still printed.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,

    /// Show the stack's warnings in full, as `validate` does (other commands print one line
    /// each).
    #[arg(long, short = 'v', global = true, conflicts_with = "quiet")]
    verbose: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a stack file offline: no AWS call, no credentials needed.
    Validate(commands::validate::ValidateArgs),
    /// Show what `up` would change, drift included.
    Diff(commands::diff::DiffArgs),
    /// Create or update the stack so AWS matches the file. Safe to re-run.
    Up(commands::up::UpArgs),
    /// Write the stack file of an API that exists (made in the console, say), for `up --adopt`.
    ///
    /// Reads the API, its routes, integrations, authorizers, CORS and stages, and the role its
    /// integrations assume with its policies. Only keys that differ from the defaults are
    /// written, every value as AWS returned it. What the format cannot express is listed, and
    /// the command exits 1, unless --partial.
    #[command(
        after_help = "Examples:\n  provision import --api user-onboarding-api --out stacks/onboarding.toml\n  provision diff stacks/onboarding.toml --adopt\n  provision up stacks/onboarding.toml --adopt"
    )]
    Import(commands::import::ImportArgs),
    /// Print the least-privilege IAM policy the deployer needs for `up`, `diff` and `down`, offline.
    ///
    /// JSON ready for `aws iam put-role-policy --policy-document file://...`: API Gateway actions
    /// on the region's HTTP APIs, the stack role's IAM actions on its ARN, iam:PassRole of that role
    /// to API Gateway only, DescribeStateMachine on the routes' machines, and, when the stack needs
    /// them, AttachRolePolicy of its managed policies, log delivery and GetCallerIdentity.
    #[command(
        after_help = "Examples:\n  provision policy stacks/onboarding.toml > deployer-policy.json\n  aws iam put-role-policy --role-name ci-deployer --policy-name provision-onboarding --policy-document file://deployer-policy.json"
    )]
    Policy(commands::policy::PolicyArgs),
    /// Run the deployed routes on 127.0.0.1, as API Gateway would (read live from AWS).
    Serve(commands::serve::ServeArgs),
    /// Send a request to a route and show the response; `--follow` watches the execution.
    #[command(
        after_help = "Examples:\n  provision invoke \"POST /new-user\" --data '{\"input\": {\"user\": {\"userId\": \"u-1\"}}}' --follow\n  provision invoke stacks/onboarding.toml \"POST /new-user\" --data @user.json --local http://127.0.0.1:8080\n  provision invoke \"GET /orders/42\" --token \"$ID_TOKEN\" -H 'x-request-id: 7'"
    )]
    Invoke(commands::invoke::InvokeArgs),
    /// Delete everything the stack owns, and nothing else.
    Down(commands::down::DownArgs),
    /// Write the stack as a CloudFormation template or an OpenAPI document (JSON, or YAML with
    /// --yaml), offline.
    ///
    /// The same resources and properties `up` creates, from the same model: hand the stack to
    /// CloudFormation for change sets, rollback, drift detection or StackSets. Logical ids come
    /// from names, so a changed stack updates in place. `--format openapi` writes the HTTP API
    /// (routes, integrations, authorizers, CORS) as OpenAPI 3.0 with API Gateway's extensions,
    /// for `aws apigatewayv2 import-api`, SAM's DefinitionBody, Postman or Swagger UI.
    #[command(
        after_help = "Examples:\n  provision synth stacks/onboarding.toml > template.json\n  provision synth stacks/onboarding-secure.toml --yaml --output-file template.yaml\n  aws cloudformation deploy --template-file template.json --stack-name onboarding --capabilities CAPABILITY_NAMED_IAM\n  provision synth stacks/onboarding-secure.toml --format openapi --output-file openapi.json\n  aws apigatewayv2 import-api --body file://openapi.json"
    )]
    Synth(commands::synth::SynthArgs),
    /// Write a commented starter stack that passes `validate` (never overwrites a file).
    ///
    /// The stack's region is `--region`, else the state machine's, else ap-southeast-2. Without
    /// `--state-machine` the file holds a placeholder ARN to replace. A file under a `stacks/`
    /// directory starts with a `#:schema` line pointing editors at schema/stack.schema.json.
    #[command(
        after_help = "Examples:\n  provision init\n  provision init --name orders --route \"POST /orders/{id}\"\n  provision init --state-machine arn:aws:states:us-east-1:111122223333:stateMachine:orders\n  provision init stacks/billing.toml --region eu-west-1"
    )]
    Init(commands::init::InitArgs),
    /// Print the stack file format as a JSON Schema (draft 2020-12), for editors and tools.
    #[command(
        after_help = "Examples:\n  provision schema > schema/stack.schema.json\n  # then start a stack file with:  #:schema ../schema/stack.schema.json"
    )]
    Schema,
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish.
    #[command(
        after_help = "Examples:\n  provision completions bash > ~/.local/share/bash-completion/completions/provision\n  provision completions zsh > ~/.zfunc/_provision    # with fpath+=~/.zfunc before compinit\n  provision completions fish > ~/.config/fish/completions/provision.fish"
    )]
    Completions(commands::completions::CompletionsArgs),
}

/// Runs the command line and returns the process exit code: the command's [`ExitStatus`], or 1
/// after printing its error once.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let load = LoadOptions { vars: cli.vars };
    let full_warnings = cli.verbose || matches!(cli.command, Command::Validate(_));
    let printer = Printer::new(cli.output)
        .quiet(cli.quiet)
        .full_warnings(full_warnings);
    let outcome = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli.command, &printer, &cli.aws, &load)),
        Err(e) => Err(Error::msg(format!("cannot start the async runtime: {e}"))),
    };
    match outcome {
        Ok(status) => ExitCode::from(status.code()),
        Err(error) => {
            printer.failure(&error);
            ExitCode::from(ExitStatus::Failure.code())
        }
    }
}

/// Logs go to stderr. By default only the tool's own warnings: the SDK's lines (a credential
/// provider that found nothing, a retry) stay out of the way; `PROVISION_LOG=debug` (or any
/// `tracing` filter, e.g. `PROVISION_LOG=aws_config=debug`) shows them. Coloured only on a
/// terminal and without `NO_COLOR` (no-color.org), so `2> log.txt` holds plain text.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PROVISION_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("provision=warn"));
    let color = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(color)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// Hands each command its options, the run's AWS settings and how to read the stack.
async fn run(command: Command, printer: &Printer, aws: &AwsSettings, load: &LoadOptions) -> Outcome {
    match command {
        Command::Validate(args) => commands::validate::run(printer, load, args),
        Command::Diff(args) => commands::diff::run(printer, aws, load, args).await,
        Command::Up(args) => commands::up::run_args(printer, aws, load, args).await,
        Command::Import(args) => commands::import::run(printer, aws, args).await,
        Command::Policy(args) => commands::policy::run_args(printer, aws, load, args),
        Command::Serve(args) => commands::serve::run(printer, aws, load, args).await,
        Command::Invoke(args) => commands::invoke::run(printer, aws, load, args).await,
        Command::Down(args) => commands::down::run(printer, aws, load, args).await,
        Command::Synth(args) => commands::synth::run(printer, aws, load, args),
        Command::Init(args) => commands::init::run_args(printer, aws, args),
        Command::Schema => commands::schema::run(printer),
        Command::Completions(args) => commands::completions::run(printer, args.shell, Cli::command()),
    }
}
