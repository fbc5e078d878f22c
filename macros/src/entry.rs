//! Parsing and code generation for `#[async_bridge::test]` and `#[async_bridge::main]`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ItemFn, Lit, Path, ReturnType, Token, Type};

/// The backends and flavours a test can run on, in the order the variants are generated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    TokioMultiThread,
    TokioCurrentThread,
    Smol,
    AsyncStd,
}

const ALL_VARIANTS: [Variant; 4] = [
    Variant::TokioMultiThread,
    Variant::TokioCurrentThread,
    Variant::Smol,
    Variant::AsyncStd,
];

impl Variant {
    /// The name of the generated `#[test]` fn (and of the argument that selects it).
    fn name(self) -> &'static str {
        match self {
            Variant::TokioMultiThread => "tokio_multi_thread",
            Variant::TokioCurrentThread => "tokio_current_thread",
            Variant::Smol => "smol",
            Variant::AsyncStd => "async_std",
        }
    }

    /// The async-bridge feature the variant needs.
    fn feature(self) -> &'static str {
        match self {
            Variant::TokioMultiThread | Variant::TokioCurrentThread => "tokio",
            Variant::Smol => "smol",
            Variant::AsyncStd => "async-std",
        }
    }

    /// The gate macro in `__macro_support` that keeps its tokens only with that feature.
    fn gate(self) -> &'static str {
        match self {
            Variant::TokioMultiThread | Variant::TokioCurrentThread => "if_tokio",
            Variant::Smol => "if_smol",
            Variant::AsyncStd => "if_async_std",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Variant::TokioMultiThread => 1,
            Variant::TokioCurrentThread => 2,
            Variant::Smol => 4,
            Variant::AsyncStd => 8,
        }
    }
}

/// A set of variants.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Variants(u8);

impl Variants {
    const NONE: Variants = Variants(0);
    const ALL: Variants = Variants(15);
    const TOKIO: Variants = Variants(3);

    fn of(variant: Variant) -> Self {
        Variants(variant.bit())
    }

    fn contains(self, variant: Variant) -> bool {
        self.0 & variant.bit() != 0
    }

    fn intersects(self, other: Variants) -> bool {
        self.0 & other.0 != 0
    }

    fn union(self, other: Variants) -> Self {
        Variants(self.0 | other.0)
    }

    fn intersection(self, other: Variants) -> Self {
        Variants(self.0 & other.0)
    }

    fn iter(self) -> impl Iterator<Item = Variant> {
        ALL_VARIANTS.into_iter().filter(move |v| self.contains(*v))
    }
}

/// A backend name accepted as an argument: the variants it selects.
fn backend_arg(name: &str) -> Option<Variants> {
    Some(match name {
        "tokio" => Variants::TOKIO,
        "tokio_multi_thread" => Variants::of(Variant::TokioMultiThread),
        "tokio_current_thread" => Variants::of(Variant::TokioCurrentThread),
        "smol" => Variants::of(Variant::Smol),
        "async_std" => Variants::of(Variant::AsyncStd),
        _ => return None,
    })
}

const TEST_ARGS: &str = "`tokio`, `tokio_multi_thread`, `tokio_current_thread`, `smol`, \
     `async_std`, `worker_threads = N`, `timeout = \"5s\"`, `crate = \"path\"`";
const MAIN_ARGS: &str = "`tokio`, `tokio_multi_thread`, `tokio_current_thread`, `smol`, \
     `async_std`, `worker_threads = N`, `crate = \"path\"`";

/// Which macro is being expanded: the arguments and messages differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Test,
    Main,
}

impl Kind {
    fn attr(self) -> &'static str {
        match self {
            Kind::Test => "#[async_bridge::test]",
            Kind::Main => "#[async_bridge::main]",
        }
    }

    fn valid_args(self) -> &'static str {
        match self {
            Kind::Test => TEST_ARGS,
            Kind::Main => MAIN_ARGS,
        }
    }
}

