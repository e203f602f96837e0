//! Printing: aligned tables for people, the API's JSON (pretty) for scripts, errors on
//! stderr. Writes ignore a closed pipe (`console list | head -1` must not panic).

use std::io::Write;

use clap::ValueEnum;
use serde_json::Value;

use crate::client::Failure;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Aligned columns and sentences.
    Table,
    /// The API's JSON answer, pretty-printed.
    Json,
}

/// Prints `text` and a newline on stdout.
pub fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Prints `text` and a newline on stderr.
pub fn warn(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// Prints the API's JSON as is, pretty.
pub fn json(value: &Value) {
    say(&serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string()));
}

/// Prints `error: <message>`, then each problem as `  <field>: <message> (<rule>)`.
pub fn failure(f: &Failure) {
    let mut text = format!("error: {}", f.message);
    for p in &f.problems {
        text.push_str(&format!("\n  {}: {} ({})", p.field, p.message, p.rule));
    }
    warn(&text);
}

/// Columns padded to their widest cell (the last column unpadded).
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut s = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            s.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                s.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = vec![line(headers.to_vec())];
    for row in rows {
        out.push(line(row.iter().map(String::as_str).collect()));
    }
    out.join("\n")
}

/// `value`, or `-` for none.
pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// A typed view of an API answer, for the table printers; a mismatch means the server
/// speaks another version of the API.
pub fn read<T: serde::de::DeserializeOwned>(value: &Value, what: &str) -> Result<T, Failure> {
    T::deserialize(value).map_err(|e| {
        Failure::new(format!(
            "cannot read the server's {what}: {e} (is the server a different version? --output json shows its answer)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_on_the_widest_cell() {
        let t = table(
            &["ID", "NAME", "STATE"],
            &[
                vec!["1".into(), "a-long-name".into(), "RUNNING".into()],
                vec!["22".into(), "b".into(), "-".into()],
            ],
        );
        assert_eq!(
            t,
            "ID  NAME         STATE\n1   a-long-name  RUNNING\n22  b            -"
        );
    }
}
