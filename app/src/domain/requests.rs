//! What an action sends, shown before it is taken: the AWS API requests of each plan step
//! (the operations the engine calls for the step, in order, with the fields the plan
//! sets) and the equivalent `console` command lines.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ResourceKind;
use super::plan::{Action, ReplaceOrder, Step};
use super::queue::SubmitJob;
use super::tasks::{Placement, RunTasks};

/// One AWS API request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AwsRequest {
    /// `service:Operation`, e.g. `ecs:CreateCluster`.
    pub operation: String,
    /// The request's fields as JSON (pretty), as the plan renders their values.
    pub payload: String,
}

fn request(operation: &str, payload: Value) -> AwsRequest {
    AwsRequest {
        operation: operation.to_owned(),
        payload: serde_json::to_string_pretty(&payload).unwrap_or_default(),
    }
}

/// The field naming the resource in its API, e.g. `clusterName`.
fn name_field(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Cluster => "cluster",
        ResourceKind::AutoScalingGroup => "AutoScalingGroupName",
        ResourceKind::CapacityProvider => "name",
        ResourceKind::ClusterCapacityProviders => "cluster",
        ResourceKind::ComputeEnvironment => "computeEnvironment",
        ResourceKind::JobQueue => "jobQueue",
        ResourceKind::TaskDefinition => "taskDefinition",
        ResourceKind::JobDefinition => "jobDefinition",
    }
}

/// `(field, value)` pairs with dotted fields (`computeResources.maxvCpus`) as nested JSON.
fn nested<'a>(fields: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let mut root = Map::new();
    for (field, value) in fields {
        let mut parts = field.split('.').peekable();
        let mut node = &mut root;
        while let Some(part) = parts.next() {
            if parts.peek().is_none() {
                node.insert(part.to_owned(), Value::String(value.to_owned()));
            } else {
                let next = node
                    .entry(part.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if !next.is_object() {
                    *next = Value::Object(Map::new());
                }
                let Value::Object(map) = next else {
                    unreachable!("made an object above")
                };
                node = map;
            }
        }
    }
    Value::Object(root)
}

/// The requests that create the step's resource.
fn create(step: &Step) -> Vec<AwsRequest> {
    let all = nested(step.settings.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let split = |prefix: &str| {
        let inner = nested(
            step.settings
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?, v.as_str()))),
        );
        let outer = nested(
            step.settings
                .iter()
                .filter(|(k, _)| !k.starts_with(prefix))
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        (inner, outer)
    };
    match step.kind {
        ResourceKind::Cluster => vec![request("ecs:CreateCluster", all)],
        ResourceKind::AutoScalingGroup => {
            let (template, group) = split("LaunchTemplate.");
            vec![
                request(
                    "ec2:CreateLaunchTemplate",
                    serde_json::json!({
                        "LaunchTemplateName": step.name,
                        "LaunchTemplateData": template,
                    }),
                ),
                request("autoscaling:CreateAutoScalingGroup", group),
            ]
        }
        ResourceKind::CapacityProvider => vec![request("ecs:CreateCapacityProvider", all)],
        ResourceKind::ClusterCapacityProviders => {
            vec![request("ecs:PutClusterCapacityProviders", all)]
        }
        ResourceKind::ComputeEnvironment => {
            vec![request("batch:CreateComputeEnvironment", all)]
        }
        ResourceKind::JobQueue => vec![request("batch:CreateJobQueue", all)],
        ResourceKind::TaskDefinition => vec![request("ecs:RegisterTaskDefinition", all)],
        ResourceKind::JobDefinition => vec![request("batch:RegisterJobDefinition", all)],
    }
}

/// The requests that change the step's fields in place.
fn update(step: &Step) -> Vec<AwsRequest> {
    let changed = || {
        let mut fields = vec![(name_field(step.kind), step.name.as_str())];
        fields.extend(
            step.changes
                .iter()
                .map(|c| (c.field.as_str(), c.new.as_deref().unwrap_or_default())),
        );
        nested(fields)
    };
    let operation = match step.kind {
        ResourceKind::Cluster => "ecs:UpdateClusterSettings",
        ResourceKind::AutoScalingGroup => {
            return vec![
                request(
                    "ec2:CreateLaunchTemplateVersion",
                    serde_json::json!({ "LaunchTemplateName": step.name }),
                ),
                request("autoscaling:UpdateAutoScalingGroup", changed()),
            ];
        }
        ResourceKind::CapacityProvider => "ecs:UpdateCapacityProvider",
        ResourceKind::ClusterCapacityProviders => "ecs:PutClusterCapacityProviders",
        ResourceKind::ComputeEnvironment => "batch:UpdateComputeEnvironment",
        ResourceKind::JobQueue => "batch:UpdateJobQueue",
        // Definitions are immutable: an update registers a new revision.
        ResourceKind::TaskDefinition | ResourceKind::JobDefinition => return create(step),
    };
    vec![request(operation, changed())]
}

