//! How a count is split into RunTask calls, and why tasks cannot be placed, in plain
//! words with the numbers that show it.

use serde::{Deserialize, Serialize};

/// ecs:RunTask starts at most this many tasks per call.
pub const RUN_TASK_MAX: u32 = 10;

/// The `count` of each RunTask call that starts `total` tasks: tens, then the rest.
pub fn batches(total: u32) -> Vec<u32> {
    let mut out = vec![RUN_TASK_MAX; (total / RUN_TASK_MAX) as usize];
    if !total.is_multiple_of(RUN_TASK_MAX) {
        out.push(total % RUN_TASK_MAX);
    }
    out
}

/// One entry of RunTask's `failures` (or, for a refused call, its error message).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskFailure {
    /// The container instance or resource it concerns, if any.
    pub arn: Option<String>,
    /// AWS's reason, e.g. `RESOURCE:CPU`, `AGENT`, `MISSING`.
    pub reason: String,
    /// AWS's detail, if any.
    pub detail: Option<String>,
}

/// What one ecs:RunTask call answered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunTaskAnswer {
    /// The tasks it started.
    pub tasks: Vec<super::TaskSummary>,
    /// The tasks it could not place, and why.
    pub failures: Vec<TaskFailure>,
}

/// What the console knows about the cluster's EC2 capacity when tasks cannot be placed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityFacts {
    /// Container instances registered with the cluster and ACTIVE.
    pub registered_instances: u32,
    /// Instances InService in the capacity provider's Auto Scaling group.
    pub in_service_instances: u32,
    /// The group's desired capacity.
    pub desired_capacity: u32,
    /// The group's maximum size.
    pub max_size: u32,
    /// Whether the capacity provider's managed scaling is enabled.
    pub managed_scaling: bool,
    /// The capacity provider's current reservation (CapacityProviderReservation), percent.
    pub reservation: Option<u32>,
    /// Whether any of the group's instance types has GPUs.
    pub gpu_instances: bool,
    /// GPUs the task asks for (0: none).
    pub task_gpus: u32,
    /// Tasks waiting in PROVISIONING.
    pub provisioning_tasks: u32,
}

/// Why tasks are not running, and what to check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// A stable key, e.g. `no-instances`.
    pub key: String,
    /// What is wrong, with the numbers that show it.
    pub problem: String,
    /// What to check or change.
    pub check: String,
}

fn diagnosis(key: &'static str, problem: String, check: &str) -> Diagnosis {
    Diagnosis {
        key: key.to_owned(),
        problem,
        check: check.to_owned(),
    }
}

