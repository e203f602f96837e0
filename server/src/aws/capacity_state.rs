//! Reading what an environment's compute can run now (the capacity view and its
//! samples): the compute environment (aws-sdk-batch), the Auto Scaling group
//! (aws-sdk-autoscaling), the capacity provider, the cluster, its container instances
//! and tasks (aws-sdk-ecs). Read in parallel.

use app::domain::capacity::{
    CapacitySample, CapacityTargets, ClusterCapacity, ComputeEnvironmentCapacity, GroupCapacity,
    InstanceLoad, ProviderCapacity, reservation,
};
use app::domain::tasks::TaskStatus;
use app::engine::CloudError;
use aws_sdk_ecs::types::ManagedScalingStatus;

use super::cloud::RegionClients;
use super::error::cloud_error;

fn count(n: Option<i32>) -> u32 {
    n.and_then(|n| u32::try_from(n).ok()).unwrap_or(0)
}

async fn compute_environment(
    c: &RegionClients,
    name: &str,
) -> Result<Option<ComputeEnvironmentCapacity>, CloudError> {
    let out = c
        .batch
        .describe_compute_environments()
        .compute_environments(name)
        .send()
        .await
        .map_err(|e| cloud_error("batch:DescribeComputeEnvironments", e))?;
    Ok(out.compute_environments().first().map(|ce| {
        let r = ce.compute_resources();
        ComputeEnvironmentCapacity {
            status: ce
                .status()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            state: ce
                .state()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            min_vcpus: count(r.and_then(|r| r.minv_cpus())),
            desired_vcpus: count(r.and_then(|r| r.desiredv_cpus())),
            max_vcpus: count(r.and_then(|r| r.maxv_cpus())),
        }
    }))
}

async fn group(c: &RegionClients, name: &str) -> Result<Option<GroupCapacity>, CloudError> {
    let out = c
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|e| cloud_error("autoscaling:DescribeAutoScalingGroups", e))?;
    Ok(out.auto_scaling_groups().first().map(|g| {
        let state = |prefix: &str| {
            u32::try_from(
                g.instances()
                    .iter()
                    .filter(|i| {
                        i.lifecycle_state()
                            .is_some_and(|s| s.as_str().starts_with(prefix))
                    })
                    .count(),
            )
            .unwrap_or(u32::MAX)
        };
        GroupCapacity {
            min: count(g.min_size()),
            max: count(g.max_size()),
            desired: count(g.desired_capacity()),
            in_service: state("InService"),
            pending: state("Pending"),
        }
    }))
}

/// Managed scaling on, and its target capacity.
async fn provider(c: &RegionClients, name: &str) -> Result<Option<(bool, u32)>, CloudError> {
    let out = c
        .ecs
        .describe_capacity_providers()
        .capacity_providers(name)
        .send()
        .await
        .map_err(|e| cloud_error("ecs:DescribeCapacityProviders", e))?;
    Ok(out
        .capacity_providers()
        .first()
        .and_then(|p| p.auto_scaling_group_provider())
        .map(|a| {
            let scaling = a.managed_scaling();
            (
                scaling
                    .and_then(|m| m.status())
                    .is_some_and(|s| *s == ManagedScalingStatus::Enabled),
                count(scaling.and_then(|m| m.target_capacity())),
            )
        }))
}

/// The cluster's container instances, as placement sees them.
async fn instances(c: &RegionClients, cluster: &str) -> Result<Vec<InstanceLoad>, CloudError> {
    let mut arns = Vec::new();
    let mut pages = c
        .ecs
        .list_container_instances()
        .cluster(cluster)
        .max_results(100)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("ecs:ListContainerInstances", e))?;
        arns.extend(page.container_instance_arns().iter().cloned());
    }
    let mut out = Vec::with_capacity(arns.len());
    for chunk in arns.chunks(100) {
        let described = c
            .ecs
            .describe_container_instances()
            .cluster(cluster)
            .set_container_instances(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| cloud_error("ecs:DescribeContainerInstances", e))?;
        out.extend(described.container_instances().iter().map(|i| {
            let registered = |name: &str| {
                i.registered_resources()
                    .iter()
                    .find(|r| r.name() == Some(name))
                    .and_then(|r| u32::try_from(r.integer_value()).ok())
                    .unwrap_or(0)
            };
            InstanceLoad {
                running_tasks: u32::try_from(i.running_tasks_count()).unwrap_or(0),
                cpu: registered("CPU"),
                memory: registered("MEMORY"),
            }
        }));
    }
    Ok(out)
}

