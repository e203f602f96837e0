//! The EC2 capacity of an ECS cluster: the Auto Scaling group with its launch template
//! (aws-sdk-autoscaling, aws-sdk-ec2), the capacity provider over it and the cluster's
//! capacity providers with their default strategy (aws-sdk-ecs).

use std::collections::BTreeMap;

use app::domain::spec::{CapacityProviderSpec, NewAutoScalingGroup, StrategyItem};
use app::engine::{CloudError, ENVIRONMENT_TAG, Observed};
use aws_sdk_autoscaling::types::{
    LaunchTemplate, LaunchTemplateOverrides, LaunchTemplateSpecification, MixedInstancesPolicy,
};
use aws_sdk_ec2::types::{
    LaunchTemplateIamInstanceProfileSpecificationRequest, RequestLaunchTemplateData, ResourceType,
    TagSpecification,
};
use aws_sdk_ecs::types::{
    AutoScalingGroupProvider, AutoScalingGroupProviderUpdate, CapacityProviderField,
    CapacityProviderStatus, CapacityProviderStrategyItem, CapacityProviderUpdateStatus,
    ClusterField, ManagedDraining, ManagedScaling, ManagedScalingStatus,
    ManagedTerminationProtection,
};
use base64::Engine as _;

use super::cloud::RegionClients;
use super::error::{cloud_error, malformed};

/// At most this many instance ids per SetInstanceProtection call (AWS's limit).
const PROTECTION_BATCH: usize = 50;

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// What the group to create is made of (see `DesiredResource::AutoScalingGroup`).
pub(super) struct GroupRequest<'a> {
    pub group: &'a NewAutoScalingGroup,
    pub subnets: &'a [String],
    pub security_groups: &'a [String],
    pub cluster: &'a str,
}

/// The launch template's data: the ECS-optimised AMI of the family (resolved by EC2 from
/// its public SSM parameter at each launch), the instance profile, the security groups
/// and user data that joins the instance to the cluster.
fn launch_template_data(r: &GroupRequest<'_>) -> RequestLaunchTemplateData {
    let profile = r.group.instance_profile.as_deref().unwrap_or_default();
    let profile = if profile.starts_with("arn:") {
        LaunchTemplateIamInstanceProfileSpecificationRequest::builder().arn(profile)
    } else {
        LaunchTemplateIamInstanceProfileSpecificationRequest::builder().name(profile)
    };
    let user_data = format!(
        "#!/bin/bash\necho ECS_CLUSTER={} >> /etc/ecs/ecs.config\n",
        r.cluster
    );
    RequestLaunchTemplateData::builder()
        .image_id(format!("resolve:ssm:{}", r.group.image().ami_parameter()))
        .iam_instance_profile(profile.build())
        .set_security_group_ids(Some(r.security_groups.to_vec()))
        .user_data(base64::engine::general_purpose::STANDARD.encode(user_data))
        .build()
}

/// Creates the group's launch template (`true`), or adopts one of its name that carries
/// this environment's tag (`false`: an earlier attempt made it); refuses anyone else's.
async fn ensure_launch_template(
    c: &RegionClients,
    r: &GroupRequest<'_>,
    tags: &[(String, String)],
) -> Result<bool, CloudError> {
    let name = &r.group.name;
    let ec2_tags: Vec<aws_sdk_ec2::types::Tag> = tags
        .iter()
        .map(|(k, v)| aws_sdk_ec2::types::Tag::builder().key(k).value(v).build())
        .collect();
    let created = c
        .ec2
        .create_launch_template()
        .launch_template_name(name)
        .launch_template_data(launch_template_data(r))
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::LaunchTemplate)
                .set_tags(Some(ec2_tags))
                .build(),
        )
        .send()
        .await;
    let Err(e) = created else { return Ok(true) };
    let e = cloud_error("ec2:CreateLaunchTemplate", e);
    if e.code.as_deref() != Some("InvalidLaunchTemplateName.AlreadyExistsException") {
        return Err(e);
    }
    let ours = tags.iter().find(|(k, _)| k == ENVIRONMENT_TAG);
    match launch_template_tags(c, name).await? {
        Some(found) if ours.is_some_and(|(k, v)| found.get(k) == Some(v)) => {
            // Ours, from an interrupted run: make its latest version the wanted one.
            new_launch_template_version(c, r).await.map(|()| false)
        }
        _ => Err(CloudError {
            operation: "ec2:CreateLaunchTemplate".into(),
            code: e.code,
            message: format!(
                "a launch template named {name} already exists and was not created by this environment"
            ),
            request_id: e.request_id,
        }),
    }
}

