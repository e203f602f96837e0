//! EC2 instance type names and which carry GPUs.

/// Instance families with NVIDIA GPUs (EC2 "Accelerated computing").
const GPU_FAMILIES: &[&str] = &[
    "p2", "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "g3", "g3s", "g4dn", "g5", "g6", "g6e",
    "g6f", "gr6", "gr6f", "g5g",
];

/// Whether `value` is an instance type (`g5.xlarge`), a family (`g5`) or `optimal`, as
/// Batch's `instanceTypes` accepts.
pub fn is_instance_type(value: &str) -> bool {
    if value == "optimal" || value == "default_x86_64" || value == "default_arm64" {
        return true;
    }
    let (family, size) = match value.split_once('.') {
        Some((f, s)) => (f, Some(s)),
        None => (value, None),
    };
    let family_ok = family.len() >= 2
        && family.starts_with(|c: char| c.is_ascii_lowercase())
        && family.chars().any(|c| c.is_ascii_digit())
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let size_ok = size.is_none_or(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    });
    family_ok && size_ok
}

/// Whether the type or family carries NVIDIA GPUs.
pub fn is_gpu_instance_type(value: &str) -> bool {
    let family = value.split('.').next().unwrap_or_default();
    GPU_FAMILIES.contains(&family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "g5.xlarge",
            "g5",
            "optimal",
            "c6i.2xlarge",
            "m7g.metal",
            "p4d.24xlarge",
            "u-6tb1.metal",
        ] {
            assert!(is_instance_type(ok), "{ok}");
        }
        for bad in ["", "G5.xlarge", "g5.", "xlarge", "g5 xlarge", "g5.x_large"] {
            assert!(!is_instance_type(bad), "{bad}");
        }
        assert!(is_gpu_instance_type("g5.xlarge"));
        assert!(is_gpu_instance_type("p4d"));
        assert!(!is_gpu_instance_type("c6i.large"));
        assert!(!is_gpu_instance_type("optimal"));
    }
}
