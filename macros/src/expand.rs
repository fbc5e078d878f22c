//! Code generation for `#[async_bridge::test]` and `#[async_bridge::main]`, in two steps.
//!
//! 1. The attribute ([`test`], [`main`]) reads only `crate = "…"`, keeps the function (for
//!    the test), and calls async-bridge's `__async_bridge_backends!` with the second step
//!    and everything it was given.
//! 2. `__async_bridge_backends!` calls the second step ([`expand_test`], [`expand_main`])
//!    with async-bridge's list of backends in front: it checks the arguments against that
//!    table and generates one variant per selected backend flavour, each inside its
//!    backend's gate (kept only when async-bridge has the feature).

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Path, ReturnType, Type, braced};

use crate::parse::{self, Macro, Param};
use crate::variants::{Table, Variants};

/// The path of async-bridge beside the function and inside the generated module, and the
/// item that makes a relative `crate = "…"` path usable from both.
fn crate_path(krate: Option<&Path>, alias: &syn::Ident) -> (TokenStream, TokenStream, TokenStream) {
    match krate {
        None => {
            let path = quote!(::async_bridge);
            (path.clone(), path, TokenStream::new())
        }
        Some(path) => {
            let first = path.segments.first().map(|s| s.ident.to_string());
            let absolute = path.leading_colon.is_some() || first.as_deref() == Some("crate");
            if absolute {
                let path = path.to_token_stream();
                (path.clone(), path, TokenStream::new())
            } else {
                // A relative path resolves in the function's module, not in the generated
                // one: name it there, under a hidden alias.
                let alias = syn::Ident::new(&alias.to_string(), path.span());
                let item = quote_spanned! {path.span()=>
                    #[doc(hidden)]
                    #[allow(unused_imports)]
                    use #path as #alias;
                };
                // The first step reaches the list through the alias too: a path that does
                // not resolve is then reported once, at the `use`.
                (quote!(#alias), quote!(super::#alias), item)
            }
        }
    }
}

/// Does the function return `()` (nothing written, or `-> ()`)?
fn returns_unit(output: &ReturnType) -> bool {
    match output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => matches!(&**ty, Type::Tuple(t) if t.elems.is_empty()),
    }
}

/// The function with the test attributes removed, kept so that the variants can call it.
fn kept_fn(func: &ItemFn) -> TokenStream {
    let mut func = func.clone();
    func.attrs.retain(|attr| !parse::is_test_only_attr(attr));
    quote! {
        #[allow(dead_code)]
        #func
    }
}

/// The first step of `#[async_bridge::test]`.
pub(crate) fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(err) => {
            let err = syn::Error::new(err.span(), "#[async_bridge::test] goes on an `async fn`");
            return with_error(item, err);
        }
    };
    let kept = kept_fn(&func);
    let krate = match parse::crate_arg(&args) {
        Ok(krate) => krate,
        Err(err) => return with_error(kept, err),
    };
    let name = &func.sig.ident;
    let alias = format_ident!("__async_bridge_crate_of_{}", name.unraw());
    let (outside, inside, alias_item) = crate_path(krate.as_ref(), &alias);
    quote! {
        #kept
        #alias_item
        #outside::__async_bridge_backends!(
            #outside::__macro_support::expand_test,
            { #args } { #inside } { #func }
        );
    }
}

/// The first step of `#[async_bridge::main]`.
pub(crate) fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(err) => {
            let err = syn::Error::new(
                err.span(),
                "#[async_bridge::main] goes on an `async fn main`",
            );
            return with_error(item, err);
        }
    };
    let krate = match parse::crate_arg(&args) {
        Ok(krate) => krate,
        Err(err) => return with_error(main_fallback(&func), err),
    };
    let alias = format_ident!("__async_bridge_crate_of_main");
    let (path, _, alias_item) = crate_path(krate.as_ref(), &alias);
    quote! {
        #alias_item
        #path::__async_bridge_backends!(
            #path::__macro_support::expand_main,
            { #args } { #path } { #func }
        );
    }
}

/// What the second step is given: the list, then the first step's three groups.
struct Step {
    table: Table,
    args: TokenStream,
    path: TokenStream,
    func: ItemFn,
}

fn step(input: TokenStream) -> syn::Result<Step> {
    let parser = |input: ParseStream<'_>| {
        let list: TokenTree = input.parse()?;
        let table = Table::parse(list)?;
        let group = |input: ParseStream<'_>| -> syn::Result<TokenStream> {
            let content;
            braced!(content in input);
            content.parse()
        };
        let args = group(input)?;
        let path = group(input)?;
        let func = group(input)?;
        Ok(Step {
            table,
            args,
            path,
            func: syn::parse2(func)?,
        })
    };
    parser.parse2(input)
}