/// The tags of the launch template `name`, or `None` if there is none.
async fn launch_template_tags(
    c: &RegionClients,
    name: &str,
) -> Result<Option<BTreeMap<String, String>>, CloudError> {
    match c
        .ec2
        .describe_launch_templates()
        .launch_template_names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.launch_templates().first().map(|t| {
            t.tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect()
        })),
        Err(e) => {
            let e = cloud_error("ec2:DescribeLaunchTemplates", e);
            if e.code.as_deref() == Some("InvalidLaunchTemplateName.NotFoundException") {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// Adds a version with the wanted data; the group launches `$Latest`.
async fn new_launch_template_version(
    c: &RegionClients,
    r: &GroupRequest<'_>,
) -> Result<(), CloudError> {
    c.ec2
        .create_launch_template_version()
        .launch_template_name(&r.group.name)
        .launch_template_data(launch_template_data(r))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| cloud_error("ec2:CreateLaunchTemplateVersion", e))
}

fn mixed_instances_policy(g: &NewAutoScalingGroup) -> MixedInstancesPolicy {
    MixedInstancesPolicy::builder()
        .launch_template(
            LaunchTemplate::builder()
                .launch_template_specification(
                    LaunchTemplateSpecification::builder()
                        .launch_template_name(&g.name)
                        .version("$Latest")
                        .build(),
                )
                .set_overrides(Some(
                    g.instance_types
                        .iter()
                        .map(|t| LaunchTemplateOverrides::builder().instance_type(t).build())
                        .collect(),
                ))
                .build(),
        )
        .build()
}

/// Creates the launch template and the group; returns the group's ARN.
pub(super) async fn create_group(
    c: &RegionClients,
    r: GroupRequest<'_>,
    tags: &[(String, String)],
) -> Result<String, CloudError> {
    let made_template = ensure_launch_template(c, &r, tags).await?;
    let g = r.group;
    let op = "autoscaling:CreateAutoScalingGroup";
    let created = c
        .autoscaling
        .create_auto_scaling_group()
        .auto_scaling_group_name(&g.name)
        .mixed_instances_policy(mixed_instances_policy(g))
        .min_size(to_i32(g.min_size))
        .max_size(to_i32(g.max_size))
        .desired_capacity(to_i32(g.desired_capacity))
        .vpc_zone_identifier(r.subnets.join(","))
        .new_instances_protected_from_scale_in(g.protect_from_scale_in)
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| {
                    aws_sdk_autoscaling::types::Tag::builder()
                        .resource_id(&g.name)
                        .resource_type("auto-scaling-group")
                        .key(k)
                        .value(v)
                        .propagate_at_launch(true)
                        .build()
                })
                .collect(),
        ))
        .send()
        .await
        .map_err(|e| cloud_error(op, e));
    if let Err(e) = created {
        // The name is someone else's group: take back the template just made for it.
        if made_template && e.code.as_deref() == Some("AlreadyExists") {
            let ours = tags.iter().find(|(k, _)| k == ENVIRONMENT_TAG);
            let theirs = read_group(c, &g.name).await?;
            if theirs.is_some_and(|o| ours.is_none_or(|(k, v)| o.tags.get(k) != Some(v))) {
                delete_launch_template(c, &g.name).await?;
            }
        }
        return Err(e);
    }
    // CreateAutoScalingGroup answers with nothing: the ARN comes from a describe, which
    // may lag the create for a moment.
    for pause_ms in [0, 200, 400, 800, 1600, 3200] {
        tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
        if let Some(o) = read_group(c, &g.name).await? {
            return Ok(o.arn);
        }
    }
    Err(malformed(
        "autoscaling:DescribeAutoScalingGroups",
        "group just created",
    ))
}

