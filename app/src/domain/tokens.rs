//! Personal API tokens: what their owner sees of them, and the form that creates one.
//!
//! A token is shown once, when created; the store keeps only its SHA-256 (tokens are 256
//! random bits, so a fast hash is enough: there is nothing to guess from it) and its
//! first characters, so the owner can tell tokens apart.

use serde::{Deserialize, Serialize};

use super::Problem;
use super::access::LinkStatus;

/// What every token starts with, so that scanners and people recognise one.
pub const TOKEN_PREFIX: &str = "bcon_";

/// How many characters of a token its owner sees in the list (the prefix included).
pub const SHOWN_CHARACTERS: usize = 12;

/// The longest a token's name may be.
pub const MAX_NAME_CHARACTERS: usize = 64;

/// The longest expiry a token can have, in days.
pub const MAX_TOKEN_DAYS: u32 = 365;

/// A token as its owner sees it (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    /// Opaque id (for revoking).
    pub id: String,
    /// What the owner called it.
    pub name: String,
    /// Its first [`SHOWN_CHARACTERS`] characters.
    pub shown: String,
    /// When it was created (RFC 3339 UTC to the second).
    pub created_at: String,
    /// When it stops working; none: never.
    pub expires_at: Option<String>,
    /// When it last authenticated a request (kept to the minute), if ever.
    pub last_used_at: Option<String>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

impl ApiToken {
    /// Whether the token works at `now` (RFC 3339 UTC to the second).
    pub fn status(&self, now: &str) -> LinkStatus {
        super::access::status_at(self.revoked_at.as_deref(), self.expires_at.as_deref(), now)
    }
}

/// The "new token" form, checked: a name and an expiry in days (none: never).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewToken {
    /// Trimmed name.
    pub name: String,
    /// Days until it expires.
    pub expires_in_days: Option<u32>,
}

/// Checks the "new token" form; every problem names its field and rule.
pub fn check_new_token(name: &str, expires_in_days: &str) -> Result<NewToken, Vec<Problem>> {
    let mut problems = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARACTERS {
        problems.push(Problem::new(
            "name",
            "console.token-name",
            format!("The name must be 1 to {MAX_NAME_CHARACTERS} characters"),
        ));
    } else if name.chars().any(char::is_control) {
        problems.push(Problem::new(
            "name",
            "console.token-name",
            "The name cannot contain control characters",
        ));
    }
    let days = expires_in_days.trim();
    let expires_in_days = if days.is_empty() {
        None
    } else {
        match days.parse::<u32>() {
            Ok(d) if (1..=MAX_TOKEN_DAYS).contains(&d) => Some(d),
            _ => {
                problems.push(Problem::new(
                    "expires_in_days",
                    "console.token-expiry",
                    format!(
                        "Expiry must be a whole number of days from 1 to {MAX_TOKEN_DAYS}, or empty for never"
                    ),
                ));
                None
            }
        }
    };
    if problems.is_empty() {
        Ok(NewToken {
            name: name.to_owned(),
            expires_in_days,
        })
    } else {
        Err(problems)
    }
}

/// The token in an `Authorization` header's value, if it is a bearer token of this
/// console (`Bearer bcon_...`, the scheme in any case as HTTP allows).
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && token.starts_with(TOKEN_PREFIX)).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(expires_at: Option<&str>, revoked_at: Option<&str>) -> ApiToken {
        ApiToken {
            id: "t".into(),
            name: "ci".into(),
            shown: "bcon_abcdefg".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            expires_at: expires_at.map(str::to_owned),
            last_used_at: None,
            revoked_at: revoked_at.map(str::to_owned),
        }
    }

    #[test]
    fn status_follows_revocation_then_expiry() {
        let now = "2026-06-01T00:00:00Z";
        assert_eq!(token(None, None).status(now), LinkStatus::Live);
        assert_eq!(
            token(Some("2026-06-01T00:00:01Z"), None).status(now),
            LinkStatus::Live
        );
        assert_eq!(token(Some(now), None).status(now), LinkStatus::Expired);
        assert_eq!(
            token(Some("2027-01-01T00:00:00Z"), Some(now)).status(now),
            LinkStatus::Revoked
        );
    }

    #[test]
    fn the_form_names_each_broken_field() {
        assert_eq!(
            check_new_token(" ci ", "30"),
            Ok(NewToken {
                name: "ci".into(),
                expires_in_days: Some(30)
            })
        );
        assert_eq!(check_new_token("ci", "").unwrap().expires_in_days, None);
        for (name, days, fields) in [
            ("", "30", vec!["name"]),
            (&"x".repeat(65), "", vec!["name"]),
            ("a\u{7}b", "", vec!["name"]),
            ("ci", "0", vec!["expires_in_days"]),
            ("ci", "366", vec!["expires_in_days"]),
            ("ci", "1.5", vec!["expires_in_days"]),
            ("", "-1", vec!["name", "expires_in_days"]),
        ] {
            let problems = check_new_token(name, days).unwrap_err();
            let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
            assert_eq!(named, fields, "{name:?} {days:?}");
        }
        assert!(check_new_token(&"é".repeat(64), "365").is_ok());
    }

    #[test]
    fn bearer_tokens_are_recognised() {
        assert_eq!(bearer_token("Bearer bcon_x"), Some("bcon_x"));
        assert_eq!(bearer_token("bearer  bcon_x "), Some("bcon_x"));
        assert_eq!(bearer_token("Basic bcon_x"), None);
        assert_eq!(bearer_token("Bearer other"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