/// Explains RunTask `failures` (and tasks stuck in PROVISIONING) against `facts`.
/// Each cause appears once, in the order of the checks; unknown reasons are shown as AWS
/// gave them.
pub fn diagnose(failures: &[TaskFailure], facts: &CapacityFacts) -> Vec<Diagnosis> {
    let mut out: Vec<Diagnosis> = Vec::new();
    let mut add = |d: Diagnosis| {
        if !out.iter().any(|o| o.key == d.key) {
            out.push(d);
        }
    };
    let gave = |prefix: &str| failures.iter().any(|f| f.reason.starts_with(prefix));
    let no_instances = failures
        .iter()
        .any(|f| f.reason.contains("No Container Instances were found"));
    let waiting = !failures.is_empty() || facts.provisioning_tasks > 0;
    if no_instances || (waiting && facts.registered_instances == 0) {
        if facts.in_service_instances > 0 {
            add(diagnosis(
                "instances-not-joined",
                format!(
                    "{} instance(s) are in service in the Auto Scaling group but none is registered with the cluster",
                    facts.in_service_instances
                ),
                "Check the instances' ECS agent: the launch template's user data must set ECS_CLUSTER to this cluster, the instance profile must allow ecs:RegisterContainerInstance, and the subnets must reach the ECS endpoint",
            ));
        } else {
            add(diagnosis(
                "no-instances",
                format!(
                    "No container instance is registered with the cluster (the group wants {} of at most {})",
                    facts.desired_capacity, facts.max_size
                ),
                "Wait for managed scaling to launch instances, or raise the group's desired capacity",
            ));
        }
    }
    if gave("RESOURCE:GPU") || (facts.task_gpus > 0 && !facts.gpu_instances) {
        let problem = if facts.gpu_instances {
            format!(
                "The task asks for {} GPU(s) and no registered instance has that many free",
                facts.task_gpus
            )
        } else {
            format!(
                "The task asks for {} GPU(s) but the group's instance types have none",
                facts.task_gpus
            )
        };
        add(diagnosis(
            "gpu",
            problem,
            "Use GPU instance types (g5, g6, p4d...) with the ECS GPU-optimised AMI, or lower the task's GPUs",
        ));
    }
    for (reason, key, what) in [
        ("RESOURCE:CPU", "cpu", "CPU"),
        ("RESOURCE:MEMORY", "memory", "memory"),
    ] {
        if gave(reason) {
            add(diagnosis(
                key,
                format!(
                    "No registered instance has the {what} the task needs free ({} instance(s) registered)",
                    facts.registered_instances
                ),
                "Larger instance types, or fewer tasks per instance: lower the task's size",
            ));
        }
    }
    if waiting {
        if !facts.managed_scaling {
            add(diagnosis(
                "scaling-disabled",
                "The capacity provider's managed scaling is disabled: nothing adds instances for waiting tasks".into(),
                "Enable managed scaling on the capacity provider, or scale the group by hand",
            ));
        } else if facts.desired_capacity >= facts.max_size && facts.max_size > 0 {
            add(diagnosis(
                "at-maximum",
                format!(
                    "The group is at its maximum size ({} of {}): managed scaling cannot add instances{}",
                    facts.desired_capacity,
                    facts.max_size,
                    facts
                        .reservation
                        .map(|r| format!(" (reservation {r}%)"))
                        .unwrap_or_default()
                ),
                "Raise the Auto Scaling group's maximum size, or run fewer tasks at once",
            ));
        }
    }
    if gave("AGENT") {
        add(diagnosis(
            "agent",
            "The ECS agent of an instance is disconnected".into(),
            "Check the instance: the agent must run and reach the ECS endpoint",
        ));
    }
    if gave("ATTRIBUTE") {
        add(diagnosis(
            "attribute",
            "No instance has an attribute the task requires (placement constraint, platform or network mode)".into(),
            "Check the task definition's requirements against the instances' attributes",
        ));
    }
    for f in failures {
        let known = ["RESOURCE:", "AGENT", "ATTRIBUTE"]
            .iter()
            .any(|k| f.reason.starts_with(k))
            || f.reason.contains("No Container Instances were found");
        if !known {
            let problem = match &f.detail {
                Some(d) => format!("AWS: {} ({d})", f.reason),
                None => format!("AWS: {}", f.reason),
            };
            out.push(Diagnosis {
                key: "aws".into(),
                problem,
                check: "See the reason in the ECS documentation's API failure reasons".into(),
            });
        }
    }
    out
}