/// The second step of `#[async_bridge::test]`: the module of variants (the function itself
/// was kept by the first step), or the error.
pub(crate) fn expand_test(input: TokenStream) -> TokenStream {
    match step(input).and_then(|step| variants_of_test(&step)) {
        Ok(tokens) => tokens,
        Err(err) => err.into_compile_error(),
    }
}

fn variants_of_test(step: &Step) -> syn::Result<TokenStream> {
    let Step {
        table, path, func, ..
    } = step;
    let args = parse::args(Macro::Test, table, step.args.clone())?;
    parse::check_signature(Macro::Test, func)?;
    if let Some(attr) = func.attrs.iter().find(|a| parse::is_test_attr(a)) {
        return Err(syn::Error::new_spanned(
            attr,
            "a second test attribute: #[async_bridge::test] already makes the `#[test]` \
             functions; remove this one (or, for another test-generating attribute, place \
             #[async_bridge::test] last)",
        ));
    }
    let param = parse::classify_param(table, func)?;

    // The variants: those named in the arguments (all by default), limited by the parameter.
    let mut variants = match &args.backends {
        Some((set, _)) => set.clone(),
        None => Variants::all(table),
    };
    if let Param::Backend(allowed, ty) = &param {
        if let Some((_, names)) = &args.backends {
            for (name, span) in names {
                let selected = table
                    .selected_by(name)
                    .unwrap_or_else(|| Variants::none(table));
                if !selected.intersects(allowed) {
                    return Err(syn::Error::new(
                        *span,
                        format!(
                            "`{name}` cannot run this test: it takes a `{ty}`; remove `{name}`, \
                             or take `rt: impl async_bridge::Runtime` to run on every backend"
                        ),
                    ));
                }
            }
        }
        variants = variants.intersection(allowed);
    }
    if let Some((_, span)) = args.worker_threads {
        if !variants.iter().any(|v| table.variants[v].workers) {
            let message = match &param {
                Param::Backend(_, ty) => format!(
                    "`worker_threads` configures the tokio multi-thread runtime, but this test \
                     takes a `{ty}`, so it has no `tokio_multi_thread` variant; remove \
                     `worker_threads`"
                ),
                _ => "`worker_threads` configures the tokio multi-thread runtime, but this test \
                      has no `tokio_multi_thread` variant; add `tokio_multi_thread` (or `tokio`) \
                      to the arguments, or remove `worker_threads`"
                    .to_owned(),
            };
            return Err(syn::Error::new(span, message));
        }
    }

    let name = &func.sig.ident;
    let support = quote!(#path::__macro_support);
    let unit = returns_unit(&func.sig.output);

    // Attributes of the variants: all but `cfg` (which goes on the module).
    let (cfg_attrs, variant_attrs): (Vec<_>, Vec<_>) =
        func.attrs.iter().partition(|a| a.path().is_ident("cfg"));

    let call_arg = match param {
        Param::None => quote!(),
        Param::ImplRuntime | Param::Backend(..) => quote!(rt),
        Param::Handle => quote!(#path::RuntimeHandle::new(rt)),
    };
    let make = quote!(move |rt| { let _ = &rt; super::#name(#call_arg) });
    let test_name = name.unraw().to_string();
    let workers = match args.worker_threads {
        Some((n, _)) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    };

    let generated = variants.iter().map(|v| {
        let variant = &table.variants[v];
        let backend = &table.backends[variant.backend];
        let fn_name = syn::Ident::new(&variant.name, Span::call_site());
        let gate = &backend.gate;
        let variant_name = &variant.name;
        let runtime = quote!(#support::variants::#fn_name(#workers));
        let feature = &backend.feature;
        let doc = format!(
            "Runs [`{test_name}`](super::{test_name}) on the `{variant_name}` variant \
             (async-bridge feature `{feature}`)."
        );
        let (ret, body) = match (args.timeout_ms, unit) {
            (None, true) => (quote!(), quote!(#support::run(#runtime, #make))),
            (None, false) => (
                quote!(-> impl ::std::process::Termination),
                quote!(#support::run(#runtime, #make)),
            ),
            (Some(ms), true) => (
                quote!(),
                quote! {
                    let _ = #support::run_with_timeout(
                        #runtime,
                        ::core::time::Duration::from_millis(#ms),
                        #test_name,
                        #variant_name,
                        #make,
                    );
                },
            ),
            (Some(ms), false) => (
                quote!(-> impl ::std::process::Termination),
                quote! {
                    #support::run_with_timeout(
                        #runtime,
                        ::core::time::Duration::from_millis(#ms),
                        #test_name,
                        #variant_name,
                        #make,
                    )
                },
            ),
        };
        quote! {
            #path::#gate! {
                #[doc = #doc]
                #(#variant_attrs)*
                #[cfg_attr(test, ::core::prelude::v1::test)]
                #[cfg_attr(not(test), allow(dead_code))]
                fn #fn_name() #ret {
                    #body
                }
            }
        }
    });

    let module_doc = format!("The `#[test]` variants of `{test_name}`, one per backend.");
    Ok(quote! {
        #[doc = #module_doc]
        #(#cfg_attrs)*
        #[allow(non_snake_case)]
        mod #name {
            #(#generated)*
        }
    })
}

/// The second step of `#[async_bridge::main]`: the sync `main`, or the error beside a
/// stand-in `main`.
pub(crate) fn expand_main(input: TokenStream) -> TokenStream {
    let step = match step(input) {
        Ok(step) => step,
        Err(err) => return err.into_compile_error(),
    };
    match sync_main(&step) {
        Ok(tokens) => tokens,
        Err(err) => with_error(main_fallback(&step.func), err),
    }
}

/// On error: a sync `fn main` with the same signature and body (never run), so the error
/// is the only diagnostic and the IDE still sees the body.
fn main_fallback(func: &ItemFn) -> TokenStream {
    let mut func = func.clone();
    func.sig.asyncness = None;
    // The parameters become locals, so that the body still resolves.
    let params: Vec<TokenStream> = func
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(pat) if !matches!(&*pat.ty, Type::ImplTrait(_)) => {
                let (pat, ty) = (&pat.pat, &pat.ty);
                Some(quote!(let #pat: #ty = ::core::unreachable!();))
            }
            _ => None,
        })
        .collect();
    func.sig.inputs.clear();
    func.sig.generics = syn::Generics::default();
    let body = &func.block;
    let block: syn::Block = syn::parse_quote!({
        #(#params)*
        let body = async move #body;
        ::core::unreachable!()
    });
    func.attrs
        .push(syn::parse_quote!(#[allow(unused_variables, unreachable_code)]));
    func.block = Box::new(block);
    func.into_token_stream()
}

fn sync_main(step: &Step) -> syn::Result<TokenStream> {
    let Step {
        table, path, func, ..
    } = step;
    let args = parse::args(Macro::Main, table, step.args.clone())?;
    parse::check_signature(Macro::Main, func)?;
    if let Some(first) = func.sig.inputs.first() {
        return Err(syn::Error::new_spanned(
            first,
            "#[async_bridge::main] functions take no parameters: `main` gets no arguments; \
             read them with `std::env::args()`",
        ));
    }
    let backend = match &args.backends {
        None => None,
        Some((_, names)) => {
            if let Some((name, span)) = names.get(1) {
                return Err(syn::Error::new(
                    *span,
                    format!(
                        "#[async_bridge::main] runs on one backend, but `{}` and `{name}` are \
                         both given; keep one",
                        names[0].0
                    ),
                ));
            }
            names.first().cloned()
        }
    };
    // The variant `main` runs: the first that the backend argument selects.
    let variant = backend.as_ref().and_then(|(name, span)| {
        let selected = table.selected_by(name)?;
        let first = selected.iter().next()?;
        Some((first, name, *span))
    });
    if let Some((_, span)) = args.worker_threads {
        let multi_thread = variant
            .as_ref()
            .is_some_and(|(v, _, _)| table.variants[*v].workers);
        if !multi_thread {
            return Err(syn::Error::new(
                span,
                "`worker_threads` configures the tokio multi-thread runtime: add `tokio` \
                 to the arguments, e.g. `#[async_bridge::main(tokio, worker_threads = 4)]`, or \
                 remove `worker_threads`",
            ));
        }
    }

    let mut sync = func.clone();
    sync.sig.asyncness = None;
    let body = &func.block;
    let future = quote!(async move #body);
    let block: TokenStream = match variant {
        None => quote!({ #path::block_on(#future) }),
        Some((v, name, span)) => {
            let variant = &table.variants[v];
            let backend = &table.backends[variant.backend];
            let feature = &backend.feature;
            let gate = &backend.gate;
            let constructor = syn::Ident::new(&variant.name, Span::call_site());
            let workers = match args.worker_threads {
                Some((n, _)) => quote!(::core::option::Option::Some(#n)),
                None => quote!(::core::option::Option::None),
            };
            let runtime = quote!(#path::__macro_support::variants::#constructor(#workers));
            let message = format!(
                "#[async_bridge::main({name})] needs async-bridge's `{feature}` feature: \
                 enable it in Cargo.toml (`async-bridge = {{ version = \"0.1\", features = \
                 [\"{feature}\"] }}`), or remove `{name}` to use the default runtime"
            );
            let error = quote_spanned!(span=> ::core::compile_error!(#message));
            quote!({
                #path::#gate! {
                    @else {
                        #path::BlockOn::block_on(&#runtime, #future)
                    } {
                        #error;
                        ::core::unreachable!()
                    }
                }
            })
        }
    };
    sync.block = Box::new(syn::parse2(block)?);
    Ok(sync.into_token_stream())
}

fn with_error(item: TokenStream, err: syn::Error) -> TokenStream {
    let err = err.into_compile_error();
    quote! {
        #item
        #err
    }
}
