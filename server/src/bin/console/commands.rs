//! The commands: each calls the API, prints the answer as a table or as the API's JSON,
//! and returns its exit code (errors are returned as [`Failure`]s, printed by `main`).

use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use app::domain::plan::Drift;
use app::domain::queue::{JobCounts, JobSummary, StopJobsReport};
use app::domain::run::live::{LiveRun, LiveState, format_elapsed, step_elapsed};
use app::domain::{Action, Plan, Problem, ResourceView, Role, RunRecord, RunState};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::{Client, Failure, encode, normalize_url, query};
use crate::config;
use crate::output::{self, Output, or_dash, read, say, table};

/// What every command but `login` needs.
pub struct Ctx {
    /// The API client.
    pub client: Client,
    /// How to print.
    pub out: Output,
}

impl Ctx {
    fn table(&self) -> bool {
        self.out == Output::Table
    }
}

/// `GET /me`.
#[derive(Deserialize)]
struct Me {
    username: String,
    token_id: String,
}

/// `GET /environments`.
#[derive(Deserialize)]
struct EnvironmentList {
    items: Vec<EnvironmentItem>,
    total: u32,
    page: u32,
    pages: u32,
}

#[derive(Deserialize)]
struct EnvironmentItem {
    id: String,
    name: String,
    region: String,
    role: Role,
    resources: u32,
    run: Option<RunRecord>,
}

/// `GET /environments/{id}` (the spec left aside).
#[derive(Deserialize)]
struct Environment {
    id: String,
    name: String,
    region: String,
    revision: u64,
    role: Role,
    resources: Vec<ResourceView>,
    drift: Vec<Drift>,
    aws_error: Option<String>,
    run: Option<RunRecord>,
}

/// `GET /environments/{id}/plan`, as the API answers it and as `plan --out` saves it.
#[derive(Deserialize)]
struct PlanView {
    id: String,
    revision: u64,
    has_changes: bool,
    fingerprint: String,
    plan: Plan,
    #[serde(default)]
    warnings: Vec<Problem>,
    #[serde(default)]
    cost: Option<Cost>,
}

#[derive(Deserialize)]
struct Cost {
    total_usd_per_hour: f64,
    #[serde(default)]
    missing: Vec<String>,
}

/// `GET /environments/{id}/jobs`.
#[derive(Deserialize)]
struct JobsPage {
    queue: String,
    counts: JobCounts,
    items: Vec<JobSummary>,
    next: Option<String>,
    aws_error: Option<String>,
}

/// `POST /environments/{id}/jobs`.
#[derive(Deserialize)]
struct Submitted {
    job_id: String,
    name: String,
    array_size: Option<u32>,
}

/// The run a 202 started, as far as the answer shows it.
fn started_run(live: &LiveState) -> Option<String> {
    live.run.as_ref().map(|r| r.run.id.clone())
}

/// `console login`: checks the token and saves it with the URL.
pub async fn login(
    url: Option<&str>,
    token: Option<&str>,
    timeout: Duration,
    out: Output,
) -> Result<u8, Failure> {
    let path = config::path().ok_or_else(|| {
        Failure::new("nowhere to save the login: set CONSOLE_CONFIG (a file) or HOME")
    })?;
    let saved = config::load(&path)?;
    let url = url
        .map(str::to_owned)
        .or(saved.url)
        .ok_or_else(|| Failure::new("console login needs --url URL (or CONSOLE_URL)"))?;
    let url = normalize_url(&url)?;
    let token = match token {
        Some(t) => t.trim().to_owned(),
        None => read_token()?,
    };
    if token.is_empty() {
        return Err(Failure::new(
            "no token: pass --token TOKEN (or CONSOLE_TOKEN, or on standard input); create one on the console's API tokens page",
        ));
    }
    let client = Client::new(&url, &token, timeout)?;
    let answer = client.get("/me").await?;
    let me: Me = read(&answer, "caller")?;
    config::save(
        &path,
        &config::Saved {
            url: Some(url.clone()),
            token: Some(token),
        },
    )?;
    match out {
        Output::Json => output::json(&answer),
        Output::Table => say(&format!(
            "Logged in to {url} as {} (token {}); saved in {}.",
            me.username,
            me.token_id,
            path.display()
        )),
    }
    Ok(0)
}

