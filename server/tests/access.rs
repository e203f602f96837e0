//! Authorization, revisions and share links through the console's HTTP surface (the
//! real router, SQLite, moto over the real SDK): every action x every role, secrets
//! hidden from viewers, optimistic concurrency on edits, and the life of a link.

mod common;

use app::api::AppError;
use app::api::types::{EnvironmentPage, History, LinkLanding, SpecEditor};
use axum::http::StatusCode;
use common::client::{Client, console};

/// The roles of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Owner,
    Editor,
    Viewer,
    LinkHolder,
    Other,
    Anonymous,
}

const EVERYONE: [Who; 6] = [
    Who::Owner,
    Who::Editor,
    Who::Viewer,
    Who::LinkHolder,
    Who::Other,
    Who::Anonymous,
];

struct People {
    owner: Client,
    editor: Client,
    viewer: Client,
    holder: Client,
    other: Client,
    anonymous: Client,
}

impl People {
    fn get(&mut self, who: Who) -> &mut Client {
        match who {
            Who::Owner => &mut self.owner,
            Who::Editor => &mut self.editor,
            Who::Viewer => &mut self.viewer,
            Who::LinkHolder => &mut self.holder,
            Who::Other => &mut self.other,
            Who::Anonymous => &mut self.anonymous,
        }
    }
}

async fn signed_up(router: &axum::Router, name: &str) -> Client {
    Client::signed_up(router, name).await
}