/// Changes `fields` of the group in place (UpdateAutoScalingGroup), and gives its launch
/// template a new version when a launch setting changed.
pub(super) async fn update_group(
    c: &RegionClients,
    r: GroupRequest<'_>,
    fields: &[String],
) -> Result<(), CloudError> {
    let has = |f: &str| fields.iter().any(|x| x == f);
    if fields.iter().any(|f| f.starts_with("LaunchTemplate.")) {
        new_launch_template_version(c, &r).await?;
    }
    let g = r.group;
    let mut request = c
        .autoscaling
        .update_auto_scaling_group()
        .auto_scaling_group_name(&g.name);
    // The instance types go with every update: unchanged they change nothing in AWS,
    // and moto's UpdateAutoScalingGroup fails without them.
    let mut any = has("MixedInstancesPolicy.Overrides.InstanceType");
    request = request.mixed_instances_policy(mixed_instances_policy(g));
    if has("MinSize") {
        request = request.min_size(to_i32(g.min_size));
        any = true;
    }
    if has("MaxSize") {
        request = request.max_size(to_i32(g.max_size));
        any = true;
    }
    if has("DesiredCapacity") {
        request = request.desired_capacity(to_i32(g.desired_capacity));
        any = true;
    }
    if has("VPCZoneIdentifier") {
        request = request.vpc_zone_identifier(r.subnets.join(","));
        any = true;
    }
    if has("NewInstancesProtectedFromScaleIn") {
        request = request.new_instances_protected_from_scale_in(g.protect_from_scale_in);
        any = true;
    }
    if !any {
        return Ok(());
    }
    request
        .send()
        .await
        .map(|_| ())
        .map_err(|e| cloud_error("autoscaling:UpdateAutoScalingGroup", e))
}

/// The group `name` as DescribeAutoScalingGroups gives it, if it exists.
async fn describe_group(
    c: &RegionClients,
    name: &str,
) -> Result<Option<aws_sdk_autoscaling::types::AutoScalingGroup>, CloudError> {
    let out = c
        .autoscaling
        .describe_auto_scaling_groups()
        .auto_scaling_group_names(name)
        .send()
        .await
        .map_err(|e| cloud_error("autoscaling:DescribeAutoScalingGroups", e))?;
    Ok(out
        .auto_scaling_groups()
        .iter()
        .find(|g| g.auto_scaling_group_name() == Some(name))
        .cloned())
}

/// The tags of a group, by key.
fn group_tags(g: &aws_sdk_autoscaling::types::AutoScalingGroup) -> BTreeMap<String, String> {
    g.tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
        .collect()
}

/// Reads the group `name`. Its status is ACTIVE, or DELETING while AWS deletes it.
pub(super) async fn read_group(
    c: &RegionClients,
    name: &str,
) -> Result<Option<Observed>, CloudError> {
    let Some(g) = describe_group(c, name).await? else {
        return Ok(None);
    };
    let types: Vec<&str> = g
        .mixed_instances_policy()
        .and_then(|p| p.launch_template())
        .map(|t| {
            t.overrides()
                .iter()
                .filter_map(|o| o.instance_type())
                .collect()
        })
        .unwrap_or_default();
    let subnets: Vec<&str> = g
        .vpc_zone_identifier()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut settings = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            settings.insert(k.to_owned(), v);
        }
    };
    put(
        "MixedInstancesPolicy.Overrides.InstanceType",
        (!types.is_empty()).then(|| types.join(", ")),
    );
    put("MinSize", g.min_size().map(|n| n.to_string()));
    put("MaxSize", g.max_size().map(|n| n.to_string()));
    put(
        "DesiredCapacity",
        g.desired_capacity().map(|n| n.to_string()),
    );
    put("VPCZoneIdentifier", Some(subnets.join(", ")));
    put(
        "NewInstancesProtectedFromScaleIn",
        g.new_instances_protected_from_scale_in()
            .map(|b| b.to_string()),
    );
    Ok(Some(Observed {
        arn: g.auto_scaling_group_arn().unwrap_or_default().to_owned(),
        // DescribeAutoScalingGroups reports "Delete in progress" while deleting.
        status: if g.status().is_some_and(|s| s.starts_with("Delete")) {
            "DELETING".into()
        } else {
            "ACTIVE".into()
        },
        state: None,
        status_reason: g.status().map(str::to_owned),
        settings,
        tags: group_tags(&g),
    }))
}

