//! Leptos.toml (read by the server at run time) agrees with the cargo-leptos metadata in
//! Cargo.toml (read at build time), so the server serves what cargo-leptos built.

fn table(path: &str) -> toml::Table {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.parse().unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn leptos_toml_matches_cargo_metadata() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let cargo = table(&format!("{root}/Cargo.toml"));
    let build = &cargo["workspace"]["metadata"]["leptos"].as_array().unwrap()[0];
    let runtime_file = table(&format!("{root}/Leptos.toml"));
    let runtime = &runtime_file["package"]["metadata"]["leptos"];

    assert_eq!(runtime["output-name"], build["name"], "output-name vs name");
    for key in ["site-root", "site-pkg-dir", "site-addr", "reload-port"] {
        assert_eq!(
            runtime[key], build[key],
            "{key} differs between Leptos.toml and Cargo.toml"
        );
    }
    // And the server can load it.
    let conf = leptos::prelude::get_configuration(Some(&format!("{root}/Leptos.toml"))).unwrap();
    assert_eq!(
        &*conf.leptos_options.output_name,
        build["name"].as_str().unwrap()
    );
}
