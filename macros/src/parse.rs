//! Parsing and checking what the macros are given: the arguments (against the variant
//! table), the function's signature and its one parameter.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, ItemFn, Lit, Path, Token, Type};

use crate::variants::{Table, Variants};

/// Which macro is being expanded: the arguments and messages differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Macro {
    Test,
    Main,
}

impl Macro {
    pub(crate) fn attr(self) -> &'static str {
        match self {
            Macro::Test => "#[async_bridge::test]",
            Macro::Main => "#[async_bridge::main]",
        }
    }

    /// Every valid argument, for messages: the backends of the table, then the settings.
    fn valid_args(self, table: &Table) -> String {
        let mut args: Vec<String> = table
            .argument_names()
            .iter()
            .map(|name| format!("`{name}`"))
            .collect();
        args.push("`worker_threads = N`".into());
        if self == Macro::Test {
            args.push("`timeout = \"5s\"`".into());
        }
        args.push("`crate = \"path\"`".into());
        args.join(", ")
    }
}

/// The parsed arguments of either macro.
pub(crate) struct Args {
    /// The selected backends (`None`: none named, so all of them), with the names given.
    pub(crate) backends: Option<(Variants, Vec<(String, Span)>)>,
    pub(crate) worker_threads: Option<(usize, Span)>,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) krate: Option<Path>,
}

/// Parses the arguments of `kind` against `table`.
pub(crate) fn args(kind: Macro, table: &Table, tokens: TokenStream) -> syn::Result<Args> {
    (|input: ParseStream<'_>| parse_args(kind, table, input)).parse2(tokens)
}

fn parse_args(kind: Macro, table: &Table, input: ParseStream<'_>) -> syn::Result<Args> {
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
                    kind.valid_args(table)
                ),
            )
        })?;
        let name = ident.unraw().to_string();
        let span = ident.span();
        if input.peek(Token![-]) {
            let fork = input.fork();
            fork.parse::<Token![-]>()?;
            if let Ok(rest) = fork.call(syn::Ident::parse_any) {
                let joined = format!("{name}_{}", rest.unraw());
                if table.selected_by(&joined).is_some() {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "the backend is spelled `{joined}` (with an underscore) in this \
                             attribute"
                        ),
                    ));
                }
            }
        }
        if seen.contains(&name) {
            return Err(syn::Error::new(
                span,
                format!("duplicate argument `{name}`: give it once"),
            ));
        }
        seen.push(name.clone());

        if let Some(selected) = table.selected_by(&name) {
            if input.peek(Token![=]) {
                return Err(syn::Error::new(
                    span,
                    format!("`{name}` takes no value: write just `{name}`"),
                ));
            }
            let (set, names) = args
                .backends
                .get_or_insert_with(|| (Variants::none(table), Vec::new()));
            if set.intersects(&selected) {
                let earlier = names
                    .iter()
                    .find(|(n, _)| {
                        table
                            .selected_by(n)
                            .is_some_and(|v| v.intersects(&selected))
                    })
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default();
                return Err(syn::Error::new(
                    span,
                    format!("`{name}` overlaps `{earlier}`, given before: remove one of them"),
                ));
            }
            *set = set.union(&selected);
            names.push((name, span));
        } else {
            match name.as_str() {
                "worker_threads" | "timeout" | "crate"
                    if !(kind == Macro::Main && name == "timeout") =>
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
                    let example: Vec<String> = table
                        .flavor_example()
                        .iter()
                        .map(|name| format!("`{name}`"))
                        .collect();
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "unknown argument `{name}`: name the backend instead, e.g. {}; \
                             expected one of: {}",
                            example.join(" or "),
                            kind.valid_args(table)
                        ),
                    ));
                }
                _ => {
                    let message = match table.suggestion(&name) {
                        Some(known) => {
                            format!("unknown argument `{name}`; did you mean `{known}`?")
                        }
                        None => format!(
                            "unknown argument `{name}`; expected one of: {}",
                            kind.valid_args(table)
                        ),
                    };
                    return Err(syn::Error::new(span, message));
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

/// The `crate = "…"` argument, found without the table (the macros' first step needs it
/// to reach the list): `Ok(None)` when there is none, or when the arguments do not parse
/// (the second step reports that, in order).
pub(crate) fn crate_arg(tokens: &TokenStream) -> syn::Result<Option<Path>> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    for window in tokens.windows(3) {
        let [
            TokenTree::Ident(key),
            TokenTree::Punct(eq),
            TokenTree::Literal(value),
        ] = window
        else {
            continue;
        };
        if key == "crate" && eq.as_char() == '=' {
            return parse_crate(&Lit::new(value.clone())).map(Some);
        }
    }
    Ok(None)
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
pub(crate) fn is_test_only_attr(attr: &Attribute) -> bool {
    attr.path().is_ident("should_panic") || attr.path().is_ident("ignore")
}

/// A second test-generating attribute (`#[test]`, `#[tokio::test]`, …) under ours.
pub(crate) fn is_test_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "test")
}

/// What the single parameter of a test is, if any.
pub(crate) enum Param {
    None,
    ImplRuntime,
    Handle,
    /// A backend's type: only its variants.
    Backend(Variants, String),
}

pub(crate) fn classify_param(table: &Table, func: &ItemFn) -> syn::Result<Param> {
    let types: Vec<String> = table.type_names();
    let mut inputs = func.sig.inputs.iter();
    let Some(first) = inputs.next() else {
        return Ok(Param::None);
    };
    if let Some(second) = inputs.next() {
        let mut forms = vec![
            "`rt: impl async_bridge::Runtime`".to_owned(),
            "`rt: RuntimeHandle`".to_owned(),
        ];
        forms.extend(types.iter().map(|ty| format!("`rt: {ty}`")));
        let last = forms.pop().unwrap_or_default();
        return Err(syn::Error::new_spanned(
            second,
            format!(
                "#[async_bridge::test] functions take at most one parameter: the runtime \
                 ({} or {last})",
                forms.join(", ")
            ),
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
        let backends: Vec<String> = types.iter().map(|ty| format!("`{ty}`")).collect();
        syn::Error::new_spanned(
            ty,
            format!(
                "unsupported parameter type `{}`; the parameter of a #[async_bridge::test] \
                 function is the runtime, one of: `impl Runtime` (or \
                 `impl async_bridge::Runtime`), `RuntimeHandle`, {}",
                ty.to_token_stream().to_string().replace(" :: ", "::"),
                backends.join(", ")
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
            match last_segment_of(&type_path.path) {
                Some(name) if name == "RuntimeHandle" => Ok(Param::Handle),
                Some(name) => match table.of_type(&name) {
                    Some(variants) => Ok(Param::Backend(variants, name)),
                    None => Err(unsupported()),
                },
                None => Err(unsupported()),
            }
        }
        _ => Err(unsupported()),
    }
}

/// Checks what both macros need of the function: `async`, no generics, not `const` etc.
pub(crate) fn check_signature(kind: Macro, func: &ItemFn) -> syn::Result<()> {
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
            Macro::Test => "; take the runtime as `rt: impl async_bridge::Runtime` instead",
            Macro::Main => "",
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
