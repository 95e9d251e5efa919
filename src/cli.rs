//! The command line: parsing, logging set-up and exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::aws::AwsSettings;
use crate::commands::{self, Outcome};
use crate::error::{Error, ExitStatus};
use crate::render::{Format, Printer};

/// Expose a Step Functions workflow over an API Gateway HTTP API, from one TOML stack.
///
/// AWS is the source of truth: there is no state file. Everything the tool creates carries the
/// tag provision:stack=<stack name>, and only what carries it is ever changed or deleted.
#[derive(Debug, Parser)]
#[command(name = "provision", version = env!("PROVISION_VERSION"), max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// AWS profile to use (default: AWS_PROFILE, then `default`).
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,

    /// AWS region (default: the stack's `region`, then AWS_REGION or the profile's region).
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,

    /// Send every AWS call to this endpoint (also: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>).
    #[arg(long, global = true, value_name = "URL")]
    endpoint_url: Option<String>,

    /// Pace API Gateway management calls to N per second, with a burst of 4N; AWS's throttling
    /// answers slow it down further. The account's quota (about 10/s, burst 40) is shared by
    /// every tool in it. 0 means unlimited (for local endpoints).
    #[arg(long, global = true, value_name = "N", default_value_t = crate::pace::DEFAULT_RATE, value_parser = rate)]
    max_rps: f64,

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
    Validate {
        /// Stack file (default: the only *.toml in ./stacks).
        stack: Option<PathBuf>,
        /// Fail (exit 1) on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Show what `up` would change, drift included.
    Diff {
        /// Stack file (default: the only *.toml in ./stacks).
        stack: Option<PathBuf>,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        exit_code: bool,
        /// Also save the plan to this file, with fingerprints of the stack file and of AWS, for
        /// `up --plan FILE` to apply exactly it after review.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Show what `up --adopt` would do: take over the same-named role and API that lack the
        /// stack's tag.
        #[arg(long)]
        adopt: bool,
    },
    /// Create or update the stack so AWS matches the file. Safe to re-run.
    Up {
        /// Stack file, or a folder: every *.toml in it, concurrently (default: the only *.toml
        /// in ./stacks).
        stack: Option<PathBuf>,
        /// Take over a same-named role, and the one same-named API, that lack the stack's tag:
        /// tag them and manage them (what `provision import` prepares).
        #[arg(long)]
        adopt: bool,
        /// After an IAM change, poll until IAM reads it back consistently (or the timeout passes).
        #[arg(long)]
        wait: bool,
        /// How long `--wait` may take, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 120, requires = "wait")]
        wait_timeout: u64,
        /// Apply deletes and replaces without asking (off a terminal, `up` never asks).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Apply exactly this plan, saved by `diff --out`; refused if the stack file or AWS
        /// changed since (the stack file defaults to the one the plan was made from).
        #[arg(long, value_name = "FILE")]
        plan: Option<PathBuf>,
    },
    /// Write the stack file of an API that exists (made in the console, say), for `up --adopt`.
    ///
    /// Reads the API, its routes, integrations, authorizers, CORS and stages, and the role its
    /// integrations assume with its policies. Only keys that differ from the defaults are
    /// written, every value as AWS returned it. What the format cannot express is listed, and
    /// the command exits 1, unless --partial.
    #[command(
        after_help = "Examples:\n  provision import --api user-onboarding-api --out stacks/onboarding.toml\n  provision diff stacks/onboarding.toml --adopt\n  provision up stacks/onboarding.toml --adopt"
    )]
    Import {
        /// The API's name, or its id where names repeat.
        #[arg(long, value_name = "NAME_OR_ID")]
        api: String,
        /// The stage the stack manages (default: $default, or the only stage); the others are
        /// listed as unmanaged.
        #[arg(long, value_name = "NAME")]
        stage: Option<String>,
        /// Write the stack file here (default: stdout).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Name state machines in the caller's account and region by name, and the account and
        /// region in other ARNs as [vars].
        #[arg(long)]
        portable: bool,
        /// Write what can be expressed even when something cannot: a comment per skipped item,
        /// and the skipped routes, stages and authorizers listed as unmanaged (`up` leaves them).
        #[arg(long)]
        partial: bool,
    },
    /// Print the least-privilege IAM policy the deployer needs for `up`, `diff` and `down`, offline.
    ///
    /// JSON ready for `aws iam put-role-policy --policy-document file://...`: API Gateway actions
    /// on the region's HTTP APIs, the stack role's IAM actions on its ARN, iam:PassRole of that role
    /// to API Gateway only, DescribeStateMachine on the routes' machines, and, when the stack needs
    /// them, AttachRolePolicy of its managed policies, log delivery and GetCallerIdentity.
    #[command(
        after_help = "Examples:\n  provision policy stacks/onboarding.toml > deployer-policy.json\n  aws iam put-role-policy --role-name ci-deployer --policy-name provision-onboarding --policy-document file://deployer-policy.json"
    )]
    Policy {
        /// Stack file (default: the only *.toml in ./stacks).
        stack: Option<PathBuf>,
        /// The account the stack deploys into (default: the one its state machines' ARNs name).
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// Print instead the execution role policy derived from this `[[state_machine]]`'s
        /// definition (what its generated role is allowed).
        #[arg(long, value_name = "NAME")]
        workflow: Option<String>,
    },
    /// Run the deployed routes on 127.0.0.1, as API Gateway would (read live from AWS).
    Serve {
        /// Stack file (default: the only *.toml in ./stacks).
        stack: Option<PathBuf>,
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Verify an issuer's JWTs with this JWKS (a file or an http(s) URL) instead of the keys
        /// its discovery document names. Repeatable.
        #[arg(long = "jwks", value_name = "ISSUER=FILE_OR_URL")]
        jwks: Vec<String>,
        /// Re-read the API from AWS every 2 s (without it: before a request, when the last read
        /// is over --refresh seconds old; and on SIGHUP).
        #[arg(long)]
        watch: bool,
        /// How long a read of the API and its integration roles is served before a request
        /// triggers a new one (0: before every request).
        #[arg(long, value_name = "SECONDS", default_value_t = 5)]
        refresh: u64,
    },
    /// Send a request to a route and show the response; `--follow` watches the execution.
    #[command(
        after_help = "Examples:\n  provision invoke \"POST /new-user\" --data '{\"input\": {\"user\": {\"userId\": \"u-1\"}}}' --follow\n  provision invoke stacks/onboarding.toml \"POST /new-user\" --data @user.json --local http://127.0.0.1:8080\n  provision invoke \"GET /orders/42\" --token \"$ID_TOKEN\" -H 'x-request-id: 7'"
    )]
    Invoke {
        /// `[STACK] "METHOD /path"`: the stack file is optional.
        #[arg(num_args = 1..=2, value_names = ["STACK", "ROUTE"], required = true)]
        args: Vec<String>,
        /// Request body: JSON text, or @file.
        #[arg(long, short = 'd')]
        data: Option<String>,
        /// An extra request header, `name: value` (repeatable).
        #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// A JWT for routes with a JWT authorizer, sent where the authorizer looks for it
        /// (`Authorization: Bearer ...` by default). AWS_IAM routes are signed with your AWS
        /// credentials (SigV4) without any option.
        #[arg(long, env = "PROVISION_TOKEN", value_name = "JWT", hide_env_values = true)]
        token: Option<String>,
        /// Send to a local gateway (`provision serve`) at this base URL instead of the stage.
        #[arg(long, value_name = "URL")]
        local: Option<String>,
        /// Poll the execution until it ends; exit 0 only if it SUCCEEDED.
        #[arg(long)]
        follow: bool,
        /// With --follow: give up after this many seconds (exit 1, the execution keeps running).
        #[arg(long, value_name = "SECONDS", default_value_t = 600, requires = "follow")]
        timeout: u64,
    },
    /// Delete everything the stack owns, and nothing else.
    Down {
        /// Stack file (default: the only *.toml in ./stacks).
        stack: Option<PathBuf>,
        /// Do not ask for confirmation (required when not on a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
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
    Synth {
        /// Stack file (default: the only *.toml in ./stacks).
        stack: Option<PathBuf>,
        /// Template format.
        #[arg(long, value_enum, default_value_t = commands::synth::SynthFormat::Cloudformation)]
        format: commands::synth::SynthFormat,
        /// Write YAML instead of JSON.
        #[arg(long)]
        yaml: bool,
        /// Write the template to this file instead of stdout.
        #[arg(long, value_name = "PATH")]
        output_file: Option<PathBuf>,
        /// With --format openapi: the account of the role ARN (default: ${AWS::AccountId}, which
        /// API Gateway fills in on import).
        #[arg(long, value_name = "ID", value_parser = commands::synth::account_id)]
        account: Option<String>,
    },
    /// Write a commented starter stack that passes `validate` (never overwrites a file).
    ///
    /// The stack's region is `--region`, else the state machine's, else ap-southeast-2. Without
    /// `--state-machine` the file holds a placeholder ARN to replace. A file under a `stacks/`
    /// directory starts with a `#:schema` line pointing editors at schema/stack.schema.json.
    #[command(
        after_help = "Examples:\n  provision init\n  provision init --name orders --route \"POST /orders/{id}\"\n  provision init --state-machine arn:aws:states:us-east-1:111122223333:stateMachine:orders\n  provision init stacks/billing.toml --region eu-west-1"
    )]
    Init {
        /// Where to write the stack (default: stacks/<NAME>.toml; a directory gets <NAME>.toml).
        path: Option<PathBuf>,
        /// The stack's name, 1-128 of A-Z a-z 0-9 - _ . (default: the file's name, else
        /// my-workflow).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// The route's state machine: arn:aws:states:REGION:ACCOUNT:stateMachine:NAME.
        #[arg(long, value_name = "ARN")]
        state_machine: Option<String>,
        /// The route key (default: "POST /start").
        #[arg(long, value_name = "\"METHOD /path\"")]
        route: Option<String>,
    },
    /// Print the stack file format as a JSON Schema (draft 2020-12), for editors and tools.
    #[command(
        after_help = "Examples:\n  provision schema > schema/stack.schema.json\n  # then start a stack file with:  #:schema ../schema/stack.schema.json"
    )]
    Schema,
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish.
    #[command(
        after_help = "Examples:\n  provision completions bash > ~/.local/share/bash-completion/completions/provision\n  provision completions zsh > ~/.zfunc/_provision    # with fpath+=~/.zfunc before compinit\n  provision completions fish > ~/.config/fish/completions/provision.fish"
    )]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `--max-rps`: 0 (no pacing) or at least [`crate::pace::MIN_RATE`] calls per second.
