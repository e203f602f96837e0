//! Sign-up, sign-in, sign-out and the session/header information.

use leptos::prelude::*;

use super::error::AppError;
use super::types::SessionInfo;
use crate::domain::Problem;

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; we ask 10).
pub const PASSWORD_MIN: usize = 10;
/// Longest password accepted (bounds the hashing work).
pub const PASSWORD_MAX: usize = 256;

/// Checks a username (3-32 of `a-z`, `0-9`, `.`, `_`, `-`) and a password length.
pub fn validate_credentials(username: &str, password: &str) -> Vec<Problem> {
    let mut out = Vec::new();
    let problem = |field: &str, rule: &str, message: &str| Problem {
        field: field.into(),
        rule: rule.into(),
        message: message.into(),
    };
    let len = username.chars().count();
    if !(3..=32).contains(&len) {
        out.push(problem(
            "username",
            "console.username-length",
            "The username must be 3 to 32 characters",
        ));
    } else if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c))
    {
        out.push(problem(
            "username",
            "console.username-charset",
            "The username may contain only lowercase letters, digits, '.', '-' and '_'",
        ));
    }
    let plen = password.chars().count();
    if plen < PASSWORD_MIN {
        out.push(problem(
            "password",
            "console.password-length",
            "The password must be at least 10 characters",
        ));
    } else if plen > PASSWORD_MAX {
        out.push(problem(
            "password",
            "console.password-length",
            "The password must be at most 256 characters",
        ));
    }
    out
}

/// The signed-in user (if any) and the AWS side the console acts on.
#[server(endpoint = "get_session")]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    use super::ssr::{maybe_user, respond, services};
    respond(async {
        let services = services()?;
        Ok(SessionInfo {
            username: maybe_user().await?.map(|u| u.username),
            single_sign_on: services.auth == super::ssr::AuthMode::Proxy,
            aws: services.aws,
        })
    })
    .await
}

/// Creates a local account and signs it in.
#[server(endpoint = "sign_up")]
pub async fn sign_up(username: String, password: String) -> Result<(), AppError> {
    use super::ssr::{respond, services};
    respond(async {
        local_accounts_only()?;
        let username = username.trim().to_owned();
        let problems = validate_credentials(&username, &password);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let hash = ssr::hash_password(password).await?;
        let id = match services()?.store.create_user(&username, &hash).await {
            Ok(id) => id,
            Err(crate::engine::StoreError::Conflict(_)) => {
                return Err(AppError::invalid(
                    "username",
                    "console.username-taken",
                    "This username is taken",
                ));
            }
            Err(e) => return Err(e.into()),
        };
        super::ssr::audit(
            &services()?,
            &username,
            "account.create",
            None,
            "local account created",
        )
        .await?;
        ssr::sign_in_session(id, username).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Signs in with a local account.
#[server(endpoint = "sign_in")]
pub async fn sign_in(username: String, password: String) -> Result<(), AppError> {
    use super::ssr::{respond, services};
    respond(async {
        local_accounts_only()?;
        let username = username.trim().to_owned();
        let services = services()?;
        if let Err(not_until) = services.sign_in_limiter.check_key(&username.to_lowercase()) {
            use governor::clock::{Clock, DefaultClock};
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            return Err(AppError::TooManyRequests(format!(
                "Too many sign-in attempts for {username}; try again in {} s",
                wait.as_secs().max(1)
            )));
        }
        let user = services.store.find_user(&username).await?;
        let refused = || {
            AppError::invalid(
                "password",
                "console.credentials",
                "Wrong username or password",
            )
        };
        let Some(user) = user else {
            // Hash anyway, so the response time does not tell unknown users apart.
            ssr::hash_password(password).await?;
            super::ssr::audit(
                &services,
                &username,
                "session.sign_in_refused",
                None,
                "unknown user",
            )
            .await?;
            return Err(refused());
        };
        if !ssr::verify_password(password, user.password_hash).await? {
            super::ssr::audit(
                &services,
                &username,
                "session.sign_in_refused",
                None,
                "wrong password",
            )
            .await?;
            return Err(refused());
        }
        super::ssr::audit(&services, &username, "session.sign_in", None, "signed in").await?;
        ssr::sign_in_session(user.id, username).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Signs out: the session is deleted from the store.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::ssr::{internal, respond, session};
    respond(async {
        session()
            .await?
            .flush()
            .await
            .map_err(|e| internal(format!("session flush: {e}")))?;
        leptos_axum::redirect("/signin");
        Ok(())
    })
    .await
}

/// Refuses local sign-up and sign-in when single sign-on is configured.
#[cfg(feature = "ssr")]
fn local_accounts_only() -> Result<(), AppError> {
    if super::ssr::services()?.auth == super::ssr::AuthMode::Proxy {
        return Err(AppError::Forbidden(
            "This console uses your organisation's single sign-on; local accounts are off".into(),
        ));
    }
    Ok(())
}

#[cfg(feature = "ssr")]
mod ssr {
    use argon2::Argon2;
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

    use crate::api::error::AppError;
    use crate::api::ssr::{CurrentUser, USER_KEY, internal, session};

    /// Hashes with Argon2id (the crate's defaults: 19 MiB, 2 passes) off the async runtime.
    pub async fn hash_password(password: String) -> Result<String, AppError> {
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
        })
        .await
        .map_err(internal)?
        .map_err(internal)
    }

    /// Verifies a password against a PHC string off the async runtime.
    pub async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
        tokio::task::spawn_blocking(move || {
            // Single sign-on accounts have no password (and no PHC string).
            let Ok(parsed) = PasswordHash::new(&hash) else {
                return Ok(false);
            };
            Ok::<_, argon2::password_hash::Error>(
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok(),
            )
        })
        .await
        .map_err(internal)?
        .map_err(internal)
    }

    /// Puts the user in a fresh session (a new id, against session fixation).
    pub async fn sign_in_session(id: String, username: String) -> Result<(), AppError> {
        let session = session().await?;
        session
            .cycle_id()
            .await
            .map_err(|e| internal(format!("session cycle: {e}")))?;
        session
            .insert(USER_KEY, CurrentUser { id, username })
            .await
            .map_err(|e| internal(format!("session write: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_rules() {
        let fields = |u: &str, p: &str| -> Vec<String> {
            validate_credentials(u, p)
                .into_iter()
                .map(|p| p.field)
                .collect()
        };
        assert!(fields("alice", "correct horse").is_empty());
        assert_eq!(fields("al", "correct horse"), ["username"]);
        assert_eq!(fields("Alice", "correct horse"), ["username"]);
        assert_eq!(fields("alice smith", "correct horse"), ["username"]);
        assert_eq!(fields("alice", "short"), ["password"]);
        assert_eq!(fields("alice", &"x".repeat(257)), ["password"]);
        assert_eq!(fields("", ""), ["username", "password"]);
    }
}