/// The requests that delete the step's resource.
fn delete(step: &Step) -> Vec<AwsRequest> {
    let named = || serde_json::json!({ name_field(step.kind): step.name });
    let disabled = || serde_json::json!({ name_field(step.kind): step.name, "state": "DISABLED" });
    match step.kind {
        ResourceKind::Cluster => vec![request("ecs:DeleteCluster", named())],
        ResourceKind::AutoScalingGroup => vec![
            request(
                "autoscaling:DeleteAutoScalingGroup",
                serde_json::json!({ "AutoScalingGroupName": step.name, "ForceDelete": "true" }),
            ),
            request(
                "ec2:DeleteLaunchTemplate",
                serde_json::json!({ "LaunchTemplateName": step.name }),
            ),
        ],
        ResourceKind::CapacityProvider => {
            vec![request(
                "ecs:DeleteCapacityProvider",
                serde_json::json!({ "capacityProvider": step.name }),
            )]
        }
        ResourceKind::ClusterCapacityProviders => vec![request(
            "ecs:PutClusterCapacityProviders",
            serde_json::json!({
                "cluster": step.name,
                "capacityProviders": [],
                "defaultCapacityProviderStrategy": [],
            }),
        )],
        // Batch deletes only disabled compute environments and queues.
        ResourceKind::ComputeEnvironment => vec![
            request("batch:UpdateComputeEnvironment", disabled()),
            request("batch:DeleteComputeEnvironment", named()),
        ],
        ResourceKind::JobQueue => vec![
            request("batch:UpdateJobQueue", disabled()),
            request("batch:DeleteJobQueue", named()),
        ],
        ResourceKind::TaskDefinition => vec![request("ecs:DeregisterTaskDefinition", named())],
        ResourceKind::JobDefinition => vec![request("batch:DeregisterJobDefinition", named())],
    }
}

/// The AWS requests of one plan step, in the order the engine makes them (none for an
/// unchanged resource).
pub fn step_requests(step: &Step) -> Vec<AwsRequest> {
    match step.action {
        Action::NoChange => Vec::new(),
        Action::Create => create(step),
        Action::Update => update(step),
        Action::Delete => delete(step),
        Action::Replace => {
            let (first, then) = match step.replace_order {
                Some(ReplaceOrder::CreateBeforeDelete) => (create(step), delete(step)),
                _ => (delete(step), create(step)),
            };
            first.into_iter().chain(then).collect()
        }
    }
}

/// The batch:SubmitJob request of a checked submit-job form.
pub fn submit_job_request(job: &SubmitJob) -> AwsRequest {
    let mut payload = serde_json::json!({
        "jobName": job.name,
        "jobQueue": job.queue,
        "jobDefinition": job.job_definition,
    });
    if let Some(size) = job.array_size {
        payload["arrayProperties"] = serde_json::json!({ "size": size });
    }
    let map = |pairs: &[(String, String)]| {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        )
    };
    if !job.parameters.is_empty() {
        payload["parameters"] = map(&job.parameters);
    }
    if !job.tags.is_empty() {
        payload["tags"] = map(&job.tags);
    }
    if job.command.is_some() || job.vcpus.is_some() || job.memory.is_some() {
        let mut overrides = Map::new();
        if let Some(command) = &job.command {
            overrides.insert("command".into(), serde_json::json!(command));
        }
        let requirements: Vec<Value> = [
            ("VCPU", job.vcpus.clone()),
            ("MEMORY", job.memory.map(|m| m.to_string())),
        ]
        .into_iter()
        .filter_map(|(kind, value)| Some(serde_json::json!({"type": kind, "value": value?})))
        .collect();
        if !requirements.is_empty() {
            overrides.insert("resourceRequirements".into(), Value::Array(requirements));
        }
        payload["containerOverrides"] = Value::Object(overrides);
    }
    request("batch:SubmitJob", payload)
}

