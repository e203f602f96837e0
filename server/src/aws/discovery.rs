//! Discovery for the wizard's pickers: what exists in an account and region.

use app::domain::discovery::{
    AutoScalingGroupInfo, Discovery, InstanceProfileInfo, InstanceTypeInfo, RoleInfo,
    SecurityGroupInfo, SubnetInfo, VpcInfo, trusted_services,
};
use app::domain::validate::is_gpu_instance_type;
use app::engine::CloudError;

use super::cloud::RegionClients;
use super::error::cloud_error;

/// Reads every section in parallel; the first AWS error fails the whole (it names its
/// operation).
pub(super) async fn discover(
    c: &RegionClients,
    iam: &aws_sdk_iam::Client,
) -> Result<Discovery, CloudError> {
    let (vpcs, subnets, security_groups, auto_scaling_groups, roles, instance_profiles, types) = tokio::join!(
        vpcs(c),
        subnets(c),
        security_groups(c),
        auto_scaling_groups(c),
        roles(iam),
        instance_profiles(iam),
        instance_types(c),
    );
    Ok(Discovery {
        vpcs: vpcs?,
        subnets: subnets?,
        security_groups: security_groups?,
        auto_scaling_groups: auto_scaling_groups?,
        roles: roles?,
        instance_profiles: instance_profiles?,
        instance_types: types?,
    })
}

async fn vpcs(c: &RegionClients) -> Result<Vec<VpcInfo>, CloudError> {
    let mut out = Vec::new();
    let mut pages = c.ec2.describe_vpcs().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("ec2:DescribeVpcs", e))?;
        out.extend(page.vpcs().iter().map(|v| VpcInfo {
            id: v.vpc_id().unwrap_or_default().to_owned(),
            cidr: v.cidr_block().unwrap_or_default().to_owned(),
            default: v.is_default().unwrap_or(false),
        }));
    }
    out.sort_by(|a, b| b.default.cmp(&a.default).then(a.id.cmp(&b.id)));
    Ok(out)
}

async fn subnets(c: &RegionClients) -> Result<Vec<SubnetInfo>, CloudError> {
    let mut out = Vec::new();
    let mut pages = c.ec2.describe_subnets().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("ec2:DescribeSubnets", e))?;
        out.extend(page.subnets().iter().map(|s| SubnetInfo {
            id: s.subnet_id().unwrap_or_default().to_owned(),
            vpc_id: s.vpc_id().unwrap_or_default().to_owned(),
            availability_zone: s.availability_zone().unwrap_or_default().to_owned(),
            cidr: s.cidr_block().unwrap_or_default().to_owned(),
        }));
    }
    out.sort_by(|a, b| {
        (&a.vpc_id, &a.availability_zone, &a.id).cmp(&(&b.vpc_id, &b.availability_zone, &b.id))
    });
    Ok(out)
}

async fn security_groups(c: &RegionClients) -> Result<Vec<SecurityGroupInfo>, CloudError> {
    let mut out = Vec::new();
    let mut pages = c.ec2.describe_security_groups().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("ec2:DescribeSecurityGroups", e))?;
        out.extend(page.security_groups().iter().map(|g| SecurityGroupInfo {
            id: g.group_id().unwrap_or_default().to_owned(),
            name: g.group_name().unwrap_or_default().to_owned(),
            vpc_id: g.vpc_id().unwrap_or_default().to_owned(),
        }));
    }
    out.sort_by(|a, b| (&a.vpc_id, &a.name).cmp(&(&b.vpc_id, &b.name)));
    Ok(out)
}