/// The parsed arguments of either macro.
struct Args {
    /// The selected backends (`None`: none named, so all of them).
    backends: Option<(Variants, Vec<(String, Span)>)>,
    worker_threads: Option<(usize, Span)>,
    timeout_ms: Option<u64>,
    krate: Option<Path>,
}

fn parse_args(kind: Kind, input: ParseStream<'_>) -> syn::Result<Args> {
    let mut args = Args {
        backends: None,
        worker_threads: None,
        timeout_ms: None,
        krate: None,
    };
    let mut seen: Vec<String> = Vec::new();
    while !input.is_empty() {
        let ident = input.call(syn::Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                format!(
                    "expected an argument to {}; expected one of: {}",
                    kind.attr(),
                    kind.valid_args()
                ),
            )
        })?;
        let name = ident.unraw().to_string();
        let span = ident.span();
        if name == "async" && input.peek(Token![-]) {
            return Err(syn::Error::new(
                span,
                "the backend is spelled `async_std` (with an underscore) in this attribute",
            ));
        }
        if seen.contains(&name) {
            return Err(syn::Error::new(
                span,
                format!("duplicate argument `{name}`: give it once"),
            ));
        }
        seen.push(name.clone());

        if let Some(selected) = backend_arg(&name) {
            if input.peek(Token![=]) {
                return Err(syn::Error::new(
                    span,
                    format!("`{name}` takes no value: write just `{name}`"),
                ));
            }
            let (set, names) = args
                .backends
                .get_or_insert_with(|| (Variants::NONE, Vec::new()));
            if set.intersects(selected) {
                let earlier = names
                    .iter()
                    .find(|(n, _)| backend_arg(n).is_some_and(|v| v.intersects(selected)))
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                return Err(syn::Error::new(
                    span,
                    format!("`{name}` overlaps `{earlier}`, given before: remove one of them"),
                ));
            }
            *set = set.union(selected);
            names.push((name, span));
        } else {
            match name.as_str() {
                "worker_threads" | "timeout" | "crate"
                    if !(kind == Kind::Main && name == "timeout") =>
                {
                    if !input.peek(Token![=]) {
                        let example = match name.as_str() {
                            "worker_threads" => "worker_threads = 2",
                            "timeout" => "timeout = \"5s\"",
                            _ => "crate = \"my_crate::async_bridge\"",
                        };
                        return Err(syn::Error::new(
                            span,
                            format!("`{name}` needs a value, e.g. `{example}`"),
                        ));
                    }
                    input.parse::<Token![=]>()?;
                    let lit: Lit = input.parse()?;
                    match name.as_str() {
                        "worker_threads" => {
                            args.worker_threads = Some((parse_workers(&lit)?, span));
                        }
                        "timeout" => args.timeout_ms = Some(parse_timeout(&lit)?),
                        _ => args.krate = Some(parse_crate(&lit)?),
                    }
                }
                "flavor" | "flavour" => {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "unknown argument `{name}`: name the backend instead, e.g. \
                             `tokio_current_thread` or `tokio_multi_thread`; expected one of: {}",
                            kind.valid_args()
                        ),
                    ));
                }
                "async_std_runtime" | "asyncstd" | "async_std_" => {
                    return Err(syn::Error::new(
                        span,
                        format!("unknown argument `{name}`; did you mean `async_std`?"),
                    ));
                }
                _ => {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "unknown argument `{name}`; expected one of: {}",
                            kind.valid_args()
                        ),
                    ));
                }
            }
        }

        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            return Err(input.error(format!(
                "expected `,` between the arguments of {}",
                kind.attr()
            )));
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

fn parse_workers(lit: &Lit) -> syn::Result<usize> {
    let Lit::Int(int) = lit else {
        return Err(syn::Error::new(
            lit.span(),
            "`worker_threads` takes an integer, e.g. `worker_threads = 2`",
        ));
    };
    let n: usize = int.base10_parse()?;
    if n == 0 {
        return Err(syn::Error::new(
            lit.span(),
            "`worker_threads` must be at least 1 (a multi-thread runtime needs a worker); \
             for no worker threads, select `tokio_current_thread` instead",
        ));
    }
    Ok(n)
}

