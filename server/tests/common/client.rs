//! An in-process HTTP client of the console's router: server-function calls the way the
//! hydrated page makes them, page GETs, and the session cookie kept between calls.

use app::api::AppError;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use clap::Parser;
use http_body_util::BodyExt;
use tower::ServiceExt;

pub struct Client {
    pub router: Router,
    pub cookie: Option<String>,
}

pub struct Reply {
    pub status: StatusCode,
    pub set_cookie: Option<String>,
    pub location: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn error(&self) -> AppError {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

impl Client {
    /// A new client of `router`, signed up as `name` (the session cookie kept).
    pub async fn signed_up(router: &Router, name: &str) -> Client {
        let mut c = Client {
            router: router.clone(),
            cookie: None,
        };
        let r = c
            .credentials("sign_up", name, "correct horse battery")
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        c
    }

    pub async fn send(&mut self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let set_cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .map(|c| c.to_str().unwrap().to_owned());
        if let Some(c) = &set_cookie {
            self.cookie = Some(c.split(';').next().unwrap().to_owned());
        }
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            set_cookie,
            location,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// Calls a server function the way the hydrated page does (form-encoded, JSON back).
    pub async fn call(&mut self, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut req = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    /// Submits a sign-up or sign-in form.
    pub async fn credentials(&mut self, endpoint: &str, username: &str, password: &str) -> Reply {
        self.call(endpoint, &[("username", username), ("password", password)])
            .await
    }

    /// Submits the "new environment" form.
    pub async fn create(&mut self, name: &str, region: &str, max_vcpus: &str, role: &str) -> Reply {
        let form = [
            ("name", name),
            ("region", region),
            ("max_vcpus", max_vcpus),
            ("service_role", role),
        ];
        self.call("create_environment", &form).await
    }

    /// Calls the REST API: `method` `/api/v1{path}` with a bearer `token` (if any) and a
    /// JSON body (if any); the status and the JSON answer (`Null` for an empty one).
    pub async fn api(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"));
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        };
        let reply = self.send(req.unwrap()).await;
        let json = if reply.body.is_empty() {
            serde_json::Value::Null
        } else {
            // Text answers (exports) come back as a string.
            serde_json::from_str(&reply.body).unwrap_or(serde_json::Value::String(reply.body))
        };
        (reply.status, json)
    }

    /// Creates a personal API token through the tokens page's server function.
    pub async fn token(&mut self, name: &str) -> String {
        let r = self
            .call(
                "create_api_token",
                &[("name", name), ("expires_in_days", "30")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let created: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        created["token"].as_str().unwrap().to_owned()
    }

    pub async fn get_response(&mut self, path: &str) -> axum::response::Response {
        let req = Request::get(path).header(header::ACCEPT, "text/html");
        self.router
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap()
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        let mut req = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn console(endpoint: &str, dir: &tempfile::TempDir) -> server::Console {
    console_with(endpoint, dir, &[]).await
}

/// The console with extra command-line flags.
pub async fn console_with(
    endpoint: &str,
    dir: &tempfile::TempDir,
    flags: &[&str],
) -> server::Console {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let db = format!("sqlite://{}/console.db", dir.path().display());
    let leptos = format!("{root}/Leptos.toml");
    let mut args = vec![
        "server",
        "--leptos-config",
        &leptos,
        "--database-url",
        &db,
        "--aws-endpoint-url",
        endpoint,
    ];
    // No background sampling unless a test asks (it would add AWS calls and statements).
    if !flags.contains(&"--capacity-sample-seconds") {
        args.extend_from_slice(&["--capacity-sample-seconds", "0"]);
    }
    args.extend_from_slice(flags);
    let config = server::config::Config::parse_from(args);
    server::build(&config, super::fast_wait()).await.unwrap()
}