/// Deletes the group and its launch template, whatever protects its instances: the
/// launch template first (so nothing is left behind if the run stops halfway), then
/// scale-in protection is removed from every instance (protected instances would
/// otherwise keep a managed capacity provider's group alive), then the group is force
/// deleted, terminating its instances.
pub(super) async fn delete_group(c: &RegionClients, name: &str) -> Result<(), CloudError> {
    let group = describe_group(c, name).await?;
    let template_tags = launch_template_tags(c, name).await?;
    // The template is the group's when it carries the group's environment tag.
    let same_environment = match (group.as_ref().map(group_tags), &template_tags) {
        (Some(g), Some(t)) => {
            g.contains_key(ENVIRONMENT_TAG) && g.get(ENVIRONMENT_TAG) == t.get(ENVIRONMENT_TAG)
        }
        (None, Some(t)) => t.contains_key(ENVIRONMENT_TAG),
        _ => false,
    };
    if same_environment {
        delete_launch_template(c, name).await?;
    }
    let Some(group) = group else {
        return Ok(());
    };
    let protected: Vec<String> = group
        .instances()
        .iter()
        .filter(|i| i.protected_from_scale_in() == Some(true))
        .filter_map(|i| i.instance_id().map(str::to_owned))
        .collect();
    for batch in protected.chunks(PROTECTION_BATCH) {
        c.autoscaling
            .set_instance_protection()
            .auto_scaling_group_name(name)
            .set_instance_ids(Some(batch.to_vec()))
            .protected_from_scale_in(false)
            .send()
            .await
            .map_err(|e| cloud_error("autoscaling:SetInstanceProtection", e))?;
    }
    c.autoscaling
        .delete_auto_scaling_group()
        .auto_scaling_group_name(name)
        .force_delete(true)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| cloud_error("autoscaling:DeleteAutoScalingGroup", e))
}

/// Deletes the launch template `name`; one already gone is not an error (a refused
/// delete is followed by a read: a retried delete whose first answer was lost is
/// refused because the first one worked).
async fn delete_launch_template(c: &RegionClients, name: &str) -> Result<(), CloudError> {
    match c
        .ec2
        .delete_launch_template()
        .launch_template_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => match launch_template_tags(c, name).await? {
            None => Ok(()),
            Some(_) => Err(cloud_error("ec2:DeleteLaunchTemplate", e)),
        },
    }
}

fn provider_update(
    spec: &CapacityProviderSpec,
) -> (
    ManagedScaling,
    ManagedTerminationProtection,
    ManagedDraining,
) {
    let m = &spec.managed_scaling;
    (
        ManagedScaling::builder()
            .status(if m.enabled {
                ManagedScalingStatus::Enabled
            } else {
                ManagedScalingStatus::Disabled
            })
            .target_capacity(to_i32(m.target_capacity))
            .minimum_scaling_step_size(to_i32(m.minimum_scaling_step_size))
            .maximum_scaling_step_size(to_i32(m.maximum_scaling_step_size))
            .instance_warmup_period(to_i32(m.instance_warmup_period))
            .build(),
        if spec.managed_termination_protection {
            ManagedTerminationProtection::Enabled
        } else {
            ManagedTerminationProtection::Disabled
        },
        if spec.managed_draining {
            ManagedDraining::Enabled
        } else {
            ManagedDraining::Disabled
        },
    )
}

