//! The `console` command line: the real binary (`CARGO_BIN_EXE_console`) run as a child
//! process against a live console (the real router served over TCP, with the fast wait
//! settings, on a private moto server; a fault proxy in front for a failing apply). A
//! user signs up and creates an API token through the server functions, as on the tokens
//! page; everything after that goes through `console`, except the spec edits (REST
//! `PUT .../spec`) that make plans change under the command line's feet. `CLI_DUMP=1`
//! prints every command run and its output.

mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use app::domain::EnvironmentSpec;
use app::domain::spec::presets::Preset;
use common::faults::{FaultProxy, Faults};
use common::process::{call, encode, request};
use common::{moto_post, preset_roles};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

/// A console served on a loopback port, a signed-up user and their API token.
struct Live {
    _console: server::Console,
    _dir: tempfile::TempDir,
    /// Holds the command line's config file and its HOME.
    home: tempfile::TempDir,
    base: String,
    token: String,
    /// The server's default Batch service role (for `create --service-role`).
    service_role: String,
}

/// What one run of `console` did.
#[derive(Debug)]
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

impl Live {
    async fn start(aws: &str, user: &str) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let console = common::client::console(aws, &dir).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = console.router.clone();
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
        });
        // Sign up and create a token through the server functions (blocking HTTP/1.0 on
        // this thread; the server runs on the runtime's workers).
        let form = format!(
            "username={user}&password={}",
            encode("correct horse battery")
        );
        let signup = tokio::task::spawn_blocking(move || {
            request(port, "POST", "/api/sign_up", None, &form).unwrap()
        })
        .await
        .unwrap();
        assert_eq!(signup.status, 200, "{}", signup.body);
        let cookie = signup.cookie.expect("a session cookie");
        let (token, service_role) = tokio::task::spawn_blocking(move || {
            let created: Value = call(
                port,
                &cookie,
                "create_api_token",
                "name=cli&expires_in_days=",
            );
            let session: app::api::types::SessionInfo = call(port, &cookie, "get_session", "");
            (
                created["token"].as_str().unwrap().to_owned(),
                session.aws.default_service_role.unwrap(),
            )
        })
        .await
        .unwrap();
        assert!(token.starts_with("bcon_"), "{token}");
        Live {
            _console: console,
            _dir: dir,
            home: tempfile::tempdir().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            token,
            service_role,
        }
    }

    fn config_path(&self) -> PathBuf {
        self.home.path().join("config").join("console.toml")
    }

    /// Runs `console args...` with the config file in the test's home and no CONSOLE_*
    /// variables; never a panic, whatever the outcome.
    async fn run(&self, args: &[&str]) -> Ran {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_console"))
            .args(args)
            .env("HOME", self.home.path())
            .env("CONSOLE_CONFIG", self.config_path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("CONSOLE_URL")
            .env_remove("CONSOLE_TOKEN")
            .env_remove("CONSOLE_OUTPUT")
            .env_remove("CONSOLE_TIMEOUT")
            .current_dir(self.home.path())
            .output()
            .await
            .unwrap();
        let ran = Ran {
            code: out.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        };
        assert!(!ran.stderr.contains("panicked"), "{ran:#?}");
        if std::env::var_os("CLI_DUMP").is_some() {
            eprintln!("$ console {}\n{}{}", args.join(" "), ran.stdout, ran.stderr);
        }
        ran
    }

    /// Runs `console args...` and expects exit code `code`.
    async fn expect(&self, code: i32, args: &[&str]) -> Ran {
        let ran = self.run(args).await;
        assert_eq!(ran.code, code, "console {args:?}: {ran:#?}");
        ran
    }

    /// Logs in with the user's token (the saved login serves every later command).
    async fn login(&self) {
        self.expect(0, &["login", "--url", &self.base, "--token", &self.token])
            .await;
    }

    /// A REST call made by the test itself (spec edits); the status and JSON answer.
    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http();
        let req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}/api/v1{path}", self.base))
            .header("authorization", format!("Bearer {}", self.token))
            .header("content-type", "application/json")
            .body(Full::new(bytes::Bytes::from(
                body.map(|b| b.to_string()).unwrap_or_default(),
            )))
            .unwrap();
        let res = client.request(req).await.unwrap();
        let status = res.status().as_u16();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// Saves the spec changed by `edit` as a new revision (REST `PUT .../spec`).
    async fn edit_spec(&self, id: &str, edit: impl FnOnce(&mut EnvironmentSpec)) {
        let (status, doc) = self
            .api("GET", &format!("/environments/{id}/spec"), None)
            .await;
        assert_eq!(status, 200, "{doc}");
        let mut spec: EnvironmentSpec = serde_json::from_value(doc["spec"].clone()).unwrap();
        edit(&mut spec);
        let body = json!({"base_revision": doc["revision"], "spec": spec, "message": "cli test"});
        let (status, answer) = self
            .api("PUT", &format!("/environments/{id}/spec"), Some(body))
            .await;
        assert_eq!(status, 200, "{answer}");
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_checks_the_token_and_list_show_create_print_tables_json_and_errors() {
    let moto = common::moto().await;
    let live = Live::start(&moto.endpoint, "ana").await;
    let config = live.config_path();

    // Nothing saved, nothing given: told how to log in.
    let r = live.expect(1, &["list"]).await;
    assert!(r.stderr.starts_with("error: no console URL"), "{r:#?}");
    assert!(r.stderr.contains("console login"), "{r:#?}");

    // A bad token and an unreachable server are refused; nothing is saved.
    let r = live
        .expect(1, &["login", "--url", &live.base, "--token", "bcon_forged"])
        .await;
    assert!(r.stderr.contains("refused the token"), "{r:#?}");
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let r = live
        .expect(1, &["login", "--url", &dead, "--token", &live.token])
        .await;
    assert!(
        r.stderr.starts_with(&format!("error: cannot reach {dead}")),
        "{r:#?}"
    );
    assert!(!config.exists());

    // A good token: who it is, saved with the URL, for the owner alone.
    let r = live
        .expect(
            0,
            &[
                "login",
                "--url",
                &format!("{}/", live.base),
                "--token",
                &live.token,
            ],
        )
        .await;
    assert!(r.stdout.contains("as ana"), "{r:#?}");
    let mode = std::fs::metadata(&config).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let saved: toml::Value = toml::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(saved["url"].as_str(), Some(live.base.as_str()));
    assert_eq!(saved["token"].as_str(), Some(live.token.as_str()));
    let r = live.expect(0, &["whoami", "-o", "json"]).await;
    assert_eq!(r.json()["username"], "ana");
    // The saved token goes to its own URL only.
    let r = live.expect(1, &["list", "--url", &dead]).await;
    assert!(
        r.stderr
            .starts_with(&format!("error: no API token for {dead}")),
        "{r:#?}"
    );

    // Create two environments; a bad one is refused field by field (422).
    let role = live.service_role.clone();
    let mut ids = Vec::new();
    for name in ["alpha", "beta"] {
        let r = live
            .expect(
                0,
                &[
                    "create",
                    name,
                    "--region",
                    "us-east-1",
                    "--max-vcpus",
                    "16",
                    "--service-role",
                    &role,
                    "-o",
                    "json",
                ],
            )
            .await;
        ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let r = live
        .expect(
            1,
            &[
                "create",
                "Bad Name!",
                "--region",
                "us-east-1",
                "--max-vcpus",
                "16",
            ],
        )
        .await;
    let mut lines = r.stderr.lines();
    assert!(lines.next().unwrap().starts_with("error: "), "{r:#?}");
    let problem = lines.next().unwrap_or_default();
    assert!(
        problem.starts_with("  name: ") && problem.ends_with(')'),
        "{r:#?}"
    );
    let r = live.expect(1, &["import", "-"]).await;
    assert!(r.stderr.contains("\n  document: "), "{r:#?}");

    // list: a table with a header and both, a search, the API's JSON.
    let r = live.expect(0, &["list"]).await;
    let mut lines = r.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "NAME", "REGION", "ROLE", "RESOURCES", "LATEST", "RUN"]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 2, "{r:#?}");
    for (id, name) in ids.iter().zip(["alpha", "beta"]) {
        assert!(
            rows.iter()
                .any(|row| row[..5] == [id.as_str(), name, "us-east-1", "owner", "0"]),
            "{r:#?}"
        );
    }
    let r = live.expect(0, &["list", "--search", "ALP"]).await;
    assert!(
        r.stdout.contains("alpha") && !r.stdout.contains("beta"),
        "{r:#?}"
    );
    let r = live.expect(0, &["list", "-o", "json"]).await;
    let v = r.json();
    assert_eq!(v["total"], 2);
    let mut names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["alpha", "beta"]);

    // show: the environment and its resources (none applied yet), or its JSON.
    let r = live.expect(0, &["show", &ids[0]]).await;
    assert!(
        r.stdout.starts_with(&format!(
            "Environment  alpha ({})\nRegion       us-east-1\nRevision     1\n",
            ids[0]
        )),
        "{r:#?}"
    );
    assert!(r.stdout.contains("\nRESOURCE "), "{r:#?}");
    assert!(r.stdout.contains("ECS cluster"), "{r:#?}");
    let r = live.expect(0, &["show", &ids[1], "--output", "json"]).await;
    let v = r.json();
    assert_eq!(
        (v["id"].as_str(), v["name"].as_str()),
        (Some(ids[1].as_str()), Some("beta"))
    );
    assert_eq!(v["spec"]["compute_environment"]["max_vcpus"], 16);
    let r = live.expect(1, &["show", "no-such-environment"]).await;
    assert_eq!(r.stderr, "error: not found\n");

    // A bad command line is an error (1), never plan's "changes" (2).
    live.expect(1, &["plan"]).await;
    live.expect(0, &["--help"]).await;

    // Logged out: told how to log in again.
    live.expect(0, &["logout"]).await;
    let r = live.expect(1, &["list"]).await;
    assert!(r.stderr.starts_with("error: no API token"), "{r:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_apply_jobs_and_destroy_through_the_command_line() {
    let moto = common::moto().await;
    // Jobs submitted with Docker "on" (moto's default) stay SUBMITTED for the test.
    moto_post(
        &moto.endpoint,
        "/moto-api/state-manager/set-transition",
        r#"{"model_name": "batch::job", "transition": {"progression": "manual", "times": 1000000}}"#,
    )
    .await;
    let proxy = FaultProxy::start(&moto.endpoint, Faults::NONE, 7).await;
    let live = Live::start(&proxy.endpoint, "ana").await;
    let aws = common::aws(&moto.endpoint).await;
    live.login().await;
    let dir = live.home.path().to_owned();
    let (plan1, stale, plan3) = (
        dir.join("plan1.json"),
        dir.join("stale.json"),
        dir.join("plan3.json"),
    );

    let role = live.service_role.clone();
    let r = live
        .expect(
            0,
            &[
                "create",
                "cli",
                "--region",
                "us-east-1",
                "--max-vcpus",
                "16",
                "--service-role",
                &role,
            ],
        )
        .await;
    let id = r
        .stdout
        .strip_prefix("Created environment ")
        .and_then(|s| s.split(';').next())
        .unwrap_or_else(|| panic!("{r:#?}"))
        .to_owned();
    // With a job definition, for the queue's jobs.
    live.edit_spec(&id, |spec| {
        spec.job_definition = Preset::CpuFargate
            .spec("cli", "us-east-1", spec.network.clone(), &preset_roles())
            .job_definition;
    })
    .await;

    // plan: changes (exit 2), each step printed, saved with its fingerprint and revision.
    let r = live
        .expect(2, &["plan", &id, "--out", path_str(&plan1)])
        .await;
    for step in [
        "  + create ECS cluster cli\n",
        "  + create Batch compute environment cli-ce\n",
        "  + create Batch job queue cli-queue\n",
    ] {
        assert!(r.stdout.contains(step), "{step:?} in {r:#?}");
    }
    assert!(
        r.stdout
            .contains("Plan: 4 to create, 0 to update, 0 to replace, 0 to delete."),
        "{r:#?}"
    );
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan1).unwrap()).unwrap();
    let (status, now) = live
        .api("GET", &format!("/environments/{id}/plan"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(saved["fingerprint"], now["fingerprint"]);
    assert_eq!(
        (saved["id"].as_str(), saved["revision"].as_u64()),
        (Some(id.as_str()), Some(2))
    );
    assert!(aws.cluster_names().await.is_empty());

    // apply the saved plan and follow it to the end.
    let r = live
        .expect(0, &["apply", &id, "--plan", path_str(&plan1), "--wait"])
        .await;
    assert!(
        r.stdout
            .contains("  done     create Batch job queue cli-queue ("),
        "{r:#?}"
    );
    assert!(r.stdout.contains("Apply succeeded: 4 steps in "), "{r:#?}");
    assert_eq!(aws.cluster_names().await, ["cli"]);
    assert_eq!(aws.job_queue_names().await, ["cli-queue"]);
    // Nothing left to do: exit 0, in both outputs.
    let r = live.expect(0, &["plan", &id]).await;
    assert!(
        r.stdout.contains("No changes: AWS matches the spec."),
        "{r:#?}"
    );
    assert!(r.stdout.contains("(4 resources unchanged)"), "{r:#?}");
    let r = live.expect(0, &["plan", &id, "-o", "json"]).await;
    assert_eq!(r.json()["has_changes"], false);
    let r = live.expect(0, &["status", &id]).await;
    assert!(r.stdout.starts_with("apply succeeded (run "), "{r:#?}");

    // Jobs: one with a parameter and a command, an array job, a bad one (422).
    let r = live
        .expect(
            0,
            &[
                "jobs",
                "submit",
                &id,
                "--name",
                "one",
                "--parameter",
                "model=small",
                "--command",
                "python3 -m infer Ref::model",
            ],
        )
        .await;
    let one = r
        .stdout
        .strip_prefix("Submitted job ")
        .and_then(|s| s.split(' ').next())
        .unwrap_or_else(|| panic!("{r:#?}"))
        .to_owned();
    // An array job of 60: moto lists its children beside it, 61 jobs, two pages.
    let r = live
        .expect(
            0,
            &[
                "jobs",
                "submit",
                &id,
                "--name",
                "sweep",
                "--array-size",
                "60",
                "-o",
                "json",
            ],
        )
        .await;
    let sweep = r.json();
    assert_eq!(sweep["array_size"], 60);
    let sweep = sweep["job_id"].as_str().unwrap().to_owned();
    let r = live
        .expect(1, &["jobs", "submit", &id, "--name", "bad", "--vcpus", "3"])
        .await;
    assert!(r.stderr.contains("\n  vcpus: "), "{r:#?}");
    // A job that SUCCEEDS at once (moto's simple backend), to be refused a cancel.
    moto_post(
        &moto.endpoint,
        "/moto-api/config",
        r#"{"batch": {"use_docker": false}}"#,
    )
    .await;
    let r = live
        .expect(0, &["jobs", "submit", &id, "--name", "quick", "-o", "json"])
        .await;
    let quick = r.json()["job_id"].as_str().unwrap().to_owned();

    // The first page of the waiting jobs (50) and the token of the next.
    let r = live
        .expect(0, &["jobs", "list", &id, "--state", "SUBMITTED"])
        .await;
    let mut lines = r.stdout.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Queue cli-queue: SUBMITTED 62, "),
        "{r:#?}"
    );
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "NAME", "STATE", "CREATED", "ARRAY", "EXIT", "REASON"]
    );
    let rows: Vec<Vec<&str>> = lines
        .clone()
        .take_while(|l| !l.starts_with("More: "))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 50, "{r:#?}");
    assert!(rows.iter().all(|row| row[2] == "SUBMITTED"), "{r:#?}");
    let token = lines
        .find_map(|l| l.strip_prefix("More: --page-token "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("{r:#?}"));
    let r = live
        .expect(
            0,
            &[
                "jobs",
                "list",
                &id,
                "--state",
                "SUBMITTED",
                "--page-token",
                token,
                "-o",
                "json",
            ],
        )
        .await;
    let rest = r.json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 12, "{rest:#}");
    assert_eq!(rest["next"], Value::Null);
    // Every page at once: both jobs, each named, waiting; not the finished one.
    let r = live
        .expect(
            0,
            &[
                "jobs",
                "list",
                &id,
                "--state",
                "SUBMITTED",
                "--all",
                "-o",
                "json",
            ],
        )
        .await;
    let all = r.json();
    let items = all["items"].as_array().unwrap();
    assert_eq!((items.len(), &all["next"]), (62, &Value::Null));
    let job = |id: &str| items.iter().find(|j| j["id"] == id).cloned();
    assert_eq!(job(&one).unwrap()["name"], "one");
    assert_eq!(job(&sweep).unwrap()["name"], "sweep");
    assert!(items.iter().all(|j| j["state"] == "SUBMITTED"));
    assert_eq!(job(&quick), None);
    let r = live
        .expect(
            0,
            &[
                "jobs", "list", &id, "--search", "swe", "--all", "-o", "json",
            ],
        )
        .await;
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 61);
    assert!(items.iter().all(|j| j["name"] == "sweep"));

    // Cancel: the waiting job is cancelled with its reason; a finished one is reported
    // as not stopped (exit 1).
    let r = live
        .expect(0, &["jobs", "cancel", &id, &one, "--reason", "wrong input"])
        .await;
    assert_eq!(r.stdout, format!("cancelled   {one}\n"));
    let r = live
        .expect(0, &["jobs", "list", &id, "--search", &one, "-o", "json"])
        .await;
    assert_eq!(r.json()["items"][0]["status_reason"], "wrong input");
    let r = live
        .expect(1, &["jobs", "cancel", &id, &quick, "--reason", "too late"])
        .await;
    assert!(
        r.stderr.contains(&format!("{quick}: already SUCCEEDED")),
        "{r:#?}"
    );

    // A plan saved before the spec changed again is refused: nothing applied.
    live.edit_spec(&id, |s| s.compute_environment.max_vcpus = 32)
        .await;
    let r = live
        .expect(2, &["plan", &id, "--out", path_str(&stale)])
        .await;
    assert!(
        r.stdout
            .contains("  ~ update Batch compute environment cli-ce\n"),
        "{r:#?}"
    );
    assert!(r.stdout.contains(": 16 -> 32"), "{r:#?}");
    live.edit_spec(&id, |s| s.compute_environment.max_vcpus = 48)
        .await;
    let run_id = |r: Ran| r.json()["run"]["run"]["id"].as_str().unwrap().to_owned();
    let before = run_id(live.expect(0, &["status", &id, "-o", "json"]).await);
    let r = live
        .expect(1, &["apply", &id, "--plan", path_str(&stale), "--wait"])
        .await;
    assert_eq!(
        r.stderr,
        "error: the environment changed since this plan (planned at revision 3, now revision 4); plan again\n"
    );
    let after = run_id(live.expect(0, &["status", &id, "-o", "json"]).await);
    assert_eq!(before, after, "no run started");
    let ce = aws
        .batch
        .describe_compute_environments()
        .compute_environments("cli-ce")
        .send()
        .await
        .unwrap();
    let ce = &ce.compute_environments()[0];
    assert_eq!(ce.compute_resources().unwrap().maxv_cpus(), Some(16));

    // A run that fails: the failing step and AWS's error, exit 1.
    proxy.answer(
        "UpdateComputeEnvironment",
        400,
        "ClientException",
        "Compute environment limit exceeded",
    );
    live.expect(2, &["plan", &id, "--out", path_str(&plan3)])
        .await;
    let r = live
        .expect(1, &["apply", &id, "--plan", path_str(&plan3), "--wait"])
        .await;
    assert!(
        r.stdout
            .contains("  failed   update Batch compute environment cli-ce"),
        "{r:#?}"
    );
    assert!(
        r.stderr.starts_with(
            "error: apply failed at step \"update Batch compute environment cli-ce\": \
             batch:UpdateComputeEnvironment failed: ClientException: "
        ),
        "{r:#?}"
    );
    assert!(
        r.stderr.contains("Compute environment limit exceeded"),
        "{r:#?}"
    );
    proxy.clear_answers();

    // destroy: the name must be repeated (422 names the field); then everything goes.
    let r = live.expect(1, &["destroy", &id, "--confirm", "clj"]).await;
    assert!(r.stderr.contains("\n  confirm: "), "{r:#?}");
    assert_eq!(aws.cluster_names().await, ["cli"]);
    let r = live
        .expect(0, &["destroy", &id, "--confirm", "cli", "--wait"])
        .await;
    assert!(r.stdout.contains("Destroy succeeded: "), "{r:#?}");
    assert!(aws.cluster_names().await.is_empty());
    assert!(aws.job_queue_names().await.is_empty());
    assert!(aws.compute_environment_names().await.is_empty());
}
