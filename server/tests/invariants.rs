//! Architecture invariants of ARCHITECTURE.md, checked on the source tree.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn offenders(dir: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut found = Vec::new();
    for file in rust_files(&root) {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in forbidden {
            if text.contains(word) {
                found.push(format!("{} uses {word}", file.display()));
            }
        }
    }
    found
}

#[test]
fn the_domain_does_no_io_and_names_no_framework() {
    let found = offenders(
        "app/src/domain",
        &[
            "aws_sdk",
            "aws_config",
            "tokio",
            "std::fs",
            "std::net",
            "sqlx",
            "leptos",
            "reqwest",
        ],
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn only_the_server_names_aws_sdk_types() {
    let found = offenders("app/src", &["aws_sdk_", "aws_config", "aws_smithy"]);
    assert!(found.is_empty(), "{found:#?}");
    let found = offenders("frontend/src", &["aws_sdk_", "aws_config"]);
    assert!(found.is_empty(), "{found:#?}");
}

/// "Authorization in one place": every server function that names an environment id
/// asks `authorize` (or, for share links, checks the link's token); none reads an
/// environment from the store around it.
#[test]
fn every_environment_server_function_asks_the_policy() {
    let api = Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/api");
    let mut unchecked = Vec::new();
    for file in rust_files(&api) {
        let text = std::fs::read_to_string(&file).unwrap();
        // Each server function: from its attribute to the next one (or the file's end).
        for body in text.split("#[server(").skip(1) {
            let body = body.split("\n#[").next().unwrap_or(body);
            let name = body
                .split("endpoint = \"")
                .nth(1)
                .and_then(|s| s.split('"').next());
            // An environment id parameter (`id`), not other ids (`token_id`, `link_id`).
            let takes_env = body.contains("(id: String") || body.contains("\n    id: String");
            let checked = body.contains("authorize(") || body.contains("find_link(");
            if takes_env && !checked {
                unchecked.push(format!("{}: {name:?}", file.display()));
            }
        }
        if !file.ends_with("ssr.rs") && !file.ends_with("sharing.rs") {
            assert!(
                !text.contains("store.get_environment("),
                "{} reads environments around the policy",
                file.display()
            );
        }
    }
    assert!(unchecked.is_empty(), "{unchecked:#?}");
}
