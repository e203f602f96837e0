//! Fargate's CPU and memory combinations (ECS task sizes; Batch uses the same table in
//! vCPUs): AWS ECS developer guide, "Task CPU and memory", Linux containers.

/// `(cpu units, smallest MiB, largest MiB, step MiB)` per Fargate task size.
pub const FARGATE_TASK_SIZES: &[(u32, u32, u32, u32)] = &[
    (256, 512, 2048, 512),
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16_384, 1024),
    (4096, 8192, 30_720, 1024),
    (8192, 16_384, 61_440, 4096),
    (16_384, 32_768, 122_880, 8192),
];

/// Whether Fargate offers `memory` MiB with `cpu` units. (256 units allow 512, 1024 and
/// 2048 MiB, which the 512-MiB step describes.)
pub fn fargate_memory_allowed(cpu: u32, memory: u32) -> bool {
    FARGATE_TASK_SIZES.iter().any(|&(c, lo, hi, step)| {
        c == cpu
            && (lo..=hi).contains(&memory)
            && (memory - lo).is_multiple_of(step)
            && (cpu != 256 || memory != 1536)
    })
}

/// The memory Fargate offers with `cpu` units, for messages ("1024 to 8192 in steps of 1024").
pub fn describe_memory(cpu: u32) -> Option<String> {
    FARGATE_TASK_SIZES
        .iter()
        .find(|s| s.0 == cpu)
        .map(|&(_, lo, hi, step)| match cpu {
            256 => "512, 1024 or 2048".to_owned(),
            _ => format!("{lo} to {hi} in steps of {step}"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert!(fargate_memory_allowed(256, 512));
        assert!(fargate_memory_allowed(256, 2048));
        assert!(!fargate_memory_allowed(256, 1536));
        assert!(!fargate_memory_allowed(256, 4096));
        assert!(fargate_memory_allowed(1024, 3072));
        assert!(!fargate_memory_allowed(1024, 1024));
        assert!(fargate_memory_allowed(8192, 20_480));
        assert!(!fargate_memory_allowed(8192, 17_408));
        assert!(!fargate_memory_allowed(300, 1024));
        assert_eq!(
            describe_memory(512).unwrap(),
            "1024 to 4096 in steps of 1024"
        );
    }
}
