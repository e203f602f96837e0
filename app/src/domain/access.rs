//! Who may do what to an environment: the one authorization policy, and what is hidden
//! from those who may only look.
//!
//! Every server function asks [`allows`] through `api::ssr::authorize`; the pages ask
//! [`Permissions`] only to hide what the server would refuse anyway.

use serde::{Deserialize, Serialize};

use super::plan::Plan;
use super::spec::EnvironmentSpec;

/// A user's relation to one environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    /// Holds a "copy as template" link: sees the redacted config and may copy it.
    Template,
    /// Sees the environment, its plan and runs (secrets redacted); changes nothing.
    Viewer,
    /// Also edits the spec, plans, applies and runs jobs; cannot destroy or share.
    Editor,
    /// Created it: everything.
    Owner,
}

impl Role {
    /// The roles a share link can grant.
    pub const SHAREABLE: [Role; 3] = [Role::Viewer, Role::Editor, Role::Template];

    /// Storage and form key.
    pub fn key(self) -> &'static str {
        match self {
            Role::Template => "template",
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }

    /// The role of a storage or form key.
    pub fn from_key(key: &str) -> Option<Role> {
        [Role::Template, Role::Viewer, Role::Editor, Role::Owner]
            .into_iter()
            .find(|r| r.key() == key)
    }

    /// For people: "viewer", "editor", "copy as template", "owner".
    pub fn label(self) -> &'static str {
        match self {
            Role::Template => "copy as template",
            other => other.key(),
        }
    }
}

/// Everything one can do to an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// See the redacted config (the snapshot of a template link).
    ViewConfig,
    /// See the environment page: resources, status, drift, activity, revisions, runs.
    View,
    /// See the plan.
    Plan,
    /// Copy the config into a new environment of one's own.
    Copy,
    /// Save a new revision of the spec (or restore an old one).
    EditSpec,
    /// Apply the plan.
    Apply,
    /// Read every resource from AWS as a recorded run.
    Refresh,
    /// Destroy the environment's resources.
    Destroy,
    /// Create, list and revoke share links.
    Share,
    /// Submit jobs to the environment's queue (and run tasks).
    SubmitJobs,
    /// Cancel or terminate jobs (and stop tasks).
    CancelJobs,
    /// See unredacted secrets (external id, container environment values).
    SeeSecrets,
}

impl Operation {
    /// Every operation, for tests and tables.
    pub const ALL: [Operation; 12] = [
        Operation::ViewConfig,
        Operation::View,
        Operation::Plan,
        Operation::Copy,
        Operation::EditSpec,
        Operation::Apply,
        Operation::Refresh,
        Operation::Destroy,
        Operation::Share,
        Operation::SubmitJobs,
        Operation::CancelJobs,
        Operation::SeeSecrets,
    ];

    /// For refusals: "apply this environment".
    pub fn describe(self) -> &'static str {
        match self {
            Operation::ViewConfig => "see this environment's config",
            Operation::View => "see this environment",
            Operation::Plan => "see this environment's plan",
            Operation::Copy => "copy this environment",
            Operation::EditSpec => "edit this environment",
            Operation::Apply => "apply this environment",
            Operation::Refresh => "refresh this environment",
            Operation::Destroy => "destroy this environment",
            Operation::Share => "share this environment",
            Operation::SubmitJobs => "submit jobs to this environment",
            Operation::CancelJobs => "cancel jobs of this environment",
            Operation::SeeSecrets => "see this environment's secrets",
        }
    }
}

/// The policy: whether `role` (none: no relation at all) may perform `op`.
pub fn allows(role: Option<Role>, op: Operation) -> bool {
    use Operation as O;
    let Some(role) = role else {
        return false;
    };
    match role {
        Role::Owner => true,
        Role::Editor => !matches!(op, O::Destroy | O::Share),
        Role::Viewer => matches!(op, O::ViewConfig | O::View | O::Plan | O::Copy),
        Role::Template => matches!(op, O::ViewConfig | O::Copy),
    }
}