/// The token from standard input (prompted for on a terminal).
fn read_token() -> Result<String, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        output::warn("API token (input shown):");
    }
    let mut line = String::new();
    stdin
        .lock()
        .take(4096)
        .read_to_string(&mut line)
        .map_err(|e| Failure::new(format!("cannot read the token from standard input: {e}")))?;
    Ok(line.lines().next().unwrap_or("").trim().to_owned())
}

/// `console logout`: forgets the saved token (the URL stays).
pub fn logout() -> Result<u8, Failure> {
    let Some(path) = config::path() else {
        return Ok(0);
    };
    let mut saved = config::load(&path)?;
    if saved.token.take().is_some() {
        config::save(&path, &saved)?;
        say(&format!("Forgot the token saved in {}.", path.display()));
    } else {
        say("No saved token.");
    }
    Ok(0)
}

/// `console whoami`.
pub async fn whoami(ctx: &Ctx) -> Result<u8, Failure> {
    let answer = ctx.client.get("/me").await?;
    if ctx.table() {
        let me: Me = read(&answer, "caller")?;
        say(&format!(
            "{} (token {}) at {}",
            me.username,
            me.token_id,
            ctx.client.base()
        ));
    } else {
        output::json(&answer);
    }
    Ok(0)
}

/// `console list`: every page unless one is asked for (JSON: the pages' items together).
pub async fn list(ctx: &Ctx, search: Option<&str>, page: Option<u32>) -> Result<u8, Failure> {
    let fetch = |n: u32| {
        let path = format!(
            "/environments{}",
            query(&[("page", Some(&n.to_string())), ("search", search)])
        );
        async move { ctx.client.get(&path).await }
    };
    let mut answer = fetch(page.unwrap_or(1)).await?;
    let first: EnvironmentList = read(&answer, "environment list")?;
    let mut items = first.items;
    if page.is_none() {
        let mut n = first.page;
        while n < first.pages {
            n += 1;
            let more = fetch(n).await?;
            let list: EnvironmentList = read(&more, "environment list")?;
            if list.items.is_empty() {
                break;
            }
            items.extend(list.items);
            if let (Some(all), Some(extra)) = (
                answer.get_mut("items").and_then(Value::as_array_mut),
                more.get("items").and_then(Value::as_array),
            ) {
                all.extend(extra.iter().cloned());
            }
        }
        if first.pages > 1
            && let Some(p) = answer.get_mut("pages")
        {
            *p = json!(1);
        }
    }
    if !ctx.table() {
        output::json(&answer);
        return Ok(0);
    }
    if items.is_empty() {
        say("No environments.");
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|e| {
            vec![
                e.id.clone(),
                e.name.clone(),
                e.region.clone(),
                e.role.key().to_owned(),
                e.resources.to_string(),
                run_summary(e.run.as_ref()),
            ]
        })
        .collect();
    say(&table(
        &["ID", "NAME", "REGION", "ROLE", "RESOURCES", "LATEST RUN"],
        &rows,
    ));
    if page.is_some() && first.pages > 1 {
        say(&format!(
            "(page {} of {}, {} environments in all)",
            first.page, first.pages, first.total
        ));
    }
    Ok(0)
}

/// "apply succeeded", "destroy running", "-".
fn run_summary(run: Option<&RunRecord>) -> String {
    run.map_or_else(
        || "-".to_owned(),
        |r| format!("{} {}", r.kind.key(), r.state.key()),
    )
}