/// The capacity providers attached to the region's clusters, by name.
///
/// DescribeCapacityProviders without names lists every provider in AWS, but the
/// emulator requires names; the clusters' own lists work on both (a provider attached to
/// no cluster is not seen).
async fn capacity_provider_names(c: &RegionClients) -> Result<Vec<String>, CloudError> {
    let mut clusters = Vec::new();
    let mut pages = c.ecs.list_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("ecs:ListClusters", e))?;
        clusters.extend(page.cluster_arns().iter().cloned());
    }
    let mut names = Vec::new();
    // DescribeClusters takes at most 100 clusters.
    for chunk in clusters.chunks(100) {
        let out = c
            .ecs
            .describe_clusters()
            .set_clusters(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| cloud_error("ecs:DescribeClusters", e))?;
        for cluster in out.clusters() {
            names.extend(cluster.capacity_providers().iter().cloned());
        }
    }
    // Fargate's own providers are not backed by Auto Scaling groups.
    names.retain(|n| !n.starts_with("FARGATE"));
    names.sort();
    names.dedup();
    Ok(names)
}

/// Groups, each with the capacity provider already using it (ECS allows one).
async fn auto_scaling_groups(c: &RegionClients) -> Result<Vec<AutoScalingGroupInfo>, CloudError> {
    let names = capacity_provider_names(c).await?;
    let mut providers = Vec::new();
    // DescribeCapacityProviders takes at most 100 names.
    for chunk in names.chunks(100) {
        let page = c
            .ecs
            .describe_capacity_providers()
            .set_capacity_providers(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| cloud_error("ecs:DescribeCapacityProviders", e))?;
        providers.extend(page.capacity_providers().iter().filter_map(|p| {
            let asg = p
                .auto_scaling_group_provider()?
                .auto_scaling_group_arn()
                .to_owned();
            Some((asg, p.name()?.to_owned()))
        }));
    }
    let mut out = Vec::new();
    let mut pages = c
        .autoscaling
        .describe_auto_scaling_groups()
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("autoscaling:DescribeAutoScalingGroups", e))?;
        out.extend(page.auto_scaling_groups().iter().map(|g| {
            let arn = g.auto_scaling_group_arn().unwrap_or_default().to_owned();
            let name = g.auto_scaling_group_name().unwrap_or_default().to_owned();
            AutoScalingGroupInfo {
                used_by_capacity_provider: providers
                    .iter()
                    .find(|(a, _)| *a == arn || *a == name)
                    .map(|(_, p)| p.clone()),
                min_size: g.min_size().unwrap_or_default(),
                desired_capacity: g.desired_capacity().unwrap_or_default(),
                max_size: g.max_size().unwrap_or_default(),
                protected_from_scale_in: g.new_instances_protected_from_scale_in().unwrap_or(false),
                name,
                arn,
            }
        }));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

async fn roles(iam: &aws_sdk_iam::Client) -> Result<Vec<RoleInfo>, CloudError> {
    let mut out = Vec::new();
    let mut pages = iam.list_roles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("iam:ListRoles", e))?;
        out.extend(page.roles().iter().map(|r| RoleInfo {
            name: r.role_name().to_owned(),
            arn: r.arn().to_owned(),
            trusted_services: trusted_services(r.assume_role_policy_document().unwrap_or("")),
        }));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

async fn instance_profiles(
    iam: &aws_sdk_iam::Client,
) -> Result<Vec<InstanceProfileInfo>, CloudError> {
    let mut out = Vec::new();
    let mut pages = iam.list_instance_profiles().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("iam:ListInstanceProfiles", e))?;
        out.extend(
            page.instance_profiles()
                .iter()
                .map(|p| InstanceProfileInfo {
                    name: p.instance_profile_name().to_owned(),
                    arn: p.arn().to_owned(),
                }),
        );
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

async fn instance_types(c: &RegionClients) -> Result<Vec<InstanceTypeInfo>, CloudError> {
    let mut names = Vec::new();
    let mut pages = c
        .ec2
        .describe_instance_type_offerings()
        .location_type(aws_sdk_ec2::types::LocationType::Region)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| cloud_error("ec2:DescribeInstanceTypeOfferings", e))?;
        names.extend(
            page.instance_type_offerings()
                .iter()
                .filter_map(|o| o.instance_type().map(|t| t.as_str().to_owned())),
        );
    }
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|name| InstanceTypeInfo {
            gpu: is_gpu_instance_type(&name),
            name,
        })
        .collect())
}