/// What the pages may offer to a role (the server checks again on every call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    /// The caller's role.
    pub role: Role,
    /// May save revisions.
    pub edit: bool,
    /// May apply.
    pub apply: bool,
    /// May refresh.
    pub refresh: bool,
    /// May destroy.
    pub destroy: bool,
    /// May manage share links.
    pub share: bool,
    /// May submit jobs and run tasks.
    pub submit: bool,
    /// May cancel jobs and stop tasks.
    pub cancel: bool,
}

impl Permissions {
    /// The permissions of `role`.
    pub fn of(role: Role) -> Self {
        let can = |op| allows(Some(role), op);
        Permissions {
            role,
            edit: can(Operation::EditSpec),
            apply: can(Operation::Apply),
            refresh: can(Operation::Refresh),
            destroy: can(Operation::Destroy),
            share: can(Operation::Share),
            submit: can(Operation::SubmitJobs),
            cancel: can(Operation::CancelJobs),
        }
    }
}

/// A share link as its owner sees it (the token itself is never stored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareLink {
    /// Opaque id (for revoking).
    pub id: String,
    /// The environment it opens.
    pub environment_id: String,
    /// The role it grants.
    pub role: Role,
    /// Who created it (username).
    pub created_by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// When it stops working (RFC 3339 UTC to the second); none: never.
    pub expires_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Whether a share link still works.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LinkStatus {
    /// It grants its role.
    Live,
    /// Its expiry passed.
    Expired,
    /// Its owner revoked it.
    Revoked,
}

impl ShareLink {
    /// The link's status at `now` (RFC 3339 UTC to the second, like `expires_at`).
    pub fn status(&self, now: &str) -> LinkStatus {
        status_at(self.revoked_at.as_deref(), self.expires_at.as_deref(), now)
    }
}

/// Whether something revocable that may expire (a share link, an API token) works at
/// `now` (RFC 3339 UTC to the second, like `expires_at`): revocation first, then expiry.
pub fn status_at(revoked_at: Option<&str>, expires_at: Option<&str>, now: &str) -> LinkStatus {
    if revoked_at.is_some() {
        LinkStatus::Revoked
    } else if expires_at.is_some_and(|e| e <= now) {
        LinkStatus::Expired
    } else {
        LinkStatus::Live
    }
}

/// The longest expiry a share link can have, in days.
pub const MAX_LINK_DAYS: u32 = 365;

/// Parses the "expires in days" field of the share form: empty means never.
pub fn parse_link_days(value: &str) -> Result<Option<u32>, super::Problem> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<u32>() {
        Ok(d) if (1..=MAX_LINK_DAYS).contains(&d) => Ok(Some(d)),
        _ => Err(super::Problem::new(
            "expires_in_days",
            "console.link-expiry",
            format!(
                "Expiry must be a whole number of days from 1 to {MAX_LINK_DAYS}, or empty for never"
            ),
        )),
    }
}

/// What replaces a secret value in views for roles without [`Operation::SeeSecrets`].
pub const REDACTED: &str = "(redacted)";

/// The spec with its secrets replaced by [`REDACTED`]: the role's external id and the
/// values (not the names) of container environment variables.
pub fn redact_spec(spec: &EnvironmentSpec) -> EnvironmentSpec {
    let mut out = spec.clone();
    if let Some(role) = &mut out.assume_role
        && let Some(id) = &mut role.external_id
    {
        *id = REDACTED.into();
    }
    if let Some(t) = &mut out.task_definition {
        for c in &mut t.containers {
            c.environment
                .values_mut()
                .for_each(|v| *v = REDACTED.into());
        }
    }
    if let Some(j) = &mut out.job_definition {
        j.environment
            .values_mut()
            .for_each(|v| *v = REDACTED.into());
    }
    out
}

/// The plan with the values of environment variables replaced by [`REDACTED`] in its
/// settings, field changes and drift.
pub fn redact_plan(plan: &Plan) -> Plan {
    let mut out = plan.clone();
    for step in &mut out.steps {
        for (field, value) in &mut step.settings {
            *value = redact_setting(field, value);
        }
        for change in &mut step.changes {
            for value in [&mut change.old, &mut change.new].into_iter().flatten() {
                *value = redact_setting(&change.field, value);
            }
        }
    }
    for d in &mut out.drift {
        d.recorded = redact_setting(&d.field, &d.recorded);
        d.observed = redact_setting(&d.field, &d.observed);
    }
    out
}