/// `console show ID`.
pub async fn show(ctx: &Ctx, id: &str) -> Result<u8, Failure> {
    let answer = ctx
        .client
        .get(&format!("/environments/{}", encode(id)))
        .await?;
    if !ctx.table() {
        output::json(&answer);
        return Ok(0);
    }
    let env: Environment = read(&answer, "environment")?;
    let mut lines = vec![
        format!("Environment  {} ({})", env.name, env.id),
        format!("Region       {}", env.region),
        format!("Revision     {}", env.revision),
        format!("Your role    {}", env.role.key()),
    ];
    if let Some(run) = &env.run {
        let mut line = format!(
            "Latest run   {} {}, started by {} at {}",
            run.kind.key(),
            run.state.key(),
            run.started_by,
            run.started_at
        );
        if let Some(e) = &run.error {
            line.push_str(&format!("\n             error: {e}"));
        }
        lines.push(line);
    } else {
        lines.push("Latest run   -".into());
    }
    if let Some(e) = &env.aws_error {
        lines.push(format!("AWS error    {e}"));
    }
    say(&lines.join("\n"));
    say("");
    let rows: Vec<Vec<String>> = env
        .resources
        .iter()
        .map(|r| {
            vec![
                r.kind.label().to_owned(),
                r.name.clone(),
                or_dash(r.recorded.as_ref().map(|x| x.status.key())),
                r.observed.as_ref().map_or_else(
                    || "absent".to_owned(),
                    |o| match &o.state {
                        Some(s) => format!("{} {s}", o.status),
                        None => o.status.clone(),
                    },
                ),
                or_dash(
                    r.observed
                        .as_ref()
                        .map(|o| o.arn.clone())
                        .or_else(|| r.recorded.as_ref().and_then(|x| x.arn.clone())),
                ),
            ]
        })
        .collect();
    say(&table(
        &["RESOURCE", "NAME", "RECORDED", "AWS", "ARN"],
        &rows,
    ));
    if !env.drift.is_empty() {
        say("\nDrift (changed outside the console):");
        for d in &env.drift {
            say(&format!(
                "  {} {}: applied {}, AWS has {}",
                d.kind.label(),
                d.field,
                d.recorded,
                d.observed
            ));
        }
    }
    Ok(0)
}

/// `console create NAME --region R --max-vcpus N`.
pub async fn create(
    ctx: &Ctx,
    name: &str,
    region: &str,
    max_vcpus: u32,
    service_role: Option<&str>,
) -> Result<u8, Failure> {
    let answer = ctx
        .client
        .post(
            "/environments",
            &json!({"name": name, "region": region, "max_vcpus": max_vcpus, "service_role": service_role}),
        )
        .await?;
    created(ctx, &answer)
}

