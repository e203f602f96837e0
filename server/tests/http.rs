//! The console's HTTP surface, built from its real configuration (SQLite file, moto over
//! the real SDK) and driven in-process: accounts, validation next to fields, per-user
//! isolation, and that refused input creates nothing in AWS.

mod common;

use app::api::AppError;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::client::{Client, console};
#[tokio::test]
async fn accounts_validation_and_isolation() {
    let moto = common::moto().await;
    let aws = common::aws(&moto.endpoint).await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = Client {
        router: console.router.clone(),
        cookie: None,
    };
    let mut bob = Client {
        router: console.router.clone(),
        cookie: None,
    };
    let mut anonymous = Client {
        router: console.router.clone(),
        cookie: None,
    };

    // Signed out: no environments, and a clear 401.
    let r = anonymous.call("list_environments", &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error(), AppError::Unauthenticated);

    // Unknown pages are a 404 page with the header, not an error.
    let r = anonymous.get("/no-such-page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Page not found") && r.body.contains("sandbox: local AWS emulator"));

    // Liveness, readiness, and a request id on every response.
    let ready = anonymous.get_response("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.headers()["x-request-id"].to_str().unwrap().len(), 36);

    // Every page carries the security headers.
    let page = anonymous.get_response("/signin").await;
    let h = page.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");

    // A state-changing request from another site is refused before it runs.
    let forged = Request::post("/api/sign_up")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            "username=mallory&password=correct+horse+battery",
        ))
        .unwrap();
    assert_eq!(anonymous.send(forged).await.status, StatusCode::FORBIDDEN);
    let same_site = Request::post("/api/sign_in")
        .header(header::HOST, "127.0.0.1:3000")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=nobody&password=whatever+it+is"))
        .unwrap();
    assert_eq!(
        anonymous.send(same_site).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Oversized bodies are refused.
    let huge = Request::post("/api/sign_in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username={}&password=x",
            "a".repeat(100_000)
        )))
        .unwrap();
    assert_eq!(
        anonymous.send(huge).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Sign-up rules are checked per field.
    let r = alice.credentials("sign_up", "Al", "short").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = r
        .error()
        .problems()
        .iter()
        .map(|p| p.field.clone())
        .collect();
    assert_eq!(fields, ["username", "password"]);

    let r = alice
        .credentials("sign_up", "alice", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let cookie = alice.cookie.clone().expect("session cookie");
    assert!(cookie.starts_with("console_session="));
    let flags = r.set_cookie.unwrap();
    assert!(
        flags.contains("HttpOnly") && flags.contains("SameSite=Lax"),
        "{flags}"
    );
    let r = bob
        .credentials("sign_up", "alice", "another password")
        .await;
    assert_eq!(
        r.error().problem_for("username").as_deref(),
        Some("This username is taken")
    );
    let r = bob.credentials("sign_up", "bob", "another password").await;
    assert_eq!(r.status, StatusCode::OK);

    // Bad input: every problem named by field, nothing created in AWS.
    let r = alice.create("my env", "us-east-1", "0", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = r.error();
    assert_eq!(
        e.problem_for("name").as_deref(),
        Some("The name may contain only letters, digits, '-' and '_' (no spaces)")
    );
    assert_eq!(
        e.problem_for("max_vcpus").as_deref(),
        Some("Max vCPUs must be at least 1")
    );
    let r = alice.create("", "us-east-1", "16", "").await;
    assert_eq!(
        r.error().problem_for("name").as_deref(),
        Some("The name is required")
    );
    let r = alice
        .call(
            "create_environment",
            &[
                ("name", "x".repeat(65).as_str()),
                ("region", "mars-1"),
                ("max_vcpus", "16"),
                ("service_role", ""),
            ],
        )
        .await;
    assert_eq!(r.error().problems().len(), 2);

    // A good one opens its review page; nothing is created in AWS before apply.
    let role = console_role(&mut alice).await;
    let r = alice.create("infer", "us-east-1", "16", &role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let location = r.location.expect("redirect to review");
    let id = location
        .strip_prefix("/environments/")
        .and_then(|s| s.strip_suffix("/review"))
        .unwrap()
        .to_owned();
    assert_eq!(aws.cluster_names().await, Vec::<String>::new());
    assert_eq!(aws.compute_environment_names().await, Vec::<String>::new());

    // A duplicate name is refused beside the name field.
    let r = alice.create("infer", "us-east-1", "16", "").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.error().problem_for("name").as_deref(),
        Some("An environment named infer already exists in us-east-1")
    );

    // A name AWS already has in the account (not made by the console) is refused too.
    aws.ecs
        .create_cluster()
        .cluster_name("squatter")
        .send()
        .await
        .unwrap();
    let r = alice.create("squatter", "us-east-1", "16", "").await;
    assert_eq!(
        r.error().problem_for("name").as_deref(),
        Some("An ECS cluster named squatter already exists in us-east-1; choose another name")
    );

    // A costly but valid max vCPUs is allowed, with a warning on the review page.
    let r = alice.create("costly", "us-east-1", "4096", &role).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let review = alice.get(&r.location.unwrap()).await;
    assert!(
        review.body.contains("Max vCPUs 4096 can cost a lot"),
        "{}",
        review.body
    );

    // The review page is server-rendered with the plan.
    let page = alice.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("infer-ce") && page.body.contains("infer-queue"),
        "{}",
        page.body
    );

    // The environment's activity says who created it.
    let r = alice.call("get_environment", &[("id", &id)]).await;
    let page: app::api::types::EnvironmentPage = serde_json::from_str(&r.body).unwrap();
    assert_eq!(page.activity.len(), 1);
    assert_eq!(
        (
            page.activity[0].actor.as_str(),
            page.activity[0].action.as_str()
        ),
        ("alice", "environment.create")
    );

    // Bob can neither see nor act on Alice's environment.
    assert_eq!(
        bob.call("get_environment", &[("id", &id)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.call("review_environment", &[("id", &id)]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.call("destroy_environment", &[("id", &id), ("confirm", "infer")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = bob.call("list_environments", &[]).await;
    let bobs: app::api::types::EnvironmentList = serde_json::from_str(&r.body).unwrap();
    assert!(bobs.items.is_empty());
    let r = alice.call("list_environments", &[]).await;
    assert!(r.body.contains(&id));

    // Apply refuses a plan other than the one reviewed.
    let r = alice
        .call("apply_environment", &[("id", &id), ("fingerprint", "0000")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(aws.cluster_names().await, vec!["squatter"]);

    // Wrong password: one message, on the password field.
    let mut again = Client {
        router: console.router.clone(),
        cookie: None,
    };
    let r = again
        .credentials("sign_in", "alice", "wrong password")
        .await;
    assert_eq!(
        r.error().problem_for("password").as_deref(),
        Some("Wrong username or password")
    );
    let r = again
        .credentials("sign_in", "nobody", "wrong password")
        .await;
    assert_eq!(
        r.error().problem_for("password").as_deref(),
        Some("Wrong username or password")
    );
    let r = again
        .credentials("sign_in", "alice", "correct horse battery")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        again
            .call("list_environments", &[])
            .await
            .body
            .contains(&id)
    );

    // Sign-in attempts are throttled per username, even with the right password.
    let mut guesser = Client {
        router: console.router.clone(),
        cookie: None,
    };
    for _ in 0..10 {
        let r = guesser
            .credentials("sign_in", "bob", "wrong password")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let r = guesser
        .credentials("sign_in", "bob", "another password")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        matches!(r.error(), AppError::TooManyRequests(m) if m.starts_with("Too many sign-in attempts for bob"))
    );

    // Requests are counted per route pattern (not per environment id) and status.
    let page = alice.get(&format!("/environments/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let metrics = anonymous.get("/metrics").await.body;
    assert!(
        metrics.contains(
            r#"console_http_requests_total{route="/api/sign_up",method="POST",status="422"}"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"route="/environments/{id}",method="GET",status="200""#),
        "{metrics}"
    );
    assert!(
        !metrics.contains(&id),
        "environment ids must not become labels"
    );

    // The environment list costs the same statements however many environments (each
    // with resources and runs) it shows: no query per row.
    use app::engine::Store;
    let count = |c: &mut Client| {
        let before = console.store.statements();
        let store = console.store.clone();
        let mut c = Client {
            router: c.router.clone(),
            cookie: c.cookie.clone(),
        };
        async move {
            let r = c.call("list_environments", &[]).await;
            assert_eq!(r.status, StatusCode::OK);
            (store.statements() - before, r.body)
        }
    };
    let (few, _) = count(&mut alice).await;
    let owner = console.store.find_user("alice").await.unwrap().unwrap().id;
    let network = app::domain::Network {
        vpc_id: "vpc-12345678".into(),
        subnets: vec!["subnet-12345678".into()],
        security_group_ids: vec!["sg-12345678".into()],
    };
    for i in 0..12 {
        let spec = app::domain::EnvironmentSpec::minimal(
            &format!("many{i}"),
            "eu-west-1",
            4,
            None,
            network.clone(),
        );
        let id = console
            .store
            .insert_environment(&owner, "alice", &spec)
            .await
            .unwrap();
        let run = console
            .store
            .start_run(&id, app::domain::RunKind::Refresh, "alice")
            .await
            .unwrap();
        console.store.finish_run(&run, None).await.unwrap();
    }
    let (many, body) = count(&mut alice).await;
    assert!(body.contains("many11"), "{body}");
    // Pages of 50, searchable by name (any case), clamped to the pages there are.
    let page = |r: common::client::Reply| -> app::api::types::EnvironmentList {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        serde_json::from_str(&r.body).unwrap()
    };
    let before = page(alice.call("list_environments", &[]).await).total;
    for i in 12..120 {
        let spec = app::domain::EnvironmentSpec::minimal(
            &format!("many{i}"),
            "eu-west-1",
            4,
            None,
            network.clone(),
        );
        console
            .store
            .insert_environment(&owner, "alice", &spec)
            .await
            .unwrap();
    }
    let first = page(alice.call("list_environments", &[]).await);
    let total = before + 108;
    assert!((101..=150).contains(&total), "{total}");
    assert_eq!(
        (first.items.len(), first.total, first.page, first.pages),
        (50, total, 1, 3)
    );
    assert_eq!(first.items[0].name, "many119", "newest first");
    let last = page(alice.call("list_environments", &[("page", "3")]).await);
    assert_eq!((last.items.len(), last.page), (total - 100, 3));
    let beyond = page(alice.call("list_environments", &[("page", "99")]).await);
    assert_eq!(beyond.page, 3);
    let found = page(
        alice
            .call("list_environments", &[("search", " MANY11 ")])
            .await,
    );
    let mut names: Vec<_> = found.items.iter().map(|e| e.name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "many11", "many110", "many111", "many112", "many113", "many114", "many115", "many116",
            "many117", "many118", "many119"
        ]
    );
    assert_eq!(found.search, "MANY11");
    let home = alice.get("/?page=2&q=many").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.body.contains("Page 2 of 3 (120 environments)")
            && home.body.contains(r#"href="/?page=1&amp;q=many""#)
            && home.body.contains(r#"href="/?page=3&amp;q=many""#),
        "{}",
        home.body
    );
    eprintln!("list_environments: {few} statements for 1 environment, {many} for 13");
    assert_eq!(few, many, "statements per list grow with its rows");
    assert!(many <= 8, "{many} statements for one list");

    // Sign-out ends the session.
    alice.call("sign_out", &[]).await;
    assert_eq!(
        alice.call("list_environments", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// The sandbox's Batch service role, as the new-environment form offers it.
async fn console_role(client: &mut Client) -> String {
    let r = client.call("get_session", &[]).await;
    let info: app::api::types::SessionInfo = serde_json::from_str(&r.body).unwrap();
    assert!(info.aws.sandbox);
    assert_eq!(info.aws.account.as_deref(), Some("123456789012"));
    info.aws.default_service_role.expect("sandbox role")
}

/// A session expires `--session-idle-seconds` after its last request, not that long
/// after sign-in: a user who only reads pages stays signed in.
#[tokio::test]
async fn a_session_in_use_stays_signed_in_and_an_idle_one_expires() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console =
        common::client::console_with(&moto.endpoint, &dir, &["--session-idle-seconds", "3"]).await;
    let mut ana = Client::signed_up(&console.router, "ana").await;
    async fn signed_in(c: &mut Client) -> (Option<String>, Option<String>) {
        let r = c.call("get_session", &[]).await;
        let info: app::api::types::SessionInfo = serde_json::from_str(&r.body).unwrap();
        (info.username, r.set_cookie)
    }
    // Reading for five seconds, a request a second: still signed in, and the cookie is
    // sent again with the idle timeout as its age.
    let mut refreshed = 0;
    for _ in 0..5 {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let (user, cookie) = signed_in(&mut ana).await;
        assert_eq!(user.as_deref(), Some("ana"));
        if cookie.is_some_and(|c| c.contains("Max-Age=3")) {
            refreshed += 1;
        }
    }
    assert!(refreshed >= 2, "the session was saved {refreshed} time(s)");
    // Idle for longer than the timeout: signed out.
    tokio::time::sleep(std::time::Duration::from_millis(4500)).await;
    assert_eq!(signed_in(&mut ana).await.0, None);
}

/// The other list pages - an environment's page (its runs with their steps, and its
/// activity), its revisions, its share links and the user's API tokens - cost the same
/// statements however many rows they show: no query per row.
#[tokio::test]
async fn list_pages_cost_a_fixed_number_of_statements() {
    use app::engine::{NewApiToken, NewShareLink, Store};
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut ana = Client::signed_up(&console.router, "ana").await;
    let owner = console.store.find_user("ana").await.unwrap().unwrap().id;
    let network = app::domain::Network {
        vpc_id: "vpc-12345678".into(),
        subnets: vec!["subnet-12345678".into()],
        security_group_ids: vec!["sg-12345678".into()],
    };
    let mut spec = app::domain::EnvironmentSpec::minimal("rows", "eu-west-1", 4, None, network);
    let id = console
        .store
        .insert_environment(&owner, "ana", &spec)
        .await
        .unwrap();
    let calls: [(&str, Vec<(&str, &str)>); 4] = [
        ("get_environment", vec![("id", &id)]),
        ("get_history", vec![("id", &id)]),
        ("get_sharing", vec![("id", &id)]),
        ("get_api_tokens", vec![]),
    ];
    let statements = async |ana: &mut Client| {
        let mut counts = Vec::new();
        for (endpoint, args) in &calls {
            let before = console.store.statements();
            let r = ana.call(endpoint, args).await;
            assert_eq!(r.status, StatusCode::OK, "{endpoint}: {}", r.body);
            counts.push((*endpoint, console.store.statements() - before));
        }
        counts
    };
    let few = statements(&mut ana).await;

    let rows = 12;
    for i in 0..rows {
        let run = console
            .store
            .start_run(&id, app::domain::RunKind::Refresh, "ana")
            .await
            .unwrap();
        for step in ["read cluster", "read compute environment", "read job queue"] {
            console.store.run_step(&run, step).await.unwrap();
            console.store.step_done(&run, step).await.unwrap();
        }
        console.store.finish_run(&run, None).await.unwrap();
        spec.compute_environment.max_vcpus = 5 + i;
        console
            .store
            .save_revision(&id, u64::from(i) + 1, &spec, "ana", &format!("rev {i}"))
            .await
            .unwrap();
        let hash = format!("{i:064x}");
        console
            .store
            .create_share_link(&NewShareLink {
                environment_id: &id,
                role: app::domain::Role::Viewer,
                token_hash: &hash,
                created_by: "ana",
                expires_at: None,
            })
            .await
            .unwrap();
        let token_hash = format!("{:064x}", 1000 + i);
        console
            .store
            .create_api_token(&NewApiToken {
                user_id: &owner,
                name: &format!("token {i}"),
                token_hash: &token_hash,
                shown: "bcon_0000000",
                expires_at: None,
            })
            .await
            .unwrap();
    }
    let many = statements(&mut ana).await;
    eprintln!("statements with 1 row: {few:?}; with {rows} more: {many:?}");
    assert_eq!(few, many, "statements per page grow with its rows");
    // And the pages did show the rows.
    let history = ana.call("get_history", &[("id", &id)]).await.body;
    assert!(history.contains("rev 11"), "{history}");
    let tokens = ana.call("get_api_tokens", &[]).await.body;
    assert!(tokens.contains("token 11"), "{tokens}");
}
