//! Pages and components. Each page reads through the server functions in [`crate::api`].

mod auth;
mod capacity;
mod environment;
mod environments;
mod export;
mod header;
mod history;
mod live;
mod queue;
mod sharing;
mod tasks;
mod tokens;
mod widgets;
mod wizard;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The HTML document around the app (server side).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The console: header, routes, footer.
///
/// Every route renders with `SsrMode::Async`: the server waits for the page's data and
/// sends complete HTML, so pages and forms work before (or without) the WASM.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects never run during server rendering: this flips only once the WASM runs.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="leptos" href="/pkg/console.css"/>
        <Title text="Batch inference console"/>
        <Router>
            <header::Header/>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("") view=environments::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=auth::SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/signin") view=auth::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/new") view=environments::NewEnvironmentPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/import") view=environments::ImportPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id") view=environment::EnvironmentPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/review") view=environment::ReviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/history") view=history::HistoryPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/edit") view=history::EditPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/share") view=sharing::SharePage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/copy") view=sharing::CopyPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/tasks") view=tasks::TasksPage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/queue") view=queue::QueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/environments/:id/capacity") view=capacity::CapacityPage ssr=SsrMode::Async/>
                    <Route path=path!("/wizard") view=wizard::WizardStartPage ssr=SsrMode::Async/>
                    <Route path=path!("/wizard/:draft/:step") view=wizard::WizardStepPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/tokens") view=tokens::TokensPage ssr=SsrMode::Async/>
                    <Route path=path!("/share/:token") view=sharing::LinkPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer>
                <span id="hydration" data-hydrated=move || hydrated.get().to_string()>
                    {move || if hydrated.get() { "interactive" } else { "loading" }}
                </span>
            </footer>
        </Router>
    }
}

/// The page for unknown paths, answered with status 404.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <h1>"Page not found"</h1>
        <p><a href="/">"Back to the environments"</a></p>
    }
}
