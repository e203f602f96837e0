//! Sign-up and sign-in pages.

use leptos::prelude::*;

use super::widgets::{FieldError, FormError};
use crate::api::auth::{SignIn, SignUp};

/// Creates a local account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let problem = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.problem_for(field)))
    };
    view! {
        <h1>"Create an account"</h1>
        <ActionForm action=action attr:class="form" attr:id="signup-form">
            <label>"Username" <input type="text" name="username" autocomplete="username" required/></label>
            <FieldError field="username" message=problem("username")/>
            <label>"Password" <input type="password" name="password" autocomplete="new-password" required/></label>
            <FieldError field="password" message=problem("password")/>
            <FormError error/>
            <button type="submit">"Create account"</button>
        </ActionForm>
        <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
    }
}

/// Signs in with a local account.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let problem = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.problem_for(field)))
    };
    view! {
        <h1>"Sign in"</h1>
        <ActionForm action=action attr:class="form" attr:id="signin-form">
            <label>"Username" <input type="text" name="username" autocomplete="username" required/></label>
            <FieldError field="username" message=problem("username")/>
            <label>"Password" <input type="password" name="password" autocomplete="current-password" required/></label>
            <FieldError field="password" message=problem("password")/>
            <FormError error/>
            <button type="submit">"Sign in"</button>
        </ActionForm>
        <p>"No account yet? " <a href="/signup">"Create one"</a></p>
    }
}