/// `console import FILE`.
pub async fn import(ctx: &Ctx, file: &Path) -> Result<u8, Failure> {
    let document = if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .lock()
            .read_to_string(&mut s)
            .map_err(|e| Failure::new(format!("cannot read standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| Failure::new(format!("cannot read {}: {e}", file.display())))?
    };
    let answer = ctx
        .client
        .post("/environments/import", &json!({ "document": document }))
        .await?;
    created(ctx, &answer)
}

fn created(ctx: &Ctx, answer: &Value) -> Result<u8, Failure> {
    if ctx.table() {
        let id = answer
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| Failure::new("the server's answer has no environment id"))?;
        say(&format!(
            "Created environment {id}; review its plan with `console plan {id}`."
        ));
    } else {
        output::json(answer);
    }
    Ok(0)
}

/// `console plan ID [--out FILE]`: 0 no changes, 2 changes.
pub async fn plan(ctx: &Ctx, id: &str, out: Option<&Path>) -> Result<u8, Failure> {
    let answer = ctx
        .client
        .get(&format!("/environments/{}/plan", encode(id)))
        .await?;
    let view: PlanView = read(&answer, "plan")?;
    if let Some(path) = out {
        let text = serde_json::to_string_pretty(&answer).unwrap_or_else(|_| answer.to_string());
        std::fs::write(path, text + "\n")
            .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
    }
    if ctx.table() {
        print_plan(&view);
        if let Some(path) = out {
            say(&format!(
                "\nSaved the plan in {} (revision {}, fingerprint {}); apply it with `console apply {} --plan {}`.",
                path.display(),
                view.revision,
                view.fingerprint,
                view.id,
                path.display()
            ));
        }
    } else {
        output::json(&answer);
    }
    Ok(if view.has_changes { 2 } else { 0 })
}

fn print_plan(view: &PlanView) {
    let mut lines = vec![format!(
        "Plan of environment {} at revision {}:",
        view.id, view.revision
    )];
    let (mut create, mut update, mut replace, mut delete, mut same) = (0, 0, 0, 0, 0);
    for step in &view.plan.steps {
        let sign = match step.action {
            Action::Create => {
                create += 1;
                "+"
            }
            Action::Update => {
                update += 1;
                "~"
            }
            Action::Replace => {
                replace += 1;
                "-/+"
            }
            Action::Delete => {
                delete += 1;
                "-"
            }
            Action::NoChange => {
                same += 1;
                continue;
            }
        };
        lines.push(format!(
            "  {sign} {} {} {}",
            step.action.label(),
            step.kind.label(),
            step.name
        ));
        if let Some(order) = step.replace_order {
            lines.push(format!(
                "      ({})",
                match order {
                    app::domain::plan::ReplaceOrder::CreateBeforeDelete =>
                        "the new one is created before the old one is deleted",
                    app::domain::plan::ReplaceOrder::DeleteBeforeCreate =>
                        "the old one is deleted before the new one is created",
                }
            ));
        }
        for (field, value) in &step.settings {
            lines.push(format!("      {field} = {value}"));
        }
        for c in &step.changes {
            let mut line = format!(
                "      {}: {} -> {}",
                c.field,
                c.old.as_deref().unwrap_or("(none)"),
                c.new.as_deref().unwrap_or("(none)")
            );
            if let Some(why) = &c.forces_replacement {
                line.push_str(&format!("  (forces replacement: {why})"));
            }
            lines.push(line);
        }
        if let Some(note) = &step.note {
            lines.push(format!("      note: {note}"));
        }
    }
    if same > 0 {
        lines.push(format!("  ({same} resources unchanged)"));
    }
    if !view.plan.drift.is_empty() {
        lines.push("Drift (changed outside the console):".into());
        for d in &view.plan.drift {
            lines.push(format!(
                "  {} {}: applied {}, AWS has {}",
                d.kind.label(),
                d.field,
                d.recorded,
                d.observed
            ));
        }
    }
    if !view.warnings.is_empty() {
        lines.push("Warnings:".into());
        for w in &view.warnings {
            lines.push(format!("  {}: {} ({})", w.field, w.message, w.rule));
        }
    }
    if let Some(cost) = &view.cost
        && cost.total_usd_per_hour > 0.0
    {
        let mut line = format!(
            "Estimated cost at maximum size: ${:.2} an hour (on-demand)",
            cost.total_usd_per_hour
        );
        if !cost.missing.is_empty() {
            line.push_str(&format!("; no price for {}", cost.missing.join(", ")));
        }
        lines.push(line);
    }
    lines.push(if view.has_changes {
        format!(
            "Plan: {create} to create, {update} to update, {replace} to replace, {delete} to delete."
        )
    } else {
        "No changes: AWS matches the spec.".into()
    });
    say(&lines.join("\n"));
}

/// The parts of a saved plan that apply needs.
#[derive(Deserialize)]
struct SavedPlan {
    id: String,
    revision: u64,
    fingerprint: String,
    has_changes: bool,
}

/// `console apply ID --plan FILE [--wait]`.
pub async fn apply(ctx: &Ctx, id: &str, file: &Path, wait: Option<u64>) -> Result<u8, Failure> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Failure::new(format!("cannot read {}: {e}", file.display())))?;
    let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
        Failure::new(format!(
            "{} is not a plan saved by `console plan --out`: {e}",
            file.display()
        ))
    })?;
    if saved.id != id {
        return Err(Failure::new(format!(
            "{} is a plan of environment {}, not {id}",
            file.display(),
            saved.id
        )));
    }
    if saved.fingerprint.is_empty() {
        return Err(Failure::new(format!(
            "{} has no fingerprint: your role may not apply this environment",
            file.display()
        )));
    }
    let stale = |now: u64| {
        let at = if now == saved.revision {
            String::new()
        } else {
            format!(
                " (planned at revision {}, now revision {now})",
                saved.revision
            )
        };
        Failure {
            status: Some(409),
            message: format!("the environment changed since this plan{at}; plan again"),
            problems: Vec::new(),
        }
    };
    let current = || async {
        let v = ctx
            .client
            .get(&format!("/environments/{}/plan", encode(id)))
            .await?;
        read::<PlanView>(&v, "plan")
    };
    if !saved.has_changes {
        // Nothing to run; but say so only if it is still the plan.
        let now = current().await?;
        if now.fingerprint != saved.fingerprint {
            return Err(stale(now.revision));
        }
        if ctx.table() {
            say("No changes to apply.");
        } else {
            output::json(&json!({"run": null, "retry": null}));
        }
        return Ok(0);
    }
    let answer = match ctx
        .client
        .post(
            &format!("/environments/{}/apply", encode(id)),
            &json!({ "fingerprint": saved.fingerprint }),
        )
        .await
    {
        Ok(a) => a,
        // 409 is also "a run is in progress": tell the two apart by the plan now.
        Err(f) if f.status == Some(409) => {
            return Err(match current().await {
                Ok(now) if now.fingerprint != saved.fingerprint => stale(now.revision),
                _ => f,
            });
        }
        Err(f) => return Err(f),
    };
    started(ctx, id, "apply", answer, wait).await
}

