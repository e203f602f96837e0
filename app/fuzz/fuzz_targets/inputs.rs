//! The parsers of user input (new-environment form, ARNs, link expiries, vCPUs): no
//! panic on any text, and a form the validator accepts builds a valid spec.
#![no_main]

#[path = "../../src/domain/mod.rs"]
#[allow(dead_code, unused_imports)]
mod domain;

use domain::{EnvironmentSpec, NewEnvironment, validate, validate_new_environment};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\n');
    // Trimmed as the server trims the form.
    let field = |p: Option<&str>| p.unwrap_or_default().trim().to_owned();
    let form = NewEnvironment {
        name: field(parts.next()),
        region: field(parts.next()),
        max_vcpus: parts.next().unwrap_or_default().to_owned(),
        service_role: field(parts.next()),
    };
    let _ = domain::import::parse_arn(&text);
    let _ = domain::access::parse_link_days(&text);
    let _ = domain::validate::parse_max_vcpus(&text);
    if validate_new_environment(&form).is_empty() {
        let vcpus = domain::validate::parse_max_vcpus(&form.max_vcpus).expect("accepted");
        let role = (!form.service_role.is_empty()).then(|| form.service_role.clone());
        let network = domain::Network {
            vpc_id: "vpc-12345678".into(),
            subnets: vec!["subnet-12345678".into()],
            security_group_ids: vec!["sg-12345678".into()],
        };
        let spec = EnvironmentSpec::minimal(&form.name, &form.region, vcpus, role, network);
        assert_eq!(validate(&spec), vec![], "{form:?}");
    }
});
