//! The environment page's "Export" section: one download link per format.

use leptos::prelude::*;

use crate::api::export::export_url;
use crate::domain::export::Format;

/// Links that download environment `id` as a Pulumi program, a CloudFormation template,
/// or its spec as JSON or YAML. Plain links: they work without JavaScript. `noreferrer`
/// keeps the browser from sending the page as Referer, which leptos_axum would
/// otherwise take for a form post to send back to.
pub fn export_section(id: &str) -> impl IntoView + use<> {
    view! {
        <h2>"Export"</h2>
        <p>
            "The environment as infrastructure code, with the names and settings this console uses, "
            "or its spec: paste the JSON into the spec editor (History, Edit) to import it back."
        </p>
        <ul id="export">
            {Format::ALL.into_iter().map(|f| view! {
                <li>
                    <a href=export_url(id, f) rel="noreferrer" data-format=f.as_str()>{f.label()}</a>
                </li>
            }).collect_view()}
        </ul>
    }
}