/// `console destroy ID --confirm NAME [--wait]`.
pub async fn destroy(ctx: &Ctx, id: &str, confirm: &str, wait: Option<u64>) -> Result<u8, Failure> {
    let answer = ctx
        .client
        .post(
            &format!("/environments/{}/destroy", encode(id)),
            &json!({ "confirm": confirm }),
        )
        .await?;
    started(ctx, id, "destroy", answer, wait).await
}

/// After a 202: says the run started, or follows it.
async fn started(
    ctx: &Ctx,
    id: &str,
    what: &str,
    answer: Value,
    wait: Option<u64>,
) -> Result<u8, Failure> {
    let live: LiveState = read(&answer, "run")?;
    match wait {
        Some(limit) => follow(ctx, id, started_run(&live), limit).await,
        None => {
            if ctx.table() {
                say(&format!(
                    "Started {what} of environment {id}{}; follow it with `console status {id} --wait`.",
                    started_run(&live)
                        .map(|r| format!(" (run {r})"))
                        .unwrap_or_default()
                ));
            } else {
                output::json(&answer);
            }
            Ok(0)
        }
    }
}

/// `console status ID [--wait]`.
pub async fn status(ctx: &Ctx, id: &str, wait: Option<u64>) -> Result<u8, Failure> {
    if let Some(limit) = wait {
        return follow(ctx, id, None, limit).await;
    }
    let answer = latest(ctx, id).await?;
    if !ctx.table() {
        output::json(&answer);
        return Ok(0);
    }
    let live: LiveState = read(&answer, "run")?;
    let Some(run) = live.run else {
        say("No apply, destroy or refresh yet.");
        return Ok(0);
    };
    say(&format!(
        "{} {} (run {}), started by {} at {}",
        run.run.kind.key(),
        run.run.state.key(),
        run.run.id,
        run.run.started_by,
        run.run.started_at
    ));
    let now = now_seconds();
    let rows: Vec<Vec<String>> = run
        .steps
        .iter()
        .map(|s| {
            vec![
                s.step.clone(),
                step_elapsed(s, run.running(), now).map_or_else(|| "-".into(), format_elapsed),
                match (&s.error, &s.finished_at) {
                    (Some(e), _) => format!("failed: {e}"),
                    (None, Some(_)) => "done".into(),
                    (None, None) if run.running() => "in progress".into(),
                    (None, None) => "not finished".into(),
                },
            ]
        })
        .collect();
    if !rows.is_empty() {
        say(&table(&["STEP", "ELAPSED", "RESULT"], &rows));
    }
    if let Some(e) = &run.run.error {
        say(&format!("error: {e}"));
    }
    Ok(0)
}

