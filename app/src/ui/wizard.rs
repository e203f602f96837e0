//! The new-environment wizard: `/wizard` (start from a preset, a blank spec or an
//! environment to copy; continue a draft) and `/wizard/:draft/:step` (one concern per
//! step). Every step is a server-rendered form (it works before hydration); once
//! hydrated, each field is checked as it is typed by the shared domain rules in WASM.

use leptos::prelude::*;

use super::widgets::{FieldError, FormError, error_view, short_time, use_param};
use crate::api::wizard::{
    DiscardDraft, SaveWizardStep, StartWizard, WizardPage, get_wizard, get_wizard_start,
};
use crate::domain::EnvironmentSpec;
use crate::domain::wizard::{Field, Kind, PickOption, Picker, Step, apply_step, step_problems};

/// `/wizard`: the start page.
#[component]
pub fn WizardStartPage() -> impl IntoView {
    let start = ServerAction::<StartWizard>::new();
    let discard = ServerAction::<DiscardDraft>::new();
    let data = Resource::new(move || discard.version().get(), |_| get_wizard_start());
    let error = Signal::derive(move || start.value().get().and_then(Result::err));
    let message = move |field: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.problem_for(field)))
    };
    view! {
        <h1>"New environment"</h1>
        <p>"The wizard builds the environment's spec one concern at a time; each step is checked against AWS's rules before you go on, and the draft is kept, so you can leave and come back. Nothing is created in AWS until you apply the plan at the end."</p>
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                let d = match data.await {
                    Ok(d) => d,
                    Err(e) => return error_view(&e),
                };
                let region = d.default_region.clone();
                view! {
                    {(!d.drafts.is_empty()).then(|| view! {
                        <h2>"Your drafts"</h2>
                        <ul class="drafts" id="drafts">
                            {d.drafts.into_iter().map(|draft| {
                                let key = draft.id.clone();
                                view! {
                                <li data-draft=key>
                                    <a href=format!("/wizard/{}/{}", draft.id, draft.step)>{format!("{} (at {})", draft.name, draft.step)}</a>
                                    " saved " {short_time(&draft.updated_at)} " "
                                    <ActionForm action=discard attr:class="inline">
                                        <input type="hidden" name="draft" value=draft.id.clone()/>
                                        <button type="submit" class="link">"Discard"</button>
                                    </ActionForm>
                                </li>
                            }}).collect_view()}
                        </ul>
                    })}
                    <ActionForm action=start attr:class="form" attr:id="wizard-start-form">
                        <fieldset>
                            <legend>"Start from"</legend>
                            {crate::domain::wizard::presets().into_iter().enumerate().map(|(i, (key, label))| view! {
                                <label class="choice">
                                    <input type="radio" name="source" value=key checked=i == 0/>
                                    {label}
                                </label>
                            }).collect_view()}
                            <label class="choice">
                                <input type="radio" name="source" value="blank"/>
                                "A blank spec (a cluster, a Fargate compute environment and a queue)"
                            </label>
                            {d.templates.into_iter().map(|(id, name)| view! {
                                <label class="choice">
                                    <input type="radio" name="source" value=format!("copy:{id}")/>
                                    {format!("A copy of {name}")}
                                </label>
                            }).collect_view()}
                        </fieldset>
                        <FieldError field="source" message=message("source")/>
                        <label>"Name" <input type="text" name="name" required autocomplete="off"/></label>
                        <FieldError field="name" message=message("name")/>
                        <label>"Region"
                            <select name="region">
                                {crate::domain::regions::REGIONS.iter().map(|(code, label)| view! {
                                    <option value=*code selected=*code == region>{format!("{code} {label}")}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <FieldError field="region" message=message("region")/>
                        <FormError error=error/>
                        <button type="submit">"Start"</button>
                    </ActionForm>
                }.into_any()
            })}
        </Suspense>
    }
}