/// One setting's value with environment variable values redacted. Settings are plain
/// text or JSON; a field named `...environment` holds a map of variables, and JSON
/// values hold them under `environment` keys.
fn redact_setting(field: &str, value: &str) -> String {
    let Ok(mut json) = serde_json::from_str::<serde_json::Value>(value) else {
        return value.to_owned();
    };
    if field.ends_with("environment") {
        redact_values(&mut json);
    } else {
        redact_environment_keys(&mut json);
    }
    serde_json::to_string(&json).unwrap_or_else(|_| REDACTED.into())
}

fn redact_values(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(map) => map
            .values_mut()
            .for_each(|v| *v = serde_json::Value::String(REDACTED.into())),
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_values),
        _ => {}
    }
}

fn redact_environment_keys(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "environment" {
                    redact_values(v);
                } else {
                    redact_environment_keys(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_environment_keys),
        _ => {}
    }
}

/// The spec a copy starts from: secrets left out (no external id, environment variable
/// values empty: the copier sets their own) and every resource the environment owns
/// renamed from the old environment name to `new_name`.
pub fn spec_for_copy(spec: &EnvironmentSpec, new_name: &str) -> EnvironmentSpec {
    let mut out = spec.clone();
    let rename = |name: &mut String| {
        if let Some(rest) = name.strip_prefix(spec.name.as_str()) {
            *name = format!("{new_name}{rest}");
        }
    };
    out.name = new_name.to_owned();
    rename(&mut out.cluster.name);
    rename(&mut out.compute_environment.name);
    if let Some(c) = &mut out.capacity {
        rename(&mut c.provider.name);
        if let super::spec::AutoScalingGroupSource::Create(g) = &mut c.auto_scaling_group {
            rename(&mut g.name);
        }
    }
    if let Some(q) = &mut out.job_queue {
        rename(&mut q.name);
    }
    if let Some(role) = &mut out.assume_role {
        role.external_id = None;
    }
    if let Some(t) = &mut out.task_definition {
        rename(&mut t.family);
        for c in &mut t.containers {
            c.environment.values_mut().for_each(String::clear);
        }
    }
    if let Some(j) = &mut out.job_definition {
        rename(&mut j.name);
        j.environment.values_mut().for_each(String::clear);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::spec::presets::Preset;

    /// The whole policy as a table: a change to it must change this table.
    #[test]
    fn policy_table() {
        use Operation as O;
        let expected = |role: Option<Role>| -> Vec<Operation> {
            match role {
                None => vec![],
                Some(Role::Template) => vec![O::ViewConfig, O::Copy],
                Some(Role::Viewer) => vec![O::ViewConfig, O::View, O::Plan, O::Copy],
                Some(Role::Editor) => vec![
                    O::ViewConfig,
                    O::View,
                    O::Plan,
                    O::Copy,
                    O::EditSpec,
                    O::Apply,
                    O::Refresh,
                    O::SubmitJobs,
                    O::CancelJobs,
                    O::SeeSecrets,
                ],
                Some(Role::Owner) => O::ALL.to_vec(),
            }
        };
        for role in [
            None,
            Some(Role::Template),
            Some(Role::Viewer),
            Some(Role::Editor),
            Some(Role::Owner),
        ] {
            let allowed: Vec<_> = O::ALL.into_iter().filter(|&op| allows(role, op)).collect();
            assert_eq!(allowed, expected(role), "{role:?}");
        }
    }

    #[test]
    fn links_expire_and_revoke() {
        let mut link = ShareLink {
            id: "l".into(),
            environment_id: "e".into(),
            role: Role::Viewer,
            created_by: "alice".into(),
            created_at: "2026-11-29T10:00:00Z".into(),
            expires_at: Some("2026-11-30T10:00:00Z".into()),
            revoked_at: None,
        };
        assert_eq!(link.status("2026-11-30T09:59:59Z"), LinkStatus::Live);
        assert_eq!(link.status("2026-11-30T10:00:00Z"), LinkStatus::Expired);
        link.expires_at = None;
        assert_eq!(link.status("2099-01-01T00:00:00Z"), LinkStatus::Live);
        link.revoked_at = Some("2026-11-29T11:00:00Z".into());
        assert_eq!(link.status("2026-11-29T12:00:00Z"), LinkStatus::Revoked);
    }

    #[test]
    fn link_expiry_field_rules() {
        assert_eq!(parse_link_days(""), Ok(None));
        assert_eq!(parse_link_days(" 7 "), Ok(Some(7)));
        for bad in ["0", "366", "-1", "1.5", "week"] {
            let e = parse_link_days(bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.rule.as_str()),
                ("expires_in_days", "console.link-expiry")
            );
        }
    }

    #[test]
    fn roles_round_trip_and_rank() {
        for role in [Role::Template, Role::Viewer, Role::Editor, Role::Owner] {
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
        assert_eq!(Role::from_key("admin"), None);
        assert!(Role::Owner > Role::Editor && Role::Editor > Role::Viewer);
        assert!(Role::Viewer > Role::Template);
        assert!(!Role::SHAREABLE.contains(&Role::Owner));
    }

    fn spec_with_secrets() -> EnvironmentSpec {
        let mut spec = Preset::GpuG5.spec(
            "gpu",
            "us-east-1",
            crate::domain::Network::default(),
            &crate::domain::fixtures::roles(),
        );
        spec.assume_role = Some(crate::domain::spec::AssumeRole {
            role_arn: "arn:aws:iam::123456789012:role/target".into(),
            external_id: Some("s3cr3t-external".into()),
        });
        if let Some(t) = &mut spec.task_definition {
            t.containers[0]
                .environment
                .insert("HF_TOKEN".into(), "hf_s3cr3t".into());
        }
        if let Some(j) = &mut spec.job_definition {
            j.environment.insert("API_KEY".into(), "k3y-s3cr3t".into());
        }
        spec
    }

    #[test]
    fn redaction_hides_secret_values_but_keeps_their_names() {
        let spec = spec_with_secrets();
        let red = redact_spec(&spec);
        let json = serde_json::to_string(&red).unwrap();
        for secret in ["s3cr3t-external", "hf_s3cr3t", "k3y-s3cr3t"] {
            assert!(serde_json::to_string(&spec).unwrap().contains(secret));
            assert!(!json.contains(secret), "{secret} leaked: {json}");
        }
        assert!(json.contains("HF_TOKEN") && json.contains("API_KEY"));
        // Nothing else changes.
        assert_eq!(red.compute_environment, spec.compute_environment);
    }

    #[test]
    fn copies_are_renamed_and_carry_no_secrets() {
        let spec = spec_with_secrets();
        let copy = spec_for_copy(&spec, "gpu2");
        let json = serde_json::to_string(&copy).unwrap();
        for secret in ["s3cr3t-external", "hf_s3cr3t", "k3y-s3cr3t"] {
            assert!(!json.contains(secret), "{secret} copied");
        }
        assert_eq!(copy.name, "gpu2");
        for kind in crate::domain::ResourceKind::ALL {
            if let (Some(old), Some(new)) = (spec.resource_name(kind), copy.resource_name(kind)) {
                assert_eq!(new, old.replacen("gpu", "gpu2", 1), "{kind:?}");
            }
        }
        assert_eq!(
            crate::domain::validate(&copy),
            crate::domain::validate(&spec)
        );
    }

    #[test]
    fn plans_are_redacted_in_settings_changes_and_drift() {
        let spec = spec_with_secrets();
        let plan = crate::domain::plan(&spec, &Default::default(), &[]);
        let before = serde_json::to_string(&plan).unwrap();
        assert!(before.contains("hf_s3cr3t") && before.contains("k3y-s3cr3t"));
        let after = serde_json::to_string(&redact_plan(&plan)).unwrap();
        assert!(
            !after.contains("hf_s3cr3t") && !after.contains("k3y-s3cr3t"),
            "{after}"
        );
        assert!(after.contains("HF_TOKEN") && after.contains("API_KEY"));
        assert_eq!(redact_plan(&plan).steps.len(), plan.steps.len());
    }
}