/// Reads the capacity of `t`. The cluster part reads its container instances and tasks;
/// the reservation counts the tasks placed through the environment's provider.
pub(super) async fn read(
    c: &RegionClients,
    t: &CapacityTargets,
) -> Result<CapacitySample, CloudError> {
    let clusters = async {
        c.ecs
            .describe_clusters()
            .clusters(&t.cluster)
            .send()
            .await
            .map_err(|e| cloud_error("ecs:DescribeClusters", e))
    };
    let group_read = async {
        match &t.group {
            Some(g) => group(c, g).await,
            None => Ok(None),
        }
    };
    let provider_read = async {
        match &t.provider {
            Some(p) => provider(c, p).await,
            None => Ok(None),
        }
    };
    let (ce, clusters, group, provider) = tokio::try_join!(
        compute_environment(c, &t.compute_environment),
        clusters,
        group_read,
        provider_read
    )?;
    let Some(cl) = clusters
        .clusters()
        .first()
        .filter(|cl| cl.status() != Some("INACTIVE"))
    else {
        return Ok(CapacitySample {
            compute_environment: ce,
            group,
            provider: provider.map(|(managed_scaling, target_capacity)| ProviderCapacity {
                managed_scaling,
                target_capacity,
                reservation: 100,
            }),
            ..CapacitySample::default()
        });
    };
    // An idle cluster (no instance registered, no task running or waiting) has no
    // load to read: its sample costs the four describes, not four more calls.
    let idle = cl.registered_container_instances_count() == 0
        && cl.running_tasks_count() == 0
        && cl.pending_tasks_count() == 0;
    let (loads, tasks) = if idle {
        (Vec::new(), Vec::new())
    } else {
        tokio::try_join!(
            instances(c, &t.cluster),
            super::tasks::list_tasks(c, &t.cluster)
        )?
    };
    let live: Vec<_> = tasks
        .iter()
        .filter(|t| t.status != Some(TaskStatus::Stopped))
        .collect();
    let sum = |tasks: &[&app::domain::tasks::TaskSummary]| {
        tasks.iter().fold((0_u32, 0_u32), |(c, m), t| {
            (
                c.saturating_add(t.cpu.unwrap_or(0)),
                m.saturating_add(t.memory.unwrap_or(0)),
            )
        })
    };
    let waiting_on_provider: Vec<_> = live
        .iter()
        .copied()
        .filter(|task| {
            matches!(
                task.status,
                Some(TaskStatus::Provisioning | TaskStatus::Pending)
            ) && task.capacity_provider.is_some()
                && task.capacity_provider == t.provider
        })
        .collect();
    let supply = loads.iter().fold((0_u32, 0_u32), |(c, m), i| {
        (c.saturating_add(i.cpu), m.saturating_add(i.memory))
    });
    let group_instances = group
        .as_ref()
        .map(|g| g.in_service + g.pending)
        .unwrap_or(0);
    Ok(CapacitySample {
        at: String::new(),
        compute_environment: ce,
        provider: provider.map(|(managed_scaling, target_capacity)| ProviderCapacity {
            managed_scaling,
            target_capacity,
            reservation: reservation(&loads, group_instances, sum(&waiting_on_provider)),
        }),
        group,
        cluster: Some(ClusterCapacity {
            status: cl.status().unwrap_or_default().to_owned(),
            registered_instances: u32::try_from(cl.registered_container_instances_count())
                .unwrap_or(0),
            running_tasks: u32::try_from(cl.running_tasks_count()).unwrap_or(0),
            pending_tasks: u32::try_from(cl.pending_tasks_count()).unwrap_or(0),
            demand: sum(&live),
            supply,
        }),
    })
}