/// Creates the capacity provider over the group `group_arn`; returns its ARN.
pub(super) async fn create_provider(
    c: &RegionClients,
    spec: &CapacityProviderSpec,
    group_arn: &str,
    tags: Vec<aws_sdk_ecs::types::Tag>,
) -> Result<String, CloudError> {
    let op = "ecs:CreateCapacityProvider";
    let (scaling, protection, draining) = provider_update(spec);
    let provider = AutoScalingGroupProvider::builder()
        .auto_scaling_group_arn(group_arn)
        .managed_scaling(scaling)
        .managed_termination_protection(protection)
        .managed_draining(draining)
        .build()
        .map_err(|e| malformed(op, &e.to_string()))?;
    let out = c
        .ecs
        .create_capacity_provider()
        .name(&spec.name)
        .auto_scaling_group_provider(provider)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(|e| cloud_error(op, e))?;
    out.capacity_provider()
        .and_then(|p| p.capacity_provider_arn())
        .map(str::to_owned)
        .ok_or_else(|| malformed(op, "capacity provider ARN"))
}

/// Changes the provider's managed scaling, termination protection and draining.
pub(super) async fn update_provider(
    c: &RegionClients,
    spec: &CapacityProviderSpec,
) -> Result<(), CloudError> {
    let (scaling, protection, draining) = provider_update(spec);
    c.ecs
        .update_capacity_provider()
        .name(&spec.name)
        .auto_scaling_group_provider(
            AutoScalingGroupProviderUpdate::builder()
                .managed_scaling(scaling)
                .managed_termination_protection(protection)
                .managed_draining(draining)
                .build(),
        )
        .send()
        .await
        .map(|_| ())
        .map_err(|e| cloud_error("ecs:UpdateCapacityProvider", e))
}

/// Reads the provider `name`: ACTIVE, UPDATING, UPDATE_FAILED, DELETING or
/// DELETE_FAILED (with AWS's reason); `None` when there is none or its deletion is
/// complete.
pub(super) async fn read_provider(
    c: &RegionClients,
    name: &str,
) -> Result<Option<Observed>, CloudError> {
    let out = c
        .ecs
        .describe_capacity_providers()
        .capacity_providers(name)
        .include(CapacityProviderField::Tags)
        .send()
        .await
        .map_err(|e| cloud_error("ecs:DescribeCapacityProviders", e))?;
    let Some(p) = out
        .capacity_providers()
        .iter()
        .find(|p| p.name() == Some(name))
    else {
        return Ok(None);
    };
    let update = p.update_status();
    let status = match (p.status(), update) {
        (_, Some(CapacityProviderUpdateStatus::DeleteComplete)) => return Ok(None),
        (_, Some(CapacityProviderUpdateStatus::DeleteInProgress)) => "DELETING",
        (_, Some(CapacityProviderUpdateStatus::DeleteFailed)) => "DELETE_FAILED",
        (_, Some(CapacityProviderUpdateStatus::UpdateInProgress)) => "UPDATING",
        (_, Some(CapacityProviderUpdateStatus::UpdateFailed)) => "UPDATE_FAILED",
        (Some(CapacityProviderStatus::Inactive), _) => return Ok(None),
        _ => "ACTIVE",
    };
    let mut settings = BTreeMap::new();
    if let Some(g) = p.auto_scaling_group_provider() {
        if let Some(m) = g.managed_scaling() {
            let mut put = |k: &str, v: Option<String>| {
                if let Some(v) = v {
                    settings.insert(format!("autoScalingGroupProvider.managedScaling.{k}"), v);
                }
            };
            put("status", m.status().map(|s| s.as_str().to_owned()));
            put("targetCapacity", m.target_capacity().map(|n| n.to_string()));
            put(
                "minimumScalingStepSize",
                m.minimum_scaling_step_size().map(|n| n.to_string()),
            );
            put(
                "maximumScalingStepSize",
                m.maximum_scaling_step_size().map(|n| n.to_string()),
            );
            put(
                "instanceWarmupPeriod",
                m.instance_warmup_period().map(|n| n.to_string()),
            );
        }
        if let Some(t) = g.managed_termination_protection() {
            settings.insert(
                "autoScalingGroupProvider.managedTerminationProtection".into(),
                t.as_str().to_owned(),
            );
        }
        if let Some(d) = g.managed_draining() {
            settings.insert(
                "autoScalingGroupProvider.managedDraining".into(),
                d.as_str().to_owned(),
            );
        }
    }
    Ok(Some(Observed {
        arn: p.capacity_provider_arn().unwrap_or_default().to_owned(),
        status: status.to_owned(),
        state: None,
        status_reason: p.update_status_reason().map(str::to_owned),
        settings,
        tags: p
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect(),
    }))
}

