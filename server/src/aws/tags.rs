//! Changing the tags of an existing resource (ecs/batch TagResource and UntagResource,
//! autoscaling CreateOrUpdateTags and DeleteTags) to exactly the wanted set.

use app::domain::{Observed, ResourceKind};
use app::engine::CloudError;

use super::cloud::RegionClients;
use super::error::cloud_error;

/// What to set and what to remove to turn `observed`'s tags into `wanted`. Keys AWS
/// reserves (`aws:`) are never removed.
fn changes(
    observed: &Observed,
    wanted: &[(String, String)],
) -> (Vec<(String, String)>, Vec<String>) {
    let set = wanted
        .iter()
        .filter(|(k, v)| observed.tags.get(k) != Some(v))
        .cloned()
        .collect();
    let remove = observed
        .tags
        .keys()
        .filter(|k| !k.starts_with("aws:") && !wanted.iter().any(|(w, _)| w == *k))
        .cloned()
        .collect();
    (set, remove)
}

/// Sets the tags of `observed` (the resource of `kind` named `name`) to `wanted`.
pub(super) async fn retag(
    c: &RegionClients,
    kind: ResourceKind,
    name: &str,
    observed: &Observed,
    wanted: &[(String, String)],
) -> Result<(), CloudError> {
    let (set, remove) = changes(observed, wanted);
    let arn = observed.arn.as_str();
    match kind {
        ResourceKind::Cluster | ResourceKind::CapacityProvider | ResourceKind::TaskDefinition => {
            if !set.is_empty() {
                c.ecs
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(
                        set.iter()
                            .map(|(k, v)| {
                                aws_sdk_ecs::types::Tag::builder().key(k).value(v).build()
                            })
                            .collect(),
                    ))
                    .send()
                    .await
                    .map_err(|e| cloud_error("ecs:TagResource", e))?;
            }
            if !remove.is_empty() {
                c.ecs
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .map_err(|e| cloud_error("ecs:UntagResource", e))?;
            }
        }
        ResourceKind::ComputeEnvironment | ResourceKind::JobQueue | ResourceKind::JobDefinition => {
            if !set.is_empty() {
                c.batch
                    .tag_resource()
                    .resource_arn(arn)
                    .set_tags(Some(set.into_iter().collect()))
                    .send()
                    .await
                    .map_err(|e| cloud_error("batch:TagResource", e))?;
            }
            if !remove.is_empty() {
                c.batch
                    .untag_resource()
                    .resource_arn(arn)
                    .set_tag_keys(Some(remove))
                    .send()
                    .await
                    .map_err(|e| cloud_error("batch:UntagResource", e))?;
            }
        }
        ResourceKind::AutoScalingGroup => {
            let tag = |k: &str, v: Option<&str>| {
                aws_sdk_autoscaling::types::Tag::builder()
                    .resource_id(name)
                    .resource_type("auto-scaling-group")
                    .key(k)
                    .set_value(v.map(str::to_owned))
                    .propagate_at_launch(true)
                    .build()
            };
            if !set.is_empty() {
                c.autoscaling
                    .create_or_update_tags()
                    .set_tags(Some(set.iter().map(|(k, v)| tag(k, Some(v))).collect()))
                    .send()
                    .await
                    .map_err(|e| cloud_error("autoscaling:CreateOrUpdateTags", e))?;
            }
            if !remove.is_empty() {
                c.autoscaling
                    .delete_tags()
                    .set_tags(Some(remove.iter().map(|k| tag(k, None)).collect()))
                    .send()
                    .await
                    .map_err(|e| cloud_error("autoscaling:DeleteTags", e))?;
            }
        }
        // The cluster's capacity providers are a setting of the cluster, not tagged.
        ResourceKind::ClusterCapacityProviders => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_what_differs_and_removes_the_rest_but_aws_keys() {
        let observed = Observed {
            arn: "arn".into(),
            status: "ACTIVE".into(),
            state: None,
            status_reason: None,
            settings: Default::default(),
            tags: [
                ("team", "ml"),
                ("old", "x"),
                ("aws:cloudformation:stack-name", "s"),
                ("same", "1"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        };
        let wanted = vec![
            ("team".to_owned(), "vision".to_owned()),
            ("same".to_owned(), "1".to_owned()),
            ("new".to_owned(), "y".to_owned()),
        ];
        let (set, remove) = changes(&observed, &wanted);
        assert_eq!(
            set,
            vec![
                ("team".to_owned(), "vision".to_owned()),
                ("new".to_owned(), "y".to_owned())
            ]
        );
        assert_eq!(remove, vec!["old".to_owned()]);
    }
}
