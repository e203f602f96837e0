//! Sign-up and sign-in pages.

use leptos::prelude::*;

use super::widgets::{FieldError, FormError};
use crate::api::AppError;
use crate::api::auth::{SignIn, SignUp};

/// Creates a local account.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <h1>"Create an account"</h1>
        <ActionForm action=action attr:class="form" attr:id="signup-form">
            <CredentialFields error password_autocomplete="new-password" submit="Create account"/>
        </ActionForm>
        <p>"Already have an account? " <a href="/signin">"Sign in"</a></p>
    }
}

/// Signs in with a local account.
#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    view! {
        <h1>"Sign in"</h1>
        <ActionForm action=action attr:class="form" attr:id="signin-form">
            <CredentialFields error password_autocomplete="current-password" submit="Sign in"/>
        </ActionForm>
        <p>"No account yet? " <a href="/signup">"Create one"</a></p>
    }
}

/// Username and password fields with their messages, and the submit button.
#[component]
fn CredentialFields(
    /// The form action's last error.
    error: Signal<Option<AppError>>,
    /// `new-password` or `current-password`.
    password_autocomplete: &'static str,
    /// The button's label.
    submit: &'static str,
) -> impl IntoView {
    let problem = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.problem_for(field)))
    };
    view! {
        <label>"Username" <input type="text" name="username" autocomplete="username" required/></label>
        <FieldError field="username" message=problem("username")/>
        <label>"Password" <input type="password" name="password" autocomplete=password_autocomplete required/></label>
        <FieldError field="password" message=problem("password")/>
        <FormError error/>
        <button type="submit">{submit}</button>
    }
}