fn rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n == 0.0 || (n.is_finite() && n >= crate::pace::MIN_RATE) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a rate: write calls per second, at least {}, or 0 for no limit",
            crate::pace::MIN_RATE
        )),
    }
}

/// Runs the command line and returns the process exit code: the command's [`ExitStatus`], or 1
/// after printing its error once.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    crate::stack::vars::set_overrides(cli.vars.clone());
    let full_warnings = cli.verbose || matches!(cli.command, Command::Validate { .. });
    let printer = Printer::new(cli.output)
        .quiet(cli.quiet)
        .full_warnings(full_warnings);
    let settings = AwsSettings {
        profile: cli.profile,
        region: cli.region,
        endpoint_url: cli.endpoint_url,
        max_rps: cli.max_rps,
    };
    let outcome = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime.block_on(run(cli.command, &printer, &settings)),
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

async fn run(command: Command, printer: &Printer, settings: &AwsSettings) -> Outcome {
    match command {
        Command::Validate { stack, deny_warnings } => commands::validate::run(printer, stack, deny_warnings),
        Command::Diff {
            stack,
            exit_code,
            out,
            adopt,
        } => commands::diff::run(printer, settings, stack, exit_code, out, adopt).await,
        Command::Import {
            api,
            stage,
            out,
            portable,
            partial,
        } => {
            let args = commands::import::ImportArgs {
                api,
                stage,
                out,
                portable,
                partial,
            };
            commands::import::run(printer, settings, args).await
        }
        Command::Up {
            stack,
            adopt,
            wait,
            wait_timeout,
            yes,
            plan,
        } => {
            let options = up_options(adopt, wait, wait_timeout, yes, plan);
            match stack {
                Some(dir) if dir.is_dir() => {
                    commands::up::run_folder(printer, settings, &dir, &options).await
                }
                stack => commands::up::run(printer, settings, stack, &options).await,
            }
        }
        Command::Down { stack, yes } => commands::down::run(printer, settings, stack, yes).await,
        Command::Serve {
            stack,
            port,
            jwks,
            watch,
            refresh,
        } => {
            let refresh = std::time::Duration::from_secs(refresh);
            commands::serve::run(printer, settings, stack, port, &jwks, watch, refresh).await
        }
        Command::Invoke {
            mut args,
            data,
            headers,
            token,
            local,
            follow,
            timeout,
        } => {
            let route = args.pop().unwrap_or_default();
            let stack = args.pop().map(PathBuf::from);
            let timeout = std::time::Duration::from_secs(timeout);
            let invocation = commands::invoke::Invocation {
                route,
                data,
                headers,
                token,
                local,
                follow,
                timeout,
            };
            commands::invoke::run(printer, settings, stack, invocation).await
        }
        Command::Init {
            path,
            name,
            state_machine,
            route,
        } => {
            let options = commands::init::Options {
                path,
                name,
                state_machine,
                route,
                region: settings.region.clone(),
            };
            commands::init::run(printer, options)
        }
        Command::Synth {
            stack,
            format,
            yaml,
            output_file,
            account,
        } => {
            let options = commands::synth::Options {
                format,
                account,
                yaml,
                output_file,
            };
            commands::synth::run(printer, stack, settings.region.as_deref(), options)
        }
        Command::Policy {
            stack,
            account,
            workflow,
        } => policy(printer, settings, stack, account, workflow),
        Command::Schema => commands::schema::run(printer),
        Command::Completions { shell } => commands::completions::run(printer, shell, Cli::command()),
    }
}

/// `policy`: the deployer's policy, or with `--workflow` a state machine's execution role policy.
fn policy(
    printer: &Printer,
    settings: &AwsSettings,
    stack: Option<PathBuf>,
    account: Option<String>,
    workflow: Option<String>,
) -> Outcome {
    let (region, account) = (settings.region.as_deref(), account.as_deref());
    match workflow {
        Some(name) => commands::policy::workflow(printer, stack, region, account, &name),
        None => commands::policy::run(printer, stack, region, account),
    }
}

/// `up`'s options from its flags.
fn up_options(
    adopt: bool,
    wait: bool,
    wait_timeout: u64,
    yes: bool,
    plan: Option<PathBuf>,
) -> commands::up::UpOptions {
    commands::up::UpOptions {
        adopt,
        wait: wait.then(|| std::time::Duration::from_secs(wait_timeout)),
        confirm: if yes {
            commands::up::Confirm::Skip
        } else {
            commands::up::Confirm::Ask
        },
        saved: plan,
    }
}