/// Creates a link as `owner` and returns its token (read once from the share page).
async fn link(owner: &mut Client, id: &str, role: &str) -> String {
    let r = owner
        .call(
            "create_share_link",
            &[("id", id), ("role", role), ("expires_in_days", "7")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sharing: app::api::types::Sharing =
        serde_json::from_str(&owner.call("get_sharing", &[("id", id)]).await.body).unwrap();
    let path = sharing.created.expect("the new link, shown once");
    // Shown once only.
    let again: app::api::types::Sharing =
        serde_json::from_str(&owner.call("get_sharing", &[("id", id)]).await.body).unwrap();
    assert_eq!(again.created, None);
    path.strip_prefix("/share/").unwrap().to_owned()
}

async fn revision(owner: &mut Client, id: &str) -> u64 {
    let r = owner.call("get_environment", &[("id", id)]).await;
    serde_json::from_str::<EnvironmentPage>(&r.body)
        .unwrap()
        .revision
}

#[tokio::test]
async fn every_action_for_every_role() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let router = console.router.clone();
    let mut people = People {
        owner: signed_up(&router, "owner").await,
        editor: signed_up(&router, "editor").await,
        viewer: signed_up(&router, "viewer").await,
        holder: signed_up(&router, "holder").await,
        other: signed_up(&router, "other").await,
        anonymous: Client {
            router: router.clone(),
            cookie: None,
        },
    };

    // The owner creates an environment with a secret (the role's external id).
    let info: app::api::types::SessionInfo =
        serde_json::from_str(&people.owner.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = people
        .owner
        .create("shared", "us-east-1", "16", &role)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let editor: SpecEditor = serde_json::from_str(
        &people
            .owner
            .call("get_spec_editor", &[("id", &id)])
            .await
            .body,
    )
    .unwrap();
    let mut spec: serde_json::Value = serde_json::from_str(&editor.spec_json).unwrap();
    spec["assume_role"] = serde_json::json!({
        "role_arn": "arn:aws:iam::123456789012:role/target",
        "external_id": "s3cr3t-external-id"
    });
    let spec_json = spec.to_string();
    let r = people
        .owner
        .call(
            "save_spec",
            &[
                ("id", &id),
                ("base", "1"),
                ("spec_json", &spec_json),
                ("message", "assume a role"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Links: editor and viewer roles, and a template link for the link holder.
    for (who, role) in [
        (Who::Editor, "editor"),
        (Who::Viewer, "viewer"),
        (Who::LinkHolder, "template"),
    ] {
        let token = link(&mut people.owner, &id, role).await;
        let client = people.get(who);
        let landing: LinkLanding = serde_json::from_str(
            &client
                .call("open_share_link", &[("token", &token)])
                .await
                .body,
        )
        .unwrap();
        assert_eq!(landing.role.key(), role);
        let r = client.call("accept_share_link", &[("token", &token)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    // Each action: its call, and the status it gets once authorized (a deliberate
    // validation error or conflict where success would change AWS or the store).
    type Call = (&'static str, Vec<(&'static str, String)>, StatusCode);
    let fingerprint = {
        let r = people
            .owner
            .call("review_environment", &[("id", &id)])
            .await;
        serde_json::from_str::<app::api::types::Review>(&r.body)
            .unwrap()
            .fingerprint
    };
    let actions: Vec<(&str, Call)> = vec![
        ("view", ("get_environment", vec![], StatusCode::OK)),
        ("history", ("get_history", vec![], StatusCode::OK)),
        ("plan", ("review_environment", vec![], StatusCode::OK)),
        ("copy", ("get_copy_source", vec![], StatusCode::OK)),
        (
            "copy",
            (
                "copy_environment",
                vec![("name", "not a name".into())],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ),
        ("edit", ("get_spec_editor", vec![], StatusCode::OK)),
        (
            "edit",
            (
                "save_spec",
                vec![
                    ("base", "2".into()),
                    ("spec_json", "{".into()),
                    ("message", String::new()),
                ],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ),
        (
            "edit",
            (
                "restore_revision",
                vec![("number", "1".into()), ("base", "1".into())],
                StatusCode::CONFLICT,
            ),
        ),
        (
            "apply",
            (
                // The owner's real fingerprint: a forged call from a viewer must fail
                // on authorization, not on the plan. Authorized callers get 409 because
                // the journal serial in the fingerprint is made stale below.
                "apply_environment",
                vec![("fingerprint", "stale".into())],
                StatusCode::CONFLICT,
            ),
        ),
        (
            "apply",
            (
                "apply_environment",
                vec![("fingerprint", fingerprint.clone())],
                StatusCode::FORBIDDEN, // replaced per role below
            ),
        ),
        (
            "destroy",
            (
                "destroy_environment",
                vec![("confirm", "wrong name".into())],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ),
        ("refresh", ("refresh_environment", vec![], StatusCode::OK)),
        (
            "apply",
            (
                "import_resource",
                vec![("arn", "not an arn".into())],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ),
        ("view", ("list_tasks", vec![], StatusCode::OK)),
        ("view", ("live_run", vec![], StatusCode::OK)),
        (
            // No failed apply to retry: refused as a conflict once authorized.
            "apply",
            (
                "retry_apply",
                vec![("run", "no-such-run".into()), ("fingerprint", "x".into())],
                StatusCode::CONFLICT,
            ),
        ),
        (
            // The environment has no task definition: refused as invalid, nothing run.
            "submit",
            (
                "run_tasks",
                vec![("form[count]", "1".into())],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ),
        (
            "cancel",
            ("stop_tasks", vec![], StatusCode::UNPROCESSABLE_ENTITY),
        ),
        ("view", ("queue_page", vec![], StatusCode::OK)),
        (
            // A bad job name: refused as invalid, nothing submitted.
            "submit",
            (
                "submit_job",
                vec![("form[name]", "-bad".into())],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ),
        (
            "cancel",
            ("cancel_jobs", vec![], StatusCode::UNPROCESSABLE_ENTITY),
        ),
        ("share", ("get_sharing", vec![], StatusCode::OK)),
        (
            "share",
            (
                "create_share_link",
                vec![("role", "admin".into()), ("expires_in_days", String::new())],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ),
        (
            "share",
            (
                "revoke_share_link",
                vec![("link_id", "no-such-link".into())],
                StatusCode::NOT_FOUND,
            ),
        ),
    ];
    let allowed = |who: Who, action: &str| match who {
        Who::Owner => true,
        Who::Editor => !matches!(action, "destroy" | "share"),
        Who::Viewer => matches!(action, "view" | "history" | "plan" | "copy"),
        Who::LinkHolder => action == "copy",
        Who::Other | Who::Anonymous => false,
    };
    let mut table = Vec::new();
    for (action, (endpoint, args, when_allowed)) in &actions {
        for who in EVERYONE {
            let mut form: Vec<(&str, &str)> = vec![("id", id.as_str())];
            form.extend(args.iter().map(|(k, v)| (*k, v.as_str())));
            if allowed(who, action) && *endpoint == "apply_environment" && args[0].1 == fingerprint
            {
                // Authorized with the right plan would apply: that is the apply tests'
                // business; here only the refusals of this forged call count.
                continue;
            }
            let r = people.get(who).call(endpoint, &form).await;
            let expected = if allowed(who, action) {
                *when_allowed
            } else {
                match who {
                    Who::Anonymous => StatusCode::UNAUTHORIZED,
                    Who::Other => StatusCode::NOT_FOUND,
                    // Sees the environment (or its config) but may not do this.
                    _ => StatusCode::FORBIDDEN,
                }
            };
            if r.status != expected {
                table.push(format!(
                    "{who:?} {endpoint}: got {} expected {expected}: {}",
                    r.status, r.body
                ));
            }
            if expected == StatusCode::FORBIDDEN {
                assert!(
                    matches!(r.error(), AppError::Forbidden(m) if m.starts_with("As ")),
                    "{}",
                    r.body
                );
            }
        }
    }
    assert!(table.is_empty(), "{table:#?}");

    // Every plan shown and every refresh is a run with its steps; plans do not count
    // as the environment's latest run.
    let page: EnvironmentPage = serde_json::from_str(
        &people
            .owner
            .call("get_environment", &[("id", &id)])
            .await
            .body,
    )
    .unwrap();
    let runs = |kind: &str, by: &str| {
        page.runs
            .iter()
            .filter(|h| h.run.kind.key() == kind && h.run.started_by == by)
            .count()
    };
    assert!(runs("plan", "viewer") >= 1 && runs("plan", "editor") >= 1);
    assert_eq!(runs("refresh", "owner") + runs("refresh", "editor"), 2);
    let refresh = page
        .runs
        .iter()
        .find(|h| h.run.kind.key() == "refresh")
        .unwrap();
    let steps: Vec<_> = refresh.steps.iter().map(|s| s.step.as_str()).collect();
    assert_eq!(
        steps,
        [
            "read every resource from AWS (in parallel)",
            "ECS cluster shared: not in AWS",
            "Batch compute environment shared-ce: not in AWS",
            "Batch job queue shared-queue: not in AWS",
        ]
    );
    let plan = page
        .runs
        .iter()
        .find(|h| h.run.kind.key() == "plan")
        .unwrap();
    assert_eq!(plan.steps[0].step, "create ECS cluster shared");
    assert_eq!(page.run.as_ref().map(|r| r.kind.key()), Some("refresh"));

    // Nothing above changed the environment: still revision 2, nothing in AWS.
    assert_eq!(revision(&mut people.owner, &id).await, 2);
    let page: EnvironmentPage = serde_json::from_str(
        &people
            .owner
            .call("get_environment", &[("id", &id)])
            .await
            .body,
    )
    .unwrap();
    let applied: Vec<_> = page
        .activity
        .iter()
        .filter(|a| a.action == "environment.apply")
        .collect();
    assert!(applied.is_empty(), "{applied:#?}");
    let aws = common::aws(&moto.endpoint).await;
    assert_eq!(aws.cluster_names().await, Vec::<String>::new());

    // Secrets: the owner and the editor see the external id; the viewer does not.
    for (who, sees) in [
        (Who::Owner, true),
        (Who::Editor, true),
        (Who::Viewer, false),
    ] {
        for endpoint in ["get_environment", "review_environment"] {
            let body = people.get(who).call(endpoint, &[("id", &id)]).await.body;
            assert_eq!(
                body.contains("s3cr3t-external-id"),
                sees,
                "{who:?} {endpoint}"
            );
        }
    }
    let body = people
        .holder
        .call("get_copy_source", &[("id", &id)])
        .await
        .body;
    assert!(!body.contains("s3cr3t-external-id") && body.contains("(redacted)"));
    let viewer_review = people
        .viewer
        .call("review_environment", &[("id", &id)])
        .await;
    let review: app::api::types::Review = serde_json::from_str(&viewer_review.body).unwrap();
    assert!(!review.permissions.apply && review.fingerprint.is_empty());

    // The list shows shared environments with the role.
    let list: app::api::types::EnvironmentList =
        serde_json::from_str(&people.viewer.call("list_environments", &[]).await.body).unwrap();
    let list = list.items;
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].id.as_str(), list[0].role.key()),
        (id.as_str(), "viewer")
    );
    let others: app::api::types::EnvironmentList =
        serde_json::from_str(&people.other.call("list_environments", &[]).await.body).unwrap();
    assert!(others.items.is_empty() && others.total == 0);

    // The link holder copies the config into an environment of their own, without the
    // secret; the copy is theirs alone.
    let r = people
        .holder
        .call("copy_environment", &[("id", &id), ("name", "mine")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let copy_id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let page: EnvironmentPage = serde_json::from_str(
        &people
            .holder
            .call("get_environment", &[("id", &copy_id)])
            .await
            .body,
    )
    .unwrap();
    assert_eq!(page.spec.name, "mine");
    assert_eq!(page.spec.compute_environment.name, "mine-ce");
    assert_eq!(page.spec.assume_role.unwrap().external_id, None);
    assert_eq!(page.permissions.role.key(), "owner");
    assert_eq!(
        people
            .owner
            .call("get_environment", &[("id", &copy_id)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn call(client: &mut Client, form: Vec<(&'static str, String)>) -> common::client::Reply {
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.call("save_spec", &pairs).await
}

#[tokio::test]
async fn revisions_diff_restore_and_refuse_stale_saves() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;
    let mut bob = signed_up(&console.router, "bob").await;
    let r = alice.create("hist", "us-east-1", "16", "").await;
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    let token = link(&mut alice, &id, "editor").await;
    bob.call("accept_share_link", &[("token", &token)]).await;

    let editor: SpecEditor =
        serde_json::from_str(&alice.call("get_spec_editor", &[("id", &id)]).await.body).unwrap();
    assert_eq!(editor.revision, 1);
    let with_vcpus = |n: u32| {
        let mut v: serde_json::Value = serde_json::from_str(&editor.spec_json).unwrap();
        v["compute_environment"]["max_vcpus"] = n.into();
        v.to_string()
    };
    let save = |base: &str, json: String, message: &str| {
        vec![
            ("id", id.clone()),
            ("base", base.to_owned()),
            ("spec_json", json),
            ("message", message.to_owned()),
        ]
    };

    // Bad input names the field and the rule; nothing is stored.
    let r = call(&mut alice, save("1", "{not json".into(), "")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.error().problems()[0].field, "spec_json");
    let renamed = editor
        .spec_json
        .replacen("\"name\": \"hist\"", "\"name\": \"other\"", 1);
    let r = call(&mut alice, save("1", renamed, "")).await;
    let rules: Vec<_> = r
        .error()
        .problems()
        .iter()
        .map(|p| p.rule.clone())
        .collect();
    assert!(
        rules.contains(&"console.name-immutable".to_owned()),
        "{rules:?}"
    );
    let r = call(&mut alice, save("1", with_vcpus(0), "")).await;
    assert_eq!(
        r.error().problems()[0].field,
        "compute_environment.max_vcpus"
    );
    let r = call(&mut alice, save("1", with_vcpus(32), "x\ny")).await;
    assert_eq!(r.error().problems()[0].field, "message");
    assert_eq!(revision(&mut alice, &id).await, 1);

    // Alice and Bob both edit revision 1: Alice saves first, Bob is refused by name.
    let r = call(&mut alice, save("1", with_vcpus(32), "more")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.location.as_deref(),
        Some(&*format!("/environments/{id}/review"))
    );
    let r = call(&mut bob, save("1", with_vcpus(8), "fewer")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let AppError::Conflict(m) = r.error() else {
        panic!("{}", r.body)
    };
    assert!(m.starts_with("revision 2 was saved by alice at "), "{m}");
    let page: EnvironmentPage =
        serde_json::from_str(&bob.call("get_environment", &[("id", &id)]).await.body).unwrap();
    assert_eq!(page.spec.compute_environment.max_vcpus, 32);

    // The history lists both, the diff names the field, restore makes revision 3.
    let r = bob
        .call("get_history", &[("id", &id), ("from", "1"), ("to", "2")])
        .await;
    let h: History = serde_json::from_str(&r.body).unwrap();
    let numbers: Vec<_> = h
        .revisions
        .iter()
        .map(|r| (r.number, r.author.as_str()))
        .collect();
    assert_eq!(numbers, [(2, "alice"), (1, "alice")]);
    let diff = h.diff.unwrap();
    assert_eq!(diff.changes.len(), 1);
    assert_eq!(diff.changes[0].path, "compute_environment.max_vcpus");
    assert_eq!(
        (
            diff.changes[0].old.as_deref(),
            diff.changes[0].new.as_deref()
        ),
        (Some("16"), Some("32"))
    );
    let r = bob
        .call("get_history", &[("id", &id), ("from", "1"), ("to", "9")])
        .await;
    assert_eq!(r.error().problems()[0].rule, "console.revision-exists");
    let r = bob
        .call(
            "restore_revision",
            &[("id", &id), ("number", "1"), ("base", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let h: History =
        serde_json::from_str(&bob.call("get_history", &[("id", &id)]).await.body).unwrap();
    assert_eq!(h.revisions[0].number, 3);
    assert_eq!(h.revisions[0].author, "bob");
    assert_eq!(h.revisions[0].message, "restored revision 1");
    assert_eq!(revision(&mut alice, &id).await, 3);

    // The audit log says who edited.
    let page: EnvironmentPage =
        serde_json::from_str(&alice.call("get_environment", &[("id", &id)]).await.body).unwrap();
    let edits: Vec<_> = page
        .activity
        .iter()
        .filter(|a| a.action == "environment.edit")
        .map(|a| a.actor.as_str())
        .collect();
    assert_eq!(edits, ["bob", "alice"]);
}

#[tokio::test]
async fn revoked_and_invalid_links() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;
    let mut bob = signed_up(&console.router, "bob").await;
    let mut anonymous = Client {
        router: console.router.clone(),
        cookie: None,
    };
    let r = alice.create("links", "us-east-1", "16", "").await;
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();

    // Bad share input is refused by field.
    let r = alice
        .call(
            "create_share_link",
            &[("id", &id), ("role", "viewer"), ("expires_in_days", "400")],
        )
        .await;
    assert_eq!(r.error().problems()[0].field, "expires_in_days");
    let r = alice
        .call(
            "create_share_link",
            &[("id", &id), ("role", "owner"), ("expires_in_days", "")],
        )
        .await;
    assert_eq!(r.error().problems()[0].field, "role");

    let token = link(&mut alice, &id, "viewer").await;
    assert_eq!(token.len(), 64);
    // Anonymous callers must sign in first; an unknown token is not found.
    let r = anonymous
        .call("open_share_link", &[("token", &token)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = bob
        .call("open_share_link", &[("token", &"0".repeat(64))])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Opening shows the link without granting anything yet.
    let r = bob.call("open_share_link", &[("token", &token)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        bob.call("get_environment", &[("id", &id)]).await.status,
        StatusCode::NOT_FOUND
    );
    bob.call("accept_share_link", &[("token", &token)]).await;
    assert_eq!(
        bob.call("get_environment", &[("id", &id)]).await.status,
        StatusCode::OK
    );

    // Revoked: Bob loses access at once, and the link says why.
    let sharing: app::api::types::Sharing =
        serde_json::from_str(&alice.call("get_sharing", &[("id", &id)]).await.body).unwrap();
    let link_id = sharing.links[0].0.id.clone();
    let r = alice
        .call("revoke_share_link", &[("id", &id), ("link_id", &link_id)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        bob.call("get_environment", &[("id", &id)]).await.status,
        StatusCode::NOT_FOUND
    );
    let landing: LinkLanding =
        serde_json::from_str(&bob.call("open_share_link", &[("token", &token)]).await.body)
            .unwrap();
    assert_eq!(landing.status, app::domain::LinkStatus::Revoked);
    assert_eq!(landing.spec, None);
    let r = bob.call("accept_share_link", &[("token", &token)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.error(),
        AppError::Forbidden("This link was revoked".into())
    );
    // The link page says so in HTML too.
    let page = bob.get(&format!("/share/{token}")).await;
    assert!(
        page.body.contains("This link was revoked by its owner"),
        "{}",
        page.body
    );
    let page = bob.get("/share/nonsense").await;
    assert!(page.body.contains("This share link is not valid"));
}

/// A server-function call as it arrives through a proxy at `peer`, naming `user`.
async fn via_proxy(
    router: &axum::Router,
    peer: &str,
    user: Option<&str>,
    endpoint: &str,
    form: &str,
) -> common::client::Reply {
    use axum::body::Body;
    use axum::http::{Request, header};
    let mut req = Request::post(format!("/api/{endpoint}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json");
    if let Some(user) = user {
        req = req.header("x-forwarded-email", user);
    }
    let mut req = req.body(Body::from(form.to_owned())).unwrap();
    let addr: std::net::SocketAddr = peer.parse().unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(addr));
    let mut client = Client {
        router: router.clone(),
        cookie: None,
    };
    client.send(req).await
}

#[tokio::test]
async fn single_sign_on_through_a_trusted_proxy() {
    let moto = common::moto().await;
    let dir = tempfile::tempdir().unwrap();
    let console = common::client::console_with(
        &moto.endpoint,
        &dir,
        &[
            "--auth",
            "proxy",
            "--proxy-user-header",
            "X-Forwarded-Email",
            "--trusted-proxies",
            "10.0.0.0/24,192.168.1.7",
        ],
    )
    .await;
    let router = &console.router;
    let proxy = "10.0.0.9:40000";

    // The proxy names the user: an account is made on first sight, and used after.
    let r = via_proxy(router, proxy, Some("sam@example.com"), "get_session", "").await;
    let info: app::api::types::SessionInfo = serde_json::from_str(&r.body).unwrap();
    assert_eq!(info.username.as_deref(), Some("sam@example.com"));
    assert!(info.single_sign_on);
    let r = via_proxy(
        router,
        "192.168.1.7:1",
        Some("sam@example.com"),
        "create_environment",
        "name=sso&region=us-east-1&max_vcpus=16&service_role=",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = via_proxy(
        router,
        proxy,
        Some("sam@example.com"),
        "list_environments",
        "",
    )
    .await;
    let list: app::api::types::EnvironmentList = serde_json::from_str(&r.body).unwrap();
    assert_eq!(list.items.len(), 1);
    let id = list.items[0].id.clone();

    // Anyone else claiming to be Sam, from an address that is not the proxy, is nobody.
    for peer in ["10.0.1.9:40000", "127.0.0.1:5000", "192.168.1.8:1"] {
        let r = via_proxy(
            router,
            peer,
            Some("sam@example.com"),
            "list_environments",
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{peer}");
    }
    // Another user through the proxy does not see Sam's environment.
    let r = via_proxy(
        router,
        proxy,
        Some("kim@example.com"),
        "get_environment",
        &format!("id={id}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // No header: not signed in.
    let r = via_proxy(router, proxy, None, "list_environments", "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Local accounts are off.
    let r = via_proxy(
        router,
        proxy,
        None,
        "sign_up",
        "username=local&password=correct+horse+battery",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = via_proxy(
        router,
        proxy,
        None,
        "sign_in",
        "username=sam%40example.com&password=correct+horse+battery",
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_existing_resource_is_imported_by_arn_not_created_again() {
    let moto = common::moto().await;
    let aws = common::aws(&moto.endpoint).await;
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut alice = signed_up(&console.router, "alice").await;
    let info: app::api::types::SessionInfo =
        serde_json::from_str(&alice.call("get_session", &[]).await.body).unwrap();
    let role = info.aws.default_service_role.unwrap();
    let r = alice.create("imported", "us-east-1", "16", &role).await;
    let id = r.location.unwrap().split('/').nth(2).unwrap().to_owned();
    // Someone made the cluster by hand before the environment was applied.
    let made = aws
        .ecs
        .create_cluster()
        .cluster_name("imported")
        .send()
        .await
        .unwrap();
    let arn = made.cluster().unwrap().cluster_arn().unwrap().to_owned();

    // Refusals name the field and the rule.
    for (bad, rule) in [
        (
            "arn:aws:ecs:us-east-1:123456789012:cluster/other",
            "console.import-name",
        ),
        (
            "arn:aws:ecs:eu-west-1:123456789012:cluster/imported",
            "console.import-region",
        ),
        ("arn:aws:s3:::bucket", "aws.arn"),
    ] {
        let r = alice
            .call("import_resource", &[("id", &id), ("arn", bad)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert_eq!(r.error().problems()[0].rule, rule, "{bad}");
    }
    // The ARN of a resource AWS does not have is refused by the engine, naming the step.
    let ghost = "arn:aws:batch:us-east-1:123456789012:compute-environment/imported-ce";
    let r = alice
        .call("import_resource", &[("id", &id), ("arn", ghost)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(
        r.body
            .contains("import Batch compute environment imported-ce"),
        "{}",
        r.body
    );

    let r = alice
        .call("import_resource", &[("id", &id), ("arn", &arn)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Recorded, so the plan creates only the rest.
    let review: app::api::types::Review =
        serde_json::from_str(&alice.call("review_environment", &[("id", &id)]).await.body).unwrap();
    let actions: Vec<_> = review
        .plan
        .steps
        .iter()
        .map(|s| (s.kind.key(), s.action.label()))
        .collect();
    assert_eq!(
        actions,
        [
            ("cluster", "no change"),
            ("compute_environment", "create"),
            ("job_queue", "create")
        ]
    );
    // Importing twice is refused.
    let r = alice
        .call("import_resource", &[("id", &id), ("arn", &arn)])
        .await;
    assert_eq!(r.error().problems()[0].rule, "console.import-recorded");
    let page: EnvironmentPage =
        serde_json::from_str(&alice.call("get_environment", &[("id", &id)]).await.body).unwrap();
    let import = page
        .runs
        .iter()
        .find(|h| h.run.kind.key() == "import" && h.run.error.is_none())
        .unwrap();
    assert_eq!(import.steps[0].step, "import ECS cluster imported");
    assert!(
        page.activity
            .iter()
            .any(|a| a.action == "environment.import" && a.detail.contains(&arn))
    );
}

#[tokio::test]
async fn discovery_lists_what_the_pickers_offer() {
    let moto = common::moto().await;
    let aws = common::aws(&moto.endpoint).await;
    let config = server::aws::sdk_config(Some(&moto.endpoint), Some("us-east-1")).await;
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);
    let autoscaling = aws_sdk_autoscaling::Client::new(&config);
    let dir = tempfile::tempdir().unwrap();
    let console = console(&moto.endpoint, &dir).await;
    let mut anonymous = Client {
        router: console.router.clone(),
        cookie: None,
    };
    let mut alice = signed_up(&console.router, "alice").await;

    // What a team would have: a security group, roles, an instance profile, and two
    // Auto Scaling groups, one already behind a capacity provider.
    let vpc = ec2
        .describe_vpcs()
        .send()
        .await
        .unwrap()
        .vpcs()
        .iter()
        .find(|v| v.is_default() == Some(true))
        .and_then(|v| v.vpc_id().map(str::to_owned))
        .unwrap();
    let subnet = ec2
        .describe_subnets()
        .send()
        .await
        .unwrap()
        .subnets()
        .iter()
        .find(|s| s.vpc_id() == Some(&*vpc))
        .and_then(|s| s.subnet_id().map(str::to_owned))
        .unwrap();
    ec2.create_security_group()
        .group_name("inference")
        .description("inference tasks")
        .vpc_id(&vpc)
        .send()
        .await
        .unwrap();
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("task-exec")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("ecs-instances")
        .send()
        .await
        .unwrap();
    ec2.create_launch_template()
        .launch_template_name("gpu")
        .launch_template_data(
            aws_sdk_ec2::types::RequestLaunchTemplateData::builder()
                .image_id("ami-12c6146b")
                .instance_type(aws_sdk_ec2::types::InstanceType::G5Xlarge)
                .build(),
        )
        .send()
        .await
        .unwrap();
    for name in ["free-asg", "used-asg"] {
        autoscaling
            .create_auto_scaling_group()
            .auto_scaling_group_name(name)
            .launch_template(
                aws_sdk_autoscaling::types::LaunchTemplateSpecification::builder()
                    .launch_template_name("gpu")
                    .version("$Latest")
                    .build(),
            )
            .min_size(0)
            .max_size(4)
            .desired_capacity(0)
            .vpc_zone_identifier(&subnet)
            .new_instances_protected_from_scale_in(name == "used-asg")
            .send()
            .await
            .unwrap();
    }
    let used_arn = autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("used-asg")
        .send()
        .await
        .unwrap()
        .auto_scaling_groups()[0]
        .auto_scaling_group_arn()
        .unwrap()
        .to_owned();
    aws.ecs
        .create_capacity_provider()
        .name("gpu-provider")
        .auto_scaling_group_provider(
            aws_sdk_ecs::types::AutoScalingGroupProvider::builder()
                .auto_scaling_group_arn(&used_arn)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    aws.ecs
        .create_cluster()
        .cluster_name("gpu-cluster")
        .send()
        .await
        .unwrap();
    aws.ecs
        .put_cluster_capacity_providers()
        .cluster("gpu-cluster")
        .capacity_providers("gpu-provider")
        .set_default_capacity_provider_strategy(Some(vec![]))
        .send()
        .await
        .unwrap();

    // Signed in only, and the region is checked.
    let r = anonymous.call("discover", &[("region", "us-east-1")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = alice.call("discover", &[("region", "mars-1")]).await;
    assert_eq!(r.error().problems()[0].field, "region");

    let r = alice.call("discover", &[("region", "us-east-1")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d: app::domain::discovery::Discovery = serde_json::from_str(&r.body).unwrap();
    assert!(
        d.vpcs[0].default && d.vpcs[0].id == vpc,
        "default VPC first"
    );
    let s = d.subnets.iter().find(|s| s.id == subnet).unwrap();
    assert!(s.availability_zone.starts_with("us-east-1"));
    assert!(
        d.security_groups
            .iter()
            .any(|g| g.name == "inference" && g.vpc_id == vpc)
    );
    let exec = d.roles.iter().find(|r| r.name == "task-exec").unwrap();
    assert_eq!(exec.trusted_services, ["ecs-tasks.amazonaws.com"]);
    assert!(
        d.instance_profiles
            .iter()
            .any(|p| p.name == "ecs-instances")
    );
    let asg = |name: &str| {
        d.auto_scaling_groups
            .iter()
            .find(|g| g.name == name)
            .unwrap()
    };
    assert_eq!(asg("free-asg").used_by_capacity_provider, None);
    assert_eq!(
        asg("used-asg").used_by_capacity_provider.as_deref(),
        Some("gpu-provider")
    );
    assert!(asg("used-asg").protected_from_scale_in && asg("used-asg").max_size == 4);
    let g5 = d
        .instance_types
        .iter()
        .find(|t| t.name == "g5.xlarge")
        .unwrap();
    assert!(g5.gpu);
    let m5 = d
        .instance_types
        .iter()
        .find(|t| t.name == "m5.large")
        .unwrap();
    assert!(!m5.gpu);
}
