//! Export of an environment as code: a Pulumi Python program ([`pulumi`]), an AWS
//! CloudFormation template ([`cloudformation`]), and the spec itself as JSON or YAML (which
//! [`parse_spec`] reads back).
//!
//! Both programs describe the resources the console's engine creates, with the settings
//! it sends (`server/src/aws/{cloud,capacity,definitions}.rs`): the same names, sizes,
//! roles, network, tags, and the same launch template (AMI resolved from the public SSM
//! parameter at each launch, user data that joins the cluster). The console's own tags
//! (`console:*`) are left out: exported resources belong to the program, not the console.
//! Secrets are whatever the caller passes in: the server exports the redacted spec to
//! roles that may not see them.

pub mod cloudformation;
mod payloads;
pub mod pulumi;
// Property and snapshot tests need proptest and insta, which are native-only.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use serde::{Deserialize, Serialize};

use super::ResourceKind;
use super::spec::{AutoScalingGroupSource, EnvironmentSpec, NewAutoScalingGroup};

/// What an environment can be exported as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A Pulumi program in Python (`pulumi_aws`).
    Pulumi,
    /// An AWS CloudFormation template (JSON).
    CloudFormation,
    /// The spec as JSON (the spec editor takes it back).
    Json,
    /// The spec as YAML.
    Yaml,
}

impl Format {
    /// Every format, in the order the page lists them.
    pub const ALL: [Format; 4] = [
        Format::Pulumi,
        Format::CloudFormation,
        Format::Json,
        Format::Yaml,
    ];

    /// The format's name in URLs: `pulumi`, `cloudformation`, `json`, `yaml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pulumi => "pulumi",
            Format::CloudFormation => "cloudformation",
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }

    /// The format named `name` (see [`Format::as_str`]).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// A person's name for it.
    pub fn label(self) -> &'static str {
        match self {
            Format::Pulumi => "Pulumi program (Python)",
            Format::CloudFormation => "CloudFormation template (JSON)",
            Format::Json => "Spec (JSON)",
            Format::Yaml => "Spec (YAML)",
        }
    }

    /// The file a download of `spec` in this format is saved as.
    pub fn file_name(self, spec: &EnvironmentSpec) -> String {
        let name = &spec.name;
        match self {
            Format::Pulumi => "__main__.py".to_owned(),
            Format::CloudFormation => format!("{name}.template.json"),
            Format::Json => format!("{name}.spec.json"),
            Format::Yaml => format!("{name}.spec.yaml"),
        }
    }

    /// The HTTP content type of the download.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Pulumi => "text/x-python; charset=utf-8",
            Format::CloudFormation | Format::Json => "application/json",
            Format::Yaml => "application/yaml; charset=utf-8",
        }
    }
}

/// `spec` in `format`.
pub fn export(spec: &EnvironmentSpec, format: Format) -> String {
    match format {
        Format::Pulumi => pulumi::program(spec),
        Format::CloudFormation => pretty(&cloudformation::template(spec)),
        Format::Json => pretty(spec),
        Format::Yaml => to_yaml(spec),
    }
}

fn pretty(value: &impl Serialize) -> String {
    // Serialising plain data (string keys, finite numbers) cannot fail.
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}

/// The spec as YAML; [`parse_spec`] (or [`EnvironmentSpec::from_yaml`]) reads it back.
pub fn to_yaml(spec: &EnvironmentSpec) -> String {
    // Plain data with string keys: serialisation cannot fail.
    serde_norway::to_string(spec).unwrap_or_default()
}

/// Reads a spec exported as JSON or YAML (JSON when it starts with `{`), upgrading older
/// schema versions like every stored spec.
pub fn parse_spec(text: &str) -> Result<EnvironmentSpec, String> {
    if text.trim_start().starts_with('{') {
        EnvironmentSpec::from_json(text)
    } else {
        EnvironmentSpec::from_yaml(text)
    }
}

/// The user data of the capacity's instances: the ECS agent joins `cluster`. The same
/// script the console's launch template carries (`server/src/aws/capacity.rs`).
pub fn user_data(cluster: &str) -> String {
    format!("#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n")
}

/// The parts of an Auto Scaling group the console creates, resolved against the spec:
/// the group, its subnets (the group's own, else the network's), and the launch
/// template's name (the group's: the console names the template after it).
pub(crate) struct Group<'a> {
    pub group: &'a NewAutoScalingGroup,
    pub subnets: &'a [String],
    pub launch_template: &'a str,
}

/// The group the spec creates, if any.
pub(crate) fn created_group(spec: &EnvironmentSpec) -> Option<Group<'_>> {
    let AutoScalingGroupSource::Create(group) = &spec.capacity.as_ref()?.auto_scaling_group else {
        return None;
    };
    Some(Group {
        group,
        subnets: if group.subnets.is_empty() {
            &spec.network.subnets
        } else {
            &group.subnets
        },
        launch_template: spec.resource_name(ResourceKind::AutoScalingGroup)?,
    })
}

/// The name of the environment's resource of `kind` (see
/// [`EnvironmentSpec::resource_name`]); empty if the spec has none, which callers rule
/// out before asking.
pub(crate) fn name(spec: &EnvironmentSpec, kind: ResourceKind) -> &str {
    spec.resource_name(kind).unwrap_or_default()
}

/// The ENABLED / DISABLED of AWS's switches.
pub(crate) fn enabled(on: bool) -> &'static str {
    if on { "ENABLED" } else { "DISABLED" }
}
