//! The saved login: the console's URL and an API token, in a TOML file readable by its
//! owner alone (`$CONSOLE_CONFIG`, else `$XDG_CONFIG_HOME/batch-console/config.toml`,
//! else `~/.config/batch-console/config.toml`).

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::client::Failure;

/// What `console login` saves.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Saved {
    /// The console's base URL.
    pub url: Option<String>,
    /// A personal API token (`bcon_...`).
    pub token: Option<String>,
}

/// Where the file is (`None`: no variable says, and no home directory).
pub fn path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(p) = var("CONSOLE_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let dir = var("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(dir.join("batch-console").join("config.toml"))
}

/// The saved login at `path`; empty if there is no file.
pub fn load(path: &Path) -> Result<Saved, Failure> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Saved::default()),
        Err(e) => {
            return Err(Failure::new(format!("cannot read {}: {e}", path.display())));
        }
    };
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "warning: {} holds an API token and others may read it; run chmod 600 on it",
            path.display()
        );
    }
    toml::from_str(&text).map_err(|e| Failure::new(format!("cannot read {}: {e}", path.display())))
}

/// Writes `saved` to `path` with mode 0600 (its directory created with 0700), replacing
/// the file in one rename so that no reader sees half of it.
pub fn save(path: &Path, saved: &Saved) -> Result<(), Failure> {
    let fail = |what: &str, e: std::io::Error| {
        Failure::new(format!("cannot {what} {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| fail("create the directory of", e))?;
    }
    let text = toml::to_string(saved).map_err(|e| Failure::new(e.to_string()))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        // The mode is applied at creation only: a file left by an earlier attempt is
        // tightened too.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        fail("write", e)
    })
}