/// `/wizard/:draft/:step`: one step of a draft.
#[component]
pub fn WizardStepPage() -> impl IntoView {
    let draft = use_param("draft");
    let step_key = use_param("step");
    let save = ServerAction::<SaveWizardStep>::new();
    // Read on every navigation: a save that went through moves to a step (`?saved=` when
    // it stays); a refused one keeps what is typed on the page, its answer holding the
    // problems.
    let location = leptos_router::hooks::use_location();
    let page = Resource::new(
        move || (draft.get(), step_key.get(), location.search.get()),
        |(d, s, _)| get_wizard(d, s),
    );
    // What is typed, and which fields were touched: the page's, living as long as it
    // (never created inside the Suspend, whose owner each re-read disposes).
    let values = RwSignal::new(Vec::<(String, String)>::new());
    let touched = RwSignal::new(Vec::<String>::new());
    let base = RwSignal::new(None::<EnvironmentSpec>);
    Effect::new(move |_| {
        if let Some(Ok(p)) = page.get() {
            values.set(p.values.clone());
            touched.set(Vec::new());
            base.set(EnvironmentSpec::from_json(&p.spec_json).ok());
        }
    });
    let step = Signal::derive(move || Step::from_key(&step_key.get()).unwrap_or(Step::Basics));
    // The step's problems with what is typed now, by the shared rules (in the browser).
    let live = Memo::new(move |_| {
        let Some(spec) = base.get() else {
            return Vec::new();
        };
        let vals = values.get();
        let form = |path: &str| vals.iter().find(|(p, _)| p == path).map(|(_, v)| v.clone());
        match apply_step(&spec, &spec, step.get(), &form) {
            Ok(edited) => step_problems(&edited, step.get()),
            Err(problems) => problems,
        }
    });
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    view! {
        <Suspense fallback=|| view! { <p>"Loading..."</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => step_view(p, save, values, touched, live, error).into_any(),
                    Err(e) => error_view(&e),
                }
            })}
        </Suspense>
    }
}