fn parse_timeout(lit: &Lit) -> syn::Result<u64> {
    let bad = |what: &str| {
        syn::Error::new(
            lit.span(),
            format!(
                "{what}; `timeout` takes a string with a whole number and a unit `ms`, `s` or \
                 `m`, e.g. `timeout = \"500ms\"`, `timeout = \"5s\"` or `timeout = \"2m\"`"
            ),
        )
    };
    let Lit::Str(s) = lit else {
        return Err(bad("expected a string, not a bare number"));
    };
    let text = s.value();
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1_000)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000)
    } else {
        return Err(bad(&format!("invalid timeout `{text}`: missing unit")));
    };
    let number = number.trim();
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(&format!("invalid timeout `{text}`")));
    }
    let ms = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| bad(&format!("timeout `{text}` is too large")))?;
    if ms == 0 {
        return Err(bad("the timeout must be longer than zero"));
    }
    Ok(ms)
}

fn parse_crate(lit: &Lit) -> syn::Result<Path> {
    let Lit::Str(s) = lit else {
        return Err(syn::Error::new(
            lit.span(),
            "`crate` takes a path in a string, e.g. `crate = \"my_crate::async_bridge\"`",
        ));
    };
    let mut path: Path = s.parse().map_err(|_| {
        syn::Error::new(
            s.span(),
            format!(
                "`crate = \"{}\"` is not a path; write e.g. `crate = \"my_crate::async_bridge\"`",
                s.value()
            ),
        )
    })?;
    // Point errors about the path (it does not resolve) at the string.
    for segment in &mut path.segments {
        segment.ident.set_span(s.span());
    }
    Ok(path)
}

/// Is this attribute one of the standard test attributes that belong on the variants only?
fn is_test_only_attr(attr: &Attribute) -> bool {
    attr.path().is_ident("should_panic") || attr.path().is_ident("ignore")
}

/// A second test-generating attribute (`#[test]`, `#[tokio::test]`, …) under ours.
fn is_test_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "test")
}

/// What the single parameter of a test is, if any.
#[derive(Clone, Copy)]
enum Param {
    None,
    ImplRuntime,
    Handle,
    Backend(Variants, &'static str),
}

fn classify_param(func: &ItemFn) -> syn::Result<Param> {
    let mut inputs = func.sig.inputs.iter();
    let Some(first) = inputs.next() else {
        return Ok(Param::None);
    };
    if let Some(second) = inputs.next() {
        return Err(syn::Error::new_spanned(
            second,
            "#[async_bridge::test] functions take at most one parameter: the runtime \
             (`rt: impl async_bridge::Runtime`, `rt: RuntimeHandle`, `rt: Tokio`, `rt: Smol` \
             or `rt: AsyncStd`)",
        ));
    }
    let ty = match first {
        FnArg::Receiver(receiver) => {
            return Err(syn::Error::new(
                receiver.span(),
                "#[async_bridge::test] cannot be used on methods: write a free `async fn`",
            ));
        }
        FnArg::Typed(pat) => &*pat.ty,
    };
    let unsupported = || {
        syn::Error::new_spanned(
            ty,
            format!(
                "unsupported parameter type `{}`; the parameter of a #[async_bridge::test] \
                 function is the runtime, one of: `impl Runtime` (or \
                 `impl async_bridge::Runtime`), `RuntimeHandle`, `Tokio`, `Smol`, `AsyncStd`",
                ty.to_token_stream().to_string().replace(" :: ", "::")
            ),
        )
    };
    let last_segment_of = |path: &Path| {
        path.segments
            .last()
            .filter(|s| s.arguments.is_none())
            .map(|s| s.ident.to_string())
    };
    match ty {
        Type::ImplTrait(impl_trait) => {
            // `impl Runtime`, possibly with more bounds every backend meets (`+ Debug`).
            let names_runtime = impl_trait.bounds.iter().any(|bound| {
                matches!(bound, syn::TypeParamBound::Trait(bound)
                    if last_segment_of(&bound.path).as_deref() == Some("Runtime"))
            });
            if names_runtime {
                Ok(Param::ImplRuntime)
            } else {
                Err(unsupported())
            }
        }
        Type::Path(type_path) if type_path.qself.is_none() => {
            match last_segment_of(&type_path.path).as_deref() {
                Some("RuntimeHandle") => Ok(Param::Handle),
                Some("Tokio") => Ok(Param::Backend(Variants::TOKIO, "Tokio")),
                Some("Smol") => Ok(Param::Backend(Variants::of(Variant::Smol), "Smol")),
                Some("AsyncStd") => Ok(Param::Backend(Variants::of(Variant::AsyncStd), "AsyncStd")),
                _ => Err(unsupported()),
            }
        }
        _ => Err(unsupported()),
    }
}

/// Checks what both macros need of the function: `async`, no generics, not `const` etc.
fn check_signature(kind: Kind, func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span(),
            format!(
                "{} needs an `async fn`: add `async` before `fn`",
                kind.attr()
            ),
        ));
    }
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new(
            constness.span(),
            format!("{} functions cannot be `const`", kind.attr()),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let hint = match kind {
            Kind::Test => "; take the runtime as `rt: impl async_bridge::Runtime` instead",
            Kind::Main => "",
        };
        return Err(syn::Error::new(
            sig.generics.span(),
            format!("{} functions cannot be generic{hint}", kind.attr()),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new(
            variadic.span(),
            format!("{} functions cannot be variadic", kind.attr()),
        ));
    }
    Ok(())
}

