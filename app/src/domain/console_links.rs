//! Links to a resource's page in the AWS Management Console.

use super::resource::ResourceKind;

/// The console's host for `region`: China and GovCloud regions have their own.
fn host(region: &str) -> String {
    if region.starts_with("cn-") {
        "https://console.amazonaws.cn".into()
    } else if region.starts_with("us-gov-") {
        "https://console.amazonaws-us-gov.com".into()
    } else {
        format!("https://{region}.console.aws.amazon.com")
    }
}

/// Percent-encodes a path or fragment part (ARNs carry `:` and `/`).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The console page of the resource of `kind` named `name` (ARN `arn`, if known) in
/// `region`; `cluster` is the environment's cluster (capacity providers are shown on
/// it). `None` when the page needs an ARN the console does not have yet.
pub fn console_url(
    kind: ResourceKind,
    region: &str,
    name: &str,
    arn: Option<&str>,
    cluster: &str,
) -> Option<String> {
    let h = host(region);
    let r = encode(region);
    Some(match kind {
        ResourceKind::Cluster => {
            format!("{h}/ecs/v2/clusters/{}/services?region={r}", encode(name))
        }
        ResourceKind::CapacityProvider | ResourceKind::ClusterCapacityProviders => format!(
            "{h}/ecs/v2/clusters/{}/infrastructure?region={r}",
            encode(cluster)
        ),
        ResourceKind::AutoScalingGroup => format!(
            "{h}/ec2/home?region={r}#AutoScalingGroupDetails:id={}",
            encode(name)
        ),
        ResourceKind::ComputeEnvironment => format!(
            "{h}/batch/home?region={r}#compute-environments/detail/{}",
            encode(arn?)
        ),
        ResourceKind::JobQueue => {
            format!("{h}/batch/home?region={r}#queues/detail/{}", encode(arn?))
        }
        ResourceKind::JobDefinition => format!(
            "{h}/batch/home?region={r}#job-definition/detail/{}",
            encode(arn?)
        ),
        ResourceKind::TaskDefinition => {
            // arn:aws:ecs:region:account:task-definition/<family>:<revision>
            let (family, revision) = arn?.rsplit('/').next()?.rsplit_once(':')?;
            format!(
                "{h}/ecs/v2/task-definitions/{}/{}/containers?region={r}",
                encode(family),
                encode(revision)
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_links_to_its_console_page() {
        let url = |kind, arn| console_url(kind, "us-east-1", "infer", arn, "infer");
        assert_eq!(
            url(ResourceKind::Cluster, None).unwrap(),
            "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/infer/services?region=us-east-1"
        );
        assert_eq!(
            url(ResourceKind::CapacityProvider, None).unwrap(),
            "https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/infer/infrastructure?region=us-east-1"
        );
        assert_eq!(
            url(ResourceKind::AutoScalingGroup, None).unwrap(),
            "https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#AutoScalingGroupDetails:id=infer"
        );
        let ce = "arn:aws:batch:us-east-1:123456789012:compute-environment/infer-ce";
        assert_eq!(
            url(ResourceKind::ComputeEnvironment, Some(ce)).unwrap(),
            "https://us-east-1.console.aws.amazon.com/batch/home?region=us-east-1#compute-environments/detail/arn%3Aaws%3Abatch%3Aus-east-1%3A123456789012%3Acompute-environment%2Finfer-ce"
        );
        assert_eq!(url(ResourceKind::JobQueue, None), None);
        let td = "arn:aws:ecs:us-east-1:123456789012:task-definition/infer-task:7";
        assert_eq!(
            url(ResourceKind::TaskDefinition, Some(td)).unwrap(),
            "https://us-east-1.console.aws.amazon.com/ecs/v2/task-definitions/infer-task/7/containers?region=us-east-1"
        );
        assert!(
            console_url(ResourceKind::Cluster, "cn-north-1", "c", None, "c")
                .unwrap()
                .starts_with("https://console.amazonaws.cn/ecs/")
        );
        assert!(
            console_url(ResourceKind::Cluster, "us-gov-west-1", "c", None, "c")
                .unwrap()
                .starts_with("https://console.amazonaws-us-gov.com/")
        );
    }
}