/// The ecs:RunTask request of one call of `count` tasks (the tasks are started in calls
/// of at most ten).
pub fn run_task_request(r: &RunTasks, count: u32) -> AwsRequest {
    let mut payload = serde_json::json!({
        "cluster": r.cluster,
        "taskDefinition": r.task_definition,
        "count": count,
        "startedBy": r.started_by,
        "propagateTags": "TASK_DEFINITION",
    });
    if !r.tags.is_empty() {
        payload["tags"] = Value::Array(
            r.tags
                .iter()
                .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
                .collect(),
        );
    }
    match &r.placement {
        Placement::ClusterDefault => {}
        Placement::Fargate => payload["launchType"] = "FARGATE".into(),
        Placement::Strategy(shares) => {
            payload["capacityProviderStrategy"] = Value::Array(
                shares
                    .iter()
                    .map(|s| {
                        serde_json::json!({
                            "capacityProvider": s.provider, "weight": s.weight, "base": s.base
                        })
                    })
                    .collect(),
            );
        }
    }
    if let Some(net) = &r.network {
        payload["networkConfiguration"] = serde_json::json!({
            "awsvpcConfiguration": {
                "subnets": net.subnets,
                "securityGroups": net.security_groups,
                "assignPublicIp": if net.public_ip { "ENABLED" } else { "DISABLED" },
            }
        });
    }
    let o = &r.overrides;
    if !o.is_empty() {
        let mut container = Map::new();
        container.insert("name".into(), o.container.clone().into());
        if let Some(command) = &o.command {
            container.insert("command".into(), serde_json::json!(command));
        }
        if let Some(cpu) = o.cpu {
            container.insert("cpu".into(), cpu.into());
        }
        if let Some(memory) = o.memory {
            container.insert("memory".into(), memory.into());
        }
        if !o.environment.is_empty() {
            container.insert(
                "environment".into(),
                o.environment
                    .iter()
                    .map(|(k, v)| serde_json::json!({"name": k, "value": v}))
                    .collect(),
            );
        }
        if let Some(gpus) = o.gpus {
            container.insert(
                "resourceRequirements".into(),
                serde_json::json!([{"type": "GPU", "value": gpus.to_string()}]),
            );
        }
        payload["overrides"] = serde_json::json!({ "containerOverrides": [container] });
    }
    request("ecs:RunTask", payload)
}

/// The `curl` command that makes the same REST API request (`$CONSOLE_URL` and
/// `$CONSOLE_TOKEN` set in the shell).
pub fn curl(method: &str, path: &str, body: Option<&Value>) -> String {
    let mut words = vec![
        "curl".to_owned(),
        "-X".into(),
        method.to_owned(),
        "-H".into(),
        // Double quotes: the shell expands the token.
        "\"Authorization: Bearer $CONSOLE_TOKEN\"".into(),
    ];
    if let Some(body) = body {
        words.extend([
            "-H".into(),
            shell_word("Content-Type: application/json"),
            "-d".into(),
            shell_word(&body.to_string()),
        ]);
    }
    words.push(format!("\"$CONSOLE_URL/api/v1{path}\""));
    words.join(" ")
}

/// The batch:CancelJob or batch:TerminateJob request of one job.
pub fn stop_job_request(job_id: &str, reason: &str, terminate: bool) -> AwsRequest {
    request(
        if terminate {
            "batch:TerminateJob"
        } else {
            "batch:CancelJob"
        },
        serde_json::json!({ "jobId": job_id, "reason": reason }),
    )
}

/// The ecs:StopTask request of one task.
pub fn stop_task_request(cluster: &str, task: &str, reason: &str) -> AwsRequest {
    request(
        "ecs:StopTask",
        serde_json::json!({ "cluster": cluster, "task": task, "reason": reason }),
    )
}