async fn latest(ctx: &Ctx, id: &str) -> Result<Value, Failure> {
    ctx.client
        .get(&format!("/environments/{}/runs/latest", encode(id)))
        .await
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Polls `runs/latest` until the run (`run`, else the latest) is no longer running,
/// printing each step as it starts and ends; 0 if it succeeded, a failure naming the
/// failing step's error if not.
async fn follow(ctx: &Ctx, id: &str, run: Option<String>, limit: u64) -> Result<u8, Failure> {
    let deadline = Instant::now() + Duration::from_secs(limit);
    let mut interval = Duration::from_millis(200);
    // Per step (name and start): 1 = its start printed, 2 = its end printed.
    let mut printed: HashMap<String, u8> = HashMap::new();
    loop {
        let answer = latest(ctx, id).await?;
        let live: LiveState = read(&answer, "run")?;
        let current = match (&live.run, &run) {
            (Some(r), Some(wanted)) if r.run.id != *wanted => {
                return Err(Failure::new(format!(
                    "another run ({} {}) followed run {wanted}; see `console status {id}`",
                    r.run.kind.key(),
                    r.run.id
                )));
            }
            (Some(r), _) => Some(r),
            (None, Some(_)) => None,
            (None, None) => {
                if ctx.table() {
                    say("No apply, destroy or refresh yet.");
                } else {
                    output::json(&answer);
                }
                return Ok(0);
            }
        };
        if let Some(r) = current {
            if ctx.table() {
                progress(r, &mut printed);
            }
            if !r.running() {
                return finished(ctx, r, &answer);
            }
        }
        if Instant::now() >= deadline {
            return Err(Failure::new(format!(
                "the run is still in progress after {limit} s (it goes on; follow it with `console status {id} --wait`)"
            )));
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 3 / 2).min(Duration::from_secs(2));
    }
}

/// Prints the steps' news since the last poll.
fn progress(run: &LiveRun, printed: &mut HashMap<String, u8>) {
    let now = now_seconds();
    for s in &run.steps {
        let key = format!("{}@{}", s.step, s.started_at);
        let seen = printed.get(&key).copied().unwrap_or(0);
        let ended = s.finished_at.is_some() || s.error.is_some() || !run.running();
        if ended && seen < 2 {
            let took = step_elapsed(s, false, now)
                .map(|t| format!(" ({})", format_elapsed(t)))
                .unwrap_or_default();
            match &s.error {
                Some(e) => say(&format!(
                    "  failed   {}{took}\n           {}",
                    s.step,
                    step_error(&s.step, e)
                )),
                None if s.finished_at.is_some() => say(&format!("  done     {}{took}", s.step)),
                None => say(&format!("  stopped  {}", s.step)),
            }
            printed.insert(key, 2);
        } else if !ended && seen == 0 {
            say(&format!("  started  {}", s.step));
            printed.insert(key, 1);
        }
    }
}

/// The end of a followed run: 0 if it succeeded, else a failure naming the failed step.
fn finished(ctx: &Ctx, run: &LiveRun, answer: &Value) -> Result<u8, Failure> {
    let kind = run.run.kind.key();
    if ctx.table() {
        let took = run
            .elapsed(now_seconds())
            .map(|t| format!(" in {}", format_elapsed(t)))
            .unwrap_or_default();
        let verb = if run.run.state == RunState::Succeeded {
            "succeeded"
        } else {
            "failed"
        };
        let steps = run.steps.len();
        say(&format!(
            "{}{} {verb}: {steps} step{}{took}.",
            kind[..1].to_uppercase(),
            &kind[1..],
            if steps == 1 { "" } else { "s" }
        ));
    } else {
        output::json(answer);
    }
    if run.run.state == RunState::Succeeded {
        return Ok(0);
    }
    let message = match run.failed_step() {
        Some(step) => format!(
            "{kind} failed at step \"{}\": {}",
            step.step,
            step_error(&step.step, step.error.as_deref().unwrap_or(""))
        ),
        None => format!(
            "{kind} failed: {}",
            run.run.error.as_deref().unwrap_or("no error recorded")
        ),
    };
    Err(Failure::new(message))
}

/// A step's error without the step's name in front (the runner puts it there).
fn step_error<'a>(step: &str, error: &'a str) -> &'a str {
    error
        .strip_prefix(step)
        .and_then(|rest| rest.strip_prefix(": "))
        .unwrap_or(error)
}

