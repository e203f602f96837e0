//! The REST API (`/api/v1`) through the real router, SQLite and moto: personal API
//! tokens (stored hashed, revoked, expired, rate limited), every route for every role,
//! the API's JSON errors, and the OpenAPI document.

mod common;

use axum::http::StatusCode;
use common::client::{Client, console, console_with};
use serde_json::{Value, json};

async fn signed_up(router: &axum::Router, name: &str) -> Client {
    Client::signed_up(router, name).await
}

/// The tokens table as stored, read straight from the database file.
async fn stored_tokens(dir: &tempfile::TempDir) -> Vec<(String, String, String)> {
    use sqlx::Row;
    let url = format!("sqlite://{}/console.db", dir.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("SELECT token_hash, shown, name FROM api_tokens")
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[tokio::test]
async fn tokens_are_shown_once_stored_hashed_and_stop_working_when_revoked_or_expired() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;

    // Without a token, with something that is not a console token, with a made-up
    // token: 401, each saying what was wrong and how to fix it.
    for (auth, says) in [
        (None, "send a personal API token"),
        (Some("not-a-console-token"), "is not `Bearer bcon_...`"),
        (Some("bcon_madeup"), "unknown, revoked or expired"),
    ] {
        let (status, body) = alice.api("GET", "/me", auth, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(body["error"], "unauthenticated");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(says) && message.contains("/account/tokens"),
            "{message}"
        );
    }
    // The session cookie alone does not open the API.
    assert!(alice.cookie.is_some());
    assert_eq!(
        alice.api("GET", "/environments", None, None).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Created on the tokens page: the whole token once, then only its first characters.
    let r = alice
        .call(
            "create_api_token",
            &[("name", "ci pipeline"), ("expires_in_days", "30")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let created: Value = serde_json::from_str(&r.body).unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(
        token.starts_with("bcon_") && token.len() == 5 + 64,
        "{token}"
    );
    let page: Value = serde_json::from_str(&alice.call("get_api_tokens", &[]).await.body).unwrap();
    assert_eq!(page["created"]["token"], token.as_str(), "shown once...");
    let page: Value = serde_json::from_str(&alice.call("get_api_tokens", &[]).await.body).unwrap();
    assert_eq!(page["created"], Value::Null, "...and only once");
    assert_eq!(page["tokens"][0][0]["shown"], &token[..12]);
    assert_eq!(page["tokens"][0][1], "live");

    // The store keeps the SHA-256 and the first characters, never the token.
    let stored = stored_tokens(&dir).await;
    assert_eq!(stored.len(), 1);
    let (hash, shown, name) = &stored[0];
    assert_eq!(name, "ci pipeline");
    assert_eq!(shown, &token[..12]);
    use sha2::Digest;
    assert_eq!(hash, &hex::encode(sha2::Sha256::digest(token.as_bytes())));
    let db = std::fs::read(dir.path().join("console.db")).unwrap();
    let secret = &token[12..];
    assert!(
        !db.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the token is in the database file"
    );

    // The token acts as its owner, with the bearer scheme in any case.
    let (status, me) = alice.api("GET", "/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], "alice");
    let mut lower = Client {
        router: console.router.clone(),
        cookie: None,
    };
    let req = axum::http::Request::get("/api/v1/me")
        .header("authorization", format!("bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(lower.send(req).await.status, StatusCode::OK);
    // Its last use is recorded (to the minute).
    let (_, listed) = alice.api("GET", "/tokens", Some(&token), None).await;
    assert!(listed[0]["token"]["last_used_at"].is_string(), "{listed}");

    // A bad new token names its field.
    let (status, body) = alice
        .api(
            "POST",
            "/tokens",
            Some(&token),
            Some(json!({"name": "", "expires_in_days": 400})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "expires_in_days"]);

    // Another user's token cannot be revoked; one's own can, and stops working at once.
    let mut bob = signed_up(&console.router, "bob").await;
    let bobs = bob.token("bob's").await;
    let (_, bob_me) = bob.api("GET", "/me", Some(&bobs), None).await;
    let bob_token_id = bob_me["token_id"].as_str().unwrap().to_owned();
    let (status, _) = alice
        .api(
            "DELETE",
            &format!("/tokens/{bob_token_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        bob.api("GET", "/me", Some(&bobs), None).await.0,
        StatusCode::OK
    );
    let r = bob
        .call("revoke_api_token", &[("token_id", &bob_token_id)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        bob.api("GET", "/me", Some(&bobs), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    let page: Value = serde_json::from_str(&bob.call("get_api_tokens", &[]).await.body).unwrap();
    assert_eq!(page["tokens"][0][1], "revoked");

    // An expired token is refused.
    let url = format!("sqlite://{}/console.db", dir.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    sqlx::query("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00Z' WHERE name = $1")
        .bind("ci pipeline")
        .execute(&pool)
        .await
        .unwrap();
    let (status, _) = alice.api("GET", "/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Created and revoked tokens are audited.
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit WHERE action LIKE 'token.%'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(actions.iter().filter(|a| *a == "token.create").count(), 2);
    assert_eq!(actions.iter().filter(|a| *a == "token.revoke").count(), 1);
}

#[tokio::test]
async fn each_token_is_rate_limited_on_its_own() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console_with(&moto.endpoint, &dir, &["--api-requests-per-minute", "3"]).await;
    let mut alice = signed_up(&console.router, "alice").await;
    let (first, second) = (alice.token("one").await, alice.token("two").await);
    for _ in 0..3 {
        assert_eq!(
            alice.api("GET", "/me", Some(&first), None).await.0,
            StatusCode::OK
        );
    }
    let req = axum::http::Request::get("/api/v1/me")
        .header("authorization", format!("Bearer {first}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(console.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry), "Retry-After {retry}");
    // The other token has its own allowance.
    assert_eq!(
        alice.api("GET", "/me", Some(&second), None).await.0,
        StatusCode::OK
    );
    let metrics = alice.get("/metrics").await.body;
    assert!(
        metrics.contains("console_api_rate_limited_total 1"),
        "{metrics}"
    );
}

/// How a role fares on a route: `Ok(status)` once authorized (the status the deliberate
/// input gets), or the refusal.
const FORBIDDEN: u16 = 403;
const HIDDEN: u16 = 404;

#[tokio::test]
async fn every_route_for_every_role() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let router = console.router.clone();
    let names = ["owner", "editor", "viewer", "holder", "other"];
    let mut clients = Vec::new();
    let mut tokens = Vec::new();
    for name in names {
        let mut c = signed_up(&router, name).await;
        tokens.push(c.token(name).await);
        clients.push(c);
    }
    let owner = tokens[0].clone();
    let api = &mut clients[0];

    // The owner creates an environment with a secret (the role's external id).
    let (status, created) = api
        .api(
            "POST",
            "/environments",
            Some(&owner),
            Some(json!({"name": "shared", "region": "us-east-1", "max_vcpus": 16})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, doc) = api
        .api(
            "GET",
            &format!("/environments/{id}/spec"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(doc["revision"], 1);
    let mut spec = doc["spec"].clone();
    spec["assume_role"] = json!({
        "role_arn": "arn:aws:iam::123456789012:role/target",
        "external_id": "s3cr3t-external-id"
    });
    let (status, saved) = api
        .api(
            "PUT",
            &format!("/environments/{id}/spec"),
            Some(&owner),
            Some(json!({"base_revision": 1, "spec": spec, "message": "assume a role"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["revision"], 2);

    // Links for the editor, the viewer and a template holder, opened by each.
    for (i, role) in [(1, "editor"), (2, "viewer"), (3, "template")] {
        let (status, link) = clients[0]
            .api(
                "POST",
                &format!("/environments/{id}/links"),
                Some(&owner),
                Some(json!({"role": role, "expires_in_days": 7})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{link}");
        let token = link["path"]
            .as_str()
            .unwrap()
            .strip_prefix("/share/")
            .unwrap();
        let r = clients[i]
            .call("accept_share_link", &[("token", token)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let (_, links) = clients[0]
        .api(
            "GET",
            &format!("/environments/{id}/links"),
            Some(&owner),
            None,
        )
        .await;
    // The template link is the one revoked at the end.
    let link_id = links
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["link"]["role"] == "template")
        .map(|l| l["link"]["id"].as_str().unwrap().to_owned())
        .unwrap();

    // Every route with input that cannot change AWS or lose anything, and the status each
    // role gets: owner, editor, viewer, template holder, someone else.
    let e = format!("/environments/{id}");
    let routes: Vec<(&str, String, Option<Value>, [u16; 5])> = vec![
        ("GET", "/me".into(), None, [200; 5]),
        ("GET", "/tokens".into(), None, [200; 5]),
        ("GET", "/environments".into(), None, [200; 5]),
        (
            "POST",
            "/environments".into(),
            Some(json!({"name": "Bad Name!", "region": "us-east-1", "max_vcpus": 16})),
            [422; 5],
        ),
        (
            "POST",
            "/environments/import".into(),
            Some(json!({"document": "{ not json"})),
            [422; 5],
        ),
        (
            "POST",
            "/validate".into(),
            Some(json!({"document": doc["spec"].to_string()})),
            [200; 5],
        ),
        ("GET", e.clone(), None, [200, 200, 200, FORBIDDEN, HIDDEN]),
        (
            "GET",
            format!("{e}/spec"),
            None,
            [200, 200, 200, 200, HIDDEN],
        ),
        (
            "PUT",
            format!("{e}/spec"),
            Some(json!({"base_revision": 1, "spec": doc["spec"], "message": "stale"})),
            [409, 409, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/revisions?from=1&to=2"),
            None,
            [200, 200, 200, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/revisions/1/restore"),
            Some(json!({"base_revision": 1})),
            [409, 409, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/export?format=yaml"),
            None,
            [200, 200, 200, 200, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/plan"),
            None,
            [200, 200, 200, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/apply"),
            Some(json!({"fingerprint": "stale"})),
            [409, 409, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/refresh"),
            None,
            [200, 200, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/destroy"),
            Some(json!({"confirm": "not the name"})),
            [422, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/retry"),
            Some(json!({"run": "none", "fingerprint": "x"})),
            [409, 409, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/runs?limit=5"),
            None,
            [200, 200, 200, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/runs/latest"),
            None,
            [200, 200, 200, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/links"),
            None,
            [200, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/links"),
            Some(json!({"role": "owner"})),
            [422, FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/jobs?state=RUNNING"),
            None,
            // Not applied yet: the page with AWS's error, as the queue view shows it.
            [200, 200, 200, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/jobs"),
            Some(json!({"name": ""})),
            [422, 422, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/jobs/no-such-job"),
            None,
            [HIDDEN, HIDDEN, HIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/jobs/cancel"),
            Some(json!({"ids": [], "reason": ""})),
            [422, 422, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/tasks"),
            None,
            [200, 200, 200, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/tasks"),
            Some(json!({"count": "0"})),
            [422, 422, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "POST",
            format!("{e}/tasks/stop"),
            Some(json!({"ids": [], "reason": ""})),
            [422, 422, FORBIDDEN, FORBIDDEN, HIDDEN],
        ),
        (
            "GET",
            format!("{e}/capacity?window=hour"),
            None,
            [200, 200, 200, FORBIDDEN, HIDDEN],
        ),
        // Last: the owner revokes a link for real.
        (
            "DELETE",
            format!("{e}/links/{link_id}"),
            None,
            [FORBIDDEN, FORBIDDEN, FORBIDDEN, HIDDEN, 204],
        ),
    ];
    let mut wrong = Vec::new();
    for (method, path, body, expected) in &routes {
        // Nobody without a token.
        let (status, _) = clients[4].api(method, path, None, body.clone()).await;
        if status != StatusCode::UNAUTHORIZED {
            wrong.push(format!("{method} {path} anonymous: {status}"));
        }
        // The revocation goes last (the others are refused before finding the link).
        let order: [usize; 5] = if method == &"DELETE" {
            [1, 2, 3, 4, 0]
        } else {
            [0, 1, 2, 3, 4]
        };
        for (slot, who) in order.into_iter().enumerate() {
            let (status, answer) = clients[who]
                .api(method, path, Some(&tokens[who]), body.clone())
                .await;
            if status.as_u16() != expected[slot] {
                wrong.push(format!(
                    "{method} {path} as {}: {status} (expected {}) {answer}",
                    names[who], expected[slot]
                ));
            }
            if status.is_client_error() || status.is_server_error() {
                assert!(
                    answer["error"].is_string() && answer["message"].is_string(),
                    "{answer}"
                );
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Secrets: the owner sees the external id, the viewer gets it redacted.
    let (_, mine) = clients[0]
        .api("GET", &format!("{e}/spec"), Some(&tokens[0]), None)
        .await;
    assert_eq!(
        mine["spec"]["assume_role"]["external_id"],
        "s3cr3t-external-id"
    );
    let (_, theirs) = clients[2]
        .api("GET", &format!("{e}/spec"), Some(&tokens[2]), None)
        .await;
    assert_eq!(
        theirs["spec"]["assume_role"]["external_id"], "(redacted)",
        "{theirs}"
    );
    let (_, page) = clients[2].api("GET", &e, Some(&tokens[2]), None).await;
    assert_eq!(page["spec"]["assume_role"]["external_id"], "(redacted)");
    assert_eq!(page["role"], "viewer");
}

#[tokio::test]
async fn the_api_answers_bad_requests_with_json_errors_and_serves_its_document() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;
    let token = alice.token("t").await;

    // A body that is not JSON, a wrong type, a bad query: 422 naming the part.
    let req = |body: &str| {
        axum::http::Request::post("/api/v1/environments")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap()
    };
    for body in ["{", r#"{"name": 5}"#] {
        let r = alice.send(req(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(v["problems"][0]["field"], "body", "{v}");
    }
    let (status, body) = alice
        .api("GET", "/environments?page=minus", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["problems"][0]["field"], "query");
    let (status, body) = alice.api("GET", "/no/such/route", Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");

    // Validate: a spec that breaks rules comes back with each problem.
    let (status, body) = alice
        .api(
            "POST",
            "/validate",
            Some(&token),
            Some(json!({"document": "schema_version: 2\nname: x\n"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["problems"][0]["field"], "document");

    // The document: OpenAPI 3.1, every operation behind the bearer scheme, every path
    // the router serves.
    let r = alice.get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.body).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().unwrap();
    let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(operations, 32, "{:?}", paths.keys().collect::<Vec<_>>());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["operationId"].is_string(), "{method} {path}");
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} documents 401"
            );
        }
    }
    // The reference page lists them.
    let r = alice.get("/api/v1/docs").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("POST /api/v1/environments/{id}/apply"),
        "{}",
        &r.body[..500]
    );
}

#[tokio::test]
async fn specs_import_from_the_page_and_actions_show_their_command_and_aws_requests() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;
    let token = alice.token("t").await;
    let (_, created) = alice
        .api(
            "POST",
            "/environments",
            Some(&token),
            Some(json!({"name": "source", "region": "us-east-1", "max_vcpus": 16})),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();

    // Export as YAML, rename, import on the import page's server function.
    let (status, yaml) = alice
        .api(
            "GET",
            &format!("/environments/{id}/export?format=yaml"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let yaml = yaml.as_str().unwrap().replace("source", "copied");
    let r = alice
        .call("import_environment", &[("document", &yaml)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let review = r.location.expect("opens the review page");
    let copied = review.split('/').nth(2).unwrap().to_owned();
    let (_, env) = alice
        .api(
            "GET",
            &format!("/environments/{copied}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(env["name"], "copied");
    assert_eq!(env["spec"]["job_queue"]["name"], "copied-queue");
    // The same again: the name is taken; a document that is not a spec names the field.
    let r = alice
        .call("import_environment", &[("document", &yaml)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.error().problems()[0].field, "name");
    let r = alice
        .call("import_environment", &[("document", "name: [unclosed")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error().problems()[0].field, "document");
    // Through the API as well.
    let (status, body) = alice
        .api(
            "POST",
            "/environments/import",
            Some(&token),
            Some(json!({"document": yaml.replace("copied", "third")})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The review page shows each step's AWS requests and the command lines of the apply.
    let page = alice.get(&review).await.body;
    for text in [
        "AWS requests",
        "ecs:CreateCluster",
        "batch:CreateComputeEnvironment",
        "batch:CreateJobQueue",
        "&quot;computeEnvironmentName&quot;: &quot;copied-ce&quot;",
        &format!("console apply {copied} --plan plan.json --wait"),
    ] {
        assert!(
            page.contains(text) || page.contains(&text.replace("&quot;", "\"")),
            "review page lacks {text}"
        );
    }
    // The environment page: destroy's command line (its AWS requests once applied).
    let page = alice.get(&format!("/environments/{copied}")).await.body;
    assert!(
        page.contains(&format!("console destroy {copied} --confirm copied --wait")),
        "environment page lacks the destroy command"
    );
    // The import page works before hydration (server-rendered form).
    let page = alice.get("/environments/import").await.body;
    assert!(page.contains("id=\"import-form\"") && page.contains("name=\"document\""));
}