fn step_view(
    p: WizardPage,
    save: ServerAction<SaveWizardStep>,
    values: RwSignal<Vec<(String, String)>>,
    touched: RwSignal<Vec<String>>,
    live: Memo<Vec<crate::domain::Problem>>,
    error: Signal<Option<crate::api::AppError>>,
) -> impl IntoView {
    let step = p.step;
    let server_problems = p.problems.clone();
    let included = |part: &str| p.values.iter().any(|(path, v)| path == part && v == "true");
    let nav = Step::ALL
        .into_iter()
        .map(|s| {
            let current = s == step;
            view! {
                <li class:current=current aria-current=current.then_some("step")>
                    <a href=format!("/wizard/{}/{}", p.draft, s.key())>{s.title()}</a>
                </li>
            }
        })
        .collect_view();
    let fields = step
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.within.is_none_or(&included))
        .map(|(i, f)| {
            let value = p
                .values
                .iter()
                .find(|(path, _)| path == f.path)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let options = f
                .picker
                .and_then(|k| p.options.iter().find(|(pk, _)| *pk == k))
                .map(|(_, o)| o.clone())
                .unwrap_or_default();
            let server = server_problems.clone();
            let message = Signal::derive(move || {
                if touched.with(|t| t.iter().any(|x| x == f.path)) {
                    crate::domain::wizard::message_for(&live.get(), f.path).map(str::to_owned)
                } else {
                    error
                        .get()
                        .and_then(|e| {
                            crate::domain::wizard::message_for(e.problems(), f.path)
                                .map(str::to_owned)
                        })
                        .or_else(|| {
                            crate::domain::wizard::message_for(&server, f.path).map(str::to_owned)
                        })
                }
            });
            view! {
                <div class="wizard-field" data-path=f.path>
                    {field_input(i, f, value, options, values, touched)}
                    <FieldError field=f.path message=message/>
                </div>
            }
        })
        .collect_view();
    let last = step.next().is_none();
    // Problems of fields this step does not show (e.g. a later step's, at the end).
    let others = {
        let shown: Vec<&str> = step.fields().iter().map(|f| f.path).collect();
        move || {
            error
                .get()
                .map(|e| {
                    e.problems()
                        .iter()
                        .filter(|p| {
                            !shown.iter().any(|s| {
                                crate::domain::wizard::message_for(std::slice::from_ref(*p), s)
                                    .is_some()
                            })
                        })
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        }
    };
    view! {
        <h1>"New environment: " {step.title()}</h1>
        <ol class="wizard-steps" id="wizard-steps">{nav}</ol>
        {p.discovery_error.map(|e| view! { <p class="notice" id="discovery-error">{format!("The pickers are empty: {e}")}</p> })}
        <ActionForm action=save attr:class="form wizard" attr:id="wizard-form">
            <input type="hidden" name="draft" value=p.draft.clone()/>
            <input type="hidden" name="step" value=step.key()/>
            {fields}
            {move || {
                let others = others();
                (!others.is_empty()).then(|| view! {
                    <ul class="form-error" id="other-problems" role="alert">
                        {others.into_iter().map(|p| view! { <li data-field=p.field.clone()><code>{p.field.clone()}</code> ": " {p.message.clone()}</li> }).collect_view()}
                    </ul>
                })
            }}
            <FormError error=error/>
            <div class="wizard-buttons">
                {step.previous().map(|_| view! { <button type="submit" name="go" value="back" class="secondary" formnovalidate=true>"Back"</button> })}
                <button type="submit" name="go" value="stay" class="secondary">"Save"</button>
                <button type="submit" name="go" value="next" id="wizard-next">{if last { "Create and review the plan" } else { "Next" }}</button>
            </div>
        </ActionForm>
    }
}

/// The input of field `i` (`values[i]` in the form), kept in `values` as it is typed.
fn field_input(
    i: usize,
    f: &'static Field,
    value: String,
    options: Vec<PickOption>,
    values: RwSignal<Vec<(String, String)>>,
    touched: RwSignal<Vec<String>>,
) -> AnyView {
    let name = format!("values[{i}]");
    let id = format!("field-{i}");
    let for_id = id.clone();
    let set = move |v: String| {
        values.update(|vals| match vals.iter_mut().find(|(p, _)| p == f.path) {
            Some(slot) => slot.1 = v,
            None => vals.push((f.path.to_owned(), v)),
        });
        touched.update(|t| {
            if !t.iter().any(|x| x == f.path) {
                t.push(f.path.to_owned());
            }
        });
    };
    let current = move || {
        values.with(|vals| {
            vals.iter()
                .find(|(p, _)| p == f.path)
                .map(|(_, v)| v.clone())
        })
    };
    match f.kind {
        Kind::Flag | Kind::Include => {
            let checked = value == "true";
            view! {
                <label class="check" for=for_id>
                    <input type="checkbox" id=id name=name value="true" checked=checked prop:checked=checked
                        on:change=move |ev| set(event_target_checked(&ev).to_string())/>
                    {f.label}
                    {(f.kind == Kind::Include).then(|| view! { <small class="notice">" (Save to show or hide its settings)"</small> })}
                </label>
            }
            .into_any()
        }
        Kind::Pairs => {
            let text = value.clone();
            view! {
                <label for=for_id>{f.label}</label>
                <textarea id=id name=name rows="3" prop:value=value on:input=move |ev| set(event_target_value(&ev))>{text}</textarea>
            }
            .into_any()
        }
        Kind::Choice(choices) => {
            let chosen = value.clone();
            view! {
                <label for=for_id>{f.label}</label>
                <select id=id name=name prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                    {choices.iter().map(|c| view! { <option value=*c selected=*c == chosen>{*c}</option> }).collect_view()}
                </select>
            }
            .into_any()
        }
        Kind::List => {
            let list_value = value.clone();
            view! {
                <label for=for_id>{f.label}</label>
                <input type="text" id=id name=name value=value autocomplete="off"
                    prop:value=move || current().unwrap_or_else(|| list_value.clone())
                    on:input=move |ev| set(event_target_value(&ev))/>
                {(!options.is_empty()).then(|| picker_list(f, options, set, current))}
            }
            .into_any()
        }
        Kind::Text | Kind::Number | Kind::OptionalNumber | Kind::Decimal => {
            let list = format!("pick-{i}");
            let numeric = matches!(f.kind, Kind::Number | Kind::OptionalNumber | Kind::Decimal);
            view! {
                <label for=for_id>{f.label}</label>
                <input type="text" id=id name=name value=value.clone() prop:value=value autocomplete="off"
                    inputmode=numeric.then_some("decimal")
                    list=(!options.is_empty()).then(|| list.clone())
                    on:input=move |ev| set(event_target_value(&ev))/>
                {(!options.is_empty()).then(|| view! {
                    <datalist id=list>
                        {options.into_iter().map(|o| view! { <option value=o.value>{o.label}</option> }).collect_view()}
                    </datalist>
                })}
            }
            .into_any()
        }
    }
}

/// What the account has for a list field: checkboxes that add or remove a value (once
/// hydrated); before, the list to copy from.
fn picker_list(
    f: &'static Field,
    options: Vec<PickOption>,
    set: impl Fn(String) + Copy + 'static,
    current: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let picker = match f.picker {
        Some(Picker::Subnets) => "subnets in the VPC",
        Some(Picker::SecurityGroups) => "security groups in the VPC",
        Some(Picker::InstanceTypes) => "instance types offered in the region",
        _ => "what the account has",
    };
    view! {
        <details class="picker" data-picker=f.path>
            <summary>{format!("Pick from the {picker} ({})", options.len())}</summary>
            <ul>
                {options.into_iter().map(|o| {
                    let value = o.value.clone();
                    let has = move || {
                        current().is_some_and(|c| c.split([',', ' ']).any(|x| x.trim() == value))
                    };
                    let value = o.value.clone();
                    view! {
                        <li>
                            <label class="check">
                                <input type="checkbox" data-value=o.value.clone() prop:checked=has
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let mut items: Vec<String> = current()
                                            .unwrap_or_default()
                                            .split([',', ' '])
                                            .map(str::trim)
                                            .filter(|x| !x.is_empty() && *x != value)
                                            .map(str::to_owned)
                                            .collect();
                                        if on {
                                            items.push(value.clone());
                                        }
                                        set(items.join(", "));
                                    }/>
                                {o.label}
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}