/// The path of async-bridge in the generated code, and the item that makes a relative
/// `crate = "…"` path usable from inside the generated module.
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
                (path.to_token_stream(), quote!(super::#alias), item)
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
    func.attrs.retain(|attr| !is_test_only_attr(attr));
    quote! {
        #[allow(dead_code)]
        #func
    }
}

/// `#[async_bridge::test]`.
pub(crate) fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(func) => func,
        Err(err) => {
            let err = syn::Error::new(err.span(), "#[async_bridge::test] goes on an `async fn`");
            return with_error(item, err);
        }
    };
    match expand_test(args, &func) {
        Ok(tokens) => tokens,
        Err(err) => with_error(kept_fn(&func), err),
    }
}

fn expand_test(args: TokenStream, func: &ItemFn) -> syn::Result<TokenStream> {
    let args = (|input: ParseStream<'_>| parse_args(Kind::Test, input)).parse2(args)?;
    check_signature(Kind::Test, func)?;
    if let Some(attr) = func.attrs.iter().find(|a| is_test_attr(a)) {
        return Err(syn::Error::new_spanned(
            attr,
            "a second test attribute: #[async_bridge::test] already makes the `#[test]` \
             functions; remove this one (or, for another test-generating attribute, place \
             #[async_bridge::test] last)",
        ));
    }
    let param = classify_param(func)?;

    // The variants: those named in the arguments (all by default), limited by the parameter.
    let mut variants = match &args.backends {
        Some((set, _)) => *set,
        None => Variants::ALL,
    };
    if let Param::Backend(allowed, ty) = param {
        if let Some((_, names)) = &args.backends {
            for (name, span) in names {
                let selected = backend_arg(name).unwrap_or(Variants::NONE);
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
        if !variants.contains(Variant::TokioMultiThread) {
            let message = match param {
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
    let alias = format_ident!("__async_bridge_crate_of_{}", name.unraw());
    let (_, path, alias_item) = crate_path(args.krate.as_ref(), &alias);
    let support = quote!(#path::__macro_support);
    let unit = returns_unit(&func.sig.output);

    // Attributes of the variants: all but `cfg` (which goes on the module).
    let (cfg_attrs, variant_attrs): (Vec<&Attribute>, Vec<&Attribute>) =
        func.attrs.iter().partition(|a| a.path().is_ident("cfg"));

    let call_arg = match param {
        Param::None => quote!(),
        Param::ImplRuntime | Param::Backend(..) => quote!(rt),
        Param::Handle => quote!(#path::RuntimeHandle::new(rt)),
    };
    let make = quote!(move |rt| { let _ = &rt; super::#name(#call_arg) });
    let test_name = name.unraw().to_string();

    let generated = variants.iter().map(|variant| {
        let fn_name = syn::Ident::new(variant.name(), Span::call_site());
        let gate = syn::Ident::new(variant.gate(), Span::call_site());
        let variant_name = variant.name();
        let runtime = match variant {
            Variant::TokioMultiThread => match args.worker_threads {
                Some((n, _)) => quote!(#path::Tokio::multi_thread(#n)),
                None => quote!(#path::Tokio::new()),
            },
            Variant::TokioCurrentThread => quote!(#path::Tokio::current_thread()),
            Variant::Smol => quote!(<#path::Smol as ::core::default::Default>::default()),
            Variant::AsyncStd => quote!(#path::AsyncStd::new()),
        };
        let feature = variant.feature();
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
            #support::#gate! {
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

    let kept = kept_fn(func);
    let module_doc = format!("The `#[test]` variants of `{test_name}`, one per backend.");
    Ok(quote! {
        #kept
        #alias_item
        #[doc = #module_doc]
        #(#cfg_attrs)*
        #[allow(non_snake_case)]
        mod #name {
            #(#generated)*
        }
    })
}

/// `#[async_bridge::main]`.
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
    match expand_main(args, &func) {
        Ok(tokens) => tokens,
        Err(err) => with_error(main_fallback(&func), err),
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

fn expand_main(args: TokenStream, func: &ItemFn) -> syn::Result<TokenStream> {
    let args = (|input: ParseStream<'_>| parse_args(Kind::Main, input)).parse2(args)?;
    check_signature(Kind::Main, func)?;
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
    if let Some((_, span)) = args.worker_threads {
        let multi_thread = matches!(
            backend.as_ref().map(|(n, _)| n.as_str()),
            Some("tokio" | "tokio_multi_thread")
        );
        if !multi_thread {
            return Err(syn::Error::new(
                span,
                "`worker_threads` configures the tokio multi-thread runtime: add `tokio` \
                 to the arguments, e.g. `#[async_bridge::main(tokio, worker_threads = 4)]`, or \
                 remove `worker_threads`",
            ));
        }
    }

    let alias = format_ident!("__unused");
    let (path, _, _) = crate_path(args.krate.as_ref(), &alias);
    let mut sync = func.clone();
    sync.sig.asyncness = None;
    let body = &func.block;
    let future = quote!(async move #body);
    let block: TokenStream = match &backend {
        None => quote!({ #path::block_on(#future) }),
        Some((name, span)) => {
            let (feature, gate, runtime) = match name.as_str() {
                "tokio" | "tokio_multi_thread" => (
                    "tokio",
                    "if_tokio",
                    match args.worker_threads {
                        Some((n, _)) => quote!(#path::Tokio::multi_thread(#n)),
                        None => quote!(#path::Tokio::new()),
                    },
                ),
                "tokio_current_thread" => {
                    ("tokio", "if_tokio", quote!(#path::Tokio::current_thread()))
                }
                "smol" => (
                    "smol",
                    "if_smol",
                    quote!(<#path::Smol as ::core::default::Default>::default()),
                ),
                _ => ("async-std", "if_async_std", quote!(#path::AsyncStd::new())),
            };
            let gate = syn::Ident::new(gate, Span::call_site());
            let message = format!(
                "#[async_bridge::main({name})] needs async-bridge's `{feature}` feature: \
                 enable it in Cargo.toml (`async-bridge = {{ version = \"0.1\", features = \
                 [\"{feature}\"] }}`), or remove `{name}` to use the default runtime"
            );
            let error = quote_spanned!(*span=> ::core::compile_error!(#message));
            quote!({
                #path::__macro_support::#gate! {
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
