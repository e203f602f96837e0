//! `console`: the batch inference console from the command line, for scripts and CI,
//! over the REST API (`/api/v1`) with a personal API token.
//!
//! Exit codes: 0 success; 1 any error (refused, invalid, unreachable, a failed run, a
//! bad command line); `plan` also 2 when the plan has changes (as
//! `terraform plan -detailed-exitcode`).

mod client;
mod commands;
mod config;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use client::{Client, Failure, normalize_url};
use output::Output;

/// The batch inference console from the command line: environments, plans, applies,
/// destroys and the Batch job queue, over the console's REST API.
///
/// Log in once with `console login --url URL --token TOKEN` (create the token on the
/// console's API tokens page); later commands read the saved login unless --url /
/// --token (or CONSOLE_URL / CONSOLE_TOKEN) say otherwise. Exit codes: 0 success, 1
/// error, and for `plan` 2 when there are changes.
#[derive(Debug, Parser)]
#[command(name = "console", version)]
struct Cli {
    /// The console's base URL, e.g. https://console.example.com.
    #[arg(
        long,
        env = "CONSOLE_URL",
        global = true,
        help_heading = "Global options"
    )]
    url: Option<String>,

    /// A personal API token (bcon_...).
    #[arg(
        long,
        env = "CONSOLE_TOKEN",
        global = true,
        hide_env_values = true,
        help_heading = "Global options"
    )]
    token: Option<String>,

    /// How to print results: aligned text, or the API's JSON as is.
    #[arg(long, short = 'o', env = "CONSOLE_OUTPUT", global = true, value_enum, default_value_t = Output::Table, help_heading = "Global options")]
    output: Output,

    /// Seconds to wait for each answer of the server.
    #[arg(
        long,
        env = "CONSOLE_TIMEOUT",
        global = true,
        default_value_t = 60,
        help_heading = "Global options"
    )]
    timeout: u64,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a token (GET /me) and save it with the URL in the config file (mode 0600).
    ///
    /// Without --token or CONSOLE_TOKEN the token is read from standard input. The file
    /// is $CONSOLE_CONFIG, else $XDG_CONFIG_HOME/batch-console/config.toml, else
    /// ~/.config/batch-console/config.toml.
    Login,
    /// Forget the saved token.
    Logout,
    /// Who the token acts as.
    Whoami,
    /// Your environments (your own and those shared with you).
    List {
        /// Only names containing this text (any case).
        #[arg(long)]
        search: Option<String>,
        /// Only this page (50 a page; default: every page).
        #[arg(long)]
        page: Option<u32>,
    },
    /// One environment: its resources as AWS reports them, drift and latest run.
    Show {
        /// Environment id.
        id: String,
    },
    /// Create an environment in the region's default VPC (cluster, compute environment,
    /// job queue).
    Create(CreateArgs),
    /// Create an environment from a spec document (JSON or YAML, as exported; - reads
    /// standard input).
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Show the plan; exit 0 when nothing would change, 2 when something would, 1 on
    /// error.
    Plan {
        /// Environment id.
        id: String,
        /// Save the plan (JSON, with its fingerprint and revision) for `apply --plan`.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Apply a plan saved by `plan --out`; refused if the environment changed since.
    Apply {
        /// Environment id.
        id: String,
        /// The saved plan.
        #[arg(long)]
        plan: PathBuf,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Destroy the environment's AWS resources (in the safe order).
    Destroy {
        /// Environment id.
        id: String,
        /// The environment's name, repeated.
        #[arg(long)]
        confirm: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// The latest apply, destroy or refresh and its steps.
    Status {
        /// Environment id.
        id: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// The environment's Batch job queue.
    #[command(subcommand)]
    Jobs(JobsCommand),
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// Its name (also the prefix of its AWS resources' names).
    name: String,
    /// The AWS region.
    #[arg(long)]
    region: String,
    /// The compute environment's maximum vCPUs.
    #[arg(long)]
    max_vcpus: u32,
    /// The Batch service role's ARN (default: the service-linked role).
    #[arg(long)]
    service_role: Option<String>,
}

#[derive(Debug, Args)]
struct WaitArgs {
    /// Follow the run until it ends, printing its steps; exit 1 if it fails.
    #[arg(long)]
    wait: bool,
    /// With --wait: give up (exit 1; the run goes on) after this many seconds.
    #[arg(long, default_value_t = 3600)]
    wait_timeout: u64,
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// Jobs in a state (default RUNNING), or matching a search, with the counts per state.
    List {
        /// Environment id.
        id: String,
        /// SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED or FAILED.
        #[arg(long)]
        state: Option<String>,
        /// A job id, ARN or name prefix (instead of a state).
        #[arg(long)]
        search: Option<String>,
        /// Start at this page token (a previous answer's `next`).
        #[arg(long)]
        page_token: Option<String>,
        /// Follow every page.
        #[arg(long)]
        all: bool,
    },
    /// Submit a job (or an array job) with the environment's job definition.
    Submit(SubmitArgs),
    /// Cancel queued jobs and terminate started ones.
    Cancel {
        /// Environment id.
        id: String,
        /// Job ids.
        #[arg(required = true)]
        jobs: Vec<String>,
        /// Why (shown in AWS).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
struct SubmitArgs {
    /// Environment id.
    id: String,
    /// Job name.
    #[arg(long)]
    name: String,
    /// Submit an array job of this many children (2-10000).
    #[arg(long)]
    array_size: Option<u32>,
    /// A parameter, KEY=VALUE (fills Ref::KEY in the command); repeatable.
    #[arg(long = "parameter", short = 'p', value_name = "KEY=VALUE")]
    parameters: Vec<String>,
    /// Command override: a JSON array of strings, or words separated by spaces.
    #[arg(long, allow_hyphen_values = true)]
    command: Option<String>,
    /// vCPUs override (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16; EC2: a whole number).
    #[arg(long)]
    vcpus: Option<String>,
    /// Memory override (MiB).
    #[arg(long)]
    memory: Option<String>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // A bad command line is an error (1), never `plan`'s "changes" (2).
            return ExitCode::from(u8::from(e.use_stderr()));
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            output::failure(&Failure::new(format!("cannot start: {e}")));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            output::failure(&f);
            ExitCode::FAILURE
        }
    }
}

/// Runs the command; its exit code.
async fn run(cli: Cli) -> Result<u8, Failure> {
    let timeout = Duration::from_secs(cli.timeout.max(1));
    let out = cli.output;
    match cli.command {
        Command::Login => {
            commands::login(cli.url.as_deref(), cli.token.as_deref(), timeout, out).await
        }
        Command::Logout => commands::logout(),
        command => {
            let ctx = commands::Ctx {
                client: connect(cli.url.as_deref(), cli.token.as_deref(), timeout)?,
                out,
            };
            dispatch(&ctx, command).await
        }
    }
}

async fn dispatch(ctx: &commands::Ctx, command: Command) -> Result<u8, Failure> {
    match command {
        Command::Login | Command::Logout => Ok(0),
        Command::Whoami => commands::whoami(ctx).await,
        Command::List { search, page } => commands::list(ctx, search.as_deref(), page).await,
        Command::Show { id } => commands::show(ctx, &id).await,
        Command::Create(a) => {
            commands::create(
                ctx,
                &a.name,
                &a.region,
                a.max_vcpus,
                a.service_role.as_deref(),
            )
            .await
        }
        Command::Import { file } => commands::import(ctx, &file).await,
        Command::Plan { id, out } => commands::plan(ctx, &id, out.as_deref()).await,
        Command::Apply { id, plan, wait } => {
            commands::apply(ctx, &id, &plan, wait.wait.then_some(wait.wait_timeout)).await
        }
        Command::Destroy { id, confirm, wait } => {
            commands::destroy(ctx, &id, &confirm, wait.wait.then_some(wait.wait_timeout)).await
        }
        Command::Status { id, wait } => {
            commands::status(ctx, &id, wait.wait.then_some(wait.wait_timeout)).await
        }
        Command::Jobs(JobsCommand::List {
            id,
            state,
            search,
            page_token,
            all,
        }) => {
            commands::jobs_list(
                ctx,
                &id,
                state.as_deref(),
                search.as_deref(),
                page_token.as_deref(),
                all,
            )
            .await
        }
        Command::Jobs(JobsCommand::Submit(a)) => {
            let form = commands::JobForm {
                name: a.name,
                array_size: a.array_size.map(|n| n.to_string()).unwrap_or_default(),
                parameters: a.parameters,
                command: a.command.unwrap_or_default(),
                vcpus: a.vcpus.unwrap_or_default(),
                memory: a.memory.unwrap_or_default(),
            };
            commands::jobs_submit(ctx, &a.id, form).await
        }
        Command::Jobs(JobsCommand::Cancel { id, jobs, reason }) => {
            commands::jobs_cancel(ctx, &id, &jobs, &reason).await
        }
    }
}

/// The client from the flags and variables, else the saved login. The saved token goes
/// only to the URL it was saved for.
fn connect(url: Option<&str>, token: Option<&str>, timeout: Duration) -> Result<Client, Failure> {
    let saved = match config::path() {
        Some(p) => config::load(&p)?,
        None => config::Saved::default(),
    };
    let saved_url = saved.url.as_deref().and_then(|u| normalize_url(u).ok());
    let url = match url {
        Some(u) => normalize_url(u)?,
        None => saved_url.clone().ok_or_else(|| {
            Failure::new(
                "no console URL: run `console login --url URL --token TOKEN` first, or pass --url (CONSOLE_URL)",
            )
        })?,
    };
    let token = match token {
        Some(t) => t.to_owned(),
        None if saved_url.as_deref() == Some(url.as_str()) => saved.token.unwrap_or_default(),
        None => String::new(),
    };
    if token.trim().is_empty() {
        return Err(Failure::new(format!(
            "no API token for {url}: run `console login --url {url} --token TOKEN`, or pass --token (CONSOLE_TOKEN)"
        )));
    }
    Client::new(&url, &token, timeout)
}