/// `console jobs list ID`.
pub async fn jobs_list(
    ctx: &Ctx,
    id: &str,
    state: Option<&str>,
    search: Option<&str>,
    token: Option<&str>,
    all: bool,
) -> Result<u8, Failure> {
    let fetch = |token: Option<String>| async move {
        let path = format!(
            "/environments/{}/jobs{}",
            encode(id),
            query(&[
                ("state", state),
                ("search", search),
                ("token", token.as_deref())
            ])
        );
        ctx.client.get(&path).await
    };
    let mut answer = fetch(token.map(str::to_owned)).await?;
    let mut page: JobsPage = read(&answer, "jobs")?;
    // At most this many more pages with --all (50 jobs each).
    let mut left = 200;
    while all && left > 0 {
        let Some(next) = page.next.take() else { break };
        left -= 1;
        let more = fetch(Some(next)).await?;
        let next_page: JobsPage = read(&more, "jobs")?;
        if let (Some(items), Some(extra)) = (
            answer.get_mut("items").and_then(Value::as_array_mut),
            more.get("items").and_then(Value::as_array),
        ) {
            items.extend(extra.iter().cloned());
        }
        page.items.extend(next_page.items);
        page.next = next_page.next;
        if let Some(n) = answer.get_mut("next") {
            *n = json!(page.next);
        }
    }
    if !ctx.table() {
        output::json(&answer);
        return Ok(0);
    }
    let counts: Vec<String> = page
        .counts
        .states
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                c.state.key(),
                c.count,
                if c.more { "+" } else { "" }
            )
        })
        .collect();
    say(&format!("Queue {}: {}", page.queue, counts.join(", ")));
    if let Some(e) = &page.aws_error {
        output::warn(&format!("warning: AWS could not be read: {e}"));
    }
    if page.items.is_empty() {
        say("No jobs.");
    } else {
        let rows: Vec<Vec<String>> = page
            .items
            .iter()
            .map(|j| {
                vec![
                    j.id.clone(),
                    j.name.clone(),
                    j.raw_status.clone(),
                    or_dash(j.created_at.as_ref()),
                    or_dash(j.array_size.or(j.array_index)),
                    or_dash(j.exit_code),
                    or_dash(j.status_reason.as_ref()),
                ]
            })
            .collect();
        say(&table(
            &["ID", "NAME", "STATE", "CREATED", "ARRAY", "EXIT", "REASON"],
            &rows,
        ));
    }
    if let Some(next) = &page.next {
        say(&format!(
            "More: --page-token {next} (or --all for every page)"
        ));
    }
    Ok(0)
}

/// The submit-job fields as typed.
pub struct JobForm {
    /// Job name.
    pub name: String,
    /// Array size, or empty.
    pub array_size: String,
    /// `KEY=VALUE` each.
    pub parameters: Vec<String>,
    /// Command override, or empty.
    pub command: String,
    /// vCPUs override, or empty.
    pub vcpus: String,
    /// Memory override, or empty.
    pub memory: String,
}

/// `console jobs submit ID --name N ...`.
pub async fn jobs_submit(ctx: &Ctx, id: &str, form: JobForm) -> Result<u8, Failure> {
    // The API takes the parameters as the form's text: one `KEY=VALUE` a line.
    if let Some(p) = form.parameters.iter().find(|p| p.contains('\n')) {
        return Err(Failure::new(format!(
            "--parameter {p:?}: a parameter is one line"
        )));
    }
    let body = json!({
        "name": form.name,
        "array_size": form.array_size,
        "parameters": form.parameters.join("\n"),
        "command": form.command,
        "vcpus": form.vcpus,
        "memory": form.memory,
    });
    let answer = ctx
        .client
        .post(&format!("/environments/{}/jobs", encode(id)), &body)
        .await?;
    if ctx.table() {
        let s: Submitted = read(&answer, "submitted job")?;
        match s.array_size {
            Some(n) => say(&format!(
                "Submitted array job {} ({}, {n} children).",
                s.job_id, s.name
            )),
            None => say(&format!("Submitted job {} ({}).", s.job_id, s.name)),
        }
    } else {
        output::json(&answer);
    }
    Ok(0)
}

/// `console jobs cancel ID JOB... --reason R`: 1 if any job was not stopped.
pub async fn jobs_cancel(
    ctx: &Ctx,
    id: &str,
    jobs: &[String],
    reason: &str,
) -> Result<u8, Failure> {
    let answer = ctx
        .client
        .post(
            &format!("/environments/{}/jobs/cancel", encode(id)),
            &json!({ "ids": jobs, "reason": reason }),
        )
        .await?;
    let report: StopJobsReport = read(&answer, "cancel report")?;
    if ctx.table() {
        for j in &report.cancelled {
            say(&format!("cancelled   {j}"));
        }
        for j in &report.terminated {
            say(&format!("terminated  {j}"));
        }
    } else {
        output::json(&answer);
    }
    if report.errors.is_empty() {
        return Ok(0);
    }
    Err(Failure {
        status: None,
        message: format!(
            "{} of {} jobs not stopped:\n  {}",
            report.errors.len(),
            jobs.len(),
            report.errors.join("\n  ")
        ),
        problems: Vec::new(),
    })
}