/// Deletes the provider (AWS refuses while a cluster still uses it).
pub(super) async fn delete_provider(c: &RegionClients, name: &str) -> Result<(), CloudError> {
    c.ecs
        .delete_capacity_provider()
        .capacity_provider(name)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| cloud_error("ecs:DeleteCapacityProvider", e))
}

/// Sets the cluster's capacity providers to `provider` alone, with its default
/// strategy item (or to none when `provider` is `None`); returns the cluster's ARN.
pub(super) async fn put_cluster_providers(
    c: &RegionClients,
    cluster: &str,
    provider: Option<(&str, StrategyItem)>,
) -> Result<String, CloudError> {
    let op = "ecs:PutClusterCapacityProviders";
    let (providers, strategy) = match provider {
        Some((name, item)) => (
            vec![name.to_owned()],
            vec![
                CapacityProviderStrategyItem::builder()
                    .capacity_provider(name)
                    .base(to_i32(item.base))
                    .weight(to_i32(item.weight))
                    .build()
                    .map_err(|e| malformed(op, &e.to_string()))?,
            ],
        ),
        None => (Vec::new(), Vec::new()),
    };
    let out = c
        .ecs
        .put_cluster_capacity_providers()
        .cluster(cluster)
        .set_capacity_providers(Some(providers))
        .set_default_capacity_provider_strategy(Some(strategy))
        .send()
        .await
        .map_err(|e| cloud_error(op, e))?;
    out.cluster()
        .and_then(|c| c.cluster_arn())
        .map(str::to_owned)
        .ok_or_else(|| malformed(op, "cluster ARN"))
}

/// Reads the capacity providers of `cluster`: `None` when it has none (or no cluster);
/// the cluster's ARN and tags, UPDATING while AWS attaches them.
pub(super) async fn read_cluster_providers(
    c: &RegionClients,
    cluster: &str,
) -> Result<Option<Observed>, CloudError> {
    let out = c
        .ecs
        .describe_clusters()
        .clusters(cluster)
        .include(ClusterField::Tags)
        .include(ClusterField::Attachments)
        .send()
        .await
        .map_err(|e| cloud_error("ecs:DescribeClusters", e))?;
    let Some(found) = out
        .clusters()
        .iter()
        .find(|c| c.cluster_name() == Some(cluster))
        .filter(|c| c.status() != Some("INACTIVE"))
    else {
        return Ok(None);
    };
    if found.capacity_providers().is_empty() {
        return Ok(None);
    }
    let status = match found.attachments_status() {
        Some("UPDATE_IN_PROGRESS") => "UPDATING",
        Some("UPDATE_FAILED") => "UPDATE_FAILED",
        _ => "ACTIVE",
    };
    let strategy = found
        .default_capacity_provider_strategy()
        .iter()
        .map(|s| {
            format!(
                "{} (base {}, weight {})",
                s.capacity_provider(),
                s.base(),
                s.weight()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Some(Observed {
        arn: found.cluster_arn().unwrap_or_default().to_owned(),
        status: status.to_owned(),
        state: None,
        status_reason: None,
        settings: BTreeMap::from([
            (
                "capacityProviders".to_owned(),
                found.capacity_providers().join(", "),
            ),
            ("defaultCapacityProviderStrategy".to_owned(), strategy),
        ]),
        tags: found
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
            .collect(),
    }))
}