/// The `console` command that cancels or terminates `jobs` of environment `id`.
pub fn cli_cancel_jobs(id: &str, jobs: &[String], reason: &str) -> String {
    let mut words = vec![
        "console".to_owned(),
        "jobs".into(),
        "cancel".into(),
        shell_word(id),
    ];
    words.extend(jobs.iter().map(|j| shell_word(j)));
    words.extend(["--reason".into(), shell_word(reason)]);
    words.join(" ")
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The `console` commands that review and apply environment `id`'s plan.
pub fn cli_plan_apply(id: &str) -> Vec<String> {
    let id = shell_word(id);
    vec![
        format!("console plan {id} --out plan.json"),
        format!("console apply {id} --plan plan.json --wait"),
    ]
}

/// The `console` command that submits `job` to environment `id`.
pub fn cli_submit_job(id: &str, job: &SubmitJob) -> String {
    let mut words = vec![
        "console".to_owned(),
        "jobs".into(),
        "submit".into(),
        shell_word(id),
        "--name".into(),
        shell_word(&job.name),
    ];
    if let Some(size) = job.array_size {
        words.extend(["--array-size".into(), size.to_string()]);
    }
    for (k, v) in &job.parameters {
        words.extend(["--parameter".into(), shell_word(&format!("{k}={v}"))]);
    }
    if let Some(command) = &job.command {
        let json = serde_json::to_string(command).unwrap_or_default();
        words.extend(["--command".into(), shell_word(&json)]);
    }
    if let Some(vcpus) = &job.vcpus {
        words.extend(["--vcpus".into(), shell_word(vcpus)]);
    }
    if let Some(memory) = job.memory {
        words.extend(["--memory".into(), memory.to_string()]);
    }
    words.join(" ")
}

/// The `console` command that destroys environment `id` named `name`.
pub fn cli_destroy(id: &str, name: &str) -> String {
    format!(
        "console destroy {} --confirm {} --wait",
        shell_word(id),
        shell_word(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::{FieldChange, RecordedState, plan};
    use crate::domain::spec::presets::Preset;

    fn ops(step: &Step) -> Vec<String> {
        step_requests(step)
            .into_iter()
            .map(|r| r.operation)
            .collect()
    }

    #[test]
    fn a_new_environment_is_created_with_the_settings_the_plan_shows() {
        let roles = crate::domain::spec::presets::PresetRoles {
            instance_profile: "arn:aws:iam::123456789012:instance-profile/ecs".into(),
            execution_role: "arn:aws:iam::123456789012:role/exec".into(),
            job_role: "arn:aws:iam::123456789012:role/job".into(),
        };
        let network = crate::domain::spec::Network {
            vpc_id: "vpc-12345678".into(),
            subnets: vec!["subnet-12345678".into()],
            security_group_ids: vec!["sg-12345678".into()],
        };
        let spec = Preset::spec(Preset::GpuG5, "infer", "us-east-1", network, &roles);
        let plan = plan(&spec, &RecordedState::default(), &[]);
        let all: Vec<String> = plan.steps.iter().flat_map(ops).collect();
        assert_eq!(all[0], "ecs:CreateCluster");
        assert!(all.contains(&"ec2:CreateLaunchTemplate".to_owned()));
        assert!(all.contains(&"autoscaling:CreateAutoScalingGroup".to_owned()));
        assert!(all.contains(&"batch:CreateComputeEnvironment".to_owned()));
        let ce = plan
            .steps
            .iter()
            .find(|s| s.kind == ResourceKind::ComputeEnvironment)
            .unwrap();
        let payload: Value = serde_json::from_str(&step_requests(ce)[0].payload).unwrap();
        let max = ce
            .settings
            .iter()
            .find(|(k, _)| k == "computeResources.maxvCpus")
            .unwrap();
        assert_eq!(payload["computeResources"]["maxvCpus"], max.1.as_str());
        assert_eq!(payload["computeEnvironmentName"], ce.name.as_str());
        // The launch template's fields go to the template, not the group.
        let group = plan
            .steps
            .iter()
            .find(|s| s.kind == ResourceKind::AutoScalingGroup)
            .unwrap();
        let reqs = step_requests(group);
        let template: Value = serde_json::from_str(&reqs[0].payload).unwrap();
        let asg: Value = serde_json::from_str(&reqs[1].payload).unwrap();
        assert!(
            template["LaunchTemplateData"]["ImageId"].is_string(),
            "{template}"
        );
        assert!(asg.get("LaunchTemplate").is_none(), "{asg}");
        assert!(asg["MaxSize"].is_string());
    }

    fn step(kind: ResourceKind, action: Action, order: Option<ReplaceOrder>) -> Step {
        Step {
            kind,
            name: "infer-ce".into(),
            action,
            settings: vec![("computeEnvironmentName".into(), "infer-ce".into())],
            changes: vec![FieldChange {
                field: "computeResources.maxvCpus".into(),
                old: Some("64".into()),
                new: Some("128".into()),
                forces_replacement: None,
            }],
            replace_order: order,
            note: None,
        }
    }

    #[test]
    fn updates_send_the_changed_fields_and_deletes_disable_first() {
        let ce = ResourceKind::ComputeEnvironment;
        let update = step_requests(&step(ce, Action::Update, None));
        assert_eq!(update.len(), 1);
        assert_eq!(update[0].operation, "batch:UpdateComputeEnvironment");
        let payload: Value = serde_json::from_str(&update[0].payload).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"computeEnvironment": "infer-ce", "computeResources": {"maxvCpus": "128"}})
        );
        assert_eq!(
            ops(&step(ce, Action::Delete, None)),
            [
                "batch:UpdateComputeEnvironment",
                "batch:DeleteComputeEnvironment"
            ]
        );
        assert_eq!(
            ops(&step(
                ce,
                Action::Replace,
                Some(ReplaceOrder::CreateBeforeDelete)
            )),
            [
                "batch:CreateComputeEnvironment",
                "batch:UpdateComputeEnvironment",
                "batch:DeleteComputeEnvironment"
            ]
        );
        assert_eq!(
            ops(&step(
                ce,
                Action::Replace,
                Some(ReplaceOrder::DeleteBeforeCreate)
            ))[0],
            "batch:UpdateComputeEnvironment"
        );
        assert!(ops(&step(ce, Action::NoChange, None)).is_empty());
        assert_eq!(
            ops(&step(ResourceKind::JobDefinition, Action::Update, None)),
            ["batch:RegisterJobDefinition"]
        );
    }

    #[test]
    fn commands_quote_what_the_shell_would_split() {
        assert_eq!(shell_word("abc-1_2"), "abc-1_2");
        assert_eq!(shell_word("my env"), "'my env'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(
            cli_destroy("e1", "demo"),
            "console destroy e1 --confirm demo --wait"
        );
        assert_eq!(
            cli_plan_apply("e1")[1],
            "console apply e1 --plan plan.json --wait"
        );
    }

    #[test]
    fn curl_commands_expand_the_token_and_quote_the_body() {
        assert_eq!(
            curl("POST", "/environments/e1/refresh", None),
            r#"curl -X POST -H "Authorization: Bearer $CONSOLE_TOKEN" "$CONSOLE_URL/api/v1/environments/e1/refresh""#
        );
        let body = serde_json::json!({"reason": "it's done"});
        assert!(
            curl("POST", "/x", Some(&body)).contains(r#"-d '{"reason":"it'\''s done"}'"#),
            "{}",
            curl("POST", "/x", Some(&body))
        );
    }

    #[test]
    fn stopping_names_the_operation_by_the_job_state() {
        assert_eq!(
            stop_job_request("j1", "done", false).operation,
            "batch:CancelJob"
        );
        assert_eq!(
            stop_job_request("j1", "done", true).operation,
            "batch:TerminateJob"
        );
        let stop: Value =
            serde_json::from_str(&stop_task_request("c", "t1", "why").payload).unwrap();
        assert_eq!(
            stop,
            serde_json::json!({"cluster": "c", "task": "t1", "reason": "why"})
        );
        assert_eq!(
            cli_cancel_jobs("e1", &["j1".into(), "j2".into()], "no longer needed"),
            "console jobs cancel e1 j1 j2 --reason 'no longer needed'"
        );
    }

    #[test]
    fn submit_job_request_carries_the_array_and_parameters() {
        let job = SubmitJob {
            queue: "q".into(),
            job_definition: "d".into(),
            name: "n".into(),
            array_size: Some(10),
            parameters: vec![("model".into(), "m1".into())],
            command: Some(vec!["python3".into(), "infer.py".into()]),
            vcpus: Some("4".into()),
            memory: None,
            tags: vec![("console:submitted-by".into(), "alice".into())],
        };
        let payload: Value = serde_json::from_str(&submit_job_request(&job).payload).unwrap();
        assert_eq!(payload["arrayProperties"]["size"], 10);
        assert_eq!(payload["parameters"]["model"], "m1");
        assert_eq!(payload["jobQueue"], "q");
        assert_eq!(payload["containerOverrides"]["command"][1], "infer.py");
        assert_eq!(
            payload["containerOverrides"]["resourceRequirements"],
            serde_json::json!([{"type": "VCPU", "value": "4"}])
        );
        assert_eq!(payload["tags"]["console:submitted-by"], "alice");
        assert_eq!(
            cli_submit_job("e1", &job),
            r#"console jobs submit e1 --name n --array-size 10 --parameter model=m1 --command '["python3","infer.py"]' --vcpus 4"#
        );
    }
}