/// Explains RunTask failures on Fargate (no EC2 capacity to reason about): each as AWS
/// gave it, once per reason.
pub fn explain_fargate(failures: &[TaskFailure]) -> Vec<Diagnosis> {
    let mut out: Vec<Diagnosis> = Vec::new();
    for f in failures {
        let problem = match &f.detail {
            Some(d) => format!("AWS: {} ({d})", f.reason),
            None => format!("AWS: {}", f.reason),
        };
        if !out.iter().any(|d| d.problem == problem) {
            out.push(Diagnosis {
                key: "aws".into(),
                problem,
                check: "Fargate could not start these tasks: check the subnets (free IP addresses, a route to the image registry) and the Fargate quotas of the account".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_split_into_calls_of_at_most_ten() {
        assert_eq!(batches(0), Vec::<u32>::new());
        assert_eq!(batches(1), vec![1]);
        assert_eq!(batches(10), vec![10]);
        assert_eq!(batches(25), vec![10, 10, 5]);
        for total in 0..200 {
            let b = batches(total);
            assert_eq!(b.iter().sum::<u32>(), total);
            assert!(b.iter().all(|&n| (1..=RUN_TASK_MAX).contains(&n)));
            assert_eq!(b.len() as u32, total.div_ceil(RUN_TASK_MAX));
        }
    }

    /// The `failures` of a RunTask answer, as AWS returns them (JSON).
    fn recorded(json: &str) -> Vec<TaskFailure> {
        #[derive(Deserialize)]
        struct Answer {
            failures: Vec<Failure>,
        }
        #[derive(Deserialize)]
        struct Failure {
            arn: Option<String>,
            reason: String,
            detail: Option<String>,
        }
        let answer: Answer = serde_json::from_str(json).unwrap();
        answer
            .failures
            .into_iter()
            .map(|f| TaskFailure {
                arn: f.arn,
                reason: f.reason,
                detail: f.detail,
            })
            .collect()
    }

    fn keys(d: &[Diagnosis]) -> Vec<&str> {
        d.iter().map(|d| d.key.as_str()).collect()
    }

    fn facts() -> CapacityFacts {
        CapacityFacts {
            registered_instances: 2,
            in_service_instances: 2,
            desired_capacity: 2,
            max_size: 8,
            managed_scaling: true,
            reservation: Some(100),
            gpu_instances: true,
            task_gpus: 1,
            provisioning_tasks: 0,
        }
    }

    #[test]
    fn resource_shortages_name_the_resource_and_the_instances() {
        let failures = recorded(
            r#"{"tasks": [], "failures": [
                {"arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/infer/0123", "reason": "RESOURCE:MEMORY"},
                {"arn": "arn:aws:ecs:us-east-1:123456789012:container-instance/infer/4567", "reason": "RESOURCE:CPU"}
            ]}"#,
        );
        let d = diagnose(&failures, &facts());
        assert_eq!(keys(&d), ["cpu", "memory"]);
        assert!(d[0].problem.contains("(2 instance(s) registered)"), "{d:?}");
    }

    #[test]
    fn no_instances_tells_joined_from_not_launched() {
        // AWS refuses the call itself: the adapter passes the error message as a reason.
        let refused = vec![TaskFailure {
            arn: None,
            reason: "No Container Instances were found in your cluster.".into(),
            detail: None,
        }];
        let none = CapacityFacts {
            registered_instances: 0,
            in_service_instances: 0,
            desired_capacity: 0,
            ..facts()
        };
        let d = diagnose(&refused, &none);
        assert_eq!(keys(&d), ["no-instances"]);
        assert_eq!(
            d[0].problem,
            "No container instance is registered with the cluster (the group wants 0 of at most 8)"
        );
        let not_joined = CapacityFacts {
            registered_instances: 0,
            in_service_instances: 3,
            ..facts()
        };
        assert_eq!(
            keys(&diagnose(&refused, &not_joined)),
            ["instances-not-joined"]
        );
    }

    #[test]
    fn gpu_tasks_on_instances_without_gpus() {
        let failures = recorded(r#"{"failures": [{"arn": "arn:i", "reason": "RESOURCE:GPU"}]}"#);
        let cpu_only = CapacityFacts {
            gpu_instances: false,
            ..facts()
        };
        let d = diagnose(&failures, &cpu_only);
        assert_eq!(keys(&d), ["gpu"]);
        assert_eq!(
            d[0].problem,
            "The task asks for 1 GPU(s) but the group's instance types have none"
        );
    }

    #[test]
    fn provisioning_tasks_blame_disabled_scaling_or_the_maximum() {
        let waiting = CapacityFacts {
            provisioning_tasks: 25,
            ..facts()
        };
        let disabled = CapacityFacts {
            managed_scaling: false,
            ..waiting.clone()
        };
        assert_eq!(keys(&diagnose(&[], &disabled)), ["scaling-disabled"]);
        let full = CapacityFacts {
            desired_capacity: 8,
            ..waiting.clone()
        };
        let d = diagnose(&[], &full);
        assert_eq!(keys(&d), ["at-maximum"]);
        assert_eq!(
            d[0].problem,
            "The group is at its maximum size (8 of 8): managed scaling cannot add instances (reservation 100%)"
        );
        // Room to grow and scaling on: nothing to blame yet.
        assert_eq!(diagnose(&[], &waiting), vec![]);
    }

    #[test]
    fn other_reasons_are_shown_as_aws_gave_them_and_causes_once() {
        let failures = recorded(
            r#"{"failures": [
                {"arn": "arn:a", "reason": "AGENT"},
                {"arn": "arn:b", "reason": "AGENT"},
                {"arn": "arn:c", "reason": "MISSING", "detail": "the task definition is inactive"}
            ]}"#,
        );
        let d = diagnose(&failures, &facts());
        assert_eq!(keys(&d), ["agent", "aws"]);
        assert_eq!(
            d[1].problem,
            "AWS: MISSING (the task definition is inactive)"
        );
    }
}
